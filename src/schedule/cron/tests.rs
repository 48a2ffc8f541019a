//! The cron dialect against AWS's documented examples and rules: a table of valid
//! expressions with their next fire times, a table of invalid ones with the rule they
//! break, and properties checked against a minute-by-minute scan.

use proptest::prelude::*;

use super::{Cron, DayOfMonth, DayOfWeek};
use crate::clock::Timestamp;
use crate::schedule::calendar::{days_in_month, weekday, CivilTime};
use crate::schedule::ScheduleExpression;

/// `yyyy-mm-ddThh:mm:ss` (UTC) as a timestamp.
fn ts(s: &str) -> Timestamp {
    let n = |r: std::ops::Range<usize>| s[r].parse::<u32>().unwrap();
    let c = CivilTime {
        year: n(0..4) as i32,
        month: n(5..7),
        day: n(8..10),
        hour: n(11..13),
        minute: n(14..16),
        second: n(17..19),
    };
    c.to_timestamp().unwrap()
}

fn show(t: Option<Timestamp>) -> String {
    t.map_or_else(|| "none".to_owned(), |t| t.to_string()[..16].to_owned())
}

fn fires(expr: &str, from: &str, n: usize) -> Vec<String> {
    let e = ScheduleExpression::parse(expr).unwrap_or_else(|err| panic!("{expr}: {err}"));
    let mut t = Some(ts(from));
    let mut out = Vec::new();
    for _ in 0..n {
        t = t.and_then(|t| e.next_after(t));
        out.push(show(t));
    }
    out
}

