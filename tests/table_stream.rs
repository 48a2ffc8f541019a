//! Change streams, one test per SPEC §5 row: view types, event names, no record for
//! a write that changes nothing, order, the record shape, retention, iterators,
//! limits and shard lineage.

use std::time::Duration;

use localcloud::table::{
    ChangePosition, ChangeRecord, ChangeStream, Condition, EventName, Key, StreamViewType, TableConfig, Update,
};
use localcloud::{item, Cloud, Table};

fn cloud() -> Cloud {
    Cloud::builder().manual_clock().seed(1).build()
}

fn table(c: &Cloud, view: StreamViewType) -> Table {
    c.create_table("images", TableConfig::new(Key::string("id")).stream(view)).unwrap()
}

fn names(records: &[ChangeRecord]) -> Vec<EventName> {
    records.iter().map(|r| r.event_name()).collect()
}

fn first_shard_iter(s: &ChangeStream, pos: ChangePosition) -> localcloud::table::ChangeIterator {
    let shard = s.shards().unwrap().remove(0);
    s.shard_iterator(shard.shard_id(), pos).unwrap()
}

#[test]
fn view_types_choose_the_images_and_keys_are_always_present() {
    use StreamViewType::*;
    for (view, new, old) in
        [(KeysOnly, false, false), (NewImage, true, false), (OldImage, false, true), (NewAndOldImages, true, true)]
    {
        let c = cloud();
        let t = table(&c, view);
        t.put_item(item! {"id" => "a", "v" => 1}, None).unwrap();
        t.put_item(item! {"id" => "a", "v" => 2}, None).unwrap();
        let r = t.stream().unwrap().read_all().unwrap();
        let modify = &r[1];
        assert_eq!(modify.keys(), &item! {"id" => "a"});
        assert_eq!(modify.new_image().is_some(), new, "{view}");
        assert_eq!(modify.old_image().is_some(), old, "{view}");
        assert_eq!(modify.stream_view_type(), view);
        if new {
            assert_eq!(modify.new_image().unwrap()["v"], 2.into());
        }
        if old {
            assert_eq!(modify.old_image().unwrap()["v"], 1.into());
        }
    }
}

#[test]
fn insert_modify_remove_follow_the_item() {
    let c = cloud();
    let t = table(&c, StreamViewType::NewAndOldImages);
    t.put_item(item! {"id" => "a"}, None).unwrap();
    t.update_item(&item! {"id" => "a"}, Update::set("v", 1), None).unwrap();
    t.delete_item(&item! {"id" => "a"}, None).unwrap();
    let r = t.stream().unwrap().read_all().unwrap();
    assert_eq!(names(&r), [EventName::Insert, EventName::Modify, EventName::Remove]);
    assert!(r[0].old_image().is_none());
    assert!(r[2].new_image().is_none());
    assert_eq!(r[2].old_image().unwrap()["v"], 1.into());
}

#[test]
fn an_update_that_creates_the_item_is_an_insert() {
    let c = cloud();
    let t = table(&c, StreamViewType::NewAndOldImages);
    t.update_item(&item! {"id" => "a"}, Update::add("n", 1), None).unwrap();
    let r = t.stream().unwrap().read_all().unwrap();
    assert_eq!(names(&r), [EventName::Insert]);
    assert_eq!(r[0].new_image().unwrap(), &item! {"id" => "a", "n" => 1});
}

#[test]
fn a_write_that_changes_nothing_writes_no_record() {
    let c = cloud();
    let t = table(&c, StreamViewType::NewAndOldImages);
    t.put_item(item! {"id" => "a", "v" => 1}, None).unwrap();
    t.put_item(item! {"id" => "a", "v" => 1}, None).unwrap();
    t.update_item(&item! {"id" => "a"}, Update::set("v", 1), None).unwrap();
    t.update_item(&item! {"id" => "a"}, Update::remove("absent"), None).unwrap();
    assert_eq!(names(&t.stream().unwrap().read_all().unwrap()), [EventName::Insert]);
}

