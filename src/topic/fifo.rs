//! FIFO topics: the five-minute deduplication window and sequence numbers.

use std::collections::{HashMap, VecDeque};
use std::time::Duration;

use crate::clock::Timestamp;
use crate::message::MessageId;

/// A publish with a deduplication id seen this recently is a duplicate.
pub(crate) const DEDUP_WINDOW: Duration = Duration::from_secs(300);

/// The first sequence number: 20 digits, like the service's.
const SEQUENCE_START: u128 = 10_000_000_000_000_000_000;

#[derive(Default)]
pub(crate) struct FifoState {
    next_sequence: u128,
    seen: HashMap<String, (MessageId, u128)>,
    /// Dedup ids in the order they were remembered, to expire them cheaply.
    expiry: VecDeque<(Timestamp, String)>,
}

impl FifoState {
    /// The original message id and sequence number when `dedup_id` was published in
    /// the last five minutes.
    pub(crate) fn duplicate_of(&mut self, now: Timestamp, dedup_id: &str) -> Option<(MessageId, u128)> {
        while let Some((at, _)) = self.expiry.front() {
            if now < *at + DEDUP_WINDOW {
                break;
            }
            if let Some((_, id)) = self.expiry.pop_front() {
                self.seen.remove(&id);
            }
        }
        self.seen.get(dedup_id).copied()
    }

    /// The next sequence number.
    pub(crate) fn next_sequence(&mut self) -> u128 {
        self.next_sequence += 1;
        SEQUENCE_START + self.next_sequence
    }

    pub(crate) fn remember(&mut self, now: Timestamp, dedup_id: String, id: MessageId, seq: u128) {
        self.expiry.push_back((now, dedup_id.clone()));
        self.seen.insert(dedup_id, (id, seq));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicates_expire_after_five_minutes() {
        let mut f = FifoState::default();
        let t0 = Timestamp::from_secs(1_000);
        let id = MessageId::random(&mut <rand::rngs::SmallRng as rand::SeedableRng>::seed_from_u64(1));
        let seq = f.next_sequence();
        f.remember(t0, "d".into(), id, seq);
        assert_eq!(f.duplicate_of(t0 + Duration::from_secs(299), "d"), Some((id, seq)));
        assert_eq!(f.duplicate_of(t0 + DEDUP_WINDOW, "d"), None);
        assert!(f.next_sequence() > seq);
    }
}
