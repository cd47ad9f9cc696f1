//! Validation, structure: formats with a fixed inner structure that a value must have (JWT
//! header and payload are JSON, a SAS carries a signature and SAS parameters, a macaroon header,
//! a private-key body, base64 of `user:password`, a PKCS#12 archive's header).

use super::placeholder::{is_default_password, is_placeholder, longest_run};
use super::shape::{char_classes, entropy};
use crate::codec::{b64_decode, b64url_decode};

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
    let sig = parts.next();
    // the signature of the sample token on jwt.io and in countless tutorials
    let sample = sig == Some("SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c")
        || builder_sample(p)
        || says_made_up(p);
    // a word where the signature goes (`…​.fake`, `….signature`): no algorithm signs in fewer
    // than 16 base64url characters (HS256 takes 43), so the token was written by hand
    let word_signature = sig.is_some_and(|s| {
        (1..16).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphabetic() || b == b'_')
    }) || sig.is_some_and(signature_is_text);
    // RFC 7515 §4.1.1 / RFC 7516 §4.1.1: a JWS or JWE header names its algorithm (or at least
    // calls itself a JWT); a `{"u":…,"v":1}` part before two more is some other signed record
    // (eval/realworld156 dev: a console's signed run configuration in a share link)
    let has_alg = b64url_decode(h)
        .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
        .is_some_and(|v| v.get("alg").is_some() || v.get("typ").is_some());
    obj(h)
        && has_alg
        && obj(p)
        && !sample
        && !word_signature
        && !is_dpop_proof(h)
        && !is_nats_jwt_needing_its_seed(h, p)
        && !sig.is_some_and(|s| signature_misfits_alg(h, s))
        && !sig.is_some_and(|s| signed_with_a_sample_key(secret, s))
}

/// An HMAC-signed token whose signature verifies under a key nobody keeps secret: jwt.io's
/// defaults (`your-256-bit-secret`, `your-384-bit-secret`, `your-512-bit-secret`, and the older
/// `secret`, also in capitals as FastAPI Users' docs write it), the words tests sign with (`test`, `key`, `password`, `changeme`, `mysecret`,
/// `secretkey`, `shhhhh` of the jsonwebtoken package's README and `my$ecretK3y` of ruby-jwt's),
/// the Supabase CLI's local-stack default (`supabase start` prints it as the JWT secret), the
/// empty key, or a key of zero bytes as long as the hash. Tests and tutorials sign with
/// these; such a token proves nothing wherever the key is real.
fn signed_with_a_sample_key(token: &str, sig: &str) -> bool {
    let Some(dot) = token.rfind('.') else {
        return false;
    };
    let signed = &token.as_bytes()[..dot];
    let Some(sig) = b64url_decode(sig.trim_end_matches('=')) else {
        return false;
    };
    /// Keys every HMAC length is tried with, besides jwt.io's default for that length and
    /// the zero key.
    const SAMPLE_KEYS: [&[u8]; 12] = [
        b"secret",
        b"SECRET",
        b"test",
        b"key",
        b"password",
        b"changeme",
        b"mysecret",
        b"secretkey",
        b"shhhhh",
        b"my$ecretK3y",
        b"super-secret-jwt-token-with-at-least-32-characters-long",
        b"",
    ];
    let zero = [0u8; 64];
    let keys = |len: usize, default: &'static [u8]| {
        std::iter::once(default)
            .chain(SAMPLE_KEYS)
            .chain(std::iter::once(&zero[..len]))
    };
    match sig.len() {
        32 => keys(32, b"your-256-bit-secret").any(|k| hmac_verifies(k, signed, &sig)),
        48 => keys(48, b"your-384-bit-secret").any(|k| hmac_verifies(k, signed, &sig)),
        64 => keys(64, b"your-512-bit-secret").any(|k| hmac_verifies(k, signed, &sig)),
        _ => false,
    }
}

/// Whether `sig` is the HMAC of `data` under `key`, with the SHA-2 hash its length names (32,
/// 48 or 64 bytes: HS256, HS384, HS512).
fn hmac_verifies(key: &[u8], data: &[u8], sig: &[u8]) -> bool {
    use hmac::{Hmac, Mac};
    fn verifies<M: Mac + hmac::digest::KeyInit>(key: &[u8], data: &[u8], sig: &[u8]) -> bool {
        <M as Mac>::new_from_slice(key).is_ok_and(|mut m| {
            m.update(data);
            m.verify_slice(sig).is_ok()
        })
    }
    match sig.len() {
        32 => verifies::<Hmac<sha2::Sha256>>(key, data, sig),
        48 => verifies::<Hmac<sha2::Sha384>>(key, data, sig),
        64 => verifies::<Hmac<sha2::Sha512>>(key, data, sig),
        _ => false,
    }
}

/// The first of `keys` a JWT's HMAC signature verifies under, if any (a token with another
/// algorithm or no signature has none).
pub fn jwt_hmac_key<'k>(token: &str, keys: impl IntoIterator<Item = &'k [u8]>) -> Option<&'k [u8]> {
    let dot = token.rfind('.')?;
    let sig = b64url_decode(token[dot + 1..].trim_end_matches('='))?;
    if !matches!(sig.len(), 32 | 48 | 64) {
        return None;
    }
    let signed = &token.as_bytes()[..dot];
    keys.into_iter().find(|k| hmac_verifies(k, signed, &sig))
}

/// A signature whose length the header's algorithm cannot produce (`HS256` with 8 characters):
/// HMAC and elliptic-curve signatures have one length per algorithm (RFC 7518 §3.2, §3.4; RFC
/// 8037 §3.1 for Ed25519/Ed448). Such a token was typed by hand and verifies nowhere. Unsigned
/// tokens (empty signature, `alg: none`), RSA and algorithms not listed here are left alone.
fn signature_misfits_alg(header: &str, sig: &str) -> bool {
    let sig = sig.trim_end_matches('=');
    if sig.is_empty() {
        return false;
    }
    let Some(alg) = b64url_decode(header)
        .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
        .and_then(|v| v.get("alg")?.as_str().map(str::to_string))
    else {
        return false;
    };
    // base64url length, unpadded, of n bytes
    let chars = |n: usize| (n * 4).div_ceil(3);
    let fits = |bytes: &[usize]| bytes.iter().any(|&n| chars(n) == sig.len());
    match alg.as_str() {
        "HS256" => !fits(&[32]),
        "HS384" => !fits(&[48]),
        "HS512" => !fits(&[64]),
        "ES256" | "ES256K" => !fits(&[64]),
        "ES384" => !fits(&[96]),
        "ES512" => !fits(&[132]),
        "EdDSA" | "Ed25519" | "Ed448" => !fits(&[64, 114]),
        // RSA signatures are left alone: documentation samples of real issuers' tokens (Entra
        // ID's access-token samples) cut them short, and what their claims say still counts
        _ => false,
    }
}

/// A signature segment that is base64url of printable text (`c2lnbmF0dXJl`, "signature"; `c2ln`,
/// "sig"): a signature is binary, and even a short one decodes to text by chance once in
/// thousands.
fn signature_is_text(sig: &str) -> bool {
    sig.len() >= 4
        && b64url_decode(&sig[..sig.len() / 4 * 4])
            .is_some_and(|b| b.len() >= 3 && b.iter().all(|&c| (0x20..0x7f).contains(&c)))
}

