//! [`Condition`]: a typed builder for condition (and filter) expressions.

use std::cmp::Ordering;
use std::ops::Not;

use super::error::TableError;
use super::path::Path;
use super::value::{AttributeValue, Item};

/// A comparison operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Comparator {
    /// `=`
    Eq,
    /// `<>`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

/// The right side of a comparison: a value or another attribute of the same item.
#[derive(Clone, Debug, PartialEq)]
pub enum Operand {
    /// A literal value.
    Value(AttributeValue),
    /// The value at a document path of the same item (missing if it does not resolve).
    Attribute(Path),
}

impl<T: Into<AttributeValue>> From<T> for Operand {
    fn from(v: T) -> Self {
        Operand::Value(v.into())
    }
}

impl From<Path> for Operand {
    fn from(p: Path) -> Self {
        Operand::Attribute(p)
    }
}

impl Operand {
    /// Another attribute (or document path) of the item, as an operand.
    pub fn attribute(path: impl Into<Path>) -> Self {
        Operand::Attribute(path.into())
    }

    fn resolve<'a>(&'a self, item: Option<&'a Item>) -> Option<&'a AttributeValue> {
        match self {
            Operand::Value(v) => Some(v),
            Operand::Attribute(p) => p.resolve_in(item),
        }
    }
}

/// A condition on an item, as in a `ConditionExpression` (or a query or scan filter).
/// Every condition reads a document path: a `&str` is a top-level attribute name,
/// a [`Path`] reaches into maps and lists (`info.dims[0]`). A path that does not
/// resolve reads as a missing attribute: `attribute_not_exists` holds, comparisons do
/// not. A write with a condition changes the item only when the condition holds for
/// the item as it is (a missing item has no attributes); otherwise it fails with
/// `ConditionalCheckFailedException`.
///
/// ```
/// use localcloud::table::{Condition, Path};
/// let c = Condition::attribute_exists("id").and(Condition::lt("size", 200))
///     .or(!Condition::begins_with("kind", "img/"))
///     .and(Condition::ge(Path::attr("info").key("dims").index(0), 64));
/// # let _ = c;
/// ```
#[derive(Clone, Debug, PartialEq)]
pub enum Condition {
    /// `attribute_exists(path)`
    Exists(Path),
    /// `attribute_not_exists(path)`
    NotExists(Path),
    /// `path <op> operand`
    Compare(Path, Comparator, Operand),
    /// `path BETWEEN lo AND hi`
    Between(Path, Operand, Operand),
    /// `begins_with(path, prefix)`
    BeginsWith(Path, Operand),
    /// `contains(path, operand)`: a substring, a set member or a list element.
    Contains(Path, Operand),
    /// `attribute_type(path, type)` with a type tag such as `"S"` or `"SS"`.
    AttributeType(Path, &'static str),
    /// Both.
    And(Box<Condition>, Box<Condition>),
    /// Either.
    Or(Box<Condition>, Box<Condition>),
    /// The negation.
    Not(Box<Condition>),
}

impl Condition {
    /// True when the item has a value at `path`.
    pub fn attribute_exists(path: impl Into<Path>) -> Self {
        Condition::Exists(path.into())
    }
    /// True when the item has no value at `path` (or there is no item).
    pub fn attribute_not_exists(path: impl Into<Path>) -> Self {
        Condition::NotExists(path.into())
    }
    /// `path = v` (same type and value).
    pub fn eq(path: impl Into<Path>, v: impl Into<Operand>) -> Self {
        Condition::Compare(path.into(), Comparator::Eq, v.into())
    }
    /// `path <> v` (true also when `path` is missing).
    pub fn ne(path: impl Into<Path>, v: impl Into<Operand>) -> Self {
        Condition::Compare(path.into(), Comparator::Ne, v.into())
    }
    /// `path < v` (strings, numbers and binaries of the same type).
    pub fn lt(path: impl Into<Path>, v: impl Into<Operand>) -> Self {
        Condition::Compare(path.into(), Comparator::Lt, v.into())
    }
    /// `path <= v`.
    pub fn le(path: impl Into<Path>, v: impl Into<Operand>) -> Self {
        Condition::Compare(path.into(), Comparator::Le, v.into())
    }
    /// `path > v`.
    pub fn gt(path: impl Into<Path>, v: impl Into<Operand>) -> Self {
        Condition::Compare(path.into(), Comparator::Gt, v.into())
    }
    /// `path >= v`.
    pub fn ge(path: impl Into<Path>, v: impl Into<Operand>) -> Self {
        Condition::Compare(path.into(), Comparator::Ge, v.into())
    }
    /// `path BETWEEN lo AND hi` (inclusive).
    pub fn between(path: impl Into<Path>, lo: impl Into<Operand>, hi: impl Into<Operand>) -> Self {
        Condition::Between(path.into(), lo.into(), hi.into())
    }
    /// `begins_with(path, prefix)` for strings and binaries.
    pub fn begins_with(path: impl Into<Path>, prefix: impl Into<Operand>) -> Self {
        Condition::BeginsWith(path.into(), prefix.into())
    }
    /// `contains(path, v)`.
    pub fn contains(path: impl Into<Path>, v: impl Into<Operand>) -> Self {
        Condition::Contains(path.into(), v.into())
    }
    /// `attribute_type(path, tag)`, tag one of `S N B BOOL NULL L M SS NS BS`.
    pub fn attribute_type(path: impl Into<Path>, tag: &'static str) -> Self {
        Condition::AttributeType(path.into(), tag)
    }
    /// Both conditions.
    pub fn and(self, other: Condition) -> Self {
        Condition::And(Box::new(self), Box::new(other))
    }
    /// Either condition.
    pub fn or(self, other: Condition) -> Self {
        Condition::Or(Box::new(self), Box::new(other))
    }

