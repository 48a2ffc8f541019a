//! TTL: a background sweep on the clock deletes expired items, as the service.

use std::time::Duration;

use localcloud::table::{AttributeValue, EventName, Key, StreamViewType, TableConfig, Update};
use localcloud::{item, Cloud, Table};

fn setup() -> (Cloud, Table) {
    let c = Cloud::builder().manual_clock().seed(1).build();
    let t = c
        .create_table(
            "sessions",
            TableConfig::new(Key::string("id")).stream(StreamViewType::NewAndOldImages).ttl_attribute("expires"),
        )
        .unwrap();
    (c, t)
}

fn now_secs(c: &Cloud) -> u64 {
    c.now().as_millis() / 1000
}

#[test]
fn an_expired_item_is_deleted_by_the_next_sweep_only() {
    let (c, t) = setup();
    t.put_item(item! {"id" => "a", "expires" => now_secs(&c) + 90}, None).unwrap();
    c.advance(Duration::from_secs(60));
    assert_eq!(t.item_count(), 1, "not expired yet");
    c.advance(Duration::from_secs(30));
    assert_eq!(t.item_count(), 1, "expired, but the sweep has not run: still readable, as on AWS");
    c.advance(Duration::from_secs(30));
    assert_eq!(t.item_count(), 0);
    assert_eq!(c.metrics().value("AWS/DynamoDB", "sessions", "TimeToLiveDeletedItemCount"), Some(1.0));
}

#[test]
fn the_ttl_removal_record_names_the_service() {
    let (c, t) = setup();
    t.put_item(item! {"id" => "a", "expires" => now_secs(&c)}, None).unwrap();
    t.put_item(item! {"id" => "b"}, None).unwrap();
    t.delete_item(&item! {"id" => "b"}, None).unwrap();
    c.advance(Duration::from_secs(60));
    let r = t.stream().unwrap().read_all().unwrap();
    let ttl = r.iter().find(|x| x.keys()["id"] == "a".into() && x.event_name() == EventName::Remove).unwrap();
    let j = ttl.to_json();
    assert_eq!(j["userIdentity"], serde_json::json!({"type": "Service", "principalId": "dynamodb.amazonaws.com"}));
    assert_eq!(ttl.user_identity().unwrap().principal_id(), "dynamodb.amazonaws.com");
    let user_delete = r.iter().find(|x| x.keys()["id"] == "b".into() && x.event_name() == EventName::Remove).unwrap();
    assert!(user_delete.user_identity().is_none());
}

#[test]
fn items_without_a_numeric_ttl_never_expire() {
    let (c, t) = setup();
    t.put_item(item! {"id" => "a"}, None).unwrap();
    t.put_item(item! {"id" => "b", "expires" => "yesterday"}, None).unwrap();
    c.advance(Duration::from_secs(3600));
    assert_eq!(t.item_count(), 2);
}

#[test]
fn changing_the_ttl_moves_the_expiry() {
    let (c, t) = setup();
    let now = now_secs(&c);
    t.put_item(item! {"id" => "a", "expires" => now + 30}, None).unwrap();
    t.update_item(&item! {"id" => "a"}, Update::set("expires", now + 3600), None).unwrap();
    c.advance(Duration::from_secs(120));
    assert_eq!(t.item_count(), 1);
    t.update_item(&item! {"id" => "a"}, Update::remove("expires"), None).unwrap();
    c.advance(Duration::from_secs(7200));
    assert_eq!(t.item_count(), 1);
    t.update_item(&item! {"id" => "a"}, Update::set("expires", AttributeValue::number("1.5").unwrap()), None).unwrap();
    c.advance(Duration::from_secs(60));
    assert_eq!(t.item_count(), 0);
}

#[test]
fn the_sweep_stops_with_the_table() {
    let (c, t) = setup();
    t.put_item(item! {"id" => "a", "expires" => 0}, None).unwrap();
    c.delete_table("sessions").unwrap();
    c.advance(Duration::from_secs(600));
    assert_eq!(c.next_task_due(), None);
    assert_eq!(t.sweep_expired(), 0);
}

#[test]
fn the_sweep_interval_is_configurable() {
    let c = Cloud::builder().manual_clock().seed(1).build();
    let t = c
        .create_table(
            "short",
            TableConfig::new(Key::string("id")).ttl_attribute("exp").ttl_sweep_interval(Duration::from_secs(5)),
        )
        .unwrap();
    t.put_item(item! {"id" => "a", "exp" => now_secs(&c)}, None).unwrap();
    c.advance(Duration::from_secs(5));
    assert_eq!(t.item_count(), 0);
}
