//! Message move tasks (DLQ redrive), one test per SPEC §1 behaviour, on a manual
//! clock: where messages go, what they keep, the rate, one active task per DLQ,
//! listing, cancelling and failing.

use std::time::Duration;

use localcloud::queue::MoveTaskStatus;
use localcloud::{AttributeValue, Cloud, OutgoingMessage, Queue, QueueConfig, RedrivePolicy, SendReceipt};

mod common;
use common::{bodies, cloud, receive_all, secs, source_with_dlq};

/// Receives everything in `src` twice so that it all moves to its DLQ (max receive count 1).
fn kill_all(c: &Cloud, src: &Queue) {
    receive_all(src);
    c.advance(secs(1));
    assert!(receive_all(src).is_empty());
    assert_eq!(src.stats().total(), 0);
}

/// A source queue with a DLQ (max receive count 1, visibility 1 s), and `n` messages
/// already moved to the DLQ; returns (source, dlq, receipts).
fn with_dead_letters(c: &Cloud, n: usize) -> (Queue, Queue, Vec<SendReceipt>) {
    let (src, dlq) = source_with_dlq(c, false, 1, 1);
    let sent = (0..n)
        .map(|i| {
            let m = OutgoingMessage::new(format!("m{i}")).attribute("n", AttributeValue::number(i.to_string()));
            src.send_message(m).unwrap()
        })
        .collect();
    kill_all(c, &src);
    assert_eq!(dlq.stats().visible, n);
    (src, dlq, sent)
}

// ---- where messages go and what they keep ----

#[test]
fn moves_dead_letters_back_to_their_source_keeping_body_and_attributes() {
    let c = cloud();
    let (src, dlq, sent) = with_dead_letters(&c, 3);
    let task = c.start_message_move_task(&dlq, None).unwrap();
    assert_eq!(task.status(), MoveTaskStatus::Running);
    assert_eq!(task.approximate_to_move(), 3);
    assert_eq!(task.source_arn(), dlq.arn());
    assert_eq!(task.destination_arn(), None);
    c.run_until_idle();
    assert_eq!(task.status(), MoveTaskStatus::Completed);
    assert_eq!(task.moved(), 3);
    assert_eq!(dlq.stats().total(), 0);
    let back = receive_all(&src);
    assert_eq!(bodies(&back), vec!["m0", "m1", "m2"]);
    for (i, (m, r)) in back.iter().zip(&sent).enumerate() {
        assert_ne!(m.message_id(), r.message_id(), "a moved message is a new message");
        assert_eq!(m.attributes().get("n").and_then(|v| v.as_str()), Some(i.to_string().as_str()));
        assert_eq!(m.receive_count(), 1, "a fresh receive count");
        assert_eq!(m.system_attributes().dead_letter_queue_source_arn, None);
    }
}

#[test]
fn moved_messages_can_die_again() {
    let c = cloud();
    let (src, dlq, _) = with_dead_letters(&c, 2);
    c.start_message_move_task(&dlq, None).unwrap();
    c.run_until_idle();
    kill_all(&c, &src);
    assert_eq!(dlq.stats().visible, 2, "one receive allowed again, then back to the DLQ");
}

#[test]
fn moves_to_an_explicit_destination() {
    let c = cloud();
    let (src, dlq, sent) = with_dead_letters(&c, 2);
    let dest = c.create_queue("elsewhere", QueueConfig::default()).unwrap();
    let task = c.start_message_move_task(&dlq, Some(&dest)).unwrap();
    assert_eq!(task.destination_arn().as_deref(), Some(dest.arn()));
    c.run_until_idle();
    assert_eq!(task.status(), MoveTaskStatus::Completed);
    assert_eq!(src.stats().total(), 0);
    let got = receive_all(&dest);
    assert_eq!(bodies(&got), vec!["m0", "m1"]);
    assert!(got.iter().zip(&sent).all(|(m, s)| m.message_id() != s.message_id()), "new messages, new ids");
}

