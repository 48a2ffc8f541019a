//! Moving the time at which messages already queued become visible: a FIFO queue's
//! retroactive delay, and a retried receive (same attempt id) resetting its messages'
//! visibility.

use std::cmp::Reverse;
use std::time::Duration;

use super::{MsgState, Ref, State};
use crate::clock::Timestamp;
use crate::queue::types::ReceivedMessage;

impl State {
    /// FIFO: applies the queue's (new) delay to every message not yet received, as
    /// if it had been the delay when each was sent. Every message of a group is
    /// timed from its send time by the same delay, so a later message of a group never
    /// becomes visible before an earlier one.
    pub(crate) fn retime_delays(&mut self, now: Timestamp) {
        let delay = self.config.delay;
        for slot in 0..self.slab.len() {
            let Some(e) = self.slab[slot].as_mut() else { continue };
            if e.receive_count != 0 || e.state == MsgState::InFlight {
                continue;
            }
            let r: Ref = (slot as u32, e.seq as u32);
            let visible_at = e.sent_at + delay;
            e.visible_at = visible_at;
            match (e.state, visible_at > now) {
                (MsgState::Delayed, true) => {
                    self.delay_heap.push(Reverse((visible_at, r.0, r.1)));
                    self.next_due = self.next_due.min(visible_at);
                }
                (MsgState::Delayed, false) => {
                    self.delayed -= 1;
                    self.make_visible(r);
                }
                (MsgState::Visible, true) => {
                    e.state = MsgState::Delayed;
                    self.delayed += 1;
                    self.delay_heap.push(Reverse((visible_at, r.0, r.1)));
                    self.next_due = self.next_due.min(visible_at);
                }
                _ => {}
            }
        }
    }

    /// FIFO: the messages a receive with attempt id `id` returned within the window,
    /// hidden again for `vt` from now, when every one of them is still in flight
    /// under that receive. Otherwise `None`, and the retry is a new receive.
    pub(crate) fn replay_attempt(&mut self, now: Timestamp, id: &str, vt: Duration) -> Option<Vec<ReceivedMessage>> {
        let prev = self.flavor.fifo()?.attempt(now, id)?.clone();
        let current = |st: &State, m: &ReceivedMessage| {
            st.lookup(&m.receipt_handle)
                .is_some_and(|(_, e)| e.state == MsgState::InFlight && e.receive_count == m.receive_count)
        };
        if !prev.iter().all(|m| current(self, m)) {
            return None;
        }
        for m in &prev {
            if let Some((r, _)) = self.lookup(&m.receipt_handle) {
                self.reset_visibility(r, now, vt);
            }
        }
        Some(prev)
    }

    /// Hides an in-flight message for `vt` from now, whatever its current timeout (a
    /// receive retried with the same attempt id). Returns false when the message is
    /// no longer in flight.
    pub(crate) fn reset_visibility(&mut self, r: Ref, now: Timestamp, vt: Duration) -> bool {
        let Some(e) = self.entry_mut(r) else { return false };
        if e.state != MsgState::InFlight {
            return false;
        }
        let until = now + vt;
        e.visible_at = until;
        if vt.is_zero() {
            self.inflight -= 1;
            self.make_visible(r);
        } else {
            self.inflight_heap.push(Reverse((until, r.0, r.1)));
            self.due(until);
        }
        true
    }
}
