//! Writing: routing by MD5, validation, sequence numbers, put_records.

use std::collections::HashSet;
use std::time::Duration;

use localcloud::{Cloud, PutRecord, StartingPosition, Stream, StreamConfig};
use md5::{Digest, Md5};

fn stream(shards: usize) -> (Cloud, Stream) {
    let cloud = Cloud::builder().manual_clock().build();
    let s = cloud.create_stream("s", StreamConfig::with_shards(shards)).unwrap();
    (cloud, s)
}

/// The shard a key belongs to, computed without the library's routing.
fn expected_shard(s: &Stream, key: &str) -> String {
    let digest: [u8; 16] = Md5::digest(key.as_bytes()).into();
    let h = u128::from_be_bytes(digest);
    let shard = s.shards().into_iter().find(|sh| sh.is_open() && sh.hash_key_range().contains(&h)).unwrap();
    shard.shard_id().to_string()
}

#[test]
fn records_route_by_the_md5_of_the_partition_key() {
    let (_cloud, s) = stream(7);
    for i in 0..2_000 {
        let key = format!("user-{i}-{}", "é".repeat(i % 5));
        let out = s.put_record(PutRecord::new(key.as_str(), "x")).unwrap();
        assert_eq!(out.shard_id().to_string(), expected_shard(&s, &key), "key {key}");
    }
}

#[test]
fn routing_matches_md5_after_a_split() {
    let (_cloud, s) = stream(2);
    let id = *s.shards()[0].shard_id();
    s.split_shard(&id, 1 << 125).unwrap();
    for i in 0..500 {
        let key = format!("k{i}");
        let out = s.put_record(PutRecord::new(key.as_str(), "x")).unwrap();
        assert_eq!(out.shard_id().to_string(), expected_shard(&s, &key));
    }
}

#[test]
fn an_explicit_hash_key_overrides_the_partition_key() {
    let (_cloud, s) = stream(4);
    let shards = s.shards();
    for sh in &shards {
        let k = *sh.hash_key_range().end();
        let out = s.put_record(PutRecord::new("same-key", "x").explicit_hash_key(k)).unwrap();
        assert_eq!(out.shard_id(), sh.shard_id());
    }
    let out = s.put_record(PutRecord::new("same-key", "x").explicit_hash_key_decimal(u128::MAX.to_string())).unwrap();
    assert_eq!(out.shard_id(), shards[3].shard_id());
}

#[test]
fn an_explicit_hash_key_outside_0_to_2_pow_128_is_rejected() {
    let (_cloud, s) = stream(1);
    for bad in ["340282366920938463463374607431768211456", "-1", "", "12a"] {
        let err = s.put_record(PutRecord::new("k", "x").explicit_hash_key_decimal(bad)).unwrap_err();
        assert_eq!(err.code(), "InvalidArgumentException", "{bad:?}");
    }
}

#[test]
fn an_explicit_hash_key_with_leading_zeros_is_rejected_and_writes_nothing() {
    // AWS takes ExplicitHashKey as text matching 0|([1-9]\d{0,38}).
    let (_cloud, s) = stream(2);
    let forty_digits = format!("0{}", "1".repeat(39));
    for bad in ["0123", "00", "01", "+1", " 1", "1 ", "1.0", "1e3", forty_digits.as_str()] {
        let err = s.put_record(PutRecord::new("k", "x").explicit_hash_key_decimal(bad)).unwrap_err();
        assert_eq!(err.code(), "InvalidArgumentException", "{bad:?}");
        let batch = s.put_records([PutRecord::new("k", "y"), PutRecord::new("k", "z").explicit_hash_key_decimal(bad)]);
        assert_eq!(batch.unwrap_err().code(), "InvalidArgumentException", "batch with {bad:?}");
    }
    for shard in s.shards() {
        let it = s.shard_iterator(shard.shard_id(), StartingPosition::TrimHorizon).unwrap();
        assert!(s.get_records(&it, 10).unwrap().records().is_empty(), "nothing was written");
    }
}

