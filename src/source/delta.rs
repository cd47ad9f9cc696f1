//! Source: the delta-aware history reader (`scan --history`, `--history-reader delta`). Phase 1
//! of [`super::history`] with the same findings as reading every blob whole, for a fraction of
//! the matching: a pack stores most blob versions as deltas, base bytes copied plus a few
//! inserted, and only what a delta changes can hold a match the base did not.
//!
//! Each pack's delta trees are walked from their whole (non-delta) blobs, every blob rebuilt
//! once by [`super::pack`], whose entries are checked against the index's CRC-32 and zlib's
//! checksum (the index is what `git index-pack` wrote while computing each entry's id from
//! them; `git cat-file`, the plain reader, checks no more). Debug builds (the differential
//! tests) also check every rebuilt blob against its id (SHA-1, 9 % of the scan's CPU time on
//! git/git when done in release builds too). A blob stored whole, or whose base
//! was not *quiet*, is scanned whole. A blob is quiet when the matcher found no candidate in it
//! (every regex match, in the blob or a decoded view, was rejected by its name or validation —
//! functions of the matched text alone, [`crate::detect::admits`]) and no match at all of a rule
//! run over whole chunks. A delta of a quiet base is quiet too, without a whole scan, when
//! nothing new is admitted around what it changed: a match away from the changes is a match of
//! the base in the same window, rejected there and so here. What is matched around a delta:
//!
//! - the *changed lines*: lines holding inserted bytes or a join of two copies that were not
//!   next to each other in the base (or the blob's start or end, when the base went on there).
//!   Every other line is a whole line of the base with the same neighbours;
//! - widened by one line each way, then line by line until the first and last line hold no
//!   keyword: the keyword windows of [`crate::matcher::Matcher::find`] span a hit's line and the
//!   next, and windows of hits on neighbouring lines merge, so every window with a changed line
//!   lies inside such a region and is searched exactly as in the whole blob;
//! - decoded base64 values and unescaped lines lie within one line; values folded over lines
//!   (YAML blocks, continued literals) cannot go on through a line that
//!   [`crate::expand::folded_sync_line`] accepts, and the regions are widened until their first
//!   and last lines are such lines: the views of the regions, found on the regions alone, are
//!   matched;
//! - a rule run over whole chunks (no keywords, or multi-line with its keyword in the base) can
//!   only match in the new blob where it did not in the base by touching a change: its regex runs
//!   around each change, as far as its longest match reaches (over the whole blob when its
//!   matches have no bounded length). A multi-line rule whose keyword the changed lines bring in
//!   runs alone over the whole blob, as the whole-blob matcher would run it.
//!
//! Any admitted match near a change (or any match of a whole-chunk rule) and the blob is scanned
//! whole, so a blob's findings always come from the whole-blob pipeline; quiet blobs have none.
//! Objects the reader cannot handle (loose objects, alternates, promisor packs, bases outside
//! the pack, corrupt data, an id that does not check) are read whole by [`super::history`]'s
//! plain reader.

use std::collections::{HashMap, HashSet};
use std::ops::Range;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, OnceLock};

use anyhow::Result;
use git2::{Oid, Repository};

use super::blobs::{BlobId, Listing};
use super::history::{self, BlobPhase, HistoryOptions, Hit, OidSet, scan_one};
use super::pack::{self, Kind, Pack};
use crate::chunk::looks_binary;
use crate::scan::incremental::{Bounds, quiet_near_changes, whole_rules_quiet};
use crate::scan::{Collector, Scanner, SkipReason};

/// What is known of a blob a delta may be based on: quiet (with the rules that ran over all
/// of it), or not (candidates, whole-chunk rule matches, skipped, not scanned here).
type State = Option<Arc<[usize]>>;

/// The states of one pack's entries, set once each by the workers (or the reader).
struct States {
    slots: Vec<OnceLock<State>>,
    lock: Mutex<()>,
    cv: Condvar,
}

impl States {
    fn new(n: usize) -> Self {
        States {
            slots: (0..n).map(|_| OnceLock::new()).collect(),
            lock: Mutex::new(()),
            cv: Condvar::new(),
        }
    }

    fn set(&self, i: usize, s: State) {
        let _ = self.slots[i].set(s);
        let _g = self.lock.lock().unwrap_or_else(|e| e.into_inner());
        self.cv.notify_all();
    }

