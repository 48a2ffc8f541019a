//! Kinesis on AWS JSON 1.1: `X-Amz-Target: Kinesis_20131202.<Action>`, errors as a
//! JSON object with `__type`.

mod records;
mod shards;
mod streams;

use localcloud::{Cloud, Stream, StreamError};
use serde_json::Value;

use crate::protocol::json::{self, Args, FieldError, JsonError, JsonVersion};
use crate::protocol::WireResponse;

/// What a Kinesis action answers.
pub(crate) type Reply = Result<Value, KinesisFault>;

/// A Kinesis error on the wire.
#[derive(Debug, Clone)]
pub(crate) struct KinesisFault {
    code: &'static str,
    message: String,
}

impl KinesisFault {
    pub(crate) fn new(code: &'static str, message: impl Into<String>) -> Self {
        KinesisFault { code, message: message.into() }
    }

    pub(crate) fn invalid(message: impl Into<String>) -> Self {
        KinesisFault::new("InvalidArgumentException", message)
    }
}

impl From<StreamError> for KinesisFault {
    fn from(e: StreamError) -> Self {
        KinesisFault::new(e.code(), e.to_string())
    }
}

impl From<FieldError> for KinesisFault {
    fn from(e: FieldError) -> Self {
        match e {
            FieldError::NotAnObject => KinesisFault::new("SerializationException", e.to_string()),
            _ => KinesisFault::new("ValidationException", e.to_string()),
        }
    }
}

/// Answers one Kinesis action.
pub(crate) fn handle(cloud: &Cloud, action: &str, body: &[u8]) -> WireResponse {
    let reply = Args::parse(body).map_err(KinesisFault::from).and_then(|a| dispatch(cloud, action, &a));
    match reply {
        Ok(v) => json::ok(JsonVersion::V1_1, v),
        Err(f) => json::error(
            JsonVersion::V1_1,
            &JsonError { status: 400, type_name: f.code.to_owned(), message: f.message, query_code: None },
        ),
    }
}

fn dispatch(cloud: &Cloud, action: &str, a: &Args) -> Reply {
    match action {
        "CreateStream" => streams::create_stream(cloud, a),
        "DeleteStream" => streams::delete_stream(cloud, a),
        "DescribeStream" => streams::describe_stream(cloud, a),
        "DescribeStreamSummary" => streams::describe_stream_summary(cloud, a),
        "ListStreams" => streams::list_streams(cloud, a),
        "IncreaseStreamRetentionPeriod" => streams::retention(cloud, a, true),
        "DecreaseStreamRetentionPeriod" => streams::retention(cloud, a, false),
        "AddTagsToStream" => streams::add_tags(cloud, a),
        "RemoveTagsFromStream" => streams::remove_tags(cloud, a),
        "ListTagsForStream" => streams::list_tags(cloud, a),
        "ListShards" => shards::list_shards(cloud, a),
        "SplitShard" => shards::split_shard(cloud, a),
        "MergeShards" => shards::merge_shards(cloud, a),
        "UpdateShardCount" => shards::update_shard_count(cloud, a),
        "PutRecord" => records::put_record(cloud, a),
        "PutRecords" => records::put_records(cloud, a),
        "GetShardIterator" => records::get_shard_iterator(cloud, a),
        "GetRecords" => records::get_records(cloud, a),
        other => Err(KinesisFault::new(
            "UnknownOperationException",
            format!("the operation {other:?} is not known to Kinesis"),
        )),
    }
}

/// The stream named by `StreamName` or `StreamARN`.
pub(crate) fn stream_at(cloud: &Cloud, a: &Args) -> Result<Stream, KinesisFault> {
    let name = match (a.str_opt("StreamName")?, a.str_opt("StreamARN")?) {
        (Some(n), _) => n.to_owned(),
        (None, Some(arn)) => arn.rsplit_once("stream/").map(|(_, n)| n.to_owned()).unwrap_or_default(),
        (None, None) => return Err(KinesisFault::invalid("either StreamName or StreamARN must be given")),
    };
    Ok(cloud.stream(&name)?)
}

/// A shard id field.
pub(crate) fn shard_id(a: &Args, name: &'static str) -> Result<localcloud::stream::ShardId, KinesisFault> {
    let text = a.str(name)?;
    text.parse().map_err(|_| KinesisFault::new("ResourceNotFoundException", format!("shard {text:?} not found")))
}
