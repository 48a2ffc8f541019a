//! Time: the [`Clock`] trait, the real [`SystemClock`] and the test [`ManualClock`].
//!
//! Every timeout, delay, retention period and schedule in the crate reads the clock
//! of its [`Cloud`](crate::Cloud). This module is the only place that reads the
//! operating system's time.

use std::fmt;
use std::ops::{Add, Sub};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// A point in time: nanoseconds since the Unix epoch, UTC.
///
/// Timestamps come from a [`Clock`]; they are plain values, cheap to copy and
/// compare. `Display` prints ISO-8601 with milliseconds, as AWS does
/// (`2024-01-01T00:00:00.000Z`).
///
/// ```
/// use localcloud::Timestamp;
/// use std::time::Duration;
/// let t = Timestamp::from_millis(1_704_067_200_000);
/// assert_eq!(t.to_string(), "2024-01-01T00:00:00.000Z");
/// assert_eq!((t + Duration::from_secs(1)).as_millis(), 1_704_067_201_000);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Timestamp(u64);

impl Timestamp {
    /// The Unix epoch.
    pub const EPOCH: Timestamp = Timestamp(0);

    /// A timestamp `nanos` nanoseconds after the epoch.
    pub const fn from_nanos(nanos: u64) -> Self {
        Timestamp(nanos)
    }

    /// A timestamp `millis` milliseconds after the epoch.
    pub const fn from_millis(millis: u64) -> Self {
        Timestamp(millis.saturating_mul(1_000_000))
    }

    /// A timestamp `secs` seconds after the epoch.
    pub const fn from_secs(secs: u64) -> Self {
        Timestamp(secs.saturating_mul(1_000_000_000))
    }

    /// Nanoseconds since the epoch.
    pub const fn as_nanos(self) -> u64 {
        self.0
    }

    /// Whole milliseconds since the epoch (AWS's `SentTimestamp` unit).
    pub const fn as_millis(self) -> u64 {
        self.0 / 1_000_000
    }

    /// Seconds since the epoch as a float (Kinesis' `approximateArrivalTimestamp` unit).
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / 1e9
    }

    /// The time elapsed from `earlier` to `self`, or zero when `earlier` is later.
    pub fn saturating_duration_since(self, earlier: Timestamp) -> Duration {
        Duration::from_nanos(self.0.saturating_sub(earlier.0))
    }

    /// `self + d`, saturating at the largest timestamp.
    pub fn saturating_add(self, d: Duration) -> Timestamp {
        Timestamp(self.0.saturating_add(duration_nanos(d)))
    }

    /// `self - d`, saturating at the epoch.
    pub fn saturating_sub(self, d: Duration) -> Timestamp {
        Timestamp(self.0.saturating_sub(duration_nanos(d)))
    }

    /// The same instant as a [`SystemTime`].
    pub fn to_system_time(self) -> SystemTime {
        UNIX_EPOCH + Duration::from_nanos(self.0)
    }

    /// The timestamp of a [`SystemTime`]; times before the epoch become the epoch.
    pub fn from_system_time(t: SystemTime) -> Self {
        Timestamp(duration_nanos(t.duration_since(UNIX_EPOCH).unwrap_or_default()))
    }
}

fn duration_nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

impl Add<Duration> for Timestamp {
    type Output = Timestamp;
    fn add(self, d: Duration) -> Timestamp {
        self.saturating_add(d)
    }
}

impl Sub<Duration> for Timestamp {
    type Output = Timestamp;
    fn sub(self, d: Duration) -> Timestamp {
        self.saturating_sub(d)
    }
}

impl Sub<Timestamp> for Timestamp {
    type Output = Duration;
    fn sub(self, earlier: Timestamp) -> Duration {
        self.saturating_duration_since(earlier)
    }
}

impl fmt::Debug for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Timestamp({self})")
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let millis = self.as_millis();
        let secs = millis / 1000;
        let (y, mo, d) = civil_from_days((secs / 86_400) as i64);
        let rem = secs % 86_400;
        write!(
            f,
            "{y:04}-{mo:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z",
            rem / 3600,
            rem % 3600 / 60,
            rem % 60,
            millis % 1000
        )
    }
}

