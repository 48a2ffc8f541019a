//! Condition rules: each builder, on an existing and a missing item; a failed
//! condition changes nothing.

use localcloud::table::{AttributeValue, Condition, Key, Operand, TableConfig};
use localcloud::{item, Cloud, Item, Table};

fn table() -> (Cloud, Table) {
    let c = Cloud::builder().manual_clock().seed(1).build();
    let t = c.create_table("images", TableConfig::new(Key::string("id"))).unwrap();
    t.put_item(
        item! {"id" => "a", "size" => 120, "kind" => "img/png", "tags" => AttributeValue::string_set(["x", "y"]),
        "list" => vec![AttributeValue::from(1)], "max" => 200},
        None,
    )
    .unwrap();
    (c, t)
}

fn key() -> Item {
    item! {"id" => "a"}
}

/// Whether a delete of "a" under `cond` passes (it is put back afterwards).
fn holds(t: &Table, cond: Condition) -> bool {
    let before = t.get_item(&key()).unwrap().unwrap();
    match t.delete_item(&key(), cond) {
        Ok(_) => {
            t.put_item(before, None).unwrap();
            true
        }
        Err(e) => {
            assert_eq!(e.code(), "ConditionalCheckFailedException");
            assert_eq!(t.get_item(&key()).unwrap(), Some(before), "a failed condition changes nothing");
            false
        }
    }
}

/// Whether a put of a new item "b" under `cond` passes.
fn holds_on_missing(t: &Table, cond: Condition) -> bool {
    let ok = t.put_item(item! {"id" => "b"}, cond).is_ok();
    t.delete_item(&item! {"id" => "b"}, None).unwrap();
    ok
}

#[test]
fn attribute_not_exists_guards_creation() {
    let (_c, t) = table();
    assert!(!holds(&t, Condition::attribute_not_exists("id")));
    assert!(holds_on_missing(&t, Condition::attribute_not_exists("id")));
}

#[test]
fn attribute_exists_needs_the_attribute() {
    let (_c, t) = table();
    assert!(holds(&t, Condition::attribute_exists("size")));
    assert!(!holds(&t, Condition::attribute_exists("nope")));
    assert!(!holds_on_missing(&t, Condition::attribute_exists("id")));
}

#[test]
fn equality_needs_same_type_and_value() {
    let (_c, t) = table();
    assert!(holds(&t, Condition::eq("size", 120)));
    assert!(!holds(&t, Condition::eq("size", "120")));
    assert!(!holds(&t, Condition::eq("nope", 1)));
}

#[test]
fn not_equal_is_true_for_a_missing_attribute() {
    let (_c, t) = table();
    assert!(holds(&t, Condition::ne("size", 121)));
    assert!(!holds(&t, Condition::ne("size", 120)));
    assert!(holds(&t, Condition::ne("nope", 1)));
}

#[test]
fn ordering_comparisons_compare_numbers_by_value() {
    let (_c, t) = table();
    assert!(holds(&t, Condition::lt("size", 1000)));
    assert!(holds(&t, Condition::le("size", 120)));
    assert!(!holds(&t, Condition::gt("size", 120)));
    assert!(holds(&t, Condition::ge("size", 120)));
    assert!(holds(&t, Condition::gt("size", AttributeValue::number("119.99").unwrap())));
}

#[test]
fn comparisons_across_types_are_false() {
    let (_c, t) = table();
    assert!(!holds(&t, Condition::lt("size", "999")));
    assert!(!holds(&t, Condition::ge("kind", 1)));
}

#[test]
fn comparisons_with_another_attribute() {
    let (_c, t) = table();
    assert!(holds(&t, Condition::lt("size", Operand::attribute("max"))));
    assert!(!holds(&t, Condition::gt("size", Operand::attribute("max"))));
}

#[test]
fn between_is_inclusive() {
    let (_c, t) = table();
    assert!(holds(&t, Condition::between("size", 120, 130)));
    assert!(holds(&t, Condition::between("size", 100, 120)));
    assert!(!holds(&t, Condition::between("size", 121, 130)));
}

#[test]
fn between_with_inverted_bounds_is_a_validation_error() {
    let (_c, t) = table();
    let err = t.delete_item(&key(), Condition::between("size", 5, 1)).unwrap_err();
    assert_eq!(err.code(), "ValidationException");
    assert_eq!(t.item_count(), 1);
}

#[test]
fn begins_with_matches_string_prefixes() {
    let (_c, t) = table();
    assert!(holds(&t, Condition::begins_with("kind", "img/")));
    assert!(!holds(&t, Condition::begins_with("kind", "vid/")));
    assert!(!holds(&t, Condition::begins_with("size", "1")));
}

#[test]
fn begins_with_a_number_operand_is_a_validation_error() {
    let (_c, t) = table();
    assert_eq!(t.delete_item(&key(), Condition::begins_with("kind", 1)).unwrap_err().code(), "ValidationException");
}

#[test]
fn contains_checks_substrings_sets_and_lists() {
    let (_c, t) = table();
    assert!(holds(&t, Condition::contains("kind", "png")));
    assert!(holds(&t, Condition::contains("tags", "x")));
    assert!(!holds(&t, Condition::contains("tags", "z")));
    assert!(holds(&t, Condition::contains("list", 1)));
}

#[test]
fn attribute_type_checks_the_tag() {
    let (_c, t) = table();
    assert!(holds(&t, Condition::attribute_type("tags", "SS")));
    assert!(!holds(&t, Condition::attribute_type("size", "S")));
    assert_eq!(
        t.delete_item(&key(), Condition::attribute_type("size", "X")).unwrap_err().code(),
        "ValidationException"
    );
}

#[test]
fn and_or_not_combine() {
    let (_c, t) = table();
    assert!(holds(&t, Condition::eq("size", 120).and(Condition::attribute_exists("kind"))));
    assert!(!holds(&t, Condition::eq("size", 120).and(Condition::attribute_exists("nope"))));
    assert!(holds(&t, Condition::eq("size", 1).or(Condition::attribute_exists("kind"))));
    assert!(!holds(&t, Condition::eq("size", 1).or(Condition::attribute_exists("nope"))));
    assert!(holds(&t, !Condition::eq("size", 1)));
    assert!(!holds(&t, !Condition::attribute_exists("id")));
}

#[test]
fn a_failed_condition_on_put_changes_nothing() {
    let (_c, t) = table();
    let before = t.get_item(&key()).unwrap();
    let err = t.put_item(item! {"id" => "a", "size" => 1}, Condition::attribute_not_exists("id")).unwrap_err();
    assert_eq!(err.code(), "ConditionalCheckFailedException");
    assert_eq!(t.get_item(&key()).unwrap(), before);
}
