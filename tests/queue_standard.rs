//! Standard queues, one test per SPEC §1 behaviour, on a manual clock.

use std::time::Duration;

use localcloud::queue::RedriveAllowPolicy;
use localcloud::{
    AttributeValue, Cloud, MessageAttributes, OutgoingMessage, Queue, QueueConfig, QueueError, ReceiptHandle,
    ReceiveOptions, RedrivePolicy,
};
use md5::{Digest, Md5};

mod common;
use common::{bodies, cloud, secs, source_with_dlq};

fn queue(cloud: &Cloud, config: QueueConfig) -> Queue {
    cloud.create_queue("q", config).unwrap()
}

// ---- lifecycle ----

#[test]
fn queue_names_follow_the_rules() {
    let c = cloud();
    assert!(c.create_queue("Orders_2-x", QueueConfig::default()).is_ok());
    assert!(c.create_queue(&"a".repeat(80), QueueConfig::default()).is_ok());
    for bad in ["", "a.b", "has space", "q.fifo", &"a".repeat(81)] {
        assert_eq!(c.create_queue(bad, QueueConfig::default()).unwrap_err().code(), "InvalidParameterValue", "{bad}");
    }
    assert_eq!(c.create_queue("nofifo", QueueConfig::fifo()).unwrap_err().code(), "InvalidAttributeName");
}

#[test]
fn names_are_case_sensitive() {
    let c = cloud();
    let a = c.create_queue("Orders", QueueConfig::default()).unwrap();
    let b = c.create_queue("orders", QueueConfig::default()).unwrap();
    assert!(!a.same_queue(&b));
}

#[test]
fn create_again_with_same_config_returns_existing_and_different_config_rejects() {
    let c = cloud();
    let a = c.create_queue("q", QueueConfig::default()).unwrap();
    let b = c.create_queue("q", QueueConfig::default()).unwrap();
    assert!(a.same_queue(&b));
    let err = c.create_queue("q", QueueConfig::default().delay(secs(5))).unwrap_err();
    assert_eq!(err.code(), "QueueAlreadyExists");
}

#[test]
fn missing_queue_is_reported() {
    let c = cloud();
    assert_eq!(c.queue("nope").unwrap_err().code(), "QueueDoesNotExist");
    assert_eq!(c.delete_queue("nope").unwrap_err().code(), "QueueDoesNotExist");
}

#[test]
fn deleted_queue_fails_later_calls_and_its_name_waits_60_s() {
    let c = cloud();
    let q = queue(&c, QueueConfig::default());
    q.send("x").unwrap();
    c.delete_queue("q").unwrap();
    assert_eq!(q.send("y").unwrap_err().code(), "QueueDoesNotExist");
    assert_eq!(q.try_receive().unwrap_err().code(), "QueueDoesNotExist");
    assert_eq!(q.purge().unwrap_err().code(), "QueueDoesNotExist");
    assert!(!q.exists());
    assert_eq!(c.queue("q").unwrap_err().code(), "QueueDoesNotExist");
    assert_eq!(c.create_queue("q", QueueConfig::default()).unwrap_err().code(), "QueueDeletedRecently");
    c.advance(secs(59));
    assert_eq!(c.create_queue("q", QueueConfig::default()).unwrap_err().code(), "QueueDeletedRecently");
    c.advance(secs(1));
    let q2 = c.create_queue("q", QueueConfig::default()).unwrap();
    assert_eq!(q2.stats().total(), 0);
}

#[test]
fn list_by_prefix_sorted_by_name() {
    let c = cloud();
    for n in ["b-2", "a-1", "b-1", "c"] {
        c.create_queue(n, QueueConfig::default()).unwrap();
    }
    let names = |p: &str| c.list_queues(p).iter().map(|q| q.name().to_owned()).collect::<Vec<_>>();
    assert_eq!(names("b-"), vec!["b-1", "b-2"]);
    assert_eq!(names(""), vec!["a-1", "b-1", "b-2", "c"]);
    assert!(names("z").is_empty());
}

#[test]
fn list_returns_at_most_1000() {
    let c = cloud();
    for i in 0..1001 {
        c.create_queue(&format!("q{i:04}"), QueueConfig::default()).unwrap();
    }
    assert_eq!(c.list_queues("q").len(), 1000);
}

#[test]
fn arn_and_url_name_the_queue() {
    let c = cloud();
    let q = queue(&c, QueueConfig::default());
    assert_eq!(q.arn(), "arn:aws:sqs:us-east-1:000000000000:q");
    assert_eq!(q.url(), "https://sqs.us-east-1.amazonaws.com/000000000000/q");
}

#[test]
fn attribute_ranges_are_enforced() {
    let c = cloud();
    let bad = [
        QueueConfig::default().delay(secs(901)),
        QueueConfig::default().max_message_size(1023),
        QueueConfig::default().max_message_size(1_048_577),
        QueueConfig::default().retention(secs(59)),
        QueueConfig::default().retention(secs(14 * 86_400 + 1)),
        QueueConfig::default().visibility_timeout(secs(43_201)),
        QueueConfig::default().receive_wait(secs(21)),
    ];
    for cfg in bad {
        assert_eq!(c.create_queue("q", cfg.clone()).unwrap_err().code(), "InvalidAttributeValue", "{cfg:?}");
    }
    let edges = QueueConfig::default()
        .delay(secs(900))
        .max_message_size(1024)
        .retention(secs(60))
        .visibility_timeout(secs(43_200))
        .receive_wait(secs(20));
    assert!(c.create_queue("edges", edges).is_ok());
    assert!(c.list_queues("q").is_empty(), "a rejected create leaves nothing behind");
}

#[test]
fn defaults_match_the_service() {
    let cfg = QueueConfig::default();
    assert_eq!(cfg.get_delay(), secs(0));
    assert_eq!(cfg.get_max_message_size(), 1_048_576);
    assert_eq!(cfg.get_retention(), secs(4 * 86_400));
    assert_eq!(cfg.get_visibility_timeout(), secs(30));
    assert_eq!(cfg.get_receive_wait(), secs(0));
}

#[test]
fn redrive_policy_is_validated() {
    let c = cloud();
    let dlq = c.create_queue("dlq", QueueConfig::default()).unwrap();
    let fifo_dlq = c.create_queue("dlq.fifo", QueueConfig::fifo()).unwrap();
    for n in [0, 1001] {
        let e = c.create_queue("src", QueueConfig::default().redrive(RedrivePolicy::new(&dlq, n))).unwrap_err();
        assert_eq!(e.code(), "InvalidParameterValue");
    }
    let e = c.create_queue("src", QueueConfig::default().redrive(RedrivePolicy::new(&fifo_dlq, 3))).unwrap_err();
    assert_eq!(e.code(), "InvalidParameterValue");
    let gone = c.create_queue("gone", QueueConfig::default()).unwrap();
    c.delete_queue("gone").unwrap();
    let e = c.create_queue("src", QueueConfig::default().redrive(RedrivePolicy::new(&gone, 3))).unwrap_err();
    assert_eq!(e.code(), "InvalidParameterValue");
    assert!(c.create_queue("src", QueueConfig::default().redrive(RedrivePolicy::new(&dlq, 1000))).is_ok());
}

