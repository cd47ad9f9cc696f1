//! Verdicts on macaroon facts (tokens.md §3, §4): PyPI scope and expiry caveats, Fly.io
//! organisation/app scope, validity window and token kind.

use serde_json::Value;

use super::{Assessment, Flag, Policy, props, valid_at_commit};
use crate::decode::macaroon::{FlyToken, PypiFacts};
use crate::decode::{human_duration, rfc3339};

/// Judge a PyPI token.
pub(super) fn judge_pypi(f: &PypiFacts, commit_time: Option<i64>, policy: &Policy) -> Assessment {
    let s = &f.scope;
    let mut a = Assessment::default();
    if let Some(l) = &f.location {
        a.prop(props::LOCATION, l.as_str());
    }
    if let Some(id) = &f.macaroon_id {
        a.prop(props::MACAROON_ID, id.as_str());
    }
    a.prop(props::CAVEATS, f.caveats);
    let restricted = !s.projects.is_empty() || !s.project_ids.is_empty() || s.publisher.is_some();
    let scope = if restricted {
        "project"
    } else if s.user_wide {
        "user"
    } else {
        "unrestricted"
    };
    a.prop(props::SCOPE, scope);
    if !s.projects.is_empty() {
        a.prop(props::PROJECTS, s.projects.clone());
    }
    if !s.project_ids.is_empty() {
        a.prop(props::PROJECT_IDS, s.project_ids.clone());
    }
    if let Some(pb) = &s.publisher {
        a.prop(props::TRUSTED_PUBLISHER, pb.as_str());
    }
    if s.third_party > 0 {
        a.prop(props::THIRD_PARTY_CAVEATS, s.third_party);
    }
    let mut words = Vec::new();
    if restricted {
        if !s.projects.is_empty() {
            words.push(format!("scoped to {}", s.projects.join(", ")));
        } else if s.publisher.is_some() {
            words.push("trusted-publishing token".into());
        } else {
            words.push("project-scoped".into());
        }
    } else {
        a.flag(Flag::OverScoped);
        words.push(if s.user_wide {
            "user-wide (every project the user can upload to)".into()
        } else {
            "no permission caveat (unrestricted)".to_string()
        });
    }
    if let Some(e) = s.expires.and_then(rfc3339) {
        a.prop(props::EXPIRES_AT, e);
    }
    if let Some(n) = s.not_before.and_then(rfc3339) {
        a.prop(props::NOT_BEFORE, n);
    }
    window_flags(&mut a, &mut words, s.not_before, s.expires, policy, true);
    valid_at_commit(&mut a, commit_time, s.not_before, s.expires);
    a.summary = Some(format!("PyPI API token: {}", words.join(", ")));
    a
}

/// Flags from a validity window (`non-expiring` without expiry when `no_expiry_flag`).
fn window_flags(
    a: &mut Assessment,
    words: &mut Vec<String>,
    nbf: Option<i64>,
    exp: Option<i64>,
    policy: &Policy,
    no_expiry_flag: bool,
) {
    match exp {
        None => {
            if no_expiry_flag {
                a.flag(Flag::NonExpiring);
            }
            words.push("never expires".into());
        }
        Some(e) => {
            if let Some(n) = nbf {
                let life = e.saturating_sub(n);
                a.prop(props::LIFETIME_SECONDS, life);
                if life > policy.max_macaroon_lifetime {
                    a.flag(Flag::LongLived);
                    words.push(format!("valid {}", human_duration(life)));
                }
            }
            let when = rfc3339(e).unwrap_or_else(|| e.to_string());
            if e < policy.now {
                a.flag(Flag::Expired);
                words.push(format!("expired {when}"));
            } else {
                words.push(format!("expires {when}"));
            }
        }
    }
}

/// Mask bits: r=1 w=2 c=4 d=8 C=16.
fn mask_words(m: u64) -> String {
    if m & 0x1f == 0x1f {
        return "all".into();
    }
    let mut s = String::new();
    for (bit, c) in [(1, 'r'), (2, 'w'), (4, 'c'), (8, 'd'), (16, 'C')] {
        if m & bit != 0 {
            s.push(c);
        }
    }
    if s.is_empty() { "none".into() } else { s }
}

