//! Pipeline step 5 (decoding): per-family decoders that read what a token says about itself —
//! JWT claims, macaroon caveats, SAS parameters, key-id prefixes, manifest fields — offline,
//! never verifying or printing signatures. [`assess`] dispatches on the rule's family key
//! (PLAN.md contract) and each decoder judges its facts under the [`Policy`].

pub mod aws;
pub mod gcp;
pub mod github;
pub mod jwt;
pub mod kubeadm;
pub mod macaroon;
pub mod pem;
pub mod sas;

use crate::hygiene::{Assessment, Context, FLAGS, Policy};

/// Decode `secret` of `family` in its context and judge it under `policy`.
pub fn assess(family: &str, secret: &str, ctx: &Context<'_>, policy: &Policy) -> Assessment {
    let mut a = match family {
        f if f == "jwt" || f.starts_with("jwt-") => jwt::assess(secret, ctx, policy),
        "pypi-token" => macaroon::assess_pypi(secret, ctx, policy),
        "flyio-token" => macaroon::assess_fly(secret, ctx, policy),
        "azure-sas" => sas::assess(secret, ctx, policy),
        f if f.starts_with("aws-access-key") || f == "aws-session-credentials" => {
            aws::assess(secret, ctx, policy)
        }
        "gcp-service-account-key" => gcp::assess(secret, ctx, policy),
        f if f.starts_with("github-") => github::assess(f, secret, ctx, policy),
        "kubeadm-bootstrap-token" => kubeadm::assess(secret, ctx, policy),
        "kubeconfig-static-token" => static_token(secret, ctx, policy),
        "private-key" => pem::assess(secret, ctx, policy),
        f if f.ends_with("-refresh-token") => {
            let mut a = Assessment::default();
            a.flags.push("long-lived".into());
            a.summary = Some("refresh token, lives until revoked".into());
            a
        }
        _ if jwt::looks_like_jwt(secret) => jwt::assess(secret, ctx, policy),
        _ => Assessment::default(),
    };
    order_flags(&mut a.flags);
    if let (Some(live), Some(s)) = (
        a.properties
            .get("valid_at_commit")
            .and_then(|v| v.as_bool()),
        a.summary.as_mut(),
    ) {
        let why = a.properties.get("at_commit").and_then(|v| v.as_str());
        match (live, why) {
            (true, _) => s.push_str("; it was valid when committed"),
            (false, Some(w)) => s.push_str(&format!("; it was {w} when committed")),
            (false, None) => s.push_str("; it was not valid when committed"),
        }
    }
    a
}

/// The family a lone token most likely belongs to, from its shape (for `tokenhound decode`).
pub fn guess_family(token: &str) -> Option<&'static str> {
    let t = token.trim();
    if t.contains("\"service_account\"") && t.contains("private_key") {
        return Some("gcp-service-account-key");
    }
    if t.starts_with("pypi-") {
        return Some("pypi-token");
    }
    if t.starts_with("FlyV1 ")
        || t.starts_with("fm2_")
        || t.starts_with("fm1r_")
        || t.starts_with("fm1a_")
    {
        return Some("flyio-token");
    }
    if let Some(f) = github::family_of(t) {
        return Some(f);
    }
    if aws::key_id_in(t).is_some() {
        return Some("aws-access-key");
    }
    if sas::looks_like_sas(t) {
        return Some("azure-sas");
    }
    if kubeadm::split_token(t).is_some() {
        return Some("kubeadm-bootstrap-token");
    }
    let bare = t.strip_prefix("Bearer ").unwrap_or(t).trim();
    if jwt::looks_like_jwt(bare) {
        return Some("jwt");
    }
    None
}

/// What `tokenhound decode` learns about one token.
#[derive(Debug, Clone)]
pub struct Decoded {
    /// The family the token was judged as.
    pub family: String,
    /// The verdict and decoded facts.
    pub assessment: Assessment,
}

/// Decode one token given on its own (`input` may carry its context: a whole SAS URL, a
/// service-account JSON file, an `Authorization: Bearer` header). `family` overrides the guess.
/// `None` when the input is empty or its shape is not recognised.
pub fn decode_input(input: &str, family: Option<&str>, policy: &Policy) -> Option<Decoded> {
    let trimmed = input.trim();
    if trimmed.is_empty() {
        return None;
    }
    let token = trimmed
        .strip_prefix("Authorization:")
        .map(str::trim)
        .unwrap_or(trimmed);
    let token = token
        .strip_prefix("Bearer ")
        .map(str::trim)
        .unwrap_or(token);
    let family = match family {
        Some(f) => f.to_string(),
        None => guess_family(token)?.to_string(),
    };
    let start = input.find(token).unwrap_or(0);
    let range = start..start + token.len();
    let ctx = Context {
        text: input.as_bytes(),
        range: &range,
        path: "<stdin>",
        commit_time: None,
        chunk: input.as_bytes(),
        chunk_range: &range,
    };
    let assessment = assess(&family, token, &ctx, policy);
    Some(Decoded { family, assessment })
}

