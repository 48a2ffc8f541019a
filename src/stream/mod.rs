//! Streams (Kinesis Data Streams): shards over the 128-bit hash key space, ordered
//! records with sequence numbers, expiring shard iterators, resharding with lineage,
//! retention and per-shard throughput limits.
//!
//! ```
//! use localcloud::{Cloud, PutRecord, StartingPosition, StreamConfig};
//!
//! let cloud = Cloud::builder().manual_clock().build();
//! let s = cloud.create_stream("clicks", StreamConfig::with_shards(2))?;
//! let put = s.put_record(PutRecord::new("user-1", "home"))?;
//! let it = s.shard_iterator(put.shard_id(), StartingPosition::TrimHorizon)?;
//! let out = s.get_records(&it, 100)?;
//! assert_eq!(out.records()[0].data().as_ref(), b"home");
//! assert_eq!(out.millis_behind_latest(), 0);
//! # Ok::<(), localcloud::StreamError>(())
//! ```

mod config;
mod error;
mod hash;
mod iterator;
mod limits;
mod metadata;
mod on_demand;
mod ops;
mod reshard;
mod shard;
mod types;

use std::collections::{BTreeMap, VecDeque};
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use parking_lot::{Mutex, RwLock};

pub use config::{
    StreamConfig, StreamMode, DEFAULT_MAX_RECORD_SIZE, ITERATOR_LIFETIME, MAX_GET_RECORDS_BYTES, MAX_GET_RECORDS_LIMIT,
    MAX_OPEN_SHARDS, MAX_PARTITION_KEY_CHARS, MAX_PUT_RECORDS_ENTRIES, MAX_PUT_RECORDS_SIZE, MAX_RECORD_SIZE_LIMIT,
    MAX_RETENTION, MIN_RETENTION, ON_DEMAND_INITIAL_SHARDS,
};
pub use error::StreamError;
pub use iterator::{GetRecordsOutput, ShardIterator};
pub use limits::{READ_BYTES_PER_SEC, READ_CALLS_PER_SEC, WRITE_BYTES_PER_SEC, WRITE_RECORDS_PER_SEC};
pub use metadata::MAX_STREAM_TAGS;
pub use on_demand::ON_DEMAND_SCALING_INTERVAL;
pub use reshard::MAX_SCALINGS_PER_DAY;
pub use types::{
    PutRecord, PutRecordOutput, PutRecordsOutput, PutRecordsResultEntry, Record, SequenceNumber, SequenceNumberRange,
    Shard, ShardId, StartingPosition,
};

use crate::clock::{Clock, Timestamp};
use crate::cloud::Cloud;
use crate::metrics::MetricSource;
use on_demand::Throughput;
use shard::ShardCell;

/// The CloudWatch namespace of stream metrics.
pub const NAMESPACE: &str = "AWS/Kinesis";

/// Running totals behind the stream's CloudWatch metrics; atomics so that puts on
/// different shards never share a lock.
#[derive(Default)]
struct Counters {
    incoming_records: AtomicU64,
    incoming_bytes: AtomicU64,
    get_records_records: AtomicU64,
    iterator_age_ms: AtomicU64,
    write_exceeded: AtomicU64,
    read_exceeded: AtomicU64,
}

pub(crate) struct StreamShared {
    name: String,
    arn: String,
    /// The stream's number in its cloud (1 for the first stream made): written into
    /// its iterators, so an iterator of a deleted stream never reads a new stream of
    /// the same name.
    uid: u64,
    /// Keys the tag of every shard iterator this stream issues; derived from the
    /// cloud's seed with MD5, so it is the same in every process and Rust release.
    secret: u64,
    clock: Arc<dyn Clock>,
    /// The stream-wide counter behind sequence numbers; drawn under the shard's write
    /// lock, so order within a shard follows order of the draws.
    next_seq: AtomicU64,
    state: RwLock<StreamState>,
    counters: Counters,
    iterators_issued: AtomicU64,
    mode: StreamMode,
    /// Written throughput, kept only by on-demand streams (provisioned puts skip it).
    throughput: Option<Mutex<Throughput>>,
    journal: Arc<crate::journal::Journal>,
    /// Tags and the creation time.
    metadata: metadata::Metadata,
}

/// An open shard's place in the key space, for routing by binary search.
#[derive(Clone, Copy, Debug)]
struct OpenShard {
    start: u128,
    end: u128,
    index: usize,
}

pub(crate) struct StreamState {
    deleted: bool,
    retention: Duration,
    max_record_size: usize,
    enforce_limits: bool,
    /// Every shard ever made, indexed by its number.
    shards: Vec<Arc<ShardCell>>,
    /// The open shards, sorted by range start; they tile the key space.
    open: Vec<OpenShard>,
    /// When `update_shard_count` ran, for the 10-per-24-hours limit.
    scalings: VecDeque<Timestamp>,
}

