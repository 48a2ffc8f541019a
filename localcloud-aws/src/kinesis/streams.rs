//! Streams: create, delete, describe, list, retention and tags.

use std::time::Duration;

use localcloud::stream::StreamMode;
use localcloud::{Cloud, Stream, StreamConfig};
use serde_json::{json, Value};

use super::shards::shard_json;
use super::{stream_at, KinesisFault, Reply};
use crate::protocol::json::Args;

fn mode_name(s: &Stream) -> &'static str {
    match s.stream_mode() {
        StreamMode::Provisioned => "PROVISIONED",
        _ => "ON_DEMAND",
    }
}

pub(crate) fn create_stream(cloud: &Cloud, a: &Args) -> Reply {
    let name = a.str("StreamName")?;
    let mode = if a.has("StreamModeDetails") { Some(stream_mode_of(a)?) } else { None };
    let config = match (a.int_opt("ShardCount")?, mode) {
        (Some(_), Some(StreamMode::OnDemand)) => {
            return Err(KinesisFault::new("ValidationException", "ShardCount is not allowed for ON_DEMAND streams"))
        }
        (Some(n), _) if n >= 1 => StreamConfig::with_shards(n as usize),
        (Some(n), _) => {
            return Err(KinesisFault::new("ValidationException", format!("ShardCount {n} must be at least 1")))
        }
        (None, Some(StreamMode::Provisioned)) => {
            return Err(KinesisFault::new("ValidationException", "ShardCount is required for PROVISIONED streams"))
        }
        (None, _) => StreamConfig::on_demand(),
    };
    let s = cloud.create_stream(name, config)?;
    let tags = a.string_map("Tags")?;
    if !tags.is_empty() {
        s.tag(tags)?;
    }
    Ok(json!({}))
}

fn stream_mode_of(a: &Args) -> Result<StreamMode, KinesisFault> {
    let details = a.object("StreamModeDetails")?;
    match details.str("StreamMode")? {
        "PROVISIONED" => Ok(StreamMode::Provisioned),
        "ON_DEMAND" => Ok(StreamMode::OnDemand),
        other => Err(KinesisFault::new(
            "ValidationException",
            format!("StreamMode {other:?} is not PROVISIONED or ON_DEMAND"),
        )),
    }
}

pub(crate) fn delete_stream(cloud: &Cloud, a: &Args) -> Reply {
    let s = stream_at(cloud, a)?;
    cloud.delete_stream(s.name())?;
    Ok(json!({}))
}

fn hours(d: Duration) -> u64 {
    d.as_secs() / 3600
}

pub(crate) fn describe_stream(cloud: &Cloud, a: &Args) -> Reply {
    let s = stream_at(cloud, a)?;
    let limit = match a.int_opt("Limit")? {
        None => 100,
        Some(n) if (1..=10_000).contains(&n) => n as usize,
        Some(n) => return Err(KinesisFault::new("ValidationException", format!("Limit {n} must be 1 to 10000"))),
    };
    let after = match a.str_opt("ExclusiveStartShardId")? {
        Some(text) => Some(
            text.parse::<localcloud::stream::ShardId>()
                .map_err(|_| KinesisFault::invalid("bad ExclusiveStartShardId"))?,
        ),
        None => None,
    };
    let shards: Vec<_> = s
        .shards()
        .into_iter()
        .filter(|sh| after.as_ref().is_none_or(|id| sh.shard_id().index() > id.index()))
        .collect();
    let has_more = shards.len() > limit;
    Ok(json!({ "StreamDescription": {
        "StreamName": s.name(),
        "StreamARN": s.arn(),
        "StreamStatus": "ACTIVE",
        "StreamModeDetails": { "StreamMode": mode_name(&s) },
        "Shards": shards.iter().take(limit).map(shard_json).collect::<Vec<_>>(),
        "HasMoreShards": has_more,
        "RetentionPeriodHours": hours(s.retention()),
        "StreamCreationTimestamp": s.created_at().as_secs_f64(),
        "EnhancedMonitoring": [{ "ShardLevelMetrics": [] }],
        "EncryptionType": "NONE",
    }}))
}

