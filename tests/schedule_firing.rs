//! Schedules firing on a manual clock: rate, cron and at expressions, a clock that
//! jumps over many due times, and the three kinds of target.

mod common;

use common::{bodies, cloud, receive_all, secs};
use localcloud::schedule::{ScheduleOptions, Target};
use localcloud::{
    Cloud, PutRecord, QueueConfig, ScheduleExpression, StartingPosition, StreamConfig, Subscription, Timestamp,
    TopicConfig,
};

fn expr(s: &str) -> ScheduleExpression {
    ScheduleExpression::parse(s).unwrap()
}

/// The send times of everything in the queue, as text to the minute.
fn sent_minutes(q: &localcloud::Queue) -> Vec<String> {
    receive_all(q).iter().map(|m| m.sent_at().to_string()[..16].to_owned()).collect()
}

#[test]
fn rate_schedule_fires_every_interval_counted_from_creation() {
    // given a cloud at 2024-01-01T00:00 moved to 00:07
    let cloud = cloud();
    cloud.advance(secs(7 * 60));
    let q = cloud.create_queue("ticks", QueueConfig::default()).unwrap();
    // when a rate(5 minutes) schedule runs for 16 minutes
    cloud.create_schedule("every5", expr("rate(5 minutes)"), Target::queue(&q).input("tick")).unwrap();
    cloud.advance(secs(16 * 60));
    // then it fired at 00:12, 00:17, 00:22
    assert_eq!(sent_minutes(&q), ["2024-01-01T00:12", "2024-01-01T00:17", "2024-01-01T00:22"]);
}

#[test]
fn cron_schedule_fires_at_each_matching_minute_and_not_between() {
    let cloud = cloud();
    let q = cloud.create_queue("weekday-evenings", QueueConfig::default().retention(secs(14 * 86_400))).unwrap();
    let s = cloud.create_schedule("evenings", expr("cron(0 18 ? * MON-FRI *)"), Target::queue(&q)).unwrap();
    assert_eq!(s.next_fire_time().unwrap().to_string(), "2024-01-01T18:00:00.000Z");
    // a week passes (2024-01-01 is a Monday)
    cloud.advance(secs(7 * 86_400));
    assert_eq!(
        sent_minutes(&q),
        ["2024-01-01T18:00", "2024-01-02T18:00", "2024-01-03T18:00", "2024-01-04T18:00", "2024-01-05T18:00"]
    );
    assert_eq!(s.stats().firings, 5);
    assert_eq!(s.next_fire_time().unwrap().to_string(), "2024-01-08T18:00:00.000Z");
}

#[test]
fn at_schedule_fires_once_then_stays_idle() {
    let cloud = cloud();
    let q = cloud.create_queue("once", QueueConfig::default()).unwrap();
    let s = cloud.create_schedule("launch", expr("at(2024-01-02T08:00:00)"), Target::queue(&q).input("go")).unwrap();
    cloud.advance(secs(86_400 + 8 * 3600 - 1));
    assert!(q.try_receive().unwrap().is_none(), "not before its time");
    cloud.advance(secs(1));
    assert_eq!(sent_minutes(&q), ["2024-01-02T08:00"]);
    cloud.advance(secs(365 * 86_400));
    assert!(q.try_receive().unwrap().is_none());
    assert_eq!(s.stats().firings, 1);
    assert_eq!(s.next_fire_time(), None);
    assert!(s.exists(), "a finished one-off schedule stays until deleted");
}

#[test]
fn at_schedule_in_the_past_never_fires() {
    let cloud = cloud();
    cloud.advance(secs(86_400));
    let q = cloud.create_queue("late", QueueConfig::default()).unwrap();
    let s = cloud.create_schedule("late", expr("at(2024-01-01T08:00:00)"), Target::queue(&q)).unwrap();
    cloud.advance(secs(86_400));
    assert!(q.try_receive().unwrap().is_none());
    assert_eq!(s.stats().firings, 0);
}

#[test]
fn a_clock_that_jumps_a_day_fires_every_due_minute_once_in_order_each_at_its_own_time() {
    // given a once-a-minute schedule whose input carries its due time
    let cloud = cloud();
    let q = cloud.create_queue("minutes", QueueConfig::default()).unwrap();
    cloud
        .create_schedule(
            "every-minute",
            expr("cron(* * * * ? *)"),
            Target::queue(&q).input("<aws.scheduler.scheduled-time>"),
        )
        .unwrap();
    // when the clock jumps one day in one call
    cloud.advance(secs(86_400));
    // then all 1,440 minutes fired, once each, in order, sent at their own time
    let got = receive_all(&q);
    assert_eq!(got.len(), 1440);
    let start = Timestamp::from_secs(1_704_067_200);
    for (i, m) in got.iter().enumerate() {
        let due = start + secs(60 * (i as u64 + 1));
        assert_eq!(m.sent_at(), due);
        assert_eq!(m.body_str(), due.to_string().replace(".000Z", "Z"));
    }
}

