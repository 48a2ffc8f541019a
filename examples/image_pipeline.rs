//! The image pipeline: uploads announced on a topic, their metadata stored in a table,
//! and thumbnails made from the table's change stream.
//!
//! 1. An upload is published to the "uploads" topic.
//! 2. A subscriber writes the image's metadata into the "images" table (only if the
//!    image is new: a conditional put). Its first delivery fails (the table client is
//!    still warming up) and the topic retries it 20 s later.
//! 3. A thumbnailer reads the table's change stream from the trim horizon, makes a
//!    "thumbnail" for each INSERT and records it on the item. One thumbnail fails the
//!    first time; the reader keeps its place (the failed record's sequence number) and
//!    retries from there after a back-off, so nothing is lost or done twice.
//!
//! Today the subscriber is a callback subscription and the thumbnailer a loop over
//! the stream's public reading API; once the function runtime lands, both become
//! functions (a topic subscription and a table-stream event source mapping) with
//! the same logic.
//!
//! Run with `cargo run --example image_pipeline`.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use localcloud::table::{
    ChangePosition, ChangeRecord, ChangeSequenceNumber, EventName, Key, KeyCondition, StreamViewType, TableConfig,
};
use localcloud::{item, Cloud, Condition, DeliveryError, Publish, Subscription, TopicConfig, Update};

fn main() -> Result<(), localcloud::Error> {
    let cloud = Cloud::builder().manual_clock().seed(7).build();
    let uploads = cloud.create_topic("uploads", TopicConfig::default())?;
    let images = cloud.create_table(
        "images",
        TableConfig::new(Key::string("id")).sort_key(Key::number("ver")).stream(StreamViewType::NewAndOldImages),
    )?;

    // 2. The metadata writer.
    let deliveries = Arc::new(AtomicU32::new(0));
    let (calls, table, clock) = (Arc::clone(&deliveries), images.clone(), cloud.clock());
    uploads.subscribe(Subscription::callback(move |n| {
        if calls.fetch_add(1, Ordering::SeqCst) == 0 {
            println!("[{}] metadata writer: table client not ready, failing delivery", clock.now());
            return Err(DeliveryError::from("not ready"));
        }
        let upload: serde_json::Value = serde_json::from_str(n.message()).map_err(|e| e.to_string())?;
        let id = upload["id"].as_str().unwrap_or_default();
        let size = upload["bytes"].as_u64().unwrap_or(0);
        let meta = item! {"id" => id, "ver" => 1, "bytes" => size, "kind" => upload["kind"].as_str().unwrap_or("")};
        match table.put_item(meta, Condition::attribute_not_exists("id")) {
            Ok(_) => println!("[{}] metadata writer: stored {id} ({size} bytes, try {})", clock.now(), n.attempt()),
            Err(e) if e.code() == "ConditionalCheckFailedException" => println!("metadata writer: {id} already stored"),
            Err(e) => return Err(DeliveryError::from(e.to_string())),
        }
        Ok(())
    }))?;

    // 1. Uploads.
    for (id, bytes) in [("cat.png", 48_213u64), ("dog.png", 90_120), ("owl.png", 12_004)] {
        uploads.publish(Publish::new(format!(r#"{{"id":"{id}","bytes":{bytes},"kind":"image/png"}}"#)))?;
    }
    cloud.advance(Duration::from_secs(60)); // deliveries, and the retry of the failed one

    // 3. The thumbnailer: one reader per shard, keeping its place by sequence number.
    let stream = images.stream()?;
    let shard = stream.shards()?.remove(0);
    let mut done = BTreeSet::new();
    let mut failed_once = false;
    let mut position = ChangePosition::TrimHorizon;
    loop {
        let it = stream.shard_iterator(shard.shard_id(), position)?;
        let page = stream.get_records(&it, 100)?;
        let mut retry_from: Option<ChangeSequenceNumber> = None;
        let mut last = None;
        for record in page.records() {
            match thumbnail(&images, record, &mut failed_once) {
                Ok(Some(id)) => {
                    done.insert(id);
                }
                Ok(None) => {}
                Err(why) => {
                    println!("[{}] thumbnailer: {why}; will retry from {}", cloud.now(), record.sequence_number());
                    retry_from = Some(record.sequence_number());
                    break;
                }
            }
            last = Some(record.sequence_number());
        }
        position = match (retry_from, last) {
            (Some(seq), _) => {
                cloud.advance(Duration::from_secs(5)); // back off, then read again from the failed record
                ChangePosition::AtSequenceNumber(seq)
            }
            (None, Some(seq)) => ChangePosition::AfterSequenceNumber(seq),
            (None, None) => break, // caught up
        };
    }

    let page = images.query(KeyCondition::eq("id", "dog.png").sort_eq(1))?;
    println!("dog.png is now {:?}", page.items()[0]["thumbnail"]);
    println!("thumbnails made: {done:?}; metadata deliveries: {}", deliveries.load(Ordering::SeqCst));
    let names: Vec<&str> = stream.read_all()?.iter().map(|r| r.event_name().as_str()).collect();
    println!("change stream: {names:?}");
    println!("first record as Lambda would see it:\n{}", stream.read_all()?[0].to_json());
    Ok(())
}

/// Makes the thumbnail of a new image and records it on the item. MODIFY records
/// (including the thumbnailer's own write) are skipped, so the pipeline does not feed
/// itself.
fn thumbnail(
    images: &localcloud::Table,
    record: &ChangeRecord,
    failed_once: &mut bool,
) -> Result<Option<String>, String> {
    if record.event_name() != EventName::Insert {
        return Ok(None);
    }
    let image = record.new_image().ok_or("no new image")?;
    let id = image["id"].as_s().ok_or("no id")?.to_owned();
    if id == "dog.png" && !*failed_once {
        *failed_once = true;
        return Err(format!("resizer out of memory on {id}"));
    }
    let thumb = format!("thumbs/{id}");
    images
        .update_item(record.keys(), Update::set("thumbnail", thumb.as_str()), Condition::attribute_exists("id"))
        .map_err(|e| e.to_string())?;
    println!("thumbnailer: made {thumb}");
    Ok(Some(id))
}
