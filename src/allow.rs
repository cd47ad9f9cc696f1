//! Suppression of intended findings, between detection and the report: inline allow comments
//! (`tokenhound:allow`, and `gitleaks:allow` / `pragma: allowlist secret` for migrating users),
//! and the configured allowlist (path globs, regexes on the secret or the line, stop-words).
//! Every suppression is counted by reason so the report can say how many were hidden.

use std::collections::BTreeMap;
use std::sync::Mutex;

use ignore::gitignore::{Gitignore, GitignoreBuilder};

use crate::finding::Finding;

/// Markers that, anywhere on a finding's line, suppress it.
pub const INLINE_MARKERS: &[&str] = &[
    "tokenhound:allow",
    "gitleaks:allow",
    "pragma: allowlist secret",
];

/// Why a finding was suppressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Reason {
    /// An inline allow comment on the line.
    Inline,
    /// The path matches an `[allowlist] paths` glob.
    Path,
    /// The secret matches an `[allowlist] regexes` entry.
    SecretRegex,
    /// The line matches an `[allowlist] line_regexes` entry.
    LineRegex,
    /// The secret contains an `[allowlist] stopwords` entry.
    Stopword,
    /// The finding is recorded in the baseline.
    Baseline,
}

impl Reason {
    /// How the report names it.
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Inline => "inline allow comment",
            Reason::Path => "allowlisted path",
            Reason::SecretRegex => "allowlist regex",
            Reason::LineRegex => "allowlist line regex",
            Reason::Stopword => "stop-word",
            Reason::Baseline => "baseline",
        }
    }
}

/// Counts of suppressed findings by reason (thread-safe).
#[derive(Debug, Default)]
pub struct Suppressed(Mutex<BTreeMap<Reason, usize>>);

impl Suppressed {
    /// Count `n` findings suppressed for `reason`.
    pub fn add(&self, reason: Reason, n: usize) {
        if n > 0 {
            *self
                .0
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .entry(reason)
                .or_insert(0) += n;
        }
    }

    /// The counts so far.
    pub fn counts(&self) -> BTreeMap<Reason, usize> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// A one-line note for the report, e.g. `3 findings suppressed: 2 baseline, 1 inline allow
    /// comment`, or None when nothing was suppressed.
    pub fn note(&self) -> Option<String> {
        let c = self.counts();
        let total: usize = c.values().sum();
        if total == 0 {
            return None;
        }
        let parts: Vec<String> = c
            .iter()
            .map(|(r, n)| format!("{n} {}", r.as_str()))
            .collect();
        Some(format!(
            "{total} finding{} suppressed: {}",
            if total == 1 { "" } else { "s" },
            parts.join(", ")
        ))
    }
}

/// The allowlist: inline markers are always honoured; the rest comes from the configuration.
#[derive(Debug, Default)]
pub struct Allowlist {
    paths: Option<Gitignore>,
    secret_regexes: Vec<regex::Regex>,
    line_regexes: Vec<regex::Regex>,
    stopwords: Vec<String>,
    /// What was suppressed so far.
    pub suppressed: Suppressed,
}

impl Allowlist {
    /// Build from gitignore-style path globs (relative to the scan root), regexes on the secret,
    /// regexes on the line and case-insensitive stop-words.
    pub fn new(
        paths: &[String],
        secret_regexes: Vec<regex::Regex>,
        line_regexes: Vec<regex::Regex>,
        stopwords: Vec<String>,
    ) -> Result<Self, ignore::Error> {
        let paths = if paths.is_empty() {
            None
        } else {
            let mut b = GitignoreBuilder::new("");
            for p in paths {
                b.add_line(None, p)?;
            }
            Some(b.build()?)
        };
        Ok(Allowlist {
            paths,
            secret_regexes,
            line_regexes,
            stopwords: stopwords.iter().map(|s| s.to_lowercase()).collect(),
            suppressed: Suppressed::default(),
        })
    }

    /// Why `f`, found on `lines` (the text of its first to last line), is allowed, if it is.
    pub fn reason(&self, f: &Finding, lines: &str) -> Option<Reason> {
        if INLINE_MARKERS.iter().any(|m| lines.contains(m)) {
            return Some(Reason::Inline);
        }
        if let Some(gi) = &self.paths {
            let p = f.location.path.trim_start_matches("./");
            if gi.matched_path_or_any_parents(p, false).is_ignore() {
                return Some(Reason::Path);
            }
        }
        if self.secret_regexes.iter().any(|r| r.is_match(&f.secret)) {
            return Some(Reason::SecretRegex);
        }
        if self.line_regexes.iter().any(|r| r.is_match(lines)) {
            return Some(Reason::LineRegex);
        }
        if !self.stopwords.is_empty() {
            let s = f.secret.to_lowercase();
            if self.stopwords.iter().any(|w| s.contains(w.as_str())) {
                return Some(Reason::Stopword);
            }
        }
        None
    }

