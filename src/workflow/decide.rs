//! Decision tasks: a decider polls one (with the full history) and answers with
//! decisions; an invalid decision records its `…Failed` event with SWF's cause.

use serde_json::{json, Value};

use super::decision::{ContinueAsNew, Decision, ScheduleActivityTask};
use super::error::WorkflowError;
use super::execution::{
    validate_payload, Activity, CloseStatus, DecisionState, RunSpec, StartRequest, State, TaskRef, WorkflowExecution,
    MAX_OPEN_PER_EXECUTION,
};
use super::history::{EventType, HistoryEvent};
use super::timeout::Deadline;
use super::types::{validate_name, RegistrationStatus};
use super::{TaskToken, Workflows};
use crate::clock::Timestamp;

/// A decision task: the execution's full history and the token to answer with.
#[derive(Clone, Debug)]
pub struct DecisionTask {
    pub(crate) token: TaskToken,
    pub(crate) execution: WorkflowExecution,
    pub(crate) workflow_type: super::types::WorkflowType,
    pub(crate) events: Vec<HistoryEvent>,
    pub(crate) started_event_id: i64,
    pub(crate) previous_started_event_id: i64,
}

impl DecisionTask {
    /// The token that answers this task.
    pub fn token(&self) -> &TaskToken {
        &self.token
    }
    /// The execution it decides for.
    pub fn workflow_execution(&self) -> &WorkflowExecution {
        &self.execution
    }
    /// The execution's workflow type.
    pub fn workflow_type(&self) -> &super::types::WorkflowType {
        &self.workflow_type
    }
    /// The whole history so far, this task's `DecisionTaskStarted` last.
    pub fn events(&self) -> &[HistoryEvent] {
        &self.events
    }
    /// The events since the previous decision task this execution's decider answered.
    pub fn new_events(&self) -> &[HistoryEvent] {
        let from = usize::try_from(self.previous_started_event_id).unwrap_or(0);
        &self.events[from.min(self.events.len())..]
    }
    /// The id of this task's `DecisionTaskStarted` event.
    pub fn started_event_id(&self) -> i64 {
        self.started_event_id
    }
    /// The id of the `DecisionTaskStarted` event of the last decision task answered
    /// (0 if none).
    pub fn previous_started_event_id(&self) -> i64 {
        self.previous_started_event_id
    }
}

impl Workflows {
    /// Takes the next decision task of `task_list` in `domain`, or `None` when no
    /// execution waits for a decision. Non-blocking.
    pub fn poll_for_decision_task(&self, domain: &str, task_list: &str) -> Result<Option<DecisionTask>, WorkflowError> {
        self.poll_for_decision_task_as(domain, task_list, "")
    }

    /// [`poll_for_decision_task`](Workflows::poll_for_decision_task) with the
    /// decider's `identity`, recorded in `DecisionTaskStarted`.
    pub fn poll_for_decision_task_as(
        &self,
        domain: &str,
        task_list: &str,
        identity: &str,
    ) -> Result<Option<DecisionTask>, WorkflowError> {
        validate_name("taskList", task_list, 256)?;
        super::types::validate_opt_len("identity", Some(identity), 256)?;
        self.with(|st, now| {
            st.domain_mut(domain)?;
            Ok(st.take_decision_task(domain, task_list, identity, now))
        })
    }

    /// Answers a decision task with `decisions`, applied in order.
    pub fn respond_decision_task_completed(
        &self,
        token: &TaskToken,
        decisions: Vec<Decision>,
    ) -> Result<(), WorkflowError> {
        self.respond_decision_task_completed_with_context(token, decisions, None)
    }

    /// [`respond_decision_task_completed`](Workflows::respond_decision_task_completed)
    /// with an execution context, kept as the execution's latest.
    pub fn respond_decision_task_completed_with_context(
        &self,
        token: &TaskToken,
        decisions: Vec<Decision>,
        execution_context: Option<String>,
    ) -> Result<(), WorkflowError> {
        for d in &decisions {
            d.validate()?;
        }
        validate_payload("executionContext", execution_context.as_deref())?;
        self.with(|st, now| st.complete_decision_task(token.as_str(), decisions, execution_context, now))
    }
}

