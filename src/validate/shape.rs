//! Validation, shape: measures of a value's text — entropy, character classes, runs — and
//! recognisers of non-secret notations (UUIDs, digests with their algorithm, base64 of text,
//! word-like identifiers).

use crate::codec::b64_decode;

/// Shannon entropy in bits per byte.
pub fn entropy(s: &str) -> f64 {
    let mut counts = [0usize; 256];
    for b in s.bytes() {
        counts[b as usize] += 1;
    }
    let n = s.len() as f64;
    if n == 0.0 {
        return 0.0;
    }
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = c as f64 / n;
            -p * p.log2()
        })
        .sum()
}

/// Number of character classes (lower, upper, digit, other) present.
pub fn char_classes(s: &str) -> usize {
    let mut c = [false; 4];
    for ch in s.chars() {
        let i = if ch.is_ascii_lowercase() {
            0
        } else if ch.is_ascii_uppercase() {
            1
        } else if ch.is_ascii_digit() {
            2
        } else {
            3
        };
        c[i] = true;
    }
    c.iter().filter(|&&x| x).count()
}

/// `n` identical characters in a row (`test_00000001`, `aaaaaa`): counters and padding, which
/// random values almost never hold.
pub(crate) fn has_run(v: &str, n: usize) -> bool {
    let b = v.as_bytes();
    b.windows(n).any(|w| w.iter().all(|&c| c == w[0]))
}

pub(crate) fn is_uuid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, &c)| match i {
            8 | 13 | 18 | 23 => c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

/// Digests written with their algorithm: `sha512-<base64>` (lockfile integrity), `sha256:<hex>`
/// (image digests, kubeadm CA hashes), `md5:…`, `0x<hex>`, and password hashes in the
/// `algorithm$…` notation of Django's and Werkzeug's hashers (`sha1$<salt>$<hex>`,
/// `pbkdf2_sha256$<iterations>$<salt>$<hash>`, `argon2$argon2id$…`, `pbkdf2:sha256:…$…`), and
/// MySQL's `mysql_native_password` hash (`*` and 40 hex digits, what `PASSWORD()` returns and
/// `IDENTIFIED BY PASSWORD` takes).
pub fn is_digest_notation(v: &str) -> bool {
    if v.len() == 41 && v.starts_with('*') && v[1..].bytes().all(|b| b.is_ascii_hexdigit()) {
        return true;
    }
    let lower = v.to_ascii_lowercase();
    let algo = [
        "sha1", "sha224", "sha256", "sha384", "sha512", "md5", "blake2b", "blake3",
    ];
    if algo.iter().any(|a| {
        lower.starts_with(a) && matches!(lower.as_bytes().get(a.len()), Some(b'-' | b':' | b'='))
    }) {
        return true;
    }
    if is_hasher_notation(&lower) || is_tagged_crypt_hash(v) {
        return true;
    }
    // a hash tagged so (`hash:9A3F…`: vmauth writes a token's xxhash into its metrics labels)
    if let Some(h) = lower.strip_prefix("hash:")
        && h.len() >= 8
        && h.bytes().all(|b| b.is_ascii_hexdigit())
    {
        return true;
    }
    // an image reference pinned by digest (`v1.6.0@sha256:<64 hex>`, the tag and digest of
    // `image: registry/name:tag@sha256:…`)
    if let Some((_, d)) = lower.split_once("@sha256:")
        && d.len() >= 64
        && d.bytes().take(64).all(|b| b.is_ascii_hexdigit())
    {
        return true;
    }
    lower.starts_with("0x") && v.len() > 10 && v[2..].bytes().all(|b| b.is_ascii_hexdigit())
}

/// A modular-crypt password hash (`$2a$10$<53 characters>` bcrypt, `$5$`/`$6$` SHA-crypt,
/// `$argon2id$…`) behind the tag that names its encoder: Spring Security's delegating encoder
/// writes `{bcrypt}$2a$…`, Jenkins' user database `#jbcrypt:$2a$…`, LDAP `{CRYPT}$6$…`,
/// ownCloud's and Nextcloud's hasher `1|$2y$…` (its version before the hash). A bare
/// hash starts with `$`, which the generic checks read as a reference; behind a tag it is still
/// a hash, not a password.
fn is_tagged_crypt_hash(v: &str) -> bool {
    let rest = if let Some(r) = v.strip_prefix('{') {
        r.split_once('}')
    } else if let Some(r) = v.strip_prefix('#') {
        r.split_once(':')
    } else if v.as_bytes().first().is_some_and(u8::is_ascii_digit) {
        // ownCloud's and Nextcloud's hasher: `<version>|<hash>` (`1|$2y$10$…`, `3|$argon2id$…`)
        v.split_once('|').filter(|(t, _)| t.len() == 1)
    } else {
        None
    };
    let Some((tag, hash)) = rest else {
        return false;
    };
    if tag.is_empty()
        || tag.len() > 16
        || !tag.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    {
        return false;
    }
    let Some(body) = hash.strip_prefix('$') else {
        return false;
    };
    let mut fields = body.split('$');
    let id = fields.next().unwrap_or("");
    let known = matches!(
        id,
        "1" | "2a"
            | "2b"
            | "2x"
            | "2y"
            | "5"
            | "6"
            | "y"
            | "argon2i"
            | "argon2d"
            | "argon2id"
            | "scrypt"
            | "pbkdf2-sha256"
            | "pbkdf2-sha512"
    );
    known
        && body.rsplit('$').next().is_some_and(|d| {
            d.len() >= 16
                && d.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'/' | b'+' | b'='))
        })
}

