//! Rule definitions: the TOML schema of `rules/*.toml`, loading (built-in and user files) and
//! compilation into [`Rule`]s that the matcher runs. Rules are data; each carries the examples that
//! `tokenhound rules check` and the test suite run through the whole pipeline.

use std::path::Path;

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
    /// Regex (Rust `regex` syntax); the secret is the `secret` named group, else group 1.
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
    /// Another rule's secret that completes this rule's credential (an access key id and its
    /// secret key): the nearest partner value nearby is reported with this finding, as one.
    #[serde(default)]
    pub pair: Option<PairSpec>,
    /// Text the rule must report.
    pub examples: Vec<String>,
    /// Text the rule must not report.
    #[serde(default)]
    pub negative_examples: Vec<String>,
}

/// How a rule finds the other part of a multi-part credential (`[rule.pair]` in a rules file).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PairSpec {
    /// Id of the rule whose secret is the other part; it must be loaded (checked by
    /// [`check_rule_set`] and [`crate::matcher::Matcher::new`]) and its validators judge a value.
    pub with: String,
    /// How many lines before and after this rule's match are searched.
    pub lines: usize,
    /// Bytes a partner value consists of, as a character class body (`A-Za-z0-9/+`): a value
    /// is a maximal run of them.
    pub alphabet: String,
    /// Exact length of a partner value.
    pub length: usize,
    /// A line other than the match's own holds a partner value only if it contains this word
    /// (any case), e.g. `secret`.
    #[serde(default)]
    pub line_word: Option<String>,
}

impl PairSpec {
    /// The bytes of [`PairSpec::alphabet`] as a lookup table, or an error naming what is wrong.
    pub fn byte_set(&self) -> Result<[bool; 256]> {
        let mut set = [false; 256];
        let b = self.alphabet.as_bytes();
        let mut i = 0;
        while i < b.len() {
            if i + 2 < b.len() && b[i + 1] == b'-' {
                if b[i] > b[i + 2] {
                    bail!("pair alphabet `{}`: reversed range", self.alphabet);
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
        if self.length == 0 || !set.iter().any(|&x| x) {
            bail!("pair needs a non-empty alphabet and a length");
        }
        if self.line_word.as_deref() == Some("") {
            bail!("pair `line_word` is empty");
        }
        Ok(set)
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
    /// Compiled regex over bytes.
    pub regex: regex::bytes::Regex,
    /// Index of the capture group that holds the secret.
    pub secret_group: usize,
    /// Where the rule came from (file name).
    pub source: String,
}

impl Rule {
    /// The rule's id.
    pub fn id(&self) -> &str {
        &self.spec.id
    }

    /// The family key (explicit, or the id).
    pub fn family(&self) -> &str {
        self.spec.family.as_deref().unwrap_or(&self.spec.id)
    }
}

/// Parse one rules file's TOML text. `origin` names it in errors.
pub fn parse_rules(text: &str, origin: &str) -> Result<Vec<Rule>> {
    let file: RuleFile = toml::from_str(text).map_err(|e| anyhow::anyhow!("{origin}: {e}"))?;
    file.rule
        .into_iter()
        .map(|spec| compile(spec, origin))
        .collect()
}

/// Compile one rule spec (e.g. an inline `[[rule]]` of a configuration file).
pub fn compile_spec(spec: RuleSpec, origin: &str) -> Result<Rule> {
    compile(spec, origin)
}

fn compile(spec: RuleSpec, origin: &str) -> Result<Rule> {
    let regex = regex::bytes::RegexBuilder::new(&spec.regex)
        .size_limit(64 << 20)
        .build()
        .with_context(|| format!("{origin}: rule `{}`: invalid regex", spec.id))?;
    let secret_group = regex
        .capture_names()
        .position(|n| n == Some("secret"))
        .unwrap_or(if regex.captures_len() > 1 { 1 } else { 0 });
    if spec.examples.is_empty() {
        bail!("{origin}: rule `{}`: needs at least one example", spec.id);
    }
    if let Some(p) = &spec.pair {
        p.byte_set()
            .with_context(|| format!("{origin}: rule `{}`", spec.id))?;
    }
    Ok(Rule {
        spec,
        regex,
        secret_group,
        source: origin.to_string(),
    })
}

/// Load the built-in rules.
pub fn builtin_rules() -> Result<Vec<Rule>> {
    let mut rules = Vec::new();
    for (name, text) in BUILTIN_RULE_FILES {
        rules.extend(parse_rules(text, name)?);
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

/// Fail when two rules share an id or a rule pairs with a rule that is not loaded.
pub fn check_rule_set(rules: &[Rule]) -> Result<()> {
    check_unique(rules)?;
    for r in rules {
        if let Some(p) = &r.spec.pair
            && !rules.iter().any(|o| o.id() == p.with)
        {
            bail!(
                "{}: rule `{}` pairs with `{}`, which is not a loaded rule",
                r.source,
                r.id(),
                p.with
            );
        }
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
