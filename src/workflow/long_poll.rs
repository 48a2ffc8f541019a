//! Long polls: a poll that waits up to 60 seconds (SWF's own wait) for a task to
//! become due, waking when one is scheduled, when a timeout or timer makes one, or
//! when the clock moves.

use std::time::Duration;

use super::activity::ActivityTask;
use super::decide::DecisionTask;
use super::error::WorkflowError;
use super::execution::State;
use super::types::validate_name;
use super::Workflows;
use crate::clock::Timestamp;

/// The longest a poll waits for a task: 60 seconds, as in SWF.
pub const MAX_POLL_WAIT: Duration = Duration::from_secs(60);

/// How often a poll parked on a manual clock looks again, in case the clock was
/// moved directly instead of through `Cloud::advance`.
const MANUAL_RECHECK: Duration = Duration::from_millis(50);

impl Workflows {
    /// Like [`poll_for_decision_task`](Workflows::poll_for_decision_task), but waits
    /// up to `wait` (at most [`MAX_POLL_WAIT`]) of clock time for a task; `None` when
    /// the wait passes with nothing due. Blocks the calling thread.
    pub fn poll_for_decision_task_wait(
        &self,
        domain: &str,
        task_list: &str,
        wait: Duration,
    ) -> Result<Option<DecisionTask>, WorkflowError> {
        validate_name("taskList", task_list, 256)?;
        self.long_poll(wait, |st, now| {
            st.domain_mut(domain)?;
            Ok(st.take_decision_task(domain, task_list, "", now))
        })
    }

    /// Like [`poll_for_activity_task`](Workflows::poll_for_activity_task), but waits
    /// up to `wait` (at most [`MAX_POLL_WAIT`]) of clock time for a task.
    pub fn poll_for_activity_task_wait(
        &self,
        domain: &str,
        task_list: &str,
        wait: Duration,
    ) -> Result<Option<ActivityTask>, WorkflowError> {
        validate_name("taskList", task_list, 256)?;
        self.long_poll(wait, |st, now| {
            st.domain_mut(domain)?;
            Ok(st.take_activity_task(domain, task_list, "", now))
        })
    }

    /// How many polls are parked waiting for a task right now (tests on a manual
    /// clock use it to know a poller thread is waiting before they move the clock).
    pub fn waiting_polls(&self) -> usize {
        self.core.state.lock().waiting_polls
    }

    fn long_poll<T>(
        &self,
        wait: Duration,
        mut take: impl FnMut(&mut State, Timestamp) -> Result<Option<T>, WorkflowError>,
    ) -> Result<Option<T>, WorkflowError> {
        if wait > MAX_POLL_WAIT {
            return Err(WorkflowError::Validation(format!("poll wait {wait:?} exceeds 60 seconds")));
        }
        let clock = &self.core.clock;
        let manual = clock.as_manual().is_some();
        let deadline = clock.now() + wait;
        let mut st = self.core.state.lock();
        loop {
            let now = clock.now();
            st.sweep(now);
            if let Some(task) = take(&mut st, now)? {
                return Ok(Some(task));
            }
            if now >= deadline {
                return Ok(None);
            }
            st.waiting_polls += 1;
            if manual {
                self.core.cond.wait_for(&mut st, MANUAL_RECHECK);
            } else {
                let wake_at = st.next_deadline().map_or(deadline, |t| t.min(deadline));
                let nap = wake_at.saturating_duration_since(now).max(Duration::from_millis(1));
                self.core.cond.wait_for(&mut st, nap);
            }
            st.waiting_polls -= 1;
        }
    }
}

impl State {
    pub(crate) fn next_deadline(&self) -> Option<Timestamp> {
        self.deadlines.keys().next().map(|(t, _)| *t)
    }
}
