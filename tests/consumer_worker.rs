//! A single worker: leases, the processor lifecycle, checkpoints, failures.

mod consumer_support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use consumer_support::*;
use localcloud::consumer::{
    Checkpointer, Consumer, ConsumerError, ConsumerState, ExtendedSequenceNumber, LeaseTable, ProcessRecordsInput,
    ShardRecordProcessor, WorkerIssue,
};
use localcloud::{PutRecord, StartingPosition, StreamConfig};

#[test]
fn a_lone_worker_takes_every_lease_and_processes_records_in_order() {
    // given a 2-shard stream with records
    let cloud = cloud();
    let s = cloud.create_stream("clicks", StreamConfig::with_shards(2)).unwrap();
    for i in 0..10 {
        s.put_record(PutRecord::new(format!("user-{}", i % 3), format!("r{i}"))).unwrap();
    }
    let (leases, log) = (LeaseTable::in_memory(), Log::default());
    let w = worker(&cloud, &s, &leases, "w1", &log);
    // when it runs one round
    let report = w.run_once().unwrap();
    // then it holds both leases, saw every record once, in order per shard, and checkpointed
    assert_eq!(report.taken.len(), 2);
    assert_eq!(report.records, 10);
    assert_eq!(owners(&leases), vec![Some("w1".into()), Some("w1".into())]);
    let mut seen = log.data();
    seen.sort();
    let mut want: Vec<String> = (0..10).map(|i| format!("r{i}")).collect();
    want.sort();
    assert_eq!(seen, want);
    for lease in leases.list().unwrap() {
        let last = log
            .all()
            .into_iter()
            .filter_map(|e| match e {
                Seen::Record { shard, seq, .. } if shard == *lease.shard_id() => Some(seq),
                _ => None,
            })
            .max();
        assert_eq!(
            lease.checkpoint(),
            last.map_or(ExtendedSequenceNumber::TrimHorizon, ExtendedSequenceNumber::Sequence)
        );
    }
    let states: Vec<_> = w.status().shards.iter().map(|s| s.state).collect();
    assert_eq!(states, vec![ConsumerState::Processing, ConsumerState::Processing]);
}

#[test]
fn a_new_processor_is_initialized_at_the_last_checkpoint() {
    let cloud = cloud();
    let s = cloud.create_stream("clicks", StreamConfig::with_shards(1)).unwrap();
    let a = s.put_record(PutRecord::new("k", "a")).unwrap();
    let (leases, log) = (LeaseTable::in_memory(), Log::default());
    let w1 = worker(&cloud, &s, &leases, "w1", &log);
    w1.run_once().unwrap();
    // when w1 crashes and w2 takes over after the failover time
    w1.kill();
    let w2 = worker(&cloud, &s, &leases, "w2", &log);
    w2.run_once().unwrap();
    cloud.advance(FAILOVER * 2);
    w2.run_once().unwrap();
    // then w2's processor starts after w1's checkpoint
    let inits: Vec<_> = log.all().into_iter().filter(|e| matches!(e, Seen::Initialized { .. })).collect();
    let shard = *a.shard_id();
    assert_eq!(
        inits,
        vec![
            Seen::Initialized { worker: "w1".into(), shard, from: ExtendedSequenceNumber::TrimHorizon },
            Seen::Initialized {
                worker: "w2".into(),
                shard,
                from: ExtendedSequenceNumber::Sequence(*a.sequence_number())
            },
        ]
    );
    assert_eq!(log.data(), vec!["a"]); // nothing processed twice
}

#[test]
fn a_worker_that_dies_mid_batch_leaves_the_next_owner_to_resume_from_the_last_checkpoint() {
    // given a worker that checkpointed "a" and "b", then processed "c" and "d" without checkpointing
    let cloud = cloud();
    let s = cloud.create_stream("clicks", StreamConfig::with_shards(1)).unwrap();
    let (leases, log) = (LeaseTable::in_memory(), Log::default());
    let behaviour = Arc::new(Mutex::new(Behaviour::default()));
    let w1 = worker_with(&cloud, &s, &leases, "w1", &log, &behaviour);
    s.put_record(PutRecord::new("k", "a")).unwrap();
    s.put_record(PutRecord::new("k", "b")).unwrap();
    w1.run_once().unwrap();
    behaviour.lock().unwrap().checkpoint_batches = false;
    s.put_record(PutRecord::new("k", "c")).unwrap();
    s.put_record(PutRecord::new("k", "d")).unwrap();
    cloud.advance(Duration::from_millis(1500));
    w1.run_once().unwrap();
    // when it dies and another worker takes its lease after the failover time
    w1.kill();
    behaviour.lock().unwrap().checkpoint_batches = true;
    let w2 = worker_with(&cloud, &s, &leases, "w2", &log, &behaviour);
    w2.run_once().unwrap();
    assert!(w2.status().shards.is_empty(), "the lease is not expired yet in w2's eyes");
    cloud.advance(FAILOVER * 2);
    w2.run_once().unwrap();
    // then w2 processes again exactly the records after the last checkpoint
    let recs = log.records();
    let by = |w: &str| recs.iter().filter(|r| r.0 == w).map(|r| r.2.clone()).collect::<Vec<_>>();
    assert_eq!(by("w1"), vec!["a", "b", "c", "d"]);
    assert_eq!(by("w2"), vec!["c", "d"]);
    assert_eq!(leases.list().unwrap()[0].owner(), Some("w2"));
}

