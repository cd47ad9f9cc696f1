//! Source: a repository's whole history (`scan --history`). Two phases:
//!
//! 1. **Scan**: every blob of the object store, listed and read in pack order by
//!    [`super::blobs`] (each blob inflated once), handed over a bounded channel to worker threads
//!    that run the pipeline — so reading overlaps matching and memory stays bounded. No commit or
//!    tree is looked at for clean blobs. Beside the listing and the blobs, on a thread of its
//!    own, the message of every reachable commit and annotated tag is scanned
//!    ([`super::messages`]).
//! 2. **Attribute** (only when some blob has findings): one walk over the commits of every ref
//!    (branches, tags, remote-tracking refs, stash) in topological order, parents first (the
//!    order is found beside phase 1, on the messages' thread, which scans the messages of its
//!    commits). Each
//!    unique tree is read once and summarised as the findings-bearing blobs (and submodules)
//!    below it, so a commit costs one lookup. The first commit whose tree holds a blob is the one
//!    that introduced it (no parent holds it anywhere). Blobs no ref reaches are dropped unless
//!    `all_objects` is set. The findings of each blob are then reported with its real path and
//!    commit: hygiene is judged again with the commit time and path allowlists are applied, on
//!    the candidates of phase 1 (the matcher runs once per blob). The content of blobs with
//!    findings is kept from phase 1 up to [`KEEP_BYTES`] in all, and read again past that.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use anyhow::Result;

use git2::{ObjectType, Oid, Repository, Sort};

use super::blobs::{self, BlobId, Read1, Reader};
use super::git::{self, CommitInfoCache, GitScan};
use crate::chunk::{Chunk, Provenance, normalize_encoding};
use crate::finding::Finding;
use crate::scan::{Collector, Detection, Scanner, SkipReason};

/// The most content of blobs with findings that phase 1 keeps in memory for phase 2, in bytes;
/// the rest is read again.
pub const KEEP_BYTES: u64 = 128 << 20;

/// Phase 1's blob side: the listing of the object store (blobs taken out), every object id it
/// has, and the blobs with findings.
pub(super) type BlobPhase = (blobs::Listing, OidSet, HashMap<Oid, Hit>);

/// What phase 1 found in one blob: in the blob itself, or in the members of the archive it is
/// ([`super::archive::open`]), one part each.
pub(super) struct Hit {
    parts: Vec<Part>,
}

/// What phase 1 found in a blob, or in one member of the archive the blob is.
struct Part {
    /// `None` for the blob itself; else the member's index and name in the archive.
    member: Option<(usize, String)>,
    /// Its findings (path-less) and what reporting them again needs.
    detection: Detection,
    /// The content as scanned, when it fit in [`KEEP_BYTES`].
    data: Option<Vec<u8>>,
}

impl Part {
    /// Where this part of a blob at `path` is reported.
    fn path_under(&self, path: &str) -> String {
        match &self.member {
            None => path.to_string(),
            Some((_, name)) => super::archive::member_path(path, name),
        }
    }
}

impl Hit {
    /// Phase 1's findings as they are, moved to `path` and `origin` (for a blob that cannot be
    /// read again).
    fn findings_at(
        &self,
        path: &str,
        origin: Option<&Arc<crate::chunk::GitOrigin>>,
    ) -> Vec<Finding> {
        self.parts
            .iter()
            .flat_map(|part| {
                let shown = part.path_under(path);
                part.detection.findings.iter().cloned().map(move |mut f| {
                    f.location.path = shown.clone();
                    if let Some(o) = origin {
                        f.git = Some(o.clone());
                    }
                    f
                })
            })
            .collect()
    }
}

/// Hashes an object id by its first eight bytes: ids are uniformly random already, and the
/// sets of ids below are probed once per entry of every tree.
#[derive(Default, Clone, Copy)]
pub struct OidHasher(u64);

/// An object id's bytes: a hash key compared inline (git2's `Oid` compares through a call into
/// libgit2, 2 % of a history scan's CPU when it was the key of the sets probed per tree entry).
pub type Id = [u8; 20];

/// The [`Id`] of `oid`.
pub fn id_of(oid: &Oid) -> Id {
    oid.as_bytes().try_into().expect("20 bytes")
}

impl std::hash::Hasher for OidHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for (i, b) in bytes.iter().take(8).enumerate() {
            self.0 ^= u64::from(*b) << (8 * i);
        }
    }

    fn write_usize(&mut self, _: usize) {}
}

/// A set of object ids hashed with [`OidHasher`].
pub type OidSet = HashSet<Id, std::hash::BuildHasherDefault<OidHasher>>;

/// A map keyed by object ids hashed with [`OidHasher`].
type IdMap<V> = HashMap<Id, V, std::hash::BuildHasherDefault<OidHasher>>;

/// Settings of a history scan.
#[derive(Debug, Clone, Default)]
pub struct HistoryOptions {
    /// Also report findings in blobs that no ref reaches.
    pub all_objects: bool,
    /// Draw a progress bar on stderr.
    pub progress: bool,
    /// Blob reader.
    pub reader: Reader,
    /// Read packs with the delta-aware reader ([`super::delta`]), matching only what deltas
    /// insert; false reads and scans every blob whole.
    pub delta: bool,
    /// Note what the delta-aware reader did (`scan -v`).
    pub explain: bool,
}

/// Turns libgit2's object cache and its hash check of every object it reads off while it
/// lives. The cache is process-wide (256 MiB by default) and would keep every commit the
/// message scan and the attribution walk read (each once or twice): 175 MB on git/git's 85,361
/// commits, a third of the scan's peak memory. The hash check (SHA-1 with collision detection
/// of each commit and tree read, 2.4 % of the scan's CPU) checks no more than `git cat-file`
/// does for the blobs: a damaged object is still a zlib or parse error. Dropping it turns both
/// on again (libgit2's defaults; it has no getters to restore a caller's settings).
struct NoObjectCache;

impl NoObjectCache {
    fn new() -> Self {
        git2::opts::enable_caching(false);
        git2::opts::strict_hash_verification(false);
        NoObjectCache
    }
}

