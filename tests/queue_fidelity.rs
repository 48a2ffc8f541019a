//! Queue behaviours checked against what AWS documents or answered when called, one
//! test (or a few) per behaviour, on a manual clock. Each test also checks that the
//! rejected call changed nothing, or that the neighbouring behaviour stayed as it was.

use std::time::Duration;

use localcloud::queue::{BatchEntry, DeduplicationScope, FifoThroughputLimit, MoveTaskStatus};
use localcloud::{Cloud, OutgoingMessage, Queue, QueueConfig, ReceiveOptions, ReceivedMessage, RedrivePolicy};

mod common;
use common::{
    bodies, cloud, fifo_msg as msg, fifo_queue, receive_all, receive_n as receive, secs, send_fifo as send,
    source_with_dlq,
};

// ---- the FIFO queue delay is retroactive ----

#[test]
fn a_message_sent_under_a_fifo_queue_delay_is_not_overtaken_after_the_delay_is_lowered() {
    let c = cloud();
    let q = fifo_queue(&c, QueueConfig::fifo().delay(secs(60)));
    send(&q, "g", "early");
    q.set_config(QueueConfig::fifo()).unwrap();
    send(&q, "g", "late");
    assert_eq!(q.stats().delayed, 0, "the new delay applies to the message already queued");
    assert_eq!(bodies(&receive(&q, 10)), vec!["early", "late"]);
}

#[test]
fn a_fifo_queue_delay_change_times_queued_messages_from_their_send() {
    let c = cloud();
    let q = fifo_queue(&c, QueueConfig::fifo().delay(secs(60)));
    send(&q, "g", "a1");
    c.advance(secs(30));
    send(&q, "g", "a2");
    q.set_config(QueueConfig::fifo().delay(secs(40))).unwrap();
    assert_eq!(q.stats().delayed, 2);
    c.advance(secs(9));
    assert!(q.try_receive().unwrap().is_none(), "a1 is visible at 40 s, not before");
    c.advance(secs(1));
    assert_eq!(bodies(&receive(&q, 10)), vec!["a1"], "a2 waits for 70 s");
}

#[test]
fn raising_a_fifo_queue_delay_holds_back_messages_not_yet_received() {
    let c = cloud();
    let q = fifo_queue(&c, QueueConfig::fifo());
    send(&q, "g", "a1");
    c.advance(secs(10));
    q.set_config(QueueConfig::fifo().delay(secs(60))).unwrap();
    assert_eq!((q.stats().visible, q.stats().delayed), (0, 1));
    c.advance(secs(49));
    assert!(q.try_receive().unwrap().is_none());
    c.advance(secs(1));
    assert_eq!(q.try_receive().unwrap().unwrap().body_str(), "a1");
}

#[test]
fn a_received_fifo_message_is_not_delayed_again_by_a_new_queue_delay() {
    let c = cloud();
    let q = fifo_queue(&c, QueueConfig::fifo().visibility_timeout(secs(5)));
    send(&q, "g", "a1");
    q.try_receive().unwrap().unwrap();
    q.set_config(QueueConfig::fifo().visibility_timeout(secs(5)).delay(secs(60))).unwrap();
    c.advance(secs(5));
    let again = q.try_receive().unwrap().expect("visible again after its visibility timeout");
    assert_eq!((again.body_str(), again.receive_count()), ("a1", 2));
}

#[test]
fn a_standard_queue_delay_change_applies_to_later_sends_only() {
    let c = cloud();
    let long = QueueConfig::default().visibility_timeout(secs(3600));
    let q = c.create_queue("q", long.clone().delay(secs(60))).unwrap();
    q.send("early").unwrap();
    q.set_config(long).unwrap();
    q.send("late").unwrap();
    assert_eq!(q.stats().delayed, 1);
    assert_eq!(bodies(&receive_all(&q)), vec!["late"]);
    c.advance(secs(60));
    assert_eq!(bodies(&receive_all(&q)), vec!["early"]);
}

// ---- a retried receive resets the visibility timeout ----

