//! [`Path`]: a typed document path into an item's maps and lists, and the reads and
//! writes conditions and updates make through it.

use std::collections::BTreeMap;
use std::fmt;

use super::error::TableError;
use super::value::{AttributeValue, Item};

/// One step of a [`Path`] below its top-level attribute.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PathElement {
    /// A map key: `.name`.
    Key(String),
    /// A list index: `[n]`.
    Index(usize),
}

/// A document path: a top-level attribute, then map keys and list indexes into it,
/// as DynamoDB writes `info.dims[0]`. Built step by step, never parsed, so a name may
/// hold any character (a dot in a name is part of the name).
///
/// A `&str` or `String` converts into the top-level attribute of that name, so every
/// condition and update that takes a path also takes a plain attribute name.
///
/// ```
/// use localcloud::table::{Condition, Key, Path, ReturnValues, TableConfig, Update};
/// use localcloud::{item, Cloud};
///
/// let cloud = Cloud::builder().manual_clock().build();
/// let t = cloud.create_table("images", TableConfig::new(Key::string("id")))?;
/// t.put_item(item! {"id" => "a", "info" => item! {"dims" => vec![640.into(), 480.into()]}}, None)?;
///
/// let width = Path::attr("info").key("dims").index(0);
/// assert_eq!(width.to_string(), "info.dims[0]");
///
/// // Conditions and updates read and write through the path.
/// let new = t.update_item(
///     &item! {"id" => "a"},
///     Update::set(width.clone(), 800).and_set(Path::attr("info").key("kind"), "png")
///         .return_values(ReturnValues::UpdatedNew),
///     Condition::lt(width, 1000),
/// )?;
/// // UPDATED_NEW holds only what the update wrote, in its place in the document.
/// assert_eq!(new.unwrap(), item! {"info" => item! {"dims" => vec![800.into()], "kind" => "png"}});
/// # Ok::<(), localcloud::table::TableError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Path {
    attribute: String,
    steps: Vec<PathElement>,
}

impl Path {
    /// The top-level attribute `name`.
    pub fn attr(name: impl Into<String>) -> Self {
        Path { attribute: name.into(), steps: Vec::new() }
    }

    /// This path, then the map key `name`.
    pub fn key(mut self, name: impl Into<String>) -> Self {
        self.steps.push(PathElement::Key(name.into()));
        self
    }

    /// This path, then the list index `i`.
    pub fn index(mut self, i: usize) -> Self {
        self.steps.push(PathElement::Index(i));
        self
    }

    /// The name of the top-level attribute the path starts at.
    pub fn attribute(&self) -> &str {
        &self.attribute
    }

    /// The steps below the top-level attribute.
    pub fn elements(&self) -> &[PathElement] {
        &self.steps
    }

    /// Whether the path names a top-level attribute (no steps below it).
    pub fn is_top_level(&self) -> bool {
        self.steps.is_empty()
    }

    /// Checks the names of the path (`what` names the expression in the message).
    pub(crate) fn check(&self, what: &str) -> Result<(), TableError> {
        let empty_key = self.steps.iter().any(|s| matches!(s, PathElement::Key(k) if k.is_empty()));
        if self.attribute.is_empty() || empty_key {
            return Err(TableError::validation(format!("invalid {what}: an attribute name is empty")));
        }
        Ok(())
    }

    /// Whether one path is a prefix of the other (or they are the same).
    pub(crate) fn overlaps(&self, other: &Path) -> bool {
        self.attribute == other.attribute && self.steps.iter().zip(&other.steps).all(|(a, b)| a == b)
    }

