//! Queues (SQS): standard and FIFO, visibility timeouts, delays, retention, long
//! polling, redrive to dead-letter queues, batches and message move tasks.
//!
//! ```
//! use localcloud::{Cloud, QueueConfig, ReceiveOptions};
//! use std::time::Duration;
//!
//! let cloud = Cloud::builder().manual_clock().build();
//! let q = cloud.create_queue("jobs", QueueConfig::default().visibility_timeout(Duration::from_secs(10)))?;
//! q.send("resize photo 17")?;
//! let m = q.try_receive()?.expect("a message");
//! assert!(q.try_receive()?.is_none()); // hidden while in flight
//! cloud.advance(Duration::from_secs(10)); // not deleted in time: visible again
//! let again = q.try_receive()?.expect("redelivered");
//! assert_eq!((again.message_id(), again.receive_count()), (m.message_id(), 2));
//! q.delete(again.receipt_handle())?;
//! # Ok::<(), localcloud::QueueError>(())
//! ```

mod batch;
mod config;
mod deliver;
mod error;
mod flavor;
mod metadata;
mod move_task;
mod ops;
mod state;
mod throttle;
mod types;

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use parking_lot::{Condvar, Mutex};

pub(crate) use batch::{check_batch_entries, BatchRefusal};
pub use batch::{BatchEntry, BatchResult, BatchResultErrorEntry};
pub use config::{
    DeduplicationScope, FifoThroughputLimit, QueueConfig, RedriveAllowPolicy, RedrivePolicy, MAX_DELAY,
    MAX_MESSAGE_SIZE, MAX_RECEIVE_WAIT, MAX_RETENTION, MAX_VISIBILITY_TIMEOUT, MIN_RETENTION,
};
pub use error::QueueError;
pub use metadata::{QueuePermission, MAX_QUEUE_TAGS};
pub use move_task::{MoveTask, MoveTaskStatus};
pub use throttle::{FIFO_CALLS_PER_SECOND, FIFO_HIGH_THROUGHPUT_CALLS_PER_SECOND};
pub use types::{
    OutgoingMessage, QueueStats, ReceiptHandle, ReceiveOptions, ReceivedMessage, SendReceipt, SystemAttributes,
};

use crate::clock::{Clock, Timestamp};
use crate::cloud::Cloud;
use crate::metrics::MetricSource;
use state::State;

/// The CloudWatch namespace of queue metrics.
pub const NAMESPACE: &str = "AWS/SQS";

/// A deleted queue's name may be used again after this long.
const NAME_REUSE_DELAY: Duration = Duration::from_secs(60);

static NEXT_QUEUE_UID: AtomicU32 = AtomicU32::new(1);

pub(crate) struct QueueShared {
    name: String,
    arn: String,
    url: String,
    fifo: bool,
    clock: Arc<dyn Clock>,
    /// Whether calls count against FIFO throttling quotas (fixed at creation).
    throttled: bool,
    state: Mutex<State>,
    /// Long polls park here; sends, visibility changes and clock moves wake them.
    cond: Condvar,
    /// Set once when the queue is deleted; read without the state lock, so a queue
    /// can ask whether its dead-letter queue exists while holding its own lock.
    deleted: AtomicBool,
    /// What happened, when the cloud keeps a journal.
    journal: Arc<crate::journal::Journal>,
    /// Tags and permission statements.
    metadata: metadata::Metadata,
}

/// A handle to one queue. Cheap to clone, `Send + Sync`; every clone sees the same
/// messages. Operations on a deleted queue return
/// [`QueueError::QueueDoesNotExist`].
///
/// ```
/// use localcloud::{AttributeValue, Cloud, OutgoingMessage, QueueConfig};
/// let cloud = Cloud::builder().manual_clock().build();
/// let q = cloud.create_queue("orders", QueueConfig::default())?;
/// let receipt = q.send_message(OutgoingMessage::new("order 1").attribute("customer", AttributeValue::string("ada")))?;
/// let m = q.try_receive()?.unwrap();
/// assert_eq!(m.message_id(), receipt.message_id());
/// assert_eq!(m.attributes().get("customer").and_then(|v| v.as_str()), Some("ada"));
/// # Ok::<(), localcloud::QueueError>(())
/// ```
#[derive(Clone)]
pub struct Queue {
    pub(crate) shared: Arc<QueueShared>,
}

