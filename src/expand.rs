//! Between steps 2 and 3: decoded views of a chunk. Base64 values (Kubernetes Secret `data:`,
//! Docker `auth`, kubeconfig `*-data`, environment variables) are decoded when they hold text, and
//! the text is scanned with the key it was assigned to, so `password: <base64>` is judged like
//! `password: <plain>`. Findings in a view are reported at the encoded value's location.
//! Lines written with JSON string escapes (`\/`, `\u0026`, `\"`) or URL percent-escapes are
//! scanned unescaped too, with a byte map so findings keep their exact columns. Values a format
//! folds over several lines (YAML block and continued scalars, base64 wrapped at 60/76 columns,
//! string literals concatenated across lines in code) are joined ([`folded_views`]), also with a
//! byte map, and a joined base64 value is decoded like any other.
//! Binary content that holds a credential gets a text view too ([`binary_text_view`]).

use std::ops::Range;

use crate::codec::{b64_decode, hex_val};

/// Shortest base64 run worth decoding.
const MIN_RUN: usize = 12;
/// Fewest base64 bytes in a run that is decoded: [`MIN_RUN`] less two `=` of padding.
const MIN_B64: usize = MIN_RUN - 2;
/// Longest base64 run decoded (larger runs are images or archives).
const MAX_RUN: usize = 64 * 1024;

/// A decoded base64 value and where its encoded form sits in the chunk.
#[derive(Debug, Clone)]
pub struct DecodedView {
    /// Byte range of the encoded value in the parent chunk.
    pub encoded: Range<usize>,
    /// Text to scan: `key: decoded` when a key precedes the value, else the decoded text.
    pub text: Vec<u8>,
    /// Offset in `text` where the decoded value starts.
    pub value_offset: usize,
    /// How the text was obtained.
    pub encoding: Encoding,
    /// For unescaped lines: the chunk offset of each byte of `text`, plus one entry for its end
    /// (empty for base64 views, which map to `encoded` as a whole).
    pub map: Vec<usize>,
}

/// How a [`DecodedView`] was decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// A base64 value.
    Base64,
    /// A line with JSON string or URL percent escapes, unescaped.
    Escaped,
    /// A value its format wrote over several lines (a YAML block or continued scalar, a
    /// wrapped base64 block, string literals concatenated across lines), joined.
    Folded,
}

impl Encoding {
    /// Name reported in a finding's `encoding` property.
    pub fn as_str(self) -> &'static str {
        match self {
            Encoding::Base64 => "base64",
            Encoding::Escaped => "escaped",
            Encoding::Folded => "folded",
        }
    }
}

impl DecodedView {
    /// Where a range of `text` came from in the chunk: the exact bytes for unescaped lines, the
    /// whole encoded value for base64.
    pub fn origin(&self, r: &Range<usize>) -> Range<usize> {
        match (self.map.get(r.start), self.map.get(r.end)) {
            (Some(&a), Some(&b)) if !self.map.is_empty() => a..b,
            _ => self.encoded.clone(),
        }
    }
}

/// Longest line unescaped (longer lines are scanned as they are only).
const MAX_ESCAPED_LINE: usize = 1 << 20;

/// The character an escape at the start of `rest` stands for and the escape's length, for the
/// escapes worth undoing: `\uXXXX` of printable ASCII, `\/`, `\"`, and `%XX` of `+ / =` and
/// space; in a line that holds a percent-encoded PEM block (`pem`: a `data:,` URL of an
/// Ignition or cloud-init file) also `%0A` and `%0D`, its line breaks.
fn escape_at(rest: &[u8], pem: bool) -> Option<(u8, usize)> {
    match rest {
        [b'\\', b'u', a, b, c, d, ..] => {
            let v = [a, b, c, d]
                .iter()
                .try_fold(0u32, |acc, &&h| hex_val(h).map(|x| acc * 16 + x))?;
            (0x20..0x7f).contains(&v).then_some((v as u8, 6))
        }
        [b'\\', c @ (b'/' | b'"'), ..] => Some((*c, 2)),
        // only the characters token bodies are escaped for (base64 `+ / =`, the space of
        // `FlyV1 fm2_…`); `%40`, `%3A` and the like are structure in a URL and stay escaped
        [b'%', h, l, ..] => {
            let v = hex_val(*h)? * 16 + hex_val(*l)?;
            (matches!(v as u8, b' ' | b'+' | b'/' | b'=') || (pem && matches!(v, 0x0a | 0x0d)))
                .then_some((v as u8, 3))
        }
        _ => None,
    }
}

/// Lines of `data` that hold JSON string escapes (`\/`, `\uXXXX`, `\"`) or URL percent-escapes
/// of the characters in token bodies (`%2B`, `%2F`, `%3D`, `%20`), unescaped, with a map back to
/// the chunk. Lines without such escapes give no view and cost no allocation; views are made one
/// at a time, so at most one unescaped line is held per scanning thread.
pub fn unescaped_views(data: &[u8]) -> impl Iterator<Item = DecodedView> + '_ {
    let mut next_line = 0;
    memchr::memchr2_iter(b'\\', b'%', data).filter_map(move |pos| {
        if pos < next_line || escape_at(&data[pos..], false).is_none() {
            return None;
        }
        let start = memchr::memrchr(b'\n', &data[..pos]).map_or(0, |p| p + 1);
        let end = memchr::memchr(b'\n', &data[pos..]).map_or(data.len(), |p| pos + p);
        next_line = end + 1;
        (end - start <= MAX_ESCAPED_LINE).then(|| unescape_line(&data[start..end], start))
    })
}

/// `line` (at chunk offset `base`) with its escapes undone; other backslash escapes (`\\`,
/// `\n`) are kept as written, both bytes, so `\\/` stays a backslash and a slash.
fn unescape_line(line: &[u8], base: usize) -> DecodedView {
    let mut text = Vec::with_capacity(line.len());
    let mut map = Vec::with_capacity(line.len() + 1);
    let pem = memchr::memmem::find(line, b"-----BEGIN%20").is_some();
    let mut i = 0;
    while i < line.len() {
        let rest = &line[i..];
        if let Some((c, n)) = escape_at(rest, pem) {
            text.push(c);
            map.push(base + i);
            i += n;
        } else if rest[0] == b'\\' && rest.len() >= 2 {
            text.extend_from_slice(&rest[..2]);
            map.extend([base + i, base + i + 1]);
            i += 2;
        } else {
            text.push(rest[0]);
            map.push(base + i);
            i += 1;
        }
    }
    map.push(base + line.len());
    DecodedView {
        encoded: base..base + line.len(),
        text,
        value_offset: 0,
        encoding: Encoding::Escaped,
        map,
    }
}

/// Bytes of either base64 alphabet, as a table (what [`classify16`] computes with SIMD compares).
const B64_BYTE: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        t[b] = c.is_ascii_alphanumeric() || matches!(c, b'+' | b'/' | b'-' | b'_');
        b += 1;
    }
    t
};

/// [`B64_CLASS`]: a byte of either base64 alphabet.
const B64: u8 = 1;
/// [`B64_CLASS`]: a base64 byte that is not a letter, `_` or `-` (a digit, `+` or `/`).
const NOT_WORDY: u8 = 2;
/// [`B64_CLASS`]: a base64 byte that is not a hex digit.
const NOT_HEX: u8 = 4;

/// What [`decoded_views`] needs to know of each byte of a run, gathered while it finds the run's
/// end: a run of letters, `_` and `-` only, or of hex digits only, is not decoded.
const B64_CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        if B64_BYTE[b] {
            t[b] = B64;
            if !(c.is_ascii_alphabetic() || c == b'_' || c == b'-') {
                t[b] |= NOT_WORDY;
            }
            if !c.is_ascii_hexdigit() {
                t[b] |= NOT_HEX;
            }
        }
        b += 1;
    }
    t
};

/// Find base64 runs in `data` that decode to mostly printable UTF-8 text.
pub fn decoded_views(data: &[u8]) -> Vec<DecodedView> {
    let mut out = Vec::new();
    let mut scratch = Vec::new();
    long_runs(data, |start, body_end, class| {
        if let Some(v) = decoded_run(data, start, body_end, class, &mut scratch) {
            out.push(v);
        }
    });
    out
}

/// What [`long_runs`] knows of 64 bytes of a chunk: bit `i` of each mask is about byte `i`.
#[derive(Default)]
struct BlockMasks {
    /// a byte of either base64 alphabet
    b64: u64,
    /// a base64 byte that is not a letter, `_` or `-` ([`NOT_WORDY`])
    not_wordy: u64,
    /// a base64 byte that is not a hex digit ([`NOT_HEX`])
    not_hex: u64,
    /// `=`, base64's padding
    pad: u64,
}

