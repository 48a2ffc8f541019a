//! Decisions: what a decider answers a decision task with.

use std::time::Duration;

use super::error::WorkflowError;
use super::execution::{validate_payload, validate_run, StartRequest};
use super::types::{validate_name, validate_opt_len, validate_timeout, ActivityType, ChildPolicy, Timeout};

/// One decision of a decider's answer. Build them with the constructors
/// ([`Decision::schedule_activity`], [`Decision::start_timer`], …) or, for every option,
/// from [`ScheduleActivityTask`], [`StartRequest`] (a child) and [`ContinueAsNew`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Decision {
    /// Schedules an activity task.
    ScheduleActivityTask(ScheduleActivityTask),
    /// Asks for an open activity task to be canceled.
    RequestCancelActivityTask {
        /// The activity's id.
        activity_id: String,
    },
    /// Starts a timer.
    StartTimer {
        /// The timer's id, unique among the execution's open timers.
        timer_id: String,
        /// When it fires (whole seconds).
        start_to_fire: Duration,
        /// Free data for the decider.
        control: Option<String>,
    },
    /// Cancels an open timer.
    CancelTimer {
        /// The timer's id.
        timer_id: String,
    },
    /// Records a marker in the history.
    RecordMarker {
        /// The marker's name.
        marker_name: String,
        /// Its details.
        details: Option<String>,
    },
    /// Signals another execution (or this one) in the same domain.
    SignalExternalWorkflowExecution {
        /// The target's workflow id.
        workflow_id: String,
        /// The target's run id; `None` for its open run.
        run_id: Option<String>,
        /// The signal's name.
        signal_name: String,
        /// The signal's input.
        input: Option<String>,
        /// Free data for the decider.
        control: Option<String>,
    },
    /// Asks another execution to cancel.
    RequestCancelExternalWorkflowExecution {
        /// The target's workflow id.
        workflow_id: String,
        /// The target's run id; `None` for its open run.
        run_id: Option<String>,
        /// Free data for the decider.
        control: Option<String>,
    },
    /// Starts a child execution.
    StartChildWorkflowExecution {
        /// The child's start.
        start: StartRequest,
        /// Free data for the decider.
        control: Option<String>,
    },
    /// Closes the execution as completed.
    CompleteWorkflowExecution {
        /// The result.
        result: Option<String>,
    },
    /// Closes the execution as failed.
    FailWorkflowExecution {
        /// Why (up to 256 characters).
        reason: Option<String>,
        /// Details.
        details: Option<String>,
    },
    /// Closes the execution as canceled.
    CancelWorkflowExecution {
        /// Details.
        details: Option<String>,
    },
    /// Closes the execution and starts a new run of the same workflow id.
    ContinueAsNewWorkflowExecution(ContinueAsNew),
}

impl Decision {
    /// Schedules `activity_type` as activity `activity_id` with `input`, on the type's defaults.
    pub fn schedule_activity(
        activity_id: impl Into<String>,
        activity_type: ActivityType,
        input: impl Into<String>,
    ) -> Decision {
        Decision::ScheduleActivityTask(ScheduleActivityTask::new(activity_id, activity_type).input(input))
    }
    /// Asks for activity `activity_id` to be canceled.
    pub fn request_cancel_activity(activity_id: impl Into<String>) -> Decision {
        Decision::RequestCancelActivityTask { activity_id: activity_id.into() }
    }
    /// Starts timer `timer_id`, firing after `start_to_fire`.
    pub fn start_timer(timer_id: impl Into<String>, start_to_fire: Duration) -> Decision {
        Decision::StartTimer { timer_id: timer_id.into(), start_to_fire, control: None }
    }
    /// Cancels timer `timer_id`.
    pub fn cancel_timer(timer_id: impl Into<String>) -> Decision {
        Decision::CancelTimer { timer_id: timer_id.into() }
    }
    /// Records marker `name` with `details`.
    pub fn record_marker(name: impl Into<String>, details: impl Into<String>) -> Decision {
        Decision::RecordMarker { marker_name: name.into(), details: Some(details.into()) }
    }
    /// Signals the open run of `workflow_id` with `signal_name` and `input`.
    pub fn signal_external(
        workflow_id: impl Into<String>,
        signal_name: impl Into<String>,
        input: impl Into<String>,
    ) -> Decision {
        Decision::SignalExternalWorkflowExecution {
            workflow_id: workflow_id.into(),
            run_id: None,
            signal_name: signal_name.into(),
            input: Some(input.into()),
            control: None,
        }
    }
    /// Asks the open run of `workflow_id` to cancel.
    pub fn request_cancel_external(workflow_id: impl Into<String>) -> Decision {
        Decision::RequestCancelExternalWorkflowExecution {
            workflow_id: workflow_id.into(),
            run_id: None,
            control: None,
        }
    }
    /// Starts a child execution.
    pub fn start_child(start: StartRequest) -> Decision {
        Decision::StartChildWorkflowExecution { start, control: None }
    }
    /// Completes the execution with `result`.
    pub fn complete(result: impl Into<String>) -> Decision {
        Decision::CompleteWorkflowExecution { result: Some(result.into()) }
    }
    /// Fails the execution.
    pub fn fail(reason: impl Into<String>, details: impl Into<String>) -> Decision {
        Decision::FailWorkflowExecution { reason: Some(reason.into()), details: Some(details.into()) }
    }
    /// Cancels the execution.
    pub fn cancel(details: impl Into<String>) -> Decision {
        Decision::CancelWorkflowExecution { details: Some(details.into()) }
    }
    /// Continues the execution as a new run.
    pub fn continue_as_new(c: ContinueAsNew) -> Decision {
        Decision::ContinueAsNewWorkflowExecution(c)
    }