#[test]
fn a_receive_retried_with_its_attempt_id_resets_the_visibility_timeout() {
    let c = cloud();
    let q = fifo_queue(&c, QueueConfig::fifo().visibility_timeout(secs(30)));
    send(&q, "g", "a1");
    send(&q, "g", "a2");
    let opts = ReceiveOptions::new().max_messages(2).attempt_id("try-1");
    let first = q.receive(opts.clone()).unwrap();
    c.advance(secs(20));
    let retry = q.receive(opts).unwrap();
    assert_eq!(bodies(&retry), vec!["a1", "a2"]);
    let handles = |ms: &[ReceivedMessage]| ms.iter().map(|m| m.receipt_handle().clone()).collect::<Vec<_>>();
    assert_eq!(handles(&retry), handles(&first), "the same handles");
    assert_eq!(retry[0].receive_count(), 1, "not a new receive");
    c.advance(secs(29));
    assert_eq!(q.stats().in_flight, 2, "hidden for 30 s from the retry, not from the first receive");
    c.advance(secs(1));
    assert_eq!(q.stats().visible, 2);
    let again = receive(&q, 2);
    assert_eq!((again[0].body_str(), again[0].receive_count()), ("a1", 2));
}

#[test]
fn a_retried_receive_uses_its_own_visibility_timeout() {
    let c = cloud();
    let q = fifo_queue(&c, QueueConfig::fifo().visibility_timeout(secs(30)));
    send(&q, "g", "a1");
    let opts = ReceiveOptions::new().attempt_id("try-1");
    let first = q.receive(opts.clone()).unwrap();
    let retry = q.receive(opts.visibility_timeout(secs(100))).unwrap();
    assert_eq!(retry[0].receipt_handle(), first[0].receipt_handle());
    c.advance(secs(99));
    assert!(q.try_receive().unwrap().is_none());
    c.advance(secs(1));
    assert_eq!(q.try_receive().unwrap().unwrap().receive_count(), 2);
}

// ---- messages moved back by a task are new messages ----

#[test]
fn a_message_moved_back_by_a_task_has_a_new_id_and_enqueue_time() {
    let c = cloud();
    let (src, dlq) = source_with_dlq(&c, false, 1, 1);
    let sent = src.send("poison").unwrap();
    let sent_at = c.now();
    src.try_receive().unwrap().unwrap();
    c.advance(secs(1));
    assert!(src.try_receive().unwrap().is_none(), "moved to the DLQ");
    let dead = dlq.try_receive().unwrap().unwrap();
    assert_eq!(dead.message_id(), sent.message_id(), "the dead-letter copy keeps its id");
    assert_eq!(dead.sent_at(), sent_at, "and its enqueue time");
    c.advance(secs(100));
    dlq.change_visibility(dead.receipt_handle(), secs(0)).unwrap();
    let task = c.start_message_move_task(&dlq, None).unwrap();
    let moved_at = c.now();
    c.run_until_idle();
    assert_eq!(task.status(), MoveTaskStatus::Completed);
    let back = src.try_receive().unwrap().unwrap();
    assert_eq!(back.body_str(), "poison");
    assert_ne!(back.message_id(), sent.message_id(), "a new message id");
    assert_eq!(back.sent_at(), moved_at, "a new enqueue time");
    assert_eq!(back.receive_count(), 1);
}

// ---- FIFO dead-letter copies ----

#[test]
fn a_fifo_dead_letter_copy_is_deduplicated_by_the_original_message_id() {
    let c = cloud();
    let (src, dlq) = source_with_dlq(&c, true, 1, 1);
    let sent = src.send_message(msg("g", "sender-dedup")).unwrap();
    src.try_receive().unwrap().unwrap();
    c.advance(secs(1));
    assert!(src.try_receive().unwrap().is_none());
    let dead = dlq.try_receive().unwrap().unwrap();
    let attrs = dead.system_attributes();
    assert_eq!(dead.message_id(), sent.message_id());
    assert_eq!(attrs.message_deduplication_id, Some(sent.message_id().to_string()));
    assert_eq!(attrs.message_group_id.as_deref(), Some("g"), "the group stays");
    assert_eq!(attrs.dead_letter_queue_source_arn.as_deref(), Some(src.arn()));
}

