//! Executions: starting, ids, limits, decision tasks, close statuses, the JSON shape.

mod common;

use std::time::Duration;

use common::workflow::*;
use localcloud::workflow::*;
use EventType::*;

#[test]
fn a_start_records_the_started_event_and_schedules_a_decision_task() {
    let (_c, wf) = setup();
    let run = start(&wf, "invoice-1");
    assert_eq!(run.workflow_id(), "invoice-1");
    assert_eq!(run.run_id().len(), 44);
    assert_eq!(types(&wf, &run), [WorkflowExecutionStarted, DecisionTaskScheduled]);
    let started = &wf.history(DOMAIN, &run).unwrap()[0];
    assert_eq!(started.str_attribute("input"), Some("input"));
    assert_eq!(started.str_attribute("childPolicy"), Some("TERMINATE"));
    assert_eq!(started.str_attribute("executionStartToCloseTimeout"), Some("2592000"));
}

#[test]
fn a_workflow_id_is_unique_among_open_executions_only() {
    let (_c, wf) = setup();
    let first = start(&wf, "w");
    let err = wf.start_workflow_execution(DOMAIN, "w", approve(), "").unwrap_err();
    assert_eq!(err.code(), "WorkflowExecutionAlreadyStartedFault");
    decide(&wf, vec![Decision::complete("done")]);
    let second = start(&wf, "w");
    assert_ne!(first.run_id(), second.run_id());
}

#[test]
fn inputs_over_32_kb_are_rejected_and_start_nothing() {
    let (_c, wf) = setup();
    let big = "x".repeat(MAX_PAYLOAD + 1);
    let err = wf.start_workflow_execution(DOMAIN, "w", approve(), big).unwrap_err();
    assert_eq!(err.code(), "ValidationException");
    wf.start_workflow_execution(DOMAIN, "w", approve(), "x".repeat(MAX_PAYLOAD)).unwrap();
}

#[test]
fn at_most_five_tags_are_kept_and_listed() {
    let (_c, wf) = setup();
    let six = (0..6).fold(StartRequest::new("w", approve()), |r, i| r.tag(format!("t{i}")));
    assert_eq!(wf.start(DOMAIN, six).unwrap_err().code(), "ValidationException");
    let run = wf.start(DOMAIN, StartRequest::new("w", approve()).tag("vip").tag("eu")).unwrap();
    let info = wf.describe_workflow_execution(DOMAIN, &run).unwrap();
    assert_eq!(info.info().tag_list(), ["vip", "eu"]);
}

#[test]
fn a_start_without_a_default_it_needs_is_default_undefined() {
    let (_c, wf) = setup();
    wf.register_workflow_type(DOMAIN, WorkflowTypeConfig::new("bare", "1")).unwrap();
    let err = wf.start_workflow_execution(DOMAIN, "w", WorkflowType::new("bare", "1"), "").unwrap_err();
    assert_eq!(err.code(), "DefaultUndefinedFault");
    let full = StartRequest::new("w", WorkflowType::new("bare", "1"))
        .task_list("t")
        .execution_start_to_close_timeout(days(1))
        .task_start_to_close_timeout(Timeout::Never)
        .child_policy(ChildPolicy::Abandon);
    wf.start(DOMAIN, full).unwrap();
}

#[test]
fn a_decision_task_carries_the_full_history_and_the_previous_started_event_id() {
    let (_c, wf) = setup();
    let run = start(&wf, "w");
    let first = decide(&wf, vec![Decision::start_timer("t", Duration::from_secs(10))]);
    assert_eq!(first.previous_started_event_id(), 0);
    assert_eq!(first.started_event_id(), 3);
    assert_eq!(first.events().len(), 3);
    assert_eq!(first.workflow_execution(), &run);
    wf.signal_workflow_execution(DOMAIN, "w", "go", "").unwrap();
    let second = wf.poll_for_decision_task(DOMAIN, DECIDERS).unwrap().unwrap();
    assert_eq!(second.previous_started_event_id(), 3);
    assert_eq!(second.events().len(), second.started_event_id() as usize);
    let new: Vec<_> = second.new_events().iter().map(|e| e.event_type()).collect();
    assert_eq!(
        new,
        [DecisionTaskCompleted, TimerStarted, WorkflowExecutionSignaled, DecisionTaskScheduled, DecisionTaskStarted]
    );
}

#[test]
fn at_most_one_decision_task_is_open_per_execution() {
    let (_c, wf) = setup();
    let run = start(&wf, "w");
    let task = wf.poll_for_decision_task(DOMAIN, DECIDERS).unwrap().unwrap();
    wf.signal_workflow_execution(DOMAIN, "w", "a", "").unwrap();
    wf.signal_workflow_execution(DOMAIN, "w", "b", "").unwrap();
    assert!(wf.poll_for_decision_task(DOMAIN, DECIDERS).unwrap().is_none(), "one is started already");
    assert_eq!(wf.describe_workflow_execution(DOMAIN, &run).unwrap().open_counts().open_decision_tasks, 1);
    wf.respond_decision_task_completed(task.token(), vec![]).unwrap();
    // The signals that came in meanwhile get one new task.
    assert!(wf.poll_for_decision_task(DOMAIN, DECIDERS).unwrap().is_some());
    assert!(wf.poll_for_decision_task(DOMAIN, DECIDERS).unwrap().is_none());
    let scheduled = types(&wf, &run).iter().filter(|t| **t == DecisionTaskScheduled).count();
    assert_eq!(scheduled, 2);
}

