//! Stream → function mappings: SPEC §4 *Event source mappings*, the stream column.

use std::sync::{Arc, Mutex};

use localcloud::function::Destination;
use localcloud::mapping::EventSourceMapping;
use localcloud::{Cloud, HandlerError, PutRecord, QueueConfig, StartingPosition, Stream, StreamConfig};
use serde_json::Value;

mod mapping_support;
use mapping_support::{cloud, recording, secs};

fn data(r: &Value) -> String {
    let b64 = r["kinesis"]["data"].as_str().unwrap();
    String::from_utf8(decode64(b64)).unwrap()
}

fn decode64(s: &str) -> Vec<u8> {
    let abc = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = Vec::new();
    let mut buf = 0u32;
    let mut bits = 0;
    for c in s.bytes().filter(|c| *c != b'=') {
        let v = abc.iter().position(|x| *x == c).unwrap() as u32;
        buf = (buf << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buf >> bits) as u8);
        }
    }
    out
}

fn datas(events: &[Value]) -> Vec<Vec<String>> {
    events.iter().map(|e| e["Records"].as_array().unwrap().iter().map(data).collect()).collect()
}

fn stream(cloud: &Cloud, shards: usize) -> Stream {
    cloud.create_stream("clicks", StreamConfig::with_shards(shards)).unwrap()
}

fn put(s: &Stream, key: &str, d: &str) {
    s.put_record(PutRecord::new(key, d.to_owned())).unwrap();
}

fn mapping(s: &Stream) -> EventSourceMapping {
    EventSourceMapping::stream(s, "f").starting_position(StartingPosition::TrimHorizon)
}

#[test]
fn kinesis_event_has_the_exact_record_shape() {
    let cloud = cloud();
    let s = stream(&cloud, 1);
    let seen = recording(&cloud, "f", |_| Ok(String::new()));
    cloud.functions().create_event_source_mapping(mapping(&s)).unwrap();
    let out = s.put_record(PutRecord::new("user-1", "hello")).unwrap();
    cloud.advance(secs(1));
    let events = seen.lock().unwrap();
    let r = &events[0]["Records"][0];
    assert_eq!(r["kinesis"]["kinesisSchemaVersion"], "1.0");
    assert_eq!(r["kinesis"]["partitionKey"], "user-1");
    assert_eq!(r["kinesis"]["sequenceNumber"], out.sequence_number().to_string());
    assert_eq!(data(r), "hello");
    assert!(r["kinesis"]["approximateArrivalTimestamp"].is_f64());
    assert_eq!(r["eventSource"], "aws:kinesis");
    assert_eq!(r["eventVersion"], "1.0");
    assert_eq!(r["eventID"], format!("{}:{}", out.shard_id(), out.sequence_number()));
    assert_eq!(r["eventName"], "aws:kinesis:record");
    assert_eq!(r["eventSourceARN"], s.arn());
    assert_eq!(r["awsRegion"], cloud.region());
}

#[test]
fn starting_positions_trim_horizon_latest_and_at_timestamp() {
    for (pos, expect) in [
        (StartingPosition::TrimHorizon, vec!["old", "new"]),
        (StartingPosition::Latest, vec!["new"]),
        (StartingPosition::AtTimestamp(cloud().now() + secs(5)), vec!["new"]),
    ] {
        let cloud = cloud();
        let s = stream(&cloud, 1);
        let seen = recording(&cloud, "f", |_| Ok(String::new()));
        put(&s, "k", "old");
        cloud.advance(secs(10));
        cloud
            .functions()
            .create_event_source_mapping(EventSourceMapping::stream(&s, "f").starting_position(pos))
            .unwrap();
        cloud.run_until_idle();
        put(&s, "k", "new");
        cloud.advance(secs(1));
        assert_eq!(datas(&seen.lock().unwrap()).concat(), expect, "{pos:?}");
    }
}

