//! Verdicts on JWT facts (tokens.md §9, §10): lifetime, audience, scope, algorithm, and the
//! Kubernetes legacy / bound / extended-expiry cases.

use super::{Assessment, Flag, Policy, props, valid_at_commit};
use crate::decode::human_duration;
use crate::decode::jwt::{JwtFacts, Kind};
use crate::decode::rfc3339;

/// One year in seconds: the extended kubelet token lifetime (`24*365*60*60`).
const K8S_EXTENDED: i64 = 31_536_000;
/// What the kubelet requests for `kube-api-access-*` volumes (`warnafter = iat + 3607`).
const K8S_KUBELET_REQUEST: i64 = 3607;

/// Issuers whose tokens are signed with asymmetric keys: `HS*` from them is suspicious.
fn public_idp(iss: &str) -> bool {
    [
        "https://accounts.google.com",
        "https://login.microsoftonline.com/",
        "https://sts.windows.net/",
        "https://token.actions.githubusercontent.com",
        "https://oidc.eks.",
        "https://container.googleapis.com/",
        "https://gitlab.com",
        "https://cognito-idp.",
    ]
    .iter()
    .any(|p| iss.starts_with(p))
}

/// Scopes the default policy calls over-scoped: any scope with a wildcard (`*`, `repo:*`,
/// `api://default/*`), `write:all`, or any scope naming admin.
fn over_scoped_scope(s: &str) -> bool {
    s.contains('*')
        || s.eq_ignore_ascii_case("write:all")
        || s.to_ascii_lowercase().contains("admin")
}

/// Entra / Graph permissions that are high-privilege (reported beside the policy flags).
fn high_privilege(s: &str) -> bool {
    s.ends_with(".ReadWrite.All")
        || s == "full_access_as_app"
        || s == "user_impersonation"
        || s == "RoleManagement.ReadWrite.Directory"
}

/// The property spelling of a JWT kind.
pub(super) fn kind_name(k: Kind) -> &'static str {
    k.as_str()
}

