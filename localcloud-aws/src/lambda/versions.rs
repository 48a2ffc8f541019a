//! PublishVersion, ListVersionsByFunction, and aliases with weighted routing.

use localcloud::function::{AliasInfo, AliasRouting, VersionId};
use serde_json::{json, Value};

use super::functions::{configuration_json, page};
use super::{field_error, function_error, Answer, Call};
use crate::protocol::json::Args;
use crate::protocol::rest_json::{self, RestError};

pub(crate) fn publish(call: &Call<'_>) -> Answer {
    let rt = call.cloud.functions();
    let name = call.name();
    let version = rt.publish_version(&name).map_err(function_error)?;
    let f = rt.function(&name).map_err(function_error)?;
    Ok(rest_json::ok(201, &configuration_json(call, &f, version)?))
}

pub(crate) fn list_versions(call: &Call<'_>) -> Answer {
    let rt = call.cloud.functions();
    let name = call.name();
    let f = rt.function(&name).map_err(function_error)?;
    let mut out = Vec::new();
    for v in rt.list_versions(&name).map_err(function_error)? {
        out.push(configuration_json(call, &f, v)?);
    }
    let (page, next) = page(out, call)?;
    let mut body = json!({ "Versions": page });
    if let Some(n) = next {
        body["NextMarker"] = Value::String(n);
    }
    Ok(rest_json::ok(200, &body))
}

fn alias_json(a: &AliasInfo) -> Value {
    let mut out = json!({
        "AliasArn": a.arn,
        "Name": a.name,
        "FunctionVersion": a.version.to_string(),
        "Description": "",
        "RevisionId": format!("{:x}", revision_of(&a.arn, a.version, a.routing)),
    });
    if let Some((v, w)) = a.routing {
        out["RoutingConfig"] = json!({ "AdditionalVersionWeights": { v.to_string(): w } });
    }
    out
}

/// A revision id that changes when the alias does (stable for the same state).
fn revision_of(arn: &str, v: VersionId, routing: Option<(VersionId, f64)>) -> u64 {
    let text = format!("{arn}|{v}|{routing:?}");
    text.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

fn routing(args: &Args) -> Result<Option<AliasRouting>, RestError> {
    if !args.has("RoutingConfig") {
        return Ok(None);
    }
    let rc = args.object("RoutingConfig").map_err(field_error)?;
    let weights = rc.number_map("AdditionalVersionWeights").map_err(field_error)?;
    Ok(Some(AliasRouting::weights(weights)))
}

pub(crate) fn create_alias(call: &Call<'_>) -> Answer {
    let args = call.args()?;
    let alias = args.str("Name").map_err(field_error)?;
    let version = args.str("FunctionVersion").map_err(field_error)?;
    let routing = routing(&args)?.unwrap_or_default();
    let info = call.cloud.functions().create_alias(&call.name(), alias, version, routing).map_err(function_error)?;
    Ok(rest_json::ok(201, &alias_json(&info)))
}

pub(crate) fn get_alias(call: &Call<'_>, alias: &str) -> Answer {
    let info = call.cloud.functions().alias(&call.name(), alias).map_err(function_error)?;
    Ok(rest_json::ok(200, &alias_json(&info)))
}

pub(crate) fn update_alias(call: &Call<'_>, alias: &str) -> Answer {
    let args = call.args()?;
    let rt = call.cloud.functions();
    let name = call.name();
    let current = rt.alias(&name, alias).map_err(function_error)?;
    let version = match args.str_opt("FunctionVersion").map_err(field_error)? {
        Some(v) => v.to_owned(),
        None => current.version.to_string(),
    };
    let routing = match routing(&args)? {
        Some(r) => r,
        None => match current.routing {
            Some((v, w)) => AliasRouting::weights([(v.to_string(), w)]),
            None => AliasRouting::none(),
        },
    };
    let info = rt.update_alias(&name, alias, &version, routing).map_err(function_error)?;
    Ok(rest_json::ok(200, &alias_json(&info)))
}

pub(crate) fn delete_alias(call: &Call<'_>, alias: &str) -> Answer {
    call.cloud.functions().delete_alias(&call.name(), alias).map_err(function_error)?;
    Ok(rest_json::no_content())
}

pub(crate) fn list_aliases(call: &Call<'_>) -> Answer {
    let aliases = call.cloud.functions().list_aliases(&call.name()).map_err(function_error)?;
    let only = call.path.param("FunctionVersion");
    let items = aliases.iter().filter(|a| only.is_none_or(|v| a.version.to_string() == v)).map(alias_json).collect();
    let (page, next) = page(items, call)?;
    let mut body = json!({ "Aliases": page });
    if let Some(n) = next {
        body["NextMarker"] = Value::String(n);
    }
    Ok(rest_json::ok(200, &body))
}