impl Drop for NoObjectCache {
    fn drop(&mut self) {
        git2::opts::enable_caching(true);
        git2::opts::strict_hash_verification(true);
    }
}

/// Scan every blob of the repository at `path`; attribute the findings.
pub fn scan_history(
    scanner: &Scanner,
    collector: &Collector,
    path: &Path,
    opts: &HistoryOptions,
) -> Result<GitScan> {
    let repo = git::open(path)?;
    let _cache = NoObjectCache::new();
    let info = git::repository_info(&repo);
    let mut notes = Vec::new();
    if repo.is_shallow() {
        notes.push(
            "shallow clone: the history is truncated; only the commits and objects present were scanned"
                .to_string(),
        );
    }
    let limit = scanner.options.max_file_size;
    // the packs the delta reader rebuilds blobs and trees from
    let (packs, pack_notes) = if opts.delta {
        super::delta::open_packs(&repo)
    } else {
        Default::default()
    };
    if opts.explain {
        notes.extend(pack_notes);
    }
    let packs = packs.as_slice();
    // phase 1's blob side: list the objects, then scan the blobs (with packs to rebuild blobs
    // from, the listing runs beside their walk: it is only needed for the objects outside them)
    let list = |repo: &Repository| -> Result<(blobs::Listing, OidSet)> {
        let listed = blobs::list_blobs(repo, opts.reader)?;
        for (id, why) in &listed.broken {
            collector.skip(
                format!("object {id}"),
                SkipReason::Unreadable(why.to_string()),
            );
        }
        // every object the store has (readable or not): a tree entry naming anything else is
        // missing
        let mut present: OidSet = listed
            .blobs
            .iter()
            .chain(&listed.trees)
            .map(|b| id_of(&b.oid))
            .collect();
        present.extend(
            listed
                .broken
                .iter()
                .filter_map(|(id, _)| Oid::from_str(id).ok())
                .map(|o| id_of(&o)),
        );
        Ok((listed, present))
    };
    // the blobs of `listed` to read (too large ones are skipped), taken out of it
    let to_read = |listed: &mut blobs::Listing| {
        let mut to_read = Vec::with_capacity(listed.blobs.len());
        for b in std::mem::take(&mut listed.blobs) {
            if b.size > limit {
                collector.skip(
                    git::blob_input(None, &b.oid.to_string()),
                    SkipReason::TooLarge,
                );
            } else {
                to_read.push(b);
            }
        }
        to_read
    };
    let list_and_scan = |notes: &mut Vec<String>| -> Result<BlobPhase> {
        if opts.delta {
            let ((listed, present, hits), delta_notes) = super::delta::scan_blobs(
                scanner,
                collector,
                &repo,
                path,
                opts,
                packs,
                Box::new(list),
                to_read,
            )?;
            if opts.explain {
                notes.extend(delta_notes);
            }
            return Ok((listed, present, hits));
        }
        let (mut listed, present) = list(&repo)?;
        let to_read = to_read(&mut listed);
        let hits = scan_blobs(scanner, collector, &repo, &to_read, opts)?;
        Ok((listed, present, hits))
    };
    // The messages are scanned beside the listing and the blobs, on a thread of their own with
    // its own handle on the repository (listing is mostly `git`'s work, and the blob scan
    // leaves part of the cores idle while it reads the pack); after them with `--threads 1`.
    // Both only add to the collector, which sorts at the end.
    let threads = scanner.options.worker_threads();
    // The order the attribution walks the commits in is found there first, and the messages
    // are those of its commits (one walk over every commit for both).
    let (scanned, messages) = if threads > 1 {
        std::thread::scope(|s| {
            let messages = s.spawn(|| {
                let r = git::open(path).ok()?;
                let order = commit_order(&r);
                // the messages of the walk's commits; of their own walk when it stopped early
                // (as far as that one goes)
                let commits = order.notes.is_empty().then_some(order.commits.as_slice());
                let trees = super::messages::scan_all(scanner, collector, &r, commits);
                Some((trees, order))
            });
            let scanned = list_and_scan(&mut notes);
            let messages = messages
                .join()
                .unwrap_or_else(|e| std::panic::resume_unwind(e));
            (scanned, messages)
        })
    } else {
        (list_and_scan(&mut notes), None)
    };
    let (listed, present, mut hits) = scanned?;
    let (commit_trees, order_found) = match messages {
        Some((trees, order)) => (trees, Some(order)),
        None => (
            super::messages::scan_all(scanner, collector, &repo, None),
            None,
        ),
    };
    let interest: OidSet = hits.keys().map(id_of).collect();
    let known = Known {
        interest: &interest,
        present: &present,
    };
    // every tree is read once: reduced to the entries the walk needs, and checked for entries
    // the store lacks
    // (without findings only the check: the reduced trees are built if something is missing)
    let keep = !hits.is_empty();
    let read = |keep| {
        read_trees(
            &repo,
            opts.reader,
            &listed.trees,
            known,
            keep,
            threads,
            packs,
        )
    };
    let (mut trees, lacking) = read(keep);
    if !keep && lacking {
        trees = read(true).0;
    }
    if hits.is_empty() && !lacking {
        list_head_submodules(&repo, collector);
        return Ok(GitScan {
            info,
            order: HashMap::new(),
            notes,
            missing: Vec::new(),
        });
    }
    let walk = walk_history(
        &repo,
        order_found.unwrap_or_else(|| commit_order(&repo)),
        known,
        trees,
        &commit_trees,
        collector,
        opts.progress,
    );
    let missing = missing_objects(&walk);
    if let Some(remote) = &info.partial_clone
        && !missing.is_empty()
    {
        notes.push(format!(
            "partial clone (promisor remote {remote}): {} object(s) that history references are not in the local object store and were not scanned (they were not fetched: nothing goes over the network)",
            missing.len()
        ));
    }
    let mut infos = CommitInfoCache::new(&repo);
    let mut order = HashMap::new();
    for (i, c) in walk.commits.iter().enumerate() {
        if walk.used_commits.contains(c) {
            order.insert(c.to_string(), i);
        }
    }
    let mut unreachable = 0usize;
    let mut blobs_sorted: Vec<Oid> = hits.keys().copied().collect();
    blobs_sorted.sort();
    for blob in blobs_sorted {
        let Some(intro) = walk.first_seen.get(&blob) else {
            if opts.all_objects {
                let shown = format!("unreachable-blob-{blob}");
                if let Some(hit) = hits.remove(&blob) {
                    let f = attribute(scanner, &repo, blob, &hit, &shown, None, None);
                    collector.add_findings(f.unwrap_or_else(|| hit.findings_at(&shown, None)));
                }
            } else {
                unreachable += 1;
            }
            continue;
        };
        let commit = walk.commits[intro.0];
        let refs = walk.refs_containing.get(&blob).cloned().unwrap_or_default();
        let n = walk.commits_containing.get(&blob).copied().unwrap_or(0);
        let origin = infos.origin(commit, n, refs);
        let time = origin.time;
        let Some(hit) = hits.remove(&blob) else {
            continue;
        };
        // copies of the file at other paths are reported there too, at the copying commit
        for (idx, path) in walk.copies.get(&blob).into_iter().flatten() {
            let commit = walk.commits[*idx];
            let copy_origin = infos.origin(
                commit,
                n,
                walk.refs_containing.get(&blob).cloned().unwrap_or_default(),
            );
            let t = copy_origin.time;
            let copied = attribute(
                scanner,
                &repo,
                blob,
                &hit,
                path,
                Some(copy_origin.clone()),
                Some(t),
            )
            .unwrap_or_else(|| hit.findings_at(path, Some(&copy_origin)));
            collector.add_findings(
                copied
                    .into_iter()
                    .map(|mut f| {
                        f.properties
                            .insert("copyOf".into(), serde_json::Value::from(intro.1.clone()));
                        f
                    })
                    .collect(),
            );
        }
        let found = attribute(
            scanner,
            &repo,
            blob,
            &hit,
            &intro.1,
            Some(origin.clone()),
            Some(time),
        )
        .unwrap_or_else(|| hit.findings_at(&intro.1, Some(&origin)));
        collector.add_findings(found);
    }
    if unreachable > 0 {
        notes.push(format!(
            "{unreachable} blob(s) with findings are not reachable from any ref and were not reported (use --all-objects)"
        ));
    }
    notes.extend(walk.notes);
    Ok(GitScan {
        info,
        order,
        notes,
        missing,
    })
}

