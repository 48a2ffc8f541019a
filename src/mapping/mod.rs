//! Event source mappings: pollers that read a queue, a stream or a table's change
//! stream and invoke a function with batches of records, the way Lambda's event source
//! mappings do, on the cloud's clock.
//!
//! A queue mapping polls with the queue's public `receive`, invokes the function with
//! an SQS event, and deletes what succeeded with `delete_batch`; on a function error
//! nothing is deleted, so the messages reappear after their visibility timeout and the
//! queue's own redrive policy moves them to its dead-letter queue.
//!
//! ```
//! use localcloud::mapping::EventSourceMapping;
//! use localcloud::{Cloud, FunctionConfig, QueueConfig, RedrivePolicy};
//! use std::time::Duration;
//!
//! let cloud = Cloud::builder().manual_clock().seed(1).build();
//! let dlq = cloud.create_queue("orders-dlq", QueueConfig::default())?;
//! let q = cloud.create_queue("orders", QueueConfig::default()
//!     .visibility_timeout(Duration::from_secs(30)).redrive(RedrivePolicy::new(&dlq, 2)))?;
//! let rt = cloud.functions();
//! rt.create_function("ship", FunctionConfig::default(), |_, event| {
//!     let event: serde_json::Value = serde_json::from_slice(&event).unwrap();
//!     let failed: Vec<_> = event["Records"].as_array().unwrap().iter()
//!         .filter(|r| r["body"] == "bad")
//!         .map(|r| serde_json::json!({"itemIdentifier": r["messageId"]}))
//!         .collect();
//!     Ok(serde_json::json!({"batchItemFailures": failed}).to_string().into())
//! })?;
//! let m = rt.create_event_source_mapping(
//!     EventSourceMapping::queue(&q, "ship").batch_size(10).report_batch_item_failures(true))?;
//! q.send("good")?;
//! q.send("bad")?;
//! cloud.advance(Duration::from_secs(1));          // polled, invoked, "good" deleted
//! assert_eq!(q.stats().total(), 1);
//! cloud.advance(Duration::from_secs(60));         // "bad" fails again, then goes to the DLQ
//! assert_eq!(dlq.try_receive()?.unwrap().body_str(), "bad");
//! assert_eq!(m.state(), localcloud::mapping::MappingState::Enabled);
//! # Ok::<(), localcloud::Error>(())
//! ```
//!
//! A stream mapping reads every shard from its starting position; a failing batch
//! blocks its shard (or its lane, with a parallelization factor) and is retried,
//! bisected, and finally reported to the on-failure destination as metadata:
//!
//! ```
//! use localcloud::function::Destination;
//! use localcloud::mapping::EventSourceMapping;
//! use localcloud::{Cloud, FunctionConfig, HandlerError, PutRecord, QueueConfig, StartingPosition, StreamConfig};
//! use std::time::Duration;
//!
//! let cloud = Cloud::builder().manual_clock().seed(1).build();
//! let clicks = cloud.create_stream("clicks", StreamConfig::with_shards(2))?;
//! let failures = cloud.create_queue("click-failures", QueueConfig::default())?;
//! let rt = cloud.functions();
//! rt.create_function("count", FunctionConfig::default(), |_, event| {
//!     // "cG9pc29u" is the base64 of "poison"
//!     if event.windows(8).any(|w| w == b"cG9pc29u") { return Err(HandlerError::new("Poison", "bad click")); }
//!     Ok(bytes::Bytes::new())
//! })?;
//! rt.create_event_source_mapping(EventSourceMapping::stream(&clicks, "count")
//!     .starting_position(StartingPosition::TrimHorizon)
//!     .batch_size(100).bisect_batch_on_function_error(true).maximum_retry_attempts(1)
//!     .parallelization_factor(2).on_failure(Destination::queue(&failures)))?;
//! for i in 0..20 {
//!     clicks.put_record(PutRecord::new(format!("user-{i}"), "click"))?;
//! }
//! clicks.put_record(PutRecord::new("user-3", "poison"))?;
//! cloud.advance(Duration::from_secs(5));
//! let report = failures.try_receive()?.expect("the poison batch is reported");
//! assert!(report.body_str().contains(r#""batchSize":1"#));   // bisected down to the one record
//! assert!(report.body_str().contains("RetryAttemptsExhausted"));
//! # Ok::<(), localcloud::Error>(())
//! ```

