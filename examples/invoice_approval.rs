//! The seed's workflow: an invoice is made and emailed, then the workflow waits —
//! for days — until the customer clicks "approve" or "reject" in the email, with a
//! 7-day timer as the fallback. Approve dispatches the product; reject cancels the
//! order; no answer sends a reminder.
//!
//! Three invoices run side by side on a virtual clock: one approved after 2 days,
//! one rejected after 3, one never answered (its timer fires on day 7). The decider
//! and the workers are plain functions, driven by a small poll loop. Each history is
//! printed, and one event in SWF's JSON shape.
//!
//! Run with `cargo run --example invoice_approval`.

use std::time::Duration;

use localcloud::workflow::*;
use localcloud::Cloud;

const DOMAIN: &str = "billing";
const DAY: Duration = Duration::from_secs(86_400);

fn activity(name: &str) -> ActivityType {
    ActivityType::new(name, "1")
}

/// The name of the activity whose `ActivityTaskScheduled` event has this id.
fn activity_name(task: &DecisionTask, scheduled: Option<i64>) -> String {
    let scheduled = scheduled.unwrap_or(0);
    let e = &task.events()[usize::try_from(scheduled - 1).unwrap_or(0)];
    e.attributes()["activityType"]["name"].as_str().unwrap_or("").to_string()
}

/// The decider: looks at what happened since its last answer and says what next.
fn decide(task: &DecisionTask) -> Vec<Decision> {
    let mut out = Vec::new();
    for e in task.new_events() {
        match e.event_type() {
            EventType::WorkflowExecutionStarted => {
                let order = e.str_attribute("input").unwrap_or("").to_string();
                out.push(Decision::schedule_activity("create-invoice", activity("CreateInvoice"), order));
            }
            EventType::ActivityTaskCompleted => {
                let result = e.str_attribute("result").unwrap_or("").to_string();
                match activity_name(task, e.id_attribute("scheduledEventId")).as_str() {
                    "CreateInvoice" => {
                        out.push(Decision::schedule_activity("email-invoice", activity("EmailInvoice"), result))
                    }
                    "EmailInvoice" => out.push(Decision::start_timer("await-answer", 7 * DAY)),
                    "DispatchProduct" => out.push(Decision::complete(result)),
                    "CancelOrder" => out.push(Decision::cancel(result)),
                    "SendReminder" => out.push(Decision::complete(result)),
                    _ => {}
                }
            }
            EventType::WorkflowExecutionSignaled => {
                out.push(Decision::cancel_timer("await-answer"));
                match e.str_attribute("signalName") {
                    Some("approved") => {
                        out.push(Decision::schedule_activity("dispatch", activity("DispatchProduct"), ""))
                    }
                    _ => out.push(Decision::schedule_activity("cancel-order", activity("CancelOrder"), "")),
                }
            }
            EventType::TimerFired => {
                out.push(Decision::record_marker("no-answer", "7 days without a click"));
                out.push(Decision::schedule_activity("reminder", activity("SendReminder"), ""));
            }
            _ => {}
        }
    }
    out
}

/// The workers: one function per activity type.
fn work(task: &ActivityTask) -> String {
    let order = task.workflow_execution().workflow_id().to_string();
    match task.activity_type().name() {
        "CreateInvoice" => format!("{order}.pdf"),
        "EmailInvoice" => format!("emailed {} with approve/reject links", task.input().unwrap_or("")),
        "DispatchProduct" => format!("{order} dispatched"),
        "CancelOrder" => format!("{order} canceled"),
        "SendReminder" => format!("reminder sent for {order}"),
        _ => String::new(),
    }
}

/// Runs deciders and workers until nothing is due.
fn pump(wf: &Workflows) -> Result<(), WorkflowError> {
    loop {
        let mut busy = false;
        while let Some(task) = wf.poll_for_decision_task_as(DOMAIN, "deciders", "decider-1")? {
            wf.respond_decision_task_completed(task.token(), decide(&task))?;
            busy = true;
        }
        while let Some(task) = wf.poll_for_activity_task_as(DOMAIN, "workers", "worker-1")? {
            wf.respond_activity_task_completed(task.token(), work(&task))?;
            busy = true;
        }
        if !busy {
            return Ok(());
        }
    }
}

