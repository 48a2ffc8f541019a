//! A table's shared state and the one write path every change goes through: it keeps
//! the TTL index, the journal and the change stream in step with the items.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use parking_lot::Mutex;

use super::capacity::{ReadKind, Units};
use super::change::log::ChangeLog;
use super::change::record::{EventName, UserIdentity};
use super::condition::{self, Condition};
use super::error::TableError;
use super::key::{render_key, Schema, StoreKey};
use super::value::{AttributeValue, Item};
use crate::clock::{Clock, Timestamp};
use crate::journal::{Journal, JournalEntry};
use crate::metrics::MetricSource;
use crate::scheduler::TaskId;

pub(crate) struct TableShared {
    pub(crate) name: String,
    pub(crate) arn: String,
    pub(crate) uid: u64,
    pub(crate) schema: Schema,
    pub(crate) ttl_attribute: Option<String>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) journal: Arc<Journal>,
    pub(crate) throttling: bool,
    /// Read capacity units per second (under throttling emulation).
    pub(crate) reads_per_sec: u32,
    /// Write capacity units per second (under throttling emulation).
    pub(crate) writes_per_sec: u32,
    /// How the table's reads outside transactions are billed.
    pub(crate) read_kind: ReadKind,
    pub(crate) state: Mutex<TableState>,
}

/// The capacity used in the current second, against the table's per-second budget.
#[derive(Default)]
pub(crate) struct Throttle {
    second: u64,
    reads: Units,
    writes: Units,
}

impl Throttle {
    /// Starts a fresh window at `second` if it is later than the current one. A caller
    /// that read the clock before another took the lock may arrive with an earlier
    /// second: it counts against the current window, which never goes back.
    fn move_to(&mut self, second: u64) {
        if second > self.second {
            *self = Throttle { second, ..Throttle::default() };
        }
    }
}

/// Which budget a charge draws on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Capacity {
    Read,
    Write,
}

/// Running totals behind the table's CloudWatch metrics, kept under the table's lock.
#[derive(Default)]
pub(crate) struct Counters {
    pub(crate) consumed_reads: Units,
    pub(crate) consumed_writes: Units,
    pub(crate) throttled_requests: u64,
    pub(crate) conditional_check_failed: u64,
    pub(crate) ttl_deleted: u64,
    pub(crate) returned_items: u64,
}

pub(crate) struct TableState {
    pub(crate) deleted: bool,
    /// Items behind `Arc`s, so a change record shares its images with the table.
    pub(crate) items: BTreeMap<StoreKey, Arc<Item>>,
    /// (expiry in epoch seconds, key) for every item with a TTL attribute.
    pub(crate) ttl: BTreeSet<(u64, StoreKey)>,
    pub(crate) log: Option<ChangeLog>,
    pub(crate) throttle: Throttle,
    pub(crate) ttl_task: Option<TaskId>,
    pub(crate) counters: Counters,
}

/// How a change was made, for the journal and the change record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Origin {
    Put,
    Update,
    Delete,
    BatchWrite,
    Transaction,
    Ttl,
}

impl Origin {
    fn action(self) -> &'static str {
        match self {
            Origin::Put => "PutItem",
            Origin::Update => "UpdateItem",
            Origin::Delete => "DeleteItem",
            Origin::BatchWrite => "BatchWriteItem",
            Origin::Transaction => "TransactWriteItems",
            Origin::Ttl => "TimeToLive",
        }
    }
}

impl TableShared {
    pub(crate) fn not_found(&self) -> TableError {
        TableError::ResourceNotFound(format!("requested resource not found: table {:?}", self.name))
    }

    fn ttl_of(&self, item: &Item) -> Option<u64> {
        let attr = self.ttl_attribute.as_ref()?;
        match item.get(attr)? {
            AttributeValue::N(n) => {
                let f = n.to_f64();
                (f >= 0.0 && f.is_finite()).then(|| f.floor() as u64)
            }
            _ => None,
        }
    }
}

impl TableState {
    pub(crate) fn check_live(&self, sh: &TableShared) -> Result<(), TableError> {
        if self.deleted {
            Err(sh.not_found())
        } else {
            Ok(())
        }
    }

    /// Whether a charge of `cost` fits in what is left of this second's budget (always,
    /// unless the cloud emulates throttling). The first charge of a second always fits, so
    /// an item larger than a second's budget is slow, not refused forever.
    pub(crate) fn fits(&mut self, sh: &TableShared, kind: Capacity, cost: Units, now: Timestamp) -> bool {
        if !sh.throttling {
            return true;
        }
        self.throttle.move_to(now.as_millis() / 1000);
        let (used, limit) = match kind {
            Capacity::Read => (self.throttle.reads, sh.reads_per_sec),
            Capacity::Write => (self.throttle.writes, sh.writes_per_sec),
        };
        used == Units::ZERO || used + cost <= Units::whole(limit)
    }

    /// Counts `cost` as consumed (after [`fits`](Self::fits) said yes, at the same instant).
    pub(crate) fn consume(&mut self, kind: Capacity, cost: Units) {
        match kind {
            Capacity::Read => {
                self.throttle.reads += cost;
                self.counters.consumed_reads += cost;
            }
            Capacity::Write => {
                self.throttle.writes += cost;
                self.counters.consumed_writes += cost;
            }
        }
    }

