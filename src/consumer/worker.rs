//! [`Worker`]: one process's share of a consumer application. Each round renews the
//! leases it holds, takes leases when due, reads each owned shard once and calls
//! the processors.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

use parking_lot::Mutex;
use rand::rngs::SmallRng;
use rand::Rng;

use super::config::WorkerConfig;
use super::processor::{Checkpointer, ShardRecordProcessor, ShutdownReason};
use super::shard_consumer::{Ctx, Retrieval, ShardConsumer};
use super::source::Source;
use super::status::{ShardStatus, WorkerIssue, WorkerStatus};
use super::taker::{self, Seen, Take};
use super::{ConsumerError, ExtendedSequenceNumber, Lease, LeaseTable};
use crate::clock::{Clock, Timestamp};
use crate::journal::{Journal, JournalEntry};
use crate::metrics::MetricSource;
use crate::scheduler::TaskId;
use crate::stream::{ShardId, StartingPosition};

/// Issues kept per worker.
const MAX_ISSUES: usize = 100;

pub(crate) type ProcessorFactory = Arc<dyn Fn() -> Box<dyn ShardRecordProcessor> + Send + Sync>;

/// What one round did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RoundReport {
    /// Leases taken this round (unowned, expired or stolen).
    pub taken: Vec<ShardId>,
    /// Leases lost this round.
    pub lost: Vec<ShardId>,
    /// Shards finished this round (`SHARD_END` checkpointed).
    pub ended: Vec<ShardId>,
    /// Records handed to processors this round.
    pub records: u64,
    /// Whether the round was skipped (another round running, a stall, or stopped).
    pub skipped: bool,
}

/// When this worker last saw a lease's counter move.
#[derive(Clone, Copy)]
struct Observation {
    counter: u64,
    since: Timestamp,
}

#[derive(Default)]
struct Bookkeeping {
    observed: BTreeMap<ShardId, Observation>,
    last_renew: Option<Timestamp>,
    last_take: Option<Timestamp>,
    stalled_until: Option<Timestamp>,
    shutdown_requested: bool,
    stopped: bool,
    issues: Vec<WorkerIssue>,
    snapshot: Vec<ShardStatus>,
    waiting: Vec<(ShardId, Vec<ShardId>)>,
    task: Option<TaskId>,
}

pub(crate) struct WorkerShared {
    pub cfg: WorkerConfig,
    pub source: Source,
    pub table: LeaseTable,
    pub clock: Arc<dyn Clock>,
    pub journal: Arc<Journal>,
    pub cloud: crate::cloud::WeakCloud,
    pub factory: ProcessorFactory,
    pub rng: Mutex<SmallRng>,
    pub lease_loss_rate: f64,
    pub stall_rate: f64,
    book: Mutex<Bookkeeping>,
    /// The owned shards; taken out of the lock for the length of a round.
    consumers: Mutex<BTreeMap<ShardId, ShardConsumer>>,
    running: AtomicBool,
    records_processed: AtomicU64,
    leases_held: AtomicU64,
    millis_behind_latest: AtomicU64,
}

/// A worker: a handle a test drives round by round with [`run_once`](Worker::run_once),
/// or that runs itself on the cloud's scheduler after [`start`](Worker::start). Cheap
/// to clone; `Send + Sync`. Build one with [`Consumer::builder`](super::Consumer::builder).
#[derive(Clone)]
pub struct Worker {
    pub(crate) shared: Arc<WorkerShared>,
}

impl fmt::Debug for Worker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Worker")
            .field("application", &self.shared.cfg.application)
            .field("worker_id", &self.shared.cfg.worker_id)
            .field("source", &self.shared.source.name())
            .finish()
    }
}

struct RunningGuard<'a>(&'a AtomicBool);
impl Drop for RunningGuard<'_> {
    fn drop(&mut self) {
        self.0.store(false, Ordering::Release);
    }
}

