//! Queue attributes by name: CreateQueue's and SetQueueAttributes' strings onto a
//! `QueueConfig`, and GetQueueAttributes' strings from a queue.

use std::collections::BTreeMap;
use std::time::Duration;

use localcloud::queue::{DeduplicationScope, FifoThroughputLimit, RedriveAllowPolicy};
use localcloud::{Cloud, Queue, QueueConfig, RedrivePolicy};
use serde_json::{json, Value};

use super::{queue_at, queue_by_arn, Reply, SqsFault};
use crate::protocol::json::Args;

const ALL: &[&str] = &[
    "ApproximateNumberOfMessages",
    "ApproximateNumberOfMessagesDelayed",
    "ApproximateNumberOfMessagesNotVisible",
    "CreatedTimestamp",
    "DelaySeconds",
    "LastModifiedTimestamp",
    "MaximumMessageSize",
    "MessageRetentionPeriod",
    "QueueArn",
    "ReceiveMessageWaitTimeSeconds",
    "VisibilityTimeout",
    "RedrivePolicy",
    "RedriveAllowPolicy",
    "SqsManagedSseEnabled",
    "FifoQueue",
    "ContentBasedDeduplication",
    "DeduplicationScope",
    "FifoThroughputLimit",
    "Policy",
    "KmsMasterKeyId",
    "KmsDataKeyReusePeriodSeconds",
];

fn bad_value(name: &str, value: &str) -> SqsFault {
    SqsFault::new(
        "InvalidAttributeValue",
        "InvalidAttributeValue",
        format!("invalid value {value:?} for the attribute {name}"),
    )
}

fn secs(name: &str, v: &str) -> Result<Duration, SqsFault> {
    v.trim().parse::<u64>().map(Duration::from_secs).map_err(|_| bad_value(name, v))
}

fn flag(name: &str, v: &str) -> Result<bool, SqsFault> {
    match v {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(bad_value(name, v)),
    }
}

/// Applies named attributes to `config`. `creating` allows the attributes fixed at
/// creation (FifoQueue).
pub(crate) fn apply_attributes(
    cloud: &Cloud,
    mut config: QueueConfig,
    attrs: &BTreeMap<String, String>,
    creating: bool,
) -> Result<QueueConfig, SqsFault> {
    for (name, v) in attrs {
        config = match name.as_str() {
            "VisibilityTimeout" => config.visibility_timeout(secs(name, v)?),
            "DelaySeconds" => config.delay(secs(name, v)?),
            "MessageRetentionPeriod" => config.retention(secs(name, v)?),
            "ReceiveMessageWaitTimeSeconds" => config.receive_wait(secs(name, v)?),
            "MaximumMessageSize" => config.max_message_size(v.parse().map_err(|_| bad_value(name, v))?),
            "RedrivePolicy" if v.is_empty() => without_redrive(config),
            "RedrivePolicy" => config.redrive(parse_redrive(cloud, v)?),
            "RedriveAllowPolicy" => config.redrive_allow(parse_redrive_allow(v)?),
            "ContentBasedDeduplication" => config.content_based_deduplication(flag(name, v)?),
            "DeduplicationScope" => config.deduplication_scope(match v.as_str() {
                "queue" => DeduplicationScope::Queue,
                "messageGroup" => DeduplicationScope::MessageGroup,
                _ => return Err(bad_value(name, v)),
            }),
            "FifoThroughputLimit" => config.throughput_limit(match v.as_str() {
                "perQueue" => FifoThroughputLimit::PerQueue,
                "perMessageGroupId" => FifoThroughputLimit::PerMessageGroupId,
                _ => return Err(bad_value(name, v)),
            }),
            "FifoQueue" if creating => {
                if flag(name, v)? != config.is_fifo() {
                    return Err(bad_value(name, v));
                }
                config
            }
            // Accepted and not modelled: encryption and access policy.
            "Policy" | "KmsMasterKeyId" | "KmsDataKeyReusePeriodSeconds" | "SqsManagedSseEnabled" => config,
            _ => {
                return Err(SqsFault::new(
                    "InvalidAttributeName",
                    "InvalidAttributeName",
                    format!("unknown attribute {name}"),
                ))
            }
        };
    }
    Ok(config)
}

fn without_redrive(config: QueueConfig) -> QueueConfig {
    let mut fresh = if config.is_fifo() { QueueConfig::fifo() } else { QueueConfig::standard() };
    fresh = fresh
        .visibility_timeout(config.get_visibility_timeout())
        .delay(config.get_delay())
        .retention(config.get_retention())
        .max_message_size(config.get_max_message_size())
        .receive_wait(config.get_receive_wait())
        .redrive_allow(config.get_redrive_allow().clone())
        .content_based_deduplication(config.get_content_based_deduplication())
        .deduplication_scope(config.get_deduplication_scope())
        .throughput_limit(config.get_throughput_limit());
    fresh
}