    /// Wait until entry `i`'s state is known. Work is handed out in walk order, bases before
    /// their deltas, so the base is being scanned by another worker or already done.
    fn get(&self, i: usize) -> State {
        if let Some(s) = self.slots[i].get() {
            return s.clone();
        }
        let mut g = self.lock.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            if let Some(s) = self.slots[i].get() {
                return s.clone();
            }
            g = self.cv.wait(g).unwrap_or_else(|e| e.into_inner());
        }
    }
}

/// A blob to scan.
struct Work {
    blob: BlobId,
    data: Arc<Vec<u8>>,
    states: Arc<States>,
    slot: usize,
    /// For a delta: its base's slot, and the changed byte ranges.
    delta: Option<(usize, Vec<Range<usize>>)>,
}

/// Counters for the `-v` note.
#[derive(Default)]
struct Counts {
    whole: AtomicUsize,
    quiet: AtomicUsize,
    delta_scanned: AtomicUsize,
    /// Of those, deltas whose base was not quiet.
    base_loud: AtomicUsize,
    mismatched: AtomicUsize,
    matched_bytes: AtomicU64,
    whole_bytes: AtomicU64,
}

/// The repository's packs the reader can read, and notes on those it cannot (their objects are
/// read whole by the plain reader).
pub(super) fn open_packs(repo: &Repository) -> (Vec<Pack>, Vec<String>) {
    let (paths, skipped) = pack::list_packs(repo.path());
    let mut notes: Vec<String> = skipped
        .iter()
        .map(|(p, why)| {
            format!(
                "delta reader: {} skipped ({why}); its objects were read whole",
                p.display()
            )
        })
        .collect();
    let mut packs = Vec::new();
    for p in &paths {
        match Pack::open(p) {
            Ok(pack) => packs.push(pack),
            Err(e) => notes.push(format!(
                "delta reader: {} not read ({e:#}); its objects were read whole",
                p.display()
            )),
        }
    }
    (packs, notes)
}

/// What lists the object store (every blob and tree, the objects that cannot be read) with
/// the set of every object id, on a repository handle of its own; see [`scan_blobs`].
pub(super) type ListFn<'a> = dyn FnOnce(&Repository) -> Result<(Listing, OidSet)> + Send + 'a;

