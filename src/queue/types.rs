//! The values that go in and out of a queue: outgoing messages, receipts, received
//! messages, receipt handles, receive options and stats.

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;

use super::QueueError;
use crate::clock::Timestamp;
use crate::message::{AttributeValue, Md5Digest, MessageAttributes, MessageId};

/// A message to send: body plus optional delay, attributes and FIFO ids.
///
/// ```
/// use localcloud::{AttributeValue, OutgoingMessage};
/// use std::time::Duration;
/// let m = OutgoingMessage::new("hello")
///     .delay(Duration::from_secs(5))
///     .attribute("kind", AttributeValue::string("greeting"));
/// assert_eq!(m.body(), "hello");
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct OutgoingMessage {
    pub(crate) body: Bytes,
    pub(crate) delay: Option<Duration>,
    pub(crate) attributes: MessageAttributes,
    pub(crate) group_id: Option<String>,
    pub(crate) deduplication_id: Option<String>,
}

impl OutgoingMessage {
    /// A message with this body (UTF-8 text; `&'static str` and `String` convert without copying).
    pub fn new(body: impl Into<Bytes>) -> Self {
        OutgoingMessage { body: body.into(), ..Self::default() }
    }

    /// Delays this message (whole seconds, 0–15 min), overriding the queue's delay. On
    /// FIFO queues only a zero delay is accepted (the queue's delay applies).
    pub fn delay(mut self, d: Duration) -> Self {
        self.delay = Some(d);
        self
    }

    /// Adds a message attribute.
    pub fn attribute(mut self, name: impl Into<String>, value: AttributeValue) -> Self {
        self.attributes.insert(name, value);
        self
    }

    /// Replaces all message attributes.
    pub fn attributes(mut self, attributes: MessageAttributes) -> Self {
        self.attributes = attributes;
        self
    }

    /// The message group (required on FIFO queues; optional on standard queues).
    pub fn group_id(mut self, id: impl Into<String>) -> Self {
        self.group_id = Some(id.into());
        self
    }

    /// The deduplication id (FIFO queues).
    pub fn deduplication_id(mut self, id: impl Into<String>) -> Self {
        self.deduplication_id = Some(id.into());
        self
    }

    /// The body.
    pub fn body(&self) -> &Bytes {
        &self.body
    }

    /// Body plus attribute bytes: what counts against the size limits.
    pub fn size(&self) -> usize {
        self.body.len() + self.attributes.size()
    }
}

impl<T: Into<Bytes>> From<T> for OutgoingMessage {
    fn from(body: T) -> Self {
        OutgoingMessage::new(body)
    }
}

/// What a successful send returns.
#[derive(Clone)]
pub struct SendReceipt {
    pub(crate) message_id: MessageId,
    pub(crate) body: Bytes,
    pub(crate) attributes: Option<Arc<super::state::Extra>>,
    pub(crate) sequence_number: Option<u128>,
}

impl SendReceipt {
    /// The message id (for a FIFO duplicate: the original message's id).
    pub fn message_id(&self) -> MessageId {
        self.message_id
    }

    /// The MD5 of the body, computed on request.
    pub fn md5_of_body(&self) -> Md5Digest {
        Md5Digest::of(&self.body)
    }

    /// The MD5 of the message attributes, or `None` when there are none.
    pub fn md5_of_message_attributes(&self) -> Option<Md5Digest> {
        self.attributes.as_ref().and_then(|e| e.attributes.md5())
    }

    /// FIFO queues: the message's sequence number.
    pub fn sequence_number(&self) -> Option<u128> {
        self.sequence_number
    }
}

impl fmt::Debug for SendReceipt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SendReceipt")
            .field("message_id", &self.message_id)
            .field("sequence_number", &self.sequence_number)
            .finish()
    }
}

/// How to receive: how many messages, how long to wait, visibility for this receive.
///
/// ```
/// use localcloud::ReceiveOptions;
/// use std::time::Duration;
/// let opts = ReceiveOptions::new().max_messages(10).wait(Duration::from_secs(20));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReceiveOptions {
    pub(crate) max_messages: u32,
    pub(crate) wait: Option<Duration>,
    pub(crate) visibility_timeout: Option<Duration>,
    pub(crate) attempt_id: Option<String>,
}

