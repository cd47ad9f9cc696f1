//! Source: git repositories. Shared helpers for the three git modes — opening a repository,
//! its `versionControlProvenance` facts, classifying blobs (LFS pointers, size), commit metadata
//! for attribution, and reducing findings to one per secret — used by [`super::history`] (every
//! reachable blob), [`super::staged`] (the index versus HEAD) and [`super::range`] (commits of a
//! range).

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use anyhow::{Context as _, Result};
use git2::{Oid, Repository};

use crate::chunk::GitOrigin;
use crate::finding::Finding;
use crate::scan::{Collector, RepositoryInfo, ScanReport, SkipReason};

/// Open the repository at `path` (a work tree, a directory inside one, or a bare repository).
pub fn open(path: &Path) -> Result<Repository> {
    Repository::open_ext(
        path,
        git2::RepositoryOpenFlags::empty(),
        std::iter::empty::<&std::ffi::OsStr>(),
    )
    .with_context(|| format!("{}: not a git repository", path.display()))
}

/// Repository facts for SARIF `versionControlProvenance`: the `origin` remote URL when there is
/// one (else the repository path as a `file://` URI), the HEAD commit and branch.
pub fn repository_info(repo: &Repository) -> RepositoryInfo {
    let remote_url = repo
        .find_remote("origin")
        .ok()
        .and_then(|r| r.url().map(str::to_string))
        .filter(|u| !u.is_empty())
        .map(|u| normalize_remote(&u, repo.workdir().unwrap_or_else(|| repo.path())));
    let uri = remote_url.unwrap_or_else(|| {
        let dir = repo.workdir().unwrap_or_else(|| repo.path());
        let abs = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
        let mut s = format!("file://{}", abs.to_string_lossy());
        if !s.ends_with('/') {
            s.push('/');
        }
        s
    });
    let head = repo.head().ok();
    let revision = head
        .as_ref()
        .and_then(|h| h.peel_to_commit().ok())
        .map(|c| c.id().to_string());
    let branch = head
        .as_ref()
        .filter(|h| h.is_branch())
        .and_then(|h| h.shorthand().map(str::to_string));
    RepositoryInfo {
        uri,
        revision,
        branch,
        partial_clone: partial_clone(repo),
    }
}

/// The promisor remote and filter of a partial clone (`extensions.partialClone`, or a remote
/// with `promisor = true`), e.g. `origin (filter blob:none)`; None for a complete clone.
pub fn partial_clone(repo: &Repository) -> Option<String> {
    let cfg = repo.config().ok()?;
    let mut remote = cfg.get_string("extensions.partialclone").ok();
    if remote.is_none() {
        let mut promisors = Vec::new();
        if let Ok(mut entries) = cfg.entries(Some(r"remote\..*\.promisor")) {
            while let Some(Ok(e)) = entries.next() {
                let on = e.value().is_some_and(|v| {
                    matches!(v.to_ascii_lowercase().as_str(), "true" | "yes" | "on" | "1")
                });
                if let (true, Some(name)) = (on, e.name()) {
                    let name = name
                        .trim_start_matches("remote.")
                        .trim_end_matches(".promisor");
                    promisors.push(name.to_string());
                }
            }
        }
        promisors.sort();
        remote = promisors.into_iter().next();
    }
    let remote = remote?;
    let filter = cfg
        .get_string(&format!("remote.{remote}.partialclonefilter"))
        .ok();
    Some(match filter {
        Some(f) => format!("{remote} (filter {f})"),
        None => remote,
    })
}

/// `git@host:owner/repo.git` → `https://host/owner/repo.git`; other URLs as they are, minus any
/// `user:password@` (never put credentials into a report).
fn normalize_remote(url: &str, base: &Path) -> String {
    if !url.contains("://") && !url.starts_with("git@") {
        // a local path: make it an absolute file:// URI
        let p = Path::new(url);
        let abs = if p.is_absolute() {
            p.to_path_buf()
        } else {
            base.join(p)
        };
        let abs = std::fs::canonicalize(&abs).unwrap_or(abs);
        return format!("file://{}", abs.to_string_lossy());
    }
    if let Some(rest) = url.strip_prefix("git@")
        && let Some((host, path)) = rest.split_once(':')
    {
        return format!("https://{host}/{path}");
    }
    if let Some((scheme, rest)) = url.split_once("://")
        && let Some((auth, host)) = rest.split_once('@')
        && !auth.contains('/')
    {
        return format!("{scheme}://{host}");
    }
    url.to_string()
}

