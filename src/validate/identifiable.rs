//! Validation step, Azure identifiable keys: the Marvin32 checksum that Microsoft's
//! "identifiable" key formats (storage `+ASt`, Cosmos DB `ACDb`, Service Bus `+ASb`, Event Hubs
//! `+AEh`, Relay `+ARm`) carry in their last four bytes, checked offline.
//!
//! Layout (microsoft/security-utilities `IdentifiableSecrets.cs`): an N-byte key whose bytes
//! `N-8..N-4` hold a fixed 4-character base64 signature (aligned on a base64 character boundary)
//! and whose last four bytes are `Marvin32(key[..N-4], seed)` little-endian, the seed naming the
//! key kind.

use base64::Engine as _;

/// One identifiable key kind: its size in bytes, its base64 signature and the checksum seeds in
/// use for it.
struct Kind {
    bytes: usize,
    signature: &'static str,
    seeds: &'static [u64],
}

/// `ComputeHisV1ChecksumSeed`: an 8-character ASCII name, byte-reversed, read as a
/// little-endian u64 (`"Default0"` → `0x44656661756c7430`).
const fn seed(name: &[u8; 8]) -> u64 {
    u64::from_be_bytes(*name)
}

/// Messaging keys are minted with a send, listen or manage seed.
const MESSAGING: &[u64] = &[seed(b"Send0000"), seed(b"Listen00"), seed(b"Manage00")];

const KINDS: &[Kind] = &[
    Kind {
        bytes: 64,
        signature: "+ASt",
        seeds: &[seed(b"Default0")],
    },
    Kind {
        bytes: 64,
        signature: "ACDb",
        seeds: &[seed(b"MastRO00"), seed(b"MastRW00")],
    },
    Kind {
        bytes: 32,
        signature: "+ASb",
        seeds: MESSAGING,
    },
    Kind {
        bytes: 32,
        signature: "+AEh",
        seeds: MESSAGING,
    },
    Kind {
        bytes: 32,
        signature: "+ARm",
        seeds: MESSAGING,
    },
];

/// Character offset of the signature in the base64 text of an `n`-byte key.
fn signature_offset(n: usize) -> usize {
    let bits = (n - 7) * 8;
    (bits - bits % 6) / 6
}

fn block(p0: &mut u32, p1: &mut u32) {
    *p1 ^= *p0;
    *p0 = p0.rotate_left(20);
    *p0 = p0.wrapping_add(*p1);
    *p1 = p1.rotate_left(9);
    *p1 ^= *p0;
    *p0 = p0.rotate_left(27);
    *p0 = p0.wrapping_add(*p1);
    *p1 = p1.rotate_left(19);
}

/// The 64-bit Marvin hash of `data` (SymCrypt `marvin32.c`, .NET `Marvin.ComputeHash`).
pub fn marvin64(data: &[u8], seed: u64) -> u64 {
    let mut p0 = seed as u32;
    let mut p1 = (seed >> 32) as u32;
    let mut words = data.chunks_exact(4);
    for w in &mut words {
        p0 = p0.wrapping_add(u32::from_le_bytes([w[0], w[1], w[2], w[3]]));
        block(&mut p0, &mut p1);
    }
    let rest = words.remainder();
    let mut last = 0x80u32 << (8 * rest.len());
    for (i, &b) in rest.iter().enumerate() {
        last |= u32::from(b) << (8 * i);
    }
    p0 = p0.wrapping_add(last);
    block(&mut p0, &mut p1);
    block(&mut p0, &mut p1);
    (u64::from(p1) << 32) | u64::from(p0)
}

/// Marvin32: the 64-bit hash folded to 32 bits (`ComputeHash32`).
pub fn marvin32(data: &[u8], seed: u64) -> u32 {
    let h = marvin64(data, seed);
    ((h >> 32) as u32) ^ (h as u32)
}

