//! Table benchmarks: `put_item` (without and with a NEW_AND_OLD_IMAGES change stream),
//! `get_item` and a 10-item `query`, each beside its floor (a `parking_lot::Mutex`
//! around a `BTreeMap` of the same items) in the same run, then the ratios and the
//! stream's overhead.

use std::collections::BTreeMap;
use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion};
use localcloud::table::{Key, KeyCondition, StreamViewType, Table, TableConfig};
use localcloud::{item, Cloud, Item};
use parking_lot::Mutex;

const KEYS: u64 = 10_000;

fn table(stream: bool) -> Table {
    let cloud = Cloud::builder().manual_clock().build();
    let mut cfg = TableConfig::new(Key::string("id")).sort_key(Key::number("ver"));
    if stream {
        cfg = cfg.stream(StreamViewType::NewAndOldImages);
    }
    cloud.create_table("bench", cfg).unwrap()
}

/// Item `i` (of `KEYS`), with a `size` that changes on every write (`v`), so each put
/// is a real change and writes a change record.
fn make(i: u64, v: u64) -> Item {
    item! {"id" => format!("img-{}", i / 10), "ver" => i % 10, "size" => v, "kind" => "image/png"}
}

/// The floor: items in a sorted map behind a lock.
#[derive(Default)]
struct Floor(Mutex<BTreeMap<(String, u64), Item>>);

impl Floor {
    fn put(&self, i: u64, item: Item) -> Option<Item> {
        self.0.lock().insert((format!("img-{}", i / 10), i % 10), item)
    }
    fn get(&self, i: u64) -> Option<Item> {
        self.0.lock().get(&(format!("img-{}", i / 10), i % 10)).cloned()
    }
    fn query(&self, p: u64) -> Vec<Item> {
        let id = format!("img-{p}");
        self.0.lock().range((id.clone(), 0)..=(id, u64::MAX)).map(|(_, v)| v.clone()).collect()
    }
}

fn filled(stream: bool) -> (Table, Floor) {
    let t = table(stream);
    let f = Floor::default();
    for i in 0..KEYS {
        t.put_item(make(i, 0), None).unwrap();
        f.put(i, make(i, 0));
    }
    (t, f)
}

fn bench(c: &mut Criterion) {
    let (t, f) = filled(false);
    let (ts, _) = filled(true);
    let mut g = c.benchmark_group("table");
    let mut i = 0u64;
    let mut v = 0u64;
    g.bench_function(BenchmarkId::new("put_item", "no stream"), |b| {
        b.iter(|| {
            i = (i + 1) % KEYS;
            v += 1;
            t.put_item(make(i, v), None).unwrap()
        })
    });
    g.bench_function(BenchmarkId::new("put_item", "stream"), |b| {
        b.iter(|| {
            i = (i + 1) % KEYS;
            v += 1;
            ts.put_item(make(i, v), None).unwrap()
        })
    });
    g.bench_function(BenchmarkId::new("put_item", "floor"), |b| {
        b.iter(|| {
            i = (i + 1) % KEYS;
            v += 1;
            f.put(i, make(i, v))
        })
    });
    g.bench_function(BenchmarkId::new("get_item", "table"), |b| {
        b.iter(|| {
            i = (i + 1) % KEYS;
            t.get_item(&item! {"id" => format!("img-{}", i / 10), "ver" => i % 10}).unwrap()
        })
    });
    g.bench_function(BenchmarkId::new("get_item", "floor"), |b| {
        b.iter(|| {
            i = (i + 1) % KEYS;
            f.get(i)
        })
    });
    g.bench_function(BenchmarkId::new("query_10", "table"), |b| {
        b.iter(|| {
            i = (i + 1) % (KEYS / 10);
            t.query(KeyCondition::eq("id", format!("img-{i}"))).unwrap()
        })
    });
    g.bench_function(BenchmarkId::new("query_10", "floor"), |b| {
        b.iter(|| {
            i = (i + 1) % (KEYS / 10);
            f.query(i)
        })
    });
    g.finish();
}

/// Best of 7 runs, in nanoseconds per operation.
fn best(n: u64, mut f: impl FnMut(u64)) -> f64 {
    (0..7)
        .map(|_| {
            let t = Instant::now();
            for i in 0..n {
                f(i);
            }
            let d: Duration = t.elapsed();
            d.as_nanos() as f64 / n as f64
        })
        .fold(f64::INFINITY, f64::min)
}

fn print_ratios() {
    let n = 50_000;
    let (t, f) = filled(false);
    let (ts, _) = filled(true);
    println!("\nratios (best of 7 runs, same process, {KEYS} items):");
    let mut v = 0;
    let mut next = || {
        v += 1;
        v
    };
    let floor = best(n, |i| drop(black_box(f.put(i % KEYS, make(i % KEYS, next())))));
    let plain = best(n, |i| drop(black_box(t.put_item(make(i % KEYS, next()), None).unwrap())));
    let stream = best(n, |i| drop(black_box(ts.put_item(make(i % KEYS, next()), None).unwrap())));
    println!("  put_item, no stream: {plain:7.1} ns vs floor {floor:7.1} ns = {:.2}x", plain / floor);
    println!("  put_item, stream:    {stream:7.1} ns vs floor {floor:7.1} ns = {:.2}x", stream / floor);
    println!("  stream overhead per put (NEW_AND_OLD_IMAGES): {:.1} ns ({:.2}x)", stream - plain, stream / plain);
    let floor = best(n, |i| drop(black_box(f.get(i % KEYS))));
    let real = best(n, |i| {
        let i = i % KEYS;
        drop(black_box(t.get_item(&item! {"id" => format!("img-{}", i / 10), "ver" => i % 10}).unwrap()))
    });
    println!("  get_item:            {real:7.1} ns vs floor {floor:7.1} ns = {:.2}x", real / floor);
    let m = n / 10;
    let floor = best(m, |i| drop(black_box(f.query(i % (KEYS / 10)))));
    let real =
        best(m, |i| drop(black_box(t.query(KeyCondition::eq("id", format!("img-{}", i % (KEYS / 10)))).unwrap())));
    println!("  query (10 items):    {real:7.1} ns vs floor {floor:7.1} ns = {:.2}x", real / floor);
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    bench(&mut c);
    c.final_summary();
    if !std::env::args().any(|a| a == "--test" || a == "--list") {
        print_ratios();
    }
}
