//! Configuration: `.tokenhound.toml` at the scan root (or a file named on the command line). It
//! shapes the pipeline before a scan — which rules run and at what level, extra rules, hygiene
//! thresholds — and after detection: the [`Allowlist`] and the baseline file to apply.
//!
//! Errors name the file, the line and column, and the key: unknown keys are rejected, regexes and
//! globs are compiled while loading.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

use anyhow::{Result, anyhow, bail};
use serde::Deserialize;
use toml::Spanned;

use crate::allow::{Allowlist, Reason};
use crate::finding::Level;
use crate::hygiene::Policy;
use crate::rules::{self, Rule, RuleSpec};

/// The file name looked for at the scan root.
pub const FILE_NAME: &str = ".tokenhound.toml";

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    baseline: Option<Spanned<String>>,
    #[serde(default)]
    allowlist: RawAllowlist,
    #[serde(default)]
    rules: RawRules,
    #[serde(default)]
    hygiene: RawHygiene,
    #[serde(default)]
    rule: Vec<Spanned<RuleSpec>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAllowlist {
    #[serde(default)]
    paths: Vec<Spanned<RawEntry<PathKey>>>,
    #[serde(default)]
    regexes: Vec<Spanned<RawEntry<RegexKey>>>,
    #[serde(default)]
    line_regexes: Vec<Spanned<RawEntry<RegexKey>>>,
    #[serde(default)]
    stopwords: Vec<Spanned<RawEntry<WordKey>>>,
}

/// The key naming the pattern in an allowlist entry written as a table.
trait EntryKey {
    /// `[KEY, "reason"]`
    const FIELDS: &'static [&'static str];
}

#[derive(Debug)]
struct PathKey;
impl EntryKey for PathKey {
    const FIELDS: &'static [&'static str] = &["path", "reason"];
}

#[derive(Debug)]
struct RegexKey;
impl EntryKey for RegexKey {
    const FIELDS: &'static [&'static str] = &["regex", "reason"];
}

#[derive(Debug)]
struct WordKey;
impl EntryKey for WordKey {
    const FIELDS: &'static [&'static str] = &["word", "reason"];
}

/// An allowlist entry as written: a plain string, or a table with the pattern under its key
/// (`path`, `regex` or `word`) and the `reason` it is allowed, e.g.
/// `{ path = "rules/*.toml", reason = "rule examples" }`.
#[derive(Debug)]
struct RawEntry<K> {
    value: String,
    reason: Option<String>,
    key: std::marker::PhantomData<K>,
}

