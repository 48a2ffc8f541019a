//! The queue poller: `receive` → invoke with an SQS event → `delete_batch`, like Lambda.
//!
//! Scaling is simplified: a mapping keeps at most `min(maximum concurrency, 5 + 5 × n)`
//! batches in flight, where `n` counts the consecutive polls that found a backlog with
//! every slot busy (AWS starts five pollers and adds up to 300 concurrent invokes a
//! minute); an empty poll drops back to five. A finished batch polls again at once, so a
//! backlog drains without waiting for the next tick.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use super::config::MAX_BATCH_PAYLOAD;
use super::events::{envelope, sqs_record};
use super::metrics::Counters;
use super::response::{parse_batch_response, BatchVerdict};
use super::{MappingShared, MappingSource, MappingState, POLL_INTERVAL};
use crate::clock::Timestamp;
use crate::function::Invocation;
use crate::queue::{BatchEntry, Queue, ReceiveOptions, ReceivedMessage};

/// Batches in flight when a mapping starts, and the step it grows by.
const RAMP_STEP: u32 = 5;
/// Concurrency when no maximum is set (the account's default concurrency).
const DEFAULT_MAX_CONCURRENCY: u32 = 1_000;
/// Longest wait between retries of a throttled invoke.
const MAX_THROTTLE_BACKOFF: Duration = Duration::from_secs(60);
/// `{"Records":[` + `]}`.
const ENVELOPE_BYTES: usize = 14;

/// A received message waiting for its batch.
pub(crate) struct Pending {
    msg: ReceivedMessage,
    json: String,
    received_at: Timestamp,
}

/// The poller's state, kept under the mapping's lock (never while the function runs).
#[derive(Default)]
pub(crate) struct QueuePoller {
    buffer: VecDeque<Pending>,
    bytes: usize,
    window_start: Option<Timestamp>,
    inflight: u32,
    busy_polls: u32,
}

impl QueuePoller {
    /// Forgets gathered messages: they reappear after their visibility timeout.
    pub(crate) fn release(&mut self) {
        self.buffer.clear();
        self.bytes = 0;
        self.window_start = None;
    }
}

/// One scheduled poll; returns when to poll next (`None` once the mapping is gone).
pub(crate) fn tick(s: &Arc<MappingShared>, now: Timestamp) -> Option<Timestamp> {
    poll(s, now)
}

/// Gathers messages and sends every ready batch; returns the next poll time.
fn poll(s: &Arc<MappingShared>, now: Timestamp) -> Option<Timestamp> {
    let mut inner = s.inner.lock();
    match inner.state {
        MappingState::Deleted => return None,
        MappingState::Disabled => return Some(now + POLL_INTERVAL),
        MappingState::Enabled => {}
    }
    let MappingSource::Queue(q) = inner.config.source.clone() else { return None };
    let batch_size = inner.config.get_batch_size() as usize;
    let window = inner.config.get_maximum_batching_window();
    let max = inner.config.maximum_concurrency.unwrap_or(DEFAULT_MAX_CONCURRENCY);
    let p = &mut inner.queue;
    let limit = max.min(RAMP_STEP.saturating_mul(p.busy_polls.saturating_add(1)));
    let mut batches = Vec::new();
    let mut found_any = false;
    while p.inflight < limit {
        while p.buffer.len() < batch_size && p.bytes < MAX_BATCH_PAYLOAD {
            let want = (batch_size - p.buffer.len()).min(10) as u32;
            let got = q.receive(ReceiveOptions::new().max_messages(want).wait(Duration::ZERO)).unwrap_or_default();
            if got.is_empty() {
                break;
            }
            Counters::add(&s.counters.polled, got.len());
            for msg in got {
                let json = sqs_record(&msg, q.arn(), &s.region);
                p.bytes += json.len() + 1;
                p.buffer.push_back(Pending { msg, json, received_at: now });
            }
            p.window_start.get_or_insert(now);
        }
        if p.buffer.is_empty() {
            p.window_start = None;
            break;
        }
        found_any = true;
        let full = p.buffer.len() >= batch_size || p.bytes + ENVELOPE_BYTES >= MAX_BATCH_PAYLOAD;
        let window_over = p.window_start.is_some_and(|t| now >= t + window);
        if !full && !window_over {
            break;
        }
        let mut batch = Vec::new();
        let mut bytes = ENVELOPE_BYTES;
        while let Some(next) = p.buffer.front() {
            let size = next.json.len() + 1;
            if batch.len() == batch_size || (!batch.is_empty() && bytes + size > MAX_BATCH_PAYLOAD) {
                break;
            }
            bytes += size;
            p.bytes -= size;
            batch.extend(p.buffer.pop_front());
        }
        p.window_start = if p.buffer.is_empty() { None } else { Some(now) };
        p.inflight += 1;
        batches.push(batch);
    }
    if p.inflight >= limit && found_any {
        p.busy_polls = p.busy_polls.saturating_add(1);
    } else if !found_any {
        p.busy_polls = 0;
    }
    let next = match p.window_start {
        Some(t) => (t + window).min(now + POLL_INTERVAL),
        None => now + POLL_INTERVAL,
    };
    drop(inner);
    if !batches.is_empty() {
        s.note("poll", "", || format!("{} batches", batches.len()));
    }
    if let Some(cloud) = s.weak.upgrade() {
        for batch in batches {
            let s2 = Arc::clone(s);
            let q2 = q.clone();
            cloud.inner.scheduler.schedule_now(Box::new(move || run_batch(&s2, &q2, batch, 0)));
        }
    }
    Some(next)
}

