//! Conformance: every event JSON the crate hands a function, and every response shape
//! it reads, deserializes into the `aws_lambda_events` crate's types, field by field
//! (with `catch-all-fields` on, so a misspelled or extra key shows up in `other`).
//! The crate has no type for on-failure and destination records; those are checked
//! against strict local structs (`deny_unknown_fields`) written from AWS's documented
//! shapes.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_lambda_events::event::dynamodb::Event as DynamoDbEvent;
use aws_lambda_events::event::kinesis::KinesisEvent;
use aws_lambda_events::event::sns::SnsEvent;
use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent};
use aws_lambda_events::event::streams::{KinesisBatchItemFailure, KinesisEventResponse};
use bytes::Bytes;
use localcloud::function::{Destination, EventInvokeConfig, Invocation, Permission};
use localcloud::mapping::EventSourceMapping;
use localcloud::table::{Key, StreamViewType, TableConfig};
use localcloud::topic::{Publish, Subscription};
use localcloud::{
    item, AttributeValue, Cloud, FunctionConfig, HandlerError, OutgoingMessage, PutRecord, QueueConfig,
    StartingPosition, StreamConfig, TopicConfig,
};
use serde::Deserialize;

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

type Events = Arc<Mutex<Vec<Bytes>>>;

fn capture(
    cloud: &Cloud,
    name: &str,
    answer: impl Fn(&Bytes) -> Result<Bytes, HandlerError> + Send + Sync + 'static,
) -> Events {
    let seen: Events = Arc::default();
    let s = Arc::clone(&seen);
    cloud
        .functions()
        .create_function(name, FunctionConfig::default(), move |_, e: Bytes| {
            s.lock().unwrap().push(e.clone());
            answer(&e)
        })
        .unwrap();
    seen
}

#[test]
fn sqs_events_deserialize_into_aws_lambda_events_sqs_event() {
    let cloud = Cloud::builder().manual_clock().seed(1).build();
    let q = cloud.create_queue("orders", QueueConfig::default()).unwrap();
    let f = cloud.create_queue("orders.fifo", QueueConfig::fifo().content_based_deduplication(true)).unwrap();
    let seen = capture(&cloud, "f", |_| Ok(Bytes::new()));
    let rt = cloud.functions();
    rt.create_event_source_mapping(EventSourceMapping::queue(&q, "f")).unwrap();
    rt.create_event_source_mapping(EventSourceMapping::queue(&f, "f")).unwrap();
    let sent = q
        .send_message(
            OutgoingMessage::new("hello")
                .attribute("kind", AttributeValue::string("gift"))
                .attribute("blob", AttributeValue::binary(&b"\x00\x01"[..]))
                .attribute("n", AttributeValue::number("7")),
        )
        .unwrap();
    f.send_message(OutgoingMessage::new("fifo").group_id("g1")).unwrap();
    cloud.advance(secs(1));
    let events = seen.lock().unwrap();
    assert_eq!(events.len(), 2);
    for raw in events.iter() {
        let e: SqsEvent = serde_json::from_slice(raw).unwrap();
        assert!(e.other.is_empty(), "{:?}", e.other);
        for m in &e.records {
            assert!(m.other.is_empty(), "unknown record fields {:?}", m.other);
            assert!(m.message_id.is_some() && m.receipt_handle.is_some() && m.md5_of_body.is_some());
            assert_eq!(m.event_source.as_deref(), Some("aws:sqs"));
            assert_eq!(m.aws_region.as_deref(), Some(cloud.region()));
            for k in ["ApproximateReceiveCount", "SentTimestamp", "SenderId", "ApproximateFirstReceiveTimestamp"] {
                assert!(m.attributes.contains_key(k), "{k}");
            }
            for a in m.message_attributes.values() {
                assert!(a.other.is_empty(), "{:?}", a.other);
            }
        }
    }
    let e: SqsEvent = serde_json::from_slice(&events[0]).unwrap();
    let m = &e.records[0];
    assert_eq!(m.message_id.as_deref(), Some(sent.message_id().to_string().as_str()));
    assert_eq!(m.body.as_deref(), Some("hello"));
    assert_eq!(m.md5_of_message_attributes, sent.md5_of_message_attributes().map(|d| d.to_string()));
    assert_eq!(m.event_source_arn.as_deref(), Some(q.arn()));
    assert_eq!(m.message_attributes["kind"].string_value.as_deref(), Some("gift"));
    assert_eq!(m.message_attributes["kind"].data_type.as_deref(), Some("String"));
    assert_eq!(m.message_attributes["n"].data_type.as_deref(), Some("Number"));
    assert_eq!(m.message_attributes["blob"].binary_value.as_ref().map(|b| b.0.clone()), Some(vec![0, 1]));
    let fifo: SqsEvent = serde_json::from_slice(&events[1]).unwrap();
    let attrs = &fifo.records[0].attributes;
    assert_eq!(attrs["MessageGroupId"], "g1");
    assert!(attrs.contains_key("MessageDeduplicationId") && attrs.contains_key("SequenceNumber"));
}

