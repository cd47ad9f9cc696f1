//! tokenhound command-line entry: parses flags (the only place that knows clap and process exit
//! codes), builds the library's plain settings, runs the scan and writes the report.

mod cli;
mod integrate;
mod org_cli;

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::Parser;

use cli::{Cli, Command, DecodeArgs, DecodeFormat, FailOn, FormatArg, RulesCommand, ScanArgs};
use tokenhound::finding::{Confidence, Level};
use tokenhound::hygiene::Policy;
use tokenhound::matcher::Matcher;
use tokenhound::report::{Format, ReportOptions, write_report};
use tokenhound::rules::{self, Rule};
use tokenhound::scan::{ScanOptions, ScanReport};
use tokenhound::session::{self, ScanSettings, Target};
use tokenhound::source;

/// The scan allocates and frees many small buffers per file (lines, views, candidates) on
/// every worker thread; mimalloc's thread-local free lists serve them with less time in the
/// allocator than the system's (BENCHMARKS.md, twenty-fifth session).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Scan(args) => run_scan(args),
        Command::Rules { command } => run_rules(command),
        Command::Decode(args) => run_decode(args),
        Command::Merge(args) => org_cli::run_merge(args),
        Command::Baseline { command } => integrate::run_baseline(command),
        Command::InstallHook(args) => integrate::run_install_hook(args),
        Command::Action { command } => integrate::run_action(command),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("tokenhound: error: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

fn parse_now(now: Option<&str>) -> Result<i64> {
    match now {
        Some(s) => Ok(chrono::DateTime::parse_from_rfc3339(s)
            .with_context(|| {
                format!("--now: `{s}` is not an RFC 3339 time (e.g. 2026-11-01T00:00:00Z)")
            })?
            .timestamp()),
        None => Ok(chrono::Utc::now().timestamp()),
    }
}

fn run_scan(args: ScanArgs) -> Result<u8> {
    if args.repos.is_some() {
        return org_cli::run_org_scan(args);
    }
    let (report, rules) = scan_report(&args, true)?;
    finish(&args, &report, &rules)
}

/// The `--min-confidence` of `args` as the library's [`Confidence`].
fn min_confidence(args: &ScanArgs) -> Confidence {
    match args.min_confidence {
        cli::ConfidenceArg::Low => Confidence::Low,
        cli::ConfidenceArg::Medium => Confidence::Medium,
        cli::ConfidenceArg::High => Confidence::High,
    }
}

/// Run the scan `args` describe; `use_baseline: false` reports baselined findings too.
fn scan_report(args: &ScanArgs, use_baseline: bool) -> Result<(ScanReport, Vec<Rule>)> {
    let settings = ScanSettings {
        config: integrate::config_choice(args),
        extra_rules: args.rules.clone(),
        now: parse_now(args.now.as_deref())?,
        max_jwt_lifetime: args.max_lifetime,
        options: ScanOptions {
            max_file_size: args.max_file_size,
            threads: args.threads,
            no_ignore: args.no_ignore,
            audit_manifests: args.audit_manifests,
        },
        baseline: args.baseline.clone(),
        use_baseline,
        min_confidence: min_confidence(args),
        progress: std::io::stderr().is_terminal(),
        blob_reader: match std::env::var("TOKENHOUND_BLOB_READER").as_deref() {
            Ok("libgit2") => source::blobs::Reader::Libgit2,
            _ => source::blobs::Reader::CatFile,
        },
        explain_allowlist: args.verbose,
        history_delta: args.history_reader == cli::HistoryReader::Delta,
        verbose: args.verbose,
    };
    let scan = session::scan(&settings, &target(args)?)?;
    Ok((scan.report, scan.rules))
}

/// What `args` ask to scan; the git modes exclude each other and take one repository.
fn target(args: &ScanArgs) -> Result<Target> {
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    let modes = [
        args.history,
        args.staged,
        args.range.is_some() || args.since.is_some(),
    ];
    if !modes.iter().any(|m| *m) {
        return Ok(Target::Paths(paths));
    }
    if modes.iter().filter(|m| **m).count() > 1 || (args.range.is_some() && args.since.is_some()) {
        bail!("choose one of --history, --staged, --range or --since");
    }
    if args.all_objects && !args.history {
        bail!("--all-objects goes with --history");
    }
    if paths.len() != 1 {
        bail!("git modes scan one repository; got {} paths", paths.len());
    }
    let repo = paths.into_iter().next().unwrap_or_default();
    Ok(if args.staged {
        Target::Staged(repo)
    } else if let Some(r) = &args.range {
        Target::Range {
            repo,
            range: r.clone(),
        }
    } else if let Some(since) = &args.since {
        Target::Range {
            repo,
            range: format!("{since}..HEAD"),
        }
    } else {
        Target::History {
            repo,
            all_objects: args.all_objects,
        }
    })
}

fn finish(args: &ScanArgs, report: &ScanReport, rules: &[Rule]) -> Result<u8> {
    for s in report.stats.skipped.iter().filter(|s| s.is_error()) {
        eprintln!("tokenhound: skipped {}: {}", s.input, s.reason);
    }
    let format = match args.format {
        FormatArg::Human => Format::Human,
        FormatArg::Json => Format::Json,
        FormatArg::Sarif => Format::Sarif,
    };
    let to_terminal = args.output.is_none() && std::io::stdout().is_terminal();
    let opts = ReportOptions {
        show_secrets: args.show_secrets,
        color: match args.color.as_str() {
            "always" => true,
            "never" => false,
            _ => to_terminal && std::env::var_os("NO_COLOR").is_none(),
        },
        verbose: args.verbose,
        now: parse_now(args.now.as_deref()).ok(),
    };
    match &args.output {
        Some(path) => {
            let file = std::fs::File::create(path)
                .with_context(|| format!("cannot write {}", path.display()))?;
            let mut w = std::io::BufWriter::new(file);
            write_report(&mut w, format, report, rules, &opts)?;
            w.flush()?;
        }
        None => {
            let stdout = std::io::stdout();
            let mut w = std::io::BufWriter::new(stdout.lock());
            write_report(&mut w, format, report, rules, &opts)?;
            w.flush()?;
        }
    }
    let code = if args.fail_on_incomplete && incomplete(report) {
        2
    } else {
        exit_code(args.fail_on, report)
    };
    if code == 1 && args.staged && format == Format::Human {
        integrate::print_allow_hint(args, report);
    }
    Ok(code)
}

/// A git scan that could not read the history whole: an object it references is missing from
/// the object store, or an object (or ref) could not be read.
fn incomplete(report: &ScanReport) -> bool {
    report.repository.is_some()
        && (!report.stats.missing.is_empty()
            || report
                .stats
                .skipped
                .iter()
                .any(|s| s.category() == "unreadable"))
}

fn exit_code(fail_on: FailOn, report: &ScanReport) -> u8 {
    let threshold = match fail_on {
        FailOn::Error => Level::Error,
        FailOn::Warning => Level::Warning,
        FailOn::Note => Level::Note,
        FailOn::Never => return 0,
    };
    u8::from(report.findings.iter().any(|f| f.level >= threshold))
}

/// Longest input `decode` reads from stdin.
const MAX_DECODE_INPUT: u64 = 1 << 20;

/// `tokenhound decode`: one token from stdin → what it says and the verdict, redacted.
/// Exit 0 = decoded, 1 = recognised but not decodable, 2 = no token / unknown shape.
fn run_decode(args: DecodeArgs) -> Result<u8> {
    use std::io::Read;
    let mut policy = Policy::new(parse_now(args.now.as_deref())?);
    if let Some(l) = args.max_lifetime {
        policy.max_jwt_lifetime = l;
    }
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprintln!("tokenhound: paste one token, then press Ctrl-D (it is read from stdin only)");
    }
    let mut buf = Vec::new();
    stdin
        .lock()
        .take(MAX_DECODE_INPUT + 1)
        .read_to_end(&mut buf)
        .context("cannot read stdin")?;
    if buf.len() as u64 > MAX_DECODE_INPUT {
        bail!("stdin: more than 1 MiB; decode reads one token");
    }
    let input = String::from_utf8_lossy(&buf);
    let decoder = match args.family.as_deref() {
        Some(name) => Some(
            tokenhound::decode::Decoder::from_name(name).with_context(|| {
                let names: Vec<&str> = tokenhound::decode::Decoder::ALL
                    .iter()
                    .map(|d| d.as_str())
                    .collect();
                format!(
                    "--family {name}: unknown decoder (one of {})",
                    names.join(", ")
                )
            })?,
        ),
        None => None,
    };
    let Some(d) = tokenhound::hygiene::decode_input(&input, decoder, &policy) else {
        if input.trim().is_empty() {
            bail!("stdin: no token given");
        }
        bail!("stdin: not a token shape tokenhound can decode (try --family)");
    };
    let a = &d.assessment;
    let token = input.trim();
    let redacted = tokenhound::finding::redact(token);
    let decoded = a.properties.get("decoded") != Some(&serde_json::Value::Bool(false));
    let level = tokenhound::hygiene::level_for(Level::Note, &a.flags);
    let stdout = std::io::stdout();
    let mut w = std::io::BufWriter::new(stdout.lock());
    match args.format {
        DecodeFormat::Json => {
            let doc = serde_json::json!({
                "family": d.decoder.as_str(),
                "redacted": redacted,
                "decoded": decoded,
                "summary": a.summary,
                "hygiene": a.flags,
                "level": level.as_str(),
                "properties": a.properties,
            });
            serde_json::to_writer_pretty(&mut w, &doc)?;
            writeln!(w)?;
        }
        DecodeFormat::Human => {
            writeln!(w, "token:    {redacted}")?;
            writeln!(w, "family:   {}", d.decoder.as_str())?;
            if let Some(s) = &a.summary {
                writeln!(w, "summary:  {s}")?;
            }
            if a.flags.is_empty() {
                writeln!(w, "verdict:  nothing to flag")?;
            } else {
                writeln!(w, "verdict:  {} ({})", a.flags.join(", "), level.as_str())?;
            }
            let facts = tokenhound::report::human::key_facts(&a.properties, Some(policy.now));
            if !facts.is_empty() {
                writeln!(w)?;
                for (k, v) in &facts {
                    writeln!(w, "  {k:<9} {v}")?;
                }
                writeln!(w)?;
            }
            for (k, v) in &a.properties {
                let shown = match v {
                    serde_json::Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                writeln!(w, "  {k:<22} {shown}")?;
            }
        }
    }
    w.flush()?;
    Ok(if decoded { 0 } else { 1 })
}

fn run_rules(cmd: RulesCommand) -> Result<u8> {
    match cmd {
        RulesCommand::List { rules } => {
            let all = session::load_rules(rules.as_slice())?;
            let stdout = std::io::stdout();
            let mut w = std::io::BufWriter::new(stdout.lock());
            for r in &all {
                writeln!(
                    w,
                    "{:<40} {:<8} {:<10} {}",
                    r.id(),
                    r.spec.level.as_str(),
                    r.spec.precision.as_str(),
                    r.spec.name
                )?;
            }
            writeln!(w, "{} rules", all.len())?;
            w.flush()?;
            Ok(0)
        }
        RulesCommand::Doc => {
            let matcher = Matcher::new(tokenhound::rules::builtin_rules()?)?;
            let mut w = std::io::stdout().lock();
            w.write_all(tokenhound::rules_doc::render(&matcher).as_bytes())?;
            w.flush()?;
            Ok(0)
        }
        RulesCommand::Check { files } => {
            let all = session::load_rules(&files)?;
            rules::compile_all(&all)?;
            let matcher = Matcher::new(all)?;
            let (failures, n) = tokenhound::selfcheck::check_examples(&matcher);
            for f in &failures {
                println!("FAIL {} ({}): {}", f.rule_id, f.kind, f.example);
            }
            println!(
                "{} rules, {} examples: {} passed, {} failed",
                matcher.rules().len(),
                n,
                n - failures.len(),
                failures.len()
            );
            Ok(u8::from(!failures.is_empty()))
        }
    }
}
