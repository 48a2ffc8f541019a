//! Tables with change streams (DynamoDB and DynamoDB Streams): items keyed by a
//! partition key and an optional sort key, typed attribute values, conditional writes,
//! updates with atomic counters, queries and scans with pagination, batches,
//! transactions, TTL, and a change stream of every write.
//!
//! Conditions, query and scan filters and update actions name what they read or write
//! by a document path: a plain name is a top-level attribute, a [`Path`] reaches into
//! maps and lists (`info.dims[0]`), built step by step rather than parsed. Key
//! attributes are always named at the top level.
//!
//! A tutorial, in the order a table is used:
//!
//! ```
//! use localcloud::table::{
//!     Condition, EventName, Key, KeyCondition, Path, ReturnValues, StreamViewType, TableConfig, Update,
//! };
//! use localcloud::{item, Cloud};
//! use std::time::Duration;
//!
//! let cloud = Cloud::builder().manual_clock().seed(1).build();
//!
//! // 1. A table keyed by (id, ver), with a change stream and a TTL attribute.
//! let t = cloud.create_table("images", TableConfig::new(Key::string("id")).sort_key(Key::number("ver"))
//!     .stream(StreamViewType::NewAndOldImages).ttl_attribute("expires"))?;
//!
//! // 2. Conditional writes: create only if absent.
//! let info = item! {"w" => 600, "h" => 400};
//! t.put_item(item! {"id" => "a", "ver" => 1, "size" => 120, "info" => info}, Condition::attribute_not_exists("id"))?;
//! let again = t.put_item(item! {"id" => "a", "ver" => 1}, Condition::attribute_not_exists("id"));
//! assert_eq!(again.unwrap_err().code(), "ConditionalCheckFailedException");
//!
//! // 3. Updates: SET (also through a document path into a map) and an atomic
//! //    counter, returning the new values of what the update wrote.
//! let key = item! {"id" => "a", "ver" => 1};
//! let new = t.update_item(&key, Update::set("size", 130).and_set(Path::attr("info").key("w"), 640)
//!     .and_add("views", 1).return_values(ReturnValues::UpdatedNew), None)?.unwrap();
//! assert_eq!(new["views"], 1.into());
//! assert_eq!(new["info"], item! {"w" => 640}.into());
//!
//! // 4. Queries by partition key with a sort key condition.
//! t.put_item(item! {"id" => "a", "ver" => 2}, None)?;
//! let page = t.query(KeyCondition::eq("id", "a").sort_between(1, 5))?;
//! assert_eq!(page.count(), 2);
//!
//! // 5. The change stream: one record per change, in order.
//! let names: Vec<EventName> = t.stream()?.read_all()?.iter().map(|r| r.event_name()).collect();
//! assert_eq!(names, [EventName::Insert, EventName::Modify, EventName::Insert]);
//!
//! // 6. TTL: an item past its expiry is deleted by the sweep, as the service.
//! let past = cloud.now().as_millis() / 1000;
//! t.put_item(item! {"id" => "b", "ver" => 1, "expires" => past}, None)?;
//! cloud.advance(Duration::from_secs(60));
//! assert!(t.get_item(&item! {"id" => "b", "ver" => 1})?.is_none());
//! let last = t.stream()?.read_all()?.pop().unwrap();
//! assert_eq!(last.to_json()["userIdentity"]["principalId"], "dynamodb.amazonaws.com");
//! # Ok::<(), localcloud::table::TableError>(())
//! ```
//!
//! Who reads the change stream: event source mappings invoke functions with its
//! batches ([`EventSourceMapping::table_stream`](crate::mapping::EventSourceMapping::table_stream)),
//! and checkpointing consumer workers read it as they read a stream
//! ([`Consumer::builder`](crate::consumer::Consumer::builder) takes the
//! [`ChangeStream`]). Consumed capacity is counted in DynamoDB's units and published
//! under `AWS/DynamoDB`.

