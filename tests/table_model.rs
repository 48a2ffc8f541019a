//! A model test: random puts, conditional puts, updates and deletes against a
//! `BTreeMap`, checking the table and its change stream together. The stream,
//! replayed onto an empty map, gives the table; every record's old image is what the
//! replay held before it; no record is written for a change that changes nothing.
//! Updates also write through document paths into a list inside a map (`m.l[i]`),
//! which the model keeps as a plain `Vec`.

use std::collections::BTreeMap;
use std::time::Duration;

use localcloud::table::{
    AttributeValue, Condition, EventName, Key, Path, Scan, StreamViewType, TableConfig, TableError, Update,
};
use localcloud::{item, Cloud, Item};
use proptest::prelude::*;

#[derive(Clone, Debug)]
enum Op {
    Put(u8, Option<i8>),
    PutIfAbsent(u8, i8),
    Add(u8, i8),
    Remove(u8),
    SetIfEquals(u8, i8, i8),
    Delete(u8),
    DeleteIfExists(u8),
    Wait(u16),
    /// `SET m = {"l": [0, 1, .., n - 1]}`
    InitList(u8, u8),
    /// `SET m.l[i] = v`
    SetAt(u8, u8, i8),
    /// `REMOVE m.l[i], m.l[j]`
    RemoveAt(u8, u8, u8),
}

fn op() -> impl Strategy<Value = Op> {
    let k = 0u8..5;
    prop_oneof![
        (k.clone(), proptest::option::of(-3i8..3)).prop_map(|(k, v)| Op::Put(k, v)),
        (k.clone(), -3i8..3).prop_map(|(k, v)| Op::PutIfAbsent(k, v)),
        (k.clone(), -2i8..3).prop_map(|(k, n)| Op::Add(k, n)),
        k.clone().prop_map(Op::Remove),
        (k.clone(), -3i8..3, -3i8..3).prop_map(|(k, a, b)| Op::SetIfEquals(k, a, b)),
        k.clone().prop_map(Op::Delete),
        k.clone().prop_map(Op::DeleteIfExists),
        (0u16..200).prop_map(Op::Wait),
        (k.clone(), 0u8..6).prop_map(|(k, n)| Op::InitList(k, n)),
        (k.clone(), 0u8..5, -3i8..3).prop_map(|(k, i, v)| Op::SetAt(k, i, v)),
        (k, 0u8..5, 0u8..5).prop_map(|(k, i, j)| Op::RemoveAt(k, i, j)),
    ]
}

fn id(k: u8) -> String {
    format!("k{k}")
}

/// The model of one item: `v`, and the list `m.l` (`None`: no `m`).
#[derive(Clone, Debug, Default, PartialEq)]
struct Doc {
    v: Option<i64>,
    l: Option<Vec<i64>>,
}

fn doc(v: Option<i64>) -> Doc {
    Doc { v, l: None }
}

fn make(k: u8, d: &Doc) -> Item {
    let mut it = item! {"id" => id(k)};
    if let Some(v) = d.v {
        it.insert("v".into(), v.into());
    }
    if let Some(l) = &d.l {
        let l: Vec<AttributeValue> = l.iter().map(|x| AttributeValue::from(*x)).collect();
        it.insert("m".into(), item! {"l" => l}.into());
    }
    it
}

