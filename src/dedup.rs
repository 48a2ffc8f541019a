//! The five-minute deduplication window that FIFO queues and FIFO topics share.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

// Keys are deduplication ids hashed on every FIFO send; FxHash is several times
// faster than SipHash on them, and flooding is no concern for an in-process store.
use rustc_hash::FxHashMap;

use crate::clock::Timestamp;
use crate::message::MessageId;

/// How long a deduplication id is remembered.
pub(crate) const DEDUP_WINDOW: Duration = Duration::from_secs(300);

/// Deduplication ids seen in the last five minutes, with the message id and sequence
/// number of the original. Ids expire in the order they were remembered, so expiry
/// costs O(1) per id.
#[derive(Default)]
pub(crate) struct DedupWindow {
    seen: FxHashMap<Arc<str>, (MessageId, u128)>,
    /// Keys with the time they stop counting, oldest first.
    expiry: VecDeque<(Timestamp, Arc<str>)>,
}

impl DedupWindow {
    /// The original message id and sequence number when `key` was remembered less
    /// than five minutes before `now`.
    pub(crate) fn original(&mut self, now: Timestamp, key: &str) -> Option<(MessageId, u128)> {
        while self.expiry.front().is_some_and(|(t, _)| *t <= now) {
            if let Some((_, k)) = self.expiry.pop_front() {
                self.seen.remove(&k);
            }
        }
        self.seen.get(key).copied()
    }

    /// Remembers `key` for five minutes from `now`. The caller checked with
    /// [`original`](Self::original) that it is not already there.
    pub(crate) fn remember(&mut self, now: Timestamp, key: Arc<str>, id: MessageId, seq: u128) {
        self.expiry.push_back((now + DEDUP_WINDOW, Arc::clone(&key)));
        self.seen.insert(key, (id, seq));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_count_for_exactly_five_minutes() {
        let mut w = DedupWindow::default();
        let t0 = Timestamp::from_secs(1_000);
        let id = MessageId::random(&mut <rand::rngs::SmallRng as rand::SeedableRng>::seed_from_u64(1));
        w.remember(t0, Arc::from("d"), id, 7);
        assert_eq!(w.original(t0, "d"), Some((id, 7)));
        assert_eq!(w.original(t0 + Duration::from_secs(299), "d"), Some((id, 7)));
        assert_eq!(w.original(t0 + Duration::from_secs(299), "e"), None);
        assert_eq!(w.original(t0 + DEDUP_WINDOW, "d"), None);
        w.remember(t0 + DEDUP_WINDOW, Arc::from("d"), id, 8);
        assert_eq!(w.original(t0 + DEDUP_WINDOW, "d"), Some((id, 8)), "a key may come back after expiry");
    }
}
