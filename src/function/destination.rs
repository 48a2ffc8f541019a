//! Where the outcome of an asynchronous invoke goes: [`Destination`]s (queue, topic,
//! function) with AWS's invocation record, and dead-letter targets with the raw event.

use bytes::Bytes;
use serde_json::{json, Value};

use super::invoke::{Invocation, RequestId};
use super::Function;
use crate::clock::Timestamp;
use crate::message::AttributeValue;
use crate::queue::{OutgoingMessage, Queue};
use crate::topic::{Publish, Topic};

/// A target for the outcome of asynchronous invokes (on success, on failure) or for
/// failed events (a function's dead-letter target: queue or topic only).
///
/// ```
/// # use localcloud::{Cloud, QueueConfig};
/// use localcloud::function::Destination;
/// let cloud = Cloud::builder().manual_clock().build();
/// let q = cloud.create_queue("failures", QueueConfig::default())?;
/// assert_eq!(Destination::queue(&q).arn(), q.arn());
/// # Ok::<(), localcloud::Error>(())
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum Destination {
    /// A queue: the record (or event) is sent as a message.
    Queue(Queue),
    /// A topic: the record (or event) is published.
    Topic(Topic),
    /// A function: the record is invoked asynchronously.
    Function(Function),
}

impl Destination {
    /// A queue destination.
    pub fn queue(q: &Queue) -> Self {
        Destination::Queue(q.clone())
    }

    /// A topic destination.
    pub fn topic(t: &Topic) -> Self {
        Destination::Topic(t.clone())
    }

    /// A function destination.
    pub fn function(f: &Function) -> Self {
        Destination::Function(f.clone())
    }

    /// The target's ARN.
    pub fn arn(&self) -> String {
        match self {
            Destination::Queue(q) => q.arn().to_owned(),
            Destination::Topic(t) => t.arn().to_owned(),
            Destination::Function(f) => f.qualified_arn(),
        }
    }

    fn service(&self) -> (&'static str, String) {
        match self {
            Destination::Queue(q) => ("sqs", q.name().to_owned()),
            Destination::Topic(t) => ("sns", t.name().to_owned()),
            Destination::Function(f) => ("lambda", f.name().to_owned()),
        }
    }

    /// Sends `body` (with `attributes` where the target has attributes).
    pub(crate) fn deliver(&self, body: Bytes, attributes: &[(&str, String)]) -> Result<(), String> {
        match self {
            Destination::Queue(q) => {
                let mut m = OutgoingMessage::new(body);
                for (k, v) in attributes {
                    m = m.attribute(*k, AttributeValue::string(v.clone()));
                }
                q.send_message(m).map(|_| ()).map_err(|e| e.to_string())
            }
            Destination::Topic(t) => {
                let mut p = Publish::new(body);
                for (k, v) in attributes {
                    p = p.attribute(*k, AttributeValue::string(v.clone()));
                }
                t.publish(p).map(|_| ()).map_err(|e| e.to_string())
            }
            Destination::Function(f) => f.invoke_with(Invocation::event(body)).map(|_| ()).map_err(|e| e.to_string()),
        }
    }

    pub(crate) fn peer(&self) -> (&'static str, String) {
        self.service()
    }
}

/// Why an asynchronous invoke ended where it did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Condition {
    Success,
    RetriesExhausted,
    EventAgeExceeded,
}

impl Condition {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Condition::Success => "Success",
            Condition::RetriesExhausted => "RetriesExhausted",
            Condition::EventAgeExceeded => "EventAgeExceeded",
        }
    }
}

/// A payload as JSON when it is JSON, else as a string.
fn as_json(p: &[u8]) -> Value {
    serde_json::from_slice(p).unwrap_or_else(|_| Value::String(String::from_utf8_lossy(p).into_owned()))
}

/// The last run of an event, for its record.
pub(crate) struct LastRun<'a> {
    pub(crate) version: super::VersionId,
    pub(crate) function_error: Option<&'static str>,
    pub(crate) payload: &'a [u8],
}

/// AWS's invocation record for destinations.
pub(crate) fn record(
    now: Timestamp,
    request_id: RequestId,
    function_arn: &str,
    condition: Condition,
    invoke_count: u32,
    request: &[u8],
    last: Option<LastRun<'_>>,
) -> Bytes {
    let mut v = json!({
        "version": "1.0",
        "timestamp": now.to_string(),
        "requestContext": {
            "requestId": request_id.to_string(),
            "functionArn": function_arn,
            "condition": condition.as_str(),
            "approximateInvokeCount": invoke_count,
        },
        "requestPayload": as_json(request),
    });
    if let Some(last) = last {
        let mut rc = json!({ "statusCode": 200, "executedVersion": last.version.to_string() });
        if let Some(e) = last.function_error {
            rc["functionError"] = json!(e);
        }
        v["responseContext"] = rc;
        v["responsePayload"] = if last.payload.is_empty() { Value::Null } else { as_json(last.payload) };
    }
    Bytes::from(v.to_string())
}
