//! Subscriptions: the [`Subscription`] request, what a topic keeps of it, and the
//! [`Notification`] a callback receives.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use bytes::Bytes;
use parking_lot::Mutex;
use rand::rngs::SmallRng;

use super::endpoint::{QueueArn, QueueSlot};
use super::envelope::json_string;
use super::filter::{FilterPolicy, FilterScope};
use super::lambda::FunctionSlot;
use super::policy::DeliveryPolicy;
use super::publish::Published;
use super::{Topic, TopicError};
use crate::clock::Timestamp;
use crate::function::Function;
use crate::message::{MessageAttributes, MessageId};
use crate::queue::Queue;

/// The closure of a callback subscription.
type CallbackFn = dyn Fn(&Notification) -> Result<(), DeliveryError> + Send + Sync;

/// Why a callback refused a notification.
///
/// By default (`From<&str>`, `From<String>`, [`DeliveryError::server`]) it is a
/// server-side error, like an HTTP 5xx: the topic retries per the subscription's
/// [`DeliveryPolicy`]. [`DeliveryError::client`] is a client-side error, like an
/// HTTP 4xx or an endpoint that no longer exists: the service does not retry those,
/// so the message goes at once to the subscription's dead-letter queue, or is
/// dropped and counted in `NumberOfNotificationsFailed`. A panic counts as a
/// server-side error.
///
/// ```
/// use localcloud::DeliveryError;
/// let e: DeliveryError = "endpoint returned 503".into();
/// assert_eq!(e.to_string(), "endpoint returned 503");
/// assert!(!e.is_client_error());
/// assert!(DeliveryError::client("endpoint returned 404").is_client_error());
/// ```
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct DeliveryError {
    message: String,
    client: bool,
}

impl DeliveryError {
    /// A server-side error: the delivery is retried per the delivery policy.
    pub fn server(message: impl Into<String>) -> Self {
        DeliveryError { message: message.into(), client: false }
    }

    /// A client-side error: the delivery is not retried.
    pub fn client(message: impl Into<String>) -> Self {
        DeliveryError { message: message.into(), client: true }
    }

    /// Whether this is a client-side error (not retried).
    pub fn is_client_error(&self) -> bool {
        self.client
    }
}

impl From<&str> for DeliveryError {
    fn from(s: &str) -> Self {
        DeliveryError::server(s)
    }
}

impl From<String> for DeliveryError {
    fn from(s: String) -> Self {
        DeliveryError::server(s)
    }
}

/// The kind of endpoint a subscription delivers to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Protocol {
    /// A queue (`sqs`); reads the `sqs` key of a structured message.
    Sqs,
    /// A callback standing in for an HTTP, email or SMS endpoint; reads the `http`
    /// key of a structured message.
    Callback,
    /// A function (`lambda`), invoked asynchronously with the SNS event; reads the
    /// `lambda` key of a structured message.
    Lambda,
}

/// A subscription's ARN: the topic's ARN plus a unique suffix.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct SubscriptionArn(Arc<str>);

impl SubscriptionArn {
    /// The ARN as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SubscriptionArn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for SubscriptionArn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SubscriptionArn({})", self.0)
    }
}

#[derive(Clone)]
enum EndpointSpec {
    Queue(Queue),
    QueueArn(String),
    Callback(Arc<CallbackFn>),
    Function(Function),
}

/// What to subscribe to a topic: an endpoint plus delivery settings.
///
/// ```
/// use localcloud::{Cloud, DeliveryError, FilterPolicy, QueueConfig, Subscription, TopicConfig};
/// let cloud = Cloud::builder().manual_clock().build();
/// let t = cloud.create_topic("invoices", TopicConfig::default())?;
/// let q = cloud.create_queue("orders", QueueConfig::default())?;
/// t.subscribe(Subscription::queue(&q).raw_delivery(true))?;
/// t.subscribe(Subscription::callback(|n| {
///     if n.message().is_empty() { Err(DeliveryError::from("empty")) } else { Ok(()) }
/// }).filter(FilterPolicy::parse(r#"{"kind": ["email"]}"#)?))?;
/// assert_eq!(t.subscriptions().len(), 2);
/// # Ok::<(), localcloud::Error>(())
/// ```
#[derive(Clone)]
pub struct Subscription {
    endpoint: EndpointSpec,
    raw: bool,
    filter: Option<FilterPolicy>,
    scope: Option<FilterScope>,
    delivery_policy: Option<DeliveryPolicy>,
    dlq: Option<Queue>,
}

