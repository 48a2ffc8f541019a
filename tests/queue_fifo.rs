//! FIFO queues, one test per SPEC §1 FIFO behaviour, on a manual clock: names, group
//! ids, order and the group lock, deduplication, receive attempt ids, sequence numbers,
//! stale handles, FIFO dead-letter queues and the in-flight cap.

use std::thread;
use std::time::Duration;

use localcloud::queue::{BatchEntry, DeduplicationScope, FifoThroughputLimit};
use localcloud::{AttributeValue, Cloud, OutgoingMessage, QueueConfig, ReceiveOptions, ReceivedMessage, RedrivePolicy};

mod common;
use common::{
    bodies, cloud, fifo_msg as msg, fifo_queue as fifo, receive_n as receive, secs, send_fifo as send, source_with_dlq,
};

fn metric(c: &Cloud, name: &str) -> f64 {
    c.metrics().value("AWS/SQS", "q.fifo", name).unwrap()
}

// ---- names and options ----

#[test]
fn fifo_names_must_end_in_dot_fifo_and_standard_names_must_not() {
    let c = cloud();
    assert_eq!(c.create_queue("orders", QueueConfig::fifo()).unwrap_err().code(), "InvalidAttributeName");
    assert_eq!(c.create_queue("orders.fifo", QueueConfig::default()).unwrap_err().code(), "InvalidParameterValue");
    assert_eq!(c.create_queue(".fifo", QueueConfig::fifo()).unwrap_err().code(), "InvalidParameterValue");
    let q = c.create_queue("orders.fifo", QueueConfig::fifo()).unwrap();
    assert!(q.is_fifo());
    assert!(!c.create_queue("orders", QueueConfig::default()).unwrap().is_fifo());
}

#[test]
fn the_dot_fifo_suffix_counts_in_the_80_characters() {
    let c = cloud();
    assert!(c.create_queue(&format!("{}.fifo", "a".repeat(75)), QueueConfig::fifo()).is_ok());
    let e = c.create_queue(&format!("{}.fifo", "a".repeat(76)), QueueConfig::fifo()).unwrap_err();
    assert_eq!(e.code(), "InvalidParameterValue");
}

#[test]
fn fifo_options_are_rejected_on_standard_queues() {
    let c = cloud();
    let bad = [
        QueueConfig::default().content_based_deduplication(true),
        QueueConfig::default().deduplication_scope(DeduplicationScope::MessageGroup),
        QueueConfig::default().throughput_limit(FifoThroughputLimit::PerMessageGroupId),
    ];
    for cfg in bad {
        assert_eq!(c.create_queue("q", cfg.clone()).unwrap_err().code(), "InvalidAttributeValue", "{cfg:?}");
    }
}

#[test]
fn per_group_throughput_needs_the_message_group_dedup_scope() {
    let c = cloud();
    let per_group = QueueConfig::fifo().throughput_limit(FifoThroughputLimit::PerMessageGroupId);
    assert_eq!(c.create_queue("q.fifo", per_group.clone()).unwrap_err().code(), "InvalidAttributeValue");
    let ok = per_group.deduplication_scope(DeduplicationScope::MessageGroup);
    assert!(c.create_queue("q.fifo", ok).is_ok());
}

#[test]
fn only_the_queue_kind_is_fixed_at_creation() {
    let c = cloud();
    let q = fifo(&c, QueueConfig::fifo());
    q.set_config(QueueConfig::fifo().content_based_deduplication(true)).unwrap();
    assert!(q.config().get_content_based_deduplication());
    assert!(q.set_config(QueueConfig::fifo().visibility_timeout(secs(60))).is_ok(), "other settings may change");
}

// ---- group ids and deduplication ids ----

#[test]
fn group_id_is_required() {
    let c = cloud();
    let q = fifo(&c, QueueConfig::fifo());
    let e = q.send_message(OutgoingMessage::new("x").deduplication_id("d")).unwrap_err();
    assert_eq!(e.code(), "MissingParameter");
    assert_eq!(q.stats().total(), 0);
}

#[test]
fn group_id_is_1_to_128_printable_ascii_characters() {
    let c = cloud();
    let q = fifo(&c, QueueConfig::fifo().content_based_deduplication(true));
    let max = "g".repeat(128);
    assert!(q.send_message(OutgoingMessage::new("a").group_id(max.as_str())).is_ok());
    assert!(q.send_message(OutgoingMessage::new("b").group_id("!~{}#")).is_ok());
    for bad in [String::new(), "g".repeat(129), "has space".into(), "tab\t".into(), "é".into()] {
        let e = q.send_message(OutgoingMessage::new("c").group_id(bad.as_str())).unwrap_err();
        assert_eq!(e.code(), "InvalidParameterValue", "{bad:?}");
    }
    assert_eq!(q.stats().total(), 2);
}

#[test]
fn dedup_id_is_required_without_content_based_deduplication() {
    let c = cloud();
    let q = fifo(&c, QueueConfig::fifo());
    let e = q.send_message(OutgoingMessage::new("x").group_id("g")).unwrap_err();
    assert_eq!(e.code(), "InvalidParameterValue");
    assert_eq!(q.stats().total(), 0);
}

