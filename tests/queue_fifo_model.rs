//! Model test for FIFO queues: random sends, receives, deletes, visibility resets
//! and clock moves against a plain reference model of per-group order, the group
//! lock and the five-minute deduplication window.
//!
//! The group lock: a group is served from its head up to its first message still in
//! flight. The visibility timeout is 12 hours and a case moves the clock at most
//! 50 × 400 s, so a message comes back only when a visibility reset (timeout 0)
//! returns it.

use std::collections::HashMap;
use std::time::Duration;

use localcloud::queue::DeduplicationScope;
use localcloud::{Cloud, MessageId, OutgoingMessage, Queue, QueueConfig, ReceiptHandle, ReceiveOptions};
use proptest::prelude::*;
use proptest::sample::Index;

const GROUPS: usize = 4;
const DEDUP_WINDOW: u64 = 300;

#[derive(Clone, Debug)]
enum Op {
    Send {
        group: usize,
        dedup: u8,
    },
    Receive {
        max: u32,
    },
    Delete(Index),
    /// Makes a held message visible again at once (visibility timeout 0).
    Release(Index),
    Advance(u64),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0..GROUPS, 0u8..6).prop_map(|(group, dedup)| Op::Send { group, dedup }),
        3 => (1u32..=10).prop_map(|max| Op::Receive { max }),
        2 => any::<Index>().prop_map(Op::Delete),
        1 => any::<Index>().prop_map(Op::Release),
        // Steps that land exactly on the five-minute edge, and any step.
        1 => prop_oneof![Just(1u64), Just(100), Just(299), Just(300), Just(301), 0u64..400].prop_map(Op::Advance),
    ]
}

/// One message of the model: its number, whether it is in flight, how often received.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Msg {
    n: u64,
    in_flight: bool,
    receives: u32,
}

/// What the queue should hold, in the plainest terms.
#[derive(Default)]
struct Model {
    now: u64,
    /// Per group: the messages not yet deleted, in send order.
    groups: [Vec<Msg>; GROUPS],
    /// Deduplication key → (expiry, original message id).
    dedup: HashMap<(usize, u8), (u64, MessageId)>,
    next: u64,
}

struct Held {
    group: usize,
    n: u64,
    handle: ReceiptHandle,
}

impl Model {
    /// How many messages of group `g` a receive may take: those from the head up to
    /// the first one in flight.
    fn servable(&self, g: usize) -> usize {
        self.groups[g].iter().take_while(|m| !m.in_flight).count()
    }

    fn find(&mut self, g: usize, n: u64) -> &mut Msg {
        self.groups[g].iter_mut().find(|m| m.n == n).expect("a held message is in the model")
    }
}

fn group_name(g: usize) -> String {
    format!("g{g}")
}

fn check_counts(q: &Queue, m: &Model) -> Result<(), TestCaseError> {
    let s = q.stats();
    let in_flight = m.groups.iter().flatten().filter(|m| m.in_flight).count();
    prop_assert_eq!(s.visible, m.groups.iter().map(Vec::len).sum::<usize>() - in_flight);
    prop_assert_eq!(s.in_flight, in_flight);
    prop_assert_eq!(s.delayed, 0);
    Ok(())
}