#[test]
fn redrive_allow_policy_decides_who_may_use_a_dlq() {
    let c = cloud();
    let deny = c.create_queue("deny", QueueConfig::default().redrive_allow(RedriveAllowPolicy::DenyAll)).unwrap();
    let e = c.create_queue("src", QueueConfig::default().redrive(RedrivePolicy::new(&deny, 3))).unwrap_err();
    assert_eq!(e.code(), "InvalidParameterValue");
    let only = c
        .create_queue(
            "only",
            QueueConfig::default()
                .redrive_allow(RedriveAllowPolicy::ByQueue(vec!["arn:aws:sqs:us-east-1:000000000000:ok".into()])),
        )
        .unwrap();
    assert!(c.create_queue("ok", QueueConfig::default().redrive(RedrivePolicy::new(&only, 3))).is_ok());
    assert!(c.create_queue("other", QueueConfig::default().redrive(RedrivePolicy::new(&only, 3))).is_err());
    let eleven =
        RedriveAllowPolicy::ByQueue((0..11).map(|i| format!("arn:aws:sqs:us-east-1:000000000000:s{i}")).collect());
    assert_eq!(
        c.create_queue("x", QueueConfig::default().redrive_allow(eleven)).unwrap_err().code(),
        "InvalidParameterValue"
    );
}

#[test]
fn stats_and_timestamps_are_exact() {
    let c = cloud();
    let q = queue(&c, QueueConfig::default());
    let created = q.stats().created_at;
    q.send("a").unwrap();
    q.send("b").unwrap();
    q.send_message(OutgoingMessage::new("c").delay(secs(10))).unwrap();
    q.try_receive().unwrap().unwrap();
    let s = q.stats();
    assert_eq!((s.visible, s.in_flight, s.delayed), (1, 1, 1));
    c.advance(secs(5));
    q.set_config(QueueConfig::default().visibility_timeout(secs(60))).unwrap();
    let s = q.stats();
    assert_eq!(s.created_at, created);
    assert_eq!(s.modified_at - created, secs(5));
}

// ---- messages ----

#[test]
fn empty_body_is_a_missing_parameter() {
    let c = cloud();
    let q = queue(&c, QueueConfig::default());
    assert_eq!(q.send("").unwrap_err().code(), "MissingParameter");
    assert_eq!(q.stats().total(), 0);
}

#[test]
fn body_characters_outside_the_allowed_set_are_rejected() {
    let c = cloud();
    let q = queue(&c, QueueConfig::default());
    for bad in ["a\u{0}", "\u{8}", "\u{B}", "\u{1F}", "\u{FFFE}", "\u{FFFF}"] {
        assert_eq!(q.send(bad.to_owned()).unwrap_err().code(), "InvalidMessageContents", "{bad:?}");
    }
    assert_eq!(q.send(vec![0xffu8, 0xfe]).unwrap_err().code(), "InvalidMessageContents");
    for ok in ["\t\n\r", " ~", "\u{D7FF}", "\u{E000}", "\u{FFFD}", "\u{10000}", "\u{10FFFF}"] {
        assert!(q.send(ok.to_owned()).is_ok(), "{ok:?}");
    }
}

#[test]
fn size_limit_counts_body_and_attributes() {
    let c = cloud();
    let q = queue(&c, QueueConfig::default().max_message_size(1024));
    assert!(q.send("x".repeat(1024)).is_ok());
    assert_eq!(q.send("x".repeat(1025)).unwrap_err().code(), "InvalidParameterValue");
    // name (1) + type "String" (6) + value (1) = 8 bytes of attributes
    let m = OutgoingMessage::new("x".repeat(1016)).attribute("a", AttributeValue::string("b"));
    assert!(q.send_message(m).is_ok());
    let m = OutgoingMessage::new("x".repeat(1017)).attribute("a", AttributeValue::string("b"));
    assert_eq!(q.send_message(m).unwrap_err().code(), "InvalidParameterValue");
}

#[test]
fn default_max_size_is_one_mebibyte() {
    let c = cloud();
    let q = queue(&c, QueueConfig::default());
    assert!(q.send("x".repeat(1_048_576)).is_ok());
    assert_eq!(q.send("x".repeat(1_048_577)).unwrap_err().code(), "InvalidParameterValue");
}

#[test]
fn attributes_are_validated() {
    let c = cloud();
    let q = queue(&c, QueueConfig::default());
    let eleven: MessageAttributes = (0..11).map(|i| (format!("a{i}"), AttributeValue::string("v"))).collect();
    assert_eq!(
        q.send_message(OutgoingMessage::new("x").attributes(eleven)).unwrap_err().code(),
        "InvalidParameterValue"
    );
    let ten: MessageAttributes = (0..10).map(|i| (format!("a{i}"), AttributeValue::string("v"))).collect();
    assert!(q.send_message(OutgoingMessage::new("x").attributes(ten)).is_ok());
    let bad = [
        ("AWS.trace", AttributeValue::string("v")),
        ("amazon.x", AttributeValue::string("v")),
        (".lead", AttributeValue::string("v")),
        ("trail.", AttributeValue::string("v")),
        ("a..b", AttributeValue::string("v")),
        ("sp ace", AttributeValue::string("v")),
        ("n", AttributeValue::number("twelve")),
        ("e", AttributeValue::string("")),
        ("t", AttributeValue::text_with_type("Date", "x")),
    ];
    for (name, v) in bad {
        let e = q.send_message(OutgoingMessage::new("x").attribute(name, v)).unwrap_err();
        assert_eq!(e.code(), "InvalidParameterValue", "{name}");
    }
    let labelled = OutgoingMessage::new("x")
        .attribute("f", AttributeValue::text_with_type("Number.float", "1.5"))
        .attribute("b", AttributeValue::binary_with_type("Binary.png", vec![1u8, 2]));
    assert!(q.send_message(labelled).is_ok());
}

#[test]
fn per_message_delay_overrides_the_queue_delay() {
    let c = cloud();
    let q = queue(&c, QueueConfig::default().delay(secs(60)).visibility_timeout(secs(3600)));
    q.send_message(OutgoingMessage::new("fast").delay(secs(0))).unwrap();
    q.send("slow").unwrap();
    q.send_message(OutgoingMessage::new("mid").delay(secs(10))).unwrap();
    assert_eq!(bodies(&q.receive(ReceiveOptions::new().max_messages(10)).unwrap()), vec!["fast"]);
    c.advance(secs(10));
    assert_eq!(bodies(&q.receive(ReceiveOptions::new().max_messages(10)).unwrap()), vec!["mid"]);
    c.advance(secs(50));
    assert_eq!(bodies(&q.receive(ReceiveOptions::new().max_messages(10)).unwrap()), vec!["slow"]);
    let e = q.send_message(OutgoingMessage::new("x").delay(secs(901))).unwrap_err();
    assert_eq!(e.code(), "InvalidParameterValue");
}

