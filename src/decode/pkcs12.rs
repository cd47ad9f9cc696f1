//! Decoder (step 5) for PKCS#12 key stores (RFC 7292, tokens.md §12 `*.p12`/`*.pfx`): whether the
//! private key is in a plain `keyBag` or a `pkcs8ShroudedKeyBag`, the algorithm that encrypts the
//! shrouded key (PBES2 with AES, or the legacy PKCS#12 PBE ciphers: 3DES, RC2, RC4), and the
//! MAC's digest. Read from the object identifiers in the archive's plaintext structure; nothing
//! is decrypted and key material is never kept.

use super::Facts;
use crate::codec::b64_decode_prefix;

/// What a PKCS#12 archive says about how its key is protected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pkcs12Facts {
    /// `shrouded` (encrypted PKCS#8), `plain` (an unencrypted `keyBag`), or `None` when no key
    /// bag's type is visible in the part decoded.
    pub key_bag: Option<&'static str>,
    /// The shrouded key's encryption, e.g. `PBES2 AES-256-CBC`, `PBE-SHA1-3DES`.
    pub key_cipher: Option<&'static str>,
    /// Whether that cipher is one of PKCS#12's own PBE schemes (3DES, RC2, RC4 with SHA-1 key
    /// derivation), which OpenSSL 3 replaced by PBES2/AES as default.
    pub legacy_cipher: bool,
    /// The MAC's digest (`SHA-1`, `SHA-256`, …), when the MAC data was decoded.
    pub mac: Option<&'static str>,
}

/// `1.2.840.113549.1.12.10.1.` — the PKCS#12 bag types.
const BAG: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x0c, 0x0a, 0x01];
/// `1.2.840.113549.1.12.1.` — PKCS#12 password-based encryption schemes.
const PBE: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x0c, 0x01];
/// `1.2.840.113549.1.5.13` — PBES2.
const PBES2: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x05, 0x0d];
/// `2.16.840.1.101.3.4.1.` — AES modes.
const AES: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x01];
/// `2.16.840.1.101.3.4.2.` — SHA-2 digests (the MAC's).
const SHA2: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02];
/// `1.3.14.3.2.26` — SHA-1.
const SHA1: &[u8] = &[0x2b, 0x0e, 0x03, 0x02, 0x1a];

/// The object identifiers (their content bytes) in `der`, in order, with their offsets: every
/// `06 len …` whose length is plausible. A heuristic walk, not a parser: stray matches inside
/// random bytes are possible, so callers look for specific identifiers in structural order.
fn oids(der: &[u8]) -> impl Iterator<Item = (usize, &[u8])> {
    (0..der.len().saturating_sub(2)).filter_map(move |i| {
        let len = der[i + 1] as usize;
        (der[i] == 0x06 && (3..=12).contains(&len))
            .then(|| der.get(i + 2..i + 2 + len).map(|o| (i, o)))
            .flatten()
    })
}

/// The facts of the base64 archive `secret` (possibly only its first line or part; line breaks
/// and blanks of a wrapped value are skipped).
pub fn facts(secret: &str) -> Facts {
    let joined: String = secret.split_ascii_whitespace().collect();
    let Some(der) = b64_decode_prefix(joined.trim_end_matches(['.', '…'])) else {
        return Facts::undecodable("PKCS#12 archive", "not base64");
    };
    if !crate::codec::pkcs12_der_ok(&der) {
        return Facts::undecodable("PKCS#12 archive", "no PKCS#12 header");
    }
    Facts::Pkcs12(read(&der))
}

