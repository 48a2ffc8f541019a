//! Executions: the per-cloud state, starting a run, recording events, closing.

use std::collections::{BTreeMap, VecDeque};
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use rand::rngs::SmallRng;
use rand::Rng;
use rustc_hash::FxHashMap;
use serde_json::{json, Value};

use super::error::WorkflowError;
use super::history::{attrs, EventType, HistoryEvent};
use super::timeout::Deadline;
use super::types::{ActivityType, ChildPolicy, Domain, RegistrationStatus, Timeout, WorkflowType};
use crate::clock::Timestamp;
use crate::journal::{Journal, JournalEntry};

/// The most events an execution's history may hold; the event that would pass it
/// terminates the execution instead (cause `EVENT_LIMIT_EXCEEDED`).
pub const MAX_HISTORY_EVENTS: usize = 25_000;
/// The largest input, result or details: 32,768 characters.
pub const MAX_PAYLOAD: usize = 32_768;
/// The most tags an execution may carry.
pub const MAX_TAGS: usize = 5;
/// The most open executions one domain may have.
pub const MAX_OPEN_EXECUTIONS: usize = 100_000;
/// The most open activity tasks, timers or child executions per execution.
pub const MAX_OPEN_PER_EXECUTION: usize = 1_000;

/// One run of a workflow: its workflow id and the run id SWF gave it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct WorkflowExecution {
    workflow_id: String,
    run_id: String,
}

impl WorkflowExecution {
    /// Names a run. A run id of `""` means "the open run of this workflow id" where
    /// a call allows it.
    pub fn new(workflow_id: impl Into<String>, run_id: impl Into<String>) -> Self {
        WorkflowExecution { workflow_id: workflow_id.into(), run_id: run_id.into() }
    }
    /// The workflow id the starter chose.
    pub fn workflow_id(&self) -> &str {
        &self.workflow_id
    }
    /// The run id SWF gave this run.
    pub fn run_id(&self) -> &str {
        &self.run_id
    }
    pub(crate) fn to_json(&self) -> Value {
        json!({"workflowId": self.workflow_id, "runId": self.run_id})
    }
}

impl fmt::Display for WorkflowExecution {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.workflow_id, self.run_id)
    }
}

/// How an execution closed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CloseStatus {
    /// The decider completed it.
    Completed,
    /// The decider failed it.
    Failed,
    /// The decider canceled it.
    Canceled,
    /// It was terminated (by a call, a parent's child policy or the event limit).
    Terminated,
    /// The decider continued it as a new run.
    ContinuedAsNew,
    /// It ran past its start-to-close timeout.
    TimedOut,
}

impl CloseStatus {
    /// SWF's name, such as `COMPLETED` or `CONTINUED_AS_NEW`.
    pub fn as_str(self) -> &'static str {
        match self {
            CloseStatus::Completed => "COMPLETED",
            CloseStatus::Failed => "FAILED",
            CloseStatus::Canceled => "CANCELED",
            CloseStatus::Terminated => "TERMINATED",
            CloseStatus::ContinuedAsNew => "CONTINUED_AS_NEW",
            CloseStatus::TimedOut => "TIMED_OUT",
        }
    }
}

/// Where an execution's decision task stands: at most one is open at a time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum DecisionState {
    Idle,
    Scheduled {
        scheduled: i64,
    },
    Started {
        scheduled: i64,
        started: i64,
        token: String,
    },
    /// The decider's answer is being applied: events arriving now need a new task.
    Completing,
}

pub(crate) struct Activity {
    pub(crate) activity_type: ActivityType,
    pub(crate) scheduled: i64,
    pub(crate) started: Option<i64>,
    pub(crate) token: Option<String>,
    pub(crate) start_to_close: Option<Duration>,
    pub(crate) heartbeat: Option<Duration>,
    pub(crate) last_heartbeat: Timestamp,
    pub(crate) details: Option<String>,
    pub(crate) cancel_requested: Option<i64>,
}

