//! The image pipeline: uploads announced on a topic, their metadata stored in a table
//! by one function, and thumbnails made from the table's change stream by another.
//!
//! 1. An upload is published to the "uploads" topic.
//! 2. The topic invokes the "store-metadata" function (a function subscription; the
//!    function's resource policy lets `sns.amazonaws.com` invoke it from the topic's
//!    ARN). It writes the image's metadata into the "images" table, only if the image
//!    is new (a conditional put).
//! 3. An event source mapping reads the table's change stream and invokes the
//!    "make-thumbnail" function with batches of DynamoDB records. It "makes the
//!    thumbnail" of each new image and records it in the "thumbnails" table. Its first
//!    run fails (the resizer runs out of memory); the mapping retries the batch from
//!    the same place, and the conditional put keeps the retry from doing anything
//!    twice.
//! 4. A second application, the search indexer, reads the same change stream with a
//!    checkpointing consumer worker (the KCL's way, as through AWS's DynamoDB Streams
//!    adapter), its leases kept in a table of their own.
//!
//! Everything runs on a manual clock with a fixed seed, so every run prints the same.
//!
//! Run with `cargo run --example image_pipeline`.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use localcloud::consumer::{Checkpointer, Consumer, LeaseTable, ProcessRecordsInput, ShardRecordProcessor};
use localcloud::function::Permission;
use localcloud::mapping::EventSourceMapping;
use localcloud::table::{Key, StreamViewType, TableConfig};
use localcloud::{
    item, Cloud, Condition, FunctionConfig, HandlerError, Publish, StartingPosition, Subscription, TopicConfig,
};
use serde_json::{json, Value};

/// 4. The search indexer's code for one shard of the change stream.
struct Indexer {
    index: Arc<Mutex<Vec<String>>>,
    clock: Arc<dyn localcloud::Clock>,
}

impl ShardRecordProcessor for Indexer {
    fn process_records(&mut self, batch: &ProcessRecordsInput, cp: &mut Checkpointer) {
        for change in batch.changes() {
            if let Some(id) = change.new_image().and_then(|image| image.get("id")).and_then(|id| id.as_s()) {
                println!("[{}] search-indexer: indexed {id}", self.clock.now());
                self.index.lock().unwrap().push(id.to_owned());
            }
        }
        cp.checkpoint().expect("the indexer holds its lease");
    }

