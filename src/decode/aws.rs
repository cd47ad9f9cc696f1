//! Decoder (step 5) for AWS access key ids (tokens.md §6): the prefix says long-term (`AKIA`,
//! never expires) or temporary (`ASIA`, STS), and new-generation ids embed the account id.
//! The finding may cover the id and its secret key; only the id is read.

use super::Facts;

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

/// What an AWS key id says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwsFacts {
    /// The four-letter prefix (`AKIA`, `ASIA`, `ABIA`, `ACCA`).
    pub prefix: String,
    /// The account id embedded in new-generation ids.
    pub account_id: Option<u64>,
}

/// Decode the first AWS key id in `secret` into [`Facts`].
pub fn facts(secret: &str) -> Facts {
    match key_id_in(secret) {
        Some(id) => Facts::Aws(AwsFacts {
            prefix: id[..4].to_string(),
            account_id: account_id(id),
        }),
        None => Facts::undecodable("AWS key", "no AKIA/ASIA key id in the match"),
    }
}
