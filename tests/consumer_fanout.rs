//! Enhanced fan-out: registered consumers and SubscribeToShard subscriptions.

mod consumer_support;

use std::time::Duration;

use consumer_support::*;
use localcloud::consumer::{Consumer, LeaseTable, MAX_CONSUMERS_PER_STREAM};
use localcloud::{PutRecord, StartingPosition, StreamConfig};

#[test]
fn consumers_are_registered_described_listed_and_deregistered() {
    let cloud = cloud();
    let s = cloud.create_stream("clicks", StreamConfig::with_shards(1)).unwrap();
    let c = cloud.register_stream_consumer(&s, "analytics").unwrap();
    assert_eq!(cloud.describe_stream_consumer(&s, "analytics").unwrap(), c);
    assert_eq!(c.stream_arn(), s.arn());
    assert_eq!(cloud.register_stream_consumer(&s, "analytics").unwrap_err().code(), "ResourceInUseException");
    assert_eq!(cloud.register_stream_consumer(&s, "bad name").unwrap_err().code(), "ValidationException");
    for i in 1..MAX_CONSUMERS_PER_STREAM {
        cloud.register_stream_consumer(&s, &format!("c{i:02}")).unwrap();
    }
    assert_eq!(cloud.register_stream_consumer(&s, "one-too-many").unwrap_err().code(), "LimitExceededException");
    assert_eq!(cloud.list_stream_consumers(&s).unwrap().len(), 20);
    cloud.deregister_stream_consumer(&s, "analytics").unwrap();
    assert_eq!(cloud.describe_stream_consumer(&s, "analytics").unwrap_err().code(), "ResourceNotFoundException");
    assert_eq!(cloud.deregister_stream_consumer(&s, "analytics").unwrap_err().code(), "ResourceNotFoundException");
    assert_eq!(cloud.list_stream_consumers(&s).unwrap().len(), 19);
}

#[test]
fn a_subscription_pushes_records_with_continuation_sequence_numbers() {
    let cloud = cloud();
    let s = cloud.create_stream("clicks", StreamConfig::with_shards(1)).unwrap();
    cloud.register_stream_consumer(&s, "analytics").unwrap();
    let shard = *s.shards()[0].shard_id();
    let mut sub = cloud.subscribe_to_shard(&s, "analytics", &shard, StartingPosition::TrimHorizon).unwrap();
    assert!(sub.next_event().is_none(), "nothing to push yet");
    let a = s.put_record(PutRecord::new("k", "a")).unwrap();
    let b = s.put_record(PutRecord::new("k", "b")).unwrap();
    let e = sub.next_event().unwrap();
    assert_eq!(e.records().len(), 2);
    assert_eq!(e.continuation_sequence_number(), Some(b.sequence_number()));
    // a later subscription continues after the continuation
    cloud.advance(Duration::from_secs(5));
    s.put_record(PutRecord::new("k", "c")).unwrap();
    let mut again = cloud
        .subscribe_to_shard(&s, "analytics", &shard, StartingPosition::AfterSequenceNumber(*a.sequence_number()))
        .unwrap();
    assert!(sub.is_finished(), "the newer subscription replaced the old one");
    let data: Vec<_> = again.next_event().unwrap().records().iter().map(|r| r.data().clone()).collect();
    assert_eq!(data, vec!["b", "c"]);
}

#[test]
fn a_second_subscription_within_five_seconds_is_refused() {
    let cloud = cloud();
    let s = cloud.create_stream("clicks", StreamConfig::with_shards(1)).unwrap();
    cloud.register_stream_consumer(&s, "analytics").unwrap();
    let shard = *s.shards()[0].shard_id();
    let _sub = cloud.subscribe_to_shard(&s, "analytics", &shard, StartingPosition::Latest).unwrap();
    let err = cloud.subscribe_to_shard(&s, "analytics", &shard, StartingPosition::Latest).unwrap_err();
    assert_eq!(err.code(), "ResourceInUseException");
    let err = cloud.subscribe_to_shard(&s, "nobody", &shard, StartingPosition::Latest).unwrap_err();
    assert_eq!(err.code(), "ResourceNotFoundException");
}

