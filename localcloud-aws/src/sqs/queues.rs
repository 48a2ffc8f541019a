//! Queue lifecycle, listing, tags and permissions.

use localcloud::queue::QueuePermission;
use localcloud::{Cloud, QueueConfig};
use serde_json::{json, Map, Value};

use super::attributes::apply_attributes;
use super::{queue_at, Reply, SqsFault};
use crate::protocol::json::Args;

pub(crate) fn create_queue(cloud: &Cloud, a: &Args) -> Reply {
    let name = a.str("QueueName")?;
    let attrs = a.string_map("Attributes")?;
    let tags = a.string_map("tags")?;
    let fifo = attrs.get("FifoQueue").is_some_and(|v| v == "true") || name.ends_with(".fifo");
    let base = if fifo { QueueConfig::fifo() } else { QueueConfig::standard() };
    let config = apply_attributes(cloud, base, &attrs, true)?;
    let q = cloud.create_queue(name, config)?;
    if !tags.is_empty() {
        q.tag(tags)?;
    }
    Ok(json!({ "QueueUrl": q.url() }))
}

pub(crate) fn get_queue_url(cloud: &Cloud, a: &Args) -> Reply {
    let name = a.str("QueueName")?;
    if let Some(owner) = a.str_opt("QueueOwnerAWSAccountId")? {
        if owner != cloud.account_id() {
            return Err(localcloud::QueueError::QueueDoesNotExist { name: name.to_owned() }.into());
        }
    }
    Ok(json!({ "QueueUrl": cloud.queue(name)?.url() }))
}

/// A page of URLs: `NextToken` is the last name returned, `MaxResults` 1 to 1000.
fn page(urls: Vec<(String, String)>, a: &Args, urls_key: &str) -> Reply {
    let max = match a.int_opt("MaxResults")? {
        None => None,
        Some(n) if (1..=1000).contains(&n) => Some(n as usize),
        Some(n) => {
            return Err(SqsFault::new(
                "InvalidParameterValue",
                "InvalidParameterValue",
                format!("MaxResults must be 1 to 1000, got {n}"),
            ))
        }
    };
    let after = a.str_opt("NextToken")?.unwrap_or_default().to_owned();
    let rest: Vec<_> = urls.into_iter().filter(|(name, _)| after.is_empty() || *name > after).collect();
    let take = max.unwrap_or(1000).min(rest.len());
    let mut out = Map::new();
    out.insert(urls_key.to_owned(), rest[..take].iter().map(|(_, u)| Value::from(u.as_str())).collect());
    if max.is_some() && take < rest.len() {
        out.insert("NextToken".to_owned(), Value::from(rest[take - 1].0.as_str()));
    }
    Ok(Value::Object(out))
}

pub(crate) fn list_queues(cloud: &Cloud, a: &Args) -> Reply {
    let prefix = a.str_opt("QueueNamePrefix")?.unwrap_or_default();
    let mut urls: Vec<_> =
        cloud.list_queues(prefix).into_iter().map(|q| (q.name().to_owned(), q.url().to_owned())).collect();
    urls.sort();
    page(urls, a, "QueueUrls")
}

pub(crate) fn list_dead_letter_source_queues(cloud: &Cloud, a: &Args) -> Reply {
    let dlq = queue_at(cloud, a)?;
    let mut urls: Vec<_> = cloud
        .list_queues("")
        .into_iter()
        .filter(|q| q.config().get_redrive().is_some_and(|r| r.dead_letter_queue().same_queue(&dlq)))
        .map(|q| (q.name().to_owned(), q.url().to_owned()))
        .collect();
    urls.sort();
    page(urls, a, "queueUrls")
}

pub(crate) fn delete_queue(cloud: &Cloud, a: &Args) -> Reply {
    let q = queue_at(cloud, a)?;
    cloud.delete_queue(q.name())?;
    Ok(json!({}))
}

pub(crate) fn purge_queue(cloud: &Cloud, a: &Args) -> Reply {
    queue_at(cloud, a)?.purge()?;
    Ok(json!({}))
}

pub(crate) fn tag_queue(cloud: &Cloud, a: &Args) -> Reply {
    let q = queue_at(cloud, a)?;
    let tags = a.string_map("Tags")?;
    if tags.is_empty() {
        return Err(SqsFault::new("MissingParameter", "MissingParameter", "Tags must not be empty"));
    }
    q.tag(tags)?;
    Ok(json!({}))
}

pub(crate) fn untag_queue(cloud: &Cloud, a: &Args) -> Reply {
    let q = queue_at(cloud, a)?;
    let keys = a.strings("TagKeys")?;
    q.untag(keys.iter().map(String::as_str))?;
    Ok(json!({}))
}

pub(crate) fn list_queue_tags(cloud: &Cloud, a: &Args) -> Reply {
    let tags = queue_at(cloud, a)?.tags()?;
    Ok(if tags.is_empty() { json!({}) } else { json!({ "Tags": tags }) })
}

pub(crate) fn add_permission(cloud: &Cloud, a: &Args) -> Reply {
    let q = queue_at(cloud, a)?;
    let label = a.str("Label")?;
    let accounts = a.strings("AWSAccountIds")?;
    let actions = a.strings("Actions")?;
    q.add_permission(label, QueuePermission::new(accounts, actions))?;
    Ok(json!({}))
}

pub(crate) fn remove_permission(cloud: &Cloud, a: &Args) -> Reply {
    let q = queue_at(cloud, a)?;
    q.remove_permission(a.str("Label")?)?;
    Ok(json!({}))
}