#[test]
fn dedup_id_is_at_most_128_characters() {
    let c = cloud();
    let q = fifo(&c, QueueConfig::fifo());
    let ok = OutgoingMessage::new("a").group_id("g").deduplication_id("d".repeat(128));
    assert!(q.send_message(ok).is_ok());
    let long = OutgoingMessage::new("b").group_id("g").deduplication_id("d".repeat(129));
    assert_eq!(q.send_message(long).unwrap_err().code(), "InvalidParameterValue");
}

#[test]
fn per_message_delay_is_rejected_on_fifo_queues() {
    let c = cloud();
    let q = fifo(&c, QueueConfig::fifo());
    let e = q.send_message(msg("g", "a").delay(secs(5))).unwrap_err();
    assert_eq!(e.code(), "InvalidParameterValue");
    assert_eq!(q.stats().total(), 0);
}

// ---- order and the group lock ----

#[test]
fn messages_of_a_group_arrive_in_send_order() {
    let c = cloud();
    let q = fifo(&c, QueueConfig::fifo());
    for i in 0..20 {
        send(&q, "g", &format!("m{i:02}"));
    }
    let mut got = Vec::new();
    while let Some(m) = q.try_receive().unwrap() {
        got.push(m.body_str().to_owned());
        q.delete(m.receipt_handle()).unwrap();
    }
    let want: Vec<String> = (0..20).map(|i| format!("m{i:02}")).collect();
    assert_eq!(got, want);
}

#[test]
fn no_later_message_of_a_group_while_one_is_in_flight() {
    let c = cloud();
    let q = fifo(&c, QueueConfig::fifo());
    send(&q, "g", "a1");
    send(&q, "g", "a2");
    let first = q.try_receive().unwrap().unwrap();
    assert_eq!(first.body_str(), "a1");
    assert!(q.try_receive().unwrap().is_none(), "a2 waits behind the in-flight a1");
    assert_eq!(q.stats().visible, 1, "a2 is visible, only locked");
    c.advance(secs(29));
    assert!(q.try_receive().unwrap().is_none());
}

#[test]
fn other_groups_flow_while_one_is_locked() {
    let c = cloud();
    let q = fifo(&c, QueueConfig::fifo());
    send(&q, "a", "a1");
    send(&q, "a", "a2");
    send(&q, "b", "b1");
    assert_eq!(q.try_receive().unwrap().unwrap().body_str(), "a1");
    assert_eq!(q.try_receive().unwrap().unwrap().body_str(), "b1");
    assert!(q.try_receive().unwrap().is_none());
}

#[test]
fn deleting_the_in_flight_message_releases_the_next() {
    let c = cloud();
    let q = fifo(&c, QueueConfig::fifo());
    send(&q, "g", "a1");
    send(&q, "g", "a2");
    let first = q.try_receive().unwrap().unwrap();
    q.delete(first.receipt_handle()).unwrap();
    assert_eq!(q.try_receive().unwrap().unwrap().body_str(), "a2");
}

#[test]
fn an_expired_visibility_timeout_returns_the_same_message_first() {
    let c = cloud();
    let q = fifo(&c, QueueConfig::fifo().visibility_timeout(secs(10)));
    send(&q, "g", "a1");
    send(&q, "g", "a2");
    let first = q.try_receive().unwrap().unwrap();
    c.advance(secs(10));
    let again = q.try_receive().unwrap().unwrap();
    assert_eq!((again.body_str(), again.message_id(), again.receive_count()), ("a1", first.message_id(), 2));
    assert!(q.try_receive().unwrap().is_none(), "a1 is in flight again");
}

#[test]
fn change_visibility_to_zero_unlocks_the_group() {
    let c = cloud();
    let q = fifo(&c, QueueConfig::fifo());
    send(&q, "g", "a1");
    send(&q, "g", "a2");
    let first = q.try_receive().unwrap().unwrap();
    q.change_visibility(first.receipt_handle(), Duration::ZERO).unwrap();
    let got = receive(&q, 10);
    assert_eq!(bodies(&got), vec!["a1", "a2"]);
}

#[test]
fn a_group_stays_locked_until_every_in_flight_message_is_deleted() {
    let c = cloud();
    let q = fifo(&c, QueueConfig::fifo());
    for b in ["a1", "a2", "a3"] {
        send(&q, "g", b);
    }
    let got = receive(&q, 2);
    assert_eq!(bodies(&got), vec!["a1", "a2"]);
    q.delete(got[1].receipt_handle()).unwrap();
    assert!(q.try_receive().unwrap().is_none(), "a1 is still in flight");
    q.delete(got[0].receipt_handle()).unwrap();
    assert_eq!(q.try_receive().unwrap().unwrap().body_str(), "a3");
}

