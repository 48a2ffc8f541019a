//! What a worker reports about itself: [`WorkerStatus`] and [`WorkerIssue`].

use super::processor::{ConsumerState, ShutdownReason};
use super::ConsumerError;
use crate::clock::Timestamp;
use crate::stream::ShardId;

/// Something that went wrong, or is stuck, on one worker. The worker keeps going;
/// these explain what it could not do.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum WorkerIssue {
    /// `process_records` (or another processor method) panicked; the records after
    /// the last checkpoint are read again.
    ProcessorFailed {
        /// When.
        at: Timestamp,
        /// The shard.
        shard: ShardId,
        /// The panic's message.
        message: String,
    },
    /// `shard_ended` returned without checkpointing `SHARD_END`: the shard's children
    /// cannot start until it does. It is called again next round.
    ShardEndNotCheckpointed {
        /// When.
        at: Timestamp,
        /// The ended shard.
        shard: ShardId,
    },
    /// A child shard waits because these parents have not reached `SHARD_END`.
    WaitingOnParents {
        /// When.
        at: Timestamp,
        /// The child shard.
        shard: ShardId,
        /// The parents not yet at `SHARD_END`.
        parents: Vec<ShardId>,
    },
    /// Reading the shard failed (throttled, iterator expired, shard gone); retried
    /// next round.
    ReadFailed {
        /// When.
        at: Timestamp,
        /// The shard.
        shard: ShardId,
        /// The stream's error.
        error: ConsumerError,
    },
    /// Records were lost to retention: the next record after the checkpoint is no
    /// longer kept, so reading went on from the oldest one kept (a change stream's
    /// `TrimmedDataAccessException`), or the shard itself is gone, so it counts as
    /// read to its end (`ResourceNotFoundException`). What lay between was never
    /// processed.
    RecordsSkipped {
        /// When.
        at: Timestamp,
        /// The shard.
        shard: ShardId,
        /// Why: the source's error.
        error: ConsumerError,
    },
    /// Listing the source's shards failed (the stream or table is gone, or the
    /// table's stream is off): no lease was made or cleaned up this round.
    SourceFailed {
        /// When.
        at: Timestamp,
        /// The source's error.
        error: ConsumerError,
    },
    /// The lease went to another worker (or this worker stopped renewing it).
    LeaseLost {
        /// When.
        at: Timestamp,
        /// The shard.
        shard: ShardId,
    },
    /// The lease table failed.
    Store {
        /// When.
        at: Timestamp,
        /// The store's error.
        error: ConsumerError,
    },
}

impl WorkerIssue {
    pub(crate) fn store(at: Timestamp, error: ConsumerError) -> Self {
        WorkerIssue::Store { at, error }
    }

    /// The shard concerned, if any.
    pub fn shard(&self) -> Option<&ShardId> {
        match self {
            WorkerIssue::ProcessorFailed { shard, .. }
            | WorkerIssue::ShardEndNotCheckpointed { shard, .. }
            | WorkerIssue::WaitingOnParents { shard, .. }
            | WorkerIssue::ReadFailed { shard, .. }
            | WorkerIssue::RecordsSkipped { shard, .. }
            | WorkerIssue::LeaseLost { shard, .. } => Some(shard),
            WorkerIssue::Store { .. } | WorkerIssue::SourceFailed { .. } => None,
        }
    }
}

impl std::fmt::Display for WorkerIssue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WorkerIssue::ProcessorFailed { shard, message, .. } => {
                write!(f, "{shard}: the processor panicked ({message}); retrying from the last checkpoint")
            }
            WorkerIssue::ShardEndNotCheckpointed { shard, .. } => write!(
                f,
                "{shard}: shard_ended did not checkpoint SHARD_END, so its child shards cannot start; \
                 call cp.checkpoint() in shard_ended"
            ),
            WorkerIssue::WaitingOnParents { shard, parents, .. } => {
                write!(f, "{shard}: waiting for parent shards {parents:?} to reach SHARD_END")
            }
            WorkerIssue::ReadFailed { shard, error, .. } => write!(f, "{shard}: read failed ({error}); retrying"),
            WorkerIssue::RecordsSkipped { shard, error, .. } => {
                write!(f, "{shard}: records lost to retention ({error}); went on without them")
            }
            WorkerIssue::SourceFailed { error, .. } => write!(f, "listing the shards failed: {error}"),
            WorkerIssue::LeaseLost { shard, .. } => write!(f, "{shard}: lease lost to another worker"),
            WorkerIssue::Store { error, .. } => write!(f, "lease table failed: {error}"),
        }
    }
}

/// One owned shard's place in its lifecycle.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShardStatus {
    /// The shard.
    pub shard: ShardId,
    /// Its state.
    pub state: ConsumerState,
    /// Why it is shutting down, if it is.
    pub reason: Option<ShutdownReason>,
}

/// A snapshot of a worker, as of its last round.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WorkerStatus {
    /// The worker's id.
    pub worker_id: String,
    /// The shards it holds, in shard-id order.
    pub shards: Vec<ShardStatus>,
    /// Recent issues, oldest first (the last 100).
    pub issues: Vec<WorkerIssue>,
    /// Child shards no worker may start yet, with the parents they wait for (those not
    /// at `SHARD_END`), as of the worker's last look for leases.
    pub waiting_on_parents: Vec<(ShardId, Vec<ShardId>)>,
    /// Records handed to processors so far.
    pub records_processed: u64,
    /// Whether the worker stopped (shut down or killed).
    pub stopped: bool,
}

impl WorkerStatus {
    /// The shards held, in shard-id order.
    pub fn shard_ids(&self) -> Vec<ShardId> {
        self.shards.iter().map(|s| s.shard).collect()
    }
}
