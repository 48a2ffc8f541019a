//! GetFunction, GetFunctionConfiguration, ListFunctions, DeleteFunction,
//! UpdateFunctionConfiguration, and CreateFunction's refusal.

use std::time::Duration;

use localcloud::function::{Function, FunctionConfig, VersionId};
use serde_json::{json, Value};

use super::{field_error, function_error, invalid, Answer, Call};
use crate::protocol::rest_json::{self, RestError};

/// A version's configuration as Lambda's `FunctionConfiguration` shape.
pub(crate) fn configuration_json(call: &Call<'_>, f: &Function, version: VersionId) -> Result<Value, RestError> {
    let handle = f.qualified(&version.to_string()).map_err(function_error)?;
    let config = handle.configuration().map_err(function_error)?;
    Ok(config_json(call, f, version, &config))
}

fn config_json(call: &Call<'_>, f: &Function, version: VersionId, config: &FunctionConfig) -> Value {
    let arn = match version {
        VersionId::Latest => f.arn().to_owned(),
        VersionId::Number(_) => format!("{}:{version}", f.arn()),
    };
    let mut out = json!({
        "FunctionName": f.name(),
        "FunctionArn": arn,
        "Runtime": "provided.al2023",
        "Handler": "localcloud",
        "Role": format!("arn:aws:iam::{}:role/localcloud", account_of(f.arn())),
        "CodeSize": 0,
        "CodeSha256": "",
        "Description": config.description_value(),
        "Timeout": config.timeout_value().as_secs(),
        "MemorySize": config.memory_value(),
        "LastModified": call.cloud.now().to_string(),
        "Version": version.to_string(),
        "PackageType": "Zip",
        "State": "Active",
        "LastUpdateStatus": "Successful",
        "Architectures": ["x86_64"],
        "Environment": { "Variables": config.env_values() },
    });
    if let Some(d) = config.dead_letter_value() {
        out["DeadLetterConfig"] = json!({ "TargetArn": d.arn() });
    }
    out
}

fn account_of(arn: &str) -> &str {
    arn.split(':').nth(4).unwrap_or_default()
}

/// The function named by the call's label and `?Qualifier=`, and the version it names
/// (an alias' primary version).
fn resolve(call: &Call<'_>) -> Result<(Function, VersionId), RestError> {
    let rt = call.cloud.functions();
    let target = call.target();
    let f = rt.function(&call.name()).map_err(function_error)?;
    let qualifier = target.strip_prefix(f.arn()).or_else(|| target.strip_prefix(f.name())).unwrap_or_default();
    let version = match qualifier.strip_prefix(':') {
        None | Some("") => VersionId::Latest,
        Some(q) => match VersionId::parse(q) {
            Some(v) => v,
            None => rt.alias(f.name(), q).map_err(function_error)?.version,
        },
    };
    rt.function(&format!("{}:{version}", f.name())).map_err(function_error)?;
    Ok((f, version))
}

pub(crate) fn get(call: &Call<'_>) -> Answer {
    let (f, version) = resolve(call)?;
    let mut out = json!({
        "Configuration": configuration_json(call, &f, version)?,
        "Code": { "RepositoryType": "localcloud", "Location": "" },
        "Tags": {},
    });
    if let Some(n) = call.cloud.functions().function_concurrency(f.name()).map_err(function_error)? {
        out["Concurrency"] = json!({ "ReservedConcurrentExecutions": n });
    }
    Ok(rest_json::ok(200, &out))
}

pub(crate) fn get_configuration(call: &Call<'_>) -> Answer {
    let (f, version) = resolve(call)?;
    Ok(rest_json::ok(200, &configuration_json(call, &f, version)?))
}

pub(crate) fn list(call: &Call<'_>) -> Answer {
    let all_versions = call.path.param("FunctionVersion") == Some("ALL");
    let rt = call.cloud.functions();
    let mut out = Vec::new();
    for f in rt.list_functions() {
        let versions =
            if all_versions { rt.list_versions(f.name()).unwrap_or_default() } else { vec![VersionId::Latest] };
        for v in versions {
            if let Ok(c) = configuration_json(call, &f, v) {
                out.push(c);
            }
        }
    }
    let (page, next) = page(out, call)?;
    let mut body = json!({ "Functions": page });
    if let Some(n) = next {
        body["NextMarker"] = Value::String(n);
    }
    Ok(rest_json::ok(200, &body))
}