    /// Checks the condition's own shape (before any item is read).
    pub(crate) fn validate(&self) -> Result<(), TableError> {
        let path = |p: &Path| p.check("ConditionExpression");
        for o in self.operands() {
            if let Operand::Attribute(p) = o {
                path(p)?;
            }
        }
        match self {
            Condition::Exists(p)
            | Condition::NotExists(p)
            | Condition::Compare(p, _, _)
            | Condition::Contains(p, _) => path(p),
            Condition::AttributeType(p, tag) => {
                path(p)?;
                if ["S", "N", "B", "BOOL", "NULL", "L", "M", "SS", "NS", "BS"].contains(tag) {
                    Ok(())
                } else {
                    Err(TableError::validation(format!("invalid ConditionExpression: unknown type {tag}")))
                }
            }
            Condition::Between(p, lo, hi) => {
                path(p)?;
                if let (Operand::Value(a), Operand::Value(b)) = (lo, hi) {
                    if compare(a, b) != Some(Ordering::Less) && compare(a, b) != Some(Ordering::Equal) {
                        return Err(TableError::validation(
                            "invalid ConditionExpression: the BETWEEN operator requires upper bound to be greater \
                             than or equal to lower bound",
                        ));
                    }
                }
                Ok(())
            }
            Condition::BeginsWith(p, prefix) => {
                path(p)?;
                match prefix {
                    Operand::Value(AttributeValue::S(_) | AttributeValue::B(_)) | Operand::Attribute(_) => Ok(()),
                    Operand::Value(v) => Err(TableError::validation(format!(
                        "invalid ConditionExpression: incorrect operand type for operator or function; \
                         operator or function: begins_with, operand type: {}",
                        v.type_name()
                    ))),
                }
            }
            Condition::And(a, b) | Condition::Or(a, b) => {
                a.validate()?;
                b.validate()
            }
            Condition::Not(a) => a.validate(),
        }
    }

