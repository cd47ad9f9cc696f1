//! Pipeline step 5: the hygiene policy (tokens.md section 13). Decoders in [`crate::decode`] turn
//! a secret and its surrounding text into facts; this module judges them into the seven flags
//! (`non-expiring`, `long-lived`, `expired`, `over-scoped`, `legacy-service-account-token`,
//! `no-audience`, `alg-none`) plus richer verdicts, and the level they raise a finding to.

use std::collections::BTreeMap;
use std::ops::Range;

use crate::finding::Level;

/// The seven flags of tokens.md section 13, in table order.
pub const FLAGS: [&str; 7] = [
    "non-expiring",
    "long-lived",
    "expired",
    "over-scoped",
    "legacy-service-account-token",
    "no-audience",
    "alg-none",
];

/// Thresholds of the policy; every one is configurable.
#[derive(Debug, Clone)]
pub struct Policy {
    /// Reference time, Unix seconds (scan time or `--now`).
    pub now: i64,
    /// JWT `exp - iat` above this is `long-lived` (default 24 h).
    pub max_jwt_lifetime: i64,
    /// Azure SAS `se` further than this after `now` is `long-lived` (default 365 d).
    pub max_sas_lifetime: i64,
    /// kubeadm bootstrap ttl above this is `long-lived` (default 24 h).
    pub max_bootstrap_ttl: i64,
    /// Macaroon validity above this is `long-lived` (default 90 d).
    pub max_macaroon_lifetime: i64,
    /// Projected / requested Kubernetes token lifetimes above this are flagged (default 24 h).
    pub max_k8s_token_lifetime: i64,
}

impl Policy {
    /// The defaults of tokens.md section 13, judged at `now`.
    pub fn new(now: i64) -> Self {
        Policy {
            now,
            max_jwt_lifetime: 24 * 3600,
            max_sas_lifetime: 365 * 24 * 3600,
            max_bootstrap_ttl: 24 * 3600,
            max_macaroon_lifetime: 90 * 24 * 3600,
            max_k8s_token_lifetime: 24 * 3600,
        }
    }
}

/// What surrounds a secret: the text it was found in and where.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    /// The whole chunk (or decoded view) the secret was found in.
    pub text: &'a [u8],
    /// Byte range of the secret in `text`.
    pub range: &'a Range<usize>,
    /// Reported path.
    pub path: &'a str,
    /// Commit time (Unix seconds) in history scans.
    pub commit_time: Option<i64>,
    /// The whole chunk, when `text` is a decoded base64 view of a value inside it (else `text`).
    pub chunk: &'a [u8],
    /// Byte range in `chunk` of the reported value (the encoded value for decoded views).
    pub chunk_range: &'a Range<usize>,
}

/// The verdict on one secret.
#[derive(Debug, Clone, Default)]
pub struct Assessment {
    /// Flags, section 13 names first, then richer verdicts.
    pub flags: Vec<String>,
    /// Decoded non-secret facts.
    pub properties: BTreeMap<String, serde_json::Value>,
    /// A sentence describing the token, e.g. "legacy secret-based token, never expires".
    pub summary: Option<String>,
}

/// Default SARIF level of a flag (tokens.md section 13).
pub fn flag_level(flag: &str) -> Option<Level> {
    Some(match flag {
        "non-expiring" | "legacy-service-account-token" | "alg-none" => Level::Error,
        "long-lived" | "over-scoped" | "no-audience" => Level::Warning,
        "expired" => Level::Note,
        _ => return None,
    })
}

/// The level a finding gets: the highest of the rule's level and its flags' levels; `long-lived`
/// with `over-scoped` escalates to error.
pub fn level_for(rule_level: Level, flags: &[String]) -> Level {
    let mut level = rule_level;
    for f in flags {
        if let Some(l) = flag_level(f) {
            level = level.max(l);
        }
    }
    if flags.iter().any(|f| f == "long-lived") && flags.iter().any(|f| f == "over-scoped") {
        level = Level::Error;
    }
    level
}

/// Judge one secret of `family` found in `ctx`.
pub fn assess(family: &str, secret: &str, ctx: &Context<'_>, policy: &Policy) -> Assessment {
    crate::decode::assess(family, secret, ctx, policy)
}
