//! Concurrency: 4 producers and 4 consumers on a real-time cloud move 100,000
//! messages through one standard queue. Consumers randomly give messages back
//! (at once, or by letting a short visibility timeout run out); in the end every
//! message is deleted exactly once and none is lost.

use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use localcloud::{Cloud, QueueConfig, ReceiveOptions};
use rand::{rngs::SmallRng, Rng, SeedableRng};

const PRODUCERS: usize = 4;
const CONSUMERS: usize = 4;
const MESSAGES: usize = 100_000;

#[test]
fn every_message_is_deleted_exactly_once() {
    let cloud = Cloud::new();
    let q = cloud.create_queue("work", QueueConfig::default().visibility_timeout(Duration::from_secs(30))).unwrap();
    let deletions: Arc<Vec<AtomicU32>> = Arc::new((0..MESSAGES).map(|_| AtomicU32::new(0)).collect());
    let deleted = Arc::new(AtomicUsize::new(0));
    let given_back = Arc::new(AtomicUsize::new(0));

    let mut threads = Vec::new();
    for p in 0..PRODUCERS {
        let q = q.clone();
        threads.push(thread::spawn(move || {
            for i in (p..MESSAGES).step_by(PRODUCERS) {
                q.send(i.to_string()).unwrap();
            }
        }));
    }
    for c in 0..CONSUMERS {
        let (q, deletions, deleted, given_back) = (q.clone(), deletions.clone(), deleted.clone(), given_back.clone());
        threads.push(thread::spawn(move || {
            let mut rng = SmallRng::seed_from_u64(c as u64);
            while deleted.load(Ordering::SeqCst) < MESSAGES {
                let batch = q.receive(ReceiveOptions::new().max_messages(10).wait(Duration::from_secs(1))).unwrap();
                for m in batch {
                    let roll = rng.random_range(0..1000);
                    if roll < 50 {
                        // Give it back at once.
                        q.change_visibility(m.receipt_handle(), Duration::ZERO).unwrap();
                        given_back.fetch_add(1, Ordering::Relaxed);
                    } else if roll < 51 {
                        // Drop it on the floor: the visibility timeout brings it back.
                        q.change_visibility(m.receipt_handle(), Duration::from_secs(1)).unwrap();
                        given_back.fetch_add(1, Ordering::Relaxed);
                    } else {
                        let i: usize = m.body_str().parse().unwrap();
                        q.delete(m.receipt_handle()).unwrap();
                        deletions[i].fetch_add(1, Ordering::SeqCst);
                        deleted.fetch_add(1, Ordering::SeqCst);
                    }
                }
            }
        }));
    }
    for t in threads {
        t.join().unwrap();
    }

    let twice: Vec<usize> = (0..MESSAGES).filter(|&i| deletions[i].load(Ordering::SeqCst) != 1).collect();
    assert!(twice.is_empty(), "messages not deleted exactly once: {:?}", &twice[..twice.len().min(10)]);
    assert_eq!(deleted.load(Ordering::SeqCst), MESSAGES);
    assert!(given_back.load(Ordering::Relaxed) > 0, "the test must exercise give-backs");
    assert_eq!(q.stats().total(), 0);
    let m = cloud.metrics();
    assert_eq!(m.value("AWS/SQS", "work", "NumberOfMessagesSent"), Some(MESSAGES as f64));
    assert_eq!(m.value("AWS/SQS", "work", "NumberOfMessagesDeleted"), Some(MESSAGES as f64));
}