/// Phase 1 with the delta-aware reader over `packs` (see [`open_packs`]): the listing, the set
/// of present objects and the hits (as [`history::scan_blobs`]), and notes on what was read
/// how.
///
/// The packs' blobs are walked while `list` runs beside the walk (on a thread with its own
/// handle on the repository at `path`): the listing is only needed for the blobs outside the
/// packs, and waiting for it kept the workers idle for its whole run (0.6 s on git/git). A
/// blob the walk rebuilds that is larger than the size limit is skipped there; `to_read` takes
/// the listed blobs out of the listing, skipping those over the limit (the caller's rule), and
/// is applied to the listed blobs the walk did not claim.
#[allow(clippy::too_many_arguments)]
pub(super) fn scan_blobs(
    scanner: &Scanner,
    collector: &Collector,
    repo: &Repository,
    path: &std::path::Path,
    opts: &HistoryOptions,
    packs: &[Pack],
    list: Box<ListFn<'_>>,
    to_read: impl FnOnce(&mut Listing) -> Vec<BlobId>,
) -> Result<(BlobPhase, Vec<String>)> {
    let why_not = if scanner.options.audit_manifests {
        Some("the manifest audit reads whole files")
    } else if !scanner.matcher.line_keywords() {
        Some("a rule's keyword spans lines")
    } else {
        None
    };
    if let Some(why) = why_not {
        let (mut listed, present) = list(repo)?;
        let read = to_read(&mut listed);
        let hits = history::scan_blobs(scanner, collector, repo, &read, opts)?;
        return Ok((
            (listed, present, hits),
            vec![format!(
                "delta reader not used ({why}): every blob was read whole"
            )],
        ));
    }
    let threads = scanner.options.worker_threads();
    let limit = scanner.options.max_file_size;
    let mut claimed: HashSet<Oid> = HashSet::new();
    let hits: Mutex<HashMap<Oid, Hit>> = Mutex::new(HashMap::new());
    let kept = AtomicU64::new(0);
    let counts = Counts::default();
    let mismatched: Mutex<Vec<BlobId>> = Mutex::new(Vec::new());
    let bounds = Bounds::new(&scanner.matcher);
    let mut notes = Vec::new();
    let mut pack_errors = 0usize;
    let bar = opts.progress.then(|| {
        // the total is known once the listing is
        let pb = indicatif::ProgressBar::new(0);
        pb.set_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} history (delta) [{elapsed_precise}] {bytes}/{total_bytes} ({bytes_per_sec})",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        pb
    });
    let (tx, rx) = crossbeam_channel::bounded::<Work>(threads * 4);
    let listing = std::thread::scope(|s| {
        let listed_bar = bar.clone();
        let listing = s.spawn(move || {
            let r = super::git::open(path)?;
            let listed = list(&r);
            if let (Some(pb), Ok((l, _))) = (&listed_bar, &listed) {
                pb.set_length(l.blobs.iter().map(|b| b.size).sum());
            }
            listed
        });
        for _ in 0..threads {
            let rx = rx.clone();
            let (hits, kept, counts, mismatched, bounds, bar) =
                (&hits, &kept, &counts, &mismatched, &bounds, &bar);
            s.spawn(move || {
                for w in rx {
                    let state = work(scanner, collector, &w, hits, kept, counts, bounds);
                    if state.is_err() {
                        mismatched
                            .lock()
                            .unwrap_or_else(|e| e.into_inner())
                            .push(w.blob);
                    }
                    w.states.set(w.slot, state.ok().flatten());
                    if let Some(pb) = bar {
                        pb.inc(w.blob.size);
                    }
                }
            });
        }
        drop(rx);
        for pack in packs {
            pack_errors += walk_pack(pack, collector, limit, &mut claimed, &tx);
        }
        drop(tx);
        listing
            .join()
            .unwrap_or_else(|e| std::panic::resume_unwind(e))
    });
    let (mut listed, present) = listing?;
    listed.blobs.retain(|b| !claimed.contains(&b.oid));
    let mut rest = to_read(&mut listed);
    if let Some(pb) = &bar {
        pb.finish_and_clear();
    }
    let mismatched = mismatched.into_inner().unwrap_or_else(|e| e.into_inner());
    rest.extend(mismatched.iter().copied());
    let mut hits = hits.into_inner().unwrap_or_else(|e| e.into_inner());
    if !rest.is_empty() {
        hits.extend(history::scan_blobs(scanner, collector, repo, &rest, opts)?);
    }
    let c = &counts;
    notes.push(format!(
        "delta reader: {} blob(s) from {} pack(s): {} scanned whole, {} deltas matched only \
         around their changes ({} bytes matched), {} deltas scanned whole ({} of them of a base \
         that was not quiet, the rest after a match near a change) ({} bytes scanned whole in \
         all); {} read by git \
         cat-file ({} id mismatch(es), {} unreadable pack entries, the rest loose objects, \
         alternates or bases outside a pack)",
        claimed.len(),
        packs.len(),
        c.whole.load(Ordering::Relaxed),
        c.quiet.load(Ordering::Relaxed),
        c.matched_bytes.load(Ordering::Relaxed),
        c.delta_scanned.load(Ordering::Relaxed),
        c.base_loud.load(Ordering::Relaxed),
        c.whole_bytes.load(Ordering::Relaxed),
        rest.len(),
        c.mismatched.load(Ordering::Relaxed),
        pack_errors,
    ));
    Ok(((listed, present, hits), notes))
}

/// Scan one blob; its state for the deltas based on it. Err when its content does not hash to
/// its id (read it again with the plain reader; checked in debug builds only, see the module
/// comment).
fn work(
    scanner: &Scanner,
    collector: &Collector,
    w: &Work,
    hits: &Mutex<HashMap<Oid, Hit>>,
    kept: &AtomicU64,
    counts: &Counts,
    bounds: &Bounds,
) -> Result<State, ()> {
    let data: &[u8] = &w.data;
    if cfg!(debug_assertions) && pack::blob_id(data) != w.blob.oid {
        counts.mismatched.fetch_add(1, Ordering::Relaxed);
        return Err(());
    }
    let plain_text = |d: &[u8]| {
        !matches!(d, [0xFF, 0xFE, ..] | [0xFE, 0xFF, ..])
            && !looks_binary(d)
            && super::git::skip_reason(d).is_none()
    };
    if let Some((base, changed)) = &w.delta {
        // the regions around the changes first: they need nothing of the base, whose state
        // another worker may still be computing (a delta's base is often the work item sent
        // just before it), so workers seldom wait for each other
        let near = if plain_text(data) {
            quiet_near_changes(&scanner.matcher, data, changed)
        } else {
            None
        };
        let base = w.states.get(*base);
        if base.is_none() {
            counts.base_loud.fetch_add(1, Ordering::Relaxed);
        }
        if let Some((near, added)) = near
            && let Some(whole) = base
            && let Some(far) = whole_rules_quiet(&scanner.matcher, data, changed, &whole, bounds)
        {
            collector.scanned(data.len(), Vec::new());
            counts.quiet.fetch_add(1, Ordering::Relaxed);
            counts
                .matched_bytes
                .fetch_add(near + far, Ordering::Relaxed);
            if added.is_empty() {
                return Ok(Some(whole));
            }
            let mut all: Vec<usize> = whole.iter().copied().chain(added).collect();
            all.sort_unstable();
            all.dedup();
            return Ok(Some(all.into()));
        }
        counts.delta_scanned.fetch_add(1, Ordering::Relaxed);
    } else {
        counts.whole.fetch_add(1, Ordering::Relaxed);
    }
    counts
        .whole_bytes
        .fetch_add(data.len() as u64, Ordering::Relaxed);
    let act = scan_one(scanner, collector, w.blob, data, hits, kept);
    Ok(act
        .filter(|a| a.candidates == 0 && a.whole_raw == 0 && plain_text(data))
        .map(|a| {
            let mut r = a.whole_rules;
            r.sort_unstable();
            r.dedup();
            r.into()
        }))
}

