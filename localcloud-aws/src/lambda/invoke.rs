//! Invoke: `X-Amz-Invocation-Type` (RequestResponse, Event, DryRun) and
//! `X-Amz-Log-Type: Tail` in; status 200 / 202 / 204, the payload, and
//! `X-Amz-Function-Error`, `X-Amz-Executed-Version`, `X-Amz-Log-Result` out.

use localcloud::function::Invocation;

use super::{function_error, Answer, Call};
use crate::protocol::rest_json::RestError;
use crate::protocol::WireResponse;

pub(crate) fn invoke(call: &Call<'_>) -> Answer {
    let payload = call.req.body.clone();
    let mut invocation = match call.req.header("x-amz-invocation-type").unwrap_or("RequestResponse") {
        "RequestResponse" => Invocation::request_response(payload),
        "Event" => Invocation::event(payload),
        "DryRun" => Invocation::dry_run(),
        other => {
            return Err(RestError::new(
                400,
                "ValidationException",
                format!("invocation type {other:?} must be RequestResponse, Event or DryRun"),
            ))
        }
    };
    match call.req.header("x-amz-log-type") {
        None | Some("None") => {}
        Some("Tail") => invocation = invocation.with_log_tail(),
        Some(other) => {
            return Err(RestError::new(400, "ValidationException", format!("log type {other:?} must be None or Tail")))
        }
    }
    let out = call.cloud.functions().invoke(&call.target(), invocation).map_err(function_error)?;
    let mut resp = WireResponse::new(out.status_code(), "application/json", out.payload().to_vec());
    if let Some(e) = out.function_error() {
        resp = resp.header("x-amz-function-error", e);
    }
    if let Some(v) = out.executed_version() {
        resp = resp.header("x-amz-executed-version", v.to_string());
    }
    if let Some(tail) = out.log_tail() {
        resp = resp.header("x-amz-log-result", aws_smithy_types::base64::encode(tail.as_bytes()));
    }
    Ok(resp.header("x-amzn-requestid", out.request_id().to_string()))
}
