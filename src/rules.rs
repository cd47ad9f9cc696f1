//! Rule definitions: the TOML schema of `rules/*.toml`, loading (built-in and user files) and
//! compilation into [`Rule`]s that the matcher runs. Rules are data; each carries the examples that
//! `tokenhound rules check` and the test suite run through the whole pipeline.

use std::path::Path;
use std::sync::{Arc, OnceLock};

use anyhow::{Context, Result, bail};
use serde::Deserialize;

use crate::finding::Level;
use crate::validate::Validator;

include!(concat!(env!("OUT_DIR"), "/builtin_rules.rs"));

/// How sure a rule is that a match is a real secret (SARIF `properties.precision`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Precision {
    /// Generic, heuristic rules.
    Low,
    /// Context-keyed rules.
    Medium,
    /// Distinctive formats.
    High,
    /// Formats with a checksum or fixed structure.
    VeryHigh,
}

impl Precision {
    /// The SARIF spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Precision::Low => "low",
            Precision::Medium => "medium",
            Precision::High => "high",
            Precision::VeryHigh => "very-high",
        }
    }
}

/// One rule as written in a rules file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSpec {
    /// Stable identifier, e.g. `github.classic-pat`.
    pub id: String,
    /// Human name.
    pub name: String,
    /// What the rule detects.
    pub description: String,
    /// What to do about a finding (SARIF `help`).
    pub remediation: String,
    /// Token family key used by decoders and hygiene (defaults to the id).
    #[serde(default)]
    pub family: Option<String>,
    /// The decoder that reads this rule's secrets (`decoder = "jwt"`, …); an unknown name fails
    /// rule loading. Without one, only the documented JWT-shape fallback applies.
    #[serde(default)]
    pub decoder: Option<crate::decode::Decoder>,
    /// Case-insensitive literals; the rule only runs on content containing one of them.
    pub keywords: Vec<String>,
    /// The keywords count only with their case as written (`YC`, not the `yc` of `async`):
    /// for a rule whose regex requires the keyword in that case, so that occurrences in other
    /// cases, which cannot match, do not run it.
    #[serde(default)]
    pub exact_case_keywords: bool,
    /// Regex (Rust `regex` syntax); the secret is the `secret` named group, else group 1. A
    /// regex that matches two orders of the same members (a JWK's `d` before or after its
    /// `kty`) names the secret `secret_alt` in the branch where `secret` cannot take part.
    pub regex: String,
    /// Minimum Shannon entropy (bits per byte) of the secret.
    #[serde(default)]
    pub min_entropy: Option<f64>,
    /// Offline validators, see [`crate::validate::Validator`] (an unknown name fails loading).
    #[serde(default)]
    pub validators: Vec<Validator>,
    /// Default SARIF level.
    #[serde(default = "default_level")]
    pub level: Level,
    /// How likely a match is a real secret.
    #[serde(default = "default_precision")]
    pub precision: Precision,
    /// Extra SARIF tags.
    #[serde(default)]
    pub tags: Vec<String>,
    /// The match may span lines (search the whole chunk, not keyword lines).
    #[serde(default)]
    pub multiline: bool,
    /// For a rule run over whole chunks (multi-line, or without keywords): a regex that every
    /// match of the rule's own holds, cheap to search for. The rule's regex runs over a chunk
    /// (or a part of one) only where this one matches: the JSON Web Key rules, whose `kty`
    /// keyword is part of common words (Polish `konflikty`), spent 30 % of the benchmark tree's
    /// regex time on files without a `kty` member.
    #[serde(default)]
    pub requires: Option<String>,
    /// The other parts of this rule's multi-part credential (an auth token's account SID, an
    /// access key id's secret key): one `[rule.pair]` table or an array of them. The nearest
    /// partner value nearby is reported with this finding, as one (`parts` in its properties).
    #[serde(default, deserialize_with = "one_or_many")]
    pub pair: Vec<PairSpec>,
    /// This rule's part in a multi-part credential (`account-sid`, `auth-token`); defaults to
    /// the id after its first dot.
    #[serde(default)]
    pub role: Option<String>,
    /// The match identifies an account or a key but grants nothing by itself (an account SID, an
    /// application id): when it is a part of another rule's paired finding it is not reported
    /// separately. A partner that is a secret by itself is still reported on its own.
    #[serde(default)]
    pub identifier: bool,
    /// Why this rule's keys are public by design (publishable keys meant to be shipped to
    /// clients): its findings are reported at level `note` with `public_by_design: true`, the
    /// reason in the message. Such a rule's `level` must be `note`.
    #[serde(default)]
    pub public_by_design: Option<String>,
    /// The secret has no format of its own (a password, a header value, a settings string) and
    /// the rule finds it by the syntax around it (a flag, a header, a call): a value holding a
    /// counting run (`123456789`, `abcdefg`) is then a placeholder, as under generic rules,
    /// instead of a `patterned` note (see [`crate::detect::validate`]).
    #[serde(default)]
    pub free_form: bool,
    /// Text the rule must report.
    pub examples: Vec<String>,
    /// Text the rule must not report.
    #[serde(default)]
    pub negative_examples: Vec<String>,
    /// Text the rule must report at level `note` and no higher, at any confidence: values of the
    /// rule's format that are evidently made up (a failed checksum, a counting run; see
    /// [`crate::detect::findings_of`]).
    #[serde(default)]
    pub note_examples: Vec<String>,
}

