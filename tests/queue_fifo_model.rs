//! Model test for FIFO queues: random sends, receives, deletes and clock moves
//! against a plain reference model of per-group order, the group lock and the
//! five-minute deduplication window.
//!
//! The visibility timeout is 12 hours and a case moves the clock at most
//! 50 × 400 s, so nothing is ever redelivered and the model needs no visibility.

use std::collections::{HashMap, VecDeque};
use std::time::Duration;

use localcloud::{
    Cloud, DeduplicationScope, MessageId, OutgoingMessage, Queue, QueueConfig, ReceiptHandle, ReceiveOptions,
};
use proptest::prelude::*;
use proptest::sample::Index;

const GROUPS: usize = 4;
const DEDUP_WINDOW: u64 = 300;

#[derive(Clone, Debug)]
enum Op {
    Send { group: usize, dedup: u8 },
    Receive { max: u32 },
    Delete(Index),
    Advance(u64),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0..GROUPS, 0u8..6).prop_map(|(group, dedup)| Op::Send { group, dedup }),
        3 => (1u32..=10).prop_map(|max| Op::Receive { max }),
        2 => any::<Index>().prop_map(Op::Delete),
        // Steps that land exactly on the five-minute edge, and any step.
        1 => prop_oneof![Just(1u64), Just(100), Just(299), Just(300), Just(301), 0u64..400].prop_map(Op::Advance),
    ]
}

/// What the queue should hold, in the plainest terms.
#[derive(Default)]
struct Model {
    now: u64,
    /// Per group: numbers of the messages not yet received, in send order.
    pending: [VecDeque<u64>; GROUPS],
    /// Per group: how many messages are in flight (the group is locked while > 0).
    in_flight: [usize; GROUPS],
    /// Deduplication key → (expiry, original message id).
    dedup: HashMap<(usize, u8), (u64, MessageId)>,
    next: u64,
}

struct Held {
    group: usize,
    handle: ReceiptHandle,
}

fn group_name(g: usize) -> String {
    format!("g{g}")
}

fn check_counts(q: &Queue, m: &Model) -> Result<(), TestCaseError> {
    let s = q.stats();
    prop_assert_eq!(s.visible, m.pending.iter().map(VecDeque::len).sum::<usize>());
    prop_assert_eq!(s.in_flight, m.in_flight.iter().sum::<usize>());
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
                        m.pending[group].push_back(n);
                        m.next += 1;
                    }
                }
            }
            Op::Receive { max } => {
                let got = q.receive(ReceiveOptions::new().max_messages(max)).unwrap();
                prop_assert!(got.len() <= max as usize);
                let locked_before = m.in_flight.map(|n| n > 0);
                for msg in &got {
                    let g: usize = msg.group_id().and_then(|s| s.strip_prefix('g')).unwrap().parse().unwrap();
                    prop_assert!(!locked_before[g], "group {} was locked", g);
                    let n: u64 = msg.body_str().parse().unwrap();
                    prop_assert_eq!(m.pending[g].pop_front(), Some(n), "group {} out of order", g);
                    prop_assert_eq!(msg.receive_count(), 1);
                    m.in_flight[g] += 1;
                    held.push(Held { group: g, handle: msg.receipt_handle().clone() });
                }
                if got.len() < max as usize {
                    for g in 0..GROUPS {
                        prop_assert!(
                            m.pending[g].is_empty() || m.in_flight[g] > 0,
                            "group {} was unlocked with messages, yet the receive returned {} of {}",
                            g,
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
                    m.in_flight[h.group] -= 1;
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
        m.in_flight[h.group] -= 1;
    }
    loop {
        let got = q.receive(ReceiveOptions::new().max_messages(10)).unwrap();
        if got.is_empty() {
            break;
        }
        for msg in got {
            let g: usize = msg.group_id().and_then(|s| s.strip_prefix('g')).unwrap().parse().unwrap();
            prop_assert_eq!(m.pending[g].pop_front(), Some(msg.body_str().parse::<u64>().unwrap()));
            q.delete(msg.receipt_handle()).unwrap();
        }
    }
    prop_assert!(m.pending.iter().all(VecDeque::is_empty), "messages left behind: {:?}", m.pending);
    prop_assert_eq!(q.stats().total(), 0);
    Ok(())
}

proptest! {
    #[test]
    fn fifo_queue_matches_the_model(ops in proptest::collection::vec(op(), 1..50), group_scope in any::<bool>()) {
        run(ops, group_scope)?;
    }
}