// ---- FIFO settings are mutable ----

#[test]
fn fifo_settings_may_change_on_an_existing_fifo_queue() {
    let c = cloud();
    let q = fifo_queue(&c, QueueConfig::fifo());
    let high_throughput = QueueConfig::fifo()
        .content_based_deduplication(true)
        .deduplication_scope(DeduplicationScope::MessageGroup)
        .throughput_limit(FifoThroughputLimit::PerMessageGroupId);
    q.set_config(high_throughput.clone()).unwrap();
    assert_eq!(q.config(), high_throughput);
    q.send_message(OutgoingMessage::new("by content").group_id("g")).unwrap();
    assert_eq!(q.try_receive().unwrap().unwrap().body_str(), "by content");
    q.set_config(QueueConfig::fifo()).unwrap();
    assert_eq!(q.config(), QueueConfig::fifo(), "and back");
    let e = q.send_message(OutgoingMessage::new("no id").group_id("g")).unwrap_err();
    assert_eq!(e.code(), "InvalidParameterValue", "content-based deduplication is off again");
}

#[test]
fn the_high_throughput_pairing_rule_holds_after_a_change() {
    let c = cloud();
    let q = fifo_queue(&c, QueueConfig::fifo());
    let per_group = QueueConfig::fifo().throughput_limit(FifoThroughputLimit::PerMessageGroupId);
    let e = q.set_config(per_group.clone()).unwrap_err();
    assert_eq!(e.code(), "InvalidAttributeValue");
    assert_eq!(q.config(), QueueConfig::fifo(), "nothing changed");
    q.set_config(per_group.clone().deduplication_scope(DeduplicationScope::MessageGroup)).unwrap();
    let e = q.set_config(per_group.deduplication_scope(DeduplicationScope::Queue)).unwrap_err();
    assert_eq!(e.code(), "InvalidAttributeValue", "the scope cannot leave a per-group limit behind");
    assert_eq!(q.config().get_deduplication_scope(), DeduplicationScope::MessageGroup);
}

// ---- whole seconds ----

#[test]
fn per_message_delay_receive_visibility_and_visibility_changes_take_whole_seconds() {
    let c = cloud();
    let q = c.create_queue("q", QueueConfig::default()).unwrap();
    let half = Duration::from_millis(1_500);
    let e = q.send_message(OutgoingMessage::new("x").delay(half)).unwrap_err();
    assert_eq!(e.code(), "InvalidParameterValue");
    assert_eq!(q.stats().total(), 0, "nothing sent");
    q.send("x").unwrap();
    let e = q.receive(ReceiveOptions::new().visibility_timeout(half)).unwrap_err();
    assert_eq!(e.code(), "InvalidParameterValue");
    assert_eq!(q.stats().visible, 1, "nothing received");
    let m = q.receive(ReceiveOptions::new().visibility_timeout(secs(10))).unwrap().remove(0);
    let e = q.change_visibility(m.receipt_handle(), Duration::from_millis(500)).unwrap_err();
    assert_eq!(e.code(), "InvalidParameterValue");
    c.advance(secs(9));
    assert_eq!(q.stats().in_flight, 1, "the timeout stands");
    c.advance(secs(1));
    assert_eq!(q.stats().visible, 1);
    q.send_message(OutgoingMessage::new("whole").delay(secs(2))).unwrap();
    assert_eq!(q.stats().delayed, 1, "whole seconds are fine");
}

// ---- expired FIFO receipt handles ----

