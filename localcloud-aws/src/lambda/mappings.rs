//! Event source mappings (Create / Get / Update / Delete / ListEventSourceMappings)
//! over the native mappings (`localcloud::mapping`): queues, Kinesis streams and
//! table streams, named by ARN.

use std::time::Duration;

use localcloud::mapping::{EventSourceMapping, Mapping, MappingSource};
use localcloud::{StartingPosition, Timestamp};
use serde_json::{json, Value};

use super::functions::page;
use super::settings::destination;
use super::{field_error, invalid, mapping_error, Answer, Call};
use crate::protocol::json::Args;
use crate::protocol::rest_json::{self, RestError};

/// The mapping settings for a source named by ARN.
fn source(call: &Call<'_>, arn: &str, function: &str) -> Result<EventSourceMapping, RestError> {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let missing = |e: String| RestError::new(404, "ResourceNotFoundException", format!("{arn}: {e}"));
    match parts.as_slice() {
        ["arn", _, "sqs", _, _, name] => {
            let q = call.cloud.queue(name).map_err(|e| missing(e.to_string()))?;
            Ok(EventSourceMapping::queue(&q, function))
        }
        ["arn", _, "kinesis", _, _, res] if res.starts_with("stream/") => {
            let s = call.cloud.stream(&res["stream/".len()..]).map_err(|e| missing(e.to_string()))?;
            Ok(EventSourceMapping::stream(&s, function))
        }
        ["arn", _, "dynamodb", _, _, res] if res.starts_with("table/") => {
            let name = res["table/".len()..].split('/').next().unwrap_or_default();
            let t = call.cloud.table(name).map_err(|e| missing(e.to_string()))?;
            Ok(EventSourceMapping::table_stream(&t, function))
        }
        _ => Err(invalid(format!("the event source {arn:?} must be a queue, stream or table stream ARN"))),
    }
}

fn secs(args: &Args, name: &'static str) -> Result<Option<Duration>, RestError> {
    match args.int_opt(name).map_err(field_error)? {
        None => Ok(None),
        Some(n) => u64::try_from(n)
            .map(|s| Some(Duration::from_secs(s)))
            .map_err(|_| invalid(format!("{name} must not be negative, got {n}"))),
    }
}

fn count(args: &Args, name: &'static str) -> Result<Option<u32>, RestError> {
    match args.int_opt(name).map_err(field_error)? {
        None => Ok(None),
        Some(n) => u32::try_from(n).map(Some).map_err(|_| invalid(format!("{name} out of range: {n}"))),
    }
}

/// Applies the settings the body names to `m`.
fn apply(call: &Call<'_>, args: &Args, mut m: EventSourceMapping) -> Result<EventSourceMapping, RestError> {
    if let Some(n) = count(args, "BatchSize")? {
        m = m.batch_size(n);
    }
    if let Some(d) = secs(args, "MaximumBatchingWindowInSeconds")? {
        m = m.maximum_batching_window(d);
    }
    if args.has("FunctionResponseTypes") {
        let types = args.strings("FunctionResponseTypes").map_err(field_error)?;
        if let Some(bad) = types.iter().find(|t| *t != "ReportBatchItemFailures") {
            return Err(invalid(format!("unknown function response type {bad:?}")));
        }
        m = m.report_batch_item_failures(!types.is_empty());
    }
    if args.has("ScalingConfig") {
        let sc = args.object("ScalingConfig").map_err(field_error)?;
        if let Some(n) = count(&sc, "MaximumConcurrency")? {
            m = m.maximum_concurrency(n);
        }
    }
    if let Some(b) = args.bool_opt("BisectBatchOnFunctionError").map_err(field_error)? {
        m = m.bisect_batch_on_function_error(b);
    }
    if let Some(n) = args.int_opt("MaximumRetryAttempts").map_err(field_error)? {
        let n = i32::try_from(n).map_err(|_| invalid(format!("MaximumRetryAttempts out of range: {n}")))?;
        m = m.maximum_retry_attempts(n);
    }
    match args.int_opt("MaximumRecordAgeInSeconds").map_err(field_error)? {
        None => {}
        Some(-1) => m = m.maximum_record_age(None),
        Some(_) => m = m.maximum_record_age(secs(args, "MaximumRecordAgeInSeconds")?),
    }
    if let Some(n) = count(args, "ParallelizationFactor")? {
        m = m.parallelization_factor(n);
    }
    if let Some(d) = secs(args, "TumblingWindowInSeconds")? {
        m = m.tumbling_window(d);
    }
    if args.has("DestinationConfig") {
        let dc = args.object("DestinationConfig").map_err(field_error)?;
        if dc.has("OnFailure") {
            let of = dc.object("OnFailure").map_err(field_error)?;
            if let Some(arn) = of.str_opt("Destination").map_err(field_error)? {
                m = m.on_failure(destination(call, arn)?);
            }
        }
    }
    if let Some(on) = args.bool_opt("Enabled").map_err(field_error)? {
        m = m.enabled(on);
    }
    Ok(m)
}

