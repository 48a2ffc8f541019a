//! Batch operations (send, delete, change visibility), one test per SPEC §1 batch rule:
//! malformed requests reject as a whole and change nothing; otherwise each entry
//! succeeds or fails alone; FIFO batches enqueue in entry order.

use localcloud::queue::{BatchEntry, BatchResult};
use localcloud::{
    AttributeValue, Cloud, OutgoingMessage, Queue, QueueConfig, QueueError, ReceiptHandle, ReceiveOptions,
    ReceivedMessage,
};

mod common;
use common::{cloud, receive_all, secs};

fn queue(cloud: &Cloud) -> Queue {
    cloud.create_queue("q", QueueConfig::default()).unwrap()
}

fn entries(n: usize) -> Vec<BatchEntry> {
    (0..n).map(|i| BatchEntry::new(format!("e{i}"), OutgoingMessage::new(format!("m{i}")))).collect()
}

fn handles(msgs: &[ReceivedMessage]) -> Vec<BatchEntry<ReceiptHandle>> {
    msgs.iter().enumerate().map(|(i, m)| BatchEntry::new(format!("h{i}"), m.receipt_handle().clone())).collect()
}

fn ok_ids<T>(r: &BatchResult<T>) -> Vec<&str> {
    r.successful().iter().map(|(id, _)| id.as_str()).collect()
}

/// Asserts the error's code and its query-protocol spelling.
fn assert_codes(e: QueueError, code: &str) {
    assert_eq!(e.code(), code);
    assert_eq!(e.query_code(), format!("AWS.SimpleQueueService.{code}"));
}

// ---- whole-request errors ----

#[test]
fn an_empty_batch_is_rejected() {
    let c = cloud();
    let q = queue(&c);
    assert_codes(q.send_batch(vec![]).unwrap_err(), "EmptyBatchRequest");
    assert_codes(q.delete_batch(vec![]).unwrap_err(), "EmptyBatchRequest");
    assert_codes(q.change_visibility_batch(vec![]).unwrap_err(), "EmptyBatchRequest");
}

#[test]
fn more_than_ten_entries_are_rejected_and_ten_are_fine() {
    let c = cloud();
    let q = queue(&c);
    let e = q.send_batch(entries(11)).unwrap_err();
    assert_codes(e.clone(), "TooManyEntriesInBatchRequest");
    assert_eq!(e, QueueError::TooManyEntriesInBatchRequest { count: 11 });
    assert_eq!(q.stats().total(), 0, "a rejected batch sends nothing");
    assert_eq!(q.send_batch(entries(10)).unwrap().successful().len(), 10);

    let msgs = receive_all(&q);
    let mut eleven = handles(&msgs);
    eleven.push(BatchEntry::new("extra", msgs[0].receipt_handle().clone()));
    assert_codes(q.delete_batch(eleven).unwrap_err(), "TooManyEntriesInBatchRequest");
    let vis: Vec<_> =
        (0..11).map(|i| BatchEntry::new(format!("v{i}"), (msgs[0].receipt_handle().clone(), secs(0)))).collect();
    assert_codes(q.change_visibility_batch(vis).unwrap_err(), "TooManyEntriesInBatchRequest");
    assert_eq!(q.stats().in_flight, 10, "rejected batches delete nothing and show nothing");
}

#[test]
fn entry_ids_are_1_to_80_of_alphanumerics_underscore_and_hyphen() {
    let c = cloud();
    let q = queue(&c);
    for bad in [String::new(), "a".repeat(81), "has space".into(), "a.b".into(), "é".into(), "x/y".into()] {
        let batch = vec![BatchEntry::new("fine", OutgoingMessage::new("a")), BatchEntry::new(bad.as_str(), "b".into())];
        assert_codes(q.send_batch(batch).unwrap_err(), "InvalidBatchEntryId");
    }
    assert_eq!(q.stats().total(), 0, "not even the valid first entry was sent");
    let good = vec![
        BatchEntry::new("a".repeat(80), OutgoingMessage::new("a")),
        BatchEntry::new("Az09_-", OutgoingMessage::new("b")),
    ];
    assert_eq!(q.send_batch(good).unwrap().successful().len(), 2);
}

#[test]
fn bad_entry_ids_reject_delete_and_change_visibility_batches_too() {
    let c = cloud();
    let q = queue(&c);
    q.send("x").unwrap();
    let m = q.try_receive().unwrap().unwrap();
    let e = q.delete_batch(vec![BatchEntry::new("bad id", m.receipt_handle().clone())]).unwrap_err();
    assert_codes(e, "InvalidBatchEntryId");
    let e = q.change_visibility_batch(vec![BatchEntry::new("", (m.receipt_handle().clone(), secs(0)))]).unwrap_err();
    assert_codes(e, "InvalidBatchEntryId");
    assert_eq!(q.stats().in_flight, 1);
}

