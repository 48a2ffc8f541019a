//! One owned lease's processing: the KCL's shard consumer state machine, stepped
//! once per worker round, with no lock held while the processor runs.

use std::panic::{catch_unwind, AssertUnwindSafe};

use super::processor::{Checkpointer, ConsumerState, ProcessRecordsInput, ShardRecordProcessor, ShutdownReason};
use super::source::{Fetched, Opened, Source};
use super::status::WorkerIssue;
use super::{ConsumerError, ExtendedSequenceNumber, LeaseTable, ShardSubscription};
use crate::clock::Timestamp;
use crate::cloud::WeakCloud;
use crate::shards::Cursor;
use crate::stream::{ShardId, StartingPosition};

/// What a step needs from its worker.
pub(crate) struct Ctx<'a> {
    pub source: &'a Source,
    pub table: &'a LeaseTable,
    pub max_records: usize,
    pub now: Timestamp,
}

/// What one step did, for the worker's report, metrics and journal.
#[derive(Default)]
pub(crate) struct StepOutcome {
    pub records: u64,
    pub millis_behind_latest: Option<u64>,
    pub issues: Vec<WorkerIssue>,
    pub shard_ended: bool,
    pub lease_lost: bool,
}

pub(crate) struct ShardConsumer {
    pub state: ConsumerState,
    pub reason: Option<ShutdownReason>,
    pub cp: Checkpointer,
    processor: Box<dyn ShardRecordProcessor>,
    iterator: Option<Cursor>,
    /// Where to open a new iterator: after the last record handed out.
    resume: Option<StartingPosition>,
    retrieval: Retrieval,
}

/// How records reach the processor.
pub(crate) enum Retrieval {
    /// `get_records` with a shard iterator.
    Polling,
    /// Pushed by a `SubscribeToShard` subscription of a registered consumer.
    FanOut { cloud: WeakCloud, consumer: String, sub: Option<Box<ShardSubscription>> },
}

fn panic_message(p: Box<dyn std::any::Any + Send>) -> String {
    p.downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "panic with a non-string payload".to_owned())
}

impl ShardConsumer {
    pub fn new(cp: Checkpointer, processor: Box<dyn ShardRecordProcessor>, retrieval: Retrieval) -> Self {
        ShardConsumer {
            state: ConsumerState::WaitingOnParentShards,
            reason: None,
            cp,
            processor,
            iterator: None,
            resume: None,
            retrieval,
        }
    }

    pub fn shard(&self) -> ShardId {
        self.cp.held.shard_id
    }

    /// Asks for a shutdown; the reason only moves up.
    pub fn request_shutdown(&mut self, reason: ShutdownReason) {
        self.reason = Some(self.reason.map_or(reason, |r| r.max(reason)));
        if matches!(
            self.state,
            ConsumerState::WaitingOnParentShards | ConsumerState::Initializing | ConsumerState::Processing
        ) {
            self.state = ConsumerState::ShutdownRequested;
        }
    }

    pub fn is_done(&self) -> bool {
        self.state == ConsumerState::ShutdownComplete
    }

    /// One round: move through as many states as this round allows.
    pub fn step(&mut self, ctx: &Ctx<'_>) -> StepOutcome {
        let mut out = StepOutcome::default();
        if self.cp.lost {
            self.request_shutdown(ShutdownReason::LeaseLost);
        }
        if self.state == ConsumerState::WaitingOnParentShards {
            self.check_parents(ctx, &mut out);
        }
        if self.state == ConsumerState::Initializing {
            self.initialize(&mut out);
        }
        if self.state == ConsumerState::Processing {
            self.process(ctx, &mut out);
        }
        if matches!(self.state, ConsumerState::ShutdownRequested | ConsumerState::ShuttingDown) {
            self.shut_down(&mut out);
        }
        out
    }

    fn check_parents(&mut self, ctx: &Ctx<'_>, out: &mut StepOutcome) {
        let parents = self.cp.held.parent_shard_ids.clone();
        if parents.is_empty() {
            self.state = ConsumerState::Initializing;
            return;
        }
        let leases = match ctx.table.list() {
            Ok(l) => l,
            Err(e) => return out.issues.push(WorkerIssue::store(ctx.now, e)),
        };
        // A parent without a lease was never leased by this application (it expired
        // or predates it): nothing to wait for.
        let waiting: Vec<ShardId> =
            parents.iter().filter(|p| leases.iter().any(|l| l.shard_id == **p && !l.is_finished())).copied().collect();
        if waiting.is_empty() {
            self.state = ConsumerState::Initializing;
        } else {
            out.issues.push(WorkerIssue::WaitingOnParents { at: ctx.now, shard: self.shard(), parents: waiting });
        }
    }

    fn initialize(&mut self, out: &mut StepOutcome) {
        let from = self.cp.held.checkpoint;
        let shard = self.shard();
        if from == ExtendedSequenceNumber::ShardEnd {
            self.state = ConsumerState::ShutdownComplete;
            return;
        }
        let p = &mut self.processor;
        if let Err(e) = catch_unwind(AssertUnwindSafe(|| p.initialize(&shard, &from))) {
            out.issues.push(WorkerIssue::ProcessorFailed { at: self.cp.clock.now(), shard, message: panic_message(e) });
            return;
        }
        self.resume = from.resume_position();
        self.iterator = None;
        self.state = ConsumerState::Processing;
    }