#[test]
fn one_receive_returns_several_consecutive_messages_of_a_group() {
    let c = cloud();
    let q = fifo(&c, QueueConfig::fifo());
    for i in 0..5 {
        send(&q, "g", &format!("m{i}"));
    }
    let got = receive(&q, 3);
    assert_eq!(bodies(&got), vec!["m0", "m1", "m2"]);
    assert!(receive(&q, 10).is_empty(), "m3 and m4 wait behind the in-flight three");
}

#[test]
fn one_receive_may_span_groups_keeping_each_groups_order() {
    let c = cloud();
    let q = fifo(&c, QueueConfig::fifo());
    for (g, b) in [("a", "a1"), ("b", "b1"), ("a", "a2"), ("b", "b2"), ("a", "a3")] {
        send(&q, g, b);
    }
    let got = receive(&q, 10);
    assert_eq!(got.len(), 5);
    for g in ["a", "b"] {
        let of_g: Vec<&str> = got.iter().filter(|m| m.group_id() == Some(g)).map(|m| m.body_str()).collect();
        let want: Vec<String> = (1..=of_g.len()).map(|i| format!("{g}{i}")).collect();
        assert_eq!(of_g, want);
    }
}

#[test]
fn queue_delay_applies_to_fifo_messages_without_blocking_other_groups() {
    let c = cloud();
    let q = fifo(&c, QueueConfig::fifo().delay(secs(5)));
    send(&q, "a", "a1");
    c.advance(secs(3));
    send(&q, "b", "b1");
    assert!(q.try_receive().unwrap().is_none());
    c.advance(secs(2));
    assert_eq!(bodies(&receive(&q, 10)), vec!["a1"]);
    c.advance(secs(3));
    assert_eq!(bodies(&receive(&q, 10)), vec!["b1"]);
}

#[test]
fn retention_removing_the_in_flight_message_unlocks_its_group() {
    let c = cloud();
    let q = fifo(&c, QueueConfig::fifo().retention(secs(60)).visibility_timeout(secs(43_200)));
    send(&q, "g", "a1");
    c.advance(secs(30));
    send(&q, "g", "a2");
    let held = q.try_receive().unwrap().unwrap();
    assert_eq!(held.body_str(), "a1");
    c.advance(secs(30));
    assert_eq!(q.try_receive().unwrap().unwrap().body_str(), "a2", "a1 expired in flight");
}

#[test]
fn purge_unlocks_every_group() {
    let c = cloud();
    let q = fifo(&c, QueueConfig::fifo());
    send(&q, "g", "a1");
    send(&q, "g", "a2");
    let held = q.try_receive().unwrap().unwrap();
    q.purge().unwrap();
    send(&q, "g", "a3");
    assert_eq!(q.try_receive().unwrap().unwrap().body_str(), "a3");
    assert_eq!(q.delete(held.receipt_handle()).unwrap_err().code(), "ReceiptHandleIsInvalid");
}

#[test]
fn long_poll_wakes_when_a_delete_unlocks_the_group() {
    let c = cloud();
    let q = fifo(&c, QueueConfig::fifo());
    send(&q, "g", "a1");
    send(&q, "g", "a2");
    let first = q.try_receive().unwrap().unwrap();
    let consumer = {
        let q = q.clone();
        thread::spawn(move || q.receive(ReceiveOptions::new().wait(secs(20))).unwrap())
    };
    while q.waiting_receives() == 0 {
        thread::yield_now(); // the consumer has not parked yet
    }
    q.delete(first.receipt_handle()).unwrap();
    assert_eq!(bodies(&consumer.join().unwrap()), vec!["a2"]);
}

// ---- deduplication ----

#[test]
fn duplicate_dedup_id_returns_the_original_id_and_stores_nothing() {
    let c = cloud();
    let q = fifo(&c, QueueConfig::fifo());
    let first = q.send_message(OutgoingMessage::new("one").group_id("g").deduplication_id("d1")).unwrap();
    c.advance(secs(60));
    let dup = q.send_message(OutgoingMessage::new("two").group_id("g").deduplication_id("d1")).unwrap();
    assert_eq!(dup.message_id(), first.message_id());
    assert_eq!(dup.sequence_number(), first.sequence_number());
    assert_eq!(q.stats().total(), 1);
    let got = receive(&q, 10);
    assert_eq!(bodies(&got), vec!["one"]);
}

#[test]
fn content_based_dedup_uses_the_sha256_of_the_body_only() {
    let c = cloud();
    let q = fifo(&c, QueueConfig::fifo().content_based_deduplication(true));
    let first = q.send_message(OutgoingMessage::new("hello").group_id("g")).unwrap();
    let with_attr = OutgoingMessage::new("hello").group_id("g").attribute("k", AttributeValue::string("v"));
    assert_eq!(q.send_message(with_attr).unwrap().message_id(), first.message_id(), "attributes do not count");
    let other = q.send_message(OutgoingMessage::new("hello!").group_id("g")).unwrap();
    assert_ne!(other.message_id(), first.message_id());
    assert_eq!(q.stats().total(), 2);
    let m = q.try_receive().unwrap().unwrap();
    assert_eq!(
        m.system_attributes().message_deduplication_id.as_deref(),
        Some("2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824")
    );
}