impl Default for ReceiveOptions {
    /// Same as [`ReceiveOptions::new`]: one message.
    fn default() -> Self {
        ReceiveOptions::new()
    }
}

impl ReceiveOptions {
    /// One message, the queue's default wait and visibility timeout.
    pub fn new() -> Self {
        ReceiveOptions { max_messages: 1, wait: None, visibility_timeout: None, attempt_id: None }
    }

    /// At most this many messages (1–10).
    pub fn max_messages(mut self, n: u32) -> Self {
        self.max_messages = n;
        self
    }

    /// Long poll: wait up to `d` (0–20 s) for a message.
    ///
    /// On a [`ManualClock`](crate::ManualClock) a non-zero wait blocks until another
    /// thread sends, changes a visibility or advances the clock: called from the only
    /// thread that drives the clock, it never returns. Park the receive on a consumer
    /// thread, wait until [`Queue::waiting_receives`](crate::Queue::waiting_receives)
    /// reports it, then advance the clock (the crate tutorial shows this).
    pub fn wait(mut self, d: Duration) -> Self {
        self.wait = Some(d);
        self
    }

    /// Visibility timeout for the messages of this receive only (whole seconds, 0–12 h).
    pub fn visibility_timeout(mut self, d: Duration) -> Self {
        self.visibility_timeout = Some(d);
        self
    }

    /// FIFO: a receive request attempt id (≤128 characters). Retrying a receive with
    /// the same id within 5 minutes returns the same messages and receipt handles, and
    /// hides them for a fresh visibility timeout from the retry.
    pub fn attempt_id(mut self, id: impl Into<String>) -> Self {
        self.attempt_id = Some(id.into());
        self
    }
}

/// Proof of one receive of one message; needed to delete it or change its visibility.
///
/// Tied to its queue, unguessable, and new for every receive. `Display` gives the
/// opaque text form and [`FromStr`] reads it back.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct ReceiptHandle {
    pub(crate) queue: u32,
    pub(crate) epoch: u32,
    pub(crate) slot: u32,
    pub(crate) count: u32,
    pub(crate) seq: u64,
    pub(crate) tag: u64,
}

impl fmt::Display for ReceiptHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:08x}{:08x}{:08x}{:08x}{:016x}{:016x}",
            self.queue, self.epoch, self.slot, self.count, self.seq, self.tag
        )
    }
}

impl fmt::Debug for ReceiptHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ReceiptHandle({self})")
    }
}

impl FromStr for ReceiptHandle {
    type Err = QueueError;

    fn from_str(s: &str) -> Result<Self, QueueError> {
        let bad = || QueueError::ReceiptHandleIsInvalid(format!("{s:?} is not a receipt handle"));
        if s.len() != 64 || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(bad());
        }
        let h32 = |r: std::ops::Range<usize>| u32::from_str_radix(&s[r], 16).map_err(|_| bad());
        let h64 = |r: std::ops::Range<usize>| u64::from_str_radix(&s[r], 16).map_err(|_| bad());
        Ok(ReceiptHandle {
            queue: h32(0..8)?,
            epoch: h32(8..16)?,
            slot: h32(16..24)?,
            count: h32(24..32)?,
            seq: h64(32..48)?,
            tag: h64(48..64)?,
        })
    }
}

/// Attributes SQS keeps about a message.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct SystemAttributes {
    /// How many times the message has been received, this receive included.
    pub approximate_receive_count: u32,
    /// When the message was first received.
    pub approximate_first_receive_timestamp: Timestamp,
    /// When the message was sent.
    pub sent_timestamp: Timestamp,
    /// Who sent it (the account id).
    pub sender_id: String,
    /// The message group, if any.
    pub message_group_id: Option<String>,
    /// FIFO: the deduplication id (given or content-based).
    pub message_deduplication_id: Option<String>,
    /// FIFO: the sequence number.
    pub sequence_number: Option<u128>,
    /// The ARN of the queue this message was moved from, if it went through a redrive.
    pub dead_letter_queue_source_arn: Option<String>,
}

