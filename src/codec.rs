//! Small encodings the services share: UUID text, base64, the SplitMix64 mix
//! behind ids and tags derived from the cloud's seed, and the FNV-1a hash for
//! anything that must hash the same in every run and on every platform.

use std::fmt;

/// Sets the version (4, random) and variant (RFC 4122) bits of 128 random bits.
pub(crate) fn uuid_v4(bits: u128) -> u128 {
    let v = (bits & !(0xf << 76)) | (0x4 << 76);
    (v & !(0x3 << 62)) | (0x2 << 62)
}

/// 128 bits shown as a UUID (for ids that are plain strings in events).
pub(crate) struct UuidText(pub(crate) u128);

impl fmt::Display for UuidText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_uuid(self.0, f)
    }
}

/// Writes 128 bits as a UUID in its usual hyphenated, lowercase form.
pub(crate) fn write_uuid(v: u128, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    write!(
        f,
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        (v >> 96) as u32,
        (v >> 80) as u16,
        (v >> 64) as u16,
        (v >> 48) as u16,
        (v & 0xffff_ffff_ffff) as u64
    )
}

/// Standard base64 with padding, as AWS writes binary values in JSON and XML.
pub(crate) fn base64(data: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(data)
}

/// SplitMix64's finaliser: a fixed, well-mixing function of 64 bits, for ids and
/// tags derived from the cloud's seed.
pub(crate) fn splitmix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// FNV-1a, 64-bit: a hash whose output is fixed by its definition (unlike the
/// standard library's hashers), for seeds and for spreading keys over lanes.
pub(crate) fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_known_values() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
        assert_eq!(base64(&[0xff, 0xfe, 0x00]), "//4A");
    }
}
