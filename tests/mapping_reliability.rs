//! Reliability under a handler that fails at random (seeded): nothing is lost, nothing
//! is processed again after it succeeded, order per partition key holds.
//!
//! The default runs use reduced sizes so debug CI stays quick; the full 100,000-message
//! runs are `#[ignore]`d: `cargo test --release --test mapping_reliability -- --ignored`.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use localcloud::function::Destination;
use localcloud::mapping::EventSourceMapping;
use localcloud::{
    Cloud, FunctionConfig, HandlerError, PutRecord, QueueConfig, RedrivePolicy, StartingPosition, StreamConfig,
};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};

#[derive(Default)]
struct QueueLedger {
    succeeded: BTreeSet<String>,
    processed_after_success: Vec<String>,
    deliveries: usize,
}

fn queue_mapping_loses_nothing(n: usize) {
    let cloud = Cloud::builder().manual_clock().seed(3).build();
    let dlq = cloud.create_queue("dlq", QueueConfig::default()).unwrap();
    let q = cloud
        .create_queue(
            "orders",
            QueueConfig::default().visibility_timeout(Duration::from_secs(30)).redrive(RedrivePolicy::new(&dlq, 3)),
        )
        .unwrap();
    let ledger: Arc<Mutex<QueueLedger>> = Arc::default();
    let l = Arc::clone(&ledger);
    let rng = Mutex::new(SmallRng::seed_from_u64(42));
    cloud
        .functions()
        .create_function("worker", FunctionConfig::default(), move |_, event: Bytes| {
            let e: Value = serde_json::from_slice(&event).unwrap();
            let mut rng = rng.lock().unwrap();
            let mut l = l.lock().unwrap();
            let records = e["Records"].as_array().unwrap();
            for r in records {
                let body = r["body"].as_str().unwrap().to_owned();
                l.deliveries += 1;
                if l.succeeded.contains(&body) {
                    l.processed_after_success.push(body);
                }
            }
            if rng.random_bool(0.1) {
                return Err(HandlerError::new("Random", "whole batch"));
            }
            let mut failures = Vec::new();
            for r in records {
                if rng.random_bool(0.2) {
                    failures.push(json!({"itemIdentifier": r["messageId"]}));
                } else {
                    l.succeeded.insert(r["body"].as_str().unwrap().to_owned());
                }
            }
            Ok(json!({"batchItemFailures": failures}).to_string().into())
        })
        .unwrap();
    cloud
        .functions()
        .create_event_source_mapping(
            EventSourceMapping::queue(&q, "worker").batch_size(10).report_batch_item_failures(true),
        )
        .unwrap();
    for chunk in (0..n).collect::<Vec<_>>().chunks(10) {
        let entries = chunk
            .iter()
            .map(|i| {
                localcloud::queue::BatchEntry::new(i.to_string(), localcloud::OutgoingMessage::new(format!("m{i}")))
            })
            .collect();
        q.send_batch(entries).unwrap();
    }
    for _ in 0..200 {
        if q.stats().total() == 0 {
            break;
        }
        cloud.advance(Duration::from_secs(10));
    }
    assert_eq!(q.stats().total(), 0, "the queue drained");
    let mut in_dlq = BTreeSet::new();
    while let Some(m) = dlq.try_receive().unwrap() {
        in_dlq.insert(m.body_str().to_owned());
        dlq.delete(m.receipt_handle()).unwrap();
    }
    let l = ledger.lock().unwrap();
    assert!(
        l.processed_after_success.is_empty(),
        "processed after success: {:?}",
        &l.processed_after_success[..5.min(l.processed_after_success.len())]
    );
    assert!(l.succeeded.is_disjoint(&in_dlq), "a succeeded message went to the DLQ");
    assert_eq!(l.succeeded.len() + in_dlq.len(), n, "none lost");
    assert!(!in_dlq.is_empty() && l.deliveries > n, "the random failures did happen");
}

#[test]
fn queue_mapping_with_random_failures_loses_nothing_reduced() {
    queue_mapping_loses_nothing(5_000);
}

