//! Helpers the queue test files share.
#![allow(dead_code)] // each test file uses its own subset

use std::time::Duration;

use localcloud::{Cloud, OutgoingMessage, Queue, QueueConfig, ReceiveOptions, ReceivedMessage, RedrivePolicy};

/// Whole seconds.
pub fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

/// A cloud on a manual clock with a fixed seed.
pub fn cloud() -> Cloud {
    Cloud::builder().manual_clock().seed(1).build()
}

/// Receives until the queue returns nothing visible.
pub fn receive_all(q: &Queue) -> Vec<ReceivedMessage> {
    let mut out = Vec::new();
    loop {
        let got = q.receive(ReceiveOptions::new().max_messages(10)).unwrap();
        if got.is_empty() {
            return out;
        }
        out.extend(got);
    }
}

/// The bodies of received messages, as text.
pub fn bodies(msgs: &[ReceivedMessage]) -> Vec<&str> {
    msgs.iter().map(|m| m.body_str()).collect()
}

/// A source queue ("src", or "src.fifo") with the given visibility timeout, whose
/// messages move to a dead-letter queue ("dlq" / "dlq.fifo") on the receive that would
/// exceed `max_receives`. Returns (source, dlq).
pub fn source_with_dlq(c: &Cloud, fifo: bool, visibility_secs: u64, max_receives: u32) -> (Queue, Queue) {
    let (kind, suffix) = if fifo { (QueueConfig::fifo(), ".fifo") } else { (QueueConfig::default(), "") };
    let dlq = c.create_queue(&format!("dlq{suffix}"), kind.clone()).unwrap();
    let config = kind.visibility_timeout(secs(visibility_secs)).redrive(RedrivePolicy::new(&dlq, max_receives));
    let src = c.create_queue(&format!("src{suffix}"), config).unwrap();
    (src, dlq)
}

pub mod workflow;

/// A FIFO queue called "q.fifo".
pub fn fifo_queue(c: &Cloud, config: QueueConfig) -> Queue {
    c.create_queue("q.fifo", config).unwrap()
}

/// A message of `group` whose deduplication id is its body.
pub fn fifo_msg(group: &str, body: &str) -> OutgoingMessage {
    OutgoingMessage::new(body.to_owned()).group_id(group).deduplication_id(body)
}

/// Sends a message of `group`, deduplicated by its body.
pub fn send_fifo(q: &Queue, group: &str, body: &str) {
    q.send_message(fifo_msg(group, body)).unwrap();
}

/// One receive of up to `n` messages.
pub fn receive_n(q: &Queue, n: u32) -> Vec<ReceivedMessage> {
    q.receive(ReceiveOptions::new().max_messages(n)).unwrap()
}
