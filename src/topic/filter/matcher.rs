//! Matching a message against a parsed policy. Walks the tree and the message in
//! place: no allocation per message (String.Array attributes and JSON bodies are
//! parsed once per publish, before any subscription is matched).

use std::net::IpAddr;

use serde_json::Value;

use super::parse::{to_fixed, AnythingBut, Cond, Group, Leaf, Scalar};
use crate::message::{AttributeType, MessageAttributes};

/// What a policy reads: the attributes (with String.Array values pre-parsed), or the
/// body (`None` when it is not JSON).
pub(crate) enum Input<'a> {
    Attributes { attrs: &'a MessageAttributes, arrays: &'a [(&'a str, Vec<Value>)] },
    Body(Option<&'a Value>),
}

/// The String.Array attributes parsed into their elements, in name order.
pub(crate) fn parse_arrays(attrs: &MessageAttributes) -> Vec<(&str, Vec<Value>)> {
    attrs
        .iter()
        .filter(|(_, v)| v.base_type() == Some(AttributeType::StringArray))
        .filter_map(|(k, v)| Some((k, serde_json::from_str::<Vec<Value>>(v.as_str()?).ok()?)))
        .collect()
}

/// One scalar a key holds; a key may hold several (arrays) or none.
#[derive(Clone, Copy)]
enum Val<'a> {
    Str(&'a str),
    /// In units of 1e-5; `None` outside the ±1e9 that numeric conditions handle.
    Num(Option<i64>),
    Bool(bool),
    Null,
}

pub(crate) fn matches(root: &Group, input: &Input<'_>) -> bool {
    if let Input::Body(body) = input {
        // A body that is not a JSON object never matches a body policy, not even `{}`.
        if !body.is_some_and(Value::is_object) {
            return false;
        }
    }
    group_matches(root, input)
}

fn group_matches(g: &Group, input: &Input<'_>) -> bool {
    g.leaves.iter().all(|l| leaf_matches(l, input))
        && g.ors.iter().all(|branches| branches.iter().any(|b| group_matches(b, input)))
}

fn leaf_matches(leaf: &Leaf, input: &Input<'_>) -> bool {
    leaf.conds.iter().any(|c| cond_matches(c, leaf, input))
}

fn cond_matches(c: &Cond, leaf: &Leaf, input: &Input<'_>) -> bool {
    let (path, steps) = (leaf.path.as_slice(), leaf.steps.as_slice());
    match c {
        Cond::Exists(true) => present(input, path, steps, true),
        // A message without any attribute fails `exists: false`: there is nothing to
        // tell a missing key from.
        Cond::Exists(false) => {
            !present(input, path, steps, false) && !matches!(input, Input::Attributes { attrs, .. } if attrs.is_empty())
        }
        Cond::AnythingBut(ab) => {
            let (mut any, mut excluded) = (false, false);
            for_each_value(input, path, steps, &mut |v| {
                any = true;
                excluded = anything_but_excludes(ab, v);
                excluded
            });
            any && !excluded
        }
        _ => {
            let mut hit = false;
            for_each_value(input, path, steps, &mut |v| {
                hit = positive(c, v);
                hit
            });
            hit
        }
    }
}

fn positive(c: &Cond, v: Val<'_>) -> bool {
    match (c, v) {
        (Cond::Str(want), Val::Str(s)) => want == s,
        (Cond::Num(want), Val::Num(Some(x))) => *want == x,
        (Cond::Bool(want), Val::Bool(b)) => *want == b,
        (Cond::Null, Val::Null) => true,
        (Cond::Prefix(p), Val::Str(s)) => s.starts_with(p.as_str()),
        (Cond::Suffix(p), Val::Str(s)) => s.ends_with(p.as_str()),
        (Cond::EqualsIgnoreCase(lower), Val::Str(s)) => s.chars().flat_map(char::to_lowercase).eq(lower.chars()),
        (Cond::Numeric { lower, upper }, Val::Num(Some(x))) => {
            lower.is_none_or(|b| if b.inclusive { x >= b.value } else { x > b.value })
                && upper.is_none_or(|b| if b.inclusive { x <= b.value } else { x < b.value })
        }
        (Cond::Cidr(block), Val::Str(s)) => s.parse::<IpAddr>().is_ok_and(|ip| block.contains(ip)),
        _ => false,
    }
}

fn anything_but_excludes(ab: &AnythingBut, v: Val<'_>) -> bool {
    match (ab, v) {
        (AnythingBut::Values(list), v) => list.iter().any(|sc| match (sc, v) {
            (Scalar::Str(a), Val::Str(b)) => a == b,
            (Scalar::Num(a), Val::Num(Some(b))) => *a == b,
            _ => false,
        }),
        (AnythingBut::Prefix(p), Val::Str(s)) => s.starts_with(p.as_str()),
        // Only strings have a prefix: any other value cannot be vouched for.
        (AnythingBut::Prefix(_), _) => true,
    }
}

/// Whether the key holds a value. Binary attributes count as absent. In a body,
/// with `need_value` (`exists: true`), so do `null` and `""`: the key needs a
/// non-null, non-empty value; without it (`exists: false`), any value is presence.
fn present(input: &Input<'_>, path: &[String], steps: &[Vec<String>], need_value: bool) -> bool {
    match input {
        Input::Attributes { attrs, .. } => path.first().and_then(|k| attrs.get(k)).is_some_and(|v| {
            matches!(v.base_type(), Some(AttributeType::String | AttributeType::Number | AttributeType::StringArray))
        }),
        Input::Body(_) => {
            let mut found = false;
            for_each_value(input, path, steps, &mut |v| {
                found = !need_value || !matches!(v, Val::Null | Val::Str(""));
                found
            });
            found
        }
    }
}

/// Calls `f` with each scalar the key holds until it returns true.
fn for_each_value<'a>(input: &Input<'a>, path: &[String], steps: &[Vec<String>], f: &mut dyn FnMut(Val<'a>) -> bool) {
    match input {
        Input::Attributes { attrs, arrays } => {
            let Some(name) = path.first() else { return };
            let Some(v) = attrs.get(name) else { return };
            match v.base_type() {
                Some(AttributeType::String) => {
                    f(Val::Str(v.as_str().unwrap_or_default()));
                }
                Some(AttributeType::Number) => {
                    let n = v.as_str().and_then(|s| s.trim().parse::<f64>().ok()).and_then(to_fixed);
                    f(Val::Num(n));
                }
                Some(AttributeType::StringArray) => {
                    if let Some((_, items)) = arrays.iter().find(|(k, _)| *k == name.as_str()) {
                        let _ = items.iter().any(|item| scalar(item, f));
                    }
                }
                _ => {}
            }
        }
        Input::Body(Some(root)) => {
            walk(root, steps, f);
        }
        Input::Body(None) => {}
    }
}

/// Follows the path's `steps` through objects (at each step, any run of the
/// remaining dot-separated names may be one key), fanning out over arrays on the way.
fn walk<'a>(v: &'a Value, steps: &[Vec<String>], f: &mut dyn FnMut(Val<'a>) -> bool) -> bool {
    match (steps.first(), v) {
        (None, Value::Array(items)) => items.iter().any(|item| !item.is_array() && scalar(item, f)),
        (None, v) => scalar(v, f),
        (Some(keys), Value::Object(m)) => {
            keys.iter().enumerate().any(|(j, key)| m.get(key).is_some_and(|child| walk(child, &steps[j + 1..], f)))
        }
        (Some(_), Value::Array(items)) => items.iter().any(|item| walk(item, steps, f)),
        (Some(_), _) => false,
    }
}

fn scalar<'a>(v: &'a Value, f: &mut dyn FnMut(Val<'a>) -> bool) -> bool {
    match v {
        Value::String(s) => f(Val::Str(s)),
        Value::Number(n) => f(Val::Num(n.as_f64().and_then(to_fixed))),
        Value::Bool(b) => f(Val::Bool(*b)),
        Value::Null => f(Val::Null),
        // An object is not a value to compare; a nested array is not flattened twice.
        Value::Object(_) | Value::Array(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use crate::message::{AttributeValue, MessageAttributes};
    use crate::topic::filter::FilterPolicy;

    fn attrs(pairs: &[(&str, AttributeValue)]) -> MessageAttributes {
        pairs.iter().cloned().collect()
    }

    #[test]
    fn keys_are_anded_and_values_ored() {
        let p = FilterPolicy::parse(r#"{"a": ["x", "y"], "b": ["z"]}"#).unwrap();
        let s = AttributeValue::string;
        assert!(p.matches(&attrs(&[("a", s("y")), ("b", s("z"))]), ""));
        assert!(!p.matches(&attrs(&[("a", s("y"))]), ""));
        assert!(!p.matches(&attrs(&[("a", s("w")), ("b", s("z"))]), ""));
    }

    #[test]
    fn string_array_any_element_and_anything_but_none() {
        let arr = AttributeValue::string_array(["red", "blue"]);
        let any = FilterPolicy::parse(r#"{"c": ["blue"]}"#).unwrap();
        let but = FilterPolicy::parse(r#"{"c": [{"anything-but": "blue"}]}"#).unwrap();
        assert!(any.matches(&attrs(&[("c", arr.clone())]), ""));
        assert!(!but.matches(&attrs(&[("c", arr)]), ""));
    }

    #[test]
    fn body_arrays_of_objects_are_flattened() {
        let p = FilterPolicy::parse_body(r#"{"items": {"sku": ["b"]}}"#).unwrap();
        assert!(p.matches(&MessageAttributes::new(), r#"{"items": [{"sku": "a"}, {"sku": "b"}]}"#));
        assert!(!p.matches(&MessageAttributes::new(), r#"{"items": [{"sku": "a"}]}"#));
    }

    #[test]
    fn equals_ignore_case_handles_unicode() {
        let p = FilterPolicy::parse(r#"{"n": [{"equals-ignore-case": "ÉTÉ"}]}"#).unwrap();
        assert!(p.matches(&attrs(&[("n", AttributeValue::string("été"))]), ""));
    }
}