/// The findings of a blob of phase 1 under its attributed path and commit, from its kept
/// content or, past [`KEEP_BYTES`], the blob read again; None when it cannot be read again.
fn attribute(
    scanner: &Scanner,
    repo: &Repository,
    blob: Oid,
    hit: &Hit,
    path: &str,
    origin: Option<Arc<crate::chunk::GitOrigin>>,
    time: Option<i64>,
) -> Option<Vec<Finding>> {
    // the blob's content, read again at most once (the archive it is opened again for members)
    let mut raw: Option<Vec<u8>> = None;
    let mut members: Option<Vec<super::archive::Member>> = None;
    let mut out = Vec::new();
    for part in &hit.parts {
        let provenance = Provenance::GitBlob {
            blob: blob.to_string(),
            path: part.path_under(path),
            origin: origin.clone(),
        };
        if let Some(data) = &part.data {
            out.extend(scanner.reattribute(data, provenance, &part.detection, time));
            continue;
        }
        if raw.is_none() {
            raw = Some(repo.find_blob(blob).ok()?.content().to_vec());
        }
        let raw = raw.as_deref()?;
        let content: &[u8] = match &part.member {
            None => raw,
            Some((i, _)) => {
                if members.is_none() {
                    let limit = scanner.options.max_file_size;
                    members = Some(super::archive::open(raw, limit)?.members);
                }
                members.as_ref()?.get(*i)?.data.as_deref().ok()?
            }
        };
        let data = normalize_encoding(content);
        let data = data.as_deref().unwrap_or(content);
        out.extend(scanner.reattribute(data, provenance, &part.detection, time));
    }
    Some(out)
}

/// Phase 1: read and scan blobs; returns what was found in each blob that has findings.
pub(super) fn scan_blobs(
    scanner: &Scanner,
    collector: &Collector,
    repo: &Repository,
    list: &[BlobId],
    opts: &HistoryOptions,
) -> Result<HashMap<Oid, Hit>> {
    let threads = scanner.options.worker_threads();
    let total_bytes: u64 = list.iter().map(|b| b.size).sum();
    let bar = opts.progress.then(|| {
        let pb = indicatif::ProgressBar::new(total_bytes);
        pb.set_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} history [{elapsed_precise}] {bytes}/{total_bytes} ({bytes_per_sec}) {msg}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        pb
    });
    let done = AtomicU64::new(0);
    let hits: Mutex<HashMap<Oid, Hit>> = Mutex::new(HashMap::new());
    let kept = AtomicU64::new(0);
    let (tx, rx) = crossbeam_channel::bounded::<Read1>(threads * 4);
    let mut result = Ok(());
    std::thread::scope(|s| {
        for _ in 0..threads {
            let rx = rx.clone();
            let (hits, done, bar, kept) = (&hits, &done, &bar, &kept);
            s.spawn(move || {
                for item in rx {
                    match item {
                        Read1::Failed(b, why) => collector.skip(
                            git::blob_input(None, &b.oid.to_string()),
                            SkipReason::Unreadable(why.to_string()),
                        ),
                        Read1::Blob(b, data) => {
                            scan_one(scanner, collector, b, &data, hits, kept);
                            let n = done.fetch_add(b.size, Ordering::Relaxed) + b.size;
                            if let Some(pb) = bar {
                                pb.set_position(n);
                            }
                        }
                    }
                }
            });
        }
        drop(rx);
        let send = |r: Read1| tx.send(r).is_ok();
        result = blobs::stream(repo, opts.reader, list, threads, &send);
        drop(tx);
    });
    if let Some(pb) = bar {
        pb.finish_and_clear();
    }
    result?;
    Ok(hits.into_inner().unwrap_or_else(|e| e.into_inner()))
}