#[test]
fn a_destination_of_the_other_kind_is_refused() {
    let c = cloud();
    let (_src, dlq, _) = with_dead_letters(&c, 1);
    let fifo = c.create_queue("elsewhere.fifo", QueueConfig::fifo()).unwrap();
    let e = c.start_message_move_task(&dlq, Some(&fifo)).unwrap_err();
    assert_eq!(e.code(), "InvalidParameterValue");
    assert!(c.list_message_move_tasks(&dlq).is_empty(), "a refused start leaves no task");
    assert_eq!(dlq.stats().visible, 1);
}

#[test]
fn messages_from_several_sources_each_go_home() {
    let c = cloud();
    let dlq = c.create_queue("dlq", QueueConfig::default()).unwrap();
    let policy = || QueueConfig::default().visibility_timeout(secs(1)).redrive(RedrivePolicy::new(&dlq, 1));
    let a = c.create_queue("a", policy()).unwrap();
    let b = c.create_queue("b", policy()).unwrap();
    a.send("for a").unwrap();
    b.send("for b").unwrap();
    receive_all(&a);
    receive_all(&b);
    c.advance(secs(1));
    receive_all(&a);
    receive_all(&b);
    assert_eq!(dlq.stats().visible, 2);
    c.start_message_move_task(&dlq, None).unwrap();
    c.run_until_idle();
    assert_eq!(bodies(&receive_all(&a)), vec!["for a"]);
    assert_eq!(bodies(&receive_all(&b)), vec!["for b"]);
}

#[test]
fn in_flight_dead_letters_are_not_moved() {
    let c = cloud();
    let (src, dlq, _) = with_dead_letters(&c, 3);
    let held = dlq.try_receive().unwrap().unwrap();
    let task = c.start_message_move_task(&dlq, None).unwrap();
    assert_eq!(task.approximate_to_move(), 2);
    c.run_until_idle();
    assert_eq!((task.status(), task.moved()), (MoveTaskStatus::Completed, 2));
    assert_eq!(src.stats().visible, 2);
    assert_eq!(dlq.stats().in_flight, 1);
    dlq.delete(held.receipt_handle()).unwrap();
}

// ---- rate ----

#[test]
fn the_rate_limits_messages_per_second_on_the_clock() {
    let c = cloud();
    let (src, dlq, _) = with_dead_letters(&c, 5);
    let task = c.start_message_move_task_with_rate(&dlq, None, 2).unwrap();
    assert_eq!(task.max_per_second(), 2);
    c.run_until_idle();
    assert_eq!((task.moved(), src.stats().visible, dlq.stats().visible), (2, 2, 3));
    assert_eq!(task.status(), MoveTaskStatus::Running);
    c.advance(Duration::from_millis(999));
    assert_eq!(task.moved(), 2, "nothing more before the next second");
    c.advance(Duration::from_millis(1));
    assert_eq!((task.moved(), src.stats().visible, dlq.stats().visible), (4, 4, 1));
    c.advance(secs(1));
    assert_eq!((task.moved(), src.stats().visible, dlq.stats().visible), (5, 5, 0));
    assert_eq!(task.status(), MoveTaskStatus::Completed);
}

#[test]
fn a_dlq_holding_a_multiple_of_the_rate_completes_on_the_empty_step() {
    let c = cloud();
    let (_, dlq, _) = with_dead_letters(&c, 4);
    let task = c.start_message_move_task_with_rate(&dlq, None, 2).unwrap();
    c.run_until_idle();
    c.advance(secs(1));
    assert_eq!((task.moved(), task.status()), (4, MoveTaskStatus::Running));
    c.advance(secs(1));
    assert_eq!((task.moved(), task.status()), (4, MoveTaskStatus::Completed));
}

#[test]
fn the_default_rate_is_500_per_second() {
    let c = cloud();
    let (src, dlq, _) = with_dead_letters(&c, 501);
    let task = c.start_message_move_task(&dlq, None).unwrap();
    assert_eq!(task.max_per_second(), 500);
    c.run_until_idle();
    assert_eq!((task.moved(), src.stats().visible), (500, 500));
    c.advance(secs(1));
    assert_eq!((task.moved(), task.status()), (501, MoveTaskStatus::Completed));
}

