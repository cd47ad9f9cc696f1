//! Codecs shared by every step: base62/base36 (checksum alphabets), base64 in both alphabets,
//! hex digits, percent-encoding, the header of a PKCS#12 archive. One copy of each; validation, decoding and the escaped views call these.

use base64::Engine as _;

const BASE62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// Base62 encoding of `n`, most significant digit first, left-padded with `0` to `width`.
pub fn base62(mut n: u64, width: usize) -> String {
    let mut out = Vec::new();
    while n > 0 {
        out.push(BASE62[(n % 62) as usize]);
        n /= 62;
    }
    while out.len() < width {
        out.push(b'0');
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

/// GitHub / npm style: after the prefix's `_`, the last 6 characters are the base62 CRC-32 of the
/// characters before them.
pub fn crc32_base62_ok(secret: &str) -> bool {
    let Some((_, body)) = secret.split_once('_') else {
        return false;
    };
    if body.len() < 7 || !body.is_ascii() {
        return false;
    }
    let (random, check) = body.split_at(body.len() - 6);
    base62(crc32fast::hash(random.as_bytes()) as u64, 6) == check
}

/// Base36 in lower case, left-padded to `width`.
pub fn base36(mut n: u64, width: usize) -> String {
    const D: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut out = Vec::new();
    while n > 0 {
        out.push(D[(n % 36) as usize]);
        n /= 36;
    }
    while out.len() < width {
        out.push(b'0');
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

/// Decode base64url without padding (tolerating padding and the standard alphabet).
pub fn b64url_decode(s: &str) -> Option<Vec<u8>> {
    let t: String = s
        .trim_end_matches('=')
        .chars()
        .map(|c| match c {
            '+' => '-',
            '/' => '_',
            c => c,
        })
        .collect();
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(t.as_bytes())
        .ok()
}

/// Decode standard base64 (padding optional).
pub fn b64_decode(s: &str) -> Option<Vec<u8>> {
    let t = s.trim_end_matches('=');
    base64::engine::general_purpose::STANDARD_NO_PAD
        .decode(t.as_bytes())
        .ok()
        .or_else(|| b64url_decode(s))
}

/// Decode hexadecimal text (either case, an even number of digits); `None` for anything else.
pub fn hex_decode(s: &str) -> Option<Vec<u8>> {
    if s.len() % 2 != 0 {
        return None;
    }
    s.as_bytes()
        .chunks(2)
        .map(|p| Some((hex_val(p[0])? * 16 + hex_val(p[1])?) as u8))
        .collect()
}

/// The value of a hexadecimal digit.
pub(crate) fn hex_val(b: u8) -> Option<u32> {
    (b as char).to_digit(16)
}

/// Decode `%XX` escapes (any byte; invalid escapes stay as written), lossily as UTF-8.
pub fn percent_decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}

/// Percent-encode a path for a URI: every byte but ASCII letters, digits and `/-_.~`.
pub fn percent_encode_path(p: &str) -> String {
    const KEEP: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'/')
        .remove(b'-')
        .remove(b'_')
        .remove(b'.')
        .remove(b'~');
    percent_encoding::utf8_percent_encode(p, KEEP).to_string()
}

/// The header length and content length of the DER SEQUENCE `der` opens with (definite
/// lengths of up to three bytes), or `None` when it opens with something else.
pub fn der_sequence_header(der: &[u8]) -> Option<(usize, usize)> {
    if der.first() != Some(&0x30) {
        return None;
    }
    let n = *der.get(1)?;
    if n < 0x80 {
        return Some((2, n as usize));
    }
    let bytes = (n & 0x7f) as usize;
    if !(1..=3).contains(&bytes) {
        return None;
    }
    let len = der
        .get(2..2 + bytes)?
        .iter()
        .fold(0usize, |acc, &b| acc << 8 | b as usize);
    Some((2 + bytes, len))
}

/// Whether `der` is a whole DER private key (PKCS#1, SEC1, PKCS#8): one ASN.1 SEQUENCE whose
/// length field accounts for every byte (a truncated copy does not), opening with a small
/// version INTEGER (`02 01 00` or `02 01 01`). Certificates, public keys and PKCS#12 archives
/// open otherwise (a SEQUENCE, a large INTEGER, version 3).
pub fn der_private_key(der: &[u8]) -> bool {
    // lengths of one or two bytes: a key's DER is under 64 KiB
    let Some((header, len)) = der_sequence_header(der).filter(|(h, _)| *h <= 4) else {
        return false;
    };
    header + len == der.len()
        && der
            .get(header..header + 3)
            .is_some_and(|v| v[0] == 2 && v[1] == 1 && v[2] <= 1)
}

/// Whether `der` starts like a PKCS#12 archive (RFC 7292 `PFX`): a SEQUENCE holding INTEGER 3
/// (the version) and a ContentInfo SEQUENCE whose type is PKCS#7 `data` (1.2.840.113549.1.7.1,
/// password integrity) or `signedData` (…7.2, public-key integrity). DER or BER (indefinite
/// lengths, as some Java and Windows tools write).
pub fn pkcs12_der_ok(der: &[u8]) -> bool {
    /// the bytes after a SEQUENCE tag and its length, when `der[at]` is a SEQUENCE
    fn seq_body(der: &[u8], at: usize) -> Option<usize> {
        if *der.get(at)? != 0x30 {
            return None;
        }
        match *der.get(at + 1)? {
            0x80 => Some(at + 2),
            n @ 0x81..=0x84 => Some(at + 2 + (n - 0x80) as usize),
            n if n < 0x80 => Some(at + 2),
            _ => None,
        }
    }
    const PKCS7: [u8; 10] = [0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07];
    let Some(v) = seq_body(der, 0) else {
        return false;
    };
    if der.get(v..v + 3) != Some(&[0x02, 0x01, 0x03]) {
        return false;
    }
    let Some(c) = seq_body(der, v + 3) else {
        return false;
    };
    der.get(c..c + PKCS7.len()) == Some(&PKCS7) && matches!(der.get(c + PKCS7.len()), Some(1 | 2))
}

/// Whether a PKCS#12 archive (`der`, starting with the header [`pkcs12_der_ok`] checks) holds
/// a private key: `Some(true)` when a key bag's type (RFC 7292 `keyBag` or
/// `pkcs8ShroudedKeyBag`) is visible, `Some(false)` when the whole archive is there and none
/// is (a trust store of certificates; a key whose bag is inside encrypted content is not seen
/// — no common tool writes one), `None` when `der` is cut short of its declared length.
pub fn pkcs12_holds_key(der: &[u8]) -> Option<bool> {
    const BAG: [u8; 12] = [
        0x06, 0x0b, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x0c, 0x0a, 0x01,
    ];
    let key_bag = der
        .windows(BAG.len() + 1)
        .any(|w| w[..BAG.len()] == BAG && matches!(w[BAG.len()], 1 | 2));
    if key_bag {
        return Some(true);
    }
    let declared = match der.get(1)? {
        n @ 0x81..=0x84 => {
            let k = (n - 0x80) as usize;
            let len = der
                .get(2..2 + k)?
                .iter()
                .fold(0usize, |a, &b| (a << 8) | b as usize);
            2 + k + len
        }
        n if *n < 0x80 => 2 + *n as usize,
        // indefinite length: where it ends is not known without parsing
        _ => return None,
    };
    (der.len() >= declared).then_some(false)
}

/// Whether `data` is a Java key store (JKS, magic `FEEDFEED`, or JCEKS, `CECECECE`; version 1
/// or 2) that holds a key: `Some(true)` at the first private-key (tag 1) or secret-key (tag 3,
/// JCEKS) entry, `Some(false)` when every entry is a trusted certificate (a trust store such as
/// `cacerts`), `None` when the entries cannot be walked (cut short, malformed) or this is not a
/// Java key store. Entries are walked as OpenJDK's `JavaKeyStore` writes them.
pub fn java_keystore_holds_key(data: &[u8]) -> Option<bool> {
    let u32_at = |at: usize| -> Option<usize> {
        Some(u32::from_be_bytes(data.get(at..at + 4)?.try_into().ok()?) as usize)
    };
    let utf_end = |at: usize| -> Option<usize> {
        let n = u16::from_be_bytes(data.get(at..at + 2)?.try_into().ok()?) as usize;
        (at + 2 + n <= data.len()).then_some(at + 2 + n)
    };
    let magic = u32_at(0)?;
    if magic != 0xFEED_FEED && magic != 0xCECE_CECE {
        return None;
    }
    let version = u32_at(4)?;
    if version != 1 && version != 2 {
        return None;
    }
    let count = u32_at(8)?;
    let mut at = 12;
    // a certificate: (version 2) its type, then length and bytes
    let cert_end = |at: usize| -> Option<usize> {
        let at = if version == 2 { utf_end(at)? } else { at };
        let n = u32_at(at)?;
        (at + 4 + n <= data.len()).then_some(at + 4 + n)
    };
    for _ in 0..count {
        match u32_at(at)? {
            1 | 3 => return Some(true),
            2 => {
                // alias, date, certificate
                at = cert_end(utf_end(at + 4)? + 8)?;
            }
            _ => return None,
        }
    }
    Some(false)
}

/// Standard base64 that may be cut short (a value's first line, a capped match): the whole of
/// `s` (padding optional), else its longest prefix of whole 4-character groups. `None` for
/// non-ASCII or non-base64 text.
pub fn b64_decode_prefix(s: &str) -> Option<Vec<u8>> {
    let text = s.trim_end_matches('=');
    if !text.is_ascii() {
        return None;
    }
    b64_decode(text).or_else(|| b64_decode(&text[..text.len() / 4 * 4]))
}

/// Standard base64 with padding.
pub fn b64_encode(data: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(data)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_decodes_either_case_and_refuses_odd_or_foreign_text() {
        assert_eq!(hex_decode("00fFa0"), Some(vec![0, 255, 160]));
        assert_eq!(hex_decode(""), Some(vec![]));
        assert_eq!(hex_decode("abc"), None);
        assert_eq!(hex_decode("zz"), None);
    }
}
