//! The orchestrator: builds the pipeline (rules → matcher, policy) once, feeds it chunks from a
//! source, and collects findings and statistics into a [`ScanReport`]. Knows nothing of the CLI.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::Serialize;

use crate::allow::Allowlist;
use crate::chunk::{Chunk, Provenance, looks_binary, normalize_encoding};
use crate::detect::{self, Candidate};
use crate::expand::binary_text_view;
use crate::finding::Finding;
use crate::hygiene::Policy;
use crate::matcher::Matcher;

pub mod incremental;

pub use crate::detect::Activity;

/// Plain scan settings (the CLI builds these from its flags).
#[derive(Debug, Clone)]
pub struct ScanOptions {
    /// Files (and blobs) larger than this many bytes are skipped and reported.
    pub max_file_size: u64,
    /// Worker threads (0 = number of CPUs).
    pub threads: usize,
    /// Scan files that `.gitignore` / `.ignore` would exclude.
    pub no_ignore: bool,
    /// Also report Kubernetes manifest/script configuration issues ([`crate::audit`]).
    pub audit_manifests: bool,
}

impl ScanOptions {
    /// The number of worker threads: [`ScanOptions::threads`], or the number of CPUs for 0.
    pub fn worker_threads(&self) -> usize {
        match self.threads {
            0 => std::thread::available_parallelism().map_or(2, |n| n.get()),
            n => n,
        }
    }
}

impl Default for ScanOptions {
    fn default() -> Self {
        ScanOptions {
            max_file_size: 20 * 1024 * 1024,
            threads: 0,
            no_ignore: false,
            audit_manifests: false,
        }
    }
}

/// Why an input was not scanned (the spelling in reports is [`SkipReason::as_str`] plus, for
/// unreadable inputs, the error).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SkipReason {
    /// Binary content.
    Binary,
    /// Larger than the size limit.
    TooLarge,
    /// A Git LFS pointer (the content lives elsewhere).
    LfsPointer,
    /// A git submodule (another repository).
    Submodule,
    /// Could not be read; the error says why.
    Unreadable(String),
    /// Left out by an ignore file (`.gitignore`, `.ignore`, git's excludes) and not tracked by git;
    /// the text says what was left out (a file or a whole directory).
    Ignored(&'static str),
}

impl SkipReason {
    /// The reason's category as reports spell it.
    pub fn as_str(&self) -> &'static str {
        match self {
            SkipReason::Binary => "binary",
            SkipReason::TooLarge => "too-large",
            SkipReason::LfsPointer => "lfs-pointer",
            SkipReason::Submodule => "submodule",
            SkipReason::Unreadable(_) => "unreadable",
            SkipReason::Ignored(_) => "ignored",
        }
    }

    /// A routine skip (nothing the user must act on), as opposed to an error.
    pub fn is_routine(&self) -> bool {
        matches!(
            self,
            SkipReason::Binary
                | SkipReason::LfsPointer
                | SkipReason::Submodule
                | SkipReason::Ignored(_)
        )
    }
}

impl std::fmt::Display for SkipReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SkipReason::Unreadable(why) => write!(f, "unreadable: {why}"),
            SkipReason::Ignored(what) => write!(f, "ignored: {what}"),
            other => f.write_str(other.as_str()),
        }
    }
}

/// An input that was not scanned, and why.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Skipped {
    /// The input (path, blob id, ...).
    pub input: String,
    /// Why, as [`SkipReason`] spells it: `binary`, `too-large`, `unreadable: …`, …
    pub reason: String,
}

impl Skipped {
    /// Is this an error the user should hear about at once (not a routine skip)?
    pub fn is_error(&self) -> bool {
        ![
            SkipReason::Binary,
            SkipReason::LfsPointer,
            SkipReason::Submodule,
            SkipReason::Ignored(""),
        ]
        .iter()
        .any(|r| r.is_routine() && r.as_str() == self.category())
    }

    /// The reason's category, for summary counts (`unreadable: …` → `unreadable`).
    pub fn category(&self) -> &str {
        self.reason.split(':').next().unwrap_or(&self.reason)
    }
}

/// An object that history references but the object store lacks (a damaged clone, or a partial
/// clone's objects left on its promisor remote): nothing in it was scanned.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct MissingObject {
    /// Hex object id.
    pub id: String,
    /// `blob` or `tree` (the type its tree entry gives).
    #[serde(rename = "type")]
    pub kind: String,
    /// Where it is referenced: its path in the first commit (parents first) holding it.
    pub path: Option<String>,
    /// That commit.
    pub commit: Option<String>,
}

