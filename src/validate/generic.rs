//! Validation, generic values: whether the value of a `password = …`-style assignment, a URL's
//! password or an opaque bearer token is a secret, and whether an assigned name can hold one.
//! Judged by what the value is (reference, code, identifier, path, hash, known-prefix token…).

use super::placeholder::{has_counting_run, is_default_password, is_made_up, is_placeholder};
use super::shape::{
    char_classes, entropy, has_run, is_base64_text, is_der_certificate, is_der_public_key,
    is_digest_notation, is_ssh_public_key_blob, is_uuid, is_word_identifier,
};
use crate::codec::hex_val;

/// The part of a matched generic value that is the value, a prefix of `v`: an unquoted value in
/// code ends at the statement or list separator (`,` `;` `.` `)` at its end) or at a quote
/// written as an XML entity (`&quot;`), and a query string's next parameter
/// (`abc123&Version=2014-01-01`) is not part of it.
/// [`generic_secret_ok`] judges this part and the finding reports it.
pub fn value_part(v: &str) -> &str {
    let mut v = v.trim_end().trim_end_matches([',', ';', '.', ')']);
    // a line break written as an escape inside a string literal (`"Token:   <value>\n"`) ends the
    // value, not part of it
    while let Some(rest) = ["\\n", "\\r", "\\t"].iter().find_map(|e| v.strip_suffix(e)) {
        v = rest;
    }
    // a quote or backtick written as an XML/HTML entity ends the value (`tokens=1,2,*&quot;`
    // in an MSBuild `<Exec>` command, `token:hotp&#x60` in rendered Markdown)
    let v = [
        "&quot", "&apos", "&#34", "&#39", "&#96", "&#x22", "&#x27", "&#x60",
    ]
    .iter()
    .filter_map(|e| v.find(e))
    .min()
    .map_or(v, |i| &v[..i]);
    // … and so does a separator written percent-encoded before the next `name=` (a connection
    // string inside a URL's query: `PWD%3D…%3BTDS_Version%3D8.0`, eval/realworld215 dev)
    let v = ["%3B", "%3b", "%26"]
        .iter()
        .filter_map(|sep| {
            v.match_indices(sep).map(|(i, _)| i).find(|&i| {
                let tail = &v[i + 3..];
                let name = tail
                    .bytes()
                    .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_')
                    .count();
                name > 0
                    && ["=", "%3D", "%3d"]
                        .iter()
                        .any(|e| tail[name..].starts_with(e))
            })
        })
        .min()
        .map_or(v, |i| &v[..i]);
    match v.split_once('&') {
        Some((head, tail))
            if tail.split_once('=').is_some_and(|(k, _)| {
                !k.is_empty() && k.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
            }) =>
        {
            head
        }
        _ => v,
    }
}

