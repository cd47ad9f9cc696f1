//! Source helper: a reader of git pack files (`objects/pack/*.pack` with their version-2 `.idx`),
//! after git's `Documentation/gitformat-pack.txt`. It lists a pack's entries with their types
//! and delta bases, inflates entries and applies deltas, and says which bytes of a delta's
//! result were copied from its base and which were inserted — what the delta-aware history scan
//! ([`super::delta`]) needs. Every entry read is checked against the CRC-32 that the index
//! records for its raw bytes (and zlib's own checksum of the inflated data), so a damaged pack
//! or an index that does not belong to it is an error. Anything it does not understand is an
//! error; callers fall back to `git cat-file` for those objects.

use std::fs::File;
use std::ops::Range;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context as _, Result, bail, ensure};
use git2::Oid;

/// Object types of pack entries (the numbers of the format).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A commit.
    Commit,
    /// A tree.
    Tree,
    /// A blob.
    Blob,
    /// An annotated tag.
    Tag,
    /// A delta against the entry at an earlier offset of the same pack.
    OfsDelta,
    /// A delta against an object named by id.
    RefDelta,
}

impl Kind {
    fn from_bits(t: u8) -> Option<Kind> {
        Some(match t {
            1 => Kind::Commit,
            2 => Kind::Tree,
            3 => Kind::Blob,
            4 => Kind::Tag,
            6 => Kind::OfsDelta,
            7 => Kind::RefDelta,
            _ => return None,
        })
    }
}

/// One entry of a pack.
#[derive(Debug, Clone)]
pub struct Entry {
    /// Object id (from the index).
    pub oid: Oid,
    /// Offset of the entry's header in the pack.
    pub offset: u64,
    /// Offset of its zlib stream.
    pub data_offset: u64,
    /// Where the next entry (or the pack's trailer) starts: the zlib stream ends before.
    pub end: u64,
    /// The entry's own type.
    pub kind: Kind,
    /// Inflated size of the entry's data (the delta's size for deltas).
    pub size: u64,
    /// For deltas: the index (in [`Pack::entries`]) of the base, when it is in this pack.
    pub base: Option<usize>,
    /// The CRC-32 of the entry's raw bytes (header and zlib stream) as the index records it.
    pub crc: u32,
}

/// A pack file and its entries, sorted by offset.
pub struct Pack {
    /// The `.pack` file's path.
    pub path: PathBuf,
    file: File,
    /// Entries in offset order.
    pub entries: Vec<Entry>,
    /// Deltas whose base is not in this pack (a thin pack): their indexes.
    pub external_bases: Vec<usize>,
}

fn be32(b: &[u8]) -> u32 {
    u32::from_be_bytes([b[0], b[1], b[2], b[3]])
}

/// The packs of a git directory's object store (not those of alternates), and the packs that
/// are skipped with the reason (promisor packs, unreadable indexes).
pub fn list_packs(git_dir: &Path) -> (Vec<PathBuf>, Vec<(PathBuf, String)>) {
    let dir = git_dir.join("objects").join("pack");
    let mut packs = Vec::new();
    let mut skipped = Vec::new();
    let Ok(rd) = std::fs::read_dir(&dir) else {
        return (packs, skipped);
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.extension().is_some_and(|x| x == "pack") {
            if p.with_extension("promisor").exists() {
                skipped.push((p, "promisor pack".into()));
            } else if !p.with_extension("idx").exists() {
                skipped.push((p, "no index".into()));
            } else {
                packs.push(p);
            }
        }
    }
    packs.sort();
    (packs, skipped)
}

/// A sequential window over the pack file, for reading entry headers in offset order.
struct Window<'f> {
    file: &'f File,
    buf: Vec<u8>,
    start: u64,
}

impl Window<'_> {
    /// At least `n` bytes at `offset` (fewer at the end of the file).
    fn at(&mut self, offset: u64, n: usize) -> Result<&[u8]> {
        let have = offset >= self.start && offset + n as u64 <= self.start + self.buf.len() as u64;
        if !have {
            self.buf.resize(1 << 20, 0);
            let mut got = 0;
            while got < self.buf.len() {
                let k = self
                    .file
                    .read_at(&mut self.buf[got..], offset + got as u64)?;
                if k == 0 {
                    break;
                }
                got += k;
            }
            self.buf.truncate(got);
            self.start = offset;
        }
        let lo = (offset - self.start) as usize;
        Ok(&self.buf[lo..])
    }
}

