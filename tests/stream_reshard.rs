//! Resharding: split, merge, uniform scaling, lineage and routing after a change.

use std::time::Duration;

use localcloud::stream::MAX_OPEN_SHARDS;
use localcloud::stream::{Shard, ShardId};
use localcloud::{Cloud, PutRecord, StartingPosition, Stream, StreamConfig};

fn stream(shards: usize) -> (Cloud, Stream) {
    let cloud = Cloud::builder().manual_clock().build();
    let s = cloud.create_stream("s", StreamConfig::with_shards(shards)).unwrap();
    (cloud, s)
}

fn id(n: u32) -> ShardId {
    format!("shardId-{n:012}").parse().unwrap()
}

fn open(s: &Stream) -> Vec<Shard> {
    let mut open: Vec<Shard> = s.shards().into_iter().filter(Shard::is_open).collect();
    open.sort_by_key(|sh| *sh.hash_key_range().start());
    open
}

fn assert_tiles(shards: &[Shard]) {
    let mut ranges: Vec<_> = shards.iter().map(|s| s.hash_key_range()).collect();
    ranges.sort_by_key(|r| *r.start());
    assert_eq!(*ranges[0].start(), 0);
    assert_eq!(*ranges.last().unwrap().end(), u128::MAX);
    for w in ranges.windows(2) {
        assert_eq!(*w[0].end() + 1, *w[1].start());
    }
}

#[test]
fn split_closes_the_parent_and_opens_two_children() {
    let (_c, s) = stream(1);
    s.put_record(PutRecord::new("k", "before")).unwrap();
    s.split_shard(&id(0), 1 << 127).unwrap();
    let shards = s.shards();
    assert_eq!(shards.len(), 3);
    assert!(!shards[0].is_open());
    let ending = shards[0].sequence_number_range().ending_sequence_number().unwrap();
    assert_eq!(shards[1].hash_key_range(), 0..=(1 << 127) - 1);
    assert_eq!(shards[2].hash_key_range(), (1 << 127)..=u128::MAX);
    for child in &shards[1..] {
        assert_eq!(child.parent_shard_id(), Some(&id(0)));
        assert!(child.adjacent_parent_shard_id().is_none());
        assert!(child.sequence_number_range().starting_sequence_number() > ending);
    }
}

#[test]
fn split_key_must_lie_above_start_plus_one_and_at_most_the_end() {
    let (_c, s) = stream(2);
    let range = s.shards()[1].hash_key_range();
    let (start, end) = (*range.start(), *range.end());
    for bad in [start, start + 1, 0] {
        assert_eq!(s.split_shard(&id(1), bad).unwrap_err().code(), "InvalidArgumentException", "{bad}");
    }
    assert!(s.split_shard(&id(1), start + 2).is_ok());
    let (_c, s) = stream(2);
    assert!(s.split_shard(&id(1), end).is_ok());
    assert_eq!(s.shards()[3].hash_key_range(), end..=end);
}

#[test]
fn splitting_a_shard_already_split_is_an_invalid_argument() {
    let (_c, s) = stream(1);
    s.split_shard(&id(0), 1 << 127).unwrap();
    let before = s.shards();
    let err = s.split_shard(&id(0), 1 << 100).unwrap_err();
    assert_eq!(err.code(), "InvalidArgumentException");
    assert!(err.to_string().contains("already split or merged"), "{err}");
    assert_eq!(s.shards(), before, "the rejected split changes nothing");
    assert_eq!(s.split_shard(&id(42), 1 << 100).unwrap_err().code(), "ResourceNotFoundException");
}

