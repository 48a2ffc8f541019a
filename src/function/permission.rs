//! Resource policies: who may invoke a function ([`Permission`]).

use super::error::FunctionError;
use super::invoke::Invocation;

/// One statement of a function's resource policy: `principal` may invoke the
/// function, optionally only from `source_arn` and `source_account`.
///
/// ```
/// use localcloud::function::Permission;
/// let p = Permission::new("allow-orders")
///     .principal("sqs.amazonaws.com")
///     .source_arn("arn:aws:sqs:us-east-1:000000000000:orders");
/// assert_eq!(p.statement_id(), "allow-orders");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Permission {
    pub(crate) sid: String,
    pub(crate) principal: String,
    pub(crate) source_arn: Option<String>,
    pub(crate) source_account: Option<String>,
}

impl Permission {
    /// A statement named `statement_id` (1–100 of `[A-Za-z0-9_.-]`), for principal `*`
    /// until [`principal`](Permission::principal) says otherwise.
    pub fn new(statement_id: impl Into<String>) -> Self {
        Permission { sid: statement_id.into(), principal: "*".into(), source_arn: None, source_account: None }
    }

    /// Who may invoke: a service principal (`sns.amazonaws.com`), an account id, an
    /// ARN, or `*`.
    pub fn principal(mut self, p: impl Into<String>) -> Self {
        self.principal = p.into();
        self
    }

    /// Only calls made on behalf of this resource.
    pub fn source_arn(mut self, arn: impl Into<String>) -> Self {
        self.source_arn = Some(arn.into());
        self
    }

    /// Only calls from resources of this account.
    pub fn source_account(mut self, account: impl Into<String>) -> Self {
        self.source_account = Some(account.into());
        self
    }

    /// The statement id.
    pub fn statement_id(&self) -> &str {
        &self.sid
    }

    /// The principal allowed to invoke.
    pub fn principal_value(&self) -> &str {
        &self.principal
    }

    /// The source ARN condition, if any.
    pub fn source_arn_value(&self) -> Option<&str> {
        self.source_arn.as_deref()
    }

    /// The source account condition, if any.
    pub fn source_account_value(&self) -> Option<&str> {
        self.source_account.as_deref()
    }

    pub(crate) fn validate(&self) -> Result<(), FunctionError> {
        let ok = !self.sid.is_empty()
            && self.sid.len() <= 100
            && self.sid.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
        if !ok {
            return Err(FunctionError::invalid(format!(
                "statement id {:?} must be 1 to 100 of [A-Za-z0-9_.-]",
                self.sid
            )));
        }
        if self.principal.is_empty() {
            return Err(FunctionError::invalid("principal must not be empty"));
        }
        Ok(())
    }

    fn allows(&self, principal: &str, inv: &Invocation) -> bool {
        (self.principal == "*" || self.principal == principal)
            && self.source_arn.as_ref().is_none_or(|a| inv.source_arn.as_ref() == Some(a))
            && self.source_account.as_ref().is_none_or(|a| inv.source_account.as_ref() == Some(a))
    }
}

/// Whether `inv` may invoke a function with `policy` in `account`. A call without a
/// principal, or from the account itself, is the owner's and always allowed.
pub(crate) fn check(
    policy: &[Permission],
    account: &str,
    function_arn: &str,
    inv: &Invocation,
) -> Result<(), FunctionError> {
    let Some(principal) = inv.principal.as_deref() else {
        return Ok(());
    };
    if principal == account || principal == format!("arn:aws:iam::{account}:root") {
        return Ok(());
    }
    if policy.iter().any(|p| p.allows(principal, inv)) {
        return Ok(());
    }
    Err(FunctionError::AccessDenied(format!(
        "{principal} is not authorized to perform lambda:InvokeFunction on {function_arn}"
    )))
}
