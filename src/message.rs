//! Message pieces shared by the services: ids, typed attributes and MD5 digests.

use std::collections::BTreeMap;
use std::fmt;

use crate::codec::{uuid_v4, write_uuid};
use bytes::Bytes;
use md5::{Digest, Md5};
use rand::RngCore;

/// A message id: a random (version 4) UUID, displayed in its usual hyphenated form.
///
/// Drawn from the cloud's seeded generator, so the same seed gives the same ids.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MessageId(u128);

impl MessageId {
    pub(crate) fn random(rng: &mut impl RngCore) -> Self {
        // The same bytes `fill_bytes` gives (two words, little-endian), without its
        // generic byte loop.
        let mut b = [0u8; 16];
        b[..8].copy_from_slice(&rng.next_u64().to_le_bytes());
        b[8..].copy_from_slice(&rng.next_u64().to_le_bytes());
        MessageId(uuid_v4(u128::from_be_bytes(b)))
    }

    /// The id's 128 bits.
    pub fn as_u128(&self) -> u128 {
        self.0
    }
}

impl fmt::Display for MessageId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_uuid(self.0, f)
    }
}

impl fmt::Debug for MessageId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MessageId({self})")
    }
}

/// An MD5 digest, as SQS reports for bodies and attributes. `Display` is lowercase hex.
///
/// ```
/// use localcloud::Md5Digest;
/// assert_eq!(Md5Digest::of(b"hello").to_string(), "5d41402abc4b2a76b9719d911017c592");
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Md5Digest([u8; 16]);

impl Md5Digest {
    /// The MD5 digest of `data`.
    pub fn of(data: &[u8]) -> Self {
        Md5Digest(Md5::digest(data).into())
    }

    /// The 16 digest bytes.
    pub fn as_bytes(&self) -> &[u8; 16] {
        &self.0
    }
}

impl fmt::Display for Md5Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for b in self.0 {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Md5Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Md5Digest({self})")
    }
}

/// The base kind of a message attribute, from the part of its data type before any `.label`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AttributeType {
    /// UTF-8 text.
    String,
    /// A number carried as text.
    Number,
    /// Raw bytes.
    Binary,
    /// A JSON array of strings, numbers, booleans or nulls (topics only).
    StringArray,
}

#[derive(Clone, PartialEq, Eq, Hash)]
enum AttrData {
    Text(String),
    Binary(Bytes),
}

/// A typed message attribute value: `String`, `Number`, `Binary` or `String.Array`,
/// optionally with a custom label (`Number.float`, `Binary.png`).
///
/// ```
/// use localcloud::AttributeValue;
/// let v = AttributeValue::number("15");
/// assert_eq!(v.data_type(), "Number");
/// assert_eq!(v.as_str(), Some("15"));
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct AttributeValue {
    data_type: String,
    data: AttrData,
}

impl AttributeValue {
    /// A `String` attribute.
    pub fn string(v: impl Into<String>) -> Self {
        AttributeValue { data_type: "String".into(), data: AttrData::Text(v.into()) }
    }

    /// A `Number` attribute; the text must parse as a number when sent.
    pub fn number(v: impl Into<String>) -> Self {
        AttributeValue { data_type: "Number".into(), data: AttrData::Text(v.into()) }
    }

    /// A `Binary` attribute.
    pub fn binary(v: impl Into<Bytes>) -> Self {
        AttributeValue { data_type: "Binary".into(), data: AttrData::Binary(v.into()) }
    }

    /// A `String.Array` attribute (topics): the items as a JSON array of strings.
    pub fn string_array<I, S>(items: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let items: Vec<String> = items.into_iter().map(Into::into).collect();
        let text = serde_json::to_string(&items).unwrap_or_else(|_| "[]".into());
        AttributeValue { data_type: "String.Array".into(), data: AttrData::Text(text) }
    }

    /// A text attribute with any data type, such as `Number.float` or a raw
    /// `String.Array` JSON text. Validated when sent.
    pub fn text_with_type(data_type: impl Into<String>, v: impl Into<String>) -> Self {
        AttributeValue { data_type: data_type.into(), data: AttrData::Text(v.into()) }
    }

    /// A binary attribute with a custom data type such as `Binary.png`. Validated when sent.
    pub fn binary_with_type(data_type: impl Into<String>, v: impl Into<Bytes>) -> Self {
        AttributeValue { data_type: data_type.into(), data: AttrData::Binary(v.into()) }
    }

    /// The full data type, label included (`Number.float`).
    pub fn data_type(&self) -> &str {
        &self.data_type
    }