impl StreamShared {
    fn draw_seq(&self, shard: ShardId) -> SequenceNumber {
        SequenceNumber::new(self.next_seq.fetch_add(1, Ordering::Relaxed), shard.0)
    }

    /// The stream's uid and a fresh serial for the next iterator.
    fn iterator_ids(&self) -> (u64, u64) {
        (self.uid, self.iterators_issued.fetch_add(1, Ordering::Relaxed))
    }

    fn not_found(&self) -> StreamError {
        StreamError::StreamNotFound { name: self.name.clone() }
    }
}

impl StreamState {
    fn check_live(&self, shared: &StreamShared) -> Result<(), StreamError> {
        if self.deleted {
            Err(shared.not_found())
        } else {
            Ok(())
        }
    }

    /// The shard called `id`, unless it never existed or has closed and expired.
    fn cell(&self, shared: &StreamShared, id: &ShardId, now: Timestamp) -> Result<&Arc<ShardCell>, StreamError> {
        self.shards
            .get(id.0 as usize)
            .filter(|c| !c.is_gone(now, self.retention))
            .ok_or_else(|| StreamError::ShardNotFound { stream: shared.name.clone(), shard: *id })
    }

    /// Drops every expired record of every shard, open or closed, and marks closed
    /// shards past retention gone, so a longer retention later cannot revive them.
    fn trim_all(&self, now: Timestamp) {
        let horizon = shard::expiry_horizon(now, self.retention);
        for cell in &self.shards {
            cell.log.write().expire(horizon);
        }
    }

    /// The open shard whose inclusive range holds `hash`.
    fn route(&self, hash: u128) -> Result<&Arc<ShardCell>, StreamError> {
        let i = self.open.partition_point(|o| o.start <= hash);
        i.checked_sub(1)
            .and_then(|i| self.open.get(i))
            .filter(|o| hash <= o.end)
            .and_then(|o| self.shards.get(o.index))
            .ok_or_else(|| StreamError::invalid(format!("no open shard holds hash key {hash}")))
    }
}

/// A handle to one stream. Cheap to clone, `Send + Sync`; every clone sees the same
/// shards. Operations on a deleted stream return `ResourceNotFoundException`.
///
/// ```
/// use localcloud::{Cloud, PutRecord, StreamConfig};
/// let cloud = Cloud::builder().manual_clock().build();
/// let s = cloud.create_stream("orders", StreamConfig::with_shards(4))?;
/// let a = s.put_record(PutRecord::new("customer-9", "first"))?;
/// let b = s.put_record(PutRecord::new("customer-9", "second"))?;
/// assert_eq!(a.shard_id(), b.shard_id()); // same key, same shard
/// assert!(a.sequence_number() < b.sequence_number());
/// # Ok::<(), localcloud::StreamError>(())
/// ```
#[derive(Clone)]
pub struct Stream {
    pub(crate) shared: Arc<StreamShared>,
}

impl fmt::Debug for Stream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let st = self.shared.state.read();
        f.debug_struct("Stream")
            .field("arn", &self.shared.arn)
            .field("mode", &self.shared.mode)
            .field("deleted", &st.deleted)
            .field("open_shards", &st.open.len())
            .field("retention", &st.retention)
            .finish()
    }
}

impl Stream {
    /// The stream's name.
    pub fn name(&self) -> &str {
        &self.shared.name
    }

    /// The stream's ARN, `arn:aws:kinesis:{region}:{account}:stream/{name}`.
    pub fn arn(&self) -> &str {
        &self.shared.arn
    }

    /// Whether the stream still exists.
    pub fn exists(&self) -> bool {
        !self.shared.state.read().deleted
    }

    /// Whether two handles refer to the same stream (not merely the same name).
    pub fn same_stream(&self, other: &Stream) -> bool {
        Arc::ptr_eq(&self.shared, &other.shared)
    }

    /// The capacity mode: [`StreamMode::OnDemand`] for a stream made from
    /// [`StreamConfig::on_demand`] (or the default config), else provisioned.
    pub fn stream_mode(&self) -> StreamMode {
        self.shared.mode
    }

    /// How long records stay readable.
    pub fn retention(&self) -> Duration {
        self.shared.state.read().retention
    }

    /// Every shard still listed: the open ones and the closed ones whose records may
    /// not all have expired, in shard-id order. Empty once the stream is deleted.
    pub fn shards(&self) -> Vec<Shard> {
        let now = self.shared.clock.now();
        let st = self.shared.state.read();
        if st.deleted {
            return Vec::new();
        }
        st.shards.iter().filter(|c| !c.is_gone(now, st.retention)).map(|c| c.describe()).collect()
    }

    /// The open shards, in hash-key order.
    pub fn open_shards(&self) -> Vec<Shard> {
        let st = self.shared.state.read();
        st.open.iter().filter_map(|o| st.shards.get(o.index)).map(|c| c.describe()).collect()
    }

