//! Schedules (EventBridge Scheduler): `rate(…)`, `cron(…)` in the AWS dialect and
//! one-off `at(…)` expressions, firing on the cloud's scheduler into a queue, a topic,
//! a stream or a function ([`Target::function`], an asynchronous invoke), with a retry
//! policy and a dead-letter queue per schedule. UTC only.
//!
//! ## Tutorial: a nightly report
//!
//! A schedule that sends a job to a queue at 02:30 UTC every night. Under a manual
//! clock that jumps, every due night fires once, in order, each at its own time.
//!
//! ```
//! use localcloud::schedule::{ScheduleExpression, Target};
//! use localcloud::{Cloud, QueueConfig, ReceiveOptions};
//! use std::time::Duration;
//!
//! let cloud = Cloud::builder().manual_clock().seed(1).journal(true).build(); // 2024-01-01T00:00Z
//! let jobs = cloud.create_queue("jobs", QueueConfig::default())?;
//! let nightly = cloud.create_schedule(
//!     "nightly-report",
//!     ScheduleExpression::parse("cron(30 2 * * ? *)")?,
//!     Target::queue(&jobs).input(r#"{"report":"daily","for":"<aws.scheduler.scheduled-time>"}"#),
//! )?;
//! assert_eq!(nightly.next_fire_time().unwrap().to_string(), "2024-01-01T02:30:00.000Z");
//!
//! cloud.advance(Duration::from_secs(3 * 86_400)); // three nights pass
//! let got = jobs.receive(ReceiveOptions::new().max_messages(10))?;
//! let bodies: Vec<&str> = got.iter().map(|m| m.body_str()).collect();
//! assert_eq!(bodies, [
//!     r#"{"report":"daily","for":"2024-01-01T02:30:00Z"}"#,
//!     r#"{"report":"daily","for":"2024-01-02T02:30:00Z"}"#,
//!     r#"{"report":"daily","for":"2024-01-03T02:30:00Z"}"#,
//! ]);
//! assert_eq!(got[1].sent_at().to_string(), "2024-01-02T02:30:00.000Z"); // sent at its own time
//! for m in &got {
//!     jobs.delete(m.receipt_handle())?;
//! }
//!
//! // Pause it over the weekend: nothing fires while disabled, and nothing is caught up.
//! nightly.disable()?;
//! cloud.advance(Duration::from_secs(2 * 86_400));
//! assert!(jobs.try_receive()?.is_none());
//! nightly.enable()?;
//! cloud.advance(Duration::from_secs(86_400));
//! assert_eq!(jobs.receive(ReceiveOptions::new().max_messages(10))?.len(), 1);
//!
//! // Every firing is in the journal under the service name "scheduler".
//! assert_eq!(cloud.journal().entries().iter().filter(|e| e.service() == "scheduler" && e.action() == "invoke").count(), 4);
//! cloud.delete_schedule("nightly-report")?;
//! # Ok::<(), localcloud::Error>(())
//! ```
//!
//! When a target fails (its queue, topic, stream or function was deleted), the firing
//! is tried again with backoff under the target's [`RetryPolicy`], then sent to its
//! dead-letter queue with the error in its message attributes (`ERROR_CODE`, `ERROR_MESSAGE`,
//! `EXHAUSTED_RETRY_CONDITION`, `RETRY_ATTEMPTS`, `SCHEDULE_ARN`, `TARGET_ARN`).
//!
//! Rate schedules count from the time they are created or enabled: `rate(1 hour)`
//! created at 10:07 fires at 11:07, 12:07, … A cron schedule created on one of its
//! minutes first fires at the next one.

mod calendar;
mod cron;
mod error;
mod expression;
mod fire;
mod target;
mod zone;

use std::collections::BTreeMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use parking_lot::Mutex;

pub use error::ScheduleError;
pub use expression::{ScheduleExpression, MAX_EXPRESSION_CHARS};
pub use target::{RetryPolicy, Target, MAX_EVENT_AGE, MAX_RETRY_ATTEMPTS, MIN_EVENT_AGE};
pub use zone::TimeZone;

use crate::clock::{Clock, Timestamp};
use crate::cloud::{Cloud, WeakCloud};
use crate::journal::{Journal, JournalEntry};
use crate::metrics::MetricSource;
use crate::scheduler::TaskId;

