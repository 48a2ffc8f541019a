//! Parsing a filter policy's JSON into the tree the matcher walks, with the limits
//! (keys, combinations, number range and precision) checked once.

use std::net::IpAddr;

use serde_json::{Map, Value};

use super::{FilterScope, MAX_FILTER_COMBINATIONS, MAX_FILTER_KEYS};

/// Numbers in policies are limited to ±1e9 …
const MAX_NUMBER: f64 = 1e9;
/// … with five decimal places: compared as integers of 1e-5.
const SCALE: f64 = 1e5;

/// Keys ANDed together, plus `$or` groups of which one alternative must match.
#[derive(Debug, Default)]
pub(crate) struct Group {
    pub(crate) leaves: Vec<Leaf>,
    pub(crate) ors: Vec<Vec<Group>>,
}

/// One key (a path of nested keys in body scope) and its ORed conditions.
#[derive(Debug)]
pub(crate) struct Leaf {
    pub(crate) path: Vec<String>,
    pub(crate) conds: Vec<Cond>,
    /// Body scope: the keys a body object may hold at each step of the path. The
    /// path is read as dot-separated names (`{"a": {"b.c": …}}` is `a`, `b`, `c`),
    /// and `steps[i][j]` is names `i..=i+j` joined by dots, so `"a.b"` in a policy
    /// reaches both `{"a.b": …}` and `{"a": {"b": …}}` in a body. Empty in attribute
    /// scope, where a key is one attribute name, dots and all.
    pub(crate) steps: Vec<Vec<String>>,
}

impl Leaf {
    fn new(path: Vec<String>, conds: Vec<Cond>, scope: FilterScope) -> Self {
        let steps = if scope == FilterScope::MessageBody {
            let names: Vec<&str> = path.iter().flat_map(|p| p.split('.')).collect();
            (0..names.len()).map(|i| (i + 1..=names.len()).map(|end| names[i..end].join(".")).collect()).collect()
        } else {
            Vec::new()
        };
        Leaf { path, conds, steps }
    }
}

/// One condition of a value array.
#[derive(Debug)]
pub(crate) enum Cond {
    Str(String),
    Num(i64),
    Bool(bool),
    Null,
    Prefix(String),
    Suffix(String),
    /// Stored lowercased.
    EqualsIgnoreCase(String),
    AnythingBut(AnythingBut),
    Numeric {
        lower: Option<Bound>,
        upper: Option<Bound>,
    },
    Exists(bool),
    Cidr(Cidr),
}

/// What `anything-but` excludes (a `suffix` inside it is refused, as by the service).
#[derive(Debug)]
pub(crate) enum AnythingBut {
    Values(Vec<Scalar>),
    Prefix(String),
}

/// A value `anything-but` can list.
#[derive(Debug, PartialEq)]
pub(crate) enum Scalar {
    Str(String),
    Num(i64),
}

/// One end of a numeric range, in units of 1e-5.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Bound {
    pub(crate) value: i64,
    pub(crate) inclusive: bool,
}

/// An IP block: the address bits (IPv4 in the low 32) and the prefix length.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Cidr {
    pub(crate) v4: bool,
    pub(crate) bits: u128,
    pub(crate) len: u32,
}

impl Cidr {
    pub(crate) fn contains(&self, ip: IpAddr) -> bool {
        let (v4, bits, width) = ip_bits(ip);
        if v4 != self.v4 {
            return false;
        }
        let shift = width - self.len;
        let mask = if shift >= 128 { 0 } else { u128::MAX << shift };
        (bits & mask) == (self.bits & mask)
    }
}

fn ip_bits(ip: IpAddr) -> (bool, u128, u32) {
    match ip {
        IpAddr::V4(a) => (true, u128::from(u32::from(a)), 32),
        IpAddr::V6(a) => (false, u128::from(a), 128),
    }
}

/// A number in units of 1e-5, or `None` outside ±1e9 (such values match no numeric
/// condition).
pub(crate) fn to_fixed(x: f64) -> Option<i64> {
    if !x.is_finite() || x.abs() > MAX_NUMBER {
        return None;
    }
    Some((x * SCALE).round() as i64)
}

pub(crate) fn parse_policy(v: &Value, scope: FilterScope) -> Result<Group, String> {
    let obj = v.as_object().ok_or("the policy must be a JSON object")?;
    let mut path = Vec::new();
    let group = if obj.is_empty() { Group::default() } else { parse_object(obj, &mut path, scope)? };
    let keys = key_count(&group);
    if keys > MAX_FILTER_KEYS {
        return Err(format!("the policy has {keys} keys; at most {MAX_FILTER_KEYS} are allowed"));
    }
    let combos = combinations(&group);
    if combos > MAX_FILTER_COMBINATIONS {
        return Err(format!(
            "the policy has {combos} combinations of values; at most {MAX_FILTER_COMBINATIONS} are allowed"
        ));
    }
    Ok(group)
}