#[test]
fn sqs_batch_response_from_aws_lambda_events_is_honoured() {
    let cloud = Cloud::builder().manual_clock().seed(1).build();
    let q = cloud.create_queue("orders", QueueConfig::default()).unwrap();
    capture(&cloud, "f", |raw| {
        let e: SqsEvent = serde_json::from_slice(raw).unwrap();
        let mut resp = SqsBatchResponse::default();
        for m in e.records.iter().filter(|m| m.body.as_deref() == Some("bad")) {
            let mut f = BatchItemFailure::default();
            f.item_identifier = m.message_id.clone().unwrap();
            resp.batch_item_failures.push(f);
        }
        Ok(serde_json::to_vec(&resp).unwrap().into())
    });
    cloud
        .functions()
        .create_event_source_mapping(EventSourceMapping::queue(&q, "f").report_batch_item_failures(true))
        .unwrap();
    q.send("good").unwrap();
    q.send("bad").unwrap();
    cloud.advance(secs(1));
    assert_eq!(q.stats().total(), 1);
    assert_eq!(q.stats().in_flight, 1);
}

#[test]
fn kinesis_events_and_responses_match_aws_lambda_events() {
    let cloud = Cloud::builder().manual_clock().seed(1).build();
    let s = cloud.create_stream("clicks", StreamConfig::with_shards(1)).unwrap();
    let seen = capture(&cloud, "f", |raw| {
        let e: KinesisEvent = serde_json::from_slice(raw).unwrap();
        let mut resp = KinesisEventResponse::default();
        for r in e.records.iter().filter(|r| r.kinesis.data.0 == b"bad") {
            let mut f = KinesisBatchItemFailure::default();
            f.item_identifier = Some(r.kinesis.sequence_number.clone());
            resp.batch_item_failures.push(f);
        }
        Ok(serde_json::to_vec(&resp).unwrap().into())
    });
    cloud
        .functions()
        .create_event_source_mapping(
            EventSourceMapping::stream(&s, "f")
                .starting_position(StartingPosition::TrimHorizon)
                .report_batch_item_failures(true)
                .maximum_retry_attempts(1),
        )
        .unwrap();
    let t0 = cloud.now();
    let out = s.put_record(PutRecord::new("user-1", &b"hello"[..])).unwrap();
    s.put_record(PutRecord::new("user-1", &b"bad"[..])).unwrap();
    cloud.advance(secs(1));
    let events = seen.lock().unwrap();
    let e: KinesisEvent = serde_json::from_slice(&events[0]).unwrap();
    assert!(e.other.is_empty());
    let r = &e.records[0];
    assert!(r.other.is_empty() && r.kinesis.other.is_empty(), "{:?} {:?}", r.other, r.kinesis.other);
    assert_eq!(r.kinesis.data.0, b"hello");
    assert_eq!(r.kinesis.partition_key, "user-1");
    assert_eq!(r.kinesis.sequence_number, out.sequence_number().to_string());
    assert_eq!(r.kinesis.kinesis_schema_version.as_deref(), Some("1.0"));
    assert_eq!(r.event_source.as_deref(), Some("aws:kinesis"));
    assert_eq!(r.event_name.as_deref(), Some("aws:kinesis:record"));
    assert_eq!(r.event_version.as_deref(), Some("1.0"));
    assert_eq!(r.event_source_arn.as_deref(), Some(s.arn()));
    assert_eq!(r.event_id.as_deref(), Some(format!("{}:{}", out.shard_id(), out.sequence_number()).as_str()));
    let arrival = r.kinesis.approximate_arrival_timestamp.0.timestamp_millis() as u64;
    assert_eq!(arrival, t0.as_millis());
    assert_eq!(events.len(), 2, "retried from the failed record");
    let retry: KinesisEvent = serde_json::from_slice(&events[1]).unwrap();
    assert_eq!(retry.records.len(), 1);
    assert_eq!(retry.records[0].kinesis.data.0, b"bad");
}

