//! Reading: starting positions, iterator lifetime and integrity, get_records paging.

use std::time::Duration;

use localcloud::stream::{SequenceNumber, ShardId, ShardIterator};
use localcloud::{Cloud, PutRecord, StartingPosition, Stream, StreamConfig};

fn stream(shards: usize) -> (Cloud, Stream, ShardId) {
    let cloud = Cloud::builder().manual_clock().build();
    let s = cloud.create_stream("s", StreamConfig::with_shards(shards)).unwrap();
    let id = *s.shards()[0].shard_id();
    (cloud, s, id)
}

fn put(s: &Stream, data: &str) -> SequenceNumber {
    *s.put_record(PutRecord::new("k", data.to_owned()).explicit_hash_key(0)).unwrap().sequence_number()
}

fn data(s: &Stream, it: &ShardIterator) -> Vec<String> {
    let out = s.get_records(it, 10_000).unwrap();
    out.records().iter().map(|r| String::from_utf8(r.data().to_vec()).unwrap()).collect()
}

#[test]
fn trim_horizon_reads_from_the_oldest_record() {
    let (_c, s, id) = stream(1);
    put(&s, "a");
    put(&s, "b");
    let it = s.shard_iterator(&id, StartingPosition::TrimHorizon).unwrap();
    assert_eq!(data(&s, &it), ["a", "b"]);
}

#[test]
fn latest_is_fixed_when_the_iterator_is_issued() {
    let (_c, s, id) = stream(1);
    put(&s, "before");
    let it = s.shard_iterator(&id, StartingPosition::Latest).unwrap();
    put(&s, "after-1");
    put(&s, "after-2");
    // Records put after issuing are returned, not skipped as a recomputed tip would.
    assert_eq!(data(&s, &it), ["after-1", "after-2"]);
}

#[test]
fn latest_on_an_idle_shard_returns_nothing_then_new_records() {
    let (_c, s, id) = stream(1);
    put(&s, "old");
    let it = s.shard_iterator(&id, StartingPosition::Latest).unwrap();
    let out = s.get_records(&it, 10).unwrap();
    assert!(out.records().is_empty());
    put(&s, "new");
    assert_eq!(data(&s, out.next_iterator().unwrap()), ["new"]);
}

#[test]
fn at_and_after_sequence_number_start_at_and_after_the_record() {
    let (_c, s, id) = stream(1);
    put(&s, "a");
    let b = put(&s, "b");
    put(&s, "c");
    let at = s.shard_iterator(&id, StartingPosition::AtSequenceNumber(b)).unwrap();
    assert_eq!(data(&s, &at), ["b", "c"]);
    let after = s.shard_iterator(&id, StartingPosition::AfterSequenceNumber(b)).unwrap();
    assert_eq!(data(&s, &after), ["c"]);
}

#[test]
fn at_or_after_the_starting_sequence_number_reads_from_the_first_record() {
    // Given a shard's StartingSequenceNumber, as AWS lists it, and two records…
    let (_c, s, id) = stream(1);
    let starting = s.shard(&id).unwrap().sequence_number_range().starting_sequence_number();
    put(&s, "a");
    put(&s, "b");
    // …then both AT_ and AFTER_SEQUENCE_NUMBER at it are valid and read from "a".
    for position in [StartingPosition::AtSequenceNumber(starting), StartingPosition::AfterSequenceNumber(starting)] {
        let it = s.shard_iterator(&id, position).unwrap();
        assert_eq!(data(&s, &it), ["a", "b"], "{position:?}");
    }
}

#[test]
fn at_the_starting_sequence_number_of_an_empty_shard_waits_for_its_first_record() {
    let (_c, s, id) = stream(1);
    let starting = s.shard(&id).unwrap().sequence_number_range().starting_sequence_number();
    let it = s.shard_iterator(&id, StartingPosition::AtSequenceNumber(starting)).unwrap();
    let out = s.get_records(&it, 10).unwrap();
    assert!(out.records().is_empty());
    put(&s, "first");
    assert_eq!(data(&s, out.next_iterator().unwrap()), ["first"]);
}

