//! Decoder (step 5) for JSON Web Tokens (tokens.md §9, §10): header `alg`/`typ`/`kid` and the
//! registered claims, classified as a Kubernetes legacy or bound service-account token, an OIDC
//! ID token, an RFC 9068 access token or a generic JWT. The signature is never checked or kept.

use serde_json::{Map, Value};

use super::{human_duration, not_decodable, rfc3339, valid_at_commit};
use crate::codec::b64url_decode;
use crate::hygiene::{Assessment, Context, Policy};

/// One year in seconds: the extended kubelet token lifetime (`24*365*60*60`).
const K8S_EXTENDED: i64 = 31_536_000;
/// What the kubelet requests for `kube-api-access-*` volumes (`warnafter = iat + 3607`).
const K8S_KUBELET_REQUEST: i64 = 3607;

/// A decoded JWT: header and claims (the signature is dropped).
#[derive(Debug, Clone)]
pub struct Jwt {
    /// JOSE header.
    pub header: Map<String, Value>,
    /// Claims set.
    pub claims: Map<String, Value>,
    /// The signature part is empty (an unsigned token).
    pub unsigned: bool,
}

/// What kind of JWT a token is, from its claims and header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `iss: kubernetes/serviceaccount`: a secret-based token that never expires.
    K8sLegacy,
    /// A TokenRequest / projected token with the `kubernetes.io` claim.
    K8sBound,
    /// An OIDC ID token (`nonce`, `at_hash`, `c_hash`).
    IdToken,
    /// An OAuth access token (RFC 9068 `typ: at+jwt`, or scope/client claims).
    AccessToken,
    /// Anything else.
    Generic,
}

impl Kind {
    /// Property spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::K8sLegacy => "kubernetes-legacy-service-account-token",
            Kind::K8sBound => "kubernetes-bound-service-account-token",
            Kind::IdToken => "oidc-id-token",
            Kind::AccessToken => "oauth-access-token",
            Kind::Generic => "jwt",
        }
    }
}

/// Does `s` look like a compact JWS (`eyJ….eyJ….…`)?
pub fn looks_like_jwt(s: &str) -> bool {
    let s = s.trim();
    s.starts_with("eyJ")
        && s.split('.').count() == 3
        && s.split('.').nth(1).is_some_and(|p| p.starts_with("eyJ"))
}

fn json_part(part: &str) -> Result<Map<String, Value>, &'static str> {
    let bytes = b64url_decode(part.trim_end_matches('=')).ok_or("bad base64url")?;
    match serde_json::from_slice::<Value>(&bytes) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err("not a JSON object"),
        Err(_) => Err("not JSON"),
    }
}

/// Decode a compact JWT (a `Bearer ` prefix and surrounding quotes/space are tolerated).
pub fn parse(token: &str) -> Result<Jwt, &'static str> {
    let t = token.trim().trim_matches(|c| c == '"' || c == '\'');
    let t = t.strip_prefix("Bearer ").unwrap_or(t).trim();
    let parts: Vec<&str> = t.split('.').collect();
    match parts.len() {
        3 => {}
        5 => return Err("JWE (encrypted JWT), opaque"),
        _ => return Err("not three dot-separated parts"),
    }
    let header = json_part(parts[0]).map_err(|e| match e {
        "bad base64url" => "header is not base64url",
        _ => "header is not a JSON object",
    })?;
    let claims = json_part(parts[1]).map_err(|e| match e {
        "bad base64url" => "payload is not base64url",
        _ => "payload is not a JSON object",
    })?;
    Ok(Jwt {
        header,
        claims,
        unsigned: parts[2].is_empty(),
    })
}

fn num(v: Option<&Value>) -> Option<i64> {
    match v? {
        Value::Number(n) => n
            .as_i64()
            .or_else(|| n.as_f64().filter(|f| f.is_finite()).map(|f| f as i64)),
        _ => None,
    }
}

fn string<'a>(m: &'a Map<String, Value>, k: &str) -> Option<&'a str> {
    m.get(k).and_then(Value::as_str)
}

/// Space-separated string or array of strings.
fn words(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::String(s)) => s.split_whitespace().map(str::to_string).collect(),
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(Value::as_str)
            .flat_map(|s| s.split_whitespace())
            .map(str::to_string)
            .collect(),
        _ => Vec::new(),
    }
}

fn has_audience(v: Option<&Value>) -> bool {
    match v {
        Some(Value::String(s)) => !s.trim().is_empty(),
        Some(Value::Array(a)) => a
            .iter()
            .any(|x| x.as_str().is_some_and(|s| !s.trim().is_empty())),
        _ => false,
    }
}