    /// Evaluates against the item as it is (`None`: no item).
    pub(crate) fn eval(&self, item: Option<&Item>) -> bool {
        let get = |p: &Path| p.resolve_in(item);
        match self {
            Condition::Exists(p) => get(p).is_some(),
            Condition::NotExists(p) => get(p).is_none(),
            Condition::Compare(p, op, rhs) => {
                let (a, b) = (get(p), rhs.resolve(item));
                match op {
                    Comparator::Eq => a.is_some() && a == b,
                    Comparator::Ne => a != b,
                    _ => match (a, b) {
                        (Some(a), Some(b)) => match compare(a, b) {
                            Some(o) => match op {
                                Comparator::Lt => o == Ordering::Less,
                                Comparator::Le => o != Ordering::Greater,
                                Comparator::Gt => o == Ordering::Greater,
                                _ => o != Ordering::Less,
                            },
                            None => false,
                        },
                        _ => false,
                    },
                }
            }
            Condition::Between(p, lo, hi) => match (get(p), lo.resolve(item), hi.resolve(item)) {
                (Some(v), Some(lo), Some(hi)) => {
                    matches!(compare(lo, v), Some(Ordering::Less | Ordering::Equal))
                        && matches!(compare(v, hi), Some(Ordering::Less | Ordering::Equal))
                }
                _ => false,
            },
            Condition::BeginsWith(p, prefix) => match (get(p), prefix.resolve(item)) {
                (Some(AttributeValue::S(s)), Some(AttributeValue::S(pre))) => s.starts_with(pre.as_str()),
                (Some(AttributeValue::B(b)), Some(AttributeValue::B(pre))) => b.starts_with(pre),
                _ => false,
            },
            Condition::Contains(p, v) => match (get(p), v.resolve(item)) {
                (Some(AttributeValue::S(s)), Some(AttributeValue::S(sub))) => s.contains(sub.as_str()),
                (Some(AttributeValue::B(b)), Some(AttributeValue::B(sub))) => {
                    sub.is_empty() || b.windows(sub.len()).any(|w| w == sub.as_ref())
                }
                (Some(AttributeValue::Ss(set)), Some(AttributeValue::S(x))) => set.contains(x),
                (Some(AttributeValue::Ns(set)), Some(AttributeValue::N(x))) => set.contains(x),
                (Some(AttributeValue::Bs(set)), Some(AttributeValue::B(x))) => set.contains(x),
                (Some(AttributeValue::L(l)), Some(x)) => l.contains(x),
                _ => false,
            },
            Condition::AttributeType(p, tag) => get(p).is_some_and(|v| v.type_name() == *tag),
            Condition::And(a, b) => a.eval(item) && b.eval(item),
            Condition::Or(a, b) => a.eval(item) || b.eval(item),
            Condition::Not(a) => !a.eval(item),
        }
    }
}

impl Condition {
    /// The operands of this node (not of its children).
    fn operands(&self) -> impl Iterator<Item = &Operand> {
        let (a, b) = match self {
            Condition::Compare(_, _, o) | Condition::BeginsWith(_, o) | Condition::Contains(_, o) => (Some(o), None),
            Condition::Between(_, lo, hi) => (Some(lo), Some(hi)),
            _ => (None, None),
        };
        a.into_iter().chain(b)
    }
}

impl Not for Condition {
    type Output = Condition;
    fn not(self) -> Condition {
        Condition::Not(Box::new(self))
    }
}

/// Orders two scalars of the same type (S, N, B); `None` for anything else.
pub(crate) fn compare(a: &AttributeValue, b: &AttributeValue) -> Option<Ordering> {
    match (a, b) {
        (AttributeValue::S(x), AttributeValue::S(y)) => Some(x.as_bytes().cmp(y.as_bytes())),
        (AttributeValue::N(x), AttributeValue::N(y)) => Some(x.cmp(y)),
        (AttributeValue::B(x), AttributeValue::B(y)) => Some(x.cmp(y)),
        _ => None,
    }
}

/// Checks an optional condition against an item: `ConditionalCheckFailedException` when false.
pub(crate) fn check(cond: Option<&Condition>, item: Option<&Item>) -> Result<(), TableError> {
    match cond {
        Some(c) if !c.eval(item) => Err(TableError::ConditionalCheckFailed),
        _ => Ok(()),
    }
}