/// Heuristics for values of generic `password = …` style assignments: drop references to
/// variables or environment, code expressions, hashes, UUIDs, paths, and natural-language words.
pub fn generic_secret_ok(v: &str) -> bool {
    let v = value_part(v.trim_start());
    if v.len() < 8 || v.len() > 200 {
        return false;
    }
    // text in a script written without spaces between words (Chinese, Japanese, Korean, Thai)
    // or with full-width punctuation: a translated UI string or a comment, not a password
    // (eval/realworld306 dev: Elgg's Chinese language files, `'…:token' => '为了能够使用…'`)
    if v.chars().filter(|&c| is_unspaced_script(c)).count() >= 2 {
        return false;
    }
    // statements (`a;Nt.x=y`), regular expressions (ending `.*`/`.+`, `\\d`), colon-separated field
    // lists (`UID:GID:GECOS:directory`), Fernet ciphertexts (`gAAAAA…`) and `openssl enc`
    // output in base64 (`U2FsdGVkX1…`, its `Salted__` header)
    if (v.contains(';') && v.contains('='))
        || is_assignment_list(v)
        || is_ulid(v)
        || [".*", ".+"].iter().any(|m| v.ends_with(m))
        || ["\\d", "\\w", "[a-z", "[A-Z"].iter().any(|m| v.contains(m))
        || (v.contains(':')
            && v.split(':').all(|p| {
                !p.is_empty()
                    && p.bytes()
                        .all(|b| b.is_ascii_alphabetic() || b == b'_' || b == b'-')
            }))
        || is_download_token(v)
        || v.starts_with("gAAAAA")
        || v.starts_with("U2FsdGVkX1")
        || is_message_encryptor_ciphertext(v)
        || is_marked_ciphertext(v)
    {
        return false;
    }
    if is_code_token(v)
        || is_algorithm_name(v)
        || is_salted_digest(v)
        || is_hand_written_jwt(v)
        || is_host_path(v)
        || has_run(v, 6)
        || is_pgp_fingerprint(v)
        || is_hex_of_text(v)
    {
        return false;
    }
    let lower = v.to_ascii_lowercase();
    if has_variable_reference(v)
        || is_version_spec(v)
        || is_timestamp(v)
        || is_namespaced_name(v)
        || is_decimal_number(v)
    {
        return false;
    }
    // a key, not a value (`apiVersion:` of a template that follows)
    if v.ends_with(':') {
        return false;
    }
    // a PayPal Express Checkout token (`EC-` and 17 letters and digits): the id of one checkout,
    // returned in the buyer's redirect URL; acting on it takes the merchant's API credentials
    if let Some(rest) = v.strip_prefix("EC-")
        && (17..=20).contains(&rest.len())
        && rest.bytes().all(|b| b.is_ascii_alphanumeric())
    {
        return false;
    }
    // a Shopware access key (`SWSC` of a sales channel, `SWPE` of a product export, `SWIA`/`SWUA`
    // of an integration or user, then base64 of 16 random characters, upper case, `+/` made
    // `-_`): the public key the Store API takes in `sw-access-key`, or the id an integration's
    // or user's secret access key goes with (eval/realworld230 dev: sales channels in fixtures)
    if let Some(rest) = ["SWSC", "SWPE", "SWIA", "SWUA"]
        .iter()
        .find_map(|o| v.strip_prefix(o))
        && (16..=24).contains(&rest.len())
        && rest
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
    {
        return false;
    }
    // an environment assignment (`TF_ACC=1` in `tests still pass: \`TF_ACC=1 go test\``): the
    // name of a variable and what it is set to, not a password
    if let Some((name, rest)) = v.split_once('=')
        && name.len() >= 3
        && name.contains('_')
        && name.starts_with(|c: char| c.is_ascii_uppercase())
        && name
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
        && !rest.is_empty()
        && !rest.starts_with('=')
    {
        return false;
    }
    // a keyword argument passed on after the name (`delenv("SNOWFLAKE_PAT", raising=False)`):
    // a parameter and a boolean, null or number, not a password
    if let Some((name, rest)) = v.split_once('=')
        && name.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        && (matches!(
            rest.trim_end_matches([')', ',']),
            "True" | "False" | "None" | "true" | "false" | "null" | "nil"
        ) || (!rest.is_empty() && rest.bytes().all(|b| b.is_ascii_digit())))
    {
        return false;
    }
    if is_connection_string_field(v) {
        return false;
    }
    // a query string (`?sv=2023-01-01&sig=…`): its parameters are judged by the rules of what
    // they are (a SAS, a URL's credentials), not as one password
    if v.starts_with('?') && v.contains('=') {
        return false;
    }
    // an options list (`id=mysecret,env=FOO`, BuildKit's `--secret` and Docker's `--mount`
    // specs): names and where to find things, each part `name=value`
    if v.contains(',')
        && v.split(',').all(|p| {
            p.split_once('=').is_some_and(|(k, _)| {
                !k.is_empty()
                    && k.bytes().next().is_some_and(|b| b.is_ascii_alphabetic())
                    && k.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
            })
        })
    {
        return false;
    }
    // brackets mark code (`f(x)`, `${VAR}`, `cfg[key]`) unless the value is a generated password
    // whose brackets do not pair as code's do
    if v.contains(['{', '}', '(', ')', '[', ']']) && !is_generated_punctuated(v) {
        return false;
    }
    let reference_markers = [
        "%s",
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
    if v.contains('/') && !looks_random_with_slash(v) && !is_padded_base64_key(v) {
        return false;
    }
    // a relative or home-relative path (`./project-f7f5e919aa79.json`, the key file
    // GOOGLE_APPLICATION_CREDENTIALS names): where the secret is, not the secret
    if ["./", "../", "~/"].iter().any(|p| v.starts_with(p)) {
        return false;
    }
    // a file's name (`project-3f9a2c.json`, an ExternalSecret's `secretKey: sa.json`): where
    // the secret is kept, not the secret
    const FILE_EXTENSIONS: &[&str] = &[
        ".json",
        ".yaml",
        ".yml",
        ".pem",
        ".key",
        ".crt",
        ".cer",
        ".p12",
        ".pfx",
        ".jks",
        ".keystore",
        ".txt",
        ".env",
        ".xml",
        ".conf",
        ".cfg",
        ".ini",
        ".toml",
        ".properties",
    ];
    if FILE_EXTENSIONS.iter().any(|e| lower.ends_with(e)) {
        return false;
    }
    // a UUID goes on: the classifier judges it by the name holding it (`client_secret` or `id`);
    // counting runs are judged by the rule's kind before validators run (`detect::validate`)
    // (a default holding a counting run, `abcdef1234567890`, is left to the counting-run
    // policy: a note under a provider's rule, a placeholder under a generic one)
    if is_made_up(v)
        || v.starts_with(TEXTBOOK_UUID)
        || (is_default_password(v) && !has_counting_run(v))
    {
        return false;
    }
    // resource names (`arn:aws:iam::aws:policy/...`, `arn:partition:service:...`, Okta's
    // `orn:okta:…`) and URNs (`urn:uuid:…` lock tokens, `urn:ietf:params:…`)
    if lower.starts_with("arn:") || lower.starts_with("urn:") || lower.starts_with("orn:") {
        return false;
    }
    // hex shorter than 48 bits is a number, a colour or an id, not a key
    if v.bytes().all(|b| b.is_ascii_hexdigit()) && v.len() < 12 {
        return false;
    }
    // a member of the object in hand (`self.client.GRANT_TYPE_SAML2`, `this.apiKeyV2`): code,
    // digits or not
    if let Some((receiver, rest)) = v.split_once('.')
        && matches!(receiver, "self" | "this" | "cls")
        && rest.split('.').all(|p| {
            p.chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                && p.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        })
    {
        return false;
    }
    // identifiers such as `config.db_password`, `self.token`, `SOME_CONSTANT_NAME`
    if v.bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.' || b == b'-')
        && (v.contains('.')
            && v.split('.')
                .all(|p| p.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') && !p.is_empty())
            && !v.chars().any(|c| c.is_ascii_digit())
            || (v
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b == b'_' || b.is_ascii_digit())
                && !random_in_own_alphabet(v))
            || v.bytes()
                .all(|b| b.is_ascii_lowercase() || b == b'_' || b == b'-'))
    {
        return false;
    }
    if is_digest_notation(v)
        || has_known_token_prefix(v)
        || is_base64_text(v)
        || is_ssh_public_key_blob(v)
        || is_der_certificate(v)
        || is_der_public_key(v)
        || is_base64_protobuf_of_words(v)
    {
        return false;
    }
    if is_word_identifier(v) || names_itself(&lower) {
        return false;
    }
    // fewer than three kinds of character: a secret only when random in its own alphabet
    // (40-hex, 54-character lower+digit, 20-character upper+digit tokens)
    if char_classes(v) < 3 && !random_in_own_alphabet(v) {
        return false;
    }
    // a short random value of a small alphabet (12 hex digits) holds less entropy per character;
    // a short value of three kinds of character is judged against the most its length allows
    // (8 characters hold at most 3 bits each): one repeated character in a random 9-character
    // password, a one-in-three chance, leaves it at 2.95
    entropy(v) >= 3.0
        || random_in_own_alphabet(v)
        || (v.len() < 12 && entropy(v) >= (v.len() as f64).log2() - 0.35)
}

/// Whether `c` is a letter of a script written without spaces between words (CJK ideographs,
/// kana, hangul, Thai) or a CJK or full-width punctuation mark.
fn is_unspaced_script(c: char) -> bool {
    matches!(c,
        '\u{0E00}'..='\u{0E7F}'        // Thai
        | '\u{3000}'..='\u{30FF}'      // CJK punctuation, hiragana, katakana
        | '\u{3400}'..='\u{4DBF}'      // CJK extension A
        | '\u{4E00}'..='\u{9FFF}'      // CJK unified ideographs
        | '\u{AC00}'..='\u{D7AF}'      // hangul syllables
        | '\u{FF00}'..='\u{FFEF}'      // full-width forms
    )
}

/// Base64 (either alphabet, padded or not) of a serialized protocol-buffers message whose every
/// field parses and whose text fields hold no secret: numbers, words, timestamps — a consistency
/// token (SpiceDB's ZedTokens), a page cursor or continuation token that an API hands back to be
/// resumed from. At least 4 bytes of text, and 40 % of the message; key material would leave
/// random binary bytes, which no such message holds.
fn is_base64_protobuf_of_words(v: &str) -> bool {
    if v.len() < 8 {
        return false;
    }
    let body = v.trim_end_matches('=');
    if body.len() % 4 == 1 {
        return false;
    }
    let padded = format!("{body}{}", "=".repeat((4 - body.len() % 4) % 4));
    let Some(bytes) =
        crate::codec::b64_decode(&padded).or_else(|| crate::codec::b64url_decode(body))
    else {
        return false;
    };
    let mut text = 0usize;
    protobuf_fields(&bytes, 0, &mut text) && text >= 4 && text * 10 >= bytes.len() * 4
}

/// Whether `b` is a whole protocol-buffers message (wire format: varint keys, varint, 64-bit,
/// length-delimited and 32-bit fields) whose length-delimited fields are printable text that
/// holds no secret, or messages of the same kind (nested up to 3 deep), or empty; `text` counts
/// the text bytes.
fn protobuf_fields(b: &[u8], depth: usize, text: &mut usize) -> bool {
    fn varint(b: &[u8], i: &mut usize) -> Option<u64> {
        let mut v = 0u64;
        for shift in (0..70).step_by(7) {
            let byte = *b.get(*i)?;
            *i += 1;
            v |= u64::from(byte & 0x7f) << shift.min(63);
            if byte & 0x80 == 0 {
                return Some(v);
            }
        }
        None
    }
    let mut i = 0;
    while i < b.len() {
        let Some(key) = varint(b, &mut i) else {
            return false;
        };
        if key >> 3 == 0 {
            return false;
        }
        match key & 7 {
            0 => {
                if varint(b, &mut i).is_none() {
                    return false;
                }
            }
            1 | 5 => {
                i += if key & 7 == 1 { 8 } else { 4 };
                if i > b.len() {
                    return false;
                }
            }
            2 => {
                let Some(n) = varint(b, &mut i) else {
                    return false;
                };
                let Some(payload) = usize::try_from(n)
                    .ok()
                    .and_then(|n| b.get(i..i.checked_add(n)?))
                else {
                    return false;
                };
                i += payload.len();
                let printable =
                    !payload.is_empty() && payload.iter().all(|c| (0x20..0x7f).contains(c));
                if printable {
                    let words = std::str::from_utf8(payload).is_ok_and(|t| !generic_secret_ok(t));
                    if !words {
                        return false;
                    }
                    *text += payload.len();
                } else {
                    let nested = payload.is_empty()
                        || (depth < 3 && protobuf_fields(payload, depth + 1, text));
                    if !nested {
                        return false;
                    }
                }
            }
            _ => return false,
        }
    }
    true
}

/// A signed download link's token (`?e=<deadline>&token=<access key>:<signature>`, the private
/// download URLs of Qiniu-style object storage): a 40-character access key id, then the
/// URL-safe base64 of an HMAC-SHA1. It signs one URL until its deadline; the key that made it
/// is not in it.
fn is_download_token(v: &str) -> bool {
    let Some((id, sig)) = v.split_once(':') else {
        return false;
    };
    let url_safe = |b: u8| b.is_ascii_alphanumeric() || b == b'-' || b == b'_';
    id.len() == 40
        && id.bytes().all(url_safe)
        && sig.len() == 28
        && sig.ends_with('=')
        && sig[..27].bytes().all(url_safe)
}

/// Rails' `ActiveSupport::MessageEncryptor` output (`credentials.yml.enc`, encrypted cookies):
/// three base64 fields, ciphertext, initialisation vector and authentication tag, joined by
/// `--`. It is a ciphertext: the secret is the master key that decrypts it.
fn is_message_encryptor_ciphertext(v: &str) -> bool {
    v.split("--").count() == 3
        && v.split("--").all(|p| {
            let body = p.trim_end_matches('=');
            body.len() >= 8
                && p.len() - body.len() <= 2
                && body
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/')
        })
}

/// A password drawn from the whole printable alphabet (`dO)PJM!jNu(q!kMB1.p6`, as AWS Secrets
/// Manager and password generators make them): upper, lower and digit, two symbols besides
/// brackets and the `_`/`.` of names, no run of more than five letters (no identifier, no
/// word), and brackets that do not pair up as code's do.
fn is_generated_punctuated(v: &str) -> bool {
    let b = v.as_bytes();
    if !(12..=64).contains(&b.len()) || !v.is_ascii() {
        return false;
    }
    if !(b.iter().any(u8::is_ascii_uppercase)
        && b.iter().any(u8::is_ascii_lowercase)
        && b.iter().any(u8::is_ascii_digit))
    {
        return false;
    }
    // `_` and `.` join the parts of names in code (`json.dumps(REG_DATA1`), they do not count
    let symbols = b
        .iter()
        .filter(|c| c.is_ascii_punctuation() && !b"{}()[]_.".contains(c))
        .count();
    let longest_letters = b
        .split(|c| !c.is_ascii_alphabetic())
        .map(<[u8]>::len)
        .max()
        .unwrap_or(0);
    // a long value with many marks may hold longer runs of letters, as random text does (a
    // 64-character generated password, eval/realworld239 dev); code's names run longer still
    let letters_ok =
        longest_letters <= 5 || (b.len() >= 24 && symbols >= 4 && longest_letters <= 8);
    symbols >= 2 && letters_ok && !brackets_pair(b)
}

/// Do the brackets of `b` open and close in order, as in code (`f(a[0])`, `${X}`)?
fn brackets_pair(b: &[u8]) -> bool {
    let mut open = Vec::new();
    for &c in b {
        match c {
            b'(' | b'[' | b'{' => open.push(c),
            b')' | b']' | b'}' => {
                let want = match c {
                    b')' => b'(',
                    b']' => b'[',
                    _ => b'{',
                };
                if open.pop() != Some(want) {
                    return false;
                }
            }
            _ => {}
        }
    }
    open.is_empty()
}

/// The example UUID of Wikipedia's UUID article (version 1), the sample value of countless API
/// references and OpenAPI `example:` fields (`…74000`, `…74001`). A generic value holding it is
/// an example; a provider rule, which sees the provider's name and format, still judges it.
const TEXTBOOK_UUID: &str = "123e4567-e89b-12d3-a456-42661417400";

/// Last words of assigned names that say the value is not the secret itself but something about
/// it (`password_salt`, `token_header`, `secretName`, `api_key_url`, `password_min_length`).
const NON_SECRET_NAME_ENDINGS: &[&str] = &[
    "salt",
    "hash",
    "hashed",
    "digest",
    "checksum",
    "md5",
    "sha",
    "sha1",
    "sha256",
    "sha384",
    "sha512",
    "commit",
    "rev",
    "revision",
    "etag",
    "fingerprint",
    "crc",
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
    // the algorithm a token or secret is signed or encrypted with
    // (`AccessTokenSignedResponseAlg = oidc.SigningAlgRSAUsingSHA256`, `token_algorithm`)
    "alg",
    "algo",
    "algorithm",
    "algorithms",
    // a proof made from the secret (Facebook's `appsecret_proof`, an HMAC of the access token
    // sent with each request; a DPoP or PKCE proof)
    "proof",
    // the name of the parameter or setting that holds the secret (`PasswordParam`: an SSM
    // parameter), not the secret
    "param",
    // a name for PEM text: the key itself is a PEM block (private-key rules); a one-line value
    // there is something else, such as the SHA-1 Terraform prints for a computed
    // `private_key_pem` in a plan
    "pem",
    // a user name under a credentials object (`options.auth.credentials.username`): who logs
    // in, not the secret they log in with
    "user",
    "username",
    "email",
    // a chain's public address or asset id (`tokenMintAddress`, `token_out_denom`:
    // eval/realworld197 dev, wallet-core's tests)
    "address",
    "addresses",
    "addr",
    "denom",
];

/// Whether an assigned name (`DB_PASSWORD`, `spring.datasource.password`, `passwordSalt`) can
/// hold a secret: false when its last word says the value is about the secret (see
/// [`NON_SECRET_NAME_ENDINGS`]).
pub fn key_may_name_secret(key: &str) -> bool {
    // a numbered name is judged as its name (`TEST_ENCRYPTION_KEY_2`, `cacheKey2`)
    let key = without_index(key);
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
        // OData's and Azure's paging parameter `$skiptoken` (also `skip_token`)
        "skip",
        // Rails' anti-forgery form field `authenticity_token`
        "authenticity",
        "idempotency",
        // a hash of the secret (`hashed_secret` in secret-scanner baselines, `hashedPassword`)
        "hashed",
        // public halves and publishable keys (`PublicKeyToken`, `NEXT_PUBLIC_…`)
        "public",
        "publishable",
        "pub",
        "pubkey",
        // a key encrypted under another key is a ciphertext (`SealedKey`, `wrapped_key`)
        "sealed",
        "encrypted",
        "wrapped",
        // a unique key is a database constraint or a record's identifier (healthchecks'
        // read-only `unique_key`, AfterShip's tracking `unique_token`)
        "unique",
        // what splits text into a language model's tokens (`tokenizerModel: "gpt-4o"`)
        "tokenizer",
        "tokenizers",
        // a value a test breaks on purpose (`malformedTokenStr`)
        "malformed",
    ];
    // keys that name a record, not a secret (`cacheKey`, `sort_key`, S3 `objectKey`): the word
    // right before `key`, so that `lookup_client_secret` and `primaryAccessKey` still name
    // secrets
    const RECORD_KEY_WORDS: &[&str] = &[
        "cache",
        "sort",
        "partition",
        "primary",
        "foreign",
        "routing",
        "object",
        "lookup",
        // a range's bounds and a scan's resume point (`start_key`/`end_key` row keys, DynamoDB's
        // `ExclusiveStartKey` and `LastEvaluatedKey`, a graph relation's `RELATION_START_KEY`)
        "start",
        "end",
        "evaluated",
        // an alert's de-duplication key (PagerDuty's `alert_key`, `dedup_key`, `incident_key`:
        // eval/realworld273 dev), which names the alert, not a secret
        "alert",
        "dedup",
        "incident",
    ];
    // … unless the name is an encryption setting's (Rails' ACTIVE_RECORD_ENCRYPTION_PRIMARY_KEY)
    let encryption = words.iter().any(|w| {
        matches!(
            w.as_str(),
            "encryption" | "encrypt" | "crypto" | "cipher" | "kms"
        )
    });
    if !encryption
        && words.windows(2).any(|p| {
            RECORD_KEY_WORDS.contains(&p[0].as_str()) && matches!(p[1].as_str(), "key" | "keys")
        })
    {
        return false;
    }
    // a checksum of the secret: Helm charts annotate pods with `checksum/secrets: <sha256>` so
    // they roll when a Secret changes (`checksum/config`, `checksum_secret`)
    if words.len() >= 2 && words[0] == "checksum" {
        return false;
    }
    // an identifier of a key, token or secret object (`AccessKeyId`, `token_id`, Docker's
    // `SecretID`, a `credential_list_sid` string identifier), except Vault AppRole's
    // `secret_id` credential, spelled so; also when the name goes on with the identifier's type
    // (`credentialIDString`: eval/realworld280 dev, a WebAuthn credential's public id)
    // (the word split keeps an acronym and the word after it together: `idstring`)
    let named = words
        .iter()
        .rposition(|w| !matches!(w.as_str(), "string" | "str" | "text"))
        .map_or(&words[..], |i| &words[..=i]);
    let last = named.last().map(|w| {
        w.strip_suffix("string")
            .filter(|rest| !rest.is_empty())
            .unwrap_or(w)
    });
    if last.is_some_and(|w| matches!(w, "id" | "ids" | "sid" | "sids" | "uuid" | "guid"))
        && named.len() >= 2
        && !lower.ends_with("secret_id")
    {
        return false;
    }
    if words
        .iter()
        .any(|w| NOT_CREDENTIAL_WORDS.contains(&w.as_str()))
    {
        return false;
    }
    // … and a public key under a name written without word breaks (`SERVERPUBLICKEY`,
    // eval/realworld247 dev), where the words above are not found
    if lower.contains("publickey") || lower.contains("pubkey") {
        return false;
    }
    // … and an identifier so written (`YOURACCESSKEYID`, eval/realworld269 dev: MinIO's
    // example constants)
    if lower.ends_with("keyid") || lower.ends_with("tokenid") {
        return false;
    }
    // push-notification device tokens identify a device (`deviceToken`, APNs and FCM); a
    // device's secret or key is an IoT device's credential (eval/realworld211 dev: Aliyun-style
    // `DEVICE_SECRET` constants)
    if words.iter().any(|w| w == "device")
        && words
            .last()
            .is_some_and(|w| matches!(w.as_str(), "token" | "tokens"))
    {
        return false;
    }
    // … and the same cursors written as one lower-case word (`$skiptoken`, `nexttoken`,
    // `pagetoken`: eval/realworld209 dev, Azure's recorded `nextLink` URLs)
    if let Some(w) = words.last()
        && let Some(q) = w.strip_suffix("token")
        && ["next", "continuation", "page", "resume", "skip"]
            .iter()
            .any(|p| q.ends_with(p))
    {
        return false;
    }
    // an environment's key names the environment to client-side SDKs (Flagsmith's
    // `X-Environment-Key`, public by design; its server-side keys are `ser.` tokens), and a
    // write key is an analytics source's ingest-only key (Segment's and RudderStack's
    // `writeKey`, shipped in every page and CLI that sends events; a `SegmentioKey` is one too);
    // Application Insights' `InstrumentationKey` only sends telemetry (Microsoft: not a security
    // key; eval/realworld209 dev, azd's own telemetry connection string)
    if let [.., q, k] = words.as_slice()
        && k == "key"
        && matches!(
            q.as_str(),
            "environment" | "write" | "segmentio" | "instrumentation"
        )
    {
        return false;
    }
    // PostHog's project API key (project token) is sent by every page and app that captures
    // events, public by design; its personal API keys (`phx_`, a rule of their own) are secrets
    if words.iter().any(|w| w == "posthog") && !words.iter().any(|w| w == "personal") {
        return false;
    }
    // the anti-forgery field of Laravel and Symfony forms (`'_token' => …` in form data)
    if key == "_token" {
        return false;
    }
    // a version or sync token is a record's concurrency marker or a sync cursor, not a
    // credential: Square's payment `version_token` (optimistic concurrency), the `syncToken`
    // of calendar and contact APIs (where the next incremental sync starts)
    // … and a cart or checkout token names a shopping cart or a checkout (the `cart_token` and
    // `checkout_token` of shop-order webhooks), which the shop's API keys act on; a reply token
    // is the handle a messaging webhook event carries for answering that one event (LINE's
    // `replyToken`, valid a minute and only with the channel's access token); an idempotency
    // token makes a retried request count once (AWS's `ClientToken`-style fields), and AWS WAF's
    // `ChangeToken` and Firewall Manager's `PolicyUpdateToken` are concurrency markers
    if let [.., q, k] = words.as_slice()
        && k == "token"
        && matches!(
            q.as_str(),
            "version" | "sync" | "cart" | "checkout" | "reply" | "idempotency"
        )
    {
        return false;
    }
    if matches!(
        words
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .as_slice(),
        ["change", "token"] | ["policy", "update", "token"]
    ) {
        return false;
    }
    // a language model's token counts and limits (`max_tokens`, `input_cached_tokens`,
    // `completion_tokens`): numbers of tokens of text, not credentials
    if let [.., q, k] = words.as_slice()
        && k == "tokens"
        && matches!(
            q.as_str(),
            "max"
                | "min"
                | "input"
                | "output"
                | "cached"
                | "completion"
                | "prompt"
                | "total"
                | "reasoning"
                | "context"
                | "new"
        )
    {
        return false;
    }
    // the constant naming a Kubernetes annotation or label (`SpecHashAnnotationKey: "…"` in a
    // map literal): the value is that annotation's, a hash, a name or a flag; an acronym before
    // it stays glued to it (`CertificateUIDLabelKey` → `uidlabel`)
    if let [.., q, k] = words.as_slice()
        && k == "key"
        && (q.ends_with("annotation") || q.ends_with("label"))
    {
        return false;
    }
    // anti-forgery tokens, also glued to other words (Django's `csrfmiddlewaretoken`): these
    // letters start no other English word. The secret that signs them is a secret
    // (`CSRF_COOKIE_SECRET`, `WTF_CSRF_SECRET_KEY`)
    // … and the WebSocket handshake's nonce (`Sec-WebSocket-Key`, RFC 6455), one word or two
    if ((lower.contains("csrf") || lower.contains("xsrf")) && !words.iter().any(|w| w == "secret"))
        || lower.contains("websocket")
    {
        return false;
    }
    // a word after the name's last secret word that says it is about the secret
    // (`passwordHashAnnotation`, `token_header_name`), or names a digest of it (ClickHouse's
    // `<password_sha256_hex>`, `password_double_sha1_hex`), or a Vault accessor
    // (`secret_id_accessor`, `token_accessor`: an id that looks the secret up, which cannot
    // log in; eval/realworld323 dev)
    let last_secret = words
        .iter()
        .rposition(|w| secret_word.iter().any(|s| w.contains(s)) || w == "pass");
    if let Some(p) = last_secret
        && words[p + 1..].iter().any(|w| {
            [
                "hash", "hashed", "digest", "checksum", "salt", "mtime", "ctime", "md5", "sha",
                "sha1", "sha256", "sha384", "sha512", "accessor",
            ]
            .contains(&w.as_str())
        })
    {
        return false;
    }
    // … or that it identifies the secret, whatever follows (`tokenIdShort`, `key_id_prefix`),
    // except Vault AppRole's `secret_id` credential
    if let Some(p) = last_secret
        && words[p + 1..]
            .iter()
            .any(|w| matches!(w.as_str(), "id" | "ids" | "uuid" | "guid"))
        && !lower.contains("secret_id")
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
/// `key` without a number of one or two digits after a secret's word at its end, and the `_` or
/// `-` before it (`SECRET_KEY_2` → `SECRET_KEY`, `token1` → `token`); other names unchanged
/// (`password_md5`, `key_b64`: the digits belong to a word).
fn without_index(key: &str) -> &str {
    let digits = key.bytes().rev().take_while(u8::is_ascii_digit).count();
    if digits == 0 || digits > 2 {
        return key;
    }
    let base = key[..key.len() - digits].trim_end_matches(['_', '-']);
    let lower = base.to_ascii_lowercase();
    let secret_word = [
        "key", "secret", "token", "password", "passwd", "pass", "pwd",
    ];
    if secret_word.iter().any(|w| lower.ends_with(w)) {
        base
    } else {
        key
    }
}

fn key_words(key: &str) -> Vec<String> {
    super::classify::words_of(key)
}

/// The name of a signing or encryption algorithm spelled as protocols spell them, upper-case
/// words joined by `-` or `_` (`AWS4-HMAC-SHA256`, `HMAC-SHA512`, `AES_256_GCM`): a constant
/// naming how something is signed, not a key (eval/realworld146 dev, gophercloud's
/// `EC2CredentialsAwsHmacV4 = "AWS4-HMAC-SHA256"`).
fn is_algorithm_name(v: &str) -> bool {
    const PARTS: &[&str] = &[
        "HMAC", "SHA1", "SHA224", "SHA256", "SHA384", "SHA512", "SHA", "MD5", "AES", "AES128",
        "AES192", "AES256", "GCM", "CBC", "CTR", "RSA", "ECDSA", "ECDH", "EDDSA", "ED25519",
        "PBKDF2", "CHACHA20", "POLY1305", "PSS", "OAEP",
    ];
    let parts: Vec<&str> = v.split(['-', '_']).collect();
    parts.len() >= 2
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
        })
        && parts.iter().any(|p| PARTS.contains(p))
}

