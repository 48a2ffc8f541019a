//! Query by partition key with a sort key condition, scan, and pagination by the last
//! evaluated key with the 1 MB page limit.

use std::ops::Bound;
use std::sync::Arc;

use super::condition::Condition;
use super::error::TableError;
use super::key::{KeyValue, Schema, StoreKey, MAX_PARTITION_KEY_BYTES, MAX_SORT_KEY_BYTES};
use super::state::{TableShared, TableState};
use super::value::{item_size, AttributeValue, Item};

/// Most data one query or scan page evaluates: 1 MB.
pub const MAX_PAGE_BYTES: usize = 1024 * 1024;

#[derive(Clone, Debug, PartialEq)]
enum SortOp {
    Eq(AttributeValue),
    Lt(AttributeValue),
    Le(AttributeValue),
    Gt(AttributeValue),
    Ge(AttributeValue),
    Between(AttributeValue, AttributeValue),
    BeginsWith(AttributeValue),
}

/// A query's key condition: the partition key equal to a value, and optionally one
/// condition on the sort key.
///
/// ```
/// use localcloud::table::KeyCondition;
/// let kc = KeyCondition::eq("id", "a").sort_between(1, 5);
/// # let _ = kc;
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct KeyCondition {
    partition_name: String,
    partition: AttributeValue,
    sort: Option<SortOp>,
}

impl KeyCondition {
    /// `partition_key = v`.
    pub fn eq(partition_key: impl Into<String>, v: impl Into<AttributeValue>) -> Self {
        KeyCondition { partition_name: partition_key.into(), partition: v.into(), sort: None }
    }
    fn sort(mut self, op: SortOp) -> Self {
        self.sort = Some(op);
        self
    }
    /// `sort_key = v`.
    pub fn sort_eq(self, v: impl Into<AttributeValue>) -> Self {
        self.sort(SortOp::Eq(v.into()))
    }
    /// `sort_key < v`.
    pub fn sort_lt(self, v: impl Into<AttributeValue>) -> Self {
        self.sort(SortOp::Lt(v.into()))
    }
    /// `sort_key <= v`.
    pub fn sort_le(self, v: impl Into<AttributeValue>) -> Self {
        self.sort(SortOp::Le(v.into()))
    }
    /// `sort_key > v`.
    pub fn sort_gt(self, v: impl Into<AttributeValue>) -> Self {
        self.sort(SortOp::Gt(v.into()))
    }
    /// `sort_key >= v`.
    pub fn sort_ge(self, v: impl Into<AttributeValue>) -> Self {
        self.sort(SortOp::Ge(v.into()))
    }
    /// `sort_key BETWEEN lo AND hi` (inclusive; `lo <= hi`).
    pub fn sort_between(self, lo: impl Into<AttributeValue>, hi: impl Into<AttributeValue>) -> Self {
        self.sort(SortOp::Between(lo.into(), hi.into()))
    }
    /// `begins_with(sort_key, prefix)` (string and binary sort keys).
    pub fn sort_begins_with(self, prefix: impl Into<AttributeValue>) -> Self {
        self.sort(SortOp::BeginsWith(prefix.into()))
    }
}

/// A query: a key condition plus direction, limit, start key and filter.
///
/// ```
/// use localcloud::table::{KeyCondition, Query};
/// let q = Query::new(KeyCondition::eq("id", "a")).backward().limit(10);
/// # let _ = q;
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Query {
    key: KeyCondition,
    forward: bool,
    limit: Option<usize>,
    start: Option<Item>,
    filter: Option<Condition>,
}

impl Query {
    /// A forward query with no limit.
    pub fn new(key: KeyCondition) -> Self {
        Query { key, forward: true, limit: None, start: None, filter: None }
    }
    /// Descending sort key order (`ScanIndexForward = false`).
    pub fn backward(mut self) -> Self {
        self.forward = false;
        self
    }
    /// Evaluates at most `n` items (before the filter), then stops with a last evaluated key.
    pub fn limit(mut self, n: usize) -> Self {
        self.limit = Some(n);
        self
    }
    /// Continues after this key (a previous page's last evaluated key).
    pub fn exclusive_start_key(mut self, key: Item) -> Self {
        self.start = Some(key);
        self
    }
    /// Keeps only the evaluated items that pass this condition (which may read
    /// nested values through a [`Path`](super::Path)).
    pub fn filter(mut self, c: Condition) -> Self {
        self.filter = Some(c);
        self
    }
}

impl From<KeyCondition> for Query {
    fn from(k: KeyCondition) -> Self {
        Query::new(k)
    }
}

