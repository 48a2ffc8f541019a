//! Tables: names, keys, typed values, item size, put / get / delete, return values.

use bytes::Bytes;
use localcloud::table::{AttributeValue, Key, Number, TableConfig, TableError};
use localcloud::{item, Cloud, Table};

fn cloud() -> Cloud {
    Cloud::builder().manual_clock().seed(1).build()
}

fn images(c: &Cloud) -> Table {
    c.create_table("images", TableConfig::new(Key::string("id")).sort_key(Key::number("ver"))).unwrap()
}

#[test]
fn table_names_follow_the_aws_pattern() {
    let c = cloud();
    for bad in ["ab", "has space", "slash/no", &"x".repeat(256)] {
        let err = c.create_table(bad, TableConfig::new(Key::string("id"))).unwrap_err();
        assert_eq!(err.code(), "ValidationException", "{bad}");
    }
    assert!(c.create_table("a_b-c.d", TableConfig::new(Key::string("id"))).is_ok());
}

#[test]
fn creating_an_existing_table_is_resource_in_use() {
    let c = cloud();
    images(&c);
    let err = c.create_table("images", TableConfig::new(Key::string("id"))).unwrap_err();
    assert_eq!(err.code(), "ResourceInUseException");
}

#[test]
fn a_deleted_or_unknown_table_is_resource_not_found() {
    let c = cloud();
    let t = images(&c);
    assert_eq!(c.table("nope").unwrap_err().code(), "ResourceNotFoundException");
    c.delete_table("images").unwrap();
    let err = t.put_item(item! {"id" => "a", "ver" => 1}, None).unwrap_err();
    assert_eq!(err.code(), "ResourceNotFoundException");
    assert_eq!(c.delete_table("images").unwrap_err().code(), "ResourceNotFoundException");
    assert!(c.list_tables().is_empty());
}

#[test]
fn same_key_attribute_names_are_rejected() {
    let c = cloud();
    let err = c.create_table("tbl", TableConfig::new(Key::string("id")).sort_key(Key::number("id"))).unwrap_err();
    assert_eq!(err.code(), "ValidationException");
}

#[test]
fn put_then_get_returns_the_item() {
    let c = cloud();
    let t = images(&c);
    let it = item! {"id" => "a", "ver" => 1, "size" => 120, "tags" => AttributeValue::string_set(["x", "y"])};
    assert_eq!(t.put_item(it.clone(), None).unwrap(), None);
    assert_eq!(t.get_item(&item! {"id" => "a", "ver" => 1}).unwrap(), Some(it));
    assert_eq!(t.get_item(&item! {"id" => "a", "ver" => 2}).unwrap(), None);
}

#[test]
fn put_replaces_the_whole_item_and_returns_the_old_one() {
    let c = cloud();
    let t = images(&c);
    t.put_item(item! {"id" => "a", "ver" => 1, "size" => 1}, None).unwrap();
    let old = t.put_item(item! {"id" => "a", "ver" => 1, "kind" => "png"}, None).unwrap();
    assert_eq!(old, Some(item! {"id" => "a", "ver" => 1, "size" => 1}));
    assert_eq!(
        t.get_item(&item! {"id" => "a", "ver" => 1}).unwrap(),
        Some(item! {"id" => "a", "ver" => 1, "kind" => "png"})
    );
}

#[test]
fn delete_returns_the_old_item_and_a_missing_item_is_no_error() {
    let c = cloud();
    let t = images(&c);
    t.put_item(item! {"id" => "a", "ver" => 1}, None).unwrap();
    let key = item! {"id" => "a", "ver" => 1};
    assert_eq!(t.delete_item(&key, None).unwrap(), Some(key.clone()));
    assert_eq!(t.delete_item(&key, None).unwrap(), None);
    assert_eq!(t.item_count(), 0);
}

#[test]
fn numbers_compare_by_value_as_keys() {
    let c = cloud();
    let t = images(&c);
    t.put_item(item! {"id" => "a", "ver" => AttributeValue::number("1.50").unwrap(), "x" => 1}, None).unwrap();
    let got = t.get_item(&item! {"id" => "a", "ver" => AttributeValue::number("15e-1").unwrap()}).unwrap();
    assert_eq!(got.unwrap()["x"], AttributeValue::from(1));
}

#[test]
fn numbers_over_38_digits_are_rejected() {
    assert_eq!(AttributeValue::number(&"1".repeat(39)).unwrap_err().code(), "ValidationException");
    assert!(Number::parse(&"9".repeat(38)).is_ok());
}

#[test]
fn a_missing_or_mistyped_key_is_a_validation_error_and_changes_nothing() {
    let c = cloud();
    let t = images(&c);
    let cases = [
        item! {"ver" => 1},
        item! {"id" => "a"},
        item! {"id" => 1, "ver" => 1},
        item! {"id" => "a", "ver" => "1"},
        item! {"id" => "", "ver" => 1},
        item! {"id" => "x".repeat(2049), "ver" => 1},
    ];
    for it in cases {
        let err = t.put_item(it.clone(), None).unwrap_err();
        assert_eq!(err.code(), "ValidationException", "{it:?}");
    }
    assert_eq!(t.item_count(), 0);
}

