//! Decoder (step 5) for GitHub tokens (tokens.md §1): the prefix says what the token is and
//! how long it lives; classic-family checksums are re-checked; fine-grained PATs yield their
//! owner id and hash heuristically; the stateless `ghs_<app>_<JWT>` form yields its expiry.

use sha2::{Digest, Sha256};

use super::{jwt, rfc3339, valid_at_commit};
use crate::hygiene::{Assessment, Context, Policy};
use crate::validate::checksum::crc32_base62_ok;

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

fn base32(bytes: &[u8]) -> String {
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

/// Decode and judge a GitHub token of `family`.
pub fn assess(family: &str, secret: &str, ctx: &Context<'_>, policy: &Policy) -> Assessment {
    let t = secret.trim();
    let mut a = Assessment::default();
    let classic_form = t.len() >= 40
        && t.as_bytes()[3] == b'_'
        && t[4..].bytes().all(|b| b.is_ascii_alphanumeric());
    if classic_form && !t.starts_with("github_pat_") && !crc32_base62_ok(t) {
        a.flags.push("checksum-mismatch".into());
    }
    let kind = family_of(t).unwrap_or(family);
    let summary = match kind {
        "github-classic-pat" => {
            a.flags.push("over-scoped".into());
            // tokens.md §1 calls these long-lived, but the expiry is server-side: the default
            // policy (§13) leaves `long-lived` to proven lifetimes and says so beside it
            a.flags.push("expiry-unknown".into());
            "GitHub classic personal access token: coarse scopes (repo = every private repository the user can reach), may never expire".to_string()
        }
        "github-oauth" => {
            a.flags.push("expiry-unknown".into());
            "GitHub OAuth app token: acts as the user, no expiry by default".into()
        }
        "github-user-to-server" => {
            "GitHub App user-to-server token: 8 hours when token expiration is on".into()
        }
        "github-refresh" => {
            a.flags.push("long-lived".into());
            "GitHub App refresh token: valid 6 months, mints new user tokens".into()
        }
        "github-server-to-server" => {
            let mut s = "GitHub App installation token: valid 1 hour".to_string();
            // stateless form ghs_<app id>_<JWT>
            if let Some((app, rest)) = t.strip_prefix("ghs_").and_then(|r| r.split_once('_'))
                && app.bytes().all(|b| b.is_ascii_digit())
            {
                a.properties.insert("app_id".into(), app.into());
                if let Ok(j) = jwt::parse(rest)
                    && let Some(exp) = j.claims.get("exp").and_then(|v| v.as_i64())
                {
                    if let Some(w) = rfc3339(exp) {
                        a.properties.insert("expires_at".into(), w.clone().into());
                        s.push_str(&format!(", expires {w}"));
                    }
                    if exp < policy.now {
                        a.flags.push("expired".into());
                    }
                    valid_at_commit(&mut a, ctx, None, Some(exp));
                }
            }
            s
        }
        "github-fine-grained-pat" => {
            let mut s = "GitHub fine-grained personal access token: repositories, permissions and expiry are server-side".to_string();
            if let Some(id) = fine_grained_owner(t) {
                a.properties.insert("owner_id".into(), id.into());
                s.push_str(&format!(" (owner id {id}, heuristic)"));
            }
            if let Some(ok) = fine_grained_hash_ok(t) {
                a.properties.insert(
                    "hash_heuristic".into(),
                    if ok { "ok" } else { "mismatch" }.into(),
                );
            }
            s
        }
        _ => "GitHub token".into(),
    };
    a.properties.insert("token_kind".into(), kind.into());
    a.summary = Some(summary);
    a
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::base62;
    use crate::decode::testutil::{ALNUM, Ctx, NOW, Rng};

    fn classic(prefix: &str, r: &mut Rng) -> String {
        let body = r.alnum(30, ALNUM);
        format!(
            "{prefix}{body}{}",
            base62(crc32fast::hash(body.as_bytes()) as u64, 6)
        )
    }

    fn classic_long(prefix: &str, r: &mut Rng) -> String {
        let body = r.alnum(70, ALNUM);
        format!(
            "{prefix}{body}{}",
            base62(crc32fast::hash(body.as_bytes()) as u64, 6)
        )
    }

    fn run(t: &str) -> Assessment {
        let c = Ctx::new(t, t);
        let f = family_of(t).unwrap_or("github-classic-pat");
        crate::decode::assess(f, t, &c.ctx(), &Policy::new(NOW))
    }

    #[test]
    fn prefix_semantics() {
        let mut r = Rng(41);
        assert_eq!(
            run(&classic("ghp_", &mut r)).flags,
            ["over-scoped", "expiry-unknown"]
        );
        assert_eq!(run(&classic("gho_", &mut r)).flags, ["expiry-unknown"]);
        assert_eq!(run(&classic_long("ghr_", &mut r)).flags, ["long-lived"]);
        assert!(run(&classic("ghu_", &mut r)).flags.is_empty());
        assert!(run(&classic("ghs_", &mut r)).flags.is_empty());
        let mut bad = classic("ghp_", &mut r);
        bad.replace_range(5..6, if &bad[5..6] == "a" { "b" } else { "a" });
        assert!(run(&bad).flags.contains(&"checksum-mismatch".to_string()));
    }

    #[test]
    fn fine_grained_owner_and_hash() {
        let t = concat!(
            "github_pat_",
            "11AC6GCTQ04IFiN7EsQPFv",
            "_",
            "OTcoO7z941eihz99z1JDAHEme1KYn5ytXKXU0ltvkjf",
            "LWWF6GQA",
            "KqldCbOh"
        );
        assert_eq!(fine_grained_owner(t), Some(12_345_678));
        assert_eq!(fine_grained_hash_ok(t), Some(true));
        let a = run(t);
        assert!(a.flags.is_empty());
        assert_eq!(a.properties["owner_id"], 12_345_678);
        assert_eq!(fine_grained_owner("github_pat_"), None);
        assert_eq!(
            fine_grained_owner("github_pat_11!!!!!!!!!!!!!!!!!!!!!!"),
            None
        );
        assert_eq!(base32(&12_345_678u32.to_be_bytes()), "AC6GCTQ");
    }

    #[test]
    fn odd_input_never_panics() {
        let c = Ctx::new("x", "x");
        let p = Policy::new(NOW);
        for t in [
            "",
            "ghp_",
            "ghs_12_x.y.z",
            "ghs_12_eyJ.eyJ.",
            "github_pat_ééééééééééééééééééééééééé",
            "gh",
        ] {
            let _ = assess("github-classic-pat", t, &c.ctx(), &p);
        }
    }
}