#[test]
fn resharding_a_shard_already_merged_is_an_invalid_argument() {
    // Given shards 0 and 1 merged into 3, and shard 2 still open…
    let (_c, s) = stream(3);
    s.merge_shards(&id(0), &id(1)).unwrap();
    let before = s.shards();
    // …when a merged parent is split or merged again (in either role)…
    let errors = [
        s.split_shard(&id(0), 1 << 100).unwrap_err(),
        s.merge_shards(&id(1), &id(2)).unwrap_err(),
        s.merge_shards(&id(2), &id(1)).unwrap_err(),
    ];
    // …then each is an InvalidArgumentException that says why, and nothing changed.
    for err in errors {
        assert_eq!(err.code(), "InvalidArgumentException");
        assert!(err.to_string().contains("already split or merged"), "{err}");
    }
    assert_eq!(s.shards(), before);
    s.merge_shards(&id(3), &id(2)).unwrap();
}

#[test]
fn new_records_go_to_the_children_after_a_split() {
    let (_c, s) = stream(1);
    s.split_shard(&id(0), 1 << 127).unwrap();
    for i in 0..200 {
        let out = s.put_record(PutRecord::new(format!("k{i}").as_str(), "x")).unwrap();
        assert_ne!(out.shard_id(), &id(0));
    }
}

#[test]
fn merge_accepts_adjacent_shards_in_either_order() {
    for (a, b) in [(0, 1), (1, 0)] {
        let (_c, s) = stream(3);
        s.merge_shards(&id(a), &id(b)).unwrap();
        let child = s.shards().pop().unwrap();
        assert_eq!(child.shard_id(), &id(3));
        assert_eq!(*child.hash_key_range().start(), 0);
        assert_eq!(*child.hash_key_range().end(), *s.shards()[1].hash_key_range().end());
        assert_eq!(child.parent_shard_id(), Some(&id(a)));
        assert_eq!(child.adjacent_parent_shard_id(), Some(&id(b)));
        assert_tiles(&open(&s));
    }
}

#[test]
fn merge_rejects_shards_that_do_not_touch_are_closed_or_are_the_same() {
    let (_c, s) = stream(3);
    assert_eq!(s.merge_shards(&id(0), &id(2)).unwrap_err().code(), "InvalidArgumentException");
    assert_eq!(s.merge_shards(&id(1), &id(1)).unwrap_err().code(), "InvalidArgumentException");
    assert_eq!(s.merge_shards(&id(1), &id(9)).unwrap_err().code(), "ResourceNotFoundException");
    s.merge_shards(&id(0), &id(1)).unwrap();
    assert_eq!(s.merge_shards(&id(1), &id(2)).unwrap_err().code(), "InvalidArgumentException");
    assert_eq!(s.shards().len(), 4, "rejected calls change nothing");
}

#[test]
fn new_records_go_to_the_merged_child() {
    let (_c, s) = stream(2);
    s.merge_shards(&id(0), &id(1)).unwrap();
    for i in 0..100 {
        assert_eq!(s.put_record(PutRecord::new(format!("k{i}").as_str(), "x")).unwrap().shard_id(), &id(2));
    }
}

#[test]
fn closed_parents_stay_readable_until_their_records_expire() {
    let (cloud, s) = stream(1);
    s.put_record(PutRecord::new("k", "in parent")).unwrap();
    s.split_shard(&id(0), 1 << 127).unwrap();
    cloud.advance(Duration::from_secs(23 * 3600));
    let it = s.shard_iterator(&id(0), StartingPosition::TrimHorizon).unwrap();
    assert_eq!(s.get_records(&it, 10).unwrap().records().len(), 1);
    cloud.advance(Duration::from_secs(3600));
    assert_eq!(s.shards().len(), 2, "the expired parent is no longer listed");
    let err = s.shard_iterator(&id(0), StartingPosition::TrimHorizon).unwrap_err();
    assert_eq!(err.code(), "ResourceNotFoundException");
}