#[test]
fn a_year_long_jump_fires_every_monthly_tick_in_order() {
    // (a queue keeps messages 14 days at most: the journal keeps the record here)
    let cloud = Cloud::builder().manual_clock().seed(1).journal(true).build();
    let q = cloud.create_queue("month-ends", QueueConfig::default()).unwrap();
    cloud.create_schedule("month-end", expr("cron(0 23 L * ? *)"), Target::queue(&q)).unwrap();
    cloud.advance(secs(366 * 86_400));
    let invokes = cloud.journal().entries_where(|e| e.service() == "scheduler" && e.action() == "invoke");
    let days: Vec<String> = invokes.iter().map(|e| e.time().to_string()[..10].to_owned()).collect();
    assert_eq!(
        days,
        [
            "2024-01-31",
            "2024-02-29",
            "2024-03-31",
            "2024-04-30",
            "2024-05-31",
            "2024-06-30",
            "2024-07-31",
            "2024-08-31",
            "2024-09-30",
            "2024-10-31",
            "2024-11-30",
            "2024-12-31"
        ]
    );
}

#[test]
fn topic_target_publishes_the_input_to_every_subscriber() {
    let cloud = cloud();
    let t = cloud.create_topic("alarms", TopicConfig::default()).unwrap();
    let q = cloud.create_queue("alarm-copy", QueueConfig::default()).unwrap();
    t.subscribe(Subscription::queue(&q).raw_delivery(true)).unwrap();
    cloud.create_schedule("hourly", expr("rate(1 hour)"), Target::topic(&t).input(r#"{"check":"disk"}"#)).unwrap();
    cloud.advance(secs(2 * 3600));
    assert_eq!(bodies(&receive_all(&q)), [r#"{"check":"disk"}"#, r#"{"check":"disk"}"#]);
}

#[test]
fn stream_target_puts_one_record_per_firing_with_its_partition_key() {
    let cloud = cloud();
    let s = cloud.create_stream("heartbeats", StreamConfig::with_shards(1)).unwrap();
    cloud
        .create_schedule(
            "beat",
            expr("rate(1 minute)"),
            Target::stream(&s, "node-1").input("<aws.scheduler.attempt-number>"),
        )
        .unwrap();
    cloud.advance(secs(3 * 60));
    let shard = *s.open_shards()[0].shard_id();
    let it = s.shard_iterator(&shard, StartingPosition::TrimHorizon).unwrap();
    let out = s.get_records(&it, 100).unwrap();
    assert_eq!(out.records().len(), 3);
    for r in out.records() {
        assert_eq!(r.partition_key(), "node-1");
        assert_eq!(r.data().as_ref(), b"1");
    }
    // the stream keeps working for other writers
    s.put_record(PutRecord::new("node-2", "x")).unwrap();
}

#[test]
fn fifo_queue_target_sends_in_its_message_group() {
    let cloud = cloud();
    let q = cloud.create_queue("jobs.fifo", QueueConfig::fifo()).unwrap();
    cloud.create_schedule("fifo", expr("rate(1 minute)"), Target::fifo_queue(&q, "nightly").input("job")).unwrap();
    cloud.advance(secs(2 * 60));
    let got = receive_all(&q);
    assert_eq!(got.len(), 2);
    assert!(got.iter().all(|m| m.group_id() == Some("nightly")));
}

#[test]
fn flexible_time_window_fires_within_the_window_in_order_and_the_same_for_the_same_seed() {
    fn run() -> Vec<Timestamp> {
        let cloud = Cloud::builder().manual_clock().seed(9).build();
        let q = cloud.create_queue("flex", QueueConfig::default()).unwrap();
        cloud
            .create_schedule_with(
                "flex",
                expr("cron(0 * * * ? *)"),
                Target::queue(&q),
                ScheduleOptions::default().flexible_time_window(secs(15 * 60)),
            )
            .unwrap();
        cloud.advance(secs(24 * 3600 + 3600));
        receive_all(&q).iter().map(|m| m.sent_at()).collect()
    }
    let times = run();
    assert_eq!(times.len(), 24, "each hourly tick fires once");
    let start = Timestamp::from_secs(1_704_067_200);
    for (i, t) in times.iter().enumerate() {
        let due = start + secs(3600 * (i as u64 + 1));
        assert!(*t >= due && *t <= due + secs(15 * 60), "tick {i} fired at {t}, due {due}");
    }
    assert!(times.windows(2).all(|w| w[0] <= w[1]));
    assert!(times.iter().enumerate().any(|(i, t)| *t != start + secs(3600 * (i as u64 + 1))), "some jitter");
    assert_eq!(run(), times, "same seed, same times");
}

#[test]
fn every_firing_is_journaled_under_the_scheduler_service() {
    let cloud = Cloud::builder().manual_clock().seed(1).journal(true).build();
    let q = cloud.create_queue("j", QueueConfig::default()).unwrap();
    cloud.create_schedule("journaled", expr("rate(1 minute)"), Target::queue(&q)).unwrap();
    cloud.advance(secs(2 * 60));
    let invokes = cloud.journal().entries_where(|e| e.service() == "scheduler" && e.action() == "invoke");
    assert_eq!(invokes.len(), 2);
    assert_eq!(invokes[0].resource(), "journaled");
    assert_eq!(invokes[0].subject(), "journaled-1");
    assert_eq!(invokes[0].peer(), Some("sqs:j"));
    assert_eq!(invokes[0].detail(), "attempt 1: ok");
    assert_eq!(invokes[1].time().to_string(), "2024-01-01T00:02:00.000Z");
    assert!(cloud.journal().entries().iter().any(|e| e.service() == "scheduler" && e.action() == "create"));
}