/// How a rule finds another part of a multi-part credential (`[rule.pair]` in a rules file).
///
/// Two kinds: with `alphabet` and `length`, a partner value is a run of those bytes (a secret key
/// that its own rule finds only under its name) and the finding's range covers both parts (AWS);
/// without them, a partner is a match of the partner rule's regex that passes its validation,
/// wherever its own keywords are, and the finding keeps this rule's location (the partner's is a
/// related location).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PairSpec {
    /// Id of the rule whose match is the other part; it must be loaded (checked by
    /// [`check_rule_set`] and [`crate::matcher::Matcher::new`]) and its validators judge a value.
    pub with: String,
    /// How many lines before and after this rule's match are searched (0: the same line, e.g.
    /// one connection string).
    pub lines: usize,
    /// Bytes a partner value consists of, as a character class body (`A-Za-z0-9/+`): a value
    /// is a maximal run of them.
    #[serde(default)]
    pub alphabet: Option<String>,
    /// Exact length of a partner value (with `alphabet`).
    #[serde(default)]
    pub length: Option<usize>,
    /// A line other than the match's own holds a partner value only if it contains this word
    /// (any case), e.g. `secret`.
    #[serde(default)]
    pub line_word: Option<String>,
}

/// `pair = {…}` or `pair = [{…}, …]`.
fn one_or_many<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<PairSpec>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(PairSpec),
        Many(Vec<PairSpec>),
    }
    Ok(match OneOrMany::deserialize(d)? {
        OneOrMany::One(p) => vec![p],
        OneOrMany::Many(v) => v,
    })
}

impl PairSpec {
    /// The bytes of [`PairSpec::alphabet`] as a lookup table (`None` for a pair found by the
    /// partner rule's regex), or an error naming what is wrong.
    pub fn byte_set(&self) -> Result<Option<[bool; 256]>> {
        let (alphabet, length) = match (&self.alphabet, self.length) {
            (None, None) => {
                if self.line_word.is_some() {
                    bail!("pair `line_word` needs `alphabet` and `length`");
                }
                return Ok(None);
            }
            (Some(a), Some(l)) => (a, l),
            _ => bail!("pair needs both `alphabet` and `length`, or neither"),
        };
        let mut set = [false; 256];
        let b = alphabet.as_bytes();
        let mut i = 0;
        while i < b.len() {
            if i + 2 < b.len() && b[i + 1] == b'-' {
                if b[i] > b[i + 2] {
                    bail!("pair alphabet `{alphabet}`: reversed range");
                }
                for c in b[i]..=b[i + 2] {
                    set[c as usize] = true;
                }
                i += 3;
            } else {
                set[b[i] as usize] = true;
                i += 1;
            }
        }
        if length == 0 || !set.iter().any(|&x| x) {
            bail!("pair needs a non-empty alphabet and a length");
        }
        if self.line_word.as_deref() == Some("") {
            bail!("pair `line_word` is empty");
        }
        Ok(Some(set))
    }
}

fn default_level() -> Level {
    Level::Error
}