    /// The base type, or `None` for a data type that is not one of the known kinds.
    pub fn base_type(&self) -> Option<AttributeType> {
        let base = self.data_type.split('.').next().unwrap_or("");
        match (base, &self.data) {
            ("String", AttrData::Text(_)) if self.data_type == "String.Array" => Some(AttributeType::StringArray),
            ("String", AttrData::Text(_)) => Some(AttributeType::String),
            ("Number", AttrData::Text(_)) => Some(AttributeType::Number),
            ("Binary", AttrData::Binary(_)) => Some(AttributeType::Binary),
            _ => None,
        }
    }

    /// The text of a String, Number or String.Array value.
    pub fn as_str(&self) -> Option<&str> {
        match &self.data {
            AttrData::Text(s) => Some(s),
            AttrData::Binary(_) => None,
        }
    }

    /// The bytes of a Binary value.
    pub fn as_binary(&self) -> Option<&Bytes> {
        match &self.data {
            AttrData::Binary(b) => Some(b),
            AttrData::Text(_) => None,
        }
    }

    /// The value's bytes, whatever its type.
    pub fn value_bytes(&self) -> &[u8] {
        match &self.data {
            AttrData::Text(s) => s.as_bytes(),
            AttrData::Binary(b) => b,
        }
    }

    /// Bytes this attribute adds to a message's size: type plus value (the name is
    /// counted by the map that holds it).
    pub(crate) fn size(&self) -> usize {
        self.data_type.len() + self.value_bytes().len()
    }
}

impl fmt::Debug for AttributeValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.data {
            AttrData::Text(s) => write!(f, "{}({s:?})", self.data_type),
            AttrData::Binary(b) => write!(f, "{}({} bytes)", self.data_type, b.len()),
        }
    }
}

/// A message's attributes, sorted by name.
///
/// ```
/// use localcloud::{AttributeValue, MessageAttributes};
/// let mut attrs = MessageAttributes::new();
/// attrs.insert("a", AttributeValue::string("b"));
/// assert_eq!(attrs.md5().unwrap().to_string(), "bef8bf215374a0a228d67533b1a488be");
/// ```
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct MessageAttributes(BTreeMap<String, AttributeValue>);

impl MessageAttributes {
    /// No attributes.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds or replaces an attribute.
    pub fn insert(&mut self, name: impl Into<String>, value: AttributeValue) {
        self.0.insert(name.into(), value);
    }

    /// The attribute called `name`.
    pub fn get(&self, name: &str) -> Option<&AttributeValue> {
        self.0.get(name)
    }

    /// The attributes in name order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &AttributeValue)> + '_ {
        self.0.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// How many attributes there are.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Bytes the attributes add to a message: every name, type and value.
    pub fn size(&self) -> usize {
        self.0.iter().map(|(k, v)| k.len() + v.size()).sum()
    }

    /// The MD5 of the attributes as SQS computes it, or `None` when there are none.
    ///
    /// For each attribute in name order: the name, the data type and the value, each
    /// preceded by its length as a 4-byte big-endian integer, with a transport byte
    /// (1 for text, 2 for binary) between the type and the value.
    pub fn md5(&self) -> Option<Md5Digest> {
        if self.0.is_empty() {
            return None;
        }
        let mut h = Md5::new();
        let field = |h: &mut Md5, b: &[u8]| {
            h.update((b.len() as u32).to_be_bytes());
            h.update(b);
        };
        for (name, v) in &self.0 {
            field(&mut h, name.as_bytes());
            field(&mut h, v.data_type.as_bytes());
            match &v.data {
                AttrData::Text(s) => {
                    h.update([1u8]);
                    field(&mut h, s.as_bytes());
                }
                AttrData::Binary(b) => {
                    h.update([2u8]);
                    field(&mut h, b);
                }
            }
        }
        Some(Md5Digest(h.finalize().into()))
    }

    /// Checks the SQS rules: at most `max` attributes, valid names and types,
    /// non-empty values, numbers that parse. The error names the attribute.
    pub(crate) fn validate(&self, max: usize, allow_string_array: bool) -> Result<(), String> {
        if self.0.len() > max {
            return Err(format!("too many message attributes: {} (at most {max})", self.0.len()));
        }
        for (name, v) in &self.0 {
            validate_attribute_name(name)?;
            validate_attribute_value(name, v, allow_string_array)?;
        }
        Ok(())
    }
}

impl fmt::Debug for MessageAttributes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.0.iter()).finish()
    }
}

impl<K: Into<String>> FromIterator<(K, AttributeValue)> for MessageAttributes {
    fn from_iter<T: IntoIterator<Item = (K, AttributeValue)>>(iter: T) -> Self {
        MessageAttributes(iter.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }
}

/// Name rules shared by queue and topic attributes.
pub(crate) fn validate_attribute_name(name: &str) -> Result<(), String> {
    if name.is_empty() || name.len() > 256 {
        return Err(format!("message attribute name {name:?} must be 1 to 256 characters"));
    }
    if !name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.')) {
        return Err(format!("message attribute name {name:?} may hold only A-Z, a-z, 0-9, '_', '-' and '.'"));
    }
    if name.starts_with('.') || name.ends_with('.') || name.contains("..") {
        return Err(format!("message attribute name {name:?} may not start or end with '.' nor hold '..'"));
    }
    let lower = name.to_ascii_lowercase();
    if lower.starts_with("aws.") || lower.starts_with("amazon.") {
        return Err(format!("message attribute name {name:?} uses a reserved prefix (AWS. or Amazon.)"));
    }
    Ok(())
}