/// A password hash as a framework's hasher stores it: the hasher's name (`sha1`, `md5`,
/// `pbkdf2_sha256`, `bcrypt_sha256`, `argon2`, `scrypt`, `unsalted_md5`, Werkzeug's
/// `pbkdf2:sha256:600000`), then `$`-separated fields, the last one the digest (at least 16
/// characters). `lower` is lower case.
fn is_hasher_notation(lower: &str) -> bool {
    let Some((algo, rest)) = lower.split_once('$') else {
        return false;
    };
    let hasher = algo.split([':', '_']).next().unwrap_or("");
    let known = [
        "sha1", "sha256", "sha512", "md5", "pbkdf2", "bcrypt", "argon2", "scrypt", "unsalted",
        "crypt",
    ];
    known.contains(&hasher)
        && algo
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b':')
        && rest.rsplit('$').next().is_some_and(|d| d.len() >= 16)
}

/// Standard base64, padded or not, that decodes to printable text: the value is an encoding,
/// judged by what it decodes to (decoded views scan that text), not as a password.
pub fn is_base64_text(v: &str) -> bool {
    base64_text(v).is_some()
}

/// The base64 body of an SSH public key (`AAAAC3NzaC1lZDI1NTE5…` after `ssh-ed25519`): the
/// wire format starts with the key type's length (4 bytes, big-endian) and name (`ssh-rsa`,
/// `ssh-ed25519`, `ecdsa-sha2-nistp256`, `sk-ssh-ed25519@openssh.com`, RFC 4253 §6.6). A public
/// key, not a secret, wherever it is assigned.
pub fn is_ssh_public_key_blob(v: &str) -> bool {
    if !v.starts_with("AAAA") || v.len() < 40 {
        return false;
    }
    let Some(bytes) = crate::codec::b64_decode_prefix(&v[..v.len().min(64)]) else {
        return false;
    };
    let Some(len) = bytes
        .get(..4)
        .map(|l| u32::from_be_bytes([l[0], l[1], l[2], l[3]]) as usize)
    else {
        return false;
    };
    (7..=40).contains(&len)
        && bytes.get(4..4 + len).is_some_and(|name| {
            ["ssh-", "ecdsa-", "sk-"]
                .iter()
                .any(|p| name.starts_with(p.as_bytes()))
        })
}

