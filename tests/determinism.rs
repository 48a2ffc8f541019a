//! Same seed, same program, same output, byte for byte: across runs and processes.
//!
//! The scenario runs in two child processes (this test binary re-run with an
//! environment variable set); their outputs must be identical.

use std::fmt::Write as _;
use std::process::Command;
use std::time::Duration;

use localcloud::stream::StartingPosition;
use localcloud::{
    Cloud, OutgoingMessage, Publish, PutRecord, QueueConfig, ReceiveOptions, RedrivePolicy, StreamConfig, Subscription,
    TopicConfig,
};

const CHILD: &str = "LOCALCLOUD_DETERMINISM_CHILD";
const BEGIN: &str = "----- scenario begin -----";
const END: &str = "----- scenario end -----";

/// A seeded scenario touching every id a user can see: message ids, FIFO sequence
/// numbers, shard ids, stream sequence numbers, iterator strings, and the journal.
fn scenario(seed: u64) -> String {
    let cloud = Cloud::builder().manual_clock().seed(seed).journal(true).build();
    let mut out = String::new();
    let dlq = cloud.create_queue("orders-dlq", QueueConfig::default()).unwrap();
    let orders = cloud
        .create_queue(
            "orders",
            QueueConfig::default().visibility_timeout(Duration::from_secs(30)).redrive(RedrivePolicy::new(&dlq, 1)),
        )
        .unwrap();
    let audit = cloud.create_queue("audit", QueueConfig::default()).unwrap();
    let topic = cloud.create_topic("invoices", TopicConfig::default()).unwrap();
    topic.subscribe(Subscription::queue(&orders).raw_delivery(true)).unwrap();
    topic.subscribe(Subscription::queue(&audit)).unwrap();
    let published = topic.publish(Publish::new("invoice 1")).unwrap();
    writeln!(out, "publish {}", published.message_id()).unwrap();
    cloud.run_until_idle();
    for m in orders.receive(ReceiveOptions::new().max_messages(10)).unwrap() {
        writeln!(out, "received {} count {}", m.message_id(), m.receive_count()).unwrap();
    }
    cloud.advance(Duration::from_secs(31));
    assert!(orders.try_receive().unwrap().is_none()); // moved to the DLQ instead
    for m in dlq.receive(ReceiveOptions::new().max_messages(10)).unwrap() {
        writeln!(out, "dlq {}", m.message_id()).unwrap();
    }
    let fifo = cloud.create_queue("o.fifo", QueueConfig::fifo().content_based_deduplication(true)).unwrap();
    for body in ["a", "b"] {
        let r = fifo.send_message(OutgoingMessage::new(body).group_id("g")).unwrap();
        writeln!(out, "fifo {} {:?}", r.message_id(), r.sequence_number()).unwrap();
    }
    let stream = cloud.create_stream("clicks", StreamConfig::with_shards(2)).unwrap();
    for key in ["alice", "bob", "carol"] {
        let r = stream.put_record(PutRecord::new(key, "x")).unwrap();
        writeln!(out, "put {} {}", r.shard_id(), r.sequence_number()).unwrap();
    }
    for shard in stream.shards() {
        let it = stream.shard_iterator(shard.shard_id(), StartingPosition::TrimHorizon).unwrap();
        writeln!(out, "iterator {it}").unwrap();
        let got = stream.get_records(&it, None).unwrap();
        if let Some(next) = got.next_iterator() {
            writeln!(out, "next {next}").unwrap();
        }
    }
    out.push_str(&cloud.journal().to_json_lines());
    out
}

#[test]
fn scenario_child() {
    // Runs only as a child of the test below.
    if let Ok(seed) = std::env::var(CHILD) {
        println!("{BEGIN}\n{}{END}", scenario(seed.parse().unwrap()));
    }
}

fn run_child(seed: u64) -> String {
    let exe = std::env::current_exe().unwrap();
    let out = Command::new(exe)
        .args(["--exact", "scenario_child", "--nocapture", "--test-threads", "1"])
        .env(CHILD, seed.to_string())
        .output()
        .unwrap();
    assert!(out.status.success(), "child failed: {}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    let start = text.find(BEGIN).expect("child printed the scenario") + BEGIN.len();
    let end = text.find(END).expect("child finished the scenario");
    text[start..end].to_owned()
}

#[test]
fn same_seed_gives_the_same_output_in_two_processes() {
    let a = run_child(7);
    let b = run_child(7);
    assert!(a.contains("publish "), "the scenario ran: {a}");
    assert_eq!(a, b);
}

#[test]
fn a_different_seed_gives_different_ids() {
    assert_ne!(scenario(7), scenario(8));
}

#[test]
fn same_seed_gives_the_same_output_in_one_process() {
    assert_eq!(scenario(11), scenario(11));
}