/// Judge Fly.io tokens: the first (the permission token when the bundle holds one) says what is
/// granted; every token's validity window narrows when it is usable (a discharge's window limits
/// the permission token it discharges).
pub(super) fn judge_fly(
    tokens: &[FlyToken],
    commit_time: Option<i64>,
    policy: &Policy,
) -> Assessment {
    let Some(f) = tokens.first() else {
        return Assessment::default();
    };
    let discharges = tokens.iter().filter(|t| t.is_discharge()).count();
    let mut a = Assessment::default();
    let kind = f.kind();
    a.prop(props::LOCATION, f.location.as_str());
    a.prop(props::TOKEN_KIND, kind);
    if let Some((id, m)) = f.org {
        a.prop(props::ORG_ID, id);
        a.prop(props::ORG_PERMISSIONS, mask_words(m));
    }
    let app_ids = if f.apps.is_empty() {
        &f.if_present_apps
    } else {
        &f.apps
    };
    if !app_ids.is_empty() {
        let apps: Vec<Value> = app_ids.iter().map(|(id, _)| Value::from(*id)).collect();
        a.prop(props::APP_IDS, apps);
    }
    if tokens.len() > 1 {
        a.prop(props::DISCHARGE_TOKENS, discharges);
    }
    if !f.features.is_empty() {
        a.prop(props::FEATURES, f.features.clone());
    }
    if !f.third_party.is_empty() {
        a.prop(props::THIRD_PARTY_CAVEATS, f.third_party.clone());
    }
    let mut words = vec![format!("{kind} token")];
    if let Some((id, m)) = f.org {
        words.push(format!("organization {id} ({} permissions)", mask_words(m)));
    }
    let wildcard = f.apps.iter().any(|&(id, _)| id == 0);
    if kind.starts_with("organization-wide") || wildcard {
        a.flag(Flag::OverScoped);
    }
    let window = tokens
        .iter()
        .filter_map(|t| t.window)
        .reduce(|(n1, e1), (n2, e2)| (n1.max(n2), e1.min(e2)));
    let (nbf, exp) = match window {
        Some((n, e)) => (Some(n), Some(e)),
        None => (None, None),
    };
    if let Some(t) = nbf.and_then(rfc3339) {
        a.prop(props::NOT_BEFORE, t);
    }
    if let Some(t) = exp.and_then(rfc3339) {
        a.prop(props::EXPIRES_AT, t);
    }
    if exp.is_none() && !kind.starts_with("auth") {
        // no validity window: only an unseen discharge could limit it
        a.flag(Flag::LongLived);
    }
    window_flags(&mut a, &mut words, nbf, exp, policy, false);
    valid_at_commit(&mut a, commit_time, nbf, exp);
    a.summary = Some(format!("Fly.io {}", words.join(", ")));
    a
}

