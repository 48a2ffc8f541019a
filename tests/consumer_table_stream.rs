//! The consumer library reading a table's change stream, the way the KCL reads
//! DynamoDB Streams through AWS's adapter: leases per change shard, parents before
//! children across rollovers, failover, checkpoints, and what happens past the
//! 24-hour retention.

mod consumer_support;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use consumer_support::*;
use localcloud::consumer::{
    Checkpointer, Consumer, ConsumerBuilder, ExtendedSequenceNumber, LeaseTable, ProcessRecordsInput,
    ShardRecordProcessor, WorkerIssue,
};
use localcloud::stream::{SequenceNumber, ShardId};
use localcloud::table::{EventName, Key, StreamViewType, Table, TableConfig, Update};
use localcloud::{item, Cloud, StartingPosition, Timestamp};
use proptest::prelude::*;
use serde_json::Value;

fn table(cloud: &Cloud, rollover: Duration) -> Table {
    let cfg = TableConfig::new(Key::string("id")).stream(StreamViewType::NewAndOldImages).shard_rollover(rollover);
    cloud.create_table("images", cfg).unwrap()
}

fn shard(n: u32) -> ShardId {
    format!("shardId-{n:012}").parse().unwrap()
}

fn put(t: &Table, id: &str, size: i64) {
    t.put_item(item! {"id" => id, "size" => size}, None).unwrap();
}

/// One change as a processor saw it.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Change {
    shard: ShardId,
    event: EventName,
    id: String,
    seq: SequenceNumber,
}

/// Records the typed changes of each batch and checks that the plain records
/// carry the same changes as JSON.
struct Changes {
    log: Arc<Mutex<Vec<Change>>>,
    batches: Arc<Mutex<Vec<(usize, u64)>>>,
}

