//! Decoder (step 5) for Google Cloud service-account key files (tokens.md §7): the fields
//! around the private key (`type`, `project_id`, `client_email`, `private_key_id`) read from the
//! surrounding JSON, plain or escaped inside a string. Keys never expire; default compute/App
//! Engine accounts historically hold `roles/editor`.

use std::sync::OnceLock;

use regex::bytes::Regex;

use super::Context;

/// How far around the key to look for its sibling fields.
const WINDOW: usize = 16 * 1024;

fn field_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(
            r#"\\*"(type|project_id|client_email|private_key_id|client_id|universe_domain)\\*"\s*:\s*\\*"([^"\\]{0,256})\\*""#,
        )
        .expect("static regex")
    })
}

/// Sibling fields nearest to `ctx`'s secret: `(name, value)`.
fn fields(ctx: &Context<'_>) -> Vec<(String, String)> {
    let t = ctx.chunk;
    let r = ctx.chunk_range.start.min(t.len())..ctx.chunk_range.end.min(t.len());
    let lo = r.start.saturating_sub(WINDOW);
    let hi = (r.end + WINDOW).min(t.len());
    let mut best: Vec<(String, String, usize)> = Vec::new();
    for c in field_re().captures_iter(&t[lo..hi]) {
        let (Some(k), Some(v), Some(m)) = (c.get(1), c.get(2), c.get(0)) else {
            continue;
        };
        let pos = lo + m.start();
        let dist = if pos < r.start {
            r.start - pos
        } else {
            pos.saturating_sub(r.end)
        };
        let k = String::from_utf8_lossy(k.as_bytes()).into_owned();
        let v = String::from_utf8_lossy(v.as_bytes()).into_owned();
        match best.iter_mut().find(|(bk, _, _)| *bk == k) {
            Some(e) if e.2 > dist => *e = (k, v, dist),
            Some(_) => {}
            None => best.push((k, v, dist)),
        }
    }
    best.into_iter().map(|(k, v, _)| (k, v)).collect()
}

/// A default service account (`<n>-compute@developer…` or `<project>@appspot…`).
pub fn is_default_account(email: &str) -> bool {
    email
        .strip_suffix("-compute@developer.gserviceaccount.com")
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        || email.ends_with("@appspot.gserviceaccount.com")
}

/// The fields of a service-account key file found around the key.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GcpFacts {
    /// `type` (`service_account`, `authorized_user`).
    pub key_type: Option<String>,
    /// `project_id`.
    pub project: Option<String>,
    /// `client_email`.
    pub client_email: Option<String>,
    /// `private_key_id`.
    pub private_key_id: Option<String>,
    /// `client_id`.
    pub client_id: Option<String>,
}

/// Read the key file's fields around the secret in `ctx`.
pub fn facts(ctx: &Context<'_>) -> GcpFacts {
    let f = fields(ctx);
    let get = |k: &str| f.iter().find(|(fk, _)| fk == k).map(|(_, v)| v.clone());
    GcpFacts {
        key_type: get("type"),
        project: get("project_id"),
        client_email: get("client_email"),
        private_key_id: get("private_key_id"),
        client_id: get("client_id"),
    }
}
