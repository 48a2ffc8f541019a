//! Update rules: SET / REMOVE / ADD / DELETE, counters, return values, validation.

use localcloud::table::{AttributeValue, Condition, Key, ReturnValues, TableConfig, Update};
use localcloud::{item, Cloud, Item, Table};

fn table() -> (Cloud, Table) {
    let c = Cloud::builder().manual_clock().seed(1).build();
    let t = c.create_table("images", TableConfig::new(Key::string("id"))).unwrap();
    (c, t)
}

fn key() -> Item {
    item! {"id" => "a"}
}

fn get(t: &Table) -> Item {
    t.get_item(&key()).unwrap().unwrap()
}

#[test]
fn update_of_a_missing_item_creates_it_from_the_key() {
    let (_c, t) = table();
    t.update_item(&key(), Update::set("size", 1), None).unwrap();
    assert_eq!(get(&t), item! {"id" => "a", "size" => 1});
}

#[test]
fn set_replaces_and_remove_drops_attributes() {
    let (_c, t) = table();
    t.put_item(item! {"id" => "a", "size" => 1, "draft" => true}, None).unwrap();
    t.update_item(&key(), Update::set("size", 2).and_remove("draft").and_remove("absent"), None).unwrap();
    assert_eq!(get(&t), item! {"id" => "a", "size" => 2});
}

#[test]
fn add_to_a_missing_number_starts_from_zero_and_counts_atomically() {
    let (_c, t) = table();
    for _ in 0..3 {
        t.update_item(&key(), Update::add("views", 1), None).unwrap();
    }
    t.update_item(&key(), Update::add("views", -5), None).unwrap();
    assert_eq!(get(&t)["views"], AttributeValue::from(-2));
}

#[test]
fn add_merges_sets_and_delete_takes_elements_out() {
    let (_c, t) = table();
    t.update_item(&key(), Update::add("tags", AttributeValue::string_set(["a", "b"])), None).unwrap();
    t.update_item(&key(), Update::add("tags", AttributeValue::string_set(["c"])), None).unwrap();
    assert_eq!(get(&t)["tags"], AttributeValue::string_set(["a", "b", "c"]));
    t.update_item(&key(), Update::delete("tags", AttributeValue::string_set(["a", "z"])), None).unwrap();
    assert_eq!(get(&t)["tags"], AttributeValue::string_set(["b", "c"]));
}

#[test]
fn delete_that_empties_a_set_removes_the_attribute() {
    let (_c, t) = table();
    t.put_item(item! {"id" => "a", "ns" => AttributeValue::number_set([1])}, None).unwrap();
    t.update_item(&key(), Update::delete("ns", AttributeValue::number_set([1])), None).unwrap();
    assert_eq!(get(&t), key());
}

#[test]
fn add_to_an_attribute_of_another_type_is_a_validation_error_and_changes_nothing() {
    let (_c, t) = table();
    t.put_item(item! {"id" => "a", "name" => "x"}, None).unwrap();
    let err = t.update_item(&key(), Update::add("name", 1), None).unwrap_err();
    assert_eq!(err.code(), "ValidationException");
    assert_eq!(get(&t), item! {"id" => "a", "name" => "x"});
}

#[test]
fn add_and_delete_take_only_numbers_and_sets() {
    let (_c, t) = table();
    assert_eq!(t.update_item(&key(), Update::add("s", "x"), None).unwrap_err().code(), "ValidationException");
    assert_eq!(t.update_item(&key(), Update::delete("s", 1.into()), None).unwrap_err().code(), "ValidationException");
    assert_eq!(t.item_count(), 0);
}

#[test]
fn increment_needs_an_existing_number() {
    let (_c, t) = table();
    assert_eq!(
        t.update_item(&key(), Update::set("n", 0).increment("m", 1), None).unwrap_err().code(),
        "ValidationException"
    );
    t.put_item(item! {"id" => "a", "n" => 10}, None).unwrap();
    t.update_item(&key(), Update::remove("x").increment("n", 5), None).unwrap();
    t.update_item(&key(), Update::remove("x").decrement("n", 3), None).unwrap();
    assert_eq!(get(&t)["n"], AttributeValue::from(12));
}

#[test]
fn set_if_not_exists_keeps_an_existing_value() {
    let (_c, t) = table();
    t.update_item(&key(), Update::remove("x").set_if_not_exists("created", 1), None).unwrap();
    t.update_item(&key(), Update::remove("x").set_if_not_exists("created", 2), None).unwrap();
    assert_eq!(get(&t)["created"], AttributeValue::from(1));
}

#[test]
fn list_append_extends_a_list() {
    let (_c, t) = table();
    t.update_item(&key(), Update::set("l", AttributeValue::L(vec![1.into()])), None).unwrap();
    t.update_item(&key(), Update::remove("x").list_append("l", vec![2.into()]), None).unwrap();
    assert_eq!(get(&t)["l"], AttributeValue::L(vec![1.into(), 2.into()]));
}

#[test]
fn list_append_to_a_missing_list_is_refused_unless_asked_to_start_it() {
    let (_c, t) = table();
    t.update_item(&key(), Update::set("n", 1), None).unwrap();
    let before = get(&t);
    // As on DynamoDB: list_append reads the list, and a missing one is an error.
    let err = t.update_item(&key(), Update::remove("x").list_append("l", vec![1.into()]), None).unwrap_err();
    assert_eq!(err.code(), "ValidationException");
    assert_eq!(get(&t), before);
    // list_append(if_not_exists(l, []), …) starts it.
    t.update_item(&key(), Update::remove("x").list_append_or_new("l", vec![1.into()]), None).unwrap();
    t.update_item(&key(), Update::remove("x").list_append_or_new("l", vec![2.into()]), None).unwrap();
    assert_eq!(get(&t)["l"], AttributeValue::L(vec![1.into(), 2.into()]));
}

