//! Verdicts on PKCS#12 key stores (tokens.md §12): keys never expire; a key in a plain `keyBag`
//! is unencrypted; a key encrypted with PKCS#12's own PBE ciphers (3DES, RC2, RC4 keyed by an
//! iterated SHA-1) uses a legacy scheme, where the archive's password is the only protection left.

use super::{Assessment, Flag, props};
use crate::decode::pkcs12::Pkcs12Facts;

/// Judge a PKCS#12 key store.
pub(super) fn judge(f: &Pkcs12Facts) -> Assessment {
    let mut a = Assessment::default();
    a.prop(props::KEY_TYPE, "PKCS#12");
    if let Some(bag) = f.key_bag {
        a.prop(props::KEY_BAG, bag);
    }
    if let Some(c) = f.key_cipher {
        a.prop(props::KEY_CIPHER, c);
    }
    if let Some(m) = f.mac {
        a.prop(props::MAC_DIGEST, m);
    }
    let state = match (f.key_bag, f.key_cipher) {
        (Some("plain"), _) => {
            a.flag(Flag::UnencryptedPrivateKey);
            "key unencrypted (plain key bag)".to_string()
        }
        (_, Some(c)) if f.legacy_cipher => {
            a.flag(Flag::LegacyEncryption);
            format!("key encrypted with legacy {c}")
        }
        (_, Some(c)) => format!("key encrypted with {c}"),
        (Some(_), None) => "key encrypted (shrouded key bag, cipher not visible)".to_string(),
        _ => "key protection not visible".to_string(),
    };
    a.summary = Some(format!("PKCS#12 key store, {state}; keys never expire"));
    a
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(bag: Option<&'static str>, cipher: Option<&'static str>, legacy: bool) -> Pkcs12Facts {
        Pkcs12Facts {
            key_bag: bag,
            key_cipher: cipher,
            legacy_cipher: legacy,
            mac: Some("SHA-1"),
        }
    }

    #[test]
    fn plain_keys_and_legacy_ciphers_are_flagged() {
        let plain = judge(&facts(Some("plain"), None, false));
        assert!(plain.has(Flag::UnencryptedPrivateKey) && plain.flags.len() == 1);
        let legacy = judge(&facts(Some("shrouded"), Some("PBE-SHA1-3DES"), true));
        assert!(legacy.has(Flag::LegacyEncryption) && legacy.flags.len() == 1);
        assert!(
            legacy
                .summary
                .as_deref()
                .unwrap()
                .contains("legacy PBE-SHA1-3DES")
        );
        let modern = judge(&facts(Some("shrouded"), Some("PBES2 AES-256-CBC"), false));
        assert!(modern.flags.is_empty());
        let unknown = judge(&facts(None, None, false));
        assert!(unknown.flags.is_empty());
        assert!(unknown.summary.as_deref().unwrap().contains("not visible"));
    }
}
