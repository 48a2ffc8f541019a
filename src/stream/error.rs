//! [`StreamError`]: every way a stream operation can fail, with its AWS code.

use super::types::ShardId;

/// An error from a stream operation. Every variant answers [`code`](StreamError::code)
/// with the AWS error code; the operation that returned it changed nothing (except
/// `put_records`, which reports throttled entries per entry instead of failing).
///
/// ```
/// use localcloud::{Cloud, StreamConfig};
/// let cloud = Cloud::builder().manual_clock().build();
/// let err = cloud.create_stream("bad name!", StreamConfig::with_shards(1)).unwrap_err();
/// assert_eq!(err.code(), "ValidationException");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StreamError {
    /// The stream does not exist (never created, or deleted).
    #[error("stream {name:?} not found")]
    StreamNotFound {
        /// The stream's name.
        name: String,
    },
    /// The shard does not exist in this stream, or it is closed and past retention.
    #[error("shard {shard} not found in stream {stream:?}")]
    ShardNotFound {
        /// The stream's name.
        stream: String,
        /// The shard asked for.
        shard: ShardId,
    },
    /// The resource exists already, or is in a state that forbids the operation.
    #[error("resource in use: {0}")]
    ResourceInUse(String),
    /// An argument is out of range, malformed, or does not fit the stream's state.
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    /// A name or parameter fails the service's input constraints.
    #[error("validation failed: {0}")]
    Validation(String),
    /// The shard iterator is older than 5 minutes.
    #[error("shard iterator expired: issued {age_ms} ms ago; iterators live 300000 ms")]
    ExpiredIterator {
        /// How long ago the iterator was issued, in milliseconds.
        age_ms: u64,
    },
    /// A per-shard read or write limit was reached (only with
    /// [`StreamConfig::enforce_limits`](crate::StreamConfig::enforce_limits) or the
    /// cloud's [`throttling`](crate::CloudBuilder::throttling)).
    #[error("rate exceeded for shard {shard}: {limit}")]
    ProvisionedThroughputExceeded {
        /// The throttled shard.
        shard: ShardId,
        /// Which limit was hit, such as `1000 records/s`.
        limit: &'static str,
    },
    /// An account or stream limit was reached, such as 10 scalings per 24 hours.
    #[error("limit exceeded: {0}")]
    LimitExceeded(String),
}

impl StreamError {
    /// The AWS error code, such as `ResourceNotFoundException`.
    pub fn code(&self) -> &'static str {
        match self {
            StreamError::StreamNotFound { .. } | StreamError::ShardNotFound { .. } => "ResourceNotFoundException",
            StreamError::ResourceInUse(_) => "ResourceInUseException",
            StreamError::InvalidArgument(_) => "InvalidArgumentException",
            StreamError::Validation(_) => "ValidationException",
            StreamError::ExpiredIterator { .. } => "ExpiredIteratorException",
            StreamError::ProvisionedThroughputExceeded { .. } => "ProvisionedThroughputExceededException",
            StreamError::LimitExceeded(_) => "LimitExceededException",
        }
    }

    pub(crate) fn invalid(msg: impl Into<String>) -> Self {
        StreamError::InvalidArgument(msg.into())
    }
}
