//! Pipeline step 4: offline validation of a candidate secret. A rule names its checks as typed
//! [`Validator`]s; each is one function in a submodule by concern — [`checksum`] (GitHub, npm,
//! GitLab routable tokens, Azure identifiable keys, NATS NKey seeds), [`structure`] (JWT, SAS, macaroon header,
//! private-key body, PKCS#12 header), [`generic`] (generic assignments, URL passwords, opaque tokens),
//! [`classify`] (the confidence of generic candidates), [`placeholder`] (placeholders and published examples) and [`shape`] (entropy, character
//! classes, non-secret notations). A candidate that fails is dropped before it becomes a finding.

pub mod checksum;
pub mod classify;
pub mod generic;
pub mod identifiable;
pub mod placeholder;
pub mod shape;
pub mod structure;

use serde::{Deserialize, Serialize};

/// An offline check a rule can require of its secret (`validators = ['…']` in a rule file;
/// an unknown name fails rule loading).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Validator {
    /// GitHub / npm: the last 6 characters are the base62 CRC-32 of the random part.
    Crc32Base62,
    /// GitLab routable tokens: length field and CRC agree (legacy tokens pass).
    GitlabRoutable,
    /// A JWT whose header and payload decode to JSON objects.
    Jwt,
    /// The value of a generic `password = …` assignment is a secret, not code or a reference.
    GenericSecret,
    /// Standard base64 of `user:password`.
    Base64Credentials,
    /// Not a hex digest.
    NotHex,
    /// At least two character classes.
    MixedCaseOrDigits,
    /// An Azure SAS: signature plus SAS parameters.
    AzureSas,
    /// A kubeadm bootstrap token's secret mixes letters and digits.
    BootstrapToken,
    /// A URL's password is not a placeholder, reference or default.
    UrlPassword,
    /// A password given on a command line is not a placeholder or a well-known default
    /// (`password`, `mypass`, `admin123`): any other word may be someone's real password.
    DefaultPassword,
    /// A random 40-character AWS secret access key.
    AwsSecret,
    /// A private-key block with a real body.
    PrivateKey,
    /// A private-key block of another kind (`MATRIX PRIVATE KEY`, `NEBULA ED25519 PRIVATE
    /// KEY`) with a random body.
    LabeledPrivateKey,
    /// An opaque bearer/static token value.
    OpaqueToken,
    /// A pypi.org macaroon header.
    PypiMacaroon,
    /// Azure identifiable keys: the Marvin32 checksum.
    AzureIdentifiable,
    /// Base64 of a PKCS#12 (PFX) archive: version 3 and a PKCS#7 content.
    Pkcs12,
    /// Base64 of a Java key store (JKS/JCEKS) that is not a trust store.
    JavaKeystore,
    /// A JWK's private (`d`) or symmetric (`k`) member: base64url of random key bytes.
    JwkKeyMember,
    /// Base64 of a DER private key: one ASN.1 SEQUENCE exactly as long as the data, a version
    /// INTEGER first.
    DerPrivateKey,
    /// A NATS NKey seed: seed and key-type prefix bytes, CRC-16/XMODEM of the rest.
    NkeySeed,
    /// Unpadded base64url holding a `_` has the length of a key: 22, 32, 43, 64 or 86
    /// characters (16, 24, 32, 48 or 64 bytes). Other values pass.
    KeyLength,
    /// A Cloudflare Tunnel token: base64 of a JSON object holding the account tag `a`, the
    /// tunnel id `t` and the tunnel secret `s`.
    CloudflareTunnel,
    /// A Seqera Platform (Tower) personal access token: base64 of a JSON object holding the
    /// numeric token id `tid`, a `.` and a random secret.
    SeqeraToken,
}