/// Base64 of a DER X.509 certificate (`MIID…`, a PEM body without its armour): a SEQUENCE
/// holding a TBSCertificate SEQUENCE that starts with the `[0]` version tag of v2/v3 certificates
/// (RFC 5280 §4.1). A certificate is public, whatever name it is assigned to.
pub fn is_der_certificate(v: &str) -> bool {
    if !v.starts_with("MII") || v.len() < 64 {
        return false;
    }
    let Some(b) = crate::codec::b64_decode_prefix(&v[..v.len().min(64)]) else {
        return false;
    };
    // SEQUENCE (long-form length of 1 or 2 bytes), then the TBSCertificate SEQUENCE likewise
    let after = |i: usize| match b.get(i + 1) {
        Some(0x81) => Some(i + 3),
        Some(0x82) => Some(i + 4),
        _ => None,
    };
    b.first() == Some(&0x30)
        && after(0).is_some_and(|i| {
            b.get(i) == Some(&0x30)
                && after(i).is_some_and(|j| {
                    b.get(j..j + 4) == Some(&[0xA0, 0x03, 0x02, 0x01][..])
                        && b.get(j + 4).is_some_and(|v| *v <= 2)
                })
        })
}

/// Base64 of a DER public key (`MFkwEwYHKoZIzj0CAQYI…`, `MCowBQYDK2VwAyEA…`, `MIIBIjANBgkq…`):
/// a SubjectPublicKeyInfo, a SEQUENCE holding the AlgorithmIdentifier SEQUENCE whose OID names
/// an RSA, DSA, elliptic-curve, Ed25519/Ed448 or X25519/X448 key (RFC 5280 §4.1.2.7, RFC 8410).
/// A private key's PKCS#8 wrapping starts with its version INTEGER instead. Public, whatever
/// name it is assigned to (a registry's signing keys, a JWKS's `x5c` neighbours). The same DER
/// written in hex (`30819f300d06092a864886f70d010101…`) is one too (eval/realworld183 dev:
/// Jenkins' usage-statistics key in code).
pub fn is_der_public_key(v: &str) -> bool {
    if v.len() < 40 {
        return false;
    }
    let b = if v.starts_with('M') {
        crate::codec::b64_decode_prefix(&v[..32])
    } else if v.starts_with("30") && v.bytes().take(48).all(|c| c.is_ascii_hexdigit()) {
        crate::codec::hex_decode(&v[..48.min(v.len() / 2 * 2)])
    } else {
        None
    };
    let Some(b) = b else {
        return false;
    };
    // the tag at `i` is a SEQUENCE: where its content starts (short or long-form length)
    let content = |i: usize| -> Option<usize> {
        if b.get(i) != Some(&0x30) {
            return None;
        }
        match *b.get(i + 1)? {
            l if l < 0x80 => Some(i + 2),
            0x81 => Some(i + 3),
            0x82 => Some(i + 4),
            _ => None,
        }
    };
    const ALGORITHMS: [&[u8]; 9] = [
        &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01], // rsaEncryption
        &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0a], // RSASSA-PSS
        &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01],             // id-ecPublicKey
        &[0x2a, 0x86, 0x48, 0xce, 0x38, 0x04, 0x01],             // id-dsa
        &[0x2b, 0x65, 0x6e],                                     // X25519
        &[0x2b, 0x65, 0x6f],                                     // X448
        &[0x2b, 0x65, 0x70],                                     // Ed25519
        &[0x2b, 0x65, 0x71],                                     // Ed448
        &[0x2a, 0x81, 0x1c, 0xcf, 0x55, 0x01, 0x82, 0x2d],       // SM2
    ];
    content(0).and_then(content).is_some_and(|i| {
        b.get(i) == Some(&0x06)
            && b.get(i + 1).is_some_and(|&n| {
                let n = n as usize;
                b.get(i + 2..i + 2 + n)
                    .is_some_and(|oid| ALGORITHMS.contains(&oid))
            })
    })
}

