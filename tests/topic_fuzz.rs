//! Fuzz-style: random JSON policies and random messages never panic the parser or
//! the matcher, and a publish through a filtered subscription always settles.
//! Runs `PROPTEST_CASES` cases (CI sets 1000).

use localcloud::{
    AttributeValue, Cloud, FilterPolicy, MessageAttributes, Publish, QueueConfig, Subscription, TopicConfig,
};
use proptest::prelude::*;
use serde_json::{json, Value};

fn key() -> impl Strategy<Value = String> {
    prop_oneof![Just("a".to_owned()), Just("b".to_owned()), Just("$or".to_owned()), "[a-c]{1,2}"]
}

fn scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        "[a-c0-9./:-]{0,6}".prop_map(Value::from),
        (-2e9f64..2e9f64).prop_map(|x| json!(x)),
        (-5i64..200).prop_map(|x| json!(x)),
        any::<bool>().prop_map(Value::from),
        Just(Value::Null),
    ]
}

fn operator() -> impl Strategy<Value = Value> {
    let op = prop_oneof![Just("="), Just("<"), Just("<="), Just(">"), Just(">="), Just("!")];
    prop_oneof![
        scalar().prop_map(|v| json!({"prefix": v})),
        scalar().prop_map(|v| json!({"suffix": v})),
        scalar().prop_map(|v| json!({"equals-ignore-case": v})),
        scalar().prop_map(|v| json!({"anything-but": v})),
        prop::collection::vec(scalar(), 0..3).prop_map(|v| json!({"anything-but": v})),
        scalar().prop_map(|v| json!({"anything-but": {"prefix": v}})),
        (op.clone(), scalar()).prop_map(|(o, v)| json!({"numeric": [o, v]})),
        (op.clone(), scalar(), op, scalar()).prop_map(|(a, x, b, y)| json!({"numeric": [a, x, b, y]})),
        scalar().prop_map(|v| json!({"exists": v})),
        prop_oneof![Just("10.0.0.0/8"), Just("::/0"), Just("1.2.3.4/40"), Just("x")].prop_map(|c| json!({"cidr": c})),
        scalar().prop_map(|v| json!({"bogus": v})),
    ]
}

fn policy() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        prop::collection::vec(prop_oneof![scalar(), operator()], 0..4).prop_map(Value::Array),
        scalar(),
        operator(),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::btree_map(key(), inner.clone(), 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
            prop::collection::vec(inner, 0..3).prop_map(Value::Array),
        ]
    })
    .prop_map(|v| if v.is_object() { v } else { json!({ "a": v }) })
}

fn attribute() -> impl Strategy<Value = AttributeValue> {
    prop_oneof![
        "[a-c0-9. ]{0,5}".prop_map(AttributeValue::string),
        prop_oneof![Just("1"), Just("-2.5"), Just("1e9"), Just("3e12"), Just("abc")].prop_map(AttributeValue::number),
        prop::collection::vec("[a-c]{0,3}", 0..3).prop_map(AttributeValue::string_array),
        prop_oneof![Just("[1,true,null,\"a\"]"), Just("[[1]]"), Just("nope")]
            .prop_map(|s| AttributeValue::text_with_type("String.Array", s)),
        prop::collection::vec(any::<u8>(), 0..3).prop_map(AttributeValue::binary),
    ]
}

fn body() -> impl Strategy<Value = String> {
    prop_oneof![
        policy().prop_map(|v| v.to_string()),
        "[a-z{}\\[\\]\":,0-9]{0,20}",
        Just(r#"{"a":{"b":[1,{"c":"x"}]},"b":null}"#.to_owned()),
    ]
}

proptest! {
    #[test]
    fn random_policies_and_messages_never_panic(
        p in policy(),
        attrs in prop::collection::btree_map("[a-c]{1,2}", attribute(), 0..4),
        text in body(),
    ) {
        let json = p.to_string();
        let attrs: MessageAttributes = attrs.into_iter().collect();
        for parsed in [FilterPolicy::parse(&json), FilterPolicy::parse_body(&json)] {
            match parsed {
                Ok(policy) => {
                    let _ = policy.matches(&attrs, &text);
                }
                Err(e) => prop_assert_eq!(e.code(), "InvalidParameter"),
            }
        }
    }

    #[test]
    fn publishing_through_a_random_filter_always_settles(
        p in policy(),
        attrs in prop::collection::btree_map("[a-c]{1,2}", attribute(), 0..4),
        text in body(),
    ) {
        let cloud = Cloud::builder().manual_clock().build();
        let t = cloud.create_topic("t", TopicConfig::default()).unwrap();
        let q = cloud.create_queue("q", QueueConfig::default()).unwrap();
        let Ok(policy) = FilterPolicy::parse(&p.to_string()) else { return Ok(()) };
        t.subscribe(Subscription::queue(&q).raw_delivery(true).filter(policy.clone())).unwrap();
        let attrs: MessageAttributes = attrs.into_iter().collect();
        let publish = Publish::new(if text.is_empty() { "x".to_owned() } else { text.clone() }).attributes(attrs.clone());
        if t.publish(publish).is_ok() {
            let text = if text.is_empty() { "x" } else { &text };
            prop_assert_eq!(q.try_receive().unwrap().is_some(), policy.matches(&attrs, text));
        }
    }
}