#[test]
fn the_rate_is_1_to_500() {
    let c = cloud();
    let (_, dlq, _) = with_dead_letters(&c, 1);
    for bad in [0, 501] {
        let e = c.start_message_move_task_with_rate(&dlq, None, bad).unwrap_err();
        assert_eq!(e.code(), "InvalidParameterValue", "{bad}");
    }
    assert!(c.list_message_move_tasks(&dlq).is_empty(), "a rejected start leaves no task");
    assert!(c.start_message_move_task_with_rate(&dlq, None, 500).is_ok());
}

// ---- one active task, listing ----

#[test]
fn only_one_active_task_per_dlq() {
    let c = cloud();
    let (_, dlq, _) = with_dead_letters(&c, 5);
    let first = c.start_message_move_task_with_rate(&dlq, None, 1).unwrap();
    let e = c.start_message_move_task(&dlq, None).unwrap_err();
    assert_eq!(e.code(), "InvalidParameterValue");
    c.cancel_message_move_task(&first).unwrap();
    let e = c.start_message_move_task(&dlq, None).unwrap_err();
    assert_eq!(e.code(), "InvalidParameterValue", "a cancelling task is still active");
    c.run_until_idle();
    assert_eq!(first.status(), MoveTaskStatus::Cancelled);
    let second = c.start_message_move_task(&dlq, None).unwrap();
    c.run_until_idle();
    assert_eq!(second.status(), MoveTaskStatus::Completed);
}

#[test]
fn tasks_of_different_dlqs_run_side_by_side() {
    let c = cloud();
    let (_, dlq, _) = with_dead_letters(&c, 2);
    let dlq2 = c.create_queue("dlq2", QueueConfig::default()).unwrap();
    c.create_queue("src2", QueueConfig::default().redrive(RedrivePolicy::new(&dlq2, 1))).unwrap();
    let a = c.start_message_move_task_with_rate(&dlq, None, 1).unwrap();
    let b = c.start_message_move_task_with_rate(&dlq2, None, 1).unwrap();
    assert_eq!((a.status(), b.status()), (MoveTaskStatus::Running, MoveTaskStatus::Running));
}

#[test]
fn list_shows_a_dlqs_tasks_newest_first_at_most_ten() {
    let c = cloud();
    let (_, dlq, _) = with_dead_letters(&c, 1);
    let other = c.create_queue("dlq2", QueueConfig::default()).unwrap();
    c.create_queue("src2", QueueConfig::default().redrive(RedrivePolicy::new(&other, 1))).unwrap();
    c.start_message_move_task(&other, None).unwrap();
    let mut handles = Vec::new();
    for _ in 0..11 {
        let t = c.start_message_move_task(&dlq, None).unwrap();
        c.run_until_idle();
        assert_eq!(t.status(), MoveTaskStatus::Completed);
        handles.push(t.task_handle());
        c.advance(secs(1));
    }
    let listed = c.list_message_move_tasks(&dlq);
    assert_eq!(listed.len(), 10);
    let listed: Vec<String> = listed.iter().map(|t| t.task_handle()).collect();
    let want: Vec<String> = handles.iter().rev().take(10).cloned().collect();
    assert_eq!(listed, want);
    let distinct: std::collections::HashSet<&String> = handles.iter().collect();
    assert_eq!(distinct.len(), 11, "every task has its own handle");
    assert_eq!(c.list_message_move_tasks(&other).len(), 1);
}

#[test]
fn a_listed_task_shows_its_current_state() {
    let c = cloud();
    let (_, dlq, _) = with_dead_letters(&c, 3);
    let task = c.start_message_move_task_with_rate(&dlq, None, 1).unwrap();
    c.run_until_idle();
    let listed = &c.list_message_move_tasks(&dlq)[0];
    assert_eq!(listed.task_handle(), task.task_handle());
    assert_eq!((listed.status(), listed.moved()), (MoveTaskStatus::Running, 1));
    assert_eq!(listed.started_at(), task.started_at());
}

// ---- cancel ----

