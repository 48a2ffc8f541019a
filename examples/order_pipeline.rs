//! An order pipeline on a manual clock:
//!
//! - an `orders` queue feeds a function that reports partial batch failures; orders it
//!   cannot handle come back, and after three receives go to the `orders-dlq`;
//! - a `clickstream` stream feeds a function with bisect-on-error and an on-failure
//!   queue that receives the metadata of batches given up on;
//! - a nightly cron schedule drops a report job on a `reports` queue, which a mapping
//!   hands to a report function.
//!
//! Run with `cargo run --example order_pipeline`.

use std::time::Duration;

use bytes::Bytes;
use localcloud::function::Destination;
use localcloud::mapping::EventSourceMapping;
use localcloud::schedule::{ScheduleExpression, Target};
use localcloud::{
    Cloud, FunctionConfig, HandlerError, PutRecord, QueueConfig, RedrivePolicy, StartingPosition, StreamConfig,
};
use serde_json::{json, Value};

fn main() -> Result<(), localcloud::Error> {
    let cloud = Cloud::builder().manual_clock().seed(7).journal(true).build();
    let rt = cloud.functions();

    // Orders: a partial batch response keeps only the bad orders.
    let dlq = cloud.create_queue("orders-dlq", QueueConfig::default())?;
    let orders = cloud.create_queue(
        "orders",
        QueueConfig::default().visibility_timeout(Duration::from_secs(30)).redrive(RedrivePolicy::new(&dlq, 3)),
    )?;
    rt.create_function("ship-order", FunctionConfig::default(), |_, event: Bytes| {
        let event: Value = serde_json::from_slice(&event).map_err(|e| HandlerError::new("BadEvent", e.to_string()))?;
        let failed: Vec<Value> = event["Records"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|r| r["body"].as_str().is_some_and(|b| b.contains("\"qty\":0")))
            .map(|r| json!({ "itemIdentifier": r["messageId"] }))
            .collect();
        Ok(json!({ "batchItemFailures": failed }).to_string().into())
    })?;
    let order_mapping = rt.create_event_source_mapping(
        EventSourceMapping::queue(&orders, "ship-order")
            .batch_size(10)
            .report_batch_item_failures(true)
            .maximum_concurrency(5),
    )?;
    for (id, qty) in [(1, 2), (2, 0), (3, 1), (4, 5)] {
        orders.send(json!({ "order": id, "qty": qty }).to_string())?;
    }

    // Clickstream: a poison click is isolated by bisection and reported.
    let clicks = cloud.create_stream("clickstream", StreamConfig::with_shards(2))?;
    let click_failures = cloud.create_queue("clickstream-failures", QueueConfig::default())?;
    rt.create_function("count-clicks", FunctionConfig::default(), |_, event: Bytes| {
        if event.windows(6).any(|w| w == b"cG9pc2") {
            // base64 of "poison…"
            return Err(HandlerError::new("PoisonClick", "cannot parse a click"));
        }
        Ok(Bytes::new())
    })?;
    rt.create_event_source_mapping(
        EventSourceMapping::stream(&clicks, "count-clicks")
            .starting_position(StartingPosition::TrimHorizon)
            .batch_size(100)
            .bisect_batch_on_function_error(true)
            .maximum_retry_attempts(2)
            .parallelization_factor(2)
            .on_failure(Destination::queue(&click_failures)),
    )?;
    for i in 0..50 {
        clicks.put_record(PutRecord::new(format!("user-{}", i % 5), format!("click {i}")))?;
    }
    clicks.put_record(PutRecord::new("user-3", "poison"))?;

    // Nightly report at 02:00 UTC through a queue to a function.
    let reports = cloud.create_queue("reports", QueueConfig::default())?;
    rt.create_function("nightly-report", FunctionConfig::default(), |_, _| Ok(Bytes::new()))?;
    let report_mapping = rt.create_event_source_mapping(EventSourceMapping::queue(&reports, "nightly-report"))?;
    cloud.create_schedule(
        "nightly",
        ScheduleExpression::parse("cron(0 2 * * ? *)")?,
        Target::queue(&reports).input(r#"{"report":"daily"}"#),
    )?;

    // One virtual day passes.
    cloud.advance(Duration::from_secs(86_400));

    println!("orders left in the queue: {}", orders.stats().total());
    while let Some(m) = dlq.try_receive()? {
        println!("dead-lettered order: {}", m.body_str());
        dlq.delete(m.receipt_handle())?;
    }
    println!(
        "order mapping: {} polled, {} deleted, last result {:?}",
        order_mapping.metric("PolledEventCount"),
        order_mapping.metric("DeletedEventCount"),
        order_mapping.last_processing_result()
    );
    while let Some(m) = click_failures.try_receive()? {
        let v: Value = serde_json::from_str(m.body_str()).unwrap_or_default();
        let info = &v["KinesisBatchInfo"];
        println!(
            "clickstream batch given up ({}): shard {} sequence {}..{} ({} records)",
            v["requestContext"]["condition"],
            info["shardId"],
            info["startSequenceNumber"],
            info["endSequenceNumber"],
            info["batchSize"]
        );
        click_failures.delete(m.receipt_handle())?;
    }
    println!("nightly reports run: {}", report_mapping.metric("InvokedEventCount"));
    Ok(())
}
