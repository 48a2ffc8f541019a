//! Queue → function mappings: SPEC §4 *Event source mappings*, the queue column.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use localcloud::function::Invocation;
use localcloud::mapping::{EventSourceMapping, MappingState};
use localcloud::{Cloud, FunctionConfig, HandlerError, OutgoingMessage, Queue, QueueConfig, RedrivePolicy};
use serde_json::Value;

mod mapping_support;
use mapping_support::{cloud, recording, secs};

fn bodies(events: &[Value]) -> Vec<Vec<String>> {
    events
        .iter()
        .map(|e| e["Records"].as_array().unwrap().iter().map(|r| r["body"].as_str().unwrap().to_owned()).collect())
        .collect()
}

fn queue_with_dlq(cloud: &Cloud, max_receives: u32) -> (Queue, Queue) {
    let dlq = cloud.create_queue("dlq", QueueConfig::default()).unwrap();
    let q = cloud
        .create_queue(
            "orders",
            QueueConfig::default().visibility_timeout(secs(30)).redrive(RedrivePolicy::new(&dlq, max_receives)),
        )
        .unwrap();
    (q, dlq)
}

#[test]
fn successful_batch_is_deleted_after_the_function_ran() {
    let cloud = cloud();
    let q = cloud.create_queue("orders", QueueConfig::default()).unwrap();
    let seen = recording(&cloud, "ship", |_| Ok(String::new()));
    cloud.functions().create_event_source_mapping(EventSourceMapping::queue(&q, "ship")).unwrap();
    for i in 0..3 {
        q.send(format!("m{i}")).unwrap();
    }
    cloud.advance(secs(1));
    assert_eq!(bodies(&seen.lock().unwrap()), vec![vec!["m0", "m1", "m2"]]);
    assert_eq!(q.stats().total(), 0);
}

#[test]
fn sqs_event_has_the_exact_record_shape() {
    let cloud = cloud();
    let q = cloud.create_queue("orders", QueueConfig::default()).unwrap();
    let seen = recording(&cloud, "ship", |_| Ok(String::new()));
    cloud.functions().create_event_source_mapping(EventSourceMapping::queue(&q, "ship")).unwrap();
    let sent = q
        .send_message(OutgoingMessage::new("hello").attribute("kind", localcloud::AttributeValue::string("gift")))
        .unwrap();
    cloud.advance(secs(1));
    let events = seen.lock().unwrap();
    let r = &events[0]["Records"][0];
    assert_eq!(r["messageId"], sent.message_id().to_string());
    assert_eq!(r["body"], "hello");
    assert_eq!(r["eventSource"], "aws:sqs");
    assert_eq!(r["eventSourceARN"], q.arn());
    assert_eq!(r["awsRegion"], cloud.region());
    assert_eq!(r["md5OfBody"], sent.md5_of_body().to_string());
    assert_eq!(r["md5OfMessageAttributes"], sent.md5_of_message_attributes().unwrap().to_string());
    assert_eq!(r["attributes"]["ApproximateReceiveCount"], "1");
    assert_eq!(r["attributes"]["SenderId"], cloud.account_id());
    assert!(r["attributes"]["SentTimestamp"].as_str().unwrap().parse::<u64>().is_ok());
    assert!(r["attributes"]["ApproximateFirstReceiveTimestamp"].as_str().unwrap().parse::<u64>().is_ok());
    assert_eq!(r["messageAttributes"]["kind"]["stringValue"], "gift");
    assert_eq!(r["messageAttributes"]["kind"]["dataType"], "String");
    assert_eq!(r["receiptHandle"].as_str().unwrap().len(), 64);
}