#[test]
fn polls_return_none_when_nothing_is_due() {
    let (_c, wf) = setup();
    assert!(wf.poll_for_decision_task(DOMAIN, DECIDERS).unwrap().is_none());
    assert!(wf.poll_for_activity_task(DOMAIN, WORKERS).unwrap().is_none());
    start(&wf, "w");
    assert!(wf.poll_for_decision_task(DOMAIN, "other-list").unwrap().is_none());
}

#[test]
fn a_decision_task_token_answers_once() {
    let (_c, wf) = setup();
    start(&wf, "w");
    let task = decide(&wf, vec![]);
    let err = wf.respond_decision_task_completed(task.token(), vec![]).unwrap_err();
    assert_eq!(err.code(), "UnknownResourceFault");
}

#[test]
fn a_decision_task_not_answered_in_time_times_out_and_is_scheduled_again() {
    let (c, wf) = setup();
    let run = start(&wf, "w");
    let task = wf.poll_for_decision_task(DOMAIN, DECIDERS).unwrap().unwrap();
    c.advance(Duration::from_secs(60));
    let timed_out = last_of(&wf, &run, DecisionTaskTimedOut);
    assert_eq!(timed_out.str_attribute("timeoutType"), Some("START_TO_CLOSE"));
    assert_eq!(timed_out.id_attribute("startedEventId"), Some(task.started_event_id()));
    assert_eq!(last(&wf, &run).event_type(), DecisionTaskScheduled);
    assert_eq!(wf.respond_decision_task_completed(task.token(), vec![]).unwrap_err().code(), "UnknownResourceFault");
    assert!(wf.poll_for_decision_task(DOMAIN, DECIDERS).unwrap().is_some());
}

#[test]
fn an_execution_past_its_start_to_close_timeout_times_out() {
    let (c, wf) = setup();
    let run = wf.start(DOMAIN, StartRequest::new("w", approve()).execution_start_to_close_timeout(days(7))).unwrap();
    let t0 = c.now();
    c.advance(days(8));
    let closed = last(&wf, &run);
    assert_eq!(closed.event_type(), WorkflowExecutionTimedOut);
    assert_eq!(closed.timestamp(), t0 + days(7), "recorded at its own time");
    assert_eq!(closed.str_attribute("timeoutType"), Some("START_TO_CLOSE"));
    assert_eq!(close_status(&wf, &run), Some(CloseStatus::TimedOut));
}

#[test]
fn each_close_decision_gives_its_close_status() {
    let (_c, wf) = setup();
    let cases = [
        (Decision::complete("ok"), CloseStatus::Completed, WorkflowExecutionCompleted),
        (Decision::fail("bad", "details"), CloseStatus::Failed, WorkflowExecutionFailed),
        (Decision::cancel("stop"), CloseStatus::Canceled, WorkflowExecutionCanceled),
        (Decision::continue_as_new(ContinueAsNew::new()), CloseStatus::ContinuedAsNew, WorkflowExecutionContinuedAsNew),
    ];
    for (i, (decision, status, event)) in cases.into_iter().enumerate() {
        let run = start(&wf, &format!("w{i}"));
        decide(&wf, vec![decision]);
        assert_eq!(close_status(&wf, &run), Some(status));
        assert_eq!(last(&wf, &run).event_type(), event);
        // drain the continued run's decision so the next case polls its own
        if status == CloseStatus::ContinuedAsNew {
            decide(&wf, vec![Decision::complete("")]);
        }
    }
}

#[test]
fn terminate_closes_at_once_with_terminated() {
    let (_c, wf) = setup();
    let run = start(&wf, "w");
    wf.terminate_workflow_execution(DOMAIN, &run, Some("operator"), None, None).unwrap();
    assert_eq!(close_status(&wf, &run), Some(CloseStatus::Terminated));
    let e = last(&wf, &run);
    assert_eq!(e.event_type(), WorkflowExecutionTerminated);
    assert_eq!(e.str_attribute("reason"), Some("operator"));
    assert!(wf.poll_for_decision_task(DOMAIN, DECIDERS).unwrap().is_none(), "the scheduled task died with it");
}

#[test]
fn a_closed_execution_accepts_nothing() {
    let (_c, wf) = setup();
    let run = start(&wf, "w");
    decide(&wf, vec![Decision::complete("done")]);
    let n = wf.history(DOMAIN, &run).unwrap().len();
    let by_run = WorkflowExecution::new("w", run.run_id());
    assert_eq!(wf.signal_run(DOMAIN, &by_run, "s", "").unwrap_err().code(), "UnknownResourceFault");
    assert_eq!(
        wf.terminate_workflow_execution(DOMAIN, &run, None, None, None).unwrap_err().code(),
        "UnknownResourceFault"
    );
    assert_eq!(wf.request_cancel_workflow_execution(DOMAIN, &run).unwrap_err().code(), "UnknownResourceFault");
    assert_eq!(wf.history(DOMAIN, &run).unwrap().len(), n);
}

