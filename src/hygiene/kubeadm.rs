//! Verdicts on kubeadm bootstrap tokens (tokens.md §11): ttl `0` or no `expiration` never
//! expires, a ttl above the policy is long-lived, an `expiration` in the past is expired.

use super::{Assessment, Flag, Policy, props, valid_at_commit};
use crate::decode::kubeadm::{DEFAULT_TTL_SECONDS, KubeadmFacts, TtlSource};
use crate::decode::{human_duration, rfc3339};

/// Judge a bootstrap token from its context.
pub(super) fn judge(f: &KubeadmFacts, commit_time: Option<i64>, policy: &Policy) -> Assessment {
    let mut a = Assessment::default();
    if let Some(id) = &f.token_id {
        a.prop(props::TOKEN_ID, id.as_str());
    }
    let summary;
    if let Some(s) = &f.secret {
        a.prop(props::CONTEXT, "bootstrap-token-secret");
        if s.expiration_unreadable {
            a.prop(props::EXPIRATION_UNREADABLE, true);
        }
        if !s.usages.is_empty() {
            a.prop(props::USAGES, s.usages.clone());
        }
        let mut words = vec!["bootstrap-token Secret".to_string()];
        if !s.groups.is_empty() {
            a.prop(props::EXTRA_GROUPS, s.groups.clone());
            if s.extra_groups() {
                a.flag(Flag::OverScoped);
                words.push(format!("extra groups {}", s.groups.join(",")));
            }
        }
        match s.expiration {
            None if s.expiration_unreadable => words.push("expiration unreadable".into()),
            None => {
                a.flag(Flag::NonExpiring);
                a.flag(Flag::LongLived);
                words.push("no expiration, never expires".into());
            }
            Some(e) => {
                let when = rfc3339(e).unwrap_or_default();
                a.prop(props::EXPIRES_AT, when.clone());
                if e < policy.now {
                    a.flag(Flag::Expired);
                    words.push(format!("expired {when}"));
                } else {
                    words.push(format!("expires {when}"));
                }
            }
        }
        valid_at_commit(&mut a, commit_time, None, s.expiration);
        summary = words.join(", ");
    } else {
        a.prop(props::CONTEXT, f.ttl_source.as_str());
        let mut words = vec!["kubeadm bootstrap token".to_string()];
        match f.ttl {
            Some(0) => {
                a.prop(props::TTL_SECONDS, 0);
                a.flag(Flag::NonExpiring);
                a.flag(Flag::LongLived);
                words.push("ttl 0, never expires".into());
            }
            Some(t) => {
                a.prop(props::TTL_SECONDS, t);
                if t > policy.max_bootstrap_ttl {
                    a.flag(Flag::LongLived);
                }
                words.push(format!("ttl {}", human_duration(t)));
            }
            None if f.ttl_source == TtlSource::Default => words.push(format!(
                "ttl not stated (kubeadm default {})",
                human_duration(DEFAULT_TTL_SECONDS)
            )),
            None => words.push("ttl unreadable".into()),
        }
        summary = words.join(", ");
    }
    if f.in_kubeconfig {
        a.prop(props::TOKEN_KIND, "kubeadm-bootstrap-token");
    }
    a.summary = Some(summary);
    a
}

#[cfg(test)]
mod tests {
    use base64::Engine;
    use base64::engine::general_purpose::STANDARD;

    use super::*;
    use crate::decode::kubeadm::*;
    use crate::decode::testutil::{Ctx, LOWER_DIGITS, NOW, Rng};
    use crate::decode::{Context, Decoder};

    fn assess(secret: &str, ctx: &Context<'_>, p: &Policy) -> Assessment {
        crate::hygiene::assess(Some(Decoder::KubeadmBootstrap), secret, ctx, p)
    }

    fn token(r: &mut Rng) -> String {
        format!("{}.{}", r.alnum(6, LOWER_DIGITS), r.alnum(16, LOWER_DIGITS))
    }

    fn run(text: &str, secret: &str) -> Assessment {
        let c = Ctx::new(text, secret);
        crate::hygiene::assess(
            Some(Decoder::KubeadmBootstrap),
            secret,
            &c.ctx(),
            &Policy::new(NOW),
        )
    }

    #[test]
    fn go_durations() {
        assert_eq!(parse_go_duration("24h0m0s"), Some(86400));
        assert_eq!(parse_go_duration("\"0\""), Some(0));
        assert_eq!(parse_go_duration("0s"), Some(0));
        assert_eq!(parse_go_duration("1h30m"), Some(5400));
        assert_eq!(parse_go_duration("1.5h"), Some(5400));
        assert_eq!(parse_go_duration("48"), None);
        assert_eq!(parse_go_duration("h"), None);
        assert_eq!(parse_go_duration(""), None);
        assert_eq!(parse_go_duration("99999999999999999999h"), None);
    }

    fn init_config(tok: &str, ttl: Option<&str>) -> String {
        let ttl = ttl.map(|t| format!("  ttl: \"{t}\"\n")).unwrap_or_default();
        format!(
            "apiVersion: kubeadm.k8s.io/v1beta3\nkind: InitConfiguration\nbootstrapTokens:\n- groups:\n  - {DEFAULT_GROUP}\n  token: {tok}\n{ttl}  usages:\n  - signing\n- token: other.0000000000000000\n  ttl: \"0\"\n---\nkind: ClusterConfiguration\n"
        )
    }

