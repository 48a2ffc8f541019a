//! [`TopicError`]: every way a topic operation can fail, with its AWS code.

/// An error from a topic operation. Every variant answers [`code`](TopicError::code)
/// with the AWS error code; the operation that returned it changed nothing.
///
/// ```
/// use localcloud::{Cloud, TopicConfig};
/// let cloud = Cloud::builder().manual_clock().build();
/// let err = cloud.create_topic("bad name!", TopicConfig::default()).unwrap_err();
/// assert_eq!(err.code(), "InvalidParameter");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TopicError {
    /// A parameter is missing, out of range or malformed (names, messages, subjects,
    /// attributes, FIFO ids, subscriptions, delivery policies).
    #[error("invalid parameter: {0}")]
    InvalidParameter(String),
    /// A message attribute is malformed: an empty or reserved name (`AWS.`, `Amazon.`),
    /// an unknown data type, or an empty or ill-formed value.
    #[error("invalid parameter value: {0}")]
    ParameterValueInvalid(String),
    /// A filter policy is malformed or over its limits.
    #[error("invalid filter policy: {0}")]
    InvalidFilterPolicy(String),
    /// The topic or subscription does not exist (never created, deleted or unsubscribed).
    #[error("not found: {0}")]
    NotFound(String),
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
}

impl From<crate::queue::BatchRefusal> for TopicError {
    fn from(r: crate::queue::BatchRefusal) -> Self {
        use crate::queue::BatchRefusal;
        match r {
            BatchRefusal::Empty => TopicError::EmptyBatchRequest,
            BatchRefusal::TooMany(count) => TopicError::TooManyEntriesInBatchRequest { count },
            BatchRefusal::BadId(id) => TopicError::InvalidBatchEntryId(id),
            BatchRefusal::DuplicateId(id) => TopicError::BatchEntryIdsNotDistinct(id),
        }
    }
}

impl TopicError {
    /// The AWS error code, such as `InvalidParameter`, `ParameterValueInvalid` or
    /// `NotFound`.
    pub fn code(&self) -> &'static str {
        match self {
            TopicError::InvalidParameter(_) | TopicError::InvalidFilterPolicy(_) => "InvalidParameter",
            TopicError::ParameterValueInvalid(_) => "ParameterValueInvalid",
            TopicError::NotFound(_) => "NotFound",
            TopicError::EmptyBatchRequest => "EmptyBatchRequest",
            TopicError::TooManyEntriesInBatchRequest { .. } => "TooManyEntriesInBatchRequest",
            TopicError::InvalidBatchEntryId(_) => "InvalidBatchEntryId",
            TopicError::BatchEntryIdsNotDistinct(_) => "BatchEntryIdsNotDistinct",
            TopicError::BatchRequestTooLong { .. } => "BatchRequestTooLong",
        }
    }

    /// Whether the caller is at fault (true for every topic error: the emulator has
    /// no server-side failures).
    pub fn is_sender_fault(&self) -> bool {
        true
    }

    pub(crate) fn invalid(msg: impl Into<String>) -> Self {
        TopicError::InvalidParameter(msg.into())
    }
}