fn here(path: &[String]) -> String {
    if path.is_empty() {
        "the top level".into()
    } else {
        format!("{:?}", path.join("."))
    }
}

fn parse_object(obj: &Map<String, Value>, path: &mut Vec<String>, scope: FilterScope) -> Result<Group, String> {
    if obj.is_empty() {
        return Err(format!("at {}: an object must have at least one key", here(path)));
    }
    let mut group = Group::default();
    for (key, value) in obj {
        if key == "$or" {
            let alts = value
                .as_array()
                .filter(|a| a.len() >= 2)
                .ok_or_else(|| format!("at {}: \"$or\" must be an array of at least two objects", here(path)))?;
            let mut branches = Vec::with_capacity(alts.len());
            for alt in alts {
                let alt = alt
                    .as_object()
                    .ok_or_else(|| format!("at {}: \"$or\" alternatives must be objects", here(path)))?;
                branches.push(parse_object(alt, path, scope)?);
            }
            group.ors.push(branches);
            continue;
        }
        path.push(key.clone());
        match value {
            Value::Array(items) => {
                let conds = parse_values(items, path)?;
                group.leaves.push(Leaf::new(path.clone(), conds, scope));
            }
            Value::Object(inner) if scope == FilterScope::MessageBody => {
                let nested = parse_object(inner, path, scope)?;
                group.leaves.extend(nested.leaves);
                group.ors.extend(nested.ors);
            }
            Value::Object(_) => {
                return Err(format!("at {}: nested keys are only allowed in a policy on the message body", here(path)))
            }
            _ => return Err(format!("at {}: the value must be an array of conditions", here(path))),
        }
        path.pop();
    }
    Ok(group)
}

fn parse_values(items: &[Value], path: &[String]) -> Result<Vec<Cond>, String> {
    if items.is_empty() {
        return Err(format!("at {}: the array of conditions must not be empty", here(path)));
    }
    items.iter().map(|item| parse_value(item, path)).collect()
}

fn parse_value(item: &Value, path: &[String]) -> Result<Cond, String> {
    let at = || here(path);
    Ok(match item {
        Value::String(s) => Cond::Str(s.clone()),
        Value::Number(_) => Cond::Num(policy_number(item, path)?),
        Value::Bool(b) => Cond::Bool(*b),
        Value::Null => Cond::Null,
        Value::Array(_) => return Err(format!("at {}: arrays may not be nested", at())),
        Value::Object(op) => {
            let mut it = op.iter();
            let (Some((name, arg)), None) = (it.next(), it.next()) else {
                return Err(format!("at {}: an operator object must have exactly one key", at()));
            };
            match name.as_str() {
                "prefix" => Cond::Prefix(non_empty_string(arg, "prefix", path)?),
                "suffix" => Cond::Suffix(non_empty_string(arg, "suffix", path)?),
                "equals-ignore-case" => {
                    Cond::EqualsIgnoreCase(non_empty_string(arg, "equals-ignore-case", path)?.to_lowercase())
                }
                "anything-but" => Cond::AnythingBut(parse_anything_but(arg, path)?),
                "numeric" => parse_numeric(arg, path)?,
                "exists" => {
                    Cond::Exists(arg.as_bool().ok_or_else(|| format!("at {}: \"exists\" takes true or false", at()))?)
                }
                "cidr" => Cond::Cidr(parse_cidr(arg, path)?),
                other => return Err(format!("at {}: unknown operator {other:?}", at())),
            }
        }
    })
}

fn non_empty_string(arg: &Value, op: &str, path: &[String]) -> Result<String, String> {
    match arg.as_str() {
        Some(s) if !s.is_empty() => Ok(s.to_owned()),
        _ => Err(format!("at {}: {op:?} takes a non-empty string", here(path))),
    }
}

fn policy_number(v: &Value, path: &[String]) -> Result<i64, String> {
    let x = v.as_f64().ok_or_else(|| format!("at {}: expected a number", here(path)))?;
    let fixed =
        to_fixed(x).ok_or_else(|| format!("at {}: numbers must be between -1e9 and 1e9, got {x}", here(path)))?;
    let scaled = x * SCALE;
    // Tolerate the float error of the scaling, not a sixth decimal.
    if (scaled - fixed as f64).abs() > 1e-3 + scaled.abs() * 1e-14 {
        return Err(format!("at {}: numbers may have at most 5 decimal places, got {x}", here(path)));
    }
    Ok(fixed)
}