#[cfg(test)]
mod tests {
    use base64::Engine;
    use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};

    use super::*;
    use crate::decode::testutil::{Ctx, NOW, Rng};
    use crate::decode::{Context, Decoder};
    use rmpv::Value as Mp;

    fn assess_pypi(t: &str, ctx: &Context<'_>, p: &Policy) -> Assessment {
        crate::hygiene::assess(Some(Decoder::PypiMacaroon), t, ctx, p)
    }

    fn assess_fly(t: &str, ctx: &Context<'_>, p: &Policy) -> Assessment {
        crate::hygiene::assess(Some(Decoder::FlyioMacaroon), t, ctx, p)
    }

    fn varint(mut n: usize, out: &mut Vec<u8>) {
        loop {
            let b = (n & 0x7f) as u8;
            n >>= 7;
            if n == 0 {
                out.push(b);
                return;
            }
            out.push(b | 0x80);
        }
    }

    fn field(t: u8, d: &[u8], out: &mut Vec<u8>) {
        out.push(t);
        varint(d.len(), out);
        out.extend_from_slice(d);
    }

    fn pypi(caveats: &[&str], r: &mut Rng) -> String {
        let mut b = vec![2];
        field(1, b"pypi.org", &mut b);
        field(2, b"cca988aa-3781-47b2-a325-e4cfb764af4c", &mut b);
        b.push(0);
        for c in caveats {
            field(2, c.as_bytes(), &mut b);
            b.push(0);
        }
        b.push(0);
        field(6, &r.bytes(32), &mut b);
        format!("pypi-{}", URL_SAFE_NO_PAD.encode(b))
    }

    fn run_pypi(t: &str) -> Assessment {
        let c = Ctx::new(t, t);
        crate::hygiene::assess(Some(Decoder::PypiMacaroon), t, &c.ctx(), &Policy::new(NOW))
    }

    #[test]
    fn tokens_md_example_decodes() {
        let t = concat!(
            "pypi-",
            "AgEIcHlwaS5vcmcCJGNjYTk4OGFhLTM3ODEtNDdiMi1hMzI1LWU0Y2ZiNzY0YWY0YwACF1sxLFsiZXhhbXBsZS1wcm9qZWN0Il1dAAIsWzIsWyIxZTI4MDFjZC02OWRhLTQzMmUtOTU4ZS1jYzA1ZGQ1ZTQyOWQiXV0AAAYgu8ZTo1ZFdhHrERsTvu7HBAX9YsLgJlRbzWgqt2cElh4"
        );
        let a = run_pypi(t);
        assert_eq!(a.flags, ["non-expiring"]);
        assert_eq!(
            a.properties["projects"],
            serde_json::json!(["example-project"])
        );
        assert_eq!(
            a.properties["macaroon_id"],
            "cca988aa-3781-47b2-a325-e4cfb764af4c"
        );
    }

    #[test]
    fn user_wide_project_scoped_and_expiry() {
        let mut r = Rng(11);
        let a = run_pypi(&pypi(&[r#"{"version":1,"permissions":"user"}"#], &mut r));
        assert_eq!(a.flags, ["non-expiring", "over-scoped"]);
        assert!(a.summary.unwrap().contains("user-wide"));
        let a = run_pypi(&pypi(&["[3,\"u-1\"]", "[0,1717122825,1714530825]"], &mut r));
        assert_eq!(a.flags, ["expired", "over-scoped"]);
        let cav = format!("[0,{},{}]", NOW + 900, NOW);
        let a = run_pypi(&pypi(&[r#"[1,["demo"]]"#, &cav], &mut r));
        assert!(a.flags.is_empty(), "{:?}", a.flags);
        assert_eq!(a.properties["scope"], "project");
        let cav = format!(r#"{{"nbf":{},"exp":{}}}"#, NOW, NOW + 200 * 86400);
        let a = run_pypi(&pypi(
            &[r#"{"version":1,"permissions":{"projects":["x"]}}"#, &cav],
            &mut r,
        ));
        assert_eq!(a.flags, ["long-lived"]);
    }

    #[test]
    fn malformed_macaroons_are_not_decodable() {
        let mut r = Rng(12);
        let good = pypi(&[r#"[1,["demo"]]"#], &mut r);
        let bytes = URL_SAFE_NO_PAD.decode(&good[5..]).unwrap();
        let c = Ctx::new("x", "x");
        let p = Policy::new(NOW);
        for n in 0..bytes.len() {
            let t = format!("pypi-{}", URL_SAFE_NO_PAD.encode(&bytes[..n]));
            let a = assess_pypi(&t, &c.ctx(), &p);
            assert_eq!(a.properties["decoded"], false, "truncated at {n}");
        }
        for bad in ["pypi-!!!!", "pypi-", "npm_xyz", "pypi-AAAA", "pypi-Ag"] {
            assert_eq!(assess_pypi(bad, &c.ctx(), &p).properties["decoded"], false);
        }
        // huge varint length
        let t = format!(
            "pypi-{}",
            URL_SAFE_NO_PAD.encode([2u8, 1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f])
        );
        assert_eq!(assess_pypi(&t, &c.ctx(), &p).properties["decoded"], false);
    }

    fn mp(v: &Mp) -> Vec<u8> {
        let mut out = Vec::new();
        rmpv::encode::write_value(&mut out, v).unwrap();
        out
    }

    fn fly(caveats: Vec<Mp>, r: &mut Rng) -> String {
        let nonce = Mp::Array(vec![
            Mp::Binary(r.bytes(8)),
            Mp::Binary(r.bytes(16)),
            Mp::Boolean(true),
        ]);
        let tok = Mp::Array(vec![
            nonce,
            Mp::from("https://api.fly.io/v1"),
            Mp::Array(caveats),
            Mp::Binary(r.bytes(32)),
        ]);
        format!("FlyV1 fm2_{}", STANDARD.encode(mp(&tok)))
    }

    fn run_fly(t: &str) -> Assessment {
        let c = Ctx::new(t, t);
        crate::hygiene::assess(Some(Decoder::FlyioMacaroon), t, &c.ctx(), &Policy::new(NOW))
    }

    fn org(id: u64, mask: u64) -> Vec<Mp> {
        vec![Mp::from(0), Mp::Array(vec![Mp::from(id), Mp::from(mask)])]
    }

    fn window(nb: i64, na: i64) -> Vec<Mp> {
        vec![Mp::from(4), Mp::Array(vec![Mp::from(nb), Mp::from(na)])]
    }

    fn apps(ids: &[(u64, u64)]) -> Vec<Mp> {
        let m = ids
            .iter()
            .map(|&(i, m)| (Mp::from(i), Mp::from(m)))
            .collect();
        vec![Mp::from(3), Mp::Array(vec![Mp::Map(m)])]
    }

    #[test]
    fn fly_kinds_and_windows() {
        let mut r = Rng(13);
        let t = fly(
            [
                org(123456, 31),
                apps(&[(987654, 31)]),
                window(1767225600, 2397945600),
            ]
            .concat(),
            &mut r,
        );
        let a = run_fly(&t);
        assert_eq!(a.properties["token_kind"], "single-app deploy");
        assert_eq!(a.flags, ["long-lived"]);
        assert_eq!(a.properties["org_id"], 123456);
        let t = fly(
            [
                org(1, 31),
                vec![
                    Mp::from(11),
                    Mp::Array(vec![
                        Mp::from("https://api.fly.io/aaa/v1"),
                        Mp::Binary(vec![1]),
                        Mp::Binary(vec![2]),
                    ]),
                ],
            ]
            .concat(),
            &mut r,
        );
        let a = run_fly(&t);
        assert_eq!(a.properties["token_kind"], "organization-wide");
        assert_eq!(a.flags, ["long-lived", "over-scoped"]);
        let a = run_fly(&fly(
            [org(1, 1), window(NOW - 100, NOW + 3600)].concat(),
            &mut r,
        ));
        assert_eq!(a.properties["token_kind"], "read-only");
        assert!(a.flags.is_empty(), "{:?}", a.flags);
        let a = run_fly(&fly(
            [org(1, 31), window(NOW - 7200, NOW - 3600)].concat(),
            &mut r,
        ));
        assert_eq!(a.flags, ["expired", "over-scoped"]);
        let cmds = vec![
            Mp::from(27),
            Mp::Array(vec![Mp::Array(vec![
                Mp::Array(vec![Mp::from("uptime")]),
                Mp::Boolean(true),
            ])]),
        ];
        let a = run_fly(&fly([org(1, 31), apps(&[(5, 31)]), cmds].concat(), &mut r));
        assert_eq!(a.properties["token_kind"], "machine-exec");
        let lfsc = vec![
            Mp::from(16),
            Mp::Array(vec![Mp::Map(vec![(Mp::from("c1"), Mp::from(31))])]),
        ];
        let a = run_fly(&fly([org(1, 31), lfsc].concat(), &mut r));
        assert_eq!(a.properties["token_kind"], "LiteFS Cloud");
        let ssh = vec![
            Mp::from(5),
            Mp::Array(vec![Mp::Map(vec![(Mp::from("ssh"), Mp::from(31))])]),
        ];
        let a = run_fly(&fly([org(1, 31), apps(&[(5, 31)]), ssh].concat(), &mut r));
        assert_eq!(a.properties["token_kind"], "SSH");
        let a = run_fly(&fly([org(1, 31), apps(&[(0, 31)])].concat(), &mut r));
        assert!(a.flags.contains(&"over-scoped".to_string()));
    }

    fn fly_at(location: &str, caveats: Vec<Mp>, r: &mut Rng) -> String {
        let nonce = Mp::Array(vec![
            Mp::Binary(r.bytes(8)),
            Mp::Binary(r.bytes(16)),
            Mp::Boolean(true),
        ]);
        let tok = Mp::Array(vec![
            nonce,
            Mp::from(location),
            Mp::Array(caveats),
            Mp::Binary(r.bytes(32)),
        ]);
        format!("fm2_{}", STANDARD.encode(mp(&tok)))
    }

    /// `flyctl tokens create deploy`: the app scope sits in an IfPresent caveat
    /// (`[[3, [{app: 31}], …], else 1]`), not in a top-level Apps caveat.
    fn if_present_app(app: u64) -> Vec<Mp> {
        vec![
            Mp::from(13),
            Mp::Array(vec![
                Mp::Array(vec![
                    Mp::from(3),
                    Mp::Array(vec![Mp::Map(vec![(Mp::from(app), Mp::from(31))])]),
                ]),
                Mp::from(1),
            ]),
        ]
    }

    #[test]
    fn fly_bundles_decode_every_token_in_either_order() {
        let mut r = Rng(17);
        let third_party = vec![
            Mp::from(11),
            Mp::Array(vec![
                Mp::from("https://api.fly.io/aaa/v1"),
                Mp::Binary(vec![1]),
                Mp::Binary(vec![2]),
            ]),
        ];
        let perm = fly_at(
            "https://api.fly.io/v1",
            [org(42, 31), third_party].concat(),
            &mut r,
        );
        // the discharge carries the only validity window: 20 days, already over
        let discharge = fly_at(
            "https://api.fly.io/aaa/v1",
            window(NOW - 30 * 86400, NOW - 10 * 86400),
            &mut r,
        );
        for bundle in [
            format!("FlyV1 {perm},{discharge}"),
            format!("FlyV1 {discharge},{perm}"),
            format!("{perm}{discharge}"),
        ] {
            let a = run_fly(&bundle);
            assert_eq!(a.properties["token_kind"], "organization-wide", "{bundle}");
            assert_eq!(a.properties["discharge_tokens"], 1);
            assert_eq!(a.flags, ["expired", "over-scoped"], "{bundle}");
            assert!(a.properties.contains_key("expires_at"));
        }
        // without the discharge nothing limits it
        assert_eq!(run_fly(&perm).flags, ["long-lived", "over-scoped"]);
    }

    #[test]
    fn fly_deploy_tokens_are_single_app_from_the_if_present_caveat() {
        let mut r = Rng(18);
        let perm = fly_at(
            "https://api.fly.io/v1",
            [org(42, 31), if_present_app(17546563)].concat(),
            &mut r,
        );
        let discharge = fly_at(
            "https://api.fly.io/aaa/v1",
            window(NOW - 86400, NOW + 36500 * 86400),
            &mut r,
        );
        let a = run_fly(&format!("FlyV1 {perm},{discharge}"));
        assert_eq!(a.properties["token_kind"], "single-app deploy");
        assert_eq!(a.properties["app_ids"], serde_json::json!([17546563]));
        assert_eq!(a.flags, ["long-lived"]);
    }

    #[test]
    fn malformed_fly_tokens_are_not_decodable() {
        let mut r = Rng(14);
        let c = Ctx::new("x", "x");
        let p = Policy::new(NOW);
        let good = fly([org(1, 31), window(1, 2)].concat(), &mut r);
        let bytes = STANDARD.decode(&good[10..]).unwrap();
        for n in 0..bytes.len() {
            let t = format!("fm2_{}", STANDARD.encode(&bytes[..n]));
            assert_eq!(
                assess_fly(&t, &c.ctx(), &p).properties["decoded"],
                false,
                "{n}"
            );
        }
        for bad in [
            "fm2_!!!",
            "fo1_abc",
            "FlyV1 fm2_",
            &format!("fm2_{}", STANDARD.encode(r.bytes(120))),
        ] {
            assert_eq!(
                assess_fly(bad, &c.ctx(), &p).properties["decoded"],
                false,
                "{bad}"
            );
        }
    }
}