#[test]
fn at_the_starting_sequence_number_of_a_child_reads_the_child_from_its_start() {
    let (_c, s, id) = stream(1);
    put(&s, "parent");
    s.split_shard(&id, 1 << 127).unwrap();
    let child = s.shards()[1].clone();
    put(&s, "child");
    let starting = child.sequence_number_range().starting_sequence_number();
    let it = s.shard_iterator(child.shard_id(), StartingPosition::AtSequenceNumber(starting)).unwrap();
    assert_eq!(data(&s, &it), ["child"]);
    // Another shard's starting sequence number is still foreign here.
    let err = s.shard_iterator(&id, StartingPosition::AtSequenceNumber(starting)).unwrap_err();
    assert_eq!(err.code(), "InvalidArgumentException");
}

#[test]
fn an_unknown_or_foreign_sequence_number_is_rejected() {
    let (_c, s, id) = stream(2);
    put(&s, "a");
    let other = *s.shards()[1].shard_id();
    let foreign = *s.put_record(PutRecord::new("k", "x").explicit_hash_key(u128::MAX)).unwrap().sequence_number();
    for seq in [foreign, "12345678901234567890".parse().unwrap(), "0".parse().unwrap()] {
        let err = s.shard_iterator(&id, StartingPosition::AtSequenceNumber(seq)).unwrap_err();
        assert_eq!(err.code(), "InvalidArgumentException", "{seq}");
    }
    assert!(s.shard_iterator(&other, StartingPosition::AtSequenceNumber(foreign)).is_ok());
}

#[test]
fn at_timestamp_starts_at_the_first_record_arriving_at_or_after_it() {
    let (cloud, s, id) = stream(1);
    put(&s, "t0");
    cloud.advance(Duration::from_secs(10));
    let t10 = cloud.now();
    put(&s, "t10");
    cloud.advance(Duration::from_secs(10));
    put(&s, "t20");
    let it = s.shard_iterator(&id, StartingPosition::AtTimestamp(t10)).unwrap();
    assert_eq!(data(&s, &it), ["t10", "t20"]);
    let between = s.shard_iterator(&id, StartingPosition::AtTimestamp(t10 + Duration::from_secs(1))).unwrap();
    assert_eq!(data(&s, &between), ["t20"]);
}

#[test]
fn at_timestamp_before_the_trim_horizon_reads_from_the_trim_horizon() {
    let (cloud, s, id) = stream(1);
    let t0 = cloud.now();
    put(&s, "expired");
    cloud.advance(Duration::from_secs(23 * 3600));
    put(&s, "kept");
    cloud.advance(Duration::from_secs(3600));
    let it = s.shard_iterator(&id, StartingPosition::AtTimestamp(t0)).unwrap();
    assert_eq!(data(&s, &it), ["kept"]);
}

#[test]
fn iterators_expire_after_5_minutes() {
    let (cloud, s, id) = stream(1);
    let it = s.shard_iterator(&id, StartingPosition::TrimHorizon).unwrap();
    cloud.advance(Duration::from_secs(299));
    let fresh = s.get_records(&it, 10).unwrap();
    cloud.advance(Duration::from_secs(1));
    let err = s.get_records(&it, 10).unwrap_err();
    assert_eq!(err.code(), "ExpiredIteratorException");
    // The iterator handed back 1 s ago is still good.
    assert!(s.get_records(fresh.next_iterator().unwrap(), 10).is_ok());
}

#[test]
fn garbage_and_forged_iterators_are_rejected() {
    let (cloud, s, id) = stream(1);
    assert_eq!("not-an-iterator".parse::<ShardIterator>().unwrap_err().code(), "InvalidArgumentException");
    let it = s.shard_iterator(&id, StartingPosition::TrimHorizon).unwrap();
    let mut text = it.to_string();
    let flipped = if text.ends_with('0') { '1' } else { '0' };
    text.pop();
    text.push(flipped);
    let forged: ShardIterator = text.parse().unwrap();
    assert_eq!(s.get_records(&forged, 10).unwrap_err().code(), "InvalidArgumentException");
    let other = cloud.create_stream("other", StreamConfig::with_shards(1)).unwrap();
    assert_eq!(other.get_records(&it, 10).unwrap_err().code(), "InvalidArgumentException");
}

#[test]
fn an_iterator_survives_its_text_form() {
    let (_c, s, id) = stream(1);
    put(&s, "a");
    let it = s.shard_iterator(&id, StartingPosition::TrimHorizon).unwrap();
    let back: ShardIterator = it.to_string().parse().unwrap();
    assert_eq!(data(&s, &back), ["a"]);
}

