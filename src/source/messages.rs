//! Source: the messages of commits and annotated tags, for `scan --history` and `--range`. A
//! token pasted into a commit message or a tag message is as leaked as one in a file. Each
//! message is one chunk, scanned once however many refs reach its commit, through the whole
//! pipeline (validation, decoding, hygiene at the commit's time, allowlists). Its location is
//! the object, `commit <id> message` (or `tag <id> message`), with line and column inside the
//! message; its findings carry the commit's author and date (the tagger's for a tag). A secret
//! repeated in several messages of one kind (a rebased or cherry-picked commit) is reported
//! once, at the earliest, with the number of messages that hold it.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use git2::{ObjectType, Oid, Repository};

use crate::chunk::{Chunk, GitMessage, GitOrigin, MessageKind, Provenance};
use crate::finding::Finding;
use crate::scan::{Collector, Scanner};

/// A ref and the chain of annotated tag objects it points through (outermost first), and the
/// commit it peels to, if any.
struct RefTip {
    name: String,
    tags: Vec<Oid>,
    commit: Option<Oid>,
}

/// Every ref of the repository with its tag chain and commit.
fn ref_tips(repo: &Repository) -> Vec<RefTip> {
    let mut out = Vec::new();
    let Ok(refs) = repo.references() else {
        return out;
    };
    for r in refs.flatten() {
        let Some(name) = r.name().map(str::to_string) else {
            continue;
        };
        let Some(mut id) = r.resolve().ok().and_then(|r| r.target()) else {
            continue;
        };
        let mut tags = Vec::new();
        // follow tags of tags (bounded, in case of a cycle in a damaged store)
        while tags.len() < 64 {
            match repo.find_tag(id) {
                Ok(t) => {
                    tags.push(id);
                    id = t.target_id();
                }
                Err(_) => break,
            }
        }
        let commit = repo
            .find_object(id, None)
            .ok()
            .filter(|o| o.kind() == Some(ObjectType::Commit))
            .map(|o| o.id());
        out.push(RefTip { name, tags, commit });
    }
    out
}

/// Message findings found so far, one per (rule, fingerprint): the earliest, and how many
/// messages hold it.
#[derive(Default)]
struct Found {
    best: HashMap<(String, String), (i64, String, MessageKind, Finding)>,
    count: HashMap<(String, String), usize>,
}

impl Found {
    fn add(&mut self, time: i64, object: &str, kind: MessageKind, findings: Vec<Finding>) {
        let mut here: HashSet<(String, String)> = HashSet::new();
        for f in findings {
            let k = (f.rule_id.clone(), f.fingerprint.clone());
            if here.insert(k.clone()) {
                *self.count.entry(k.clone()).or_insert(0) += 1;
            }
            let earlier = self
                .best
                .get(&k)
                .is_some_and(|(t, o, _, _)| (*t, o.as_str()) <= (time, object));
            if !earlier {
                self.best.insert(k, (time, object.to_string(), kind, f));
            }
        }
    }
}

/// Each commit's parents.
type Parents = HashMap<Oid, Vec<Oid>>;

/// Scans messages and attaches their origins.
struct MessageScan<'a> {
    scanner: &'a Scanner,
    collector: &'a Collector,
    repo: &'a Repository,
    found: Found,
    /// Author name, e-mail and time of each object with findings, by object id.
    who: HashMap<String, (String, String, i64)>,
    /// Tag object id → (tag name, commit it points to).
    tag_of: HashMap<String, (Option<String>, Option<Oid>)>,
    /// Commit → its tree, for every commit read.
    trees: HashMap<Oid, Oid>,
    /// Commit → its parents, for every commit read.
    parents: Parents,
    /// The commits read, parents first, when they are every commit of every ref in a
    /// topological order (the attribution walk's list): which refs reach a commit is then found
    /// on them, without walking the history again.
    ordered: Option<Vec<Oid>>,
}

impl<'a> MessageScan<'a> {
    fn new(scanner: &'a Scanner, collector: &'a Collector, repo: &'a Repository) -> Self {
        MessageScan {
            scanner,
            collector,
            repo,
            found: Found::default(),
            who: HashMap::new(),
            tag_of: HashMap::new(),
            trees: HashMap::new(),
            parents: HashMap::new(),
            ordered: None,
        }
    }