impl WorkerShared {
    pub(crate) fn new(
        cfg: WorkerConfig,
        source: Source,
        table: LeaseTable,
        cloud: &crate::Cloud,
        factory: ProcessorFactory,
    ) -> Self {
        let chaos = cloud.chaos();
        WorkerShared {
            rng: Mutex::new(cloud.rng_for(&format!("kcl/{}/{}", cfg.application, cfg.worker_id))),
            lease_loss_rate: chaos.lease_loss_rate,
            stall_rate: chaos.stall_rate,
            cfg,
            source,
            table,
            clock: cloud.clock(),
            journal: cloud.journal_handle(),
            cloud: cloud.downgrade(),
            factory,
            book: Mutex::new(Bookkeeping::default()),
            consumers: Mutex::new(BTreeMap::new()),
            running: AtomicBool::new(false),
            records_processed: AtomicU64::new(0),
            leases_held: AtomicU64::new(0),
            millis_behind_latest: AtomicU64::new(0),
        }
    }

    fn journal(&self, now: Timestamp, action: &'static str, shard: ShardId, detail: String) {
        self.journal.record_with(|| {
            JournalEntry::new(now, "kcl", &*self.cfg.application, action, shard.to_string())
                .with_peer(self.source.service(), self.source.name())
                .with_detail(detail)
        });
    }

    fn issue(&self, issue: WorkerIssue) {
        let mut b = self.book.lock();
        if b.issues.len() >= MAX_ISSUES {
            b.issues.remove(0);
        }
        b.issues.push(issue);
    }

    fn chance(&self, rate: f64) -> bool {
        rate > 0.0 && self.rng.lock().random_bool(rate)
    }
}

impl Worker {
    /// The worker's id.
    pub fn worker_id(&self) -> &str {
        &self.shared.cfg.worker_id
    }

    /// The lease table it shares with the application's other workers.
    pub fn leases(&self) -> &LeaseTable {
        &self.shared.table
    }

    /// One round: make leases for new shards (and drop finished ones of shards the
    /// source no longer lists), renew held leases (every failover/3),
    /// take leases (every 2 × failover; at once on the first round), read each owned
    /// shard once and call its processor. Processing problems do not fail the round:
    /// they are in [`status`](Worker::status).
    ///
    /// Errors: only a failing lease table.
    pub fn run_once(&self) -> Result<RoundReport, ConsumerError> {
        let sh = &self.shared;
        if sh.running.swap(true, Ordering::Acquire) {
            return Ok(RoundReport { skipped: true, ..RoundReport::default() });
        }
        let _guard = RunningGuard(&sh.running);
        let now = sh.clock.now();
        let (shutting_down, stalled) = {
            let mut b = sh.book.lock();
            if b.stopped {
                return Ok(RoundReport { skipped: true, ..RoundReport::default() });
            }
            let stalled = match b.stalled_until {
                Some(t) if now < t => true,
                _ => {
                    b.stalled_until = None;
                    false
                }
            };
            (b.shutdown_requested, stalled)
        };
        if stalled {
            return Ok(RoundReport { skipped: true, ..RoundReport::default() });
        }
        if !shutting_down && sh.chance(sh.stall_rate) {
            // Chaos: the worker hangs (a long GC pause, a slow batch) past its failover time.
            let until = now + sh.cfg.failover_time + sh.cfg.failover_time / 2;
            sh.book.lock().stalled_until = Some(until);
            sh.journal.record_with(|| {
                JournalEntry::new(now, "kcl", &*sh.cfg.application, "stall", "")
                    .with_detail(format!("{} until {until}", sh.cfg.worker_id))
            });
            return Ok(RoundReport { skipped: true, ..RoundReport::default() });
        }
        let mut consumers = std::mem::take(&mut *sh.consumers.lock());
        let result = self.round(now, shutting_down, &mut consumers);
        let snapshot =
            consumers.values().map(|c| ShardStatus { shard: c.shard(), state: c.state, reason: c.reason }).collect();
        sh.leases_held.store(consumers.len() as u64, Ordering::Relaxed);
        *sh.consumers.lock() = consumers;
        let mut b = sh.book.lock();
        b.snapshot = snapshot;
        if shutting_down {
            b.stopped = true;
        }
        result
    }