#[test]
fn an_expired_fifo_receipt_handle_is_rejected_as_expired() {
    let c = cloud();
    let q = fifo_queue(&c, QueueConfig::fifo().visibility_timeout(secs(10)));
    send(&q, "g", "a1");
    let m = q.try_receive().unwrap().unwrap();
    c.advance(secs(10));
    let e = q.delete(m.receipt_handle()).unwrap_err();
    assert_eq!((e.code(), e.to_string().contains("The receipt handle has expired")), ("InvalidParameterValue", true));
    let e = q.change_visibility(m.receipt_handle(), secs(30)).unwrap_err();
    assert_eq!((e.code(), e.to_string().contains("The receipt handle has expired")), ("InvalidParameterValue", true));
    assert_eq!(q.stats().visible, 1, "the message stays, visible");
    let fresh = q.receive(ReceiveOptions::new()).unwrap().remove(0);
    let other = c.create_queue("other.fifo", QueueConfig::fifo()).unwrap();
    assert_eq!(other.delete(fresh.receipt_handle()).unwrap_err().code(), "ReceiptHandleIsInvalid", "unchanged");
}

// ---- the FIFO group lock after a visibility change ----

/// foo, bar and baz of one group, all received by one receive (visibility 10 s).
fn three_in_flight(c: &Cloud) -> (Queue, Vec<ReceivedMessage>) {
    let q = fifo_queue(c, QueueConfig::fifo().visibility_timeout(secs(10)));
    for body in ["foo", "bar", "baz"] {
        send(&q, "g", body);
    }
    let got = receive(&q, 10);
    assert_eq!(bodies(&got), vec!["foo", "bar", "baz"]);
    (q, got)
}

#[test]
fn a_group_is_served_up_to_its_first_message_in_flight_when_the_middle_one_is_extended() {
    let c = cloud();
    let (q, got) = three_in_flight(&c);
    q.change_visibility(got[1].receipt_handle(), secs(60)).unwrap();
    c.advance(secs(10));
    assert_eq!(bodies(&receive(&q, 10)), vec!["foo"], "baz waits behind bar");
}

#[test]
fn a_group_whose_head_is_in_flight_returns_nothing() {
    let c = cloud();
    let (q, got) = three_in_flight(&c);
    q.change_visibility(got[0].receipt_handle(), secs(60)).unwrap();
    c.advance(secs(10));
    assert!(receive(&q, 10).is_empty());
    assert_eq!((q.stats().visible, q.stats().in_flight), (2, 1));
}

#[test]
fn a_group_returns_its_visible_head_when_its_last_message_is_extended() {
    let c = cloud();
    let (q, got) = three_in_flight(&c);
    q.change_visibility(got[2].receipt_handle(), secs(60)).unwrap();
    c.advance(secs(10));
    assert_eq!(bodies(&receive(&q, 10)), vec!["foo", "bar"]);
}

#[test]
fn a_head_made_visible_again_is_returned_with_other_groups_messages() {
    let c = cloud();
    let q = fifo_queue(&c, QueueConfig::fifo().visibility_timeout(secs(30)));
    send(&q, "g1", "g1-m1");
    send(&q, "g1", "g1-m2");
    let got = receive(&q, 10);
    assert_eq!(bodies(&got), vec!["g1-m1", "g1-m2"]);
    send(&q, "g2", "g2-m1");
    q.change_visibility(got[0].receipt_handle(), secs(0)).unwrap();
    let mut next = bodies(&receive(&q, 10)).into_iter().map(str::to_owned).collect::<Vec<_>>();
    next.sort();
    assert_eq!(next, vec!["g1-m1", "g2-m1"]);
    assert_eq!(q.stats().in_flight, 3);
}

// ---- FIFO sends ----

#[test]
fn a_zero_delay_on_a_fifo_send_is_accepted() {
    let c = cloud();
    let q = fifo_queue(&c, QueueConfig::fifo());
    q.send_message(msg("g", "a").delay(Duration::ZERO)).unwrap();
    assert_eq!(q.stats().visible, 1);
    let e = q.send_message(msg("g", "b").delay(secs(1))).unwrap_err();
    assert_eq!(e.code(), "InvalidParameterValue", "a non-zero delay is still rejected");
    assert_eq!(q.stats().total(), 1);
}

