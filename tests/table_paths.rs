//! Document paths into maps and lists (`info.dims[0]`): conditions and filters read
//! through them, updates write through them, with DynamoDB's rules for missing
//! parents, list indexes, overlaps, return values and limits.

use localcloud::table::{
    AttributeValue, Condition, EventName, Key, KeyCondition, Operand, Path, Query, ReturnValues, Scan, StreamViewType,
    TableConfig, TransactWrite, Update,
};
use localcloud::{item, Cloud, Item, Table};

fn table() -> (Cloud, Table) {
    let c = Cloud::builder().manual_clock().seed(1).build();
    let t =
        c.create_table("images", TableConfig::new(Key::string("id")).stream(StreamViewType::NewAndOldImages)).unwrap();
    (c, t)
}

fn key() -> Item {
    item! {"id" => "a"}
}

fn get(t: &Table) -> Item {
    t.get_item(&key()).unwrap().unwrap()
}

fn list(values: &[i64]) -> AttributeValue {
    AttributeValue::L(values.iter().map(|v| AttributeValue::from(*v)).collect())
}

/// `{"id": "a", "info": {"dims": [640, 480], "kind": "png"}, "tags": ["x", "y", "z"]}`
fn put_doc(t: &Table) -> Item {
    let doc = item! {
        "id" => "a",
        "info" => item! {"dims" => list(&[640, 480]), "kind" => "png"},
        "tags" => vec![AttributeValue::from("x"), "y".into(), "z".into()],
    };
    t.put_item(doc.clone(), None).unwrap();
    doc
}

fn dims() -> Path {
    Path::attr("info").key("dims")
}

fn holds(t: &Table, c: Condition) -> bool {
    match t.update_item(&key(), Update::set("probe", 1), c) {
        Ok(_) => true,
        Err(e) => {
            assert_eq!(e.code(), "ConditionalCheckFailedException");
            false
        }
    }
}

#[test]
fn conditions_read_values_inside_maps_and_lists() {
    let (_c, t) = table();
    put_doc(&t);
    assert!(holds(&t, Condition::eq(dims().index(0), 640)));
    assert!(holds(&t, Condition::attribute_exists(Path::attr("info").key("kind"))));
    assert!(holds(&t, Condition::begins_with(Path::attr("tags").index(1), "y")));
    assert!(holds(&t, Condition::attribute_type(dims(), "L")));
    assert!(holds(&t, Condition::contains(dims(), 480)));
    assert!(holds(&t, Condition::between(dims().index(1), 100, 500)));
    assert!(holds(&t, Condition::gt(dims().index(0), Operand::attribute(dims().index(1)))));
    assert!(holds(&t, Condition::lt(dims().index(1), dims().index(0))));
}

#[test]
fn a_path_that_does_not_resolve_reads_as_a_missing_attribute() {
    let (_c, t) = table();
    put_doc(&t);
    for missing in
        [dims().index(2), Path::attr("info").key("size"), Path::attr("tags").key("x"), Path::attr("no").index(0)]
    {
        assert!(holds(&t, Condition::attribute_not_exists(missing.clone())), "{missing}");
        assert!(!holds(&t, Condition::attribute_exists(missing.clone())), "{missing}");
        assert!(!holds(&t, Condition::eq(missing.clone(), 1)), "{missing}");
        assert!(!holds(&t, Condition::lt(missing.clone(), 1)), "{missing}");
        assert!(!holds(&t, Condition::ge(dims().index(0), missing.clone())), "{missing}");
    }
}

#[test]
fn a_dot_in_a_name_is_part_of_the_name() {
    let (_c, t) = table();
    t.update_item(&key(), Update::set("a.b", 1), None).unwrap();
    assert_eq!(get(&t), item! {"id" => "a", "a.b" => 1});
    assert!(holds(&t, Condition::attribute_exists("a.b")));
    assert!(!holds(&t, Condition::attribute_exists(Path::attr("a").key("b"))));
}