/// Counters of one scan.
#[derive(Debug, Default, Clone, Serialize)]
pub struct Stats {
    /// Files or blobs whose content was scanned.
    pub scanned: u64,
    /// Bytes scanned.
    pub bytes: u64,
    /// Inputs not scanned.
    pub skipped: Vec<Skipped>,
    /// Notes about the scan as a whole (e.g. a shallow history).
    pub notes: Vec<String>,
    /// Objects that history references but the object store lacks (git modes).
    pub missing: Vec<MissingObject>,
    /// When the repository is a partial clone: its promisor remote and filter, e.g.
    /// `origin (filter blob:none)`.
    pub partial_clone: Option<String>,
    /// Commit and tag messages scanned (history and range scans).
    pub messages: u64,
    /// Bytes of those messages.
    pub message_bytes: u64,
}

/// Thread-safe accumulator used while scanning.
#[derive(Default)]
pub struct Collector {
    scanned: AtomicU64,
    bytes: AtomicU64,
    skipped: Mutex<Vec<Skipped>>,
    findings: Mutex<Vec<Finding>>,
    messages: AtomicU64,
    message_bytes: AtomicU64,
}

impl Collector {
    /// Record a skipped input.
    pub fn skip(&self, input: impl Into<String>, reason: SkipReason) {
        let s = Skipped {
            input: input.into(),
            reason: reason.to_string(),
        };
        self.skipped
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(s);
    }

    /// Record scanned content and its findings.
    pub fn scanned(&self, bytes: usize, findings: Vec<Finding>) {
        self.scanned.fetch_add(1, Ordering::Relaxed);
        self.bytes.fetch_add(bytes as u64, Ordering::Relaxed);
        if !findings.is_empty() {
            self.findings
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .extend(findings);
        }
    }

    /// Count a scanned commit or tag message (its findings are added with
    /// [`Collector::add_findings`]).
    pub fn message_scanned(&self, bytes: usize) {
        self.messages.fetch_add(1, Ordering::Relaxed);
        self.message_bytes
            .fetch_add(bytes as u64, Ordering::Relaxed);
    }

    /// Record findings of content already counted as scanned.
    pub fn add_findings(&self, findings: Vec<Finding>) {
        if !findings.is_empty() {
            self.findings
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .extend(findings);
        }
    }

    /// Findings so far.
    pub fn findings_count(&self) -> usize {
        self.findings.lock().map(|f| f.len()).unwrap_or(0)
    }

    /// Finish: sort findings and skipped inputs deterministically.
    pub fn finish(self) -> (Vec<Finding>, Stats) {
        let mut findings = self
            .findings
            .into_inner()
            .unwrap_or_else(|e| e.into_inner());
        sort_findings(&mut findings);
        let mut skipped = self.skipped.into_inner().unwrap_or_else(|e| e.into_inner());
        skipped.sort();
        let stats = Stats {
            scanned: self.scanned.into_inner(),
            bytes: self.bytes.into_inner(),
            skipped,
            notes: Vec::new(),
            messages: self.messages.into_inner(),
            message_bytes: self.message_bytes.into_inner(),
            missing: Vec::new(),
            partial_clone: None,
        };
        (findings, stats)
    }
}

/// Drop the findings of `report` below `min` confidence, and say in a note how many were
/// dropped (they are never silently invisible).
pub fn apply_min_confidence(report: &mut ScanReport, min: crate::finding::Confidence) {
    let before = report.findings.len();
    report.findings.retain(|f| f.confidence >= min);
    let hidden = before - report.findings.len();
    if hidden > 0 {
        report.stats.notes.push(format!(
            "{hidden} finding(s) below {} confidence not shown (--min-confidence low shows them)",
            min.as_str()
        ));
    }
}

/// Deterministic report order: path, position, rule, commit.
pub fn sort_findings(findings: &mut [Finding]) {
    findings.sort_by(|a, b| {
        (&a.location, &a.rule_id, a.git.as_ref().map(|g| &g.commit)).cmp(&(
            &b.location,
            &b.rule_id,
            b.git.as_ref().map(|g| &g.commit),
        ))
    });
}

/// What a scan produced.
#[derive(Debug, Clone)]
pub struct ScanReport {
    /// Findings, sorted.
    pub findings: Vec<Finding>,
    /// Counters and skipped inputs.
    pub stats: Stats,
    /// The scanned roots as given.
    pub roots: Vec<String>,
    /// Repository facts for history scans (SARIF `versionControlProvenance`).
    pub repository: Option<RepositoryInfo>,
}