#[test]
fn a_fifo_batch_entry_without_a_group_id_fails_the_whole_batch() {
    let c = cloud();
    let q = fifo_queue(&c, QueueConfig::fifo());
    let batch = vec![
        BatchEntry::new("ok", msg("g", "a")),
        BatchEntry::new("nogroup", OutgoingMessage::new("b").deduplication_id("b")),
    ];
    let e = q.send_batch(batch).unwrap_err();
    assert_eq!(e.code(), "InvalidParameterValue");
    assert_eq!(q.stats().total(), 0, "nothing enqueued");
    q.send_message(msg("g", "a")).unwrap();
    assert_eq!(q.stats().visible, 1, "the refused batch left no deduplication id behind");
}

#[test]
fn a_fifo_batch_entry_without_a_deduplication_id_fails_the_whole_batch_unless_by_content() {
    let c = cloud();
    let q = fifo_queue(&c, QueueConfig::fifo());
    let batch = || {
        vec![BatchEntry::new("ok", msg("g", "a")), BatchEntry::new("nodedup", OutgoingMessage::new("b").group_id("g"))]
    };
    assert_eq!(q.send_batch(batch()).unwrap_err().code(), "InvalidParameterValue");
    assert_eq!(q.stats().total(), 0);
    q.set_config(QueueConfig::fifo().content_based_deduplication(true)).unwrap();
    let r = q.send_batch(batch()).unwrap();
    assert_eq!((r.successful().len(), r.failed().len()), (2, 0));
    assert_eq!(bodies(&receive(&q, 10)), vec!["a", "b"]);
}

// ---- queue attributes ----

#[test]
fn a_queue_may_be_its_own_dead_letter_queue() {
    let c = cloud();
    let q = c.create_queue("q", QueueConfig::default().visibility_timeout(secs(1))).unwrap();
    let own = QueueConfig::default().visibility_timeout(secs(1)).redrive(RedrivePolicy::new(&q, 1));
    q.set_config(own.clone()).unwrap();
    assert_eq!(q.config(), own);
    q.send("m").unwrap();
    for count in 1..=3 {
        let m = q.try_receive().unwrap().expect("its messages stay where they are");
        assert_eq!(m.receive_count(), count);
        c.advance(secs(1));
    }
    c.delete_queue("q").unwrap();
}

#[test]
fn fifo_queue_on_a_standard_name_or_queue_is_an_invalid_attribute_name() {
    let c = cloud();
    assert_eq!(c.create_queue("orders", QueueConfig::fifo()).unwrap_err().code(), "InvalidAttributeName");
    assert!(c.queue("orders").is_err(), "nothing created");
    let standard = c.create_queue("orders", QueueConfig::default()).unwrap();
    assert_eq!(standard.set_config(QueueConfig::fifo()).unwrap_err().code(), "InvalidAttributeName");
    assert!(!standard.config().is_fifo());
    let fifo = fifo_queue(&c, QueueConfig::fifo());
    assert_eq!(fifo.set_config(QueueConfig::default()).unwrap_err().code(), "InvalidAttributeValue");
    assert!(fifo.config().is_fifo());
    let e = c.create_queue("orders.fifo", QueueConfig::default()).unwrap_err();
    assert_eq!(e.code(), "InvalidParameterValue", "a standard queue with a .fifo name: unchanged");
}

#[test]
fn a_redrive_to_a_dead_letter_queue_still_works_beside_these_rows() {
    let c = cloud();
    let (src, dlq) = source_with_dlq(&c, false, 1, 1);
    src.send("poison").unwrap();
    src.try_receive().unwrap().unwrap();
    c.advance(secs(1));
    assert!(src.try_receive().unwrap().is_none());
    assert_eq!(dlq.stats().visible, 1);
}

#[test]
fn set_config_on_a_deleted_queue_answers_queue_does_not_exist_before_any_attribute_error() {
    let c = cloud();
    let q = c.create_queue("gone", QueueConfig::default()).unwrap();
    c.delete_queue("gone").unwrap();
    assert_eq!(q.set_config(QueueConfig::fifo()).unwrap_err().code(), "QueueDoesNotExist");
    assert_eq!(q.set_config(QueueConfig::default()).unwrap_err().code(), "QueueDoesNotExist");
}
