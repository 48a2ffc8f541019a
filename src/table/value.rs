//! Typed attribute values, items, the `item!` macro, item size and the DynamoDB JSON shape.

use std::collections::{BTreeMap, BTreeSet};

use bytes::Bytes;
use serde_json::{json, Map, Value};

use super::error::TableError;
use super::number::Number;
use crate::codec::base64;

/// An item: attribute names to values.
pub type Item = BTreeMap<String, AttributeValue>;

/// Largest item, names and values together: 400 KB.
pub const MAX_ITEM_SIZE: usize = 400 * 1024;
/// Deepest nesting of lists and maps.
pub const MAX_NESTING_DEPTH: usize = 32;

/// A typed attribute value, as DynamoDB stores it.
///
/// ```
/// use localcloud::table::AttributeValue;
/// let v = AttributeValue::from(120);
/// assert_eq!(v.type_name(), "N");
/// assert_eq!(v.to_json().to_string(), r#"{"N":"120"}"#);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AttributeValue {
    /// A string (`S`).
    S(String),
    /// A number (`N`).
    N(Number),
    /// Binary data (`B`).
    B(Bytes),
    /// A boolean (`BOOL`).
    Bool(bool),
    /// Null (`NULL`).
    Null,
    /// A list of values (`L`).
    L(Vec<AttributeValue>),
    /// A map of values (`M`).
    M(Item),
    /// A string set (`SS`), non-empty when written.
    Ss(BTreeSet<String>),
    /// A number set (`NS`), non-empty when written.
    Ns(BTreeSet<Number>),
    /// A binary set (`BS`), non-empty when written.
    Bs(BTreeSet<Bytes>),
}

impl AttributeValue {
    /// A number value from text; `ValidationException` if it is not a DynamoDB number.
    pub fn number(text: &str) -> Result<Self, TableError> {
        Number::parse(text).map(AttributeValue::N)
    }

    /// A string set.
    pub fn string_set<S: Into<String>>(items: impl IntoIterator<Item = S>) -> Self {
        AttributeValue::Ss(items.into_iter().map(Into::into).collect())
    }

    /// A number set.
    pub fn number_set<N: Into<Number>>(items: impl IntoIterator<Item = N>) -> Self {
        AttributeValue::Ns(items.into_iter().map(Into::into).collect())
    }

    /// A binary set.
    pub fn binary_set<B: Into<Bytes>>(items: impl IntoIterator<Item = B>) -> Self {
        AttributeValue::Bs(items.into_iter().map(Into::into).collect())
    }

    /// The DynamoDB type tag: `S`, `N`, `B`, `BOOL`, `NULL`, `L`, `M`, `SS`, `NS` or `BS`.
    pub fn type_name(&self) -> &'static str {
        match self {
            AttributeValue::S(_) => "S",
            AttributeValue::N(_) => "N",
            AttributeValue::B(_) => "B",
            AttributeValue::Bool(_) => "BOOL",
            AttributeValue::Null => "NULL",
            AttributeValue::L(_) => "L",
            AttributeValue::M(_) => "M",
            AttributeValue::Ss(_) => "SS",
            AttributeValue::Ns(_) => "NS",
            AttributeValue::Bs(_) => "BS",
        }
    }

    /// The string, if this is an `S`.
    pub fn as_s(&self) -> Option<&str> {
        match self {
            AttributeValue::S(s) => Some(s),
            _ => None,
        }
    }

    /// The number, if this is an `N`.
    pub fn as_n(&self) -> Option<&Number> {
        match self {
            AttributeValue::N(n) => Some(n),
            _ => None,
        }
    }

    /// The bytes DynamoDB bills for this value (without its attribute name).
    pub fn size(&self) -> usize {
        match self {
            AttributeValue::S(s) => s.len(),
            AttributeValue::N(n) => n.size(),
            AttributeValue::B(b) => b.len(),
            AttributeValue::Bool(_) | AttributeValue::Null => 1,
            AttributeValue::L(l) => 3 + l.iter().map(|v| v.size() + 1).sum::<usize>(),
            AttributeValue::M(m) => 3 + m.iter().map(|(k, v)| k.len() + v.size() + 1).sum::<usize>(),
            AttributeValue::Ss(s) => s.iter().map(String::len).sum(),
            AttributeValue::Ns(s) => s.iter().map(Number::size).sum(),
            AttributeValue::Bs(s) => s.iter().map(Bytes::len).sum(),
        }
    }

    /// The DynamoDB JSON shape: `{"S":"a"}`, `{"N":"1"}`, `{"B":"<base64>"}`, …
    pub fn to_json(&self) -> Value {
        match self {
            AttributeValue::S(s) => json!({ "S": s }),
            AttributeValue::N(n) => json!({ "N": n.to_string() }),
            AttributeValue::B(b) => json!({ "B": base64(b) }),
            AttributeValue::Bool(b) => json!({ "BOOL": b }),
            AttributeValue::Null => json!({ "NULL": true }),
            AttributeValue::L(l) => json!({ "L": l.iter().map(AttributeValue::to_json).collect::<Vec<_>>() }),
            AttributeValue::M(m) => json!({ "M": item_to_json(m) }),
            AttributeValue::Ss(s) => json!({ "SS": s.iter().collect::<Vec<_>>() }),
            AttributeValue::Ns(s) => json!({ "NS": s.iter().map(Number::to_string).collect::<Vec<_>>() }),
            AttributeValue::Bs(s) => json!({ "BS": s.iter().map(|b| base64(b)).collect::<Vec<_>>() }),
        }
    }

    /// Checks what DynamoDB checks on write: sets non-empty, nesting within 32 levels,
    /// map keys non-empty.
    pub(crate) fn validate(&self, name: &str, depth: usize) -> Result<(), TableError> {
        if depth > MAX_NESTING_DEPTH {
            return Err(TableError::validation(format!(
                "attribute {name:?} nests deeper than {MAX_NESTING_DEPTH} levels"
            )));
        }
        let empty_set = match self {
            AttributeValue::Ss(s) => s.is_empty(),
            AttributeValue::Ns(s) => s.is_empty(),
            AttributeValue::Bs(s) => s.is_empty(),
            _ => false,
        };
        if empty_set {
            return Err(TableError::validation(format!(
                "one or more parameter values were invalid: an {} set may not be empty (attribute {name:?})",
                self.type_name()
            )));
        }
        match self {
            AttributeValue::L(l) => l.iter().try_for_each(|v| v.validate(name, depth + 1)),
            AttributeValue::M(m) => m.iter().try_for_each(|(k, v)| {
                if k.is_empty() {
                    return Err(TableError::validation("a map key in an item may not be empty"));
                }
                v.validate(name, depth + 1)
            }),
            _ => Ok(()),
        }
    }
}