#[test]
fn deleting_a_missing_item_or_a_failed_condition_writes_no_record() {
    let c = cloud();
    let t = table(&c, StreamViewType::KeysOnly);
    t.delete_item(&item! {"id" => "ghost"}, None).unwrap();
    t.put_item(item! {"id" => "a"}, Condition::attribute_exists("id")).unwrap_err();
    assert!(t.stream().unwrap().read_all().unwrap().is_empty());
}

#[test]
fn each_change_appears_once_in_order_per_item() {
    let c = cloud();
    let t = table(&c, StreamViewType::NewImage);
    for i in 0..50 {
        let id = if i % 2 == 0 { "a" } else { "b" };
        t.update_item(&item! {"id" => id}, Update::add("n", 1), None).unwrap();
    }
    let r = t.stream().unwrap().read_all().unwrap();
    assert_eq!(r.len(), 50);
    for id in ["a", "b"] {
        let counts: Vec<String> = r
            .iter()
            .filter(|x| x.keys()["id"] == id.into())
            .map(|x| x.new_image().unwrap()["n"].as_n().unwrap().to_string())
            .collect();
        let expected: Vec<String> = (1..=25).map(|n| n.to_string()).collect();
        assert_eq!(counts, expected);
    }
    assert!(r.windows(2).all(|w| w[0].sequence_number() < w[1].sequence_number()));
    let ids: std::collections::BTreeSet<&str> = r.iter().map(|x| x.event_id()).collect();
    assert_eq!(ids.len(), 50);
}

#[test]
fn the_record_has_the_dynamodb_streams_json_shape() {
    let c = cloud();
    let t = table(&c, StreamViewType::NewAndOldImages);
    t.put_item(item! {"id" => "a", "size" => 120}, None).unwrap();
    t.put_item(item! {"id" => "a", "size" => 130}, None).unwrap();
    let r = t.stream().unwrap().read_all().unwrap();
    let j = r[1].to_json();
    assert_eq!(j["eventName"], "MODIFY");
    assert_eq!(j["eventVersion"], "1.1");
    assert_eq!(j["eventSource"], "aws:dynamodb");
    assert_eq!(j["awsRegion"], "us-east-1");
    assert_eq!(j["eventID"].as_str().unwrap().len(), 32);
    let d = &j["dynamodb"];
    assert_eq!(d["ApproximateCreationDateTime"], c.now().as_millis() / 1000);
    assert_eq!(d["Keys"], serde_json::json!({"id": {"S": "a"}}));
    assert_eq!(d["NewImage"]["size"], serde_json::json!({"N": "130"}));
    assert_eq!(d["OldImage"]["size"], serde_json::json!({"N": "120"}));
    assert_eq!(d["SequenceNumber"], r[1].sequence_number().to_string());
    assert_eq!(d["SizeBytes"], r[1].size_bytes());
    assert_eq!(d["StreamViewType"], "NEW_AND_OLD_IMAGES");
    assert!(j["eventSourceARN"]
        .as_str()
        .unwrap()
        .starts_with("arn:aws:dynamodb:us-east-1:000000000000:table/images/stream/"));
    assert!(j.get("userIdentity").is_none());
}

#[test]
fn records_older_than_24_hours_are_trimmed() {
    let c = cloud();
    let t = table(&c, StreamViewType::KeysOnly);
    t.put_item(item! {"id" => "old"}, None).unwrap();
    let s = t.stream().unwrap();
    let it = first_shard_iter(&s, ChangePosition::TrimHorizon);
    let old_seq = s.read_all().unwrap()[0].sequence_number();
    c.advance(Duration::from_secs(10 * 60));
    t.put_item(item! {"id" => "new"}, None).unwrap();
    c.advance(Duration::from_secs(24 * 3600 - 10 * 60));
    // the old record is 24 h old now: gone; the new one remains
    let left = s.read_all().unwrap();
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].keys()["id"], "new".into());
    let shard = s.shards().unwrap().into_iter().find(|sh| sh.starting_sequence_number() <= old_seq).unwrap();
    let err = s.shard_iterator(shard.shard_id(), ChangePosition::AtSequenceNumber(old_seq)).unwrap_err();
    assert_eq!(err.code(), "TrimmedDataAccessException");
    assert_eq!(s.get_records(&it, 10).unwrap_err().code(), "ExpiredIteratorException");
}