impl Pack {
    /// Open `path` (a `.pack`) and read its index and every entry's header.
    pub fn open(path: &Path) -> Result<Pack> {
        let idx = std::fs::read(path.with_extension("idx"))
            .with_context(|| format!("reading {}", path.with_extension("idx").display()))?;
        ensure!(
            idx.len() >= 8 + 1024 && idx[..4] == [0xff, b't', b'O', b'c'] && be32(&idx[4..]) == 2,
            "unsupported pack index version"
        );
        let n = be32(&idx[8 + 255 * 4..]) as usize;
        let ids = 8 + 1024;
        let crcs = ids + n * 20;
        let offs = crcs + n * 4;
        let large = offs + n * 4;
        ensure!(idx.len() >= large + 40, "truncated pack index");
        let mut entries: Vec<Entry> = Vec::with_capacity(n);
        for i in 0..n {
            let oid = Oid::from_bytes(&idx[ids + i * 20..ids + i * 20 + 20])?;
            let o = be32(&idx[offs + i * 4..]);
            let offset = if o & 0x8000_0000 != 0 {
                let k = large + (o & 0x7fff_ffff) as usize * 8;
                ensure!(k + 8 <= idx.len() - 40, "bad large offset in pack index");
                u64::from_be_bytes(idx[k..k + 8].try_into().expect("8 bytes"))
            } else {
                u64::from(o)
            };
            entries.push(Entry {
                oid,
                crc: be32(&idx[crcs + i * 4..]),
                offset,
                data_offset: 0,
                end: 0,
                kind: Kind::Blob,
                size: 0,
                base: None,
            });
        }
        entries.sort_by_key(|e| e.offset);
        let file = File::open(path).with_context(|| format!("opening {}", path.display()))?;
        let len = file.metadata()?.len();
        let mut head = [0u8; 12];
        file.read_exact_at(&mut head, 0)?;
        ensure!(&head[..4] == b"PACK", "not a pack file");
        let version = be32(&head[4..]);
        ensure!(
            version == 2 || version == 3,
            "unsupported pack version {version}"
        );
        ensure!(
            be32(&head[8..]) as usize == n,
            "pack and index disagree on the object count"
        );
        ensure!(len >= 32, "truncated pack");
        let trailer = len - 20;
        let by_oid: std::collections::HashMap<Oid, usize> = entries
            .iter()
            .enumerate()
            .map(|(i, e)| (e.oid, i))
            .collect();
        let mut win = Window {
            file: &file,
            buf: Vec::new(),
            start: 0,
        };
        let mut external_bases = Vec::new();
        for i in 0..n {
            let offset = entries[i].offset;
            let end = entries.get(i + 1).map_or(trailer, |e| e.offset);
            ensure!(
                offset >= 12 && offset < end && end <= trailer,
                "bad entry offset"
            );
            let h = win.at(offset, 64)?;
            let (kind, size, mut k) = parse_header(h)?;
            let mut base = None;
            match kind {
                Kind::OfsDelta => {
                    let (back, used) = parse_ofs(&h[k..])?;
                    k += used;
                    ensure!(back > 0 && back <= offset, "delta base offset out of range");
                    let at = offset - back;
                    match entries[..i].binary_search_by_key(&at, |e| e.offset) {
                        Ok(j) => base = Some(j),
                        Err(_) => bail!("delta base at offset {at} is no entry"),
                    }
                }
                Kind::RefDelta => {
                    ensure!(h.len() >= k + 20, "truncated entry header");
                    let id = Oid::from_bytes(&h[k..k + 20])?;
                    k += 20;
                    match by_oid.get(&id) {
                        Some(&j) => base = Some(j),
                        None => external_bases.push(i),
                    }
                }
                _ => {}
            }
            let e = &mut entries[i];
            e.kind = kind;
            e.size = size;
            e.base = base;
            e.data_offset = offset + k as u64;
            e.end = end;
        }
        Ok(Pack {
            path: path.to_path_buf(),
            file,
            entries,
            external_bases,
        })
    }

