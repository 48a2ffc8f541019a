//! Resharding (split, merge, uniform scaling) and retention changes.
//!
//! Every change runs under the stream's write lock, so no put can route to a shard
//! while it closes: once a parent is closed, new records go only to its children.

use std::sync::Arc;
use std::time::Duration;

use super::config::{check_retention, MAX_OPEN_SHARDS};
use super::shard::ShardCell;
use super::{hash, OpenShard, Stream, StreamError, StreamMode, StreamShared, StreamState};
use crate::clock::Timestamp;
use crate::stream::types::ShardId;

/// The most `update_shard_count` calls in a rolling 24 hours.
pub const MAX_SCALINGS_PER_DAY: usize = 10;
const DAY: Duration = Duration::from_secs(86_400);

type ChildSpec = ((u128, u128), Option<ShardId>, Option<ShardId>);

/// Makes new open shards with the given ranges and parents. Their starting sequence
/// numbers are drawn now, after every parent's records, so children sort above parents.
pub(super) fn spawn(shared: &StreamShared, st: &mut StreamState, children: &[ChildSpec], now: Timestamp) {
    for &(range, parent, adjacent) in children {
        let id = ShardId(st.shards.len() as u32);
        let cell = ShardCell::new(id, range, (parent, adjacent), shared.draw_seq(id), now);
        let at = st.open.partition_point(|o| o.start < range.0);
        st.open.insert(at, OpenShard { start: range.0, end: range.1, index: st.shards.len() });
        st.shards.push(Arc::new(cell));
    }
}

/// Closes open parents and opens their children in one step.
fn replace(shared: &StreamShared, st: &mut StreamState, parents: &[ShardId], children: &[ChildSpec], now: Timestamp) {
    // Children take the next ids; parents close first, so their ending sequence
    // numbers sort below the children's starting ones.
    let first = st.shards.len() as u32;
    let ids: Vec<ShardId> = (first..first + children.len() as u32).map(ShardId).collect();
    for p in parents {
        st.open.retain(|o| o.index != p.0 as usize);
        if let Some(cell) = st.shards.get(p.0 as usize) {
            let mut log = cell.log.write();
            log.ending = Some(shared.draw_seq(*p));
            log.closed_at = Some(now);
            log.children = ids.clone();
        }
    }
    spawn(shared, st, children, now);
}

/// The open shard `id`, or why it cannot be resharded: AWS answers a shard that was
/// already split or merged with `InvalidArgumentException`.
fn open_range(
    shared: &StreamShared,
    st: &StreamState,
    id: &ShardId,
    now: Timestamp,
) -> Result<(u128, u128), StreamError> {
    let cell = st.cell(shared, id, now)?;
    if !st.open.iter().any(|o| o.index == id.0 as usize) {
        return Err(StreamError::invalid(format!(
            "shard {id} was already split or merged, so it cannot be split or merged again"
        )));
    }
    Ok((cell.start, cell.end))
}

/// Splits the widest open shards in half (the lowest hash keys first among equals)
/// until `target` shards are open: how an on-demand stream adds capacity.
pub(super) fn grow_to(shared: &StreamShared, st: &mut StreamState, target: usize, now: Timestamp) {
    while st.open.len() < target.min(MAX_OPEN_SHARDS) {
        let mut widest: Option<OpenShard> = None;
        for o in &st.open {
            if widest.is_none_or(|w| o.end - o.start > w.end - w.start) {
                widest = Some(*o);
            }
        }
        let Some(o) = widest.filter(|o| o.end - o.start >= 2) else { return };
        let key = o.start + (o.end - o.start) / 2 + 1;
        split(shared, st, ShardId(o.index as u32), (o.start, o.end), key, now);
    }
}

/// AWS takes resharding calls only on provisioned streams.
fn check_provisioned(shared: &StreamShared, action: &str) -> Result<(), StreamError> {
    if shared.mode == StreamMode::OnDemand {
        return Err(StreamError::Validation(format!(
            "{action} is only supported for provisioned streams; stream {:?} is on-demand",
            shared.name
        )));
    }
    Ok(())
}

fn split(
    shared: &StreamShared,
    st: &mut StreamState,
    id: ShardId,
    (start, end): (u128, u128),
    key: u128,
    now: Timestamp,
) {
    let children = [((start, key - 1), Some(id), None), ((key, end), Some(id), None)];
    replace(shared, st, &[id], &children, now);
}

