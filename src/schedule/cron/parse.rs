//! The parser of the cron dialect. Errors are plain messages; the caller wraps them
//! into a `ValidationException` naming the whole expression.

use super::{Bits, Cron, DayOfMonth, DayOfWeek};
use crate::schedule::calendar::{MAX_YEAR, MIN_YEAR};

const MONTHS: [&str; 12] = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const WEEKDAYS: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

/// One numeric field's name, range and value names.
struct Field {
    name: &'static str,
    min: u32,
    max: u32,
    names: &'static [&'static str],
    /// Subtracted before storing, so that years fit in [`Bits`].
    base: u32,
}

const MINUTES: Field = Field { name: "minutes", min: 0, max: 59, names: &[], base: 0 };
const HOURS: Field = Field { name: "hours", min: 0, max: 23, names: &[], base: 0 };
const DAY_OF_MONTH: Field = Field { name: "day-of-month", min: 1, max: 31, names: &[], base: 0 };
const MONTH: Field = Field { name: "month", min: 1, max: 12, names: &MONTHS, base: 0 };
const DAY_OF_WEEK: Field = Field { name: "day-of-week", min: 1, max: 7, names: &WEEKDAYS, base: 0 };
const YEAR: Field =
    Field { name: "year", min: MIN_YEAR as u32, max: MAX_YEAR as u32, names: &[], base: MIN_YEAR as u32 };

/// Parses the six fields between `cron(` and `)`.
pub(crate) fn parse_cron(body: &str) -> Result<Cron, String> {
    let fields: Vec<&str> = body.split_whitespace().collect();
    let [min, hour, dom, month, dow, year] = fields[..] else {
        return Err(format!(
            "expected 6 fields (minutes hours day-of-month month day-of-week year), found {}",
            fields.len()
        ));
    };
    let minutes = MINUTES.parse_set(min)?;
    let hours = HOURS.parse_set(hour)?;
    let day_of_month = parse_day_of_month(dom)?;
    let months = MONTH.parse_set(month)?;
    let day_of_week = parse_day_of_week(dow)?;
    let years = YEAR.parse_set(year)?;
    match (day_of_month, day_of_week) {
        (DayOfMonth::Any, DayOfWeek::Any) => {
            Err("day-of-month and day-of-week cannot both be '?': one of them must name days".into())
        }
        (DayOfMonth::Any, _) | (_, DayOfWeek::Any) => {
            Ok(Cron { minutes, hours, day_of_month, months, day_of_week, years })
        }
        _ => Err("exactly one of day-of-month and day-of-week must be '?'".into()),
    }
}

impl Field {
    /// A list of values, ranges and steps, as a set.
    fn parse_set(&self, text: &str) -> Result<Bits, String> {
        if text == "?" {
            return Err(format!("{}: '?' is allowed only in day-of-month and day-of-week", self.name));
        }
        let mut set = Bits::default();
        for item in text.split(',') {
            self.parse_item(item, &mut set)?;
        }
        Ok(set)
    }

    fn parse_item(&self, item: &str, set: &mut Bits) -> Result<(), String> {
        let name = self.name;
        if item.is_empty() {
            return Err(format!("{name}: empty list item"));
        }
        if let Some(c) = item.chars().find(|c| matches!(c, '?' | 'L' | 'W' | '#') && self.names.is_empty()) {
            return Err(format!("{name}: '{c}' is not allowed here (in {item:?})"));
        }
        let (range, step) = match item.split_once('/') {
            Some((range, step)) => (range, Some(self.parse_step(step)?)),
            None => (item, None),
        };
        let (lo, hi) = if range == "*" {
            (self.min, self.max)
        } else if let Some((a, b)) = range.split_once('-') {
            let (a, b) = (self.value(a)?, self.value(b)?);
            if a > b && self.base != 0 {
                return Err(format!("{name}: range {range:?} runs backwards"));
            }
            // A range may wrap around the field's end: hours 22-2 are 22, 23, 0, 1, 2.
            (a, b)
        } else {
            let a = self.value(range)?;
            // `a/step` runs from a to the end of the field's range.
            (a, if step.is_some() { self.max } else { a })
        };
        let step = step.unwrap_or(1);
        let span = self.max - self.min + 1;
        // Offsets from lo along the cycle min..=max, to hi.
        let length = (hi + span - lo) % span;
        let mut offset = 0;
        while offset <= length {
            set.insert((lo - self.min + offset) % span + self.min - self.base);
            offset += step;
        }
        Ok(())
    }

