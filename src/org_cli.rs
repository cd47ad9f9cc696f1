//! The CLI side of organisation scans: `scan --repos FILE [--shard I/N | --shards N]` and
//! `merge REPORT…`. Flags become the library's settings here; [`tokenhound::org`] and
//! [`tokenhound::org::merge`] do the work.

use std::io::{IsTerminal, Write};
use std::path::Path;

use anyhow::{Context, Result, bail};

use crate::cli::{FailOn, FormatArg, MergeArgs, ScanArgs};
use tokenhound::baseline::Baseline;
use tokenhound::config::Config;
use tokenhound::finding::Level;
use tokenhound::hygiene::Policy;
use tokenhound::matcher::Matcher;
use tokenhound::org::merge::{self, Descriptors, OrgReport};
use tokenhound::org::{self, Mode, OrgOptions, Shard};
use tokenhound::report::ReportOptions;
use tokenhound::rules::Rule;
use tokenhound::scan::{ScanOptions, Scanner};

/// `tokenhound scan --repos FILE`: scan this worker's shard of the list into one report.
pub fn run_org_scan(args: ScanArgs) -> Result<u8> {
    if !args.paths.is_empty() {
        bail!("--repos takes the repositories from its list; give no paths");
    }
    if args.staged || args.range.is_some() || args.since.is_some() {
        bail!("--repos scans history (default) or --tree; not --staged, --range or --since");
    }
    if args.all_objects {
        bail!("--all-objects is not available with --repos");
    }
    let list = args.repos.as_deref().context("--repos")?;
    let entries = org::read_list(list)?;
    let shard = match (&args.shard, args.shards) {
        (Some(s), _) => s.parse::<Shard>()?,
        (None, Some(n)) => {
            Shard::from_index_var(std::env::var("JOB_COMPLETION_INDEX").ok().as_deref(), n)?
        }
        (None, None) => Shard::new(0, 1)?,
    };
    let selected = org::select(&entries, shard);
    eprintln!(
        "tokenhound: shard {}/{}: {} of {} repositories",
        shard.index,
        shard.count,
        selected.len(),
        entries.len()
    );
    // the organisation's configuration is --config only (each repository's own
    // .tokenhound.toml is not read)
    let config = match &args.config {
        Some(p) => Config::load(p)?,
        None => Config::default(),
    };
    let rules = config.apply_rules(tokenhound::session::load_rules(&args.rules)?)?;
    let mut policy = Policy::new(super::parse_now(args.now.as_deref())?);
    config.hygiene.apply(&mut policy);
    if let Some(l) = args.max_lifetime {
        policy.max_jwt_lifetime = l;
    }
    let options = ScanOptions {
        max_file_size: args.max_file_size,
        threads: args.threads,
        no_ignore: args.no_ignore,
        audit_manifests: args.audit_manifests,
    };
    let baseline = match args.baseline.as_ref().or(config.baseline.as_ref()) {
        Some(p) => Some(Baseline::load(p)?),
        None => None,
    };
    let scanner = Scanner::new(Matcher::new(rules.clone())?, policy, options)
        .with_allowlist(config.allowlist);
    let mode = if args.tree { Mode::Tree } else { Mode::History };
    let opts = OrgOptions {
        mode,
        cache: args.cache.clone().unwrap_or_else(org::fetch::default_cache),
        report: ReportOptions {
            show_secrets: args.show_secrets,
            ..Default::default()
        },
    };
    let mut scan_one = |_: &org::RepoEntry, path: &Path| {
        let mut report = org::scan_repository(&scanner, path, mode)?;
        if let Some(b) = &baseline {
            let (kept, _) = b.filter(std::mem::take(&mut report.findings));
            report.findings = kept;
        }
        tokenhound::scan::apply_min_confidence(&mut report, super::min_confidence(&args));
        Ok(report)
    };
    let mut progress = |p: &org::Progress<'_>| {
        let s = p.summary;
        match &s.error {
            Some(e) => eprintln!("tokenhound: [{}/{}] {}: FAILED: {e}", p.done, p.total, s.id),
            None => eprintln!(
                "tokenhound: [{}/{}] {}: {} scanned, {} bytes, {} findings (fetch {:.1}s, scan {:.1}s)",
                p.done,
                p.total,
                s.id,
                s.scanned,
                s.bytes,
                s.findings,
                p.fetch.as_secs_f64(),
                p.scan.as_secs_f64()
            ),
        }
    };
    let report = org::scan_repos(&selected, &opts, &mut scan_one, &mut progress);
    write_out(
        &report,
        args.format,
        args.output.as_deref(),
        &rules,
        Default::default(),
        &args.color,
        args.show_secrets,
    )?;
    let failed = report
        .repositories
        .values()
        .filter(|s| s.error.is_some())
        .count();
    if failed > 0 {
        eprintln!("tokenhound: {failed} repositories could not be scanned (listed in the report)");
        return Ok(2);
    }
    Ok(exit_code(args.fail_on, &report))
}

/// `tokenhound merge REPORT…`.
pub fn run_merge(args: MergeArgs) -> Result<u8> {
    let (mut report, descriptors) = merge::read_and_merge(&args.reports)?;
    if !args.show_secrets {
        report.strip_secrets();
    }
    let rules = tokenhound::session::load_rules(&args.rules)?;
    write_out(
        &report,
        args.format,
        args.output.as_deref(),
        &rules,
        descriptors.clone(),
        &args.color,
        args.show_secrets,
    )?;
    if let Some(dir) = &args.sarif_dir {
        let d = Descriptors::new(&rules, descriptors);
        let files = merge::write_sarif_dir(dir, &report, &d)?;
        eprintln!(
            "tokenhound: wrote {} SARIF files (one per repository) to {}",
            files.len(),
            dir.display()
        );
    }
    for s in report.repositories.values() {
        if let Some(e) = &s.error {
            eprintln!("tokenhound: {} was not scanned: {e}", s.id);
        }
    }
    Ok(exit_code(args.fail_on, &report))
}

fn write_out(
    report: &OrgReport,
    format: FormatArg,
    output: Option<&Path>,
    rules: &[Rule],
    descriptors: std::collections::BTreeMap<String, serde_json::Value>,
    color: &str,
    show_secrets: bool,
) -> Result<()> {
    let to_terminal = output.is_none() && std::io::stdout().is_terminal();
    let opts = ReportOptions {
        show_secrets,
        color: match color {
            "always" => true,
            "never" => false,
            _ => to_terminal && std::env::var_os("NO_COLOR").is_none(),
        },
        verbose: false,
        now: None,
    };
    let mut w: Box<dyn Write> = match output {
        Some(p) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(p).with_context(|| format!("cannot write {}", p.display()))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    };
    match format {
        FormatArg::Human => merge::write_human(&mut w, report, &opts)?,
        FormatArg::Json => merge::write_json(&mut w, report)?,
        FormatArg::Sarif => {
            merge::write_sarif(&mut w, report, &Descriptors::new(rules, descriptors))?
        }
    }
    w.flush()?;
    Ok(())
}

fn exit_code(fail_on: FailOn, report: &OrgReport) -> u8 {
    let threshold = match fail_on {
        FailOn::Error => Level::Error,
        FailOn::Warning => Level::Warning,
        FailOn::Note => Level::Note,
        FailOn::Never => return 0,
    };
    let hit = report.findings().any(|f| {
        let l = match f.get("level").and_then(|v| v.as_str()) {
            Some("error") => Level::Error,
            Some("warning") => Level::Warning,
            _ => Level::Note,
        };
        l >= threshold
    });
    u8::from(hit)
}
