//! Function benchmarks: a same-thread synchronous invoke (through the handle and by
//! name) against the floor, the same closure called through `Arc<dyn Fn>`; and
//! asynchronous invoke throughput on the manual clock (queue the events, then drive
//! the scheduler). The ratios and differences are printed last
//! (`cargo bench --bench function -- zz_ratios_only` prints only them).

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use criterion::{Criterion, Throughput};
use localcloud::function::{Context, Invocation};
use localcloud::{Cloud, Function, FunctionConfig, FunctionRuntime, HandlerError};

type Floor = Arc<dyn Fn(&Bytes, Bytes) -> Result<Bytes, HandlerError> + Send + Sync>;

fn handler(_: &Context, p: Bytes) -> Result<Bytes, HandlerError> {
    Ok(black_box(p))
}

fn setup() -> (Cloud, FunctionRuntime, Function) {
    let cloud = Cloud::builder().manual_clock().seed(1).build();
    let rt = cloud.functions();
    let f = rt.create_function("bench", FunctionConfig::default(), handler).unwrap();
    (cloud, rt, f)
}

fn floor() -> Floor {
    Arc::new(|_, p| Ok(black_box(p)))
}

fn time_floor(fl: &Floor, p: &Bytes, iters: u64) -> Duration {
    let ctx = Bytes::new();
    let start = Instant::now();
    for _ in 0..iters {
        black_box(fl(&ctx, p.clone()).unwrap());
    }
    start.elapsed()
}

fn time_invoke(f: &Function, p: &Bytes, iters: u64) -> Duration {
    let start = Instant::now();
    for _ in 0..iters {
        black_box(f.invoke(p.clone()).unwrap());
    }
    start.elapsed()
}

fn time_invoke_by_name(rt: &FunctionRuntime, p: &Bytes, iters: u64) -> Duration {
    let start = Instant::now();
    for _ in 0..iters {
        black_box(rt.invoke("bench", Invocation::request_response(p.clone())).unwrap());
    }
    start.elapsed()
}

/// Queues `iters` events in batches of 1,000, running each batch: the throughput of
/// asynchronous invokes.
fn time_async(cloud: &Cloud, f: &Function, p: &Bytes, iters: u64) -> Duration {
    let start = Instant::now();
    let mut left = iters;
    while left > 0 {
        let batch = left.min(1000);
        for _ in 0..batch {
            black_box(f.invoke_with(Invocation::event(p.clone())).unwrap());
        }
        cloud.run_until_idle();
        left -= batch;
    }
    start.elapsed()
}

fn bench_sync(c: &mut Criterion) {
    let (_cloud, rt, f) = setup();
    let fl = floor();
    let p = Bytes::from_static(b"{\"id\":1}");
    let mut g = c.benchmark_group("sync_invoke");
    g.throughput(Throughput::Elements(1));
    g.bench_function("floor_arc_dyn_fn", |b| b.iter_custom(|n| time_floor(&fl, &p, n)));
    g.bench_function("function_invoke", |b| b.iter_custom(|n| time_invoke(&f, &p, n)));
    g.bench_function("runtime_invoke_by_name", |b| b.iter_custom(|n| time_invoke_by_name(&rt, &p, n)));
    g.finish();
}

fn bench_async(c: &mut Criterion) {
    let (cloud, _rt, f) = setup();
    let p = Bytes::from_static(b"{\"id\":1}");
    let mut g = c.benchmark_group("async_invoke");
    g.throughput(Throughput::Elements(1));
    g.bench_function("event_then_run", |b| b.iter_custom(|n| time_async(&cloud, &f, &p, n)));
    g.finish();
}

/// Best of a few runs, in nanoseconds per unit.
fn best(units: u64, mut f: impl FnMut() -> Duration) -> f64 {
    (0..7).map(|_| f().as_nanos() as f64 / units as f64).fold(f64::INFINITY, f64::min)
}

fn print_ratios() {
    println!("\nratios (best of 7 runs, same process):");
    let (cloud, rt, f) = setup();
    let fl = floor();
    let p = Bytes::from_static(b"{\"id\":1}");
    let n = 1_000_000;
    let floor_ns = best(n, || time_floor(&fl, &p, n));
    let inv = best(n, || time_invoke(&f, &p, n));
    let by_name = best(n, || time_invoke_by_name(&rt, &p, n));
    println!(
        "  sync invoke (handle): {inv:6.1} ns; floor (Arc<dyn Fn>) {floor_ns:5.1} ns; +{:.1} ns over the floor (goal <= 100)",
        inv - floor_ns
    );
    println!("  sync invoke (by name): {by_name:6.1} ns; +{:.1} ns over the floor", by_name - floor_ns);
    let m = 200_000;
    let a = best(m, || time_async(&cloud, &f, &p, m));
    println!("  async invoke, queue then run (manual clock): {a:6.1} ns = {:.2} M invokes/s (goal >= 1)", 1e3 / a);
}

fn main() {
    let quick = std::env::args().any(|a| a == "--test" || a == "--list" || a == "--profile-time");
    let mut c = Criterion::default().configure_from_args();
    bench_sync(&mut c);
    bench_async(&mut c);
    c.final_summary();
    if !quick {
        print_ratios();
    }
}
