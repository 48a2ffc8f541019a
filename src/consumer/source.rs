//! What a worker reads: a Kinesis-like [`Stream`], or a table's [`ChangeStream`]
//! presented the way AWS's DynamoDB Streams Kinesis Adapter presents it to the
//! KCL, so that one worker, one lease table and one processor trait serve both.
//!
//! How a change stream looks through this door:
//! - shard ids: the n-th shard the table's stream opened is leased as
//!   `shardId-{n:012}` (every worker of the table sees the same numbering, since the
//!   stream's shard log is shared); a rollover's child names the shard before it
//!   as its parent, so parents are read to their end before children start;
//! - records: each change also comes as a [`Record`] whose data is the change's
//!   JSON (as the adapter's `getData()` gives it) and whose sequence number is the
//!   change's; [`ProcessRecordsInput::changes`](super::ProcessRecordsInput::changes)
//!   hands out the typed [`ChangeRecord`]s themselves;
//! - reads take at most 1,000 changes (DynamoDB Streams' limit);
//! - a checkpoint past the 24-hour retention resumes at the trim horizon, the
//!   adapter's default (`SKIP_RECORDS_TO_TRIM_HORIZON`), and the worker reports
//!   the skip; a shard that is gone altogether counts as read to its end, as the
//!   KCL treats a shard the service no longer knows.

use bytes::Bytes;

use super::ConsumerError;
use crate::stream::{Record, SequenceNumber, Shard, ShardId, ShardIterator, StartingPosition, Stream};
use crate::table::change::MAX_GET_RECORDS;
use crate::table::{
    item_to_json, ChangeIterator, ChangePosition, ChangeRecord, ChangeSequenceNumber, ChangeStream, TableError,
};

/// What a consumer can read: a stream ([`Stream`]) or a table's change stream
/// ([`ChangeStream`]). Pass either to [`Consumer::builder`](super::Consumer::builder).
/// Sealed: no other type implements it.
pub trait ConsumerSource: Sealed {}

/// Keeps [`ConsumerSource`] closed to other types.
pub trait Sealed {
    #[doc(hidden)]
    fn source(&self) -> Source;
}

impl ConsumerSource for Stream {}
impl Sealed for Stream {
    fn source(&self) -> Source {
        Source::Stream(self.clone())
    }
}

impl ConsumerSource for ChangeStream {}
impl Sealed for ChangeStream {
    fn source(&self) -> Source {
        Source::Changes(self.clone())
    }
}

impl From<ChangeSequenceNumber> for SequenceNumber {
    /// A change's sequence number as the consumer library checkpoints it.
    fn from(seq: ChangeSequenceNumber) -> Self {
        SequenceNumber(seq.0)
    }
}

/// The source a worker reads.
#[doc(hidden)]
#[derive(Clone, Debug)]
pub enum Source {
    /// A Kinesis-like stream.
    Stream(Stream),
    /// A table's change stream.
    Changes(ChangeStream),
}

/// One shard as the worker leases it.
pub(crate) struct SourceShard {
    pub id: ShardId,
    pub parents: Vec<ShardId>,
}

/// A position to read from in one shard.
pub(crate) enum SourceIterator {
    Stream(ShardIterator),
    Changes(ChangeIterator),
}

/// What opening a shard gave.
pub(crate) enum Opened {
    /// An iterator; `skipped` says the wanted position was trimmed and reading
    /// starts at the trim horizon instead.
    At { iterator: SourceIterator, skipped: Option<ConsumerError> },
    /// The shard no longer exists: nothing more will come from it.
    Gone,
}

/// One read's worth of records, however retrieved.
pub(crate) struct Fetched {
    pub records: Vec<Record>,
    pub changes: Vec<ChangeRecord>,
    pub millis_behind_latest: u64,
    pub child_shards: Vec<Shard>,
    /// Whether the shard is closed and read to its end.
    pub ended: bool,
    /// Where the next read starts (`None` at the end, or when records are pushed).
    pub next: Option<SourceIterator>,
}

fn shard_of(serial: u64) -> ShardId {
    ShardId(u32::try_from(serial).unwrap_or(u32::MAX))
}

fn change_position(p: StartingPosition) -> ChangePosition {
    match p {
        StartingPosition::Latest => ChangePosition::Latest,
        StartingPosition::AtSequenceNumber(s) => ChangePosition::AtSequenceNumber(ChangeSequenceNumber(s.0)),
        StartingPosition::AfterSequenceNumber(s) => ChangePosition::AfterSequenceNumber(ChangeSequenceNumber(s.0)),
        // Change streams have no AT_TIMESTAMP (the builder refuses it for them).
        StartingPosition::TrimHorizon | StartingPosition::AtTimestamp(_) => ChangePosition::TrimHorizon,
    }
}