impl Validator {
    /// Every validator, in documentation order.
    pub const ALL: [Validator; 25] = [
        Validator::Crc32Base62,
        Validator::GitlabRoutable,
        Validator::Jwt,
        Validator::GenericSecret,
        Validator::Base64Credentials,
        Validator::NotHex,
        Validator::MixedCaseOrDigits,
        Validator::AzureSas,
        Validator::BootstrapToken,
        Validator::UrlPassword,
        Validator::DefaultPassword,
        Validator::AwsSecret,
        Validator::PrivateKey,
        Validator::LabeledPrivateKey,
        Validator::OpaqueToken,
        Validator::PypiMacaroon,
        Validator::AzureIdentifiable,
        Validator::Pkcs12,
        Validator::JavaKeystore,
        Validator::JwkKeyMember,
        Validator::DerPrivateKey,
        Validator::NkeySeed,
        Validator::KeyLength,
        Validator::CloudflareTunnel,
        Validator::SeqeraToken,
    ];

    /// The name rule files use (`crc32-base62`, …).
    pub fn name(self) -> &'static str {
        match self {
            Validator::Crc32Base62 => "crc32-base62",
            Validator::GitlabRoutable => "gitlab-routable",
            Validator::Jwt => "jwt",
            Validator::GenericSecret => "generic-secret",
            Validator::Base64Credentials => "base64-credentials",
            Validator::NotHex => "not-hex",
            Validator::MixedCaseOrDigits => "mixed-case-or-digits",
            Validator::AzureSas => "azure-sas",
            Validator::BootstrapToken => "bootstrap-token",
            Validator::UrlPassword => "url-password",
            Validator::DefaultPassword => "default-password",
            Validator::AwsSecret => "aws-secret",
            Validator::PrivateKey => "private-key",
            Validator::LabeledPrivateKey => "labeled-private-key",
            Validator::OpaqueToken => "opaque-token",
            Validator::PypiMacaroon => "pypi-macaroon",
            Validator::AzureIdentifiable => "azure-identifiable",
            Validator::Pkcs12 => "pkcs12",
            Validator::JavaKeystore => "java-keystore",
            Validator::JwkKeyMember => "jwk-key-member",
            Validator::DerPrivateKey => "der-private-key",
            Validator::NkeySeed => "nkey-seed",
            Validator::KeyLength => "key-length",
            Validator::CloudflareTunnel => "cloudflare-tunnel",
            Validator::SeqeraToken => "seqera-token",
        }
    }

    /// A checksum the token's issuer computes into every token it issues (GitHub's and npm's
    /// CRC-32, GitLab's routable-token CRC, Azure's identifiable-key Marvin32, NATS seeds' CRC-16). A value that
    /// fails it was never issued (made up, altered or truncated): it is reported at level `note`,
    /// low confidence (shown with `--min-confidence low`), flagged `checksum-mismatch`, instead
    /// of being dropped (tokens.md §13: "report as a note or drop"). See
    /// [`crate::detect::checksum_fails`].
    pub fn is_checksum(self) -> bool {
        matches!(
            self,
            Validator::Crc32Base62
                | Validator::GitlabRoutable
                | Validator::AzureIdentifiable
                | Validator::NkeySeed
        )
    }

    /// Does `secret` pass this check?
    pub fn check(self, secret: &str) -> bool {
        match self {
            Validator::Crc32Base62 => crate::codec::crc32_base62_ok(secret),
            Validator::GitlabRoutable => checksum::gitlab_routable_ok(secret),
            Validator::Jwt => structure::jwt_structure_ok(secret),
            Validator::GenericSecret => generic::generic_secret_ok(secret),
            Validator::Base64Credentials => structure::base64_credentials_ok(secret),
            Validator::NotHex => !secret.bytes().all(|b| b.is_ascii_hexdigit()),
            Validator::MixedCaseOrDigits => shape::char_classes(secret) >= 2,
            Validator::AzureSas => structure::azure_sas_ok(secret),
            Validator::BootstrapToken => structure::bootstrap_token_ok(secret),
            Validator::UrlPassword => generic::url_password_ok(secret),
            Validator::DefaultPassword => {
                !placeholder::is_placeholder(secret) && !placeholder::is_default_password(secret)
            }
            Validator::AwsSecret => structure::aws_secret_ok(secret),
            Validator::PrivateKey => structure::private_key_ok(secret),
            Validator::LabeledPrivateKey => structure::labeled_private_key_ok(secret),
            Validator::OpaqueToken => generic::opaque_token_ok(secret),
            Validator::PypiMacaroon => structure::pypi_macaroon_ok(secret),
            Validator::AzureIdentifiable => identifiable::identifiable_checksum_ok(secret),
            Validator::Pkcs12 => structure::pkcs12_base64_ok(secret),
            Validator::JavaKeystore => structure::java_keystore_base64_ok(secret),
            Validator::JwkKeyMember => structure::jwk_key_member_ok(secret),
            Validator::DerPrivateKey => structure::der_private_key_ok(secret),
            Validator::NkeySeed => checksum::nkey_seed_ok(secret),
            Validator::KeyLength => shape::has_key_length(secret),
            Validator::CloudflareTunnel => structure::cloudflare_tunnel_ok(secret),
            Validator::SeqeraToken => structure::seqera_token_ok(secret),
        }
    }

    /// Why a value that fails this check is rejected (diagnostics of `rules check` and tests).
    pub fn reject_reason(self) -> &'static str {
        match self {
            Validator::Crc32Base62 => "checksum mismatch",
            Validator::GitlabRoutable => "routable-token CRC mismatch",
            Validator::Jwt => "not a JWT (header or payload is not JSON)",
            Validator::GenericSecret => "looks like a reference, hash, identifier or placeholder",
            Validator::Base64Credentials => "does not decode to user:password",
            Validator::NotHex => "hex digest",
            Validator::MixedCaseOrDigits => "rejected",
            Validator::AzureSas => "not a SAS (no signature, or no sv/se/sp parameter)",
            Validator::BootstrapToken => "bootstrap-token secret lacks letters or digits",
            Validator::UrlPassword => "URL password is a placeholder, reference or default",
            Validator::DefaultPassword => "password is a placeholder or a well-known default",
            Validator::AwsSecret => "not a random 40-character secret key",
            Validator::PrivateKey => "key body is empty, elided or a placeholder",
            Validator::LabeledPrivateKey => {
                "a DER or OpenSSH key's label, or a body that is empty, elided or a placeholder"
            }
            Validator::OpaqueToken => "looks like a reference, identifier or placeholder",
            Validator::PypiMacaroon => "not a pypi.org macaroon",
            Validator::AzureIdentifiable => "identifiable-key checksum (Marvin32) mismatch",
            Validator::Pkcs12 => "not a PKCS#12 archive (version 3, PKCS#7 content)",
            Validator::JavaKeystore => "not a Java key store with a key (or a trust store)",
            Validator::JwkKeyMember => "not base64url of random key bytes",
            Validator::DerPrivateKey => "not base64 of one whole DER private-key structure",
            Validator::NkeySeed => "NKey seed CRC-16 or key-type mismatch",
            Validator::KeyLength => {
                "unpadded base64url not as long as a 16, 24, 32, 48 or 64-byte key"
            }
            Validator::CloudflareTunnel => {
                "not base64 of a tunnel token's JSON (account tag, tunnel id, secret)"
            }
            Validator::SeqeraToken => {
                "not base64 of a token id (`{\"tid\": N}`), a `.` and a random secret"
            }
        }
    }

    /// Run this check as a [`Verdict`].
    pub fn run(self, secret: &str) -> Verdict {
        if self.check(secret) {
            Verdict::Pass
        } else {
            Verdict::Reject(self.reject_reason())
        }
    }
}

/// Outcome of validating one candidate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Looks real.
    Pass,
    /// Rejected, with a short reason (used in `rules check` diagnostics and tests).
    Reject(&'static str),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validator_names_round_trip_through_serde() {
        for v in Validator::ALL {
            let json = serde_json::to_string(&v).unwrap();
            assert_eq!(json, format!("\"{}\"", v.name()));
            let back: Validator = serde_json::from_str(&json).unwrap();
            assert_eq!(back, v);
        }
        assert!(serde_json::from_str::<Validator>("\"crc32-base26\"").is_err());
    }
}
