//! Activity tasks: poll, heartbeat, complete, fail, cancel, and their four timeouts.

mod common;

use std::time::Duration;

use common::workflow::*;
use localcloud::workflow::*;
use EventType::*;

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

fn scheduled(wf: &Workflows, s: ScheduleActivityTask) -> WorkflowExecution {
    let run = start(wf, "w");
    decide(wf, vec![s.into()]);
    run
}

#[test]
fn a_worker_takes_the_task_with_its_input_and_completes_it() {
    let (c, wf) = setup();
    let run = scheduled(&wf, ScheduleActivityTask::new("a", email()).input("invoice 7"));
    let task = wf.poll_for_activity_task_as(DOMAIN, WORKERS, "worker-1").unwrap().unwrap();
    assert_eq!(task.input(), Some("invoice 7"));
    assert_eq!(task.activity_id(), "a");
    assert_eq!(task.workflow_execution(), &run);
    assert_eq!(last(&wf, &run).str_attribute("identity"), Some("worker-1"));
    assert!(wf.poll_for_activity_task(DOMAIN, WORKERS).unwrap().is_none(), "taken once");
    wf.respond_activity_task_completed(task.token(), "sent").unwrap();
    let done = last_of(&wf, &run, ActivityTaskCompleted);
    assert_eq!(done.str_attribute("result"), Some("sent"));
    assert_eq!(done.id_attribute("startedEventId"), Some(task.started_event_id()));
    assert_eq!(done.id_attribute("scheduledEventId"), Some(5));
    assert_eq!(last(&wf, &run).event_type(), DecisionTaskScheduled);
    let d = wf.describe_workflow_execution(DOMAIN, &run).unwrap();
    assert_eq!(d.latest_activity_task_timestamp(), Some(c.now()));
    assert_eq!(d.open_counts().open_activity_tasks, 0);
}

#[test]
fn a_failed_activity_records_reason_and_details() {
    let (_c, wf) = setup();
    let run = scheduled(&wf, ScheduleActivityTask::new("a", email()));
    let task = wf.poll_for_activity_task(DOMAIN, WORKERS).unwrap().unwrap();
    wf.respond_activity_task_failed(task.token(), "smtp down", "421").unwrap();
    let e = last_of(&wf, &run, ActivityTaskFailed);
    assert_eq!((e.str_attribute("reason"), e.str_attribute("details")), (Some("smtp down"), Some("421")));
}

#[test]
fn an_activity_token_answers_once() {
    let (_c, wf) = setup();
    scheduled(&wf, ScheduleActivityTask::new("a", email()));
    let task = wf.poll_for_activity_task(DOMAIN, WORKERS).unwrap().unwrap();
    wf.respond_activity_task_completed(task.token(), "").unwrap();
    assert_eq!(wf.respond_activity_task_completed(task.token(), "").unwrap_err().code(), "UnknownResourceFault");
    assert_eq!(wf.record_activity_task_heartbeat(task.token(), None).unwrap_err().code(), "UnknownResourceFault");
}

#[test]
fn an_activity_result_over_32_kb_is_rejected_and_the_task_stays_open() {
    let (_c, wf) = setup();
    scheduled(&wf, ScheduleActivityTask::new("a", email()));
    let task = wf.poll_for_activity_task(DOMAIN, WORKERS).unwrap().unwrap();
    let err = wf.respond_activity_task_completed(task.token(), "x".repeat(MAX_PAYLOAD + 1)).unwrap_err();
    assert_eq!(err.code(), "ValidationException");
    wf.respond_activity_task_completed(task.token(), "ok").unwrap();
}

#[test]
fn a_task_nobody_takes_times_out_schedule_to_start() {
    let (c, wf) = setup();
    let run = scheduled(&wf, ScheduleActivityTask::new("a", email()).schedule_to_start_timeout(secs(30)));
    c.advance(secs(30));
    let e = last_of(&wf, &run, ActivityTaskTimedOut);
    assert_eq!(e.str_attribute("timeoutType"), Some("SCHEDULE_TO_START"));
    assert!(wf.poll_for_activity_task(DOMAIN, WORKERS).unwrap().is_none());
}

#[test]
fn a_task_taken_in_time_does_not_time_out_schedule_to_start() {
    let (c, wf) = setup();
    let run = scheduled(&wf, ScheduleActivityTask::new("a", email()).schedule_to_start_timeout(secs(30)));
    let _task = wf.poll_for_activity_task(DOMAIN, WORKERS).unwrap().unwrap();
    c.advance(secs(60));
    assert!(!types(&wf, &run).contains(&ActivityTaskTimedOut));
}

