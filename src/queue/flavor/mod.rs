//! The two kinds of queue, one file each, behind one [`Flavor`]: which visible message
//! a receive takes next, and the bookkeeping that decides it. The queue core
//! (`state.rs`) keeps the messages, their timers and retention, and tells the flavor
//! when a message arrives, becomes visible or leaves.

pub(crate) mod fifo;
mod standard;

use std::sync::Arc;

use super::state::{Entry, Ref};
pub(crate) use fifo::Fifo;
use standard::Standard;

/// The live message a reference points at, if its slot still holds it.
pub(crate) fn live(slab: &[Option<Entry>], r: Ref) -> Option<&Entry> {
    slab.get(r.0 as usize)?.as_ref().filter(|e| e.seq as u32 == r.1)
}

/// A FIFO message's group; a message without one (never on a FIFO queue, whose sends
/// require it) counts as the group "".
fn group_key(group: Option<&Arc<str>>) -> Arc<str> {
    group.cloned().unwrap_or_else(|| Arc::from(""))
}

/// What a receive may take next.
pub(crate) enum Next {
    /// Standard: one message, the visible one sent first.
    One(Ref),
    /// FIFO: consecutive messages from the head of one group, in order.
    Group(Vec<Ref>),
}

/// Standard or FIFO.
pub(crate) enum Flavor {
    Standard(Standard),
    Fifo(Box<Fifo>),
}

impl Flavor {
    pub(crate) fn new(fifo: bool) -> Self {
        if fifo {
            Flavor::Fifo(Box::default())
        } else {
            Flavor::Standard(Standard::default())
        }
    }

    /// The FIFO bookkeeping (deduplication, attempt ids, sequence numbers), if FIFO.
    pub(crate) fn fifo(&mut self) -> Option<&mut Fifo> {
        match self {
            Flavor::Fifo(f) => Some(f),
            Flavor::Standard(_) => None,
        }
    }

    /// A message arrived, visible now or delayed.
    pub(crate) fn inserted(&mut self, r: Ref, group: Option<&Arc<str>>, visible: bool) {
        match self {
            Flavor::Standard(s) => s.inserted(r, visible),
            Flavor::Fifo(f) => f.push(group_key(group), r, visible),
        }
    }

    /// A message became visible after a delay, a visibility timeout or a change.
    pub(crate) fn visible(&mut self, r: Ref, seq: u64, group: Option<&Arc<str>>) {
        match self {
            Flavor::Standard(s) => s.returned(r, seq),
            Flavor::Fifo(f) => f.visible(&group_key(group)),
        }
    }

    /// A message left the queue (its slot is already empty).
    pub(crate) fn removed(&mut self, group: Option<&Arc<str>>, slab: &[Option<Entry>]) {
        if let Flavor::Fifo(f) = self {
            f.removed(&group_key(group), slab);
        }
    }

    /// What a receive of at most `n` more messages takes next, if anything.
    pub(crate) fn next(&mut self, slab: &[Option<Entry>], n: usize) -> Option<Next> {
        match self {
            Flavor::Standard(s) => s.next(slab).map(Next::One),
            Flavor::Fifo(f) => {
                let group = f.next_ready(slab)?;
                Some(Next::Group(f.candidates(&group, n, slab)))
            }
        }
    }

    /// Standard: the visible message sent first (the chaos receive draws from this).
    pub(crate) fn next_standard(&mut self, slab: &[Option<Entry>]) -> Option<Ref> {
        match self {
            Flavor::Standard(s) => s.next(slab),
            Flavor::Fifo(_) => None,
        }
    }

    /// The shared name of a FIFO group that has messages, so each message need not
    /// allocate its own copy.
    pub(crate) fn intern(&self, group: &str) -> Option<Arc<str>> {
        match self {
            Flavor::Fifo(f) => f.intern(group),
            Flavor::Standard(_) => None,
        }
    }

    /// Forgets every message (purge, delete); FIFO deduplication ids stay remembered.
    pub(crate) fn clear_messages(&mut self) {
        match self {
            Flavor::Standard(s) => *s = Standard::default(),
            Flavor::Fifo(f) => f.clear_messages(),
        }
    }
}
