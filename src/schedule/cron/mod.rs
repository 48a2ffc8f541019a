//! The AWS cron dialect: `cron(minutes hours day-of-month month day-of-week year)`.
//!
//! Six fields, UTC. Minutes 0–59, hours 0–23, day-of-month 1–31, month 1–12 or
//! `JAN`–`DEC`, day-of-week 1–7 or `SUN`–`SAT` (1 = Sunday), year 1970–2199. Every
//! field takes `,` lists, `-` ranges, `*` and `/` steps; `?` (any) only in
//! day-of-month and day-of-week, and exactly one of those two must be `?`.
//! Day-of-month also takes `L` (last day), `LW` (last weekday) and `nW` (the weekday
//! nearest day n, within the month); day-of-week takes `L` (Saturday, the last day of
//! the week), `nL` (the last day n of the month) and `n#k` (the k-th day n).
//!
//! The next fire time is found field by field (year, month, day, hour, minute), so a
//! search that finds nothing for a century still takes only a few thousand steps.

mod parse;
#[cfg(test)]
mod tests;

use std::fmt;

use super::calendar::{days_in_month, weekday, CivilTime, MAX_YEAR, MIN_YEAR};
use super::zone::{next_minute, TimeZone};
use crate::clock::Timestamp;

pub(crate) use parse::parse_cron;

/// A set of small numbers (0–255), one bit each.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub(crate) struct Bits([u64; 4]);

impl Bits {
    pub(crate) fn insert(&mut self, v: u32) {
        if let Some(w) = self.0.get_mut((v / 64) as usize) {
            *w |= 1 << (v % 64);
        }
    }

    pub(crate) fn contains(&self, v: u32) -> bool {
        self.0.get((v / 64) as usize).is_some_and(|w| w & (1 << (v % 64)) != 0)
    }

    /// The smallest member at or above `from` and at or below `to`.
    pub(crate) fn next_from(&self, from: u32, to: u32) -> Option<u32> {
        let mut v = from;
        while v <= to && v < 256 {
            let w = self.0[(v / 64) as usize] >> (v % 64);
            if w != 0 {
                let found = v + w.trailing_zeros();
                return (found <= to).then_some(found);
            }
            v = (v / 64 + 1) * 64;
        }
        None
    }
}

/// What the day-of-month field asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum DayOfMonth {
    /// `?`: the day-of-week field decides.
    Any,
    /// Days 1–31 (a day the month lacks never matches).
    Days(Bits),
    /// `L`: the last day of the month.
    Last,
    /// `LW`: the last weekday (Monday–Friday) of the month.
    LastWeekday,
    /// `nW`: the weekday nearest day n, without leaving the month.
    NearestWeekday(u32),
}

/// What the day-of-week field asks for (days numbered 1 = Sunday … 7 = Saturday).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum DayOfWeek {
    /// `?`: the day-of-month field decides.
    Any,
    /// These weekdays.
    Days(Bits),
    /// `nL`: the last weekday n of the month.
    Last(u32),
    /// `n#k`: the k-th weekday n of the month (k = 1–5).
    Nth(u32, u32),
}

/// A parsed cron expression.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Cron {
    pub(crate) minutes: Bits,
    pub(crate) hours: Bits,
    pub(crate) day_of_month: DayOfMonth,
    pub(crate) months: Bits,
    pub(crate) day_of_week: DayOfWeek,
    pub(crate) years: Bits,
}

impl fmt::Debug for Cron {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Cron")
            .field("day_of_month", &self.day_of_month)
            .field("day_of_week", &self.day_of_week)
            .finish()
    }
}

/// Years are stored as offsets from [`MIN_YEAR`] so they fit in [`Bits`].
pub(crate) fn year_bit(year: i32) -> u32 {
    (year - MIN_YEAR) as u32
}

