//! Scanning an organisation: a list of repositories (local paths, or git URLs cloned into a cache
//! folder by the system `git`), a stable repository id for each, a deterministic shard of the list
//! (`--shard I/N`, or Kubernetes' `JOB_COMPLETION_INDEX` with N), and the loop that scans the
//! repositories of one shard into an [`OrgReport`] that [`crate::org::merge`] combines with the others.
//!
//! Sharding needs no coordination: every worker reads the same list, orders it by a hash of the
//! repository ids and takes every N-th entry from position I, so shards differ in size by at most
//! one repository and a worker that dies is simply run again.

pub mod fetch;
pub mod merge;

use std::path::{Component, Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, bail};
use sha2::{Digest, Sha256};

use crate::org::merge::{OrgReport, RepoSummary};
use crate::report::ReportOptions;
use crate::scan::{Collector, ScanReport, Scanner};
use crate::source;

/// Where a listed repository comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RepoSource {
    /// A repository (work tree or bare) on this machine.
    Local(PathBuf),
    /// A git URL (`https://`, `ssh://`, `git://`, `file://` or `user@host:path`), cloned into the
    /// cache folder. May hold credentials: never print it, print the id.
    Remote(String),
}

/// One line of a repository list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepoEntry {
    /// Stable id derived from the line alone (no I/O): `host/owner/name` for a URL (scheme,
    /// credentials, port and `.git` removed), the normalised path for a local repository.
    pub id: String,
    /// Where to read it from.
    pub source: RepoSource,
}

/// Is `s` a git URL rather than a local path?
pub fn is_url(s: &str) -> bool {
    if s.contains("://") {
        return true;
    }
    // scp-like `user@host:path` (a colon before any slash, and a user part)
    match (s.find(':'), s.find('/')) {
        (Some(c), slash) => s[..c].contains('@') && slash.is_none_or(|sl| c < sl),
        _ => false,
    }
}

/// The id of a git URL: `host/path` without scheme, credentials, port, trailing `/` or `.git`
/// (`file://` URLs: the path).
pub fn url_id(url: &str) -> String {
    let (host, path) = if let Some((scheme, rest)) = url.split_once("://") {
        let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
        let host = authority.rsplit('@').next().unwrap_or(authority);
        let host = host.split(':').next().unwrap_or(host);
        if scheme.eq_ignore_ascii_case("file") {
            (String::new(), format!("{host}/{path}"))
        } else {
            (host.to_ascii_lowercase(), path.to_string())
        }
    } else {
        let (authority, path) = url.split_once(':').unwrap_or((url, ""));
        let host = authority.rsplit('@').next().unwrap_or(authority);
        (host.to_ascii_lowercase(), path.to_string())
    };
    let path = path.trim_matches('/');
    let path = path
        .strip_suffix(".git")
        .unwrap_or(path)
        .trim_end_matches('/');
    if host.is_empty() {
        format!("/{}", path.trim_start_matches('/'))
    } else {
        format!("{host}/{path}")
    }
}

/// `base/p` without `.` components or trailing slashes (lexical: no I/O, so every worker computes
/// the same id).
fn normalize_path(base: &Path, p: &str) -> PathBuf {
    let joined = if Path::new(p).is_absolute() {
        PathBuf::from(p)
    } else {
        base.join(p)
    };
    let mut out = PathBuf::new();
    for c in joined.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// Parse a repository list: one repository per line (a git URL or a path, relative paths from
/// `base`, usually the list file's folder); blank lines and lines starting with `#` are ignored.
/// A repository listed twice (the same id) is an error.
pub fn parse_list(text: &str, base: &Path) -> Result<Vec<RepoEntry>> {
    let mut out: Vec<RepoEntry> = Vec::new();
    let mut seen = std::collections::HashMap::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let entry = if is_url(line) {
            RepoEntry {
                id: url_id(line),
                source: RepoSource::Remote(line.to_string()),
            }
        } else {
            let p = normalize_path(base, line);
            RepoEntry {
                id: p.to_string_lossy().into_owned(),
                source: RepoSource::Local(p),
            }
        };
        if let Some(first) = seen.insert(entry.id.clone(), n + 1) {
            bail!(
                "line {}: repository {} is already listed on line {first}",
                n + 1,
                entry.id
            );
        }
        out.push(entry);
    }
    Ok(out)
}

/// Read and parse the list file `path` (relative paths in it are relative to its folder).
pub fn read_list(path: &Path) -> Result<Vec<RepoEntry>> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the repository list {}", path.display()))?;
    let base = path.parent().unwrap_or(Path::new("."));
    parse_list(&text, base).with_context(|| path.display().to_string())
}

