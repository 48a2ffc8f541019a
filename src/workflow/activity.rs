//! Activity tasks: a worker polls one, heartbeats (learning whether it was asked to
//! cancel), and completes, fails or cancels it.

use serde_json::json;

use super::error::WorkflowError;
use super::execution::{validate_payload, State, TaskRef, WorkflowExecution};
use super::history::EventType;
use super::timeout::Deadline;
use super::types::{validate_name, validate_opt_len, ActivityType};
use super::{TaskToken, Workflows};
use crate::clock::Timestamp;

/// An activity task a worker took.
#[derive(Clone, Debug)]
pub struct ActivityTask {
    pub(crate) token: TaskToken,
    pub(crate) activity_id: String,
    pub(crate) activity_type: ActivityType,
    pub(crate) input: Option<String>,
    pub(crate) started_event_id: i64,
    pub(crate) execution: WorkflowExecution,
}

impl ActivityTask {
    /// The token that answers this task.
    pub fn token(&self) -> &TaskToken {
        &self.token
    }
    /// The activity's id, as the decider chose it.
    pub fn activity_id(&self) -> &str {
        &self.activity_id
    }
    /// The activity's type.
    pub fn activity_type(&self) -> &ActivityType {
        &self.activity_type
    }
    /// The input the decider gave, if any.
    pub fn input(&self) -> Option<&str> {
        self.input.as_deref()
    }
    /// The id of the task's `ActivityTaskStarted` event.
    pub fn started_event_id(&self) -> i64 {
        self.started_event_id
    }
    /// The execution it works for.
    pub fn workflow_execution(&self) -> &WorkflowExecution {
        &self.execution
    }
}

/// The answer to a heartbeat.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ActivityTaskStatus {
    /// Whether the decider asked for the task to be canceled.
    pub cancel_requested: bool,
}

impl Workflows {
    /// Takes the next activity task of `task_list` in `domain`, or `None` when none
    /// waits. Non-blocking.
    pub fn poll_for_activity_task(&self, domain: &str, task_list: &str) -> Result<Option<ActivityTask>, WorkflowError> {
        self.poll_for_activity_task_as(domain, task_list, "")
    }

    /// [`poll_for_activity_task`](Workflows::poll_for_activity_task) with the worker's
    /// `identity`, recorded in `ActivityTaskStarted`.
    pub fn poll_for_activity_task_as(
        &self,
        domain: &str,
        task_list: &str,
        identity: &str,
    ) -> Result<Option<ActivityTask>, WorkflowError> {
        validate_name("taskList", task_list, 256)?;
        validate_opt_len("identity", Some(identity), 256)?;
        self.with(|st, now| {
            st.domain_mut(domain)?;
            Ok(st.take_activity_task(domain, task_list, identity, now))
        })
    }

    /// Reports progress; the answer says whether cancellation was asked for.
    pub fn record_activity_task_heartbeat(
        &self,
        token: &TaskToken,
        details: Option<String>,
    ) -> Result<ActivityTaskStatus, WorkflowError> {
        validate_opt_len("details", details.as_deref(), 2048)?;
        self.with(|st, now| {
            let (ex, id, _) = st.open_activity(token.as_str())?;
            let a = st.execs[ex].activities.get_mut(&id).ok_or_else(closed_token)?;
            a.last_heartbeat = now;
            if details.is_some() {
                a.details = details;
            }
            Ok(ActivityTaskStatus { cancel_requested: a.cancel_requested.is_some() })
        })
    }

    /// Completes the activity task with `result`.
    pub fn respond_activity_task_completed(
        &self,
        token: &TaskToken,
        result: impl Into<String>,
    ) -> Result<(), WorkflowError> {
        let result = result.into();
        validate_payload("result", Some(&result))?;
        self.finish(token, EventType::ActivityTaskCompleted, json!({"result": result}))
    }

