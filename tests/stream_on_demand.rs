//! On-demand capacity mode: a stream made without a shard count starts with 4 shards
//! and grows on the clock with its peak written throughput.

use std::time::Duration;

use localcloud::stream::{Shard, ShardId, StreamMode};
use localcloud::stream::{ON_DEMAND_INITIAL_SHARDS, ON_DEMAND_SCALING_INTERVAL};
use localcloud::{Cloud, PutRecord, Stream, StreamConfig};

fn on_demand() -> (Cloud, Stream) {
    let cloud = Cloud::builder().manual_clock().build();
    let s = cloud.create_stream("s", StreamConfig::on_demand()).unwrap();
    (cloud, s)
}

fn id(n: u32) -> ShardId {
    format!("shardId-{n:012}").parse().unwrap()
}

/// Puts `n` small records at the current instant, 500 per call.
fn burst(s: &Stream, n: usize) {
    for start in (0..n).step_by(500) {
        let out = s.put_records((start..n.min(start + 500)).map(|i| PutRecord::new(format!("k{i}"), "x"))).unwrap();
        assert_eq!(out.failed_record_count(), 0);
    }
}

fn assert_tiles(open: &[Shard]) {
    assert_eq!(*open[0].hash_key_range().start(), 0);
    assert_eq!(*open.last().unwrap().hash_key_range().end(), u128::MAX);
    for w in open.windows(2) {
        assert_eq!(*w[0].hash_key_range().end() + 1, *w[1].hash_key_range().start());
    }
}

#[test]
fn a_stream_created_without_a_shard_count_is_on_demand_with_4_shards() {
    let cloud = Cloud::builder().manual_clock().build();
    for (name, config) in [("default", StreamConfig::default()), ("on-demand", StreamConfig::on_demand())] {
        assert_eq!(config.stream_mode(), StreamMode::OnDemand);
        assert_eq!(config.shard_count(), ON_DEMAND_INITIAL_SHARDS);
        let s = cloud.create_stream(name, config).unwrap();
        assert_eq!(s.stream_mode(), StreamMode::OnDemand);
        let shards = s.shards();
        let ids: Vec<ShardId> = shards.iter().map(|sh| *sh.shard_id()).collect();
        assert_eq!(ids, [id(0), id(1), id(2), id(3)]);
        assert_eq!(*shards[1].hash_key_range().start(), 1 << 126, "equal quarters of the key space");
        assert_tiles(&shards);
    }
    let provisioned = cloud.create_stream("fixed", StreamConfig::with_shards(2)).unwrap();
    assert_eq!(provisioned.stream_mode(), StreamMode::Provisioned);
    assert_eq!(provisioned.shards().len(), 2);
}

#[test]
fn on_demand_capacity_grows_to_double_the_peak_records_per_second() {
    // Given 3,000 records written within one second…
    let (cloud, s) = on_demand();
    burst(&s, 3_000);
    // …nothing changes before a minute has passed since the last check…
    cloud.advance(ON_DEMAND_SCALING_INTERVAL - Duration::from_millis(1));
    s.put_record(PutRecord::new("k", "x")).unwrap();
    assert_eq!(s.open_shards().len(), 4);
    // …then the next put finds 6 open shards (double 3,000 records/s at 1,000 each),
    // made by splitting the widest shards, with lineage.
    cloud.advance(Duration::from_millis(1));
    let out = s.put_record(PutRecord::new("k", "x")).unwrap();
    let open = s.open_shards();
    assert_eq!(open.len(), 6);
    assert_tiles(&open);
    assert!(open.iter().any(|sh| sh.shard_id() == out.shard_id()), "the put went to an open shard");
    let all = s.shards();
    assert_eq!(all.len(), 8, "two parents closed, four children opened");
    assert!(!all[0].is_open() && !all[1].is_open(), "the lowest keys split first among equals");
    for child in &all[4..] {
        let parent = child.parent_shard_id().unwrap();
        let ending = all[parent.index() as usize].sequence_number_range().ending_sequence_number().unwrap();
        assert!(child.sequence_number_range().starting_sequence_number() > ending);
    }
}

