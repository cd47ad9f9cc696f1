//! Decoder (step 5) for macaroons (tokens.md §3, §4): PyPI `pypi-` tokens (libmacaroons v2
//! binary, JSON caveats: user-wide versus project-scoped, expiry window) and Fly.io `fm1r_`/
//! `fm1a_`/`fm2_` tokens (MessagePack, decoded with `rmpv`: organisation/app scope, validity
//! window, and the token kind the caveats imply). The HMAC chain is never kept or checked.

use rmpv::Value as Mp;
use serde_json::Value;

use super::{human_duration, not_decodable, rfc3339, valid_at_commit};
use crate::codec::{b64_decode, b64url_decode};
use crate::hygiene::{Assessment, Context, Policy};

/// One libmacaroons v2 caveat.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caveat {
    /// Location (third-party caveats).
    pub location: Option<Vec<u8>>,
    /// Caveat identifier (for PyPI: the caveat JSON).
    pub id: Vec<u8>,
    /// Verification id: set on third-party caveats.
    pub vid: Option<Vec<u8>>,
}

/// A decoded libmacaroons v2 binary macaroon (signature dropped).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MacaroonV2 {
    /// Location, e.g. `pypi.org`.
    pub location: Option<Vec<u8>>,
    /// Identifier (PyPI: the macaroon's UUID or a legacy JSON).
    pub identifier: Vec<u8>,
    /// Caveats in order.
    pub caveats: Vec<Caveat>,
}

struct Reader<'a> {
    b: &'a [u8],
    i: usize,
}

impl<'a> Reader<'a> {
    fn varint(&mut self) -> Result<u64, &'static str> {
        let mut v: u64 = 0;
        for shift in (0..64).step_by(7) {
            let byte = *self.b.get(self.i).ok_or("truncated macaroon")?;
            self.i += 1;
            v |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err("varint too long")
    }

    /// `None` = end of section, else `(type, bytes)`.
    fn field(&mut self) -> Result<Option<(u64, &'a [u8])>, &'static str> {
        let t = self.varint()?;
        if t == 0 {
            return Ok(None);
        }
        let len = self.varint()?;
        let len = usize::try_from(len).map_err(|_| "field too long")?;
        let end = self.i.checked_add(len).ok_or("field too long")?;
        let data = self.b.get(self.i..end).ok_or("truncated macaroon")?;
        self.i = end;
        Ok(Some((t, data)))
    }
}

const F_LOCATION: u64 = 1;
const F_IDENTIFIER: u64 = 2;
const F_VID: u64 = 4;
const F_SIGNATURE: u64 = 6;

/// Parse a libmacaroons v2 binary macaroon.
pub fn parse_v2(b: &[u8]) -> Result<MacaroonV2, &'static str> {
    if b.first() != Some(&2) {
        return Err("not a v2 binary macaroon");
    }
    let mut r = Reader { b, i: 1 };
    let mut location = None;
    let mut identifier = None;
    while let Some((t, d)) = r.field()? {
        match t {
            F_LOCATION => location = Some(d.to_vec()),
            F_IDENTIFIER => identifier = Some(d.to_vec()),
            _ => return Err("unexpected field in header"),
        }
    }
    let identifier = identifier.ok_or("no identifier")?;
    let mut caveats = Vec::new();
    loop {
        // an empty section ends the caveats
        if r.b.get(r.i) == Some(&0) {
            r.i += 1;
            break;
        }
        if r.i >= r.b.len() {
            return Err("truncated macaroon");
        }
        let mut cav = Caveat {
            location: None,
            id: Vec::new(),
            vid: None,
        };
        let mut has_id = false;
        while let Some((t, d)) = r.field()? {
            match t {
                F_LOCATION => cav.location = Some(d.to_vec()),
                F_IDENTIFIER => {
                    cav.id = d.to_vec();
                    has_id = true
                }
                F_VID => cav.vid = Some(d.to_vec()),
                _ => return Err("unexpected field in caveat"),
            }
        }
        if !has_id {
            return Err("caveat without identifier");
        }
        caveats.push(cav);
        if caveats.len() > 1024 {
            return Err("too many caveats");
        }
    }
    match r.field()? {
        Some((F_SIGNATURE, sig)) if sig.len() == 32 => {}
        Some((F_SIGNATURE, _)) => return Err("signature is not 32 bytes"),
        _ => return Err("no signature"),
    }
    Ok(MacaroonV2 {
        location,
        identifier,
        caveats,
    })
}

