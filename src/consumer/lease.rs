//! [`Lease`] and [`ExtendedSequenceNumber`]: one row of a lease table and the
//! checkpoint it holds.

use std::fmt;

use crate::clock::Timestamp;
use crate::stream::{SequenceNumber, ShardId, StartingPosition};

/// A checkpoint: a record's sequence number, or one of the special positions a lease
/// starts from or ends at.
///
/// Progress through a shard runs from the starting positions, through sequence
/// numbers in order, to `ShardEnd`.
///
/// ```
/// use localcloud::consumer::ExtendedSequenceNumber;
/// let a = ExtendedSequenceNumber::Sequence("10".parse()?);
/// assert!(a.is_at_or_after(&ExtendedSequenceNumber::TrimHorizon));
/// assert!(ExtendedSequenceNumber::ShardEnd.is_at_or_after(&a));
/// assert_eq!(ExtendedSequenceNumber::ShardEnd.to_string(), "SHARD_END");
/// # Ok::<(), localcloud::StreamError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ExtendedSequenceNumber {
    /// Nothing processed yet; start at the oldest record.
    TrimHorizon,
    /// Nothing processed yet; start after the newest record at the time of reading.
    Latest,
    /// Nothing processed yet; start at the first record that arrived at or after this time.
    AtTimestamp(Timestamp),
    /// Every record up to and including this one is processed.
    Sequence(SequenceNumber),
    /// The shard is closed and every record in it is processed.
    ShardEnd,
}

impl ExtendedSequenceNumber {
    fn rank(&self) -> (u8, u128) {
        match self {
            ExtendedSequenceNumber::TrimHorizon | ExtendedSequenceNumber::Latest => (0, 0),
            ExtendedSequenceNumber::AtTimestamp(t) => (0, u128::from(t.as_nanos())),
            ExtendedSequenceNumber::Sequence(s) => (1, s.as_u128()),
            ExtendedSequenceNumber::ShardEnd => (2, 0),
        }
    }

    /// Whether this checkpoint is progress at least as far as `other` (used to refuse
    /// checkpoints that move backwards). The three starting positions are no progress.
    pub fn is_at_or_after(&self, other: &ExtendedSequenceNumber) -> bool {
        self.rank() >= other.rank()
    }

    /// Whether this is a starting position rather than processed progress.
    pub fn is_starting_position(&self) -> bool {
        self.rank().0 == 0
    }

    /// Where to resume reading after this checkpoint; `None` at `ShardEnd`.
    pub fn resume_position(&self) -> Option<StartingPosition> {
        match *self {
            ExtendedSequenceNumber::TrimHorizon => Some(StartingPosition::TrimHorizon),
            ExtendedSequenceNumber::Latest => Some(StartingPosition::Latest),
            ExtendedSequenceNumber::AtTimestamp(t) => Some(StartingPosition::AtTimestamp(t)),
            ExtendedSequenceNumber::Sequence(s) => Some(StartingPosition::AfterSequenceNumber(s)),
            ExtendedSequenceNumber::ShardEnd => None,
        }
    }

    /// The starting checkpoint for a stream starting position (sequence positions map
    /// to the record before which reading starts, as far as it can be named).
    pub fn from_starting_position(p: StartingPosition) -> Self {
        match p {
            StartingPosition::TrimHorizon => ExtendedSequenceNumber::TrimHorizon,
            StartingPosition::Latest => ExtendedSequenceNumber::Latest,
            StartingPosition::AtTimestamp(t) => ExtendedSequenceNumber::AtTimestamp(t),
            StartingPosition::AfterSequenceNumber(s) => ExtendedSequenceNumber::Sequence(s),
            // A lease can only name processed records; "at" a record means nothing of it yet.
            StartingPosition::AtSequenceNumber(_) => ExtendedSequenceNumber::TrimHorizon,
        }
    }

    pub(crate) fn encode(&self) -> String {
        match self {
            ExtendedSequenceNumber::TrimHorizon => "TRIM_HORIZON".into(),
            ExtendedSequenceNumber::Latest => "LATEST".into(),
            ExtendedSequenceNumber::AtTimestamp(t) => format!("AT_TIMESTAMP:{}", t.as_nanos()),
            ExtendedSequenceNumber::Sequence(s) => s.to_string(),
            ExtendedSequenceNumber::ShardEnd => "SHARD_END".into(),
        }
    }

