//! Schedule benchmarks: `next_after` on cron expressions (an every-weekday time, a
//! rare `#` rule, and one that never fires, searched to year 2199), and firing a
//! once-a-minute schedule into a queue for a day of virtual time beside its floor (the
//! same 1,440 `send_message` calls written by hand), then the ratio.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, Throughput};
use localcloud::schedule::Target;
use localcloud::{Cloud, OutgoingMessage, QueueConfig, ScheduleExpression, Timestamp};

const EXPRESSIONS: [&str; 3] = ["cron(0 18 ? * MON-FRI *)", "cron(0 0 ? * 6#5 *)", "cron(* * 31 2 ? *)"];
const FIRINGS: u64 = 1440;

fn start() -> Timestamp {
    Timestamp::from_secs(1_704_067_200)
}

/// Times `iters` days of a once-a-minute schedule firing into a queue.
fn time_firing(iters: u64) -> Duration {
    let mut total = Duration::ZERO;
    for _ in 0..iters {
        let cloud = Cloud::builder().manual_clock().build();
        let q = cloud.create_queue("q", QueueConfig::default().retention(Duration::from_secs(86_400 * 2))).unwrap();
        let e = ScheduleExpression::parse("rate(1 minute)").unwrap();
        cloud.create_schedule("s", e, Target::queue(&q).input("{}")).unwrap();
        let t = Instant::now();
        cloud.advance(Duration::from_secs(60 * FIRINGS));
        total += t.elapsed();
        black_box(q.stats());
    }
    total
}

/// The floor: the same sends, made by hand.
fn time_floor(iters: u64) -> Duration {
    let mut total = Duration::ZERO;
    for _ in 0..iters {
        let cloud = Cloud::builder().manual_clock().build();
        let q = cloud.create_queue("q", QueueConfig::default().retention(Duration::from_secs(86_400 * 2))).unwrap();
        let t = Instant::now();
        for _ in 0..FIRINGS {
            q.send_message(OutgoingMessage::new("{}")).unwrap();
        }
        total += t.elapsed();
        black_box(q.stats());
    }
    total
}

fn bench_next_after(c: &mut Criterion) {
    let mut g = c.benchmark_group("next_after");
    for (i, text) in EXPRESSIONS.iter().enumerate() {
        let e = ScheduleExpression::parse(text).unwrap();
        g.bench_function(BenchmarkId::new("cron", i), |b| b.iter(|| black_box(e.next_after(black_box(start())))));
    }
    g.finish();
}

fn bench_firing(c: &mut Criterion) {
    let mut g = c.benchmark_group("firing");
    g.throughput(Throughput::Elements(FIRINGS));
    g.sample_size(10);
    g.bench_function("schedule", |b| b.iter_custom(time_firing));
    g.bench_function("floor", |b| b.iter_custom(time_floor));
    g.finish();
}

/// Best of a few runs.
fn best(mut f: impl FnMut() -> Duration) -> Duration {
    (0..7).map(|_| f()).min().unwrap_or_default()
}

fn print_ratios() {
    println!("\nnext_after (best of 7 runs of 1,000 calls):");
    for text in EXPRESSIONS {
        let e = ScheduleExpression::parse(text).unwrap();
        let d = best(|| {
            let t = Instant::now();
            for _ in 0..1000 {
                black_box(e.next_after(black_box(start())));
            }
            t.elapsed()
        });
        println!("  {text:<28} {:9.0} ns", d.as_nanos() as f64 / 1000.0);
    }
    let real = best(|| time_firing(1)).as_nanos() as f64 / FIRINGS as f64;
    let floor = best(|| time_floor(1)).as_nanos() as f64 / FIRINGS as f64;
    println!("firing: {real:.0} ns per firing vs floor (plain send) {floor:.0} ns = {:.2}x", real / floor);
}

fn main() {
    let quick = std::env::args().any(|a| a == "--test" || a == "--list" || a == "--profile-time");
    let mut c = Criterion::default().configure_from_args();
    bench_next_after(&mut c);
    bench_firing(&mut c);
    c.final_summary();
    if !quick {
        print_ratios();
    }
}
