//! The one timer/task queue of a [`Cloud`](crate::Cloud) and its two drivers.
//!
//! Work that must happen later or elsewhere (deliveries, retries, polling, schedules)
//! is a task keyed by its due time. Under a [`ManualClock`](crate::ManualClock) the
//! caller runs due tasks itself (`Cloud::run_until_idle`, `Cloud::advance`), in due
//! order; under the system clock a few worker threads sleep until the next due time.
//!
//! Tasks must not hold a strong reference to the cloud itself (use `Weak` or service
//! handles), or the workers would keep the cloud alive forever.

use std::cmp::Ordering as CmpOrdering;
use std::collections::{BinaryHeap, HashSet};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::{self, JoinHandle, ThreadId};
use std::time::Duration;

use crossbeam_channel::{Receiver, Sender};
use parking_lot::Mutex;

use crate::clock::{Clock, Timestamp};

/// A unit of deferred work.
pub(crate) type Task = Box<dyn FnOnce() + Send + 'static>;

/// Identifies a scheduled task, for cancellation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct TaskId(u64);

struct Entry {
    due: Timestamp,
    seq: u64,
    task: Task,
}

impl PartialEq for Entry {
    fn eq(&self, other: &Self) -> bool {
        (self.due, self.seq) == (other.due, other.seq)
    }
}
impl Eq for Entry {}
impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<CmpOrdering> {
        Some(self.cmp(other))
    }
}
impl Ord for Entry {
    // Reversed: BinaryHeap is a max-heap and we want the earliest (due, seq) on top.
    fn cmp(&self, other: &Self) -> CmpOrdering {
        (other.due, other.seq).cmp(&(self.due, self.seq))
    }
}

#[derive(Default)]
struct Tasks {
    heap: BinaryHeap<Entry>,
    cancelled: HashSet<u64>,
}

impl Tasks {
    /// Pops the earliest live task due at or before `limit`.
    fn pop_due(&mut self, limit: Timestamp) -> Option<Entry> {
        while let Some(top) = self.heap.peek() {
            if top.due > limit {
                return None;
            }
            let e = self.heap.pop()?;
            if !self.cancelled.remove(&e.seq) {
                return Some(e);
            }
        }
        None
    }

    fn next_due(&mut self) -> Option<Timestamp> {
        while let Some(top) = self.heap.peek() {
            if self.cancelled.contains(&top.seq) {
                let e = self.heap.pop();
                if let Some(e) = e {
                    self.cancelled.remove(&e.seq);
                }
                continue;
            }
            return Some(top.due);
        }
        None
    }
}

struct Shared {
    clock: Arc<dyn Clock>,
    tasks: Mutex<Tasks>,
    next_seq: AtomicU64,
    stopped: AtomicBool,
    wake_tx: Sender<()>,
    /// Serialises manual drivers so due order holds even with several driving threads.
    drive: Mutex<()>,
}

/// The task queue plus, in background mode, its worker threads.
pub(crate) struct Scheduler {
    shared: Arc<Shared>,
    workers: Mutex<Vec<JoinHandle<()>>>,
    worker_ids: Vec<ThreadId>,
}

impl std::fmt::Debug for Scheduler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scheduler")
            .field("pending", &self.shared.tasks.lock().heap.len())
            .field("workers", &self.worker_ids.len())
            .finish()
    }
}

impl Scheduler {
    /// A scheduler driven by `workers` background threads (0 = manual driving only).
    pub(crate) fn new(clock: Arc<dyn Clock>, workers: usize) -> Self {
        let (wake_tx, wake_rx) = crossbeam_channel::unbounded();
        let shared = Arc::new(Shared {
            clock,
            tasks: Mutex::new(Tasks::default()),
            next_seq: AtomicU64::new(0),
            stopped: AtomicBool::new(false),
            wake_tx,
            drive: Mutex::new(()),
        });
        let mut handles = Vec::with_capacity(workers);
        for i in 0..workers {
            let shared = Arc::clone(&shared);
            let rx: Receiver<()> = wake_rx.clone();
            let spawned =
                thread::Builder::new().name(format!("localcloud-worker-{i}")).spawn(move || worker_loop(&shared, &rx));
            if let Ok(h) = spawned {
                handles.push(h);
            }
        }
        let worker_ids = handles.iter().map(|h| h.thread().id()).collect();
        Scheduler { shared, workers: Mutex::new(handles), worker_ids }
    }

    /// Runs `task` at or after `due`.
    pub(crate) fn schedule_at(&self, due: Timestamp, task: Task) -> TaskId {
        let seq = self.shared.next_seq.fetch_add(1, Ordering::Relaxed);
        let earliest = {
            let mut tasks = self.shared.tasks.lock();
            let before = tasks.heap.peek().map(|e| e.due);
            tasks.heap.push(Entry { due, seq, task });
            before.is_none_or(|b| due < b)
        };
        if earliest && !self.worker_ids.is_empty() {
            let _ = self.shared.wake_tx.send(());
        }
        TaskId(seq)
    }

    /// Runs `task` as soon as a driver gets to it.
    #[allow(dead_code)] // used by the services that deliver later
    pub(crate) fn schedule_now(&self, task: Task) -> TaskId {
        self.schedule_at(self.shared.clock.now(), task)
    }

    /// Cancels a task that has not started; cancelling a finished task does nothing.
    #[allow(dead_code)] // used by the services that deliver later
    pub(crate) fn cancel(&self, id: TaskId) {
        let mut tasks = self.shared.tasks.lock();
        if tasks.heap.iter().any(|e| e.seq == id.0) {
            tasks.cancelled.insert(id.0);
        }
    }

    /// The due time of the earliest pending task.
    pub(crate) fn next_due(&self) -> Option<Timestamp> {
        self.shared.tasks.lock().next_due()
    }

