//! Targets that fail: retries with backoff under the retry policy, then the schedule's
//! dead-letter queue (or a drop), on a manual clock.

mod common;

use common::{cloud, receive_all, secs};
use localcloud::schedule::{RetryPolicy, Target};
use localcloud::{Cloud, QueueConfig, ReceivedMessage, ScheduleExpression, StreamConfig, Timestamp, TopicConfig};

fn expr(s: &str) -> ScheduleExpression {
    ScheduleExpression::parse(s).unwrap()
}

fn attr<'a>(m: &'a ReceivedMessage, name: &str) -> &'a str {
    m.attributes().get(name).and_then(|v| v.as_str()).unwrap_or_else(|| panic!("no attribute {name}"))
}

/// The times of the schedule's invoke attempts, from the journal.
fn attempt_times(cloud: &Cloud, schedule: &str) -> Vec<u64> {
    let start = Timestamp::from_secs(1_704_067_200);
    cloud
        .journal()
        .entries_where(|e| e.service() == "scheduler" && e.resource() == schedule && e.action() == "invoke")
        .iter()
        .map(|e| (e.time() - start).as_secs())
        .collect()
}

fn journaled() -> Cloud {
    Cloud::builder().manual_clock().seed(1).journal(true).build()
}

#[test]
fn firing_into_a_deleted_queue_goes_to_the_dead_letter_queue_with_the_error() {
    // given a schedule on a queue that is then deleted, with no retries
    let cloud = cloud();
    let q = cloud.create_queue("gone", QueueConfig::default()).unwrap();
    let dlq = cloud.create_queue("sched-dlq", QueueConfig::default()).unwrap();
    let target = Target::queue(&q).input("payload").retry_policy(RetryPolicy::none()).dead_letter_queue(&dlq);
    let s = cloud.create_schedule("s", expr("rate(1 minute)"), target).unwrap();
    cloud.delete_queue("gone").unwrap();
    // when it fires
    cloud.advance(secs(60));
    // then the dead-letter queue holds the input with the error in its attributes
    let dead = receive_all(&dlq);
    assert_eq!(dead.len(), 1);
    let m = &dead[0];
    assert_eq!(m.body_str(), "payload");
    assert_eq!(m.sent_at().to_string(), "2024-01-01T00:01:00.000Z");
    assert_eq!(attr(m, "ERROR_CODE"), "QueueDoesNotExist");
    assert_eq!(attr(m, "EXHAUSTED_RETRY_CONDITION"), "MaximumRetryAttemptsExceeded");
    assert_eq!(attr(m, "RETRY_ATTEMPTS"), "0");
    assert_eq!(attr(m, "TARGET_ARN"), q.arn());
    assert_eq!(attr(m, "SCHEDULE_ARN"), s.arn());
    assert!(!attr(m, "ERROR_MESSAGE").is_empty());
    let stats = s.stats();
    assert_eq!((stats.attempts, stats.target_errors, stats.dead_lettered), (1, 1, 1));
    assert_eq!(cloud.metrics().value("AWS/Scheduler", "s", "InvocationsSentToDeadLetterCount"), Some(1.0));
}

#[test]
fn retries_back_off_and_stop_at_the_maximum_retry_attempts() {
    let cloud = journaled();
    let q = cloud.create_queue("gone", QueueConfig::default()).unwrap();
    let dlq = cloud.create_queue("dlq", QueueConfig::default()).unwrap();
    let policy = RetryPolicy::default().maximum_retry_attempts(3);
    let target = Target::queue(&q).input("<aws.scheduler.attempt-number>").retry_policy(policy).dead_letter_queue(&dlq);
    cloud.create_schedule("s", expr("at(2024-01-01T00:10:00)"), target).unwrap();
    cloud.delete_queue("gone").unwrap();
    cloud.advance(secs(3600));
    // first try at 600 s, then 1 s, 2 s, 4 s later
    assert_eq!(attempt_times(&cloud, "s"), [600, 601, 603, 607]);
    let dead = receive_all(&dlq);
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].body_str(), "4", "the input of the last attempt");
    assert_eq!(attr(&dead[0], "RETRY_ATTEMPTS"), "3");
    assert_eq!(dead[0].sent_at(), Timestamp::from_secs(1_704_067_200 + 607));
}

