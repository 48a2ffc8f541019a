//! Long polls: wait up to 60 s of clock time, wake on new work, a fired timer, or a
//! clock past the deadline.

mod common;

use std::thread;
use std::time::Duration;

use common::workflow::*;
use localcloud::workflow::*;

fn park_until_waiting(wf: &Workflows) {
    while wf.waiting_polls() == 0 {
        thread::yield_now();
    }
}

#[test]
fn a_long_poll_returns_at_once_when_a_task_is_due() {
    let (_c, wf) = setup();
    start(&wf, "w");
    let task = wf.poll_for_decision_task_wait(DOMAIN, DECIDERS, Duration::from_secs(60)).unwrap();
    assert!(task.is_some());
}

#[test]
fn a_long_poll_wakes_when_another_thread_starts_an_execution() {
    let (_c, wf) = setup();
    let poller = {
        let wf = wf.clone();
        thread::spawn(move || wf.poll_for_decision_task_wait(DOMAIN, DECIDERS, Duration::from_secs(60)).unwrap())
    };
    park_until_waiting(&wf);
    start(&wf, "w");
    let task = poller.join().unwrap().expect("woken by the start");
    assert_eq!(task.workflow_execution().workflow_id(), "w");
}

#[test]
fn a_long_poll_returns_none_when_the_clock_passes_its_wait() {
    let (c, wf) = setup();
    let poller = {
        let wf = wf.clone();
        thread::spawn(move || wf.poll_for_activity_task_wait(DOMAIN, WORKERS, Duration::from_secs(20)).unwrap())
    };
    park_until_waiting(&wf);
    c.advance(Duration::from_secs(20));
    assert!(poller.join().unwrap().is_none());
}

#[test]
fn a_long_poll_wakes_when_a_timer_fires_on_the_clock() {
    let (c, wf) = setup();
    start(&wf, "w");
    decide(&wf, vec![Decision::start_timer("t", Duration::from_secs(10))]);
    let poller = {
        let wf = wf.clone();
        thread::spawn(move || wf.poll_for_decision_task_wait(DOMAIN, DECIDERS, Duration::from_secs(60)).unwrap())
    };
    park_until_waiting(&wf);
    c.advance(Duration::from_secs(10));
    let task = poller.join().unwrap().expect("the fired timer asks for a decision");
    assert!(task.new_events().iter().any(|e| e.event_type() == EventType::TimerFired));
}

#[test]
fn a_long_poll_waits_at_most_sixty_seconds() {
    let (_c, wf) = setup();
    let err = wf.poll_for_decision_task_wait(DOMAIN, DECIDERS, Duration::from_secs(61)).unwrap_err();
    assert_eq!(err.code(), "ValidationException");
}
