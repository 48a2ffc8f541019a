//! The stream poller, shared by Kinesis streams and table change streams (through
//! [`PollSource`]): per shard, records are spread over `parallelization factor` lanes
//! by partition key; each lane sends one batch at a time, in order, and blocks on a
//! failed batch until it succeeds, is bisected, or is discarded (retries exhausted,
//! records too old) with its metadata sent to the on-failure destination. A child
//! shard starts only once its parents are finished.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;

use bytes::Bytes;

use super::config::MAX_BATCH_PAYLOAD;
use super::events::envelope;
use super::metrics::Counters;
use super::response::{parse_batch_response, BatchVerdict};
use super::source::{Cursor, PollSource, ShardRef, SourceRecord, Start};
use super::window::{self, window_of, WindowCall};
use super::{MappingShared, MappingState, POLL_INTERVAL};
use crate::clock::Timestamp;
use crate::codec::fnv1a;
use crate::function::Invocation;
use crate::stream::StartingPosition;

/// Most records a shard holds read ahead of its lanes.
const READ_AHEAD: usize = 10_000;

struct Batch {
    records: Vec<SourceRecord>,
    attempts: u32,
    /// The start of the window this batch closes (a final tumbling-window invoke).
    final_window: Option<Timestamp>,
}

/// The tumbling window a lane is in, and the state the function returned for it.
struct Tumbling {
    start: Timestamp,
    state: serde_json::Value,
}

#[derive(Default)]
struct Lane {
    queue: VecDeque<SourceRecord>,
    /// The batch being sent or retried, then the other halves of a bisected batch.
    batches: VecDeque<Batch>,
    inflight: bool,
    window_start: Option<Timestamp>,
    retry_at: Option<Timestamp>,
    tumbling: Option<Tumbling>,
}

impl Lane {
    fn idle(&self) -> bool {
        self.queue.is_empty() && self.batches.is_empty() && !self.inflight && self.tumbling.is_none()
    }
}

struct ShardState {
    shard: ShardRef,
    parents: Vec<String>,
    start: Start,
    cursor: Option<Cursor>,
    last_read: Option<u128>,
    ended: bool,
    lanes: Vec<Lane>,
}

impl ShardState {
    fn finished(&self) -> bool {
        self.ended && self.lanes.iter().all(Lane::idle)
    }
}

/// A stream mapping's poller state.
pub(crate) struct StreamPoller {
    source: Arc<PollSource>,
    shards: BTreeMap<String, ShardState>,
    discovered: bool,
}

impl StreamPoller {
    pub(crate) fn new(source: Arc<PollSource>) -> Self {
        StreamPoller { source, shards: BTreeMap::new(), discovered: false }
    }
}

fn lane_of(key: &str, lanes: usize) -> usize {
    // Stable across runs and platforms.
    (fnv1a(key.as_bytes()) % lanes as u64) as usize
}

struct Dispatch {
    shard: String,
    lane: usize,
    records: Vec<SourceRecord>,
    attempts: u32,
    window: Option<WindowCall>,
}

struct Discard {
    shard: String,
    records: Vec<SourceRecord>,
    condition: &'static str,
    attempts: u32,
    function_error: Option<String>,
}

/// One scheduled poll; returns when to poll next (`None` once the mapping is gone).
pub(crate) fn tick(s: &Arc<MappingShared>, now: Timestamp) -> Option<Timestamp> {
    poll(s, now)
}