/// The text `v` is base64 of (see [`is_base64_text`]).
pub fn base64_text(v: &str) -> Option<String> {
    if v.len() < 8
        || v.len() % 4 == 1
        || (v.len() % 4 != 0 && v.contains('='))
        || !v
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+/=".contains(&b))
    {
        return None;
    }
    // written without its `=` padding (`…MDA` for `…MDA=`)
    let padded = format!("{v}{}", "=".repeat((4 - v.len() % 4) % 4));
    let t = String::from_utf8(b64_decode(&padded)?).ok()?;
    (!t.is_empty()
        && t.chars()
            .all(|c| !c.is_control() || matches!(c, '\n' | '\r' | '\t')))
    .then_some(t)
}

/// Names and identifiers such as `tls-cert-2024`, `api-token-v2`, `release_2024_01`: every
/// `-`/`_`/`.`/`/`-separated segment is all letters, all digits, or a short tag like `v2`
/// (random values mix letters and digits within longer segments).
pub fn is_word_identifier(v: &str) -> bool {
    // letters of other alphabets are letters, cased as they are (`API-Schlüssel`, a UI label)
    if !v.is_ascii() {
        let folded: String = v
            .chars()
            .map(|c| match c {
                c if c.is_ascii() => c,
                c if c.is_lowercase() => 'a',
                c if c.is_uppercase() => 'A',
                _ => '#',
            })
            .collect();
        return is_word_identifier(&folded);
    }
    v.bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'/'))
        && v.split(['-', '_', '.', '/']).all(|seg| {
            (seg.bytes().all(|b| b.is_ascii_alphabetic()) && word_cased(seg))
                || seg.bytes().all(|b| b.is_ascii_digit())
                || (seg.len() <= 3 && seg.bytes().next().is_some_and(|b| b.is_ascii_alphabetic()))
        })
}

/// Letters cased like words (`token`, `TOKEN`, `Token`, `LeftCurlyBracket`, `RSAPrivateKey`):
/// every lowercase run after the first letter is at least two letters long. Random mixed case
/// (`UaZJRYkVErB`) has single lowercase letters between capitals.
fn word_cased(seg: &str) -> bool {
    let b = seg.as_bytes();
    let mut i = 1;
    while i < b.len() {
        if b[i].is_ascii_lowercase() {
            let run = b[i..].iter().take_while(|c| c.is_ascii_lowercase()).count();
            if run < 2 && i + run < b.len() {
                return false;
            }
            i += run;
        } else {
            i += 1;
        }
    }
    true
}