#[test]
fn duplicate_entry_ids_are_rejected() {
    let c = cloud();
    let q = queue(&c);
    let batch = vec![
        BatchEntry::new("a", OutgoingMessage::new("1")),
        BatchEntry::new("b", OutgoingMessage::new("2")),
        BatchEntry::new("a", OutgoingMessage::new("3")),
    ];
    let e = q.send_batch(batch).unwrap_err();
    assert_eq!(e, QueueError::BatchEntryIdsNotDistinct("a".into()));
    assert_codes(e, "BatchEntryIdsNotDistinct");
    assert_eq!(q.stats().total(), 0);

    q.send("x").unwrap();
    let m = q.try_receive().unwrap().unwrap();
    let h = m.receipt_handle().clone();
    let e = q.delete_batch(vec![BatchEntry::new("d", h.clone()), BatchEntry::new("d", h.clone())]).unwrap_err();
    assert_codes(e, "BatchEntryIdsNotDistinct");
    let e = q
        .change_visibility_batch(vec![BatchEntry::new("d", (h.clone(), secs(0))), BatchEntry::new("d", (h, secs(0)))])
        .unwrap_err();
    assert_codes(e, "BatchEntryIdsNotDistinct");
    assert_eq!(q.stats().in_flight, 1, "nothing deleted, nothing made visible");
}

#[test]
fn entry_ids_are_case_sensitive() {
    let c = cloud();
    let q = queue(&c);
    let batch = vec![BatchEntry::new("a", OutgoingMessage::new("1")), BatchEntry::new("A", OutgoingMessage::new("2"))];
    assert_eq!(q.send_batch(batch).unwrap().successful().len(), 2);
}

#[test]
fn a_batch_over_one_mebibyte_in_total_is_rejected() {
    let c = cloud();
    let q = queue(&c);
    let half = "x".repeat(512 * 1024);
    let exactly =
        vec![BatchEntry::new("a", OutgoingMessage::new(half.clone())), BatchEntry::new("b", half.clone().into())];
    assert_eq!(q.send_batch(exactly).unwrap().successful().len(), 2, "exactly 1 MiB is allowed");
    let over = vec![
        BatchEntry::new("a", OutgoingMessage::new(half.clone())),
        BatchEntry::new("b", OutgoingMessage::new(half).attribute("k", AttributeValue::string("v"))),
    ];
    let e = q.send_batch(over).unwrap_err();
    assert_codes(e.clone(), "BatchRequestTooLong");
    assert!(matches!(e, QueueError::BatchRequestTooLong { limit: 1_048_576, size } if size > 1_048_576));
    assert_eq!(q.stats().total(), 2, "the rejected batch added nothing");
}

#[test]
fn a_batch_on_a_deleted_queue_fails_as_a_whole() {
    let c = cloud();
    let q = queue(&c);
    q.send("x").unwrap();
    let m = q.try_receive().unwrap().unwrap();
    c.delete_queue("q").unwrap();
    assert_eq!(q.send_batch(entries(2)).unwrap_err().code(), "QueueDoesNotExist");
    assert_eq!(q.delete_batch(handles(std::slice::from_ref(&m))).unwrap_err().code(), "QueueDoesNotExist");
    let vis = vec![BatchEntry::new("v", (m.receipt_handle().clone(), secs(0)))];
    assert_eq!(q.change_visibility_batch(vis).unwrap_err().code(), "QueueDoesNotExist");
}

// ---- per-entry outcomes ----

#[test]
fn send_batch_entries_fail_alone_beside_successes() {
    let c = cloud();
    let q = queue(&c);
    let batch = vec![
        BatchEntry::new("ok1", OutgoingMessage::new("first")),
        BatchEntry::new("empty", OutgoingMessage::new("")),
        BatchEntry::new("badchar", OutgoingMessage::new("nul \u{0}")),
        BatchEntry::new("ok2", OutgoingMessage::new("second")),
        BatchEntry::new("delay", OutgoingMessage::new("late").delay(secs(901))),
        BatchEntry::new("dedup", OutgoingMessage::new("std").deduplication_id("d")),
    ];
    let r = q.send_batch(batch).unwrap();
    assert_eq!(ok_ids(&r), vec!["ok1", "ok2"]);
    let failed: Vec<(&str, &str)> = r.failed().iter().map(|f| (f.id.as_str(), f.code)).collect();
    assert_eq!(
        failed,
        vec![
            ("empty", "MissingParameter"),
            ("badchar", "InvalidMessageContents"),
            ("delay", "InvalidParameterValue"),
            ("dedup", "InvalidParameterValue"),
        ]
    );
    assert!(r.failed().iter().all(|f| f.sender_fault && !f.message.is_empty()));
    let got = receive_all(&q);
    assert_eq!(got.iter().map(|m| m.body_str()).collect::<Vec<_>>(), vec!["first", "second"]);
}

