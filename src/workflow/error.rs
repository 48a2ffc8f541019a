//! [`WorkflowError`]: every way a workflow call can fail, with its SWF fault name.

/// An error from a workflow call. Every variant answers [`code`](WorkflowError::code)
/// with the SWF fault name; the call that returned it changed nothing.
///
/// ```
/// use localcloud::Cloud;
/// use std::time::Duration;
/// let cloud = Cloud::builder().manual_clock().build();
/// let wf = cloud.workflows();
/// wf.register_domain("billing", Duration::from_secs(86_400))?;
/// let err = wf.register_domain("billing", Duration::from_secs(86_400)).unwrap_err();
/// assert_eq!(err.code(), "DomainAlreadyExistsFault");
/// # Ok::<(), localcloud::WorkflowError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WorkflowError {
    /// The domain, type, execution or task token names nothing that exists (or is
    /// still open, for a task token).
    #[error("unknown resource: {0}")]
    UnknownResource(String),
    /// A domain of that name is registered already (deprecated ones included).
    #[error("domain already exists: {0}")]
    DomainAlreadyExists(String),
    /// A type of that name and version is registered already in the domain.
    #[error("type already exists: {0}")]
    TypeAlreadyExists(String),
    /// The type is deprecated: no new executions or activity tasks of it.
    #[error("type deprecated: {0}")]
    TypeDeprecated(String),
    /// The domain is deprecated: nothing new starts in it.
    #[error("domain deprecated: {0}")]
    DomainDeprecated(String),
    /// An open execution has that workflow id already in the domain.
    #[error("workflow execution already started: {0}")]
    WorkflowExecutionAlreadyStarted(String),
    /// A parameter was left out and the type registered no default for it.
    #[error("default undefined: {0}")]
    DefaultUndefined(String),
    /// A quota was reached (domains per account, types per domain, open executions).
    #[error("limit exceeded: {0}")]
    LimitExceeded(String),
    /// The call is not allowed in this state.
    #[error("operation not permitted: {0}")]
    OperationNotPermitted(String),
    /// A parameter fails the service's input constraints (length, range, format).
    #[error("validation failed: {0}")]
    Validation(String),
}

impl WorkflowError {
    /// The SWF fault name, such as `UnknownResourceFault`.
    pub fn code(&self) -> &'static str {
        match self {
            WorkflowError::UnknownResource(_) => "UnknownResourceFault",
            WorkflowError::DomainAlreadyExists(_) => "DomainAlreadyExistsFault",
            WorkflowError::TypeAlreadyExists(_) => "TypeAlreadyExistsFault",
            WorkflowError::TypeDeprecated(_) => "TypeDeprecatedFault",
            WorkflowError::DomainDeprecated(_) => "DomainDeprecatedFault",
            WorkflowError::WorkflowExecutionAlreadyStarted(_) => "WorkflowExecutionAlreadyStartedFault",
            WorkflowError::DefaultUndefined(_) => "DefaultUndefinedFault",
            WorkflowError::LimitExceeded(_) => "LimitExceededFault",
            WorkflowError::OperationNotPermitted(_) => "OperationNotPermittedFault",
            WorkflowError::Validation(_) => "ValidationException",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_swf_fault_names() {
        assert_eq!(WorkflowError::UnknownResource(String::new()).code(), "UnknownResourceFault");
        assert_eq!(WorkflowError::Validation(String::new()).code(), "ValidationException");
        assert_eq!(WorkflowError::LimitExceeded(String::new()).code(), "LimitExceededFault");
    }
}
