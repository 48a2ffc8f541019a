//! The one door through which another service puts a message into a queue (a
//! topic's fan-out): a send whose body characters, attributes and FIFO ids the
//! caller has already checked once for all its subscribers. The queue still checks
//! what depends on it: existence, size, deduplication, throttling.

use super::throttle::Action;
use super::{OutgoingMessage, Queue, QueueError};
use crate::clock::Timestamp;

impl Queue {
    /// Enqueues a message delivered by another service at `now`, without building a
    /// send receipt nobody reads. A delivery counts against a throttled queue's send
    /// quota like any send.
    pub(crate) fn deliver(&self, msg: OutgoingMessage, now: Timestamp) -> Result<(), QueueError> {
        let mut st = self.state();
        self.admit(&mut st, Action::Send, now)?;
        let prepared = self.prepare(&mut st, now, &msg)?;
        self.enqueue_quiet(&mut st, now, msg, prepared);
        drop(st);
        self.notify_sent();
        Ok(())
    }
}