    pub(crate) fn decode(s: &str) -> Option<Self> {
        Some(match s {
            "TRIM_HORIZON" => ExtendedSequenceNumber::TrimHorizon,
            "LATEST" => ExtendedSequenceNumber::Latest,
            "SHARD_END" => ExtendedSequenceNumber::ShardEnd,
            _ => match s.strip_prefix("AT_TIMESTAMP:") {
                Some(n) => ExtendedSequenceNumber::AtTimestamp(Timestamp::from_nanos(n.parse().ok()?)),
                None => ExtendedSequenceNumber::Sequence(s.parse().ok()?),
            },
        })
    }
}

impl fmt::Display for ExtendedSequenceNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExtendedSequenceNumber::AtTimestamp(t) => write!(f, "AT_TIMESTAMP({t})"),
            other => f.write_str(&other.encode()),
        }
    }
}

/// One shard's lease: who processes it, how far they got, and the counter every
/// write is conditional on.
///
/// ```
/// use localcloud::consumer::{ExtendedSequenceNumber, LeaseTable};
/// let table = LeaseTable::in_memory();
/// assert!(table.list()?.is_empty());
/// # Ok::<(), localcloud::consumer::ConsumerError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lease {
    pub(crate) shard_id: ShardId,
    pub(crate) owner: Option<String>,
    pub(crate) counter: u64,
    pub(crate) checkpoint: ExtendedSequenceNumber,
    pub(crate) pending_checkpoint: Option<ExtendedSequenceNumber>,
    pub(crate) owner_switches_since_checkpoint: u64,
    pub(crate) parent_shard_ids: Vec<ShardId>,
}

impl Lease {
    /// A new, unowned lease at `checkpoint`.
    pub fn new(shard_id: ShardId, checkpoint: ExtendedSequenceNumber, parent_shard_ids: Vec<ShardId>) -> Self {
        Lease {
            shard_id,
            owner: None,
            counter: 0,
            checkpoint,
            pending_checkpoint: None,
            owner_switches_since_checkpoint: 0,
            parent_shard_ids,
        }
    }

    /// The leased shard (the lease's key).
    pub fn shard_id(&self) -> &ShardId {
        &self.shard_id
    }

    /// The worker holding the lease, if any.
    pub fn owner(&self) -> Option<&str> {
        self.owner.as_deref()
    }

    /// The lease counter, bumped by every write; writes are conditional on it.
    pub fn counter(&self) -> u64 {
        self.counter
    }

    /// The last checkpoint.
    pub fn checkpoint(&self) -> ExtendedSequenceNumber {
        self.checkpoint
    }

    /// A checkpoint announced but not yet made (two-phase checkpoints), if any.
    pub fn pending_checkpoint(&self) -> Option<ExtendedSequenceNumber> {
        self.pending_checkpoint
    }

    /// How many times the lease changed hands since its last checkpoint: a growing
    /// number means workers lose it before they get anywhere.
    pub fn owner_switches_since_checkpoint(&self) -> u64 {
        self.owner_switches_since_checkpoint
    }

    /// The shard's parents (one after a split, two after a merge, none at creation).
    pub fn parent_shard_ids(&self) -> &[ShardId] {
        &self.parent_shard_ids
    }

    /// Whether the shard is fully processed.
    pub fn is_finished(&self) -> bool {
        self.checkpoint == ExtendedSequenceNumber::ShardEnd
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checkpoints_round_trip_through_their_encoding() {
        for c in [
            ExtendedSequenceNumber::TrimHorizon,
            ExtendedSequenceNumber::Latest,
            ExtendedSequenceNumber::AtTimestamp(Timestamp::from_millis(5)),
            ExtendedSequenceNumber::Sequence(SequenceNumber(77)),
            ExtendedSequenceNumber::ShardEnd,
        ] {
            assert_eq!(ExtendedSequenceNumber::decode(&c.encode()), Some(c));
        }
        assert_eq!(ExtendedSequenceNumber::decode("x1"), None);
    }

    #[test]
    fn progress_orders_starts_then_sequences_then_shard_end() {
        let s = |n| ExtendedSequenceNumber::Sequence(SequenceNumber(n));
        assert!(s(2).is_at_or_after(&s(1)));
        assert!(!s(1).is_at_or_after(&s(2)));
        assert!(s(1).is_at_or_after(&ExtendedSequenceNumber::TrimHorizon));
        assert!(ExtendedSequenceNumber::ShardEnd.is_at_or_after(&s(9)));
        assert!(!ExtendedSequenceNumber::Latest.is_at_or_after(&s(1)));
    }
}