    /// Scan `data`, the message of `kind` object `id`, judged at `time`; true when it has
    /// findings.
    fn scan(&mut self, kind: MessageKind, id: Oid, data: &[u8], time: i64) -> bool {
        let object = id.to_string();
        let of = GitMessage {
            kind,
            object: object.clone(),
            tag: None,
        };
        let chunk = Chunk {
            data: data.into(),
            provenance: Provenance::GitMessage {
                path: GitMessage::location(kind, &object),
                of,
                origin: None,
            },
        };
        self.collector.message_scanned(data.len());
        match self.scanner.scan_chunk(chunk, Some(time)) {
            Ok(f) if !f.is_empty() => {
                self.found.add(time, &object, kind, f);
                true
            }
            // binary or undecodable messages are not worth a skip entry each
            _ => false,
        }
    }

    fn commit(&mut self, id: Oid) {
        let Ok(c) = self.repo.find_commit(id) else {
            return;
        };
        let time = c.time().seconds();
        self.trees.insert(id, c.tree_id());
        self.parents.insert(id, c.parent_ids().collect());
        if self.scan(MessageKind::Commit, id, c.message_raw_bytes(), time) {
            let a = c.author();
            self.who.insert(
                id.to_string(),
                (
                    String::from_utf8_lossy(a.name_bytes()).into_owned(),
                    String::from_utf8_lossy(a.email_bytes()).into_owned(),
                    time,
                ),
            );
        }
    }

    fn tag(&mut self, id: Oid, commit: Option<Oid>) {
        let Ok(t) = self.repo.find_tag(id) else {
            return;
        };
        let Some(msg) = t.message_bytes() else {
            return;
        };
        let tagger = t.tagger();
        let time = tagger.as_ref().map_or_else(
            || {
                commit
                    .and_then(|c| self.repo.find_commit(c).ok())
                    .map_or(0, |c| c.time().seconds())
            },
            |s| s.when().seconds(),
        );
        if self.scan(MessageKind::Tag, id, msg, time) {
            let (name, email) = tagger.as_ref().map_or_else(Default::default, |s| {
                (
                    String::from_utf8_lossy(s.name_bytes()).into_owned(),
                    String::from_utf8_lossy(s.email_bytes()).into_owned(),
                )
            });
            self.who.insert(id.to_string(), (name, email, time));
            let tag_name = String::from_utf8_lossy(t.name_bytes()).into_owned();
            self.tag_of.insert(
                id.to_string(),
                (Some(tag_name).filter(|n| !n.is_empty()), commit),
            );
        }
    }

    /// Hand the findings to the collector with their origins.
    fn finish(self, tips: &[RefTip]) {
        let commits: HashSet<Oid> = self
            .found
            .best
            .values()
            .filter(|(_, _, kind, _)| *kind == MessageKind::Commit)
            .filter_map(|(_, o, _, _)| Oid::from_str(o).ok())
            .collect();
        let known = self.ordered.as_deref().map(|o| (o, &self.parents));
        let reaching = refs_reaching(self.repo, tips, &commits, known);
        let MessageScan {
            collector,
            found,
            who,
            tag_of,
            ..
        } = self;
        let mut out = Vec::new();
        for (k, (_, object, kind, mut f)) in found.best {
            let (author_name, author_email, time) = who.get(&object).cloned().unwrap_or_default();
            let (tag, commit) = match kind {
                MessageKind::Commit => (None, Oid::from_str(&object).ok()),
                MessageKind::Tag => tag_of.get(&object).cloned().unwrap_or_default(),
            };
            let tag_id = Oid::from_str(&object).ok();
            let mut refs: Vec<String> = match kind {
                MessageKind::Tag => tips
                    .iter()
                    .filter(|t| tag_id.is_some_and(|id| t.tags.contains(&id)))
                    .map(|t| t.name.clone())
                    .collect(),
                MessageKind::Commit => commit
                    .and_then(|c| reaching.get(&c).cloned())
                    .unwrap_or_default(),
            };
            refs.sort();
            refs.dedup();
            f.git = Some(Arc::new(GitOrigin {
                commit: commit.map(|c| c.to_string()).unwrap_or_default(),
                author_name,
                author_email,
                time,
                commits_containing: found.count.get(&k).copied().unwrap_or(1),
                refs_containing: refs,
                message: Some(GitMessage {
                    kind,
                    object: object.clone(),
                    tag,
                }),
            }));
            out.push(f);
        }
        collector.add_findings(out);
    }
}

