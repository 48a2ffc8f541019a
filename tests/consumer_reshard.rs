//! Splits and merges: parents before children, children from the trim horizon,
//! and a shard end that was never checkpointed.

mod consumer_support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use consumer_support::*;
use localcloud::consumer::{ExtendedSequenceNumber, LeaseTable, Worker, WorkerIssue};
use localcloud::stream::ShardId;
use localcloud::{PutRecord, StreamConfig};

fn run_for(cloud: &localcloud::Cloud, workers: &[&Worker], rounds: u64) {
    for _ in 0..rounds {
        for w in workers {
            w.run_once().unwrap();
        }
        cloud.advance(Duration::from_millis(1500));
    }
}

/// Index in the log of the first record of `shard`, and of its parent's shard end.
fn first_record(log: &Log, shard: ShardId) -> Option<usize> {
    log.all().iter().position(|e| matches!(e, Seen::Record { shard: s, .. } if *s == shard))
}

fn shard_end(log: &Log, shard: ShardId) -> Option<usize> {
    log.all().iter().position(|e| matches!(e, Seen::ShardEnded { shard: s, .. } if *s == shard))
}

fn put_many(s: &localcloud::Stream, tag: &str, n: usize) {
    for i in 0..n {
        s.put_record(PutRecord::new(format!("user-{i}"), format!("{tag}-{i}"))).unwrap();
    }
}

#[test]
fn after_a_split_children_start_at_the_trim_horizon_only_once_the_parent_ended() {
    let cloud = cloud();
    let s = cloud.create_stream("clicks", StreamConfig::with_shards(1)).unwrap();
    let (leases, log) = (LeaseTable::in_memory(), Log::default());
    let w = worker(&cloud, &s, &leases, "w1", &log);
    put_many(&s, "before", 20);
    w.run_once().unwrap();
    let parent = *s.shards()[0].shard_id();
    // when the shard splits under load
    s.split_shard(&parent, u128::MAX / 2).unwrap();
    put_many(&s, "after", 20);
    run_for(&cloud, &[&w], 5);
    // then the children have leases naming their parent, and were read only after it ended
    let all = leases.list().unwrap();
    assert_eq!(all.len(), 3);
    assert_eq!(all[0].checkpoint(), ExtendedSequenceNumber::ShardEnd);
    for child in &all[1..] {
        assert_eq!(child.parent_shard_ids(), &[parent]);
        let first = first_record(&log, *child.shard_id()).expect("child processed");
        assert!(first > shard_end(&log, parent).unwrap());
        assert!(log.all().contains(&Seen::Initialized {
            worker: "w1".into(),
            shard: *child.shard_id(),
            from: ExtendedSequenceNumber::TrimHorizon
        }));
    }
    let mut data = log.data();
    data.sort();
    assert_eq!(data.len(), 40);
    data.dedup();
    assert_eq!(data.len(), 40, "each record once");
}

#[test]
fn after_a_merge_under_load_the_child_waits_for_both_parents() {
    let cloud = cloud();
    let s = cloud.create_stream("clicks", StreamConfig::with_shards(2)).unwrap();
    let (leases, log) = (LeaseTable::in_memory(), Log::default());
    let w1 = worker(&cloud, &s, &leases, "w1", &log);
    let w2 = worker(&cloud, &s, &leases, "w2", &log);
    put_many(&s, "a", 50);
    run_for(&cloud, &[&w1, &w2], 30);
    let [p0, p1] = [*s.shards()[0].shard_id(), *s.shards()[1].shard_id()];
    // one parent's owner is slow: it stops processing before the merge and resumes later
    put_many(&s, "b", 50);
    s.merge_shards(&p0, &p1).unwrap();
    put_many(&s, "c", 50);
    let owner_of_p1 = leases.get(&p1).unwrap().unwrap().owner().unwrap().to_owned();
    let (fast, slow) = if owner_of_p1 == "w1" { (&w2, &w1) } else { (&w1, &w2) };
    run_for(&cloud, &[fast], 10);
    let child = *s.open_shards()[0].shard_id();
    assert_eq!(first_record(&log, child), None, "the child waits for the slow parent");
    run_for(&cloud, &[fast, slow], 20);
    let first = first_record(&log, child).expect("child processed");
    assert!(first > shard_end(&log, p0).unwrap() && first > shard_end(&log, p1).unwrap());
    assert_eq!(leases.get(&child).unwrap().unwrap().parent_shard_ids().len(), 2);
    let mut data = log.data();
    data.sort();
    data.dedup();
    assert_eq!(data.len(), 150);
}

