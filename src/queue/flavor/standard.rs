//! Standard queues: the visible message sent first is received first. Never-received
//! messages wait in send order; messages visible again (after a delay, a visibility
//! timeout or a change) wait in a heap by send sequence, so the two merge in O(log n).

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

use super::live;
use crate::queue::state::{Entry, MsgState, Ref};

#[derive(Default)]
pub(crate) struct Standard {
    /// Never-received visible messages, in send order.
    fresh: VecDeque<Ref>,
    /// Visible again after a delay, a timeout or a visibility change; by seq.
    returned: BinaryHeap<Reverse<(u64, u32)>>,
}

impl Standard {
    /// A message arrived; a delayed one joins `returned` when its delay ends.
    pub(crate) fn inserted(&mut self, r: Ref, visible: bool) {
        if visible {
            self.fresh.push_back(r);
        }
    }

    /// A message with send sequence `seq` became visible.
    pub(crate) fn returned(&mut self, r: Ref, seq: u64) {
        self.returned.push(Reverse((seq, r.0)));
    }

    /// The visible message sent first; stale references are dropped on the way.
    pub(crate) fn next(&mut self, slab: &[Option<Entry>]) -> Option<Ref> {
        let visible = |r: Ref| live(slab, r).filter(|e| e.state == MsgState::Visible);
        while let Some(&r) = self.fresh.front() {
            if visible(r).is_some() {
                break;
            }
            self.fresh.pop_front();
        }
        while let Some(&Reverse((seq, s))) = self.returned.peek() {
            if visible((s, seq as u32)).is_some_and(|e| e.seq == seq) {
                break;
            }
            self.returned.pop();
        }
        let fresh = self.fresh.front().copied();
        let back = self.returned.peek().map(|Reverse((seq, s))| (*seq, *s));
        match (fresh, back) {
            (None, None) => None,
            (Some(f), Some((seq, s))) => {
                let fseq = live(slab, f).map_or(u64::MAX, |e| e.seq);
                if seq < fseq {
                    self.returned.pop();
                    Some((s, seq as u32))
                } else {
                    self.fresh.pop_front()
                }
            }
            (Some(_), None) => self.fresh.pop_front(),
            (None, Some((seq, s))) => {
                self.returned.pop();
                Some((s, seq as u32))
            }
        }
    }
}