#[test]
fn stream_settings_out_of_range_are_rejected() {
    let cloud = cloud();
    let s = stream(&cloud, 1);
    recording(&cloud, "f", |_| Ok(String::new()));
    let q = cloud.create_queue("q", QueueConfig::default()).unwrap();
    let rt = cloud.functions();
    let bad = [
        EventSourceMapping::stream(&s, "f"),
        mapping(&s).batch_size(0),
        mapping(&s).batch_size(10_001),
        mapping(&s).maximum_batching_window(secs(301)),
        mapping(&s).maximum_retry_attempts(-2),
        mapping(&s).maximum_retry_attempts(10_001),
        mapping(&s).maximum_record_age(secs(59)),
        mapping(&s).maximum_record_age(secs(7 * 86_400 + 1)),
        mapping(&s).parallelization_factor(0),
        mapping(&s).parallelization_factor(11),
        mapping(&s).tumbling_window(secs(901)),
        mapping(&s).maximum_concurrency(5),
        mapping(&s).on_failure(Destination::function(&rt.function("f").unwrap())),
    ];
    for m in bad {
        assert_eq!(
            rt.create_event_source_mapping(m.clone()).unwrap_err().code(),
            "InvalidParameterValueException",
            "{m:?}"
        );
    }
    rt.create_event_source_mapping(
        mapping(&s)
            .batch_size(10_000)
            .maximum_batching_window(secs(300))
            .maximum_retry_attempts(10_000)
            .maximum_record_age(secs(7 * 86_400))
            .parallelization_factor(10)
            .on_failure(Destination::queue(&q)),
    )
    .unwrap();
}

#[test]
fn failed_batch_blocks_the_shard_and_retries_until_success() {
    let cloud = cloud();
    let s = stream(&cloud, 1);
    let fail = Arc::new(Mutex::new(3));
    let f = Arc::clone(&fail);
    let seen = recording(&cloud, "f", move |_| {
        let mut n = f.lock().unwrap();
        if *n > 0 {
            *n -= 1;
            return Err(HandlerError::new("Boom", "not yet"));
        }
        Ok(String::new())
    });
    cloud.functions().create_event_source_mapping(mapping(&s).batch_size(2)).unwrap();
    for d in ["a", "b", "c"] {
        put(&s, "k", d);
    }
    cloud.advance(secs(1));
    assert_eq!(datas(&seen.lock().unwrap())[0], vec!["a", "b"]);
    cloud.advance(secs(10));
    let all = datas(&seen.lock().unwrap());
    assert_eq!(all[..4], vec![vec!["a".to_owned(), "b".to_owned()]; 4], "the same batch until it succeeds");
    assert_eq!(all[4], vec!["c"], "then the shard moves on");
}

fn failure_queue(cloud: &Cloud) -> localcloud::Queue {
    cloud.create_queue("stream-failures", QueueConfig::default()).unwrap()
}

#[test]
fn retries_exhausted_send_batch_metadata_not_records_to_the_on_failure_destination() {
    let cloud = cloud();
    let s = stream(&cloud, 1);
    let dest = failure_queue(&cloud);
    let seen = recording(&cloud, "f", |e| {
        if e["Records"].as_array().unwrap().iter().any(|r| data(r) == "poison") {
            Err(HandlerError::new("Boom", "poison"))
        } else {
            Ok(String::new())
        }
    });
    cloud
        .functions()
        .create_event_source_mapping(mapping(&s).maximum_retry_attempts(2).on_failure(Destination::queue(&dest)))
        .unwrap();
    put(&s, "k", "poison");
    cloud.advance(secs(10));
    assert_eq!(seen.lock().unwrap().len(), 3, "one try and two retries");
    let body: Value = serde_json::from_str(dest.try_receive().unwrap().unwrap().body_str()).unwrap();
    assert_eq!(body["requestContext"]["condition"], "RetryAttemptsExhausted");
    assert_eq!(body["requestContext"]["approximateInvokeCount"], 3);
    assert_eq!(body["responseContext"]["functionError"], "Unhandled");
    let info = &body["KinesisBatchInfo"];
    assert_eq!(info["shardId"], "shardId-000000000000");
    assert_eq!(info["batchSize"], 1);
    assert_eq!(info["streamArn"], s.arn());
    assert_eq!(info["startSequenceNumber"], info["endSequenceNumber"]);
    assert!(body.get("Records").is_none() && !body.to_string().contains("cG9pc29u"), "no record data");
    put(&s, "k", "fine");
    cloud.advance(secs(1));
    assert_eq!(datas(&seen.lock().unwrap()).last().unwrap(), &vec!["fine".to_owned()]);
}

