//! AWS JSON 1.0 / 1.1: a JSON object in, a JSON object out; errors carry `__type`.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::WireResponse;

/// A request's JSON object, with typed, checked field access.
#[derive(Debug)]
pub(crate) struct Args(Map<String, Value>);

/// Why a field could not be read: the service turns it into its validation error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum FieldError {
    /// The body is not a JSON object.
    NotAnObject,
    /// A required field is absent (or null).
    Missing(&'static str),
    /// A field has the wrong JSON type or an out-of-range value.
    WrongType(&'static str, &'static str),
}

impl std::fmt::Display for FieldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FieldError::NotAnObject => write!(f, "the request body is not a JSON object"),
            FieldError::Missing(n) => write!(f, "the request must contain the parameter {n}"),
            FieldError::WrongType(n, t) => write!(f, "the parameter {n} must be {t}"),
        }
    }
}

impl Args {
    /// Parses a body; an empty body reads as `{}` (as the services accept).
    pub(crate) fn parse(body: &[u8]) -> Result<Args, FieldError> {
        if body.iter().all(u8::is_ascii_whitespace) {
            return Ok(Args(Map::new()));
        }
        match serde_json::from_slice::<Value>(body) {
            Ok(Value::Object(m)) => Ok(Args(m)),
            _ => Err(FieldError::NotAnObject),
        }
    }

    /// Wraps an object already parsed (a batch entry, an attribute value).
    pub(crate) fn from_value(v: &Value, name: &'static str) -> Result<Args, FieldError> {
        match v {
            Value::Object(m) => Ok(Args(m.clone())),
            _ => Err(FieldError::WrongType(name, "an object")),
        }
    }

    fn get(&self, name: &str) -> Option<&Value> {
        self.0.get(name).filter(|v| !v.is_null())
    }

    pub(crate) fn has(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    pub(crate) fn str(&self, name: &'static str) -> Result<&str, FieldError> {
        self.str_opt(name)?.ok_or(FieldError::Missing(name))
    }

    pub(crate) fn str_opt(&self, name: &'static str) -> Result<Option<&str>, FieldError> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(FieldError::WrongType(name, "a string")),
        }
    }

