//! Queries: describe an execution, list and count open or closed executions with
//! SWF's filters, and read a history a page at a time.

use std::time::Duration;

use super::error::WorkflowError;
use super::execution::{CloseStatus, DecisionState, Execution, State, WorkflowExecution};
use super::history::HistoryEvent;
use super::types::{ChildPolicy, Timeout, WorkflowType};
use super::Workflows;
use crate::clock::Timestamp;

/// The most events one history page holds.
pub const MAX_HISTORY_PAGE: usize = 1_000;

/// Whether an execution is open or closed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ExecutionStatus {
    /// Still running.
    Open,
    /// Closed (see its [`CloseStatus`]).
    Closed,
}

/// What SWF's `WorkflowExecutionInfo` says about a run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExecutionInfo {
    execution: WorkflowExecution,
    workflow_type: WorkflowType,
    start: Timestamp,
    close: Option<(CloseStatus, Timestamp)>,
    parent: Option<WorkflowExecution>,
    tags: Vec<String>,
    cancel_requested: bool,
}

impl ExecutionInfo {
    /// The run.
    pub fn execution(&self) -> &WorkflowExecution {
        &self.execution
    }
    /// Its workflow type.
    pub fn workflow_type(&self) -> &WorkflowType {
        &self.workflow_type
    }
    /// When it started.
    pub fn start_timestamp(&self) -> Timestamp {
        self.start
    }
    /// When it closed, if it did.
    pub fn close_timestamp(&self) -> Option<Timestamp> {
        self.close.map(|c| c.1)
    }
    /// Open or closed.
    pub fn execution_status(&self) -> ExecutionStatus {
        if self.close.is_some() {
            ExecutionStatus::Closed
        } else {
            ExecutionStatus::Open
        }
    }
    /// How it closed, if it did.
    pub fn close_status(&self) -> Option<CloseStatus> {
        self.close.map(|c| c.0)
    }
    /// The parent run, for a child.
    pub fn parent(&self) -> Option<&WorkflowExecution> {
        self.parent.as_ref()
    }
    /// Its tags.
    pub fn tag_list(&self) -> &[String] {
        &self.tags
    }
    /// Whether a cancel was requested.
    pub fn cancel_requested(&self) -> bool {
        self.cancel_requested
    }
}

/// How many tasks, timers and children a run has open.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OpenCounts {
    /// Open activity tasks (scheduled or started).
    pub open_activity_tasks: usize,
    /// Open decision tasks: 0 or 1.
    pub open_decision_tasks: usize,
    /// Open timers.
    pub open_timers: usize,
    /// Open child executions.
    pub open_child_workflow_executions: usize,
}

/// What SWF's `DescribeWorkflowExecution` answers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExecutionDetail {
    info: ExecutionInfo,
    task_list: String,
    execution_start_to_close_timeout: Duration,
    task_start_to_close_timeout: Timeout,
    child_policy: ChildPolicy,
    open_counts: OpenCounts,
    latest_activity_task_timestamp: Option<Timestamp>,
    latest_execution_context: Option<String>,
}

impl ExecutionDetail {
    /// The run's info.
    pub fn info(&self) -> &ExecutionInfo {
        &self.info
    }
    /// Its decision task list.
    pub fn task_list(&self) -> &str {
        &self.task_list
    }
    /// Its execution timeout.
    pub fn execution_start_to_close_timeout(&self) -> Duration {
        self.execution_start_to_close_timeout
    }
    /// Its decision task timeout.
    pub fn task_start_to_close_timeout(&self) -> Timeout {
        self.task_start_to_close_timeout
    }
    /// Its child policy.
    pub fn child_policy(&self) -> ChildPolicy {
        self.child_policy
    }
    /// What it has open.
    pub fn open_counts(&self) -> OpenCounts {
        self.open_counts
    }
    /// When a worker last took one of its activity tasks.
    pub fn latest_activity_task_timestamp(&self) -> Option<Timestamp> {
        self.latest_activity_task_timestamp
    }
    /// The execution context of the last decision that gave one.
    pub fn latest_execution_context(&self) -> Option<&str> {
        self.latest_execution_context.as_deref()
    }
}

