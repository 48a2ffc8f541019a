//! Load and faults on the real clock: 4 producer and 4 consumer threads on standard and
//! FIFO queues with dead-letter queues and chaos on, consumers that crash between
//! receive and delete, and a stream resharded while producers write. Nothing may be
//! lost, nothing delivered while in flight elsewhere, no FIFO group out of order, and
//! every stream record readable in order.
//!
//! CI runs a reduced size; `cargo test --release -- --ignored stress` runs the full
//! 10^6 operations and prints the peak resident set per message.
//!
//! These tests are about real time (visibility timeouts expire on the system clock),
//! so they run on a cloud without a manual clock; they never sleep: consumers block in
//! long polls, which a send or an expiring timeout ends.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Barrier, Mutex};
use std::thread;
use std::time::Duration;

use localcloud::{
    ChaosConfig, Cloud, MessageId, OutgoingMessage, PutRecord, QueueConfig, ReceiveOptions, RedrivePolicy,
    StartingPosition, StreamConfig, Timestamp,
};

const PRODUCERS: usize = 4;
const CONSUMERS: usize = 4;
/// The visibility timeout of every receive: the shortest the service allows.
const VT: Duration = Duration::from_secs(1);
/// A message received this many times without a delete goes to the DLQ on the next receive.
const MAX_RECEIVES: u32 = 2;
/// One receive in this many "crashes": the consumer drops the message without deleting it.
const CRASH_ONE_IN: u64 = 12;
const FIFO_GROUPS: usize = 64;

/// A small seeded generator (xorshift64*): consumers' crash decisions.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) % n
    }
}

/// The peak resident set of this process in KiB (Linux), if known.
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// The stored copy a receipt handle refers to. A chaos duplicate is a second stored
/// copy of a message (same message id); the handle's opaque text carries the copy's
/// storage sequence (hex digits 32..48), which is all this test reads from it.
fn copy_of(handle: &localcloud::ReceiptHandle) -> u64 {
    u64::from_str_radix(&handle.to_string()[32..48], 16).unwrap()
}

/// One receive of one message by one consumer.
#[derive(Clone, Debug)]
struct Receipt {
    id: MessageId,
    copy: u64,
    count: u32,
    /// The clock just before the receive call and just after it returned.
    start: Timestamp,
    end: Timestamp,
    /// When a successful delete of this receive returned.
    deleted: Option<Timestamp>,
}

/// FIFO order: per group, how many times each message is marked done (a delete
/// marks before it is called and unmarks when it fails, so a receive of the next
/// message can never see the earlier one undone because of a race with its delete).
#[derive(Default)]
struct GroupOrder {
    done: HashMap<usize, Vec<u32>>,
    /// (group, index of a message received, index of an earlier one not done then).
    suspects: Vec<(usize, u32, u32)>,
}

struct Run {
    sent: Vec<MessageId>,
    receipts: Vec<Receipt>,
    dead: HashSet<MessageId>,
    order: GroupOrder,
    messages: usize,
}

fn body(fifo: bool, group: usize, index: u32, producer: usize, n: usize) -> String {
    if fifo {
        format!("{group}:{index}")
    } else {
        format!("{producer}:{n}")
    }
}

fn parse_fifo(body: &str) -> (usize, u32) {
    let (g, i) = body.split_once(':').unwrap();
    (g.parse().unwrap(), i.parse().unwrap())
}

