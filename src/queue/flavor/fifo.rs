//! FIFO bookkeeping: message groups and their locks, the ready list, the
//! deduplication window and receive attempt ids.
//!
//! A group is served from its head up to its first message that is not visible: a
//! message in flight (or still delayed) holds back every later message of its group,
//! while earlier messages that became visible again are returned first. Groups whose
//! head may be visible wait in `ready`, so a receive pops the next group in O(1)
//! whatever the number of groups.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use super::state::{Entry, MsgState, Ref};
use super::types::ReceivedMessage;
use crate::clock::Timestamp;
use crate::dedup::DedupWindow;
use crate::message::MessageId;

// Keys here are group and attempt ids hashed on every FIFO send and receive; FxHash is several times faster than SipHash on them, and flooding is no
// concern for an in-process store.
use rustc_hash::FxHashMap;

/// How long a deduplication id or a receive attempt id is remembered.
pub(crate) const FIFO_WINDOW: Duration = crate::dedup::DEDUP_WINDOW;

#[derive(Default)]
struct Group {
    /// The group's messages in send order (dead references are dropped lazily).
    msgs: VecDeque<Ref>,
    queued: bool,
}

#[derive(Default)]
pub(crate) struct FifoIndex {
    groups: FxHashMap<Arc<str>, Group>,
    ready: VecDeque<Arc<str>>,
    dedup: DedupWindow,
    attempts: FxHashMap<String, Vec<ReceivedMessage>>,
    attempt_order: VecDeque<(Timestamp, String)>,
    pub(crate) next_sequence: u128,
}

fn live(slab: &[Option<Entry>], r: Ref) -> Option<&Entry> {
    slab.get(r.0 as usize)?.as_ref().filter(|e| e.seq as u32 == r.1)
}

impl FifoIndex {
    fn enqueue(ready: &mut VecDeque<Arc<str>>, key: &Arc<str>, g: &mut Group) {
        if !g.queued {
            g.queued = true;
            ready.push_back(Arc::clone(key));
        }
    }

    /// A message joined `group`.
    pub(crate) fn push(&mut self, group: Arc<str>, r: Ref, visible: bool) {
        let g = self.groups.entry(Arc::clone(&group)).or_default();
        g.msgs.push_back(r);
        if visible {
            Self::enqueue(&mut self.ready, &group, g);
        }
    }

    /// A message of `group` became visible (it may be the group's head).
    pub(crate) fn visible(&mut self, group: &Arc<str>) {
        if let Some(g) = self.groups.get_mut(group) {
            Self::enqueue(&mut self.ready, group, g);
        }
    }

    /// A message of `group` left the queue (its slot is already empty).
    pub(crate) fn removed(&mut self, group: &Arc<str>, slab: &[Option<Entry>]) {
        let Some(g) = self.groups.get_mut(group) else { return };
        while g.msgs.front().is_some_and(|&r| live(slab, r).is_none()) {
            g.msgs.pop_front();
        }
        if g.msgs.is_empty() {
            if !g.queued {
                self.groups.remove(group);
            }
            return;
        }
        Self::enqueue(&mut self.ready, group, g);
    }

    /// The next group whose head message is visible.
    pub(crate) fn next_ready(&mut self, slab: &[Option<Entry>]) -> Option<Arc<str>> {
        while let Some(key) = self.ready.pop_front() {
            let Some(g) = self.groups.get_mut(&key) else { continue };
            g.queued = false;
            while g.msgs.front().is_some_and(|&r| live(slab, r).is_none()) {
                g.msgs.pop_front();
            }
            let Some(&head) = g.msgs.front() else {
                self.groups.remove(&key);
                continue;
            };
            // A group whose head is in flight or delayed is queued again when that
            // head becomes visible or leaves.
            if live(slab, head).is_some_and(|e| e.state == MsgState::Visible) {
                return Some(key);
            }
        }
        None
    }

    /// Up to `n` messages from the head of `group`, in order, up to the group's first
    /// message that is not visible (in flight or delayed).
    pub(crate) fn candidates(&mut self, group: &Arc<str>, n: usize, slab: &[Option<Entry>]) -> Vec<Ref> {
        let Some(g) = self.groups.get_mut(group) else { return Vec::new() };
        let mut out = Vec::new();
        for &r in &g.msgs {
            if out.len() == n {
                break;
            }
            match live(slab, r).map(|e| e.state) {
                Some(MsgState::Visible) => out.push(r),
                Some(MsgState::InFlight | MsgState::Delayed) => break,
                None => {}
            }
        }
        out
    }

    /// Forgets every message (purge, delete); dedup ids stay remembered.
    pub(crate) fn clear_messages(&mut self) {
        self.groups.clear();
        self.ready.clear();
        self.attempts.clear();
        self.attempt_order.clear();
    }

    fn expire(&mut self, now: Timestamp) {
        while self.attempt_order.front().is_some_and(|(t, _)| *t <= now) {
            if let Some((_, k)) = self.attempt_order.pop_front() {
                self.attempts.remove(&k);
            }
        }
    }

    /// The original message id and sequence number of a duplicate within the window.
    pub(crate) fn duplicate_of(&mut self, now: Timestamp, key: &str) -> Option<(MessageId, u128)> {
        self.dedup.original(now, key)
    }

    /// Remembers a deduplication key for five minutes.
    pub(crate) fn remember(&mut self, now: Timestamp, key: Arc<str>, id: MessageId, seq: u128) {
        self.dedup.remember(now, key, id, seq);
    }

    /// The shared name of a group that has messages, so each message need not
    /// allocate its own copy.
    pub(crate) fn intern(&self, group: &str) -> Option<Arc<str>> {
        self.groups.get_key_value(group).map(|(k, _)| Arc::clone(k))
    }

    /// The messages a receive with this attempt id returned, if within the window.
    pub(crate) fn attempt(&mut self, now: Timestamp, id: &str) -> Option<&Vec<ReceivedMessage>> {
        self.expire(now);
        self.attempts.get(id)
    }

    /// Remembers what a receive with this attempt id returned.
    pub(crate) fn remember_attempt(&mut self, now: Timestamp, id: String, messages: Vec<ReceivedMessage>) {
        if self.attempts.insert(id.clone(), messages).is_none() {
            self.attempt_order.push_back((now + FIFO_WINDOW, id));
        }
    }
}
