//! What a stream poller needs from its source: the shards with their lineage, and
//! the records as a Lambda event carries them. The reading itself is the crate's
//! shared shard reader ([`crate::shards`]), so one poller serves Kinesis streams
//! and table change streams.

use std::sync::Arc;

use super::events::kinesis_record;
use crate::clock::Timestamp;
use crate::shards::{Batch, ShardSource};
pub(crate) use crate::shards::{Cursor, ShardRef};
use crate::stream::{SequenceNumber, StartingPosition};

/// A shard and the names of the shards it came from.
pub(crate) struct SourceShard {
    pub(crate) shard: ShardRef,
    pub(crate) parents: Vec<String>,
    pub(crate) open: bool,
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

fn err(expired: bool, e: impl std::fmt::Display) -> ReadError {
    ReadError { expired, message: e.to_string() }
}

/// A stream mapping's source, and the region its events name.
pub(crate) struct PollSource {
    pub(crate) shards: ShardSource,
    pub(crate) region: String,
}

impl PollSource {
    /// The key of the batch metadata in an on-failure record.
    pub(crate) fn batch_info_key(&self) -> &'static str {
        match self.shards {
            ShardSource::Stream(_) => "KinesisBatchInfo",
            ShardSource::Changes(_) => "DDBStreamBatchInfo",
        }
    }

    pub(crate) fn shards(&self) -> Result<Vec<SourceShard>, String> {
        let listed = self.shards.list().map_err(|e| e.to_string())?;
        Ok(listed
            .into_iter()
            .map(|s| SourceShard {
                parents: s.parents.iter().map(ShardRef::name).collect(),
                open: s.open,
                shard: s.shard,
            })
            .collect())
    }

    pub(crate) fn cursor(&self, shard: &ShardRef, start: Start) -> Result<Cursor, ReadError> {
        self.shards.open(shard, start.position()).map_err(|e| err(false, e))
    }

    /// Up to `limit` records and the next cursor (`None` at the end of a closed shard).
    pub(crate) fn read(
        &self,
        shard: &ShardRef,
        cursor: &Cursor,
        limit: usize,
    ) -> Result<(Vec<SourceRecord>, Option<Cursor>), ReadError> {
        let batch = self.shards.read(cursor, limit).map_err(|e| err(e.code() == "ExpiredIteratorException", e))?;
        let next = batch.next();
        let records = match (&batch, &self.shards, shard) {
            (Batch::Stream(out), ShardSource::Stream(stream), ShardRef::Stream(id)) => {
                let arn = stream.arn();
                out.records()
                    .iter()
                    .map(|r| SourceRecord {
                        seq: r.sequence_number().as_u128(),
                        key: r.partition_key().into(),
                        arrival: r.approximate_arrival(),
                        json: kinesis_record(r, id, arn, &self.region).into(),
                    })
                    .collect()
            }
            (Batch::Changes(out), _, _) => out
                .records()
                .iter()
                .map(|r| {
                    let json = r.to_json();
                    SourceRecord {
                        seq: r.sequence_number().0,
                        key: json["dynamodb"]["Keys"].to_string().into(),
                        arrival: r.approximate_creation(),
                        json: json.to_string().into(),
                    }
                })
                .collect(),
            _ => return Err(err(false, "the shard is not from this source")),
        };
        Ok((records, next))
    }
}