    /// Number of pending tasks (cancelled ones excluded).
    #[allow(dead_code)] // used by the services that deliver later
    pub(crate) fn pending(&self) -> usize {
        let t = self.shared.tasks.lock();
        t.heap.len() - t.cancelled.len()
    }

    /// Runs every task due now, including tasks that those tasks schedule for now.
    /// Returns how many ran.
    pub(crate) fn run_until_idle(&self) -> usize {
        let _drive = self.shared.drive.lock();
        let mut ran = 0;
        loop {
            let now = self.shared.clock.now();
            let next = self.shared.tasks.lock().pop_due(now);
            match next {
                Some(e) => {
                    run_task(e.task);
                    ran += 1;
                }
                None => return ran,
            }
        }
    }

    /// Manual clock only: moves time to `target`, stopping at each due task on the way
    /// so that tasks run at their own time, in order. Returns how many ran.
    pub(crate) fn advance_to(&self, target: Timestamp) -> usize {
        let Some(manual) = self.shared.clock.as_manual() else {
            return self.run_until_idle();
        };
        let mut ran = 0;
        {
            let _drive = self.shared.drive.lock();
            loop {
                let next = self.shared.tasks.lock().pop_due(target);
                match next {
                    Some(e) => {
                        manual.set(e.due);
                        run_task(e.task);
                        ran += 1;
                    }
                    None => break,
                }
            }
            manual.set(target);
        }
        ran + self.run_until_idle()
    }

    /// Stops the workers and waits for them (not for the calling worker itself).
    pub(crate) fn shutdown(&self) {
        if self.shared.stopped.swap(true, Ordering::SeqCst) {
            return;
        }
        for _ in 0..self.worker_ids.len() {
            let _ = self.shared.wake_tx.send(());
        }
        let me = thread::current().id();
        let handles: Vec<_> = self.workers.lock().drain(..).collect();
        for h in handles {
            if h.thread().id() != me {
                let _ = h.join();
            }
        }
    }
}

impl Drop for Scheduler {
    fn drop(&mut self) {
        self.shutdown();
    }
}

fn run_task(task: Task) {
    // A panicking task must not take a worker (or a test's driver) down with it; the
    // services catch user panics themselves and report them, this is the last guard.
    let _ = catch_unwind(AssertUnwindSafe(task));
}

fn worker_loop(shared: &Shared, wake: &Receiver<()>) {
    // Long enough to idle cheaply, short enough that a task scheduled by a thread
    // that raced with our sleep is never late by much.
    const MAX_NAP: Duration = Duration::from_millis(200);
    while !shared.stopped.load(Ordering::SeqCst) {
        let now = shared.clock.now();
        let (task, next) = {
            let mut tasks = shared.tasks.lock();
            let t = tasks.pop_due(now);
            let n = if t.is_none() { tasks.next_due() } else { None };
            (t, n)
        };
        if let Some(e) = task {
            run_task(e.task);
            continue;
        }
        let nap = next.map_or(MAX_NAP, |due| due.saturating_duration_since(now).min(MAX_NAP));
        let _ = wake.recv_timeout(nap);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ManualClock;

    #[test]
    fn manual_driver_runs_in_due_order() {
        let clock = Arc::new(ManualClock::new());
        let s = Scheduler::new(clock.clone(), 0);
        let log = Arc::new(Mutex::new(Vec::new()));
        let t0 = clock.now();
        for (i, secs) in [(0, 5u64), (1, 1), (2, 3), (3, 1)] {
            let log = log.clone();
            let c = clock.clone();
            s.schedule_at(t0 + Duration::from_secs(secs), Box::new(move || log.lock().push((i, c.now()))));
        }
        assert_eq!(s.run_until_idle(), 0);
        assert_eq!(s.advance_to(t0 + Duration::from_secs(4)), 3);
        let got: Vec<_> = log.lock().iter().map(|(i, t)| (*i, *t - t0)).collect();
        assert_eq!(got, vec![(1, Duration::from_secs(1)), (3, Duration::from_secs(1)), (2, Duration::from_secs(3))]);
        assert_eq!(clock.now() - t0, Duration::from_secs(4));
        assert_eq!(s.pending(), 1);
    }

    #[test]
    fn cancelled_task_never_runs() {
        let clock = Arc::new(ManualClock::new());
        let s = Scheduler::new(clock.clone(), 0);
        let hit = Arc::new(AtomicBool::new(false));
        let h = hit.clone();
        let id = s.schedule_now(Box::new(move || h.store(true, Ordering::SeqCst)));
        s.cancel(id);
        assert_eq!(s.run_until_idle(), 0);
        assert!(!hit.load(Ordering::SeqCst));
    }

    #[test]
    fn panicking_task_does_not_stop_the_driver() {
        let clock = Arc::new(ManualClock::new());
        let s = Scheduler::new(clock, 0);
        let hit = Arc::new(AtomicBool::new(false));
        let h = hit.clone();
        s.schedule_now(Box::new(|| panic!("boom")));
        s.schedule_now(Box::new(move || h.store(true, Ordering::SeqCst)));
        assert_eq!(s.run_until_idle(), 2);
        assert!(hit.load(Ordering::SeqCst));
    }

    #[test]
    fn background_workers_run_tasks_and_stop_on_drop() {
        let clock: Arc<dyn Clock> = Arc::new(crate::clock::SystemClock::new());
        let s = Scheduler::new(clock, 2);
        let (tx, rx) = crossbeam_channel::bounded(1);
        s.schedule_now(Box::new(move || {
            let _ = tx.send(7);
        }));
        assert_eq!(rx.recv_timeout(Duration::from_secs(10)), Ok(7));
        drop(s); // joins both workers; a hang here fails the test by timeout
    }
}
