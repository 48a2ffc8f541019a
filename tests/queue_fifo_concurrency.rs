//! FIFO queues under concurrent consumers on the real clock: four threads receive
//! batches over many message groups, and every message is processed exactly once and
//! in order within its group, which only holds if the group lock excludes other
//! consumers while a message is in flight.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use localcloud::queue::BatchEntry;
use localcloud::{Cloud, OutgoingMessage, QueueConfig, ReceiveOptions};

const GROUPS: usize = 50;
const PER_GROUP: usize = 200;
const CONSUMERS: usize = 4;

/// Tells the other consumers to stop when one fails, so a failure ends the test
/// instead of leaving them polling for messages that will never be deleted.
struct StopOnPanic(Arc<AtomicBool>);

impl Drop for StopOnPanic {
    fn drop(&mut self) {
        if thread::panicking() {
            self.0.store(true, Ordering::SeqCst);
        }
    }
}

#[test]
fn concurrent_consumers_process_each_message_once_in_group_order() {
    let cloud = Cloud::new();
    // Long enough that nothing is redelivered during the test.
    let q =
        cloud.create_queue("orders.fifo", QueueConfig::fifo().visibility_timeout(Duration::from_secs(3_600))).unwrap();
    // Interleave the groups so consumers contend for them from the start.
    for start in (0..PER_GROUP).step_by(10) {
        for g in 0..GROUPS {
            let batch: Vec<BatchEntry> = (start..start + 10)
                .map(|i| {
                    let body = format!("{g}:{i}");
                    BatchEntry::new(
                        format!("e{i}"),
                        OutgoingMessage::new(body.clone()).group_id(format!("g{g}")).deduplication_id(body),
                    )
                })
                .collect();
            assert!(q.send_batch(batch).unwrap().failed().is_empty());
        }
    }
    let total = GROUPS * PER_GROUP;
    assert_eq!(q.stats().visible, total);

    let last: Arc<Mutex<HashMap<usize, usize>>> = Arc::default();
    let seen: Arc<Mutex<HashSet<(usize, usize)>>> = Arc::default();
    let done = Arc::new(AtomicUsize::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let consumers: Vec<_> = (0..CONSUMERS)
        .map(|_| {
            let (q, last, seen, done) = (q.clone(), Arc::clone(&last), Arc::clone(&seen), Arc::clone(&done));
            let stop = Arc::clone(&stop);
            thread::spawn(move || {
                let _guard = StopOnPanic(Arc::clone(&stop));
                let mut processed = 0;
                while done.load(Ordering::SeqCst) < total && !stop.load(Ordering::SeqCst) {
                    let opts = ReceiveOptions::new().max_messages(10).wait(Duration::from_millis(50));
                    for m in q.receive(opts).unwrap() {
                        let (g, i) = m.body_str().split_once(':').unwrap();
                        let (g, i): (usize, usize) = (g.parse().unwrap(), i.parse().unwrap());
                        {
                            // Recorded while the message is still held: no one else may
                            // hold any later message of its group.
                            let mut last = last.lock().unwrap();
                            let expected = last.get(&g).map_or(0, |l| l + 1);
                            assert_eq!(i, expected, "group {g} out of order");
                            last.insert(g, i);
                        }
                        assert!(seen.lock().unwrap().insert((g, i)), "{g}:{i} processed twice");
                        assert_eq!(m.receive_count(), 1, "{g}:{i} redelivered");
                        q.delete(m.receipt_handle()).unwrap();
                        done.fetch_add(1, Ordering::SeqCst);
                        processed += 1;
                    }
                }
                processed
            })
        })
        .collect();
    let per_consumer: Vec<usize> = consumers.into_iter().map(|t| t.join().expect("a consumer failed")).collect();

    assert_eq!(per_consumer.iter().sum::<usize>(), total, "{per_consumer:?}");
    assert_eq!(seen.lock().unwrap().len(), total);
    let last = last.lock().unwrap();
    assert_eq!(last.len(), GROUPS);
    assert!(last.values().all(|&i| i == PER_GROUP - 1));
    assert_eq!(q.stats().total(), 0);
}