/// Valid expressions: (expression, from, the next fire times, "none" when it ends).
/// 2024-01-01 is a Monday; 2024 is a leap year.
const VALID: &[(&str, &str, &[&str])] = &[
    // AWS's documented examples.
    ("cron(0 10 * * ? *)", "2024-01-01T00:00:00", &["2024-01-01T10:00", "2024-01-02T10:00", "2024-01-03T10:00"]),
    ("cron(15 12 * * ? *)", "2024-01-01T00:00:00", &["2024-01-01T12:15", "2024-01-02T12:15", "2024-01-03T12:15"]),
    ("cron(0 18 ? * MON-FRI *)", "2024-01-01T00:00:00", &["2024-01-01T18:00", "2024-01-02T18:00", "2024-01-03T18:00"]),
    ("cron(0 18 ? * MON-FRI *)", "2024-01-05T18:00:00", &["2024-01-08T18:00", "2024-01-09T18:00"]),
    ("cron(0 8 1 * ? *)", "2024-01-01T00:00:00", &["2024-01-01T08:00", "2024-02-01T08:00", "2024-03-01T08:00"]),
    (
        "cron(0/15 * * * ? *)",
        "2024-01-01T00:00:00",
        &["2024-01-01T00:15", "2024-01-01T00:30", "2024-01-01T00:45", "2024-01-01T01:00"],
    ),
    ("cron(0/10 * ? * MON-FRI *)", "2024-01-01T00:00:00", &["2024-01-01T00:10", "2024-01-01T00:20"]),
    ("cron(0/10 * ? * MON-FRI *)", "2024-01-05T23:50:00", &["2024-01-08T00:00", "2024-01-08T00:10"]),
    (
        "cron(0/5 8-17 ? * MON-FRI *)",
        "2024-01-01T00:00:00",
        &["2024-01-01T08:00", "2024-01-01T08:05", "2024-01-01T08:10"],
    ),
    ("cron(0/5 8-17 ? * MON-FRI *)", "2024-01-01T17:55:00", &["2024-01-02T08:00"]),
    ("cron(0/5 8-17 ? * MON-FRI *)", "2024-01-05T17:55:00", &["2024-01-08T08:00"]),
    // Ranges wrap around the end of a field: 22:00 to 02:30 on weekdays.
    (
        "cron(0/30 22-2 ? * MON-FRI *)",
        "2024-01-01T00:00:00",
        &[
            "2024-01-01T00:30",
            "2024-01-01T01:00",
            "2024-01-01T01:30",
            "2024-01-01T02:00",
            "2024-01-01T02:30",
            "2024-01-01T22:00",
        ],
    ),
    (
        "cron(0 0 ? * FRI-MON *)",
        "2024-01-01T00:00:00",
        &["2024-01-05T00:00", "2024-01-06T00:00", "2024-01-07T00:00", "2024-01-08T00:00", "2024-01-12T00:00"],
    ),
    (
        "cron(0 0 1 NOV-FEB ? *)",
        "2024-01-15T00:00:00",
        &["2024-02-01T00:00", "2024-11-01T00:00", "2024-12-01T00:00", "2025-01-01T00:00"],
    ),
    // `/` steps: 1/10 is minute 1, 11, 21, …
    ("cron(1/10 * * * ? *)", "2024-01-01T00:00:00", &["2024-01-01T00:01", "2024-01-01T00:11", "2024-01-01T00:21"]),
    (
        "cron(0 0 1/10 * ? *)",
        "2024-01-01T00:00:00",
        &["2024-01-11T00:00", "2024-01-21T00:00", "2024-01-31T00:00", "2024-02-01T00:00"],
    ),
    (
        "cron(0 0-23/6 * * ? *)",
        "2024-01-01T00:00:00",
        &["2024-01-01T06:00", "2024-01-01T12:00", "2024-01-01T18:00", "2024-01-02T00:00"],
    ),
    ("cron(0 0 1 */4 ? *)", "2024-01-01T00:00:00", &["2024-05-01T00:00", "2024-09-01T00:00", "2025-01-01T00:00"]),
    ("cron(* * * * ? *)", "2024-01-01T00:00:00", &["2024-01-01T00:01", "2024-01-01T00:02"]),
    ("cron(0 12 * * ? *)", "2024-01-01T11:59:30", &["2024-01-01T12:00", "2024-01-02T12:00"]),
    ("cron(0 12 * * ? *)", "2024-01-01T12:00:00", &["2024-01-02T12:00"]),
    ("cron(0,30 9 ? * 2,4,6 *)", "2024-01-01T00:00:00", &["2024-01-01T09:00", "2024-01-01T09:30", "2024-01-03T09:00"]),
    ("cron(0 9 1 JAN,JUL ? *)", "2024-01-01T00:00:00", &["2024-01-01T09:00", "2024-07-01T09:00", "2025-01-01T09:00"]),
    ("cron(0 18 ? * mon-fri *)", "2024-01-06T00:00:00", &["2024-01-08T18:00"]),
    ("cron(0 0 ? * 1 *)", "2024-01-01T00:00:00", &["2024-01-07T00:00", "2024-01-14T00:00"]),
    ("cron(0 0 ? * SUN *)", "2024-01-01T00:00:00", &["2024-01-07T00:00", "2024-01-14T00:00"]),
    ("cron(0 0 ? * * *)", "2024-01-01T00:00:00", &["2024-01-02T00:00", "2024-01-03T00:00"]),
    ("cron(0 0 ? * 2/2 *)", "2024-01-01T00:00:00", &["2024-01-03T00:00", "2024-01-05T00:00", "2024-01-08T00:00"]),
    // L in day-of-month: the last day, leap years included.
    (
        "cron(0 0 L * ? *)",
        "2024-01-01T00:00:00",
        &["2024-01-31T00:00", "2024-02-29T00:00", "2024-03-31T00:00", "2024-04-30T00:00"],
    ),
    (
        "cron(0 0 L 2 ? *)",
        "2024-03-01T00:00:00",
        &["2025-02-28T00:00", "2026-02-28T00:00", "2027-02-28T00:00", "2028-02-29T00:00"],
    ),
    // LW: the last weekday; 2024-03-31 is a Sunday, 2024-08-31 a Saturday.
    (
        "cron(0 0 LW * ? *)",
        "2024-01-01T00:00:00",
        &["2024-01-31T00:00", "2024-02-29T00:00", "2024-03-29T00:00", "2024-04-30T00:00"],
    ),
    ("cron(0 0 LW * ? *)", "2024-08-01T00:00:00", &["2024-08-30T00:00"]),
    // nW: the nearest weekday, never leaving the month.
    (
        "cron(0 0 15W * ? *)",
        "2024-06-01T00:00:00",
        &["2024-06-14T00:00", "2024-07-15T00:00", "2024-08-15T00:00", "2024-09-16T00:00"],
    ),
    ("cron(0 0 3W * ? *)", "2024-01-01T00:00:00", &["2024-01-03T00:00", "2024-02-02T00:00", "2024-03-04T00:00"]),
    (
        "cron(0 0 1W * ? *)",
        "2024-05-15T00:00:00",
        &["2024-06-03T00:00", "2024-07-01T00:00", "2024-08-01T00:00", "2024-09-02T00:00"],
    ),
    (
        "cron(0 0 31W * ? *)",
        "2024-03-01T00:00:00",
        &["2024-03-29T00:00", "2024-05-31T00:00", "2024-07-31T00:00", "2024-08-30T00:00"],
    ),
    // L alone in day-of-week: Saturday, the last day of the week.
    ("cron(0 0 ? * L *)", "2024-01-01T00:00:00", &["2024-01-06T00:00", "2024-01-13T00:00", "2024-01-20T00:00"]),
    // nL: the last day n of the month (5L = last Thursday).
    ("cron(0 0 ? * 5L *)", "2024-01-01T00:00:00", &["2024-01-25T00:00", "2024-02-29T00:00", "2024-03-28T00:00"]),
    ("cron(0 0 ? * FRIL *)", "2024-01-01T00:00:00", &["2024-01-26T00:00", "2024-02-23T00:00", "2024-03-29T00:00"]),
    // n#k: the k-th day n (3#2 = second Tuesday); a month without a fifth is skipped.
    ("cron(0 0 ? * 3#2 *)", "2024-01-01T00:00:00", &["2024-01-09T00:00", "2024-02-13T00:00", "2024-03-12T00:00"]),
    ("cron(0 0 ? * 6#5 *)", "2024-01-01T00:00:00", &["2024-03-29T00:00", "2024-05-31T00:00", "2024-08-30T00:00"]),
    ("cron(0 0 ? * MON#1 *)", "2024-01-01T00:00:00", &["2024-02-05T00:00", "2024-03-04T00:00"]),
    // The year field, and schedules that end.
    ("cron(0 0 1 1 ? 2025-2026)", "2024-01-01T00:00:00", &["2025-01-01T00:00", "2026-01-01T00:00", "none"]),
    (
        "cron(0 0 1 1 ? 2030/50)",
        "2024-01-01T00:00:00",
        &["2030-01-01T00:00", "2080-01-01T00:00", "2130-01-01T00:00", "2180-01-01T00:00", "none"],
    ),
    ("cron(0 0 29 2 ? *)", "2024-03-01T00:00:00", &["2028-02-29T00:00", "2032-02-29T00:00"]),
    ("cron(0 0 29 2 ? 2100-2103)", "2024-03-01T00:00:00", &["none"]),
    ("cron(0 0 30 2 ? *)", "2024-01-01T00:00:00", &["none"]),
    ("cron(0 0 31 4 ? *)", "2024-01-01T00:00:00", &["none"]),
    ("cron(59 23 31 12 ? 2199)", "2199-12-31T00:00:00", &["2199-12-31T23:59", "none"]),
    ("cron(0 0 1 1 ? 1970)", "2024-01-01T00:00:00", &["none"]),
    // Extra white space between fields is accepted.
    ("cron(0  12 * *  ? *)", "2024-01-01T00:00:00", &["2024-01-01T12:00"]),
    // rate and at.
    ("rate(1 minute)", "2024-01-01T00:00:00", &["2024-01-01T00:01", "2024-01-01T00:02"]),
    ("rate(5 minutes)", "2024-01-01T00:00:30", &["2024-01-01T00:05", "2024-01-01T00:10"]),
    ("rate(1 hour)", "2024-01-01T10:07:00", &["2024-01-01T11:07", "2024-01-01T12:07"]),
    ("rate(12 hours)", "2024-01-01T00:00:00", &["2024-01-01T12:00", "2024-01-02T00:00"]),
    ("rate(1 day)", "2024-01-01T00:00:00", &["2024-01-02T00:00"]),
    ("rate(7 days)", "2024-01-01T00:00:00", &["2024-01-08T00:00", "2024-01-15T00:00"]),
    ("at(2026-12-01T08:00:00)", "2024-01-01T00:00:00", &["2026-12-01T08:00", "none"]),
    ("at(2024-02-29T23:59:59)", "2024-01-01T00:00:00", &["2024-02-29T23:59", "none"]),
    ("at(2024-01-01T00:00:00)", "2024-01-01T00:00:00", &["none"]),
];