/// SWF's list filters: a time range (start, or close for closed runs) plus at most
/// one of workflow id, type, tag and close status.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ExecutionFilter {
    started: Option<(Timestamp, Timestamp)>,
    closed: Option<(Timestamp, Timestamp)>,
    workflow_id: Option<String>,
    type_name: Option<(String, Option<String>)>,
    tag: Option<String>,
    close_status: Option<CloseStatus>,
    reverse_order: bool,
}

impl ExecutionFilter {
    /// Every execution, newest start first.
    pub fn new() -> Self {
        Self::default()
    }
    /// Started between `oldest` and `latest` (inclusive).
    pub fn start_time(mut self, oldest: Timestamp, latest: Timestamp) -> Self {
        self.started = Some((oldest, latest));
        self
    }
    /// Closed between `oldest` and `latest` (closed lists only).
    pub fn close_time(mut self, oldest: Timestamp, latest: Timestamp) -> Self {
        self.closed = Some((oldest, latest));
        self
    }
    /// Only runs of this workflow id.
    pub fn workflow_id(mut self, id: impl Into<String>) -> Self {
        self.workflow_id = Some(id.into());
        self
    }
    /// Only runs of this type name (and version, if given).
    pub fn type_filter(mut self, name: impl Into<String>, version: Option<&str>) -> Self {
        self.type_name = Some((name.into(), version.map(str::to_string)));
        self
    }
    /// Only runs carrying this tag.
    pub fn tag(mut self, tag: impl Into<String>) -> Self {
        self.tag = Some(tag.into());
        self
    }
    /// Only runs closed this way (closed lists only).
    pub fn close_status(mut self, s: CloseStatus) -> Self {
        self.close_status = Some(s);
        self
    }
    /// Oldest start first instead.
    pub fn reverse_order(mut self, on: bool) -> Self {
        self.reverse_order = on;
        self
    }

    fn validate(&self, closed: bool) -> Result<(), WorkflowError> {
        let exclusive =
            [self.workflow_id.is_some(), self.type_name.is_some(), self.tag.is_some(), self.close_status.is_some()];
        if exclusive.iter().filter(|b| **b).count() > 1 {
            return Err(WorkflowError::Validation(
                "executionFilter, typeFilter, tagFilter and closeStatusFilter are mutually exclusive".into(),
            ));
        }
        if !closed && (self.closed.is_some() || self.close_status.is_some()) {
            return Err(WorkflowError::Validation("open executions have no close time or status".into()));
        }
        if closed && self.started.is_some() && self.closed.is_some() {
            return Err(WorkflowError::Validation("startTimeFilter and closeTimeFilter are mutually exclusive".into()));
        }
        Ok(())
    }

    fn matches(&self, e: &Execution) -> bool {
        let within = |r: Option<(Timestamp, Timestamp)>, t: Option<Timestamp>| match (r, t) {
            (None, _) => true,
            (Some((a, b)), Some(t)) => a <= t && t <= b,
            (Some(_), None) => false,
        };
        within(self.started, Some(e.started_at))
            && within(self.closed, e.closed.map(|c| c.1))
            && self.workflow_id.as_ref().is_none_or(|w| *w == e.spec.workflow_id)
            && self.type_name.as_ref().is_none_or(|(n, v)| {
                n == e.spec.workflow_type.name() && v.as_ref().is_none_or(|v| v == e.spec.workflow_type.version())
            })
            && self.tag.as_ref().is_none_or(|t| e.spec.tags.contains(t))
            && self.close_status.is_none_or(|s| e.closed.map(|c| c.0) == Some(s))
    }
}

