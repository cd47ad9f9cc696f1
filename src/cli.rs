//! Command-line definitions (clap). Only `main.rs` sees this module; it turns flags into the
//! library's plain settings.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// tokenhound: find leaked credentials in files and git history, and judge their hygiene.
#[derive(Debug, Parser)]
#[command(name = "tokenhound", version, about, long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Scan files (default), git history (--history), staged changes (--staged) or a commit range.
    Scan(ScanArgs),
    /// Merge organisation reports (the JSON or SARIF shards of `scan --repos`) into one.
    Merge(MergeArgs),
    /// Decode ONE token read from stdin (never from the command line) and print its verdict.
    Decode(DecodeArgs),
    /// List or check the rules.
    Rules {
        /// rules subcommand
        #[command(subcommand)]
        command: RulesCommand,
    },
    /// Record known findings so that later scans report only new ones (docs/baseline.md).
    Baseline {
        /// baseline subcommand
        #[command(subcommand)]
        command: BaselineCommand,
    },
    /// Install a git pre-commit hook that runs `tokenhound scan --staged`.
    InstallHook(InstallHookArgs),
    /// Helpers for the GitHub Action (action.yml).
    Action {
        /// action subcommand
        #[command(subcommand)]
        command: ActionCommand,
    },
}

/// `baseline` subcommands.
#[derive(Debug, Subcommand)]
pub enum BaselineCommand {
    /// Scan (same options as `scan`) and print a baseline of every finding (JSON, to stdout or -o).
    Create(ScanArgs),
    /// Scan again and prune the entries of --baseline FILE that are no longer found (in place).
    Update {
        /// Scan options; --baseline names the file to update (default: the configured one, else
        /// .tokenhound-baseline.json).
        #[command(flatten)]
        scan: ScanArgs,
        /// Also add findings that are not in the baseline yet.
        #[arg(long)]
        add: bool,
    },
}

/// `install-hook` options.
#[derive(Debug, Args)]
pub struct InstallHookArgs {
    /// A path inside the repository (default: the current directory).
    #[arg(default_value = ".")]
    pub path: PathBuf,
    /// Replace a pre-commit hook that tokenhound did not write (it is kept as pre-commit.orig).
    #[arg(long)]
    pub force: bool,
}

/// `action` subcommands (used by scripts/action-scan.sh).
#[derive(Debug, Subcommand)]
pub enum ActionCommand {
    /// Print the BASE..HEAD range of a GitHub event (nothing when the event has none).
    Range {
        /// Event name (GITHUB_EVENT_NAME).
        #[arg(long)]
        event_name: String,
        /// Event payload file (GITHUB_EVENT_PATH).
        #[arg(long)]
        event_path: PathBuf,
    },
    /// Print a markdown job summary (redacted) of a SARIF report.
    Summary {
        /// The SARIF file.
        sarif: PathBuf,
        /// What was scanned, for the heading.
        #[arg(long, default_value = "the repository")]
        scanned: String,
        /// Most rows in the table.
        #[arg(long, default_value_t = 100)]
        limit: usize,
    },
    /// Print the number of results in a SARIF report.
    Count {
        /// The SARIF file.
        sarif: PathBuf,
    },
}

/// `rules` subcommands.
#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// List the rules (built-in plus --rules).
    List {
        /// Extra rules file or directory.
        #[arg(long)]
        rules: Option<PathBuf>,
    },
    /// Run every rule's examples through the pipeline; exit 1 on a missed positive or matched negative.
    Check {
        /// Rule files to check (with the built-ins); default: the built-ins only.
        files: Vec<PathBuf>,
    },
    /// Write the rule reference (Markdown, one anchor per rule id) to stdout; docs/rules.md is
    /// `tokenhound rules doc > docs/rules.md`.
    Doc,
}

/// Output formats.
/// `--history-reader`: how a history scan reads blobs.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum HistoryReader {
    /// Pack-aware: deltas are matched only around what they change.
    Delta,
    /// Every blob read through `git cat-file` and scanned whole.
    Plain,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum FormatArg {
    /// Readable terminal view.
    Human,
    /// JSON document (docs/json-output.md).
    Json,
    /// SARIF 2.1.0.
    Sarif,
}

