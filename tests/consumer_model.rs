//! Random sequences of puts, worker joins, crashes, stalls, reshards and clock moves:
//! every record is processed at least once, each processor sees its shard in
//! sequence order, children only after their parents ended, and checkpoints never
//! move backwards.

mod consumer_support;

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use consumer_support::*;
use localcloud::consumer::{Consumer, ExtendedSequenceNumber, LeaseTable, Worker};
use localcloud::stream::ShardId;
use localcloud::{PutRecord, StartingPosition, StreamConfig};
use proptest::prelude::*;

#[derive(Clone, Debug)]
enum Op {
    Put(u8),
    Join,
    /// A worker that retrieves by enhanced fan-out instead of polling.
    JoinFanOut,
    Crash(usize),
    Stall(usize, u64),
    Split(usize),
    Merge(usize),
    Advance(u64),
    Round,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (1u8..20).prop_map(Op::Put),
        1 => Just(Op::Join),
        1 => Just(Op::JoinFanOut),
        1 => (0usize..4).prop_map(Op::Crash),
        1 => (0usize..4, 5u64..40).prop_map(|(i, s)| Op::Stall(i, s)),
        1 => (0usize..8).prop_map(Op::Split),
        1 => (0usize..8).prop_map(Op::Merge),
        2 => (100u64..25_000).prop_map(Op::Advance),
        5 => Just(Op::Round),
    ]
}

struct Model {
    cloud: localcloud::Cloud,
    stream: localcloud::Stream,
    leases: LeaseTable,
    log: Log,
    /// Live workers, with the time until which each is stalled.
    workers: Vec<(Worker, Option<localcloud::Timestamp>)>,
    joined: usize,
    put: BTreeSet<String>,
    checkpoints: BTreeMap<ShardId, ExtendedSequenceNumber>,
}

impl Model {
    fn round(&mut self) {
        let now = self.cloud.now();
        for (w, stalled) in &self.workers {
            if stalled.is_none_or(|t| now >= t) {
                w.run_once().unwrap();
            }
        }
        self.check_checkpoints();
    }

    fn check_checkpoints(&mut self) {
        for l in self.leases.list().unwrap() {
            if let Some(old) = self.checkpoints.get(l.shard_id()) {
                assert!(
                    l.checkpoint().is_at_or_after(old),
                    "{} went back from {old} to {}",
                    l.shard_id(),
                    l.checkpoint()
                );
            }
            self.checkpoints.insert(*l.shard_id(), l.checkpoint());
        }
    }

    fn apply(&mut self, op: &Op) {
        match *op {
            Op::Put(n) => {
                for _ in 0..n {
                    let data = format!("r{}", self.put.len());
                    self.stream.put_record(PutRecord::new(data.clone(), data.clone())).unwrap();
                    self.put.insert(data);
                }
            }
            Op::Join => {
                self.joined += 1;
                let w = worker(&self.cloud, &self.stream, &self.leases, &format!("w{}", self.joined), &self.log);
                self.workers.push((w, None));
            }
            Op::JoinFanOut => {
                self.joined += 1;
                let (log, name) = (self.log.clone(), format!("w{}", self.joined));
                let w = Consumer::builder(&self.cloud, &self.stream, "app")
                    .leases(self.leases.clone())
                    .worker_id(&name)
                    .initial_position(StartingPosition::TrimHorizon)
                    .fan_out("app-efo")
                    .processor(move || Recorder {
                        worker: name.clone(),
                        shard: None,
                        log: log.clone(),
                        behaviour: Default::default(),
                    })
                    .build()
                    .unwrap();
                self.workers.push((w, None));
            }
            Op::Crash(i) => {
                if !self.workers.is_empty() {
                    let (w, _) = self.workers.remove(i % self.workers.len());
                    w.kill();
                }
            }
            Op::Stall(i, secs) => {
                if !self.workers.is_empty() {
                    let n = self.workers.len();
                    self.workers[i % n].1 = Some(self.cloud.now() + Duration::from_secs(secs));
                }
            }
            Op::Split(i) => {
                let open = self.stream.open_shards();
                if open.len() < 6 {
                    let s = &open[i % open.len()];
                    let r = s.hash_key_range();
                    let _ = self.stream.split_shard(s.shard_id(), r.start() + (r.end() - r.start()) / 2);
                }
            }
            Op::Merge(i) => {
                let open = self.stream.open_shards();
                if open.len() > 1 {
                    let j = i % (open.len() - 1);
                    self.stream.merge_shards(open[j].shard_id(), open[j + 1].shard_id()).unwrap();
                }
            }
            Op::Advance(ms) => self.cloud.advance(Duration::from_millis(ms)),
            Op::Round => self.round(),
        }
    }

    fn drain(&mut self) {
        if self.workers.is_empty() {
            self.apply(&Op::Join);
        }
        for w in &mut self.workers {
            w.1 = None;
        }
        for _ in 0..200 {
            self.round();
            self.cloud.advance(Duration::from_millis(1500));
        }
    }

    fn check_log(&self) {
        let mut order: BTreeMap<(String, ShardId), localcloud::stream::SequenceNumber> = BTreeMap::new();
        let mut ended = BTreeSet::new();
        let parents: BTreeMap<ShardId, Vec<ShardId>> =
            self.leases.list().unwrap().iter().map(|l| (*l.shard_id(), l.parent_shard_ids().to_vec())).collect();
        for e in self.log.all() {
            match e {
                Seen::Initialized { worker, shard, .. } => {
                    order.remove(&(worker, shard));
                }
                Seen::ShardEnded { shard, .. } => {
                    ended.insert(shard);
                }
                Seen::Record { worker, shard, seq, .. } => {
                    for p in &parents[&shard] {
                        assert!(ended.contains(p), "{shard} read before its parent {p} ended");
                    }
                    if let Some(prev) = order.insert((worker, shard), seq) {
                        assert!(prev < seq, "{shard}: {seq} after {prev}");
                    }
                }
                _ => {}
            }
        }
        let seen: BTreeSet<String> = self.log.data().into_iter().collect();
        let missing: Vec<_> = self.put.difference(&seen).collect();
        assert!(missing.is_empty(), "never processed: {missing:?}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn every_record_is_processed_in_order_and_checkpoints_never_go_back(ops in prop::collection::vec(op(), 1..60)) {
        let cloud = cloud();
        let stream = cloud.create_stream("clicks", StreamConfig::with_shards(2)).unwrap();
        let mut m = Model {
            cloud,
            stream,
            leases: LeaseTable::in_memory(),
            log: Log::default(),
            workers: Vec::new(),
            joined: 0,
            put: BTreeSet::new(),
            checkpoints: BTreeMap::new(),
        };
        m.apply(&Op::Join);
        for op in &ops {
            m.apply(op);
        }
        m.drain();
        m.check_log();
    }
}