#[test]
fn message_id_is_a_uuid_kept_across_receives() {
    let c = cloud();
    let q = queue(&c, QueueConfig::default().visibility_timeout(secs(1)));
    let sent = q.send("x").unwrap();
    let id = sent.message_id().to_string();
    assert_eq!(id.len(), 36);
    assert_eq!(id.matches('-').count(), 4);
    let a = q.try_receive().unwrap().unwrap();
    c.advance(secs(1));
    let b = q.try_receive().unwrap().unwrap();
    assert_eq!(a.message_id(), sent.message_id());
    assert_eq!(b.message_id(), sent.message_id());
}

#[test]
fn md5_digests_match_known_values() {
    let c = cloud();
    let q = queue(&c, QueueConfig::default());
    let r = q.send("hello").unwrap();
    assert_eq!(r.md5_of_body().to_string(), "5d41402abc4b2a76b9719d911017c592");
    assert!(r.md5_of_message_attributes().is_none());
    let m = q.try_receive().unwrap().unwrap();
    assert_eq!(m.md5_of_body().to_string(), "5d41402abc4b2a76b9719d911017c592");
    assert!(m.md5_of_attributes().is_none(), "absent when there are no attributes");
    let r = q.send_message(OutgoingMessage::new("x").attribute("a", AttributeValue::string("b"))).unwrap();
    assert_eq!(r.md5_of_message_attributes().unwrap().to_string(), "bef8bf215374a0a228d67533b1a488be");
    let m = q.try_receive().unwrap().unwrap();
    assert_eq!(m.md5_of_attributes().unwrap().to_string(), "bef8bf215374a0a228d67533b1a488be");
}

#[test]
fn system_attributes_are_reported() {
    let c = cloud();
    let q = queue(&c, QueueConfig::default().visibility_timeout(secs(5)));
    let t0 = c.now();
    q.send_message(OutgoingMessage::new("x").group_id("fair")).unwrap();
    c.advance(secs(2));
    let first = q.try_receive().unwrap().unwrap().system_attributes();
    assert_eq!(first.approximate_receive_count, 1);
    assert_eq!(first.sent_timestamp, t0);
    assert_eq!(first.approximate_first_receive_timestamp, t0 + secs(2));
    assert_eq!(first.sender_id, "000000000000");
    assert_eq!(first.message_group_id.as_deref(), Some("fair"));
    assert_eq!(first.sequence_number, None);
    c.advance(secs(5));
    let second = q.try_receive().unwrap().unwrap().system_attributes();
    assert_eq!(second.approximate_receive_count, 2);
    assert_eq!(second.approximate_first_receive_timestamp, t0 + secs(2));
}

// ---- receive ----

#[test]
fn max_messages_is_1_to_10_and_never_exceeded() {
    let c = cloud();
    let q = queue(&c, QueueConfig::default());
    for i in 0..15 {
        q.send(format!("m{i}")).unwrap();
    }
    for n in [0, 11] {
        assert_eq!(q.receive(ReceiveOptions::new().max_messages(n)).unwrap_err().code(), "InvalidParameterValue");
    }
    assert_eq!(q.receive(ReceiveOptions::new()).unwrap().len(), 1);
    assert_eq!(q.receive(ReceiveOptions::new().max_messages(10)).unwrap().len(), 10);
    assert_eq!(q.receive(ReceiveOptions::new().max_messages(10)).unwrap().len(), 4);
}

#[test]
fn receive_parameters_are_validated() {
    let c = cloud();
    let q = queue(&c, QueueConfig::default());
    assert_eq!(q.receive(ReceiveOptions::new().wait(secs(21))).unwrap_err().code(), "InvalidParameterValue");
    let e = q.receive(ReceiveOptions::new().visibility_timeout(secs(43_201))).unwrap_err();
    assert_eq!(e.code(), "InvalidParameterValue");
}

#[test]
fn oldest_available_first() {
    let c = cloud();
    let q = queue(&c, QueueConfig::default().visibility_timeout(secs(10)));
    for b in ["a", "b", "c"] {
        q.send(b).unwrap();
    }
    let a = q.try_receive().unwrap().unwrap();
    assert_eq!(a.body_str(), "a");
    c.advance(secs(10)); // "a" is visible again and is the oldest
    assert_eq!(bodies(&q.receive(ReceiveOptions::new().max_messages(10)).unwrap()), vec!["a", "b", "c"]);
}

#[test]
fn in_flight_messages_are_hidden_until_the_visibility_timeout() {
    let c = cloud();
    let q = queue(&c, QueueConfig::default().visibility_timeout(secs(30)));
    q.send("x").unwrap();
    q.try_receive().unwrap().unwrap();
    c.advance(secs(29));
    assert!(q.try_receive().unwrap().is_none());
    c.advance(secs(1));
    assert_eq!(q.try_receive().unwrap().unwrap().receive_count(), 2);
}

#[test]
fn visibility_timeout_on_receive_applies_to_that_receive_only() {
    let c = cloud();
    let q = queue(&c, QueueConfig::default().visibility_timeout(secs(30)));
    q.send("x").unwrap();
    q.receive(ReceiveOptions::new().visibility_timeout(secs(5))).unwrap();
    c.advance(secs(5));
    q.try_receive().unwrap().unwrap();
    c.advance(secs(29));
    assert!(q.try_receive().unwrap().is_none(), "the next receive used the queue's 30 s again");
}

#[test]
fn zero_visibility_timeout_leaves_the_message_visible() {
    let c = cloud();
    let q = queue(&c, QueueConfig::default().visibility_timeout(secs(0)));
    q.send("x").unwrap();
    assert_eq!(q.try_receive().unwrap().unwrap().receive_count(), 1);
    assert_eq!(q.try_receive().unwrap().unwrap().receive_count(), 2);
}

// ---- receipt handles, delete ----

#[test]
fn each_receive_gets_a_new_unguessable_handle() {
    let c = cloud();
    let q = queue(&c, QueueConfig::default().visibility_timeout(secs(0)));
    q.send("x").unwrap();
    let a = q.try_receive().unwrap().unwrap();
    let b = q.try_receive().unwrap().unwrap();
    assert_ne!(a.receipt_handle(), b.receipt_handle());
    // a handle survives a round trip through text
    let text = b.receipt_handle().to_string();
    let parsed: ReceiptHandle = text.parse().unwrap();
    assert_eq!(&parsed, b.receipt_handle());
}

#[test]
fn garbage_and_foreign_handles_are_rejected() {
    let c = cloud();
    let q = queue(&c, QueueConfig::default());
    let other = c.create_queue("other", QueueConfig::default()).unwrap();
    other.send("x").unwrap();
    let foreign = other.try_receive().unwrap().unwrap();
    assert_eq!("garbage".parse::<ReceiptHandle>().unwrap_err().code(), "ReceiptHandleIsInvalid");
    assert_eq!(q.delete(foreign.receipt_handle()).unwrap_err().code(), "ReceiptHandleIsInvalid");
    // a forged handle: right shape, wrong tag
    let mut text = foreign.receipt_handle().to_string();
    let last = if text.ends_with('0') { '1' } else { '0' };
    text.pop();
    text.push(last);
    let forged: ReceiptHandle = text.parse().unwrap();
    assert_eq!(other.delete(&forged).unwrap_err().code(), "ReceiptHandleIsInvalid");
    assert_eq!(other.stats().in_flight, 1);
}

