//! The JSON envelope SNS wraps a message in for non-raw deliveries, built in two
//! halves per message so each subscription only adds its unsubscribe URL.

use sha2::{Digest, Sha256};

use super::publish::Published;
use crate::codec::base64;
use crate::message::{first_invalid_body_char, AttributeType, MessageAttributes};

/// The envelope of one message for one protocol, minus the per-subscription part.
/// Messages of FIFO topics (those with a sequence number) carry no `Signature`,
/// `SignatureVersion` or `SigningCertURL`.
pub(crate) struct EnvelopeParts {
    /// `{"Type":…` up to and including `"UnsubscribeURL":`.
    head: Vec<u8>,
    /// `,"MessageAttributes":{…}}` or just `}`.
    tail: Vec<u8>,
    /// Whether a queue accepts every character (the unsubscribe URL is plain ASCII).
    sqs_safe: bool,
}

impl EnvelopeParts {
    pub(crate) fn new(msg: &Published, text: &str, signing_cert_url: &str) -> Self {
        use std::io::Write;
        // Writing to a Vec cannot fail: the results of `write!` are ignored.
        let mut head = Vec::with_capacity(text.len() + 512);
        let _ = write!(head, "{{\"Type\":\"Notification\",\"MessageId\":\"{}\"", msg.id);
        if let Some(seq) = msg.sequence_number {
            let _ = write!(head, ",\"SequenceNumber\":\"{seq}\"");
        }
        field(&mut head, "TopicArn", &msg.topic_arn);
        if let Some(subject) = &msg.subject {
            field(&mut head, "Subject", subject);
        }
        field(&mut head, "Message", text);
        let _ = write!(head, ",\"Timestamp\":\"{}\"", msg.timestamp);
        // FIFO topics do not sign their messages: no signature fields at all.
        if msg.sequence_number.is_none() {
            head.extend_from_slice(b",\"SignatureVersion\":\"1\",\"Signature\":\"");
            head.extend_from_slice(base64(&signature(msg, text)).as_bytes());
            head.push(b'"');
            field(&mut head, "SigningCertURL", signing_cert_url);
        }
        head.extend_from_slice(b",\"UnsubscribeURL\":");
        let mut tail = Vec::new();
        if msg.structure.is_none() && !msg.attributes.is_empty() {
            tail.extend_from_slice(b",\"MessageAttributes\":");
            attributes_json(&mut tail, &msg.attributes);
        }
        tail.push(b'}');
        let safe = |b: &[u8]| std::str::from_utf8(b).is_ok_and(|t| first_invalid_body_char(t).is_none());
        let sqs_safe = safe(&head) && safe(&tail);
        EnvelopeParts { head, tail, sqs_safe }
    }

    pub(crate) fn sqs_safe(&self) -> bool {
        self.sqs_safe
    }

    /// The whole envelope for a subscription whose unsubscribe URL is already a JSON
    /// string literal.
    pub(crate) fn render(&self, unsubscribe_url_json: &str) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.head.len() + unsubscribe_url_json.len() + self.tail.len());
        out.extend_from_slice(&self.head);
        out.extend_from_slice(unsubscribe_url_json.as_bytes());
        out.extend_from_slice(&self.tail);
        out
    }
}

fn field(out: &mut Vec<u8>, name: &str, value: &str) {
    out.extend_from_slice(b",\"");
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(b"\":");
    json_string(out, value);
}

pub(crate) fn json_string(out: &mut Vec<u8>, s: &str) {
    // Writing a &str to a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *out, s);
}

/// `{name: {"Type": …, "Value": …}}`; Binary values in base64.
fn attributes_json(out: &mut Vec<u8>, attrs: &MessageAttributes) {
    out.push(b'{');
    for (i, (name, v)) in attrs.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        json_string(out, name);
        out.extend_from_slice(b":{\"Type\":");
        json_string(out, v.data_type());
        out.extend_from_slice(b",\"Value\":");
        match (v.base_type(), v.as_binary()) {
            (Some(AttributeType::Binary), Some(b)) => json_string(out, &base64(b)),
            _ => json_string(out, v.as_str().unwrap_or_default()),
        }
        out.push(b'}');
    }
    out.push(b'}');
}

/// Not a verifiable signature (there is no key): a digest of the signed fields, to be
/// shown in the base64 shape subscribers expect.
fn signature(msg: &Published, text: &str) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(msg.id.as_u128().to_be_bytes());
    h.update(msg.topic_arn.as_bytes());
    h.update(msg.timestamp.as_nanos().to_be_bytes());
    h.update(text.len().to_be_bytes());
    h.finalize().into()
}