    /// Consumes `cost` if it fits; says whether it did (for one entry of a batch).
    pub(crate) fn try_charge(&mut self, sh: &TableShared, kind: Capacity, cost: Units, now: Timestamp) -> bool {
        let fits = self.fits(sh, kind, cost, now);
        if fits {
            self.consume(kind, cost);
        }
        fits
    }

    /// Consumes `cost` for a single-item call, query or scan:
    /// `ProvisionedThroughputExceededException` (and a throttled request) when it does not fit.
    pub(crate) fn charge(
        &mut self,
        sh: &TableShared,
        kind: Capacity,
        cost: Units,
        now: Timestamp,
    ) -> Result<(), TableError> {
        if self.try_charge(sh, kind, cost, now) {
            Ok(())
        } else {
            self.counters.throttled_requests += 1;
            Err(TableError::ProvisionedThroughputExceeded)
        }
    }

    /// Charges a single write whose larger image (before or after) is `bytes` long, then
    /// passes on whether its condition `held`: a failed conditional write still consumes
    /// write capacity, as in DynamoDB, and counts as a failed conditional request.
    pub(crate) fn charge_write(
        &mut self,
        sh: &TableShared,
        bytes: usize,
        held: Result<(), TableError>,
        now: Timestamp,
    ) -> Result<(), TableError> {
        self.charge(sh, Capacity::Write, super::capacity::write(bytes), now)?;
        if held.is_err() {
            self.counters.conditional_check_failed += 1;
        }
        held
    }

    /// Makes the item at `key` be `new` (`None`: absent) and returns what was there.
    /// A change that changes nothing writes no journal entry and no change record.
    pub(crate) fn commit(
        &mut self,
        sh: &TableShared,
        key: StoreKey,
        new: Option<Item>,
        now: Timestamp,
        origin: Origin,
    ) -> Option<Item> {
        let current = self.items.get(&key);
        let unchanged = match (current, &new) {
            (None, None) => true,
            (Some(o), Some(n)) => **o == *n,
            _ => false,
        };
        if unchanged {
            return current.map(|a| (**a).clone());
        }
        if let Some(t) = current.and_then(|o| sh.ttl_of(o)) {
            self.ttl.remove(&(t, key.clone()));
        }
        let (keep_new, keep_old) =
            self.log.as_ref().map_or((false, false), |l| (l.view.new_image(), l.view.old_image()));
        let created = new.is_some();
        let mut new_image = None;
        let old = match new {
            Some(item) => {
                if let Some(t) = sh.ttl_of(&item) {
                    self.ttl.insert((t, key.clone()));
                }
                let item = Arc::new(item);
                if keep_new {
                    new_image = Some(Arc::clone(&item));
                }
                self.items.insert(key.clone(), item)
            }
            None => self.items.remove(&key),
        };
        let event = match (&old, created) {
            (None, _) => EventName::Insert,
            (Some(_), true) => EventName::Modify,
            (Some(_), false) => EventName::Remove,
        };
        sh.journal.record_with(|| {
            JournalEntry::new(now, "dynamodb", sh.name.as_str(), origin.action(), render_key(&key))
                .with_detail(event.as_str())
        });
        if let Some(log) = &mut self.log {
            log.maintain(now);
            let old_image = if keep_old { old.clone() } else { None };
            let identity = (origin == Origin::Ttl).then_some(UserIdentity::SERVICE);
            log.append(now, event, key, new_image, old_image, identity);
        }
        old.map(|a| Arc::try_unwrap(a).unwrap_or_else(|shared| (*shared).clone()))
    }

    /// Whether a write's condition holds for the item at `key` (not counted: see
    /// [`charge_write`](Self::charge_write)).
    pub(crate) fn condition_holds(&self, cond: Option<&Condition>, key: &StoreKey) -> Result<(), TableError> {
        condition::check(cond, self.items.get(key).map(|a| &**a))
    }

    /// Deletes every item whose TTL is at or before `now`, as the service.
    pub(crate) fn sweep(&mut self, sh: &TableShared, now: Timestamp) -> usize {
        let secs = now.as_millis() / 1000;
        let mut n = 0;
        while let Some((t, key)) = self.ttl.first().cloned() {
            if t > secs {
                break;
            }
            self.ttl.pop_first();
            self.commit(sh, key, None, now, Origin::Ttl);
            n += 1;
            self.counters.ttl_deleted += 1;
        }
        n
    }
}

impl MetricSource for TableShared {
    fn sample(&self, out: &mut Vec<(&'static str, f64)>) {
        let st = self.state.lock();
        let c = &st.counters;
        out.extend([
            ("ConsumedReadCapacityUnits", c.consumed_reads.as_f64()),
            ("ConsumedWriteCapacityUnits", c.consumed_writes.as_f64()),
            ("ThrottledRequests", c.throttled_requests as f64),
            ("ConditionalCheckFailedRequests", c.conditional_check_failed as f64),
            ("TimeToLiveDeletedItemCount", c.ttl_deleted as f64),
            ("ReturnedItemCount", c.returned_items as f64),
        ]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_throttle_window_moves_forward_only() {
        let mut t = Throttle::default();
        t.move_to(2);
        t.reads += Units::whole(5);
        t.move_to(1); // a late caller from the second before
        assert_eq!((t.second, t.reads), (2, Units::whole(5)));
        t.move_to(3);
        assert_eq!((t.second, t.reads), (3, Units::ZERO));
    }
}