#[test]
fn delete_removes_and_deleting_again_succeeds() {
    let c = cloud();
    let q = queue(&c, QueueConfig::default());
    q.send("x").unwrap();
    let m = q.try_receive().unwrap().unwrap();
    q.delete(m.receipt_handle()).unwrap();
    q.delete(m.receipt_handle()).unwrap();
    assert_eq!(q.stats().total(), 0);
}

#[test]
fn standard_delete_with_an_older_handle_succeeds() {
    let c = cloud();
    let q = queue(&c, QueueConfig::default().visibility_timeout(secs(1)));
    q.send("x").unwrap();
    let old = q.try_receive().unwrap().unwrap();
    c.advance(secs(1));
    let _new = q.try_receive().unwrap().unwrap();
    q.delete(old.receipt_handle()).unwrap();
    assert_eq!(q.stats().total(), 0);
}

// ---- change visibility ----

#[test]
fn change_visibility_counts_from_now() {
    let c = cloud();
    let q = queue(&c, QueueConfig::default().visibility_timeout(secs(30)));
    q.send("x").unwrap();
    let m = q.try_receive().unwrap().unwrap();
    c.advance(secs(20));
    q.change_visibility(m.receipt_handle(), secs(60)).unwrap();
    c.advance(secs(59));
    assert!(q.try_receive().unwrap().is_none());
    c.advance(secs(1));
    assert!(q.try_receive().unwrap().is_some());
}

#[test]
fn change_visibility_to_zero_makes_it_visible_at_once() {
    let c = cloud();
    let q = queue(&c, QueueConfig::default());
    q.send("x").unwrap();
    let m = q.try_receive().unwrap().unwrap();
    q.change_visibility(m.receipt_handle(), secs(0)).unwrap();
    assert_eq!(q.stats().visible, 1);
    assert_eq!(q.try_receive().unwrap().unwrap().receive_count(), 2);
}

#[test]
fn change_visibility_may_not_pass_12_hours_since_the_receive() {
    let c = cloud();
    let q = queue(&c, QueueConfig::default().visibility_timeout(secs(43_200)));
    q.send("x").unwrap();
    let m = q.try_receive().unwrap().unwrap();
    c.advance(secs(3600));
    let e = q.change_visibility(m.receipt_handle(), secs(43_200)).unwrap_err();
    assert_eq!(e.code(), "InvalidParameterValue", "no clamping");
    q.change_visibility(m.receipt_handle(), secs(43_200 - 3600)).unwrap();
    assert_eq!(q.change_visibility(m.receipt_handle(), secs(43_201)).unwrap_err().code(), "InvalidParameterValue");
}

#[test]
fn changed_visibility_is_not_remembered_for_the_next_receive() {
    let c = cloud();
    let q = queue(&c, QueueConfig::default().visibility_timeout(secs(30)));
    q.send("x").unwrap();
    let m = q.try_receive().unwrap().unwrap();
    q.change_visibility(m.receipt_handle(), secs(5)).unwrap();
    c.advance(secs(5));
    q.try_receive().unwrap().unwrap();
    c.advance(secs(29));
    assert!(q.try_receive().unwrap().is_none());
}

#[test]
fn change_visibility_on_an_expired_handle_is_a_no_op() {
    let c = cloud();
    let q = queue(&c, QueueConfig::default().visibility_timeout(secs(10)));
    q.send("x").unwrap();
    let m = q.try_receive().unwrap().unwrap();
    c.advance(secs(10));
    q.change_visibility(m.receipt_handle(), secs(600)).unwrap();
    assert_eq!(q.stats().visible, 1, "an expired handle must not hide the message again");
    assert!(q.try_receive().unwrap().is_some());
}

#[test]
fn change_visibility_with_a_superseded_handle_does_not_touch_the_new_receive() {
    let c = cloud();
    let q = queue(&c, QueueConfig::default().visibility_timeout(secs(10)));
    q.send("x").unwrap();
    let old = q.try_receive().unwrap().unwrap();
    c.advance(secs(10));
    q.try_receive().unwrap().unwrap();
    q.change_visibility(old.receipt_handle(), secs(0)).unwrap();
    assert_eq!(q.stats().in_flight, 1);
}

#[test]
fn change_visibility_of_a_deleted_message_rejects() {
    let c = cloud();
    let q = queue(&c, QueueConfig::default());
    q.send("x").unwrap();
    let m = q.try_receive().unwrap().unwrap();
    q.delete(m.receipt_handle()).unwrap();
    assert_eq!(q.change_visibility(m.receipt_handle(), secs(5)).unwrap_err().code(), "InvalidParameterValue");
}

// ---- retention ----

#[test]
fn messages_vanish_after_retention_in_flight_or_not() {
    let c = cloud();
    let q = queue(&c, QueueConfig::default().retention(secs(60)).visibility_timeout(secs(600)));
    q.send("visible").unwrap();
    q.send("in flight").unwrap();
    q.send_message(OutgoingMessage::new("delayed").delay(secs(900))).unwrap();
    q.receive(ReceiveOptions::new()).unwrap();
    let _ = q.try_receive(); // "in flight" or "visible": one of them goes in flight
    c.advance(secs(59));
    assert_eq!(q.stats().total(), 3);
    c.advance(secs(1));
    assert_eq!(q.stats().total(), 0);
}

#[test]
fn lowering_retention_applies_to_existing_messages() {
    let c = cloud();
    let q = queue(&c, QueueConfig::default());
    q.send("old").unwrap();
    c.advance(secs(120));
    q.send("new").unwrap();
    q.set_config(QueueConfig::default().retention(secs(60))).unwrap();
    assert_eq!(bodies(&q.receive(ReceiveOptions::new().max_messages(10)).unwrap()), vec!["new"]);
}

// ---- purge ----

#[test]
fn purge_removes_everything_and_invalidates_handles() {
    let c = cloud();
    let q = queue(&c, QueueConfig::default());
    q.send("a").unwrap();
    q.send("b").unwrap();
    q.send_message(OutgoingMessage::new("c").delay(secs(60))).unwrap();
    let m = q.try_receive().unwrap().unwrap();
    q.purge().unwrap();
    assert_eq!(q.stats().total(), 0);
    assert_eq!(q.delete(m.receipt_handle()).unwrap_err().code(), "ReceiptHandleIsInvalid");
    c.advance(secs(60));
    assert!(q.try_receive().unwrap().is_none(), "the delayed message went too");
}

