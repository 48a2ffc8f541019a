//! List, count and describe executions; read histories a page at a time; retention.

mod common;

use std::time::Duration;

use common::workflow::*;
use localcloud::workflow::*;

fn ids(list: &[ExecutionInfo]) -> Vec<&str> {
    list.iter().map(|i| i.execution().workflow_id()).collect()
}

#[test]
fn open_and_closed_executions_list_apart_newest_first() {
    let (c, wf) = setup();
    start(&wf, "a");
    c.advance(Duration::from_secs(1));
    start(&wf, "b");
    c.advance(Duration::from_secs(1));
    start(&wf, "c");
    let b = wf.list_open_workflow_executions(DOMAIN, &ExecutionFilter::new().workflow_id("b")).unwrap();
    wf.terminate_workflow_execution(DOMAIN, b[0].execution(), None, None, None).unwrap();
    let open = wf.list_open_workflow_executions(DOMAIN, &ExecutionFilter::new()).unwrap();
    assert_eq!(ids(&open), ["c", "a"]);
    let oldest_first = wf.list_open_workflow_executions(DOMAIN, &ExecutionFilter::new().reverse_order(true)).unwrap();
    assert_eq!(ids(&oldest_first), ["a", "c"]);
    let closed = wf.list_closed_workflow_executions(DOMAIN, &ExecutionFilter::new()).unwrap();
    assert_eq!(ids(&closed), ["b"]);
    assert_eq!(closed[0].close_status(), Some(CloseStatus::Terminated));
    assert_eq!(closed[0].execution_status(), ExecutionStatus::Closed);
    assert_eq!(wf.count_open_workflow_executions(DOMAIN, &ExecutionFilter::new()).unwrap().count, 2);
    assert_eq!(wf.count_closed_workflow_executions(DOMAIN, &ExecutionFilter::new()).unwrap().count, 1);
}

#[test]
fn filters_select_by_time_type_tag_and_close_status() {
    let (c, wf) = setup();
    let t0 = c.now();
    wf.start(DOMAIN, StartRequest::new("tagged", approve()).tag("vip")).unwrap();
    c.advance(Duration::from_secs(10));
    start(&wf, "later");
    wf.register_workflow_type(
        DOMAIN,
        WorkflowTypeConfig::new("refund", "1")
            .default_task_list("other")
            .default_execution_start_to_close_timeout(days(1))
            .default_task_start_to_close_timeout(Timeout::Never)
            .default_child_policy(ChildPolicy::Abandon),
    )
    .unwrap();
    wf.start_workflow_execution(DOMAIN, "refund-1", WorkflowType::new("refund", "1"), "").unwrap();
    let f = |f: ExecutionFilter| {
        ids(&wf.list_open_workflow_executions(DOMAIN, &f).unwrap()).iter().map(|s| s.to_string()).collect::<Vec<_>>()
    };
    assert_eq!(f(ExecutionFilter::new().tag("vip")), ["tagged"]);
    assert_eq!(f(ExecutionFilter::new().start_time(t0, t0)), ["tagged"]);
    assert_eq!(f(ExecutionFilter::new().type_filter("refund", None)), ["refund-1"]);
    assert_eq!(f(ExecutionFilter::new().type_filter("approve", Some("1"))), ["later", "tagged"]);
    decide(&wf, vec![Decision::complete("")]);
    let completed = wf
        .count_closed_workflow_executions(DOMAIN, &ExecutionFilter::new().close_status(CloseStatus::Completed))
        .unwrap();
    assert_eq!(completed.count, 1);
    let failed =
        wf.count_closed_workflow_executions(DOMAIN, &ExecutionFilter::new().close_status(CloseStatus::Failed)).unwrap();
    assert_eq!(failed.count, 0);
    let by_close = ExecutionFilter::new().close_time(c.now(), c.now());
    assert_eq!(wf.count_closed_workflow_executions(DOMAIN, &by_close).unwrap().count, 1);
}

#[test]
fn exclusive_filters_together_are_a_validation_error() {
    let (_c, wf) = setup();
    let both = ExecutionFilter::new().tag("a").workflow_id("b");
    assert_eq!(wf.list_open_workflow_executions(DOMAIN, &both).unwrap_err().code(), "ValidationException");
    let status_on_open = ExecutionFilter::new().close_status(CloseStatus::Completed);
    assert_eq!(wf.count_open_workflow_executions(DOMAIN, &status_on_open).unwrap_err().code(), "ValidationException");
    assert_eq!(
        wf.list_open_workflow_executions("nowhere", &ExecutionFilter::new()).unwrap_err().code(),
        "UnknownResourceFault"
    );
}

