//! Queue mapping throughput: messages through an event source mapping (receive →
//! invoke with an SQS event → delete_batch, on the scheduler) against the floor timed in
//! the same run: a hand-written loop doing the same receive → invoke with an SQS-shaped
//! JSON event → delete_batch. The ratio is printed last
//! (`cargo bench --bench mapping -- zz_ratios_only` prints only it).

use std::time::{Duration, Instant};

use bytes::Bytes;
use criterion::{Criterion, Throughput};
use localcloud::function::Invocation;
use localcloud::mapping::EventSourceMapping;
use localcloud::queue::BatchEntry;
use localcloud::{Cloud, FunctionConfig, OutgoingMessage, Queue, QueueConfig, ReceiveOptions};

fn setup() -> (Cloud, Queue) {
    let cloud = Cloud::builder().manual_clock().seed(1).build();
    let q = cloud.create_queue("orders", QueueConfig::default()).unwrap();
    cloud.functions().create_function("worker", FunctionConfig::default(), |_, _| Ok(Bytes::new())).unwrap();
    (cloud, q)
}

fn fill(q: &Queue, n: u64) {
    let body = Bytes::from(vec![b'm'; 64]);
    let mut i = 0;
    while i < n {
        let entries =
            (0..10.min(n - i)).map(|k| BatchEntry::new(k.to_string(), OutgoingMessage::new(body.clone()))).collect();
        q.send_batch(entries).unwrap();
        i += 10;
    }
}

/// `n` messages through a mapping: the clock moves once and the mapping drains the queue.
fn time_mapping(n: u64) -> Duration {
    let (cloud, q) = setup();
    cloud
        .functions()
        .create_event_source_mapping(EventSourceMapping::queue(&q, "worker").batch_size(10).maximum_concurrency(5))
        .unwrap();
    fill(&q, n);
    let start = Instant::now();
    cloud.advance(Duration::from_secs(1));
    let d = start.elapsed();
    assert_eq!(q.stats().total(), 0);
    d
}

/// The floor: the same work by hand, no scheduler, no mapping state.
fn time_floor(n: u64) -> Duration {
    let (cloud, q) = setup();
    let rt = cloud.functions();
    fill(&q, n);
    let start = Instant::now();
    loop {
        let got = q.receive(ReceiveOptions::new().max_messages(10).wait(Duration::ZERO)).unwrap();
        if got.is_empty() {
            break;
        }
        let records: Vec<serde_json::Value> = got
            .iter()
            .map(|m| {
                serde_json::json!({
                    "messageId": m.message_id().to_string(),
                    "receiptHandle": m.receipt_handle().to_string(),
                    "body": m.body_str(),
                    "attributes": {
                        "ApproximateReceiveCount": m.receive_count().to_string(),
                        "SentTimestamp": m.sent_at().as_millis().to_string(),
                    },
                    "messageAttributes": {},
                    "md5OfBody": m.md5_of_body().to_string(),
                    "eventSource": "aws:sqs",
                    "eventSourceARN": q.arn(),
                    "awsRegion": cloud.region(),
                })
            })
            .collect();
        let payload = serde_json::json!({ "Records": records }).to_string();
        let out = rt.invoke("worker", Invocation::request_response(payload)).unwrap();
        if out.function_error().is_none() {
            let entries = got
                .iter()
                .enumerate()
                .map(|(i, m)| BatchEntry::new(i.to_string(), m.receipt_handle().clone()))
                .collect();
            q.delete_batch(entries).unwrap();
        }
    }
    let d = start.elapsed();
    assert_eq!(q.stats().total(), 0);
    d
}

fn best(n: u64, f: impl Fn(u64) -> Duration) -> f64 {
    let secs = (0..5).map(|_| f(n).as_secs_f64()).fold(f64::INFINITY, f64::min);
    n as f64 / secs
}

fn print_ratios() {
    println!("\nratios (best of 5 runs of 20,000 messages, same process):");
    let n = 20_000;
    let floor = best(n, time_floor);
    let mapping = best(n, time_mapping);
    println!(
        "  queue mapping: {mapping:9.0} msgs/s; floor (receive → invoke → delete_batch by hand) {floor:9.0} msgs/s; {:.0}% of the floor (goal >= 50%)",
        100.0 * mapping / floor
    );
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("queue_mapping");
    g.throughput(Throughput::Elements(1_000));
    g.sample_size(10);
    g.bench_function("mapping_1000_msgs", |b| b.iter_custom(|iters| (0..iters).map(|_| time_mapping(1_000)).sum()));
    g.bench_function("floor_1000_msgs", |b| b.iter_custom(|iters| (0..iters).map(|_| time_floor(1_000)).sum()));
    g.finish();
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let quick = args.iter().any(|a| a == "--test" || a == "--list" || a == "--profile-time");
    let only_ratios = args.iter().any(|a| a == "zz_ratios_only");
    if !only_ratios {
        let mut c = Criterion::default().configure_from_args();
        bench(&mut c);
        c.final_summary();
    }
    if !quick {
        print_ratios();
    }
}