/// Sends `per_producer` messages from each producer while consumers receive and
/// delete (or crash) until everything is gone, then drains the DLQ.
fn run_queue(cloud: &Cloud, fifo: bool, per_producer: usize) -> Run {
    let suffix = if fifo { ".fifo" } else { "" };
    let base = if fifo { QueueConfig::fifo().content_based_deduplication(true) } else { QueueConfig::standard() };
    let dlq = cloud.create_queue(&format!("dead{suffix}"), base.clone()).unwrap();
    let q = cloud.create_queue(&format!("work{suffix}"), base.redrive(RedrivePolicy::new(&dlq, MAX_RECEIVES))).unwrap();
    let done_sending = Arc::new(AtomicBool::new(false));
    let order = Arc::new(Mutex::new(GroupOrder::default()));
    let start = Arc::new(Barrier::new(PRODUCERS + CONSUMERS));

    let producers: Vec<_> = (0..PRODUCERS)
        .map(|p| {
            let (q, start) = (q.clone(), Arc::clone(&start));
            thread::spawn(move || {
                start.wait();
                let mut next = vec![0u32; FIFO_GROUPS];
                let mut ids = Vec::with_capacity(per_producer);
                for n in 0..per_producer {
                    // Producer p owns the groups p, p + 4, ...: one sender per group
                    // makes the send order of a group the order of these calls.
                    let group = p + PRODUCERS * (n % (FIFO_GROUPS / PRODUCERS));
                    let mut msg = OutgoingMessage::new(body(fifo, group, next[group], p, n));
                    next[group] += 1;
                    if fifo {
                        msg = msg.group_id(format!("g{group}"));
                    }
                    ids.push(q.send_message(msg).unwrap().message_id());
                }
                ids
            })
        })
        .collect();

    let consumers: Vec<_> = (0..CONSUMERS)
        .map(|c| {
            let (q, cloud) = (q.clone(), cloud.clone());
            let (done, order, start) = (Arc::clone(&done_sending), Arc::clone(&order), Arc::clone(&start));
            thread::spawn(move || {
                start.wait();
                let mut rng = Rng(0x9e37_79b9_7f4a_7c15 ^ (c as u64 + 1));
                let mut log = Vec::new();
                let opts =
                    ReceiveOptions::new().max_messages(10).wait(Duration::from_millis(50)).visibility_timeout(VT);
                loop {
                    let t0 = cloud.now();
                    let batch = q.receive(opts.clone()).unwrap();
                    let t1 = cloud.now();
                    if batch.is_empty() {
                        if done.load(Ordering::SeqCst) && q.stats().total() == 0 {
                            return log;
                        }
                        continue;
                    }
                    if fifo {
                        // A batch holds consecutive messages of one group: everything
                        // before its first one must be done.
                        let mut o = order.lock().unwrap();
                        let (g, i) = batch.iter().map(|m| parse_fifo(m.body_str())).min().unwrap();
                        let marks = o.done.entry(g).or_default();
                        let missing: Vec<u32> =
                            (0..i).filter(|&j| marks.get(j as usize).is_none_or(|&k| k == 0)).collect();
                        o.suspects.extend(missing.into_iter().map(|j| (g, i, j)));
                    }
                    // A crash drops the rest of the batch: those messages stay in flight
                    // until their timeout ends.
                    let crash_at =
                        if rng.below(CRASH_ONE_IN) == 0 { rng.below(batch.len() as u64) as usize } else { usize::MAX };
                    for (k, m) in batch.iter().enumerate() {
                        let mut r = Receipt {
                            id: m.message_id(),
                            copy: copy_of(m.receipt_handle()),
                            count: m.receive_count(),
                            start: t0,
                            end: t1,
                            deleted: None,
                        };
                        if k < crash_at {
                            let fifo_mark = fifo.then(|| parse_fifo(m.body_str()));
                            if let Some((g, i)) = fifo_mark {
                                let mut o = order.lock().unwrap();
                                let marks = o.done.entry(g).or_default();
                                if marks.len() <= i as usize {
                                    marks.resize(i as usize + 1, 0);
                                }
                                marks[i as usize] += 1;
                            }
                            match q.delete(m.receipt_handle()) {
                                Ok(()) => r.deleted = Some(cloud.now()),
                                // FIFO: the timeout ended first (a slow consumer); the
                                // message comes back.
                                Err(e) => {
                                    assert!(fifo, "standard delete failed: {e}");
                                    assert_eq!(e.code(), "InvalidParameterValue", "{e}");
                                    if let Some((g, i)) = fifo_mark {
                                        order.lock().unwrap().done.get_mut(&g).unwrap()[i as usize] -= 1;
                                    }
                                }
                            }
                        }
                        log.push(r);
                    }
                }
            })
        })
        .collect();

    let mut sent = Vec::new();
    for p in producers {
        sent.extend(p.join().unwrap());
    }
    done_sending.store(true, Ordering::SeqCst);
    let mut receipts = Vec::new();
    for c in consumers {
        receipts.extend(c.join().unwrap());
    }
    let mut dead = HashSet::new();
    loop {
        let batch = dlq.receive(ReceiveOptions::new().max_messages(10).wait(Duration::ZERO)).unwrap();
        if batch.is_empty() {
            break;
        }
        for m in batch {
            dead.insert(m.message_id());
            dlq.delete(m.receipt_handle()).unwrap();
        }
    }
    assert_eq!(dlq.stats().total(), 0);
    assert_eq!(q.stats().total(), 0);
    let order = std::mem::take(&mut *order.lock().unwrap());
    Run { messages: sent.len(), sent, receipts, dead, order }
}

