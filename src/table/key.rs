//! Keys, the table's configuration, and name and key validation.

use std::fmt;
use std::time::Duration;

use bytes::Bytes;

use super::error::TableError;
use super::number::Number;
use super::value::{AttributeValue, Item};

/// Largest partition key value, in bytes.
pub const MAX_PARTITION_KEY_BYTES: usize = 2048;
/// Largest sort key value, in bytes.
pub const MAX_SORT_KEY_BYTES: usize = 1024;
/// How often, by default, a table's stream starts a new shard.
pub const DEFAULT_SHARD_ROLLOVER: Duration = Duration::from_secs(4 * 3600);
/// How often, by default, the TTL sweep looks for expired items.
pub const DEFAULT_TTL_SWEEP: Duration = Duration::from_secs(60);
/// Read capacity units per second a table admits by default under throttling emulation
/// (what one DynamoDB partition serves).
pub const DEFAULT_READ_CAPACITY: u32 = 3000;
/// Write capacity units per second a table admits by default under throttling emulation
/// (what one DynamoDB partition serves).
pub const DEFAULT_WRITE_CAPACITY: u32 = 1000;

/// The type of a key attribute.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ScalarType {
    /// `S`
    String,
    /// `N`
    Number,
    /// `B`
    Binary,
}

impl ScalarType {
    fn tag(self) -> &'static str {
        match self {
            ScalarType::String => "S",
            ScalarType::Number => "N",
            ScalarType::Binary => "B",
        }
    }
}

/// A key attribute: its name and scalar type.
///
/// ```
/// use localcloud::table::{Key, ScalarType};
/// assert_eq!(Key::number("ver").scalar_type(), ScalarType::Number);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Key {
    name: String,
    kind: ScalarType,
}

impl Key {
    /// A string key attribute.
    pub fn string(name: impl Into<String>) -> Self {
        Key { name: name.into(), kind: ScalarType::String }
    }
    /// A number key attribute.
    pub fn number(name: impl Into<String>) -> Self {
        Key { name: name.into(), kind: ScalarType::Number }
    }
    /// A binary key attribute.
    pub fn binary(name: impl Into<String>) -> Self {
        Key { name: name.into(), kind: ScalarType::Binary }
    }
    /// The attribute name.
    pub fn name(&self) -> &str {
        &self.name
    }
    /// The attribute type.
    pub fn scalar_type(&self) -> ScalarType {
        self.kind
    }
}

/// What a change record carries besides the keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StreamViewType {
    /// Keys only.
    KeysOnly,
    /// The item as it is after the change.
    NewImage,
    /// The item as it was before the change.
    OldImage,
    /// Both images.
    NewAndOldImages,
}

impl StreamViewType {
    /// The AWS name, such as `NEW_AND_OLD_IMAGES`.
    pub fn as_str(self) -> &'static str {
        match self {
            StreamViewType::KeysOnly => "KEYS_ONLY",
            StreamViewType::NewImage => "NEW_IMAGE",
            StreamViewType::OldImage => "OLD_IMAGE",
            StreamViewType::NewAndOldImages => "NEW_AND_OLD_IMAGES",
        }
    }
    pub(crate) fn new_image(self) -> bool {
        matches!(self, StreamViewType::NewImage | StreamViewType::NewAndOldImages)
    }
    pub(crate) fn old_image(self) -> bool {
        matches!(self, StreamViewType::OldImage | StreamViewType::NewAndOldImages)
    }
}

impl fmt::Display for StreamViewType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a table's reads are billed: DynamoDB's `ConsistentRead` choice.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum ReadConsistency {
    /// Half a read unit per started 4 KB (DynamoDB's default).
    #[default]
    Eventual,
    /// One read unit per started 4 KB (`ConsistentRead = true`).
    Strong,
}

/// A table's key schema and options, validated once by
/// [`Cloud::create_table`](crate::Cloud::create_table).
///
/// ```
/// use localcloud::table::{Key, StreamViewType, TableConfig};
/// let cfg = TableConfig::new(Key::string("id"))
///     .sort_key(Key::number("ver"))
///     .stream(StreamViewType::NewAndOldImages)
///     .ttl_attribute("expires");
/// assert_eq!(cfg.partition_key().name(), "id");
/// ```
#[derive(Clone, Debug)]
pub struct TableConfig {
    pub(crate) partition: Key,
    pub(crate) sort: Option<Key>,
    pub(crate) stream: Option<StreamViewType>,
    pub(crate) ttl_attribute: Option<String>,
    pub(crate) ttl_sweep: Duration,
    pub(crate) shard_rollover: Duration,
    pub(crate) read_per_sec: u32,
    pub(crate) write_per_sec: u32,
    pub(crate) read_consistency: ReadConsistency,
}