/// One page of `items` from `?Marker=` (an index) of `?MaxItems=` (1–10,000; 50 by
/// default), and the marker of the next page.
pub(crate) fn page(items: Vec<Value>, call: &Call<'_>) -> Result<(Vec<Value>, Option<String>), RestError> {
    let start = match call.path.param("Marker") {
        None => 0,
        Some(m) => m.parse::<usize>().map_err(|_| invalid(format!("invalid marker {m:?}")))?,
    };
    let max = match call.path.param("MaxItems") {
        None => 50,
        Some(m) => m.parse::<usize>().ok().filter(|n| (1..=10_000).contains(n)).ok_or_else(|| {
            RestError::new(400, "ValidationException", format!("MaxItems must be 1 to 10000, got {m:?}"))
        })?,
    };
    let end = start.saturating_add(max).min(items.len());
    let next = (end < items.len()).then(|| end.to_string());
    Ok((items.into_iter().skip(start).take(max).collect(), next))
}

pub(crate) fn delete(call: &Call<'_>) -> Answer {
    if call.path.param("Qualifier").is_some() {
        return Err(invalid("deleting one version is not supported: delete the whole function"));
    }
    call.cloud.functions().delete_function(&call.name()).map_err(function_error)?;
    Ok(rest_json::no_content())
}

pub(crate) fn create(call: &Call<'_>) -> Answer {
    let args = call.args()?;
    let name = args.str("FunctionName").map_err(field_error)?;
    let name = super::function_name(name);
    if call.cloud.functions().function(name).is_ok() {
        return Err(RestError::new(409, "ResourceConflictException", format!("function already exist: {name}")));
    }
    Err(invalid(format!(
        "function code cannot be uploaded to localcloud: create {name:?} in Rust with \
         cloud.functions().create_function, then use it through the SDK"
    )))
}

pub(crate) fn update_configuration(call: &Call<'_>) -> Answer {
    let args = call.args()?;
    let rt = call.cloud.functions();
    let name = call.name();
    let mut config = rt.function_configuration(&name).map_err(function_error)?;
    if let Some(t) = args.int_opt("Timeout").map_err(field_error)? {
        let secs = u64::try_from(t).map_err(|_| invalid(format!("timeout must be 1 to 900 seconds, got {t}")))?;
        config = config.timeout(Duration::from_secs(secs));
    }
    if let Some(m) = args.int_opt("MemorySize").map_err(field_error)? {
        let mb = u32::try_from(m).map_err(|_| invalid(format!("memory size must be 128 to 10240 MB, got {m}")))?;
        config = config.memory_mb(mb);
    }
    if let Some(d) = args.str_opt("Description").map_err(field_error)? {
        config = config.description(d);
    }
    if args.has("Environment") {
        let env = args.object("Environment").map_err(field_error)?;
        config = config.clear_env();
        for (k, v) in env.string_map("Variables").map_err(field_error)? {
            config = config.env(k, v);
        }
    }
    for unsupported in ["Runtime", "Handler", "Role", "Layers", "VpcConfig", "DeadLetterConfig", "KMSKeyArn"] {
        if args.has(unsupported) {
            return Err(invalid(format!("{unsupported} cannot be changed over the wire on localcloud")));
        }
    }
    rt.update_function_configuration(&name, config).map_err(function_error)?;
    let f = rt.function(&name).map_err(function_error)?;
    let body = configuration_json(call, &f, VersionId::Latest)?;
    Ok(rest_json::ok(200, &body))
}

/// A function named by name, `name:qualifier` or ARN, as the native runtime's
/// `name[:qualifier]`.
pub(crate) fn target_of(label: &str) -> String {
    match label.split_once(":function:") {
        Some((_, rest)) => rest.to_owned(),
        None => label.to_owned(),
    }
}
