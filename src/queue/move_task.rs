//! Message move tasks: moving messages out of a dead-letter queue, back to the
//! queues they came from or to a chosen destination, at a bounded rate on the clock.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use parking_lot::Mutex;

use super::ops::Arrival;
use super::state::Entry;
use super::{Queue, QueueError};
use crate::clock::Timestamp;
use crate::cloud::{Cloud, WeakCloud};

/// The highest rate a move task may run at, in messages per second.
pub const MAX_MOVE_RATE: u32 = 500;

/// Where a move task is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MoveTaskStatus {
    /// Moving messages.
    Running,
    /// Moved every message it could see.
    Completed,
    /// Asked to stop; stops before its next step.
    Cancelling,
    /// Stopped on request.
    Cancelled,
    /// Stopped on an error (see [`MoveTask::failure_reason`]).
    Failed,
}

struct TaskState {
    handle: String,
    source_arn: String,
    destination_arn: Option<String>,
    rate: u32,
    moved: u64,
    to_move: u64,
    status: MoveTaskStatus,
    failure_reason: Option<String>,
    started_at: Timestamp,
}

/// A message move task; a cheap handle whose accessors read its current state.
///
/// ```
/// use localcloud::{Cloud, QueueConfig, RedrivePolicy};
/// use localcloud::queue::MoveTaskStatus;
/// use std::time::Duration;
/// let cloud = Cloud::builder().manual_clock().build();
/// let dlq = cloud.create_queue("dlq", QueueConfig::default())?;
/// let q = cloud.create_queue("q", QueueConfig::default()
///     .visibility_timeout(Duration::ZERO)
///     .redrive(RedrivePolicy::new(&dlq, 1)))?;
/// q.send("poison")?;
/// q.try_receive()?;                 // receive 1
/// assert!(q.try_receive()?.is_none()); // receive 2 would exceed 1: moved to the DLQ
/// let task = cloud.start_message_move_task(&dlq, None)?;
/// cloud.run_until_idle();
/// assert_eq!(task.status(), MoveTaskStatus::Completed);
/// assert_eq!(q.try_receive()?.unwrap().receive_count(), 1); // a fresh count
/// # Ok::<(), localcloud::QueueError>(())
/// ```
#[derive(Clone)]
pub struct MoveTask {
    state: Arc<Mutex<TaskState>>,
}

impl MoveTask {
    /// The task's opaque handle.
    pub fn task_handle(&self) -> String {
        self.state.lock().handle.clone()
    }

    /// The current status.
    pub fn status(&self) -> MoveTaskStatus {
        self.state.lock().status
    }

    /// How many messages it has moved so far.
    pub fn moved(&self) -> u64 {
        self.state.lock().moved
    }

    /// How many messages the dead-letter queue held when the task started.
    pub fn approximate_to_move(&self) -> u64 {
        self.state.lock().to_move
    }

    /// The dead-letter queue's ARN.
    pub fn source_arn(&self) -> String {
        self.state.lock().source_arn.clone()
    }

    /// The destination's ARN, or `None` when messages go back to their own sources.
    pub fn destination_arn(&self) -> Option<String> {
        self.state.lock().destination_arn.clone()
    }

    /// The rate limit in messages per second.
    pub fn max_per_second(&self) -> u32 {
        self.state.lock().rate
    }

    /// Why the task failed, if it did.
    pub fn failure_reason(&self) -> Option<String> {
        self.state.lock().failure_reason.clone()
    }

    /// When the task started.
    pub fn started_at(&self) -> Timestamp {
        self.state.lock().started_at
    }

    fn finish(&self, status: MoveTaskStatus, reason: Option<String>) {
        let mut s = self.state.lock();
        s.status = status;
        s.failure_reason = reason;
    }
}

impl fmt::Debug for MoveTask {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.state.lock();
        f.debug_struct("MoveTask")
            .field("handle", &s.handle)
            .field("status", &s.status)
            .field("moved", &s.moved)
            .finish()
    }
}

/// The move tasks of one cloud, newest last.
#[derive(Default)]
struct MoveTasks {
    tasks: Mutex<Vec<MoveTask>>,
}

impl crate::service::Service for MoveTasks {}

impl Cloud {
    /// Starts moving the messages of dead-letter queue `dlq` to `destination`, or back
    /// to the queue each came from, at up to 500 messages per second.
    ///
    /// A moved message is a new message in its destination: same body and attributes,
    /// a new message id, a new enqueue time and a fresh receive count. Errors:
    /// `ResourceNotFoundException` when `dlq` does not exist, `InvalidParameterValue`
    /// when it is no queue's dead-letter queue, already has an active task, or
    /// `destination` is not of its kind (standard or FIFO).
    pub fn start_message_move_task(&self, dlq: &Queue, destination: Option<&Queue>) -> Result<MoveTask, QueueError> {
        self.start_message_move_task_with_rate(dlq, destination, MAX_MOVE_RATE)
    }