#[test]
fn an_iterator_pointing_at_trimmed_data_fails_with_trimmed_data_access() {
    let c = Cloud::builder().manual_clock().seed(1).build();
    let t = c
        .create_table(
            "t24",
            TableConfig::new(Key::string("id"))
                .stream(StreamViewType::KeysOnly)
                .shard_rollover(Duration::from_secs(24 * 3600)),
        )
        .unwrap();
    t.put_item(item! {"id" => "a"}, None).unwrap();
    let s = t.stream().unwrap();
    c.advance(Duration::from_secs(23 * 3600 + 50 * 60));
    let it = first_shard_iter(&s, ChangePosition::TrimHorizon);
    c.advance(Duration::from_secs(11 * 60));
    assert_eq!(s.get_records(&it, 10).unwrap_err().code(), "TrimmedDataAccessException");
}

#[test]
fn iterators_expire_after_15_minutes() {
    let c = cloud();
    let t = table(&c, StreamViewType::KeysOnly);
    let s = t.stream().unwrap();
    let it = first_shard_iter(&s, ChangePosition::TrimHorizon);
    c.advance(Duration::from_secs(15 * 60));
    let next = s.get_records(&it, 10).unwrap().next_iterator().cloned().unwrap();
    c.advance(Duration::from_secs(1));
    assert_eq!(s.get_records(&it, 10).unwrap_err().code(), "ExpiredIteratorException");
    assert!(s.get_records(&next, 10).is_ok(), "each read returns a fresh iterator");
}

#[test]
fn latest_at_and_after_sequence_number_position_the_iterator() {
    let c = cloud();
    let t = table(&c, StreamViewType::KeysOnly);
    for id in ["a", "b", "c"] {
        t.put_item(item! {"id" => id}, None).unwrap();
    }
    let s = t.stream().unwrap();
    let all = s.read_all().unwrap();
    let ids = |recs: &[ChangeRecord]| -> Vec<String> {
        recs.iter().map(|r| r.keys()["id"].as_s().unwrap().to_owned()).collect()
    };
    let latest = first_shard_iter(&s, ChangePosition::Latest);
    t.put_item(item! {"id" => "d"}, None).unwrap();
    assert_eq!(ids(s.get_records(&latest, 10).unwrap().records()), ["d"]);
    let at = first_shard_iter(&s, ChangePosition::AtSequenceNumber(all[1].sequence_number()));
    assert_eq!(ids(s.get_records(&at, 10).unwrap().records()), ["b", "c", "d"]);
    let after = first_shard_iter(&s, ChangePosition::AfterSequenceNumber(all[1].sequence_number()));
    assert_eq!(ids(s.get_records(&after, 2).unwrap().records()), ["c", "d"]);
}

#[test]
fn get_records_takes_at_most_1000() {
    let c = cloud();
    let t = table(&c, StreamViewType::KeysOnly);
    let s = t.stream().unwrap();
    let it = first_shard_iter(&s, ChangePosition::TrimHorizon);
    assert_eq!(s.get_records(&it, 1001).unwrap_err().code(), "LimitExceededException");
    assert!(s.get_records(&it, 1000).is_ok());
}

