//! [`TableError`]: every way a table or change stream operation can fail, with its AWS code.

use std::fmt;

/// An error from a table or change stream operation. Every variant answers
/// [`code`](TableError::code) with the AWS error code; the operation that returned it
/// changed nothing.
///
/// ```
/// use localcloud::table::{Key, TableConfig};
/// use localcloud::Cloud;
/// let cloud = Cloud::builder().manual_clock().build();
/// let err = cloud.create_table("x", TableConfig::new(Key::string("id"))).unwrap_err();
/// assert_eq!(err.code(), "ValidationException");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TableError {
    /// A name, key, value, condition or update breaks the service's rules.
    #[error("validation failed: {0}")]
    Validation(String),
    /// The table (or its stream, or a shard) does not exist.
    #[error("resource not found: {0}")]
    ResourceNotFound(String),
    /// The table exists already.
    #[error("resource in use: {0}")]
    ResourceInUse(String),
    /// The write's condition was false; nothing changed.
    #[error("the conditional request failed")]
    ConditionalCheckFailed,
    /// A transaction was cancelled; one reason per item, in request order.
    #[error("transaction cancelled, please refer cancellation reasons for specific reasons [{}]", ReasonList(.reasons))]
    TransactionCanceled {
        /// Why each item failed (`None` for the items that would have succeeded).
        reasons: Vec<CancellationReason>,
    },
    /// The table's per-second throughput was used up (only when the cloud is built with
    /// [`throttling`](crate::CloudBuilder::throttling)).
    #[error("the level of configured provisioned throughput for the table was exceeded")]
    ProvisionedThroughputExceeded,
    /// The iterator or sequence number points before the stream's 24-hour horizon.
    #[error("trimmed data access: {0}")]
    TrimmedDataAccess(String),
    /// The shard iterator is older than 15 minutes.
    #[error("shard iterator expired: issued {age_ms} ms ago; iterators live 900000 ms")]
    ExpiredIterator {
        /// How long ago the iterator was issued, in milliseconds.
        age_ms: u64,
    },
    /// A request limit was exceeded, such as more than 1,000 records per `get_records`.
    #[error("limit exceeded: {0}")]
    LimitExceeded(String),
}

impl TableError {
    /// The AWS error code, such as `ConditionalCheckFailedException`.
    pub fn code(&self) -> &'static str {
        match self {
            TableError::Validation(_) => "ValidationException",
            TableError::ResourceNotFound(_) => "ResourceNotFoundException",
            TableError::ResourceInUse(_) => "ResourceInUseException",
            TableError::ConditionalCheckFailed => "ConditionalCheckFailedException",
            TableError::TransactionCanceled { .. } => "TransactionCanceledException",
            TableError::ProvisionedThroughputExceeded => "ProvisionedThroughputExceededException",
            TableError::TrimmedDataAccess(_) => "TrimmedDataAccessException",
            TableError::ExpiredIterator { .. } => "ExpiredIteratorException",
            TableError::LimitExceeded(_) => "LimitExceededException",
        }
    }

    /// The per-item reasons of a cancelled transaction (empty for other errors).
    pub fn cancellation_reasons(&self) -> &[CancellationReason] {
        match self {
            TableError::TransactionCanceled { reasons } => reasons,
            _ => &[],
        }
    }

    pub(crate) fn validation(msg: impl Into<String>) -> Self {
        TableError::Validation(msg.into())
    }
}

/// Why one item of a cancelled transaction failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CancellationReason {
    pub(crate) code: &'static str,
    pub(crate) message: Option<String>,
}

impl CancellationReason {
    pub(crate) fn none() -> Self {
        CancellationReason { code: "None", message: None }
    }

    /// The reason code: `None`, `ConditionalCheckFailed`, `ValidationError`, …
    pub fn code(&self) -> &'static str {
        self.code
    }

    /// The message, when there is one.
    pub fn message(&self) -> Option<&str> {
        self.message.as_deref()
    }
}

struct ReasonList<'a>(&'a [CancellationReason]);

impl fmt::Display for ReasonList<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, r) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            f.write_str(r.code)?;
        }
        Ok(())
    }
}