#[test]
#[ignore = "full size: run with --release -- --ignored"]
fn queue_mapping_with_random_failures_loses_nothing_100k() {
    queue_mapping_loses_nothing(100_000);
}

#[derive(Default)]
struct StreamLedger {
    /// partition key → sequence numbers in the order they first succeeded.
    first_success: BTreeMap<String, Vec<u128>>,
    succeeded: BTreeSet<u128>,
}

fn stream_mapping_loses_nothing(n: usize) {
    let cloud = Cloud::builder().manual_clock().seed(5).build();
    let s = cloud.create_stream("clicks", StreamConfig::with_shards(4)).unwrap();
    let failures = cloud.create_queue("failures", QueueConfig::default()).unwrap();
    let ledger: Arc<Mutex<StreamLedger>> = Arc::default();
    let l = Arc::clone(&ledger);
    let rng = Mutex::new(SmallRng::seed_from_u64(9));
    cloud
        .functions()
        .create_function("worker", FunctionConfig::default(), move |_, event: Bytes| {
            let e: Value = serde_json::from_slice(&event).unwrap();
            if rng.lock().unwrap().random_bool(0.25) {
                return Err(HandlerError::new("Random", "whole batch"));
            }
            let mut l = l.lock().unwrap();
            for r in e["Records"].as_array().unwrap() {
                let seq: u128 = r["kinesis"]["sequenceNumber"].as_str().unwrap().parse().unwrap();
                if l.succeeded.insert(seq) {
                    let key = r["kinesis"]["partitionKey"].as_str().unwrap().to_owned();
                    l.first_success.entry(key).or_default().push(seq);
                }
            }
            Ok(Bytes::new())
        })
        .unwrap();
    cloud
        .functions()
        .create_event_source_mapping(
            EventSourceMapping::stream(&s, "worker")
                .starting_position(StartingPosition::TrimHorizon)
                .batch_size(50)
                .parallelization_factor(3)
                .bisect_batch_on_function_error(true)
                .maximum_retry_attempts(1)
                .on_failure(Destination::queue(&failures)),
        )
        .unwrap();
    let mut all = Vec::with_capacity(n);
    for chunk in (0..n).collect::<Vec<_>>().chunks(500) {
        let out =
            s.put_records(chunk.iter().map(|i| PutRecord::new(format!("user-{}", i % 97), format!("r{i}")))).unwrap();
        for e in out.records() {
            all.push((e.shard_id().unwrap().to_string(), e.sequence_number().unwrap().as_u128()));
        }
    }
    cloud.advance(Duration::from_secs(600));
    let mut reported: BTreeMap<String, Vec<(u128, u128)>> = BTreeMap::new();
    while let Some(m) = failures.try_receive().unwrap() {
        let v: Value = serde_json::from_str(m.body_str()).unwrap();
        let info = &v["KinesisBatchInfo"];
        let lo = info["startSequenceNumber"].as_str().unwrap().parse().unwrap();
        let hi = info["endSequenceNumber"].as_str().unwrap().parse().unwrap();
        reported.entry(info["shardId"].as_str().unwrap().to_owned()).or_default().push((lo, hi));
        failures.delete(m.receipt_handle()).unwrap();
    }
    let l = ledger.lock().unwrap();
    let mut lost = 0;
    for (shard, seq) in &all {
        let in_report = reported.get(shard).is_some_and(|rs| rs.iter().any(|(lo, hi)| lo <= seq && seq <= hi));
        if !l.succeeded.contains(seq) && !in_report {
            lost += 1;
        }
    }
    assert_eq!(lost, 0, "every record processed or reported");
    for (key, seqs) in &l.first_success {
        assert!(seqs.windows(2).all(|w| w[0] < w[1]), "order kept for {key}");
    }
    assert!(!reported.is_empty() && l.succeeded.len() < n, "the random failures did discard some batches");
}

#[test]
fn stream_mapping_with_random_failures_processes_or_reports_every_record_reduced() {
    stream_mapping_loses_nothing(5_000);
}

#[test]
#[ignore = "full size: run with --release -- --ignored"]
fn stream_mapping_with_random_failures_processes_or_reports_every_record_100k() {
    stream_mapping_loses_nothing(100_000);
}