/// A scan: every item in key order, with limit, start key and filter.
///
/// ```
/// use localcloud::table::{Condition, Key, Scan, TableConfig};
/// use localcloud::{item, Cloud};
/// let cloud = Cloud::builder().manual_clock().build();
/// let t = cloud.create_table("users", TableConfig::new(Key::string("id")))?;
/// for i in 0..5 {
///     t.put_item(item! {"id" => format!("u{i}"), "active" => i % 2 == 0}, None)?;
/// }
/// let page = t.scan_with(Scan::new().limit(4).filter(Condition::eq("active", true)))?;
/// assert_eq!((page.scanned_count(), page.count()), (4, 2));
/// let rest = t.scan_with(Scan::new().exclusive_start_key(page.last_evaluated_key().unwrap().clone()))?;
/// assert_eq!(rest.count(), 1);
/// # Ok::<(), localcloud::table::TableError>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Scan {
    limit: Option<usize>,
    start: Option<Item>,
    filter: Option<Condition>,
}

impl Scan {
    /// A scan from the start with no limit.
    pub fn new() -> Self {
        Scan::default()
    }
    /// Evaluates at most `n` items, then stops with a last evaluated key.
    pub fn limit(mut self, n: usize) -> Self {
        self.limit = Some(n);
        self
    }
    /// Continues after this key.
    pub fn exclusive_start_key(mut self, key: Item) -> Self {
        self.start = Some(key);
        self
    }
    /// Keeps only the evaluated items that pass this condition (which may read
    /// nested values through a [`Path`](super::Path)).
    pub fn filter(mut self, c: Condition) -> Self {
        self.filter = Some(c);
        self
    }
}

/// One page of a query or scan.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Page {
    items: Vec<Item>,
    scanned: usize,
    last_evaluated_key: Option<Item>,
    /// The total size of the evaluated items: what the page is billed on.
    pub(crate) read_bytes: usize,
}

impl Page {
    /// The items that passed the filter.
    pub fn items(&self) -> &[Item] {
        &self.items
    }
    /// The items, owned.
    pub fn into_items(self) -> Vec<Item> {
        self.items
    }
    /// How many items passed the filter.
    pub fn count(&self) -> usize {
        self.items.len()
    }
    /// How many items were evaluated.
    pub fn scanned_count(&self) -> usize {
        self.scanned
    }
    /// Where to continue (`None`: this was the last page).
    pub fn last_evaluated_key(&self) -> Option<&Item> {
        self.last_evaluated_key.as_ref()
    }
}

fn check_limit(limit: Option<usize>) -> Result<usize, TableError> {
    match limit {
        Some(0) => Err(TableError::validation("limit must be at least 1")),
        Some(n) => Ok(n),
        None => Ok(usize::MAX),
    }
}

/// Collects a page from an iterator of evaluated items.
fn collect<'a>(
    schema: &Schema,
    it: impl Iterator<Item = (&'a StoreKey, &'a Arc<Item>)>,
    limit: usize,
    filter: Option<&Condition>,
) -> Page {
    let mut page = Page::default();
    let mut bytes = 0;
    for (k, item) in it {
        page.scanned += 1;
        bytes += item_size(item);
        if filter.is_none_or(|f| f.eval(Some(item))) {
            page.items.push((**item).clone());
        }
        if page.scanned >= limit || bytes >= MAX_PAGE_BYTES {
            page.last_evaluated_key = Some(schema.key_item(k));
            break;
        }
    }
    page.read_bytes = bytes;
    page
}

pub(crate) fn scan(sh: &TableShared, st: &TableState, s: &Scan) -> Result<Page, TableError> {
    let limit = check_limit(s.limit)?;
    if let Some(f) = &s.filter {
        f.validate()?;
    }
    let lower = match &s.start {
        Some(k) => Bound::Excluded(sh.schema.key_of(k)?),
        None => Bound::Unbounded,
    };
    Ok(collect(&sh.schema, st.items.range((lower, Bound::Unbounded)), limit, s.filter.as_ref()))
}

fn is_below(b: &Bound<StoreKey>, s: &StoreKey) -> bool {
    match b {
        Bound::Unbounded => true,
        Bound::Included(k) | Bound::Excluded(k) => s >= k,
    }
}

fn is_above(b: &Bound<StoreKey>, s: &StoreKey) -> bool {
    match b {
        Bound::Unbounded => true,
        Bound::Included(k) | Bound::Excluded(k) => s <= k,
    }
}