/// Phase 1 for one blob: scan `data` (blob `b`) and record its findings in `hits`, keeping its
/// content while `kept` stays under [`KEEP_BYTES`]. Returns what the matcher did when the blob
/// was scanned as it is (`None` when it was skipped, or opened as an archive).
pub(super) fn scan_one(
    scanner: &Scanner,
    collector: &Collector,
    b: BlobId,
    data: &[u8],
    hits: &Mutex<HashMap<Oid, Hit>>,
    kept: &AtomicU64,
) -> Option<crate::scan::Activity> {
    let id = b.oid.to_string();
    if let Some(reason) = git::skip_reason(data) {
        collector.skip(git::blob_input(None, &id), reason);
        return None;
    }
    if let Some(archive) = super::archive::open(data, scanner.options.max_file_size) {
        scan_archive(scanner, collector, b.oid, &id, archive, hits, kept);
        return None;
    }
    let len = data.len();
    match scanner.detect(unattributed(&id, data.into()), None) {
        Ok((chunk, mut detection)) => {
            collector.scanned(len, Vec::new());
            let activity = std::mem::take(&mut detection.activity);
            if !detection.findings.is_empty() {
                let data = keep(kept, &chunk.data);
                hits.lock().unwrap_or_else(|e| e.into_inner()).insert(
                    b.oid,
                    Hit {
                        parts: vec![Part {
                            member: None,
                            detection,
                            data,
                        }],
                    },
                );
            }
            Some(activity)
        }
        Err(reason) => {
            collector.skip(git::blob_input(None, &id), reason);
            None
        }
    }
}

/// Content of blob `id` as phase 1 scans it: before its paths and commits are known.
fn unattributed<'a>(id: &str, data: std::borrow::Cow<'a, [u8]>) -> Chunk<'a> {
    Chunk {
        data,
        provenance: Provenance::GitBlob {
            blob: id.to_string(),
            path: String::new(),
            origin: None,
        },
    }
}

/// A copy of `data` for phase 2 while the content kept stays under [`KEEP_BYTES`].
fn keep(kept: &AtomicU64, data: &[u8]) -> Option<Vec<u8>> {
    let size = data.len() as u64;
    let fits = |k: u64| (k + size <= KEEP_BYTES).then_some(k + size);
    kept.fetch_update(Ordering::Relaxed, Ordering::Relaxed, fits)
        .is_ok()
        .then(|| data.to_vec())
}

/// Phase 1 for a blob that is an archive: each member scanned as a blob of its own (counted,
/// or skipped with its reason), its findings recorded under the blob as parts named after the
/// member; the tree scan reads the same archive file the same way.
fn scan_archive(
    scanner: &Scanner,
    collector: &Collector,
    oid: Oid,
    id: &str,
    archive: super::archive::Archive,
    hits: &Mutex<HashMap<Oid, Hit>>,
    kept: &AtomicU64,
) {
    let input = git::blob_input(None, id);
    // a member in skip lists: `blob 0123abcd!name` (a gzip-compressed blob's one member has
    // no name of its own before the blob's path is known)
    let shown = |name: &str| {
        if name.is_empty() {
            format!("{input} (gunzipped)")
        } else {
            format!("{input}!{name}")
        }
    };
    let mut parts = Vec::new();
    for (i, m) in archive.members.into_iter().enumerate() {
        let content = match m.data {
            Ok(content) => content,
            Err(reason) => {
                collector.skip(shown(&m.name), reason);
                continue;
            }
        };
        let len = content.len();
        match scanner.detect(unattributed(id, content.into()), None) {
            Ok((chunk, detection)) => {
                collector.scanned(len, Vec::new());
                if !detection.findings.is_empty() {
                    parts.push(Part {
                        data: keep(kept, &chunk.data),
                        member: Some((i, m.name)),
                        detection,
                    });
                }
            }
            Err(reason) => collector.skip(shown(&m.name), reason),
        }
    }
    if archive.cut {
        super::archive::skip_rest(collector, &input);
    }
    if !parts.is_empty() {
        hits.lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(oid, Hit { parts });
    }
}

/// What the attribution walk found.
#[derive(Default)]
struct Walk {
    /// Commits in topological order, parents first.
    commits: Vec<Oid>,
    /// Commits that introduced some blob of interest.
    used_commits: HashSet<Oid>,
    /// Blob → (index in `commits`, path) of its first appearance.
    first_seen: HashMap<Oid, (usize, String)>,
    /// Blob → (index in `commits`, path) of each copy: a later path where the blob appears while
    /// an earlier path of it is still there (a rename, which drops the old path, is no copy).
    copies: HashMap<Oid, Vec<(usize, String)>>,
    /// Blob → number of commits whose tree holds it.
    commits_containing: HashMap<Oid, usize>,
    /// Blob → refs whose tip tree holds it.
    refs_containing: HashMap<Oid, Vec<String>>,
    /// Objects the store lacks → (index in `commits`, path, is a tree) where first referenced.
    missing: HashMap<Oid, (usize, String, bool)>,
    notes: Vec<String>,
}

/// The objects the walk found referenced but absent, with where each first appears.
fn missing_objects(w: &Walk) -> Vec<crate::scan::MissingObject> {
    w.missing
        .iter()
        .map(|(id, (idx, path, tree))| crate::scan::MissingObject {
            id: id.to_string(),
            kind: if *tree { "tree" } else { "blob" }.into(),
            path: Some(path.clone()).filter(|p| !p.is_empty()),
            commit: w.commits.get(*idx).map(|c| c.to_string()),
        })
        .collect()
}

/// An entry of interest below a tree: a blob with findings, a submodule, or an object the store
/// lacks.
#[derive(Clone)]
struct Entry {
    path: String,
    id: Oid,
    submodule: bool,
    /// Absent from the object store: `Some(true)` for a tree, `Some(false)` for a blob.
    missing: Option<bool>,
}

