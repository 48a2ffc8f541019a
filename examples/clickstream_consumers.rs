//! Clickstream consumers: three workers of one application share a 4-shard stream
//! through a lease table. Worker w3 crashes; after the failover time the others take
//! its leases and re-process what it had not checkpointed. Mid-way the busiest shard
//! is split: its children start only once the parent is finished.
//!
//! Runs on a manual clock: `cargo run --example clickstream_consumers`.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use localcloud::consumer::{Checkpointer, Consumer, LeaseTable, ProcessRecordsInput, ShardRecordProcessor, Worker};
use localcloud::stream::ShardId;
use localcloud::{Cloud, PutRecord, StartingPosition, StreamConfig};

/// Who processed what: (worker, shard) -> records.
type Tally = Arc<Mutex<BTreeMap<(String, ShardId), usize>>>;

struct CountClicks {
    worker: String,
    tally: Tally,
    /// Checkpoint every this many batches (a crash loses the rest).
    every: usize,
    batches: usize,
}

impl ShardRecordProcessor for CountClicks {
    fn process_records(&mut self, batch: &ProcessRecordsInput, cp: &mut Checkpointer) {
        *self.tally.lock().unwrap().entry((self.worker.clone(), *batch.shard_id())).or_default() +=
            batch.records().len();
        self.batches += 1;
        if self.batches % self.every == 0 {
            if let Err(e) = cp.checkpoint() {
                println!("  {} could not checkpoint {}: {e}", self.worker, batch.shard_id());
            }
        }
    }

    fn lease_lost(&mut self) {
        println!("  {} lost a lease", self.worker);
    }

    fn shard_ended(&mut self, cp: &mut Checkpointer) {
        println!("  {} finished {} and checkpoints SHARD_END", self.worker, cp.shard_id());
        cp.checkpoint().expect("held");
    }
}

fn main() -> Result<(), localcloud::Error> {
    let cloud = Cloud::builder().manual_clock().seed(7).journal(true).build();
    let clicks = cloud.create_stream("clicks", StreamConfig::with_shards(4))?;
    let leases = LeaseTable::in_memory();
    let tally: Tally = Arc::default();
    let worker = |id: &str| -> Result<Worker, localcloud::Error> {
        let (tally, name) = (Arc::clone(&tally), id.to_owned());
        let w = Consumer::builder(&cloud, &clicks, "clickstream")
            .leases(leases.clone())
            .worker_id(id)
            .initial_position(StartingPosition::TrimHorizon)
            .processor(move || CountClicks { worker: name.clone(), tally: Arc::clone(&tally), every: 3, batches: 0 })
            .build()?;
        w.start();
        Ok(w)
    };
    let t0 = cloud.now();
    let show = |when: &str| {
        println!("{when} (t = {:.1} s):", (cloud.now() - t0).as_secs_f64());
        for l in leases.list().unwrap() {
            println!("  {} owner {:<4} checkpoint {}", l.shard_id(), l.owner().unwrap_or("-"), l.checkpoint());
        }
    };
    let clicks_for = |secs: u64| -> Result<(), localcloud::Error> {
        for tick in 0..secs * 10 {
            clicks.put_record(PutRecord::new(format!("user-{}", tick % 37), format!("page-{tick}")))?;
            cloud.advance(Duration::from_millis(100));
        }
        Ok(())
    };

    let _w1 = worker("w1")?;
    let _w2 = worker("w2")?;
    let w3 = worker("w3")?;
    clicks_for(60)?;
    show("three workers balanced");

    println!("w3 crashes");
    w3.kill();
    clicks_for(10)?;
    show("10 s later, w3's leases not yet expired");
    clicks_for(30)?;
    show("after the failover time, w1 and w2 took them");

    let busiest = *clicks.open_shards()[0].shard_id();
    let range = clicks.shard(&busiest)?.hash_key_range();
    println!("splitting {busiest}");
    clicks.split_shard(&busiest, range.start() + (range.end() - range.start()) / 2)?;
    clicks_for(30)?;
    show("after the split");

    println!("who processed what:");
    for ((worker, shard), n) in tally.lock().unwrap().iter() {
        println!("  {worker} {shard}: {n} records");
    }
    let takes = cloud.journal().for_service("kcl").iter().filter(|e| matches!(e.action(), "take" | "steal")).count();
    println!("lease takes and steals journaled: {takes}");
    Ok(())
}