    /// SWF's `decisionType` name.
    pub fn decision_type(&self) -> &'static str {
        match self {
            Decision::ScheduleActivityTask(_) => "ScheduleActivityTask",
            Decision::RequestCancelActivityTask { .. } => "RequestCancelActivityTask",
            Decision::StartTimer { .. } => "StartTimer",
            Decision::CancelTimer { .. } => "CancelTimer",
            Decision::RecordMarker { .. } => "RecordMarker",
            Decision::SignalExternalWorkflowExecution { .. } => "SignalExternalWorkflowExecution",
            Decision::RequestCancelExternalWorkflowExecution { .. } => "RequestCancelExternalWorkflowExecution",
            Decision::StartChildWorkflowExecution { .. } => "StartChildWorkflowExecution",
            Decision::CompleteWorkflowExecution { .. } => "CompleteWorkflowExecution",
            Decision::FailWorkflowExecution { .. } => "FailWorkflowExecution",
            Decision::CancelWorkflowExecution { .. } => "CancelWorkflowExecution",
            Decision::ContinueAsNewWorkflowExecution(_) => "ContinueAsNewWorkflowExecution",
        }
    }

    /// Checks the parameters' formats and lengths (a bad one fails the whole answer).
    pub(crate) fn validate(&self) -> Result<(), WorkflowError> {
        match self {
            Decision::ScheduleActivityTask(s) => s.validate(),
            Decision::RequestCancelActivityTask { activity_id } => validate_name("activityId", activity_id, 256),
            Decision::StartTimer { timer_id, start_to_fire, control } => {
                validate_name("timerId", timer_id, 256)?;
                validate_timeout(Some(Timeout::After(*start_to_fire)))?;
                validate_payload("control", control.as_deref())
            }
            Decision::CancelTimer { timer_id } => validate_name("timerId", timer_id, 256),
            Decision::RecordMarker { marker_name, details } => {
                validate_name("markerName", marker_name, 256)?;
                validate_payload("details", details.as_deref())
            }
            Decision::SignalExternalWorkflowExecution { workflow_id, run_id, signal_name, input, control } => {
                validate_name("workflowId", workflow_id, 256)?;
                validate_opt_len("runId", run_id.as_deref(), 64)?;
                validate_name("signalName", signal_name, 256)?;
                validate_payload("input", input.as_deref())?;
                validate_payload("control", control.as_deref())
            }
            Decision::RequestCancelExternalWorkflowExecution { workflow_id, run_id, control } => {
                validate_name("workflowId", workflow_id, 256)?;
                validate_opt_len("runId", run_id.as_deref(), 64)?;
                validate_payload("control", control.as_deref())
            }
            Decision::StartChildWorkflowExecution { start, control } => {
                start.validate()?;
                validate_payload("control", control.as_deref())
            }
            Decision::CompleteWorkflowExecution { result } => validate_payload("result", result.as_deref()),
            Decision::FailWorkflowExecution { reason, details } => {
                validate_opt_len("reason", reason.as_deref(), 256)?;
                validate_payload("details", details.as_deref())
            }
            Decision::CancelWorkflowExecution { details } => validate_payload("details", details.as_deref()),
            Decision::ContinueAsNewWorkflowExecution(c) => c.validate(),
        }
    }
}

/// Every option of a schedule-activity decision; what is left out comes from the
/// activity type's defaults.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScheduleActivityTask {
    pub(crate) activity_id: String,
    pub(crate) activity_type: ActivityType,
    pub(crate) input: Option<String>,
    pub(crate) control: Option<String>,
    pub(crate) task_list: Option<String>,
    pub(crate) schedule_to_start: Option<Timeout>,
    pub(crate) schedule_to_close: Option<Timeout>,
    pub(crate) start_to_close: Option<Timeout>,
    pub(crate) heartbeat: Option<Timeout>,
}