type Summary = Arc<Vec<Entry>>;

/// A tree reduced to what the walk needs: its subtrees (name and tree, as indexes into
/// [`Trees`]), and its entries of interest.
#[derive(Default)]
struct Compact {
    subtrees: Box<[(u32, u32)]>,
    hits: Vec<Entry>,
}

/// The trees of the store, reduced. Ids and names are numbered: every root tree of git/git's
/// history names the same twenty-odd directories, so 2.9 million subtree entries hold a few
/// thousand distinct names (stored as `(Box<str>, Oid)` they were 350 MB of the scan's peak).
#[derive(Default)]
struct Trees {
    /// Tree id → its number.
    index: IdMap<u32>,
    /// Number → tree id.
    ids: Vec<Oid>,
    /// Number → the reduced tree, when read (and not yet summarised).
    compact: Vec<Option<Compact>>,
    /// Directory name → its number.
    name_index: HashMap<Box<[u8]>, u32>,
    /// Number → directory name.
    names: Vec<Box<str>>,
}

impl Trees {
    /// The number of tree `id`, given one if it has none.
    fn number(&mut self, id: Id) -> u32 {
        let next = self.ids.len() as u32;
        let n = *self.index.entry(id).or_insert(next);
        if n == next {
            self.ids.push(Oid::from_bytes(&id).expect("20 bytes"));
            self.compact.push(None);
        }
        n
    }

    /// The number of directory name `name`.
    fn name(&mut self, name: &[u8]) -> u32 {
        if let Some(&n) = self.name_index.get(name) {
            return n;
        }
        let n = self.names.len() as u32;
        self.names.push(String::from_utf8_lossy(name).into());
        self.name_index.insert(name.into(), n);
        n
    }
}

/// Read every tree once: those in `packs` rebuilt in-process along their delta chains by
/// `threads` threads, each parsing what it rebuilds, the rest in pack order through `git
/// cat-file --batch` (or libgit2 with that reader), parsed on `threads` workers; keeping only
/// subtrees, blobs of `interest`, submodules and entries naming objects not in `present` (with
/// `keep`; else only the check). Much cheaper than libgit2 tree
/// lookups on deep histories. Also says whether any tree names an object the store lacks.
fn read_trees(
    repo: &Repository,
    reader: Reader,
    list: &[BlobId],
    known: Known<'_>,
    keep: bool,
    threads: usize,
    packs: &[super::pack::Pack],
) -> (Trees, bool) {
    let mut trees = Trees::default();
    if keep {
        for b in list {
            trees.number(id_of(&b.oid));
        }
    }
    let out = Mutex::new(trees);
    let lacking = std::sync::atomic::AtomicBool::new(false);
    let Known { interest, present } = known;
    // one tree's entries, parsed by a worker with its own cache of present ids
    let parse = |cache: &mut PresentCache, b: BlobId, data: &[u8]| {
        let mut present = |id: &Id| cache.contains(present, id);
        if !keep {
            if blobs::parse_tree(data).any(|(mode, _, id)| mode != 0o160000 && !present(id)) {
                lacking.store(true, Ordering::Relaxed);
            }
            return;
        }
        let mut hits = Vec::new();
        let mut subtrees = Vec::new();
        for (mode, name, id) in blobs::parse_tree(data) {
            let entry = |submodule, missing| Entry {
                path: String::from_utf8_lossy(name).into_owned(),
                id: Oid::from_bytes(id).expect("20 bytes"),
                submodule,
                missing,
            };
            match mode {
                0o040000 if !present(id) => hits.push(entry(false, Some(true))),
                0o040000 => subtrees.push((name, id)),
                0o160000 => hits.push(entry(true, None)),
                _ if interest.contains(id) => hits.push(entry(false, None)),
                _ if !present(id) => hits.push(entry(false, Some(false))),
                _ => {}
            }
        }
        if hits.iter().any(|e| e.missing.is_some()) {
            lacking.store(true, Ordering::Relaxed);
        }
        let mut t = out.lock().unwrap_or_else(|e| e.into_inner());
        let subtrees = subtrees
            .into_iter()
            .map(|(name, id)| (t.name(name), t.number(*id)))
            .collect();
        let n = t.number(id_of(&b.oid)) as usize;
        t.compact[n] = Some(Compact { subtrees, hits });
    };
    // the trees in `packs` are rebuilt in-process (piping git/git's 2.6 GB of trees from
    // `git cat-file` costs more than inflating them), the rest streamed by the plain reader;
    // `threads` workers parse them
    let threads = threads.max(1);
    let (tx, rx) = crossbeam_channel::bounded::<(BlobId, Arc<Vec<u8>>)>(threads * 16);
    let streamed = std::thread::scope(|s| {
        for _ in 0..threads {
            let rx = rx.clone();
            let parse = &parse;
            s.spawn(move || {
                let mut cache = PresentCache::new();
                for (b, data) in rx {
                    parse(&mut cache, b, &data);
                }
            });
        }
        drop(rx);
        let mut rest = list.to_vec();
        if !packs.is_empty() {
            // each pack's delta trees are split among `threads` threads, each rebuilding its
            // part and parsing what it rebuilds (one thread rebuilding for the parsers was the
            // bottleneck: git/git's 2.6 GB of trees are mostly deltas)
            let wanted: HashMap<Oid, BlobId> = list.iter().map(|b| (b.oid, *b)).collect();
            let claimed: Mutex<HashSet<Oid>> = Mutex::new(HashSet::with_capacity(list.len()));
            for pack in packs {
                std::thread::scope(|s| {
                    for part in 0..threads {
                        let (wanted, claimed, parse) = (&wanted, &claimed, &parse);
                        s.spawn(move || {
                            let mut cache = PresentCache::new();
                            pack.walk_part(super::pack::Kind::Tree, part, threads, |i, data, _| {
                                let oid = pack.entries[i].oid;
                                if let Some(b) = wanted.get(&oid)
                                    && claimed
                                        .lock()
                                        .unwrap_or_else(|e| e.into_inner())
                                        .insert(oid)
                                {
                                    parse(&mut cache, *b, data);
                                }
                            });
                        });
                    }
                });
            }
            let claimed = claimed.into_inner().unwrap_or_else(|e| e.into_inner());
            rest.retain(|b| !claimed.contains(&b.oid));
        }
        let sink = |r: Read1| match r {
            Read1::Blob(b, data) => tx.send((b, Arc::new(data))).is_ok(),
            Read1::Failed(..) => true,
        };
        let streamed = if rest.is_empty() {
            Ok(())
        } else {
            blobs::stream(repo, reader, &rest, 2, &sink)
        };
        drop(tx);
        streamed
    });
    if streamed.is_err() {
        return (Trees::default(), true);
    }
    let trees = out.into_inner().unwrap_or_else(|e| e.into_inner());
    (trees, lacking.into_inner())
}

