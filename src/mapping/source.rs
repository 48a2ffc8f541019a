//! What a stream poller needs from its source: shards with their lineage, iterators and
//! reads. Kinesis streams and table change streams both implement it through their
//! public reading APIs, so one poller serves both.

use std::sync::Arc;

use super::events::kinesis_record;
use crate::clock::Timestamp;
use crate::stream::{SequenceNumber, ShardId, ShardIterator, StartingPosition, Stream};
use crate::table::change::{ChangeIterator, ChangePosition, ChangeShardId, ChangeStream};

/// A shard, as a source names it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum ShardRef {
    Kinesis(ShardId),
    Table(ChangeShardId),
}

impl ShardRef {
    pub(crate) fn name(&self) -> String {
        match self {
            ShardRef::Kinesis(s) => s.to_string(),
            ShardRef::Table(s) => s.as_str().to_owned(),
        }
    }
}

/// A shard and the shards it came from.
pub(crate) struct SourceShard {
    pub(crate) shard: ShardRef,
    pub(crate) parents: Vec<String>,
    pub(crate) open: bool,
}

/// A position to read from.
pub(crate) enum Cursor {
    Kinesis(ShardIterator),
    Table(ChangeIterator),
}

/// Where a shard starts.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Start {
    TrimHorizon,
    Latest,
    AtTimestamp(Timestamp),
    After(u128),
}

impl Start {
    fn position(self) -> StartingPosition {
        match self {
            Start::TrimHorizon => StartingPosition::TrimHorizon,
            Start::Latest => StartingPosition::Latest,
            Start::AtTimestamp(t) => StartingPosition::AtTimestamp(t),
            Start::After(s) => StartingPosition::AfterSequenceNumber(SequenceNumber(s)),
        }
    }
}

/// One record, with what the poller needs to order, age and report it.
#[derive(Clone, Debug)]
pub(crate) struct SourceRecord {
    pub(crate) seq: u128,
    pub(crate) key: Arc<str>,
    pub(crate) arrival: Timestamp,
    pub(crate) json: Arc<str>,
}

/// A read failed; `expired` says a fresh iterator will do.
pub(crate) struct ReadError {
    pub(crate) expired: bool,
    pub(crate) message: String,
}

/// A source of shards of records.
pub(crate) trait ShardSource: Send + Sync {
    /// The key of the batch metadata in an on-failure record.
    fn batch_info_key(&self) -> &'static str;
    fn shards(&self) -> Result<Vec<SourceShard>, String>;
    fn cursor(&self, shard: &ShardRef, start: Start) -> Result<Cursor, ReadError>;
    /// Up to `limit` records and the next cursor (`None` at the end of a closed shard).
    fn read(
        &self,
        shard: &ShardRef,
        cursor: &Cursor,
        limit: usize,
    ) -> Result<(Vec<SourceRecord>, Option<Cursor>), ReadError>;
}

fn err(expired: bool, e: impl std::fmt::Display) -> ReadError {
    ReadError { expired, message: e.to_string() }
}

pub(crate) struct KinesisSource {
    pub(crate) stream: Stream,
    pub(crate) region: String,
}

impl ShardSource for KinesisSource {
    fn batch_info_key(&self) -> &'static str {
        "KinesisBatchInfo"
    }

    fn shards(&self) -> Result<Vec<SourceShard>, String> {
        if !self.stream.exists() {
            return Err(format!("stream {} does not exist", self.stream.name()));
        }
        Ok(self
            .stream
            .shards()
            .into_iter()
            .map(|s| SourceShard {
                parents: s.parents().map(ToString::to_string).collect(),
                open: s.is_open(),
                shard: ShardRef::Kinesis(*s.shard_id()),
            })
            .collect())
    }

    fn cursor(&self, shard: &ShardRef, start: Start) -> Result<Cursor, ReadError> {
        let ShardRef::Kinesis(id) = shard else { return Err(err(false, "not a stream shard")) };
        self.stream.shard_iterator(id, start.position()).map(Cursor::Kinesis).map_err(|e| err(false, e))
    }

    fn read(
        &self,
        shard: &ShardRef,
        cursor: &Cursor,
        limit: usize,
    ) -> Result<(Vec<SourceRecord>, Option<Cursor>), ReadError> {
        let (ShardRef::Kinesis(id), Cursor::Kinesis(it)) = (shard, cursor) else {
            return Err(err(false, "not a stream shard"));
        };
        let out = self.stream.get_records(it, limit).map_err(|e| err(e.code() == "ExpiredIteratorException", e))?;
        let arn = self.stream.arn();
        let records = out
            .records()
            .iter()
            .map(|r| SourceRecord {
                seq: r.sequence_number().as_u128(),
                key: r.partition_key().into(),
                arrival: r.approximate_arrival(),
                json: kinesis_record(r, id, arn, &self.region).into(),
            })
            .collect();
        Ok((records, out.next_iterator().cloned().map(Cursor::Kinesis)))
    }
}

pub(crate) struct TableSource {
    pub(crate) stream: ChangeStream,
}

impl ShardSource for TableSource {
    fn batch_info_key(&self) -> &'static str {
        "DDBStreamBatchInfo"
    }

    fn shards(&self) -> Result<Vec<SourceShard>, String> {
        Ok(self
            .stream
            .shards()
            .map_err(|e| e.to_string())?
            .into_iter()
            .map(|s| SourceShard {
                parents: s.parent_shard_id().map(|p| p.as_str().to_owned()).into_iter().collect(),
                open: s.is_open(),
                shard: ShardRef::Table(s.shard_id().clone()),
            })
            .collect())
    }

    fn cursor(&self, shard: &ShardRef, start: Start) -> Result<Cursor, ReadError> {
        let ShardRef::Table(id) = shard else { return Err(err(false, "not a table shard")) };
        let p = ChangePosition::from_stream_position(start.position());
        self.stream.shard_iterator(id, p).map(Cursor::Table).map_err(|e| err(false, e))
    }

    fn read(
        &self,
        _shard: &ShardRef,
        cursor: &Cursor,
        limit: usize,
    ) -> Result<(Vec<SourceRecord>, Option<Cursor>), ReadError> {
        let Cursor::Table(it) = cursor else { return Err(err(false, "not a table shard")) };
        let out = self
            .stream
            .get_records(it, limit.min(crate::table::change::MAX_GET_RECORDS))
            .map_err(|e| err(e.code() == "ExpiredIteratorException", e))?;
        let records = out
            .records()
            .iter()
            .map(|r| SourceRecord {
                seq: r.sequence_number().0,
                key: r.to_json()["dynamodb"]["Keys"].to_string().into(),
                arrival: r.approximate_creation(),
                json: r.to_json().to_string().into(),
            })
            .collect();
        Ok((records, out.next_iterator().cloned().map(Cursor::Table)))
    }
}
