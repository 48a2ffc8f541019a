//! Helpers the queue test files share.
#![allow(dead_code)] // each test file uses its own subset

use std::time::Duration;

use localcloud::{Cloud, Queue, ReceiveOptions, ReceivedMessage};

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
