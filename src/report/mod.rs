//! Pipeline step 7: reports. The same sorted findings rendered as a readable terminal view
//! ([`human`]), a documented JSON document ([`json`]) or SARIF 2.1.0 ([`sarif`]). Secrets appear
//! only when [`ReportOptions::show_secrets`] is set.

pub mod human;
pub mod json;
pub mod sarif;

use std::collections::BTreeMap;
use std::io::Write;

use crate::finding::{Finding, Level};
use crate::rules::Rule;
use crate::scan::ScanReport;

/// Rendering settings.
#[derive(Debug, Clone, Default)]
pub struct ReportOptions {
    /// Print the secrets themselves (off by default).
    pub show_secrets: bool,
    /// Use ANSI colours (human format).
    pub color: bool,
    /// List every skipped input (human format).
    pub verbose: bool,
    /// Reference time for "expires in …" / "expired … ago" (human format; the scan's `--now`).
    pub now: Option<i64>,
}

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Terminal view.
    Human,
    /// JSON document.
    Json,
    /// SARIF 2.1.0.
    Sarif,
}

/// Render `report` in `format` to `out`.
pub fn write_report(
    out: &mut dyn Write,
    format: Format,
    report: &ScanReport,
    rules: &[Rule],
    opts: &ReportOptions,
) -> std::io::Result<()> {
    match format {
        Format::Human => human::write(out, report, opts),
        Format::Json => json::write(out, report, opts),
        Format::Sarif => sarif::write(out, report, rules, opts),
    }
}

/// Count of findings per level.
pub fn level_counts(findings: &[Finding]) -> BTreeMap<Level, usize> {
    let mut m = BTreeMap::new();
    for f in findings {
        *m.entry(f.level).or_insert(0) += 1;
    }
    m
}

/// Count of findings per hygiene flag.
pub fn flag_counts(findings: &[Finding]) -> BTreeMap<String, usize> {
    let mut m = BTreeMap::new();
    for f in findings {
        for h in &f.hygiene {
            *m.entry(h.clone()).or_insert(0) += 1;
        }
    }
    m
}

/// Count of skipped inputs per reason category.
pub fn skip_counts(report: &ScanReport) -> BTreeMap<String, usize> {
    let mut m = BTreeMap::new();
    for s in &report.stats.skipped {
        *m.entry(s.category().to_string()).or_insert(0) += 1;
    }
    m
}

/// Human-readable byte count.
pub fn human_bytes(n: u64) -> String {
    const U: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n as f64;
    let mut i = 0;
    while v >= 1024.0 && i < U.len() - 1 {
        v /= 1024.0;
        i += 1;
    }
    if i == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", U[i])
    }
}
