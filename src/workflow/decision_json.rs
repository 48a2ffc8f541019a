//! Decisions in SWF's JSON (the `decisions` of a RespondDecisionTaskCompleted
//! request), for deciders that answer in JSON, such as functions driven by a poller.

use std::time::Duration;

use serde_json::{Map, Value};

use super::decision::{ContinueAsNew, Decision, ScheduleActivityTask};
use super::execution::StartRequest;
use super::types::{ActivityType, ChildPolicy, Timeout, WorkflowType};

type Attrs = Map<String, Value>;

/// Reads `{"decisions": [...], "executionContext": "..."}`; `None` or `[]` decisions
/// is an empty answer. An error names the decision and field that is wrong.
pub(crate) fn parse_answer(v: &Value) -> Result<(Vec<Decision>, Option<String>), String> {
    let obj = v.as_object().ok_or("the answer is not a JSON object")?;
    let context = match obj.get("executionContext") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => return Err("executionContext is not a string".into()),
    };
    let decisions = match obj.get("decisions") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(list)) => list
            .iter()
            .enumerate()
            .map(|(i, d)| parse_decision(d).map_err(|e| format!("decisions[{i}]: {e}")))
            .collect::<Result<_, _>>()?,
        Some(_) => return Err("decisions is not a list".into()),
    };
    Ok((decisions, context))
}

/// One decision: `{"decisionType": "StartTimer", "startTimerDecisionAttributes": {...}}`.
pub(crate) fn parse_decision(v: &Value) -> Result<Decision, String> {
    let ty = v.get("decisionType").and_then(Value::as_str).ok_or("no decisionType")?;
    let mut chars = ty.chars();
    let first = chars.next().map(|c| c.to_ascii_lowercase()).ok_or("empty decisionType")?;
    let key = format!("{first}{}DecisionAttributes", chars.as_str());
    let empty = Map::new();
    let a = match v.get(&key) {
        Some(Value::Object(m)) => m,
        None | Some(Value::Null) => &empty,
        Some(_) => return Err(format!("{key} is not an object")),
    };
    Ok(match ty {
        "ScheduleActivityTask" => {
            let mut s = ScheduleActivityTask::new(req(a, "activityId")?, activity_type(a)?);
            s.input = opt(a, "input")?;
            s.control = opt(a, "control")?;
            s.task_list = task_list(a)?;
            s.schedule_to_start = timeout(a, "scheduleToStartTimeout")?;
            s.schedule_to_close = timeout(a, "scheduleToCloseTimeout")?;
            s.start_to_close = timeout(a, "startToCloseTimeout")?;
            s.heartbeat = timeout(a, "heartbeatTimeout")?;
            Decision::ScheduleActivityTask(s)
        }
        "RequestCancelActivityTask" => Decision::RequestCancelActivityTask { activity_id: req(a, "activityId")? },
        "StartTimer" => {
            let start_to_fire = match timeout(a, "startToFireTimeout")? {
                Some(Timeout::After(d)) => d,
                _ => return Err("startToFireTimeout must be a number of seconds".into()),
            };
            Decision::StartTimer { timer_id: req(a, "timerId")?, start_to_fire, control: opt(a, "control")? }
        }
        "CancelTimer" => Decision::CancelTimer { timer_id: req(a, "timerId")? },
        "RecordMarker" => Decision::RecordMarker { marker_name: req(a, "markerName")?, details: opt(a, "details")? },
        "SignalExternalWorkflowExecution" => Decision::SignalExternalWorkflowExecution {
            workflow_id: req(a, "workflowId")?,
            run_id: opt(a, "runId")?,
            signal_name: req(a, "signalName")?,
            input: opt(a, "input")?,
            control: opt(a, "control")?,
        },
        "RequestCancelExternalWorkflowExecution" => Decision::RequestCancelExternalWorkflowExecution {
            workflow_id: req(a, "workflowId")?,
            run_id: opt(a, "runId")?,
            control: opt(a, "control")?,
        },
        "StartChildWorkflowExecution" => {
            let ty = a.get("workflowType").and_then(Value::as_object).ok_or("no workflowType")?;
            let mut start =
                StartRequest::new(req(a, "workflowId")?, WorkflowType::new(req(ty, "name")?, req(ty, "version")?));
            start.input = opt(a, "input")?;
            start.task_list = task_list(a)?;
            start.execution_start_to_close_timeout = seconds(a, "executionStartToCloseTimeout")?;
            start.task_start_to_close_timeout = timeout(a, "taskStartToCloseTimeout")?;
            start.child_policy = child_policy(a)?;
            start.tags = tags(a)?;
            Decision::StartChildWorkflowExecution { start, control: opt(a, "control")? }
        }
        "CompleteWorkflowExecution" => Decision::CompleteWorkflowExecution { result: opt(a, "result")? },
        "FailWorkflowExecution" => {
            Decision::FailWorkflowExecution { reason: opt(a, "reason")?, details: opt(a, "details")? }
        }
        "CancelWorkflowExecution" => Decision::CancelWorkflowExecution { details: opt(a, "details")? },
        "ContinueAsNewWorkflowExecution" => Decision::ContinueAsNewWorkflowExecution(ContinueAsNew {
            input: opt(a, "input")?,
            workflow_type_version: opt(a, "workflowTypeVersion")?,
            task_list: task_list(a)?,
            execution_start_to_close_timeout: seconds(a, "executionStartToCloseTimeout")?,
            task_start_to_close_timeout: timeout(a, "taskStartToCloseTimeout")?,
            child_policy: child_policy(a)?,
            tags: tags(a)?,
        }),
        other => return Err(format!("unknown decisionType {other:?}")),
    })
}