fn validate_attribute_value(name: &str, v: &AttributeValue, allow_string_array: bool) -> Result<(), String> {
    let dt = v.data_type.as_str();
    let (base, label) = match dt.split_once('.') {
        Some((b, l)) => (b, Some(l)),
        None => (dt, None),
    };
    if let Some(l) = label {
        if l.is_empty() || dt.len() > 256 {
            return Err(format!("message attribute {name:?} has an invalid data type {dt:?}"));
        }
    }
    let kind = v.base_type();
    match (base, kind) {
        ("String", Some(AttributeType::StringArray)) if !allow_string_array => {
            // On queues `String.Array` is merely a String with the label "Array".
        }
        ("String" | "Number" | "Binary", Some(_)) => {}
        _ => {
            return Err(format!(
                "message attribute {name:?} has data type {dt:?}: expected String, Number or Binary, optionally with a .label"
            ))
        }
    }
    if v.value_bytes().is_empty() {
        return Err(format!("message attribute {name:?} must have a non-empty value"));
    }
    if kind == Some(AttributeType::Number) {
        let s = v.as_str().unwrap_or("");
        if !is_number(s) {
            return Err(format!("message attribute {name:?} of type Number has a value that is not a number: {s:?}"));
        }
    }
    if allow_string_array && kind == Some(AttributeType::StringArray) {
        let ok = serde_json::from_str::<serde_json::Value>(v.as_str().unwrap_or(""))
            .is_ok_and(|j| j.as_array().is_some_and(|a| a.iter().all(|e| !e.is_array() && !e.is_object())));
        if !ok {
            return Err(format!("message attribute {name:?} of type String.Array must be a JSON array of scalars"));
        }
    }
    Ok(())
}

/// A decimal number as SQS accepts it: optional sign, digits, optional fraction,
/// optional exponent.
pub(crate) fn is_number(s: &str) -> bool {
    let s = s.strip_prefix(['-', '+']).unwrap_or(s);
    let (mantissa, exp) = match s.find(['e', 'E']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let (int, frac) = match mantissa.split_once('.') {
        Some((i, f)) => (i, f),
        None => (mantissa, ""),
    };
    let digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok = !(int.is_empty() && frac.is_empty()) && digits(int) && digits(frac);
    let exp_ok = exp.is_none_or(|e| {
        let e = e.strip_prefix(['-', '+']).unwrap_or(e);
        !e.is_empty() && digits(e)
    });
    mantissa_ok && exp_ok
}

/// Characters SQS allows in a body: tab, newline, carriage return, U+0020–U+D7FF,
/// U+E000–U+FFFD and U+10000–U+10FFFF. Returns the first offending character.
pub(crate) fn first_invalid_body_char(body: &str) -> Option<char> {
    if is_plain_text(body.as_bytes()) {
        return None;
    }
    body.chars().find(|&c| {
        !matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..='\u{10FFFF}')
    })
}

/// True when every byte is printable ASCII or tab, newline or carriage return: such
/// a body is valid UTF-8 and holds only characters SQS and SNS allow. Checked in
/// 32-byte chunks without early exit, so the compiler can vectorise it.
pub(crate) fn is_plain_text(bytes: &[u8]) -> bool {
    let ok = |b: u8| (0x20..0x7f).contains(&b) | (b == b'\t') | (b == b'\n') | (b == b'\r');
    let mut chunks = bytes.chunks_exact(32);
    for chunk in &mut chunks {
        if !chunk.iter().fold(true, |all, &b| all & ok(b)) {
            return false;
        }
    }
    chunks.remainder().iter().all(|&b| ok(b))
}

/// Group, deduplication and receive-attempt ids: 1–128 printable ASCII characters.
pub(crate) fn is_valid_fifo_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 128 && id.bytes().all(|b| (0x21..=0x7e).contains(&b))
}

