//! Batch get (up to 100 keys) and batch write (up to 25 puts and deletes), with
//! unprocessed entries returned when the table's throughput is used up.

use std::collections::BTreeSet;

use super::capacity::{self, size_of};
use super::error::TableError;
use super::state::{Capacity, Counters, Origin};
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
    /// Keys not read because the table's read capacity for this second was used up.
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
    /// Requests not applied because the table's write capacity for this second was used up.
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

/// Counts a batch that left entries unprocessed as one throttled request; a batch that
/// processed none of its `total` entries fails as a whole, as in DynamoDB.
fn throttled(counters: &mut Counters, processed: usize, total: usize) -> Result<(), TableError> {
    if processed < total {
        counters.throttled_requests += 1;
    }
    if processed == 0 {
        return Err(TableError::ProvisionedThroughputExceeded);
    }
    Ok(())
}

impl Table {
    /// Reads up to 100 items by key, each billed as its own read (rounded up to 4 KB on
    /// its own; a missing item pays the minimum). Under throttling emulation the keys
    /// beyond the table's remaining read capacity come back in
    /// [`unprocessed_keys`](BatchGetOutput::unprocessed_keys).
    ///
    /// Errors: `ValidationException` for 0 or more than 100 keys, a bad key, or a key
    /// twice; `ProvisionedThroughputExceededException` when no key could be read.
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
        let mut items = Vec::with_capacity(parsed.len());
        let mut n = 0;
        for k in &parsed {
            let found = st.items.get(k).map(|a| (**a).clone());
            if !st.try_charge(sh, Capacity::Read, capacity::read(size_of(found.as_ref()), sh.read_kind), now) {
                break;
            }
            items.extend(found);
            n += 1;
        }
        throttled(&mut st.counters, n, parsed.len())?;
        Ok(BatchGetOutput { items, unprocessed: keys[n..].to_vec() })
    }

    /// Applies up to 25 puts and deletes (each atomically, the batch not), each billed
    /// as its own write. Under throttling emulation the requests beyond the table's
    /// remaining write capacity come back in
    /// [`unprocessed_items`](BatchWriteOutput::unprocessed_items).
    ///
    /// Errors: `ValidationException` for 0 or more than 25 requests, a bad item or key,
    /// or two requests for one key; `ProvisionedThroughputExceededException` when no
    /// request could be applied.
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
        let total = requests.len();
        let mut pending = requests.into_iter().zip(parsed).enumerate();
        while let Some((n, (r, k))) = pending.next() {
            let after = match &r {
                WriteRequest::Put(item) => Some(item),
                WriteRequest::Delete(_) => None,
            };
            let bytes = capacity::written(st.items.get(&k).map(|a| &**a), after);
            if !st.try_charge(sh, Capacity::Write, capacity::write(bytes), now) {
                throttled(&mut st.counters, n, total)?;
                let unprocessed = std::iter::once(r).chain(pending.map(|(_, (r, _))| r)).collect();
                return Ok(BatchWriteOutput { unprocessed });
            }
            let new = match r {
                WriteRequest::Put(item) => Some(item),
                WriteRequest::Delete(_) => None,
            };
            st.commit(sh, k, new, now, Origin::BatchWrite);
        }
        Ok(BatchWriteOutput { unprocessed: Vec::new() })
    }
}
