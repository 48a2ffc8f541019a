//! Reserved concurrency, event invoke configs (retries, event age, destinations) and
//! resource policies (AddPermission / RemovePermission / GetPolicy).

use std::time::Duration;

use localcloud::function::{Destination, EventInvokeConfig, Permission};
use serde_json::{json, Value};

use super::{field_error, function_error, invalid, Answer, Call};
use crate::protocol::json::Args;
use crate::protocol::rest_json::{self, RestError};

pub(crate) fn put_concurrency(call: &Call<'_>) -> Answer {
    let args = call.args()?;
    let n = args.int("ReservedConcurrentExecutions").map_err(field_error)?;
    let n =
        u32::try_from(n).map_err(|_| invalid(format!("reserved concurrent executions must be 0 or more, got {n}")))?;
    call.cloud.functions().put_function_concurrency(&call.name(), n).map_err(function_error)?;
    Ok(rest_json::ok(200, &json!({ "ReservedConcurrentExecutions": n })))
}

pub(crate) fn get_concurrency(call: &Call<'_>) -> Answer {
    let n = call.cloud.functions().function_concurrency(&call.name()).map_err(function_error)?;
    let body = match n {
        Some(n) => json!({ "ReservedConcurrentExecutions": n }),
        None => json!({}),
    };
    Ok(rest_json::ok(200, &body))
}

pub(crate) fn delete_concurrency(call: &Call<'_>) -> Answer {
    call.cloud.functions().delete_function_concurrency(&call.name()).map_err(function_error)?;
    Ok(rest_json::no_content())
}

/// The queue, topic or function an ARN names, on this cloud.
pub(crate) fn destination(call: &Call<'_>, arn: &str) -> Result<Destination, RestError> {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let missing = |e: String| invalid(format!("the destination {arn:?} does not exist: {e}"));
    match parts.as_slice() {
        ["arn", _, "sqs", _, _, name] => {
            call.cloud.queue(name).map(|q| Destination::queue(&q)).map_err(|e| missing(e.to_string()))
        }
        ["arn", _, "sns", _, _, name] => {
            call.cloud.topic(name).map(|t| Destination::topic(&t)).map_err(|e| missing(e.to_string()))
        }
        ["arn", _, "lambda", _, _, _] => {
            call.cloud.functions().function(arn).map(|f| Destination::function(&f)).map_err(|e| missing(e.to_string()))
        }
        _ => Err(invalid(format!("the destination {arn:?} must be a queue, topic or function ARN"))),
    }
}

fn event_config_json(call: &Call<'_>, c: &EventInvokeConfig) -> Value {
    let arn = call.cloud.functions().function(&call.target()).map(|f| f.qualified_arn()).unwrap_or_default();
    let dest = |d: Option<&Destination>| match d {
        Some(d) => json!({ "Destination": d.arn() }),
        None => json!({}),
    };
    json!({
        "FunctionArn": arn,
        "MaximumRetryAttempts": c.maximum_retry_attempts_value(),
        "MaximumEventAgeInSeconds": c.maximum_event_age_value().as_secs(),
        "LastModified": call.cloud.now().as_millis() / 1000,
        "DestinationConfig": { "OnSuccess": dest(c.on_success_value()), "OnFailure": dest(c.on_failure_value()) },
    })
}

/// PutFunctionEventInvokeConfig (replaces) and UpdateFunctionEventInvokeConfig
/// (`merge`: fields left out keep their values).
pub(crate) fn put_event_config(call: &Call<'_>, merge: bool) -> Answer {
    let args = call.args()?;
    let rt = call.cloud.functions();
    let name = call.name();
    let current = rt.function_event_invoke_config(&name).map_err(function_error)?;
    let mut config = EventInvokeConfig::default();
    let (mut on_success, mut on_failure) = (None, None);
    if merge {
        config = config
            .maximum_retry_attempts(current.maximum_retry_attempts_value())
            .maximum_event_age(current.maximum_event_age_value());
        on_success = current.on_success_value().cloned();
        on_failure = current.on_failure_value().cloned();
    }
    if let Some(n) = args.int_opt("MaximumRetryAttempts").map_err(field_error)? {
        let n = u32::try_from(n).map_err(|_| invalid(format!("maximum retry attempts must be 0 to 2, got {n}")))?;
        config = config.maximum_retry_attempts(n);
    }
    if let Some(s) = args.int_opt("MaximumEventAgeInSeconds").map_err(field_error)? {
        let s = u64::try_from(s).map_err(|_| invalid(format!("maximum event age must be 60 to 21600, got {s}")))?;
        config = config.maximum_event_age(Duration::from_secs(s));
    }
    if args.has("DestinationConfig") {
        let dc = args.object("DestinationConfig").map_err(field_error)?;
        let read = |key: &'static str| -> Result<Option<Option<Destination>>, RestError> {
            if !dc.has(key) {
                return Ok(None);
            }
            let d: Args = dc.object(key).map_err(field_error)?;
            match d.str_opt("Destination").map_err(field_error)? {
                Some(arn) => Ok(Some(Some(destination(call, arn)?))),
                None => Ok(Some(None)),
            }
        };
        if let Some(d) = read("OnSuccess")? {
            on_success = d;
        }
        if let Some(d) = read("OnFailure")? {
            on_failure = d;
        }
    }
    if let Some(d) = on_success {
        config = config.on_success(d);
    }
    if let Some(d) = on_failure {
        config = config.on_failure(d);
    }
    rt.put_function_event_invoke_config(&name, config.clone()).map_err(function_error)?;
    Ok(rest_json::ok(200, &event_config_json(call, &config)))
}

