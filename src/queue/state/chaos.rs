//! A standard queue's receive under [`ChaosConfig`](crate::ChaosConfig).

use std::time::Duration;

use super::{NewMessage, State, Taken};
use crate::clock::Timestamp;

impl State {
    /// A standard queue's receive under [`ChaosConfig`](crate::ChaosConfig), with
    /// every choice drawn from the queue's seeded generator.
    pub(super) fn receive_with_chaos(
        &mut self,
        now: Timestamp,
        max: usize,
        vt: Duration,
        max_receives: Option<u32>,
    ) -> Taken {
        use rand::seq::SliceRandom;
        use rand::Rng;
        let Some(chaos) = self.chaos.as_deref().cloned() else { return Taken::default() };
        let mut max = max;
        if max > 1 && self.rng.random_bool(chaos.short_receive_rate) {
            max = self.rng.random_range(1..max);
        }
        let mut taken = Taken { messages: Vec::with_capacity(max.min(10)), ..Taken::default() };
        let mut copies = Vec::new();
        while taken.messages.len() < max {
            let Some(r) = self.flavor.next_standard(&self.slab) else { break };
            let before = taken.messages.len();
            self.take_or_redrive(now, r, vt, max_receives, &mut taken);
            // A duplicate: a second copy of the message, as a service keeping copies on
            // several hosts may hand out; deleting one copy leaves the other.
            if taken.messages.len() > before && self.rng.random_bool(chaos.duplicate_rate) {
                let m = &taken.messages[before];
                copies.push(NewMessage {
                    body: m.body.clone(),
                    id: m.message_id,
                    extra: m.extra.clone(),
                    sent_at: m.sent_at,
                    delay: Duration::ZERO,
                    receive_count: m.receive_count,
                    first_receive: m.first_receive,
                });
            }
        }
        for copy in copies {
            self.insert(now, copy);
        }
        if chaos.reorder {
            taken.messages.shuffle(&mut self.rng);
        }
        taken
    }
}
