//! [`FunctionError`], the service's error with its AWS codes; [`HandlerError`], what a
//! handler returns when it fails; [`ThrottleReason`], why an invoke was throttled.

use std::fmt;

/// Why an invoke was throttled: the `reason` field of AWS's `TooManyRequestsException`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ThrottleReason {
    /// The account's unreserved concurrency is used up.
    ConcurrentInvocationLimitExceeded,
    /// The function's reserved concurrency is used up (or is 0).
    ReservedFunctionConcurrentInvocationLimitExceeded,
    /// The function's invocation rate limit was exceeded.
    FunctionInvocationRateLimitExceeded,
    /// The function's reserved invocation rate limit was exceeded.
    ReservedFunctionInvocationRateLimitExceeded,
    /// The caller's rate limit was exceeded.
    CallerRateLimitExceeded,
}

impl ThrottleReason {
    /// The reason as AWS spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            ThrottleReason::ConcurrentInvocationLimitExceeded => "ConcurrentInvocationLimitExceeded",
            ThrottleReason::ReservedFunctionConcurrentInvocationLimitExceeded => {
                "ReservedFunctionConcurrentInvocationLimitExceeded"
            }
            ThrottleReason::FunctionInvocationRateLimitExceeded => "FunctionInvocationRateLimitExceeded",
            ThrottleReason::ReservedFunctionInvocationRateLimitExceeded => {
                "ReservedFunctionInvocationRateLimitExceeded"
            }
            ThrottleReason::CallerRateLimitExceeded => "CallerRateLimitExceeded",
        }
    }
}

impl fmt::Display for ThrottleReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An error from the function service. [`code`](FunctionError::code) gives the AWS code.
///
/// ```
/// use localcloud::Cloud;
/// let cloud = Cloud::builder().manual_clock().build();
/// let err = cloud.functions().function("missing").unwrap_err();
/// assert_eq!(err.code(), "ResourceNotFoundException");
/// ```
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum FunctionError {
    /// A parameter is out of range or malformed.
    #[error("{0}")]
    InvalidParameterValue(String),
    /// No such function, version or alias.
    #[error("{0}")]
    ResourceNotFound(String),
    /// The name (of a function, alias or permission statement) is taken.
    #[error("{0}")]
    ResourceConflict(String),
    /// The invoke was throttled; `reason` says which limit.
    #[error("rate exceeded: {reason}")]
    TooManyRequests {
        /// Which limit was hit.
        reason: ThrottleReason,
    },
    /// The request payload is larger than the invocation type allows.
    #[error("request payload of {size} bytes exceeds the limit of {limit} bytes")]
    RequestTooLarge {
        /// The payload's size in bytes.
        size: usize,
        /// The limit in bytes.
        limit: usize,
    },
    /// The caller may not invoke the function (its resource policy has no matching
    /// statement).
    #[error("{0}")]
    AccessDenied(String),
}

impl FunctionError {
    /// The AWS error code.
    pub fn code(&self) -> &'static str {
        match self {
            FunctionError::InvalidParameterValue(_) => "InvalidParameterValueException",
            FunctionError::ResourceNotFound(_) => "ResourceNotFoundException",
            FunctionError::ResourceConflict(_) => "ResourceConflictException",
            FunctionError::TooManyRequests { .. } => "TooManyRequestsException",
            FunctionError::RequestTooLarge { .. } => "RequestTooLargeException",
            FunctionError::AccessDenied(_) => "AccessDeniedException",
        }
    }

    /// The throttle reason of a `TooManyRequestsException`.
    pub fn reason(&self) -> Option<ThrottleReason> {
        match self {
            FunctionError::TooManyRequests { reason } => Some(*reason),
            _ => None,
        }
    }

    pub(crate) fn invalid(msg: impl Into<String>) -> Self {
        FunctionError::InvalidParameterValue(msg.into())
    }

    pub(crate) fn not_found(msg: impl Into<String>) -> Self {
        FunctionError::ResourceNotFound(msg.into())
    }
}

/// What a handler returns when it fails: an error type and message, reported to the
/// invoker as the payload `{"errorMessage": …, "errorType": …}` with
/// `function_error` `"Unhandled"` (or `"Handled"` after [`handled`](HandlerError::handled)).
///
/// ```
/// use localcloud::HandlerError;
/// let e: HandlerError = "card declined".into();
/// assert_eq!(e.error_type(), "Error");
/// let e = HandlerError::new("PaymentError", "card declined");
/// assert_eq!(e.message(), "card declined");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HandlerError {
    error_type: String,
    message: String,
    handled: bool,
}

impl HandlerError {
    /// An error of type `error_type` with `message`.
    pub fn new(error_type: impl Into<String>, message: impl Into<String>) -> Self {
        HandlerError { error_type: error_type.into(), message: message.into(), handled: false }
    }

    /// Reports the error as `"Handled"` rather than `"Unhandled"` (as runtimes that
    /// let a handler fail on purpose do).
    pub fn handled(mut self) -> Self {
        self.handled = true;
        self
    }

    /// The error type (`errorType`).
    pub fn error_type(&self) -> &str {
        &self.error_type
    }

    /// The message (`errorMessage`).
    pub fn message(&self) -> &str {
        &self.message
    }

    pub(crate) fn is_handled(&self) -> bool {
        self.handled
    }

    /// The error payload AWS returns: `{"errorMessage":…,"errorType":…}`.
    pub(crate) fn to_payload(&self) -> bytes::Bytes {
        error_payload(&self.message, &self.error_type)
    }
}

pub(crate) fn error_payload(message: &str, error_type: &str) -> bytes::Bytes {
    let v = serde_json::json!({ "errorMessage": message, "errorType": error_type });
    bytes::Bytes::from(v.to_string())
}

impl fmt::Display for HandlerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.error_type, self.message)
    }
}

impl std::error::Error for HandlerError {}

impl From<&str> for HandlerError {
    fn from(s: &str) -> Self {
        HandlerError::new("Error", s)
    }
}

impl From<String> for HandlerError {
    fn from(s: String) -> Self {
        HandlerError::new("Error", s)
    }
}

impl From<serde_json::Error> for HandlerError {
    fn from(e: serde_json::Error) -> Self {
        HandlerError::new("Runtime.SerializationError", e.to_string())
    }
}
