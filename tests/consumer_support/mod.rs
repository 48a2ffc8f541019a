//! A recording processor and helpers shared by the consumer tests.
#![allow(dead_code)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use localcloud::consumer::{
    Checkpointer, Consumer, ConsumerError, ConsumerSource, ExtendedSequenceNumber, LeaseTable, ProcessRecordsInput,
    ShardRecordProcessor, Worker,
};
use localcloud::stream::{SequenceNumber, ShardId};
use localcloud::{Cloud, StartingPosition};

/// What the processors of every worker saw, in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Seen {
    Record { worker: String, shard: ShardId, seq: SequenceNumber, data: String },
    Initialized { worker: String, shard: ShardId, from: ExtendedSequenceNumber },
    LeaseLost { worker: String, shard: ShardId },
    ShardEnded { worker: String, shard: ShardId },
    CheckpointFailed { worker: String, shard: ShardId, error: ConsumerError },
}

#[derive(Clone, Debug)]
pub struct Behaviour {
    /// Checkpoint after every batch.
    pub checkpoint_batches: bool,
    /// Checkpoint SHARD_END in shard_ended.
    pub checkpoint_shard_end: bool,
    /// Panic when a record with this data is in the batch (once per shared flag).
    pub panic_on: Option<String>,
}

impl Default for Behaviour {
    fn default() -> Self {
        Behaviour { checkpoint_batches: true, checkpoint_shard_end: true, panic_on: None }
    }
}

#[derive(Clone, Default)]
pub struct Log(pub Arc<Mutex<Vec<Seen>>>);

impl Log {
    pub fn all(&self) -> Vec<Seen> {
        self.0.lock().unwrap().clone()
    }
    pub fn push(&self, s: Seen) {
        self.0.lock().unwrap().push(s)
    }
    /// (worker, data) of every record processed, in order.
    pub fn records(&self) -> Vec<(String, ShardId, String)> {
        self.all()
            .into_iter()
            .filter_map(|s| match s {
                Seen::Record { worker, shard, data, .. } => Some((worker, shard, data)),
                _ => None,
            })
            .collect()
    }
    pub fn data(&self) -> Vec<String> {
        self.records().into_iter().map(|r| r.2).collect()
    }
}

pub struct Recorder {
    pub worker: String,
    pub shard: Option<ShardId>,
    pub log: Log,
    pub behaviour: Arc<Mutex<Behaviour>>,
}

impl ShardRecordProcessor for Recorder {
    fn initialize(&mut self, shard: &ShardId, from: &ExtendedSequenceNumber) {
        self.shard = Some(*shard);
        self.log.push(Seen::Initialized { worker: self.worker.clone(), shard: *shard, from: *from });
    }

    fn process_records(&mut self, batch: &ProcessRecordsInput, cp: &mut Checkpointer) {
        let b = self.behaviour.lock().unwrap().clone();
        for r in batch.records() {
            let data = String::from_utf8_lossy(r.data()).into_owned();
            if b.panic_on.as_deref() == Some(data.as_str()) {
                self.behaviour.lock().unwrap().panic_on = None;
                panic!("cannot handle {data}");
            }
            self.log.push(Seen::Record {
                worker: self.worker.clone(),
                shard: *batch.shard_id(),
                seq: *r.sequence_number(),
                data,
            });
        }
        if b.checkpoint_batches {
            if let Err(error) = cp.checkpoint() {
                self.log.push(Seen::CheckpointFailed { worker: self.worker.clone(), shard: *batch.shard_id(), error });
            }
        }
    }

    fn lease_lost(&mut self) {
        self.log.push(Seen::LeaseLost { worker: self.worker.clone(), shard: self.shard.unwrap() });
    }

    fn shard_ended(&mut self, cp: &mut Checkpointer) {
        self.log.push(Seen::ShardEnded { worker: self.worker.clone(), shard: *cp.shard_id() });
        if self.behaviour.lock().unwrap().checkpoint_shard_end {
            cp.checkpoint().unwrap();
        }
    }
}

pub fn cloud() -> Cloud {
    Cloud::builder().manual_clock().seed(1).build()
}

pub const FAILOVER: Duration = Duration::from_secs(10);

/// A worker recording into `log`, from the trim horizon, on `leases`.
pub fn worker(cloud: &Cloud, s: &impl ConsumerSource, leases: &LeaseTable, id: &str, log: &Log) -> Worker {
    worker_with(cloud, s, leases, id, log, &Arc::new(Mutex::new(Behaviour::default())))
}

pub fn worker_with(
    cloud: &Cloud,
    s: &impl ConsumerSource,
    leases: &LeaseTable,
    id: &str,
    log: &Log,
    behaviour: &Arc<Mutex<Behaviour>>,
) -> Worker {
    worker_from(cloud, s, leases, id, log, behaviour, StartingPosition::TrimHorizon)
}

/// A worker recording into `log`, starting new leases at `from`.
pub fn worker_from(
    cloud: &Cloud,
    s: &impl ConsumerSource,
    leases: &LeaseTable,
    id: &str,
    log: &Log,
    behaviour: &Arc<Mutex<Behaviour>>,
    from: StartingPosition,
) -> Worker {
    let (log, behaviour, name) = (log.clone(), Arc::clone(behaviour), id.to_owned());
    Consumer::builder(cloud, s, "app")
        .leases(leases.clone())
        .worker_id(id)
        .initial_position(from)
        .processor(move || Recorder {
            worker: name.clone(),
            shard: None,
            log: log.clone(),
            behaviour: Arc::clone(&behaviour),
        })
        .build()
        .unwrap()
}

/// Owners of every lease, in shard order.
pub fn owners(leases: &LeaseTable) -> Vec<Option<String>> {
    leases.list().unwrap().iter().map(|l| l.owner().map(str::to_owned)).collect()
}
