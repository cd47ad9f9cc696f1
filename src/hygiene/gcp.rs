//! Verdicts on Google Cloud service-account key files (tokens.md §7): keys never expire;
//! default compute/App Engine accounts historically hold `roles/editor`.

#[cfg(test)]
use super::Policy;
use super::{Assessment, Flag, props, valid_at_commit};
use crate::decode::gcp::{GcpFacts, is_default_account};

/// Judge a service-account key.
pub(super) fn judge(f: &GcpFacts, commit_time: Option<i64>) -> Assessment {
    let mut a = Assessment::default();
    a.flag(Flag::NonExpiring);
    for (v, key) in [
        (&f.key_type, props::KEY_TYPE),
        (&f.project, props::PROJECT),
        (&f.client_email, props::CLIENT_EMAIL),
        (&f.private_key_id, props::PRIVATE_KEY_ID),
        (&f.client_id, props::CLIENT_ID),
    ] {
        if let Some(v) = v {
            a.prop(key, v.as_str());
        }
    }
    let mut s = "Google Cloud service-account key".to_string();
    if let Some(e) = &f.client_email {
        s.push_str(&format!(" for {e}"));
        if is_default_account(e) {
            a.flag(Flag::OverScoped);
            a.flag(Flag::DefaultServiceAccount);
            s.push_str(" (default service account, historically roles/editor)");
        }
    } else if let Some(p) = &f.project {
        s.push_str(&format!(" in project {p}"));
    }
    if f.key_type.as_deref() == Some("authorized_user") {
        a.unflag(Flag::NonExpiring);
        a.flag(Flag::LongLived);
    }
    s.push_str(": never expires unless an expiry policy was set on the project");
    valid_at_commit(&mut a, commit_time, None, None);
    a.summary = Some(s);
    a
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::{Context, Decoder};

    fn assess(secret: &str, ctx: &Context<'_>, p: &Policy) -> Assessment {
        crate::hygiene::assess(Some(Decoder::GcpServiceAccount), secret, ctx, p)
    }
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