/// A message as a receive returns it.
#[derive(Clone)]
pub struct ReceivedMessage {
    pub(crate) body: Bytes,
    pub(crate) message_id: MessageId,
    pub(crate) receipt_handle: ReceiptHandle,
    pub(crate) receive_count: u32,
    pub(crate) sent_at: Timestamp,
    pub(crate) first_receive: Timestamp,
    pub(crate) extra: Option<Arc<super::state::Extra>>,
    pub(crate) sender_id: Arc<str>,
}

static NO_ATTRIBUTES: std::sync::OnceLock<MessageAttributes> = std::sync::OnceLock::new();

impl ReceivedMessage {
    /// The body bytes (shared, not copied).
    pub fn body(&self) -> &Bytes {
        &self.body
    }

    /// The body as text (queues only accept UTF-8 bodies).
    pub fn body_str(&self) -> &str {
        std::str::from_utf8(&self.body).unwrap_or_default()
    }

    /// The message id, the same on every receive and after a move to a DLQ.
    pub fn message_id(&self) -> MessageId {
        self.message_id
    }

    /// The receipt handle of this receive.
    pub fn receipt_handle(&self) -> &ReceiptHandle {
        &self.receipt_handle
    }

    /// How many times the message has been received, this receive included.
    pub fn receive_count(&self) -> u32 {
        self.receive_count
    }

    /// The message attributes.
    pub fn attributes(&self) -> &MessageAttributes {
        match &self.extra {
            Some(e) => &e.attributes,
            None => NO_ATTRIBUTES.get_or_init(MessageAttributes::new),
        }
    }

    /// When the message was sent.
    pub fn sent_at(&self) -> Timestamp {
        self.sent_at
    }

    /// The message group, if any.
    pub fn group_id(&self) -> Option<&str> {
        self.extra.as_ref().and_then(|e| e.group_id.as_deref())
    }

    /// FIFO: the sequence number.
    pub fn sequence_number(&self) -> Option<u128> {
        self.extra.as_ref().and_then(|e| e.sequence_number)
    }

    /// The MD5 of the body, computed on request.
    pub fn md5_of_body(&self) -> Md5Digest {
        Md5Digest::of(&self.body)
    }

    /// The MD5 of the message attributes, or `None` when there are none.
    pub fn md5_of_attributes(&self) -> Option<Md5Digest> {
        self.attributes().md5()
    }

    /// The system attributes: receive count, timestamps, sender, FIFO ids, DLQ source.
    pub fn system_attributes(&self) -> SystemAttributes {
        let e = self.extra.as_deref();
        SystemAttributes {
            approximate_receive_count: self.receive_count,
            approximate_first_receive_timestamp: self.first_receive,
            sent_timestamp: self.sent_at,
            sender_id: self.sender_id.to_string(),
            message_group_id: e.and_then(|e| e.group_id.as_deref().map(str::to_owned)),
            message_deduplication_id: e.and_then(|e| e.dedup_id.as_deref().map(str::to_owned)),
            sequence_number: e.and_then(|e| e.sequence_number),
            dead_letter_queue_source_arn: e.and_then(|e| e.dlq_source_arn.as_deref().map(str::to_owned)),
        }
    }
}

impl fmt::Debug for ReceivedMessage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReceivedMessage")
            .field("message_id", &self.message_id)
            .field("body", &self.body)
            .field("receive_count", &self.receive_count)
            .field("receipt_handle", &self.receipt_handle)
            .finish()
    }
}

/// Exact counts of a queue's messages, and its timestamps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct QueueStats {
    /// Messages that a receive could return now.
    pub visible: usize,
    /// Messages received and not yet deleted or expired (not visible).
    pub in_flight: usize,
    /// Messages waiting out a delay.
    pub delayed: usize,
    /// When the queue was created.
    pub created_at: Timestamp,
    /// When its configuration last changed.
    pub modified_at: Timestamp,
}

impl QueueStats {
    /// Every message the queue holds.
    pub fn total(&self) -> usize {
        self.visible + self.in_flight + self.delayed
    }
}
