//! FIFO topics: group order for every subscriber, forwarded ids, deduplication,
//! sequence numbers and the FIFO subscription rules.

use std::time::Duration;

use localcloud::queue::BatchEntry;
use localcloud::{Cloud, Publish, Queue, QueueConfig, ReceiveOptions, Subscription, Topic, TopicConfig};
use serde_json::Value;

fn setup(content_dedup: bool) -> (Cloud, Topic) {
    let cloud = Cloud::builder().manual_clock().seed(3).build();
    let t = cloud.create_topic("orders.fifo", TopicConfig::fifo().content_based_deduplication(content_dedup)).unwrap();
    (cloud, t)
}

fn fifo_queue(cloud: &Cloud, name: &str) -> Queue {
    cloud.create_queue(name, QueueConfig::fifo()).unwrap()
}

/// Receives everything, deleting as it goes: (group, body) in receive order.
fn drain(q: &Queue) -> Vec<(String, String)> {
    let mut out = Vec::new();
    loop {
        let batch = q.receive(ReceiveOptions::new().max_messages(10)).unwrap();
        if batch.is_empty() {
            return out;
        }
        for m in batch {
            out.push((m.group_id().unwrap_or_default().to_owned(), m.body_str().to_owned()));
            q.delete(m.receipt_handle()).unwrap();
        }
    }
}

fn in_group<'a>(got: &'a [(String, String)], g: &str) -> Vec<&'a str> {
    got.iter().filter(|(gr, _)| gr == g).map(|(_, b)| b.as_str()).collect()
}

#[test]
fn fifo_topic_keeps_group_order_for_every_subscriber_queue() {
    // given three FIFO queues subscribed raw
    let (cloud, t) = setup(true);
    let queues: Vec<Queue> = (0..3).map(|i| fifo_queue(&cloud, &format!("q{i}.fifo"))).collect();
    for q in &queues {
        t.subscribe(Subscription::queue(q).raw_delivery(true)).unwrap();
    }
    // when two groups interleave
    for i in 0..20 {
        let g = if i % 3 == 0 { "a" } else { "b" };
        t.publish(Publish::new(format!("{g}-{i}")).group_id(g)).unwrap();
    }
    // then every queue sees each group in publish order
    for q in &queues {
        let got = drain(q);
        assert_eq!(got.len(), 20);
        let a: Vec<String> = (0..20).filter(|i| i % 3 == 0).map(|i| format!("a-{i}")).collect();
        let b: Vec<String> = (0..20).filter(|i| i % 3 != 0).map(|i| format!("b-{i}")).collect();
        assert_eq!(in_group(&got, "a"), a);
        assert_eq!(in_group(&got, "b"), b);
    }
}

#[test]
fn fifo_topic_forwards_group_and_deduplication_ids_to_fifo_queues() {
    let (cloud, t) = setup(false);
    let q = fifo_queue(&cloud, "q.fifo");
    t.subscribe(Subscription::queue(&q)).unwrap();
    let r = t.publish(Publish::new("x").group_id("g1").deduplication_id("d1")).unwrap();
    let m = q.try_receive().unwrap().unwrap();
    let sys = m.system_attributes();
    assert_eq!(sys.message_group_id.as_deref(), Some("g1"));
    assert_eq!(sys.message_deduplication_id.as_deref(), Some("d1"));
    let env: Value = serde_json::from_str(m.body_str()).unwrap();
    assert_eq!(env["SequenceNumber"], r.sequence_number().unwrap().to_string());
    assert_eq!(env["SequenceNumber"].as_str().unwrap().len(), 20);
}

#[test]
fn fifo_topic_deduplicates_for_five_minutes() {
    // given a FIFO topic and a queue
    let (cloud, t) = setup(false);
    let q = fifo_queue(&cloud, "q.fifo");
    t.subscribe(Subscription::queue(&q).raw_delivery(true)).unwrap();
    // when the same deduplication id is published twice within five minutes
    let first = t.publish(Publish::new("x").group_id("g").deduplication_id("d")).unwrap();
    cloud.advance(Duration::from_secs(299));
    let dup = t.publish(Publish::new("x").group_id("g").deduplication_id("d")).unwrap();
    // then the duplicate returns the original id and delivers nothing
    assert_eq!(dup.message_id(), first.message_id());
    assert_eq!(dup.sequence_number(), first.sequence_number());
    assert_eq!(drain(&q).len(), 1);
    assert_eq!(cloud.metrics().value("AWS/SNS", "orders.fifo", "NumberOfMessagesPublished"), Some(1.0));
    // and after the window it is a new message (the queue's own window passed too)
    cloud.advance(Duration::from_secs(1));
    let later = t.publish(Publish::new("x").group_id("g").deduplication_id("d")).unwrap();
    assert_ne!(later.message_id(), first.message_id());
    assert!(later.sequence_number() > first.sequence_number());
    assert_eq!(drain(&q).len(), 1);
}