pub(crate) struct Child {
    pub(crate) exec: usize,
    pub(crate) started: i64,
}

/// What a start asks for, once defaults are resolved.
#[derive(Clone)]
pub(crate) struct RunSpec {
    pub(crate) workflow_id: String,
    pub(crate) workflow_type: WorkflowType,
    pub(crate) task_list: String,
    pub(crate) execution_timeout: Duration,
    pub(crate) task_timeout: Timeout,
    pub(crate) child_policy: ChildPolicy,
    pub(crate) tags: Vec<String>,
    pub(crate) input: Option<String>,
}

pub(crate) struct Execution {
    pub(crate) domain: String,
    pub(crate) id: WorkflowExecution,
    pub(crate) spec: RunSpec,
    pub(crate) started_at: Timestamp,
    pub(crate) closed: Option<(CloseStatus, Timestamp)>,
    pub(crate) events: Vec<HistoryEvent>,
    pub(crate) decision: DecisionState,
    /// Events arrived while the decision task was started: another task follows it.
    pub(crate) decision_again: bool,
    pub(crate) previous_started: i64,
    pub(crate) activities: BTreeMap<String, Activity>,
    pub(crate) timers: BTreeMap<String, i64>,
    pub(crate) children: BTreeMap<i64, Child>,
    pub(crate) parent: Option<(usize, i64)>,
    pub(crate) cancel_requested: bool,
    pub(crate) latest_activity_task: Option<Timestamp>,
    pub(crate) latest_execution_context: Option<String>,
}

impl Execution {
    pub(crate) fn is_open(&self) -> bool {
        self.closed.is_none()
    }
}

/// A task token's target.
#[derive(Clone, Debug)]
pub(crate) enum TaskRef {
    Decision { exec: usize, started: i64 },
    Activity { exec: usize, activity_id: String, started: i64 },
}

pub(crate) type ListKey = (String, String);

pub(crate) struct State {
    pub(crate) journal: Arc<Journal>,
    pub(crate) domains: BTreeMap<String, Domain>,
    pub(crate) execs: Vec<Execution>,
    pub(crate) open_by_id: FxHashMap<(String, String), usize>,
    pub(crate) by_run: FxHashMap<(String, String, String), usize>,
    pub(crate) decision_lists: FxHashMap<ListKey, VecDeque<usize>>,
    pub(crate) activity_lists: FxHashMap<ListKey, VecDeque<(usize, String, i64)>>,
    pub(crate) tokens: FxHashMap<String, TaskRef>,
    pub(crate) deadlines: BTreeMap<(Timestamp, u64), Deadline>,
    pub(crate) seq: u64,
    pub(crate) rng: SmallRng,
    /// Polls parked in a long poll.
    pub(crate) waiting_polls: usize,
}

impl State {
    pub(crate) fn new(journal: Arc<Journal>, rng: SmallRng) -> Self {
        State {
            journal,
            domains: BTreeMap::new(),
            execs: Vec::new(),
            open_by_id: FxHashMap::default(),
            by_run: FxHashMap::default(),
            decision_lists: FxHashMap::default(),
            activity_lists: FxHashMap::default(),
            tokens: FxHashMap::default(),
            deadlines: BTreeMap::new(),
            seq: 0,
            rng,
            waiting_polls: 0,
        }
    }

    pub(crate) fn domain_mut(&mut self, name: &str) -> Result<&mut Domain, WorkflowError> {
        self.domains.get_mut(name).ok_or_else(|| WorkflowError::UnknownResource(format!("domain {name}")))
    }

    /// A new opaque token, unique in this cloud.
    pub(crate) fn token(&mut self) -> String {
        self.seq += 1;
        format!("{:08x}{:016x}", self.seq, self.rng.random::<u64>())
    }

    fn run_id(&mut self) -> String {
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut s: String = (0..43).map(|_| ALPHABET[self.rng.random_range(0..64)] as char).collect();
        s.push('=');
        s
    }

