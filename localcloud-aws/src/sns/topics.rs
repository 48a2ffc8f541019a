//! Topics: create, delete, list, attributes and tags.

use localcloud::{Cloud, TopicConfig};

use super::{required, topic_at, Reply, SnsFault};
use crate::protocol::query::{Form, Xml};

pub(crate) fn create_topic(cloud: &Cloud, f: &Form) -> Reply {
    let name = required(f, "Name")?;
    let attrs = f.map("Attributes", "key", "value");
    let fifo = attrs.get("FifoTopic").is_some_and(|v| v == "true");
    let mut config = if fifo { TopicConfig::fifo() } else { TopicConfig::standard() };
    if let Some(v) = attrs.get("ContentBasedDeduplication") {
        config = config.content_based_deduplication(v == "true");
    }
    let topic = cloud.create_topic(name, config)?;
    for (k, v) in &attrs {
        if k != "FifoTopic" && k != "ContentBasedDeduplication" {
            topic.set_attribute(k, v)?;
        }
    }
    let tags: Vec<(String, String)> = f
        .structs("Tags")
        .iter()
        .map(|t| Ok((required(t, "Key")?.to_owned(), t.get("Value").unwrap_or_default().to_owned())))
        .collect::<Result<_, SnsFault>>()?;
    if !tags.is_empty() {
        topic.tag(tags)?;
    }
    let mut x = Xml::new();
    x.text("TopicArn", topic.arn());
    Ok(x.into_string())
}

pub(crate) fn delete_topic(cloud: &Cloud, f: &Form) -> Reply {
    let arn = required(f, "TopicArn")?;
    // Deleting a topic that does not exist succeeds, as SNS answers.
    if let Ok(t) = topic_at(cloud, arn) {
        cloud.delete_topic(t.name())?;
    }
    Ok(String::new())
}

/// Pages of 100, `NextToken` being the last ARN returned.
pub(crate) fn list_topics(cloud: &Cloud, f: &Form) -> Reply {
    let mut arns: Vec<String> = cloud.list_topics().iter().map(|t| t.arn().to_owned()).collect();
    arns.sort();
    let after = f.get("NextToken").unwrap_or_default();
    let rest: Vec<_> = arns.into_iter().filter(|a| after.is_empty() || a.as_str() > after).collect();
    let mut x = Xml::new();
    x.open("Topics");
    for a in rest.iter().take(100) {
        x.open("member").text("TopicArn", a).close("member");
    }
    x.close("Topics");
    if rest.len() > 100 {
        x.text("NextToken", &rest[99]);
    }
    Ok(x.into_string())
}

pub(crate) fn get_topic_attributes(cloud: &Cloud, f: &Form) -> Reply {
    let t = topic_at(cloud, required(f, "TopicArn")?)?;
    let mut x = Xml::new();
    x.map("Attributes", &t.attributes()?);
    Ok(x.into_string())
}

pub(crate) fn set_topic_attributes(cloud: &Cloud, f: &Form) -> Reply {
    let t = topic_at(cloud, required(f, "TopicArn")?)?;
    t.set_attribute(required(f, "AttributeName")?, f.get("AttributeValue").unwrap_or_default())?;
    Ok(String::new())
}

fn resource(cloud: &Cloud, f: &Form) -> Result<localcloud::Topic, SnsFault> {
    let arn = required(f, "ResourceArn")?;
    topic_at(cloud, arn).map_err(|_| SnsFault::new(404, "ResourceNotFound", format!("resource {arn} does not exist")))
}

pub(crate) fn tag_resource(cloud: &Cloud, f: &Form) -> Reply {
    let t = resource(cloud, f)?;
    let tags: Vec<(String, String)> = f
        .structs("Tags")
        .iter()
        .map(|t| Ok((required(t, "Key")?.to_owned(), t.get("Value").unwrap_or_default().to_owned())))
        .collect::<Result<_, SnsFault>>()?;
    if tags.is_empty() {
        return Err(SnsFault::invalid("the request must contain the parameter Tags"));
    }
    t.tag(tags).map_err(|e| SnsFault::new(400, "TagLimitExceeded", e.to_string()))?;
    Ok(String::new())
}

pub(crate) fn untag_resource(cloud: &Cloud, f: &Form) -> Reply {
    let t = resource(cloud, f)?;
    let keys = f.list("TagKeys");
    t.untag(keys.iter().map(String::as_str))?;
    Ok(String::new())
}

pub(crate) fn list_tags_for_resource(cloud: &Cloud, f: &Form) -> Reply {
    let t = resource(cloud, f)?;
    let mut x = Xml::new();
    x.open("Tags");
    for (k, v) in t.tags()? {
        x.open("member").text("Key", &k).text("Value", &v).close("member");
    }
    x.close("Tags");
    Ok(x.into_string())
}