#[test]
fn function_error_deletes_nothing_and_messages_reappear_after_visibility_timeout() {
    let cloud = cloud();
    let (q, _dlq) = queue_with_dlq(&cloud, 5);
    let seen = recording(&cloud, "ship", |_| Err(HandlerError::new("Boom", "no")));
    cloud.functions().create_event_source_mapping(EventSourceMapping::queue(&q, "ship")).unwrap();
    q.send("a").unwrap();
    cloud.advance(secs(1));
    assert_eq!(seen.lock().unwrap().len(), 1);
    assert_eq!(q.stats().in_flight, 1);
    cloud.advance(secs(20));
    assert_eq!(seen.lock().unwrap().len(), 1, "hidden for the visibility timeout");
    cloud.advance(secs(15));
    assert_eq!(seen.lock().unwrap().len(), 2);
    assert_eq!(seen.lock().unwrap()[1]["Records"][0]["attributes"]["ApproximateReceiveCount"], "2");
}

#[test]
fn dlq_move_happens_on_the_receive_that_would_exceed_max_receive_count_by_the_mapping() {
    let cloud = cloud();
    let (q, dlq) = queue_with_dlq(&cloud, 2);
    let seen = recording(&cloud, "ship", |_| Err(HandlerError::new("Boom", "no")));
    cloud.functions().create_event_source_mapping(EventSourceMapping::queue(&q, "ship")).unwrap();
    q.send("a").unwrap();
    cloud.advance(secs(1)); // receive 1
    cloud.advance(secs(31)); // receive 2
    assert_eq!(seen.lock().unwrap().len(), 2);
    assert_eq!(dlq.stats().total(), 0, "two receives are allowed");
    cloud.advance(secs(31)); // the third receive moves it instead
    assert_eq!(seen.lock().unwrap().len(), 2, "the function never sees a third delivery");
    assert_eq!(dlq.stats().total(), 1);
    assert_eq!(q.stats().total(), 0);
}

fn report_failures_of(bad: &'static str) -> impl Fn(&Value) -> Result<String, HandlerError> {
    move |event| {
        let failed: Vec<Value> = event["Records"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["body"] == bad)
            .map(|r| serde_json::json!({ "itemIdentifier": r["messageId"] }))
            .collect();
        Ok(serde_json::json!({ "batchItemFailures": failed }).to_string())
    }
}

#[test]
fn partial_batch_response_keeps_listed_messages_and_deletes_the_rest() {
    let cloud = cloud();
    let (q, _) = queue_with_dlq(&cloud, 5);
    let seen = recording(&cloud, "ship", report_failures_of("b"));
    cloud
        .functions()
        .create_event_source_mapping(EventSourceMapping::queue(&q, "ship").report_batch_item_failures(true))
        .unwrap();
    for b in ["a", "b", "c"] {
        q.send(b).unwrap();
    }
    cloud.advance(secs(1));
    assert_eq!(q.stats().total(), 1);
    cloud.advance(secs(31));
    assert_eq!(bodies(&seen.lock().unwrap()), vec![vec!["a", "b", "c"], vec!["b"]]);
}

#[test]
fn partial_batch_responses_are_not_ignored() {
    // SPEC mistakes list item 8: a partial response must be honoured ...
    let cloud = cloud();
    let q = cloud.create_queue("orders", QueueConfig::default()).unwrap();
    recording(&cloud, "ship", report_failures_of("b"));
    cloud
        .functions()
        .create_event_source_mapping(EventSourceMapping::queue(&q, "ship").report_batch_item_failures(true))
        .unwrap();
    q.send("a").unwrap();
    q.send("b").unwrap();
    cloud.advance(secs(1));
    assert_eq!(q.stats().in_flight, 1, "b stays");
}

fn outcome_of_answer(answer: &'static str) -> usize {
    let cloud = cloud();
    let q = cloud.create_queue("orders", QueueConfig::default()).unwrap();
    recording(&cloud, "ship", move |event| {
        let id = event["Records"][0]["messageId"].as_str().unwrap();
        Ok(answer.replace("$ID", id))
    });
    cloud
        .functions()
        .create_event_source_mapping(EventSourceMapping::queue(&q, "ship").report_batch_item_failures(true))
        .unwrap();
    q.send("a").unwrap();
    q.send("b").unwrap();
    cloud.advance(secs(1));
    q.stats().total()
}

