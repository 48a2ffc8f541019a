//! Dead-letter redrive: StartMessageMoveTask, CancelMessageMoveTask, ListMessageMoveTasks.

use localcloud::queue::{MoveTask, MoveTaskStatus};
use localcloud::Cloud;
use serde_json::{json, Map, Value};

use super::{queue_by_arn, Reply, SqsFault};
use crate::protocol::json::Args;

fn not_found(message: String) -> SqsFault {
    SqsFault::new("ResourceNotFoundException", "ResourceNotFoundException", message)
}

pub(crate) fn start(cloud: &Cloud, a: &Args) -> Reply {
    let source =
        queue_by_arn(cloud, a.str("SourceArn")?).map_err(|_| not_found("the source queue does not exist".into()))?;
    let destination = match a.str_opt("DestinationArn")? {
        Some(arn) => {
            Some(queue_by_arn(cloud, arn).map_err(|_| not_found("the destination queue does not exist".into()))?)
        }
        None => None,
    };
    let task = match a.int_opt("MaxNumberOfMessagesPerSecond")? {
        Some(rate) => {
            let rate = u32::try_from(rate).map_err(|_| {
                SqsFault::new(
                    "InvalidParameterValue",
                    "InvalidParameterValue",
                    "MaxNumberOfMessagesPerSecond is out of range",
                )
            })?;
            cloud.start_message_move_task_with_rate(&source, destination.as_ref(), rate)?
        }
        None => cloud.start_message_move_task(&source, destination.as_ref())?,
    };
    Ok(json!({ "TaskHandle": task.task_handle() }))
}

fn find(cloud: &Cloud, handle: &str) -> Option<MoveTask> {
    cloud.list_queues("").iter().flat_map(|q| cloud.list_message_move_tasks(q)).find(|t| t.task_handle() == handle)
}

pub(crate) fn cancel(cloud: &Cloud, a: &Args) -> Reply {
    let handle = a.str("TaskHandle")?;
    let task = find(cloud, handle).ok_or_else(|| not_found(format!("no move task has the handle {handle:?}")))?;
    let moved = cloud.cancel_message_move_task(&task)?;
    Ok(json!({ "ApproximateNumberOfMessagesMoved": moved }))
}

fn status(s: MoveTaskStatus) -> &'static str {
    match s {
        MoveTaskStatus::Running => "RUNNING",
        MoveTaskStatus::Completed => "COMPLETED",
        MoveTaskStatus::Cancelling => "CANCELLING",
        MoveTaskStatus::Cancelled => "CANCELLED",
        _ => "FAILED",
    }
}

pub(crate) fn list(cloud: &Cloud, a: &Args) -> Reply {
    let source =
        queue_by_arn(cloud, a.str("SourceArn")?).map_err(|_| not_found("the source queue does not exist".into()))?;
    let max = match a.int_opt("MaxResults")? {
        None => 1,
        Some(n) if (1..=10).contains(&n) => n as usize,
        Some(n) => {
            return Err(SqsFault::new(
                "InvalidParameterValue",
                "InvalidParameterValue",
                format!("MaxResults must be 1 to 10, got {n}"),
            ))
        }
    };
    let results: Vec<Value> = cloud
        .list_message_move_tasks(&source)
        .into_iter()
        .take(max)
        .map(|t| {
            let mut o = Map::new();
            if t.status() == MoveTaskStatus::Running {
                o.insert("TaskHandle".into(), t.task_handle().into());
            }
            o.insert("Status".into(), status(t.status()).into());
            o.insert("SourceArn".into(), t.source_arn().into());
            if let Some(d) = t.destination_arn() {
                o.insert("DestinationArn".into(), d.into());
            }
            o.insert("MaxNumberOfMessagesPerSecond".into(), t.max_per_second().into());
            o.insert("ApproximateNumberOfMessagesMoved".into(), t.moved().into());
            o.insert("ApproximateNumberOfMessagesToMove".into(), t.approximate_to_move().into());
            if let Some(r) = t.failure_reason() {
                o.insert("FailureReason".into(), r.into());
            }
            o.insert("StartedTimestamp".into(), t.started_at().as_millis().into());
            Value::Object(o)
        })
        .collect();
    Ok(json!({ "Results": results }))
}