#[test]
fn send_batch_receipts_match_their_messages() {
    let c = cloud();
    let q = queue(&c);
    let r = q.send_batch(entries(3)).unwrap();
    let got = receive_all(&q);
    for ((id, receipt), m) in r.successful().iter().zip(&got) {
        assert_eq!(receipt.message_id(), m.message_id(), "{id}");
        assert_eq!(receipt.md5_of_body(), m.md5_of_body());
    }
}

#[test]
fn send_batch_with_per_message_delays() {
    let c = cloud();
    let q = queue(&c);
    let batch = vec![
        BatchEntry::new("now", OutgoingMessage::new("now")),
        BatchEntry::new("later", OutgoingMessage::new("later").delay(secs(5))),
    ];
    q.send_batch(batch).unwrap();
    assert_eq!(q.stats().delayed, 1);
    c.advance(secs(5));
    assert_eq!(q.stats().visible, 2);
}

#[test]
fn delete_batch_entries_fail_alone_beside_successes() {
    let c = cloud();
    let q = queue(&c);
    let other = c.create_queue("other", QueueConfig::default()).unwrap();
    q.send_batch(entries(2)).unwrap();
    other.send("o").unwrap();
    let mine = receive_all(&q);
    let foreign = other.try_receive().unwrap().unwrap();
    let batch = vec![
        BatchEntry::new("a", mine[0].receipt_handle().clone()),
        BatchEntry::new("foreign", foreign.receipt_handle().clone()),
        BatchEntry::new("b", mine[1].receipt_handle().clone()),
    ];
    let r = q.delete_batch(batch).unwrap();
    assert_eq!(ok_ids(&r), vec!["a", "b"]);
    assert_eq!(r.failed().len(), 1);
    let f = &r.failed()[0];
    assert_eq!((f.id.as_str(), f.code, f.sender_fault), ("foreign", "ReceiptHandleIsInvalid", true));
    assert_eq!(q.stats().total(), 0);
    assert_eq!(other.stats().in_flight, 1, "the foreign message is untouched");
}

#[test]
fn delete_batch_of_already_deleted_messages_succeeds() {
    let c = cloud();
    let q = queue(&c);
    q.send_batch(entries(2)).unwrap();
    let got = receive_all(&q);
    q.delete_batch(handles(&got)).unwrap();
    let again = q.delete_batch(handles(&got)).unwrap();
    assert_eq!(again.successful().len(), 2);
    assert!(again.failed().is_empty());
}

#[test]
fn change_visibility_batch_entries_fail_alone_beside_successes() {
    let c = cloud();
    let q = queue(&c);
    q.send_batch(entries(3)).unwrap();
    let got = receive_all(&q);
    q.delete(got[2].receipt_handle()).unwrap();
    let batch = vec![
        BatchEntry::new("show", (got[0].receipt_handle().clone(), secs(0))),
        BatchEntry::new("too-long", (got[1].receipt_handle().clone(), secs(43_201))),
        BatchEntry::new("deleted", (got[2].receipt_handle().clone(), secs(10))),
    ];
    let r = q.change_visibility_batch(batch).unwrap();
    assert_eq!(ok_ids(&r), vec!["show"]);
    let failed: Vec<(&str, &str)> = r.failed().iter().map(|f| (f.id.as_str(), f.code)).collect();
    assert_eq!(failed, vec![("too-long", "InvalidParameterValue"), ("deleted", "InvalidParameterValue")]);
    let stats = q.stats();
    assert_eq!((stats.visible, stats.in_flight), (1, 1));
}

#[test]
fn change_visibility_batch_sets_each_timeout_from_now() {
    let c = cloud();
    let q = c.create_queue("q", QueueConfig::default().visibility_timeout(secs(30))).unwrap();
    q.send_batch(entries(2)).unwrap();
    let got = receive_all(&q);
    let batch = vec![
        BatchEntry::new("a", (got[0].receipt_handle().clone(), secs(5))),
        BatchEntry::new("b", (got[1].receipt_handle().clone(), secs(60))),
    ];
    assert!(q.change_visibility_batch(batch).unwrap().failed().is_empty());
    c.advance(secs(5));
    assert_eq!(q.stats().visible, 1);
    c.advance(secs(54));
    assert_eq!(q.stats().visible, 1);
    c.advance(secs(1));
    assert_eq!(q.stats().visible, 2);
}

// ---- FIFO batches ----

fn fifo_entry(id: &str, group: &str, dedup: &str) -> BatchEntry {
    BatchEntry::new(id, OutgoingMessage::new(format!("{group}-{dedup}")).group_id(group).deduplication_id(dedup))
}