/// A DPoP proof (header `typ: dpop+jwt`, RFC 9449 §4.2): a signature the client makes over one
/// HTTP request (its method, URI and time, each proof with a new `jti`), sent beside the access
/// token it binds. It authorises nothing by itself: a request signature, not a credential.
fn is_dpop_proof(header: &str) -> bool {
    b64url_decode(header)
        .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
        .and_then(|v| v.get("typ")?.as_str().map(str::to_ascii_lowercase))
        .is_some_and(|t| t == "dpop+jwt")
}

/// A NATS JWT (signed with an nkey, `alg: ed25519-nkey` or `ed25519`, claims under `nats`): an
/// operator's, account's or user's public claims. A NATS server admits a user by its JWT *and*
/// a nonce signed with the user's nkey seed (a credentials file holds both; the seed is the
/// secret, `nats.nkey-seed`), so the JWT alone authorises nothing, unless its claims make it a
/// bearer token (`"bearer_token": true`), which is reported.
fn is_nats_jwt_needing_its_seed(header: &str, payload: &str) -> bool {
    let json = |s: &str| {
        b64url_decode(s).and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
    };
    let nkey_signed = json(header)
        .and_then(|v| v.get("alg")?.as_str().map(str::to_ascii_lowercase))
        .is_some_and(|a| a == "ed25519-nkey" || a == "ed25519");
    nkey_signed
        && json(payload).is_some_and(|c| {
            c.get("nats").is_some_and(|n| {
                n.is_object() && n.get("bearer_token").and_then(|b| b.as_bool()) != Some(true)
            })
        })
}

/// A token made with the Online JWT Builder (jwtbuilder.jamiekurtz.com), whose issuer claim
/// says so: its form starts from a sample claim set (`Johnny Rocket`, `www.example.com`) and
/// signs with a sample key, and tests copy what it makes.
fn builder_sample(payload: &str) -> bool {
    b64url_decode(payload)
        .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
        .is_some_and(|v| v.get("iss").and_then(|i| i.as_str()) == Some("Online JWT Builder"))
}

/// A token whose claims say it is made up: a claim name or text value holding `fake`, `dummy`,
/// `emulated` or `placeholder` (any case), as in the identity token a CLI hands to functions it
/// runs locally (`{"source": "netlify dev", "testData": "…_EMULATED_IDENTITY"}`). A `mock`
/// subject is not one of them: test suites sign tokens for a mock user with a real test key
/// (eval/realworld15), and such a token is accepted wherever that key is trusted. Nor is an
/// e-mail address's domain: Keycloak gives every service account the address
/// `service-account-<client>@placeholder.org` (eval/realworld328 dev), so only its local part
/// is read.
fn says_made_up(payload: &str) -> bool {
    const WORDS: [&str; 4] = ["fake", "dummy", "emulated", "placeholder"];
    let made_up = |s: &str| {
        let s = s.to_ascii_lowercase();
        let s = match s.split_once('@') {
            Some((local, domain)) if !s.contains(' ') && domain.contains('.') => local,
            _ => s.as_str(),
        };
        WORDS.iter().any(|w| s.contains(w))
    };
    b64url_decode(payload)
        .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
        .and_then(|v| match v {
            serde_json::Value::Object(m) => Some(m),
            _ => None,
        })
        .is_some_and(|m| {
            m.iter()
                .any(|(k, v)| made_up(k) || v.as_str().is_some_and(made_up))
        })
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
                && p.trim().len() >= 4
                && !is_short_one_kind_password(p)
                && !names_its_user(u, p)
                && text.chars().all(|c| !c.is_control())
                && !is_placeholder(p)
                && !is_default_password(p)
                && !is_word_password(p)
        }
        None => false,
    }
}

/// A password that spells its user's name (`johndoe:john-key`, `admin:admin123`): the first
/// four letters of the name, when it starts with four, occur in the password. Typed for a sample.
fn names_its_user(user: &str, password: &str) -> bool {
    let stem: String = user
        .chars()
        .take_while(char::is_ascii_alphabetic)
        .take(4)
        .collect::<String>()
        .to_ascii_lowercase();
    stem.len() == 4 && password.to_ascii_lowercase().contains(&stem)
}

/// A password under eight characters of one kind, lower-case letters or digits (`kong`, `1234`,
/// `secret`): typed for a test or a sample, not drawn.
fn is_short_one_kind_password(p: &str) -> bool {
    p.len() < 8
        && (p.bytes().all(|b| b.is_ascii_lowercase()) || p.bytes().all(|b| b.is_ascii_digit()))
}

/// A password of lower-case letters that reads as words (`thatexpire`, `letmein`), or of such
/// words joined by `-`, `_` or `.` (`example-password`, `my_secret`): typed by a person writing a
/// sample, not drawn. Four words and more stay: that is how generated passphrases look.
fn is_word_password(p: &str) -> bool {
    let parts: Vec<&str> = p.split(['-', '_', '.']).collect();
    parts.len() <= 3
        && parts
            .iter()
            .all(|w| !w.is_empty() && w.bytes().all(|b| b.is_ascii_lowercase()))
        && parts.iter().all(|w| super::classify::word_share(w) >= 0.8)
}

/// Azure SAS: a `sig` parameter holding a base64 HMAC (URL-encoded or not) and at least one of
/// the SAS parameters `sv`, `se`, `sp`, … — read by the SAS decoder's parser.
pub fn azure_sas_ok(s: &str) -> bool {
    let p = crate::decode::sas::params(s);
    let Some(sig) = p.get("sig") else {
        return false;
    };
    let has_sas_param = ["sv", "se", "sp", "st", "srt", "ss", "sr", "spr", "skoid"]
        .iter()
        .any(|k| p.contains_key(*k));
    has_sas_param
        && sig.len() >= 40
        && !is_placeholder(sig)
        && b64_decode(sig).is_some_and(|d| d.len() >= 30)
}