    /// The inflated data of entry `i` (a whole object, or a delta's instructions), after
    /// checking the entry's raw bytes against the index's CRC-32.
    pub fn inflate(&self, i: usize) -> Result<Vec<u8>> {
        self.inflate_with(&mut Inflater::default(), i)
    }

    /// [`Pack::inflate`] with a reused zlib state and read buffer.
    pub fn inflate_with(&self, inflater: &mut Inflater, i: usize) -> Result<Vec<u8>> {
        let e = &self.entries[i];
        let size = usize::try_from(e.size)?;
        let mut out = Vec::with_capacity(size);
        let z = &mut inflater.z;
        z.reset(true);
        let mut crc = crc32fast::Hasher::new();
        let input = &mut inflater.input;
        input.resize((e.end - e.offset).min(256 << 10) as usize, 0);
        // the header's bytes count in the CRC, not in the zlib stream
        let mut at = e.offset;
        let mut header = (e.data_offset - e.offset) as usize;
        loop {
            let want = input.len().min((e.end - at) as usize);
            ensure!(want > header, "truncated zlib stream");
            self.file.read_exact_at(&mut input[..want], at)?;
            crc.update(&input[..want]);
            let mut used = std::mem::take(&mut header);
            while used < want {
                let before_in = z.total_in();
                let before_out = out.len();
                if out.len() == out.capacity() {
                    // a stream longer than declared: read one byte more to see it
                    out.reserve(1);
                }
                let st =
                    z.decompress_vec(&input[used..want], &mut out, flate2::FlushDecompress::None)?;
                used += (z.total_in() - before_in) as usize;
                if st == flate2::Status::StreamEnd {
                    ensure!(out.len() == size, "entry size differs from its header");
                    // whatever follows the stream up to the next entry counts in the CRC
                    let mut rest = at + want as u64;
                    while rest < e.end {
                        let k = input.len().min((e.end - rest) as usize);
                        self.file.read_exact_at(&mut input[..k], rest)?;
                        crc.update(&input[..k]);
                        rest += k as u64;
                    }
                    ensure!(
                        crc.finalize() == e.crc,
                        "entry's CRC-32 differs from the index's"
                    );
                    return Ok(out);
                }
                ensure!(out.len() <= size, "entry longer than its header");
                if z.total_in() == before_in && out.len() == before_out {
                    break;
                }
            }
            at += want as u64;
        }
    }
}

impl Pack {
    /// The object type of each entry: a delta's is its chain's root type (`None` when the
    /// chain leaves the pack or loops).
    pub fn object_kinds(&self) -> Vec<Option<Kind>> {
        let n = self.entries.len();
        let mut kind: Vec<Option<Kind>> = vec![None; n];
        let mut chain = Vec::new();
        for i in 0..n {
            chain.clear();
            let mut j = i;
            let k = loop {
                if let Some(k) = kind[j] {
                    break Some(k);
                }
                let e = &self.entries[j];
                match (e.kind, e.base) {
                    (Kind::OfsDelta | Kind::RefDelta, Some(b)) if chain.len() <= n => {
                        chain.push(j);
                        j = b;
                    }
                    (Kind::OfsDelta | Kind::RefDelta, _) => break None,
                    (k, _) => {
                        kind[j] = Some(k);
                        break Some(k);
                    }
                }
            };
            for &c in &chain {
                kind[c] = k;
            }
        }
        kind
    }

    /// Rebuild every object of type `want` in the pack once, walking each delta tree
    /// depth-first from its whole object, and hand each to `visit` with, for a delta, its
    /// base's entry index and the delta's pieces. Returns how many entries could not be
    /// rebuilt (they and the deltas based on them are not visited).
    pub fn walk(
        &self,
        want: Kind,
        visit: impl FnMut(usize, &Arc<Vec<u8>>, Option<(usize, &Arc<Vec<u8>>, &[Piece])>),
    ) -> usize {
        self.walk_part(want, 0, 1, visit)
    }