#[test]
fn fifo_batches_enqueue_in_entry_order() {
    let c = cloud();
    let q = c.create_queue("q.fifo", QueueConfig::fifo()).unwrap();
    let batch: Vec<_> = (0..10).map(|i| fifo_entry(&format!("e{i}"), "g", &format!("{i}"))).collect();
    let r = q.send_batch(batch).unwrap();
    let seqs: Vec<u128> = r.successful().iter().map(|(_, s)| s.sequence_number().unwrap()).collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{seqs:?}");
    let got = q.receive(ReceiveOptions::new().max_messages(10)).unwrap();
    let want: Vec<String> = (0..10).map(|i| format!("g-{i}")).collect();
    assert_eq!(got.iter().map(|m| m.body_str()).collect::<Vec<_>>(), want);
}

#[test]
fn fifo_batches_keep_order_across_batches_and_groups() {
    let c = cloud();
    let q = c.create_queue("q.fifo", QueueConfig::fifo()).unwrap();
    q.send_batch(vec![fifo_entry("a", "x", "1"), fifo_entry("b", "y", "2"), fifo_entry("c", "x", "3")]).unwrap();
    q.send_batch(vec![fifo_entry("a", "y", "4"), fifo_entry("b", "x", "5")]).unwrap();
    let got = receive_all(&q);
    let of = |g: &str| got.iter().filter(|m| m.group_id() == Some(g)).map(|m| m.body_str()).collect::<Vec<_>>();
    assert_eq!(of("x"), vec!["x-1", "x-3", "x-5"]);
    assert_eq!(of("y"), vec!["y-2", "y-4"]);
}

#[test]
fn a_duplicate_within_a_fifo_batch_returns_the_first_entrys_id() {
    let c = cloud();
    let q = c.create_queue("q.fifo", QueueConfig::fifo()).unwrap();
    let r =
        q.send_batch(vec![fifo_entry("a", "g", "d"), fifo_entry("b", "g", "d"), fifo_entry("c", "g", "e")]).unwrap();
    assert_eq!(ok_ids(&r), vec!["a", "b", "c"], "a duplicate is a success");
    let ids: Vec<_> = r.successful().iter().map(|(_, s)| s.message_id()).collect();
    assert_eq!(ids[0], ids[1]);
    assert_ne!(ids[0], ids[2]);
    assert_eq!(q.stats().total(), 2);
    assert_eq!(c.metrics().value("AWS/SQS", "q.fifo", "NumberOfDeduplicatedSentMessages"), Some(1.0));
}

#[test]
fn fifo_batch_entries_fail_alone_and_the_rest_keep_their_order() {
    let c = cloud();
    let q = c.create_queue("q.fifo", QueueConfig::fifo()).unwrap();
    let batch = vec![
        fifo_entry("a", "g", "1"),
        BatchEntry::new("longid", OutgoingMessage::new("y").group_id("g").deduplication_id("d".repeat(129))),
        BatchEntry::new("delay", OutgoingMessage::new("z").group_id("g").deduplication_id("3").delay(secs(1))),
        fifo_entry("b", "g", "4"),
    ];
    let r = q.send_batch(batch).unwrap();
    assert_eq!(ok_ids(&r), vec!["a", "b"]);
    let failed: Vec<(&str, &str)> = r.failed().iter().map(|f| (f.id.as_str(), f.code)).collect();
    assert_eq!(failed, vec![("longid", "InvalidParameterValue"), ("delay", "InvalidParameterValue")]);
    let got = receive_all(&q);
    assert_eq!(got.iter().map(|m| m.body_str()).collect::<Vec<_>>(), vec!["g-1", "g-4"]);
}

#[test]
fn fifo_delete_batch_rejects_expired_handles_per_entry() {
    let c = cloud();
    let q = c.create_queue("q.fifo", QueueConfig::fifo().visibility_timeout(secs(10))).unwrap();
    q.send_batch(vec![fifo_entry("a", "x", "1"), fifo_entry("b", "y", "2")]).unwrap();
    let first = q.receive(ReceiveOptions::new().max_messages(1)).unwrap();
    c.advance(secs(5));
    let second = q.receive(ReceiveOptions::new().max_messages(1)).unwrap();
    c.advance(secs(5)); // the first receive's handle has expired, the second's has not
    let r = q
        .delete_batch(vec![
            BatchEntry::new("old", first[0].receipt_handle().clone()),
            BatchEntry::new("fresh", second[0].receipt_handle().clone()),
        ])
        .unwrap();
    assert_eq!(ok_ids(&r), vec!["fresh"]);
    assert_eq!((r.failed()[0].id.as_str(), r.failed()[0].code), ("old", "InvalidParameterValue"));
    assert_eq!(q.stats().visible, 1);
}
