//! Per-shard throughput limits on the cloud's clock: leaky buckets that drain at the
//! limit's rate, so a burst up to the per-second limit passes and the rest waits.

use super::types::ShardId;
use super::StreamError;
use crate::clock::Timestamp;

/// Write limit per shard: bytes per second.
pub const WRITE_BYTES_PER_SEC: u64 = 1 << 20;
/// Write limit per shard: records per second.
pub const WRITE_RECORDS_PER_SEC: u64 = 1_000;
/// Read limit per shard: `get_records` calls per second.
pub const READ_CALLS_PER_SEC: u64 = 5;
/// Read limit per shard: bytes per second.
pub const READ_BYTES_PER_SEC: u64 = 2 << 20;

const NANOS: u128 = 1_000_000_000;

/// A leaky bucket measured in unit-nanoseconds so draining is exact integer math.
#[derive(Debug, Default)]
struct Bucket {
    level: u128,
    last: Timestamp,
}

impl Bucket {
    fn drain(&mut self, now: Timestamp, rate: u64) {
        let elapsed = (now - self.last).as_nanos();
        self.level = self.level.saturating_sub(elapsed.saturating_mul(rate as u128));
        self.last = self.last.max(now);
    }

    /// Whether `cost` more fits under `cap`; a single request larger than the cap
    /// passes only into an empty bucket (and leaves a debt).
    fn fits(&self, cost: u64, cap: u64) -> bool {
        self.level == 0 || self.level + cost as u128 * NANOS <= cap as u128 * NANOS
    }

    fn has_room(&self, cap: u64) -> bool {
        self.level < cap as u128 * NANOS
    }

    fn add(&mut self, cost: u64) {
        self.level = self.level.saturating_add(cost as u128 * NANOS);
    }
}

/// The four buckets of one shard.
#[derive(Debug, Default)]
pub(crate) struct ShardLimits {
    write_bytes: Bucket,
    write_records: Bucket,
    read_calls: Bucket,
    read_bytes: Bucket,
}

impl ShardLimits {
    /// Admits one record of `size` bytes, or says which limit it would break.
    pub(crate) fn admit_write(&mut self, shard: ShardId, size: usize, now: Timestamp) -> Result<(), StreamError> {
        self.write_records.drain(now, WRITE_RECORDS_PER_SEC);
        self.write_bytes.drain(now, WRITE_BYTES_PER_SEC);
        if !self.write_records.fits(1, WRITE_RECORDS_PER_SEC) {
            return Err(StreamError::ProvisionedThroughputExceeded { shard, limit: "1000 records/s written" });
        }
        if !self.write_bytes.fits(size as u64, WRITE_BYTES_PER_SEC) {
            return Err(StreamError::ProvisionedThroughputExceeded { shard, limit: "1 MiB/s written" });
        }
        self.write_records.add(1);
        self.write_bytes.add(size as u64);
        Ok(())
    }

    /// Admits one `get_records` call; its bytes are charged after the read by
    /// [`charge_read`](Self::charge_read), since only then is the size known.
    pub(crate) fn admit_read(&mut self, shard: ShardId, now: Timestamp) -> Result<(), StreamError> {
        self.read_calls.drain(now, READ_CALLS_PER_SEC);
        self.read_bytes.drain(now, READ_BYTES_PER_SEC);
        if !self.read_calls.fits(1, READ_CALLS_PER_SEC) {
            return Err(StreamError::ProvisionedThroughputExceeded { shard, limit: "5 get_records calls/s" });
        }
        if !self.read_bytes.has_room(READ_BYTES_PER_SEC) {
            return Err(StreamError::ProvisionedThroughputExceeded { shard, limit: "2 MiB/s read" });
        }
        self.read_calls.add(1);
        Ok(())
    }

    pub(crate) fn charge_read(&mut self, bytes: usize) {
        self.read_bytes.add(bytes as u64);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn records_per_second_refill_over_time() {
        let mut l = ShardLimits::default();
        let t = Timestamp::from_secs(100);
        for _ in 0..1000 {
            l.admit_write(ShardId(0), 1, t).unwrap();
        }
        assert!(l.admit_write(ShardId(0), 1, t).is_err());
        assert!(l.admit_write(ShardId(0), 1, t + Duration::from_millis(1)).is_ok());
    }

    #[test]
    fn oversized_read_leaves_a_debt() {
        let mut l = ShardLimits::default();
        let t = Timestamp::from_secs(100);
        l.admit_read(ShardId(0), t).unwrap();
        l.charge_read(10 << 20);
        assert!(l.admit_read(ShardId(0), t + Duration::from_secs(4)).is_err());
        assert!(l.admit_read(ShardId(0), t + Duration::from_secs(5)).is_ok());
    }
}
