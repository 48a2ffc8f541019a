//! Records: PutRecord(s), GetShardIterator, GetRecords.

use localcloud::stream::{SequenceNumber, ShardIterator};
use localcloud::{Cloud, PutRecord, StartingPosition, Timestamp};
use serde_json::{json, Map, Value};

use super::shards::shard_json;
use super::{shard_id, stream_at, KinesisFault, Reply};
use crate::protocol::json::Args;

fn record_of(a: &Args) -> Result<PutRecord, KinesisFault> {
    let data = aws_smithy_types::base64::decode(a.str("Data")?)
        .map_err(|_| KinesisFault::new("SerializationException", "Data is not base64"))?;
    let mut r = PutRecord::new(a.str("PartitionKey")?, data);
    if let Some(k) = a.str_opt("ExplicitHashKey")? {
        r = r.explicit_hash_key_decimal(k);
    }
    Ok(r)
}

fn sequence(text: &str, name: &str) -> Result<SequenceNumber, KinesisFault> {
    text.parse().map_err(|_| KinesisFault::invalid(format!("{name} {text:?} is not a sequence number")))
}

pub(crate) fn put_record(cloud: &Cloud, a: &Args) -> Reply {
    let s = stream_at(cloud, a)?;
    let mut r = record_of(a)?;
    if let Some(seq) = a.str_opt("SequenceNumberForOrdering")? {
        r = r.sequence_number_for_ordering(sequence(seq, "SequenceNumberForOrdering")?);
    }
    let out = s.put_record(r)?;
    Ok(json!({
        "ShardId": out.shard_id().to_string(),
        "SequenceNumber": out.sequence_number().to_string(),
        "EncryptionType": "NONE",
    }))
}

pub(crate) fn put_records(cloud: &Cloud, a: &Args) -> Reply {
    let s = stream_at(cloud, a)?;
    let records = a.objects("Records")?.iter().map(record_of).collect::<Result<Vec<_>, _>>()?;
    let out = s.put_records(records)?;
    let entries: Vec<Value> = out
        .records()
        .iter()
        .map(|e| match (e.shard_id(), e.sequence_number()) {
            (Some(shard), Some(seq)) => json!({ "ShardId": shard.to_string(), "SequenceNumber": seq.to_string() }),
            _ => json!({ "ErrorCode": e.error_code().unwrap_or("InternalFailure"), "ErrorMessage": e.error_message().unwrap_or_default() }),
        })
        .collect();
    Ok(json!({ "FailedRecordCount": out.failed_record_count(), "Records": entries, "EncryptionType": "NONE" }))
}

/// The wire iterator: the stream's name, then the native iterator's text. Opaque to
/// the caller, as AWS's are; GetRecords needs the name to find the stream.
fn wire_iterator(stream: &str, it: &ShardIterator) -> String {
    format!("{stream}:{it}")
}

pub(crate) fn get_shard_iterator(cloud: &Cloud, a: &Args) -> Reply {
    let s = stream_at(cloud, a)?;
    let shard = shard_id(a, "ShardId")?;
    let kind = a.str("ShardIteratorType")?;
    let position = match kind {
        "TRIM_HORIZON" => StartingPosition::TrimHorizon,
        "LATEST" => StartingPosition::Latest,
        "AT_SEQUENCE_NUMBER" | "AFTER_SEQUENCE_NUMBER" => {
            let seq = sequence(a.str("StartingSequenceNumber")?, "StartingSequenceNumber")?;
            if kind == "AT_SEQUENCE_NUMBER" {
                StartingPosition::AtSequenceNumber(seq)
            } else {
                StartingPosition::AfterSequenceNumber(seq)
            }
        }
        "AT_TIMESTAMP" => {
            let secs = a.float("Timestamp")?;
            if !(0.0..1e11).contains(&secs) {
                return Err(KinesisFault::invalid(format!("Timestamp {secs} is out of range")));
            }
            StartingPosition::AtTimestamp(Timestamp::from_nanos((secs * 1e9) as u64))
        }
        other => {
            return Err(KinesisFault::new("ValidationException", format!("ShardIteratorType {other:?} is not known")))
        }
    };
    let it = s.shard_iterator(&shard, position)?;
    Ok(json!({ "ShardIterator": wire_iterator(s.name(), &it) }))
}

pub(crate) fn get_records(cloud: &Cloud, a: &Args) -> Reply {
    let text = a.str("ShardIterator")?;
    let bad = || KinesisFault::invalid("the shard iterator is malformed");
    let (name, native) = text.rsplit_once(':').ok_or_else(bad)?;
    let it: ShardIterator = native.parse().map_err(|_| bad())?;
    let limit = match a.int_opt("Limit")? {
        None => None,
        Some(n) if (1..=10_000).contains(&n) => Some(n as usize),
        Some(n) => return Err(KinesisFault::invalid(format!("Limit {n} must be 1 to 10000"))),
    };
    let s = cloud.stream(name)?;
    let out = s.get_records(&it, limit)?;
    let records: Vec<Value> = out
        .records()
        .iter()
        .map(|r| {
            json!({
                "SequenceNumber": r.sequence_number().to_string(),
                "ApproximateArrivalTimestamp": r.approximate_arrival().as_secs_f64(),
                "Data": aws_smithy_types::base64::encode(r.data()),
                "PartitionKey": r.partition_key(),
            })
        })
        .collect();
    let mut o = Map::new();
    o.insert("Records".into(), records.into());
    o.insert("MillisBehindLatest".into(), out.millis_behind_latest().into());
    if let Some(next) = out.next_iterator() {
        o.insert("NextShardIterator".into(), wire_iterator(name, next).into());
    }
    if !out.child_shards().is_empty() {
        let children: Vec<Value> = out
            .child_shards()
            .iter()
            .map(|c| {
                let j = shard_json(c);
                let parents: Vec<String> =
                    [c.parent_shard_id(), c.adjacent_parent_shard_id()].into_iter().flatten().map(|p| p.to_string()).collect();
                json!({ "ShardId": c.shard_id().to_string(), "ParentShards": parents, "HashKeyRange": j["HashKeyRange"] })
            })
            .collect();
        o.insert("ChildShards".into(), children.into());
    }
    Ok(Value::Object(o))
}
