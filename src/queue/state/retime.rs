//! Moving the time at which messages already queued become visible: a FIFO queue's
//! retroactive delay, and a retried receive resetting its messages' visibility.

use std::cmp::Reverse;
use std::time::Duration;

use super::{MsgState, Ref, State};
use crate::clock::Timestamp;

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
                (MsgState::Delayed, true) => self.delay_heap.push(Reverse((visible_at, r.0, r.1))),
                (MsgState::Delayed, false) => {
                    self.delayed -= 1;
                    self.make_visible(r);
                }
                (MsgState::Visible, true) => {
                    e.state = MsgState::Delayed;
                    self.delayed += 1;
                    self.delay_heap.push(Reverse((visible_at, r.0, r.1)));
                }
                _ => {}
            }
        }
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
        }
        true
    }
}
