//! Throttling emulation for FIFO queues: a quota of calls per second for each action,
//! counted in whole seconds of the cloud's clock. On only when the cloud is built with
//! [`CloudBuilder::throttling`](crate::CloudBuilder::throttling).

use super::config::FifoThroughputLimit;
use super::state::State;
use super::{Queue, QueueError};
use crate::clock::Timestamp;

/// Calls per second per action a FIFO queue takes in its default mode.
pub const FIFO_CALLS_PER_SECOND: u32 = 300;

/// Calls per second per action in high-throughput mode (a quota per message group).
pub const FIFO_HIGH_THROUGHPUT_CALLS_PER_SECOND: u32 = 3_000;

/// The actions with a quota of their own; a batch counts as one call.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Action {
    Send = 0,
    Receive = 1,
    Delete = 2,
    ChangeVisibility = 3,
}

/// Calls counted in the current second, per action.
#[derive(Debug)]
pub(crate) struct Throttle {
    limit: u32,
    /// (second of the clock, calls in it) per action.
    windows: [(u64, u32); 4],
}

impl Throttle {
    pub(crate) fn new(limit: FifoThroughputLimit) -> Self {
        let limit = match limit {
            FifoThroughputLimit::PerQueue => FIFO_CALLS_PER_SECOND,
            FifoThroughputLimit::PerMessageGroupId => FIFO_HIGH_THROUGHPUT_CALLS_PER_SECOND,
        };
        Throttle { limit, windows: [(u64::MAX, 0); 4] }
    }

    /// Counts one call of `action` at `now`; false when this second's quota is spent
    /// (the refused call is not counted).
    pub(super) fn admit(&mut self, action: Action, now: Timestamp) -> bool {
        let second = now.as_nanos() / 1_000_000_000;
        let w = &mut self.windows[action as usize];
        if w.0 != second {
            *w = (second, 0);
        }
        if w.1 >= self.limit {
            return false;
        }
        w.1 += 1;
        true
    }

    pub(crate) fn limit(&self) -> u32 {
        self.limit
    }
}

impl Queue {
    /// Counts a call against the FIFO throttling quota, when throttling is emulated.
    #[inline(always)]
    pub(super) fn admit(&self, st: &mut State, action: Action, now: Timestamp) -> Result<(), QueueError> {
        if self.shared.throttled {
            self.admit_throttled(st, action, now)
        } else {
            Ok(()) // the usual case; callers check that the queue exists
        }
    }

    #[cold]
    #[inline(never)]
    fn admit_throttled(&self, st: &mut State, action: Action, now: Timestamp) -> Result<(), QueueError> {
        if st.deleted {
            return Err(self.gone());
        }
        let Some(t) = &mut st.throttle else { return Ok(()) };
        if t.admit(action, now) {
            return Ok(());
        }
        Err(QueueError::Throttling(format!("{} takes at most {} {action:?} calls per second", self.name(), t.limit())))
    }

    /// [`admit`](Queue::admit) for a batch, taking the lock only on a throttled queue.
    pub(crate) fn admit_call(&self, action: Action) -> Result<(), QueueError> {
        if !self.shared.throttled {
            return Ok(());
        }
        let now = self.now();
        self.admit(&mut self.shared.state.lock(), action, now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn quota_per_action_per_second() {
        let mut t = Throttle::new(FifoThroughputLimit::PerQueue);
        let t0 = Timestamp::from_secs(100);
        for _ in 0..FIFO_CALLS_PER_SECOND {
            assert!(t.admit(Action::Send, t0));
        }
        assert!(!t.admit(Action::Send, t0 + Duration::from_millis(999)));
        assert!(t.admit(Action::Receive, t0), "actions have quotas of their own");
        assert!(t.admit(Action::Send, t0 + Duration::from_secs(1)), "a new second, a new quota");
    }
}