/// A JWT's shape written by hand: `ey…` and two more dot-separated parts, the last a word where
/// a signature goes (`….signature`, `….sig`; eval/realworld162 dev: malformed tokens a test
/// feeds to a verifier). The JWT rule drops these; under a `token` name they are no secret
/// either.
fn is_hand_written_jwt(v: &str) -> bool {
    let parts: Vec<&str> = v.split('.').collect();
    parts.len() == 3
        && parts[0].starts_with("ey")
        && (1..16).contains(&parts[2].len())
        && parts[2]
            .bytes()
            .all(|b| b.is_ascii_alphabetic() || b == b'_')
}

/// A salt and a digest in hex joined by `$` (`<32 hex>$<64 hex>`): bitcoind's `rpcauth`
/// entry, `rpcauth.py`'s HMAC-SHA256 of the password (eval/realworld151 dev), a hash to check
/// a password against, not the password.
fn is_salted_digest(v: &str) -> bool {
    v.split_once('$').is_some_and(|(salt, digest)| {
        salt.len() >= 16
            && digest.len() >= 40
            && salt.bytes().all(|b| b.is_ascii_hexdigit())
            && digest.bytes().all(|b| b.is_ascii_hexdigit())
    })
}

/// Code, not a value: a path such as `syn::token::Comma` or `TokenKind::Comma` (the assignment
/// regex saw `key: :Comma`), a numeric literal such as `0x8004E10E_u32`, or an HTML entity
/// (`&ldquo;`, `&#39;`) from rendered documentation.
fn is_code_token(v: &str) -> bool {
    if v.starts_with(':') || v.contains("::") {
        return true;
    }
    // a call or condition closed and a statement or block following it (`a.H);try{jc(a),0`:
    // minified JavaScript read from `withCredentials=`), as code is written and a password is not
    if v.contains(");") || v.contains("){") || v.contains(");}") {
        return true;
    }
    // the rest of a concatenation after a closed string (`"PWD=" + cfg.Dir)`): an identifier
    // path or call, which base64 (the only secret alphabet starting with `+`) cannot spell
    if let Some(r) = v.strip_prefix('+').map(str::trim_start)
        && r.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && r.contains(['.', '(', ')'])
        && r.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '(' | ')'))
    {
        return true;
    }
    // a reference or pointer type such as `&JsValue`, `*mut`, a dereference `*input.TTL`
    if let Some(r) = v.strip_prefix(['&', '*'])
        && r.starts_with(|c: char| c.is_ascii_alphabetic())
        && r.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
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