#[test]
fn purge_is_allowed_once_per_60_s() {
    let c = cloud();
    let q = queue(&c, QueueConfig::default());
    q.purge().unwrap();
    q.send("kept").unwrap();
    c.advance(secs(59));
    assert_eq!(q.purge().unwrap_err().code(), "PurgeQueueInProgress");
    assert_eq!(q.stats().visible, 1, "a rejected purge removes nothing");
    c.advance(secs(1));
    q.purge().unwrap();
}

// ---- in-flight cap ----

#[test]
fn standard_receive_rejects_at_120000_in_flight() {
    let c = cloud();
    let q = queue(&c, QueueConfig::default().visibility_timeout(secs(43_200)));
    for _ in 0..12_001 {
        let batch: Vec<_> =
            (0..10).map(|i| localcloud::queue::BatchEntry::new(format!("e{i}"), OutgoingMessage::new("m"))).collect();
        q.send_batch(batch).unwrap();
    }
    while q.stats().in_flight < 120_000 {
        q.receive(ReceiveOptions::new().max_messages(10)).unwrap();
    }
    assert_eq!(q.stats().in_flight, 120_000);
    let e = q.receive(ReceiveOptions::new()).unwrap_err();
    assert_eq!(e.code(), "OverLimit");
    assert_eq!(q.stats().visible, 10);
}

// ---- redrive ----

#[test]
fn the_receive_that_would_exceed_max_moves_the_message_to_the_dlq() {
    let c = cloud();
    let (q, dlq) = source_with_dlq(&c, false, 1, 3);
    let sent = q.send_message(OutgoingMessage::new("poison").attribute("k", AttributeValue::string("v"))).unwrap();
    for n in 1..=3 {
        let m = q.try_receive().unwrap().expect("received up to the max");
        assert_eq!(m.receive_count(), n);
        c.advance(secs(1));
    }
    assert!(q.try_receive().unwrap().is_none(), "the 4th receive moves it instead");
    assert_eq!(q.stats().total(), 0);
    let dead = dlq.try_receive().unwrap().unwrap();
    assert_eq!(dead.message_id(), sent.message_id());
    assert_eq!(dead.body_str(), "poison");
    assert_eq!(dead.attributes().get("k").and_then(|v| v.as_str()), Some("v"));
    assert_eq!(dead.receive_count(), 4, "the count carries over");
    assert_eq!(dead.system_attributes().dead_letter_queue_source_arn.as_deref(), Some(q.arn()));
}

#[test]
fn a_moved_message_does_not_stop_the_receive_returning_others() {
    let c = cloud();
    let (q, dlq) = source_with_dlq(&c, false, 1, 1);
    q.send("poison").unwrap();
    q.try_receive().unwrap().unwrap();
    c.advance(secs(1));
    q.send("good").unwrap();
    assert_eq!(bodies(&q.receive(ReceiveOptions::new().max_messages(10)).unwrap()), vec!["good"]);
    assert_eq!(dlq.stats().visible, 1);
}

#[test]
fn dlq_keeps_the_original_enqueue_time_for_retention() {
    let c = cloud();
    let dlq = c.create_queue("dlq", QueueConfig::default().retention(secs(120))).unwrap();
    let q = c
        .create_queue("src", QueueConfig::default().visibility_timeout(secs(60)).redrive(RedrivePolicy::new(&dlq, 1)))
        .unwrap();
    q.send("x").unwrap();
    q.try_receive().unwrap().unwrap();
    c.advance(secs(60));
    assert!(q.try_receive().unwrap().is_none());
    assert_eq!(dlq.stats().visible, 1);
    c.advance(secs(60)); // 120 s since the original send
    assert_eq!(dlq.stats().total(), 0);
}

#[test]
fn a_redriven_message_behind_newer_ones_still_expires_on_its_own_send_time() {
    // given a DLQ with 120 s retention that already holds a message sent at t=50
    let c = cloud();
    let dlq = c.create_queue("dlq", QueueConfig::default().retention(secs(120))).unwrap();
    let q = c
        .create_queue("src", QueueConfig::default().visibility_timeout(secs(60)).redrive(RedrivePolicy::new(&dlq, 1)))
        .unwrap();
    q.send("old").unwrap(); // t=0
    q.try_receive().unwrap().unwrap();
    c.advance(secs(50));
    dlq.send("direct").unwrap(); // t=50
                                 // when the t=0 message is redriven behind it at t=60
    c.advance(secs(10));
    assert!(q.try_receive().unwrap().is_none());
    assert_eq!(dlq.stats().visible, 2);
    assert_eq!(c.metrics().value("AWS/SQS", "dlq", "ApproximateAgeOfOldestMessage"), Some(60.0));
    // then it is gone at t=120 while the newer one stays until t=170
    c.advance(secs(60));
    assert_eq!(dlq.stats().visible, 1);
    assert_eq!(dlq.try_receive().unwrap().unwrap().body_str(), "direct");
    c.advance(secs(50));
    assert_eq!(dlq.stats().total(), 0);
}

#[test]
fn queues_that_are_each_others_dlq_receive_concurrently_without_deadlock() {
    let c = Cloud::new();
    let a = c.create_queue("a", QueueConfig::default()).unwrap();
    let b = c.create_queue("b", QueueConfig::default().redrive(RedrivePolicy::new(&a, 1))).unwrap();
    a.set_config(QueueConfig::default().redrive(RedrivePolicy::new(&b, 1))).unwrap();
    for i in 0..200 {
        a.send(format!("a{i}")).unwrap();
        b.send(format!("b{i}")).unwrap();
    }
    // Zero visibility: every second receive of a message moves it to the other queue.
    let worker = |q: Queue| {
        std::thread::spawn(move || {
            for _ in 0..2_000 {
                q.receive(ReceiveOptions::new().max_messages(10).visibility_timeout(Duration::ZERO)).unwrap();
            }
        })
    };
    let (ta, tb) = (worker(a.clone()), worker(b.clone()));
    ta.join().unwrap();
    tb.join().unwrap();
    assert_eq!(a.stats().total() + b.stats().total(), 400, "messages move between the two, none is lost");
}

#[test]
fn receive_options_default_asks_for_one_message() {
    let c = cloud();
    let q = queue(&c, QueueConfig::default());
    q.send("x").unwrap();
    q.send("y").unwrap();
    assert_eq!(ReceiveOptions::default(), ReceiveOptions::new());
    assert_eq!(q.receive(ReceiveOptions::default()).unwrap().len(), 1);
}

// ---- long polling ----

#[test]
fn long_poll_returns_at_once_when_a_message_is_there() {
    let c = cloud();
    let q = queue(&c, QueueConfig::default());
    q.send("x").unwrap();
    let t0 = c.now();
    assert_eq!(q.receive(ReceiveOptions::new().wait(secs(20))).unwrap().len(), 1);
    assert_eq!(c.now(), t0);
}

