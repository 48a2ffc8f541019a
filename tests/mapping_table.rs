//! Table change stream → function mappings: SPEC §5 *Function mappings* (TRIM_HORIZON or
//! LATEST, error handling as for streams) and the DynamoDB event shape.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use localcloud::function::Destination;
use localcloud::mapping::EventSourceMapping;
use localcloud::table::{Key, StreamViewType, TableConfig};
use localcloud::{item, Cloud, FunctionConfig, HandlerError, QueueConfig, StartingPosition, Table};
use serde_json::Value;

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

fn setup(
    answer: impl Fn(&Value) -> Result<String, HandlerError> + Send + Sync + 'static,
) -> (Cloud, Table, Arc<Mutex<Vec<Value>>>) {
    let cloud = Cloud::builder().manual_clock().seed(1).build();
    let t = cloud
        .create_table("images", TableConfig::new(Key::string("id")).stream(StreamViewType::NewAndOldImages))
        .unwrap();
    let seen: Arc<Mutex<Vec<Value>>> = Arc::default();
    let s = Arc::clone(&seen);
    cloud
        .functions()
        .create_function("f", FunctionConfig::default(), move |_, event: Bytes| {
            let v: Value = serde_json::from_slice(&event).unwrap();
            s.lock().unwrap().push(v.clone());
            answer(&v).map(Bytes::from)
        })
        .unwrap();
    (cloud, t, seen)
}

fn names(events: &[Value]) -> Vec<String> {
    events
        .iter()
        .flat_map(|e| {
            e["Records"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["eventName"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        })
        .collect()
}

#[test]
fn table_stream_event_has_the_dynamodb_record_shape() {
    let (cloud, t, seen) = setup(|_| Ok(String::new()));
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
    assert_eq!(names(&events), ["INSERT", "MODIFY", "REMOVE"]);
    let r = &events[0]["Records"][1];
    assert_eq!(r["eventSource"], "aws:dynamodb");
    assert_eq!(r["eventVersion"], "1.1");
    assert_eq!(r["awsRegion"], cloud.region());
    assert_eq!(r["eventSourceARN"], t.stream().unwrap().arn());
    assert_eq!(r["dynamodb"]["Keys"]["id"]["S"], "a");
    assert_eq!(r["dynamodb"]["NewImage"]["v"]["N"], "2");
    assert_eq!(r["dynamodb"]["OldImage"]["v"]["N"], "1");
    assert_eq!(r["dynamodb"]["StreamViewType"], "NEW_AND_OLD_IMAGES");
}

#[test]
fn table_stream_starts_at_trim_horizon_or_latest_only() {
    let (cloud, t, seen) = setup(|_| Ok(String::new()));
    t.put_item(item! {"id" => "old"}, None).unwrap();
    let rt = cloud.functions();
    let at = EventSourceMapping::table_stream(&t, "f").starting_position(StartingPosition::AtTimestamp(cloud.now()));
    assert_eq!(rt.create_event_source_mapping(at).unwrap_err().code(), "InvalidParameterValueException");
    assert_eq!(
        rt.create_event_source_mapping(EventSourceMapping::table_stream(&t, "f")).unwrap_err().code(),
        "InvalidParameterValueException"
    );
    rt.create_event_source_mapping(
        EventSourceMapping::table_stream(&t, "f").starting_position(StartingPosition::Latest),
    )
    .unwrap();
    cloud.run_until_idle();
    t.put_item(item! {"id" => "new"}, None).unwrap();
    cloud.advance(secs(1));
    let events = seen.lock().unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["Records"][0]["dynamodb"]["Keys"]["id"]["S"], "new");
}

#[test]
fn table_without_a_stream_cannot_be_mapped() {
    let (cloud, _, _) = setup(|_| Ok(String::new()));
    let plain = cloud.create_table("plain", TableConfig::new(Key::string("id"))).unwrap();
    let e = cloud
        .functions()
        .create_event_source_mapping(
            EventSourceMapping::table_stream(&plain, "f").starting_position(StartingPosition::TrimHorizon),
        )
        .unwrap_err();
    assert_eq!(e.code(), "InvalidParameterValueException");
}

#[test]
fn table_stream_errors_retry_and_go_to_the_on_failure_destination_with_ddb_batch_info() {
    let (cloud, t, seen) = setup(|_| Err(HandlerError::new("Boom", "no")));
    let dest = cloud.create_queue("ddb-failures", QueueConfig::default()).unwrap();
    cloud
        .functions()
        .create_event_source_mapping(
            EventSourceMapping::table_stream(&t, "f")
                .starting_position(StartingPosition::TrimHorizon)
                .maximum_retry_attempts(1)
                .on_failure(Destination::queue(&dest)),
        )
        .unwrap();
    t.put_item(item! {"id" => "a"}, None).unwrap();
    cloud.advance(secs(5));
    assert_eq!(seen.lock().unwrap().len(), 2);
    let body: Value = serde_json::from_str(dest.try_receive().unwrap().unwrap().body_str()).unwrap();
    assert_eq!(body["requestContext"]["condition"], "RetryAttemptsExhausted");
    assert_eq!(body["DDBStreamBatchInfo"]["batchSize"], 1);
    assert_eq!(body["DDBStreamBatchInfo"]["streamArn"], t.stream().unwrap().arn());
}
