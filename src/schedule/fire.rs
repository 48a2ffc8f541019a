//! Firing: a schedule's repeating task on the cloud's scheduler, the invocation of its
//! target, retries with backoff, and the dead-letter queue for what is given up.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use rand::rngs::SmallRng;
use rand::Rng;

use super::target::{Failure, Firing, RetryPolicy};
use super::ScheduleShared;
use crate::clock::Timestamp;
use crate::cloud::{Cloud, WeakCloud};
use crate::journal::JournalEntry;
use crate::message::AttributeValue;
use crate::queue::OutgoingMessage;
use crate::scheduler::TaskId;

/// One due time of a schedule, carried through its retries.
struct Event {
    id: String,
    scheduled: Timestamp,
}

/// Starts firing at the first due time after `from`; returns the task and that time,
/// or `None` when the expression never fires again. The caller holds the schedule's
/// state lock, so that a concurrent disable or delete sees the task.
pub(super) fn start(shared: &Arc<ScheduleShared>, cloud: &Cloud, from: Timestamp) -> Option<(TaskId, Timestamp)> {
    let first = shared.next_after(from)?;
    let mut rng: Option<SmallRng> = shared.flexible_window.map(|_| cloud.rng_for(&format!("schedule/{}", shared.name)));
    let window = shared.flexible_window;
    let mut jitter = move |nominal: Timestamp| match (window, rng.as_mut()) {
        (Some(w), Some(r)) => nominal + Duration::from_millis(r.random_range(0..=w.as_millis() as u64)),
        _ => nominal,
    };
    let weak = cloud.downgrade();
    let s = Arc::clone(shared);
    let mut nominal = first;
    let first_due = jitter(first);
    let task = cloud.inner.scheduler.schedule_repeating(
        first_due,
        Box::new(move |due: Timestamp| {
            let cloud = weak.upgrade()?;
            let seq = s.counters.firings.fetch_add(1, Ordering::Relaxed) + 1;
            let event = Arc::new(Event { id: format!("{}-{seq}", s.name), scheduled: nominal });
            let next = s.next_after(nominal);
            s.state.lock().next_fire = next;
            attempt(&s, &weak, &event, 1);
            drop(cloud);
            nominal = next?;
            // Keep firings in order even when the window draws an earlier offset.
            Some(jitter(nominal).max(due))
        }),
    );
    Some((task, first))
}

/// Invokes the target once for `event`; on failure retries later or gives up.
fn attempt(s: &Arc<ScheduleShared>, weak: &WeakCloud, event: &Arc<Event>, n: u32) {
    if s.state.lock().deleted {
        return;
    }
    let now = s.clock.now();
    let firing = Firing { id: &event.id, schedule_arn: &s.arn, scheduled_time: event.scheduled, attempt: n };
    let input = s.target.input_for(&firing);
    let endpoint = &s.target.endpoint;
    s.counters.attempts.fetch_add(1, Ordering::Relaxed);
    let result = endpoint.deliver(&input, &firing);
    s.journal.record_with(|| {
        let detail = match &result {
            Ok(()) => format!("attempt {n}: ok"),
            Err(f) => format!("attempt {n}: {}", f.code),
        };
        JournalEntry::new(now, "scheduler", s.name.as_str(), "invoke", event.id.as_str())
            .with_peer(endpoint.service(), endpoint.name())
            .with_detail(detail)
    });
    let failure = match result {
        Ok(()) => return,
        Err(f) => f,
    };
    s.counters.target_errors.fetch_add(1, Ordering::Relaxed);
    let policy = s.target.retry;
    let retries_done = n - 1;
    let next_try = now + RetryPolicy::backoff(n);
    let condition = if retries_done >= policy.maximum_retry_attempts_value() {
        "MaximumRetryAttemptsExceeded"
    } else if next_try - event.scheduled > policy.maximum_event_age_value() {
        "MaximumEventAgeExceeded"
    } else {
        let Some(cloud) = weak.upgrade() else { return };
        let (s2, weak2, event2) = (Arc::clone(s), weak.clone(), Arc::clone(event));
        cloud.inner.scheduler.schedule_at(next_try, Box::new(move || attempt(&s2, &weak2, &event2, n + 1)));
        return;
    };
    give_up(s, event, &input, &failure, condition, retries_done, now);
}

/// Sends a firing that will not be tried again to the dead-letter queue, or drops it.
fn give_up(
    s: &ScheduleShared,
    event: &Event,
    input: &Bytes,
    failure: &Failure,
    condition: &'static str,
    retries: u32,
    now: Timestamp,
) {
    let Some(dlq) = &s.target.dead_letter else {
        s.counters.dropped.fetch_add(1, Ordering::Relaxed);
        s.journal.record_with(|| {
            JournalEntry::new(now, "scheduler", s.name.as_str(), "drop", event.id.as_str()).with_detail(condition)
        });
        return;
    };
    let msg = OutgoingMessage::new(input.clone())
        .attribute("ERROR_CODE", AttributeValue::string(failure.code))
        .attribute("ERROR_MESSAGE", AttributeValue::string(truncate(&failure.message)))
        .attribute("EXHAUSTED_RETRY_CONDITION", AttributeValue::string(condition))
        .attribute("RETRY_ATTEMPTS", AttributeValue::number(retries.to_string()))
        .attribute("SCHEDULE_ARN", AttributeValue::string(s.arn.as_str()))
        .attribute("TARGET_ARN", AttributeValue::string(s.target.arn()));
    let sent = dlq.send_message(msg);
    let counter = if sent.is_ok() { &s.counters.dead_lettered } else { &s.counters.dead_letter_failed };
    counter.fetch_add(1, Ordering::Relaxed);
    s.journal.record_with(|| {
        let detail = match &sent {
            Ok(_) => condition.to_owned(),
            Err(e) => format!("{condition}; dead-letter queue failed: {}", e.code()),
        };
        JournalEntry::new(now, "scheduler", s.name.as_str(), "dead-letter", event.id.as_str())
            .with_peer("sqs", dlq.name())
            .with_detail(detail)
    });
}

/// Message attribute values stay short (the error text is for people).
fn truncate(s: &str) -> String {
    s.chars().take(256).collect()
}
