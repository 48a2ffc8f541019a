//! Publishing: the [`Publish`] request, its validation, receipts and batches.

use std::fmt;
use std::sync::Arc;

use bytes::Bytes;

use super::config::{MAX_PUBLISH_SIZE, MAX_SUBJECT_CHARS};
use super::subscription::Protocol;
use super::{Counters, Topic, TopicError};
use crate::clock::Timestamp;
use crate::message::{content_deduplication_id, is_valid_fifo_id, AttributeValue, MessageAttributes, MessageId};
use crate::queue::{check_batch_entries, BatchEntry, BatchResultErrorEntry};

/// A message to publish: body plus optional subject, attributes, message structure
/// and FIFO ids.
///
/// ```
/// use localcloud::{AttributeValue, Publish};
/// let p = Publish::new("invoice 7")
///     .subject("New invoice")
///     .attribute("total", AttributeValue::number("120.50"));
/// assert_eq!(p.body(), "invoice 7");
/// let per_protocol = Publish::new(r#"{"default": "hi", "sqs": "hi, queue"}"#).message_structure_json();
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Publish {
    pub(crate) body: Bytes,
    pub(crate) subject: Option<String>,
    pub(crate) attributes: MessageAttributes,
    pub(crate) structure_json: bool,
    pub(crate) group_id: Option<String>,
    pub(crate) deduplication_id: Option<String>,
}

impl Publish {
    /// A message with this body (UTF-8 text; `&'static str` and `String` convert
    /// without copying). Subscribers share these bytes: fan-out copies nothing.
    pub fn new(body: impl Into<Bytes>) -> Self {
        Publish { body: body.into(), ..Self::default() }
    }

    /// The subject: fewer than 100 characters, no line breaks or control characters.
    pub fn subject(mut self, s: impl Into<String>) -> Self {
        self.subject = Some(s.into());
        self
    }

    /// Adds a message attribute (String, String.Array, Number or Binary).
    pub fn attribute(mut self, name: impl Into<String>, value: AttributeValue) -> Self {
        self.attributes.insert(name, value);
        self
    }

    /// Replaces all message attributes.
    pub fn attributes(mut self, attributes: MessageAttributes) -> Self {
        self.attributes = attributes;
        self
    }

    /// The body is a JSON object of per-protocol messages: `default` (required),
    /// `sqs` for queue subscriptions, `lambda` for functions, `http` for callbacks. A
    /// per-protocol value that is not a string is ignored (that protocol gets
    /// `default`). Attributes still drive filter policies but are not delivered in
    /// this mode.
    pub fn message_structure_json(mut self) -> Self {
        self.structure_json = true;
        self
    }

    /// The message group: required on FIFO topics; optional on standard topics,
    /// where it is carried to the queue messages the topic delivers.
    pub fn group_id(mut self, id: impl Into<String>) -> Self {
        self.group_id = Some(id.into());
        self
    }

    /// FIFO topics: the deduplication id (needed unless content-based deduplication is on).
    pub fn deduplication_id(mut self, id: impl Into<String>) -> Self {
        self.deduplication_id = Some(id.into());
        self
    }

    /// The body.
    pub fn body(&self) -> &Bytes {
        &self.body
    }

    /// Body plus attribute bytes: what counts against the 256 KiB limit.
    pub fn size(&self) -> usize {
        self.body.len() + self.attributes.size()
    }
}

impl<T: Into<Bytes>> From<T> for Publish {
    fn from(body: T) -> Self {
        Publish::new(body)
    }
}

/// What a successful publish returns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PublishReceipt {
    pub(crate) message_id: MessageId,
    pub(crate) sequence_number: Option<u128>,
}

impl PublishReceipt {
    /// The message id every subscriber sees (for a FIFO duplicate: the original's).
    pub fn message_id(&self) -> MessageId {
        self.message_id
    }

    /// FIFO topics: the message's sequence number.
    pub fn sequence_number(&self) -> Option<u128> {
        self.sequence_number
    }
}