/// A count of executions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExecutionCount {
    /// How many matched.
    pub count: usize,
    /// Whether the count stopped short (never, here).
    pub truncated: bool,
}

/// One page of history: SWF's `GetWorkflowExecutionHistory` parameters.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HistoryQuery {
    maximum_page_size: Option<usize>,
    next_page_token: Option<String>,
    reverse_order: bool,
}

impl HistoryQuery {
    /// The first page, oldest event first, up to 1,000 events.
    pub fn new() -> Self {
        Self::default()
    }
    /// At most `n` events (1 to 1,000).
    pub fn maximum_page_size(mut self, n: usize) -> Self {
        self.maximum_page_size = Some(n);
        self
    }
    /// Continues after the page that returned this token.
    pub fn next_page_token(mut self, t: impl Into<String>) -> Self {
        self.next_page_token = Some(t.into());
        self
    }
    /// Newest event first.
    pub fn reverse_order(mut self, on: bool) -> Self {
        self.reverse_order = on;
        self
    }
}

/// A page of history events.
#[derive(Clone, Debug, PartialEq)]
pub struct HistoryPage {
    events: Vec<HistoryEvent>,
    next_page_token: Option<String>,
}

impl HistoryPage {
    /// The events of this page.
    pub fn events(&self) -> &[HistoryEvent] {
        &self.events
    }
    /// The token of the next page, if there is one.
    pub fn next_page_token(&self) -> Option<&str> {
        self.next_page_token.as_deref()
    }
}

impl State {
    /// A run that is still visible: open, or closed within the domain's retention.
    fn visible(&self, ex: usize, now: Timestamp) -> bool {
        let e = &self.execs[ex];
        match e.closed {
            None => true,
            Some((_, at)) => {
                let keep = self.domains.get(&e.domain).map_or(Duration::ZERO, |d| d.info.retention);
                at + keep >= now
            }
        }
    }

    fn lookup(&self, domain: &str, run: &WorkflowExecution, now: Timestamp) -> Result<usize, WorkflowError> {
        self.domains.get(domain).ok_or_else(|| WorkflowError::UnknownResource(format!("domain {domain}")))?;
        match self.find(domain, run.workflow_id(), run.run_id()) {
            Some(ex) if self.visible(ex, now) => Ok(ex),
            _ => Err(WorkflowError::UnknownResource(format!("execution {run} in {domain}"))),
        }
    }

    fn info(&self, ex: usize) -> ExecutionInfo {
        let e = &self.execs[ex];
        ExecutionInfo {
            execution: e.id.clone(),
            workflow_type: e.spec.workflow_type.clone(),
            start: e.started_at,
            close: e.closed,
            parent: e.parent.map(|(p, _)| self.execs[p].id.clone()),
            tags: e.spec.tags.clone(),
            cancel_requested: e.cancel_requested,
        }
    }

    fn select(
        &self,
        domain: &str,
        f: &ExecutionFilter,
        closed: bool,
        now: Timestamp,
    ) -> Result<Vec<usize>, WorkflowError> {
        f.validate(closed)?;
        self.domains.get(domain).ok_or_else(|| WorkflowError::UnknownResource(format!("domain {domain}")))?;
        let mut out: Vec<usize> = (0..self.execs.len())
            .filter(|&ex| {
                let e = &self.execs[ex];
                e.domain == domain && e.is_open() != closed && self.visible(ex, now) && f.matches(e)
            })
            .collect();
        // Newest start first, unless reversed; ties by start order.
        if !f.reverse_order {
            out.reverse();
        }
        Ok(out)
    }
}