    pub(crate) fn bool_opt(&self, name: &'static str) -> Result<Option<bool>, FieldError> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(_) => Err(FieldError::WrongType(name, "a boolean")),
        }
    }

    pub(crate) fn int_opt(&self, name: &'static str) -> Result<Option<i64>, FieldError> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::Number(n)) => n.as_i64().map(Some).ok_or(FieldError::WrongType(name, "an integer")),
            Some(_) => Err(FieldError::WrongType(name, "an integer")),
        }
    }

    pub(crate) fn int(&self, name: &'static str) -> Result<i64, FieldError> {
        self.int_opt(name)?.ok_or(FieldError::Missing(name))
    }

    /// A required number (integer or not), such as an epoch-seconds timestamp.
    pub(crate) fn float(&self, name: &'static str) -> Result<f64, FieldError> {
        match self.get(name) {
            None => Err(FieldError::Missing(name)),
            Some(Value::Number(n)) => n.as_f64().ok_or(FieldError::WrongType(name, "a number")),
            Some(_) => Err(FieldError::WrongType(name, "a number")),
        }
    }

    /// A list of strings; absent reads as empty.
    pub(crate) fn strings(&self, name: &'static str) -> Result<Vec<String>, FieldError> {
        match self.get(name) {
            None => Ok(Vec::new()),
            Some(Value::Array(items)) => items
                .iter()
                .map(|v| v.as_str().map(str::to_owned).ok_or(FieldError::WrongType(name, "a list of strings")))
                .collect(),
            Some(_) => Err(FieldError::WrongType(name, "a list of strings")),
        }
    }

    /// A map of strings to strings; absent reads as empty.
    pub(crate) fn string_map(&self, name: &'static str) -> Result<BTreeMap<String, String>, FieldError> {
        match self.get(name) {
            None => Ok(BTreeMap::new()),
            Some(Value::Object(m)) => m
                .iter()
                .map(|(k, v)| {
                    v.as_str().map(|s| (k.clone(), s.to_owned())).ok_or(FieldError::WrongType(name, "a map of strings"))
                })
                .collect(),
            Some(_) => Err(FieldError::WrongType(name, "a map of strings")),
        }
    }

    /// A map of strings to numbers; absent reads as empty.
    pub(crate) fn number_map(&self, name: &'static str) -> Result<Vec<(String, f64)>, FieldError> {
        match self.get(name) {
            None => Ok(Vec::new()),
            Some(Value::Object(m)) => m
                .iter()
                .map(|(k, v)| v.as_f64().map(|n| (k.clone(), n)).ok_or(FieldError::WrongType(name, "a map of numbers")))
                .collect(),
            Some(_) => Err(FieldError::WrongType(name, "a map of numbers")),
        }
    }

    /// A required nested object.
    pub(crate) fn object(&self, name: &'static str) -> Result<Args, FieldError> {
        Args::from_value(self.get(name).ok_or(FieldError::Missing(name))?, name)
    }

    /// A list of objects; absent reads as empty.
    pub(crate) fn objects(&self, name: &'static str) -> Result<Vec<Args>, FieldError> {
        match self.get(name) {
            None => Ok(Vec::new()),
            Some(Value::Array(items)) => items.iter().map(|v| Args::from_value(v, name)).collect(),
            Some(_) => Err(FieldError::WrongType(name, "a list of objects")),
        }
    }

    /// A map of names to objects; absent reads as empty.
    pub(crate) fn object_map(&self, name: &'static str) -> Result<Vec<(String, Args)>, FieldError> {
        match self.get(name) {
            None => Ok(Vec::new()),
            Some(Value::Object(m)) => m.iter().map(|(k, v)| Ok((k.clone(), Args::from_value(v, name)?))).collect(),
            Some(_) => Err(FieldError::WrongType(name, "a map of objects")),
        }
    }
}

/// The two JSON protocol versions, told apart by content type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum JsonVersion {
    /// AWS JSON 1.0 (SQS).
    V1_0,
    /// AWS JSON 1.1 (Kinesis).
    V1_1,
}

impl JsonVersion {
    fn content_type(self) -> &'static str {
        match self {
            JsonVersion::V1_0 => "application/x-amz-json-1.0",
            JsonVersion::V1_1 => "application/x-amz-json-1.1",
        }
    }
}

/// A successful answer.
pub(crate) fn ok(version: JsonVersion, body: Value) -> WireResponse {
    WireResponse::new(200, version.content_type(), serde_json::to_vec(&body).unwrap_or_default())
}

/// An error answer as AWS JSON gives it.
#[derive(Debug, Clone)]
pub(crate) struct JsonError {
    /// HTTP status (400 for the caller's faults).
    pub(crate) status: u16,
    /// The fully qualified `__type`, such as `com.amazonaws.sqs#QueueDoesNotExist`.
    pub(crate) type_name: String,
    /// The human message.
    pub(crate) message: String,
    /// Query-compatible services: the query code for `x-amzn-query-error`.
    pub(crate) query_code: Option<String>,
}

/// The error response for `e`.
pub(crate) fn error(version: JsonVersion, e: &JsonError) -> WireResponse {
    let body = serde_json::json!({ "__type": e.type_name, "message": e.message });
    let mut r = WireResponse::new(e.status, version.content_type(), serde_json::to_vec(&body).unwrap_or_default())
        .header("x-amzn-errortype", e.type_name.rsplit('#').next().unwrap_or_default().to_owned());
    if let Some(q) = &e.query_code {
        let fault = if e.status >= 500 { "Receiver" } else { "Sender" };
        r = r.header("x-amzn-query-error", format!("{q};{fault}"));
    }
    r
}
