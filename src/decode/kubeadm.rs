//! Decoder (step 5) for kubeadm bootstrap tokens (tokens.md §11) with their context: the
//! bootstrap-token Secret around them (`expiration`, `usage-*`, `auth-extra-groups`, plain
//! `stringData` or base64 `data`), the kubeadm config entry (`bootstrapTokens[].ttl`) or the
//! command line (`--ttl`, `--token-ttl`). Only the public token id is reported.

use super::{human_duration, parse_time, rfc3339, valid_at_commit, yaml_document};
use crate::codec::b64_decode;
use crate::hygiene::{Assessment, Context, Policy};

/// The group every kubeadm node-join token carries.
const DEFAULT_GROUP: &str = "system:bootstrappers:kubeadm:default-node-token";
/// kubeadm's default ttl.
const DEFAULT_TTL: i64 = 24 * 3600;

/// Split `abcdef.0123456789abcdef` into (id, secret).
pub fn split_token(s: &str) -> Option<(&str, &str)> {
    let (id, secret) = s.split_once('.')?;
    let ok = |p: &str, n: usize| {
        p.len() == n
            && p.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    };
    (ok(id, 6) && ok(secret, 16)).then_some((id, secret))
}

/// Parse a Go duration (`24h0m0s`, `0`, `90m`, `1.5h`) into seconds.
pub fn parse_go_duration(s: &str) -> Option<i64> {
    let s = s.trim().trim_matches(|c| c == '"' || c == '\'');
    if s == "0" {
        return Some(0);
    }
    let mut total = 0f64;
    let mut rest = s;
    if rest.is_empty() {
        return None;
    }
    while !rest.is_empty() {
        let n = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        if n == 0 {
            return None;
        }
        let v: f64 = rest[..n].parse().ok()?;
        rest = &rest[n..];
        let u = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let mul = match &rest[..u] {
            "h" => 3600.0,
            "m" => 60.0,
            "s" => 1.0,
            "ms" => 1e-3,
            "us" | "µs" => 1e-6,
            "ns" => 1e-9,
            _ => return None,
        };
        total += v * mul;
        rest = &rest[u..];
    }
    (total.is_finite() && total < 1e15).then_some(total as i64)
}

fn yaml_value(line: &str) -> &str {
    let v = line.split_once(':').map_or("", |(_, v)| v).trim();
    let v = v.split(" #").next().unwrap_or(v).trim();
    v.trim_matches(|c| c == '"' || c == '\'')
}

fn decoded_value(raw: &str) -> String {
    if let Some(b) = b64_decode(raw)
        && let Ok(s) = String::from_utf8(b)
        && !s.is_empty()
        && s.chars().all(|c| !c.is_control())
    {
        return s;
    }
    raw.to_string()
}