/// Judge a decoded JWT under `policy`.
pub(super) fn judge(f: &JwtFacts, commit_time: Option<i64>, policy: &Policy) -> Assessment {
    let mut a = Assessment::default();
    let kind = f.kind;
    a.prop(props::TOKEN_KIND, kind_name(kind));
    for (v, key) in [
        (&f.alg, props::ALG),
        (&f.typ, props::TYP),
        (&f.kid, props::KID),
        (&f.issuer, props::ISSUER),
        (&f.subject, props::SUBJECT),
        (&f.azp, props::AZP),
        (&f.client_id, props::CLIENT_ID),
        (&f.tenant_id, props::TENANT_ID),
        (&f.app_id, props::APP_ID),
    ] {
        if let Some(v) = v {
            a.prop(key, v.as_str());
        }
    }
    if let Some(aud) = &f.audience {
        a.prop(props::AUDIENCE, aud.clone());
    }
    let (exp, iat, nbf) = (f.expires, f.issued_at, f.not_before);
    for (v, key) in [
        (exp, props::EXPIRES_AT),
        (iat, props::ISSUED_AT),
        (nbf, props::NOT_BEFORE),
    ] {
        if let Some(t) = v.and_then(rfc3339) {
            a.prop(key, t);
        }
    }
    if !f.scopes.is_empty() {
        a.prop(props::SCOPES, f.scopes.clone());
    }
    if !f.roles.is_empty() {
        a.prop(props::ROLES, f.roles.clone());
    }
    if f.has_nonce {
        a.prop(props::HAS_NONCE, true);
    }

    let mut words_out: Vec<String> = Vec::new();

    // alg
    let alg = f.alg.as_deref().unwrap_or("");
    if alg.eq_ignore_ascii_case("none") {
        a.flag(Flag::AlgNone);
        words_out.push("unsigned (alg none)".into());
    }
    let iss = f.issuer.as_deref().unwrap_or("");
    if f.key_in_header || (alg.len() >= 2 && alg[..2].eq_ignore_ascii_case("HS") && public_idp(iss))
    {
        a.flag(Flag::WeakAlg);
    }

    // lifetime
    let start = iat.or(nbf).or(commit_time);
    match exp {
        None => {
            a.flag(Flag::NonExpiring);
            words_out.push("never expires".into());
        }
        Some(e) => {
            if let Some(s) = start {
                let life = e.saturating_sub(s);
                a.prop(props::LIFETIME_SECONDS, life);
                if life > policy.max_jwt_lifetime {
                    a.flag(Flag::LongLived);
                    words_out.push(format!("valid {}", human_duration(life)));
                }
            }
            let when = rfc3339(e).unwrap_or_else(|| e.to_string());
            if e < policy.now {
                a.flag(Flag::Expired);
                words_out.push(format!("expired {when}"));
            } else {
                words_out.push(format!("expires {when}"));
            }
        }
    }

    // audience and scope
    if !f.has_audience {
        a.flag(Flag::NoAudience);
        a.flag(Flag::OverScoped);
        words_out.push("no audience".into());
    }
    if let Some(s) = f.scopes.iter().find(|s| over_scoped_scope(s)) {
        a.flag(Flag::OverScoped);
        words_out.push(format!("scope {s}"));
    }
    if f.scopes
        .iter()
        .chain(f.roles.iter())
        .any(|s| high_privilege(s))
    {
        a.flag(Flag::HighPrivilegeScope);
    }

    // kind-specific
    let mut head = match kind {
        Kind::K8sLegacy | Kind::K8sBound => {
            let who = f
                .k8s
                .as_ref()
                .and_then(|k| k.identity.as_ref())
                .map(|(ns, sa)| {
                    a.prop(props::NAMESPACE, ns.as_str());
                    a.prop(props::SERVICE_ACCOUNT, sa.as_str());
                    if ns == "kube-system" || sa.to_ascii_lowercase().contains("admin") {
                        a.flag(Flag::PrivilegedServiceAccount);
                    }
                    format!(" for {ns}/{sa}")
                })
                .unwrap_or_default();
            format!("Kubernetes service-account token{who}")
        }
        Kind::IdToken => "OIDC ID token".to_string(),
        Kind::AccessToken => "OAuth access token".to_string(),
        Kind::Generic => "JWT".to_string(),
    };
    if !iss.is_empty() && !matches!(kind, Kind::K8sLegacy | Kind::K8sBound) {
        head.push_str(&format!(" from {iss}"));
    }
    let k8s = f.k8s.clone().unwrap_or_default();
    match kind {
        Kind::K8sLegacy => {
            a.flag(Flag::LegacyServiceAccountToken);
            if let Some(s) = &k8s.secret_name {
                a.prop(props::SECRET_NAME, s.as_str());
            }
            words_out.insert(0, "legacy secret-based token".into());
        }
        Kind::K8sBound => {
            for (v, key) in [
                (&k8s.pod, props::POD),
                (&k8s.node, props::NODE),
                (&k8s.secret, props::SECRET),
            ] {
                if let Some(n) = v {
                    a.prop(key, n.as_str());
                }
            }
            if let Some(w) = k8s.warnafter {
                if let Some(t) = rfc3339(w) {
                    a.prop(props::WARNAFTER, t);
                }
                if let (Some(e), Some(i)) = (exp, iat)
                    && (e - i - K8S_EXTENDED).abs() <= 86400
                    && (w - i - K8S_KUBELET_REQUEST).abs() <= 60
                {
                    a.flag(Flag::ExtendedExpiry);
                    a.prop(props::EXTENDED_KUBELET_TOKEN, true);
                    words_out.insert(0, "kubelet token extended to 1 year".into());
                }
            }
            let binding = match (&k8s.pod, &k8s.secret) {
                (Some(p), _) => format!("bound to pod {p}"),
                (None, Some(s)) => format!("bound to secret {s}"),
                _ => "bound token".into(),
            };
            words_out.insert(0, binding);
        }
        Kind::IdToken => {
            a.flag(Flag::IdTokenExposed);
        }
        _ => {}
    }
    if f.unsigned && !alg.eq_ignore_ascii_case("none") {
        a.prop(props::SIGNATURE, "empty");
    }
    valid_at_commit(&mut a, commit_time, nbf.or(iat), exp);
    a.summary = Some(format!("{head}: {}", words_out.join(", ")));
    a
}

#[cfg(test)]
mod tests {
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use serde_json::json;

    use serde_json::Value;

    use super::*;
    use crate::decode::jwt::{Jwt, parse};
    use crate::decode::testutil::{Ctx, NOW, Rng};
    use crate::decode::{Context, Decoder};

