//! Suppression of intended findings, between detection and the report: inline allow comments
//! (`tokenhound:allow`, and `gitleaks:allow` / `pragma: allowlist secret` for migrating users),
//! and the configured allowlist (path globs, regexes on the secret or the line, stop-words).
//! Every suppression is counted by reason so the report can say how many were hidden.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

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

/// One configured allowlist entry: what it matches and why it is there, for the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Which list it is in: [`Reason::Path`], [`Reason::SecretRegex`], [`Reason::LineRegex`] or
    /// [`Reason::Stopword`].
    pub kind: Reason,
    /// The glob, regex or stop-word as written.
    pub pattern: String,
    /// Why it is allowed (the entry's `reason` in the configuration), if given.
    pub why: Option<String>,
}

/// The allowlist: inline markers are always honoured; the rest comes from the configuration.
#[derive(Debug, Default)]
pub struct Allowlist {
    paths: Option<Gitignore>,
    secret_regexes: Vec<regex::Regex>,
    line_regexes: Vec<regex::Regex>,
    stopwords: Vec<String>,
    /// Every configured entry, in order: paths, secret regexes, line regexes, stop-words.
    entries: Vec<Entry>,
    /// Findings suppressed by each entry of `entries`.
    hits: Vec<AtomicUsize>,
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
        let built = if paths.is_empty() {
            None
        } else {
            let mut b = GitignoreBuilder::new("");
            for p in paths {
                b.add_line(None, p)?;
            }
            Some(b.build()?)
        };
        let entry = |kind, pattern: &str| Entry {
            kind,
            pattern: pattern.to_string(),
            why: None,
        };
        let entries: Vec<Entry> = (paths.iter().map(|p| entry(Reason::Path, p)))
            .chain(
                secret_regexes
                    .iter()
                    .map(|r| entry(Reason::SecretRegex, r.as_str())),
            )
            .chain(
                line_regexes
                    .iter()
                    .map(|r| entry(Reason::LineRegex, r.as_str())),
            )
            .chain(stopwords.iter().map(|w| entry(Reason::Stopword, w)))
            .collect();
        Ok(Allowlist {
            paths: built,
            secret_regexes,
            line_regexes,
            stopwords: stopwords.iter().map(|s| s.to_lowercase()).collect(),
            hits: entries.iter().map(|_| AtomicUsize::new(0)).collect(),
            entries,
            suppressed: Suppressed::default(),
        })
    }

    /// Record why the `index`-th entry of the `kind` list is there (shown by [`Self::explain`]).
    /// Does nothing when there is no such entry.
    pub fn set_reason(&mut self, kind: Reason, index: usize, why: &str) {
        if let Some(e) = self
            .entries
            .iter_mut()
            .filter(|e| e.kind == kind)
            .nth(index)
        {
            e.why = Some(why.to_string());
        }
    }

    /// The configured entries, in order: paths, secret regexes, line regexes, stop-words.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// How many findings each of [`Self::entries`] suppressed so far.
    pub fn entry_counts(&self) -> Vec<usize> {
        self.hits
            .iter()
            .map(|h| h.load(Ordering::Relaxed))
            .collect()
    }

    /// One line per configured entry: what it matches, how many findings it suppressed and why
    /// it is there, e.g. ``allowlisted path `rules/*.toml` suppressed 499: rule examples``.
    pub fn explain(&self) -> Vec<String> {
        self.entries
            .iter()
            .zip(self.entry_counts())
            .map(|(e, n)| {
                let why = e.why.as_deref().unwrap_or("no reason given");
                format!("{} `{}` suppressed {n}: {why}", e.kind.as_str(), e.pattern)
            })
            .collect()
    }

    /// Index in `entries` of the first entry of `kind`.
    fn first_of(&self, kind: Reason) -> usize {
        self.entries
            .iter()
            .position(|e| e.kind == kind)
            .unwrap_or(self.entries.len())
    }

    /// Why `f` is allowed, and the index of the configured entry that allows it (None for an
    /// inline comment).
    fn matched(&self, f: &Finding, lines: &str) -> Option<(Reason, Option<usize>)> {
        if INLINE_MARKERS.iter().any(|m| lines.contains(m)) {
            return Some((Reason::Inline, None));
        }
        if let Some(gi) = &self.paths {
            let p = f.location.path.trim_start_matches("./");
            if let ignore::Match::Ignore(glob) = gi.matched_path_or_any_parents(p, false) {
                let i = self.entries.iter().position(|e| {
                    e.kind == Reason::Path && e.pattern.trim_end() == glob.original()
                });
                return Some((Reason::Path, i));
            }
        }
        if let Some(i) = self
            .secret_regexes
            .iter()
            .position(|r| r.is_match(&f.secret))
        {
            return Some((
                Reason::SecretRegex,
                Some(self.first_of(Reason::SecretRegex) + i),
            ));
        }
        if let Some(i) = self.line_regexes.iter().position(|r| r.is_match(lines)) {
            return Some((
                Reason::LineRegex,
                Some(self.first_of(Reason::LineRegex) + i),
            ));
        }
        if !self.stopwords.is_empty() {
            let s = f.secret.to_lowercase();
            if let Some(i) = self.stopwords.iter().position(|w| s.contains(w.as_str())) {
                return Some((Reason::Stopword, Some(self.first_of(Reason::Stopword) + i)));
            }
        }
        None
    }

    /// Why `f`, found on `lines` (the text of its first to last line), is allowed, if it is.
    pub fn reason(&self, f: &Finding, lines: &str) -> Option<Reason> {
        self.matched(f, lines).map(|(r, _)| r)
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
                match self.matched(f, &text) {
                    Some((r, entry)) => {
                        self.suppressed.add(r, 1);
                        if let Some(h) = entry.and_then(|i| self.hits.get(i)) {
                            h.fetch_add(1, Ordering::Relaxed);
                        }
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
    fn each_entry_counts_what_it_suppressed() {
        let mut a = Allowlist::new(
            &["fixtures/".into(), "*.lock".into()],
            vec![regex::Regex::new("^made-up").unwrap()],
            vec![],
            vec!["dummy".into()],
        )
        .unwrap();
        a.set_reason(Reason::Path, 1, "lock files hold checksums");
        a.set_reason(Reason::Stopword, 0, "placeholder values");
        a.set_reason(Reason::Stopword, 1, "no such entry: ignored");
        let mut f = vec![
            finding("fixtures/a.env", 1, "s1"),
            finding("fixtures/b/c.env", 1, "s2"),
            finding("src/x.rs", 1, "made-up-1"),
            finding("src/x.rs", 1, "a-DUMMY-b"),
            finding("src/x.rs", 1, "real"),
            finding("src/x.rs", 2, "made-up-2"),
        ];
        a.retain(b"line one\nline two # tokenhound:allow\n", &mut f);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].secret, "real");
        assert_eq!(a.entry_counts(), [2, 0, 1, 1]);
        assert_eq!(
            a.explain(),
            [
                "allowlisted path `fixtures/` suppressed 2: no reason given",
                "allowlisted path `*.lock` suppressed 0: lock files hold checksums",
                "allowlist regex `^made-up` suppressed 1: no reason given",
                "stop-word `dummy` suppressed 1: placeholder values",
            ]
        );
        assert_eq!(a.suppressed.counts()[&Reason::Inline], 1);
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