/// Converts days since 1970-01-01 to (year, month, day) in the proleptic Gregorian calendar.
pub(crate) fn civil_from_days(z: i64) -> (i64, u32, u32) {
    // Howard Hinnant's days-to-civil algorithm.
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// A source of time for a [`Cloud`](crate::Cloud).
///
/// Implemented by [`SystemClock`] (real time) and [`ManualClock`] (moves only when told).
pub trait Clock: Send + Sync + fmt::Debug + 'static {
    /// The current time.
    fn now(&self) -> Timestamp;

    /// This clock as a [`ManualClock`], when it is one.
    fn as_manual(&self) -> Option<&ManualClock> {
        None
    }
}

/// The real clock: wall time at creation, then advanced by a monotonic timer, so it
/// never goes backwards even when the system time is adjusted.
#[derive(Debug)]
pub struct SystemClock {
    base: Timestamp,
    started: Instant,
}

impl SystemClock {
    /// A clock reading the system's time.
    pub fn new() -> Self {
        SystemClock { base: Timestamp::from_system_time(SystemTime::now()), started: Instant::now() }
    }
}

impl Default for SystemClock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        self.base + self.started.elapsed()
    }
}

/// A clock that stands still until told to move: the heart of deterministic tests.
///
/// It starts at [`ManualClock::DEFAULT_START`] (2024-01-01T00:00:00Z) unless given
/// another instant. Prefer [`Cloud::advance`](crate::Cloud::advance) to
/// [`ManualClock::advance`]: the cloud's version also runs the work that falls due.
///
/// ```
/// use localcloud::{Clock, ManualClock};
/// use std::time::Duration;
/// let clock = ManualClock::new();
/// let t0 = clock.now();
/// clock.advance(Duration::from_secs(5));
/// assert_eq!(clock.now() - t0, Duration::from_secs(5));
/// ```
#[derive(Debug)]
pub struct ManualClock {
    nanos: AtomicU64,
}

impl ManualClock {
    /// Where a new manual clock starts: 2024-01-01T00:00:00Z.
    pub const DEFAULT_START: Timestamp = Timestamp::from_secs(1_704_067_200);

    /// A manual clock at [`ManualClock::DEFAULT_START`].
    pub fn new() -> Self {
        Self::starting_at(Self::DEFAULT_START)
    }

    /// A manual clock at `start`.
    pub fn starting_at(start: Timestamp) -> Self {
        ManualClock { nanos: AtomicU64::new(start.as_nanos()) }
    }

    /// Moves the clock forward by `d`.
    pub fn advance(&self, d: Duration) {
        self.nanos.fetch_add(duration_nanos(d), Ordering::SeqCst);
    }

    /// Moves the clock to `t`; a time in the past is ignored (the clock never goes back).
    pub fn set(&self, t: Timestamp) {
        self.nanos.fetch_max(t.as_nanos(), Ordering::SeqCst);
    }
}

impl Default for ManualClock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        Timestamp(self.nanos.load(Ordering::SeqCst))
    }

    fn as_manual(&self) -> Option<&ManualClock> {
        Some(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_8601_with_millis() {
        assert_eq!(Timestamp::EPOCH.to_string(), "1970-01-01T00:00:00.000Z");
        assert_eq!(Timestamp::from_millis(951_782_400_123).to_string(), "2000-02-29T00:00:00.123Z");
        assert_eq!(Timestamp::from_secs(4_102_444_799).to_string(), "2099-12-31T23:59:59.000Z");
    }

    #[test]
    fn manual_clock_never_goes_back() {
        let c = ManualClock::new();
        c.set(Timestamp::EPOCH);
        assert_eq!(c.now(), ManualClock::DEFAULT_START);
    }

    #[test]
    fn arithmetic_saturates() {
        assert_eq!(Timestamp::EPOCH - Duration::from_secs(1), Timestamp::EPOCH);
        assert_eq!(Timestamp::EPOCH - Timestamp::from_secs(1), Duration::ZERO);
    }
}
