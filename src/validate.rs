//! Pipeline step 4: offline validation of a candidate secret — checksums (GitHub, npm, GitLab
//! routable tokens), structure (JWT), entropy, and placeholder / stop-word lists. A candidate that
//! fails is dropped before it becomes a finding.

use base64::Engine as _;

/// Names accepted in a rule's `validators` list.
pub const VALIDATORS: &[&str] = &[
    "crc32-base62",
    "gitlab-routable",
    "jwt",
    "generic-secret",
    "base64-credentials",
    "not-hex",
    "mixed-case-or-digits",
];

/// Is `name` a validator this build knows?
pub fn is_known_validator(name: &str) -> bool {
    VALIDATORS.contains(&name)
}

/// Outcome of validating one candidate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Looks real.
    Pass,
    /// Rejected, with a short reason (used in `rules check` diagnostics and tests).
    Reject(&'static str),
}

/// Run the named validator on `secret`.
pub fn run_validator(name: &str, secret: &str) -> Verdict {
    let ok = match name {
        "crc32-base62" => crc32_base62_ok(secret),
        "gitlab-routable" => gitlab_routable_ok(secret),
        "jwt" => jwt_structure_ok(secret),
        "generic-secret" => generic_secret_ok(secret),
        "base64-credentials" => base64_credentials_ok(secret),
        "not-hex" => !secret.bytes().all(|b| b.is_ascii_hexdigit()),
        "mixed-case-or-digits" => char_classes(secret) >= 2,
        _ => false,
    };
    if ok {
        Verdict::Pass
    } else {
        Verdict::Reject(reason(name))
    }
}

fn reason(name: &str) -> &'static str {
    match name {
        "crc32-base62" => "checksum mismatch",
        "gitlab-routable" => "routable-token CRC mismatch",
        "jwt" => "not a JWT (header or payload is not JSON)",
        "generic-secret" => "looks like a reference, hash, identifier or placeholder",
        "base64-credentials" => "does not decode to user:password",
        "not-hex" => "hex digest",
        _ => "rejected",
    }
}

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