#[test]
fn default_policy_retries_185_times_within_a_day() {
    let cloud = journaled();
    let q = cloud.create_queue("gone", QueueConfig::default()).unwrap();
    let dlq = cloud.create_queue("dlq", QueueConfig::default()).unwrap();
    let s = cloud.create_schedule("s", expr("at(2024-01-01T00:00:30)"), Target::queue(&q).dead_letter_queue(&dlq));
    let s = s.unwrap();
    cloud.delete_queue("gone").unwrap();
    cloud.advance(secs(86_400));
    let times = attempt_times(&cloud, "s");
    assert_eq!(times.len(), 186);
    let gaps: Vec<u64> = times.windows(2).map(|w| w[1] - w[0]).collect();
    assert_eq!(&gaps[..10], [1, 2, 4, 8, 16, 32, 64, 128, 256, 300], "exponential, capped at 5 minutes");
    assert!(gaps[10..].iter().all(|&g| g == 300));
    let dead = receive_all(&dlq);
    assert_eq!(dead.len(), 1);
    assert_eq!(attr(&dead[0], "RETRY_ATTEMPTS"), "185");
    assert_eq!(attr(&dead[0], "EXHAUSTED_RETRY_CONDITION"), "MaximumRetryAttemptsExceeded");
    assert_eq!(s.stats().attempts, 186);
}

#[test]
fn a_firing_older_than_the_maximum_event_age_is_given_up() {
    let cloud = journaled();
    let q = cloud.create_queue("gone", QueueConfig::default()).unwrap();
    let dlq = cloud.create_queue("dlq", QueueConfig::default()).unwrap();
    let policy = RetryPolicy::default().maximum_event_age(secs(60));
    cloud
        .create_schedule(
            "s",
            expr("at(2024-01-01T00:01:00)"),
            Target::queue(&q).retry_policy(policy).dead_letter_queue(&dlq),
        )
        .unwrap();
    cloud.delete_queue("gone").unwrap();
    cloud.advance(secs(3600));
    // tries at +0, +1, +3, +7, +15, +31; the next (+63) would be past 60 s
    assert_eq!(attempt_times(&cloud, "s"), [60, 61, 63, 67, 75, 91]);
    let dead = receive_all(&dlq);
    assert_eq!(attr(&dead[0], "EXHAUSTED_RETRY_CONDITION"), "MaximumEventAgeExceeded");
    assert_eq!(attr(&dead[0], "RETRY_ATTEMPTS"), "5");
}

#[test]
fn retries_of_one_firing_do_not_delay_the_next_firing() {
    let cloud = journaled();
    let q = cloud.create_queue("gone", QueueConfig::default()).unwrap();
    let dlq = cloud.create_queue("dlq", QueueConfig::default()).unwrap();
    let policy = RetryPolicy::default().maximum_retry_attempts(1);
    cloud
        .create_schedule("s", expr("rate(1 minute)"), Target::queue(&q).retry_policy(policy).dead_letter_queue(&dlq))
        .unwrap();
    cloud.delete_queue("gone").unwrap();
    cloud.advance(secs(180));
    assert_eq!(attempt_times(&cloud, "s"), [60, 61, 120, 121, 180]);
    assert_eq!(receive_all(&dlq).len(), 2);
}

