//! The one timer/task queue of a [`Cloud`](crate::Cloud) and its two drivers.
//!
//! Work that must happen later or elsewhere (deliveries, retries, polling, schedules)
//! is a task keyed by its due time. Under a [`ManualClock`](crate::ManualClock) the
//! caller runs due tasks itself (`Cloud::run_until_idle`, `Cloud::advance`), in due
//! order; under the system clock a few worker threads sleep until the next due time.
//!
//! Tasks are one-shot ([`Scheduler::schedule_at`]) or repeating
//! ([`Scheduler::schedule_repeating`]: the task says when it wants to run next). Either
//! kind is cancelled in O(1) by its [`TaskId`]; a cancelled entry is dropped lazily
//! when it reaches the top of the heap, so scheduling stays O(log n).
//!
//! Driving is reentrant: a task that calls `Cloud::run_until_idle` or `Cloud::advance`
//! runs the nested due work on the spot (on its own thread), and the outer driver goes
//! on from wherever the clock then stands; the clock never goes back.
//!
//! Tasks must not hold a strong reference to the cloud itself (use `Weak` or service
//! handles), or the workers would keep the cloud alive forever.

use std::cmp::Ordering as CmpOrdering;
use std::collections::BinaryHeap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::{self, JoinHandle, ThreadId};
use std::time::Duration;

use crossbeam_channel::{Receiver, Sender};
use parking_lot::{Mutex, ReentrantMutex};
use rustc_hash::FxHashSet;

use crate::clock::{Clock, Timestamp};

/// A unit of deferred work.
pub(crate) type Task = Box<dyn FnOnce() + Send + 'static>;

/// A task that runs again: called with the time it was due, it returns when it wants
/// to run next, or `None` when it is done.
pub(crate) type RepeatingTask = Box<dyn FnMut(Timestamp) -> Option<Timestamp> + Send + 'static>;

/// Identifies a scheduled task, for cancellation. A repeating task keeps its id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct TaskId(u64);

enum Work {
    Once(Task),
    Repeat(RepeatingTask),
}

struct Entry {
    due: Timestamp,
    /// Insertion order: ties on `due` run first in, first out.
    seq: u64,
    id: u64,
    work: Work,
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
    /// Ids scheduled and not yet finished or cancelled. An entry whose id is missing
    /// here is stale and skipped.
    live: FxHashSet<u64>,
    next_seq: u64,
    next_id: u64,
}

impl Tasks {
    fn push(&mut self, due: Timestamp, id: u64, work: Work) {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.heap.push(Entry { due, seq, id, work });
    }

    /// Pops the earliest live task due at or before `limit`. A one-shot task stops
    /// being live here; a repeating one stays live until it is done or cancelled.
    fn pop_due(&mut self, limit: Timestamp) -> Option<Entry> {
        while let Some(top) = self.heap.peek() {
            if top.due > limit {
                return None;
            }
            let e = self.heap.pop()?;
            let live = match e.work {
                Work::Once(_) => self.live.remove(&e.id),
                Work::Repeat(_) => self.live.contains(&e.id),
            };
            if live {
                return Some(e);
            }
        }
        None
    }

    fn next_due(&mut self) -> Option<Timestamp> {
        while let Some(top) = self.heap.peek() {
            if self.live.contains(&top.id) {
                return Some(top.due);
            }
            self.heap.pop();
        }
        None
    }
}

struct Shared {
    clock: Arc<dyn Clock>,
    tasks: Mutex<Tasks>,
    stopped: AtomicBool,
    wake_tx: Sender<()>,
    /// Serialises manual drivers so due order holds even with several driving threads;
    /// reentrant, so a task may drive the scheduler itself.
    drive: ReentrantMutex<()>,
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
            .field("pending", &self.shared.tasks.lock().live.len())
            .field("workers", &self.worker_ids.len())
            .finish()
    }
}