#[test]
fn a_task_held_too_long_times_out_start_to_close_and_its_token_dies() {
    let (c, wf) = setup();
    let run = scheduled(&wf, ScheduleActivityTask::new("a", email()).start_to_close_timeout(secs(100)));
    let task = wf.poll_for_activity_task(DOMAIN, WORKERS).unwrap().unwrap();
    c.advance(secs(100));
    let e = last_of(&wf, &run, ActivityTaskTimedOut);
    assert_eq!(e.str_attribute("timeoutType"), Some("START_TO_CLOSE"));
    assert_eq!(e.id_attribute("startedEventId"), Some(task.started_event_id()));
    assert_eq!(wf.respond_activity_task_completed(task.token(), "late").unwrap_err().code(), "UnknownResourceFault");
}

#[test]
fn a_task_past_its_schedule_to_close_times_out_even_while_held() {
    let (c, wf) = setup();
    let run = scheduled(
        &wf,
        ScheduleActivityTask::new("a", email()).schedule_to_close_timeout(secs(50)).start_to_close_timeout(secs(300)),
    );
    c.advance(secs(20));
    let _task = wf.poll_for_activity_task(DOMAIN, WORKERS).unwrap().unwrap();
    c.advance(secs(30));
    assert_eq!(last_of(&wf, &run, ActivityTaskTimedOut).str_attribute("timeoutType"), Some("SCHEDULE_TO_CLOSE"));
}

#[test]
fn heartbeats_keep_a_task_alive_and_their_absence_times_it_out() {
    let (c, wf) = setup();
    let run = scheduled(&wf, ScheduleActivityTask::new("a", email()).heartbeat_timeout(secs(10)));
    let task = wf.poll_for_activity_task(DOMAIN, WORKERS).unwrap().unwrap();
    for i in 0..5 {
        c.advance(secs(9));
        let status = wf.record_activity_task_heartbeat(task.token(), Some(format!("{i}0%"))).unwrap();
        assert!(!status.cancel_requested);
    }
    assert!(!types(&wf, &run).contains(&ActivityTaskTimedOut));
    let t = c.now();
    c.advance(secs(15));
    let e = last_of(&wf, &run, ActivityTaskTimedOut);
    assert_eq!(e.str_attribute("timeoutType"), Some("HEARTBEAT"));
    assert_eq!(e.str_attribute("details"), Some("40%"), "the last heartbeat's details");
    assert_eq!(e.timestamp(), t + secs(10));
}

#[test]
fn a_task_with_no_timeouts_waits_forever() {
    let (c, wf) = setup();
    let run = scheduled(
        &wf,
        ScheduleActivityTask::new("a", email())
            .schedule_to_start_timeout(Timeout::Never)
            .schedule_to_close_timeout(Timeout::Never)
            .start_to_close_timeout(Timeout::Never),
    );
    c.advance(days(29));
    assert!(!types(&wf, &run).contains(&ActivityTaskTimedOut));
    assert!(wf.poll_for_activity_task(DOMAIN, WORKERS).unwrap().is_some());
}

#[test]
fn tasks_are_handed_out_per_task_list_in_schedule_order() {
    let (_c, wf) = setup();
    start(&wf, "w");
    decide(
        &wf,
        vec![
            Decision::schedule_activity("first", email(), ""),
            ScheduleActivityTask::new("elsewhere", email()).task_list("other").into(),
            Decision::schedule_activity("second", email(), ""),
        ],
    );
    let a = wf.poll_for_activity_task(DOMAIN, WORKERS).unwrap().unwrap();
    let b = wf.poll_for_activity_task(DOMAIN, WORKERS).unwrap().unwrap();
    assert_eq!((a.activity_id(), b.activity_id()), ("first", "second"));
    assert_eq!(wf.poll_for_activity_task(DOMAIN, "other").unwrap().unwrap().activity_id(), "elsewhere");
}

#[test]
fn an_activity_of_a_closed_execution_cannot_be_answered() {
    let (_c, wf) = setup();
    let run = scheduled(&wf, ScheduleActivityTask::new("a", email()));
    let task = wf.poll_for_activity_task(DOMAIN, WORKERS).unwrap().unwrap();
    wf.terminate_workflow_execution(DOMAIN, &run, None, None, None).unwrap();
    assert_eq!(wf.respond_activity_task_completed(task.token(), "").unwrap_err().code(), "UnknownResourceFault");
}
