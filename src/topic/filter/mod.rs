//! Filter policies: which messages a subscription wants, parsed once at subscribe
//! time into a tree that matching walks without allocating.

mod matcher;
mod parse;

use std::fmt;
use std::sync::Arc;

use serde_json::Value;

use super::TopicError;
use crate::message::MessageAttributes;

pub(crate) use matcher::{parse_arrays, Input};

/// At most this many keys in a policy (in each alternative of an `$or`).
pub const MAX_FILTER_KEYS: usize = 5;

/// At most this many combinations: the product of the value-array lengths, summed
/// over the alternatives of every `$or`. In a body policy an array counts once per
/// level of nesting it sits at: `n` values under `d` nested keys count `n^d`, so
/// `{"a": {"b": [6 values]}, "c": {"d": [6 values]}}` (36 flat) is too complex.
pub const MAX_FILTER_COMBINATIONS: usize = 150;

/// Which part of a message a filter policy reads.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FilterScope {
    /// The message attributes (the default).
    #[default]
    MessageAttributes,
    /// The body, read as a JSON object; nested keys are allowed, and a policy key
    /// with dots (`"a.b"`) matches both the literal key and the nested form
    /// `{"a": {"b": …}}`.
    MessageBody,
}

/// A parsed filter policy. Parse errors say where and why; matching walks the parsed
/// tree and allocates nothing.
///
/// ```
/// use localcloud::{AttributeValue, FilterPolicy, MessageAttributes};
/// let p = FilterPolicy::parse(r#"{"kind": ["invoice"], "total": [{"numeric": [">=", 100]}]}"#)?;
/// let mut attrs = MessageAttributes::new();
/// attrs.insert("kind", AttributeValue::string("invoice"));
/// attrs.insert("total", AttributeValue::number("250"));
/// assert!(p.matches(&attrs, ""));
/// attrs.insert("total", AttributeValue::number("99.5"));
/// assert!(!p.matches(&attrs, ""));
///
/// let body = FilterPolicy::parse_body(r#"{"order": {"country": [{"prefix": "D"}]}}"#)?;
/// assert!(body.matches(&MessageAttributes::new(), r#"{"order": {"country": "DE"}}"#));
/// assert_eq!(FilterPolicy::parse(r#"{"a": "b"}"#).unwrap_err().code(), "InvalidParameter");
/// # Ok::<(), localcloud::TopicError>(())
/// ```
#[derive(Clone)]
pub struct FilterPolicy {
    scope: FilterScope,
    source: Arc<Value>,
    root: Arc<parse::Group>,
}

impl FilterPolicy {
    /// Parses a policy on message attributes.
    pub fn parse(json: &str) -> Result<Self, TopicError> {
        Self::parse_with_scope(json, FilterScope::MessageAttributes)
    }

    /// Parses a policy on the message body.
    pub fn parse_body(json: &str) -> Result<Self, TopicError> {
        Self::parse_with_scope(json, FilterScope::MessageBody)
    }

    /// Parses a policy with the given scope.
    pub fn parse_with_scope(json: &str, scope: FilterScope) -> Result<Self, TopicError> {
        let value: Value = serde_json::from_str(json)
            .map_err(|e| TopicError::InvalidFilterPolicy(format!("the policy is not valid JSON: {e}")))?;
        Self::from_value(value, scope)
    }

    fn from_value(value: Value, scope: FilterScope) -> Result<Self, TopicError> {
        let root = parse::parse_policy(&value, scope).map_err(TopicError::InvalidFilterPolicy)?;
        Ok(FilterPolicy { scope, source: Arc::new(value), root: Arc::new(root) })
    }

    /// The same policy read with another scope; fails when the policy is not valid
    /// there (nested keys only work on the body).
    pub fn with_scope(&self, scope: FilterScope) -> Result<Self, TopicError> {
        if scope == self.scope {
            return Ok(self.clone());
        }
        Self::from_value((*self.source).clone(), scope)
    }

    /// The policy's scope.
    pub fn scope(&self) -> FilterScope {
        self.scope
    }

    /// The policy as JSON.
    pub fn to_json(&self) -> String {
        self.source.to_string()
    }

    /// Whether a message with these attributes and this body passes the policy.
    /// Convenience for trying policies out; topics prepare each message once and
    /// share the preparation between subscriptions.
    pub fn matches(&self, attributes: &MessageAttributes, body: &str) -> bool {
        match self.scope {
            FilterScope::MessageAttributes => {
                let arrays = matcher::parse_arrays(attributes);
                self.matches_input(&Input::Attributes { attrs: attributes, arrays: &arrays })
            }
            FilterScope::MessageBody => {
                let parsed = serde_json::from_str::<Value>(body).ok();
                self.matches_input(&Input::Body(parsed.as_ref()))
            }
        }
    }

    pub(crate) fn matches_input(&self, input: &Input<'_>) -> bool {
        matcher::matches(&self.root, input)
    }
}

impl PartialEq for FilterPolicy {
    fn eq(&self, other: &Self) -> bool {
        self.scope == other.scope && self.source == other.source
    }
}

impl Eq for FilterPolicy {}

impl fmt::Debug for FilterPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "FilterPolicy({:?}, {})", self.scope, self.source)
    }
}
