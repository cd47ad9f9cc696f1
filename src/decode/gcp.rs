//! Decoder (step 5) for Google Cloud service-account key files (tokens.md §7): the fields
//! around the private key (`type`, `project_id`, `client_email`, `private_key_id`) read from the
//! surrounding JSON, plain or escaped inside a string. Keys never expire; default compute/App
//! Engine accounts historically hold `roles/editor`.

use std::sync::OnceLock;

use regex::bytes::Regex;

use super::valid_at_commit;
use crate::hygiene::{Assessment, Context, Policy};

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

/// Judge a service-account key.
pub fn assess(_secret: &str, ctx: &Context<'_>, _policy: &Policy) -> Assessment {
    let mut a = Assessment::default();
    a.flags.push("non-expiring".into());
    let f = fields(ctx);
    let get = |k: &str| f.iter().find(|(fk, _)| fk == k).map(|(_, v)| v.as_str());
    for (k, name) in [
        ("type", "key_type"),
        ("project_id", "project"),
        ("client_email", "client_email"),
        ("private_key_id", "private_key_id"),
        ("client_id", "client_id"),
    ] {
        if let Some(v) = get(k) {
            a.properties.insert(name.into(), v.into());
        }
    }
    let mut s = "Google Cloud service-account key".to_string();
    if let Some(e) = get("client_email") {
        s.push_str(&format!(" for {e}"));
        if is_default_account(e) {
            a.flags.push("over-scoped".into());
            a.flags.push("default-service-account".into());
            s.push_str(" (default service account, historically roles/editor)");
        }
    } else if let Some(p) = get("project_id") {
        s.push_str(&format!(" in project {p}"));
    }
    if get("type") == Some("authorized_user") {
        a.flags.retain(|f| f != "non-expiring");
        a.flags.push("long-lived".into());
    }
    s.push_str(": never expires unless an expiry policy was set on the project");
    valid_at_commit(&mut a, ctx, None, None);
    a.summary = Some(s);
    a
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::testutil::{ALNUM, Ctx, NOW, Rng};

    fn key_file(email: &str, r: &mut Rng) -> (String, String) {
        let pk = format!(
            "-----BEGIN PRIVATE KEY-----\\n{}\\n-----END PRIVATE KEY-----\\n",
            r.alnum(64, ALNUM)
        );
        let f = format!(
            "{{\n  \"type\": \"service_account\",\n  \"project_id\": \"demo-proj\",\n  \"private_key_id\": \"{}\",\n  \"private_key\": \"{pk}\",\n  \"client_email\": \"{email}\",\n  \"client_id\": \"1234\"\n}}\n",
            r.alnum(40, b"0123456789abcdef")
        );
        (f, pk)
    }

    #[test]
    fn fields_from_surrounding_json() {
        let mut r = Rng(51);
        let (f, pk) = key_file("builder@demo-proj.iam.gserviceaccount.com", &mut r);
        let c = Ctx::new(&f, &pk);
        let a = assess(&pk, &c.ctx(), &Policy::new(NOW));
        assert_eq!(a.flags, ["non-expiring"]);
        assert_eq!(a.properties["project"], "demo-proj");
        assert_eq!(
            a.properties["client_email"],
            "builder@demo-proj.iam.gserviceaccount.com"
        );
        assert_eq!(a.properties["private_key_id"].as_str().unwrap().len(), 40);
        assert!(
            !a.properties
                .values()
                .any(|v| v.as_str().is_some_and(|s| s.contains("PRIVATE")))
        );
    }

    #[test]
    fn default_accounts_and_escaped_json() {
        let mut r = Rng(52);
        let (f, pk) = key_file("123456789-compute@developer.gserviceaccount.com", &mut r);
        let escaped = format!(
            "GOOGLE_CREDENTIALS=\"{}\"",
            f.replace('"', "\\\"").replace('\n', "")
        );
        let c = Ctx::new(&escaped, &pk);
        let a = assess(&pk, &c.ctx(), &Policy::new(NOW));
        assert_eq!(
            a.flags,
            ["non-expiring", "over-scoped", "default-service-account"]
        );
        assert_eq!(a.properties["project"], "demo-proj");
        assert!(is_default_account("p@appspot.gserviceaccount.com"));
        assert!(!is_default_account(
            "-compute@developer.gserviceaccount.com"
        ));
    }

    #[test]
    fn bare_key_without_context() {
        let c = Ctx::new("just a key", "key");
        let a = assess("key", &c.ctx(), &Policy::new(NOW));
        assert_eq!(a.flags, ["non-expiring"]);
    }
}