fn parse_anything_but(arg: &Value, path: &[String]) -> Result<AnythingBut, String> {
    let scalar = |v: &Value| -> Result<Scalar, String> {
        match v {
            Value::String(s) => Ok(Scalar::Str(s.clone())),
            Value::Number(_) => Ok(Scalar::Num(policy_number(v, path)?)),
            _ => Err(format!("at {}: \"anything-but\" lists only strings and numbers", here(path))),
        }
    };
    match arg {
        Value::Array(items) if !items.is_empty() => {
            Ok(AnythingBut::Values(items.iter().map(scalar).collect::<Result<_, _>>()?))
        }
        Value::Array(_) => Err(format!("at {}: \"anything-but\" needs a non-empty list", here(path))),
        Value::Object(op) => {
            let mut it = op.iter();
            match (it.next(), it.next()) {
                (Some((k, v)), None) if k == "prefix" => Ok(AnythingBut::Prefix(non_empty_string(v, "prefix", path)?)),
                _ => Err(format!("at {}: \"anything-but\" takes a value, a list or {{\"prefix\"}}", here(path))),
            }
        }
        other => Ok(AnythingBut::Values(vec![scalar(other)?])),
    }
}

fn parse_numeric(arg: &Value, path: &[String]) -> Result<Cond, String> {
    let at = || here(path);
    let items = arg.as_array().ok_or_else(|| format!("at {}: \"numeric\" takes an array such as [\">\", 0]", at()))?;
    let op = |i: usize| items.get(i).and_then(Value::as_str);
    let num = |i: usize| match items.get(i) {
        Some(v) if v.is_number() => policy_number(v, path),
        _ => Err(format!("at {}: \"numeric\" expects a number after each operator", at())),
    };
    match items.len() {
        2 => {
            let n = num(1)?;
            let b = |inclusive| Some(Bound { value: n, inclusive });
            let (lower, upper) = match op(0) {
                Some("=") => (b(true), b(true)),
                Some(">") => (b(false), None),
                Some(">=") => (b(true), None),
                Some("<") => (None, b(false)),
                Some("<=") => (None, b(true)),
                _ => return Err(format!("at {}: unknown numeric operator; use =, <, <=, > or >=", at())),
            };
            Ok(Cond::Numeric { lower, upper })
        }
        4 => {
            let lower_inclusive = match op(0) {
                Some(">") => false,
                Some(">=") => true,
                _ => return Err(format!("at {}: a numeric range starts with > or >=", at())),
            };
            let upper_inclusive = match op(2) {
                Some("<") => false,
                Some("<=") => true,
                _ => return Err(format!("at {}: a numeric range ends with < or <=", at())),
            };
            let (lo, hi) = (num(1)?, num(3)?);
            if lo >= hi {
                return Err(format!("at {}: the lower bound of a numeric range must be below its upper bound", at()));
            }
            Ok(Cond::Numeric {
                lower: Some(Bound { value: lo, inclusive: lower_inclusive }),
                upper: Some(Bound { value: hi, inclusive: upper_inclusive }),
            })
        }
        _ => Err(format!("at {}: \"numeric\" takes one comparison or a range of two", at())),
    }
}

fn parse_cidr(arg: &Value, path: &[String]) -> Result<Cidr, String> {
    let bad = || format!("at {}: \"cidr\" takes an IP block such as \"10.0.0.0/24\"", here(path));
    let s = arg.as_str().ok_or_else(bad)?;
    let (addr, len) = s.split_once('/').ok_or_else(bad)?;
    let ip: IpAddr = addr.parse().map_err(|_| bad())?;
    let len: u32 = len.parse().map_err(|_| bad())?;
    let (v4, bits, width) = ip_bits(ip);
    if len > width {
        return Err(bad());
    }
    Ok(Cidr { v4, bits, len })
}

/// Keys of the largest alternative: the leaves ANDed here plus, for each `$or`, its
/// largest branch.
fn key_count(g: &Group) -> usize {
    g.leaves.len() + g.ors.iter().map(|branches| branches.iter().map(key_count).max().unwrap_or(0)).sum::<usize>()
}

