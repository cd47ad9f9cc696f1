//! Decoder (step 5) for macaroons (tokens.md §3, §4): PyPI `pypi-` tokens (libmacaroons v2
//! binary, JSON caveats: user-wide versus project-scoped, expiry window) and Fly.io `fm1r_`/
//! `fm1a_`/`fm2_` tokens (MessagePack, decoded with `rmpv`: organisation/app scope, validity
//! window, and the token kind the caveats imply). The HMAC chain is never kept or checked.

use rmpv::Value as Mp;
use serde_json::Value;

use super::Facts;
use crate::codec::{b64_decode, b64url_decode};

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

/// What a PyPI token says: its location, identifier and caveats.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PypiFacts {
    /// Location, e.g. `pypi.org`.
    pub location: Option<String>,
    /// The macaroon identifier when it is short printable text (a UUID).
    pub macaroon_id: Option<String>,
    /// Number of caveats.
    pub caveats: usize,
    /// What the caveats say.
    pub scope: PypiScope,
}

/// Parse a `pypi-` token into its macaroon (the signature is checked for shape, then dropped).
pub fn parse_pypi(token: &str) -> Result<MacaroonV2, &'static str> {
    let body = token
        .trim()
        .strip_prefix("pypi-")
        .ok_or("no pypi- prefix")?;
    let bytes = b64url_decode(body.trim_end_matches('=')).ok_or("bad base64url")?;
    parse_v2(&bytes)
}

/// Decode a PyPI token into [`Facts`].
pub fn pypi_facts(secret: &str) -> Facts {
    let m = match parse_pypi(secret) {
        Ok(m) => m,
        Err(why) => return Facts::undecodable("PyPI token", why),
    };
    let printable = m.identifier.len() <= 64 && m.identifier.iter().all(|b| b.is_ascii_graphic());
    Facts::Pypi(PypiFacts {
        location: m
            .location
            .as_ref()
            .map(|l| String::from_utf8_lossy(l).into_owned()),
        macaroon_id: printable.then(|| String::from_utf8_lossy(&m.identifier).into_owned()),
        caveats: m.caveats.len(),
        scope: pypi_scope(&m),
    })
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
    /// App ids and masks inside an IfPresent caveat's conditions (how `flyctl tokens create
    /// deploy` scopes a token to one app: full access if the request names the app, else the
    /// IfPresent's fallback mask).
    pub if_present_apps: Vec<(u64, u64)>,
    /// The IfPresent caveat's fallback mask (`else`).
    pub if_present_else: Option<u64>,
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
            cav::IF_PRESENT => {
                // body = [ifs (a flat caveat set), else mask]
                if let Mp::Array(b) = body {
                    if let Some(Mp::Array(ifs)) = b.first() {
                        for pair in ifs.chunks(2) {
                            if let [t, inner] = pair
                                && mp_u64(t) == Some(cav::APPS)
                            {
                                for (k, m) in resset(inner) {
                                    if let Some(id) = mp_u64(&k) {
                                        f.if_present_apps.push((id, m));
                                    }
                                }
                            }
                        }
                    }
                    f.if_present_else = b.get(1).and_then(mp_u64);
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

impl FlyToken {
    /// An auth discharge token (location `…/aaa/…` or `auth.fly.io`), not a permission token.
    pub fn is_discharge(&self) -> bool {
        self.location.contains("/aaa/") || self.location.contains("auth.fly.io")
    }

    /// The kind of token the caveats imply (what `flyctl tokens create …` would have made).
    pub fn kind(&self) -> &'static str {
        let has = |t: u64| self.types.contains(&t);
        if self.is_discharge() {
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
        if self.apps.is_empty()
            && let [(id, _)] = self.if_present_apps.as_slice()
            && *id != 0
        {
            return "single-app deploy";
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

const FLY_PREFIXES: [&str; 3] = ["fm2_", "fm1r_", "fm1a_"];

/// The tokens of a `FlyV1 <token>[,<token>…]` header (or a bare token): split on commas and
/// space, and also where a token was glued to the next without a comma (`_` is not in the
/// base64 alphabet, so a prefix inside a token is always the start of the next one).
pub fn split_fly(header: &str) -> Vec<&str> {
    let t = header.trim();
    let t = t.strip_prefix("FlyV1").unwrap_or(t);
    let mut out = Vec::new();
    for part in t.split([',', ' ', '\t', '\n']).filter(|p| !p.is_empty()) {
        let mut starts: Vec<usize> = FLY_PREFIXES
            .iter()
            .flat_map(|p| part.match_indices(p).map(|(i, _)| i))
            .collect();
        starts.sort_unstable();
        starts.dedup();
        if starts.first() != Some(&0) {
            starts.insert(0, 0);
        }
        for (k, &a) in starts.iter().enumerate() {
            let b = starts.get(k + 1).copied().unwrap_or(part.len());
            out.push(&part[a..b]);
        }
    }
    out
}

/// Decode a Fly.io token or `FlyV1` bundle into [`Facts`]: every token of the bundle, in either
/// order, permission tokens first.
pub fn fly_facts(secret: &str) -> Facts {
    let mut tokens = Vec::new();
    let mut first_err = None;
    for part in split_fly(secret) {
        match parse_fly(part) {
            Ok(f) => tokens.push(f),
            Err(why) => {
                first_err.get_or_insert(why);
            }
        }
    }
    if tokens.is_empty() {
        return Facts::undecodable(
            "Fly.io token",
            first_err.unwrap_or("no fm1r_/fm1a_/fm2_ prefix"),
        );
    }
    // stable: the permission token (what the bundle grants) first, discharges after
    tokens.sort_by_key(FlyToken::is_discharge);
    Facts::Fly(tokens)
}
