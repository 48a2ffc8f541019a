//! Messages: send, receive (with attribute-name filtering), delete, visibility.

use localcloud::{AttributeValue, Cloud, MessageAttributes, OutgoingMessage, ReceiveOptions, ReceivedMessage};
use serde_json::{json, Map, Value};

use super::{queue_at, seconds, Reply, SqsFault};
use crate::protocol::json::Args;

fn invalid(message: impl Into<String>) -> SqsFault {
    SqsFault::new("InvalidParameterValue", "InvalidParameterValue", message)
}

/// Reads `MessageAttributes` (`{name: {DataType, StringValue | BinaryValue}}`).
pub(crate) fn message_attributes(a: &Args) -> Result<MessageAttributes, SqsFault> {
    let mut out = MessageAttributes::new();
    for (name, v) in a.object_map("MessageAttributes")? {
        let data_type = v.str("DataType")?;
        let value = if data_type.starts_with("Binary") {
            let b64 = v.str("BinaryValue")?;
            let bytes = aws_smithy_types::base64::decode(b64)
                .map_err(|_| invalid(format!("attribute {name}: BinaryValue is not base64")))?;
            AttributeValue::binary_with_type(data_type, bytes)
        } else if data_type.starts_with("String") || data_type.starts_with("Number") {
            AttributeValue::text_with_type(data_type, v.str("StringValue")?)
        } else {
            return Err(invalid(format!("attribute {name}: DataType {data_type:?} is not String, Number or Binary")));
        };
        out.insert(name, value);
    }
    Ok(out)
}

/// Builds the outgoing message from a SendMessage request or a batch entry.
pub(crate) fn outgoing(a: &Args) -> Result<OutgoingMessage, SqsFault> {
    let body = a.str("MessageBody")?;
    let mut m = OutgoingMessage::new(body.to_owned()).attributes(message_attributes(a)?);
    if let Some(d) = seconds(a, "DelaySeconds", 900)? {
        m = m.delay(d);
    }
    if let Some(g) = a.str_opt("MessageGroupId")? {
        m = m.group_id(g);
    }
    if let Some(d) = a.str_opt("MessageDeduplicationId")? {
        m = m.deduplication_id(d);
    }
    Ok(m)
}

pub(crate) fn send_message(cloud: &Cloud, a: &Args) -> Reply {
    let q = queue_at(cloud, a)?;
    let r = q.send_message(outgoing(a)?)?;
    let mut out = Map::new();
    out.insert("MessageId".into(), r.message_id().to_string().into());
    out.insert("MD5OfMessageBody".into(), r.md5_of_body().to_string().into());
    if let Some(md5) = r.md5_of_message_attributes() {
        out.insert("MD5OfMessageAttributes".into(), md5.to_string().into());
    }
    if let Some(seq) = r.sequence_number() {
        out.insert("SequenceNumber".into(), format!("{seq:020}").into());
    }
    Ok(Value::Object(out))
}

const SYSTEM_NAMES: &[&str] = &[
    "SenderId",
    "SentTimestamp",
    "ApproximateReceiveCount",
    "ApproximateFirstReceiveTimestamp",
    "MessageGroupId",
    "MessageDeduplicationId",
    "SequenceNumber",
    "DeadLetterQueueSourceArn",
];

fn system_attributes(m: &ReceivedMessage, wanted: &[String]) -> Map<String, Value> {
    let s = m.system_attributes();
    let all = wanted.iter().any(|w| w == "All");
    let mut out = Map::new();
    for name in SYSTEM_NAMES {
        if !all && !wanted.iter().any(|w| w == name) {
            continue;
        }
        let v = match *name {
            "SenderId" => Some(s.sender_id.clone()),
            "SentTimestamp" => Some(s.sent_timestamp.as_millis().to_string()),
            "ApproximateReceiveCount" => Some(s.approximate_receive_count.to_string()),
            "ApproximateFirstReceiveTimestamp" => Some(s.approximate_first_receive_timestamp.as_millis().to_string()),
            "MessageGroupId" => s.message_group_id.clone(),
            "MessageDeduplicationId" => s.message_deduplication_id.clone(),
            "SequenceNumber" => s.sequence_number.map(|n| format!("{n:020}")),
            _ => s.dead_letter_queue_source_arn.clone(),
        };
        if let Some(v) = v {
            out.insert((*name).to_owned(), v.into());
        }
    }
    out
}