    /// [`Pack::walk`] over part `part` of `parts` of the delta trees (those whose whole object
    /// is the `part`-th of every `parts` in offset order): the parts are disjoint and together
    /// are the whole walk, so threads can walk them side by side (the pack is read with
    /// positioned reads).
    pub fn walk_part(
        &self,
        want: Kind,
        part: usize,
        parts: usize,
        mut visit: impl FnMut(usize, &Arc<Vec<u8>>, Option<(usize, &Arc<Vec<u8>>, &[Piece])>),
    ) -> usize {
        let n = self.entries.len();
        let kind = self.object_kinds();
        let wanted = |i: usize| kind[i] == Some(want);
        // children of each wanted entry, in offset order
        let mut first = vec![0usize; n + 1];
        for (i, e) in self.entries.iter().enumerate() {
            if let (Some(b), true) = (e.base, wanted(i)) {
                first[b + 1] += 1;
            }
        }
        for i in 0..n {
            first[i + 1] += first[i];
        }
        let mut fill = first.clone();
        let mut children = vec![0usize; first[n]];
        for (i, e) in self.entries.iter().enumerate() {
            if let (Some(b), true) = (e.base, wanted(i)) {
                children[fill[b]] = i;
                fill[b] += 1;
            }
        }
        let mut errors = 0usize;
        let mut inflater = Inflater::default();
        let mut roots = 0usize;
        for root in 0..n {
            let e = &self.entries[root];
            if !wanted(root) || e.base.is_some() || e.kind != want {
                continue;
            }
            roots += 1;
            if (roots - 1) % parts.max(1) != part {
                continue;
            }
            let data = match self.inflate_with(&mut inflater, root) {
                Ok(d) => Arc::new(d),
                Err(_) => {
                    errors += 1;
                    continue;
                }
            };
            visit(root, &data, None);
            // depth-first: (entry, content, next child)
            let mut stack: Vec<(usize, Arc<Vec<u8>>, usize)> = vec![(root, data, first[root])];
            while let Some(top) = stack.last_mut() {
                let (parent, next) = (top.0, top.2);
                if next == first[parent + 1] {
                    stack.pop();
                    continue;
                }
                top.2 += 1;
                let child = children[next];
                let base = top.1.clone();
                let built = self
                    .inflate_with(&mut inflater, child)
                    .and_then(|d| apply_delta(&base, &d));
                let (out, pieces) = match built {
                    Ok(x) => x,
                    Err(_) => {
                        errors += 1;
                        continue;
                    }
                };
                let out = Arc::new(out);
                visit(child, &out, Some((parent, &base, &pieces)));
                if first[child] < first[child + 1] {
                    stack.push((child, out, first[child]));
                }
            }
        }
        errors
    }
}

/// A zlib state and read buffer for [`Pack::inflate_with`], reused from entry to entry (a
/// fresh zlib state per entry costs an allocation and its initialisation, 165,000 times on
/// git/git).
pub struct Inflater {
    z: flate2::Decompress,
    input: Vec<u8>,
}

impl Default for Inflater {
    fn default() -> Self {
        Inflater {
            z: flate2::Decompress::new(true),
            input: Vec::new(),
        }
    }
}

/// Type, size and header length of an entry header.
fn parse_header(h: &[u8]) -> Result<(Kind, u64, usize)> {
    ensure!(!h.is_empty(), "truncated entry header");
    let c = h[0];
    let kind = Kind::from_bits((c >> 4) & 7).context("unknown pack entry type")?;
    let mut size = u64::from(c & 0x0f);
    let mut shift = 4;
    let mut k = 1;
    let mut c = c;
    while c & 0x80 != 0 {
        ensure!(k < h.len() && shift < 64, "bad entry header");
        c = h[k];
        size |= u64::from(c & 0x7f) << shift;
        shift += 7;
        k += 1;
    }
    Ok((kind, size, k))
}

/// An OFS_DELTA's backwards offset and its length in bytes.
fn parse_ofs(h: &[u8]) -> Result<(u64, usize)> {
    ensure!(!h.is_empty(), "truncated delta offset");
    let mut c = h[0];
    let mut ofs = u64::from(c & 0x7f);
    let mut k = 1;
    while c & 0x80 != 0 {
        ensure!(k < h.len() && k < 10, "bad delta offset");
        c = h[k];
        ofs = ((ofs + 1) << 7) | u64::from(c & 0x7f);
        k += 1;
    }
    Ok((ofs, k))
}

fn varint(d: &[u8], pos: &mut usize) -> Result<u64> {
    let mut v = 0u64;
    let mut shift = 0;
    loop {
        ensure!(*pos < d.len() && shift < 64, "truncated delta header");
        let c = d[*pos];
        *pos += 1;
        v |= u64::from(c & 0x7f) << shift;
        shift += 7;
        if c & 0x80 == 0 {
            return Ok(v);
        }
    }
}

