//! Query and scan: sort key conditions, direction, limit, pagination, the 1 MB page.

use localcloud::table::{AttributeValue, Condition, Key, KeyCondition, Query, Scan, TableConfig};
use localcloud::{item, Cloud, Item, Table};

fn table() -> (Cloud, Table) {
    let c = Cloud::builder().manual_clock().seed(1).build();
    let t = c.create_table("images", TableConfig::new(Key::string("id")).sort_key(Key::number("ver"))).unwrap();
    for id in ["a", "b"] {
        for ver in [1, 2, 3, 10, 20] {
            t.put_item(item! {"id" => id, "ver" => ver, "even" => ver % 2 == 0}, None).unwrap();
        }
    }
    (c, t)
}

fn vers(items: &[Item]) -> Vec<String> {
    items.iter().map(|i| i["ver"].as_n().unwrap().to_string()).collect()
}

#[test]
fn query_returns_one_partition_in_numeric_sort_order() {
    let (_c, t) = table();
    let page = t.query(KeyCondition::eq("id", "a")).unwrap();
    assert_eq!(vers(page.items()), ["1", "2", "3", "10", "20"]);
    assert!(page.last_evaluated_key().is_none());
}

#[test]
fn sort_key_conditions_select_ranges() {
    let (_c, t) = table();
    let q = |kc: KeyCondition| vers(t.query(kc).unwrap().items());
    let a = || KeyCondition::eq("id", "a");
    assert_eq!(q(a().sort_eq(3)), ["3"]);
    assert_eq!(q(a().sort_lt(3)), ["1", "2"]);
    assert_eq!(q(a().sort_le(3)), ["1", "2", "3"]);
    assert_eq!(q(a().sort_gt(3)), ["10", "20"]);
    assert_eq!(q(a().sort_ge(3)), ["3", "10", "20"]);
    assert_eq!(q(a().sort_between(2, 10)), ["2", "3", "10"]);
    assert!(q(a().sort_eq(4)).is_empty());
}

#[test]
fn begins_with_on_a_string_sort_key() {
    let c = Cloud::builder().manual_clock().seed(1).build();
    let t = c.create_table("files", TableConfig::new(Key::string("dir")).sort_key(Key::string("path"))).unwrap();
    for p in ["a/1", "b/1", "b/2", "c/1"] {
        t.put_item(item! {"dir" => "d", "path" => p}, None).unwrap();
    }
    let paths = |q: Query| -> Vec<String> {
        t.query(q).unwrap().items().iter().map(|i| i["path"].as_s().unwrap().to_owned()).collect()
    };
    assert_eq!(paths(KeyCondition::eq("dir", "d").sort_begins_with("b/").into()), ["b/1", "b/2"]);
    assert_eq!(paths(Query::new(KeyCondition::eq("dir", "d").sort_begins_with("b/")).backward()), ["b/2", "b/1"]);
}

#[test]
fn backward_queries_descend() {
    let (_c, t) = table();
    let page = t.query(Query::new(KeyCondition::eq("id", "a").sort_le(10)).backward()).unwrap();
    assert_eq!(vers(page.items()), ["10", "3", "2", "1"]);
}

#[test]
fn limit_and_last_evaluated_key_paginate_forward_and_backward() {
    let (_c, t) = table();
    for backward in [false, true] {
        let mut seen = Vec::new();
        let mut start: Option<Item> = None;
        loop {
            let mut q = Query::new(KeyCondition::eq("id", "b")).limit(2);
            if backward {
                q = q.backward();
            }
            if let Some(s) = start.take() {
                q = q.exclusive_start_key(s);
            }
            let page = t.query(q).unwrap();
            seen.extend(vers(page.items()));
            match page.last_evaluated_key() {
                Some(k) => start = Some(k.clone()),
                None => break,
            }
        }
        let mut expected = vec!["1", "2", "3", "10", "20"];
        if backward {
            expected.reverse();
        }
        assert_eq!(seen, expected);
    }
}

#[test]
fn filter_applies_after_the_limit() {
    let (_c, t) = table();
    let page = t.query(Query::new(KeyCondition::eq("id", "a")).limit(3).filter(Condition::eq("even", true))).unwrap();
    assert_eq!(page.scanned_count(), 3);
    assert_eq!(vers(page.items()), ["2"]); // 1, 2, 3 evaluated
    assert!(page.last_evaluated_key().is_some());
}

#[test]
fn a_page_stops_at_1_mb() {
    let c = Cloud::builder().manual_clock().seed(1).build();
    let t = c.create_table("big", TableConfig::new(Key::string("id")).sort_key(Key::number("n"))).unwrap();
    for n in 0..5 {
        t.put_item(item! {"id" => "a", "n" => n, "blob" => "x".repeat(300 * 1024)}, None).unwrap();
    }
    let first = t.query(KeyCondition::eq("id", "a")).unwrap();
    assert_eq!(first.count(), 4); // 4 × 300 KB reaches 1 MB
    let rest = t
        .query(Query::new(KeyCondition::eq("id", "a")).exclusive_start_key(first.last_evaluated_key().unwrap().clone()))
        .unwrap();
    assert_eq!(rest.count(), 1);
    assert!(rest.last_evaluated_key().is_none());
    assert_eq!(t.scan().unwrap().count(), 4);
}

#[test]
fn query_validation_errors() {
    let (_c, t) = table();
    let bad = [
        Query::new(KeyCondition::eq("nope", "a")),
        Query::new(KeyCondition::eq("id", 1)),
        Query::new(KeyCondition::eq("id", "a").sort_eq("x")),
        Query::new(KeyCondition::eq("id", "a").sort_between(5, 1)),
        Query::new(KeyCondition::eq("id", "a").sort_begins_with(1)),
        Query::new(KeyCondition::eq("id", "a")).limit(0),
        Query::new(KeyCondition::eq("id", "a")).exclusive_start_key(item! {"id" => "b", "ver" => 1}),
    ];
    for q in bad {
        assert_eq!(t.query(q.clone()).unwrap_err().code(), "ValidationException", "{q:?}");
    }
}

#[test]
fn sort_conditions_on_a_table_without_sort_key_are_rejected() {
    let c = Cloud::builder().manual_clock().seed(1).build();
    let t = c.create_table("flat", TableConfig::new(Key::string("id"))).unwrap();
    t.put_item(item! {"id" => "a"}, None).unwrap();
    assert_eq!(t.query(KeyCondition::eq("id", "a")).unwrap().count(), 1);
    assert_eq!(t.query(KeyCondition::eq("id", "a").sort_eq(1)).unwrap_err().code(), "ValidationException");
}

#[test]
fn scan_paginates_over_every_item() {
    let (_c, t) = table();
    let mut all = Vec::new();
    let mut s = Scan::new().limit(3);
    loop {
        let page = t.scan_with(s.clone()).unwrap();
        all.extend(page.items().iter().cloned());
        match page.last_evaluated_key() {
            Some(k) => s = Scan::new().limit(3).exclusive_start_key(k.clone()),
            None => break,
        }
    }
    assert_eq!(all.len(), 10);
    let filtered = t.scan_with(Scan::new().filter(Condition::eq("even", true))).unwrap();
    assert_eq!(filtered.count(), 6);
    assert_eq!(filtered.scanned_count(), 10);
    assert!(all.iter().all(|i| matches!(i["id"], AttributeValue::S(_))));
}
