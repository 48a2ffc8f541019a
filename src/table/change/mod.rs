//! A table's change stream (DynamoDB Streams): records of every change, in order per
//! item, in shards that roll over on the clock, readable for 24 hours through shard
//! iterators that live 15 minutes.
//!
//! This is the public reading API that stream consumers and event source mappings use.

pub(crate) mod log;
pub(crate) mod record;

use std::fmt;
use std::sync::Arc;

use super::error::TableError;
use super::key::StreamViewType;
use super::state::TableShared;
pub use log::{
    ChangeIterator, ChangePosition, ChangeShard, ChangeShardId, ITERATOR_LIFETIME, MAX_GET_RECORDS, RETENTION,
};
pub use record::{ChangeRecord, ChangeSequenceNumber, EventName, UserIdentity};

/// A reader of a table's change stream. Cheap to clone.
///
/// ```
/// use localcloud::table::{ChangePosition, EventName, Key, StreamViewType, TableConfig};
/// use localcloud::{item, Cloud};
/// let cloud = Cloud::builder().manual_clock().build();
/// let t = cloud.create_table("images", TableConfig::new(Key::string("id"))
///     .stream(StreamViewType::NewAndOldImages))?;
/// t.put_item(item! {"id" => "a", "size" => 1}, None)?;
/// let s = t.stream()?;
/// let shard = s.shards()?.remove(0);
/// let it = s.shard_iterator(shard.shard_id(), ChangePosition::TrimHorizon)?;
/// let out = s.get_records(&it, 100)?;
/// assert_eq!(out.records()[0].event_name(), EventName::Insert);
/// # Ok::<(), localcloud::table::TableError>(())
/// ```
#[derive(Clone)]
pub struct ChangeStream {
    pub(crate) shared: Arc<TableShared>,
}

/// What one `get_records` call read.
#[derive(Clone, Debug)]
pub struct GetChangesOutput {
    records: Vec<ChangeRecord>,
    next: Option<ChangeIterator>,
}

impl GetChangesOutput {
    /// The records, oldest first.
    pub fn records(&self) -> &[ChangeRecord] {
        &self.records
    }
    /// Where to read next; `None` once a closed shard has been read to its end.
    pub fn next_iterator(&self) -> Option<&ChangeIterator> {
        self.next.as_ref()
    }
    /// The records, owned.
    pub fn into_records(self) -> Vec<ChangeRecord> {
        self.records
    }
}

impl ChangeStream {
    fn with_log<T>(
        &self,
        f: impl FnOnce(&mut log::ChangeLog, crate::clock::Timestamp) -> Result<T, TableError>,
    ) -> Result<T, TableError> {
        let now = self.shared.clock.now();
        let mut st = self.shared.state.lock();
        st.check_live(&self.shared)?;
        let log = st
            .log
            .as_mut()
            .ok_or_else(|| TableError::ResourceNotFound(format!("table {:?} has no stream", self.shared.name)))?;
        log.maintain(now);
        f(log, now)
    }

    /// The name of the table whose changes this stream carries.
    pub fn table_name(&self) -> &str {
        &self.shared.name
    }

    pub(crate) fn now(&self) -> crate::clock::Timestamp {
        self.shared.clock.now()
    }

    /// The newest change's sequence number (`None` before the first change).
    pub(crate) fn newest_sequence(&self) -> Option<ChangeSequenceNumber> {
        self.with_log(|l, _| Ok(l.newest_sequence())).ok().flatten().map(ChangeSequenceNumber)
    }

    /// The stream's ARN (`…:table/<name>/stream/<label>`).
    pub fn arn(&self) -> String {
        self.shared.state.lock().log.as_ref().map(|l| l.arn.to_string()).unwrap_or_default()
    }

    /// The view type.
    pub fn view_type(&self) -> Option<StreamViewType> {
        self.shared.state.lock().log.as_ref().map(|l| l.view)
    }

    /// The retained shards, oldest first, each with its parent (lineage).
    pub fn shards(&self) -> Result<Vec<ChangeShard>, TableError> {
        self.with_log(|l, _| Ok(l.shards()))
    }

    /// An iterator into `shard` at `position`, valid for 15 minutes.
    ///
    /// Errors: `ResourceNotFoundException` for an unknown shard, `TrimmedDataAccessException`
    /// for a sequence number past retention, `ValidationException` for one not in the shard.
    pub fn shard_iterator(
        &self,
        shard: &ChangeShardId,
        position: ChangePosition,
    ) -> Result<ChangeIterator, TableError> {
        self.with_log(|l, now| l.iterator(shard, position, now))
    }

    /// Up to `limit` (1 to 1,000) records from the iterator's position.
    ///
    /// Errors: `ExpiredIteratorException` after 15 minutes, `TrimmedDataAccessException`
    /// when the position has been trimmed, `LimitExceededException` above 1,000.
    pub fn get_records(&self, it: &ChangeIterator, limit: usize) -> Result<GetChangesOutput, TableError> {
        self.with_log(|l, now| l.get_records(it, limit, now)).map(|(records, next)| GetChangesOutput { records, next })
    }

    /// Reads every retained record of every shard from the trim horizon, parents
    /// before children: a convenience for tests and examples.
    pub fn read_all(&self) -> Result<Vec<ChangeRecord>, TableError> {
        let mut out = Vec::new();
        for shard in self.shards()? {
            let mut it = Some(self.shard_iterator(shard.shard_id(), ChangePosition::TrimHorizon)?);
            while let Some(i) = it {
                let page = self.get_records(&i, MAX_GET_RECORDS)?;
                let empty = page.records.is_empty();
                out.extend(page.records);
                it = if empty { None } else { page.next };
            }
        }
        Ok(out)
    }
}

impl fmt::Debug for ChangeStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChangeStream").field("table", &self.shared.name).finish()
    }
}