    pub(crate) fn deadline(&mut self, at: Timestamp, d: Deadline) {
        self.seq += 1;
        self.deadlines.insert((at, self.seq), d);
    }

    /// Appends an event to an open execution and returns its id (0 when the
    /// execution is closed). The event that would reach the history limit terminates
    /// the execution instead.
    pub(crate) fn record(&mut self, ex: usize, now: Timestamp, ty: EventType, a: Value) -> i64 {
        let e = &self.execs[ex];
        if !e.is_open() {
            return 0;
        }
        if !ty.is_close() && e.events.len() + 1 >= MAX_HISTORY_EVENTS {
            let policy = e.spec.child_policy;
            self.close(
                ex,
                now,
                CloseStatus::Terminated,
                EventType::WorkflowExecutionTerminated,
                json!({"childPolicy": policy.as_str(), "cause": "EVENT_LIMIT_EXCEEDED"}),
            );
            return 0;
        }
        self.push(ex, now, ty, a)
    }

    fn push(&mut self, ex: usize, now: Timestamp, ty: EventType, a: Value) -> i64 {
        let e = &mut self.execs[ex];
        let id = e.events.len() as i64 + 1;
        e.events.push(HistoryEvent { event_id: id, timestamp: now, event_type: ty, attributes: attrs(a) });
        if let (Some(d), Some(event)) = (self.domains.get(&e.domain), e.events.last()) {
            d.metrics.count(event);
        }
        let (domain, subject) = (&e.domain, &e.id);
        self.journal.record_with(|| {
            JournalEntry::new(now, "swf", domain.clone(), ty.as_str(), subject.to_string()).with_detail(id.to_string())
        });
        id
    }

    /// Asks for a decision task: schedules one, or notes that another must follow the
    /// one a decider holds.
    pub(crate) fn schedule_decision(&mut self, ex: usize, now: Timestamp) {
        let e = &mut self.execs[ex];
        if !e.is_open() {
            return;
        }
        match e.decision {
            DecisionState::Idle => {}
            DecisionState::Scheduled { .. } => return,
            DecisionState::Started { .. } | DecisionState::Completing => {
                e.decision_again = true;
                return;
            }
        }
        let (list, timeout) = (e.spec.task_list.clone(), e.spec.task_timeout);
        let id = self.record(
            ex,
            now,
            EventType::DecisionTaskScheduled,
            json!({"taskList": {"name": list}, "startToCloseTimeout": timeout.to_swf()}),
        );
        if id == 0 {
            return;
        }
        self.execs[ex].decision = DecisionState::Scheduled { scheduled: id };
        let key = (self.execs[ex].domain.clone(), list);
        self.decision_lists.entry(key).or_default().push_back(ex);
    }

    /// Starts a run; `parent` is the parent's index and initiated event id.
    pub(crate) fn start_run(
        &mut self,
        domain: &str,
        spec: RunSpec,
        now: Timestamp,
        parent: Option<(usize, i64)>,
        continued_from: Option<String>,
    ) -> usize {
        let run_id = self.run_id();
        let id = WorkflowExecution::new(spec.workflow_id.clone(), run_id.clone());
        let parent_json = parent.map(|(p, _)| self.execs[p].id.to_json());
        let a = json!({
            "input": spec.input,
            "executionStartToCloseTimeout": spec.execution_timeout.as_secs().to_string(),
            "taskStartToCloseTimeout": spec.task_timeout.to_swf(),
            "childPolicy": spec.child_policy.as_str(),
            "taskList": {"name": spec.task_list},
            "workflowType": spec.workflow_type.to_json(),
            "tagList": if spec.tags.is_empty() { Value::Null } else { json!(spec.tags) },
            "continuedExecutionRunId": continued_from,
            "parentWorkflowExecution": parent_json,
            "parentInitiatedEventId": parent.map(|(_, i)| i),
        });
        let timeout = spec.execution_timeout;
        let ex = self.execs.len();
        self.execs.push(Execution {
            domain: domain.to_string(),
            id,
            spec,
            started_at: now,
            closed: None,
            events: Vec::new(),
            decision: DecisionState::Idle,
            decision_again: false,
            previous_started: 0,
            activities: BTreeMap::new(),
            timers: BTreeMap::new(),
            children: BTreeMap::new(),
            parent,
            cancel_requested: false,
            latest_activity_task: None,
            latest_execution_context: None,
        });
        let wid = self.execs[ex].spec.workflow_id.clone();
        self.open_by_id.insert((domain.to_string(), wid.clone()), ex);
        if let Some(d) = self.domains.get_mut(domain) {
            d.open_executions += 1;
        }
        self.by_run.insert((domain.to_string(), wid, run_id), ex);
        self.push(ex, now, EventType::WorkflowExecutionStarted, a);
        self.deadline(now + timeout, Deadline::Execution { exec: ex });
        self.schedule_decision(ex, now);
        ex
    }