impl fmt::Debug for Queue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let st = self.shared.state.lock();
        let (visible, in_flight, delayed) = st.counts();
        f.debug_struct("Queue")
            .field("arn", &self.shared.arn)
            .field("deleted", &st.deleted)
            .field("visible", &visible)
            .field("in_flight", &in_flight)
            .field("delayed", &delayed)
            .finish()
    }
}

impl Queue {
    /// The queue's name.
    pub fn name(&self) -> &str {
        &self.shared.name
    }

    /// The queue's ARN, `arn:aws:sqs:{region}:{account}:{name}`.
    pub fn arn(&self) -> &str {
        &self.shared.arn
    }

    /// The queue's URL as SQS would give it (nothing listens there).
    pub fn url(&self) -> &str {
        &self.shared.url
    }

    /// Whether this is a FIFO queue.
    pub fn is_fifo(&self) -> bool {
        self.shared.fifo
    }

    /// Whether the queue still exists.
    pub fn exists(&self) -> bool {
        !self.shared.deleted.load(Ordering::Acquire)
    }

    /// The current configuration.
    pub fn config(&self) -> QueueConfig {
        self.shared.state.lock().config.clone()
    }

    /// Whether two handles refer to the same queue (not merely the same name).
    pub fn same_queue(&self, other: &Queue) -> bool {
        Arc::ptr_eq(&self.shared, &other.shared)
    }

    pub(crate) fn redrive_allow_policy(&self) -> RedriveAllowPolicy {
        self.shared.state.lock().config.redrive_allow.clone()
    }

    /// Wakes one long poll after a message was enqueued through `prepare` and
    /// `enqueue` (what `send_message` does after its own enqueue).
    fn notify_sent(&self) {
        self.shared.cond.notify_one();
    }

    /// Wakes every long poll so it rereads the clock.
    pub(crate) fn wake(&self) {
        let _st = self.shared.state.lock();
        self.shared.cond.notify_all();
    }

    fn now(&self) -> Timestamp {
        self.shared.clock.now()
    }
}

impl MetricSource for QueueShared {
    fn sample(&self, out: &mut Vec<(&'static str, f64)>) {
        let now = self.clock.now();
        let mut st = self.state.lock();
        st.tick(now);
        let (visible, in_flight, delayed) = st.counts();
        let age = st.oldest_sent_at().map_or(0.0, |t| (now - t).as_secs() as f64);
        let c = st.counters;
        out.extend([
            ("NumberOfMessagesSent", c.sent as f64),
            ("NumberOfMessagesReceived", c.received as f64),
            ("NumberOfMessagesDeleted", c.deleted as f64),
            ("NumberOfEmptyReceives", c.empty_receives as f64),
            ("NumberOfDeduplicatedSentMessages", c.deduplicated as f64),
            ("SentMessageSize", c.sent_bytes as f64),
            ("ApproximateNumberOfMessagesVisible", visible as f64),
            ("ApproximateNumberOfMessagesNotVisible", in_flight as f64),
            ("ApproximateNumberOfMessagesDelayed", delayed as f64),
            ("ApproximateAgeOfOldestMessage", age),
        ]);
    }
}

/// The queues of one cloud, by name.
#[derive(Default)]
pub(crate) struct QueueRegistry {
    inner: Mutex<RegistryInner>,
}

#[derive(Default)]
struct RegistryInner {
    queues: BTreeMap<String, Queue>,
    deleted: HashMap<String, Timestamp>,
}

impl crate::service::Service for QueueRegistry {
    /// Wakes every long poll of every queue, so it sees the new time.
    fn clock_moved(&self) {
        let queues: Vec<Queue> = self.inner.lock().queues.values().cloned().collect();
        for q in queues {
            q.wake();
        }
    }
}

impl Cloud {
    /// Creates a queue, or returns the existing one when a queue of that name exists
    /// with the same configuration.
    ///
    /// Errors: `InvalidParameterValue` / `InvalidAttributeValue` for a bad name or
    /// setting, `InvalidAttributeName` for a FIFO configuration on a name without the
    /// `.fifo` suffix, `QueueAlreadyExists` when the name is taken by a different
    /// configuration, `QueueDeletedRecently` within 60 s of deleting that name.
    pub fn create_queue(&self, name: &str, config: QueueConfig) -> Result<Queue, QueueError> {
        let arn = self.arn("sqs", name);
        config.validate(name, &arn)?;
        let now = self.now();
        let registry = self.service::<QueueRegistry>();
        let mut reg = registry.inner.lock();
        if let Some(existing) = reg.queues.get(name) {
            return if existing.shared.state.lock().config == config {
                Ok(existing.clone())
            } else {
                Err(QueueError::QueueAlreadyExists { name: name.to_owned() })
            };
        }
        if let Some(&at) = reg.deleted.get(name) {
            if now < at + NAME_REUSE_DELAY {
                return Err(QueueError::QueueDeletedRecently { name: name.to_owned() });
            }
            reg.deleted.remove(name);
        }
        let uid = NEXT_QUEUE_UID.fetch_add(1, Ordering::Relaxed);
        let rng = self.rng_for(name);
        let fifo = config.fifo;
        let shared = Arc::new(QueueShared {
            name: name.to_owned(),
            url: format!("https://sqs.{}.amazonaws.com/{}/{name}", self.region(), self.account_id()),
            arn,
            fifo,
            clock: self.clock(),
            throttled: self.throttling() && fifo,
            state: Mutex::new({
                let throttle =
                    (self.throttling() && fifo).then(|| Box::new(throttle::Throttle::new(config.throughput_limit)));
                let mut st = State::new(config, uid, Arc::from(self.account_id()), rng, now);
                st.throttle = throttle;
                st.chaos = (!fifo && self.chaos().is_active()).then(|| Box::new(self.chaos().clone()));
                st
            }),
            cond: Condvar::new(),
            deleted: AtomicBool::new(false),
            journal: self.journal_handle(),
            metadata: Default::default(),
        });
        self.metrics().register(NAMESPACE, name, &shared);
        let q = Queue { shared };
        reg.queues.insert(name.to_owned(), q.clone());
        Ok(q)
    }

