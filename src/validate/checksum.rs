//! Validation, checksums: formats whose last characters are a checksum of the rest (GitLab
//! routable tokens here; GitHub and npm CRC-32 in base62 is [`crate::codec::crc32_base62_ok`],
//! shared with the GitHub decoder; NATS NKey seeds' CRC-16 here too) — a mismatch means the
//! value was never issued.

use crate::codec::base36;

/// GitLab routable tokens (`prefix B64 .01. LL CRC`): the length field and CRC must agree.
/// Legacy (non-routable) tokens carry no checksum and pass. Runner tokens may carry a `t<n>_`
/// marker after the prefix; the length field may count it or not.
pub fn gitlab_routable_ok(secret: &str) -> bool {
    let Some(dot) = secret.find(".01.") else {
        return true;
    };
    let tail = &secret[dot + 4..];
    if tail.len() != 9 || !secret.is_ascii() {
        return false;
    }
    let (ll, crc) = tail.split_at(2);
    let Some(dash) = secret[..dot].find('-') else {
        return false;
    };
    let b64 = &secret[dash + 1..dot];
    let Ok(len) = u64::from_str_radix(ll, 36) else {
        return false;
    };
    let marker = runner_marker_len(b64);
    if len as usize != b64.len() && len as usize != b64.len() - marker {
        return false;
    }
    let signed = &secret[..dot + 4 + 2];
    base36(crc32fast::hash(signed.as_bytes()) as u64, 7) == crc
}

/// Length of a `t<digits>_` runner-token marker at the start of `b64` (0 when absent).
fn runner_marker_len(b64: &str) -> usize {
    let b = b64.as_bytes();
    if b.first() != Some(&b't') {
        return 0;
    }
    let digits = b[1..].iter().take_while(|c| c.is_ascii_digit()).count();
    if digits > 0 && b.get(1 + digits) == Some(&b'_') {
        digits + 2
    } else {
        0
    }
}

/// The seed type byte of NATS NKeys (nats-io/nkeys `strkey.go`: `PrefixByteSeed`, 18 << 3).
const NKEY_SEED_PREFIX: u8 = 18 << 3;

/// The public-key types a NATS seed can belong to (`strkey.go`/`xkeys.go`): account (0),
/// cluster (2 << 3), server (13 << 3), operator (14 << 3), user (20 << 3), curve (23 << 3).
const NKEY_PUBLIC_PREFIXES: [u8; 6] = [0, 2 << 3, 13 << 3, 14 << 3, 20 << 3, 23 << 3];

/// A NATS NKey seed (`SU…`, `SA…`, 58 base32 characters): the seed type byte with the public
/// key type spread over the first two bytes, 32 seed bytes, and a CRC-16/XMODEM of those 34 bytes,
/// little-endian (nats-io/nkeys `EncodeSeed`, `crc16.go`).
pub fn nkey_seed_ok(secret: &str) -> bool {
    let Some(raw) = base32_decode(secret) else {
        return false;
    };
    if raw.len() != 36 || raw[0] & 0xF8 != NKEY_SEED_PREFIX {
        return false;
    }
    let public = ((raw[0] & 7) << 5) | ((raw[1] & 0xF8) >> 3);
    if !NKEY_PUBLIC_PREFIXES.contains(&public) {
        return false;
    }
    crc16_xmodem(&raw[..34]) == u16::from_le_bytes([raw[34], raw[35]])
}

/// CRC-16/XMODEM (polynomial 0x1021, initial value 0, no reflection).
fn crc16_xmodem(data: &[u8]) -> u16 {
    let mut crc: u16 = 0;
    for &b in data {
        crc ^= (b as u16) << 8;
        for _ in 0..8 {
            crc = if crc & 0x8000 != 0 {
                (crc << 1) ^ 0x1021
            } else {
                crc << 1
            };
        }
    }
    crc
}

/// RFC 4648 base32 (upper-case alphabet) without padding; `None` on any other character.
/// Leftover bits that do not fill a byte are dropped.
fn base32_decode(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() * 5 / 8);
    let (mut acc, mut bits) = (0u32, 0u32);
    for b in s.bytes() {
        let v = match b {
            b'A'..=b'Z' => b - b'A',
            b'2'..=b'7' => b - b'2' + 26,
            _ => return None,
        };
        acc = (acc << 5) | v as u32;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::{base62, crc32_base62_ok};

    #[test]
    fn github_checksum_from_spec() {
        let body = "XTLrJFXrOghwrPgxRmVn046CD0rcwf";
        assert_eq!(crc32fast::hash(body.as_bytes()), 0x2675a197);
        assert_eq!(base62(0x2675a197, 6), "0hfNFn");
        assert!(crc32_base62_ok(&format!("ghp_{body}0hfNFn")));
        assert!(!crc32_base62_ok(&format!("ghp_{body}0hfNFo")));
    }

    #[test]
    fn gitlab_routable_from_spec() {
        let t = format!(
            "{}{}{}{}{}",
            "glpat-", "QFX4MW442SqBCBK8qzjEyW86MQp1OjJpeGg0Cw", ".01.", "12", "1mf76tf"
        );
        assert!(gitlab_routable_ok(&t));
        assert!(!gitlab_routable_ok(&t.replace("1mf76tf", "1mf76tg")));
    }

    #[test]
    fn gitlab_runner_marker_length_either_way() {
        use base64::Engine as _;
        let e = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let payload = b"o:1\nt:3";
        let mut raw = vec![7u8; 16];
        raw.extend_from_slice(payload);
        raw.push(payload.len() as u8);
        let b64 = e.encode(&raw);
        for (body, counted) in [
            (format!("t1_{b64}"), b64.len()),
            (format!("t1_{b64}"), b64.len() + 3),
        ] {
            let head = format!("glrt-{body}.01.{}", base36(counted as u64, 2));
            let t = format!(
                "{head}{}",
                base36(crc32fast::hash(head.as_bytes()) as u64, 7)
            );
            assert!(gitlab_routable_ok(&t), "{t}");
        }
    }

    #[test]
    fn crc16_xmodem_check_value() {
        assert_eq!(crc16_xmodem(b"123456789"), 0x31C3);
    }

    /// The vector was computed outside this code (Python's base64 and a bitwise CRC-16/XMODEM,
    /// scripts/gen-token.py `nkey_seed`): user type, seed bytes 1..=32.
    #[test]
    fn nkey_seed_checksum_and_type() {
        let seed = "SUAACAQDAQCQMBYIBEFAWDANBYHRAEISCMKBKFQXDAMRUGY4DUPB6IC5CQ";
        assert!(nkey_seed_ok(seed));
        // one character changed: the CRC no longer matches
        assert!(!nkey_seed_ok(&seed.replace("SCMK", "SCMJ")));
        // a public key (U…) of the same length is not a seed
        assert!(!nkey_seed_ok(&format!("U{}", &seed[1..])));
        // not base32, too short
        assert!(!nkey_seed_ok(&seed.replace('A', "1")));
        assert!(!nkey_seed_ok(&seed[..50]));
    }
}