    fn round(
        &self,
        now: Timestamp,
        shutting_down: bool,
        consumers: &mut BTreeMap<ShardId, ShardConsumer>,
    ) -> Result<RoundReport, ConsumerError> {
        let sh = &self.shared;
        let mut report = RoundReport::default();
        let leases = self.sync_shards(now)?;
        let (renew_due, take_due) = {
            let b = sh.book.lock();
            let due = |last: Option<Timestamp>, every| last.is_none_or(|t| now >= t + every);
            (due(b.last_renew, sh.cfg.renew_interval()), due(b.last_take, sh.cfg.take_interval))
        };
        if renew_due {
            self.renew(now, consumers);
            sh.book.lock().last_renew = Some(now);
        }
        if shutting_down {
            for c in consumers.values_mut() {
                c.request_shutdown(ShutdownReason::Requested);
            }
        } else if take_due {
            report.taken = self.take(now, &leases, consumers)?;
            sh.book.lock().last_take = Some(now);
        }
        let ctx = Ctx { source: &sh.source, table: &sh.table, max_records: sh.cfg.max_records, now };
        let mut behind = 0;
        for c in consumers.values_mut() {
            let out = c.step(&ctx);
            report.records += out.records;
            behind = behind.max(out.millis_behind_latest.unwrap_or(0));
            let shard = c.shard();
            for i in out.issues {
                sh.issue(i);
            }
            if out.lease_lost {
                report.lost.push(shard);
                sh.issue(WorkerIssue::LeaseLost { at: now, shard });
                sh.journal(now, "lease-lost", shard, sh.cfg.worker_id.to_string());
            }
            if out.shard_ended {
                report.ended.push(shard);
                sh.journal(now, "shard-end", shard, sh.cfg.worker_id.to_string());
            }
            if c.is_done() && c.reason == Some(ShutdownReason::Requested) {
                // A graceful end hands the lease back at once instead of letting it expire.
                if let Ok(Some(_)) = sh.table.update(&c.cp.held, |u| u.set_owner(None)) {
                    sh.journal(now, "release", shard, sh.cfg.worker_id.to_string());
                }
            }
        }
        consumers.retain(|_, c| !c.is_done());
        if !report.ended.is_empty() {
            // Children may be ready now: look for them next round, not a take interval later.
            sh.book.lock().last_take = None;
        }
        sh.records_processed.fetch_add(report.records, Ordering::Relaxed);
        sh.millis_behind_latest.store(behind, Ordering::Relaxed);
        Ok(report)
    }

    /// Makes a lease for every listed shard that has none; returns the table.
    fn sync_shards(&self, now: Timestamp) -> Result<Vec<Lease>, ConsumerError> {
        let sh = &self.shared;
        let mut leases = sh.table.list()?;
        let shards = match sh.source.shards() {
            Ok(shards) => shards,
            Err(error) => {
                sh.issue(WorkerIssue::SourceFailed { at: now, error });
                return Ok(leases);
            }
        };
        let mut known: BTreeSet<ShardId> = leases.iter().map(|l| l.shard_id).collect();
        let listed: BTreeSet<ShardId> = shards.iter().map(|s| s.id).collect();
        let mut added = false;
        // Parents come first, so a lineage runs through the leases made here too.
        for s in shards {
            if known.contains(&s.id) {
                continue;
            }
            let start = if s.parents.iter().any(|p| known.contains(p)) {
                // A child of shards this application reads: from its first record.
                ExtendedSequenceNumber::TrimHorizon
            } else if sh.cfg.initial_position == StartingPosition::Latest {
                if !s.open {
                    // Starting at LATEST leases only the open shards, as the KCL does:
                    // a closed shard has nothing newer than its children.
                    continue;
                }
                // Unless another worker leased a parent since the list above.
                let mut leased = false;
                for p in s.parents.iter().filter(|p| listed.contains(p)) {
                    leased |= sh.table.get(p)?.is_some();
                }
                if leased {
                    ExtendedSequenceNumber::TrimHorizon
                } else {
                    ExtendedSequenceNumber::Latest
                }
            } else if s.parents.iter().any(|p| listed.contains(p)) {
                // Its parents are leased too and are read first.
                ExtendedSequenceNumber::TrimHorizon
            } else {
                ExtendedSequenceNumber::from_starting_position(sh.cfg.initial_position)
            };
            known.insert(s.id);
            added |= sh.table.create_if_absent(&Lease::new(s.id, start, s.parents))?;
        }
        // A finished lease of a shard the source no longer lists (its data expired) is
        // done with for good, as the KCL's lease cleanup decides: nothing reads that
        // shard again or makes its lease anew, and a child treats a parent without a
        // lease as finished.
        let mut removed = false;
        for l in leases.iter().filter(|l| l.is_finished() && !listed.contains(&l.shard_id)) {
            if sh.table.delete(l)? {
                removed = true;
                sh.journal(now, "cleanup", l.shard_id, sh.cfg.worker_id.to_string());
            }
        }
        if added || removed {
            leases = sh.table.list()?;
        }
        Ok(leases)
    }

