//! Decoder (step 5) for Azure shared access signatures (tokens.md §8): the `sv`/`ss`/`srt`/`sp`/
//! `st`/`se`/`sr`/`si`/`sip`/`spr` parameters read from the URL or connection string around the
//! secret (the finding may be just `sig=…` or the whole URL). `sig` is never kept.

use crate::codec::percent_decode;
use std::collections::BTreeMap;

use super::{Context, Facts, parse_time};

/// Does `s` look like SAS query parameters (`sv=`/`sig=` with `se=` or `sp=`)?
pub fn looks_like_sas(s: &str) -> bool {
    let p = params(s);
    p.contains_key("sig") && (p.contains_key("se") || p.contains_key("sp") || p.contains_key("sv"))
}

/// The SAS parameters in `s` (query string, URL or connection string), lower-cased keys.
pub fn params(s: &str) -> BTreeMap<String, String> {
    let mut m = BTreeMap::new();
    let q = match s.find('?') {
        Some(i) => &s[i + 1..],
        None => s,
    };
    for part in q.split(['&', ';', '?']) {
        let part = part.trim();
        let part = part
            .strip_prefix("SharedAccessSignature=")
            .or_else(|| part.strip_prefix("sharedaccesssignature="))
            .unwrap_or(part);
        if let Some((k, v)) = part.split_once('=') {
            let k = k.trim().to_ascii_lowercase();
            if matches!(
                k.as_str(),
                "sv" | "ss"
                    | "srt"
                    | "sp"
                    | "st"
                    | "se"
                    | "sr"
                    | "si"
                    | "sip"
                    | "spr"
                    | "sig"
                    | "skoid"
                    | "sktid"
                    | "skt"
                    | "ske"
                    | "sks"
                    | "skv"
                    | "sdd"
                    | "signedexpiry"
            ) {
                // `+` stays literal: SAS values hold no spaces, and an unencoded signature holds `+`
                m.entry(k).or_insert_with(|| percent_decode(v.trim()));
            }
        }
    }
    m
}

fn is_sas_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"%&=;?/+:.-_~,".contains(&b)
}

/// The URL / connection string around the secret in `ctx`.
fn surrounding(ctx: &Context<'_>) -> String {
    let t = ctx.text;
    let r = ctx.range.start.min(t.len())..ctx.range.end.min(t.len());
    let mut s = r.start;
    while s > 0 && is_sas_char(t[s - 1]) && r.start - s < 4096 {
        s -= 1;
    }
    let mut e = r.end;
    while e < t.len() && is_sas_char(t[e]) && e - r.end < 4096 {
        e += 1;
    }
    // several URLs glued by `,` or `;`: keep the one holding the secret
    let before = &t[s..r.start];
    let scheme = |w: &[u8]| w.starts_with(b"https://") || w.starts_with(b"http://");
    if let Some(i) = (0..before.len()).rev().find(|&i| scheme(&before[i..])) {
        s += i;
    }
    let after = &t[r.end..e];
    if let Some(i) = (0..after.len()).find(|&i| scheme(&after[i..])) {
        e = r.end + i;
    }
    String::from_utf8_lossy(&t[s..e]).into_owned()
}

/// Which kind of SAS the parameters make.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SasKind {
    /// `skoid` present: signed with a user-delegation key.
    UserDelegation,
    /// `ss`/`srt` present.
    Account,
    /// Anything else (`sr`, maybe `si`).
    #[default]
    Service,
}

impl SasKind {
    /// Property spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            SasKind::UserDelegation => "user-delegation SAS",
            SasKind::Account => "account SAS",
            SasKind::Service => "service SAS",
        }
    }
}

/// What a SAS's parameters say (`sig` is never kept).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SasFacts {
    /// Account, service or user-delegation SAS.
    pub kind: SasKind,
    /// `sv`.
    pub version: Option<String>,
    /// `ss` (services: b q t f).
    pub services: Option<String>,
    /// `srt` (resource types: s c o).
    pub resource_types: Option<String>,
    /// `sp` (permissions).
    pub permissions: Option<String>,
    /// `sr` (signed resource).
    pub resource: Option<String>,
    /// `si` (stored access policy).
    pub stored_policy: Option<String>,
    /// `sip`.
    pub allowed_ips: Option<String>,
    /// `spr`.
    pub protocols: Option<String>,
    /// `st` (Unix seconds).
    pub start: Option<i64>,
    /// `se` (Unix seconds).
    pub expiry: Option<i64>,
    /// `se` as written, when it is present but not a time.
    pub expiry_unparsed: Option<String>,
}

/// The SAS parameters of `secret`, completed from the URL or connection string around it.
pub fn parse(secret: &str, ctx: &Context<'_>) -> Option<SasFacts> {
    let mut p = params(secret);
    if !(p.contains_key("se") || p.contains_key("sp") || p.contains_key("si")) {
        for (k, v) in params(&surrounding(ctx)) {
            p.entry(k).or_insert(v);
        }
    }
    p.remove("sig");
    if p.is_empty() {
        return None;
    }
    let get = |k: &str| p.get(k).cloned();
    let kind = if p.contains_key("skoid") {
        SasKind::UserDelegation
    } else if p.contains_key("ss") || p.contains_key("srt") {
        SasKind::Account
    } else {
        SasKind::Service
    };
    let expiry = p.get("se").and_then(|v| parse_time(v));
    Some(SasFacts {
        kind,
        version: get("sv"),
        services: get("ss"),
        resource_types: get("srt"),
        permissions: get("sp"),
        resource: get("sr"),
        stored_policy: get("si"),
        allowed_ips: get("sip"),
        protocols: get("spr"),
        start: p.get("st").and_then(|v| parse_time(v)),
        expiry,
        expiry_unparsed: if expiry.is_none() { get("se") } else { None },
    })
}

/// Decode a SAS into [`Facts`].
pub fn facts(secret: &str, ctx: &Context<'_>) -> Facts {
    match parse(secret, ctx) {
        Some(f) => Facts::Sas(f),
        None => Facts::undecodable("Azure SAS", "no SAS parameters around the signature"),
    }
}