#[test]
fn on_demand_capacity_grows_with_the_peak_bytes_per_second() {
    // 10 records of 512 KiB in one second: 5 MiB/s, so double is 10 shards.
    let (cloud, s) = on_demand();
    for i in 0..10 {
        s.put_record(PutRecord::new(format!("k{i}"), vec![0u8; (512 << 10) - 3])).unwrap();
    }
    cloud.advance(ON_DEMAND_SCALING_INTERVAL);
    s.put_record(PutRecord::new("k", "x")).unwrap();
    assert_eq!(s.open_shards().len(), 10);
}

#[test]
fn the_peak_is_one_clock_second_not_a_sum_over_seconds() {
    // 1,500 records in each of three seconds: the peak is 1,500/s, double fits in 4.
    let (cloud, s) = on_demand();
    for _ in 0..3 {
        burst(&s, 1_500);
        cloud.advance(Duration::from_secs(1));
    }
    cloud.advance(ON_DEMAND_SCALING_INTERVAL);
    s.put_record(PutRecord::new("k", "x")).unwrap();
    assert_eq!(s.open_shards().len(), 4);
}

#[test]
fn the_shard_count_is_reconsidered_at_most_once_a_minute() {
    let (cloud, s) = on_demand();
    cloud.advance(ON_DEMAND_SCALING_INTERVAL);
    // A put a minute in checks and keeps 4 shards.
    s.put_record(PutRecord::new("k", "x")).unwrap();
    assert_eq!(s.open_shards().len(), 4);
    // Given a burst in the same second as that check's put (5,000 records in all)…
    burst(&s, 4_999);
    // …puts within the minute leave the count alone…
    cloud.advance(ON_DEMAND_SCALING_INTERVAL - Duration::from_secs(1));
    s.put_record(PutRecord::new("k", "x")).unwrap();
    assert_eq!(s.open_shards().len(), 4);
    // …and the first put a minute after the last check grows it to 10.
    cloud.advance(Duration::from_secs(1));
    s.put_record(PutRecord::new("k", "x")).unwrap();
    assert_eq!(s.open_shards().len(), 10);
}

#[test]
fn with_limits_on_a_throttled_burst_doubles_the_capacity_it_got() {
    // Given write limits: 4 shards take at most 4,000 records in one second…
    let cloud = Cloud::builder().manual_clock().build();
    let s = cloud.create_stream("s", StreamConfig::on_demand().enforce_limits(true)).unwrap();
    let mut failed = 0;
    for batch in 0..20 {
        let out = s.put_records((0..500).map(|i| PutRecord::new(format!("k{batch}-{i}"), "x"))).unwrap();
        failed += out.failed_record_count();
    }
    assert!(failed > 0, "some of the 10,000 records were throttled");
    // …then a minute later the stream has room for double what it accepted.
    cloud.advance(ON_DEMAND_SCALING_INTERVAL);
    s.put_record(PutRecord::new("k", "x")).unwrap();
    let accepted = 10_000 - failed;
    assert_eq!(s.open_shards().len(), (2 * accepted).div_ceil(1_000).max(4));
}

#[test]
fn resharding_calls_on_an_on_demand_stream_are_validation_exceptions() {
    let (_cloud, s) = on_demand();
    let before = s.shards();
    let errors = [
        s.split_shard(&id(0), 1 << 100).unwrap_err(),
        s.merge_shards(&id(0), &id(1)).unwrap_err(),
        s.update_shard_count(8).unwrap_err(),
    ];
    for err in errors {
        assert_eq!(err.code(), "ValidationException", "{err}");
        assert!(err.to_string().contains("on-demand"), "{err}");
    }
    assert_eq!(s.shards(), before, "nothing changed");
}

#[test]
fn a_provisioned_stream_never_scales_on_its_own() {
    let cloud = Cloud::builder().manual_clock().build();
    let s = cloud.create_stream("s", StreamConfig::with_shards(4)).unwrap();
    burst(&s, 5_000);
    cloud.advance(ON_DEMAND_SCALING_INTERVAL * 10);
    s.put_record(PutRecord::new("k", "x")).unwrap();
    assert_eq!(s.shards().len(), 4);
    s.update_shard_count(8).unwrap();
    assert_eq!(s.open_shards().len(), 8);
}

#[test]
fn a_quiet_on_demand_stream_keeps_its_4_shards() {
    let (cloud, s) = on_demand();
    for _ in 0..5 {
        burst(&s, 100);
        cloud.advance(ON_DEMAND_SCALING_INTERVAL);
    }
    s.put_record(PutRecord::new("k", "x")).unwrap();
    assert_eq!(s.shards().len(), 4);
}