    fn process(&mut self, ctx: &Ctx<'_>, out: &mut StepOutcome) {
        let shard = self.shard();
        let Some(resume) = self.resume else {
            self.state = ConsumerState::ShutdownComplete;
            return;
        };
        let fetched = match self.fetch(ctx, out, resume) {
            Ok(f) => f,
            Err(e) => return self.read_failed(ctx, out, e),
        };
        out.millis_behind_latest = Some(fetched.millis_behind_latest);
        let ended = fetched.ended;
        let input = ProcessRecordsInput::new(shard, fetched);
        if let Some(last) = input.last_sequence_number() {
            self.cp.largest = ExtendedSequenceNumber::Sequence(last);
            let (p, cp) = (&mut self.processor, &mut self.cp);
            match catch_unwind(AssertUnwindSafe(|| p.process_records(&input, cp))) {
                Ok(()) => {
                    out.records += input.len() as u64;
                    self.resume = Some(StartingPosition::AfterSequenceNumber(last));
                }
                Err(e) => {
                    out.issues.push(WorkerIssue::ProcessorFailed { at: ctx.now, shard, message: panic_message(e) });
                    // Retry from the last checkpoint, as a new owner would.
                    self.rewind();
                    return;
                }
            }
        }
        if self.cp.lost {
            self.request_shutdown(ShutdownReason::LeaseLost);
        } else if ended {
            self.cp.largest = ExtendedSequenceNumber::ShardEnd;
            self.request_shutdown(ShutdownReason::ShardEnd);
        }
    }

    fn fetch(
        &mut self,
        ctx: &Ctx<'_>,
        out: &mut StepOutcome,
        resume: StartingPosition,
    ) -> Result<Fetched, ConsumerError> {
        let shard = self.shard();
        if let Retrieval::FanOut { cloud, consumer, sub } = &mut self.retrieval {
            let live = match sub {
                Some(s) => !s.is_finished(),
                None => false,
            };
            if !live {
                let cloud = cloud.upgrade().ok_or_else(|| ConsumerError::NotFound("the cloud is gone".into()))?;
                let stream = ctx
                    .source
                    .as_stream()
                    .ok_or_else(|| ConsumerError::Validation("enhanced fan-out reads Kinesis streams only".into()))?;
                *sub = Some(Box::new(cloud.subscribe_to_shard(stream, consumer, &shard, resume)?));
            }
            let s = sub.as_mut().expect("subscribed above");
            let mut f = Fetched::empty(false);
            while f.records.len() < ctx.max_records {
                let Some(event) = s.next_event() else { break };
                f.millis_behind_latest = event.millis_behind_latest();
                f.ended |= event.is_at_shard_end();
                f.child_shards.extend_from_slice(event.child_shards());
                f.records.extend_from_slice(event.records());
            }
            return Ok(f);
        }
        let iterator = match self.iterator.take() {
            Some(it) => it,
            None => match ctx.source.open(shard, resume)? {
                Opened::At { cursor, skipped } => {
                    if let Some(error) = skipped {
                        out.issues.push(WorkerIssue::RecordsSkipped { at: ctx.now, shard, error });
                    }
                    cursor
                }
                Opened::Gone(error) => {
                    out.issues.push(WorkerIssue::RecordsSkipped { at: ctx.now, shard, error });
                    return Ok(Fetched::empty(true));
                }
            },
        };
        let mut fetched = ctx.source.read(&iterator, ctx.max_records)?;
        self.iterator = fetched.next.take();
        Ok(fetched)
    }

    /// Forgets everything handed out since the last checkpoint.
    fn rewind(&mut self) {
        self.iterator = None;
        if let Retrieval::FanOut { sub, .. } = &mut self.retrieval {
            *sub = None;
        }
        self.resume = self.cp.held.checkpoint.resume_position();
        self.cp.largest = self.cp.held.checkpoint;
    }

    fn read_failed(&mut self, ctx: &Ctx<'_>, out: &mut StepOutcome, error: ConsumerError) {
        // An expired iterator is reopened next round from `resume`; throttling waits.
        self.iterator = None;
        out.issues.push(WorkerIssue::ReadFailed { at: ctx.now, shard: self.shard(), error });
    }

    fn shut_down(&mut self, out: &mut StepOutcome) {
        self.state = ConsumerState::ShuttingDown;
        let reason = self.reason.unwrap_or(ShutdownReason::Requested);
        let shard = self.shard();
        let now = self.cp.clock.now();
        let (p, cp) = (&mut self.processor, &mut self.cp);
        let result = match reason {
            ShutdownReason::LeaseLost => catch_unwind(AssertUnwindSafe(|| p.lease_lost())),
            ShutdownReason::ShardEnd => catch_unwind(AssertUnwindSafe(|| p.shard_ended(cp))),
            ShutdownReason::Requested => catch_unwind(AssertUnwindSafe(|| p.shutdown_requested(cp))),
        };
        if let Err(e) = result {
            out.issues.push(WorkerIssue::ProcessorFailed { at: now, shard, message: panic_message(e) });
        }
        if reason == ShutdownReason::LeaseLost || self.cp.lost {
            out.lease_lost = true;
            self.reason = Some(ShutdownReason::LeaseLost);
            self.state = ConsumerState::ShutdownComplete;
            if reason != ShutdownReason::LeaseLost {
                // Lost while shutting down: the processor still hears of it.
                let p = &mut self.processor;
                let _ = catch_unwind(AssertUnwindSafe(|| p.lease_lost()));
            }
            return;
        }
        if reason == ShutdownReason::ShardEnd {
            if self.cp.held.checkpoint == ExtendedSequenceNumber::ShardEnd {
                out.shard_ended = true;
                self.state = ConsumerState::ShutdownComplete;
            } else {
                // Stays in ShuttingDown: shard_ended is called again next round.
                out.issues.push(WorkerIssue::ShardEndNotCheckpointed { at: now, shard });
            }
            return;
        }
        self.state = ConsumerState::ShutdownComplete;
    }
}
