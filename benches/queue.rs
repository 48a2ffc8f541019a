//! Queue benchmarks: send → receive → delete per message (64 B and 1 KiB bodies),
//! the same with 10^6 messages already queued, FIFO with 1, 100 and 10,000 groups,
//! and 2 producers + 2 consumers. Every group also times, in the same run, the
//! floor (a `parking_lot::Mutex<VecDeque>` plus an in-flight `HashMap`) and a
//! crossbeam channel; the ratios and the memory per queued message are printed last.

use std::collections::{HashMap, VecDeque};
use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use bytes::Bytes;
use criterion::{BenchmarkId, Criterion, Throughput};
use localcloud::{Cloud, OutgoingMessage, Queue, QueueConfig, ReceiveOptions};
use parking_lot::Mutex;

const DEEP: usize = 1_000_000;

fn body(size: usize) -> Bytes {
    Bytes::from(vec![b'm'; size])
}

fn queue(config: QueueConfig) -> Queue {
    let cloud = Cloud::builder().manual_clock().build();
    let name = if config.is_fifo() { "bench.fifo" } else { "bench" };
    cloud.create_queue(name, config).unwrap()
}

/// A FIFO queue and its cloud, whose clock `time_fifo` moves past the deduplication
/// window after each timed run, as time would pass in a steady state.
fn fifo_queue() -> (Cloud, Queue) {
    let cloud = Cloud::builder().manual_clock().build();
    let q = cloud.create_queue("bench.fifo", QueueConfig::fifo()).unwrap();
    (cloud, q)
}

fn fill(q: &Queue, n: usize, b: &Bytes) {
    for _ in 0..n {
        q.send(b.clone()).unwrap();
    }
}

/// The floor: the least any queue with visibility must do per message.
#[derive(Default)]
struct Floor {
    state: Mutex<FloorState>,
}

#[derive(Default)]
struct FloorState {
    next: u64,
    visible: VecDeque<(u64, Bytes)>,
    in_flight: HashMap<u64, Bytes>,
}

impl Floor {
    fn send(&self, b: Bytes) {
        let mut s = self.state.lock();
        s.next += 1;
        let id = s.next;
        s.visible.push_back((id, b));
    }

    fn receive(&self) -> Option<(u64, Bytes)> {
        let mut s = self.state.lock();
        let (id, b) = s.visible.pop_front()?;
        s.in_flight.insert(id, b.clone());
        Some((id, b))
    }

    fn delete(&self, id: u64) {
        self.state.lock().in_flight.remove(&id);
    }
}

fn time_queue(q: &Queue, b: &Bytes, iters: u64) -> Duration {
    let start = Instant::now();
    for _ in 0..iters {
        q.send(b.clone()).unwrap();
        let m = q.try_receive().unwrap().unwrap();
        q.delete(m.receipt_handle()).unwrap();
    }
    start.elapsed()
}

/// FIFO send → receive → delete, cycling over `groups`; `seq` hands out fresh
/// deduplication ids so the 5-minute window never drops a send.
fn time_fifo((cloud, q): &(Cloud, Queue), groups: &[String], b: &Bytes, iters: u64, seq: &AtomicU64) -> Duration {
    cloud.advance(Duration::from_secs(301)); // the previous run's deduplication ids expire, untimed
    let start = Instant::now();
    for i in 0..iters as usize {
        let id = seq.fetch_add(1, Ordering::Relaxed).to_string();
        let m = OutgoingMessage::new(b.clone()).group_id(groups[i % groups.len()].as_str()).deduplication_id(id);
        q.send_message(m).unwrap();
        let r = q.try_receive().unwrap().unwrap();
        q.delete(r.receipt_handle()).unwrap();
    }
    start.elapsed()
}

fn time_floor(f: &Floor, b: &Bytes, iters: u64) -> Duration {
    let start = Instant::now();
    for _ in 0..iters {
        f.send(b.clone());
        let (id, m) = f.receive().unwrap();
        black_box(m);
        f.delete(id);
    }
    start.elapsed()
}

fn time_channel(
    tx: &crossbeam_channel::Sender<Bytes>,
    rx: &crossbeam_channel::Receiver<Bytes>,
    b: &Bytes,
    iters: u64,
) -> Duration {
    let start = Instant::now();
    for _ in 0..iters {
        tx.send(b.clone()).unwrap();
        black_box(rx.recv().unwrap());
    }
    start.elapsed()
}