/// A kubeconfig `token:` that is not a JWT: a bootstrap token (decoded as such) or a static
/// token from `--token-auth-file`, which never expires.
fn static_token(secret: &str, ctx: &Context<'_>, policy: &Policy) -> Assessment {
    if jwt::looks_like_jwt(secret) {
        return jwt::assess(secret, ctx, policy);
    }
    let mut a = Assessment::default();
    if kubeadm::split_token(secret.trim()).is_some() {
        a = kubeadm::assess(secret, ctx, policy);
        a.properties
            .insert("token_kind".into(), "kubeadm-bootstrap-token".into());
        return a;
    }
    a.properties
        .insert("token_kind".into(), "kubernetes-static-token".into());
    a.summary =
        Some("static bearer token (token-auth file): expiry and scope are server-side".into());
    a
}

/// Put the seven section-13 flags first (in their table order), then richer verdicts in the
/// order they were added; drop duplicates.
pub fn order_flags(flags: &mut Vec<String>) {
    let mut out: Vec<String> = Vec::with_capacity(flags.len());
    for f in FLAGS {
        if flags.iter().any(|x| x == f) {
            out.push(f.to_string());
        }
    }
    for f in flags.iter() {
        if !FLAGS.contains(&f.as_str()) && !out.contains(f) {
            out.push(f.clone());
        }
    }
    *flags = out;
}

/// Unix seconds as RFC 3339 UTC (`None` when out of range).
pub fn rfc3339(ts: i64) -> Option<String> {
    chrono::DateTime::from_timestamp(ts, 0)
        .map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
}

/// Parse an RFC 3339 / ISO-8601 UTC time (`2026-01-01T00:00:00Z`, `2026-01-01`, with or without
/// seconds or fraction) into Unix seconds.
pub fn parse_time(s: &str) -> Option<i64> {
    let s = s.trim().trim_matches(|c| c == '"' || c == '\'');
    if let Ok(d) = chrono::DateTime::parse_from_rfc3339(s) {
        return Some(d.timestamp());
    }
    let formats = [
        "%Y-%m-%dT%H:%M:%SZ",
        "%Y-%m-%dT%H:%MZ",
        "%Y-%m-%dT%H:%M:%S%.fZ",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M:%S",
    ];
    for f in formats {
        if let Ok(d) = chrono::NaiveDateTime::parse_from_str(s, f) {
            return Some(d.and_utc().timestamp());
        }
    }
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|d| d.and_utc().timestamp())
}

/// A duration in words: `3600` → `1h`, `31536000` → `365d`.
pub fn human_duration(secs: i64) -> String {
    let s = secs.unsigned_abs();
    let sign = if secs < 0 { "-" } else { "" };
    let body = if s >= 86400 * 2 {
        let d = s / 86400;
        if d % 365 == 0 {
            format!("{} year{}", d / 365, if d / 365 == 1 { "" } else { "s" })
        } else {
            format!("{d}d")
        }
    } else if s >= 3600 && s % 3600 == 0 {
        format!("{}h", s / 3600)
    } else if s >= 60 && s % 60 == 0 {
        format!("{}m", s / 60)
    } else {
        format!("{s}s")
    };
    format!("{sign}{body}")
}

/// Set `valid_at_commit` (history scans) from a validity window.
pub fn valid_at_commit(a: &mut Assessment, ctx: &Context<'_>, nbf: Option<i64>, exp: Option<i64>) {
    if let Some(ct) = ctx.commit_time {
        let early = nbf.is_some_and(|n| n > ct);
        let late = exp.is_some_and(|e| e <= ct);
        a.properties
            .insert("valid_at_commit".into(), (!early && !late).into());
        if early || late {
            let why = if late {
                "already expired"
            } else {
                "not yet valid"
            };
            a.properties.insert("at_commit".into(), why.into());
        }
    }
}

/// Mark an assessment as "not decodable" with a reason (never a panic, never the secret).
pub fn not_decodable(what: &str, why: &str) -> Assessment {
    let mut a = Assessment::default();
    a.properties.insert("decoded".into(), false.into());
    a.properties.insert("decode_error".into(), why.into());
    a.summary = Some(format!("{what} not decodable ({why})"));
    a
}

