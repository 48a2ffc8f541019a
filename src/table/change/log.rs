//! The change log behind a table's stream: shards that roll over on the clock with
//! their lineage, 24-hour retention, iterators and reads.

use std::collections::VecDeque;
use std::fmt;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use rand::rngs::SmallRng;
use rand::RngCore;

use super::record::{ChangeRecord, ChangeSequenceNumber, EventId, EventName, RecordInner, UserIdentity};
use crate::clock::Timestamp;
use crate::table::error::TableError;
use crate::table::key::{Schema, StoreKey, StreamViewType};
use crate::table::value::{item_size, Item};

/// How long a change record stays readable.
pub const RETENTION: Duration = Duration::from_secs(24 * 3600);
/// How long a shard iterator stays valid.
pub const ITERATOR_LIFETIME: Duration = Duration::from_secs(15 * 60);
/// Most records one `get_records` call may ask for.
pub const MAX_GET_RECORDS: usize = 1000;
/// Sequence numbers start here, so they print with 21 digits as DynamoDB's do.
const FIRST_SEQ: u128 = 100_000_000_000_000_000_000;

/// A change stream shard's id, such as `shardId-00000001704067200000-1a2b3c4d`.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ChangeShardId(Arc<str>);

impl ChangeShardId {
    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ChangeShardId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for ChangeShardId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", &*self.0)
    }
}

/// A snapshot of one shard of a change stream: its id, its parent (the shard it
/// followed) and its sequence number range.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChangeShard {
    /// The shard's place in the order the stream opened its shards (0, 1, 2, …):
    /// a rollover's child is opened right after its parent, so its parent is
    /// `serial - 1`.
    pub(crate) serial: u64,
    id: ChangeShardId,
    parent: Option<ChangeShardId>,
    start: ChangeSequenceNumber,
    end: Option<ChangeSequenceNumber>,
    open: bool,
}

impl ChangeShard {
    /// The shard's id.
    pub fn shard_id(&self) -> &ChangeShardId {
        &self.id
    }
    /// The shard this one followed, if any: read it to its end first.
    pub fn parent_shard_id(&self) -> Option<&ChangeShardId> {
        self.parent.as_ref()
    }
    /// The first sequence number the shard may hold.
    pub fn starting_sequence_number(&self) -> ChangeSequenceNumber {
        self.start
    }
    /// The last sequence number it holds, once closed (`None` while open or if it closed empty).
    pub fn ending_sequence_number(&self) -> Option<ChangeSequenceNumber> {
        self.end
    }
    /// Whether new records still go to this shard.
    pub fn is_open(&self) -> bool {
        self.open
    }
}

/// Where a shard iterator starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChangePosition {
    /// The oldest record still retained.
    TrimHorizon,
    /// After the newest record: only changes written from now on.
    Latest,
    /// At this record.
    AtSequenceNumber(ChangeSequenceNumber),
    /// Just after this record.
    AfterSequenceNumber(ChangeSequenceNumber),
}

impl ChangePosition {
    /// The change-stream position for a stream position, for readers that serve
    /// both: change streams have no `AT_TIMESTAMP`, so that (like `TRIM_HORIZON`)
    /// reads from the oldest change kept.
    pub(crate) fn from_stream_position(p: crate::stream::StartingPosition) -> Self {
        use crate::stream::StartingPosition as S;
        match p {
            S::Latest => ChangePosition::Latest,
            S::AtSequenceNumber(s) => ChangePosition::AtSequenceNumber(ChangeSequenceNumber(s.as_u128())),
            S::AfterSequenceNumber(s) => ChangePosition::AfterSequenceNumber(ChangeSequenceNumber(s.as_u128())),
            S::TrimHorizon | S::AtTimestamp(_) => ChangePosition::TrimHorizon,
        }
    }
}

/// A position in one shard of a change stream, valid for 15 minutes.
#[derive(Clone, PartialEq, Eq)]
pub struct ChangeIterator {
    pub(crate) stream: u64,
    pub(crate) serial: u64,
    pub(crate) next: u128,
    pub(crate) issued: Timestamp,
}

impl fmt::Debug for ChangeIterator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ChangeIterator({self})")
    }
}

impl fmt::Display for ChangeIterator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:x}:{}:{}:{}", self.stream, self.serial, self.next, self.issued.as_nanos())
    }
}

