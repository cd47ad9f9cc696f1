//! Verdicts on private keys (tokens.md §12): keys never expire; unencrypted ones are flagged.

use super::{Assessment, Flag, props};
use crate::decode::pem::PemFacts;

/// Judge a private key.
pub(super) fn judge(f: &PemFacts) -> Assessment {
    let mut a = Assessment::default();
    a.prop(props::KEY_TYPE, f.key_type);
    if let Some(e) = f.encrypted {
        a.prop(props::ENCRYPTED, e);
    }
    let state = match f.encrypted {
        Some(true) => "encrypted (passphrase needed)",
        Some(false) => {
            a.flag(Flag::UnencryptedPrivateKey);
            "unencrypted"
        }
        None => "encryption unknown",
    };
    a.summary = Some(format!(
        "{} private key, {state}; keys never expire",
        f.key_type
    ));
    a
}

#[cfg(test)]
mod tests {
    use base64::Engine;
    use base64::engine::general_purpose::STANDARD;

    use super::*;
    use crate::decode::Decoder;
    use crate::decode::testutil::{Ctx, NOW, Rng};
    use crate::hygiene::Policy;

    fn run(text: &str) -> Assessment {
        let c = Ctx::new(text, text);
        crate::hygiene::assess(Some(Decoder::PrivateKey), text, &c.ctx(), &Policy::new(NOW))
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
