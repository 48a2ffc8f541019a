//! Property test: random puts, splits, merges, scalings and reads keep per-shard
//! order, leave open shards tiling the key space, and every record is read exactly
//! once by walking shard lineage from TRIM_HORIZON.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use localcloud::stream::{SequenceNumber, Shard, ShardId};
use localcloud::{Cloud, PutRecord, StartingPosition, Stream, StreamConfig};
use proptest::prelude::*;

#[derive(Clone, Debug)]
enum Op {
    Put(u8),
    PutExplicit(u128),
    Split(usize, u64),
    Merge(usize),
    Scale(usize),
    Read(usize, usize),
    Advance(u16),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => any::<u8>().prop_map(Op::Put),
        2 => any::<u128>().prop_map(Op::PutExplicit),
        2 => (any::<usize>(), any::<u64>()).prop_map(|(i, f)| Op::Split(i, f)),
        2 => any::<usize>().prop_map(Op::Merge),
        1 => (1usize..4).prop_map(Op::Scale),
        1 => (any::<usize>(), 1usize..5).prop_map(|(i, l)| Op::Read(i, l)),
        1 => any::<u16>().prop_map(Op::Advance),
    ]
}

fn open_sorted(s: &Stream) -> Vec<Shard> {
    let mut open: Vec<Shard> = s.shards().into_iter().filter(Shard::is_open).collect();
    open.sort_by_key(|sh| *sh.hash_key_range().start());
    open
}

/// Reads one shard from TRIM_HORIZON to its end (closed) or its tip (open), in
/// batches of `limit`; answers the sequence numbers read and the children named.
fn read_shard(s: &Stream, id: &ShardId, limit: usize) -> (Vec<(SequenceNumber, bytes::Bytes)>, Vec<ShardId>) {
    let mut it = s.shard_iterator(id, StartingPosition::TrimHorizon).unwrap();
    let mut got = Vec::new();
    loop {
        let out = s.get_records(&it, limit).unwrap();
        got.extend(out.records().iter().map(|r| (*r.sequence_number(), r.data().clone())));
        match out.next_iterator() {
            None => return (got, out.child_shards().iter().map(|c| *c.shard_id()).collect()),
            Some(_) if out.records().is_empty() => return (got, Vec::new()),
            Some(next) => it = next.clone(),
        }
    }
}

fn run(ops: Vec<Op>) -> Result<(), TestCaseError> {
    let cloud = Cloud::builder().manual_clock().build();
    let s = cloud.create_stream("m", StreamConfig::with_shards(2)).unwrap();
    // Reference: what each put answered, by sequence number.
    let mut written: BTreeMap<SequenceNumber, (ShardId, bytes::Bytes)> = BTreeMap::new();
    for (n, op) in ops.into_iter().enumerate() {
        match op {
            Op::Put(k) => {
                let data = bytes::Bytes::from(format!("{n}"));
                let out = s.put_record(PutRecord::new(format!("key-{k}").as_str(), data.clone())).unwrap();
                written.insert(*out.sequence_number(), (*out.shard_id(), data));
            }
            Op::PutExplicit(h) => {
                let data = bytes::Bytes::from(format!("{n}"));
                let out = s.put_record(PutRecord::new("x", data.clone()).explicit_hash_key(h)).unwrap();
                let shard = s.shard(out.shard_id()).unwrap();
                prop_assert!(shard.is_open() && shard.hash_key_range().contains(&h));
                written.insert(*out.sequence_number(), (*out.shard_id(), data));
            }
            Op::Split(i, f) => {
                let open = open_sorted(&s);
                if open.len() >= 24 {
                    continue;
                }
                let sh = &open[i % open.len()];
                let (start, end) = (*sh.hash_key_range().start(), *sh.hash_key_range().end());
                if end - start < 2 {
                    continue;
                }
                // A key in start+2 ..= end, spread by the fraction f.
                let span = end - start - 1;
                let key = start + 2 + ((span >> 64) * f as u128 + (((span & u64::MAX as u128) * f as u128) >> 64));
                s.split_shard(sh.shard_id(), key.min(end)).unwrap();
            }
            Op::Merge(i) => {
                let open = open_sorted(&s);
                if open.len() < 2 {
                    continue;
                }
                let i = i % (open.len() - 1);
                let (a, b) = if n % 2 == 0 { (&open[i], &open[i + 1]) } else { (&open[i + 1], &open[i]) };
                s.merge_shards(a.shard_id(), b.shard_id()).unwrap();
            }
            Op::Scale(m) => {
                let count = open_sorted(&s).len();
                let target = match m {
                    1 => count.div_ceil(2),
                    2 => count + 1,
                    _ => (count * 2).min(24),
                };
                if let Err(e) = s.update_shard_count(target.max(1)) {
                    prop_assert!(matches!(e.code(), "LimitExceededException" | "InvalidArgumentException"));
                }
            }
            Op::Read(i, limit) => {
                let shards = s.shards();
                let id = *shards[i % shards.len()].shard_id();
                let (got, _) = read_shard(&s, &id, limit);
                prop_assert!(got.windows(2).all(|w| w[0].0 < w[1].0), "per-shard order");
            }
            Op::Advance(ms) => cloud.advance(Duration::from_millis(ms as u64)),
        }
        // Open shards tile [0, 2^128) with no gap or overlap.
        let open = open_sorted(&s);
        prop_assert_eq!(*open[0].hash_key_range().start(), 0);
        prop_assert_eq!(*open[open.len() - 1].hash_key_range().end(), u128::MAX);
        for w in open.windows(2) {
            prop_assert_eq!(*w[0].hash_key_range().end() + 1, *w[1].hash_key_range().start());
        }
    }

    // Walk the lineage: a shard is read once all its parents are read.
    let shards: BTreeMap<ShardId, Shard> = s.shards().into_iter().map(|sh| (*sh.shard_id(), sh)).collect();
    let mut done: BTreeSet<ShardId> = BTreeSet::new();
    let mut ready: Vec<ShardId> =
        shards.values().filter(|sh| sh.parent_shard_id().is_none()).map(|sh| *sh.shard_id()).collect();
    let mut read: BTreeMap<SequenceNumber, (ShardId, bytes::Bytes)> = BTreeMap::new();
    while let Some(id) = ready.pop() {
        if !done.insert(id) {
            continue;
        }
        let (got, children) = read_shard(&s, &id, 7);
        prop_assert!(got.windows(2).all(|w| w[0].0 < w[1].0), "per-shard order in {}", id);
        let ending = shards[&id].sequence_number_range().ending_sequence_number();
        for (seq, data) in got {
            prop_assert!(ending.is_none_or(|e| seq < e));
            prop_assert!(read.insert(seq, (id, data)).is_none(), "read twice: {}", seq);
        }
        for child in children {
            let c = &shards[&child];
            if let Some(e) = ending {
                prop_assert!(c.sequence_number_range().starting_sequence_number() > e);
            }
            let parents = [c.parent_shard_id(), c.adjacent_parent_shard_id()];
            if parents.iter().flatten().all(|p| done.contains(p)) {
                ready.push(child);
            }
        }
    }
    prop_assert_eq!(read, written);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn lineage_walk_reads_every_record_once_in_order(ops in proptest::collection::vec(op(), 1..60)) {
        run(ops)?;
    }
}
