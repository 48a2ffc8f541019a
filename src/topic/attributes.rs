//! Topic and subscription attributes by name (GetTopicAttributes, SetTopicAttributes,
//! GetSubscriptionAttributes, SetSubscriptionAttributes) and topic tags.
//!
//! A subscription's attributes change in place: the topic swaps in a copy of the
//! subscription with the new settings under the same ARN, so publishes from then on
//! use them while deliveries already under way finish with the old ones.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Duration;

use parking_lot::Mutex;
use serde_json::Value;

use super::endpoint::{QueueArn, QueueSlot};
use super::filter::{FilterPolicy, FilterScope};
use super::policy::{BackoffFunction, DeliveryPolicy};
use super::subscription::{Endpoint, SubShared};
use super::{Protocol, SubscriptionArn, Topic, TopicError};

/// At most this many tags on one topic.
pub const MAX_TOPIC_TAGS: usize = 50;

/// The topic attributes that are set by name, its tags, and the text of the
/// subscription attributes that have no structured form here.
#[derive(Debug, Default)]
pub(crate) struct Metadata {
    attributes: Mutex<BTreeMap<String, String>>,
    tags: Mutex<BTreeMap<String, String>>,
    /// Per subscription ARN: the DeliveryPolicy text as it was set.
    sub_texts: Mutex<HashMap<String, String>>,
}

fn invalid(msg: impl Into<String>) -> TopicError {
    TopicError::InvalidParameter(msg.into())
}

/// Parses an SNS delivery policy (`{"healthyRetryPolicy": {...}}`).
pub(crate) fn parse_delivery_policy(text: &str) -> Result<DeliveryPolicy, TopicError> {
    let j: Value = serde_json::from_str(text).map_err(|_| invalid("DeliveryPolicy is not JSON"))?;
    let Some(h) =
        j.get("healthyRetryPolicy").or_else(|| j.get("http").and_then(|h| h.get("defaultHealthyRetryPolicy")))
    else {
        return Ok(DeliveryPolicy::default());
    };
    let num = |k: &str| -> Result<Option<u32>, TopicError> {
        match h.get(k) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => v
                .as_u64()
                .and_then(|n| u32::try_from(n).ok())
                .map(Some)
                .ok_or_else(|| invalid(format!("{k} must be a whole number"))),
        }
    };
    let mut p = DeliveryPolicy::default();
    if let Some(n) = num("minDelayTarget")? {
        p = p.min_delay(Duration::from_secs(n.into()));
    }
    if let Some(n) = num("maxDelayTarget")? {
        p = p.max_delay(Duration::from_secs(n.into()));
    }
    if let Some(n) = num("numRetries")? {
        p = p.num_retries(n);
    }
    if let Some(n) = num("numNoDelayRetries")? {
        p = p.num_no_delay_retries(n);
    }
    if let Some(n) = num("numMinDelayRetries")? {
        p = p.num_min_delay_retries(n);
    }
    if let Some(n) = num("numMaxDelayRetries")? {
        p = p.num_max_delay_retries(n);
    }
    match h.get("backoffFunction").and_then(Value::as_str) {
        None => {}
        Some("linear") => p = p.backoff(BackoffFunction::Linear),
        Some("arithmetic") => p = p.backoff(BackoffFunction::Arithmetic),
        Some("geometric") => p = p.backoff(BackoffFunction::Geometric),
        Some("exponential") => p = p.backoff(BackoffFunction::Exponential),
        Some(other) => return Err(invalid(format!("backoffFunction {other:?} is not known"))),
    }
    p.validate()?;
    Ok(p)
}

impl Topic {
    /// Adds or replaces tags (TagResource): keys 1 to 128 characters, values at most
    /// 256, at most [`MAX_TOPIC_TAGS`].
    ///
    /// ```
    /// use localcloud::{Cloud, TopicConfig};
    /// let cloud = Cloud::builder().manual_clock().build();
    /// let t = cloud.create_topic("invoices", TopicConfig::default())?;
    /// t.tag([("team".to_owned(), "billing".to_owned())])?;
    /// t.set_attribute("DisplayName", "Invoices")?;
    /// assert_eq!(t.attributes()?["DisplayName"], "Invoices");
    /// assert_eq!(t.tags()?.len(), 1);
    /// # Ok::<(), localcloud::TopicError>(())
    /// ```
    pub fn tag(&self, tags: impl IntoIterator<Item = (String, String)>) -> Result<(), TopicError> {
        self.check_exists()?;
        let tags: Vec<(String, String)> = tags.into_iter().collect();
        for (k, v) in &tags {
            if k.is_empty() || k.chars().count() > 128 || v.chars().count() > 256 {
                return Err(invalid(format!("tag {k:?}: keys are 1 to 128 characters, values at most 256")));
            }
        }
        let mut held = self.shared.metadata.tags.lock();
        let fresh = tags.iter().filter(|(k, _)| !held.contains_key(k)).count();
        if held.len() + fresh > MAX_TOPIC_TAGS {
            return Err(invalid(format!("a topic holds at most {MAX_TOPIC_TAGS} tags")));
        }
        held.extend(tags);
        Ok(())
    }

