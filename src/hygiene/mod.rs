//! Pipeline step 6: the hygiene policy (tokens.md section 13). Decoders in [`crate::decode`]
//! turn a secret and its surrounding text into typed [`Facts`]; this module alone judges them
//! into the seven flags (`non-expiring`, `long-lived`, `expired`, `over-scoped`,
//! `legacy-service-account-token`, `no-audience`, `alg-none`) plus richer verdicts, the decoded
//! properties reported beside them, the summary sentence, and the level they raise a finding to.

mod aws;
mod gcp;
mod github;
mod jwt;
mod kubeadm;
mod macaroon;
pub mod manifest;
mod pem;
mod pkcs12;
mod sas;

use std::collections::BTreeMap;

pub use crate::decode::Context;
use crate::decode::{Decoder, Facts};
use crate::finding::Level;

/// Every verdict tokenhound reports, with its SARIF/JSON spelling ([`Flag::as_str`]). The first
/// seven are tokens.md section 13's flags, in table order; the rest are richer verdicts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Flag {
    /// No expiry at all.
    NonExpiring,
    /// Valid longer than the policy allows.
    LongLived,
    /// Expired before `now`.
    Expired,
    /// Grants more than one job needs.
    OverScoped,
    /// A Kubernetes secret-based service-account token.
    LegacyServiceAccountToken,
    /// A JWT without `aud`.
    NoAudience,
    /// A JWT with `alg: none`.
    AlgNone,
    /// `HS*` from a public identity provider, or a key named in the JWT header.
    WeakAlg,
    /// An Entra/Graph high-privilege permission.
    HighPrivilegeScope,
    /// A service account in `kube-system` or named `*admin*`.
    PrivilegedServiceAccount,
    /// A kubelet token extended to one year behind a 1 h `warnafter`.
    ExtendedExpiry,
    /// An OIDC ID token (meant for the client, not for APIs).
    IdTokenExposed,
    /// The token's checksum does not match (usually a placeholder).
    ChecksumMismatch,
    /// The lifetime is server-side and cannot be read offline.
    ExpiryUnknown,
    /// A SAS granting write-class permissions other than `w`/`d`.
    WritePermissions,
    /// A SAS valid for several storage services.
    MultiService,
    /// A SAS that allows plain HTTP.
    AllowsHttp,
    /// A default GCP service account (historically `roles/editor`).
    DefaultServiceAccount,
    /// A private key stored without a passphrase.
    UnencryptedPrivateKey,
    /// A workload that mounts an API token it may not need.
    AutomountServiceAccountToken,
    /// A SAS whose `se` is the year 2099 or later: the "never expires" idiom.
    FarFutureExpiry,
    /// A macaroon without any permission caveat: unrestricted.
    Unrestricted,
    /// A bootstrap token carrying groups beyond the default node-join group.
    ExtraGroups,
    /// An expiry or lifetime value that could not be parsed.
    ExpiryUnparseable,
    /// A key encrypted with a legacy scheme (PKCS#12's 3DES/RC2/RC4 PBE).
    LegacyEncryption,
}

impl Flag {
    /// The section-13 flags, in table order.
    pub const CORE: [Flag; 7] = [
        Flag::NonExpiring,
        Flag::LongLived,
        Flag::Expired,
        Flag::OverScoped,
        Flag::LegacyServiceAccountToken,
        Flag::NoAudience,
        Flag::AlgNone,
    ];