#[test]
fn query_and_scan_filters_read_nested_paths() {
    let c = Cloud::builder().manual_clock().seed(1).build();
    let t = c.create_table("imgs", TableConfig::new(Key::string("id")).sort_key(Key::number("ver"))).unwrap();
    for (ver, w) in [(1, 100), (2, 900), (3, 50)] {
        t.put_item(item! {"id" => "a", "ver" => ver, "info" => item! {"dims" => list(&[w, 10])}}, None).unwrap();
    }
    let wide = || Condition::gt(dims().index(0), 60);
    let q = t.query(Query::new(KeyCondition::eq("id", "a")).filter(wide())).unwrap();
    assert_eq!(q.count(), 2);
    assert_eq!(q.scanned_count(), 3);
    assert_eq!(t.scan_with(Scan::new().filter(wide())).unwrap().count(), 2);
}

#[test]
fn set_of_a_nested_path_needs_its_map_or_list_to_exist() {
    let (_c, t) = table();
    let doc = put_doc(&t);
    for bad in [
        Path::attr("nope").key("x"),
        Path::attr("info").key("kind").key("x"),
        Path::attr("info").index(0),
        dims().key("w"),
        Path::attr("tags").index(0).key("x"),
    ] {
        let err = t.update_item(&key(), Update::set(bad.clone(), 1), None).unwrap_err();
        assert_eq!(err.code(), "ValidationException", "{bad}");
        assert!(err.to_string().contains("document path provided in the update expression is invalid"), "{err}");
    }
    assert_eq!(get(&t), doc);
    // the same on a missing item: nothing is created
    let other = item! {"id" => "b"};
    assert!(t.update_item(&other, Update::set(Path::attr("m").key("x"), 1), None).is_err());
    assert!(t.get_item(&other).unwrap().is_none());
}

#[test]
fn set_of_a_list_element_or_map_key_replaces_it() {
    let (_c, t) = table();
    put_doc(&t);
    t.update_item(&key(), Update::set(dims().index(1), 500).and_set(Path::attr("info").key("kind"), "jpg"), None)
        .unwrap();
    t.update_item(&key(), Update::set(Path::attr("info").key("size"), 7), None).unwrap();
    assert_eq!(get(&t)["info"], item! {"dims" => list(&[640, 500]), "kind" => "jpg", "size" => 7}.into());
}

#[test]
fn set_of_a_list_index_past_the_end_appends_in_index_order() {
    let (_c, t) = table();
    put_doc(&t);
    t.update_item(
        &key(),
        Update::set(dims().index(84), 4).and_set(dims().index(17), 2).and_set(dims().index(50), 3),
        None,
    )
    .unwrap();
    assert_eq!(dims().to_string(), "info.dims");
    assert_eq!(get(&t)["info"], item! {"dims" => list(&[640, 480, 2, 3, 4]), "kind" => "png"}.into());
}

#[test]
fn remove_of_a_list_element_shifts_the_later_ones() {
    let (_c, t) = table();
    put_doc(&t);
    t.update_item(&key(), Update::remove(Path::attr("tags").index(0)), None).unwrap();
    assert_eq!(get(&t)["tags"], vec![AttributeValue::from("y"), "z".into()].into());
    t.update_item(&key(), Update::remove(dims().index(0)).and_remove(dims().index(1)), None).unwrap();
    assert_eq!(get(&t)["info"], item! {"dims" => list(&[]), "kind" => "png"}.into());
}

#[test]
fn remove_of_a_missing_leaf_does_nothing_but_a_missing_parent_is_invalid() {
    let (_c, t) = table();
    let doc = put_doc(&t);
    t.update_item(&key(), Update::remove(dims().index(7)).and_remove(Path::attr("info").key("size")), None).unwrap();
    t.update_item(&key(), Update::remove("absent"), None).unwrap();
    assert_eq!(get(&t), doc);
    let err = t.update_item(&key(), Update::remove(Path::attr("absent").key("x")), None).unwrap_err();
    assert_eq!(err.code(), "ValidationException");
    let err = t.update_item(&key(), Update::remove(Path::attr("info").key("kind").index(0)), None).unwrap_err();
    assert_eq!(err.code(), "ValidationException");
    assert_eq!(get(&t), doc);
    // on a missing item there is nothing to be invalid against
    t.update_item(&item! {"id" => "b"}, Update::remove(Path::attr("absent").key("x")), None).unwrap();
}