fn default_precision() -> Precision {
    Precision::High
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    #[serde(default)]
    rule: Vec<RuleSpec>,
}

/// A compiled rule.
#[derive(Debug, Clone)]
pub struct Rule {
    /// The rule as written.
    pub spec: RuleSpec,
    /// The regex over bytes, compiled on first use (a user rule's is compiled at load).
    pub regex: LazyRegex,
    /// The `requires` regex, compiled likewise.
    pub requires: Option<LazyRegex>,
    /// Where the rule came from (file name).
    pub source: String,
}

impl Rule {
    /// The rule's id.
    pub fn id(&self) -> &str {
        &self.spec.id
    }

    /// A generic rule (tagged `generic`): it finds secrets by the name they are assigned to or the
    /// syntax around them, not by a provider's format, and the classifier judges its findings.
    pub fn is_generic(&self) -> bool {
        self.spec.tags.iter().any(|t| t == "generic")
    }

    /// The family key (explicit, or the id).
    pub fn family(&self) -> &str {
        self.spec.family.as_deref().unwrap_or(&self.spec.id)
    }

    /// Index of the capture group that holds the secret: `secret`, else group 1, else 0
    /// (compiles the regex if needed).
    pub fn secret_group(&self) -> usize {
        self.regex.secret_group()
    }

    /// The rule's part in a multi-part credential (explicit, or the id after its first dot).
    pub fn role(&self) -> &str {
        self.spec.role.as_deref().unwrap_or_else(|| {
            self.spec
                .id
                .split_once('.')
                .map_or(&self.spec.id, |(_, r)| r)
        })
    }
}

/// Parse one rules file's TOML text and compile its regexes. `origin` names it in errors.
pub fn parse_rules(text: &str, origin: &str) -> Result<Vec<Rule>> {
    parse_lazy(text, origin)?
        .into_iter()
        .map(|r| compile_now(r, origin))
        .collect()
}

/// [`parse_rules`] with the regexes left to compile on first use.
fn parse_lazy(text: &str, origin: &str) -> Result<Vec<Rule>> {
    let file: RuleFile = toml::from_str(text).map_err(|e| anyhow::anyhow!("{origin}: {e}"))?;
    file.rule
        .into_iter()
        .map(|spec| compile(spec, origin))
        .collect()
}

/// The built-in rules of one file (from its JSON form made by build.rs, else its TOML text),
/// regexes left to compile on first use and not even parsed:
/// parsing 1,000 regexes is the largest part of loading them, and `rules check` and the tests
/// compile every built-in regex.
fn parse_builtin(text: &str, json: &str, origin: &str) -> Result<Vec<Rule>> {
    let file: RuleFile = if json.is_empty() {
        toml::from_str(text).map_err(|e| anyhow::anyhow!("{origin}: {e}"))?
    } else {
        serde_json::from_str(json).map_err(|e| anyhow::anyhow!("{origin}: {e}"))?
    };
    file.rule
        .into_iter()
        .map(|spec| {
            let regex = LazyRegex::unparsed(&spec.regex);
            check_spec(spec, regex, origin)
        })
        .collect()
}

/// Compile one rule spec (e.g. an inline `[[rule]]` of a configuration file).
pub fn compile_spec(spec: RuleSpec, origin: &str) -> Result<Rule> {
    compile_now(compile(spec, origin)?, origin)
}

/// Load one rule: its regex is syntax-checked now and compiled when first used.
fn compile(spec: RuleSpec, origin: &str) -> Result<Rule> {
    let (regex, _) = LazyRegex::parse(&spec.regex)
        .with_context(|| format!("{origin}: rule `{}`: invalid regex", spec.id))?;
    check_spec(spec, regex, origin)
}