/// A piece of a delta's result: bytes copied from the base, or inserted by the delta.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    /// `len` bytes copied from the base at `from`.
    Copy {
        /// Offset in the base.
        from: usize,
        /// Length.
        len: usize,
    },
    /// `len` bytes the delta inserts.
    Insert {
        /// Length.
        len: usize,
    },
}

/// Apply `delta` to `base`: the result, and its pieces in order (adjacent copies of adjacent
/// base ranges are joined into one).
pub fn apply_delta(base: &[u8], delta: &[u8]) -> Result<(Vec<u8>, Vec<Piece>)> {
    let mut pos = 0;
    let src = varint(delta, &mut pos)?;
    ensure!(src == base.len() as u64, "delta base size mismatch");
    let dst = usize::try_from(varint(delta, &mut pos)?)?;
    let mut out = Vec::with_capacity(dst);
    let mut pieces: Vec<Piece> = Vec::new();
    while pos < delta.len() {
        let op = delta[pos];
        pos += 1;
        if op & 0x80 != 0 {
            let mut off = 0usize;
            let mut len = 0usize;
            for b in 0..4 {
                if op & (1 << b) != 0 {
                    ensure!(pos < delta.len(), "truncated copy");
                    off |= usize::from(delta[pos]) << (8 * b);
                    pos += 1;
                }
            }
            for b in 0..3 {
                if op & (0x10 << b) != 0 {
                    ensure!(pos < delta.len(), "truncated copy");
                    len |= usize::from(delta[pos]) << (8 * b);
                    pos += 1;
                }
            }
            if len == 0 {
                len = 0x10000;
            }
            ensure!(
                off.checked_add(len).is_some_and(|e| e <= base.len()) && out.len() + len <= dst,
                "copy out of range"
            );
            out.extend_from_slice(&base[off..off + len]);
            match pieces.last_mut() {
                Some(Piece::Copy { from, len: l }) if *from + *l == off => *l += len,
                _ => pieces.push(Piece::Copy { from: off, len }),
            }
        } else if op != 0 {
            let len = usize::from(op);
            ensure!(
                pos + len <= delta.len() && out.len() + len <= dst,
                "insert out of range"
            );
            out.extend_from_slice(&delta[pos..pos + len]);
            pos += len;
            match pieces.last_mut() {
                Some(Piece::Insert { len: l }) => *l += len,
                _ => pieces.push(Piece::Insert { len }),
            }
        } else {
            bail!("reserved delta instruction");
        }
    }
    ensure!(out.len() == dst, "delta result size mismatch");
    Ok((out, pieces))
}

/// The git object id of a blob with content `data` (SHA-1 of `blob <len>\0<data>`).
pub fn blob_id(data: &[u8]) -> Oid {
    use sha1::Digest as _;
    let mut h = sha1::Sha1::new();
    h.update(format!("blob {}\0", data.len()).as_bytes());
    h.update(data);
    Oid::from_bytes(&h.finalize()).expect("20 bytes")
}

