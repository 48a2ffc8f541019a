//! Starting, signaling, cancel requests and termination: what callers outside a
//! decider do to an execution.

use serde_json::json;

use super::error::WorkflowError;
use super::execution::{validate_payload, CloseStatus, StartRequest, WorkflowExecution};
use super::history::EventType;
use super::types::{validate_name, validate_opt_len, ChildPolicy, RegistrationStatus, WorkflowType};
use super::Workflows;

impl Workflows {
    /// Starts `workflow_type` under `workflow_id` with `input` (empty for none), on
    /// the type's defaults. The workflow id must not name an open execution.
    pub fn start_workflow_execution(
        &self,
        domain: &str,
        workflow_id: &str,
        workflow_type: WorkflowType,
        input: impl Into<String>,
    ) -> Result<WorkflowExecution, WorkflowError> {
        let input = input.into();
        let mut req = StartRequest::new(workflow_id, workflow_type);
        if !input.is_empty() {
            req = req.input(input);
        }
        self.start(domain, req)
    }

    /// Starts an execution with every option of [`StartRequest`].
    pub fn start(&self, domain: &str, req: StartRequest) -> Result<WorkflowExecution, WorkflowError> {
        req.validate()?;
        self.with(|st, now| {
            let d = st.domain_mut(domain)?;
            if d.info.status == RegistrationStatus::Deprecated {
                return Err(WorkflowError::DomainDeprecated(domain.into()));
            }
            let ty = d
                .workflow_types
                .get(&req.workflow_type)
                .ok_or_else(|| WorkflowError::UnknownResource(format!("workflow type {}", req.workflow_type)))?;
            if ty.status == RegistrationStatus::Deprecated {
                return Err(WorkflowError::TypeDeprecated(req.workflow_type.to_string()));
            }
            if st.find(domain, &req.workflow_id, "").is_some() {
                return Err(WorkflowError::WorkflowExecutionAlreadyStarted(req.workflow_id.clone()));
            }
            if !st.has_room(domain) {
                return Err(WorkflowError::LimitExceeded(format!(
                    "{domain} has {} open executions already",
                    super::execution::MAX_OPEN_EXECUTIONS
                )));
            }
            let spec = st.resolve_run(domain, &req).map_err(|cause| WorkflowError::DefaultUndefined(cause.into()))?;
            let ex = st.start_run(domain, spec, now, None, None);
            Ok(st.execs[ex].id.clone())
        })
    }

    /// Signals the open run of `workflow_id`: records `WorkflowExecutionSignaled`
    /// and schedules a decision task.
    pub fn signal_workflow_execution(
        &self,
        domain: &str,
        workflow_id: &str,
        signal_name: &str,
        input: impl Into<String>,
    ) -> Result<(), WorkflowError> {
        self.signal_run(domain, &WorkflowExecution::new(workflow_id, ""), signal_name, input)
    }

    /// Signals one run (an empty run id means the open one).
    pub fn signal_run(
        &self,
        domain: &str,
        run: &WorkflowExecution,
        signal_name: &str,
        input: impl Into<String>,
    ) -> Result<(), WorkflowError> {
        let input = input.into();
        validate_name("signalName", signal_name, 256)?;
        validate_payload("input", Some(&input))?;
        self.with(|st, now| {
            let ex = st.find_open(domain, run.workflow_id(), run.run_id())?;
            let input = if input.is_empty() { None } else { Some(input) };
            st.record(
                ex,
                now,
                EventType::WorkflowExecutionSignaled,
                json!({"signalName": signal_name, "input": input}),
            );
            st.schedule_decision(ex, now);
            Ok(())
        })
    }

    /// Asks an open run to cancel: records `WorkflowExecutionCancelRequested` and
    /// schedules a decision task; the decider decides what to do.
    pub fn request_cancel_workflow_execution(
        &self,
        domain: &str,
        run: &WorkflowExecution,
    ) -> Result<(), WorkflowError> {
        self.with(|st, now| {
            let ex = st.find_open(domain, run.workflow_id(), run.run_id())?;
            if st.execs[ex].cancel_requested {
                return Ok(());
            }
            st.execs[ex].cancel_requested = true;
            st.record(ex, now, EventType::WorkflowExecutionCancelRequested, json!({}));
            st.schedule_decision(ex, now);
            Ok(())
        })
    }

    /// Terminates an open run at once (no decider involved) and applies the child
    /// policy (`child_policy`, or the run's own) to its open children.
    pub fn terminate_workflow_execution(
        &self,
        domain: &str,
        run: &WorkflowExecution,
        reason: Option<&str>,
        details: Option<&str>,
        child_policy: Option<ChildPolicy>,
    ) -> Result<(), WorkflowError> {
        validate_opt_len("reason", reason, 256)?;
        validate_payload("details", details)?;
        self.with(|st, now| {
            let ex = st.find_open(domain, run.workflow_id(), run.run_id())?;
            if let Some(p) = child_policy {
                st.execs[ex].spec.child_policy = p;
            }
            let p = st.execs[ex].spec.child_policy.as_str();
            let a = json!({"reason": reason, "details": details, "childPolicy": p});
            st.close(ex, now, CloseStatus::Terminated, EventType::WorkflowExecutionTerminated, a);
            Ok(())
        })
    }
}
