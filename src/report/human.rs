//! Human report: findings grouped by file with line:column, level, rule, a redacted preview and
//! the hygiene verdict beside it, the decoded summary below and the decoded facts that drive the
//! verdict (kind, issuer, audience, expiry as a date and relative to now, scopes); then a
//! one-line summary of files, bytes, findings and skipped inputs, and the count of findings per
//! hygiene flag. [`key_facts`] also feeds `tokenhound decode`'s table.

use std::collections::BTreeMap;
use std::io::Write;

use serde_json::Value;

use super::{ReportOptions, flag_counts, human_bytes, level_counts, skip_counts};
use crate::chunk::MessageKind;
use crate::finding::Level;
use crate::hygiene::props;
use crate::scan::ScanReport;

/// `secs` in rough words: "3 years", "2 months", "5 days", "4 hours", "10 minutes".
fn rough(secs: i64) -> String {
    let s = secs.unsigned_abs();
    let (n, unit) = if s >= 365 * 86400 {
        (s / (365 * 86400), "year")
    } else if s >= 60 * 86400 {
        (s / (30 * 86400), "month")
    } else if s >= 2 * 86400 {
        (s / 86400, "day")
    } else if s >= 2 * 3600 {
        (s / 3600, "hour")
    } else if s >= 120 {
        (s / 60, "minute")
    } else {
        (s, "second")
    };
    format!("{n} {unit}{}", if n == 1 { "" } else { "s" })
}

/// An expiry (RFC 3339) as a date and relative to `now`: "2024-06-08 (expired 2 years ago)",
/// "2029-01-01 (in 2 years)".
pub fn expiry_words(rfc3339: &str, now: Option<i64>) -> String {
    let Ok(t) = chrono::DateTime::parse_from_rfc3339(rfc3339) else {
        return rfc3339.to_string();
    };
    let date = t.format("%Y-%m-%d").to_string();
    match now {
        Some(now) if t.timestamp() < now => {
            format!("{date} (expired {} ago)", rough(now - t.timestamp()))
        }
        Some(now) => format!("{date} (in {})", rough(t.timestamp() - now)),
        None => date,
    }
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Array(a) => a.iter().map(text).collect::<Vec<_>>().join(" "),
        other => other.to_string(),
    }
}

/// The decoded facts that drive a verdict, in reading order: kind, issuer, audience, expiry
/// (date and relative to `now`), scopes or permissions. Empty when nothing was decoded.
pub fn key_facts(
    properties: &BTreeMap<String, Value>,
    now: Option<i64>,
) -> Vec<(&'static str, String)> {
    let get = |k: &str| properties.get(k).filter(|v| !v.is_null());
    let mut out = Vec::new();
    if let Some(k) = [props::TOKEN_KIND, props::SAS_KIND, props::KEY_KIND]
        .iter()
        .find_map(|k| get(k))
    {
        out.push(("kind", text(k)));
    }
    if let Some(v) = get(props::ISSUER) {
        out.push(("issuer", text(v)));
    }
    if let Some(v) = get(props::AUDIENCE) {
        out.push(("audience", text(v)));
    }
    if let Some(Value::String(e)) = get(props::EXPIRES_AT) {
        out.push(("expires", expiry_words(e, now)));
    }
    if let Some(v) = [
        props::SCOPES,
        props::ROLES,
        props::PERMISSIONS,
        props::PROJECTS,
    ]
    .iter()
    .find_map(|k| get(k))
    {
        out.push(("scopes", text(v)));
    }
    out
}

/// The other parts of a multi-part credential (`properties.parts` after the finding's own), as
/// `with client-id at 2:13, tenant-id at 5:14`; `None` when the finding was not paired.
fn other_parts(properties: &BTreeMap<String, Value>) -> Option<String> {
    let Some(Value::Array(parts)) = properties.get("parts") else {
        return None;
    };
    let named: Vec<String> = parts
        .iter()
        .skip(1)
        .filter_map(|p| {
            Some(format!(
                "{} at {}:{}",
                p.get("role")?.as_str()?,
                p.get("line")?.as_u64()?,
                p.get("column")?.as_u64()?
            ))
        })
        .collect();
    (!named.is_empty()).then(|| format!("with {}", named.join(", ")))
}

fn paint(on: bool, code: &str, s: &str) -> String {
    if on {
        format!("\x1b[{code}m{s}\x1b[0m")
    } else {
        s.to_string()
    }
}

/// How many missing objects the human report lists without `--verbose`.
const MISSING_SHOWN: usize = 10;