fn opt(a: &Attrs, name: &str) -> Result<Option<String>, String> {
    match a.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(format!("{name} is not a string")),
    }
}

fn req(a: &Attrs, name: &str) -> Result<String, String> {
    opt(a, name)?.ok_or_else(|| format!("{name} is required"))
}

fn activity_type(a: &Attrs) -> Result<ActivityType, String> {
    let t = a.get("activityType").and_then(Value::as_object).ok_or("no activityType")?;
    Ok(ActivityType::new(req(t, "name")?, req(t, "version")?))
}

fn task_list(a: &Attrs) -> Result<Option<String>, String> {
    match a.get("taskList") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(t)) => Ok(Some(req(t, "name")?)),
        Some(_) => Err("taskList is not {\"name\": …}".into()),
    }
}

/// SWF's timeout strings: whole seconds as digits, or `"NONE"`.
fn timeout(a: &Attrs, name: &str) -> Result<Option<Timeout>, String> {
    match opt(a, name)?.as_deref() {
        None => Ok(None),
        Some("NONE") => Ok(Some(Timeout::Never)),
        Some(s) => s
            .parse::<u64>()
            .map(|n| Some(Timeout::After(Duration::from_secs(n))))
            .map_err(|_| format!("{name} is neither a number of seconds nor \"NONE\"")),
    }
}

fn seconds(a: &Attrs, name: &str) -> Result<Option<Duration>, String> {
    match timeout(a, name)? {
        None => Ok(None),
        Some(Timeout::After(d)) => Ok(Some(d)),
        Some(Timeout::Never) => Err(format!("{name} must be a number of seconds")),
    }
}

fn child_policy(a: &Attrs) -> Result<Option<ChildPolicy>, String> {
    Ok(match opt(a, "childPolicy")?.as_deref() {
        None => None,
        Some("TERMINATE") => Some(ChildPolicy::Terminate),
        Some("REQUEST_CANCEL") => Some(ChildPolicy::RequestCancel),
        Some("ABANDON") => Some(ChildPolicy::Abandon),
        Some(other) => return Err(format!("unknown childPolicy {other:?}")),
    })
}

fn tags(a: &Attrs) -> Result<Vec<String>, String> {
    match a.get("tagList") {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(l)) => {
            l.iter().map(|t| t.as_str().map(str::to_owned).ok_or_else(|| "tagList holds a non-string".into())).collect()
        }
        Some(_) => Err("tagList is not a list".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn swf_decisions_read_into_their_decision() {
        let (ds, ctx) = parse_answer(&json!({
            "executionContext": "ctx",
            "decisions": [
                {"decisionType": "ScheduleActivityTask", "scheduleActivityTaskDecisionAttributes": {
                    "activityId": "email", "activityType": {"name": "email", "version": "1"},
                    "input": "42", "taskList": {"name": "workers"}, "heartbeatTimeout": "NONE",
                    "startToCloseTimeout": "300"}},
                {"decisionType": "StartTimer", "startTimerDecisionAttributes": {"timerId": "t", "startToFireTimeout": "60"}},
                {"decisionType": "CompleteWorkflowExecution"},
            ]
        }))
        .unwrap();
        assert_eq!(ctx.as_deref(), Some("ctx"));
        let mut s =
            ScheduleActivityTask::new("email", ActivityType::new("email", "1")).input("42").task_list("workers");
        s.heartbeat = Some(Timeout::Never);
        s.start_to_close = Some(Timeout::After(Duration::from_secs(300)));
        assert_eq!(ds[0], Decision::ScheduleActivityTask(s));
        assert_eq!(ds[1], Decision::start_timer("t", Duration::from_secs(60)));
        assert_eq!(ds[2], Decision::CompleteWorkflowExecution { result: None });
        assert_eq!(parse_answer(&json!({})).unwrap(), (vec![], None));
    }

    #[test]
    fn a_malformed_decision_is_an_error_naming_it() {
        for (bad, says) in [
            (json!({"decisions": [{"decisionType": "Dance"}]}), "decisions[0]: unknown decisionType"),
            (json!({"decisions": [{}]}), "no decisionType"),
            (json!({"decisions": [{"decisionType": "CancelTimer"}]}), "timerId is required"),
            (
                json!({"decisions": [{"decisionType": "StartTimer",
                    "startTimerDecisionAttributes": {"timerId": "t", "startToFireTimeout": "soon"}}]}),
                "startToFireTimeout",
            ),
            (json!({"decisions": 3}), "decisions is not a list"),
            (json!([1]), "not a JSON object"),
        ] {
            let err = parse_answer(&bad).unwrap_err();
            assert!(err.contains(says), "{err}");
        }
    }
}
