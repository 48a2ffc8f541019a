//! Deciders and activity workers that are functions, driven by pollers on the
//! scheduler: the invoice approval runs end to end on `cloud.advance`.

mod common;

use std::time::Duration;

use common::workflow::*;
use localcloud::function::Function;
use localcloud::workflow::*;
use localcloud::{Cloud, FunctionConfig, HandlerError};
use serde_json::{json, Value};

fn decision(ty: &str, attrs: Value) -> Value {
    let mut key = ty.to_owned();
    key[..1].make_ascii_lowercase();
    json!({"decisionType": ty, format!("{key}DecisionAttributes"): attrs})
}

/// The invoice decider: emails the invoice and waits 7 days for "approved" or
/// "rejected"; with no answer it closes with a reminder.
fn invoice_decider(cloud: &Cloud) -> Function {
    cloud
        .functions()
        .create_function_json("invoice-decider", FunctionConfig::default(), |_, task: Value| {
            let events = task["events"].as_array().cloned().unwrap_or_default();
            let from = task["previousStartedEventId"].as_u64().unwrap_or(0) as usize;
            let mut decisions = Vec::new();
            for e in &events[from.min(events.len())..] {
                match e["eventType"].as_str().unwrap_or_default() {
                    "WorkflowExecutionStarted" => {
                        let invoice = e["workflowExecutionStartedEventAttributes"]["input"].clone();
                        decisions.push(decision(
                            "ScheduleActivityTask",
                            json!({"activityId": "email", "activityType": {"name": "email", "version": "1"},
                                   "input": invoice}),
                        ));
                        decisions.push(decision(
                            "StartTimer",
                            json!({"timerId": "reminder", "startToFireTimeout": (7 * 86_400).to_string()}),
                        ));
                    }
                    "WorkflowExecutionSignaled" => {
                        let name = e["workflowExecutionSignaledEventAttributes"]["signalName"].as_str();
                        let result = if name == Some("approved") { "dispatched" } else { "order canceled" };
                        decisions.push(decision("CancelTimer", json!({"timerId": "reminder"})));
                        decisions.push(decision("CompleteWorkflowExecution", json!({"result": result})));
                    }
                    "TimerFired" => {
                        decisions.push(decision("CompleteWorkflowExecution", json!({"result": "reminder"})))
                    }
                    _ => {}
                }
            }
            Ok(json!({ "decisions": decisions }))
        })
        .unwrap()
}

/// The emailer: answers with what it sent.
fn emailer(cloud: &Cloud) -> Function {
    cloud
        .functions()
        .create_function_json("emailer", FunctionConfig::default(), |_, task: Value| {
            Ok(format!("emailed invoice {}", task["input"].as_str().unwrap_or("?")))
        })
        .unwrap()
}

fn attach_both(cloud: &Cloud, wf: &Workflows) -> (Poller, Poller) {
    let d = wf.attach_decider(DOMAIN, DECIDERS, &invoice_decider(cloud)).unwrap();
    let w = wf.attach_activity_worker(DOMAIN, WORKERS, &emailer(cloud)).unwrap();
    (d, w)
}

fn result(wf: &Workflows, run: &WorkflowExecution) -> Option<String> {
    let closed = last(wf, run);
    assert_eq!(closed.event_type(), EventType::WorkflowExecutionCompleted);
    closed.str_attribute("result").map(str::to_owned)
}

#[test]
fn an_approved_invoice_runs_end_to_end_with_function_decider_and_worker() {
    // given function pollers on both task lists and an invoice run
    let (cloud, wf) = setup();
    let (decider, worker) = attach_both(&cloud, &wf);
    let run = wf.start_workflow_execution(DOMAIN, "invoice-1", approve(), "42").unwrap();
    // when the clock runs, and the customer approves two days later
    cloud.advance(Duration::from_secs(5));
    let emailed = last_of(&wf, &run, EventType::ActivityTaskCompleted);
    assert_eq!(emailed.str_attribute("result"), Some("\"emailed invoice 42\""));
    cloud.advance(days(2));
    wf.signal_workflow_execution(DOMAIN, "invoice-1", "approved", "").unwrap();
    cloud.advance(Duration::from_secs(1));
    // then the run completed as dispatched, every task answered by the functions
    assert_eq!(close_status(&wf, &run), Some(CloseStatus::Completed));
    assert_eq!(result(&wf, &run).as_deref(), Some("dispatched"));
    let started = last_of(&wf, &run, EventType::DecisionTaskStarted);
    assert_eq!(started.str_attribute("identity"), Some("lambda:invoice-decider"));
    let d = decider.stats();
    assert_eq!((d.tasks, d.completed, d.abandoned), (3, 3, 0));
    assert_eq!(worker.stats(), PollerStats { tasks: 1, completed: 1, ..PollerStats::default() });
}