    fn judge(j: &Jwt, ctx: &Context<'_>, p: &Policy) -> Assessment {
        super::judge(&j.facts(), ctx.commit_time, p)
    }

    fn assess(secret: &str, ctx: &Context<'_>, p: &Policy) -> Assessment {
        crate::hygiene::assess(Some(Decoder::Jwt), secret, ctx, p)
    }

    fn make(header: Value, claims: Value, rng: &mut Rng) -> String {
        let sig = URL_SAFE_NO_PAD.encode(rng.bytes(64));
        format!(
            "{}.{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string()),
            sig
        )
    }

    fn run(tok: &str) -> Assessment {
        let c = Ctx::new(&format!("token: {tok}\n"), tok);
        let mut a = judge(&parse(tok).unwrap(), &c.ctx(), &Policy::new(NOW));
        crate::hygiene::order_flags(&mut a.flags);
        a
    }

    #[test]
    fn legacy_service_account_token() {
        let mut r = Rng(1);
        let t = make(
            json!({"alg":"RS256","kid":"k1"}),
            json!({"iss":"kubernetes/serviceaccount",
                "kubernetes.io/serviceaccount/namespace":"kube-system",
                "kubernetes.io/serviceaccount/secret.name":"deployer-token-x1",
                "kubernetes.io/serviceaccount/service-account.name":"deployer",
                "kubernetes.io/serviceaccount/service-account.uid":"u",
                "sub":"system:serviceaccount:kube-system:deployer"}),
            &mut r,
        );
        let a = run(&t);
        assert_eq!(
            a.flags,
            [
                "non-expiring",
                "over-scoped",
                "legacy-service-account-token",
                "no-audience",
                "privileged-service-account"
            ]
        );
        assert_eq!(
            a.summary.as_deref(),
            Some(
                "Kubernetes service-account token for kube-system/deployer: legacy secret-based token, never expires, no audience"
            )
        );
        assert_eq!(a.properties["namespace"], "kube-system");
        assert_eq!(a.properties["secret_name"], "deployer-token-x1");
        assert!(
            !a.properties
                .values()
                .any(|v| v.as_str() == Some(t.as_str()))
        );
    }

    fn bound(iat: i64, life: i64, warn: Option<i64>, r: &mut Rng) -> String {
        let mut k = json!({"namespace":"payments","pod":{"name":"api-1","uid":"p"},
            "serviceaccount":{"name":"api","uid":"s"},"node":{"name":"n1","uid":"n"}});
        if let Some(w) = warn {
            k["warnafter"] = json!(w);
        }
        make(
            json!({"alg":"RS256","kid":"k"}),
            json!({"aud":["https://kubernetes.default.svc.cluster.local"],"exp":iat+life,"iat":iat,
                "nbf":iat,"iss":"https://kubernetes.default.svc.cluster.local","kubernetes.io":k,
                "sub":"system:serviceaccount:payments:api"}),
            r,
        )
    }

    #[test]
    fn bound_tokens_short_and_extended() {
        let mut r = Rng(2);
        let short = run(&bound(NOW + 100, 3600, None, &mut r));
        assert!(short.flags.is_empty(), "{:?}", short.flags);
        assert_eq!(short.properties["pod"], "api-1");
        let iat = NOW + 1000;
        let ext = run(&bound(iat, K8S_EXTENDED, Some(iat + 3607), &mut r));
        assert_eq!(ext.flags, ["long-lived", "extended-expiry"]);
        assert!(
            ext.summary
                .unwrap()
                .contains("kubelet token extended to 1 year")
        );
        let old = run(&bound(NOW - 10 * 86400, 3600, None, &mut r));
        assert_eq!(old.flags, ["expired"]);
    }

    #[test]
    fn id_token_versus_access_token() {
        let mut r = Rng(3);
        let id = make(
            json!({"alg":"RS256","typ":"JWT"}),
            json!({"iss":"https://accounts.example","aud":"client-1","azp":"client-1","sub":"42",
                "nonce":"n","iat":NOW+10,"exp":NOW+3610}),
            &mut r,
        );
        let a = run(&id);
        assert_eq!(a.properties["token_kind"], "oidc-id-token");
        assert_eq!(a.flags, ["id-token-exposed"]);
        let at = make(
            json!({"alg":"RS256","typ":"at+jwt"}),
            json!({"iss":"https://auth.example/","aud":"https://api.example","client_id":"c",
                "scope":"read:a write:all","iat":NOW,"exp":NOW+30*86400}),
            &mut r,
        );
        let a = run(&at);
        assert_eq!(a.properties["token_kind"], "oauth-access-token");
        assert_eq!(a.flags, ["long-lived", "over-scoped"]);
        assert_eq!(a.properties["scopes"], json!(["read:a", "write:all"]));
    }

