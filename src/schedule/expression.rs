//! [`ScheduleExpression`]: `rate(…)`, `cron(…)` and `at(…)`, parsed and validated once.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use super::calendar::CivilTime;
use super::cron::{parse_cron, Cron};
use super::error::ScheduleError;
use super::zone::TimeZone;
use crate::clock::Timestamp;

/// The longest expression the service accepts, in characters.
pub const MAX_EXPRESSION_CHARS: usize = 256;

/// When a schedule fires: every N minutes, hours or days (`rate`), on a calendar
/// pattern (`cron`, UTC), or once (`at`, UTC).
///
/// ```
/// use localcloud::schedule::ScheduleExpression;
/// use localcloud::Timestamp;
/// use std::time::Duration;
///
/// let noon = ScheduleExpression::parse("cron(0 12 * * ? *)")?;
/// let t = Timestamp::from_secs(1_704_067_200); // 2024-01-01T00:00:00Z
/// assert_eq!(noon.next_after(t).unwrap().to_string(), "2024-01-01T12:00:00.000Z");
///
/// let every5 = ScheduleExpression::parse("rate(5 minutes)")?;
/// assert_eq!(every5.rate(), Some(Duration::from_secs(300)));
/// assert_eq!(every5.next_after(t), Some(t + Duration::from_secs(300)));
///
/// let once = ScheduleExpression::parse("at(2026-12-01T08:00:00)")?;
/// assert_eq!(once.next_after(t).unwrap().to_string(), "2026-12-01T08:00:00.000Z");
/// assert_eq!(once.next_after(once.next_after(t).unwrap()), None);
///
/// assert_eq!(ScheduleExpression::parse("rate(1 minutes)").unwrap_err().code(), "ValidationException");
/// # Ok::<(), localcloud::schedule::ScheduleError>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct ScheduleExpression {
    text: String,
    kind: Kind,
}

#[derive(Clone, PartialEq, Eq)]
enum Kind {
    Rate(Duration),
    Cron(Box<Cron>),
    At(Timestamp),
}

impl ScheduleExpression {
    /// Parses `rate(N unit)`, `cron(min hour day-of-month month day-of-week year)` or
    /// `at(yyyy-mm-ddThh:mm:ss)`.
    ///
    /// Errors: `ValidationException`, with a message naming the rule broken.
    pub fn parse(text: &str) -> Result<Self, ScheduleError> {
        let chars = text.chars().count();
        if chars > MAX_EXPRESSION_CHARS {
            return Err(ScheduleError::invalid(format!(
                "schedule expression is {chars} characters long; the limit is {MAX_EXPRESSION_CHARS}"
            )));
        }
        let bad = |why: String| ScheduleError::invalid(format!("invalid schedule expression {text:?}: {why}"));
        let body = |prefix: &str| text.strip_prefix(prefix).and_then(|r| r.strip_suffix(')'));
        let kind = if let Some(b) = body("rate(") {
            Kind::Rate(parse_rate(b).map_err(bad)?)
        } else if let Some(b) = body("cron(") {
            Kind::Cron(Box::new(parse_cron(b).map_err(bad)?))
        } else if let Some(b) = body("at(") {
            Kind::At(parse_at(b).map_err(bad)?)
        } else {
            return Err(bad("expected rate(…), cron(…) or at(…)".into()));
        };
        Ok(ScheduleExpression { text: text.to_owned(), kind })
    }

    /// The first fire time strictly after `t`: for a rate, `t` plus the rate (a rate
    /// counts from the time it is given); for a cron, the next matching minute; for
    /// `at`, its time if later than `t`. `None` when it will never fire again.
    pub fn next_after(&self, t: Timestamp) -> Option<Timestamp> {
        match &self.kind {
            Kind::Rate(d) => Some(t.saturating_add(*d)).filter(|&n| n > t),
            Kind::Cron(c) => c.next_after(t),
            Kind::At(at) => (*at > t).then_some(*at),
        }
    }

    /// [`next_after`](ScheduleExpression::next_after) with the cron fields or the `at`
    /// time read as local time in `zone`. A local time the zone skips (at the start of
    /// daylight saving) is skipped; one it repeats fires once. Rates ignore the zone.
    pub fn next_after_in(&self, t: Timestamp, zone: &TimeZone) -> Option<Timestamp> {
        match &self.kind {
            Kind::Rate(_) => self.next_after(t),
            Kind::Cron(c) => c.next_after_in(t, zone),
            Kind::At(at) => zone.first_instant_after(CivilTime::from_timestamp(*at), t),
        }
    }

    /// The interval of a `rate(…)` expression.
    pub fn rate(&self) -> Option<Duration> {
        match self.kind {
            Kind::Rate(d) => Some(d),
            _ => None,
        }
    }

    /// Whether this is a one-off `at(…)` expression.
    pub fn is_one_off(&self) -> bool {
        matches!(self.kind, Kind::At(_))
    }

    /// The expression as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

impl FromStr for ScheduleExpression {
    type Err = ScheduleError;
    fn from_str(s: &str) -> Result<Self, ScheduleError> {
        Self::parse(s)
    }
}

impl fmt::Display for ScheduleExpression {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl fmt::Debug for ScheduleExpression {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ScheduleExpression({:?})", self.text)
    }
}

/// `N unit`: N a positive integer, the unit singular exactly when N is 1.
fn parse_rate(body: &str) -> Result<Duration, String> {
    let parts: Vec<&str> = body.split(' ').collect();
    let [n, unit] = parts[..] else {
        return Err("a rate is `rate(value unit)`, as in rate(5 minutes)".into());
    };
    if n.is_empty() || n.len() > 9 || !n.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("rate value {n:?} is not a positive integer"));
    }
    let n: u64 = n.parse().map_err(|_| format!("rate value {n:?} is not a positive integer"))?;
    if n == 0 {
        return Err("rate value must be at least 1".into());
    }
    let (secs, singular, plural) = match unit {
        "minute" | "minutes" => (60, "minute", "minutes"),
        "hour" | "hours" => (3_600, "hour", "hours"),
        "day" | "days" => (86_400, "day", "days"),
        _ => return Err(format!("rate unit {unit:?} is not minute(s), hour(s) or day(s)")),
    };
    let want = if n == 1 { singular } else { plural };
    if unit != want {
        return Err(format!("rate of {n} takes the unit {want:?}, not {unit:?}"));
    }
    Ok(Duration::from_secs(n * secs))
}

/// `yyyy-mm-ddThh:mm:ss`, UTC.
fn parse_at(body: &str) -> Result<Timestamp, String> {
    let b = body.as_bytes();
    let shape_ok = b.len() == 19
        && b.iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            10 => *c == b'T',
            13 | 16 => *c == b':',
            _ => c.is_ascii_digit(),
        });
    if !shape_ok {
        return Err(format!("{body:?} is not a time of the form yyyy-mm-ddThh:mm:ss"));
    }
    let num = |r: std::ops::Range<usize>| body[r].parse::<u32>().unwrap_or(u32::MAX);
    let c = CivilTime {
        year: num(0..4) as i32,
        month: num(5..7),
        day: num(8..10),
        hour: num(11..13),
        minute: num(14..16),
        second: num(17..19),
    };
    if !c.is_valid() {
        return Err(format!("{body:?} is not a real time between 1970 and 2199"));
    }
    c.to_timestamp().ok_or_else(|| format!("{body:?} is out of range"))
}
