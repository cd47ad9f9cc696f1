//! A whole scan as one library call: [`scan`] loads the configuration and rules, builds the
//! policy and the [`Scanner`], runs the chosen source, then applies the baseline and notes what
//! the allowlist suppressed — everything a front end (the CLI, an organisation scan, a test)
//! needs, so none of them re-implements it.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::allow::Reason;
use crate::baseline::Baseline;
use crate::config::Config;
use crate::finding::Confidence;
use crate::hygiene::Policy;
use crate::matcher::Matcher;
use crate::rules::{self, Rule};
use crate::scan::{Collector, ScanOptions, ScanReport, Scanner};
use crate::source;

/// Which configuration file a scan uses.
#[derive(Debug, Clone, Default)]
pub enum ConfigChoice {
    /// `.tokenhound.toml` found from the scan root upwards (the default).
    #[default]
    Discover,
    /// This file.
    File(PathBuf),
    /// None at all.
    Disabled,
}

/// What a scan reads.
#[derive(Debug, Clone)]
pub enum Target {
    /// Files and directories; `-` reads standard input.
    Paths(Vec<PathBuf>),
    /// Every blob reachable from every ref of a repository (and unreachable ones with
    /// `all_objects`).
    History {
        /// The repository.
        repo: PathBuf,
        /// Also scan unreachable objects.
        all_objects: bool,
    },
    /// What `git commit` would add (the index versus HEAD).
    Staged(PathBuf),
    /// Blobs introduced by the commits of `BASE..HEAD`.
    Range {
        /// The repository.
        repo: PathBuf,
        /// The range, `BASE..HEAD`.
        range: String,
    },
}

impl Target {
    /// The directory the configuration is discovered from.
    fn root(&self) -> PathBuf {
        match self {
            Target::Paths(p) => match p.first() {
                Some(p) if p.as_os_str() != "-" => p.clone(),
                _ => PathBuf::from("."),
            },
            Target::History { repo, .. } | Target::Staged(repo) | Target::Range { repo, .. } => {
                repo.clone()
            }
        }
    }
}

/// Everything a scan is set up with (the CLI builds this from its flags).
#[derive(Debug, Clone)]
pub struct ScanSettings {
    /// Which configuration file applies.
    pub config: ConfigChoice,
    /// Extra rule files or directories.
    pub extra_rules: Vec<PathBuf>,
    /// Reference time of the hygiene policy, Unix seconds.
    pub now: i64,
    /// Overrides the policy's longest JWT lifetime (seconds).
    pub max_jwt_lifetime: Option<i64>,
    /// Sizes, threads, ignore files, manifest audit.
    pub options: ScanOptions,
    /// A baseline file; overrides the configuration's `baseline`.
    pub baseline: Option<PathBuf>,
    /// Drop baselined findings (false when recording a baseline).
    pub use_baseline: bool,
    /// Report only findings at least this confident (a note counts the rest).
    pub min_confidence: Confidence,
    /// Show progress on standard error (history scans).
    pub progress: bool,
    /// How history scans read blobs.
    pub blob_reader: source::blobs::Reader,
    /// Note each allowlist entry with the findings it suppressed and its reason (`scan -v`).
    pub explain_allowlist: bool,
    /// History scans read packs delta-aware ([`source::delta`]).
    pub history_delta: bool,
    /// Add notes on how the scan went (`scan -v`).
    pub verbose: bool,
}

impl ScanSettings {
    /// Defaults: discovered configuration, built-in rules, baseline applied, judged at `now`.
    pub fn new(now: i64) -> Self {
        ScanSettings {
            config: ConfigChoice::Discover,
            extra_rules: Vec::new(),
            now,
            max_jwt_lifetime: None,
            options: ScanOptions::default(),
            baseline: None,
            use_baseline: true,
            min_confidence: Confidence::Medium,
            progress: false,
            blob_reader: source::blobs::Reader::CatFile,
            explain_allowlist: false,
            history_delta: true,
            verbose: false,
        }
    }
}

/// Why a scan could not run, by what the caller would do about it.
#[derive(Debug)]
pub enum ScanError {
    /// The configuration file is invalid or unreadable.
    Config(anyhow::Error),
    /// A rule file is invalid, or the rule set is inconsistent.
    Rules(anyhow::Error),
    /// The baseline file is invalid or unreadable.
    Baseline(anyhow::Error),
    /// An input given on the command line does not exist or cannot be opened as asked (a path,
    /// a repository, a range).
    Input(anyhow::Error),
}

impl fmt::Display for ScanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ScanError::Config(e)
            | ScanError::Rules(e)
            | ScanError::Baseline(e)
            | ScanError::Input(e) => write!(f, "{e:#}"),
        }
    }
}