#[test]
fn cancel_stops_before_the_next_step_and_reports_the_count_moved() {
    let c = cloud();
    let (src, dlq, _) = with_dead_letters(&c, 5);
    let task = c.start_message_move_task_with_rate(&dlq, None, 1).unwrap();
    c.run_until_idle();
    c.advance(secs(1));
    assert_eq!(task.moved(), 2);
    assert_eq!(c.cancel_message_move_task(&task).unwrap(), 2);
    assert_eq!(task.status(), MoveTaskStatus::Cancelling);
    c.advance(secs(1));
    assert_eq!(task.status(), MoveTaskStatus::Cancelled);
    c.advance(secs(10));
    assert_eq!(task.moved(), 2);
    assert_eq!((src.stats().visible, dlq.stats().visible), (2, 3));
}

#[test]
fn only_a_running_task_can_be_cancelled() {
    let c = cloud();
    let (_, dlq, _) = with_dead_letters(&c, 1);
    let task = c.start_message_move_task(&dlq, None).unwrap();
    c.run_until_idle();
    assert_eq!(task.status(), MoveTaskStatus::Completed);
    assert_eq!(c.cancel_message_move_task(&task).unwrap_err().code(), "InvalidParameterValue");

    let dlq2 = c.create_queue("dlq2", QueueConfig::default()).unwrap();
    let src2 = c
        .create_queue("src2", QueueConfig::default().visibility_timeout(secs(1)).redrive(RedrivePolicy::new(&dlq2, 1)))
        .unwrap();
    src2.send("x").unwrap();
    src2.send("y").unwrap();
    kill_all(&c, &src2);
    let slow = c.start_message_move_task_with_rate(&dlq2, None, 1).unwrap();
    c.cancel_message_move_task(&slow).unwrap();
    let e = c.cancel_message_move_task(&slow).unwrap_err();
    assert_eq!(e.code(), "InvalidParameterValue", "already cancelling");
    c.run_until_idle();
    assert_eq!(c.cancel_message_move_task(&slow).unwrap_err().code(), "InvalidParameterValue");
    assert_eq!(slow.moved(), 0, "cancelled before its first step");
}

// ---- errors and failures ----

#[test]
fn a_queue_that_is_no_queues_dlq_cannot_start_a_task() {
    let c = cloud();
    let plain = c.create_queue("plain", QueueConfig::default()).unwrap();
    plain.send("x").unwrap();
    let e = c.start_message_move_task(&plain, None).unwrap_err();
    assert_eq!(e.code(), "InvalidParameterValue");
    assert!(c.list_message_move_tasks(&plain).is_empty());
}

#[test]
fn a_deleted_dlq_or_destination_is_not_found() {
    let c = cloud();
    let (_, dlq, _) = with_dead_letters(&c, 1);
    let dest = c.create_queue("dest", QueueConfig::default()).unwrap();
    c.delete_queue("dest").unwrap();
    let e = c.start_message_move_task(&dlq, Some(&dest)).unwrap_err();
    assert_eq!(e.code(), "ResourceNotFoundException");
    c.delete_queue("dlq").unwrap();
    let e = c.start_message_move_task(&dlq, None).unwrap_err();
    assert_eq!(e.code(), "ResourceNotFoundException");
}

#[test]
fn a_task_fails_when_a_messages_source_is_gone_and_the_message_stays() {
    let c = cloud();
    let (_, dlq, sent) = with_dead_letters(&c, 1);
    // Another source keeps the queue a DLQ after "src" is deleted.
    c.create_queue("other", QueueConfig::default().redrive(RedrivePolicy::new(&dlq, 1))).unwrap();
    c.delete_queue("src").unwrap();
    let task = c.start_message_move_task(&dlq, None).unwrap();
    c.run_until_idle();
    assert_eq!(task.status(), MoveTaskStatus::Failed);
    assert!(task.failure_reason().is_some());
    assert_eq!(task.moved(), 0);
    let kept = dlq.try_receive().unwrap().unwrap();
    assert_eq!(kept.message_id(), sent[0].message_id());
}

