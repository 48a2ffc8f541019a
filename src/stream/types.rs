//! Identifiers and values of the stream service: shard ids, sequence numbers,
//! starting positions, records and shard descriptions.

use std::fmt;
use std::ops::RangeInclusive;
use std::str::FromStr;
use std::sync::Arc;

use bytes::Bytes;

use super::StreamError;
use crate::clock::Timestamp;

/// A shard's id, `shardId-` followed by 12 digits, counting up from
/// `shardId-000000000000` as the stream makes shards.
///
/// ```
/// use localcloud::stream::ShardId;
/// let id: ShardId = "shardId-000000000003".parse()?;
/// assert_eq!(id.to_string(), "shardId-000000000003");
/// assert_eq!(id.index(), 3);
/// # Ok::<(), localcloud::StreamError>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ShardId(pub(crate) u32);

impl ShardId {
    /// The shard's number within its stream (the 12 digits).
    pub fn index(&self) -> u32 {
        self.0
    }
}

impl fmt::Display for ShardId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "shardId-{:012}", self.0)
    }
}

impl fmt::Debug for ShardId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl FromStr for ShardId {
    type Err = StreamError;
    fn from_str(s: &str) -> Result<Self, StreamError> {
        let digits = s.strip_prefix("shardId-").filter(|d| d.len() == 12 && d.bytes().all(|b| b.is_ascii_digit()));
        digits
            .and_then(|d| d.parse::<u32>().ok())
            .map(ShardId)
            .ok_or_else(|| StreamError::invalid(format!("shard id {s:?} must be 'shardId-' and 12 digits")))
    }
}

/// A record's sequence number: unique in its stream, strictly increasing within a
/// shard, and above every sequence number of the shard's parents. Displayed in
/// decimal, as AWS does.
///
/// ```
/// use localcloud::stream::SequenceNumber;
/// let s: SequenceNumber = "4294967296".parse()?;
/// assert_eq!(s.to_string(), "4294967296");
/// # Ok::<(), localcloud::StreamError>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SequenceNumber(pub(crate) u128);

/// The low bits of a sequence number name its shard, so a foreign one is recognised
/// without a lookup; the high bits are the stream-wide counter that orders them.
pub(crate) const SHARD_BITS: u32 = 32;

impl SequenceNumber {
    pub(crate) fn new(counter: u64, shard: u32) -> Self {
        SequenceNumber(((counter as u128) << SHARD_BITS) | shard as u128)
    }

    pub(crate) fn shard_index(self) -> u32 {
        (self.0 & u32::MAX as u128) as u32
    }

    /// The number as a `u128`.
    pub fn as_u128(&self) -> u128 {
        self.0
    }
}

impl fmt::Display for SequenceNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl fmt::Debug for SequenceNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl FromStr for SequenceNumber {
    type Err = StreamError;
    fn from_str(s: &str) -> Result<Self, StreamError> {
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(StreamError::invalid(format!("sequence number {s:?} must be decimal digits")));
        }
        s.parse::<u128>()
            .map(SequenceNumber)
            .map_err(|_| StreamError::invalid(format!("sequence number {s:?} is out of range")))
    }
}

/// Where a shard iterator starts reading.
///
/// ```
/// use localcloud::{Cloud, PutRecord, StartingPosition, StreamConfig};
/// let cloud = Cloud::builder().manual_clock().build();
/// let s = cloud.create_stream("clicks", StreamConfig::with_shards(1))?;
/// let id = *s.shards()[0].shard_id();
/// let first = s.put_record(PutRecord::new("k", "a"))?;
/// let latest = s.shard_iterator(&id, StartingPosition::Latest)?; // fixed now
/// s.put_record(PutRecord::new("k", "b"))?;
/// assert_eq!(s.get_records(&latest, 10)?.records()[0].data().as_ref(), b"b");
/// let after = s.shard_iterator(&id, StartingPosition::AfterSequenceNumber(*first.sequence_number()))?;
/// assert_eq!(s.get_records(&after, 10)?.records().len(), 1);
/// # Ok::<(), localcloud::StreamError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StartingPosition {
    /// The oldest record still within retention.
    TrimHorizon,
    /// Just after the newest record at the moment the iterator is issued: records put
    /// later are read, records put earlier are not.
    Latest,
    /// At the record with this sequence number.
    AtSequenceNumber(SequenceNumber),
    /// Just after the record with this sequence number.
    AfterSequenceNumber(SequenceNumber),
    /// At the first record that arrived at or after this time (a time before the trim
    /// horizon reads from the trim horizon).
    AtTimestamp(Timestamp),
}

