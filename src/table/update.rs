//! [`Update`]: SET / REMOVE / ADD / DELETE actions, atomic counters and return values.

use super::error::TableError;
use super::key::Schema;
use super::path::{self, Path};
use super::value::{validate_item, AttributeValue, Item};

/// Which attributes a write returns.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ReturnValues {
    /// Nothing (the default).
    #[default]
    None,
    /// The whole item as it was (nothing if it did not exist).
    AllOld,
    /// The whole item as it is now.
    AllNew,
    /// The updated attributes as they were: for a document path, only the value at
    /// that path, in its place in the document (`{"info": {"dims": [640]}}` for
    /// `info.dims[0]`), as DynamoDB returns it.
    UpdatedOld,
    /// The updated attributes as they are now (document paths as for `UpdatedOld`).
    UpdatedNew,
}

#[derive(Clone, Debug, PartialEq)]
enum SetValue {
    Value(AttributeValue),
    IfNotExists(AttributeValue),
    Plus(AttributeValue),
    Minus(AttributeValue),
    /// `or_new`: a missing list counts as empty (`if_not_exists(path, [])`).
    ListAppend {
        tail: AttributeValue,
        or_new: bool,
    },
}

#[derive(Clone, Debug, PartialEq)]
enum Action {
    Set(Path, SetValue),
    Remove(Path),
    Add(Path, AttributeValue),
    Delete(Path, AttributeValue),
}

impl Action {
    fn path(&self) -> &Path {
        match self {
            Action::Set(p, _) | Action::Remove(p) | Action::Add(p, _) | Action::Delete(p, _) => p,
        }
    }
}

/// The actions of an `UpdateItem`, as a typed builder: start with `Update::set` /
/// `remove` / `add` / `delete`, chain with `and_set` / `and_remove` / `and_add` /
/// `and_delete` (and `increment`, `set_if_not_exists`, …). Each action takes a
/// document path: a `&str` is a top-level attribute, a [`Path`] reaches into maps and
/// lists. All operands, and every list index, read the item as it was before the
/// update; an update of a missing item creates it from its key, unless all it does is
/// REMOVE or DELETE (as on DynamoDB, nothing is written then).
///
/// Document paths follow DynamoDB: SET of a nested path needs its map or list to
/// exist (else `ValidationException`), replaces a list element or map entry, and
/// appends when the index is past the end of the list; REMOVE of a list element
/// shifts the later ones, and of a missing element does nothing; ADD and DELETE take
/// top-level attributes only; no two actions may touch overlapping paths (`a` and
/// `a.b`, or `a` twice; `a[0]` and `a[1]` do not overlap).
///
/// ```
/// use localcloud::table::{Path, ReturnValues, Update};
/// let u = Update::set("size", 130).and_add("views", 1).and_remove("draft")
///     .and_set(Path::attr("info").key("dims").index(0), 640)
///     .return_values(ReturnValues::UpdatedNew);
/// # let _ = u;
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Update {
    actions: Vec<Action>,
    pub(crate) return_values: ReturnValues,
}

