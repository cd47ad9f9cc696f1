//! Decoder (step 5) for GitHub tokens (tokens.md §1): the prefix says what the token is and
//! how long it lives; classic-family checksums are re-checked; fine-grained PATs yield their
//! owner id and hash heuristically; the stateless `ghs_<app>_<JWT>` form yields its expiry.

use sha2::{Digest, Sha256};

use super::jwt;
use crate::codec::crc32_base62_ok;

/// The PLAN.md family key of a GitHub token, from its prefix.
pub fn family_of(token: &str) -> Option<&'static str> {
    let t = token.trim();
    Some(match t.get(..4)? {
        _ if t.starts_with("github_pat_") => "github-fine-grained-pat",
        "ghp_" => "github-classic-pat",
        "gho_" => "github-oauth",
        "ghu_" => "github-user-to-server",
        "ghs_" => "github-server-to-server",
        "ghr_" => "github-refresh",
        _ => return None,
    })
}

const B32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// RFC 4648 base32 without padding (the fine-grained PAT hash alphabet).
pub fn base32(bytes: &[u8]) -> String {
    let mut out = String::new();
    let (mut buf, mut bits) = (0u32, 0);
    for &b in bytes {
        buf = (buf << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(B32[((buf >> bits) & 31) as usize] as char);
        }
        buf &= (1 << bits) - 1;
    }
    if bits > 0 {
        out.push(B32[((buf << (5 - bits)) & 31) as usize] as char);
    }
    out
}

fn unbase32(s: &[u8]) -> Option<u64> {
    s.iter().try_fold(0u64, |v, &c| {
        let d = B32.iter().position(|&x| x == c)? as u64;
        Some((v << 5) | d)
    })
}

/// Owner (user) id of a fine-grained PAT: `11` + base32 of the 4-byte id (heuristic, §1).
pub fn fine_grained_owner(token: &str) -> Option<u32> {
    let seg = token.strip_prefix("github_pat_")?.as_bytes();
    if seg.len() < 22 || &seg[..2] != b"11" {
        return None;
    }
    let v = unbase32(&seg[2..9])?; // 35 bits; the last 3 are padding
    u32::try_from(v >> 3).ok()
}

/// The fine-grained PAT hash heuristic: 8 chars of base32(SHA-256(body)) after the body.
pub fn fine_grained_hash_ok(token: &str) -> Option<bool> {
    if token.len() != 93 || !token.is_ascii() {
        return None;
    }
    let body = &token[..11 + 22 + 1 + 43];
    let check = &token[body.len()..body.len() + 8];
    let h = base32(&Sha256::digest(body.as_bytes()));
    Some(h[..8] == *check)
}

/// What a GitHub token says about itself.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GithubFacts {
    /// The token kind from its prefix (`github-classic-pat`, …; `None` without a known prefix).
    pub kind: Option<&'static str>,
    /// A classic-form token (`gh?_` + alphanumerics) whose CRC-32 checksum does not match.
    pub checksum_mismatch: bool,
    /// Stateless installation token `ghs_<app id>_<JWT>`: the app id.
    pub app_id: Option<String>,
    /// Stateless installation token: the JWT's `exp`.
    pub expires: Option<i64>,
    /// Fine-grained PAT: owner id (heuristic).
    pub owner_id: Option<u32>,
    /// Fine-grained PAT: the hash heuristic holds.
    pub hash_ok: Option<bool>,
}

/// Read what a GitHub token's prefix, checksum and body say.
pub fn facts(secret: &str) -> GithubFacts {
    let t = secret.trim();
    let classic_form = t.len() >= 40
        && t.as_bytes()[3] == b'_'
        && t[4..].bytes().all(|b| b.is_ascii_alphanumeric());
    let kind = family_of(t);
    let mut f = GithubFacts {
        kind,
        checksum_mismatch: classic_form && !t.starts_with("github_pat_") && !crc32_base62_ok(t),
        ..GithubFacts::default()
    };
    match kind {
        Some("github-server-to-server") => {
            // stateless form ghs_<app id>_<JWT>
            if let Some((app, rest)) = t.strip_prefix("ghs_").and_then(|r| r.split_once('_'))
                && app.bytes().all(|b| b.is_ascii_digit())
            {
                f.app_id = Some(app.to_string());
                if let Ok(j) = jwt::parse(rest) {
                    f.expires = j.claims.get("exp").and_then(|v| v.as_i64());
                }
            }
        }
        Some("github-fine-grained-pat") => {
            f.owner_id = fine_grained_owner(t);
            f.hash_ok = fine_grained_hash_ok(t);
        }
        _ => {}
    }
    f
}