/// What the three contenders do per message in one group of the bench.
struct Contenders {
    queue: Queue,
    floor: Floor,
    channel: (crossbeam_channel::Sender<Bytes>, crossbeam_channel::Receiver<Bytes>),
}

impl Contenders {
    fn new(depth: usize, b: &Bytes) -> Self {
        let queue = queue(QueueConfig::default());
        fill(&queue, depth, b);
        let floor = Floor::default();
        let channel = crossbeam_channel::unbounded();
        for _ in 0..depth {
            floor.send(b.clone());
            channel.0.send(b.clone()).unwrap();
        }
        Contenders { queue, floor, channel }
    }
}

fn bench_single(c: &mut Criterion) {
    for (label, depth) in [("send_receive_delete", 0usize), ("send_receive_delete_at_1e6", DEEP)] {
        let mut g = c.benchmark_group(label);
        g.throughput(Throughput::Elements(1));
        for size in [64usize, 1024] {
            let b = body(size);
            let k = Contenders::new(depth, &b);
            g.bench_function(BenchmarkId::new("queue", size), |x| x.iter_custom(|n| time_queue(&k.queue, &b, n)));
            g.bench_function(BenchmarkId::new("floor", size), |x| x.iter_custom(|n| time_floor(&k.floor, &b, n)));
            g.bench_function(BenchmarkId::new("channel", size), |x| {
                x.iter_custom(|n| time_channel(&k.channel.0, &k.channel.1, &b, n))
            });
        }
        g.finish();
    }
}

fn groups(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("g{i}")).collect()
}

fn bench_fifo(c: &mut Criterion) {
    let b = body(64);
    let mut g = c.benchmark_group("fifo_send_receive_delete");
    g.throughput(Throughput::Elements(1));
    for n in [1usize, 100, 10_000] {
        let q = fifo_queue();
        let gs = groups(n);
        let seq = AtomicU64::new(0);
        g.bench_function(BenchmarkId::new("queue", n), |x| x.iter_custom(|iters| time_fifo(&q, &gs, &b, iters, &seq)));
    }
    let floor = Floor::default();
    g.bench_function("floor", |x| x.iter_custom(|n| time_floor(&floor, &b, n)));
    g.finish();
}

/// 2 producers and 2 consumers move `n` messages through a queue.
fn time_mpmc_queue(n: u64, b: &Bytes) -> Duration {
    let q = queue(QueueConfig::default());
    let done = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    thread::scope(|s| {
        for _ in 0..2 {
            let q = q.clone();
            s.spawn(move || {
                for _ in 0..n / 2 {
                    q.send(b.clone()).unwrap();
                }
            });
        }
        for _ in 0..2 {
            let (q, done) = (q.clone(), done.clone());
            s.spawn(move || {
                while done.load(Ordering::Relaxed) < n / 2 * 2 {
                    for m in q.receive(ReceiveOptions::new().max_messages(10)).unwrap() {
                        q.delete(m.receipt_handle()).unwrap();
                        done.fetch_add(1, Ordering::Relaxed);
                    }
                }
            });
        }
    });
    start.elapsed()
}

fn time_mpmc_floor(n: u64, b: &Bytes) -> Duration {
    let f = Floor::default();
    let done = AtomicU64::new(0);
    let start = Instant::now();
    thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| {
                for _ in 0..n / 2 {
                    f.send(b.clone());
                }
            });
        }
        for _ in 0..2 {
            s.spawn(|| {
                while done.load(Ordering::Relaxed) < n / 2 * 2 {
                    if let Some((id, m)) = f.receive() {
                        black_box(m);
                        f.delete(id);
                        done.fetch_add(1, Ordering::Relaxed);
                    }
                }
            });
        }
    });
    start.elapsed()
}

fn time_mpmc_channel(n: u64, b: &Bytes) -> Duration {
    let (tx, rx) = crossbeam_channel::unbounded::<Bytes>();
    let start = Instant::now();
    thread::scope(|s| {
        for _ in 0..2 {
            let tx = tx.clone();
            s.spawn(move || {
                for _ in 0..n / 2 {
                    tx.send(b.clone()).unwrap();
                }
            });
        }
        for _ in 0..2 {
            let rx = rx.clone();
            s.spawn(move || {
                for _ in 0..n / 2 {
                    black_box(rx.recv().unwrap());
                }
            });
        }
    });
    start.elapsed()
}