/// Upper-case hex as digests, fingerprints and published test vectors print it: an OpenPGP
/// fingerprint or long key id (40 or 16 digits: `apt_key: 9DC8…CD88`, `gpg --recv-keys …`), a
/// digest or a NIST test-vector key (32 digits and more). Generated secrets in configuration are
/// written in lower case (`openssl rand -hex`, `secrets.token_hex`).
fn is_pgp_fingerprint(v: &str) -> bool {
    (v.len() == 16 || v.len() >= 32)
        && v.bytes()
            .all(|b| b.is_ascii_digit() || (b'A'..=b'F').contains(&b))
        && v.bytes().any(|b| b.is_ascii_alphabetic())
}

/// A variable reference: `$VAR`, `${…}`, `$(…)` or a value starting with `$` (`$ANSIBLE_VAULT;…`,
/// `$2b$…` hashes). A `$` inside a password (`Xk9$mQ2v`, `pa$$w0rd`) is a character like any
/// other.
fn has_variable_reference(v: &str) -> bool {
    let b = v.as_bytes();
    b.first() == Some(&b'$')
        || b.iter().enumerate().any(|(i, &c)| {
            if c != b'$' {
                return false;
            }
            let rest = &b[i + 1..];
            match rest.first() {
                Some(b'{' | b'(') => true,
                // `$DB_PASSWORD`: a capitalised name to the end or to a separator
                Some(c) if c.is_ascii_uppercase() || *c == b'_' => {
                    let n = rest
                        .iter()
                        .take_while(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || **c == b'_')
                        .count();
                    n >= 2 && rest.get(n).is_none_or(|c| !c.is_ascii_alphanumeric())
                }
                _ => false,
            }
        })
}

/// A version pin or package spec: `langchain==0.1.20`, `requests>=2.31`, `^1.2.3`, `~1.2`,
/// `v1.2.3-beta.1`, `1.2.3`, and a package manager's protocol before one (Yarn Berry's
/// `npm:^3.0.4`, an alias `npm:@scope/name@^1.2.3`, `workspace:^1.0.0`).
fn is_version_spec(v: &str) -> bool {
    if let Some(rest) = ["npm:", "workspace:", "jsr:"]
        .iter()
        .find_map(|p| v.strip_prefix(p))
    {
        let version = rest.rsplit_once('@').map_or(rest, |(_, ver)| ver);
        return version.is_empty() || version == "*" || is_version_spec(version);
    }
    if ["==", ">=", "<=", "~=", "!=", "==="].iter().any(|op| {
        v.split_once(op)
            .is_some_and(|(_, r)| r.starts_with(|c: char| c.is_ascii_digit()))
    }) {
        return true;
    }
    let core = v.trim_start_matches(['^', '~', 'v', 'V', '=', '>', '<']);
    let numeric = core.split(['-', '+']).next().unwrap_or("");
    numeric.split('.').count() >= 2
        && numeric
            .split('.')
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
}

/// A value its configuration format marks as encrypted, decrypted by the application with a
/// key kept elsewhere: RabbitMQ's `encrypted:<base64>` (`rabbitmqctl encode`), Jasypt's
/// `ENC(…)` in Spring properties, Spring Cloud Config's `{cipher}…`. A ciphertext, not the
/// secret.
fn is_marked_ciphertext(v: &str) -> bool {
    ["encrypted:", "ENC(", "{cipher}"]
        .iter()
        .any(|m| v.strip_prefix(m).is_some_and(|rest| rest.len() >= 16))
}

/// Hex digits whose letters take either case at random (`9fA3c0E1…`, a quarter of them or more
/// in the rarer case): no encoder writes hex so, and random base64 or alphanumeric text keeps to
/// the hex letters one time in millions (sixteen characters) or far less; such a value was
/// generated from a pattern (`[a-fA-F0-9]{64}` in an API schema, a mock-data tool), not issued.
/// A digest with a letter or two raised for a password policy (`E4596f8b…Bc3a…`) is a password.
/// Judged for generic rules only ([`crate::detect`]): next to a provider's name, a value of the
/// provider's length is reported whatever its case.
pub(crate) fn is_mixed_case_hex(v: &str) -> bool {
    let lower = v.bytes().filter(|b| (b'a'..=b'f').contains(b)).count();
    let upper = v.bytes().filter(|b| (b'A'..=b'F').contains(b)).count();
    let rarer = lower.min(upper);
    v.len() >= 16
        && v.bytes().all(|b| b.is_ascii_hexdigit())
        && rarer >= 3
        && rarer * 4 >= lower + upper
}

/// The next field of a libpq-style connection string (`password= dbname=testDB`): after an
/// empty value, a keyword of the connection string and its value, not a password.
fn is_connection_string_field(v: &str) -> bool {
    const KEYWORDS: &[&str] = &[
        "dbname",
        "host",
        "hostaddr",
        "port",
        "user",
        "sslmode",
        "sslcert",
        "sslkey",
        "sslrootcert",
        "connect_timeout",
        "application_name",
        "options",
        "search_path",
    ];
    v.split_once('=')
        .is_some_and(|(k, _)| KEYWORDS.contains(&k.to_ascii_lowercase().as_str()))
}

/// Hex digits that spell names (`4B45595F52554C45` is `KEY_RULE`): text of letters, digits and
/// name separators (control bytes included: the Linux audit log hex-encodes a rule's keys
/// joined by `\x01`), half of them letters or more. An encoded name, not key material: sixteen
/// random bytes (a 128-bit key) are such text about one time in five million (eight bytes, the
/// shortest value judged, about one in 2,500).
pub(crate) fn is_hex_of_text(v: &str) -> bool {
    let Some(bytes) = crate::codec::hex_decode(v).filter(|_| v.len() >= 16) else {
        return false;
    };
    let letters = bytes.iter().filter(|b| b.is_ascii_alphabetic()).count();
    bytes
        .iter()
        .all(|b| b.is_ascii_alphanumeric() || b" _-|.:,/".contains(b) || (1..0x20).contains(b))
        && letters * 2 >= bytes.len()
}