fn starting_position(args: &Args) -> Result<Option<StartingPosition>, RestError> {
    let Some(p) = args.str_opt("StartingPosition").map_err(field_error)? else {
        return Ok(None);
    };
    match p {
        "TRIM_HORIZON" => Ok(Some(StartingPosition::TrimHorizon)),
        "LATEST" => Ok(Some(StartingPosition::Latest)),
        "AT_TIMESTAMP" => {
            let t = args.float("StartingPositionTimestamp").map_err(field_error)?;
            if !(0.0..1e12).contains(&t) {
                return Err(invalid(format!("StartingPositionTimestamp out of range: {t}")));
            }
            Ok(Some(StartingPosition::AtTimestamp(Timestamp::from_millis((t * 1000.0) as u64))))
        }
        other => Err(invalid(format!("starting position {other:?} must be TRIM_HORIZON, LATEST or AT_TIMESTAMP"))),
    }
}

fn mapping_json(call: &Call<'_>, m: &Mapping) -> Value {
    let c = m.config();
    let function = c.function().to_owned();
    let function_arn = call.cloud.functions().function(&function).map(|f| f.qualified_arn()).unwrap_or(function);
    let types: Vec<&str> = if c.get_report_batch_item_failures() { vec!["ReportBatchItemFailures"] } else { vec![] };
    let mut out = json!({
        "UUID": m.uuid(),
        "EventSourceArn": m.event_source_arn(),
        "FunctionArn": function_arn,
        "BatchSize": c.get_batch_size(),
        "MaximumBatchingWindowInSeconds": c.get_maximum_batching_window().as_secs(),
        "State": m.state().as_str(),
        "StateTransitionReason": "USER_INITIATED",
        "LastModified": call.cloud.now().as_millis() / 1000,
        "LastProcessingResult": m.last_processing_result(),
        "FunctionResponseTypes": types,
    });
    if let Some(n) = c.get_maximum_concurrency() {
        out["ScalingConfig"] = json!({ "MaximumConcurrency": n });
    }
    if !matches!(c.source(), MappingSource::Queue(_)) {
        let position = match c.get_starting_position() {
            Some(StartingPosition::TrimHorizon) => "TRIM_HORIZON",
            Some(StartingPosition::AtTimestamp(_)) => "AT_TIMESTAMP",
            _ => "LATEST",
        };
        out["StartingPosition"] = json!(position);
        out["BisectBatchOnFunctionError"] = json!(c.get_bisect_batch_on_function_error());
        out["MaximumRetryAttempts"] = json!(c.get_maximum_retry_attempts());
        out["MaximumRecordAgeInSeconds"] = json!(c.get_maximum_record_age().map_or(-1, |d| d.as_secs() as i64));
        out["ParallelizationFactor"] = json!(c.get_parallelization_factor());
        out["TumblingWindowInSeconds"] = json!(c.get_tumbling_window().as_secs());
        if let Some(d) = c.get_on_failure() {
            out["DestinationConfig"] = json!({ "OnFailure": { "Destination": d.arn() } });
        }
    }
    out
}

pub(crate) fn create(call: &Call<'_>) -> Answer {
    let args = call.args()?;
    let arn = args.str("EventSourceArn").map_err(field_error)?;
    let function = args.str("FunctionName").map_err(field_error)?;
    let function = super::functions::target_of(function);
    let mut m = apply(call, &args, source(call, arn, &function)?)?;
    if let Some(p) = starting_position(&args)? {
        m = m.starting_position(p);
    }
    let mapping = call.cloud.functions().create_event_source_mapping(m).map_err(mapping_error)?;
    Ok(rest_json::ok(202, &mapping_json(call, &mapping)))
}

fn find(call: &Call<'_>, id: &str) -> Result<Mapping, RestError> {
    call.cloud.functions().event_source_mapping(id).map_err(mapping_error)
}

pub(crate) fn get(call: &Call<'_>, id: &str) -> Answer {
    Ok(rest_json::ok(200, &mapping_json(call, &find(call, id)?)))
}

pub(crate) fn update(call: &Call<'_>, id: &str) -> Answer {
    let args = call.args()?;
    let m = find(call, id)?;
    if let Some(f) = args.str_opt("FunctionName").map_err(field_error)? {
        if super::functions::target_of(f) != m.function() {
            return Err(invalid("moving a mapping to another function is not supported: delete it and create one"));
        }
    }
    let next = apply(call, &args, m.config())?;
    m.update(|_| next).map_err(mapping_error)?;
    Ok(rest_json::ok(202, &mapping_json(call, &m)))
}

pub(crate) fn delete(call: &Call<'_>, id: &str) -> Answer {
    let m = find(call, id)?;
    call.cloud.functions().delete_event_source_mapping(&m).map_err(mapping_error)?;
    Ok(rest_json::ok(202, &mapping_json(call, &m)))
}

pub(crate) fn list(call: &Call<'_>) -> Answer {
    let source = call.path.param("EventSourceArn");
    let function = call.path.param("FunctionName").map(super::functions::target_of);
    let mut all = call.cloud.functions().list_event_source_mappings();
    all.sort_by(|a, b| a.uuid().cmp(b.uuid()));
    let items = all
        .iter()
        .filter(|m| source.is_none_or(|s| m.event_source_arn() == s))
        .filter(|m| function.as_deref().is_none_or(|f| m.function() == f))
        .map(|m| mapping_json(call, m))
        .collect();
    let (page, next) = page(items, call)?;
    let mut body = json!({ "EventSourceMappings": page });
    if let Some(n) = next {
        body["NextMarker"] = Value::String(n);
    }
    Ok(rest_json::ok(200, &body))
}
