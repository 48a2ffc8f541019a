//! Workflows (SWF): domains, workflow and activity types, executions with their
//! event histories, deciders answering decision tasks, activity workers, timers,
//! signals and child executions, every timeout on the cloud's clock.
//!
//! Deciders and workers are plain code calling poll and respond (polls never block:
//! they return `None` when nothing is due), or functions driven by a [`Poller`]
//! ([`Workflows::attach_decider`], [`Workflows::attach_activity_worker`]). Timeouts and timers are settled in time
//! order whenever the workflows are touched or the clock moves, each event stamped
//! with the time it was due.
//!
//! The seed's invoice approval, in short: the decider emails the invoice (an
//! activity), then waits for a person's signal or a 7-day timer.
//!
//! ```
//! use std::time::Duration;
//! use localcloud::Cloud;
//! use localcloud::workflow::*;
//!
//! let day = Duration::from_secs(86_400);
//! let cloud = Cloud::builder().manual_clock().seed(7).build();
//! let wf = cloud.workflows();
//! wf.register_domain("billing", 7 * day)?;
//! wf.register_workflow_type("billing", WorkflowTypeConfig::new("approve", "1")
//!     .default_task_list("deciders")
//!     .default_execution_start_to_close_timeout(30 * day)
//!     .default_task_start_to_close_timeout(Duration::from_secs(60))
//!     .default_child_policy(ChildPolicy::Terminate))?;
//! wf.register_activity_type("billing", ActivityTypeConfig::new("email", "1")
//!     .default_task_list("workers")
//!     .default_schedule_to_start_timeout(Timeout::Never)
//!     .default_schedule_to_close_timeout(Timeout::Never)
//!     .default_start_to_close_timeout(Duration::from_secs(300))
//!     .default_heartbeat_timeout(Timeout::Never))?;
//!
//! let run = wf.start_workflow_execution("billing", "invoice-42", WorkflowType::new("approve", "1"), "42")?;
//!
//! // The decider emails the invoice and starts a 7-day timer.
//! let task = wf.poll_for_decision_task("billing", "deciders")?.expect("a decision is due");
//! wf.respond_decision_task_completed(task.token(), vec![
//!     Decision::schedule_activity("email", ActivityType::new("email", "1"), "invoice 42"),
//!     Decision::start_timer("reminder", 7 * day),
//! ])?;
//!
//! // A worker sends the email.
//! let email = wf.poll_for_activity_task("billing", "workers")?.unwrap();
//! wf.respond_activity_task_completed(email.token(), "sent")?;
//! let task = wf.poll_for_decision_task("billing", "deciders")?.unwrap();
//! wf.respond_decision_task_completed(task.token(), vec![])?;
//!
//! // Two days later the customer approves.
//! cloud.advance(2 * day);
//! wf.signal_workflow_execution("billing", "invoice-42", "approved", "")?;
//! let task = wf.poll_for_decision_task("billing", "deciders")?.unwrap();
//! let signal = task.new_events().iter().find(|e| e.event_type() == EventType::WorkflowExecutionSignaled);
//! assert_eq!(signal.unwrap().str_attribute("signalName"), Some("approved"));
//! wf.respond_decision_task_completed(task.token(), vec![
//!     Decision::cancel_timer("reminder"),
//!     Decision::complete("dispatched"),
//! ])?;
//!
//! let info = wf.describe_workflow_execution("billing", &run)?;
//! assert_eq!(info.info().close_status(), Some(CloseStatus::Completed));
//! # Ok::<(), WorkflowError>(())
//! ```

mod activity;
mod control;
mod decide;
mod decision;
mod decision_json;
mod error;
mod execution;
mod history;
mod long_poll;
mod metrics;
mod poller;
mod query;
mod timeout;
mod types;

use std::fmt;
use std::sync::{Arc, OnceLock};

use parking_lot::{Condvar, Mutex};

pub use activity::{ActivityTask, ActivityTaskStatus};
pub use decide::DecisionTask;
pub use decision::{ContinueAsNew, Decision, ScheduleActivityTask};
pub use error::WorkflowError;
pub use execution::{
    CloseStatus, StartRequest, WorkflowExecution, MAX_HISTORY_EVENTS, MAX_OPEN_EXECUTIONS, MAX_OPEN_PER_EXECUTION,
    MAX_PAYLOAD, MAX_TAGS,
};
pub use history::{EventType, HistoryEvent};
pub use long_poll::MAX_POLL_WAIT;
pub use metrics::NAMESPACE;
pub use poller::{Poller, PollerStats, FUNCTION_POLL_INTERVAL, MAX_TASKS_PER_ROUND};
pub use query::{
    ExecutionCount, ExecutionDetail, ExecutionFilter, ExecutionInfo, ExecutionStatus, HistoryPage, HistoryQuery,
    OpenCounts,
};
pub use types::{
    ActivityType, ActivityTypeConfig, ChildPolicy, DomainInfo, RegistrationStatus, Timeout, TypeInfo, WorkflowType,
    WorkflowTypeConfig, MAX_DOMAINS, MAX_EXECUTION_TIMEOUT, MAX_RETENTION, MAX_TYPES_PER_DOMAIN,
};

use crate::clock::{Clock, Timestamp};
use crate::cloud::Cloud;
use execution::State;

/// An opaque token naming one decision or activity task a poll handed out.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct TaskToken(pub(crate) String);

impl TaskToken {
    /// The token's text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for TaskToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

pub(crate) struct Core {
    /// For the pollers of function deciders and workers (held weakly).
    cloud: crate::cloud::WeakCloud,
    clock: Arc<dyn Clock>,
    metrics: crate::metrics::Metrics,
    arn_prefix: String,
    state: Mutex<State>,
    /// Wakes long polls when work is scheduled or the clock moves.
    cond: Condvar,
}

/// The workflow service of one cloud. Cheap to clone; every clone sees the same
/// domains and executions.
#[derive(Clone)]
pub struct Workflows {
    core: Arc<Core>,
}

impl fmt::Debug for Workflows {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let st = self.core.state.lock();
        f.debug_struct("Workflows").field("domains", &st.domains.len()).field("executions", &st.execs.len()).finish()
    }
}

impl Workflows {
    /// Runs `f` on the state after settling every deadline that has passed.
    fn with<R>(&self, f: impl FnOnce(&mut State, Timestamp) -> R) -> R {
        let now = self.core.clock.now();
        let mut st = self.core.state.lock();
        st.sweep(now);
        let out = f(&mut st, now);
        if st.waiting_polls > 0 {
            self.core.cond.notify_all();
        }
        out
    }
}

#[derive(Default)]
pub(crate) struct WorkflowRegistry {
    core: OnceLock<Arc<Core>>,
}

impl crate::service::Service for WorkflowRegistry {
    fn clock_moved(&self) {
        if let Some(core) = self.core.get() {
            let now = core.clock.now();
            core.state.lock().sweep(now);
            core.cond.notify_all();
        }
    }
}

impl Cloud {
    /// The cloud's workflow service (SWF-like).
    pub fn workflows(&self) -> Workflows {
        let registry = self.service::<WorkflowRegistry>();
        let core = registry.core.get_or_init(|| {
            Arc::new(Core {
                cloud: self.downgrade(),
                clock: self.clock(),
                metrics: self.metrics().clone(),
                arn_prefix: self.arn("swf", "").trim_end_matches(':').to_string(),
                state: Mutex::new(State::new(self.journal_handle(), self.rng_for("swf"))),
                cond: Condvar::new(),
            })
        });
        Workflows { core: Arc::clone(core) }
    }
}
