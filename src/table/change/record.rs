//! [`ChangeRecord`]: one change of one item, in the DynamoDB Streams record shape.

use std::fmt;
use std::str::FromStr;
use std::sync::{Arc, OnceLock};

use serde_json::{json, Value};

use crate::clock::Timestamp;
use crate::table::error::TableError;
use crate::table::key::{Schema, StoreKey, StreamViewType};
use crate::table::value::{item_to_json, Item};

/// What happened to the item.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EventName {
    /// A new item (a put or an update that created it).
    Insert,
    /// An existing item changed.
    Modify,
    /// An existing item was deleted (by a request or by TTL).
    Remove,
}

impl EventName {
    /// `INSERT`, `MODIFY` or `REMOVE`.
    pub fn as_str(self) -> &'static str {
        match self {
            EventName::Insert => "INSERT",
            EventName::Modify => "MODIFY",
            EventName::Remove => "REMOVE",
        }
    }
}

/// A change record's position in its stream: increasing in write order across the
/// stream's shards.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ChangeSequenceNumber(pub(crate) u128);

impl fmt::Display for ChangeSequenceNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl FromStr for ChangeSequenceNumber {
    type Err = TableError;
    fn from_str(s: &str) -> Result<Self, TableError> {
        s.parse::<u128>()
            .map(ChangeSequenceNumber)
            .map_err(|_| TableError::validation(format!("invalid sequence number {s:?}")))
    }
}

/// Who made a change: set only for deletions by the service (TTL).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UserIdentity {
    _private: (),
}

impl UserIdentity {
    pub(crate) const SERVICE: UserIdentity = UserIdentity { _private: () };
    /// `Service`.
    pub fn kind(&self) -> &'static str {
        "Service"
    }
    /// `dynamodb.amazonaws.com`.
    pub fn principal_id(&self) -> &'static str {
        "dynamodb.amazonaws.com"
    }
}

/// One change of one item. Cheap to clone.
#[derive(Clone)]
pub struct ChangeRecord(pub(crate) Arc<RecordInner>);

/// A record's event id: 32 hex digits, kept inline (a record is retained for a day,
/// so every heap block it holds counts).
pub(crate) struct EventId([u8; 32]);

impl EventId {
    pub(crate) fn new(high: u64, low: u64) -> Self {
        let mut hex = [0u8; 32];
        for (i, digit) in hex.iter_mut().enumerate() {
            let word = if i < 16 { high } else { low };
            *digit = b"0123456789abcdef"[((word >> (60 - 4 * (i % 16))) & 0xf) as usize];
        }
        EventId(hex)
    }

    fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

pub(crate) struct RecordInner {
    pub(crate) event_id: EventId,
    pub(crate) event_name: EventName,
    pub(crate) seq: ChangeSequenceNumber,
    pub(crate) created: Timestamp,
    /// The item's key, compact; `keys` is made from it on first use.
    pub(crate) key: StoreKey,
    pub(crate) schema: Arc<Schema>,
    pub(crate) keys: OnceLock<Item>,
    pub(crate) new_image: Option<Arc<Item>>,
    pub(crate) old_image: Option<Arc<Item>>,
    pub(crate) size: usize,
    pub(crate) view: StreamViewType,
    pub(crate) region: Arc<str>,
    pub(crate) source_arn: Arc<str>,
    pub(crate) user_identity: Option<UserIdentity>,
}

impl ChangeRecord {
    /// A unique id of this record (32 hex digits).
    pub fn event_id(&self) -> &str {
        self.0.event_id.as_str()
    }
    /// INSERT, MODIFY or REMOVE.
    pub fn event_name(&self) -> EventName {
        self.0.event_name
    }
    /// The sequence number.
    pub fn sequence_number(&self) -> ChangeSequenceNumber {
        self.0.seq
    }
    /// When the change was written, on the cloud's clock.
    pub fn approximate_creation(&self) -> Timestamp {
        self.0.created
    }
    /// The item's key attributes.
    pub fn keys(&self) -> &Item {
        self.0.keys.get_or_init(|| self.0.schema.key_item(&self.0.key))
    }
    /// The item after the change (view types NEW_IMAGE and NEW_AND_OLD_IMAGES; not for REMOVE).
    pub fn new_image(&self) -> Option<&Item> {
        self.0.new_image.as_deref()
    }
    /// The item before the change (view types OLD_IMAGE and NEW_AND_OLD_IMAGES; not for INSERT).
    pub fn old_image(&self) -> Option<&Item> {
        self.0.old_image.as_deref()
    }
    /// The record's size in bytes: keys and images.
    pub fn size_bytes(&self) -> usize {
        self.0.size
    }
    /// The stream's view type.
    pub fn stream_view_type(&self) -> StreamViewType {
        self.0.view
    }
    /// The stream's ARN.
    pub fn event_source_arn(&self) -> &str {
        &self.0.source_arn
    }
    /// `Some` when the service made the change (a TTL deletion).
    pub fn user_identity(&self) -> Option<UserIdentity> {
        self.0.user_identity
    }

    /// The record as DynamoDB Streams and Lambda show it:
    /// `{"eventID", "eventName", "eventVersion": "1.1", "eventSource": "aws:dynamodb",
    /// "awsRegion", "dynamodb": {"ApproximateCreationDateTime", "Keys", "NewImage",
    /// "OldImage", "SequenceNumber", "SizeBytes", "StreamViewType"}, "eventSourceARN"}`,
    /// plus `userIdentity` for TTL deletions.
    pub fn to_json(&self) -> Value {
        let r = &*self.0;
        let mut d = serde_json::Map::new();
        d.insert("ApproximateCreationDateTime".into(), json!(r.created.as_millis() / 1000));
        // Rendered without keeping the key map, which readers seldom ask for.
        let keys = r.keys.get().map_or_else(|| item_to_json(&r.schema.key_item(&r.key)), item_to_json);
        d.insert("Keys".into(), keys);
        if let Some(n) = &r.new_image {
            d.insert("NewImage".into(), item_to_json(n));
        }
        if let Some(o) = &r.old_image {
            d.insert("OldImage".into(), item_to_json(o));
        }
        d.insert("SequenceNumber".into(), json!(r.seq.to_string()));
        d.insert("SizeBytes".into(), json!(r.size));
        d.insert("StreamViewType".into(), json!(r.view.as_str()));
        let mut v = json!({
            "eventID": r.event_id.as_str(),
            "eventName": r.event_name.as_str(),
            "eventVersion": "1.1",
            "eventSource": "aws:dynamodb",
            "awsRegion": &*r.region,
            "dynamodb": Value::Object(d),
            "eventSourceARN": &*r.source_arn,
        });
        if r.user_identity.is_some() {
            v["userIdentity"] = json!({ "type": "Service", "principalId": "dynamodb.amazonaws.com" });
        }
        v
    }
}

impl fmt::Debug for ChangeRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChangeRecord")
            .field("event_name", &self.0.event_name)
            .field("sequence_number", &self.0.seq)
            .field("keys", self.keys())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::EventId;

    #[test]
    fn an_event_id_is_both_words_in_32_lowercase_hex_digits() {
        let id = EventId::new(0x0123_4567_89ab_cdef, 0xfedc_ba98_7654_3210);
        assert_eq!(id.as_str(), "0123456789abcdeffedcba9876543210");
        assert_eq!(EventId::new(0, 1).as_str(), format!("{:016x}{:016x}", 0, 1));
    }
}