/// The checks of a rule other than its regex's.
fn check_spec(spec: RuleSpec, regex: LazyRegex, origin: &str) -> Result<Rule> {
    if spec.examples.is_empty() {
        bail!("{origin}: rule `{}`: needs at least one example", spec.id);
    }
    for p in &spec.pair {
        p.byte_set()
            .with_context(|| format!("{origin}: rule `{}`", spec.id))?;
    }
    if let Some(why) = &spec.public_by_design {
        if why.trim().is_empty() {
            bail!(
                "{origin}: rule `{}`: `public_by_design` needs a reason",
                spec.id
            );
        }
        if spec.level != Level::Note {
            bail!(
                "{origin}: rule `{}`: a public-by-design rule's level must be `note`",
                spec.id
            );
        }
    }
    let requires = match &spec.requires {
        Some(_) if !spec.multiline && !spec.keywords.is_empty() => bail!(
            "{origin}: rule `{}`: `requires` is for rules run over whole chunks (multi-line, or \
             without keywords)",
            spec.id
        ),
        Some(p) => Some(
            LazyRegex::parse(p)
                .with_context(|| format!("{origin}: rule `{}`: invalid `requires` regex", spec.id))?
                .0,
        ),
        None => None,
    };
    Ok(Rule {
        spec,
        regex,
        requires,
        source: origin.to_string(),
    })
}

/// Compile a user rule's regex at once, so that every error shows at load.
fn compile_now(rule: Rule, origin: &str) -> Result<Rule> {
    rule.regex
        .compile()
        .with_context(|| format!("{origin}: rule `{}`: invalid regex", rule.id()))?;
    if let Some(r) = &rule.requires {
        r.compile()
            .with_context(|| format!("{origin}: rule `{}`: invalid `requires` regex", rule.id()))?;
    }
    Ok(rule)
}

/// The index of the capture group that holds the secret: `secret`, else group 1, else 0.
pub fn secret_group(re: &regex::bytes::Regex) -> usize {
    re.capture_names()
        .position(|n| n == Some("secret"))
        .unwrap_or(if re.captures_len() > 1 { 1 } else { 0 })
}

/// A rule's regex over bytes, compiled the first time a rule's keyword hits (compiling every
/// regex up front is most of the start-up time of a scan). Clones share the compiled regex.
#[derive(Debug, Clone)]
pub struct LazyRegex {
    pattern: Arc<str>,
    /// The regex and the index of its secret group.
    compiled: Arc<OnceLock<(regex::bytes::Regex, usize)>>,
}

impl LazyRegex {
    /// Check `pattern`'s syntax (as `regex` parses it) without compiling it; also returns the
    /// index of the capture group that holds the secret: `secret`, else group 1, else 0.
    ///
    /// Only the syntax tree is built (no Unicode case folding or class tables): errors found
    /// later, when the tree is translated, are caught by compiling — at load for user rules, by
    /// `rules check` and the tests for built-in ones.
    pub fn parse(pattern: &str) -> Result<(LazyRegex, usize)> {
        let ast = regex_syntax::ast::parse::Parser::new().parse(pattern)?;
        let mut groups = Vec::new();
        capture_groups(&ast, &mut groups);
        let secret_group = groups
            .iter()
            .find(|(_, name)| *name == Some("secret"))
            .map_or(usize::from(!groups.is_empty()), |&(i, _)| i as usize);
        Ok((LazyRegex::unparsed(pattern), secret_group))
    }

    /// `pattern`, not even syntax-checked until it is compiled (built-in rules). A leading
    /// token boundary also holds after a string escape or a percent-escape, see
    /// [`boundary_after_escapes`], and a trailing one before a sentence's last period, see
    /// [`boundary_before_a_full_stop`].
    pub fn unparsed(pattern: &str) -> LazyRegex {
        let pattern = boundary_after_escapes(pattern);
        LazyRegex {
            pattern: boundary_before_a_full_stop(&pattern).into_owned().into(),
            compiled: Arc::default(),
        }
    }

    /// The compiled regex, compiling it now if needed.
    pub fn compile(&self) -> Result<&regex::bytes::Regex> {
        self.compile_grouped().map(|(r, _)| r)
    }

    fn compile_grouped(&self) -> Result<&(regex::bytes::Regex, usize)> {
        if let Some(r) = self.compiled.get() {
            return Ok(r);
        }
        // ASCII classes and case folding first: secrets, names and separators are ASCII, and a
        // Unicode `\w` or `[^"]` under counted repetition compiles to megabytes of automaton
        // (most of the tree scan's memory: 385 -> 129 MB peak on the benchmark tree, same
        // findings). `.` and negated classes then count bytes, not characters. A pattern that
        // holds a non-ASCII letter (case folding) or cannot be compiled without Unicode (`\p{…}`)
        // keeps it.
        let r = regex::bytes::RegexBuilder::new(&self.pattern)
            .unicode(!self.pattern.is_ascii())
            .size_limit(64 << 20)
            .build()
            .or_else(|_| {
                regex::bytes::RegexBuilder::new(&self.pattern)
                    .size_limit(64 << 20)
                    .build()
            })?;
        let group = secret_group(&r);
        Ok(self.compiled.get_or_init(|| (r, group)))
    }