mod config;
mod error;
mod events;
mod metrics;
mod queue;
mod response;
mod source;
mod stream;
mod window;

use std::collections::BTreeMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use parking_lot::Mutex;
use rand::RngCore;

pub use config::{
    EventSourceMapping, MappingSource, MAX_BATCHING_WINDOW, MAX_BATCH_PAYLOAD, MAX_BATCH_SIZE, MAX_FIFO_BATCH_SIZE,
    MAX_MAXIMUM_CONCURRENCY, MAX_PARALLELIZATION, MAX_RECORD_AGE, MAX_RETRY_ATTEMPTS, MAX_TUMBLING_WINDOW,
    MIN_MAXIMUM_CONCURRENCY, MIN_RECORD_AGE,
};
pub use error::MappingError;

use crate::clock::{Clock, Timestamp};
use crate::cloud::{Cloud, WeakCloud};
use crate::function::FunctionRuntime;
use crate::journal::{Journal, JournalEntry};
use crate::scheduler::TaskId;
use crate::shards::ShardSource;
use metrics::Counters;

/// How often an idle poller looks at its source.
pub const POLL_INTERVAL: Duration = Duration::from_secs(1);

/// The lifecycle state of a mapping.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum MappingState {
    /// Polling and invoking.
    Enabled,
    /// Not polling; batches already in flight finish.
    Disabled,
    /// Deleted; nothing more is polled.
    Deleted,
}

impl MappingState {
    /// AWS's name for it.
    pub fn as_str(self) -> &'static str {
        match self {
            MappingState::Enabled => "Enabled",
            MappingState::Disabled => "Disabled",
            MappingState::Deleted => "Deleting",
        }
    }
}

/// The event source mappings of one cloud.
#[derive(Default)]
pub(crate) struct MappingRegistry {
    mappings: Mutex<BTreeMap<String, Arc<MappingShared>>>,
    created: AtomicU64,
}

impl crate::service::Service for MappingRegistry {}

pub(crate) struct MappingShared {
    pub(crate) uuid: String,
    pub(crate) source_arn: String,
    pub(crate) source_service: &'static str,
    pub(crate) rt: FunctionRuntime,
    pub(crate) weak: WeakCloud,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) journal: Arc<Journal>,
    pub(crate) region: String,
    pub(crate) inner: Mutex<Inner>,
    pub(crate) counters: Counters,
}

pub(crate) struct Inner {
    pub(crate) config: EventSourceMapping,
    pub(crate) state: MappingState,
    pub(crate) task: Option<TaskId>,
    pub(crate) last_result: String,
    pub(crate) queue: queue::QueuePoller,
    pub(crate) stream: Option<stream::StreamPoller>,
}

impl MappingShared {
    pub(crate) fn note(&self, action: &'static str, subject: impl Into<String>, detail: impl FnOnce() -> String) {
        let now = self.clock.now();
        self.journal.record_with(|| {
            JournalEntry::new(now, "lambda", self.uuid.as_str(), action, subject)
                .with_peer(self.source_service, &self.source_arn)
                .with_detail(detail())
        });
    }

    fn start(self: &Arc<Self>, cloud: &Cloud, inner: &mut Inner) {
        if inner.task.is_some() {
            return;
        }
        let s = Arc::clone(self);
        let id = cloud.inner.scheduler.schedule_repeating(
            cloud.now(),
            Box::new(move |due: Timestamp| {
                let is_queue = matches!(s.inner.lock().config.source, MappingSource::Queue(_));
                let next = if is_queue { queue::tick(&s, due) } else { stream::tick(&s, due) };
                next.map(|t| t.max(due + Duration::from_millis(1)))
            }),
        );
        inner.task = Some(id);
    }

    fn stop(&self, inner: &mut Inner) {
        if let (Some(id), Some(cloud)) = (inner.task.take(), self.weak.upgrade()) {
            cloud.inner.scheduler.cancel(id);
        }
        inner.queue.release();
    }
}

/// A live event source mapping. Cheap to clone; `Send + Sync`.
#[derive(Clone)]
pub struct Mapping {
    shared: Arc<MappingShared>,
}

impl fmt::Debug for Mapping {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Mapping")
            .field("uuid", &self.shared.uuid)
            .field("source_arn", &self.shared.source_arn)
            .field("state", &self.state())
            .finish()
    }
}