/// Judge a bootstrap token from its context.
pub fn assess(secret: &str, ctx: &Context<'_>, policy: &Policy) -> Assessment {
    let mut a = Assessment::default();
    if let Some((id, _)) = split_token(secret.trim()) {
        a.properties.insert("token_id".into(), id.into());
    }
    let (_, doc) = yaml_document(ctx.chunk, ctx.chunk_range.start);
    let doc_s = String::from_utf8_lossy(doc);
    let is_secret = doc_s.lines().any(|l| {
        let l = l.trim();
        l.starts_with("type:") && yaml_value(l) == "bootstrap.kubernetes.io/token"
    });
    let summary;
    if is_secret {
        a.properties
            .insert("context".into(), "bootstrap-token-secret".into());
        let mut expiration = None;
        let mut usages = Vec::new();
        let mut groups = Vec::new();
        for l in doc_s.lines() {
            let t = l.trim();
            let Some((k, _)) = t.split_once(':') else {
                continue;
            };
            let raw = yaml_value(t);
            match k.trim().trim_matches('"') {
                "expiration" => {
                    expiration = parse_time(raw).or_else(|| parse_time(&decoded_value(raw)));
                    if expiration.is_none() {
                        a.properties
                            .insert("expiration_unreadable".into(), true.into());
                    }
                }
                "token-id" => {
                    let v = decoded_value(raw);
                    if v.len() == 6 {
                        a.properties.insert("token_id".into(), v.into());
                    }
                }
                k if k.starts_with("usage-bootstrap-") && decoded_value(raw) == "true" => {
                    usages.push(k.trim_start_matches("usage-bootstrap-").to_string());
                }
                "auth-extra-groups" => {
                    groups = decoded_value(raw)
                        .split(',')
                        .map(|g| g.trim().to_string())
                        .filter(|g| !g.is_empty())
                        .collect();
                }
                _ => {}
            }
        }
        if !usages.is_empty() {
            a.properties.insert("usages".into(), usages.into());
        }
        let mut words = vec!["bootstrap-token Secret".to_string()];
        if !groups.is_empty() {
            a.properties
                .insert("extra_groups".into(), groups.clone().into());
            if groups.iter().any(|g| g != DEFAULT_GROUP) {
                a.flags.push("over-scoped".into());
                words.push(format!("extra groups {}", groups.join(",")));
            }
        }
        match expiration {
            None if a.properties.contains_key("expiration_unreadable") => {
                words.push("expiration unreadable".into())
            }
            None => {
                a.flags.push("non-expiring".into());
                a.flags.push("long-lived".into());
                words.push("no expiration, never expires".into());
            }
            Some(e) => {
                let when = rfc3339(e).unwrap_or_default();
                a.properties
                    .insert("expires_at".into(), when.clone().into());
                if e < policy.now {
                    a.flags.push("expired".into());
                    words.push(format!("expired {when}"));
                } else {
                    words.push(format!("expires {when}"));
                }
            }
        }
        valid_at_commit(&mut a, ctx, None, expiration);
        summary = words.join(", ");
    } else {
        let ttl = config_ttl(ctx).or_else(|| command_ttl(ctx));
        let (source, ttl) = match ttl {
            Some((src, t)) => (src, t),
            None => ("default", None),
        };
        a.properties.insert("context".into(), source.into());
        let mut words = vec!["kubeadm bootstrap token".to_string()];
        match ttl {
            Some(0) => {
                a.properties.insert("ttl_seconds".into(), 0.into());
                a.flags.push("non-expiring".into());
                a.flags.push("long-lived".into());
                words.push("ttl 0, never expires".into());
            }
            Some(t) => {
                a.properties.insert("ttl_seconds".into(), t.into());
                if t > policy.max_bootstrap_ttl {
                    a.flags.push("long-lived".into());
                }
                words.push(format!("ttl {}", human_duration(t)));
            }
            None if source == "default" => words.push(format!(
                "ttl not stated (kubeadm default {})",
                human_duration(DEFAULT_TTL)
            )),
            None => words.push("ttl unreadable".into()),
        }
        summary = words.join(", ");
    }
    a.summary = Some(summary);
    a
}

/// `bootstrapTokens[].ttl` of the list item holding the token, in a kubeadm YAML config.
fn config_ttl(ctx: &Context<'_>) -> Option<(&'static str, Option<i64>)> {
    let (start, doc) = yaml_document(ctx.chunk, ctx.chunk_range.start);
    let doc_s = String::from_utf8_lossy(doc);
    if !doc_s.contains("bootstrapTokens") && !doc_s.contains("kubeadm.k8s.io") {
        return None;
    }
    let at = ctx.chunk_range.start.saturating_sub(start);
    let lines: Vec<&str> = doc_s.split('\n').collect();
    let mut pos = 0;
    let mut idx = 0;
    for (i, l) in lines.iter().enumerate() {
        if pos + l.len() >= at {
            idx = i;
            break;
        }
        pos += l.len() + 1;
    }
    let lead = |l: &str| l.len() - l.trim_start().len();
    let key_col = |l: &str| {
        let t = l.trim_start();
        lead(l) + if t.starts_with("- ") { 2 } else { 0 }
    };
    let tok_col = key_col(lines[idx]);
    let Some(item_start) = (0..=idx)
        .rev()
        .find(|&i| lines[i].trim_start().starts_with("- ") && lead(lines[i]) < tok_col)
    else {
        return json_ttl(&doc_s, at).map(|t| ("kubeadm-config", t));
    };
    let item_indent = lead(lines[item_start]);
    let mut ttl_line = None;
    for (i, l) in lines.iter().enumerate().skip(item_start) {
        if i > item_start && !l.trim().is_empty() && lead(l) <= item_indent {
            break;
        }
        let body = l.trim_start_matches([' ', '-']).trim_end();
        if body.starts_with("ttl:") && key_col(l) == item_indent + 2 {
            ttl_line = Some(body);
        }
    }
    match ttl_line {
        Some(l) => Some(("kubeadm-config", parse_go_duration(yaml_value(l)))),
        None => Some(("kubeadm-config", Some(DEFAULT_TTL))),
    }
}