impl Scheduler {
    /// A scheduler driven by `workers` background threads (0 = manual driving only).
    pub(crate) fn new(clock: Arc<dyn Clock>, workers: usize) -> Self {
        let (wake_tx, wake_rx) = crossbeam_channel::bounded(workers.max(1));
        let shared = Arc::new(Shared {
            clock,
            tasks: Mutex::new(Tasks::default()),
            stopped: AtomicBool::new(false),
            wake_tx,
            drive: ReentrantMutex::new(()),
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
        self.insert(due, Work::Once(task))
    }

    /// Runs `task` as soon as a driver gets to it.
    #[allow(dead_code)] // not every service needs it
    pub(crate) fn schedule_now(&self, task: Task) -> TaskId {
        self.schedule_at(self.shared.clock.now(), task)
    }

    /// Runs `task` after `delay` from now.
    #[allow(dead_code)] // not every service needs it
    pub(crate) fn schedule_after(&self, delay: Duration, task: Task) -> TaskId {
        self.schedule_at(self.shared.clock.now() + delay, task)
    }

    /// Runs `task` at `first`, then whenever it asks (its return value), until it
    /// returns `None` or is cancelled. The id stays the same across runs. A panic in
    /// the task ends it.
    pub(crate) fn schedule_repeating(&self, first: Timestamp, task: RepeatingTask) -> TaskId {
        self.insert(first, Work::Repeat(task))
    }

    fn insert(&self, due: Timestamp, work: Work) -> TaskId {
        let (id, earliest) = {
            let mut tasks = self.shared.tasks.lock();
            let id = tasks.next_id;
            tasks.next_id += 1;
            tasks.live.insert(id);
            let before = tasks.heap.peek().map(|e| e.due);
            tasks.push(due, id, work);
            (id, before.is_none_or(|b| due < b))
        };
        if earliest {
            self.shared.wake();
        }
        TaskId(id)
    }

    /// Cancels a task in O(1): a one-shot task that has not started never runs; a
    /// repeating task runs no more (a run under way finishes). Cancelling a finished
    /// task does nothing.
    pub(crate) fn cancel(&self, id: TaskId) {
        self.shared.tasks.lock().live.remove(&id.0);
    }

    /// The due time of the earliest pending task.
    pub(crate) fn next_due(&self) -> Option<Timestamp> {
        self.shared.tasks.lock().next_due()
    }

    /// Number of pending tasks (cancelled ones excluded; a repeating task counts once).
    #[allow(dead_code)] // not every service needs it
    pub(crate) fn pending(&self) -> usize {
        self.shared.tasks.lock().live.len()
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
                    self.shared.run(e);
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
                        self.shared.run(e);
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
            let _ = self.shared.wake_tx.try_send(());
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

impl Shared {
    fn wake(&self) {
        // Workers nap at most briefly, so a lost wake-up only delays; with no workers
        // nobody listens and the send is dropped with the channel's buffer.
        if !self.stopped.load(Ordering::Relaxed) {
            let _ = self.wake_tx.try_send(());
        }
    }

    fn run(&self, e: Entry) {
        match e.work {
            Work::Once(task) => {
                // A panicking task must not take a worker (or a test's driver) down
                // with it; the services catch user panics themselves and report them,
                // this is the last guard.
                let _ = catch_unwind(AssertUnwindSafe(task));
            }
            Work::Repeat(mut task) => {
                let next = catch_unwind(AssertUnwindSafe(|| task(e.due))).ok().flatten();
                let earliest = {
                    let mut tasks = self.tasks.lock();
                    match next {
                        Some(at) if tasks.live.contains(&e.id) => {
                            let before = tasks.heap.peek().map(|x| x.due);
                            tasks.push(at, e.id, Work::Repeat(task));
                            before.is_none_or(|b| at < b)
                        }
                        _ => {
                            tasks.live.remove(&e.id);
                            false
                        }
                    }
                };
                if earliest {
                    self.wake();
                }
            }
        }
    }
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
            shared.run(e);
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
    use std::sync::atomic::AtomicU64;

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
    fn repeating_task_runs_at_each_time_it_asks_until_done() {
        let clock = Arc::new(ManualClock::new());
        let s = Scheduler::new(clock.clone(), 0);
        let t0 = clock.now();
        let log = Arc::new(Mutex::new(Vec::new()));
        let l = log.clone();
        let id = s.schedule_repeating(
            t0 + Duration::from_secs(10),
            Box::new(move |due| {
                l.lock().push(due - t0);
                (l.lock().len() < 3).then(|| due + Duration::from_secs(10))
            }),
        );
        assert_eq!(s.advance_to(t0 + Duration::from_secs(100)), 3);
        let secs: Vec<u64> = log.lock().iter().map(|d| d.as_secs()).collect();
        assert_eq!(secs, vec![10, 20, 30]);
        assert_eq!(s.pending(), 0);
        s.cancel(id); // finished: a no-op
    }

    #[test]
    fn cancelled_repeating_task_runs_no_more() {
        let clock = Arc::new(ManualClock::new());
        let s = Scheduler::new(clock.clone(), 0);
        let t0 = clock.now();
        let runs = Arc::new(AtomicU64::new(0));
        let r = runs.clone();
        let id = s.schedule_repeating(
            t0,
            Box::new(move |due| {
                r.fetch_add(1, Ordering::SeqCst);
                Some(due + Duration::from_secs(1))
            }),
        );
        s.advance_to(t0 + Duration::from_secs(4));
        assert_eq!(runs.load(Ordering::SeqCst), 5); // at 0, 1, 2, 3 and 4 s
        s.cancel(id);
        assert_eq!(s.pending(), 0);
        s.advance_to(t0 + Duration::from_secs(10));
        assert_eq!(runs.load(Ordering::SeqCst), 5);
        assert_eq!(s.next_due(), None);
    }

    #[test]
    fn a_task_may_cancel_itself_while_it_runs() {
        let clock = Arc::new(ManualClock::new());
        let s = Arc::new(Scheduler::new(clock.clone(), 0));
        let t0 = clock.now();
        let runs = Arc::new(AtomicU64::new(0));
        let slot: Arc<Mutex<Option<TaskId>>> = Arc::new(Mutex::new(None));
        let (r, sl, weak) = (runs.clone(), slot.clone(), Arc::downgrade(&s));
        let id = s.schedule_repeating(
            t0,
            Box::new(move |due| {
                if r.fetch_add(1, Ordering::SeqCst) == 1 {
                    if let (Some(s), Some(id)) = (weak.upgrade(), *sl.lock()) {
                        s.cancel(id);
                    }
                }
                Some(due + Duration::from_secs(1))
            }),
        );
        *slot.lock() = Some(id);
        s.advance_to(t0 + Duration::from_secs(5));
        assert_eq!(runs.load(Ordering::SeqCst), 2);
    }

    #[test]
    fn cancel_does_not_scan_the_queue() {
        // 100,000 pending tasks, each cancelled: constant work per cancel, none runs.
        let clock = Arc::new(ManualClock::new());
        let s = Scheduler::new(clock.clone(), 0);
        let ids: Vec<_> = (0..100_000).map(|_| s.schedule_now(Box::new(|| panic!("cancelled")))).collect();
        for id in ids {
            s.cancel(id);
        }
        assert_eq!(s.pending(), 0);
        assert_eq!(s.run_until_idle(), 0);
    }

    #[test]
    fn nested_driving_from_a_task_runs_the_nested_work() {
        let clock = Arc::new(ManualClock::new());
        let s = Arc::new(Scheduler::new(clock.clone(), 0));
        let t0 = clock.now();
        let log = Arc::new(Mutex::new(Vec::new()));
        let (l, weak) = (log.clone(), Arc::downgrade(&s));
        s.schedule_now(Box::new(move || {
            let Some(s) = weak.upgrade() else { return };
            let l2 = l.clone();
            s.schedule_now(Box::new(move || l2.lock().push("inner now")));
            assert_eq!(s.run_until_idle(), 1);
            let l3 = l.clone();
            s.schedule_after(Duration::from_secs(5), Box::new(move || l3.lock().push("inner later")));
            s.advance_to(t0 + Duration::from_secs(10));
            l.lock().push("outer done");
        }));
        s.advance_to(t0 + Duration::from_secs(3));
        assert_eq!(*log.lock(), vec!["inner now", "inner later", "outer done"]);
        assert_eq!(clock.now() - t0, Duration::from_secs(10)); // never goes back
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