#[test]
fn malformed_partial_batch_responses_fail_the_whole_batch() {
    // ... and a malformed one is not a success (mistakes list item 8).
    for answer in [
        "not json",
        r#"{"batchItemFailures":[{"itemIdentifier":""}]}"#,
        r#"{"batchItemFailures":[{"itemIdentifier":null}]}"#,
        r#"{"batchItemFailures":[{"itemId":"$ID"}]}"#,
        r#"{"batchItemFailures":[{"itemIdentifier":"not-in-batch"}]}"#,
    ] {
        assert_eq!(outcome_of_answer(answer), 2, "{answer}");
    }
}

#[test]
fn empty_or_null_partial_batch_responses_are_success() {
    for answer in ["", "null", "{}", r#"{"batchItemFailures":null}"#, r#"{"batchItemFailures":[]}"#] {
        assert_eq!(outcome_of_answer(answer), 0, "{answer:?}");
    }
    assert_eq!(outcome_of_answer(r#"{"batchItemFailures":[{"itemIdentifier":"$ID"}]}"#), 1);
}

#[test]
fn queue_mapping_invokes_in_batches_not_once_per_message_inside_send() {
    // SPEC mistakes list item 17 (first part).
    let cloud = cloud();
    let q = cloud.create_queue("orders", QueueConfig::default()).unwrap();
    let seen = recording(&cloud, "ship", |_| Ok(String::new()));
    cloud.functions().create_event_source_mapping(EventSourceMapping::queue(&q, "ship").batch_size(5)).unwrap();
    for i in 0..5 {
        q.send(format!("m{i}")).unwrap();
    }
    assert!(seen.lock().unwrap().is_empty(), "send does not invoke");
    cloud.advance(secs(1));
    assert_eq!(seen.lock().unwrap().len(), 1);
}

#[test]
fn failed_message_keeps_its_visibility_timeout_rather_than_zero() {
    // SPEC mistakes list item 17 (second part).
    let cloud = cloud();
    let (q, _) = queue_with_dlq(&cloud, 5);
    recording(&cloud, "ship", |_| Err(HandlerError::new("Boom", "no")));
    cloud.functions().create_event_source_mapping(EventSourceMapping::queue(&q, "ship")).unwrap();
    q.send("a").unwrap();
    cloud.advance(secs(1));
    cloud.advance(secs(5));
    assert_eq!(q.stats().visible, 0);
    assert_eq!(q.stats().in_flight, 1);
}

#[test]
fn messages_are_not_deleted_before_the_function_has_run() {
    // SPEC mistakes list item 17 (third part).
    let cloud = cloud();
    let q = cloud.create_queue("orders", QueueConfig::default()).unwrap();
    let qq = q.clone();
    let during: Arc<Mutex<Option<usize>>> = Arc::default();
    let d = Arc::clone(&during);
    cloud
        .functions()
        .create_function("ship", FunctionConfig::default(), move |_, _| {
            *d.lock().unwrap() = Some(qq.stats().in_flight);
            Ok(Bytes::new())
        })
        .unwrap();
    cloud.functions().create_event_source_mapping(EventSourceMapping::queue(&q, "ship")).unwrap();
    q.send("a").unwrap();
    cloud.advance(secs(1));
    assert_eq!(*during.lock().unwrap(), Some(1), "still in the queue while the function runs");
    assert_eq!(q.stats().total(), 0, "deleted after");
}

#[test]
fn batching_window_waits_for_a_full_batch_or_the_window() {
    let cloud = cloud();
    let q = cloud.create_queue("orders", QueueConfig::default().visibility_timeout(secs(60))).unwrap();
    let seen = recording(&cloud, "ship", |_| Ok(String::new()));
    cloud
        .functions()
        .create_event_source_mapping(
            EventSourceMapping::queue(&q, "ship").batch_size(20).maximum_batching_window(secs(5)),
        )
        .unwrap();
    q.send("a").unwrap();
    cloud.advance(secs(1));
    q.send("b").unwrap();
    cloud.advance(secs(3));
    assert!(seen.lock().unwrap().is_empty(), "the window is still open");
    cloud.advance(secs(2));
    assert_eq!(bodies(&seen.lock().unwrap()), vec![vec!["a", "b"]]);
    for i in 0..20 {
        q.send(format!("m{i}")).unwrap();
    }
    cloud.advance(secs(1));
    assert_eq!(seen.lock().unwrap().len(), 2, "a full batch goes before the window ends");
    assert_eq!(bodies(&seen.lock().unwrap())[1].len(), 20);
}

#[test]
fn batch_payload_is_capped_at_six_megabytes() {
    let cloud = cloud();
    let q = cloud.create_queue("big", QueueConfig::default().max_message_size(1024 * 1024)).unwrap();
    let seen = recording(&cloud, "ship", |_| Ok(String::new()));
    cloud
        .functions()
        .create_event_source_mapping(
            EventSourceMapping::queue(&q, "ship").batch_size(100).maximum_batching_window(secs(1)),
        )
        .unwrap();
    for _ in 0..10 {
        q.send("x".repeat(1000 * 1000)).unwrap();
    }
    cloud.advance(secs(3));
    let sizes: Vec<usize> = bodies(&seen.lock().unwrap()).iter().map(Vec::len).collect();
    assert_eq!(sizes.iter().sum::<usize>(), 10);
    assert!(sizes.iter().all(|n| *n <= 6), "{sizes:?}");
}

#[test]
fn settings_out_of_range_are_rejected() {
    let cloud = cloud();
    let q = cloud.create_queue("orders", QueueConfig::default()).unwrap();
    let f = cloud.create_queue("orders.fifo", QueueConfig::fifo()).unwrap();
    recording(&cloud, "ship", |_| Ok(String::new()));
    let rt = cloud.functions();
    let bad = [
        EventSourceMapping::queue(&q, "ship").batch_size(0),
        EventSourceMapping::queue(&q, "ship").batch_size(10_001).maximum_batching_window(secs(1)),
        EventSourceMapping::queue(&q, "ship").batch_size(11),
        EventSourceMapping::queue(&q, "ship").maximum_batching_window(secs(301)),
        EventSourceMapping::queue(&q, "ship").maximum_batching_window(Duration::from_millis(1500)),
        EventSourceMapping::queue(&f, "ship").batch_size(11),
        EventSourceMapping::queue(&f, "ship").maximum_batching_window(secs(1)),
        EventSourceMapping::queue(&q, "ship").maximum_concurrency(1),
        EventSourceMapping::queue(&q, "ship").maximum_concurrency(1001),
        EventSourceMapping::queue(&q, "ship").maximum_retry_attempts(3),
    ];
    for m in bad {
        let e = rt.create_event_source_mapping(m.clone()).unwrap_err();
        assert_eq!(e.code(), "InvalidParameterValueException", "{m:?}");
    }
    assert!(rt.list_event_source_mappings().is_empty(), "nothing created");
    let e = rt.create_event_source_mapping(EventSourceMapping::queue(&q, "missing")).unwrap_err();
    assert_eq!(e.code(), "ResourceNotFoundException");
    rt.create_event_source_mapping(
        EventSourceMapping::queue(&q, "ship")
            .batch_size(10_000)
            .maximum_batching_window(secs(300))
            .maximum_concurrency(1000),
    )
    .unwrap();
    let e = rt.create_event_source_mapping(EventSourceMapping::queue(&q, "ship")).unwrap_err();
    assert_eq!(e.code(), "ResourceConflictException");
    rt.create_event_source_mapping(EventSourceMapping::queue(&f, "ship").batch_size(10).maximum_concurrency(2))
        .unwrap();
}

#[test]
fn fifo_batches_keep_group_order_and_a_failing_group_gets_nothing_more() {
    let cloud = cloud();
    let dlq = cloud.create_queue("dlq.fifo", QueueConfig::fifo()).unwrap();
    let q = cloud
        .create_queue(
            "orders.fifo",
            QueueConfig::fifo()
                .content_based_deduplication(true)
                .visibility_timeout(secs(30))
                .redrive(RedrivePolicy::new(&dlq, 2)),
        )
        .unwrap();
    let seen = recording(&cloud, "ship", report_failures_of("g1-b"));
    cloud
        .functions()
        .create_event_source_mapping(EventSourceMapping::queue(&q, "ship").report_batch_item_failures(true))
        .unwrap();
    for (g, b) in [("g1", "g1-a"), ("g1", "g1-b"), ("g1", "g1-c"), ("g2", "g2-a")] {
        q.send_message(OutgoingMessage::new(b).group_id(g)).unwrap();
    }
    cloud.advance(secs(1));
    let first = bodies(&seen.lock().unwrap());
    let g1: Vec<_> = first[0].iter().filter(|b| b.starts_with("g1")).cloned().collect();
    assert_eq!(g1, vec!["g1-a", "g1-b", "g1-c"]);
    // g1-b failed: g1-c is held back with it, in order; g1-a and g2-a are done.
    q.send_message(OutgoingMessage::new("g1-d").group_id("g1")).unwrap();
    cloud.advance(secs(10));
    assert_eq!(seen.lock().unwrap().len(), 1, "g1 is blocked until its failed messages come back");
    cloud.advance(secs(25));
    let all = bodies(&seen.lock().unwrap());
    assert_eq!(all[1][..2], ["g1-b".to_owned(), "g1-c".to_owned()]);
    cloud.advance(secs(31)); // third receive of g1-b: to the DLQ, then the group moves on
    cloud.advance(secs(31));
    let delivered: Vec<String> = bodies(&seen.lock().unwrap()).concat();
    let pos = |b: &str| delivered.iter().rposition(|x| x == b).unwrap();
    assert!(pos("g1-c") < pos("g1-d"));
    assert_eq!(dlq.try_receive().unwrap().unwrap().body_str(), "g1-b");
}

#[test]
fn throttled_invokes_are_retried_and_never_lost() {
    let cloud = cloud();
    let (q, dlq) = queue_with_dlq(&cloud, 5);
    let seen = recording(&cloud, "ship", |_| Ok(String::new()));
    let rt = cloud.functions();
    rt.put_function_concurrency("ship", 0).unwrap();
    let m = rt.create_event_source_mapping(EventSourceMapping::queue(&q, "ship")).unwrap();
    for i in 0..30 {
        q.send(format!("m{i}")).unwrap();
    }
    cloud.advance(secs(5));
    assert!(seen.lock().unwrap().is_empty());
    assert!(m.metric("ThrottledInvokes") > 0.0);
    rt.delete_function_concurrency("ship").unwrap();
    cloud.advance(secs(120));
    let mut all: Vec<String> = bodies(&seen.lock().unwrap()).concat();
    all.sort();
    all.dedup();
    assert_eq!(all.len(), 30);
    assert_eq!(q.stats().total() + dlq.stats().total(), 0);
}

#[test]
fn maximum_concurrency_caps_batches_in_flight() {
    let cloud = Cloud::builder().manual_clock().seed(1).build();
    let q = cloud.create_queue("orders", QueueConfig::default()).unwrap();
    let qq = q.clone();
    let peak: Arc<Mutex<usize>> = Arc::default();
    let p = Arc::clone(&peak);
    cloud
        .functions()
        .create_function("ship", FunctionConfig::default(), move |_, _| {
            let mut p = p.lock().unwrap();
            *p = (*p).max(qq.stats().in_flight);
            Ok(Bytes::new())
        })
        .unwrap();
    cloud
        .functions()
        .create_event_source_mapping(EventSourceMapping::queue(&q, "ship").batch_size(1).maximum_concurrency(2))
        .unwrap();
    for i in 0..20 {
        q.send(format!("m{i}")).unwrap();
    }
    cloud.advance(secs(1));
    assert_eq!(q.stats().total(), 0);
    assert!(*peak.lock().unwrap() <= 2, "at most two batches received at once");
}

#[test]
fn disable_enable_update_and_delete_while_running() {
    let cloud = cloud();
    let q = cloud.create_queue("orders", QueueConfig::default()).unwrap();
    let seen = recording(&cloud, "ship", |_| Ok(String::new()));
    let rt = cloud.functions();
    let m = rt.create_event_source_mapping(EventSourceMapping::queue(&q, "ship")).unwrap();
    assert_eq!(m.state(), MappingState::Enabled);
    m.disable().unwrap();
    assert_eq!(m.state(), MappingState::Disabled);
    q.send("a").unwrap();
    cloud.advance(secs(5));
    assert!(seen.lock().unwrap().is_empty());
    m.enable().unwrap();
    cloud.advance(secs(1));
    assert_eq!(seen.lock().unwrap().len(), 1);
    m.update(|c| c.batch_size(2)).unwrap();
    for b in ["b", "c", "d"] {
        q.send(b).unwrap();
    }
    cloud.advance(secs(1));
    assert_eq!(bodies(&seen.lock().unwrap())[1..], [vec!["b".to_owned(), "c".to_owned()], vec!["d".to_owned()]]);
    assert_eq!(m.update(|c| c.batch_size(0)).unwrap_err().code(), "InvalidParameterValueException");
    assert_eq!(m.config().get_batch_size(), 2);
    rt.delete_event_source_mapping(&m).unwrap();
    assert_eq!(m.state(), MappingState::Deleted);
    q.send("e").unwrap();
    cloud.advance(secs(5));
    assert_eq!(seen.lock().unwrap().len(), 3);
    assert_eq!(rt.delete_event_source_mapping(&m).unwrap_err().code(), "ResourceNotFoundException");
    assert!(rt.list_event_source_mappings().is_empty());
    assert_eq!(cloud.metrics().value("AWS/Lambda", m.uuid(), "PolledEventCount"), None);
    assert_eq!(m.enable().unwrap_err().code(), "ResourceNotFoundException");
}

#[test]
fn metrics_and_journal_record_polls_and_batches() {
    let cloud = Cloud::builder().manual_clock().seed(1).journal(true).build();
    let q = cloud.create_queue("orders", QueueConfig::default()).unwrap();
    recording(&cloud, "ship", |_| Ok(String::new()));
    let m = cloud.functions().create_event_source_mapping(EventSourceMapping::queue(&q, "ship")).unwrap();
    for i in 0..3 {
        q.send(format!("m{i}")).unwrap();
    }
    cloud.advance(secs(1));
    assert_eq!(cloud.metrics().value("AWS/Lambda", m.uuid(), "PolledEventCount"), Some(3.0));
    assert_eq!(m.metric("InvokedEventCount"), 3.0);
    assert_eq!(m.metric("DeletedEventCount"), 3.0);
    assert_eq!(m.last_processing_result(), "OK");
    let actions: Vec<&str> = cloud
        .journal()
        .entries()
        .iter()
        .filter(|e| e.service() == "lambda" && e.resource() == m.uuid())
        .map(|e| e.action())
        .collect();
    assert!(actions.contains(&"poll") && actions.contains(&"invoke-batch"), "{actions:?}");
}

#[test]
fn same_seed_gives_the_same_mapping_ids() {
    let ids = || {
        let cloud = cloud();
        let q = cloud.create_queue("orders", QueueConfig::default()).unwrap();
        recording(&cloud, "ship", |_| Ok(String::new()));
        cloud.functions().create_event_source_mapping(EventSourceMapping::queue(&q, "ship")).unwrap().uuid().to_owned()
    };
    assert_eq!(ids(), ids());
    let _ = Invocation::request_response("");
}
