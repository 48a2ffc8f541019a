//! The running totals behind a function's CloudWatch metrics (namespace `AWS/Lambda`).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use super::concurrency::RunStats;
use super::FunctionShared;
use crate::metrics::MetricSource;

/// The CloudWatch namespace of function metrics.
pub const NAMESPACE: &str = "AWS/Lambda";

#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub(crate) throttles: AtomicU64,
    pub(crate) dead_letter_errors: AtomicU64,
    pub(crate) destination_failures: AtomicU64,
    pub(crate) async_received: AtomicU64,
    pub(crate) async_dropped: AtomicU64,
    pub(crate) async_age_max_ms: AtomicU64,
}

pub(crate) fn bump(c: &AtomicU64) {
    c.fetch_add(1, Ordering::Relaxed);
}

impl Counters {
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
        let r = self.run_stats();
        out.extend([
            ("Invocations", r.invocations as f64),
            ("Errors", r.errors as f64),
            ("Throttles", get(&c.throttles)),
            ("Duration", r.duration_ns as f64 / 1e6),
            ("ConcurrentExecutions", f64::from(self.slots.peak())),
            ("DeadLetterErrors", get(&c.dead_letter_errors)),
            ("DestinationDeliveryFailures", get(&c.destination_failures)),
            ("AsyncEventsReceived", get(&c.async_received)),
            ("AsyncEventsDropped", get(&c.async_dropped)),
            ("AsyncEventAge", get(&c.async_age_max_ms)),
            ("ColdStarts", r.cold_starts as f64),
            ("InitDuration", r.init_ns as f64 / 1e6),
            ("Timeouts", r.timeouts as f64),
            ("GBSeconds", r.mb_ms as f64 / 1024.0 / 1000.0),
            ("UnreservedConcurrentExecutions", f64::from(self.core.ledger.unreserved_in_flight())),
        ]);
    }
}

impl FunctionShared {
    /// The runs of every version this function has had, summed.
    fn run_stats(&self) -> RunStats {
        let mut total = self.latest.read().envs.stats();
        let st = self.state.lock();
        for v in st.published.iter().chain(st.retired.iter()) {
            total.add(&v.envs.stats());
        }
        total
    }
}

pub(crate) fn register(cloud: &crate::Cloud, f: &Arc<FunctionShared>) {
    cloud.metrics().register(NAMESPACE, &f.name, f);
}