/// Lets `d` of virtual time pass, with the deciders and workers polling every hour.
fn wait(cloud: &Cloud, wf: &Workflows, d: Duration) -> Result<(), WorkflowError> {
    let hour = Duration::from_secs(3600);
    for _ in 0..d.as_secs() / 3600 {
        cloud.advance(hour);
        pump(wf)?;
    }
    Ok(())
}

fn print_history(wf: &Workflows, run: &WorkflowExecution, t0: localcloud::Timestamp) -> Result<(), WorkflowError> {
    println!("\nhistory of {}", run.workflow_id());
    for e in wf.history(DOMAIN, run)? {
        let at = e.timestamp().saturating_duration_since(t0).as_secs();
        let detail = ["signalName", "timerId", "activityId", "markerName", "result", "details"]
            .iter()
            .find_map(|k| e.str_attribute(k).map(|v| format!("{k}={v}")))
            .unwrap_or_default();
        println!(
            "  {:>3}  day {:>1} {:>5}s  {:<34} {detail}",
            e.event_id(),
            at / 86_400,
            at % 86_400,
            e.event_type().as_str()
        );
    }
    Ok(())
}

fn main() -> Result<(), WorkflowError> {
    let cloud = Cloud::builder().manual_clock().seed(42).build();
    let wf = cloud.workflows();
    wf.register_domain(DOMAIN, 30 * DAY)?;
    wf.register_workflow_type(
        DOMAIN,
        WorkflowTypeConfig::new("InvoiceApproval", "1")
            .default_task_list("deciders")
            .default_execution_start_to_close_timeout(30 * DAY)
            .default_task_start_to_close_timeout(Duration::from_secs(60))
            .default_child_policy(ChildPolicy::Terminate),
    )?;
    for name in ["CreateInvoice", "EmailInvoice", "DispatchProduct", "CancelOrder", "SendReminder"] {
        wf.register_activity_type(
            DOMAIN,
            ActivityTypeConfig::new(name, "1")
                .default_task_list("workers")
                .default_schedule_to_start_timeout(Duration::from_secs(3600))
                .default_schedule_to_close_timeout(Duration::from_secs(7200))
                .default_start_to_close_timeout(Duration::from_secs(300))
                .default_heartbeat_timeout(Timeout::Never),
        )?;
    }

    let t0 = cloud.now();
    let ty = WorkflowType::new("InvoiceApproval", "1");
    let runs: Vec<WorkflowExecution> = ["invoice-1", "invoice-2", "invoice-3"]
        .iter()
        .map(|id| wf.start_workflow_execution(DOMAIN, id, ty.clone(), format!("order for {id}")))
        .collect::<Result<_, _>>()?;
    pump(&wf)?; // invoices made and emailed; every run now waits on its timer

    wait(&cloud, &wf, 2 * DAY)?;
    wf.signal_workflow_execution(DOMAIN, "invoice-1", "approved", "clicked by the customer")?;
    pump(&wf)?;

    wait(&cloud, &wf, DAY)?;
    wf.signal_workflow_execution(DOMAIN, "invoice-2", "rejected", "clicked by the customer")?;
    pump(&wf)?;

    wait(&cloud, &wf, 5 * DAY)?; // day 8: invoice-3's 7-day timer fired on day 7

    for run in &runs {
        print_history(&wf, run, t0)?;
        let detail = wf.describe_workflow_execution(DOMAIN, run)?;
        println!("  => {:?}", detail.info().close_status());
    }
    let statuses: Vec<_> = runs
        .iter()
        .map(|r| wf.describe_workflow_execution(DOMAIN, r).map(|d| d.info().close_status()))
        .collect::<Result<_, _>>()?;
    assert_eq!(statuses, [Some(CloseStatus::Completed), Some(CloseStatus::Canceled), Some(CloseStatus::Completed)]);

    let fired = wf.history(DOMAIN, &runs[2])?.into_iter().find(|e| e.event_type() == EventType::TimerFired);
    if let Some(e) = fired {
        println!("\nthe reminder's timer, as SWF's JSON:\n{}", e.to_json());
    }
    Ok(())
}