/// The outcome of [`Topic::publish_batch`]: each entry either succeeded or failed.
#[derive(Clone, Debug, Default)]
pub struct PublishBatchResult {
    successful: Vec<(String, PublishReceipt)>,
    failed: Vec<BatchResultErrorEntry>,
}

impl PublishBatchResult {
    /// Entries that succeeded, in request order, with their receipts.
    pub fn successful(&self) -> &[(String, PublishReceipt)] {
        &self.successful
    }

    /// Entries that failed, in request order.
    pub fn failed(&self) -> &[BatchResultErrorEntry] {
        &self.failed
    }
}

/// Per-protocol messages of a `message_structure_json` publish.
pub(crate) struct Structure {
    default: Bytes,
    sqs: Option<Bytes>,
    lambda: Option<Bytes>,
    http: Option<Bytes>,
}

/// A message accepted by a topic, shared by every delivery of it.
pub(crate) struct Published {
    pub(crate) id: MessageId,
    pub(crate) topic_arn: Arc<str>,
    pub(crate) body: Bytes,
    pub(crate) subject: Option<String>,
    pub(crate) attributes: MessageAttributes,
    pub(crate) structure: Option<Structure>,
    pub(crate) timestamp: Timestamp,
    pub(crate) group_id: Option<Arc<str>>,
    pub(crate) dedup_id: Option<Arc<str>>,
    pub(crate) sequence_number: Option<u128>,
}

impl Published {
    /// The message text for a protocol: the body, or its structured override.
    pub(crate) fn text(&self, protocol: Protocol) -> &Bytes {
        match &self.structure {
            None => &self.body,
            Some(s) => match protocol {
                Protocol::Sqs => s.sqs.as_ref().unwrap_or(&s.default),
                Protocol::Lambda => s.lambda.as_ref().unwrap_or(&s.default),
                Protocol::Callback => s.http.as_ref().unwrap_or(&s.default),
            },
        }
    }

    /// The attributes deliveries carry (none with a message structure).
    pub(crate) fn delivered_attributes(&self) -> Option<&MessageAttributes> {
        (self.structure.is_none() && !self.attributes.is_empty()).then_some(&self.attributes)
    }
}

impl fmt::Debug for Published {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Published").field("id", &self.id).field("topic_arn", &self.topic_arn).finish()
    }
}

/// A validated publish, before it gets an id.
pub(crate) struct Checked {
    pub(crate) publish: Publish,
    pub(crate) structure: Option<Structure>,
    /// FIFO: the deduplication id, given or content-based.
    pub(crate) dedup_id: Option<String>,
}

impl Topic {
    /// Publishes a message to every matching subscription. Queue subscriptions
    /// receive it before this returns; callbacks run on the scheduler.
    ///
    /// Errors: `InvalidParameter` (empty or oversized message, bad subject, message
    /// structure or FIFO ids), `ParameterValueInvalid` (an attribute with an empty or
    /// reserved name, an unknown type or an empty or ill-formed value), `NotFound`
    /// for a deleted topic.
    /// On a FIFO topic a duplicate within five minutes succeeds, returns the original
    /// message id and delivers nothing.
    pub fn publish(&self, publish: impl Into<Publish>) -> Result<PublishReceipt, TopicError> {
        self.check_exists()?;
        let checked = self.check(publish.into()).map_err(|r| r.error)?;
        Ok(self.accept(checked))
    }

