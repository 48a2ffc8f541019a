//! Asynchronous invokes: the event queue on the scheduler, retries, throttle backoff,
//! maximum event age, destinations and dead-letter targets.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;

use super::destination::{record, Condition, Destination, LastRun};
use super::error::FunctionError;
use super::invoke::{InvokeOutput, RequestId};
use super::metrics::bump;
use super::{FunctionShared, VersionData};
use crate::clock::Timestamp;
use crate::journal::JournalEntry;

/// Shortest maximum event age.
pub const MIN_EVENT_AGE: Duration = Duration::from_secs(60);
/// Longest (and default) maximum event age.
pub const MAX_EVENT_AGE: Duration = Duration::from_secs(6 * 3600);
/// Most retries of a failed asynchronous invoke (and the default).
pub const MAX_RETRY_ATTEMPTS: u32 = 2;
/// The first wait after a throttled asynchronous invoke; it doubles up to
/// [`MAX_THROTTLE_BACKOFF`].
pub const MIN_THROTTLE_BACKOFF: Duration = Duration::from_secs(1);
/// The longest wait after a throttled asynchronous invoke.
pub const MAX_THROTTLE_BACKOFF: Duration = Duration::from_secs(300);

/// How a function treats asynchronous invokes: retries (0–2, default 2; the first
/// one minute after the first failure, the second two minutes after the second),
/// maximum event age (60 s–6 h, default 6 h), and destinations.
///
/// ```
/// use localcloud::function::EventInvokeConfig;
/// use std::time::Duration;
/// let cfg = EventInvokeConfig::default().maximum_retry_attempts(0).maximum_event_age(Duration::from_secs(120));
/// # let _ = cfg;
/// ```
#[derive(Clone, Debug)]
pub struct EventInvokeConfig {
    pub(crate) max_retries: u32,
    pub(crate) max_event_age: Duration,
    pub(crate) on_success: Option<Destination>,
    pub(crate) on_failure: Option<Destination>,
}

impl Default for EventInvokeConfig {
    fn default() -> Self {
        EventInvokeConfig {
            max_retries: MAX_RETRY_ATTEMPTS,
            max_event_age: MAX_EVENT_AGE,
            on_success: None,
            on_failure: None,
        }
    }
}

impl EventInvokeConfig {
    /// Retries after a failed run, 0–2.
    pub fn maximum_retry_attempts(mut self, n: u32) -> Self {
        self.max_retries = n;
        self
    }

    /// How long an event may wait (queued, throttled, between retries): 60 s–6 h in
    /// whole seconds.
    pub fn maximum_event_age(mut self, d: Duration) -> Self {
        self.max_event_age = d;
        self
    }

    /// Where the record of a successful run goes.
    pub fn on_success(mut self, d: Destination) -> Self {
        self.on_success = Some(d);
        self
    }

    /// Where the record of an event that failed for good goes (instead of the
    /// function's dead-letter target).
    pub fn on_failure(mut self, d: Destination) -> Self {
        self.on_failure = Some(d);
        self
    }

    /// The configured retry attempts.
    pub fn maximum_retry_attempts_value(&self) -> u32 {
        self.max_retries
    }

    /// The configured maximum event age.
    pub fn maximum_event_age_value(&self) -> Duration {
        self.max_event_age
    }

    /// The on-success destination, if any.
    pub fn on_success_value(&self) -> Option<&Destination> {
        self.on_success.as_ref()
    }

    /// The on-failure destination, if any.
    pub fn on_failure_value(&self) -> Option<&Destination> {
        self.on_failure.as_ref()
    }

    pub(crate) fn validate(&self) -> Result<(), FunctionError> {
        if self.max_retries > MAX_RETRY_ATTEMPTS {
            return Err(FunctionError::invalid(format!(
                "maximum retry attempts must be 0 to 2, got {}",
                self.max_retries
            )));
        }
        let age = self.max_event_age;
        if age < MIN_EVENT_AGE || age > MAX_EVENT_AGE || age.subsec_nanos() != 0 {
            return Err(FunctionError::invalid(format!(
                "maximum event age must be 60 to 21600 whole seconds, got {age:?}"
            )));
        }
        Ok(())
    }
}

/// An event waiting in a function's asynchronous queue.
struct AsyncEvent {
    request_id: RequestId,
    version: Arc<VersionData>,
    invoked: Option<Arc<str>>,
    payload: Bytes,
    enqueued: Timestamp,
    attempts: u32,
    throttles: u32,
}

impl FunctionShared {
    /// Queues an event (the invoke answers 202 at once).
    pub(crate) fn enqueue(
        self: &Arc<Self>,
        version: Arc<VersionData>,
        invoked: Option<Arc<str>>,
        payload: Bytes,
    ) -> InvokeOutput {
        let request_id = self.core.next_request_id();
        let now = self.core.now();
        bump(&self.counters.async_received);
        self.core.journal.record_with(|| {
            JournalEntry::new(now, "lambda", &*self.name, "enqueue", request_id.to_string()).with_detail("Event 202")
        });
        let memory_mb = version.config.memory_mb;
        let ev = AsyncEvent { request_id, version, invoked, payload, enqueued: now, attempts: 0, throttles: 0 };
        self.schedule(ev, now);
        InvokeOutput {
            status: 202,
            request_id,
            payload: Bytes::new(),
            function_error: None,
            version: None,
            duration: Duration::ZERO,
            init_duration: None,
            memory_mb,
            log_tail: None,
        }
    }