impl Stream {
    /// Splits an open shard at `new_starting_hash_key`: the children take
    /// `[start, key − 1]` and `[key, end]`; the parent closes and stays readable until
    /// its records expire.
    ///
    /// Errors: `ResourceNotFoundException` for an unknown shard,
    /// `InvalidArgumentException` for a shard already split or merged (closed) or
    /// unless `start + 1 < key ≤ end`, `LimitExceededException` past the open-shard
    /// limit, `ValidationException` on an on-demand stream.
    pub fn split_shard(&self, shard: &ShardId, new_starting_hash_key: u128) -> Result<(), StreamError> {
        let now = self.shared.clock.now();
        let mut st = self.shared.state.write();
        st.check_live(&self.shared)?;
        check_provisioned(&self.shared, "split_shard")?;
        st.trim_all(now); // resharding is rare: a good time to free expired records
        let (start, end) = open_range(&self.shared, &st, shard, now)?;
        if new_starting_hash_key <= start.saturating_add(1) || new_starting_hash_key > end {
            return Err(StreamError::invalid(format!(
                "new starting hash key {new_starting_hash_key} must be above {} and at most {end}",
                start.saturating_add(1)
            )));
        }
        if st.open.len() >= MAX_OPEN_SHARDS {
            return Err(StreamError::LimitExceeded(format!("a stream may have at most {MAX_OPEN_SHARDS} open shards")));
        }
        split(&self.shared, &mut st, *shard, (start, end), new_starting_hash_key, now);
        drop(st);
        self.note(now, "split-shard", || shard.to_string(), || format!("at {new_starting_hash_key}"));
        Ok(())
    }

    /// Merges two adjacent open shards, given in either order; the child covers both
    /// ranges and records `shard` as parent and `adjacent` as adjacent parent.
    ///
    /// Errors: `ResourceNotFoundException` for an unknown shard,
    /// `InvalidArgumentException` when either is closed, they are the same shard, or
    /// their ranges do not touch, `ValidationException` on an on-demand stream.
    pub fn merge_shards(&self, shard: &ShardId, adjacent: &ShardId) -> Result<(), StreamError> {
        let now = self.shared.clock.now();
        let mut st = self.shared.state.write();
        st.check_live(&self.shared)?;
        check_provisioned(&self.shared, "merge_shards")?;
        st.trim_all(now);
        let a = open_range(&self.shared, &st, shard, now)?;
        let b = open_range(&self.shared, &st, adjacent, now)?;
        if shard == adjacent {
            return Err(StreamError::invalid(format!("cannot merge shard {shard} with itself")));
        }
        let touching = a.1.checked_add(1) == Some(b.0) || b.1.checked_add(1) == Some(a.0);
        if !touching {
            return Err(StreamError::invalid(format!("shards {shard} and {adjacent} are not adjacent")));
        }
        let child = [((a.0.min(b.0), a.1.max(b.1)), Some(*shard), Some(*adjacent))];
        replace(&self.shared, &mut st, &[*shard, *adjacent], &child, now);
        drop(st);
        self.note(now, "merge-shards", || shard.to_string(), || format!("with {adjacent}"));
        Ok(())
    }