impl State {
    pub(crate) fn take_decision_task(
        &mut self,
        domain: &str,
        task_list: &str,
        identity: &str,
        now: Timestamp,
    ) -> Option<DecisionTask> {
        let key = (domain.to_string(), task_list.to_string());
        loop {
            let ex = self.decision_lists.get_mut(&key)?.pop_front()?;
            let e = &self.execs[ex];
            let DecisionState::Scheduled { scheduled } = e.decision else { continue };
            if !e.is_open() || e.spec.task_list != task_list {
                continue;
            }
            let started = self.record(
                ex,
                now,
                EventType::DecisionTaskStarted,
                json!({"identity": identity, "scheduledEventId": scheduled}),
            );
            if started == 0 {
                continue;
            }
            let token = self.token();
            self.tokens.insert(token.clone(), TaskRef::Decision { exec: ex, started });
            let e = &mut self.execs[ex];
            e.decision = DecisionState::Started { scheduled, started, token: token.clone() };
            if let Some(d) = e.spec.task_timeout.duration() {
                self.deadline(now + d, Deadline::Decision { exec: ex, started });
            }
            let e = &self.execs[ex];
            return Some(DecisionTask {
                token: TaskToken(token),
                execution: e.id.clone(),
                workflow_type: e.spec.workflow_type.clone(),
                events: e.events.clone(),
                started_event_id: started,
                previous_started_event_id: e.previous_started,
            });
        }
    }

    fn complete_decision_task(
        &mut self,
        token: &str,
        decisions: Vec<Decision>,
        context: Option<String>,
        now: Timestamp,
    ) -> Result<(), WorkflowError> {
        let unknown = || WorkflowError::UnknownResource("decision task token is not open".into());
        let Some(TaskRef::Decision { exec: ex, started }) = self.tokens.get(token).cloned() else {
            return Err(unknown());
        };
        let e = &mut self.execs[ex];
        let scheduled = match &e.decision {
            DecisionState::Started { scheduled, started: s, .. } if *s == started && e.closed.is_none() => *scheduled,
            _ => return Err(unknown()),
        };
        self.tokens.remove(token);
        // Events the decider has not seen make a close decision fail.
        let unhandled = e.decision_again;
        e.decision = DecisionState::Completing;
        e.decision_again = false;
        e.previous_started = started;
        if context.is_some() {
            e.latest_execution_context = context.clone();
        }
        let completed = self.record(
            ex,
            now,
            EventType::DecisionTaskCompleted,
            json!({"scheduledEventId": scheduled, "startedEventId": started, "executionContext": context}),
        );
        let mut again = unhandled;
        for d in decisions {
            if !self.execs[ex].is_open() {
                break;
            }
            again |= self.apply(ex, d, completed, unhandled, now);
        }
        let e = &mut self.execs[ex];
        if e.is_open() {
            again |= e.decision_again;
            e.decision = DecisionState::Idle;
            e.decision_again = false;
            if again {
                self.schedule_decision(ex, now);
            }
        }
        Ok(())
    }

