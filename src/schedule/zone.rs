//! [`TimeZone`]: an IANA time zone for cron and `at` schedules, and the rules at
//! daylight-saving changes (a skipped local time is skipped, a repeated one runs once).
//!
//! The zone rules come from the `jiff` crate with its bundled copy of the IANA
//! database, so that the same program computes the same times on every machine.

use std::fmt;

use super::calendar::{days_from_civil, CivilTime};
use super::error::ScheduleError;
use crate::clock::{civil_from_days, Timestamp};

/// An IANA time zone, such as `Europe/Paris`, for [`ScheduleOptions::time_zone`](super::ScheduleOptions::time_zone)
/// and [`ScheduleExpression::next_after_in`](super::ScheduleExpression::next_after_in).
///
/// ```
/// use localcloud::schedule::{ScheduleExpression, TimeZone};
/// use localcloud::Timestamp;
/// let paris = TimeZone::get("Europe/Paris")?;
/// let nine = ScheduleExpression::parse("cron(0 9 * * ? *)")?;
/// let t = Timestamp::from_secs(1_704_067_200); // 2024-01-01T00:00:00Z
/// assert_eq!(nine.next_after_in(t, &paris).unwrap().to_string(), "2024-01-01T08:00:00.000Z");
/// assert_eq!(TimeZone::get("Mars/Olympus").unwrap_err().code(), "ValidationException");
/// # Ok::<(), localcloud::ScheduleError>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct TimeZone {
    name: String,
    tz: jiff::tz::TimeZone,
}

/// The instants a local time names.
pub(crate) enum LocalInstants {
    /// Skipped by a change of offset.
    None,
    One(Timestamp),
    /// Repeated by a change of offset: the earlier and the later instant.
    Two(Timestamp, Timestamp),
}

impl TimeZone {
    /// Coordinated Universal Time.
    pub fn utc() -> Self {
        TimeZone { name: "UTC".to_owned(), tz: jiff::tz::TimeZone::UTC }
    }

    /// The zone called `name` in the IANA database (`America/New_York`, `UTC`, …).
    ///
    /// Errors: `ValidationException` for an unknown name.
    pub fn get(name: &str) -> Result<Self, ScheduleError> {
        jiff::tz::TimeZone::get(name)
            .map(|tz| TimeZone { name: name.to_owned(), tz })
            .map_err(|e| ScheduleError::invalid(format!("unknown time zone {name:?}: {e}")))
    }

    /// The zone's name as given.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The local wall-clock time at `t` (seconds dropped), as civil fields.
    pub(crate) fn local(&self, t: Timestamp) -> CivilTime {
        let secs = (t.as_nanos() / 1_000_000_000) as i64;
        let offset = jiff::Timestamp::from_second(secs).map(|j| self.tz.to_offset(j).seconds()).unwrap_or(0);
        civil_at(secs + i64::from(offset))
    }

    /// The instants at which the local time `c` occurs.
    pub(crate) fn instants(&self, c: CivilTime) -> LocalInstants {
        let utc =
            days_from_civil(c.year, c.month, c.day) * 86_400 + i64::from(c.hour * 3600 + c.minute * 60 + c.second);
        let Ok(dt) = jiff::civil::DateTime::new(
            c.year as i16,
            c.month as i8,
            c.day as i8,
            c.hour as i8,
            c.minute as i8,
            c.second as i8,
            0,
        ) else {
            return LocalInstants::None;
        };
        let at =
            |offset: jiff::tz::Offset| u64::try_from(utc - i64::from(offset.seconds())).ok().map(Timestamp::from_secs);
        match self.tz.to_ambiguous_timestamp(dt).offset() {
            jiff::tz::AmbiguousOffset::Unambiguous { offset } => {
                at(offset).map_or(LocalInstants::None, LocalInstants::One)
            }
            jiff::tz::AmbiguousOffset::Gap { .. } => LocalInstants::None,
            // `before` is the offset in force before the change: the earlier instant.
            jiff::tz::AmbiguousOffset::Fold { before, after } => match (at(before), at(after)) {
                (Some(a), Some(b)) => LocalInstants::Two(a.min(b), a.max(b)),
                (Some(a), None) | (None, Some(a)) => LocalInstants::One(a),
                (None, None) => LocalInstants::None,
            },
        }
    }

    /// The first instant after `t` at which the local time `c` occurs.
    pub(crate) fn first_instant_after(&self, c: CivilTime, t: Timestamp) -> Option<Timestamp> {
        match self.instants(c) {
            LocalInstants::None => None,
            LocalInstants::One(a) => (a > t).then_some(a),
            // Only the first pass of a repeated hour fires, unless it is already past.
            LocalInstants::Two(a, b) => [a, b].into_iter().find(|&i| i > t),
        }
    }
}

/// The civil fields of `secs` seconds from the epoch, which may be negative.
pub(crate) fn civil_at(secs: i64) -> CivilTime {
    let (y, month, day) = civil_from_days(secs.div_euclid(86_400));
    let rem = secs.rem_euclid(86_400) as u32;
    CivilTime { year: y as i32, month, day, hour: rem / 3600, minute: rem % 3600 / 60, second: rem % 60 }
}

/// The civil time one minute after `c`'s minute (seconds dropped).
pub(crate) fn next_minute(c: CivilTime) -> CivilTime {
    let secs = days_from_civil(c.year, c.month, c.day) * 86_400 + i64::from(c.hour * 3600 + c.minute * 60);
    civil_at(secs + 60)
}

impl fmt::Debug for TimeZone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TimeZone({:?})", self.name)
    }
}
