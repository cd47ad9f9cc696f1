//! Source: the git index (pre-commit mode). What `git commit` would add: every staged file that
//! differs from HEAD (or every staged file in a repository without commits), scanned whole, with
//! findings kept only on the lines the index adds or changes.

use std::path::Path;

use anyhow::Result;
use git2::{Delta, DiffOptions};

use super::git::{self, GitScan, added_lines, on_lines};
use crate::chunk::{Chunk, Provenance};
use crate::scan::{Collector, Scanner, SkipReason};

/// Scan the staged changes of the repository at `path`.
pub fn scan_staged(scanner: &Scanner, collector: &Collector, path: &Path) -> Result<GitScan> {
    let repo = git::open(path)?;
    let info = git::repository_info(&repo);
    let index = repo.index()?;
    let head_tree = repo.head().ok().and_then(|h| h.peel_to_tree().ok());
    let mut opts = DiffOptions::new();
    opts.include_typechange(true)
        .ignore_submodules(false)
        .force_binary(false);
    let diff = repo.diff_tree_to_index(head_tree.as_ref(), Some(&index), Some(&mut opts))?;
    let limit = scanner.options.max_file_size;
    for delta in diff.deltas() {
        if !matches!(
            delta.status(),
            Delta::Added | Delta::Modified | Delta::Renamed | Delta::Copied | Delta::Typechange
        ) {
            continue;
        }
        let new = delta.new_file();
        let shown = new
            .path()
            .map(|p| p.to_string_lossy().replace('\\', "/"))
            .unwrap_or_default();
        if new.mode() == git2::FileMode::Commit {
            collector.skip(shown, SkipReason::Submodule);
            continue;
        }
        if new.mode() == git2::FileMode::Link {
            continue;
        }
        let blob = match repo.find_blob(new.id()) {
            Ok(b) => b,
            Err(e) => {
                collector.skip(
                    shown,
                    SkipReason::Unreadable(format!("staged object {}: {}", new.id(), e.message())),
                );
                continue;
            }
        };
        if blob.size() as u64 > limit {
            collector.skip(shown, SkipReason::TooLarge);
            continue;
        }
        let data = blob.content();
        if let Some(reason) = git::skip_reason(data) {
            collector.skip(shown, reason);
            continue;
        }
        // an archive's members are scanned whole: their lines are not the blob's
        if let Some(archive) = super::archive::open(data, limit) {
            super::archive::each_member(archive, &shown, collector, |name, content| {
                let len = content.len();
                let chunk = Chunk {
                    data: content.into(),
                    provenance: Provenance::Staged { path: name.clone() },
                };
                match scanner.scan_chunk(chunk, None) {
                    Ok(found) => collector.scanned(len, found),
                    Err(reason) => collector.skip(name, reason),
                }
            });
            continue;
        }
        let old = delta.old_file();
        let old_blob = (delta.status() == Delta::Modified || delta.status() == Delta::Typechange)
            .then(|| repo.find_blob(old.id()).ok())
            .flatten();
        let chunk = Chunk {
            data: data.into(),
            provenance: Provenance::Staged {
                path: shown.clone(),
            },
        };
        match scanner.scan_chunk(chunk, None) {
            Ok(found) => {
                let lines = if found.is_empty() {
                    None
                } else {
                    added_lines(old_blob.as_ref().map(|b| b.content()), data)
                };
                collector.scanned(data.len(), on_lines(found, lines.as_ref()));
            }
            Err(reason) => collector.skip(shown, reason),
        }
    }
    Ok(GitScan {
        info,
        order: Default::default(),
        notes: Vec::new(),
        missing: Vec::new(),
    })
}
