//! Concurrency accounting (account limit, reserved concurrency) and the pools of
//! execution environments.
//!
//! Counting is lock-free: a function with reserved concurrency draws from its own
//! slots; every other function draws from the account's unreserved pool
//! (`account limit − Σ reserved`). A permit remembers which pool it came from, so a
//! change of reservation while it is out never unbalances a counter.

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use parking_lot::Mutex;

use super::error::ThrottleReason;
use crate::clock::Timestamp;

/// "No reservation" in [`Slots::reserved`].
const UNRESERVED: u32 = u32::MAX;

/// The account's side: its limit and what the unreserved pool holds.
#[derive(Debug)]
pub(crate) struct Ledger {
    limit: u32,
    reserved_total: AtomicU32,
    unreserved_in_flight: AtomicU32,
    /// Serializes changes of reservation (rare) against each other.
    pub(crate) reserve_lock: Mutex<()>,
}

/// One function's side: its reservation and how many of its runs are in flight.
#[derive(Debug)]
pub(crate) struct Slots {
    reserved: AtomicU32,
    in_flight: AtomicU32,
    peak: AtomicU32,
}

impl Default for Slots {
    fn default() -> Self {
        Slots { reserved: AtomicU32::new(UNRESERVED), in_flight: AtomicU32::new(0), peak: AtomicU32::new(0) }
    }
}

/// Which pool a run's slot came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Permit {
    Reserved,
    Unreserved,
}

impl Ledger {
    pub(crate) fn new(limit: u32) -> Self {
        Ledger {
            limit,
            reserved_total: AtomicU32::new(0),
            unreserved_in_flight: AtomicU32::new(0),
            reserve_lock: Mutex::new(()),
        }
    }

    pub(crate) fn limit(&self) -> u32 {
        self.limit
    }

    /// `account limit − Σ reserved`.
    pub(crate) fn unreserved_limit(&self) -> u32 {
        self.limit.saturating_sub(self.reserved_total.load(Ordering::Acquire))
    }

    pub(crate) fn unreserved_in_flight(&self) -> u32 {
        self.unreserved_in_flight.load(Ordering::Acquire)
    }

    /// Takes a slot for one run of the function owning `slots`, or says which limit
    /// stops it.
    #[inline]
    pub(crate) fn acquire(&self, slots: &Slots) -> Result<Permit, ThrottleReason> {
        let reserved = slots.reserved.load(Ordering::Acquire);
        let permit = if reserved != UNRESERVED {
            slots
                .in_flight
                .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| (n < reserved).then_some(n + 1))
                .map_err(|_| ThrottleReason::ReservedFunctionConcurrentInvocationLimitExceeded)?;
            Permit::Reserved
        } else {
            let limit = self.unreserved_limit();
            self.unreserved_in_flight
                .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| (n < limit).then_some(n + 1))
                .map_err(|_| ThrottleReason::ConcurrentInvocationLimitExceeded)?;
            slots.in_flight.fetch_add(1, Ordering::AcqRel);
            Permit::Unreserved
        };
        let now = slots.in_flight.load(Ordering::Relaxed);
        if now > slots.peak.load(Ordering::Relaxed) {
            slots.peak.fetch_max(now, Ordering::Relaxed);
        }
        Ok(permit)
    }

    /// Gives back a slot taken by [`acquire`](Ledger::acquire).
    #[inline]
    pub(crate) fn release(&self, slots: &Slots, permit: Permit) {
        slots.in_flight.fetch_sub(1, Ordering::AcqRel);
        if permit == Permit::Unreserved {
            self.unreserved_in_flight.fetch_sub(1, Ordering::AcqRel);
        }
    }

    /// Sets (`Some`) or removes (`None`) a function's reservation. At least
    /// [`MIN_UNRESERVED_CONCURRENCY`](super::MIN_UNRESERVED_CONCURRENCY) must stay
    /// unreserved; returns the largest allowed value on refusal.
    pub(crate) fn reserve(&self, slots: &Slots, n: Option<u32>, min_unreserved: u32) -> Result<(), u32> {
        let _guard = self.reserve_lock.lock();
        let old = match slots.reserved.load(Ordering::Acquire) {
            UNRESERVED => 0,
            r => r,
        };
        let others = self.reserved_total.load(Ordering::Acquire) - old;
        let max = self.limit.saturating_sub(min_unreserved).saturating_sub(others);
        let new = n.unwrap_or(0);
        if n.is_some() && new > max {
            return Err(max);
        }
        self.reserved_total.store(others + new, Ordering::Release);
        slots.reserved.store(n.unwrap_or(UNRESERVED), Ordering::Release);
        Ok(())
    }
}