#[test]
fn a_key_argument_must_hold_exactly_the_key_attributes() {
    let c = cloud();
    let t = images(&c);
    let err = t.get_item(&item! {"id" => "a", "ver" => 1, "extra" => 1}).unwrap_err();
    assert_eq!(err.code(), "ValidationException");
    let err = t.delete_item(&item! {"id" => "a"}, None).unwrap_err();
    assert_eq!(err.code(), "ValidationException");
}

#[test]
fn empty_sets_are_rejected() {
    let c = cloud();
    let t = images(&c);
    let err =
        t.put_item(item! {"id" => "a", "ver" => 1, "s" => AttributeValue::string_set(Vec::<String>::new())}, None);
    assert_eq!(err.unwrap_err().code(), "ValidationException");
}

#[test]
fn items_up_to_400_kb_are_accepted_and_larger_ones_rejected() {
    let c = cloud();
    let t = images(&c);
    // "id"(2) + "a"(1) + "ver"(3) + 1 -> 2 bytes, "blob"(4): 10 bytes of overhead
    let room = 400 * 1024 - 12;
    let ok = item! {"id" => "a", "ver" => 1, "blob" => Bytes::from(vec![0u8; room])};
    t.put_item(ok, None).unwrap();
    let too_big = item! {"id" => "a", "ver" => 2, "blob" => Bytes::from(vec![0u8; room + 1])};
    assert_eq!(t.put_item(too_big, None).unwrap_err().code(), "ValidationException");
}

#[test]
fn every_value_type_round_trips() {
    let c = cloud();
    let t = c.create_table("things", TableConfig::new(Key::binary("k"))).unwrap();
    let it = item! {
        "k" => Bytes::from_static(b"\x00\x01"),
        "s" => "text", "n" => -5, "b" => Bytes::from_static(b"z"), "t" => true,
        "nul" => AttributeValue::Null,
        "l" => vec![AttributeValue::from(1), AttributeValue::from("two")],
        "m" => item! {"inner" => 3},
        "ss" => AttributeValue::string_set(["a", "b"]),
        "ns" => AttributeValue::number_set([1, 2]),
        "bs" => AttributeValue::binary_set([Bytes::from_static(b"q")]),
    };
    t.put_item(it.clone(), None).unwrap();
    assert_eq!(t.get_item(&item! {"k" => Bytes::from_static(b"\x00\x01")}).unwrap(), Some(it));
}

#[test]
fn errors_convert_into_the_umbrella_error() {
    fn run(c: &Cloud) -> localcloud::Result<()> {
        c.table("missing")?;
        Ok(())
    }
    assert_eq!(run(&cloud()).unwrap_err().code(), "ResourceNotFoundException");
    let e: TableError = TableError::ConditionalCheckFailed;
    assert_eq!(e.code(), "ConditionalCheckFailedException");
}

#[test]
fn writes_are_journaled_under_dynamodb() {
    let c = Cloud::builder().manual_clock().seed(1).journal(true).build();
    let t = images(&c);
    t.put_item(item! {"id" => "a", "ver" => 1}, None).unwrap();
    t.delete_item(&item! {"id" => "a", "ver" => 1}, None).unwrap();
    let actions: Vec<&str> = c.journal().for_service("dynamodb").iter().map(|e| e.action()).collect();
    assert_eq!(actions, ["PutItem", "DeleteItem"]);
}

#[test]
fn handles_are_clone_send_sync_and_debug() {
    fn check<T: Clone + Send + Sync + std::fmt::Debug>() {}
    check::<Table>();
    check::<localcloud::table::ChangeStream>();
    check::<localcloud::table::ChangeRecord>();
    check::<localcloud::table::ChangeIterator>();
    check::<TableConfig>();
}

#[test]
fn metrics_carry_cloudwatch_names() {
    use localcloud::table::Condition;
    let c = cloud();
    let t = images(&c);
    t.put_item(item! {"id" => "a", "ver" => 1}, None).unwrap();
    t.put_item(item! {"id" => "a", "ver" => 1}, Condition::attribute_not_exists("id")).unwrap_err();
    t.get_item(&item! {"id" => "a", "ver" => 1}).unwrap();
    t.scan().unwrap();
    let m = |name| c.metrics().value("AWS/DynamoDB", "images", name);
    // two small writes (the failed conditional one too) at 1 WCU each; a get and a scan
    // page of small items at 0.5 RCU each, eventually consistent by default
    assert_eq!(m("ConsumedWriteCapacityUnits"), Some(2.0));
    assert_eq!(m("ConsumedReadCapacityUnits"), Some(1.0));
    assert_eq!(m("ConditionalCheckFailedRequests"), Some(1.0));
    assert_eq!(m("ReturnedItemCount"), Some(1.0));
    assert_eq!(m("ThrottledRequests"), Some(0.0));
    c.delete_table("images").unwrap();
    assert_eq!(m("ConsumedWriteCapacityUnits"), None);
}
