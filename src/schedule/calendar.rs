//! Calendar arithmetic on [`Timestamp`]s, UTC, proleptic Gregorian: leap years, days
//! in a month, weekdays, and the split of a timestamp into its civil fields.

use crate::clock::{civil_from_days, Timestamp};

/// The first year a schedule may name.
pub(crate) const MIN_YEAR: i32 = 1970;
/// The last year a schedule may name.
pub(crate) const MAX_YEAR: i32 = 2199;

const SECS_PER_DAY: u64 = 86_400;

/// Whether `year` has a 29 February.
pub(crate) fn is_leap(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

/// The number of days of `month` (1–12) in `year`.
pub(crate) fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days from 1970-01-01 to the given date (negative before it).
pub(crate) fn days_from_civil(year: i32, month: u32, day: u32) -> i64 {
    // Howard Hinnant's civil-to-days algorithm, the inverse of `civil_from_days`.
    let y = i64::from(year) - i64::from(month <= 2);
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The day of the week in the numbering of cron expressions: 1 = Sunday … 7 = Saturday.
pub(crate) fn weekday(year: i32, month: u32, day: u32) -> u32 {
    // 1970-01-01 was a Thursday (5).
    (days_from_civil(year, month, day) + 4).rem_euclid(7) as u32 + 1
}

/// A timestamp split into its UTC civil fields (sub-second part dropped).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct CivilTime {
    pub(crate) year: i32,
    pub(crate) month: u32,
    pub(crate) day: u32,
    pub(crate) hour: u32,
    pub(crate) minute: u32,
    pub(crate) second: u32,
}

impl CivilTime {
    /// The civil fields of `t`.
    pub(crate) fn from_timestamp(t: Timestamp) -> Self {
        let secs = t.as_nanos() / 1_000_000_000;
        let (y, month, day) = civil_from_days((secs / SECS_PER_DAY) as i64);
        let rem = (secs % SECS_PER_DAY) as u32;
        CivilTime { year: y as i32, month, day, hour: rem / 3600, minute: rem % 3600 / 60, second: rem % 60 }
    }

    /// The timestamp of these fields, or `None` before the epoch or past what a
    /// [`Timestamp`] holds.
    pub(crate) fn to_timestamp(self) -> Option<Timestamp> {
        let days = days_from_civil(self.year, self.month, self.day);
        let secs = u64::try_from(days)
            .ok()?
            .checked_mul(SECS_PER_DAY)?
            .checked_add(u64::from(self.hour * 3600 + self.minute * 60 + self.second))?;
        Some(Timestamp::from_nanos(secs.checked_mul(1_000_000_000)?))
    }

    /// Whether the fields name a real instant between [`MIN_YEAR`] and [`MAX_YEAR`].
    pub(crate) fn is_valid(&self) -> bool {
        (MIN_YEAR..=MAX_YEAR).contains(&self.year)
            && (1..=12).contains(&self.month)
            && (1..=days_in_month(self.year, self.month)).contains(&self.day)
            && self.hour < 24
            && self.minute < 60
            && self.second < 60
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leap_years_follow_the_gregorian_rule() {
        assert!(is_leap(2024));
        assert!(!is_leap(2023));
        assert!(!is_leap(1900));
        assert!(!is_leap(2100));
        assert!(is_leap(2000));
        assert_eq!(days_in_month(2024, 2), 29);
        assert_eq!(days_in_month(2100, 2), 28);
        assert_eq!(days_in_month(2024, 4), 30);
        assert_eq!(days_in_month(2024, 12), 31);
    }

    #[test]
    fn weekdays_count_from_sunday_as_one() {
        assert_eq!(weekday(1970, 1, 1), 5); // Thursday
        assert_eq!(weekday(2024, 1, 1), 2); // Monday
        assert_eq!(weekday(2026, 11, 30), 2); // Monday
        assert_eq!(weekday(2000, 2, 29), 3); // Tuesday
        assert_eq!(weekday(2199, 12, 31), 3); // Tuesday
    }

    #[test]
    fn civil_time_round_trips_every_day_of_two_centuries() {
        for days in 0..(days_from_civil(2200, 1, 1)) {
            let t = Timestamp::from_secs(days as u64 * SECS_PER_DAY + 3 * 3600 + 4 * 60 + 5);
            let c = CivilTime::from_timestamp(t);
            assert!(c.is_valid() || c.year == 2200);
            assert_eq!((c.hour, c.minute, c.second), (3, 4, 5));
            assert_eq!(c.to_timestamp(), Some(t));
            assert_eq!(days_from_civil(c.year, c.month, c.day), days);
        }
    }

    #[test]
    fn invalid_civil_fields_are_rejected() {
        let c = CivilTime { year: 2023, month: 2, day: 29, hour: 0, minute: 0, second: 0 };
        assert!(!c.is_valid());
        let c = CivilTime { year: 2200, month: 1, day: 1, hour: 0, minute: 0, second: 0 };
        assert!(!c.is_valid());
    }
}
