//! Steps 3–6 for one chunk: run the [`Matcher`], validate each candidate, look inside decoded
//! base64 views, drop overlapping duplicates, decode and judge hygiene, and build [`Finding`]s.

use std::cell::OnceCell;
use std::collections::HashMap;
use std::ops::Range;

use crate::chunk::{Chunk, LineIndex};
use crate::expand::{Encoding, decoded_views, folded_views, unescaped_views};
use crate::finding::{Confidence, Finding, Location, fingerprint, message_fingerprint};
use crate::hygiene::{self, Context, Policy};
use crate::matcher::{Matcher, Pairing, ValueShape};
use crate::rules::{Precision, Rule};
use crate::validate::classify::{self, Generic};
use crate::validate::generic::{key_may_name_secret, value_part};
use crate::validate::placeholder::{has_counting_run, is_made_up};
use crate::validate::shape::entropy;
use crate::validate::{Validator, Verdict};

/// A validated match, possibly found inside a decoded view.
#[derive(Debug, Clone)]
pub struct Candidate {
    /// Rule index in the matcher.
    pub rule: usize,
    /// Range to report, in the chunk.
    pub range: Range<usize>,
    /// The secret's text (decoded when it came from a view).
    pub secret: String,
    /// Set when found in a decoded view: the decoded text and the secret's range in it.
    pub view: Option<(Vec<u8>, Range<usize>)>,
    /// How that view was decoded.
    pub encoding: Option<Encoding>,
    /// How likely it is a live credential.
    pub confidence: Confidence,
    /// The classifier's features of a generic candidate, kept only when the environment sets
    /// `TOKENHOUND_CLASSIFIER_FEATURES` (for tuning and training, see scripts/confidence-sweep.py).
    pub features: Option<Box<classify::Features>>,
    /// Length of the rule's whole regex match (how much context it demanded): between
    /// overlapping candidates of equally precise rules and equal secrets, the more specific wins.
    pub specificity: usize,
    /// The parts of a multi-part credential found together (`[rule.pair]`), this candidate's
    /// own first; empty when none was paired.
    pub parts: Vec<Part>,
}

/// One part of a multi-part credential.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    /// Rule index of the part.
    pub rule: usize,
    /// Its range in the chunk.
    pub range: Range<usize>,
    /// Its text.
    pub secret: String,
}

/// Check one raw secret against a rule's placeholder list, entropy floor and validators.
///
/// A value holding a counting run ([`has_counting_run`]) is a placeholder for a generic rule
/// ([`Rule::is_generic`]), a rule of a free-form value (`free_form`: passwords, header values
/// found by the syntax around them) and a low-precision one. A rule keyed to a provider's name or
/// format still reports it, at level `note` and marked `patterned` (see [`findings_of`]):
/// scanners' and providers' own test values are built that way, and a leaked one is worth a
/// look, not an alarm. The generic-secret and opaque-token validators leave counting runs to
/// this check; validators of a value's structure (a Basic credential's password, a bootstrap
/// token, an AWS secret key, a JWT signature, a URL password) still reject them.
///
/// Checksum validators ([`Validator::is_checksum`]) do not reject: a value failing one is
/// reported as a note ([`checksum_fails`], [`findings_of`]).
pub fn validate(rule: &Rule, secret: &str) -> Verdict {
    let counting_is_placeholder =
        rule.is_generic() || rule.spec.free_form || rule.spec.precision < Precision::Medium;
    if is_made_up(secret) || (counting_is_placeholder && has_counting_run(secret)) {
        return Verdict::Reject("placeholder");
    }
    if let Some(min) = rule.spec.min_entropy
        && entropy(secret) < min
    {
        return Verdict::Reject("entropy below the rule's minimum");
    }
    for v in rule.spec.validators.iter().filter(|v| !v.is_checksum()) {
        if let Verdict::Reject(why) = v.run(secret) {
            return Verdict::Reject(why);
        }
    }
    Verdict::Pass
}

/// Whether `value` can be a part of another rule's multi-part credential as a match of
/// `partner`: it passes the partner's validation, checksums included (a made-up part pairs
/// with nothing).
fn admits_as_partner(partner: &Rule, value: &str) -> bool {
    validate(partner, value) == Verdict::Pass && !checksum_fails(partner, value)
}

/// Whether `secret` fails one of `rule`'s checksum validators: a token of the rule's format that
/// its issuer never issued. Its finding is a note, flagged `checksum-mismatch`.
pub fn checksum_fails(rule: &Rule, secret: &str) -> bool {
    rule.spec
        .validators
        .iter()
        .any(|v| v.is_checksum() && !v.check(secret))
}

/// What the matcher did on a chunk besides finding candidates: how many raw matches it found
/// (in the chunk and its decoded views, before validation) and which rules it ran over the whole
/// chunk. A chunk without raw matches is quiet; the delta-aware history scan builds on that.
#[derive(Debug, Clone, Default)]
pub struct Activity {
    /// Regex matches in the chunk and its views, valid or not.
    pub raw_matches: usize,
    /// Rules run over the whole chunk (no keywords, or multi-line with a keyword hit).
    pub whole_rules: Vec<usize>,
    /// Raw matches of those rules in the chunk itself (not its views).
    pub whole_raw: usize,
    /// Raw matches that passed validation (candidates before pairing and de-duplication).
    pub candidates: usize,
}

/// Whether raw match `m` in `text` (a chunk, or a view whose value starts at `value_offset`)
/// becomes a candidate: it lies in the value, its assigned name may name a secret and its
/// secret passes the rule's validation. A function of the matched text alone.
pub fn admits(
    matcher: &Matcher,
    text: &[u8],
    m: &crate::matcher::RawMatch,
    value_offset: usize,
) -> bool {
    m.secret.end > value_offset
        && key_ok(&matcher.rules()[m.rule], text, m)
        && validate(
            &matcher.rules()[m.rule],
            &String::from_utf8_lossy(&text[m.secret.clone()]),
        ) == Verdict::Pass
}

/// The range a validated match reports: for a rule whose values the generic-secret validator
/// judges, the part of the matched value that validator judges ([`value_part`]: no statement
/// separator at its end, no query string's next parameter), so that the finding, its
/// fingerprint and its redacted preview are the value's; the captured range for every other
/// rule. Validation itself sees the whole match (a trailing `...` still marks a placeholder).
fn reported_range(rule: &Rule, text: &[u8], r: Range<usize>) -> Range<usize> {
    if !rule.spec.validators.contains(&Validator::GenericSecret) {
        return r;
    }
    match std::str::from_utf8(&text[r.clone()]) {
        Ok(v) => {
            let part = value_part(v);
            // a prefix of `v`: same start, shorter end
            r.start..r.start + part.len()
        }
        Err(_) => r,
    }
}

/// Validated candidates in `data`, including those inside decoded base64 values, with
/// overlapping matches of different rules reduced to the most specific one.
pub fn candidates(matcher: &Matcher, data: &[u8]) -> Vec<Candidate> {
    candidates_indexed(matcher, data, &OnceCell::new(), &mut Activity::default())
}

/// [`candidates`], building the chunk's [`LineIndex`] in `index` if some step needs it.
fn candidates_indexed(
    matcher: &Matcher,
    data: &[u8],
    index: &OnceCell<LineIndex>,
    act: &mut Activity,
) -> Vec<Candidate> {
    let rules = matcher.rules();
    let mut out: Vec<Candidate> = Vec::new();
    let found = matcher.find_noting(data, Some(&mut act.whole_rules));
    act.raw_matches += found.len();
    act.whole_raw += found.iter().filter(|m| matcher.runs_whole(m.rule)).count();
    let mut phrases: Option<Vec<&[u8]>> = None;
    for mut m in found {
        if !key_ok(&rules[m.rule], data, &m) {
            continue;
        }
        let secret = String::from_utf8_lossy(&data[m.secret.clone()]).into_owned();
        // a JWT (whichever rule found it: `jwt.token`, a bearer header) signed with a phrase
        // written in the same file
        if (rules[m.rule].spec.validators.contains(&Validator::Jwt)
            || (secret.starts_with("eyJ") && secret.matches('.').count() == 2))
            && crate::validate::structure::jwt_hmac_key(
                &secret,
                phrases
                    .get_or_insert_with(|| phrase_literals(data))
                    .iter()
                    .copied(),
            )
            .is_some()
        {
            continue;
        }
        if validate(&rules[m.rule], &secret) == Verdict::Pass {
            m.secret = reported_range(&rules[m.rule], data, m.secret);
            let secret = String::from_utf8_lossy(&data[m.secret.clone()]).into_owned();
            act.candidates += 1;
            out.push(Candidate {
                rule: m.rule,
                confidence: confidence_of(&rules[m.rule], data, &m, &secret, false),
                features: explain(&rules[m.rule], data, &m, &secret, false),
                specificity: m.whole.len(),
                range: m.secret,
                secret,
                view: None,
                encoding: None,
                parts: Vec::new(),
            });
        }
    }
    for view in decoded_views(data)
        .into_iter()
        .chain(unescaped_views(data))
        .chain(folded_views(data))
    {
        // a base64 value already reported as a specific token is not looked into
        if view.encoding == Encoding::Base64
            && out.iter().any(|c| {
                overlaps(&c.range, &view.encoded)
                    && c.view.is_none()
                    && rules[c.rule].spec.precision >= crate::rules::Precision::High
                    && !checksum_fails(&rules[c.rule], &c.secret)
            })
        {
            continue;
        }
        // a base64 value that is a URL query parameter's (`?pwd=<base64>`)
        let in_query =
            view.encoding == Encoding::Base64 && after_query_name(data, view.encoded.start);
        // … of a link published to be shared (a status badge, a Zoom invitation): what it
        // decodes to is shared with it
        if in_query
            && classify::in_shared_link(
                &line_at(data, view.encoded.start),
                &String::from_utf8_lossy(&data[view.encoded.clone()]),
            )
        {
            continue;
        }
        let found = matcher.find(&view.text);
        act.raw_matches += found.len();
        for mut m in found {
            if m.secret.end <= view.value_offset
                || !key_ok(&rules[m.rule], &view.text, &m)
                || (view.encoding == Encoding::Base64
                    && rules[m.rule].is_generic()
                    && cut_by_view_end(&view.text, &m.secret))
            {
                continue;
            }
            let secret = String::from_utf8_lossy(&view.text[m.secret.clone()]).into_owned();
            if validate(&rules[m.rule], &secret) == Verdict::Pass {
                m.secret = reported_range(&rules[m.rule], &view.text, m.secret);
                let secret = String::from_utf8_lossy(&view.text[m.secret.clone()]).into_owned();
                act.candidates += 1;
                out.push(Candidate {
                    rule: m.rule,
                    confidence: confidence_of(&rules[m.rule], &view.text, &m, &secret, in_query),
                    features: explain(&rules[m.rule], &view.text, &m, &secret, in_query),
                    range: view.origin(&m.secret),
                    specificity: m.whole.len(),
                    secret,
                    view: Some(view_context(&view, &m.secret)),
                    encoding: Some(view.encoding),
                    parts: Vec::new(),
                });
            }
        }
    }
    pair_parts(matcher, data, index, &mut out);
    join_parts(matcher, data, index, dedup(rules, out))
}

/// A match whose rule captures the assigned name (`key` group) needs a name that can hold a
/// secret: `password_salt`, `TOKEN_HEADER` or `secretName` name something else. A UUID under
/// the bare name `key`, or a reference's key (`RemoteKey`, `remote_key`, `lookupKey`), is a
/// lookup key (the id of a record in a secret store, as in `remoteRef: key: <uuid>`), not key
/// material; a value that starts a quoted phrase, or one
/// without digits under a name that ends one, is text for people (a translation catalogue's
/// `"Repeat Password": "Powtórz hasło"`). For a rule of free-form values (generic ones, and
/// those marked `free_form`), code and records are not assignments either: a value that is a
/// function being called ([`is_called`]) or a field passed on ([`is_selector`]), a name inside
/// an ARN ([`in_arn`]), a name and value further along a row ([`positional_pair`]).
fn key_ok(rule: &Rule, data: &[u8], m: &crate::matcher::RawMatch) -> bool {
    if inside_base64_data(data, &m.secret) || cut_short(data, &m.secret) {
        return false;
    }
    let free_form = rule.is_generic() || rule.spec.free_form;
    if free_form && is_called(data, &m.secret) {
        return false;
    }
    // a name-keyed value (generic, context-keyed or named) must not be the word after a
    // usage line's `<NAME>` placeholder
    if (free_form || m.key.is_some() || rule.spec.precision <= Precision::Medium)
        && after_placeholder_element(data, &m.secret)
    {
        return false;
    }
    let Some(k) = m.key.as_ref() else {
        // a context-keyed rule (a provider's name near a value) has no name group: the name
        // the value is assigned to ends right before it, and one that names an identifier
        // (`HEROKU_OAUTH_ID=<uuid>`: `auth` inside `OAUTH` keyed it) holds no secret
        return rule.spec.precision != Precision::Medium
            || rule.spec.identifier
            || !crate::expand::preceding_key(data, m.secret.start)
                .is_some_and(|n| names_an_identifier(&String::from_utf8_lossy(n)));
    };
    if free_form
        && (in_arn(data, k)
            || positional_pair(data, k, &m.secret)
            || is_selector(data, &m.secret)
            || range_for_variable(data, k)
            || written_as_a_resource_identifier(data, &m.secret))
    {
        return false;
    }
    // hex generated from a pattern, letters in either case at random (a generic rule's value;
    // a provider-keyed rule reports its provider's length whatever the case)
    if rule.is_generic()
        && crate::validate::generic::is_mixed_case_hex(&String::from_utf8_lossy(
            &data[m.secret.clone()],
        ))
    {
        return false;
    }
    let name = String::from_utf8_lossy(&data[k.clone()]);
    // Helm's `checksum/secrets: <sha256>` pod annotation: the name group stops at `/`
    let checksum = data[..k.start]
        .get(k.start.saturating_sub(9)..)
        .is_some_and(|p| p.eq_ignore_ascii_case(b"checksum/"));
    let reference = match crate::validate::classify::words_of(&name).as_slice() {
        [k] => k == "key",
        [q, k] => k == "key" && matches!(q.as_str(), "remote" | "lookup" | "ref"),
        _ => false,
    };
    let lookup_key = reference
        && crate::validate::shape::is_uuid(&String::from_utf8_lossy(&data[m.secret.clone()]));
    if checksum
        || lookup_key
        || !key_may_name_secret(&name)
        || names_access_key_id(data, k, &name)
        || access_key_id_shaped(&name, &data[m.secret.clone()])
        || key_of_a_public_key(data, k, &name, &data[m.secret.clone()])
        || is_ec_public_key_hex(&concatenated(data, &m.secret))
        || is_peer_public_key(&name, &data[m.secret.clone()])
        || names_an_encoded_hash(&name, &data[m.secret.clone()])
        || hashed_beside_a_salt(data, &m.secret)
        || path_to_its_own_name(&name, &data[m.secret.clone()])
        || digest_under_a_file_name(&name, &data[m.secret.clone()])
        || acme_challenge_token(data, k, &name)
        || webhook_signature_token(data, k, &name, &data[m.secret.clone()])
        || anti_forgery_word_before(data, k)
        || in_analytics_beacon(data, k)
    {
        return false;
    }
    // a phrase for a name holds words (a translation), while a display name such as
    // `"Client Secret"` can hold a real secret, which has digits
    let digits = data[m.secret.clone()].iter().any(u8::is_ascii_digit);
    let translation = quoted_phrase_before(data, k.start) && !digits;
    let phrase_value = quoted_phrase_after(data, m.secret.clone());
    !translation && !phrase_value && !prefix_of_a_concatenation(data, m.secret.clone())
}

/// The value is cut short where it is written: an ellipsis (`...` or `…`) follows it right away
/// (`# BEARER_TOKEN = "ya29.a0AfB_byC..."`, eval/realworld201 dev: Google's samples showing the
/// start of an access token). What is written is the start of a value, not one that works.
fn cut_short(data: &[u8], value: &Range<usize>) -> bool {
    let rest = &data[value.end.min(data.len())..];
    rest.starts_with(b"...") || rest.starts_with("\u{2026}".as_bytes())
}

/// The value is a piece of standard base64 data, not a token of its own: a value without `+` or
/// `/` after a `+` glued to a letter or digit (`…B8u+BSA…"`), between two of them, one a `+`
/// (`…EA9+BSA…+lIe…`, eval/realworld153 dev: a Brave key's prefix in a PDF attachment's
/// base64), or both `/` within a run of base64 that holds a `+` and goes on 64 characters and
/// more around the value. Tokens of the URL-safe alphabet stand between
/// quotes, blanks, `=` or `:`, and no URL path puts `+` around a segment.
fn inside_base64_data(data: &[u8], value: &Range<usize>) -> bool {
    let (Some(&before), Some(&after)) = (
        value.start.checked_sub(1).and_then(|p| data.get(p)),
        data.get(value.end),
    ) else {
        return false;
    };
    if data[value.clone()].iter().any(|b| matches!(b, b'+' | b'/')) {
        return false;
    }
    // a `+` glued to a letter or digit on its left, whatever ends the value: no operator or
    // separator is written so (a 40-character base64 value whose `+` happens to precede `BSA`)
    if before == b'+'
        && value
            .start
            .checked_sub(2)
            .and_then(|p| data.get(p))
            .is_some_and(u8::is_ascii_alphanumeric)
    {
        return true;
    }
    if !matches!(before, b'+' | b'/') || !matches!(after, b'+' | b'/') {
        return false;
    }
    if before == b'+' || after == b'+' {
        return true;
    }
    // between two `/`: a path segment, unless a long run of base64 holding a `+` goes on around
    // it (eval/realworld206 dev: a Brave key's prefix in a notebook's inline PNG)
    let b64 = |b: &&u8| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/');
    let lo = value.start.saturating_sub(256);
    let hi = (value.end + 256).min(data.len());
    let left = data[lo..value.start].iter().rev().take_while(b64);
    let right = data[value.end..hi].iter().take_while(b64);
    let (mut around, mut plus) = (0, false);
    for b in left.chain(right) {
        around += 1;
        plus |= *b == b'+';
    }
    plus && around >= 64
}

/// The value is a quoted prefix that an expression goes on after: it ends in a separator (`|`,
/// `:`, `/`, `=`, `-`, `_`, `.`, `,`, `;`) and its closing quote is followed by a concatenation
/// operator (`.`, `+`, `..`, `&`, `||`) and a variable, call or member, not another literal
/// (`'gpgauthv1.3.0|36|' . $uuid`). The secret is what is joined on at run time, not the text.
fn prefix_of_a_concatenation(data: &[u8], value: Range<usize>) -> bool {
    let Some(&q) = value.start.checked_sub(1).and_then(|p| data.get(p)) else {
        return false;
    };
    if !matches!(q, b'"' | b'\'' | b'`')
        || data.get(value.end) != Some(&q)
        || !data[value.clone()]
            .last()
            .is_some_and(|b| b"|:/=-_.,;".contains(b))
        || is_padded_base64(&data[value.clone()])
    {
        return false;
    }
    let after = &data[value.end + 1..data.len().min(value.end + 64)];
    let rest = after.trim_ascii_start();
    const OPERATORS: [&[u8]; 5] = [b"||", b"..", b".", b"+", b"&"];
    let Some(op) = OPERATORS.iter().find(|op| rest.starts_with(op)) else {
        return false;
    };
    rest[op.len()..]
        .trim_ascii_start()
        .first()
        .is_some_and(|b| b.is_ascii_alphabetic() || matches!(b, b'$' | b'_' | b'@'))
}

/// Whole padded base64 of 16 bytes or more (`…=` or `…==`, a multiple of four characters): its
/// `=` is padding, not a separator a concatenation goes on after (`"qN0u…iE=".to_string()`,
/// eval/realworld152 dev).
fn is_padded_base64(v: &[u8]) -> bool {
    let body = v
        .strip_suffix(b"==")
        .or_else(|| v.strip_suffix(b"="))
        .unwrap_or(v);
    body.len() < v.len()
        && v.len() >= 24
        && v.len() % 4 == 0
        && body
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/'))
}