fn poll(s: &Arc<MappingShared>, now: Timestamp) -> Option<Timestamp> {
    let mut inner = s.inner.lock();
    match inner.state {
        MappingState::Deleted => return None,
        MappingState::Disabled => return Some(now + POLL_INTERVAL),
        MappingState::Enabled => {}
    }
    let cfg = inner.config.clone();
    let batch_size = cfg.get_batch_size() as usize;
    let window = cfg.get_maximum_batching_window();
    let factor = cfg.parallelization as usize;
    let tumbling = cfg.tumbling_window;
    let mut problem = None;
    let p = inner.stream.as_mut()?;
    let source = Arc::clone(&p.source);
    // Discover shards: the first ones take the mapping's starting position, later ones
    // (children of a split or merge) start at their beginning.
    match source.shards() {
        Ok(list) => {
            let first = !p.discovered;
            p.discovered = true;
            for sh in list {
                let name = sh.shard.name();
                if p.shards.contains_key(&name) {
                    continue;
                }
                let start = if first {
                    match cfg.starting_position {
                        Some(StartingPosition::Latest) => Start::Latest,
                        Some(StartingPosition::AtTimestamp(t)) => Start::AtTimestamp(t),
                        _ => Start::TrimHorizon,
                    }
                } else {
                    Start::TrimHorizon
                };
                // LATEST skips closed shards: nothing new will arrive there.
                let ended = first && matches!(start, Start::Latest) && !sh.open;
                let mut lanes = Vec::new();
                lanes.resize_with(factor, Lane::default);
                let mut st = ShardState {
                    shard: sh.shard,
                    parents: sh.parents,
                    start,
                    cursor: None,
                    last_read: None,
                    ended,
                    lanes,
                };
                if first && matches!(start, Start::Latest) && !ended {
                    st.cursor = source.cursor(&st.shard, Start::Latest).ok();
                }
                p.shards.insert(name, st);
            }
        }
        Err(e) => problem = Some(e),
    }
    let p = inner.stream.as_mut()?;
    let names: Vec<String> = p.shards.keys().cloned().collect();
    let mut dispatch = Vec::new();
    let mut discards = Vec::new();
    let mut next = now + POLL_INTERVAL;
    for name in &names {
        let ready = {
            let st = &p.shards[name];
            st.parents.iter().all(|parent| p.shards.get(parent).is_none_or(ShardState::finished))
        };
        let Some(st) = p.shards.get_mut(name) else { continue };
        if !ready || st.finished() {
            continue;
        }
        if st.lanes.len() != factor && st.lanes.iter().all(Lane::idle) {
            st.lanes.resize_with(factor, Lane::default);
        }
        // Read ahead.
        let buffered: usize = st.lanes.iter().map(|l| l.queue.len()).sum();
        if !st.ended && buffered < READ_AHEAD {
            if st.cursor.is_none() {
                let start = st.last_read.map_or(st.start, Start::After);
                st.cursor = source.cursor(&st.shard, start).ok();
            }
            if let Some(c) = st.cursor.take() {
                match source.read(&st.shard, &c, READ_AHEAD - buffered) {
                    Ok((records, after)) => {
                        for r in records {
                            st.last_read = Some(r.seq);
                            let lane = lane_of(&r.key, st.lanes.len());
                            st.lanes[lane].queue.push_back(r);
                        }
                        st.ended = after.is_none();
                        st.cursor = after;
                    }
                    Err(e) if e.expired => st.cursor = None,
                    Err(e) => problem = Some(e.message),
                }
            }
        }
        for (i, lane) in st.lanes.iter_mut().enumerate() {
            if lane.inflight || lane.retry_at.is_some_and(|t| t > now) {
                continue;
            }
            if lane.batches.is_empty() && !tumbling.is_zero() {
                if let Some(t) = &lane.tumbling {
                    let end = t.start + tumbling;
                    let front_in_window = lane.queue.front().is_some_and(|r| window_of(r.arrival, tumbling) == t.start);
                    if !front_in_window && now >= end {
                        lane.batches.push_back(Batch { records: Vec::new(), attempts: 0, final_window: Some(t.start) });
                    } else if !front_in_window {
                        next = next.min(end);
                        continue;
                    }
                }
            }
            if lane.batches.is_empty() && !lane.queue.is_empty() {
                lane.window_start.get_or_insert(now);
                let front_window = lane.queue.front().map(|r| window_of(r.arrival, tumbling));
                let same_window =
                    |r: &SourceRecord| tumbling.is_zero() || Some(window_of(r.arrival, tumbling)) == front_window;
                let in_window = lane.queue.iter().take_while(|r| same_window(r)).count();
                let full = in_window >= batch_size || in_window < lane.queue.len();
                let window_over = lane.window_start.is_some_and(|t| now >= t + window);
                if !full && !window_over {
                    if let Some(t) = lane.window_start {
                        next = next.min(t + window);
                    }
                    continue;
                }
                let mut records = Vec::new();
                let mut bytes = 14;
                while let Some(r) = lane.queue.front() {
                    if records.len() == batch_size
                        || (!records.is_empty() && bytes + r.json.len() + 1 > MAX_BATCH_PAYLOAD)
                    {
                        break;
                    }
                    bytes += r.json.len() + 1;
                    records.extend(lane.queue.pop_front());
                }
                lane.window_start = if lane.queue.is_empty() { None } else { Some(now) };
                if let (false, Some(start)) = (tumbling.is_zero(), front_window) {
                    if lane.tumbling.as_ref().is_none_or(|t| t.start != start) {
                        lane.tumbling = Some(Tumbling { start, state: serde_json::json!({}) });
                    }
                }
                lane.batches.push_back(Batch { records, attempts: 0, final_window: None });
            }
            let Some(front) = lane.batches.front_mut() else { continue };
            // Records past the maximum age (or the stream's retention) are discarded.
            let max_age = cfg.max_record_age;
            let old = front
                .records
                .iter()
                .take_while(|r| max_age.is_some_and(|a| now.saturating_duration_since(r.arrival) > a))
                .count();
            if old > 0 {
                let records: Vec<_> = front.records.drain(..old).collect();
                discards.push(Discard {
                    shard: name.clone(),
                    records,
                    condition: "RecordAgeExceeded",
                    attempts: front.attempts,
                    function_error: None,
                });
                if front.records.is_empty() {
                    lane.batches.pop_front();
                    continue;
                }
            }
            let window = match (&lane.tumbling, tumbling.is_zero()) {
                (Some(t), false) => Some(WindowCall {
                    start: t.start,
                    end: t.start + tumbling,
                    state: t.state.clone(),
                    is_final: front.final_window.is_some(),
                }),
                _ => None,
            };
            lane.inflight = true;
            lane.retry_at = None;
            dispatch.push(Dispatch {
                shard: name.clone(),
                lane: i,
                records: front.records.clone(),
                attempts: front.attempts,
                window,
            });
        }
    }
    if let Some(e) = problem {
        inner.last_result = format!("PROBLEM: {e}");
    }
    drop(inner);
    for d in discards {
        deliver_failure(s, d);
    }
    if let Some(cloud) = s.weak.upgrade() {
        if !dispatch.is_empty() {
            s.note("poll", "", || format!("{} batches", dispatch.len()));
        }
        for d in dispatch {
            let s2 = Arc::clone(s);
            cloud.inner.scheduler.schedule_now(Box::new(move || run_batch(&s2, d)));
        }
    }
    Some(next)
}

