//! JSON report. Schema (version 1), stable; documented in `docs/json-output.md`:
//!
//! ```text
//! { "version": 1, "tool": {"name","version"},
//!   "findings": [ { "rule_id", "family", "level", "confidence", "path", "start_line", "start_column",
//!                   "end_line", "end_column", "fingerprint", "redacted", "secret"?,
//!                   "message", "hygiene": [..], "properties": {..},
//!                   "blob"?, "commit"?, "author"?, "date"?, "message_of"? } ],
//!   "summary": { "scanned", "bytes", "findings", "by_level", "by_flag", "skipped" },
//!   "skipped": [ {"input","reason"} ], "notes": [..],
//!   git modes: "missing_objects": [ {"id","type","path","commit"} ], "partial_clone" }
//! ```

use std::io::Write;

use serde_json::{Value, json};

use super::{ReportOptions, flag_counts, level_counts, skip_counts};
use crate::finding::Finding;
use crate::scan::ScanReport;

/// One finding as a JSON object.
pub fn finding_json(f: &Finding, opts: &ReportOptions) -> Value {
    let mut o = json!({
        "rule_id": f.rule_id,
        "family": f.family,
        "level": f.level.as_str(),
        "confidence": f.confidence.as_str(),
        "path": f.location.path,
        "start_line": f.location.start_line,
        "start_column": f.location.start_column,
        "end_line": f.location.end_line,
        "end_column": f.location.end_column,
        "fingerprint": f.fingerprint,
        "redacted": f.redacted(),
        "message": f.message,
        "hygiene": f.hygiene,
        "properties": f.properties,
    });
    if opts.show_secrets {
        o["secret"] = json!(f.secret);
    }
    if let Some(b) = &f.blob {
        o["blob"] = json!(b);
    }
    if let Some(g) = &f.git {
        o["commit"] = json!(g.commit);
        o["author"] = json!(format!("{} <{}>", g.author_name, g.author_email));
        o["date"] = json!(super::sarif::rfc3339(g.time));
        o["commits_containing"] = json!(g.commits_containing);
        o["refs_containing"] = json!(g.refs_containing);
        if let Some(m) = &g.message {
            o["message_of"] = message_of(m);
        }
    }
    o
}

/// `{"kind": "commit"|"tag", "object": id, "tag"?: name}`: the commit or annotated tag whose
/// message holds a finding (its `path` is then `commit <id> message` or `tag <id> message`).
pub fn message_of(m: &crate::chunk::GitMessage) -> Value {
    let mut o = json!({"kind": m.kind.as_str(), "object": m.object});
    if let Some(t) = &m.tag {
        o["tag"] = json!(t);
    }
    o
}

/// Write the JSON document.
pub fn write(
    out: &mut dyn Write,
    report: &ScanReport,
    opts: &ReportOptions,
) -> std::io::Result<()> {
    let findings: Vec<Value> = report
        .findings
        .iter()
        .map(|f| finding_json(f, opts))
        .collect();
    let by_level: serde_json::Map<String, Value> = level_counts(&report.findings)
        .into_iter()
        .map(|(l, n)| (l.as_str().to_string(), json!(n)))
        .collect();
    let mut doc = json!({
        "version": 1,
        "tool": {"name": "tokenhound", "version": env!("CARGO_PKG_VERSION")},
        "findings": findings,
        "summary": {
            "scanned": report.stats.scanned,
            "bytes": report.stats.bytes,
            "findings": report.findings.len(),
            "by_level": by_level,
            "by_flag": flag_counts(&report.findings),
            "skipped": skip_counts(report),
        },
        "skipped": report.stats.skipped,
        "notes": report.stats.notes,
    });
    if report.repository.is_some() {
        // git modes: commit and tag messages are scanned too
        doc["summary"]["messages"] = json!(report.stats.messages);
        // objects history references but the store lacks: the scan is incomplete
        doc["summary"]["missing_objects"] = json!(report.stats.missing.len());
        doc["missing_objects"] = json!(report.stats.missing);
        doc["partial_clone"] = json!(report.stats.partial_clone);
    }
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}