#[test]
fn explicit_dedup_id_overrides_content_based_deduplication() {
    let c = cloud();
    let q = fifo(&c, QueueConfig::fifo().content_based_deduplication(true));
    q.send_message(OutgoingMessage::new("same").group_id("g").deduplication_id("x")).unwrap();
    q.send_message(OutgoingMessage::new("same").group_id("g").deduplication_id("y")).unwrap();
    assert_eq!(q.stats().total(), 2);
    let dup = q.send_message(OutgoingMessage::new("different").group_id("g").deduplication_id("x")).unwrap();
    assert_eq!(q.stats().total(), 2);
    assert_eq!(q.try_receive().unwrap().unwrap().message_id(), dup.message_id());
}

#[test]
fn dedup_window_outlives_delete_and_ends_after_five_minutes() {
    let c = cloud();
    let q = fifo(&c, QueueConfig::fifo());
    let first = q.send_message(msg("g", "d")).unwrap();
    let m = q.try_receive().unwrap().unwrap();
    q.delete(m.receipt_handle()).unwrap();
    c.advance(secs(299));
    let dup = q.send_message(msg("g", "d")).unwrap();
    assert_eq!(dup.message_id(), first.message_id());
    assert_eq!(q.stats().total(), 0, "still a duplicate after the delete");
    c.advance(secs(1));
    let fresh = q.send_message(msg("g", "d")).unwrap();
    assert_ne!(fresh.message_id(), first.message_id());
    assert_eq!(q.stats().total(), 1);
}

#[test]
fn duplicates_do_not_extend_the_window() {
    let c = cloud();
    let q = fifo(&c, QueueConfig::fifo());
    let first = q.send_message(msg("g", "d")).unwrap();
    c.advance(secs(200));
    q.send_message(msg("g", "d")).unwrap();
    c.advance(secs(100));
    assert_ne!(q.send_message(msg("g", "d")).unwrap().message_id(), first.message_id());
}

#[test]
fn dedup_scope_queue_spans_groups() {
    let c = cloud();
    let q = fifo(&c, QueueConfig::fifo());
    let a = q.send_message(OutgoingMessage::new("x").group_id("a").deduplication_id("d")).unwrap();
    let b = q.send_message(OutgoingMessage::new("y").group_id("b").deduplication_id("d")).unwrap();
    assert_eq!(b.message_id(), a.message_id());
    assert_eq!(q.stats().total(), 1);
}

#[test]
fn dedup_scope_message_group_keeps_groups_apart() {
    let c = cloud();
    let q = fifo(&c, QueueConfig::fifo().deduplication_scope(DeduplicationScope::MessageGroup));
    let a = q.send_message(OutgoingMessage::new("x").group_id("a").deduplication_id("d")).unwrap();
    let b = q.send_message(OutgoingMessage::new("y").group_id("b").deduplication_id("d")).unwrap();
    assert_ne!(b.message_id(), a.message_id());
    let again = q.send_message(OutgoingMessage::new("z").group_id("a").deduplication_id("d")).unwrap();
    assert_eq!(again.message_id(), a.message_id());
    assert_eq!(q.stats().total(), 2);
}

#[test]
fn deduplicated_sends_are_counted_in_metrics() {
    let c = cloud();
    let q = fifo(&c, QueueConfig::fifo());
    send(&q, "g", "a");
    send(&q, "g", "a");
    send(&q, "g", "a");
    send(&q, "g", "b");
    assert_eq!(metric(&c, "NumberOfMessagesSent"), 2.0);
    assert_eq!(metric(&c, "NumberOfDeduplicatedSentMessages"), 2.0);
    assert_eq!(metric(&c, "ApproximateNumberOfMessagesVisible"), 2.0);
}

// ---- receive request attempt ids ----

#[test]
fn a_retried_receive_with_the_same_attempt_id_returns_the_same_messages_and_handles() {
    let c = cloud();
    let q = fifo(&c, QueueConfig::fifo());
    for b in ["a1", "a2", "b1"] {
        send(&q, if b.starts_with('a') { "a" } else { "b" }, b);
    }
    let opts = ReceiveOptions::new().max_messages(2).attempt_id("try-1");
    let first = q.receive(opts.clone()).unwrap();
    c.advance(secs(10));
    let retry = q.receive(opts).unwrap();
    assert_eq!(bodies(&retry), bodies(&first));
    let handles = |v: &[ReceivedMessage]| v.iter().map(|m| m.receipt_handle().clone()).collect::<Vec<_>>();
    assert_eq!(handles(&retry), handles(&first));
    assert_eq!(retry[0].receive_count(), 1, "the retry is not a new receive");
    let other = q.receive(ReceiveOptions::new().max_messages(10).attempt_id("try-2")).unwrap();
    assert_eq!(bodies(&other), vec!["b1"], "a new attempt id is a new receive");
    for m in &first {
        q.delete(m.receipt_handle()).unwrap();
    }
}