/// The blobs with findings (`interest`) and every object the store has (`present`).
#[derive(Clone, Copy)]
struct Known<'a> {
    interest: &'a OidSet,
    present: &'a OidSet,
}

/// Object ids lately found in the set of present objects, direct-mapped by their first bytes.
/// Tree entries are checked against that set (34 million entries on git/git), and a probe of a
/// set that large misses the processor's caches; consecutive trees share most of their entries.
struct PresentCache {
    slots: Vec<Id>,
}

impl PresentCache {
    const SLOTS: usize = 1 << 15;

    fn new() -> Self {
        // slot `i` starts with an id that maps to another slot: it matches no lookup
        let slots = (0..Self::SLOTS)
            .map(|i| {
                let mut id = [0u8; 20];
                id[..4].copy_from_slice(&((i ^ 1) as u32).to_le_bytes());
                id
            })
            .collect();
        PresentCache { slots }
    }

    fn slot(id: &Id) -> usize {
        u32::from_le_bytes([id[0], id[1], id[2], id[3]]) as usize & (Self::SLOTS - 1)
    }

    /// Whether `present` holds `id`.
    fn contains(&mut self, present: &OidSet, id: &Id) -> bool {
        let i = Self::slot(id);
        if self.slots[i] == *id {
            return true;
        }
        let hit = present.contains(id);
        if hit {
            self.slots[i] = *id;
        }
        hit
    }
}

struct TreeMemo<'a> {
    repo: &'a Repository,
    trees: Trees,
    interest: &'a OidSet,
    present: &'a OidSet,
    /// Tree number → its summary, once made.
    memo: Vec<Option<Summary>>,
    empty: Summary,
    errors: Vec<String>,
}

impl TreeMemo<'_> {
    /// The entries of interest below tree `id`, paths relative to it. Each tree is read once.
    fn summary(&mut self, id: Oid) -> Summary {
        let n = self.trees.number(id_of(&id));
        self.summary_of(n)
    }

    /// [`TreeMemo::summary`] of tree number `n`.
    fn summary_of(&mut self, n: u32) -> Summary {
        let i = n as usize;
        if self.memo.len() <= i {
            self.memo.resize(i + 1, None);
        }
        if let Some(s) = &self.memo[i] {
            return s.clone();
        }
        let s = match self.trees.compact.get_mut(i).and_then(Option::take) {
            Some(c) => {
                let mut out = c.hits;
                for &(name, sub) in &c.subtrees {
                    let s = self.summary_of(sub);
                    let name = &self.trees.names[name as usize];
                    out.extend(s.iter().map(|e| Entry {
                        path: format!("{name}/{}", e.path),
                        ..e.clone()
                    }));
                }
                out
            }
            None => self.read(self.trees.ids[i]),
        };
        let s = if s.is_empty() {
            self.empty.clone()
        } else {
            Arc::new(s)
        };
        self.memo[i] = Some(s.clone());
        s
    }

    /// The entries of interest below tree `id`, read with libgit2 (a tree not read before).
    fn read(&mut self, id: Oid) -> Vec<Entry> {
        let tree = match self.repo.find_tree(id) {
            Ok(t) => t,
            Err(e) => {
                self.errors.push(format!("tree {id}: {}", e.message()));
                return Vec::new();
            }
        };
        let mut out: Vec<Entry> = Vec::new();
        for e in tree.iter() {
            let absent = |tree| Entry {
                path: String::from_utf8_lossy(e.name_bytes()).into_owned(),
                id: e.id(),
                submodule: false,
                missing: Some(tree),
            };
            let key = id_of(&e.id());
            match e.kind() {
                Some(ObjectType::Blob) if self.interest.contains(&key) => {
                    out.push(Entry {
                        path: String::from_utf8_lossy(e.name_bytes()).into_owned(),
                        id: e.id(),
                        submodule: false,
                        missing: None,
                    });
                }
                Some(ObjectType::Blob) if !self.present.contains(&key) => out.push(absent(false)),
                Some(ObjectType::Tree) if !self.present.contains(&key) => out.push(absent(true)),
                Some(ObjectType::Tree) => {
                    let sub = self.summary(e.id());
                    if !sub.is_empty() {
                        let name = String::from_utf8_lossy(e.name_bytes());
                        out.extend(sub.iter().map(|s| Entry {
                            path: format!("{name}/{}", s.path),
                            ..s.clone()
                        }));
                    }
                }
                Some(ObjectType::Commit) => out.push(Entry {
                    path: String::from_utf8_lossy(e.name_bytes()).into_owned(),
                    id: e.id(),
                    submodule: true,
                    missing: None,
                }),
                _ => {}
            }
        }
        out
    }
}

/// Every ref's commits in the order the attribution walks them (parents first), the refs'
/// tips, notes on a walk that could not start or stopped early, and the refs that could not be
/// read (name, why).
struct CommitOrder {
    commits: Vec<Oid>,
    tips: Vec<(String, Oid)>,
    notes: Vec<String>,
    skipped: Vec<(String, String)>,
}

