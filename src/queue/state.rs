//! A queue's messages and the indices over them, kept under the queue's one lock.
//!
//! Messages live in a slab; every index refers to a slot by `(slot, seq)` and is
//! cleaned lazily: an index entry whose slot now holds another message (or none), or
//! whose message changed state, is skipped when met. Visibility, delays and retention
//! are decided by comparing timestamps when the queue is touched (`tick`), so nothing
//! needs a timer, and every operation costs the same at any depth.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use rand::rngs::SmallRng;

use super::config::QueueConfig;
use super::flavor::{Flavor, Next};
use super::types::{ReceiptHandle, ReceivedMessage};
use crate::clock::Timestamp;
use crate::message::{MessageAttributes, MessageId};

mod chaos;
mod retime;

/// Where a message is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum MsgState {
    Delayed,
    Visible,
    InFlight,
}

/// The rarely-present parts of a message, shared with receivers without copying.
#[derive(Clone, Debug, Default)]
pub(crate) struct Extra {
    pub(crate) attributes: MessageAttributes,
    pub(crate) group_id: Option<Arc<str>>,
    pub(crate) dedup_id: Option<Arc<str>>,
    pub(crate) sequence_number: Option<u128>,
    pub(crate) dlq_source_arn: Option<Arc<str>>,
}

pub(crate) struct Entry {
    pub(crate) body: Bytes,
    pub(crate) id: MessageId,
    pub(crate) seq: u64,
    pub(crate) sent_at: Timestamp,
    pub(crate) visible_at: Timestamp,
    pub(crate) first_receive: Timestamp,
    pub(crate) last_receive: Timestamp,
    pub(crate) receive_count: u32,
    pub(crate) state: MsgState,
    pub(crate) extra: Option<Arc<Extra>>,
}

/// A message about to enter a queue (sent, or moved from another queue).
pub(crate) struct NewMessage {
    pub(crate) body: Bytes,
    pub(crate) id: MessageId,
    pub(crate) extra: Option<Arc<Extra>>,
    pub(crate) sent_at: Timestamp,
    pub(crate) delay: Duration,
    pub(crate) receive_count: u32,
    pub(crate) first_receive: Timestamp,
}

/// A reference from an index to a slot: the slot and the low bits of its message's seq.
pub(crate) type Ref = (u32, u32);

/// Running totals for the queue's metrics.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Counters {
    pub(crate) sent: u64,
    pub(crate) received: u64,
    pub(crate) deleted: u64,
    pub(crate) empty_receives: u64,
    pub(crate) sent_bytes: u64,
    pub(crate) deduplicated: u64,
}

/// What a receive decided: messages to return and messages to move to the DLQ.
#[derive(Default)]
pub(crate) struct Taken {
    pub(crate) messages: Vec<ReceivedMessage>,
    pub(crate) to_dlq: Vec<Entry>,
}

pub(crate) struct State {
    pub(crate) config: QueueConfig,
    pub(crate) deleted: bool,
    /// Receives blocked in a long poll right now.
    pub(crate) waiting_receives: usize,
    /// Deliberate misbehaviour of a standard queue (none on FIFO queues).
    pub(crate) chaos: Option<Box<crate::chaos::ChaosConfig>>,
    /// FIFO throttling quotas, when the cloud emulates throttling.
    pub(crate) throttle: Option<Box<super::throttle::Throttle>>,
    pub(crate) epoch: u32,
    pub(crate) counters: Counters,
    pub(crate) rng: SmallRng,
    pub(crate) last_purge: Option<Timestamp>,
    pub(crate) created_at: Timestamp,
    pub(crate) modified_at: Timestamp,
    /// Standard or FIFO: which visible message a receive takes next.
    pub(crate) flavor: Flavor,
    queue_uid: u32,
    /// Secret key of the receipt-handle tags, from the OS, never from the seed.
    handle_key: [u64; 2],
    sender_id: Arc<str>,
    slab: Vec<Option<Entry>>,
    free: Vec<u32>,
    next_seq: u64,
    live: usize,
    inflight: usize,
    delayed: usize,
    inflight_heap: BinaryHeap<Reverse<(Timestamp, u32, u32)>>,
    delay_heap: BinaryHeap<Reverse<(Timestamp, u32, u32)>>,
    /// Every message in send order with its send time, for retention and the age of
    /// the oldest. The time is kept here so the retention check on every operation
    /// need not read the (cold) oldest message itself.
    age: VecDeque<(Timestamp, Ref)>,
    /// The send time of the message last pushed on `age`.
    age_newest: Timestamp,
    /// Messages that arrived with a send time older than `age_newest` (moved in by a
    /// redrive, or put back), by send time, so retention still removes them on time.
    age_late: BinaryHeap<Reverse<(Timestamp, u32, u32)>>,
    /// No index has anything due before this time, so `tick` before it has nothing
    /// to do. Every push of a time lowers it; `tick` raises it to the earliest time
    /// left. Too early only costs a look.
    next_due: Timestamp,
}