#[test]
fn content_based_deduplication_uses_the_body_hash() {
    let (cloud, t) = setup(true);
    let q = fifo_queue(&cloud, "q.fifo");
    t.subscribe(Subscription::queue(&q).raw_delivery(true)).unwrap();
    let a = t.publish(Publish::new("same").group_id("g")).unwrap();
    let b = t.publish(Publish::new("same").group_id("other")).unwrap();
    let c = t.publish(Publish::new("different").group_id("g")).unwrap();
    assert_eq!(a.message_id(), b.message_id());
    assert_ne!(a.message_id(), c.message_id());
    assert_eq!(drain(&q).len(), 2);
}

#[test]
fn fifo_queue_cannot_subscribe_to_a_standard_topic() {
    let cloud = Cloud::builder().manual_clock().build();
    let t = cloud.create_topic("std", TopicConfig::default()).unwrap();
    let q = fifo_queue(&cloud, "q.fifo");
    let err = t.subscribe(Subscription::queue(&q)).unwrap_err();
    assert_eq!(err.code(), "InvalidParameter");
    assert!(t.subscriptions().is_empty());
}

#[test]
fn fifo_topic_delivers_to_queues_only() {
    let (_cloud, t) = setup(true);
    let err = t.subscribe(Subscription::callback(|_| Ok(()))).unwrap_err();
    assert_eq!(err.code(), "InvalidParameter");
}

#[test]
fn standard_queue_on_a_fifo_topic_gets_messages_without_fifo_ids() {
    let (cloud, t) = setup(true);
    let q = cloud.create_queue("std", QueueConfig::default()).unwrap();
    t.subscribe(Subscription::queue(&q).raw_delivery(true)).unwrap();
    t.publish(Publish::new("x").group_id("g")).unwrap();
    let m = q.try_receive().unwrap().unwrap();
    assert_eq!((m.body_str(), m.group_id()), ("x", None));
}

#[test]
fn fifo_batch_keeps_entry_order() {
    let (cloud, t) = setup(true);
    let q = fifo_queue(&cloud, "q.fifo");
    t.subscribe(Subscription::queue(&q).raw_delivery(true)).unwrap();
    let entries =
        (0..10).map(|i| BatchEntry::new(format!("e{i}"), Publish::new(format!("m{i}")).group_id("g"))).collect();
    let r = t.publish_batch(entries).unwrap();
    assert_eq!(r.successful().len(), 10);
    let seqs: Vec<u128> = r.successful().iter().map(|(_, rc)| rc.sequence_number().unwrap()).collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]));
    let bodies: Vec<String> = drain(&q).into_iter().map(|(_, b)| b).collect();
    assert_eq!(bodies, (0..10).map(|i| format!("m{i}")).collect::<Vec<_>>());
}

#[test]
fn fifo_deliveries_to_a_deleted_queue_fail_at_once_in_group_order() {
    // given a FIFO subscription with a FIFO DLQ whose queue was deleted, and another queue
    let (cloud, t) = setup(true);
    let q = fifo_queue(&cloud, "q.fifo");
    let other = fifo_queue(&cloud, "other.fifo");
    let dlq = fifo_queue(&cloud, "dlq.fifo");
    t.subscribe(Subscription::queue(&q).raw_delivery(true).dead_letter_queue(&dlq)).unwrap();
    t.subscribe(Subscription::queue(&other).raw_delivery(true)).unwrap();
    cloud.delete_queue("q.fifo").unwrap();
    // when a group's messages are published while it is gone, and it comes back
    for i in 0..5 {
        t.publish(Publish::new(format!("m{i}")).group_id("g")).unwrap();
        cloud.advance(Duration::from_secs(5));
    }
    assert_eq!(cloud.next_task_due(), None, "client errors are not retried");
    cloud.advance(Duration::from_secs(40));
    let back = fifo_queue(&cloud, "q.fifo");
    t.publish(Publish::new("m5").group_id("g")).unwrap();
    // then the DLQ holds the lost messages in order, with their group, the returned
    // queue only the new one, and the other queue all six
    let lost: Vec<String> = (0..5).map(|i| format!("m{i}")).collect();
    let dead = drain(&dlq);
    assert_eq!(in_group(&dead, "g"), lost);
    assert_eq!(drain(&back), [("g".to_owned(), "m5".to_owned())]);
    let all: Vec<String> = (0..6).map(|i| format!("m{i}")).collect();
    assert_eq!(in_group(&drain(&other), "g"), all);
}

#[test]
fn fifo_subscription_dlq_must_be_fifo() {
    let (cloud, t) = setup(true);
    let q = fifo_queue(&cloud, "q.fifo");
    let std_dlq = cloud.create_queue("dlq", QueueConfig::default()).unwrap();
    let err = t.subscribe(Subscription::queue(&q).dead_letter_queue(&std_dlq)).unwrap_err();
    assert_eq!(err.code(), "InvalidParameter");
    let fifo_dlq = fifo_queue(&cloud, "dlq.fifo");
    assert!(t.subscribe(Subscription::queue(&q).dead_letter_queue(&fifo_dlq)).is_ok());
}

