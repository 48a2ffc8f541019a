//! Wire-protocol helpers shared by the services: the request and response the
//! dispatcher passes around, AWS JSON bodies and errors, query (form) bodies and XML.

pub(crate) mod json;
pub(crate) mod query;
pub(crate) mod rest_json;

use bytes::Bytes;

/// One request as the SDK sent it, reduced to what the services read.
#[derive(Debug)]
pub(crate) struct WireRequest {
    /// The `X-Amz-Target` header, when present (AWS JSON protocols).
    pub(crate) target: Option<String>,
    /// The HTTP method.
    pub(crate) method: String,
    /// The request path with its query string (REST protocols).
    pub(crate) path: String,
    /// The request headers, names in lower case (REST protocols read theirs).
    pub(crate) headers: Vec<(String, String)>,
    /// The request body.
    pub(crate) body: Bytes,
}

impl WireRequest {
    /// The first value of header `name` (lower case).
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

/// One response, before it becomes the SDK's `HttpResponse`.
#[derive(Debug)]
pub(crate) struct WireResponse {
    pub(crate) status: u16,
    pub(crate) headers: Vec<(&'static str, String)>,
    pub(crate) body: Vec<u8>,
}

impl WireResponse {
    pub(crate) fn new(status: u16, content_type: &str, body: Vec<u8>) -> Self {
        WireResponse { status, headers: vec![("content-type", content_type.to_owned())], body }
    }

    pub(crate) fn header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }
}