/// A number written with a fraction or an exponent (`0.125e-6`, `1.5E+3`, `3.25`): a price,
/// a rate or a count, as a JSON or code literal.
fn is_decimal_number(v: &str) -> bool {
    let t = v.strip_prefix(['-', '+']).unwrap_or(v);
    t.starts_with(|c: char| c.is_ascii_digit() || c == '.')
        && t.contains(['.', 'e', 'E'])
        && t.bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'-' | b'+'))
        && t.parse::<f64>().is_ok()
}

/// A date or time: `2019-03-01T12:00:00Z`, `2019-03-01`, `12:30:00`, or a duration such as
/// `1h30m`, `PT15M`.
fn is_timestamp(v: &str) -> bool {
    let b = v.as_bytes();
    let date = b.len() >= 10
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && b[5..7].iter().all(u8::is_ascii_digit)
        && b[7] == b'-'
        && b[8..10].iter().all(u8::is_ascii_digit);
    let duration = v.len() >= 2
        && v.trim_start_matches(['P', 'T'])
            .split_inclusive(|c: char| c.is_ascii_alphabetic())
            .all(|p| {
                // bytes, not a str slice: the part may end in a multi-byte character
                let p = p.as_bytes();
                p.len() >= 2
                    && p[..p.len() - 1].iter().all(u8::is_ascii_digit)
                    && matches!(
                        p[p.len() - 1],
                        b'h' | b'm'
                            | b's'
                            | b'd'
                            | b'H'
                            | b'M'
                            | b'S'
                            | b'D'
                            | b'w'
                            | b'W'
                            | b'Y'
                            | b'y'
                    )
            });
    date || duration
}

/// A list of assignments, not one value: `,name=` twice inside it (`NULL,tmp_col_6_tmp=URL,…` —
/// the rest of an SQL `UPDATE … SET PASSWORD=NULL,…` statement; eval/realworld218 dev).
fn is_assignment_list(v: &str) -> bool {
    let pairs = v.match_indices(',').filter(|(i, _)| {
        let tail = &v[i + 1..];
        let name = tail
            .bytes()
            .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_')
            .count();
        name > 0
            && tail.as_bytes()[0].is_ascii_alphabetic()
            && tail.as_bytes().get(name) == Some(&b'=')
    });
    pairs.count() >= 2
}

/// A ULID (26 characters of Crockford's base32, upper case, the first 0–7: a 48-bit time and 80
/// random bits): a sortable identifier of a record or event, not a secret (eval/realworld217
/// dev, a logger test's field value).
fn is_ulid(v: &str) -> bool {
    v.len() == 26
        && v.as_bytes()[0].is_ascii_digit()
        && v.as_bytes()[0] <= b'7'
        && v.bytes()
            .all(|b| b.is_ascii_digit() || (b.is_ascii_uppercase() && !b"ILOU".contains(&b)))
}

/// Three parts or more joined by dots, at most a fifth of the bytes digits, each part as
/// `part_ok` says: a name or reference written in code, not a token.
fn dotted_chain(v: &str, part_ok: impl Fn(&str) -> bool) -> bool {
    let digits = v.bytes().filter(u8::is_ascii_digit).count();
    v.split('.').count() >= 3 && digits * 5 <= v.len() && v.split('.').all(part_ok)
}

/// A dotted name of three lower-case identifiers or more, few of them digits
/// (`adbc.snowflake.sql.client_option.jwt_private_key_pkcs8_value`): a configuration key or
/// option name — the name of a secret, not its content (eval/realworld26 dev, assigned on the
/// line after `JWT_PRIVATE_KEY_VALUE: &str =`).
fn is_dotted_name(v: &str) -> bool {
    dotted_chain(v, |p| {
        p.starts_with(|c: char| c.is_ascii_lowercase())
            && p.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    })
}

/// A reference to a constant through its class or namespace, three identifiers or more joined
/// by dots, none longer than 20 (`Jwts.ENC.A256GCM`, a JWT library's algorithm constant passed
/// after a key; eval/realworld250 dev): code, not a token, whose dotted segments run longer.
fn is_constant_reference(v: &str) -> bool {
    dotted_chain(v, |p| {
        (1..=20).contains(&p.len())
            && p.starts_with(|c: char| c.is_ascii_alphabetic())
            && p.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
    })
}

/// A namespaced name (`cattle-global-data:cc-abcde`, `kube-system:default`): lowercase words
/// and dashes on both sides of one colon: a reference to a secret, not its content.
fn is_namespaced_name(v: &str) -> bool {
    v.split_once(':').is_some_and(|(a, b)| {
        [a, b].iter().all(|p| {
            !p.is_empty()
                && p.contains('-')
                && p.bytes()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-')
        })
    })
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
    // DigitalOcean, Shopify, Linear, Grafana, PlanetScale, Square and Brevo tokens
    "dop_v1_",
    "doo_v1_",
    "dor_v1_",
    "shpat_",
    "shpca_",
    "shppa_",
    "shpss_",
    "lin_api_",
    "glsa_",
    "pscale_tkn_",
    "pscale_pw_",
    "sq0atp-",
    "sq0csp-",
    "xkeysib-",
];

/// Starts with the prefix of a format that a dedicated rule handles.
pub fn has_known_token_prefix(v: &str) -> bool {
    let lower = v.to_ascii_lowercase();
    KNOWN_TOKEN_PREFIXES.iter().any(|p| lower.starts_with(p))
}