/// GitLab routable tokens (`prefix B64 .01. LL CRC`): the length field and CRC must agree.
/// Legacy (non-routable) tokens carry no checksum and pass.
pub fn gitlab_routable_ok(secret: &str) -> bool {
    let Some(dot) = secret.find(".01.") else {
        return true;
    };
    let tail = &secret[dot + 4..];
    if tail.len() != 9 || !secret.is_ascii() {
        return false;
    }
    let (ll, crc) = tail.split_at(2);
    let Some(dash) = secret[..dot].find('-') else {
        return false;
    };
    let b64 = &secret[dash + 1..dot];
    let Ok(len) = u64::from_str_radix(ll, 36) else {
        return false;
    };
    if len as usize != b64.len() {
        return false;
    }
    let signed = &secret[..dot + 4 + 2];
    base36(crc32fast::hash(signed.as_bytes()) as u64, 7) == crc
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

/// A JWT's header and payload both decode to JSON objects.
pub fn jwt_structure_ok(secret: &str) -> bool {
    let mut parts = secret.split('.');
    let (Some(h), Some(p)) = (parts.next(), parts.next()) else {
        return false;
    };
    let obj = |s: &str| {
        b64url_decode(s)
            .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
            .is_some_and(|v| v.is_object())
    };
    obj(h) && obj(p)
}

/// Standard base64 of `user:password` with printable text on both sides.
pub fn base64_credentials_ok(secret: &str) -> bool {
    let Some(bytes) = b64_decode(secret) else {
        return false;
    };
    let Ok(text) = String::from_utf8(bytes) else {
        return false;
    };
    match text.split_once(':') {
        Some((u, p)) => {
            !u.is_empty()
                && p.len() >= 4
                && text.chars().all(|c| !c.is_control())
                && !is_placeholder(p)
        }
        None => false,
    }
}

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

const PLACEHOLDER_EXACT_CASE: &[&str] = &[
    "EXAMPLE", "XXXX", "xxxx", "****", "<", ">", "${", "{{", "}}", "%(", "$(", "…", "...",
];

const PLACEHOLDER_WORDS: &[&str] = &[
    "changeme",
    "change_me",
    "change-me",
    "your_",
    "your-",
    "yourtoken",
    "yourkey",
    "yourpassword",
    "placeholder",
    "redacted",
    "dummy",
    "insert_",
    "insert-",
    "replace_me",
    "replaceme",
    "replace-me",
    "notasecret",
    "not_a_secret",
    "not-a-secret",
    "goes_here",
    "goeshere",
    "fake_",
    "_fake",
    "example_",
    "_example",
    "sample_",
    "_sample",
];

/// True for well-known placeholders, templating, masked values and trivially repetitive text.
pub fn is_placeholder(secret: &str) -> bool {
    if PLACEHOLDER_EXACT_CASE.iter().any(|p| secret.contains(p)) {
        return true;
    }
    let lower = secret.to_ascii_lowercase();
    if PLACEHOLDER_WORDS.iter().any(|w| lower.contains(w)) {
        return true;
    }
    if ["0123456789", "123456789", "abcdefghij", "1234567890"]
        .iter()
        .any(|s| lower.contains(s))
    {
        return true;
    }
    // a run of 8 identical characters
    let b = secret.as_bytes();
    let mut run = 1;
    for i in 1..b.len() {
        if b[i] == b[i - 1] && b[i].is_ascii_alphanumeric() {
            run += 1;
            if run >= 8 {
                return true;
            }
        } else {
            run = 1;
        }
    }
    false
}

fn is_uuid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, &c)| match i {
            8 | 13 | 18 | 23 => c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

/// Heuristics for values of generic `password = …` style assignments: drop references to
/// variables or environment, code expressions, hashes, UUIDs, paths, and natural-language words.
pub fn generic_secret_ok(v: &str) -> bool {
    let v = v.trim();
    if v.len() < 8 || v.len() > 200 {
        return false;
    }
    let lower = v.to_ascii_lowercase();
    let reference_markers = [
        "$",
        "%s",
        "{",
        "}",
        "(",
        ")",
        "[",
        "]",
        "process.env",
        "os.environ",
        "getenv",
        "env.",
        "secrets.",
        "vault:",
        "://",
        "\\",
    ];
    if reference_markers.iter().any(|m| lower.contains(m)) {
        return false;
    }
    if v.contains('/') && !looks_random_with_slash(v) {
        return false;
    }
    if is_uuid(v) || is_placeholder(v) {
        return false;
    }
    let all_hex = v.bytes().all(|b| b.is_ascii_hexdigit());
    if all_hex {
        return false;
    }
    // identifiers such as `config.db_password`, `self.token`, `SOME_CONSTANT_NAME`
    if v.bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.' || b == b'-')
        && (v.contains('.')
            && v.split('.')
                .all(|p| p.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') && !p.is_empty())
            && !v.chars().any(|c| c.is_ascii_digit())
            || v.bytes()
                .all(|b| b.is_ascii_uppercase() || b == b'_' || b.is_ascii_digit())
            || v.bytes()
                .all(|b| b.is_ascii_lowercase() || b == b'_' || b == b'-'))
    {
        return false;
    }
    if v.starts_with("sha") && v.contains('-') {
        return false;
    }
    if char_classes(v) < 3 {
        return false;
    }
    entropy(v) >= 3.0
}

fn looks_random_with_slash(v: &str) -> bool {
    // base64-ish secrets may contain '/', but never path-like segments of words
    !v.starts_with('/')
        && !v.contains("://")
        && !v.contains('$')
        && !v.contains('{')
        && !v.contains('(')
        && v.matches('/').count() <= 2
        && v.bytes().all(|b| b.is_ascii_graphic())
        && char_classes(v) >= 3
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn github_checksum_from_spec() {
        let body = "XTLrJFXrOghwrPgxRmVn046CD0rcwf";
        assert_eq!(crc32fast::hash(body.as_bytes()), 0x2675a197);
        assert_eq!(base62(0x2675a197, 6), "0hfNFn");
        assert!(crc32_base62_ok(&format!("ghp_{body}0hfNFn")));
        assert!(!crc32_base62_ok(&format!("ghp_{body}0hfNFo")));
    }

    #[test]
    fn gitlab_routable_from_spec() {
        let t = format!(
            "{}{}{}{}{}",
            "glpat-", "QFX4MW442SqBCBK8qzjEyW86MQp1OjJpeGg0Cw", ".01.", "12", "1mf76tf"
        );
        assert!(gitlab_routable_ok(&t));
        assert!(!gitlab_routable_ok(&t.replace("1mf76tf", "1mf76tg")));
    }

    #[test]
    fn placeholders() {
        assert!(is_placeholder("AKIAIOSFODNN7EXAMPLE"));
        assert!(is_placeholder("ghp_XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"));
        assert!(is_placeholder("${API_TOKEN}"));
        assert!(!is_placeholder("k4tgj7e%2Z4X^ieruVStjD5V"));
    }

    #[test]
    fn generic_values() {
        assert!(generic_secret_ok("k4tgj7e%2Z4X^ieruVStjD5V"));
        assert!(!generic_secret_ok(
            "9acf28ed9faae1ed5130a2b76538520092ae9caf"
        ));
        assert!(!generic_secret_ok("1d7d4963-790f-43b3-aa07-3b556538507a"));
        assert!(!generic_secret_ok("os.environ['DB_PASSWORD']"));
        assert!(!generic_secret_ok("changeme"));
        assert!(!generic_secret_ok("settings.database_password"));
    }

    #[test]
    fn jwt_structure() {
        assert!(!jwt_structure_ok(
            "eyJ45wQ3XALOPMwu.eyJ1PX5qdMFsQmvk5e2jx.abc"
        ));
        assert!(jwt_structure_ok("eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0."));
    }
}