    /// The index of the capture group that holds the secret (see [`secret_group`]), compiling
    /// the regex if needed.
    pub fn secret_group(&self) -> usize {
        self.grouped().1
    }

    fn grouped(&self) -> &(regex::bytes::Regex, usize) {
        match self.compile_grouped() {
            Ok(r) => r,
            Err(e) => panic!("regex `{}` does not compile: {e}", self.pattern),
        }
    }

    /// The longest text a match can span, in bytes, when the pattern bounds it.
    pub fn max_len(&self) -> Option<usize> {
        let hir = regex_syntax::ParserBuilder::new()
            .utf8(false)
            .build()
            .parse(&self.pattern)
            .ok()?;
        hir.properties().maximum_len()
    }

    /// Whether the regex has been compiled yet.
    pub fn is_compiled(&self) -> bool {
        self.compiled.get().is_some()
    }

    /// The compiled regex. User rules are compiled at load; `rules check` and the tests compile
    /// the built-in ones, so this only panics on a built-in regex that neither was run on.
    pub fn get(&self) -> &regex::bytes::Regex {
        &self.grouped().0
    }
}

/// `pattern` with a leading token boundary that also holds after the escapes `\n`, `\r` and
/// `\t` of a string literal and after a percent-escape of ASCII punctuation or space (`%22`,
/// `%3A`, `%2C`…): in `"# comment\n\nAGE-SECRET-KEY-1…"` the token follows the letter `n` of an
/// escape, and in `?state=%7B%22token%22%3A%22ghp_…%22%7D` (JSON in a query string) the digit
/// `2` of `%22`, where no boundary is, though it starts the line or the string the escape stands
/// for. A match then spans the escape; the secret group does not.
///
/// The leading boundaries widened (after a flag group such as `(?i)`, kept in front): `\b`,
/// `(?-u:\b)`, and `(?:^|[^…])` whose class leaves out ASCII letters and digits.
pub fn boundary_after_escapes(pattern: &str) -> std::borrow::Cow<'_, str> {
    // a string escape; a percent-escape of ASCII punctuation or space (`%22`, `%3A`, `%2C`, `%5B`…)
    const ESCAPES: &str = "|\\\\[nrt]|%(?:2[0-9A-Fa-f]|3[A-Fa-f]|40|5[B-Fb-f]|60|7[B-Eb-e])";
    let quantified = |rest: &str| rest.starts_with(['+', '*', '?', '{']);
    // a leading flag group, `(?i)` or `(?m)`, not a group with a colon
    let flags_end = pattern
        .strip_prefix("(?")
        .and_then(|r| {
            r.find(')')
                .filter(|&i| r[..i].bytes().all(|b| b.is_ascii_alphabetic() || b == b'-'))
        })
        .map_or(0, |i| i + 3);
    let (flags, body) = pattern.split_at(flags_end);
    let widened = if let Some(rest) = body.strip_prefix("\\b") {
        (!quantified(rest)).then(|| format!("{flags}(?:\\b{ESCAPES}){rest}"))
    } else if let Some(rest) = body.strip_prefix("(?-u:\\b)") {
        (!quantified(rest)).then(|| format!("{flags}(?:(?-u:\\b){ESCAPES}){rest}"))
    } else if let Some(class_and_rest) = body.strip_prefix("(?:^|[^") {
        class_and_rest.find("])").and_then(|end| {
            let class = &class_and_rest[..end];
            let rest = &class_and_rest[end + 2..];
            let letters_digits = ["A-Z", "a-z", "0-9"].iter().all(|r| class.contains(r));
            (letters_digits && !quantified(rest))
                .then(|| format!("{flags}(?:^|[^{class}]{ESCAPES}){rest}"))
        })
    } else {
        None
    };
    widened.map_or(pattern.into(), Into::into)
}