impl Jwt {
    /// Classify the token.
    pub fn kind(&self) -> Kind {
        let c = &self.claims;
        if string(c, "iss") == Some("kubernetes/serviceaccount")
            || c.keys()
                .any(|k| k.starts_with("kubernetes.io/serviceaccount/"))
        {
            return Kind::K8sLegacy;
        }
        if c.get("kubernetes.io").is_some_and(Value::is_object) {
            return Kind::K8sBound;
        }
        let typ = string(&self.header, "typ")
            .unwrap_or("")
            .to_ascii_lowercase();
        if typ == "at+jwt" || typ == "application/at+jwt" {
            return Kind::AccessToken;
        }
        if ["nonce", "at_hash", "c_hash"]
            .iter()
            .any(|k| c.contains_key(*k))
        {
            return Kind::IdToken;
        }
        if ["scope", "scp", "roles", "client_id"]
            .iter()
            .any(|k| c.contains_key(*k))
        {
            return Kind::AccessToken;
        }
        Kind::Generic
    }

    /// `(namespace, service account)` of a Kubernetes token.
    pub fn k8s_identity(&self) -> Option<(String, String)> {
        let c = &self.claims;
        if let Some(k) = c.get("kubernetes.io").and_then(Value::as_object) {
            let ns = k.get("namespace").and_then(Value::as_str)?;
            let sa = k
                .get("serviceaccount")
                .and_then(|s| s.get("name"))
                .and_then(Value::as_str)
                .unwrap_or("?");
            return Some((ns.into(), sa.into()));
        }
        if let (Some(ns), Some(sa)) = (
            string(c, "kubernetes.io/serviceaccount/namespace"),
            string(c, "kubernetes.io/serviceaccount/service-account.name"),
        ) {
            return Some((ns.into(), sa.into()));
        }
        let sub = string(c, "sub")?;
        let rest = sub.strip_prefix("system:serviceaccount:")?;
        let (ns, sa) = rest.split_once(':')?;
        Some((ns.into(), sa.into()))
    }
}

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

/// Decode and judge a JWT.
pub fn assess(secret: &str, ctx: &Context<'_>, policy: &Policy) -> Assessment {
    match parse(secret) {
        Ok(jwt) => judge(&jwt, ctx, policy),
        Err(why) => not_decodable("JWT", why),
    }
}