/// kubeadm bootstrap token (`id.secret` or the 16-character secret alone): the secret part mixes
/// letters and digits (a random 16-character `[a-z0-9]` string almost always does; words,
/// host names and dotted identifiers do not).
pub fn bootstrap_token_ok(s: &str) -> bool {
    let secret = s.rsplit('.').next().unwrap_or(s);
    // kubeadm draws both parts at random; words in them were typed (`foo0id.foo0secret0foofo`)
    const TYPED: [&str; 9] = [
        "secret", "token", "foo", "bar", "test", "fake", "dummy", "example", "sample",
    ];
    secret.len() == 16
        && secret.bytes().any(|b| b.is_ascii_digit())
        && secret.bytes().any(|b| b.is_ascii_lowercase())
        && !TYPED.iter().any(|w| s.contains(w))
        && !is_placeholder(s)
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
/// templated, and a PEM key's DER is not cut short (see [`der_cut_short`]).
pub fn private_key_ok(s: &str) -> bool {
    let text = s.replace("\\n", "\n");
    let Some((body, b64)) = pem_key_body(&text) else {
        return false;
    };
    b64.len() >= 64
        && longest_run(&body) < 48
        && entropy(&body) >= 4.0
        && !encodes_text(&b64)
        // a body whose length is no whole number of base64 groups is decoded as far as it goes
        // (eval/realworld206 dev: a key's first 174 characters, six lines of a test fixture)
        && !(is_der_pem(&text)
            && crate::codec::b64_decode_prefix(&b64).is_some_and(|der| der_cut_short(&der)))
}

/// A PEM private-key block of a kind the DER rules do not cover, named by its label (a Matrix
/// homeserver's `MATRIX PRIVATE KEY`, Nebula's `NEBULA ED25519 PRIVATE KEY`, …): its body is
/// the raw key (an Ed25519 or X25519 seed is 32 bytes, 44 base64 characters), so the body only
/// has to be random base64 of at least 30 bytes. The labels `private_key_ok` and the OpenSSH
/// rule judge (`RSA`, `EC`, `DSA`, `ENCRYPTED`, `OPENSSH`, none) fail here.
pub fn labeled_private_key_ok(s: &str) -> bool {
    let text = s.replace("\\n", "\n");
    let label = text
        .find("-----BEGIN ")
        .map(|b| &text[b + 11..])
        .and_then(|rest| rest.find("PRIVATE KEY-----").map(|e| rest[..e].trim()));
    let Some(label) = label else {
        return false;
    };
    if label.is_empty() || ["RSA", "EC", "DSA", "ENCRYPTED", "OPENSSH"].contains(&label) {
        return false;
    }
    let Some((body, b64)) = pem_key_body(&text) else {
        return false;
    };
    b64.len() >= 40 && longest_run(&body) < 8 && entropy(&body) >= 4.0 && !encodes_text(&b64)
}

/// The body of the PEM block in `text` (between its armour lines, without `Name: value`
/// header lines) and its base64 characters, or `None` when the body is elided or templated.
fn pem_key_body(text: &str) -> Option<(String, String)> {
    // between the armour lines (the END marker may share a line with the body's end), without
    // header lines (`Proc-Type: …`)
    let inner = text
        .find("-----BEGIN")
        .and_then(|b| text[b + 10..].find("-----").map(|e| b + 10 + e + 5))
        .map_or(text, |from| {
            let rest = &text[from..];
            &rest[..rest.find("-----END").unwrap_or(rest.len())]
        });
    // a key written on one line (newlines turned into spaces) carries its headers as words:
    // each `Name:` and the word after it
    let one_line;
    let inner = if !inner.trim().contains('\n') && inner.contains(": ") {
        let mut words = inner.split_whitespace();
        let mut kept = Vec::new();
        while let Some(w) = words.next() {
            if w.ends_with(':') {
                words.next();
            } else {
                kept.push(w);
            }
        }
        one_line = kept.join("\n");
        one_line.as_str()
    } else {
        inner
    };
    // a block quoted line by line (`> ` in a cram test's heredoc, an e-mail or a Markdown
    // quote; eval/realworld250 dev): the quote marks are not part of the body
    fn unquoted(l: &str) -> &str {
        let t = l.trim_start();
        if t.starts_with('>') {
            t.trim_start_matches(['>', ' '])
        } else {
            l
        }
    }
    let body: String = inner
        .lines()
        .filter(|l| !l.contains("-----") && !l.contains(": "))
        .map(unquoted)
        .collect::<Vec<_>>()
        .join("\n");
    if ["...", "…", "<", ">", "{{", "${", "XXXX", "xxxx"]
        .iter()
        .any(|m| body.contains(m))
    {
        return None;
    }
    // an elision written with spaced dots on a line of its own (` . . .`)
    if body.lines().any(|l| {
        let t = l.trim();
        t.matches('.').count() >= 2 && t.bytes().all(|b| b == b'.' || b == b' ')
    }) {
        return None;
    }
    let b64: String = body
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || "+/=".contains(*c))
        .collect();
    Some((body, b64))
}

/// A PEM block whose body is DER (PKCS#1, SEC1, DSA, PKCS#8 and encrypted PKCS#8 keys), not
/// OpenSSH, PuTTY or OpenPGP armour, and not a legacy encrypted key (`Proc-Type`), whose body
/// is ciphertext.
fn is_der_pem(text: &str) -> bool {
    ["RSA ", "EC ", "DSA ", "ENCRYPTED ", ""]
        .iter()
        .any(|k| text.contains(&format!("-----BEGIN {k}PRIVATE KEY-----")))
        && !text.contains("Proc-Type")
}

/// DER that opens a SEQUENCE longer than the bytes there are: a key cut short (half a test key,
/// a fixture deliberately truncated), which no parser loads. Inserted text (a `+` joining
/// string literals) only adds bytes, so it never makes a whole key look cut short.
fn der_cut_short(der: &[u8]) -> bool {
    crate::codec::der_sequence_header(der).is_some_and(|(header, len)| header + len > der.len())
}

/// A JWK's private exponent or private key (`d`) or symmetric key (`k`, RFC 7518 §6): base64url
/// without padding of at least 16 bytes (128 bits, the smallest HMAC or AES key) that are not
/// printable text (`k` of `"my-secret-key"` is a passphrase spelled out, not a generated key),
/// not one repeated character and not made up. Text that is itself a generated secret is key
/// material too: an HMAC key kept as a random string (Supabase's base64 JWT secret) is written
/// into `k` as that string's bytes (see [`is_random_text_key`]).
pub fn jwk_key_member_ok(s: &str) -> bool {
    if s.len() < 22 || !s.is_ascii() || longest_run(s) >= 8 || is_placeholder(s) {
        return false;
    }
    // a member mangled by hand with runs of dashes (`-lTBWkI-----lvCO…`): three of one of
    // base64url's two marks in a row turn up once in ~260,000 positions of random key material
    if s.contains("---") || s.contains("___") {
        return false;
    }
    // whole quads only: a value split over string literals (`"…" "…"`) is matched in part
    let Some(bytes) = b64url_decode(&s[..s.len() / 4 * 4]) else {
        return false;
    };
    // text is judged whole when the member decodes whole (the quads alone may cut it short)
    s.len() * 3 / 4 >= 16
        && (!is_text(&bytes) || is_random_text_key(&b64url_decode(s).unwrap_or(bytes)))
}

/// Key bytes that are printable text and yet a generated secret: one token of 20 characters or
/// more (no blank), random-looking (4.0 bits per character or more, which a passphrase of words
/// such as `my-super-secret-signing-key` stays under) and a value the generic secret checks take.
fn is_random_text_key(bytes: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return false;
    };
    text.len() >= 20
        && !text.bytes().any(|b| b.is_ascii_whitespace())
        && entropy(text) >= 4.0
        && super::generic::generic_secret_ok(text)
}

