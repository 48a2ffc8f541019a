//! A table's shared state and the one write path every change goes through: it keeps
//! the TTL index, the journal and the change stream in step with the items.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use parking_lot::Mutex;

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
    pub(crate) reads_per_sec: u32,
    pub(crate) writes_per_sec: u32,
    pub(crate) state: Mutex<TableState>,
}

#[derive(Default)]
pub(crate) struct Throttle {
    second: u64,
    reads: u32,
    writes: u32,
}

/// Running totals behind the table's CloudWatch metrics, kept under the table's lock.
#[derive(Default)]
pub(crate) struct Counters {
    pub(crate) consumed_reads: u64,
    pub(crate) consumed_writes: u64,
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

    /// How many of `n` item reads or writes the table admits now (all of them unless
    /// the cloud emulates throttling).
    pub(crate) fn admit(&mut self, sh: &TableShared, write: bool, n: usize, now: Timestamp) -> usize {
        let take = if sh.throttling { self.throttled_take(sh, write, n, now) } else { n };
        if write {
            self.counters.consumed_writes += take as u64;
        } else {
            self.counters.consumed_reads += take as u64;
        }
        if take < n {
            self.counters.throttled_requests += 1;
        }
        take
    }

    fn throttled_take(&mut self, sh: &TableShared, write: bool, n: usize, now: Timestamp) -> usize {
        let second = now.as_millis() / 1000;
        if self.throttle.second != second {
            self.throttle = Throttle { second, reads: 0, writes: 0 };
        }
        let (used, limit) = if write {
            (&mut self.throttle.writes, sh.writes_per_sec)
        } else {
            (&mut self.throttle.reads, sh.reads_per_sec)
        };
        let take = n.min(limit.saturating_sub(*used) as usize);
        *used += take as u32;
        take
    }

    /// Like [`admit`](Self::admit) for one item: `ProvisionedThroughputExceededException` when refused.
    pub(crate) fn admit_one(&mut self, sh: &TableShared, write: bool, now: Timestamp) -> Result<(), TableError> {
        if self.admit(sh, write, 1, now) == 1 {
            Ok(())
        } else {
            Err(TableError::ProvisionedThroughputExceeded)
        }
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
            log.append(now, event, sh.schema.key_item(&key), new_image, old_image, identity);
        }
        old.map(|a| Arc::try_unwrap(a).unwrap_or_else(|shared| (*shared).clone()))
    }

    /// Checks a write's condition against the item at `key`, counting failures.
    pub(crate) fn check_condition(&mut self, cond: Option<&Condition>, key: &StoreKey) -> Result<(), TableError> {
        let r = condition::check(cond, self.items.get(key).map(|a| &**a));
        if r.is_err() {
            self.counters.conditional_check_failed += 1;
        }
        r
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
            ("ConsumedReadCapacityUnits", c.consumed_reads as f64),
            ("ConsumedWriteCapacityUnits", c.consumed_writes as f64),
            ("ThrottledRequests", c.throttled_requests as f64),
            ("ConditionalCheckFailedRequests", c.conditional_check_failed as f64),
            ("TimeToLiveDeletedItemCount", c.ttl_deleted as f64),
            ("ReturnedItemCount", c.returned_items as f64),
        ]);
    }
}
