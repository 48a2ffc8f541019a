//! Deciders and activity workers that are functions: a [`Poller`] on the cloud's
//! scheduler polls a task list, invokes the function with the task as SWF's JSON, and
//! answers with what the function returns.
//!
//! A decider function receives the decision task as PollForDecisionTask returns it
//! (`taskToken`, `startedEventId`, `previousStartedEventId`, `workflowExecution`,
//! `workflowType`, `events` — the full history, each event as SWF's JSON) and returns
//! the body of a RespondDecisionTaskCompleted request:
//! `{"decisions": [{"decisionType": "ScheduleActivityTask",
//! "scheduleActivityTaskDecisionAttributes": {…}}, …], "executionContext": "…"}`.
//! When it fails, or answers what cannot be read, the task is left unanswered: it
//! times out after its start-to-close timeout and SWF schedules a new decision task,
//! as when a decider process dies. The poller's [`PollerStats`] tell what went wrong.
//!
//! An activity function receives the activity task as PollForActivityTask returns it
//! (`taskToken`, `activityId`, `activityType`, `input`, `startedEventId`,
//! `workflowExecution`); its payload becomes the task's result. A function error fails
//! the task with the error type as reason and the error payload as details; a refused
//! invoke fails it with the function service's error code as reason.

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use parking_lot::Mutex;
use serde_json::{json, Value};

use super::activity::ActivityTask;
use super::decide::DecisionTask;
use super::decision_json::parse_answer;
use super::error::WorkflowError;
use super::types::validate_name;
use super::Workflows;
use crate::clock::Timestamp;
use crate::function::Function;
use crate::scheduler::TaskId;

/// How often a poller polls its task list.
pub const FUNCTION_POLL_INTERVAL: Duration = Duration::from_secs(1);
/// The most tasks a poller takes in one poll round (the rest wait for the next).
pub const MAX_TASKS_PER_ROUND: usize = 100;

/// What a poller did so far.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PollerStats {
    /// Tasks taken from the task list.
    pub tasks: u64,
    /// Tasks answered: decisions made, or activities completed.
    pub completed: u64,
    /// Activity tasks failed (a function error or a refused invoke).
    pub failed: u64,
    /// Decision tasks left unanswered (a function error, a refused invoke, an answer
    /// that cannot be read or that the service refused); they time out.
    pub abandoned: u64,
    /// The last problem, if any.
    pub last_error: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Decider,
    ActivityWorker,
}

struct PollerShared {
    kind: Kind,
    domain: String,
    task_list: String,
    identity: String,
    workflows: Workflows,
    function: Function,
    stats: Mutex<PollerStats>,
    stopped: AtomicBool,
    task: Mutex<Option<TaskId>>,
}

/// A function attached to a task list as its decider or activity worker, polling on
/// the cloud's scheduler every [`FUNCTION_POLL_INTERVAL`]. Cheap to clone.
///
/// ```
/// use localcloud::workflow::*;
/// use localcloud::{Cloud, FunctionConfig};
/// use serde_json::{json, Value};
/// use std::time::Duration;
/// let cloud = Cloud::builder().manual_clock().seed(1).build();
/// let wf = cloud.workflows();
/// wf.register_domain("billing", Duration::from_secs(86_400))?;
/// wf.register_workflow_type("billing", WorkflowTypeConfig::new("greet", "1").default_task_list("deciders")
///     .default_execution_start_to_close_timeout(Duration::from_secs(3600))
///     .default_task_start_to_close_timeout(Duration::from_secs(60)).default_child_policy(ChildPolicy::Terminate))?;
/// // A decider that completes every execution with "hello " + its input.
/// let decider = cloud.functions().create_function_json("decider", FunctionConfig::default(), |_, task: Value| {
///     let input = task["events"][0]["workflowExecutionStartedEventAttributes"]["input"].as_str().unwrap_or("");
///     Ok(json!({"decisions": [{"decisionType": "CompleteWorkflowExecution",
///         "completeWorkflowExecutionDecisionAttributes": {"result": format!("hello {input}")}}]}))
/// }).unwrap();
/// let poller = wf.attach_decider("billing", "deciders", &decider)?;
/// let run = wf.start_workflow_execution("billing", "g-1", WorkflowType::new("greet", "1"), "ada")?;
/// cloud.advance(Duration::from_secs(1));
/// let info = wf.describe_workflow_execution("billing", &run)?;
/// assert_eq!(info.info().close_status(), Some(CloseStatus::Completed));
/// assert_eq!(poller.stats().completed, 1);
/// poller.stop();
/// # Ok::<(), WorkflowError>(())
/// ```
#[derive(Clone)]
pub struct Poller {
    shared: Arc<PollerShared>,
}

