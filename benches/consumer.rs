//! Consumer benchmarks: one worker round that reads 1,000 records and checkpoints
//! once, from a stream and from a table's change stream, each beside its floor (the
//! same 1,000 records read with the source's own iterator and `get_records`) in the
//! same run, then the ratios: what leases, checkpoints and the processor call cost
//! per record.

use std::hint::black_box;
use std::time::Instant;

use criterion::{BatchSize, BenchmarkId, Criterion};
use localcloud::consumer::{Checkpointer, Consumer, ProcessRecordsInput, ShardRecordProcessor, Worker};
use localcloud::table::{ChangePosition, ChangeStream, Key, StreamViewType, TableConfig};
use localcloud::{item, Cloud, PutRecord, StartingPosition, Stream, StreamConfig};

const RECORDS: usize = 1000;

/// Touches every record, typed change or plain record, and checkpoints once.
struct Touch;

impl ShardRecordProcessor for Touch {
    fn process_records(&mut self, batch: &ProcessRecordsInput, cp: &mut Checkpointer) {
        if batch.changes().is_empty() {
            for r in batch.records() {
                black_box(r.data());
            }
        } else {
            for c in batch.changes() {
                black_box(c.new_image());
            }
        }
        cp.checkpoint().unwrap();
    }
    fn shard_ended(&mut self, cp: &mut Checkpointer) {
        cp.checkpoint().unwrap();
    }
}

fn worker(cloud: &Cloud, source: &impl localcloud::consumer::ConsumerSource) -> Worker {
    Consumer::builder(cloud, source, "bench")
        .initial_position(StartingPosition::TrimHorizon)
        .max_records(RECORDS)
        .processor(|| Touch)
        .build()
        .unwrap()
}

fn changes() -> (Cloud, ChangeStream) {
    let cloud = Cloud::builder().manual_clock().build();
    let cfg = TableConfig::new(Key::string("id")).stream(StreamViewType::NewAndOldImages);
    let t = cloud.create_table("bench", cfg).unwrap();
    for i in 0..RECORDS {
        t.put_item(item! {"id" => format!("img-{i}"), "size" => i as u64, "kind" => "image/png"}, None).unwrap();
    }
    let s = t.stream().unwrap();
    (cloud, s)
}

fn stream() -> (Cloud, Stream) {
    let cloud = Cloud::builder().manual_clock().build();
    let s = cloud.create_stream("bench", StreamConfig::with_shards(1)).unwrap();
    for i in 0..RECORDS {
        s.put_record(PutRecord::new(format!("user-{i}"), vec![7u8; 100])).unwrap();
    }
    (cloud, s)
}

/// The floor: the change stream's own reading API.
fn read_changes(s: &ChangeStream) -> usize {
    let shard = s.shards().unwrap().remove(0);
    let it = s.shard_iterator(shard.shard_id(), ChangePosition::TrimHorizon).unwrap();
    let out = s.get_records(&it, RECORDS).unwrap();
    out.records().iter().map(|c| black_box(c.new_image()).map_or(0, |_| 1)).sum()
}

/// The floor: the stream's own reading API.
fn read_stream(s: &Stream) -> usize {
    let shard = *s.shards()[0].shard_id();
    let it = s.shard_iterator(&shard, StartingPosition::TrimHorizon).unwrap();
    let out = s.get_records(&it, RECORDS).unwrap();
    out.records().iter().map(|r| black_box(r.data()).len()).sum()
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("consumer");
    g.bench_function(BenchmarkId::new("table_stream_1000", "worker"), |b| {
        b.iter_batched(
            || {
                let (cloud, s) = changes();
                (worker(&cloud, &s), cloud)
            },
            |(w, _cloud)| assert_eq!(w.run_once().unwrap().records, RECORDS as u64),
            BatchSize::LargeInput,
        )
    });
    g.bench_function(BenchmarkId::new("table_stream_1000", "floor"), |b| {
        b.iter_batched(changes, |(_cloud, s)| read_changes(&s), BatchSize::LargeInput)
    });
    g.bench_function(BenchmarkId::new("stream_1000", "worker"), |b| {
        b.iter_batched(
            || {
                let (cloud, s) = stream();
                (worker(&cloud, &s), cloud)
            },
            |(w, _cloud)| assert_eq!(w.run_once().unwrap().records, RECORDS as u64),
            BatchSize::LargeInput,
        )
    });
    g.bench_function(BenchmarkId::new("stream_1000", "floor"), |b| {
        b.iter_batched(stream, |(_cloud, s)| read_stream(&s), BatchSize::LargeInput)
    });
    g.finish();
}

/// Best of 7 timed calls of `run` on fresh input from `setup`, in ns per record.
fn best<T>(mut setup: impl FnMut() -> T, mut run: impl FnMut(T)) -> f64 {
    (0..7)
        .map(|_| {
            let input = setup();
            let t = Instant::now();
            run(input);
            t.elapsed().as_nanos() as f64 / RECORDS as f64
        })
        .fold(f64::INFINITY, f64::min)
}

fn print_ratios() {
    println!("\nratios (best of 7 rounds, same process, {RECORDS} records a round, ns per record):");
    let floor = best(changes, |(_c, s)| {
        black_box(read_changes(&s));
    });
    let real = best(
        || {
            let (cloud, s) = changes();
            (worker(&cloud, &s), cloud)
        },
        |(w, _c)| drop(black_box(w.run_once().unwrap())),
    );
    println!("  table change stream: worker {real:7.1} vs floor {floor:7.1} = {:.2}x", real / floor);
    let floor = best(stream, |(_c, s)| {
        black_box(read_stream(&s));
    });
    let real = best(
        || {
            let (cloud, s) = stream();
            (worker(&cloud, &s), cloud)
        },
        |(w, _c)| drop(black_box(w.run_once().unwrap())),
    );
    println!("  stream:              worker {real:7.1} vs floor {floor:7.1} = {:.2}x", real / floor);
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    bench(&mut c);
    c.final_summary();
    if !std::env::args().any(|a| a == "--test" || a == "--list") {
        print_ratios();
    }
}
