//! Throughput limits on the clock, and CloudWatch-named metrics.

use std::time::Duration;

use localcloud::stream::ShardId;
use localcloud::{Cloud, PutRecord, StartingPosition, Stream, StreamConfig};

fn limited() -> (Cloud, Stream, ShardId) {
    let cloud = Cloud::builder().manual_clock().build();
    let s = cloud.create_stream("s", StreamConfig::with_shards(1).enforce_limits(true)).unwrap();
    let id = *s.shards()[0].shard_id();
    (cloud, s, id)
}

fn metric(cloud: &Cloud, name: &str) -> f64 {
    cloud.metrics().value("AWS/Kinesis", "s", name).unwrap()
}

#[test]
fn limits_are_off_by_default() {
    let cloud = Cloud::builder().manual_clock().build();
    let s = cloud.create_stream("s", StreamConfig::with_shards(1)).unwrap();
    for _ in 0..3 {
        let batch: Vec<PutRecord> = (0..500).map(|_| PutRecord::new("k", "x")).collect();
        assert_eq!(s.put_records(batch).unwrap().failed_record_count(), 0);
    }
    let it = s.shard_iterator(s.shards()[0].shard_id(), StartingPosition::TrimHorizon).unwrap();
    for _ in 0..10 {
        s.get_records(&it, 1).unwrap();
    }
}

#[test]
fn a_shard_takes_1000_records_per_second() {
    let (cloud, s, _) = limited();
    for _ in 0..1000 {
        s.put_record(PutRecord::new("k", "x")).unwrap();
    }
    let err = s.put_record(PutRecord::new("k", "x")).unwrap_err();
    assert_eq!(err.code(), "ProvisionedThroughputExceededException");
    cloud.advance(Duration::from_secs(1));
    assert!(s.put_record(PutRecord::new("k", "x")).is_ok());
    assert_eq!(metric(&cloud, "WriteProvisionedThroughputExceeded"), 1.0);
}

#[test]
fn a_shard_takes_1_mib_per_second() {
    let (cloud, s, _) = limited();
    s.put_record(PutRecord::new("k", vec![0u8; 600 * 1024])).unwrap();
    let err = s.put_record(PutRecord::new("k", vec![0u8; 600 * 1024])).unwrap_err();
    assert_eq!(err.code(), "ProvisionedThroughputExceededException");
    cloud.advance(Duration::from_millis(600));
    assert!(s.put_record(PutRecord::new("k", vec![0u8; 600 * 1024])).is_ok());
}

#[test]
fn put_records_marks_throttled_entries_and_keeps_the_rest() {
    let (_cloud, s, _) = limited();
    for _ in 0..998 {
        s.put_record(PutRecord::new("k", "x")).unwrap();
    }
    let batch: Vec<PutRecord> = (0..4).map(|i| PutRecord::new("k", format!("{i}"))).collect();
    let out = s.put_records(batch).unwrap();
    assert_eq!(out.failed_record_count(), 2);
    let codes: Vec<Option<&str>> = out.records().iter().map(|r| r.error_code()).collect();
    assert_eq!(
        codes,
        [None, None, Some("ProvisionedThroughputExceededException"), Some("ProvisionedThroughputExceededException")]
    );
    assert!(out.records()[2].error_message().is_some() && out.records()[2].sequence_number().is_none());
}

#[test]
fn a_shard_serves_5_reads_per_second() {
    let (cloud, s, id) = limited();
    let it = s.shard_iterator(&id, StartingPosition::TrimHorizon).unwrap();
    for _ in 0..5 {
        s.get_records(&it, 10).unwrap();
    }
    assert_eq!(s.get_records(&it, 10).unwrap_err().code(), "ProvisionedThroughputExceededException");
    assert_eq!(metric(&cloud, "ReadProvisionedThroughputExceeded"), 1.0);
    cloud.advance(Duration::from_secs(1));
    assert!(s.get_records(&it, 10).is_ok());
}