#[test]
fn an_explicit_hash_key_of_0_or_up_to_39_digits_below_2_pow_128_is_accepted() {
    let (_cloud, s) = stream(2);
    let max = u128::MAX.to_string(); // 39 digits
    for (text, shard) in [("0", 0), ("1", 0), ("123", 0), (max.as_str(), 1)] {
        let out = s.put_record(PutRecord::new("k", "x").explicit_hash_key_decimal(text)).unwrap();
        assert_eq!(out.shard_id(), s.shards()[shard].shard_id(), "{text}");
    }
    // The numeric setter is unchanged: it routes by the value itself.
    let out = s.put_record(PutRecord::new("k", "x").explicit_hash_key(u128::MAX)).unwrap();
    assert_eq!(out.shard_id(), s.shards()[1].shard_id());
}

#[test]
fn partition_keys_must_have_1_to_256_characters() {
    let (_cloud, s) = stream(1);
    assert_eq!(s.put_record(PutRecord::new("", "x")).unwrap_err().code(), "InvalidArgumentException");
    let too_long = "k".repeat(257);
    assert_eq!(s.put_record(PutRecord::new(too_long.as_str(), "x")).unwrap_err().code(), "InvalidArgumentException");
    // 256 characters, more than 256 bytes: the limit counts characters.
    assert!(s.put_record(PutRecord::new("é".repeat(256).as_str(), "x")).is_ok());
}

#[test]
fn data_plus_key_must_fit_in_1_mib_by_default() {
    let (_cloud, s) = stream(1);
    assert!(s.put_record(PutRecord::new("k", vec![0u8; (1 << 20) - 1])).is_ok());
    let err = s.put_record(PutRecord::new("k", vec![0u8; 1 << 20])).unwrap_err();
    assert_eq!(err.code(), "InvalidArgumentException");
    assert!(err.to_string().contains("1048576"));
}

#[test]
fn sequence_numbers_are_unique_and_increase_within_a_shard() {
    let (_cloud, s) = stream(3);
    let mut seen = HashSet::new();
    let mut last = std::collections::HashMap::new();
    for i in 0..300 {
        let out = s.put_record(PutRecord::new(format!("k{}", i % 17).as_str(), "x")).unwrap();
        assert!(seen.insert(*out.sequence_number()));
        let text = out.sequence_number().to_string();
        assert!(text.bytes().all(|b| b.is_ascii_digit()));
        if let Some(prev) = last.insert(*out.shard_id(), *out.sequence_number()) {
            assert!(prev < *out.sequence_number());
        }
    }
}

#[test]
fn records_carry_their_approximate_arrival_time() {
    let (cloud, s) = stream(1);
    let t0 = cloud.now();
    s.put_record(PutRecord::new("k", "a")).unwrap();
    cloud.advance(Duration::from_millis(1500));
    s.put_record(PutRecord::new("k", "b")).unwrap();
    let it = s.shard_iterator(s.shards()[0].shard_id(), StartingPosition::TrimHorizon).unwrap();
    let out = s.get_records(&it, 10).unwrap();
    assert_eq!(out.records()[0].approximate_arrival(), t0);
    assert_eq!(out.records()[1].approximate_arrival(), t0 + Duration::from_millis(1500));
    assert_eq!(out.records()[1].partition_key(), "k");
}

#[test]
fn an_ordering_hint_yields_a_higher_sequence_number() {
    let (_cloud, s) = stream(4);
    let first = s.put_record(PutRecord::new("a", "1")).unwrap();
    let second =
        s.put_record(PutRecord::new("zzz", "2").sequence_number_for_ordering(*first.sequence_number())).unwrap();
    assert!(second.sequence_number() > first.sequence_number());
    let unissued = "999999999999999999999999".parse().unwrap();
    let err = s.put_record(PutRecord::new("a", "3").sequence_number_for_ordering(unissued)).unwrap_err();
    assert_eq!(err.code(), "InvalidArgumentException");
}