    /// Publishes up to ten messages. FIFO topics keep entry order.
    ///
    /// Most entry errors fail that entry alone. These fail the whole request, and
    /// nothing is published: an entry with a bad attribute (`ParameterValueInvalid`),
    /// an entry of a FIFO topic without a group id or (without content-based
    /// deduplication) a deduplication id, or a structured entry without a string
    /// `"default"` (`InvalidParameter`).
    ///
    /// ```
    /// use localcloud::{Cloud, Publish, TopicConfig};
    /// use localcloud::queue::BatchEntry;
    /// let cloud = Cloud::builder().manual_clock().build();
    /// let t = cloud.create_topic("t", TopicConfig::default())?;
    /// let r = t.publish_batch(vec![
    ///     BatchEntry::new("a", Publish::new("one")),
    ///     BatchEntry::new("b", Publish::new("")), // empty message: fails alone
    /// ])?;
    /// assert_eq!(r.successful().len(), 1);
    /// assert_eq!(r.failed()[0].code, "InvalidParameter");
    /// # Ok::<(), localcloud::TopicError>(())
    /// ```
    pub fn publish_batch(&self, entries: Vec<BatchEntry<Publish>>) -> Result<PublishBatchResult, TopicError> {
        check_batch(&entries)?;
        self.check_exists()?;
        // Every entry is checked before any is published: some refusals fail the
        // whole request, and then nothing is published.
        let mut checked = Vec::with_capacity(entries.len());
        for entry in &entries {
            match self.check(entry.item().clone()) {
                Err(r) if r.whole_request => return Err(r.error),
                outcome => checked.push((entry.id().to_owned(), outcome)),
            }
        }
        let mut result = PublishBatchResult::default();
        for (id, outcome) in checked {
            match outcome {
                Ok(c) => result.successful.push((id, self.accept(c))),
                Err(Refusal { error: e, .. }) => result.failed.push(BatchResultErrorEntry {
                    id,
                    code: e.code(),
                    message: e.to_string(),
                    sender_fault: e.is_sender_fault(),
                }),
            }
        }
        Ok(result)
    }

    /// Gives a checked message its id (or finds its FIFO original) and fans it out.
    fn accept(&self, checked: Checked) -> PublishReceipt {
        let shared = &self.shared;
        let now = shared.clock.now();
        let size = checked.publish.size() as u64;
        let make = |id, seq, checked: Checked| {
            let Checked { publish, structure, dedup_id } = checked;
            Arc::new(Published {
                id,
                topic_arn: Arc::clone(&shared.arn),
                body: publish.body,
                subject: publish.subject,
                attributes: publish.attributes,
                structure,
                timestamp: now,
                group_id: publish.group_id.map(Arc::from),
                dedup_id: dedup_id.map(Arc::from),
                sequence_number: seq,
            })
        };
        let receipt = if shared.config.fifo {
            // Held across the fan-out: every subscriber sees publishes in one order.
            let mut fifo = shared.fifo.lock();
            let key = checked.dedup_id.clone().unwrap_or_default();
            if let Some((id, seq)) = fifo.duplicate_of(now, &key) {
                return PublishReceipt { message_id: id, sequence_number: Some(seq) };
            }
            let id = MessageId::random(&mut *shared.rng.lock());
            let seq = fifo.next_sequence();
            fifo.remember(now, key, id, seq);
            let msg = make(id, Some(seq), checked);
            self.fan_out(&msg);
            PublishReceipt { message_id: id, sequence_number: Some(seq) }
        } else {
            let id = MessageId::random(&mut *shared.rng.lock());
            let msg = make(id, None, checked);
            self.fan_out(&msg);
            PublishReceipt { message_id: id, sequence_number: None }
        };
        Counters::bump(&shared.counters.published);
        shared.counters.publish_bytes.fetch_add(size, std::sync::atomic::Ordering::Relaxed);
        receipt
    }