/// The CloudWatch namespace of schedule metrics.
pub const NAMESPACE: &str = "AWS/Scheduler";

/// The longest flexible time window (24 hours).
pub const MAX_FLEXIBLE_TIME_WINDOW: Duration = Duration::from_secs(24 * 3600);

/// Whether a schedule fires.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ScheduleState {
    /// It fires at its due times.
    Enabled,
    /// It does not fire; enabling it resumes at the next due time (no catching up).
    Disabled,
}

/// Settings of a schedule beyond its expression and target.
///
/// ```
/// use localcloud::schedule::{ScheduleOptions, ScheduleState};
/// use std::time::Duration;
/// let o = ScheduleOptions::default().flexible_time_window(Duration::from_secs(900)).state(ScheduleState::Disabled);
/// # let _ = o;
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScheduleOptions {
    flexible_time_window: Option<Duration>,
    state: ScheduleState,
    time_zone: Option<TimeZone>,
}

impl Default for ScheduleOptions {
    fn default() -> Self {
        ScheduleOptions { flexible_time_window: None, state: ScheduleState::Enabled, time_zone: None }
    }
}

impl ScheduleOptions {
    /// Fire each time at a moment drawn (with the cloud's seed) from the `window`
    /// after the due time, 1 minute – 24 hours. Off by default: on the due time.
    pub fn flexible_time_window(mut self, window: Duration) -> Self {
        self.flexible_time_window = Some(window);
        self
    }

    /// Reads cron fields and `at` times as local time in `zone` (default UTC). A local
    /// time the zone skips at the start of daylight saving does not fire that day; one
    /// it repeats at the end fires once. Rates ignore the zone.
    pub fn time_zone(mut self, zone: TimeZone) -> Self {
        self.time_zone = Some(zone);
        self
    }

    /// The initial state (default enabled).
    pub fn state(mut self, state: ScheduleState) -> Self {
        self.state = state;
        self
    }

    fn validate(&self) -> Result<(), ScheduleError> {
        match self.flexible_time_window {
            Some(w) if w < Duration::from_secs(60) || w > MAX_FLEXIBLE_TIME_WINDOW => Err(ScheduleError::invalid(
                format!("MaximumWindowInMinutes {} is out of range 1-1440", w.as_secs_f64() / 60.0),
            )),
            _ => Ok(()),
        }
    }
}

/// Counts of what a schedule did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ScheduleStats {
    /// Due times reached (each firing counts once, however many attempts it takes).
    pub firings: u64,
    /// Invocation attempts, first tries and retries.
    pub attempts: u64,
    /// Attempts the target failed.
    pub target_errors: u64,
    /// Firings given up on and sent to the dead-letter queue.
    pub dead_lettered: u64,
    /// Firings given up on whose dead-letter send failed too.
    pub dead_letter_failed: u64,
    /// Firings given up on with no dead-letter queue.
    pub dropped: u64,
}

#[derive(Default)]
struct Counters {
    firings: AtomicU64,
    attempts: AtomicU64,
    target_errors: AtomicU64,
    dead_lettered: AtomicU64,
    dead_letter_failed: AtomicU64,
    dropped: AtomicU64,
}

pub(crate) struct ScheduleShared {
    name: String,
    arn: String,
    expression: ScheduleExpression,
    target: Target,
    flexible_window: Option<Duration>,
    time_zone: Option<TimeZone>,
    clock: Arc<dyn Clock>,
    journal: Arc<Journal>,
    counters: Counters,
    state: Mutex<State>,
}

impl ScheduleShared {
    /// The expression's next due time after `t`, in the schedule's zone.
    fn next_after(&self, t: Timestamp) -> Option<Timestamp> {
        match &self.time_zone {
            Some(zone) => self.expression.next_after_in(t, zone),
            None => self.expression.next_after(t),
        }
    }
}

struct State {
    enabled: bool,
    deleted: bool,
    task: Option<TaskId>,
    next_fire: Option<Timestamp>,
}

impl State {
    /// Starts the firing task from now.
    fn start(&mut self, shared: &Arc<ScheduleShared>, cloud: &Cloud) {
        let started = fire::start(shared, cloud, cloud.now());
        self.task = started.map(|(task, _)| task);
        self.next_fire = started.map(|(_, first)| first);
    }
}

