//! Transactions: up to 100 writes or reads over one or more tables, all or nothing.

use std::collections::BTreeSet;
use std::sync::Arc;

use parking_lot::MutexGuard;

use super::capacity::{self, size_of, ReadKind, Units};
use super::condition::Condition;
use super::error::{CancellationReason, TableError};
use super::key::StoreKey;
use super::state::{Capacity, Origin, TableShared, TableState};
use super::update::Update;
use super::value::{item_size, validate_item, Item};
use super::Table;
use crate::cloud::Cloud;

/// Most items in one transaction.
pub const MAX_TRANSACTION_ITEMS: usize = 100;
/// Largest total size of a transaction's items: 4 MB.
const MAX_TRANSACTION_BYTES: usize = 4 * 1024 * 1024;

#[derive(Clone, Debug)]
enum Op {
    Put(Item),
    Update(Item, Update),
    Delete(Item),
    Check(Item),
}

/// One write of a transaction, with an optional condition.
///
/// ```
/// use localcloud::table::{Condition, Key, TableConfig, TransactWrite, Update};
/// use localcloud::{item, Cloud};
/// let cloud = Cloud::builder().manual_clock().build();
/// let t = cloud.create_table("accounts", TableConfig::new(Key::string("id")))?;
/// t.put_item(item! {"id" => "a", "balance" => 10}, None)?;
/// let err = cloud.transact_write_items(vec![
///     TransactWrite::update(&t, item! {"id" => "a"}, Update::add("balance", -20))
///         .condition(Condition::ge("balance", 20)),
///     TransactWrite::put(&t, item! {"id" => "b", "balance" => 20}),
/// ]).unwrap_err();
/// assert_eq!(err.code(), "TransactionCanceledException");
/// assert_eq!(err.cancellation_reasons()[0].code(), "ConditionalCheckFailed");
/// assert!(t.get_item(&item! {"id" => "b"})?.is_none());
/// # Ok::<(), localcloud::table::TableError>(())
/// ```
#[derive(Clone, Debug)]
pub struct TransactWrite {
    table: Table,
    op: Op,
    condition: Option<Condition>,
}

impl TransactWrite {
    /// Put a whole item.
    pub fn put(table: &Table, item: Item) -> Self {
        TransactWrite { table: table.clone(), op: Op::Put(item), condition: None }
    }
    /// Update the item with this key.
    pub fn update(table: &Table, key: Item, update: Update) -> Self {
        TransactWrite { table: table.clone(), op: Op::Update(key, update), condition: None }
    }
    /// Delete the item with this key.
    pub fn delete(table: &Table, key: Item) -> Self {
        TransactWrite { table: table.clone(), op: Op::Delete(key), condition: None }
    }
    /// Only check a condition on the item with this key.
    pub fn condition_check(table: &Table, key: Item, condition: Condition) -> Self {
        TransactWrite { table: table.clone(), op: Op::Check(key), condition: Some(condition) }
    }
    /// The condition this write needs.
    pub fn condition(mut self, c: Condition) -> Self {
        self.condition = Some(c);
        self
    }
}

/// One read of a transaction.
#[derive(Clone, Debug)]
pub struct TransactGet {
    table: Table,
    key: Item,
}

impl TransactGet {
    /// Read the item with this key.
    pub fn new(table: &Table, key: Item) -> Self {
        TransactGet { table: table.clone(), key }
    }
}

/// Locks every distinct table once, in uid order (so two transactions cannot deadlock).
fn lock_all<'a>(tables: &'a [Arc<TableShared>]) -> Vec<MutexGuard<'a, TableState>> {
    tables.iter().map(|t| t.state.lock()).collect()
}

fn distinct(tables: impl Iterator<Item = Arc<TableShared>>) -> Vec<Arc<TableShared>> {
    let mut v: Vec<Arc<TableShared>> = tables.collect();
    v.sort_by_key(|t| t.uid);
    v.dedup_by_key(|t| t.uid);
    v
}

fn index_of(tables: &[Arc<TableShared>], uid: u64) -> usize {
    tables.iter().position(|t| t.uid == uid).unwrap_or(0)
}