/// The policy's complexity, which may not exceed [`MAX_FILTER_COMBINATIONS`]: the
/// product over the value arrays of each array's length, counted once per level of
/// nesting the array sits at (an array of `n` values under `d` nested keys
/// contributes `n^d`; top-level arrays, `d = 1`, contribute their length); an `$or`
/// contributes the sum of its branches. `{"a": {"b": [6 values]}, "c": {"d": [6
/// values]}}` is 36 flat but 6² × 6² = 1,296 here, and is refused.
fn combinations(g: &Group) -> usize {
    let leaves = g.leaves.iter().fold(1usize, |acc, l| {
        let depth = u32::try_from(l.path.len()).unwrap_or(u32::MAX);
        acc.saturating_mul(l.conds.len().saturating_pow(depth))
    });
    g.ors.iter().fold(leaves, |acc, branches| {
        acc.saturating_mul(branches.iter().map(combinations).fold(0usize, usize::saturating_add))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<Group, String> {
        parse_policy(&serde_json::from_str(s).unwrap(), FilterScope::MessageAttributes)
    }

    fn err(s: &str) -> String {
        parse(s).unwrap_err()
    }

    #[test]
    fn empty_policy_matches_everything() {
        let g = parse("{}").unwrap();
        assert!(g.leaves.is_empty() && g.ors.is_empty());
    }

    #[test]
    fn errors_name_the_key_and_the_rule() {
        assert!(err(r#"{"a": "b"}"#).contains("\"a\""));
        assert!(err(r#"{"a": []}"#).contains("must not be empty"));
        assert!(err(r#"{"a": [["x"]]}"#).contains("nested"));
        assert!(err(r#"{"a": [{"nope": 1}]}"#).contains("unknown operator"));
        assert!(err(r#"{"a": [{"prefix": 1}]}"#).contains("prefix"));
        assert!(err(r#"{"a": [{"prefix": "a", "suffix": "b"}]}"#).contains("exactly one key"));
        assert!(err(r#"{"a": [{"numeric": [">", 5, "<", 1]}]}"#).contains("lower bound"));
        assert!(err(r#"{"a": [{"numeric": ["<", 5, ">", 9]}]}"#).contains("starts with"));
        assert!(err(r#"{"a": [{"numeric": ["!=", 5]}]}"#).contains("operator"));
        assert!(err(r#"{"a": [{"numeric": [">", "5"]}]}"#).contains("number"));
        assert!(err(r#"{"a": [1000000001]}"#).contains("1e9"));
        assert!(err(r#"{"a": [0.123456]}"#).contains("5 decimal"));
        assert!(err(r#"{"a": [{"exists": "yes"}]}"#).contains("exists"));
        assert!(err(r#"{"a": [{"cidr": "10.0.0.0/33"}]}"#).contains("cidr"));
        assert!(err(r#"{"a": [{"cidr": "nope"}]}"#).contains("cidr"));
        assert!(err(r#"{"a": {"b": ["c"]}}"#).contains("message body"));
        assert!(err(r#"{"$or": [{"a": ["b"]}]}"#).contains("at least two"));
        assert!(err(r#"{"a": [{"anything-but": []}]}"#).contains("non-empty"));
        assert!(err(r#"{"a": [{"anything-but": [true]}]}"#).contains("strings and numbers"));
        assert!(err("[1]").contains("JSON object"));
    }

    #[test]
    fn limits_on_keys_and_combinations() {
        assert!(parse(r#"{"a":["1"],"b":["1"],"c":["1"],"d":["1"],"e":["1"]}"#).is_ok());
        assert!(err(r#"{"a":["1"],"b":["1"],"c":["1"],"d":["1"],"e":["1"],"f":["1"]}"#).contains("5"));
        let ten: Vec<String> = (0..10).map(|i| i.to_string()).collect();
        let fifteen: Vec<String> = (0..15).map(|i| i.to_string()).collect();
        let p = serde_json::json!({"a": ten, "b": fifteen}).to_string();
        assert!(parse(&p).is_ok()); // 150
        let p = serde_json::json!({"a": ten, "b": fifteen, "c": ["x", "y"]}).to_string();
        assert!(err(&p).contains("combinations")); // 300
        let p = serde_json::json!({"$or": [{"a": ten, "b": fifteen}, {"c": ["x"]}]}).to_string();
        assert!(err(&p).contains("combinations")); // 151
    }

    #[test]
    fn fixed_point_numbers() {
        assert_eq!(to_fixed(1.5), Some(150_000));
        assert_eq!(to_fixed(-1e9), Some(-100_000_000_000_000));
        assert_eq!(to_fixed(1e9 + 1.0), None);
        assert_eq!(to_fixed(f64::NAN), None);
    }

    #[test]
    fn cidr_blocks() {
        let c = |s: &str| parse_cidr(&Value::String(s.into()), &[]).unwrap();
        assert!(c("10.0.0.0/24").contains("10.0.0.255".parse().unwrap()));
        assert!(!c("10.0.0.0/24").contains("10.0.1.0".parse().unwrap()));
        assert!(c("0.0.0.0/0").contains("1.2.3.4".parse().unwrap()));
        assert!(!c("0.0.0.0/0").contains("::1".parse().unwrap()));
        assert!(c("2001:db8::/32").contains("2001:db8::1".parse().unwrap()));
        assert!(c("1.2.3.4/32").contains("1.2.3.4".parse().unwrap()));
    }
}
