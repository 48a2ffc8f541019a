//! Several workers: expiry, taking, stealing, fencing and balance.

mod consumer_support;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use consumer_support::*;
use localcloud::consumer::{LeaseTable, Worker, WorkerIssue};
use localcloud::{PutRecord, StreamConfig};

fn counts(leases: &LeaseTable) -> BTreeMap<String, usize> {
    let mut m = BTreeMap::new();
    for o in owners(leases).into_iter().flatten() {
        *m.entry(o).or_default() += 1;
    }
    m
}

/// Runs every worker once a second for `secs` seconds.
fn run_for(cloud: &localcloud::Cloud, workers: &[&Worker], secs: u64) {
    for _ in 0..secs {
        for w in workers {
            w.run_once().unwrap();
        }
        cloud.advance(Duration::from_secs(1));
    }
}

#[test]
fn a_lease_stolen_while_the_old_owner_checkpoints_is_fenced() {
    // given w1 holding both leases of a 2-shard stream
    let cloud = cloud();
    let s = cloud.create_stream("clicks", StreamConfig::with_shards(2)).unwrap();
    let (leases, log) = (LeaseTable::in_memory(), Log::default());
    let w1 = worker(&cloud, &s, &leases, "w1", &log);
    w1.run_once().unwrap();
    // when w2 joins and steals one (w1 is above the target of one each)
    let w2 = worker(&cloud, &s, &leases, "w2", &log);
    let stolen = w2.run_once().unwrap().taken;
    assert_eq!(stolen.len(), 1);
    let before = leases.get(&stolen[0]).unwrap().unwrap();
    // and w1, not yet due to renew, processes a record of that shard and checkpoints
    let hash = *s.shard(&stolen[0]).unwrap().hash_key_range().start();
    s.put_record(PutRecord::new("k", "late").explicit_hash_key(hash)).unwrap();
    let report = w1.run_once().unwrap();
    // then the checkpoint is fenced: a lease-lost error, nothing written, lease_lost called
    let fenced: Vec<_> = log
        .all()
        .into_iter()
        .filter_map(|e| match e {
            Seen::CheckpointFailed { worker, shard, error } => Some((worker, shard, error.code())),
            _ => None,
        })
        .collect();
    assert_eq!(fenced, vec![("w1".to_owned(), stolen[0], "ShutdownException")]);
    assert!(log.all().contains(&Seen::LeaseLost { worker: "w1".into(), shard: stolen[0] }));
    assert_eq!(report.lost, stolen);
    let after = leases.get(&stolen[0]).unwrap().unwrap();
    assert_eq!(
        (after.owner(), after.checkpoint(), after.counter()),
        (Some("w2"), before.checkpoint(), before.counter())
    );
    assert!(w1.status().issues.iter().any(|i| matches!(i, WorkerIssue::LeaseLost { .. })));
    // and w2 processes the record again from the last checkpoint
    w2.run_once().unwrap();
    assert!(log.records().contains(&("w2".into(), stolen[0], "late".into())));
}

#[test]
fn a_lease_is_expired_only_after_the_observer_saw_its_counter_still_for_the_failover_time() {
    let cloud = cloud();
    let s = cloud.create_stream("clicks", StreamConfig::with_shards(4)).unwrap();
    let (leases, log) = (LeaseTable::in_memory(), Log::default());
    let w1 = worker(&cloud, &s, &leases, "w1", &log);
    w1.run_once().unwrap();
    w1.kill();
    let w2 = worker(&cloud, &s, &leases, "w2", &log);
    // w2 sees w1 as alive with 4 > target 2: steals one, no more
    assert_eq!(w2.run_once().unwrap().taken.len(), 1);
    cloud.advance(FAILOVER - Duration::from_millis(1));
    w2.run_once().unwrap();
    assert_eq!(counts(&leases).get("w2"), Some(&1));
    // at the next take (2 × failover), w1's leases have stood still long enough
    cloud.advance(FAILOVER + Duration::from_millis(1));
    assert_eq!(w2.run_once().unwrap().taken.len(), 3);
    assert_eq!(counts(&leases).get("w2"), Some(&4));
}