mod batch;
mod capacity;
pub mod change;
mod condition;
mod error;
mod key;
mod number;
mod ops;
mod path;
mod query;
mod state;
mod transact;
mod update;
mod value;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use parking_lot::Mutex;

pub use batch::{BatchGetOutput, BatchWriteOutput, WriteRequest, MAX_BATCH_GET, MAX_BATCH_WRITE};
pub use change::{
    ChangeIterator, ChangePosition, ChangeRecord, ChangeSequenceNumber, ChangeShard, ChangeShardId, ChangeStream,
    EventName, GetChangesOutput, UserIdentity,
};
pub use condition::{Comparator, Condition, Operand};
pub use error::{CancellationReason, TableError};
pub use key::{
    Key, ReadConsistency, ScalarType, StreamViewType, TableConfig, DEFAULT_READ_CAPACITY, DEFAULT_SHARD_ROLLOVER,
    DEFAULT_TTL_SWEEP, DEFAULT_WRITE_CAPACITY, MAX_PARTITION_KEY_BYTES, MAX_SORT_KEY_BYTES,
};
pub use number::{Number, MAX_PRECISION};
pub use path::{Path, PathElement};
pub use query::{KeyCondition, Page, Query, Scan, MAX_PAGE_BYTES};
pub use transact::{TransactGet, TransactWrite, MAX_TRANSACTION_ITEMS};
pub use update::{ReturnValues, Update};
pub use value::{item_size, item_to_json, AttributeValue, Item, MAX_ITEM_SIZE, MAX_NESTING_DEPTH};

use crate::clock::Timestamp;
use crate::cloud::Cloud;
use change::log::ChangeLog;
use state::{TableShared, TableState};

/// The CloudWatch namespace of table metrics.
pub const NAMESPACE: &str = "AWS/DynamoDB";

/// The tables of one cloud.
#[derive(Default)]
pub(crate) struct TableRegistry {
    tables: Mutex<BTreeMap<String, Table>>,
    /// Numbers the tables of this cloud (written into change iterators): per cloud,
    /// so the same program with the same seed hands out the same iterator text.
    tables_made: AtomicU64,
}

impl crate::service::Service for TableRegistry {}

/// A handle to a table. Cheap to clone; `Send + Sync`.
///
/// ```
/// use localcloud::table::{Key, TableConfig};
/// use localcloud::{item, Cloud};
/// let cloud = Cloud::builder().manual_clock().build();
/// let t = cloud.create_table("users", TableConfig::new(Key::string("id")))?;
/// t.put_item(item! {"id" => "u1", "name" => "Ada"}, None)?;
/// assert_eq!(cloud.table("users")?.get_item(&item! {"id" => "u1"})?.unwrap()["name"], "Ada".into());
/// # Ok::<(), localcloud::Error>(())
/// ```
#[derive(Clone)]
pub struct Table {
    pub(crate) shared: Arc<TableShared>,
}

impl fmt::Debug for Table {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Table").field("name", &self.shared.name).finish()
    }
}

impl Table {
    /// The table's name.
    pub fn name(&self) -> &str {
        &self.shared.name
    }

    /// The table's ARN.
    pub fn arn(&self) -> &str {
        &self.shared.arn
    }

    /// The reader of the table's change stream; `ResourceNotFoundException` if the
    /// table has no stream.
    pub fn stream(&self) -> Result<ChangeStream, TableError> {
        let st = self.shared.state.lock();
        st.check_live(&self.shared)?;
        if st.log.is_none() {
            return Err(TableError::ResourceNotFound(format!("table {:?} has no stream", self.shared.name)));
        }
        Ok(ChangeStream { shared: Arc::clone(&self.shared) })
    }

    /// How many items the table holds.
    pub fn item_count(&self) -> usize {
        self.shared.state.lock().items.len()
    }

    /// Runs the TTL sweep now (the background sweep runs it every
    /// [`ttl_sweep_interval`](TableConfig::ttl_sweep_interval)); returns how many items it deleted.
    pub fn sweep_expired(&self) -> usize {
        let now = self.shared.clock.now();
        let mut st = self.shared.state.lock();
        if st.deleted {
            return 0;
        }
        st.sweep(&self.shared, now)
    }
}

