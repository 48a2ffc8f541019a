//! Topic → function subscriptions: [`Subscription::function`], delivered as an
//! asynchronous invoke of AWS's SNS event shape.
//!
//! The topic's `lambda` endpoint (src/topic/lambda.rs) delivers; this file gives the
//! constructor and the event shape. Each delivery invokes the function asynchronously
//! as `sns.amazonaws.com` from the topic's ARN, which the function's resource policy
//! must allow (as on AWS).

use bytes::Bytes;
use serde_json::{json, Map, Value};

use super::Function;
use crate::codec::base64;
use crate::topic::{Notification, Subscription};

impl Subscription {
    /// Delivers to a function: each message is an asynchronous invoke of
    /// `{"Records":[{"EventSource":"aws:sns","EventVersion":"1.0","EventSubscriptionArn":…,
    /// "Sns":{"Type":"Notification","MessageId":…,"TopicArn":…,"Subject":…,"Message":…,
    /// "Timestamp":…,"SignatureVersion":"1","Signature":…,"SigningCertUrl":…,
    /// "UnsubscribeUrl":…,"MessageAttributes":{…}}}]}`.
    ///
    /// The subscription's protocol is [`Protocol::Lambda`](crate::topic::Protocol::Lambda)
    /// and its endpoint the function's (qualified) ARN; a structured message gives it
    /// its `lambda` entry. The function must allow `sns.amazonaws.com` with the topic's
    /// ARN as source ([`Permission`](super::Permission)). A refused invoke (no
    /// permission, the function or qualifier gone) is a client-side error: not retried,
    /// the message goes to the subscription's dead-letter queue or is dropped, counted
    /// in `NumberOfNotificationsFailed`. A throttled invoke is retried like a queue
    /// delivery. Standard topics only; no raw delivery and no custom delivery policy.
    ///
    /// ```
    /// use localcloud::{Cloud, FunctionConfig, Publish, Subscription, TopicConfig};
    /// use localcloud::function::Permission;
    /// let cloud = Cloud::builder().manual_clock().build();
    /// let t = cloud.create_topic("orders", TopicConfig::default())?;
    /// let f = cloud.functions().create_function_json("on-order", FunctionConfig::default(),
    ///     |_, e: serde_json::Value| Ok(e["Records"][0]["Sns"]["Message"].clone()))?;
    /// cloud.functions().add_permission("on-order",
    ///     Permission::new("from-orders").principal("sns.amazonaws.com").source_arn(t.arn()))?;
    /// t.subscribe(Subscription::function(&f))?;
    /// t.publish(Publish::new("order 1"))?;
    /// cloud.run_until_idle(); // the delivery, then the function's async run
    /// assert_eq!(cloud.metrics().value("AWS/Lambda", "on-order", "Invocations"), Some(1.0));
    /// # Ok::<(), localcloud::Error>(())
    /// ```
    pub fn function(f: &Function) -> Self {
        Subscription::lambda(f)
    }
}

/// The Lambda event for one SNS notification.
pub(crate) fn sns_event(n: &Notification) -> Bytes {
    // The envelope (non-raw deliveries) carries the signature and URLs; AWS's Lambda
    // event spells two of its keys differently.
    let envelope: Map<String, Value> =
        if n.is_raw() { Map::new() } else { serde_json::from_slice(n.payload()).unwrap_or_default() };
    let get = |k: &str| envelope.get(k).cloned().unwrap_or(Value::Null);
    let attributes = envelope.get("MessageAttributes").cloned().unwrap_or_else(|| {
        let mut m = Map::new();
        for (name, v) in n.attributes().iter() {
            let value = match v.as_str() {
                Some(s) => s.to_owned(),
                None => base64(v.value_bytes()),
            };
            m.insert(name.to_owned(), json!({ "Type": v.data_type(), "Value": value }));
        }
        Value::Object(m)
    });
    let sns = json!({
        "Type": "Notification",
        "MessageId": n.message_id().to_string(),
        "TopicArn": n.topic_arn(),
        "Subject": n.subject(),
        "Message": n.message(),
        "Timestamp": n.timestamp().to_string(),
        "SignatureVersion": "1",
        "Signature": get("Signature"),
        "SigningCertUrl": get("SigningCertURL"),
        "UnsubscribeUrl": get("UnsubscribeURL"),
        "MessageAttributes": attributes,
    });
    let event = json!({
        "Records": [{
            "EventSource": "aws:sns",
            "EventVersion": "1.0",
            "EventSubscriptionArn": n.subscription_arn().as_str(),
            "Sns": sns,
        }]
    });
    Bytes::from(event.to_string())
}