/// Receives at most this many in-flight messages per queue.
pub(crate) const MAX_IN_FLIGHT: usize = 120_000;
/// How long a receive may keep a message hidden in total: 12 hours.
const MAX_TOTAL_VISIBILITY: Duration = Duration::from_secs(43_200);

impl State {
    pub(crate) fn new(config: QueueConfig, queue_uid: u32, sender_id: Arc<str>, rng: SmallRng, now: Timestamp) -> Self {
        let flavor = Flavor::new(config.fifo);
        State {
            config,
            deleted: false,
            waiting_receives: 0,
            throttle: None,
            chaos: None,
            epoch: 0,
            counters: Counters::default(),
            rng,
            last_purge: None,
            created_at: now,
            modified_at: now,
            flavor,
            queue_uid,
            handle_key: rand::random(),
            sender_id,
            slab: Vec::new(),
            free: Vec::new(),
            next_seq: 0,
            live: 0,
            inflight: 0,
            delayed: 0,
            inflight_heap: BinaryHeap::new(),
            delay_heap: BinaryHeap::new(),
            age: VecDeque::new(),
            age_newest: Timestamp::EPOCH,
            age_late: BinaryHeap::new(),
            next_due: Timestamp::EPOCH,
        }
    }

    pub(crate) fn counts(&self) -> (usize, usize, usize) {
        (self.live - self.inflight - self.delayed, self.inflight, self.delayed)
    }

    fn entry(&self, r: Ref) -> Option<&Entry> {
        self.slab.get(r.0 as usize)?.as_ref().filter(|e| e.seq as u32 == r.1)
    }

    fn entry_mut(&mut self, r: Ref) -> Option<&mut Entry> {
        self.slab.get_mut(r.0 as usize)?.as_mut().filter(|e| e.seq as u32 == r.1)
    }

    /// Adds a message; returns its slot reference.
    pub(crate) fn insert(&mut self, now: Timestamp, m: NewMessage) -> Ref {
        let seq = self.next_seq;
        self.next_seq += 1;
        let delayed = !m.delay.is_zero();
        let sent_at = m.sent_at;
        let entry = Entry {
            body: m.body,
            id: m.id,
            seq,
            sent_at: m.sent_at,
            visible_at: now + m.delay,
            first_receive: m.first_receive,
            last_receive: Timestamp::EPOCH,
            receive_count: m.receive_count,
            state: if delayed { MsgState::Delayed } else { MsgState::Visible },
            extra: m.extra,
        };
        let group = entry.extra.as_ref().and_then(|e| e.group_id.clone());
        let visible_at = entry.visible_at;
        let slot = match self.free.pop() {
            Some(i) => {
                self.slab[i as usize] = Some(entry);
                i
            }
            None => {
                self.slab.push(Some(entry));
                (self.slab.len() - 1) as u32
            }
        };
        let r = (slot, seq as u32);
        self.live += 1;
        self.due(sent_at + self.config.retention);
        if sent_at < self.age_newest {
            self.age_late.push(Reverse((sent_at, r.0, r.1)));
        } else {
            self.age_newest = sent_at;
            self.age.push_back((sent_at, r));
        }
        self.flavor.inserted(r, group.as_ref(), !delayed);
        if delayed {
            self.delayed += 1;
            self.delay_heap.push(Reverse((visible_at, r.0, r.1)));
            self.due(visible_at);
        }
        r
    }