impl ShardRecordProcessor for Changes {
    fn process_records(&mut self, batch: &ProcessRecordsInput, cp: &mut Checkpointer) {
        assert_eq!(batch.records().len(), batch.changes().len());
        self.batches.lock().unwrap().push((batch.changes().len(), batch.millis_behind_latest()));
        for (record, change) in batch.records().iter().zip(batch.changes()) {
            let json: Value = serde_json::from_slice(record.data()).unwrap();
            assert_eq!(json, change.to_json());
            assert_eq!(*record.sequence_number(), SequenceNumber::from(change.sequence_number()));
            let id = change.keys()["id"].as_s().unwrap().to_owned();
            assert_eq!(record.partition_key(), format!(r#"{{"id":{{"S":"{id}"}}}}"#));
            self.log.lock().unwrap().push(Change {
                shard: *batch.shard_id(),
                event: change.event_name(),
                id,
                seq: *record.sequence_number(),
            });
        }
        cp.checkpoint().unwrap();
    }

    fn shard_ended(&mut self, cp: &mut Checkpointer) {
        cp.checkpoint().unwrap();
    }
}

type Seen = Arc<Mutex<Vec<Change>>>;

fn change_worker(
    cloud: &Cloud,
    t: &Table,
    leases: &LeaseTable,
    id: &str,
    from: StartingPosition,
) -> (localcloud::consumer::Worker, Seen, Batches) {
    let (log, batches) = (Seen::default(), Batches::default());
    (recording(cloud, t, leases, id, from, &log, &batches).build().unwrap(), log, batches)
}

type Batches = Arc<Mutex<Vec<(usize, u64)>>>;

/// A worker (to build) whose processors record into `log` and `batches`.
fn recording(
    cloud: &Cloud,
    t: &Table,
    leases: &LeaseTable,
    id: &str,
    from: StartingPosition,
    log: &Seen,
    batches: &Batches,
) -> ConsumerBuilder {
    let (l, b) = (Arc::clone(log), Arc::clone(batches));
    Consumer::builder(cloud, &t.stream().unwrap(), "thumbnails")
        .leases(leases.clone())
        .worker_id(id)
        .initial_position(from)
        .processor(move || Changes { log: Arc::clone(&l), batches: Arc::clone(&b) })
}

fn events(seen: &Seen) -> Vec<(EventName, String)> {
    seen.lock().unwrap().iter().map(|c| (c.event, c.id.clone())).collect()
}

#[test]
fn a_worker_hands_out_each_change_typed_and_as_json_in_write_order() {
    let cloud = cloud();
    let t = table(&cloud, Duration::from_secs(4 * 3600));
    put(&t, "a", 1);
    t.update_item(&item! {"id" => "a"}, Update::set("size", 2), None).unwrap();
    t.delete_item(&item! {"id" => "a"}, None).unwrap();
    put(&t, "b", 1);
    let leases = LeaseTable::in_memory();
    let (w, seen, _) = change_worker(&cloud, &t, &leases, "w1", StartingPosition::TrimHorizon);
    w.run_once().unwrap();
    use EventName::*;
    let want = [(Insert, "a"), (Modify, "a"), (Remove, "a"), (Insert, "b")].map(|(e, id)| (e, id.to_owned()));
    assert_eq!(events(&seen), want);
    // The lease is the stream's first shard, checkpointed at the last change.
    let all = leases.list().unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(*all[0].shard_id(), shard(0));
    let last = seen.lock().unwrap().last().unwrap().seq;
    assert_eq!(all[0].checkpoint(), ExtendedSequenceNumber::Sequence(last));
}

#[test]
fn a_new_worker_resumes_after_the_last_checkpoint() {
    let cloud = cloud();
    let t = table(&cloud, Duration::from_secs(4 * 3600));
    let leases = LeaseTable::in_memory();
    for i in 0..3 {
        put(&t, &format!("old-{i}"), i);
    }
    let (w1, seen1, _) = change_worker(&cloud, &t, &leases, "w1", StartingPosition::TrimHorizon);
    w1.run_once().unwrap();
    w1.shutdown().unwrap();
    for i in 0..2 {
        put(&t, &format!("new-{i}"), i);
    }
    let (w2, seen2, _) = change_worker(&cloud, &t, &leases, "w2", StartingPosition::TrimHorizon);
    w2.run_once().unwrap();
    assert_eq!(seen1.lock().unwrap().len(), 3);
    let ids: Vec<String> = seen2.lock().unwrap().iter().map(|c| c.id.clone()).collect();
    assert_eq!(ids, ["new-0", "new-1"]);
}

#[test]
fn rolled_over_shards_are_read_parent_before_child_under_the_parents_lineage() {
    let cloud = cloud();
    let t = table(&cloud, Duration::from_secs(60));
    let leases = LeaseTable::in_memory();
    let (w, seen, _) = change_worker(&cloud, &t, &leases, "w1", StartingPosition::TrimHorizon);
    for round in 0..3 {
        for i in 0..4 {
            t.update_item(&item! {"id" => format!("k{i}")}, Update::set("round", round), None).unwrap();
        }
        cloud.advance(Duration::from_secs(61));
    }
    for _ in 0..6 {
        w.run_once().unwrap();
        cloud.advance(Duration::from_secs(2));
    }
    // Three shards with changes (and the open one after them), each naming the one before.
    let all = leases.list().unwrap();
    assert!(all.len() >= 4, "{all:?}");
    for (n, lease) in all.iter().enumerate() {
        assert_eq!(*lease.shard_id(), shard(n as u32));
        let parents: Vec<ShardId> = if n == 0 { vec![] } else { vec![shard(n as u32 - 1)] };
        assert_eq!(lease.parent_shard_ids(), parents.as_slice());
    }
    for lease in &all[..3] {
        assert_eq!(lease.checkpoint(), ExtendedSequenceNumber::ShardEnd);
    }
    // Every change once, shard by shard, so each item's changes keep their order.
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 12);
    let shards: Vec<u32> = seen.iter().map(|c| c.shard.index()).collect();
    assert_eq!(shards, [[0; 4], [1; 4], [2; 4]].concat());
    assert!(seen.windows(2).all(|p| p[0].seq < p[1].seq));
    assert_eq!(seen[..4].iter().map(|c| c.event).collect::<Vec<_>>(), [EventName::Insert; 4]);
    assert!(seen[4..].iter().all(|c| c.event == EventName::Modify));
}

#[test]
fn when_a_worker_dies_another_takes_its_shard_after_the_failover_time_and_nothing_is_lost() {
    let cloud = cloud();
    let t = table(&cloud, Duration::from_secs(4 * 3600));
    let leases = LeaseTable::in_memory();
    let (w1, seen1, _) = change_worker(&cloud, &t, &leases, "w1", StartingPosition::TrimHorizon);
    let (w2, seen2, _) = change_worker(&cloud, &t, &leases, "w2", StartingPosition::TrimHorizon);
    put(&t, "a", 1);
    w1.run_once().unwrap();
    w2.run_once().unwrap();
    assert_eq!(owners(&leases), [Some("w1".to_owned())]);
    w1.kill();
    put(&t, "b", 1);
    put(&t, "a", 2);
    for _ in 0..30 {
        cloud.advance(Duration::from_secs(1));
        w2.run_once().unwrap();
    }
    assert_eq!(owners(&leases), [Some("w2".to_owned())]);
    assert_eq!(events(&seen1), [(EventName::Insert, "a".to_owned())]);
    assert_eq!(events(&seen2), [(EventName::Insert, "b".to_owned()), (EventName::Modify, "a".to_owned())]);
}

#[test]
fn a_checkpoint_past_retention_goes_on_from_the_trim_horizon_and_reports_the_skip() {
    let cloud = cloud();
    let t = table(&cloud, Duration::from_secs(24 * 3600));
    let leases = LeaseTable::in_memory();
    put(&t, "a", 1);
    put(&t, "b", 1);
    let (log, batches) = (Seen::default(), Batches::default());
    let one_at_a_time = recording(&cloud, &t, &leases, "w1", StartingPosition::TrimHorizon, &log, &batches);
    let w1 = one_at_a_time.max_records(1).build().unwrap();
    w1.run_once().unwrap(); // reads and checkpoints "a" only
    w1.shutdown().unwrap();
    assert_eq!(events(&log), [(EventName::Insert, "a".to_owned())]);
    cloud.advance(Duration::from_secs(10 * 3600));
    put(&t, "c", 1);
    // "a" and "b" pass the 24-hour retention; the shard (closed at 24 h) still has "c".
    cloud.advance(Duration::from_secs(14 * 3600 + 1));
    let (w2, seen2, _) = change_worker(&cloud, &t, &leases, "w2", StartingPosition::TrimHorizon);
    w2.run_once().unwrap();
    assert_eq!(events(&seen2), [(EventName::Insert, "c".to_owned())]);
    let skipped: Vec<_> =
        w2.status().issues.into_iter().filter(|i| matches!(i, WorkerIssue::RecordsSkipped { .. })).collect();
    assert_eq!(skipped.len(), 1, "{:?}", w2.status());
    let WorkerIssue::RecordsSkipped { shard: s, error, .. } = &skipped[0] else { unreachable!() };
    assert_eq!((*s, error.code()), (shard(0), "TrimmedDataAccessException"));
}

#[test]
fn a_shard_the_stream_no_longer_keeps_counts_as_read_to_its_end() {
    let cloud = Cloud::builder().manual_clock().seed(1).journal(true).build();
    let t = table(&cloud, Duration::from_secs(60));
    let leases = LeaseTable::in_memory();
    put(&t, "a", 1);
    let (w1, _, _) = change_worker(&cloud, &t, &leases, "w1", StartingPosition::TrimHorizon);
    w1.run_once().unwrap();
    w1.shutdown().unwrap();
    // Shard 0 closes after a minute and is gone a day later, with its lease unfinished.
    cloud.advance(Duration::from_secs(25 * 3600));
    assert!(t.stream().unwrap().shards().unwrap().iter().all(|s| s.parent_shard_id().is_some()));
    put(&t, "b", 1);
    let (w2, seen2, _) = change_worker(&cloud, &t, &leases, "w2", StartingPosition::TrimHorizon);
    w2.run_once().unwrap();
    let ended = |s: ShardId| {
        let subject = s.to_string();
        cloud.journal().for_service("kcl").iter().any(|e| e.action() == "shard-end" && e.subject() == subject)
    };
    assert!(ended(shard(0)));
    for _ in 0..3 {
        w2.run_once().unwrap();
        cloud.advance(Duration::from_secs(2));
    }
    assert_eq!(events(&seen2), [(EventName::Insert, "b".to_owned())]);
    let lost: Vec<_> =
        w2.status().issues.into_iter().filter(|i| matches!(i, WorkerIssue::RecordsSkipped { .. })).collect();
    assert_eq!(lost.len(), 1);
    assert_eq!((lost[0].shard(), lost[0].to_string().contains("past retention")), (Some(&shard(0)), true));
    // Once ended, the lease of the vanished shard is cleaned up.
    assert!(leases.get(&shard(0)).unwrap().is_none());
}

#[test]
fn starting_at_latest_leases_only_the_open_shard_and_skips_the_past() {
    let cloud = cloud();
    let t = table(&cloud, Duration::from_secs(60));
    put(&t, "past-1", 1);
    cloud.advance(Duration::from_secs(130)); // shards 0 and 1 closed, 2 open
    put(&t, "past-2", 1);
    let leases = LeaseTable::in_memory();
    let (w, seen, _) = change_worker(&cloud, &t, &leases, "w1", StartingPosition::Latest);
    w.run_once().unwrap();
    put(&t, "new", 1);
    w.run_once().unwrap();
    let ids: Vec<ShardId> = leases.list().unwrap().iter().map(|l| *l.shard_id()).collect();
    assert_eq!(ids, [shard(2)]);
    assert_eq!(events(&seen), [(EventName::Insert, "new".to_owned())]);
}

#[test]
fn reads_take_at_most_a_thousand_changes_and_report_how_far_behind_they_are() {
    let cloud = cloud();
    let t = table(&cloud, Duration::from_secs(4 * 3600));
    for i in 0..1500 {
        put(&t, &format!("k{i}"), i);
    }
    cloud.advance(Duration::from_secs(5));
    let (w, seen, batches) = change_worker(&cloud, &t, &LeaseTable::in_memory(), "w1", StartingPosition::TrimHorizon);
    w.run_once().unwrap();
    w.run_once().unwrap();
    assert_eq!(*batches.lock().unwrap(), [(1000, 5000), (500, 0)]);
    assert_eq!(seen.lock().unwrap().len(), 1500);
}

#[test]
fn fan_out_and_at_timestamp_are_refused_for_a_change_stream() {
    let cloud = cloud();
    let t = table(&cloud, Duration::from_secs(3600));
    let log = Log::default();
    let build = |b: localcloud::consumer::ConsumerBuilder| {
        let log = log.clone();
        b.processor(move || Recorder {
            worker: "w".into(),
            shard: None,
            log: log.clone(),
            behaviour: Arc::new(Mutex::new(Behaviour::default())),
        })
        .build()
    };
    let s = t.stream().unwrap();
    let fan_out = build(Consumer::builder(&cloud, &s, "app").fan_out("c")).unwrap_err();
    assert_eq!(fan_out.code(), "ValidationException");
    let at = StartingPosition::AtTimestamp(Timestamp::from_secs(0));
    let stamp = build(Consumer::builder(&cloud, &s, "app").initial_position(at)).unwrap_err();
    assert_eq!(stamp.code(), "ValidationException");
}

#[test]
fn on_the_scheduler_a_worker_follows_the_table_with_its_leases_in_another_table() {
    let cloud = Cloud::builder().manual_clock().seed(1).journal(true).build();
    let t = table(&cloud, Duration::from_secs(4 * 3600));
    let lease_table = cloud.create_table("thumbnails-leases", TableConfig::new(Key::string("leaseKey"))).unwrap();
    let leases = LeaseTable::table(&lease_table);
    let (w, seen, _) = change_worker(&cloud, &t, &leases, "w1", StartingPosition::TrimHorizon);
    w.start();
    put(&t, "a", 1);
    cloud.advance(Duration::from_secs(2));
    put(&t, "b", 1);
    cloud.advance(Duration::from_secs(2));
    assert_eq!(events(&seen), [(EventName::Insert, "a".to_owned()), (EventName::Insert, "b".to_owned())]);
    assert_eq!(lease_table.scan().unwrap().items().len(), 1);
    let kcl = cloud.journal().for_service("kcl");
    let take = kcl.iter().find(|e| e.action() == "take").unwrap();
    assert_eq!(take.peer(), Some("dynamodb:images"));
    w.kill();
}

/// What happens to the table and its readers, at random.
#[derive(Clone, Debug)]
enum Op {
    Write(u8),
    Delete(u8),
    Advance(u64),
    Round(usize),
    Crash(usize),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0u8..6).prop_map(Op::Write),
        1 => (0u8..6).prop_map(Op::Delete),
        2 => (1u64..90).prop_map(Op::Advance),
        3 => (0usize..2).prop_map(Op::Round),
        1 => (0usize..2).prop_map(Op::Crash),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Random writes, rollovers, rounds and crashes of two workers: once they have
    /// caught up, every change was processed at least once, and the changes of each
    /// item were first seen in the order they were written.
    #[test]
    fn every_change_is_processed_in_item_order_across_rollovers_and_crashes(ops in prop::collection::vec(op(), 1..60)) {
        let cloud = cloud();
        let t = table(&cloud, Duration::from_secs(60));
        let leases = LeaseTable::in_memory();
        let (log, batches) = (Seen::default(), Batches::default());
        let make = |n: usize| {
            recording(&cloud, &t, &leases, &format!("w{n}"), StartingPosition::TrimHorizon, &log, &batches).build().unwrap()
        };
        let mut workers = vec![make(0), make(1)];
        let mut spawned = 2;
        for op in ops {
            match op {
                Op::Write(k) => {
                    let key = item! {"id" => format!("k{k}")};
                    t.update_item(&key, Update::add("n", 1), None).unwrap();
                }
                Op::Delete(k) => {
                    t.delete_item(&item! {"id" => format!("k{k}")}, None).unwrap();
                }
                Op::Advance(s) => cloud.advance(Duration::from_secs(s)),
                Op::Round(i) => {
                    workers[i].run_once().unwrap();
                }
                Op::Crash(i) => {
                    workers[i].kill();
                    workers[i] = make(spawned);
                    spawned += 1;
                }
            }
        }
        // Catch up: past the failover time, then rounds until every shard is done.
        for round in 0..400 {
            if round < 40 {
                cloud.advance(Duration::from_secs(1));
            }
            for w in &workers {
                w.run_once().unwrap();
            }
        }
        let written = t.stream().unwrap().read_all().unwrap();
        let log = log.lock().unwrap().clone();
        // At least once: every change written was handed to a processor.
        let processed: BTreeSet<SequenceNumber> = log.iter().map(|c| c.seq).collect();
        for change in &written {
            prop_assert!(processed.contains(&SequenceNumber::from(change.sequence_number())), "lost {change:?}");
        }
        // In order: per item, each change is first seen after the item's earlier ones.
        let mut seen = BTreeSet::new();
        let mut last: BTreeMap<&str, SequenceNumber> = BTreeMap::new();
        for c in log.iter().filter(|c| seen.insert(c.seq)) {
            if let Some(prev) = last.insert(&c.id, c.seq) {
                prop_assert!(prev < c.seq, "{}: {} first seen after {}", c.id, c.seq, prev);
            }
        }
    }
}