#[test]
fn long_poll_wakes_on_a_send_from_another_thread() {
    let c = cloud();
    let q = queue(&c, QueueConfig::default());
    let consumer = {
        let q = q.clone();
        std::thread::spawn(move || q.receive(ReceiveOptions::new().wait(secs(20))).unwrap())
    };
    // The consumer blocks: the manual clock never reaches its deadline on its own.
    q.send("wake up").unwrap();
    let got = consumer.join().unwrap();
    assert_eq!(bodies(&got), vec!["wake up"]);
}

#[test]
fn long_poll_returns_empty_when_the_clock_passes_its_deadline() {
    let c = cloud();
    let q = queue(&c, QueueConfig::default());
    let (tx, rx) = std::sync::mpsc::channel();
    let consumer = {
        let q = q.clone();
        std::thread::spawn(move || {
            let r = q.receive(ReceiveOptions::new().wait(secs(20))).unwrap();
            tx.send(()).unwrap();
            r
        })
    };
    while q.waiting_receives() == 0 {
        std::thread::yield_now(); // the consumer has not parked yet
    }
    c.advance(secs(19));
    assert!(rx.recv_timeout(Duration::from_millis(50)).is_err(), "still waiting before the deadline");
    c.advance(secs(1));
    assert!(consumer.join().unwrap().is_empty());
    assert_eq!(c.metrics().value("AWS/SQS", "q", "NumberOfEmptyReceives"), Some(1.0));
}

#[test]
fn long_poll_notices_a_manual_clock_moved_directly() {
    let c = cloud();
    let q = queue(&c, QueueConfig::default());
    let consumer = {
        let q = q.clone();
        std::thread::spawn(move || q.receive(ReceiveOptions::new().wait(secs(20))).unwrap())
    };
    while q.waiting_receives() == 0 {
        std::thread::yield_now();
    }
    // Not through Cloud::advance, which would wake the poll itself.
    c.clock().as_manual().unwrap().advance(secs(20));
    assert!(consumer.join().unwrap().is_empty());
}

#[test]
fn long_poll_on_real_time_wakes_when_a_visibility_timeout_is_shortened() {
    // This one is about real time: the poll must not sleep until its old plan.
    let c = Cloud::new();
    let q = c.create_queue("q", QueueConfig::default()).unwrap();
    q.send("x").unwrap();
    let first = q.receive(ReceiveOptions::new().visibility_timeout(secs(30))).unwrap().remove(0);
    let consumer = {
        let q = q.clone();
        std::thread::spawn(move || {
            let t0 = std::time::Instant::now();
            let got = q.receive(ReceiveOptions::new().wait(secs(20))).unwrap();
            (got, t0.elapsed())
        })
    };
    while q.waiting_receives() == 0 {
        std::thread::yield_now();
    }
    q.change_visibility(first.receipt_handle(), secs(1)).unwrap();
    let (got, waited) = consumer.join().unwrap();
    assert_eq!(bodies(&got), vec!["x"]);
    assert!(waited < secs(10), "woke after {waited:?}, not at the old 30 s visibility");
}

#[test]
fn long_poll_wakes_when_a_visibility_timeout_expires() {
    let c = cloud();
    let q = queue(&c, QueueConfig::default().visibility_timeout(secs(5)));
    q.send("x").unwrap();
    q.try_receive().unwrap().unwrap();
    let consumer = {
        let q = q.clone();
        std::thread::spawn(move || q.receive(ReceiveOptions::new().wait(secs(20))).unwrap())
    };
    c.advance(secs(5));
    let got = consumer.join().unwrap();
    assert_eq!(got[0].receive_count(), 2);
}

#[test]
fn long_poll_wakes_on_a_visibility_change() {
    let c = cloud();
    let q = queue(&c, QueueConfig::default());
    q.send("x").unwrap();
    let m = q.try_receive().unwrap().unwrap();
    let consumer = {
        let q = q.clone();
        std::thread::spawn(move || q.receive(ReceiveOptions::new().wait(secs(20))).unwrap())
    };
    q.change_visibility(m.receipt_handle(), secs(0)).unwrap();
    assert_eq!(consumer.join().unwrap().len(), 1);
}

#[test]
fn queue_receive_wait_is_the_default_long_poll() {
    let c = cloud();
    let q = queue(&c, QueueConfig::default().receive_wait(secs(20)));
    let consumer = {
        let q = q.clone();
        std::thread::spawn(move || q.receive(ReceiveOptions::new()).unwrap())
    };
    q.send("x").unwrap();
    assert_eq!(consumer.join().unwrap().len(), 1);
}

#[test]
fn deleting_a_queue_wakes_its_long_polls_with_an_error() {
    let c = cloud();
    let q = queue(&c, QueueConfig::default());
    let consumer = {
        let q = q.clone();
        std::thread::spawn(move || q.receive(ReceiveOptions::new().wait(secs(20))))
    };
    c.delete_queue("q").unwrap();
    assert_eq!(consumer.join().unwrap().unwrap_err(), QueueError::QueueDoesNotExist { name: "q".into() });
}

// ---- metrics ----

#[test]
fn metrics_use_cloudwatch_names() {
    let c = cloud();
    let q = queue(&c, QueueConfig::default());
    q.send("abc").unwrap();
    q.send("de").unwrap();
    q.send_message(OutgoingMessage::new("later").delay(secs(5))).unwrap();
    let m = q.try_receive().unwrap().unwrap();
    q.delete(m.receipt_handle()).unwrap();
    q.try_receive().unwrap().unwrap();
    assert!(q.try_receive().unwrap().is_none());
    c.advance(secs(3));
    let v = |name| c.metrics().value("AWS/SQS", "q", name).unwrap();
    assert_eq!(v("NumberOfMessagesSent"), 3.0);
    assert_eq!(v("SentMessageSize"), 10.0);
    assert_eq!(v("NumberOfMessagesReceived"), 2.0);
    assert_eq!(v("NumberOfMessagesDeleted"), 1.0);
    assert_eq!(v("NumberOfEmptyReceives"), 1.0);
    assert_eq!(v("ApproximateNumberOfMessagesVisible"), 0.0);
    assert_eq!(v("ApproximateNumberOfMessagesNotVisible"), 1.0);
    assert_eq!(v("ApproximateNumberOfMessagesDelayed"), 1.0);
    assert_eq!(v("ApproximateAgeOfOldestMessage"), 3.0);
}

#[test]
fn deleted_queue_has_no_metrics() {
    let c = cloud();
    queue(&c, QueueConfig::default());
    c.delete_queue("q").unwrap();
    assert!(c.metrics().value("AWS/SQS", "q", "NumberOfMessagesSent").is_none());
}

// ---- seeds ----

#[test]
fn same_seed_gives_the_same_message_ids() {
    let ids = |seed| {
        let c = Cloud::builder().manual_clock().seed(seed).build();
        let q = c.create_queue("q", QueueConfig::default()).unwrap();
        (0..3).map(|_| q.send("x").unwrap().message_id()).collect::<Vec<_>>()
    };
    assert_eq!(ids(9), ids(9));
    assert_ne!(ids(9), ids(10));
}