fn run(ops: Vec<Op>, group_scope: bool) -> Result<(), TestCaseError> {
    let c = Cloud::builder().manual_clock().seed(7).build();
    let mut config = QueueConfig::fifo().visibility_timeout(Duration::from_secs(43_200));
    if group_scope {
        config = config.deduplication_scope(DeduplicationScope::MessageGroup);
    }
    let q = c.create_queue("model.fifo", config).unwrap();
    let mut m = Model::default();
    let mut held: Vec<Held> = Vec::new();
    let mut last_seq = 0u128;

    for op in ops {
        match op {
            Op::Send { group, dedup } => {
                let n = m.next;
                let out = OutgoingMessage::new(n.to_string())
                    .group_id(group_name(group))
                    .deduplication_id(format!("d{dedup}"));
                let receipt = q.send_message(out).unwrap();
                let key = (if group_scope { group } else { 0 }, dedup);
                match m.dedup.get(&key) {
                    Some(&(expires, original)) if m.now < expires => {
                        prop_assert_eq!(receipt.message_id(), original, "a duplicate returns the original id");
                    }
                    _ => {
                        let seq = receipt.sequence_number().unwrap();
                        prop_assert!(seq > last_seq, "sequence numbers increase");
                        last_seq = seq;
                        m.dedup.insert(key, (m.now + DEDUP_WINDOW, receipt.message_id()));
                        m.groups[group].push(Msg { n, in_flight: false, receives: 0 });
                        m.next += 1;
                    }
                }
            }
            Op::Receive { max } => {
                let got = q.receive(ReceiveOptions::new().max_messages(max)).unwrap();
                prop_assert!(got.len() <= max as usize);
                // Each group hands out its servable prefix, in order, from the head.
                let servable: [usize; GROUPS] = std::array::from_fn(|g| m.servable(g));
                let mut taken = [0usize; GROUPS];
                for msg in &got {
                    let g: usize = msg.group_id().and_then(|s| s.strip_prefix('g')).unwrap().parse().unwrap();
                    let i = taken[g];
                    prop_assert!(i < servable[g], "group {} gave more than its head up to its first in flight", g);
                    let n: u64 = msg.body_str().parse().unwrap();
                    let expected = &mut m.groups[g][i];
                    prop_assert_eq!(expected.n, n, "group {} out of order", g);
                    expected.in_flight = true;
                    expected.receives += 1;
                    prop_assert_eq!(msg.receive_count(), expected.receives);
                    taken[g] += 1;
                    held.push(Held { group: g, n, handle: msg.receipt_handle().clone() });
                }
                if got.len() < max as usize {
                    for g in 0..GROUPS {
                        prop_assert!(
                            taken[g] == servable[g],
                            "group {} could give {}, gave {}, yet the receive returned {} of {}",
                            g,
                            servable[g],
                            taken[g],
                            got.len(),
                            max
                        );
                    }
                }
            }
            Op::Delete(i) => {
                if !held.is_empty() {
                    let h = held.swap_remove(i.index(held.len()));
                    q.delete(&h.handle).unwrap();
                    m.groups[h.group].retain(|x| x.n != h.n);
                }
            }
            Op::Release(i) => {
                if !held.is_empty() {
                    let h = held.swap_remove(i.index(held.len()));
                    q.change_visibility(&h.handle, Duration::ZERO).unwrap();
                    m.find(h.group, h.n).in_flight = false;
                }
            }
            Op::Advance(s) => {
                c.advance(Duration::from_secs(s));
                m.now += s;
            }
        }
        check_counts(&q, &m)?;
    }

    // Drain: everything left comes out, each group in order.
    for h in held.drain(..) {
        q.delete(&h.handle).unwrap();
        m.groups[h.group].retain(|x| x.n != h.n);
    }
    loop {
        let got = q.receive(ReceiveOptions::new().max_messages(10)).unwrap();
        if got.is_empty() {
            break;
        }
        for msg in got {
            let g: usize = msg.group_id().and_then(|s| s.strip_prefix('g')).unwrap().parse().unwrap();
            let head = (!m.groups[g].is_empty()).then(|| m.groups[g].remove(0).n);
            prop_assert_eq!(head, Some(msg.body_str().parse::<u64>().unwrap()));
            q.delete(msg.receipt_handle()).unwrap();
        }
    }
    prop_assert!(m.groups.iter().all(Vec::is_empty), "messages left behind: {:?}", m.groups);
    prop_assert_eq!(q.stats().total(), 0);
    Ok(())
}

proptest! {
    #[test]
    fn fifo_queue_matches_the_model(ops in proptest::collection::vec(op(), 1..50), group_scope in any::<bool>()) {
        run(ops, group_scope)?;
    }
}
