//! The lease store over a table of this cloud (the KCL keeps its leases in a DynamoDB
//! table): one item per lease under the KCL's attribute names, every write a
//! conditional put or delete on the lease counter.

use std::fmt;

use super::table::LeaseStore;
use super::{ConsumerError, ExtendedSequenceNumber, Lease};
use crate::stream::ShardId;
use crate::table::{AttributeValue, Condition, Item, Scan, Table, TableError};

/// The partition key of a lease table (a string: the shard id).
pub const LEASE_KEY: &str = "leaseKey";
const OWNER: &str = "leaseOwner";
const COUNTER: &str = "leaseCounter";
const CHECKPOINT: &str = "checkpoint";
const PENDING: &str = "pendingCheckpoint";
const SWITCHES: &str = "ownerSwitchesSinceCheckpoint";
const PARENTS: &str = "parentShardId";

/// Leases in a table keyed by [`LEASE_KEY`].
pub(crate) struct TableStore {
    table: Table,
}

impl fmt::Debug for TableStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TableStore").field("table", &self.table.name()).finish()
    }
}

impl TableStore {
    pub(crate) fn new(table: Table) -> Self {
        TableStore { table }
    }

    fn fail(&self, e: &TableError) -> ConsumerError {
        ConsumerError::Store(format!("lease table {}: {}: {e}", self.table.name(), e.code()))
    }

    fn key(shard: &ShardId) -> Item {
        Item::from([(LEASE_KEY.to_owned(), AttributeValue::from(shard.to_string()))])
    }

    /// What a conditional write's failure means: the condition failed (the lease
    /// moved on, `Ok(false)`), or the table refused the request (an error).
    fn outcome(&self, r: Result<Option<Item>, TableError>) -> Result<bool, ConsumerError> {
        match r {
            Ok(_) => Ok(true),
            Err(TableError::ConditionalCheckFailed) => Ok(false),
            Err(e) => Err(self.fail(&e)),
        }
    }
}

impl LeaseStore for TableStore {
    fn list(&self) -> Result<Vec<Lease>, ConsumerError> {
        let mut leases = Vec::new();
        let mut scan = Scan::new();
        loop {
            let page = self.table.scan_with(scan).map_err(|e| self.fail(&e))?;
            for item in page.items() {
                let lease = from_item(item).ok_or_else(|| {
                    ConsumerError::Store(format!("lease table {} holds a malformed lease", self.table.name()))
                })?;
                leases.push(lease);
            }
            match page.last_evaluated_key() {
                Some(k) => scan = Scan::new().exclusive_start_key(k.clone()),
                None => break,
            }
        }
        leases.sort_by_key(|l| l.shard_id);
        Ok(leases)
    }

    fn write_if(&self, lease: &Lease, expected: Option<u64>) -> Result<bool, ConsumerError> {
        let condition = match expected {
            None => Condition::attribute_not_exists(LEASE_KEY),
            Some(c) => Condition::eq(COUNTER, c),
        };
        self.outcome(self.table.put_item(to_item(lease), condition))
    }

    fn delete_if(&self, shard: &ShardId, expected: u64) -> Result<bool, ConsumerError> {
        self.outcome(self.table.delete_item(&Self::key(shard), Condition::eq(COUNTER, expected)))
    }
}

fn to_item(l: &Lease) -> Item {
    let mut item = TableStore::key(&l.shard_id);
    if let Some(owner) = &l.owner {
        item.insert(OWNER.into(), owner.as_str().into());
    }
    item.insert(COUNTER.into(), l.counter.into());
    item.insert(CHECKPOINT.into(), l.checkpoint.encode().into());
    if let Some(p) = l.pending_checkpoint {
        item.insert(PENDING.into(), p.encode().into());
    }
    item.insert(SWITCHES.into(), l.owner_switches_since_checkpoint.into());
    if !l.parent_shard_ids.is_empty() {
        // A string set, as the KCL stores it (never empty when written).
        item.insert(PARENTS.into(), AttributeValue::string_set(l.parent_shard_ids.iter().map(ShardId::to_string)));
    }
    item
}

fn from_item(item: &Item) -> Option<Lease> {
    let s = |name: &str| item.get(name).and_then(AttributeValue::as_s);
    let n = |name: &str| item.get(name).and_then(AttributeValue::as_n).and_then(|n| n.to_string().parse::<u64>().ok());
    let parents = match item.get(PARENTS) {
        None => Vec::new(),
        Some(AttributeValue::Ss(set)) => set.iter().map(|p| p.parse().ok()).collect::<Option<Vec<ShardId>>>()?,
        Some(_) => return None,
    };
    Some(Lease {
        shard_id: s(LEASE_KEY)?.parse().ok()?,
        owner: s(OWNER).map(str::to_owned),
        counter: n(COUNTER)?,
        checkpoint: ExtendedSequenceNumber::decode(s(CHECKPOINT)?)?,
        pending_checkpoint: match s(PENDING) {
            Some(p) => Some(ExtendedSequenceNumber::decode(p)?),
            None => None,
        },
        owner_switches_since_checkpoint: n(SWITCHES).unwrap_or(0),
        parent_shard_ids: parents,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stream::SequenceNumber;

    #[test]
    fn a_lease_round_trips_through_its_item() {
        let shard: ShardId = "shardId-000000000003".parse().unwrap();
        let parent: ShardId = "shardId-000000000001".parse().unwrap();
        let mut l = Lease::new(shard, ExtendedSequenceNumber::Sequence(SequenceNumber(42)), vec![parent]);
        l.owner = Some("w1".into());
        l.counter = u64::MAX;
        l.pending_checkpoint = Some(ExtendedSequenceNumber::ShardEnd);
        l.owner_switches_since_checkpoint = 3;
        assert_eq!(from_item(&to_item(&l)), Some(l.clone()));
        let bare = Lease::new(shard, ExtendedSequenceNumber::TrimHorizon, vec![]);
        assert_eq!(from_item(&to_item(&bare)), Some(bare));
    }

    #[test]
    fn an_item_missing_a_required_attribute_is_not_a_lease() {
        let l = Lease::new("shardId-000000000000".parse().unwrap(), ExtendedSequenceNumber::Latest, vec![]);
        for name in [LEASE_KEY, COUNTER, CHECKPOINT] {
            let mut item = to_item(&l);
            item.remove(name);
            assert_eq!(from_item(&item), None, "{name}");
        }
    }
}
