//! Typed handlers: a handler written for the `aws_lambda_events` types (the ones a
//! deployed Rust function takes) works unchanged under `create_function_json`, fed by
//! event source mappings, and its typed response is honoured.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_lambda_events::event::dynamodb::Event as DynamoDbEvent;
use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent};
use localcloud::mapping::EventSourceMapping;
use localcloud::table::{Key, StreamViewType, TableConfig};
use localcloud::{item, Cloud, FunctionConfig, HandlerError, QueueConfig, StartingPosition};
use serde_json::{json, Value};

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

/// What the SQS handler read from one message.
#[derive(Debug, Clone, PartialEq)]
struct SeenMessage {
    id: String,
    body: String,
    source: Option<String>,
    source_arn: Option<String>,
    receipt_handle: bool,
}

#[test]
fn a_handler_typed_with_sqs_event_and_sqs_batch_response_runs_unchanged_from_a_queue_mapping() {
    // given a queue mapping with item failures reported, invoking a handler typed
    // SqsEvent -> SqsBatchResponse that fails the message whose body is "bad"
    let cloud = Cloud::builder().manual_clock().seed(1).build();
    let q = cloud.create_queue("orders", QueueConfig::default().visibility_timeout(secs(30))).unwrap();
    let batches: Arc<Mutex<Vec<Vec<SeenMessage>>>> = Arc::default();
    let log = Arc::clone(&batches);
    cloud
        .functions()
        .create_function_json("ship", FunctionConfig::default(), move |_, event: SqsEvent| {
            let mut response = SqsBatchResponse::default();
            let mut seen = Vec::new();
            for m in &event.records {
                let id = m.message_id.clone().unwrap_or_default();
                let body = m.body.clone().unwrap_or_default();
                if body == "bad" {
                    let mut failure = BatchItemFailure::default();
                    failure.item_identifier = id.clone();
                    response.batch_item_failures.push(failure);
                }
                seen.push(SeenMessage {
                    id,
                    body,
                    source: m.event_source.clone(),
                    source_arn: m.event_source_arn.clone(),
                    receipt_handle: m.receipt_handle.as_deref().is_some_and(|h| !h.is_empty()),
                });
            }
            log.lock().unwrap().push(seen);
            Ok::<_, HandlerError>(response)
        })
        .unwrap();
    cloud
        .functions()
        .create_event_source_mapping(EventSourceMapping::queue(&q, "ship").report_batch_item_failures(true))
        .unwrap();
    let good = q.send("good").unwrap();
    let bad = q.send("bad").unwrap();

    // when the mapping polls once
    cloud.advance(secs(1));

    // then the handler read both messages with their ids, bodies and source, and only
    // the reported failure stays on the queue (in flight)
    {
        let batches = batches.lock().unwrap();
        assert_eq!(batches.len(), 1);
        let mut first = batches[0].clone();
        first.sort_by(|a, b| a.body.cmp(&b.body));
        assert_eq!(first.iter().map(|m| m.body.as_str()).collect::<Vec<_>>(), ["bad", "good"]);
        assert_eq!(first[0].id, bad.message_id().to_string());
        assert_eq!(first[1].id, good.message_id().to_string());
        for m in &first {
            assert_eq!(m.source.as_deref(), Some("aws:sqs"));
            assert_eq!(m.source_arn.as_deref(), Some(q.arn()));
            assert!(m.receipt_handle);
        }
    }
    assert_eq!((q.stats().total(), q.stats().in_flight), (1, 1));

    // and when its visibility timeout ends, the failed message alone comes back
    cloud.advance(secs(31));
    let batches = batches.lock().unwrap();
    let again: Vec<&str> = batches[1..].iter().flatten().map(|m| m.body.as_str()).collect();
    assert!(!again.is_empty() && again.iter().all(|b| *b == "bad"), "{again:?}");
    assert!(batches[1..].iter().flatten().all(|m| m.id == bad.message_id().to_string()));
}

/// Any serializable value (here `serde_dynamo`'s item) as JSON.
fn json_of<T: serde::Serialize>(x: &T) -> Value {
    serde_json::to_value(x).unwrap_or_default()
}

/// What the DynamoDB handler read from one change record.
#[derive(Debug, Clone, PartialEq)]
struct SeenChange {
    name: String,
    keys: Value,
    new_image: Value,
    old_image: Value,
    sequence_number: bool,
    source_arn: Option<String>,
}

#[test]
fn a_handler_typed_with_the_dynamodb_event_runs_unchanged_from_a_table_stream_mapping() {
    // given a table-stream mapping invoking a handler typed with aws_lambda_events'
    // DynamoDB event
    let cloud = Cloud::builder().manual_clock().seed(1).build();
    let t = cloud
        .create_table("images", TableConfig::new(Key::string("id")).stream(StreamViewType::NewAndOldImages))
        .unwrap();
    let seen: Arc<Mutex<Vec<SeenChange>>> = Arc::default();
    let log = Arc::clone(&seen);
    cloud
        .functions()
        .create_function_json("thumbnail", FunctionConfig::default(), move |_, event: DynamoDbEvent| {
            log.lock().unwrap().extend(event.records.iter().map(|r| SeenChange {
                name: r.event_name.clone(),
                keys: json_of(&r.change.keys),
                new_image: json_of(&r.change.new_image),
                old_image: json_of(&r.change.old_image),
                sequence_number: r.change.sequence_number.as_deref().is_some_and(|s| !s.is_empty()),
                source_arn: r.event_source_arn.clone(),
            }));
            Ok::<_, HandlerError>(())
        })
        .unwrap();
    cloud
        .functions()
        .create_event_source_mapping(
            EventSourceMapping::table_stream(&t, "thumbnail").starting_position(StartingPosition::TrimHorizon),
        )
        .unwrap();

    // when an item is inserted, modified and removed
    t.put_item(item! {"id" => "cat.png", "bytes" => 100}, None).unwrap();
    t.put_item(item! {"id" => "cat.png", "bytes" => 250}, None).unwrap();
    t.delete_item(&item! {"id" => "cat.png"}, None).unwrap();
    cloud.advance(secs(1));

    // then the handler read each change's name, keys and images in the typed event
    let seen = seen.lock().unwrap();
    let names: Vec<&str> = seen.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["INSERT", "MODIFY", "REMOVE"]);
    for c in seen.iter() {
        assert_eq!(c.keys, json!({"id": {"S": "cat.png"}}));
        assert!(c.sequence_number);
        assert!(c.source_arn.as_deref().is_some_and(|a| a.starts_with(t.arn())), "{:?}", c.source_arn);
    }
    assert_eq!(seen[0].new_image, json!({"id": {"S": "cat.png"}, "bytes": {"N": "100"}}));
    assert_eq!(seen[0].old_image, json!({}));
    assert_eq!(seen[1].new_image, json!({"id": {"S": "cat.png"}, "bytes": {"N": "250"}}));
    assert_eq!(seen[1].old_image, json!({"id": {"S": "cat.png"}, "bytes": {"N": "100"}}));
    assert_eq!(seen[2].new_image, json!({}));
    assert_eq!(seen[2].old_image, json!({"id": {"S": "cat.png"}, "bytes": {"N": "250"}}));
}