/// Shard `index` of `count` (0-based).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// This worker's index, `0..count`.
    pub index: usize,
    /// How many workers share the list.
    pub count: usize,
}

impl Shard {
    /// A checked shard.
    pub fn new(index: usize, count: usize) -> Result<Self> {
        if count == 0 {
            bail!("the shard count must be at least 1");
        }
        if index >= count {
            bail!("shard index {index} is out of range 0..{count}");
        }
        Ok(Shard { index, count })
    }

    /// The shard of a Kubernetes Indexed Job's pod: index from `job_completion_index` (the value
    /// of `JOB_COMPLETION_INDEX`), `count` = the Job's `completions`.
    pub fn from_index_var(value: Option<&str>, count: usize) -> Result<Self> {
        let Some(v) = value else {
            bail!("--shards N needs the shard index in JOB_COMPLETION_INDEX (or use --shard I/N)");
        };
        let index = v
            .trim()
            .parse()
            .with_context(|| format!("JOB_COMPLETION_INDEX=`{v}` is not a number"))?;
        Shard::new(index, count)
    }
}

impl std::str::FromStr for Shard {
    type Err = anyhow::Error;

    /// `I/N`, e.g. `0/4`.
    fn from_str(s: &str) -> Result<Self> {
        let (i, n) = s
            .split_once('/')
            .with_context(|| format!("--shard `{s}`: expected I/N, e.g. 0/4"))?;
        let i = i.trim().parse().with_context(|| format!("--shard `{s}`"))?;
        let n = n.trim().parse().with_context(|| format!("--shard `{s}`"))?;
        Shard::new(i, n)
    }
}

/// The place of a repository id in the shard order (SHA-256 of the id).
fn order_key(id: &str) -> [u8; 32] {
    Sha256::digest(id.as_bytes()).into()
}

/// The entries of `shard`: the list ordered by a hash of the ids, every `count`-th from `index`.
/// Independent of the list's line order; the shards partition the list and differ in size by at
/// most one. Returned in id order.
pub fn select(entries: &[RepoEntry], shard: Shard) -> Vec<RepoEntry> {
    let mut ordered: Vec<&RepoEntry> = entries.iter().collect();
    ordered.sort_by_cached_key(|e| (order_key(&e.id), e.id.clone()));
    let mut out: Vec<RepoEntry> = ordered
        .into_iter()
        .enumerate()
        .filter(|(i, _)| i % shard.count == shard.index)
        .map(|(_, e)| e.clone())
        .collect();
    out.sort_by(|a, b| a.id.cmp(&b.id));
    out
}

/// How each repository is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    /// Every blob of the history (all refs); URLs are cloned with `--mirror`.
    #[default]
    History,
    /// The files of the work tree (the default branch's tip; URLs are cloned with `--depth 1`).
    Tree,
}

impl Mode {
    /// `history` or `tree`.
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::History => "history",
            Mode::Tree => "tree",
        }
    }
}

/// Scan ONE repository already on disk at `path` in `mode` with `scanner`: the single place where
/// an organisation scan calls the scanning library (the same calls as a one-repository
/// `tokenhound scan [--history] PATH`).
pub fn scan_repository(scanner: &Scanner, path: &Path, mode: Mode) -> Result<ScanReport> {
    let collector = Collector::default();
    match mode {
        Mode::History => {
            let opts = source::history::HistoryOptions::default();
            let scan = source::history::scan_history(scanner, &collector, path, &opts)?;
            Ok(scan.into_report(collector, path.display().to_string()))
        }
        Mode::Tree => {
            if !path.is_dir() {
                bail!("{}: no such directory", path.display());
            }
            let info = source::git::open(path)
                .ok()
                .map(|r| source::git::repository_info(&r));
            source::fs::scan_path(scanner, &collector, path);
            let (findings, stats) = collector.finish();
            Ok(ScanReport {
                findings,
                stats,
                roots: vec![path.display().to_string()],
                repository: info,
            })
        }
    }
}

/// Settings of an organisation scan.
#[derive(Debug, Clone, Default)]
pub struct OrgOptions {
    /// History (default) or tree.
    pub mode: Mode,
    /// Where URLs are cloned (one folder per repository, reused by later runs).
    pub cache: PathBuf,
    /// What the report keeps of each finding (`show_secrets`).
    pub report: ReportOptions,
}

/// What happened to one repository, for progress lines.
#[derive(Debug, Clone)]
pub struct Progress<'a> {
    /// 1-based position in this shard.
    pub done: usize,
    /// Repositories in this shard.
    pub total: usize,
    /// Its summary (with the error, if it failed).
    pub summary: &'a RepoSummary,
    /// Time spent fetching (cloning or updating) it.
    pub fetch: Duration,
    /// Time spent scanning it.
    pub scan: Duration,
}