impl Mapping {
    /// The mapping's UUID (seeded: the same seed gives the same ids).
    pub fn uuid(&self) -> &str {
        &self.shared.uuid
    }

    /// The source's ARN.
    pub fn event_source_arn(&self) -> &str {
        &self.shared.source_arn
    }

    /// The function target it invokes.
    pub fn function(&self) -> String {
        self.shared.inner.lock().config.function.clone()
    }

    /// Its current settings.
    pub fn config(&self) -> EventSourceMapping {
        self.shared.inner.lock().config.clone()
    }

    /// Enabled, disabled or deleted.
    pub fn state(&self) -> MappingState {
        self.shared.inner.lock().state
    }

    /// How the last batch ended (`"OK"`, `"PROBLEM: …"`, or `"No records processed"`).
    pub fn last_processing_result(&self) -> String {
        self.shared.inner.lock().last_result.clone()
    }

    /// Stops polling; batches in flight finish. Messages gathered but not yet sent
    /// reappear after their visibility timeout.
    ///
    /// Errors: `ResourceNotFoundException` once deleted.
    pub fn disable(&self) -> Result<(), MappingError> {
        let mut inner = self.shared.inner.lock();
        self.live(&inner)?;
        inner.state = MappingState::Disabled;
        self.shared.stop(&mut inner);
        drop(inner);
        self.shared.note("disable", "", String::new);
        Ok(())
    }

    /// Starts polling again.
    ///
    /// Errors: `ResourceNotFoundException` once deleted.
    pub fn enable(&self) -> Result<(), MappingError> {
        let cloud = self.cloud()?;
        let mut inner = self.shared.inner.lock();
        self.live(&inner)?;
        inner.state = MappingState::Enabled;
        self.shared.start(&cloud, &mut inner);
        drop(inner);
        self.shared.note("enable", "", String::new);
        Ok(())
    }

    /// Changes settings while it runs: `f` gets the current settings and returns the new
    /// ones (same source and function); the next poll uses them.
    ///
    /// Errors: `InvalidParameterValueException` (nothing changes),
    /// `ResourceNotFoundException` once deleted.
    pub fn update(&self, f: impl FnOnce(EventSourceMapping) -> EventSourceMapping) -> Result<(), MappingError> {
        let current = self.config();
        let next = f(current.clone());
        if next.source.arn() != current.source.arn() || next.function != current.function {
            return Err(error::invalid("an update keeps the source and the function"));
        }
        next.validate()?;
        let mut inner = self.shared.inner.lock();
        self.live(&inner)?;
        let enable = next.enabled;
        inner.config = next;
        drop(inner);
        self.shared.note("update", "", String::new);
        if enable {
            self.enable()
        } else {
            self.disable()
        }
    }

    fn live(&self, inner: &Inner) -> Result<(), MappingError> {
        if inner.state == MappingState::Deleted {
            return Err(MappingError::ResourceNotFound(format!(
                "event source mapping {} was deleted",
                self.shared.uuid
            )));
        }
        Ok(())
    }

    fn cloud(&self) -> Result<Cloud, MappingError> {
        self.shared.weak.upgrade().ok_or_else(|| MappingError::ResourceNotFound("the cloud is gone".into()))
    }

    /// The mapping's metric values (`PolledEventCount`, `InvokedEventCount`, …).
    pub fn metrics(&self) -> Vec<(&'static str, f64)> {
        let mut out = Vec::new();
        crate::metrics::MetricSource::sample(&*self.shared, &mut out);
        out
    }

    /// One metric by name.
    pub fn metric(&self, name: &str) -> f64 {
        self.metrics().into_iter().find(|(n, _)| *n == name).map_or(0.0, |(_, v)| v)
    }
}