macro_rules! both {
    ($(#[$doc:meta])* $name:ident, $method:ident ($($arg:ident : $ty:ty),*)) => {
        $(#[$doc])*
        pub fn $name($($arg: $ty),*) -> Self {
            Update { actions: Vec::new(), return_values: ReturnValues::None }.$method($($arg),*)
        }
    };
}

impl Update {
    both!(
        /// An update starting with `SET path = v`.
        set, and_set(path: impl Into<Path>, v: impl Into<AttributeValue>)
    );
    both!(
        /// An update starting with `REMOVE path`.
        remove, and_remove(path: impl Into<Path>)
    );
    both!(
        /// An update starting with `ADD path v` (an atomic counter or a set union).
        add, and_add(path: impl Into<Path>, v: impl Into<AttributeValue>)
    );
    both!(
        /// An update starting with `DELETE path set` (a set difference).
        delete, and_delete(path: impl Into<Path>, set: AttributeValue)
    );

    fn push(mut self, a: Action) -> Self {
        self.actions.push(a);
        self
    }
    /// Adds `SET path = v`.
    pub fn and_set(self, path: impl Into<Path>, v: impl Into<AttributeValue>) -> Self {
        self.push(Action::Set(path.into(), SetValue::Value(v.into())))
    }
    /// Adds `SET path = if_not_exists(path, v)`.
    pub fn set_if_not_exists(self, path: impl Into<Path>, v: impl Into<AttributeValue>) -> Self {
        self.push(Action::Set(path.into(), SetValue::IfNotExists(v.into())))
    }
    /// Adds `SET path = path + n` (the value at `path` must exist and be a number).
    pub fn increment(self, path: impl Into<Path>, n: impl Into<AttributeValue>) -> Self {
        self.push(Action::Set(path.into(), SetValue::Plus(n.into())))
    }
    /// Adds `SET path = path - n`.
    pub fn decrement(self, path: impl Into<Path>, n: impl Into<AttributeValue>) -> Self {
        self.push(Action::Set(path.into(), SetValue::Minus(n.into())))
    }
    /// Adds `SET path = list_append(path, list)`. The list must exist: a missing one is
    /// a `ValidationException`, as on DynamoDB; [`list_append_or_new`](Self::list_append_or_new)
    /// starts it.
    pub fn list_append(self, path: impl Into<Path>, list: Vec<AttributeValue>) -> Self {
        self.push(Action::Set(path.into(), SetValue::ListAppend { tail: AttributeValue::L(list), or_new: false }))
    }
    /// Adds `SET path = list_append(if_not_exists(path, []), list)`: appends, starting
    /// the list when it is missing.
    pub fn list_append_or_new(self, path: impl Into<Path>, list: Vec<AttributeValue>) -> Self {
        self.push(Action::Set(path.into(), SetValue::ListAppend { tail: AttributeValue::L(list), or_new: true }))
    }
    /// Adds `REMOVE path`.
    pub fn and_remove(self, path: impl Into<Path>) -> Self {
        self.push(Action::Remove(path.into()))
    }
    /// Adds `ADD path v`: a number is added (a missing attribute counts as 0); a set is
    /// merged in (a missing attribute counts as empty). Top-level attributes only.
    pub fn and_add(self, path: impl Into<Path>, v: impl Into<AttributeValue>) -> Self {
        self.push(Action::Add(path.into(), v.into()))
    }
    /// Adds `DELETE path set`: the elements are taken out; an emptied set is removed.
    /// Top-level attributes only.
    pub fn and_delete(self, path: impl Into<Path>, set: AttributeValue) -> Self {
        self.push(Action::Delete(path.into(), set))
    }
    /// What the update returns (default [`ReturnValues::None`]).
    pub fn return_values(mut self, rv: ReturnValues) -> Self {
        self.return_values = rv;
        self
    }

    /// The request's own checks: no empty, overlapping or key paths; ADD and DELETE
    /// at the top level; operand types.
    pub(crate) fn validate(&self, schema: &Schema) -> Result<(), TableError> {
        let mut paths: Vec<&Path> = self.actions.iter().map(Action::path).collect();
        paths.sort();
        // Sorted, a path is followed at once by any path it is a prefix of.
        if let Some(w) = paths.windows(2).find(|w| w[0].overlaps(w[1])) {
            return Err(TableError::validation(format!(
                "invalid UpdateExpression: two document paths overlap with each other; must remove or rewrite one \
                 of these paths; path one: [{}], path two: [{}]",
                w[0], w[1]
            )));
        }
        for a in &self.actions {
            let p = a.path();
            p.check("UpdateExpression")?;
            if schema.is_key(p.attribute()) {
                return Err(TableError::validation(format!(
                    "cannot update attribute {p}: this attribute is part of the key"
                )));
            }
            if matches!(a, Action::Add(..) | Action::Delete(..)) && !p.is_top_level() {
                return Err(TableError::validation(format!(
                    "invalid UpdateExpression: ADD and DELETE take a top-level attribute, not the document path {p}"
                )));
            }
            match a {
                Action::Add(_, v)
                    if !matches!(
                        v,
                        AttributeValue::N(_) | AttributeValue::Ss(_) | AttributeValue::Ns(_) | AttributeValue::Bs(_)
                    ) =>
                {
                    return Err(type_error("ADD", v));
                }
                Action::Delete(_, v)
                    if !matches!(v, AttributeValue::Ss(_) | AttributeValue::Ns(_) | AttributeValue::Bs(_)) =>
                {
                    return Err(type_error("DELETE", v));
                }
                Action::Set(_, SetValue::Plus(v) | SetValue::Minus(v)) if !matches!(v, AttributeValue::N(_)) => {
                    return Err(type_error("+/-", v));
                }
                _ => {}
            }
            match a {
                Action::Set(
                    _,
                    SetValue::Value(v) | SetValue::IfNotExists(v) | SetValue::ListAppend { tail: v, .. },
                )
                | Action::Add(_, v)
                | Action::Delete(_, v) => v.validate(&p.to_string(), 0)?,
                _ => {}
            }
        }
        Ok(())
    }

    /// The item as the update leaves it, within the item limits, and the paths it
    /// touched; `None` when it writes nothing: the item is missing and the update only
    /// takes attributes away (DynamoDB creates no item then). A missing item otherwise
    /// starts as `key_item()`.
    pub(crate) fn apply_to(
        &self,
        old: Option<&Item>,
        key_item: impl FnOnce() -> Item,
    ) -> Result<Option<(Item, Vec<Path>)>, TableError> {
        if old.is_none() && self.actions.iter().all(|a| matches!(a, Action::Remove(_) | Action::Delete(..))) {
            return Ok(None);
        }
        let (new, touched) = self.apply(old, old.cloned().unwrap_or_else(key_item))?;
        validate_item(&new)?;
        Ok(Some((new, touched)))
    }

    /// The new item, and the paths the update touched.
    ///
    /// Errors: `ValidationException` for an operand that reads a missing attribute
    /// (`path + n`, `list_append`), a type mismatch, or an invalid document path.
    fn apply(&self, old: Option<&Item>, base: Item) -> Result<(Item, Vec<Path>), TableError> {
        let mut new = base;
        let get = |p: &Path| p.resolve_in(old);
        // SET, ADD and DELETE first, in path order, so that appends past the end of a
        // list land in index order; then REMOVE from the last path back, so that a
        // removed element shifts none still to be removed. SET only replaces or
        // appends, so every index keeps naming a position in the list as it was.
        let mut order: Vec<&Action> = self.actions.iter().collect();
        order.sort_by(|a, b| {
            let (ra, rb) = (matches!(a, Action::Remove(_)), matches!(b, Action::Remove(_)));
            ra.cmp(&rb).then_with(|| if ra { b.path().cmp(a.path()) } else { a.path().cmp(b.path()) })
        });
        for a in order {
            match a {
                Action::Set(p, sv) => {
                    let v = match sv {
                        SetValue::Value(v) => v.clone(),
                        SetValue::IfNotExists(v) => get(p).cloned().unwrap_or_else(|| v.clone()),
                        SetValue::Plus(n) | SetValue::Minus(n) => {
                            let cur = get(p).ok_or_else(missing)?;
                            match (cur, n) {
                                (AttributeValue::N(c), AttributeValue::N(n)) => {
                                    let n = if matches!(sv, SetValue::Minus(_)) { n.negated() } else { n.clone() };
                                    AttributeValue::N(c.checked_add(&n)?)
                                }
                                (c, _) => return Err(type_error("+/-", c)),
                            }
                        }
                        SetValue::ListAppend { tail: AttributeValue::L(tail), or_new } => match get(p) {
                            None if *or_new => AttributeValue::L(tail.clone()),
                            None => return Err(missing()),
                            Some(AttributeValue::L(head)) => {
                                AttributeValue::L(head.iter().chain(tail.iter()).cloned().collect())
                            }
                            Some(other) => return Err(type_error("list_append", other)),
                        },
                        SetValue::ListAppend { tail, .. } => return Err(type_error("list_append", tail)),
                    };
                    p.set(&mut new, v, old)?;
                }
                Action::Remove(p) => p.remove(&mut new, old)?,
                Action::Add(p, v) => {
                    let merged = match (get(p), v) {
                        (None, v) => v.clone(),
                        (Some(AttributeValue::N(c)), AttributeValue::N(n)) => AttributeValue::N(c.checked_add(n)?),
                        (Some(AttributeValue::Ss(c)), AttributeValue::Ss(s)) => {
                            AttributeValue::Ss(c.union(s).cloned().collect())
                        }
                        (Some(AttributeValue::Ns(c)), AttributeValue::Ns(s)) => {
                            AttributeValue::Ns(c.union(s).cloned().collect())
                        }
                        (Some(AttributeValue::Bs(c)), AttributeValue::Bs(s)) => {
                            AttributeValue::Bs(c.union(s).cloned().collect())
                        }
                        (Some(c), _) => return Err(type_error("ADD", c)),
                    };
                    new.insert(p.attribute().to_owned(), merged);
                }
                Action::Delete(p, v) => {
                    let left = match (get(p), v) {
                        (None, _) => None,
                        (Some(AttributeValue::Ss(c)), AttributeValue::Ss(s)) => {
                            Some(AttributeValue::Ss(c.difference(s).cloned().collect()))
                        }
                        (Some(AttributeValue::Ns(c)), AttributeValue::Ns(s)) => {
                            Some(AttributeValue::Ns(c.difference(s).cloned().collect()))
                        }
                        (Some(AttributeValue::Bs(c)), AttributeValue::Bs(s)) => {
                            Some(AttributeValue::Bs(c.difference(s).cloned().collect()))
                        }
                        (Some(c), _) => return Err(type_error("DELETE", c)),
                    };
                    let empty = match &left {
                        Some(AttributeValue::Ss(s)) => s.is_empty(),
                        Some(AttributeValue::Ns(s)) => s.is_empty(),
                        Some(AttributeValue::Bs(s)) => s.is_empty(),
                        _ => true,
                    };
                    match left {
                        Some(v) if !empty => {
                            new.insert(p.attribute().to_owned(), v);
                        }
                        _ => {
                            new.remove(p.attribute());
                        }
                    }
                }
            }
        }
        Ok((new, self.actions.iter().map(|a| a.path().clone()).collect()))
    }
}

/// An operand read an attribute the item does not have.
fn missing() -> TableError {
    TableError::validation("the provided expression refers to an attribute that does not exist in the item")
}

fn type_error(op: &str, v: &AttributeValue) -> TableError {
    TableError::validation(format!(
        "an operand in the update expression has an incorrect data type: {op} does not take {}",
        v.type_name()
    ))
}

/// What a write returns, per [`ReturnValues`]: the `UPDATED_*` values are the item
/// projected onto the paths the update touched.
pub(crate) fn returned(rv: ReturnValues, old: Option<&Item>, new: Option<&Item>, touched: &[Path]) -> Option<Item> {
    let pick = |item: Option<&Item>| {
        let m = path::project(item?, touched);
        (!m.is_empty()).then_some(m)
    };
    match rv {
        ReturnValues::None => None,
        ReturnValues::AllOld => old.cloned(),
        ReturnValues::AllNew => new.cloned(),
        ReturnValues::UpdatedOld => pick(old),
        ReturnValues::UpdatedNew => pick(new),
    }
}