#[test]
fn put_records_answers_each_entry_in_request_order() {
    let (_cloud, s) = stream(4);
    let batch: Vec<PutRecord> = (0..50).map(|i| PutRecord::new(format!("key-{i}").as_str(), format!("{i}"))).collect();
    let out = s.put_records(batch).unwrap();
    assert_eq!(out.failed_record_count(), 0);
    assert_eq!(out.records().len(), 50);
    for (i, entry) in out.records().iter().enumerate() {
        assert!(entry.is_success());
        assert_eq!(entry.shard_id().unwrap().to_string(), expected_shard(&s, &format!("key-{i}")));
        assert!(entry.error_code().is_none());
    }
}

#[test]
fn put_records_takes_1_to_500_records() {
    let (_cloud, s) = stream(1);
    assert_eq!(s.put_records(Vec::new()).unwrap_err().code(), "InvalidArgumentException");
    let too_many: Vec<PutRecord> = (0..501).map(|_| PutRecord::new("k", "x")).collect();
    assert_eq!(s.put_records(too_many).unwrap_err().code(), "InvalidArgumentException");
    let max: Vec<PutRecord> = (0..500).map(|_| PutRecord::new("k", "x")).collect();
    assert_eq!(s.put_records(max).unwrap().records().len(), 500);
}

#[test]
fn put_records_over_10_mib_in_all_is_rejected_whole() {
    let (_cloud, s) = stream(1);
    let big: Vec<PutRecord> = (0..11).map(|_| PutRecord::new("k", vec![0u8; 1_000_000])).collect();
    assert_eq!(s.put_records(big).unwrap_err().code(), "InvalidArgumentException");
    let it = s.shard_iterator(s.shards()[0].shard_id(), StartingPosition::TrimHorizon).unwrap();
    assert!(s.get_records(&it, 100).unwrap().records().is_empty());
}

#[test]
fn a_malformed_entry_rejects_the_whole_put_records_call() {
    let (_cloud, s) = stream(1);
    let batch = vec![PutRecord::new("ok", "1"), PutRecord::new("", "2"), PutRecord::new("ok", "3")];
    let err = s.put_records(batch).unwrap_err();
    assert_eq!(err.code(), "InvalidArgumentException");
    assert!(err.to_string().contains("record 1"));
    let it = s.shard_iterator(s.shards()[0].shard_id(), StartingPosition::TrimHorizon).unwrap();
    assert!(s.get_records(&it, 100).unwrap().records().is_empty());
}

#[test]
fn record_data_is_shared_not_copied() {
    let (_cloud, s) = stream(1);
    let data = bytes::Bytes::from(vec![7u8; 4096]);
    s.put_record(PutRecord::new("k", data.clone())).unwrap();
    let it = s.shard_iterator(s.shards()[0].shard_id(), StartingPosition::TrimHorizon).unwrap();
    let out = s.get_records(&it, 1).unwrap();
    assert_eq!(out.records()[0].data().as_ptr(), data.as_ptr());
}

#[test]
fn concurrent_producers_keep_each_shard_in_sequence_order() {
    let (_cloud, s) = stream(3);
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let s = s.clone();
            std::thread::spawn(move || {
                for i in 0..500 {
                    s.put_record(PutRecord::new(format!("t{t}-{i}").as_str(), "x")).unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let mut total = 0;
    for sh in s.shards() {
        let it = s.shard_iterator(sh.shard_id(), StartingPosition::TrimHorizon).unwrap();
        let out = s.get_records(&it, 10_000).unwrap();
        assert!(out.records().windows(2).all(|w| w[0].sequence_number() < w[1].sequence_number()));
        assert!(out.records().windows(2).all(|w| w[0].approximate_arrival() <= w[1].approximate_arrival()));
        total += out.records().len();
    }
    assert_eq!(total, 2_000);
}