    /// The spelling in SARIF `properties.hygiene`, JSON `hygiene` and human output.
    pub fn as_str(self) -> &'static str {
        match self {
            Flag::NonExpiring => "non-expiring",
            Flag::LongLived => "long-lived",
            Flag::Expired => "expired",
            Flag::OverScoped => "over-scoped",
            Flag::LegacyServiceAccountToken => "legacy-service-account-token",
            Flag::NoAudience => "no-audience",
            Flag::AlgNone => "alg-none",
            Flag::WeakAlg => "weak-alg",
            Flag::HighPrivilegeScope => "high-privilege-scope",
            Flag::PrivilegedServiceAccount => "privileged-service-account",
            Flag::ExtendedExpiry => "extended-expiry",
            Flag::IdTokenExposed => "id-token-exposed",
            Flag::ChecksumMismatch => "checksum-mismatch",
            Flag::ExpiryUnknown => "expiry-unknown",
            Flag::WritePermissions => "write-permissions",
            Flag::MultiService => "multi-service",
            Flag::AllowsHttp => "allows-http",
            Flag::DefaultServiceAccount => "default-service-account",
            Flag::UnencryptedPrivateKey => "unencrypted-private-key",
            Flag::AutomountServiceAccountToken => "automount-service-account-token",
            Flag::FarFutureExpiry => "far-future-expiry",
            Flag::Unrestricted => "unrestricted",
            Flag::ExtraGroups => "extra-groups",
            Flag::ExpiryUnparseable => "expiry-unparseable",
            Flag::LegacyEncryption => "legacy-encryption",
        }
    }

    /// Default SARIF level of a section-13 flag (`None` for richer verdicts).
    pub fn level(self) -> Option<Level> {
        Some(match self {
            Flag::NonExpiring | Flag::LegacyServiceAccountToken | Flag::AlgNone => Level::Error,
            Flag::LongLived | Flag::OverScoped | Flag::NoAudience => Level::Warning,
            Flag::Expired => Level::Note,
            _ => return None,
        })
    }
}

/// The seven flags of tokens.md section 13, in table order, as spelled in reports.
pub const FLAGS: [&str; 7] = [
    "non-expiring",
    "long-lived",
    "expired",
    "over-scoped",
    "legacy-service-account-token",
    "no-audience",
    "alg-none",
];