    fn schedule(self: &Arc<Self>, ev: AsyncEvent, due: Timestamp) {
        let Some(cloud) = self.core.cloud.upgrade() else {
            return;
        };
        let me = Arc::clone(self);
        cloud.inner.scheduler.schedule_at(due, Box::new(move || me.attempt(ev)));
    }

    fn attempt(self: &Arc<Self>, mut ev: AsyncEvent) {
        if self.check_alive().is_err() {
            bump(&self.counters.async_dropped);
            return;
        }
        let now = self.core.now();
        let age = now.saturating_duration_since(ev.enqueued);
        let cfg = self.state.lock().event_config.clone();
        if ev.attempts == 0 && ev.throttles == 0 {
            self.counters.event_age(age);
        }
        if age > cfg.max_event_age {
            self.fail(&cfg, &ev, Condition::EventAgeExceeded, None);
            return;
        }
        let permit = match self.core.ledger.acquire(&self.slots) {
            Ok(p) => p,
            Err(reason) => {
                bump(&self.counters.throttles);
                ev.throttles += 1;
                let backoff =
                    MIN_THROTTLE_BACKOFF.saturating_mul(1 << (ev.throttles - 1).min(16)).min(MAX_THROTTLE_BACKOFF);
                self.core.journal.record_with(|| {
                    JournalEntry::new(now, "lambda", &*self.name, "throttle", ev.request_id.to_string())
                        .with_detail(format!("{reason}, again in {}s", backoff.as_secs()))
                });
                self.schedule(ev, now + backoff);
                return;
            }
        };
        ev.attempts += 1;
        let version_id = ev.version.id;
        let out = self.execute(Arc::clone(&ev.version), ev.invoked.clone(), ev.request_id, ev.payload.clone(), false);
        self.core.ledger.release(&self.slots, permit);
        self.core.journal.record_with(|| {
            JournalEntry::new(self.core.now(), "lambda", &*self.name, "invoke", ev.request_id.to_string()).with_detail(
                format!("Event {version_id} attempt {} {}", ev.attempts, out.function_error.unwrap_or("ok")),
            )
        });
        let last = LastRun { version: version_id, function_error: out.function_error, payload: &out.payload };
        if out.function_error.is_none() {
            if let Some(dest) = &cfg.on_success {
                self.send_record(dest, &ev, Condition::Success, last);
            }
        } else if ev.attempts <= cfg.max_retries {
            let delay = Duration::from_secs(60 * u64::from(ev.attempts));
            let due = self.core.now() + delay;
            self.schedule(ev, due);
        } else {
            self.fail(&cfg, &ev, Condition::RetriesExhausted, Some(last));
        }
    }

    fn function_arn_for(&self, ev: &AsyncEvent) -> String {
        format!("{}:{}", self.arn, ev.version.id)
    }

    fn send_record(&self, dest: &Destination, ev: &AsyncEvent, condition: Condition, last: LastRun<'_>) {
        self.deliver_record(dest, ev, condition, Some(last));
    }

    fn deliver_record(&self, dest: &Destination, ev: &AsyncEvent, condition: Condition, last: Option<LastRun<'_>>) {
        let body = record(
            self.core.now(),
            ev.request_id,
            &self.function_arn_for(ev),
            condition,
            ev.attempts,
            &ev.payload,
            last,
        );
        let result = dest.deliver(body, &[]);
        if result.is_err() {
            bump(&self.counters.destination_failures);
        }
        let (svc, res) = dest.peer();
        self.core.journal.record_with(|| {
            JournalEntry::new(self.core.now(), "lambda", &*self.name, "destination", ev.request_id.to_string())
                .with_peer(svc, &res)
                .with_detail(match &result {
                    Ok(()) => condition.as_str().to_owned(),
                    Err(e) => format!("{} failed: {e}", condition.as_str()),
                })
        });
    }

    /// The event failed for good: the on-failure destination gets the record, or the
    /// dead-letter target gets the raw event, or it is dropped.
    fn fail(&self, cfg: &super::EventInvokeConfig, ev: &AsyncEvent, condition: Condition, last: Option<LastRun<'_>>) {
        bump(&self.counters.async_dropped);
        if let Some(dest) = &cfg.on_failure {
            self.deliver_record(dest, ev, condition, last);
            return;
        }
        let Some(dlq) = &ev.version.config.dead_letter else {
            self.core.journal.record_with(|| {
                JournalEntry::new(self.core.now(), "lambda", &*self.name, "drop", ev.request_id.to_string())
                    .with_detail(condition.as_str())
            });
            return;
        };
        let message = last
            .as_ref()
            .and_then(|l| serde_json::from_slice::<serde_json::Value>(l.payload).ok())
            .and_then(|v| v.get("errorMessage").and_then(|m| m.as_str()).map(str::to_owned))
            .unwrap_or_else(|| condition.as_str().to_owned());
        let attributes =
            [("RequestID", ev.request_id.to_string()), ("ErrorCode", "200".to_owned()), ("ErrorMessage", message)];
        let result = dlq.deliver(ev.payload.clone(), &attributes);
        if result.is_err() {
            bump(&self.counters.dead_letter_errors);
        }
        let (svc, res) = dlq.peer();
        self.core.journal.record_with(|| {
            JournalEntry::new(self.core.now(), "lambda", &*self.name, "dead-letter", ev.request_id.to_string())
                .with_peer(svc, &res)
                .with_detail(if result.is_ok() { "sent" } else { "failed" })
        });
    }
}