/// A change as a stream record: the change's JSON, keyed by its item key.
fn as_record(change: &ChangeRecord) -> Record {
    Record {
        data: Bytes::from(change.to_json().to_string()),
        partition_key: item_to_json(change.keys()).to_string().into(),
        sequence_number: change.sequence_number().into(),
        arrival: change.approximate_creation(),
    }
}

impl Source {
    /// The stream's or the table's name.
    pub(crate) fn name(&self) -> &str {
        match self {
            Source::Stream(s) => s.name(),
            Source::Changes(c) => c.table_name(),
        }
    }

    /// The service the source belongs to, for the journal.
    pub(crate) fn service(&self) -> &'static str {
        match self {
            Source::Stream(_) => "kinesis",
            Source::Changes(_) => "dynamodb",
        }
    }

    pub(crate) fn as_stream(&self) -> Option<&Stream> {
        match self {
            Source::Stream(s) => Some(s),
            Source::Changes(_) => None,
        }
    }

    /// The shards to lease, each with its parents. A source that is gone lists none.
    pub(crate) fn shards(&self) -> Vec<SourceShard> {
        match self {
            Source::Stream(s) => s
                .shards()
                .iter()
                .map(|s| SourceShard {
                    id: *s.shard_id(),
                    parents: s.parent_shard_id().into_iter().chain(s.adjacent_parent_shard_id()).copied().collect(),
                })
                .collect(),
            Source::Changes(c) => c
                .shards()
                .unwrap_or_default()
                .iter()
                .map(|s| SourceShard {
                    id: shard_of(s.serial),
                    parents: match s.parent_shard_id() {
                        Some(_) => vec![shard_of(s.serial.saturating_sub(1))],
                        None => Vec::new(),
                    },
                })
                .collect(),
        }
    }

    /// Opens `shard` at `at`.
    pub(crate) fn open(&self, shard: ShardId, at: StartingPosition) -> Result<Opened, ConsumerError> {
        match self {
            Source::Stream(s) => {
                Ok(Opened::At { iterator: SourceIterator::Stream(s.shard_iterator(&shard, at)?), skipped: None })
            }
            Source::Changes(c) => {
                let Some(found) = c.shards()?.into_iter().find(|s| shard_of(s.serial) == shard) else {
                    return Ok(Opened::Gone);
                };
                let id = found.shard_id();
                match c.shard_iterator(id, change_position(at)) {
                    Ok(it) => Ok(Opened::At { iterator: SourceIterator::Changes(it), skipped: None }),
                    Err(e @ TableError::TrimmedDataAccess(_)) => Ok(Opened::At {
                        iterator: SourceIterator::Changes(c.shard_iterator(id, ChangePosition::TrimHorizon)?),
                        skipped: Some(e.into()),
                    }),
                    Err(e) => Err(e.into()),
                }
            }
        }
    }

    /// Reads up to `limit` records (1,000 at most from a change stream).
    pub(crate) fn read(&self, it: &SourceIterator, limit: usize) -> Result<Fetched, ConsumerError> {
        match (self, it) {
            (Source::Stream(s), SourceIterator::Stream(it)) => {
                let batch = s.get_records(it, limit)?;
                Ok(Fetched {
                    ended: batch.next_iterator().is_none(),
                    next: batch.next_iterator().cloned().map(SourceIterator::Stream),
                    millis_behind_latest: batch.millis_behind_latest(),
                    child_shards: batch.child_shards().to_vec(),
                    changes: Vec::new(),
                    records: batch.into_records(),
                })
            }
            (Source::Changes(c), SourceIterator::Changes(it)) => {
                let limit = limit.min(MAX_GET_RECORDS);
                let out = c.get_records(it, limit)?;
                let next = out.next_iterator().cloned().map(SourceIterator::Changes);
                let changes = out.into_records();
                // Caught up when the read stopped short of its limit; otherwise as
                // far behind as the last change handed out.
                let millis_behind_latest = match changes.last() {
                    Some(last) if changes.len() == limit => {
                        c.now().saturating_duration_since(last.approximate_creation()).as_millis() as u64
                    }
                    _ => 0,
                };
                Ok(Fetched {
                    records: changes.iter().map(as_record).collect(),
                    changes,
                    millis_behind_latest,
                    child_shards: Vec::new(),
                    ended: next.is_none(),
                    next,
                })
            }
            _ => Err(ConsumerError::Validation("the iterator is not from this source".into())),
        }
    }
}