    /// [`start_message_move_task`](Cloud::start_message_move_task) at `per_second`
    /// messages per second (1–500).
    pub fn start_message_move_task_with_rate(
        &self,
        dlq: &Queue,
        destination: Option<&Queue>,
        per_second: u32,
    ) -> Result<MoveTask, QueueError> {
        if !(1..=MAX_MOVE_RATE).contains(&per_second) {
            return Err(QueueError::InvalidParameterValue(format!(
                "max messages per second must be 1 to 500, got {per_second}"
            )));
        }
        if !dlq.exists() {
            return Err(QueueError::ResourceNotFound(format!("queue {} does not exist", dlq.arn())));
        }
        if let Some(d) = destination {
            if !d.exists() {
                return Err(QueueError::ResourceNotFound(format!("queue {} does not exist", d.arn())));
            }
            if d.is_fifo() != dlq.is_fifo() {
                return Err(QueueError::InvalidParameterValue(
                    "the destination must be of the same kind (standard or FIFO) as the dead-letter queue".into(),
                ));
            }
        }
        let is_dlq = self.all_queues().iter().any(|q| {
            q.shared.state.lock().config.redrive.as_ref().is_some_and(|r| r.dead_letter_queue.same_queue(dlq))
        });
        if !is_dlq {
            return Err(QueueError::InvalidParameterValue(format!(
                "{} is not the dead-letter queue of any queue",
                dlq.arn()
            )));
        }
        let registry = self.service::<MoveTasks>();
        let mut tasks = registry.tasks.lock();
        let active = tasks.iter().any(|t| {
            let s = t.state.lock();
            s.source_arn == dlq.arn() && matches!(s.status, MoveTaskStatus::Running | MoveTaskStatus::Cancelling)
        });
        if active {
            return Err(QueueError::InvalidParameterValue(format!(
                "{} already has an active message move task",
                dlq.arn()
            )));
        }
        let now = self.now();
        let to_move = dlq.stats().visible as u64;
        let handle = format!("{}-{}", dlq.name(), now.as_nanos() ^ (tasks.len() as u64) << 1);
        let task = MoveTask {
            state: Arc::new(Mutex::new(TaskState {
                handle,
                source_arn: dlq.arn().to_owned(),
                destination_arn: destination.map(|d| d.arn().to_owned()),
                rate: per_second,
                moved: 0,
                to_move,
                status: MoveTaskStatus::Running,
                failure_reason: None,
                started_at: now,
            })),
        };
        tasks.push(task.clone());
        drop(tasks);
        schedule_step(self, task.clone(), dlq.clone(), destination.cloned(), now);
        Ok(task)
    }

    /// The move tasks of dead-letter queue `dlq`, newest first, at most 10.
    pub fn list_message_move_tasks(&self, dlq: &Queue) -> Vec<MoveTask> {
        let registry = self.service::<MoveTasks>();
        let tasks = registry.tasks.lock();
        tasks.iter().rev().filter(|t| t.state.lock().source_arn == dlq.arn()).take(10).cloned().collect()
    }

    /// Asks a running task to stop; returns how many messages it had moved.
    /// Errors: `InvalidParameterValue` when the task is not running.
    pub fn cancel_message_move_task(&self, task: &MoveTask) -> Result<u64, QueueError> {
        let mut s = task.state.lock();
        if s.status != MoveTaskStatus::Running {
            return Err(QueueError::InvalidParameterValue(format!(
                "only a running task can be cancelled; task {} is {:?}",
                s.handle, s.status
            )));
        }
        s.status = MoveTaskStatus::Cancelling;
        Ok(s.moved)
    }
}

/// Runs the task's steps once a second on the scheduler, until one says it is done.
fn schedule_step(cloud: &Cloud, task: MoveTask, dlq: Queue, dest: Option<Queue>, at: Timestamp) {
    let weak = cloud.downgrade();
    cloud.inner.scheduler.schedule_repeating(
        at,
        Box::new(move |due| step(&weak, &task, &dlq, dest.as_ref()).then(|| due + Duration::from_secs(1))),
    );
}

/// One second's worth of moving. Returns whether there is more to do.
fn step(weak: &WeakCloud, task: &MoveTask, dlq: &Queue, dest: Option<&Queue>) -> bool {
    let Some(cloud) = weak.upgrade() else { return false };
    let rate = {
        let mut s = task.state.lock();
        match s.status {
            MoveTaskStatus::Cancelling => {
                s.status = MoveTaskStatus::Cancelled;
                return false;
            }
            MoveTaskStatus::Running => s.rate,
            _ => return false,
        }
    };
    if !dlq.exists() {
        task.finish(MoveTaskStatus::Failed, Some("the dead-letter queue was deleted".into()));
        return false;
    }
    let now = cloud.now();
    let entries = {
        let mut st = dlq.state();
        st.tick(now);
        st.drain_visible(rate as usize)
    };
    if entries.is_empty() {
        task.finish(MoveTaskStatus::Completed, None);
        return false;
    }
    let moved = entries.len() as u64;
    let drained = entries.len() < rate as usize;
    let mut by_dest: Vec<(Queue, Vec<Entry>)> = Vec::new();
    let mut known: HashMap<String, Queue> = HashMap::new();
    let mut orphans = Vec::new();
    for e in entries {
        let target = match dest {
            Some(d) if d.exists() => Some(d.clone()),
            Some(_) => None,
            None => e.extra.as_ref().and_then(|x| x.dlq_source_arn.as_deref()).and_then(|arn| {
                if !known.contains_key(arn) {
                    let q = cloud.queue_by_arn(arn)?;
                    known.insert(arn.to_owned(), q);
                }
                known.get(arn).cloned()
            }),
        };
        match target {
            Some(q) => match by_dest.iter_mut().find(|(d, _)| d.same_queue(&q)) {
                Some((_, v)) => v.push(e),
                None => by_dest.push((q, vec![e])),
            },
            None => orphans.push(e),
        }
    }
    for (q, batch) in by_dest {
        q.accept_moved(batch, Arrival::MoveBack);
    }
    let failed = !orphans.is_empty();
    let orphan_count = orphans.len() as u64;
    if failed {
        dlq.accept_moved(orphans, Arrival::Restore);
    }
    task.state.lock().moved += moved - orphan_count;
    if failed {
        task.finish(MoveTaskStatus::Failed, Some("a message's destination queue does not exist".into()));
        return false;
    }
    if drained {
        // Fewer visible messages than one second's worth: nothing is left to move.
        task.finish(MoveTaskStatus::Completed, None);
        return false;
    }
    true
}
