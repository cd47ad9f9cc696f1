//! Decoder (step 5) for private keys (tokens.md §12): the key type from the PEM header, and
//! whether the key is encrypted (PKCS#8 `ENCRYPTED PRIVATE KEY`, legacy `Proc-Type: 4,ENCRYPTED`,
//! OpenSSH cipher name, PuTTY `Encryption:`). Key material is never kept.

use crate::codec::b64_decode;
use crate::hygiene::{Assessment, Context, Policy};

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

/// Judge a private key.
pub fn assess(secret: &str, ctx: &Context<'_>, _policy: &Policy) -> Assessment {
    let mut a = Assessment::default();
    // the match may be only part of the key block: look at the text around it too
    let text = std::str::from_utf8(ctx.text).unwrap_or(secret);
    let here = if secret.contains("-----BEGIN") {
        secret
    } else {
        text
    };
    let (kind, encrypted) = if here.contains("PuTTY-User-Key-File-") {
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
            Some(_) => ("other", None),
            None => return a,
        }
    };
    a.properties.insert("key_type".into(), kind.into());
    if let Some(e) = encrypted {
        a.properties.insert("encrypted".into(), e.into());
    }
    let state = match encrypted {
        Some(true) => "encrypted (passphrase needed)",
        Some(false) => {
            a.flags.push("unencrypted-private-key".into());
            "unencrypted"
        }
        None => "encryption unknown",
    };
    a.summary = Some(format!("{kind} private key, {state}; keys never expire"));
    a
}

#[cfg(test)]
mod tests {
    use base64::Engine;
    use base64::engine::general_purpose::STANDARD;

    use super::*;
    use crate::decode::testutil::{Ctx, NOW, Rng};

    fn run(text: &str) -> Assessment {
        let c = Ctx::new(text, text);
        crate::decode::assess("private-key", text, &c.ctx(), &Policy::new(NOW))
    }

    fn openssh(cipher: &str, r: &mut Rng) -> String {
        let mut b = b"openssh-key-v1\0".to_vec();
        b.extend_from_slice(&(cipher.len() as u32).to_be_bytes());
        b.extend_from_slice(cipher.as_bytes());
        b.extend_from_slice(&r.bytes(120));
        format!(
            "-----BEGIN OPENSSH PRIVATE KEY-----\n{}\n-----END OPENSSH PRIVATE KEY-----\n",
            STANDARD.encode(b)
        )
    }

    #[test]
    fn encryption_states() {
        let mut r = Rng(71);
        let body = STANDARD.encode(r.bytes(90));
        let pk8 = format!("-----BEGIN PRIVATE KEY-----\n{body}\n-----END PRIVATE KEY-----");
        assert_eq!(run(&pk8).flags, ["unencrypted-private-key"]);
        let enc = pk8.replace("PRIVATE KEY", "ENCRYPTED PRIVATE KEY");
        assert!(run(&enc).flags.is_empty());
        let rsa = format!(
            "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\n{body}\n-----END RSA PRIVATE KEY-----"
        );
        assert_eq!(run(&rsa).properties["encrypted"], true);
        let o = openssh("none", &mut r);
        assert_eq!(run(&o).flags, ["unencrypted-private-key"]);
        assert!(
            STANDARD
                .encode(b"openssh-key-v1\0\0\0\0\x04none")
                .starts_with("b3BlbnNzaC1rZXktdjEAAAAABG5vbmU")
        );
        let o = openssh("aes256-ctr", &mut r);
        assert_eq!(run(&o).properties["encrypted"], true);
    }

    #[test]
    fn odd_keys_never_panic() {
        for t in [
            "-----BEGIN OPENSSH PRIVATE KEY-----",
            "-----BEGIN OPENSSH PRIVATE KEY-----\n!!!!\n",
            "-----BEGIN ",
            "PuTTY-User-Key-File-3: x",
            "",
        ] {
            let _ = run(&format!("{t} "));
        }
    }
}
