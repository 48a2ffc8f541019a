//! Topics (SNS): standard and FIFO topics fanning messages out to queue, function
//! (`lambda`) and callback subscriptions, with filter policies, raw or enveloped
//! delivery, retries and subscription dead-letter queues.
//!
//! ```
//! use localcloud::{Cloud, FilterPolicy, Publish, QueueConfig, Subscription, TopicConfig, AttributeValue};
//!
//! let cloud = Cloud::builder().manual_clock().build();
//! let invoices = cloud.create_topic("invoices", TopicConfig::default())?;
//! let orders = cloud.create_queue("orders", QueueConfig::default())?;
//! let big = cloud.create_queue("big-orders", QueueConfig::default())?;
//! invoices.subscribe(Subscription::queue(&orders).raw_delivery(true))?;
//! invoices.subscribe(Subscription::queue(&big)
//!     .filter(FilterPolicy::parse(r#"{"total": [{"numeric": [">", 1000]}]}"#)?))?;
//! invoices.publish(Publish::new("invoice 7").attribute("total", AttributeValue::number("120")))?;
//! assert_eq!(orders.try_receive()?.unwrap().body_str(), "invoice 7");
//! assert!(big.try_receive()?.is_none()); // filtered out
//! # Ok::<(), localcloud::Error>(())
//! ```

mod attributes;
mod config;
mod delivery;
mod endpoint;
mod envelope;
mod error;
mod fifo;
mod filter;
mod lambda;
mod policy;
mod publish;
mod subscription;

use std::collections::BTreeMap;
use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

use parking_lot::Mutex;
use rand::rngs::SmallRng;

pub use attributes::MAX_TOPIC_TAGS;
pub use config::{TopicConfig, MAX_PUBLISH_SIZE, MAX_SUBJECT_CHARS};
pub use error::TopicError;
pub use filter::{FilterPolicy, FilterScope, MAX_FILTER_COMBINATIONS, MAX_FILTER_KEYS};
pub use policy::{BackoffFunction, DeliveryPolicy, MAX_DELIVERY_POLICY_TIME, MAX_DELIVERY_RETRIES};
pub use publish::{Publish, PublishBatchResult, PublishReceipt};
pub use subscription::{DeliveryError, Notification, Protocol, Subscription, SubscriptionArn, SubscriptionInfo};

use crate::clock::Clock;
use crate::cloud::{Cloud, WeakCloud};
use crate::metrics::MetricSource;
use fifo::FifoState;
use subscription::SubShared;

/// The CloudWatch namespace of topic metrics.
pub const NAMESPACE: &str = "AWS/SNS";

/// Running totals behind the topic's metrics.
#[derive(Default)]
pub(crate) struct Counters {
    pub(crate) published: AtomicU64,
    pub(crate) publish_bytes: AtomicU64,
    pub(crate) delivered: AtomicU64,
    pub(crate) failed: AtomicU64,
    pub(crate) filtered_out: AtomicU64,
    pub(crate) redriven: AtomicU64,
    pub(crate) redrive_failed: AtomicU64,
}

impl Counters {
    pub(crate) fn bump(c: &AtomicU64) {
        c.fetch_add(1, Ordering::Relaxed);
    }
}

pub(crate) struct TopicShared {
    pub(crate) name: String,
    pub(crate) arn: Arc<str>,
    pub(crate) config: TopicConfig,
    pub(crate) cloud: WeakCloud,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) signing_cert_url: String,
    pub(crate) journal: Arc<crate::journal::Journal>,
    pub(crate) region: String,
    pub(crate) deleted: AtomicBool,
    /// Copy-on-write: a publish takes a snapshot with one `Arc` clone.
    pub(crate) subs: Mutex<Arc<Vec<Arc<SubShared>>>>,
    pub(crate) rng: Mutex<SmallRng>,
    /// FIFO topics: dedup window and sequence numbers; held across a publish's
    /// fan-out so every subscriber sees the same order.
    pub(crate) fifo: Mutex<FifoState>,
    pub(crate) counters: Counters,
    /// Attributes set by name, tags, subscription attribute texts.
    pub(crate) metadata: attributes::Metadata,
}

/// A handle to one topic. Cheap to clone, `Send + Sync`; every clone sees the same
/// subscriptions. Operations on a deleted topic return [`TopicError::NotFound`].
///
/// ```
/// use localcloud::{Cloud, Publish, TopicConfig};
/// let cloud = Cloud::builder().manual_clock().build();
/// let t = cloud.create_topic("invoices", TopicConfig::default())?;
/// assert_eq!(t.arn(), "arn:aws:sns:us-east-1:000000000000:invoices");
/// let receipt = t.publish(Publish::new("nobody listens yet"))?;
/// assert_eq!(receipt.message_id().to_string().len(), 36);
/// # Ok::<(), localcloud::TopicError>(())
/// ```
#[derive(Clone)]
pub struct Topic {
    pub(crate) shared: Arc<TopicShared>,
}

impl fmt::Debug for Topic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Topic")
            .field("arn", &self.shared.arn)
            .field("fifo", &self.shared.config.fifo)
            .field("deleted", &self.shared.deleted.load(Ordering::Relaxed))
            .field("subscriptions", &self.shared.subs.lock().len())
            .finish()
    }
}