impl fmt::Debug for Subscription {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let endpoint = match &self.endpoint {
            EndpointSpec::Queue(q) => q.arn(),
            EndpointSpec::QueueArn(arn) => arn,
            EndpointSpec::Callback(_) => "callback",
            EndpointSpec::Function(f) => f.arn(),
        };
        f.debug_struct("Subscription")
            .field("endpoint", &endpoint)
            .field("raw", &self.raw)
            .field("filter", &self.filter)
            .field("scope", &self.scope)
            .field("delivery_policy", &self.delivery_policy)
            .field("dlq", &self.dlq.as_ref().map(Queue::arn))
            .finish()
    }
}

impl Subscription {
    fn new(endpoint: EndpointSpec) -> Self {
        Subscription { endpoint, raw: false, filter: None, scope: None, delivery_policy: None, dlq: None }
    }

    /// Delivers to a queue. A FIFO queue can only subscribe to a FIFO topic.
    /// The subscription names the queue by its ARN, as the service does: should the
    /// queue be deleted, deliveries fail (client-side errors, not retried) until a
    /// queue of that name is created again.
    pub fn queue(q: &Queue) -> Self {
        Self::new(EndpointSpec::Queue(q.clone()))
    }

    /// Delivers to the queue with this ARN (`arn:aws:sqs:{region}:{account}:{name}`),
    /// which need not exist: while no queue of that ARN exists in the cloud,
    /// deliveries fail as client-side errors (not retried: the message goes to the
    /// subscription's dead-letter queue, or is dropped and counted in
    /// `NumberOfNotificationsFailed`). A name ending in `.fifo` is a FIFO queue.
    ///
    /// ```
    /// use localcloud::{Cloud, Publish, QueueConfig, Subscription, TopicConfig};
    /// let cloud = Cloud::builder().manual_clock().build();
    /// let t = cloud.create_topic("invoices", TopicConfig::default())?;
    /// t.subscribe(Subscription::queue_arn("arn:aws:sqs:us-east-1:000000000000:later"))?;
    /// t.publish(Publish::new("lost: no queue yet"))?;
    /// let q = cloud.create_queue("later", QueueConfig::default())?;
    /// t.publish(Publish::new("delivered"))?;
    /// assert_eq!(q.receive(Default::default())?.len(), 1);
    /// # Ok::<(), localcloud::Error>(())
    /// ```
    pub fn queue_arn(arn: impl Into<String>) -> Self {
        Self::new(EndpointSpec::QueueArn(arn.into()))
    }

    /// Delivers to a closure, our stand-in for HTTP, email and SMS endpoints: it runs
    /// on the scheduler. An `Err` or a panic is a failed delivery, retried per the
    /// [`DeliveryPolicy`], except a [`DeliveryError::client`], which is not retried.
    /// Standard topics only.
    pub fn callback<F>(f: F) -> Self
    where
        F: Fn(&Notification) -> Result<(), DeliveryError> + Send + Sync + 'static,
    {
        Self::new(EndpointSpec::Callback(Arc::new(f)))
    }

    /// The `lambda` endpoint behind [`Subscription::function`].
    pub(crate) fn lambda(f: &Function) -> Self {
        Self::new(EndpointSpec::Function(f.clone()))
    }

    /// Raw delivery: the body as published, attributes as queue message attributes,
    /// instead of the JSON envelope.
    pub fn raw_delivery(mut self, on: bool) -> Self {
        self.raw = on;
        self
    }

    /// Delivers only the messages that pass this policy.
    pub fn filter(mut self, policy: FilterPolicy) -> Self {
        self.filter = Some(policy);
        self
    }

    /// Reads the filter policy against this part of the message (overrides the scope
    /// the policy was parsed with).
    pub fn filter_scope(mut self, scope: FilterScope) -> Self {
        self.scope = Some(scope);
        self
    }

    /// Callbacks: when to retry a failed delivery (default: 3 retries 20 s apart).
    /// Queues and functions keep the service's fixed schedule (100,015 tries over 23
    /// days).
    pub fn delivery_policy(mut self, policy: DeliveryPolicy) -> Self {
        self.delivery_policy = Some(policy);
        self
    }