impl std::error::Error for ScanError {}

/// A finished scan: the report and the rules it ran (reports describe them).
#[derive(Debug)]
pub struct Scan {
    /// Findings, statistics and what was scanned.
    pub report: ScanReport,
    /// The rules that ran, with the configuration's changes applied.
    pub rules: Vec<Rule>,
}

/// The built-in rules plus the rules in `extra` (files or directories), checked as a set.
pub fn load_rules(extra: &[PathBuf]) -> anyhow::Result<Vec<Rule>> {
    let mut all = rules::builtin_rules()?;
    for p in extra {
        all.extend(rules::load_rules_path(p)?);
    }
    rules::check_rule_set(&all)?;
    Ok(all)
}

/// The configuration `choice` names for a scan rooted at `root`.
pub fn load_config(choice: &ConfigChoice, root: &Path) -> anyhow::Result<Config> {
    match choice {
        ConfigChoice::File(p) => Config::load(p),
        ConfigChoice::Disabled => Ok(Config::default()),
        ConfigChoice::Discover => match Config::discover(root) {
            Some(p) => Config::load(&p),
            None => Ok(Config::default()),
        },
    }
}

/// Run one whole scan: configuration, rules, policy, the source `target` names, allowlist
/// counts and baseline.
pub fn scan(settings: &ScanSettings, target: &Target) -> Result<Scan, ScanError> {
    let mut config = load_config(&settings.config, &target.root()).map_err(ScanError::Config)?;
    let rules = load_rules(&settings.extra_rules).map_err(ScanError::Rules)?;
    let rules = config.apply_rules(rules).map_err(ScanError::Config)?;
    let mut policy = Policy::new(settings.now);
    config.hygiene.apply(&mut policy);
    if let Some(l) = settings.max_jwt_lifetime {
        policy.max_jwt_lifetime = l;
    }
    let mut matcher = Matcher::new(rules.clone()).map_err(ScanError::Rules)?;
    let not_run = matcher.skip_rules_below(settings.min_confidence);
    let scanner = Scanner::new(matcher, policy, settings.options.clone())
        .with_allowlist(std::mem::take(&mut config.allowlist));
    let mut report = run_source(settings, &scanner, target)?;
    let baseline = settings
        .baseline
        .clone()
        .or_else(|| config.baseline.clone());
    if settings.use_baseline
        && let Some(p) = baseline
    {
        let b = Baseline::load(&p).map_err(ScanError::Baseline)?;
        let (kept, known) = b.filter(std::mem::take(&mut report.findings));
        scanner.allowlist.suppressed.add(Reason::Baseline, known);
        report.findings = kept;
    }
    if let Some(note) = scanner.allowlist.suppressed.note() {
        report.stats.notes.push(note);
    }
    if settings.explain_allowlist {
        report.stats.notes.extend(scanner.allowlist.explain());
    }
    crate::scan::apply_min_confidence(&mut report, settings.min_confidence);
    if not_run > 0 {
        report.stats.notes.push(
            "rules that only report at low confidence (password hashes, identifiers alone) did \
             not run (--min-confidence low runs them)"
                .into(),
        );
    }
    Ok(Scan { report, rules })
}

/// Feed `scanner` from the source `target` names and collect its report.
fn run_source(
    settings: &ScanSettings,
    scanner: &Scanner,
    target: &Target,
) -> Result<ScanReport, ScanError> {
    let collector = Collector::default();
    let (git, repo) = match target {
        Target::Paths(paths) => {
            for p in paths {
                if p.as_os_str() == "-" {
                    source::stdin::scan_stdin(scanner, &collector);
                } else if !p.exists() {
                    return Err(ScanError::Input(anyhow::anyhow!(
                        "{}: no such file or directory",
                        p.display()
                    )));
                } else {
                    source::fs::scan_path(scanner, &collector, p);
                }
            }
            let (findings, stats) = collector.finish();
            return Ok(ScanReport {
                findings,
                stats,
                roots: paths.iter().map(|p| p.display().to_string()).collect(),
                repository: None,
            });
        }
        Target::Staged(repo) => (source::staged::scan_staged(scanner, &collector, repo), repo),
        Target::Range { repo, range } => (
            source::range::scan_range(scanner, &collector, repo, range),
            repo,
        ),
        Target::History { repo, all_objects } => {
            let opts = source::history::HistoryOptions {
                all_objects: *all_objects,
                progress: settings.progress,
                reader: settings.blob_reader,
                delta: settings.history_delta,
                explain: settings.verbose,
            };
            (
                source::history::scan_history(scanner, &collector, repo, &opts),
                repo,
            )
        }
    };
    let git = git.map_err(ScanError::Input)?;
    Ok(git.into_report(collector, repo.display().to_string()))
}