/// Whether `(lower, upper)` is a range `BTreeMap::range` accepts and that may hold keys.
fn nonempty(lower: &Bound<StoreKey>, upper: &Bound<StoreKey>) -> bool {
    match (lower, upper) {
        (Bound::Included(a), Bound::Included(b)) => a <= b,
        (Bound::Included(a) | Bound::Excluded(a), Bound::Included(b) | Bound::Excluded(b)) => a < b,
        _ => true,
    }
}

pub(crate) fn query(sh: &TableShared, st: &TableState, q: &Query) -> Result<Page, TableError> {
    let schema = &sh.schema;
    let limit = check_limit(q.limit)?;
    if let Some(f) = &q.filter {
        f.validate()?;
    }
    if q.key.partition_name != schema.partition.name() {
        return Err(TableError::validation(format!(
            "query condition missed key schema element: {}",
            schema.partition.name()
        )));
    }
    let pk = Schema::key_value(&schema.partition, Some(&q.key.partition), MAX_PARTITION_KEY_BYTES)?;
    let sort_value = |v: &AttributeValue| -> Result<KeyValue, TableError> {
        match &schema.sort {
            Some(k) => Schema::key_value(k, Some(v), MAX_SORT_KEY_BYTES),
            None => Err(TableError::validation("query key condition not supported: the table has no sort key")),
        }
    };
    let at = |v: KeyValue| (pk.clone(), Some(v));
    let top = Bound::Included((pk.clone(), Some(KeyValue::Top)));
    let mut prefix: Option<KeyValue> = None;
    let (mut lower, mut upper) = match &q.key.sort {
        None => (Bound::Included((pk.clone(), None)), top),
        Some(op) => match op {
            SortOp::Eq(v) => {
                let k = at(sort_value(v)?);
                (Bound::Included(k.clone()), Bound::Included(k))
            }
            SortOp::Lt(v) => (Bound::Included((pk.clone(), None)), Bound::Excluded(at(sort_value(v)?))),
            SortOp::Le(v) => (Bound::Included((pk.clone(), None)), Bound::Included(at(sort_value(v)?))),
            SortOp::Gt(v) => (Bound::Excluded(at(sort_value(v)?)), top),
            SortOp::Ge(v) => (Bound::Included(at(sort_value(v)?)), top),
            SortOp::Between(lo, hi) => {
                let (lo, hi) = (sort_value(lo)?, sort_value(hi)?);
                if lo > hi {
                    return Err(TableError::validation(
                        "invalid KeyConditionExpression: the BETWEEN operator requires upper bound to be greater \
                         than or equal to lower bound",
                    ));
                }
                (Bound::Included(at(lo)), Bound::Included(at(hi)))
            }
            SortOp::BeginsWith(p) => {
                let p = sort_value(p).or_else(|e| match p {
                    AttributeValue::S(s) if s.is_empty() => Ok(KeyValue::S(String::new())),
                    _ => Err(e),
                })?;
                if matches!(p, KeyValue::N(_)) {
                    return Err(TableError::validation(
                        "invalid KeyConditionExpression: incorrect operand type for operator or function; \
                         operator or function: begins_with, operand type: N",
                    ));
                }
                prefix = Some(p.clone());
                (Bound::Included(at(p)), top)
            }
        },
    };
    if let Some(start) = &q.start {
        let s = schema.key_of(start)?;
        if s.0 != pk {
            return Err(TableError::validation(
                "the provided starting key is invalid: it is not in the queried partition",
            ));
        }
        if q.forward && is_below(&lower, &s) {
            lower = Bound::Excluded(s);
        } else if !q.forward && is_above(&upper, &s) {
            upper = Bound::Excluded(s);
        }
    }
    if !nonempty(&lower, &upper) {
        return Ok(Page::default());
    }
    let matches_prefix = |k: &StoreKey| match (&prefix, &k.1) {
        (None, _) => true,
        (Some(KeyValue::S(p)), Some(KeyValue::S(s))) => s.starts_with(p.as_str()),
        (Some(KeyValue::B(p)), Some(KeyValue::B(b))) => b.starts_with(p),
        _ => false,
    };
    let range = st.items.range((lower, upper));
    let filter = q.filter.as_ref();
    let page = if q.forward {
        collect(schema, range.take_while(|(k, _)| k.0 == pk && matches_prefix(k)), limit, filter)
    } else {
        let it = range.rev().skip_while(|(k, _)| !matches_prefix(k)).take_while(|(k, _)| matches_prefix(k));
        collect(schema, it, limit, filter)
    };
    Ok(page)
}
