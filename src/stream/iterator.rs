//! [`ShardIterator`]: an opaque, signed, expiring read position, and
//! [`GetRecordsOutput`].

use std::fmt;
use std::str::FromStr;

use super::types::{Record, Shard};
use super::StreamError;
use crate::clock::Timestamp;
use crate::codec::splitmix as mix;

/// An opaque read position in one shard, valid for 5 minutes after it was issued.
///
/// Its text form (`Display` / `FromStr`) can be stored and handed back; a forged or
/// damaged one is rejected with `InvalidArgumentException`, an old one with
/// `ExpiredIteratorException`.
///
/// ```
/// use localcloud::{Cloud, StartingPosition, StreamConfig};
/// use localcloud::stream::ShardIterator;
/// use std::time::Duration;
/// let cloud = Cloud::builder().manual_clock().build();
/// let s = cloud.create_stream("clicks", StreamConfig::with_shards(1))?;
/// let it = s.shard_iterator(s.shards()[0].shard_id(), StartingPosition::Latest)?;
/// let stored: ShardIterator = it.to_string().parse()?; // round-trips through text
/// assert!(s.get_records(&stored, 10).is_ok());
/// cloud.advance(Duration::from_secs(300));
/// assert_eq!(s.get_records(&stored, 10).unwrap_err().code(), "ExpiredIteratorException");
/// # Ok::<(), localcloud::StreamError>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct ShardIterator {
    pub(crate) stream_uid: u64,
    pub(crate) shard: u32,
    /// The next read returns records with sequence numbers at or above this.
    pub(crate) position: u128,
    /// …and that arrived at or after this: set by an AT_TIMESTAMP iterator issued
    /// before any record reached its time, so that records arriving earlier but put
    /// later are skipped. [`Timestamp::EPOCH`] when there is nothing to skip.
    pub(crate) min_arrival: Timestamp,
    pub(crate) issued: Timestamp,
    /// Drawn from a per-stream counter, so every iterator handed out is new.
    pub(crate) serial: u64,
    pub(crate) tag: u64,
}

const TEXT_LEN: usize = 16 + 8 + 32 + 16 + 16 + 16 + 16;

impl ShardIterator {
    pub(crate) fn issue(
        secret: u64,
        (stream_uid, serial): (u64, u64),
        shard: u32,
        (position, min_arrival): (u128, Timestamp),
        issued: Timestamp,
    ) -> Self {
        let mut it = ShardIterator { stream_uid, shard, position, min_arrival, issued, serial, tag: 0 };
        it.tag = it.expected_tag(secret);
        it
    }

    /// A keyed mix of every field: iterators cannot be forged or edited without the
    /// stream's secret.
    fn expected_tag(&self, secret: u64) -> u64 {
        let mut h = mix(secret ^ self.stream_uid);
        h = mix(h ^ self.shard as u64);
        h = mix(h ^ self.position as u64);
        h = mix(h ^ (self.position >> 64) as u64);
        h = mix(h ^ self.min_arrival.as_nanos());
        h = mix(h ^ self.serial);
        mix(h ^ self.issued.as_nanos())
    }

    pub(crate) fn verify(&self, secret: u64, stream_uid: u64) -> Result<(), StreamError> {
        if self.tag != self.expected_tag(secret) || self.stream_uid != stream_uid {
            return Err(StreamError::invalid("shard iterator is invalid or belongs to another stream"));
        }
        Ok(())
    }
}

impl fmt::Display for ShardIterator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:016x}{:08x}{:032x}{:016x}{:016x}{:016x}{:016x}",
            self.stream_uid,
            self.shard,
            self.position,
            self.min_arrival.as_nanos(),
            self.issued.as_nanos(),
            self.serial,
            self.tag
        )
    }
}

impl fmt::Debug for ShardIterator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ShardIterator({self})")
    }
}