/// Property keys that appear in reports (`properties` in SARIF and JSON), in one place.
pub mod props {
    #![allow(missing_docs)]
    pub const ACCOUNT_ID: &str = "account_id";
    pub const ALG: &str = "alg";
    pub const ALLOWED_IPS: &str = "allowed_ips";
    pub const APP_ID: &str = "app_id";
    pub const APP_IDS: &str = "app_ids";
    pub const AT_COMMIT: &str = "at_commit";
    pub const AUDIENCE: &str = "audience";
    pub const AUDIT: &str = "audit";
    pub const AZP: &str = "azp";
    pub const CAVEATS: &str = "caveats";
    pub const CLIENT_EMAIL: &str = "client_email";
    pub const CLIENT_ID: &str = "client_id";
    pub const CONTEXT: &str = "context";
    pub const DECODED: &str = "decoded";
    pub const DECODE_ERROR: &str = "decode_error";
    pub const DISCHARGE_TOKENS: &str = "discharge_tokens";
    pub const ENCODING: &str = "encoding";
    pub const ENCRYPTED: &str = "encrypted";
    pub const EXPIRATION_UNREADABLE: &str = "expiration_unreadable";
    pub const EXPIRES_AT: &str = "expires_at";
    pub const EXTENDED_KUBELET_TOKEN: &str = "extended_kubelet_token";
    pub const EXTRA_GROUPS: &str = "extra_groups";
    pub const FEATURES: &str = "features";
    pub const HAS_NONCE: &str = "has_nonce";
    pub const HASH_HEURISTIC: &str = "hash_heuristic";
    pub const ISSUED_AT: &str = "issued_at";
    pub const ISSUER: &str = "issuer";
    pub const KEY_ID_PREFIX: &str = "key_id_prefix";
    pub const KEY_BAG: &str = "key_bag";
    pub const KEY_CIPHER: &str = "key_cipher";
    pub const KEY_KIND: &str = "key_kind";
    pub const KEY_TYPE: &str = "key_type";
    pub const KID: &str = "kid";
    pub const LIFETIME_SECONDS: &str = "lifetime_seconds";
    pub const LOCATION: &str = "location";
    pub const MACAROON_ID: &str = "macaroon_id";
    pub const MAC_DIGEST: &str = "mac_digest";
    pub const NAMESPACE: &str = "namespace";
    pub const NODE: &str = "node";
    pub const NOT_BEFORE: &str = "not_before";
    pub const ORG_ID: &str = "org_id";
    pub const ORG_PERMISSIONS: &str = "org_permissions";
    pub const OWNER_ID: &str = "owner_id";
    pub const PERMISSIONS: &str = "permissions";
    pub const POD: &str = "pod";
    pub const PRIVATE_KEY_ID: &str = "private_key_id";
    pub const PROJECT: &str = "project";
    pub const PROJECT_IDS: &str = "project_ids";
    pub const PROJECTS: &str = "projects";
    pub const PROTOCOLS: &str = "protocols";
    pub const RESOURCE: &str = "resource";
    pub const RESOURCE_TYPES: &str = "resource_types";
    pub const ROLES: &str = "roles";
    pub const SAS_KIND: &str = "sas_kind";
    pub const SCOPE: &str = "scope";
    pub const SCOPES: &str = "scopes";
    pub const SECRET: &str = "secret";
    pub const SECRET_NAME: &str = "secret_name";
    pub const SERVICE_ACCOUNT: &str = "service_account";
    pub const SERVICES: &str = "services";
    pub const SIGNATURE: &str = "signature";
    pub const STORED_POLICY: &str = "stored_policy";
    pub const SUBJECT: &str = "subject";
    pub const TENANT_ID: &str = "tenant_id";
    pub const THIRD_PARTY_CAVEATS: &str = "third_party_caveats";
    pub const TOKEN_ID: &str = "token_id";
    pub const TOKEN_KIND: &str = "token_kind";
    pub const TRUSTED_PUBLISHER: &str = "trusted_publisher";
    pub const TTL_SECONDS: &str = "ttl_seconds";
    pub const TYP: &str = "typ";
    pub const USAGES: &str = "usages";
    pub const VALID_AT_COMMIT: &str = "valid_at_commit";
    pub const VERSION: &str = "version";
    pub const WARNAFTER: &str = "warnafter";
    pub const UNPARSEABLE: &str = "unparseable";
}

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

impl Assessment {
    /// Add a verdict.
    pub fn flag(&mut self, f: Flag) {
        self.flags.push(f.as_str().to_string());
    }

    /// Does the assessment carry `f`?
    pub fn has(&self, f: Flag) -> bool {
        self.flags.iter().any(|x| x == f.as_str())
    }

    /// Drop a verdict.
    pub fn unflag(&mut self, f: Flag) {
        self.flags.retain(|x| x != f.as_str());
    }

    /// Set a property.
    pub fn prop(&mut self, key: &str, v: impl Into<serde_json::Value>) {
        self.properties.insert(key.to_string(), v.into());
    }
}

/// Default SARIF level of a flag spelled as in reports (tokens.md section 13).
pub fn flag_level(flag: &str) -> Option<Level> {
    Flag::CORE
        .into_iter()
        .find(|f| f.as_str() == flag)
        .and_then(Flag::level)
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
    let has = |f: Flag| flags.iter().any(|x| x == f.as_str());
    if has(Flag::LongLived) && has(Flag::OverScoped) {
        level = Level::Error;
    }
    level
}

/// Decode one secret with `decoder` (see [`crate::decode::decode`] for rules without one) and
/// judge it under `policy`.
pub fn assess(
    decoder: Option<Decoder>,
    secret: &str,
    ctx: &Context<'_>,
    policy: &Policy,
) -> Assessment {
    let facts = crate::decode::decode(decoder, secret, ctx);
    judge(&facts, ctx.commit_time, policy)
}