impl ScheduleActivityTask {
    /// Activity `activity_id` of `activity_type`.
    pub fn new(activity_id: impl Into<String>, activity_type: ActivityType) -> Self {
        ScheduleActivityTask {
            activity_id: activity_id.into(),
            activity_type,
            input: None,
            control: None,
            task_list: None,
            schedule_to_start: None,
            schedule_to_close: None,
            start_to_close: None,
            heartbeat: None,
        }
    }
    /// The worker's input.
    pub fn input(mut self, s: impl Into<String>) -> Self {
        self.input = Some(s.into());
        self
    }
    /// Free data for the decider.
    pub fn control(mut self, s: impl Into<String>) -> Self {
        self.control = Some(s.into());
        self
    }
    /// The task list workers poll.
    pub fn task_list(mut self, s: impl Into<String>) -> Self {
        self.task_list = Some(s.into());
        self
    }
    /// How long the task may wait for a worker.
    pub fn schedule_to_start_timeout(mut self, t: impl Into<Timeout>) -> Self {
        self.schedule_to_start = Some(t.into());
        self
    }
    /// How long the task may take from scheduled to done.
    pub fn schedule_to_close_timeout(mut self, t: impl Into<Timeout>) -> Self {
        self.schedule_to_close = Some(t.into());
        self
    }
    /// How long a worker may hold the task.
    pub fn start_to_close_timeout(mut self, t: impl Into<Timeout>) -> Self {
        self.start_to_close = Some(t.into());
        self
    }
    /// The longest gap between heartbeats.
    pub fn heartbeat_timeout(mut self, t: impl Into<Timeout>) -> Self {
        self.heartbeat = Some(t.into());
        self
    }

    fn validate(&self) -> Result<(), WorkflowError> {
        validate_name("activityId", &self.activity_id, 256)?;
        self.activity_type.validate()?;
        validate_payload("input", self.input.as_deref())?;
        validate_payload("control", self.control.as_deref())?;
        if let Some(t) = &self.task_list {
            validate_name("taskList", t, 256)?;
        }
        for t in [self.schedule_to_start, self.schedule_to_close, self.start_to_close, self.heartbeat] {
            validate_timeout(t)?;
        }
        Ok(())
    }
}

impl From<ScheduleActivityTask> for Decision {
    fn from(s: ScheduleActivityTask) -> Self {
        Decision::ScheduleActivityTask(s)
    }
}

/// Every option of a continue-as-new decision; what is left out comes from the
/// workflow type's defaults.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ContinueAsNew {
    pub(crate) input: Option<String>,
    pub(crate) workflow_type_version: Option<String>,
    pub(crate) task_list: Option<String>,
    pub(crate) execution_start_to_close_timeout: Option<Duration>,
    pub(crate) task_start_to_close_timeout: Option<Timeout>,
    pub(crate) child_policy: Option<ChildPolicy>,
    pub(crate) tags: Vec<String>,
}

impl ContinueAsNew {
    /// A new run with the type's defaults and no input.
    pub fn new() -> Self {
        Self::default()
    }
    /// The new run's input.
    pub fn input(mut self, s: impl Into<String>) -> Self {
        self.input = Some(s.into());
        self
    }
    /// Runs another version of the same workflow type.
    pub fn workflow_type_version(mut self, v: impl Into<String>) -> Self {
        self.workflow_type_version = Some(v.into());
        self
    }
    /// The new run's decision task list.
    pub fn task_list(mut self, s: impl Into<String>) -> Self {
        self.task_list = Some(s.into());
        self
    }
    /// The new run's execution timeout.
    pub fn execution_start_to_close_timeout(mut self, d: Duration) -> Self {
        self.execution_start_to_close_timeout = Some(d);
        self
    }
    /// The new run's decision task timeout.
    pub fn task_start_to_close_timeout(mut self, t: impl Into<Timeout>) -> Self {
        self.task_start_to_close_timeout = Some(t.into());
        self
    }
    /// The new run's child policy.
    pub fn child_policy(mut self, p: ChildPolicy) -> Self {
        self.child_policy = Some(p);
        self
    }
    /// Adds a tag to the new run.
    pub fn tag(mut self, t: impl Into<String>) -> Self {
        self.tags.push(t.into());
        self
    }

    fn validate(&self) -> Result<(), WorkflowError> {
        if let Some(v) = &self.workflow_type_version {
            validate_name("workflowTypeVersion", v, 64)?;
        }
        validate_run(
            self.input.as_deref(),
            self.task_list.as_deref(),
            self.execution_start_to_close_timeout,
            self.task_start_to_close_timeout,
            &self.tags,
        )
    }
}