    #[test]
    fn scp_arrays_admin_and_star() {
        let mut r = Rng(4);
        for (scp, over) in [
            (json!(["Directory.admin", "Files.ReadWrite"]), true),
            (json!(["Files.Read", "User.Read"]), false),
            (json!("*"), true),
            (json!(["api://default/*"]), true),
            (json!(["orders:read", "repo:*"]), true),
        ] {
            let t = make(
                json!({"alg":"RS256"}),
                json!({"aud":"x","scp":scp,"iat":NOW,"exp":NOW+600}),
                &mut r,
            );
            assert_eq!(run(&t).flags.contains(&"over-scoped".to_string()), over);
        }
    }

    #[test]
    fn alg_none_no_exp_no_aud() {
        let mut r = Rng(5);
        let t = format!(
            "{}.{}.",
            URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#),
            URL_SAFE_NO_PAD.encode(r#"{"sub":"bob","aud":"x","iat":1,"exp":2}"#)
        );
        assert_eq!(run(&t).flags, ["expired", "alg-none"]);
        let t = make(
            json!({"alg":"HS256"}),
            json!({"sub":"svc","iat":NOW}),
            &mut r,
        );
        assert_eq!(
            run(&t).flags,
            ["non-expiring", "over-scoped", "no-audience"]
        );
        let t = make(
            json!({"alg":"HS256","jku":"https://x"}),
            json!({"aud":"a","exp":NOW+60}),
            &mut r,
        );
        assert_eq!(run(&t).flags, ["weak-alg"]);
    }

    #[test]
    fn valid_at_commit_in_history() {
        let mut r = Rng(6);
        let t = make(
            json!({"alg":"RS256"}),
            json!({"aud":"a","iat":1000,"exp":5000}),
            &mut r,
        );
        let mut c = Ctx::new(&t, &t);
        c.commit_time = Some(2000);
        let a = judge(&parse(&t).unwrap(), &c.ctx(), &Policy::new(NOW));
        assert_eq!(a.properties["valid_at_commit"], true);
        c.commit_time = Some(6000);
        let a = judge(&parse(&t).unwrap(), &c.ctx(), &Policy::new(NOW));
        assert_eq!(a.properties["valid_at_commit"], false);
        assert_eq!(a.properties["at_commit"], "already expired");
        c.commit_time = Some(500);
        let a = judge(&parse(&t).unwrap(), &c.ctx(), &Policy::new(NOW));
        assert_eq!(a.properties["at_commit"], "not yet valid");
    }

    #[test]
    fn malformed_tokens_are_not_decodable() {
        let c = Ctx::new("x", "x");
        let p = Policy::new(NOW);
        for bad in [
            "eyJ!!!.eyJ.sig",
            "eyJhbGciOiJub25lIn0.bm90IGpzb24.sig",
            "eyJhbGciOiJub25lIn0.WzEsMl0.sig",
            "a.b.c.d.e",
            "onlyone",
            "",
            "eyJhbGciOiJub25lIn0.eyJ",
        ] {
            let a = assess(bad, &c.ctx(), &p);
            assert_eq!(a.properties["decoded"], false, "{bad}");
            assert!(a.flags.is_empty());
        }
    }

    #[test]
    fn random_and_mutated_input_never_panics() {
        let mut r = Rng(7);
        let good = bound(NOW, 3600, Some(NOW + 3607), &mut r);
        let c = Ctx::new("x", "x");
        let p = Policy::new(NOW);
        for i in 0..3000 {
            let mut b = good.clone().into_bytes();
            let n = (r.next() % 4 + 1) as usize;
            for _ in 0..n {
                let at = (r.next() as usize) % b.len();
                b[at] = r.next() as u8;
            }
            b.truncate(b.len() - (i % 7));
            let s = String::from_utf8_lossy(&b);
            let _ = assess(&s, &c.ctx(), &p);
        }
    }
}
