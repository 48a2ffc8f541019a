//! [`ScheduleError`]: every way a schedule operation can fail, with its AWS code.

/// An error from a schedule operation. Every variant answers
/// [`code`](ScheduleError::code) with the AWS error code; the operation that returned
/// it changed nothing.
///
/// ```
/// use localcloud::schedule::ScheduleExpression;
/// let err = ScheduleExpression::parse("cron(0 12 * * * *)").unwrap_err();
/// assert_eq!(err.code(), "ValidationException");
/// assert!(err.to_string().contains("'?'"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ScheduleError {
    /// An expression, name or setting fails the service's input constraints.
    #[error("validation failed: {0}")]
    Validation(String),
    /// The schedule does not exist (never created, or deleted).
    #[error("schedule {name:?} not found")]
    NotFound {
        /// The schedule's name.
        name: String,
    },
    /// A schedule of that name exists already.
    #[error("conflict: {0}")]
    Conflict(String),
}

impl ScheduleError {
    /// The AWS error code, such as `ValidationException`.
    pub fn code(&self) -> &'static str {
        match self {
            ScheduleError::Validation(_) => "ValidationException",
            ScheduleError::NotFound { .. } => "ResourceNotFoundException",
            ScheduleError::Conflict(_) => "ConflictException",
        }
    }

    pub(crate) fn invalid(msg: impl Into<String>) -> Self {
        ScheduleError::Validation(msg.into())
    }
}
