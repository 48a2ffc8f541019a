//! The counters of one mapping, sampled under `AWS/Lambda` with the mapping's UUID as
//! the resource (AWS publishes them per `EventSourceMappingUUID`).

use std::sync::atomic::{AtomicU64, Ordering};

use super::MappingShared;
use crate::metrics::MetricSource;

/// Running totals of a mapping.
#[derive(Default, Debug)]
pub(crate) struct Counters {
    pub(crate) polled: AtomicU64,
    pub(crate) invoked_events: AtomicU64,
    pub(crate) batches: AtomicU64,
    pub(crate) failed_invoke_events: AtomicU64,
    pub(crate) deleted: AtomicU64,
    pub(crate) dropped: AtomicU64,
    pub(crate) on_failure_delivered: AtomicU64,
    pub(crate) on_failure_failed: AtomicU64,
    pub(crate) throttled: AtomicU64,
    pub(crate) iterator_age_ms: AtomicU64,
}

impl Counters {
    pub(crate) fn add(a: &AtomicU64, n: usize) {
        a.fetch_add(n as u64, Ordering::Relaxed);
    }
}

impl MetricSource for MappingShared {
    fn sample(&self, out: &mut Vec<(&'static str, f64)>) {
        let c = &self.counters;
        let get = |a: &AtomicU64| a.load(Ordering::Relaxed) as f64;
        out.extend([
            ("PolledEventCount", get(&c.polled)),
            ("InvokedEventCount", get(&c.invoked_events)),
            ("BatchesInvoked", get(&c.batches)),
            ("FailedInvokeEventCount", get(&c.failed_invoke_events)),
            ("DeletedEventCount", get(&c.deleted)),
            ("DroppedEventCount", get(&c.dropped)),
            ("OnFailureDestinationDeliveredEventCount", get(&c.on_failure_delivered)),
            ("DestinationDeliveryFailures", get(&c.on_failure_failed)),
            ("ThrottledInvokes", get(&c.throttled)),
            ("IteratorAge", get(&c.iterator_age_ms)),
        ]);
    }
}