/// The size DynamoDB bills for an item: names plus values.
pub fn item_size(item: &Item) -> usize {
    item.iter().map(|(k, v)| k.len() + v.size()).sum()
}

/// An item in the DynamoDB JSON shape: `{"name": {"S": "a"}, …}`.
pub fn item_to_json(item: &Item) -> Value {
    Value::Object(item.iter().map(|(k, v)| (k.clone(), v.to_json())).collect::<Map<String, Value>>())
}

/// Checks every attribute of an item to be written and the 400 KB limit.
pub(crate) fn validate_item(item: &Item) -> Result<(), TableError> {
    for (name, v) in item {
        if name.is_empty() || name.len() > 65_535 {
            return Err(TableError::validation("attribute names must be 1 to 65535 bytes long"));
        }
        v.validate(name, 0)?;
    }
    let size = item_size(item);
    if size > MAX_ITEM_SIZE {
        return Err(TableError::validation(format!(
            "item size has exceeded the maximum allowed size: {size} bytes > {MAX_ITEM_SIZE}"
        )));
    }
    Ok(())
}

impl From<&str> for AttributeValue {
    fn from(s: &str) -> Self {
        AttributeValue::S(s.to_owned())
    }
}
impl From<String> for AttributeValue {
    fn from(s: String) -> Self {
        AttributeValue::S(s)
    }
}
impl From<&String> for AttributeValue {
    fn from(s: &String) -> Self {
        AttributeValue::S(s.clone())
    }
}
impl From<bool> for AttributeValue {
    fn from(b: bool) -> Self {
        AttributeValue::Bool(b)
    }
}
impl From<Number> for AttributeValue {
    fn from(n: Number) -> Self {
        AttributeValue::N(n)
    }
}
impl From<Bytes> for AttributeValue {
    fn from(b: Bytes) -> Self {
        AttributeValue::B(b)
    }
}
impl From<Vec<AttributeValue>> for AttributeValue {
    fn from(l: Vec<AttributeValue>) -> Self {
        AttributeValue::L(l)
    }
}
impl From<Item> for AttributeValue {
    fn from(m: Item) -> Self {
        AttributeValue::M(m)
    }
}
macro_rules! value_from_int {
    ($($t:ty),*) => {$(
        impl From<$t> for AttributeValue {
            fn from(v: $t) -> Self {
                AttributeValue::N(Number::from(v))
            }
        }
    )*};
}
value_from_int!(i8, i16, i32, i64, isize, u8, u16, u32, u64, usize);

/// Builds an [`Item`](crate::table::Item) from `name => value` pairs; values convert
/// with `AttributeValue::from` (strings, integers, bools, `Bytes`, `Number`, lists, maps).
///
/// ```
/// use localcloud::item;
/// use localcloud::table::AttributeValue;
/// let it = item! { "id" => "a", "ver" => 1, "ok" => true };
/// assert_eq!(it["ver"], AttributeValue::from(1));
/// ```
#[macro_export]
macro_rules! item {
    () => { $crate::table::Item::new() };
    ($($k:expr => $v:expr),+ $(,)?) => {{
        let mut m = $crate::table::Item::new();
        $( m.insert(::std::string::String::from($k), $crate::table::AttributeValue::from($v)); )+
        m
    }};
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_shapes_match_dynamodb() {
        let item = crate::item! {
            "s" => "x", "n" => 5, "b" => Bytes::from_static(b"hi"), "t" => true,
            "l" => vec![AttributeValue::Null], "ss" => AttributeValue::string_set(["a"]),
        };
        let j = item_to_json(&item).to_string();
        assert_eq!(
            j,
            r#"{"b":{"B":"aGk="},"l":{"L":[{"NULL":true}]},"n":{"N":"5"},"s":{"S":"x"},"ss":{"SS":["a"]},"t":{"BOOL":true}}"#
        );
    }

    #[test]
    fn item_size_counts_names_and_values() {
        let item = crate::item! { "id" => "abc", "n" => 12345 };
        // "id"(2) + "abc"(3) + "n"(1) + 5 digits -> 3 + 1 = 4
        assert_eq!(item_size(&item), 2 + 3 + 1 + 4);
    }
}