impl BlockMasks {
    /// The masks of a full block, 16 bytes at a time with SIMD compares (SSE2 on x86-64, NEON
    /// on AArch64, through `wide`): every byte of a chunk is classified, and a table read per
    /// byte costs five times as much.
    fn of_block(block: &[u8; 64]) -> BlockMasks {
        let mut m = BlockMasks::default();
        for (k, part) in block.chunks_exact(16).enumerate() {
            let (b64, not_wordy, not_hex, pad) = classify16(part);
            m.b64 |= b64 << (16 * k);
            m.not_wordy |= not_wordy << (16 * k);
            m.not_hex |= not_hex << (16 * k);
            m.pad |= pad << (16 * k);
        }
        m
    }

    /// The masks of a block shorter than 64 bytes (a chunk's last), from [`B64_CLASS`].
    fn of_tail(block: &[u8]) -> BlockMasks {
        let mut m = BlockMasks::default();
        for (k, &b) in block.iter().enumerate() {
            let c = B64_CLASS[b as usize];
            m.b64 |= u64::from(c & B64 != 0) << k;
            m.not_wordy |= u64::from(c & NOT_WORDY != 0) << k;
            m.not_hex |= u64::from(c & NOT_HEX != 0) << k;
            m.pad |= u64::from(b == b'=') << k;
        }
        m
    }

    /// The [`B64_CLASS`] bits of the bytes in `bits` (a run's part in this block).
    fn class(&self, bits: u64) -> u8 {
        let mut c = 0;
        if self.b64 & bits != 0 {
            c |= B64;
        }
        if self.not_wordy & bits != 0 {
            c |= NOT_WORDY;
        }
        if self.not_hex & bits != 0 {
            c |= NOT_HEX;
        }
        c
    }
}

/// Bits `from..to` of a block (`from <= to <= 64`; none when they are equal).
fn bit_range(from: usize, to: usize) -> u64 {
    match to - from {
        0 => 0,
        64 => !0,
        n => ((1u64 << n) - 1) << from,
    }
}

/// [`BlockMasks`] of 16 bytes: base64 bytes, those that are not wordy, those that are not hex,
/// `=`. Range tests are signed compares after a shift of the range to the bottom of `i8`.
fn classify16(part: &[u8]) -> (u64, u64, u64, u64) {
    use wide::{CmpEq, CmpLt, i8x16};
    let bytes: [i8; 16] = std::array::from_fn(|i| part[i] as i8);
    let x = i8x16::from(bytes);
    // `a`..=`z` after folding case; `a`..=`f`; `0`..=`9`
    let folded = x | i8x16::splat(0x20);
    let from_a = folded + i8x16::splat((128 - b'a') as i8);
    let letter = from_a.cmp_lt(i8x16::splat(-128 + 26));
    let hex_letter = from_a.cmp_lt(i8x16::splat(-128 + 6));
    let digit = (x + i8x16::splat((128 - b'0') as i8)).cmp_lt(i8x16::splat(-128 + 10));
    let eq = |c: u8| x.cmp_eq(i8x16::splat(c as i8));
    let plus_slash = eq(b'+') | eq(b'/');
    let b64 = letter | digit | plus_slash | eq(b'-') | eq(b'_');
    let mask = |v: i8x16| u64::from(v.move_mask() as u16);
    (
        mask(b64),
        mask(digit | plus_slash),
        mask(b64) & !mask(digit | hex_letter),
        mask(eq(b'=')),
    )
}

/// Calls `each(start, end, class)`, in order, for maximal runs of base64 bytes in `data` at least
/// [`MIN_B64`] long, with the [`B64_CLASS`] bits of its bytes or-ed together: every such run
/// followed by `=` or holding both a non-wordy and a non-hex byte (the others never decode), and
/// some of the others.
///
/// Bytes are classified 64 at a time into bit masks ([`BlockMasks`]), and runs are found in
/// the masks: most text is short words, whose runs are never looked at one by one. A run that
/// reaches the end of a block is carried into the next.
fn long_runs(data: &[u8], mut each: impl FnMut(usize, usize, u8)) {
    let n = data.len();
    // start of a run that reaches the end of the block before, and its class so far
    let mut carry: Option<(usize, u8)> = None;
    let mut bs = 0;
    while bs < n {
        let block = &data[bs..n.min(bs + 64)];
        let l = block.len();
        let last = bs + l == n;
        let masks = match block.try_into() {
            Ok(full) => BlockMasks::of_block(full),
            Err(_) => BlockMasks::of_tail(block),
        };
        let m = masks.b64;
        // bits below `done` belong to the carried run
        let mut done = 0usize;
        if let Some((s, class)) = carry.take() {
            let ones = ((!m).trailing_zeros() as usize).min(l);
            let class = class | masks.class(bit_range(0, ones));
            if ones == l && !last {
                carry = Some((s, class));
                bs += l;
                continue;
            }
            if bs + ones - s >= MIN_B64 {
                each(s, bs + ones, class);
            }
            done = ones;
        }
        if done < l {
            let outside = !m;
            // the byte after each run ending in the block that holds a non-wordy byte, a
            // non-hex byte (a bit added inside a run of ones carries into the byte after it), or
            // that is `=` padding: only those runs can decode ([`decoded_run`] passes over the
            // others); a run through the block's last byte is the tail run below
            let after_not_wordy = m.wrapping_add(masks.not_wordy) & outside;
            let after_not_hex = m.wrapping_add(masks.not_hex) & outside;
            let after_padded = masks.pad & (m << 1);
            let mut ends =
                ((after_not_wordy & after_not_hex) | after_padded) & bit_range(done + 1, l);
            // where the run ending before bit `e` starts
            let run_start = |e: usize| {
                let below = outside & bit_range(0, e);
                if below == 0 {
                    0
                } else {
                    64 - below.leading_zeros() as usize
                }
            };
            while ends != 0 {
                let e = ends.trailing_zeros() as usize;
                ends &= ends - 1;
                let s = run_start(e);
                if s >= done && e - s >= MIN_B64 {
                    each(bs + s, bs + e, masks.class(bit_range(s, e)));
                }
            }
            // the run through the block's last byte goes on in the next block, or ends the chunk
            if (m >> (l - 1)) & 1 == 1 {
                let s = run_start(l);
                let class = masks.class(bit_range(s, l));
                if !last {
                    carry = Some((bs + s, class));
                } else if l - s >= MIN_B64 {
                    each(bs + s, bs + l, class);
                }
            }
        }
        bs += l;
    }
    if let Some((s, class)) = carry
        && n - s >= MIN_B64
    {
        each(s, n, class);
    }
}

/// The decoded view of the maximal base64 run `data[start..body_end]` (at least [`MIN_B64`]
/// bytes, `class` its bytes' [`B64_CLASS`] bits), with its `=` padding, when it decodes to
/// mostly printable UTF-8 text.
fn decoded_run(
    data: &[u8],
    start: usize,
    body_end: usize,
    class: u8,
    scratch: &mut Vec<u8>,
) -> Option<DecodedView> {
    let n = data.len();
    // after a `.` (a host name, a JWT segment)
    if start > 0 && data[start - 1] == b'.' {
        return None;
    }
    let mut end = body_end;
    while end < n && end - body_end < 2 && data[end] == b'=' {
        end += 1;
    }
    let len = end - start;
    if !(MIN_RUN..=MAX_RUN).contains(&len) || (end < n && data[end] == b'.') {
        return None;
    }
    // a run of only letters, or only hex, is an identifier or a digest, not base64 text
    // (with `=` padding it is neither)
    if end == body_end {
        debug_assert_eq!(
            class,
            data[start..body_end]
                .iter()
                .fold(0, |c, &b| c | B64_CLASS[b as usize])
        );
        if class & NOT_WORDY == 0 || class & NOT_HEX == 0 {
            return None;
        }
    }
    let run = &data[start..end];
    // cheap, allocation-free pre-check: most runs (identifiers, binary) decode to bytes
    // that are not text, and are rejected here without building the exact decoding
    if !decodes_to_text(run, scratch) {
        return None;
    }
    let s = std::str::from_utf8(run).ok()?;
    let decoded = b64_decode(s)?;
    if decoded.len() < 6 || !mostly_text(&decoded) {
        return None;
    }
    let key = preceding_key(data, start);
    let mut text = Vec::with_capacity(decoded.len() + 32);
    if let Some(k) = key {
        text.extend_from_slice(k);
        text.extend_from_slice(b": ");
    }
    let value_offset = text.len();
    text.extend_from_slice(&decoded);
    Some(DecodedView {
        encoded: start..end,
        text,
        value_offset,
        encoding: Encoding::Base64,
        map: Vec::new(),
    })
}