/// What PyPI caveats say.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PypiScope {
    /// `[3, user]` or legacy `"permissions": "user"`.
    pub user_wide: bool,
    /// Project names (`[1, …]`, legacy `permissions.projects`).
    pub projects: Vec<String>,
    /// Project ids (`[2, …]`, legacy `project_ids`).
    pub project_ids: Vec<String>,
    /// Trusted-publisher id (`[4, …]`).
    pub publisher: Option<String>,
    /// Effective expiry (earliest).
    pub expires: Option<i64>,
    /// Effective not-before (latest).
    pub not_before: Option<i64>,
    /// Caveats that are not JSON or of unknown shape.
    pub unknown: usize,
    /// Third-party caveats (unreadable offline).
    pub third_party: usize,
}

fn strings(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|x| x.as_str().map(str::to_string))
            .collect(),
        Some(Value::String(s)) => vec![s.clone()],
        _ => Vec::new(),
    }
}

fn time(v: Option<&Value>) -> Option<i64> {
    v.and_then(|v| {
        v.as_i64()
            .or_else(|| v.as_f64().filter(|f| f.is_finite()).map(|f| f as i64))
    })
}

/// Read PyPI caveats (current `[tag, …]` and legacy JSON-object forms).
pub fn pypi_scope(m: &MacaroonV2) -> PypiScope {
    let mut s = PypiScope::default();
    let window = |s: &mut PypiScope, exp: Option<i64>, nbf: Option<i64>| {
        if let Some(e) = exp {
            s.expires = Some(s.expires.map_or(e, |x: i64| x.min(e)));
        }
        if let Some(n) = nbf {
            s.not_before = Some(s.not_before.map_or(n, |x: i64| x.max(n)));
        }
    };
    for c in &m.caveats {
        if c.vid.is_some() {
            s.third_party += 1;
            continue;
        }
        match serde_json::from_slice::<Value>(&c.id) {
            Ok(Value::Array(a)) => match a.first().and_then(Value::as_i64) {
                Some(0) => window(&mut s, time(a.get(1)), time(a.get(2))),
                Some(1) => s.projects.extend(strings(a.get(1))),
                Some(2) => s.project_ids.extend(strings(a.get(1))),
                Some(3) => s.user_wide = true,
                Some(4) => {
                    s.publisher = a
                        .get(1)
                        .map(|v| v.as_str().map_or(v.to_string(), str::to_string))
                }
                _ => s.unknown += 1,
            },
            Ok(Value::Object(o)) => {
                let mut known = false;
                if o.contains_key("exp") || o.contains_key("nbf") {
                    window(&mut s, time(o.get("exp")), time(o.get("nbf")));
                    known = true;
                }
                match o.get("permissions") {
                    Some(Value::String(p)) if p == "user" => {
                        s.user_wide = true;
                        known = true
                    }
                    Some(Value::Object(p)) => {
                        s.projects.extend(strings(p.get("projects")));
                        known = true
                    }
                    _ => {}
                }
                if o.contains_key("project_ids") {
                    s.project_ids.extend(strings(o.get("project_ids")));
                    known = true;
                }
                if !known {
                    s.unknown += 1;
                }
            }
            _ => s.unknown += 1,
        }
    }
    s
}

