//! Pipeline step 4: offline validation of a candidate secret — checksums (GitHub, npm, GitLab
//! routable tokens), structure (JWT), entropy, and placeholder / stop-word lists. A candidate that
//! fails is dropped before it becomes a finding.

use base64::Engine as _;

mod identifiable;
pub use identifiable::identifiable_checksum_ok;

/// Names accepted in a rule's `validators` list.
pub const VALIDATORS: &[&str] = &[
    "crc32-base62",
    "gitlab-routable",
    "jwt",
    "generic-secret",
    "base64-credentials",
    "not-hex",
    "mixed-case-or-digits",
    "azure-sas",
    "bootstrap-token",
    "url-password",
    "aws-secret",
    "private-key",
    "opaque-token",
    "pypi-macaroon",
    "azure-identifiable",
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
        "azure-sas" => azure_sas_ok(secret),
        "bootstrap-token" => bootstrap_token_ok(secret),
        "url-password" => url_password_ok(secret),
        "aws-secret" => aws_secret_ok(secret),
        "private-key" => private_key_ok(secret),
        "opaque-token" => opaque_token_ok(secret),
        "pypi-macaroon" => pypi_macaroon_ok(secret),
        "azure-identifiable" => identifiable_checksum_ok(secret),
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
        "azure-sas" => "not a SAS (no signature, or no sv/se/sp parameter)",
        "bootstrap-token" => "bootstrap-token secret lacks letters or digits",
        "url-password" => "URL password is a placeholder, reference or default",
        "aws-secret" => "not a random 40-character secret key",
        "private-key" => "key body is empty, elided or a placeholder",
        "opaque-token" => "looks like a reference, identifier or placeholder",
        "pypi-macaroon" => "not a pypi.org macaroon",
        "azure-identifiable" => "identifiable-key checksum (Marvin32) mismatch",
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
/// Legacy (non-routable) tokens carry no checksum and pass. Runner tokens may carry a `t<n>_`
/// marker after the prefix; the length field may count it or not.
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
    let marker = runner_marker_len(b64);
    if len as usize != b64.len() && len as usize != b64.len() - marker {
        return false;
    }
    let signed = &secret[..dot + 4 + 2];
    base36(crc32fast::hash(signed.as_bytes()) as u64, 7) == crc
}

