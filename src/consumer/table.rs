//! [`LeaseTable`]: the shared table of leases, over a [`LeaseStore`] whose only
//! write is conditional on the lease counter.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use parking_lot::Mutex;

use super::file::FileStore;
use super::table_store::TableStore;
use super::{ConsumerError, Lease};
use crate::stream::ShardId;

/// Where leases live. Every write is conditional on the counter the writer last saw,
/// as DynamoDB's conditional writes are under the KCL: that is the fencing that keeps
/// a worker that lost its lease from overwriting the new owner's progress.
///
/// Implement it to keep leases elsewhere; [`LeaseTable::in_memory`],
/// [`LeaseTable::file`] and [`LeaseTable::table`] are built in.
pub trait LeaseStore: Send + Sync + fmt::Debug {
    /// Every lease, in shard-id order.
    fn list(&self) -> Result<Vec<Lease>, ConsumerError>;

    /// Writes `lease` when the stored lease for its shard has counter `expected`, or
    /// when `expected` is `None` and there is no lease for the shard. Returns whether
    /// it wrote.
    fn write_if(&self, lease: &Lease, expected: Option<u64>) -> Result<bool, ConsumerError>;

    /// Deletes the shard's lease when its counter is `expected`. Returns whether it did.
    fn delete_if(&self, shard: &ShardId, expected: u64) -> Result<bool, ConsumerError>;
}

/// The default store: a map in memory, shared by every clone of its table.
#[derive(Debug, Default)]
pub(crate) struct MemoryStore {
    leases: Mutex<BTreeMap<ShardId, Lease>>,
}

impl LeaseStore for MemoryStore {
    fn list(&self) -> Result<Vec<Lease>, ConsumerError> {
        Ok(self.leases.lock().values().cloned().collect())
    }

    fn write_if(&self, lease: &Lease, expected: Option<u64>) -> Result<bool, ConsumerError> {
        let mut leases = self.leases.lock();
        Ok(apply_write(&mut leases, lease, expected))
    }

    fn delete_if(&self, shard: &ShardId, expected: u64) -> Result<bool, ConsumerError> {
        let mut leases = self.leases.lock();
        Ok(apply_delete(&mut leases, shard, expected))
    }
}

/// The conditional write both built-in stores share.
pub(crate) fn apply_write(leases: &mut BTreeMap<ShardId, Lease>, lease: &Lease, expected: Option<u64>) -> bool {
    let current = leases.get(&lease.shard_id).map(|l| l.counter);
    if current != expected {
        return false;
    }
    leases.insert(lease.shard_id, lease.clone());
    true
}

pub(crate) fn apply_delete(leases: &mut BTreeMap<ShardId, Lease>, shard: &ShardId, expected: u64) -> bool {
    if leases.get(shard).map(|l| l.counter) != Some(expected) {
        return false;
    }
    leases.remove(shard);
    true
}

/// A handle to a lease table: one per consumer application, shared by its workers.
/// Cheap to clone; every clone sees the same leases.
///
/// ```
/// use localcloud::consumer::{ExtendedSequenceNumber, Lease, LeaseTable};
/// use localcloud::stream::ShardId;
/// let table = LeaseTable::in_memory();
/// let shard: ShardId = "shardId-000000000000".parse()?;
/// assert!(table.create_if_absent(&Lease::new(shard, ExtendedSequenceNumber::TrimHorizon, vec![]))?);
/// let lease = table.get(&shard)?.unwrap();
/// // a write is conditional on the counter it read
/// let taken = table.update(&lease, |l| l.set_owner(Some("w1")))?.unwrap();
/// assert_eq!(taken.counter(), lease.counter() + 1);
/// assert!(table.update(&lease, |l| l.set_owner(Some("w2")))?.is_none()); // fenced
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct LeaseTable {
    store: Arc<dyn LeaseStore>,
}

impl fmt::Debug for LeaseTable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LeaseTable").field("store", &self.store).finish()
    }
}

impl Default for LeaseTable {
    fn default() -> Self {
        LeaseTable::in_memory()
    }
}

impl LeaseTable {
    /// A table in memory (the default).
    pub fn in_memory() -> Self {
        LeaseTable::from_store(Arc::new(MemoryStore::default()))
    }

    /// A table in a JSON file at `path`, which survives a process restart. Every write
    /// goes to a temporary file beside it, then renames it over the table, so a crash
    /// leaves either the old table or the new one. The file need not exist yet.
    pub fn file(path: impl Into<PathBuf>) -> Self {
        LeaseTable::from_store(Arc::new(FileStore::new(path.into())))
    }