impl<'de, K: EntryKey> Deserialize<'de> for RawEntry<K> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::{Error, MapAccess, Visitor};
        struct V<K>(std::marker::PhantomData<K>);
        impl<'de, K: EntryKey> Visitor<'de> for V<K> {
            type Value = RawEntry<K>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                write!(
                    f,
                    "a string or a table {{ {} = …, reason = … }}",
                    K::FIELDS[0]
                )
            }
            fn visit_str<E: Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(RawEntry {
                    value: v.to_string(),
                    reason: None,
                    key: self.0,
                })
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Self::Value, A::Error> {
                let (mut value, mut reason) = (None, None);
                while let Some(k) = m.next_key::<String>()? {
                    if k == K::FIELDS[0] {
                        value = Some(m.next_value::<String>()?);
                    } else if k == "reason" {
                        let r = m.next_value::<String>()?;
                        if r.trim().is_empty() {
                            return Err(A::Error::custom("empty reason"));
                        }
                        reason = Some(r);
                    } else {
                        return Err(A::Error::unknown_field(&k, K::FIELDS));
                    }
                }
                Ok(RawEntry {
                    value: value.ok_or_else(|| A::Error::missing_field(K::FIELDS[0]))?,
                    reason,
                    key: self.0,
                })
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRules {
    #[serde(default)]
    disable: Vec<Spanned<String>>,
    #[serde(default)]
    enable: Vec<Spanned<String>>,
    #[serde(default)]
    paths: Vec<Spanned<String>>,
    #[serde(default)]
    level: BTreeMap<Spanned<String>, Spanned<Level>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHygiene {
    #[serde(default)]
    max_jwt_lifetime: Option<Spanned<toml::Value>>,
    #[serde(default)]
    max_sas_lifetime: Option<Spanned<toml::Value>>,
    #[serde(default)]
    max_bootstrap_ttl: Option<Spanned<toml::Value>>,
    #[serde(default)]
    max_macaroon_lifetime: Option<Spanned<toml::Value>>,
    #[serde(default)]
    max_k8s_token_lifetime: Option<Spanned<toml::Value>>,
}

/// Hygiene thresholds set by the configuration (seconds); unset ones keep the policy's defaults.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HygieneOverrides {
    /// `max_jwt_lifetime`
    pub max_jwt_lifetime: Option<i64>,
    /// `max_sas_lifetime`
    pub max_sas_lifetime: Option<i64>,
    /// `max_bootstrap_ttl`
    pub max_bootstrap_ttl: Option<i64>,
    /// `max_macaroon_lifetime`
    pub max_macaroon_lifetime: Option<i64>,
    /// `max_k8s_token_lifetime`
    pub max_k8s_token_lifetime: Option<i64>,
}

impl HygieneOverrides {
    /// Set the configured thresholds on `policy`.
    pub fn apply(&self, policy: &mut Policy) {
        let pairs = [
            (self.max_jwt_lifetime, &mut policy.max_jwt_lifetime),
            (self.max_sas_lifetime, &mut policy.max_sas_lifetime),
            (self.max_bootstrap_ttl, &mut policy.max_bootstrap_ttl),
            (
                self.max_macaroon_lifetime,
                &mut policy.max_macaroon_lifetime,
            ),
            (
                self.max_k8s_token_lifetime,
                &mut policy.max_k8s_token_lifetime,
            ),
        ];
        for (v, field) in pairs {
            if let Some(v) = v {
                *field = v;
            }
        }
    }
}

/// A rule-id pattern from the configuration, with where it was written.
#[derive(Debug, Clone)]
struct IdPattern {
    pattern: String,
    at: String,
}

impl IdPattern {
    fn matches(&self, id: &str) -> bool {
        id_glob_matches(&self.pattern, id)
    }
}

/// A loaded, checked configuration.
#[derive(Debug, Default)]
pub struct Config {
    /// The file it came from (None: the empty default configuration).
    pub path: Option<PathBuf>,
    /// The allowlist (inline allow comments are always honoured).
    pub allowlist: Allowlist,
    /// Baseline file to apply, resolved against the configuration file's directory.
    pub baseline: Option<PathBuf>,
    /// Hygiene thresholds.
    pub hygiene: HygieneOverrides,
    /// Extra rules (inline `[[rule]]` tables and `[rules] paths`), compiled.
    pub extra_rules: Vec<Rule>,
    disable: Vec<IdPattern>,
    enable: Vec<IdPattern>,
    levels: Vec<(IdPattern, Level)>,
}

/// Formats errors as `FILE:LINE:COL: KEY: message`.
struct Origin<'a> {
    name: &'a str,
    text: &'a str,
}

impl Origin<'_> {
    fn at(&self, span: Range<usize>) -> String {
        let index = crate::chunk::LineIndex::new(self.text.as_bytes());
        let (l, c) = index.position(self.text.as_bytes(), span.start.min(self.text.len()));
        format!("{}:{l}:{c}", self.name)
    }

    fn err(&self, span: Range<usize>, key: &str, msg: impl std::fmt::Display) -> anyhow::Error {
        anyhow!("{}: {key}: {msg}", self.at(span))
    }
}

