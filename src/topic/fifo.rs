//! FIFO topics: the five-minute deduplication window and sequence numbers.

use std::sync::Arc;

use crate::clock::Timestamp;
use crate::dedup::DedupWindow;
use crate::message::MessageId;

/// The first sequence number: 20 digits, like the service's.
const SEQUENCE_START: u128 = 10_000_000_000_000_000_000;

#[derive(Default)]
pub(crate) struct FifoState {
    next_sequence: u128,
    dedup: DedupWindow,
}

impl FifoState {
    /// The original message id and sequence number when `dedup_id` was published in
    /// the last five minutes.
    pub(crate) fn duplicate_of(&mut self, now: Timestamp, dedup_id: &str) -> Option<(MessageId, u128)> {
        self.dedup.original(now, dedup_id)
    }

    /// The next sequence number.
    pub(crate) fn next_sequence(&mut self) -> u128 {
        self.next_sequence += 1;
        SEQUENCE_START + self.next_sequence
    }

    pub(crate) fn remember(&mut self, now: Timestamp, dedup_id: String, id: MessageId, seq: u128) {
        self.dedup.remember(now, Arc::from(dedup_id), id, seq);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sequence_numbers_have_20_digits_and_increase() {
        let mut f = FifoState::default();
        let a = f.next_sequence();
        assert_eq!(a.to_string().len(), 20);
        assert!(f.next_sequence() > a);
    }
}
