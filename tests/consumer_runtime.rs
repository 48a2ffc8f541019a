//! Workers on the scheduler, file-backed lease tables, and chaos.

mod consumer_support;

use std::time::Duration;

use consumer_support::*;
use localcloud::consumer::{ExtendedSequenceNumber, LeaseTable};
use localcloud::{ChaosConfig, Cloud, PutRecord, StreamConfig};

#[test]
fn a_started_worker_reads_every_poll_interval_on_virtual_time() {
    let cloud = cloud();
    let s = cloud.create_stream("clicks", StreamConfig::with_shards(2).enforce_limits(true)).unwrap();
    let (leases, log) = (LeaseTable::in_memory(), Log::default());
    let w = worker(&cloud, &s, &leases, "w1", &log);
    w.start();
    cloud.run_until_idle();
    assert_eq!(owners(&leases), vec![Some("w1".into()), Some("w1".into())]);
    s.put_record(PutRecord::new("k", "a")).unwrap();
    cloud.advance(Duration::from_millis(1499));
    assert!(log.data().is_empty(), "no read before the poll interval");
    cloud.advance(Duration::from_millis(1));
    assert_eq!(log.data(), vec!["a"]);
    // over a minute: leases renewed, nothing lost, stream read limits respected
    cloud.advance(Duration::from_secs(60));
    assert_eq!(cloud.metrics().value("AWS/Kinesis", "clicks", "ReadProvisionedThroughputExceeded"), Some(0.0));
    w.shutdown().unwrap();
    cloud.advance(Duration::from_secs(10));
    assert_eq!(owners(&leases), vec![None, None]);
}

#[test]
fn a_crashed_started_worker_is_replaced_after_the_failover_time() {
    let cloud = cloud();
    let s = cloud.create_stream("clicks", StreamConfig::with_shards(2).enforce_limits(true)).unwrap();
    let (leases, log) = (LeaseTable::in_memory(), Log::default());
    let w1 = worker(&cloud, &s, &leases, "w1", &log);
    w1.start();
    cloud.advance(Duration::from_secs(3));
    let w2 = worker(&cloud, &s, &leases, "w2", &log);
    w2.start();
    cloud.advance(Duration::from_secs(30));
    assert!(owners(&leases).contains(&Some("w2".into())));
    w1.kill();
    cloud.advance(Duration::from_secs(45));
    assert_eq!(owners(&leases), vec![Some("w2".into()), Some("w2".into())]);
    s.put_record(PutRecord::new("k", "after")).unwrap();
    cloud.advance(Duration::from_secs(2));
    assert_eq!(log.records().last().map(|r| r.0.clone()), Some("w2".into()));
}

#[test]
fn a_file_lease_table_survives_a_restart() {
    let dir = std::env::temp_dir().join(format!("localcloud-leases-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("app.json");
    let _ = std::fs::remove_file(&path);
    // given a worker that checkpointed through a file table
    let cloud = cloud();
    let s = cloud.create_stream("clicks", StreamConfig::with_shards(1)).unwrap();
    let a = s.put_record(PutRecord::new("k", "a")).unwrap();
    let log = Log::default();
    let w = worker(&cloud, &s, &LeaseTable::file(&path), "w1", &log);
    w.run_once().unwrap();
    w.shutdown().unwrap();
    // when the table is opened again, as by a restarted process
    let reopened = LeaseTable::file(&path);
    let lease = reopened.get(a.shard_id()).unwrap().unwrap();
    // then the checkpoint is there and no temporary file is left
    assert_eq!(lease.checkpoint(), ExtendedSequenceNumber::Sequence(*a.sequence_number()));
    assert!(std::fs::read_dir(&dir).unwrap().all(|e| !e.unwrap().file_name().to_string_lossy().ends_with(".tmp")));
    // and a new worker resumes after it
    s.put_record(PutRecord::new("k", "b")).unwrap();
    worker(&cloud, &s, &reopened, "w2", &log).run_once().unwrap();
    assert_eq!(log.data(), vec!["a", "b"]);
    // a corrupt file is an error, not a panic
    std::fs::write(&path, "not json").unwrap();
    assert_eq!(reopened.list().unwrap_err().code(), "KinesisClientLibDependencyException");
    std::fs::remove_dir_all(&dir).unwrap();
}

fn chaos_run(chaos: ChaosConfig, seed: u64) -> (Log, usize) {
    let cloud = Cloud::builder().manual_clock().seed(seed).chaos(chaos).build();
    let s = cloud.create_stream("clicks", StreamConfig::with_shards(4)).unwrap();
    let (leases, log) = (LeaseTable::in_memory(), Log::default());
    let ws: Vec<_> = ["w1", "w2", "w3"].iter().map(|id| worker(&cloud, &s, &leases, id, &log)).collect();
    for w in &ws {
        w.start();
    }
    for i in 0..200 {
        s.put_record(PutRecord::new(format!("k{i}"), format!("r{i}"))).unwrap();
        cloud.advance(Duration::from_millis(700));
    }
    cloud.advance(Duration::from_secs(60));
    let lost = log.all().iter().filter(|e| matches!(e, Seen::LeaseLost { .. })).count();
    (log, lost)
}

#[test]
fn chaos_makes_workers_lose_leases_and_stall_yet_every_record_is_processed() {
    let (log, lost) = chaos_run(ChaosConfig::new().lease_losses(0.05).worker_stalls(0.02), 4);
    assert!(lost > 0, "chaos took some leases away");
    let mut data = log.data();
    data.sort();
    data.dedup();
    assert_eq!(data.len(), 200);
    // same seed, same run
    let (again, lost_again) = chaos_run(ChaosConfig::new().lease_losses(0.05).worker_stalls(0.02), 4);
    assert_eq!((again.all(), lost_again), (log.all(), lost));
}