    /// Fails the activity task.
    pub fn respond_activity_task_failed(
        &self,
        token: &TaskToken,
        reason: impl Into<String>,
        details: impl Into<String>,
    ) -> Result<(), WorkflowError> {
        let (reason, details) = (reason.into(), details.into());
        validate_opt_len("reason", Some(&reason), 256)?;
        validate_payload("details", Some(&details))?;
        self.finish(token, EventType::ActivityTaskFailed, json!({"reason": reason, "details": details}))
    }

    /// Reports the activity task canceled (after a heartbeat said it was asked to).
    pub fn respond_activity_task_canceled(
        &self,
        token: &TaskToken,
        details: impl Into<String>,
    ) -> Result<(), WorkflowError> {
        let details = details.into();
        validate_payload("details", Some(&details))?;
        self.finish(token, EventType::ActivityTaskCanceled, json!({"details": details}))
    }

    fn finish(&self, token: &TaskToken, ty: EventType, mut a: serde_json::Value) -> Result<(), WorkflowError> {
        self.with(|st, now| {
            let (ex, id, started) = st.open_activity(token.as_str())?;
            let act = st.execs[ex].activities.remove(&id).ok_or_else(closed_token)?;
            st.tokens.remove(token.as_str());
            a["scheduledEventId"] = json!(act.scheduled);
            a["startedEventId"] = json!(started);
            if ty == EventType::ActivityTaskCanceled {
                if let Some(r) = act.cancel_requested {
                    a["latestCancelRequestedEventId"] = json!(r);
                }
            }
            st.record(ex, now, ty, a);
            st.schedule_decision(ex, now);
            Ok(())
        })
    }
}

fn closed_token() -> WorkflowError {
    WorkflowError::UnknownResource("activity task token is not open".into())
}

impl State {
    /// The open activity a token names: (execution, activity id, started event id).
    fn open_activity(&self, token: &str) -> Result<(usize, String, i64), WorkflowError> {
        let Some(TaskRef::Activity { exec, activity_id, started }) = self.tokens.get(token) else {
            return Err(closed_token());
        };
        let live = self.execs[*exec].is_open()
            && self.execs[*exec].activities.get(activity_id).is_some_and(|a| a.started == Some(*started));
        if !live {
            return Err(closed_token());
        }
        Ok((*exec, activity_id.clone(), *started))
    }

    pub(crate) fn take_activity_task(
        &mut self,
        domain: &str,
        task_list: &str,
        identity: &str,
        now: Timestamp,
    ) -> Option<ActivityTask> {
        let key = (domain.to_string(), task_list.to_string());
        loop {
            let (ex, id, scheduled) = self.activity_lists.get_mut(&key)?.pop_front()?;
            let live = self.execs[ex].is_open()
                && self.execs[ex].activities.get(&id).is_some_and(|a| a.scheduled == scheduled && a.started.is_none());
            if !live {
                continue;
            }
            let a = json!({"identity": identity, "scheduledEventId": scheduled});
            let started = self.record(ex, now, EventType::ActivityTaskStarted, a);
            if started == 0 {
                continue;
            }
            let token = self.token();
            self.tokens.insert(token.clone(), TaskRef::Activity { exec: ex, activity_id: id.clone(), started });
            let e = &mut self.execs[ex];
            e.latest_activity_task = Some(now);
            let execution = e.id.clone();
            let input = e.events[(scheduled - 1) as usize].str_attribute("input").map(str::to_string);
            let Some(a) = e.activities.get_mut(&id) else { continue };
            a.started = Some(started);
            a.token = Some(token.clone());
            a.last_heartbeat = now;
            let (st2c, hb, ty) = (a.start_to_close, a.heartbeat, a.activity_type.clone());
            if let Some(d) = st2c {
                self.deadline(now + d, Deadline::StartToClose { exec: ex, activity_id: id.clone(), started });
            }
            if let Some(d) = hb {
                self.deadline(now + d, Deadline::Heartbeat { exec: ex, activity_id: id.clone(), started });
            }
            return Some(ActivityTask {
                token: TaskToken(token),
                activity_id: id,
                activity_type: ty,
                input,
                started_event_id: started,
                execution,
            });
        }
    }
}