impl Config {
    /// Read and check the configuration file at `path`.
    pub fn load(path: &Path) -> Result<Config> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| anyhow!("cannot read configuration {}: {e}", path.display()))?;
        let base = path.parent().unwrap_or(Path::new("."));
        let mut cfg = Config::parse(&text, &path.display().to_string(), base)?;
        cfg.path = Some(path.to_path_buf());
        Ok(cfg)
    }

    /// The configuration at `root/.tokenhound.toml` (or the directory of `root` when it is a
    /// file), if there is one.
    pub fn discover(root: &Path) -> Option<PathBuf> {
        let dir = if root.is_dir() { root } else { root.parent()? };
        let p = dir.join(FILE_NAME);
        p.is_file().then_some(p)
    }

    /// Parse configuration text. `name` names it in errors; relative paths inside it are
    /// resolved against `base`.
    pub fn parse(text: &str, name: &str, base: &Path) -> Result<Config> {
        let o = Origin { name, text };
        let raw: RawConfig = toml::from_str(text).map_err(|e| match e.span() {
            Some(span) => anyhow!("{}: {}", o.at(span), e.message().trim_end()),
            None => anyhow!("{name}: {}", e.message().trim_end()),
        })?;
        let mut cfg = Config::default();

        let a = &raw.allowlist;
        let mut globs = Vec::new();
        for p in &a.paths {
            let mut b = ignore::gitignore::GitignoreBuilder::new("");
            if let Err(e) = b.add_line(None, &p.get_ref().value) {
                return Err(o.err(p.span(), "allowlist.paths", format!("invalid glob: {e}")));
            }
            globs.push(p.get_ref().value.clone());
        }
        let compile =
            |list: &[Spanned<RawEntry<RegexKey>>], key: &str| -> Result<Vec<regex::Regex>> {
                list.iter()
                    .map(|r| {
                        let re = &r.get_ref().value;
                        regex::Regex::new(re)
                            .map_err(|e| o.err(r.span(), key, format!("invalid regex `{re}`: {e}")))
                    })
                    .collect()
            };
        let secret_res = compile(&a.regexes, "allowlist.regexes")?;
        let line_res = compile(&a.line_regexes, "allowlist.line_regexes")?;
        let mut stopwords = Vec::new();
        for s in &a.stopwords {
            if s.get_ref().value.is_empty() {
                return Err(o.err(s.span(), "allowlist.stopwords", "empty stop-word"));
            }
            stopwords.push(s.get_ref().value.clone());
        }
        cfg.allowlist = Allowlist::new(&globs, secret_res, line_res, stopwords)
            .map_err(|e| anyhow!("{name}: allowlist.paths: {e}"))?;
        fn reasons<K>(list: &[Spanned<RawEntry<K>>]) -> impl Iterator<Item = (usize, &str)> {
            (list.iter().enumerate()).filter_map(|(i, e)| Some((i, e.get_ref().reason.as_deref()?)))
        }
        for (i, why) in reasons(&a.paths) {
            cfg.allowlist.set_reason(Reason::Path, i, why);
        }
        for (i, why) in reasons(&a.regexes) {
            cfg.allowlist.set_reason(Reason::SecretRegex, i, why);
        }
        for (i, why) in reasons(&a.line_regexes) {
            cfg.allowlist.set_reason(Reason::LineRegex, i, why);
        }
        for (i, why) in reasons(&a.stopwords) {
            cfg.allowlist.set_reason(Reason::Stopword, i, why);
        }

        let ids = |list: &[Spanned<String>], key: &str| -> Result<Vec<IdPattern>> {
            list.iter()
                .map(|p| {
                    if p.get_ref().is_empty() {
                        return Err(o.err(p.span(), key, "empty rule id"));
                    }
                    Ok(IdPattern {
                        pattern: p.get_ref().clone(),
                        at: format!("{}: {key}", o.at(p.span())),
                    })
                })
                .collect()
        };
        cfg.disable = ids(&raw.rules.disable, "rules.disable")?;
        cfg.enable = ids(&raw.rules.enable, "rules.enable")?;
        for (k, v) in &raw.rules.level {
            cfg.levels.push((
                IdPattern {
                    pattern: k.get_ref().clone(),
                    at: format!("{}: rules.level", o.at(k.span())),
                },
                *v.get_ref(),
            ));
        }

        for p in &raw.rules.paths {
            let path = base.join(p.get_ref());
            let loaded = rules::load_rules_path(&path)
                .map_err(|e| o.err(p.span(), "rules.paths", format!("{e:#}")))?;
            cfg.extra_rules.extend(loaded);
        }
        for r in raw.rule {
            let span = r.span();
            let mut rule = rules::compile_spec(r.into_inner(), "[[rule]]")
                .map_err(|e| anyhow!("{}: {e:#}", o.at(span)))?;
            rule.source = name.to_string();
            cfg.extra_rules.push(rule);
        }

        let h = &raw.hygiene;
        let dur = |v: &Option<Spanned<toml::Value>>, key: &str| -> Result<Option<i64>> {
            let Some(v) = v else { return Ok(None) };
            let secs = match v.get_ref() {
                toml::Value::Integer(i) if *i >= 0 => Some(*i),
                toml::Value::String(s) => parse_duration(s),
                _ => None,
            };
            secs.map(Some).ok_or_else(|| {
                o.err(
                    v.span(),
                    &format!("hygiene.{key}"),
                    "expected a duration: seconds, or a string such as \"90s\", \"15m\", \"24h\", \"7d\", \"1y\"",
                )
            })
        };
        cfg.hygiene = HygieneOverrides {
            max_jwt_lifetime: dur(&h.max_jwt_lifetime, "max_jwt_lifetime")?,
            max_sas_lifetime: dur(&h.max_sas_lifetime, "max_sas_lifetime")?,
            max_bootstrap_ttl: dur(&h.max_bootstrap_ttl, "max_bootstrap_ttl")?,
            max_macaroon_lifetime: dur(&h.max_macaroon_lifetime, "max_macaroon_lifetime")?,
            max_k8s_token_lifetime: dur(&h.max_k8s_token_lifetime, "max_k8s_token_lifetime")?,
        };
        if let Some(b) = &raw.baseline {
            if b.get_ref().is_empty() {
                return Err(o.err(b.span(), "baseline", "empty path"));
            }
            cfg.baseline = Some(base.join(b.get_ref()));
        }
        Ok(cfg)
    }

    /// The rules to run: `rules` plus the configuration's extra rules, minus disabled ones, with
    /// level overrides applied. Fails when a rule pattern matches no rule (a typo would otherwise
    /// silently do nothing).
    pub fn apply_rules(&self, mut rules: Vec<Rule>) -> Result<Vec<Rule>> {
        rules.extend(self.extra_rules.iter().cloned());
        rules::check_rule_set(&rules)?;
        let all = self.disable.iter().chain(&self.enable);
        for p in all.chain(self.levels.iter().map(|(p, _)| p)) {
            if !rules.iter().any(|r| p.matches(r.id())) {
                bail!(
                    "{}: no rule matches `{}` (see `tokenhound rules list`)",
                    p.at,
                    p.pattern
                );
            }
        }
        rules.retain(|r| {
            let id = r.id();
            !self.disable.iter().any(|p| p.matches(id)) || self.enable.iter().any(|p| p.matches(id))
        });
        for r in &mut rules {
            if let Some((_, l)) = self.levels.iter().rev().find(|(p, _)| p.matches(r.id())) {
                r.spec.level = *l;
            }
        }
        Ok(rules)
    }
}