    /// Closes an execution with its closing event, applies the child policy when it
    /// was terminated or timed out, and tells the parent.
    pub(crate) fn close(&mut self, ex: usize, now: Timestamp, status: CloseStatus, ty: EventType, a: Value) {
        if !self.execs[ex].is_open() {
            return;
        }
        self.push(ex, now, ty, a.clone());
        let e = &mut self.execs[ex];
        e.closed = Some((status, now));
        if let DecisionState::Started { token, .. } = std::mem::replace(&mut e.decision, DecisionState::Idle) {
            self.tokens.remove(&token);
        }
        let e = &mut self.execs[ex];
        e.decision_again = false;
        for a in std::mem::take(&mut e.activities).into_values() {
            if let Some(t) = a.token {
                self.tokens.remove(&t);
            }
        }
        let e = &mut self.execs[ex];
        e.timers.clear();
        let key = (e.domain.clone(), e.spec.workflow_id.clone());
        if self.open_by_id.get(&key) == Some(&ex) {
            self.open_by_id.remove(&key);
        }
        if let Some(d) = self.domains.get_mut(&key.0) {
            d.open_executions = d.open_executions.saturating_sub(1);
        }
        let children = std::mem::take(&mut self.execs[ex].children);
        if matches!(status, CloseStatus::Terminated | CloseStatus::TimedOut) {
            let policy = self.execs[ex].spec.child_policy;
            for child in children.values() {
                self.apply_child_policy(child.exec, policy, now);
            }
        }
        if status != CloseStatus::ContinuedAsNew {
            self.notify_parent(ex, now, status, &a);
        }
    }

    fn apply_child_policy(&mut self, child: usize, policy: ChildPolicy, now: Timestamp) {
        match policy {
            ChildPolicy::Abandon => {}
            ChildPolicy::Terminate => {
                let p = self.execs[child].spec.child_policy;
                self.close(
                    child,
                    now,
                    CloseStatus::Terminated,
                    EventType::WorkflowExecutionTerminated,
                    json!({"childPolicy": p.as_str(), "cause": "CHILD_POLICY_APPLIED"}),
                );
            }
            ChildPolicy::RequestCancel => {
                if self.execs[child].is_open() {
                    self.execs[child].cancel_requested = true;
                    self.record(
                        child,
                        now,
                        EventType::WorkflowExecutionCancelRequested,
                        json!({"cause": "CHILD_POLICY_APPLIED"}),
                    );
                    self.schedule_decision(child, now);
                }
            }
        }
    }