/// The deduplication id content-based deduplication gives a body: its SHA-256, in hex.
pub(crate) fn content_deduplication_id(body: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    use std::fmt::Write;
    let digest = Sha256::digest(body);
    let mut s = String::with_capacity(digest.len() * 2);
    for b in digest {
        let _ = write!(s, "{b:02x}");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_ids_are_the_bytes_fill_bytes_would_give() {
        use rand::{RngCore, SeedableRng};
        let mut a = rand::rngs::SmallRng::seed_from_u64(9);
        let mut b = a.clone();
        let mut bytes = [0u8; 16];
        a.fill_bytes(&mut bytes);
        bytes[6] = (bytes[6] & 0x0f) | 0x40;
        bytes[8] = (bytes[8] & 0x3f) | 0x80;
        assert_eq!(MessageId::random(&mut b).as_u128(), u128::from_be_bytes(bytes));
    }

    #[test]
    fn content_deduplication_id_is_sha256_hex() {
        assert_eq!(
            content_deduplication_id(b"hello"),
            "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
        );
    }

    #[test]
    fn fifo_ids_are_1_to_128_printable_ascii() {
        assert!(is_valid_fifo_id("a"));
        assert!(is_valid_fifo_id(&"x".repeat(128)));
        assert!(!is_valid_fifo_id(""));
        assert!(!is_valid_fifo_id(&"x".repeat(129)));
        assert!(!is_valid_fifo_id("a b"));
        assert!(!is_valid_fifo_id("é"));
    }

    #[test]
    fn plain_text_fast_path() {
        assert!(is_plain_text(b""));
        assert!(is_plain_text(&[b'a'; 100]));
        let mut long = vec![b'a'; 100];
        long[70] = 0x01;
        assert!(!is_plain_text(&long));
        long[70] = 0xC3; // start of a two-byte character: not plain, though it may be valid
        assert!(!is_plain_text(&long));
        assert!(is_plain_text(b"tab\tnewline\nreturn\r"));
        assert!(!is_plain_text(b"\x7f"));
    }

    #[test]
    fn md5_of_attributes_known_value() {
        let attrs: MessageAttributes = [("a", AttributeValue::string("b"))].into_iter().collect();
        assert_eq!(attrs.md5().unwrap().to_string(), "bef8bf215374a0a228d67533b1a488be");
        assert!(MessageAttributes::new().md5().is_none());
    }

    #[test]
    fn md5_of_attributes_is_order_independent() {
        let a: MessageAttributes =
            [("x", AttributeValue::number("1")), ("b", AttributeValue::binary(&b"\x00\x01"[..]))].into_iter().collect();
        let b: MessageAttributes =
            [("b", AttributeValue::binary(&b"\x00\x01"[..])), ("x", AttributeValue::number("1"))].into_iter().collect();
        assert_eq!(a.md5(), b.md5());
    }

    #[test]
    fn attribute_names() {
        for ok in ["a", "a.b", "A_b-9", &"x".repeat(256)] {
            assert!(validate_attribute_name(ok).is_ok(), "{ok}");
        }
        for bad in ["", ".a", "a.", "a..b", "AWS.x", "aws.x", "Amazon.y", "amazon.Y", "a b", "é", &"x".repeat(257)] {
            assert!(validate_attribute_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn attribute_values() {
        let check = |v: AttributeValue| {
            let m: MessageAttributes = [("n", v)].into_iter().collect();
            m.validate(10, false)
        };
        assert!(check(AttributeValue::number("-1.5e3")).is_ok());
        assert!(check(AttributeValue::number("abc")).is_err());
        assert!(check(AttributeValue::number("1e")).is_err());
        assert!(check(AttributeValue::string("")).is_err());
        assert!(check(AttributeValue::binary(Bytes::new())).is_err());
        assert!(check(AttributeValue::text_with_type("Number.float", "2")).is_ok());
        assert!(check(AttributeValue::text_with_type("Number.", "2")).is_err());
        assert!(check(AttributeValue::text_with_type("Text", "2")).is_err());
        assert!(check(AttributeValue::binary_with_type("String", &b"x"[..])).is_err());
    }

    #[test]
    fn numbers() {
        for ok in ["0", "-1", "+2.50", ".5", "5.", "1e9", "1E-3"] {
            assert!(is_number(ok), "{ok}");
        }
        for bad in ["", ".", "-", "1e", "1.2.3", "0x10", "NaN", "inf", " 1", "1 ", "1 000"] {
            assert!(!is_number(bad), "{bad}");
        }
    }

    #[test]
    fn body_characters() {
        assert_eq!(first_invalid_body_char("ok\t\r\n"), None);
        assert_eq!(first_invalid_body_char("a\u{0}b"), Some('\u{0}'));
        assert_eq!(first_invalid_body_char("\u{FFFE}"), Some('\u{FFFE}'));
        assert_eq!(first_invalid_body_char("émoji 🎉"), None);
    }

    #[test]
    fn message_id_is_a_v4_uuid() {
        let mut rng = <rand::rngs::SmallRng as rand::SeedableRng>::seed_from_u64(1);
        let id = MessageId::random(&mut rng).to_string();
        assert_eq!(id.len(), 36);
        assert_eq!(&id[14..15], "4");
    }
}
