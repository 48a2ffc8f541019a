//! What a worker reads: a Kinesis-like [`Stream`], or a table's [`ChangeStream`]
//! presented the way AWS's DynamoDB Streams Kinesis Adapter presents it to the
//! KCL, so that one worker, one lease table and one processor trait serve both.

use bytes::Bytes;

use super::ConsumerError;
use crate::stream::{Record, SequenceNumber, Shard, ShardId, ShardIterator, StartingPosition, Stream, StreamError};
use crate::table::change::MAX_GET_RECORDS;
use crate::table::{ChangeIterator, ChangePosition, ChangeRecord, ChangeSequenceNumber, ChangeStream, TableError};

/// What a consumer can read: a stream ([`Stream`]) or a table's change stream
/// ([`ChangeStream`]). Pass either to [`Consumer::builder`](super::Consumer::builder).
/// Sealed: no other type implements it.
///
/// A change stream looks to the worker the way AWS's DynamoDB Streams Kinesis
/// Adapter shows it to the KCL:
/// - **shard ids**: the n-th shard the table's stream opened is leased as
///   `shardId-{n:012}`, the same for every worker, and names the shard before it
///   as its parent, so a rollover is read parent first. A table deleted and created
///   again numbers its shards from 0 again (as a re-created Kinesis stream does):
///   give its consumers a new application name or a fresh lease table;
/// - **records**: each change comes typed in
///   [`ProcessRecordsInput::changes`](super::ProcessRecordsInput::changes), and as a
///   [`Record`] whose data is the change's JSON (what the adapter's `getData()`
///   gives), whose partition key is the item key's JSON and whose sequence number
///   is the change's, so `checkpoint_at` takes either;
/// - **reads** take at most 1,000 changes (DynamoDB Streams' limit);
/// - **retention**: a checkpoint whose next change is past the 24-hour retention
///   resumes at the oldest change kept (the adapter's default,
///   `SKIP_RECORDS_TO_TRIM_HORIZON`), and a shard gone altogether counts as read to
///   its end (the KCL's rule, for streams too); both are reported as
///   [`WorkerIssue::RecordsSkipped`](super::WorkerIssue::RecordsSkipped).
///
/// ```
/// use localcloud::consumer::{Checkpointer, Consumer, ProcessRecordsInput, ShardRecordProcessor};
/// use localcloud::table::{Key, StreamViewType, TableConfig};
/// use localcloud::{item, Cloud, StartingPosition};
///
/// struct Log;
/// impl ShardRecordProcessor for Log {
///     fn process_records(&mut self, batch: &ProcessRecordsInput, cp: &mut Checkpointer) {
///         for (record, change) in batch.records().iter().zip(batch.changes()) {
///             assert_eq!(*record.sequence_number(), change.sequence_number().into());
///             let json: serde_json::Value = serde_json::from_slice(record.data()).unwrap();
///             assert_eq!(json["eventName"], "INSERT");
///         }
///         cp.checkpoint().unwrap();
///     }
///     fn shard_ended(&mut self, cp: &mut Checkpointer) {
///         cp.checkpoint().unwrap();
///     }
/// }
///
/// let cloud = Cloud::builder().manual_clock().build();
/// let t = cloud.create_table("images", TableConfig::new(Key::string("id")).stream(StreamViewType::NewImage))?;
/// t.put_item(item! {"id" => "a"}, None)?;
/// let w = Consumer::builder(&cloud, &t.stream()?, "app")
///     .initial_position(StartingPosition::TrimHorizon)
///     .processor(|| Log)
///     .build()?;
/// assert_eq!(w.run_once()?.records, 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
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
    /// Whether new records still go to it.
    pub open: bool,
}

/// A position to read from in one shard.
pub(crate) enum SourceIterator {
    Stream(ShardIterator),
    Changes(ChangeIterator),
}

/// What opening a shard gave.
pub(crate) enum Opened {
    /// An iterator; `skipped` says records between the wanted position and the
    /// trim horizon, where reading starts instead, were trimmed unread.
    At { iterator: SourceIterator, skipped: Option<ConsumerError> },
    /// The shard itself is gone (past retention): nothing more comes from it, and
    /// whatever it held after the wanted position was never read.
    Gone(ConsumerError),
}

/// One read's worth of records, however retrieved.
pub(crate) struct Fetched {
    /// The records of a stream (a change stream's are made on demand from `changes`).
    pub records: Vec<Record>,
    pub changes: Vec<ChangeRecord>,
    pub millis_behind_latest: u64,
    pub child_shards: Vec<Shard>,
    /// Whether the shard is closed and read to its end.
    pub ended: bool,
    /// Where the next read starts (`None` at the end, or when records are pushed).
    pub next: Option<SourceIterator>,
}

