//! [`StreamConfig`] and the service's limits, validated once at creation.

use std::time::Duration;

use super::StreamError;

/// The shortest retention period: 24 hours (also the default).
pub const MIN_RETENTION: Duration = Duration::from_secs(24 * 3600);
/// The longest retention period: 8,760 hours (365 days).
pub const MAX_RETENTION: Duration = Duration::from_secs(8_760 * 3600);
/// The default largest record (data plus partition key): 1 MiB.
pub const DEFAULT_MAX_RECORD_SIZE: usize = 1 << 20;
/// The largest record size a stream may be configured for: 10 MiB.
pub const MAX_RECORD_SIZE_LIMIT: usize = 10 << 20;
/// The most records in one `put_records` call.
pub const MAX_PUT_RECORDS_ENTRIES: usize = 500;
/// The largest `put_records` request (data plus partition keys): 10 MiB.
pub const MAX_PUT_RECORDS_SIZE: usize = 10 << 20;
/// The most records one `get_records` call returns (also its default limit).
pub const MAX_GET_RECORDS_LIMIT: usize = 10_000;
/// The most bytes one `get_records` call returns: 10 MiB.
pub const MAX_GET_RECORDS_BYTES: usize = 10 << 20;
/// How long a shard iterator stays valid: 5 minutes.
pub const ITERATOR_LIFETIME: Duration = Duration::from_secs(300);
/// The most open shards a stream may have (a guard against runaway allocations).
pub const MAX_OPEN_SHARDS: usize = 10_000;
/// The longest partition key, in characters.
pub const MAX_PARTITION_KEY_CHARS: usize = 256;

/// A stream's settings: chaining setters, checked by
/// [`Cloud::create_stream`](crate::Cloud::create_stream).
///
/// ```
/// use localcloud::StreamConfig;
/// use std::time::Duration;
/// let c = StreamConfig::with_shards(4).retention(Duration::from_secs(48 * 3600)).enforce_limits(true);
/// assert_eq!(c.shard_count(), 4);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StreamConfig {
    pub(crate) shards: usize,
    pub(crate) retention: Duration,
    pub(crate) max_record_size: usize,
    /// `None` follows the cloud's [`throttling`](crate::CloudBuilder::throttling).
    pub(crate) enforce_limits: Option<bool>,
}

impl Default for StreamConfig {
    /// One shard, 24 h retention, 1 MiB records, limits as the cloud's throttling
    /// setting says (off unless turned on).
    fn default() -> Self {
        StreamConfig::with_shards(1)
    }
}

impl StreamConfig {
    /// A stream of `n` shards (at least 1) with the default settings.
    pub fn with_shards(n: usize) -> Self {
        StreamConfig {
            shards: n,
            retention: MIN_RETENTION,
            max_record_size: DEFAULT_MAX_RECORD_SIZE,
            enforce_limits: None,
        }
    }

    /// How long records stay readable: 24–8,760 whole hours (default 24).
    pub fn retention(mut self, d: Duration) -> Self {
        self.retention = d;
        self
    }

    /// The largest record (data plus partition key) in bytes: 1 MiB–10 MiB (default 1 MiB).
    pub fn max_record_size(mut self, bytes: usize) -> Self {
        self.max_record_size = bytes;
        self
    }

    /// Turns on the per-shard throughput limits (writes 1 MiB/s and 1,000 records/s;
    /// reads 5 calls/s and 2 MiB/s), measured on the cloud's clock. Unless set here,
    /// the cloud's [`throttling`](crate::CloudBuilder::throttling) decides, and that
    /// is off by default, so tests that do not care are never throttled.
    pub fn enforce_limits(mut self, on: bool) -> Self {
        self.enforce_limits = Some(on);
        self
    }

    /// The number of shards the stream starts with.
    pub fn shard_count(&self) -> usize {
        self.shards
    }

    pub(crate) fn validate(&self) -> Result<(), StreamError> {
        if self.shards == 0 {
            return Err(StreamError::invalid("shard count must be at least 1"));
        }
        if self.shards > MAX_OPEN_SHARDS {
            return Err(StreamError::LimitExceeded(format!(
                "shard count {} exceeds the limit of {MAX_OPEN_SHARDS}",
                self.shards
            )));
        }
        check_retention(self.retention)?;
        if !(DEFAULT_MAX_RECORD_SIZE..=MAX_RECORD_SIZE_LIMIT).contains(&self.max_record_size) {
            return Err(StreamError::invalid(format!(
                "max record size {} must be between {DEFAULT_MAX_RECORD_SIZE} and {MAX_RECORD_SIZE_LIMIT} bytes",
                self.max_record_size
            )));
        }
        Ok(())
    }
}

/// Retention is set in whole hours, as AWS takes it (`RetentionPeriodHours`).
pub(crate) fn check_retention(d: Duration) -> Result<(), StreamError> {
    if d.as_nanos() % Duration::from_secs(3600).as_nanos() != 0 {
        return Err(StreamError::invalid(format!("retention period {d:?} must be a whole number of hours")));
    }
    if !(MIN_RETENTION..=MAX_RETENTION).contains(&d) {
        return Err(StreamError::invalid(format!(
            "retention period {} h must be between 24 and 8760 hours",
            d.as_secs() / 3600
        )));
    }
    Ok(())
}

/// Stream names: 1–128 characters of `[a-zA-Z0-9_.-]`.
pub(crate) fn check_name(name: &str) -> Result<(), StreamError> {
    let ok_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-');
    if name.is_empty() || name.len() > 128 || !name.chars().all(ok_char) {
        return Err(StreamError::Validation(format!(
            "stream name {name:?} must be 1 to 128 characters of a-z, A-Z, 0-9, '_', '.' and '-'"
        )));
    }
    Ok(())
}