    /// Removes tags by key (UntagResource).
    pub fn untag<'a>(&self, keys: impl IntoIterator<Item = &'a str>) -> Result<(), TopicError> {
        self.check_exists()?;
        let mut held = self.shared.metadata.tags.lock();
        for k in keys {
            held.remove(k);
        }
        Ok(())
    }

    /// The topic's tags (ListTagsForResource).
    pub fn tags(&self) -> Result<BTreeMap<String, String>, TopicError> {
        self.check_exists()?;
        Ok(self.shared.metadata.tags.lock().clone())
    }

    /// Sets one topic attribute (SetTopicAttributes): `DisplayName` (at most 100
    /// characters), `DeliveryPolicy` (JSON, the default for callback subscriptions
    /// made afterwards), `SignatureVersion` (`1` or `2`) or `Policy` (JSON, kept).
    pub fn set_attribute(&self, name: &str, value: &str) -> Result<(), TopicError> {
        self.check_exists()?;
        match name {
            "DisplayName" if value.chars().count() <= 100 => {}
            "DeliveryPolicy" => {
                parse_delivery_policy(value)?;
            }
            "SignatureVersion" if value == "1" || value == "2" => {}
            "Policy" if serde_json::from_str::<Value>(value).is_ok() => {}
            "DisplayName" | "SignatureVersion" | "Policy" => {
                return Err(invalid(format!("invalid value for the attribute {name}")))
            }
            _ => return Err(invalid(format!("attribute {name} cannot be set"))),
        }
        self.shared.metadata.attributes.lock().insert(name.to_owned(), value.to_owned());
        Ok(())
    }

    /// Every topic attribute by name (GetTopicAttributes).
    pub fn attributes(&self) -> Result<BTreeMap<String, String>, TopicError> {
        self.check_exists()?;
        let mut out = self.shared.metadata.attributes.lock().clone();
        let account = self.arn().split(':').nth(4).unwrap_or_default().to_owned();
        let subs = self.subscriptions().len();
        out.insert("TopicArn".into(), self.arn().to_owned());
        out.insert("Owner".into(), account);
        out.entry("DisplayName".into()).or_default();
        out.entry("SignatureVersion".into()).or_insert_with(|| "1".into());
        out.insert("SubscriptionsConfirmed".into(), subs.to_string());
        out.insert("SubscriptionsPending".into(), "0".into());
        out.insert("SubscriptionsDeleted".into(), "0".into());
        if self.is_fifo() {
            out.insert("FifoTopic".into(), "true".into());
            out.insert("ContentBasedDeduplication".into(), self.config().get_content_based_deduplication().to_string());
        }
        Ok(out)
    }

    fn find_sub(&self, arn: &str) -> Result<Arc<SubShared>, TopicError> {
        self.shared
            .subs
            .lock()
            .iter()
            .find(|s| s.arn.as_str() == arn)
            .cloned()
            .ok_or_else(|| TopicError::NotFound(format!("subscription {arn} does not exist")))
    }

    /// A subscription's attributes by name (GetSubscriptionAttributes).
    pub fn subscription_attributes(&self, arn: &SubscriptionArn) -> Result<BTreeMap<String, String>, TopicError> {
        let s = self.find_sub(arn.as_str())?;
        let mut out = BTreeMap::new();
        out.insert("SubscriptionArn".to_owned(), s.arn.as_str().to_owned());
        out.insert("TopicArn".to_owned(), self.arn().to_owned());
        out.insert("Owner".to_owned(), self.arn().split(':').nth(4).unwrap_or_default().to_owned());
        out.insert(
            "Protocol".to_owned(),
            match s.protocol {
                Protocol::Sqs => "sqs",
                _ => "application",
            }
            .to_owned(),
        );
        out.insert("Endpoint".to_owned(), s.endpoint_arn.clone());
        out.insert("PendingConfirmation".to_owned(), "false".to_owned());
        out.insert("ConfirmationWasAuthenticated".to_owned(), "true".to_owned());
        out.insert("RawMessageDelivery".to_owned(), s.raw.to_string());
        if let Some(f) = &s.filter {
            out.insert("FilterPolicy".to_owned(), f.to_json());
            let scope = match f.scope() {
                FilterScope::MessageBody => "MessageBody",
                _ => "MessageAttributes",
            };
            out.insert("FilterPolicyScope".to_owned(), scope.to_owned());
        }
        if let Some(q) = &s.dlq {
            out.insert("RedrivePolicy".to_owned(), serde_json::json!({ "deadLetterTargetArn": q.arn() }).to_string());
        }
        if let Some(text) = self.shared.metadata.sub_texts.lock().get(s.arn.as_str()) {
            out.insert("DeliveryPolicy".to_owned(), text.clone());
        }
        Ok(out)
    }

    /// Changes one subscription attribute in place (SetSubscriptionAttributes):
    /// `RawMessageDelivery`, `FilterPolicy` (empty removes it), `FilterPolicyScope`,
    /// `RedrivePolicy` (`{"deadLetterTargetArn": ...}`, empty removes it) or
    /// `DeliveryPolicy` (callback subscriptions).
    ///
    /// ```
    /// use localcloud::{Cloud, QueueConfig, Subscription, TopicConfig};
    /// let cloud = Cloud::builder().manual_clock().build();
    /// let t = cloud.create_topic("t", TopicConfig::default())?;
    /// let q = cloud.create_queue("q", QueueConfig::default())?;
    /// let arn = t.subscribe(Subscription::queue(&q))?;
    /// t.set_subscription_attribute(&arn, "RawMessageDelivery", "true")?;
    /// assert_eq!(t.subscription_attributes(&arn)?["RawMessageDelivery"], "true");
    /// # Ok::<(), localcloud::Error>(())
    /// ```
    pub fn set_subscription_attribute(&self, arn: &SubscriptionArn, name: &str, value: &str) -> Result<(), TopicError> {
        let old = self.find_sub(arn.as_str())?;
        let mut raw = old.raw;
        let mut filter = old.filter.clone();
        let mut policy = old.policy.clone();
        let mut dlq = old.dlq.clone();
        let mut text = None;
        match name {
            "RawMessageDelivery" => {
                raw = match value.to_ascii_lowercase().as_str() {
                    "true" => true,
                    "false" => false,
                    _ => return Err(invalid("RawMessageDelivery must be true or false")),
                }
            }
            "FilterPolicy" if value.trim().is_empty() => filter = None,
            "FilterPolicy" => {
                let scope = filter.as_ref().map_or(FilterScope::MessageAttributes, FilterPolicy::scope);
                filter = Some(FilterPolicy::parse_with_scope(value, scope)?);
            }
            "FilterPolicyScope" => {
                let scope = match value {
                    "MessageAttributes" => FilterScope::MessageAttributes,
                    "MessageBody" => FilterScope::MessageBody,
                    _ => return Err(invalid("FilterPolicyScope must be MessageAttributes or MessageBody")),
                };
                filter = match filter {
                    Some(f) => Some(f.with_scope(scope)?),
                    None => return Err(invalid("set a FilterPolicy before its scope")),
                };
            }
            "RedrivePolicy" if value.trim().is_empty() => dlq = None,
            "RedrivePolicy" => {
                let j: Value = serde_json::from_str(value).map_err(|_| invalid("RedrivePolicy is not JSON"))?;
                let target = j
                    .get("deadLetterTargetArn")
                    .and_then(Value::as_str)
                    .ok_or_else(|| invalid("RedrivePolicy needs deadLetterTargetArn"))?;
                let qa = QueueArn::parse(target)?;
                let cloud = self.shared.cloud.upgrade().ok_or_else(|| invalid("the cloud is gone"))?;
                let q = cloud.queue(&qa.name).ok().filter(|q| q.arn() == target);
                dlq = Some(q.ok_or_else(|| invalid(format!("dead-letter queue {target} does not exist")))?);
            }
            "DeliveryPolicy" => {
                let p = parse_delivery_policy(value)?;
                if old.protocol != Protocol::Sqs {
                    policy = p;
                }
                text = Some(value.to_owned());
            }
            _ => return Err(invalid(format!("attribute {name} cannot be set on a subscription"))),
        }
        let endpoint = match &old.endpoint {
            Endpoint::Callback(f) => Endpoint::Callback(Arc::clone(f)),
            Endpoint::Function(f) => Endpoint::Function(f.clone()),
            Endpoint::Queue(_) => {
                let qa = QueueArn::parse(&old.endpoint_arn)?;
                let found =
                    self.shared.cloud.upgrade().and_then(|c| c.queue(&qa.name).ok()).filter(|q| q.arn() == qa.arn);
                Endpoint::Queue(QueueSlot::new(qa, found))
            }
        };
        let new = Arc::new(SubShared {
            arn: old.arn.clone(),
            protocol: old.protocol,
            endpoint,
            endpoint_arn: old.endpoint_arn.clone(),
            raw,
            filter,
            policy,
            dlq,
            unsubscribe_url_json: old.unsubscribe_url_json.clone(),
            active: AtomicBool::new(true),
            rng: Mutex::new(old.rng.lock().clone()),
            blocked: Mutex::new(HashMap::new()),
        });
        let mut subs = self.shared.subs.lock();
        let next: Vec<_> =
            subs.iter().map(|s| if Arc::ptr_eq(s, &old) { Arc::clone(&new) } else { Arc::clone(s) }).collect();
        *subs = Arc::new(next);
        drop(subs);
        if let Some(t) = text {
            self.shared.metadata.sub_texts.lock().insert(arn.as_str().to_owned(), t);
        }
        Ok(())
    }
}