#[test]
fn a_subscription_lasts_five_minutes() {
    let cloud = cloud();
    let s = cloud.create_stream("clicks", StreamConfig::with_shards(1)).unwrap();
    cloud.register_stream_consumer(&s, "analytics").unwrap();
    let shard = *s.shards()[0].shard_id();
    let mut sub = cloud.subscribe_to_shard(&s, "analytics", &shard, StartingPosition::TrimHorizon).unwrap();
    cloud.advance(Duration::from_secs(299));
    assert!(!sub.is_finished());
    cloud.advance(Duration::from_secs(1));
    s.put_record(PutRecord::new("k", "late")).unwrap();
    assert!(sub.is_finished());
    assert!(sub.next_event().is_none());
}

#[test]
fn at_a_shard_end_the_subscription_names_the_children_and_ends() {
    let cloud = cloud();
    let s = cloud.create_stream("clicks", StreamConfig::with_shards(1)).unwrap();
    cloud.register_stream_consumer(&s, "analytics").unwrap();
    let shard = *s.shards()[0].shard_id();
    let mut sub = cloud.subscribe_to_shard(&s, "analytics", &shard, StartingPosition::TrimHorizon).unwrap();
    s.put_record(PutRecord::new("k", "a")).unwrap();
    s.split_shard(&shard, 1 << 100).unwrap();
    let e = sub.next_event().unwrap();
    assert_eq!(e.records().len(), 1);
    let end = if e.is_at_shard_end() { e } else { sub.next_event().unwrap() };
    assert!(end.is_at_shard_end());
    assert_eq!(end.child_shards().len(), 2);
    assert!(sub.is_finished());
}

#[test]
fn a_subscription_pushes_at_most_two_megabytes_a_second() {
    let cloud = cloud();
    let s = cloud.create_stream("clicks", StreamConfig::with_shards(1)).unwrap();
    cloud.register_stream_consumer(&s, "analytics").unwrap();
    let shard = *s.shards()[0].shard_id();
    let mut sub = cloud.subscribe_to_shard(&s, "analytics", &shard, StartingPosition::TrimHorizon).unwrap();
    let chunk = vec![7u8; 256 * 1024];
    for _ in 0..40 {
        s.put_record(PutRecord::new("k", chunk.clone())).unwrap(); // 10 MiB in all
    }
    let mut delivered = 0usize;
    for _ in 0..30 {
        while let Some(e) = sub.next_event() {
            delivered += e.records().iter().map(|r| r.data().len() + 1).sum::<usize>();
        }
        cloud.advance(Duration::from_millis(100));
    }
    // 3 s at 2 MiB/s, plus at most one second of burst
    assert!(delivered <= 8 * 1024 * 1024 + chunk.len() + 40, "{delivered}");
    assert!(delivered >= 5 * 1024 * 1024, "{delivered}");
}

#[test]
fn a_worker_can_retrieve_by_fan_out() {
    let cloud = cloud();
    let s = cloud.create_stream("clicks", StreamConfig::with_shards(1)).unwrap();
    let (leases, log) = (LeaseTable::in_memory(), Log::default());
    let (l, name) = (log.clone(), "w1".to_owned());
    let w = Consumer::builder(&cloud, &s, "app")
        .leases(leases.clone())
        .worker_id("w1")
        .initial_position(StartingPosition::TrimHorizon)
        .fan_out("app-efo")
        .processor(move || Recorder {
            worker: name.clone(),
            shard: None,
            log: l.clone(),
            behaviour: Default::default(),
        })
        .build()
        .unwrap();
    assert_eq!(cloud.list_stream_consumers(&s).unwrap()[0].name(), "app-efo");
    s.put_record(PutRecord::new("k", "a")).unwrap();
    w.run_once().unwrap();
    let parent = *s.shards()[0].shard_id();
    s.split_shard(&parent, 1 << 100).unwrap();
    for i in 0..10 {
        s.put_record(PutRecord::new(format!("k{i}"), format!("child-{i}"))).unwrap();
    }
    for _ in 0..10 {
        cloud.advance(Duration::from_millis(1500));
        w.run_once().unwrap();
    }
    assert_eq!(log.data().len(), 11);
    assert_eq!(leases.get(&parent).unwrap().unwrap().checkpoint().to_string(), "SHARD_END");
}
