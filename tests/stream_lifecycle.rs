//! Stream lifecycle: names, creation, shard layout, lookup, deletion, retention.

use std::time::Duration;

use localcloud::{Cloud, PutRecord, StartingPosition, StreamConfig};

const HOUR: Duration = Duration::from_secs(3600);

fn cloud() -> Cloud {
    Cloud::builder().manual_clock().build()
}

#[test]
fn stream_names_must_be_1_to_128_of_the_allowed_characters() {
    let cloud = cloud();
    for bad in ["", "has space", "slash/no", &"x".repeat(129)] {
        let err = cloud.create_stream(bad, StreamConfig::with_shards(1)).unwrap_err();
        assert_eq!(err.code(), "ValidationException", "{bad:?}");
    }
    for good in ["a", "clicks_v2.prod-eu", &"x".repeat(128)] {
        assert!(cloud.create_stream(good, StreamConfig::with_shards(1)).is_ok(), "{good:?}");
    }
}

#[test]
fn creating_a_stream_with_zero_shards_is_rejected() {
    let err = cloud().create_stream("s", StreamConfig::with_shards(0)).unwrap_err();
    assert_eq!(err.code(), "InvalidArgumentException");
}

#[test]
fn creating_an_existing_stream_is_resource_in_use() {
    let cloud = cloud();
    cloud.create_stream("s", StreamConfig::with_shards(1)).unwrap();
    let err = cloud.create_stream("s", StreamConfig::with_shards(1)).unwrap_err();
    assert_eq!(err.code(), "ResourceInUseException");
}

#[test]
fn shard_ids_count_up_with_twelve_digits() {
    let s = cloud().create_stream("s", StreamConfig::with_shards(3)).unwrap();
    let ids: Vec<String> = s.shards().iter().map(|sh| sh.shard_id().to_string()).collect();
    assert_eq!(ids, ["shardId-000000000000", "shardId-000000000001", "shardId-000000000002"]);
}

#[test]
fn shards_split_the_key_space_evenly_with_inclusive_ends() {
    let s = cloud().create_stream("s", StreamConfig::with_shards(3)).unwrap();
    let shards = s.shards();
    let w = (u128::MAX / 3) + u128::from(u128::MAX % 3 == 2); // ⌊2^128 / 3⌋
    assert_eq!(shards[0].hash_key_range(), 0..=w - 1);
    assert_eq!(shards[1].hash_key_range(), w..=2 * w - 1);
    assert_eq!(shards[2].hash_key_range(), 2 * w..=u128::MAX);
    assert!(shards.iter().all(|sh| sh.is_open() && sh.parent_shard_id().is_none()));
    assert!(shards.iter().all(|sh| sh.sequence_number_range().ending_sequence_number().is_none()));
}

#[test]
fn a_created_stream_can_be_looked_up_and_listed() {
    let cloud = cloud();
    let b = cloud.create_stream("b", StreamConfig::with_shards(1)).unwrap();
    cloud.create_stream("a", StreamConfig::with_shards(1)).unwrap();
    assert!(cloud.stream("b").unwrap().same_stream(&b));
    assert_eq!(b.arn(), "arn:aws:kinesis:us-east-1:000000000000:stream/b");
    let names: Vec<String> = cloud.list_streams().iter().map(|s| s.name().to_owned()).collect();
    assert_eq!(names, ["a", "b"]);
}

#[test]
fn a_missing_stream_is_resource_not_found() {
    assert_eq!(cloud().stream("nope").unwrap_err().code(), "ResourceNotFoundException");
    assert_eq!(cloud().delete_stream("nope").unwrap_err().code(), "ResourceNotFoundException");
}