    /// Rescales to `target` open shards of equal width (±1 key: the remainder of
    /// `2^128 / target` is spread over the last shards), by splits and merges that
    /// record lineage.
    ///
    /// Errors: `InvalidArgumentException` unless `target` is within ½× to 2× of the
    /// current open count; `LimitExceededException` past 10 calls in 24 hours or the
    /// open-shard limit; `ValidationException` on an on-demand stream (AWS takes it
    /// only for provisioned streams).
    pub fn update_shard_count(&self, target: usize) -> Result<(), StreamError> {
        let now = self.shared.clock.now();
        let mut st = self.shared.state.write();
        st.check_live(&self.shared)?;
        check_provisioned(&self.shared, "update_shard_count")?;
        st.trim_all(now);
        let current = st.open.len();
        if target == 0 || target < current.div_ceil(2) || target > current * 2 {
            return Err(StreamError::invalid(format!(
                "target shard count {target} must be between {} and {} (½× to 2× of {current} open shards)",
                current.div_ceil(2).max(1),
                current * 2
            )));
        }
        if target > MAX_OPEN_SHARDS {
            return Err(StreamError::LimitExceeded(format!("a stream may have at most {MAX_OPEN_SHARDS} open shards")));
        }
        while st.scalings.front().is_some_and(|&t| t + DAY <= now) {
            st.scalings.pop_front();
        }
        if st.scalings.len() >= MAX_SCALINGS_PER_DAY {
            return Err(StreamError::LimitExceeded(format!(
                "at most {MAX_SCALINGS_PER_DAY} shard count updates are allowed in 24 hours"
            )));
        }
        let goal = hash::scaled_ranges(target);
        // First split wherever a goal range starts inside an open shard…
        for &(goal_start, _) in goal.iter().skip(1) {
            let i = st.open.partition_point(|o| o.start <= goal_start);
            let Some(o) = i.checked_sub(1).and_then(|i| st.open.get(i)).copied() else { continue };
            if o.start != goal_start {
                split(&self.shared, &mut st, ShardId(o.index as u32), (o.start, o.end), goal_start, now);
            }
        }
        // …then merge, left to right, the shards that lie inside each goal range.
        for &(goal_start, goal_end) in &goal {
            loop {
                let i = st.open.partition_point(|o| o.start < goal_start);
                let (Some(a), Some(b)) = (st.open.get(i).copied(), st.open.get(i + 1).copied()) else { break };
                if a.end >= goal_end || b.end > goal_end {
                    break;
                }
                let (pa, pb) = (ShardId(a.index as u32), ShardId(b.index as u32));
                replace(&self.shared, &mut st, &[pa, pb], &[((a.start, b.end), Some(pa), Some(pb))], now);
            }
        }
        st.scalings.push_back(now);
        drop(st);
        self.note(now, "update-shard-count", String::new, || format!("{current} -> {target}"));
        Ok(())
    }

    /// Sets the retention period (24–8,760 whole hours). Records already expired stay
    /// gone when it grows; records past the new period expire when it shrinks.
    ///
    /// Errors: `InvalidArgumentException` outside the range or for a part of an hour.
    pub fn set_retention(&self, retention: Duration) -> Result<(), StreamError> {
        self.change_retention(retention, None)
    }

    /// Grows the retention period (24–8,760 whole hours); `InvalidArgumentException`
    /// if `retention` is shorter than the current one. The current period itself is
    /// accepted and changes nothing, as AWS accepts it.
    pub fn increase_retention(&self, retention: Duration) -> Result<(), StreamError> {
        self.change_retention(retention, Some(Change::Increase))
    }

    /// Shrinks the retention period (24–8,760 whole hours); `InvalidArgumentException`
    /// if `retention` is longer than the current one. The current period itself is
    /// accepted and changes nothing, as AWS accepts it.
    pub fn decrease_retention(&self, retention: Duration) -> Result<(), StreamError> {
        self.change_retention(retention, Some(Change::Decrease))
    }

    /// Checks the direction against the current period and sets the new one under
    /// one write lock, so a concurrent change cannot slip between check and set.
    fn change_retention(&self, retention: Duration, change: Option<Change>) -> Result<(), StreamError> {
        check_retention(retention)?;
        let now = self.shared.clock.now();
        let mut st = self.shared.state.write();
        st.check_live(&self.shared)?;
        let (hours, current) = (retention.as_secs() / 3600, st.retention.as_secs() / 3600);
        match change {
            Some(Change::Increase) if retention < st.retention => {
                return Err(StreamError::invalid(format!(
                    "increase requested to {hours} h, below the current {current} h; use decrease_retention"
                )));
            }
            Some(Change::Decrease) if retention > st.retention => {
                return Err(StreamError::invalid(format!(
                    "decrease requested to {hours} h, above the current {current} h; use increase_retention"
                )));
            }
            _ => {}
        }
        // Drop what has expired under the old period first, and retire closed shards
        // past it, so growing it cannot bring those records or shards back.
        st.trim_all(now);
        st.retention = retention;
        Ok(())
    }
}

/// Which way `increase_retention` and `decrease_retention` may move the period.
#[derive(Clone, Copy)]
enum Change {
    Increase,
    Decrease,
}