/// Judge a decoded JWT under `policy`.
pub fn judge(jwt: &Jwt, ctx: &Context<'_>, policy: &Policy) -> Assessment {
    let mut a = Assessment::default();
    let (h, c) = (&jwt.header, &jwt.claims);
    let kind = jwt.kind();
    let p = &mut a.properties;
    p.insert("token_kind".into(), kind.as_str().into());
    for (k, name) in [("alg", "alg"), ("typ", "typ"), ("kid", "kid")] {
        if let Some(v) = string(h, k) {
            p.insert(name.into(), v.into());
        }
    }
    for (k, name) in [
        ("iss", "issuer"),
        ("sub", "subject"),
        ("azp", "azp"),
        ("client_id", "client_id"),
        ("tid", "tenant_id"),
        ("appid", "app_id"),
    ] {
        if let Some(v) = string(c, k) {
            p.insert(name.into(), v.into());
        }
    }
    if let Some(aud) = c.get("aud").filter(|v| v.is_string() || v.is_array()) {
        p.insert("audience".into(), aud.clone());
    }
    let exp = num(c.get("exp"));
    let iat = num(c.get("iat"));
    let nbf = num(c.get("nbf"));
    for (v, name) in [(exp, "expires_at"), (iat, "issued_at"), (nbf, "not_before")] {
        if let Some(t) = v.and_then(rfc3339) {
            p.insert(name.into(), t.into());
        }
    }
    let scopes: Vec<String> = words(c.get("scope"))
        .into_iter()
        .chain(words(c.get("scp")))
        .collect();
    if !scopes.is_empty() {
        p.insert("scopes".into(), scopes.clone().into());
    }
    let roles = words(c.get("roles"));
    if !roles.is_empty() {
        p.insert("roles".into(), roles.clone().into());
    }
    if c.contains_key("nonce") {
        p.insert("has_nonce".into(), true.into());
    }

    let mut words_out: Vec<String> = Vec::new();
    let mut flags: Vec<String> = Vec::new();

    // alg
    let alg = string(h, "alg").unwrap_or("");
    if alg.eq_ignore_ascii_case("none") {
        flags.push("alg-none".into());
        words_out.push("unsigned (alg none)".into());
    }
    let iss = string(c, "iss").unwrap_or("");
    if ["jku", "x5u", "jwk"].iter().any(|k| h.contains_key(*k))
        || (alg.len() >= 2 && alg[..2].eq_ignore_ascii_case("HS") && public_idp(iss))
    {
        flags.push("weak-alg".into());
    }

    // lifetime
    let start = iat.or(nbf).or(ctx.commit_time);
    match exp {
        None => {
            flags.push("non-expiring".into());
            words_out.push("never expires".into());
        }
        Some(e) => {
            if let Some(s) = start {
                let life = e.saturating_sub(s);
                a.properties.insert("lifetime_seconds".into(), life.into());
                if life > policy.max_jwt_lifetime {
                    flags.push("long-lived".into());
                    words_out.push(format!("valid {}", human_duration(life)));
                }
            }
            let when = rfc3339(e).unwrap_or_else(|| e.to_string());
            if e < policy.now {
                flags.push("expired".into());
                words_out.push(format!("expired {when}"));
            } else {
                words_out.push(format!("expires {when}"));
            }
        }
    }

    // audience and scope
    if !has_audience(c.get("aud")) {
        flags.push("no-audience".into());
        flags.push("over-scoped".into());
        words_out.push("no audience".into());
    }
    if let Some(s) = scopes.iter().find(|s| over_scoped_scope(s)) {
        flags.push("over-scoped".into());
        words_out.push(format!("scope {s}"));
    }
    if scopes.iter().chain(roles.iter()).any(|s| high_privilege(s)) {
        flags.push("high-privilege-scope".into());
    }

    // kind-specific
    let mut head = match kind {
        Kind::K8sLegacy | Kind::K8sBound => {
            let who = jwt
                .k8s_identity()
                .map(|(ns, sa)| {
                    a.properties.insert("namespace".into(), ns.clone().into());
                    a.properties
                        .insert("service_account".into(), sa.clone().into());
                    if ns == "kube-system" || sa.to_ascii_lowercase().contains("admin") {
                        flags.push("privileged-service-account".into());
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
    match kind {
        Kind::K8sLegacy => {
            flags.push("legacy-service-account-token".into());
            if let Some(s) = string(c, "kubernetes.io/serviceaccount/secret.name") {
                a.properties.insert("secret_name".into(), s.into());
            }
            words_out.insert(0, "legacy secret-based token".into());
        }
        Kind::K8sBound => {
            let k = c.get("kubernetes.io").and_then(Value::as_object);
            let bound = |what: &str| {
                k.and_then(|k| k.get(what))
                    .and_then(|o| o.get("name"))
                    .and_then(Value::as_str)
                    .map(str::to_string)
            };
            for what in ["pod", "node", "secret"] {
                if let Some(n) = bound(what) {
                    a.properties.insert(what.into(), n.into());
                }
            }
            let warnafter = k.and_then(|k| num(k.get("warnafter")));
            if let Some(w) = warnafter {
                if let Some(t) = rfc3339(w) {
                    a.properties.insert("warnafter".into(), t.into());
                }
                if let (Some(e), Some(i)) = (exp, iat)
                    && (e - i - K8S_EXTENDED).abs() <= 86400
                    && (w - i - K8S_KUBELET_REQUEST).abs() <= 60
                {
                    flags.push("extended-expiry".into());
                    a.properties
                        .insert("extended_kubelet_token".into(), true.into());
                    words_out.insert(0, "kubelet token extended to 1 year".into());
                }
            }
            let binding = match (bound("pod"), bound("secret")) {
                (Some(p), _) => format!("bound to pod {p}"),
                (None, Some(s)) => format!("bound to secret {s}"),
                _ => "bound token".into(),
            };
            words_out.insert(0, binding);
        }
        Kind::IdToken => {
            flags.push("id-token-exposed".into());
        }
        _ => {}
    }
    if jwt.unsigned && !alg.eq_ignore_ascii_case("none") {
        a.properties.insert("signature".into(), "empty".into());
    }
    valid_at_commit(&mut a, ctx, nbf.or(iat), exp);
    a.flags = flags;
    a.summary = Some(format!("{head}: {}", words_out.join(", ")));
    a
}

#[cfg(test)]
mod tests {
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use serde_json::json;

    use super::*;
    use crate::decode::testutil::{Ctx, NOW, Rng};

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
        crate::decode::order_flags(&mut a.flags);
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
