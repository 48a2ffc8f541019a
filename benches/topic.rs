//! Topic benchmarks: publishing to 1, 10 and 100 queue subscribers beside the floor,
//! a plain send of the same body to one queue, timed in the same run; and filter
//! policy matching per message. Prints the publish / send ratios at the end.

use std::hint::black_box;
use std::time::{Duration, Instant};

use bytes::Bytes;
use criterion::{BenchmarkId, Criterion};
use localcloud::{
    AttributeValue, Cloud, FilterPolicy, MessageAttributes, Publish, Queue, QueueConfig, Subscription, Topic,
    TopicConfig,
};

/// Queues are purged after this many timed operations so memory stays flat.
const CHUNK: u64 = 1_000;

struct Fixture {
    cloud: Cloud,
    topic: Topic,
    queues: Vec<Queue>,
}

fn fixture(subscribers: usize, raw: bool) -> Fixture {
    let cloud = Cloud::builder().manual_clock().seed(1).build();
    let topic = cloud.create_topic("bench", TopicConfig::default()).unwrap();
    let queues: Vec<Queue> = (0..subscribers.max(1))
        .map(|i| cloud.create_queue(&format!("q{i}"), QueueConfig::default()).unwrap())
        .collect();
    for q in queues.iter().take(subscribers) {
        topic.subscribe(Subscription::queue(q).raw_delivery(raw)).unwrap();
    }
    Fixture { cloud, topic, queues }
}

impl Fixture {
    fn purge(&self) {
        // Purges are allowed once a minute of clock time.
        self.cloud.advance(Duration::from_secs(61));
        for q in &self.queues {
            q.purge().unwrap();
        }
    }

    /// Times `iters` runs of `op`, purging (untimed) every CHUNK runs.
    fn time(&self, iters: u64, mut op: impl FnMut()) -> Duration {
        let mut total = Duration::ZERO;
        let mut left = iters;
        while left > 0 {
            let n = left.min(CHUNK);
            let start = Instant::now();
            for _ in 0..n {
                op();
            }
            total += start.elapsed();
            left -= n;
            self.purge();
        }
        total
    }
}

fn body() -> Bytes {
    Bytes::from(r#"{"invoice":7,"customer":"ada","total":120.5,"lines":[{"sku":"a","qty":2}]}"#)
}

fn bench_publish(c: &mut Criterion) {
    let mut g = c.benchmark_group("topic_publish");
    let floor = fixture(0, true);
    g.bench_function("floor: queue send", |b| {
        b.iter_custom(|iters| floor.time(iters, || drop(black_box(floor.queues[0].send(body()).unwrap()))))
    });
    for raw in [true, false] {
        for n in [1, 10, 100] {
            let f = fixture(n, raw);
            let id = BenchmarkId::new(if raw { "publish raw" } else { "publish envelope" }, n);
            g.bench_function(id, |b| {
                b.iter_custom(|iters| {
                    f.time(iters, || {
                        black_box(f.topic.publish(Publish::new(body())).unwrap());
                    })
                })
            });
        }
    }
    g.finish();
}

fn bench_filter(c: &mut Criterion) {
    let mut g = c.benchmark_group("topic_filter");
    let policy = FilterPolicy::parse(
        r#"{"kind":["invoice","credit-note"],"total":[{"numeric":[">",100,"<=",1000]}],
            "region":[{"prefix":"eu-"}],"channel":[{"anything-but":["sms"]}]}"#,
    )
    .unwrap();
    let attrs: MessageAttributes = [
        ("kind", AttributeValue::string("invoice")),
        ("total", AttributeValue::number("120.5")),
        ("region", AttributeValue::string("eu-west-1")),
        ("channel", AttributeValue::string("email")),
    ]
    .into_iter()
    .collect();
    assert!(policy.matches(&attrs, ""));
    g.bench_function("attributes, 4 keys", |b| b.iter(|| black_box(policy.matches(black_box(&attrs), ""))));
    let body_policy = FilterPolicy::parse_body(r#"{"customer":["ada"],"lines":{"sku":["a"]}}"#).unwrap();
    let text = std::str::from_utf8(&body()).unwrap().to_owned();
    assert!(body_policy.matches(&MessageAttributes::new(), &text));
    g.bench_function("body, nested (parses the body)", |b| {
        b.iter(|| black_box(body_policy.matches(&MessageAttributes::new(), black_box(&text))))
    });
    g.finish();
}

/// ns per operation, measured directly so the ratio is printed in every run.
fn ns_per_op(f: &Fixture, op: impl FnMut()) -> f64 {
    let iters = 20_000;
    f.time(iters, op).as_nanos() as f64 / iters as f64
}

/// Interleaved rounds, keeping each configuration's fastest: robust to other work on
/// the machine.
fn print_ratios() {
    const ROUNDS: usize = 7;
    let floor = fixture(0, true);
    let configs: Vec<(usize, bool, Fixture)> =
        [true, false].into_iter().flat_map(|raw| [1, 10, 100].map(|n| (n, raw, fixture(n, raw)))).collect();
    let mut send = f64::MAX;
    let mut best = vec![f64::MAX; configs.len()];
    for _ in 0..ROUNDS {
        send = send.min(ns_per_op(&floor, || drop(black_box(floor.queues[0].send(body()).unwrap()))));
        for (i, (_, _, f)) in configs.iter().enumerate() {
            let ns = ns_per_op(f, || {
                black_box(f.topic.publish(Publish::new(body())).unwrap());
            });
            best[i] = best[i].min(ns);
        }
    }
    println!("\ntopic publish / queue send ratios, best of {ROUNDS} rounds (queue send = {send:.0} ns):");
    for ((n, raw, _), publish) in configs.iter().zip(best) {
        let kind = if *raw { "raw" } else { "envelope" };
        println!("  {n:>3} subscribers, {kind:<8}: {publish:>8.0} ns = {:>6.1}x", publish / send);
    }
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    bench_publish(&mut c);
    bench_filter(&mut c);
    c.final_summary();
    if !std::env::args().any(|a| a == "--test" || a == "--list") {
        print_ratios();
    }
}