/// The password of `scheme://user:password@host`: not a reference (`$VAR`, `${…}`, `%s`,
/// `{{…}}`), not a placeholder, not a well-known default.
pub fn url_password_ok(p: &str) -> bool {
    let lower = p.to_ascii_lowercase();
    // a default with a number or mark after it (`secret123`, `admin1!`) or in leetspeak
    // (`passw0rd`) is a default too
    if p.len() < 6 || is_placeholder(p) || is_default_password(p) {
        return false;
    }
    // the same checks on the password as the URL decodes it, and with the marks people split
    // a dummy's words with taken out (`p%40ss%2Fword` is `p@ss/word`, a leet `password`)
    let decoded = crate::codec::percent_decode(p);
    let joined: String = decoded
        .chars()
        .filter(|c| !matches!(c, '/' | '-' | '_' | '.'))
        .collect();
    if [&decoded, &joined]
        .iter()
        .any(|d| d.as_str() != p && (is_placeholder(d) || is_default_password(d)))
    {
        return false;
    }
    // a password that spells the word (`SENTINELpassword1234`, `testpassword9`): no generated
    // password holds it, and a person's real one would not be in a connection string in code
    if lower.contains("password") || lower.contains("passwd") {
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

/// An opaque bearer/static token value: long enough, not a reference or placeholder, not a
/// known-prefix token (its own rule decides), letters and digits mixed, some entropy.
pub fn opaque_token_ok(v: &str) -> bool {
    let v = v.trim_matches(|c| c == '"' || c == '\'');
    if v.len() < 16 || v.len() > 4096 || is_made_up(v) || has_known_token_prefix(v) {
        return false;
    }
    // a keyword argument or assignment after the secret's name (`JWT_SECRET, lifetime_seconds=-1`):
    // a snake_case name, `=` and more; base64 has `=` only at its end
    if let Some((name, rest)) = v.split_once('=')
        && !rest.trim_start_matches('=').is_empty()
        && name.contains('_')
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    {
        return false;
    }
    if ["$", "{", "}", "(", ")", "<", ">", "%s", "://"]
        .iter()
        .any(|m| v.contains(m))
    {
        return false;
    }
    if is_uuid(v) || is_digest_notation(v) || is_dotted_name(v) || is_constant_reference(v) {
        return false;
    }
    // base64 of a value that is no secret itself (`an_unsecure_secret` encoded for a
    // Kubernetes Secret): the encoding adds nothing
    if let Some(text) = super::shape::base64_text(v)
        && !generic_secret_ok(&text)
    {
        return false;
    }
    v.bytes().any(|b| b.is_ascii_digit())
        && v.bytes().any(|b| b.is_ascii_alphabetic())
        && entropy(v) >= 3.0
}

/// A value of letters and digits (one case, or hex) that is long and random for its alphabet:
/// digits and letters interleave as chance has them, not as words and numbers do.
fn random_in_own_alphabet(v: &str) -> bool {
    let b = v.as_bytes();
    let digits = b.iter().filter(|c| c.is_ascii_digit()).count();
    let letters = b.iter().filter(|c| c.is_ascii_alphabetic()).count();
    if b.len() < 12 || digits == 0 || letters == 0 || digits + letters != b.len() {
        return false;
    }
    let changes = b
        .windows(2)
        .filter(|w| w[0].is_ascii_digit() != w[1].is_ascii_digit())
        .count();
    // a random mix changes between digit and letter at least every few characters; a long run
    // of random letters with digits after it (`lviuhlszvaorhvlo5847`) is random too
    let letters_random = letters >= 12 && super::classify::word_share(v) < 0.3;
    (changes * 6 >= b.len() || letters_random) && super::classify::randomness(v) >= 0.85
}

/// Padded standard base64 of a 16, 32 or 64-byte key (`openssl rand -base64 32`, an HMAC key in
/// a Kubernetes Secret): however many `/` its alphabet holds, it is not a path (a path neither
/// ends in `=` nor decodes to a key's length).
fn is_padded_base64_key(v: &str) -> bool {
    v.ends_with('=')
        && v.len() % 4 == 0
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='))
        && char_classes(v) >= 3
        && crate::codec::b64_decode(v).is_some_and(|k| matches!(k.len(), 16 | 32 | 64))
}

fn looks_random_with_slash(v: &str) -> bool {
    // base64-ish secrets may contain '/', but never path-like segments of words
    !v.starts_with('/')
        && !v.contains("://")
        && !v.contains('$')
        // brackets mark a template or call, unless they are a generated password's marks
        && ((!v.contains('{') && !v.contains('(')) || is_generated_punctuated(v))
        && v.matches('/').count() <= 2
        && v.bytes().all(|b| b.is_ascii_graphic())
        && char_classes(v) >= 3
}

#[cfg(test)]
mod tests {

    #[test]
    fn the_value_part_drops_a_trailing_separator_and_the_next_query_parameter() {
        assert_eq!(value_part("Hq7Lp2xVn9Kt4Zw3,"), "Hq7Lp2xVn9Kt4Zw3");
        // regression (eval/realworld110 dev): a value at the end of a string literal's line
        assert_eq!(value_part("Hq7Lp2xVn9Kt4Zw3\\n"), "Hq7Lp2xVn9Kt4Zw3");
        assert_eq!(value_part("Hq7Lp2xVn9Kt4Zw3\\r\\n"), "Hq7Lp2xVn9Kt4Zw3");
        assert_eq!(value_part("Hq7Lp2xVn9Kt4Zw3);"), "Hq7Lp2xVn9Kt4Zw3");
        assert_eq!(value_part("Hq7Lp2xVn9&limit=10"), "Hq7Lp2xVn9");
        // regression (eval/realworld215 dev): separators written percent-encoded
        assert_eq!(value_part("Hq7Lp2xVn9%3BTDS_Version=8.0"), "Hq7Lp2xVn9");
        assert_eq!(value_part("Hq7Lp2xVn9%26Port%3D5432"), "Hq7Lp2xVn9");
        assert_eq!(value_part("Hq7%3BLp2xVn9"), "Hq7%3BLp2xVn9");
        // an '&' inside a password is kept when no parameter name and '=' follow it
        assert_eq!(value_part("Hq7&Lp2xVn9"), "Hq7&Lp2xVn9");
        assert_eq!(value_part("Hq7&-Lp=2x"), "Hq7&-Lp=2x");
        // a quote written as an XML entity ends the value (an MSBuild `<Exec>` command)
        assert_eq!(value_part("1,2,*&quot"), "1,2,*");
        assert_eq!(value_part("Hq7Lp2xVn9&quot; %%h"), "Hq7Lp2xVn9");
        assert_eq!(value_part("Hq7Lp2xVn9&#39;"), "Hq7Lp2xVn9");
        assert_eq!(value_part("hotp&#x60; and more"), "hotp");
    }

    use super::*;

    /// Regression (eval/realworld306 dev): a translated UI string in a script written without
    /// spaces is not a password; one such letter in a random value is still judged as a value.
    #[test]
    fn text_in_scripts_without_spaces_is_not_a_password() {
        for v in [
            "为了能够使用upgrade.php当注销或作为一个非管理员",
            "トークンを入力してください",
            "토큰을입력하세요x9",
            "Qz8rT2vL（kP4）",
        ] {
            assert!(!generic_secret_ok(v), "{v}");
        }
        assert!(generic_secret_ok("Qz8rT2vLkP4wX7mN"));
        assert!(!is_unspaced_script('é') && is_unspaced_script('为'));
    }

    /// Regression (eval/realworld68 dev, and realworld41's miss): padded base64 of a 32-byte key
    /// is a secret however many `/` it holds; a path is not.
    #[test]
    fn padded_base64_keys_with_slashes_are_secrets() {
        // 32 bytes whose base64 holds three or more `/` (bytes of all ones encode to `/`)
        let mut bytes: Vec<u8> = crate::decode::testutil::random(32, 68, b"0123456789abcdef")
            .bytes()
            .map(|b| b.wrapping_mul(37))
            .collect();
        bytes[3..6].fill(0xFF);
        let key = crate::codec::b64_encode(&bytes);
        assert!(key.matches('/').count() >= 3 && key.ends_with('='), "{key}");
        assert!(generic_secret_ok(&key), "{key}");
        assert!(!generic_secret_ok("src/main/java/Config.java"));
        assert!(!generic_secret_ok("a/b/c/defgHIJK1234="));
    }

    /// Regression (eval/realworld30 and 35 dev): generated passwords with brackets (database and
    /// RDP passwords in recorded CLI runs) are secrets; code with brackets is not.
    #[test]
    fn generated_passwords_with_brackets_are_secrets_code_is_not() {
        let r = |n, seed| crate::decode::testutil::random(n, seed, b"aBcDeFgHjKmNpQrStUvWxYz");
        let d = |n, seed| crate::decode::testutil::random(n, seed, b"23456789");
        let generated = [
            format!(
                "{{{}{}*#{}+&{}{})]",
                d(1, 1),
                r(4, 2),
                r(3, 3),
                d(1, 4),
                r(5, 5)
            ),
            format!(
                "{}){}!{}({}!{}.{})",
                r(2, 6),
                r(3, 7),
                r(3, 8),
                r(4, 9),
                d(1, 10),
                r(2, 11)
            ),
            format!(
                "{}*[@{}{}~{}-{}",
                r(3, 12),
                d(1, 13),
                r(2, 14),
                r(1, 15),
                r(2, 16)
            ),
        ];
        for v in &generated {
            assert!(is_generated_punctuated(v), "{v}");
            assert!(generic_secret_ok(v), "{v}");
        }
        for v in [
            "String.format(A1,",
            "os.getenv(KEY_1,",
            "cfg[Key1]!x#y",
            "f(x)+g[y]#Z9",
            "${SECRET_KEY_1}",
            "{{ .Values.pw1 }}",
            "hash(x1)+Z[0]",
            // a call cut short by the value's end (`credential=json.dumps(DATA_1))`)
            "json.dumps(REG_DATA1",
            "yaml.load(Cfg_2",
        ] {
            assert!(!generic_secret_ok(v), "{v}");
        }
    }

    /// Regression (eval/realworld38 dev): a BuildKit `--secret` spec is an options list.
    /// Regression (eval/realworld79 dev part): Rails' encrypted credentials are a ciphertext.
    #[test]
    fn rails_message_encryptor_output_is_not_a_secret() {
        let b64 = |n, seed| {
            let bytes = crate::decode::testutil::random(n, seed, b"0123456789abcdef");
            crate::codec::b64_encode(bytes.as_bytes())
        };
        let enc = format!("{}--{}--{}", b64(48, 1), b64(12, 2), b64(16, 3));
        assert!(is_message_encryptor_ciphertext(&enc), "{enc}");
        assert!(!generic_secret_ok(&enc));
        // a password with a double dash is not one
        assert!(!is_message_encryptor_ciphertext("Xk9mQ2--vLp7Rw4Tz8"));
    }

    /// Regression (eval/realworld88, 90 dev parts): a secret store's reference with dashes
    /// (`gpg:private-key`) and a signed download link's token are not secrets.
    #[test]
    fn references_and_download_tokens_are_not_secrets() {
        assert!(!generic_secret_ok("gpg:private-key"));
        // regression (peers corpus): a provider-keyed value made of counting runs stays with the
        // counting-run policy (reported as a note), not dropped as a keyboard walk
        assert!(generic_secret_ok("abcdef1234567890abcdef1234567890"));
        assert!(generic_secret_ok("abcde12345fghij67890klmno"));
        assert!(!generic_secret_ok("asdfqwer1234asdf"));
        let id = crate::decode::testutil::random(40, 5, b"ABCDEFGHabcdefgh0123456789_-");
        let sig = crate::decode::testutil::random(27, 6, b"ABCDEFGHabcdefgh0123456789_-");
        assert!(is_download_token(&format!("{id}:{sig}=")));
        assert!(!generic_secret_ok(&format!("{id}:{sig}=")));
        assert!(!is_download_token(&format!("{id}:{sig}")));
    }

    /// Regression (eval/realworld217 and 218 dev parts): a ULID is an identifier, and the rest of
    /// an SQL `SET` list is no value.
    #[test]
    fn ulids_and_assignment_lists_are_not_secrets() {
        assert!(!generic_secret_ok("01HQ3Z8X4K7M2N9P5R6S8T0V1W"));
        assert!(!generic_secret_ok("NULL,tmp_col_6_tmp=URL,UPDATED=SYSDATE"));
        // a random upper-case value with letters a ULID never holds, and a password with commas
        assert!(generic_secret_ok("91HQ3Z8X4K7M2N9P5R6S8T0V1L"));
        assert!(generic_secret_ok("Xk9,q2Lr=7vT4pZw"));
    }

    /// Regression (eval/realworld26 dev part): an option's dotted name is no token; a token with
    /// dots in it still is.
    #[test]
    fn a_dotted_option_name_is_not_an_opaque_token() {
        assert!(!opaque_token_ok(
            "adbc.snowflake.sql.client_option.jwt_private_key_pkcs8_value"
        ));
        assert!(opaque_token_ok("x7Gq2.Lm9vR4tK8.pZ3wN6yB1cJ5"));
    }

    /// Regression (eval/realworld209 dev part): paging cursors written as one word
    /// (`$skiptoken`) and Application Insights' instrumentation key name no secret.
    #[test]
    fn paging_cursors_and_telemetry_keys_name_no_secret() {
        for name in [
            "$skiptoken",
            "skip_token",
            "nexttoken",
            "pagetoken",
            "InstrumentationKey",
        ] {
            assert!(!key_may_name_secret(name), "{name}");
        }
        // regression (eval/realworld211 dev): a device's secret is an IoT credential; its push
        // token is not
        assert!(key_may_name_secret("DEVICE_SECRET"));
        assert!(!key_may_name_secret("deviceToken"));
        for name in ["token", "accesstoken", "api_token", "bottoken"] {
            assert!(key_may_name_secret(name), "{name}");
        }
    }

    /// Regression (eval/realworld201 dev part): a numbered name is judged as its name
    /// (`TEST_ENCRYPTION_KEY_2`); digits that belong to a word stay (a hash's name).
    #[test]
    fn a_numbered_name_is_judged_as_its_name() {
        assert!(key_may_name_secret("TEST_ENCRYPTION_KEY_2"));
        assert!(!key_may_name_secret("cacheKey2"));
        assert!(!key_may_name_secret("public_key_1"));
        // regression (eval/realworld247 dev): a name without word breaks
        assert!(!key_may_name_secret("SERVERPUBLICKEY"));
        assert!(key_may_name_secret("SERVERSECRETKEY"));
        // regression (eval/realworld269 dev): an identifier's name without word breaks
        assert!(!key_may_name_secret("YOURACCESSKEYID"));
        assert!(key_may_name_secret("YOURSECRETACCESSKEY"));
        // regression (eval/realworld280 dev): an identifier's name with its type after it
        assert!(!key_may_name_secret("credentialIDString"));
        assert!(!key_may_name_secret("token_id_str"));
        assert!(key_may_name_secret("tokenString"));
        // regression (eval/realworld273 dev): an alert's de-duplication key
        assert!(!key_may_name_secret("alert_key"));
        assert!(!key_may_name_secret("dedupKey"));
        assert_eq!(without_index("password_md5"), "password_md5");
        assert_eq!(without_index("token12"), "token");
        assert_eq!(without_index("key_b64"), "key_b64");
    }

    /// Regression (eval/realworld78 dev part): the user name beside a password, under a
    /// credentials object.
    #[test]
    fn a_user_name_under_credentials_names_no_secret() {
        assert!(!key_may_name_secret("options.auth.credentials.username"));
        assert!(!key_may_name_secret("credentials.email"));
        assert!(key_may_name_secret("options.auth.credentials.password"));
        // (eval/realworld82 dev part) a record's key is not a secret, a lookup client's
        // secret is
        assert!(!key_may_name_secret("cacheKey"));
        assert!(!key_may_name_secret("lookup_key"));
        assert!(!key_may_name_secret("primary_key"));
        // (eval/realworld150 dev part) Rails' Active Record encryption keys in a generated
        // config: an encryption setting's primary key is key material
        assert!(key_may_name_secret("ACTIVE_RECORD_ENCRYPTION_PRIMARY_KEY"));
        assert!(key_may_name_secret("encryption.primary_key"));
        assert!(key_may_name_secret(
            "cloud_controller_username_lookup_client_secret"
        ));
        // (eval/realworld77 dev part) an annotation's key constant
        assert!(!key_may_name_secret(
            "workapiv1.ManifestConfigSpecHashAnnotationKey"
        ));
    }

    #[test]
    fn an_options_list_is_not_a_secret() {
        assert!(!generic_secret_ok("id=,env=FOO"));
        assert!(!generic_secret_ok("id=npmrc,src=/run/npmrc9"));
        // a password that happens to hold `=` and `,` stays one
        assert!(generic_secret_ok("Xk7=mQ2,vL9pW4zR!"));
    }

    /// A value whose last character is multi-byte (a translated UI message) once panicked in the
    /// duration check (a str slice inside a character).
    #[test]
    fn multibyte_values_do_not_panic() {
        for v in ["密碼輸入不一致。", "12。", "1h30m。", "PT15。", "ab12cd34é"] {
            let _ = generic_secret_ok(v);
            let _ = is_timestamp(v);
        }
        assert!(!is_timestamp("1h30m。"));
        assert!(is_timestamp("1h30m"));
    }

    #[test]
    fn generic_values() {
        assert!(generic_secret_ok("oWJBMYgS4D%vWNaj9YM29xZ9"));
        // regression (eval/realworld100 dev): a random 9-character password with one repeated
        // character is below 3 bits per character, near the most 9 characters hold
        assert!(generic_secret_ok("61cD4gE6!"));
        assert!(generic_secret_ok("Kq7m!2Lq9"));
        // … while short values with several repeats stay out
        assert!(!generic_secret_ok("aa1Ba1Bb!"));
        // regression (eval/realworld88 dev, with the bar above): an environment assignment
        assert!(!generic_secret_ok("TF_ACC=1"));
        // regression (eval/realworld111 dev): a PayPal Express Checkout token
        assert!(!generic_secret_ok("EC-7KJ29384LM0471523"));
        assert!(generic_secret_ok("EC7KJ29384LMq0471523x"));
        assert!(!generic_secret_ok("NODE_ENV=test"));
        // regression (eval/realworld117 dev): a keyword argument after a Snowflake variable's
        // name (`monkeypatch.delenv("SNOWFLAKE_PAT", raising=False)`)
        assert!(!generic_secret_ok("raising=False"));
        assert!(!generic_secret_ok("max_retries=10"));
        assert!(generic_secret_ok("pw=Kq7mT2Lq9x"));
        // regression (eval/realworld126 dev): RabbitMQ's encrypted configuration values, and
        // the other formats' ciphertext marks
        assert!(!generic_secret_ok(
            "encrypted:Kq7mT2Lq9xVb4Rn8Wc1Zs5Hd3Jf6Gp0Y"
        ));
        assert!(!generic_secret_ok("ENC(Kq7mT2Lq9xVb4Rn8Wc1Zs5Hd3Jf6Gp0Y)"));
        assert!(!generic_secret_ok(
            "{cipher}Kq7mT2Lq9xVb4Rn8Wc1Zs5Hd3Jf6Gp0Y"
        ));
        // regression (eval/realworld125 dev): hex of two rule names in an audit record's key
        // field; random hex is still judged as a value
        assert!(!generic_secret_ok("7465737472756C65317C72756C6532"));
        assert!(!generic_secret_ok("4b45595f52554c455f4e414d45"));
        assert!(!generic_secret_ok("6B65795F31016B65795F32"));
        assert!(generic_secret_ok("3efffaad777f5bcd489f4af676e26d87"));
        // regression (eval/realworld139 dev): content hashes generated from a schema's hex
        // pattern, in both cases; one-case hex is not
        assert!(is_mixed_case_hex(
            "9fA3c0E1b7D24a6Ce8F05b1A3d9C7e2F4a6B8c0D1e3F5a7B9c1D3e5F7a9B1c3D"
        ));
        assert!(!is_mixed_case_hex("9fa3c0e1b7d24a6ce8f05b1a3d9c7e2f"));
        // regression (eval/realworld13 dev): a digest with two letters raised for a password
        // policy is a test user's password
        assert!(!is_mixed_case_hex("E4596f8be406Bc3a14a4ccdb1df80587"));
        // regression (eval/realworld138 dev): the field after an empty password in a libpq
        // connection string
        assert!(!generic_secret_ok("dbname=testDB"));
        // regression (eval/realworld118 dev): a price per token in a model catalogue
        assert!(!generic_secret_ok("0.125e-6"));
        assert!(!generic_secret_ok("0.0000125"));
        assert!(!generic_secret_ok("-1.5E+300"));
        assert!(generic_secret_ok("8e1f03c2d4a7"));
        assert!(generic_secret_ok("Xq7_Lm2=Vn9Kt4"));
        // random hex may be a token (`access_token`); names of digests (`secret_sha`,
        // `token_hash`, `commit`) and identifiers are turned away by `key_may_name_secret`
        assert!(generic_secret_ok(
            "3efffaad777f5bcd489f4af676e26d87821eb7e4"
        ));
        for k in [
            "secret_sha",
            "token_hash",
            "password_commit",
            "AccessKeyId",
            "SecretID",
            "deviceToken",
            "passwordHashAnnotation",
            // regression (eval/realworld323 dev): Vault's accessors look a secret up
            "secret_id_accessor",
            "token_accessor",
        ] {
            assert!(!key_may_name_secret(k), "{k}");
        }
        assert!(key_may_name_secret("VAULT_SECRET_ID"));
        assert!(key_may_name_secret("accessor_token"));
        // identifiers and public keys of the real-world sets' dev parts: an id of a token
        // (neonctl's `tokenIdShort`), a unique key (healthchecks), an environment's and an
        // analytics source's write key (Flagsmith, Segment)
        for k in [
            "tokenIdShort",
            "key_id_prefix",
            "unique_key",
            "X-Environment-Key",
            "WRITE_KEY",
            "writeKey",
            // a proof made from the secret, a parameter's name, anti-forgery tokens
            "appsecret_proof",
            "PasswordParam",
            "csrf_token",
            "csrfmiddlewaretoken",
            "X-XSRF-TOKEN",
            // regression (eval/realworld102 dev: Square's payment `version_token`): concurrency
            // markers and sync cursors
            "version_token",
            "versionToken",
            "syncToken",
            // regression (eval/realworld114 dev): the CSRF field of Symfony and Laravel forms
            "_token",
            // regression (eval/realworld98 dev): PostHog's project token, public by design
            "REACT_APP_POSTHOG_TOKEN",
            "posthogApiKey",
            // regression (eval/realworld118 dev): a shop order's cart and checkout tokens, a
            // language model's tokenizer and token counts
            "cart_token",
            "checkoutToken",
            // regression (eval/realworld133 dev): a LINE webhook event's reply token
            "replyToken",
            "tokenizerModel",
            "input_cached_tokens",
            "max_tokens",
            "completionTokens",
            // regression (eval/realworld182 dev): a label key's constant with an acronym before
            // `Label`; (realworld186 dev) a Segment write key by its library's name
            "networking.CertificateUIDLabelKey",
            "SegmentioKey",
            // regression (eval/realworld184 dev, AWS CLI examples): idempotency and concurrency
            // tokens of AWS APIs
            "IdempotencyToken",
            "ChangeToken",
            "PolicyUpdateToken",
            // regression (eval/realworld190 dev, OpenZiti): a token a test breaks on purpose
            "malformedTokenStr",
            // regression (eval/realworld189 dev, amundsen): a graph relation's node keys
            "RELATION_START_KEY",
            "RELATION_END_KEY",
            "ExclusiveStartKey",
            "LastEvaluatedKey",
            // regression (eval/realworld197 dev, wallet-core): a chain's addresses and asset ids
            "tokenMintAddress",
            "sender_token_address",
            "tokenContractAddress",
            "token_out_denom",
        ] {
            assert!(!key_may_name_secret(k), "{k}");
        }
        // … but a secret's name that merely holds these words is still one
        for k in [
            "label_signing_key",
            "password_change_token",
            "segment_key",
            "update_token",
            "start_signing_key_secret",
            "END_USER_API_KEY",
        ] {
            assert!(key_may_name_secret(k), "{k}");
        }
        // a token whose name merely mentions a version is still a token
        assert!(key_may_name_secret("token_version2_secret"));
        assert!(key_may_name_secret("V2_TOKEN"));
        assert!(key_may_name_secret("POSTHOG_PERSONAL_API_KEY"));
        assert!(key_may_name_secret("api_tokens"));
        assert!(key_may_name_secret("cart_api_token"));
        for k in [
            "api_key",
            "SEGMENT_SECRET",
            "private_key",
            "secret_id_value",
            "CSRF_COOKIE_SECRET",
            "WTF_CSRF_SECRET_KEY",
        ] {
            assert!(key_may_name_secret(k), "{k}");
        }
        // detect-secrets baselines (`"hashed_secret": "<sha1>"`, extra dev history)
        assert!(!key_may_name_secret("hashed_secret"));
        assert!(!key_may_name_secret("hashedPassword"));
        // URNs are names (WebDAV lock tokens `urn:uuid:…`)
        assert!(!generic_secret_ok(
            "urn:uuid:7c2e9a41-5b3d-4f86-a0e7-2d9c81f4b563"
        ));
        // Terraform plan output: `private_key_pem: "<sha1>"` (eval/realworld2 dev history)
        assert!(!key_may_name_secret("ca_private_key_pem"));
        // password hashes in Django's and Werkzeug's notation (eval/realworld2 dev history)
        for v in [
            "sha1$x7Qk2$3c9e51a8d07f4b26e18c5d90a2f7b6e4c1d83f05",
            "pbkdf2_sha256$260000$Qx7mP2vL9kR4$Kq8mZ1sN3uV5wX7yA9bC0dE2fG4hI6jK8lM0nO2pQ4r=",
            "pbkdf2:sha256:600000$Qx7mP2vL$0f3e1a7c58d24b9ea6c17e2d9f4b8a53",
        ] {
            assert!(!generic_secret_ok(v), "{v}");
        }
        // a `$` inside a random password is not a hasher's notation
        assert!(generic_secret_ok("Qx7$mP2vL9kR4zW8n"));
        // hex shorter than 48 bits is a number or an id
        assert!(!generic_secret_ok("3efffaad77f"));
        // a `$` in a password is a character; `$VAR`, `${…}` and a leading `$` are references
        assert!(generic_secret_ok("Xk9$mQ2vLp7$Rz4"));
        for v in [
            "$ANSIBLE_VAULT;1.1;AES256",
            "abc${HOME}xyz12",
            "Xk9$DB_PASSWORD",
        ] {
            assert!(!generic_secret_ok(v), "{v}");
        }
        // package pins, timestamps, namespaced names
        for v in [
            "langchain==0.1.20",
            "2019-03-01T12:00:00Z",
            "cattle-global-data:cc-kq7zt",
            "apiVersion:",
        ] {
            assert!(!generic_secret_ok(v), "{v}");
        }
        // a UUID is judged by the name holding it (classify), not dropped here
        assert!(generic_secret_ok("623e29f2-d9b9-44f8-a138-dbf1b144c246"));
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
            // regression (eval/realworld49 dev): `openssl enc -a` output, `Salted__` + salt
            "U2FsdGVkX19Kq7Zp2Xw9Lm4Vb8Nc3Rt6Yh1Jd5Fg0SsQ",
            // regression (eval/realworld51 dev): a key file's relative path
            "./projectname-f7f5e919aa79.json",
            // regression (eval/realworld73 dev): a key file's name as an ExternalSecret key
            "homelab-prod-4f2a9c1e7b3d.json",
            "arn:([a-z\\d-]+):.*:.*:secret:Lookout-.+",
            "Llt;Nt.deleteBy=dct;Nt.deleteIndex=gct",
            // regression (eval/realworld162 dev): hand-written JWTs a verifier test rejects
            "ey.eyJzdWIiOiIxMjM0NTY3ODkwIn0.signature",
            "eyB7IG5vdCBqc29uIH0.eyJzdWIiOiIxMjM0NTY3ODkwIn0.signature",
            // regression (eval/realworld151 dev): bitcoind's rpcauth salt$HMAC-SHA256
            "cb77f0957de88ff388cf817ddbc7273$9eaa166ace0d94a29c6eceb831a42458e93faeb79f895a7ee4ce03f4343f8f55",
            // regression (eval/realworld146 dev): algorithm names are constants, not keys
            "AWS4-HMAC-SHA256",
            "HMAC-SHA512",
            "AES_256_GCM",
            // regression (eval/realworld148 dev): minified JavaScript after `withCredentials=`
            "a.H);try{jc(a),0",
            "cb(err)){return",
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
            // anti-forgery form fields (Django, Rails)
            "csrfmiddlewaretoken",
            "authenticity_token",
            "X-XSRF-TOKEN",
            // the id of a secret-store record
            "secretUUID",
            "token_guid",
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
        // regression (eval/realworld3 dev): a DigitalOcean token of the wrong length in a
        // validator test is its format's rule's to judge, not a generic secret
        let hex = crate::decode::testutil::random(60, 9, b"0123456789abcdef");
        assert!(!generic_secret_ok(&format!("dop_v1_{hex}")));
        // regression (eval/realworld dev): unpadded base64 of a digit run as a test key
        let digits = crate::codec::b64_encode(b"01234567890123456789012345678900");
        let unpadded = digits.trim_end_matches('=');
        assert_ne!(unpadded.len() % 4, 0);
        assert!(is_base64_text(unpadded));
        assert!(!generic_secret_ok(unpadded));
        // random bytes, unpadded, are not text
        let mut rng = crate::decode::testutil::Rng(0x9e37_79b9_7f4a_7c15);
        let bytes: Vec<u8> = (0..32).map(|_| rng.next() as u8).collect();
        let random = crate::codec::b64_encode(&bytes);
        assert!(!is_base64_text(random.trim_end_matches('=')));
        assert!(generic_secret_ok("uKVSAv*68d7ndU8irQSLMQLy.J"));
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
        // regression (eval/realworld60 dev): a leet `password` split by an encoded `/`
        assert!(!url_password_ok("p%40ss%2Fword"));
        assert!(!url_password_ok("pass-w0rd"));
        assert!(!url_password_ok("password"));
        assert!(!url_password_ok("<password>"));
        assert!(!url_password_ok("****"));
        // regression (eval/realworld174 dev, pymongo's credential-disclosure spec tests): a
        // password spelling the word, with a marker and digits around it
        assert!(!url_password_ok("SENTINELpassword1234"));
        assert!(!url_password_ok("qa_Passwd_77"));
        assert!(url_password_ok("Tq7%2Fpa55Zr0x"));
    }

    /// Regression (eval/realworld173 dev, msal): a member of `self` or `this` is code, with a
    /// digit in its name or not.
    #[test]
    fn members_of_self_are_code() {
        assert!(!generic_secret_ok("self.client.GRANT_TYPE_SAML2"));
        assert!(!generic_secret_ok("this.apiKeyV2"));
        assert!(generic_secret_ok("x8Kq2.mZ9w_Lp4Vt"));
    }

    #[test]
    fn opaque_tokens() {
        assert!(opaque_token_ok("e8nv6vu3rf79hpqxibzccnju7w16etq5ow6fbvok"));
        assert!(!opaque_token_ok("${KUBE_TOKEN}"));
        assert!(!opaque_token_ok("REDACTEDREDACTED"));
        assert!(!opaque_token_ok("ghp_flTh2aGF49peQI6DeMRfGLcr0JePtE00pwLa"));
        assert!(!opaque_token_ok("623e29f2-d9b9-44f8-a138-dbf1b144c246"));
        // regression (eval/realworld178 dev, fastapi-users): the keyword argument after a
        // `JWT_SECRET` variable passed on
        assert!(!opaque_token_ok("lifetime_seconds=-1"));
        assert!(opaque_token_ok("Zk4_8qLm2xVt9wRb=="));
    }

    /// Regression (eval/realworld190 dev, SpiceDB): ZedTokens and cursors are base64 of small
    /// protobuf messages holding a timestamp, a revision or a word; random bytes, and a message
    /// wrapping a random key, are not such messages.
    #[test]
    fn base64_protobuf_messages_of_words_are_not_secrets() {
        use crate::codec::b64_encode;
        let text = |field: u8, t: &[u8]| [&[field << 3 | 2, t.len() as u8][..], t].concat();
        let zedtoken = [
            &[0x08, 0x02][..],
            &text(3, &text(1, b"1621538189028928000")),
        ]
        .concat();
        let cursor = [text(1, b"1"), text(2, b"a"), text(3, b"another")].concat();
        for m in [zedtoken, cursor] {
            let v = b64_encode(&m);
            assert!(is_base64_protobuf_of_words(&v), "{v}");
            assert!(!generic_secret_ok(&v), "{v}");
            assert!(is_base64_protobuf_of_words(v.trim_end_matches('=')));
        }
        let key = crate::decode::testutil::random(32, 190, crate::decode::testutil::ALNUM);
        let wrapped = b64_encode(&text(1, key.as_bytes()));
        assert!(
            !is_base64_protobuf_of_words(&wrapped),
            "a random key inside"
        );
        let mut next = crate::testutil::rng(190);
        let mut passed = 0;
        for n in 6..48 {
            for _ in 0..500 {
                let bytes: Vec<u8> = (0..n).map(|_| next(256) as u8).collect();
                passed += usize::from(is_base64_protobuf_of_words(&b64_encode(&bytes)));
            }
        }
        assert_eq!(passed, 0, "random bytes read as a message of words");
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

    /// eval/realworld3 dev history: a concatenation after a closed string (`"PWD=" + dir`) and
    /// string identifiers of credential objects (`credential_list_sid`).
    #[test]
    fn concatenations_and_sids_are_not_secrets() {
        assert!(!generic_secret_ok("+cfg.Dir)"));
        assert!(!generic_secret_ok("+ os.getcwd()"));
        assert!(generic_secret_ok("+8t4SI6XikgVmB5+/urhozx9O5qCQANyOk1M"));
        assert!(!key_may_name_secret("credential_list_sid"));
        assert!(!key_may_name_secret("TokenSid"));
        assert!(key_may_name_secret("credential"));
    }

    /// eval/realworld4 (a Helm chart packaged in a `.tgz`, read since archives are opened):
    /// `checksum/secrets: <sha256>` pod annotations name a digest of the Secret, not a secret.
    #[test]
    fn checksum_annotations_are_not_secrets() {
        for k in [
            "checksum/secrets",
            "checksum/secret",
            "checksum_password",
            "checksumToken",
        ] {
            assert!(!key_may_name_secret(k), "{k}");
        }
        assert!(key_may_name_secret("secrets"));
    }

    /// OpenPGP fingerprints and key ids (`apt_key: 9DC8…`) are public identifiers of a key.
    #[test]
    fn pgp_fingerprints_are_not_secrets() {
        assert!(!generic_secret_ok(
            "9DC858229FC7DD38854AE2D88D81803C0EBFCD88"
        ));
        assert!(!generic_secret_ok("8D81803C0EBFCD88"));
        assert!(!generic_secret_ok("DA2FDB0CED551AEB723D8AC1A267CEF3"));
        assert!(generic_secret_ok(
            "9dc858229fc7dd38854ae2d88d81803c0ebfcd88"
        ));
    }
}