/// The line (without its newline) around byte offset `at` of `text`.
pub fn line_at(text: &[u8], at: usize) -> &[u8] {
    let at = at.min(text.len());
    let start = text[..at]
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let end = text[at..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(text.len(), |i| at + i);
    &text[start..end]
}

/// The YAML document (between `---` separators) around byte offset `at`, with its start offset.
pub fn yaml_document(text: &[u8], at: usize) -> (usize, &[u8]) {
    let at = at.min(text.len());
    let mut start = 0;
    let mut end = text.len();
    let mut pos = 0;
    for line in text.split(|&b| b == b'\n') {
        let next = pos + line.len() + 1;
        let trimmed = line.strip_suffix(b"\r").unwrap_or(line);
        if trimmed.starts_with(b"---") && trimmed[3..].iter().all(|b| b.is_ascii_whitespace()) {
            if pos <= at {
                start = next.min(text.len());
            } else {
                end = pos;
                break;
            }
        }
        pos = next;
    }
    (start, &text[start..end.max(start)])
}

#[cfg(test)]
pub(crate) mod testutil {
    //! Test helpers: a deterministic random generator and a context builder.
    use std::ops::Range;

    use crate::hygiene::Context;

    /// xorshift64*: random bytes for generated test tokens.
    pub struct Rng(pub u64);

    impl Rng {
        pub fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
        }
        pub fn bytes(&mut self, n: usize) -> Vec<u8> {
            (0..n).map(|_| self.next() as u8).collect()
        }
        pub fn alnum(&mut self, n: usize, alphabet: &[u8]) -> String {
            (0..n)
                .map(|_| alphabet[(self.next() % alphabet.len() as u64) as usize] as char)
                .collect()
        }
    }

    pub const LOWER_DIGITS: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    pub const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    /// Owned text + range, to build a [`Context`] from.
    pub struct Ctx {
        pub text: Vec<u8>,
        pub range: Range<usize>,
        pub commit_time: Option<i64>,
    }

    impl Ctx {
        /// `text` with the secret at its first occurrence.
        pub fn new(text: &str, secret: &str) -> Ctx {
            let start = text.find(secret).expect("secret in text");
            Ctx {
                text: text.as_bytes().to_vec(),
                range: start..start + secret.len(),
                commit_time: None,
            }
        }
        pub fn ctx(&self) -> Context<'_> {
            Context {
                text: &self.text,
                range: &self.range,
                path: "test",
                commit_time: self.commit_time,
                chunk: &self.text,
                chunk_range: &self.range,
            }
        }
    }

    /// 2026-11-01T00:00:00Z
    pub const NOW: i64 = 1_793_491_200;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_are_ordered_and_deduplicated() {
        let mut f = vec![
            "weak-alg".to_string(),
            "no-audience".into(),
            "non-expiring".into(),
            "weak-alg".into(),
            "over-scoped".into(),
        ];
        order_flags(&mut f);
        assert_eq!(
            f,
            ["non-expiring", "over-scoped", "no-audience", "weak-alg"]
        );
    }

    #[test]
    fn times_parse_and_print() {
        assert_eq!(parse_time("2026-11-01T00:00:00Z"), Some(testutil::NOW));
        assert_eq!(parse_time("2026-11-01"), Some(testutil::NOW));
        assert_eq!(parse_time("2026-11-01T00:00Z"), Some(testutil::NOW));
        assert_eq!(parse_time("not a time"), None);
        assert_eq!(
            rfc3339(testutil::NOW).as_deref(),
            Some("2026-11-01T00:00:00Z")
        );
        assert_eq!(rfc3339(i64::MAX), None);
        assert_eq!(human_duration(3600), "1h");
        assert_eq!(human_duration(31_536_000), "1 year");
        assert_eq!(human_duration(7 * 86400), "7d");
    }

    #[test]
    fn yaml_documents_split_on_separators() {
        let t = b"a: 1\n---\nkind: Secret\ntoken: x\n---\nb: 2\n";
        let at = t.windows(5).position(|w| w == b"token").unwrap();
        let (start, doc) = yaml_document(t, at);
        assert_eq!(doc, b"kind: Secret\ntoken: x\n");
        assert_eq!(start, 9);
        assert_eq!(line_at(t, at), b"token: x");
    }

    /// A cheap, deterministic stand-in for the cargo-fuzz targets (which stay out of CI): every
    /// decoder on random bytes and on byte-mutated, truncated structured inputs.
    #[test]
    fn every_decoder_survives_random_and_mutated_input() {
        use testutil::Rng;
        let families = [
            "jwt",
            "pypi-token",
            "flyio-token",
            "azure-sas",
            "aws-access-key",
            "gcp-service-account-key",
            "github-classic-pat",
            "github-fine-grained-pat",
            "github-server-to-server",
            "kubeadm-bootstrap-token",
            "kubeconfig-static-token",
            "private-key",
        ];
        let seeds = [
            "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJrdWJlcm5ldGVzL3NlcnZpY2VhY2NvdW50IiwiYXVkIjpbXSwiZXhwIjoxfQ.c2ln",
            "pypi-AgEIcHlwaS5vcmcCBGFiY2QAAgpbMyxbInUiXV0AAAYgAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            "FlyV1 fm2_lJPEAQHEAQLDtWh0dHBzOi8vYXBpLmZseS5pby92MZIAkgEfxAA=",
            "https://a.blob.core.windows.net/c?sp=rwd&se=2030-01-01T00%3A00%3A00Z&srt=sco&sig=abc%3D",
            "{\"type\": \"service_account\", \"client_email\": \"1-compute@developer.gserviceaccount.com\", \"private_key\": \"-----BEGIN PRIVATE KEY-----\\nAAAA\"}",
            "kind: InitConfiguration\nbootstrapTokens:\n- token: abcdef.0123456789abcdef\n  ttl: 0\n---\ntype: bootstrap.kubernetes.io/token\nexpiration: MjAyNQ==\n",
            "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ\n",
            "ghs_123_eyJhbGciOiJub25lIn0.eyJleHAiOjF9.",
        ];
        let p = Policy::new(testutil::NOW);
        let mut r = Rng(0x5eed);
        for i in 0..6000usize {
            let mut b: Vec<u8> = if i % 3 == 0 {
                let n = (r.next() % 300) as usize;
                r.bytes(n)
            } else {
                seeds[i % seeds.len()].as_bytes().to_vec()
            };
            for _ in 0..(r.next() % 6) {
                if b.is_empty() {
                    break;
                }
                let at = (r.next() as usize) % b.len();
                match r.next() % 3 {
                    0 => {
                        let v = r.next() as u8;
                        b[at] = v
                    }
                    1 => b.truncate(at),
                    _ => {
                        let k = (r.next() % 14) as usize;
                        b.insert(at, b"=.:\n-_%{}[]\"\\ "[k])
                    }
                }
            }
            let text = String::from_utf8_lossy(&b).into_owned();
            let mut c = testutil::Ctx::new(&text, "");
            let n = text.len();
            let start = if n == 0 {
                0
            } else {
                (r.next() as usize) % (n + 1)
            };
            let start = (0..=start)
                .rev()
                .find(|&i| text.is_char_boundary(i))
                .unwrap_or(0);
            c.range = start..n;
            c.commit_time = (i % 2 == 0).then_some(testutil::NOW - 1000);
            for f in families {
                let _ = assess(f, &text[start..], &c.ctx(), &p);
            }
            let _ = decode_input(&text, None, &p);
            let _ = crate::audit::audit(&text, &p);
        }
    }

    #[test]
    fn history_scans_say_whether_the_token_was_live_when_committed() {
        let p = Policy::new(testutil::NOW);
        let tok = "AKIAIOSFODNN7ABCDEFG";
        let mut c = testutil::Ctx::new(tok, tok);
        assert!(
            !assess("aws-access-key", tok, &c.ctx(), &p)
                .properties
                .contains_key("valid_at_commit")
        );
        c.commit_time = Some(testutil::NOW - 86400);
        let a = assess("aws-access-key", tok, &c.ctx(), &p);
        assert_eq!(a.properties["valid_at_commit"], true);
        assert!(a.summary.unwrap().ends_with("it was valid when committed"));
    }

    #[test]
    fn decode_input_guesses_and_judges() {
        let p = Policy::new(testutil::NOW);
        let d = decode_input("  AKIAIOSFODNN7ABCDEFG\n", None, &p).unwrap();
        assert_eq!(d.family, "aws-access-key");
        assert_eq!(d.assessment.flags, ["non-expiring"]);
        let d = decode_input(
            "Authorization: Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.",
            None,
            &p,
        )
        .unwrap();
        assert_eq!(d.family, "jwt");
        assert!(d.assessment.flags.contains(&"alg-none".to_string()));
        assert!(decode_input("   ", None, &p).is_none());
        assert!(decode_input("what is this", None, &p).is_none());
        let d = decode_input("what is this", Some("pypi-token"), &p).unwrap();
        assert_eq!(d.assessment.properties["decoded"], false);
    }

    #[test]
    fn guesses_families_from_shape() {
        assert_eq!(
            guess_family("eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0."),
            Some("jwt")
        );
        assert_eq!(guess_family("AKIAIOSFODNN7ABCDEFG"), Some("aws-access-key"));
        assert_eq!(
            guess_family("abcdef.0123456789abcdef"),
            Some("kubeadm-bootstrap-token")
        );
        assert_eq!(guess_family("hello world"), None);
    }
}
