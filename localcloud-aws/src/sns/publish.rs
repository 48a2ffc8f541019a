//! Publish and PublishBatch.

use localcloud::queue::BatchEntry;
use localcloud::{AttributeValue, Cloud, MessageAttributes, Publish};

use super::{required, topic_at, Reply, SnsFault};
use crate::protocol::query::{Form, Xml};

fn attributes(f: &Form) -> Result<MessageAttributes, SnsFault> {
    let mut out = MessageAttributes::new();
    for (name, v) in f.struct_map("MessageAttributes", "Name", "Value") {
        let data_type = required(&v, "DataType")?;
        let value = if data_type.starts_with("Binary") {
            let bytes = aws_smithy_types::base64::decode(required(&v, "BinaryValue")?).map_err(|_| {
                SnsFault::new(400, "ParameterValueInvalid", format!("attribute {name}: BinaryValue is not base64"))
            })?;
            AttributeValue::binary_with_type(data_type, bytes)
        } else {
            AttributeValue::text_with_type(data_type, required(&v, "StringValue")?)
        };
        out.insert(name, value);
    }
    Ok(out)
}

fn message(f: &Form) -> Result<Publish, SnsFault> {
    let mut p = Publish::new(required(f, "Message")?.to_owned()).attributes(attributes(f)?);
    if let Some(s) = f.get("Subject") {
        p = p.subject(s);
    }
    match f.get("MessageStructure") {
        None => {}
        Some("json") => p = p.message_structure_json(),
        Some(other) => return Err(SnsFault::invalid(format!("MessageStructure {other:?} must be json"))),
    }
    if let Some(g) = f.get("MessageGroupId") {
        p = p.group_id(g);
    }
    if let Some(d) = f.get("MessageDeduplicationId") {
        p = p.deduplication_id(d);
    }
    Ok(p)
}

pub(crate) fn publish(cloud: &Cloud, f: &Form) -> Reply {
    let arn = f
        .get("TopicArn")
        .or(f.get("TargetArn"))
        .ok_or_else(|| SnsFault::invalid("the request must contain the parameter TopicArn"))?;
    let topic = topic_at(cloud, arn)?;
    let r = topic.publish(message(f)?)?;
    let mut x = Xml::new();
    x.text("MessageId", &r.message_id().to_string());
    if let Some(seq) = r.sequence_number() {
        x.text("SequenceNumber", &format!("{seq:020}"));
    }
    Ok(x.into_string())
}

pub(crate) fn publish_batch(cloud: &Cloud, f: &Form) -> Reply {
    let topic = topic_at(cloud, required(f, "TopicArn")?)?;
    let mut entries = Vec::new();
    let mut bad = Vec::new();
    for e in f.structs("PublishBatchRequestEntries") {
        let id = required(&e, "Id")?.to_owned();
        match message(&e) {
            Ok(p) => entries.push(BatchEntry::new(id, p)),
            Err(fault) => bad.push((id, fault)),
        }
    }
    let r = if entries.is_empty() && !bad.is_empty() { None } else { Some(topic.publish_batch(entries)?) };
    let mut x = Xml::new();
    x.open("Successful");
    for (id, receipt) in r.as_ref().map(|r| r.successful()).unwrap_or_default() {
        x.open("member").text("Id", id).text("MessageId", &receipt.message_id().to_string());
        if let Some(seq) = receipt.sequence_number() {
            x.text("SequenceNumber", &format!("{seq:020}"));
        }
        x.close("member");
    }
    x.close("Successful").open("Failed");
    for e in r.as_ref().map(|r| r.failed()).unwrap_or_default() {
        x.open("member")
            .text("Id", &e.id)
            .text("Code", e.code)
            .text("Message", &e.message)
            .text("SenderFault", &e.sender_fault.to_string())
            .close("member");
    }
    for (id, fault) in &bad {
        x.open("member")
            .text("Id", id)
            .text("Code", &fault.code)
            .text("Message", &fault.message)
            .text("SenderFault", "true")
            .close("member");
    }
    x.close("Failed");
    Ok(x.into_string())
}