/// Decode and judge a PyPI token.
pub fn assess_pypi(secret: &str, ctx: &Context<'_>, policy: &Policy) -> Assessment {
    let t = secret.trim();
    let Some(body) = t.strip_prefix("pypi-") else {
        return not_decodable("PyPI token", "no pypi- prefix");
    };
    let Some(bytes) = b64url_decode(body.trim_end_matches('=')) else {
        return not_decodable("PyPI token", "bad base64url");
    };
    let m = match parse_v2(&bytes) {
        Ok(m) => m,
        Err(why) => return not_decodable("PyPI token", why),
    };
    let s = pypi_scope(&m);
    let mut a = Assessment::default();
    let p = &mut a.properties;
    if let Some(l) = &m.location {
        p.insert("location".into(), String::from_utf8_lossy(l).into());
    }
    if m.identifier.len() <= 64 && m.identifier.iter().all(|b| b.is_ascii_graphic()) {
        p.insert(
            "macaroon_id".into(),
            String::from_utf8_lossy(&m.identifier).into(),
        );
    }
    p.insert("caveats".into(), m.caveats.len().into());
    let restricted = !s.projects.is_empty() || !s.project_ids.is_empty() || s.publisher.is_some();
    let scope = if restricted {
        "project"
    } else if s.user_wide {
        "user"
    } else {
        "unrestricted"
    };
    p.insert("scope".into(), scope.into());
    if !s.projects.is_empty() {
        p.insert("projects".into(), s.projects.clone().into());
    }
    if !s.project_ids.is_empty() {
        p.insert("project_ids".into(), s.project_ids.clone().into());
    }
    if let Some(pb) = &s.publisher {
        p.insert("trusted_publisher".into(), pb.clone().into());
    }
    if s.third_party > 0 {
        p.insert("third_party_caveats".into(), s.third_party.into());
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
        a.flags.push("over-scoped".into());
        words.push(if s.user_wide {
            "user-wide (every project the user can upload to)".into()
        } else {
            "no permission caveat (unrestricted)".to_string()
        });
    }
    if let Some(e) = s.expires.and_then(rfc3339) {
        a.properties.insert("expires_at".into(), e.into());
    }
    if let Some(n) = s.not_before.and_then(rfc3339) {
        a.properties.insert("not_before".into(), n.into());
    }
    window_flags(&mut a, &mut words, s.not_before, s.expires, policy, true);
    valid_at_commit(&mut a, ctx, s.not_before, s.expires);
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
                a.flags.push("non-expiring".into());
            }
            words.push("never expires".into());
        }
        Some(e) => {
            if let Some(n) = nbf {
                let life = e.saturating_sub(n);
                a.properties.insert("lifetime_seconds".into(), life.into());
                if life > policy.max_macaroon_lifetime {
                    a.flags.push("long-lived".into());
                    words.push(format!("valid {}", human_duration(life)));
                }
            }
            let when = rfc3339(e).unwrap_or_else(|| e.to_string());
            if e < policy.now {
                a.flags.push("expired".into());
                words.push(format!("expired {when}"));
            } else {
                words.push(format!("expires {when}"));
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Fly.io

/// Fly.io caveat type numbers (superfly/macaroon).
mod cav {
    pub const ORGANIZATION: u64 = 0;
    pub const VOLUMES: u64 = 2;
    pub const APPS: u64 = 3;
    pub const VALIDITY_WINDOW: u64 = 4;
    pub const FEATURE_SET: u64 = 5;
    pub const MUTATIONS: u64 = 6;
    pub const MACHINES: u64 = 7;
    pub const THIRD_PARTY: u64 = 11;
    pub const IF_PRESENT: u64 = 13;
    pub const MACHINE_FEATURE_SET: u64 = 14;
    pub const CLUSTERS: u64 = 16;
    pub const COMMANDS: u64 = 27;
}

/// What a Fly.io permission token's caveats say.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FlyToken {
    /// Token location (`https://api.fly.io/v1` = permission token).
    pub location: String,
    /// Organization caveat: (org id, action mask).
    pub org: Option<(u64, u64)>,
    /// App ids and masks from Apps caveats (0 = every app).
    pub apps: Vec<(u64, u64)>,
    /// Validity window (not_before, not_after), narrowed over all window caveats.
    pub window: Option<(i64, i64)>,
    /// Feature names from FeatureSet / MachineFeatureSet caveats.
    pub features: Vec<String>,
    /// Caveat type numbers, in order.
    pub types: Vec<u64>,
    /// Third-party caveat locations.
    pub third_party: Vec<String>,
}

fn mp_u64(v: &Mp) -> Option<u64> {
    v.as_u64()
        .or_else(|| v.as_i64().and_then(|i| u64::try_from(i).ok()))
}

fn mp_i64(v: &Mp) -> Option<i64> {
    v.as_i64()
        .or_else(|| v.as_u64().map(|u| i64::try_from(u).unwrap_or(i64::MAX)))
}

fn mp_str(v: &Mp) -> Option<String> {
    match v {
        Mp::String(s) => s.as_str().map(str::to_string),
        Mp::Binary(b) => std::str::from_utf8(b).ok().map(str::to_string),
        _ => None,
    }
}

/// Resource-set body `[{id: mask}]` or `{id: mask}` → pairs.
fn resset(body: &Mp) -> Vec<(Mp, u64)> {
    let map = match body {
        Mp::Array(a) => a.first(),
        m @ Mp::Map(_) => Some(m),
        _ => None,
    };
    match map {
        Some(Mp::Map(m)) => m
            .iter()
            .map(|(k, v)| (k.clone(), mp_u64(v).unwrap_or(0)))
            .collect(),
        _ => Vec::new(),
    }
}

/// Decode one Fly.io token (`fm2_…`, `fm1r_…`, `fm1a_…`, with or without `FlyV1 `).
pub fn parse_fly(token: &str) -> Result<FlyToken, &'static str> {
    let t = token.trim();
    let t = t.strip_prefix("FlyV1").unwrap_or(t).trim_start();
    let first = t.split(',').next().unwrap_or("").trim();
    let body = ["fm2_", "fm1r_", "fm1a_"]
        .iter()
        .find_map(|p| first.strip_prefix(p))
        .ok_or("no fm1r_/fm1a_/fm2_ prefix")?;
    let bytes = b64_decode(body).ok_or("bad base64")?;
    let mut cur = &bytes[..];
    let v = rmpv::decode::read_value_with_max_depth(&mut cur, 32).map_err(|_| "not MessagePack")?;
    let Mp::Array(top) = v else {
        return Err("not a macaroon array");
    };
    if top.len() != 4 || !top[0].is_array() {
        return Err("not a [nonce, location, caveats, tail] macaroon");
    }
    let location = mp_str(&top[1]).ok_or("location is not a string")?;
    let Mp::Array(cavs) = &top[2] else {
        return Err("caveats are not an array");
    };
    if cavs.len() % 2 != 0 {
        return Err("caveats are not type/body pairs");
    }
    let mut f = FlyToken {
        location,
        ..FlyToken::default()
    };
    for pair in cavs.chunks(2) {
        let ty = mp_u64(&pair[0]).ok_or("caveat type is not a number")?;
        let body = &pair[1];
        f.types.push(ty);
        match ty {
            cav::ORGANIZATION => {
                if let Mp::Array(b) = body
                    && let (Some(id), Some(mask)) =
                        (b.first().and_then(mp_u64), b.get(1).and_then(mp_u64))
                {
                    f.org = Some((id, mask));
                }
            }
            cav::APPS => {
                for (k, m) in resset(body) {
                    if let Some(id) = mp_u64(&k) {
                        f.apps.push((id, m));
                    }
                }
            }
            cav::VALIDITY_WINDOW => {
                if let Mp::Array(b) = body
                    && let (Some(nb), Some(na)) =
                        (b.first().and_then(mp_i64), b.get(1).and_then(mp_i64))
                {
                    f.window = Some(match f.window {
                        Some((a, b)) => (a.max(nb), b.min(na)),
                        None => (nb, na),
                    });
                }
            }
            cav::FEATURE_SET | cav::MACHINE_FEATURE_SET => {
                for (k, _) in resset(body) {
                    if let Some(s) = mp_str(&k) {
                        f.features.push(s);
                    }
                }
            }
            cav::THIRD_PARTY => {
                if let Some(l) = match body {
                    Mp::Array(b) => b.first().and_then(mp_str),
                    _ => None,
                } {
                    f.third_party.push(l);
                }
            }
            _ => {}
        }
    }
    Ok(f)
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

impl FlyToken {
    /// The kind of token the caveats imply (what `flyctl tokens create …` would have made).
    pub fn kind(&self) -> &'static str {
        let has = |t: u64| self.types.contains(&t);
        if self.location.contains("/aaa/") || self.location.contains("auth.fly.io") {
            return "auth discharge";
        }
        if has(cav::COMMANDS) {
            return "machine-exec";
        }
        if self.features.iter().any(|f| f.contains("ssh")) {
            return "SSH";
        }
        if has(cav::CLUSTERS) || self.features.iter().any(|f| f == "litefs-cloud") {
            return "LiteFS Cloud";
        }
        let app_write = self.apps.iter().any(|&(_, m)| m & !1 != 0);
        let org_write = self.org.is_some_and(|(_, m)| m & !1 != 0);
        if !self.apps.is_empty() && !app_write
            || self.apps.is_empty() && self.org.is_some() && !org_write
        {
            return "read-only";
        }
        match self.apps.as_slice() {
            [(id, _)] if *id != 0 => "single-app deploy",
            [] if !has(cav::MACHINES)
                && !has(cav::VOLUMES)
                && !has(cav::MUTATIONS)
                && !has(cav::IF_PRESENT) =>
            {
                "organization-wide"
            }
            _ if self.apps.iter().any(|&(id, _)| id == 0) => "organization-wide (every app)",
            _ => "restricted",
        }
    }
}