pub(crate) fn describe_stream_summary(cloud: &Cloud, a: &Args) -> Reply {
    let s = stream_at(cloud, a)?;
    Ok(json!({ "StreamDescriptionSummary": {
        "StreamName": s.name(),
        "StreamARN": s.arn(),
        "StreamStatus": "ACTIVE",
        "StreamModeDetails": { "StreamMode": mode_name(&s) },
        "RetentionPeriodHours": hours(s.retention()),
        "StreamCreationTimestamp": s.created_at().as_secs_f64(),
        "EnhancedMonitoring": [{ "ShardLevelMetrics": [] }],
        "EncryptionType": "NONE",
        "OpenShardCount": s.open_shards().len(),
        "ConsumerCount": 0,
    }}))
}

pub(crate) fn list_streams(cloud: &Cloud, a: &Args) -> Reply {
    let limit = match a.int_opt("Limit")? {
        None => 100,
        Some(n) if (1..=10_000).contains(&n) => n as usize,
        Some(n) => return Err(KinesisFault::new("ValidationException", format!("Limit {n} must be 1 to 10000"))),
    };
    let after = a.str_opt("NextToken")?.or(a.str_opt("ExclusiveStartStreamName")?).unwrap_or_default().to_owned();
    let mut all: Vec<Stream> = cloud.list_streams().into_iter().filter(|s| s.name() > after.as_str()).collect();
    all.sort_by(|x, y| x.name().cmp(y.name()));
    let has_more = all.len() > limit;
    all.truncate(limit);
    let mut out = json!({
        "StreamNames": all.iter().map(|s| s.name()).collect::<Vec<_>>(),
        "HasMoreStreams": has_more,
        "StreamSummaries": all.iter().map(|s| json!({
            "StreamName": s.name(),
            "StreamARN": s.arn(),
            "StreamStatus": "ACTIVE",
            "StreamModeDetails": { "StreamMode": mode_name(s) },
            "StreamCreationTimestamp": s.created_at().as_secs_f64(),
        })).collect::<Vec<_>>(),
    });
    if has_more {
        if let (Some(o), Some(last)) = (out.as_object_mut(), all.last()) {
            o.insert("NextToken".into(), Value::from(last.name()));
        }
    }
    Ok(out)
}

pub(crate) fn retention(cloud: &Cloud, a: &Args, increase: bool) -> Reply {
    let s = stream_at(cloud, a)?;
    let h = a.int("RetentionPeriodHours")?;
    let h = u64::try_from(h).map_err(|_| KinesisFault::invalid(format!("RetentionPeriodHours {h} is out of range")))?;
    let d = Duration::from_secs(h.saturating_mul(3600));
    if increase {
        s.increase_retention(d)?;
    } else {
        s.decrease_retention(d)?;
    }
    Ok(json!({}))
}

pub(crate) fn add_tags(cloud: &Cloud, a: &Args) -> Reply {
    let s = stream_at(cloud, a)?;
    let tags = a.string_map("Tags")?;
    if tags.is_empty() || tags.len() > 50 {
        return Err(KinesisFault::invalid("Tags must hold 1 to 50 tags"));
    }
    s.tag(tags)?;
    Ok(json!({}))
}

pub(crate) fn remove_tags(cloud: &Cloud, a: &Args) -> Reply {
    let s = stream_at(cloud, a)?;
    let keys = a.strings("TagKeys")?;
    s.untag(keys.iter().map(String::as_str))?;
    Ok(json!({}))
}

pub(crate) fn list_tags(cloud: &Cloud, a: &Args) -> Reply {
    let s = stream_at(cloud, a)?;
    let limit = match a.int_opt("Limit")? {
        None => 50,
        Some(n) if (1..=50).contains(&n) => n as usize,
        Some(n) => return Err(KinesisFault::invalid(format!("Limit {n} must be 1 to 50"))),
    };
    let after = a.str_opt("ExclusiveStartTagKey")?.unwrap_or_default().to_owned();
    let tags: Vec<_> = s.tags()?.into_iter().filter(|(k, _)| after.is_empty() || *k > after).collect();
    Ok(json!({
        "Tags": tags.iter().take(limit).map(|(k, v)| json!({ "Key": k, "Value": v })).collect::<Vec<_>>(),
        "HasMoreTags": tags.len() > limit,
    }))
}