    /// Where messages go that could not be delivered (after the last retry, or at
    /// once on a client error such as a deleted queue or a queue refusing the
    /// message). A FIFO queue needs a FIFO dead-letter queue; a standard queue takes
    /// a standard one (on either kind of topic), or a FIFO one on a FIFO topic.
    pub fn dead_letter_queue(mut self, q: &Queue) -> Self {
        self.dlq = Some(q.clone());
        self
    }
}

pub(crate) enum Endpoint {
    Queue(QueueSlot),
    Callback(Arc<CallbackFn>),
    Function(FunctionSlot),
}

/// A subscription as its topic keeps it.
pub(crate) struct SubShared {
    pub(crate) arn: SubscriptionArn,
    pub(crate) protocol: Protocol,
    pub(crate) endpoint: Endpoint,
    pub(crate) endpoint_arn: String,
    pub(crate) raw: bool,
    pub(crate) filter: Option<FilterPolicy>,
    pub(crate) policy: DeliveryPolicy,
    pub(crate) dlq: Option<Queue>,
    /// `"https://…&SubscriptionArn=…"`, already a JSON string literal.
    pub(crate) unsubscribe_url_json: String,
    pub(crate) active: AtomicBool,
    /// Jitter for retries.
    pub(crate) rng: Mutex<SmallRng>,
    /// FIFO topics: per message group, the messages waiting behind a delivery that
    /// is being retried (front = the one being retried).
    pub(crate) blocked: Mutex<HashMap<Arc<str>, VecDeque<Arc<Published>>>>,
}

impl SubShared {
    pub(crate) fn is_active(&self) -> bool {
        self.active.load(Ordering::SeqCst)
    }

    pub(crate) fn deactivate(&self) {
        self.active.store(false, Ordering::SeqCst);
        self.blocked.lock().clear();
    }

    fn same_settings(&self, s: &Subscription) -> bool {
        self.raw == s.raw
            && self.filter == s.filter
            && self.dlq.as_ref().map(Queue::arn) == s.dlq.as_ref().map(Queue::arn)
    }
}

/// A subscription of a topic, as listed by [`Topic::subscriptions`].
#[derive(Clone)]
pub struct SubscriptionInfo(Arc<SubShared>);

impl SubscriptionInfo {
    /// The subscription's ARN.
    pub fn arn(&self) -> &SubscriptionArn {
        &self.0.arn
    }

    /// The kind of endpoint.
    pub fn protocol(&self) -> Protocol {
        self.0.protocol
    }

    /// The endpoint: the queue's or function's ARN, or `callback`.
    pub fn endpoint(&self) -> &str {
        &self.0.endpoint_arn
    }

    /// Whether deliveries are raw.
    pub fn raw_delivery(&self) -> bool {
        self.0.raw
    }

    /// The filter policy, if any.
    pub fn filter_policy(&self) -> Option<&FilterPolicy> {
        self.0.filter.as_ref()
    }

    /// The dead-letter queue, if any.
    pub fn dead_letter_queue(&self) -> Option<&Queue> {
        self.0.dlq.as_ref()
    }
}

impl fmt::Debug for SubscriptionInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SubscriptionInfo")
            .field("arn", &self.0.arn)
            .field("endpoint", &self.0.endpoint_arn)
            .field("raw", &self.0.raw)
            .field("filter", &self.0.filter)
            .finish()
    }
}

/// One delivery attempt of a message to a callback.
pub struct Notification {
    pub(crate) msg: Arc<Published>,
    pub(crate) subscription_arn: SubscriptionArn,
    pub(crate) payload: Bytes,
    pub(crate) raw: bool,
    pub(crate) attempt: u32,
    /// Which entry of a structured message it carries.
    pub(crate) protocol: Protocol,
}

impl Notification {
    /// The message id, the same for every subscriber and attempt.
    pub fn message_id(&self) -> MessageId {
        self.msg.id
    }

    /// The ARN of the topic it was published to.
    pub fn topic_arn(&self) -> &str {
        &self.msg.topic_arn
    }

    /// The ARN of the subscription it is delivered to.
    pub fn subscription_arn(&self) -> &SubscriptionArn {
        &self.subscription_arn
    }

    /// The subject, if the publisher set one.
    pub fn subject(&self) -> Option<&str> {
        self.msg.subject.as_deref()
    }

    /// The message text (for a structured message: its `http` or `default` entry; for
    /// a function, its `lambda` or `default` entry).
    pub fn message(&self) -> &str {
        std::str::from_utf8(self.msg.text(self.protocol)).unwrap_or_default()
    }