/// Unpadded base64url holding a `_` (how Go's `RawURLEncoding` and JOSE write key bytes) is as
/// long as a key: 22, 32, 43, 64 or 86 characters for 16, 24, 32, 48 or 64 bytes. A value of another
/// length with an underscore joins two parts (`126031192_IgvU…`, an id and a key), which is not
/// one key's encoding. Values without `_`, or padded, are not judged here.
pub fn has_key_length(v: &str) -> bool {
    if !v.contains('_') || v.ends_with('=') {
        return true;
    }
    !v.bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        || matches!(v.len(), 22 | 32 | 43 | 64 | 86)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::testutil::random;

    /// Regression (eval/realworld84 dev part): an image pinned by digest under a name holding
    /// `token` (`token-proxy:v1.6.0@sha256:…`) is a reference, not a secret.
    #[test]
    fn an_image_digest_reference_is_digest_notation() {
        let digest = "793cf4220c917b853860886599b2ac757f8290996dd9de5798121e8fa462d6e8";
        assert!(is_digest_notation(&format!("v1.6.0@sha256:{digest}")));
        assert!(!is_digest_notation("Xk9@sha256:short"));
    }

    /// Regression (eval/realworld29 dev): German UI labels in a Rails locale file.
    #[test]
    fn words_of_other_alphabets_are_word_identifiers() {
        assert!(is_word_identifier("API-Schlüssel"));
        assert!(is_word_identifier("OIDC-API-Schlüsselrolle"));
        assert!(is_word_identifier("clé-secrète"));
        // random mixed case stays random, whatever the alphabet
        assert!(!is_word_identifier("xÄq9Lüp2ZöRt7"));
        assert!(!is_word_identifier("pässwörd→42"));
    }

    /// Regression (eval/realworld35 dev): ssh-ed25519 public key bodies under `"key"` in CLI
    /// test output.
    #[test]
    fn ssh_public_key_bodies_are_recognised() {
        let blob = |name: &str, key_len: usize| {
            let mut b = (name.len() as u32).to_be_bytes().to_vec();
            b.extend_from_slice(name.as_bytes());
            b.extend_from_slice(&(key_len as u32).to_be_bytes());
            b.extend((0..key_len).map(|i| (i * 37 + 11) as u8));
            crate::codec::b64_encode(&b)
        };
        for name in [
            "ssh-ed25519",
            "ssh-rsa",
            "ecdsa-sha2-nistp256",
            "sk-ssh-ed25519@openssh.com",
        ] {
            assert!(is_ssh_public_key_blob(&blob(name, 32)), "{name}");
        }
        assert!(!is_ssh_public_key_blob(&blob("aes256-gcm", 32)));
        let random = crate::decode::testutil::random(
            68,
            3,
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
        );
        assert!(!is_ssh_public_key_blob(&random));
        assert!(!is_ssh_public_key_blob(&format!("AAAA{}", &random[4..])));
    }

    /// Regression (eval/realworld39 dev): an X.509 certificate's base64 DER under `key =`.
    #[test]
    fn der_certificates_are_recognised() {
        // a certificate's first bytes: SEQUENCE, TBSCertificate SEQUENCE, [0] version 3
        let mut der = vec![0x30, 0x82, 0x03, 0x10, 0x30, 0x82, 0x02, 0xF8];
        der.extend_from_slice(&[0xA0, 0x03, 0x02, 0x01, 0x02, 0x02, 0x09, 0x00]);
        der.extend((0..60u8).map(|i| i.wrapping_mul(31)));
        assert!(is_der_certificate(&crate::codec::b64_encode(&der)));
        // a private key (version INTEGER first) is not one
        let mut key = vec![
            0x30, 0x82, 0x04, 0xA4, 0x02, 0x01, 0x00, 0x02, 0x82, 0x01, 0x01, 0x00,
        ];
        key.extend((0..60u8).map(|i| i.wrapping_mul(17)));
        assert!(!is_der_certificate(&crate::codec::b64_encode(&key)));
    }

    /// Regression (eval/realworld181 dev, npm/cli): a registry's P-256 signing key (base64
    /// SubjectPublicKeyInfo) under `key:`, split over two `+`-joined literals. Ed25519 and RSA
    /// public keys likewise; a PKCS#8 private key and random base64 are not public keys.
    #[test]
    fn der_public_keys_are_recognised() {
        let mut next = crate::testutil::rng(181);
        let mut random = |n: usize| -> Vec<u8> { (0..n).map(|_| next(256) as u8).collect() };
        let b64 = |parts: &[&[u8]]| crate::codec::b64_encode(&parts.concat());
        // P-256: SEQUENCE { SEQUENCE { ecPublicKey, prime256v1 }, BIT STRING 04 || X || Y }
        let p256 = [
            0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06,
            0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00, 0x04,
        ];
        let ec = b64(&[&p256, &random(64)]);
        assert!(is_der_public_key(&ec), "{ec}");
        assert!(
            is_der_public_key(&ec[..70]),
            "the first literal of a split value"
        );
        let ed25519 = [
            0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
        ];
        assert!(is_der_public_key(&b64(&[&ed25519, &random(32)])));
        let rsa = [
            0x30, 0x82, 0x01, 0x22, 0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d,
            0x01, 0x01, 0x01, 0x05, 0x00, 0x03, 0x82, 0x01, 0x0f, 0x00,
        ];
        assert!(is_der_public_key(&b64(&[&rsa, &random(270)])));
        // PKCS#8 Ed25519 private key: SEQUENCE { INTEGER 0, SEQUENCE { Ed25519 }, OCTET STRING }
        let pkcs8 = [
            0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22,
            0x04, 0x20,
        ];
        assert!(!is_der_public_key(&b64(&[&pkcs8, &random(32)])));
        // regression (eval/realworld183 dev): the same DER in hex, a public key; a private key's
        // DER in hex is not
        let hex = |parts: &[&[u8]]| -> String {
            parts.concat().iter().map(|b| format!("{b:02x}")).collect()
        };
        assert!(is_der_public_key(&hex(&[&rsa, &random(270)])));
        assert!(!is_der_public_key(&hex(&[&pkcs8, &random(32)])));
        // an unknown algorithm, and random bytes
        let other = [
            0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x99, 0x03, 0x21, 0x00,
        ];
        assert!(!is_der_public_key(&b64(&[&other, &random(32)])));
        for _ in 0..50 {
            assert!(!is_der_public_key(&b64(&[&random(48)])));
        }
    }

    /// Regression (eval/realworld183 dev, Jenkins): a bcrypt hash behind its encoder's tag
    /// (`#jbcrypt:`, Spring's `{bcrypt}`) is a digest, not a password; `{noop}` marks a plain
    /// password and stays one.
    #[test]
    fn mysql_native_password_hashes_are_digests() {
        // eval/realworld226 dev: a DDL parser's test corpus, `IDENTIFIED BY '*<40 hex>'`
        let hex = random(40, 226, b"0123456789ABCDEF");
        assert!(is_digest_notation(&format!("*{hex}")));
        assert!(!is_digest_notation(&format!("*{}", &hex[..39])));
        assert!(!is_digest_notation(&format!("*{}x", &hex[..39])));
        assert!(!is_digest_notation(&format!("{hex}a")));
    }

    #[test]
    fn crypt_hashes_behind_an_encoder_tag_are_digests() {
        let alphabet = b"./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        let body = crate::decode::testutil::random(53, 183, alphabet);
        // eval/realworld232 dev: ownCloud's hasher writes a version before the hash
        for tag in ["#jbcrypt:", "{bcrypt}", "{CRYPT}", "0|", "1|"] {
            let v = format!("{tag}$2a$10${body}");
            assert!(is_digest_notation(&v), "{v}");
        }
        assert!(is_digest_notation(&format!("{{CRYPT}}$6$saltsalt${body}")));
        assert!(!is_digest_notation(&format!("{{noop}}{}", &body[..20])));
        assert!(!is_digest_notation("{bcrypt}$2a$10$short"));
        assert!(!is_digest_notation(&format!("#tag:$9z$10${body}")));
        assert!(!is_digest_notation(&format!("12|$2a$10${body}")));
        assert!(!is_digest_notation(&format!("1|{}", &body[..40])));
        // regression (eval/realworld192 dev, vmauth): a token's hash in a metrics label
        let hex = crate::decode::testutil::random(16, 192, b"0123456789ABCDEF");
        assert!(is_digest_notation(&format!("hash:{hex}")));
        assert!(!is_digest_notation(&format!("hashy:{hex}")));
    }

    #[test]
    fn unpadded_base64url_with_an_underscore_has_a_key_length() {
        let b64url = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";
        for n in [22, 32, 43, 64, 86] {
            let mut v = crate::decode::testutil::random(n - 1, 90 + n as u64, b64url);
            v.insert(n / 2, '_');
            assert!(has_key_length(&v), "{v}");
        }
        // regression (peers corpus negative): digits, `_`, then 25 characters: two parts
        let tail = crate::decode::testutil::random(25, 97, b"ABCDEFGHabcdefgh0123456789");
        assert!(!has_key_length(&format!("126031192_{tail}")));
        // no underscore, or padded: not judged here
        assert!(has_key_length("7cb13ac2ab2043ecaf52e1fc363b03e0"));
        assert!(has_key_length(
            "q7Xk2ZtR0vYp_Lm4Nw8sJd-Hb3Fc6Gx1Ae9Ur5Ti0Oo="
        ));
    }
}
