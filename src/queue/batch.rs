//! Batch operations: send, delete and change visibility for up to ten entries.
//!
//! A malformed request (empty, too many entries, bad or repeated ids, too large)
//! rejects as a whole; otherwise each entry succeeds or fails on its own.

use std::collections::HashSet;
use std::time::Duration;

use super::ops::check_message;
use super::throttle::Action;
use super::types::{OutgoingMessage, ReceiptHandle, SendReceipt};
use super::{Queue, QueueError, MAX_MESSAGE_SIZE};

/// One entry of a batch: a caller-chosen id (1–80 of `[A-Za-z0-9_-]`, unique in the
/// batch) and the item (a message, a receipt handle, or a handle with a timeout).
///
/// ```
/// use localcloud::OutgoingMessage;
/// use localcloud::queue::BatchEntry;
/// let e = BatchEntry::new("first", OutgoingMessage::new("a"));
/// assert_eq!(e.id(), "first");
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct BatchEntry<T = OutgoingMessage> {
    id: String,
    item: T,
}

impl<T> BatchEntry<T> {
    /// An entry with this id and item.
    pub fn new(id: impl Into<String>, item: T) -> Self {
        BatchEntry { id: id.into(), item }
    }

    /// The entry id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The item.
    pub fn item(&self) -> &T {
        &self.item
    }
}

/// A failed batch entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BatchResultErrorEntry {
    /// The entry's id.
    pub id: String,
    /// The AWS error code.
    pub code: &'static str,
    /// What went wrong.
    pub message: String,
    /// Whether the caller is at fault.
    pub sender_fault: bool,
}

impl BatchResultErrorEntry {
    fn new(id: &str, e: &QueueError) -> Self {
        BatchResultErrorEntry {
            id: id.to_owned(),
            code: e.code(),
            message: e.to_string(),
            sender_fault: e.is_sender_fault(),
        }
    }
}

/// The outcome of a batch: each entry either succeeded (with its result) or failed.
#[derive(Clone, Debug)]
pub struct BatchResult<T> {
    successful: Vec<(String, T)>,
    failed: Vec<BatchResultErrorEntry>,
}

impl<T> BatchResult<T> {
    /// Entries that succeeded, in request order, with their results.
    pub fn successful(&self) -> &[(String, T)] {
        &self.successful
    }

    /// Entries that failed, in request order.
    pub fn failed(&self) -> &[BatchResultErrorEntry] {
        &self.failed
    }
}

/// Why a whole batch request is refused, before any entry is looked at alone.
/// Queue and topic batches share these rules and convert this into their error.
pub(crate) enum BatchRefusal {
    Empty,
    TooMany(usize),
    BadId(String),
    DuplicateId(String),
}

/// The rules every batch shares: 1–10 entries, ids of 1–80 `[A-Za-z0-9_-]`, distinct.
pub(crate) fn check_batch_entries<T>(entries: &[BatchEntry<T>]) -> Result<(), BatchRefusal> {
    if entries.is_empty() {
        return Err(BatchRefusal::Empty);
    }
    if entries.len() > 10 {
        return Err(BatchRefusal::TooMany(entries.len()));
    }
    let mut seen = HashSet::with_capacity(entries.len());
    for e in entries {
        let id = e.id.as_str();
        if id.is_empty() || id.len() > 80 || !id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-') {
            return Err(BatchRefusal::BadId(id.to_owned()));
        }
        if !seen.insert(id) {
            return Err(BatchRefusal::DuplicateId(id.to_owned()));
        }
    }
    Ok(())
}

impl From<BatchRefusal> for QueueError {
    fn from(r: BatchRefusal) -> Self {
        match r {
            BatchRefusal::Empty => QueueError::EmptyBatchRequest,
            BatchRefusal::TooMany(count) => QueueError::TooManyEntriesInBatchRequest { count },
            BatchRefusal::BadId(id) => QueueError::InvalidBatchEntryId(id),
            BatchRefusal::DuplicateId(id) => QueueError::BatchEntryIdsNotDistinct(id),
        }
    }
}

/// FIFO: an entry without a group id, or without a deduplication id when the queue
/// has no content-based deduplication, fails the whole batch.
fn check_fifo_batch(entries: &[BatchEntry], content_based: bool) -> Result<(), QueueError> {
    for e in entries {
        if e.item.group_id.is_none() {
            return Err(QueueError::InvalidParameterValue(format!(
                "batch entry {:?} has no message group id, which a FIFO queue requires",
                e.id
            )));
        }
        if e.item.deduplication_id.is_none() && !content_based {
            return Err(QueueError::InvalidParameterValue(format!(
                "batch entry {:?} has no deduplication id and the queue has no content-based deduplication",
                e.id
            )));
        }
    }
    Ok(())
}

