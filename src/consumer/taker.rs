//! Which leases a worker takes: the KCL's balancing rule, as a pure function.
//!
//! Target = ceil(leases / workers). Below target, a worker takes expired or unowned
//! leases first (those expired longest first); when there are none, it steals one
//! lease from the most loaded worker, if that worker is above target (or at target
//! while this one is more than one below).

use std::collections::{BTreeMap, BTreeSet};

use crate::clock::Timestamp;
use crate::stream::ShardId;

/// A lease as the taker sees it.
#[derive(Clone, Debug)]
pub(crate) struct Seen<'a> {
    pub shard: ShardId,
    pub owner: Option<&'a str>,
    /// When this worker last saw the lease counter move.
    pub last_moved: Timestamp,
}

/// How a lease is taken.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Take {
    /// Unowned or expired.
    Free,
    /// From a live worker.
    Steal,
}

/// Leases for `me` to take, given the takeable leases, the ones `me` actively holds
/// and when a lease counts as expired (`expired_before`: not moved since).
pub(crate) fn choose(
    me: &str,
    leases: &[Seen<'_>],
    mine: &BTreeSet<ShardId>,
    expired_before: Timestamp,
) -> Vec<(ShardId, Take)> {
    let is_free = |l: &Seen<'_>| !mine.contains(&l.shard) && (l.owner.is_none() || l.last_moved <= expired_before);
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    counts.insert(me, 0);
    for l in leases {
        if mine.contains(&l.shard) {
            *counts.entry(me).or_default() += 1;
        } else if !is_free(l) {
            if let Some(owner) = l.owner.filter(|o| *o != me) {
                *counts.entry(owner).or_default() += 1;
            }
        }
    }
    let target = leases.len().div_ceil(counts.len());
    let have = counts[me];
    if have >= target {
        return Vec::new();
    }
    let need = target - have;
    let mut free: Vec<&Seen<'_>> = leases.iter().filter(|l| is_free(l)).collect();
    if !free.is_empty() {
        // Unowned leases sort as expired longest; then by when they stopped moving.
        free.sort_by_key(|l| (l.owner.is_some(), l.last_moved, l.shard));
        return free.into_iter().take(need).map(|l| (l.shard, Take::Free)).collect();
    }
    let busiest = counts.iter().filter(|(w, _)| **w != me).max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)));
    let Some((&victim, &load)) = busiest else { return Vec::new() };
    if load > target || (load == target && have + 1 < target) {
        let pick = leases.iter().filter(|l| l.owner == Some(victim) && !mine.contains(&l.shard)).map(|l| l.shard).max();
        return pick.map(|s| vec![(s, Take::Steal)]).unwrap_or_default();
    }
    Vec::new()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seen<'a>(shard: u32, owner: Option<&'a str>, moved: u64) -> Seen<'a> {
        Seen { shard: ShardId(shard), owner, last_moved: Timestamp::from_secs(moved) }
    }

    #[test]
    fn a_lone_worker_takes_every_unowned_lease() {
        let leases: Vec<_> = (0..4).map(|i| seen(i, None, 100)).collect();
        let got = choose("w1", &leases, &BTreeSet::new(), Timestamp::from_secs(90));
        assert_eq!(got.len(), 4);
    }

    #[test]
    fn expired_leases_are_taken_longest_expired_first_up_to_target() {
        let leases = vec![seen(0, Some("w1"), 50), seen(1, Some("w1"), 10), seen(2, Some("w2"), 95), seen(3, None, 95)];
        // w1's leases stopped moving before 90: expired. target = ceil(4 / 2) = 2.
        let got = choose("w3", &leases, &BTreeSet::new(), Timestamp::from_secs(90));
        assert_eq!(got, vec![(ShardId(3), Take::Free), (ShardId(1), Take::Free)]);
    }

    #[test]
    fn with_nothing_free_one_lease_is_stolen_from_the_busiest() {
        let leases: Vec<_> = (0..4).map(|i| seen(i, Some("w1"), 100)).collect();
        let got = choose("w2", &leases, &BTreeSet::new(), Timestamp::from_secs(90));
        assert_eq!(got, vec![(ShardId(3), Take::Steal)]);
    }

    #[test]
    fn balanced_within_one_steals_nothing() {
        let leases = vec![seen(0, Some("w1"), 100), seen(1, Some("w1"), 100), seen(2, Some("w2"), 100)];
        let mine = [ShardId(2)].into_iter().collect();
        assert!(choose("w2", &leases, &mine, Timestamp::from_secs(90)).is_empty());
    }
}