    /// The queue called `name`.
    pub fn queue(&self, name: &str) -> Result<Queue, QueueError> {
        self.service::<QueueRegistry>()
            .inner
            .lock()
            .queues
            .get(name)
            .cloned()
            .ok_or_else(|| QueueError::QueueDoesNotExist { name: name.to_owned() })
    }

    /// Deletes a queue and its messages. Handles to it then fail with
    /// `QueueDoesNotExist`; the name may be used again after 60 s.
    pub fn delete_queue(&self, name: &str) -> Result<(), QueueError> {
        let q = {
            let registry = self.service::<QueueRegistry>();
            let mut reg = registry.inner.lock();
            let q = reg.queues.remove(name).ok_or_else(|| QueueError::QueueDoesNotExist { name: name.to_owned() })?;
            reg.deleted.insert(name.to_owned(), self.now());
            q
        };
        {
            let mut st = q.shared.state.lock();
            st.deleted = true;
            q.shared.deleted.store(true, Ordering::Release);
            st.clear();
            // A queue that is its own dead-letter queue holds itself through its policy.
            if st.config.redrive.as_ref().is_some_and(|r| r.dead_letter_queue.same_queue(&q)) {
                st.config.redrive = None;
            }
            q.shared.cond.notify_all();
        }
        self.metrics().unregister(NAMESPACE, name);
        Ok(())
    }

    /// Every queue, without the 1,000 cap of [`list_queues`](Cloud::list_queues).
    pub(crate) fn all_queues(&self) -> Vec<Queue> {
        self.service::<QueueRegistry>().inner.lock().queues.values().cloned().collect()
    }

    /// The queue with this ARN, if it exists in this cloud.
    pub(crate) fn queue_by_arn(&self, arn: &str) -> Option<Queue> {
        let name = arn.rsplit(':').next()?;
        self.queue(name).ok().filter(|q| q.arn() == arn)
    }

    /// Queues whose names start with `prefix` (all for `""`), sorted by name, at most 1,000.
    pub fn list_queues(&self, prefix: &str) -> Vec<Queue> {
        self.service::<QueueRegistry>()
            .inner
            .lock()
            .queues
            .range(prefix.to_owned()..)
            .take_while(|(name, _)| name.starts_with(prefix))
            .take(1_000)
            .map(|(_, q)| q.clone())
            .collect()
    }
}