/// Invalid expressions and a fragment of the message that names the rule.
const INVALID: &[(&str, &str)] = &[
    ("cron(0 12 * * * *)", "exactly one of day-of-month and day-of-week"),
    ("cron(0 12 1 * MON *)", "exactly one of day-of-month and day-of-week"),
    ("cron(0 0 L * L *)", "exactly one of day-of-month and day-of-week"),
    ("cron(0 12 ? * ? *)", "cannot both be '?'"),
    ("cron(0 12 * * ?)", "expected 6 fields"),
    ("cron(0 0 12 * * ? *)", "found 7"),
    ("cron()", "found 0"),
    ("cron(60 * * * ? *)", "minutes: 60 is out of range 0-59"),
    ("cron(0 24 * * ? *)", "hours: 24 is out of range 0-23"),
    ("cron(0 0 0 * ? *)", "day-of-month: 0 is out of range 1-31"),
    ("cron(0 0 32 * ? *)", "day-of-month: 32 is out of range 1-31"),
    ("cron(0 0 1 13 ? *)", "month: 13 is out of range 1-12"),
    ("cron(0 0 1 0 ? *)", "month: 0 is out of range 1-12"),
    ("cron(0 0 ? * 8 *)", "day-of-week: 8 is out of range 1-7"),
    ("cron(0 0 ? * 0 *)", "day-of-week: 0 is out of range 1-7"),
    ("cron(0 0 1 * ? 1969)", "year: 1969 is out of range 1970-2199"),
    ("cron(0 0 1 * ? 2200)", "year: 2200 is out of range 1970-2199"),
    ("cron(0 0 1 * ? 2026-2025)", "runs backwards"),
    ("cron(? 0 1 * ? *)", "minutes: '?' is allowed only in day-of-month and day-of-week"),
    ("cron(0 ? 1 * ? *)", "hours: '?' is allowed only"),
    ("cron(0 0 1 ? ? *)", "month: '?' is allowed only"),
    ("cron(0 0 1 * ? ?)", "year: '?' is allowed only"),
    ("cron(0 L * * ? *)", "hours: 'L' is not allowed"),
    ("cron(0 0 1 * ? L)", "year: 'L' is not allowed"),
    ("cron(0 0 1 L ? *)", "month: \"L\" is neither a number nor one of"),
    ("cron(0 0 # * ? *)", "'#' is allowed only in day-of-week"),
    ("cron(0 0 ? * 3#1,6#3 *)", "only one '#'"),
    ("cron(0 0 ? * 3#6 *)", "must be 1-5"),
    ("cron(0 0 ? * 3#0 *)", "must be 1-5"),
    ("cron(0 0 ? * 3# *)", "must be 1-5"),
    ("cron(0 0 ? * 8#1 *)", "day-of-week: 8 is out of range"),
    ("cron(0 0 ? * 2W *)", "'W' is allowed only in day-of-month"),
    ("cron(0 0 15W,20 * ? *)", "'L' and 'W' stand alone"),
    ("cron(0 0 1-5W * ? *)", "'W' takes a single day"),
    ("cron(0 0 32W * ? *)", "day-of-month: 32 is out of range"),
    ("cron(0 0 W * ? *)", "is not a number"),
    ("cron(0 0 L-2 * ? *)", "'L' and 'W' stand alone"),
    ("cron(0 0 1,L * ? *)", "'L' and 'W' stand alone"),
    ("cron(0 0 ? * 5L,6 *)", "'L' stands alone or follows one day"),
    ("cron(0 0 ? * L5 *)", "'L' stands alone or follows one day"),
    ("cron(0 0 ? * 9L *)", "day-of-week: 9 is out of range"),
    ("cron(*/0 * * * ? *)", "step must be at least 1"),
    ("cron(0/x * * * ? *)", "is not a positive integer"),
    ("cron(0 0 1 FOO ? *)", "neither a number nor one of JAN,FEB"),
    ("cron(0 0 ? * FUN *)", "neither a number nor one of SUN,MON"),
    ("cron(0 0 1,,2 * ? *)", "empty list item"),
    ("cron(a 0 1 * ? *)", "minutes: \"a\" is not a number"),
    ("cron(-1 0 1 * ? *)", "is not a number"),
    ("cron(0 0 1 JAN ? 20x4)", "is not a number"),
    ("cron(0 12 * * ? *", "expected rate(…), cron(…) or at(…)"),
    ("CRON(0 12 * * ? *)", "expected rate(…), cron(…) or at(…)"),
    (" cron(0 12 * * ? *)", "expected rate(…), cron(…) or at(…)"),
    ("", "expected rate(…), cron(…) or at(…)"),
    // Nothing more often than once a minute: there is no seconds unit or field.
    ("rate(30 seconds)", "not minute(s), hour(s) or day(s)"),
    ("cron(0 0 12 * * ? * *)", "expected 6 fields"),
    ("rate(1 minutes)", "takes the unit \"minute\""),
    ("rate(5 minute)", "takes the unit \"minutes\""),
    ("rate(1 days)", "takes the unit \"day\""),
    ("rate(2 hour)", "takes the unit \"hours\""),
    ("rate(0 minutes)", "at least 1"),
    ("rate(-5 minutes)", "not a positive integer"),
    ("rate(1.5 hours)", "not a positive integer"),
    ("rate(+5 minutes)", "not a positive integer"),
    ("rate(5  minutes)", "rate(value unit)"),
    ("rate(5)", "rate(value unit)"),
    ("rate(minutes 5)", "not a positive integer"),
    ("rate(1 Minute)", "not minute(s), hour(s) or day(s)"),
    ("rate(1 week)", "not minute(s), hour(s) or day(s)"),
    ("rate()", "rate(value unit)"),
    ("at(2023-02-29T00:00:00)", "not a real time"),
    ("at(2026-13-01T08:00:00)", "not a real time"),
    ("at(2026-12-01T24:00:00)", "not a real time"),
    ("at(2026-12-01T08:60:00)", "not a real time"),
    ("at(1969-12-31T23:59:59)", "not a real time"),
    ("at(2200-01-01T00:00:00)", "not a real time"),
    ("at(2026-12-01 08:00:00)", "yyyy-mm-ddThh:mm:ss"),
    ("at(2026-12-01T08:00)", "yyyy-mm-ddThh:mm:ss"),
    ("at(2026-12-01T08:00:00Z)", "yyyy-mm-ddThh:mm:ss"),
    ("at(+026-12-01T08:00:00)", "yyyy-mm-ddThh:mm:ss"),
];