/// Read the facts from the archive's DER bytes.
pub fn read(der: &[u8]) -> Pkcs12Facts {
    let mut f = Pkcs12Facts {
        key_bag: None,
        key_cipher: None,
        legacy_cipher: false,
        mac: None,
    };
    let mut after_shrouded = false;
    for (_, oid) in oids(der) {
        if let Some(kind) = oid.strip_prefix(BAG) {
            match kind {
                [1] if f.key_bag.is_none() => f.key_bag = Some("plain"),
                [2] if f.key_bag.is_none() => {
                    f.key_bag = Some("shrouded");
                    after_shrouded = true;
                }
                _ => {}
            }
            continue;
        }
        // the first encryption algorithm after the shrouded key bag's type is the key's
        if after_shrouded && f.key_cipher.is_none() {
            if let Some(scheme) = oid.strip_prefix(PBE) {
                f.key_cipher = Some(match scheme {
                    [1] => "PBE-SHA1-RC4-128",
                    [2] => "PBE-SHA1-RC4-40",
                    [3] => "PBE-SHA1-3DES",
                    [4] => "PBE-SHA1-2DES",
                    [5] => "PBE-SHA1-RC2-128",
                    [6] => "PBE-SHA1-RC2-40",
                    _ => "PBE-SHA1 (other)",
                });
                f.legacy_cipher = true;
                continue;
            }
            if oid == PBES2 {
                f.key_cipher = Some("PBES2");
                continue;
            }
        }
        if f.key_cipher == Some("PBES2") {
            if let Some(mode) = oid.strip_prefix(AES) {
                f.key_cipher = Some(match mode {
                    [0x02] => "PBES2 AES-128-CBC",
                    [0x16] => "PBES2 AES-192-CBC",
                    [0x2a] => "PBES2 AES-256-CBC",
                    _ => "PBES2 AES",
                });
                continue;
            }
        }
    }
    // the MAC data ends the archive: its digest is read only from a whole archive's last bytes
    if crate::codec::pkcs12_holds_key(der).is_some() {
        let tail = &der[der.len().saturating_sub(128)..];
        for (_, oid) in oids(tail) {
            if oid == SHA1 {
                f.mac = Some("SHA-1");
            } else if let Some(d) = oid.strip_prefix(SHA2) {
                f.mac = Some(match d {
                    [1] => "SHA-256",
                    [2] => "SHA-384",
                    [3] => "SHA-512",
                    _ => "SHA-2",
                });
            }
        }
    }
    f
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::testutil::{Rng, der};

    /// A PFX skeleton: a key bag of type `bag` whose algorithm identifier holds `algs`, random
    /// bytes for the encrypted key, and MAC data with digest `mac`.
    fn archive(bag: u8, algs: &[&[u8]], mac: &[u8], rng: &mut Rng) -> Vec<u8> {
        let random = |n: usize, rng: &mut Rng| (0..n).map(|_| rng.next() as u8).collect::<Vec<_>>();
        let alg: Vec<u8> = algs.iter().flat_map(|o| der(0x06, o)).collect();
        let key = der(
            0x30,
            &[der(0x30, &alg), der(0x04, &random(600, rng))].concat(),
        );
        let bag_oid = [BAG, &[bag]].concat();
        let safe = der(
            0x30,
            &der(0x30, &[der(0x06, &bag_oid), der(0xa0, &key)].concat()),
        );
        let data = [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01];
        let info = der(
            0x30,
            &[der(0x06, &data), der(0xa0, &der(0x04, &safe))].concat(),
        );
        let digest = der(
            0x30,
            &[der(0x30, &der(0x06, mac)), der(0x04, &random(20, rng))].concat(),
        );
        let mac_data = der(
            0x30,
            &[digest, der(0x04, &random(8, rng)), der(0x02, &[0x08, 0x00])].concat(),
        );
        der(0x30, &[der(0x02, &[3]), info, mac_data].concat())
    }

    #[test]
    fn key_protection_and_mac_are_read() {
        let mut rng = Rng(0x1234_5678_9abc_def1);
        let pbe_3des = [PBE, &[3]].concat();
        let openssl1 = read(&archive(2, &[&pbe_3des], SHA1, &mut rng));
        assert_eq!(openssl1.key_bag, Some("shrouded"));
        assert_eq!(openssl1.key_cipher, Some("PBE-SHA1-3DES"));
        assert!(openssl1.legacy_cipher);
        assert_eq!(openssl1.mac, Some("SHA-1"));

        // OpenSSL 3: PBES2 with PBKDF2 (1.2.840.113549.1.5.12) and AES-256-CBC, SHA-256 MAC
        let pbkdf2 = [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x05, 0x0c];
        let aes256 = [AES, &[0x2a]].concat();
        let sha256 = [SHA2, &[1]].concat();
        let openssl3 = read(&archive(2, &[PBES2, &pbkdf2, &aes256], &sha256, &mut rng));
        assert_eq!(openssl3.key_cipher, Some("PBES2 AES-256-CBC"));
        assert!(!openssl3.legacy_cipher);
        assert_eq!(openssl3.mac, Some("SHA-256"));

        let plain = read(&archive(1, &[], SHA1, &mut rng));
        assert_eq!((plain.key_bag, plain.key_cipher), (Some("plain"), None));

        // cut short (a wrapped value's first lines): the key's facts, no MAC
        let whole = archive(2, &[&pbe_3des], SHA1, &mut rng);
        let cut = read(&whole[..100]);
        assert_eq!(cut.key_cipher, Some("PBE-SHA1-3DES"));
        assert_eq!(cut.mac, None);

        // through the decoder, from base64
        let Facts::Pkcs12(f) = facts(&crate::codec::b64_encode(&whole)) else {
            panic!("decodes")
        };
        assert_eq!(f.key_cipher, Some("PBE-SHA1-3DES"));
        assert!(matches!(
            facts("bm90IGEga2V5IHN0b3Jl"),
            Facts::Undecodable { .. }
        ));
    }
}