#[test]
fn a_shard_serves_2_mib_per_second_and_a_big_read_blocks_the_next_seconds() {
    let cloud = Cloud::builder().manual_clock().build();
    let config = StreamConfig::with_shards(1).enforce_limits(true).max_record_size(4 << 20);
    let s = cloud.create_stream("s", config).unwrap();
    let id = *s.shards()[0].shard_id();
    s.put_record(PutRecord::new("k", vec![0u8; 3 << 20])).unwrap();
    cloud.advance(Duration::from_secs(3)); // let the write budget refill
    let it = s.shard_iterator(&id, StartingPosition::TrimHorizon).unwrap();
    let out = s.get_records(&it, 10).unwrap();
    assert_eq!(out.records().len(), 1);
    cloud.advance(Duration::from_millis(400));
    assert_eq!(s.get_records(&it, 10).unwrap_err().code(), "ProvisionedThroughputExceededException");
    cloud.advance(Duration::from_millis(200)); // 3 MiB drained at 2 MiB/s: room again
    assert!(s.get_records(&it, 10).is_ok());
}

#[test]
fn metrics_count_incoming_and_read_records_with_cloudwatch_names() {
    let cloud = Cloud::builder().manual_clock().build();
    let s = cloud.create_stream("s", StreamConfig::with_shards(2)).unwrap();
    s.put_record(PutRecord::new("k", "hello").explicit_hash_key(0)).unwrap();
    s.put_records(vec![PutRecord::new("k", "ab").explicit_hash_key(0), PutRecord::new("kk", "c")]).unwrap();
    assert_eq!(metric(&cloud, "IncomingRecords"), 3.0);
    assert_eq!(metric(&cloud, "IncomingBytes"), (1 + 5 + 1 + 2 + 2 + 1) as f64);
    cloud.advance(Duration::from_secs(2));
    let it = s.shard_iterator(s.shards()[0].shard_id(), StartingPosition::TrimHorizon).unwrap();
    let out = s.get_records(&it, 10).unwrap();
    assert_eq!(metric(&cloud, "GetRecords.Records"), out.records().len() as f64);
    assert_eq!(metric(&cloud, "GetRecords.IteratorAgeMilliseconds"), 2000.0);
    assert_eq!(metric(&cloud, "WriteProvisionedThroughputExceeded"), 0.0);
    cloud.delete_stream("s").unwrap();
    assert_eq!(cloud.metrics().value("AWS/Kinesis", "s", "IncomingRecords"), None);
}

#[test]
fn cloud_wide_throttling_turns_limits_on_for_new_streams() {
    let cloud = Cloud::builder().manual_clock().throttling(true).build();
    assert!(cloud.throttling());
    let s = cloud.create_stream("s", StreamConfig::with_shards(1)).unwrap();
    for _ in 0..1000 {
        s.put_record(PutRecord::new("k", "x")).unwrap();
    }
    let err = s.put_record(PutRecord::new("k", "x")).unwrap_err();
    assert_eq!(err.code(), "ProvisionedThroughputExceededException");
}

#[test]
fn a_stream_setting_overrides_cloud_wide_throttling() {
    let cloud = Cloud::builder().manual_clock().throttling(true).build();
    let s = cloud.create_stream("s", StreamConfig::with_shards(1).enforce_limits(false)).unwrap();
    let batch = || (0..500).map(|_| PutRecord::new("k", "x")).collect::<Vec<_>>();
    for _ in 0..3 {
        assert_eq!(s.put_records(batch()).unwrap().failed_record_count(), 0);
    }
    let quiet = Cloud::builder().manual_clock().build();
    assert!(!quiet.throttling());
    let s = quiet.create_stream("s", StreamConfig::with_shards(1).enforce_limits(true)).unwrap();
    assert_eq!(s.put_records(batch()).unwrap().failed_record_count(), 0);
    assert_eq!(s.put_records(batch()).unwrap().failed_record_count(), 0);
    assert_eq!(s.put_records(batch()).unwrap().failed_record_count(), 500);
}