/// Scan `entries` one after another (each scan uses every worker thread): fetch URLs into the
/// cache, call `scan_one` on the local path, and collect everything into one report. A repository
/// that cannot be fetched or scanned is recorded with its error; the others go on.
pub fn scan_repos(
    entries: &[RepoEntry],
    opts: &OrgOptions,
    scan_one: &mut dyn FnMut(&RepoEntry, &Path) -> Result<ScanReport>,
    progress: &mut dyn FnMut(&Progress<'_>),
) -> OrgReport {
    let mut org = OrgReport::default();
    for (i, entry) in entries.iter().enumerate() {
        let t0 = Instant::now();
        let fetched = fetch::materialize(entry, &opts.cache, opts.mode);
        let t1 = Instant::now();
        let result = fetched.and_then(|path| scan_one(entry, &path));
        let scan_time = t1.elapsed();
        let summary = match result {
            Ok(report) => org.add_scan(&entry.id, opts.mode, &report, &opts.report),
            Err(e) => org.add_failure(&entry.id, opts.mode, &format!("{e:#}")),
        };
        progress(&Progress {
            done: i + 1,
            total: entries.len(),
            summary: &summary,
            fetch: t1 - t0,
            scan: scan_time,
        });
    }
    org
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_ids_drop_scheme_credentials_port_and_dot_git() {
        assert_eq!(
            url_id("https://github.com/Org/Repo.git"),
            "github.com/Org/Repo"
        );
        assert_eq!(
            url_id("https://x-access-token:abc@GitHub.com:443/org/repo/"),
            "github.com/org/repo"
        );
        assert_eq!(url_id("git@github.com:org/repo.git"), "github.com/org/repo");
        assert_eq!(url_id("ssh://git@host.example/a/b"), "host.example/a/b");
        assert_eq!(url_id("file:///srv/git/app.git"), "/srv/git/app");
    }

    #[test]
    fn urls_and_paths_are_told_apart() {
        assert!(is_url("https://github.com/a/b"));
        assert!(is_url("git@github.com:a/b.git"));
        assert!(is_url("file:///tmp/x"));
        assert!(!is_url("/srv/repos/a"));
        assert!(!is_url("./a:b"));
        assert!(!is_url("repos/user@host:x"));
    }

    #[test]
    fn lists_skip_comments_resolve_paths_and_refuse_duplicates() {
        let l = parse_list(
            "# org\n\nhttps://github.com/a/b\n ./x/../y/ \n/abs/z\n",
            Path::new("/base"),
        )
        .unwrap();
        let ids: Vec<&str> = l.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(ids, ["github.com/a/b", "/base/y", "/abs/z"]);
        assert_eq!(l[1].source, RepoSource::Local("/base/y".into()));
        let e = parse_list(
            "https://github.com/a/b\ngit@github.com:a/b.git\n",
            Path::new("/"),
        )
        .unwrap_err();
        assert!(e.to_string().contains("already listed on line 1"), "{e}");
    }

    #[test]
    fn shards_partition_the_list_evenly_whatever_its_order() {
        let text: String = (0..103).map(|i| format!("https://h/o/r{i}\n")).collect();
        let list = parse_list(&text, Path::new("/")).unwrap();
        let mut reversed = list.clone();
        reversed.reverse();
        let mut all = Vec::new();
        for i in 0..4 {
            let s = select(&list, Shard::new(i, 4).unwrap());
            assert!(s.len() == 25 || s.len() == 26, "{}", s.len());
            assert_eq!(s, select(&reversed, Shard::new(i, 4).unwrap()));
            all.extend(s.into_iter().map(|e| e.id));
        }
        all.sort();
        let mut ids: Vec<String> = list.iter().map(|e| e.id.clone()).collect();
        ids.sort();
        assert_eq!(all, ids);
        assert_eq!(select(&list, Shard::new(0, 1).unwrap()).len(), 103);
    }

    #[test]
    fn shard_specs_are_checked() {
        assert_eq!(
            "2/4".parse::<Shard>().unwrap(),
            Shard { index: 2, count: 4 }
        );
        assert!("4/4".parse::<Shard>().is_err());
        assert!("1/0".parse::<Shard>().is_err());
        assert!("x".parse::<Shard>().is_err());
        assert_eq!(
            Shard::from_index_var(Some("3"), 4).unwrap(),
            Shard { index: 3, count: 4 }
        );
        assert!(Shard::from_index_var(None, 4).is_err());
        assert!(Shard::from_index_var(Some("9"), 4).is_err());
    }
}