#[test]
fn maximum_record_age_discards_old_records() {
    let cloud = cloud();
    let s = stream(&cloud, 1);
    let dest = failure_queue(&cloud);
    let seen = recording(&cloud, "f", |_| Err(HandlerError::new("Boom", "always")));
    cloud
        .functions()
        .create_event_source_mapping(mapping(&s).maximum_record_age(secs(60)).on_failure(Destination::queue(&dest)))
        .unwrap();
    put(&s, "k", "a");
    cloud.advance(secs(120));
    let tries = seen.lock().unwrap().len();
    assert!((55..=62).contains(&tries), "retried about once a second until 60 s old: {tries}");
    let body: Value = serde_json::from_str(dest.try_receive().unwrap().unwrap().body_str()).unwrap();
    assert_eq!(body["requestContext"]["condition"], "RecordAgeExceeded");
}

#[test]
fn bisect_halves_a_failing_batch_without_counting_a_retry() {
    let cloud = cloud();
    let s = stream(&cloud, 1);
    let dest = failure_queue(&cloud);
    let seen = recording(&cloud, "f", |e| {
        if e["Records"].as_array().unwrap().iter().any(|r| data(r) == "bad") {
            Err(HandlerError::new("Boom", "bad"))
        } else {
            Ok(String::new())
        }
    });
    cloud
        .functions()
        .create_event_source_mapping(
            mapping(&s)
                .batch_size(4)
                .bisect_batch_on_function_error(true)
                .maximum_retry_attempts(0)
                .on_failure(Destination::queue(&dest)),
        )
        .unwrap();
    for d in ["a", "b", "bad", "c"] {
        put(&s, "k", d);
    }
    cloud.advance(secs(1));
    let all = datas(&seen.lock().unwrap());
    assert_eq!(all[0], ["a", "b", "bad", "c"]);
    assert_eq!(all[1], ["a", "b"]);
    assert_eq!(all[2], ["bad", "c"]);
    assert_eq!(all[3], ["bad"]);
    assert_eq!(all[4], ["c"]);
    let body: Value = serde_json::from_str(dest.try_receive().unwrap().unwrap().body_str()).unwrap();
    assert_eq!(body["KinesisBatchInfo"]["batchSize"], 1, "only the poison record is discarded");
}

#[test]
fn stream_mappings_bisect_and_checkpoint() {
    // SPEC mistakes list item 18: mappings that never checkpoint or don't bisect.
    let cloud = cloud();
    let s = stream(&cloud, 1);
    let seen = recording(&cloud, "f", |e| {
        let recs = e["Records"].as_array().unwrap();
        let failed: Vec<Value> = recs
            .iter()
            .filter(|r| data(r) == "x2")
            .map(|r| serde_json::json!({"itemIdentifier": r["kinesis"]["sequenceNumber"]}))
            .collect();
        Ok(serde_json::json!({ "batchItemFailures": failed }).to_string())
    });
    cloud
        .functions()
        .create_event_source_mapping(
            mapping(&s).batch_size(4).report_batch_item_failures(true).maximum_retry_attempts(1),
        )
        .unwrap();
    for d in ["x0", "x1", "x2", "x3"] {
        put(&s, "k", d);
    }
    cloud.advance(secs(3));
    let all = datas(&seen.lock().unwrap());
    assert_eq!(all[0], ["x0", "x1", "x2", "x3"]);
    assert_eq!(all[1], ["x2", "x3"], "checkpointed before the lowest failed sequence number");
}

