//! Source: the file tree. A parallel `ignore` walk that includes hidden files such as `.env`, never
//! enters `.git/`, and honours ignore files (unless told not to) the way git does: `.gitignore`
//! only inside a git repository, and never for files git tracks. Whatever an ignore file leaves
//! out is counted and listed as skipped (a whole ignored directory as one entry), never silently
//! dropped: a second walk without ignore files finds it, unless no ignore file or repository
//! lies in or above the tree (then nothing can be left out). Each file is read once, with the
//! size limit checked before reading.

use std::collections::{BTreeSet, HashSet};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use ignore::{WalkBuilder, WalkState};

use crate::chunk::{Chunk, Provenance};
use crate::scan::{Collector, Scanner, SkipReason};

/// Scan every file under `root` (a directory or a single file).
pub fn scan_path(scanner: &Scanner, collector: &Collector, root: &Path) {
    let opts = &scanner.options;
    let mut wb = WalkBuilder::new(root);
    wb.hidden(false)
        .require_git(true)
        .follow_links(false)
        .threads(opts.threads)
        .filter_entry(|e| e.file_name() != ".git");
    if opts.no_ignore {
        wb.standard_filters(false).hidden(false);
    }
    let root_is_dir = root.is_dir();
    // every path the filtered walk yields, to find afterwards what the ignore files left out
    let account = root_is_dir && !opts.no_ignore;
    // each walker thread keeps its own list (no lock per entry), handed over when it ends
    let visited: Mutex<Vec<Vec<PathBuf>>> = Mutex::new(Vec::new());
    // whether an ignore file can leave anything out (see `may_ignore_below`)
    let may_ignore = AtomicBool::new(account && may_ignore_above(root));
    wb.build_parallel().run(|| {
        let mut seen = Visited {
            paths: Vec::new(),
            all: &visited,
        };
        let may_ignore = &may_ignore;
        Box::new(move |entry| {
            if account && let Ok(e) = &entry {
                seen.paths.push(e.path().to_path_buf());
                if e.file_type().is_some_and(|t| t.is_dir())
                    && !may_ignore.load(Ordering::Relaxed)
                    && may_ignore_in(e.path())
                {
                    may_ignore.store(true, Ordering::Relaxed);
                }
            }
            let entry = match entry {
                Ok(e) => e,
                Err(err) => {
                    collector.skip(
                        error_path(&err, root),
                        SkipReason::Unreadable(err.to_string()),
                    );
                    return WalkState::Continue;
                }
            };
            if !entry.file_type().is_some_and(|t| t.is_file()) {
                return WalkState::Continue;
            }
            let path = entry.path();
            let shown = display_path(root, path, root_is_dir);
            scan_file(scanner, collector, path, shown);
            WalkState::Continue
        })
    });
    if account && may_ignore.into_inner() {
        let visited = visited
            .into_inner()
            .unwrap_or_else(|p| p.into_inner())
            .into_iter()
            .flatten()
            .collect();
        account_for_ignored(scanner, collector, root, visited);
    }
}

/// One walker thread's visited paths, added to the shared list when the thread's walk ends.
struct Visited<'a> {
    paths: Vec<PathBuf>,
    all: &'a Mutex<Vec<Vec<PathBuf>>>,
}

impl Drop for Visited<'_> {
    fn drop(&mut self) {
        let paths = std::mem::take(&mut self.paths);
        self.all
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(paths);
    }
}

/// Whether directory `dir` holds what makes the walk leave entries out: an `.ignore` file
/// (applied everywhere) or a git repository (`.git`: its `.gitignore` files, `info/exclude` and
/// git's global excludes apply inside it). An entry left out lies below a directory the walk
/// yields or the root's own ancestors, where its ignore file (or repository) is: when neither
/// holds one, nothing was left out and the walk that accounts for ignored entries is skipped.
fn may_ignore_in(dir: &Path) -> bool {
    dir.join(".ignore").exists() || dir.join(".git").exists()
}

/// [`may_ignore_in`] for the root and each of its ancestors (the walk reads their ignore
/// files too).
fn may_ignore_above(root: &Path) -> bool {
    let abs = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    abs.ancestors().any(may_ignore_in)
}