#[test]
fn calls_on_a_deleted_stream_are_resource_not_found() {
    let cloud = cloud();
    let s = cloud.create_stream("s", StreamConfig::with_shards(1)).unwrap();
    let id = *s.shards()[0].shard_id();
    let it = s.shard_iterator(&id, StartingPosition::TrimHorizon).unwrap();
    cloud.delete_stream("s").unwrap();
    assert!(!s.exists());
    assert_eq!(s.put_record(PutRecord::new("k", "v")).unwrap_err().code(), "ResourceNotFoundException");
    assert_eq!(s.get_records(&it, 10).unwrap_err().code(), "ResourceNotFoundException");
    assert_eq!(s.split_shard(&id, 1 << 100).unwrap_err().code(), "ResourceNotFoundException");
    assert_eq!(cloud.stream("s").unwrap_err().code(), "ResourceNotFoundException");
    assert!(cloud.list_streams().is_empty());
}

#[test]
fn a_missing_shard_is_resource_not_found() {
    let s = cloud().create_stream("s", StreamConfig::with_shards(1)).unwrap();
    let missing = "shardId-000000000009".parse().unwrap();
    let err = s.shard_iterator(&missing, StartingPosition::TrimHorizon).unwrap_err();
    assert_eq!(err.code(), "ResourceNotFoundException");
}

#[test]
fn retention_defaults_to_24_hours_and_must_be_24_to_8760() {
    let cloud = cloud();
    let s = cloud.create_stream("s", StreamConfig::with_shards(1)).unwrap();
    assert_eq!(s.retention(), 24 * HOUR);
    for bad in [23 * HOUR, 8_761 * HOUR] {
        let err = cloud.create_stream("t", StreamConfig::with_shards(1).retention(bad)).unwrap_err();
        assert_eq!(err.code(), "InvalidArgumentException");
        assert_eq!(s.set_retention(bad).unwrap_err().code(), "InvalidArgumentException");
    }
    s.set_retention(8_760 * HOUR).unwrap();
    assert_eq!(s.retention(), 8_760 * HOUR);
}

#[test]
fn retention_increase_and_decrease_must_move_the_right_way() {
    let s = cloud().create_stream("s", StreamConfig::with_shards(1).retention(48 * HOUR)).unwrap();
    assert_eq!(s.increase_retention(24 * HOUR).unwrap_err().code(), "InvalidArgumentException");
    assert_eq!(s.decrease_retention(72 * HOUR).unwrap_err().code(), "InvalidArgumentException");
    assert_eq!(s.retention(), 48 * HOUR);
    s.increase_retention(72 * HOUR).unwrap();
    s.decrease_retention(24 * HOUR).unwrap();
    assert_eq!(s.retention(), 24 * HOUR);
}

#[test]
fn expired_records_are_not_returned() {
    let cloud = cloud();
    let s = cloud.create_stream("s", StreamConfig::with_shards(1)).unwrap();
    let id = *s.shards()[0].shard_id();
    s.put_record(PutRecord::new("k", "old")).unwrap();
    cloud.advance(23 * HOUR);
    s.put_record(PutRecord::new("k", "new")).unwrap();
    cloud.advance(HOUR);
    let it = s.shard_iterator(&id, StartingPosition::TrimHorizon).unwrap();
    let out = s.get_records(&it, 100).unwrap();
    let data: Vec<&[u8]> = out.records().iter().map(|r| r.data().as_ref()).collect();
    assert_eq!(data, [b"new".as_ref()]);
}

#[test]
fn growing_retention_does_not_bring_expired_records_back() {
    let cloud = cloud();
    let s = cloud.create_stream("s", StreamConfig::with_shards(1)).unwrap();
    let id = *s.shards()[0].shard_id();
    s.put_record(PutRecord::new("k", "old")).unwrap();
    cloud.advance(25 * HOUR);
    s.increase_retention(72 * HOUR).unwrap();
    let it = s.shard_iterator(&id, StartingPosition::TrimHorizon).unwrap();
    assert!(s.get_records(&it, 100).unwrap().records().is_empty());
}