#[test]
fn renewing_workers_keep_their_leases() {
    let cloud = cloud();
    let s = cloud.create_stream("clicks", StreamConfig::with_shards(4)).unwrap();
    let (leases, log) = (LeaseTable::in_memory(), Log::default());
    let w1 = worker(&cloud, &s, &leases, "w1", &log);
    let w2 = worker(&cloud, &s, &leases, "w2", &log);
    let lost = |log: &Log| log.all().iter().filter(|e| matches!(e, Seen::LeaseLost { .. })).count();
    run_for(&cloud, &[&w1, &w2], 60);
    assert_eq!(counts(&leases).values().copied().collect::<Vec<_>>(), vec![2, 2]);
    assert_eq!(lost(&log), 2, "w2 stole one lease per take until balanced");
    run_for(&cloud, &[&w1, &w2], 300);
    assert_eq!(counts(&leases).values().copied().collect::<Vec<_>>(), vec![2, 2]);
    assert_eq!(lost(&log), 2, "balanced workers that renew lose nothing");
}

#[test]
fn three_workers_joining_and_leaving_balance_within_one() {
    let cloud = cloud();
    let s = cloud.create_stream("clicks", StreamConfig::with_shards(7)).unwrap();
    let (leases, log) = (LeaseTable::in_memory(), Log::default());
    let within_one = |leases: &LeaseTable, n: usize| {
        let c = counts(leases);
        let (lo, hi) = (c.values().min().copied().unwrap(), c.values().max().copied().unwrap());
        c.len() == n && hi - lo <= 1 && c.values().sum::<usize>() == 7
    };
    let w1 = worker(&cloud, &s, &leases, "w1", &log);
    run_for(&cloud, &[&w1], 5);
    // two more join
    let w2 = worker(&cloud, &s, &leases, "w2", &log);
    let w3 = worker(&cloud, &s, &leases, "w3", &log);
    run_for(&cloud, &[&w1, &w2, &w3], 200);
    assert!(within_one(&leases, 3), "{:?}", counts(&leases));
    // one leaves by crashing, one by shutting down
    w3.kill();
    run_for(&cloud, &[&w1, &w2], 100);
    assert!(within_one(&leases, 2), "{:?}", counts(&leases));
    w2.shutdown().unwrap();
    run_for(&cloud, &[&w1], 50);
    assert!(within_one(&leases, 1), "{:?}", counts(&leases));
    // and a newcomer gets its share
    let w4 = worker(&cloud, &s, &leases, "w4", &log);
    run_for(&cloud, &[&w1, &w4], 200);
    assert!(within_one(&leases, 2), "{:?}", counts(&leases));
}

#[test]
fn failover_renew_and_take_intervals_are_configurable() {
    let cloud = cloud();
    let s = cloud.create_stream("clicks", StreamConfig::with_shards(2)).unwrap();
    let (leases, log) = (LeaseTable::in_memory(), Log::default());
    let w1 = worker(&cloud, &s, &leases, "w1", &log);
    w1.run_once().unwrap();
    w1.kill();
    let (l, name) = (log.clone(), "w2".to_owned());
    let w2 = localcloud::consumer::Consumer::builder(&cloud, &s, "app")
        .leases(leases.clone())
        .worker_id("w2")
        .failover_time(Duration::from_secs(2))
        .processor(move || Recorder {
            worker: name.clone(),
            shard: None,
            log: l.clone(),
            behaviour: Arc::new(Mutex::new(Behaviour::default())),
        })
        .build()
        .unwrap();
    w2.run_once().unwrap();
    cloud.advance(Duration::from_secs(4));
    w2.run_once().unwrap();
    assert_eq!(counts(&leases).get("w2"), Some(&2));
}