    /// A table in a table of this cloud, as the KCL keeps its leases in DynamoDB: one
    /// item per lease keyed by [`LEASE_KEY`](super::LEASE_KEY) (a string, the shard
    /// id; no sort key), with the KCL's attributes `leaseOwner`, `leaseCounter`,
    /// `checkpoint`, `pendingCheckpoint`, `ownerSwitchesSinceCheckpoint` and
    /// `parentShardId` (a string set). Every write is a put or delete conditional on
    /// `leaseCounter` (or on the lease being absent); a `ConditionalCheckFailedException`
    /// is a fenced write. Any other refusal of the table (deleted, throttled, a wrong
    /// key schema) is a `KinesisClientLibDependencyException` the worker reports.
    ///
    /// ```
    /// use localcloud::consumer::{ExtendedSequenceNumber, Lease, LeaseTable, LEASE_KEY};
    /// use localcloud::table::{Key, TableConfig};
    /// use localcloud::Cloud;
    /// use localcloud::stream::ShardId;
    /// let cloud = Cloud::builder().manual_clock().build();
    /// let t = cloud.create_table("clicks-app", TableConfig::new(Key::string(LEASE_KEY)))?;
    /// let leases = LeaseTable::table(&t);
    /// let shard: ShardId = "shardId-000000000000".parse()?;
    /// leases.create_if_absent(&Lease::new(shard, ExtendedSequenceNumber::TrimHorizon, vec![]))?;
    /// let seen = leases.get(&shard)?.unwrap();
    /// leases.update(&seen, |l| l.set_owner(Some("w1")))?.unwrap();
    /// assert!(leases.update(&seen, |l| l.set_owner(Some("w2")))?.is_none()); // fenced
    /// assert_eq!(t.item_count(), 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn table(table: &crate::table::Table) -> Self {
        LeaseTable::from_store(Arc::new(TableStore::new(table.clone())))
    }

    /// A table over any store.
    pub fn from_store(store: Arc<dyn LeaseStore>) -> Self {
        LeaseTable { store }
    }

    /// Every lease, in shard-id order.
    pub fn list(&self) -> Result<Vec<Lease>, ConsumerError> {
        self.store.list()
    }

    /// The shard's lease, if there is one.
    pub fn get(&self, shard: &ShardId) -> Result<Option<Lease>, ConsumerError> {
        Ok(self.store.list()?.into_iter().find(|l| l.shard_id == *shard))
    }

    /// Adds `lease` unless the shard has one. Returns whether it was added.
    pub fn create_if_absent(&self, lease: &Lease) -> Result<bool, ConsumerError> {
        self.store.write_if(lease, None)
    }

    /// Writes `seen` changed by `change`, with the counter bumped, only if the stored
    /// lease still has `seen`'s counter. Returns the lease written, or `None` when
    /// another write came first (the caller no longer holds what it read).
    pub fn update(
        &self,
        seen: &Lease,
        change: impl FnOnce(&mut LeaseUpdate<'_>),
    ) -> Result<Option<Lease>, ConsumerError> {
        let mut next = seen.clone();
        change(&mut LeaseUpdate { lease: &mut next });
        next.shard_id = seen.shard_id;
        next.counter = seen.counter.wrapping_add(1);
        Ok(self.store.write_if(&next, Some(seen.counter))?.then_some(next))
    }

    /// Deletes the lease if its counter is still `seen`'s.
    pub fn delete(&self, seen: &Lease) -> Result<bool, ConsumerError> {
        self.store.delete_if(&seen.shard_id, seen.counter)
    }
}

/// The fields a lease write may change (the shard and counter are the table's).
#[derive(Debug)]
pub struct LeaseUpdate<'a> {
    lease: &'a mut Lease,
}

impl LeaseUpdate<'_> {
    /// Sets the owner; a change of owner counts as an owner switch.
    pub fn set_owner(&mut self, owner: Option<&str>) {
        if self.lease.owner.as_deref() != owner {
            if owner.is_some() {
                self.lease.owner_switches_since_checkpoint += 1;
            }
            self.lease.owner = owner.map(str::to_owned);
        }
    }

    /// Sets the checkpoint (and clears the pending one and the owner switches).
    pub fn set_checkpoint(&mut self, checkpoint: super::ExtendedSequenceNumber) {
        self.lease.checkpoint = checkpoint;
        self.lease.pending_checkpoint = None;
        self.lease.owner_switches_since_checkpoint = 0;
    }

    /// Sets or clears the pending checkpoint.
    pub fn set_pending_checkpoint(&mut self, pending: Option<super::ExtendedSequenceNumber>) {
        self.lease.pending_checkpoint = pending;
    }

    /// The lease as it will be written.
    pub fn lease(&self) -> &Lease {
        self.lease
    }
}