#[test]
fn shards_roll_over_every_4_hours_with_their_parent_recorded() {
    let c = cloud();
    let t = table(&c, StreamViewType::KeysOnly);
    t.put_item(item! {"id" => "a"}, None).unwrap();
    let s = t.stream().unwrap();
    let first = s.shards().unwrap().remove(0);
    let it = s.shard_iterator(first.shard_id(), ChangePosition::TrimHorizon).unwrap();
    c.advance(Duration::from_secs(4 * 3600));
    t.put_item(item! {"id" => "b"}, None).unwrap();
    let shards = s.shards().unwrap();
    assert_eq!(shards.len(), 2);
    assert!(!shards[0].is_open());
    assert_eq!(shards[0].ending_sequence_number(), Some(first.starting_sequence_number()));
    assert!(shards[1].is_open());
    assert_eq!(shards[1].parent_shard_id(), Some(first.shard_id()));
    // the parent reads to its end, then the iterator ends
    let _ = it;
    let it = s.shard_iterator(first.shard_id(), ChangePosition::TrimHorizon).unwrap();
    let out = s.get_records(&it, 100).unwrap();
    assert_eq!(out.records().len(), 1);
    assert!(out.next_iterator().is_none());
    let child = s.shard_iterator(shards[1].shard_id(), ChangePosition::TrimHorizon).unwrap();
    assert_eq!(s.get_records(&child, 100).unwrap().records()[0].keys()["id"], "b".into());
}

#[test]
fn closed_shards_disappear_after_retention() {
    let c = cloud();
    let t = table(&c, StreamViewType::KeysOnly);
    let s = t.stream().unwrap();
    c.advance(Duration::from_secs(40 * 3600));
    let shards = s.shards().unwrap();
    assert!(shards.len() <= 7, "{}", shards.len());
    assert!(shards.last().unwrap().is_open());
}

#[test]
fn a_table_without_a_stream_has_no_stream() {
    let c = cloud();
    let t = c.create_table("plain", TableConfig::new(Key::string("id"))).unwrap();
    assert_eq!(t.stream().unwrap_err().code(), "ResourceNotFoundException");
}

#[test]
fn an_unknown_shard_is_resource_not_found() {
    let c = cloud();
    let a = table(&c, StreamViewType::KeysOnly);
    let b = c.create_table("other", TableConfig::new(Key::string("id")).stream(StreamViewType::KeysOnly)).unwrap();
    let a_shard = a.stream().unwrap().shards().unwrap().remove(0);
    let err = b.stream().unwrap().shard_iterator(a_shard.shard_id(), ChangePosition::Latest).unwrap_err();
    assert_eq!(err.code(), "ResourceNotFoundException");
    let it = a.stream().unwrap().shard_iterator(a_shard.shard_id(), ChangePosition::Latest).unwrap();
    assert_eq!(b.stream().unwrap().get_records(&it, 1).unwrap_err().code(), "ValidationException");
}

#[test]
fn the_same_seed_gives_the_same_records_byte_for_byte() {
    let run = || {
        let c = cloud();
        let t = table(&c, StreamViewType::NewAndOldImages);
        t.put_item(item! {"id" => "a", "v" => 1}, None).unwrap();
        t.update_item(&item! {"id" => "a"}, Update::add("v", 1), None).unwrap();
        let s = t.stream().unwrap();
        let shards: Vec<String> = s.shards().unwrap().iter().map(|x| x.shard_id().to_string()).collect();
        let recs: Vec<String> = s.read_all().unwrap().iter().map(|r| r.to_json().to_string()).collect();
        (shards, recs)
    };
    assert_eq!(run(), run());
}

#[test]
fn change_iterators_are_the_same_text_in_every_cloud_with_the_same_seed() {
    // Another cloud making tables first must not shift this cloud's iterator text.
    let other = cloud();
    table(&other, StreamViewType::KeysOnly);
    let texts: Vec<String> = (0..2)
        .map(|_| {
            let c = cloud();
            let t = table(&c, StreamViewType::KeysOnly);
            first_shard_iter(&t.stream().unwrap(), ChangePosition::TrimHorizon).to_string()
        })
        .collect();
    assert_eq!(texts[0], texts[1]);
}