fn at(i: u8) -> Path {
    Path::attr("m").key("l").index(i.into())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]
    #[test]
    fn table_and_stream_match_a_btreemap(ops in proptest::collection::vec(op(), 1..60)) {
        let c = Cloud::builder().manual_clock().seed(3).build();
        let t = c.create_table("model", TableConfig::new(Key::string("id"))
            .stream(StreamViewType::NewAndOldImages).shard_rollover(Duration::from_secs(60))).unwrap();
        let mut model: BTreeMap<u8, Doc> = BTreeMap::new();
        let mut changes = 0usize;
        for op in &ops {
            let key = |k: u8| item! {"id" => id(k)};
            let before = model.clone();
            let res: Result<(), TableError> = match *op {
                Op::Put(k, v) => {
                    model.insert(k, doc(v.map(i64::from)));
                    t.put_item(make(k, &doc(v.map(i64::from))), None).map(|_| ())
                }
                Op::PutIfAbsent(k, v) => {
                    let r = t.put_item(make(k, &doc(Some(v.into()))), Condition::attribute_not_exists("id"));
                    if let std::collections::btree_map::Entry::Vacant(e) = model.entry(k) {
                        e.insert(doc(Some(v.into())));
                        prop_assert!(r.is_ok());
                    } else {
                        prop_assert_eq!(r.as_ref().unwrap_err().code(), "ConditionalCheckFailedException");
                    }
                    r.map(|_| ())
                }
                Op::Add(k, n) => {
                    let cur = model.entry(k).or_default();
                    cur.v = Some(cur.v.unwrap_or(0) + i64::from(n));
                    t.update_item(&key(k), Update::add("v", n), None).map(|_| ())
                }
                Op::Remove(k) => {
                    // REMOVE alone creates no item (as on DynamoDB).
                    if let Some(d) = model.get_mut(&k) {
                        d.v = None;
                    }
                    t.update_item(&key(k), Update::remove("v"), None).map(|_| ())
                }
                Op::SetIfEquals(k, a, b) => {
                    let r = t.update_item(&key(k), Update::set("v", b), Condition::eq("v", a));
                    if model.get(&k).is_some_and(|d| d.v == Some(a.into())) {
                        model.get_mut(&k).unwrap().v = Some(b.into());
                        prop_assert!(r.is_ok());
                    } else {
                        prop_assert!(r.is_err());
                    }
                    r.map(|_| ())
                }
                Op::Delete(k) => {
                    model.remove(&k);
                    t.delete_item(&key(k), None).map(|_| ())
                }
                Op::DeleteIfExists(k) => {
                    let r = t.delete_item(&key(k), Condition::attribute_exists("id"));
                    prop_assert_eq!(r.is_ok(), model.remove(&k).is_some());
                    r.map(|_| ())
                }
                Op::Wait(s) => {
                    c.advance(Duration::from_secs(s.into()));
                    Ok(())
                }
                Op::InitList(k, n) => {
                    let l: Vec<i64> = (0..i64::from(n)).collect();
                    model.entry(k).or_default().l = Some(l.clone());
                    let d = Doc { v: None, l: Some(l) };
                    t.update_item(&key(k), Update::set("m", make(k, &d)["m"].clone()), None).map(|_| ())
                }
                Op::SetAt(k, i, v) => {
                    let r = t.update_item(&key(k), Update::set(at(i), v), None);
                    match model.get_mut(&k).and_then(|d| d.l.as_mut()) {
                        // an index past the end appends
                        Some(l) => match l.get_mut(usize::from(i)) {
                            Some(x) => *x = v.into(),
                            None => l.push(v.into()),
                        },
                        // no list to write into: invalid, nothing changes
                        None => prop_assert_eq!(r.as_ref().unwrap_err().code(), "ValidationException"),
                    }
                    r.map(|_| ())
                }
                Op::RemoveAt(k, i, j) => {
                    let r = t.update_item(&key(k), Update::remove(at(i)).and_remove(at(j)), None);
                    if i == j {
                        prop_assert_eq!(r.as_ref().unwrap_err().code(), "ValidationException", "paths overlap");
                    } else {
                        match model.get_mut(&k) {
                            // both indexes name positions in the list as it was
                            Some(Doc { l: Some(l), .. }) => {
                                let (i, j) = (usize::from(i), usize::from(j));
                                *l = l.iter().enumerate().filter(|(x, _)| *x != i && *x != j).map(|(_, v)| *v).collect();
                            }
                            Some(Doc { l: None, .. }) => {
                                prop_assert_eq!(r.as_ref().unwrap_err().code(), "ValidationException")
                            }
                            // a missing item: nothing to remove, and REMOVE alone creates nothing
                            None => prop_assert!(r.is_ok()),
                        }
                    }
                    r.map(|_| ())
                }
            };
            let _ = res;
            if model != before {
                changes += 1;
            }
            let table: Vec<Item> = t.scan_with(Scan::new()).unwrap().into_items();
            let expected: Vec<Item> = model.iter().map(|(k, d)| make(*k, d)).collect();
            prop_assert_eq!(table, expected);
        }
        // replay the stream onto an empty map
        let records = t.stream().unwrap().read_all().unwrap();
        prop_assert_eq!(records.len(), changes, "one record per change, none for no-ops");
        let mut replay: BTreeMap<String, Item> = BTreeMap::new();
        for r in &records {
            let k = r.keys()["id"].as_s().unwrap().to_owned();
            prop_assert_eq!(r.old_image(), replay.get(&k), "old image is the state before");
            match r.event_name() {
                EventName::Insert | EventName::Modify => {
                    prop_assert_eq!(r.event_name() == EventName::Insert, !replay.contains_key(&k));
                    replay.insert(k, r.new_image().unwrap().clone());
                }
                EventName::Remove => {
                    prop_assert!(r.new_image().is_none());
                    replay.remove(&k);
                }
            }
        }
        let table: Vec<Item> = t.scan().unwrap().into_items();
        prop_assert_eq!(replay.into_values().collect::<Vec<_>>(), table);
        prop_assert!(records.windows(2).all(|w| w[0].sequence_number() < w[1].sequence_number()));
    }
}