/// The sequence numbers a shard spans: its start, and its end once it is closed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SequenceNumberRange {
    pub(crate) starting: SequenceNumber,
    pub(crate) ending: Option<SequenceNumber>,
}

impl SequenceNumberRange {
    /// Below every record of the shard.
    pub fn starting_sequence_number(&self) -> SequenceNumber {
        self.starting
    }

    /// Above every record of the shard; `None` while the shard is open.
    pub fn ending_sequence_number(&self) -> Option<SequenceNumber> {
        self.ending
    }
}

/// A description of one shard: its hash key range, lineage and sequence numbers.
///
/// ```
/// use localcloud::{Cloud, StreamConfig};
/// let cloud = Cloud::builder().manual_clock().build();
/// let s = cloud.create_stream("clicks", StreamConfig::with_shards(2))?;
/// let shards = s.shards();
/// assert_eq!(shards[0].shard_id().to_string(), "shardId-000000000000");
/// assert_eq!(*shards[1].hash_key_range().end(), u128::MAX);
/// assert!(shards.iter().all(|sh| sh.is_open() && sh.parent_shard_id().is_none()));
/// # Ok::<(), localcloud::StreamError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Shard {
    pub(crate) id: ShardId,
    pub(crate) start: u128,
    pub(crate) end: u128,
    pub(crate) parent: Option<ShardId>,
    pub(crate) adjacent_parent: Option<ShardId>,
    pub(crate) sequence_range: SequenceNumberRange,
}

impl Shard {
    /// The shard's id.
    pub fn shard_id(&self) -> &ShardId {
        &self.id
    }

    /// The hash keys this shard takes, both ends inclusive.
    pub fn hash_key_range(&self) -> RangeInclusive<u128> {
        self.start..=self.end
    }

    /// The shard this one was split from, or the first of the two merged into it.
    pub fn parent_shard_id(&self) -> Option<&ShardId> {
        self.parent.as_ref()
    }

    /// The second parent of a merge.
    pub fn adjacent_parent_shard_id(&self) -> Option<&ShardId> {
        self.adjacent_parent.as_ref()
    }

    /// Both parents, as far as there are any: what a reader finishes first.
    pub(crate) fn parents(&self) -> impl Iterator<Item = &ShardId> {
        self.parent.iter().chain(self.adjacent_parent.iter())
    }

    /// The sequence numbers the shard spans.
    pub fn sequence_number_range(&self) -> SequenceNumberRange {
        self.sequence_range
    }

    /// Whether new records can go to this shard (it has not been split or merged).
    pub fn is_open(&self) -> bool {
        self.sequence_range.ending.is_none()
    }
}

/// An explicit hash key as given: a number, or decimal text checked at put time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum ExplicitHashKey {
    Value(u128),
    Text(String),
}

/// A record to put: partition key, data and optional routing overrides.
///
/// ```
/// use localcloud::PutRecord;
/// let r = PutRecord::new("user-17", "clicked").explicit_hash_key(42);
/// assert_eq!(r.partition_key(), "user-17");
/// ```
#[derive(Clone, Debug)]
pub struct PutRecord {
    pub(crate) partition_key: Arc<str>,
    pub(crate) data: Bytes,
    pub(crate) explicit_hash_key: Option<ExplicitHashKey>,
    pub(crate) sequence_number_for_ordering: Option<SequenceNumber>,
}

impl PutRecord {
    /// A record routed by the MD5 of `partition_key` (1–256 characters).
    pub fn new(partition_key: impl Into<Arc<str>>, data: impl Into<Bytes>) -> Self {
        PutRecord {
            partition_key: partition_key.into(),
            data: data.into(),
            explicit_hash_key: None,
            sequence_number_for_ordering: None,
        }
    }

    /// Routes by this hash key instead of the partition key's MD5.
    pub fn explicit_hash_key(mut self, key: u128) -> Self {
        self.explicit_hash_key = Some(ExplicitHashKey::Value(key));
        self
    }

    /// Routes by this hash key, given as text as AWS takes it: decimal matching
    /// `0|([1-9]\d{0,38})` (no sign, no leading zeros) and below 2^128. Anything else
    /// (`"0123"`, `"-1"`, `"1e3"`) is rejected at put time with
    /// `InvalidArgumentException`, and nothing is written.
    ///
    /// ```
    /// use localcloud::{Cloud, PutRecord, StreamConfig};
    /// let cloud = Cloud::builder().manual_clock().build();
    /// let s = cloud.create_stream("clicks", StreamConfig::with_shards(2))?;
    /// assert!(s.put_record(PutRecord::new("k", "x").explicit_hash_key_decimal("123")).is_ok());
    /// let err = s.put_record(PutRecord::new("k", "x").explicit_hash_key_decimal("0123")).unwrap_err();
    /// assert_eq!(err.code(), "InvalidArgumentException");
    /// # Ok::<(), localcloud::StreamError>(())
    /// ```
    pub fn explicit_hash_key_decimal(mut self, key: impl Into<String>) -> Self {
        self.explicit_hash_key = Some(ExplicitHashKey::Text(key.into()));
        self
    }

