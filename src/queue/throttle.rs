//! Throttling emulation for FIFO queues: a quota of calls per second for each action,
//! counted in whole seconds of the cloud's clock. On only when the cloud is built with
//! [`CloudBuilder::throttling`](crate::CloudBuilder::throttling).

use super::config::FifoThroughputLimit;
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
    pub(crate) fn admit(&mut self, action: Action, now: Timestamp) -> bool {
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