    /// Something falls due at `t`: the next `tick` at or after it must look.
    pub(crate) fn due(&mut self, t: Timestamp) {
        self.next_due = self.next_due.min(t);
    }

    /// The queue's settings changed (retention, delay): the next `tick` looks at everything.
    pub(crate) fn settings_changed(&mut self) {
        self.next_due = Timestamp::EPOCH;
    }

    /// Applies everything time has decided: expired visibility, matured delays, retention.
    pub(crate) fn tick(&mut self, now: Timestamp) {
        self.compact();
        if now < self.next_due {
            return;
        }
        while let Some(&Reverse((t, s, g))) = self.inflight_heap.peek() {
            if t > now {
                break;
            }
            self.inflight_heap.pop();
            let r = (s, g);
            if self.entry(r).is_some_and(|e| e.state == MsgState::InFlight && e.visible_at == t) {
                self.inflight -= 1;
                self.make_visible(r);
            }
        }
        while let Some(&Reverse((t, s, g))) = self.delay_heap.peek() {
            if t > now {
                break;
            }
            self.delay_heap.pop();
            let r = (s, g);
            if self.entry(r).is_some_and(|e| e.state == MsgState::Delayed && e.visible_at == t) {
                self.delayed -= 1;
                self.make_visible(r);
            }
        }
        let retention = self.config.retention;
        // Entries of messages already gone are dropped here when their time comes, or
        // by `compact`; removing a gone message is a no-op.
        while let Some(&(sent_at, r)) = self.age.front() {
            if sent_at + retention > now {
                break;
            }
            self.age.pop_front();
            self.remove(r);
        }
        while let Some(&Reverse((sent_at, s, g))) = self.age_late.peek() {
            if sent_at + retention > now {
                break;
            }
            self.age_late.pop();
            self.remove((s, g));
        }
        self.next_due = self.earliest_due();
    }

    /// The earliest time at which any index has something to do, as `tick` left them.
    fn earliest_due(&self) -> Timestamp {
        let retention = self.config.retention;
        let mut due = Timestamp::from_nanos(u64::MAX);
        if let Some(Reverse((t, _, _))) = self.inflight_heap.peek() {
            due = due.min(*t);
        }
        if let Some(Reverse((t, _, _))) = self.delay_heap.peek() {
            due = due.min(*t);
        }
        if let Some((sent_at, _)) = self.age.front() {
            due = due.min(*sent_at + retention);
        }
        if let Some(Reverse((sent_at, _, _))) = self.age_late.peek() {
            due = due.min(*sent_at + retention);
        }
        due
    }

    /// Indices with lazy deletion can fill with dead references; rebuild one when
    /// dead ones outnumber live ones, which costs O(1) amortised per operation.
    fn compact(&mut self) {
        if self.inflight_heap.len() > 2 * self.inflight + 1024 {
            let heap = std::mem::take(&mut self.inflight_heap);
            self.inflight_heap = heap
                .into_iter()
                .filter(|Reverse((t, s, g))| {
                    self.entry((*s, *g)).is_some_and(|e| e.state == MsgState::InFlight && e.visible_at == *t)
                })
                .collect();
        }
        if self.age.len() > 2 * self.live + 1024 {
            let age = std::mem::take(&mut self.age);
            self.age = age.into_iter().filter(|(_, r)| self.entry(*r).is_some()).collect();
        }
        if self.age_late.len() > 2 * self.live + 1024 {
            let late = std::mem::take(&mut self.age_late);
            self.age_late = late.into_iter().filter(|Reverse((_, s, g))| self.entry((*s, *g)).is_some()).collect();
        }
    }

