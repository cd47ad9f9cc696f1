//! Decoder (step 5) for JSON Web Tokens (tokens.md §9, §10): header `alg`/`typ`/`kid` and the
//! registered claims, classified as a Kubernetes legacy or bound service-account token, an OIDC
//! ID token, an RFC 9068 access token or a generic JWT. The signature is never checked or kept.

use serde_json::{Map, Value};

use super::Facts;
use crate::codec::b64url_decode;

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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
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
    #[default]
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

/// What a JWT says about itself: the header and registered claims the policy looks at.
#[derive(Debug, Clone, Default)]
pub struct JwtFacts {
    /// What kind of token the claims make it.
    pub kind: Kind,
    /// Header `alg`, `typ`, `kid`.
    pub alg: Option<String>,
    /// Header `typ`.
    pub typ: Option<String>,
    /// Header `kid`.
    pub kid: Option<String>,
    /// The header names a key location or embeds a key (`jku`, `x5u`, `jwk`).
    pub key_in_header: bool,
    /// `iss`.
    pub issuer: Option<String>,
    /// `sub`.
    pub subject: Option<String>,
    /// `azp`.
    pub azp: Option<String>,
    /// `client_id`.
    pub client_id: Option<String>,
    /// `tid` (Entra tenant).
    pub tenant_id: Option<String>,
    /// `appid` (Entra).
    pub app_id: Option<String>,
    /// `aud` as written (a string or an array).
    pub audience: Option<Value>,
    /// `aud` names at least one non-empty audience.
    pub has_audience: bool,
    /// `exp`, `iat`, `nbf` (Unix seconds).
    pub expires: Option<i64>,
    /// `iat`.
    pub issued_at: Option<i64>,
    /// `nbf`.
    pub not_before: Option<i64>,
    /// `scope` and `scp` words.
    pub scopes: Vec<String>,
    /// `roles`.
    pub roles: Vec<String>,
    /// A `nonce` claim is present.
    pub has_nonce: bool,
    /// The signature part is empty.
    pub unsigned: bool,
    /// Kubernetes service-account facts (legacy and bound tokens).
    pub k8s: Option<K8sFacts>,
}

/// What a Kubernetes service-account JWT names.
#[derive(Debug, Clone, Default)]
pub struct K8sFacts {
    /// `(namespace, service account)`.
    pub identity: Option<(String, String)>,
    /// Legacy tokens: the Secret holding the token.
    pub secret_name: Option<String>,
    /// Bound tokens: the pod, node and secret they are bound to.
    pub pod: Option<String>,
    /// Bound node.
    pub node: Option<String>,
    /// Bound secret.
    pub secret: Option<String>,
    /// `kubernetes.io.warnafter` (Unix seconds).
    pub warnafter: Option<i64>,
}

/// Decode a JWT into [`Facts`].
pub fn facts(secret: &str) -> Facts {
    match parse(secret) {
        Ok(jwt) => Facts::Jwt(Box::new(jwt.facts())),
        Err(why) => Facts::Undecodable {
            what: "JWT",
            why: why.into(),
        },
    }
}

impl Jwt {
    /// The typed facts of this token.
    pub fn facts(&self) -> JwtFacts {
        let (h, c) = (&self.header, &self.claims);
        let kind = self.kind();
        let s = |m: &Map<String, Value>, k: &str| string(m, k).map(str::to_string);
        let k8s = matches!(kind, Kind::K8sLegacy | Kind::K8sBound).then(|| {
            let k = c.get("kubernetes.io").and_then(Value::as_object);
            let bound = |what: &str| {
                k.and_then(|k| k.get(what))
                    .and_then(|o| o.get("name"))
                    .and_then(Value::as_str)
                    .map(str::to_string)
            };
            K8sFacts {
                identity: self.k8s_identity(),
                secret_name: s(c, "kubernetes.io/serviceaccount/secret.name"),
                pod: bound("pod"),
                node: bound("node"),
                secret: bound("secret"),
                warnafter: k.and_then(|k| num(k.get("warnafter"))),
            }
        });
        JwtFacts {
            kind,
            alg: s(h, "alg"),
            typ: s(h, "typ"),
            kid: s(h, "kid"),
            key_in_header: ["jku", "x5u", "jwk"].iter().any(|k| h.contains_key(*k)),
            issuer: s(c, "iss"),
            subject: s(c, "sub"),
            azp: s(c, "azp"),
            client_id: s(c, "client_id"),
            tenant_id: s(c, "tid"),
            app_id: s(c, "appid"),
            audience: c
                .get("aud")
                .filter(|v| v.is_string() || v.is_array())
                .cloned(),
            has_audience: has_audience(c.get("aud")),
            expires: num(c.get("exp")),
            issued_at: num(c.get("iat")),
            not_before: num(c.get("nbf")),
            scopes: words(c.get("scope"))
                .into_iter()
                .chain(words(c.get("scp")))
                .collect(),
            roles: words(c.get("roles")),
            has_nonce: c.contains_key("nonce"),
            unsigned: self.unsigned,
            k8s,
        }
    }
}