#[test]
fn a_task_fails_when_its_dlq_is_deleted_while_running() {
    let c = cloud();
    let (_, dlq, _) = with_dead_letters(&c, 3);
    let task = c.start_message_move_task_with_rate(&dlq, None, 1).unwrap();
    c.run_until_idle();
    c.delete_queue("dlq").unwrap();
    c.advance(secs(1));
    assert_eq!(task.status(), MoveTaskStatus::Failed);
    assert_eq!(task.moved(), 1);
    assert!(task.failure_reason().is_some());
}

#[test]
fn an_empty_dlq_completes_at_once() {
    let c = cloud();
    let dlq = c.create_queue("dlq", QueueConfig::default()).unwrap();
    c.create_queue("src", QueueConfig::default().redrive(RedrivePolicy::new(&dlq, 1))).unwrap();
    let task = c.start_message_move_task(&dlq, None).unwrap();
    assert_eq!(task.approximate_to_move(), 0);
    c.run_until_idle();
    assert_eq!((task.status(), task.moved()), (MoveTaskStatus::Completed, 0));
}

// ---- FIFO ----

#[test]
fn fifo_dead_letters_move_back_in_group_order_with_their_ids() {
    let c = cloud();
    let (src, dlq) = source_with_dlq(&c, true, 1, 1);
    for (g, b) in [("a", "a1"), ("b", "b1"), ("a", "a2"), ("b", "b2"), ("a", "a3")] {
        src.send_message(OutgoingMessage::new(b).group_id(g).deduplication_id(b)).unwrap();
    }
    kill_all(&c, &src);
    assert_eq!(dlq.stats().visible, 5);
    let task = c.start_message_move_task_with_rate(&dlq, None, 2).unwrap();
    c.run_until_idle();
    c.advance(secs(3));
    assert_eq!(task.status(), MoveTaskStatus::Completed);
    let back = receive_all(&src);
    let of = |g: &str| back.iter().filter(|m| m.group_id() == Some(g)).map(|m| m.body_str()).collect::<Vec<_>>();
    assert_eq!(of("a"), vec!["a1", "a2", "a3"]);
    assert_eq!(of("b"), vec!["b1", "b2"]);
    assert!(back.iter().all(|m| m.receive_count() == 1));
}

#[test]
fn fifo_messages_moved_back_get_sequence_numbers_after_newer_sends() {
    let c = cloud();
    let (src, dlq) = source_with_dlq(&c, true, 1, 1);
    src.send_message(OutgoingMessage::new("old").group_id("g").deduplication_id("old")).unwrap();
    kill_all(&c, &src);
    src.send_message(OutgoingMessage::new("new").group_id("g").deduplication_id("new")).unwrap();
    c.start_message_move_task(&dlq, None).unwrap();
    c.run_until_idle();
    let got = receive_all(&src);
    assert_eq!(bodies(&got), vec!["new", "old"], "the moved message joins the end of its group");
    let seqs: Vec<u128> = got.iter().map(|m| m.sequence_number().unwrap()).collect();
    assert!(seqs[0] < seqs[1], "sequence numbers increase in group order: {seqs:?}");
}

#[test]
fn a_dlq_and_sources_past_the_first_1000_queues_are_found() {
    let c = cloud();
    for i in 0..1_000 {
        c.create_queue(&format!("a{i:04}"), QueueConfig::default()).unwrap();
    }
    let dlq = c.create_queue("zz-dlq", QueueConfig::default()).unwrap();
    let src = c
        .create_queue("zz-src", QueueConfig::default().visibility_timeout(secs(1)).redrive(RedrivePolicy::new(&dlq, 1)))
        .unwrap();
    src.send("m").unwrap();
    kill_all(&c, &src);
    assert_eq!(c.list_queues("").len(), 1_000, "listing stops at 1,000");
    let task = c.start_message_move_task(&dlq, None).unwrap();
    c.run_until_idle();
    assert_eq!(task.status(), MoveTaskStatus::Completed);
    assert_eq!(bodies(&receive_all(&src)), vec!["m"]);
}