/// A name for the public identifier of an OAuth client, an app, an account, a tenant or a user
/// (`HEROKU_OAUTH_ID`, `SLACK_CLIENT_ID`, `appId`), never its secret. Other `…_ID` names can
/// hold one (Vault's secret ID, Blockfrost's project ID, eBay's cert ID), so only these.
fn names_an_identifier(name: &str) -> bool {
    let words = crate::validate::classify::words_of(name);
    match words.as_slice() {
        [.., q, id] if id == "id" || id == "ids" => matches!(
            q.as_str(),
            "oauth" | "client" | "app" | "application" | "account" | "tenant" | "user"
        ),
        _ => false,
    }
}

/// The value is the next word after a `<NAME>` placeholder and a blank, as usage lines and
/// help texts write an argument (`cast rpc --jwt-secret <JWT_SECRET> engine_forkchoiceUpdatedV2`):
/// the name in angle brackets stands for the value, the word after it is something else. An
/// XML element's value (`<password> … </password>`) ends at the next `<` and is kept.
fn after_placeholder_element(data: &[u8], value: &Range<usize>) -> bool {
    let before = &data[..value.start];
    let Some(gt) = before.iter().rposition(|b| !matches!(b, b' ' | b'\t')) else {
        return false;
    };
    if gt + 1 == value.start || before[gt] != b'>' {
        return false;
    }
    let Some(lt) = before[..gt].iter().rposition(|&b| b == b'<') else {
        return false;
    };
    let name = &before[lt + 1..gt];
    if name.is_empty()
        || !name
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
    {
        return false;
    }
    data[value.end..]
        .iter()
        .find(|b| !matches!(b, b' ' | b'\t'))
        .is_none_or(|&b| b != b'<')
}

/// An unquoted value right before `(`: the name of a function being called
/// (`key: base64.StdEncoding.EncodeToString(…)`), or before `->`: an object whose member is
/// taken through a pointer (`dlg->findChild<…>(…)`, C++ and PHP; eval/realworld247 dev); not a
/// value. A quoted value is a value whatever follows it.
fn is_called(data: &[u8], value: &Range<usize>) -> bool {
    // the match may take in the arrow's `-`, which a secret's alphabet holds
    let arrow = data[value.end..].starts_with(b"->")
        || (data.get(value.end) == Some(&b'>')
            && value.end > value.start
            && data[value.end - 1] == b'-');
    (data.get(value.end) == Some(&b'(') || arrow)
        && value
            .start
            .checked_sub(1)
            .is_none_or(|p| !matches!(data[p], b'"' | b'\'' | b'`'))
}

/// The loop variable of a range-based `for` (`for (auto password : m_pwdsToTry)` in C++,
/// `for (String token : tokens)` in Java; eval/realworld247 dev): the name is declared there
/// and takes each element of the collection after the colon, which is no value of its own.
fn range_for_variable(data: &[u8], name: &Range<usize>) -> bool {
    let line_start = memchr::memrchr(b'\n', &data[..name.start]).map_or(0, |p| p + 1);
    let before = &data[line_start..name.start];
    let Some(f) = memchr::memmem::rfind(before, b"for") else {
        return false;
    };
    let word_before = f
        .checked_sub(1)
        .is_some_and(|p| before[p].is_ascii_alphanumeric() || before[p] == b'_');
    let Some(decl) = before[f + 3..].trim_ascii_start().strip_prefix(b"(") else {
        return false;
    };
    // a type before the name: words, `::`, template brackets, `&`, `*`
    let typed = !decl.trim_ascii().is_empty()
        && decl.iter().all(|&b| {
            b.is_ascii_alphanumeric()
                || matches!(
                    b,
                    b'_' | b' ' | b'\t' | b':' | b'<' | b'>' | b',' | b'&' | b'*'
                )
        });
    let after = data[name.end..].trim_ascii_start();
    !word_before && typed && after.starts_with(b":") && !after.starts_with(b"::")
}

/// A quoted name and value side by side (`put("db.password", "…")`) that are not a call's first
/// two arguments but items further along a tuple or row (`VALUES ('9944…', 'password',
/// '3a9e…', …)`): the string before the name is another item, so `password` is a column's
/// value and the next item is positional, not the value of a key.
fn positional_pair(data: &[u8], name: &Range<usize>, value: &Range<usize>) -> bool {
    let between = &data[name.end..value.start.max(name.end)];
    let quoted = name
        .start
        .checked_sub(1)
        .is_some_and(|p| matches!(data[p], b'"' | b'\''));
    let pair_form = quoted
        && between.contains(&b',')
        && !between.iter().any(|b| matches!(b, b':' | b'=' | b'>'));
    // the byte before the name's opening quote, past blanks and line breaks (a row written
    // over several lines)
    let before = data[..name.start.saturating_sub(1)]
        .iter()
        .rposition(|b| !b.is_ascii_whitespace())
        .map(|p| data[p]);
    pair_form && before == Some(b',')
}

/// An unquoted value shaped like a field of a variable (`credsOIDC2FA.Config`,
/// `cfg.Password`) and followed by `,`, `)` or `;`: code passing a value on, not a value.
fn is_selector(data: &[u8], value: &Range<usize>) -> bool {
    let quoted = value
        .start
        .checked_sub(1)
        .is_some_and(|p| matches!(data[p], b'"' | b'\'' | b'`'));
    // a match may run on over the separator
    let whole = &data[value.clone()];
    let v = whole
        .iter()
        .rposition(|c| !matches!(c, b',' | b')' | b';'))
        .map_or(&whole[..0], |p| &whole[..=p]);
    let separated =
        v.len() < whole.len() || matches!(data.get(value.end), Some(b',' | b')' | b';'));
    let ident = |p: &[u8]| {
        p.first()
            .is_some_and(|c| c.is_ascii_alphabetic() || *c == b'_')
            && p.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'_')
    };
    !quoted && separated && v.contains(&b'.') && v.split(|c| *c == b'.').all(ident)
}

/// Whether the name `name` is a segment of an Amazon Resource Name: the word it ends starts
/// with `arn:` (a name group may take in the ARN's earlier segments), as in
/// `arn:aws:secretsmanager:eu-west-2:123456789012:secret:GITHUB_PEM-AbCdEf`.
fn in_arn(data: &[u8], name: &Range<usize>) -> bool {
    let start = data[..name.start]
        .iter()
        .rposition(|b| b.is_ascii_whitespace() || matches!(b, b'"' | b'\'' | b'`' | b'=' | b','))
        .map_or(0, |p| p + 1);
    data[start..name.end]
        .get(..4)
        .is_some_and(|p| p.eq_ignore_ascii_case(b"arn:"))
}

/// An access key named so beside a secret key (`access_key: …` / `secret_key: …`, `AccessKey:…
/// SecretKey:…`), on its line or the next two: the S3 convention (MinIO, Alibaba, DigitalOcean
/// Spaces, exchanges' APIs), where the access key is the public id and the secret key signs.
fn names_access_key_id(data: &[u8], name_at: &Range<usize>, name: &str) -> bool {
    if !names_an_access_key(name) {
        return false;
    }
    let start = memchr::memrchr(b'\n', &data[..name_at.start]).map_or(0, |p| p + 1);
    // the end of the name's line and of the two after it
    let end = memchr::memchr_iter(b'\n', &data[name_at.end..])
        .nth(2)
        .map_or(data.len(), |p| name_at.end + p + 1);
    let around = data[start..end.min(start + 2048)].to_ascii_lowercase();
    [
        &b"secret_key"[..],
        b"secretkey",
        b"secret-key",
        b"secret_access_key",
        b"secretaccesskey",
    ]
    .iter()
    .any(|w| memchr::memmem::find(&around, w).is_some())
}

/// A name ending in the words `access key` (`access_key`, `AccessKey`, `S3_ACCESS_KEY`) and not
/// holding `secret` (`secret_access_key` names the secret half).
fn names_an_access_key(name: &str) -> bool {
    let words = crate::validate::classify::words_of(name);
    words.len() >= 2
        && words[words.len() - 2..] == ["access", "key"]
        && !words.iter().any(|w| w == "secret")
}

/// The value is written again a few lines away as a resource's identifier: the value of an
/// `id` field (`"id": "<v>", "key": "<v>"`, a line item's key equal to its id) or a segment of
/// a URL or API path right after a collection's name (`/checkouts/<v>/thank_you`,
/// `/admin/api/2022-10/checkouts/<v>.json`: eval/realworld289 dev, a checkout's token in
/// Shopify's mocked REST responses). A secret is neither reused as an object's id nor written
/// into the paths that name the object. Collections whose members are secrets (`/tokens/<v>`,
/// `/keys/<v>`, `/hooks/<v>`) do not count, nor does a segment after an id (`/webhooks/<id>/<v>`).
fn written_as_a_resource_identifier(data: &[u8], value: &Range<usize>) -> bool {
    /// Plural path words whose members are secrets or grant access by themselves.
    const SECRET_COLLECTIONS: &[&[u8]] = &[
        b"tokens",
        b"keys",
        b"apikeys",
        b"api_keys",
        b"api-keys",
        b"secrets",
        b"passwords",
        b"credentials",
        b"hooks",
        b"webhooks",
        b"sessions",
        b"invitations",
        b"invites",
        b"services",
        b"triggers",
        b"signatures",
    ];
    let v = &data[value.clone()];
    if v.len() < 8 {
        return false;
    }
    // six lines either way, within 4 KiB: a long line (minified, a one-line dump) is not read
    // again for each value on it
    let bounded = value.start.saturating_sub(4096)..(value.end + 4096).min(data.len());
    let near = lines_around(
        &data[bounded.clone()],
        &(value.start - bounded.start..value.end - bounded.start),
        6,
        6,
    );
    let near = bounded.start + near.start..bounded.start + near.end;
    let token_byte = |b: &u8| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-');
    memchr::memmem::find_iter(&data[near.clone()], v)
        .map(|i| near.start + i)
        .filter(|&p| p != value.start)
        .any(|p| {
            let end = p + v.len();
            if data[..p].last().is_some_and(token_byte) || data.get(end).is_some_and(token_byte) {
                return false;
            }
            if p > 0 && data[p - 1] == b'/' {
                let line_start = data[near.start..p]
                    .iter()
                    .rposition(|&b| b == b'\n')
                    .map_or(near.start, |i| near.start + i + 1);
                let seg_end = p - 1;
                let Some(slash) = data[line_start..seg_end].iter().rposition(|&b| b == b'/') else {
                    return false;
                };
                let seg = &data[line_start + slash + 1..seg_end];
                // a path (a URL's, or one of two segments at least) with the value a whole
                // segment of it
                let in_path = memchr::memmem::find(&data[line_start..seg_end], b"://").is_some()
                    || data[line_start..line_start + slash].contains(&b'/');
                return in_path
                    && seg.len() >= 4
                    && seg.last() == Some(&b's')
                    && seg
                        .iter()
                        .all(|b| b.is_ascii_lowercase() || matches!(b, b'_' | b'-'))
                    && !SECRET_COLLECTIONS.contains(&seg)
                    && data.get(end).is_none_or(|b| {
                        matches!(b, b'/' | b'?' | b'#' | b'.' | b'"' | b'\'' | b' ' | b'\n')
                    });
            }
            crate::expand::preceding_key(&data[near.start..], p - near.start).is_some_and(|k| {
                let name = String::from_utf8_lossy(k);
                let words = crate::validate::classify::words_of(&name);
                words.last().is_some_and(|w| w == "id")
                    && !name.to_ascii_lowercase().ends_with("secret_id")
            })
        })
}

/// An access key named so whose value has the shape of an S3-style access key id: twenty
/// upper-case letters and digits (`access_key = Q3AM…`, AWS's and MinIO's ids; eval/realworld249
/// dev: an s3cmd configuration whose secret key is many lines further down). Secret keys are
/// forty characters of both cases; this is the public half.
fn access_key_id_shaped(name: &str, value: &[u8]) -> bool {
    names_an_access_key(name)
        && value.len() == 20
        && value
            .iter()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
        && value.iter().any(u8::is_ascii_digit)
}

/// The whole lines of `data` from `before` lines above the line holding `at.start` to `after`
/// lines below the line holding `at.end` (without the last line's newline).
fn lines_around(data: &[u8], at: &Range<usize>, before: usize, after: usize) -> Range<usize> {
    let line_start = |i: usize| {
        data[..i]
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |p| p + 1)
    };
    let line_end = |i: usize| memchr::memchr(b'\n', &data[i..]).map_or(data.len(), |p| i + p);
    let mut start = line_start(at.start);
    for _ in 0..before {
        if start == 0 {
            break;
        }
        start = line_start(start - 1);
    }
    let mut end = line_end(at.end);
    for _ in 0..after {
        if end >= data.len() {
            break;
        }
        end = line_end(end + 1);
    }
    start..end
}

/// Whether the name is the `token` of a Cloudflare Web Analytics beacon (`<script … src=
/// "…/beacon.min.js" data-cf-beacon='{"token": "…"}'>`): the site's analytics id, served to
/// every visitor in the page it measures (eval/realworld316 dev: two projects' docs themes).
fn in_analytics_beacon(data: &[u8], k: &Range<usize>) -> bool {
    let before = &data[k.start.saturating_sub(40)..k.start];
    memchr::memmem::find(before, b"data-cf-beacon").is_some()
}

/// Whether the word written before the name, one space away, is `csrf` or `xsrf`: `csrf token:
/// …` in prose names an anti-forgery token, as `csrf_token` does (eval/realworld304 dev: a
/// training app's exercise text listing a session's cookies).
fn anti_forgery_word_before(data: &[u8], k: &Range<usize>) -> bool {
    if k.start < 5 {
        return false;
    }
    let before = &data[k.start.saturating_sub(6)..k.start];
    let Some(word) = before.strip_suffix(b" ") else {
        return false;
    };
    let word = &word[word.len().saturating_sub(4)..];
    let starts_word = word.len() == 4
        && data[..k.start - 5]
            .last()
            .is_none_or(|b| !b.is_ascii_alphanumeric());
    starts_word && (word.eq_ignore_ascii_case(b"csrf") || word.eq_ignore_ascii_case(b"xsrf"))
}

/// The `token` of an ACME challenge (`challenges.HTTP01(token=b"…")`, a `dns-01` challenge
/// object; eval/realworld165 dev: certbot's tests): RFC 8555 §8.3–8.4 has the server hand it to
/// the client in the clear, and the client serve it at `/.well-known/acme-challenge/<token>` or
/// hash it into a DNS record: public by design, not a secret. Told by the challenge type
/// (`HTTP01`, `http-01`, `DNS01`, `dns-01`, `TLSALPN01`, `tls-alpn-01`) on the name's line or
/// one of the three lines before (a challenge object's `type`, `url` and `status` members come
/// first; eval/realworld208 dev, RFC 8555's own example in a design document).
fn acme_challenge_token(data: &[u8], key: &Range<usize>, name: &str) -> bool {
    if !name.eq_ignore_ascii_case("token") {
        return false;
    }
    let start = lines_around(data, key, 3, 0).start;
    let near: Vec<u8> = data[start..key.start]
        .iter()
        .filter(|&&b| b != b'-')
        .map(u8::to_ascii_lowercase)
        .collect();
    [&b"http01"[..], b"dns01", b"tlsalpn01"]
        .iter()
        .any(|t| memchr::memmem::find(&near, t).is_some())
}

/// The `token` of a webhook's signature block (Mailgun: `"signature": {"token": …, "timestamp":
/// …, "signature": …}`, or the same three form fields; eval/realworld192 dev, an inbound-email
/// test): 50 random hex characters the sender makes up per request and signs with the
/// timestamp, sent in the clear in every delivery; the signing key is the secret, and it is not
/// in the payload. Told by the value's shape, `timestamp` within three lines of the name and
/// `sign` (a `signature` field, a helper that signs the payload) within eight lines after it or
/// sixty before.
fn webhook_signature_token(data: &[u8], key: &Range<usize>, name: &str, value: &[u8]) -> bool {
    if !name.eq_ignore_ascii_case("token")
        || value.len() != 50
        || !value
            .iter()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(b))
    {
        return false;
    }
    // the timestamp beside it, and a signature or a helper that signs the payload the token is
    // part of (`mailgun_sign_legacy_payload({…})`, up to 60 lines before: eval/realworld312 dev)
    let near = data[lines_around(data, key, 3, 3)].to_ascii_lowercase();
    let around = data[lines_around(data, key, 60, 8)].to_ascii_lowercase();
    memchr::memmem::find(&near, b"timestamp").is_some()
        && memchr::memmem::find(&around, b"sign").is_some()
}

/// A path whose last segment is the name the value is assigned to (`DB_PWD: 'tower-wf123/DB_PWD'`,
/// eval/realworld159 dev): where a secret store keeps the secret of that name, not the secret.
fn path_to_its_own_name(name: &str, value: &[u8]) -> bool {
    let name = name.trim_matches(|c: char| !c.is_ascii_alphanumeric());
    value.iter().rposition(|&b| b == b'/').is_some_and(|slash| {
        !name.is_empty() && value[slash + 1..].eq_ignore_ascii_case(name.as_bytes())
    })
}

/// A file's digest under the file's name: a name ending in a source, data or archive file's
/// extension (`"0024_api_key_verification.sql": "<sha256>"` in a migrations checksum file,
/// eval/realworld259 dev) given a digest's hex (32, 40, 64 or 128 digits). The words of a file
/// name (`api_key`) say what the file is about, not what the value is. A key file's name
/// (`tls.key`, `id_rsa`, `credentials.json` in a Secret's data) is not among the extensions.
fn digest_under_a_file_name(name: &str, value: &[u8]) -> bool {
    const FILE_EXTENSIONS: &[&str] = &[
        "sql", "js", "mjs", "cjs", "ts", "tsx", "jsx", "py", "rb", "go", "java", "kt", "php", "cs",
        "css", "scss", "html", "md", "rst", "yml", "yaml", "xml", "sh", "lock", "tar", "gz", "tgz",
        "zip", "whl", "jar", "wasm", "png", "svg",
    ];
    let name = name.trim_matches(|c: char| matches!(c, '"' | '\'' | '`'));
    let Some((_, ext)) = name.rsplit_once('.') else {
        return false;
    };
    FILE_EXTENSIONS.iter().any(|e| ext.eq_ignore_ascii_case(e))
        && matches!(value.len(), 32 | 40 | 64 | 128)
        && value.iter().all(u8::is_ascii_hexdigit)
}

/// A value in hex (32 characters or more) with a salt named on its line or the lines on either
/// side (`<users … password="<40 hex>" salt="<40 hex>" …>`, a Liquibase `<column name="salt" …>`
/// after `<column name="password" …>`): the salted hash a login is checked against, not the
/// password (eval/realworld153 dev: OpenMRS's test datasets and core-data snapshots).
fn hashed_beside_a_salt(data: &[u8], value: &Range<usize>) -> bool {
    let v = &data[value.clone()];
    if v.len() < 32 || !v.iter().all(u8::is_ascii_hexdigit) {
        return false;
    }
    let near = data[lines_around(data, value, 1, 1)].to_ascii_lowercase();
    // `salt` as a word of a name (not inside `salted`, `basalt`) given a hex literal of its own
    // (`salt="…"`, `name="salt" value="…"`): a salt computed in code, or a salt word beside a
    // secret (`…_SECRET_SALT="lowcoder.org"`), says nothing of the value
    memchr::memmem::find_iter(&near, b"salt").any(|i| {
        if near[..i].last().is_some_and(u8::is_ascii_alphabetic)
            || near.get(i + 4).is_some_and(u8::is_ascii_alphabetic)
        {
            return false;
        }
        let mut rest = &near[i + 4..];
        let skip = |r: &mut &[u8]| {
            while let [b'"' | b'\'' | b' ' | b'\t' | b':' | b'=', tail @ ..] = *r {
                *r = tail;
            }
        };
        skip(&mut rest);
        if let Some(tail) = rest.strip_prefix(b"value") {
            rest = tail;
            skip(&mut rest);
        }
        rest.iter().take_while(|b| b.is_ascii_hexdigit()).count() >= 16
    })
}