    /// The message attributes (none for a structured message).
    pub fn attributes(&self) -> &MessageAttributes {
        static NONE: std::sync::OnceLock<MessageAttributes> = std::sync::OnceLock::new();
        self.msg.delivered_attributes().unwrap_or_else(|| NONE.get_or_init(MessageAttributes::new))
    }

    /// When it was published.
    pub fn timestamp(&self) -> Timestamp {
        self.msg.timestamp
    }

    /// What an HTTP endpoint would receive: the JSON envelope, or the message itself
    /// with raw delivery.
    pub fn payload(&self) -> &Bytes {
        &self.payload
    }

    /// [`payload`](Notification::payload) as text.
    pub fn payload_str(&self) -> &str {
        std::str::from_utf8(&self.payload).unwrap_or_default()
    }

    /// Whether the subscription uses raw delivery.
    pub fn is_raw(&self) -> bool {
        self.raw
    }

    /// Which try this is: 1 for the first delivery, 2 for the first retry, …
    pub fn attempt(&self) -> u32 {
        self.attempt
    }
}

impl fmt::Debug for Notification {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Notification")
            .field("message_id", &self.msg.id)
            .field("subscription_arn", &self.subscription_arn)
            .field("attempt", &self.attempt)
            .finish()
    }
}

impl Topic {
    /// Subscribes an endpoint. Subscribing the same queue or function again with the
    /// same settings returns the existing subscription. A queue need not exist (see
    /// [`Subscription::queue_arn`]): deliveries to a missing queue fail as
    /// client-side errors.
    ///
    /// Errors: `InvalidParameter` for a malformed queue ARN, a FIFO queue on a
    /// standard topic, a callback or function on a FIFO topic, a dead-letter queue
    /// that does not exist or is of the wrong kind, a bad delivery policy, a delivery
    /// policy or raw delivery on a function, a filter policy invalid in its scope, or
    /// the same endpoint with other settings; `NotFound` for a deleted topic.
    pub fn subscribe(&self, sub: Subscription) -> Result<SubscriptionArn, TopicError> {
        self.check_exists()?;
        let fifo = self.is_fifo();
        let filter = match (&sub.filter, sub.scope) {
            (Some(p), Some(scope)) => Some(p.with_scope(scope)?),
            (p, _) => p.clone(),
        };
        let sub = Subscription { filter, ..sub };
        let (queue, found) = match &sub.endpoint {
            EndpointSpec::Queue(q) => (Some(QueueArn::of(q)), Some(q.clone())),
            EndpointSpec::QueueArn(arn) => {
                let arn = QueueArn::parse(arn)?;
                let found = self.shared.cloud.upgrade().and_then(|c| c.queue(&arn.name).ok());
                let found = found.filter(|q| q.arn() == arn.arn);
                (Some(arn), found)
            }
            EndpointSpec::Callback(_) | EndpointSpec::Function(_) => (None, None),
        };
        let (protocol, endpoint_arn) = match &queue {
            Some(q) => {
                if q.fifo && !fifo {
                    return Err(TopicError::invalid("a FIFO queue can only subscribe to a FIFO topic"));
                }
                if sub.delivery_policy.is_some() {
                    return Err(TopicError::invalid("a delivery policy applies to callback subscriptions only"));
                }
                (Protocol::Sqs, q.arn.clone())
            }
            None if fifo => return Err(TopicError::invalid("FIFO topics deliver to queues only")),
            None => match &sub.endpoint {
                EndpointSpec::Function(f) => {
                    if sub.delivery_policy.is_some() {
                        return Err(TopicError::invalid("a delivery policy applies to callback subscriptions only"));
                    }
                    if sub.raw {
                        return Err(TopicError::invalid(
                            "delivery protocol [lambda] does not support raw message delivery",
                        ));
                    }
                    (Protocol::Lambda, f.qualified_arn())
                }
                _ => (Protocol::Callback, "callback".to_owned()),
            },
        };
        if let Some(dlq) = &sub.dlq {
            if !dlq.exists() {
                return Err(TopicError::invalid(format!("dead-letter queue {} does not exist", dlq.arn())));
            }
            if dlq.is_fifo() && !fifo {
                return Err(TopicError::invalid("a standard topic's dead-letter queue must be a standard queue"));
            }
            if !dlq.is_fifo() && queue.as_ref().is_some_and(|q| q.fifo) {
                return Err(TopicError::invalid("a FIFO queue's subscription needs a FIFO dead-letter queue"));
            }
        }
        let policy = match (&queue, &sub.delivery_policy) {
            (Some(_), _) => DeliveryPolicy::queue(),
            (None, _) if protocol == Protocol::Lambda => DeliveryPolicy::queue(),
            (None, Some(p)) => {
                p.validate()?;
                p.clone()
            }
            (None, None) => DeliveryPolicy::default(),
        };
        let shared = &self.shared;
        let mut subs = shared.subs.lock();
        if protocol != Protocol::Callback {
            if let Some(existing) = subs.iter().find(|s| s.endpoint_arn == endpoint_arn) {
                return if existing.same_settings(&sub) {
                    Ok(existing.arn.clone())
                } else {
                    Err(TopicError::invalid(format!("{endpoint_arn} is already subscribed with different settings")))
                };
            }
        }
        let (id, rng) = {
            let mut topic_rng = shared.rng.lock();
            let id = MessageId::random(&mut *topic_rng);
            (id, <SmallRng as rand::SeedableRng>::from_rng(&mut *topic_rng))
        };
        let arn = SubscriptionArn(Arc::from(format!("{}:{id}", shared.arn)));
        let mut url = Vec::new();
        json_string(
            &mut url,
            &format!("https://sns.{}.amazonaws.com/?Action=Unsubscribe&SubscriptionArn={arn}", shared.region),
        );
        let endpoint = match (sub.endpoint, queue) {
            (EndpointSpec::Callback(f), _) => Endpoint::Callback(f),
            (EndpointSpec::Function(f), _) => Endpoint::Function(FunctionSlot::of(&f)),
            (_, Some(arn)) => Endpoint::Queue(QueueSlot::new(arn, found)),
            // Not reached: `queue` is set for both queue endpoints. Kept total so
            // that no input can panic.
            (_, None) => return Err(TopicError::invalid("a queue subscription needs a queue ARN")),
        };
        let new = Arc::new(SubShared {
            arn: arn.clone(),
            protocol,
            endpoint,
            endpoint_arn,
            raw: sub.raw,
            filter: sub.filter,
            policy,
            dlq: sub.dlq,
            unsubscribe_url_json: String::from_utf8(url).unwrap_or_default(),
            active: AtomicBool::new(true),
            rng: Mutex::new(rng),
            blocked: Mutex::new(HashMap::new()),
        });
        let mut next = Vec::with_capacity(subs.len() + 1);
        next.extend(subs.iter().cloned());
        next.push(new);
        *subs = Arc::new(next);
        Ok(arn)
    }

