//! GitHub Actions glue for `action.yml` (run by `scripts/action-scan.sh`): the commit range a
//! `diff` scan covers, read from the event payload, and the job summary, a redacted markdown
//! table rendered from the SARIF report (which never holds a secret unless asked to).

use anyhow::{Context, Result, bail};
use serde_json::Value;

/// The range to scan for an event, as `BASE..HEAD`, or None when the event has no natural
/// range (the caller then scans the tree).
///
/// - `pull_request` / `pull_request_target`: `pull_request.base.sha..pull_request.head.sha`, the
///   PR's own commits (other branches' history is not scanned).
/// - `push`: `before..after`; for a newly created branch (`before` is all zeros) the parent of
///   the first pushed commit `..after`; a deleted branch has nothing to scan.
pub fn event_range(event_name: &str, payload: &str) -> Result<Option<String>> {
    let v: Value = serde_json::from_str(payload).context("the event payload is not JSON")?;
    let s = |p: &str| v.pointer(p).and_then(Value::as_str).map(str::to_string);
    match event_name {
        "pull_request" | "pull_request_target" => {
            let (Some(base), Some(head)) =
                (s("/pull_request/base/sha"), s("/pull_request/head/sha"))
            else {
                bail!("the {event_name} payload has no pull_request.base.sha / head.sha");
            };
            Ok(Some(format!("{base}..{head}")))
        }
        "push" => {
            let (Some(before), Some(after)) = (s("/before"), s("/after")) else {
                bail!("the push payload has no before/after");
            };
            let zero = |x: &str| !x.is_empty() && x.bytes().all(|b| b == b'0');
            if zero(&after) {
                return Ok(None);
            }
            if !zero(&before) {
                return Ok(Some(format!("{before}..{after}")));
            }
            match v
                .pointer("/commits/0/id")
                .and_then(Value::as_str)
                .map(str::to_string)
            {
                Some(first) => Ok(Some(format!("{first}~1..{after}"))),
                None => Ok(None),
            }
        }
        _ => Ok(None),
    }
}

/// One row of the summary, from a SARIF result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// SARIF level.
    pub level: String,
    /// Rule id.
    pub rule: String,
    /// `path:line`.
    pub location: String,
    /// Redacted preview.
    pub preview: String,
    /// Hygiene verdicts.
    pub hygiene: Vec<String>,
    /// Commit, for history results.
    pub commit: Option<String>,
}

/// The results of a SARIF report, in order.
pub fn sarif_rows(sarif: &str) -> Result<Vec<Row>> {
    let v: Value = serde_json::from_str(sarif).context("the SARIF report is not JSON")?;
    let mut rows = Vec::new();
    for run in v["runs"].as_array().map(Vec::as_slice).unwrap_or_default() {
        for r in run["results"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default()
        {
            let loc = &r["locations"][0]["physicalLocation"];
            let uri = loc["artifactLocation"]["uri"].as_str().unwrap_or("?");
            let line = loc["region"]["startLine"].as_u64().unwrap_or(0);
            let props = &r["properties"];
            rows.push(Row {
                level: r["level"].as_str().unwrap_or("warning").to_string(),
                rule: r["ruleId"].as_str().unwrap_or("?").to_string(),
                location: format!("{}:{line}", crate::codec::percent_decode(uri)),
                preview: props["redacted"].as_str().unwrap_or("").to_string(),
                hygiene: props["hygiene"]
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .filter_map(Value::as_str)
                            .map(str::to_string)
                            .collect()
                    })
                    .unwrap_or_default(),
                commit: r["partialFingerprints"]["commitSha"]
                    .as_str()
                    .map(str::to_string),
            });
        }
    }
    Ok(rows)
}

/// Escape text for a markdown table cell inside backticks-free text.
fn cell(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace('`', "'")
        .replace(['\n', '\r'], " ")
}