/// A Cloudflare Tunnel token (`cloudflared tunnel run --token …`): standard base64, padded or
/// not, of a JSON object whose members `a` (the account tag), `t` (the tunnel id) and `s` (the
/// tunnel secret) are non-empty strings. Other base64 JSON that opens with an `a` member (an
/// embed widget's settings) is not one.
pub fn cloudflare_tunnel_ok(s: &str) -> bool {
    let Some(json) = b64_decode(s) else {
        return false;
    };
    let Ok(serde_json::Value::Object(o)) = serde_json::from_slice::<serde_json::Value>(&json)
    else {
        return false;
    };
    ["a", "t", "s"].iter().all(|k| {
        o.get(*k)
            .and_then(|v| v.as_str())
            .is_some_and(|v| !v.is_empty())
    })
}

/// A Seqera Platform (formerly Nextflow Tower) personal access token (`TOWER_ACCESS_TOKEN`):
/// standard base64 of a JSON object whose member `tid` is the token's numeric id, then `.` and
/// the secret: 32 or more letters and digits, random-looking (3 bits a character or more, no
/// run of 8 of one character). The platform's client, nextflow's `TowerClient`, decodes it so:
/// the part before the first `.` is JSON. Base64 of a bare JSON object (a JWT's payload with a `tid` claim) is not one.
pub fn seqera_token_ok(s: &str) -> bool {
    let Some(plain) = b64_decode(s) else {
        return false;
    };
    let Some(dot) = plain.iter().position(|&b| b == b'.') else {
        return false;
    };
    let (head, secret) = (&plain[..dot], &plain[dot + 1..]);
    let Ok(serde_json::Value::Object(o)) = serde_json::from_slice::<serde_json::Value>(head) else {
        return false;
    };
    o.get("tid").is_some_and(|v| v.is_u64())
        && secret.len() >= 32
        && secret.iter().all(|b| b.is_ascii_alphanumeric())
        && std::str::from_utf8(secret).is_ok_and(|t| entropy(t) >= 3.0 && longest_run(t) < 8)
}

/// Base64 of a DER private key without PEM armour (PKCS#1, SEC1, PKCS#8): the bytes are one
/// ASN.1 SEQUENCE whose length field accounts for every byte (a truncated copy or a PEM body's
/// single line does not), opening with a small version INTEGER (`02 01 00` or `02 01 01`).
pub fn der_private_key_ok(s: &str) -> bool {
    if longest_run(s) >= 32 || is_placeholder(s) {
        return false;
    }
    b64_decode(s).is_some_and(|der| crate::codec::der_private_key(&der))
}

/// Whether base64 `b64` decodes to text (its first 32 bytes printable ASCII): a dummy body
/// written as a sentence ("these are just some fake … key bytes"). Key material — DER, an
/// encrypted body, an OpenSSH key (`openssh-key-v1` then a NUL) — is binary within 32 bytes.
fn encodes_text(b64: &str) -> bool {
    let Some(bytes) = crate::codec::b64_decode_prefix(&b64[..b64.len().min(64)]) else {
        return false;
    };
    bytes.len() >= 32 && is_text(&bytes[..32])
}

/// Whether `bytes` are printable ASCII text (tabs and newlines allowed): what a dummy written as
/// a sentence decodes to, where key material is binary.
fn is_text(bytes: &[u8]) -> bool {
    bytes
        .iter()
        .all(|&b| (0x20..0x7f).contains(&b) || b == b'\n' || b == b'\t')
}

/// Base64 (standard alphabet) of a PKCS#12 archive: its first bytes decode to the header
/// [`crate::codec::pkcs12_der_ok`] checks, it is not cut short by hand (`...`, `…`), and it is not
/// a whole archive without a private key (a trust store). A match may stop at a line break:
/// what it holds is decoded.
pub fn pkcs12_base64_ok(secret: &str) -> bool {
    use crate::codec::{pkcs12_der_ok, pkcs12_holds_key};
    if secret.ends_with("...") || secret.ends_with('…') {
        return false;
    }
    let Some(der) = crate::codec::b64_decode_prefix(secret) else {
        return false;
    };
    pkcs12_der_ok(&der) && pkcs12_holds_key(&der) != Some(false)
}

/// Base64 of a Java key store (JKS/JCEKS) that holds a key, or one cut short before its entries
/// could be walked (see [`crate::codec::java_keystore_holds_key`]); not a trust store.
pub fn java_keystore_base64_ok(secret: &str) -> bool {
    if secret.ends_with("...") {
        return false;
    }
    let Some(data) = crate::codec::b64_decode_prefix(secret) else {
        return false;
    };
    let magic =
        data.get(..4) == Some(&[0xfe, 0xed, 0xfe, 0xed]) || data.get(..4) == Some(&[0xce; 4]);
    magic && crate::codec::java_keystore_holds_key(&data) != Some(false)
}