    fn notify_parent(&mut self, ex: usize, now: Timestamp, status: CloseStatus, closing: &Value) {
        let Some((parent, initiated)) = self.execs[ex].parent else { return };
        if !self.execs[parent].is_open() {
            return;
        }
        let Some(child) = self.execs[parent].children.remove(&initiated) else { return };
        let e = &self.execs[ex];
        let mut a = json!({
            "workflowExecution": e.id.to_json(),
            "workflowType": e.spec.workflow_type.to_json(),
            "initiatedEventId": initiated,
            "startedEventId": child.started,
        });
        let ty = match status {
            CloseStatus::Completed => {
                a["result"] = closing["result"].clone();
                EventType::ChildWorkflowExecutionCompleted
            }
            CloseStatus::Failed => {
                a["reason"] = closing["reason"].clone();
                a["details"] = closing["details"].clone();
                EventType::ChildWorkflowExecutionFailed
            }
            CloseStatus::Canceled => {
                a["details"] = closing["details"].clone();
                EventType::ChildWorkflowExecutionCanceled
            }
            CloseStatus::TimedOut => {
                a["timeoutType"] = json!("START_TO_CLOSE");
                EventType::ChildWorkflowExecutionTimedOut
            }
            CloseStatus::Terminated | CloseStatus::ContinuedAsNew => EventType::ChildWorkflowExecutionTerminated,
        };
        self.record(parent, now, ty, a);
        self.schedule_decision(parent, now);
    }

    /// The open run of `workflow_id` (or the named run, open or not, when `run_id` is
    /// not empty).
    /// Whether `domain` has room for one more open execution.
    pub(crate) fn has_room(&self, domain: &str) -> bool {
        self.domains.get(domain).is_some_and(|d| d.open_executions < MAX_OPEN_EXECUTIONS)
    }

    pub(crate) fn find(&self, domain: &str, workflow_id: &str, run_id: &str) -> Option<usize> {
        if run_id.is_empty() {
            self.open_by_id.get(&(domain.to_string(), workflow_id.to_string())).copied()
        } else {
            self.by_run.get(&(domain.to_string(), workflow_id.to_string(), run_id.to_string())).copied()
        }
    }

    /// Like [`find`](State::find), but only an open run, else `UnknownResourceFault`.
    pub(crate) fn find_open(&self, domain: &str, workflow_id: &str, run_id: &str) -> Result<usize, WorkflowError> {
        match self.find(domain, workflow_id, run_id) {
            Some(ex) if self.execs[ex].is_open() => Ok(ex),
            _ => Err(WorkflowError::UnknownResource(format!("open execution {workflow_id}/{run_id} in {domain}"))),
        }
    }

    /// Resolves a start's parameters against the workflow type's defaults; the error
    /// names the SWF cause (`WORKFLOW_TYPE_DOES_NOT_EXIST`, `DEFAULT_TASK_LIST_UNDEFINED`, …).
    pub(crate) fn resolve_run(&self, domain: &str, req: &StartRequest) -> Result<RunSpec, &'static str> {
        let d = self.domains.get(domain).ok_or("WORKFLOW_TYPE_DOES_NOT_EXIST")?;
        let t = d.workflow_types.get(&req.workflow_type).ok_or("WORKFLOW_TYPE_DOES_NOT_EXIST")?;
        if t.status == RegistrationStatus::Deprecated {
            return Err("WORKFLOW_TYPE_DEPRECATED");
        }
        let c = &t.config;
        let execution_timeout = req
            .execution_start_to_close_timeout
            .or(c.default_execution_start_to_close_timeout)
            .ok_or("DEFAULT_EXECUTION_START_TO_CLOSE_TIMEOUT_UNDEFINED")?;
        let task_list =
            req.task_list.clone().or_else(|| c.default_task_list.clone()).ok_or("DEFAULT_TASK_LIST_UNDEFINED")?;
        let task_timeout = req
            .task_start_to_close_timeout
            .or(c.default_task_start_to_close_timeout)
            .ok_or("DEFAULT_TASK_START_TO_CLOSE_TIMEOUT_UNDEFINED")?;
        let child_policy = req.child_policy.or(c.default_child_policy).ok_or("DEFAULT_CHILD_POLICY_UNDEFINED")?;
        Ok(RunSpec {
            workflow_id: req.workflow_id.clone(),
            workflow_type: req.workflow_type.clone(),
            task_list,
            execution_timeout,
            task_timeout,
            child_policy,
            tags: req.tags.clone(),
            input: req.input.clone(),
        })
    }
}