fn bench_mpmc(c: &mut Criterion) {
    let b = body(64);
    let mut g = c.benchmark_group("two_producers_two_consumers");
    let n = 20_000u64;
    g.throughput(Throughput::Elements(n));
    g.sample_size(10);
    g.bench_function("queue", |x| x.iter_custom(|iters| (0..iters).map(|_| time_mpmc_queue(n, &b)).sum()));
    g.bench_function("floor", |x| x.iter_custom(|iters| (0..iters).map(|_| time_mpmc_floor(n, &b)).sum()));
    g.bench_function("channel", |x| x.iter_custom(|iters| (0..iters).map(|_| time_mpmc_channel(n, &b)).sum()));
    g.finish();
}

/// Best of a few runs, in nanoseconds per unit.
fn best(units: u64, mut f: impl FnMut() -> Duration) -> f64 {
    (0..7).map(|_| f().as_nanos() as f64 / units as f64).fold(f64::INFINITY, f64::min)
}

/// Resident memory of this process in bytes (Linux), to estimate bytes per message.
fn rss() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096)
}

fn print_ratios(memory: Option<f64>) {
    println!("\nratios (best of 7 runs, same process):");
    let n = 200_000;
    let mut empty_64 = 0.0;
    for depth in [0usize, DEEP] {
        for size in [64usize, 1024] {
            let b = body(size);
            let k = Contenders::new(depth, &b);
            let q = best(n, || time_queue(&k.queue, &b, n));
            let f = best(n, || time_floor(&k.floor, &b, n));
            let ch = best(n, || time_channel(&k.channel.0, &k.channel.1, &b, n));
            if depth == 0 && size == 64 {
                empty_64 = q;
            }
            println!(
                "  send+receive+delete {size:>4} B at depth {depth:>7}: {q:6.1} ns; floor {f:5.1} ns = {:.2}x; \
                 channel {ch:5.1} ns = {:.2}x",
                q / f,
                q / ch
            );
            if depth == DEEP && size == 64 {
                println!("  cost at 10^6 depth vs empty (64 B): {:.2}x", q / empty_64);
            }
        }
    }
    let b = body(64);
    let f = best(n, || time_floor(&Floor::default(), &b, n));
    for groups_n in [1usize, 100, 10_000] {
        let q = fifo_queue();
        let gs = groups(groups_n);
        let seq = AtomicU64::new(0);
        let t = best(n, || time_fifo(&q, &gs, &b, n, &seq));
        println!("  fifo send+receive+delete, {groups_n:>5} groups: {t:6.1} ns; floor {f:5.1} ns = {:.2}x", t / f);
    }
    let m = 100_000u64;
    let q = best(m, || time_mpmc_queue(m, &b));
    let fl = best(m, || time_mpmc_floor(m, &b));
    let ch = best(m, || time_mpmc_channel(m, &b));
    println!(
        "  2 producers + 2 consumers: {q:6.1} ns/msg; floor {fl:5.1} ns = {:.2}x; channel {ch:5.1} ns = {:.2}x",
        q / fl,
        q / ch
    );
    if let Some(per_message) = memory {
        println!("  memory: {per_message:.0} B per queued 64 B message (resident set growth over 10^6 sends)");
    }
}

/// Measured first, before the benches leave freed memory the allocator would reuse.
fn memory_per_message() -> Option<f64> {
    let before = rss()?;
    let q = queue(QueueConfig::default());
    fill(&q, DEEP, &body(64));
    let after = rss()?;
    Some(after.saturating_sub(before) as f64 / DEEP as f64)
}

fn main() {
    let quick = std::env::args().any(|a| a == "--test" || a == "--list" || a == "--profile-time");
    let memory = if quick { None } else { memory_per_message() };
    let mut c = Criterion::default().configure_from_args();
    bench_single(&mut c);
    bench_fifo(&mut c);
    bench_mpmc(&mut c);
    c.final_summary();
    if !quick {
        print_ratios(memory);
    }
}