    /// Applies one decision; returns whether it calls for a new decision task.
    fn apply(&mut self, ex: usize, d: Decision, completed: i64, unhandled: bool, now: Timestamp) -> bool {
        match d {
            Decision::ScheduleActivityTask(s) => self.schedule_activity(ex, s, completed, now),
            Decision::RequestCancelActivityTask { activity_id } => {
                self.request_cancel_activity(ex, &activity_id, completed, now)
            }
            Decision::StartTimer { timer_id, start_to_fire, control } => {
                let e = &self.execs[ex];
                let cause = if e.timers.contains_key(&timer_id) {
                    Some("TIMER_ID_ALREADY_IN_USE")
                } else if e.timers.len() >= MAX_OPEN_PER_EXECUTION {
                    Some("OPEN_TIMERS_LIMIT_EXCEEDED")
                } else {
                    None
                };
                if let Some(cause) = cause {
                    let a = json!({"timerId": timer_id, "cause": cause, "decisionTaskCompletedEventId": completed});
                    self.record(ex, now, EventType::StartTimerFailed, a);
                    return true;
                }
                let a = json!({
                    "timerId": timer_id, "control": control,
                    "startToFireTimeout": start_to_fire.as_secs().to_string(),
                    "decisionTaskCompletedEventId": completed,
                });
                let started = self.record(ex, now, EventType::TimerStarted, a);
                if started != 0 {
                    self.execs[ex].timers.insert(timer_id.clone(), started);
                    self.deadline(now + start_to_fire, Deadline::Timer { exec: ex, timer_id, started });
                }
                false
            }
            Decision::CancelTimer { timer_id } => match self.execs[ex].timers.remove(&timer_id) {
                Some(started) => {
                    let a = json!({"timerId": timer_id, "startedEventId": started, "decisionTaskCompletedEventId": completed});
                    self.record(ex, now, EventType::TimerCanceled, a);
                    false
                }
                None => {
                    let a = json!({"timerId": timer_id, "cause": "TIMER_ID_UNKNOWN", "decisionTaskCompletedEventId": completed});
                    self.record(ex, now, EventType::CancelTimerFailed, a);
                    true
                }
            },
            Decision::RecordMarker { marker_name, details } => {
                let a =
                    json!({"markerName": marker_name, "details": details, "decisionTaskCompletedEventId": completed});
                self.record(ex, now, EventType::MarkerRecorded, a);
                false
            }
            Decision::SignalExternalWorkflowExecution { workflow_id, run_id, signal_name, input, control } => {
                self.signal_external(ex, (workflow_id, run_id), signal_name, input, control, completed, now)
            }
            Decision::RequestCancelExternalWorkflowExecution { workflow_id, run_id, control } => {
                self.request_cancel_external(ex, (workflow_id, run_id), control, completed, now)
            }
            Decision::StartChildWorkflowExecution { start, control } => {
                self.start_child(ex, start, control, completed, now)
            }
            Decision::CompleteWorkflowExecution { result } => {
                if unhandled {
                    return self.close_failed(ex, EventType::CompleteWorkflowExecutionFailed, completed, now);
                }
                let a = json!({"result": result, "decisionTaskCompletedEventId": completed});
                self.close(ex, now, CloseStatus::Completed, EventType::WorkflowExecutionCompleted, a);
                false
            }
            Decision::FailWorkflowExecution { reason, details } => {
                if unhandled {
                    return self.close_failed(ex, EventType::FailWorkflowExecutionFailed, completed, now);
                }
                let a = json!({"reason": reason, "details": details, "decisionTaskCompletedEventId": completed});
                self.close(ex, now, CloseStatus::Failed, EventType::WorkflowExecutionFailed, a);
                false
            }
            Decision::CancelWorkflowExecution { details } => {
                if unhandled {
                    return self.close_failed(ex, EventType::CancelWorkflowExecutionFailed, completed, now);
                }
                let a = json!({"details": details, "decisionTaskCompletedEventId": completed});
                self.close(ex, now, CloseStatus::Canceled, EventType::WorkflowExecutionCanceled, a);
                false
            }
            Decision::ContinueAsNewWorkflowExecution(c) => {
                if unhandled {
                    return self.close_failed(ex, EventType::ContinueAsNewWorkflowExecutionFailed, completed, now);
                }
                self.continue_as_new(ex, c, completed, now)
            }
        }
    }

    fn close_failed(&mut self, ex: usize, ty: EventType, completed: i64, now: Timestamp) -> bool {
        self.close_failed_with(ex, ty, "UNHANDLED_DECISION", completed, now)
    }

    fn close_failed_with(&mut self, ex: usize, ty: EventType, cause: &str, completed: i64, now: Timestamp) -> bool {
        self.record(ex, now, ty, json!({"cause": cause, "decisionTaskCompletedEventId": completed}));
        true
    }

    fn schedule_activity(&mut self, ex: usize, s: ScheduleActivityTask, completed: i64, now: Timestamp) -> bool {
        let resolved = self.resolve_activity(ex, &s);
        let (list, s2s, s2c, st2c, hb) = match resolved {
            Ok(r) => r,
            Err(cause) => {
                let a = json!({
                    "activityType": s.activity_type.to_json(), "activityId": s.activity_id,
                    "cause": cause, "decisionTaskCompletedEventId": completed,
                });
                self.record(ex, now, EventType::ScheduleActivityTaskFailed, a);
                return true;
            }
        };
        let a = json!({
            "activityType": s.activity_type.to_json(), "activityId": s.activity_id,
            "input": s.input, "control": s.control,
            "scheduleToStartTimeout": s2s.to_swf(), "scheduleToCloseTimeout": s2c.to_swf(),
            "startToCloseTimeout": st2c.to_swf(), "heartbeatTimeout": hb.to_swf(),
            "taskList": {"name": list}, "decisionTaskCompletedEventId": completed,
        });
        let scheduled = self.record(ex, now, EventType::ActivityTaskScheduled, a);
        if scheduled == 0 {
            return false;
        }
        let id = s.activity_id;
        let activity = Activity {
            activity_type: s.activity_type,
            scheduled,
            started: None,
            token: None,
            start_to_close: st2c.duration(),
            heartbeat: hb.duration(),
            last_heartbeat: now,
            details: None,
            cancel_requested: None,
        };
        self.execs[ex].activities.insert(id.clone(), activity);
        let key = (self.execs[ex].domain.clone(), list);
        self.activity_lists.entry(key).or_default().push_back((ex, id.clone(), scheduled));
        if let Some(d) = s2s.duration() {
            self.deadline(now + d, Deadline::ScheduleToStart { exec: ex, activity_id: id.clone(), scheduled });
        }
        if let Some(d) = s2c.duration() {
            self.deadline(now + d, Deadline::ScheduleToClose { exec: ex, activity_id: id, scheduled });
        }
        false
    }