    /// A message became receivable again (delay over, visibility expired or reset).
    fn make_visible(&mut self, r: Ref) {
        let Some(e) = self.entry_mut(r) else { return };
        e.state = MsgState::Visible;
        let seq = e.seq;
        let group = e.extra.as_ref().and_then(|x| x.group_id.clone());
        self.flavor.visible(r, seq, group.as_ref());
    }

    /// Removes a message wherever it is; returns it.
    pub(crate) fn remove(&mut self, r: Ref) -> Option<Entry> {
        let e = self.slab.get_mut(r.0 as usize)?.take_if(|e| e.seq as u32 == r.1)?;
        self.free.push(r.0);
        self.live -= 1;
        match e.state {
            MsgState::InFlight => self.inflight -= 1,
            MsgState::Delayed => self.delayed -= 1,
            MsgState::Visible => {}
        }
        let group = e.extra.as_ref().and_then(|x| x.group_id.as_ref());
        self.flavor.removed(group, &self.slab);
        Some(e)
    }

    /// Removes every message; old receipt handles stop working.
    pub(crate) fn clear(&mut self) {
        self.slab.clear();
        self.free.clear();
        self.inflight_heap.clear();
        self.delay_heap.clear();
        self.age.clear();
        self.age_late.clear();
        self.age_newest = Timestamp::EPOCH;
        self.flavor.clear_messages();
        self.live = 0;
        self.inflight = 0;
        self.delayed = 0;
        self.epoch = self.epoch.wrapping_add(1);
    }

    /// The earliest time at which a hidden message becomes visible.
    pub(crate) fn next_visibility_event(&self) -> Option<Timestamp> {
        let a = self.inflight_heap.peek().map(|Reverse((t, _, _))| *t);
        let b = self.delay_heap.peek().map(|Reverse((t, _, _))| *t);
        match (a, b) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// When the oldest message was sent.
    pub(crate) fn oldest_sent_at(&mut self) -> Option<Timestamp> {
        let mut oldest = None;
        while let Some(&(sent_at, r)) = self.age.front() {
            if self.entry(r).is_some() {
                oldest = Some(sent_at);
                break;
            }
            self.age.pop_front();
        }
        while let Some(&Reverse((sent_at, s, g))) = self.age_late.peek() {
            if self.entry((s, g)).is_some() {
                oldest = Some(oldest.map_or(sent_at, |o: Timestamp| o.min(sent_at)));
                break;
            }
            self.age_late.pop();
        }
        oldest
    }

    /// Takes up to `max` receivable messages, hiding them for `vt`; messages whose
    /// receive would exceed `max_receives` go to `to_dlq` instead.
    pub(crate) fn receive(&mut self, now: Timestamp, max: usize, vt: Duration, max_receives: Option<u32>) -> Taken {
        if self.chaos.is_some() {
            return self.receive_with_chaos(now, max, vt, max_receives);
        }
        let mut taken = Taken { messages: Vec::with_capacity(max.min(10)), ..Taken::default() };
        while taken.messages.len() < max {
            match self.flavor.next(&self.slab, max - taken.messages.len()) {
                None => break,
                Some(Next::One(r)) => self.take_or_redrive(now, r, vt, max_receives, &mut taken),
                Some(Next::Group(refs)) => {
                    for r in refs {
                        self.take_or_redrive(now, r, vt, max_receives, &mut taken);
                    }
                }
            }
        }
        taken
    }

    fn take_or_redrive(&mut self, now: Timestamp, r: Ref, vt: Duration, max_receives: Option<u32>, taken: &mut Taken) {
        let Some(e) = self.entry(r) else { return };
        if max_receives.is_some_and(|max| e.receive_count >= max) {
            if let Some(e) = self.remove(r) {
                taken.to_dlq.push(e);
            }
            return;
        }
        let visible_at = now + vt;
        let sender_id = Arc::clone(&self.sender_id);
        let Some(e) = self.entry_mut(r) else { return };
        e.state = MsgState::InFlight;
        e.receive_count += 1;
        if e.receive_count == 1 || e.first_receive == Timestamp::EPOCH {
            e.first_receive = now;
        }
        e.last_receive = now;
        e.visible_at = visible_at;
        let msg = ReceivedMessage {
            body: e.body.clone(),
            message_id: e.id,
            receipt_handle: ReceiptHandle { queue: 0, epoch: 0, slot: r.0, count: e.receive_count, seq: e.seq, tag: 0 },
            receive_count: e.receive_count,
            sent_at: e.sent_at,
            first_receive: e.first_receive,
            extra: e.extra.clone(),
            sender_id,
        };
        self.inflight += 1;
        self.inflight_heap.push(Reverse((visible_at, r.0, r.1)));
        self.due(visible_at);
        let mut msg = msg;
        msg.receipt_handle = self.seal(msg.receipt_handle);
        taken.messages.push(msg);
    }

    /// Fills in the queue, epoch and unforgeable tag of a handle.
    fn seal(&self, mut h: ReceiptHandle) -> ReceiptHandle {
        h.queue = self.queue_uid;
        h.epoch = self.epoch;
        h.tag = self.tag(&h);
        h
    }

    /// The keyed tag of a handle: its fields folded through a 64-bit finaliser with
    /// the queue's secret key. Without the key a valid tag cannot be made up; it is
    /// several times cheaper than SipHash on this hot path.
    fn tag(&self, h: &ReceiptHandle) -> u64 {
        fn mix(mut x: u64) -> u64 {
            x ^= x >> 33;
            x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
            x ^= x >> 33;
            x = x.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
            x ^ (x >> 33)
        }
        let [k0, k1] = self.handle_key;
        let a = (u64::from(h.queue) << 32) | u64::from(h.epoch);
        let b = (u64::from(h.slot) << 32) | u64::from(h.count);
        mix(mix(mix(mix(k0 ^ a) ^ b ^ k1) ^ h.seq) ^ k1)
    }

    /// Checks that a handle was issued by this queue in this epoch.
    pub(crate) fn verify(&self, h: &ReceiptHandle) -> Result<(), &'static str> {
        let expected = self.tag(h);
        if h.queue != self.queue_uid || h.tag != expected {
            return Err("it was not issued by this queue");
        }
        if h.epoch != self.epoch {
            return Err("the queue was purged after it was issued");
        }
        Ok(())
    }