pub(crate) fn get_event_config(call: &Call<'_>) -> Answer {
    let config = call.cloud.functions().function_event_invoke_config(&call.name()).map_err(function_error)?;
    Ok(rest_json::ok(200, &event_config_json(call, &config)))
}

pub(crate) fn delete_event_config(call: &Call<'_>) -> Answer {
    let rt = call.cloud.functions();
    rt.put_function_event_invoke_config(&call.name(), EventInvokeConfig::default()).map_err(function_error)?;
    Ok(rest_json::no_content())
}

fn statement_json(resource: &str, p: &Permission) -> Value {
    let principal = p.principal_value();
    let principal = if principal == "*" {
        json!("*")
    } else if principal.ends_with(".amazonaws.com") {
        json!({ "Service": principal })
    } else {
        json!({ "AWS": principal })
    };
    let mut s = json!({
        "Sid": p.statement_id(),
        "Effect": "Allow",
        "Principal": principal,
        "Action": "lambda:InvokeFunction",
        "Resource": resource,
    });
    let mut condition = serde_json::Map::new();
    if let Some(arn) = p.source_arn_value() {
        condition.insert("ArnLike".into(), json!({ "AWS:SourceArn": arn }));
    }
    if let Some(acct) = p.source_account_value() {
        condition.insert("StringEquals".into(), json!({ "AWS:SourceAccount": acct }));
    }
    if !condition.is_empty() {
        s["Condition"] = Value::Object(condition);
    }
    s
}

pub(crate) fn add_permission(call: &Call<'_>) -> Answer {
    let args = call.args()?;
    let sid = args.str("StatementId").map_err(field_error)?;
    let action = args.str("Action").map_err(field_error)?;
    let principal = args.str("Principal").map_err(field_error)?;
    if !matches!(action, "lambda:InvokeFunction" | "lambda:*") {
        return Err(invalid(format!("only lambda:InvokeFunction is checked on localcloud, got action {action:?}")));
    }
    let mut p = Permission::new(sid).principal(principal);
    if let Some(arn) = args.str_opt("SourceArn").map_err(field_error)? {
        p = p.source_arn(arn);
    }
    if let Some(acct) = args.str_opt("SourceAccount").map_err(field_error)? {
        p = p.source_account(acct);
    }
    let rt = call.cloud.functions();
    let name = call.name();
    rt.add_permission(&name, p.clone()).map_err(function_error)?;
    let arn = rt.function(&name).map(|f| f.arn().to_owned()).unwrap_or_default();
    let statement = statement_json(&arn, &p).to_string();
    Ok(rest_json::ok(201, &json!({ "Statement": statement })))
}

pub(crate) fn remove_permission(call: &Call<'_>, sid: &str) -> Answer {
    call.cloud.functions().remove_permission(&call.name(), sid).map_err(function_error)?;
    Ok(rest_json::no_content())
}

pub(crate) fn get_policy(call: &Call<'_>) -> Answer {
    let rt = call.cloud.functions();
    let name = call.name();
    let policy = rt.policy(&name).map_err(function_error)?;
    if policy.is_empty() {
        return Err(RestError::new(404, "ResourceNotFoundException", "the resource you requested does not exist"));
    }
    let arn = rt.function(&name).map(|f| f.arn().to_owned()).unwrap_or_default();
    let statements: Vec<Value> = policy.iter().map(|p| statement_json(&arn, p)).collect();
    let doc = json!({ "Version": "2012-10-17", "Id": "default", "Statement": statements });
    Ok(rest_json::ok(200, &json!({ "Policy": doc.to_string(), "RevisionId": format!("{}", policy.len()) })))
}