/// Every sent message was deleted or dead-lettered; no stored copy was received again
/// while an earlier receive of it was in flight or after it was deleted; FIFO groups
/// were received in order.
fn check(run: &Run, fifo: bool) {
    let deleted: HashSet<MessageId> = run.receipts.iter().filter(|r| r.deleted.is_some()).map(|r| r.id).collect();
    let lost: Vec<_> = run.sent.iter().filter(|id| !deleted.contains(id) && !run.dead.contains(id)).collect();
    assert!(lost.is_empty(), "{} of {} messages lost, e.g. {:?}", lost.len(), run.messages, &lost[..lost.len().min(5)]);

    let mut copies: HashMap<(MessageId, u64), Vec<&Receipt>> = HashMap::new();
    for r in &run.receipts {
        copies.entry((r.id, r.copy)).or_default().push(r);
    }
    let ids: HashSet<MessageId> = run.sent.iter().copied().collect();
    let mut first_counts: HashMap<MessageId, u32> = HashMap::new();
    for ((id, _), receives) in &mut copies {
        assert!(ids.contains(id), "received a message never sent: {id:?}");
        receives.sort_by_key(|r| r.count);
        let low = first_counts.entry(*id).or_insert(u32::MAX);
        *low = (*low).min(receives[0].count);
        for w in receives.windows(2) {
            let (a, b) = (w[0], w[1]);
            assert_eq!(b.count, a.count + 1, "receive counts of one stored copy skip or repeat: {a:?} {b:?}");
            assert!(b.end >= a.start + VT, "received again while in flight elsewhere: {a:?} then {b:?}");
            if let Some(at) = a.deleted {
                assert!(at >= b.start, "received again after its delete returned: {a:?} then {b:?}");
            }
        }
    }
    // Chaos duplicates are further stored copies, whose first receive continues the
    // count; but every message's original copy starts at 1.
    for (id, low) in &first_counts {
        assert_eq!(*low, 1, "message {id:?} first received with count {low}");
    }
    if fifo {
        assert_eq!(copies.len(), first_counts.len(), "a FIFO queue delivered a duplicate copy");
        let unexplained: Vec<_> = run
            .order
            .suspects
            .iter()
            .filter(|(g, _, j)| {
                // An earlier message not done when a later one arrived is fine only if
                // the receive moved it to the DLQ just before.
                !is_dead(run, *g, *j)
            })
            .collect();
        assert!(
            unexplained.is_empty(),
            "FIFO group order broken {} times: (group, received, undone earlier) {:?}",
            unexplained.len(),
            &unexplained[..unexplained.len().min(10)]
        );
    }
}

/// Whether message `index` of FIFO group `group` ended in the DLQ.
fn is_dead(run: &Run, group: usize, index: u32) -> bool {
    // FIFO bodies are "group:index"; the producers' ids are recorded in send order per
    // producer, so find it by replaying the producers' group assignment.
    let per_producer = run.sent.len() / PRODUCERS;
    let p = group % PRODUCERS;
    let slot = group / PRODUCERS;
    let n = index as usize * (FIFO_GROUPS / PRODUCERS) + slot;
    n < per_producer && run.dead.contains(&run.sent[p * per_producer + n])
}

fn chaotic_cloud(seed: u64) -> Cloud {
    // The system clock, as `Cloud::new()`, with standard-queue chaos on.
    let chaos = ChaosConfig::new().duplicates(0.02).reorder(true).short_receives(0.2);
    Cloud::builder().seed(seed).chaos(chaos).build()
}

fn queue_stress(fifo: bool, per_producer: usize) -> Run {
    let cloud = chaotic_cloud(7);
    let run = run_queue(&cloud, fifo, per_producer);
    check(&run, fifo);
    assert!(run.receipts.iter().any(|r| r.deleted.is_none()), "no consumer crashed");
    run
}