/// What a git scan hands back besides the collected findings.
#[derive(Debug, Default)]
pub struct GitScan {
    /// Repository facts for the report.
    pub info: RepositoryInfo,
    /// Topological rank (parents first) of each walked commit, by hex id.
    pub order: HashMap<String, usize>,
    /// Notes about the scan as a whole (shallow history, ...).
    pub notes: Vec<String>,
    /// Objects that history references but the object store lacks.
    pub missing: Vec<crate::scan::MissingObject>,
}

impl GitScan {
    /// Finish a git scan: collect, reduce to one finding per secret, attach notes.
    pub fn into_report(self, collector: Collector, root: String) -> ScanReport {
        let (findings, mut stats) = collector.finish();
        let mut findings = one_per_secret(findings, &self.order);
        crate::scan::sort_findings(&mut findings);
        stats.notes.extend(self.notes);
        stats.missing = self.missing;
        stats.missing.sort();
        stats.partial_clone = self.info.partial_clone.clone();
        ScanReport {
            findings,
            stats,
            roots: vec![root],
            repository: Some(self.info),
        }
    }
}

/// Refs (branches, tags, remote-tracking refs) whose tip tree holds `blob` at `path`.
pub fn refs_containing(repo: &Repository, path: &str, blob: Oid) -> Vec<String> {
    let mut out = Vec::new();
    let Ok(refs) = repo.references() else {
        return out;
    };
    for r in refs.flatten() {
        let Some(name) = r.name().map(str::to_string) else {
            continue;
        };
        let holds = r
            .peel_to_tree()
            .ok()
            .and_then(|t| t.get_path(Path::new(path)).ok())
            .is_some_and(|e| e.id() == blob);
        if holds {
            out.push(name);
        }
    }
    out.sort();
    out
}

/// Size of a Git LFS pointer file is at most this (the spec says pointers are < 1024 bytes).
const LFS_POINTER_MAX: usize = 1024;

/// Is this blob a Git LFS pointer (`version https://git-lfs.github.com/spec/v1` ...)?
pub fn is_lfs_pointer(data: &[u8]) -> bool {
    data.len() < LFS_POINTER_MAX && data.starts_with(b"version https://git-lfs.github.com/spec/")
}

/// The reason to skip a blob's content without scanning it, if any.
pub fn skip_reason(data: &[u8]) -> Option<SkipReason> {
    is_lfs_pointer(data).then_some(SkipReason::LfsPointer)
}

/// Name of a blob in skip lists and messages: `path@abcdef123456` (or the id alone).
pub fn blob_input(path: Option<&str>, blob: &str) -> String {
    let short = &blob[..blob.len().min(12)];
    match path {
        Some(p) if !p.is_empty() => format!("{p}@{short}"),
        _ => format!("blob {short}"),
    }
}

/// Author and time of commits, looked up once each.
pub struct CommitInfoCache<'r> {
    repo: &'r Repository,
    cache: HashMap<Oid, (String, String, i64)>,
}

impl<'r> CommitInfoCache<'r> {
    /// A cache over `repo`.
    pub fn new(repo: &'r Repository) -> Self {
        CommitInfoCache {
            repo,
            cache: HashMap::new(),
        }
    }

    /// (author name, author e-mail, commit time) of `commit`.
    pub fn get(&mut self, commit: Oid) -> (String, String, i64) {
        if let Some(v) = self.cache.get(&commit) {
            return v.clone();
        }
        let v = match self.repo.find_commit(commit) {
            Ok(c) => {
                let a = c.author();
                (
                    String::from_utf8_lossy(a.name_bytes()).into_owned(),
                    String::from_utf8_lossy(a.email_bytes()).into_owned(),
                    c.time().seconds(),
                )
            }
            Err(_) => (String::new(), String::new(), 0),
        };
        self.cache.insert(commit, v.clone());
        v
    }