    #[test]
    fn kubeadm_config_ttl() {
        let mut r = Rng(61);
        let t = token(&mut r);
        assert!(run(&init_config(&t, Some("24h0m0s")), &t).flags.is_empty());
        assert_eq!(
            run(&init_config(&t, Some("48h0m0s")), &t).flags,
            ["long-lived"]
        );
        assert_eq!(
            run(&init_config(&t, Some("0")), &t).flags,
            ["non-expiring", "long-lived"]
        );
        // no ttl in this item: default 24h (the next item's ttl 0 does not count)
        let a = run(&init_config(&t, None), &t);
        assert!(a.flags.is_empty(), "{:?}", a.flags);
        assert_eq!(a.properties["token_id"], &t[..6]);
    }

    #[test]
    fn json_kubeadm_config() {
        let mut r = Rng(64);
        let t = token(&mut r);
        let cfg = format!(
            "{{\"apiVersion\": \"kubeadm.k8s.io/v1beta3\", \"kind\": \"InitConfiguration\", \"bootstrapTokens\": [{{\"token\": \"{t}\", \"ttl\": \"0s\"}}]}}"
        );
        assert_eq!(run(&cfg, &t).flags, ["non-expiring", "long-lived"]);
        let cfg = cfg.replace("0s", "12h");
        assert!(run(&cfg, &t).flags.is_empty());
    }

    #[test]
    fn command_lines() {
        let mut r = Rng(62);
        let t = token(&mut r);
        let join = format!(
            "kubeadm join 10.0.0.1:6443 \\\n  --token {t} \\\n  --discovery-token-ca-cert-hash sha256:00\n"
        );
        assert!(run(&join, &t).flags.is_empty());
        let create = format!("kubeadm token create {t} --ttl 0 --print-join-command\n");
        assert_eq!(run(&create, &t).flags, ["non-expiring", "long-lived"]);
        let init = format!("sudo kubeadm init \\\n  --token {t} \\\n  --token-ttl=72h\n");
        assert_eq!(run(&init, &t).flags, ["long-lived"]);
    }

    fn secret_doc(id: &str, sec: &str, exp: Option<&str>, b64: bool) -> String {
        let enc = |v: &str| {
            if b64 {
                STANDARD.encode(v)
            } else {
                v.to_string()
            }
        };
        let exp = exp
            .map(|e| format!("  expiration: {}\n", enc(e)))
            .unwrap_or_default();
        format!(
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: bootstrap-token-{id}\n  namespace: kube-system\ntype: bootstrap.kubernetes.io/token\n{}:\n  token-id: {}\n  token-secret: {}\n{exp}  usage-bootstrap-authentication: {}\n  auth-extra-groups: {}\n",
            if b64 { "data" } else { "stringData" },
            enc(id),
            enc(sec),
            enc("true"),
            enc(DEFAULT_GROUP)
        )
    }

    #[test]
    fn bootstrap_secrets_plain_and_base64() {
        let mut r = Rng(63);
        let (id, sec) = (r.alnum(6, LOWER_DIGITS), r.alnum(16, LOWER_DIGITS));
        for b64 in [false, true] {
            let doc = secret_doc(&id, &sec, None, b64);
            let needle = if b64 {
                STANDARD.encode(&sec)
            } else {
                sec.clone()
            };
            let a = run(&doc, &needle);
            assert_eq!(a.flags, ["non-expiring", "long-lived"], "b64={b64}");
            assert_eq!(
                a.properties["usages"],
                serde_json::json!(["authentication"])
            );
            assert_eq!(a.properties["token_id"], id.as_str());
            let doc = secret_doc(&id, &sec, Some("2025-02-09T20:51:55Z"), b64);
            assert_eq!(run(&doc, &needle).flags, ["expired"], "b64={b64}");
            let doc = secret_doc(&id, &sec, Some("2027-12-01T00:00:00Z"), b64);
            assert!(run(&doc, &needle).flags.is_empty(), "b64={b64}");
        }
        let doc = secret_doc(&id, &sec, Some("2027-12-01T00:00:00Z"), false)
            .replace(DEFAULT_GROUP, "system:masters");
        assert_eq!(run(&doc, &sec).flags, ["over-scoped"]);
    }

    #[test]
    fn odd_contexts_never_panic() {
        let c = Ctx::new("x", "x");
        let p = Policy::new(NOW);
        for text in [
            "",
            "\\\n\\\n",
            "- ttl:\n--- \n- ",
            "kubeadm --ttl",
            "kubeadm --ttl=",
            "type: bootstrap.kubernetes.io/token\nexpiration: ???",
        ] {
            let mut c2 = Ctx::new("x", "x");
            c2.text = text.as_bytes().to_vec();
            c2.range = 0..text.len().min(1);
            let _ = assess("abc", &c2.ctx(), &p);
        }
        let _ = assess("", &c.ctx(), &p);
    }
}