/// Charges each table its share of a transaction (`costs[i]` for `tables[i]`), all or
/// nothing: when a table's capacity for this second cannot take its share, nothing is
/// consumed, that table counts a throttled request, and the transaction is cancelled
/// with `ProvisionedThroughputExceeded` for each of its items (`table_of[j]` is item j's table).
fn charge_all(
    tables: &[Arc<TableShared>],
    guards: &mut [MutexGuard<'_, TableState>],
    kind: Capacity,
    costs: &[Units],
    table_of: &[usize],
    now: crate::clock::Timestamp,
) -> Result<(), TableError> {
    let refused: Vec<bool> =
        tables.iter().zip(guards.iter_mut()).zip(costs).map(|((t, g), c)| !g.fits(t, kind, *c, now)).collect();
    if refused.iter().any(|r| *r) {
        for (g, r) in guards.iter_mut().zip(&refused) {
            if *r {
                g.counters.throttled_requests += 1;
            }
        }
        let reasons = table_of
            .iter()
            .map(|&i| {
                if refused[i] {
                    CancellationReason {
                        code: "ProvisionedThroughputExceeded",
                        message: Some(
                            "the level of configured provisioned throughput for the table was exceeded".into(),
                        ),
                    }
                } else {
                    CancellationReason::none()
                }
            })
            .collect();
        return Err(TableError::TransactionCanceled { reasons });
    }
    for (g, c) in guards.iter_mut().zip(costs) {
        g.consume(kind, *c);
    }
    Ok(())
}

fn check_len(n: usize) -> Result<(), TableError> {
    if n == 0 || n > MAX_TRANSACTION_ITEMS {
        return Err(TableError::validation(format!("a transaction takes 1 to {MAX_TRANSACTION_ITEMS} items, not {n}")));
    }
    Ok(())
}

impl Cloud {
    /// Applies every write or none. Each write's condition is checked against the
    /// items as they were before the transaction. Each item (a condition check too) is
    /// billed twice a plain write; a cancelled transaction is not billed.
    ///
    /// Errors: `ValidationException` for a malformed request (more than 100 items, two
    /// operations on one item, a bad key or item, over 4 MB);
    /// `TransactionCanceledException` with one [`CancellationReason`] per item when a
    /// condition fails, an update cannot apply, or (under throttling emulation) a table's
    /// write capacity for this second is used up; `ResourceNotFoundException`.
    pub fn transact_write_items(&self, writes: Vec<TransactWrite>) -> Result<(), TableError> {
        check_len(writes.len())?;
        let mut keys: Vec<StoreKey> = Vec::with_capacity(writes.len());
        let mut seen = BTreeSet::new();
        let mut bytes = 0;
        for w in &writes {
            let sh = &w.table.shared;
            let k = match &w.op {
                Op::Put(item) => {
                    validate_item(item)?;
                    bytes += item_size(item);
                    sh.schema.key_of_item(item)?
                }
                Op::Update(key, u) => {
                    u.validate(&sh.schema)?;
                    sh.schema.key_of(key)?
                }
                Op::Delete(key) | Op::Check(key) => sh.schema.key_of(key)?,
            };
            if let Some(c) = &w.condition {
                c.validate()?;
            }
            if !seen.insert((sh.uid, k.clone())) {
                return Err(TableError::validation(
                    "transaction request cannot include multiple operations on one item",
                ));
            }
            keys.push(k);
        }
        if bytes > MAX_TRANSACTION_BYTES {
            return Err(TableError::validation("the transaction's items exceed 4 MB"));
        }
        let tables = distinct(writes.iter().map(|w| Arc::clone(&w.table.shared)));
        let mut guards = lock_all(&tables);
        for (t, g) in tables.iter().zip(&guards) {
            g.check_live(t)?;
        }
        let now = self.now();
        let mut reasons = Vec::with_capacity(writes.len());
        let mut plan: Vec<Option<Option<Item>>> = Vec::with_capacity(writes.len());
        let mut costs = vec![Units::ZERO; tables.len()];
        let mut table_of = Vec::with_capacity(writes.len());
        for (w, k) in writes.iter().zip(&keys) {
            let sh = &w.table.shared;
            let i = index_of(&tables, sh.uid);
            table_of.push(i);
            let st = &guards[i];
            let current = st.items.get(k).map(|a| &**a);
            if w.condition.as_ref().is_some_and(|c| !c.eval(current)) {
                reasons.push(CancellationReason {
                    code: "ConditionalCheckFailed",
                    message: Some("the conditional request failed".into()),
                });
                plan.push(None);
                continue;
            }
            let outcome = match &w.op {
                Op::Put(item) => Ok(Some(Some(item.clone()))),
                Op::Delete(_) => Ok(Some(None)),
                Op::Check(_) => Ok(None),
                Op::Update(_, u) => u.apply_to(current, || sh.schema.key_item(k)).map(|new| new.map(|(n, _)| Some(n))),
            };
            match outcome {
                Ok(p) => {
                    let bytes = capacity::written(current, p.as_ref().and_then(|new| new.as_ref()));
                    costs[i] += capacity::transactional_write(bytes);
                    reasons.push(CancellationReason::none());
                    plan.push(p);
                }
                Err(e) => {
                    reasons.push(CancellationReason { code: "ValidationError", message: Some(e.to_string()) });
                    plan.push(None);
                }
            }
        }
        if reasons.iter().any(|r| r.code != "None") {
            return Err(TableError::TransactionCanceled { reasons });
        }
        charge_all(&tables, &mut guards, Capacity::Write, &costs, &table_of, now)?;
        for ((w, k), p) in writes.iter().zip(keys).zip(plan) {
            if let Some(new) = p {
                let sh = &w.table.shared;
                let i = index_of(&tables, sh.uid);
                guards[i].commit(sh, k, new, now, Origin::Transaction);
            }
        }
        Ok(())
    }

    /// Reads up to 100 items, from one consistent moment, in request order; each read
    /// is billed twice a strongly consistent read.
    ///
    /// Errors: `ValidationException` for a bad key or more than 100 items;
    /// `TransactionCanceledException` (`ProvisionedThroughputExceeded`) when a table's
    /// read capacity for this second is used up; `ResourceNotFoundException`.
    pub fn transact_get_items(&self, gets: Vec<TransactGet>) -> Result<Vec<Option<Item>>, TableError> {
        check_len(gets.len())?;
        let keys = gets.iter().map(|g| g.table.shared.schema.key_of(&g.key)).collect::<Result<Vec<_>, _>>()?;
        let tables = distinct(gets.iter().map(|g| Arc::clone(&g.table.shared)));
        let mut guards = lock_all(&tables);
        for (t, g) in tables.iter().zip(&guards) {
            g.check_live(t)?;
        }
        let now = self.now();
        let mut costs = vec![Units::ZERO; tables.len()];
        let mut table_of = Vec::with_capacity(gets.len());
        let mut found = Vec::with_capacity(gets.len());
        for (g, k) in gets.iter().zip(&keys) {
            let i = index_of(&tables, g.table.shared.uid);
            let item = guards[i].items.get(k).map(|a| (**a).clone());
            costs[i] += capacity::read(size_of(item.as_ref()), ReadKind::Transactional);
            table_of.push(i);
            found.push(item);
        }
        charge_all(&tables, &mut guards, Capacity::Read, &costs, &table_of, now)?;
        Ok(found)
    }
}
