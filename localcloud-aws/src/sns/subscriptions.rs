//! Subscriptions: subscribe an SQS queue (callbacks are subscribed in Rust), list,
//! unsubscribe, and attributes read and changed in place.

use localcloud::topic::{FilterScope, SubscriptionArn};
use localcloud::{Cloud, FilterPolicy, Subscription, Topic};
use serde_json::Value;

use super::{required, topic_at, Reply, SnsFault};
use crate::protocol::query::{Form, Xml};

fn topic_of_subscription(cloud: &Cloud, arn: &str) -> Result<Topic, SnsFault> {
    let topic_arn = arn.rsplit_once(':').map_or("", |(t, _)| t);
    topic_at(cloud, topic_arn).map_err(|_| SnsFault::new(404, "NotFound", format!("subscription {arn} does not exist")))
}

fn sub_arn(topic: &Topic, arn: &str) -> Result<SubscriptionArn, SnsFault> {
    topic
        .subscriptions()
        .into_iter()
        .map(|s| s.arn().clone())
        .find(|a| a.as_str() == arn)
        .ok_or_else(|| SnsFault::new(404, "NotFound", format!("subscription {arn} does not exist")))
}

pub(crate) fn subscribe(cloud: &Cloud, f: &Form) -> Reply {
    let topic = topic_at(cloud, required(f, "TopicArn")?)?;
    let protocol = required(f, "Protocol")?;
    if protocol != "sqs" {
        return Err(SnsFault::invalid(format!(
            "protocol {protocol:?} is not served in-process: subscribe SQS queues here, and callbacks in Rust"
        )));
    }
    let endpoint = required(f, "Endpoint")?;
    let attrs = f.map("Attributes", "key", "value");
    let mut sub = Subscription::queue_arn(endpoint);
    let mut later = Vec::new();
    for (k, v) in &attrs {
        match k.as_str() {
            "RawMessageDelivery" => sub = sub.raw_delivery(v.eq_ignore_ascii_case("true")),
            "FilterPolicy" => {
                let scope = match attrs.get("FilterPolicyScope").map(String::as_str) {
                    Some("MessageBody") => FilterScope::MessageBody,
                    _ => FilterScope::MessageAttributes,
                };
                sub = sub.filter(FilterPolicy::parse_with_scope(v, scope)?);
            }
            "FilterPolicyScope" => {}
            "RedrivePolicy" => {
                let j: Value = serde_json::from_str(v).map_err(|_| SnsFault::invalid("RedrivePolicy is not JSON"))?;
                let target = j
                    .get("deadLetterTargetArn")
                    .and_then(Value::as_str)
                    .ok_or_else(|| SnsFault::invalid("RedrivePolicy needs deadLetterTargetArn"))?;
                let name = target.rsplit(':').next().unwrap_or_default();
                let q = cloud
                    .queue(name)
                    .ok()
                    .filter(|q| q.arn() == target)
                    .ok_or_else(|| SnsFault::invalid(format!("dead-letter queue {target} does not exist")))?;
                sub = sub.dead_letter_queue(&q);
            }
            "DeliveryPolicy" => later.push((k.clone(), v.clone())),
            other => return Err(SnsFault::invalid(format!("attribute {other} is not valid for a subscription"))),
        }
    }
    let arn = topic.subscribe(sub)?;
    for (k, v) in later {
        topic.set_subscription_attribute(&arn, &k, &v)?;
    }
    let mut x = Xml::new();
    x.text("SubscriptionArn", arn.as_str());
    Ok(x.into_string())
}

pub(crate) fn unsubscribe(cloud: &Cloud, f: &Form) -> Reply {
    let arn = required(f, "SubscriptionArn")?;
    let topic = topic_of_subscription(cloud, arn)?;
    let arn = sub_arn(&topic, arn)?;
    topic.unsubscribe(&arn)?;
    Ok(String::new())
}

/// Pages of 100, `NextToken` being the last subscription ARN returned.
pub(crate) fn list_subscriptions(cloud: &Cloud, f: &Form, topic: Option<Topic>) -> Reply {
    let topics = match topic {
        Some(t) => vec![t],
        None => cloud.list_topics(),
    };
    let mut rows: Vec<(String, String, String)> = topics
        .iter()
        .flat_map(|t| {
            t.subscriptions()
                .into_iter()
                .map(|s| (s.arn().as_str().to_owned(), s.endpoint().to_owned(), t.arn().to_owned()))
        })
        .collect();
    rows.sort();
    let after = f.get("NextToken").unwrap_or_default();
    let rest: Vec<_> = rows.into_iter().filter(|r| after.is_empty() || r.0.as_str() > after).collect();
    let owner = cloud.account_id().to_owned();
    let mut x = Xml::new();
    x.open("Subscriptions");
    for (arn, endpoint, topic) in rest.iter().take(100) {
        let protocol = if endpoint.starts_with("arn:aws:sqs:") { "sqs" } else { "application" };
        x.open("member")
            .text("SubscriptionArn", arn)
            .text("Owner", &owner)
            .text("Protocol", protocol)
            .text("Endpoint", endpoint)
            .text("TopicArn", topic)
            .close("member");
    }
    x.close("Subscriptions");
    if rest.len() > 100 {
        x.text("NextToken", &rest[99].0);
    }
    Ok(x.into_string())
}

pub(crate) fn get_subscription_attributes(cloud: &Cloud, f: &Form) -> Reply {
    let arn = required(f, "SubscriptionArn")?;
    let topic = topic_of_subscription(cloud, arn)?;
    let attrs = topic.subscription_attributes(&sub_arn(&topic, arn)?)?;
    let mut x = Xml::new();
    x.map("Attributes", &attrs);
    Ok(x.into_string())
}

pub(crate) fn set_subscription_attributes(cloud: &Cloud, f: &Form) -> Reply {
    let arn = required(f, "SubscriptionArn")?;
    let topic = topic_of_subscription(cloud, arn)?;
    let name = required(f, "AttributeName")?;
    topic.set_subscription_attribute(&sub_arn(&topic, arn)?, name, f.get("AttributeValue").unwrap_or_default())?;
    Ok(String::new())
}
