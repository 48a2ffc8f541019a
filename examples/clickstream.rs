//! Clickstream: clicks keyed by user id go into a 4-shard stream; under load the
//! busiest shard is split; a reader walks the parent to its end, then its children,
//! and sees each user's clicks in order.
//!
//! Runs on a manual clock: `cargo run --example clickstream`.

use std::collections::BTreeMap;
use std::time::Duration;

use localcloud::stream::{Record, ShardId};
use localcloud::{Cloud, PutRecord, StartingPosition, Stream, StreamConfig};

fn main() -> Result<(), localcloud::Error> {
    let cloud = Cloud::builder().manual_clock().seed(7).build();
    let clicks = cloud.create_stream("clicks", StreamConfig::with_shards(4))?;
    for sh in clicks.shards() {
        println!("{} takes hash keys from {:.3e}", sh.shard_id(), *sh.hash_key_range().start() as f64);
    }

    // A first wave of clicks: 20 users, 5 pages each, one click every 10 ms.
    let mut per_shard: BTreeMap<ShardId, usize> = BTreeMap::new();
    for page in 0..5 {
        for user in 0..20 {
            let out = clicks.put_record(PutRecord::new(format!("user-{user}"), format!("user-{user} page-{page}")))?;
            *per_shard.entry(*out.shard_id()).or_default() += 1;
            cloud.advance(Duration::from_millis(10));
        }
    }
    println!("first wave, records per shard: {per_shard:?}");

    // Split the busiest shard in the middle of its range, under load.
    let first = *clicks.shards()[0].shard_id();
    let busiest = per_shard.iter().max_by_key(|(_, n)| **n).map_or(first, |(id, _)| *id);
    let range = clicks.shard(&busiest)?.hash_key_range();
    let middle = range.start() + (range.end() - range.start()) / 2;
    clicks.split_shard(&busiest, middle)?;
    println!("split {busiest} at {middle:.3e}");

    // A second wave: the busiest shard's users now land in its children.
    for page in 5..8 {
        for user in 0..20 {
            let out = clicks.put_record(PutRecord::new(format!("user-{user}"), format!("user-{user} page-{page}")))?;
            assert_ne!(out.shard_id(), &busiest, "closed shards take no new records");
        }
    }

    // The reader: parent first, to its end, then the children it names.
    let mut pages: BTreeMap<String, Vec<u32>> = BTreeMap::new();
    let mut to_read = vec![busiest];
    while let Some(shard) = to_read.pop() {
        let (records, children) = read_shard(&clicks, &shard)?;
        println!("read {:>3} records from {shard}; children: {children:?}", records.len());
        for r in &records {
            let text = String::from_utf8_lossy(r.data());
            if let Some((user, page)) = text.split_once(" page-") {
                pages.entry(user.to_owned()).or_default().push(page.parse().unwrap_or(u32::MAX));
            }
        }
        to_read.extend(children.into_iter().rev());
    }
    for (user, seen) in &pages {
        assert!(seen.windows(2).all(|w| w[0] < w[1]), "{user}'s clicks in order");
        println!("{user}: pages {seen:?}");
    }
    println!("every user's clicks came back in order, across the split");
    Ok(())
}

/// Reads a shard to its end (closed) or its tip (open), in pages of 25; answers the
/// records and the children named at the end.
fn read_shard(s: &Stream, shard: &ShardId) -> Result<(Vec<Record>, Vec<ShardId>), localcloud::Error> {
    let mut it = s.shard_iterator(shard, StartingPosition::TrimHorizon)?;
    let mut records = Vec::new();
    loop {
        let out = s.get_records(&it, 25)?;
        let done = out.records().is_empty();
        let (next, children) = (out.next_iterator().cloned(), out.child_shards().to_vec());
        records.extend(out.into_records());
        match next {
            None => return Ok((records, children.iter().map(|c| *c.shard_id()).collect())),
            Some(_) if done => return Ok((records, Vec::new())),
            Some(next) => it = next,
        }
    }
}
