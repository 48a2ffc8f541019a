//! Schedules whose target is a function: an asynchronous invoke per firing; a refused
//! invoke follows the schedule's retry policy and dead-letter queue.

mod common;

use std::sync::{Arc, Mutex};

use bytes::Bytes;
use common::{cloud, receive_all, secs};
use localcloud::schedule::{RetryPolicy, Target};
use localcloud::{Cloud, FunctionConfig, QueueConfig, ReceivedMessage, ScheduleExpression};

fn expr(s: &str) -> ScheduleExpression {
    ScheduleExpression::parse(s).unwrap()
}

fn attr<'a>(m: &'a ReceivedMessage, name: &str) -> &'a str {
    m.attributes().get(name).and_then(|v| v.as_str()).unwrap_or_else(|| panic!("no attribute {name}"))
}

/// A function that records every payload it runs with.
fn recording(cloud: &Cloud, name: &str) -> (localcloud::function::Function, Arc<Mutex<Vec<String>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&seen);
    let f = cloud
        .functions()
        .create_function(name, FunctionConfig::default(), move |_, p: Bytes| {
            log.lock().unwrap().push(String::from_utf8_lossy(&p).into_owned());
            Ok(Bytes::new())
        })
        .unwrap();
    (f, seen)
}

#[test]
fn each_firing_invokes_the_function_asynchronously_with_the_input() {
    // given an hourly schedule on a function with a templated input
    let cloud = cloud();
    let (f, seen) = recording(&cloud, "report");
    let target = Target::function(&f).input(r#"{"at":"<aws.scheduler.scheduled-time>"}"#);
    let s = cloud.create_schedule("hourly", expr("rate(1 hour)"), target).unwrap();
    assert_eq!((s.target().service(), s.target().arn()), ("lambda", f.arn()));
    // when two hours pass
    cloud.advance(secs(7200));
    // then the function ran twice, each time with that firing's due time
    assert_eq!(*seen.lock().unwrap(), [r#"{"at":"2024-01-01T01:00:00Z"}"#, r#"{"at":"2024-01-01T02:00:00Z"}"#]);
    assert_eq!(cloud.metrics().value("AWS/Lambda", "report", "AsyncEventsReceived"), Some(2.0));
    assert_eq!((s.stats().attempts, s.stats().target_errors), (2, 0));
}

#[test]
fn a_handler_error_is_not_a_schedule_failure() {
    // given a function that always fails, on a schedule with a dead-letter queue
    let cloud = cloud();
    let dlq = cloud.create_queue("sched-dlq", QueueConfig::default()).unwrap();
    let f = cloud.functions().create_function("broken", FunctionConfig::default(), |_, _| Err("boom".into())).unwrap();
    let target = Target::function(&f).retry_policy(RetryPolicy::none()).dead_letter_queue(&dlq);
    let s = cloud.create_schedule("s", expr("rate(1 minute)"), target).unwrap();
    // when it fires (and the function's own retries run)
    cloud.advance(secs(60));
    cloud.advance(secs(1));
    // then the invoke was accepted: the schedule sent nothing to its dead-letter queue
    assert!(receive_all(&dlq).is_empty());
    assert_eq!(s.stats().target_errors, 0);
    assert_eq!(cloud.metrics().value("AWS/Lambda", "broken", "Errors"), Some(1.0));
}

#[test]
fn a_deleted_function_fails_over_to_the_dead_letter_queue_after_the_retries() {
    // given a schedule on a function that is then deleted
    let cloud = cloud();
    let (f, _) = recording(&cloud, "gone");
    let dlq = cloud.create_queue("sched-dlq", QueueConfig::default()).unwrap();
    let policy = RetryPolicy::default().maximum_retry_attempts(2);
    let target = Target::function(&f).input("payload").retry_policy(policy).dead_letter_queue(&dlq);
    let s = cloud.create_schedule("s", expr("at(2024-01-01T00:10:00)"), target).unwrap();
    cloud.functions().delete_function("gone").unwrap();
    // when it fires and retries
    cloud.advance(secs(3600));
    // then the input is dead-lettered with the function service's error
    let dead = receive_all(&dlq);
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].body_str(), "payload");
    assert_eq!(attr(&dead[0], "ERROR_CODE"), "ResourceNotFoundException");
    assert_eq!(attr(&dead[0], "RETRY_ATTEMPTS"), "2");
    assert_eq!(attr(&dead[0], "TARGET_ARN"), f.arn());
    let stats = s.stats();
    assert_eq!((stats.attempts, stats.target_errors, stats.dead_lettered), (3, 3, 1));
}

#[test]
fn a_target_on_an_alias_invokes_that_alias_and_fails_once_it_is_deleted() {
    // given a schedule on the "live" alias of a function
    let cloud = cloud();
    let (f, seen) = recording(&cloud, "job");
    let rt = cloud.functions();
    let v1 = rt.publish_version("job").unwrap();
    rt.create_alias("job", "live", &v1.to_string(), localcloud::function::AliasRouting::default()).unwrap();
    let dlq = cloud.create_queue("sched-dlq", QueueConfig::default()).unwrap();
    let live = f.qualified("live").unwrap();
    let target = Target::function(&live).input("tick").retry_policy(RetryPolicy::none()).dead_letter_queue(&dlq);
    let s = cloud.create_schedule("s", expr("rate(1 minute)"), target).unwrap();
    assert_eq!(s.target().arn(), format!("{}:live", f.arn()));
    // when it fires, then the alias is deleted and it fires again
    cloud.advance(secs(60));
    rt.delete_alias("job", "live").unwrap();
    cloud.advance(secs(60));
    // then the first firing ran and the second was dead-lettered
    assert_eq!(*seen.lock().unwrap(), ["tick"]);
    let dead = receive_all(&dlq);
    assert_eq!(dead.len(), 1);
    assert_eq!(attr(&dead[0], "ERROR_CODE"), "ResourceNotFoundException");
}

#[test]
fn a_function_recreated_between_retries_receives_the_retry() {
    // given a schedule whose function is missing at the first try
    let cloud = cloud();
    let (f, _) = recording(&cloud, "flaky");
    let target = Target::function(&f).input("<aws.scheduler.attempt-number>");
    cloud.create_schedule("s", expr("at(2024-01-01T00:01:00)"), target).unwrap();
    cloud.functions().delete_function("flaky").unwrap();
    cloud.advance(secs(60));
    // when it is created again before the first retry (1 s later)
    let (_, seen) = recording(&cloud, "flaky");
    cloud.advance(secs(5));
    // then the retry reaches it, as attempt 2
    assert_eq!(*seen.lock().unwrap(), ["2"]);
}