#[test]
fn a_panic_in_process_records_is_reported_and_the_batch_retried_from_the_last_checkpoint() {
    let cloud = cloud();
    let s = cloud.create_stream("clicks", StreamConfig::with_shards(1)).unwrap();
    let (leases, log) = (LeaseTable::in_memory(), Log::default());
    let behaviour = Arc::new(Mutex::new(Behaviour { panic_on: Some("b".into()), ..Behaviour::default() }));
    let w = worker_with(&cloud, &s, &leases, "w1", &log, &behaviour);
    for d in ["a", "b", "c"] {
        s.put_record(PutRecord::new("k", d)).unwrap();
    }
    // when the processor panics on "b"
    w.run_once().unwrap();
    let issues = w.status().issues;
    assert!(
        matches!(&issues[..], [WorkerIssue::ProcessorFailed { message, .. }] if message.contains("cannot handle b")),
        "{issues:?}"
    );
    assert_eq!(leases.list().unwrap()[0].checkpoint(), ExtendedSequenceNumber::TrimHorizon);
    // then the worker lives on and the next round reads the batch again from the checkpoint
    cloud.advance(Duration::from_millis(1500));
    w.run_once().unwrap();
    assert_eq!(log.data(), vec!["a", "a", "b", "c"]);
    assert_eq!(w.status().shards[0].state, ConsumerState::Processing);
}

/// Tries checkpoints that are not allowed, and records the outcomes.
struct Backwards(Arc<Mutex<Vec<Result<(), ConsumerError>>>>);
impl ShardRecordProcessor for Backwards {
    fn process_records(&mut self, batch: &ProcessRecordsInput, cp: &mut Checkpointer) {
        let recs = batch.records();
        let mut out = self.0.lock().unwrap();
        out.push(cp.checkpoint_at(recs.last().unwrap().sequence_number()));
        out.push(cp.checkpoint_at(recs[0].sequence_number()));
        let beyond: localcloud::stream::SequenceNumber =
            (recs.last().unwrap().sequence_number().as_u128() + 1).to_string().parse().unwrap();
        out.push(cp.checkpoint_at(&beyond));
    }
    fn shard_ended(&mut self, cp: &mut Checkpointer) {
        cp.checkpoint().unwrap();
    }
}

#[test]
fn checkpoints_never_move_backwards_nor_past_the_records_handed_out() {
    let cloud = cloud();
    let s = cloud.create_stream("clicks", StreamConfig::with_shards(1)).unwrap();
    s.put_record(PutRecord::new("k", "a")).unwrap();
    s.put_record(PutRecord::new("k", "b")).unwrap();
    let results = Arc::new(Mutex::new(Vec::new()));
    let r = Arc::clone(&results);
    let w = Consumer::builder(&cloud, &s, "app")
        .initial_position(StartingPosition::TrimHorizon)
        .processor(move || Backwards(Arc::clone(&r)))
        .build()
        .unwrap();
    w.run_once().unwrap();
    let results = results.lock().unwrap();
    assert_eq!(results[0], Ok(()));
    assert_eq!(results[1].as_ref().unwrap_err().code(), "IllegalArgumentException");
    assert_eq!(results[2].as_ref().unwrap_err().code(), "IllegalArgumentException");
}

#[test]
fn graceful_shutdown_lets_processors_checkpoint_and_hands_the_leases_back() {
    let cloud = cloud();
    let s = cloud.create_stream("clicks", StreamConfig::with_shards(2)).unwrap();
    let (leases, log) = (LeaseTable::in_memory(), Log::default());
    let w = worker(&cloud, &s, &leases, "w1", &log);
    w.run_once().unwrap();
    w.shutdown().unwrap();
    assert_eq!(owners(&leases), vec![None, None]);
    assert!(w.status().stopped);
    assert!(w.run_once().unwrap().skipped);
    // a second worker takes the released leases at once
    let w2 = worker(&cloud, &s, &leases, "w2", &log);
    assert_eq!(w2.run_once().unwrap().taken.len(), 2);
}