    fn renew(&self, now: Timestamp, consumers: &mut BTreeMap<ShardId, ShardConsumer>) {
        let sh = &self.shared;
        for c in consumers.values_mut() {
            if c.cp.lost || c.reason == Some(ShutdownReason::LeaseLost) {
                continue;
            }
            if sh.chance(sh.lease_loss_rate) {
                // Chaos: this worker stops renewing the lease, as if a renewal failed.
                c.cp.lost = true;
                continue;
            }
            match sh.table.update(&c.cp.held, |_| {}) {
                Ok(Some(l)) => c.cp.held = l,
                Ok(None) => c.cp.lost = true,
                Err(e) => sh.issue(WorkerIssue::store(now, e)),
            }
        }
    }

    fn take(
        &self,
        now: Timestamp,
        leases: &[Lease],
        consumers: &mut BTreeMap<ShardId, ShardConsumer>,
    ) -> Result<Vec<ShardId>, ConsumerError> {
        let sh = &self.shared;
        let me: &str = &sh.cfg.worker_id;
        let finished: BTreeSet<ShardId> = leases.iter().filter(|l| l.is_finished()).map(|l| l.shard_id).collect();
        let known: BTreeSet<ShardId> = leases.iter().map(|l| l.shard_id).collect();
        let mut seen = Vec::new();
        {
            let mut b = sh.book.lock();
            b.waiting.clear();
            b.observed.retain(|shard, _| known.contains(shard));
            for l in leases {
                let o = b.observed.entry(l.shard_id).or_insert(Observation { counter: l.counter, since: now });
                if o.counter != l.counter {
                    *o = Observation { counter: l.counter, since: now };
                }
                // Only leases whose parents are done can be worked on.
                let ready = l.parent_shard_ids.iter().all(|p| finished.contains(p) || !known.contains(p));
                if !l.is_finished() && ready {
                    seen.push(Seen { shard: l.shard_id, owner: l.owner.as_deref(), last_moved: o.since });
                } else if !ready {
                    let parents = l.parent_shard_ids.iter().filter(|p| !finished.contains(p)).copied().collect();
                    b.waiting.push((l.shard_id, parents));
                }
            }
        }
        let mine: BTreeSet<ShardId> = consumers.iter().filter(|(_, c)| !c.cp.lost).map(|(s, _)| *s).collect();
        let expired_before = now.saturating_sub(sh.cfg.failover_time);
        let mut taken = Vec::new();
        for (shard, how) in taker::choose(me, &seen, &mine, expired_before) {
            let Some(lease) = leases.iter().find(|l| l.shard_id == shard) else { continue };
            let Some(held) = sh.table.update(lease, |u| u.set_owner(Some(me)))? else { continue };
            let previous = lease.owner.clone().unwrap_or_default();
            let action = if how == Take::Steal { "steal" } else { "take" };
            sh.journal(now, action, shard, format!("{me} from {previous:?}"));
            let factory = Arc::clone(&sh.factory);
            let processor = match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| factory())) {
                Ok(p) => p,
                Err(_) => {
                    sh.issue(WorkerIssue::ProcessorFailed {
                        at: now,
                        shard,
                        message: "the processor factory panicked".into(),
                    });
                    continue;
                }
            };
            let cp = Checkpointer {
                table: sh.table.clone(),
                held,
                largest: lease.checkpoint,
                lost: false,
                journal: Arc::clone(&sh.journal),
                clock: Arc::clone(&sh.clock),
                app: Arc::clone(&sh.cfg.application),
                worker_id: Arc::clone(&sh.cfg.worker_id),
            };
            let retrieval = match &sh.cfg.fan_out {
                Some(name) => Retrieval::FanOut { cloud: sh.cloud.clone(), consumer: name.clone(), sub: None },
                None => Retrieval::Polling,
            };
            if let Some(old) = consumers.insert(shard, ShardConsumer::new(cp, processor, retrieval)) {
                drop(old); // a lease this worker had stopped renewing and took back
            }
            taken.push(shard);
        }
        Ok(taken)
    }

    /// A snapshot as of the last round: shards held and their states, recent issues.
    pub fn status(&self) -> WorkerStatus {
        let b = self.shared.book.lock();
        WorkerStatus {
            worker_id: self.shared.cfg.worker_id.to_string(),
            shards: b.snapshot.clone(),
            issues: b.issues.clone(),
            records_processed: self.shared.records_processed.load(Ordering::Relaxed),
            waiting_on_parents: b.waiting.clone(),
            stopped: b.stopped,
        }
    }

    /// Runs the worker on the cloud's scheduler: a round now, then one every poll
    /// interval (1.5 s by default) or sooner when a renewal is due. Under a
    /// `ManualClock` the rounds run as the test advances the clock.
    pub fn start(&self) {
        let Some(cloud) = self.shared.cloud.upgrade() else { return };
        let shared = Arc::clone(&self.shared);
        let every = self.shared.cfg.poll_interval.min(self.shared.cfg.renew_interval());
        let id = cloud.inner.scheduler.schedule_repeating(
            cloud.now(),
            Box::new(move |due: Timestamp| {
                let w = Worker { shared: Arc::clone(&shared) };
                if let Err(e) = w.run_once() {
                    shared.issue(WorkerIssue::store(due, e));
                }
                (!shared.book.lock().stopped).then(|| due + every)
            }),
        );
        if let Some(old) = self.shared.book.lock().task.replace(id) {
            cloud.inner.scheduler.cancel(old);
        }
    }

    /// Ends the worker gracefully: every processor hears `shutdown_requested` (and
    /// may checkpoint), the leases are handed back, and the worker stops. Runs the
    /// final round now unless one is running, in which case the next round ends it.
    pub fn shutdown(&self) -> Result<(), ConsumerError> {
        self.shared.book.lock().shutdown_requested = true;
        self.run_once().map(|_| ())
    }

    /// Stops the worker as a crash would: no callbacks, no checkpoints, leases left
    /// to expire so that other workers take them after the failover time.
    pub fn kill(&self) {
        let task = {
            let mut b = self.shared.book.lock();
            b.stopped = true;
            b.snapshot.clear();
            b.task.take()
        };
        if let (Some(task), Some(cloud)) = (task, self.shared.cloud.upgrade()) {
            cloud.inner.scheduler.cancel(task);
        }
        let dropped = std::mem::take(&mut *self.shared.consumers.lock());
        drop(dropped);
        self.shared.leases_held.store(0, Ordering::Relaxed);
    }
}

impl MetricSource for WorkerShared {
    fn sample(&self, out: &mut Vec<(&'static str, f64)>) {
        out.extend([
            ("CurrentLeases", self.leases_held.load(Ordering::Relaxed) as f64),
            ("MillisBehindLatest", self.millis_behind_latest.load(Ordering::Relaxed) as f64),
            ("RecordsProcessed", self.records_processed.load(Ordering::Relaxed) as f64),
        ]);
    }
}