    #[allow(clippy::type_complexity)]
    fn resolve_activity(
        &self,
        ex: usize,
        s: &ScheduleActivityTask,
    ) -> Result<
        (String, super::types::Timeout, super::types::Timeout, super::types::Timeout, super::types::Timeout),
        &'static str,
    > {
        let e = &self.execs[ex];
        let d = self.domains.get(&e.domain).ok_or("ACTIVITY_TYPE_DOES_NOT_EXIST")?;
        let t = d.activity_types.get(&s.activity_type).ok_or("ACTIVITY_TYPE_DOES_NOT_EXIST")?;
        if t.status == RegistrationStatus::Deprecated {
            return Err("ACTIVITY_TYPE_DEPRECATED");
        }
        if e.activities.contains_key(&s.activity_id) {
            return Err("ACTIVITY_ID_ALREADY_IN_USE");
        }
        if e.activities.len() >= MAX_OPEN_PER_EXECUTION {
            return Err("OPEN_ACTIVITIES_LIMIT_EXCEEDED");
        }
        let c = &t.config;
        let list = s.task_list.clone().or_else(|| c.default_task_list.clone()).ok_or("DEFAULT_TASK_LIST_UNDEFINED")?;
        let s2s = s
            .schedule_to_start
            .or(c.default_schedule_to_start_timeout)
            .ok_or("DEFAULT_SCHEDULE_TO_START_TIMEOUT_UNDEFINED")?;
        let s2c = s
            .schedule_to_close
            .or(c.default_schedule_to_close_timeout)
            .ok_or("DEFAULT_SCHEDULE_TO_CLOSE_TIMEOUT_UNDEFINED")?;
        let st2c =
            s.start_to_close.or(c.default_start_to_close_timeout).ok_or("DEFAULT_START_TO_CLOSE_TIMEOUT_UNDEFINED")?;
        let hb = s.heartbeat.or(c.default_heartbeat_timeout).ok_or("DEFAULT_HEARTBEAT_TIMEOUT_UNDEFINED")?;
        Ok((list, s2s, s2c, st2c, hb))
    }

    fn request_cancel_activity(&mut self, ex: usize, activity_id: &str, completed: i64, now: Timestamp) -> bool {
        let Some(a) = self.execs[ex].activities.get(activity_id) else {
            let a = json!({"activityId": activity_id, "cause": "ACTIVITY_ID_UNKNOWN", "decisionTaskCompletedEventId": completed});
            self.record(ex, now, EventType::RequestCancelActivityTaskFailed, a);
            return true;
        };
        let not_started = a.started.is_none();
        let a = json!({"activityId": activity_id, "decisionTaskCompletedEventId": completed});
        let requested = self.record(ex, now, EventType::ActivityTaskCancelRequested, a);
        if not_started {
            // Nobody holds it yet: it is canceled at once.
            if let Some(a) = self.execs[ex].activities.remove(activity_id) {
                let a = json!({"scheduledEventId": a.scheduled, "startedEventId": 0, "latestCancelRequestedEventId": requested});
                self.record(ex, now, EventType::ActivityTaskCanceled, a);
            }
            return true;
        }
        if let Some(a) = self.execs[ex].activities.get_mut(activity_id) {
            a.cancel_requested = Some(requested);
        }
        false
    }

    /// Finds the target of an external decision; `None` when it is not open.
    fn external(&self, ex: usize, workflow_id: &str, run_id: Option<&str>) -> Option<usize> {
        let domain = &self.execs[ex].domain;
        self.find(domain, workflow_id, run_id.unwrap_or("")).filter(|&t| self.execs[t].is_open())
    }