/// An encoded password (`encodedPassword`, `original_encoded_password`: the output of Spring
/// Security's and similar password encoders) whose value, hex or base64, decodes to binary: a
/// password hash, not the password. A value that decodes to text is the password itself,
/// merely encoded, and is judged as usual.
fn names_an_encoded_hash(name: &str, value: &[u8]) -> bool {
    // most names hold no `encoded`: no word split for them
    let n = name.as_bytes();
    if memchr::memmem::find(n, b"ncoded").is_none() && memchr::memmem::find(n, b"NCODED").is_none()
    {
        return false;
    }
    let Ok(value) = std::str::from_utf8(value) else {
        return false;
    };
    let words = crate::validate::classify::words_of(name);
    let Some(e) = words.iter().position(|w| w == "encoded") else {
        return false;
    };
    // a password encoder hashes passwords; an encoded key or secret (`ENCODED_SECRET_KEY`) is
    // the key itself in base64
    if e + 1 >= words.len()
        || !words[e + 1..]
            .iter()
            .all(|w| matches!(w.as_str(), "password" | "passwd" | "pwd" | "pass"))
    {
        return false;
    }
    let hex =
        value.len() >= 32 && value.len() % 2 == 0 && value.bytes().all(|b| b.is_ascii_hexdigit());
    let bytes = if hex {
        value
            .as_bytes()
            .chunks(2)
            .map(|p| crate::codec::hex_val(p[0]).zip(crate::codec::hex_val(p[1])))
            .map(|p| p.map(|(h, l)| (h * 16 + l) as u8))
            .collect::<Option<Vec<u8>>>()
    } else {
        crate::codec::b64_decode(value)
    };
    bytes.is_some_and(|b| {
        b.len() >= 16
            && std::str::from_utf8(&b).map_or(true, |t| {
                t.chars().any(|c| c.is_control() && !c.is_whitespace())
            })
    })
}

/// The bare name `key` of encoded key material (40 characters and more) in a public key's
/// record: "public key" (`public_key`, `PublicKey(`,
/// `/public-key`) is written before it on its line or one of the six lines above, as in a
/// `{"key_id": …, "key": …}` response of a public-key endpoint (GitHub's for encrypting Actions
/// secrets) or a `PublicKey(key_id=…, key=…)` repr. A qualified name (`private_key`,
/// `secret_key`) is judged as usual.
fn key_of_a_public_key(data: &[u8], name_at: &Range<usize>, name: &str, value: &[u8]) -> bool {
    // a public key is encoded key material (32 bytes and more): shorter values and other
    // alphabets need no look around
    let key_material = value.len() >= 40
        && value
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=' | b'-' | b'_'));
    if !key_material || crate::validate::classify::words_of(name) != ["key"] {
        return false;
    }
    let line_start = memchr::memrchr(b'\n', &data[..name_at.start]).map_or(0, |p| p + 1);
    let from = memchr::memrchr_iter(b'\n', &data[..line_start])
        .nth(6)
        .map_or(0, |p| p + 1)
        .max(name_at.start.saturating_sub(4096));
    // up to the name's end: "public key" may be the name's own two words (`# public key: …`,
    // age-keygen's comment above an identity)
    let before = data[from..name_at.end].to_ascii_lowercase();
    [
        &b"public_key"[..],
        b"public-key",
        b"publickey",
        b"public key",
    ]
    .iter()
    .any(|w| memchr::memmem::find(&before, w).is_some())
}

/// Hex of an elliptic-curve public key as SEC 1 encodes a point: 33 bytes opening with `02` or
/// `03` (compressed), or 65 opening with `04` (uncompressed), with or without `0x`. Bitcoin,
/// Lightning and Ethereum code names these `internal_key`, `NodeKey`, `output_key`
/// (eval/realworld151 dev, lnd's MuSig2 and taproot tests); a secret key is 32 bytes.
fn is_ec_public_key_hex(value: &[u8]) -> bool {
    let v = value.strip_prefix(b"0x").unwrap_or(value);
    v.iter().all(u8::is_ascii_hexdigit)
        && match v.len() {
            66 => v.starts_with(b"02") || v.starts_with(b"03"),
            130 => v.starts_with(b"04"),
            _ => false,
        }
}

/// The distinct quoted string literals of `data` (one line each, 1 to 64 bytes) that are no
/// secret by the generic checks — phrases and words such as `not_secret` or `not very secret in
/// tests` — at most 256 of them. A JWT whose HMAC verifies under one of them was signed, in
/// the file that holds it, with a key nobody keeps secret (eval/realworld173 dev,
/// djangorestframework-simplejwt's backend tests): a test token, like one signed with a sample
/// key ([`crate::validate::structure`]).
fn phrase_literals(data: &[u8]) -> Vec<&[u8]> {
    let mut out: Vec<&[u8]> = Vec::new();
    for line in data.split(|&b| b == b'\n') {
        let mut rest = line;
        while let Some(open) = rest.iter().position(|&b| matches!(b, b'"' | b'\'')) {
            let q = rest[open];
            let body = &rest[open + 1..];
            let Some(close) = body.iter().position(|&b| b == q) else {
                break;
            };
            let lit = &body[..close];
            rest = &body[close + 1..];
            // a `NAME=VALUE` setting's value too (`'MY_ACCESS_KEY=987654321'`, the secret a
            // test hands to the code that signs: eval/realworld270 dev, travis-build's JWT addon
            // spec)
            let value = lit
                .iter()
                .position(|&b| b == b'=')
                .filter(|&eq| {
                    eq > 0
                        && lit[..eq]
                            .iter()
                            .all(|b| b.is_ascii_alphanumeric() || *b == b'_')
                })
                .map(|eq| &lit[eq + 1..]);
            for lit in std::iter::once(lit).chain(value) {
                if (1..=64).contains(&lit.len())
                    && !out.contains(&lit)
                    && std::str::from_utf8(lit)
                        .is_ok_and(|t| !crate::validate::generic::generic_secret_ok(t))
                {
                    out.push(lit);
                    if out.len() == 256 {
                        return out;
                    }
                }
            }
        }
    }
    out
}

/// The value at `secret` joined with the string literals it is concatenated with on the lines
/// after it (`"02b5…" +` then `"…e9",`: a long literal split to fit a line width, Go and Java
/// style), or the value alone when it is not followed by `+` at the end of its line. Only
/// pieces of the value's own alphabet (hex, base64, base64url) are joined, up to 16 lines.
fn concatenated(data: &[u8], secret: &Range<usize>) -> Vec<u8> {
    let mut out = data[secret.clone()].to_vec();
    let mut at = secret.end;
    for _ in 0..16 {
        let Some(&quote) = data.get(at).filter(|b| matches!(b, b'"' | b'\'')) else {
            break;
        };
        let rest = &data[at + 1..];
        let line_end = memchr::memchr(b'\n', rest).unwrap_or(rest.len());
        if rest[..line_end].trim_ascii() != b"+" {
            break;
        }
        let next = &rest[(line_end + 1).min(rest.len())..];
        let body = next.trim_ascii_start();
        let Some(piece) = body.strip_prefix(&[quote][..]) else {
            break;
        };
        let len = piece
            .iter()
            .take_while(|b| {
                b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=' | b'-' | b'_')
            })
            .count();
        if len == 0 || piece.get(len) != Some(&quote) {
            break;
        }
        out.extend_from_slice(&piece[..len]);
        at = data.len() - piece.len() + len;
    }
    out
}

/// A quoted value that the decoded text ends in before its closing quote: the base64 run was
/// one line of a longer encoding (a block wrapped at 76 columns, each line decoded alone), and
/// the value is cut short where that line ends (`… "agent_key": "f3386f6d8da7` of a recorded
/// trace), so it is not the value.
fn cut_by_view_end(text: &[u8], secret: &Range<usize>) -> bool {
    secret.end == text.len()
        && secret
            .start
            .checked_sub(1)
            .is_some_and(|i| matches!(text[i], b'"' | b'\''))
}

/// A peer's key in a key-agreement protocol (WireGuard, Noise; Matrix's Olm and Megolm, whose
/// `sender_key` is the sender's Curve25519 identity key): named so (`peerKey`, `peer1Key`,
/// `proxyPeerKey`, `senderKey`), 32 bytes in base64 or hex, and not a Curve25519 private key.
/// What one side of such a protocol holds of a peer is its public key; a private key is a
/// clamped scalar (RFC 7748: the low three bits of its first byte clear, the top two bits of
/// its last byte `01`), which a public key is only one time in 32. A name that says private,
/// secret or preshared (WireGuard's optional symmetric key) is judged as usual.
///
/// An Ed25519 verify key (NaCl's `VerifyKey`, ed25519-dalek's `VerifyingKey`, a Discord
/// application's `verify_key`: eval/realworld258 dev) is the public half of a signing key, 32
/// bytes in the same encodings; the clamping test does not apply to it (a signing key's seed is
/// named for signing, not verifying).
fn is_peer_public_key(name: &str, value: &[u8]) -> bool {
    let words = crate::validate::classify::words_of(name);
    let verify = words
        .windows(2)
        .any(|p| matches!(p[0].as_str(), "verify" | "verifying") && matches!(p[1].as_str(), "key"));
    // `peer1Key` is `[peer1, key]`
    let peer = (verify
        || words.iter().any(|w| {
            matches!(
                w.trim_end_matches(|c: char| c.is_ascii_digit()),
                "peer" | "peers" | "sender"
            )
        }))
        && words.last().is_some_and(|w| w == "key")
        && !words.iter().any(|w| {
            matches!(
                w.as_str(),
                "private" | "priv" | "secret" | "preshared" | "psk" | "shared" | "symmetric"
            )
        });
    if !peer {
        return false;
    }
    let Ok(text) = std::str::from_utf8(value) else {
        return false;
    };
    let bytes = if text.len() == 64 {
        crate::codec::hex_decode(text)
    } else if (43..=44).contains(&text.len()) {
        crate::codec::b64_decode(text)
    } else {
        None
    };
    bytes.is_some_and(|b| b.len() == 32 && (verify || b[0] & 7 != 0 || b[31] & 0xC0 != 0x40))
}

/// The name is the last word of a quoted phrase (`"Repeat Password": …`, a translation
/// catalogue's key): a label for people, not a setting's name.
fn quoted_phrase_before(data: &[u8], start: usize) -> bool {
    let before = &data[start.saturating_sub(200)..start];
    let Some(rest) = before.strip_suffix(b" ") else {
        return false;
    };
    let words = rest
        .iter()
        .rev()
        .take_while(|b| b.is_ascii_alphabetic() || **b == b' ')
        .count();
    words > 0
        && rest[rest.len() - words..]
            .iter()
            .any(u8::is_ascii_alphabetic)
        && matches!(
            rest.len().checked_sub(words + 1).map(|i| rest[i]),
            Some(b'"' | b'\'')
        )
}

/// The value is the first word of a quoted phrase (`"Powtórz hasło"`): it opens the quotes,
/// and a blank and a letter follow it before they close. Text for people, not a secret's value.
fn quoted_phrase_after(data: &[u8], value: Range<usize>) -> bool {
    let end = value.end;
    let after = &data[end..data.len().min(end + 200)];
    value.start > 0
        && matches!(data[value.start - 1], b'"' | b'\'')
        && after.first() == Some(&b' ')
        && after
            .get(1)
            .is_some_and(|b| b.is_ascii_alphabetic() || *b >= 0x80)
        && after[1..]
            .iter()
            .position(|b| matches!(b, b'"' | b'\'' | b'\n'))
            .is_some_and(|p| after[1 + p] != b'\n')
}

/// The line of `text` holding byte `pos`, without its newline, cut to its first 4 KiB.
fn line_at(text: &[u8], pos: usize) -> std::borrow::Cow<'_, str> {
    let start = memchr::memrchr(b'\n', &text[..pos]).map_or(0, |p| p + 1);
    let end = memchr::memchr(b'\n', &text[pos..]).map_or(text.len(), |p| pos + p);
    String::from_utf8_lossy(&text[start..end.min(start + 4096)])
}

/// `data[..pos]` ends with a URL query parameter's name: `?name=` or `&name=`.
fn after_query_name(data: &[u8], pos: usize) -> bool {
    let Some(before) = data[..pos].strip_suffix(b"=") else {
        return false;
    };
    let name = before
        .iter()
        .rev()
        .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
        .count();
    name > 0
        && matches!(
            before.len().checked_sub(name + 1).map(|i| before[i]),
            Some(b'?' | b'&')
        )
}

/// A candidate's confidence: a distinctive format's rule says it (`very-high`/`high` precision:
/// high, `medium`: medium); a generic rule's match is scored by the classifier from its name,
/// value and line ([`classify`]).
fn confidence_of(
    rule: &Rule,
    text: &[u8],
    m: &crate::matcher::RawMatch,
    secret: &str,
    in_query: bool,
) -> Confidence {
    if rule.spec.decoder == Some(crate::decode::Decoder::AwsAccessKey)
        && in_signature_scope(text, m.secret.start)
    {
        return Confidence::Low;
    }
    if rule.spec.decoder == Some(crate::decode::Decoder::Jwt)
        && in_github_image_link(text, m.secret.start)
    {
        return Confidence::Low;
    }
    if rule.spec.identifier && in_cos_signature(text, m.secret.start) {
        return Confidence::Low;
    }
    match generic_view(rule, text, m, secret, in_query, classify::confidence) {
        Some(c) => c,
        None => match rule.spec.precision {
            Precision::VeryHigh | Precision::High => Confidence::High,
            Precision::Medium => Confidence::Medium,
            Precision::Low => Confidence::Low,
        },
    }
}

/// The JWT at `at` is the `jwt=` parameter of a GitHub image link
/// (`https://private-user-images.githubusercontent.com/…/image.png?jwt=eyJ…`): the address
/// GitHub renders for an image attached to an issue or pull request, which grants reading that
/// one image for a few minutes. Copied into a README it is a dead link, not a leak (shown with
/// `--min-confidence low`).
fn in_github_image_link(text: &[u8], at: usize) -> bool {
    let line_start = memchr::memrchr(b'\n', &text[..at]).map_or(0, |p| p + 1);
    let before = &text[line_start.max(at.saturating_sub(512))..at];
    let Some(url) = before.strip_suffix(b"?jwt=") else {
        return false;
    };
    let start = url
        .iter()
        .rposition(|b| b.is_ascii_whitespace() || matches!(b, b'"' | b'\'' | b'(' | b'<' | b'['))
        .map_or(0, |p| p + 1);
    url[start..].starts_with(b"https://private-user-images.githubusercontent.com/")
}

/// The access key id at `at` opens a Signature Version 4 credential scope
/// (`X-Amz-Credential=AKIA…%2F20180913%2Fus-east-1%2Fs3%2Faws4_request` in a presigned URL,
/// `Credential=AKIA…/…` in an `Authorization: AWS4-HMAC-SHA256` header): every signed request
/// carries the id in clear beside a signature, never the secret key, so the id alone is not a
/// leak (shown with `--min-confidence low`).
fn in_signature_scope(text: &[u8], at: usize) -> bool {
    // … and the query parameters that carry the id beside a signature in Signature Version 2
    // presigned URLs (`?AWSAccessKeyId=AKIA…&Expires=…&Signature=…`) and in Amazon Product
    // Advertising links (`SubscriptionId=AKIA…`, the id as an affiliate's tag in every link)
    preceded_by_any(
        text,
        at,
        &["Credential=", "AWSAccessKeyId=", "SubscriptionId="],
    )
}

/// Whether one of `prefixes` (ASCII case-insensitive) ends right before `at` in `text`.
fn preceded_by_any(text: &[u8], at: usize, prefixes: &[&str]) -> bool {
    prefixes.iter().any(|p| {
        let before = &text[at.saturating_sub(p.len())..at];
        before.len() == p.len() && before.eq_ignore_ascii_case(p.as_bytes())
    })
}

/// The key id at `at` is the `q-ak` parameter of a Tencent Cloud COS request signature
/// (`sign=q-sign-algorithm=sha1&q-ak=AKID…&q-sign-time=…&q-signature=…`, often percent-encoded
/// inside a presigned URL): like an AWS credential scope, every signed request carries the
/// SecretId in clear beside a signature, never the SecretKey (eval/realworld63 dev: Tencent
/// Cloud's API examples of presigned download links). Shown with `--min-confidence low`.
fn in_cos_signature(text: &[u8], at: usize) -> bool {
    preceded_by_any(text, at, &["q-ak=", "q-ak%3D"])
}

/// The classifier's features of a generic candidate, when `TOKENHOUND_CLASSIFIER_FEATURES` is set.
fn explain(
    rule: &Rule,
    text: &[u8],
    m: &crate::matcher::RawMatch,
    secret: &str,
    in_query: bool,
) -> Option<Box<classify::Features>> {
    static ON: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    if !*ON.get_or_init(|| std::env::var_os("TOKENHOUND_CLASSIFIER_FEATURES").is_some()) {
        return None;
    }
    generic_view(rule, text, m, secret, in_query, |g| {
        Box::new(classify::features(g))
    })
}