    /// Asks for a sequence number above `seq` (one producer's strict order). Sequence
    /// numbers here grow monotonically across the whole stream, so any sequence number
    /// the stream handed out is already below the next one; an unissued one rejects.
    pub fn sequence_number_for_ordering(mut self, seq: SequenceNumber) -> Self {
        self.sequence_number_for_ordering = Some(seq);
        self
    }

    /// The partition key.
    pub fn partition_key(&self) -> &str {
        &self.partition_key
    }

    /// The data.
    pub fn data(&self) -> &Bytes {
        &self.data
    }
}

/// A record read from a shard. Cloning it shares the data (no copy).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    pub(crate) data: Bytes,
    pub(crate) partition_key: Arc<str>,
    pub(crate) sequence_number: SequenceNumber,
    pub(crate) arrival: Timestamp,
}

impl Record {
    /// The data as put.
    pub fn data(&self) -> &Bytes {
        &self.data
    }

    /// The partition key as put.
    pub fn partition_key(&self) -> &str {
        &self.partition_key
    }

    /// The record's sequence number.
    pub fn sequence_number(&self) -> &SequenceNumber {
        &self.sequence_number
    }

    /// When the stream took the record, on the cloud's clock.
    pub fn approximate_arrival(&self) -> Timestamp {
        self.arrival
    }

    pub(crate) fn size(&self) -> usize {
        self.data.len() + self.partition_key.len()
    }
}

/// What `put_record` answers: where the record went.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PutRecordOutput {
    pub(crate) shard_id: ShardId,
    pub(crate) sequence_number: SequenceNumber,
}

impl PutRecordOutput {
    /// The shard that took the record.
    pub fn shard_id(&self) -> &ShardId {
        &self.shard_id
    }

    /// The record's sequence number.
    pub fn sequence_number(&self) -> &SequenceNumber {
        &self.sequence_number
    }
}

/// One entry of a `put_records` answer, in request order: a shard and sequence number,
/// or an error code and message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PutRecordsResultEntry {
    pub(crate) outcome: Result<PutRecordOutput, (&'static str, String)>,
}

impl PutRecordsResultEntry {
    /// Whether the record was stored.
    pub fn is_success(&self) -> bool {
        self.outcome.is_ok()
    }

    /// The shard that took the record, on success.
    pub fn shard_id(&self) -> Option<&ShardId> {
        self.outcome.as_ref().ok().map(|o| &o.shard_id)
    }

    /// The record's sequence number, on success.
    pub fn sequence_number(&self) -> Option<&SequenceNumber> {
        self.outcome.as_ref().ok().map(|o| &o.sequence_number)
    }

    /// `ProvisionedThroughputExceededException` or `InternalFailure`, on failure.
    pub fn error_code(&self) -> Option<&'static str> {
        self.outcome.as_ref().err().map(|(code, _)| *code)
    }

    /// Why the entry failed.
    pub fn error_message(&self) -> Option<&str> {
        self.outcome.as_ref().err().map(|(_, msg)| msg.as_str())
    }
}

/// What `put_records` answers: one entry per record, in request order.
///
/// ```
/// use localcloud::{Cloud, PutRecord, StreamConfig};
/// let cloud = Cloud::builder().manual_clock().build();
/// let s = cloud.create_stream("clicks", StreamConfig::with_shards(2))?;
/// let out = s.put_records((0..3).map(|i| PutRecord::new(format!("user-{i}"), "click")))?;
/// assert_eq!(out.failed_record_count(), 0);
/// assert!(out.records().iter().all(|r| r.is_success() && r.sequence_number().is_some()));
/// # Ok::<(), localcloud::StreamError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PutRecordsOutput {
    pub(crate) failed: usize,
    pub(crate) records: Vec<PutRecordsResultEntry>,
}

impl PutRecordsOutput {
    /// How many entries failed.
    pub fn failed_record_count(&self) -> usize {
        self.failed
    }

    /// The per-record results, in request order.
    pub fn records(&self) -> &[PutRecordsResultEntry] {
        &self.records
    }
}