impl Workflows {
    /// Describes a run (an empty run id means the open one).
    pub fn describe_workflow_execution(
        &self,
        domain: &str,
        run: &WorkflowExecution,
    ) -> Result<ExecutionDetail, WorkflowError> {
        self.with(|st, now| {
            let ex = st.lookup(domain, run, now)?;
            let e = &st.execs[ex];
            let open_decision = usize::from(e.is_open() && e.decision != DecisionState::Idle);
            Ok(ExecutionDetail {
                info: st.info(ex),
                task_list: e.spec.task_list.clone(),
                execution_start_to_close_timeout: e.spec.execution_timeout,
                task_start_to_close_timeout: e.spec.task_timeout,
                child_policy: e.spec.child_policy,
                open_counts: OpenCounts {
                    open_activity_tasks: e.activities.len(),
                    open_decision_tasks: open_decision,
                    open_timers: e.timers.len(),
                    open_child_workflow_executions: e.children.len(),
                },
                latest_activity_task_timestamp: e.latest_activity_task,
                latest_execution_context: e.latest_execution_context.clone(),
            })
        })
    }

    /// The open runs of `domain` matching `filter`.
    pub fn list_open_workflow_executions(
        &self,
        domain: &str,
        filter: &ExecutionFilter,
    ) -> Result<Vec<ExecutionInfo>, WorkflowError> {
        self.with(|st, now| Ok(st.select(domain, filter, false, now)?.into_iter().map(|ex| st.info(ex)).collect()))
    }

    /// The closed runs of `domain` (within its retention) matching `filter`.
    pub fn list_closed_workflow_executions(
        &self,
        domain: &str,
        filter: &ExecutionFilter,
    ) -> Result<Vec<ExecutionInfo>, WorkflowError> {
        self.with(|st, now| Ok(st.select(domain, filter, true, now)?.into_iter().map(|ex| st.info(ex)).collect()))
    }

    /// How many open runs of `domain` match `filter`.
    pub fn count_open_workflow_executions(
        &self,
        domain: &str,
        filter: &ExecutionFilter,
    ) -> Result<ExecutionCount, WorkflowError> {
        self.with(|st, now| {
            Ok(ExecutionCount { count: st.select(domain, filter, false, now)?.len(), truncated: false })
        })
    }

    /// How many closed runs of `domain` match `filter`.
    pub fn count_closed_workflow_executions(
        &self,
        domain: &str,
        filter: &ExecutionFilter,
    ) -> Result<ExecutionCount, WorkflowError> {
        self.with(|st, now| Ok(ExecutionCount { count: st.select(domain, filter, true, now)?.len(), truncated: false }))
    }

    /// A run's whole history, oldest event first.
    pub fn history(&self, domain: &str, run: &WorkflowExecution) -> Result<Vec<HistoryEvent>, WorkflowError> {
        self.with(|st, now| {
            let ex = st.lookup(domain, run, now)?;
            Ok(st.execs[ex].events.clone())
        })
    }

    /// One page of a run's history.
    pub fn get_workflow_execution_history(
        &self,
        domain: &str,
        run: &WorkflowExecution,
        query: &HistoryQuery,
    ) -> Result<HistoryPage, WorkflowError> {
        let size = query.maximum_page_size.unwrap_or(MAX_HISTORY_PAGE);
        if size == 0 || size > MAX_HISTORY_PAGE {
            return Err(WorkflowError::Validation(format!("maximumPageSize {size} must be 1 to 1000")));
        }
        let skip = match &query.next_page_token {
            None => 0,
            Some(t) => t
                .parse::<usize>()
                .map_err(|_| WorkflowError::Validation(format!("nextPageToken {t:?} is not one this call gave")))?,
        };
        self.with(|st, now| {
            let ex = st.lookup(domain, run, now)?;
            let all = &st.execs[ex].events;
            let ordered: Vec<&HistoryEvent> =
                if query.reverse_order { all.iter().rev().collect() } else { all.iter().collect() };
            let events: Vec<HistoryEvent> = ordered.iter().skip(skip).take(size).map(|e| (*e).clone()).collect();
            let next = skip + events.len();
            let next_page_token = (next < ordered.len()).then(|| next.to_string());
            Ok(HistoryPage { events, next_page_token })
        })
    }
}