/// `pypi-` + base64url of a libmacaroons v2 macaroon: version byte 2, then a location field.
/// Only the first two bytes are checked, on purpose: a token pasted with damage further on (a
/// truncated signature, a corrupted caveat) is still a leaked token; the macaroon decoder
/// ([`crate::decode::macaroon::parse_pypi`]) reads the rest and says when it cannot.
pub fn pypi_macaroon_ok(s: &str) -> bool {
    let Some(b64) = s.strip_prefix("pypi-") else {
        return false;
    };
    b64_decode(b64).is_some_and(|d| d.len() >= 40 && d[0] == 2 && d[1] == 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_jwk_key_member_is_base64url_of_random_bytes() {
        use crate::decode::testutil::random;
        let b64url = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";
        // a P-256 scalar (43), an AES-128 key (22), a value split over literals (45: not quads)
        for n in [43, 22, 45, 342] {
            assert!(jwk_key_member_ok(&random(n, 80 + n as u64, b64url)), "{n}");
        }
        // base64url of text: a passphrase spelled out, not generated key bytes
        let text = "dGhpcyBpcyBub3QgYSByZWFsIGtleSwganVzdCB0ZXh0";
        assert!(!jwk_key_member_ok(text));
        assert!(!jwk_key_member_ok(
            "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
        ));
        assert!(
            !jwk_key_member_ok(&random(20, 81, b64url)),
            "shorter than 16 bytes"
        );
        assert!(!jwk_key_member_ok("not base64url at all, with spaces"));
        // regression (eval/realworld54 dev): a member mangled with runs of dashes
        let r = random(40, 82, b64url);
        assert!(!jwk_key_member_ok(&format!("-{}-----{}", &r[..7], &r[7..])));
        // regression (eval/realworld98 dev): `k` holding the bytes of a random base64 string (an
        // HMAC secret kept as text) is key material; a passphrase of words in `k` is not
        let mut rng = crate::decode::testutil::Rng(0x2545_f491_4f6c_dd1d);
        for _ in 0..8 {
            // 64 random bytes in base64: its 88 characters are the key bytes
            let bytes: Vec<u8> = (0..64).map(|_| rng.next() as u8).collect();
            let secret = crate::codec::b64_encode(&bytes);
            assert!(
                jwk_key_member_ok(&b64url_encode(secret.as_bytes())),
                "{secret}"
            );
        }
        for phrase in [
            "my-super-secret-signing-key-for-tests",
            "thisisaverylongsecretkeyfortesting",
            "a secret with some spaces in it, long",
        ] {
            assert!(
                !jwk_key_member_ok(&b64url_encode(phrase.as_bytes())),
                "{phrase}"
            );
        }
    }

    /// Regression (eval/realworld107 dev, okhttp's HeldCertificateTest): the first half of a PEM
    /// key (its DER SEQUENCE longer than the bytes there are) is no key; the whole key is.
    #[test]
    fn a_pem_key_cut_short_is_not_a_key() {
        use crate::codec::b64_encode;
        let mut rng = crate::decode::testutil::Rng(0x5851_f42d_4c95_7f2d);
        let mut der = vec![0x30, 0x82, 0x02, 0x5c, 0x02, 0x01, 0x00];
        der.extend((0..0x25c - 3).map(|_| rng.next() as u8));
        let pem = |der: &[u8]| {
            let b = b64_encode(der);
            let lines: Vec<&str> = b
                .as_bytes()
                .chunks(64)
                .map(|c| std::str::from_utf8(c).unwrap())
                .collect();
            format!(
                "-----BEGIN RSA PRIVATE KEY-----\n{}\n-----END RSA PRIVATE KEY-----",
                lines.join("\n")
            )
        };
        assert!(private_key_ok(&pem(&der)));
        assert!(!private_key_ok(&pem(&der[..der.len() / 2])));
        // regression (eval/realworld206 dev): cut at no whole base64 group (the first 174
        // characters, in lines of 29)
        let b = b64_encode(&der);
        let cut: Vec<&str> = b.as_bytes()[..174]
            .chunks(29)
            .map(|c| std::str::from_utf8(c).unwrap())
            .collect();
        let cut = format!(
            "-----BEGIN RSA PRIVATE KEY-----\n{}\n-----END RSA PRIVATE KEY-----",
            cut.join("\n")
        );
        assert!(!private_key_ok(&cut));
        // regression (eval/realworld26 dev): the END marker on the line of the body's last
        // characters; the body is still whole
        let joined = pem(&der).replace("\n-----END", " -----END");
        assert!(private_key_ok(&joined));
        // regression (eval/realworld112 dev, a chef recipe): a legacy encrypted key written on
        // one line, its newlines turned into spaces, headers included
        let encrypted = pem(&der)
            .replacen(
                "-----\n",
                "-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: DES-EDE3-CBC,1F2FDA436115C4EE\n\n",
                1,
            )
            .replace('\n', " ");
        assert!(private_key_ok(&encrypted));
        // a legacy encrypted key's body is ciphertext: not judged as DER
        let half = pem(&der[..der.len() / 2]).replacen(
            "-----\n",
            "-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,0A1B2C3D4E5F60718293A4B5C6D7E8F9\n\n",
            1,
        );
        assert!(private_key_ok(&half));
    }

    /// Regression (eval/realworld100 dev): an embed widget's base64 settings that open with an
    /// `a` member (app name, schema, content id, URL) are not a tunnel token.
    #[test]
    fn a_tunnel_token_holds_account_tunnel_and_secret() {
        use crate::codec::b64_encode;
        use crate::decode::testutil::random;
        let hex = b"0123456789abcdef";
        let b64 = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let json = format!(
            r#"{{"a":"{}","t":"{}-{}-{}-{}-{}","s":"{}="}}"#,
            random(32, 91, hex),
            random(8, 92, hex),
            random(4, 93, hex),
            random(4, 94, hex),
            random(4, 95, hex),
            random(12, 96, hex),
            random(43, 97, b64)
        );
        let token = b64_encode(json.as_bytes());
        assert!(cloudflare_tunnel_ok(&token));
        assert!(cloudflare_tunnel_ok(token.trim_end_matches('=')));
        let widget = b64_encode(
            br#"{"a":"my-app","schema":"blog","id":"c5f2","url":"http://localhost:5000"}"#,
        );
        assert!(!cloudflare_tunnel_ok(&widget));
        let empty = b64_encode(br#"{"a":"x","t":"y","s":""}"#);
        assert!(!cloudflare_tunnel_ok(&empty));
    }

    /// Regression (eval/realworld159 dev, nextflow's Seqera Platform tests): base64 of
    /// `{"tid": N}.` and a random secret is a platform access token; a JWT payload with a `tid`
    /// claim, a token whose secret is a run of one character and a non-numeric id are not.
    #[test]
    fn a_seqera_token_is_a_token_id_and_a_secret() {
        use crate::codec::b64_encode;
        use crate::decode::testutil::random;
        let hex = b"0123456789abcdef";
        let token = b64_encode(format!(r#"{{"tid": 4821}}.{}"#, random(40, 31, hex)).as_bytes());
        assert!(seqera_token_ok(&token));
        assert!(seqera_token_ok(token.trim_end_matches('=')));
        let claims = b64_encode(br#"{"tid":"9188040d-6c67-4c5b-b112-36a304b66dad","sub":"x"}"#);
        assert!(!seqera_token_ok(&claims));
        let run = b64_encode(format!(r#"{{"tid": 4821}}.{}"#, "0".repeat(40)).as_bytes());
        assert!(!seqera_token_ok(&run));
        let named = b64_encode(format!(r#"{{"tid": "x"}}.{}"#, random(40, 32, hex)).as_bytes());
        assert!(!seqera_token_ok(&named));
    }

    #[test]
    fn jwt_structure() {
        assert!(!jwt_structure_ok("eyJEgdQvegVk1KvJ.eyJEgdQvegVk1KvJ.abc"));
        assert!(jwt_structure_ok("eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0."));
        // a header without `alg` is no JWS or JWE header
        let e = |s: &str| {
            use base64::Engine as _;
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s)
        };
        let sig = crate::decode::testutil::random(43, 156, crate::decode::testutil::ALNUM);
        let claims = e(r#"{"input":"x","options":{"memory":1024}}"#);
        assert!(!jwt_structure_ok(&format!(
            "{}.{claims}.{sig}",
            e(r#"{"u":"aBcD1234","v":1}"#)
        )));
        assert!(jwt_structure_ok(&format!(
            "{}.{claims}.{sig}",
            e(r#"{"alg":"HS256","typ":"JWT"}"#)
        )));
    }

    /// A NATS user, account or operator JWT needs its nkey seed to authenticate: not reported,
    /// unless its claims make it a bearer token (eval/realworld35 dev: user JWTs of the
    /// credentials files in recorded API responses; NATS documents the seed as the secret).
    #[test]
    fn nats_jwts_are_reported_only_as_bearer_tokens() {
        use crate::decode::testutil::random;
        let e = |s: &str| {
            use base64::Engine as _;
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s)
        };
        let upper = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        let sig = random(86, 35, crate::decode::testutil::ALNUM);
        for (alg, bearer, reported) in [
            ("ed25519-nkey", None, false),
            ("ed25519", Some(false), false),
            ("ed25519-nkey", Some(true), true),
        ] {
            let nats = match bearer {
                Some(b) => format!(r#"{{"bearer_token":{b},"type":"user","version":2}}"#),
                None => r#"{"type":"user","version":2}"#.to_string(),
            };
            let claims = format!(
                r#"{{"jti":"{}","iat":1708355559,"iss":"A{}","sub":"U{}","nats":{nats}}}"#,
                random(52, 36, upper),
                random(55, 37, upper),
                random(55, 38, upper)
            );
            let token = format!(
                "{}.{}.{sig}",
                e(&format!(r#"{{"typ":"JWT","alg":"{alg}"}}"#)),
                e(&claims)
            );
            assert_eq!(jwt_structure_ok(&token), reported, "{alg} {bearer:?}");
        }
    }

    /// Regression (eval/realworld26 dev): a signature segment that is base64 of a word.
    #[test]
    fn jwt_whose_signature_is_base64_of_text_is_hand_made() {
        let hp = "eyJ0eXAiOiJKV1QifQ.eyJhdWQiOiJkYiJ9";
        assert!(!jwt_structure_ok(&format!("{hp}.c2lnbmF0dXJl")));
        assert!(!jwt_structure_ok(&format!(
            "{hp}.bm90LWEtcmVhbC1zaWduYXR1cmU"
        )));
        let sig = crate::decode::testutil::random(
            43,
            90,
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-",
        );
        assert!(jwt_structure_ok(&format!("{hp}.{sig}")));
    }

    /// Regression (real-world dev set): test tokens whose signature segment is a word.
    #[test]
    fn jwt_with_a_word_for_a_signature_is_hand_made() {
        let hp = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0";
        assert!(!jwt_structure_ok(&format!("{hp}.fake")));
        assert!(!jwt_structure_ok(&format!("{hp}.signature")));
        // (eval/realworld96 dev part) the base64url of a word: `sig`, under an RS256 header
        let rs = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0";
        assert!(!jwt_structure_ok(&format!("{rs}.c2ln")));
        let sig = crate::decode::testutil::random(
            43,
            7,
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_",
        );
        assert!(jwt_structure_ok(&format!("{hp}.{sig}")), "{sig}");
    }

    /// Regression (eval/realworld37 dev): a test token with `alg: HS256` and an 8-character
    /// signature; the lengths each algorithm signs with pass, unsigned tokens too.
    #[test]
    fn jwt_whose_signature_length_misfits_its_algorithm_is_hand_made() {
        let a = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let p = b64url_encode(br#"{"sub":"admin"}"#);
        let token = |alg: &str, n: usize| {
            let h = b64url_encode(format!(r#"{{"alg":"{alg}","typ":"JWT"}}"#).as_bytes());
            format!("{h}.{p}.{}", crate::decode::testutil::random(n, 5, a))
        };
        assert!(!jwt_structure_ok(&token("HS256", 8)));
        assert!(!jwt_structure_ok(&token("HS256", 42)));
        assert!(!jwt_structure_ok(&token("ES256", 43)));
        // an RSA signature cut short in a provider's documentation sample still counts
        assert!(jwt_structure_ok(&token("RS256", 19)));
        for (alg, n) in [
            ("HS256", 43),
            ("HS384", 64),
            ("HS512", 86),
            ("ES256", 86),
            ("ES384", 128),
            ("ES512", 176),
            ("EdDSA", 86),
            ("RS256", 342),
            ("PS512", 683),
            ("A256GCMKW", 10),
        ] {
            assert!(jwt_structure_ok(&token(alg, n)), "{alg} {n}");
        }
        let none = b64url_encode(br#"{"alg":"none"}"#);
        assert!(jwt_structure_ok(&format!("{none}.{p}.")));
    }

    /// Regression (eval/realworld43 dev): tokens signed with jwt.io's old default key `secret`
    /// and with a key of zero bytes are samples; the same claims under a random key are not.
    #[test]
    fn jwts_signed_with_a_sample_key_are_samples() {
        use hmac::{Hmac, Mac};
        let h = b64url_encode(br#"{"alg":"HS256","typ":"JWT"}"#);
        let p = b64url_encode(br#"{"sub":"1234567890","admin":true}"#);
        let sign = |key: &[u8]| {
            let mut m = <Hmac<sha2::Sha256> as Mac>::new_from_slice(key).unwrap();
            m.update(format!("{h}.{p}").as_bytes());
            format!("{h}.{p}.{}", b64url_encode(&m.finalize().into_bytes()))
        };
        assert!(!jwt_structure_ok(&sign(b"secret")));
        // regression (eval/realworld178 dev: fastapi-users' docs tokens, signed with `SECRET`)
        assert!(!jwt_structure_ok(&sign(b"SECRET")));
        assert!(!jwt_structure_ok(&sign(b"your-256-bit-secret")));
        // regression (eval/realworld98 dev): the Supabase CLI's default JWT secret
        assert!(!jwt_structure_ok(&sign(
            b"super-secret-jwt-token-with-at-least-32-characters-long"
        )));
        assert!(!jwt_structure_ok(&sign(&[0u8; 32])));
        // regression (eval/realworld47 dev: HS256 test vectors signed with `test`)
        assert!(!jwt_structure_ok(&sign(b"test")));
        assert!(!jwt_structure_ok(&sign(b"shhhhh")));
        // regression (eval/realworld54 dev: ruby-jwt's README tokens quoted in a licence report)
        assert!(!jwt_structure_ok(&sign(b"my$ecretK3y")));
        let random = crate::decode::testutil::random(32, 44, b"abcdefghijklmnop0123456789");
        assert!(jwt_structure_ok(&sign(random.as_bytes())));
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

    /// Regression (eval/realworld32 dev): a test token spelled from `foo` and `secret`.
    #[test]
    fn bootstrap_tokens_spelled_from_words_are_typed() {
        assert!(!bootstrap_token_ok("foo0id.foo0secret0foofo"));
        assert!(!bootstrap_token_ok("k8s0ab.test0token0ab9xy"));
        assert!(bootstrap_token_ok("7k2q9d.m4x8r1w6z3n5p0vj"));
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
        // a whole (random) DER SEQUENCE of 96 bytes, as two 64-column lines
        let mut rng = crate::decode::testutil::Rng(0x9e37_79b9_7f4a_7c15);
        let mut der = vec![0x30, 0x5e, 0x02, 0x01, 0x00];
        der.extend((0..91).map(|_| rng.next() as u8));
        let b = crate::codec::b64_encode(&der);
        let body = format!("{}\n{}", &b[..64], &b[64..]);
        let pem = format!("-----BEGIN RSA PRIVATE KEY-----\n{body}\n-----END RSA PRIVATE KEY-----");
        assert!(private_key_ok(&pem));
        // regression (eval/realworld20, smallstep's Helm test values): a body that is base64 of
        // a sentence is no key
        let text = crate::codec::b64_encode(
            b"these are just some intermediate CA key bytes for the chart tests, nothing more",
        );
        assert!(!private_key_ok(&format!(
            "-----BEGIN EC PRIVATE KEY-----\n{text}\n-----END EC PRIVATE KEY-----"
        )));
        // the same key as a JSON string with literal \n escapes
        assert!(private_key_ok(&pem.replace('\n', "\\n")));
        assert!(!private_key_ok(
            "-----BEGIN RSA PRIVATE KEY-----\n...\n-----END RSA PRIVATE KEY-----"
        ));
        assert!(!private_key_ok(
            "-----BEGIN PRIVATE KEY-----\n<your key here>\n-----END PRIVATE KEY-----"
        ));
        // regression (eval/realworld6): documentation that elides the middle with spaced dots
        let (first, last) = body.split_once('\n').unwrap();
        assert!(!private_key_ok(&format!(
            "-----BEGIN PRIVATE KEY-----\n{first}\n . . .\n{last}\n-----END PRIVATE KEY-----"
        )));
    }

    /// Regression (eval/realworld141 dev, Dendrite's config test): a Matrix homeserver signing
    /// key is a PEM block of its own label with a `Key-ID` header and a 32-byte seed.
    #[test]
    fn labeled_private_key_bodies() {
        let mut rng = crate::decode::testutil::Rng(0x5eed_0141);
        let seed = crate::codec::b64_encode(&rng.bytes(32));
        let block = |label: &str, header: &str, body: &str| {
            format!(
                "-----BEGIN {label} PRIVATE KEY-----\n{header}{body}\n-----END {label} PRIVATE KEY-----"
            )
        };
        assert!(labeled_private_key_ok(&block(
            "MATRIX",
            "Key-ID: ed25519:Qm4fTz\n",
            &seed
        )));
        assert!(labeled_private_key_ok(&block("NEBULA X25519", "", &seed)));
        let long = crate::codec::b64_encode(&rng.bytes(64));
        assert!(labeled_private_key_ok(&block("NEBULA ED25519", "", &long)));
        // the same key as a Go string with literal \n escapes
        assert!(labeled_private_key_ok(
            &block("MATRIX", "", &seed).replace('\n', "\\n")
        ));
        // labels the DER and OpenSSH rules judge, and bodies that are no key
        for label in ["RSA", "EC", "DSA", "ENCRYPTED", "OPENSSH"] {
            assert!(!labeled_private_key_ok(&block(label, "", &long)), "{label}");
        }
        assert!(!labeled_private_key_ok(&format!(
            "-----BEGIN PRIVATE KEY-----\n{long}\n-----END PRIVATE KEY-----"
        )));
        let short = crate::codec::b64_encode(&rng.bytes(16));
        assert!(!labeled_private_key_ok(&block("MATRIX", "", &short)));
        assert!(!labeled_private_key_ok(&block(
            "NEBULA ED25519",
            "",
            &"A".repeat(88)
        )));
        assert!(!labeled_private_key_ok(&block(
            "MATRIX",
            "Key-ID: ed25519:auto\n",
            "<Base64 Encoded Key Data>"
        )));
    }

    /// Unpadded base64url, as a JWT's parts are written.
    fn b64url_encode(b: &[u8]) -> String {
        crate::codec::b64_encode(b)
            .trim_end_matches('=')
            .replace('+', "-")
            .replace('/', "_")
    }

    /// Regression (eval/realworld15): a DPoP proof is a request signature, not a credential.
    #[test]
    fn dpop_proofs_are_not_tokens() {
        let sig = crate::decode::testutil::random(
            86,
            12,
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_",
        );
        let claims = b64url_encode(br#"{"jti":"e1j3V_bKic8-LAEB","htm":"GET","htu":"https://resource.example.org/protectedresource","iat":1562262618}"#);
        let token = |header: &str| format!("{}.{claims}.{sig}", b64url_encode(header.as_bytes()));
        assert!(!jwt_structure_ok(&token(
            r#"{"typ":"dpop+jwt","alg":"ES256"}"#
        )));
        assert!(jwt_structure_ok(&token(
            r#"{"typ":"at+jwt","alg":"ES256"}"#
        )));
    }

    /// Regression (eval/realworld6): tokens made with the Online JWT Builder carry its issuer.
    #[test]
    fn jwt_builder_samples_are_made_up() {
        let h = b64url_encode(br#"{"typ":"JWT","alg":"HS256"}"#);
        let sig = crate::decode::testutil::random(
            43,
            11,
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_",
        );
        let token = |claims: &str| format!("{h}.{}.{sig}", b64url_encode(claims.as_bytes()));
        assert!(!jwt_structure_ok(&token(
            r#"{"iss":"Online JWT Builder","sub":"jrocket@example.com"}"#
        )));
        assert!(jwt_structure_ok(&token(
            r#"{"iss":"https://login.example.org","sub":"svc-9f2"}"#
        )));
    }

    /// Regression (eval/realworld7): a token whose claims say it is emulated or fake; a mock
    /// subject signed with a test key is a token (eval/realworld15).
    #[test]
    fn jwts_whose_claims_say_they_are_made_up() {
        let h = b64url_encode(br#"{"alg":"HS256","typ":"JWT"}"#);
        let sig = crate::decode::testutil::random(
            43,
            5,
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_",
        );
        let token = |claims: &str| format!("{h}.{}.{sig}", b64url_encode(claims.as_bytes()));
        for made_up in [
            r#"{"source":"cli dev","testData":"CLI_LOCALLY_EMULATED_IDENTITY"}"#,
            r#"{"fakeClaim":true}"#,
            r#"{"email":"fake.user@example.org"}"#,
        ] {
            assert!(!jwt_structure_ok(&token(made_up)), "{made_up}");
        }
        for issued in [
            r#"{"sub":"mock-subject","exp":1893456000}"#,
            // regression (eval/realworld328 dev): a Keycloak service account's address
            r#"{"preferred_username":"service-account-kong","email":"service-account-kong@placeholder.org"}"#,
            r#"{"source":"cli","user":"u-81f2","exp":1893456000}"#,
            r#"{"iss":"https://idp.example.org","sub":"1b7e","aud":"api"}"#,
        ] {
            assert!(jwt_structure_ok(&token(issued)), "{issued}");
        }
    }

    /// PKCS#12 headers: DER and BER (indefinite lengths), `data` and `signedData` content; not
    /// another version, another content type, a certificate, an elided or damaged value.
    #[test]
    fn pkcs12_headers() {
        use crate::codec::{b64_encode, pkcs12_der_ok};
        let mut rng = crate::decode::testutil::Rng(0x51_7cc1_b727_220a);
        let random = |n: usize, rng: &mut crate::decode::testutil::Rng| -> Vec<u8> {
            (0..n).map(|_| rng.next() as u8).collect()
        };
        let oid = |last: u8| {
            [
                0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, last,
            ]
        };
        let header = |len: &[u8], version: u8, inner: &[u8], last: u8| -> Vec<u8> {
            [
                &[0x30][..],
                len,
                &[0x02, 0x01, version, 0x30],
                inner,
                &oid(last)[..],
            ]
            .concat()
        };
        let der = [
            header(&[0x82, 0x0a, 0x2c], 3, &[0x82, 0x09, 0xf2], 1),
            random(600, &mut rng),
        ]
        .concat();
        let ber = [header(&[0x80], 3, &[0x80], 1), random(600, &mut rng)].concat();
        let signed = [
            header(&[0x82, 0x0a, 0x2c], 3, &[0x82, 0x09, 0xf2], 2),
            random(600, &mut rng),
        ]
        .concat();
        for good in [&der, &ber, &signed] {
            assert!(pkcs12_der_ok(good));
            assert!(pkcs12_base64_ok(&b64_encode(good)));
            // a line-wrapped value: only its first line is matched
            assert!(pkcs12_base64_ok(&b64_encode(good)[..76]));
        }
        let v2 = [
            header(&[0x82, 0x0a, 0x2c], 2, &[0x82, 0x09, 0xf2], 1),
            random(600, &mut rng),
        ]
        .concat();
        let enveloped = [
            header(&[0x82, 0x0a, 0x2c], 3, &[0x82, 0x09, 0xf2], 3),
            random(600, &mut rng),
        ]
        .concat();
        // a certificate: SEQUENCE, SEQUENCE, [0] version …
        let cert = [
            &[
                0x30, 0x82, 0x03, 0x10, 0x30, 0x82, 0x02, 0xf8, 0xa0, 0x03, 0x02, 0x01, 0x02,
            ][..],
            &random(600, &mut rng),
        ]
        .concat();
        for bad in [&v2, &enveloped, &cert, &der[..12].to_vec(), &Vec::new()] {
            assert!(!pkcs12_der_ok(bad), "{bad:02x?}");
            assert!(!pkcs12_base64_ok(&b64_encode(bad)));
        }
        // whole archives: with a key bag, or a trust store's certificate bag only
        let bag = |kind: u8| {
            [
                0x06, 0x0b, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x0c, 0x0a, 0x01, kind,
            ]
        };
        let archive = |kind: u8, rng: &mut crate::decode::testutil::Rng| {
            let body = [&bag(kind)[..], &random(400, rng)].concat();
            // SEQUENCE { INTEGER 3, SEQUENCE { OID data, body } }, lengths exact
            let c = 11 + body.len();
            let n = 3 + 4 + c;
            [
                &[0x30, 0x82][..],
                &(n as u16).to_be_bytes(),
                &[0x02, 0x01, 0x03, 0x30, 0x82],
                &(c as u16).to_be_bytes(),
                &oid(1),
                &body,
            ]
            .concat()
        };
        let trust = archive(3, &mut rng);
        let keyed = archive(2, &mut rng);
        assert!(pkcs12_der_ok(&trust) && pkcs12_der_ok(&keyed));
        use crate::codec::pkcs12_holds_key;
        assert_eq!(pkcs12_holds_key(&trust), Some(false));
        assert_eq!(pkcs12_holds_key(&keyed), Some(true));
        assert_eq!(pkcs12_holds_key(&trust[..200]), None, "cut short");
        assert!(!pkcs12_base64_ok(&b64_encode(&trust)));
        assert!(pkcs12_base64_ok(&b64_encode(&keyed)));
        assert!(
            pkcs12_base64_ok(&b64_encode(&trust)[..200]),
            "cut short: kept"
        );
        let text = b64_encode(&der);
        assert!(!pkcs12_base64_ok(&format!("{}...", &text[..60])));
        assert!(!pkcs12_base64_ok(&format!("{}…", &text[..60])));
        assert!(!pkcs12_base64_ok(&text.replace('A', "*")[..60]));
        // non-ASCII input is refused, not sliced mid-character
        assert!(!pkcs12_base64_ok("MIIKPAIBAzCC\u{e9}\u{e9}\u{e9}"));
    }

    /// Java key stores: a private-key entry is a key store, trusted certificates alone a trust
    /// store; other magic numbers or versions, and cut entries, are not walked.
    #[test]
    fn java_key_stores() {
        use crate::codec::{b64_encode, java_keystore_holds_key};
        let utf = |t: &[u8]| [&(t.len() as u16).to_be_bytes()[..], t].concat();
        let cert = [utf(b"X.509"), 4u32.to_be_bytes().to_vec(), vec![1, 2, 3, 4]].concat();
        let trusted = [&2u32.to_be_bytes()[..], &utf(b"ca"), &[0; 8], &cert].concat();
        let key = [
            &1u32.to_be_bytes()[..],
            &utf(b"k"),
            &[0; 8],
            &2u32.to_be_bytes(),
            &[9, 9],
        ]
        .concat();
        let store = |magic: [u8; 4], version: u32, entries: &[&[u8]]| -> Vec<u8> {
            let mut v = [
                &magic[..],
                &version.to_be_bytes(),
                &(entries.len() as u32).to_be_bytes(),
            ]
            .concat();
            entries.iter().for_each(|e| v.extend_from_slice(e));
            v.extend([7; 20]);
            v
        };
        let jks = [0xfe, 0xed, 0xfe, 0xed];
        let with_key = store(jks, 2, &[&trusted, &key]);
        let trust = store(jks, 2, &[&trusted, &trusted]);
        assert_eq!(java_keystore_holds_key(&with_key), Some(true));
        assert_eq!(
            java_keystore_holds_key(&store([0xce; 4], 2, &[&key])),
            Some(true)
        );
        assert_eq!(java_keystore_holds_key(&trust), Some(false));
        assert_eq!(java_keystore_holds_key(&store(jks, 3, &[&key])), None);
        assert_eq!(java_keystore_holds_key(&trust[..30]), None, "cut short");
        assert_eq!(java_keystore_holds_key(b"PK\x03\x04 a zip"), None);
        assert!(java_keystore_base64_ok(&b64_encode(&with_key)));
        assert!(!java_keystore_base64_ok(&b64_encode(&trust)));
        assert!(
            java_keystore_base64_ok(&b64_encode(&trust)[..40]),
            "cut short: kept"
        );
        assert!(!java_keystore_base64_ok("/u3+7QAAAAI\u{e9}"));
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
        // admin:passw0rd (a leetspeak default, eval/realworld2 dev history)
        assert!(!base64_credentials_ok("YWRtaW46cGFzc3cwcmQ="));
        // a password of words (eval/realworld3 dev history: `credentials:thatexpire`)
        let b64 = |s: &str| base64::Engine::encode(&base64::engine::general_purpose::STANDARD, s);
        assert!(!base64_credentials_ok(&b64("robot:wordsthatexpire")));
        assert!(!base64_credentials_ok(&b64("ci:letmeinplease")));
        assert!(base64_credentials_ok(&b64("ci:qzvkxwpmtrbnhdlf")));
        // words joined by separators (eval/realworld4 dev: `example-…:example-password`)
        assert!(!base64_credentials_ok(&b64("sample-user:sample-password")));
        assert!(!base64_credentials_ok(&b64("svc:staging_secret.value")));
        // a password that spells its user, a short one of one kind, a blank one, hunter2
        // (eval/realworld8 and realworld9 dev)
        assert!(!base64_credentials_ok(&b64("johanna:joha-key")));
        assert!(!base64_credentials_ok(&b64("ci:gate")));
        assert!(!base64_credentials_ok(&b64("ci:482913")));
        assert!(!base64_credentials_ok(&b64("client7:    ")));
        assert!(!base64_credentials_ok(&b64("proxy:hunter2")));
        assert!(base64_credentials_ok(&b64("johanna:qzvk-xwpm-trbn")));
        // random parts, and passphrases of four words and more, stay
        assert!(base64_credentials_ok(&b64("svc:qzvkxw-pmtrbn-hdlfgs")));
        assert!(base64_credentials_ok(&b64(
            "svc:orbit-lantern-velvet-harbor"
        )));
        assert!(base64_credentials_ok(
            "ZG9yYTplQy5sT042aUdqMnptWXk2LkVVQQ=="
        ));
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