/// Whether a message attribute name is asked for: `All`, `.*`, `prefix.*` or exact.
fn wanted_attribute(name: &str, wanted: &[String]) -> bool {
    wanted.iter().any(|w| {
        w == "All" || w == ".*" || w == name || w.strip_suffix(".*").is_some_and(|p| name.starts_with(&format!("{p}.")))
    })
}

fn attribute_json(v: &AttributeValue) -> Value {
    match v.as_binary() {
        Some(b) => json!({ "DataType": v.data_type(), "BinaryValue": aws_smithy_types::base64::encode(b) }),
        None => json!({ "DataType": v.data_type(), "StringValue": v.as_str().unwrap_or_default() }),
    }
}

pub(crate) fn receive_message(cloud: &Cloud, a: &Args) -> Reply {
    let q = queue_at(cloud, a)?;
    let mut opts = ReceiveOptions::new();
    if let Some(n) = a.int_opt("MaxNumberOfMessages")? {
        if !(1..=10).contains(&n) {
            return Err(invalid(format!("MaxNumberOfMessages must be 1 to 10, got {n}")));
        }
        opts = opts.max_messages(n as u32);
    }
    if let Some(v) = seconds(a, "VisibilityTimeout", 43_200)? {
        opts = opts.visibility_timeout(v);
    }
    let wait = seconds(a, "WaitTimeSeconds", 20)?;
    // On a manual clock only the test moves time: answer at once (see the crate docs).
    if cloud.is_manual() {
        opts = opts.wait(std::time::Duration::ZERO);
    } else if let Some(w) = wait {
        opts = opts.wait(w);
    }
    if let Some(id) = a.str_opt("ReceiveRequestAttemptId")? {
        opts = opts.attempt_id(id);
    }
    let mut system = a.strings("AttributeNames")?;
    system.extend(a.strings("MessageSystemAttributeNames")?);
    let wanted = a.strings("MessageAttributeNames")?;
    let got = q.receive(opts)?;
    let messages: Vec<Value> = got
        .iter()
        .map(|m| {
            let mut o = Map::new();
            o.insert("MessageId".into(), m.message_id().to_string().into());
            o.insert("ReceiptHandle".into(), m.receipt_handle().to_string().into());
            o.insert("MD5OfBody".into(), m.md5_of_body().to_string().into());
            o.insert("Body".into(), String::from_utf8_lossy(m.body()).into_owned().into());
            let sys = system_attributes(m, &system);
            if !sys.is_empty() {
                o.insert("Attributes".into(), Value::Object(sys));
            }
            let mut subset = MessageAttributes::new();
            for (name, v) in m.attributes().iter() {
                if wanted_attribute(name, &wanted) {
                    subset.insert(name, v.clone());
                }
            }
            if let Some(md5) = subset.md5() {
                o.insert("MD5OfMessageAttributes".into(), md5.to_string().into());
                let attrs: Map<String, Value> = subset.iter().map(|(k, v)| (k.to_owned(), attribute_json(v))).collect();
                o.insert("MessageAttributes".into(), Value::Object(attrs));
            }
            Value::Object(o)
        })
        .collect();
    Ok(if messages.is_empty() { json!({}) } else { json!({ "Messages": messages }) })
}

pub(crate) fn receipt(a: &Args) -> Result<localcloud::ReceiptHandle, SqsFault> {
    Ok(a.str("ReceiptHandle")?.parse::<localcloud::ReceiptHandle>()?)
}

pub(crate) fn delete_message(cloud: &Cloud, a: &Args) -> Reply {
    let q = queue_at(cloud, a)?;
    q.delete(&receipt(a)?)?;
    Ok(json!({}))
}

pub(crate) fn change_message_visibility(cloud: &Cloud, a: &Args) -> Reply {
    let q = queue_at(cloud, a)?;
    let handle = receipt(a)?;
    let timeout = seconds(a, "VisibilityTimeout", 43_200)?
        .ok_or_else(|| SqsFault::new("MissingParameter", "MissingParameter", "VisibilityTimeout is required"))?;
    q.change_visibility(&handle, timeout)?;
    Ok(json!({}))
}