#[test]
fn an_attempt_id_is_forgotten_once_its_messages_are_deleted() {
    let c = cloud();
    let q = fifo(&c, QueueConfig::fifo());
    send(&q, "g", "a1");
    send(&q, "g", "a2");
    let opts = ReceiveOptions::new().attempt_id("try");
    let first = q.receive(opts.clone()).unwrap();
    q.delete(first[0].receipt_handle()).unwrap();
    assert_eq!(bodies(&q.receive(opts).unwrap()), vec!["a2"]);
}

#[test]
fn attempt_id_is_at_most_128_printable_characters() {
    let c = cloud();
    let q = fifo(&c, QueueConfig::fifo());
    assert!(q.receive(ReceiveOptions::new().attempt_id("a".repeat(128))).is_ok());
    for bad in ["a".repeat(129), String::new(), "has space".into()] {
        let e = q.receive(ReceiveOptions::new().attempt_id(bad.as_str())).unwrap_err();
        assert_eq!(e.code(), "InvalidParameterValue", "{bad:?}");
    }
}

// ---- sequence numbers ----

#[test]
fn sequence_numbers_are_present_and_strictly_increasing() {
    let c = cloud();
    let q = fifo(&c, QueueConfig::fifo());
    let mut sent = Vec::new();
    for i in 0..10 {
        let r = q.send_message(msg(["a", "b"][i % 2], &format!("m{i}"))).unwrap();
        sent.push(r.sequence_number().expect("a FIFO send has a sequence number"));
    }
    assert!(sent.windows(2).all(|w| w[0] < w[1]), "{sent:?}");
    assert!(sent.iter().all(|&n| n.to_string().len() >= 20), "20-digit decimals like the service's");
    let got = receive(&q, 10);
    for m in &got {
        let n = m.sequence_number().unwrap();
        assert_eq!(m.system_attributes().sequence_number, Some(n));
        assert!(sent.contains(&n));
    }
    for g in ["a", "b"] {
        let of_g: Vec<u128> =
            got.iter().filter(|m| m.group_id() == Some(g)).map(|m| m.sequence_number().unwrap()).collect();
        assert!(of_g.windows(2).all(|w| w[0] < w[1]), "{of_g:?}");
    }
}

#[test]
fn standard_queues_have_no_sequence_numbers() {
    let c = cloud();
    let q = c.create_queue("q", QueueConfig::default()).unwrap();
    assert_eq!(q.send("x").unwrap().sequence_number(), None);
    assert_eq!(q.try_receive().unwrap().unwrap().sequence_number(), None);
}

#[test]
fn system_attributes_carry_the_fifo_ids() {
    let c = cloud();
    let q = fifo(&c, QueueConfig::fifo());
    let r = q.send_message(msg("g", "d1")).unwrap();
    let a = q.try_receive().unwrap().unwrap().system_attributes();
    assert_eq!(a.message_group_id.as_deref(), Some("g"));
    assert_eq!(a.message_deduplication_id.as_deref(), Some("d1"));
    assert_eq!(a.sequence_number, r.sequence_number());
}

// ---- stale receipt handles ----

#[test]
fn delete_with_an_expired_handle_is_rejected() {
    let c = cloud();
    let q = fifo(&c, QueueConfig::fifo().visibility_timeout(secs(10)));
    send(&q, "g", "a1");
    let m = q.try_receive().unwrap().unwrap();
    c.advance(secs(10));
    assert_eq!(q.delete(m.receipt_handle()).unwrap_err().code(), "InvalidParameterValue");
    assert_eq!(q.stats().visible, 1, "the message stays");
}

#[test]
fn delete_with_a_superseded_handle_is_rejected_and_the_latest_works() {
    let c = cloud();
    let q = fifo(&c, QueueConfig::fifo().visibility_timeout(secs(10)));
    send(&q, "g", "a1");
    let old = q.try_receive().unwrap().unwrap();
    c.advance(secs(10));
    let new = q.try_receive().unwrap().unwrap();
    assert_eq!(q.delete(old.receipt_handle()).unwrap_err().code(), "InvalidParameterValue");
    assert_eq!(q.stats().in_flight, 1);
    q.delete(new.receipt_handle()).unwrap();
    assert_eq!(q.stats().total(), 0);
}

#[test]
fn change_visibility_with_an_expired_handle_is_rejected() {
    let c = cloud();
    let q = fifo(&c, QueueConfig::fifo().visibility_timeout(secs(10)));
    send(&q, "g", "a1");
    let m = q.try_receive().unwrap().unwrap();
    c.advance(secs(10));
    let e = q.change_visibility(m.receipt_handle(), secs(60)).unwrap_err();
    assert_eq!(e.code(), "InvalidParameterValue");
    assert_eq!(q.stats().visible, 1, "not hidden again");
}

#[test]
fn deleting_an_already_deleted_message_succeeds() {
    let c = cloud();
    let q = fifo(&c, QueueConfig::fifo());
    send(&q, "g", "a1");
    let m = q.try_receive().unwrap().unwrap();
    q.delete(m.receipt_handle()).unwrap();
    q.delete(m.receipt_handle()).unwrap();
}

// ---- dead-letter queues ----