/// The 6-bit value of a base64 character in either alphabet (`+`/`-` = 62, `/`/`_` = 63).
fn b64_value(b: u8) -> Option<u8> {
    match b {
        b'A'..=b'Z' => Some(b - b'A'),
        b'a'..=b'z' => Some(b - b'a' + 26),
        b'0'..=b'9' => Some(b - b'0' + 52),
        b'+' | b'-' => Some(62),
        b'/' | b'_' => Some(63),
        _ => None,
    }
}

/// Necessary condition for `b64_decode(run)` to yield text that [`decoded_views`] keeps: the
/// bytes the run would decode to (in whichever alphabet) are at least 6 long and pass
/// [`mostly_text`]. Stops at the first ASCII control byte; `scratch` is reused between runs.
fn decodes_to_text(run: &[u8], scratch: &mut Vec<u8>) -> bool {
    scratch.clear();
    let mut acc: u32 = 0;
    let mut bits = 0;
    for &c in run {
        if c == b'=' {
            break;
        }
        let Some(v) = b64_value(c) else {
            return false;
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            let byte = (acc >> bits) as u8;
            acc &= (1 << bits) - 1;
            if (byte < 0x20 && !matches!(byte, b'\n' | b'\r' | b'\t')) || byte == 0x7f {
                return false;
            }
            scratch.push(byte);
        }
    }
    scratch.len() >= 6 && mostly_text(scratch)
}

fn mostly_text(d: &[u8]) -> bool {
    let Ok(s) = std::str::from_utf8(d) else {
        return false;
    };
    let bad = s
        .chars()
        .filter(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
        .count();
    bad == 0
}

/// The key of a `key: value`, `key=value` or `"key": "value"` assignment ending right before `pos`.
pub(crate) fn preceding_key(data: &[u8], pos: usize) -> Option<&[u8]> {
    let line_start = data[..pos]
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |p| p + 1);
    let before = &data[line_start..pos];
    let mut j = before.len();
    let skip = |j: &mut usize, set: &[u8]| {
        while *j > 0 && set.contains(&before[*j - 1]) {
            *j -= 1;
        }
    };
    skip(&mut j, b" \t\"'");
    if j == 0 || !matches!(before[j - 1], b':' | b'=') {
        return None;
    }
    j -= 1;
    skip(&mut j, b" \t\"'");
    let end = j;
    while j > 0
        && (before[j - 1].is_ascii_alphanumeric() || matches!(before[j - 1], b'_' | b'-' | b'.'))
    {
        j -= 1;
    }
    (end > j).then(|| &before[j..end])
}

/// Longest value joined from folded lines.
const MAX_FOLDED: usize = 64 * 1024;

/// A view being built: text and, for each byte, its offset in the chunk.
#[derive(Default)]
struct Joined {
    text: Vec<u8>,
    map: Vec<usize>,
}

impl Joined {
    /// Append `data[r]` as written.
    fn copy(&mut self, data: &[u8], r: Range<usize>) {
        self.text.extend_from_slice(&data[r.clone()]);
        self.map.extend(r);
    }

    /// A view of a literal opened on a line: the line from `line_start` up to and including
    /// the quote at `quote`, then the literal's first piece up to `first_end`; and where the
    /// value starts in the view.
    fn opened(data: &[u8], line_start: usize, quote: usize, first_end: usize) -> (Joined, usize) {
        let mut j = Joined::default();
        j.copy(data, line_start..quote + 1);
        let value_offset = j.text.len();
        j.copy(data, quote + 1..first_end);
        (j, value_offset)
    }

    /// Append `bytes`, which stand for the chunk byte at `at`.
    fn put(&mut self, bytes: &[u8], at: usize) {
        self.text.extend_from_slice(bytes);
        self.map.extend(std::iter::repeat_n(at, bytes.len()));
    }

    fn finish(mut self, value_offset: usize, end: usize) -> DecodedView {
        let start = self.map.first().copied().unwrap_or(end);
        self.map.push(end);
        DecodedView {
            encoded: start..end,
            text: self.text,
            value_offset,
            encoding: Encoding::Folded,
            map: self.map,
        }
    }
}

/// The lines of `data` as ranges without their line ending (`\n` or `\r\n`).
fn line_ranges(data: &[u8]) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut start = 0;
    for nl in memchr::memchr_iter(b'\n', data).chain(std::iter::once(data.len())) {
        if nl < start {
            break;
        }
        let end = if nl > start && data[nl - 1] == b'\r' {
            nl - 1
        } else {
            nl
        };
        out.push(start..end);
        start = nl + 1;
    }
    out
}

/// A line, trimmed, is one folded piece ([`is_piece`]).
const PIECE: u8 = 1;
/// A line's last non-blank byte can end a literal that goes on (`"`, `'`, `+`, `\`, `.`, `&`).
const ENDS_OPEN: u8 = 2;
/// A line's last non-blank byte is `=`.
const ENDS_ASSIGN: u8 = 4;

/// What each of `lines` offers the folded views ([`PIECE`], [`ENDS_OPEN`], [`ENDS_ASSIGN`]),
/// found in one pass: each kind of view then looks only at the lines that can start it.
fn line_marks(data: &[u8], lines: &[Range<usize>]) -> Vec<u8> {
    lines
        .iter()
        .map(|l| {
            let t = data[l.clone()].trim_ascii();
            let end = match t.last() {
                Some(b'"' | b'\'' | b'+' | b'\\' | b'.' | b'&') => ENDS_OPEN,
                Some(b'=') => ENDS_ASSIGN,
                _ => 0,
            };
            end | if is_piece(t) { PIECE } else { 0 }
        })
        .collect()
}

fn indent_of(line: &[u8]) -> usize {
    line.iter()
        .take_while(|b| **b == b' ' || **b == b'\t')
        .count()
}

/// A folded piece: one token of a secret's alphabet (no spaces, quotes or markup).
fn is_piece(t: &[u8]) -> bool {
    !t.is_empty()
        && t.iter().all(|&b| {
            b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=' | b'-' | b'_' | b'.')
        })
}

/// Whether [`folded_views`] starts afresh at `line` whatever came before: no folded value can
/// go on through it (it is not one token, does not open with a quote after its indentation,
/// does not begin with a token a quote closes, and `prev`, the line before, does not end in a
/// backslash); a line ending is ignored. The folded views of a run of lines from such a line to
/// another are the same in any text holding that run (the delta-aware history scan relies on
/// it).
pub fn folded_sync_line(prev: Option<&[u8]>, line: &[u8]) -> bool {
    fn strip(l: &[u8]) -> &[u8] {
        let l = l.strip_suffix(b"\n").unwrap_or(l);
        l.strip_suffix(b"\r").unwrap_or(l)
    }
    let line = strip(line);
    let body = &line[indent_of(line)..];
    !is_piece(line.trim_ascii())
        && !matches!(body.first(), Some(b'"' | b'\''))
        && closes_wrapped_literal(body).is_none()
        && prev.is_none_or(|p| {
            let p = strip(p);
            p.last() != Some(&b'\\') && p.trim_ascii_end().last() != Some(&b'\\')
        })
}

/// Values written over several lines, joined, with their decoded base64 where the joined
/// value is base64 of text (see the module comment). Each view maps every byte back to the
/// chunk; a view's `value_offset` is where the joined value starts (before it: its key).
pub fn folded_views(data: &[u8]) -> Vec<DecodedView> {
    let lines = line_ranges(data);
    let marks = line_marks(data, &lines);
    let mut out = Vec::new();
    yaml_blocks(data, &lines, &marks, &mut out, true);
    continued_literals(data, &lines, &marks, &mut out);
    assigned_on_next_line(data, &lines, &marks, &mut out);
    wrapped_tokens(data, &lines, &mut out);
    // a joined base64 value is decoded like a base64 value written on one line
    let mut decoded = Vec::new();
    for v in &out {
        for d in decoded_views(&v.text) {
            // only the joined value: a run on one line was decoded from the chunk itself
            let orig = v.origin(&d.encoded);
            if data[orig.clone()].contains(&b'\n') {
                decoded.push(DecodedView { encoded: orig, ..d });
            }
        }
    }
    out.extend(decoded);
    out
}

