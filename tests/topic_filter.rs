//! Filter policies × messages: every operator and edge of the spec, checked through
//! `FilterPolicy::matches` and through a real subscription.

use localcloud::topic::FilterScope;
use localcloud::{AttributeValue, Cloud, FilterPolicy, Publish, QueueConfig, Subscription, TopicConfig};

enum Msg {
    Attrs(Vec<(&'static str, AttributeValue)>),
    Body(&'static str),
}

struct Row {
    name: &'static str,
    policy: &'static str,
    msg: Msg,
    want: bool,
}

fn s(v: &str) -> AttributeValue {
    AttributeValue::string(v)
}
fn n(v: &str) -> AttributeValue {
    AttributeValue::number(v)
}
fn sa(json: &str) -> AttributeValue {
    AttributeValue::text_with_type("String.Array", json)
}
fn bin(v: &'static [u8]) -> AttributeValue {
    AttributeValue::binary(v)
}

fn row(name: &'static str, policy: &'static str, attrs: Vec<(&'static str, AttributeValue)>, want: bool) -> Row {
    Row { name, policy, msg: Msg::Attrs(attrs), want }
}
fn body(name: &'static str, policy: &'static str, body: &'static str, want: bool) -> Row {
    Row { name, policy, msg: Msg::Body(body), want }
}

fn rows() -> Vec<Row> {
    vec![
        // exact strings
        row("exact string matches", r#"{"a":["x"]}"#, vec![("a", s("x"))], true),
        row("exact string is case-sensitive", r#"{"a":["x"]}"#, vec![("a", s("X"))], false),
        row("exact string on a missing key fails", r#"{"a":["x"]}"#, vec![("b", s("x"))], false),
        row("values in an array are ORed", r#"{"a":["x","y"]}"#, vec![("a", s("y"))], true),
        row("keys are ANDed: one missing fails", r#"{"a":["x"],"b":["y"]}"#, vec![("a", s("x"))], false),
        row("keys are ANDed: both present match", r#"{"a":["x"],"b":["y"]}"#, vec![("a", s("x")), ("b", s("y"))], true),
        row("key names are case-sensitive", r#"{"A":["x"]}"#, vec![("a", s("x"))], false),
        row(
            "a labelled String is still a string",
            r#"{"a":["x"]}"#,
            vec![("a", AttributeValue::text_with_type("String.custom", "x"))],
            true,
        ),
        row("mixed conditions in one array are ORed", r#"{"a":["x",{"prefix":"y"}]}"#, vec![("a", s("yes"))], true),
        row("empty policy matches a message without attributes", "{}", vec![], true),
        // exact numbers, numbers vs strings
        row("exact number matches a Number", r#"{"n":[100]}"#, vec![("n", n("100"))], true),
        row("exact number compares numerically", r#"{"n":[100]}"#, vec![("n", n("1.0e2"))], true),
        row("exact number does not match a String", r#"{"n":[100]}"#, vec![("n", s("100"))], false),
        row("a string does not match a Number", r#"{"n":["100"]}"#, vec![("n", n("100"))], false),
        row("a string matches the same String", r#"{"n":["100"]}"#, vec![("n", s("100"))], true),
        row(
            "a labelled Number compares numerically",
            r#"{"n":[2.5]}"#,
            vec![("n", AttributeValue::text_with_type("Number.float", "2.50"))],
            true,
        ),
        // prefix, suffix, equals-ignore-case
        row("prefix matches", r#"{"a":[{"prefix":"inv"}]}"#, vec![("a", s("invoice"))], true),
        row("prefix mismatch", r#"{"a":[{"prefix":"inv"}]}"#, vec![("a", s("order"))], false),
        row("prefix does not apply to Numbers", r#"{"n":[{"prefix":"1"}]}"#, vec![("n", n("100"))], false),
        row("suffix matches", r#"{"a":[{"suffix":".png"}]}"#, vec![("a", s("cat.png"))], true),
        row("suffix mismatch", r#"{"a":[{"suffix":".png"}]}"#, vec![("a", s("cat.jpg"))], false),
        row(
            "equals-ignore-case matches any case",
            r#"{"a":[{"equals-ignore-case":"Red"}]}"#,
            vec![("a", s("rED"))],
            true,
        ),
        row(
            "equals-ignore-case is still whole-value",
            r#"{"a":[{"equals-ignore-case":"Red"}]}"#,
            vec![("a", s("reddish"))],
            false,
        ),
        // anything-but
        row("anything-but value: other value matches", r#"{"a":[{"anything-but":"x"}]}"#, vec![("a", s("y"))], true),
        row("anything-but value: that value fails", r#"{"a":[{"anything-but":"x"}]}"#, vec![("a", s("x"))], false),
        row("anything-but needs the key", r#"{"a":[{"anything-but":"x"}]}"#, vec![("b", s("y"))], false),
        row(
            "anything-but list: value outside matches",
            r#"{"a":[{"anything-but":["x","y"]}]}"#,
            vec![("a", s("z"))],
            true,
        ),
        row(
            "anything-but list: listed value fails",
            r#"{"a":[{"anything-but":["x","y"]}]}"#,
            vec![("a", s("y"))],
            false,
        ),
        row(
            "anything-but number: other number matches",
            r#"{"n":[{"anything-but":100}]}"#,
            vec![("n", n("101"))],
            true,
        ),
        row(
            "anything-but number: equal number fails",
            r#"{"n":[{"anything-but":[100]}]}"#,
            vec![("n", n("1e2"))],
            false,
        ),
        row(
            "anything-but number: a String is not that number",
            r#"{"n":[{"anything-but":100}]}"#,
            vec![("n", s("100"))],
            true,
        ),
        row(
            "anything-but prefix: other prefix matches",
            r#"{"a":[{"anything-but":{"prefix":"test-"}}]}"#,
            vec![("a", s("prod-1"))],
            true,
        ),
        row(
            "anything-but prefix: that prefix fails",
            r#"{"a":[{"anything-but":{"prefix":"test-"}}]}"#,
            vec![("a", s("test-1"))],
            false,
        ),
        row(
            "anything-but prefix does not vouch for Numbers",
            r#"{"n":[{"anything-but":{"prefix":"9"}}]}"#,
            vec![("n", n("1"))],
            false,
        ),
        // numeric
        row("numeric = matches equal", r#"{"n":[{"numeric":["=",5]}]}"#, vec![("n", n("5.0"))], true),
        row("numeric = fails at the fifth decimal", r#"{"n":[{"numeric":["=",5]}]}"#, vec![("n", n("5.00001"))], false),
        row(
            "numeric = ignores a sixth decimal",
            r#"{"n":[{"numeric":["=",0.00001]}]}"#,
            vec![("n", n("0.000014"))],
            true,
        ),
        row("numeric > excludes the bound", r#"{"n":[{"numeric":[">",0]}]}"#, vec![("n", n("0"))], false),
        row("numeric > just above", r#"{"n":[{"numeric":[">",0]}]}"#, vec![("n", n("0.00001"))], true),
        row("numeric >= includes the bound", r#"{"n":[{"numeric":[">=",10]}]}"#, vec![("n", n("10"))], true),
        row("numeric < negative", r#"{"n":[{"numeric":["<",0]}]}"#, vec![("n", n("-1"))], true),
        row("numeric <= at -1e9", r#"{"n":[{"numeric":["<=",-1000000000]}]}"#, vec![("n", n("-1e9"))], true),
        row("numeric range includes upper <=", r#"{"n":[{"numeric":[">",0,"<=",150]}]}"#, vec![("n", n("150"))], true),
        row("numeric range above upper", r#"{"n":[{"numeric":[">",0,"<=",150]}]}"#, vec![("n", n("150.5"))], false),
        row("numeric range excludes lower >", r#"{"n":[{"numeric":[">",0,"<=",150]}]}"#, vec![("n", n("0"))], false),
        row("numeric range >= and <", r#"{"n":[{"numeric":[">=",1,"<",2]}]}"#, vec![("n", n("1"))], true),
        row("numeric does not read Strings", r#"{"n":[{"numeric":[">",0]}]}"#, vec![("n", s("5"))], false),
        row("numeric ignores values beyond 1e9", r#"{"n":[{"numeric":[">",0]}]}"#, vec![("n", n("2e9"))], false),
        // exists
        row("exists true: present", r#"{"a":[{"exists":true}]}"#, vec![("a", s("x"))], true),
        row("exists true: absent", r#"{"a":[{"exists":true}]}"#, vec![("b", s("x"))], false),
        row("exists false: absent among others", r#"{"a":[{"exists":false}]}"#, vec![("b", s("x"))], true),
        row("exists false: present", r#"{"a":[{"exists":false}]}"#, vec![("a", s("x"))], false),
        row("exists false: no attributes at all", r#"{"a":[{"exists":false}]}"#, vec![], false),
        row("exists true: Binary counts as absent", r#"{"b":[{"exists":true}]}"#, vec![("b", bin(b"x"))], false),
        row("exact string never matches Binary", r#"{"b":["x"]}"#, vec![("b", bin(b"x"))], false),
        row("exists false: a Binary-only key is absent", r#"{"b":[{"exists":false}]}"#, vec![("b", bin(b"x"))], true),
        row("exists true: Number present", r#"{"n":[{"exists":true}]}"#, vec![("n", n("0"))], true),
        // cidr
        row("cidr inside the block", r#"{"ip":[{"cidr":"10.0.0.0/24"}]}"#, vec![("ip", s("10.0.0.7"))], true),
        row("cidr outside the block", r#"{"ip":[{"cidr":"10.0.0.0/24"}]}"#, vec![("ip", s("10.0.1.7"))], false),
        row("cidr on a value that is no IP", r#"{"ip":[{"cidr":"10.0.0.0/24"}]}"#, vec![("ip", s("not-an-ip"))], false),
        row("cidr IPv6", r#"{"ip":[{"cidr":"2001:db8::/32"}]}"#, vec![("ip", s("2001:db8::1"))], true),
        row("cidr IPv4 block never holds IPv6", r#"{"ip":[{"cidr":"0.0.0.0/0"}]}"#, vec![("ip", s("::1"))], false),
        // String.Array
        row(
            "String.Array: any element matches",
            r#"{"c":["rugby"]}"#,
            vec![("c", sa(r#"["football","rugby"]"#))],
            true,
        ),
        row(
            "String.Array: no element matches",
            r#"{"c":["rugby"]}"#,
            vec![("c", sa(r#"["football","tennis"]"#))],
            false,
        ),
        row(
            "String.Array: anything-but fails if one element is listed",
            r#"{"c":[{"anything-but":"rugby"}]}"#,
            vec![("c", sa(r#"["football","rugby"]"#))],
            false,
        ),
        row(
            "String.Array: anything-but matches when none is listed",
            r#"{"c":[{"anything-but":["rugby","golf"]}]}"#,
            vec![("c", sa(r#"["football","tennis"]"#))],
            true,
        ),
        row("String.Array: numeric elements compare as numbers", r#"{"c":[3]}"#, vec![("c", sa("[1,2,3]"))], true),
        row(
            "String.Array: numeric range on elements",
            r#"{"c":[{"numeric":[">",10]}]}"#,
            vec![("c", sa("[1,2,30]"))],
            true,
        ),
        row(
            "String.Array: prefix on elements",
            r#"{"c":[{"prefix":"ru"}]}"#,
            vec![("c", sa(r#"["golf","rugby"]"#))],
            true,
        ),
        row(
            "String.Array: empty array holds no value",
            r#"{"c":[{"anything-but":"x"}]}"#,
            vec![("c", sa("[]"))],
            false,
        ),
        row("String.Array: true element matches true", r#"{"c":[true]}"#, vec![("c", sa("[false,true]"))], true),
        row(
            "a String that looks like an array is one string",
            r#"{"c":["rugby"]}"#,
            vec![("c", s(r#"["rugby"]"#))],
            false,
        ),
        row(
            "a String that looks like an array matches whole",
            r#"{"c":["[\"rugby\"]"]}"#,
            vec![("c", s(r#"["rugby"]"#))],
            true,
        ),
        // $or
        row("$or: second alternative matches", r#"{"$or":[{"a":["x"]},{"b":["y"]}]}"#, vec![("b", s("y"))], true),
        row("$or: no alternative matches", r#"{"$or":[{"a":["x"]},{"b":["y"]}]}"#, vec![("b", s("z"))], false),
        row(
            "$or ANDed with a key: both hold",
            r#"{"k":["1"],"$or":[{"a":["x"]},{"b":["y"]}]}"#,
            vec![("k", s("1")), ("a", s("x"))],
            true,
        ),
        row(
            "$or ANDed with a key: key fails",
            r#"{"k":["1"],"$or":[{"a":["x"]},{"b":["y"]}]}"#,
            vec![("k", s("2")), ("a", s("x"))],
            false,
        ),
        row(
            "$or alternatives with numbers",
            r#"{"$or":[{"n":[{"numeric":["<",0]}]},{"n":[{"numeric":[">",100]}]}]}"#,
            vec![("n", n("150"))],
            true,
        ),
        // body scope
        body("body: exact string", r#"{"kind":["invoice"]}"#, r#"{"kind":"invoice"}"#, true),
        body("body: nested key", r#"{"order":{"country":["DE"]}}"#, r#"{"order":{"country":"DE","total":5}}"#, true),
        body("body: nested key mismatch", r#"{"order":{"country":["DE"]}}"#, r#"{"order":{"country":"FR"}}"#, false),
        body("body: non-JSON never matches", r#"{"kind":["invoice"]}"#, "kind=invoice", false),
        body("body: non-JSON fails exists false", r#"{"kind":[{"exists":false}]}"#, "plain text", false),
        body("body: a JSON array body never matches", "{}", "[1,2]", false),
        body("body: empty policy matches any JSON object", "{}", r#"{"a":1}"#, true),
        body("body: array value, any element", r#"{"tags":["b"]}"#, r#"{"tags":["a","b"]}"#, true),
        body(
            "body: anything-but on an array holding the value",
            r#"{"tags":[{"anything-but":"b"}]}"#,
            r#"{"tags":["a","b"]}"#,
            false,
        ),
        body("body: numeric", r#"{"total":[{"numeric":[">",100]}]}"#, r#"{"total":150}"#, true),
        body("body: number vs string", r#"{"total":[150]}"#, r#"{"total":"150"}"#, false),
        body("body: exists false", r#"{"x":[{"exists":false}]}"#, r#"{"y":1}"#, true),
        body("body: null fails exists true", r#"{"a":{"b":[{"exists":true}]}}"#, r#"{"a":{"b":null}}"#, false),
        body("body: an object is not a leaf value", r#"{"a":[{"exists":true}]}"#, r#"{"a":{"b":1}}"#, false),
        body("body: null matches null", r#"{"a":[null]}"#, r#"{"a":null}"#, true),
        body("body: booleans", r#"{"paid":[true]}"#, r#"{"paid":true}"#, true),
        body(
            "body: nested $or",
            r#"{"order":{"$or":[{"country":["DE"]},{"total":[{"numeric":[">",1000]}]}]}}"#,
            r#"{"order":{"country":"FR","total":5000}}"#,
            true,
        ),
        body(
            "body: arrays of objects are searched",
            r#"{"items":{"sku":["b"]}}"#,
            r#"{"items":[{"sku":"a"},{"sku":"b"}]}"#,
            true,
        ),
        body(
            "body: cidr",
            r#"{"client":{"ip":[{"cidr":"192.168.0.0/16"}]}}"#,
            r#"{"client":{"ip":"192.168.4.2"}}"#,
            true,
        ),
    ]
}

#[test]
fn filter_policy_table() {
    let rows = rows();
    assert!(rows.len() >= 60, "{} rows", rows.len());
    for r in rows {
        let (policy, attrs, text) = match &r.msg {
            Msg::Attrs(a) => (FilterPolicy::parse(r.policy), a.iter().cloned().collect(), "x"),
            Msg::Body(b) => (FilterPolicy::parse_body(r.policy), Default::default(), *b),
        };
        let policy = policy.unwrap_or_else(|e| panic!("{}: {e}", r.name));
        assert_eq!(policy.matches(&attrs, text), r.want, "{} (direct)", r.name);

        // The same row through a subscription.
        let cloud = Cloud::builder().manual_clock().build();
        let t = cloud.create_topic("t", TopicConfig::default()).unwrap();
        let q = cloud.create_queue("q", QueueConfig::default()).unwrap();
        t.subscribe(Subscription::queue(&q).raw_delivery(true).filter(policy)).unwrap();
        t.publish(Publish::new(text).attributes(attrs)).unwrap();
        assert_eq!(q.try_receive().unwrap().is_some(), r.want, "{} (delivered)", r.name);
        let filtered = cloud.metrics().value("AWS/SNS", "t", "NumberOfNotificationsFilteredOut");
        assert_eq!(filtered, Some(if r.want { 0.0 } else { 1.0 }), "{} (metric)", r.name);
    }
}

#[test]
fn filter_scope_on_subscription_overrides_the_policy_scope() {
    // given a flat policy parsed for attributes, subscribed with body scope
    let cloud = Cloud::builder().manual_clock().build();
    let t = cloud.create_topic("t", TopicConfig::default()).unwrap();
    let q = cloud.create_queue("q", QueueConfig::default()).unwrap();
    let p = FilterPolicy::parse(r#"{"kind":["invoice"]}"#).unwrap();
    t.subscribe(Subscription::queue(&q).filter(p).filter_scope(FilterScope::MessageBody)).unwrap();
    // when one message carries the value in its attributes and one in its body
    t.publish(Publish::new("{}").attribute("kind", AttributeValue::string("invoice"))).unwrap();
    t.publish(Publish::new(r#"{"kind":"invoice"}"#)).unwrap();
    // then only the body one is delivered
    let m = q.try_receive().unwrap().unwrap();
    assert!(m.body_str().contains(r#"\"kind\":\"invoice\""#));
    assert!(q.try_receive().unwrap().is_none());
}

#[test]
fn nested_policy_cannot_be_used_on_attributes() {
    let cloud = Cloud::builder().manual_clock().build();
    let t = cloud.create_topic("t", TopicConfig::default()).unwrap();
    let q = cloud.create_queue("q", QueueConfig::default()).unwrap();
    let p = FilterPolicy::parse_body(r#"{"a":{"b":["c"]}}"#).unwrap();
    let err = t.subscribe(Subscription::queue(&q).filter(p).filter_scope(FilterScope::MessageAttributes)).unwrap_err();
    assert_eq!(err.code(), "InvalidParameter");
    assert!(t.subscriptions().is_empty());
}

#[test]
fn invalid_policies_are_rejected_with_invalid_parameter() {
    for bad in [
        "not json",
        r#"{"a":"x"}"#,
        r#"{"a":[]}"#,
        r#"{"a":[{"numeric":[">",1,"<",1]}]}"#,
        r#"{"a":[{"unknown":1}]}"#,
        r#"{"a":["1"],"b":["1"],"c":["1"],"d":["1"],"e":["1"],"f":["1"]}"#,
        r#"{"a":[{"cidr":"10.0.0.0"}]}"#,
        r#"{"$or":"x"}"#,
        // 6 x 6 x 5 = 180 combinations: over the 150 limit
        r#"{"a":["1","2","3","4","5","6"],"b":["1","2","3","4","5","6"],"c":["1","2","3","4","5"]}"#,
    ] {
        let err = FilterPolicy::parse(bad).unwrap_err();
        assert_eq!(err.code(), "InvalidParameter", "{bad}");
    }
    // 5 x 5 x 6 = 150 combinations is the most allowed
    assert!(FilterPolicy::parse(
        r#"{"a":["1","2","3","4","5"],"b":["1","2","3","4","5"],"c":["1","2","3","4","5","6"]}"#
    )
    .is_ok());
}

/// Delivers each body through a body-scope subscription; which of them arrived.
fn delivered_bodies(policy: &str, bodies: &[&'static str]) -> Vec<&'static str> {
    let cloud = Cloud::builder().manual_clock().build();
    let t = cloud.create_topic("t", TopicConfig::default()).unwrap();
    let q = cloud.create_queue("q", QueueConfig::default()).unwrap();
    let p = FilterPolicy::parse_body(policy).unwrap();
    t.subscribe(Subscription::queue(&q).raw_delivery(true).filter(p)).unwrap();
    let mut got = Vec::new();
    for b in bodies {
        t.publish(Publish::new(*b)).unwrap();
        if let Some(m) = q.try_receive().unwrap() {
            assert_eq!(m.body_str(), *b);
            got.push(*b);
        }
    }
    got
}

#[test]
fn exists_true_needs_a_non_null_non_empty_body_value() {
    // given a body policy asking for a store
    let policy = r#"{"store":[{"exists":true}]}"#;
    // when bodies hold a value, null, an empty string, nothing, or a list with one value
    let got = delivered_bodies(
        policy,
        &[
            r#"{"store":"fans"}"#,
            r#"{"store":null}"#,
            r#"{"store":""}"#,
            r#"{"other":1}"#,
            r#"{"store":["",null,"x"]}"#,
        ],
    );
    // then only a real value matches
    assert_eq!(got, [r#"{"store":"fans"}"#, r#"{"store":["",null,"x"]}"#]);
    // and exists false still treats null and "" as present keys, as before
    let absent = delivered_bodies(r#"{"store":[{"exists":false}]}"#, &[r#"{"store":null}"#, r#"{"other":1}"#]);
    assert_eq!(absent, [r#"{"other":1}"#]);
}

#[test]
fn dotted_body_keys_match_the_literal_and_the_nested_form() {
    // given a body policy on "order.country"
    let policy = r#"{"order.country":["DE"]}"#;
    // when the value sits under the literal dotted key, nested, half nested, or elsewhere
    let got = delivered_bodies(
        policy,
        &[
            r#"{"order.country":"DE"}"#,
            r#"{"order":{"country":"DE"}}"#,
            r#"{"order":[{"country":"FR"},{"country":"DE"}]}"#,
            r#"{"order":{"country":"FR"}}"#,
            r#"{"country":"DE"}"#,
        ],
    );
    // then both forms match, and nothing else does
    assert_eq!(
        got,
        [
            r#"{"order.country":"DE"}"#,
            r#"{"order":{"country":"DE"}}"#,
            r#"{"order":[{"country":"FR"},{"country":"DE"}]}"#
        ]
    );
    // a dotted key deeper in a nested policy works the same way
    let deep =
        delivered_bodies(r#"{"a":{"b.c":[1]}}"#, &[r#"{"a":{"b":{"c":1}}}"#, r#"{"a":{"b.c":1}}"#, r#"{"a":{"b":1}}"#]);
    assert_eq!(deep, [r#"{"a":{"b":{"c":1}}}"#, r#"{"a":{"b.c":1}}"#]);
    // while in attribute scope a dotted key is one attribute name
    let p = FilterPolicy::parse(r#"{"order.country":["DE"]}"#).unwrap();
    let attrs = [("order.country", AttributeValue::string("DE"))].into_iter().collect();
    assert!(p.matches(&attrs, ""));
}

#[test]
fn nested_value_lists_count_once_per_level_of_nesting() {
    let six = r#"["1","2","3","4","5","6"]"#;
    // given two lists of six values, each under two levels: 36 flat, 6^2 x 6^2 weighted
    let nested = format!(r#"{{"a":{{"b":{six}}},"c":{{"d":{six}}}}}"#);
    let err = FilterPolicy::parse_body(&nested).unwrap_err();
    assert_eq!(err.code(), "InvalidParameter");
    assert!(err.to_string().contains("combinations"), "{err}");
    // the same lists at the top level are 36 and fine, as are flat 150
    assert!(FilterPolicy::parse_body(&format!(r#"{{"a":{six},"c":{six}}}"#)).is_ok());
    // a nested list of 12 values counts 144 and passes; of 13, 169 and fails
    let list = |n: usize| serde_json::to_string(&(0..n).map(|i| i.to_string()).collect::<Vec<_>>()).unwrap();
    assert!(FilterPolicy::parse_body(&format!(r#"{{"a":{{"b":{}}}}}"#, list(12))).is_ok());
    assert!(FilterPolicy::parse_body(&format!(r#"{{"a":{{"b":{}}}}}"#, list(13))).is_err());
    // single values cost nothing however deep they sit
    assert!(FilterPolicy::parse_body(r#"{"a":{"b":{"c":{"d":["x"]}}}}"#).is_ok());
}

#[test]
fn anything_but_with_suffix_is_rejected() {
    let err = FilterPolicy::parse(r#"{"a":[{"anything-but":{"suffix":"-dev"}}]}"#).unwrap_err();
    assert_eq!(err.code(), "InvalidParameter");
    // the prefix form is still accepted
    assert!(FilterPolicy::parse(r#"{"a":[{"anything-but":{"prefix":"test-"}}]}"#).is_ok());
}
