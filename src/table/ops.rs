//! Single-item operations (put, get, update, delete), query and scan.

use super::capacity::{self, size_of};
use super::condition::Condition;
use super::error::TableError;
use super::query::{self, Page, Query, Scan};
use super::state::{Capacity, Origin, TableShared, TableState};
use super::update::{returned, Update};
use super::value::{validate_item, Item};
use super::Table;

impl Table {
    /// Writes a whole item, replacing any item with its key, if `condition` (or `None`)
    /// holds for the item as it was. Returns the replaced item (`ALL_OLD`).
    ///
    /// Errors: `ValidationException` for a bad key, value or size over 400 KB;
    /// `ConditionalCheckFailedException`; `ResourceNotFoundException` for a deleted table.
    pub fn put_item(&self, item: Item, condition: impl Into<Option<Condition>>) -> Result<Option<Item>, TableError> {
        let cond = condition.into();
        let sh = &*self.shared;
        validate_item(&item)?;
        let key = sh.schema.key_of_item(&item)?;
        if let Some(c) = &cond {
            c.validate()?;
        }
        let now = sh.clock.now();
        let mut st = sh.state.lock();
        st.check_live(sh)?;
        let held = st.condition_holds(cond.as_ref(), &key);
        let bytes = capacity::written(st.items.get(&key).map(|a| &**a), Some(&item));
        st.charge_write(sh, bytes, held, now)?;
        Ok(st.commit(sh, key, Some(item), now, Origin::Put))
    }

    /// The item with this key (exactly the key attributes), read consistently (billed
    /// as [`TableConfig::read_consistency`](super::TableConfig::read_consistency) says).
    pub fn get_item(&self, key: &Item) -> Result<Option<Item>, TableError> {
        let sh = &*self.shared;
        let key = sh.schema.key_of(key)?;
        let now = sh.clock.now();
        let mut st = sh.state.lock();
        st.check_live(sh)?;
        let found = st.items.get(&key).map(|a| (**a).clone());
        st.charge(sh, Capacity::Read, capacity::read(size_of(found.as_ref()), sh.read_kind), now)?;
        Ok(found)
    }

    /// Applies `update` to the item with this key (creating it from the key if it is
    /// missing, unless the update only removes) if `condition` holds. Returns what the update's
    /// [`ReturnValues`](super::ReturnValues) asks for.
    pub fn update_item(
        &self,
        key: &Item,
        update: Update,
        condition: impl Into<Option<Condition>>,
    ) -> Result<Option<Item>, TableError> {
        let cond = condition.into();
        let sh = &*self.shared;
        let key = sh.schema.key_of(key)?;
        update.validate(&sh.schema)?;
        if let Some(c) = &cond {
            c.validate()?;
        }
        let now = sh.clock.now();
        let mut st = sh.state.lock();
        st.check_live(sh)?;
        let held = st.condition_holds(cond.as_ref(), &key);
        let old = st.items.get(&key).map(|a| &**a);
        let applied = match held {
            Ok(()) => match update.apply_to(old, || sh.schema.key_item(&key))? {
                None => Some((None, None)),
                Some((new, touched)) => {
                    let out = returned(update.return_values, old, Some(&new), &touched);
                    Some((Some(new), out))
                }
            },
            Err(_) => None,
        };
        let bytes = capacity::written(old, applied.as_ref().and_then(|(new, _)| new.as_ref()));
        st.charge_write(sh, bytes, held, now)?;
        let Some((new, out)) = applied else { return Err(TableError::ConditionalCheckFailed) };
        if let Some(new) = new {
            st.commit(sh, key, Some(new), now, Origin::Update);
        }
        Ok(out)
    }

    /// Deletes the item with this key if `condition` holds. Returns the deleted item
    /// (`ALL_OLD`); deleting a missing item is not an error and writes no change record.
    pub fn delete_item(&self, key: &Item, condition: impl Into<Option<Condition>>) -> Result<Option<Item>, TableError> {
        let cond = condition.into();
        let sh = &*self.shared;
        let key = sh.schema.key_of(key)?;
        if let Some(c) = &cond {
            c.validate()?;
        }
        let now = sh.clock.now();
        let mut st = sh.state.lock();
        st.check_live(sh)?;
        let held = st.condition_holds(cond.as_ref(), &key);
        let bytes = capacity::written(st.items.get(&key).map(|a| &**a), None);
        st.charge_write(sh, bytes, held, now)?;
        Ok(st.commit(sh, key, None, now, Origin::Delete))
    }

    /// One page of a query: the items of one partition in sort key order (or reversed),
    /// up to the limit or 1 MB; continue from [`Page::last_evaluated_key`]. The page is
    /// billed on the total size of the items it evaluated, filtered out or not.
    pub fn query(&self, q: impl Into<Query>) -> Result<Page, TableError> {
        let q = q.into();
        self.read_page(|sh, st| query::query(sh, st, &q))
    }

    /// The first page of a scan of every item.
    pub fn scan(&self) -> Result<Page, TableError> {
        self.scan_with(Scan::new())
    }

    /// One page of a scan, with limit, start key and filter.
    pub fn scan_with(&self, s: Scan) -> Result<Page, TableError> {
        self.read_page(|sh, st| query::scan(sh, st, &s))
    }

    /// Reads one page under the table's lock and bills it on the bytes it read.
    fn read_page(
        &self,
        read: impl FnOnce(&TableShared, &TableState) -> Result<Page, TableError>,
    ) -> Result<Page, TableError> {
        let sh = &*self.shared;
        let now = sh.clock.now();
        let mut st = sh.state.lock();
        st.check_live(sh)?;
        let page = read(sh, &st)?;
        st.charge(sh, Capacity::Read, capacity::read(page.read_bytes, sh.read_kind), now)?;
        st.counters.returned_items += page.count() as u64;
        Ok(page)
    }
}