    #[allow(clippy::too_many_arguments)]
    fn signal_external(
        &mut self,
        ex: usize,
        (workflow_id, run_id): (String, Option<String>),
        signal_name: String,
        input: Option<String>,
        control: Option<String>,
        completed: i64,
        now: Timestamp,
    ) -> bool {
        let a = json!({
            "workflowId": workflow_id, "runId": run_id, "signalName": signal_name,
            "input": input, "control": control, "decisionTaskCompletedEventId": completed,
        });
        let initiated = (EventType::SignalExternalWorkflowExecutionInitiated, a);
        let failed = EventType::SignalExternalWorkflowExecutionFailed;
        let Some(found) =
            self.initiate_external(ex, (&workflow_id, run_id.as_deref()), &control, completed, now, initiated, failed)
        else {
            return false; // the history limit closed this run
        };
        let Some((target, initiated)) = found else { return true };
        let me = self.execs[ex].id.to_json();
        let a = json!({
            "signalName": signal_name, "input": input,
            "externalWorkflowExecution": me, "externalInitiatedEventId": initiated,
        });
        self.record(target, now, EventType::WorkflowExecutionSignaled, a);
        self.schedule_decision(target, now);
        let them = self.execs[target].id.to_json();
        let a = json!({"workflowExecution": them, "initiatedEventId": initiated});
        self.record(ex, now, EventType::ExternalWorkflowExecutionSignaled, a);
        true
    }

    /// Records the `initiated` event of a decision aimed at another run, then finds
    /// that run; when there is none, records `failed` with the cause
    /// UNKNOWN_EXTERNAL_WORKFLOW_EXECUTION. `None`: the history limit closed this
    /// run; `Some(None)`: no target; else the target and the initiated event's id.
    #[allow(clippy::too_many_arguments)]
    fn initiate_external(
        &mut self,
        ex: usize,
        (workflow_id, run_id): (&str, Option<&str>),
        control: &Option<String>,
        completed: i64,
        now: Timestamp,
        (initiated_type, attributes): (EventType, serde_json::Value),
        failed: EventType,
    ) -> Option<Option<(usize, i64)>> {
        let initiated = self.record(ex, now, initiated_type, attributes);
        if initiated == 0 {
            return None;
        }
        let Some(target) = self.external(ex, workflow_id, run_id) else {
            let a = json!({
                "workflowId": workflow_id, "runId": run_id, "cause": "UNKNOWN_EXTERNAL_WORKFLOW_EXECUTION",
                "initiatedEventId": initiated, "decisionTaskCompletedEventId": completed, "control": control,
            });
            self.record(ex, now, failed, a);
            return Some(None);
        };
        Some(Some((target, initiated)))
    }

    fn request_cancel_external(
        &mut self,
        ex: usize,
        (workflow_id, run_id): (String, Option<String>),
        control: Option<String>,
        completed: i64,
        now: Timestamp,
    ) -> bool {
        let a = json!({
            "workflowId": workflow_id, "runId": run_id, "control": control,
            "decisionTaskCompletedEventId": completed,
        });
        let initiated = (EventType::RequestCancelExternalWorkflowExecutionInitiated, a);
        let failed = EventType::RequestCancelExternalWorkflowExecutionFailed;
        let Some(found) =
            self.initiate_external(ex, (&workflow_id, run_id.as_deref()), &control, completed, now, initiated, failed)
        else {
            return false; // the history limit closed this run
        };
        let Some((target, initiated)) = found else { return true };
        let me = self.execs[ex].id.to_json();
        self.execs[target].cancel_requested = true;
        let a = json!({"externalWorkflowExecution": me, "externalInitiatedEventId": initiated});
        self.record(target, now, EventType::WorkflowExecutionCancelRequested, a);
        self.schedule_decision(target, now);
        let them = self.execs[target].id.to_json();
        let a = json!({"workflowExecution": them, "initiatedEventId": initiated});
        self.record(ex, now, EventType::ExternalWorkflowExecutionCancelRequested, a);
        true
    }