    /// Drop the allowed findings of one chunk (`data` is the chunk the findings were found in)
    /// and count them.
    pub fn retain(&self, data: &[u8], findings: &mut Vec<Finding>) {
        let keep = self.keep(data, findings);
        let mut keep = keep.into_iter();
        findings.retain(|_| keep.next().unwrap_or(true));
    }

    /// Which findings of one chunk are kept (`false`: allowed, and counted as suppressed).
    pub fn keep(&self, data: &[u8], findings: &[Finding]) -> Vec<bool> {
        if findings.is_empty() {
            return Vec::new();
        }
        let starts = line_starts(data);
        findings
            .iter()
            .map(|f| {
                let text = lines_of(data, &starts, f.location.start_line, f.location.end_line);
                match self.reason(f, &text) {
                    Some(r) => {
                        self.suppressed.add(r, 1);
                        false
                    }
                    None => true,
                }
            })
            .collect()
    }
}

fn line_starts(data: &[u8]) -> Vec<usize> {
    let mut v = vec![0];
    v.extend(
        data.iter()
            .enumerate()
            .filter_map(|(i, &b)| (b == b'\n').then_some(i + 1)),
    );
    v
}

/// Text of 1-based lines `first..=last` of `data`.
fn lines_of(data: &[u8], starts: &[usize], first: usize, last: usize) -> String {
    let from = starts
        .get(first.saturating_sub(1))
        .copied()
        .unwrap_or(data.len());
    let to = starts
        .get(last.max(first))
        .copied()
        .unwrap_or(data.len())
        .max(from);
    let mut text = &data[from..to];
    if let Some(t) = text.strip_suffix(b"\n") {
        text = t.strip_suffix(b"\r").unwrap_or(t);
    }
    String::from_utf8_lossy(text).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(path: &str, line: usize, secret: &str) -> Finding {
        crate::finding::test_finding(path, line, "r", secret)
    }

    #[test]
    fn inline_markers_suppress_only_their_line() {
        let data = b"a = SECRET1 # tokenhound:allow\nb = SECRET2\nc = SECRET3 // gitleaks:allow\nd = SECRET4  # pragma: allowlist secret\n";
        let a = Allowlist::default();
        let mut f: Vec<Finding> = (1..=4).map(|l| finding("x", l, "S")).collect();
        a.retain(data, &mut f);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].location.start_line, 2);
        assert_eq!(a.suppressed.counts()[&Reason::Inline], 3);
        assert_eq!(
            a.suppressed.note().unwrap(),
            "3 findings suppressed: 3 inline allow comment"
        );
    }

    #[test]
    fn allowlist_entries() {
        let a = Allowlist::new(
            &[
                "tests/fixtures/".into(),
                "*.lock".into(),
                "!keep.lock".into(),
            ],
            vec![regex::Regex::new("^AKIAEXAMPLE").unwrap()],
            vec![regex::Regex::new("# test-only$").unwrap()],
            vec!["Dummy".into()],
        )
        .unwrap();
        let r = |p: &str, secret: &str, line: &str| a.reason(&finding(p, 1, secret), line);
        assert_eq!(r("tests/fixtures/a/b.env", "x", ""), Some(Reason::Path));
        assert_eq!(r("Cargo.lock", "x", ""), Some(Reason::Path));
        assert_eq!(r("keep.lock", "x", ""), None);
        assert_eq!(r("src/tests/fixtures.rs", "x", ""), None);
        assert_eq!(r("a", "AKIAEXAMPLE123", ""), Some(Reason::SecretRegex));
        assert_eq!(r("a", "xAKIAEXAMPLE", ""), None);
        assert_eq!(r("a", "x", "k = v # test-only"), Some(Reason::LineRegex));
        assert_eq!(r("a", "x", "k = v # test-only, not"), None);
        assert_eq!(r("a", "myDUMMYtoken", ""), Some(Reason::Stopword));
        assert_eq!(r("a", "real", "k = real"), None);
    }

    #[test]
    fn lines_cover_multiline_findings() {
        let data = b"one\ntwo\nthree";
        let s = line_starts(data);
        assert_eq!(lines_of(data, &s, 2, 3), "two\nthree");
        assert_eq!(lines_of(data, &s, 1, 1), "one");
        let crlf = b"a\r\nb\r\n";
        assert_eq!(lines_of(crlf, &line_starts(crlf), 1, 1), "a");
        assert_eq!(lines_of(data, &s, 9, 9), "");
    }
}