impl fmt::Debug for Poller {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Poller")
            .field("kind", &self.shared.kind)
            .field("domain", &self.shared.domain)
            .field("task_list", &self.shared.task_list)
            .field("function", &self.shared.function.name())
            .field("stopped", &self.shared.stopped.load(Ordering::Relaxed))
            .finish()
    }
}

impl Poller {
    /// What the poller did so far.
    pub fn stats(&self) -> PollerStats {
        self.shared.stats.lock().clone()
    }

    /// Stops polling; a task being handled is finished first. Idempotent.
    pub fn stop(&self) {
        self.shared.stopped.store(true, Ordering::SeqCst);
        let id = self.shared.task.lock().take();
        if let (Some(id), Some(cloud)) = (id, self.shared.workflows.core.cloud.upgrade()) {
            cloud.inner.scheduler.cancel(id);
        }
    }

    /// Whether it still polls.
    pub fn is_running(&self) -> bool {
        !self.shared.stopped.load(Ordering::SeqCst)
    }

    /// One poll round: takes and handles tasks until none is due (at most
    /// [`MAX_TASKS_PER_ROUND`]).
    fn round(shared: &PollerShared) {
        for _ in 0..MAX_TASKS_PER_ROUND {
            if shared.stopped.load(Ordering::SeqCst) {
                return;
            }
            let handled = match shared.kind {
                Kind::Decider => shared
                    .workflows
                    .poll_for_decision_task_as(&shared.domain, &shared.task_list, &shared.identity)
                    .map(|t| t.map(|t| decide(shared, &t))),
                Kind::ActivityWorker => shared
                    .workflows
                    .poll_for_activity_task_as(&shared.domain, &shared.task_list, &shared.identity)
                    .map(|t| t.map(|t| work(shared, &t))),
            };
            match handled {
                Ok(Some(())) => {}
                Ok(None) => return,
                Err(e) => {
                    // The domain was deprecated or the like: note it, try again later.
                    shared.stats.lock().last_error = Some(format!("{}: {e}", e.code()));
                    return;
                }
            }
        }
    }
}

impl Workflows {
    /// Attaches `function` as the decider of `task_list` in `domain`: a poller on the
    /// scheduler takes each decision task, invokes the function synchronously with it
    /// (SWF's JSON, see [`Poller`]) and answers with the decisions it returns.
    ///
    /// Errors: `UnknownResourceFault` for an unknown domain, `ValidationException` for
    /// a bad task list name.
    pub fn attach_decider(&self, domain: &str, task_list: &str, function: &Function) -> Result<Poller, WorkflowError> {
        self.attach(Kind::Decider, domain, task_list, function)
    }

    /// Attaches `function` as an activity worker of `task_list` in `domain`: a poller
    /// takes each activity task, invokes the function with it and completes the task
    /// with the function's payload (or fails it, see [`Poller`]).
    ///
    /// Errors: as [`attach_decider`](Workflows::attach_decider).
    pub fn attach_activity_worker(
        &self,
        domain: &str,
        task_list: &str,
        function: &Function,
    ) -> Result<Poller, WorkflowError> {
        self.attach(Kind::ActivityWorker, domain, task_list, function)
    }

