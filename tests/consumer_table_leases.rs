//! A lease table kept in a table of the cloud (as the KCL keeps its leases in
//! DynamoDB): items under the KCL's attribute names, fencing through conditional
//! writes on the lease counter, failover and a restart reading the same table.

mod consumer_support;

use std::time::Duration;

use consumer_support::*;
use localcloud::consumer::{ExtendedSequenceNumber, Lease, LeaseTable, LEASE_KEY};
use localcloud::stream::ShardId;
use localcloud::table::{AttributeValue, Key, Table, TableConfig};
use localcloud::{item, Cloud, PutRecord, StreamConfig};

fn lease_table(cloud: &Cloud) -> Table {
    cloud.create_table("app-leases", TableConfig::new(Key::string(LEASE_KEY))).unwrap()
}

fn shard(n: u32) -> ShardId {
    format!("shardId-{n:012}").parse().unwrap()
}

#[test]
fn workers_keep_their_leases_as_items_of_the_table() {
    // given a 2-shard stream and a worker whose leases live in a table
    let cloud = cloud();
    let s = cloud.create_stream("clicks", StreamConfig::with_shards(2)).unwrap();
    let t = lease_table(&cloud);
    let leases = LeaseTable::table(&t);
    let log = Log::default();
    let w1 = worker(&cloud, &s, &leases, "w1", &log);
    for i in 0..6 {
        s.put_record(PutRecord::new(format!("k{i}"), format!("r{i}"))).unwrap();
    }
    // when it runs a round
    w1.run_once().unwrap();
    // then each shard has one item: owner, counter and the checkpoint after the batch
    assert_eq!(t.item_count(), 2);
    assert_eq!(log.data().len(), 6);
    for l in leases.list().unwrap() {
        let item = t.get_item(&item! {LEASE_KEY => l.shard_id().to_string()}).unwrap().unwrap();
        assert_eq!(item["leaseOwner"], AttributeValue::from("w1"));
        assert_eq!(item["leaseCounter"], AttributeValue::from(l.counter()));
        assert_eq!(item["checkpoint"].as_s(), Some(l.checkpoint().to_string().as_str()));
        assert!(matches!(l.checkpoint(), ExtendedSequenceNumber::Sequence(_)));
    }
}

#[test]
fn a_write_with_a_stale_counter_is_fenced_by_the_conditional_put() {
    let cloud = cloud();
    let t = lease_table(&cloud);
    let leases = LeaseTable::table(&t);
    let fresh = Lease::new(shard(0), ExtendedSequenceNumber::TrimHorizon, vec![]);
    assert!(leases.create_if_absent(&fresh).unwrap());
    assert!(!leases.create_if_absent(&fresh).unwrap(), "attribute_not_exists fails the second create");
    let seen = leases.get(&shard(0)).unwrap().unwrap();
    let taken = leases.update(&seen, |l| l.set_owner(Some("w2"))).unwrap().unwrap();
    // w1 still holds the counter it read: its write fails the condition and changes nothing
    assert!(leases.update(&seen, |l| l.set_owner(Some("w1"))).unwrap().is_none());
    assert!(!leases.delete(&seen).unwrap());
    assert_eq!(leases.get(&shard(0)).unwrap().unwrap(), taken);
    assert!(leases.delete(&taken).unwrap());
    assert_eq!(t.item_count(), 0);
}

#[test]
fn after_the_owner_dies_another_worker_takes_its_leases_from_the_table_and_resumes() {
    // given w1 that processed and checkpointed, then died
    let cloud = cloud();
    let s = cloud.create_stream("clicks", StreamConfig::with_shards(1)).unwrap();
    let leases = LeaseTable::table(&lease_table(&cloud));
    let log = Log::default();
    let w1 = worker(&cloud, &s, &leases, "w1", &log);
    s.put_record(PutRecord::new("k", "before")).unwrap();
    w1.run_once().unwrap();
    w1.kill();
    s.put_record(PutRecord::new("k", "after")).unwrap();
    // when w2 runs past the failover time
    let w2 = worker(&cloud, &s, &leases, "w2", &log);
    for _ in 0..=2 * FAILOVER.as_secs() {
        w2.run_once().unwrap();
        cloud.advance(Duration::from_secs(1));
    }
    // then w2 holds the lease and processed only what came after the checkpoint
    assert_eq!(owners(&leases), [Some("w2".to_owned())]);
    let by_w2: Vec<String> = log.records().into_iter().filter(|r| r.0 == "w2").map(|r| r.2).collect();
    assert_eq!(by_w2, ["after"]);
}

#[test]
fn a_new_lease_table_over_the_same_table_sees_the_leases() {
    // the table outlives the worker's process: a restart reads the same leases
    let cloud = cloud();
    let s = cloud.create_stream("clicks", StreamConfig::with_shards(2)).unwrap();
    let t = lease_table(&cloud);
    let log = Log::default();
    let w1 = worker(&cloud, &s, &LeaseTable::table(&t), "w1", &log);
    w1.run_once().unwrap();
    let again = LeaseTable::table(&cloud.table("app-leases").unwrap());
    assert_eq!(owners(&again), [Some("w1".to_owned()), Some("w1".to_owned())]);
    assert_eq!(again.list().unwrap().iter().map(|l| *l.shard_id()).collect::<Vec<_>>(), [shard(0), shard(1)]);
}

#[test]
fn a_deleted_lease_table_is_reported_as_a_dependency_error_not_a_panic() {
    let cloud = cloud();
    let s = cloud.create_stream("clicks", StreamConfig::with_shards(1)).unwrap();
    let leases = LeaseTable::table(&lease_table(&cloud));
    cloud.delete_table("app-leases").unwrap();
    let err = leases.list().unwrap_err();
    assert_eq!(err.code(), "KinesisClientLibDependencyException");
    assert!(err.to_string().contains("ResourceNotFoundException"), "{err}");
    let w = worker(&cloud, &s, &leases, "w1", &Log::default());
    assert_eq!(w.run_once().unwrap_err().code(), "KinesisClientLibDependencyException");
}

#[test]
fn a_table_with_the_wrong_key_refuses_lease_writes_with_the_tables_error() {
    let cloud = cloud();
    let t = cloud.create_table("wrong", TableConfig::new(Key::string("id"))).unwrap();
    let leases = LeaseTable::table(&t);
    let err = leases.create_if_absent(&Lease::new(shard(0), ExtendedSequenceNumber::TrimHorizon, vec![])).unwrap_err();
    assert_eq!(err.code(), "KinesisClientLibDependencyException");
    assert!(err.to_string().contains("ValidationException"), "{err}");
    assert_eq!(t.item_count(), 0);
}