/// Length of a `t<digits>_` runner-token marker at the start of `b64` (0 when absent).
fn runner_marker_len(b64: &str) -> usize {
    let b = b64.as_bytes();
    if b.first() != Some(&b't') {
        return 0;
    }
    let digits = b[1..].iter().take_while(|c| c.is_ascii_digit()).count();
    if digits > 0 && b.get(1 + digits) == Some(&b'_') {
        digits + 2
    } else {
        0
    }
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
    // the signature of the sample token on jwt.io and in countless tutorials
    let sample = parts.next() == Some("SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c");
    obj(h) && obj(p) && !sample
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
                && !DEFAULT_PASSWORDS.contains(&p.to_ascii_lowercase().as_str())
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
    "EXAMPLE", "XXXX", "xxxx", "****", "<", ">", "&lt;", "&gt;", "${", "{{", "}}", "%(", "$(", "…",
    "...",
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
    "replace_with",
    "replace-with",
    "token_here",
    "key_here",
    "secret_here",
    "password_here",
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

/// Distinctive parts of credentials that vendors publish in their documentation as examples
/// (copied into countless READMEs, tests and tutorials); a value containing one is an example.
const PUBLISHED_EXAMPLES: &[&str] = &[
    // jwt.io's default HS256 token (`{"sub":"1234567890","name":"John Doe","iat":1516239022}`)
    "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
    // the test secret key in Stripe's API reference
    "4eC39HqLyjWDarjtT1zdp7dc",
    // AWS documentation's example secret access key
    "wJalrXUtnFEMI/K7MDENG/bPxRfiCY",
    // the Azurite / storage-emulator account key of devstoreaccount1, published by Microsoft
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsu",
    // the bootstrap token of the kubelet TLS-bootstrapping examples in the Kubernetes docs
    "07401b.f395accd246ae52d",
    // the bot token of Slack's OAuth v2 response example
    "pdFZKVeTuE8sk7oOcBrzbqgy",
    // the cluster part of the Swarm join tokens in Docker's documentation
    "3pu6hszjas19xyp7ghgosyx9k8atbfcr8p2is99znpy26u2lkl",
    // … and in the Docker Engine API reference, with its example unlock key
    "1h8aps2yszaiqmz2l3oc5392pgk8e49qhx2aj3nyv0ui0hez2a",
    "7c37Cc8654o6p38HnroywCi19pllOnGtbdZEgtKxZu8",
    // xkcd 936's password and passphrase
    "Tr0ub4dor&3",
    "correcthorsebatterystaple",
];

/// True for well-known placeholders, templating, masked values, published documentation
/// examples and trivially repetitive text.
pub fn is_placeholder(secret: &str) -> bool {
    if PLACEHOLDER_EXACT_CASE.iter().any(|p| secret.contains(p))
        || PUBLISHED_EXAMPLES.iter().any(|p| secret.contains(p))
    {
        return true;
    }
    let lower = secret.to_ascii_lowercase();
    if PLACEHOLDER_WORDS.iter().any(|w| lower.contains(w)) {
        return true;
    }
    if ["0123456789", "123456789", "abcdefg", "1234567890", "a1b2c3"]
        .iter()
        .any(|s| lower.contains(s))
    {
        return true;
    }
    // a run of identical characters: 8 in a short secret; long encoded blobs (keys, JWTs,
    // macaroons) legitimately hold runs of `A` (zero bytes), so they need a much longer run
    let limit = if secret.len() <= 128 { 8 } else { 32 };
    longest_run(secret) >= limit
}

/// Length of the longest run of one repeated alphanumeric character.
fn longest_run(s: &str) -> usize {
    let b = s.as_bytes();
    let mut best = 0;
    let mut run = 0;
    for i in 0..b.len() {
        if b[i].is_ascii_alphanumeric() && i > 0 && b[i] == b[i - 1] {
            run += 1;
        } else {
            run = 1;
        }
        if b[i].is_ascii_alphanumeric() {
            best = best.max(run);
        }
    }
    best
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
    // an unquoted value in code ends at the statement or list separator
    let v = v.trim().trim_end_matches([',', ';', '.', ')']);
    // a query string goes on after the value (`abc123&Version=2014-01-01`)
    let v = match v.split_once('&') {
        Some((head, tail))
            if tail.split_once('=').is_some_and(|(k, _)| {
                !k.is_empty() && k.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
            }) =>
        {
            head
        }
        _ => v,
    };
    if v.len() < 8 || v.len() > 200 {
        return false;
    }
    // statements (`a;Nt.x=y`), regular expressions (ending `.*`/`.+`, `\\d`), colon-separated field
    // lists (`UID:GID:GECOS:directory`), Fernet ciphertexts (`gAAAAA…`)
    if (v.contains(';') && v.contains('='))
        || [".*", ".+"].iter().any(|m| v.ends_with(m))
        || ["\\d", "\\w", "[a-z", "[A-Z"].iter().any(|m| v.contains(m))
        || (v.contains(':')
            && v.split(':')
                .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_alphabetic() || b == b'_')))
        || v.starts_with("gAAAAA")
    {
        return false;
    }
    if is_code_token(v) || is_host_path(v) || has_run(v, 6) {
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
    // resource names (`arn:aws:iam::aws:policy/...`, `arn:partition:service:...`)
    if lower.starts_with("arn:") {
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
    if is_digest_notation(v) || has_known_token_prefix(v) || is_base64_text(v) {
        return false;
    }
    if is_word_identifier(v) || names_itself(&lower) {
        return false;
    }
    if char_classes(v) < 3 {
        return false;
    }
    entropy(v) >= 3.0
}

/// Last words of assigned names that say the value is not the secret itself but something about
/// it (`password_salt`, `token_header`, `secretName`, `api_key_url`, `password_min_length`).
const NON_SECRET_NAME_ENDINGS: &[&str] = &[
    "salt",
    "hash",
    "hashed",
    "digest",
    "checksum",
    "md5",
    "sha1",
    "sha256",
    "name",
    "names",
    "type",
    "kind",
    "header",
    "field",
    "url",
    "uri",
    "endpoint",
    "path",
    "file",
    "filename",
    "dir",
    "policy",
    "length",
    "len",
    "size",
    "count",
    "min",
    "max",
    "limit",
    "timeout",
    "ttl",
    "expiry",
    "expires",
    "expiration",
    "lifetime",
    "format",
    "prefix",
    "suffix",
    "label",
    "description",
    "hint",
    "prompt",
    "placeholder",
    "pattern",
    "regex",
    "ref",
    "arn",
    "version",
    "enabled",
    "required",
    "env",
    "var",
    "used",
    "date",
    "time",
    "source",
    "provider",
    "store",
    "method",
    "mode",
    "scope",
    "scopes",
    "class",
    "strategy",
    "backend",
    "helper",
];

/// Whether an assigned name (`DB_PASSWORD`, `spring.datasource.password`, `passwordSalt`) can
/// hold a secret: false when its last word says the value is about the secret (see
/// [`NON_SECRET_NAME_ENDINGS`]).
pub fn key_may_name_secret(key: &str) -> bool {
    let words = key_words(key);
    // `pass` alone names a password only as a word of its own (`DB_PASS`, `smtpPass`), not
    // inside `bypass` or `compass`
    let lower = key.to_ascii_lowercase();
    let secret_word = [
        "password",
        "passwd",
        "passphrase",
        "pwd",
        "secret",
        "token",
        "key",
        "credential",
    ];
    if lower.contains("pass")
        && !secret_word.iter().any(|w| lower.contains(w))
        && !words.iter().any(|w| w == "pass")
    {
        return false;
    }
    // pagination cursors and anti-forgery tokens are not credentials
    const NOT_CREDENTIAL_WORDS: &[&str] = &[
        "next",
        "continuation",
        "page",
        "pagination",
        "resume",
        "csrf",
        "xsrf",
        "idempotency",
    ];
    if words
        .iter()
        .any(|w| NOT_CREDENTIAL_WORDS.contains(&w.as_str()))
    {
        return false;
    }
    words.last().is_none_or(|w| {
        !NON_SECRET_NAME_ENDINGS.contains(&w.as_str())
            && !["hash", "digest", "salt", "checksum"]
                .iter()
                .any(|e| w.len() > e.len() && w.ends_with(e))
    })
}

/// `DB_PASSWORD` → `[db, password]`, `passwordSalt` → `[password, salt]`.
fn key_words(key: &str) -> Vec<String> {
    let mut words: Vec<String> = Vec::new();
    let mut cur = String::new();
    let mut prev_lower = false;
    for c in key.chars() {
        if !c.is_ascii_alphanumeric() {
            prev_lower = false;
            if !cur.is_empty() {
                words.push(std::mem::take(&mut cur));
            }
            continue;
        }
        if c.is_ascii_uppercase() && prev_lower && !cur.is_empty() {
            words.push(std::mem::take(&mut cur));
        }
        prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        cur.push(c.to_ascii_lowercase());
    }
    if !cur.is_empty() {
        words.push(cur);
    }
    words
}

/// Code, not a value: a path such as `syn::token::Comma` or `TokenKind::Comma` (the assignment
/// regex saw `key: :Comma`), a numeric literal such as `0x8004E10E_u32`, or an HTML entity
/// (`&ldquo;`, `&#39;`) from rendered documentation.
fn is_code_token(v: &str) -> bool {
    if v.starts_with(':') || v.contains("::") {
        return true;
    }
    // a reference or pointer type such as `&JsValue`, `*mut`
    if let Some(r) = v.strip_prefix(['&', '*'])
        && r.starts_with(|c: char| c.is_ascii_alphabetic())
        && r.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    {
        return true;
    }
    let unsigned = v.strip_prefix('-').unwrap_or(v);
    if let Some(rest) = unsigned
        .strip_prefix("0x")
        .or_else(|| unsigned.strip_prefix("0X"))
    {
        let digits = rest
            .bytes()
            .take_while(|b| b.is_ascii_hexdigit() || *b == b'_');
        if digits.count() >= 4 {
            return true;
        }
    }
    has_html_entity(v)
}

/// The value of a hexadecimal digit.
pub(crate) fn hex_val(b: u8) -> Option<u32> {
    (b as char).to_digit(16)
}

/// `n` identical characters in a row (`test_00000001`, `aaaaaa`): counters and padding, which
/// random values almost never hold.
fn has_run(v: &str, n: usize) -> bool {
    let b = v.as_bytes();
    b.windows(n).any(|w| w.iter().all(|&c| c == w[0]))
}

/// A URL without its scheme: `example.com:1234/foo`, `db.internal/app` (a host with a dotted
/// name and a top-level label of letters, an optional port, then a path).
fn is_host_path(v: &str) -> bool {
    let Some((host, _)) = v.split_once('/') else {
        return false;
    };
    let host = host
        .rsplit_once(':')
        .filter(|(_, p)| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
        .map_or(host, |(h, _)| h);
    let Some((name, tld)) = host.rsplit_once('.') else {
        return false;
    };
    !name.is_empty()
        && (2..=6).contains(&tld.len())
        && tld.bytes().all(|b| b.is_ascii_lowercase())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.')
}

/// `&name;` or `&#123;` / `&#x1F;` anywhere in `v`.
fn has_html_entity(v: &str) -> bool {
    let b = v.as_bytes();
    b.iter().enumerate().any(|(i, &c)| {
        if c != b'&' {
            return false;
        }
        let rest = &b[i + 1..];
        let body = rest.strip_prefix(b"#").unwrap_or(rest);
        let n = body
            .iter()
            .take_while(|c| c.is_ascii_alphanumeric())
            .count();
        (2..=8).contains(&n) && body.get(n) == Some(&b';')
    })
}

/// Names and identifiers such as `tls-cert-2024`, `api-token-v2`, `release_2024_01`: every
/// `-`/`_`/`.`/`/`-separated segment is all letters, all digits, or a short tag like `v2`
/// (random values mix letters and digits within longer segments).
pub fn is_word_identifier(v: &str) -> bool {
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

/// A value that spells out what it is (`MyPassword123!`, `super-secret-key`) is a sample.
fn names_itself(lower: &str) -> bool {
    [
        "password",
        "passwd",
        "p@ssw0rd",
        "passw0rd",
        "secret",
        "token",
        "apikey",
        "api_key",
        "api-key",
        "credential",
    ]
    .iter()
    .any(|w| lower.contains(w))
}

/// Prefixes of token formats that dedicated rules recognise (and validate, e.g. by checksum).
/// A generic rule leaves these to them: a `ghp_` value whose checksum fails is a placeholder,
/// not a generic password, and a `eyJ…` value that is not a JWT is not a secret either.
const KNOWN_TOKEN_PREFIXES: &[&str] = &[
    "ghp_",
    "gho_",
    "ghu_",
    "ghs_",
    "ghr_",
    "github_pat_",
    "glpat-",
    "gldt-",
    "glrt-",
    "glft-",
    "glptt-",
    "glcbt-",
    "gloas-",
    "glimt-",
    "glagent-",
    "npm_",
    "pypi-",
    "xoxb-",
    "xoxp-",
    "xoxa-",
    "xoxe",
    "xapp-",
    "sk_live_",
    "sk_test_",
    "rk_live_",
    "rk_test_",
    "whsec_",
    "sk-ant-",
    "sk-proj-",
    "hf_",
    "dckr_",
    "fm1r_",
    "fm1a_",
    "fm2_",
    "flyv1",
    "akia",
    "asia",
    "aiza",
    "ya29.",
    "1//",
    "eyj",
    "iqojb3jpz2lux2vj",
    // Mapbox public (pk.) tokens are public by design; secret (sk.) ones have their own rule
    "pk.eyj",
    "sk.eyj",
];

/// Starts with the prefix of a format that a dedicated rule handles.
pub fn has_known_token_prefix(v: &str) -> bool {
    let lower = v.to_ascii_lowercase();
    KNOWN_TOKEN_PREFIXES.iter().any(|p| lower.starts_with(p))
}

/// Digests written with their algorithm: `sha512-<base64>` (lockfile integrity), `sha256:<hex>`
/// (image digests, kubeadm CA hashes), `md5:…`, `0x<hex>`.
pub fn is_digest_notation(v: &str) -> bool {
    let lower = v.to_ascii_lowercase();
    let algo = [
        "sha1", "sha224", "sha256", "sha384", "sha512", "md5", "blake2b", "blake3",
    ];
    if algo.iter().any(|a| {
        lower.starts_with(a) && matches!(lower.as_bytes().get(a.len()), Some(b'-' | b':' | b'='))
    }) {
        return true;
    }
    lower.starts_with("0x") && v.len() > 10 && v[2..].bytes().all(|b| b.is_ascii_hexdigit())
}

/// Standard base64 (length a multiple of 4) that decodes to printable text: the value is an
/// encoding, judged by what it decodes to (decoded views scan that text), not as a password.
pub fn is_base64_text(v: &str) -> bool {
    if v.len() < 8
        || v.len() % 4 != 0
        || !v
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+/=".contains(&b))
    {
        return false;
    }
    let Some(d) = b64_decode(v) else {
        return false;
    };
    match std::str::from_utf8(&d) {
        Ok(t) => {
            !t.is_empty()
                && t.chars()
                    .all(|c| !c.is_control() || matches!(c, '\n' | '\r' | '\t'))
        }
        Err(_) => false,
    }
}

/// Azure SAS: a `sig` parameter holding a base64 HMAC (URL-encoded or not) and at least one of
/// the SAS parameters `sv`, `se`, `sp`.
pub fn azure_sas_ok(s: &str) -> bool {
    let query = s.rsplit_once('?').map_or(s, |(_, q)| q);
    let mut sig = None;
    let mut sas_params = 0;
    for pair in query.split('&') {
        let pair = pair.strip_prefix("amp;").unwrap_or(pair);
        let Some((k, v)) = pair.split_once('=') else {
            continue;
        };
        match k {
            "sig" => sig = Some(v),
            "sv" | "se" | "sp" | "st" | "srt" | "ss" | "sr" | "spr" | "skoid" => sas_params += 1,
            _ => {}
        }
    }
    let Some(sig) = sig else {
        return false;
    };
    let sig = sig
        .replace("%2B", "+")
        .replace("%2b", "+")
        .replace("%2F", "/")
        .replace("%2f", "/")
        .replace("%3D", "=")
        .replace("%3d", "=");
    sas_params >= 1
        && sig.len() >= 40
        && !is_placeholder(&sig)
        && b64_decode(&sig).is_some_and(|d| d.len() >= 30)
}

/// kubeadm bootstrap token (`id.secret` or the 16-character secret alone): the secret part mixes
/// letters and digits (a random 16-character `[a-z0-9]` string almost always does; words,
/// host names and dotted identifiers do not).
pub fn bootstrap_token_ok(s: &str) -> bool {
    let secret = s.rsplit('.').next().unwrap_or(s);
    secret.len() == 16
        && secret.bytes().any(|b| b.is_ascii_digit())
        && secret.bytes().any(|b| b.is_ascii_lowercase())
        && !is_placeholder(s)
}

/// Passwords too common to be anything but defaults or documentation.
const DEFAULT_PASSWORDS: &[&str] = &[
    "password", "passwd", "pass", "secret", "admin", "root", "guest", "test", "user", "postgres",
    "mysql", "redis", "rabbitmq", "changeit", "example", "pwd", "default", "letmein", "foobar",
    "foo", "bar",
];

/// The password of `scheme://user:password@host`: not a reference (`$VAR`, `${…}`, `%s`,
/// `{{…}}`), not a placeholder, not a well-known default.
pub fn url_password_ok(p: &str) -> bool {
    let lower = p.to_ascii_lowercase();
    // a default with a number or mark after it (`secret123`, `admin1!`) is a default too
    let core = lower.trim_end_matches(|c: char| c.is_ascii_digit() || "!@#._-".contains(c));
    if p.len() < 6
        || is_placeholder(p)
        || DEFAULT_PASSWORDS.contains(&lower.as_str())
        || DEFAULT_PASSWORDS.contains(&core)
    {
        return false;
    }
    // a password that names itself in words (`home-pass`, `passwd-on-proxy`) is a sample
    if is_word_identifier(p) && ["pass", "pwd", "secret"].iter().any(|w| lower.contains(w)) {
        return false;
    }
    // letters and digits are never percent-encoded by URL writers, only by test data
    if p.as_bytes().windows(3).any(|w| {
        w[0] == b'%'
            && hex_val(w[1])
                .zip(hex_val(w[2]))
                .is_some_and(|(h, l)| ((h * 16 + l) as u8).is_ascii_alphanumeric())
    }) {
        return false;
    }
    // `[`, `]` and `\` cannot appear unencoded in a URL's user information (RFC 3986)
    if ["$", "%s", "%(", "{", "}", "<", ">", "[", "]", "\\"]
        .iter()
        .any(|m| p.contains(m))
    {
        return false;
    }
    entropy(p) >= 2.5 && char_classes(p) >= 2
}

/// An AWS secret access key: 40 random characters of `[A-Za-z0-9/+]`.
pub fn aws_secret_ok(s: &str) -> bool {
    s.len() == 40
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'/' || b == b'+')
        && char_classes(s) >= 3
        && !s.bytes().all(|b| b.is_ascii_hexdigit())
        && entropy(s) >= 4.0
        && !is_placeholder(s)
}

/// A private-key block: its body holds enough base64 to be a key and is not elided (`...`) or
/// templated.
pub fn private_key_ok(s: &str) -> bool {
    let text = s.replace("\\n", "\n");
    let body: String = text
        .lines()
        .filter(|l| !l.contains("-----") && !l.contains(": "))
        .collect::<Vec<_>>()
        .join("\n");
    if ["...", "…", "<", ">", "{{", "${", "XXXX", "xxxx"]
        .iter()
        .any(|m| body.contains(m))
    {
        return false;
    }
    let b64 = body
        .bytes()
        .filter(|b| b.is_ascii_alphanumeric() || b"+/=".contains(b))
        .count();
    b64 >= 64 && longest_run(&body) < 48 && entropy(&body) >= 4.0
}

/// An opaque bearer/static token value: long enough, not a reference or placeholder, not a
/// known-prefix token (its own rule decides), letters and digits mixed, some entropy.
pub fn opaque_token_ok(v: &str) -> bool {
    let v = v.trim_matches(|c| c == '"' || c == '\'');
    if v.len() < 16 || v.len() > 4096 || is_placeholder(v) || has_known_token_prefix(v) {
        return false;
    }
    if ["$", "{", "}", "(", ")", "<", ">", "%s", "://"]
        .iter()
        .any(|m| v.contains(m))
    {
        return false;
    }
    if is_uuid(v) || is_digest_notation(v) {
        return false;
    }
    v.bytes().any(|b| b.is_ascii_digit())
        && v.bytes().any(|b| b.is_ascii_alphabetic())
        && entropy(v) >= 3.0
}

/// `pypi-` + base64url of a libmacaroons v2 macaroon: version byte 2, then a location field.
pub fn pypi_macaroon_ok(s: &str) -> bool {
    let Some(b64) = s.strip_prefix("pypi-") else {
        return false;
    };
    b64_decode(b64).is_some_and(|d| d.len() >= 40 && d[0] == 2 && d[1] == 1)
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
        assert!(is_placeholder("&lt;YOURPASSWROD&gt;"));
        assert!(is_placeholder(
            "px-api-a1b2c3d4-e5f6-g7h8-i8j0-k0l3m3n4o0p5"
        ));
        assert!(is_placeholder("abcdefg12346+FJQCK"));
        // published documentation examples, whatever surrounds them
        assert!(is_placeholder(&format!(
            "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.{}.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(br#"{"sub":"1234567890"}"#)
        )));
        assert!(is_placeholder(&format!(
            "sk_test_{}",
            "4eC39HqLyjWDarjtT1zdp7dc"
        )));
        assert!(is_placeholder("ghp_XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"));
        assert!(is_placeholder("${API_TOKEN}"));
        assert!(!is_placeholder("oWJBMYgS4D%vWNaj9YM29xZ9"));
    }

    #[test]
    fn generic_values() {
        assert!(generic_secret_ok("oWJBMYgS4D%vWNaj9YM29xZ9"));
        assert!(!generic_secret_ok(
            "3efffaad777f5bcd489f4af676e26d87821eb7e4"
        ));
        assert!(!generic_secret_ok("623e29f2-d9b9-44f8-a138-dbf1b144c246"));
        assert!(!generic_secret_ok("os.environ['DB_PASSWORD']"));
        assert!(!generic_secret_ok("changeme"));
        assert!(!generic_secret_ok("settings.database_password"));
        // resource names are not secrets
        assert!(!generic_secret_ok(
            "arn:aws:iam::aws:policy/IAMUserChangePassword"
        ));
        // code seen by the assignment regex (regressions from scanning real crates)
        for code in [
            ":LeftCurlyBracket",
            "windows_sys::core::PWSTR,",
            "super::super::Foundation::HANDLE,",
            "rsa.RSAPrivateKey,",
            "0x80860004_u32",
            "&ldquo;secret:1&rdquo;",
            "Kx9&#39;zQ4m2Lp",
            "&JsValue,",
            "example.com:1234/foo/bar?baz#quux",
            "builtin:test_00000001:0",
            "mockdata.MockEc2MetadataCredentials,",
            "QUNDRVNTX0tFWQ0K",
            "abc123&Version=2014-01-01",
            "StopReplicationToReplica.",
            "UID:GID:GECOS:directory:shell",
            "GID:user_list",
            "-0x3f879678",
            "gAAAAABdnQ1TUKh2OE_ggbyCIxfg",
            "arn:([a-z\\d-]+):.*:.*:secret:Lookout-.+",
            "Llt;Nt.deleteBy=dct;Nt.deleteIndex=gct",
            "Lookout-.+",
        ] {
            assert!(!generic_secret_ok(code), "{code}");
        }
        assert!(generic_secret_ok("Qx7#mP2&vL9@kR4z"));
        assert!(generic_secret_ok("PAS1o68AD-rV5D*fT.+_hJ"));
        // random mixed case is not a word, even between dots
        assert!(generic_secret_ok("V4V.UaZJRYkVErB"));
        assert!(!generic_secret_ok("RightCurlyBracket.v2"));
        for k in [
            "password_salt",
            "TOKEN_HEADER",
            "secretName",
            "api-key-url",
            "pwd.file",
        ] {
            assert!(!key_may_name_secret(k), "{k}");
        }
        for k in [
            "DB_PASSWORD",
            "spring.datasource.password",
            "clientSecret",
            "$env:API_KEY",
        ] {
            assert!(key_may_name_secret(k), "{k}");
        }
        assert!(generic_secret_ok("Jf83-kq;Zp02+Lm,"));
    }

    #[test]
    fn jwt_structure() {
        assert!(!jwt_structure_ok("eyJEgdQvegVk1KvJ.eyJEgdQvegVk1KvJ.abc"));
        assert!(jwt_structure_ok("eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0."));
    }

    #[test]
    fn gitlab_runner_marker_length_either_way() {
        use base64::Engine as _;
        let e = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let payload = b"o:1\nt:3";
        let mut raw = vec![7u8; 16];
        raw.extend_from_slice(payload);
        raw.push(payload.len() as u8);
        let b64 = e.encode(&raw);
        for (body, counted) in [
            (format!("t1_{b64}"), b64.len()),
            (format!("t1_{b64}"), b64.len() + 3),
        ] {
            let head = format!("glrt-{body}.01.{}", base36(counted as u64, 2));
            let t = format!(
                "{head}{}",
                base36(crc32fast::hash(head.as_bytes()) as u64, 7)
            );
            assert!(gitlab_routable_ok(&t), "{t}");
        }
    }

    #[test]
    fn long_blobs_may_hold_runs_of_a() {
        let key = format!(
            "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC{}BKcwggSjAgEAAoIBAQ",
            "A".repeat(12)
        );
        assert!(!is_placeholder(&format!("{key}{}", "x9Kq".repeat(30))));
        assert!(is_placeholder("ghp_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"));
        assert!(is_placeholder(&format!("eyJ{}", "A".repeat(200))));
    }

    #[test]
    fn generic_values_leave_known_formats_to_their_rules() {
        // a wrong-checksum GitHub token or a non-JSON JWT look-alike is not a generic password
        assert!(!generic_secret_ok(
            "ghr_9XChaf688ZLcQSfgXwpbbYbwPNENDj3tSAma"
        ));
        assert!(!generic_secret_ok(
            "eyJUTBOlZxUOIt2E8tQpu4pHcym_e3k6gNLiTuvHNsRNJ9S.eyJ9rB0gII"
        ));
        // digests with their algorithm
        assert!(!generic_secret_ok(
            "sha512-1UOoe9e3xrhFTyDb3F2ZKRb966+aQ5cX8O9qNgzoVEpUGCtZpjXnagwXbYPVdFCg6rvWZ3hOT5A7mcGQJDhg4A=="
        ));
        assert!(!generic_secret_ok(
            "sha256:fcaa3a8a74ca486b5fa9df0fbe7277b455b0177689ab711f1bb643b70e3c7ad5"
        ));
        // base64 of text is judged by its decoded form (cGFzc3dvcmQ= is "password")
        assert!(!generic_secret_ok("cGFzc3dvcmQ="));
        assert!(is_base64_text("cGFzc3dvcmQ="));
        assert!(!is_base64_text("oWJBMYgS4D%vWNaj9YM29xZ9"));
        assert!(generic_secret_ok("uKVSAv*68d7ndU8irQSLMQLy.J"));
    }

    #[test]
    fn azure_sas_needs_signature_and_parameters() {
        let sig = "uAkqFQdSaWbJNE3yTfDkqQT3a%2B0qA0q1OkcJwcbK9M4%3D";
        assert!(azure_sas_ok(&format!(
            "https://acct.blob.core.windows.net/c?sp=r&se=2099-01-01T00:00:00Z&sv=2022-11-02&sig={sig}"
        )));
        assert!(azure_sas_ok(&format!(
            "sv=2022-11-02&ss=b&srt=o&sp=r&sig={sig}"
        )));
        assert!(!azure_sas_ok(&format!(
            "https://example.com/hook?sig={sig}"
        )));
        assert!(!azure_sas_ok(
            "https://x.blob.core.windows.net/c?sv=2022-11-02&sig=abc"
        ));
        assert!(!azure_sas_ok(
            "https://x.blob.core.windows.net/c?sv=2022-11-02&sp=r"
        ));
    }

    #[test]
    fn bootstrap_tokens_mix_letters_and_digits() {
        assert!(bootstrap_token_ok("01h7g5.yqmwgkrju2efznds"));
        assert!(bootstrap_token_ok("yw5v34c4k272srhl"));
        assert!(!bootstrap_token_ok("abcdef.0123456789abcdef"));
        assert!(!bootstrap_token_ok("config.kubernetesclusters"));
        assert!(!bootstrap_token_ok("mailer.1234567890123456"));
    }

    #[test]
    fn url_passwords() {
        assert!(url_password_ok("H9u*cA+Us=d+MlH*UvTC"));
        assert!(!url_password_ok("${DB_PASSWORD}"));
        assert!(!url_password_ok("postgres"));
        assert!(!url_password_ok("secret123"));
        assert!(!url_password_ok("foo(b]c"));
        assert!(!url_password_ok("home-pass"));
        assert!(!url_password_ok("passwd-on-proxy"));
        assert!(!url_password_ok("%4d^%70"));
        assert!(url_password_ok("Rk8%2Fq%40Lm3v"));
        assert!(!url_password_ok("password"));
        assert!(!url_password_ok("<password>"));
        assert!(!url_password_ok("****"));
    }

    #[test]
    fn aws_secrets() {
        assert!(aws_secret_ok("1wAMhTt+8QrqgvsiPvahlsBf3YPAWJM2OtlHJ0ZJ"));
        assert!(!aws_secret_ok("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"));
        assert!(!aws_secret_ok("3efffaad777f5bcd489f4af676e26d87821eb7e4"));
        assert!(!aws_secret_ok("tooshort"));
    }

    #[test]
    fn private_key_bodies() {
        let body = "MIIEowIBAAKCAQEAwwStZmVmGV3NpvTavB7xgEpqXgMtVXt8DAVYnDrpiFoTgTtC\n9NkzDRUBwNq9QcX+CcjlH+wUbpfL0JD3blA//DtgggtrVgH7bnP4R6TpRonxw0XI";
        let pem = format!("-----BEGIN RSA PRIVATE KEY-----\n{body}\n-----END RSA PRIVATE KEY-----");
        assert!(private_key_ok(&pem));
        // the same key as a JSON string with literal \n escapes
        assert!(private_key_ok(&pem.replace('\n', "\\n")));
        assert!(!private_key_ok(
            "-----BEGIN RSA PRIVATE KEY-----\n...\n-----END RSA PRIVATE KEY-----"
        ));
        assert!(!private_key_ok(
            "-----BEGIN PRIVATE KEY-----\n<your key here>\n-----END PRIVATE KEY-----"
        ));
    }

    #[test]
    fn opaque_tokens() {
        assert!(opaque_token_ok("e8nv6vu3rf79hpqxibzccnju7w16etq5ow6fbvok"));
        assert!(!opaque_token_ok("${KUBE_TOKEN}"));
        assert!(!opaque_token_ok("REDACTEDREDACTED"));
        assert!(!opaque_token_ok("ghp_flTh2aGF49peQI6DeMRfGLcr0JePtE00pwLa"));
        assert!(!opaque_token_ok("623e29f2-d9b9-44f8-a138-dbf1b144c246"));
    }

    #[test]
    fn pypi_macaroon_header() {
        use base64::Engine as _;
        let e = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let mut m = vec![2u8, 1, 8];
        m.extend_from_slice(b"pypi.org");
        m.extend_from_slice(&[2, 36]);
        m.extend_from_slice(b"cca988aa-3781-47b2-a325-e4cfb764af4c");
        m.push(0);
        assert!(pypi_macaroon_ok(&format!("pypi-{}", e.encode(&m))));
        assert!(!pypi_macaroon_ok(&format!("pypi-{}", e.encode([9u8; 60]))));
    }

    #[test]
    fn base64_credentials_reject_defaults() {
        assert!(!base64_credentials_ok("dXNlcjpwYXNzd29yZA==")); // user:password
        assert!(base64_credentials_ok(
            "ZG9yYTplQy5sT042aUdqMnptWXk2LkVVQQ=="
        ));
    }

    #[test]
    fn generic_values_that_are_names_or_samples() {
        assert!(!generic_secret_ok("tls-cert-2024"));
        assert!(!generic_secret_ok("api-token-v2"));
        assert!(!generic_secret_ok("db-creds-v10-eu"));
        assert!(!generic_secret_ok("Password123!"));
        assert!(!generic_secret_ok("my-Secret-key-9"));
        assert!(generic_secret_ok("x8Kq2-mZ9w_Lp4Vt"));
    }

    #[test]
    fn jwt_io_sample_is_not_a_leak() {
        let t = format!(
            "{}.{}.{}",
            "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9",
            "eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ",
            "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
        );
        assert!(!jwt_structure_ok(&t));
        assert!(jwt_structure_ok(&t.replace("SflKxw", "Q2w9Zk")));
    }
}
