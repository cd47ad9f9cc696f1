//! Pipeline step 2: a chunk is a run of bytes from one source, with the provenance that says where
//! it came from. Byte offsets become line/column only when a finding needs reporting.

use std::borrow::Cow;
use std::ops::Range;
use std::sync::Arc;

/// Git facts attached to content read from a repository's history.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct GitOrigin {
    /// Full hex id of the commit that introduced the content at `path`.
    pub commit: String,
    /// Author name of that commit.
    pub author_name: String,
    /// Author e-mail of that commit.
    pub author_email: String,
    /// Commit time as Unix seconds.
    pub time: i64,
    /// How many commits (of those walked) contain this blob at any path.
    pub commits_containing: usize,
    /// Refs (branches, tags) whose tip tree still contains the blob; for a message, the refs
    /// whose history holds the commit (or that name the tag).
    pub refs_containing: Vec<String>,
    /// Set when the content is not a file but the message of a commit or an annotated tag.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<GitMessage>,
}

/// Whose message a chunk is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MessageKind {
    /// A commit message.
    Commit,
    /// An annotated tag's message.
    Tag,
}

impl MessageKind {
    /// `commit` or `tag`.
    pub fn as_str(self) -> &'static str {
        match self {
            MessageKind::Commit => "commit",
            MessageKind::Tag => "tag",
        }
    }
}

/// The commit or annotated tag whose message a finding is in. For a tag, [`GitOrigin::commit`]
/// is the commit it points to and the author fields name the tagger.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct GitMessage {
    /// Commit message or tag message.
    pub kind: MessageKind,
    /// Full hex id of the commit or tag object.
    pub object: String,
    /// The tag's name, for tags.
    pub tag: Option<String>,
}

impl GitMessage {
    /// The location reported for a message: `commit <id> message` or `tag <id> message`.
    pub fn location(kind: MessageKind, object: &str) -> String {
        format!("{} {object} message", kind.as_str())
    }
}

/// Where a chunk's bytes came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Provenance {
    /// A file in the scanned tree; `path` is relative to the scan root, `/`-separated.
    File {
        /// Path relative to the scanned root.
        path: String,
    },
    /// Standard input.
    Stdin,
    /// A blob from git history. `origin` is filled in for blobs with findings.
    GitBlob {
        /// Hex blob id.
        blob: String,
        /// Path of the blob in the commit that introduced it.
        path: String,
        /// The introducing commit and its metadata, once attributed.
        origin: Option<Arc<GitOrigin>>,
    },
    /// Content staged in the git index (pre-commit mode).
    Staged {
        /// Path in the repository.
        path: String,
    },
    /// The message of a commit or an annotated tag (history and range scans).
    GitMessage {
        /// Commit or tag, and its id.
        of: GitMessage,
        /// [`GitMessage::location`] of `of`.
        path: String,
        /// The commit (or tagger) metadata, once known.
        origin: Option<Arc<GitOrigin>>,
    },
}

impl Provenance {
    /// The path to report for content of this provenance.
    pub fn path(&self) -> &str {
        match self {
            Provenance::File { path } | Provenance::Staged { path } => path,
            Provenance::GitBlob { path, .. } | Provenance::GitMessage { path, .. } => path,
            Provenance::Stdin => "<stdin>",
        }
    }

    /// The blob id and git origin that findings of this provenance carry.
    pub fn git_facts(&self) -> (Option<String>, Option<Arc<GitOrigin>>) {
        match self {
            Provenance::GitBlob { blob, origin, .. } => (Some(blob.clone()), origin.clone()),
            Provenance::GitMessage { origin, .. } => (None, origin.clone()),
            _ => (None, None),
        }
    }

    /// The message this provenance is, if it is one.
    pub fn message(&self) -> Option<&GitMessage> {
        match self {
            Provenance::GitMessage { of, .. } => Some(of),
            _ => None,
        }
    }
}

/// Bytes to scan plus their provenance.
#[derive(Debug, Clone)]
pub struct Chunk<'a> {
    /// The content, as read (possibly re-encoded from UTF-16 to UTF-8).
    pub data: Cow<'a, [u8]>,
    /// Where it came from.
    pub provenance: Provenance,
}

/// Maps byte offsets of one chunk to 1-based lines and columns.
///
/// Built lazily, once per chunk that has findings.
#[derive(Debug)]
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    /// Index the line starts of `data`.
    pub fn new(data: &[u8]) -> Self {
        let mut starts = vec![0];
        starts.extend(memchr_iter(b'\n', data).map(|i| i + 1));
        LineIndex { starts }
    }

    /// Number of lines (a trailing newline starts one more, empty line).
    pub fn line_count(&self) -> usize {
        self.starts.len()
    }

    /// 0-based index of the line holding byte `offset` (a newline belongs to the line it ends).
    pub fn line_of(&self, offset: usize) -> usize {
        self.starts
            .partition_point(|&s| s <= offset)
            .saturating_sub(1)
    }

    /// Byte range of 0-based line `line` in `data`, without its newline (empty past the end).
    pub fn line_range(&self, data: &[u8], line: usize) -> Range<usize> {
        let Some(&start) = self.starts.get(line) else {
            return data.len()..data.len();
        };
        let end = self.starts.get(line + 1).map_or(data.len(), |&s| s - 1);
        // every start but the first follows a newline of `data`, so start <= end <= len
        start..end
    }

    /// 1-based (line, column) of byte `offset`; the column counts characters, not bytes.
    pub fn position(&self, data: &[u8], offset: usize) -> (usize, usize) {
        let line = match self.starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let start = self.starts[line];
        let col = String::from_utf8_lossy(&data[start..offset.min(data.len())])
            .chars()
            .count()
            + 1;
        (line + 1, col)
    }
}