    /// The value at this path, if every step resolves.
    pub(crate) fn resolve<'a>(&self, item: &'a Item) -> Option<&'a AttributeValue> {
        let top = item.get(&self.attribute)?;
        descend(top, &self.steps)
    }

    /// The value at this path in an item that may be missing.
    pub(crate) fn resolve_in<'a>(&self, item: Option<&'a Item>) -> Option<&'a AttributeValue> {
        item.and_then(|i| self.resolve(i))
    }

    /// The steps to the container the last step reads from.
    fn to_parent(&self) -> &[PathElement] {
        self.steps.split_last().map_or(&[], |(_, rest)| rest)
    }

    /// The container the last step reads from, in `item` (for a nested path).
    fn parent_in<'a>(&self, item: Option<&'a Item>) -> Option<&'a AttributeValue> {
        let top = item?.get(&self.attribute)?;
        descend(top, self.to_parent())
    }

    /// The same container in the item being written.
    fn parent_mut<'a>(&self, item: &'a mut Item) -> Option<&'a mut AttributeValue> {
        let mut cur = item.get_mut(&self.attribute)?;
        for step in self.to_parent() {
            cur = match (cur, step) {
                (AttributeValue::M(m), PathElement::Key(k)) => m.get_mut(k)?,
                (AttributeValue::L(l), PathElement::Index(i)) => l.get_mut(*i)?,
                _ => return None,
            };
        }
        Some(cur)
    }

    /// `SET path = v` on `item`, whose state before the update is `before`. A nested
    /// path needs its container to exist with the right type; an index past the end of
    /// the list (as it was) appends.
    pub(crate) fn set(&self, item: &mut Item, v: AttributeValue, before: Option<&Item>) -> Result<(), TableError> {
        let Some(last) = self.steps.last() else {
            item.insert(self.attribute.clone(), v);
            return Ok(());
        };
        let old_len = match (self.parent_in(before), last) {
            (Some(AttributeValue::M(_)), PathElement::Key(_)) => 0,
            (Some(AttributeValue::L(l)), PathElement::Index(_)) => l.len(),
            _ => return Err(invalid_path()),
        };
        match (self.parent_mut(item), last) {
            (Some(AttributeValue::M(m)), PathElement::Key(k)) => {
                m.insert(k.clone(), v);
            }
            (Some(AttributeValue::L(l)), PathElement::Index(i)) => {
                if *i < old_len && *i < l.len() {
                    l[*i] = v;
                } else {
                    l.push(v);
                }
            }
            _ => return Err(invalid_path()),
        }
        Ok(())
    }

    /// `REMOVE path` on `item`, whose state before the update is `before`. A missing
    /// leaf is left alone; a nested path whose container is missing or of the wrong
    /// type is invalid, except on a missing item, where nothing happens.
    pub(crate) fn remove(&self, item: &mut Item, before: Option<&Item>) -> Result<(), TableError> {
        let Some(last) = self.steps.last() else {
            item.remove(&self.attribute);
            return Ok(());
        };
        if before.is_none() {
            return Ok(());
        }
        let present = match (self.parent_in(before), last) {
            (Some(AttributeValue::M(m)), PathElement::Key(k)) => m.contains_key(k),
            (Some(AttributeValue::L(l)), PathElement::Index(i)) => *i < l.len(),
            _ => return Err(invalid_path()),
        };
        if present {
            match (self.parent_mut(item), last) {
                (Some(AttributeValue::M(m)), PathElement::Key(k)) => {
                    m.remove(k);
                }
                (Some(AttributeValue::L(l)), PathElement::Index(i)) if *i < l.len() => {
                    l.remove(*i);
                }
                _ => return Err(invalid_path()),
            }
        }
        Ok(())
    }
}

fn descend<'a>(mut cur: &'a AttributeValue, steps: &[PathElement]) -> Option<&'a AttributeValue> {
    for step in steps {
        cur = match (cur, step) {
            (AttributeValue::M(m), PathElement::Key(k)) => m.get(k)?,
            (AttributeValue::L(l), PathElement::Index(i)) => l.get(*i)?,
            _ => return None,
        };
    }
    Some(cur)
}

fn invalid_path() -> TableError {
    TableError::validation("the document path provided in the update expression is invalid for update")
}

/// The parts of `item` at `paths`, each in its place in the document, as a projection
/// reads them: a list keeps only the projected elements, in index order. Paths that do
/// not resolve are left out.
pub(crate) fn project<'a>(item: &Item, paths: impl IntoIterator<Item = &'a Path>) -> Item {
    enum Node {
        Leaf(AttributeValue),
        Map(BTreeMap<String, Node>),
        List(BTreeMap<usize, Node>),
    }
    fn place(node: &mut Node, steps: &[PathElement], v: AttributeValue) {
        let Some((step, rest)) = steps.split_first() else {
            *node = Node::Leaf(v);
            return;
        };
        let child = match (node, step) {
            (Node::Map(m), PathElement::Key(k)) => m.entry(k.clone()).or_insert_with(|| fresh(rest)),
            (Node::List(l), PathElement::Index(i)) => l.entry(*i).or_insert_with(|| fresh(rest)),
            // Two paths, one inside the other: the outer one already holds it all.
            _ => return,
        };
        place(child, rest, v);
    }
    fn fresh(rest: &[PathElement]) -> Node {
        match rest.first() {
            None => Node::Leaf(AttributeValue::Null),
            Some(PathElement::Key(_)) => Node::Map(BTreeMap::new()),
            Some(PathElement::Index(_)) => Node::List(BTreeMap::new()),
        }
    }
    fn build(node: Node) -> AttributeValue {
        match node {
            Node::Leaf(v) => v,
            Node::Map(m) => AttributeValue::M(m.into_iter().map(|(k, n)| (k, build(n))).collect()),
            Node::List(l) => AttributeValue::L(l.into_values().map(build).collect()),
        }
    }
    let mut tops: BTreeMap<String, Node> = BTreeMap::new();
    for p in paths {
        if let Some(v) = p.resolve(item) {
            let top = tops.entry(p.attribute.clone()).or_insert_with(|| fresh(&p.steps));
            place(top, &p.steps, v.clone());
        }
    }
    tops.into_iter().map(|(k, n)| (k, build(n))).collect()
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.attribute)?;
        for step in &self.steps {
            match step {
                PathElement::Key(k) => write!(f, ".{k}")?,
                PathElement::Index(i) => write!(f, "[{i}]")?,
            }
        }
        Ok(())
    }
}