/// `pattern` with a trailing token boundary `(?:[^…]|$)` whose class leaves out `.` (a token
/// format with dots in it, `glpat-….01.…`, `hvs.…`, or a value that must not be the head of a
/// dotted name) that also holds before a period ending a sentence, a `.` followed by white
/// space or the end: `use the token glpat-… .` The period stays out of the match.
pub fn boundary_before_a_full_stop(pattern: &str) -> std::borrow::Cow<'_, str> {
    let Some(head) = pattern.strip_suffix("]|$)") else {
        return pattern.into();
    };
    match head.rfind("(?:[^") {
        Some(open)
            if !head[open + 5..].contains(['(', ')', '[', ']'])
                && head[open + 5..].contains('.') =>
        {
            format!("{head}]|\\.(?:\\s|$)|$)").into()
        }
        _ => pattern.into(),
    }
}

/// The capture groups of `ast` (index and name), in order.
fn capture_groups<'a>(ast: &'a regex_syntax::ast::Ast, out: &mut Vec<(u32, Option<&'a str>)>) {
    use regex_syntax::ast::{Ast, GroupKind};
    match ast {
        Ast::Group(g) => {
            match &g.kind {
                GroupKind::CaptureIndex(i) => out.push((*i, None)),
                GroupKind::CaptureName { name, .. } => out.push((name.index, Some(&name.name))),
                GroupKind::NonCapturing(_) => {}
            }
            capture_groups(&g.ast, out);
        }
        Ast::Repetition(r) => capture_groups(&r.ast, out),
        Ast::Concat(c) => c.asts.iter().for_each(|a| capture_groups(a, out)),
        Ast::Alternation(a) => a.asts.iter().for_each(|a| capture_groups(a, out)),
        _ => {}
    }
}

/// Load the built-in rules.
pub fn builtin_rules() -> Result<Vec<Rule>> {
    let mut rules = Vec::new();
    for ((name, text), json) in BUILTIN_RULE_FILES.iter().zip(BUILTIN_RULE_JSON) {
        rules.extend(parse_builtin(text, json, name)?);
    }
    check_rule_set(&rules)?;
    Ok(rules)
}

/// Load user rules from a TOML file or every `*.toml` file in a directory.
pub fn load_rules_path(path: &Path) -> Result<Vec<Rule>> {
    let mut files = Vec::new();
    if path.is_dir() {
        for e in std::fs::read_dir(path).with_context(|| format!("reading {}", path.display()))? {
            let p = e?.path();
            if p.extension().is_some_and(|x| x == "toml") {
                files.push(p);
            }
        }
        files.sort();
    } else {
        files.push(path.to_path_buf());
    }
    let mut rules = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(&f)
            .with_context(|| format!("cannot read rules file {}", f.display()))?;
        rules.extend(parse_rules(&text, &f.display().to_string())?);
    }
    Ok(rules)
}

/// Fail when two rules share an id or a rule pairs with a rule that is not loaded (or itself).
pub fn check_rule_set(rules: &[Rule]) -> Result<()> {
    check_unique(rules)?;
    for r in rules {
        for p in &r.spec.pair {
            if !rules.iter().any(|o| o.id() == p.with) || p.with == r.id() {
                bail!(
                    "{}: rule `{}` pairs with `{}`, which is not another loaded rule",
                    r.source,
                    r.id(),
                    p.with
                );
            }
        }
    }
    Ok(())
}

/// Compile every rule's regex now (`rules check`): built-in regexes are not even parsed at load,
/// and a syntax check misses regexes over the compiled-size limit.
pub fn compile_all(rules: &[Rule]) -> Result<()> {
    for r in rules {
        r.regex
            .compile()
            .with_context(|| format!("{}: rule `{}`: invalid regex", r.source, r.id()))?;
    }
    Ok(())
}

/// Fail when two rules share an id.
pub fn check_unique(rules: &[Rule]) -> Result<()> {
    let mut seen = std::collections::HashMap::new();
    for r in rules {
        if let Some(prev) = seen.insert(r.id(), &r.source) {
            bail!(
                "rule id `{}` is defined twice ({} and {})",
                r.id(),
                prev,
                r.source
            );
        }
    }
    Ok(())
}
