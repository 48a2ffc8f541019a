//! Signals, cancel requests, termination and child policies.

mod common;

use common::workflow::*;
use localcloud::workflow::*;
use EventType::*;

#[test]
fn a_signal_records_its_event_and_schedules_a_decision_task() {
    let (_c, wf) = setup();
    let run = start(&wf, "invoice-1");
    decide(&wf, vec![]);
    wf.signal_workflow_execution(DOMAIN, "invoice-1", "approved", "by alice").unwrap();
    let h = wf.history(DOMAIN, &run).unwrap();
    let signal = &h[h.len() - 2];
    assert_eq!(signal.event_type(), WorkflowExecutionSignaled);
    assert_eq!(signal.str_attribute("signalName"), Some("approved"));
    assert_eq!(signal.str_attribute("input"), Some("by alice"));
    assert_eq!(h.last().unwrap().event_type(), DecisionTaskScheduled);
}

#[test]
fn a_signal_to_no_open_execution_is_unknown_resource() {
    let (_c, wf) = setup();
    assert_eq!(wf.signal_workflow_execution(DOMAIN, "ghost", "s", "").unwrap_err().code(), "UnknownResourceFault");
    let run = start(&wf, "w");
    let wrong_run = WorkflowExecution::new("w", "not-the-run");
    assert_eq!(wf.signal_run(DOMAIN, &wrong_run, "s", "").unwrap_err().code(), "UnknownResourceFault");
    wf.signal_run(DOMAIN, &run, "s", "").unwrap();
}

#[test]
fn a_signal_name_and_input_are_checked() {
    let (_c, wf) = setup();
    start(&wf, "w");
    assert_eq!(wf.signal_workflow_execution(DOMAIN, "w", "", "").unwrap_err().code(), "ValidationException");
    let big = "x".repeat(MAX_PAYLOAD + 1);
    assert_eq!(wf.signal_workflow_execution(DOMAIN, "w", "s", big).unwrap_err().code(), "ValidationException");
}

#[test]
fn a_cancel_request_records_its_event_once_and_asks_the_decider() {
    let (_c, wf) = setup();
    let run = start(&wf, "w");
    decide(&wf, vec![]);
    wf.request_cancel_workflow_execution(DOMAIN, &run).unwrap();
    wf.request_cancel_workflow_execution(DOMAIN, &run).unwrap();
    let n = types(&wf, &run).iter().filter(|t| **t == WorkflowExecutionCancelRequested).count();
    assert_eq!(n, 1);
    let task = wf.poll_for_decision_task(DOMAIN, DECIDERS).unwrap().unwrap();
    assert!(task.new_events().iter().any(|e| e.event_type() == WorkflowExecutionCancelRequested));
}

fn parent_with_child(wf: &Workflows, policy: ChildPolicy) -> (WorkflowExecution, WorkflowExecution) {
    let parent = wf.start(DOMAIN, StartRequest::new("parent", approve()).child_policy(policy)).unwrap();
    decide(wf, vec![Decision::start_child(StartRequest::new("child", approve()).child_policy(ChildPolicy::Abandon))]);
    let started = last_of(wf, &parent, ChildWorkflowExecutionStarted);
    let run = started.attributes()["workflowExecution"]["runId"].as_str().unwrap().to_string();
    (parent, WorkflowExecution::new("child", run))
}

#[test]
fn terminating_a_parent_with_terminate_policy_terminates_its_children() {
    let (_c, wf) = setup();
    let (parent, child) = parent_with_child(&wf, ChildPolicy::Terminate);
    wf.terminate_workflow_execution(DOMAIN, &parent, Some("stop"), None, None).unwrap();
    assert_eq!(close_status(&wf, &child), Some(CloseStatus::Terminated));
    assert_eq!(last(&wf, &child).str_attribute("cause"), Some("CHILD_POLICY_APPLIED"));
    assert_eq!(last(&wf, &parent).event_type(), WorkflowExecutionTerminated);
}

#[test]
fn terminating_a_parent_with_request_cancel_policy_asks_its_children_to_cancel() {
    let (_c, wf) = setup();
    let (parent, child) = parent_with_child(&wf, ChildPolicy::RequestCancel);
    wf.terminate_workflow_execution(DOMAIN, &parent, None, None, None).unwrap();
    assert_eq!(close_status(&wf, &child), None);
    let e = last_of(&wf, &child, WorkflowExecutionCancelRequested);
    assert_eq!(e.str_attribute("cause"), Some("CHILD_POLICY_APPLIED"));
    assert!(wf.describe_workflow_execution(DOMAIN, &child).unwrap().info().cancel_requested());
}

#[test]
fn terminating_a_parent_with_abandon_policy_leaves_its_children_running() {
    let (_c, wf) = setup();
    let (parent, child) = parent_with_child(&wf, ChildPolicy::Terminate);
    wf.terminate_workflow_execution(DOMAIN, &parent, None, None, Some(ChildPolicy::Abandon)).unwrap();
    assert_eq!(close_status(&wf, &child), None);
    assert!(!types(&wf, &child).contains(&WorkflowExecutionCancelRequested));
    assert_eq!(last(&wf, &parent).str_attribute("childPolicy"), Some("ABANDON"));
}

#[test]
fn a_parent_that_times_out_applies_its_child_policy() {
    let (c, wf) = setup();
    let (_parent, child) = parent_with_child(&wf, ChildPolicy::Terminate);
    c.advance(days(30));
    assert_eq!(close_status(&wf, &child), Some(CloseStatus::Terminated));
}

#[test]
fn a_terminated_child_is_reported_to_its_parent() {
    let (_c, wf) = setup();
    let (parent, child) = parent_with_child(&wf, ChildPolicy::Terminate);
    wf.terminate_workflow_execution(DOMAIN, &child, None, None, None).unwrap();
    let e = last_of(&wf, &parent, ChildWorkflowExecutionTerminated);
    assert_eq!(e.attributes()["workflowExecution"]["runId"], child.run_id());
    assert_eq!(
        wf.describe_workflow_execution(DOMAIN, &parent).unwrap().open_counts().open_child_workflow_executions,
        0
    );
}

#[test]
fn a_child_that_fails_or_times_out_is_reported_with_its_own_event() {
    let (c, wf) = setup();
    let (parent, child) = parent_with_child(&wf, ChildPolicy::Abandon);
    decide_for(&wf, &child, vec![Decision::fail("no stock", "")]);
    assert_eq!(last_of(&wf, &parent, ChildWorkflowExecutionFailed).str_attribute("reason"), Some("no stock"));
    decide_for(
        &wf,
        &parent,
        vec![Decision::start_child(StartRequest::new("child-2", approve()).execution_start_to_close_timeout(days(1)))],
    );
    c.advance(days(1));
    let e = last_of(&wf, &parent, ChildWorkflowExecutionTimedOut);
    assert_eq!(e.str_attribute("timeoutType"), Some("START_TO_CLOSE"));
}