/// A handle to one schedule. Cheap to clone, `Send + Sync`.
#[derive(Clone)]
pub struct Schedule {
    shared: Arc<ScheduleShared>,
    cloud: WeakCloud,
}

impl fmt::Debug for Schedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let st = self.shared.state.lock();
        f.debug_struct("Schedule")
            .field("arn", &self.shared.arn)
            .field("expression", &self.shared.expression)
            .field("target", &self.shared.target.arn())
            .field("enabled", &st.enabled)
            .field("deleted", &st.deleted)
            .finish()
    }
}

impl Schedule {
    /// The schedule's name.
    pub fn name(&self) -> &str {
        &self.shared.name
    }

    /// The schedule's ARN, `arn:aws:scheduler:{region}:{account}:schedule/default/{name}`.
    pub fn arn(&self) -> &str {
        &self.shared.arn
    }

    /// When it fires.
    pub fn expression(&self) -> &ScheduleExpression {
        &self.shared.expression
    }

    /// What it invokes.
    pub fn target(&self) -> &Target {
        &self.shared.target
    }

    /// The time zone of its cron fields or `at` time (`None` = UTC).
    pub fn time_zone(&self) -> Option<&TimeZone> {
        self.shared.time_zone.as_ref()
    }

    /// The flexible time window, if on.
    pub fn flexible_time_window(&self) -> Option<Duration> {
        self.shared.flexible_window
    }

    /// Enabled or disabled.
    pub fn state(&self) -> ScheduleState {
        if self.shared.state.lock().enabled {
            ScheduleState::Enabled
        } else {
            ScheduleState::Disabled
        }
    }

    /// Whether the schedule still exists.
    pub fn exists(&self) -> bool {
        !self.shared.state.lock().deleted
    }

    /// The next due time (before any flexible window), when enabled and there is one.
    pub fn next_fire_time(&self) -> Option<Timestamp> {
        let st = self.shared.state.lock();
        if st.enabled {
            st.next_fire
        } else {
            None
        }
    }

    /// What it did so far.
    pub fn stats(&self) -> ScheduleStats {
        let c = &self.shared.counters;
        let get = |a: &AtomicU64| a.load(Ordering::Relaxed);
        ScheduleStats {
            firings: get(&c.firings),
            attempts: get(&c.attempts),
            target_errors: get(&c.target_errors),
            dead_lettered: get(&c.dead_lettered),
            dead_letter_failed: get(&c.dead_letter_failed),
            dropped: get(&c.dropped),
        }
    }

    /// Resumes firing at the next due time after now (a rate counts from now).
    /// Enabling an enabled schedule changes nothing.
    ///
    /// Errors: `ResourceNotFoundException` once deleted.
    pub fn enable(&self) -> Result<(), ScheduleError> {
        self.set_enabled(true)
    }

    /// Stops firing; retries of firings already due go on.
    ///
    /// Errors: `ResourceNotFoundException` once deleted.
    pub fn disable(&self) -> Result<(), ScheduleError> {
        self.set_enabled(false)
    }

    fn set_enabled(&self, on: bool) -> Result<(), ScheduleError> {
        let cloud = self.cloud.upgrade().ok_or_else(|| self.not_found())?;
        let mut st = self.shared.state.lock();
        if st.deleted {
            return Err(self.not_found());
        }
        if st.enabled == on {
            return Ok(());
        }
        st.enabled = on;
        if let Some(task) = st.task.take() {
            cloud.inner.scheduler.cancel(task);
        }
        st.next_fire = None;
        if on {
            st.start(&self.shared, &cloud);
        }
        drop(st);
        let now = cloud.now();
        self.shared.journal.record_with(|| {
            JournalEntry::new(now, "scheduler", self.shared.name.as_str(), if on { "enable" } else { "disable" }, "")
        });
        Ok(())
    }

    fn not_found(&self) -> ScheduleError {
        ScheduleError::NotFound { name: self.shared.name.clone() }
    }
}