#[test]
fn fifo_topic_envelopes_carry_no_signature_fields() {
    // given enveloped subscriptions of a FIFO topic and of a standard topic
    let (cloud, t) = setup(true);
    let q = fifo_queue(&cloud, "q.fifo");
    t.subscribe(Subscription::queue(&q)).unwrap();
    let std = cloud.create_topic("std", TopicConfig::default()).unwrap();
    let sq = cloud.create_queue("sq", QueueConfig::default()).unwrap();
    std.subscribe(Subscription::queue(&sq)).unwrap();
    // when each publishes a message
    t.publish(Publish::new("x").group_id("g")).unwrap();
    std.publish(Publish::new("x")).unwrap();
    // then the FIFO envelope has no Signature, SignatureVersion or SigningCertURL
    let fifo: Value = serde_json::from_str(q.try_receive().unwrap().unwrap().body_str()).unwrap();
    let mut keys: Vec<&str> = fifo.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["Message", "MessageId", "SequenceNumber", "Timestamp", "TopicArn", "Type", "UnsubscribeURL"]);
    // while the standard topic's envelope still has them
    let standard: Value = serde_json::from_str(sq.try_receive().unwrap().unwrap().body_str()).unwrap();
    for k in ["Signature", "SignatureVersion", "SigningCertURL"] {
        assert!(standard.get(k).is_some(), "{k}");
    }
}

#[test]
fn standard_queue_on_a_fifo_topic_may_have_a_standard_dlq() {
    // given a FIFO topic and a standard queue with a standard DLQ
    let (cloud, t) = setup(true);
    let q = cloud.create_queue("std", QueueConfig::default()).unwrap();
    let dlq = cloud.create_queue("std-dlq", QueueConfig::default()).unwrap();
    // when subscribed, then it is accepted
    t.subscribe(Subscription::queue(&q).raw_delivery(true).dead_letter_queue(&dlq)).unwrap();
    // and a failed delivery lands in that DLQ
    cloud.delete_queue("std").unwrap();
    t.publish(Publish::new("x").group_id("g")).unwrap();
    assert_eq!(dlq.try_receive().unwrap().unwrap().body_str(), "x");
    // while a FIFO queue still needs a FIFO DLQ
    let fq = fifo_queue(&cloud, "q.fifo");
    let err = t.subscribe(Subscription::queue(&fq).dead_letter_queue(&dlq)).unwrap_err();
    assert_eq!(err.code(), "InvalidParameter");
}

mod model {
    use std::collections::HashMap;
    use std::time::Duration;

    use localcloud::{Cloud, Publish, QueueConfig, Subscription, TopicConfig};
    use proptest::prelude::*;

    use super::{drain, in_group};

    #[derive(Clone, Debug)]
    enum Op {
        Publish { group: u8, dedup: u8 },
        Advance(u64),
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            4 => (0u8..3, 0u8..6).prop_map(|(group, dedup)| Op::Publish { group, dedup }),
            1 => (0u64..200).prop_map(Op::Advance),
        ]
    }

    proptest! {
        /// Against a plain model: a dedup id is a duplicate within 300 s of the
        /// publish it first named; every other publish reaches both queues, in
        /// publish order within its group.
        #[test]
        fn fifo_fan_out_matches_the_model(ops in prop::collection::vec(op(), 1..40)) {
            let cloud = Cloud::builder().manual_clock().build();
            let t = cloud.create_topic("m.fifo", TopicConfig::fifo()).unwrap();
            let queues: Vec<_> = (0..2)
                .map(|i| cloud.create_queue(&format!("q{i}.fifo"), QueueConfig::fifo()).unwrap())
                .collect();
            for q in &queues {
                t.subscribe(Subscription::queue(q).raw_delivery(true)).unwrap();
            }
            let mut seen: HashMap<u8, u64> = HashMap::new();
            let mut expected: HashMap<String, Vec<String>> = HashMap::new();
            let mut now = 0u64;
            for (i, op) in ops.iter().enumerate() {
                match op {
                    Op::Advance(s) => {
                        cloud.advance(Duration::from_secs(*s));
                        now += s;
                    }
                    Op::Publish { group, dedup } => {
                        let (g, body) = (format!("g{group}"), format!("m{i}"));
                        t.publish(Publish::new(body.clone()).group_id(g.clone()).deduplication_id(format!("d{dedup}"))).unwrap();
                        let duplicate = seen.get(dedup).is_some_and(|at| now < at + 300);
                        if !duplicate {
                            seen.insert(*dedup, now);
                            expected.entry(g).or_default().push(body);
                        }
                    }
                }
            }
            for q in &queues {
                let got = drain(q);
                let total: usize = expected.values().map(Vec::len).sum();
                prop_assert_eq!(got.len(), total);
                for (g, want) in &expected {
                    prop_assert_eq!(&in_group(&got, g), want);
                }
            }
        }
    }
}