#[test]
fn fair_queue_group_ids_are_accepted_on_standard_queues() {
    let c = cloud();
    let q = queue(&c, QueueConfig::default());
    q.send_message(OutgoingMessage::new("a").group_id("tenant-1")).unwrap();
    assert_eq!(q.try_receive().unwrap().unwrap().group_id(), Some("tenant-1"));
    let e = q.send_message(OutgoingMessage::new("a").deduplication_id("d")).unwrap_err();
    assert_eq!(e.code(), "InvalidParameterValue", "dedup ids are for FIFO queues");
}

// ---- handles issued before a purge ----

#[test]
fn change_visibility_with_a_handle_from_before_a_purge_is_rejected() {
    let c = cloud();
    let q = queue(&c, QueueConfig::default().visibility_timeout(secs(30)));
    q.send("old").unwrap();
    let old = q.try_receive().unwrap().unwrap();
    q.purge().unwrap();
    let e = q.change_visibility(old.receipt_handle(), secs(0)).unwrap_err();
    assert_eq!(e.code(), "ReceiptHandleIsInvalid");
    // A message received after the purge may sit in the same slot; the old handle
    // must not reach it.
    q.send("new").unwrap();
    let new = q.try_receive().unwrap().unwrap();
    let e = q.change_visibility(old.receipt_handle(), secs(0)).unwrap_err();
    assert_eq!(e.code(), "ReceiptHandleIsInvalid");
    assert_eq!(q.stats().in_flight, 1, "the new message stays hidden");
    q.change_visibility(new.receipt_handle(), secs(0)).unwrap();
    assert_eq!(q.try_receive().unwrap().unwrap().body_str(), "new");
}

// ---- attribute names, types and values ----

fn send_attr(q: &Queue, name: &str, v: AttributeValue) -> Result<(), QueueError> {
    q.send_message(OutgoingMessage::new("x").attribute(name, v)).map(|_| ())
}

#[test]
fn reserved_attribute_prefixes_are_rejected_in_any_case() {
    let c = cloud();
    let q = queue(&c, QueueConfig::default());
    for bad in ["Aws.x", "AMAZON.y", "aws.z", "aWs.t", "AmAzOn.u"] {
        let e = send_attr(&q, bad, AttributeValue::string("v")).unwrap_err();
        assert_eq!(e.code(), "InvalidParameterValue", "{bad}");
    }
    // Only the prefix with its dot is reserved.
    for ok in ["AWSx", "amazonian", "aws_trace", "my.aws.z"] {
        send_attr(&q, ok, AttributeValue::string("v")).unwrap_or_else(|e| panic!("{ok}: {e}"));
    }
}

#[test]
fn attribute_names_are_at_most_256_characters() {
    let c = cloud();
    let q = queue(&c, QueueConfig::default());
    send_attr(&q, &"n".repeat(256), AttributeValue::string("v")).unwrap();
    let e = send_attr(&q, &"n".repeat(257), AttributeValue::string("v")).unwrap_err();
    assert_eq!(e.code(), "InvalidParameterValue");
    assert_eq!(send_attr(&q, "", AttributeValue::string("v")).unwrap_err().code(), "InvalidParameterValue");
}

#[test]
fn attribute_names_may_not_start_or_end_with_a_dot_nor_hold_two_in_a_row() {
    let c = cloud();
    let q = queue(&c, QueueConfig::default());
    for bad in [".a", "a.", ".", "..", "a..b", "a...b", ".a.b."] {
        let e = send_attr(&q, bad, AttributeValue::string("v")).unwrap_err();
        assert_eq!(e.code(), "InvalidParameterValue", "{bad}");
    }
    for ok in ["a.b", "a.b.c", "a-b_c.9"] {
        send_attr(&q, ok, AttributeValue::string("v")).unwrap_or_else(|e| panic!("{ok}: {e}"));
    }
}

#[test]
fn number_attributes_accept_decimal_forms_and_reject_the_rest() {
    let c = cloud();
    let q = queue(&c, QueueConfig::default());
    for ok in ["1e3", ".5", "-0", "5.", "+7", "1E-3", "-1.5e+10", "007"] {
        send_attr(&q, "n", AttributeValue::number(ok)).unwrap_or_else(|e| panic!("{ok:?}: {e}"));
    }
    for bad in ["1.2.3", " 1", "1 ", "", ".", "-", "1e", "e3", "0x10", "NaN", "Infinity", "1,000"] {
        let e = send_attr(&q, "n", AttributeValue::number(bad)).unwrap_err();
        assert_eq!(e.code(), "InvalidParameterValue", "{bad:?}");
    }
    // A labelled Number is still a number.
    let e = send_attr(&q, "n", AttributeValue::text_with_type("Number.int", "1.2.3")).unwrap_err();
    assert_eq!(e.code(), "InvalidParameterValue");
}

#[test]
fn empty_attribute_values_are_rejected_whatever_the_type() {
    let c = cloud();
    let q = queue(&c, QueueConfig::default());
    for v in [
        AttributeValue::binary(Vec::<u8>::new()),
        AttributeValue::binary_with_type("Binary.png", Vec::<u8>::new()),
        AttributeValue::string(""),
        AttributeValue::text_with_type("String.custom", ""),
    ] {
        let e = send_attr(&q, "e", v.clone()).unwrap_err();
        assert_eq!(e.code(), "InvalidParameterValue", "{v:?}");
    }
    assert_eq!(q.stats().total(), 0);
}

#[test]
fn custom_type_labels_are_accepted_and_other_types_rejected() {
    let c = cloud();
    let q = queue(&c, QueueConfig::default());
    let labelled = OutgoingMessage::new("x")
        .attribute("s", AttributeValue::text_with_type("String.custom", "text"))
        .attribute("n", AttributeValue::text_with_type("Number.int", "42"))
        .attribute("b", AttributeValue::binary_with_type("Binary.png", vec![0x89u8, b'P']));
    q.send_message(labelled).unwrap();
    let m = q.try_receive().unwrap().unwrap();
    assert_eq!(m.attributes().get("s").unwrap().data_type(), "String.custom");
    assert_eq!(m.attributes().get("n").unwrap().data_type(), "Number.int");
    assert_eq!(m.attributes().get("b").unwrap().data_type(), "Binary.png");
    for bad in ["Text", "String.", "Number.", "", ".custom", "Strings", "Date"] {
        let e = send_attr(&q, "t", AttributeValue::text_with_type(bad, "1")).unwrap_err();
        assert_eq!(e.code(), "InvalidParameterValue", "{bad:?}");
    }
    let e = send_attr(&q, "t", AttributeValue::binary_with_type("Binary.", vec![1u8])).unwrap_err();
    assert_eq!(e.code(), "InvalidParameterValue");
}

// ---- MD5 of attributes, computed here from the SPEC algorithm ----