    /// Validates a publish against the topic; changes nothing.
    pub(crate) fn check(&self, p: Publish) -> Result<Checked, Refusal> {
        let entry = |m: String| Err(Refusal::entry(TopicError::InvalidParameter(m)));
        let request = |m: String| Err(Refusal::request(TopicError::InvalidParameter(m)));
        // Attributes first: a bad one fails a whole batch, with its own code.
        p.attributes.validate(usize::MAX, true).map_err(|m| Refusal::request(TopicError::ParameterValueInvalid(m)))?;
        let fifo = self.is_fifo();
        if fifo && p.group_id.is_none() {
            return request("a FIFO topic needs a message group id".into());
        }
        if fifo && p.deduplication_id.is_none() && !self.shared.config.content_based_deduplication {
            return request("a FIFO topic without content-based deduplication needs a deduplication id".into());
        }
        if p.body.is_empty() {
            return entry("the message must not be empty".into());
        }
        let Ok(text) = std::str::from_utf8(&p.body) else {
            return entry("the message must be UTF-8 text".into());
        };
        let structure = if p.structure_json { Some(parse_structure(text)?) } else { None };
        let size = p.size();
        if size > MAX_PUBLISH_SIZE {
            return entry(format!("the message is {size} bytes (body plus attributes); at most {MAX_PUBLISH_SIZE}"));
        }
        if let Some(s) = &p.subject {
            let chars = s.chars().count();
            if chars == 0 || chars >= MAX_SUBJECT_CHARS {
                return entry(format!("the subject must be 1 to 99 characters, got {chars}"));
            }
            if s.chars().any(char::is_control) {
                return entry("the subject may not hold line breaks or control characters".into());
            }
        }
        // A group id is welcome on a standard topic too (it travels to the queue
        // message); a deduplication id only on a FIFO topic.
        if let Some(g) = &p.group_id {
            check_fifo_id("message group id", g).map_err(Refusal::entry)?;
        }
        let dedup_id = match &p.deduplication_id {
            Some(_) if !fifo => return entry("a deduplication id is only valid on a FIFO topic".into()),
            Some(d) => {
                check_fifo_id("deduplication id", d).map_err(Refusal::entry)?;
                Some(d.clone())
            }
            None if fifo => Some(content_deduplication_id(&p.body)),
            None => None,
        };
        Ok(Checked { publish: p, structure, dedup_id })
    }
}

/// Why a publish was refused, and whether the refusal fails a whole `PublishBatch`
/// (a bad attribute, a missing FIFO id, a structure without `"default"`) or only its
/// entry.
pub(crate) struct Refusal {
    pub(crate) error: TopicError,
    pub(crate) whole_request: bool,
}

impl Refusal {
    fn entry(error: TopicError) -> Self {
        Refusal { error, whole_request: false }
    }

    fn request(error: TopicError) -> Self {
        Refusal { error, whole_request: true }
    }
}

/// Reads a `message_structure_json` body: a JSON object with a string `"default"`.
/// A per-protocol key whose value is not a string is ignored (that protocol gets
/// `"default"`), as is any key this emulator has no protocol for.
fn parse_structure(text: &str) -> Result<Structure, Refusal> {
    let invalid = |m: &str| TopicError::InvalidParameter(format!("message structure json: {m}"));
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|_| Refusal::entry(invalid("the message is not valid JSON")))?;
    let obj = value.as_object().ok_or_else(|| Refusal::entry(invalid("the message must be a JSON object")))?;
    let take = |key: &str| obj.get(key).and_then(serde_json::Value::as_str).map(|s| Bytes::from(s.to_owned()));
    let default =
        take("default").ok_or_else(|| Refusal::request(invalid("a string \"default\" message is required")))?;
    Ok(Structure { default, sqs: take("sqs"), lambda: take("lambda"), http: take("http") })
}

/// Group and deduplication ids: 1–128 printable ASCII characters.
fn check_fifo_id(what: &str, id: &str) -> Result<(), TopicError> {
    if !is_valid_fifo_id(id) {
        return Err(TopicError::InvalidParameter(format!(
            "the {what} must be 1 to 128 printable ASCII characters, got {id:?}"
        )));
    }
    Ok(())
}

/// The rules that reject a whole batch.
fn check_batch(entries: &[BatchEntry<Publish>]) -> Result<(), TopicError> {
    check_batch_entries(entries)?;
    let size: usize = entries.iter().map(|e| e.item().size()).sum();
    if size > MAX_PUBLISH_SIZE {
        return Err(TopicError::BatchRequestTooLong { size, limit: MAX_PUBLISH_SIZE });
    }
    Ok(())
}