struct ShardLog {
    serial: u64,
    id: ChangeShardId,
    parent: Option<ChangeShardId>,
    opened: Timestamp,
    closed: Option<Timestamp>,
    start_seq: u128,
    /// One past the last sequence number, once closed.
    end_seq: u128,
    /// Records below this sequence number were trimmed.
    trim_seq: u128,
    records: VecDeque<ChangeRecord>,
}

pub(crate) struct ChangeLog {
    pub(crate) view: StreamViewType,
    /// The table's key schema, shared by every record to name its key attributes.
    schema: Arc<Schema>,
    pub(crate) arn: Arc<str>,
    pub(crate) uid: u64,
    region: Arc<str>,
    rollover: Duration,
    next_seq: u128,
    next_serial: u64,
    shards: VecDeque<ShardLog>,
    rng: SmallRng,
}

impl ChangeLog {
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        view: StreamViewType,
        schema: Arc<Schema>,
        arn: String,
        uid: u64,
        region: &str,
        rollover: Duration,
        now: Timestamp,
        rng: SmallRng,
    ) -> Self {
        let mut log = ChangeLog {
            view,
            schema,
            arn: arn.into(),
            uid,
            region: region.into(),
            rollover,
            next_seq: FIRST_SEQ,
            next_serial: 0,
            shards: VecDeque::new(),
            rng,
        };
        log.open_shard(now, None);
        log
    }

    fn open_shard(&mut self, at: Timestamp, parent: Option<ChangeShardId>) {
        let id = ChangeShardId(format!("shardId-{:020}-{:08x}", at.as_millis(), self.rng.next_u32()).into());
        self.shards.push_back(ShardLog {
            serial: self.next_serial,
            id,
            parent,
            opened: at,
            closed: None,
            start_seq: self.next_seq,
            end_seq: u128::MAX,
            trim_seq: self.next_seq,
            records: VecDeque::new(),
        });
        self.next_serial += 1;
    }

    /// Rolls shards over and trims expired records and shards, as of `now`.
    pub(crate) fn maintain(&mut self, now: Timestamp) {
        let mut steps = 0;
        while let Some(cur) = self.shards.back_mut() {
            let due = cur.opened + self.rollover;
            if now < due {
                break;
            }
            cur.closed = Some(due);
            cur.end_seq = self.next_seq;
            let parent = cur.id.clone();
            // After a long jump of the clock, open the child at the last boundary
            // instead of a run of empty shards that would be trimmed at once.
            let open_at = if steps >= 8 {
                let periods = (now - due).as_nanos() / self.rollover.as_nanos().max(1);
                due + Duration::from_nanos((periods * self.rollover.as_nanos()) as u64)
            } else {
                due
            };
            self.open_shard(open_at, Some(parent));
            steps += 1;
        }
        for s in self.shards.iter_mut() {
            while s.records.front().is_some_and(|r| r.0.created + RETENTION <= now) {
                if let Some(r) = s.records.pop_front() {
                    s.trim_seq = r.0.seq.0 + 1;
                }
            }
        }
        while self.shards.len() > 1
            && self
                .shards
                .front()
                .is_some_and(|s| s.records.is_empty() && s.closed.is_some_and(|c| c + RETENTION <= now))
        {
            self.shards.pop_front();
        }
    }

    /// Appends one change; the caller ran [`maintain`](Self::maintain) for `now`.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn append(
        &mut self,
        now: Timestamp,
        event_name: EventName,
        key: StoreKey,
        new_image: Option<Arc<Item>>,
        old_image: Option<Arc<Item>>,
        user_identity: Option<UserIdentity>,
    ) {
        let seq = self.next_seq;
        self.next_seq += 1;
        let size = item_size(&self.schema.key_item(&key))
            + new_image.as_deref().map_or(0, item_size)
            + old_image.as_deref().map_or(0, item_size);
        let record = ChangeRecord(Arc::new(RecordInner {
            event_id: EventId::new(self.rng.next_u64(), self.rng.next_u64()),
            event_name,
            seq: ChangeSequenceNumber(seq),
            created: now,
            key,
            schema: Arc::clone(&self.schema),
            keys: OnceLock::new(),
            new_image,
            old_image,
            size,
            view: self.view,
            region: Arc::clone(&self.region),
            source_arn: Arc::clone(&self.arn),
            user_identity,
        }));
        if let Some(s) = self.shards.back_mut() {
            s.records.push_back(record);
        }
    }

    /// The sequence number of the newest change, if any was written.
    pub(crate) fn newest_sequence(&self) -> Option<u128> {
        (self.next_seq > FIRST_SEQ).then(|| self.next_seq - 1)
    }

    pub(crate) fn shards(&self) -> Vec<ChangeShard> {
        self.shards
            .iter()
            .map(|s| ChangeShard {
                serial: s.serial,
                id: s.id.clone(),
                parent: s.parent.clone(),
                start: ChangeSequenceNumber(s.start_seq),
                end: (s.closed.is_some() && s.end_seq > s.start_seq).then(|| ChangeSequenceNumber(s.end_seq - 1)),
                open: s.closed.is_none(),
            })
            .collect()
    }

    fn shard_by_id(&self, id: &ChangeShardId) -> Result<&ShardLog, TableError> {
        self.shards
            .iter()
            .find(|s| &s.id == id)
            .ok_or_else(|| TableError::ResourceNotFound(format!("shard {id} not found in stream {}", self.arn)))
    }

    fn end_of(&self, s: &ShardLog) -> u128 {
        if s.closed.is_some() {
            s.end_seq
        } else {
            self.next_seq
        }
    }

    pub(crate) fn iterator(
        &self,
        shard: &ChangeShardId,
        position: ChangePosition,
        now: Timestamp,
    ) -> Result<ChangeIterator, TableError> {
        let s = self.shard_by_id(shard)?;
        let end = self.end_of(s);
        let check = |seq: ChangeSequenceNumber| {
            if seq.0 < s.trim_seq && seq.0 >= s.start_seq {
                Err(TableError::TrimmedDataAccess(format!("sequence number {seq} is beyond the trim horizon")))
            } else if seq.0 < s.start_seq || seq.0 >= end {
                Err(TableError::validation(format!("sequence number {seq} is not in shard {shard}")))
            } else {
                Ok(seq.0)
            }
        };
        let next = match position {
            ChangePosition::TrimHorizon => s.trim_seq,
            ChangePosition::Latest => end,
            ChangePosition::AtSequenceNumber(seq) => check(seq)?,
            ChangePosition::AfterSequenceNumber(seq) => check(seq)? + 1,
        };
        Ok(ChangeIterator { stream: self.uid, serial: s.serial, next, issued: now })
    }

    pub(crate) fn get_records(
        &self,
        it: &ChangeIterator,
        limit: usize,
        now: Timestamp,
    ) -> Result<(Vec<ChangeRecord>, Option<ChangeIterator>), TableError> {
        if it.stream != self.uid {
            return Err(TableError::validation("invalid shard iterator: not from this stream"));
        }
        let age = now.saturating_duration_since(it.issued);
        if age > ITERATOR_LIFETIME {
            return Err(TableError::ExpiredIterator { age_ms: age.as_millis() as u64 });
        }
        if limit > MAX_GET_RECORDS {
            return Err(TableError::LimitExceeded(format!("limit {limit} is above {MAX_GET_RECORDS}")));
        }
        if limit == 0 {
            return Err(TableError::validation("limit must be at least 1"));
        }
        let first = self.shards.front().map_or(0, |s| s.serial);
        if it.serial < first {
            return Err(TableError::TrimmedDataAccess("the iterator's shard is past the trim horizon".into()));
        }
        let s = self
            .shards
            .get((it.serial - first) as usize)
            .ok_or_else(|| TableError::ResourceNotFound("the iterator's shard does not exist".into()))?;
        if it.next < s.trim_seq {
            return Err(TableError::TrimmedDataAccess(format!(
                "the iterator points to sequence number {} beyond the trim horizon",
                it.next
            )));
        }
        let from = s.records.partition_point(|r| r.0.seq.0 < it.next);
        let records: Vec<ChangeRecord> = s.records.iter().skip(from).take(limit).cloned().collect();
        let next = records.last().map_or(it.next, |r| r.0.seq.0 + 1);
        let next_it = if s.closed.is_some() && next >= s.end_seq {
            None
        } else {
            Some(ChangeIterator { stream: self.uid, serial: it.serial, next, issued: now })
        };
        Ok((records, next_it))
    }
}