#[test]
fn get_records_limit_must_be_1_to_10000() {
    let (_c, s, id) = stream(1);
    let it = s.shard_iterator(&id, StartingPosition::TrimHorizon).unwrap();
    assert_eq!(s.get_records(&it, 0).unwrap_err().code(), "InvalidArgumentException");
    assert_eq!(s.get_records(&it, 10_001).unwrap_err().code(), "InvalidArgumentException");
}

#[test]
fn every_call_hands_out_a_fresh_next_iterator_that_moves_forward() {
    let (_c, s, id) = stream(1);
    for i in 0..5 {
        put(&s, &i.to_string());
    }
    let mut it = s.shard_iterator(&id, StartingPosition::TrimHorizon).unwrap();
    let mut got = Vec::new();
    for _ in 0..6 {
        let out = s.get_records(&it, 2).unwrap();
        got.extend(out.records().iter().map(|r| String::from_utf8(r.data().to_vec()).unwrap()));
        let next = out.next_iterator().expect("an open shard always has a next iterator").clone();
        assert_ne!(next, it);
        it = next;
    }
    assert_eq!(got, ["0", "1", "2", "3", "4"]);
    // Reusing an old iterator re-reads from its own position, never past the new one.
    let again = s.shard_iterator(&id, StartingPosition::TrimHorizon).unwrap();
    assert_eq!(data(&s, &again).len(), 5);
}

#[test]
fn millis_behind_latest_measures_from_the_last_returned_record_to_the_tip() {
    let (cloud, s, id) = stream(1);
    put(&s, "a");
    cloud.advance(Duration::from_millis(700));
    put(&s, "b");
    cloud.advance(Duration::from_millis(300));
    put(&s, "c");
    let it = s.shard_iterator(&id, StartingPosition::TrimHorizon).unwrap();
    let first = s.get_records(&it, 1).unwrap();
    assert_eq!(first.millis_behind_latest(), 1000);
    let rest = s.get_records(first.next_iterator().unwrap(), 10).unwrap();
    assert_eq!(rest.records().len(), 2);
    assert_eq!(rest.millis_behind_latest(), 0);
}

#[test]
fn get_records_returns_at_most_10_mib() {
    let cloud = Cloud::builder().manual_clock().build();
    let s = cloud.create_stream("s", StreamConfig::with_shards(1).max_record_size(4 << 20)).unwrap();
    let id = *s.shards()[0].shard_id();
    for _ in 0..4 {
        s.put_record(PutRecord::new("k", vec![0u8; 3 << 20])).unwrap();
    }
    let it = s.shard_iterator(&id, StartingPosition::TrimHorizon).unwrap();
    let out = s.get_records(&it, 100).unwrap();
    assert_eq!(out.records().len(), 3);
    assert!(out.millis_behind_latest() == 0 && out.next_iterator().is_some());
    assert_eq!(s.get_records(out.next_iterator().unwrap(), 100).unwrap().records().len(), 1);
}

#[test]
fn a_closed_shard_read_to_its_end_has_no_next_iterator_and_names_its_children() {
    let (_c, s, id) = stream(1);
    put(&s, "a");
    put(&s, "b");
    s.split_shard(&id, 1 << 127).unwrap();
    let it = s.shard_iterator(&id, StartingPosition::TrimHorizon).unwrap();
    let part = s.get_records(&it, 1).unwrap();
    assert!(part.next_iterator().is_some(), "not at the end yet");
    assert!(part.child_shards().is_empty());
    let end = s.get_records(part.next_iterator().unwrap(), 10).unwrap();
    assert_eq!(end.records().len(), 1);
    assert!(end.next_iterator().is_none());
    let children: Vec<String> = end.child_shards().iter().map(|c| c.shard_id().to_string()).collect();
    assert_eq!(children, ["shardId-000000000001", "shardId-000000000002"]);
    assert!(end.child_shards().iter().all(|c| c.parent_shard_id() == Some(&id)));
}