#[test]
fn parallelization_factor_runs_lanes_with_order_per_partition_key() {
    let cloud = cloud();
    let s = stream(&cloud, 1);
    let seen = recording(&cloud, "f", |_| Ok(String::new()));
    cloud.functions().create_event_source_mapping(mapping(&s).batch_size(5).parallelization_factor(4)).unwrap();
    for i in 0..40 {
        put(&s, &format!("key-{}", i % 8), &format!("key-{}:{i:02}", i % 8));
    }
    cloud.advance(secs(1));
    let batches = datas(&seen.lock().unwrap());
    assert!(batches.len() >= 8, "several lanes: {}", batches.len());
    let keys_in_first: std::collections::BTreeSet<String> =
        batches[0].iter().map(|d| d.split(':').next().unwrap().to_owned()).collect();
    assert!(keys_in_first.len() < 8, "a lane holds only some keys");
    let all = batches.concat();
    assert_eq!(all.len(), 40);
    for k in 0..8 {
        let mine: Vec<&String> = all.iter().filter(|d| d.starts_with(&format!("key-{k}:"))).collect();
        let mut sorted = mine.clone();
        sorted.sort();
        assert_eq!(mine, sorted, "in order for key-{k}");
    }
}

#[test]
fn failing_lane_does_not_block_other_partition_keys_in_parallel_lanes() {
    // SPEC mistakes list item 18: shards read in turn / no parallelization.
    let cloud = cloud();
    let s = stream(&cloud, 1);
    let seen = recording(&cloud, "f", |e| {
        if e["Records"].as_array().unwrap().iter().any(|r| data(r).starts_with("stuck")) {
            Err(HandlerError::new("Boom", "stuck"))
        } else {
            Ok(String::new())
        }
    });
    cloud.functions().create_event_source_mapping(mapping(&s).batch_size(1).parallelization_factor(10)).unwrap();
    put(&s, "stuck-key", "stuck");
    for i in 0..20 {
        put(&s, &format!("k{i}"), &format!("ok{i}"));
    }
    cloud.advance(secs(1));
    let done = datas(&seen.lock().unwrap()).concat().iter().filter(|d| d.starts_with("ok")).count();
    assert!(done >= 15, "most other keys are processed while one lane retries: {done}");
}

#[test]
fn shards_are_read_concurrently_not_in_turn() {
    // SPEC mistakes list item 18: shards read in turn.
    let cloud = cloud();
    let s = stream(&cloud, 4);
    let seen = recording(&cloud, "f", |e| {
        if e["Records"].as_array().unwrap().iter().any(|r| data(r) == "stuck") {
            Err(HandlerError::new("Boom", "stuck"))
        } else {
            Ok(String::new())
        }
    });
    cloud.functions().create_event_source_mapping(mapping(&s).batch_size(1)).unwrap();
    put(&s, "a", "stuck");
    for i in 0..40 {
        put(&s, &format!("key{i}"), &format!("ok{i}"));
    }
    cloud.advance(secs(1));
    let done = datas(&seen.lock().unwrap()).concat().iter().filter(|d| d.starts_with("ok")).count();
    assert!(done >= 20, "other shards go on while one is blocked: {done}");
}

#[test]
fn after_a_split_parents_are_finished_before_children() {
    let cloud = cloud();
    let s = stream(&cloud, 1);
    let seen = recording(&cloud, "f", |_| Ok(String::new()));
    cloud.functions().create_event_source_mapping(mapping(&s).batch_size(100)).unwrap();
    for i in 0..5 {
        put(&s, &format!("k{i}"), &format!("p{i}"));
    }
    let parent = *s.shards()[0].shard_id();
    s.split_shard(&parent, u128::MAX / 2).unwrap();
    for i in 0..5 {
        put(&s, &format!("k{i}"), &format!("c{i}"));
    }
    cloud.advance(secs(3));
    let all = datas(&seen.lock().unwrap()).concat();
    assert_eq!(all.len(), 10);
    let last_parent = all.iter().rposition(|d| d.starts_with('p')).unwrap();
    let first_child = all.iter().position(|d| d.starts_with('c')).unwrap();
    assert!(last_parent < first_child, "{all:?}");
}