/// Starts an execution with every option SWF's `StartWorkflowExecution` takes;
/// whatever is left out comes from the workflow type's defaults.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StartRequest {
    pub(crate) workflow_id: String,
    pub(crate) workflow_type: WorkflowType,
    pub(crate) input: Option<String>,
    pub(crate) task_list: Option<String>,
    pub(crate) execution_start_to_close_timeout: Option<Duration>,
    pub(crate) task_start_to_close_timeout: Option<Timeout>,
    pub(crate) child_policy: Option<ChildPolicy>,
    pub(crate) tags: Vec<String>,
}

impl StartRequest {
    /// A start of `workflow_type` under `workflow_id`.
    pub fn new(workflow_id: impl Into<String>, workflow_type: WorkflowType) -> Self {
        StartRequest {
            workflow_id: workflow_id.into(),
            workflow_type,
            input: None,
            task_list: None,
            execution_start_to_close_timeout: None,
            task_start_to_close_timeout: None,
            child_policy: None,
            tags: Vec::new(),
        }
    }
    /// The input the decider sees (up to 32,768 characters).
    pub fn input(mut self, input: impl Into<String>) -> Self {
        self.input = Some(input.into());
        self
    }
    /// The decision task list.
    pub fn task_list(mut self, t: impl Into<String>) -> Self {
        self.task_list = Some(t.into());
        self
    }
    /// How long the execution may run (whole seconds, ≤ 1 year).
    pub fn execution_start_to_close_timeout(mut self, d: Duration) -> Self {
        self.execution_start_to_close_timeout = Some(d);
        self
    }
    /// How long a decider may hold a decision task.
    pub fn task_start_to_close_timeout(mut self, t: impl Into<Timeout>) -> Self {
        self.task_start_to_close_timeout = Some(t.into());
        self
    }
    /// What happens to children if this execution is terminated or times out.
    pub fn child_policy(mut self, p: ChildPolicy) -> Self {
        self.child_policy = Some(p);
        self
    }
    /// Adds a tag (at most 5, each up to 256 characters).
    pub fn tag(mut self, tag: impl Into<String>) -> Self {
        self.tags.push(tag.into());
        self
    }

    pub(crate) fn validate(&self) -> Result<(), WorkflowError> {
        super::types::validate_name("workflowId", &self.workflow_id, 256)?;
        self.workflow_type.validate()?;
        validate_run(
            self.input.as_deref(),
            self.task_list.as_deref(),
            self.execution_start_to_close_timeout,
            self.task_start_to_close_timeout,
            &self.tags,
        )
    }
}

/// Checks what a start and a continue-as-new both set for a run: its input, task
/// list, timeouts and tags (at most 5, each up to 256 characters).
pub(crate) fn validate_run(
    input: Option<&str>,
    task_list: Option<&str>,
    execution_timeout: Option<Duration>,
    task_timeout: Option<Timeout>,
    tags: &[String],
) -> Result<(), WorkflowError> {
    validate_payload("input", input)?;
    if let Some(t) = task_list {
        super::types::validate_name("taskList", t, 256)?;
    }
    if let Some(d) = execution_timeout {
        super::types::validate_execution_timeout(d)?;
    }
    super::types::validate_timeout(task_timeout)?;
    if tags.len() > MAX_TAGS {
        return Err(WorkflowError::Validation(format!("tagList has more than {MAX_TAGS} tags")));
    }
    for t in tags {
        super::types::validate_opt_len("tag", Some(t), 256)?;
    }
    Ok(())
}

/// Checks a payload (input, result, details, control) against the 32,768-character limit.
pub(crate) fn validate_payload(field: &str, s: Option<&str>) -> Result<(), WorkflowError> {
    super::types::validate_opt_len(field, s, MAX_PAYLOAD)
}
