//! SNS on the query protocol: form-encoded POSTs, XML answers and XML errors.

use localcloud::Cloud;

use crate::protocol::WireResponse;

/// Answers one SNS request.
pub(crate) fn handle(_cloud: &Cloud, _body: &[u8]) -> WireResponse {
    WireResponse::new(400, "text/xml", b"<ErrorResponse><Error><Type>Sender</Type><Code>InvalidAction</Code><Message>not yet</Message></Error></ErrorResponse>".to_vec())
}