/// False only for a key that carries a known identifiable signature in its signature slot but
/// whose Marvin32 checksum does not match any of that kind's seeds (a made-up or mangled key).
/// Keys without a signature (the older random format) have no checksum and pass.
pub fn identifiable_checksum_ok(key: &str) -> bool {
    let key = key.trim();
    let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(key) else {
        return true;
    };
    let n = bytes.len();
    let Some(kind) = KINDS.iter().find(|k| {
        k.bytes == n
            && key
                .get(signature_offset(n)..signature_offset(n) + 4)
                .is_some_and(|s| s == k.signature)
    }) else {
        return true;
    };
    let stored = u32::from_le_bytes([bytes[n - 4], bytes[n - 3], bytes[n - 2], bytes[n - 1]]);
    kind.seeds
        .iter()
        .any(|&s| marvin32(&bytes[..n - 4], s) == stored)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Vectors published with the .NET runtime's and security-utilities' Marvin tests.
    #[test]
    fn marvin_known_vectors() {
        let s0 = 0x004f_b61a_001b_dbcc;
        for (data, want) in [
            (&b""[..], 0x30ed_35c1_00cd_3c7d_u64),
            (&[175][..], 0x48e7_3fc7_7d75_ddc1),
            (&[231, 15][..], 0xb5f6_e1fc_485d_bff8),
            (&[55, 244, 149][..], 0xf0b0_7c78_9b8c_f7e8),
            (&[134, 66, 220, 89][..], 0x7008_f2e8_7e9c_f556),
        ] {
            assert_eq!(marvin64(data, s0), want, "{data:?}");
        }
        assert_eq!(
            marvin64(b"abc", 0xd53c_d9ce_cd08_93b7),
            0x22c7_4339_4927_69bf
        );
        assert_eq!(marvin32(b"abc", 0xd53c_d9ce_cd08_93b7), 0x6be0_2a86);
        let alpha = b"abcdefghijklmnopqrstuvwxyz";
        assert_eq!(
            marvin64(alpha, 0x0ddd_deee_efff_f000),
            0xa128_eb7e_7260_aca2
        );
        assert_eq!(marvin32(alpha, 0x0ddd_deee_efff_f000), 0xd348_47dc);
    }

    #[test]
    fn seeds_are_reversed_names() {
        assert_eq!(seed(b"Default0"), 0x4465_6661_756c_7430);
        assert_eq!(seed(b"Send0000"), 0x5365_6e64_3030_3030);
    }

    /// An identifiable key generated the way `GenerateKeyWithAppendedSignatureAndChecksum` does:
    /// random bytes, the signature spliced in at its base64-aligned bit offset, then the
    /// checksum over everything but the last four bytes.
    pub(crate) fn make_key(random: &[u8], signature: &str, seed: u64) -> String {
        let n = random.len();
        let mut key = random.to_vec();
        let sig = base64::engine::general_purpose::STANDARD
            .decode(signature)
            .unwrap();
        let pad = ((n - 7) * 8) % 6;
        let mask: u32 = match pad {
            2 => 0xfcff_ffff,
            4 => 0xf0ff_ffff,
            _ => u32::MAX,
        };
        let mut word = (u32::from(key[n - 8]) << 24) & mask;
        word |= u32::from(sig[0]) << (16 + pad);
        word |= u32::from(sig[1]) << (8 + pad);
        word |= u32::from(sig[2]) << pad;
        key[n - 8..n - 4].copy_from_slice(&word.to_be_bytes());
        let c = marvin32(&key[..n - 4], seed);
        key[n - 4..].copy_from_slice(&c.to_le_bytes());
        base64::engine::general_purpose::STANDARD.encode(key)
    }

    #[test]
    fn generated_keys_pass_and_mangled_ones_fail() {
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        let mut rnd = |n: usize| {
            (0..n)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    state as u8
                })
                .collect::<Vec<u8>>()
        };
        for kind in KINDS {
            for &s in kind.seeds {
                let key = make_key(&rnd(kind.bytes), kind.signature, s);
                let off = signature_offset(kind.bytes);
                assert_eq!(&key[off..off + 4], kind.signature, "{key}");
                assert!(identifiable_checksum_ok(&key), "{key}");
                // change one character of the random part
                let mut b = key.into_bytes();
                b[5] = if b[5] == b'A' { b'B' } else { b'A' };
                let bad = String::from_utf8(b).unwrap();
                assert!(!identifiable_checksum_ok(&bad), "{bad}");
            }
        }
        // the storage layout matches tokens.md's regex: 76 chars, +ASt, 5 chars, [AQgw]==
        let key = make_key(&rnd(64), "+ASt", seed(b"Default0"));
        assert_eq!(key.len(), 88);
        assert!(key.ends_with("==") && "AQgw".contains(&key[86 - 1..86]));
        // keys without a signature have no checksum to check
        let plain = base64::engine::general_purpose::STANDARD.encode(rnd(64));
        assert!(identifiable_checksum_ok(&plain));
        assert!(identifiable_checksum_ok("not base64 at all"));
    }
}