#[test]
fn shrinking_retention_expires_older_records() {
    let cloud = cloud();
    let s = cloud.create_stream("s", StreamConfig::with_shards(1).retention(72 * HOUR)).unwrap();
    let id = *s.shards()[0].shard_id();
    s.put_record(PutRecord::new("k", "old")).unwrap();
    cloud.advance(30 * HOUR);
    let it = s.shard_iterator(&id, StartingPosition::TrimHorizon).unwrap();
    assert_eq!(s.get_records(&it, 10).unwrap().records().len(), 1);
    s.decrease_retention(24 * HOUR).unwrap();
    let it = s.shard_iterator(&id, StartingPosition::TrimHorizon).unwrap();
    assert!(s.get_records(&it, 10).unwrap().records().is_empty());
}

#[test]
fn max_record_size_is_configurable_between_1_and_10_mib() {
    let cloud = cloud();
    for bad in [(1 << 20) - 1, (10 << 20) + 1] {
        let err = cloud.create_stream("s", StreamConfig::with_shards(1).max_record_size(bad)).unwrap_err();
        assert_eq!(err.code(), "InvalidArgumentException");
    }
    let s = cloud.create_stream("s", StreamConfig::with_shards(1).max_record_size(2 << 20)).unwrap();
    assert!(s.put_record(PutRecord::new("k", vec![0u8; (2 << 20) - 1])).is_ok());
    assert_eq!(s.put_record(PutRecord::new("k", vec![0u8; 2 << 20])).unwrap_err().code(), "InvalidArgumentException");
}

#[test]
fn errors_convert_into_the_umbrella_error() {
    fn run(cloud: &Cloud) -> localcloud::Result<()> {
        cloud.stream("missing")?;
        Ok(())
    }
    assert_eq!(run(&cloud()).unwrap_err().code(), "ResourceNotFoundException");
}

#[test]
fn handles_are_send_sync_clone_and_debug() {
    fn check<T: Send + Sync + Clone + std::fmt::Debug>() {}
    check::<localcloud::Stream>();
    check::<localcloud::stream::ShardIterator>();
    check::<localcloud::stream::Record>();
    check::<localcloud::StreamError>();
}

#[test]
fn retention_must_be_a_whole_number_of_hours() {
    let cloud = cloud();
    let half = Duration::from_secs(30 * 60);
    let err = cloud.create_stream("t", StreamConfig::with_shards(1).retention(24 * HOUR + half)).unwrap_err();
    assert_eq!(err.code(), "InvalidArgumentException");
    let s = cloud.create_stream("s", StreamConfig::with_shards(1).retention(48 * HOUR)).unwrap();
    assert_eq!(s.increase_retention(48 * HOUR + half).unwrap_err().code(), "InvalidArgumentException");
    assert_eq!(s.decrease_retention(47 * HOUR + half).unwrap_err().code(), "InvalidArgumentException");
    assert_eq!(s.set_retention(30 * HOUR + Duration::from_nanos(1)).unwrap_err().code(), "InvalidArgumentException");
    assert_eq!(s.retention(), 48 * HOUR);
}

#[test]
fn retention_increase_or_decrease_to_the_current_period_is_a_no_op() {
    let s = cloud().create_stream("s", StreamConfig::with_shards(1).retention(48 * HOUR)).unwrap();
    s.increase_retention(48 * HOUR).unwrap();
    s.decrease_retention(48 * HOUR).unwrap();
    assert_eq!(s.retention(), 48 * HOUR);
}

#[test]
fn concurrent_increases_never_leave_retention_below_one_that_succeeded() {
    // Each increase checks and sets under one lock: the successful ones apply in
    // ascending order, so the period ends at the largest of them.
    for _ in 0..200 {
        let s = cloud().create_stream("s", StreamConfig::with_shards(1)).unwrap();
        let handles: Vec<_> = (0..4u32)
            .map(|t| {
                let s = s.clone();
                std::thread::spawn(move || {
                    let mut ok = Vec::new();
                    for i in 0..100u32 {
                        let hours = 25 + ((i * 4 + t) * 7919) % 8_000;
                        if s.increase_retention(hours * HOUR).is_ok() {
                            ok.push(hours);
                        }
                    }
                    ok
                })
            })
            .collect();
        let best = handles.into_iter().flat_map(|h| h.join().unwrap()).max().unwrap();
        assert_eq!(s.retention(), best * HOUR);
    }
}
