//! The event JSON a mapping hands its function: SQS and Kinesis records in AWS's shapes
//! (DynamoDB records come from [`ChangeRecord::to_json`](crate::table::ChangeRecord::to_json)).

use serde_json::{json, Map, Value};

use crate::codec::base64;
use crate::queue::ReceivedMessage;
use crate::stream::{Record, ShardId};

/// One SQS record as Lambda shows it, serialized.
pub(crate) fn sqs_record(m: &ReceivedMessage, queue_arn: &str, region: &str) -> String {
    let sys = m.system_attributes();
    let mut attributes = Map::new();
    attributes.insert("ApproximateReceiveCount".into(), sys.approximate_receive_count.to_string().into());
    attributes.insert("SentTimestamp".into(), sys.sent_timestamp.as_millis().to_string().into());
    attributes.insert("SenderId".into(), sys.sender_id.into());
    attributes.insert(
        "ApproximateFirstReceiveTimestamp".into(),
        sys.approximate_first_receive_timestamp.as_millis().to_string().into(),
    );
    if let Some(seq) = sys.sequence_number {
        attributes.insert("SequenceNumber".into(), seq.to_string().into());
    }
    if let Some(g) = sys.message_group_id {
        attributes.insert("MessageGroupId".into(), g.into());
    }
    if let Some(d) = sys.message_deduplication_id {
        attributes.insert("MessageDeduplicationId".into(), d.into());
    }
    if let Some(src) = sys.dead_letter_queue_source_arn {
        attributes.insert("DeadLetterQueueSourceArn".into(), src.into());
    }
    let mut message_attributes = Map::new();
    for (name, v) in m.attributes().iter() {
        let mut a = Map::new();
        match (v.as_str(), v.as_binary()) {
            (Some(s), _) => a.insert("stringValue".into(), s.into()),
            (None, Some(b)) => a.insert("binaryValue".into(), base64(b).into()),
            (None, None) => None,
        };
        a.insert("stringListValues".into(), json!([]));
        a.insert("binaryListValues".into(), json!([]));
        a.insert("dataType".into(), v.data_type().into());
        message_attributes.insert(name.to_owned(), Value::Object(a));
    }
    let mut record = json!({
        "messageId": m.message_id().to_string(),
        "receiptHandle": m.receipt_handle().to_string(),
        "body": m.body_str(),
        "attributes": attributes,
        "messageAttributes": message_attributes,
        "md5OfBody": m.md5_of_body().to_string(),
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    });
    if let (Some(md5), Some(o)) = (m.md5_of_attributes(), record.as_object_mut()) {
        o.insert("md5OfMessageAttributes".into(), md5.to_string().into());
    }
    record.to_string()
}

/// One Kinesis record as Lambda shows it, serialized.
pub(crate) fn kinesis_record(r: &Record, shard: &ShardId, stream_arn: &str, region: &str) -> String {
    json!({
        "kinesis": {
            "kinesisSchemaVersion": "1.0",
            "partitionKey": r.partition_key(),
            "sequenceNumber": r.sequence_number().to_string(),
            "data": base64(r.data()),
            "approximateArrivalTimestamp": r.approximate_arrival().as_secs_f64(),
        },
        "eventSource": "aws:kinesis",
        "eventVersion": "1.0",
        "eventID": format!("{shard}:{}", r.sequence_number()),
        "eventName": "aws:kinesis:record",
        "invokeIdentityArn": "",
        "eventSourceARN": stream_arn,
        "awsRegion": region,
    })
    .to_string()
}

/// `{"Records":[…]}` from serialized records.
pub(crate) fn envelope<'a>(records: impl IntoIterator<Item = &'a str>) -> String {
    let mut out = String::from("{\"Records\":[");
    for (i, r) in records.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(r);
    }
    out.push_str("]}");
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn envelope_lists_the_records() {
        assert_eq!(super::envelope(["{}", "{}"]), r#"{"Records":[{},{}]}"#);
    }
}