    fn start_child(
        &mut self,
        ex: usize,
        start: StartRequest,
        control: Option<String>,
        completed: i64,
        now: Timestamp,
    ) -> bool {
        let domain = self.execs[ex].domain.clone();
        let failed = |st: &mut State, cause: &str, initiated: i64| {
            let a = json!({
                "workflowType": start.workflow_type.to_json(), "workflowId": start.workflow_id, "cause": cause,
                "initiatedEventId": initiated, "decisionTaskCompletedEventId": completed, "control": control,
            });
            st.record(ex, now, EventType::StartChildWorkflowExecutionFailed, a);
            true
        };
        let spec = match self.resolve_run(&domain, &start) {
            Ok(spec) => spec,
            Err(cause) => return failed(self, cause, 0),
        };
        if self.execs[ex].children.len() >= MAX_OPEN_PER_EXECUTION {
            return failed(self, "OPEN_CHILDREN_LIMIT_EXCEEDED", 0);
        }
        if !self.has_room(&domain) {
            return failed(self, "OPEN_WORKFLOWS_LIMIT_EXCEEDED", 0);
        }
        let a = json!({
            "workflowId": spec.workflow_id, "workflowType": spec.workflow_type.to_json(),
            "control": control, "input": spec.input,
            "executionStartToCloseTimeout": spec.execution_timeout.as_secs().to_string(),
            "taskList": {"name": spec.task_list}, "decisionTaskCompletedEventId": completed,
            "childPolicy": spec.child_policy.as_str(), "taskStartToCloseTimeout": spec.task_timeout.to_swf(),
            "tagList": if spec.tags.is_empty() { Value::Null } else { json!(spec.tags) },
        });
        let initiated = self.record(ex, now, EventType::StartChildWorkflowExecutionInitiated, a);
        if initiated == 0 {
            return false;
        }
        if self.find(&domain, &spec.workflow_id, "").is_some() {
            return failed(self, "WORKFLOW_ALREADY_RUNNING", initiated);
        }
        let ty = spec.workflow_type.to_json();
        let child = self.start_run(&domain, spec, now, Some((ex, initiated)), None);
        let a = json!({"workflowExecution": self.execs[child].id.to_json(), "workflowType": ty, "initiatedEventId": initiated});
        let started = self.record(ex, now, EventType::ChildWorkflowExecutionStarted, a);
        self.execs[ex].children.insert(initiated, super::execution::Child { exec: child, started });
        true
    }

    fn continue_as_new(&mut self, ex: usize, c: ContinueAsNew, completed: i64, now: Timestamp) -> bool {
        let e = &self.execs[ex];
        let domain = e.domain.clone();
        let mut ty = e.spec.workflow_type.clone();
        if let Some(v) = &c.workflow_type_version {
            ty = super::types::WorkflowType::new(ty.name(), v.clone());
        }
        let mut req = StartRequest::new(e.spec.workflow_id.clone(), ty);
        req.input = c.input;
        req.task_list = c.task_list;
        req.execution_start_to_close_timeout = c.execution_start_to_close_timeout;
        req.task_start_to_close_timeout = c.task_start_to_close_timeout;
        req.child_policy = c.child_policy;
        req.tags = c.tags;
        let spec: RunSpec = match self.resolve_run(&domain, &req) {
            Ok(spec) => spec,
            Err(cause) => {
                return self.close_failed_with(
                    ex,
                    EventType::ContinueAsNewWorkflowExecutionFailed,
                    cause,
                    completed,
                    now,
                )
            }
        };
        let old_run = self.execs[ex].id.run_id().to_string();
        let parent = self.execs[ex].parent;
        let placeholder = ex; // the new run is pushed after this one closes
        let next = self.execs.len();
        let a = json!({
            "input": spec.input, "decisionTaskCompletedEventId": completed,
            "executionStartToCloseTimeout": spec.execution_timeout.as_secs().to_string(),
            "taskList": {"name": spec.task_list}, "taskStartToCloseTimeout": spec.task_timeout.to_swf(),
            "childPolicy": spec.child_policy.as_str(),
            "tagList": if spec.tags.is_empty() { Value::Null } else { json!(spec.tags) },
            "workflowType": spec.workflow_type.to_json(),
            "newExecutionRunId": Value::Null,
        });
        self.close(placeholder, now, CloseStatus::ContinuedAsNew, EventType::WorkflowExecutionContinuedAsNew, a);
        let new = self.start_run(&domain, spec, now, parent, Some(old_run));
        debug_assert_eq!(new, next);
        let run = self.execs[new].id.run_id().to_string();
        if let Some(last) = self.execs[ex].events.last_mut() {
            last.attributes.insert("newExecutionRunId".into(), Value::from(run));
        }
        if let Some((p, initiated)) = parent {
            if let Some(child) = self.execs[p].children.get_mut(&initiated) {
                child.exec = new;
            }
        }
        false
    }
}
