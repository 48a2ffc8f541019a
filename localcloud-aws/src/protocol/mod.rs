//! Wire-protocol helpers shared by the services: the request and response the
//! dispatcher passes around, AWS JSON bodies and errors, query (form) bodies and XML.

pub(crate) mod json;
pub(crate) mod query;

use bytes::Bytes;

/// One request as the SDK sent it, reduced to what the services read.
#[derive(Debug)]
pub(crate) struct WireRequest {
    /// The `X-Amz-Target` header, when present (AWS JSON protocols).
    pub(crate) target: Option<String>,
    /// The HTTP method.
    #[allow(dead_code)] // read by REST protocols as they are added
    pub(crate) method: String,
    /// The request path (REST protocols).
    #[allow(dead_code)]
    pub(crate) path: String,
    /// The request body.
    pub(crate) body: Bytes,
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
