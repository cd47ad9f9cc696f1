//! Source: a commit range (pull-request mode). The blobs that the commits of `BASE..HEAD`
//! introduce — a path whose content differs from every parent's — each scanned once, with
//! findings kept on the lines the commit adds, attributed to the first commit (parents first) that
//! introduced them. The messages of the range's commits, and of annotated tags pointing to
//! them, are scanned too ([`super::messages`]).

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::rc::Rc;

use anyhow::{Context as _, Result, bail};
use git2::{Delta, DiffFindOptions, DiffOptions, Oid, Repository, Sort, Tree};

use super::git::{self, CommitInfoCache, GitScan, added_lines, on_lines};
use crate::chunk::{Chunk, Provenance};
use crate::scan::{Collector, MissingObject, Scanner, SkipReason};

/// One path whose content a commit introduced.
struct Introduced {
    commit: Oid,
    path: String,
    blob: Oid,
    /// The content at that path (or the source of an exact rename) in each parent; `None` when
    /// absent.
    olds: Vec<Option<Oid>>,
    /// The blobs of the paths the commit deleted, per parent: where a renamed and edited file's
    /// old content is looked for when it has findings ([`rename_source`]).
    deleted: Vec<Rc<Vec<Oid>>>,
}

/// What a commit changed relative to one parent.
struct Changes {
    /// Each added or modified path: (new blob, old blob at that path or the exact rename
    /// source).
    paths: HashMap<String, (Oid, Option<Oid>)>,
    /// The blobs of deleted paths.
    deleted: Rc<Vec<Oid>>,
}

/// Resolve `BASE..HEAD` (either side may be empty: HEAD) to (base, head) commit ids.
pub fn resolve_range(repo: &Repository, spec: &str) -> Result<(Oid, Oid)> {
    let Some((a, b)) = spec.split_once("..") else {
        bail!("--range `{spec}`: expected BASE..HEAD");
    };
    let b = b.strip_prefix('.').unwrap_or(b);
    let peel = |s: &str| -> Result<Oid> {
        let s = if s.is_empty() { "HEAD" } else { s };
        Ok(repo
            .revparse_single(s)
            .and_then(|o| o.peel_to_commit())
            .with_context(|| format!("--range: `{s}` is not a commit in this repository"))?
            .id())
    };
    Ok((peel(a)?, peel(b)?))
}

/// The changes of `new` relative to `old`. Renames are found by exact content only (cheap): the
/// similarity search over every added and deleted file took 80 % of a range scan, and only a
/// file with findings needs its rename source ([`rename_source`] looks for it then).
fn changed_paths(repo: &Repository, old: Option<&Tree<'_>>, new: &Tree<'_>) -> Result<Changes> {
    let mut opts = DiffOptions::new();
    opts.include_typechange(true);
    let mut diff = repo.diff_tree_to_tree(old, Some(new), Some(&mut opts))?;
    let mut find = DiffFindOptions::new();
    find.renames(true).exact_match_only(true);
    diff.find_similar(Some(&mut find))?;
    let mut out = HashMap::new();
    let mut deleted = Vec::new();
    for d in diff.deltas() {
        let status = d.status();
        if status == Delta::Deleted {
            deleted.push(d.old_file().id());
            continue;
        }
        if !matches!(
            status,
            Delta::Added | Delta::Modified | Delta::Renamed | Delta::Copied | Delta::Typechange
        ) {
            continue;
        }
        let nf = d.new_file();
        let Some(p) = nf.path() else { continue };
        let old = (status != Delta::Added).then(|| d.old_file().id());
        out.insert(
            p.to_string_lossy().replace('\\', "/"),
            (nf.id(), old.filter(|o| !o.is_zero())),
        );
    }
    Ok(Changes {
        paths: out,
        deleted: Rc::new(deleted),
    })
}