/// The byte ranges of a delta's result that hold inserted bytes or join pieces that are not
/// contiguous in the base: every range is a point or stretch where the result may differ from
/// the base as it reads around it. `base_len` is the base's length.
pub fn changed_ranges(pieces: &[Piece], base_len: usize, result_len: usize) -> Vec<Range<usize>> {
    let mut out: Vec<Range<usize>> = Vec::new();
    let mut push = |r: Range<usize>| match out.last_mut() {
        Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
        _ => out.push(r),
    };
    let mut at = 0;
    // where the previous piece ended in the base, when it was a copy
    let mut prev_copy_end: Option<usize> = None;
    for (k, p) in pieces.iter().enumerate() {
        match *p {
            Piece::Copy { from, len } => {
                // the start joins what came before unless it continues the base as it was there
                let continues = if k == 0 {
                    from == 0
                } else {
                    prev_copy_end == Some(from)
                };
                if !continues {
                    push(at..at);
                }
                at += len;
                prev_copy_end = Some(from + len);
                if k + 1 == pieces.len() && from + len != base_len {
                    push(at..at);
                }
            }
            Piece::Insert { len } => {
                push(at..at + len);
                at += len;
                prev_copy_end = None;
            }
        }
    }
    if pieces.is_empty() && base_len != 0 {
        push(0..0);
    }
    debug_assert_eq!(at, result_len);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn varint_bytes(mut v: usize, out: &mut Vec<u8>) {
        loop {
            let b = (v & 0x7f) as u8;
            v >>= 7;
            if v == 0 {
                out.push(b);
                return;
            }
            out.push(b | 0x80);
        }
    }

    fn copy(off: usize, len: usize, out: &mut Vec<u8>) {
        let mut op = 0x80u8;
        let mut args = Vec::new();
        for b in 0..4 {
            let v = (off >> (8 * b)) as u8;
            if v != 0 {
                op |= 1 << b;
                args.push(v);
            }
        }
        let l = if len == 0x10000 { 0 } else { len };
        for b in 0..3 {
            let v = (l >> (8 * b)) as u8;
            if v != 0 {
                op |= 0x10 << b;
                args.push(v);
            }
        }
        out.push(op);
        out.extend(args);
    }

    #[test]
    fn deltas_apply_and_name_what_they_insert() {
        let base = b"line one\nline two\nline three\n";
        let mut d = Vec::new();
        varint_bytes(base.len(), &mut d);
        let want = b"line one\nNEW\nline two\nline three\n";
        varint_bytes(want.len(), &mut d);
        copy(0, 9, &mut d);
        d.push(4);
        d.extend_from_slice(b"NEW\n");
        copy(9, 20, &mut d);
        let (out, pieces) = apply_delta(base, &d).unwrap();
        assert_eq!(out, want);
        assert_eq!(
            pieces,
            [
                Piece::Copy { from: 0, len: 9 },
                Piece::Insert { len: 4 },
                Piece::Copy { from: 9, len: 20 }
            ]
        );
        assert_eq!(changed_ranges(&pieces, base.len(), out.len()), vec![9..13]);
        // copies of adjacent base ranges are one piece; a copy from elsewhere is a join
        let mut d = Vec::new();
        varint_bytes(base.len(), &mut d);
        varint_bytes(18, &mut d);
        copy(0, 5, &mut d);
        copy(5, 4, &mut d);
        copy(18, 9, &mut d);
        let (out, pieces) = apply_delta(base, &d).unwrap();
        assert_eq!(out, b"line one\nline thre");
        assert_eq!(pieces.len(), 2);
        // the join at 9, and the end (the base goes on after the last copy)
        assert_eq!(
            changed_ranges(&pieces, base.len(), out.len()),
            [9..9, 18..18]
        );
        // errors, not panics, on bad deltas
        assert!(apply_delta(b"ab", &[3, 1, 0x80 | 0x10 | 1, 1, 5]).is_err());
        assert!(apply_delta(b"ab", &[2, 1, 0]).is_err());
        assert!(apply_delta(b"ab", &[2, 3, 0x91, 0, 2]).is_err());
    }

    /// Pack the objects `ids` (one id a line) of the bare repository at `dir` into one pack
    /// with `git pack-objects` and `args`.
    fn pack_objects(dir: &Path, ids: &str, args: &[&str]) {
        use std::io::Write as _;
        let mut child = std::process::Command::new("git")
            .arg("pack-objects")
            .arg("-q")
            .args(args)
            .arg(dir.join("objects/pack/pack"))
            .current_dir(dir)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(ids.as_bytes())
            .unwrap();
        assert!(child.wait().unwrap().success());
    }

    #[test]
    fn an_entry_whose_bytes_differ_from_the_index_crc_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let repo = git2::Repository::init_bare(dir.path()).unwrap();
        let mut ids = String::new();
        for i in 0..20 {
            let text: String = (0..200)
                .map(|k| format!("line {k} of version {}\n", k * i % 7))
                .collect();
            ids += &format!("{}\n", repo.blob(text.as_bytes()).unwrap());
        }
        pack_objects(dir.path(), &ids, &[]);
        let path = list_packs(dir.path()).0.remove(0);
        let pack = Pack::open(&path).unwrap();
        assert!(pack.entries.iter().any(|e| e.base.is_some()));
        for i in 0..pack.entries.len() {
            pack.inflate(i).unwrap();
        }
        // the index's CRC of its first object, changed
        let idx_path = path.with_extension("idx");
        let mut idx = std::fs::read(&idx_path).unwrap();
        let first = Oid::from_bytes(&idx[8 + 1024..8 + 1024 + 20]).unwrap();
        idx[8 + 1024 + pack.entries.len() * 20] ^= 1;
        let mut perm = std::fs::metadata(&idx_path).unwrap().permissions();
        #[allow(clippy::permissions_set_readonly_false)]
        perm.set_readonly(false);
        std::fs::set_permissions(&idx_path, perm).unwrap();
        std::fs::write(&idx_path, idx).unwrap();
        let pack = Pack::open(&path).unwrap();
        for (i, e) in pack.entries.iter().enumerate() {
            assert_eq!(pack.inflate(i).is_err(), e.oid == first, "{}", e.oid);
        }
    }

    #[test]
    fn blob_ids_are_gits() {
        assert_eq!(
            blob_id(b"hello\n").to_string(),
            "ce013625030ba8dba906f756967f9e9ca394464a"
        );
    }

    /// `Pack::walk` rebuilds every object of the type asked for exactly once (trees here, stored
    /// as deltas of each other), each with the content its id names, and nothing else.
    #[test]
    fn walk_rebuilds_every_tree_once_with_its_content() {
        use sha1::Digest as _;
        let dir = tempfile::tempdir().unwrap();
        let repo = git2::Repository::init_bare(dir.path()).unwrap();
        let blobs: Vec<Oid> = (0..60)
            .map(|i| repo.blob(format!("file {i}\n").as_bytes()).unwrap())
            .collect();
        let mut ids = String::new();
        let mut trees = std::collections::HashSet::new();
        // two families of trees with nothing in common (names and blobs): two delta trees at
        // least, for the split walk below
        for family in 0..2 {
            for v in 0..25 {
                let mut b = repo.treebuilder(None).unwrap();
                for k in 0..30 {
                    // each version changes a few entries of the one before
                    let at = family * 30 + k;
                    let blob = if k % 10 == v % 10 {
                        blobs[family * 30 + (k + v) % 30]
                    } else {
                        blobs[at]
                    };
                    let name = if family == 0 {
                        format!("src-{k:02}.txt")
                    } else {
                        format!("docs-chapter_{k:03}_notes.md")
                    };
                    b.insert(name, blob, 0o100644).unwrap();
                }
                let t = b.write().unwrap();
                trees.insert(t);
                ids += &format!("{t}\n");
            }
        }
        for b in &blobs {
            ids += &format!("{b}\n");
        }
        pack_objects(dir.path(), &ids, &["--window=50", "--depth=50"]);
        let pack = Pack::open(&list_packs(dir.path()).0.remove(0)).unwrap();
        let mut seen = Vec::new();
        let mut deltas = 0;
        let errors = pack.walk(Kind::Tree, |i, data, delta| {
            let oid = pack.entries[i].oid;
            let mut h = sha1::Sha1::new();
            h.update(format!("tree {}\0", data.len()).as_bytes());
            h.update(data.as_slice());
            assert_eq!(Oid::from_bytes(&h.finalize()).unwrap(), oid);
            deltas += usize::from(delta.is_some());
            seen.push(oid);
        });
        assert_eq!(errors, 0);
        assert!(deltas > 0, "no tree was stored as a delta");
        let unique: std::collections::HashSet<Oid> = seen.iter().copied().collect();
        assert_eq!(unique.len(), seen.len(), "a tree visited twice");
        assert_eq!(unique, trees);
        // the parts of a split walk are disjoint and together the whole walk, same content
        for parts in [2, 3] {
            let mut split = Vec::new();
            let mut busy = 0;
            for part in 0..parts {
                let before = split.len();
                let errors = pack.walk_part(Kind::Tree, part, parts, |i, data, _| {
                    split.push((pack.entries[i].oid, data.as_slice().to_vec()));
                });
                assert_eq!(errors, 0);
                busy += usize::from(split.len() > before);
            }
            assert!(busy >= 2, "{parts} parts: the walk was not split");
            let mut whole = Vec::new();
            pack.walk(Kind::Tree, |i, data, _| {
                whole.push((pack.entries[i].oid, data.as_slice().to_vec()))
            });
            split.sort();
            whole.sort();
            assert_eq!(split, whole, "{parts} parts");
        }
    }
}