impl Topic {
    /// The topic's name.
    pub fn name(&self) -> &str {
        &self.shared.name
    }

    /// The topic's ARN, `arn:aws:sns:{region}:{account}:{name}`.
    pub fn arn(&self) -> &str {
        &self.shared.arn
    }

    /// Whether this is a FIFO topic.
    pub fn is_fifo(&self) -> bool {
        self.shared.config.fifo
    }

    /// The topic's configuration.
    pub fn config(&self) -> &TopicConfig {
        &self.shared.config
    }

    /// Whether the topic still exists.
    pub fn exists(&self) -> bool {
        !self.shared.deleted.load(Ordering::SeqCst)
    }

    /// Whether two handles refer to the same topic (not merely the same name).
    pub fn same_topic(&self, other: &Topic) -> bool {
        Arc::ptr_eq(&self.shared, &other.shared)
    }

    pub(crate) fn check_exists(&self) -> Result<(), TopicError> {
        if self.exists() {
            Ok(())
        } else {
            Err(TopicError::NotFound(format!("topic {} does not exist", self.shared.arn)))
        }
    }
}

impl MetricSource for TopicShared {
    fn sample(&self, out: &mut Vec<(&'static str, f64)>) {
        let c = &self.counters;
        let v = |a: &AtomicU64| a.load(Ordering::Relaxed) as f64;
        out.extend([
            ("NumberOfMessagesPublished", v(&c.published)),
            ("PublishSize", v(&c.publish_bytes)),
            ("NumberOfNotificationsDelivered", v(&c.delivered)),
            ("NumberOfNotificationsFailed", v(&c.failed)),
            ("NumberOfNotificationsFilteredOut", v(&c.filtered_out)),
            ("NumberOfNotificationsRedrivenToDlq", v(&c.redriven)),
            ("NumberOfNotificationsFailedToRedriveToDlq", v(&c.redrive_failed)),
        ]);
    }
}

/// The topics of one cloud, by name (kept as a per-cloud service).
#[derive(Default)]
pub(crate) struct TopicRegistry {
    topics: Mutex<BTreeMap<String, Topic>>,
}

impl crate::service::Service for TopicRegistry {}

impl Cloud {
    /// Creates a topic, or returns the existing one when a topic of that name exists
    /// with the same configuration.
    ///
    /// Errors: `InvalidParameter` for a bad name, a FIFO/standard mismatch with the
    /// name, or a name taken by a topic with a different configuration.
    pub fn create_topic(&self, name: &str, config: TopicConfig) -> Result<Topic, TopicError> {
        config.validate(name)?;
        let registry = self.service::<TopicRegistry>();
        let mut topics = registry.topics.lock();
        if let Some(existing) = topics.get(name) {
            return if existing.shared.config == config {
                Ok(existing.clone())
            } else {
                Err(TopicError::invalid(format!("topic {name:?} already exists with a different configuration")))
            };
        }
        let shared = Arc::new(TopicShared {
            name: name.to_owned(),
            arn: Arc::from(self.arn("sns", name)),
            config,
            cloud: self.downgrade(),
            clock: self.clock(),
            journal: self.journal_handle(),
            signing_cert_url: format!(
                "https://sns.{}.amazonaws.com/SimpleNotificationService-0000000000000000000000000000000.pem",
                self.region()
            ),
            region: self.region().to_owned(),
            deleted: AtomicBool::new(false),
            subs: Mutex::new(Arc::new(Vec::new())),
            rng: Mutex::new(self.rng_for(name)),
            fifo: Mutex::new(FifoState::default()),
            counters: Counters::default(),
            metadata: Default::default(),
        });
        self.metrics().register(NAMESPACE, name, &shared);
        let topic = Topic { shared };
        topics.insert(name.to_owned(), topic.clone());
        Ok(topic)
    }

    /// The topic called `name`.
    pub fn topic(&self, name: &str) -> Result<Topic, TopicError> {
        self.service::<TopicRegistry>()
            .topics
            .lock()
            .get(name)
            .cloned()
            .ok_or_else(|| TopicError::NotFound(format!("topic {name:?} does not exist")))
    }

    /// Deletes a topic and all its subscriptions; pending retries stop. Handles to it
    /// then fail with `NotFound`. Like the service's DeleteTopic, this is idempotent:
    /// deleting a topic that does not exist succeeds and changes nothing.
    pub fn delete_topic(&self, name: &str) -> Result<(), TopicError> {
        let Some(topic) = self.service::<TopicRegistry>().topics.lock().remove(name) else {
            return Ok(());
        };
        topic.shared.deleted.store(true, Ordering::SeqCst);
        let subs = std::mem::take(&mut *topic.shared.subs.lock());
        for s in subs.iter() {
            s.deactivate();
        }
        self.metrics().unregister(NAMESPACE, name);
        Ok(())
    }

    /// Every topic, sorted by name.
    pub fn list_topics(&self) -> Vec<Topic> {
        self.service::<TopicRegistry>().topics.lock().values().cloned().collect()
    }
}
