//! Cron and `at` schedules in an IANA time zone, across daylight-saving changes:
//! a skipped local time is skipped, a repeated one runs once.

mod common;

use common::cloud;
use localcloud::schedule::{ScheduleOptions, Target, TimeZone};
use localcloud::{Cloud, QueueConfig, ScheduleExpression, Timestamp};

fn expr(s: &str) -> ScheduleExpression {
    ScheduleExpression::parse(s).unwrap()
}

fn ts(s: &str) -> Timestamp {
    // seconds of a `yyyy-mm-ddThh:mm` UTC time, via the expression parser's at(…)
    expr(&format!("at({s}:00)")).next_after(Timestamp::EPOCH).unwrap()
}

/// The UTC fire times after `from`, as text to the minute.
fn fires(e: &str, zone: &str, from: &str, n: usize) -> Vec<String> {
    let e = expr(e);
    let zone = TimeZone::get(zone).unwrap();
    let mut t = ts(from);
    let mut out = Vec::new();
    for _ in 0..n {
        match e.next_after_in(t, &zone) {
            Some(next) => {
                out.push(next.to_string()[..16].to_owned());
                t = next;
            }
            None => break,
        }
    }
    out
}

#[test]
fn local_nine_oclock_follows_the_zone_offset_through_the_year() {
    // Paris: UTC+1 in winter, UTC+2 from 2024-03-31
    assert_eq!(
        fires("cron(0 9 * * ? *)", "Europe/Paris", "2024-03-29T12:00", 3),
        ["2024-03-30T08:00", "2024-03-31T07:00", "2024-04-01T07:00"]
    );
}

#[test]
fn a_local_time_skipped_by_the_spring_change_does_not_fire_that_day() {
    // New York, 2024-03-10: 02:00 EST jumps to 03:00 EDT; 02:30 does not exist
    assert_eq!(
        fires("cron(30 2 * * ? *)", "America/New_York", "2024-03-09T00:00", 3),
        ["2024-03-09T07:30", "2024-03-11T06:30", "2024-03-12T06:30"]
    );
}

#[test]
fn a_local_time_repeated_by_the_autumn_change_fires_once() {
    // New York, 2024-11-03: 02:00 EDT falls back to 01:00 EST; 01:30 happens twice
    assert_eq!(
        fires("cron(30 1 * * ? *)", "America/New_York", "2024-11-02T00:00", 3),
        ["2024-11-02T05:30", "2024-11-03T05:30", "2024-11-04T06:30"]
    );
    // every 15 minutes: the repeated hour runs once, then 02:00 EST
    assert_eq!(
        fires("cron(0/15 * * * ? *)", "America/New_York", "2024-11-03T04:50", 6),
        [
            "2024-11-03T05:00",
            "2024-11-03T05:15",
            "2024-11-03T05:30",
            "2024-11-03T05:45",
            "2024-11-03T07:00",
            "2024-11-03T07:15"
        ]
    );
}

#[test]
fn at_is_read_as_local_time_in_the_zone() {
    assert_eq!(fires("at(2026-12-01T08:00:00)", "Asia/Tokyo", "2024-01-01T00:00", 2), ["2026-11-30T23:00"]);
    assert!(fires("at(2024-03-10T02:30:00)", "America/New_York", "2024-01-01T00:00", 1).is_empty(), "skipped");
}

#[test]
fn rates_ignore_the_zone() {
    assert_eq!(fires("rate(1 hour)", "Europe/Paris", "2024-03-31T00:30", 2), ["2024-03-31T01:30", "2024-03-31T02:30"]);
}

#[test]
fn a_zoned_schedule_fires_on_the_cloud_at_local_times() {
    let cloud: Cloud = cloud();
    let q = cloud.create_queue("q", QueueConfig::default()).unwrap();
    let opts = ScheduleOptions::default().time_zone(TimeZone::get("Asia/Kolkata").unwrap());
    let s = cloud.create_schedule_with("ist", expr("cron(0 9 * * ? *)"), Target::queue(&q), opts).unwrap();
    assert_eq!(s.time_zone().map(|z| z.name()), Some("Asia/Kolkata"));
    assert_eq!(s.next_fire_time().unwrap().to_string(), "2024-01-01T03:30:00.000Z");
    cloud.advance(std::time::Duration::from_secs(86_400));
    assert_eq!(q.try_receive().unwrap().unwrap().sent_at().to_string(), "2024-01-01T03:30:00.000Z");
}

#[test]
fn an_unknown_zone_is_a_validation_error() {
    let err = TimeZone::get("Not/AZone").unwrap_err();
    assert_eq!(err.code(), "ValidationException");
    assert!(err.to_string().contains("Not/AZone"));
}
