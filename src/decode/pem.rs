//! Decoder (step 5) for private keys (tokens.md §12): the key type from the PEM header, and
//! whether the key is encrypted (PKCS#8 `ENCRYPTED PRIVATE KEY`, legacy `Proc-Type: 4,ENCRYPTED`,
//! OpenSSH cipher name, PuTTY `Encryption:`). Key material is never kept.

use super::{Context, Facts};
use crate::codec::b64_decode;

/// The `BEGIN … PRIVATE KEY` label, e.g. `RSA`, `OPENSSH`, `ENCRYPTED`, `` (PKCS#8).
fn pem_label(s: &str) -> Option<&str> {
    let i = s.find("-----BEGIN ")?;
    let rest = &s[i + 11..];
    let end = rest.find("-----")?;
    let label = &rest[..end];
    label
        .strip_suffix("PRIVATE KEY")
        .map(str::trim)
        .or_else(|| label.contains("PGP PRIVATE KEY BLOCK").then_some("PGP"))
}

/// The OpenSSH key's cipher name (`none` = unencrypted), from the base64 body.
fn openssh_cipher(s: &str) -> Option<String> {
    let start = s.find("-----BEGIN OPENSSH PRIVATE KEY-----")? + 35;
    let end = s[start..].find("-----END").map_or(s.len(), |e| start + e);
    let body: String = s[start..end]
        .replace("\\n", "")
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '+' || *c == '/' || *c == '=')
        .collect();
    // only the first bytes are needed: magic (15) + u32 length + cipher name
    let head = &body[..body.len().min(64) / 4 * 4];
    let bytes = b64_decode(head)?;
    let rest = bytes.strip_prefix(b"openssh-key-v1\0")?;
    let len = u32::from_be_bytes(rest.get(..4)?.try_into().ok()?) as usize;
    let name = rest.get(4..4 + len.min(32))?;
    Some(String::from_utf8_lossy(name).into_owned())
}

/// What a private key block says (key material is never kept).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PemFacts {
    /// `RSA`, `EC`, `DSA`, `PKCS#8`, `OpenSSH`, `PuTTY`, `PGP`, `Matrix`, `Nebula` or `other`.
    pub key_type: &'static str,
    /// Whether the key is encrypted, when that can be told.
    pub encrypted: Option<bool>,
}

/// Read the key type and encryption of the key block at `secret` (or around it in `ctx`).
pub fn facts(secret: &str, ctx: &Context<'_>) -> Facts {
    // the match may be only part of the key block: look at the text around it too
    let text = std::str::from_utf8(ctx.text).unwrap_or(secret);
    let here = if secret.contains("-----BEGIN") {
        secret
    } else {
        text
    };
    let (key_type, encrypted) = if here.contains("PuTTY-User-Key-File-") {
        let enc = here
            .lines()
            .find_map(|l| l.trim().strip_prefix("Encryption:"))
            .map(|v| v.trim() != "none");
        ("PuTTY", enc)
    } else {
        match pem_label(here) {
            Some("ENCRYPTED") => ("PKCS#8", Some(true)),
            Some("OPENSSH") => ("OpenSSH", openssh_cipher(here).map(|c| c != "none")),
            Some("") => ("PKCS#8", Some(false)),
            Some(l @ ("RSA" | "EC" | "DSA")) => {
                let enc = here.contains("Proc-Type: 4,ENCRYPTED");
                (
                    if l == "RSA" {
                        "RSA"
                    } else if l == "EC" {
                        "EC"
                    } else {
                        "DSA"
                    },
                    Some(enc),
                )
            }
            Some("PGP") => ("PGP", None),
            // raw keys under a label of their own: a Matrix homeserver's signing key (never
            // encrypted), Nebula's keys (`NEBULA ED25519 ENCRYPTED PRIVATE KEY` when encrypted)
            Some("MATRIX") => ("Matrix", Some(false)),
            Some(l) if l.starts_with("NEBULA ") => ("Nebula", Some(l.contains("ENCRYPTED"))),
            Some(_) => ("other", None),
            None => return Facts::Nothing,
        }
    };
    Facts::PrivateKey(PemFacts {
        key_type,
        encrypted,
    })
}