/// Invokes the function with one batch and deletes what succeeded.
fn run_batch(s: &Arc<MappingShared>, q: &Queue, batch: Vec<Pending>, attempt: u32) {
    let (function, report) = {
        let inner = s.inner.lock();
        (inner.config.function.clone(), inner.config.report_item_failures)
    };
    let payload = envelope(batch.iter().map(|p| p.json.as_str()));
    let n = batch.len();
    let outcome = s.rt.invoke(&function, Invocation::request_response(payload));
    let now = s.clock.now();
    let verdict = match outcome {
        Err(e) if e.code() == "TooManyRequestsException" => {
            Counters::add(&s.counters.throttled, 1);
            s.note("throttled", "", || format!("{n} messages, attempt {}", attempt + 1));
            let backoff = Duration::from_secs(1u64 << attempt.min(6)).min(MAX_THROTTLE_BACKOFF);
            let visible_until =
                batch.iter().map(|p| p.received_at).min().unwrap_or(now) + q.config().get_visibility_timeout();
            if now + backoff < visible_until {
                if let Some(cloud) = s.weak.upgrade() {
                    let (s2, q2) = (Arc::clone(s), q.clone());
                    cloud
                        .inner
                        .scheduler
                        .schedule_after(backoff, Box::new(move || run_batch(&s2, &q2, batch, attempt + 1)));
                    return;
                }
            }
            // Out of visibility time: the messages reappear and are received again.
            BatchVerdict::Failed("throttled until the visibility timeout".into())
        }
        Err(e) => BatchVerdict::Failed(format!("{}: {e}", e.code())),
        Ok(out) => {
            Counters::add(&s.counters.invoked_events, n);
            Counters::add(&s.counters.batches, 1);
            if let Some(kind) = out.function_error() {
                BatchVerdict::Failed(format!("function error {kind}"))
            } else if report {
                let ids: Vec<String> = batch.iter().map(|p| p.msg.message_id().to_string()).collect();
                parse_batch_response(out.payload(), |id| ids.iter().any(|i| i == id))
            } else {
                BatchVerdict::Success
            }
        }
    };
    let keep: Vec<bool> = match &verdict {
        BatchVerdict::Success => vec![false; n],
        BatchVerdict::Failed(_) => vec![true; n],
        BatchVerdict::Partial(ids) => {
            let mut keep: Vec<bool> = batch.iter().map(|p| ids.contains(&p.msg.message_id().to_string())).collect();
            // FIFO: a failed message holds back the rest of its group, in order.
            if q.is_fifo() {
                let mut blocked: Vec<&str> = Vec::new();
                for (i, p) in batch.iter().enumerate() {
                    let g = p.msg.group_id().unwrap_or("");
                    if keep[i] && !blocked.contains(&g) {
                        blocked.push(g);
                    } else if blocked.contains(&g) {
                        keep[i] = true;
                    }
                }
            }
            keep
        }
    };
    let failed = keep.iter().filter(|k| **k).count();
    Counters::add(&s.counters.failed_invoke_events, failed);
    let handles: Vec<_> = batch
        .iter()
        .zip(&keep)
        .filter(|(_, k)| !**k)
        .enumerate()
        .map(|(i, (p, _))| BatchEntry::new(i.to_string(), p.msg.receipt_handle().clone()))
        .collect();
    let mut deleted = 0;
    let mut chunks = handles.into_iter().peekable();
    while chunks.peek().is_some() {
        let chunk: Vec<_> = chunks.by_ref().take(10).collect();
        if let Ok(r) = q.delete_batch(chunk) {
            deleted += r.successful().len();
        }
    }
    Counters::add(&s.counters.deleted, deleted);
    let result = match &verdict {
        BatchVerdict::Success => "OK".to_owned(),
        BatchVerdict::Partial(ids) => format!("OK: {} of {n} items reported failed", ids.len()),
        BatchVerdict::Failed(why) => format!("PROBLEM: {why}"),
    };
    s.note("invoke-batch", "", || format!("{n} messages, {deleted} deleted: {result}"));
    let more = {
        let mut inner = s.inner.lock();
        inner.queue.inflight = inner.queue.inflight.saturating_sub(1);
        inner.last_result = result;
        deleted > 0 && inner.state == MappingState::Enabled
    };
    if more {
        poll(s, now);
    }
}