#[test]
fn iterators_work_on_closed_shards() {
    let (_c, s, id) = stream(1);
    let a = put(&s, "a");
    put(&s, "b");
    s.split_shard(&id, 1 << 127).unwrap();
    let at = s.shard_iterator(&id, StartingPosition::AfterSequenceNumber(a)).unwrap();
    assert_eq!(data(&s, &at), ["b"]);
    let latest = s.shard_iterator(&id, StartingPosition::Latest).unwrap();
    let out = s.get_records(&latest, 10).unwrap();
    assert!(out.records().is_empty() && out.next_iterator().is_none());
}

#[test]
fn a_sequence_number_never_issued_in_the_shard_is_rejected() {
    let (_c, s, id) = stream(2);
    // Given a number drawn for shard 1, then the first record of shard 0…
    let on_other = *s.put_record(PutRecord::new("k", "x").explicit_hash_key(u128::MAX)).unwrap().sequence_number();
    put(&s, "a");
    // …when the same counter is dressed up with shard 0's bits: below shard 0's oldest
    // record, above its start, but never issued there and nothing has expired.
    let made_up: SequenceNumber =
        (on_other.as_u128() & !u128::from(u32::MAX) | u128::from(id.index())).to_string().parse().unwrap();
    for position in [StartingPosition::AtSequenceNumber(made_up), StartingPosition::AfterSequenceNumber(made_up)] {
        let err = s.shard_iterator(&id, position).unwrap_err();
        assert_eq!(err.code(), "InvalidArgumentException", "{position:?}");
    }
}

#[test]
fn a_sequence_number_trimmed_by_retention_reads_from_the_trim_horizon() {
    let (cloud, s, id) = stream(1);
    let old = put(&s, "old");
    cloud.advance(Duration::from_secs(24 * 3600));
    put(&s, "kept"); // the put trims the expired record
    let it = s.shard_iterator(&id, StartingPosition::AtSequenceNumber(old)).unwrap();
    assert_eq!(data(&s, &it), ["kept"]);
}

#[test]
fn get_records_without_a_limit_returns_up_to_10000_records() {
    let (_c, s, id) = stream(1);
    for _ in 0..21 {
        s.put_records((0..500).map(|_| PutRecord::new("k", "x"))).unwrap();
    }
    let it = s.shard_iterator(&id, StartingPosition::TrimHorizon).unwrap();
    let out = s.get_records(&it, None).unwrap();
    assert_eq!(out.records().len(), 10_000);
    assert_eq!(s.get_records(out.next_iterator().unwrap(), None).unwrap().records().len(), 500);
}

#[test]
fn at_timestamp_in_the_future_skips_records_arriving_before_it() {
    let (cloud, s, id) = stream(1);
    let t = cloud.now() + Duration::from_secs(10);
    let it = s.shard_iterator(&id, StartingPosition::AtTimestamp(t)).unwrap();
    // Given records put after the iterator was issued but before `t`…
    put(&s, "early-1");
    cloud.advance(Duration::from_secs(5));
    put(&s, "early-2");
    let out = s.get_records(&it, 10).unwrap();
    assert!(out.records().is_empty(), "nothing has arrived at or after t yet");
    cloud.advance(Duration::from_secs(5));
    put(&s, "on-time");
    // …then only records arriving at or after `t` are read, by the first iterator and
    // by the one handed back from the empty read alike.
    assert_eq!(data(&s, &it), ["on-time"]);
    assert_eq!(data(&s, out.next_iterator().unwrap()), ["on-time"]);
}

#[test]
fn at_timestamp_works_on_a_closed_shard() {
    let (cloud, s, id) = stream(1);
    put(&s, "t0");
    cloud.advance(Duration::from_secs(10));
    let t10 = cloud.now();
    put(&s, "t10");
    s.split_shard(&id, 1 << 127).unwrap();
    let it = s.shard_iterator(&id, StartingPosition::AtTimestamp(t10)).unwrap();
    let out = s.get_records(&it, 10).unwrap();
    let got: Vec<&[u8]> = out.records().iter().map(|r| r.data().as_ref()).collect();
    assert_eq!(got, [b"t10".as_ref()]);
    assert!(out.next_iterator().is_none(), "read to the end of the closed shard");
    assert_eq!(out.child_shards().len(), 2);
    // A time after every record of the closed shard reads nothing and ends it.
    let later = s.shard_iterator(&id, StartingPosition::AtTimestamp(t10 + Duration::from_secs(1))).unwrap();
    let out = s.get_records(&later, 10).unwrap();
    assert!(out.records().is_empty() && out.next_iterator().is_none());
}