/// The [`CommitOrder`] of `repo` (reading every commit: done beside phase 1, which it does not
/// depend on).
fn commit_order(repo: &Repository) -> CommitOrder {
    let mut notes = Vec::new();
    let mut skipped = Vec::new();
    let mut walk = match repo.revwalk() {
        Ok(r) => r,
        Err(e) => {
            notes.push(format!("cannot walk history: {}", e.message()));
            return CommitOrder {
                commits: Vec::new(),
                tips: Vec::new(),
                notes,
                skipped,
            };
        }
    };
    let _ = walk.set_sorting(Sort::TOPOLOGICAL | Sort::TIME | Sort::REVERSE);
    let mut tips: Vec<(String, Oid)> = Vec::new();
    if let Ok(refs) = repo.references() {
        for r in refs.flatten() {
            let name = r.name().unwrap_or("").to_string();
            match r.peel_to_commit() {
                Ok(c) => {
                    if walk.push(c.id()).is_ok() {
                        tips.push((name, c.id()));
                    }
                }
                Err(e) if e.code() != git2::ErrorCode::InvalidSpec => {
                    // tags of trees or blobs carry no history
                    if !matches!(
                        r.peel(ObjectType::Any).ok().and_then(|o| o.kind()),
                        Some(ObjectType::Tree | ObjectType::Blob)
                    ) {
                        skipped.push((name, format!("ref: {}", e.message())));
                    }
                }
                Err(_) => {}
            }
        }
    }
    if let Ok(h) = repo.head()
        && h.name() == Some("HEAD")
        && let Ok(c) = h.peel_to_commit()
    {
        let _ = walk.push(c.id());
    }
    let mut commits = Vec::new();
    for id in walk {
        match id {
            Ok(id) => commits.push(id),
            Err(e) => {
                notes.push(format!("history walk stopped early: {}", e.message()));
                break;
            }
        }
    }
    CommitOrder {
        commits,
        tips,
        notes,
        skipped,
    }
}

/// Phase 2: walk every ref's commits parents-first, recording where the blobs of `interest`
/// first appear, how many commits hold them and which ref tips still do. `commit_trees` has
/// the trees of the commits the message scan read (others are read here).
fn walk_history(
    repo: &Repository,
    order: CommitOrder,
    known: Known<'_>,
    trees: Trees,
    commit_trees: &HashMap<Oid, Oid>,
    collector: &Collector,
    progress: bool,
) -> Walk {
    let Known { interest, present } = known;
    let mut w = Walk::default();
    let spinner = progress.then(|| {
        let pb = indicatif::ProgressBar::new_spinner();
        pb.set_message(format!(
            "attributing {} blob(s) with findings",
            interest.len()
        ));
        pb
    });
    let CommitOrder {
        commits,
        tips,
        notes,
        skipped,
    } = order;
    w.notes.extend(notes);
    for (name, why) in skipped {
        collector.skip(name, SkipReason::Unreadable(why));
    }
    let mut memo = TreeMemo {
        repo,
        trees,
        interest,
        present,
        memo: Vec::new(),
        empty: Arc::new(Vec::new()),
        errors: Vec::new(),
    };
    let mut roots: HashMap<Oid, Oid> = HashMap::new();
    let mut known_paths: HashMap<Oid, HashSet<String>> = HashMap::new();
    let mut last_count: HashMap<Oid, usize> = HashMap::new();
    let mut submodules: HashSet<String> = HashSet::new();
    for id in commits {
        let idx = w.commits.len();
        w.commits.push(id);
        let tree = match commit_trees
            .get(&id)
            .map_or_else(|| repo.find_commit(id).map(|c| c.tree_id()), |t| Ok(*t))
        {
            Ok(t) => t,
            Err(e) => {
                collector.skip(
                    format!("commit {id}"),
                    SkipReason::Unreadable(e.message().to_string()),
                );
                continue;
            }
        };
        if !present.contains(&id_of(&tree)) {
            // the commit's root tree itself is absent
            w.missing.entry(tree).or_insert((idx, String::new(), true));
            continue;
        }
        roots.insert(id, tree);
        let s = memo.summary(tree);
        let mut in_commit: HashMap<Oid, Vec<&str>> = HashMap::new();
        for e in s.iter() {
            if let Some(tree) = e.missing {
                w.missing
                    .entry(e.id)
                    .or_insert_with(|| (idx, e.path.clone(), tree));
                continue;
            }
            if e.submodule {
                submodules.insert(e.path.clone());
                continue;
            }
            in_commit.entry(e.id).or_default().push(&e.path);
        }
        for (blob, paths) in in_commit {
            *w.commits_containing.entry(blob).or_insert(0) += 1;
            let seen = known_paths.entry(blob).or_default();
            // more paths than the last commit that held the blob: the extra new ones are copies;
            // a new path in place of an old one is a rename
            let before = last_count.insert(blob, paths.len()).unwrap_or(0);
            let mut copies = paths.len().saturating_sub(before.max(1));
            for p in paths {
                if seen.contains(p) {
                    continue;
                }
                if let std::collections::hash_map::Entry::Vacant(v) = w.first_seen.entry(blob) {
                    v.insert((idx, p.to_string()));
                    w.used_commits.insert(id);
                } else if copies > 0 {
                    copies -= 1;
                    w.copies.entry(blob).or_default().push((idx, p.to_string()));
                    w.used_commits.insert(id);
                }
                seen.insert(p.to_string());
            }
        }
        if let Some(pb) = &spinner
            && idx % 1024 == 0
        {
            pb.set_message(format!("attributing: {idx} commits walked"));
        }
    }
    for (name, tip) in &tips {
        if let Some(tree) = roots.get(tip) {
            let s = memo.summary(*tree);
            let set: HashSet<Oid> = s
                .iter()
                .filter(|e| !e.submodule && e.missing.is_none())
                .map(|e| e.id)
                .collect();
            for b in set {
                w.refs_containing.entry(b).or_default().push(name.clone());
            }
        }
    }
    for v in w.refs_containing.values_mut() {
        v.sort();
    }
    for e in memo.errors {
        collector.skip(e, SkipReason::Unreadable("missing or corrupt tree".into()));
    }
    let mut subs: Vec<String> = submodules.into_iter().collect();
    subs.sort();
    for s in subs {
        collector.skip(s, SkipReason::Submodule);
    }
    if let Some(pb) = spinner {
        pb.finish_and_clear();
    }
    w
}