impl Slots {
    pub(crate) fn reserved(&self) -> Option<u32> {
        match self.reserved.load(Ordering::Acquire) {
            UNRESERVED => None,
            r => Some(r),
        }
    }

    pub(crate) fn in_flight(&self) -> u32 {
        self.in_flight.load(Ordering::Acquire)
    }

    pub(crate) fn peak(&self) -> u32 {
        self.peak.load(Ordering::Relaxed)
    }
}

/// An execution environment that ran before and waits for the next run.
#[derive(Clone, Copy, Debug)]
struct Idle {
    id: u64,
    last_used: Timestamp,
}

/// The execution environments of one function version.
#[derive(Debug, Default)]
pub(crate) struct EnvironmentPool {
    inner: Mutex<PoolInner>,
}

#[derive(Debug, Default)]
struct PoolInner {
    /// Oldest use first, so expired ones sit at the front.
    idle: Vec<Idle>,
    busy: usize,
    next_id: u64,
    /// Counted under the lock the run takes anyway to give its environment back.
    stats: RunStats,
}

/// What the runs of one version add up to (behind the function's metrics).
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct RunStats {
    pub(crate) invocations: u64,
    pub(crate) errors: u64,
    pub(crate) duration_ns: u64,
    /// MB × billed milliseconds.
    pub(crate) mb_ms: u64,
    pub(crate) cold_starts: u64,
    pub(crate) init_ns: u64,
    pub(crate) timeouts: u64,
}

impl RunStats {
    pub(crate) fn add(&mut self, o: &RunStats) {
        self.invocations += o.invocations;
        self.errors += o.errors;
        self.duration_ns += o.duration_ns;
        self.mb_ms += o.mb_ms;
        self.cold_starts += o.cold_starts;
        self.init_ns += o.init_ns;
        self.timeouts += o.timeouts;
    }
}

/// One finished run, for the stats.
#[derive(Clone, Copy, Debug)]
pub(crate) struct RunRecord {
    pub(crate) duration: Duration,
    pub(crate) billed_ms: u64,
    pub(crate) memory_mb: u32,
    pub(crate) failed: bool,
    pub(crate) timed_out: bool,
    pub(crate) init: Option<Duration>,
}

fn nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

/// An environment checked out for one run.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Checkout {
    pub(crate) id: u64,
    pub(crate) cold: bool,
}

impl EnvironmentPool {
    /// The most recently used idle environment that has not outlived `lifetime`, or a
    /// new one (a cold start).
    #[inline]
    pub(crate) fn checkout(&self, now: Timestamp, lifetime: Duration) -> Checkout {
        let mut p = self.inner.lock();
        p.busy += 1;
        if let Some(first) = p.idle.first() {
            if now.saturating_duration_since(first.last_used) >= lifetime {
                p.idle.retain(|e| now.saturating_duration_since(e.last_used) < lifetime);
            }
        }
        match p.idle.pop() {
            Some(e) => Checkout { id: e.id, cold: false },
            None => {
                p.next_id += 1;
                Checkout { id: p.next_id, cold: true }
            }
        }
    }

    /// Returns an environment after its run; `keep == false` discards it (after a
    /// panic, a timeout or an init error).
    #[inline]
    pub(crate) fn give_back(&self, env: Checkout, now: Timestamp, keep: bool, run: Option<&RunRecord>) {
        let mut p = self.inner.lock();
        p.busy -= 1;
        if keep {
            p.idle.push(Idle { id: env.id, last_used: now });
        }
        if let Some(r) = run {
            let st = &mut p.stats;
            st.invocations += 1;
            st.errors += u64::from(r.failed);
            st.duration_ns = st.duration_ns.saturating_add(nanos(r.duration));
            st.mb_ms = st.mb_ms.saturating_add(r.billed_ms.saturating_mul(u64::from(r.memory_mb)));
            st.timeouts += u64::from(r.timed_out);
            if let Some(i) = r.init {
                st.cold_starts += 1;
                st.init_ns = st.init_ns.saturating_add(nanos(i));
            }
        }
    }

    /// What this version's runs add up to.
    pub(crate) fn stats(&self) -> RunStats {
        self.inner.lock().stats
    }

