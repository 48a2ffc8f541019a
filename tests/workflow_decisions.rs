//! Every decision type, and each failure cause it can record.

mod common;

use std::time::Duration;

use common::workflow::*;
use localcloud::workflow::*;
use EventType::*;

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

/// The new events a decision produced after its DecisionTaskCompleted.
fn after_completed(wf: &Workflows, run: &WorkflowExecution) -> Vec<HistoryEvent> {
    let h = wf.history(DOMAIN, run).unwrap();
    let at = h.iter().rposition(|e| e.event_type() == DecisionTaskCompleted).unwrap();
    h[at + 1..].to_vec()
}

#[test]
fn schedule_activity_records_scheduled_with_the_type_defaults() {
    let (_c, wf) = setup();
    let run = start(&wf, "w");
    decide(&wf, vec![Decision::schedule_activity("a", email(), "in")]);
    let e = last(&wf, &run);
    assert_eq!(e.event_type(), ActivityTaskScheduled);
    assert_eq!(e.str_attribute("startToCloseTimeout"), Some("300"));
    assert_eq!(e.str_attribute("input"), Some("in"));
}

#[test]
fn schedule_activity_with_an_open_activity_id_fails_activity_id_already_in_use() {
    let (_c, wf) = setup();
    let run = start(&wf, "w");
    decide(&wf, vec![Decision::schedule_activity("a", email(), ""), Decision::schedule_activity("a", email(), "")]);
    let events = after_completed(&wf, &run);
    assert_eq!(events[1].event_type(), ScheduleActivityTaskFailed);
    assert_eq!(events[1].str_attribute("cause"), Some("ACTIVITY_ID_ALREADY_IN_USE"));
    assert_eq!(events[2].event_type(), DecisionTaskScheduled, "a failed decision asks for a new decision");
}

#[test]
fn schedule_activity_of_an_unknown_or_deprecated_type_fails_with_its_cause() {
    let (_c, wf) = setup();
    let run = start(&wf, "w");
    decide(&wf, vec![Decision::schedule_activity("a", ActivityType::new("nope", "1"), "")]);
    assert_eq!(
        last_of(&wf, &run, ScheduleActivityTaskFailed).str_attribute("cause"),
        Some("ACTIVITY_TYPE_DOES_NOT_EXIST")
    );
    wf.deprecate_activity_type(DOMAIN, &email()).unwrap();
    decide(&wf, vec![Decision::schedule_activity("a", email(), "")]);
    assert_eq!(last_of(&wf, &run, ScheduleActivityTaskFailed).str_attribute("cause"), Some("ACTIVITY_TYPE_DEPRECATED"));
}

#[test]
fn schedule_activity_without_defaults_fails_default_undefined() {
    let (_c, wf) = setup();
    wf.register_activity_type(DOMAIN, ActivityTypeConfig::new("bare", "1")).unwrap();
    let run = start(&wf, "w");
    let bare = || ScheduleActivityTask::new("a", ActivityType::new("bare", "1"));
    let steps: Vec<(ScheduleActivityTask, &str)> = vec![
        (bare(), "DEFAULT_TASK_LIST_UNDEFINED"),
        (bare().task_list("l"), "DEFAULT_SCHEDULE_TO_START_TIMEOUT_UNDEFINED"),
        (bare().task_list("l").schedule_to_start_timeout(secs(1)), "DEFAULT_SCHEDULE_TO_CLOSE_TIMEOUT_UNDEFINED"),
        (
            bare().task_list("l").schedule_to_start_timeout(secs(1)).schedule_to_close_timeout(secs(2)),
            "DEFAULT_START_TO_CLOSE_TIMEOUT_UNDEFINED",
        ),
        (
            bare()
                .task_list("l")
                .schedule_to_start_timeout(secs(1))
                .schedule_to_close_timeout(secs(2))
                .start_to_close_timeout(secs(1)),
            "DEFAULT_HEARTBEAT_TIMEOUT_UNDEFINED",
        ),
    ];
    for (s, cause) in steps {
        decide(&wf, vec![s.into()]);
        assert_eq!(last_of(&wf, &run, ScheduleActivityTaskFailed).str_attribute("cause"), Some(cause));
    }
}