impl From<&str> for Path {
    fn from(name: &str) -> Self {
        Path::attr(name)
    }
}

impl From<String> for Path {
    fn from(name: String) -> Self {
        Path::attr(name)
    }
}

impl From<&String> for Path {
    fn from(name: &String) -> Self {
        Path::attr(name.clone())
    }
}

impl From<&Path> for Path {
    fn from(p: &Path) -> Self {
        p.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::item;

    fn doc() -> Item {
        item! {"id" => "a", "info" => item! {"dims" => vec![640.into(), 480.into()], "kind" => "png"}, "tags" => vec![AttributeValue::from("x")]}
    }

    #[test]
    fn display_writes_dynamodb_syntax() {
        assert_eq!(Path::attr("info").key("dims").index(0).to_string(), "info.dims[0]");
        assert_eq!(Path::from("a.b").to_string(), "a.b");
        assert!(Path::from("a.b").is_top_level());
    }

    #[test]
    fn resolve_follows_keys_and_indexes_and_stops_at_a_wrong_type() {
        let it = doc();
        assert_eq!(Path::attr("info").key("dims").index(1).resolve(&it), Some(&480.into()));
        assert_eq!(Path::attr("info").key("dims").index(2).resolve(&it), None);
        assert_eq!(Path::attr("info").index(0).resolve(&it), None);
        assert_eq!(Path::attr("tags").key("x").resolve(&it), None);
        assert_eq!(Path::attr("nope").key("x").resolve(&it), None);
    }

    #[test]
    fn overlap_is_a_prefix_relation() {
        let a = Path::attr("a");
        assert!(a.overlaps(&a.clone().index(0)));
        assert!(a.clone().index(0).overlaps(&a));
        assert!(a.overlaps(&a));
        assert!(!a.clone().index(0).overlaps(&a.clone().index(1)));
        assert!(!a.clone().key("x").overlaps(&a.clone().key("y")));
        assert!(!a.overlaps(&Path::attr("b")));
    }

    #[test]
    fn set_needs_a_container_of_the_right_type() {
        let before = doc();
        let mut it = before.clone();
        assert!(Path::attr("info").key("dims").key("w").set(&mut it, 1.into(), Some(&before)).is_err());
        assert!(Path::attr("info").index(0).set(&mut it, 1.into(), Some(&before)).is_err());
        assert!(Path::attr("nope").key("x").set(&mut it, 1.into(), Some(&before)).is_err());
        assert!(Path::attr("nope").key("x").set(&mut it, 1.into(), None).is_err());
        assert_eq!(it, before);
    }

    #[test]
    fn set_past_the_end_appends_in_the_order_given() {
        let before = doc();
        let mut it = before.clone();
        let dims = Path::attr("info").key("dims");
        dims.clone().index(7).set(&mut it, 1.into(), Some(&before)).unwrap();
        dims.clone().index(9).set(&mut it, 2.into(), Some(&before)).unwrap();
        dims.clone().index(0).set(&mut it, 0.into(), Some(&before)).unwrap();
        assert_eq!(dims.resolve(&it), Some(&AttributeValue::L(vec![0.into(), 480.into(), 1.into(), 2.into()])));
    }

    #[test]
    fn remove_shifts_later_elements_and_ignores_missing_leaves() {
        let before = doc();
        let mut it = before.clone();
        let dims = Path::attr("info").key("dims");
        dims.clone().index(5).remove(&mut it, Some(&before)).unwrap();
        Path::attr("info").key("size").remove(&mut it, Some(&before)).unwrap();
        assert_eq!(it, before);
        dims.clone().index(0).remove(&mut it, Some(&before)).unwrap();
        assert_eq!(dims.resolve(&it), Some(&AttributeValue::L(vec![480.into()])));
        assert!(Path::attr("nope").key("x").remove(&mut it, Some(&before)).is_err());
        assert!(Path::attr("nope").key("x").remove(&mut it, None).is_ok());
    }

    #[test]
    fn project_keeps_structure_and_compacts_lists() {
        let it = doc();
        let paths = [
            Path::attr("info").key("dims").index(1),
            Path::attr("info").key("kind"),
            Path::attr("info").key("missing"),
            Path::attr("tags"),
        ];
        let got = project(&it, &paths);
        assert_eq!(
            got,
            item! {"info" => item! {"dims" => vec![480.into()], "kind" => "png"}, "tags" => vec![AttributeValue::from("x")]}
        );
        assert!(project(&it, &[Path::attr("nope")]).is_empty());
    }
}