#[test]
fn iterator_age_metric_reports_how_far_behind_the_mapping_is() {
    let cloud = cloud();
    let s = stream(&cloud, 1);
    recording(&cloud, "f", |_| Ok(String::new()));
    let m = cloud.functions().create_event_source_mapping(mapping(&s).enabled(false)).unwrap();
    put(&s, "k", "a");
    cloud.advance(secs(30));
    m.enable().unwrap();
    cloud.advance(secs(1));
    let age = cloud.metrics().value("AWS/Lambda", m.uuid(), "IteratorAge").unwrap();
    assert!((30_000.0..=31_000.0).contains(&age), "{age}");
}

#[test]
fn disabled_stream_mapping_resumes_where_it_stopped() {
    let cloud = cloud();
    let s = stream(&cloud, 1);
    let seen = recording(&cloud, "f", |_| Ok(String::new()));
    let m = cloud.functions().create_event_source_mapping(mapping(&s)).unwrap();
    put(&s, "k", "a");
    cloud.advance(secs(1));
    m.disable().unwrap();
    put(&s, "k", "b");
    cloud.advance(secs(5));
    assert_eq!(seen.lock().unwrap().len(), 1);
    m.enable().unwrap();
    cloud.advance(secs(1));
    assert_eq!(datas(&seen.lock().unwrap()).concat(), ["a", "b"]);
}

#[test]
fn stream_batch_defaults_to_100_and_the_window_gathers_records() {
    let cloud = cloud();
    let s = stream(&cloud, 1);
    let seen = recording(&cloud, "f", |_| Ok(String::new()));
    let m = cloud.functions().create_event_source_mapping(mapping(&s).maximum_batching_window(secs(5))).unwrap();
    assert_eq!(m.config().get_batch_size(), 100);
    put(&s, "k", "a");
    cloud.advance(secs(2));
    put(&s, "k", "b");
    cloud.advance(secs(2));
    assert!(seen.lock().unwrap().is_empty(), "the window is open");
    cloud.advance(secs(2));
    assert_eq!(datas(&seen.lock().unwrap()), vec![vec!["a", "b"]]);
    for i in 0..250 {
        put(&s, "k", &format!("{i}"));
    }
    cloud.advance(secs(1));
    let sizes: Vec<usize> = datas(&seen.lock().unwrap()).iter().map(Vec::len).collect();
    assert_eq!(sizes[1..3], [100, 100], "full batches go at once");
}

#[test]
fn malformed_stream_batch_response_retries_the_whole_batch() {
    for (answer, calls) in [
        (r#"{"batchItemFailures":[{"itemIdentifier":""}]}"#, 2),
        (r#"{"batchItemFailures":[{"itemId":"1"}]}"#, 2),
        ("not json", 2),
        (r#"{"batchItemFailures":[]}"#, 1),
        ("", 1),
    ] {
        let cloud = cloud();
        let s = stream(&cloud, 1);
        let seen = recording(&cloud, "f", move |_| Ok(answer.to_owned()));
        cloud
            .functions()
            .create_event_source_mapping(mapping(&s).report_batch_item_failures(true).maximum_retry_attempts(1))
            .unwrap();
        put(&s, "k", "a");
        put(&s, "k", "b");
        cloud.advance(secs(3));
        let all = datas(&seen.lock().unwrap());
        assert_eq!(all.len(), calls, "{answer:?}");
        assert!(all.iter().all(|b| b == &["a", "b"]), "{answer:?}: the whole batch again");
    }
}

#[test]
fn throttled_stream_invokes_are_retried_without_losing_records() {
    let cloud = cloud();
    let s = stream(&cloud, 1);
    let seen = recording(&cloud, "f", |_| Ok(String::new()));
    let rt = cloud.functions();
    rt.put_function_concurrency("f", 0).unwrap();
    let m = rt.create_event_source_mapping(mapping(&s).maximum_retry_attempts(0)).unwrap();
    put(&s, "k", "a");
    cloud.advance(secs(5));
    assert!(seen.lock().unwrap().is_empty());
    assert!(m.metric("ThrottledInvokes") >= 5.0);
    rt.delete_function_concurrency("f").unwrap();
    cloud.advance(secs(1));
    assert_eq!(datas(&seen.lock().unwrap()), vec![vec!["a"]], "a throttle is not a retry attempt");
}