#[test]
fn dynamodb_events_deserialize_into_aws_lambda_events_dynamodb_event() {
    let cloud = Cloud::builder().manual_clock().seed(1).build();
    let t = cloud
        .create_table("images", TableConfig::new(Key::string("id")).stream(StreamViewType::NewAndOldImages))
        .unwrap();
    let seen = capture(&cloud, "f", |_| Ok(Bytes::new()));
    cloud
        .functions()
        .create_event_source_mapping(
            EventSourceMapping::table_stream(&t, "f").starting_position(StartingPosition::TrimHorizon),
        )
        .unwrap();
    t.put_item(item! {"id" => "a", "v" => 1}, None).unwrap();
    t.put_item(item! {"id" => "a", "v" => 2}, None).unwrap();
    t.delete_item(&item! {"id" => "a"}, None).unwrap();
    cloud.advance(secs(1));
    let events = seen.lock().unwrap();
    let e: DynamoDbEvent = serde_json::from_slice(&events[0]).unwrap();
    let names: Vec<&str> = e.records.iter().map(|r| r.event_name.as_str()).collect();
    assert_eq!(names, ["INSERT", "MODIFY", "REMOVE"]);
    for r in &e.records {
        assert!(r.other.is_empty() && r.change.other.is_empty(), "{:?} {:?}", r.other, r.change.other);
        assert_eq!(r.event_source.as_deref(), Some("aws:dynamodb"));
        assert_eq!(r.event_version.as_deref(), Some("1.1"));
        assert_eq!(r.aws_region, cloud.region());
        assert!(r.change.sequence_number.is_some() && r.change.size_bytes > 0);
        assert!(!r.change.keys.is_empty());
    }
    assert!(!e.records[1].change.new_image.is_empty() && !e.records[1].change.old_image.is_empty());
}

