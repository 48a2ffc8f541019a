//! The queue a subscription delivers to, named by its ARN as the service names it:
//! the queue is looked up when a delivery needs it, so a subscription may name a
//! queue that does not exist (yet, or any more).

use std::sync::atomic::{AtomicBool, Ordering};

use parking_lot::Mutex;

use super::TopicError;
use crate::cloud::WeakCloud;
use crate::queue::Queue;

/// The parts of a queue ARN, `arn:{partition}:sqs:{region}:{account}:{name}`.
pub(crate) struct QueueArn {
    pub(crate) arn: String,
    pub(crate) name: String,
    pub(crate) fifo: bool,
}

impl QueueArn {
    pub(crate) fn of(q: &Queue) -> Self {
        QueueArn { arn: q.arn().to_owned(), name: q.name().to_owned(), fifo: q.is_fifo() }
    }

    /// Reads an SQS queue ARN; the queue need not exist.
    pub(crate) fn parse(arn: &str) -> Result<Self, TopicError> {
        let bad = |why: &str| TopicError::invalid(format!("{arn:?} is not a queue ARN: {why}"));
        let parts: Vec<&str> = arn.split(':').collect();
        let [prefix, partition, service, region, account, name] = parts[..] else {
            return Err(bad("expected arn:aws:sqs:{region}:{account}:{queue name}"));
        };
        if prefix != "arn" || partition.is_empty() || service != "sqs" || region.is_empty() || account.is_empty() {
            return Err(bad("expected arn:aws:sqs:{region}:{account}:{queue name}"));
        }
        let stem = name.strip_suffix(".fifo").unwrap_or(name);
        let name_ok = !stem.is_empty()
            && name.len() <= 80
            && stem.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if !name_ok {
            return Err(bad("a queue name is 1 to 80 characters of A-Z, a-z, 0-9, '_' and '-' (and .fifo)"));
        }
        Ok(QueueArn { arn: arn.to_owned(), name: name.to_owned(), fifo: name.ends_with(".fifo") })
    }
}

/// A subscription's queue, found by ARN. Until the queue it found is deleted,
/// reading it takes no lock; after that each delivery looks the ARN up again, and a
/// queue created later under that ARN receives the deliveries from then on.
pub(crate) struct QueueSlot {
    arn: String,
    name: String,
    /// The queue found when subscribing, if there was one.
    first: Option<Queue>,
    /// Set once `first` is no longer the queue to use.
    replaced: AtomicBool,
    current: Mutex<Option<Queue>>,
}

impl QueueSlot {
    pub(crate) fn new(arn: QueueArn, first: Option<Queue>) -> Self {
        let replaced = AtomicBool::new(first.is_none());
        QueueSlot { arn: arn.arn, name: arn.name, first, replaced, current: Mutex::new(None) }
    }

    /// Runs `f` on the queue the ARN names now, or returns `None` when there is none
    /// (a client-side error for the delivery).
    pub(crate) fn with<R>(&self, cloud: &WeakCloud, f: impl FnOnce(&Queue) -> R) -> Option<R> {
        if !self.replaced.load(Ordering::Acquire) {
            if let Some(q) = self.first.as_ref().filter(|q| q.exists()) {
                return Some(f(q));
            }
        }
        let mut current = self.current.lock();
        if !current.as_ref().is_some_and(Queue::exists) {
            *current = cloud.upgrade().and_then(|c| c.queue(&self.name).ok()).filter(|q| q.arn() == self.arn);
            self.replaced.store(true, Ordering::Release);
        }
        let q = current.clone()?;
        // The queue's own work runs without this slot's lock.
        drop(current);
        Some(f(&q))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queue_arns() {
        let a = QueueArn::parse("arn:aws:sqs:us-east-1:000000000000:orders").unwrap();
        assert_eq!((a.name.as_str(), a.fifo), ("orders", false));
        assert!(QueueArn::parse("arn:aws:sqs:eu-west-1:123456789012:o.fifo").unwrap().fifo);
        for bad in [
            "",
            "orders",
            "arn:aws:sns:us-east-1:000000000000:orders",
            "arn:aws:sqs:us-east-1:000000000000:",
            "arn:aws:sqs:us-east-1:000000000000:a b",
            "arn:aws:sqs:us-east-1:000000000000:a:b",
            "arn:aws:sqs::000000000000:orders",
            &format!("arn:aws:sqs:us-east-1:000000000000:{}", "x".repeat(81)),
        ] {
            assert_eq!(QueueArn::parse(bad).err().map(|e| e.code()), Some("InvalidParameter"), "{bad}");
        }
    }
}
