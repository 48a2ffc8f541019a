//! Creating, finding, listing, disabling, enabling and deleting schedules, and the
//! validation of their settings.

mod common;

use common::{cloud, receive_all, secs};
use localcloud::schedule::{RetryPolicy, ScheduleOptions, ScheduleState, Target};
use localcloud::{Error, QueueConfig, ScheduleExpression};
use localcloud::{Queue, ReceivedMessage};

/// Receives everything visible and deletes it.
fn drain(q: &Queue) -> Vec<ReceivedMessage> {
    let got = receive_all(q);
    for m in &got {
        q.delete(m.receipt_handle()).unwrap();
    }
    got
}

fn expr(s: &str) -> ScheduleExpression {
    ScheduleExpression::parse(s).unwrap()
}

#[test]
fn created_schedule_is_found_by_name_listed_and_has_a_scheduler_arn() {
    let cloud = cloud();
    let q = cloud.create_queue("q", QueueConfig::default()).unwrap();
    let s = cloud.create_schedule("nightly", expr("cron(0 12 * * ? *)"), Target::queue(&q)).unwrap();
    cloud.create_schedule("a-first", expr("rate(1 day)"), Target::queue(&q)).unwrap();
    assert_eq!(s.arn(), "arn:aws:scheduler:us-east-1:000000000000:schedule/default/nightly");
    assert_eq!(s.state(), ScheduleState::Enabled);
    assert_eq!(s.expression().as_str(), "cron(0 12 * * ? *)");
    assert_eq!(s.target().arn(), q.arn());
    assert_eq!(cloud.schedule("nightly").unwrap().arn(), s.arn());
    let names: Vec<String> = cloud.list_schedules().iter().map(|s| s.name().to_owned()).collect();
    assert_eq!(names, ["a-first", "nightly"]);
}

#[test]
fn a_taken_name_is_a_conflict_and_a_missing_one_is_not_found() {
    let cloud = cloud();
    let q = cloud.create_queue("q", QueueConfig::default()).unwrap();
    cloud.create_schedule("s", expr("rate(1 hour)"), Target::queue(&q)).unwrap();
    let err = cloud.create_schedule("s", expr("rate(2 hours)"), Target::queue(&q)).unwrap_err();
    assert_eq!(err.code(), "ConflictException");
    assert_eq!(cloud.schedule("s").unwrap().expression().as_str(), "rate(1 hour)", "unchanged");
    assert_eq!(cloud.schedule("nope").unwrap_err().code(), "ResourceNotFoundException");
    assert_eq!(cloud.delete_schedule("nope").unwrap_err().code(), "ResourceNotFoundException");
    let umbrella: Error = cloud.schedule("nope").unwrap_err().into();
    assert_eq!(umbrella.code(), "ResourceNotFoundException");
}

#[test]
fn bad_names_and_settings_are_validation_errors_and_create_nothing() {
    let cloud = cloud();
    let q = cloud.create_queue("q", QueueConfig::default()).unwrap();
    let fifo_dlq = cloud.create_queue("dlq.fifo", QueueConfig::fifo()).unwrap();
    let rate = || expr("rate(1 hour)");
    let long = "x".repeat(65);
    for name in ["", "has space", "slash/no", long.as_str()] {
        assert_eq!(cloud.create_schedule(name, rate(), Target::queue(&q)).unwrap_err().code(), "ValidationException");
    }
    let bad_targets = [
        Target::queue(&q).retry_policy(RetryPolicy::default().maximum_retry_attempts(186)),
        Target::queue(&q).retry_policy(RetryPolicy::default().maximum_event_age(secs(59))),
        Target::queue(&q).retry_policy(RetryPolicy::default().maximum_event_age(secs(24 * 3600 + 1))),
        Target::queue(&q).dead_letter_queue(&fifo_dlq),
    ];
    for t in bad_targets {
        let err = cloud.create_schedule("s", rate(), t).unwrap_err();
        assert_eq!(err.code(), "ValidationException", "{err}");
    }
    for window in [secs(59), secs(24 * 3600 + 60)] {
        let opts = ScheduleOptions::default().flexible_time_window(window);
        let err = cloud.create_schedule_with("s", rate(), Target::queue(&q), opts).unwrap_err();
        assert_eq!(err.code(), "ValidationException");
    }
    assert!(cloud.list_schedules().is_empty());
    // the limits themselves are accepted
    let edge =
        Target::queue(&q).retry_policy(RetryPolicy::default().maximum_retry_attempts(185).maximum_event_age(secs(60)));
    cloud.create_schedule("edge", rate(), edge).unwrap();
    let edge2 = Target::queue(&q).retry_policy(RetryPolicy::none().maximum_event_age(secs(86_400)));
    cloud.create_schedule("edge2", rate(), edge2).unwrap();
}