impl Fetched {
    /// No records; `ended` says whether the shard is done.
    pub fn empty(ended: bool) -> Self {
        Fetched {
            records: Vec::new(),
            changes: Vec::new(),
            millis_behind_latest: 0,
            child_shards: Vec::new(),
            ended,
            next: None,
        }
    }
}

fn shard_of(serial: u64) -> ShardId {
    ShardId(u32::try_from(serial).unwrap_or(u32::MAX))
}

/// The first sequence number a position asks for, when it names one.
fn first_wanted(p: StartingPosition) -> Option<u128> {
    match p {
        StartingPosition::AtSequenceNumber(s) => Some(s.0),
        StartingPosition::AfterSequenceNumber(s) => Some(s.0.saturating_add(1)),
        _ => None,
    }
}

/// A change as a stream record: the change's JSON, keyed by its item key's JSON.
pub(crate) fn as_record(change: &ChangeRecord) -> Record {
    let json = change.to_json();
    Record {
        partition_key: json["dynamodb"]["Keys"].to_string().into(),
        data: Bytes::from(json.to_string()),
        sequence_number: change.sequence_number().into(),
        arrival: change.approximate_creation(),
    }
}

fn gone(shard: ShardId) -> ConsumerError {
    ConsumerError::NotFound(format!("{shard} is past retention and gone from the source before it was read to its end"))
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

    /// The shards to lease, parents before children, each with its parents.
    ///
    /// Errors: the stream or table is gone, or the table's stream is off.
    pub(crate) fn shards(&self) -> Result<Vec<SourceShard>, ConsumerError> {
        let mut shards: Vec<SourceShard> = match self {
            Source::Stream(s) => {
                if !s.exists() {
                    return Err(StreamError::StreamNotFound { name: s.name().to_owned() }.into());
                }
                s.shards()
                    .iter()
                    .map(|s| SourceShard {
                        id: *s.shard_id(),
                        parents: s.parents().copied().collect(),
                        open: s.is_open(),
                    })
                    .collect()
            }
            Source::Changes(c) => c
                .shards()?
                .iter()
                .map(|s| SourceShard {
                    id: shard_of(s.serial),
                    parents: match s.parent_shard_id() {
                        Some(_) => vec![shard_of(s.serial.saturating_sub(1))],
                        None => Vec::new(),
                    },
                    open: s.is_open(),
                })
                .collect(),
        };
        // Shard ids grow as shards are made, so this puts parents first.
        shards.sort_by_key(|s| s.id);
        Ok(shards)
    }

    /// Opens `shard` at `at`.
    pub(crate) fn open(&self, shard: ShardId, at: StartingPosition) -> Result<Opened, ConsumerError> {
        match self {
            Source::Stream(s) => match s.shard_iterator(&shard, at) {
                Ok(it) => Ok(Opened::At { iterator: SourceIterator::Stream(it), skipped: None }),
                // Past retention a closed shard leaves the stream: the KCL treats a
                // shard the service no longer knows as ended.
                Err(StreamError::ShardNotFound { .. }) if s.exists() => Ok(Opened::Gone(gone(shard))),
                Err(e) => Err(e.into()),
            },
            Source::Changes(c) => {
                let Some(found) = c.shards()?.into_iter().find(|s| shard_of(s.serial) == shard) else {
                    return Ok(Opened::Gone(gone(shard)));
                };
                let id = found.shard_id();
                match c.shard_iterator(id, ChangePosition::from_stream_position(at)) {
                    Ok(it) => Ok(Opened::At { iterator: SourceIterator::Changes(it), skipped: None }),
                    Err(e @ TableError::TrimmedDataAccess(_)) => {
                        // As the adapter does by default: go on from the oldest change kept.
                        let horizon = c.shard_iterator(id, ChangePosition::TrimHorizon)?;
                        let lost = first_wanted(at).is_some_and(|first| horizon.next > first);
                        Ok(Opened::At { iterator: SourceIterator::Changes(horizon), skipped: lost.then(|| e.into()) })
                    }
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
                let out = c.get_records(it, limit.min(MAX_GET_RECORDS))?;
                let next = out.next_iterator().cloned().map(SourceIterator::Changes);
                let changes = out.into_records();
                // As Kinesis counts it: 0 once the newest change is handed out, else the
                // age of the last one handed out.
                let newest = c.newest_sequence();
                let millis_behind_latest = match changes.last() {
                    Some(last) if Some(last.sequence_number()) < newest => {
                        c.now().saturating_duration_since(last.approximate_creation()).as_millis() as u64
                    }
                    _ => 0,
                };
                Ok(Fetched {
                    records: Vec::new(),
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