/// Without a walk, list the submodules of HEAD's tree (they are never scanned).
fn list_head_submodules(repo: &Repository, collector: &Collector) {
    let Some(tree) = repo.head().ok().and_then(|h| h.peel_to_tree().ok()) else {
        return;
    };
    let _ = tree.walk(git2::TreeWalkMode::PreOrder, |dir, e| {
        if e.kind() == Some(ObjectType::Commit) {
            collector.skip(
                format!("{dir}{}", String::from_utf8_lossy(e.name_bytes())),
                SkipReason::Submodule,
            );
        }
        git2::TreeWalkResult::Ok
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hygiene::Policy;
    use crate::matcher::Matcher;
    use crate::rules::builtin_rules;
    use crate::scan::ScanOptions;

    /// The built-in rules, judged at a fixed time.
    fn scanner() -> Scanner {
        Scanner::new(
            Matcher::new(builtin_rules().unwrap()).unwrap(),
            Policy::new(1_793_491_200),
            ScanOptions::default(),
        )
    }

    /// A blob that is an archive: its members' findings are reported under `PATH!MEMBER`, the
    /// same whether the members were kept from phase 1 or read out of the blob again.
    #[test]
    fn an_archive_blob_not_kept_is_opened_again_with_the_same_findings() {
        use std::io::Write;
        let (s, dir) = (scanner(), tempfile::tempdir().unwrap());
        let repo = Repository::init_bare(dir.path()).unwrap();
        // a GitLab personal access token: `glpat-` and 20 random characters
        let mut next = crate::testutil::rng(156);
        const ALNUM: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
        let token: String = (0..20)
            .map(|_| ALNUM[next(ALNUM.len() as u64) as usize] as char)
            .collect();
        let member = format!("GITLAB_TOKEN=glpat-{token}\n");
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(member.as_bytes()).unwrap();
        let content = gz.finish().unwrap();
        let blob = repo.blob(&content).unwrap();
        let b = BlobId {
            oid: blob,
            size: content.len() as u64,
        };
        let collector = Collector::default();
        let (hits, kept, full) = (
            Mutex::new(HashMap::new()),
            AtomicU64::new(0),
            AtomicU64::new(KEEP_BYTES),
        );
        assert!(scan_one(&s, &collector, b, &content, &hits, &kept).is_none());
        let read_again = Mutex::new(HashMap::new());
        scan_one(&s, &collector, b, &content, &read_again, &full);
        let (kept, read_again) = (
            hits.into_inner().unwrap().remove(&blob).unwrap(),
            read_again.into_inner().unwrap().remove(&blob).unwrap(),
        );
        assert!(kept.parts[0].data.is_some() && read_again.parts[0].data.is_none());
        let f = |h: &Hit| attribute(&s, &repo, blob, h, "t/env.gz", None, None).unwrap();
        let (a, b) = (f(&kept), f(&read_again));
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].location.path, "t/env.gz!env");
        assert_eq!(format!("{a:?}"), format!("{b:?}"));
    }

    #[test]
    fn a_blob_not_kept_in_memory_is_read_again_with_the_same_findings() {
        let (s, dir) = (scanner(), tempfile::tempdir().unwrap());
        let repo = Repository::init_bare(dir.path()).unwrap();
        let mut content = vec![0xFF, 0xFE];
        let text = "aws_access_key_id = AKIAQ3EGTZ5KJDYW7RMA\naws_secret_access_key = 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\n";
        content.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        let blob = repo.blob(&content).unwrap();
        let chunk = Chunk {
            data: content.clone().into(),
            provenance: Provenance::GitBlob {
                blob: blob.to_string(),
                path: String::new(),
                origin: None,
            },
        };
        let (scanned, detection) = s.detect(chunk, None).unwrap();
        let kept = Hit {
            parts: vec![Part {
                member: None,
                detection: detection.clone(),
                data: Some(scanned.data.into_owned()),
            }],
        };
        let read_again = Hit {
            parts: vec![Part {
                member: None,
                detection,
                data: None,
            }],
        };
        let f = |h: &Hit| {
            attribute(
                &s,
                &repo,
                blob,
                h,
                "conf/aws.ini",
                None,
                Some(1_700_000_000),
            )
        };
        let (a, b) = (f(&kept).unwrap(), f(&read_again).unwrap());
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].location.path, "conf/aws.ini");
        assert_eq!(format!("{a:?}"), format!("{b:?}"));
        // a blob that cannot be read again gives None (the caller keeps phase 1's findings)
        let missing = Oid::from_str("0123456789012345678901234567890123456789").unwrap();
        assert!(attribute(&s, &repo, missing, &read_again, "x", None, None).is_none());
    }

    /// The cache answers as the set does: ids present and absent, ids that share a slot, the
    /// ids a slot starts with, the null id.
    #[test]
    fn present_cache_agrees_with_the_set() {
        let mut next = crate::testutil::rng(3);
        let mut id = || {
            let mut v = [0u8; 20];
            v.iter_mut().for_each(|b| *b = next(256) as u8);
            v
        };
        let mut ids: Vec<Id> = (0..5000).map(|_| id()).collect();
        // ids that share a slot with another, and the fillers of some slots
        for k in 0..200 {
            let mut v = ids[k];
            v[19] ^= 0xff;
            ids.push(v);
        }
        for i in 0..64u32 {
            let mut v = [0u8; 20];
            v[..4].copy_from_slice(&i.to_le_bytes());
            ids.push(v);
        }
        // every third: of two ids that share a slot, one is present and the other not
        let present: OidSet = ids.iter().step_by(3).copied().collect();
        let mut cache = PresentCache::new();
        for round in 0..3 {
            for v in &ids {
                assert_eq!(
                    cache.contains(&present, v),
                    present.contains(v),
                    "{round} {v:?}"
                );
            }
        }
    }
}