/// `key: |` / `key: >-` block scalars and `key: <token>` plain scalars continued on more
/// indented lines, whose lines are each one token (a wrapped key or base64 block), and bare
/// runs of equally long base64 lines (60, 64 or 76 columns): joined without separators, with
/// `key: ` in front when a key names them.
///
/// `quick` passes over a line at once when the next is not one token (the result is the same:
/// the tests check it against `quick = false`).
fn yaml_blocks(
    data: &[u8],
    lines: &[Range<usize>],
    marks: &[u8],
    out: &mut Vec<DecodedView>,
    quick: bool,
) {
    let mut i = 0;
    while i < lines.len() {
        // both kinds join a line with the one-token lines after it: most lines are followed by
        // one that is not, and are passed over here without parsing them
        if quick && marks.get(i + 1).is_none_or(|m| m & PIECE == 0) {
            i += 1;
            continue;
        }
        let line = &data[lines[i].clone()];
        let base = indent_of(line);
        let body = &line[base..];
        // the key of `key: |`, `key: <piece>`, `- key: …`, `"key": …`
        let after_dash = body.strip_prefix(b"- ").unwrap_or(body);
        let key_end = after_dash
            .iter()
            .position(|&b| !(b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.')));
        let key_off = lines[i].start + base + (body.len() - after_dash.len());
        let parsed = key_end.and_then(|k| {
            let rest = after_dash[k..].strip_prefix(b":")?;
            let rest_trim = rest.trim_ascii();
            let block = rest_trim.first().is_some_and(|b| matches!(b, b'|' | b'>'))
                && rest_trim[1..]
                    .iter()
                    .take_while(|b| **b != b'#')
                    .all(|b| matches!(b, b'-' | b'+' | b'1'..=b'9' | b' ' | b'\t'));
            (k > 0 && (block || (rest_trim.len() >= 40 && is_piece(rest_trim))))
                .then_some((k, block, rest_trim))
        });
        // continuation lines: more indented than the key, each one token
        let pieces_from = |from: usize, min_indent: usize| {
            let mut j = from;
            while j < lines.len() {
                let l = &data[lines[j].clone()];
                let t = l.trim_ascii();
                if indent_of(l) < min_indent || !is_piece(t) {
                    break;
                }
                j += 1;
            }
            j
        };
        if let Some((k, block, first)) = parsed {
            let end = pieces_from(i + 1, base + 1);
            let n = end - (i + 1) + usize::from(!block);
            if n >= 2 {
                let mut j = Joined::default();
                j.copy(data, key_off..key_off + k);
                j.put(b": ", key_off + k);
                let value_offset = j.text.len();
                if !block {
                    let at = first.as_ptr() as usize - data.as_ptr() as usize;
                    j.copy(data, at..at + first.len());
                }
                for l in &lines[i + 1..end] {
                    let t = data[l.clone()].trim_ascii();
                    let at = t.as_ptr() as usize - data.as_ptr() as usize;
                    j.copy(data, at..at + t.len());
                }
                if j.text.len() <= MAX_FOLDED {
                    let last = lines[end - 1].end;
                    out.push(j.finish(value_offset, last));
                }
                i = end;
                continue;
            }
        }
        // bare wrapped base64: lines of one length (60, 64 or 76) and a shorter last one
        let t = body.trim_ascii_end();
        if matches!(t.len(), 60 | 64 | 76) && is_piece(t) {
            let mut end = i + 1;
            while end < lines.len() {
                let u = data[lines[end].clone()].trim_ascii();
                if !is_piece(u) || u.len() > t.len() {
                    break;
                }
                end += 1;
                if u.len() < t.len() {
                    break;
                }
            }
            if end - i >= 2 {
                let mut j = Joined::default();
                for l in &lines[i..end] {
                    let u = data[l.clone()].trim_ascii();
                    let at = u.as_ptr() as usize - data.as_ptr() as usize;
                    j.copy(data, at..at + u.len());
                }
                if j.text.len() <= MAX_FOLDED {
                    out.push(j.finish(0, lines[end - 1].end));
                }
                i = end;
                continue;
            }
        }
        i += 1;
    }
}

/// String literals continued on the next line: `"abc" +` / `"abc" \` / `"abc" .` / `"abc" &`
/// then `"def"` (Java, JS, C#, Go, Python, Ruby, PHP, VB), Python's adjacent literals, and a
/// YAML double-quoted scalar whose line ends in an escaped line break (`"abc\`). The view is the
/// first line up to the opening quote, the literals' contents joined, and the closing quote.
fn continued_literals(
    data: &[u8],
    lines: &[Range<usize>],
    marks: &[u8],
    out: &mut Vec<DecodedView>,
) {
    let mut i = 0;
    while i + 1 < lines.len() {
        // [`open_literal_at_end`] wants the line to end in one of these bytes
        if marks[i] & ENDS_OPEN == 0 {
            i += 1;
            continue;
        }
        let line = &data[lines[i].clone()];
        let Some((open, close, q, yaml)) = open_literal_at_end(line) else {
            i += 1;
            continue;
        };
        let base = lines[i].start;
        let (mut j, value_offset) = Joined::opened(data, base, base + open, base + close);
        let mut k = i + 1;
        let mut closing = None;
        while k < lines.len() {
            let l = &data[lines[k].clone()];
            let ind = indent_of(l);
            let lb = lines[k].start + ind;
            let body = &l[ind..];
            if yaml {
                // the scalar goes on after the indentation up to its closing quote
                let end = body.iter().position(|&b| b == b'"');
                let stop = end.unwrap_or(body.len());
                let cont = end.is_none() && body.last() == Some(&b'\\');
                let piece_end = if cont { stop - 1 } else { stop };
                j.copy(data, lb..lb + piece_end);
                k += 1;
                if let Some(e) = end {
                    closing = Some(lb + e);
                    break;
                }
                if !cont {
                    break;
                }
                continue;
            }
            if body.first() != Some(&q) {
                break;
            }
            let Some(e) = body[1..].iter().position(|&b| b == q || b == b'\\') else {
                break;
            };
            if body[1 + e] != q {
                break;
            }
            j.copy(data, lb + 1..lb + 1 + e);
            closing = Some(lb + 1 + e);
            k += 1;
            // does this literal go on again?
            if !continues_after(&body[2 + e..]) {
                break;
            }
        }
        match closing {
            Some(c) if k > i + 1 && j.text.len() <= MAX_FOLDED => {
                j.put(&[q], c);
                out.push(j.finish(value_offset, c + 1));
                i = k;
            }
            _ => i += 1,
        }
    }
}

/// An assignment whose value is a string literal alone on the next line, as formatters break a
/// long one (Prettier: `const JWT_SECRET_KEY =` and then `  'ZjY4…';`; eval/realworld207 dev):
/// the view is the first line, a blank, and the literal with what closes the statement. Only
/// `"` and `'` literals: a line opening with one never starts the folded views afresh
/// ([`folded_sync_line`]), so the view stays within the runs the history scan cuts.
fn assigned_on_next_line(
    data: &[u8],
    lines: &[Range<usize>],
    marks: &[u8],
    out: &mut Vec<DecodedView>,
) {
    for (pair, _) in lines
        .windows(2)
        .zip(marks)
        .filter(|(_, m)| **m & ENDS_ASSIGN != 0)
    {
        let first = data[pair[0].clone()].trim_ascii_end();
        // `=` or `:=` after a name (its last byte a word's, a `]` or a quote), so not `==`,
        // `!=`, `<=`, `>=`, `+=` …
        let Some((&b'=', before)) = first.split_last() else {
            continue;
        };
        let before = before.trim_ascii_end();
        let name_end = before.strip_suffix(b":").unwrap_or(before);
        if !name_end
            .last()
            .is_some_and(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b']' | b'"' | b'\''))
        {
            continue;
        }
        let next = &data[pair[1].clone()];
        let ind = indent_of(next);
        let body = &next[ind..];
        let Some(&q) = body.first().filter(|q| matches!(q, b'"' | b'\'')) else {
            continue;
        };
        let Some(close) = body[1..].iter().position(|&b| b == q || b == b'\\') else {
            continue;
        };
        if body[1 + close] != q || !matches!(body[2 + close..].trim_ascii(), b"" | b";" | b",") {
            continue;
        }
        let start = pair[0].start;
        let mut j = Joined::default();
        j.copy(data, start..start + first.len());
        let lit = pair[1].start + ind;
        j.put(b" ", lit);
        let value_offset = j.text.len();
        let end = pair[1].start + ind + body.trim_ascii_end().len();
        j.copy(data, lit..end);
        if j.text.len() <= MAX_FOLDED {
            out.push(j.finish(value_offset, end));
        }
    }
}

/// A JWT written inside one string literal wrapped over lines, as test fixtures keep long
/// tokens: a line ending in a quote (`` ` ``, `"`, `'`) and `eyJ…` (or in the quote, the next
/// line starting with `eyJ`), lines of the token alone, and a line beginning with the token's
/// last piece and the same quote (okta-auth-js's OIDC test tokens in a template literal joined
/// by `.replace(/\n/g, '')`; eval/realworld204 dev). The view is the first line and the token's
/// lines joined without their line breaks, with the closing quote. The closing line never starts the folded views afresh
/// ([`folded_sync_line`]), so the view stays within the runs the history scan cuts.
fn wrapped_tokens(data: &[u8], lines: &[Range<usize>], out: &mut Vec<DecodedView>) {
    // every view holds a JWT's start: most chunks have none and are passed over at once
    if memchr::memmem::find(data, b"eyJ").is_none() {
        return;
    }
    let mut i = 0;
    while i + 1 < lines.len() {
        let line = &data[lines[i].clone()];
        let next = data[lines[i + 1].clone()].trim_ascii();
        let Some((open, q)) = open_token_at_end(line).or_else(|| {
            // the literal opens at the line's end and the token starts the next line
            let t = line.trim_ascii_end();
            let q = *t.last()?;
            (matches!(q, b'`' | b'"' | b'\'') && next.starts_with(b"eyJ") && is_piece(next))
                .then_some((t.len() - 1, q))
        }) else {
            i += 1;
            continue;
        };
        let base = lines[i].start;
        let (mut j, value_offset) =
            Joined::opened(data, base, base + open, base + line.trim_ascii_end().len());
        let mut k = i + 1;
        let mut closing = None;
        while k < lines.len() && j.text.len() <= MAX_FOLDED {
            let l = &data[lines[k].clone()];
            let at = lines[k].start + indent_of(l);
            let body = &data[at..lines[k].end];
            let t = body.trim_ascii_end();
            k += 1;
            if is_piece(t) {
                j.copy(data, at..at + t.len());
                continue;
            }
            if let Some(n) = closes_wrapped_literal(body).filter(|&n| body[n] == q) {
                j.copy(data, at..at + n + 1);
                closing = Some(at + n + 1);
            }
            break;
        }
        match closing {
            Some(end) if j.text.len() <= MAX_FOLDED => {
                out.push(j.finish(value_offset, end));
                i = k;
            }
            _ => i += 1,
        }
    }
}

/// Where a line's trailing `<quote>eyJ…` opens ([`wrapped_tokens`]): the quote's offset and the
/// quote, when the line ends in a JWT's beginning inside an open literal.
fn open_token_at_end(line: &[u8]) -> Option<(usize, u8)> {
    let t = line.trim_ascii_end();
    // most lines end in something else and are rejected here
    let n = piece_len_back(t);
    if n < 16 {
        return None;
    }
    let start = t.len() - n;
    let q = *t.get(start.checked_sub(1)?)?;
    (matches!(q, b'`' | b'"' | b'\'') && t[start..].starts_with(b"eyJ")).then_some((start - 1, q))
}

/// How many bytes at the start of `s` are of a folded piece's alphabet ([`is_piece`]).
fn piece_len(s: &[u8]) -> usize {
    s.iter().take_while(|&&b| is_piece(&[b])).count()
}

/// How many bytes at the end of `s` are of a folded piece's alphabet ([`is_piece`]).
fn piece_len_back(s: &[u8]) -> usize {
    s.iter().rev().take_while(|&&b| is_piece(&[b])).count()
}

/// A line (after its indentation) that begins with a folded piece right before a quote that
/// no letter or digit follows (not `don't`): the end of a token wrapped in a literal
/// ([`wrapped_tokens`]), so no place to start afresh. The quote's offset.
fn closes_wrapped_literal(body: &[u8]) -> Option<usize> {
    let n = piece_len(body);
    (n > 0
        && matches!(body.get(n), Some(b'`' | b'"' | b'\''))
        && !body.get(n + 1).is_some_and(u8::is_ascii_alphanumeric))
    .then_some(n)
}

/// A line ending in a string literal that goes on: the literal's opening and closing quote
/// offsets, its quote, and whether it is a YAML double-quoted scalar with an escaped line break.
fn open_literal_at_end(line: &[u8]) -> Option<(usize, usize, u8, bool)> {
    let t = line.trim_ascii_end();
    // both kinds end in a quote or in what [`continues_after`] accepts after one (text after
    // the last quote that is not blank ends in its last byte): most lines are rejected here,
    // without looking for the last quote
    if !matches!(t.last(), Some(b'"' | b'\'' | b'+' | b'\\' | b'.' | b'&')) {
        return None;
    }
    // YAML `key: "abc\` with no closing quote
    if t.last() == Some(&b'\\') {
        let quotes: Vec<usize> = t
            .iter()
            .enumerate()
            .filter(|(i, b)| **b == b'"' && (*i == 0 || t[i - 1] != b'\\'))
            .map(|(i, _)| i)
            .collect();
        if quotes.len() == 1 && t[..quotes[0]].trim_ascii_end().ends_with(b":") {
            return Some((quotes[0], t.len() - 1, b'"', true));
        }
    }
    // `"abc" +` and friends, or a bare `"abc"` (Python's adjacent literals)
    let end = t
        .iter()
        .rposition(|b| matches!(b, b'"' | b'\''))
        .filter(|&p| continues_after(&t[p + 1..]))?;
    let q = t[end];
    let open = t[..end].iter().rposition(|&b| b == q)?;
    // not an escaped quote, and something assigned or passed before it
    if open > 0 && t[open - 1] == b'\\' {
        return None;
    }
    let content = &t[open + 1..end];
    (content.len() >= 4 && is_piece(content)).then_some((open, end, q, false))
}

/// What follows a literal says it continues on the next line: nothing, or `+`, `\`, `.`, `&`.
fn continues_after(rest: &[u8]) -> bool {
    matches!(rest.trim_ascii(), b"" | b"+" | b"\\" | b"." | b"&" | b"..")
}

/// Largest binary file given a text view ([`binary_text_view`]); key stores are a few KiB.
pub const MAX_BINARY_VIEW: usize = 1 << 20;

/// A text form of binary content that holds a credential, for the matcher: a key store that
/// holds a key — PKCS#12 (`.p12`, `.pfx`, PKCS#12 Java and .NET stores) or a Java JKS/JCEKS
/// store (`.jks`, `.keystore`) — or a DER private key file (`.der`, `.pk8`, `.key`: PKCS#1,
/// SEC1, PKCS#8; eval/realworld255 dev) becomes its base64, one line, which the key-store and
/// base64-DER key rules read as they read one pasted into a YAML secret. Findings point at line
/// 1 of the file. Other binary content, trust stores of certificates included, has none
/// (skipped as binary).
pub fn binary_text_view(data: &[u8]) -> Option<Vec<u8>> {
    use crate::codec::{der_private_key, java_keystore_holds_key, pkcs12_der_ok, pkcs12_holds_key};
    if data.len() > MAX_BINARY_VIEW {
        return None;
    }
    let pkcs12 = || pkcs12_der_ok(data) && pkcs12_holds_key(data) != Some(false);
    let java = || java_keystore_holds_key(data) == Some(true);
    (pkcs12() || java() || der_private_key(data))
        .then(|| crate::codec::b64_encode(data).into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folded_views_of_a_run_between_sync_lines_do_not_depend_on_its_surroundings() {
        let b64 = "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2";
        let kinds: [&str; 21] = [
            "config: |",
            "  key: >-",
            &b64[..60],
            &b64[..64],
            "  c2VjcmV0LXZhbHVlLTEyMzQ1Njc4OTA=",
            "    YWJjZGVmZ2hpamtsbW5vcA",
            "x = \"abcdefgh\" +",
            "    \"ijklmnop\"",
            "msg: \"abc def\\",
            "  ghi jkl\"",
            "",
            "let a = 1; // code",
            "token: abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGH",
            "\\",
            "const SECRET_KEY =",
            "  'c2VjcmV0LXZhbHVlLTEyMzQ1Njc4OTA=';",
            "t.id = `eyJhbGciOiJIUzI1NiJ9.eyJzdWIi",
            "dGVzdCJ9.c2lnbmF0dXJl`.replace(/\\n/g, '');",
            "  \"eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9",
            "t.at = `",
            "eyJhbGciOiJIUzI1NiJ9.eyJzdWIi",
        ];
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        let (mut checked, mut views) = (0, 0);
        for _ in 0..8000 {
            let lines: Vec<&str> = (0..12 + next(20))
                .map(|_| kinds[next(kinds.len())])
                .collect();
            let (a, b) = (1 + next(5), 7 + next(5));
            let prev = |i: usize| (i > 0).then(|| lines[i - 1].as_bytes());
            if !folded_sync_line(prev(a), lines[a].as_bytes())
                || !folded_sync_line(prev(b), lines[b].as_bytes())
            {
                continue;
            }
            checked += 1;
            let text = lines.join("\n") + "\n";
            let r0: usize = lines[..a].iter().map(|l| l.len() + 1).sum();
            let r1: usize = lines[..=b].iter().map(|l| l.len() + 1).sum();
            let last = r1 - lines[b].len() - 1;
            let mut inside: Vec<Vec<u8>> = Vec::new();
            for v in folded_views(text.as_bytes()) {
                let e = &v.encoded;
                if e.end <= r0 || e.start >= r1 {
                    continue;
                }
                if e.start >= r0 && e.end <= r1 {
                    inside.push(v.text);
                } else {
                    // only a value starting on the run's last line reaches out of it
                    assert!(e.start >= last && e.start < r1, "{text:?} {a} {b} {e:?}");
                }
            }
            let mut alone: Vec<Vec<u8>> = folded_views(&text.as_bytes()[r0..r1])
                .into_iter()
                .map(|v| v.text)
                .collect();
            inside.sort();
            alone.sort();
            assert_eq!(inside, alone, "{text:?} {a} {b}");
            views += inside.len();
        }
        assert!(checked > 500 && views > 500, "{checked} {views}");
    }
    use crate::decode::testutil::random;

    /// A JWT wrapped over the lines of one template literal is joined into one view, with the
    /// closing quote; a wrapped literal never closed, or closed by another quote, gives none.
    #[test]
    fn jwt_wrapped_in_a_literal_is_joined() {
        let text = "tokens.id =\n`eyJhbGciOiJIUzI1NiJ9.eyJzd\nWIiOiIxMjM0In0.c2lnbmF0dXJlc2lnbmF0dXJl\nc2lnbmF0dXJl`.replace(/\\n/g, '');\n";
        let views: Vec<_> = folded_views(text.as_bytes())
            .into_iter()
            .filter(|v| v.text.starts_with(b"`eyJ"))
            .collect();
        assert_eq!(views.len(), 1);
        let v = &views[0];
        assert_eq!(
            &v.text[v.value_offset..],
            b"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJlc2lnbmF0dXJlc2lnbmF0dXJl`"
        );
        // every byte maps back to the same byte of the text
        for (i, &b) in v.text.iter().enumerate() {
            assert_eq!(text.as_bytes()[v.map[i]], b);
        }
        // the literal opens at the end of the line before the token
        let text = "tokens.at = `\neyJhbGciOiJIUzI1NiJ9.eyJzd\nWIiOiIxMjM0In0.c2lnbmF0dXJl`;\n";
        let views = wrapped_views(text);
        assert_eq!(views.len(), 1, "{text}");
        assert_eq!(
            &views[0].text[views[0].value_offset..],
            b"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJl`"
        );
        for unclosed in [
            "x = `eyJhbGciOiJIUzI1NiJ9.eyJzd\nWIiOiIxMjM0In0\nfoo bar\n",
            "x = `eyJhbGciOiJIUzI1NiJ9.eyJzd\nWIiOiIxMjM0In0'\n",
            "x = eyJhbGciOiJIUzI1NiJ9.eyJzd\nWIiOiIxMjM0In0\n",
        ] {
            assert!(
                folded_views(unclosed.as_bytes())
                    .iter()
                    .all(|v| !v.text.contains(&b'`') || !v.text.ends_with(b"0`")),
                "{unclosed}"
            );
            assert!(wrapped_views(unclosed).is_empty(), "{unclosed}");
        }
    }

    fn wrapped_views(text: &str) -> Vec<DecodedView> {
        let lines = line_ranges(text.as_bytes());
        let mut out = Vec::new();
        wrapped_tokens(text.as_bytes(), &lines, &mut out);
        out
    }

    /// The SIMD classification of a full block gives, for every byte value, what the byte table
    /// gives.
    #[test]
    fn simd_block_masks_agree_with_the_byte_table() {
        let all: Vec<u8> = (0..=255u8).collect();
        for rot in [0, 1, 7, 63] {
            let mut bytes = all.clone();
            bytes.rotate_left(rot);
            for block in bytes.chunks_exact(64) {
                let simd = BlockMasks::of_block(block.try_into().unwrap());
                let table = BlockMasks::of_tail(block);
                assert_eq!(
                    (simd.b64, simd.not_wordy, simd.not_hex, simd.pad),
                    (table.b64, table.not_wordy, table.not_hex, table.pad),
                    "{block:?}"
                );
            }
        }
    }

    /// Every maximal base64 run of at least [`MIN_B64`] bytes that may decode (padded, or with a
    /// non-wordy and a non-hex byte) is reported once, with its bytes' class, wherever block
    /// edges cut it, and nothing else is reported but such runs that never decode (checked
    /// against a byte-by-byte walk).
    #[test]
    fn long_runs_reports_every_run_that_may_decode_with_its_class_across_block_edges() {
        let mut rng = crate::testutil::rng(0x2545_f491_4f6c_dd1d);
        let mut next = |n: usize| rng(n as u64) as usize;
        let alphabets: [&[u8]; 6] = [
            b"abcdefghijklmnopqrstuvwxyz_-",
            b"0123456789abcdef",
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
            b" \n\t.,;:\"'=(){}",
            b"\xff\x00\x80@[`{",
            b"==",
        ];
        let (mut runs, mut skipped) = (0, 0);
        for _ in 0..3000 {
            let mut data = Vec::new();
            let len = next(300);
            while data.len() < len {
                let a = alphabets[next(alphabets.len())];
                for _ in 0..1 + next(80) {
                    data.push(a[next(a.len())]);
                }
            }
            let mut got = Vec::new();
            long_runs(&data, |s, e, c| got.push((s, e, c)));
            let mut want = Vec::new();
            let mut i = 0;
            while i < data.len() {
                if !B64_BYTE[data[i] as usize] {
                    i += 1;
                    continue;
                }
                let s = i;
                while i < data.len() && B64_BYTE[data[i] as usize] {
                    i += 1;
                }
                if i - s >= MIN_B64 {
                    let class = data[s..i].iter().fold(0, |c, &b| c | B64_CLASS[b as usize]);
                    want.push((s, i, class));
                }
            }
            // every run that may decode is reported; whatever is reported is a long run
            let may_decode = |&(_, e, c): &(usize, usize, u8)| {
                data.get(e) == Some(&b'=') || (c & NOT_WORDY != 0 && c & NOT_HEX != 0)
            };
            let needed: Vec<_> = want.iter().copied().filter(may_decode).collect();
            let reported: Vec<_> = got.iter().copied().filter(may_decode).collect();
            runs += needed.len();
            skipped += want.len() - got.len();
            assert_eq!(reported, needed, "{data:?}");
            assert!(got.iter().all(|r| want.contains(r)), "{data:?}");
        }
        assert!(runs > 2000 && skipped > 200, "{runs} {skipped}");
    }

    /// Regression: a padded run made only of letters is base64 text (the padding says so) and is
    /// decoded; the same run unpadded, and a letters-only or hex-only identifier, are not. The
    /// padding check compared against the index after the padding, so it never held.
    #[test]
    fn padded_letters_only_base64_is_decoded_and_unpadded_identifiers_are_not() {
        // random words whose standard base64 is letters only, ending in `=` or `==`
        use base64::Engine;
        let mut found = 0;
        for seed in 1..20_000u64 {
            let text = random(
                16 + (seed % 8) as usize,
                seed,
                b"abcdefghijklmnopqrstuvwxyz ",
            );
            let enc = base64::engine::general_purpose::STANDARD.encode(text.as_bytes());
            let body = enc.trim_end_matches('=');
            if enc.len() == body.len() || !body.bytes().all(|b| b.is_ascii_alphabetic()) {
                continue;
            }
            found += 1;
            let line = format!("password: \"{enc}\"\n");
            let views = decoded_views(line.as_bytes());
            assert!(
                views
                    .iter()
                    .any(|v| &v.text[v.value_offset..] == text.as_bytes()),
                "padded letters-only {enc:?} not decoded"
            );
            let unpadded = format!("password: \"{body}\"\n");
            assert!(decoded_views(unpadded.as_bytes()).is_empty(), "{body:?}");
        }
        assert!(
            found > 0,
            "no letters-only padded encoding among the lengths tried"
        );
    }

    #[test]
    fn unescapes_json_and_percent_escapes_with_an_exact_map() {
        let d = b"a\n{\"u\": \"amqps:\\/\\/bot:Pw%2Fx@mq\", \"s\": \"a\\u0026b\"}\nplain\n";
        let v: Vec<_> = unescaped_views(d).collect();
        assert_eq!(v.len(), 1, "only the escaped line");
        assert_eq!(
            String::from_utf8_lossy(&v[0].text),
            r#"{"u": "amqps://bot:Pw/x@mq", "s": "a&b"}"#
        );
        let t = &v[0].text;
        let at = t.windows(4).position(|w| w == b"Pw/x").unwrap();
        let orig = v[0].origin(&(at..at + 4));
        assert_eq!(&d[orig], b"Pw%2Fx");
        let amp = t.iter().position(|&b| b == b'&').unwrap();
        assert_eq!(&d[v[0].origin(&(amp..amp + 1))], b"\\u0026");
        // other escapes stay as written; nothing to undo means no view
        assert!(
            unescaped_views(b"printf(\"%d\\n\", x); 100%")
                .next()
                .is_none()
        );
        let v: Vec<_> = unescaped_views(b"C:\\\\/x").collect();
        assert_eq!(v[0].text, b"C:\\\\/x");
    }

    #[test]
    fn a_percent_encoded_pem_block_is_unescaped_with_its_line_breaks() {
        // an Ignition / cloud-init `data:,` URL of a key file
        let d = b"{\"source\": \"data:,-----BEGIN%20RSA%20PRIVATE%20KEY-----%0AMIIE%2Fab%0A-----END%20RSA%20PRIVATE%20KEY-----%0A\"}\n";
        let v: Vec<_> = unescaped_views(d).collect();
        assert_eq!(v.len(), 1);
        let text = String::from_utf8_lossy(&v[0].text);
        assert!(
            text.contains("-----BEGIN RSA PRIVATE KEY-----\nMIIE/ab\n-----END"),
            "{text}"
        );
        let at = text.find("MIIE").unwrap();
        assert_eq!(&d[v[0].origin(&(at - 1..at))], b"%0A");
        // elsewhere `%0A` is a URL's structure and stays escaped
        let v: Vec<_> = unescaped_views(b"GET /q?text=a%0Ab%20c\n").collect();
        assert_eq!(String::from_utf8_lossy(&v[0].text), "GET /q?text=a%0Ab c");
    }

    #[test]
    fn decodes_keyed_base64() {
        let d = b"data:\n  password: cGFzc3dvcmQxMjM0NQ==\n";
        let v = decoded_views(d);
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].text, b"password: password12345");
        assert_eq!(&d[v[0].encoded.clone()], b"cGFzc3dvcmQxMjM0NQ==");
    }

    #[test]
    fn pre_check_agrees_with_exact_decoding() {
        use crate::codec::b64_decode;
        let mut scratch = Vec::new();
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/-_";
        let mut inputs: Vec<Vec<u8>> = Vec::new();
        for i in 0..20_000 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let len = 8 + (seed % 40) as usize;
            let run: Vec<u8> = if i % 2 == 0 {
                // base64 of printable text, in both alphabets and with padding
                let text: Vec<u8> = (0..len)
                    .map(|k| b' ' + ((seed >> (k % 50)) % 95) as u8)
                    .collect();
                use base64::Engine;
                let e = if i % 4 == 0 {
                    base64::engine::general_purpose::STANDARD.encode(&text)
                } else {
                    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&text)
                };
                e.into_bytes()
            } else {
                (0..len)
                    .map(|k| alphabet[((seed >> (k % 58)) % 66) as usize])
                    .collect()
            };
            inputs.push(run);
        }
        let mut kept = 0;
        for run in &inputs {
            let exact = b64_decode(std::str::from_utf8(run).unwrap())
                .is_some_and(|d| d.len() >= 6 && mostly_text(&d));
            if exact {
                kept += 1;
                assert!(
                    decodes_to_text(run, &mut scratch),
                    "{}",
                    String::from_utf8_lossy(run)
                );
                assert_eq!(
                    scratch,
                    b64_decode(std::str::from_utf8(run).unwrap()).unwrap()
                );
            }
        }
        assert!(kept >= 5_000, "{kept}");
    }

    const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    /// The one folded view of `d`, checked: every byte of its text maps to that byte in `d`
    /// (or to the key's colon, for the `: ` a block view puts after its key).
    fn one_view(d: &[u8]) -> DecodedView {
        let v: Vec<_> = folded_views(d)
            .into_iter()
            .filter(|v| v.encoding == Encoding::Folded)
            .collect();
        assert_eq!(v.len(), 1, "{:?}", String::from_utf8_lossy(d));
        let v = v.into_iter().next().unwrap();
        for (i, &b) in v.text.iter().enumerate() {
            assert!(d[v.map[i]] == b || d[v.map[i]] == b':', "byte {i}");
        }
        v
    }

    #[test]
    fn yaml_block_scalars_of_one_token_per_line_are_joined() {
        let (a, b) = (random(30, 1, ALNUM), random(30, 2, ALNUM));
        for ind in ["|", "|-", ">", ">-", "|2"] {
            let d = format!("stringData:\n  api_token: {ind}\n    {a}\n    {b}\n  user: x\n");
            let v = one_view(d.as_bytes());
            assert_eq!(
                String::from_utf8_lossy(&v.text),
                format!("api_token: {a}{b}")
            );
            let at = v.value_offset;
            let orig = v.origin(&(at..v.text.len()));
            assert!(d[orig.clone()].starts_with(&a) && d[orig].ends_with(&b));
        }
        // a plain scalar continued on more indented lines
        let long = random(48, 3, ALNUM);
        let d = format!("data:\n  secret_key: {long}\n    {a}\n");
        let v = one_view(d.as_bytes());
        assert_eq!(
            String::from_utf8_lossy(&v.text),
            format!("secret_key: {long}{a}")
        );
        // prose and scripts are not folded
        let d = "script: |\n  echo hello world\n  make test\n";
        assert!(folded_views(d.as_bytes()).is_empty());
    }

    #[test]
    fn yaml_double_quoted_scalars_with_escaped_line_breaks_are_joined() {
        let (a, b) = (random(12, 4, ALNUM), random(10, 5, ALNUM));
        let d = format!("db:\n  password: \"{a}\\\n    {b}\"\n");
        let v = one_view(d.as_bytes());
        assert_eq!(
            String::from_utf8_lossy(&v.text),
            format!("  password: \"{a}{b}\"")
        );
    }

    #[test]
    fn string_literals_concatenated_across_lines_are_joined() {
        let (a, b, c) = (
            random(20, 6, ALNUM),
            random(20, 7, ALNUM),
            random(8, 8, ALNUM),
        );
        for (first, then) in [
            (
                format!("String apiToken = \"{a}\" +"),
                format!("        \"{b}\";"),
            ),
            (format!("config.secret_key = '{a}' \\"), format!("  '{b}'")),
            (format!("TOKEN = (\"{a}\""), format!("         \"{b}\")")),
            (format!("$token = '{a}' ."), format!("    '{b}';")),
        ] {
            let d = format!("{first}\n{then}\n");
            let v = one_view(d.as_bytes());
            let text = String::from_utf8_lossy(&v.text).into_owned();
            assert!(text.contains(&format!("{a}{b}")), "{text}");
            let at = text.find(&a).unwrap();
            let orig = v.origin(&(at..at + a.len() + b.len()));
            assert!(d[orig.clone()].starts_with(&a) && d[orig].ends_with(&b));
        }
        // three pieces
        let d = format!("k = \"{a}\" +\n  \"{b}\" +\n  \"{c}\"\n");
        let v = one_view(d.as_bytes());
        assert_eq!(
            String::from_utf8_lossy(&v.text),
            format!("k = \"{a}{b}{c}\"")
        );
        // lists of literals are not concatenations
        let d = format!("xs = [\n  \"{a}\",\n  \"{b}\",\n]\n");
        assert!(folded_views(d.as_bytes()).is_empty());
    }

    #[test]
    fn base64_wrapped_at_76_columns_is_joined_and_decoded() {
        use base64::Engine as _;
        let pw = random(20, 9, ALNUM);
        let text = format!(
            "#cloud-config\nchpasswd:\n  list: |\n    ubuntu:x\npassword: {pw}\nruncmd:\n  - echo done\n"
        );
        let b64 = base64::engine::general_purpose::STANDARD.encode(&text);
        let wrapped: Vec<&str> = b64
            .as_bytes()
            .chunks(76)
            .map(|c| std::str::from_utf8(c).unwrap())
            .collect();
        assert!(wrapped.len() >= 2);
        let d = format!("user_data: |\n  {}\n", wrapped.join("\n  "));
        let views = folded_views(d.as_bytes());
        let decoded: Vec<_> = views
            .iter()
            .filter(|v| v.encoding == Encoding::Base64)
            .collect();
        assert_eq!(decoded.len(), 1);
        assert!(String::from_utf8_lossy(&decoded[0].text).contains(&format!("password: {pw}")));
        // reported over the whole wrapped block
        let enc = &d[decoded[0].encoded.clone()];
        assert!(enc.starts_with(wrapped[0]) && enc.ends_with(wrapped[wrapped.len() - 1]));
        // bare, without a key
        let d = format!("{}\n", wrapped.join("\n"));
        assert_eq!(
            folded_views(d.as_bytes())
                .iter()
                .filter(|v| v.encoding == Encoding::Base64)
                .count(),
            1
        );
    }

    #[test]
    fn skips_binary_and_hex() {
        assert!(decoded_views(b"x = 3efffaad777f5bcd489f4af676e26d87821eb7e4").is_empty());
        assert!(decoded_views(b"img: iVBORw0KGgoAAAANSUhEUgAAAA0AAAAQCAIAAABCwWJu").is_empty());
    }

    /// The run search as first written (byte by byte), to check the faster one against.
    fn reference_runs(data: &[u8]) -> Vec<Range<usize>> {
        let slow_b64 = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'-' | b'_');
        let mut out = Vec::new();
        let (mut i, n) = (0, data.len());
        while i < n {
            if !slow_b64(data[i]) || (i > 0 && (slow_b64(data[i - 1]) || data[i - 1] == b'.')) {
                i += 1;
                continue;
            }
            let start = i;
            while i < n && slow_b64(data[i]) {
                i += 1;
            }
            let mut end = i;
            while end < n && end - i < 2 && data[end] == b'=' {
                end += 1;
            }
            i = end.max(start + 1);
            let len = end - start;
            if !(MIN_RUN..=MAX_RUN).contains(&len) || (end < n && data[end] == b'.') {
                continue;
            }
            let run = &data[start..end];
            if run
                .iter()
                .all(|b| b.is_ascii_alphabetic() || *b == b'_' || *b == b'-')
                || run.iter().all(|b| b.is_ascii_hexdigit())
            {
                continue;
            }
            let decoded = std::str::from_utf8(run)
                .ok()
                .and_then(crate::codec::b64_decode);
            if decoded.is_some_and(|d| d.len() >= 6 && mostly_text(&d)) {
                out.push(start..end);
            }
        }
        out
    }

    /// [`open_literal_at_end`] as first written (without the check of the last byte).
    fn reference_open_literal(line: &[u8]) -> Option<(usize, usize, u8, bool)> {
        let t = line.trim_ascii_end();
        if t.last() == Some(&b'\\') {
            let quotes: Vec<usize> = t
                .iter()
                .enumerate()
                .filter(|(i, b)| **b == b'"' && (*i == 0 || t[i - 1] != b'\\'))
                .map(|(i, _)| i)
                .collect();
            if quotes.len() == 1 && t[..quotes[0]].trim_ascii_end().ends_with(b":") {
                return Some((quotes[0], t.len() - 1, b'"', true));
            }
        }
        let end = t
            .iter()
            .rposition(|b| matches!(b, b'"' | b'\''))
            .filter(|&p| continues_after(&t[p + 1..]))?;
        let q = t[end];
        let open = t[..end].iter().rposition(|&b| b == q)?;
        if open > 0 && t[open - 1] == b'\\' {
            return None;
        }
        let content = &t[open + 1..end];
        (content.len() >= 4 && is_piece(content)).then_some((open, end, q, false))
    }

    #[test]
    fn open_literal_check_agrees_with_the_first_one() {
        let pieces: [&[u8]; 16] = [
            b"\"",
            b"'",
            b"+",
            b"\\",
            b".",
            b"\"abcdef\"",
            b"&",
            b" ",
            b"'abcd'",
            b"key: ",
            b"abcdef",
            b"x = ",
            b"\"ab",
            b"ab",
            b";",
            b"\r",
        ];
        let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
        let mut some = 0;
        for _ in 0..20000 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let mut line = Vec::new();
            for _ in 0..(seed % 9) {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                line.extend_from_slice(pieces[(seed % 16) as usize]);
            }
            let want = reference_open_literal(&line);
            some += usize::from(want.is_some());
            assert_eq!(
                open_literal_at_end(&line),
                want,
                "{:?}",
                String::from_utf8_lossy(&line)
            );
        }
        assert!(some > 500, "{some}");
    }

    /// Passing over lines not followed by a one-token line finds every YAML block and wrapped
    /// base64 value that parsing every line finds.
    #[test]
    fn quick_yaml_block_search_finds_what_the_full_one_finds() {
        let kinds = [
            "key: |\n",
            "  token: >-\n",
            "- secret: aGVsbG8gd29ybGQgdGhpcyBpcyBhIGxvbmcgYmFzZTY0IHZhbHVlIG9mIHRleHQ=\n",
            "    QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2\n",
            "    d3h5ejAxMjM0NTY3ODk=\n",
            "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAxMjM0\n",
            "NTY3ODkrLw==\n",
            "plain words here\n",
            "\n",
            "  - item\n",
            "\"quoted\": x\n",
            "onetoken\n",
        ];
        let mut next = crate::testutil::rng(11);
        let mut found = 0;
        for _ in 0..3000 {
            let mut text = String::new();
            for _ in 0..next(14) {
                text += kinds[next(kinds.len() as u64) as usize];
            }
            let data = text.as_bytes();
            let lines = line_ranges(data);
            let marks = line_marks(data, &lines);
            let (mut quick, mut full) = (Vec::new(), Vec::new());
            yaml_blocks(data, &lines, &marks, &mut quick, true);
            yaml_blocks(data, &lines, &marks, &mut full, false);
            let key = |v: &Vec<DecodedView>| {
                v.iter()
                    .map(|d| (d.encoded.clone(), d.text.clone(), d.value_offset))
                    .collect::<Vec<_>>()
            };
            assert_eq!(key(&quick), key(&full), "{text:?}");
            found += full.len();
        }
        assert!(found > 500, "{found}");
    }

    #[test]
    fn run_search_agrees_with_the_byte_by_byte_one() {
        use base64::Engine;
        let pieces: Vec<Vec<u8>> = vec![
            base64::engine::general_purpose::STANDARD
                .encode("password: hunter2hunter2")
                .into(),
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .encode("user:pa55w0rd!")
                .into(),
            b"cGFzc3dvcmQ=".to_vec(),
            b".".to_vec(),
            b"=".to_vec(),
            b"==".to_vec(),
            b" ".to_vec(),
            b"\n".to_vec(),
            b"key: ".to_vec(),
            b"abc".to_vec(),
            b"\xc3\xa9".to_vec(),
            // hex-only and letters-only runs (skipped unless padded), digits
            b"0123456789abcdef".to_vec(),
            b"deadBEEF".to_vec(),
            b"some_identifier-name".to_vec(),
            b"42".to_vec(),
            b"/+".to_vec(),
            // runs longer than a block, and runs of 9 to 11 bytes (the shortest looked at)
            base64::engine::general_purpose::STANDARD
                .encode("user: admin\npassword: a much longer secret that spans blocks, 1234567")
                .into(),
            b"aGVsbG8h".to_vec(),
            b"YWJjZGVm".to_vec(),
            b"Zm9vYmFy0".to_vec(),
        ];
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut found = 0;
        for round in 0..8000 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let mut data = Vec::new();
            // short texts, and long ones whose runs cross the search's 64-byte blocks
            let pieces_n = if round % 2 == 0 { seed % 12 } else { seed % 60 };
            for _ in 0..pieces_n {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                data.extend_from_slice(&pieces[(seed % pieces.len() as u64) as usize]);
                if seed & 0x100 != 0 {
                    data.push(b' ');
                }
            }
            let want = reference_runs(&data);
            found += want.len();
            let got: Vec<_> = decoded_views(&data)
                .into_iter()
                .map(|v| v.encoded)
                .collect();
            assert_eq!(got, want, "{:?}", String::from_utf8_lossy(&data));
        }
        assert!(found > 2000, "{found}");
    }
}
