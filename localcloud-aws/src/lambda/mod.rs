//! Lambda on REST-JSON, served over the cloud's function runtime (`cloud.functions()`).
//!
//! Function code cannot travel over the wire: functions are created in Rust on the
//! cloud, then invoked, configured, versioned, aliased, throttled and permitted through
//! the SDK. `CreateFunction` answers `ResourceConflictException` when the name is
//! taken (as AWS does) and `InvalidParameterValueException` otherwise, saying so.

mod functions;
mod invoke;
mod mappings;
mod settings;
mod versions;

use localcloud::function::FunctionError;
use localcloud::mapping::MappingError;
use localcloud::Cloud;

use crate::protocol::json::{Args, FieldError};
use crate::protocol::rest_json::{self, RestError, RestPath};
use crate::protocol::{WireRequest, WireResponse};

/// What every operation returns: an answer or an error to render.
pub(crate) type Answer = Result<WireResponse, RestError>;

/// One request, parsed: the function name label, the path and the body's fields.
#[derive(Debug)]
pub(crate) struct Call<'a> {
    pub(crate) cloud: &'a Cloud,
    pub(crate) req: &'a WireRequest,
    pub(crate) path: RestPath,
}

impl Call<'_> {
    /// The body as a JSON object (empty reads as `{}`).
    pub(crate) fn args(&self) -> Result<Args, RestError> {
        Args::parse(&self.req.body).map_err(field_error)
    }

    /// The function label (segment 2), with `?Qualifier=` appended when given.
    pub(crate) fn target(&self) -> String {
        let name = self.path.segments.get(2).cloned().unwrap_or_default();
        match self.path.param("Qualifier") {
            Some(q) if !name.starts_with("arn:") && !name.contains(':') => format!("{name}:{q}"),
            Some(q) if name.starts_with("arn:") && name.split(':').count() == 7 => format!("{name}:{q}"),
            _ => name,
        }
    }

    /// The bare function name of the label (an ARN's name part, without qualifier).
    pub(crate) fn name(&self) -> String {
        let label = self.path.segments.get(2).map(String::as_str).unwrap_or_default();
        function_name(label).to_owned()
    }
}

/// `name`, `name:qualifier`, `account:function:name` or a full ARN → `name`.
pub(crate) fn function_name(label: &str) -> &str {
    let parts: Vec<&str> = label.split(':').collect();
    match parts.iter().position(|p| *p == "function") {
        Some(i) => parts.get(i + 1).copied().unwrap_or_default(),
        None => parts.first().copied().unwrap_or_default(),
    }
}

/// Answers one Lambda request.
pub(crate) fn handle(cloud: &Cloud, req: &WireRequest) -> WireResponse {
    let Some(path) = RestPath::parse(&req.path) else {
        return rest_json::error(&RestError::new(400, "ValidationException", "the request path is not valid"));
    };
    let call = Call { cloud, req, path };
    match dispatch(&call) {
        Ok(r) => r,
        Err(e) => rest_json::error(&e),
    }
}

fn dispatch(call: &Call<'_>) -> Answer {
    let segs: Vec<&str> = call.path.segments.iter().map(String::as_str).collect();
    let method = call.req.method.as_str();
    match (method, segs.get(1..).unwrap_or_default()) {
        ("GET", ["functions"]) => functions::list(call),
        ("POST", ["functions"]) => functions::create(call),
        ("GET", ["functions", _]) => functions::get(call),
        ("DELETE", ["functions", _]) => functions::delete(call),
        ("GET", ["functions", _, "configuration"]) => functions::get_configuration(call),
        ("PUT", ["functions", _, "configuration"]) => functions::update_configuration(call),
        ("POST", ["functions", _, "invocations"]) => invoke::invoke(call),
        ("POST", ["functions", _, "versions"]) => versions::publish(call),
        ("GET", ["functions", _, "versions"]) => versions::list_versions(call),
        ("POST", ["functions", _, "aliases"]) => versions::create_alias(call),
        ("GET", ["functions", _, "aliases"]) => versions::list_aliases(call),
        ("GET", ["functions", _, "aliases", a]) => versions::get_alias(call, a),
        ("PUT", ["functions", _, "aliases", a]) => versions::update_alias(call, a),
        ("DELETE", ["functions", _, "aliases", a]) => versions::delete_alias(call, a),
        ("PUT", ["functions", _, "concurrency"]) => settings::put_concurrency(call),
        ("GET", ["functions", _, "concurrency"]) => settings::get_concurrency(call),
        ("DELETE", ["functions", _, "concurrency"]) => settings::delete_concurrency(call),
        ("PUT", ["functions", _, "event-invoke-config"]) => settings::put_event_config(call, false),
        ("POST", ["functions", _, "event-invoke-config"]) => settings::put_event_config(call, true),
        ("GET", ["functions", _, "event-invoke-config"]) => settings::get_event_config(call),
        ("DELETE", ["functions", _, "event-invoke-config"]) => settings::delete_event_config(call),
        ("POST", ["functions", _, "policy"]) => settings::add_permission(call),
        ("GET", ["functions", _, "policy"]) => settings::get_policy(call),
        ("DELETE", ["functions", _, "policy", sid]) => settings::remove_permission(call, sid),
        ("POST", ["event-source-mappings"]) => mappings::create(call),
        ("GET", ["event-source-mappings"]) => mappings::list(call),
        ("GET", ["event-source-mappings", id]) => mappings::get(call, id),
        ("PUT", ["event-source-mappings", id]) => mappings::update(call, id),
        ("DELETE", ["event-source-mappings", id]) => mappings::delete(call, id),
        _ => Err(RestError::new(
            404,
            "UnknownOperationException",
            format!("no Lambda operation answers {method} {}", call.req.path),
        )),
    }
}

/// The wire error for a native one, with AWS's status.
pub(crate) fn function_error(e: FunctionError) -> RestError {
    let status = match e.code() {
        "ResourceNotFoundException" => 404,
        "ResourceConflictException" => 409,
        "TooManyRequestsException" => 429,
        "RequestTooLargeException" => 413,
        "AccessDeniedException" => 403,
        _ => 400,
    };
    let mut err = RestError::new(status, e.code(), e.to_string());
    if let Some(reason) = e.reason() {
        err.extra.push(("Reason", reason.as_str().to_owned()));
    }
    err
}

/// The wire error for a native mapping error, with AWS's status.
pub(crate) fn mapping_error(e: MappingError) -> RestError {
    let status = match e.code() {
        "ResourceNotFoundException" => 404,
        "ResourceConflictException" => 409,
        _ => 400,
    };
    RestError::new(status, e.code(), e.to_string())
}

/// The wire error for a body that could not be read.
pub(crate) fn field_error(e: FieldError) -> RestError {
    match e {
        FieldError::NotAnObject => RestError::new(400, "InvalidRequestContentException", e.to_string()),
        _ => RestError::new(400, "ValidationException", e.to_string()),
    }
}

/// An out-of-range or malformed value.
pub(crate) fn invalid(msg: impl Into<String>) -> RestError {
    RestError::new(400, "InvalidParameterValueException", msg)
}