fn parse_redrive(cloud: &Cloud, v: &str) -> Result<RedrivePolicy, SqsFault> {
    let bad = || bad_value("RedrivePolicy", v);
    let j: Value = serde_json::from_str(v).map_err(|_| bad())?;
    let arn = j.get("deadLetterTargetArn").and_then(Value::as_str).ok_or_else(bad)?;
    let max = match j.get("maxReceiveCount") {
        Some(Value::Number(n)) => n.as_u64(),
        Some(Value::String(s)) => s.parse().ok(),
        _ => None,
    }
    .and_then(|n| u32::try_from(n).ok())
    .ok_or_else(bad)?;
    let dlq = queue_by_arn(cloud, arn).map_err(|_| bad())?;
    Ok(RedrivePolicy::new(&dlq, max))
}

fn parse_redrive_allow(v: &str) -> Result<RedriveAllowPolicy, SqsFault> {
    let bad = || bad_value("RedriveAllowPolicy", v);
    let j: Value = serde_json::from_str(v).map_err(|_| bad())?;
    match j.get("redrivePermission").and_then(Value::as_str) {
        Some("allowAll") => Ok(RedriveAllowPolicy::AllowAll),
        Some("denyAll") => Ok(RedriveAllowPolicy::DenyAll),
        Some("byQueue") => {
            let arns = j.get("sourceQueueArns").and_then(Value::as_array).ok_or_else(bad)?;
            Ok(RedriveAllowPolicy::ByQueue(arns.iter().filter_map(|a| a.as_str().map(str::to_owned)).collect()))
        }
        _ => Err(bad()),
    }
}

fn read(q: &Queue, name: &str) -> Option<String> {
    let c = q.config();
    let stats = q.stats();
    let fifo_only = |s: String| q.is_fifo().then_some(s);
    Some(match name {
        "ApproximateNumberOfMessages" => stats.visible.to_string(),
        "ApproximateNumberOfMessagesNotVisible" => stats.in_flight.to_string(),
        "ApproximateNumberOfMessagesDelayed" => stats.delayed.to_string(),
        "CreatedTimestamp" => (stats.created_at.as_millis() / 1000).to_string(),
        "LastModifiedTimestamp" => (stats.modified_at.as_millis() / 1000).to_string(),
        "DelaySeconds" => c.get_delay().as_secs().to_string(),
        "MaximumMessageSize" => c.get_max_message_size().to_string(),
        "MessageRetentionPeriod" => c.get_retention().as_secs().to_string(),
        "ReceiveMessageWaitTimeSeconds" => c.get_receive_wait().as_secs().to_string(),
        "VisibilityTimeout" => c.get_visibility_timeout().as_secs().to_string(),
        "QueueArn" => q.arn().to_owned(),
        "SqsManagedSseEnabled" => "false".to_owned(),
        "RedrivePolicy" => {
            let r = c.get_redrive()?;
            json!({ "deadLetterTargetArn": r.dead_letter_queue().arn(), "maxReceiveCount": r.max_receive_count() })
                .to_string()
        }
        "RedriveAllowPolicy" => match c.get_redrive_allow() {
            RedriveAllowPolicy::AllowAll => json!({ "redrivePermission": "allowAll" }).to_string(),
            RedriveAllowPolicy::DenyAll => json!({ "redrivePermission": "denyAll" }).to_string(),
            RedriveAllowPolicy::ByQueue(arns) => {
                json!({ "redrivePermission": "byQueue", "sourceQueueArns": arns }).to_string()
            }
        },
        "FifoQueue" => fifo_only("true".to_owned())?,
        "ContentBasedDeduplication" => fifo_only(c.get_content_based_deduplication().to_string())?,
        "DeduplicationScope" => fifo_only(
            match c.get_deduplication_scope() {
                DeduplicationScope::MessageGroup => "messageGroup",
                _ => "queue",
            }
            .to_owned(),
        )?,
        "FifoThroughputLimit" => fifo_only(
            match c.get_throughput_limit() {
                FifoThroughputLimit::PerMessageGroupId => "perMessageGroupId",
                _ => "perQueue",
            }
            .to_owned(),
        )?,
        _ => return None,
    })
}

pub(crate) fn get_queue_attributes(cloud: &Cloud, a: &Args) -> Reply {
    let q = queue_at(cloud, a)?;
    let names = a.strings("AttributeNames")?;
    let mut out = BTreeMap::new();
    for n in &names {
        if n == "All" {
            for all in ALL {
                if let Some(v) = read(&q, all) {
                    out.insert((*all).to_owned(), v);
                }
            }
        } else if ALL.contains(&n.as_str()) {
            if let Some(v) = read(&q, n) {
                out.insert(n.clone(), v);
            }
        } else {
            return Err(SqsFault::new(
                "InvalidAttributeName",
                "InvalidAttributeName",
                format!("unknown attribute {n}"),
            ));
        }
    }
    Ok(if out.is_empty() { json!({}) } else { json!({ "Attributes": out }) })
}

pub(crate) fn set_queue_attributes(cloud: &Cloud, a: &Args) -> Reply {
    let q = queue_at(cloud, a)?;
    let attrs = a.string_map("Attributes")?;
    let config = apply_attributes(cloud, q.config(), &attrs, false)?;
    q.set_config(config)?;
    Ok(json!({}))
}