    fn shard_ended(&mut self, cp: &mut Checkpointer) {
        cp.checkpoint().expect("SHARD_END lets the next shard start");
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let cloud = Cloud::builder().manual_clock().seed(7).build();
    let rt = cloud.functions();
    let uploads = cloud.create_topic("uploads", TopicConfig::default())?;
    let images = cloud.create_table("images", TableConfig::new(Key::string("id")).stream(StreamViewType::NewImage))?;
    let thumbnails = cloud.create_table("thumbnails", TableConfig::new(Key::string("id")))?;

    // 2. The metadata writer: one SNS event per upload.
    let (table, clock) = (images.clone(), cloud.clock());
    let store = rt.create_function_json("store-metadata", FunctionConfig::default(), move |_, event: Value| {
        let message = event["Records"][0]["Sns"]["Message"].as_str().unwrap_or_default();
        let upload: Value = serde_json::from_str(message).map_err(|e| HandlerError::new("BadUpload", e.to_string()))?;
        let id = upload["id"].as_str().unwrap_or_default();
        let bytes = upload["bytes"].as_u64().unwrap_or(0);
        let meta = item! {"id" => id, "bytes" => bytes, "kind" => upload["kind"].as_str().unwrap_or("")};
        match table.put_item(meta, Condition::attribute_not_exists("id")) {
            Ok(_) => println!("[{}] store-metadata: stored {id} ({bytes} bytes)", clock.now()),
            Err(e) if e.code() == "ConditionalCheckFailedException" => {
                println!("[{}] store-metadata: {id} already stored", clock.now())
            }
            Err(e) => return Err(HandlerError::new(e.code(), e.to_string())),
        }
        Ok(json!({ "stored": id }))
    })?;
    rt.add_permission(
        "store-metadata",
        Permission::new("uploads-topic").principal("sns.amazonaws.com").source_arn(uploads.arn()),
    )?;
    uploads.subscribe(Subscription::function(&store))?;

    // 3. The thumbnailer: batches of the table's change records.
    let failed_once = Arc::new(AtomicBool::new(false));
    let (thumbs, clock, failed) = (thumbnails.clone(), cloud.clock(), Arc::clone(&failed_once));
    rt.create_function_json("make-thumbnail", FunctionConfig::default(), move |_, event: Value| {
        let records = event["Records"].as_array().cloned().unwrap_or_default();
        println!("[{}] make-thumbnail: a batch of {} change record(s)", clock.now(), records.len());
        for record in records.iter().filter(|r| r["eventName"] == "INSERT") {
            let image = &record["dynamodb"]["NewImage"];
            let id = image["id"]["S"].as_str().unwrap_or_default();
            let bytes: u64 = image["bytes"]["N"].as_str().and_then(|n| n.parse().ok()).unwrap_or(0);
            if id == "dog.png" && !failed.swap(true, Ordering::SeqCst) {
                println!("[{}] make-thumbnail: resizer out of memory on {id}; failing the batch", clock.now());
                return Err(HandlerError::new("ResizerOutOfMemory", format!("out of memory on {id}")));
            }
            let thumb = item! {"id" => id, "path" => format!("thumbs/{id}"), "bytes" => bytes / 20};
            match thumbs.put_item(thumb, Condition::attribute_not_exists("id")) {
                Ok(_) => println!("[{}] make-thumbnail: made thumbs/{id}", clock.now()),
                Err(e) if e.code() == "ConditionalCheckFailedException" => {
                    println!("[{}] make-thumbnail: thumbs/{id} already made, skipped", clock.now())
                }
                Err(e) => return Err(HandlerError::new(e.code(), e.to_string())),
            }
        }
        Ok(Value::Null)
    })?;
    let mapping = rt.create_event_source_mapping(
        EventSourceMapping::table_stream(&images, "make-thumbnail")
            .starting_position(StartingPosition::TrimHorizon)
            .batch_size(10),
    )?;

    // 4. The search indexer, on the cloud's scheduler.
    let lease_table = cloud.create_table("search-indexer-leases", TableConfig::new(Key::string("leaseKey")))?;
    let index = Arc::new(Mutex::new(Vec::new()));
    let (sink, clock) = (Arc::clone(&index), cloud.clock());
    let indexer = Consumer::builder(&cloud, &images.stream()?, "search-indexer")
        .leases(LeaseTable::table(&lease_table))
        .initial_position(StartingPosition::TrimHorizon)
        .processor(move || Indexer { index: Arc::clone(&sink), clock: Arc::clone(&clock) })
        .build()?;
    indexer.start();

    // 1. Uploads.
    for (id, bytes) in [("cat.png", 48_213u64), ("dog.png", 90_120), ("owl.png", 12_004)] {
        uploads.publish(Publish::new(format!(r#"{{"id":"{id}","bytes":{bytes},"kind":"image/png"}}"#)))?;
    }
    // The same upload announced twice is stored once.
    uploads.publish(Publish::new(r#"{"id":"cat.png","bytes":48213,"kind":"image/png"}"#))?;
    cloud.advance(Duration::from_secs(10)); // deliveries, the mapping's polls, the failure and its retry

    let mut made: Vec<String> = thumbnails
        .scan()?
        .items()
        .iter()
        .map(|t| {
            format!(
                "{} ({} bytes)",
                t["path"].as_s().unwrap_or_default(),
                t["bytes"].as_n().map(|n| n.to_string()).unwrap_or_default()
            )
        })
        .collect();
    made.sort();
    println!("thumbnails: {made:?}");
    println!("images stored: {}", images.scan()?.items().len());
    println!("thumbnailer failed once: {}", failed_once.load(Ordering::SeqCst));
    for metric in ["Invocations", "Errors"] {
        let n = cloud.metrics().value("AWS/Lambda", "make-thumbnail", metric).unwrap_or(0.0);
        println!("make-thumbnail {metric}: {n}");
    }
    println!("mapping {} is {:?}", mapping.uuid(), mapping.state());
    println!("search index: {:?}", index.lock().unwrap());
    indexer.shutdown()?;
    Ok(())
}