/// Puts records from 4 producers (each owning its partition keys, in order) while the
/// stream is split and merged, then reads every shard from its start: every record is
/// there once, in put order per key, parents before children.
fn stream_stress(per_producer: usize) -> usize {
    let cloud = Cloud::new();
    let s = cloud.create_stream("s", StreamConfig::with_shards(2).enforce_limits(false)).unwrap();
    let start = Arc::new(Barrier::new(PRODUCERS + 1));
    let producers: Vec<_> = (0..PRODUCERS)
        .map(|p| {
            let (s, start) = (s.clone(), Arc::clone(&start));
            thread::spawn(move || {
                start.wait();
                for n in 0..per_producer {
                    // Producer 0 reshards a quarter, half and three quarters of the way
                    // through its puts while the others keep putting.
                    if p == 0 && n > 0 && n % (per_producer / 4) == 0 {
                        s.update_shard_count([4, 8, 5][n / (per_producer / 4) - 1]).unwrap();
                    }
                    let key = format!("p{p}-k{}", n % 8);
                    s.put_record(PutRecord::new(key, format!("{}", n / 8))).unwrap();
                }
            })
        })
        .collect();
    start.wait();
    for p in producers {
        p.join().unwrap();
    }
    let mut shards = s.shards();
    assert!(shards.len() > 8 && shards.iter().any(|sh| !sh.is_open()), "the stream was not resharded");
    shards.sort_by_key(|sh| sh.sequence_number_range().starting_sequence_number());
    let mut per_key: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    let mut total = 0;
    for sh in &shards {
        let mut it = Some(s.shard_iterator(sh.shard_id(), StartingPosition::TrimHorizon).unwrap());
        let mut last_seq = None;
        while let Some(i) = it {
            let out = s.get_records(&i, 10_000).unwrap();
            for r in out.records() {
                assert!(last_seq.as_ref().is_none_or(|l| r.sequence_number() > l), "sequence numbers out of order");
                last_seq = Some(*r.sequence_number());
                per_key
                    .entry(r.partition_key().to_owned())
                    .or_default()
                    .push(std::str::from_utf8(r.data()).unwrap().parse().unwrap());
                total += 1;
            }
            if out.records().is_empty() {
                break; // an open shard read to its tip
            }
            it = out.next_iterator().cloned();
        }
    }
    assert_eq!(total, PRODUCERS * per_producer, "records lost or read twice");
    for (key, values) in per_key {
        let expected: Vec<u64> = (0..values.len() as u64).collect();
        assert_eq!(values, expected, "records of {key} out of order or missing");
    }
    total
}

#[test]
fn stress_standard_queue_loses_nothing_under_chaos_and_crashes() {
    queue_stress(false, 600);
}

#[test]
fn stress_fifo_queue_keeps_group_order_and_loses_nothing_under_crashes() {
    queue_stress(true, 600);
}

#[test]
fn stress_stream_records_stay_in_order_per_key_across_resharding() {
    stream_stress(2_000);
}

/// The full run: about 10^6 queue operations (send, receive, delete: 3 per message)
/// plus a stream variant, with the peak resident set per message.
#[test]
#[ignore]
fn stress_full_million_operations() {
    let per_producer = 1_000_000 / 3 / 2 / PRODUCERS;
    let before = peak_rss_kib();
    let standard = queue_stress(false, per_producer);
    let fifo = queue_stress(true, per_producer);
    let records = stream_stress(50_000);
    let ops = 3 * (standard.messages + fifo.messages);
    let receives = standard.receipts.len() + fifo.receipts.len();
    let dead = standard.dead.len() + fifo.dead.len();
    println!("queue operations (send + receive + delete, at least): {ops}; message receives: {receives}; dead-lettered: {dead}; stream records: {records}");
    if let (Some(b), Some(a)) = (before, peak_rss_kib()) {
        let messages = (standard.messages + fifo.messages) as f64;
        println!(
            "peak resident set: {a} KiB (start {b} KiB), {:.0} bytes per message, test bookkeeping included",
            (a - b) as f64 * 1024.0 / messages
        );
    }
}
