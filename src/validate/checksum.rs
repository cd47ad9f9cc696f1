//! Validation, checksums: formats whose last characters are a checksum of the rest (GitLab
//! routable tokens here; GitHub and npm CRC-32 in base62 is [`crate::codec::crc32_base62_ok`],
//! shared with the GitHub decoder) — a mismatch means the value was never issued.

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
}