#[test]
fn schedule_activity_past_a_thousand_open_fails_open_activities_limit_exceeded() {
    let (_c, wf) = setup();
    let run = start(&wf, "w");
    let many =
        (0..MAX_OPEN_PER_EXECUTION + 1).map(|i| Decision::schedule_activity(format!("a{i}"), email(), "")).collect();
    decide(&wf, many);
    assert_eq!(
        last_of(&wf, &run, ScheduleActivityTaskFailed).str_attribute("cause"),
        Some("OPEN_ACTIVITIES_LIMIT_EXCEEDED")
    );
}

#[test]
fn request_cancel_of_an_unstarted_activity_cancels_it_at_once() {
    let (_c, wf) = setup();
    let run = start(&wf, "w");
    decide(&wf, vec![Decision::schedule_activity("a", email(), "")]);
    wf.signal_workflow_execution(DOMAIN, "w", "stop", "").unwrap();
    decide(&wf, vec![Decision::request_cancel_activity("a")]);
    let ev: Vec<_> = after_completed(&wf, &run).iter().map(|e| e.event_type()).collect();
    assert_eq!(ev, [ActivityTaskCancelRequested, ActivityTaskCanceled, DecisionTaskScheduled]);
    assert!(wf.poll_for_activity_task(DOMAIN, WORKERS).unwrap().is_none());
}

#[test]
fn request_cancel_of_a_started_activity_is_answered_by_the_heartbeat() {
    let (_c, wf) = setup();
    let run = start(&wf, "w");
    decide(&wf, vec![Decision::schedule_activity("a", email(), "")]);
    let task = wf.poll_for_activity_task(DOMAIN, WORKERS).unwrap().unwrap();
    assert!(!wf.record_activity_task_heartbeat(task.token(), None).unwrap().cancel_requested);
    wf.signal_workflow_execution(DOMAIN, "w", "stop", "").unwrap();
    decide(&wf, vec![Decision::request_cancel_activity("a")]);
    assert_eq!(last(&wf, &run).event_type(), ActivityTaskCancelRequested);
    assert!(wf.record_activity_task_heartbeat(task.token(), None).unwrap().cancel_requested);
    wf.respond_activity_task_canceled(task.token(), "stopped").unwrap();
    let canceled = last_of(&wf, &run, ActivityTaskCanceled);
    let requested = last_of(&wf, &run, ActivityTaskCancelRequested).event_id();
    assert_eq!(canceled.id_attribute("latestCancelRequestedEventId"), Some(requested));
}

#[test]
fn request_cancel_of_an_unknown_activity_fails_activity_id_unknown() {
    let (_c, wf) = setup();
    let run = start(&wf, "w");
    decide(&wf, vec![Decision::request_cancel_activity("ghost")]);
    let e = last_of(&wf, &run, RequestCancelActivityTaskFailed);
    assert_eq!(e.str_attribute("cause"), Some("ACTIVITY_ID_UNKNOWN"));
}

#[test]
fn a_started_timer_fires_on_the_clock() {
    let (c, wf) = setup();
    let run = start(&wf, "w");
    let t0 = c.now();
    decide(&wf, vec![Decision::start_timer("t", secs(3600))]);
    c.advance(secs(3599));
    assert_eq!(last(&wf, &run).event_type(), TimerStarted);
    c.advance(secs(1));
    let fired = last_of(&wf, &run, TimerFired);
    assert_eq!(fired.timestamp(), t0 + secs(3600));
    assert_eq!(fired.str_attribute("timerId"), Some("t"));
    assert_eq!(last(&wf, &run).event_type(), DecisionTaskScheduled);
}

#[test]
fn start_timer_with_an_open_timer_id_fails_timer_id_already_in_use() {
    let (_c, wf) = setup();
    let run = start(&wf, "w");
    decide(&wf, vec![Decision::start_timer("t", secs(5)), Decision::start_timer("t", secs(5))]);
    assert_eq!(last_of(&wf, &run, StartTimerFailed).str_attribute("cause"), Some("TIMER_ID_ALREADY_IN_USE"));
}

#[test]
fn start_timer_past_a_thousand_open_fails_open_timers_limit_exceeded() {
    let (_c, wf) = setup();
    let run = start(&wf, "w");
    let many = (0..MAX_OPEN_PER_EXECUTION + 1).map(|i| Decision::start_timer(format!("t{i}"), secs(60))).collect();
    decide(&wf, many);
    assert_eq!(last_of(&wf, &run, StartTimerFailed).str_attribute("cause"), Some("OPEN_TIMERS_LIMIT_EXCEEDED"));
}