impl Cron {
    /// The days of `month` in `year` that match, one bit per day (bit d = day d).
    pub(crate) fn days_of(&self, year: i32, month: u32) -> u32 {
        let dim = days_in_month(year, month);
        let all = ((1u64 << (dim + 1)) - 2) as u32;
        let first_wd = weekday(year, month, 1);
        // The weekday of day d is (first_wd - 1 + d - 1) % 7 + 1.
        let wd_of = |d: u32| (first_wd + d - 2) % 7 + 1;
        let dom = match self.day_of_month {
            DayOfMonth::Any => all,
            DayOfMonth::Days(b) => (b.0[0] as u32) & all,
            DayOfMonth::Last => 1 << dim,
            DayOfMonth::LastWeekday => {
                let d = match wd_of(dim) {
                    1 => dim - 2, // Sunday: back to Friday
                    7 => dim - 1, // Saturday: back to Friday
                    _ => dim,
                };
                1 << d
            }
            DayOfMonth::NearestWeekday(n) if n > dim => 0,
            DayOfMonth::NearestWeekday(n) => {
                let d = match wd_of(n) {
                    7 if n == 1 => 3, // Saturday the 1st: Monday the 3rd
                    7 => n - 1,
                    1 if n == dim => n - 2, // Sunday the last: Friday before
                    1 => n + 1,
                    _ => n,
                };
                1 << d
            }
        };
        let dow = match self.day_of_week {
            DayOfWeek::Any => all,
            DayOfWeek::Days(b) => (1..=dim).filter(|&d| b.contains(wd_of(d))).fold(0, |acc, d| acc | 1 << d),
            DayOfWeek::Last(wd) => {
                let last_wd = wd_of(dim);
                1 << (dim - (last_wd + 7 - wd) % 7)
            }
            DayOfWeek::Nth(wd, k) => {
                let first = 1 + (wd + 7 - first_wd) % 7;
                let d = first + 7 * (k - 1);
                if d <= dim {
                    1 << d
                } else {
                    0
                }
            }
        };
        dom & dow
    }

    /// The first fire time strictly after `t`, UTC, or `None` when there is none up to
    /// the end of year 2199.
    pub(crate) fn next_after(&self, t: Timestamp) -> Option<Timestamp> {
        // Fire times are whole minutes: start at the minute after t's minute.
        let secs = t.as_nanos() / 1_000_000_000;
        let start = CivilTime::from_timestamp(Timestamp::from_secs((secs / 60 + 1) * 60));
        self.next_civil_from(start)?.to_timestamp()
    }

    /// The first fire time strictly after `t` when the fields are read as local time
    /// in `zone`: a local time the zone skips is skipped, one it repeats fires once
    /// (at its first pass, unless `t` is already past that).
    pub(crate) fn next_after_in(&self, t: Timestamp, zone: &TimeZone) -> Option<Timestamp> {
        let mut start = next_minute(zone.local(t));
        loop {
            let c = self.next_civil_from(start)?;
            if let Some(i) = zone.first_instant_after(c, t) {
                return Some(i);
            }
            start = next_minute(c);
        }
    }

    /// The first matching civil minute at or after `start` (seconds ignored).
    pub(crate) fn next_civil_from(&self, start: CivilTime) -> Option<CivilTime> {
        if start.year > MAX_YEAR {
            return None;
        }
        let start_year = start.year.max(MIN_YEAR);
        let mut fresh = start.year < MIN_YEAR; // whether we are past the start instant
        let mut year_bit_from = year_bit(start_year);
        while let Some(yb) = self.years.next_from(year_bit_from, year_bit(MAX_YEAR)) {
            let year = MIN_YEAR + yb as i32;
            fresh |= year != start.year;
            let mut month_from = if fresh { 1 } else { start.month };
            while let Some(month) = self.months.next_from(month_from, 12) {
                fresh |= month != start.month;
                let days = self.days_of(year, month);
                let mut day = if fresh { 1 } else { start.day };
                while day <= 31 {
                    let rest = days >> day;
                    if rest == 0 {
                        break;
                    }
                    day += rest.trailing_zeros();
                    fresh |= day != start.day;
                    let mut hour_from = if fresh { 0 } else { start.hour };
                    while let Some(hour) = self.hours.next_from(hour_from, 23) {
                        fresh |= hour != start.hour;
                        let minute_from = if fresh { 0 } else { start.minute };
                        if let Some(minute) = self.minutes.next_from(minute_from, 59) {
                            return Some(CivilTime { year, month, day, hour, minute, second: 0 });
                        }
                        fresh = true;
                        hour_from = hour + 1;
                    }
                    fresh = true;
                    day += 1;
                }
                fresh = true;
                month_from = month + 1;
            }
            fresh = true;
            year_bit_from = yb + 1;
        }
        None
    }

    /// Whether `t` (a whole minute) is a fire time: the definition `next_after` is
    /// tested against.
    #[cfg(test)]
    pub(crate) fn matches(&self, t: Timestamp) -> bool {
        let c = CivilTime::from_timestamp(t);
        c.second == 0
            && (MIN_YEAR..=MAX_YEAR).contains(&c.year)
            && self.years.contains(year_bit(c.year))
            && self.months.contains(c.month)
            && self.hours.contains(c.hour)
            && self.minutes.contains(c.minute)
            && self.days_of(c.year, c.month) & (1 << c.day) != 0
    }
}