impl FunctionRuntime {
    /// Creates an event source mapping and starts polling (unless created disabled).
    ///
    /// Errors: `InvalidParameterValueException` for a setting out of range or not
    /// fitting the source, `ResourceNotFoundException` for a missing function,
    /// `ResourceConflictException` when the function is already mapped to the source.
    pub fn create_event_source_mapping(&self, config: EventSourceMapping) -> Result<Mapping, MappingError> {
        config.validate()?;
        self.function(&config.function)?;
        let cloud = self.cloud().ok_or_else(|| MappingError::ResourceNotFound("the cloud is gone".into()))?;
        let registry = cloud.service::<MappingRegistry>();
        let source_arn = config.source.arn();
        let poller = match &config.source {
            MappingSource::Queue(q) if !q.exists() => {
                return Err(MappingError::ResourceNotFound(format!("queue {} does not exist", q.name())))
            }
            MappingSource::Queue(_) => None,
            MappingSource::Stream(s) if !s.exists() => {
                return Err(MappingError::ResourceNotFound(format!("stream {} does not exist", s.name())))
            }
            MappingSource::Stream(s) => Some(stream::StreamPoller::new(Arc::new(source::PollSource {
                shards: ShardSource::Stream(s.clone()),
                region: cloud.region().to_owned(),
            }))),
            MappingSource::Table(t) => {
                let changes = t.stream().map_err(|e| MappingError::InvalidParameterValue(e.to_string()))?;
                if changes.view_type().is_none() {
                    return Err(error::invalid(format!("table {} has no stream", t.name())));
                }
                Some(stream::StreamPoller::new(Arc::new(source::PollSource {
                    shards: ShardSource::Changes(changes),
                    region: cloud.region().to_owned(),
                })))
            }
        };
        let mut all = registry.mappings.lock();
        if all.values().any(|m| m.source_arn == source_arn && m.inner.lock().config.function == config.function) {
            return Err(MappingError::ResourceConflict(format!(
                "{} is already mapped to {source_arn}",
                config.function
            )));
        }
        let n = registry.created.fetch_add(1, Ordering::Relaxed);
        let uuid = uuid_from(cloud.rng_for(&format!("lambda:event-source-mapping:{n}")).next_u64(), n);
        let enabled = config.enabled;
        let shared = Arc::new(MappingShared {
            uuid: uuid.clone(),
            source_arn,
            source_service: config.source.service(),
            rt: self.clone(),
            weak: cloud.downgrade(),
            clock: cloud.clock(),
            journal: cloud.journal_handle(),
            region: cloud.region().to_owned(),
            inner: Mutex::new(Inner {
                config,
                state: if enabled { MappingState::Enabled } else { MappingState::Disabled },
                task: None,
                last_result: "No records processed".into(),
                queue: queue::QueuePoller::default(),
                stream: poller,
            }),
            counters: Counters::default(),
        });
        all.insert(uuid.clone(), Arc::clone(&shared));
        drop(all);
        cloud.metrics().register(crate::function::NAMESPACE, &uuid, &shared);
        if enabled {
            shared.start(&cloud, &mut shared.inner.lock());
        }
        shared.note("create", "", String::new);
        Ok(Mapping { shared })
    }

    /// Deletes a mapping: it polls no more; batches in flight finish.
    ///
    /// Errors: `ResourceNotFoundException` when already deleted.
    pub fn delete_event_source_mapping(&self, mapping: &Mapping) -> Result<(), MappingError> {
        let mut inner = mapping.shared.inner.lock();
        mapping.live(&inner)?;
        inner.state = MappingState::Deleted;
        mapping.shared.stop(&mut inner);
        drop(inner);
        if let Some(cloud) = self.cloud() {
            cloud.service::<MappingRegistry>().mappings.lock().remove(&mapping.shared.uuid);
            cloud.metrics().unregister(crate::function::NAMESPACE, &mapping.shared.uuid);
        }
        mapping.shared.note("delete", "", String::new);
        Ok(())
    }

    /// Every live mapping, by UUID.
    pub fn list_event_source_mappings(&self) -> Vec<Mapping> {
        self.cloud().map_or_else(Vec::new, |c| {
            let all = c.service::<MappingRegistry>();
            let all = all.mappings.lock();
            all.values().map(|s| Mapping { shared: Arc::clone(s) }).collect()
        })
    }

    /// The mapping with this UUID.
    ///
    /// Errors: `ResourceNotFoundException`.
    pub fn event_source_mapping(&self, uuid: &str) -> Result<Mapping, MappingError> {
        self.list_event_source_mappings()
            .into_iter()
            .find(|m| m.uuid() == uuid)
            .ok_or_else(|| MappingError::ResourceNotFound(format!("no event source mapping {uuid}")))
    }
}

fn uuid_from(r: u64, n: u64) -> String {
    let v = (u128::from(r) << 64) | u128::from(n.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ r.rotate_left(17));
    crate::codec::UuidText(crate::codec::uuid_v4(v)).to_string()
}