#[test]
fn several_indexes_of_one_list_name_positions_in_the_list_as_it_was() {
    let (_c, t) = table();
    t.put_item(item! {"id" => "a", "l" => list(&[2, 3, 4, 5, 6, 7])}, None).unwrap();
    let l = || Path::attr("l");
    t.update_item(&key(), Update::remove(l().index(1)).and_remove(l().index(3)).and_remove(l().index(9)), None)
        .unwrap();
    assert_eq!(get(&t)["l"], list(&[2, 4, 6, 7]));
    // REMOVE and SET in one update: both name the original positions, in any order
    t.put_item(item! {"id" => "a", "l" => list(&[2, 3, 4, 5, 6, 7])}, None).unwrap();
    t.update_item(&key(), Update::remove(l().index(1)).and_set(l().index(3), 17), None).unwrap();
    assert_eq!(get(&t)["l"], list(&[2, 4, 17, 6, 7]));
    t.put_item(item! {"id" => "a", "l" => list(&[2, 3, 4, 5, 6, 7])}, None).unwrap();
    t.update_item(&key(), Update::set(l().index(3), 17).and_remove(l().index(1)), None).unwrap();
    assert_eq!(get(&t)["l"], list(&[2, 4, 17, 6, 7]));
    // an element appended by SET is not one REMOVE can name
    t.put_item(item! {"id" => "a", "l" => list(&[1, 2])}, None).unwrap();
    t.update_item(&key(), Update::set(l().index(5), 3).and_remove(l().index(2)), None).unwrap();
    assert_eq!(get(&t)["l"], list(&[1, 2, 3]));
}

#[test]
fn add_and_delete_take_top_level_attributes_only() {
    let (_c, t) = table();
    let doc = put_doc(&t);
    let err = t.update_item(&key(), Update::add(Path::attr("info").key("views"), 1), None).unwrap_err();
    assert_eq!(err.code(), "ValidationException");
    let set = AttributeValue::string_set(["x"]);
    let err = t.update_item(&key(), Update::delete(Path::attr("info").key("kind"), set), None).unwrap_err();
    assert_eq!(err.code(), "ValidationException");
    assert_eq!(get(&t), doc);
}

#[test]
fn overlapping_paths_are_rejected_but_sibling_elements_are_not() {
    let (_c, t) = table();
    let doc = put_doc(&t);
    for u in [
        Update::set("info", 1).and_remove(Path::attr("info").key("kind")),
        Update::set(dims().index(0), 1).and_set(dims(), 2),
        Update::remove(dims().index(0)).and_set(dims().index(0), 2),
        Update::set(Path::attr("info"), 1).and_add("info", 1),
    ] {
        let err = t.update_item(&key(), u, None).unwrap_err();
        assert_eq!(err.code(), "ValidationException");
        assert!(err.to_string().contains("two document paths overlap"), "{err}");
    }
    assert_eq!(get(&t), doc);
    t.update_item(&key(), Update::set(dims().index(0), 1).and_set(dims().index(1), 2), None).unwrap();
    t.update_item(&key(), Update::set(Path::attr("info").key("kind"), "x").and_remove(dims().index(0)), None).unwrap();
    assert_eq!(get(&t)["info"], item! {"dims" => list(&[2]), "kind" => "x"}.into());
}

#[test]
fn key_attributes_cannot_be_reached_through_a_path() {
    let (_c, t) = table();
    put_doc(&t);
    let err = t.update_item(&key(), Update::set(Path::attr("id").key("x"), 1), None).unwrap_err();
    assert_eq!(err.code(), "ValidationException");
}

