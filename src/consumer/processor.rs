//! What a consumer application implements ([`ShardRecordProcessor`]), what it is
//! handed ([`ProcessRecordsInput`], [`Checkpointer`]) and the lifecycle it goes
//! through ([`ConsumerState`], [`ShutdownReason`]).

use std::fmt;
use std::sync::{Arc, OnceLock};

use super::source::{as_record, Fetched};
use super::{ConsumerError, ExtendedSequenceNumber, Lease, LeaseTable};
use crate::clock::Clock;
use crate::journal::{Journal, JournalEntry};
use crate::stream::{Record, SequenceNumber, Shard, ShardId};
use crate::table::ChangeRecord;

/// The application's code for one shard. A worker makes a fresh one per shard lease
/// it takes and calls it from one thread at a time, never under a lock.
///
/// `shard_ended` must checkpoint (`cp.checkpoint()` checkpoints `SHARD_END` there):
/// until the shard's lease holds `SHARD_END`, the children of a split or merge are
/// not processed, and the worker reports why in its
/// [`status`](super::Worker::status).
///
/// A panic in any method is caught and reported; after one in `process_records` the
/// records are read again from the last checkpoint.
pub trait ShardRecordProcessor: Send {
    /// Called once before the first batch, with the checkpoint reading resumes after.
    fn initialize(&mut self, shard: &ShardId, from: &ExtendedSequenceNumber) {
        let _ = (shard, from);
    }

    /// A batch of records, in sequence order. Checkpoint through `cp` when they are
    /// safely handled; records after the last checkpoint are processed again by
    /// whoever holds the lease next.
    fn process_records(&mut self, batch: &ProcessRecordsInput, cp: &mut Checkpointer);

    /// The lease went to another worker (or expired): stop; checkpointing is not
    /// possible any more.
    fn lease_lost(&mut self) {}

    /// Every record of the closed shard was processed: checkpoint `SHARD_END` so that
    /// the child shards can start.
    fn shard_ended(&mut self, cp: &mut Checkpointer);

    /// The worker is shutting down gracefully: a last chance to checkpoint.
    fn shutdown_requested(&mut self, cp: &mut Checkpointer) {
        let _ = cp;
    }
}

/// A batch of records from one shard.
#[derive(Clone, Debug)]
pub struct ProcessRecordsInput {
    shard_id: ShardId,
    /// Set at once from a stream; made from `changes` on first use from a table.
    records: OnceLock<Vec<Record>>,
    millis_behind_latest: u64,
    child_shards: Vec<Shard>,
    changes: Vec<ChangeRecord>,
    at_shard_end: bool,
}

impl ProcessRecordsInput {
    pub(crate) fn new(shard_id: ShardId, f: Fetched) -> Self {
        ProcessRecordsInput {
            shard_id,
            // Rendering a change as JSON is most of a change's cost: only on demand.
            records: if f.changes.is_empty() { OnceLock::from(f.records) } else { OnceLock::new() },
            millis_behind_latest: f.millis_behind_latest,
            child_shards: f.child_shards,
            changes: f.changes,
            at_shard_end: f.ended,
        }
    }

    /// How many records the batch holds.
    pub(crate) fn len(&self) -> usize {
        match self.changes.len() {
            0 => self.records().len(),
            n => n,
        }
    }

    /// The last record's sequence number.
    pub(crate) fn last_sequence_number(&self) -> Option<SequenceNumber> {
        match self.changes.last() {
            Some(c) => Some(c.sequence_number().into()),
            None => self.records().last().map(|r| *r.sequence_number()),
        }
    }

    /// The shard the records come from.
    pub fn shard_id(&self) -> &ShardId {
        &self.shard_id
    }

    /// The records, in sequence order. From a table's change stream, each is the
    /// change's JSON (the shape [`ChangeRecord::to_json`] gives) with the change's
    /// sequence number; [`changes`](Self::changes) has the typed changes.
    pub fn records(&self) -> &[Record] {
        self.records.get_or_init(|| self.changes.iter().map(as_record).collect())
    }

    /// The typed changes, in order, when the worker reads a table's change stream
    /// (empty when it reads a stream): `changes()[i]` is `records()[i]`.
    pub fn changes(&self) -> &[ChangeRecord] {
        &self.changes
    }

    /// How far the last record is behind the shard's newest, in milliseconds.
    pub fn millis_behind_latest(&self) -> u64 {
        self.millis_behind_latest
    }

    /// The child shards, when this is the last batch of a closed shard of a stream
    /// (always empty from a table's change stream, whose shards have no hash ranges).
    pub fn child_shards(&self) -> &[Shard] {
        &self.child_shards
    }

    /// Whether this is the last batch of a closed shard.
    pub fn is_at_shard_end(&self) -> bool {
        self.at_shard_end
    }
}

/// Why a shard's processing ends. Ranked `Requested < ShardEnd < LeaseLost`: a
/// processor's reason only moves up (a lost lease overrides everything, since
/// nothing may be checkpointed any more).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ShutdownReason {
    /// The worker is shutting down gracefully; the processor may checkpoint.
    Requested,
    /// The shard is closed and fully read; the processor must checkpoint `SHARD_END`.
    ShardEnd,
    /// Another worker holds the lease; the processor may not checkpoint.
    LeaseLost,
}

