//! Source helper: bulk blob reading for history scans. Lists every blob of the object store in
//! pack order (`git cat-file --batch-all-objects --unordered --batch-check`) and streams their
//! contents through one long-lived `git cat-file --batch` fed with those ids, so delta bases stay
//! in git's cache and every blob is inflated once. When the git program is not available the
//! same is done with libgit2 (`odb.read`, one object database per thread) — slower, measured in
//! the history notes of the README. A corrupt object makes `cat-file` exit: the object is
//! reported and a fresh process carries on after it.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context as _, Result, bail};
use git2::{ObjectType, Oid, Repository};

/// Which implementation reads blob contents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Reader {
    /// `git cat-file --batch` fed in pack order (default; falls back to libgit2 without git).
    #[default]
    CatFile,
    /// libgit2 `odb.read` in pack order, one handle per thread.
    Libgit2,
}

/// One blob of the object store.
#[derive(Debug, Clone, Copy)]
pub struct BlobId {
    /// Object id.
    pub oid: Oid,
    /// Size in bytes.
    pub size: u64,
}

/// What reading one blob produced.
#[derive(Debug)]
pub enum Read1 {
    /// The content.
    Blob(BlobId, Vec<u8>),
    /// The object could not be read (missing or corrupt): why.
    Failed(BlobId, String),
}

/// The git directory `git` should be pointed at.
pub fn git_dir(repo: &Repository) -> PathBuf {
    repo.path().to_path_buf()
}

fn git(dir: &Path) -> Command {
    let mut c = Command::new("git");
    c.arg("--git-dir").arg(dir);
    // a partial clone's missing objects are reported, never fetched from the promisor remote
    c.env("GIT_NO_LAZY_FETCH", "1");
    c.env_remove("GIT_DIR")
        .env_remove("GIT_OBJECT_DIRECTORY")
        .env_remove("GIT_ALTERNATE_OBJECT_DIRECTORIES");
    c
}

/// The object store's blobs, and the objects that could not even be listed.
#[derive(Debug, Default)]
pub struct Listing {
    /// Every readable blob with its size, in pack order.
    pub blobs: Vec<BlobId>,
    /// Objects whose header cannot be read (corrupt or missing), with the reason.
    pub broken: Vec<(String, String)>,
    /// Every tree with its size, in pack order (for the attribution walk).
    pub trees: Vec<BlobId>,
}

/// Every blob of the object store (packs, loose objects, alternates) with its size, in pack
/// order. Uses `git cat-file`; with `reader == Libgit2` or without git, the libgit2 odb.
pub fn list_blobs(repo: &Repository, reader: Reader) -> Result<Listing> {
    if reader == Reader::CatFile {
        match list_with_git(&git_dir(repo)) {
            Ok(v) => return Ok(v),
            Err(e) if is_not_found(&e) => {}
            Err(e) => return Err(e),
        }
    }
    list_with_libgit2(repo)
}

fn is_not_found(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::NotFound)
    })
}

