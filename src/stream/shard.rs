//! One shard: its fixed description and its append-only log of records.

use std::collections::VecDeque;
use std::time::Duration;

use parking_lot::{Mutex, RwLock};

use super::limits::ShardLimits;
use super::types::{Record, SequenceNumber, SequenceNumberRange, Shard, ShardId};
use super::StreamError;
use crate::clock::Timestamp;

/// A shard: what never changes after creation, plus its log behind a lock.
pub(crate) struct ShardCell {
    pub(crate) id: ShardId,
    pub(crate) start: u128,
    pub(crate) end: u128,
    pub(crate) parent: Option<ShardId>,
    pub(crate) adjacent_parent: Option<ShardId>,
    pub(crate) starting: SequenceNumber,
    pub(crate) log: RwLock<ShardLog>,
    /// Touched only when limits are enforced, so reads can share the log's read lock.
    pub(crate) limits: Mutex<ShardLimits>,
}

/// The records of a shard, oldest first, in sequence-number and arrival order.
pub(crate) struct ShardLog {
    pub(crate) records: VecDeque<Record>,
    /// The newest sequence number used in this shard (its start when empty), kept even
    /// after the records expire, so LATEST and sequence-number checks still work.
    pub(crate) last_seq: SequenceNumber,
    pub(crate) last_arrival: Timestamp,
    /// The newest sequence number dropped by retention: a number at or below it may
    /// have been a record, so it is accepted and reads from the trim horizon.
    pub(crate) trimmed_through: Option<SequenceNumber>,
    pub(crate) ending: Option<SequenceNumber>,
    pub(crate) closed_at: Option<Timestamp>,
    /// Set once the shard is closed and past retention: it stays gone even if
    /// retention grows later.
    pub(crate) expired: bool,
    pub(crate) children: Vec<ShardId>,
}

/// Records that arrived at or before the returned time have expired.
pub(crate) fn expiry_horizon(now: Timestamp, retention: Duration) -> Option<Timestamp> {
    let keep = u64::try_from(retention.as_nanos()).ok()?;
    now.as_nanos().checked_sub(keep).map(Timestamp::from_nanos)
}

impl ShardCell {
    pub(crate) fn new(
        id: ShardId,
        (start, end): (u128, u128),
        parents: (Option<ShardId>, Option<ShardId>),
        starting: SequenceNumber,
        now: Timestamp,
    ) -> Self {
        ShardCell {
            id,
            start,
            end,
            parent: parents.0,
            adjacent_parent: parents.1,
            starting,
            log: RwLock::new(ShardLog {
                records: VecDeque::new(),
                last_seq: starting,
                last_arrival: now,
                trimmed_through: None,
                ending: None,
                closed_at: None,
                expired: false,
                children: Vec::new(),
            }),
            limits: Mutex::new(ShardLimits::default()),
        }
    }

    pub(crate) fn describe(&self) -> Shard {
        Shard {
            id: self.id,
            start: self.start,
            end: self.end,
            parent: self.parent,
            adjacent_parent: self.adjacent_parent,
            sequence_range: SequenceNumberRange { starting: self.starting, ending: self.log.read().ending },
        }
    }

    /// Whether the shard is closed and every record it could hold has expired.
    pub(crate) fn is_gone(&self, now: Timestamp, retention: Duration) -> bool {
        self.log.read().is_gone(expiry_horizon(now, retention))
    }
}

impl ShardLog {
    fn is_gone(&self, horizon: Option<Timestamp>) -> bool {
        self.expired || self.closed_at.zip(horizon).is_some_and(|(closed, h)| closed <= h)
    }

    /// Drops expired records and, once a closed shard is past retention, marks it
    /// gone for good.
    pub(crate) fn expire(&mut self, horizon: Option<Timestamp>) {
        self.trim(horizon);
        self.expired = self.is_gone(horizon);
    }

    /// Index of the first record that has not expired.
    pub(crate) fn live_start(&self, horizon: Option<Timestamp>) -> usize {
        match horizon {
            Some(h) => self.records.partition_point(|r| r.arrival <= h),
            None => 0,
        }
    }

    /// Index of the first record at or above `seq` that has not expired.
    pub(crate) fn index_of(&self, seq: u128, horizon: Option<Timestamp>) -> usize {
        self.records.partition_point(|r| r.sequence_number.0 < seq).max(self.live_start(horizon))
    }

    /// Drops expired records from the front (cheap: usually one comparison).
    pub(crate) fn trim(&mut self, horizon: Option<Timestamp>) {
        if let Some(h) = horizon {
            while self.records.front().is_some_and(|r| r.arrival <= h) {
                self.trimmed_through = self.records.pop_front().map(|r| r.sequence_number);
            }
        }
    }

    /// Rejects a sequence number that was never a record of this shard: it must be
    /// the shard's starting sequence number (below every record, so reading at or
    /// after it starts at the first record, as AWS does), a kept record's, or at or
    /// below the newest one retention dropped (those cannot be told apart from
    /// never-issued ones any more; they read from the trim horizon).
    pub(crate) fn check_known(&self, cell: &ShardCell, seq: SequenceNumber) -> Result<(), StreamError> {
        let trimmed =
            seq.shard_index() == cell.id.0 && seq > cell.starting && self.trimmed_through.is_some_and(|t| seq <= t);
        let known = seq == cell.starting || self.records.binary_search_by(|r| r.sequence_number.cmp(&seq)).is_ok();
        if trimmed || known {
            return Ok(());
        }
        Err(StreamError::invalid(format!("sequence number {seq} is not a record of shard {} in this stream", cell.id)))
    }
}
