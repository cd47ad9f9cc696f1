//! Source: the file tree. A parallel `ignore` walk that honours `.gitignore` / `.ignore` (unless
//! told not to), includes hidden files such as `.env`, and never enters `.git/`. Each file is read
//! once, with the size limit checked before reading.

use std::io::Read;
use std::path::Path;

use ignore::{WalkBuilder, WalkState};

use crate::chunk::{Chunk, Provenance};
use crate::scan::{Collector, Scanner, SkipReason};

/// Scan every file under `root` (a directory or a single file).
pub fn scan_path(scanner: &Scanner, collector: &Collector, root: &Path) {
    let opts = &scanner.options;
    let mut wb = WalkBuilder::new(root);
    wb.hidden(false)
        .require_git(false)
        .follow_links(false)
        .threads(opts.threads)
        .filter_entry(|e| e.file_name() != ".git");
    if opts.no_ignore {
        wb.standard_filters(false).hidden(false);
    }
    let root_is_dir = root.is_dir();
    wb.build_parallel().run(|| {
        Box::new(move |entry| {
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
    if let Ok(md) = file.metadata()
        && md.len() > limit
    {
        return collector.skip(shown, SkipReason::TooLarge);
    }
    let mut buf = Vec::new();
    if let Err(e) = (&mut file).take(limit + 1).read_to_end(&mut buf) {
        return collector.skip(shown, SkipReason::Unreadable(e.to_string()));
    }
    if buf.len() as u64 > limit {
        return collector.skip(shown, SkipReason::TooLarge);
    }
    let chunk = Chunk {
        data: buf.into(),
        provenance: Provenance::File {
            path: shown.clone(),
        },
    };
    scanner.scan_into(collector, &shown, chunk, None);
}