/// Walk `root` again without ignore files (in parallel) and deal with everything the filtered
/// walk did not yield: files git tracks are scanned after all (an ignore file only applies to untracked
/// files); the rest is recorded as skipped, an ignored directory as one entry.
fn account_for_ignored(
    scanner: &Scanner,
    collector: &Collector,
    root: &Path,
    visited: HashSet<PathBuf>,
) {
    let tracked = tracked_files(root);
    let visited = std::sync::Arc::new(visited);
    let pruned: std::sync::Arc<Mutex<Vec<PathBuf>>> = Default::default();
    let (seen, cut) = (visited.clone(), pruned.clone());
    let walk = WalkBuilder::new(root)
        .standard_filters(false)
        .hidden(false)
        .follow_links(false)
        .filter_entry(move |e| {
            if e.file_name() == ".git" {
                return false;
            }
            let ignored_dir = e.file_type().is_some_and(|t| t.is_dir()) && !seen.contains(e.path());
            if ignored_dir {
                cut.lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .push(e.path().to_path_buf());
            }
            !ignored_dir
        })
        .threads(scanner.options.threads)
        .build_parallel();
    let (visited, tracked) = (&visited, &tracked);
    walk.run(|| {
        Box::new(move |entry| {
            // errors here lie inside ignored content; the filtered walk reported its own
            let Ok(entry) = entry else {
                return WalkState::Continue;
            };
            let path = entry.path();
            if visited.contains(path) || !entry.file_type().is_some_and(|t| t.is_file()) {
                return WalkState::Continue;
            }
            let shown = display_path(root, path, true);
            if tracked.contains(path.strip_prefix(root).unwrap_or(path)) {
                scan_file(scanner, collector, path, shown);
            } else {
                collector.skip(
                    shown,
                    SkipReason::Ignored("untracked file matched by an ignore file"),
                );
            }
            WalkState::Continue
        })
    });
    let pruned = std::mem::take(&mut *pruned.lock().unwrap_or_else(|p| p.into_inner()));
    for dir in pruned {
        let rel = dir.strip_prefix(root).unwrap_or(&dir).to_path_buf();
        let mut holds_tracked = false;
        for t in tracked
            .range(rel.clone()..)
            .take_while(|t| t.starts_with(&rel))
        {
            holds_tracked = true;
            let full = root.join(t);
            if full.is_file() {
                scan_file(scanner, collector, &full, display_path(root, &full, true));
            }
        }
        if !holds_tracked {
            collector.skip(
                format!("{}/", display_path(root, &dir, true)),
                SkipReason::Ignored("untracked directory matched by an ignore file"),
            );
            continue;
        }
        // an ignored directory that holds tracked files (test expectations committed under an
        // ignored name): its other files are named one by one, as the directory is not left out
        for entry in WalkBuilder::new(&dir)
            .standard_filters(false)
            .hidden(false)
            .follow_links(false)
            .filter_entry(|e| e.file_name() != ".git")
            .build()
            .flatten()
        {
            let path = entry.path();
            if entry.file_type().is_some_and(|t| t.is_file())
                && !tracked.contains(path.strip_prefix(root).unwrap_or(path))
            {
                collector.skip(
                    display_path(root, path, true),
                    SkipReason::Ignored("untracked file matched by an ignore file"),
                );
            }
        }
    }
}

/// The files git tracks under `root`, as paths relative to `root` (empty outside a repository).
fn tracked_files(root: &Path) -> BTreeSet<PathBuf> {
    let mut out = BTreeSet::new();
    let Ok(abs_root) = root.canonicalize() else {
        return out;
    };
    let Ok(repo) = git2::Repository::discover(&abs_root) else {
        return out;
    };
    let Some(workdir) = repo.workdir().and_then(|w| w.canonicalize().ok()) else {
        return out;
    };
    let Ok(index) = repo.index() else {
        return out;
    };
    for e in index.iter() {
        let Ok(p) = std::str::from_utf8(&e.path) else {
            continue;
        };
        if let Ok(rel) = workdir.join(p).strip_prefix(&abs_root) {
            out.insert(rel.to_path_buf());
        }
    }
    out
}

fn error_path(err: &ignore::Error, root: &Path) -> String {
    match err {
        ignore::Error::WithPath { path, .. } => path.display().to_string(),
        _ => root.display().to_string(),
    }
}

/// The path shown in reports: relative to a directory root, `/`-separated.
fn display_path(root: &Path, path: &Path, root_is_dir: bool) -> String {
    let rel = if root_is_dir {
        path.strip_prefix(root).unwrap_or(path)
    } else {
        path
    };
    let s = rel.to_string_lossy().replace('\\', "/");
    s.strip_prefix("./").map(str::to_string).unwrap_or(s)
}

fn scan_file(scanner: &Scanner, collector: &Collector, path: &Path, shown: String) {
    let limit = scanner.options.max_file_size;
    let mut file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) => return collector.skip(shown, SkipReason::Unreadable(e.to_string())),
    };
    let mut size = 0;
    if let Ok(md) = file.metadata() {
        if md.len() > limit {
            return collector.skip(shown, SkipReason::TooLarge);
        }
        size = md.len();
    }
    // room for the whole file and the read that finds its end: one allocation, no copies
    let mut buf = Vec::with_capacity(usize::try_from(size).unwrap_or(0).saturating_add(1));
    if let Err(e) = (&mut file).take(limit + 1).read_to_end(&mut buf) {
        return collector.skip(shown, SkipReason::Unreadable(e.to_string()));
    }
    if buf.len() as u64 > limit {
        return collector.skip(shown, SkipReason::TooLarge);
    }
    if let Some(archive) = super::archive::open(&buf, limit) {
        // each member is counted (scanned or skipped) as a file of its own
        super::archive::each_member(archive, &shown, collector, |name, data| {
            let chunk = Chunk {
                data: data.into(),
                provenance: Provenance::File { path: name.clone() },
            };
            scanner.scan_into(collector, &name, chunk, None);
        });
        return;
    }
    let chunk = Chunk {
        data: buf.into(),
        provenance: Provenance::File {
            path: shown.clone(),
        },
    };
    scanner.scan_into(collector, &shown, chunk, None);
}