/// Say that the history could not be read whole: the objects it references that the store
/// lacks, and whether the repository is a partial clone.
fn write_missing(
    out: &mut dyn Write,
    report: &ScanReport,
    opts: &ReportOptions,
) -> std::io::Result<()> {
    let missing = &report.stats.missing;
    if missing.is_empty() {
        return Ok(());
    }
    let why = match &report.stats.partial_clone {
        Some(remote) => format!("a partial clone: the rest is on promisor remote {remote}"),
        None => "a damaged clone?".to_string(),
    };
    writeln!(
        out,
        "{}: incomplete history: {} object(s) that history references are missing from the object store ({why}); they were not scanned",
        paint(opts.color, "33", "warning"),
        missing.len()
    )?;
    let shown = if opts.verbose {
        missing.len()
    } else {
        MISSING_SHOWN
    };
    for m in missing.iter().take(shown) {
        let at = match (&m.path, &m.commit) {
            (Some(p), Some(c)) => format!(" {p} (commit {})", &c[..c.len().min(10)]),
            (None, Some(c)) => format!(" root tree of commit {}", &c[..c.len().min(10)]),
            (Some(p), None) => format!(" {p}"),
            (None, None) => String::new(),
        };
        writeln!(out, "  missing {} {}{at}", m.kind, m.id)?;
    }
    if missing.len() > shown {
        writeln!(
            out,
            "  … and {} more (-v lists them all)",
            missing.len() - shown
        )?;
    }
    Ok(())
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
        let facts = key_facts(&f.properties, opts.now);
        if !facts.is_empty() {
            let line: Vec<String> = facts.iter().map(|(k, v)| format!("{k} {v}")).collect();
            let mut line = line.join(" · ");
            crate::hygiene::cap_summary(&mut line);
            writeln!(out, "             {}", paint(opts.color, "2", &line))?;
        }
        if let Some(parts) = other_parts(&f.properties) {
            writeln!(out, "             {}", paint(opts.color, "2", &parts))?;
        }
        if let Some(g) = &f.git {
            let date = chrono::DateTime::from_timestamp(g.time, 0)
                .map(|d| d.format("%Y-%m-%d").to_string())
                .unwrap_or_default();
            match g.message.as_ref().filter(|m| m.kind == MessageKind::Tag) {
                Some(m) => writeln!(
                    out,
                    "             tag {} {} {} <{}>{}",
                    m.tag
                        .as_deref()
                        .unwrap_or(&m.object[..m.object.len().min(10)]),
                    date,
                    g.author_name,
                    g.author_email,
                    if g.commit.is_empty() {
                        String::new()
                    } else {
                        format!(" (on commit {})", &g.commit[..g.commit.len().min(10)])
                    }
                )?,
                None => writeln!(
                    out,
                    "             commit {} {} {} <{}>",
                    &g.commit[..g.commit.len().min(10)],
                    date,
                    g.author_name,
                    g.author_email
                )?,
            }
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
    write_missing(out, report, opts)?;
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
    if report.stats.messages > 0 {
        line.push_str(&format!(
            " and {} commit/tag messages",
            report.stats.messages
        ));
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expiries_read_as_dates_and_relative_times() {
        let now = 1_793_491_200; // 2026-11-01
        assert_eq!(
            expiry_words("2029-12-01T00:00:00Z", Some(now)),
            "2029-12-01 (in 3 years)"
        );
        assert_eq!(
            expiry_words("2026-10-30T00:00:00Z", Some(now)),
            "2026-10-30 (expired 2 days ago)"
        );
        assert_eq!(
            expiry_words("2026-11-01T05:00:00Z", Some(now)),
            "2026-11-01 (in 5 hours)"
        );
        assert_eq!(expiry_words("2026-11-01T05:00:00Z", None), "2026-11-01");
        assert_eq!(expiry_words("garbage", Some(now)), "garbage");
    }

    #[test]
    fn other_parts_name_each_partner_with_its_place() {
        let mut p = BTreeMap::new();
        assert_eq!(other_parts(&p), None);
        p.insert(
            "parts".to_string(),
            serde_json::json!([
                {"role": "client-secret", "rule": "azure.client-secret", "line": 4, "column": 16},
                {"role": "client-id", "rule": "azure.client-id", "line": 2, "column": 13},
                {"role": "tenant-id", "rule": "azure.tenant-id", "line": 5, "column": 14}
            ]),
        );
        assert_eq!(
            other_parts(&p).as_deref(),
            Some("with client-id at 2:13, tenant-id at 5:14")
        );
    }

    #[test]
    fn key_facts_pick_what_drives_the_verdict() {
        let mut p = BTreeMap::new();
        p.insert("token_kind".to_string(), Value::from("oidc-id-token"));
        p.insert(
            "issuer".to_string(),
            Value::from("https://accounts.example"),
        );
        p.insert("audience".to_string(), serde_json::json!(["a", "b"]));
        p.insert(
            "expires_at".to_string(),
            Value::from("2024-06-08T00:39:13Z"),
        );
        p.insert("scopes".to_string(), serde_json::json!(["read", "write"]));
        p.insert("subject".to_string(), Value::from("not shown"));
        let f = key_facts(&p, Some(1_793_491_200));
        assert_eq!(
            f,
            [
                ("kind", "oidc-id-token".to_string()),
                ("issuer", "https://accounts.example".to_string()),
                ("audience", "a b".to_string()),
                ("expires", "2024-06-08 (expired 2 years ago)".to_string()),
                ("scopes", "read write".to_string()),
            ]
        );
        assert!(key_facts(&BTreeMap::new(), None).is_empty());
    }
}
