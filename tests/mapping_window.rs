//! Tumbling windows on stream mappings: state carried between invokes of a window, a
//! final invoke once it ends, a fresh state for the next one; the event matches
//! `aws_lambda_events`' `KinesisTimeWindowEvent`.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_lambda_events::event::kinesis::KinesisTimeWindowEvent;
use bytes::Bytes;
use localcloud::mapping::EventSourceMapping;
use localcloud::{Cloud, FunctionConfig, PutRecord, StartingPosition, StreamConfig};
use serde_json::{json, Value};

#[test]
fn tumbling_window_carries_state_and_ends_with_a_final_invoke() {
    let cloud = Cloud::builder().manual_clock().seed(1).build();
    let s = cloud.create_stream("clicks", StreamConfig::with_shards(1)).unwrap();
    let seen: Arc<Mutex<Vec<Bytes>>> = Arc::default();
    let sn = Arc::clone(&seen);
    cloud
        .functions()
        .create_function("count", FunctionConfig::default(), move |_, event: Bytes| {
            sn.lock().unwrap().push(event.clone());
            let e: Value = serde_json::from_slice(&event).unwrap();
            let so_far: u64 = e["state"]["count"].as_str().unwrap_or("0").parse().unwrap();
            let n = e["Records"].as_array().unwrap().len() as u64;
            Ok(json!({ "state": { "count": (so_far + n).to_string() } }).to_string().into())
        })
        .unwrap();
    cloud
        .functions()
        .create_event_source_mapping(
            EventSourceMapping::stream(&s, "count")
                .starting_position(StartingPosition::TrimHorizon)
                .tumbling_window(Duration::from_secs(60)),
        )
        .unwrap();
    for i in 0..3 {
        s.put_record(PutRecord::new("k", format!("a{i}"))).unwrap();
    }
    cloud.advance(Duration::from_secs(10));
    for i in 0..2 {
        s.put_record(PutRecord::new("k", format!("b{i}"))).unwrap();
    }
    cloud.advance(Duration::from_secs(60)); // the first window ends
    s.put_record(PutRecord::new("k", "c")).unwrap();
    cloud.advance(Duration::from_secs(2));
    let events: Vec<KinesisTimeWindowEvent> =
        seen.lock().unwrap().iter().map(|b| serde_json::from_slice(b).unwrap()).collect();
    let summary: Vec<(usize, Option<String>, bool)> = events
        .iter()
        .map(|e| {
            let p = &e.time_window_properties;
            (e.kinesis_event.records.len(), p.state.get("count").cloned(), p.is_final_invoke_for_window)
        })
        .collect();
    assert_eq!(
        summary,
        vec![(3, None, false), (2, Some("3".into()), false), (0, Some("5".into()), true), (1, None, false)],
    );
    let p = &events[0].time_window_properties;
    assert_eq!(p.shard_id.as_deref(), Some("shardId-000000000000"));
    assert_eq!(p.event_source_arn.as_deref(), Some(s.arn()));
    assert_eq!((p.window.end - p.window.start).num_seconds(), 60);
    assert!(!p.is_window_terminated_early);
}