/// Does rule id `id` match `pattern`? `*` matches any run of characters (including none); the
/// rest is literal (ids hold no glob metacharacters, and any in a pattern are escaped).
pub fn id_glob_matches(pattern: &str, id: &str) -> bool {
    let escaped = pattern
        .split('*')
        .map(globset::escape)
        .collect::<Vec<_>>()
        .join("*");
    globset::Glob::new(&escaped).is_ok_and(|g| g.compile_matcher().is_match(id))
}

/// Parse `90s`, `15m`, `24h`, `7d`, `2w`, `1y` or plain seconds.
pub fn parse_duration(s: &str) -> Option<i64> {
    let t = s.trim();
    let (num, mul) = match t.chars().last()? {
        's' => (&t[..t.len() - 1], 1),
        'm' => (&t[..t.len() - 1], 60),
        'h' => (&t[..t.len() - 1], 3600),
        'd' => (&t[..t.len() - 1], 86400),
        'w' => (&t[..t.len() - 1], 7 * 86400),
        'y' => (&t[..t.len() - 1], 365 * 86400),
        _ => (t, 1),
    };
    num.trim()
        .parse::<i64>()
        .ok()
        .filter(|n| *n >= 0)
        .and_then(|n| n.checked_mul(mul))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config> {
        Config::parse(text, "cfg.toml", Path::new("."))
    }

    fn err(text: &str) -> String {
        format!("{:#}", parse(text).expect_err("should fail"))
    }

    #[test]
    fn unknown_keys_name_file_line_and_key() {
        let e = err("[allowlist]\npaths = []\nregexs = [\"x\"]\n");
        assert!(e.starts_with("cfg.toml:3:1:"), "{e}");
        assert!(e.contains("unknown field `regexs`"), "{e}");
        let e = err("baseline = \"b.json\"\n[hygeine]\n");
        assert!(e.starts_with("cfg.toml:2:"), "{e}");
        assert!(e.contains("hygeine"), "{e}");
        let e = err("[hygiene]\nmax_jwt_life = 3\n");
        assert!(
            e.contains("cfg.toml:2:1") && e.contains("max_jwt_life"),
            "{e}"
        );
    }

    #[test]
    fn allowlist_entries_may_give_a_reason() {
        let cfg = parse(concat!(
            "[allowlist]\n",
            "paths = [\"a/\", { path = \"rules/*.toml\", reason = \"rule examples\" }]\n",
            "regexes = [{ regex = \"^x$\", reason = \"made up\" }]\n",
            "line_regexes = [\"y\"]\n",
            "stopwords = [{ word = \"dummy\" }]\n",
        ))
        .unwrap();
        let got: Vec<_> = (cfg.allowlist.entries().iter())
            .map(|e| (e.kind, e.pattern.as_str(), e.why.as_deref()))
            .collect();
        assert_eq!(
            got,
            [
                (Reason::Path, "a/", None),
                (Reason::Path, "rules/*.toml", Some("rule examples")),
                (Reason::SecretRegex, "^x$", Some("made up")),
                (Reason::LineRegex, "y", None),
                (Reason::Stopword, "dummy", None),
            ]
        );
        let e = err("[allowlist]\npaths = [{ glob = \"x\" }]\n");
        assert!(e.starts_with("cfg.toml:2:"), "{e}");
        assert!(
            e.contains("unknown field `glob`, expected `path` or `reason`"),
            "{e}"
        );
        let e = err("[allowlist]\nregexes = [{ reason = \"why\" }]\n");
        assert!(e.contains("missing field `regex`"), "{e}");
        let e = err("[allowlist]\nstopwords = [{ word = \"w\", reason = \" \" }]\n");
        assert!(e.contains("empty reason"), "{e}");
        let e = err("[allowlist]\nregexes = [\"a\", { regex = \"(\", reason = \"r\" }]\n");
        assert!(e.starts_with("cfg.toml:2:17: allowlist.regexes:"), "{e}");
        let e = err("[allowlist]\npaths = [3]\n");
        assert!(
            e.contains("a string or a table { path = …, reason = … }"),
            "{e}"
        );
    }

    #[test]
    fn invalid_regexes_name_file_line_and_key() {
        let e = err("[allowlist]\nregexes = [\n  \"ok\",\n  \"(unclosed\",\n]\n");
        assert!(e.starts_with("cfg.toml:4:3: allowlist.regexes:"), "{e}");
        assert!(e.contains("invalid regex `(unclosed`"), "{e}");
        let e = err("[allowlist]\nline_regexes = [\"[z-a]\"]\n");
        assert!(
            e.starts_with("cfg.toml:2:17: allowlist.line_regexes:"),
            "{e}"
        );
    }

    #[test]
    fn bad_values_are_errors() {
        let e = err("[hygiene]\nmax_jwt_lifetime = \"forever\"\n");
        assert!(
            e.starts_with("cfg.toml:2:20: hygiene.max_jwt_lifetime:"),
            "{e}"
        );
        let e = err("[rules.level]\n\"github.classic-pat\" = \"critical\"\n");
        assert!(e.starts_with("cfg.toml:2:"), "{e}");
        assert!(e.contains("critical"), "{e}");
        let e = err("[allowlist]\nstopwords = [\"\"]\n");
        assert!(e.contains("allowlist.stopwords: empty stop-word"), "{e}");
        let e = err("[allowlist]\npaths = \"tests/\"\n");
        assert!(e.starts_with("cfg.toml:2:9:"), "{e}");
        let e = err("not toml at all");
        assert!(e.starts_with("cfg.toml:1:"), "{e}");
    }

    #[test]
    fn inline_rule_errors_point_at_the_rule() {
        let e = err(
            "[[rule]]\nid = \"x.a\"\nname = \"a\"\ndescription = \"d\"\nremediation = \"r\"\nkeywords = [\"k\"]\nregex = \"(\"\nexamples = [\"k\"]\n",
        );
        assert!(
            e.starts_with("cfg.toml:1:1: [[rule]]: rule `x.a`: invalid regex"),
            "{e}"
        );
        assert!(e.contains("invalid regex"), "{e}");
        let e = err("[[rule]]\nid = \"x.a\"\nflavour = 1\n");
        assert!(e.contains("cfg.toml:3:1") && e.contains("flavour"), "{e}");
    }

    #[test]
    fn rule_patterns_must_match_a_rule() {
        let cfg = parse("[rules]\ndisable = [\"nosuch.*\"]\n").unwrap();
        let e = format!(
            "{:#}",
            cfg.apply_rules(rules::builtin_rules().unwrap())
                .unwrap_err()
        );
        assert!(e.starts_with("cfg.toml:2:12: rules.disable:"), "{e}");
        assert!(e.contains("no rule matches `nosuch.*`"), "{e}");
    }

    #[test]
    fn disable_enable_and_levels() {
        let all = rules::builtin_rules().unwrap();
        let n = all.len();
        let gh = all.iter().filter(|r| r.id().starts_with("github.")).count();
        assert!(gh >= 2);
        let cfg = parse(
            "[rules]\ndisable = [\"github.*\"]\nenable = [\"github.classic-pat\"]\n[rules.level]\n\"github.classic-pat\" = \"note\"\n",
        )
        .unwrap();
        let out = cfg.apply_rules(all).unwrap();
        assert_eq!(out.len(), n - gh + 1);
        let pat = out.iter().find(|r| r.id() == "github.classic-pat").unwrap();
        assert_eq!(pat.spec.level, Level::Note);
    }

    #[test]
    fn hygiene_thresholds_map_onto_the_policy() {
        let cfg =
            parse("[hygiene]\nmax_jwt_lifetime = \"2h\"\nmax_sas_lifetime = 86400\n").unwrap();
        let mut p = Policy::new(0);
        let before = p.max_bootstrap_ttl;
        cfg.hygiene.apply(&mut p);
        assert_eq!(p.max_jwt_lifetime, 7200);
        assert_eq!(p.max_sas_lifetime, 86400);
        assert_eq!(p.max_bootstrap_ttl, before);
    }

    #[test]
    fn baseline_is_relative_to_the_config() {
        let cfg = Config::parse("baseline = \"b.json\"\n", "x", Path::new("/repo")).unwrap();
        assert_eq!(cfg.baseline.as_deref(), Some(Path::new("/repo/b.json")));
    }

    #[test]
    fn globs() {
        assert!(id_glob_matches("github.*", "github.classic-pat"));
        assert!(id_glob_matches("*pat", "github.classic-pat"));
        assert!(id_glob_matches("a*b*c", "aXbYc"));
        assert!(!id_glob_matches("a*b*c", "aXcYb"));
        assert!(!id_glob_matches("github.*", "gitlab.pat"));
        assert!(id_glob_matches("exact", "exact"));
        assert!(!id_glob_matches("ab*ba", "aba"));
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("24h"), Some(86400));
        assert_eq!(parse_duration("2w"), Some(14 * 86400));
        assert_eq!(parse_duration("90"), Some(90));
        assert_eq!(parse_duration("-1h"), None);
        assert_eq!(parse_duration("soon"), None);
    }
}