/// Invokes the function with one batch and moves its lane on.
fn run_batch(s: &Arc<MappingShared>, d: Dispatch) {
    let (function, report, bisect, max_retries) = {
        let inner = s.inner.lock();
        let c = &inner.config;
        (c.function.clone(), c.report_item_failures, c.bisect, c.max_retries)
    };
    let now = s.clock.now();
    if let Some(last) = d.records.last() {
        let age = now.saturating_duration_since(last.arrival).as_millis() as u64;
        s.counters.iterator_age_ms.store(age, std::sync::atomic::Ordering::Relaxed);
    }
    let n = d.records.len();
    let payload = match &d.window {
        Some(w) => window::envelope(d.records.iter().map(|r| &*r.json), w, &d.shard, &s.source_arn),
        None => envelope(d.records.iter().map(|r| &*r.json)),
    };
    let outcome = s.rt.invoke(&function, Invocation::request_response(payload));
    let mut function_error = None;
    let mut new_state = None;
    let verdict = match outcome {
        Err(e) if e.code() == "TooManyRequestsException" => {
            Counters::add(&s.counters.throttled, 1);
            None
        }
        Err(e) => Some(BatchVerdict::Failed(format!("{}: {e}", e.code()))),
        Ok(out) => {
            Counters::add(&s.counters.invoked_events, n);
            Counters::add(&s.counters.batches, 1);
            new_state = Some(window::returned_state(out.payload()));
            if let Some(kind) = out.function_error() {
                function_error = Some(kind.to_owned());
                Some(BatchVerdict::Failed(format!("function error {kind}")))
            } else if report {
                let seqs: Vec<String> = d.records.iter().map(|r| r.seq.to_string()).collect();
                Some(parse_batch_response(out.payload(), |id| seqs.iter().any(|x| x == id)))
            } else {
                Some(BatchVerdict::Success)
            }
        }
    };
    let mut discard = None;
    let mut progressed = false;
    let result;
    {
        let mut inner = s.inner.lock();
        let Some(p) = inner.stream.as_mut() else { return };
        let Some(lane) = p.shards.get_mut(&d.shard).and_then(|st| st.lanes.get_mut(d.lane)) else { return };
        lane.inflight = false;
        let retry = |lane: &mut Lane, keep_from: usize, discard: &mut Option<Discard>| {
            let Some(front) = lane.batches.front_mut() else { return };
            front.records.drain(..keep_from.min(front.records.len()));
            front.attempts += 1;
            if max_retries >= 0 && front.attempts > max_retries as u32 {
                let b = lane.batches.pop_front().map(|b| (b.records, b.attempts)).unwrap_or_default();
                *discard = Some(Discard {
                    shard: d.shard.clone(),
                    records: b.0,
                    condition: "RetryAttemptsExhausted",
                    attempts: b.1,
                    function_error: None,
                });
            } else {
                lane.retry_at = Some(now + POLL_INTERVAL);
            }
        };
        result = match verdict {
            None => {
                lane.retry_at = Some(now + POLL_INTERVAL);
                "PROBLEM: throttled".to_owned()
            }
            Some(BatchVerdict::Success) => {
                lane.batches.pop_front();
                progressed = true;
                if let (Some(w), Some(state)) = (&d.window, new_state) {
                    lane.tumbling = (!w.is_final).then_some(Tumbling { start: w.start, state });
                }
                "OK".to_owned()
            }
            Some(BatchVerdict::Partial(ids)) => {
                let lowest = d.records.iter().position(|r| ids.contains(&r.seq.to_string())).unwrap_or(0);
                Counters::add(&s.counters.failed_invoke_events, n - lowest);
                progressed = lowest > 0;
                retry(lane, lowest, &mut discard);
                format!("OK: retrying from sequence number {}", d.records[lowest].seq)
            }
            Some(BatchVerdict::Failed(why)) => {
                Counters::add(&s.counters.failed_invoke_events, n);
                if bisect && n > 1 {
                    if let Some(front) = lane.batches.pop_front() {
                        let mut first = front.records;
                        let second = first.split_off(n / 2);
                        let attempts = front.attempts;
                        lane.batches.push_front(Batch { records: second, attempts, final_window: None });
                        lane.batches.push_front(Batch { records: first, attempts, final_window: None });
                    }
                    progressed = true;
                } else {
                    retry(lane, 0, &mut discard);
                }
                format!("PROBLEM: {why}")
            }
        };
        inner.last_result = result.clone();
    }
    s.note("invoke-batch", d.shard.clone(), || format!("{n} records, attempt {}: {result}", d.attempts + 1));
    if let Some(mut x) = discard {
        x.function_error = function_error;
        deliver_failure(s, x);
    }
    if progressed {
        poll(s, now);
    }
}