    /// A [`GitOrigin`] for `commit` with the given containment counts.
    pub fn origin(
        &mut self,
        commit: Oid,
        commits_containing: usize,
        refs_containing: Vec<String>,
    ) -> Arc<GitOrigin> {
        let (author_name, author_email, time) = self.get(commit);
        Arc::new(GitOrigin {
            commit: commit.to_string(),
            author_name,
            author_email,
            time,
            commits_containing,
            refs_containing,
            message: None,
        })
    }
}

/// Reduce history findings to one per secret: among findings of the same rule and value, keep
/// those introduced by the earliest commit (`order` gives each commit's topological rank, parents
/// first). A secret that stays in a file through later edits is one finding, attributed to the
/// commit that introduced it. A copy of the file at another path (property `copyOf`) is kept:
/// it is a second place the secret must be removed from.
pub fn one_per_secret(findings: Vec<Finding>, order: &HashMap<String, usize>) -> Vec<Finding> {
    let rank = |f: &Finding| {
        f.git
            .as_ref()
            .and_then(|g| order.get(&g.commit).copied())
            .unwrap_or(usize::MAX)
    };
    let mut best: HashMap<(String, String), usize> = HashMap::new();
    for f in &findings {
        let k = (f.rule_id.clone(), f.fingerprint.clone());
        let r = rank(f);
        best.entry(k).and_modify(|b| *b = (*b).min(r)).or_insert(r);
    }
    let mut seen = std::collections::HashSet::new();
    findings
        .into_iter()
        .filter(|f| {
            let k = (f.rule_id.clone(), f.fingerprint.clone());
            // a copy of a file at another path is reported there too (`copyOf`)
            (best.get(&k) == Some(&rank(f)) || f.properties.contains_key("copyOf"))
                && seen.insert((k, f.location.path.clone(), f.location.start_line))
        })
        .collect()
}

/// 1-based line numbers of lines that `new` adds relative to `old` (all lines when `old` is
/// `None`).
pub fn added_lines(old: Option<&[u8]>, new: &[u8]) -> Option<std::collections::HashSet<usize>> {
    let old = old?;
    let mut set = std::collections::HashSet::new();
    let mut opts = git2::DiffOptions::new();
    opts.context_lines(0).force_text(true);
    let patch = git2::Patch::from_buffers(old, None, new, None, Some(&mut opts)).ok()?;
    for h in 0..patch.num_hunks() {
        let n = patch.num_lines_in_hunk(h).unwrap_or(0);
        for l in 0..n {
            if let Ok(line) = patch.line_in_hunk(h, l)
                && line.origin() == '+'
                && let Some(no) = line.new_lineno()
            {
                set.insert(no as usize);
            }
        }
    }
    Some(set)
}

/// Keep findings that touch one of `lines` (all findings when `lines` is `None`).
pub fn on_lines(
    findings: Vec<Finding>,
    lines: Option<&std::collections::HashSet<usize>>,
) -> Vec<Finding> {
    match lines {
        None => findings,
        Some(set) => findings
            .into_iter()
            .filter(|f| (f.location.start_line..=f.location.end_line).any(|l| set.contains(&l)))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remote_credentials_are_dropped() {
        let b = Path::new("/nonexistent");
        assert_eq!(
            normalize_remote("https://user:pw@example.com/o/r.git", b),
            "https://example.com/o/r.git"
        );
        assert_eq!(
            normalize_remote("git@github.com:o/r.git", b),
            "https://github.com/o/r.git"
        );
        assert_eq!(normalize_remote("/srv/r.git", b), "file:///srv/r.git");
    }

    #[test]
    fn lfs_pointers_are_recognised() {
        let p = b"version https://git-lfs.github.com/spec/v1\noid sha256:4d7a\nsize 12345\n";
        assert!(is_lfs_pointer(p));
        assert!(!is_lfs_pointer(b"version 1\n"));
    }

    #[test]
    fn added_lines_of_a_change() {
        let set = added_lines(Some(b"a\nb\nc\n"), b"a\nB\nc\nd\n").unwrap();
        let mut v: Vec<_> = set.into_iter().collect();
        v.sort();
        assert_eq!(v, vec![2, 4]);
        assert!(added_lines(None, b"x\n").is_none());
    }
}