/// `"ttl"` of the JSON object holding the token (kubeadm configs written as JSON).
fn json_ttl(doc: &str, at: usize) -> Option<Option<i64>> {
    let at = (0..=at.min(doc.len()))
        .rev()
        .find(|&i| doc.is_char_boundary(i))?;
    let open = doc[..at].rfind('{')?;
    let close = doc[at..].find('}').map_or(doc.len(), |i| at + i);
    let obj = &doc[open..close];
    let i = obj.find("\"ttl\"")?;
    let rest = obj[i + 5..].trim_start().strip_prefix(':')?.trim_start();
    let v = rest.strip_prefix('"')?;
    let v = &v[..v.find('"')?];
    Some(parse_go_duration(v))
}

/// `--ttl` / `--token-ttl` on the (backslash-continued) command line holding the token.
fn command_ttl(ctx: &Context<'_>) -> Option<(&'static str, Option<i64>)> {
    let t = ctx.chunk;
    let at = ctx.chunk_range.start.min(t.len());
    // widen to continued lines on both sides
    let mut s = at;
    loop {
        let ls = t[..s]
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1);
        if ls >= 2 && t[..ls - 1].ends_with(b"\\") {
            s = ls - 1;
        } else {
            s = ls;
            break;
        }
    }
    let mut e = at;
    loop {
        let le = t[e..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(t.len(), |i| e + i);
        let line = &t[..le];
        if le < t.len() && (line.ends_with(b"\\") || line.ends_with(b"\\\r")) {
            e = le + 1;
        } else {
            e = le;
            break;
        }
    }
    let cmd = String::from_utf8_lossy(&t[s..e]).replace("\\\n", " ");
    if !cmd.contains("kubeadm") {
        return None;
    }
    let words: Vec<&str> = cmd.split_whitespace().collect();
    for (i, w) in words.iter().enumerate() {
        for flag in ["--ttl", "--token-ttl"] {
            if let Some(v) = w.strip_prefix(flag) {
                let val = match v.strip_prefix('=') {
                    Some(v) => Some(v),
                    None if v.is_empty() => words.get(i + 1).copied(),
                    None => continue,
                };
                return Some(("command-line", val.and_then(parse_go_duration)));
            }
        }
    }
    if cmd.contains("token create") || cmd.contains("kubeadm init") {
        return Some(("command-line", Some(DEFAULT_TTL)));
    }
    None
}

#[cfg(test)]
mod tests {
    use base64::Engine;
    use base64::engine::general_purpose::STANDARD;

    use super::*;
    use crate::decode::testutil::{Ctx, LOWER_DIGITS, NOW, Rng};

    fn token(r: &mut Rng) -> String {
        format!("{}.{}", r.alnum(6, LOWER_DIGITS), r.alnum(16, LOWER_DIGITS))
    }

    fn run(text: &str, secret: &str) -> Assessment {
        let c = Ctx::new(text, secret);
        crate::decode::assess(
            "kubeadm-bootstrap-token",
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
