//! Decoder (step 5) for AWS access key ids (tokens.md §6): the prefix says long-term (`AKIA`,
//! never expires) or temporary (`ASIA`, STS), and new-generation ids embed the account id.
//! The finding may cover the id and its secret key; only the id is read.

use super::valid_at_commit;
use crate::hygiene::{Assessment, Context, Policy};

/// The first AWS key id (`AKIA`/`ASIA`/`ABIA`/`ACCA` + 16 base32 chars) in `s`.
pub fn key_id_in(s: &str) -> Option<&str> {
    let b = s.as_bytes();
    (0..b.len().saturating_sub(19)).find_map(|i| {
        let cand = s.get(i..i + 20)?;
        let prefix_ok = ["AKIA", "ASIA", "ABIA", "ACCA"]
            .iter()
            .any(|p| cand.starts_with(p));
        let body_ok = cand.as_bytes()[4..]
            .iter()
            .all(|c| c.is_ascii_uppercase() || (b'2'..=b'7').contains(c));
        let left_ok = i == 0 || !b[i - 1].is_ascii_alphanumeric();
        let right_ok = b.get(i + 20).is_none_or(|c| !c.is_ascii_alphanumeric());
        (prefix_ok && body_ok && left_ok && right_ok).then_some(cand)
    })
}

fn b32(c: u8) -> Option<u64> {
    match c {
        b'A'..=b'Z' => Some(u64::from(c - b'A')),
        b'2'..=b'7' => Some(u64::from(c - b'2' + 26)),
        _ => None,
    }
}

/// The AWS account id embedded in a new-generation key id (5th char in `Q-Z2-7`).
pub fn account_id(key_id: &str) -> Option<u64> {
    let body = key_id.as_bytes().get(4..20)?;
    // 48 bits = the first 9.6 chars: decode 10 chars (50 bits) and drop the 2 low bits.
    let mut v: u64 = 0;
    for &c in &body[..10] {
        v = (v << 5) | b32(c)?;
    }
    let z = v >> 2;
    if z & 0x8000_0000_0000 == 0 {
        return None; // old-generation id: no account inside
    }
    Some((z & 0x7fff_ffff_ff80) >> 7)
}

/// Decode and judge an AWS key id.
pub fn assess(secret: &str, ctx: &Context<'_>, _policy: &Policy) -> Assessment {
    let mut a = Assessment::default();
    let Some(id) = key_id_in(secret) else {
        return super::not_decodable("AWS key", "no AKIA/ASIA key id in the match");
    };
    let (kind, words) = match &id[..4] {
        "AKIA" => {
            a.flags.push("non-expiring".into());
            (
                "long-term IAM user/root key",
                "long-term key, never expires until rotated",
            )
        }
        "ASIA" => (
            "temporary STS credentials",
            "temporary credentials (need a session token, expire within hours)",
        ),
        "ABIA" => ("STS service bearer token", "service bearer token"),
        _ => ("context-specific credential", "context-specific credential"),
    };
    a.properties.insert("key_id_prefix".into(), id[..4].into());
    a.properties.insert("key_kind".into(), kind.into());
    let mut summary = format!("AWS {words}");
    if let Some(acct) = account_id(id) {
        a.properties
            .insert("account_id".into(), format!("{acct:012}").into());
        summary.push_str(&format!(", account {acct:012}"));
    }
    if id[..4] == *"AKIA" {
        valid_at_commit(&mut a, ctx, None, None);
    }
    a.summary = Some(summary);
    a
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::testutil::{Ctx, NOW, Rng};

    const B32: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

    #[test]
    fn account_id_from_spec_example() {
        assert_eq!(
            account_id(concat!("AKIA", "RZPUZDIKH5LQYLKH")),
            Some(123_456_789_012)
        );
        assert_eq!(account_id(concat!("AKIA", "IOSFODNN7ABCDEFG")), None);
        assert_eq!(account_id("AKIA"), None);
    }

    #[test]
    fn long_term_versus_temporary() {
        let mut r = Rng(31);
        let p = Policy::new(NOW);
        let id = format!("AKIA{}", r.alnum(16, B32));
        let secret = r.alnum(
            40,
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/+",
        );
        let text = format!("aws_access_key_id = {id}\naws_secret_access_key = {secret}\n");
        let c = Ctx::new(&text, &id);
        let a = assess(&format!("{id}:{secret}"), &c.ctx(), &p);
        assert_eq!(a.flags, ["non-expiring"]);
        assert!(!a.summary.unwrap().contains(&secret));
        let id = format!("ASIA{}", r.alnum(16, B32));
        let c = Ctx::new(&id, &id);
        let a = assess(&id, &c.ctx(), &p);
        assert!(a.flags.is_empty());
        assert_eq!(a.properties["key_kind"], "temporary STS credentials");
    }

    #[test]
    fn non_keys_are_not_decodable() {
        let c = Ctx::new("x", "x");
        let p = Policy::new(NOW);
        for bad in [
            "",
            "AKIA",
            "AKIA0123456789012345",
            "XAKIAABCDEFGHIJKLMNOP",
            "ékAKIA",
        ] {
            assert_eq!(
                assess(bad, &c.ctx(), &p).properties["decoded"],
                false,
                "{bad}"
            );
        }
    }
}