/// The job summary: a heading with the count, what was scanned, and a table of findings (at most
/// `limit` rows; the rest are counted).
pub fn summary(rows: &[Row], scanned: &str, limit: usize) -> String {
    let mut s = String::new();
    let n = rows.len();
    if n == 0 {
        s.push_str("### tokenhound: no secrets found\n\n");
        s.push_str(&format!("Scanned {}.\n", cell(scanned)));
        return s;
    }
    s.push_str(&format!(
        "### tokenhound: {n} finding{}\n\nScanned {}. Secrets are redacted.\n\n",
        if n == 1 { "" } else { "s" },
        cell(scanned)
    ));
    let with_commit = rows.iter().any(|r| r.commit.is_some());
    s.push_str("| Level | Rule | Location | Preview | Hygiene |");
    s.push_str(if with_commit { " Commit |\n" } else { "\n" });
    s.push_str("|---|---|---|---|---|");
    s.push_str(if with_commit { "---|\n" } else { "\n" });
    for r in rows.iter().take(limit) {
        s.push_str(&format!(
            "| {} | `{}` | `{}` | `{}` | {} |",
            cell(&r.level),
            cell(&r.rule),
            cell(&r.location),
            cell(&r.preview),
            cell(&r.hygiene.join(", "))
        ));
        if with_commit {
            let c = r.commit.as_deref().unwrap_or("");
            s.push_str(&format!(" `{}` |", cell(&c[..c.len().min(12)])));
        }
        s.push('\n');
    }
    if n > limit {
        s.push_str(&format!(
            "\n…and {} more (see the SARIF report).\n",
            n - limit
        ));
    }
    s.push_str(
        "\nTo accept a finding on purpose: add a `tokenhound:allow` comment on its line, record it \
         in a baseline (`tokenhound baseline create`), or allowlist it in `.tokenhound.toml`.\n",
    );
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pull_request_and_push_ranges() {
        let pr = r#"{"pull_request":{"base":{"sha":"aaa"},"head":{"sha":"bbb"}}}"#;
        assert_eq!(
            event_range("pull_request", pr).unwrap().unwrap(),
            "aaa..bbb"
        );
        let push = r#"{"before":"111","after":"222","commits":[{"id":"222"}]}"#;
        assert_eq!(event_range("push", push).unwrap().unwrap(), "111..222");
        let z = "0000000000000000000000000000000000000000";
        let created =
            format!(r#"{{"before":"{z}","after":"333","commits":[{{"id":"c1"}},{{"id":"333"}}]}}"#);
        assert_eq!(event_range("push", &created).unwrap().unwrap(), "c1~1..333");
        let deleted = format!(r#"{{"before":"444","after":"{z}"}}"#);
        assert_eq!(event_range("push", &deleted).unwrap(), None);
        assert_eq!(event_range("schedule", "{}").unwrap(), None);
        let e = event_range("pull_request", "{}").unwrap_err().to_string();
        assert!(e.contains("base.sha"), "{e}");
        assert!(event_range("push", "not json").is_err());
    }

    #[test]
    fn summary_is_a_redacted_table() {
        let sarif = r#"{"runs":[{"results":[{"ruleId":"github.classic-pat","level":"error",
          "locations":[{"physicalLocation":{"artifactLocation":{"uri":"src/a%20b.py"},"region":{"startLine":3}}}],
          "properties":{"redacted":"ghp_…(40 chars)","hygiene":["over-scoped","non-expiring"]}}]}]}"#;
        let rows = sarif_rows(sarif).unwrap();
        assert_eq!(rows[0].location, "src/a b.py:3");
        let md = summary(&rows, "commits aaa..bbb", 100);
        assert!(md.starts_with("### tokenhound: 1 finding\n"), "{md}");
        assert!(md.contains("| error | `github.classic-pat` | `src/a b.py:3` | `ghp_…(40 chars)` | over-scoped, non-expiring |"), "{md}");
        assert!(summary(&[], "x", 10).contains("no secrets found"));
        let many: Vec<Row> = std::iter::repeat_n(rows[0].clone(), 5).collect();
        assert!(summary(&many, "x", 2).contains("…and 3 more"));
    }

    #[test]
    fn cells_cannot_break_the_table() {
        assert_eq!(cell("a|b`c\nd"), "a\\|b'c d");
    }
}
