//! Errors of event source mappings.

use crate::function::FunctionError;

/// An event source mapping operation failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MappingError {
    /// A setting is out of range or does not fit the source (`InvalidParameterValueException`).
    #[error("invalid parameter: {0}")]
    InvalidParameterValue(String),
    /// The mapping, its function or its source does not exist (`ResourceNotFoundException`).
    #[error("not found: {0}")]
    ResourceNotFound(String),
    /// The mapping is being deleted or already is (`ResourceInUseException`).
    #[error("in use: {0}")]
    ResourceInUse(String),
    /// The same function is already mapped to the same source (`ResourceConflictException`).
    #[error("conflict: {0}")]
    ResourceConflict(String),
}

impl MappingError {
    /// The AWS error code.
    pub fn code(&self) -> &'static str {
        match self {
            MappingError::InvalidParameterValue(_) => "InvalidParameterValueException",
            MappingError::ResourceNotFound(_) => "ResourceNotFoundException",
            MappingError::ResourceInUse(_) => "ResourceInUseException",
            MappingError::ResourceConflict(_) => "ResourceConflictException",
        }
    }
}

impl From<FunctionError> for MappingError {
    fn from(e: FunctionError) -> Self {
        match e.code() {
            "ResourceNotFoundException" => MappingError::ResourceNotFound(e.to_string()),
            _ => MappingError::InvalidParameterValue(e.to_string()),
        }
    }
}

pub(crate) fn invalid(msg: impl Into<String>) -> MappingError {
    MappingError::InvalidParameterValue(msg.into())
}