#[test]
fn an_increment_of_a_missing_attribute_is_refused_while_add_counts_from_zero() {
    let (_c, t) = table();
    let err = t.update_item(&key(), Update::remove("x").increment("views", 1), None).unwrap_err();
    assert_eq!(err.code(), "ValidationException");
    assert!(t.get_item(&key()).unwrap().is_none(), "nothing was written");
    t.update_item(&key(), Update::add("views", 1), None).unwrap();
    assert_eq!(get(&t)["views"], AttributeValue::from(1));
}

#[test]
fn key_attributes_cannot_be_updated() {
    let (_c, t) = table();
    assert_eq!(t.update_item(&key(), Update::set("id", "b"), None).unwrap_err().code(), "ValidationException");
}

#[test]
fn two_actions_on_one_path_are_rejected() {
    let (_c, t) = table();
    let err = t.update_item(&key(), Update::set("a", 1).and_add("a", 1), None).unwrap_err();
    assert_eq!(err.code(), "ValidationException");
}

#[test]
fn number_overflow_is_a_validation_error() {
    let (_c, t) = table();
    t.put_item(item! {"id" => "a", "n" => AttributeValue::number(&"9".repeat(38)).unwrap()}, None).unwrap();
    // 10^38 needs one significant digit: fine; 38 nines + 0.1 needs 39: rejected
    let tenth = AttributeValue::number("0.1").unwrap();
    assert_eq!(t.update_item(&key(), Update::add("n", tenth), None).unwrap_err().code(), "ValidationException");
    t.update_item(&key(), Update::add("n", 1), None).unwrap();
    assert_eq!(get(&t)["n"], AttributeValue::number("1e38").unwrap());
}

#[test]
fn update_condition_failure_changes_nothing() {
    let (_c, t) = table();
    t.put_item(item! {"id" => "a", "v" => 1}, None).unwrap();
    let err = t.update_item(&key(), Update::set("v", 2), Condition::eq("v", 5)).unwrap_err();
    assert_eq!(err.code(), "ConditionalCheckFailedException");
    assert_eq!(get(&t)["v"], AttributeValue::from(1));
    t.update_item(&key(), Update::set("v", 2), Condition::eq("v", 1)).unwrap();
    assert_eq!(get(&t)["v"], AttributeValue::from(2));
}

#[test]
fn return_values_give_old_new_or_updated_attributes() {
    let (_c, t) = table();
    t.put_item(item! {"id" => "a", "v" => 1, "other" => "x"}, None).unwrap();
    let up = |rv| Update::add("v", 1).return_values(rv);
    assert_eq!(t.update_item(&key(), up(ReturnValues::None), None).unwrap(), None);
    assert_eq!(
        t.update_item(&key(), up(ReturnValues::AllOld), None).unwrap(),
        Some(item! {"id" => "a", "v" => 2, "other" => "x"})
    );
    assert_eq!(
        t.update_item(&key(), up(ReturnValues::AllNew), None).unwrap(),
        Some(item! {"id" => "a", "v" => 4, "other" => "x"})
    );
    assert_eq!(t.update_item(&key(), up(ReturnValues::UpdatedOld), None).unwrap(), Some(item! {"v" => 4}));
    assert_eq!(t.update_item(&key(), up(ReturnValues::UpdatedNew), None).unwrap(), Some(item! {"v" => 6}));
}

#[test]
fn updated_old_of_a_new_item_is_nothing() {
    let (_c, t) = table();
    let out = t.update_item(&key(), Update::set("v", 1).return_values(ReturnValues::UpdatedOld), None).unwrap();
    assert_eq!(out, None);
}

#[test]
fn an_update_past_400_kb_is_rejected() {
    let (_c, t) = table();
    t.put_item(item! {"id" => "a", "s" => "x".repeat(300 * 1024)}, None).unwrap();
    let err = t.update_item(&key(), Update::set("t", "y".repeat(200 * 1024)), None).unwrap_err();
    assert_eq!(err.code(), "ValidationException");
    assert!(!get(&t).contains_key("t"));
}

#[test]
fn an_update_that_only_removes_does_not_create_a_missing_item() {
    let c = Cloud::builder().manual_clock().seed(1).build();
    let cfg = TableConfig::new(Key::string("id")).stream(localcloud::table::StreamViewType::NewAndOldImages);
    let t = c.create_table("images", cfg).unwrap();
    let tags = AttributeValue::string_set(["x"]);
    // As on DynamoDB: REMOVE and DELETE alone write nothing for a missing item.
    let only_removes = Update::remove("draft").and_delete("tags", tags.clone()).return_values(ReturnValues::AllNew);
    assert_eq!(t.update_item(&key(), only_removes, None).unwrap(), None, "no new item to return");
    let tx = localcloud::table::TransactWrite::update(&t, key(), Update::remove("draft"));
    c.transact_write_items(vec![tx]).unwrap();
    assert!(t.get_item(&key()).unwrap().is_none());
    assert!(t.stream().unwrap().read_all().unwrap().is_empty(), "no change record");
    // Anything that sets a value still creates it.
    t.update_item(&key(), Update::remove("draft").and_add("views", 1), None).unwrap();
    assert_eq!(get(&t)["views"], AttributeValue::from(1));
}
