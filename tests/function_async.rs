//! SPEC §4 row: asynchronous invokes. Retries at +1 min and +2 min, maximum event
//! age, throttles requeued with backoff without using a retry, destinations with AWS's
//! record, the dead-letter target with the raw event, and the async metrics.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use localcloud::function::{Destination, EventInvokeConfig, Invocation};
use localcloud::{Cloud, FunctionConfig, FunctionRuntime, Queue, QueueConfig, Timestamp, TopicConfig};
use serde_json::{json, Value};

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

fn setup() -> (Cloud, FunctionRuntime) {
    let cloud = Cloud::builder().manual_clock().seed(1).journal(true).build();
    let rt = cloud.functions();
    (cloud, rt)
}

/// A function that fails its first `failures` runs, recording when each run happened.
fn flaky(rt: &FunctionRuntime, cloud: &Cloud, failures: usize) -> Arc<Mutex<Vec<Timestamp>>> {
    let runs = Arc::new(Mutex::new(Vec::new()));
    let r = Arc::clone(&runs);
    let c = cloud.clone();
    let n = AtomicUsize::new(0);
    rt.create_function("f", FunctionConfig::default(), move |_, p| {
        r.lock().unwrap().push(c.now());
        if n.fetch_add(1, Ordering::SeqCst) < failures {
            Err(localcloud::HandlerError::new("Flaky", "not yet"))
        } else {
            Ok(format!("done {}", String::from_utf8_lossy(&p)).into())
        }
    })
    .unwrap();
    runs
}

fn metric(cloud: &Cloud, name: &str) -> f64 {
    cloud.metrics().value("AWS/Lambda", "f", name).unwrap()
}

fn one_message(q: &Queue) -> (Value, localcloud::ReceivedMessage) {
    let m = q.try_receive().unwrap().expect("a message");
    assert!(q.try_receive().unwrap().is_none(), "only one");
    (serde_json::from_slice(m.body()).unwrap(), m)
}

#[test]
fn an_event_is_queued_and_runs_when_the_scheduler_is_driven() {
    let (cloud, rt) = setup();
    let runs = flaky(&rt, &cloud, 0);
    let out = rt.invoke("f", Invocation::event("e")).unwrap();
    assert_eq!(out.status_code(), 202);
    assert!(runs.lock().unwrap().is_empty());
    cloud.run_until_idle();
    assert_eq!(runs.lock().unwrap().len(), 1);
    assert_eq!(metric(&cloud, "AsyncEventsReceived"), 1.0);
}

#[test]
fn a_failing_event_is_retried_at_one_then_two_minutes() {
    let (cloud, rt) = setup();
    let runs = flaky(&rt, &cloud, 10);
    let t0 = cloud.now();
    rt.invoke("f", Invocation::event("e")).unwrap();
    cloud.advance(secs(3600));
    let at: Vec<Duration> = runs.lock().unwrap().iter().map(|t| *t - t0).collect();
    assert_eq!(at, vec![secs(0), secs(60), secs(180)]);
    assert_eq!(metric(&cloud, "Errors"), 3.0);
    assert_eq!(metric(&cloud, "AsyncEventsDropped"), 1.0);
}

#[test]
fn retries_are_configurable_from_0_to_2() {
    let (cloud, rt) = setup();
    let runs = flaky(&rt, &cloud, 10);
    rt.put_function_event_invoke_config("f", EventInvokeConfig::default().maximum_retry_attempts(0)).unwrap();
    rt.invoke("f", Invocation::event("e")).unwrap();
    cloud.advance(secs(3600));
    assert_eq!(runs.lock().unwrap().len(), 1);
    let err = rt.put_function_event_invoke_config("f", EventInvokeConfig::default().maximum_retry_attempts(3));
    assert_eq!(err.unwrap_err().code(), "InvalidParameterValueException");
    for bad in [secs(59), secs(6 * 3600 + 1), Duration::from_millis(60_500)] {
        let err = rt.put_function_event_invoke_config("f", EventInvokeConfig::default().maximum_event_age(bad));
        assert_eq!(err.unwrap_err().code(), "InvalidParameterValueException");
    }
}