    /// Environments alive at `now`: busy ones and idle ones within their lifetime.
    pub(crate) fn live(&self, now: Timestamp, lifetime: Duration) -> usize {
        let p = self.inner.lock();
        p.busy + p.idle.iter().filter(|e| now.saturating_duration_since(e.last_used) < lifetime).count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[derive(Clone, Debug)]
    enum Op {
        Acquire(usize),
        Release(usize),
        Reserve(usize, Option<u32>),
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            4 => (0..3usize).prop_map(Op::Acquire),
            3 => (0..3usize).prop_map(Op::Release),
            1 => (0..3usize, proptest::option::of(0..12u32)).prop_map(|(f, n)| Op::Reserve(f, n)),
        ]
    }

    proptest! {
        /// State machine: random acquires, releases and reservation changes against a
        /// plain model. Never above a reservation or the account limit; every acquire
        /// either runs (and is released exactly once) or is throttled with the reason
        /// of the pool it drew from.
        #[test]
        fn concurrency_accounting_matches_the_model(ops in proptest::collection::vec(op(), 1..200)) {
            let limit = 20;
            let min_unreserved = 5;
            let ledger = Ledger::new(limit);
            let slots: Vec<Slots> = (0..3).map(|_| Slots::default()).collect();
            let mut held: Vec<Vec<Permit>> = vec![Vec::new(); 3];
            let mut reserved: Vec<Option<u32>> = vec![None; 3];
            for op in ops {
                match op {
                    Op::Acquire(f) => {
                        let total_reserved: u32 = reserved.iter().flatten().sum();
                        let unreserved_used = held.iter().flatten().filter(|p| **p == Permit::Unreserved).count() as u32;
                        let expect = match reserved[f] {
                            Some(r) => if (held[f].len() as u32) < r { Ok(Permit::Reserved) }
                                else { Err(ThrottleReason::ReservedFunctionConcurrentInvocationLimitExceeded) },
                            None => if unreserved_used < limit - total_reserved { Ok(Permit::Unreserved) }
                                else { Err(ThrottleReason::ConcurrentInvocationLimitExceeded) },
                        };
                        let got = ledger.acquire(&slots[f]);
                        // Permits drawn before a reservation change count against it too.
                        if let (Some(_), Ok(_)) = (reserved[f], &expect) {
                            prop_assert_eq!(got.is_ok(), expect.is_ok());
                        } else {
                            prop_assert_eq!(got, expect);
                        }
                        if let Ok(p) = got { held[f].push(p); }
                    }
                    Op::Release(f) => {
                        if let Some(p) = held[f].pop() { ledger.release(&slots[f], p); }
                    }
                    Op::Reserve(f, n) => {
                        let others: u32 = reserved.iter().enumerate().filter(|(i, _)| *i != f).filter_map(|(_, r)| *r).sum();
                        let ok = n.is_none_or(|n| n + others <= limit - min_unreserved);
                        prop_assert_eq!(ledger.reserve(&slots[f], n, min_unreserved).is_ok(), ok);
                        if ok { reserved[f] = n; }
                    }
                }
                for (f, s) in slots.iter().enumerate() {
                    prop_assert_eq!(s.in_flight() as usize, held[f].len());
                }
                let unreserved_used = held.iter().flatten().filter(|p| **p == Permit::Unreserved).count() as u32;
                prop_assert_eq!(ledger.unreserved_in_flight(), unreserved_used);
                let total: usize = held.iter().map(Vec::len).sum();
                prop_assert!(total as u32 <= limit + 12 * 3, "never far past the account limit");
            }
            for (f, s) in slots.iter().enumerate() {
                while let Some(p) = held[f].pop() { ledger.release(s, p); }
                prop_assert_eq!(s.in_flight(), 0);
            }
            prop_assert_eq!(ledger.unreserved_in_flight(), 0);
        }
    }

    #[test]
    fn environments_are_reused_then_reclaimed_when_idle_too_long() {
        let pool = EnvironmentPool::default();
        let t0 = Timestamp::from_secs(100);
        let life = Duration::from_secs(60);
        let a = pool.checkout(t0, life);
        assert!(a.cold);
        let b = pool.checkout(t0, life);
        assert!(b.cold && b.id != a.id, "a concurrent run needs a second environment");
        pool.give_back(a, t0, true, None);
        pool.give_back(b, t0, true, None);
        assert_eq!(pool.live(t0, life), 2);
        let c = pool.checkout(t0 + Duration::from_secs(10), life);
        assert!(!c.cold);
        pool.give_back(c, t0 + Duration::from_secs(10), false, None);
        assert_eq!(pool.live(t0 + Duration::from_secs(10), life), 1);
        let d = pool.checkout(t0 + Duration::from_secs(61), life);
        assert!(d.cold, "the idle one outlived its lifetime");
    }
}
