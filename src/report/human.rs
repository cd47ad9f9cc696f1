//! Human report: findings grouped by file with line:column, level, rule, a redacted preview and
//! the hygiene verdict beside it, the decoded summary below; then a one-line summary of files,
//! bytes, findings and skipped inputs, and the count of findings per hygiene flag.

use std::io::Write;

use super::{ReportOptions, flag_counts, human_bytes, level_counts, skip_counts};
use crate::finding::Level;
use crate::scan::ScanReport;

fn paint(on: bool, code: &str, s: &str) -> String {
    if on {
        format!("\x1b[{code}m{s}\x1b[0m")
    } else {
        s.to_string()
    }
}

/// Write the terminal view.
pub fn write(
    out: &mut dyn Write,
    report: &ScanReport,
    opts: &ReportOptions,
) -> std::io::Result<()> {
    let mut current: Option<&str> = None;
    for f in &report.findings {
        if current != Some(f.location.path.as_str()) {
            if current.is_some() {
                writeln!(out)?;
            }
            writeln!(out, "{}", paint(opts.color, "1", &f.location.path))?;
            current = Some(&f.location.path);
        }
        let level = match f.level {
            Level::Error => paint(opts.color, "31", "error  "),
            Level::Warning => paint(opts.color, "33", "warning"),
            Level::Note => paint(opts.color, "36", "note   "),
        };
        let shown = if opts.show_secrets {
            f.secret.replace('\n', "\\n")
        } else {
            f.redacted()
        };
        let verdict = if f.hygiene.is_empty() {
            String::new()
        } else {
            format!("  [{}]", paint(opts.color, "35", &f.hygiene.join(", ")))
        };
        writeln!(
            out,
            "  {:>5}:{:<4} {} {}  {}{}",
            f.location.start_line, f.location.start_column, level, f.rule_id, shown, verdict
        )?;
        writeln!(out, "             {}", f.message)?;
        if let Some(g) = &f.git {
            let date = chrono::DateTime::from_timestamp(g.time, 0)
                .map(|d| d.format("%Y-%m-%d").to_string())
                .unwrap_or_default();
            writeln!(
                out,
                "             commit {} {} {} <{}>",
                &g.commit[..g.commit.len().min(10)],
                date,
                g.author_name,
                g.author_email
            )?;
        }
    }
    if !report.findings.is_empty() {
        writeln!(out)?;
    }
    if opts.verbose {
        for s in &report.stats.skipped {
            writeln!(out, "skipped {}: {}", s.input, s.reason)?;
        }
    }
    for n in &report.stats.notes {
        writeln!(out, "note: {n}")?;
    }
    let levels = level_counts(&report.findings);
    let lv: Vec<String> = levels
        .iter()
        .rev()
        .map(|(l, n)| format!("{n} {}", l.as_str()))
        .collect();
    let mut line = format!(
        "{} findings{} in {} inputs ({})",
        report.findings.len(),
        if lv.is_empty() {
            String::new()
        } else {
            format!(" ({})", lv.join(", "))
        },
        report.stats.scanned,
        human_bytes(report.stats.bytes)
    );
    let skips = skip_counts(report);
    if !skips.is_empty() {
        let s: Vec<String> = skips.iter().map(|(k, v)| format!("{k} {v}")).collect();
        line.push_str(&format!(
            "; skipped {} ({})",
            report.stats.skipped.len(),
            s.join(", ")
        ));
    }
    writeln!(out, "{line}")?;
    let flags = flag_counts(&report.findings);
    if !flags.is_empty() {
        // the seven policy flags first, in table order, then richer verdicts
        let mut s: Vec<String> = crate::hygiene::FLAGS
            .iter()
            .filter_map(|k| flags.get(*k).map(|v| format!("{k} {v}")))
            .collect();
        s.extend(
            flags
                .iter()
                .filter(|(k, _)| !crate::hygiene::FLAGS.contains(&k.as_str()))
                .map(|(k, v)| format!("{k} {v}")),
        );
        writeln!(out, "hygiene: {}", s.join(", "))?;
    }
    Ok(())
}