impl TableConfig {
    /// A table keyed by `partition` alone.
    pub fn new(partition: Key) -> Self {
        TableConfig {
            partition,
            sort: None,
            stream: None,
            ttl_attribute: None,
            ttl_sweep: DEFAULT_TTL_SWEEP,
            shard_rollover: DEFAULT_SHARD_ROLLOVER,
            read_per_sec: DEFAULT_READ_CAPACITY,
            write_per_sec: DEFAULT_WRITE_CAPACITY,
            read_consistency: ReadConsistency::Eventual,
        }
    }
    /// Adds a sort key: items are then keyed by (partition, sort).
    pub fn sort_key(mut self, key: Key) -> Self {
        self.sort = Some(key);
        self
    }
    /// Turns on the change stream with this view type.
    pub fn stream(mut self, view: StreamViewType) -> Self {
        self.stream = Some(view);
        self
    }
    /// Items whose number attribute `name` (epoch seconds) is in the past are deleted
    /// by a background sweep on the clock.
    pub fn ttl_attribute(mut self, name: impl Into<String>) -> Self {
        self.ttl_attribute = Some(name.into());
        self
    }
    /// How often the TTL sweep runs (default 60 s; at least 1 s).
    pub fn ttl_sweep_interval(mut self, every: Duration) -> Self {
        self.ttl_sweep = every;
        self
    }
    /// How often the change stream closes its shard and opens a child (default 4 h;
    /// between 1 minute and 24 h).
    pub fn shard_rollover(mut self, every: Duration) -> Self {
        self.shard_rollover = every;
        self
    }
    /// The read and write capacity units per second the table admits when the cloud is
    /// built with [`throttling`](crate::CloudBuilder::throttling) (default
    /// [`DEFAULT_READ_CAPACITY`] and [`DEFAULT_WRITE_CAPACITY`], what one DynamoDB
    /// partition serves). Units are billed as DynamoDB bills them: a write 1 unit per
    /// started KB of the item (the larger of before and after; a failed conditional write
    /// pays too), a read 1 unit per started 4 KB, half of that unless
    /// [`read_consistency`](Self::read_consistency), transactions twice; a query or scan
    /// page pays for the total size of the items it evaluated. A call past the second's
    /// budget fails with `ProvisionedThroughputExceededException`; a batch returns the
    /// entries it did not get to as unprocessed. The first call of a second is always
    /// admitted, so an item larger than the budget is slowed, not refused forever.
    ///
    /// ```
    /// use localcloud::table::{Key, TableConfig};
    /// use localcloud::{item, Cloud};
    /// let cloud = Cloud::builder().manual_clock().throttling(true).build();
    /// let t = cloud.create_table("tbl", TableConfig::new(Key::string("id")).throughput(10, 1))?;
    /// t.put_item(item! {"id" => "a"}, None)?;
    /// let err = t.put_item(item! {"id" => "b"}, None).unwrap_err();
    /// assert_eq!(err.code(), "ProvisionedThroughputExceededException");
    /// assert_eq!(cloud.metrics().value("AWS/DynamoDB", "tbl", "ConsumedWriteCapacityUnits"), Some(1.0));
    /// # Ok::<(), localcloud::table::TableError>(())
    /// ```
    pub fn throughput(mut self, read_units_per_sec: u32, write_units_per_sec: u32) -> Self {
        self.read_per_sec = read_units_per_sec;
        self.write_per_sec = write_units_per_sec;
        self
    }
    /// How reads outside transactions are billed (default
    /// [`ReadConsistency::Eventual`], DynamoDB's default). Reads here always see the
    /// latest write either way; this only sets the charge, for a table whose reads
    /// pass `ConsistentRead = true` in the program being modelled.
    pub fn read_consistency(mut self, c: ReadConsistency) -> Self {
        self.read_consistency = c;
        self
    }
    /// The partition key.
    pub fn partition_key(&self) -> &Key {
        &self.partition
    }
    /// The sort key, if any.
    pub fn get_sort_key(&self) -> Option<&Key> {
        self.sort.as_ref()
    }
    /// The stream view type, if the stream is on.
    pub fn get_stream(&self) -> Option<StreamViewType> {
        self.stream
    }

    pub(crate) fn validate(&self) -> Result<(), TableError> {
        check_key_name(&self.partition.name)?;
        if let Some(s) = &self.sort {
            check_key_name(&s.name)?;
            if s.name == self.partition.name {
                return Err(TableError::validation("the partition key and sort key must have different names"));
            }
        }
        if let Some(t) = &self.ttl_attribute {
            check_key_name(t)?;
        }
        if self.ttl_sweep < Duration::from_secs(1) {
            return Err(TableError::validation("the TTL sweep interval must be at least 1 s"));
        }
        if self.shard_rollover < Duration::from_secs(60) || self.shard_rollover > Duration::from_secs(86_400) {
            return Err(TableError::validation("the shard rollover must be between 1 minute and 24 hours"));
        }
        if self.read_per_sec == 0 || self.write_per_sec == 0 {
            return Err(TableError::validation("throughput must be at least 1 capacity unit per second"));
        }
        Ok(())
    }
}

fn check_key_name(name: &str) -> Result<(), TableError> {
    if name.is_empty() || name.len() > 255 {
        return Err(TableError::validation(format!("key attribute name {name:?} must be 1 to 255 bytes long")));
    }
    Ok(())
}

