//! What readers of shards read — a stream's shards or a table's change-stream
//! shards — listed with their lineage, opened at a position and read in batches,
//! through the services' public reading APIs. Event source mappings (Lambda's
//! pollers) and consumer workers (the KCL's) both read through it, each turning
//! the batches into what it hands on.

use crate::stream::{GetRecordsOutput, ShardId, ShardIterator, StartingPosition, Stream, StreamError};
use crate::table::change::{
    ChangeIterator, ChangePosition, ChangeShardId, ChangeStream, GetChangesOutput, MAX_GET_RECORDS,
};
use crate::table::TableError;

/// A source of shards. (Public in a private module only so that the consumer's
/// sealed source trait can name it.)
#[doc(hidden)]
#[derive(Clone, Debug)]
pub enum ShardSource {
    /// A Kinesis-like stream.
    Stream(Stream),
    /// A table's change stream.
    Changes(ChangeStream),
}

/// A shard as its source names it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum ShardRef {
    Stream(ShardId),
    /// `serial`: the shard's place in the order the change stream opened its shards.
    Changes {
        id: ChangeShardId,
        serial: u64,
    },
}

impl ShardRef {
    /// The shard's id as its source writes it.
    pub(crate) fn name(&self) -> String {
        match self {
            ShardRef::Stream(s) => s.to_string(),
            ShardRef::Changes { id, .. } => id.as_str().to_owned(),
        }
    }

    /// A dense shard number, the same for every reader of the source: a stream
    /// shard's own id, or `shardId-{serial:012}` for a change shard.
    pub(crate) fn number(&self) -> ShardId {
        match self {
            ShardRef::Stream(s) => *s,
            ShardRef::Changes { serial, .. } => ShardId(u32::try_from(*serial).unwrap_or(u32::MAX)),
        }
    }
}

/// A listed shard: what it is, where it came from, whether it still takes records.
pub(crate) struct ListedShard {
    pub shard: ShardRef,
    pub parents: Vec<ShardRef>,
    pub open: bool,
}

/// A position to read from.
#[derive(Clone, Debug)]
pub(crate) enum Cursor {
    Stream(ShardIterator),
    Changes(ChangeIterator),
}

/// What one read gave, as the source gave it.
pub(crate) enum Batch {
    Stream(GetRecordsOutput),
    Changes(GetChangesOutput),
}

impl Batch {
    /// Where to read next; `None` once a closed shard is read to its end.
    pub(crate) fn next(&self) -> Option<Cursor> {
        match self {
            Batch::Stream(b) => b.next_iterator().cloned().map(Cursor::Stream),
            Batch::Changes(b) => b.next_iterator().cloned().map(Cursor::Changes),
        }
    }
}

/// A source's refusal.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub(crate) enum SourceError {
    #[error(transparent)]
    Stream(#[from] StreamError),
    #[error(transparent)]
    Table(#[from] TableError),
    /// A cursor or shard of the other kind of source.
    #[error("{0}")]
    Mismatch(&'static str),
}

impl SourceError {
    /// The AWS code.
    pub(crate) fn code(&self) -> &'static str {
        match self {
            SourceError::Stream(e) => e.code(),
            SourceError::Table(e) => e.code(),
            SourceError::Mismatch(_) => "ValidationException",
        }
    }
}

impl ShardSource {
    /// The stream's or the table's name.
    pub(crate) fn name(&self) -> &str {
        match self {
            ShardSource::Stream(s) => s.name(),
            ShardSource::Changes(c) => c.table_name(),
        }
    }

    /// The service the source belongs to, for the journal.
    pub(crate) fn service(&self) -> &'static str {
        match self {
            ShardSource::Stream(_) => "kinesis",
            ShardSource::Changes(_) => "dynamodb",
        }
    }

    /// The shards, parents before children.
    ///
    /// Errors: the stream or table is gone, or the table's stream is off.
    pub(crate) fn list(&self) -> Result<Vec<ListedShard>, SourceError> {
        match self {
            ShardSource::Stream(s) => {
                if !s.exists() {
                    return Err(StreamError::StreamNotFound { name: s.name().to_owned() }.into());
                }
                Ok(s.shards()
                    .into_iter()
                    .map(|s| ListedShard {
                        parents: s.parents().copied().map(ShardRef::Stream).collect(),
                        open: s.is_open(),
                        shard: ShardRef::Stream(*s.shard_id()),
                    })
                    .collect())
            }
            ShardSource::Changes(c) => Ok(c
                .shards()?
                .into_iter()
                .map(|s| ListedShard {
                    // A rollover's child is opened right after its parent.
                    parents: s
                        .parent_shard_id()
                        .map(|p| ShardRef::Changes { id: p.clone(), serial: s.serial.saturating_sub(1) })
                        .into_iter()
                        .collect(),
                    open: s.is_open(),
                    shard: ShardRef::Changes { id: s.shard_id().clone(), serial: s.serial },
                })
                .collect()),
        }
    }

    /// A cursor into `shard` at `at` (a change stream reads `AT_TIMESTAMP` from its
    /// trim horizon: it has no such position).
    pub(crate) fn open(&self, shard: &ShardRef, at: StartingPosition) -> Result<Cursor, SourceError> {
        match (self, shard) {
            (ShardSource::Stream(s), ShardRef::Stream(id)) => Ok(Cursor::Stream(s.shard_iterator(id, at)?)),
            (ShardSource::Changes(c), ShardRef::Changes { id, .. }) => {
                Ok(Cursor::Changes(c.shard_iterator(id, ChangePosition::from_stream_position(at))?))
            }
            _ => Err(SourceError::Mismatch("the shard is not from this source")),
        }
    }

    /// Up to `limit` records (1,000 at most from a change stream).
    pub(crate) fn read(&self, cursor: &Cursor, limit: usize) -> Result<Batch, SourceError> {
        match (self, cursor) {
            (ShardSource::Stream(s), Cursor::Stream(it)) => Ok(Batch::Stream(s.get_records(it, limit)?)),
            (ShardSource::Changes(c), Cursor::Changes(it)) => {
                Ok(Batch::Changes(c.get_records(it, limit.min(MAX_GET_RECORDS))?))
            }
            _ => Err(SourceError::Mismatch("the iterator is not from this source")),
        }
    }
}
