//! Decoder (step 5) for Azure shared access signatures (tokens.md §8): the `sv`/`ss`/`srt`/`sp`/
//! `st`/`se`/`sr`/`si`/`sip`/`spr` parameters read from the URL or connection string around the
//! secret (the finding may be just `sig=…` or the whole URL). `sig` is never kept.

use std::collections::BTreeMap;

use super::{human_duration, not_decodable, parse_time, rfc3339, valid_at_commit};
use crate::hygiene::{Assessment, Context, Policy};

/// `se` at or after this year is the "never expires" idiom.
const NEVER_YEAR_TS: i64 = 4_070_908_800; // 2099-01-01T00:00:00Z

/// Does `s` look like SAS query parameters (`sv=`/`sig=` with `se=` or `sp=`)?
pub fn looks_like_sas(s: &str) -> bool {
    let p = params(s);
    p.contains_key("sig") && (p.contains_key("se") || p.contains_key("sp") || p.contains_key("sv"))
}

fn pct_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && i + 2 < b.len()
            && let Ok(v) =
                u8::from_str_radix(std::str::from_utf8(&b[i + 1..i + 3]).unwrap_or("zz"), 16)
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(if b[i] == b'+' { b' ' } else { b[i] });
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
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
                m.entry(k).or_insert_with(|| pct_decode(v.trim()));
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

/// Write-class permissions besides `w`/`d`.
const WRITE_CLASS: &[char] = &['a', 'c', 'u', 'x', 'y'];

/// Decode and judge a SAS.
pub fn assess(secret: &str, ctx: &Context<'_>, policy: &Policy) -> Assessment {
    let mut p = params(secret);
    if !(p.contains_key("se") || p.contains_key("sp") || p.contains_key("si")) {
        for (k, v) in params(&surrounding(ctx)) {
            p.entry(k).or_insert(v);
        }
    }
    p.remove("sig");
    if p.is_empty() {
        return not_decodable("Azure SAS", "no SAS parameters around the signature");
    }
    let mut a = Assessment::default();
    let props = &mut a.properties;
    let get = |k: &str| p.get(k).map(String::as_str);
    let kind = if get("skoid").is_some() {
        "user-delegation SAS"
    } else if get("ss").is_some() || get("srt").is_some() {
        "account SAS"
    } else {
        "service SAS"
    };
    props.insert("sas_kind".into(), kind.into());
    for (k, name) in [
        ("sv", "version"),
        ("ss", "services"),
        ("srt", "resource_types"),
        ("sp", "permissions"),
        ("sr", "resource"),
        ("si", "stored_policy"),
        ("sip", "allowed_ips"),
        ("spr", "protocols"),
    ] {
        if let Some(v) = get(k) {
            props.insert(name.into(), v.into());
        }
    }
    let st = get("st").and_then(parse_time);
    let se = get("se").and_then(parse_time);
    if let Some(t) = st.and_then(rfc3339) {
        props.insert("not_before".into(), t.into());
    }
    if let Some(t) = se.and_then(rfc3339) {
        props.insert("expires_at".into(), t.into());
    }
    let mut words = vec![kind.to_string()];
    let sp = get("sp").unwrap_or("");
    if !sp.is_empty() {
        words.push(format!("permissions {sp}"));
    }
    let srt = get("srt").unwrap_or("");
    let all_types = ['s', 'c', 'o'].iter().all(|c| srt.contains(*c));
    if sp.contains('w') || sp.contains('d') || all_types {
        a.flags.push("over-scoped".into());
        if all_types {
            words.push("every resource type".into());
        }
    } else if sp.contains(WRITE_CLASS) {
        a.flags.push("write-permissions".into());
    }
    if get("ss").is_some_and(|s| s.len() > 1) {
        a.flags.push("multi-service".into());
    }
    if get("spr").is_some_and(|s| s.contains("http") && s.contains(',')) {
        a.flags.push("allows-http".into());
    }
    match se {
        Some(e) => {
            let when = rfc3339(e).unwrap_or_default();
            if e < policy.now {
                a.flags.push("expired".into());
                words.push(format!("expired {when}"));
            } else {
                if e - policy.now > policy.max_sas_lifetime {
                    a.flags.push("long-lived".into());
                }
                if e >= NEVER_YEAR_TS {
                    a.flags.push("non-expiring".into());
                    words.push(format!("expires {when} (never, in practice)"));
                } else {
                    words.push(format!(
                        "expires {when}, {} from now",
                        human_duration(e - policy.now)
                    ));
                }
            }
        }
        None if get("si").is_some() => {
            words.push("expiry held by stored access policy (server-side)".into());
        }
        None => {
            words.push("no expiry (se) found".into());
        }
    }
    valid_at_commit(&mut a, ctx, st, se);
    a.summary = Some(format!("Azure {}", words.join(", ")));
    a
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::testutil::{ALNUM, Ctx, NOW, Rng};

    fn sig(r: &mut Rng) -> String {
        format!("{}%3D", r.alnum(43, ALNUM))
    }

    fn run(text: &str, secret: &str) -> Assessment {
        let c = Ctx::new(text, secret);
        crate::decode::assess("azure-sas", secret, &c.ctx(), &Policy::new(NOW))
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