#[test]
fn describe_reports_configuration_and_open_counts() {
    let (_c, wf) = setup();
    let run = start(&wf, "w");
    let task = wf.poll_for_decision_task(DOMAIN, DECIDERS).unwrap().unwrap();
    wf.respond_decision_task_completed_with_context(
        task.token(),
        vec![Decision::schedule_activity("a", email(), ""), Decision::start_timer("t", Duration::from_secs(9))],
        Some("ctx-1".into()),
    )
    .unwrap();
    let d = wf.describe_workflow_execution(DOMAIN, &run).unwrap();
    assert_eq!(d.task_list(), DECIDERS);
    assert_eq!(d.execution_start_to_close_timeout(), days(30));
    assert_eq!(d.task_start_to_close_timeout(), Timeout::After(Duration::from_secs(60)));
    assert_eq!(d.child_policy(), ChildPolicy::Terminate);
    assert_eq!(
        d.open_counts(),
        OpenCounts {
            open_activity_tasks: 1,
            open_decision_tasks: 0,
            open_timers: 1,
            open_child_workflow_executions: 0
        }
    );
    assert_eq!(d.latest_execution_context(), Some("ctx-1"));
    assert_eq!(d.info().execution_status(), ExecutionStatus::Open);
}

#[test]
fn a_history_reads_a_page_at_a_time_both_ways() {
    let (_c, wf) = setup();
    let run = start(&wf, "w");
    for i in 0..5 {
        wf.signal_workflow_execution(DOMAIN, "w", &format!("s{i}"), "").unwrap();
    }
    let all = wf.history(DOMAIN, &run).unwrap();
    assert_eq!(all.len(), 7);
    let mut read = Vec::new();
    let mut q = HistoryQuery::new().maximum_page_size(3);
    loop {
        let page = wf.get_workflow_execution_history(DOMAIN, &run, &q).unwrap();
        assert!(page.events().len() <= 3);
        read.extend_from_slice(page.events());
        match page.next_page_token() {
            Some(t) => q = HistoryQuery::new().maximum_page_size(3).next_page_token(t),
            None => break,
        }
    }
    assert_eq!(read, all);
    let newest = wf
        .get_workflow_execution_history(DOMAIN, &run, &HistoryQuery::new().maximum_page_size(1).reverse_order(true))
        .unwrap();
    assert_eq!(newest.events()[0].event_id(), 7);
    let bad = HistoryQuery::new().maximum_page_size(1001);
    assert_eq!(wf.get_workflow_execution_history(DOMAIN, &run, &bad).unwrap_err().code(), "ValidationException");
    let bad = HistoryQuery::new().next_page_token("garbage");
    assert_eq!(wf.get_workflow_execution_history(DOMAIN, &run, &bad).unwrap_err().code(), "ValidationException");
}

#[test]
fn closed_executions_are_forgotten_after_the_domain_retention() {
    let (c, wf) = setup();
    let run = start(&wf, "w");
    decide(&wf, vec![Decision::complete("")]);
    c.advance(days(1));
    assert!(wf.history(DOMAIN, &run).is_ok(), "still within the one-day retention");
    c.advance(Duration::from_secs(1));
    assert_eq!(wf.history(DOMAIN, &run).unwrap_err().code(), "UnknownResourceFault");
    assert_eq!(wf.count_closed_workflow_executions(DOMAIN, &ExecutionFilter::new()).unwrap().count, 0);
}

#[test]
fn domain_metrics_count_closes_and_activity_outcomes_with_swf_names() {
    let (c, wf) = setup();
    start(&wf, "w");
    decide(&wf, vec![Decision::schedule_activity("a", email(), ""), Decision::schedule_activity("b", email(), "")]);
    let a = wf.poll_for_activity_task(DOMAIN, WORKERS).unwrap().unwrap();
    wf.respond_activity_task_completed(a.token(), "").unwrap();
    c.advance(Duration::from_secs(300)); // "b" was never taken
    decide(&wf, vec![Decision::complete("")]);
    let m = |name: &str| c.metrics().value(NAMESPACE, DOMAIN, name);
    assert_eq!(m("WorkflowsStarted"), Some(1.0));
    assert_eq!(m("WorkflowsCompleted"), Some(1.0));
    assert_eq!(m("ActivityTasksCompleted"), Some(1.0));
    assert_eq!(m("ScheduledActivityTasksTimedOutOnStart"), Some(1.0));
    assert_eq!(m("DecisionTasksCompleted"), Some(2.0));
}
