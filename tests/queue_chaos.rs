//! Chaos on standard queues: duplicates, shuffled receives and short receives, all
//! drawn from the cloud's seed; FIFO queues keep their guarantees.

use std::collections::HashMap;

use localcloud::{ChaosConfig, Cloud, MessageId, OutgoingMessage, Queue, QueueConfig, ReceiveOptions};

mod common;
use common::bodies;

fn chaotic(chaos: ChaosConfig, seed: u64) -> Cloud {
    Cloud::builder().manual_clock().seed(seed).chaos(chaos).build()
}

fn fill(q: &Queue, n: usize) {
    for i in 0..n {
        q.send(format!("m{i}")).unwrap();
    }
}

#[test]
fn a_duplicate_comes_again_even_after_the_first_copy_is_deleted() {
    let c = chaotic(ChaosConfig::new().duplicates(1.0), 1);
    let q = c.create_queue("q", QueueConfig::default()).unwrap();
    q.send("x").unwrap();
    let first = q.try_receive().unwrap().unwrap();
    q.delete(first.receipt_handle()).unwrap();
    let second = q.try_receive().unwrap().unwrap();
    assert_eq!(first.message_id(), second.message_id());
    assert_eq!(second.body_str(), "x");
    assert_eq!((first.receive_count(), second.receive_count()), (1, 2));
}

#[test]
fn some_messages_come_twice_at_a_low_rate() {
    let c = chaotic(ChaosConfig::new().duplicates(0.05), 2);
    let q = c.create_queue("q", QueueConfig::default()).unwrap();
    fill(&q, 1_000);
    let mut seen: HashMap<MessageId, u32> = HashMap::new();
    loop {
        let got = q.receive(ReceiveOptions::new().max_messages(10)).unwrap();
        if got.is_empty() {
            break;
        }
        for m in got {
            *seen.entry(m.message_id()).or_default() += 1;
            q.delete(m.receipt_handle()).unwrap();
        }
    }
    assert_eq!(seen.len(), 1_000, "every message arrives");
    let twice = seen.values().filter(|&&n| n > 1).count();
    assert!((20..100).contains(&twice), "about 5% delivered more than once, got {twice}");
    assert_eq!(q.stats().total(), 0);
}

#[test]
fn short_receives_return_fewer_but_never_none() {
    let c = chaotic(ChaosConfig::new().short_receives(1.0), 3);
    let q = c.create_queue("q", QueueConfig::default()).unwrap();
    fill(&q, 50);
    let mut sizes = Vec::new();
    loop {
        let got = q.receive(ReceiveOptions::new().max_messages(10)).unwrap();
        if got.is_empty() {
            break;
        }
        sizes.push(got.len());
    }
    assert_eq!(sizes.iter().sum::<usize>(), 50);
    assert!(sizes.iter().all(|&n| (1..10).contains(&n)), "{sizes:?}");
}

#[test]
fn reordering_shuffles_a_receive() {
    let c = chaotic(ChaosConfig::new().reorder(true), 4);
    let q = c.create_queue("q", QueueConfig::default()).unwrap();
    fill(&q, 10);
    let got = q.receive(ReceiveOptions::new().max_messages(10)).unwrap();
    let mut sorted = bodies(&got);
    sorted.sort_by_key(|b| b[1..].parse::<u32>().unwrap());
    assert_eq!(sorted, (0..10).map(|i| format!("m{i}")).collect::<Vec<_>>(), "the same ten messages");
    assert_ne!(bodies(&got), sorted, "not in send order");
}

#[test]
fn the_same_seed_gives_the_same_run() {
    let run = |seed| {
        let c = chaotic(ChaosConfig::standard_queue(), seed);
        let q = c.create_queue("q", QueueConfig::default()).unwrap();
        fill(&q, 200);
        let mut log = Vec::new();
        for _ in 0..100 {
            let got = q.receive(ReceiveOptions::new().max_messages(10)).unwrap();
            log.push(bodies(&got).into_iter().map(str::to_owned).collect::<Vec<_>>());
            for m in got {
                q.delete(m.receipt_handle()).unwrap();
            }
        }
        log
    };
    assert_eq!(run(9), run(9));
    assert_ne!(run(9), run(10));
}

#[test]
fn an_idempotent_consumer_processes_each_message_once_anyway() {
    let c = chaotic(ChaosConfig::standard_queue().duplicates(0.2), 5);
    let q = c.create_queue("q", QueueConfig::default()).unwrap();
    fill(&q, 500);
    let mut done: HashMap<MessageId, String> = HashMap::new();
    let mut deliveries = 0;
    loop {
        let got = q.receive(ReceiveOptions::new().max_messages(10)).unwrap();
        if got.is_empty() && q.stats().total() == 0 {
            break;
        }
        for m in got {
            deliveries += 1;
            done.entry(m.message_id()).or_insert_with(|| m.body_str().to_owned());
            q.delete(m.receipt_handle()).unwrap();
        }
        c.advance(std::time::Duration::from_secs(1));
    }
    assert_eq!(done.len(), 500);
    assert!(deliveries > 500, "duplicates happened: {deliveries} deliveries");
}

#[test]
fn fifo_queues_keep_order_and_exactly_once_under_chaos() {
    let c = chaotic(ChaosConfig::new().duplicates(1.0).reorder(true).short_receives(1.0), 6);
    let q = c.create_queue("q.fifo", QueueConfig::fifo()).unwrap();
    for i in 0..10 {
        q.send_message(OutgoingMessage::new(format!("m{i}")).group_id("g").deduplication_id(format!("d{i}"))).unwrap();
    }
    let got = q.receive(ReceiveOptions::new().max_messages(10)).unwrap();
    assert_eq!(bodies(&got), (0..10).map(|i| format!("m{i}")).collect::<Vec<_>>());
    assert!(q.receive(ReceiveOptions::new().max_messages(10)).unwrap().is_empty(), "the group is locked");
}