    fn attach(&self, kind: Kind, domain: &str, task_list: &str, function: &Function) -> Result<Poller, WorkflowError> {
        validate_name("taskList", task_list, 256)?;
        self.describe_domain(domain)?;
        let shared = Arc::new(PollerShared {
            kind,
            domain: domain.to_owned(),
            task_list: task_list.to_owned(),
            identity: format!("lambda:{}", function.name()),
            workflows: self.clone(),
            function: function.clone(),
            stats: Mutex::new(PollerStats::default()),
            stopped: AtomicBool::new(false),
            task: Mutex::new(None),
        });
        let Some(cloud) = self.core.cloud.upgrade() else {
            return Err(WorkflowError::UnknownResource("the cloud is gone".into()));
        };
        let polling = Arc::clone(&shared);
        let id = cloud.inner.scheduler.schedule_repeating(
            cloud.now(),
            Box::new(move |due: Timestamp| {
                Poller::round(&polling);
                (!polling.stopped.load(Ordering::SeqCst)).then(|| due + FUNCTION_POLL_INTERVAL)
            }),
        );
        *shared.task.lock() = Some(id);
        Ok(Poller { shared })
    }
}

/// Handles one decision task; an unanswered task times out on its own.
fn decide(p: &PollerShared, task: &DecisionTask) {
    p.stats.lock().tasks += 1;
    let answer = (|| {
        let input = json!({
            "taskToken": task.token().as_str(),
            "startedEventId": task.started_event_id(),
            "previousStartedEventId": task.previous_started_event_id(),
            "workflowExecution": task.workflow_execution().to_json(),
            "workflowType": task.workflow_type().to_json(),
            "events": task.events().iter().map(|e| e.to_json()).collect::<Vec<_>>(),
        });
        let out = p.function.invoke(input.to_string()).map_err(|e| format!("{}: {e}", e.code()))?;
        if let Some(kind) = out.function_error() {
            return Err(format!("function error ({kind}): {}", out.payload_str()));
        }
        let v: Value = serde_json::from_slice(out.payload()).map_err(|e| format!("the answer is not JSON: {e}"))?;
        let (decisions, context) = parse_answer(&v)?;
        p.workflows
            .respond_decision_task_completed_with_context(task.token(), decisions, context)
            .map_err(|e| format!("{}: {e}", e.code()))
    })();
    let mut stats = p.stats.lock();
    match answer {
        Ok(()) => stats.completed += 1,
        Err(e) => {
            stats.abandoned += 1;
            stats.last_error = Some(e);
        }
    }
}

/// Handles one activity task: completes it with the function's payload, or fails it.
fn work(p: &PollerShared, task: &ActivityTask) {
    p.stats.lock().tasks += 1;
    let input = json!({
        "taskToken": task.token().as_str(),
        "activityId": task.activity_id(),
        "activityType": task.activity_type().to_json(),
        "input": task.input(),
        "startedEventId": task.started_event_id(),
        "workflowExecution": task.workflow_execution().to_json(),
    });
    let token = task.token();
    let answered = match p.function.invoke(input.to_string()) {
        Ok(out) => match out.function_error() {
            None => p.workflows.respond_activity_task_completed(token, out.payload_str()).map(|_| true),
            Some(kind) => {
                let reason = out.error_type().unwrap_or_else(|| kind.to_owned());
                let reason: String = reason.chars().take(256).collect();
                p.workflows.respond_activity_task_failed(token, reason, out.payload_str()).map(|_| false)
            }
        },
        Err(e) => p.workflows.respond_activity_task_failed(token, e.code(), e.to_string()).map(|_| false),
    };
    let mut stats = p.stats.lock();
    match answered {
        Ok(true) => stats.completed += 1,
        Ok(false) => stats.failed += 1,
        Err(e) => {
            // The result did not fit (over 32 KB): the task fails for that reason.
            stats.failed += 1;
            stats.last_error = Some(format!("{}: {e}", e.code()));
            drop(stats);
            let _ = p.workflows.respond_activity_task_failed(token, e.code(), e.to_string());
        }
    }
}