/// `decode` options. The token itself is read from stdin only, so it stays out of shell history.
#[derive(Debug, Args)]
pub struct DecodeArgs {
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    pub format: DecodeFormat,
    /// Read the token with this decoder (jwt, pypi-macaroon, flyio-macaroon, azure-sas,
    /// aws-access-key, gcp-service-account, github, kubeadm-bootstrap, kubeconfig-static-token,
    /// private-key, refresh-token) instead of guessing.
    #[arg(long, value_name = "FAMILY")]
    pub family: Option<String>,
    /// Reference time for hygiene checks (RFC 3339), default: now.
    #[arg(long, value_name = "RFC3339")]
    pub now: Option<String>,
    /// Longest JWT lifetime (exp - iat) not flagged long-lived, e.g. 24h, 7d.
    #[arg(long, value_parser = parse_duration, value_name = "DURATION")]
    pub max_lifetime: Option<i64>,
}

/// `decode` output formats.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum DecodeFormat {
    /// Readable lines.
    Human,
    /// One JSON object.
    Json,
}

/// `--fail-on` thresholds.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum FailOn {
    /// Fail on error-level findings only.
    Error,
    /// Fail on warnings and errors.
    Warning,
    /// Fail on any finding.
    Note,
    /// Never fail because of findings.
    Never,
}

/// `--min-confidence` values.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum ConfidenceArg {
    /// Everything, including generic matches that are often samples or test values.
    Low,
    /// Probable and certain credentials (the default).
    Medium,
    /// Only findings that are almost certainly credentials.
    High,
}

/// `scan` options.
#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Paths to scan (files or directories; `-` reads stdin). With --history/--staged: the repository.
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    pub format: FormatArg,
    /// Write the report to FILE instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Lowest confidence reported: low, medium (default) or high. Findings below it are
    /// counted in a note, not listed.
    #[arg(long, value_enum, default_value = "medium")]
    pub min_confidence: ConfidenceArg,
    /// Lowest level that makes the exit code 1.
    #[arg(long, value_enum, default_value = "note")]
    pub fail_on: FailOn,
    /// Git modes: exit 2 when the history could not be read whole (an object it references is
    /// missing from the object store, or unreadable).
    #[arg(long)]
    pub fail_on_incomplete: bool,
    /// Worker threads (default: number of CPUs).
    #[arg(long, short = 'j', default_value_t = 0)]
    pub threads: usize,
    /// Skip (and report) files larger than this (e.g. 20M, 512K, 1048576).
    #[arg(long, default_value = "20M", value_parser = parse_size)]
    pub max_file_size: u64,
    /// Print secrets in the report (off by default).
    #[arg(long)]
    pub show_secrets: bool,
    /// Extra rules: a TOML file or a directory of them.
    #[arg(long, value_name = "FILE|DIR")]
    pub rules: Vec<PathBuf>,
    /// Reference time for hygiene checks (RFC 3339), default: now.
    #[arg(long, value_name = "RFC3339")]
    pub now: Option<String>,
    /// Do not honour .gitignore/.ignore files.
    #[arg(long)]
    pub no_ignore: bool,
    /// Scan every blob reachable from every ref of the repository.
    #[arg(long)]
    pub history: bool,
    /// With --history: also scan unreachable objects.
    #[arg(long)]
    pub all_objects: bool,
    /// With --history: how blobs are read. `delta` reads the packs and matches a delta only
    /// around the lines it changes (same findings); `plain` reads and scans every blob whole.
    #[arg(long, value_enum, default_value = "delta", value_name = "READER")]
    pub history_reader: HistoryReader,
    /// Scan what `git commit` would add (staged changes versus HEAD).
    #[arg(long)]
    pub staged: bool,
    /// Scan blobs introduced by the commits in BASE..HEAD.
    #[arg(long, value_name = "BASE..HEAD")]
    pub range: Option<String>,
    /// Scan blobs introduced since REF (same as --range REF..HEAD).
    #[arg(long, value_name = "REF")]
    pub since: Option<String>,
    /// Longest JWT lifetime (exp - iat) not flagged long-lived, e.g. 24h, 7d.
    #[arg(long, value_parser = parse_duration, value_name = "DURATION")]
    pub max_lifetime: Option<i64>,
    /// Also audit Kubernetes manifests and scripts (legacy token Secrets, long-lived or
    /// audience-less projected tokens and TokenRequests, `kubectl create token --duration`,
    /// automounted tokens): configuration findings, not leaked secrets.
    #[arg(long)]
    pub audit_manifests: bool,
    /// List every skipped input in the human report, and each allowlist entry with its count and
    /// reason.
    #[arg(long, short = 'v')]
    pub verbose: bool,
    /// Colour: auto, always, never.
    #[arg(long, default_value = "auto")]
    pub color: String,
    /// Configuration file (default: .tokenhound.toml at the scan root, if present).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Ignore .tokenhound.toml at the scan root.
    #[arg(long, conflicts_with = "config")]
    pub no_config: bool,
    /// Do not report findings recorded in this baseline file (see `tokenhound baseline`).
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Scan the repositories listed in FILE (one local path or git URL per line; URLs are cloned
    /// into --cache by the system git). Their history by default, or --tree.
    #[arg(long, value_name = "FILE")]
    pub repos: Option<PathBuf>,
    /// With --repos: scan only shard I of N (0-based), e.g. 0/4.
    #[arg(
        long,
        value_name = "I/N",
        requires = "repos",
        conflicts_with = "shards"
    )]
    pub shard: Option<String>,
    /// With --repos: the number of shards; this worker's index is $JOB_COMPLETION_INDEX.
    #[arg(long, value_name = "N", requires = "repos")]
    pub shards: Option<usize>,
    /// With --repos: scan each repository's files (default branch) instead of its history.
    #[arg(long, requires = "repos", conflicts_with = "history")]
    pub tree: bool,
    /// With --repos: where git URLs are cloned (default: $TOKENHOUND_CACHE, else
    /// ~/.cache/tokenhound/repos).
    #[arg(long, value_name = "DIR", requires = "repos")]
    pub cache: Option<PathBuf>,
}