#[test]
fn disabled_schedule_does_not_fire_and_enabling_resumes_without_catching_up() {
    let cloud = cloud();
    let q = cloud.create_queue("q", QueueConfig::default()).unwrap();
    let s = cloud.create_schedule("hourly", expr("cron(0 * * * ? *)"), Target::queue(&q)).unwrap();
    cloud.advance(secs(3600)); // fires at 01:00
    s.disable().unwrap();
    assert_eq!(s.state(), ScheduleState::Disabled);
    assert_eq!(s.next_fire_time(), None);
    cloud.advance(secs(5 * 3600)); // 02:00 … 06:00 pass while disabled
    assert_eq!(drain(&q).len(), 1);
    s.disable().unwrap(); // disabling again changes nothing
    s.enable().unwrap();
    assert_eq!(s.next_fire_time().unwrap().to_string(), "2024-01-01T07:00:00.000Z");
    cloud.advance(secs(3600));
    let got = drain(&q);
    assert_eq!(got.len(), 1, "only 07:00, no catch-up of 02:00-06:00");
    assert_eq!(got[0].sent_at().to_string(), "2024-01-01T07:00:00.000Z");
    assert_eq!(s.stats().firings, 2);
}

#[test]
fn enabling_a_rate_schedule_counts_the_rate_from_then() {
    let cloud = cloud();
    let q = cloud.create_queue("q", QueueConfig::default()).unwrap();
    let s = cloud.create_schedule("r", expr("rate(10 minutes)"), Target::queue(&q)).unwrap();
    s.disable().unwrap();
    cloud.advance(secs(3 * 60));
    s.enable().unwrap();
    cloud.advance(secs(10 * 60));
    assert_eq!(drain(&q)[0].sent_at().to_string(), "2024-01-01T00:13:00.000Z");
}

#[test]
fn schedule_created_disabled_fires_only_once_enabled() {
    let cloud = cloud();
    let q = cloud.create_queue("q", QueueConfig::default()).unwrap();
    let opts = ScheduleOptions::default().state(ScheduleState::Disabled);
    let s = cloud.create_schedule_with("later", expr("rate(1 minute)"), Target::queue(&q), opts).unwrap();
    cloud.advance(secs(600));
    assert!(q.try_receive().unwrap().is_none());
    s.enable().unwrap();
    cloud.advance(secs(60));
    assert_eq!(drain(&q).len(), 1);
}

#[test]
fn deleted_schedule_fires_no_more_its_handle_fails_and_its_name_is_free() {
    let cloud = cloud();
    let q = cloud.create_queue("q", QueueConfig::default()).unwrap();
    let s = cloud.create_schedule("gone", expr("rate(1 minute)"), Target::queue(&q)).unwrap();
    cloud.advance(secs(60));
    cloud.delete_schedule("gone").unwrap();
    cloud.advance(secs(600));
    assert_eq!(drain(&q).len(), 1);
    assert!(!s.exists());
    assert_eq!(s.enable().unwrap_err().code(), "ResourceNotFoundException");
    assert_eq!(s.disable().unwrap_err().code(), "ResourceNotFoundException");
    assert!(cloud.list_schedules().is_empty());
    assert_eq!(cloud.next_task_due(), None, "its task is gone from the scheduler");
    cloud.create_schedule("gone", expr("rate(1 hour)"), Target::queue(&q)).unwrap();
}

#[test]
fn schedule_metrics_carry_cloudwatch_names() {
    let cloud = cloud();
    let q = cloud.create_queue("q", QueueConfig::default()).unwrap();
    cloud.create_schedule("m", expr("rate(1 minute)"), Target::queue(&q)).unwrap();
    cloud.advance(secs(180));
    assert_eq!(cloud.metrics().value("AWS/Scheduler", "m", "InvocationAttemptCount"), Some(3.0));
    assert_eq!(cloud.metrics().value("AWS/Scheduler", "m", "TargetErrorCount"), Some(0.0));
    cloud.delete_schedule("m").unwrap();
    assert_eq!(cloud.metrics().value("AWS/Scheduler", "m", "InvocationAttemptCount"), None);
}

#[test]
fn handles_are_send_sync_clone_and_debug() {
    fn check<T: Send + Sync + Clone + std::fmt::Debug>() {}
    check::<localcloud::Schedule>();
    check::<Target>();
    check::<ScheduleExpression>();
    check::<RetryPolicy>();
}