/// Decode and judge a Fly.io token.
pub fn assess_fly(secret: &str, ctx: &Context<'_>, policy: &Policy) -> Assessment {
    let f = match parse_fly(secret) {
        Ok(f) => f,
        Err(why) => return not_decodable("Fly.io token", why),
    };
    let mut a = Assessment::default();
    let kind = f.kind();
    let p = &mut a.properties;
    p.insert("location".into(), f.location.clone().into());
    p.insert("token_kind".into(), kind.into());
    if let Some((id, m)) = f.org {
        p.insert("org_id".into(), id.into());
        p.insert("org_permissions".into(), mask_words(m).into());
    }
    if !f.apps.is_empty() {
        let apps: Vec<Value> = f.apps.iter().map(|(id, _)| Value::from(*id)).collect();
        p.insert("app_ids".into(), apps.into());
    }
    if !f.features.is_empty() {
        p.insert("features".into(), f.features.clone().into());
    }
    if !f.third_party.is_empty() {
        p.insert("third_party_caveats".into(), f.third_party.clone().into());
    }
    let mut words = vec![format!("{kind} token")];
    if let Some((id, m)) = f.org {
        words.push(format!("organization {id} ({} permissions)", mask_words(m)));
    }
    let wildcard = f.apps.iter().any(|&(id, _)| id == 0);
    if kind.starts_with("organization-wide") || wildcard {
        a.flags.push("over-scoped".into());
    }
    let (nbf, exp) = match f.window {
        Some((n, e)) => (Some(n), Some(e)),
        None => (None, None),
    };
    if let Some(t) = nbf.and_then(rfc3339) {
        a.properties.insert("not_before".into(), t.into());
    }
    if let Some(t) = exp.and_then(rfc3339) {
        a.properties.insert("expires_at".into(), t.into());
    }
    if exp.is_none() && !kind.starts_with("auth") {
        // no validity window: only an unseen discharge could limit it
        a.flags.push("long-lived".into());
    }
    window_flags(&mut a, &mut words, nbf, exp, policy, false);
    valid_at_commit(&mut a, ctx, nbf, exp);
    a.summary = Some(format!("Fly.io {}", words.join(", ")));
    a
}

#[cfg(test)]
mod tests {
    use base64::Engine;
    use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};

    use super::*;
    use crate::decode::testutil::{Ctx, NOW, Rng};

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
        crate::decode::assess("pypi-token", t, &c.ctx(), &Policy::new(NOW))
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
        crate::decode::assess("flyio-token", t, &c.ctx(), &Policy::new(NOW))
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