/// Is the git program available?
pub fn have_git() -> bool {
    Command::new("git")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn list_with_git(dir: &Path) -> Result<Listing> {
    let mut child = git(dir)
        .args([
            "cat-file",
            "--batch-all-objects",
            "--unordered",
            "--batch-check=%(objecttype) %(objectname) %(objectsize)",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .context("running git cat-file")?;
    let out = child.stdout.take().context("git cat-file stdout")?;
    let mut v = Vec::new();
    let mut broken = Vec::new();
    let mut trees = Vec::new();
    for line in BufReader::new(out).lines() {
        let line = line?;
        if let Some(id) = line.strip_suffix(" missing") {
            broken.push((
                id.to_string(),
                "object is corrupt or missing (its header cannot be read)".to_string(),
            ));
            continue;
        }
        let mut it = line.split(' ');
        let kind = it.next();
        if kind != Some("blob") && kind != Some("tree") {
            continue;
        }
        let (Some(id), Some(size)) = (it.next(), it.next()) else {
            continue;
        };
        if let (Ok(oid), Ok(size)) = (Oid::from_str(id), size.parse()) {
            if kind == Some("blob") {
                v.push(BlobId { oid, size });
            } else {
                trees.push(BlobId { oid, size });
            }
        }
    }
    let mut err = String::new();
    if let Some(mut e) = child.stderr.take() {
        let _ = e.read_to_string(&mut err);
    }
    let status = child.wait()?;
    if !status.success() && v.is_empty() {
        bail!("git cat-file --batch-all-objects failed: {}", err.trim());
    }
    Ok(Listing {
        blobs: v,
        broken,
        trees,
    })
}

fn list_with_libgit2(repo: &Repository) -> Result<Listing> {
    let odb = repo.odb()?;
    let mut ids = Vec::new();
    odb.foreach(|oid| {
        ids.push(*oid);
        true
    })?;
    let mut v = Vec::with_capacity(ids.len());
    let mut broken = Vec::new();
    let mut trees = Vec::new();
    for oid in ids {
        match odb.read_header(oid) {
            Ok((size, ObjectType::Blob)) => v.push(BlobId {
                oid,
                size: size as u64,
            }),
            Ok((size, ObjectType::Tree)) => trees.push(BlobId {
                oid,
                size: size as u64,
            }),
            Ok(_) => {}
            Err(e) => broken.push((oid.to_string(), e.message().to_string())),
        }
    }
    Ok(Listing {
        blobs: v,
        broken,
        trees,
    })
}

/// Parse a raw tree object: (mode, name, id) of each entry. Stops at the first malformed entry.
pub fn parse_tree(data: &[u8]) -> impl Iterator<Item = (u32, &[u8], &[u8; 20])> {
    let mut rest = data;
    std::iter::from_fn(move || {
        let sp = memchr::memchr(b' ', rest)?;
        let nul = memchr::memchr(0, &rest[sp..])? + sp;
        if rest.len() < nul + 21 {
            return None;
        }
        // octal digits (parsed by hand: this runs for every entry of every tree)
        let mode = rest[..sp]
            .iter()
            .try_fold(0u32, |m, &d| {
                (d.is_ascii_digit() && d < b'8' && m < 1 << 28).then(|| m * 8 + u32::from(d - b'0'))
            })
            .unwrap_or(0);
        let id: &[u8; 20] = rest[nul + 1..nul + 21].try_into().expect("20 bytes");
        let name = &rest[sp + 1..nul];
        rest = &rest[nul + 21..];
        Some((mode, name, id))
    })
}

/// Stream the contents of `blobs` (in the given order) to `sink`, which returns false to stop.
/// With [`Reader::CatFile`] one `git cat-file --batch` process does the work (restarted after an
/// object it cannot read); with [`Reader::Libgit2`], `threads` odb handles read slices in order.
pub fn stream(
    repo: &Repository,
    reader: Reader,
    blobs: &[BlobId],
    threads: usize,
    sink: &(dyn Fn(Read1) -> bool + Sync),
) -> Result<()> {
    match reader {
        Reader::CatFile if have_git() => stream_with_git(&git_dir(repo), blobs, sink),
        _ => stream_with_libgit2(repo.path(), blobs, threads.max(1), sink),
    }
}

fn stream_with_git(
    dir: &Path,
    blobs: &[BlobId],
    sink: &(dyn Fn(Read1) -> bool + Sync),
) -> Result<()> {
    let mut start = 0;
    while start < blobs.len() {
        let done = stream_git_once(dir, &blobs[start..], sink)?;
        match done {
            Outcome::Finished => return Ok(()),
            Outcome::Stopped => return Ok(()),
            Outcome::DiedAt(i, why) => {
                // the process died on this object: report it and go on after it
                let b = blobs[start + i];
                if !sink(Read1::Failed(b, why)) {
                    return Ok(());
                }
                start += i + 1;
            }
        }
    }
    Ok(())
}

enum Outcome {
    Finished,
    Stopped,
    DiedAt(usize, String),
}

fn stream_git_once(
    dir: &Path,
    blobs: &[BlobId],
    sink: &(dyn Fn(Read1) -> bool + Sync),
) -> Result<Outcome> {
    let mut child = git(dir)
        .args(["cat-file", "--batch"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .context("running git cat-file --batch")?;
    let mut stdin = child.stdin.take().context("cat-file stdin")?;
    let stdout = child.stdout.take().context("cat-file stdout")?;
    let mut stderr = child.stderr.take().context("cat-file stderr")?;
    let ids: Vec<Oid> = blobs.iter().map(|b| b.oid).collect();
    let outcome = std::thread::scope(|s| {
        s.spawn(move || {
            let mut w = std::io::BufWriter::with_capacity(1 << 16, &mut stdin);
            for id in &ids {
                if writeln!(w, "{id}").is_err() {
                    return;
                }
            }
            let _ = w.flush();
        });
        let err_thread = s.spawn(move || {
            let mut e = String::new();
            let _ = stderr.read_to_string(&mut e);
            e
        });
        let mut r = BufReader::with_capacity(1 << 20, stdout);
        let mut header = String::new();
        let mut i = 0;
        let result = loop {
            if i == blobs.len() {
                break Outcome::Finished;
            }
            header.clear();
            match r.read_line(&mut header) {
                Ok(0) | Err(_) => {
                    let _ = child.kill();
                    let e = err_thread.join().unwrap_or_default();
                    break Outcome::DiedAt(i, first_line(&e, "git cat-file stopped"));
                }
                Ok(_) => {}
            }
            let b = blobs[i];
            let h = header.trim_end();
            if h.ends_with(" missing") || h.ends_with(" ambiguous") {
                i += 1;
                if !sink(Read1::Failed(b, "missing object".into())) {
                    break Outcome::Stopped;
                }
                continue;
            }
            let size: usize = h
                .rsplit(' ')
                .next()
                .and_then(|s| s.parse().ok())
                .unwrap_or(0);
            let mut data = vec![0u8; size];
            let mut nl = [0u8; 1];
            if r.read_exact(&mut data).is_err() || r.read_exact(&mut nl).is_err() {
                let _ = child.kill();
                let e = err_thread.join().unwrap_or_default();
                break Outcome::DiedAt(i, first_line(&e, "truncated object"));
            }
            i += 1;
            if !sink(Read1::Blob(b, data)) {
                break Outcome::Stopped;
            }
        };
        if !matches!(result, Outcome::DiedAt(..)) {
            let _ = child.kill();
        }
        result
    });
    let _ = child.wait();
    Ok(outcome)
}

fn first_line(s: &str, default: &str) -> String {
    s.lines()
        .find(|l| !l.trim().is_empty())
        .map(|l| format!("corrupt object: {}", l.trim()))
        .unwrap_or_else(|| default.to_string())
}

fn stream_with_libgit2(
    git_dir: &Path,
    blobs: &[BlobId],
    threads: usize,
    sink: &(dyn Fn(Read1) -> bool + Sync),
) -> Result<()> {
    let per = blobs.len().div_ceil(threads).max(1);
    std::thread::scope(|s| {
        for part in blobs.chunks(per) {
            s.spawn(move || {
                let Ok(repo) = Repository::open(git_dir) else {
                    return;
                };
                let Ok(odb) = repo.odb() else { return };
                for b in part {
                    let r = match odb.read(b.oid) {
                        Ok(o) => Read1::Blob(*b, o.data().to_vec()),
                        Err(e) => Read1::Failed(*b, format!("unreadable object: {}", e.message())),
                    };
                    if !sink(r) {
                        return;
                    }
                }
            });
        }
    });
    Ok(())
}
