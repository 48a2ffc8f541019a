//! Model-based test of the standard queue: random sequences of send, receive,
//! delete, change-visibility and clock moves run against the queue and against a
//! plain reference model; after every step the two must agree.

use std::time::Duration;

use localcloud::{Cloud, OutgoingMessage, QueueConfig, ReceiptHandle, ReceiveOptions};
use proptest::prelude::*;

#[derive(Debug, Clone)]
enum Op {
    Send { delay: u64 },
    Receive { max: u32, visibility: Option<u64> },
    Delete { pick: usize },
    ChangeVisibility { pick: usize, secs: u64 },
    Advance { secs: u64 },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (0u64..4).prop_map(|delay| Op::Send { delay }),
        3 => (1u32..=10, proptest::option::of(0u64..5)).prop_map(|(max, visibility)| Op::Receive { max, visibility }),
        2 => any::<usize>().prop_map(|pick| Op::Delete { pick }),
        1 => (any::<usize>(), 0u64..5).prop_map(|(pick, secs)| Op::ChangeVisibility { pick, secs }),
        2 => (0u64..7).prop_map(|secs| Op::Advance { secs }),
    ]
}

/// One message as the model sees it; times in whole seconds since the start.
#[derive(Debug)]
struct Msg {
    visible_at: u64,
    received: u32,
    deleted: bool,
}

#[derive(Default)]
struct Model {
    now: u64,
    msgs: Vec<Msg>,
}

impl Model {
    fn visible(&self, i: usize) -> bool {
        !self.msgs[i].deleted && self.msgs[i].visible_at <= self.now
    }

    fn in_flight(&self, i: usize) -> bool {
        let m = &self.msgs[i];
        !m.deleted && m.received > 0 && m.visible_at > self.now
    }

    /// (visible, in flight, delayed)
    fn counts(&self) -> (usize, usize, usize) {
        let live = || (0..self.msgs.len()).filter(|&i| !self.msgs[i].deleted);
        let visible = live().filter(|&i| self.visible(i)).count();
        let in_flight = live().filter(|&i| self.in_flight(i)).count();
        let delayed = live().filter(|&i| !self.visible(i) && !self.in_flight(i)).count();
        (visible, in_flight, delayed)
    }
}

fn run(ops: Vec<Op>) -> Result<(), TestCaseError> {
    let cloud = Cloud::builder().manual_clock().seed(3).build();
    let q = cloud.create_queue("model", QueueConfig::default().visibility_timeout(Duration::from_secs(3))).unwrap();
    let mut model = Model::default();
    // Every handle ever issued: (message index, receive count it was issued for).
    let mut handles: Vec<(usize, u32, ReceiptHandle)> = Vec::new();
    for op in ops {
        match op {
            Op::Send { delay } => {
                let body = model.msgs.len().to_string();
                q.send_message(OutgoingMessage::new(body).delay(Duration::from_secs(delay))).unwrap();
                model.msgs.push(Msg { visible_at: model.now + delay, received: 0, deleted: false });
            }
            Op::Receive { max, visibility } => {
                let mut opts = ReceiveOptions::new().max_messages(max);
                if let Some(v) = visibility {
                    opts = opts.visibility_timeout(Duration::from_secs(v));
                }
                let got = q.receive(opts).unwrap();
                let visible = (0..model.msgs.len()).filter(|&i| model.visible(i)).count();
                prop_assert_eq!(got.len(), visible.min(max as usize), "receive takes what is visible, up to max");
                let mut seen = std::collections::HashSet::new();
                for m in got {
                    let i: usize = m.body_str().parse().unwrap();
                    prop_assert!(seen.insert(i), "a message twice in one receive");
                    prop_assert!(model.visible(i), "message {} was not visible", i);
                    let msg = &mut model.msgs[i];
                    msg.received += 1;
                    msg.visible_at = model.now + visibility.unwrap_or(3);
                    prop_assert_eq!(m.receive_count(), msg.received);
                    handles.push((i, msg.received, m.receipt_handle().clone()));
                }
            }
            Op::Delete { pick } => {
                if handles.is_empty() {
                    continue;
                }
                let (i, _, h) = &handles[pick % handles.len()];
                // Standard queues: any handle the message was given deletes it, and
                // deleting a message that is gone succeeds.
                prop_assert!(q.delete(h).is_ok());
                model.msgs[*i].deleted = true;
            }
            Op::ChangeVisibility { pick, secs } => {
                if handles.is_empty() {
                    continue;
                }
                let (i, count, h) = &handles[pick % handles.len()];
                let result = q.change_visibility(h, Duration::from_secs(secs));
                if model.msgs[*i].deleted {
                    prop_assert!(result.is_err(), "changing a deleted message's visibility must fail");
                } else {
                    prop_assert!(result.is_ok(), "{:?}", result);
                    if model.msgs[*i].received == *count && model.in_flight(*i) {
                        model.msgs[*i].visible_at = model.now + secs;
                    }
                }
            }
            Op::Advance { secs } => {
                cloud.advance(Duration::from_secs(secs));
                model.now += secs;
            }
        }
        let stats = q.stats();
        prop_assert_eq!((stats.visible, stats.in_flight, stats.delayed), model.counts());
    }
    Ok(())
}

proptest! {
    #[test]
    fn standard_queue_agrees_with_the_model(ops in proptest::collection::vec(op(), 1..60)) {
        run(ops)?;
    }
}