#[test]
fn an_async_invoke_that_fails_twice_then_succeeds_goes_to_on_success_with_its_invoke_count() {
    let (cloud, rt) = setup();
    flaky(&rt, &cloud, 2);
    let ok = cloud.create_queue("ok", QueueConfig::default()).unwrap();
    rt.put_function_event_invoke_config("f", EventInvokeConfig::default().on_success(Destination::queue(&ok))).unwrap();
    let id = rt.invoke("f", Invocation::event(r#"{"order":7}"#)).unwrap().request_id();
    cloud.advance(secs(3600));
    let (rec, _) = one_message(&ok);
    assert_eq!(rec["version"], "1.0");
    assert_eq!(rec["requestContext"]["requestId"], id.to_string());
    assert_eq!(rec["requestContext"]["functionArn"], "arn:aws:lambda:us-east-1:000000000000:function:f:$LATEST");
    assert_eq!(rec["requestContext"]["condition"], "Success");
    assert_eq!(rec["requestContext"]["approximateInvokeCount"], 3);
    assert_eq!(rec["requestPayload"], json!({"order": 7}));
    assert_eq!(rec["responseContext"], json!({"statusCode": 200, "executedVersion": "$LATEST"}));
    assert_eq!(rec["responsePayload"], r#"done {"order":7}"#);
    assert_eq!(rec["timestamp"], (ManualStart::at() + secs(180)).to_string());
}

struct ManualStart;
impl ManualStart {
    fn at() -> Timestamp {
        localcloud::ManualClock::DEFAULT_START
    }
}

#[test]
fn an_event_whose_retries_are_exhausted_goes_to_on_failure_with_the_last_error() {
    let (cloud, rt) = setup();
    flaky(&rt, &cloud, 10);
    let failed = cloud.create_queue("failed", QueueConfig::default()).unwrap();
    let dlq = cloud.create_queue("dlq", QueueConfig::default()).unwrap();
    rt.update_function_configuration("f", FunctionConfig::default().dead_letter(Destination::queue(&dlq))).unwrap();
    rt.put_function_event_invoke_config("f", EventInvokeConfig::default().on_failure(Destination::queue(&failed)))
        .unwrap();
    rt.invoke("f", Invocation::event("plain text")).unwrap();
    cloud.advance(secs(3600));
    let (rec, _) = one_message(&failed);
    assert_eq!(rec["requestContext"]["condition"], "RetriesExhausted");
    assert_eq!(rec["requestContext"]["approximateInvokeCount"], 3);
    assert_eq!(rec["requestPayload"], "plain text");
    assert_eq!(
        rec["responseContext"],
        json!({"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"})
    );
    assert_eq!(rec["responsePayload"], json!({"errorMessage": "not yet", "errorType": "Flaky"}));
    assert!(dlq.try_receive().unwrap().is_none(), "a destination wins over the dead-letter target");
}

#[test]
fn without_on_failure_the_dead_letter_queue_gets_the_raw_event() {
    let (cloud, rt) = setup();
    flaky(&rt, &cloud, 10);
    let dlq = cloud.create_queue("dlq", QueueConfig::default()).unwrap();
    rt.update_function_configuration("f", FunctionConfig::default().dead_letter(Destination::queue(&dlq))).unwrap();
    let id = rt.invoke("f", Invocation::event(r#"{"raw":true}"#)).unwrap().request_id();
    cloud.advance(secs(3600));
    let m = dlq.try_receive().unwrap().unwrap();
    assert_eq!(m.body_str(), r#"{"raw":true}"#);
    assert_eq!(m.attributes().get("RequestID").unwrap().as_str(), Some(id.to_string().as_str()));
    assert_eq!(m.attributes().get("ErrorMessage").unwrap().as_str(), Some("not yet"));
    assert_eq!(m.attributes().get("ErrorCode").unwrap().as_str(), Some("200"));
}

#[test]
fn a_dead_letter_target_must_be_a_queue_or_topic() {
    let (cloud, rt) = setup();
    flaky(&rt, &cloud, 0);
    let g = rt.create_function("g", FunctionConfig::default(), |_, p| Ok(p)).unwrap();
    let err = rt.update_function_configuration("f", FunctionConfig::default().dead_letter(Destination::function(&g)));
    assert_eq!(err.unwrap_err().code(), "InvalidParameterValueException");
    let t = cloud.create_topic("dead", TopicConfig::default()).unwrap();
    rt.update_function_configuration("f", FunctionConfig::default().dead_letter(Destination::topic(&t))).unwrap();
}

#[test]
fn an_event_older_than_its_maximum_age_is_dropped_as_event_age_exceeded() {
    let (cloud, rt) = setup();
    let runs = flaky(&rt, &cloud, 10);
    let failed = cloud.create_queue("failed", QueueConfig::default()).unwrap();
    rt.put_function_event_invoke_config(
        "f",
        EventInvokeConfig::default().maximum_event_age(secs(90)).on_failure(Destination::queue(&failed)),
    )
    .unwrap();
    rt.invoke("f", Invocation::event("e")).unwrap();
    cloud.advance(secs(3600));
    assert_eq!(runs.lock().unwrap().len(), 2, "the second retry would be at 180 s, past 90 s");
    let (rec, _) = one_message(&failed);
    assert_eq!(rec["requestContext"]["condition"], "EventAgeExceeded");
    assert_eq!(rec["requestContext"]["approximateInvokeCount"], 2);
}

#[test]
fn a_throttled_event_waits_with_backoff_without_using_a_retry() {
    let (cloud, rt) = setup();
    let runs = flaky(&rt, &cloud, 0);
    let ok = cloud.create_queue("ok", QueueConfig::default()).unwrap();
    rt.put_function_event_invoke_config(
        "f",
        EventInvokeConfig::default().maximum_retry_attempts(0).on_success(Destination::queue(&ok)),
    )
    .unwrap();
    rt.put_function_concurrency("f", 0).unwrap();
    let t0 = cloud.now();
    rt.invoke("f", Invocation::event("e")).unwrap();
    cloud.advance(secs(20));
    assert!(runs.lock().unwrap().is_empty());
    // Tries at 0, 1, 3, 7, 15 s: five throttles so far; the next at 31 s.
    assert_eq!(metric(&cloud, "Throttles"), 5.0);
    rt.delete_function_concurrency("f").unwrap();
    cloud.advance(secs(20));
    assert_eq!(*runs.lock().unwrap(), vec![t0 + secs(31)]);
    let (rec, _) = one_message(&ok);
    assert_eq!(rec["requestContext"]["approximateInvokeCount"], 1, "throttles used no retry");
}

#[test]
fn throttle_backoff_is_capped_at_five_minutes() {
    let (cloud, rt) = setup();
    flaky(&rt, &cloud, 0);
    rt.put_function_concurrency("f", 0).unwrap();
    rt.invoke("f", Invocation::event("e")).unwrap();
    cloud.advance(secs(1023)); // 0,1,3,7,…,511 then +300 each: 511+300=811, 1111
    assert_eq!(metric(&cloud, "Throttles"), 11.0);
    cloud.advance(secs(88));
    assert_eq!(metric(&cloud, "Throttles"), 12.0);
}

#[test]
fn a_topic_or_function_can_be_a_destination() {
    let (cloud, rt) = setup();
    flaky(&rt, &cloud, 0);
    let seen = Arc::new(Mutex::new(Vec::new()));
    let s = Arc::clone(&seen);
    let g = rt
        .create_function("g", FunctionConfig::default(), move |_, p| {
            s.lock().unwrap().push(p);
            Ok(Default::default())
        })
        .unwrap();
    let t = cloud.create_topic("outcomes", TopicConfig::default()).unwrap();
    let q = cloud.create_queue("via-topic", QueueConfig::default()).unwrap();
    t.subscribe(localcloud::Subscription::queue(&q).raw_delivery(true)).unwrap();
    rt.put_function_event_invoke_config(
        "f",
        EventInvokeConfig::default().on_success(Destination::function(&g)).on_failure(Destination::topic(&t)),
    )
    .unwrap();
    rt.invoke("f", Invocation::event("e")).unwrap();
    cloud.run_until_idle();
    let got = seen.lock().unwrap().clone();
    assert_eq!(got.len(), 1);
    let rec: Value = serde_json::from_slice(&got[0]).unwrap();
    assert_eq!(rec["requestContext"]["condition"], "Success");
    assert_eq!(cloud.metrics().value("AWS/Lambda", "f", "DestinationDeliveryFailures"), Some(0.0));
}

#[test]
fn a_failed_destination_delivery_is_counted() {
    let (cloud, rt) = setup();
    flaky(&rt, &cloud, 0);
    let q = cloud.create_queue("gone", QueueConfig::default()).unwrap();
    rt.put_function_event_invoke_config("f", EventInvokeConfig::default().on_success(Destination::queue(&q))).unwrap();
    cloud.delete_queue("gone").unwrap();
    rt.invoke("f", Invocation::event("e")).unwrap();
    cloud.run_until_idle();
    assert_eq!(metric(&cloud, "DestinationDeliveryFailures"), 1.0);
    let dlq = cloud.create_queue("dlq", QueueConfig::default()).unwrap();
    rt.update_function_code("f", |_, _| Err("no".into())).unwrap();
    rt.update_function_configuration("f", FunctionConfig::default().dead_letter(Destination::queue(&dlq))).unwrap();
    rt.put_function_event_invoke_config("f", EventInvokeConfig::default().maximum_retry_attempts(0)).unwrap();
    cloud.delete_queue("dlq").unwrap();
    rt.invoke("f", Invocation::event("e")).unwrap();
    cloud.run_until_idle();
    assert_eq!(metric(&cloud, "DeadLetterErrors"), 1.0);
}

#[test]
fn async_event_age_is_the_wait_before_the_first_run() {
    let (cloud, rt) = setup();
    flaky(&rt, &cloud, 0);
    rt.put_function_concurrency("f", 0).unwrap();
    rt.invoke("f", Invocation::event("e")).unwrap();
    cloud.run_until_idle();
    assert_eq!(metric(&cloud, "AsyncEventAge"), 0.0);
}

#[test]
fn async_runs_are_journaled() {
    let (cloud, rt) = setup();
    flaky(&rt, &cloud, 1);
    rt.put_function_event_invoke_config("f", EventInvokeConfig::default().maximum_retry_attempts(1)).unwrap();
    rt.invoke("f", Invocation::event("e")).unwrap();
    cloud.advance(secs(3600));
    let actions: Vec<String> =
        cloud.journal().for_service("lambda").iter().map(|e| format!("{} {}", e.action(), e.detail())).collect();
    assert_eq!(
        actions,
        ["enqueue Event 202", "invoke Event $LATEST attempt 1 Unhandled", "invoke Event $LATEST attempt 2 ok"]
    );
}