#[test]
fn an_unanswered_invoice_times_out_to_a_reminder() {
    let (cloud, wf) = setup();
    attach_both(&cloud, &wf);
    let run = wf.start_workflow_execution(DOMAIN, "invoice-2", approve(), "43").unwrap();
    cloud.advance(days(7) + Duration::from_secs(2));
    assert_eq!(result(&wf, &run).as_deref(), Some("reminder"));
    assert!(types(&wf, &run).contains(&EventType::TimerFired));
}

#[test]
fn a_rejected_invoice_is_canceled() {
    let (cloud, wf) = setup();
    attach_both(&cloud, &wf);
    let run = wf.start_workflow_execution(DOMAIN, "invoice-3", approve(), "44").unwrap();
    cloud.advance(Duration::from_secs(5));
    wf.signal_workflow_execution(DOMAIN, "invoice-3", "rejected", "").unwrap();
    cloud.advance(Duration::from_secs(1));
    assert_eq!(result(&wf, &run).as_deref(), Some("order canceled"));
    assert!(types(&wf, &run).contains(&EventType::TimerCanceled));
}

#[test]
fn an_activity_function_error_fails_the_activity_task_with_its_error_type() {
    let (cloud, wf) = setup();
    wf.attach_decider(DOMAIN, DECIDERS, &invoice_decider(&cloud)).unwrap();
    let broken = cloud
        .functions()
        .create_function("emailer", FunctionConfig::default(), |_, _| {
            Err(HandlerError::new("SmtpDown", "no mail today"))
        })
        .unwrap();
    let worker = wf.attach_activity_worker(DOMAIN, WORKERS, &broken).unwrap();
    let run = wf.start_workflow_execution(DOMAIN, "invoice-4", approve(), "45").unwrap();
    cloud.advance(Duration::from_secs(5));
    let failed = last_of(&wf, &run, EventType::ActivityTaskFailed);
    assert_eq!(failed.str_attribute("reason"), Some("SmtpDown"));
    assert!(failed.str_attribute("details").is_some_and(|d| d.contains("no mail today")));
    assert_eq!((worker.stats().tasks, worker.stats().failed), (1, 1));
}

#[test]
fn a_decider_answer_that_cannot_be_read_leaves_the_task_to_time_out() {
    // given a decider function that answers nonsense
    let (cloud, wf) = setup();
    let rt = cloud.functions();
    let f = rt.create_function("decider", FunctionConfig::default(), |_, _| Ok("not json".into())).unwrap();
    let poller = wf.attach_decider(DOMAIN, DECIDERS, &f).unwrap();
    let run = wf.start_workflow_execution(DOMAIN, "invoice-5", approve(), "46").unwrap();
    // when the decision task's 60 s start-to-close passes
    cloud.advance(Duration::from_secs(61));
    // then it timed out and was scheduled again, as when a decider process dies
    assert!(types(&wf, &run).contains(&EventType::DecisionTaskTimedOut));
    let stats = poller.stats();
    assert!(stats.abandoned >= 1);
    assert!(stats.last_error.as_deref().is_some_and(|e| e.contains("not JSON")), "{stats:?}");
    // and once the function is fixed, the next decision task is answered
    rt.update_function_code("decider", |_, _| {
        Ok(r#"{"decisions":[{"decisionType":"CompleteWorkflowExecution"}]}"#.into())
    })
    .unwrap();
    cloud.advance(Duration::from_secs(61));
    assert_eq!(close_status(&wf, &run), Some(CloseStatus::Completed));
}

#[test]
fn a_stopped_poller_takes_no_more_tasks() {
    let (cloud, wf) = setup();
    let (decider, worker) = attach_both(&cloud, &wf);
    decider.stop();
    worker.stop();
    assert!(!decider.is_running());
    let run = wf.start_workflow_execution(DOMAIN, "invoice-6", approve(), "47").unwrap();
    cloud.advance(Duration::from_secs(30));
    assert_eq!(types(&wf, &run), [EventType::WorkflowExecutionStarted, EventType::DecisionTaskScheduled]);
    assert_eq!(decider.stats().tasks, 0);
}

#[test]
fn attaching_to_an_unknown_domain_or_a_bad_task_list_is_refused() {
    let (cloud, wf) = setup();
    let f = emailer(&cloud);
    assert_eq!(wf.attach_decider("nowhere", DECIDERS, &f).unwrap_err().code(), "UnknownResourceFault");
    assert_eq!(wf.attach_activity_worker(DOMAIN, "", &f).unwrap_err().code(), "ValidationException");
}
