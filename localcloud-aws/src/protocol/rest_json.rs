//! REST-JSON (Lambda): the operation is the method and the path; fields travel in
//! path labels, the query string, headers and a JSON body. Errors name their code in
//! the `x-amzn-errortype` header and carry `{"Type", "message"}` in the body.

use serde_json::Value;

use super::WireResponse;

/// A request's path, split into decoded segments, and its query parameters.
#[derive(Debug)]
pub(crate) struct RestPath {
    /// The path segments, percent-decoded (`%3A` → `:`), empty ones dropped.
    pub(crate) segments: Vec<String>,
    /// The query parameters, percent-decoded, in order.
    pub(crate) query: Vec<(String, String)>,
}

impl RestPath {
    /// Splits `path` (with its query string). `None` when a part is not valid
    /// percent-encoded UTF-8.
    pub(crate) fn parse(path: &str) -> Option<RestPath> {
        let (path, query) = path.split_once('?').unwrap_or((path, ""));
        let segments =
            path.split('/').filter(|s| !s.is_empty()).map(|s| percent_decode(s, false)).collect::<Option<Vec<_>>>()?;
        let query = query
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|p| {
                let (k, v) = p.split_once('=').unwrap_or((p, ""));
                Some((percent_decode(k, true)?, percent_decode(v, true)?))
            })
            .collect::<Option<Vec<_>>>()?;
        Some(RestPath { segments, query })
    }

    /// The first value of query parameter `name`.
    pub(crate) fn param(&self, name: &str) -> Option<&str> {
        self.query.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

/// Decodes `%XX` escapes (and `+` as a space in query strings).
pub(crate) fn percent_decode(s: &str, plus_is_space: bool) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = bytes.get(i + 1..i + 3)?;
                let hex = std::str::from_utf8(hex).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            }
            b'+' if plus_is_space => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

/// A successful JSON answer with `status`.
pub(crate) fn ok(status: u16, body: &Value) -> WireResponse {
    WireResponse::new(status, "application/json", serde_json::to_vec(body).unwrap_or_default())
}

/// An empty answer (204 for deletes).
pub(crate) fn no_content() -> WireResponse {
    WireResponse::new(204, "application/json", Vec::new())
}

/// An error answer as AWS's REST-JSON services give it.
#[derive(Debug, Clone)]
pub(crate) struct RestError {
    /// HTTP status.
    pub(crate) status: u16,
    /// The error code, such as `ResourceNotFoundException`.
    pub(crate) code: String,
    /// The human message.
    pub(crate) message: String,
    /// Extra body members (a throttle's `Reason`).
    pub(crate) extra: Vec<(&'static str, String)>,
}

impl RestError {
    pub(crate) fn new(status: u16, code: impl Into<String>, message: impl Into<String>) -> Self {
        RestError { status, code: code.into(), message: message.into(), extra: Vec::new() }
    }
}

/// The error response for `e`.
pub(crate) fn error(e: &RestError) -> WireResponse {
    let mut body = serde_json::json!({ "Type": "User", "message": e.message });
    for (k, v) in &e.extra {
        body[*k] = Value::String(v.clone());
    }
    WireResponse::new(e.status, "application/json", serde_json::to_vec(&body).unwrap_or_default())
        .header("x-amzn-errortype", e.code.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_decode_labels_and_query() {
        let p = RestPath::parse("/2015-03-31/functions/arn%3Aaws%3Alambda/invocations?Qualifier=prod&x=a+b").unwrap();
        assert_eq!(p.segments, ["2015-03-31", "functions", "arn:aws:lambda", "invocations"]);
        assert_eq!(p.param("Qualifier"), Some("prod"));
        assert_eq!(p.param("x"), Some("a b"));
        assert!(RestPath::parse("/a%zz").is_none());
        assert!(RestPath::parse("/a%ff").is_none());
    }
}