enum Val<'a> {
    Text(&'a str),
    Bin(&'a [u8]),
}

/// SPEC §1: sort by name; for each, length-prefixed name and type, a transport byte
/// (1 text, 2 binary), then the length-prefixed value; MD5 of the whole, in hex.
fn spec_attributes_md5(attrs: &[(&str, &str, Val<'_>)]) -> String {
    let mut sorted: Vec<_> = attrs.iter().collect();
    sorted.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    let mut buf = Vec::new();
    let field = |buf: &mut Vec<u8>, b: &[u8]| {
        buf.extend_from_slice(&(b.len() as u32).to_be_bytes());
        buf.extend_from_slice(b);
    };
    for (name, ty, v) in sorted {
        field(&mut buf, name.as_bytes());
        field(&mut buf, ty.as_bytes());
        match v {
            Val::Text(s) => {
                buf.push(1);
                field(&mut buf, s.as_bytes());
            }
            Val::Bin(b) => {
                buf.push(2);
                field(&mut buf, b);
            }
        }
    }
    Md5::digest(&buf).iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn md5_of_attributes_sorts_by_name_whatever_the_insertion_order() {
    let c = cloud();
    let q = queue(&c, QueueConfig::default());
    let bin = [0u8, 1, 2, 255];
    let out = OutgoingMessage::new("x")
        .attribute("zeta", AttributeValue::string("last"))
        .attribute("Alpha", AttributeValue::text_with_type("Number.int", "42"))
        .attribute("mid", AttributeValue::text_with_type("String.custom", "m"))
        .attribute("beta", AttributeValue::binary(bin.to_vec()));
    let expected = spec_attributes_md5(&[
        ("zeta", "String", Val::Text("last")),
        ("Alpha", "Number.int", Val::Text("42")),
        ("mid", "String.custom", Val::Text("m")),
        ("beta", "Binary", Val::Bin(&bin)),
    ]);
    assert_eq!(expected, "5e8e928a3d9da94553edf1dcfe6ddf79", "the test's own encoding");
    let r = q.send_message(out).unwrap();
    assert_eq!(r.md5_of_message_attributes().unwrap().to_string(), expected);
    let m = q.try_receive().unwrap().unwrap();
    assert_eq!(m.md5_of_attributes().unwrap().to_string(), expected);
}

#[test]
fn md5_of_a_binary_attribute_uses_transport_byte_2() {
    let c = cloud();
    let q = queue(&c, QueueConfig::default());
    let png = [0x89u8, b'P', b'N', b'G', 0];
    let expected = spec_attributes_md5(&[("img", "Binary.png", Val::Bin(&png))]);
    assert_eq!(expected, "2544918254584bb2703f3150fa8df80e", "the test's own encoding");
    let r = q
        .send_message(
            OutgoingMessage::new("x").attribute("img", AttributeValue::binary_with_type("Binary.png", png.to_vec())),
        )
        .unwrap();
    assert_eq!(r.md5_of_message_attributes().unwrap().to_string(), expected);
    let m = q.try_receive().unwrap().unwrap();
    assert_eq!(m.md5_of_attributes().unwrap().to_string(), expected);
    // The same value as a String differs by its transport byte (and type) alone.
    let text = q.send_message(OutgoingMessage::new("x").attribute("img", AttributeValue::string("PNG"))).unwrap();
    let text_expected = spec_attributes_md5(&[("img", "String", Val::Text("PNG"))]);
    assert_eq!(text.md5_of_message_attributes().unwrap().to_string(), text_expected);
    let bin = q.send_message(OutgoingMessage::new("x").attribute("img", AttributeValue::binary(&b"PNG"[..]))).unwrap();
    let bin_expected = spec_attributes_md5(&[("img", "Binary", Val::Bin(b"PNG"))]);
    assert_eq!(bin.md5_of_message_attributes().unwrap().to_string(), bin_expected);
    assert_ne!(text_expected, bin_expected);
}

// ---- list ----

#[test]
fn list_returns_the_first_1000_names_in_sorted_order() {
    let c = cloud();
    c.create_queue("r-late", QueueConfig::default()).unwrap();
    // Created in a scrambled order: 389 is coprime to 1,005, so every index appears once.
    for i in 0..1005u32 {
        c.create_queue(&format!("q{:04}", (i * 389) % 1005), QueueConfig::default()).unwrap();
    }
    c.create_queue("p-early", QueueConfig::default()).unwrap();
    let names = |p: &str| c.list_queues(p).iter().map(|q| q.name().to_owned()).collect::<Vec<_>>();

    let all = names("");
    assert_eq!(all.len(), 1000);
    assert_eq!((all[0].as_str(), all[999].as_str()), ("p-early", "q0998"));
    assert!(all.windows(2).all(|w| w[0] < w[1]), "sorted by name");

    let q = names("q");
    assert_eq!(q.len(), 1000);
    assert_eq!((q[0].as_str(), q[999].as_str()), ("q0000", "q0999"));
    assert!(q.windows(2).all(|w| w[0] < w[1]));

    // A narrower prefix reaches names past the first 1,000.
    assert_eq!(names("q100"), vec!["q1000", "q1001", "q1002", "q1003", "q1004"]);
    assert_eq!(names("q09").len(), 100);
    assert_eq!(names("r"), vec!["r-late"]);
    assert_eq!(names("p-early"), vec!["p-early"], "a prefix may be a whole name");
    assert!(names("Q").is_empty(), "prefixes are case-sensitive");
}

// ---- visibility changes ----

#[test]
fn a_shortened_visibility_returns_the_message_exactly_then_not_at_the_old_timeout() {
    let c = cloud();
    let q = queue(&c, QueueConfig::default().visibility_timeout(secs(30)));
    q.send("x").unwrap();
    let m = q.try_receive().unwrap().unwrap();
    c.advance(secs(5));
    q.change_visibility(m.receipt_handle(), secs(20)).unwrap();
    c.advance(secs(19));
    assert!(q.try_receive().unwrap().is_none(), "hidden until 20 s after the change");
    assert_eq!(q.stats().in_flight, 1);
    c.advance(secs(1));
    let again = q.try_receive().unwrap().expect("visible 25 s after the receive");
    assert_eq!((again.message_id(), again.receive_count()), (m.message_id(), 2));
    // The old 30 s deadline passing must not free the new receive early.
    c.advance(secs(5));
    assert!(q.try_receive().unwrap().is_none(), "the second receive holds it for its own 30 s");
    c.advance(secs(24));
    assert!(q.try_receive().unwrap().is_none());
    c.advance(secs(1));
    assert_eq!(q.try_receive().unwrap().unwrap().receive_count(), 3);
}

#[test]
fn a_lengthened_visibility_skips_the_old_timeout() {
    let c = cloud();
    let q = queue(&c, QueueConfig::default().visibility_timeout(secs(30)));
    q.send("x").unwrap();
    let m = q.try_receive().unwrap().unwrap();
    c.advance(secs(5));
    q.change_visibility(m.receipt_handle(), secs(100)).unwrap();
    c.advance(secs(25));
    assert!(q.try_receive().unwrap().is_none(), "not back at the old 30 s");
    c.advance(secs(74));
    assert!(q.try_receive().unwrap().is_none());
    c.advance(secs(1));
    assert_eq!(q.try_receive().unwrap().unwrap().receive_count(), 2);
}