#[test]
fn a_canceled_timer_never_fires() {
    let (c, wf) = setup();
    let run = start(&wf, "w");
    decide(&wf, vec![Decision::start_timer("t", secs(60))]);
    wf.signal_workflow_execution(DOMAIN, "w", "s", "").unwrap();
    decide(&wf, vec![Decision::cancel_timer("t")]);
    assert_eq!(last(&wf, &run).event_type(), TimerCanceled);
    c.advance(secs(120));
    assert!(!types(&wf, &run).contains(&TimerFired));
}

#[test]
fn cancel_timer_of_an_unknown_timer_fails_timer_id_unknown() {
    let (_c, wf) = setup();
    let run = start(&wf, "w");
    decide(&wf, vec![Decision::cancel_timer("ghost")]);
    assert_eq!(last_of(&wf, &run, CancelTimerFailed).str_attribute("cause"), Some("TIMER_ID_UNKNOWN"));
}

#[test]
fn record_marker_records_its_details() {
    let (_c, wf) = setup();
    let run = start(&wf, "w");
    decide(&wf, vec![Decision::record_marker("checkpoint", "step 2")]);
    let e = last(&wf, &run);
    assert_eq!(e.event_type(), MarkerRecorded);
    assert_eq!(e.str_attribute("details"), Some("step 2"));
    assert!(wf.poll_for_decision_task(DOMAIN, DECIDERS).unwrap().is_none(), "a marker asks for no decision");
}

#[test]
fn signal_external_reaches_the_other_execution() {
    let (_c, wf) = setup();
    let sender = start(&wf, "sender");
    decide(&wf, vec![]);
    let receiver = start(&wf, "receiver");
    decide(&wf, vec![]);
    wf.signal_workflow_execution(DOMAIN, "sender", "go", "").unwrap();
    decide(&wf, vec![Decision::signal_external("receiver", "hello", "payload")]);
    let signaled = last_of(&wf, &receiver, WorkflowExecutionSignaled);
    assert_eq!(signaled.str_attribute("signalName"), Some("hello"));
    assert_eq!(signaled.attributes()["externalWorkflowExecution"]["workflowId"], "sender");
    let ev: Vec<_> = after_completed(&wf, &sender).iter().map(|e| e.event_type()).collect();
    assert_eq!(ev[..2], [SignalExternalWorkflowExecutionInitiated, ExternalWorkflowExecutionSignaled]);
}

#[test]
fn signal_external_to_no_open_execution_fails_unknown_external_workflow_execution() {
    let (_c, wf) = setup();
    let run = start(&wf, "w");
    decide(&wf, vec![Decision::signal_external("ghost", "s", "")]);
    let e = last_of(&wf, &run, SignalExternalWorkflowExecutionFailed);
    assert_eq!(e.str_attribute("cause"), Some("UNKNOWN_EXTERNAL_WORKFLOW_EXECUTION"));
    assert!(e.id_attribute("initiatedEventId").unwrap() > 0);
}

#[test]
fn request_cancel_external_records_cancel_requested_on_the_target() {
    let (_c, wf) = setup();
    let run = start(&wf, "a");
    decide(&wf, vec![]);
    let other = start(&wf, "b");
    decide(&wf, vec![]);
    wf.signal_workflow_execution(DOMAIN, "a", "go", "").unwrap();
    decide(&wf, vec![Decision::request_cancel_external("b")]);
    assert!(types(&wf, &other).contains(&WorkflowExecutionCancelRequested));
    assert!(types(&wf, &run).contains(&ExternalWorkflowExecutionCancelRequested));
    assert!(wf.describe_workflow_execution(DOMAIN, &other).unwrap().info().cancel_requested());
    decide_for(&wf, &run, vec![Decision::request_cancel_external("ghost")]);
    let e = last_of(&wf, &run, RequestCancelExternalWorkflowExecutionFailed);
    assert_eq!(e.str_attribute("cause"), Some("UNKNOWN_EXTERNAL_WORKFLOW_EXECUTION"));
}

