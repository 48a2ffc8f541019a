//! Shards: ListShards with pagination, SplitShard, MergeShards, UpdateShardCount.

use localcloud::stream::Shard;
use localcloud::Cloud;
use serde_json::{json, Map, Value};

use super::{shard_id, stream_at, KinesisFault, Reply};
use crate::protocol::json::Args;

/// A shard as Kinesis describes it.
pub(crate) fn shard_json(s: &Shard) -> Value {
    let mut o = Map::new();
    o.insert("ShardId".into(), s.shard_id().to_string().into());
    if let Some(p) = s.parent_shard_id() {
        o.insert("ParentShardId".into(), p.to_string().into());
    }
    if let Some(p) = s.adjacent_parent_shard_id() {
        o.insert("AdjacentParentShardId".into(), p.to_string().into());
    }
    let range = s.hash_key_range();
    o.insert(
        "HashKeyRange".into(),
        json!({ "StartingHashKey": range.start().to_string(), "EndingHashKey": range.end().to_string() }),
    );
    let seqs = s.sequence_number_range();
    let mut r = Map::new();
    r.insert("StartingSequenceNumber".into(), seqs.starting_sequence_number().to_string().into());
    if let Some(end) = seqs.ending_sequence_number() {
        r.insert("EndingSequenceNumber".into(), end.to_string().into());
    }
    o.insert("SequenceNumberRange".into(), Value::Object(r));
    Value::Object(o)
}

/// `NextToken` of ListShards: the stream's name and the last shard id returned.
fn token(stream: &str, last: &str) -> String {
    format!("{stream}|{last}")
}

pub(crate) fn list_shards(cloud: &Cloud, a: &Args) -> Reply {
    let max = match a.int_opt("MaxResults")? {
        None => 1000,
        Some(n) if (1..=10_000).contains(&n) => n as usize,
        Some(n) => return Err(KinesisFault::invalid(format!("MaxResults {n} must be 1 to 10000"))),
    };
    let (stream, after) = match a.str_opt("NextToken")? {
        Some(t) => {
            if a.has("StreamName") || a.has("StreamARN") || a.has("ExclusiveStartShardId") {
                return Err(KinesisFault::invalid("NextToken and StreamName cannot be given together"));
            }
            let (name, last) =
                t.split_once('|').ok_or_else(|| KinesisFault::new("ExpiredNextTokenException", "invalid NextToken"))?;
            (cloud.stream(name)?, Some(last.to_owned()))
        }
        None => (stream_at(cloud, a)?, a.str_opt("ExclusiveStartShardId")?.map(str::to_owned)),
    };
    let after = match after {
        Some(text) => Some(
            text.parse::<localcloud::stream::ShardId>()
                .map_err(|_| KinesisFault::invalid("bad shard id in the request"))?,
        ),
        None => None,
    };
    let filter = match a.has("ShardFilter") {
        true => Some(a.object("ShardFilter")?.str("Type")?.to_owned()),
        false => None,
    };
    let shards: Vec<Shard> = stream
        .shards()
        .into_iter()
        .filter(|s| after.as_ref().is_none_or(|id| s.shard_id().index() > id.index()))
        .filter(|s| match filter.as_deref() {
            Some("AT_LATEST") => s.is_open(),
            _ => true,
        })
        .collect();
    let page = &shards[..max.min(shards.len())];
    let mut out = Map::new();
    out.insert("Shards".into(), page.iter().map(shard_json).collect());
    if shards.len() > page.len() {
        if let Some(last) = page.last() {
            out.insert("NextToken".into(), token(stream.name(), &last.shard_id().to_string()).into());
        }
    }
    Ok(Value::Object(out))
}

pub(crate) fn split_shard(cloud: &Cloud, a: &Args) -> Reply {
    let s = stream_at(cloud, a)?;
    let shard = shard_id(a, "ShardToSplit")?;
    let key = a.str("NewStartingHashKey")?;
    let key: u128 = key
        .parse()
        .map_err(|_| KinesisFault::invalid(format!("NewStartingHashKey {key:?} is not a 128-bit integer")))?;
    s.split_shard(&shard, key)?;
    Ok(json!({}))
}

pub(crate) fn merge_shards(cloud: &Cloud, a: &Args) -> Reply {
    let s = stream_at(cloud, a)?;
    s.merge_shards(&shard_id(a, "ShardToMerge")?, &shard_id(a, "AdjacentShardToMerge")?)?;
    Ok(json!({}))
}

pub(crate) fn update_shard_count(cloud: &Cloud, a: &Args) -> Reply {
    let s = stream_at(cloud, a)?;
    let target = a.int("TargetShardCount")?;
    let target = usize::try_from(target)
        .map_err(|_| KinesisFault::invalid(format!("TargetShardCount {target} is out of range")))?;
    match a.str_opt("ScalingType")? {
        None | Some("UNIFORM_SCALING") => {}
        Some(other) => {
            return Err(KinesisFault::new(
                "ValidationException",
                format!("ScalingType {other:?} is not UNIFORM_SCALING"),
            ))
        }
    }
    let current = s.open_shards().len();
    s.update_shard_count(target)?;
    Ok(
        json!({ "StreamName": s.name(), "StreamARN": s.arn(), "CurrentShardCount": current, "TargetShardCount": target }),
    )
}