    /// Removes a subscription; its pending retries stop. Like the service's
    /// Unsubscribe, this is idempotent and names the subscription by ARN alone: a
    /// subscription that is already gone (or whose topic was deleted) succeeds and
    /// changes nothing, and a subscription of another topic of this cloud is removed
    /// from that topic.
    pub fn unsubscribe(&self, arn: &SubscriptionArn) -> Result<(), TopicError> {
        if self.remove_subscription(arn) {
            return Ok(());
        }
        let owner = arn.as_str().rsplit_once(':').map_or("", |(topic, _)| topic);
        if owner != self.arn() {
            let name = owner.rsplit_once(':').map_or("", |(_, name)| name);
            if let Some(other) = self.shared.cloud.upgrade().and_then(|c| c.topic(name).ok()) {
                if other.arn() == owner {
                    other.remove_subscription(arn);
                }
            }
        }
        Ok(())
    }

    /// Removes the subscription from this topic; false when it has no such subscription.
    fn remove_subscription(&self, arn: &SubscriptionArn) -> bool {
        let mut subs = self.shared.subs.lock();
        let Some(pos) = subs.iter().position(|s| &s.arn == arn) else { return false };
        let mut next: Vec<_> = subs.iter().cloned().collect();
        let gone = next.remove(pos);
        *subs = Arc::new(next);
        drop(subs);
        gone.deactivate();
        true
    }

    /// The topic's subscriptions, in the order they were made.
    pub fn subscriptions(&self) -> Vec<SubscriptionInfo> {
        self.shared.subs.lock().iter().map(|s| SubscriptionInfo(Arc::clone(s))).collect()
    }
}
