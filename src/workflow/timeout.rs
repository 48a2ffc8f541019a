//! Timers and timeouts on the clock. Nothing is scheduled: every deadline sits in
//! one ordered map, and each call (and each move of the clock) first settles the
//! deadlines that have passed, in time order, each recorded at its own time. A
//! deadline whose subject has moved on (completed, canceled, restarted) is skipped.

use serde_json::json;

use super::execution::{CloseStatus, DecisionState, State};
use super::history::EventType;
use crate::clock::Timestamp;

/// Something that happens at a time unless its subject moved on first.
#[derive(Clone, Debug)]
pub(crate) enum Deadline {
    Execution { exec: usize },
    Decision { exec: usize, started: i64 },
    ScheduleToStart { exec: usize, activity_id: String, scheduled: i64 },
    ScheduleToClose { exec: usize, activity_id: String, scheduled: i64 },
    StartToClose { exec: usize, activity_id: String, started: i64 },
    Heartbeat { exec: usize, activity_id: String, started: i64 },
    Timer { exec: usize, timer_id: String, started: i64 },
}

impl State {
    /// Settles every deadline due at or before `now`, in time order.
    pub(crate) fn sweep(&mut self, now: Timestamp) {
        while let Some(entry) = self.deadlines.first_entry() {
            let (at, _) = *entry.key();
            if at > now {
                break;
            }
            let d = entry.remove();
            self.fire(at, d);
        }
    }

    fn fire(&mut self, at: Timestamp, d: Deadline) {
        match d {
            Deadline::Execution { exec } => {
                if self.execs[exec].is_open() {
                    let policy = self.execs[exec].spec.child_policy.as_str();
                    self.close(
                        exec,
                        at,
                        CloseStatus::TimedOut,
                        EventType::WorkflowExecutionTimedOut,
                        json!({"timeoutType": "START_TO_CLOSE", "childPolicy": policy}),
                    );
                }
            }
            Deadline::Decision { exec, started } => {
                let e = &mut self.execs[exec];
                let (scheduled, token) = match &e.decision {
                    DecisionState::Started { scheduled, started: s, token } if *s == started && e.closed.is_none() => {
                        (*scheduled, token.clone())
                    }
                    _ => return,
                };
                e.decision = DecisionState::Idle;
                e.decision_again = false;
                self.tokens.remove(&token);
                self.record(
                    exec,
                    at,
                    EventType::DecisionTaskTimedOut,
                    json!({"timeoutType": "START_TO_CLOSE", "scheduledEventId": scheduled, "startedEventId": started}),
                );
                self.schedule_decision(exec, at);
            }
            Deadline::ScheduleToStart { exec, activity_id, scheduled } => {
                let live = self.execs[exec]
                    .activities
                    .get(&activity_id)
                    .is_some_and(|a| a.scheduled == scheduled && a.started.is_none());
                if live {
                    self.activity_timed_out(exec, &activity_id, at, "SCHEDULE_TO_START");
                }
            }
            Deadline::ScheduleToClose { exec, activity_id, scheduled } => {
                let live = self.execs[exec].activities.get(&activity_id).is_some_and(|a| a.scheduled == scheduled);
                if live {
                    self.activity_timed_out(exec, &activity_id, at, "SCHEDULE_TO_CLOSE");
                }
            }
            Deadline::StartToClose { exec, activity_id, started } => {
                let live = self.execs[exec].activities.get(&activity_id).is_some_and(|a| a.started == Some(started));
                if live {
                    self.activity_timed_out(exec, &activity_id, at, "START_TO_CLOSE");
                }
            }
            Deadline::Heartbeat { exec, activity_id, started } => {
                let Some(a) = self.execs[exec].activities.get(&activity_id) else { return };
                if a.started != Some(started) {
                    return;
                }
                let Some(hb) = a.heartbeat else { return };
                let due = a.last_heartbeat + hb;
                if due <= at {
                    self.activity_timed_out(exec, &activity_id, at, "HEARTBEAT");
                } else {
                    self.deadline(due, Deadline::Heartbeat { exec, activity_id, started });
                }
            }
            Deadline::Timer { exec, timer_id, started } => {
                if self.execs[exec].timers.get(&timer_id) == Some(&started) {
                    self.execs[exec].timers.remove(&timer_id);
                    self.record(
                        exec,
                        at,
                        EventType::TimerFired,
                        json!({"timerId": timer_id, "startedEventId": started}),
                    );
                    self.schedule_decision(exec, at);
                }
            }
        }
    }

    fn activity_timed_out(&mut self, exec: usize, activity_id: &str, at: Timestamp, kind: &str) {
        let Some(a) = self.execs[exec].activities.remove(activity_id) else { return };
        if let Some(t) = &a.token {
            self.tokens.remove(t);
        }
        let details = if kind == "HEARTBEAT" { a.details } else { None };
        self.record(
            exec,
            at,
            EventType::ActivityTaskTimedOut,
            json!({
                "timeoutType": kind,
                "scheduledEventId": a.scheduled,
                "startedEventId": a.started.unwrap_or(0),
                "details": details,
            }),
        );
        self.schedule_decision(exec, at);
    }
}
