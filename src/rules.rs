//! Rule definitions: the TOML schema of `rules/*.toml`, loading (built-in and user files) and
//! compilation into [`Rule`]s that the matcher runs. Rules are data; each carries the examples that
//! `tokenhound rules check` and the test suite run through the whole pipeline.

use std::path::Path;

use anyhow::{Context, Result, bail};
use serde::Deserialize;

use crate::finding::Level;

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
    /// Named offline validators, see [`crate::validate`].
    #[serde(default)]
    pub validators: Vec<String>,
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
    /// Text the rule must report.
    pub examples: Vec<String>,
    /// Text the rule must not report.
    #[serde(default)]
    pub negative_examples: Vec<String>,
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
    for v in &spec.validators {
        if !crate::validate::is_known_validator(v) {
            bail!("{origin}: rule `{}`: unknown validator `{v}`", spec.id);
        }
    }
    if spec.examples.is_empty() {
        bail!("{origin}: rule `{}`: needs at least one example", spec.id);
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
    check_unique(&rules)?;
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