/// `merge` options.
#[derive(Debug, Args)]
pub struct MergeArgs {
    /// Reports to merge (JSON or SARIF, from `scan --repos` or an earlier `merge`).
    #[arg(required = true)]
    pub reports: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    pub format: FormatArg,
    /// Write the merged report to FILE instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Also write one SARIF file per repository into DIR (for code-scanning uploads).
    #[arg(long, value_name = "DIR")]
    pub sarif_dir: Option<PathBuf>,
    /// Lowest level that makes the exit code 1.
    #[arg(long, value_enum, default_value = "note")]
    pub fail_on: FailOn,
    /// Keep the secrets in the output (only present if the shards were scanned with them).
    #[arg(long)]
    pub show_secrets: bool,
    /// Extra rules files or directories the shards used (for SARIF rule descriptions).
    #[arg(long, value_name = "FILE|DIR")]
    pub rules: Vec<PathBuf>,
    /// Colour: auto, always, never.
    #[arg(long, default_value = "auto")]
    pub color: String,
}

/// Parse `20M`, `512K`, `1G`, `1048576`.
pub fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim().to_ascii_uppercase();
    let t = t.trim_end_matches("IB").trim_end_matches('B');
    let (num, mul) = match t.chars().last() {
        Some('K') => (&t[..t.len() - 1], 1u64 << 10),
        Some('M') => (&t[..t.len() - 1], 1 << 20),
        Some('G') => (&t[..t.len() - 1], 1 << 30),
        _ => (t, 1),
    };
    num.trim()
        .parse::<u64>()
        .map(|n| n * mul)
        .map_err(|_| format!("invalid size `{s}` (use e.g. 20M, 512K or a byte count)"))
}

/// Parse a duration flag (`90s`, `15m`, `24h`, `7d`, `2w`, `1y` or plain seconds) into seconds,
/// as the configuration file does ([`tokenhound::config::parse_duration`]).
pub fn parse_duration(s: &str) -> Result<i64, String> {
    tokenhound::config::parse_duration(s)
        .ok_or_else(|| format!("invalid duration `{s}` (use e.g. 24h, 7d)"))
}