/// Judge decoded facts under `policy` (`commit_time` set in history scans).
pub fn judge(facts: &Facts, commit_time: Option<i64>, policy: &Policy) -> Assessment {
    let mut a = match facts {
        Facts::Jwt(j) => jwt::judge(j, commit_time, policy),
        Facts::Pypi(p) => macaroon::judge_pypi(p, commit_time, policy),
        Facts::Fly(f) => macaroon::judge_fly(f, commit_time, policy),
        Facts::Sas(s) => sas::judge(s, commit_time, policy),
        Facts::Aws(k) => aws::judge(k, commit_time),
        Facts::Gcp(g) => gcp::judge(g, commit_time),
        Facts::Github(g) => github::judge(g, commit_time, policy),
        Facts::Kubeadm(k) => kubeadm::judge(k, commit_time, policy),
        Facts::StaticToken => {
            let mut a = Assessment::default();
            a.prop(props::TOKEN_KIND, "kubernetes-static-token");
            a.summary = Some(
                "static bearer token (token-auth file): expiry and scope are server-side".into(),
            );
            a
        }
        Facts::PrivateKey(k) => pem::judge(k),
        Facts::Pkcs12(k) => pkcs12::judge(k),
        Facts::RefreshToken => {
            let mut a = Assessment::default();
            a.flag(Flag::LongLived);
            a.summary = Some("refresh token, lives until revoked".into());
            a
        }
        Facts::Undecodable { what, why } => not_decodable(what, why),
        Facts::Nothing => Assessment::default(),
    };
    order_flags(&mut a.flags);
    if let (Some(live), Some(s)) = (
        a.properties
            .get(props::VALID_AT_COMMIT)
            .and_then(|v| v.as_bool()),
        a.summary.as_mut(),
    ) {
        let why = a.properties.get(props::AT_COMMIT).and_then(|v| v.as_str());
        match (live, why) {
            (true, _) => s.push_str("; it was valid when committed"),
            (false, Some(w)) => s.push_str(&format!("; it was {w} when committed")),
            (false, None) => s.push_str("; it was not valid when committed"),
        }
    }
    if let Some(s) = a.summary.as_mut() {
        cap_summary(s);
    }
    a
}

/// Longest summary (message) in characters: a token with thousands of groups, scopes or caveats
/// must not become a 50 KB message line. The full lists stay in `properties`.
pub const MAX_SUMMARY_CHARS: usize = 300;

/// Cut `s` to [`MAX_SUMMARY_CHARS`] characters (on a character boundary), ending it with "…".
pub fn cap_summary(s: &mut String) {
    if let Some((cut, _)) = s.char_indices().nth(MAX_SUMMARY_CHARS) {
        s.truncate(cut);
        s.push('…');
    }
}

/// What `tokenhound decode` learns about one token.
#[derive(Debug, Clone)]
pub struct Decoded {
    /// The decoder the token was read with.
    pub decoder: Decoder,
    /// The verdict and decoded facts.
    pub assessment: Assessment,
}