/// Checks the rules that reject a whole batch.
fn check_batch<T>(entries: &[BatchEntry<T>]) -> Result<(), QueueError> {
    Ok(check_batch_entries(entries)?)
}

impl Queue {
    /// Sends up to ten messages. FIFO queues enqueue them in entry order; on a FIFO
    /// queue an entry without a group id (or without a deduplication id, unless the
    /// queue deduplicates by content) fails the whole batch with
    /// `InvalidParameterValue`, and nothing is enqueued.
    ///
    /// ```
    /// use localcloud::{Cloud, OutgoingMessage, QueueConfig};
    /// use localcloud::queue::BatchEntry;
    /// let cloud = Cloud::builder().manual_clock().build();
    /// let q = cloud.create_queue("q", QueueConfig::default())?;
    /// let r = q.send_batch(vec![
    ///     BatchEntry::new("a", OutgoingMessage::new("one")),
    ///     BatchEntry::new("b", OutgoingMessage::new("")), // empty body: fails alone
    /// ])?;
    /// assert_eq!(r.successful().len(), 1);
    /// assert_eq!(r.failed()[0].code, "MissingParameter");
    /// # Ok::<(), localcloud::QueueError>(())
    /// ```
    pub fn send_batch(&self, entries: Vec<BatchEntry>) -> Result<BatchResult<SendReceipt>, QueueError> {
        check_batch(&entries)?;
        let size: usize = entries.iter().map(|e| e.item.size()).sum();
        if size > MAX_MESSAGE_SIZE {
            return Err(QueueError::BatchRequestTooLong { size, limit: MAX_MESSAGE_SIZE });
        }
        let mut result = BatchResult { successful: Vec::new(), failed: Vec::new() };
        let now = self.now();
        let mut st = self.state();
        if st.deleted {
            return Err(self.gone());
        }
        if self.is_fifo() {
            check_fifo_batch(&entries, st.config.content_based_deduplication)?;
        }
        self.admit(&mut st, Action::Send, now)?;
        for BatchEntry { id, item } in entries {
            let outcome = check_message(&item, self.is_fifo()).and_then(|()| self.prepare(&mut st, now, &item));
            match outcome {
                Ok(p) => {
                    let receipt = self.enqueue(&mut st, now, item, p);
                    result.successful.push((id, receipt));
                }
                Err(e) => result.failed.push(BatchResultErrorEntry::new(&id, &e)),
            }
        }
        drop(st);
        self.shared.cond.notify_all();
        Ok(result)
    }

    /// Deletes up to ten messages by receipt handle.
    pub fn delete_batch(&self, entries: Vec<BatchEntry<ReceiptHandle>>) -> Result<BatchResult<()>, QueueError> {
        check_batch(&entries)?;
        if !self.exists() {
            return Err(self.gone());
        }
        self.admit_call(Action::Delete)?;
        let mut result = BatchResult { successful: Vec::new(), failed: Vec::new() };
        for BatchEntry { id, item } in entries {
            match self.delete_counted(&item, false) {
                Ok(()) => result.successful.push((id, ())),
                Err(e @ QueueError::QueueDoesNotExist { .. }) => return Err(e),
                Err(e) => result.failed.push(BatchResultErrorEntry::new(&id, &e)),
            }
        }
        Ok(result)
    }

    /// Changes the visibility of up to ten messages.
    pub fn change_visibility_batch(
        &self,
        entries: Vec<BatchEntry<(ReceiptHandle, Duration)>>,
    ) -> Result<BatchResult<()>, QueueError> {
        check_batch(&entries)?;
        if !self.exists() {
            return Err(self.gone());
        }
        let mut result = BatchResult { successful: Vec::new(), failed: Vec::new() };
        self.admit_call(Action::ChangeVisibility)?;
        for BatchEntry { id, item: (handle, timeout) } in entries {
            match self.change_visibility_counted(&handle, timeout, false) {
                Ok(()) => result.successful.push((id, ())),
                Err(e @ QueueError::QueueDoesNotExist { .. }) => return Err(e),
                Err(e) => result.failed.push(BatchResultErrorEntry::new(&id, &e)),
            }
        }
        Ok(result)
    }
}