/// `f` of the candidate as the generic classifier sees it (name, value, line, query position),
/// or `None` when its rule is not generic.
fn generic_view<T>(
    rule: &Rule,
    text: &[u8],
    m: &crate::matcher::RawMatch,
    secret: &str,
    in_query: bool,
    f: impl FnOnce(&Generic<'_>) -> T,
) -> Option<T> {
    if !rule.is_generic() {
        return None;
    }
    let key = m
        .key
        .as_ref()
        .map(|k| String::from_utf8_lossy(&text[k.clone()]));
    let line = line_at(text, m.secret.start);
    // a URL query's parameter: after `?`, or after `&` in a URL (a form body's
    // `client_id=…&client_secret=…` is not a link's query), or followed by more `&name=`
    // parameters
    let query = in_query
        || m.key.as_ref().is_some_and(|k| {
            k.start > 0
                && match text[k.start - 1] {
                    b'?' => true,
                    b'&' => in_url(text, k.start - 1),
                    _ => false,
                }
        })
        || secret.split_once('&').is_some_and(|(_, t)| {
            t.split_once('=').is_some_and(|(k, _)| {
                !k.is_empty() && k.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
            })
        });
    Some(f(&Generic {
        key: key.as_deref(),
        value: secret,
        line: &line,
        query,
    }))
}

/// Whether the `&` at `amp` joins the parameters of a URL's query: a `?` comes before it in the
/// same run of text (no blank, quote or bracket between them), as in `https://h/p?a=1&b=2`, and
/// not in a form-encoded body (`body: client_id=…&client_secret=…`, eval/realworld210 dev: a
/// recorded OAuth token request).
fn in_url(text: &[u8], amp: usize) -> bool {
    text[amp.saturating_sub(4096)..amp]
        .iter()
        .rev()
        .take_while(|b| {
            !b.is_ascii_whitespace()
                && !matches!(b, b'"' | b'\'' | b'`' | b'<' | b'>' | b'(' | b')')
        })
        .any(|&b| b == b'?')
}

/// The part of a view kept with a candidate for hygiene context: a base64 value whole (at most
/// 64 KiB), an unescaped line only around the secret (a minified line can be a megabyte).
fn view_context(view: &crate::expand::DecodedView, r: &Range<usize>) -> (Vec<u8>, Range<usize>) {
    const AROUND: usize = 4096;
    if view.encoding == Encoding::Base64 {
        return (view.text.clone(), r.clone());
    }
    let lo = r.start.saturating_sub(AROUND);
    let hi = (r.end + AROUND).min(view.text.len());
    (view.text[lo..hi].to_vec(), r.start - lo..r.end - lo)
}

/// A rule with a `[rule.pair]` (an access key id) and the partner value nearby (its secret key)
/// are one credential: extend each such candidate's range to the nearest partner value — a
/// maximal run of the pair's alphabet of its length, passing the partner rule's validators — on a
/// line within the pair's window that may hold it, so the pair becomes one finding (the partner's
/// own candidate then overlaps it and is dropped by de-duplication).
///
/// The chunk's lines are indexed once (in `index`, shared with the findings' positions) and each
/// line is examined at most once per pairing rule, however many candidates are near it.
fn pair_parts(
    matcher: &Matcher,
    data: &[u8],
    index: &OnceCell<LineIndex>,
    cands: &mut [Candidate],
) {
    let rules = matcher.rules();
    let mut lines: HashMap<(usize, usize), PairLines<'_>> = HashMap::new();
    for c in cands.iter_mut() {
        if c.view.is_some() {
            continue;
        }
        for (j, pairing) in matcher.pairings(c.rule).iter().enumerate() {
            let Some(shape) = &pairing.shape else {
                continue;
            };
            let lines = lines.entry((c.rule, j)).or_insert_with(|| PairLines {
                data,
                index: index.get_or_init(|| LineIndex::new(data)),
                pairing,
                shape,
                partner: &rules[pairing.partner],
                seen: HashMap::new(),
            });
            if let Some(b) = lines.nearest(&c.range) {
                if c.parts.is_empty() {
                    c.parts.push(Part {
                        rule: c.rule,
                        range: c.range.clone(),
                        secret: c.secret.clone(),
                    });
                }
                c.parts.push(Part {
                    rule: pairing.partner,
                    secret: String::from_utf8_lossy(&data[b.clone()]).into_owned(),
                    range: b.clone(),
                });
                c.range = c.range.start.min(b.start)..c.range.end.max(b.end);
            }
        }
    }
}

/// Pairs found by the partner rule's regex (`[rule.pair]` without a value shape): each kept
/// candidate of a rule with such pairs gets, per pair, the nearest match of the partner rule
/// passing its validation within the pair's lines (on a tie, the one before) as a part of its
/// credential. A partner rule that is an identifier (`identifier = true`) grants nothing alone,
/// so its own candidates at a part's place (and a generic rule's) are dropped: the credential is
/// reported once.
fn join_parts(
    matcher: &Matcher,
    data: &[u8],
    index: &OnceCell<LineIndex>,
    mut cands: Vec<Candidate>,
) -> Vec<Candidate> {
    let rules = matcher.rules();
    let wanted = |c: &Candidate| {
        c.view.is_none() && matcher.pairings(c.rule).iter().any(|p| p.shape.is_none())
    };
    if !cands.iter().any(wanted) {
        return cands;
    }
    let index = index.get_or_init(|| LineIndex::new(data));
    let last_line = index.line_count().saturating_sub(1);
    let mut folded: Vec<(usize, Range<usize>)> = Vec::new();
    for c in cands.iter_mut().filter(|c| wanted(c)) {
        let first = index.line_of(c.range.start);
        let last = index.line_of(c.range.end);
        for pairing in matcher.pairings(c.rule) {
            if pairing.shape.is_some() {
                continue;
            }
            let partner = &rules[pairing.partner];
            let lo = index
                .line_range(data, first.saturating_sub(pairing.lines))
                .start;
            let hi = index
                .line_range(data, (last + pairing.lines).min(last_line))
                .end;
            let Some(found) = nearest_match(pairing.partner, partner, data, lo..hi, &c.range)
            else {
                continue;
            };
            if c.parts.is_empty() {
                c.parts.push(Part {
                    rule: c.rule,
                    range: c.range.clone(),
                    secret: c.secret.clone(),
                });
            }
            if partner.spec.identifier {
                folded.push((pairing.partner, found.range.clone()));
            }
            c.parts.push(found);
        }
    }
    if !folded.is_empty() {
        // the identifier's own candidate, or a generic rule's reading of the same value
        let generic = |r: usize| rules[r].is_generic();
        cands.retain(|c| {
            c.view.is_some()
                || !folded.iter().any(|(r, range)| {
                    (*r == c.rule || generic(c.rule)) && overlaps(range, &c.range)
                })
        });
    }
    cands
}

/// The match of `partner` (rule `partner_index`) in `data[window]` (its secret group, passing its validation) nearest
/// to `own` and not overlapping it; on a tie, the one before.
fn nearest_match(
    partner_index: usize,
    partner: &Rule,
    data: &[u8],
    window: Range<usize>,
    own: &Range<usize>,
) -> Option<Part> {
    let base = window.start;
    let mut best: Option<(usize, Range<usize>, String)> = None;
    for caps in partner.regex.get().captures_iter(&data[window]) {
        let Some(m) = caps.get(partner.secret_group()).or_else(|| caps.get(0)) else {
            continue;
        };
        let r = base + m.start()..base + m.end();
        if r.is_empty() || overlaps(&r, own) {
            continue;
        }
        if let Some(k) = caps.name("key")
            && !key_may_name_secret(&String::from_utf8_lossy(k.as_bytes()))
        {
            continue;
        }
        let dist = if r.start >= own.end {
            r.start - own.end
        } else {
            own.start - r.end
        };
        if best.as_ref().is_some_and(|(d, _, _)| *d <= dist) {
            continue;
        }
        let secret = String::from_utf8_lossy(m.as_bytes()).into_owned();
        if admits_as_partner(partner, &secret) {
            best = Some((dist, r, secret));
        }
    }
    best.map(|(_, range, secret)| Part {
        rule: partner_index,
        range,
        secret,
    })
}

/// What pairing knows of one line.
struct PairLine {
    /// Whether the line holds the pair's `line_word` (any case).
    names_part: bool,
    /// Its partner values, in order; computed when first needed.
    values: Option<Vec<Range<usize>>>,
}

/// The lines of one chunk as one pairing rule sees them, each examined once.
struct PairLines<'a> {
    data: &'a [u8],
    index: &'a LineIndex,
    pairing: &'a Pairing,
    shape: &'a ValueShape,
    partner: &'a Rule,
    seen: HashMap<usize, PairLine>,
}

impl PairLines<'_> {
    fn line(&mut self, line: usize) -> &mut PairLine {
        let (data, index, word) = (self.data, self.index, self.pairing.line_word.as_deref());
        self.seen.entry(line).or_insert_with(|| PairLine {
            names_part: word.is_none_or(|w| {
                data[index.line_range(data, line)]
                    .windows(w.len())
                    .any(|x| x.eq_ignore_ascii_case(w.as_bytes()))
            }),
            values: None,
        })
    }

    /// The partner values of `line` if it may hold the partner of a match starting on line
    /// `own_line`: it holds the pair's word, or it is the match's own line (e.g. a CSV
    /// credentials export).
    fn values_for(&mut self, line: usize, own_line: usize) -> Option<&[Range<usize>]> {
        let (data, index, shape, partner) = (self.data, self.index, self.shape, self.partner);
        let l = self.line(line);
        if !(line == own_line || l.names_part) {
            return None;
        }
        let values = l.values.get_or_insert_with(|| {
            partner_values(shape, partner, data, index.line_range(data, line))
        });
        Some(values)
    }

    /// The partner value nearest (in bytes) to the match at `own`, on a line within the
    /// pairing's window that may hold it; on a tie, the one before it.
    fn nearest(&mut self, own: &Range<usize>) -> Option<Range<usize>> {
        let first = self.index.line_of(own.start);
        let last = self.index.line_of(own.end);
        let lo = first.saturating_sub(self.pairing.lines);
        let hi = (last + self.pairing.lines).min(self.index.line_count().saturating_sub(1));
        // values never overlap each other, so those not overlapping the match end before it or
        // start after it: the nearest before is the last of the former, after the first of the latter
        let before = (lo..=first).rev().find_map(|l| {
            let v = self.values_for(l, first)?;
            v[..v.partition_point(|r| r.end <= own.start)]
                .last()
                .cloned()
        });
        let after = (last..=hi).find_map(|l| {
            let v = self.values_for(l, first)?;
            v.get(v.partition_point(|r| r.start < own.end)).cloned()
        });
        match (before, after) {
            (Some(b), Some(a)) if a.start - own.end < own.start - b.end => Some(a),
            (Some(b), _) => Some(b),
            (None, a) => a,
        }
    }
}

/// Maximal runs of the pairing's alphabet of its length in `line` (a range of `data` without
/// newlines) that pass the partner rule's validation.
fn partner_values(
    pairing: &ValueShape,
    partner: &Rule,
    data: &[u8],
    line: Range<usize>,
) -> Vec<Range<usize>> {
    let text = &data[line.clone()];
    let mut out = Vec::new();
    let mut i = 0;
    while i < text.len() {
        if !pairing.alphabet[text[i] as usize] {
            i += 1;
            continue;
        }
        let s = i;
        while i < text.len() && pairing.alphabet[text[i] as usize] {
            i += 1;
        }
        let value = &text[s..i];
        if value.len() == pairing.length
            && std::str::from_utf8(value).is_ok_and(|v| admits_as_partner(partner, v))
        {
            out.push(line.start + s..line.start + i);
        }
    }
    out
}

fn overlaps(a: &Range<usize>, b: &Range<usize>) -> bool {
    a.start < b.end && b.start < a.end
}

/// Among overlapping candidates keep one whose checksum holds ([`checksum_fails`]), then the
/// most precise rule (then a secret over an identifier, a provider's rule over a generic one,
/// the longest secret, the most specific match, the first rule id).
fn dedup(rules: &[Rule], mut cands: Vec<Candidate>) -> Vec<Candidate> {
    // what the rules say, never their load order: a value its issuer could have issued,
    // precision, a secret over an identifier, a provider's rule over a generic one, the secret's
    // length, how much context the match demanded, then the rule id
    let rank = |c: &Candidate| {
        (
            !checksum_fails(&rules[c.rule], &c.secret),
            rules[c.rule].spec.precision,
            !rules[c.rule].spec.identifier,
            !rules[c.rule].is_generic(),
            c.secret.len(),
            c.specificity,
            std::cmp::Reverse(rules[c.rule].id()),
        )
    };
    // each key once: the rank checks a checksum
    cands.sort_by_cached_key(|c| std::cmp::Reverse(rank(c)));
    let mut kept: Vec<Candidate> = Vec::new();
    for c in cands {
        if !kept.iter().any(|k| overlaps(&k.range, &c.range)) {
            kept.push(c);
        }
    }
    kept.sort_by_key(|c| (c.range.start, rules[c.rule].id()));
    kept
}

/// Turn a chunk's candidates into findings: locations, hygiene, level and message.
pub fn findings(
    matcher: &Matcher,
    chunk: &Chunk<'_>,
    policy: &Policy,
    commit_time: Option<i64>,
) -> Vec<Finding> {
    detect(matcher, chunk, policy, commit_time).1
}

/// The validated candidates of a chunk and their findings: one finding per candidate, in the
/// same order, so the candidates of the findings a caller keeps can be judged again later
/// ([`findings_of`]) without running the matcher again.
pub fn detect(
    matcher: &Matcher,
    chunk: &Chunk<'_>,
    policy: &Policy,
    commit_time: Option<i64>,
) -> (Vec<Candidate>, Vec<Finding>) {
    let (cands, found, _) = detect_noting(matcher, chunk, policy, commit_time);
    (cands, found)
}

/// [`detect`], also saying what the matcher did ([`Activity`]).
pub fn detect_noting(
    matcher: &Matcher,
    chunk: &Chunk<'_>,
    policy: &Policy,
    commit_time: Option<i64>,
) -> (Vec<Candidate>, Vec<Finding>, Activity) {
    let index = OnceCell::new();
    let mut act = Activity::default();
    let cands = candidates_indexed(matcher, &chunk.data, &index, &mut act);
    let found = findings_with(matcher, chunk, &cands, policy, commit_time, &index);
    (cands, found, act)
}

/// The findings of `cands`, candidates found earlier in `chunk`'s data (by [`detect`]), for
/// the chunk's provenance and `commit_time`: hygiene is judged again, nothing is matched again.
pub fn findings_of(
    matcher: &Matcher,
    chunk: &Chunk<'_>,
    cands: &[Candidate],
    policy: &Policy,
    commit_time: Option<i64>,
) -> Vec<Finding> {
    findings_with(matcher, chunk, cands, policy, commit_time, &OnceCell::new())
}

fn findings_with(
    matcher: &Matcher,
    chunk: &Chunk<'_>,
    cands: &[Candidate],
    policy: &Policy,
    commit_time: Option<i64>,
    index: &OnceCell<LineIndex>,
) -> Vec<Finding> {
    if cands.is_empty() {
        return Vec::new();
    }
    let data: &[u8] = &chunk.data;
    let index = index.get_or_init(|| LineIndex::new(data));
    let path = chunk.provenance.path().to_string();
    let rules = matcher.rules();
    cands
        .iter()
        .map(|c| {
            let rule = &rules[c.rule];
            let (ctx_text, ctx_range) = match &c.view {
                Some((text, r)) => (text.as_slice(), r.clone()),
                None => (data, c.range.clone()),
            };
            let ctx = Context {
                text: ctx_text,
                range: &ctx_range,
                path: &path,
                commit_time,
                chunk: data,
                chunk_range: &c.range,
            };
            let mut a = hygiene::assess(rule.spec.decoder, &c.secret, &ctx, policy);
            if let Some(f) = &c.features {
                let named = classify::FEATURE_NAMES.iter().zip(f.iter());
                let mut o: serde_json::Map<String, serde_json::Value> =
                    named.map(|(n, v)| (n.to_string(), (*v).into())).collect();
                o.insert("score".into(), classify::score_of(f).into());
                a.properties
                    .insert("classifier".into(), serde_json::Value::Object(o));
            }
            if let Some(e) = c.encoding {
                a.properties
                    .insert("encoding".into(), serde_json::Value::from(e.as_str()));
            }
            if !c.parts.is_empty() {
                let parts = c
                    .parts
                    .iter()
                    .map(|p| part_json(rules, &path, index, data, p));
                a.properties
                    .insert("parts".into(), serde_json::Value::Array(parts.collect()));
            }
            let location = Location::of_range(&path, index, data, c.range.clone());
            let mut level = hygiene::level_for(rule.spec.level, &a.flags);
            // the decoder's summary is a self-contained sentence naming the token
            let mut message = match &a.summary {
                Some(s) => s.clone(),
                None => format!("{} found", rule.spec.name),
            };
            if has_counting_run(&c.secret) {
                level = crate::finding::Level::Note;
                a.properties
                    .insert("patterned".into(), serde_json::Value::Bool(true));
                message = format!(
                    "{message} (the value holds a counting run such as 1234… or abcd…: likely made up)"
                );
            }
            let mut confidence = c.confidence;
            if checksum_fails(rule, &c.secret) {
                level = crate::finding::Level::Note;
                confidence = Confidence::Low;
                let flag = hygiene::Flag::ChecksumMismatch.as_str().to_string();
                if !a.flags.contains(&flag) {
                    a.flags.push(flag);
                }
                message = format!(
                    "{message} (its checksum does not match: never issued as written, a made-up, altered or truncated value)"
                );
            }
            // a key made to be shipped to clients is not a leak: a note at low confidence,
            // shown with `--min-confidence low` for an audit of what a repository exposes
            if let Some(why) = &rule.spec.public_by_design {
                level = crate::finding::Level::Note;
                confidence = Confidence::Low;
                a.properties
                    .insert("public_by_design".into(), serde_json::Value::Bool(true));
                message = format!("{message} (public by design: {why})");
            }
            let (blob, git) = chunk.provenance.git_facts();
            Finding {
                rule_id: rule.id().to_string(),
                family: rule.family().to_string(),
                level,
                confidence,
                location,
                fingerprint: match chunk.provenance.message() {
                    Some(m) => message_fingerprint(rule.id(), &c.secret, m.kind.as_str()),
                    None => fingerprint(rule.id(), &c.secret),
                },
                secret: c.secret.clone(),
                message,
                hygiene: a.flags,
                properties: a.properties,
                git,
                blob,
            }
        })
        .collect()
}