#[test]
fn without_a_dead_letter_queue_a_failed_firing_is_dropped_and_counted() {
    let cloud = journaled();
    let t = cloud.create_topic("gone", TopicConfig::default()).unwrap();
    let s = cloud
        .create_schedule("s", expr("rate(1 minute)"), Target::topic(&t).retry_policy(RetryPolicy::none()))
        .unwrap();
    cloud.delete_topic("gone").unwrap();
    cloud.advance(secs(120));
    assert_eq!(s.stats().dropped, 2);
    assert_eq!(cloud.metrics().value("AWS/Scheduler", "s", "InvocationDroppedCount"), Some(2.0));
    let drops = cloud.journal().entries_where(|e| e.service() == "scheduler" && e.action() == "drop");
    assert_eq!(drops.len(), 2);
    let invoke = &cloud.journal().entries_where(|e| e.action() == "invoke" && e.service() == "scheduler")[0];
    assert_eq!(invoke.detail(), "attempt 1: NotFound");
}

#[test]
fn a_deleted_stream_target_fails_over_to_the_dead_letter_queue() {
    let cloud = cloud();
    let s = cloud.create_stream("gone", StreamConfig::with_shards(1)).unwrap();
    let dlq = cloud.create_queue("dlq", QueueConfig::default()).unwrap();
    let target = Target::stream(&s, "k").retry_policy(RetryPolicy::none()).dead_letter_queue(&dlq);
    cloud.create_schedule("s", expr("rate(1 minute)"), target).unwrap();
    cloud.delete_stream("gone").unwrap();
    cloud.advance(secs(60));
    let dead = receive_all(&dlq);
    assert_eq!(attr(&dead[0], "ERROR_CODE"), "ResourceNotFoundException");
}

#[test]
fn when_the_dead_letter_queue_is_gone_too_the_failure_is_counted() {
    let cloud = cloud();
    let q = cloud.create_queue("gone", QueueConfig::default()).unwrap();
    let dlq = cloud.create_queue("dlq", QueueConfig::default()).unwrap();
    let target = Target::queue(&q).retry_policy(RetryPolicy::none()).dead_letter_queue(&dlq);
    let s = cloud.create_schedule("s", expr("rate(1 minute)"), target).unwrap();
    cloud.delete_queue("gone").unwrap();
    cloud.delete_queue("dlq").unwrap();
    cloud.advance(secs(60));
    assert_eq!(s.stats().dead_letter_failed, 1);
    assert_eq!(cloud.metrics().value("AWS/Scheduler", "s", "InvocationsFailedToBeSentToDeadLetterCount"), Some(1.0));
}

#[test]
fn deleting_the_schedule_drops_its_pending_retries() {
    let cloud = journaled();
    let q = cloud.create_queue("gone", QueueConfig::default()).unwrap();
    let dlq = cloud.create_queue("dlq", QueueConfig::default()).unwrap();
    cloud.create_schedule("s", expr("rate(1 hour)"), Target::queue(&q).dead_letter_queue(&dlq)).unwrap();
    cloud.delete_queue("gone").unwrap();
    cloud.advance(secs(3600 + 10)); // first try and a few retries
    let before = attempt_times(&cloud, "s").len();
    assert!(before > 1);
    cloud.delete_schedule("s").unwrap();
    cloud.advance(secs(86_400));
    assert_eq!(attempt_times(&cloud, "s").len(), before);
    assert!(receive_all(&dlq).is_empty());
}

#[test]
fn a_disabled_schedule_still_finishes_the_retries_of_a_firing_already_due() {
    let cloud = journaled();
    let q = cloud.create_queue("gone", QueueConfig::default()).unwrap();
    let dlq = cloud.create_queue("dlq", QueueConfig::default()).unwrap();
    let policy = RetryPolicy::default().maximum_retry_attempts(2);
    let s = cloud
        .create_schedule("s", expr("rate(1 hour)"), Target::queue(&q).retry_policy(policy).dead_letter_queue(&dlq))
        .unwrap();
    cloud.delete_queue("gone").unwrap();
    cloud.advance(secs(3600));
    s.disable().unwrap();
    cloud.advance(secs(7200));
    assert_eq!(attempt_times(&cloud, "s"), [3600, 3601, 3603]);
    assert_eq!(receive_all(&dlq).len(), 1);
}