/// Table names: 3 to 255 characters of `a-z A-Z 0-9 _ - .`.
pub(crate) fn check_table_name(name: &str) -> Result<(), TableError> {
    if name.len() < 3
        || name.len() > 255
        || !name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
    {
        return Err(TableError::validation(format!(
            "1 validation error detected: value {name:?} at 'tableName' failed to satisfy constraint: \
             member must have length between 3 and 255 and match [a-zA-Z0-9_.-]+"
        )));
    }
    Ok(())
}

/// A key attribute's value, ordered as DynamoDB orders keys (strings and binaries by
/// bytes, numbers by value).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum KeyValue {
    S(String),
    N(Number),
    B(Bytes),
    /// Above every value: the end of a partition in range bounds; never stored.
    Top,
}

impl KeyValue {
    pub(crate) fn to_attr(&self) -> AttributeValue {
        match self {
            KeyValue::S(s) => AttributeValue::S(s.clone()),
            KeyValue::N(n) => AttributeValue::N(n.clone()),
            KeyValue::B(b) => AttributeValue::B(b.clone()),
            KeyValue::Top => AttributeValue::Null,
        }
    }

    fn size(&self) -> usize {
        match self {
            KeyValue::S(s) => s.len(),
            KeyValue::N(n) => n.size(),
            KeyValue::B(b) => b.len(),
            KeyValue::Top => 0,
        }
    }
}

impl fmt::Display for KeyValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyValue::S(s) => f.write_str(s),
            KeyValue::N(n) => write!(f, "{n}"),
            KeyValue::B(b) => f.write_str(&crate::codec::base64(b)),
            KeyValue::Top => Ok(()),
        }
    }
}

/// An item's place in the table: partition value, then sort value (`None` without a sort key).
pub(crate) type StoreKey = (KeyValue, Option<KeyValue>);

pub(crate) fn render_key(k: &StoreKey) -> String {
    match &k.1 {
        Some(s) => format!("{}|{}", k.0, s),
        None => k.0.to_string(),
    }
}

/// The key schema, as the table checks keys and items against it.
#[derive(Clone, Debug)]
pub(crate) struct Schema {
    pub(crate) partition: Key,
    pub(crate) sort: Option<Key>,
}

impl Schema {
    pub(crate) fn is_key(&self, name: &str) -> bool {
        self.partition.name == name || self.sort.as_ref().is_some_and(|s| s.name == name)
    }

    /// The key value of `attr` for key attribute `key`, checked.
    pub(crate) fn key_value(key: &Key, attr: Option<&AttributeValue>, limit: usize) -> Result<KeyValue, TableError> {
        let name = &key.name;
        let v = attr.ok_or_else(|| {
            TableError::validation(format!(
                "one or more parameter values were invalid: missing the key {name} in the item"
            ))
        })?;
        let kv = match (key.kind, v) {
            (ScalarType::String, AttributeValue::S(s)) => KeyValue::S(s.clone()),
            (ScalarType::Number, AttributeValue::N(n)) => KeyValue::N(n.clone()),
            (ScalarType::Binary, AttributeValue::B(b)) => KeyValue::B(b.clone()),
            _ => {
                return Err(TableError::validation(format!(
                    "one or more parameter values were invalid: type mismatch for key {name} expected: {} actual: {}",
                    key.kind.tag(),
                    v.type_name()
                )))
            }
        };
        let size = kv.size();
        if size == 0 && key.kind != ScalarType::Number {
            return Err(TableError::validation(format!(
                "one or more parameter values are not valid: the attribute value for a key attribute cannot \
                 contain an empty value; key: {name}"
            )));
        }
        if size > limit {
            return Err(TableError::validation(format!(
                "one or more parameter values were invalid: size of key {name} is {size} bytes, above the limit of {limit}"
            )));
        }
        Ok(kv)
    }

    /// The key of a whole item (for a write).
    pub(crate) fn key_of_item(&self, item: &Item) -> Result<StoreKey, TableError> {
        let p = Self::key_value(&self.partition, item.get(&self.partition.name), MAX_PARTITION_KEY_BYTES)?;
        let s = match &self.sort {
            Some(k) => Some(Self::key_value(k, item.get(&k.name), MAX_SORT_KEY_BYTES)?),
            None => None,
        };
        Ok((p, s))
    }

    /// The key given as a key argument: exactly the key attributes.
    pub(crate) fn key_of(&self, key: &Item) -> Result<StoreKey, TableError> {
        let expected = 1 + usize::from(self.sort.is_some());
        if key.len() != expected || !key.keys().all(|k| self.is_key(k)) {
            return Err(TableError::validation("the provided key element does not match the schema"));
        }
        self.key_of_item(key)
    }

    /// The key attributes as an item.
    pub(crate) fn key_item(&self, k: &StoreKey) -> Item {
        let mut item = Item::new();
        item.insert(self.partition.name.clone(), k.0.to_attr());
        if let (Some(sk), Some(sv)) = (&self.sort, &k.1) {
            item.insert(sk.name.clone(), sv.to_attr());
        }
        item
    }
}
