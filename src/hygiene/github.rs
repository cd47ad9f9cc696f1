//! Verdicts on GitHub tokens (tokens.md §1): what each prefix means for scope and lifetime.

use super::{Assessment, Flag, Policy, props, valid_at_commit};
use crate::decode::github::GithubFacts;
use crate::decode::rfc3339;

/// Judge a GitHub token.
pub(super) fn judge(f: &GithubFacts, commit_time: Option<i64>, policy: &Policy) -> Assessment {
    let mut a = Assessment::default();
    if f.checksum_mismatch {
        a.flag(Flag::ChecksumMismatch);
    }
    let kind = f.kind.unwrap_or("github");
    let summary = match kind {
        "github-classic-pat" => {
            a.flag(Flag::OverScoped);
            // tokens.md §1 calls these long-lived, but the expiry is server-side: the default
            // policy (§13) leaves `long-lived` to proven lifetimes and says so beside it
            a.flag(Flag::ExpiryUnknown);
            "GitHub classic personal access token: coarse scopes (repo = every private repository the user can reach), may never expire".to_string()
        }
        "github-oauth" => {
            a.flag(Flag::ExpiryUnknown);
            "GitHub OAuth app token: acts as the user, no expiry by default".into()
        }
        "github-user-to-server" => {
            "GitHub App user-to-server token: 8 hours when token expiration is on".into()
        }
        "github-refresh" => {
            a.flag(Flag::LongLived);
            "GitHub App refresh token: valid 6 months, mints new user tokens".into()
        }
        "github-server-to-server" => {
            let mut s = "GitHub App installation token: valid 1 hour".to_string();
            if let Some(app) = &f.app_id {
                a.prop(props::APP_ID, app.as_str());
                if let Some(exp) = f.expires {
                    if let Some(w) = rfc3339(exp) {
                        a.prop(props::EXPIRES_AT, w.clone());
                        s.push_str(&format!(", expires {w}"));
                    }
                    if exp < policy.now {
                        a.flag(Flag::Expired);
                    }
                    valid_at_commit(&mut a, commit_time, None, Some(exp));
                }
            }
            s
        }
        "github-fine-grained-pat" => {
            let mut s = "GitHub fine-grained personal access token: repositories, permissions and expiry are server-side".to_string();
            if let Some(id) = f.owner_id {
                a.prop(props::OWNER_ID, id);
                s.push_str(&format!(" (owner id {id}, heuristic)"));
            }
            if let Some(ok) = f.hash_ok {
                a.prop(props::HASH_HEURISTIC, if ok { "ok" } else { "mismatch" });
            }
            s
        }
        _ => "GitHub token".into(),
    };
    a.prop(props::TOKEN_KIND, kind);
    a.summary = Some(summary);
    a
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::base62;
    use crate::decode::Decoder;
    use crate::decode::github::*;
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
        crate::hygiene::assess(Some(Decoder::Github), t, &c.ctx(), &Policy::new(NOW))
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
            let _ = crate::hygiene::assess(Some(Decoder::Github), t, &c.ctx(), &p);
        }
    }
}
