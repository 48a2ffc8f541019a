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
/// The open shards a new on-demand stream starts with: AWS's default on-demand write
/// capacity of 4 MB/s and 4,000 records/s.
pub const ON_DEMAND_INITIAL_SHARDS: usize = 4;

/// A stream's capacity mode (AWS `StreamModeDetails.StreamMode`).
///
/// ```
/// use localcloud::{Cloud, StreamConfig};
/// use localcloud::stream::StreamMode;
/// let cloud = Cloud::builder().manual_clock().build();
/// let s = cloud.create_stream("clicks", StreamConfig::default())?;
/// assert_eq!(s.stream_mode(), StreamMode::OnDemand);
/// assert_eq!(s.open_shards().len(), 4);
/// # Ok::<(), localcloud::StreamError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StreamMode {
    /// A fixed number of shards, changed only by `split_shard`, `merge_shards` and
    /// `update_shard_count` (AWS `PROVISIONED`).
    Provisioned,
    /// Starts with 4 shards and adds shards as the written throughput grows; the
    /// resharding calls are rejected with `ValidationException` (AWS `ON_DEMAND`).
    /// See [`StreamConfig::on_demand`].
    OnDemand,
}

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
    pub(crate) mode: StreamMode,
    pub(crate) shards: usize,
    pub(crate) retention: Duration,
    pub(crate) max_record_size: usize,
    /// `None` follows the cloud's [`throttling`](crate::CloudBuilder::throttling).
    pub(crate) enforce_limits: Option<bool>,
}

impl Default for StreamConfig {
    /// No shard count: an on-demand stream, as AWS makes for a `CreateStream` without
    /// `ShardCount` (see [`StreamConfig::on_demand`]).
    fn default() -> Self {
        StreamConfig::on_demand()
    }
}

impl StreamConfig {
    /// A provisioned stream of `n` shards (at least 1): 24 h retention, 1 MiB
    /// records, limits as the cloud's throttling setting says (off unless turned on).
    pub fn with_shards(n: usize) -> Self {
        StreamConfig {
            mode: StreamMode::Provisioned,
            shards: n,
            retention: MIN_RETENTION,
            max_record_size: DEFAULT_MAX_RECORD_SIZE,
            enforce_limits: None,
        }
    }

    /// An on-demand stream ([`StreamMode::OnDemand`]), otherwise with the same
    /// defaults as [`with_shards`](Self::with_shards). It starts with 4 open shards
    /// (AWS's default on-demand capacity, 4 MB/s and 4,000 records/s written) and
    /// adds shards as writes grow, so that it accommodates double its peak write
    /// throughput, as AWS describes:
    ///
    /// - each clock second's successful writes (records, and bytes of data plus
    ///   partition key) are summed; the peak is the highest second since creation;
    /// - at most once per minute of clock time, on a put, the stream wants
    ///   `max(4, ⌈2 × peak bytes / 1 MiB⌉, ⌈2 × peak records / 1,000⌉)` open shards
    ///   (at most 10,000), and splits its widest open shards in half (lowest hash
    ///   keys first among equals) until it has them; the put is then routed over the
    ///   new shards. Nothing runs between calls: the check compares timestamps.
    ///
    /// It never scales down (AWS does, gradually; not modelled). `split_shard`,
    /// `merge_shards` and `update_shard_count` answer `ValidationException`, as AWS
    /// does for on-demand streams.
    ///
    /// ```
    /// use localcloud::{Cloud, PutRecord, StreamConfig};
    /// use std::time::Duration;
    /// let cloud = Cloud::builder().manual_clock().build();
    /// let s = cloud.create_stream("clicks", StreamConfig::on_demand())?;
    /// // 3,000 records within one second: 6 shards would take double that.
    /// for batch in 0..6 {
    ///     s.put_records((0..500).map(|i| PutRecord::new(format!("user-{batch}-{i}"), "x")))?;
    /// }
    /// assert_eq!(s.open_shards().len(), 4);
    /// cloud.advance(Duration::from_secs(60));
    /// s.put_record(PutRecord::new("user-1", "x"))?; // the next put checks
    /// assert_eq!(s.open_shards().len(), 6);
    /// # Ok::<(), localcloud::StreamError>(())
    /// ```
    pub fn on_demand() -> Self {
        StreamConfig { mode: StreamMode::OnDemand, ..StreamConfig::with_shards(ON_DEMAND_INITIAL_SHARDS) }
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

    /// The number of shards the stream starts with (4 for an on-demand stream).
    pub fn shard_count(&self) -> usize {
        self.shards
    }

    /// The capacity mode: provisioned from [`with_shards`](Self::with_shards),
    /// on-demand from [`on_demand`](Self::on_demand) or [`Default`].
    pub fn stream_mode(&self) -> StreamMode {
        self.mode
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
