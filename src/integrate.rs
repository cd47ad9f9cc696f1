//! The CLI side of the integrations: finds the configuration, applies allowlist counts and the
//! baseline to a scan, and runs `baseline`, `install-hook` and `action` (the library modules
//! [`tokenhound::config`], [`tokenhound::baseline`], [`tokenhound::hook`] and
//! [`tokenhound::github`] do the work).

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::cli::{ActionCommand, BaselineCommand, FailOn, InstallHookArgs, ScanArgs};
use tokenhound::baseline::Baseline;
use tokenhound::scan::ScanReport;
use tokenhound::session::{self, ConfigChoice};

/// The default baseline file name.
pub const BASELINE_FILE: &str = ".tokenhound-baseline.json";

/// Which configuration a scan uses: `--config FILE`, else none with `--no-config`, else
/// `.tokenhound.toml` discovered from the scan root (the first path, or the current directory).
pub fn config_choice(args: &ScanArgs) -> ConfigChoice {
    match (&args.config, args.no_config) {
        (Some(p), _) => ConfigChoice::File(p.clone()),
        (None, true) => ConfigChoice::Disabled,
        (None, false) => ConfigChoice::Discover,
    }
}

/// The baseline file `baseline update` rewrites: `--baseline FILE`, else the configuration's
/// `baseline`, else the default name.
fn baseline_path(args: &ScanArgs) -> Result<PathBuf> {
    if let Some(p) = &args.baseline {
        return Ok(p.clone());
    }
    let root = match args.paths.first() {
        Some(p) if p.as_os_str() != "-" => p.clone(),
        _ => PathBuf::from("."),
    };
    let config = session::load_config(&config_choice(args), &root)?;
    Ok(config
        .baseline
        .unwrap_or_else(|| PathBuf::from(BASELINE_FILE)))
}

/// On stderr, after a blocked commit's human report: how to allow a finding on purpose.
pub fn print_allow_hint(args: &ScanArgs, report: &ScanReport) {
    let level = match args.fail_on {
        FailOn::Error => "error",
        FailOn::Warning => "warning",
        FailOn::Note | FailOn::Never => "note",
    };
    let n = report.findings.len();
    let what = if args.staged {
        "tokenhound: commit blocked"
    } else {
        "tokenhound"
    };
    let mut e = std::io::stderr().lock();
    let _ = writeln!(
        e,
        "{what}: {n} finding{} at or above `{level}` (listed above).\n\
         Remove the secret (and revoke it: it may already be copied). If it is intended (a test\n\
         fixture, a documented example), allow it on purpose:\n\
         \x20 - add a comment containing `tokenhound:allow` on its line;\n\
         \x20 - or accept the current findings in a baseline:\n\
         \x20     tokenhound baseline create{} > {BASELINE_FILE}\n\
         \x20   and scan with --baseline {BASELINE_FILE} (or set `baseline = \"{BASELINE_FILE}\"` in .tokenhound.toml);\n\
         \x20 - or allowlist its path or pattern in .tokenhound.toml ([allowlist] paths / regexes / stopwords).",
        if n == 1 { "" } else { "s" },
        if args.staged { " --staged" } else { "" },
    );
}

/// `tokenhound baseline create|update`.
pub fn run_baseline(cmd: BaselineCommand) -> Result<u8> {
    match cmd {
        BaselineCommand::Create(args) => {
            let (report, _) = super::scan_report(&args, false)?;
            let b = Baseline::from_findings(&report.findings);
            write_out(args.output.as_deref(), &b.to_json())?;
            eprintln!(
                "tokenhound: baseline of {} finding{} ({} distinct secret{})",
                report.findings.len(),
                if report.findings.len() == 1 { "" } else { "s" },
                b.entries.len(),
                if b.entries.len() == 1 { "" } else { "s" },
            );
            Ok(0)
        }
        BaselineCommand::Update { scan, add } => {
            let path = baseline_path(&scan)?;
            let mut b = Baseline::load(&path)?;
            let (report, _) = super::scan_report(&scan, false)?;
            let s = b.update(&report.findings, add);
            let out = scan.output.clone().unwrap_or_else(|| path.clone());
            write_out(Some(&out), &b.to_json())?;
            eprintln!(
                "tokenhound: {}: kept {}, pruned {} no longer found, added {}",
                out.display(),
                s.kept,
                s.pruned,
                s.added
            );
            Ok(0)
        }
    }
}

fn write_out(path: Option<&Path>, text: &str) -> Result<()> {
    match path {
        Some(p) => std::fs::write(p, text).with_context(|| format!("cannot write {}", p.display())),
        None => {
            let mut o = std::io::stdout().lock();
            o.write_all(text.as_bytes())?;
            o.flush()?;
            Ok(())
        }
    }
}

/// `tokenhound install-hook`.
pub fn run_install_hook(args: InstallHookArgs) -> Result<u8> {
    let exe = std::env::current_exe().context("cannot locate the tokenhound binary")?;
    let exe = std::fs::canonicalize(&exe).unwrap_or(exe);
    match tokenhound::hook::install(&args.path, &exe, args.force)? {
        tokenhound::hook::Installed::New(p) => println!("installed {}", p.display()),
        tokenhound::hook::Installed::Updated(p) => println!("updated {}", p.display()),
        tokenhound::hook::Installed::Replaced { hook, backup } => println!(
            "installed {} (the previous hook is now {})",
            hook.display(),
            backup.display()
        ),
    }
    Ok(0)
}

/// `tokenhound action range|summary|count`.
pub fn run_action(cmd: ActionCommand) -> Result<u8> {
    match cmd {
        ActionCommand::Range {
            event_name,
            event_path,
        } => {
            let payload = std::fs::read_to_string(&event_path)
                .with_context(|| format!("cannot read {}", event_path.display()))?;
            let r = tokenhound::github::event_range(&event_name, &payload)
                .with_context(|| event_path.display().to_string())?;
            if let Some(r) = r {
                println!("{r}");
            }
            Ok(0)
        }
        ActionCommand::Summary {
            sarif,
            scanned,
            limit,
        } => {
            let rows = read_rows(&sarif)?;
            print!("{}", tokenhound::github::summary(&rows, &scanned, limit));
            Ok(0)
        }
        ActionCommand::Count { sarif } => {
            println!("{}", read_rows(&sarif)?.len());
            Ok(0)
        }
    }
}

fn read_rows(sarif: &Path) -> Result<Vec<tokenhound::github::Row>> {
    let text = std::fs::read_to_string(sarif)
        .with_context(|| format!("cannot read {}", sarif.display()))?;
    tokenhound::github::sarif_rows(&text).with_context(|| sarif.display().to_string())
}
