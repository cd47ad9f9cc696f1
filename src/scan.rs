//! The orchestrator: builds the pipeline (rules → matcher, policy) once, feeds it chunks from a
//! source, and collects findings and statistics into a [`ScanReport`]. Knows nothing of the CLI.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::Serialize;

use crate::allow::Allowlist;
use crate::chunk::{Chunk, looks_binary, normalize_encoding};
use crate::detect;
use crate::finding::Finding;
use crate::hygiene::Policy;
use crate::matcher::Matcher;

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

/// An input that was not scanned, and why.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Skipped {
    /// The input (path, blob id, ...).
    pub input: String,
    /// Why: `binary`, `too-large`, `unreadable: …`, `lfs-pointer`, `submodule`, ...
    pub reason: String,
}

impl Skipped {
    /// Is this an error the user should hear about at once (not a routine skip)?
    pub fn is_error(&self) -> bool {
        !matches!(self.reason.as_str(), "binary" | "lfs-pointer" | "submodule")
    }

    /// The reason's category, for summary counts (`unreadable: …` → `unreadable`).
    pub fn category(&self) -> &str {
        self.reason.split(':').next().unwrap_or(&self.reason)
    }
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
}

/// Thread-safe accumulator used while scanning.
#[derive(Default)]
pub struct Collector {
    scanned: AtomicU64,
    bytes: AtomicU64,
    skipped: Mutex<Vec<Skipped>>,
    findings: Mutex<Vec<Finding>>,
}

impl Collector {
    /// Record a skipped input.
    pub fn skip(&self, input: impl Into<String>, reason: impl Into<String>) {
        let s = Skipped {
            input: input.into(),
            reason: reason.into(),
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
        };
        (findings, stats)
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

    /// Scan one piece of content: detect binary and UTF-16, then run the pipeline.
    /// Returns `Err(reason)` when the content is skipped.
    pub fn scan_chunk(
        &self,
        chunk: Chunk<'_>,
        commit_time: Option<i64>,
    ) -> Result<Vec<Finding>, &'static str> {
        let chunk = match normalize_encoding(&chunk.data) {
            Some(utf8) => Chunk {
                data: utf8.into(),
                provenance: chunk.provenance,
            },
            None if looks_binary(&chunk.data) => return Err("binary"),
            None => chunk,
        };
        let mut findings = detect::findings(&self.matcher, &chunk, &self.policy, commit_time);
        if self.options.audit_manifests {
            findings.extend(crate::audit::findings(&chunk, &self.policy));
        }
        self.allowlist.retain(&chunk.data, &mut findings);
        Ok(findings)
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
