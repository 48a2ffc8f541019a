//! On-demand capacity: the written throughput an on-demand stream has seen, and the
//! open shard count that accommodates double its peak. Checked lazily on puts by
//! comparing timestamps; no timer runs.

use std::time::Duration;

use super::config::{MAX_OPEN_SHARDS, ON_DEMAND_INITIAL_SHARDS};
use super::limits::{WRITE_BYTES_PER_SEC, WRITE_RECORDS_PER_SEC};
use crate::clock::Timestamp;

/// How often, at most, an on-demand stream reconsiders its shard count.
pub const ON_DEMAND_SCALING_INTERVAL: Duration = Duration::from_secs(60);

const NANOS_PER_SEC: u64 = 1_000_000_000;

/// Writes per clock second and their peak, for one on-demand stream.
#[derive(Debug)]
pub(crate) struct Throughput {
    /// The clock second (whole seconds since the epoch) being summed.
    second: u64,
    records: u64,
    bytes: u64,
    peak_records: u64,
    peak_bytes: u64,
    /// When the shard count was last reconsidered (creation at first).
    last_check: Timestamp,
}

impl Throughput {
    pub(crate) fn new(now: Timestamp) -> Self {
        Throughput {
            second: now.as_nanos() / NANOS_PER_SEC,
            records: 0,
            bytes: 0,
            peak_records: 0,
            peak_bytes: 0,
            last_check: now,
        }
    }

    /// Counts successful writes made at `now`.
    pub(crate) fn record(&mut self, now: Timestamp, records: u64, bytes: u64) {
        let second = now.as_nanos() / NANOS_PER_SEC;
        if second != self.second {
            (self.second, self.records, self.bytes) = (second, 0, 0);
        }
        self.records = self.records.saturating_add(records);
        self.bytes = self.bytes.saturating_add(bytes);
        self.peak_records = self.peak_records.max(self.records);
        self.peak_bytes = self.peak_bytes.max(self.bytes);
    }

    /// The open shard count the stream should have, when a check is due at `now`
    /// (one interval after the last); `None` between checks.
    pub(crate) fn due_target(&mut self, now: Timestamp) -> Option<usize> {
        if now < self.last_check + ON_DEMAND_SCALING_INTERVAL {
            return None;
        }
        self.last_check = now;
        Some(target_shards(self.peak_records, self.peak_bytes))
    }
}

/// `max(4, ⌈2 × peak bytes / 1 MiB⌉, ⌈2 × peak records / 1,000⌉)`, at most 10,000:
/// enough shards for double the peak written in one second.
pub(crate) fn target_shards(peak_records: u64, peak_bytes: u64) -> usize {
    let by_records = peak_records.saturating_mul(2).div_ceil(WRITE_RECORDS_PER_SEC);
    let by_bytes = peak_bytes.saturating_mul(2).div_ceil(WRITE_BYTES_PER_SEC);
    let wanted = usize::try_from(by_records.max(by_bytes)).unwrap_or(usize::MAX);
    wanted.clamp(ON_DEMAND_INITIAL_SHARDS, MAX_OPEN_SHARDS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quiet_streams_keep_four_shards() {
        assert_eq!(target_shards(0, 0), 4);
        assert_eq!(target_shards(2_000, 2 << 20), 4);
    }

    #[test]
    fn the_target_doubles_the_busier_of_records_and_bytes() {
        assert_eq!(target_shards(2_001, 0), 5);
        assert_eq!(target_shards(3_000, 0), 6);
        assert_eq!(target_shards(10, 5 << 20), 10);
        assert_eq!(target_shards(u64::MAX, u64::MAX), MAX_OPEN_SHARDS);
    }

    #[test]
    fn the_peak_is_the_busiest_clock_second() {
        let t = Timestamp::from_secs(100);
        let mut tp = Throughput::new(t);
        tp.record(t, 1_500, 10);
        tp.record(t + Duration::from_millis(999), 1_500, 10);
        tp.record(t + Duration::from_secs(1), 100, 10);
        assert_eq!((tp.peak_records, tp.peak_bytes), (3_000, 20));
    }

    #[test]
    fn checks_are_due_once_per_interval() {
        let t = Timestamp::from_secs(100);
        let mut tp = Throughput::new(t);
        assert_eq!(tp.due_target(t + Duration::from_secs(59)), None);
        assert_eq!(tp.due_target(t + Duration::from_secs(60)), Some(4));
        assert_eq!(tp.due_target(t + Duration::from_secs(119)), None);
        assert_eq!(tp.due_target(t + Duration::from_secs(120)), Some(4));
    }
}