impl Cloud {
    /// Creates a table.
    ///
    /// Errors: `ValidationException` for a bad name or config, `ResourceInUseException`
    /// when the name is taken.
    pub fn create_table(&self, name: &str, config: TableConfig) -> Result<Table, TableError> {
        key::check_table_name(name)?;
        config.validate()?;
        let registry = self.service::<TableRegistry>();
        let mut tables = registry.tables.lock();
        if tables.contains_key(name) {
            return Err(TableError::ResourceInUse(format!("table already exists: {name}")));
        }
        let now = self.now();
        let uid = registry.tables_made.fetch_add(1, Ordering::Relaxed) + 1;
        let arn = self.arn("dynamodb", &format!("table/{name}"));
        let schema = key::Schema { partition: config.partition.clone(), sort: config.sort.clone() };
        let log = config.stream.map(|view| {
            let label = now.to_string();
            let label = label.trim_end_matches('Z');
            ChangeLog::new(
                view,
                Arc::new(schema.clone()),
                format!("{arn}/stream/{label}"),
                uid,
                self.region(),
                config.shard_rollover,
                now,
                self.rng_for(name),
            )
        });
        let shared = Arc::new(TableShared {
            name: name.to_owned(),
            arn,
            uid,
            schema,
            ttl_attribute: config.ttl_attribute.clone(),
            clock: self.clock(),
            journal: self.journal_handle(),
            throttling: self.throttling(),
            reads_per_sec: config.read_per_sec,
            writes_per_sec: config.write_per_sec,
            read_kind: match config.read_consistency {
                ReadConsistency::Eventual => capacity::ReadKind::Eventual,
                ReadConsistency::Strong => capacity::ReadKind::Strong,
            },
            state: Mutex::new(TableState {
                deleted: false,
                items: BTreeMap::new(),
                ttl: BTreeSet::new(),
                log,
                throttle: Default::default(),
                ttl_task: None,
                counters: Default::default(),
            }),
        });
        if config.ttl_attribute.is_some() {
            let weak = Arc::downgrade(&shared);
            let every = config.ttl_sweep;
            let task = self.inner.scheduler.schedule_repeating(
                now + every,
                Box::new(move |due: Timestamp| {
                    let sh = weak.upgrade()?;
                    let mut st = sh.state.lock();
                    if st.deleted {
                        return None;
                    }
                    st.sweep(&sh, due);
                    Some(due + every)
                }),
            );
            shared.state.lock().ttl_task = Some(task);
        }
        self.metrics().register(NAMESPACE, name, &shared);
        let table = Table { shared };
        tables.insert(name.to_owned(), table.clone());
        Ok(table)
    }

    /// The table called `name`.
    pub fn table(&self, name: &str) -> Result<Table, TableError> {
        self.service::<TableRegistry>()
            .tables
            .lock()
            .get(name)
            .cloned()
            .ok_or_else(|| TableError::ResourceNotFound(format!("requested resource not found: table {name:?}")))
    }

    /// Deletes a table, its items and its stream; handles to it then fail with
    /// `ResourceNotFoundException`.
    pub fn delete_table(&self, name: &str) -> Result<(), TableError> {
        let table = self
            .service::<TableRegistry>()
            .tables
            .lock()
            .remove(name)
            .ok_or_else(|| TableError::ResourceNotFound(format!("requested resource not found: table {name:?}")))?;
        self.metrics().unregister(NAMESPACE, name);
        let mut st = table.shared.state.lock();
        st.deleted = true;
        st.items.clear();
        st.ttl.clear();
        st.log = None;
        if let Some(task) = st.ttl_task.take() {
            self.inner.scheduler.cancel(task);
        }
        Ok(())
    }

    /// The names of the tables, in order.
    pub fn list_tables(&self) -> Vec<String> {
        self.service::<TableRegistry>().tables.lock().keys().cloned().collect()
    }
}
