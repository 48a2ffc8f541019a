//! Stream benchmarks: `put_record` on 4 and 64 shards and `get_records` in batches of
//! 100 and 10,000, each beside its floor (MD5 + shard pick + append to a `Vec`;
//! cloning records out of a `Vec`) in the same run, then the ratios.

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use criterion::{BenchmarkId, Criterion, Throughput};
use localcloud::{Cloud, PutRecord, StartingPosition, Stream, StreamConfig};
use md5::{Digest, Md5};

const PAYLOAD: &[u8] = &[b'x'; 100];

fn keys() -> Vec<String> {
    (0..1024).map(|i| format!("user-{i}")).collect()
}

fn stream(shards: usize) -> Stream {
    let cloud = Cloud::builder().manual_clock().build();
    cloud.create_stream("bench", StreamConfig::with_shards(shards)).unwrap()
}

/// A record as the floor stores it: key, data, hash key.
type FloorRecord = (Arc<str>, Bytes, u128);

/// The floor of a put: what any stream must do at least.
struct FloorStream {
    starts: Vec<u128>,
    shards: Vec<Vec<FloorRecord>>,
}

impl FloorStream {
    fn new(n: usize) -> Self {
        let w = u128::MAX / n as u128;
        FloorStream { starts: (0..n as u128).map(|i| i * w).collect(), shards: (0..n).map(|_| Vec::new()).collect() }
    }

    fn put(&mut self, key: &str, data: Bytes) {
        let h = u128::from_be_bytes(Md5::digest(key.as_bytes()).into());
        let i = self.starts.partition_point(|s| *s <= h) - 1;
        self.shards[i].push((Arc::from(key), data, h));
    }
}

/// Times `iters` puts into a fresh stream (so memory does not grow across samples).
fn time_puts(shards: usize, keys: &[String], iters: u64) -> Duration {
    let s = stream(shards);
    let data = Bytes::from_static(PAYLOAD);
    let start = Instant::now();
    for i in 0..iters as usize {
        black_box(s.put_record(PutRecord::new(keys[i % keys.len()].as_str(), data.clone())).unwrap());
    }
    start.elapsed()
}

fn time_floor_puts(shards: usize, keys: &[String], iters: u64) -> Duration {
    let mut f = FloorStream::new(shards);
    let data = Bytes::from_static(PAYLOAD);
    let start = Instant::now();
    for i in 0..iters as usize {
        f.put(black_box(keys[i % keys.len()].as_str()), data.clone());
    }
    black_box(&f.shards);
    start.elapsed()
}

fn filled(n: usize) -> (Stream, localcloud::stream::ShardIterator, Vec<FloorRecord>) {
    let s = stream(1);
    let data = Bytes::from(PAYLOAD.to_vec());
    for chunk in 0..n / 500 {
        let batch: Vec<PutRecord> = (0..500).map(|i| PutRecord::new(format!("k{chunk}-{i}"), data.clone())).collect();
        s.put_records(batch).unwrap();
    }
    let it = s.shard_iterator(s.shards()[0].shard_id(), StartingPosition::TrimHorizon).unwrap();
    let floor = (0..n).map(|i| (Arc::from(format!("k{i}").as_str()), data.clone(), i as u128)).collect();
    (s, it, floor)
}

fn bench_put(c: &mut Criterion) {
    let keys = keys();
    let mut g = c.benchmark_group("put_record");
    g.throughput(Throughput::Elements(1));
    for shards in [4usize, 64] {
        g.bench_function(BenchmarkId::new("stream", shards), |b| b.iter_custom(|n| time_puts(shards, &keys, n)));
        g.bench_function(BenchmarkId::new("floor", shards), |b| b.iter_custom(|n| time_floor_puts(shards, &keys, n)));
    }
    g.finish();
}

fn bench_get(c: &mut Criterion) {
    let (s, it, floor) = filled(10_000);
    let mut g = c.benchmark_group("get_records");
    for batch in [100usize, 10_000] {
        g.throughput(Throughput::Elements(batch as u64));
        g.bench_function(BenchmarkId::new("stream", batch), |b| b.iter(|| s.get_records(&it, batch).unwrap()));
        g.bench_function(BenchmarkId::new("floor", batch), |b| b.iter(|| floor[..batch].to_vec()));
    }
    g.finish();
}

/// Best of a few runs, in nanoseconds per unit.
fn best(units: u64, mut f: impl FnMut() -> Duration) -> f64 {
    (0..7).map(|_| f().as_nanos() as f64 / units as f64).fold(f64::INFINITY, f64::min)
}

fn print_ratios() {
    let keys = keys();
    println!("\nratios (best of 7 runs, same process):");
    for shards in [4usize, 64] {
        let n = 200_000;
        let real = best(n, || time_puts(shards, &keys, n));
        let floor = best(n, || time_floor_puts(shards, &keys, n));
        println!("  put_record {shards:>2} shards: {real:7.1} ns vs floor {floor:7.1} ns = {:.2}x", real / floor);
    }
    let (s, it, floor) = filled(10_000);
    for batch in [100usize, 10_000] {
        let reps = (1_000_000 / batch) as u64;
        let real = best(reps * batch as u64, || {
            let t = Instant::now();
            for _ in 0..reps {
                black_box(s.get_records(&it, batch).unwrap());
            }
            t.elapsed()
        });
        let fl = best(reps * batch as u64, || {
            let t = Instant::now();
            for _ in 0..reps {
                black_box(floor[..batch].to_vec());
            }
            t.elapsed()
        });
        println!(
            "  get_records batch {batch:>5}: {:6.1} M records/s vs floor {:6.1} M records/s = {:.2}x the floor's time",
            1e3 / real,
            1e3 / fl,
            real / fl
        );
    }
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    bench_put(&mut c);
    bench_get(&mut c);
    c.final_summary();
    if !std::env::args().any(|a| a == "--test" || a == "--list") {
        print_ratios();
    }
}