/// Sends the metadata of a discarded batch to the on-failure destination.
fn deliver_failure(s: &Arc<MappingShared>, d: Discard) {
    let (Some(first), Some(last)) = (d.records.first(), d.records.last()) else { return };
    Counters::add(&s.counters.dropped, d.records.len());
    let (dest, function, info_key) = {
        let inner = s.inner.lock();
        let key = inner.stream.as_ref().map_or("KinesisBatchInfo", |p| p.source.batch_info_key());
        (inner.config.on_failure.clone(), inner.config.function.clone(), key)
    };
    s.note("discard", d.shard.clone(), || format!("{} records: {}", d.records.len(), d.condition));
    let Some(dest) = dest else { return };
    let function_arn = s.rt.function(&function).map(|f| f.arn().to_owned()).unwrap_or_default();
    let now = s.clock.now();
    let mut record = serde_json::json!({
        "requestContext": {
            "requestId": format!("{}-{}-{}", s.uuid, d.shard, first.seq),
            "functionArn": function_arn,
            "condition": d.condition,
            "approximateInvokeCount": d.attempts.max(1),
        },
        "responseContext": {
            "statusCode": 200,
            "executedVersion": "$LATEST",
            "functionError": d.function_error.unwrap_or_default(),
        },
        "version": "1.0",
        "timestamp": now.to_string(),
    });
    record[info_key] = serde_json::json!({
        "shardId": d.shard,
        "startSequenceNumber": first.seq.to_string(),
        "endSequenceNumber": last.seq.to_string(),
        "approximateArrivalOfFirstRecord": first.arrival.to_string(),
        "approximateArrivalOfLastRecord": last.arrival.to_string(),
        "batchSize": d.records.len(),
        "streamArn": s.source_arn,
    });
    match dest.deliver(Bytes::from(record.to_string()), &[]) {
        Ok(()) => Counters::add(&s.counters.on_failure_delivered, d.records.len()),
        Err(_) => Counters::add(&s.counters.on_failure_failed, 1),
    }
}
