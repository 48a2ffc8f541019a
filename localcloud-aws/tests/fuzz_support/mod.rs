//! Random request bodies for the protocol fuzz tests: JSON built from each service's
//! field names and telling strings, and plain random bytes.

use std::ops::Range;

use proptest::prelude::*;
use serde_json::{Map, Value};

/// A JSON value whose objects use `fields` as keys and whose strings are often one of
/// `strings`; integers are drawn from `ints` as well as anywhere.
pub fn json_value(
    fields: &'static [&'static str],
    strings: &'static [&'static str],
    ints: Range<i64>,
) -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        ints.prop_map(Value::from),
        any::<f64>().prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        prop::sample::select(strings).prop_map(Value::from),
        ".{0,12}".prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 4, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((prop::sample::select(fields), inner), 0..5)
                .prop_map(|kv| Value::Object(kv.into_iter().map(|(k, v)| (k.to_owned(), v)).collect::<Map<_, _>>())),
        ]
    })
}

/// A request body: any JSON value, a JSON object of known fields, or random bytes.
pub fn body(
    fields: &'static [&'static str],
    strings: &'static [&'static str],
    ints: Range<i64>,
) -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        json_value(fields, strings, ints.clone()).prop_map(|v| serde_json::to_vec(&v).unwrap()),
        prop::collection::vec((prop::sample::select(fields), json_value(fields, strings, ints)), 0..6).prop_map(|kv| {
            let m: Map<String, Value> = kv.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
            serde_json::to_vec(&Value::Object(m)).unwrap()
        }),
        prop::collection::vec(any::<u8>(), 0..64),
    ]
}