impl FromStr for ShardIterator {
    type Err = StreamError;
    fn from_str(s: &str) -> Result<Self, StreamError> {
        let bad = || StreamError::invalid("shard iterator is malformed");
        if s.len() != TEXT_LEN || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(bad());
        }
        let field = |from: usize, to: usize| s.get(from..to).ok_or_else(bad);
        let u64_at = |from: usize| u64::from_str_radix(field(from, from + 16)?, 16).map_err(|_| bad());
        Ok(ShardIterator {
            stream_uid: u64_at(0)?,
            shard: u32::from_str_radix(field(16, 24)?, 16).map_err(|_| bad())?,
            position: u128::from_str_radix(field(24, 56)?, 16).map_err(|_| bad())?,
            min_arrival: Timestamp::from_nanos(u64_at(56)?),
            issued: Timestamp::from_nanos(u64_at(72)?),
            serial: u64_at(88)?,
            tag: u64_at(104)?,
        })
    }
}

/// What `get_records` answers.
///
/// ```
/// use localcloud::{Cloud, PutRecord, StartingPosition, StreamConfig};
/// let cloud = Cloud::builder().manual_clock().build();
/// let s = cloud.create_stream("clicks", StreamConfig::with_shards(1))?;
/// let id = *s.shards()[0].shard_id();
/// s.put_record(PutRecord::new("k", "a"))?;
/// s.split_shard(&id, 1 << 127)?;
/// let it = s.shard_iterator(&id, StartingPosition::TrimHorizon)?;
/// let out = s.get_records(&it, 100)?;
/// assert_eq!(out.records().len(), 1);
/// assert!(out.next_iterator().is_none()); // the closed parent is read to its end
/// assert_eq!(out.child_shards().len(), 2);
/// # Ok::<(), localcloud::StreamError>(())
/// ```
#[derive(Clone, Debug)]
pub struct GetRecordsOutput {
    pub(crate) records: Vec<Record>,
    pub(crate) next: Option<ShardIterator>,
    pub(crate) millis_behind_latest: u64,
    pub(crate) child_shards: Vec<Shard>,
}

impl GetRecordsOutput {
    /// The records read, in sequence-number order.
    pub fn records(&self) -> &[Record] {
        &self.records
    }

    /// Takes the records out without copying them.
    pub fn into_records(self) -> Vec<Record> {
        self.records
    }

    /// Where to read next: a fresh iterator on every call, `None` only once a closed
    /// shard has been read to its end.
    pub fn next_iterator(&self) -> Option<&ShardIterator> {
        self.next.as_ref()
    }

    /// Milliseconds from the last returned record's arrival to the newest record's
    /// arrival in the shard; 0 when caught up.
    pub fn millis_behind_latest(&self) -> u64 {
        self.millis_behind_latest
    }

    /// At the end of a closed shard, the shards that took over its keys.
    pub fn child_shards(&self) -> &[Shard] {
        &self.child_shards
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_form_round_trips_and_verifies() {
        let it = ShardIterator::issue(7, (3, 1), 2, (u128::MAX - 5, Timestamp::from_secs(4)), Timestamp::from_secs(9));
        let back: ShardIterator = it.to_string().parse().unwrap();
        assert_eq!(back, it);
        assert!(back.verify(7, 3).is_ok());
        assert!(back.verify(8, 3).is_err());
    }

    #[test]
    fn edited_iterators_fail_verification() {
        let it = ShardIterator::issue(7, (3, 1), 2, (100, Timestamp::from_secs(4)), Timestamp::from_secs(9));
        let forged = ShardIterator { position: 99, ..it.clone() };
        assert!(forged.verify(7, 3).is_err());
        let forged = ShardIterator { min_arrival: Timestamp::EPOCH, ..it };
        assert!(forged.verify(7, 3).is_err());
    }

    #[test]
    fn garbage_text_does_not_parse() {
        assert!("".parse::<ShardIterator>().is_err());
        assert!("zz".repeat(TEXT_LEN / 2).parse::<ShardIterator>().is_err());
        assert!("é".repeat(TEXT_LEN / 2).parse::<ShardIterator>().is_err());
    }
}