#[test]
fn finished_leases_of_shards_past_retention_are_deleted_so_the_lease_table_stays_small() {
    let cloud = Cloud::builder().manual_clock().seed(1).journal(true).build();
    let t = table(&cloud, Duration::from_secs(3600));
    let leases = LeaseTable::in_memory();
    let (log, batches) = (Seen::default(), Batches::default());
    let w1 = recording(&cloud, &t, &leases, "w1", StartingPosition::TrimHorizon, &log, &batches).build().unwrap();
    let w2 = recording(&cloud, &t, &leases, "w2", StartingPosition::TrimHorizon, &log, &batches).build().unwrap();
    // Three days of hourly rollovers, a change every hour, two workers taking turns.
    for hour in 0..72 {
        put(&t, &format!("h{hour}"), hour);
        cloud.advance(Duration::from_secs(3600));
        for _ in 0..2 {
            w1.run_once().unwrap();
            w2.run_once().unwrap();
        }
    }
    // Every change once: no cleaned-up lease came back to be read again.
    let seqs: BTreeSet<SequenceNumber> = log.lock().unwrap().iter().map(|c| c.seq).collect();
    assert_eq!((seqs.len(), log.lock().unwrap().len()), (72, 72));
    // About a day of shards is kept (24 h after closing, plus the open one), and only
    // those keep leases.
    let kept = t.stream().unwrap().shards().unwrap().len();
    let all = leases.list().unwrap();
    assert!(kept <= 26, "{kept} shards kept");
    assert_eq!(all.len(), kept, "{all:?}");
    let cleaned = cloud.journal().for_service("kcl").iter().filter(|e| e.action() == "cleanup").count();
    assert_eq!(cleaned + kept, 73);
}