/// The repository a history scan read.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RepositoryInfo {
    /// Remote URL when known, else the local path as a `file://` URI.
    pub uri: String,
    /// HEAD commit, when there is one.
    pub revision: Option<String>,
    /// Current branch, when there is one.
    pub branch: Option<String>,
    /// The promisor remote (and filter) when the repository is a partial clone.
    pub partial_clone: Option<String>,
}

/// What [`Scanner::detect`] found in one chunk, kept so that its findings can be reported again
/// under another path or commit ([`Scanner::reattribute`]) without running the matcher again.
#[derive(Debug, Clone, Default)]
pub struct Detection {
    /// The findings, allowed ones removed.
    pub findings: Vec<Finding>,
    /// The candidates of the detector's findings kept.
    candidates: Vec<Candidate>,
    /// The manifest-audit findings kept.
    audit: Vec<Finding>,
    /// What the matcher did (for the delta-aware history scan).
    pub activity: detect::Activity,
    /// The content was binary and its text view was scanned ([`binary_text_view`]).
    binary_view: bool,
}

/// A finding in the text view of binary content: the view's columns do not index the file, so
/// the location is the file's start, and a property says what was scanned.
fn mark_binary_view(f: &mut Finding) {
    f.location.start_line = 1;
    f.location.end_line = 1;
    f.location.start_column = 1;
    f.location.end_column = 1;
    f.properties.insert(
        "content".into(),
        serde_json::Value::from("binary key store; its base64 form was scanned"),
    );
}

/// A ready pipeline: compiled rules and the hygiene policy.
pub struct Scanner {
    /// The compiled matcher.
    pub matcher: Matcher,
    /// Hygiene policy.
    pub policy: Policy,
    /// Scan settings.
    pub options: ScanOptions,
    /// Inline allow comments and the configured allowlist (see [`crate::allow`]).
    pub allowlist: Allowlist,
}

impl Scanner {
    /// Build a scanner.
    pub fn new(matcher: Matcher, policy: Policy, options: ScanOptions) -> Self {
        Scanner {
            matcher,
            policy,
            options,
            allowlist: Allowlist::default(),
        }
    }

    /// Use `allowlist` (inline allow comments are honoured by every allowlist).
    pub fn with_allowlist(mut self, allowlist: Allowlist) -> Self {
        self.allowlist = allowlist;
        self
    }

    /// Scan one piece of content: detect binary (a key store is scanned in its text form) and
    /// UTF-16, then run the pipeline.
    /// Returns `Err(reason)` when the content is skipped.
    pub fn scan_chunk(
        &self,
        chunk: Chunk<'_>,
        commit_time: Option<i64>,
    ) -> Result<Vec<Finding>, SkipReason> {
        self.detect(chunk, commit_time).map(|(_, d)| d.findings)
    }

