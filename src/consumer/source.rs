//! What a worker reads: a Kinesis-like [`Stream`], or a table's [`ChangeStream`]
//! presented the way AWS's DynamoDB Streams Kinesis Adapter presents it to the
//! KCL, so that one worker, one lease table and one processor trait serve both.

use bytes::Bytes;

use super::ConsumerError;
use crate::shards::{Batch, Cursor, ShardRef, ShardSource, SourceError};
use crate::stream::{Record, SequenceNumber, Shard, ShardId, StartingPosition, Stream, StreamError};
use crate::table::{ChangeRecord, ChangeSequenceNumber, ChangeStream, TableError};

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
    fn source(&self) -> ShardSource;
}

impl ConsumerSource for Stream {}
impl Sealed for Stream {
    fn source(&self) -> ShardSource {
        ShardSource::Stream(self.clone())
    }
}

impl ConsumerSource for ChangeStream {}
impl Sealed for ChangeStream {
    fn source(&self) -> ShardSource {
        ShardSource::Changes(self.clone())
    }
}

impl From<ChangeSequenceNumber> for SequenceNumber {
    /// A change's sequence number as the consumer library checkpoints it.
    fn from(seq: ChangeSequenceNumber) -> Self {
        SequenceNumber(seq.0)
    }
}

impl From<SourceError> for ConsumerError {
    fn from(e: SourceError) -> Self {
        match e {
            SourceError::Stream(e) => ConsumerError::Stream(e),
            SourceError::Table(e) => ConsumerError::Table(e),
            SourceError::Mismatch(m) => ConsumerError::Validation(m.to_owned()),
        }
    }
}

/// One shard as the worker leases it: by its dense number (see [`ShardRef::number`]).
pub(crate) struct SourceShard {
    pub id: ShardId,
    pub parents: Vec<ShardId>,
    /// Whether new records still go to it.
    pub open: bool,
}

/// What opening a shard gave.
pub(crate) enum Opened {
    /// A cursor; `skipped` says records between the wanted position and the trim
    /// horizon, where reading starts instead, were trimmed unread.
    At { cursor: Cursor, skipped: Option<ConsumerError> },
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
    pub next: Option<Cursor>,
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

/// The source a worker reads, with the rules the KCL (and AWS's DynamoDB Streams
/// adapter under it) applies on top of reading.
#[derive(Clone, Debug)]
pub(crate) struct Source(pub(crate) ShardSource);

impl Source {
    pub(crate) fn name(&self) -> &str {
        self.0.name()
    }

    pub(crate) fn service(&self) -> &'static str {
        self.0.service()
    }

    pub(crate) fn as_stream(&self) -> Option<&Stream> {
        match &self.0 {
            ShardSource::Stream(s) => Some(s),
            ShardSource::Changes(_) => None,
        }
    }

    /// The shards to lease, parents before children, by their dense numbers.
    ///
    /// Errors: the stream or table is gone, or the table's stream is off.
    pub(crate) fn shards(&self) -> Result<Vec<SourceShard>, ConsumerError> {
        let mut shards: Vec<SourceShard> = self
            .0
            .list()?
            .into_iter()
            .map(|s| SourceShard {
                id: s.shard.number(),
                parents: s.parents.iter().map(ShardRef::number).collect(),
                open: s.open,
            })
            .collect();
        // Shard numbers grow as shards are made, so this puts parents first.
        shards.sort_by_key(|s| s.id);
        Ok(shards)
    }

    /// Opens the shard numbered `shard` at `at`.
    pub(crate) fn open(&self, shard: ShardId, at: StartingPosition) -> Result<Opened, ConsumerError> {
        let found = match &self.0 {
            ShardSource::Stream(_) => Some(ShardRef::Stream(shard)),
            ShardSource::Changes(_) => self.0.list()?.into_iter().map(|s| s.shard).find(|s| s.number() == shard),
        };
        // Past retention a shard leaves its source: the KCL treats a shard the
        // service no longer knows as ended.
        let Some(found) = found else { return Ok(Opened::Gone(gone(shard))) };
        match self.0.open(&found, at) {
            Ok(cursor) => Ok(Opened::At { cursor, skipped: None }),
            Err(SourceError::Stream(StreamError::ShardNotFound { .. }))
                if self.as_stream().is_some_and(Stream::exists) =>
            {
                Ok(Opened::Gone(gone(shard)))
            }
            Err(SourceError::Table(e @ TableError::TrimmedDataAccess(_))) => {
                // As AWS's adapter does by default: go on from the oldest change kept.
                let horizon = self.0.open(&found, StartingPosition::TrimHorizon)?;
                let kept_from = match &horizon {
                    Cursor::Changes(it) => it.next,
                    Cursor::Stream(_) => 0,
                };
                let lost = first_wanted(at).is_some_and(|first| kept_from > first);
                Ok(Opened::At { cursor: horizon, skipped: lost.then(|| e.into()) })
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Reads up to `limit` records (1,000 at most from a change stream).
    pub(crate) fn read(&self, cursor: &Cursor, limit: usize) -> Result<Fetched, ConsumerError> {
        let batch = self.0.read(cursor, limit)?;
        let next = batch.next();
        Ok(match batch {
            Batch::Stream(b) => Fetched {
                ended: next.is_none(),
                millis_behind_latest: b.millis_behind_latest(),
                child_shards: b.child_shards().to_vec(),
                changes: Vec::new(),
                records: b.into_records(),
                next,
            },
            Batch::Changes(out) => {
                let changes = out.into_records();
                // As Kinesis counts it: 0 once the newest change is handed out, else the
                // age of the last one handed out.
                let millis_behind_latest = match (&self.0, changes.last()) {
                    (ShardSource::Changes(c), Some(last)) if Some(last.sequence_number()) < c.newest_sequence() => {
                        c.now().saturating_duration_since(last.approximate_creation()).as_millis() as u64
                    }
                    _ => 0,
                };
                Fetched {
                    records: Vec::new(),
                    changes,
                    millis_behind_latest,
                    child_shards: Vec::new(),
                    ended: next.is_none(),
                    next,
                }
            }
        })
    }
}