/// Decode one token given on its own (`input` may carry its context: a whole SAS URL, a
/// service-account JSON file, an `Authorization: Bearer` header). `decoder` overrides the guess.
/// `None` when the input is empty or its shape is not recognised.
pub fn decode_input(input: &str, decoder: Option<Decoder>, policy: &Policy) -> Option<Decoded> {
    let (token, range, decoder) = crate::decode::lone_token(input, decoder)?;
    let ctx = Context {
        text: input.as_bytes(),
        range: &range,
        path: "<stdin>",
        commit_time: None,
        chunk: input.as_bytes(),
        chunk_range: &range,
    };
    let assessment = assess(Some(decoder), token, &ctx, policy);
    Some(Decoded {
        decoder,
        assessment,
    })
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

/// Set `valid_at_commit` (history scans) from a validity window.
fn valid_at_commit(
    a: &mut Assessment,
    commit_time: Option<i64>,
    nbf: Option<i64>,
    exp: Option<i64>,
) {
    if let Some(ct) = commit_time {
        let early = nbf.is_some_and(|n| n > ct);
        let late = exp.is_some_and(|e| e <= ct);
        a.prop(props::VALID_AT_COMMIT, !early && !late);
        if early || late {
            let why = if late {
                "already expired"
            } else {
                "not yet valid"
            };
            a.prop(props::AT_COMMIT, why);
        }
    }
}

/// An assessment saying "not decodable" with a reason (never a panic, never the secret).
fn not_decodable(what: &str, why: &str) -> Assessment {
    let mut a = Assessment::default();
    a.prop(props::DECODED, false);
    a.prop(props::DECODE_ERROR, why);
    a.summary = Some(format!("{what} not decodable ({why})"));
    a
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::testutil;

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
    fn every_decoder_survives_random_and_mutated_input() {
        use testutil::Rng;
        let decoders = Decoder::ALL.map(Some);
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
            for d in decoders.iter().chain([&None]) {
                let _ = assess(*d, &text[start..], &c.ctx(), &p);
            }
            let _ = decode_input(&text, None, &p);
            let _ = manifest::audit(&text, &p);
        }
    }

    #[test]
    fn history_scans_say_whether_the_token_was_live_when_committed() {
        let p = Policy::new(testutil::NOW);
        let tok = "AKIAQ3EGTZ5KJDYW7RMA";
        let mut c = testutil::Ctx::new(tok, tok);
        assert!(
            !assess(Some(Decoder::AwsAccessKey), tok, &c.ctx(), &p)
                .properties
                .contains_key("valid_at_commit")
        );
        c.commit_time = Some(testutil::NOW - 86400);
        let a = assess(Some(Decoder::AwsAccessKey), tok, &c.ctx(), &p);
        assert_eq!(a.properties["valid_at_commit"], true);
        assert!(a.summary.unwrap().ends_with("it was valid when committed"));
    }

    #[test]
    fn decode_input_guesses_and_judges() {
        let p = Policy::new(testutil::NOW);
        let d = decode_input("  AKIAQ3EGTZ5KJDYW7RMA\n", None, &p).unwrap();
        assert_eq!(d.decoder, Decoder::AwsAccessKey);
        assert_eq!(d.assessment.flags, ["non-expiring"]);
        let d = decode_input(
            "Authorization: Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.",
            None,
            &p,
        )
        .unwrap();
        assert_eq!(d.decoder, Decoder::Jwt);
        assert!(d.assessment.flags.contains(&"alg-none".to_string()));
        assert!(decode_input("   ", None, &p).is_none());
        assert!(decode_input("what is this", None, &p).is_none());
        let d = decode_input("what is this", Some(Decoder::PypiMacaroon), &p).unwrap();
        assert_eq!(d.assessment.properties["decoded"], false);
    }

    #[test]
    fn summaries_are_capped() {
        let groups: Vec<String> = (0..3000).map(|i| format!("system:group-{i}")).collect();
        let text = format!(
            "apiVersion: v1\nkind: Secret\ntype: bootstrap.kubernetes.io/token\nstringData:\n  token-id: abcdef\n  token-secret: 0123456789abcdef\n  auth-extra-groups: {}\n",
            groups.join(",")
        );
        let c = testutil::Ctx::new(&text, "0123456789abcdef");
        let p = Policy::new(testutil::NOW);
        let a = assess(
            Some(Decoder::KubeadmBootstrap),
            "0123456789abcdef",
            &c.ctx(),
            &p,
        );
        let s = a.summary.unwrap();
        assert!(s.chars().count() <= MAX_SUMMARY_CHARS + 1, "{}", s.len());
        assert!(s.ends_with('…'));
        assert_eq!(a.properties["extra_groups"].as_array().unwrap().len(), 3000);
        let mut short = "é".repeat(10);
        cap_summary(&mut short);
        assert_eq!(short, "é".repeat(10));
    }
}