#[test]
fn start_child_starts_a_child_and_reports_its_close_to_the_parent() {
    let (_c, wf) = setup();
    let parent = start(&wf, "parent");
    decide(&wf, vec![Decision::start_child(StartRequest::new("child", approve()).input("c"))]);
    let started = last_of(&wf, &parent, ChildWorkflowExecutionStarted);
    let child = WorkflowExecution::new("child", started.attributes()["workflowExecution"]["runId"].as_str().unwrap());
    let info = wf.describe_workflow_execution(DOMAIN, &child).unwrap();
    assert_eq!(info.info().parent(), Some(&parent));
    assert_eq!(
        wf.describe_workflow_execution(DOMAIN, &parent).unwrap().open_counts().open_child_workflow_executions,
        1
    );
    // Both have a decision due: parent (child started) and child (its start).
    let child_task = loop {
        let t = wf.poll_for_decision_task(DOMAIN, DECIDERS).unwrap().unwrap();
        if t.workflow_execution() == &child {
            break t;
        }
        wf.respond_decision_task_completed(t.token(), vec![]).unwrap();
    };
    wf.respond_decision_task_completed(child_task.token(), vec![Decision::complete("child done")]).unwrap();
    let done = last_of(&wf, &parent, ChildWorkflowExecutionCompleted);
    assert_eq!(done.str_attribute("result"), Some("child done"));
    assert_eq!(done.id_attribute("initiatedEventId"), started.id_attribute("initiatedEventId"));
    assert_eq!(done.id_attribute("startedEventId"), Some(started.event_id()));
}

#[test]
fn start_child_failures_carry_swf_causes() {
    let (_c, wf) = setup();
    wf.register_workflow_type(DOMAIN, WorkflowTypeConfig::new("bare", "1")).unwrap();
    let run = start(&wf, "w");
    let cases = [
        (StartRequest::new("c", WorkflowType::new("nope", "1")), "WORKFLOW_TYPE_DOES_NOT_EXIST"),
        (StartRequest::new("c", WorkflowType::new("bare", "1")), "DEFAULT_EXECUTION_START_TO_CLOSE_TIMEOUT_UNDEFINED"),
        (
            StartRequest::new("c", WorkflowType::new("bare", "1")).execution_start_to_close_timeout(days(1)),
            "DEFAULT_TASK_LIST_UNDEFINED",
        ),
        (
            StartRequest::new("c", WorkflowType::new("bare", "1"))
                .execution_start_to_close_timeout(days(1))
                .task_list("l"),
            "DEFAULT_TASK_START_TO_CLOSE_TIMEOUT_UNDEFINED",
        ),
        (
            StartRequest::new("c", WorkflowType::new("bare", "1"))
                .execution_start_to_close_timeout(days(1))
                .task_list("l")
                .task_start_to_close_timeout(secs(10)),
            "DEFAULT_CHILD_POLICY_UNDEFINED",
        ),
        (StartRequest::new("w", approve()), "WORKFLOW_ALREADY_RUNNING"),
    ];
    for (req, cause) in cases {
        decide(&wf, vec![Decision::start_child(req)]);
        let e = last_of(&wf, &run, StartChildWorkflowExecutionFailed);
        assert_eq!(e.str_attribute("cause"), Some(cause));
    }
    wf.register_workflow_type(DOMAIN, WorkflowTypeConfig::new("old", "1")).unwrap();
    wf.deprecate_workflow_type(DOMAIN, &WorkflowType::new("old", "1")).unwrap();
    decide(&wf, vec![Decision::start_child(StartRequest::new("c", WorkflowType::new("old", "1")))]);
    assert_eq!(
        last_of(&wf, &run, StartChildWorkflowExecutionFailed).str_attribute("cause"),
        Some("WORKFLOW_TYPE_DEPRECATED")
    );
}

#[test]
fn a_close_decision_with_unhandled_events_fails_unhandled_decision() {
    let closers = [
        (Decision::complete("x"), CompleteWorkflowExecutionFailed),
        (Decision::fail("r", "d"), FailWorkflowExecutionFailed),
        (Decision::cancel("d"), CancelWorkflowExecutionFailed),
        (Decision::continue_as_new(ContinueAsNew::new()), ContinueAsNewWorkflowExecutionFailed),
    ];
    for (decision, failed) in closers {
        let (_c, wf) = setup();
        let run = start(&wf, "w");
        let task = wf.poll_for_decision_task(DOMAIN, DECIDERS).unwrap().unwrap();
        wf.signal_workflow_execution(DOMAIN, "w", "late", "").unwrap();
        wf.respond_decision_task_completed(task.token(), vec![decision]).unwrap();
        let e = last_of(&wf, &run, failed);
        assert_eq!(e.str_attribute("cause"), Some("UNHANDLED_DECISION"));
        assert_eq!(close_status(&wf, &run), None);
        assert_eq!(last(&wf, &run).event_type(), DecisionTaskScheduled);
    }
}