    /// The live message a (verified) handle points at, if it still exists.
    pub(crate) fn lookup(&self, h: &ReceiptHandle) -> Option<(Ref, &Entry)> {
        let r = (h.slot, h.seq as u32);
        self.entry(r).filter(|e| e.seq == h.seq).map(|e| (r, e))
    }

    /// Sets a message's visibility to `now + d`. The caller has checked the handle.
    pub(crate) fn set_visibility(&mut self, r: Ref, now: Timestamp, d: Duration) -> Result<(), String> {
        let Some(e) = self.entry_mut(r) else { return Ok(()) };
        if e.state != MsgState::InFlight {
            return Ok(());
        }
        let until = now + d;
        if until - e.last_receive > MAX_TOTAL_VISIBILITY {
            return Err(format!(
                "the visibility timeout would end {:?} after the receive; at most 12 hours are allowed",
                until - e.last_receive
            ));
        }
        e.visible_at = until;
        if d.is_zero() {
            self.inflight -= 1;
            self.make_visible(r);
        } else {
            self.inflight_heap.push(Reverse((until, r.0, r.1)));
            self.due(until);
        }
        Ok(())
    }

    /// Removes up to `n` visible messages in receive order (move tasks).
    pub(crate) fn drain_visible(&mut self, n: usize) -> Vec<Entry> {
        let mut out = Vec::new();
        while out.len() < n {
            match self.flavor.next(&self.slab, n - out.len()) {
                None => break,
                Some(Next::One(r)) => out.extend(self.remove(r)),
                Some(Next::Group(refs)) => {
                    for r in refs {
                        out.extend(self.remove(r));
                    }
                }
            }
        }
        out
    }
}
