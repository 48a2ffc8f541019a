//! [`QueueError`]: every way a queue operation can fail, with its AWS code.

/// An error from a queue operation. Every variant answers [`code`](QueueError::code)
/// with the AWS error code; the operation that returned it changed nothing.
///
/// ```
/// use localcloud::{Cloud, QueueConfig};
/// let cloud = Cloud::builder().manual_clock().build();
/// let err = cloud.create_queue("bad name!", QueueConfig::default()).unwrap_err();
/// assert_eq!(err.code(), "InvalidParameterValue");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum QueueError {
    /// The queue does not exist (never created, or deleted).
    #[error("queue {name:?} does not exist")]
    QueueDoesNotExist {
        /// The queue's name.
        name: String,
    },
    /// A queue of that name exists with a different configuration.
    #[error("queue {name:?} already exists with a different configuration")]
    QueueAlreadyExists {
        /// The queue's name.
        name: String,
    },
    /// A queue of that name was deleted less than 60 seconds ago.
    #[error("queue {name:?} was deleted less than 60 s ago; wait before creating it again")]
    QueueDeletedRecently {
        /// The queue's name.
        name: String,
    },
    /// A parameter is out of range or malformed.
    #[error("invalid parameter value: {0}")]
    InvalidParameterValue(String),
    /// A queue attribute is out of range or malformed.
    #[error("invalid attribute value: {0}")]
    InvalidAttributeValue(String),
    /// An attribute that does not apply to this queue, such as `FifoQueue` on a
    /// standard queue.
    #[error("invalid attribute name: {0}")]
    InvalidAttributeName(String),
    /// A required parameter is missing.
    #[error("missing parameter: {0}")]
    MissingParameter(String),
    /// The body holds characters SQS does not allow.
    #[error("invalid message contents: {0}")]
    InvalidMessageContents(String),
    /// The receipt handle is malformed, from another queue, or no longer valid.
    #[error("receipt handle is invalid: {0}")]
    ReceiptHandleIsInvalid(String),
    /// A purge ran on this queue less than 60 seconds ago.
    #[error("queue {name:?} was purged less than 60 s ago")]
    PurgeQueueInProgress {
        /// The queue's name.
        name: String,
    },
    /// A limit was reached, such as the 120,000 in-flight messages of a standard queue.
    #[error("over limit: {0}")]
    OverLimit(String),
    /// A batch request had no entries.
    #[error("the batch request has no entries")]
    EmptyBatchRequest,
    /// A batch request had more than 10 entries.
    #[error("the batch request has {count} entries; at most 10 are allowed")]
    TooManyEntriesInBatchRequest {
        /// How many entries the request had.
        count: usize,
    },
    /// A batch entry id is empty, too long or has characters outside `[A-Za-z0-9_-]`.
    #[error("batch entry id {0:?} must be 1 to 80 characters of A-Z, a-z, 0-9, '_' and '-'")]
    InvalidBatchEntryId(String),
    /// Two batch entries share an id.
    #[error("batch entry id {0:?} is used more than once")]
    BatchEntryIdsNotDistinct(String),
    /// The batch's messages add up to more than the limit.
    #[error("the batch's messages total {size} bytes; at most {limit} are allowed")]
    BatchRequestTooLong {
        /// The batch's total size in bytes.
        size: usize,
        /// The limit in bytes.
        limit: usize,
    },
    /// The named resource (such as a message move task) does not exist.
    #[error("resource not found: {0}")]
    ResourceNotFound(String),
    /// The operation is not valid for this queue or task.
    #[error("unsupported operation: {0}")]
    UnsupportedOperation(String),
    /// A FIFO queue's calls-per-second quota for this action is spent (only with
    /// throttling emulation on).
    #[error("throttled: {0}")]
    Throttling(String),
}

impl QueueError {
    /// The AWS error code (the SDK's error type name), such as `QueueDoesNotExist`.
    pub fn code(&self) -> &'static str {
        match self {
            QueueError::QueueDoesNotExist { .. } => "QueueDoesNotExist",
            QueueError::QueueAlreadyExists { .. } => "QueueAlreadyExists",
            QueueError::QueueDeletedRecently { .. } => "QueueDeletedRecently",
            QueueError::InvalidParameterValue(_) => "InvalidParameterValue",
            QueueError::InvalidAttributeValue(_) => "InvalidAttributeValue",
            QueueError::InvalidAttributeName(_) => "InvalidAttributeName",
            QueueError::MissingParameter(_) => "MissingParameter",
            QueueError::InvalidMessageContents(_) => "InvalidMessageContents",
            QueueError::ReceiptHandleIsInvalid(_) => "ReceiptHandleIsInvalid",
            QueueError::PurgeQueueInProgress { .. } => "PurgeQueueInProgress",
            QueueError::OverLimit(_) => "OverLimit",
            QueueError::EmptyBatchRequest => "EmptyBatchRequest",
            QueueError::TooManyEntriesInBatchRequest { .. } => "TooManyEntriesInBatchRequest",
            QueueError::InvalidBatchEntryId(_) => "InvalidBatchEntryId",
            QueueError::BatchEntryIdsNotDistinct(_) => "BatchEntryIdsNotDistinct",
            QueueError::BatchRequestTooLong { .. } => "BatchRequestTooLong",
            QueueError::ResourceNotFound(_) => "ResourceNotFoundException",
            QueueError::UnsupportedOperation(_) => "UnsupportedOperation",
            QueueError::Throttling(_) => "Throttling",
        }
    }

    /// The code as SQS's older query protocol spells it, such as
    /// `AWS.SimpleQueueService.NonExistentQueue` or
    /// `AWS.SimpleQueueService.EmptyBatchRequest`.
    pub fn query_code(&self) -> &'static str {
        match self {
            QueueError::QueueDoesNotExist { .. } => "AWS.SimpleQueueService.NonExistentQueue",
            QueueError::QueueDeletedRecently { .. } => "AWS.SimpleQueueService.QueueDeletedRecently",
            QueueError::PurgeQueueInProgress { .. } => "AWS.SimpleQueueService.PurgeQueueInProgress",
            QueueError::EmptyBatchRequest => "AWS.SimpleQueueService.EmptyBatchRequest",
            QueueError::TooManyEntriesInBatchRequest { .. } => "AWS.SimpleQueueService.TooManyEntriesInBatchRequest",
            QueueError::InvalidBatchEntryId(_) => "AWS.SimpleQueueService.InvalidBatchEntryId",
            QueueError::BatchEntryIdsNotDistinct(_) => "AWS.SimpleQueueService.BatchEntryIdsNotDistinct",
            QueueError::BatchRequestTooLong { .. } => "AWS.SimpleQueueService.BatchRequestTooLong",
            QueueError::UnsupportedOperation(_) => "AWS.SimpleQueueService.UnsupportedOperation",
            other => other.code(),
        }
    }

    /// Whether the caller is at fault (true for every queue error: the emulator has
    /// no server-side failures).
    pub fn is_sender_fault(&self) -> bool {
        true
    }
}