#[test]
fn workers_publish_leases_held_records_processed_and_millis_behind_latest() {
    let cloud = cloud();
    let s = cloud.create_stream("clicks", StreamConfig::with_shards(3)).unwrap();
    for i in 0..7 {
        s.put_record(PutRecord::new(format!("k{i}"), "x")).unwrap();
    }
    let (leases, log) = (LeaseTable::in_memory(), Log::default());
    let w = worker(&cloud, &s, &leases, "w1", &log);
    w.run_once().unwrap();
    let m = |name| cloud.metrics().value("KinesisClientLibrary", "app/w1", name);
    assert_eq!(m("CurrentLeases"), Some(3.0));
    assert_eq!(m("RecordsProcessed"), Some(7.0));
    assert_eq!(m("MillisBehindLatest"), Some(0.0));
}

#[test]
fn lease_takes_and_checkpoints_are_journaled_under_kcl() {
    let cloud = localcloud::Cloud::builder().manual_clock().seed(1).journal(true).build();
    let s = cloud.create_stream("clicks", StreamConfig::with_shards(1)).unwrap();
    s.put_record(PutRecord::new("k", "a")).unwrap();
    let (leases, log) = (LeaseTable::in_memory(), Log::default());
    worker(&cloud, &s, &leases, "w1", &log).run_once().unwrap();
    let actions: Vec<_> = cloud.journal().for_service("kcl").iter().map(|e| e.action()).collect();
    assert_eq!(actions, vec!["take", "checkpoint"]);
}

#[test]
fn bad_settings_are_rejected_at_build() {
    let cloud = cloud();
    let s = cloud.create_stream("clicks", StreamConfig::with_shards(1)).unwrap();
    let err = Consumer::builder(&cloud, &s, "app").build().unwrap_err();
    assert_eq!(err.code(), "ValidationException");
    let log = Log::default();
    let make = move || Recorder {
        worker: "w".into(),
        shard: None,
        log: log.clone(),
        behaviour: Arc::new(Mutex::new(Behaviour::default())),
    };
    let err = Consumer::builder(&cloud, &s, "app").max_records(0).processor(make.clone()).build().unwrap_err();
    assert_eq!(err.code(), "ValidationException");
    let err = Consumer::builder(&cloud, &s, "app")
        .renew_interval(Duration::from_secs(20))
        .processor(make.clone())
        .build()
        .unwrap_err();
    assert_eq!(err.code(), "ValidationException");
    // An enormous failover time is refused, not a panic in the setter.
    let err = Consumer::builder(&cloud, &s, "app").failover_time(Duration::MAX).processor(make).build().unwrap_err();
    assert_eq!(err.code(), "ValidationException");
}

struct Preparer;
impl ShardRecordProcessor for Preparer {
    fn process_records(&mut self, batch: &ProcessRecordsInput, cp: &mut Checkpointer) {
        cp.prepare_checkpoint(batch.records().last().unwrap().sequence_number()).unwrap();
    }
    fn shard_ended(&mut self, cp: &mut Checkpointer) {
        cp.checkpoint().unwrap();
    }
}

#[test]
fn a_prepared_checkpoint_is_pending_until_checkpointed() {
    let cloud = cloud();
    let s = cloud.create_stream("clicks", StreamConfig::with_shards(1)).unwrap();
    let a = s.put_record(PutRecord::new("k", "a")).unwrap();
    let leases = LeaseTable::in_memory();
    let w = Consumer::builder(&cloud, &s, "app")
        .leases(leases.clone())
        .initial_position(StartingPosition::TrimHorizon)
        .processor(|| Preparer)
        .build()
        .unwrap();
    w.run_once().unwrap();
    let lease = &leases.list().unwrap()[0];
    assert_eq!(lease.pending_checkpoint(), Some(ExtendedSequenceNumber::Sequence(*a.sequence_number())));
    assert_eq!(lease.checkpoint(), ExtendedSequenceNumber::TrimHorizon);
}

#[test]
fn owner_switches_since_checkpoint_count_takeovers_without_progress() {
    let cloud = cloud();
    let s = cloud.create_stream("clicks", StreamConfig::with_shards(1)).unwrap();
    s.put_record(PutRecord::new("k", "a")).unwrap();
    let (leases, log) = (LeaseTable::in_memory(), Log::default());
    let never = Arc::new(Mutex::new(Behaviour { checkpoint_batches: false, ..Behaviour::default() }));
    let w1 = worker_with(&cloud, &s, &leases, "w1", &log, &never);
    w1.run_once().unwrap();
    w1.kill();
    let w2 = worker_with(&cloud, &s, &leases, "w2", &log, &never);
    w2.run_once().unwrap();
    cloud.advance(FAILOVER * 2);
    w2.run_once().unwrap();
    let lease = &leases.list().unwrap()[0];
    assert_eq!((lease.owner(), lease.owner_switches_since_checkpoint()), (Some("w2"), 2));
    assert_eq!(log.data(), vec!["a", "a"]);
}
