//! Pipeline step 5 (decoding): per-family decoders that read what a token says about itself —
//! JWT claims, macaroon caveats, SAS parameters, key-id prefixes, manifest fields — offline,
//! never verifying or printing signatures. [`decode`] dispatches on the rule's typed
//! [`Decoder`] and returns typed [`Facts`]; judging them is [`crate::hygiene`]'s job alone (no
//! module here imports it).

pub mod aws;
pub mod gcp;
pub mod github;
pub mod jwt;
pub mod kubeadm;
pub mod macaroon;
pub mod manifest;
pub mod pem;
pub mod pkcs12;
pub mod sas;

use std::ops::Range;

use serde::Deserialize;

/// Which decoder reads a rule's secrets (`decoder = "…"` in a rule). Decoding is chosen by this
/// typed value, never by the rule's family string: an unknown name fails rule loading.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Decoder {
    /// A compact JWT (tokens.md §9, §10).
    Jwt,
    /// A PyPI `pypi-` macaroon (§3).
    PypiMacaroon,
    /// A Fly.io `FlyV1`/`fm1r_`/`fm1a_`/`fm2_` macaroon or bundle (§4).
    FlyioMacaroon,
    /// An Azure shared access signature, read with the URL around it (§8).
    AzureSas,
    /// An AWS access key id (§6).
    AwsAccessKey,
    /// A Google Cloud service-account key file (§7).
    GcpServiceAccount,
    /// A GitHub token, by prefix (§1).
    Github,
    /// A kubeadm bootstrap token with its config, command line or Secret (§11).
    KubeadmBootstrap,
    /// A kubeconfig `token:` (a JWT, a bootstrap token or a static token).
    KubeconfigStaticToken,
    /// A private key block (§12).
    PrivateKey,
    /// An OAuth refresh token: lives until revoked.
    RefreshToken,
    /// A base64 PKCS#12 key store (§12 `*.p12`/`*.pfx`).
    Pkcs12,
}

impl Decoder {
    /// Every decoder, in declaration order.
    pub const ALL: [Decoder; 12] = [
        Decoder::Jwt,
        Decoder::PypiMacaroon,
        Decoder::FlyioMacaroon,
        Decoder::AzureSas,
        Decoder::AwsAccessKey,
        Decoder::GcpServiceAccount,
        Decoder::Github,
        Decoder::KubeadmBootstrap,
        Decoder::KubeconfigStaticToken,
        Decoder::PrivateKey,
        Decoder::RefreshToken,
        Decoder::Pkcs12,
    ];