impl MetricSource for ScheduleShared {
    fn sample(&self, out: &mut Vec<(&'static str, f64)>) {
        let c = &self.counters;
        let get = |a: &AtomicU64| a.load(Ordering::Relaxed) as f64;
        out.extend([
            ("InvocationAttemptCount", get(&c.attempts)),
            ("TargetErrorCount", get(&c.target_errors)),
            ("InvocationsSentToDeadLetterCount", get(&c.dead_lettered)),
            ("InvocationsFailedToBeSentToDeadLetterCount", get(&c.dead_letter_failed)),
            ("InvocationDroppedCount", get(&c.dropped)),
        ]);
    }
}

/// The schedules of one cloud, by name (held as a per-cloud service).
#[derive(Default)]
struct ScheduleRegistry {
    schedules: Mutex<BTreeMap<String, Schedule>>,
}

impl crate::service::Service for ScheduleRegistry {}

/// Schedule names: 1–64 of `[0-9A-Za-z_.-]`.
fn check_name(name: &str) -> Result<(), ScheduleError> {
    let ok = (1..=64).contains(&name.len())
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'));
    if ok {
        Ok(())
    } else {
        Err(ScheduleError::invalid(format!("schedule name {name:?} must be 1-64 of [0-9A-Za-z_.-]")))
    }
}

impl Cloud {
    /// Creates an enabled schedule that invokes `target` at the times of `expression`.
    ///
    /// Errors: `ValidationException` for a bad name, retry policy or dead-letter queue;
    /// `ConflictException` when the name is taken.
    pub fn create_schedule(
        &self,
        name: &str,
        expression: ScheduleExpression,
        target: Target,
    ) -> Result<Schedule, ScheduleError> {
        self.create_schedule_with(name, expression, target, ScheduleOptions::default())
    }

    /// [`create_schedule`](Cloud::create_schedule) with a flexible time window or an
    /// initial state.
    pub fn create_schedule_with(
        &self,
        name: &str,
        expression: ScheduleExpression,
        target: Target,
        options: ScheduleOptions,
    ) -> Result<Schedule, ScheduleError> {
        check_name(name)?;
        target.validate()?;
        options.validate()?;
        let registry = self.service::<ScheduleRegistry>();
        let mut schedules = registry.schedules.lock();
        if schedules.contains_key(name) {
            return Err(ScheduleError::Conflict(format!("schedule {name:?} already exists")));
        }
        let enabled = options.state == ScheduleState::Enabled;
        let shared = Arc::new(ScheduleShared {
            name: name.to_owned(),
            arn: self.arn("scheduler", &format!("schedule/default/{name}")),
            expression,
            target,
            flexible_window: options.flexible_time_window,
            time_zone: options.time_zone,
            clock: self.clock(),
            journal: self.journal_handle(),
            counters: Counters::default(),
            state: Mutex::new(State { enabled, deleted: false, task: None, next_fire: None }),
        });
        if enabled {
            shared.state.lock().start(&shared, self);
        }
        self.metrics().register(NAMESPACE, name, &shared);
        let now = self.now();
        shared.journal.record_with(|| {
            JournalEntry::new(now, "scheduler", name, "create", "").with_detail(shared.expression.as_str())
        });
        let schedule = Schedule { shared, cloud: self.downgrade() };
        schedules.insert(name.to_owned(), schedule.clone());
        Ok(schedule)
    }

    /// The schedule called `name`.
    pub fn schedule(&self, name: &str) -> Result<Schedule, ScheduleError> {
        self.service::<ScheduleRegistry>()
            .schedules
            .lock()
            .get(name)
            .cloned()
            .ok_or_else(|| ScheduleError::NotFound { name: name.to_owned() })
    }

    /// Deletes a schedule: it fires no more and its pending retries are dropped.
    pub fn delete_schedule(&self, name: &str) -> Result<(), ScheduleError> {
        let schedule = self
            .service::<ScheduleRegistry>()
            .schedules
            .lock()
            .remove(name)
            .ok_or_else(|| ScheduleError::NotFound { name: name.to_owned() })?;
        {
            let mut st = schedule.shared.state.lock();
            st.deleted = true;
            st.enabled = false;
            st.next_fire = None;
            if let Some(task) = st.task.take() {
                self.inner.scheduler.cancel(task);
            }
        }
        self.metrics().unregister(NAMESPACE, name);
        let now = self.now();
        schedule.shared.journal.record_with(|| JournalEntry::new(now, "scheduler", name, "delete", ""));
        Ok(())
    }

    /// Every schedule, sorted by name.
    pub fn list_schedules(&self) -> Vec<Schedule> {
        self.service::<ScheduleRegistry>().schedules.lock().values().cloned().collect()
    }
}
