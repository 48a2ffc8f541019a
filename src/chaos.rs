//! [`ChaosConfig`]: the liberties a real service takes that a careful consumer must
//! survive, turned on deliberately and driven by the cloud's seed (same seed, same
//! run).

/// What may go wrong, on purpose. Off by default; pass it to
/// [`CloudBuilder::chaos`](crate::CloudBuilder::chaos).
///
/// Standard queues only promise at-least-once delivery in roughly the order sent, and
/// receives that may return fewer messages than are there. Code tested against an
/// orderly emulator can miss all three; this turns them on:
///
/// - **duplicates**: a received message leaves a second copy behind, which a later
///   receive delivers again (same message id, new receipt handle) even when the
///   first copy was deleted;
/// - **reordering**: the messages of one receive come back shuffled;
/// - **short receives**: a receive may return fewer messages than it could.
///
/// FIFO queues keep their guarantees under chaos. Throttling emulation is its own
/// switch, [`CloudBuilder::throttling`](crate::CloudBuilder::throttling).
///
/// ```
/// use localcloud::{ChaosConfig, Cloud, QueueConfig};
/// let cloud = Cloud::builder().manual_clock().seed(3).chaos(ChaosConfig::new().duplicates(1.0)).build();
/// let q = cloud.create_queue("q", QueueConfig::default())?;
/// q.send("once")?;
/// let first = q.try_receive()?.unwrap();
/// q.delete(first.receipt_handle())?;
/// let again = q.try_receive()?.unwrap(); // delivered twice, though deleted
/// assert_eq!(first.message_id(), again.message_id());
/// # Ok::<(), localcloud::QueueError>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ChaosConfig {
    pub(crate) duplicate_rate: f64,
    pub(crate) reorder: bool,
    pub(crate) short_receive_rate: f64,
    pub(crate) lease_loss_rate: f64,
    pub(crate) stall_rate: f64,
}

impl ChaosConfig {
    /// Nothing on.
    pub fn new() -> Self {
        Self::default()
    }

    /// A mix close to what a busy standard queue shows: 1% duplicates, shuffled
    /// receives, and 10% short receives.
    pub fn standard_queue() -> Self {
        ChaosConfig { duplicate_rate: 0.01, reorder: true, short_receive_rate: 0.1, ..Self::default() }
    }

    /// The chance (0 to 1) that a received message is delivered again.
    pub fn duplicates(mut self, rate: f64) -> Self {
        self.duplicate_rate = clamp_rate(rate);
        self
    }

    /// Whether the messages of one receive come back in shuffled order.
    pub fn reorder(mut self, on: bool) -> Self {
        self.reorder = on;
        self
    }

    /// The chance (0 to 1) that a receive returns fewer messages than it could
    /// (never none when some are visible).
    pub fn short_receives(mut self, rate: f64) -> Self {
        self.short_receive_rate = clamp_rate(rate);
        self
    }

    /// The chance (0 to 1), at each renewal of each held lease, that a stream
    /// consumer worker fails to renew it and so loses it: its processor hears
    /// `lease_lost` and another worker takes the lease after the failover time.
    pub fn lease_losses(mut self, rate: f64) -> Self {
        self.lease_loss_rate = clamp_rate(rate);
        self
    }

    /// The chance (0 to 1), at each round of a stream consumer worker, that the
    /// worker stalls (a long pause, a slow batch) for 1.5 × its failover time: it
    /// renews nothing meanwhile, so other workers may take its leases.
    pub fn worker_stalls(mut self, rate: f64) -> Self {
        self.stall_rate = clamp_rate(rate);
        self
    }

    /// Whether anything is on.
    pub fn is_active(&self) -> bool {
        self.duplicate_rate > 0.0
            || self.reorder
            || self.short_receive_rate > 0.0
            || self.lease_loss_rate > 0.0
            || self.stall_rate > 0.0
    }
}

fn clamp_rate(rate: f64) -> f64 {
    if rate.is_nan() {
        0.0
    } else {
        rate.clamp(0.0, 1.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_are_clamped_to_probabilities() {
        let c = ChaosConfig::new().duplicates(3.0).short_receives(-1.0);
        assert_eq!(c.duplicate_rate, 1.0);
        assert_eq!(c.short_receive_rate, 0.0);
        assert_eq!(ChaosConfig::new().duplicates(f64::NAN).duplicate_rate, 0.0);
        assert!(!ChaosConfig::new().is_active());
        assert!(ChaosConfig::standard_queue().is_active());
    }
}
