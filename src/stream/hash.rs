//! Hash key space arithmetic: even splits of `[0, 2^128)` and partition key hashing.

use md5::{Digest, Md5};

/// The hash key of a partition key: the MD5 digest of its UTF-8 bytes read as a
/// big-endian 128-bit number.
pub(crate) fn partition_hash(key: &str) -> u128 {
    u128::from_be_bytes(Md5::digest(key.as_bytes()).into())
}

/// The key of a stream's iterator tags: MD5 over the cloud's seed, the stream's number
/// in its cloud and its name. A fixed algorithm (not std's hasher, whose output may
/// change between Rust releases), so one seed gives the same iterators everywhere.
pub(crate) fn iterator_secret(seed: u64, uid: u64, name: &str) -> u64 {
    let digest: [u8; 16] = Md5::new()
        .chain_update(seed.to_be_bytes())
        .chain_update(uid.to_be_bytes())
        .chain_update(name)
        .finalize()
        .into();
    u64::from_be_bytes([digest[0], digest[1], digest[2], digest[3], digest[4], digest[5], digest[6], digest[7]])
}

/// `⌊2^128 / n⌋` for `n ≥ 2` (2^128 itself does not fit in a u128).
fn width(n: u128) -> u128 {
    let q = u128::MAX / n;
    // 2^128 = MAX + 1: the quotient gains one exactly when MAX leaves remainder n - 1.
    if u128::MAX % n == n - 1 {
        q + 1
    } else {
        q
    }
}

/// The inclusive ranges of `n` shards covering the key space: shard `i` starts at
/// `i·⌊2^128/n⌋` and ends just before the next; the last ends at `2^128 − 1`.
pub(crate) fn even_ranges(n: usize) -> Vec<(u128, u128)> {
    if n <= 1 {
        return vec![(0, u128::MAX)];
    }
    let w = width(n as u128);
    let starts: Vec<u128> = (0..n as u128).map(|i| i * w).collect();
    starts.iter().enumerate().map(|(i, &s)| (s, starts.get(i + 1).map_or(u128::MAX, |next| next - 1))).collect()
}

/// The inclusive ranges of `n` shards covering the key space with widths that differ
/// by at most one key, for uniform scaling: the remainder of `2^128 / n` is spread one
/// key each over the last shards. Equal to [`even_ranges`] whenever that remainder is
/// 0 or 1, so scaling to a stream's own creation layout then changes nothing.
pub(crate) fn scaled_ranges(n: usize) -> Vec<(u128, u128)> {
    if n <= 1 {
        return vec![(0, u128::MAX)];
    }
    let n = n as u128;
    let w = width(n);
    // 2^128 mod n, from MAX = 2^128 − 1.
    let rem = (u128::MAX % n + 1) % n;
    let mut start = 0u128;
    (0..n)
        .map(|i| {
            let len = w + u128::from(i >= n - rem);
            let range = (start, start + (len - 1));
            start = range.1.wrapping_add(1);
            range
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_tiles(ranges: &[(u128, u128)]) {
        assert_eq!(ranges.first().map(|r| r.0), Some(0));
        assert_eq!(ranges.last().map(|r| r.1), Some(u128::MAX));
        for pair in ranges.windows(2) {
            assert!(pair[0].0 <= pair[0].1);
            assert_eq!(pair[0].1 + 1, pair[1].0);
        }
    }

    #[test]
    fn one_shard_covers_everything() {
        assert_eq!(even_ranges(1), vec![(0, u128::MAX)]);
    }

    #[test]
    fn two_shards_split_at_half() {
        assert_eq!(even_ranges(2), vec![(0, (1 << 127) - 1), (1 << 127, u128::MAX)]);
    }

    #[test]
    fn power_of_two_counts_have_equal_widths() {
        let r = even_ranges(4);
        assert_tiles(&r);
        assert!(r.iter().all(|(s, e)| e - s == (1u128 << 126) - 1));
    }

    #[test]
    fn odd_counts_tile_and_the_last_absorbs_the_remainder() {
        for n in [3usize, 5, 7, 10, 63, 1000] {
            let r = even_ranges(n);
            assert_eq!(r.len(), n);
            assert_tiles(&r);
            let w = r[0].1 - r[0].0;
            assert!(r[..n - 1].iter().all(|(s, e)| e - s == w));
            let last = r[n - 1].1 - r[n - 1].0;
            assert!(last >= w && last - w < n as u128);
        }
    }

    #[test]
    fn scaled_ranges_tile_with_widths_within_one_key() {
        for n in [1usize, 2, 3, 5, 6, 7, 10, 11, 63, 1000, 10_000] {
            let r = scaled_ranges(n);
            assert_eq!(r.len(), n);
            assert_tiles(&r);
            let widths: Vec<u128> = r.iter().map(|(s, e)| e - s).collect();
            let (min, max) = (widths.iter().min().unwrap(), widths.iter().max().unwrap());
            assert!(max - min <= 1, "{n}");
        }
    }

    #[test]
    fn scaled_ranges_match_the_creation_layout_when_the_remainder_is_at_most_one() {
        for n in [2usize, 3, 4, 5, 8, 15, 17] {
            let rem = (u128::MAX % n as u128 + 1) % n as u128;
            if rem <= 1 {
                assert_eq!(scaled_ranges(n), even_ranges(n), "{n}");
            }
        }
        assert_ne!(scaled_ranges(7), even_ranges(7)); // 2^128 ≡ 4 (mod 7)
    }

    #[test]
    fn width_is_floor_of_two_to_the_128_over_n() {
        assert_eq!(width(2), 1 << 127);
        assert_eq!(width(4), 1 << 126);
        assert_eq!(width(3), u128::MAX / 3); // 2^128 ≡ 1 (mod 3): no carry
    }

    #[test]
    fn iterator_secrets_depend_on_seed_stream_number_and_name_only() {
        let s = iterator_secret(7, 1, "clicks");
        assert_eq!(s, iterator_secret(7, 1, "clicks"));
        assert_ne!(s, iterator_secret(8, 1, "clicks"));
        assert_ne!(s, iterator_secret(7, 2, "clicks"));
        assert_ne!(s, iterator_secret(7, 1, "clickz"));
    }

    #[test]
    fn partition_hash_is_big_endian_md5() {
        // MD5("") = d41d8cd98f00b204e9800998ecf8427e
        assert_eq!(partition_hash(""), 0xd41d8cd98f00b204e9800998ecf8427e);
    }
}