#[test]
fn if_not_exists_list_append_and_increment_work_on_nested_paths() {
    let (_c, t) = table();
    put_doc(&t);
    let views = Path::attr("info").key("views");
    let kind = Path::attr("info").key("kind");
    t.update_item(&key(), Update::remove("x").set_if_not_exists(views.clone(), 1).set_if_not_exists(kind, "gif"), None)
        .unwrap();
    t.update_item(&key(), Update::remove("x").increment(views.clone(), 4), None).unwrap();
    t.update_item(&key(), Update::remove("x").decrement(views.clone(), 2).list_append(dims(), vec![3.into()]), None)
        .unwrap();
    let new = Path::attr("info").key("new");
    let err = t.update_item(&key(), Update::remove("x").list_append(new.clone(), vec![1.into()]), None).unwrap_err();
    assert_eq!(err.code(), "ValidationException");
    t.update_item(&key(), Update::remove("x").list_append_or_new(new, vec![1.into()]), None).unwrap();
    assert_eq!(
        get(&t)["info"],
        item! {"dims" => list(&[640, 480, 3]), "kind" => "png", "views" => 3, "new" => list(&[1])}.into()
    );
    let err =
        t.update_item(&key(), Update::remove("x").increment(Path::attr("info").key("nope"), 1), None).unwrap_err();
    assert_eq!(err.code(), "ValidationException");
}

#[test]
fn a_nested_update_past_400_kb_is_rejected_and_changes_nothing() {
    let (_c, t) = table();
    t.put_item(item! {"id" => "a", "info" => item! {"a" => "x".repeat(300 * 1024)}}, None).unwrap();
    let before = get(&t);
    let err =
        t.update_item(&key(), Update::set(Path::attr("info").key("b"), "y".repeat(200 * 1024)), None).unwrap_err();
    assert_eq!(err.code(), "ValidationException");
    assert_eq!(get(&t), before);
}

#[test]
fn a_nested_update_past_32_levels_is_rejected() {
    let (_c, t) = table();
    fn nest(n: usize) -> AttributeValue {
        if n == 0 {
            1.into()
        } else {
            item! {"k" => nest(n - 1)}.into()
        }
    }
    t.put_item(item! {"id" => "a", "d" => nest(32)}, None).unwrap();
    let deepest = (0..32).fold(Path::attr("d"), |p, _| p.key("k"));
    t.update_item(&key(), Update::set(deepest.clone(), 2), None).unwrap();
    let err = t.update_item(&key(), Update::set(deepest.clone(), item! {"x" => 1}), None).unwrap_err();
    assert_eq!(err.code(), "ValidationException");
    assert_eq!(get(&t)["d"], {
        let mut v = nest(32);
        let mut cur = &mut v;
        for _ in 0..31 {
            let AttributeValue::M(m) = cur else { unreachable!() };
            cur = m.get_mut("k").unwrap();
        }
        let AttributeValue::M(m) = cur else { unreachable!() };
        m.insert("k".into(), 2.into());
        v
    });
}

#[test]
fn updated_old_and_updated_new_return_only_the_updated_paths_in_place() {
    let (_c, t) = table();
    t.put_item(item! {"id" => "a", "a" => item! {"b" => "dog", "c" => list(&[1, 2, 3])}, "d" => "cat"}, None).unwrap();
    let a = || Path::attr("a");
    let run = |u: Update, rv| t.update_item(&key(), u.return_values(rv), None).unwrap();
    assert_eq!(
        run(Update::set(a().key("b"), "hi"), ReturnValues::UpdatedOld),
        Some(item! {"a" => item! {"b" => "dog"}})
    );
    assert_eq!(
        run(Update::set(a().key("c").index(1), 7).and_set(a().key("b"), "yo"), ReturnValues::UpdatedOld),
        Some(item! {"a" => item! {"b" => "hi", "c" => list(&[2])}})
    );
    assert_eq!(
        run(Update::set(a().key("c").index(1), 4), ReturnValues::UpdatedNew),
        Some(item! {"a" => item! {"c" => list(&[4])}})
    );
    // a new entry has no old value; an element appended past the end is not at its index
    assert_eq!(run(Update::set(a().key("x"), 8), ReturnValues::UpdatedOld), None);
    assert_eq!(run(Update::set(a().key("c").index(100), 70), ReturnValues::UpdatedNew), None);
    // REMOVE a.c[1]: the old value, and the element that shifted into its place
    assert_eq!(
        run(Update::remove(a().key("c").index(1)), ReturnValues::UpdatedNew),
        Some(item! {"a" => item! {"c" => list(&[3])}})
    );
    assert_eq!(
        run(Update::remove(a().key("c").index(0)).and_remove(a().key("c").index(9)), ReturnValues::UpdatedOld),
        Some(item! {"a" => item! {"c" => list(&[1])}})
    );
    assert_eq!(
        run(Update::set(a().key("b"), "z"), ReturnValues::AllNew),
        Some(item! {"id" => "a", "a" => item! {"b" => "z", "c" => list(&[3, 70]), "x" => 8}, "d" => "cat"})
    );
}