#[test]
fn a_fifo_queue_needs_a_fifo_dlq_and_a_standard_queue_a_standard_one() {
    let c = cloud();
    let std_dlq = c.create_queue("dlq", QueueConfig::default()).unwrap();
    let fifo_dlq = c.create_queue("dlq.fifo", QueueConfig::fifo()).unwrap();
    let e = c.create_queue("src.fifo", QueueConfig::fifo().redrive(RedrivePolicy::new(&std_dlq, 3))).unwrap_err();
    assert_eq!(e.code(), "InvalidParameterValue");
    let e = c.create_queue("src", QueueConfig::default().redrive(RedrivePolicy::new(&fifo_dlq, 3))).unwrap_err();
    assert_eq!(e.code(), "InvalidParameterValue");
    assert!(c.create_queue("src.fifo", QueueConfig::fifo().redrive(RedrivePolicy::new(&fifo_dlq, 3))).is_ok());
    assert!(c.create_queue("src", QueueConfig::default().redrive(RedrivePolicy::new(&std_dlq, 3))).is_ok());
}

#[test]
fn redrive_to_a_fifo_dlq_keeps_group_order_and_ids() {
    let c = cloud();
    let (q, dlq) = source_with_dlq(&c, true, 5, 1);
    let sent: Vec<_> = ["a1", "a2", "a3"].iter().map(|b| q.send_message(msg("a", b)).unwrap()).collect();
    assert_eq!(receive(&q, 10).len(), 3);
    c.advance(secs(5));
    assert!(receive(&q, 10).is_empty(), "the receive that would exceed 1 moves all three");
    assert_eq!(q.stats().total(), 0);
    let dead = receive(&dlq, 10);
    assert_eq!(bodies(&dead), vec!["a1", "a2", "a3"]);
    for (m, r) in dead.iter().zip(&sent) {
        assert_eq!(m.message_id(), r.message_id());
        assert_eq!(m.group_id(), Some("a"));
        assert_eq!(m.system_attributes().dead_letter_queue_source_arn.as_deref(), Some(q.arn()));
    }
}

#[test]
fn redrive_of_a_groups_head_lets_the_next_message_through_in_order() {
    let c = cloud();
    let (q, dlq) = source_with_dlq(&c, true, 5, 1);
    for b in ["a1", "a2", "a3"] {
        send(&q, "a", b);
    }
    assert_eq!(bodies(&receive(&q, 1)), vec!["a1"]);
    c.advance(secs(5));
    assert_eq!(bodies(&receive(&q, 1)), vec!["a2"], "a1 moved to the DLQ, a2 is next");
    assert_eq!(bodies(&receive(&dlq, 10)), vec!["a1"]);
    assert!(receive(&q, 10).is_empty(), "a3 waits behind a2");
}

#[test]
fn a_fifo_dlq_numbers_the_messages_it_takes_in() {
    let c = cloud();
    let dlq = c.create_queue("dlq.fifo", QueueConfig::fifo()).unwrap();
    let config = || QueueConfig::fifo().visibility_timeout(secs(5)).redrive(RedrivePolicy::new(&dlq, 1));
    let a = c.create_queue("a.fifo", config()).unwrap();
    let b = c.create_queue("b.fifo", config()).unwrap();
    // Both sources number their first message alike; the DLQ must not repeat it.
    a.send_message(msg("g", "from-a")).unwrap();
    b.send_message(msg("g", "from-b")).unwrap();
    for q in [&a, &b] {
        receive(q, 10);
    }
    c.advance(secs(5));
    for q in [&a, &b] {
        assert!(receive(q, 10).is_empty());
    }
    let dead = receive(&dlq, 10);
    assert_eq!(bodies(&dead), vec!["from-a", "from-b"]);
    let seqs: Vec<u128> = dead.iter().map(|m| m.sequence_number().unwrap()).collect();
    assert!(seqs[0] < seqs[1], "{seqs:?}");
}

// ---- in-flight cap ----

#[test]
fn fifo_receive_returns_nothing_at_120000_in_flight() {
    let c = cloud();
    let q = fifo(&c, QueueConfig::fifo().visibility_timeout(secs(43_200)));
    // Ten messages per group, so each receive of ten locks one group.
    for g in 0..12_001 {
        let batch: Vec<_> =
            (0..10).map(|i| BatchEntry::new(format!("e{i}"), msg(&format!("g{g}"), &format!("g{g}-{i}")))).collect();
        q.send_batch(batch).unwrap();
    }
    while q.stats().in_flight < 120_000 {
        assert_eq!(receive(&q, 10).len(), 10);
    }
    assert_eq!(q.stats().in_flight, 120_000);
    assert!(receive(&q, 10).is_empty(), "FIFO returns nothing instead of OverLimit");
    assert_eq!(q.stats().visible, 10);
}

// ---- fair queues ----