#[test]
fn complete_records_the_result() {
    let (_c, wf) = setup();
    let run = start(&wf, "w");
    decide(&wf, vec![Decision::complete("shipped")]);
    assert_eq!(last(&wf, &run).str_attribute("result"), Some("shipped"));
}

#[test]
fn fail_records_reason_and_details() {
    let (_c, wf) = setup();
    let run = start(&wf, "w");
    decide(&wf, vec![Decision::fail("card declined", "code 51")]);
    let e = last(&wf, &run);
    assert_eq!((e.str_attribute("reason"), e.str_attribute("details")), (Some("card declined"), Some("code 51")));
}

#[test]
fn cancel_closes_the_execution_as_canceled() {
    let (_c, wf) = setup();
    let run = start(&wf, "w");
    wf.request_cancel_workflow_execution(DOMAIN, &run).unwrap();
    decide(&wf, vec![Decision::cancel("as asked")]);
    assert_eq!(close_status(&wf, &run), Some(CloseStatus::Canceled));
}

#[test]
fn continue_as_new_starts_a_new_run_of_the_same_workflow_id() {
    let (_c, wf) = setup();
    let run = start(&wf, "w");
    decide(&wf, vec![Decision::continue_as_new(ContinueAsNew::new().input("page 2").tag("next"))]);
    let closed = last(&wf, &run);
    let new_run = closed.str_attribute("newExecutionRunId").unwrap().to_string();
    let next = WorkflowExecution::new("w", new_run);
    let first = &wf.history(DOMAIN, &next).unwrap()[0];
    assert_eq!(first.str_attribute("continuedExecutionRunId"), Some(run.run_id()));
    assert_eq!(first.str_attribute("input"), Some("page 2"));
    let open = wf.list_open_workflow_executions(DOMAIN, &ExecutionFilter::new().workflow_id("w")).unwrap();
    assert_eq!(open[0].execution(), &next);
}

#[test]
fn continue_as_new_to_a_missing_version_fails_workflow_type_does_not_exist() {
    let (_c, wf) = setup();
    let run = start(&wf, "w");
    decide(&wf, vec![Decision::continue_as_new(ContinueAsNew::new().workflow_type_version("9"))]);
    let e = last_of(&wf, &run, ContinueAsNewWorkflowExecutionFailed);
    assert_eq!(e.str_attribute("cause"), Some("WORKFLOW_TYPE_DOES_NOT_EXIST"));
    assert_eq!(close_status(&wf, &run), None);
}

#[test]
fn a_malformed_decision_rejects_the_whole_answer_and_changes_nothing() {
    let (_c, wf) = setup();
    let run = start(&wf, "w");
    let task = wf.poll_for_decision_task(DOMAIN, DECIDERS).unwrap().unwrap();
    let n = wf.history(DOMAIN, &run).unwrap().len();
    let bad = vec![Decision::start_timer("ok", secs(1)), Decision::complete("x".repeat(MAX_PAYLOAD + 1))];
    assert_eq!(wf.respond_decision_task_completed(task.token(), bad).unwrap_err().code(), "ValidationException");
    assert_eq!(wf.history(DOMAIN, &run).unwrap().len(), n);
    wf.respond_decision_task_completed(task.token(), vec![]).unwrap();
}

#[test]
fn decisions_after_a_close_decision_are_not_applied() {
    let (_c, wf) = setup();
    let run = start(&wf, "w");
    decide(&wf, vec![Decision::complete("done"), Decision::start_timer("t", secs(1))]);
    assert_eq!(last(&wf, &run).event_type(), WorkflowExecutionCompleted);
}

#[test]
fn a_continue_as_new_tag_is_held_to_the_same_limits_as_a_starts() {
    let (_c, wf) = setup();
    start(&wf, "w");
    let task = wf.poll_for_decision_task(DOMAIN, DECIDERS).unwrap().unwrap();
    let long_tag = Decision::continue_as_new(ContinueAsNew::new().tag("t".repeat(257)));
    let err = wf.respond_decision_task_completed(task.token(), vec![long_tag]).unwrap_err();
    assert_eq!(err.code(), "ValidationException");
    let ok = Decision::continue_as_new(ContinueAsNew::new().tag("t".repeat(256)));
    wf.respond_decision_task_completed(task.token(), vec![ok]).unwrap();
}