#[test]
fn update_shard_count_leaves_equal_width_open_shards_with_lineage() {
    for (from, to) in [(1, 2), (4, 8), (4, 2), (3, 5), (5, 3), (4, 4), (6, 11), (7, 7), (10, 13)] {
        let (_c, s) = stream(from);
        s.update_shard_count(to).unwrap();
        let open = open(&s);
        assert_eq!(open.len(), to, "{from} -> {to}");
        assert_tiles(&open);
        let widths: Vec<u128> = open.iter().map(|sh| sh.hash_key_range().end() - sh.hash_key_range().start()).collect();
        let (min, max) = (widths.iter().min().unwrap(), widths.iter().max().unwrap());
        assert!(max - min <= 1, "{from} -> {to}: {widths:?}");
        let all = s.shards();
        for sh in all.iter().filter(|sh| sh.shard_id().index() >= from as u32) {
            let parent = sh.parent_shard_id().expect("every new shard records its parent");
            assert!(!all[parent.index() as usize].is_open());
        }
    }
}

#[test]
fn update_shard_count_must_stay_within_half_and_double() {
    let (_c, s) = stream(4);
    for bad in [0, 1, 9] {
        assert_eq!(s.update_shard_count(bad).unwrap_err().code(), "InvalidArgumentException", "{bad}");
    }
    assert_eq!(open(&s).len(), 4);
    s.update_shard_count(2).unwrap();
    s.update_shard_count(4).unwrap();
}

#[test]
fn update_shard_count_allows_10_per_rolling_24_hours() {
    let (cloud, s) = stream(2);
    for i in 0..10 {
        s.update_shard_count(if i % 2 == 0 { 3 } else { 2 }).unwrap();
        cloud.advance(Duration::from_secs(3600));
    }
    assert_eq!(s.update_shard_count(3).unwrap_err().code(), "LimitExceededException");
    cloud.advance(Duration::from_secs(14 * 3600)); // the first call leaves the window
    s.update_shard_count(3).unwrap();
}

#[test]
fn records_are_readable_in_order_across_parents_and_children() {
    let (_c, s) = stream(1);
    let mut put = Vec::new();
    for i in 0..10 {
        put.push(*s.put_record(PutRecord::new(format!("k{i}").as_str(), "p")).unwrap().sequence_number());
    }
    s.split_shard(&id(0), 1 << 127).unwrap();
    for i in 0..10 {
        put.push(*s.put_record(PutRecord::new(format!("k{i}").as_str(), "c")).unwrap().sequence_number());
    }
    let mut read = Vec::new();
    let mut queue = vec![id(0)];
    while let Some(shard) = queue.pop() {
        let mut it = Some(s.shard_iterator(&shard, StartingPosition::TrimHorizon).unwrap());
        while let Some(i) = it {
            let out = s.get_records(&i, 3).unwrap();
            read.extend(out.records().iter().map(|r| *r.sequence_number()));
            queue.extend(out.child_shards().iter().map(|c| *c.shard_id()));
            if out.records().is_empty() && out.next_iterator().is_some() {
                break;
            }
            it = out.next_iterator().cloned();
        }
    }
    let parent_max = put[..10].iter().max().unwrap();
    assert!(put[10..].iter().all(|seq| seq > parent_max));
    read.sort();
    put.sort();
    assert_eq!(read, put);
}

#[test]
fn growing_retention_does_not_bring_an_expired_parent_back() {
    let (cloud, s) = stream(1);
    s.put_record(PutRecord::new("k", "in parent")).unwrap();
    s.split_shard(&id(0), 1 << 127).unwrap();
    cloud.advance(Duration::from_secs(25 * 3600));
    s.increase_retention(Duration::from_secs(72 * 3600)).unwrap();
    let listed: Vec<ShardId> = s.shards().iter().map(|sh| *sh.shard_id()).collect();
    assert_eq!(listed, [id(1), id(2)], "the expired parent stays gone");
    let err = s.shard_iterator(&id(0), StartingPosition::TrimHorizon).unwrap_err();
    assert_eq!(err.code(), "ResourceNotFoundException");
    assert_eq!(s.shard(&id(0)).unwrap_err().code(), "ResourceNotFoundException");
}