/// Work items the reader may hold back, and their bytes (see [`walk_pack`]).
const HOLD_ITEMS: usize = 64;
const HOLD_BYTES: usize = 32 << 20;

impl Work {
    /// Whether a worker can finish this item without waiting: it is a whole blob, or its base's
    /// state is known.
    fn ready(&self) -> bool {
        self.delta
            .as_ref()
            .is_none_or(|(base, _)| self.states.slots[*base].get().is_some())
    }
}

/// Hand `w` to the workers (or, when they are gone, settle its state).
fn send(tx: &crossbeam_channel::Sender<Work>, w: Work) {
    let (slot, states) = (w.slot, w.states.clone());
    if tx.send(w).is_err() {
        states.set(slot, None);
    }
}

/// Walk one pack's blob delta trees from their whole blobs, rebuilding each blob once and
/// sending those not yet claimed (by an earlier pack) to the workers; one larger than `limit`
/// is skipped (and reported). Returns how many entries could not be rebuilt (they and their
/// deltas are left to the plain reader).
///
/// The walk is depth-first, so a delta often comes right after its base, which the other
/// worker is then still scanning: the reader holds such deltas back (up to [`HOLD_ITEMS`]
/// items and [`HOLD_BYTES`]) and sends first the items whose base's state is known, so that
/// workers seldom wait for each other (git/git: 2.6 s of the workers' time was spent waiting
/// for a base). The oldest held item goes when the hold is full; every base is still sent
/// before its deltas (an item is sent once its base's state is set, or as the oldest held, when
/// everything before it is sent), so a worker waits only for a base another worker has.
fn walk_pack(
    pack: &Pack,
    collector: &Collector,
    limit: u64,
    claimed: &mut HashSet<Oid>,
    tx: &crossbeam_channel::Sender<Work>,
) -> usize {
    let n = pack.entries.len();
    let states = Arc::new(States::new(n));
    let mut held: std::collections::VecDeque<Work> = std::collections::VecDeque::new();
    let mut held_bytes = 0usize;
    let errors = pack.walk(Kind::Blob, |i, data, delta| {
        let delta = delta.map(|(parent, base, pieces)| {
            let changed = pack::changed_ranges(pieces, base.len(), data.len());
            (parent, changed)
        });
        let oid = pack.entries[i].oid;
        let size = data.len() as u64;
        match claimed.insert(oid) {
            true if size > limit => {
                collector.skip(
                    super::git::blob_input(None, &oid.to_string()),
                    SkipReason::TooLarge,
                );
                states.set(i, None);
            }
            true => {
                held_bytes += data.len();
                held.push_back(Work {
                    blob: BlobId { oid, size },
                    data: data.clone(),
                    states: states.clone(),
                    slot: i,
                    delta,
                });
            }
            false => states.set(i, None),
        }
        let mut k = 0;
        while k < held.len() {
            if held[k].ready()
                && let Some(w) = held.remove(k)
            {
                held_bytes -= w.data.len();
                send(tx, w);
            } else {
                k += 1;
            }
        }
        while held.len() > HOLD_ITEMS || held_bytes > HOLD_BYTES {
            let Some(w) = held.pop_front() else { break };
            held_bytes -= w.data.len();
            send(tx, w);
        }
    });
    for w in held {
        send(tx, w);
    }
    errors
}