/// The source of a rename with edits: among the blobs the commit deleted, the one sharing the
/// most lines with `new`, if at least half of the longer of the two (git's default rename
/// threshold, counted in lines).
fn rename_source(repo: &Repository, deleted: &[Oid], new: &[u8]) -> Option<Oid> {
    let new_lines = new.split(|&b| b == b'\n').count();
    let mut best: Option<(usize, Oid)> = None;
    for &d in deleted {
        let Ok(b) = repo.find_blob(d) else { continue };
        let old = b.content();
        // sizes more than twice apart cannot be half similar
        if old.len() > 2 * new.len() + 1 || new.len() > 2 * old.len() + 1 {
            continue;
        }
        let Some(added) = added_lines(Some(old), new) else {
            continue;
        };
        let common = new_lines.saturating_sub(added.len());
        let longer = new_lines.max(old.split(|&b| b == b'\n').count());
        if 2 * common >= longer && best.is_none_or(|(c, _)| common > c) {
            best = Some((common, d));
        }
    }
    best.map(|(_, d)| d)
}

/// Scan what the commits of `spec` (`BASE..HEAD`) introduce in the repository at `path`.
pub fn scan_range(
    scanner: &Scanner,
    collector: &Collector,
    path: &Path,
    spec: &str,
) -> Result<GitScan> {
    let repo = git::open(path)?;
    let mut info = git::repository_info(&repo);
    let (base, head) = resolve_range(&repo, spec)?;
    info.revision = Some(head.to_string());
    let mut walk = repo.revwalk()?;
    walk.set_sorting(Sort::TOPOLOGICAL | Sort::TIME | Sort::REVERSE)?;
    walk.push(head)?;
    walk.hide(base)?;
    let mut order: HashMap<String, usize> = HashMap::new();
    let mut commits = Vec::new();
    let mut intro: Vec<Introduced> = Vec::new();
    let mut seen_blobs: HashSet<Oid> = HashSet::new();
    for id in walk {
        let id = id?;
        let commit = repo.find_commit(id)?;
        order.insert(id.to_string(), commits.len());
        commits.push(id);
        let tree = commit.tree()?;
        let parents: Vec<Tree<'_>> = commit
            .parents()
            .filter_map(|p| p.tree().ok())
            .collect::<Vec<_>>();
        let per_parent: Vec<Changes> = if parents.is_empty() {
            vec![changed_paths(&repo, None, &tree)?]
        } else {
            parents
                .iter()
                .map(|p| changed_paths(&repo, Some(p), &tree))
                .collect::<Result<_>>()?
        };
        let mut paths: Vec<&String> = per_parent[0].paths.keys().collect();
        paths.sort();
        for p in paths {
            let (blob, _) = per_parent[0].paths[p];
            if !per_parent
                .iter()
                .all(|m| m.paths.get(p).is_some_and(|e| e.0 == blob))
            {
                continue;
            }
            if !seen_blobs.insert(blob) {
                continue;
            }
            intro.push(Introduced {
                commit: id,
                path: p.clone(),
                blob,
                olds: per_parent.iter().map(|m| m.paths[p].1).collect(),
                deleted: per_parent.iter().map(|m| m.deleted.clone()).collect(),
            });
        }
    }
    super::messages::scan_commits(scanner, collector, &repo, &commits);
    let mut infos = CommitInfoCache::new(&repo);
    let mut missing = Vec::new();
    let limit = scanner.options.max_file_size;
    for it in &intro {
        let input = git::blob_input(Some(&it.path), &it.blob.to_string());
        let obj = match repo.find_object(it.blob, None) {
            Ok(o) => o,
            Err(e) if e.code() == git2::ErrorCode::NotFound => {
                missing.push(MissingObject {
                    id: it.blob.to_string(),
                    kind: "blob".into(),
                    path: Some(it.path.clone()),
                    commit: Some(it.commit.to_string()),
                });
                continue;
            }
            Err(e) => {
                collector.skip(input, SkipReason::Unreadable(e.message().to_string()));
                continue;
            }
        };
        let Some(blob) = obj.as_blob() else {
            if obj.kind() == Some(git2::ObjectType::Commit) {
                collector.skip(it.path.clone(), SkipReason::Submodule);
            }
            continue;
        };
        if blob.size() as u64 > limit {
            collector.skip(input, SkipReason::TooLarge);
            continue;
        }
        let data = blob.content();
        if let Some(reason) = git::skip_reason(data) {
            collector.skip(input, reason);
            continue;
        }
        let (_, _, time) = infos.get(it.commit);
        // an archive's members are scanned whole (their lines are not the blob's): what they
        // hold came with the blob
        if let Some(archive) = super::archive::open(data, limit) {
            let mut found = Vec::new();
            super::archive::each_member(archive, &it.path, collector, |name, content| {
                let len = content.len();
                let chunk = Chunk {
                    data: content.into(),
                    provenance: Provenance::GitBlob {
                        blob: it.blob.to_string(),
                        path: name.clone(),
                        origin: None,
                    },
                };
                match scanner.scan_chunk(chunk, Some(time)) {
                    Ok(f) => {
                        collector.scanned(len, Vec::new());
                        found.extend(f);
                    }
                    Err(reason) => collector.skip(name, reason),
                }
            });
            if !found.is_empty() {
                let origin = origin_of(&repo, &mut infos, &commits, it);
                for f in &mut found {
                    f.git = Some(origin.clone());
                }
                collector.add_findings(found);
            }
            continue;
        }
        let chunk = Chunk {
            data: data.into(),
            provenance: Provenance::GitBlob {
                blob: it.blob.to_string(),
                path: it.path.clone(),
                origin: None,
            },
        };
        let found = match scanner.scan_chunk(chunk, Some(time)) {
            Ok(f) => f,
            Err(reason) => {
                collector.skip(input, reason);
                continue;
            }
        };
        if found.is_empty() {
            collector.scanned(data.len(), found);
            continue;
        }
        // lines added relative to every parent
        let mut lines: Option<HashSet<usize>> = None;
        let mut all_new = false;
        for (old, deleted) in it.olds.iter().zip(&it.deleted) {
            // a path new to this parent may be a renamed and edited file: its old content
            let old = old.or_else(|| rename_source(&repo, deleted, data));
            let old_data = old.and_then(|o| repo.find_blob(o).ok());
            match added_lines(old_data.as_ref().map(|b| b.content()), data) {
                None => all_new = true,
                Some(s) => {
                    lines = Some(match lines {
                        None => s,
                        Some(prev) => prev.intersection(&s).copied().collect(),
                    })
                }
            }
        }
        let lines = if all_new && lines.is_none() {
            None
        } else {
            Some(lines.unwrap_or_default())
        };
        let mut found = on_lines(found, lines.as_ref());
        if !found.is_empty() {
            let origin = origin_of(&repo, &mut infos, &commits, it);
            for f in &mut found {
                f.git = Some(origin.clone());
            }
        }
        collector.scanned(data.len(), found);
    }
    Ok(GitScan {
        info,
        order,
        notes: Vec::new(),
        missing,
    })
}

/// Where the content `it` introduced comes from: its commit, how many of the range's `commits`
/// hold it at its path, and the refs whose tip holds it.
fn origin_of(
    repo: &Repository,
    infos: &mut CommitInfoCache,
    commits: &[Oid],
    it: &Introduced,
) -> std::sync::Arc<crate::chunk::GitOrigin> {
    let containing = commits
        .iter()
        .filter(|c| {
            repo.find_commit(**c)
                .ok()
                .and_then(|c| c.tree().ok())
                .and_then(|t| t.get_path(Path::new(&it.path)).ok())
                .is_some_and(|e| e.id() == it.blob)
        })
        .count();
    let refs = git::refs_containing(repo, &it.path, it.blob);
    infos.origin(it.commit, containing, refs)
}
