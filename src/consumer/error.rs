//! [`ConsumerError`]: every way a consumer operation can fail, with its code.

use crate::stream::{ShardId, StreamError};
use crate::table::TableError;

/// An error from a lease table, a worker, a checkpoint or a stream consumer
/// registration. [`code`](ConsumerError::code) gives the AWS code, or for the
/// client-library failures the name the Kinesis Client Library uses.
///
/// ```
/// use localcloud::consumer::{ExtendedSequenceNumber, Lease, LeaseTable};
/// let table = LeaseTable::file("/nonexistent-dir/leases.json");
/// let lease = Lease::new("shardId-000000000000".parse()?, ExtendedSequenceNumber::TrimHorizon, vec![]);
/// let err = table.create_if_absent(&lease).unwrap_err();
/// assert_eq!(err.code(), "KinesisClientLibDependencyException");
/// # Ok::<(), localcloud::StreamError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConsumerError {
    /// The worker no longer holds the shard's lease (another worker took it, or it
    /// expired): the checkpoint was fenced and nothing was written.
    #[error("lease lost on {shard}: another worker holds it now; nothing was checkpointed")]
    LeaseLost {
        /// The shard whose lease was lost.
        shard: ShardId,
    },
    /// A checkpoint that would move backwards, or past the records handed out.
    #[error("invalid checkpoint: {0}")]
    InvalidCheckpoint(String),
    /// A setting out of range.
    #[error("validation failed: {0}")]
    Validation(String),
    /// The lease store failed (file unreadable, unwritable or corrupt).
    #[error("lease store failed: {0}")]
    Store(String),
    /// A resource (stream consumer, subscription) does not exist.
    #[error("resource not found: {0}")]
    NotFound(String),
    /// A resource exists already or is busy.
    #[error("resource in use: {0}")]
    ResourceInUse(String),
    /// A limit was reached (20 consumers per stream).
    #[error("limit exceeded: {0}")]
    LimitExceeded(String),
    /// The stream refused a call.
    #[error(transparent)]
    Stream(#[from] StreamError),
    /// A table's change stream refused a call.
    #[error(transparent)]
    Table(#[from] TableError),
}

impl ConsumerError {
    /// The code: `ShutdownException` for a lost lease (the KCL's name),
    /// `IllegalArgumentException` for a bad checkpoint, `ValidationException`,
    /// `KinesisClientLibDependencyException` for a failing store, the AWS codes
    /// `ResourceNotFoundException`, `ResourceInUseException`, `LimitExceededException`,
    /// or the stream's (or change stream's) own code.
    pub fn code(&self) -> &'static str {
        match self {
            ConsumerError::LeaseLost { .. } => "ShutdownException",
            ConsumerError::InvalidCheckpoint(_) => "IllegalArgumentException",
            ConsumerError::Validation(_) => "ValidationException",
            ConsumerError::Store(_) => "KinesisClientLibDependencyException",
            ConsumerError::NotFound(_) => "ResourceNotFoundException",
            ConsumerError::ResourceInUse(_) => "ResourceInUseException",
            ConsumerError::LimitExceeded(_) => "LimitExceededException",
            ConsumerError::Stream(e) => e.code(),
            ConsumerError::Table(e) => e.code(),
        }
    }

    /// Whether this is a lost lease.
    pub fn is_lease_lost(&self) -> bool {
        matches!(self, ConsumerError::LeaseLost { .. })
    }
}