    /// The name as written in rules and accepted by `tokenhound decode --family`.
    pub fn as_str(self) -> &'static str {
        match self {
            Decoder::Jwt => "jwt",
            Decoder::PypiMacaroon => "pypi-macaroon",
            Decoder::FlyioMacaroon => "flyio-macaroon",
            Decoder::AzureSas => "azure-sas",
            Decoder::AwsAccessKey => "aws-access-key",
            Decoder::GcpServiceAccount => "gcp-service-account",
            Decoder::Github => "github",
            Decoder::KubeadmBootstrap => "kubeadm-bootstrap",
            Decoder::KubeconfigStaticToken => "kubeconfig-static-token",
            Decoder::PrivateKey => "private-key",
            Decoder::RefreshToken => "refresh-token",
            Decoder::Pkcs12 => "pkcs12",
        }
    }

    /// The decoder of this name (see [`Decoder::as_str`]).
    pub fn from_name(name: &str) -> Option<Decoder> {
        Decoder::ALL.into_iter().find(|d| d.as_str() == name)
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

/// The typed facts one decoder read from a secret and its context. Verdicts are
/// [`crate::hygiene`]'s business.
#[derive(Debug, Clone)]
pub enum Facts {
    /// A JWT's header and claims.
    Jwt(Box<jwt::JwtFacts>),
    /// A PyPI macaroon's caveats.
    Pypi(macaroon::PypiFacts),
    /// Fly.io tokens (a `FlyV1` header may bundle a permission token and its discharges).
    Fly(Vec<macaroon::FlyToken>),
    /// Azure SAS parameters.
    Sas(sas::SasFacts),
    /// An AWS key id.
    Aws(aws::AwsFacts),
    /// A GCP service-account key file's fields.
    Gcp(gcp::GcpFacts),
    /// A GitHub token.
    Github(github::GithubFacts),
    /// A kubeadm bootstrap token and its context.
    Kubeadm(kubeadm::KubeadmFacts),
    /// A kubeconfig static token (token-auth file): nothing decodable.
    StaticToken,
    /// A private key block.
    PrivateKey(pem::PemFacts),
    /// A PKCS#12 key store.
    Pkcs12(pkcs12::Pkcs12Facts),
    /// An OAuth refresh token.
    RefreshToken,
    /// The decoder recognised the family but could not read the token.
    Undecodable {
        /// What was being decoded ("JWT", "PyPI token", …).
        what: &'static str,
        /// Why it failed (never the secret).
        why: String,
    },
    /// Nothing to decode (no decoder, or a shape with nothing to say).
    Nothing,
}

impl Facts {
    pub(crate) fn undecodable(what: &'static str, why: impl Into<String>) -> Facts {
        Facts::Undecodable {
            what,
            why: why.into(),
        }
    }
}

/// Decode `secret` with `decoder` in its context. Rules without a decoder get one documented
/// fallback: a secret that looks like a JWT (`eyJ….eyJ….…`) is decoded as one, so JWTs found by
/// generic rules (bearer headers, assignments) are still judged.
pub fn decode(decoder: Option<Decoder>, secret: &str, ctx: &Context<'_>) -> Facts {
    let decoder = match decoder {
        Some(d) => d,
        None if jwt::looks_like_jwt(secret) => Decoder::Jwt,
        None => return Facts::Nothing,
    };
    match decoder {
        Decoder::Jwt => jwt::facts(secret),
        Decoder::PypiMacaroon => macaroon::pypi_facts(secret),
        Decoder::FlyioMacaroon => macaroon::fly_facts(secret),
        Decoder::AzureSas => sas::facts(secret, ctx),
        Decoder::AwsAccessKey => aws::facts(secret),
        Decoder::GcpServiceAccount => Facts::Gcp(gcp::facts(ctx)),
        Decoder::Github => Facts::Github(github::facts(secret)),
        Decoder::KubeadmBootstrap => Facts::Kubeadm(kubeadm::facts(secret, ctx)),
        Decoder::KubeconfigStaticToken => static_token(secret, ctx),
        Decoder::PrivateKey => pem::facts(secret, ctx),
        Decoder::RefreshToken => Facts::RefreshToken,
        Decoder::Pkcs12 => pkcs12::facts(secret),
    }
}

/// A kubeconfig `token:` that is not a JWT: a bootstrap token (decoded as such) or a static
/// token from `--token-auth-file`.
fn static_token(secret: &str, ctx: &Context<'_>) -> Facts {
    if jwt::looks_like_jwt(secret) {
        return jwt::facts(secret);
    }
    if kubeadm::split_token(secret.trim()).is_some() {
        let mut k = kubeadm::facts(secret, ctx);
        k.in_kubeconfig = true;
        return Facts::Kubeadm(k);
    }
    Facts::StaticToken
}

/// The decoder a lone token most likely needs, from its shape (for `tokenhound decode`).
pub fn guess_decoder(token: &str) -> Option<Decoder> {
    let t = token.trim();
    if t.contains("\"service_account\"") && t.contains("private_key") {
        return Some(Decoder::GcpServiceAccount);
    }
    if t.starts_with("pypi-") {
        return Some(Decoder::PypiMacaroon);
    }
    if t.starts_with("FlyV1 ")
        || t.starts_with("fm2_")
        || t.starts_with("fm1r_")
        || t.starts_with("fm1a_")
    {
        return Some(Decoder::FlyioMacaroon);
    }
    if github::family_of(t).is_some() {
        return Some(Decoder::Github);
    }
    if aws::key_id_in(t).is_some() {
        return Some(Decoder::AwsAccessKey);
    }
    if sas::looks_like_sas(t) {
        return Some(Decoder::AzureSas);
    }
    if kubeadm::split_token(t).is_some() {
        return Some(Decoder::KubeadmBootstrap);
    }
    if t.starts_with("MI") && matches!(pkcs12::facts(t), Facts::Pkcs12(_)) {
        return Some(Decoder::Pkcs12);
    }
    let bare = t.strip_prefix("Bearer ").unwrap_or(t).trim();
    if jwt::looks_like_jwt(bare) {
        return Some(Decoder::Jwt);
    }
    None
}

/// A lone token as `tokenhound decode` reads it: the token text (an `Authorization:` header and
/// `Bearer ` prefix stripped), its byte range in the input, and the decoder to use (`family`
/// names one, else it is guessed). `None` when the input is empty or its shape is unknown.
pub fn lone_token(input: &str, decoder: Option<Decoder>) -> Option<(&str, Range<usize>, Decoder)> {
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
    let decoder = match decoder {
        Some(d) => d,
        None => guess_decoder(token)?,
    };
    let start = input.find(token).unwrap_or(0);
    Some((token, start..start + token.len(), decoder))
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

/// The DER builder the integration tests use too (one file for both).
#[cfg(test)]
#[path = "../../tests/common/der.rs"]
mod der_builder;

#[cfg(test)]
pub(crate) mod testutil {
    //! Test helpers: a deterministic random generator and a context builder.
    use std::ops::Range;

    pub use super::der_builder::der;

    use super::Context;

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

    /// `n` characters of `alphabet` from a fixed-seed xorshift generator (test values, not
    /// secrets), shared by the detector and decoded-view tests.
    pub fn random(n: usize, seed: u64, alphabet: &[u8]) -> String {
        let mut x = seed | 1;
        (0..n)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                alphabet[(x % alphabet.len() as u64) as usize] as char
            })
            .collect()
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

    #[test]
    fn decoder_names_round_trip_and_unknown_names_fail() {
        for d in Decoder::ALL {
            assert_eq!(Decoder::from_name(d.as_str()), Some(d));
            let parsed: Decoder =
                serde_json::from_value(serde_json::Value::from(d.as_str())).unwrap();
            assert_eq!(parsed, d);
        }
        assert!(serde_json::from_value::<Decoder>(serde_json::Value::from("jwt-typo")).is_err());
        assert_eq!(Decoder::from_name("github-classic-pat"), None);
    }

    #[test]
    fn guesses_decoders_from_shape() {
        assert_eq!(
            guess_decoder("eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0."),
            Some(Decoder::Jwt)
        );
        assert_eq!(
            guess_decoder("AKIAQ3EGTZ5KJDYW7RMA"),
            Some(Decoder::AwsAccessKey)
        );
        assert_eq!(
            guess_decoder("abcdef.0123456789abcdef"),
            Some(Decoder::KubeadmBootstrap)
        );
        assert_eq!(guess_decoder("hello world"), None);
    }
}