#[test]
fn sns_events_deserialize_into_aws_lambda_events_sns_event() {
    let cloud = Cloud::builder().manual_clock().seed(1).build();
    let rt = cloud.functions();
    let t = cloud.create_topic("orders", TopicConfig::default()).unwrap();
    let seen = capture(&cloud, "f", |_| Ok(Bytes::new()));
    rt.add_permission("f", Permission::new("sns").principal("sns.amazonaws.com").source_arn(t.arn())).unwrap();
    t.subscribe(Subscription::function(&rt.function("f").unwrap())).unwrap();
    t.publish(Publish::new("order 7").subject("new").attribute("kind", AttributeValue::string("retail"))).unwrap();
    cloud.run_until_idle();
    let events = seen.lock().unwrap();
    let e: SnsEvent = serde_json::from_slice(&events[0]).unwrap();
    let r = &e.records[0];
    assert!(r.other.is_empty() && r.sns.other.is_empty(), "{:?} {:?}", r.other, r.sns.other);
    assert_eq!(r.event_source, "aws:sns");
    assert_eq!(r.sns.message, "order 7");
    assert_eq!(r.sns.topic_arn, t.arn());
    assert_eq!(r.sns.message_attributes["kind"].value, "retail");
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[allow(dead_code)]
struct OnFailureRecord {
    request_context: RequestContext,
    response_context: ResponseContext,
    version: String,
    timestamp: String,
    #[serde(rename = "KinesisBatchInfo")]
    kinesis_batch_info: Option<BatchInfo>,
    #[serde(rename = "DDBStreamBatchInfo")]
    ddb_stream_batch_info: Option<BatchInfo>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[allow(dead_code)]
struct RequestContext {
    request_id: String,
    function_arn: String,
    condition: String,
    approximate_invoke_count: u32,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[allow(dead_code)]
struct ResponseContext {
    status_code: u16,
    executed_version: String,
    function_error: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[allow(dead_code)]
struct BatchInfo {
    shard_id: String,
    start_sequence_number: String,
    end_sequence_number: String,
    approximate_arrival_of_first_record: String,
    approximate_arrival_of_last_record: String,
    batch_size: u32,
    stream_arn: String,
}

#[test]
fn on_failure_records_have_aws_documented_fields_only() {
    let cloud = Cloud::builder().manual_clock().seed(1).build();
    let s = cloud.create_stream("clicks", StreamConfig::with_shards(1)).unwrap();
    let dest = cloud.create_queue("failures", QueueConfig::default()).unwrap();
    capture(&cloud, "f", |_| Err(HandlerError::new("Boom", "no")));
    cloud
        .functions()
        .create_event_source_mapping(
            EventSourceMapping::stream(&s, "f")
                .starting_position(StartingPosition::TrimHorizon)
                .maximum_retry_attempts(0)
                .on_failure(Destination::queue(&dest)),
        )
        .unwrap();
    s.put_record(PutRecord::new("k", "x")).unwrap();
    cloud.advance(secs(1));
    let rec: OnFailureRecord = serde_json::from_str(dest.try_receive().unwrap().unwrap().body_str()).unwrap();
    let info = rec.kinesis_batch_info.unwrap();
    assert_eq!((info.batch_size, rec.request_context.condition.as_str()), (1, "RetryAttemptsExhausted"));
    assert_eq!(rec.response_context.function_error, "Unhandled");
    assert!(rec.ddb_stream_batch_info.is_none());
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[allow(dead_code)]
struct DestinationRecord {
    version: String,
    timestamp: String,
    request_context: RequestContext,
    request_payload: serde_json::Value,
    response_context: DestinationResponseContext,
    response_payload: serde_json::Value,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[allow(dead_code)]
struct DestinationResponseContext {
    status_code: u16,
    executed_version: String,
    #[serde(default)]
    function_error: Option<String>,
}

#[test]
fn async_destination_records_have_aws_documented_fields_only() {
    let cloud = Cloud::builder().manual_clock().seed(1).build();
    let dest = cloud.create_queue("failures", QueueConfig::default()).unwrap();
    capture(&cloud, "f", |_| Err(HandlerError::new("Boom", "no")));
    let rt = cloud.functions();
    rt.put_function_event_invoke_config(
        "f",
        EventInvokeConfig::default().maximum_retry_attempts(0).on_failure(Destination::queue(&dest)),
    )
    .unwrap();
    rt.invoke("f", Invocation::event(r#"{"order":1}"#)).unwrap();
    cloud.advance(secs(1));
    let body = dest.try_receive().unwrap().unwrap();
    let rec: DestinationRecord = serde_json::from_str(body.body_str()).unwrap();
    assert_eq!(rec.request_context.condition, "RetriesExhausted");
    assert_eq!(rec.request_payload["order"], 1);
}