/// One part of a multi-part credential as the finding's `parts` property: its role, rule,
/// position and redacted preview (never the value).
fn part_json(
    rules: &[Rule],
    path: &str,
    index: &LineIndex,
    data: &[u8],
    p: &Part,
) -> serde_json::Value {
    let at = Location::of_range(path, index, data, p.range.clone());
    serde_json::json!({
        "role": rules[p.rule].role(),
        "rule": rules[p.rule].id(),
        "line": at.start_line,
        "column": at.start_column,
        "end_line": at.end_line,
        "end_column": at.end_column,
        "redacted": crate::finding::redact(&p.secret),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chunk::Provenance;
    use crate::decode::testutil::random;
    use crate::rules::builtin_rules;

    /// How many candidates `text` gives (the regression tests' measure: 0 kept out, 1 kept in).
    fn count_of(m: &Matcher, text: &str) -> usize {
        candidates(m, text.as_bytes()).len()
    }

    /// Each of `texts` gives no candidate.
    fn kept_out(m: &Matcher, texts: &[String]) {
        for text in texts {
            assert_eq!(count_of(m, text), 0, "{text}");
        }
    }

    fn matcher() -> Matcher {
        Matcher::new(builtin_rules().unwrap()).unwrap()
    }

    /// Regression (eval/realworld173 dev, djangorestframework-simplejwt): an HS256 token signed
    /// with a phrase written in the same file (`SIGNING_KEY = "not_secret"`) is a test token; the
    /// same claims signed with a random key written beside them, or with a key not in the file,
    /// are reported.
    #[test]
    fn jwts_signed_with_a_phrase_in_their_file_are_tests() {
        use base64::Engine;
        use hmac::{Hmac, Mac};
        let b64url_encode = |b: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b);
        let m = matcher();
        let h = b64url_encode(br#"{"alg":"HS256","typ":"JWT"}"#);
        let p = b64url_encode(br#"{"token_type":"access","user_id":42,"exp":4102444800}"#);
        let sign = |key: &str| {
            let mut mac = <Hmac<sha2::Sha256> as Mac>::new_from_slice(key.as_bytes()).unwrap();
            mac.update(format!("{h}.{p}").as_bytes());
            format!("{h}.{p}.{}", b64url_encode(&mac.finalize().into_bytes()))
        };
        let file = |key: &str, signed_with: &str| {
            format!(
                "SIGNING_KEY = \"{key}\"\n\ndef test_decode():\n    token = \"{}\"\n",
                sign(signed_with)
            )
        };
        kept_out(
            &m,
            &[
                file("not_secret", "not_secret"),
                file("not very secret in tests", "not very secret in tests"),
                // regression (eval/realworld270 dev, travis-build): the value of a `NAME=VALUE`
                // setting the test configures
                file("MY_ACCESS_KEY=987654321", "987654321"),
            ],
        );
        let random = random(32, 173, b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJ0123456789");
        // a random key is itself reported, and so is the token it signs
        assert_eq!(count_of(&m, &file(&random, &random)), 2);
        assert_eq!(count_of(&m, &file("not_secret", &random)), 1);
    }

    #[test]
    fn escaped_json_values_are_found_at_their_written_place() {
        let m = matcher();
        // JSON writers that escape slashes (PHP json_encode, some .NET/Java serializers)
        let text = r#"{"broker": "amqps:\/\/svc:Vq7#kL2x9Zp4Rt@mq.internal:5671\/prod"}"#;
        let c = candidates(&m, text.as_bytes());
        assert_eq!(c.len(), 1, "{c:?}");
        assert_eq!(c[0].secret, "Vq7#kL2x9Zp4Rt");
        assert_eq!(&text[c[0].range.clone()], "Vq7#kL2x9Zp4Rt");
        assert_eq!(c[0].encoding, Some(Encoding::Escaped));
        // a plain token on an escaped line is reported once, as found in the raw text
        let body = "Zq3Rv8LmWx2TnK9pYb4Hc7Jd1Fg6Sa";
        let tok = format!(
            "ghp_{body}{}",
            crate::codec::base62(crc32fast::hash(body.as_bytes()) as u64, 6)
        );
        let text = format!(r#"{{"t": "{tok}", "u": "https:\/\/x"}}"#);
        let c = candidates(&m, text.as_bytes());
        assert_eq!(c.len(), 1, "{c:?}");
        assert_eq!(c[0].encoding, None);
    }

    /// Regression (eval/realworld103 dev): a quoted protocol prefix that a variable is joined
    /// to (`$token = 'gpgauthv1.3.0|36|' . $uuid`) is not the token; a whole literal is.
    #[test]
    fn a_quoted_prefix_of_a_concatenation_is_not_a_value() {
        let m = matcher();
        let generic = |text: &str| {
            candidates(&m, text.as_bytes())
                .iter()
                .filter(|c| m.rules()[c.rule].spec.id.starts_with("generic."))
                .count()
        };
        for text in [
            "$token = 'gpgauthv1.3.0|36|' . $uuid . '|gpgauthv1.3.0';\n",
            "const token = \"Xk9mQ2vLp7Rt-\" + user.id;\n",
            "local token = 'Xk9mQ2vLp7Rt_' .. name\n",
        ] {
            assert_eq!(generic(text), 0, "{text}");
        }
        for text in [
            "$token = 'Xk9mQ2vLp7Rt4Wz8';\n",
            // the literal does not end in a separator: a value with something appended
            "const token = \"Xk9mQ2vLp7Rt4Wz8\" + suffix;\n",
            // another literal follows (a value split over literals)
            "const token = \"Xk9mQ2vLp7Rt-\" + \"4Wz8Hq\";\n",
        ] {
            assert_eq!(generic(text), 1, "{text}");
        }
        // regression (eval/realworld152 dev): base64 padding is no separator, a method call on
        // the literal no concatenation
        let b64 = random(
            43,
            152,
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
        );
        let text = format!("network.token = \"{b64}=\".to_string();\n");
        assert_eq!(generic(&text), 1, "{text}");
    }

    /// Regression (eval/realworld140 dev, foundry's `cast rpc` help): the word after a usage
    /// line's `<JWT_SECRET>` placeholder is not the secret; an XML element's value is.
    #[test]
    fn the_word_after_a_placeholder_element_is_not_its_value() {
        let m = matcher();
        let secret = random(
            32,
            140,
            b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
        );
        let ids = |text: &str| -> Vec<String> {
            candidates(&m, text.as_bytes())
                .iter()
                .map(|c| m.rules()[c.rule].spec.id.clone())
                .collect()
        };
        for text in [
            "    /// cast rpc --jwt-secret <JWT_SECRET> engine_forkchoiceUpdatedV2\n".to_string(),
            format!("usage: node --jwt-secret <JWT_SECRET> {secret}\n"),
            format!("run --password <DB_PASSWORD> {secret}\n"),
        ] {
            assert_eq!(ids(&text), Vec::<String>::new(), "{text}");
        }
        for text in [
            format!("<jwtSecret>{secret}</jwtSecret>\n"),
            format!("<jwtSecret> {secret} </jwtSecret>\n"),
            format!("<DB_PASSWORD>{secret}</DB_PASSWORD>\n"),
        ] {
            assert_eq!(ids(&text).len(), 1, "{text}");
        }
    }

    /// Regression (eval/realworld151 dev, lnd): a compressed or uncompressed EC public key in
    /// hex under a `…Key` name is not key material; 32 random bytes under the same name are.
    #[test]
    fn ec_public_keys_in_hex_are_not_key_material() {
        let m = matcher();
        let x = random(64, 151, b"0123456789abcdef");
        let y = random(64, 152, b"0123456789abcdef");
        let count = |text: &str| count_of(&m, text);
        kept_out(
            &m,
            &[
                format!("\tinternalKey: \"02{x}\",\n"),
                format!("  \"output_key\": \"03{x}\",\n"),
                format!("NodeKey = \"04{x}{y}\"\n"),
            ],
        );
        assert_eq!(count(&format!("\tinternalKey: \"{x}\",\n")), 1);
        // split over two lines (`"02…" +` / `"…"`), the joined value is the point: lnd's MuSig2
        // tests (eval/realworld151 dev)
        kept_out(
            &m,
            &[format!(
                "\texpectedFinalKey: \"02{}\" +\n\t\t\"{}\",\n",
                &x[..40],
                &x[40..]
            )],
        );
        assert_eq!(
            count(&format!(
                "\trootKey := \"{}\" +\n\t\t\"{}\"\n",
                &x[..40],
                &x[40..]
            )),
            1
        );
        assert!(is_ec_public_key_hex(format!("0x02{x}").as_bytes()));
        assert!(!is_ec_public_key_hex(format!("05{x}").as_bytes()));
    }

    /// Regression (eval/realworld181 dev, npm/cli; realworld183 dev, Jenkins): a registry's
    /// P-256 public key in base64 DER split over `+`-joined literals under `key:`, and a bcrypt
    /// hash behind Jenkins' `#jbcrypt:` tag, are not secrets; random key bytes under the same
    /// names are reported.
    #[test]
    fn der_public_keys_and_tagged_crypt_hashes_are_not_secrets() {
        let m = matcher();
        let mut point = vec![
            0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06,
            0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00, 0x04,
        ];
        point.extend(random(64, 181, b"0123456789abcdef").bytes());
        let spki = crate::codec::b64_encode(&point[..91]);
        let hash = random(53, 183, crate::decode::testutil::ALNUM);
        kept_out(
            &m,
            &[format!(
                "      key: '{}' +\n           '{}',\n",
                &spki[..70],
                &spki[70..]
            )],
        );
        // (the low-confidence password-hash rule still names it)
        let jbcrypt = format!(
            "  static final String JBCRYPT_ENCODED_PASSWORD = \"#jbcrypt:$2a$10${hash}\";\n"
        );
        assert!(shown_rules(&m, &jbcrypt).is_empty(), "{jbcrypt}");
        let key =
            crate::codec::b64_encode(random(64, 182, crate::decode::testutil::ALNUM).as_bytes());
        assert_eq!(count_of(&m, &format!("      key: '{}',\n", &key[..64])), 1);
    }

    /// Regression (eval/realworld165 dev, certbot): an ACME challenge's token is public; a token
    /// without a challenge type near it is judged as usual.
    #[test]
    fn acme_challenge_tokens_are_not_secrets() {
        let m = matcher();
        let t = random(43, 165, crate::decode::testutil::ALNUM);
        let count = |text: &str| count_of(&m, text);
        kept_out(
            &m,
            &[
                format!("    chall=challenges.HTTP01(token=b'{t}')),\n"),
                format!("DNS01 = challenges.DNS01(\n    token=b\"{t}\")\n"),
                format!("{{\"type\": \"http-01\", \"token\": \"{t}\"}}\n"),
                // regression (eval/realworld208 dev): a challenge object written member by member
                format!(
                    "    {{\n      \"type\": \"http-01\",\n      \"url\": \"https://acme.example/chall/x\",\n      \"status\": \"pending\",\n      \"token\": \"{t}\"\n    }}\n"
                ),
            ],
        );
        assert_eq!(count(&format!("client = Client(token=\"{t}\")\n")), 1);
    }

    /// Regression (eval/realworld316 dev): a Cloudflare Web Analytics beacon's token is served
    /// in every page; the same value as a token elsewhere on the line is still judged.
    #[test]
    fn an_analytics_beacon_token_is_not_a_secret() {
        let m = matcher();
        let t = random(32, 316, b"0123456789abcdef");
        kept_out(
            &m,
            &[format!(
                "<!-- Cloudflare Web Analytics --><script defer src='https://static.cloudflareinsights.com/beacon.min.js' data-cf-beacon='{{\"token\": \"{t}\"}}'></script>\n"
            )],
        );
        assert_eq!(
            count_of(
                &m,
                &format!("<script data-api='{{\"token\": \"{t}\"}}'></script>\n")
            ),
            1
        );
    }

    /// Regression (eval/realworld304 dev, iGoat): `csrf token: …` in prose names an
    /// anti-forgery token; `session token: …` beside it and a bare `token: …` are still judged.
    #[test]
    fn a_csrf_token_named_in_prose_is_not_a_secret() {
        let m = matcher();
        let t = random(22, 304, crate::decode::testutil::ALNUM);
        kept_out(
            &m,
            &[
                format!("     2. csrf token: {t}\n"),
                format!("XSRF token: {t}\n"),
            ],
        );
        assert_eq!(count_of(&m, &format!("     1. session token: {t}\n")), 1);
        assert_eq!(count_of(&m, &format!("token: {t}\n")), 1);
        assert_eq!(count_of(&m, &format!("nocsrf token: {t}\n")), 1);
    }

    /// Regression (eval/realworld192 dev, Grafana OnCall): the per-request `token` of a Mailgun
    /// webhook's signature block is not a secret; the same value as a bare `token` is judged as
    /// usual.
    #[test]
    fn a_webhook_signature_token_is_not_a_secret() {
        let m = matcher();
        let t = random(50, 192, b"0123456789abcdef");
        let ts = "1700000000";
        kept_out(
            &m,
            &[
                format!(
                    "    \"signature\": {{\n        \"timestamp\": \"{ts}\",\n        \"token\": \"{t}\",\n        \"signature\": \"{}\",\n    }},\n",
                    random(64, 193, b"0123456789abcdef")
                ),
                format!(
                    "data = {{\"timestamp\": \"{ts}\", \"token\": \"{t}\", \"signature\": sig}}\n"
                ),
                // … with a long payload between the helper and the token
                format!(
                    "raw = mailgun_sign_payload(\n    {{\n{}        \"token\": \"{t}\",\n        \"timestamp\": \"{ts}\",\n    }}\n)\n",
                    "        \"X-Header\": \"value\",\n".repeat(40)
                ),
                // regression (eval/realworld312 dev): a test helper signs the payload
                format!(
                    "        raw_event = mailgun_sign_legacy_payload(\n            {{\n                \"token\": \"{t}\",\n                \"timestamp\": \"{ts}\",\n                \"recipient\": \"test@inbound.example.com\",\n"
                ),
            ],
        );
        assert_eq!(
            count_of(&m, &format!("client = Client(token=\"{t}\")\n")),
            1
        );
        // a timestamp beside it but nothing signed near
        assert_eq!(
            count_of(
                &m,
                &format!(
                    "session = {{\n    \"token\": \"{t}\",\n    \"timestamp\": \"{ts}\",\n}}\n"
                )
            ),
            1
        );
    }

    /// Regression (eval/realworld159 dev): a secret store's path to the secret of the same name
    /// is a reference; a random value under that name is not.
    #[test]
    fn a_path_to_the_secret_of_the_same_name_is_a_reference() {
        let m = matcher();
        let count = |text: &str| count_of(&m, text);
        assert_eq!(count("  DB_PWD: 'tower-wf123/DB_PWD'\n"), 0);
        assert_eq!(count("db_password: \"prod-k8s-7f3a/db_password\"\n"), 0);
        let v = random(20, 159, crate::decode::testutil::ALNUM);
        assert_eq!(count(&format!("  DB_PWD: '{v}'\n")), 1);
        assert_eq!(count(&format!("db_password: \"x/{v}\"\n")), 1);
    }

    /// Regression (eval/realworld259 dev, a migrations checksum file): a file's digest under
    /// the file's name is not a secret, whatever words the name holds; the same hex under a
    /// key file's name or a plain secret name is still a candidate.
    #[test]
    fn a_digest_under_a_file_name_is_not_a_secret() {
        let m = matcher();
        let count = |text: &str| count_of(&m, text);
        let digest = random(64, 259, b"0123456789abcdef");
        assert_eq!(
            count(&format!(
                "  \"0024_api_key_verification.sql\": \"{digest}\",\n"
            )),
            0
        );
        assert_eq!(count(&format!("  \"api_secret.js\": \"{digest}\",\n")), 0);
        assert_eq!(count(&format!("  \"api_secret\": \"{digest}\",\n")), 1);
        assert_eq!(count(&format!("  \"api_secret.key\": \"{digest}\",\n")), 1);
    }

    /// Regression (eval/realworld153 dev, a FHIR example's PDF attachment): a token's prefix
    /// inside standard base64 data (`+` around it) is not a token; the same key between quotes
    /// or after a blank is.
    #[test]
    fn a_token_inside_base64_data_is_not_reported() {
        let m = matcher();
        let key = format!("BSA{}", random(28, 153, crate::decode::testutil::ALNUM));
        let blob = |a: &str, b: &str| {
            format!(
                "\"data\": \"JVBERi0{}{a}{key}{b}{}\"\n",
                random(40, 1, crate::decode::testutil::ALNUM),
                random(40, 2, crate::decode::testutil::ALNUM)
            )
        };
        let count = |text: &str| count_of(&m, text);
        assert_eq!(count(&blob("+", "+")), 0);
        assert_eq!(count(&blob("/", "+")), 0);
        // a short base64 value whose `+` precedes the prefix, ending at its closing quote (a
        // generated 500 MB text of random base64 values held two)
        assert_eq!(count(&format!("v = \"uuGDg5DHB8u+{key}\"\n")), 0);
        assert_eq!(count(&format!("v = \"uuGDg5DHB8u + {key}\"\n")), 1);
        // regression (eval/realworld206 dev, a notebook's inline PNG): `/` on both sides, in a
        // long run of base64 with a `+` near; a URL path's segment stays a token
        let png = format!(
            "\"image/png\": \"iVBORw0{}+{}/{key}/{}\"\n",
            random(60, 3, crate::decode::testutil::ALNUM),
            random(20, 4, crate::decode::testutil::ALNUM),
            random(60, 5, crate::decode::testutil::ALNUM)
        );
        assert_eq!(count(&png), 0);
        assert_eq!(
            count(&format!("GET https://api.example.com/keys/{key}/usage\n")),
            1
        );
        assert_eq!(count(&format!("BRAVE_API_KEY={key}\n")), 1);
        assert_eq!(count(&format!("-H 'X-Subscription-Token: {key}'\n")), 1);
    }

    /// Regression (eval/realworld153 dev, OpenMRS): a password column's hex value beside a salt
    /// (same row, or the next Liquibase column) is the stored salted hash; the same hex under a
    /// password name alone, or beside a `salted` word only, is still a candidate.
    #[test]
    fn hex_beside_a_salt_is_a_stored_hash() {
        let m = matcher();
        let h = random(40, 153, b"0123456789abcdef");
        let salt = random(40, 154, b"0123456789abcdef");
        let count = |text: &str| count_of(&m, text);
        kept_out(
            &m,
            &[
                format!(
                    "<users user_id=\"501\" username=\"bruno\" password=\"{h}\" salt=\"{salt}\" creator=\"1\"/>\n"
                ),
                format!(
                    "  <column name=\"password\" value=\"{h}\"/>\n  <column name=\"salt\" value=\"{salt}\"/>\n"
                ),
                format!("user:\n  password_salt: {salt}\n  password: {h}\n"),
            ],
        );
        for text in [
            format!("DB_PASSWORD={h}\n"),
            format!("# not salted\nDB_PASSWORD={h}\n"),
            // a salt made in code, or a salt beside the secret that is no hex literal
            format!("String token = \"{h}\";\nString salt = encode(randomBytes(32));\n"),
            format!("NODE_SERVICE_SECRET=\"{h}\"\nNODE_SERVICE_SECRET_SALT=\"example.org\"\n"),
        ] {
            assert_eq!(count(&text), 1, "{text}");
        }
    }

    #[test]
    fn aws_key_id_and_secret_are_one_candidate() {
        let m = matcher();
        let id = "AKIAQ3EGTZ5KJDYW7RMA";
        let secret = "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";
        let text =
            format!("[default]\naws_access_key_id = {id}\naws_secret_access_key = {secret}\n");
        let c = candidates(&m, text.as_bytes());
        assert_eq!(c.len(), 1, "{c:?}");
        assert_eq!(m.rules()[c[0].rule].family(), "aws-access-key");
        assert_eq!(c[0].secret, id);
        let covered = &text[c[0].range.clone()];
        assert!(covered.starts_with(id) && covered.ends_with(secret));
        // the secret may come first
        let text = format!("AWS_SECRET_ACCESS_KEY={secret}\nAWS_ACCESS_KEY_ID={id}\n");
        let c = candidates(&m, text.as_bytes());
        assert_eq!(c.len(), 1, "{c:?}");
        assert!(text[c[0].range.clone()].starts_with(secret));
    }

    #[test]
    fn aws_csv_export_pairs_on_the_same_line() {
        let m = matcher();
        let text = "User name,Password,Access key ID,Secret access key\nci,,AKIAQ3EGTZ5KJDYW7RMA,hZ8p+Qw3Lr0vN5bXk2Tj/8yUe1CdGa6FsMi9oWqP\n";
        let c = candidates(&m, text.as_bytes());
        assert_eq!(c.len(), 1, "{c:?}");
        assert!(text[c[0].range.clone()].ends_with("oWqP"));
    }

    #[test]
    fn aws_secret_alone_is_reported_and_far_secrets_are_not_paired() {
        let m = matcher();
        let secret = "hZ8p+Qw3Lr0vN5bXk2Tj/8yUe1CdGa6FsMi9oWqP";
        let c = candidates(&m, format!("aws_secret_access_key = {secret}\n").as_bytes());
        assert_eq!(c.len(), 1);
        assert_eq!(m.rules()[c[0].rule].family(), "aws-secret-key");
        let text = format!(
            "aws_access_key_id = AKIAQ3EGTZ5KJDYW7RMA\n{}aws_secret_access_key = {secret}\n",
            "x = 1\n".repeat(10)
        );
        assert_eq!(candidates(&m, text.as_bytes()).len(), 2);
    }

    #[test]
    fn aws_pairing_window_is_five_lines_each_way() {
        let m = matcher();
        let id = "AKIAQ3EGTZ5KJDYW7RMA";
        let secret = "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";
        let id_line = format!("aws_access_key_id = {id}");
        let secret_line = format!("aws_secret_access_key = {secret}");
        let fill = |n: usize| "x = 1\n".repeat(n);
        for (away, pairs) in [(1, true), (5, true), (6, false)] {
            for end in ["\n", ""] {
                // the secret `away` lines after the key id, then before it
                let after = format!("{id_line}\n{}{secret_line}{end}", fill(away - 1));
                let before = format!("{secret_line}\n{}{id_line}{end}", fill(away - 1));
                for text in [after, before] {
                    let c = candidates(&m, text.as_bytes());
                    assert_eq!(c.len(), if pairs { 1 } else { 2 }, "{away} lines: {c:?}");
                    if pairs {
                        assert_eq!(c[0].secret, id);
                        let covered = &text[c[0].range.clone()];
                        assert!(covered.contains(id) && covered.contains(secret));
                    }
                }
                // in the middle of a longer chunk
                let text = format!(
                    "{}{id_line}\n{}{secret_line}\n{}",
                    fill(7),
                    fill(away - 1),
                    fill(7)
                );
                let n = candidates(&m, text.as_bytes()).len();
                assert_eq!(n, if pairs { 1 } else { 2 }, "{away} lines, mid-chunk");
            }
        }
    }

    #[test]
    fn aws_pairing_takes_the_nearest_secret_and_needs_a_secret_line() {
        let m = matcher();
        let id = "AKIAQ3EGTZ5KJDYW7RMA";
        let near = "hZ8p+Qw3Lr0vN5bXk2Tj/8yUe1CdGa6FsMi9oWqP";
        let far = "Rk3mZ8pQw7Lr0vN5bXk2Tj/8yUe1CdGa6FsMi9oW";
        // nearest by bytes, before or after the id
        let text = format!(
            "aws_secret_access_key = {far}\nx = 1\naws_access_key_id = {id}\naws_secret_access_key = {near}\n"
        );
        let c = candidates(&m, text.as_bytes());
        let paired = c.iter().find(|c| c.secret == id).unwrap();
        assert!(text[paired.range.clone()].ends_with(near), "{c:?}");
        let text = format!(
            "aws_secret_access_key = {near}\naws_access_key_id = {id}\nx = 1\naws_secret_access_key = {far}\n"
        );
        let c = candidates(&m, text.as_bytes());
        let paired = c.iter().find(|c| c.secret == id).unwrap();
        assert!(text[paired.range.clone()].starts_with(near), "{c:?}");
        // equally near on the id's own line: the one before wins
        let text = format!("{near} {id} {far}\n");
        let c = candidates(&m, text.as_bytes());
        assert_eq!(c.len(), 1, "{c:?}");
        assert_eq!(&text[c[0].range.clone()], format!("{near} {id}"));
        // a 40-character value on a line that names no secret is not the key's secret
        let text = format!("aws_access_key_id = {id}\nchecksum = {near}\n");
        let c = candidates(&m, text.as_bytes());
        let paired = c.iter().find(|c| c.secret == id).unwrap();
        assert_eq!(&text[paired.range.clone()], id, "{c:?}");
        // … but one on a line that says SECRET in any case is
        let text = format!("aws_access_key_id = {id}\n# The Secret:\n{near}\n");
        let c = candidates(&m, text.as_bytes());
        let paired = c.iter().find(|c| c.secret == id).unwrap();
        assert_eq!(&text[paired.range.clone()], id, "{c:?}");
        let text = format!("aws_access_key_id = {id}\nmy SeCrEt {near}\n");
        let c = candidates(&m, text.as_bytes());
        let paired = c.iter().find(|c| c.secret == id).unwrap();
        assert!(text[paired.range.clone()].ends_with(near), "{c:?}");
    }

    #[test]
    fn many_aws_key_ids_on_one_line_pair_with_their_neighbours() {
        let m = matcher();
        let ids = [
            "AKIAQ3EGTZ5KJDYW7RMA",
            "AKIAZ7RMAQ3EGTKJDYW5",
            "AKIAKJDYW5Z7RMAQ3EGT",
        ];
        let secrets = [
            "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",
            "Rk3mZ8pQw7Lr0vN5bXk2Tj/8yUe1CdGa6FsMi9oW",
            "bXk2Tj/8yUe1CdGa6FsMi9oWqPhZ8p+Qw3Lr0vN5",
        ];
        let text: String = ids
            .iter()
            .zip(secrets)
            .map(|(i, s)| format!(r#"{{"SecretAccessKey":"{s}","AccessKeyId":"{i}"}},"#))
            .collect();
        let c = candidates(&m, text.as_bytes());
        assert_eq!(c.len(), 3, "{c:?}");
        for ((c, id), s) in c.iter().zip(ids).zip(secrets) {
            assert_eq!(c.secret, id);
            let covered = &text[c.range.clone()];
            assert!(covered.starts_with(s) && covered.ends_with(id), "{covered}");
        }
    }

    /// 40-character `[A-Za-z0-9/+]` runs of `line` passing `aws_secret_ok`, as first written.
    fn aws_secret_values(data: &[u8], line: Range<usize>) -> Vec<Range<usize>> {
        let is_key = |b: u8| b.is_ascii_alphanumeric() || b == b'/' || b == b'+';
        let text = &data[line.clone()];
        let (mut out, mut i) = (Vec::new(), 0);
        while i < text.len() {
            let s = i;
            while i < text.len() && is_key(text[i]) {
                i += 1;
            }
            if i == s {
                i += 1;
            } else if i - s == 40
                && std::str::from_utf8(&text[s..i])
                    .is_ok_and(crate::validate::structure::aws_secret_ok)
            {
                out.push(line.start + s..line.start + i);
            }
        }
        out
    }

    /// The AWS pairing as first written (a ±5-line window lower-cased per key id): the
    /// reference the indexed, rule-driven [`pair_parts`] must agree with.
    fn reference_pair(rules: &[Rule], data: &[u8], cands: &mut [Candidate]) {
        const AWS_PAIR_LINES: usize = 5;
        fn start_before(data: &[u8], pos: usize, n: usize) -> usize {
            let (mut p, mut seen) = (pos, 0);
            while p > 0 {
                if data[p - 1] == b'\n' {
                    seen += 1;
                    if seen > n {
                        return p;
                    }
                }
                p -= 1;
            }
            0
        }
        fn end_after(data: &[u8], pos: usize, n: usize) -> usize {
            let (mut p, mut seen) = (pos, 0);
            while p < data.len() {
                if data[p] == b'\n' {
                    if seen == n {
                        return p;
                    }
                    seen += 1;
                }
                p += 1;
            }
            data.len()
        }
        for c in cands.iter_mut() {
            if c.view.is_some() || rules[c.rule].family() != "aws-access-key" {
                continue;
            }
            let lo = start_before(data, c.range.start, AWS_PAIR_LINES);
            let hi = end_after(data, c.range.end, AWS_PAIR_LINES);
            let dist = |r: &Range<usize>| {
                if r.start >= c.range.end {
                    r.start - c.range.end
                } else {
                    c.range.start.saturating_sub(r.end)
                }
            };
            let mut best: Option<Range<usize>> = None;
            let mut line_start = lo;
            for line in data[lo..hi].split(|&b| b == b'\n') {
                let lower = line.to_ascii_lowercase();
                let on_id_line =
                    line_start <= c.range.start && c.range.start <= line_start + line.len();
                if on_id_line || lower.windows(6).any(|w| w == b"secret") {
                    for r in aws_secret_values(data, line_start..line_start + line.len()) {
                        if !overlaps(&r, &c.range)
                            && best.as_ref().is_none_or(|b| dist(&r) < dist(b))
                        {
                            best = Some(r);
                        }
                    }
                }
                line_start += line.len() + 1;
            }
            if let Some(b) = best {
                c.range = c.range.start.min(b.start)..c.range.end.max(b.end);
            }
        }
    }

    #[test]
    fn aws_pairing_agrees_with_the_per_key_window_reference() {
        let m = matcher();
        let rules = m.rules();
        let ids = [
            "AKIAQ3EGTZ5KJDYW7RMA",
            "ASIAZ7RMAQ3EGTKJDYW5",
            "AKIAKJDYW5Z7RMAQ3EGT",
        ];
        let secrets = [
            "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",
            "Rk3mZ8pQw7Lr0vN5bXk2Tj/8yUe1CdGa6FsMi9oW",
            "bXk2Tj/8yUe1CdGa6FsMi9oWqPhZ8p+Qw3Lr0vN5",
        ];
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        let mut paired = 0;
        for _ in 0..400 {
            let mut text = String::new();
            for _ in 0..next(30) {
                let (id, s) = (ids[next(3)], secrets[next(3)]);
                let line = match next(12) {
                    0 => format!("aws_access_key_id = {id}"),
                    1 => format!("aws_secret_access_key = {s}"),
                    2 => "# SeCrEt follows\r".to_string(),
                    3 => s.to_string(),
                    4 => format!("ci,,{id},{s}"),
                    5 => format!("{s} {id} {s} secret"),
                    6 => format!(
                        r#"{{"AccessKeyId":"{id}","SecretAccessKey":"{s}"}},{{"AccessKeyId":"{id}"}}"#
                    ),
                    7 => format!("{id}/{s}"),
                    8 => format!("key={id} value={s}"),
                    9 => String::new(),
                    _ => "x = 1".to_string(),
                };
                text.push_str(&line);
                text.push('\n');
            }
            if next(2) == 0 {
                text.pop();
            }
            let data = text.as_bytes();
            let mut base: Vec<Candidate> = Vec::new();
            for raw in m.find(data) {
                let secret = String::from_utf8_lossy(&data[raw.secret.clone()]).into_owned();
                if validate(&rules[raw.rule], &secret) == Verdict::Pass {
                    base.push(Candidate {
                        confidence: Confidence::High,
                        features: None,
                        rule: raw.rule,
                        range: raw.secret,
                        secret,
                        view: None,
                        encoding: None,
                        specificity: raw.whole.len(),
                        parts: Vec::new(),
                    });
                }
            }
            let (mut want, mut got) = (base.clone(), base.clone());
            reference_pair(rules, data, &mut want);
            pair_parts(&m, data, &OnceCell::new(), &mut got);
            let ranges = |c: &[Candidate]| c.iter().map(|c| c.range.clone()).collect::<Vec<_>>();
            assert_eq!(ranges(&got), ranges(&want), "{text:?}");
            paired += want
                .iter()
                .zip(&base)
                .filter(|(w, b)| w.range != b.range)
                .count();
        }
        assert!(
            paired > 100,
            "the generated chunks pair too rarely: {paired}"
        );
    }

    /// A secret rule paired with an identifier rule (2 lines) and a secret partner (same line).
    fn paired_matcher() -> Matcher {
        let rules = crate::rules::parse_rules(
            r#"
[[rule]]
id = 't.token'
name = 'token'
description = 'd'
remediation = 'r'
keywords = ['tok_']
regex = '''tok_(?P<secret>[a-f0-9]{12})'''
examples = ['tok_9f3ac71be04d']
pair = [{ with = 't.account-id', lines = 2 }, { with = 't.passphrase', lines = 0 }]

[[rule]]
id = 't.account-id'
name = 'account id'
description = 'd'
remediation = 'r'
keywords = ['acct-']
regex = '''\b(?P<secret>ID[0-9]{6})\b'''
identifier = true
precision = 'low'
examples = ['acct- ID123456']

[[rule]]
id = 't.passphrase'
role = 'pass'
name = 'passphrase'
description = 'd'
remediation = 'r'
keywords = ['pass=']
regex = '''pass=(?P<secret>[A-Z]{10})'''
examples = ['pass=KVXRTZQMWP']
"#,
            "test",
        )
        .unwrap();
        Matcher::new(rules).unwrap()
    }

    #[test]
    fn a_secret_and_its_identifier_nearby_are_one_candidate_at_the_secret() {
        let m = paired_matcher();
        let ids = |c: &[Candidate]| -> Vec<String> {
            c.iter()
                .map(|c| m.rules()[c.rule].id().to_string())
                .collect()
        };
        // the identifier is found by its regex although its keyword is absent
        let text = "account = ID123456\nx = 1\ntoken = tok_9f3ac71be04d\n";
        let c = candidates(&m, text.as_bytes());
        assert_eq!(ids(&c), ["t.token"], "{c:?}");
        assert_eq!(&text[c[0].range.clone()], "9f3ac71be04d");
        let parts: Vec<(&str, &str)> = c[0]
            .parts
            .iter()
            .map(|p| (m.rules()[p.rule].role(), &text[p.range.clone()]))
            .collect();
        assert_eq!(
            parts,
            [
                ("token", &text[c[0].range.clone()]),
                ("account-id", "ID123456")
            ]
        );
        // three lines away: not a part; the identifier alone is a low-confidence candidate
        let text = "acct- ID123456\nx = 1\ny = 2\ntoken = tok_9f3ac71be04d\n";
        let c = candidates(&m, text.as_bytes());
        assert_eq!(ids(&c), ["t.account-id", "t.token"], "{c:?}");
        assert!(c.iter().all(|c| c.parts.is_empty()));
        assert_eq!(c[0].confidence, Confidence::Low);
        // the nearest identifier (on a tie, the one before); others stay on their own
        let text = "acct- ID111111\nacct- ID222222 tok_9f3ac71be04d and ID333333\n";
        let c = candidates(&m, text.as_bytes());
        assert_eq!(
            ids(&c),
            ["t.account-id", "t.token", "t.account-id"],
            "{c:?}"
        );
        assert_eq!(&text[c[1].parts[1].range.clone()], "ID222222");
        // a partner that is a secret itself is a part and still reported on its own
        let text = "tok_9f3ac71be04d pass=KVXRTZQMWP\n";
        let c = candidates(&m, text.as_bytes());
        assert_eq!(ids(&c), ["t.token", "t.passphrase"], "{c:?}");
        assert_eq!(c[0].parts.len(), 2);
        assert_eq!(m.rules()[c[0].parts[1].rule].role(), "pass");
        // … but only on the same line (`lines = 0`)
        let c = candidates(&m, b"tok_9f3ac71be04d\npass=KVXRTZQMWP\n");
        assert!(c.iter().all(|c| c.parts.is_empty()), "{c:?}");
    }

    #[test]
    fn a_paired_finding_lists_its_parts_with_roles_and_redacted_values() {
        let m = paired_matcher();
        let chunk = Chunk {
            data: b"id: ID123456\ntoken: tok_9f3ac71be04d pass=KVXRTZQMWP\n"[..].into(),
            provenance: Provenance::File { path: "p".into() },
        };
        let f = findings(&m, &chunk, &Policy::new(0), None);
        assert_eq!(f.len(), 2, "{f:?}");
        assert_eq!(
            (f[0].rule_id.as_str(), f[0].location.start_line),
            ("t.token", 2)
        );
        let parts = f[0].properties["parts"].as_array().unwrap();
        let roles: Vec<(&str, &str, u64, u64)> = parts
            .iter()
            .map(|p| {
                (
                    p["role"].as_str().unwrap(),
                    p["rule"].as_str().unwrap(),
                    p["line"].as_u64().unwrap(),
                    p["column"].as_u64().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            roles,
            [
                ("token", "t.token", 2, 12),
                ("account-id", "t.account-id", 1, 5),
                ("pass", "t.passphrase", 2, 30)
            ]
        );
        let json = serde_json::to_string(parts).unwrap();
        for secret in ["ID123456", "9f3ac71be04d", "KVXRTZQMWP"] {
            assert!(!json.contains(secret), "{json}");
        }
    }

    /// Every finding of `texts` (one chunk each) as comparable text: rule, place, secret, parts.
    fn all_findings(m: &Matcher, texts: &[String]) -> Vec<String> {
        let mut out: Vec<String> = texts
            .iter()
            .enumerate()
            .flat_map(|(i, t)| {
                let chunk = Chunk {
                    data: t.as_bytes().into(),
                    provenance: Provenance::File {
                        path: format!("t{i}"),
                    },
                };
                findings(m, &chunk, &Policy::new(0), None)
                    .into_iter()
                    .map(|f| {
                        format!(
                            "{:?} {} {} {:?} {} {:?}",
                            f.location,
                            f.rule_id,
                            f.secret,
                            f.level,
                            f.message,
                            f.properties.get("parts")
                        )
                    })
            })
            .collect();
        out.sort();
        out
    }

    #[test]
    fn findings_do_not_depend_on_the_order_rules_are_loaded_in() {
        let rules = builtin_rules().unwrap();
        // every rule's examples, alone and all of one rule file in one chunk (where the
        // matches of rules from different files overlap)
        let mut texts: Vec<String> = rules
            .iter()
            .flat_map(|r| r.spec.examples.iter().chain(&r.spec.negative_examples))
            .cloned()
            .collect();
        let mut by_file: std::collections::BTreeMap<&str, String> = Default::default();
        for r in &rules {
            let t = by_file.entry(&r.source).or_default();
            for e in &r.spec.examples {
                t.push_str(e);
                t.push('\n');
            }
        }
        texts.extend(by_file.into_values());
        let want = all_findings(&Matcher::new(rules.clone()).unwrap(), &texts);
        assert!(want.len() > rules.len(), "{}", want.len());
        // the files in reverse name order, and the rules of each file shuffled
        let mut reversed = rules.clone();
        reversed.reverse();
        let mut seed: u64 = 0x853c_49e6_748f_ea9b;
        let mut shuffled = rules.clone();
        for i in (1..shuffled.len()).rev() {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            shuffled.swap(i, (seed % (i as u64 + 1)) as usize);
        }
        for order in [reversed, shuffled] {
            let got = all_findings(&Matcher::new(order).unwrap(), &texts);
            let diff: Vec<_> = got.iter().filter(|g| !want.contains(g)).collect();
            assert_eq!(got.len(), want.len(), "{diff:?}");
            assert!(diff.is_empty(), "{diff:?}");
        }
    }

    /// The confidence of the one generic candidate of `text`, if any.
    fn generic_confidence(m: &Matcher, text: &str) -> Option<Confidence> {
        let c: Vec<_> = candidates(m, text.as_bytes())
            .into_iter()
            .filter(|c| m.rules()[c.rule].id().starts_with("generic."))
            .collect();
        assert!(c.len() <= 1, "{text}: {c:?}");
        c.first().map(|c| c.confidence)
    }

    #[test]
    fn generic_values_that_are_not_secrets_are_not_reported_by_default() {
        let m = matcher();
        let hex40 = random(40, 11, b"0123456789abcdef");
        let uuid = "7602774b-0273-462e-adaa-0d0bb372d2f1";
        for text in [
            // a secret word inside another word, a package pin as the value
            "py3.9-langchain-notiktoken-v0.1.20: langchain==0.1.20".to_string(),
            // references to a secret, redaction markers, ciphertexts
            "azureCredentialSecret: cattle-global-data:cc-kq7zt".to_string(),
            "GET /api?token=%5BFiltered%5D HTTP/1.1".to_string(),
            "token=[Filtered]".to_string(),
            "password: ENC[AES256_GCM,data:Zk3Rq8Lm,iv:Vx2TnW9p,type:str]".to_string(),
            "secret: vault:v1:Zk3Rq8LmVx2TnW9pQx7mP2vL".to_string(),
            "password: $ANSIBLE_VAULT;1.1;AES256".to_string(),
            // code as the value
            "passwordHashAnnotation: pbkdf2sha3512Hash,".to_string(),
            "token := v1Prefix + suffix".to_string(),
            "token.TTLMillis = *input.TTL".to_string(),
            "secretYaml := `apiVersion: v1".to_string(),
            // timestamps, published test keys, obvious test passwords
            "passwordMtime: 2019-03-01T12:00:00Z".to_string(),
            "RECAPTCHA_SECRET_KEY=6LeIxAcTAAAAAGG-vFI1TnRWxMZNFuojJ4WifJWe".to_string(),
            "password: 0ld_p455w0rd".to_string(),
            "password = user1:pass1".to_string(),
            "password: pa$$w0rd9X".to_string(),
            "password: new_user123".to_string(),
            "id_token: aBigStringOfRandomChars".to_string(),
            // the algorithm a token is signed with; the textbook example UUID
            "fclient.AccessTokenSignedResponseAlg = oidc.SigningAlgRSAUsingSHA256".to_string(),
            "{\"key\": \"k1\", \"secret\": \"123e4567-e89b-12d3-a456-426614174000\"}".to_string(),
            // RFC 6749's example token, a truncated copy of SHA-256("") as a token
            "\"access_token\":\"2YotnFZFEjr1zCsicMWpAA\",".to_string(),
            // RFC 6749's Basic client example, Twitter's OAuth 1.0a docs example secret
            "Authorization: Basic czZCaGRSa3F0MzpnWDFmQmF0M2JW".to_string(),
            "&oauth_token_secret=2EEfA6BG5ly3sR3XjE0IBSnlQu4ZrUzPiYTmrkVU".to_string(),
            "AccessToken:   \"e3b0c44298fc1c149afbf4c8996fb\",".to_string(),
            // an access key beside its secret key is the S3-style key id
            format!(
                "access_key: {hex32}\nsecret_key:\n  from_secret: s3_secret",
                hex32 = random(32, 45, b"0123456789abcdef")
            ),
            format!(
                "{{Name:store AccessKey:{} SecretKey:removed BlockSize:4096}}",
                random(20, 46, b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
            ),
            // a password encoder's output (PBKDF2 in hex, in base64) named an encoded password
            format!("String encodedPassword = \"{}\";", random(80, 50, b"0123456789abcdef")),
            "String encodedPassword = \"3FOwOMcDgxP+z1x/sv184LFY2WVD+ZGMgYP3LPOSmCcDmk1XPYvcCQ==\";".to_string(),
            // the bare `key` of a public key's record (GitHub's Actions-secrets public key)
            format!(
                "GET /repos/o/r/actions/secrets/public-key\n200\n{{\"key_id\": \"5682501672\", \"key\": \"{}=\"}}",
                random(
                    43,
                    48,
                    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
                )
            ),
            format!(
                "'PublicKey(key_id=\"5682501672\", key=\"{}=\")'",
                random(
                    43,
                    49,
                    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
                )
            ),
            // the Standard Webhooks test vector's secret, MinIO's public playground key, a
            // native app's published client secret, Consul's docs bootstrap secret
            "local SECRET = \"MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\"".to_string(),
            "flag.StringVar(&secretKey, \"secret-key\", \"zuf+tfteSlswRu7BJ86wekitnifILbZam1KYY3TG\", \"S3 Secret Key\")".to_string(),
            "client_secret: 'UBntmLjC2yYCeHwsyj73Uwo9TAaecAetRwMw0xYcvNL9yRdLSUi0hUAHfvCHFeFh'".to_string(),
            "{\"BootstrapSecret\": \"2b778dd9-f5f1-6f29-b4b4-9a5fa948757a\"}".to_string(),
            // docs dummies typed as counting runs
            "\"token\": \"tok_abc123\",".to_string(),
            "\"token\": \"tok_xyz789\",".to_string(),
            // DigitalOcean's OAuth docs response
            "\"refresh_token\": \"00a3aae641658d\",".to_string(),
            // RFC 8555's example challenge token, GitLab's API docs' example deploy token
            "token = \"evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA\"".to_string(),
            "\"token\": \"jMRvtPNxrn3crTAGukpZ\",".to_string(),
            // the WebSocket handshake's nonce
            format!(
                "Sec-WebSocket-Key: {}==",
                random(
                    22,
                    44,
                    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
                )
            ),
            // hex named as a digest or an identifier, a UUID naming a token
            format!("token_hash = {hex40}"),
            format!("secret_checksum: {hex40}"),
            format!(
                "AccessKeyId: {}",
                random(20, 12, b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
            ),
            format!("deviceToken: '{hex40}'"),
            format!("ClientRequestToken: {uuid}"),
            format!("lifecycle_action_token: {uuid}"),
            // Docker's `SecretID` names a secret object; an AWS secret name holding no AWS
            // secret's shape; a public client key in a bundle's one long line
            format!(
                "SecretID: \"{}\"",
                random(25, 41, b"abcdefghijklmnopqrstuvwxyz0123456789")
            ),
            format!(
                "export AWS_SECRET_ACCESS_KEY={}",
                random(42, 42, b"0123456789abcdef")
            ),
            format!(
                "{}var c={{appId:\"X\",apiKey:\"{}\"}};",
                "x;".repeat(600),
                random(32, 43, b"0123456789abcdef")
            ),
            // a URL query's parameter that is a sentence
            "?Action=Login&LDAPPassword=can+youreadthis%3F&Version=2011-06-15".to_string(),
        ] {
            let c = generic_confidence(&m, &text);
            assert!(
                c.is_none_or(|c| c < Confidence::DEFAULT_MIN),
                "{text}: {c:?}"
            );
        }
    }

    /// The rules of the candidates in `text` that the default confidence shows.
    fn shown_rules(m: &Matcher, text: &str) -> Vec<String> {
        candidates(m, text.as_bytes())
            .into_iter()
            .filter(|c| c.confidence >= Confidence::DEFAULT_MIN)
            .map(|c| m.rules()[c.rule].id().to_string())
            .collect()
    }

    /// A published value that people deploy as it is stays a finding: the kubeadm configuration
    /// reference's bootstrap token, copied into a cluster's config, lets anyone join nodes.
    #[test]
    fn the_kubeadm_reference_bootstrap_token_is_reported() {
        let m = matcher();
        // joined at run time, so that the repository's own scan does not report it
        let text = format!(
            "bootstrapTokens:\n- token: \"{}.{}\"\n  ttl: \"24h\"\n",
            "783bde", "3f89s0fje9f38fhf"
        );
        assert_eq!(
            shown_rules(&m, &text),
            ["kubernetes.kubeadm-bootstrap-token"],
            "{text}"
        );
    }

    /// Values from the dev parts of eval/realworld16 to 21 that no rule should report at the
    /// default confidence (each a regression: reported before).
    #[test]
    fn non_secrets_of_realworld_sets_16_to_21_are_not_reported_by_default() {
        let m = matcher();
        let alnum = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        let hex = b"0123456789abcdef";
        for text in [
            // Yarn Berry lockfile entries: a package spec, not a token
            "  dependencies:\n    \"@csstools/css-tokenizer\": \"npm:^3.0.4\"".to_string(),
            "    registry-auth-token: \"npm:^5.0.1\"".to_string(),
            "    \"auth-token\": \"npm:@scope/auth-token@^1.2.3\"".to_string(),
            // the public npm-search key bundled in Yarn's releases
            "g3={appId:\"OFCNCOG2CU\",apiKey:\"6fe4476ee5a1832882e326b506d14126\",indexName:\"npm-search\"}"
                .to_string(),
            // a function being called, not a value
            "\ttoken := jwt.NewWithClaims(signingMethod, claims)\n\ttoken.Header = map[string]interface{}{\n\t\t\"alg\": signingMethod.Alg(),\n\t\tthumbprintKey: base64.StdEncoding.EncodeToString(thumbprint(c.Cert, alg)),"
                .to_string(),
            "jwtSecret := base32.StdEncoding.EncodeToString(securecookie.GenerateRandomKey(32))"
                .to_string(),
            // said to be fake in the value itself
            format!(
                "variable \"user_password\" {{\n  description = \"redis instance password\"\n  default     = \"{}faked\"\n}}",
                random(18, 61, alnum)
            ),
            // a reference to a secret: an AWS Secrets Manager ARN
            "\"valueFrom\": \"arn:aws:secretsmanager:eu-west-2:123456789012:secret:GITHUB_PEM-Bf0aQl\""
                .to_string(),
            // identifiers: a unique key, a client-side environment key
            format!("\"unique_key\": \"{}\",", random(40, 62, hex)),
            format!("  \"unique_token\": \"{}\",", random(10, 63, alnum)),
            format!(
                "curl -H \"X-Environment-Key: {}\" https://edge.api.flagsmith.com/api/v1/flags/",
                random(22, 64, alnum)
            ),
            // a row of an SQL INSERT: the method name `password` and the next column
            "INSERT INTO methods (id, method, request_id, config) VALUES ('9944614a-8f43-421d-aa7d-f051391e463f', 'password', '3a9ea34f-0f12-469b-9417-3ae5795a7baa', '{}');".to_string(),
            format!("INSERT INTO flows (id, csrf_token, active_method) VALUES ('9944614a-8f43-421d-aa7d-f051391e463f',\n'password', '{}',\n'x');", random(88, 68, alnum)),
            // a field of a variable passed on in a Go struct literal
            "\t\t\tCredentialsConfig:   credsOIDC2FA.Config,".to_string(),
            // a proof made from a secret, a parameter's name
            format!("Issuer: \"https://graph.facebook.com/me?fields=id,email&appsecret_proof={}\",", random(64, 67, hex)),
            "PasswordParam: \"medialive-pwd-9x!Q\",".to_string(),
            // a PEM block whose body is base64 of a sentence
            format!(
                "-----BEGIN RSA PRIVATE KEY-----\n{}\n-----END RSA PRIVATE KEY-----",
                crate::codec::b64_encode(b"these are just some fake intermediate CA key bytes, not a key at all")
            ),
            // an id of a token; an analytics source's write key
            format!("          tokenIdShort: '{}',", random(12, 65, hex)),
            format!("const WRITE_KEY = '{}';", random(32, 66, alnum)),
            // RFC 5849's, the bearer drafts' and OpenID Connect Core's examples
            "            oauth_token=\"ad180jjd733klru7\",".to_string(),
            "    token = 'vF9dft4qmT'".to_string(),
            "self.token[\"access_token\"] = \"Qcb0Orv1zh30vL1MPRsbm-diHiMwcLyZvn1arpZv-Jxf_11jnpEX3Tgfvk\""
                .to_string(),
        ] {
            let shown = shown_rules(&m, &text);
            assert!(shown.is_empty(), "{text}: {shown:?}");
        }
    }

    /// Values from the dev parts of eval/realworld22 to 25 that no rule should report at the
    /// default confidence (each a regression: reported before).
    #[test]
    fn non_secrets_of_realworld_sets_22_to_25_are_not_reported_by_default() {
        let m = matcher();
        let sig = random(
            43,
            70,
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-",
        );
        for text in [
            // Crowdin's marker of an untranslated string in a localisation file
            "    'two_factor_secret' => 'crwdns1777:0crwdne1777:0',".to_string(),
            // a batch `for` field selector in an MSBuild command, its quotes written as entities
            "<Exec Command=\"for /F &quot;usebackq tokens=1,2,*&quot; %%h in (`reg query x`) do (\" />"
                .to_string(),
            // OpenID Connect Core's example access token, Apache mod_ssl's FakeBasicAuth password
            "            AccessToken = \"SlAV32hkKG\",".to_string(),
            "#   file needs this password: `xxj31ZMTZzkVA'.".to_string(),
            // the JWT secret JHipster's generator writes into every generated app's tests
            "        \"jhipster.security.authentication.jwt.base64-secret=fd54a45s65fds737b9aafcb3412e07ed99b267f33413274720ddbb7f6c5e64e9f14075f2d7ed041592f0b7657baf8\",".to_string(),
            // base64 of a sentence saying it is to be changed
            format!(
                "    \"jwtSecretKey\": \"{}\",",
                crate::codec::b64_encode(b"my-secret-key-which-should-be-changed-in-production-and-be-base64-encoded")
            ),
            // the Supabase CLI's demo service_role key (a random signature would be reported)
            format!(
                "SERVICE_KEY={}.{}.{}",
                "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9",
                "eyJpc3MiOiJzdXBhYmFzZS1kZW1vIiwicm9sZSI6InNlcnZpY2Vfcm9sZSIsImV4cCI6MTk4MzgxMjk5Nn0",
                "EGIM96RAZx35lJzdJsyH-qQwv8Hdp7fsn3W0YpN81IU"
            ),
            // Laravel's old .env.example default key
            "APP_KEY=SomeRandomStringOf32CharsExactly".to_string(),
            // RFC 8037's example Ed25519 key
            "{\"kty\": \"OKP\", \"crv\": \"Ed25519\", \"d\": \"nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A\", \"x\": \"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo\"}".to_string(),
        ] {
            let shown = shown_rules(&m, &text);
            assert!(shown.is_empty(), "{text}: {shown:?}");
        }
        // the same Supabase claims with a signature nobody published are a token
        let text = format!(
            "SERVICE_KEY={}.{}.{sig}",
            "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9",
            "eyJpc3MiOiJzdXBhYmFzZS1kZW1vIiwicm9sZSI6InNlcnZpY2Vfcm9sZSIsImV4cCI6MTk4MzgxMjk5Nn0"
        );
        assert_eq!(shown_rules(&m, &text), ["jwt.token"]);
    }

    /// Values from the dev parts of eval/realworld26 to 31 that no rule should report at the
    /// default confidence (each a regression: reported before).
    #[test]
    fn non_secrets_of_realworld_sets_26_to_31_are_not_reported_by_default() {
        let m = matcher();
        for text in [
            // a self-describing password on a sqlcmd command line
            "      test: /opt/mssql-tools/bin/sqlcmd -S localhost -U sa -P 'ReallyStrongPwd1234%^&*' -Q 'SELECT 1'".to_string(),
            // a hand-made JWT whose signature is base64 of the word "signature"
            format!("const FAKE_ACCESS_TOKEN: &str = \"{}.{}.{}\";", "eyJ0eXAiOiJKV1QifQ", "eyJhdWQiOiJkYiJ9", "c2lnbmF0dXJl"),
            // Stripe's docs sample keys, Slack's docs examples
            format!("STRIPE_SECRET_KEY={}_test_26PHem9AhJZvU623DfE1x4sd", "sk"),
            format!("EXPO_PUBLIC_STRIPE_PUBLISHABLE_KEY={}_test_qblFNYngBkEdjEZ16jxxoWSM", "pk"),
            "    const signingSecret = '8f742231b10e8888abcd99yyyzzz85a5';".to_string(),
            "    token: 'Jhj5dZrVaK7ZwHHjRyZWjbDl',".to_string(),
            // a SAS query string whose signature is one letter (set 30), German UI labels (set 29)
            "\t\tSasToken: \"?sv=2023-01-01&sig=x\",".to_string(),
            "      edit_api_key: API-Schlüssel bearbeiten".to_string(),
            "        oidc_api_key_role: OIDC-API-Schlüsselrolle".to_string(),
        ] {
            let shown = shown_rules(&m, &text);
            assert!(shown.is_empty(), "{text}: {shown:?}");
        }
    }

    /// Non-secrets of the dev parts of sets 32 to 37: an SSH public key body under `"key"`, a
    /// hand-made JWT whose 8-character signature no HS256 key makes, a bootstrap token spelled
    /// from `foo` and `secret`, NATS's documentation seeds, a call cut short by a value's end.
    #[test]
    fn non_secrets_of_realworld_sets_32_to_37_are_not_reported_by_default() {
        let m = matcher();
        let mut ssh = vec![0, 0, 0, 11];
        ssh.extend_from_slice(b"ssh-ed25519");
        ssh.extend_from_slice(&[0, 0, 0, 32]);
        ssh.extend((0..32u8).map(|i| i.wrapping_mul(97).wrapping_add(13)));
        use base64::Engine as _;
        let b64url = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let header = b64url.encode(br#"{"alg":"HS256"}"#);
        let claims = b64url.encode(br#"{"sub":"admin"}"#);
        for text in [
            format!("      \"key\": \"{}\"", crate::codec::b64_encode(&ssh)),
            format!("\ttoken := \"{header}.{claims}.c2lnX-X_1\""),
            "\t\t\ttoken: \"foo0id.foo0secret0foofo\",".to_string(),
            "// seed = \"SUAKYRHVIOREXV7EUZTBHUHL7NUMHPMAS7QMDU3GTIUWEI5LDNOXD43IZY\"".to_string(),
            "    response = client.post(url, json=dict(credential=json.dumps(REG_DATA1)))"
                .to_string(),
        ] {
            let shown = shown_rules(&m, &text);
            assert!(shown.is_empty(), "{text}: {shown:?}");
        }
    }

    /// Regression (eval/realworld35 dev): a provider-keyed rule keyed by `auth` inside `OAUTH`
    /// took the OAuth client ID for the provider's API key; the key under its own name stays.
    #[test]
    fn a_provider_keyed_match_under_a_client_or_app_id_name_is_not_a_secret() {
        let m = matcher();
        let h = |n, seed| random(n, seed, b"0123456789abcdef");
        let uuid = format!(
            "{}-{}-4{}-a{}-{}",
            h(8, 1),
            h(4, 2),
            h(3, 3),
            h(3, 4),
            h(12, 5)
        );
        assert!(shown_rules(&m, &format!("HEROKU_OAUTH_ID={uuid}")).is_empty());
        assert_eq!(
            shown_rules(&m, &format!("HEROKU_API_KEY={uuid}")),
            ["heroku.api-key"]
        );
    }

    /// Credentials of the dev parts of sets 30 and 35 that no rule reported: generated
    /// passwords with brackets, NKey seeds of any type (a checksum-valid seed is reported
    /// wherever it is, also after a JSON-escaped line break).
    #[test]
    fn generated_passwords_and_nkey_seeds_are_reported() {
        let m = matcher();
        let mut seeds = Vec::new();
        for (n, public) in [(20u8 << 3), 0, 14 << 3, 23 << 3].into_iter().enumerate() {
            let mut raw = vec![(18 << 3) | (public >> 5), (public & 31) << 3];
            let mut x = 0x9E37_79B9_7F4A_7C15u64 ^ n as u64;
            raw.extend((0..32).map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                (x >> 24) as u8
            }));
            let crc = {
                let mut c: u16 = 0;
                for &b in &raw {
                    c ^= (b as u16) << 8;
                    for _ in 0..8 {
                        c = if c & 0x8000 != 0 {
                            (c << 1) ^ 0x1021
                        } else {
                            c << 1
                        };
                    }
                }
                c
            };
            raw.extend_from_slice(&crc.to_le_bytes());
            seeds.push(base32_encode(&raw));
        }
        for seed in &seeds {
            for text in [
                format!("\tseed := []byte(\"{seed}\")"),
                format!(
                    "body: '{{\"creds\":\"-----BEGIN USER NKEY SEED-----\\n{seed}\\n------END USER NKEY SEED------\"}}'"
                ),
            ] {
                assert_eq!(shown_rules(&m, &text), ["nats.nkey-seed"], "{text}");
            }
            // one character changed: never issued, a note shown only at low confidence
            let c = if &seed[20..21] == "Q" { "R" } else { "Q" };
            let altered = format!("seed: {}{c}{}", &seed[..20], &seed[21..]);
            let found = candidates(&m, altered.as_bytes());
            assert!(!found.is_empty(), "{altered}");
            assert!(
                found
                    .iter()
                    .all(|c| checksum_fails(&m.rules()[c.rule], &c.secret)),
                "{altered}"
            );
        }
        let pw = format!(
            "{}*[@{}{}~{}-{}",
            random(3, 12, b"aBcDeFgHjK"),
            random(1, 13, b"23456789"),
            random(2, 14, b"mNpQrStUv"),
            random(1, 15, b"WxYz"),
            random(2, 16, b"aBcDeF")
        );
        assert_eq!(
            shown_rules(&m, &format!("  \"Password\": \"{pw}\",")),
            ["generic.password-assignment"]
        );
    }

    /// RFC 4648 base32 without padding (test helper).
    fn base32_encode(data: &[u8]) -> String {
        const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        let (mut out, mut acc, mut bits) = (String::new(), 0u32, 0u32);
        for &b in data {
            acc = (acc << 8) | b as u32;
            bits += 8;
            while bits >= 5 {
                bits -= 5;
                out.push(A[((acc >> bits) & 31) as usize] as char);
            }
        }
        if bits > 0 {
            out.push(A[((acc << (5 - bits)) & 31) as usize] as char);
        }
        out
    }

    /// The API key of a Firebase app configuration file is public by design: a note saying so,
    /// not the error of a Google API key found elsewhere.
    #[test]
    fn a_firebase_app_config_key_is_a_public_by_design_note() {
        let m = matcher();
        let key = format!(
            "AIza{}",
            random(
                35,
                74,
                b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"
            )
        );
        for text in [
            format!("\t<key>API_KEY</key>\n\t<string>{key}</string>\n\t<key>GCM_SENDER_ID</key>"),
            format!(
                "      \"api_key\": [\n        {{\n          \"current_key\": \"{key}\"\n        }}\n      ],"
            ),
            // regression (eval/realworld59 and 72 dev): the string resource the google-services
            // Gradle plugin generates from google-services.json
            format!("<string name=\"google_api_key\" translatable=\"false\">{key}</string>"),
        ] {
            assert_eq!(
                shown_rules(&m, &text),
                ["firebase.mobile-config-api-key"],
                "{text}"
            );
        }
        assert_eq!(
            shown_rules(&m, &format!("MAPS_KEY={key}")),
            ["google.api-key"]
        );
    }

    /// A private key as base64 of its DER bytes, without PEM armour (eval/realworld31 dev: SAML
    /// keys in Go tests and env files): found by the DER structure, and a PEM block written on
    /// one line by the PEM rule; a truncated copy or one line of a PEM body is not.
    #[test]
    fn a_base64_der_private_key_is_reported_whole_only() {
        let m = matcher();
        // a PKCS#1-shaped structure: SEQUENCE { INTEGER 0, INTEGER (2048-bit) … }, random bytes
        let body_len = 8 + 1180;
        let mut der = vec![0x30, 0x82, (body_len >> 8) as u8, body_len as u8];
        der.extend_from_slice(&[0x02, 0x01, 0x00, 0x02, 0x82, 0x01, 0x01, 0x00]);
        der.extend(random(1180, 75, b"0123456789abcdef").bytes());
        let b64 = crate::codec::b64_encode(&der);
        let text = format!("GOTRUE_SAML_PRIVATE_KEY=\"{b64}\"");
        assert_eq!(shown_rules(&m, &text), ["private-key.der-base64"], "{text}");
        // a PEM block on one line is a PEM key: its body lies between the armour on that line
        let text = format!("-----BEGIN RSA PRIVATE KEY-----{b64}-----END RSA PRIVATE KEY-----");
        assert_eq!(shown_rules(&m, &text), ["private-key.pem"], "{text}");
        let truncated = format!("GOTRUE_SAML_PRIVATE_KEY=\"{}\"", &b64[..400]);
        assert!(!shown_rules(&m, &truncated).contains(&"private-key.der-base64".to_string()));
        let line = format!(
            "\"key\": \"-----BEGIN RSA PRIVATE KEY-----\\n{}\\n",
            &b64[..64]
        );
        assert!(shown_rules(&m, &line).is_empty(), "{line}");
    }

    /// A JWK's private member is found in either order of its members (`d` sorts before `kty`
    /// in an alphabetical dump), and the finding is the member's value, not the whole object.
    #[test]
    fn a_private_jwk_is_reported_at_its_d_member_in_either_member_order() {
        let m = matcher();
        let b64url = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";
        let d = random(342, 71, b64url);
        let n = random(342, 72, b64url);
        for text in [
            format!(
                "{{\n  \"kty\": \"RSA\",\n  \"n\": \"{n}\",\n  \"e\": \"AQAB\",\n  \"d\": \"{d}\"\n}}"
            ),
            format!(
                "{{\n  \"alg\": \"RS256\",\n  \"d\": \"{d}\",\n  \"e\": \"AQAB\",\n  \"kid\": \"k1\",\n  \"kty\": \"RSA\",\n  \"n\": \"{n}\"\n}}"
            ),
        ] {
            let found: Vec<_> = candidates(&m, text.as_bytes())
                .into_iter()
                .filter(|c| c.confidence >= Confidence::DEFAULT_MIN)
                .map(|c| (m.rules()[c.rule].id().to_string(), c.secret))
                .collect();
            assert_eq!(
                found,
                [("jwk.private-key".to_string(), d.clone())],
                "{text}"
            );
        }
        // the public half alone is no finding
        let public = format!("{{\"kty\": \"RSA\", \"n\": \"{n}\", \"e\": \"AQAB\"}}");
        assert!(shown_rules(&m, &public).is_empty());
    }

    /// A UUID under a bare `token` name is a token (Consul ACL tokens, Splunk HEC tokens, webhook
    /// tokens in eval/realworld8, 9, 24 and 30's dev parts); under a longer name that says what
    /// else it is (`ClientRequestToken`) it stays an identifier.
    #[test]
    fn a_uuid_under_a_bare_token_name_is_reported() {
        let m = matcher();
        let uuid = "5f0c2e1a-9b7d-4c3e-8a61-2d4f7b9e0c13";
        for text in [
            format!("\ttoken := \"{uuid}\""),
            format!("  \"Token\": \"{}\",", uuid.to_ascii_uppercase()),
            format!("local TOKEN = \"{uuid}\""),
        ] {
            assert_eq!(
                shown_rules(&m, &text),
                ["generic.password-assignment"],
                "{text}"
            );
        }
        assert!(shown_rules(&m, &format!("ClientRequestToken: {uuid}")).is_empty());
    }

    /// Regression (eval/realworld207 dev part): a literal alone on the line after `NAME =` (a
    /// formatter's break of a long assignment) is the name's value; after a comparison it is
    /// not.
    #[test]
    fn a_value_on_the_line_after_its_assignment_is_read() {
        let m = matcher();
        let key = random(64, 207, b"0123456789abcdef");
        let broken = format!("const ENCRYPTION_KEY =\n  '{key}';\n");
        assert_eq!(
            shown_rules(&m, &broken),
            ["generic.key-material-assignment"]
        );
        let compared = format!("if ENCRYPTION_KEY ==\n  '{key}':\n");
        assert!(shown_rules(&m, &compared).is_empty());
    }

    /// Regression (eval/realworld63 dev part): a Tencent SecretId as the `q-ak` of a COS request
    /// signature is shown only at low confidence; the same id in an assignment is reported.
    #[test]
    fn a_secret_id_in_a_cos_signature_is_low_confidence() {
        let m = matcher();
        let id = format!("AKID{}", random(32, 63, crate::decode::testutil::ALNUM));
        let url = format!(
            "https://b.cos.ap-nanjing.myqcloud.com/f.csv?sign=q-sign-algorithm%3Dsha1%26q-ak%3D{id}%26q-sign-time%3D1617000000"
        );
        assert!(shown_rules(&m, &url).is_empty());
        assert_eq!(
            shown_rules(&m, &format!("TENCENTCLOUD_SECRET_ID={id}")),
            ["tencent.secret-id"]
        );
    }

    /// Regression (eval/realworld210 dev part): a client secret in a form-encoded body (a
    /// recorded OAuth token request) is not a link's query parameter; in a URL's query it stays
    /// below the default confidence.
    #[test]
    fn a_client_secret_in_a_form_body_is_reported() {
        let m = matcher();
        let secret = random(
            32,
            233,
            b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOP0123456789",
        );
        let form = format!(
            "    body: client_id=testid&client_secret={secret}&grant_type=authorization_code&code=1"
        );
        assert_eq!(shown_rules(&m, &form), ["generic.password-assignment"]);
        // regression (eval/realworld268 dev, Mastodon.py's recorded requests): after a dummy
        // password earlier in the body, with or without a value of its own
        for before in [
            "password=swordfish&",
            "password=&",
            "grant_type=password&password=x&",
        ] {
            let form =
                format!("    body: {before}client_id=testid&client_secret={secret}&scope=read");
            assert_eq!(
                shown_rules(&m, &form),
                ["generic.password-assignment"],
                "{form}"
            );
        }
        let link = format!("https://example.org/cb?client_id=testid&client_secret={secret}&x=1");
        assert!(shown_rules(&m, &link).is_empty());
    }

    /// Regression (eval/realworld201 dev part): a token followed right away by an ellipsis is
    /// the start of one, shown cut short (`"ya29.a0AfB…..."` in a sample's comment); the same
    /// token whole is reported.
    #[test]
    fn a_value_cut_short_by_an_ellipsis_is_not_reported() {
        let m = matcher();
        let token = format!(
            "ya29.{}",
            random(
                120,
                231,
                b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOP0123456789_-"
            )
        );
        let whole = format!("# BEARER_TOKEN = \"{token}\"");
        assert_eq!(shown_rules(&m, &whole), ["google.oauth-access-token"]);
        for cut in [
            format!("# BEARER_TOKEN = \"{}...\"", &token[..26]),
            format!("token: {}\u{2026}", &token[..40]),
        ] {
            assert!(shown_rules(&m, &cut).is_empty(), "{cut}");
        }
    }

    /// A quoted value that a decoded base64 line ends in before its closing quote is cut short
    /// (one line of a block wrapped at 76 columns, decoded alone: eval/realworld117's dev part,
    /// recorded traces); the same value with its closing quote is reported.
    #[test]
    fn a_value_cut_short_by_a_decoded_lines_end_is_not_reported() {
        let m = matcher();
        let hex = random(32, 117, b"0123456789abcdef");
        let b64 = |t: &str| crate::codec::b64_encode(t.as_bytes());
        let cut = format!("Researcher\", \"encryption_key\": \"{}", &hex[..29]);
        assert!(shown_rules(&m, &format!("      {}", b64(&cut))).is_empty());
        let whole = format!("Researcher\", \"encryption_key\": \"{hex}\"}}");
        assert_eq!(
            shown_rules(&m, &format!("      {}", b64(&whole))),
            ["generic.key-material-assignment"]
        );
    }

    /// Hex whose letters take either case at random was generated from a pattern: not reported
    /// by a generic rule (eval/realworld139 dev: screenshot keys in Postman test data); one-case
    /// hex under the same name is reported. (Provider-keyed rules are not asked: the peers
    /// corpus's Box and Twilio examples of that shape are found.)
    #[test]
    fn mixed_case_hex_is_a_generated_value_for_generic_rules_only() {
        let m = matcher();
        let hex = random(64, 139, b"0123456789abcdef");
        let mixed: String = hex
            .chars()
            .enumerate()
            .map(|(i, c)| {
                if i % 2 == 0 {
                    c.to_ascii_uppercase()
                } else {
                    c
                }
            })
            .collect();
        assert!(shown_rules(&m, &format!("      \"key\": \"{mixed}\",")).is_empty());
        assert_eq!(
            shown_rules(&m, &format!("      \"key\": \"{hex}\",")),
            ["generic.key-material-assignment"]
        );
    }

    /// A peer's key in a WireGuard configuration or test (`peerKey`, `peer1Key`, `dnsPeer1Key`,
    /// 32 bytes in base64 or hex) is the peer's public key, unless the bytes are a clamped
    /// Curve25519 private key or the name says preshared or private (eval/realworld113's dev
    /// part: netbird's peer public keys).
    #[test]
    fn a_peers_public_key_is_not_reported() {
        let m = matcher();
        let mut rng = crate::decode::testutil::Rng(0x5eed_2f0c);
        for round in 0..8 {
            let mut public = rng.bytes(32);
            // an X25519 public key is any 32 bytes; keep it unclamped (one in 32 is not)
            public[0] |= 1;
            let mut private = rng.bytes(32);
            private[0] &= 248;
            private[31] = (private[31] & 127) | 64;
            let hex = |b: &[u8]| b.iter().map(|x| format!("{x:02x}")).collect::<String>();
            let b64 = crate::codec::b64_encode;
            let (pb, ph) = (b64(&public), hex(&public));
            for text in [
                format!("\tpeerKey: \"{ph}\","),
                format!("\tpeer{round}Key           = \"{pb}\""),
                format!("\tdnsPeer1Key      = \"{pb}\""),
                format!("\tproxyPeerKey = \"{pb}\""),
                // regression (eval/realworld198 dev, element-android): Megolm's sender key,
                // written as unpadded base64
                format!("            senderKey = \"{}\",", pb.trim_end_matches('=')),
                format!("  \"sender_key\": \"{pb}\","),
                // regression (eval/realworld258 dev, hikari): a Discord application's Ed25519
                // verify key, whatever its bytes
                format!("            \"verify_key\": \"{}\",", hex(&private)),
                format!("    verifying_key = \"{pb}\""),
            ] {
                assert!(shown_rules(&m, &text).is_empty(), "{text}");
            }
            for text in [
                format!("\tpeerKey = \"{}\"", b64(&private)),
                format!("\tpeerKey: \"{}\",", hex(&private)),
                format!("\tpeerPresharedKey = \"{pb}\""),
                format!("\tpeerPrivateKey = \"{pb}\""),
                format!("\tlocalKey = \"{pb}\""),
                format!("    signing_key = \"{}\"", hex(&private)),
            ] {
                assert!(!shown_rules(&m, &text).is_empty(), "{text}");
            }
        }
    }

    /// Laravel's application key, in `.env`, compose and phpunit.xml forms (no tool reported it
    /// in eval/realworld22's dev part).
    #[test]
    fn a_laravel_app_key_is_reported() {
        let m = matcher();
        let key = crate::codec::b64_encode(random(32, 73, b"0123456789abcdef").as_bytes());
        for text in [
            format!("APP_KEY=base64:{key}"),
            format!("      APP_KEY: \"base64:{key}\""),
            format!("        <env name=\"APP_KEY\" value=\"base64:{key}\"/>"),
        ] {
            assert_eq!(shown_rules(&m, &text), ["laravel.app-key"], "{text}");
        }
    }

    #[test]
    fn random_values_of_one_or_two_character_kinds_are_secrets() {
        let m = matcher();
        let hex = b"0123456789abcdef";
        let lower_digit = b"abcdefghijklmnopqrstuvwxyz0123456789";
        for text in [
            format!("access_token = {}", random(40, 21, hex)),
            format!("API_TOKEN={}", random(64, 22, hex)),
            format!("token: {}", random(54, 23, lower_digit)),
            format!("password: {}", random(12, 24, hex)),
            format!(
                "DB_PASSWORD={}",
                random(20, 25, b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
            ),
            // an access key with no secret key beside it is judged as a secret
            format!("access_key: {}", random(32, 47, hex)),
            // a `$` inside a password is not a variable reference
            "password: Xk9$mQ2vLp7$Rz4".to_string(),
            // a UUID held by a secret's name
            "client_secret = '7602774b-0273-462e-adaa-0d0bb372d2f1'".to_string(),
            // a labelled key (`name:base64`)
            "MINIO_KMS_SECRET_KEY=my-minio-key:OSMM+vkKUTCvQs9YL/CVMIMt43HFhkUpqJxTmGl6rYw="
                .to_string(),
            // an encoded secret key is the key in base64
            format!(
                "public static final String DEFAULT_ENCODED_SECRET_KEY = \"{}=\";",
                random(
                    43,
                    52,
                    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
                )
            ),
            // a password merely encoded (base64 of text) is the password
            format!("encoded_password: {}", {
                use base64::Engine as _;
                base64::engine::general_purpose::STANDARD.encode(random(
                    18,
                    51,
                    b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789",
                ))
            }),
            // an S3-compatible store's secret key under AWS's name: base64 with its padding
            // (Oracle's customer secret keys are 44 characters)
            format!(
                "aws_secret_access_key={}=",
                random(
                    43,
                    26,
                    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
                )
            ),
            // a token in a long line of a recorded JSON response is data, not a bundle's code
            format!(
                "{{\"id\":1,{}\"temp_clone_token\":\"{}\"}}",
                "\"description\":\"a repository\",".repeat(40),
                random(29, 27, b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
            ),
            // a private key of a public key's record is still a private key's
            format!(
                "public_key: {}\nprivate_key: {}",
                random(
                    44,
                    28,
                    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
                ),
                random(
                    44,
                    29,
                    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
                )
            ),
        ] {
            let c = generic_confidence(&m, &text);
            assert!(
                c.is_some_and(|c| c >= Confidence::DEFAULT_MIN),
                "{text}: {c:?}"
            );
        }
    }

    #[test]
    fn values_folded_over_lines_are_found_whole() {
        use base64::Engine as _;
        let m = matcher();
        let (a, b) = (
            random(
                24,
                31,
                b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789",
            ),
            random(
                24,
                32,
                b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789",
            ),
        );
        for text in [
            format!("stringData:\n  api_token: |\n    {a}\n    {b}\n"),
            format!("db:\n  password: \"{a}\\\n    {b}\"\n"),
            format!("String apiToken = \"{a}\" +\n    \"{b}\";\n"),
            format!("config.secret_key = '{a}' \\\n  '{b}'\n"),
        ] {
            let c: Vec<_> = candidates(&m, text.as_bytes());
            assert_eq!(c.len(), 1, "{text}: {c:?}");
            assert_eq!(c[0].secret, format!("{a}{b}"), "{text}");
            let covered = &text[c[0].range.clone()];
            assert!(
                covered.starts_with(&a) && covered.ends_with(&b),
                "{covered}"
            );
        }
        // a cloud-init user_data wrapped at 76 columns, holding a password
        let pw = random(
            20,
            33,
            b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789",
        );
        let init = format!(
            "#cloud-config\npassword: {pw}\nchpasswd: {{ expire: False }}\nssh_pwauth: True\n"
        );
        let b64 = base64::engine::general_purpose::STANDARD.encode(init);
        let lines: Vec<&str> = b64
            .as_bytes()
            .chunks(76)
            .map(|c| std::str::from_utf8(c).unwrap())
            .collect();
        let text = format!("resource:\n  user_data: |\n    {}\n", lines.join("\n    "));
        let c = candidates(&m, text.as_bytes());
        assert!(
            c.iter()
                .any(|c| c.secret == pw && c.encoding == Some(Encoding::Base64)),
            "{c:?}"
        );
    }

    #[test]
    fn wrong_checksum_token_in_a_generic_assignment_is_a_note_of_its_own_rule() {
        // regression: the generic rule reported `TOKEN=ghr_…` after the GitHub rule dropped it;
        // now the GitHub rule reports it as a note flagged `checksum-mismatch`
        let m = matcher();
        let t = "ghr_9XChaf688ZLcQSfgXwpbbYbwPNENDj3tSAma";
        let text = format!("SERVICE_TOKEN={t}\n");
        let c = candidates(&m, text.as_bytes());
        let ids: Vec<&str> = c.iter().map(|c| m.rules()[c.rule].id()).collect();
        assert_eq!(ids, ["github.refresh-token"]);
        let file = |t: &str| Chunk {
            data: t.as_bytes().to_vec().into(),
            provenance: Provenance::File { path: "p".into() },
        };
        let f = findings(&m, &file(&text), &Policy::new(0), None);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].level, crate::finding::Level::Note);
        assert_eq!(f[0].confidence, Confidence::Low);
        assert!(f[0].hygiene.iter().any(|h| h == "checksum-mismatch"));
        // the same token with its checksum right is reported at the rule's level
        let good = github_token("ghr_", 36);
        let f = findings(
            &m,
            &file(&format!("SERVICE_TOKEN={good}\n")),
            &Policy::new(0),
            None,
        );
        assert_eq!(f.len(), 1);
        assert_ne!(f[0].level, crate::finding::Level::Note);
        assert!(!f[0].hygiene.iter().any(|h| h == "checksum-mismatch"));
    }

    /// A never-issued token of GitHub's classic format with a correct checksum: `prefix`, then
    /// `len - 6` random alphanumerics and their CRC-32 in base62 (tokens.md §1).
    fn github_token(prefix: &str, len: usize) -> String {
        const ALNUM: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
        let mut next = crate::testutil::rng(len as u64 + prefix.len() as u64 * 977);
        let random: String = (0..len - 6)
            .map(|_| ALNUM[next(ALNUM.len() as u64) as usize] as char)
            .collect();
        let crc = crc32fast::hash(random.as_bytes());
        format!("{prefix}{random}{}", crate::codec::base62(crc.into(), 6))
    }

    #[test]
    fn an_access_key_id_in_a_signature_scope_is_low_confidence() {
        let m = matcher();
        let id = "AKIAQ3EGTZ5KJDYW7RMA";
        let conf = |text: String| {
            let c = candidates(&m, text.as_bytes());
            c.iter()
                .find(|c| m.rules()[c.rule].id() == "aws.access-key-id")
                .map(|c| c.confidence)
        };
        for text in [
            format!(
                "https://b.s3.amazonaws.com/o?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential={id}%2F20180913%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Signature=0f"
            ),
            format!(
                "Authorization: AWS4-HMAC-SHA256 Credential={id}/20130524/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=0f"
            ),
            // (eval/realworld80 dev part) a V2 presigned URL, an Amazon affiliate link
            format!(
                "https://b.s3.amazonaws.com/o?AWSAccessKeyId={id}&Expires=1700000000&Signature=0f"
            ),
            format!(
                "<a href=\"https://www.amazon.com/gp/product/B0000?SubscriptionId={id}&tag=shop-20\">"
            ),
        ] {
            assert_eq!(conf(text.clone()), Some(Confidence::Low), "{text}");
        }
        assert_eq!(
            conf(format!("aws_access_key_id = {id}")),
            Some(Confidence::High)
        );
    }

    /// Regression (eval/realworld79 dev part): the JWT of a GitHub image link copied into a
    /// template is low confidence; the same JWT elsewhere is not.
    #[test]
    fn a_jwt_in_a_github_image_link_is_low_confidence() {
        use base64::Engine as _;
        let m = matcher();
        let e = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let jwt = format!(
            "{}.{}.{}",
            e.encode(br#"{"alg":"HS256","typ":"JWT"}"#),
            e.encode(br#"{"iss":"github.com","aud":"raw.githubusercontent.com","key":"key5","exp":1732105841,"nbf":1732105541,"path":"/100117126/363204406-a27ee220.gif"}"#),
            random(43, 91, b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
        );
        let conf = |text: String| {
            let c = candidates(&m, text.as_bytes());
            c.iter()
                .find(|c| m.rules()[c.rule].id() == "jwt.token")
                .map(|c| c.confidence)
        };
        let link = format!(
            "screenshots: '[\"https://private-user-images.githubusercontent.com/100117126/363204406-a27ee220.gif?jwt={jwt}\"]'"
        );
        assert_eq!(conf(link), Some(Confidence::Low));
        assert_eq!(
            conf(format!("curl https://api.example.com/?jwt={jwt}")),
            Some(Confidence::High)
        );
    }

    /// Regression (eval/realworld289 dev, Shopify's mocked REST responses): a value written
    /// again a few lines away as a path segment after a collection's name, or as an object's
    /// `id`, is that object's identifier; a path among secrets (`/tokens/<v>`), a path naming
    /// another value, or a copy at the very start of the text (it once indexed before it) are
    /// not.
    #[test]
    fn a_value_that_a_nearby_path_or_id_names_is_an_identifier() {
        use crate::decode::testutil::{ALNUM, Rng};
        let m = matcher();
        let mut rng = Rng(0x2891_5eed_0000_0001);
        let generic = |text: &str| {
            candidates(&m, text.as_bytes())
                .iter()
                .filter(|c| m.rules()[c.rule].is_generic())
                .count()
        };
        for _ in 0..20 {
            let (v, w) = (rng.alnum(32, ALNUM), rng.alnum(32, ALNUM));
            let record = |in_url: &str, collection: &str| {
                format!(
                    "{{\"id\": 450789469, \"token\": \"{v}\", \"status_url\": \"https://shop.example.com/1/{collection}/{in_url}/thank_you\"}}\n"
                )
            };
            assert_eq!(generic(&record(&v, "checkouts")), 0, "{v}");
            assert_eq!(generic(&record(&w, "checkouts")), 1, "{v}");
            assert_eq!(generic(&record(&v, "tokens")), 1, "{v}");
            let call = format!(
                "      token: \"{v}\",\n    }});\n    expect({{\n      path: '/admin/api/2024-01/checkouts/{v}.json',\n"
            );
            assert_eq!(generic(&call), 0, "{v}");
            let item = format!("\"line_items\": [{{\"id\": \"{v}\", \"key\": \"{v}\"}}]\n");
            assert_eq!(generic(&item), 0, "{v}");
            assert_eq!(generic(&format!("{v}\npassword = \"{v}\"\n")), 1, "{v}");
        }
    }

    #[test]
    fn a_value_whose_checksum_holds_wins_the_overlap() {
        // `user:ghp_<bad CRC>` is the bundler credential it was before checksum failures became
        // notes, not a note of the GitHub rule
        let m = matcher();
        let bad = "ghp_e2ttQTy6LfLZIrEIx3JEfi8xFIUpsftmJ2wO";
        let github = m.rules().iter().find(|r| r.id() == "github.classic-pat");
        assert!(checksum_fails(github.unwrap(), bad));
        let text = format!("BUNDLE_RUBYGEMS__PKG__GITHUB__COM=deploy-bot:{bad}\n");
        let ids: Vec<String> = candidates(&m, text.as_bytes())
            .iter()
            .map(|c| m.rules()[c.rule].id().to_string())
            .collect();
        assert_eq!(ids, ["bundler.gem-server-credentials"]);
    }
}