#[test]
fn documented_and_edge_expressions_fire_at_the_expected_times() {
    for (expr, from, want) in VALID {
        let got = fires(expr, from, want.len());
        assert_eq!(&got, want, "{expr} from {from}");
    }
}

#[test]
fn invalid_expressions_fail_with_a_validation_exception_naming_the_rule() {
    let mut wrong = Vec::new();
    for (expr, why) in INVALID {
        match ScheduleExpression::parse(expr) {
            Ok(_) => wrong.push(format!("{expr}: accepted")),
            Err(err) if err.code() != "ValidationException" || !err.to_string().contains(why) => {
                wrong.push(format!("{expr}: {err} should mention {why:?}"));
            }
            Err(_) => {}
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn expressions_longer_than_256_characters_are_rejected() {
    let long = format!("cron(0 0 {} * ? *)", vec!["1"; 130].join(","));
    assert!(long.len() > 256);
    let err = ScheduleExpression::parse(&long).unwrap_err();
    assert!(err.to_string().contains("limit is 256"), "{err}");
    let fits = format!("cron(0 0 {} * ? *)", vec!["1"; 115].join(","));
    assert!(fits.len() <= 256);
    assert!(ScheduleExpression::parse(&fits).is_ok());
}

#[test]
fn a_search_that_finds_nothing_for_two_centuries_ends_quickly() {
    // Every 31 February of every year: the field-wise search visits months, not minutes.
    let e = ScheduleExpression::parse("cron(* * 31 2 ? *)").unwrap();
    assert_eq!(e.next_after(Timestamp::EPOCH), None);
}

/// The definition of a match, written independently of `Cron::days_of`.
fn day_matches(c: &Cron, y: i32, m: u32, d: u32) -> bool {
    let dim = days_in_month(y, m);
    let is_weekday = |d: u32| (2..=6).contains(&weekday(y, m, d));
    let dom = match c.day_of_month {
        DayOfMonth::Any => true,
        DayOfMonth::Days(b) => b.contains(d),
        DayOfMonth::Last => d == dim,
        DayOfMonth::LastWeekday => is_weekday(d) && (d + 1..=dim).all(|x| !is_weekday(x)),
        DayOfMonth::NearestWeekday(n) => {
            n <= dim && is_weekday(d) && (1..=dim).filter(|&x| is_weekday(x)).all(|x| x.abs_diff(n) >= d.abs_diff(n))
        }
    };
    let wd = weekday(y, m, d);
    let dow = match c.day_of_week {
        DayOfWeek::Any => true,
        DayOfWeek::Days(b) => b.contains(wd),
        DayOfWeek::Last(w) => wd == w && d + 7 > dim,
        DayOfWeek::Nth(w, k) => wd == w && (d - 1) / 7 + 1 == k,
    };
    dom && dow
}

fn brute_matches(c: &Cron, t: Timestamp) -> bool {
    let ct = CivilTime::from_timestamp(t);
    c.minutes.contains(ct.minute)
        && c.hours.contains(ct.hour)
        && c.months.contains(ct.month)
        && c.years.contains(super::year_bit(ct.year))
        && day_matches(c, ct.year, ct.month, ct.day)
}

fn cron_of(expr: &str) -> Cron {
    let body = expr.strip_prefix("cron(").and_then(|b| b.strip_suffix(')')).unwrap();
    super::parse_cron(body).unwrap()
}

#[test]
fn independent_day_definition_agrees_with_the_table_test_month_by_month() {
    for expr in
        ["cron(0 0 15W * ? *)", "cron(0 0 LW * ? *)", "cron(0 0 ? * 5L *)", "cron(0 0 ? * 6#5 *)", "cron(0 0 1W * ? *)"]
    {
        let c = cron_of(expr);
        for y in [2024, 2025, 2100] {
            for m in 1..=12 {
                for d in 1..=days_in_month(y, m) {
                    assert_eq!(c.days_of(y, m) & (1 << d) != 0, day_matches(&c, y, m, d), "{expr} {y}-{m}-{d}");
                    let t =
                        CivilTime { year: y, month: m, day: d, hour: 0, minute: 0, second: 0 }.to_timestamp().unwrap();
                    assert_eq!(c.matches(t), brute_matches(&c, t));
                }
            }
        }
    }
}

fn field(choices: &'static [&'static str]) -> impl Strategy<Value = &'static str> {
    proptest::sample::select(choices)
}

/// Valid cron expressions that fire often enough to be checked in a window of weeks.
fn frequent_cron() -> impl Strategy<Value = String> {
    let minutes = field(&["*", "0", "0/15", "5,35", "10-20/5", "*/7", "58-3", "59"]);
    let hours = field(&["*", "0-23/6", "3", "22-2", "9-17", "*/5", "0,12"]);
    let months = field(&["*", "JAN-JUN", "2", "*/2", "NOV-FEB", "3,4,9"]);
    let years = field(&["*", "2024", "2024-2025", "2024/2"]);
    let days = prop_oneof![
        (field(&["*", "1", "L", "LW", "15W", "1W", "31W", "30", "1-7", "10/3", "29", "28-3"]), Just("?")),
        (Just("?"), field(&["*", "L", "MON-FRI", "1", "5L", "2L", "3#2", "6#5", "SUN#1", "SAT,SUN", "FRI-MON", "2/3"])),
    ];
    (minutes, hours, days, months, years)
        .prop_map(|(mi, h, (dom, dow), mo, y)| format!("cron({mi} {h} {dom} {mo} {dow} {y})"))
}

/// Strings close to the grammar, to reach deep into the parser.
fn near_expression() -> impl Strategy<Value = String> {
    let token = field(&[
        "*",
        "?",
        "L",
        "W",
        "LW",
        "#",
        "/",
        "-",
        ",",
        "0",
        "1",
        "5",
        "7",
        "12",
        "31",
        "59",
        "60",
        "2199",
        "2200",
        "JAN",
        "sun",
        "FRI",
        "5L",
        "3#2",
        "15W",
        "1/0",
        "22-2",
        "*/5",
        " ",
        "",
        "99999",
        "4294967296",
    ]);
    let fields = proptest::collection::vec(proptest::collection::vec(token, 0..4).prop_map(|t| t.concat()), 0..8);
    (field(&["cron(", "rate(", "at(", ""]), fields, field(&[")", ""]))
        .prop_map(|(p, f, s)| format!("{p}{}{s}", f.join(" ")))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn no_string_panics_the_parser(s in "\\PC{0,80}") {
        let _ = ScheduleExpression::parse(&s);
    }

    #[test]
    fn no_near_miss_panics_the_parser_or_the_search(s in near_expression(), t in 0u64..7_258_118_400) {
        if let Ok(e) = ScheduleExpression::parse(&s) {
            let t = Timestamp::from_secs(t);
            if let Some(n) = e.next_after(t) {
                prop_assert!(n > t);
            }
        }
    }

    #[test]
    fn next_after_is_strictly_increasing_and_matches_a_minute_scan(
        expr in frequent_cron(),
        start in 1_704_067_200u64..1_767_225_600, // 2024-01-01 .. 2026-01-01
    ) {
        let c = cron_of(&expr);
        let e = ScheduleExpression::parse(&expr).unwrap();
        let window_minutes = 50 * 24 * 60;
        let t0 = Timestamp::from_secs(start);
        let mut expected = Vec::new();
        let first = (start / 60 + 1) * 60;
        for m in 0..window_minutes {
            let t = Timestamp::from_secs(first + m * 60);
            if brute_matches(&c, t) {
                expected.push(t);
            }
        }
        let end = Timestamp::from_secs(first + window_minutes * 60);
        let mut got = Vec::new();
        let mut t = t0;
        while let Some(n) = e.next_after(t) {
            prop_assert!(n > t, "{expr}: {n} not after {t}");
            if n >= end {
                break;
            }
            got.push(n);
            t = n;
        }
        prop_assert_eq!(got, expected, "{}", expr);
    }

    #[test]
    fn next_after_from_inside_a_minute_is_the_same_as_from_its_start(
        expr in frequent_cron(),
        start in 1_704_067_200u64..1_767_225_600,
        nanos in 0u64..60_000_000_000,
    ) {
        let e = ScheduleExpression::parse(&expr).unwrap();
        let minute = Timestamp::from_secs(start / 60 * 60);
        prop_assert_eq!(e.next_after(minute), e.next_after(Timestamp::from_nanos(minute.as_nanos() + nanos)));
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn in_utc_the_zoned_search_is_the_plain_one(expr in frequent_cron(), start in 1_704_067_200u64..1_767_225_600) {
        let e = ScheduleExpression::parse(&expr).unwrap();
        let utc = crate::schedule::TimeZone::utc();
        let t = Timestamp::from_secs(start);
        prop_assert_eq!(e.next_after_in(t, &utc), e.next_after(t));
    }

    #[test]
    fn in_a_zone_without_daylight_saving_fires_exactly_where_local_time_matches(
        expr in frequent_cron(),
        start in 1_704_067_200u64..1_767_225_600,
    ) {
        // Asia/Kolkata has kept UTC+05:30 since 1945.
        let zone = crate::schedule::TimeZone::get("Asia/Kolkata").unwrap();
        let c = cron_of(&expr);
        let e = ScheduleExpression::parse(&expr).unwrap();
        let first = (start / 60 + 1) * 60;
        let window = 20 * 24 * 60;
        let expected: Vec<Timestamp> = (0..window)
            .map(|m| Timestamp::from_secs(first + m * 60))
            .filter(|&t| brute_matches(&c, Timestamp::from_secs(t.as_nanos() / 1_000_000_000 + 19_800)))
            .collect();
        let end = Timestamp::from_secs(first + window * 60);
        let mut got = Vec::new();
        let mut t = Timestamp::from_secs(start);
        while let Some(n) = e.next_after_in(t, &zone) {
            prop_assert!(n > t);
            if n >= end {
                break;
            }
            got.push(n);
            t = n;
        }
        prop_assert_eq!(got, expected, "{}", expr);
    }

    #[test]
    fn in_a_zone_with_daylight_saving_fire_times_strictly_increase(
        expr in frequent_cron(),
        start in 1_704_067_200u64..1_767_225_600,
    ) {
        let zone = crate::schedule::TimeZone::get("America/New_York").unwrap();
        let e = ScheduleExpression::parse(&expr).unwrap();
        let mut t = Timestamp::from_secs(start);
        for _ in 0..200 {
            match e.next_after_in(t, &zone) {
                Some(n) => {
                    prop_assert!(n > t);
                    t = n;
                }
                None => break,
            }
        }
    }
}