#[test]
fn a_shard_end_not_checkpointed_keeps_the_children_waiting_and_the_worker_says_why() {
    let cloud = cloud();
    let s = cloud.create_stream("clicks", StreamConfig::with_shards(1)).unwrap();
    let (leases, log) = (LeaseTable::in_memory(), Log::default());
    let behaviour = Arc::new(Mutex::new(Behaviour { checkpoint_shard_end: false, ..Behaviour::default() }));
    let w = worker_with(&cloud, &s, &leases, "w1", &log, &behaviour);
    w.run_once().unwrap();
    let parent = *s.shards()[0].shard_id();
    s.split_shard(&parent, 1 << 100).unwrap();
    put_many(&s, "x", 10);
    run_for(&cloud, &[&w], 20);
    // then no child is processed, and the worker reports the missing checkpoint
    assert!(log.data().is_empty());
    let issues = w.status().issues;
    let missing = issues.iter().find(|i| matches!(i, WorkerIssue::ShardEndNotCheckpointed { .. })).unwrap();
    assert_eq!(missing.shard(), Some(&parent));
    assert!(missing.to_string().contains("child shards cannot start"));
    assert!(leases.list().unwrap()[1..].iter().all(|l| l.owner().is_none()));
    let waiting = w.status().waiting_on_parents;
    assert_eq!(waiting.len(), 2);
    assert!(waiting.iter().all(|(_, parents)| parents == &[parent]));
    // once the processor checkpoints, the children start
    behaviour.lock().unwrap().checkpoint_shard_end = true;
    run_for(&cloud, &[&w], 3);
    assert_eq!(log.data().len(), 10);
}

#[test]
fn a_worker_starting_at_latest_after_a_split_leases_only_the_open_children() {
    let cloud = cloud();
    let s = cloud.create_stream("clicks", StreamConfig::with_shards(1)).unwrap();
    put_many(&s, "before", 5);
    let parent = *s.shards()[0].shard_id();
    s.split_shard(&parent, u128::MAX / 2).unwrap();
    put_many(&s, "old", 5);
    let (leases, log) = (LeaseTable::in_memory(), Log::default());
    let behaviour = Arc::new(Mutex::new(Behaviour::default()));
    let w = worker_from(&cloud, &s, &leases, "w1", &log, &behaviour, localcloud::StartingPosition::Latest);
    w.run_once().unwrap();
    put_many(&s, "new", 5);
    run_for(&cloud, &[&w], 2);
    // The closed parent gets no lease; the children start at LATEST, so only "new" is read.
    let leased: Vec<ShardId> = leases.list().unwrap().iter().map(|l| *l.shard_id()).collect();
    assert_eq!(leased.len(), 2);
    assert!(!leased.contains(&parent));
    let mut data = log.data();
    data.sort();
    let mut want: Vec<String> = (0..5).map(|i| format!("new-{i}")).collect();
    want.sort();
    assert_eq!(data, want);
}

#[test]
fn the_finished_lease_of_a_parent_whose_data_expired_is_deleted() {
    let cloud = cloud();
    let s = cloud.create_stream("clicks", StreamConfig::with_shards(1)).unwrap();
    let (leases, log) = (LeaseTable::in_memory(), Log::default());
    let w = worker(&cloud, &s, &leases, "w1", &log);
    put_many(&s, "before", 5);
    let parent = *s.shards()[0].shard_id();
    s.split_shard(&parent, u128::MAX / 2).unwrap();
    run_for(&cloud, &[&w], 3);
    assert_eq!(leases.list().unwrap().len(), 3);
    // Past the 24-hour retention the parent leaves the shard list, and its lease goes.
    cloud.advance(Duration::from_secs(24 * 3600 + 60));
    run_for(&cloud, &[&w], 1);
    let left: Vec<ShardId> = leases.list().unwrap().iter().map(|l| *l.shard_id()).collect();
    assert_eq!(left.len(), 2);
    assert!(!left.contains(&parent));
    assert_eq!(log.data().len(), 5);
}

#[test]
fn an_unfinished_lease_of_a_parent_past_retention_ends_and_lets_the_children_start() {
    let cloud = cloud();
    let s = cloud.create_stream("clicks", StreamConfig::with_shards(1)).unwrap();
    let (leases, log) = (LeaseTable::in_memory(), Log::default());
    put_many(&s, "early", 3);
    let w1 = worker(&cloud, &s, &leases, "w1", &log);
    w1.run_once().unwrap();
    w1.kill(); // the parent's lease stays short of SHARD_END
    let parent = *s.shards()[0].shard_id();
    s.split_shard(&parent, u128::MAX / 2).unwrap();
    cloud.advance(Duration::from_secs(24 * 3600 + 60)); // the parent leaves the shard list
    put_many(&s, "late", 4);
    let w2 = worker(&cloud, &s, &leases, "w2", &log);
    run_for(&cloud, &[&w2], 40); // past the failover time and the next take
    let late = log.data().iter().filter(|d| d.starts_with("late")).count();
    assert_eq!(late, 4);
    assert!(w2
        .status()
        .issues
        .iter()
        .any(|i| matches!(i, WorkerIssue::RecordsSkipped { shard, .. } if *shard == parent)));
    assert!(leases.get(&parent).unwrap().is_none(), "ended, then cleaned up");
}