#[test]
fn a_nested_update_writes_one_modify_record_with_both_images() {
    let (_c, t) = table();
    let before = put_doc(&t);
    t.update_item(&key(), Update::set(dims().index(0), 800).and_remove(Path::attr("tags").index(2)), None).unwrap();
    let after = get(&t);
    assert_eq!(after["info"], item! {"dims" => list(&[800, 480]), "kind" => "png"}.into());
    let records = t.stream().unwrap().read_all().unwrap();
    let names: Vec<EventName> = records.iter().map(|r| r.event_name()).collect();
    assert_eq!(names, [EventName::Insert, EventName::Modify]);
    assert_eq!(records[1].old_image(), Some(&before));
    assert_eq!(records[1].new_image(), Some(&after));
    // a nested write that changes nothing writes no record
    t.update_item(&key(), Update::set(dims().index(0), 800), None).unwrap();
    assert_eq!(t.stream().unwrap().read_all().unwrap().len(), 2);
}

#[test]
fn transactions_apply_nested_updates_and_conditions() {
    let (c, t) = table();
    put_doc(&t);
    let w = TransactWrite::update(&t, key(), Update::set(dims().index(1), 1))
        .condition(Condition::eq(dims().index(0), 640));
    c.transact_write_items(vec![w]).unwrap();
    assert_eq!(get(&t)["info"], item! {"dims" => list(&[640, 1]), "kind" => "png"}.into());
}

#[test]
fn paths_reach_through_lists_of_maps_and_indexes_keep_their_original_positions() {
    let (_c, t) = table();
    let shape = |x: i64, y: &[i64]| AttributeValue::from(item! {"x" => x, "y" => list(y)});
    let doc = item! {"id" => "a", "a" => vec![shape(0, &[1, 2, 3]), shape(1, &[4, 5, 6]), shape(2, &[7])]};
    t.put_item(doc, None).unwrap();
    // REMOVE a[0] and SET a[1].x: a[1] names the element as it was, not the one shifted in.
    let update = Update::remove(Path::attr("a").index(0)).and_set(Path::attr("a").index(1).key("x"), 10);
    t.update_item(&key(), update, None).unwrap();
    assert_eq!(get(&t)["a"], AttributeValue::L(vec![shape(10, &[4, 5, 6]), shape(2, &[7])]));
    // REMOVE inside a list inside a map inside a list, beside a sibling key.
    let update =
        Update::remove(Path::attr("a").index(0).key("y").index(1)).and_remove(Path::attr("a").index(1).key("x"));
    t.update_item(&key(), update, None).unwrap();
    let after = AttributeValue::L(vec![shape(10, &[4, 6]), AttributeValue::from(item! {"y" => list(&[7])})]);
    assert_eq!(get(&t)["a"], after);
    // A condition through the same kind of path.
    assert!(holds(&t, Condition::eq(Path::attr("a").index(0).key("y").index(1), 6)));
    // An element of a list of maps cannot be reached through a key of the list itself.
    let err = t.update_item(&key(), Update::set(Path::attr("a").key("x"), 1), None).unwrap_err();
    assert_eq!(err.code(), "ValidationException");
}
