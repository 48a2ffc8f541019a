//! SNS on the query protocol: form-encoded POSTs (`Action=Publish&...`), XML answers
//! and XML errors in AWS's shapes.

mod publish;
mod subscriptions;
mod topics;

use localcloud::{Cloud, Topic, TopicError};

use crate::protocol::query::{self, Form};
use crate::protocol::WireResponse;

/// What an SNS action answers: the inner XML of its `<ActionResult>`, or an error.
pub(crate) type Reply = Result<String, SnsFault>;

/// An SNS error on the wire.
#[derive(Debug, Clone)]
pub(crate) struct SnsFault {
    status: u16,
    code: String,
    message: String,
}

impl SnsFault {
    pub(crate) fn new(status: u16, code: &str, message: impl Into<String>) -> Self {
        SnsFault { status, code: code.to_owned(), message: message.into() }
    }

    pub(crate) fn invalid(message: impl Into<String>) -> Self {
        SnsFault::new(400, "InvalidParameter", message)
    }
}

impl From<TopicError> for SnsFault {
    fn from(e: TopicError) -> Self {
        let status = if e.code() == "NotFound" { 404 } else { 400 };
        SnsFault::new(status, e.code(), e.to_string())
    }
}

/// Answers one SNS request.
pub(crate) fn handle(cloud: &Cloud, body: &[u8]) -> WireResponse {
    let rid = query::request_id(body);
    let Some(form) = Form::parse(body) else {
        return query::error(400, "InvalidParameter", "the request body is not a UTF-8 form", &rid);
    };
    let Some(action) = form.get("Action").map(str::to_owned) else {
        return query::error(400, "MissingAction", "the request must contain the parameter Action", &rid);
    };
    match dispatch(cloud, &action, &form) {
        Ok(inner) => query::ok(&action, &inner, &rid),
        Err(f) => query::error(f.status, &f.code, &f.message, &rid),
    }
}

fn dispatch(cloud: &Cloud, action: &str, f: &Form) -> Reply {
    match action {
        "CreateTopic" => topics::create_topic(cloud, f),
        "DeleteTopic" => topics::delete_topic(cloud, f),
        "ListTopics" => topics::list_topics(cloud, f),
        "GetTopicAttributes" => topics::get_topic_attributes(cloud, f),
        "SetTopicAttributes" => topics::set_topic_attributes(cloud, f),
        "TagResource" => topics::tag_resource(cloud, f),
        "UntagResource" => topics::untag_resource(cloud, f),
        "ListTagsForResource" => topics::list_tags_for_resource(cloud, f),
        "Subscribe" => subscriptions::subscribe(cloud, f),
        "Unsubscribe" => subscriptions::unsubscribe(cloud, f),
        "ListSubscriptions" => subscriptions::list_subscriptions(cloud, f, None),
        "ListSubscriptionsByTopic" => {
            let topic = topic_at(cloud, required(f, "TopicArn")?)?;
            subscriptions::list_subscriptions(cloud, f, Some(topic))
        }
        "GetSubscriptionAttributes" => subscriptions::get_subscription_attributes(cloud, f),
        "SetSubscriptionAttributes" => subscriptions::set_subscription_attributes(cloud, f),
        "Publish" => publish::publish(cloud, f),
        "PublishBatch" => publish::publish_batch(cloud, f),
        other => {
            Err(SnsFault::new(400, "InvalidAction", format!("the action {other:?} is not valid for this endpoint")))
        }
    }
}

/// A required parameter.
pub(crate) fn required<'a>(f: &'a Form, name: &str) -> Result<&'a str, SnsFault> {
    f.get(name).ok_or_else(|| SnsFault::invalid(format!("the request must contain the parameter {name}")))
}

/// The topic an ARN names in this cloud.
pub(crate) fn topic_at(cloud: &Cloud, arn: &str) -> Result<Topic, SnsFault> {
    let name = arn.rsplit(':').next().unwrap_or_default();
    match cloud.topic(name) {
        Ok(t) if t.arn() == arn => Ok(t),
        _ => Err(SnsFault::new(404, "NotFound", format!("topic {arn} does not exist"))),
    }
}
