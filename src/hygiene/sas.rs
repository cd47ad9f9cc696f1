//! Verdicts on Azure SAS facts (tokens.md §8): expiry against the policy, write/delete or
//! every-resource-type permissions, and the hints worth reporting beside them.

use super::{Assessment, Flag, Policy, props, valid_at_commit};
use crate::decode::sas::SasFacts;
use crate::decode::{human_duration, rfc3339};

/// `se` at or after this year is the "never expires" idiom.
const NEVER_YEAR_TS: i64 = 4_070_908_800; // 2099-01-01T00:00:00Z

/// Write-class permissions besides `w`/`d`.
const WRITE_CLASS: &[char] = &['a', 'c', 'u', 'x', 'y'];

/// Judge a SAS.
pub(super) fn judge(f: &SasFacts, commit_time: Option<i64>, policy: &Policy) -> Assessment {
    let mut a = Assessment::default();
    let kind = f.kind.as_str();
    a.prop(props::SAS_KIND, kind);
    for (v, key) in [
        (&f.version, props::VERSION),
        (&f.services, props::SERVICES),
        (&f.resource_types, props::RESOURCE_TYPES),
        (&f.permissions, props::PERMISSIONS),
        (&f.resource, props::RESOURCE),
        (&f.stored_policy, props::STORED_POLICY),
        (&f.allowed_ips, props::ALLOWED_IPS),
        (&f.protocols, props::PROTOCOLS),
    ] {
        if let Some(v) = v {
            a.prop(key, v.as_str());
        }
    }
    let (st, se) = (f.start, f.expiry);
    if let Some(t) = st.and_then(rfc3339) {
        a.prop(props::NOT_BEFORE, t);
    }
    if let Some(t) = se.and_then(rfc3339) {
        a.prop(props::EXPIRES_AT, t);
    }
    let mut words = vec![kind.to_string()];
    let sp = f.permissions.as_deref().unwrap_or("");
    if !sp.is_empty() {
        words.push(format!("permissions {sp}"));
    }
    let srt = f.resource_types.as_deref().unwrap_or("");
    let all_types = ['s', 'c', 'o'].iter().all(|c| srt.contains(*c));
    if sp.contains('w') || sp.contains('d') || all_types {
        a.flag(Flag::OverScoped);
        if all_types {
            words.push("every resource type".into());
        }
    } else if sp.contains(WRITE_CLASS) {
        a.flag(Flag::WritePermissions);
    }
    if f.services.as_deref().is_some_and(|s| s.len() > 1) {
        a.flag(Flag::MultiService);
    }
    if f.protocols
        .as_deref()
        .is_some_and(|s| s.contains("http") && s.contains(','))
    {
        a.flag(Flag::AllowsHttp);
    }
    match se {
        Some(e) => {
            let when = rfc3339(e).unwrap_or_default();
            if e < policy.now {
                a.flag(Flag::Expired);
                words.push(format!("expired {when}"));
            } else {
                if e - policy.now > policy.max_sas_lifetime {
                    a.flag(Flag::LongLived);
                }
                if e >= NEVER_YEAR_TS {
                    a.flag(Flag::NonExpiring);
                    words.push(format!("expires {when} (never, in practice)"));
                } else {
                    words.push(format!(
                        "expires {when}, {} from now",
                        human_duration(e - policy.now)
                    ));
                }
            }
        }
        None if f.stored_policy.is_some() => {
            words.push("expiry held by stored access policy (server-side)".into());
        }
        None => {
            words.push("no expiry (se) found".into());
        }
    }
    valid_at_commit(&mut a, commit_time, st, se);
    a.summary = Some(format!("Azure {}", words.join(", ")));
    a
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::Decoder;
    use crate::decode::testutil::{ALNUM, Ctx, NOW, Rng};

    fn sig(r: &mut Rng) -> String {
        format!("{}%3D", r.alnum(43, ALNUM))
    }

    fn run(text: &str, secret: &str) -> Assessment {
        let c = Ctx::new(text, secret);
        crate::hygiene::assess(Some(Decoder::AzureSas), secret, &c.ctx(), &Policy::new(NOW))
    }

    #[test]
    fn service_sas_expired_and_valid() {
        let mut r = Rng(21);
        let s = sig(&mut r);
        let url = format!(
            "https://acct.blob.core.windows.net/c?sp=r&st=2024-03-27T00:39:13Z&se=2024-06-08T00:39:13Z&spr=https&sv=2022-11-02&sr=c&sig={s}"
        );
        let a = run(&format!("url = \"{url}\"\n"), &url);
        assert_eq!(a.flags, ["expired"]);
        assert_eq!(a.properties["permissions"], "r");
        assert_eq!(a.properties["expires_at"], "2024-06-08T00:39:13Z");
        assert!(
            !a.properties
                .values()
                .any(|v| v.as_str().is_some_and(|x| x.contains(&s[..20])))
        );
        // only the signature was matched: the parameters come from the surrounding URL
        let a = run(&format!("url = \"{url}\"\n"), &s);
        assert_eq!(a.flags, ["expired"]);
        let url = url.replace("se=2024-06-08T00:39:13Z", "se=2027-09-21T00:00:00Z");
        assert!(run(&url, &url).flags.is_empty());
    }

    #[test]
    fn account_sas_over_scoped_and_long_lived() {
        let mut r = Rng(22);
        let url = format!(
            "https://a.blob.core.windows.net/?sv=2022-11-02&ss=bfqt&srt=sco&sp=rwdlacupiytfx&se=2035-01-01T00:00:00Z&st=2025-12-07T07:02:33Z&spr=https&sig={}",
            sig(&mut r)
        );
        let a = run(&url, &url);
        assert_eq!(a.flags, ["long-lived", "over-scoped", "multi-service"]);
        assert_eq!(a.properties["sas_kind"], "account SAS");
        let conn = format!(
            "BlobEndpoint=https://a.blob.core.windows.net/;SharedAccessSignature=sv=2022-11-02&ss=b&srt=o&sp=racwdl&se=2099-12-31T00%3A00%3A00Z&sig={}",
            sig(&mut r)
        );
        let a = run(&conn, &conn);
        assert_eq!(a.flags, ["non-expiring", "long-lived", "over-scoped"]);
    }

    #[test]
    fn the_url_holding_the_signature_wins() {
        let mut r = Rng(24);
        let (s1, s2) = (sig(&mut r), sig(&mut r));
        let text = format!(
            "urls=https://a.blob.core.windows.net/c?sp=rw&se=2027-01-01&sig={s1},https://b.blob.core.windows.net/d?sp=r&se=2024-01-01&sig={s2}\n"
        );
        let a = run(&text, &s2);
        assert_eq!(a.flags, ["expired"]);
        let a = run(&text, &s1);
        assert_eq!(a.flags, ["over-scoped"]);
    }

    #[test]
    fn stored_policy_and_garbage() {
        let mut r = Rng(23);
        let s = format!("sr=c&si=readers&sig={}", sig(&mut r));
        let a = run(&s, &s);
        assert!(a.flags.is_empty());
        assert!(a.summary.unwrap().contains("stored access policy"));
        let a = run("nothing here", "nothing");
        assert_eq!(a.properties["decoded"], false);
        let a = run("se=notatime&sp=%zz%&sig=x%", "sig=x%");
        assert!(a.flags.is_empty());
    }
}
