//! FIFO queues: message groups and their locks, the ready list, and the rules FIFO
//! queues keep in one place: the deduplication window and its keys, receive attempt
//! ids, sequence numbers and the syntax of FIFO ids.
//!
//! A group is served from its head up to its first message that is not visible: a
//! message in flight (or still delayed) holds back every later message of its group,
//! while earlier messages that became visible again are returned first. Groups whose
//! head may be visible wait in `ready`, so a receive pops the next group in O(1)
//! whatever the number of groups.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use super::live;
use crate::clock::Timestamp;
use crate::dedup::DedupWindow;
use crate::message::{content_deduplication_id, is_valid_fifo_id, MessageId};
use crate::queue::config::{DeduplicationScope, QueueConfig};
use crate::queue::state::{Entry, MsgState, Ref};
use crate::queue::types::OutgoingMessage;
use crate::queue::types::ReceivedMessage;
use crate::queue::QueueError;

// Keys here are group and attempt ids hashed on every FIFO send and receive; FxHash is several times faster than SipHash on them, and flooding is no
// concern for an in-process store.
use rustc_hash::FxHashMap;

/// How long a deduplication id or a receive attempt id is remembered.
pub(crate) const FIFO_WINDOW: Duration = crate::dedup::DEDUP_WINDOW;

/// The first FIFO sequence number: 20 digits, like the service's.
const FIFO_SEQUENCE_START: u128 = 10_000_000_000_000_000_000;

/// Group ids, deduplication ids and attempt ids: 1–128 printable ASCII characters.
pub(crate) fn check_fifo_id(what: &str, id: &str) -> Result<(), QueueError> {
    if !is_valid_fifo_id(id) {
        return Err(QueueError::InvalidParameterValue(format!(
            "{what} {id:?} must be 1 to 128 printable ASCII characters"
        )));
    }
    Ok(())
}

/// The key a deduplication id is remembered by: the id itself, or the id within its
/// group when deduplication is scoped per message group.
pub(crate) fn dedup_key(scope: DeduplicationScope, group: &str, id: &Arc<str>) -> Arc<str> {
    match scope {
        DeduplicationScope::Queue => Arc::clone(id),
        DeduplicationScope::MessageGroup => Arc::from(format!("{group}\u{0}{id}")),
    }
}

/// What deduplication decided for a message about to be sent.
pub(crate) enum Dedup {
    /// Not seen within the window: remember `key` once enqueued; `id` is the
    /// message's deduplication id (given, or the SHA-256 of its body).
    New { key: Arc<str>, id: Arc<str> },
    /// A duplicate: the original's message id and sequence number.
    Duplicate { original: MessageId, seq: u128 },
}

#[derive(Default)]
struct Group {
    /// The group's messages in send order (dead references are dropped lazily).
    msgs: VecDeque<Ref>,
    queued: bool,
}

#[derive(Default)]
pub(crate) struct Fifo {
    groups: FxHashMap<Arc<str>, Group>,
    ready: VecDeque<Arc<str>>,
    dedup: DedupWindow,
    attempts: FxHashMap<String, Vec<ReceivedMessage>>,
    attempt_order: VecDeque<(Timestamp, String)>,
    next_sequence: u128,
    /// How many groups the last sweep kept. An empty group stays in `groups` (its
    /// name and buffer are reused when the group gets messages again, as groups
    /// usually do) until the map has grown by 16,384 plus twice what the last sweep
    /// kept; then one sweep drops the empty ones: O(1) amortised per new group, and
    /// at most that many empty groups held.
    swept_len: usize,
}

impl Fifo {
    /// The next sequence number: every message the queue takes in (sent, or moved in)
    /// gets a larger one, so they increase in each group's order.
    pub(crate) fn next_sequence_number(&mut self) -> u128 {
        let n = FIFO_SEQUENCE_START + self.next_sequence;
        self.next_sequence += 1;
        n
    }

    fn enqueue(ready: &mut VecDeque<Arc<str>>, key: &Arc<str>, g: &mut Group) {
        if !g.queued {
            g.queued = true;
            ready.push_back(Arc::clone(key));
        }
    }

    /// A group emptied; sweeps the empty groups when the map has grown enough.
    fn emptied(&mut self) {
        if self.groups.len() > 2 * self.swept_len + 16_384 {
            self.groups.retain(|_, g| !g.msgs.is_empty() || g.queued);
            self.swept_len = self.groups.len();
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
                self.emptied();
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
                self.emptied();
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
        self.swept_len = 0;
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

    /// Works out a message's deduplication id (given, or by content when the queue
    /// deduplicates by content) and whether it duplicates one sent within the window.
    pub(crate) fn deduplicate(
        &mut self,
        now: Timestamp,
        config: &QueueConfig,
        msg: &OutgoingMessage,
    ) -> Result<Dedup, QueueError> {
        let id: Arc<str> = match (&msg.deduplication_id, config.content_based_deduplication) {
            (Some(id), _) => Arc::from(id.as_str()),
            (None, true) => Arc::from(content_deduplication_id(&msg.body)),
            (None, false) => {
                return Err(QueueError::InvalidParameterValue(
                    "a FIFO queue without content-based deduplication needs a deduplication id".into(),
                ))
            }
        };
        let key = dedup_key(config.deduplication_scope, msg.group_id.as_deref().unwrap_or_default(), &id);
        Ok(match self.duplicate_of(now, &key) {
            Some((original, seq)) => Dedup::Duplicate { original, seq },
            None => Dedup::New { key, id },
        })
    }

    /// The original message id and sequence number of a duplicate within the window.
    fn duplicate_of(&mut self, now: Timestamp, key: &str) -> Option<(MessageId, u128)> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sequence_numbers_have_twenty_digits_and_increase() {
        let mut f = Fifo::default();
        let (a, b) = (f.next_sequence_number(), f.next_sequence_number());
        assert_eq!((a.to_string().len(), b), (20, a + 1));
    }

    #[test]
    fn empty_groups_are_swept_so_unique_group_ids_keep_the_map_bounded() {
        let mut f = Fifo::default();
        for i in 0..40_000u32 {
            let g: Arc<str> = Arc::from(format!("g{i}"));
            f.push(Arc::clone(&g), (i, i), false);
            f.removed(&g, &[]);
        }
        assert!(f.groups.len() <= 16_385, "{} groups held", f.groups.len());
    }

    #[test]
    fn a_group_scoped_dedup_key_tells_groups_apart() {
        let id: Arc<str> = Arc::from("d1");
        assert_eq!(dedup_key(DeduplicationScope::Queue, "g1", &id), dedup_key(DeduplicationScope::Queue, "g2", &id));
        assert_ne!(
            dedup_key(DeduplicationScope::MessageGroup, "g1", &id),
            dedup_key(DeduplicationScope::MessageGroup, "g2", &id)
        );
    }

    #[test]
    fn fifo_ids_are_1_to_128_printable_ascii() {
        assert!(check_fifo_id("group id", "g-1").is_ok());
        assert!(check_fifo_id("group id", &"a".repeat(128)).is_ok());
        for bad in ["", "é", "a\u{7}"] {
            assert_eq!(check_fifo_id("group id", bad).unwrap_err().code(), "InvalidParameterValue", "{bad:?}");
        }
        assert!(check_fifo_id("group id", &"a".repeat(129)).is_err());
    }
}