/// The refs whose history holds each commit of `targets`: one walk over every ref's commits,
/// children first, handing each commit's set of refs (a bit set over `tips`) down to its
/// parents — linear in the history, where asking for each pair of ref and commit is not.
///
/// `known`: every ref's commits parents first with each one's parents, when already read (the
/// walk is then their reverse, and reads nothing); else the history is walked here.
fn refs_reaching(
    repo: &Repository,
    tips: &[RefTip],
    targets: &HashSet<Oid>,
    known: Option<(&[Oid], &Parents)>,
) -> HashMap<Oid, Vec<String>> {
    let mut out = HashMap::new();
    if targets.is_empty() {
        return out;
    }
    let walk: Box<dyn Iterator<Item = Oid>> = match known {
        Some((order, _)) => Box::new(order.iter().rev().copied()),
        None => {
            let Ok(mut walk) = repo.revwalk() else {
                return out;
            };
            let _ = walk.set_sorting(git2::Sort::TOPOLOGICAL);
            for t in tips {
                if let Some(c) = t.commit {
                    let _ = walk.push(c);
                }
            }
            Box::new(walk.map_while(Result::ok))
        }
    };
    let words = tips.len().div_ceil(64).max(1);
    let mut pending: HashMap<Oid, Vec<u64>> = HashMap::new();
    for (i, t) in tips.iter().enumerate() {
        if let Some(c) = t.commit {
            let bits = pending.entry(c).or_insert_with(|| vec![0; words]);
            bits[i / 64] |= 1 << (i % 64);
        }
    }
    let mut left = targets.len();
    for id in walk {
        let Some(bits) = pending.remove(&id) else {
            continue;
        };
        if targets.contains(&id) {
            let names = (0..tips.len())
                .filter(|i| bits[i / 64] & (1 << (i % 64)) != 0)
                .map(|i| tips[i].name.clone())
                .collect();
            out.insert(id, names);
            left -= 1;
            if left == 0 {
                break;
            }
        }
        let read;
        let parents: &[Oid] = match known.and_then(|(_, p)| p.get(&id)) {
            Some(p) => p,
            None => {
                let Ok(c) = repo.find_commit(id) else {
                    continue;
                };
                read = c.parent_ids().collect::<Vec<_>>();
                &read
            }
        };
        for &p in parents {
            let into = pending.entry(p).or_insert_with(|| vec![0; words]);
            for (a, b) in into.iter_mut().zip(&bits) {
                *a |= b;
            }
        }
    }
    out
}

/// Scan the message of every commit reachable from any ref (and HEAD) and of every annotated
/// tag a ref points to (tags of tags included), each once.
///
/// `commits`, when given, are those commits (the attribution walk's list, found by the caller:
/// one walk instead of two); else they are walked here.
///
/// Returns the tree of every commit read (the attribution walk needs them: reading each
/// commit again through libgit2 cost 2.5 % of a history scan's CPU on git/git).
pub fn scan_all(
    scanner: &Scanner,
    collector: &Collector,
    repo: &Repository,
    commits: Option<&[Oid]>,
) -> HashMap<Oid, Oid> {
    let tips = ref_tips(repo);
    let mut ms = MessageScan::new(scanner, collector, repo);
    if let Some(commits) = commits {
        for &id in commits {
            ms.commit(id);
        }
        ms.ordered = Some(commits.to_vec());
    } else if let Ok(mut walk) = repo.revwalk() {
        for t in &tips {
            if let Some(c) = t.commit {
                let _ = walk.push(c);
            }
        }
        if let Ok(h) = repo.head()
            && let Ok(c) = h.peel_to_commit()
        {
            let _ = walk.push(c.id());
        }
        // a missing commit ends the walk; the history walk reports it
        for id in walk.map_while(Result::ok) {
            ms.commit(id);
        }
    }
    scan_tags(&mut ms, &tips, |_| true);
    let trees = std::mem::take(&mut ms.trees);
    ms.finish(&tips);
    trees
}

/// Scan the messages of `commits` (a range) and of the annotated tags that point to one of them.
pub fn scan_commits(scanner: &Scanner, collector: &Collector, repo: &Repository, commits: &[Oid]) {
    let tips = ref_tips(repo);
    let mut ms = MessageScan::new(scanner, collector, repo);
    for &c in commits {
        ms.commit(c);
    }
    let set: HashSet<Oid> = commits.iter().copied().collect();
    scan_tags(&mut ms, &tips, |c| c.is_some_and(|c| set.contains(&c)));
    ms.finish(&tips);
}

fn scan_tags(ms: &mut MessageScan<'_>, tips: &[RefTip], wanted: impl Fn(Option<Oid>) -> bool) {
    let mut seen = HashSet::new();
    for t in tips {
        if !wanted(t.commit) {
            continue;
        }
        for &tag in &t.tags {
            if seen.insert(tag) {
                ms.tag(tag, t.commit);
            }
        }
    }
}
