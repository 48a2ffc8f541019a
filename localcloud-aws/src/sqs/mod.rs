//! SQS on AWS JSON 1.0: `X-Amz-Target: AmazonSQS.<Action>`, errors with `__type` and
//! the query-compatible `x-amzn-query-error` header that the SDK reads for `code()`.

mod attributes;
mod batch;
mod messages;
mod move_tasks;
mod queues;

use localcloud::{Cloud, Queue, QueueError};
use serde_json::Value;

use crate::protocol::json::{self, Args, FieldError, JsonError, JsonVersion};
use crate::protocol::WireResponse;

/// What an SQS action answers: a JSON object or an error.
pub(crate) type Reply = Result<Value, SqsFault>;

/// An SQS error on the wire: the JSON `__type` name and the query code.
#[derive(Debug, Clone)]
pub(crate) struct SqsFault {
    code: String,
    query_code: String,
    message: String,
}

impl SqsFault {
    pub(crate) fn new(code: &str, query_code: &str, message: impl Into<String>) -> Self {
        SqsFault { code: code.to_owned(), query_code: query_code.to_owned(), message: message.into() }
    }
}

impl From<QueueError> for SqsFault {
    fn from(e: QueueError) -> Self {
        SqsFault::new(e.code(), e.query_code(), e.to_string())
    }
}

impl From<FieldError> for SqsFault {
    fn from(e: FieldError) -> Self {
        match e {
            FieldError::Missing(_) => SqsFault::new("MissingParameter", "MissingParameter", e.to_string()),
            _ => SqsFault::new("InvalidParameterValue", "InvalidParameterValue", e.to_string()),
        }
    }
}

/// Answers one SQS action.
pub(crate) fn handle(cloud: &Cloud, action: &str, body: &[u8]) -> WireResponse {
    let reply = Args::parse(body).map_err(SqsFault::from).and_then(|args| dispatch(cloud, action, &args));
    match reply {
        Ok(v) => json::ok(JsonVersion::V1_0, v),
        Err(f) => {
            let type_name = if f.code == "UnknownOperationException" {
                "com.amazon.coral.service#UnknownOperationException".to_owned()
            } else {
                format!("com.amazonaws.sqs#{}", f.code)
            };
            json::error(
                JsonVersion::V1_0,
                &JsonError { status: 400, type_name, message: f.message, query_code: Some(f.query_code) },
            )
        }
    }
}

fn dispatch(cloud: &Cloud, action: &str, a: &Args) -> Reply {
    match action {
        "CreateQueue" => queues::create_queue(cloud, a),
        "GetQueueUrl" => queues::get_queue_url(cloud, a),
        "ListQueues" => queues::list_queues(cloud, a),
        "DeleteQueue" => queues::delete_queue(cloud, a),
        "PurgeQueue" => queues::purge_queue(cloud, a),
        "GetQueueAttributes" => attributes::get_queue_attributes(cloud, a),
        "SetQueueAttributes" => attributes::set_queue_attributes(cloud, a),
        "TagQueue" => queues::tag_queue(cloud, a),
        "UntagQueue" => queues::untag_queue(cloud, a),
        "ListQueueTags" => queues::list_queue_tags(cloud, a),
        "ListDeadLetterSourceQueues" => queues::list_dead_letter_source_queues(cloud, a),
        "AddPermission" => queues::add_permission(cloud, a),
        "RemovePermission" => queues::remove_permission(cloud, a),
        "SendMessage" => messages::send_message(cloud, a),
        "ReceiveMessage" => messages::receive_message(cloud, a),
        "DeleteMessage" => messages::delete_message(cloud, a),
        "ChangeMessageVisibility" => messages::change_message_visibility(cloud, a),
        "SendMessageBatch" => batch::send_message_batch(cloud, a),
        "DeleteMessageBatch" => batch::delete_message_batch(cloud, a),
        "ChangeMessageVisibilityBatch" => batch::change_message_visibility_batch(cloud, a),
        "StartMessageMoveTask" => move_tasks::start(cloud, a),
        "CancelMessageMoveTask" => move_tasks::cancel(cloud, a),
        "ListMessageMoveTasks" => move_tasks::list(cloud, a),
        other => Err(SqsFault::new(
            "UnknownOperationException",
            "UnknownOperationException",
            format!("the operation {other:?} is not known to SQS"),
        )),
    }
}

/// The queue a `QueueUrl` names (its last path segment, as SQS reads it).
pub(crate) fn queue_at(cloud: &Cloud, a: &Args) -> Result<Queue, SqsFault> {
    let url = a.str("QueueUrl")?;
    queue_by_url(cloud, url)
}

pub(crate) fn queue_by_url(cloud: &Cloud, url: &str) -> Result<Queue, SqsFault> {
    let name = url.trim_end_matches('/').rsplit('/').next().unwrap_or_default();
    Ok(cloud.queue(name)?)
}

/// The queue an ARN names, in this cloud.
pub(crate) fn queue_by_arn(cloud: &Cloud, arn: &str) -> Result<Queue, SqsFault> {
    let name = arn.rsplit(':').next().unwrap_or_default();
    match cloud.queue(name) {
        Ok(q) if q.arn() == arn => Ok(q),
        _ => Err(QueueError::QueueDoesNotExist { name: name.to_owned() }.into()),
    }
}

/// An integer field that must fit `0..=max` seconds.
pub(crate) fn seconds(a: &Args, name: &'static str, max: u64) -> Result<Option<std::time::Duration>, SqsFault> {
    match a.int_opt(name)? {
        None => Ok(None),
        Some(v) if v >= 0 && (v as u64) <= max => Ok(Some(std::time::Duration::from_secs(v as u64))),
        Some(v) => Err(SqsFault::new(
            "InvalidParameterValue",
            "InvalidParameterValue",
            format!("value {v} for parameter {name} is invalid: must be 0 to {max}"),
        )),
    }
}
