//! Capacity units as DynamoDB bills them. A write costs one unit per started KB of the
//! item, a read one unit per started 4 KB (half of that when eventually consistent), a
//! transactional read or write twice as much; every charge is at least the smallest
//! unit, even for an item that is not there. Charges are counted in half units, so
//! sums of eventually consistent reads stay exact.

use std::ops::{Add, AddAssign};

use super::value::{item_size, Item};

/// Bytes per write capacity unit.
const WRITE_UNIT_BYTES: usize = 1024;
/// Bytes per read capacity unit (strongly consistent).
const READ_UNIT_BYTES: usize = 4096;

/// An amount of capacity, in half units.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Units(u64);

impl Units {
    pub(crate) const ZERO: Units = Units(0);

    /// `n` whole capacity units.
    pub(crate) fn whole(n: u32) -> Self {
        Units(u64::from(n) * 2)
    }

    /// The amount in capacity units, as CloudWatch reports it (`0.5` for a small
    /// eventually consistent read).
    pub(crate) fn as_f64(self) -> f64 {
        self.0 as f64 / 2.0
    }
}

impl Add for Units {
    type Output = Units;
    fn add(self, other: Units) -> Units {
        Units(self.0.saturating_add(other.0))
    }
}

impl AddAssign for Units {
    fn add_assign(&mut self, other: Units) {
        *self = *self + other;
    }
}

/// How a read is billed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ReadKind {
    /// Half a unit per started 4 KB (DynamoDB's default).
    Eventual,
    /// One unit per started 4 KB.
    Strong,
    /// Two units per started 4 KB (`TransactGetItems`).
    Transactional,
}

/// How many `unit`-sized blocks `bytes` starts, at least one.
fn started(bytes: usize, unit: usize) -> u64 {
    bytes.div_ceil(unit).max(1) as u64
}

/// The charge for writing an item of `bytes` (the larger of its images before and after).
pub(crate) fn write(bytes: usize) -> Units {
    Units(started(bytes, WRITE_UNIT_BYTES) * 2)
}

/// The charge for one write of a transaction: twice a plain write.
pub(crate) fn transactional_write(bytes: usize) -> Units {
    Units(started(bytes, WRITE_UNIT_BYTES) * 4)
}

/// The charge for reading `bytes` in one go: one item, or a query or scan page's items
/// taken together.
pub(crate) fn read(bytes: usize, kind: ReadKind) -> Units {
    let halves = match kind {
        ReadKind::Eventual => 1,
        ReadKind::Strong => 2,
        ReadKind::Transactional => 4,
    };
    Units(started(bytes, READ_UNIT_BYTES) * halves)
}

/// The billed size of an item that may be absent (absent: 0, charged the minimum).
pub(crate) fn size_of(item: Option<&Item>) -> usize {
    item.map_or(0, item_size)
}

/// The size a write is billed on: the larger of the item before and after it.
pub(crate) fn written(before: Option<&Item>, after: Option<&Item>) -> usize {
    size_of(before).max(size_of(after))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_cost_a_unit_per_started_kilobyte() {
        assert_eq!(write(0).as_f64(), 1.0);
        assert_eq!(write(1024).as_f64(), 1.0);
        assert_eq!(write(1025).as_f64(), 2.0);
        assert_eq!(transactional_write(1025).as_f64(), 4.0);
    }

    #[test]
    fn reads_cost_a_unit_per_started_4_kb_halved_when_eventual() {
        assert_eq!(read(0, ReadKind::Eventual).as_f64(), 0.5);
        assert_eq!(read(4096, ReadKind::Strong).as_f64(), 1.0);
        assert_eq!(read(4097, ReadKind::Strong).as_f64(), 2.0);
        assert_eq!(read(4097, ReadKind::Eventual).as_f64(), 1.0);
        assert_eq!(read(4097, ReadKind::Transactional).as_f64(), 4.0);
    }

    #[test]
    fn units_add_exactly() {
        let mut u = Units::ZERO;
        for _ in 0..3 {
            u += read(10, ReadKind::Eventual);
        }
        assert_eq!(u.as_f64(), 1.5);
        assert!(u < Units::whole(2));
    }
}