    /// [`Scanner::scan_chunk`], also returning the chunk as scanned (UTF-16 re-encoded) and what
    /// [`Scanner::reattribute`] needs to report its findings under another provenance.
    pub fn detect<'a>(
        &self,
        chunk: Chunk<'a>,
        commit_time: Option<i64>,
    ) -> Result<(Chunk<'a>, Detection), SkipReason> {
        let mut binary_view = false;
        let chunk = match normalize_encoding(&chunk.data) {
            Some(utf8) => Chunk {
                data: utf8.into(),
                provenance: chunk.provenance,
            },
            None if looks_binary(&chunk.data) => match binary_text_view(&chunk.data) {
                Some(text) => {
                    binary_view = true;
                    Chunk {
                        data: text.into(),
                        provenance: chunk.provenance,
                    }
                }
                None => return Err(SkipReason::Binary),
            },
            None => chunk,
        };
        let (cands, mut findings, activity) =
            detect::detect_noting(&self.matcher, &chunk, &self.policy, commit_time);
        let audit = if self.options.audit_manifests {
            crate::audit::findings(&chunk, &self.policy)
        } else {
            Vec::new()
        };
        findings.extend(audit.iter().cloned());
        let keep = self.allowlist.keep(&chunk.data, &findings);
        let kept = |i: usize| keep.get(i).copied().unwrap_or(true);
        let n = cands.len();
        let candidates = cands
            .into_iter()
            .enumerate()
            .filter_map(|(i, c)| kept(i).then_some(c))
            .collect();
        let audit = audit
            .into_iter()
            .enumerate()
            .filter_map(|(i, f)| kept(n + i).then_some(f))
            .collect();
        let findings = findings
            .into_iter()
            .enumerate()
            .filter_map(|(i, f)| kept(i).then_some(f))
            .map(|mut f| {
                if binary_view {
                    mark_binary_view(&mut f);
                }
                f
            })
            .collect();
        Ok((
            chunk,
            Detection {
                findings,
                candidates,
                audit,
                activity,
                binary_view,
            },
        ))
    }

    /// The findings of `detection` (of content `data`, as returned by [`Scanner::detect`]) under
    /// `provenance` at `commit_time`: hygiene is judged again and path allowlists applied, but
    /// nothing is matched again and allowed findings already counted are not counted again.
    pub fn reattribute(
        &self,
        data: &[u8],
        provenance: Provenance,
        detection: &Detection,
        commit_time: Option<i64>,
    ) -> Vec<Finding> {
        let chunk = Chunk {
            data: data.into(),
            provenance,
        };
        let mut findings = detect::findings_of(
            &self.matcher,
            &chunk,
            &detection.candidates,
            &self.policy,
            commit_time,
        );
        let (blob, git) = chunk.provenance.git_facts();
        findings.extend(detection.audit.iter().cloned().map(|mut f| {
            f.location.path = chunk.provenance.path().to_string();
            f.git = git.clone();
            f.blob = blob.clone();
            f
        }));
        // only what depends on the path can newly apply: the rest was judged by `detect`
        self.allowlist.retain(data, &mut findings);
        if detection.binary_view {
            findings.iter_mut().for_each(mark_binary_view);
        }
        findings
    }

    /// Scan content and record the outcome in `collector` under the name `input`.
    pub fn scan_into(
        &self,
        collector: &Collector,
        input: &str,
        chunk: Chunk<'_>,
        commit_time: Option<i64>,
    ) {
        let len = chunk.data.len();
        match self.scan_chunk(chunk, commit_time) {
            Ok(f) => collector.scanned(len, f),
            Err(reason) => collector.skip(input, reason),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::builtin_rules;
    use base64::Engine as _;

    const NOW: i64 = 1_793_491_200;

    fn scanner() -> Scanner {
        let allow = Allowlist::new(&["fixtures/".into()], vec![], vec![], vec![]).unwrap();
        let options = ScanOptions {
            audit_manifests: true,
            ..ScanOptions::default()
        };
        Scanner::new(
            Matcher::new(builtin_rules().unwrap()).unwrap(),
            Policy::new(NOW),
            options,
        )
        .with_allowlist(allow)
    }

    fn chunk(data: &[u8], path: &str) -> Chunk<'static> {
        Chunk {
            data: data.to_vec().into(),
            provenance: Provenance::GitBlob {
                blob: "b10b".into(),
                path: path.into(),
                origin: None,
            },
        }
    }

    #[test]
    fn reattributed_findings_equal_a_scan_at_that_path_and_time() {
        let e = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        // no `iat`: its lifetime is counted from the commit time
        let claims = format!(r#"{{"sub":"deployer","exp":{}}}"#, NOW + 30 * 86400);
        let jwt = format!(
            "{}.{}.{}",
            e.encode(r#"{"alg":"HS256","typ":"JWT"}"#),
            e.encode(claims),
            e.encode([7u8; 32])
        );
        let text = format!(
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: deployer\ntype: kubernetes.io/service-account-token\nstringData:\n  token: {jwt}\n# aws_access_key_id = AKIAQ3EGTZ5KJDYW7RMA  # tokenhound:allow\n"
        );
        let mut utf16 = vec![0xFF, 0xFE];
        utf16.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        let mut by_time = Vec::new();
        for raw in [text.as_bytes(), &utf16] {
            for (path, time) in [
                ("app/secret.yaml", Some(NOW - 86400)),
                ("app/secret.yaml", None),
                ("fixtures/secret.yaml", Some(NOW)),
            ] {
                let fresh = scanner();
                let want = fresh.scan_chunk(chunk(raw, path), time).unwrap();
                let s = scanner();
                let (scanned, detection) = s.detect(chunk(raw, ""), None).unwrap();
                let provenance = chunk(raw, path).provenance;
                let got = s.reattribute(&scanned.data, provenance, &detection, time);
                assert_eq!(format!("{got:?}"), format!("{want:?}"), "{path} {time:?}");
                assert_eq!(
                    s.allowlist.suppressed.counts(),
                    fresh.allowlist.suppressed.counts()
                );
                if path.starts_with("app/") {
                    assert_eq!(want.len(), 2, "{want:?}");
                    by_time.push(format!("{want:?}"));
                } else {
                    assert!(want.is_empty());
                }
            }
        }
        // the commit time is judged again, not taken from the path-less pass
        assert_ne!(by_time[0], by_time[1]);
    }
}
