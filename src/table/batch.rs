//! Batch get (up to 100 keys) and batch write (up to 25 puts and deletes), with
//! unprocessed entries returned when the table's throughput is used up.

use std::collections::BTreeSet;

use super::error::TableError;
use super::state::Origin;
use super::value::{validate_item, Item};
use super::Table;

/// Most keys in one batch get.
pub const MAX_BATCH_GET: usize = 100;
/// Most requests in one batch write.
pub const MAX_BATCH_WRITE: usize = 25;

/// One entry of a batch write: no conditions, no return values.
///
/// ```
/// use localcloud::table::{Key, TableConfig, WriteRequest};
/// use localcloud::{item, Cloud};
/// let cloud = Cloud::builder().manual_clock().build();
/// let t = cloud.create_table("users", TableConfig::new(Key::string("id")))?;
/// let out = t.batch_write(vec![
///     WriteRequest::Put(item! {"id" => "a"}),
///     WriteRequest::Put(item! {"id" => "b"}),
///     WriteRequest::Delete(item! {"id" => "zzz"}),
/// ])?;
/// assert!(out.unprocessed_items().is_empty());
/// assert_eq!(t.batch_get(vec![item! {"id" => "a"}, item! {"id" => "b"}])?.items().len(), 2);
/// # Ok::<(), localcloud::table::TableError>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub enum WriteRequest {
    /// Put a whole item.
    Put(Item),
    /// Delete the item with this key.
    Delete(Item),
}

/// What a batch get read, and the keys it did not get to (retry them).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct BatchGetOutput {
    items: Vec<Item>,
    unprocessed: Vec<Item>,
}

impl BatchGetOutput {
    /// The items found (missing keys return nothing), in request order.
    pub fn items(&self) -> &[Item] {
        &self.items
    }
    /// Keys not read because the table's read throughput was used up.
    pub fn unprocessed_keys(&self) -> &[Item] {
        &self.unprocessed
    }
}

/// The requests a batch write did not get to (retry them).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct BatchWriteOutput {
    unprocessed: Vec<WriteRequest>,
}

impl BatchWriteOutput {
    /// Requests not applied because the table's write throughput was used up.
    pub fn unprocessed_items(&self) -> &[WriteRequest] {
        &self.unprocessed
    }
}

fn check_count(n: usize, max: usize, what: &str) -> Result<(), TableError> {
    if n == 0 || n > max {
        return Err(TableError::validation(format!("a batch {what} takes 1 to {max} entries, not {n}")));
    }
    Ok(())
}

impl Table {
    /// Reads up to 100 items by key. Under throttling emulation the keys beyond the
    /// table's remaining read throughput come back in
    /// [`unprocessed_keys`](BatchGetOutput::unprocessed_keys).
    ///
    /// Errors: `ValidationException` for 0 or more than 100 keys, a bad key, or a key twice.
    pub fn batch_get(&self, keys: Vec<Item>) -> Result<BatchGetOutput, TableError> {
        check_count(keys.len(), MAX_BATCH_GET, "get")?;
        let sh = &*self.shared;
        let mut seen = BTreeSet::new();
        let mut parsed = Vec::with_capacity(keys.len());
        for k in &keys {
            let sk = sh.schema.key_of(k)?;
            if !seen.insert(sk.clone()) {
                return Err(TableError::validation("provided list of item keys contains duplicates"));
            }
            parsed.push(sk);
        }
        let now = sh.clock.now();
        let mut st = sh.state.lock();
        st.check_live(sh)?;
        let n = st.admit(sh, false, parsed.len(), now);
        let items = parsed[..n].iter().filter_map(|k| st.items.get(k).map(|a| (**a).clone())).collect();
        Ok(BatchGetOutput { items, unprocessed: keys[n..].to_vec() })
    }

    /// Applies up to 25 puts and deletes (each atomically, the batch not). Under
    /// throttling emulation the requests beyond the table's remaining write throughput
    /// come back in [`unprocessed_items`](BatchWriteOutput::unprocessed_items).
    ///
    /// Errors: `ValidationException` for 0 or more than 25 requests, a bad item or key,
    /// or two requests for one key.
    pub fn batch_write(&self, requests: Vec<WriteRequest>) -> Result<BatchWriteOutput, TableError> {
        check_count(requests.len(), MAX_BATCH_WRITE, "write")?;
        let sh = &*self.shared;
        let mut seen = BTreeSet::new();
        let mut parsed = Vec::with_capacity(requests.len());
        for r in &requests {
            let k = match r {
                WriteRequest::Put(item) => {
                    validate_item(item)?;
                    sh.schema.key_of_item(item)?
                }
                WriteRequest::Delete(key) => sh.schema.key_of(key)?,
            };
            if !seen.insert(k.clone()) {
                return Err(TableError::validation("provided list of item keys contains duplicates"));
            }
            parsed.push(k);
        }
        let now = sh.clock.now();
        let mut st = sh.state.lock();
        st.check_live(sh)?;
        let n = st.admit(sh, true, requests.len(), now);
        let mut rest = requests;
        let unprocessed = rest.split_off(n);
        for (r, k) in rest.into_iter().zip(parsed) {
            let new = match r {
                WriteRequest::Put(item) => Some(item),
                WriteRequest::Delete(_) => None,
            };
            st.commit(sh, k, new, now, Origin::BatchWrite);
        }
        Ok(BatchWriteOutput { unprocessed })
    }
}