    fn parse_step(&self, step: &str) -> Result<u32, String> {
        match number(step) {
            Some(0) => Err(format!("{}: step must be at least 1", self.name)),
            Some(s) => Ok(s),
            None => Err(format!("{}: step {step:?} is not a positive integer", self.name)),
        }
    }

    /// One value: a number in range or (month, day-of-week) a three-letter name.
    fn value(&self, text: &str) -> Result<u32, String> {
        let v = match number(text) {
            Some(v) => v,
            None => match self.names.iter().position(|n| n.eq_ignore_ascii_case(text)) {
                Some(i) => self.min + i as u32,
                None if self.names.is_empty() => {
                    return Err(format!("{}: {text:?} is not a number", self.name));
                }
                None => {
                    return Err(format!(
                        "{}: {text:?} is neither a number nor one of {}",
                        self.name,
                        self.names.join(",")
                    ));
                }
            },
        };
        if v < self.min || v > self.max {
            return Err(format!("{}: {v} is out of range {}-{}", self.name, self.min, self.max));
        }
        Ok(v)
    }
}

/// A decimal number of at most 4 digits (no sign, no spaces).
fn number(text: &str) -> Option<u32> {
    if text.is_empty() || text.len() > 4 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

fn parse_day_of_month(text: &str) -> Result<DayOfMonth, String> {
    let name = DAY_OF_MONTH.name;
    match text {
        "?" => return Ok(DayOfMonth::Any),
        "L" => return Ok(DayOfMonth::Last),
        "LW" => return Ok(DayOfMonth::LastWeekday),
        _ => {}
    }
    if let Some(day) = text.strip_suffix('W') {
        if day.contains([',', '-', '/', '*', 'L', 'W']) {
            return Err(format!("{name}: 'W' takes a single day, as in 15W (got {text:?})"));
        }
        return Ok(DayOfMonth::NearestWeekday(DAY_OF_MONTH.value(day)?));
    }
    if text.contains('L') || text.contains('W') {
        return Err(format!("{name}: 'L' and 'W' stand alone (L, LW or nW), not in lists or ranges (got {text:?})"));
    }
    if text.contains('#') {
        return Err(format!("{name}: '#' is allowed only in day-of-week"));
    }
    if text.contains('?') {
        return Err(format!("{name}: '?' stands alone"));
    }
    Ok(DayOfMonth::Days(DAY_OF_MONTH.parse_set(text)?))
}

fn parse_day_of_week(text: &str) -> Result<DayOfWeek, String> {
    let name = DAY_OF_WEEK.name;
    match text {
        "?" => return Ok(DayOfWeek::Any),
        // `L` alone: the last day of the week, Saturday.
        "L" => {
            let mut b = Bits::default();
            b.insert(7);
            return Ok(DayOfWeek::Days(b));
        }
        _ => {}
    }
    if text.contains('W') && !text.to_ascii_uppercase().contains("WED") {
        return Err(format!("{name}: 'W' is allowed only in day-of-month"));
    }
    if text.matches('#').count() > 1 {
        return Err(format!("{name}: only one '#' is allowed"));
    }
    if let Some((day, nth)) = text.split_once('#') {
        if day.contains([',', '-', '/', '*']) || nth.contains([',', '-', '/', '*']) {
            return Err(format!("{name}: '#' takes one day and one index, as in 3#2 (got {text:?})"));
        }
        let day = DAY_OF_WEEK.value(day)?;
        return match number(nth) {
            Some(k @ 1..=5) => Ok(DayOfWeek::Nth(day, k)),
            _ => Err(format!("{name}: the index after '#' must be 1-5 (got {nth:?})")),
        };
    }
    if let Some(day) = text.strip_suffix('L') {
        if day.contains([',', '-', '/', '*', 'L']) {
            return Err(format!("{name}: 'L' takes a single day, as in 5L (got {text:?})"));
        }
        return Ok(DayOfWeek::Last(DAY_OF_WEEK.value(day)?));
    }
    if text.contains('L') {
        return Err(format!("{name}: 'L' stands alone or follows one day, as in 5L (got {text:?})"));
    }
    if text.contains('?') {
        return Err(format!("{name}: '?' stands alone"));
    }
    Ok(DayOfWeek::Days(DAY_OF_WEEK.parse_set(text)?))
}