#[test]
fn the_history_stops_at_25000_events_by_terminating() {
    let (_c, wf) = setup();
    let run = start(&wf, "w");
    let mut n = 2;
    while wf.signal_workflow_execution(DOMAIN, "w", "tick", "").is_ok() {
        n += 1;
        assert!(n <= MAX_HISTORY_EVENTS);
    }
    let history = wf.history(DOMAIN, &run).unwrap();
    assert_eq!(history.len(), MAX_HISTORY_EVENTS);
    let e = history.last().unwrap();
    assert_eq!(e.event_type(), WorkflowExecutionTerminated);
    assert_eq!(e.str_attribute("cause"), Some("EVENT_LIMIT_EXCEEDED"));
    assert_eq!(close_status(&wf, &run), Some(CloseStatus::Terminated));
}

#[test]
fn event_ids_grow_by_one_and_json_uses_swf_attribute_names() {
    let (_c, wf) = setup();
    let run = start(&wf, "w");
    decide(&wf, vec![Decision::schedule_activity("a1", email(), "x")]);
    let history = wf.history(DOMAIN, &run).unwrap();
    for (i, e) in history.iter().enumerate() {
        assert_eq!(e.event_id(), i as i64 + 1);
    }
    let json = history[4].to_json();
    assert_eq!(json["eventType"], "ActivityTaskScheduled");
    assert_eq!(json["eventId"], 5);
    let a = &json["activityTaskScheduledEventAttributes"];
    assert_eq!(a["activityId"], "a1");
    assert_eq!(a["activityType"]["name"], "email");
    assert_eq!(a["taskList"]["name"], WORKERS);
    assert_eq!(a["scheduleToStartTimeout"], "300");
    assert_eq!(a["heartbeatTimeout"], "NONE");
    assert_eq!(a["decisionTaskCompletedEventId"], 4);
    assert!(json["eventTimestamp"].is_f64());
}

#[test]
fn the_journal_records_each_event_under_swf() {
    let c = localcloud::Cloud::builder().manual_clock().seed(1).journal(true).build();
    let wf = c.workflows();
    wf.register_domain("d", days(1)).unwrap();
    wf.register_workflow_type(
        "d",
        WorkflowTypeConfig::new("a", "1")
            .default_task_list("t")
            .default_execution_start_to_close_timeout(days(1))
            .default_task_start_to_close_timeout(Timeout::Never)
            .default_child_policy(ChildPolicy::Abandon),
    )
    .unwrap();
    wf.start_workflow_execution("d", "w", WorkflowType::new("a", "1"), "").unwrap();
    let entries = c.journal().for_service("swf");
    let actions: Vec<_> = entries.iter().map(|e| e.action()).collect();
    assert_eq!(actions, ["WorkflowExecutionStarted", "DecisionTaskScheduled"]);
    assert_eq!(entries[0].resource(), "d");
}

#[test]
fn same_seed_gives_the_same_run_ids() {
    let (_a, wa) = setup();
    let (_b, wb) = setup();
    assert_eq!(start(&wa, "w"), start(&wb, "w"));
}

#[test]
fn a_domain_holds_at_most_100000_open_executions() {
    let (_c, wf) = setup();
    for i in 0..MAX_OPEN_EXECUTIONS {
        wf.start_workflow_execution(DOMAIN, &format!("w{i}"), approve(), "").unwrap();
    }
    let err = wf.start_workflow_execution(DOMAIN, "one-more", approve(), "").unwrap_err();
    assert_eq!(err.code(), "LimitExceededFault");
    let first = wf.list_open_workflow_executions(DOMAIN, &ExecutionFilter::new().workflow_id("w0")).unwrap();
    wf.terminate_workflow_execution(DOMAIN, first[0].execution(), None, None, None).unwrap();
    wf.start_workflow_execution(DOMAIN, "one-more", approve(), "").unwrap();
}

#[test]
fn the_same_seed_and_program_give_the_same_histories_byte_for_byte() {
    let run = || {
        let (c, wf) = setup();
        let run = start(&wf, "w");
        decide(
            &wf,
            vec![Decision::schedule_activity("a", email(), "x"), Decision::start_timer("t", Duration::from_secs(5))],
        );
        c.advance(Duration::from_secs(5));
        let task = wf.poll_for_activity_task(DOMAIN, WORKERS).unwrap().unwrap();
        wf.respond_activity_task_completed(task.token(), "done").unwrap();
        let h: Vec<String> = wf.history(DOMAIN, &run).unwrap().iter().map(|e| e.to_json().to_string()).collect();
        (run, h)
    };
    assert_eq!(run(), run());
}