    /// One shard's description.
    pub fn shard(&self, id: &ShardId) -> Result<Shard, StreamError> {
        let now = self.shared.clock.now();
        let st = self.shared.state.read();
        st.check_live(&self.shared)?;
        Ok(st.cell(&self.shared, id, now)?.describe())
    }
}

impl MetricSource for StreamShared {
    fn sample(&self, out: &mut Vec<(&'static str, f64)>) {
        let c = &self.counters;
        let get = |a: &AtomicU64| a.load(Ordering::Relaxed) as f64;
        out.extend([
            ("IncomingRecords", get(&c.incoming_records)),
            ("IncomingBytes", get(&c.incoming_bytes)),
            ("GetRecords.Records", get(&c.get_records_records)),
            ("GetRecords.IteratorAgeMilliseconds", get(&c.iterator_age_ms)),
            ("WriteProvisionedThroughputExceeded", get(&c.write_exceeded)),
            ("ReadProvisionedThroughputExceeded", get(&c.read_exceeded)),
            ("OpenShardCount", self.state.read().open.len() as f64),
        ]);
    }
}

/// The streams of one cloud, by name (held as a per-cloud service).
#[derive(Default)]
struct StreamRegistry {
    streams: Mutex<BTreeMap<String, Stream>>,
    /// How many streams this cloud has made; counted under the `streams` lock, so
    /// the same program numbers its streams the same way in every run.
    created: AtomicU64,
}

impl crate::service::Service for StreamRegistry {}

impl Cloud {
    /// Creates a stream of `config.shard_count()` shards splitting the hash key space
    /// evenly: provisioned ([`StreamConfig::with_shards`]), or on-demand with 4 shards
    /// that grow with the written throughput ([`StreamConfig::on_demand`], also the
    /// default, as AWS makes a stream created without a shard count).
    ///
    /// Errors: `ValidationException` for a bad name, `InvalidArgumentException` for a
    /// bad setting, `ResourceInUseException` when the name is taken.
    pub fn create_stream(&self, name: &str, config: StreamConfig) -> Result<Stream, StreamError> {
        config::check_name(name)?;
        config.validate()?;
        let registry = self.service::<StreamRegistry>();
        let mut streams = registry.streams.lock();
        if streams.contains_key(name) {
            return Err(StreamError::ResourceInUse(format!("stream {name:?} already exists")));
        }
        let now = self.now();
        let uid = registry.created.fetch_add(1, Ordering::Relaxed) + 1;
        let shared = Arc::new(StreamShared {
            name: name.to_owned(),
            arn: self.arn("kinesis", &format!("stream/{name}")),
            uid,
            secret: hash::iterator_secret(self.seed(), uid, name),
            clock: self.clock(),
            next_seq: AtomicU64::new(1),
            state: RwLock::new(StreamState {
                deleted: false,
                retention: config.retention,
                max_record_size: config.max_record_size,
                enforce_limits: config.enforce_limits.unwrap_or_else(|| self.throttling()),
                shards: Vec::new(),
                open: Vec::new(),
                scalings: VecDeque::new(),
            }),
            counters: Counters::default(),
            iterators_issued: AtomicU64::new(0),
            mode: config.mode,
            journal: self.journal_handle(),
            throughput: (config.mode == StreamMode::OnDemand).then(|| Mutex::new(Throughput::new(now))),
            metadata: metadata::Metadata::new(now),
        });
        {
            let mut st = shared.state.write();
            let children: Vec<_> = hash::even_ranges(config.shards).into_iter().map(|r| (r, None, None)).collect();
            reshard::spawn(&shared, &mut st, &children, now);
        }
        self.metrics().register(NAMESPACE, name, &shared);
        let stream = Stream { shared };
        streams.insert(name.to_owned(), stream.clone());
        Ok(stream)
    }

    /// The stream called `name`.
    pub fn stream(&self, name: &str) -> Result<Stream, StreamError> {
        self.service::<StreamRegistry>()
            .streams
            .lock()
            .get(name)
            .cloned()
            .ok_or_else(|| StreamError::StreamNotFound { name: name.to_owned() })
    }

    /// Deletes a stream and its records; handles to it then fail with
    /// `ResourceNotFoundException`. The name may be used again at once.
    pub fn delete_stream(&self, name: &str) -> Result<(), StreamError> {
        let stream = self
            .service::<StreamRegistry>()
            .streams
            .lock()
            .remove(name)
            .ok_or_else(|| StreamError::StreamNotFound { name: name.to_owned() })?;
        {
            let mut st = stream.shared.state.write();
            st.deleted = true;
            st.open.clear();
            st.shards.clear();
        }
        self.metrics().unregister(NAMESPACE, name);
        Ok(())
    }

    /// Every stream, sorted by name.
    pub fn list_streams(&self) -> Vec<Stream> {
        self.service::<StreamRegistry>().streams.lock().values().cloned().collect()
    }
}
