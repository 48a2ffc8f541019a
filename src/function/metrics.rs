//! The running totals behind a function's CloudWatch metrics (namespace `AWS/Lambda`).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use super::FunctionShared;
use crate::metrics::MetricSource;

/// The CloudWatch namespace of function metrics.
pub const NAMESPACE: &str = "AWS/Lambda";

#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub(crate) invocations: AtomicU64,
    pub(crate) errors: AtomicU64,
    pub(crate) throttles: AtomicU64,
    pub(crate) duration_ns: AtomicU64,
    /// MB × billed milliseconds, summed.
    pub(crate) mb_ms: AtomicU64,
    pub(crate) cold_starts: AtomicU64,
    pub(crate) init_ns: AtomicU64,
    pub(crate) timeouts: AtomicU64,
    pub(crate) dead_letter_errors: AtomicU64,
    pub(crate) destination_failures: AtomicU64,
    pub(crate) async_received: AtomicU64,
    pub(crate) async_dropped: AtomicU64,
    pub(crate) async_age_max_ms: AtomicU64,
}

pub(crate) fn bump(c: &AtomicU64) {
    c.fetch_add(1, Ordering::Relaxed);
}

fn nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

impl Counters {
    #[inline]
    pub(crate) fn ran(&self, duration: Duration, billed_ms: u64, memory_mb: u32, failed: bool) {
        self.invocations.fetch_add(1, Ordering::Relaxed);
        self.duration_ns.fetch_add(nanos(duration), Ordering::Relaxed);
        self.mb_ms.fetch_add(billed_ms.saturating_mul(u64::from(memory_mb)), Ordering::Relaxed);
        if failed {
            self.errors.fetch_add(1, Ordering::Relaxed);
        }
    }

    pub(crate) fn cold_start(&self, init: Duration) {
        self.cold_starts.fetch_add(1, Ordering::Relaxed);
        self.init_ns.fetch_add(nanos(init), Ordering::Relaxed);
    }

    pub(crate) fn event_age(&self, age: Duration) {
        self.async_age_max_ms.fetch_max(u64::try_from(age.as_millis()).unwrap_or(u64::MAX), Ordering::Relaxed);
    }
}

/// Metrics of a function:
/// `Invocations`, `Errors`, `Throttles` (counts); `Duration` (total milliseconds, the
/// Sum statistic); `ConcurrentExecutions` (the peak, the Maximum statistic);
/// `DeadLetterErrors`, `DestinationDeliveryFailures`, `AsyncEventsReceived`,
/// `AsyncEventsDropped` (counts); `AsyncEventAge` (milliseconds, the largest seen);
/// and, beyond CloudWatch's set, `ColdStarts`, `InitDuration` (total ms), `Timeouts`,
/// `GBSeconds`, `UnreservedConcurrentExecutions` (now).
impl MetricSource for FunctionShared {
    fn sample(&self, out: &mut Vec<(&'static str, f64)>) {
        let c = &self.counters;
        let get = |a: &AtomicU64| a.load(Ordering::Relaxed) as f64;
        out.extend([
            ("Invocations", get(&c.invocations)),
            ("Errors", get(&c.errors)),
            ("Throttles", get(&c.throttles)),
            ("Duration", get(&c.duration_ns) / 1e6),
            ("ConcurrentExecutions", f64::from(self.slots.peak())),
            ("DeadLetterErrors", get(&c.dead_letter_errors)),
            ("DestinationDeliveryFailures", get(&c.destination_failures)),
            ("AsyncEventsReceived", get(&c.async_received)),
            ("AsyncEventsDropped", get(&c.async_dropped)),
            ("AsyncEventAge", get(&c.async_age_max_ms)),
            ("ColdStarts", get(&c.cold_starts)),
            ("InitDuration", get(&c.init_ns) / 1e6),
            ("Timeouts", get(&c.timeouts)),
            ("GBSeconds", get(&c.mb_ms) / 1024.0 / 1000.0),
            ("UnreservedConcurrentExecutions", f64::from(self.core.ledger.unreserved_in_flight())),
        ]);
    }
}

pub(crate) fn register(cloud: &crate::Cloud, f: &Arc<FunctionShared>) {
    cloud.metrics().register(NAMESPACE, &f.name, f);
}