#[test]
fn group_ids_on_a_standard_queue_neither_order_nor_lock() {
    let c = cloud();
    let q = c.create_queue("q", QueueConfig::default()).unwrap();
    q.send_message(OutgoingMessage::new("t1").group_id("tenant")).unwrap();
    q.send_message(OutgoingMessage::new("t2").group_id("tenant")).unwrap();
    let first = q.try_receive().unwrap().unwrap();
    let second = q.try_receive().unwrap().expect("no group lock on a standard queue");
    assert_eq!((first.group_id(), second.group_id()), (Some("tenant"), Some("tenant")));
    assert_eq!(first.sequence_number(), None);
}

#[test]
fn a_duplicates_receipt_reports_the_md5_of_its_attributes() {
    let c = cloud();
    let q = fifo(&c, QueueConfig::fifo());
    let m = || msg("g", "x").deduplication_id("d").attribute("a", localcloud::AttributeValue::string("b"));
    let first = q.send_message(m()).unwrap();
    let dup = q.send_message(m()).unwrap();
    assert_eq!(dup.message_id(), first.message_id());
    assert_eq!(dup.md5_of_message_attributes().unwrap().to_string(), "bef8bf215374a0a228d67533b1a488be");
}

// ---- handles issued before a purge ----

#[test]
fn change_visibility_with_a_handle_from_before_a_purge_is_rejected() {
    let c = cloud();
    let q = fifo(&c, QueueConfig::fifo().visibility_timeout(secs(30)));
    send(&q, "g", "a1");
    let old = q.try_receive().unwrap().unwrap();
    q.purge().unwrap();
    let e = q.change_visibility(old.receipt_handle(), secs(0)).unwrap_err();
    assert_eq!(e.code(), "ReceiptHandleIsInvalid");
    // The group's next message may take the purged one's slot; the old handle must
    // neither unlock the group nor reach that message.
    send(&q, "g", "a2");
    let new = q.try_receive().unwrap().unwrap();
    assert_eq!(new.body_str(), "a2");
    let e = q.change_visibility(old.receipt_handle(), secs(0)).unwrap_err();
    assert_eq!(e.code(), "ReceiptHandleIsInvalid");
    send(&q, "g", "a3");
    assert!(q.try_receive().unwrap().is_none(), "the group stays locked by a2");
    assert_eq!(q.stats().in_flight, 1);
    q.change_visibility(new.receipt_handle(), secs(0)).unwrap();
    assert_eq!(q.try_receive().unwrap().unwrap().body_str(), "a2");
}

// ---- receive request attempt ids once the messages moved on ----

#[test]
fn a_retry_after_the_visibility_expired_receives_afresh() {
    let c = cloud();
    let q = fifo(&c, QueueConfig::fifo().visibility_timeout(secs(10)));
    send(&q, "g", "a1");
    send(&q, "g", "a2");
    let opts = ReceiveOptions::new().attempt_id("try");
    let first = q.receive(opts.clone()).unwrap();
    assert_eq!(bodies(&first), vec!["a1"]);
    c.advance(secs(10));
    // The stored handles no longer work, so replaying them would be useless: the
    // retry is a new receive of the group's head.
    let retry = q.receive(opts.clone()).unwrap();
    assert_eq!(bodies(&retry), vec!["a1"]);
    assert_eq!(retry[0].receive_count(), 2, "a new receive, not the stored one");
    assert_ne!(retry[0].receipt_handle(), first[0].receipt_handle());
    assert_eq!(q.delete(first[0].receipt_handle()).unwrap_err().code(), "InvalidParameterValue");
    // That fresh receive is what the attempt id now replays.
    let again = q.receive(opts).unwrap();
    assert_eq!(again[0].receipt_handle(), retry[0].receipt_handle());
    assert_eq!(again[0].receive_count(), 2);
    q.delete(again[0].receipt_handle()).unwrap();
    assert_eq!(bodies(&receive(&q, 10)), vec!["a2"]);
}

#[test]
fn a_retry_after_another_consumer_took_the_expired_messages_returns_nothing_stale() {
    let c = cloud();
    let q = fifo(&c, QueueConfig::fifo().visibility_timeout(secs(10)));
    send(&q, "g", "a1");
    send(&q, "g", "a2");
    let opts = ReceiveOptions::new().attempt_id("try");
    q.receive(opts.clone()).unwrap();
    c.advance(secs(10));
    let taken = q.try_receive().unwrap().unwrap();
    assert_eq!((taken.body_str(), taken.receive_count()), ("a1", 2));
    assert!(q.receive(opts.clone()).unwrap().is_empty(), "the group is locked by the other receive");
    q.delete(taken.receipt_handle()).unwrap();
    assert_eq!(bodies(&q.receive(opts).unwrap()), vec!["a2"]);
}

#[test]
fn a_retry_after_a_visibility_change_receives_afresh() {
    let c = cloud();
    let q = fifo(&c, QueueConfig::fifo().visibility_timeout(secs(30)));
    send(&q, "a", "a1");
    send(&q, "b", "b1");
    let opts = ReceiveOptions::new().max_messages(10).attempt_id("try");
    let first = q.receive(opts.clone()).unwrap();
    assert_eq!(bodies(&first), vec!["a1", "b1"]);
    let b1 = first.iter().find(|m| m.body_str() == "b1").unwrap();
    q.change_visibility(b1.receipt_handle(), secs(0)).unwrap();
    let retry = q.receive(opts).unwrap();
    assert_eq!(bodies(&retry), vec!["b1"], "group a is still locked by a1");
    assert_eq!(retry[0].receive_count(), 2);
}

