//! Helpers the workflow test files share: a domain "billing" with an "approve"
//! workflow type (deciders, 30 days, 60 s decisions, TERMINATE) and an "email"
//! activity type (workers, 300 s to start, 600 s in all, 300 s to close, no heartbeat).

use std::time::Duration;

use localcloud::workflow::*;
use localcloud::Cloud;

pub const DOMAIN: &str = "billing";
pub const DECIDERS: &str = "deciders";
pub const WORKERS: &str = "workers";

pub fn days(n: u64) -> Duration {
    Duration::from_secs(n * 86_400)
}

pub fn approve() -> WorkflowType {
    WorkflowType::new("approve", "1")
}

pub fn email() -> ActivityType {
    ActivityType::new("email", "1")
}

/// A manual-clock cloud with the billing domain and its two types.
pub fn setup() -> (Cloud, Workflows) {
    let cloud = Cloud::builder().manual_clock().seed(1).build();
    let wf = cloud.workflows();
    wf.register_domain(DOMAIN, days(1)).unwrap();
    wf.register_workflow_type(
        DOMAIN,
        WorkflowTypeConfig::new("approve", "1")
            .default_task_list(DECIDERS)
            .default_execution_start_to_close_timeout(days(30))
            .default_task_start_to_close_timeout(Duration::from_secs(60))
            .default_child_policy(ChildPolicy::Terminate),
    )
    .unwrap();
    wf.register_activity_type(
        DOMAIN,
        ActivityTypeConfig::new("email", "1")
            .default_task_list(WORKERS)
            .default_schedule_to_start_timeout(Duration::from_secs(300))
            .default_schedule_to_close_timeout(Duration::from_secs(600))
            .default_start_to_close_timeout(Duration::from_secs(300))
            .default_heartbeat_timeout(Timeout::Never),
    )
    .unwrap();
    (cloud, wf)
}

/// Starts an "approve" run under `id`.
pub fn start(wf: &Workflows, id: &str) -> WorkflowExecution {
    wf.start_workflow_execution(DOMAIN, id, approve(), "input").unwrap()
}

/// Polls the next decision task (which must exist) and answers it with `decisions`.
pub fn decide(wf: &Workflows, decisions: Vec<Decision>) -> DecisionTask {
    let task = wf.poll_for_decision_task(DOMAIN, DECIDERS).unwrap().expect("a decision task is due");
    wf.respond_decision_task_completed(task.token(), decisions).unwrap();
    task
}

/// The event types of a run's history, in order.
pub fn types(wf: &Workflows, run: &WorkflowExecution) -> Vec<EventType> {
    wf.history(DOMAIN, run).unwrap().iter().map(|e| e.event_type()).collect()
}

/// The last event of a run's history.
pub fn last(wf: &Workflows, run: &WorkflowExecution) -> HistoryEvent {
    wf.history(DOMAIN, run).unwrap().pop().unwrap()
}

/// The last event of a given type.
pub fn last_of(wf: &Workflows, run: &WorkflowExecution, ty: EventType) -> HistoryEvent {
    wf.history(DOMAIN, run).unwrap().into_iter().rev().find(|e| e.event_type() == ty).expect("event present")
}

/// The run's close status, if closed.
pub fn close_status(wf: &Workflows, run: &WorkflowExecution) -> Option<CloseStatus> {
    wf.describe_workflow_execution(DOMAIN, run).unwrap().info().close_status()
}

/// Polls decision tasks, answering other runs' with no decisions, until `run`'s
/// comes; answers it with `decisions`.
pub fn decide_for(wf: &Workflows, run: &WorkflowExecution, decisions: Vec<Decision>) -> DecisionTask {
    loop {
        let task = wf.poll_for_decision_task(DOMAIN, DECIDERS).unwrap().expect("a decision task is due");
        if task.workflow_execution() == run {
            wf.respond_decision_task_completed(task.token(), decisions).unwrap();
            return task;
        }
        wf.respond_decision_task_completed(task.token(), vec![]).unwrap();
    }
}