fn memchr_iter(needle: u8, data: &[u8]) -> impl Iterator<Item = usize> + '_ {
    data.iter()
        .enumerate()
        .filter_map(move |(i, &b)| (b == needle).then_some(i))
}

/// Re-encode UTF-16 content (with a byte-order mark) as UTF-8; other content is returned as is.
pub fn normalize_encoding(data: &[u8]) -> Option<Vec<u8>> {
    let (le, body) = match data {
        [0xFF, 0xFE, rest @ ..] => (true, rest),
        [0xFE, 0xFF, rest @ ..] => (false, rest),
        _ => return None,
    };
    let units = body.chunks_exact(2).map(|p| {
        if le {
            u16::from_le_bytes([p[0], p[1]])
        } else {
            u16::from_be_bytes([p[0], p[1]])
        }
    });
    let s: String = char::decode_utf16(units)
        .map(|r| r.unwrap_or(char::REPLACEMENT_CHARACTER))
        .collect();
    Some(s.into_bytes())
}

/// Most NUL bytes that may end text ([`looks_binary`]).
const MAX_TRAILING_NULS: usize = 64;

/// True when the content looks binary: a NUL byte in its first 8 KiB, unless the NULs are a
/// short run that ends text (at most [`MAX_TRAILING_NULS`], after at least one other byte): a
/// PEM file written with its C string's terminator (eval/realworld226 dev, Debezium's MySQL test
/// keys) is text; content of NULs alone, or text followed by a long run of them, is not.
pub fn looks_binary(data: &[u8]) -> bool {
    let Some(first) = memchr::memchr(0, &data[..data.len().min(8192)]) else {
        return false;
    };
    let trailing = data
        .iter()
        .rev()
        .take(MAX_TRAILING_NULS + 1)
        .take_while(|&&b| b == 0)
        .count();
    !(trailing <= MAX_TRAILING_NULS && first > 0 && first == data.len() - trailing)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_one_based() {
        let d = b"ab\ncd\n\xc3\xa9x";
        let idx = LineIndex::new(d);
        assert_eq!(idx.position(d, 0), (1, 1));
        assert_eq!(idx.position(d, 4), (2, 2));
        assert_eq!(idx.position(d, 8), (3, 2));
    }

    #[test]
    fn lines_are_found_by_offset() {
        let d = b"ab\ncd\n\nx";
        let idx = LineIndex::new(d);
        assert_eq!(idx.line_count(), 4);
        assert_eq!(
            (0..d.len()).map(|o| idx.line_of(o)).collect::<Vec<_>>(),
            [0, 0, 0, 1, 1, 1, 2, 3]
        );
        assert_eq!(idx.line_of(d.len()), 3);
        let lines: Vec<&[u8]> = (0..5).map(|l| &d[idx.line_range(d, l)]).collect();
        assert_eq!(lines, [&b"ab"[..], b"cd", b"", b"x", b""]);
        let t = b"a\n";
        let idx = LineIndex::new(t);
        assert_eq!(idx.line_count(), 2);
        assert_eq!(idx.line_range(t, 1), 2..2);
    }

    #[test]
    fn text_ending_in_nul_bytes_is_text() {
        assert!(!looks_binary(
            b"-----BEGIN X-----\nQUJD\n-----END X-----\n\0"
        ));
        assert!(!looks_binary(b"abc\0\0\0"));
        assert!(!looks_binary(b""));
        assert!(looks_binary(b"abc\0def"));
        assert!(looks_binary(b"\0\0abc\0"));
        // NULs alone, or text and a long run of them (a padded image), stay binary
        assert!(looks_binary(b"\0\0\0"));
        let mut padded = b"abc".to_vec();
        padded.resize(3 + MAX_TRAILING_NULS + 1, 0);
        assert!(looks_binary(&padded));
        padded.truncate(3 + MAX_TRAILING_NULS);
        assert!(!looks_binary(&padded));
        // a NUL past the first 8 KiB never made content binary
        let mut long = vec![b'a'; 9000];
        long.push(0);
        long.push(b'b');
        assert!(!looks_binary(&long));
    }

    #[test]
    fn utf16_is_decoded() {
        let mut d = vec![0xFF, 0xFE];
        for u in "a=b\r\n".encode_utf16() {
            d.extend(u.to_le_bytes());
        }
        assert_eq!(normalize_encoding(&d).unwrap(), b"a=b\r\n");
        assert!(normalize_encoding(b"plain").is_none());
    }
}