#[test]
fn a_different_attempt_id_does_not_replay_the_stored_receive() {
    let c = cloud();
    let q = fifo(&c, QueueConfig::fifo());
    send(&q, "g", "a1");
    send(&q, "g", "a2");
    let one = ReceiveOptions::new().max_messages(10).attempt_id("try-1");
    let two = ReceiveOptions::new().max_messages(10).attempt_id("try-2");
    let first = q.receive(one.clone()).unwrap();
    assert_eq!(bodies(&first), vec!["a1", "a2"]);
    assert!(q.receive(two.clone()).unwrap().is_empty(), "another attempt id is a new receive");
    assert!(receive(&q, 10).is_empty(), "so is a receive without one");
    let retry = q.receive(one).unwrap();
    assert_eq!(retry[0].receipt_handle(), first[0].receipt_handle());
    assert_eq!(retry[0].receive_count(), 1, "the failed receives changed nothing");
    assert_eq!(q.stats().in_flight, 2);
    for m in &first {
        q.delete(m.receipt_handle()).unwrap();
    }
    send(&q, "g", "a3");
    assert_eq!(bodies(&q.receive(two).unwrap()), vec!["a3"], "an empty receive stored nothing to replay");
}

// ---- throttling emulation ----

fn throttled_cloud() -> Cloud {
    Cloud::builder().manual_clock().throttling(true).build()
}

#[test]
fn throttled_fifo_queues_take_300_calls_per_second_per_action() {
    let c = throttled_cloud();
    let q = fifo(&c, QueueConfig::fifo());
    for i in 0..300 {
        send(&q, "g", &format!("m{i}"));
    }
    let e = q.send_message(msg("g", "one-too-many")).unwrap_err();
    assert_eq!(e.code(), "Throttling");
    assert_eq!(q.stats().total(), 300, "a throttled send stores nothing");
    // other actions have their own quota
    let got = receive(&q, 1);
    q.delete(got[0].receipt_handle()).unwrap();
    // the next second brings a new quota
    c.advance(secs(1));
    send(&q, "g", "next-second");
    assert_eq!(q.stats().total(), 300);
}

#[test]
fn a_batch_counts_as_one_call() {
    let c = throttled_cloud();
    let q = fifo(&c, QueueConfig::fifo());
    for b in 0..300 {
        let entries = (0..10).map(|i| BatchEntry::new(format!("e{i}"), msg("g", &format!("b{b}-{i}")))).collect();
        assert!(q.send_batch(entries).unwrap().failed().is_empty());
    }
    assert_eq!(q.stats().total(), 3_000);
    let e = q.send_batch(vec![BatchEntry::new("x", msg("g", "late"))]).unwrap_err();
    assert_eq!(e.code(), "Throttling");
}

#[test]
fn receives_and_deletes_are_throttled_too() {
    let c = throttled_cloud();
    let q = fifo(&c, QueueConfig::fifo());
    send(&q, "g", "m");
    for _ in 0..300 {
        q.receive(ReceiveOptions::new().visibility_timeout(Duration::ZERO)).unwrap();
    }
    assert_eq!(q.receive(ReceiveOptions::new()).unwrap_err().code(), "Throttling");
    c.advance(secs(1));
    let m = receive(&q, 1).remove(0);
    for _ in 0..300 {
        q.change_visibility(m.receipt_handle(), secs(30)).unwrap();
    }
    assert_eq!(q.change_visibility(m.receipt_handle(), secs(30)).unwrap_err().code(), "Throttling");
    q.delete(m.receipt_handle()).unwrap();
    assert_eq!(q.stats().total(), 0);
}

#[test]
fn high_throughput_mode_takes_3000_calls_per_second() {
    let c = throttled_cloud();
    let q = fifo(
        &c,
        QueueConfig::fifo()
            .deduplication_scope(DeduplicationScope::MessageGroup)
            .throughput_limit(FifoThroughputLimit::PerMessageGroupId),
    );
    for i in 0..3_000 {
        send(&q, &format!("g{}", i % 7), &format!("m{i}"));
    }
    assert_eq!(q.send_message(msg("g", "over")).unwrap_err().code(), "Throttling");
}

#[test]
fn without_throttling_emulation_or_on_standard_queues_nothing_is_throttled() {
    let c = cloud();
    let q = fifo(&c, QueueConfig::fifo());
    for i in 0..1_000 {
        send(&q, "g", &format!("m{i}"));
    }
    let t = throttled_cloud();
    let standard = t.create_queue("plain", QueueConfig::default()).unwrap();
    for i in 0..1_000 {
        standard.send(format!("m{i}")).unwrap();
    }
    assert_eq!(q.stats().total() + standard.stats().total(), 2_000);
}