#[test]
fn resharding_past_the_open_shard_limit_is_limit_exceeded() {
    let cloud = Cloud::builder().manual_clock().build();
    let s = cloud.create_stream("full", StreamConfig::with_shards(MAX_OPEN_SHARDS)).unwrap();
    let range = s.shards()[0].hash_key_range();
    let err = s.split_shard(&id(0), range.start() + (range.end() - range.start()) / 2).unwrap_err();
    assert_eq!(err.code(), "LimitExceededException");
    assert_eq!(s.shards().len(), MAX_OPEN_SHARDS, "a rejected split changes nothing");
    let half = MAX_OPEN_SHARDS / 2 + 1;
    let s = cloud.create_stream("half", StreamConfig::with_shards(half)).unwrap();
    assert_eq!(s.update_shard_count(2 * half).unwrap_err().code(), "LimitExceededException");
    assert_eq!(s.shards().len(), half);
}

#[test]
fn a_merged_childs_sequence_numbers_are_above_both_parents() {
    let (_c, s) = stream(2);
    let left = *s.put_record(PutRecord::new("k", "left").explicit_hash_key(0)).unwrap().sequence_number();
    let right = *s.put_record(PutRecord::new("k", "right").explicit_hash_key(u128::MAX)).unwrap().sequence_number();
    s.merge_shards(&id(1), &id(0)).unwrap();
    let child = s.put_record(PutRecord::new("k", "child").explicit_hash_key(0)).unwrap();
    assert_eq!(child.shard_id(), &id(2));
    let shards = s.shards();
    let starting = shards[2].sequence_number_range().starting_sequence_number();
    for parent in &shards[..2] {
        let ending = parent.sequence_number_range().ending_sequence_number().expect("parents are closed");
        assert!(starting > ending, "child starts above {}", parent.shard_id());
    }
    assert!(*child.sequence_number() > left.max(right));
}

#[test]
fn a_closed_shard_leaves_the_shard_list_once_all_its_data_has_expired() {
    // Given a record put just as its shard closes…
    let (cloud, s) = stream(1);
    s.put_record(PutRecord::new("k", "last")).unwrap();
    s.split_shard(&id(0), 1 << 127).unwrap();
    // …the closed shard is listed while that record is readable…
    cloud.advance(Duration::from_secs(24 * 3600) - Duration::from_millis(1));
    let it = s.shard_iterator(&id(0), StartingPosition::TrimHorizon).unwrap();
    assert_eq!(s.get_records(&it, 10).unwrap().records().len(), 1);
    assert_eq!(s.shards().len(), 3);
    // …and not once it has expired; its children still name it as parent.
    cloud.advance(Duration::from_millis(1));
    let listed: Vec<ShardId> = s.shards().iter().map(|sh| *sh.shard_id()).collect();
    assert_eq!(listed, [id(1), id(2)]);
    assert!(s.shards().iter().all(|sh| sh.parent_shard_id() == Some(&id(0))));
    assert_eq!(s.shard(&id(0)).unwrap_err().code(), "ResourceNotFoundException");
    assert_eq!(open(&s).len(), 2, "open shards are untouched");
}

#[test]
fn a_shorter_retention_drops_a_closed_shard_whose_data_it_expires() {
    let cloud = Cloud::builder().manual_clock().build();
    let s = cloud.create_stream("s", StreamConfig::with_shards(1).retention(Duration::from_secs(48 * 3600))).unwrap();
    s.put_record(PutRecord::new("k", "old")).unwrap();
    s.split_shard(&id(0), 1 << 127).unwrap();
    cloud.advance(Duration::from_secs(30 * 3600));
    assert_eq!(s.shards().len(), 3, "within 48 h the closed parent is listed");
    s.decrease_retention(Duration::from_secs(24 * 3600)).unwrap();
    assert_eq!(s.shards().len(), 2, "past the new 24 h its data has expired: no longer listed");
}