/// Where a shard's processing is, as the KCL names the states.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ConsumerState {
    /// Waiting for every parent shard's lease to reach `SHARD_END`.
    WaitingOnParentShards,
    /// About to call `initialize` and open the shard at the checkpoint.
    Initializing,
    /// Reading and handing out batches.
    Processing,
    /// A shutdown was asked for; the processor has not been told yet.
    ShutdownRequested,
    /// The processor is being told (`shard_ended`, `lease_lost`, `shutdown_requested`);
    /// a shard end stays here until the processor checkpoints `SHARD_END`.
    ShuttingDown,
    /// Done: the processor was told and dropped.
    ShutdownComplete,
}

/// Checkpoints one shard's lease, fenced by the lease counter: once another worker
/// took the lease, every checkpoint fails with
/// [`ConsumerError::LeaseLost`](super::ConsumerError::LeaseLost) and writes nothing.
///
/// `checkpoint()` checkpoints the last record handed out (or `SHARD_END` in
/// `shard_ended`); `checkpoint_at` a record before it. Checkpoints never move
/// backwards.
pub struct Checkpointer {
    pub(crate) table: LeaseTable,
    pub(crate) held: Lease,
    pub(crate) largest: ExtendedSequenceNumber,
    pub(crate) lost: bool,
    pub(crate) journal: Arc<Journal>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) app: Arc<str>,
    pub(crate) worker_id: Arc<str>,
}

impl fmt::Debug for Checkpointer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Checkpointer")
            .field("shard", &self.held.shard_id)
            .field("checkpoint", &self.held.checkpoint)
            .field("largest_permitted", &self.largest)
            .field("lost", &self.lost)
            .finish()
    }
}

impl Checkpointer {
    /// The shard this checkpointer writes for.
    pub fn shard_id(&self) -> &ShardId {
        &self.held.shard_id
    }

    /// The last checkpoint written (by anyone, as this worker last saw it).
    pub fn last_checkpoint(&self) -> ExtendedSequenceNumber {
        self.held.checkpoint
    }

    /// Checkpoints everything handed out so far: the last record of the batches given
    /// to the processor, or `SHARD_END` once the shard ended.
    ///
    /// Errors: `LeaseLost` when fenced.
    pub fn checkpoint(&mut self) -> Result<(), ConsumerError> {
        self.write(self.largest)
    }

    /// Checkpoints up to and including the record `seq`, which must have been handed
    /// out and must not be before the last checkpoint.
    ///
    /// Errors: `InvalidCheckpoint` (`IllegalArgumentException`) for a sequence number
    /// out of that range; `LeaseLost` when fenced.
    pub fn checkpoint_at(&mut self, seq: &SequenceNumber) -> Result<(), ConsumerError> {
        let target = ExtendedSequenceNumber::Sequence(*seq);
        let handed_out = match self.largest {
            ExtendedSequenceNumber::ShardEnd => true,
            l => l.is_at_or_after(&target) && !l.is_starting_position(),
        };
        if !handed_out {
            return Err(ConsumerError::InvalidCheckpoint(format!(
                "{seq} was not handed out yet (the last record handed out is {})",
                self.largest
            )));
        }
        self.write(target)
    }

    /// Announces a checkpoint at `seq` without making it (the lease's pending
    /// checkpoint), for applications that checkpoint in two phases.
    ///
    /// Errors: as [`checkpoint_at`](Checkpointer::checkpoint_at).
    pub fn prepare_checkpoint(&mut self, seq: &SequenceNumber) -> Result<(), ConsumerError> {
        let target = ExtendedSequenceNumber::Sequence(*seq);
        self.check_forward(target)?;
        let pending = Some(target);
        self.write_lease(|u| u.set_pending_checkpoint(pending)).map(|_| ())
    }

    fn check_forward(&self, target: ExtendedSequenceNumber) -> Result<(), ConsumerError> {
        if self.lost {
            return Err(ConsumerError::LeaseLost { shard: self.held.shard_id });
        }
        if !target.is_at_or_after(&self.held.checkpoint) {
            return Err(ConsumerError::InvalidCheckpoint(format!(
                "{target} is before the last checkpoint {}; checkpoints never move backwards",
                self.held.checkpoint
            )));
        }
        Ok(())
    }

    fn write(&mut self, target: ExtendedSequenceNumber) -> Result<(), ConsumerError> {
        self.check_forward(target)?;
        if target == self.held.checkpoint || target.is_starting_position() {
            return Ok(());
        }
        self.write_lease(|u| u.set_checkpoint(target))?;
        let (app, worker, shard) = (self.app.clone(), self.worker_id.clone(), self.held.shard_id);
        let now = self.clock.now();
        self.journal.record_with(|| {
            JournalEntry::new(now, "kcl", &*app, "checkpoint", shard.to_string())
                .with_detail(format!("{worker} at {target}"))
        });
        Ok(())
    }

    fn write_lease(&mut self, change: impl FnOnce(&mut super::LeaseUpdate<'_>)) -> Result<(), ConsumerError> {
        match self.table.update(&self.held, change)? {
            Some(lease) => {
                self.held = lease;
                Ok(())
            }
            None => {
                self.lost = true;
                Err(ConsumerError::LeaseLost { shard: self.held.shard_id })
            }
        }
    }
}