#[test]
fn a_latest_application_restarting_after_rollovers_reads_every_shard_of_its_lineage() {
    let cloud = cloud();
    let t = table(&cloud, Duration::from_secs(60));
    let path = std::env::temp_dir().join(format!("localcloud-lineage-{}.json", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let leases = LeaseTable::file(&path);
    let (w1, seen1, _) = change_worker(&cloud, &t, &leases, "w1", StartingPosition::Latest);
    w1.run_once().unwrap();
    put(&t, "a", 1);
    w1.run_once().unwrap();
    w1.shutdown().unwrap();
    // While the application is down, shard 0 closes, shard 1 takes "b" and closes,
    // shard 2 takes "c". A new process reads the same lease file.
    cloud.advance(Duration::from_secs(70));
    put(&t, "b", 1);
    cloud.advance(Duration::from_secs(60));
    put(&t, "c", 1);
    let (w2, seen2, _) = change_worker(&cloud, &t, &LeaseTable::file(&path), "w2", StartingPosition::Latest);
    for _ in 0..4 {
        w2.run_once().unwrap();
    }
    let _ = std::fs::remove_file(&path);
    assert_eq!(events(&seen1), [(EventName::Insert, "a".to_owned())]);
    let ids: Vec<String> = events(&seen2).into_iter().map(|e| e.1).collect();
    assert_eq!(ids, ["b", "c"]);
}

#[test]
fn a_trimmed_checkpoint_whose_next_change_is_kept_skips_nothing() {
    let cloud = cloud();
    let t = table(&cloud, Duration::from_secs(24 * 3600));
    let leases = LeaseTable::in_memory();
    put(&t, "a", 1);
    cloud.advance(Duration::from_secs(3600));
    put(&t, "b", 1);
    let (log, batches) = (Seen::default(), Batches::default());
    let one_at_a_time = recording(&cloud, &t, &leases, "w1", StartingPosition::TrimHorizon, &log, &batches);
    let w1 = one_at_a_time.max_records(1).build().unwrap();
    w1.run_once().unwrap(); // "a" only
    w1.shutdown().unwrap();
    // "a" is trimmed; "b", right after the checkpoint, is still kept.
    cloud.advance(Duration::from_secs(23 * 3600 + 1));
    let (w2, seen2, _) = change_worker(&cloud, &t, &leases, "w2", StartingPosition::TrimHorizon);
    w2.run_once().unwrap();
    assert_eq!(events(&seen2), [(EventName::Insert, "b".to_owned())]);
    let skipped = w2.status().issues.iter().any(|i| matches!(i, WorkerIssue::RecordsSkipped { .. }));
    assert!(!skipped, "{:?}", w2.status());
}

#[test]
fn a_deleted_table_is_reported_and_its_finished_leases_are_kept() {
    let cloud = cloud();
    let t = table(&cloud, Duration::from_secs(60));
    let leases = LeaseTable::in_memory();
    put(&t, "a", 1);
    let (w, _, _) = change_worker(&cloud, &t, &leases, "w1", StartingPosition::TrimHorizon);
    cloud.advance(Duration::from_secs(61));
    for _ in 0..3 {
        w.run_once().unwrap();
    }
    assert_eq!(leases.list().unwrap()[0].checkpoint(), ExtendedSequenceNumber::ShardEnd);
    cloud.delete_table("images").unwrap();
    w.run_once().unwrap();
    assert_eq!(leases.list().unwrap().len(), 2);
    let issue = w.status().issues.into_iter().find(|i| matches!(i, WorkerIssue::SourceFailed { .. }));
    let Some(WorkerIssue::SourceFailed { error, .. }) = issue else { panic!("{:?}", w.status()) };
    assert_eq!(error.code(), "ResourceNotFoundException");
}
