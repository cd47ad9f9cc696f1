//! Between steps 2 and 3: decoded views of a chunk. Base64 values (Kubernetes Secret `data:`,
//! Docker `auth`, kubeconfig `*-data`, environment variables) are decoded when they hold text, and
//! the text is scanned with the key it was assigned to, so `password: <base64>` is judged like
//! `password: <plain>`. Findings in a view are reported at the encoded value's location.
//! Lines written with JSON string escapes (`\/`, `\u0026`, `\"`) or URL percent-escapes are
//! scanned unescaped too, with a byte map so findings keep their exact columns.

use std::ops::Range;

use crate::validate::{b64_decode, hex_val};

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
}

impl Encoding {
    /// Name reported in a finding's `encoding` property.
    pub fn as_str(self) -> &'static str {
        match self {
            Encoding::Base64 => "base64",
            Encoding::Escaped => "escaped",
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
/// space.
fn escape_at(rest: &[u8]) -> Option<(u8, usize)> {
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
            matches!(v as u8, b' ' | b'+' | b'/' | b'=').then_some((v as u8, 3))
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
        if pos < next_line || escape_at(&data[pos..]).is_none() {
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
    let mut i = 0;
    while i < line.len() {
        let rest = &line[i..];
        if let Some((c, n)) = escape_at(rest) {
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

/// Bytes of either base64 alphabet, as a table: [`decoded_views`] looks at every byte.
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

fn is_b64(b: u8) -> bool {
    B64_BYTE[b as usize]
}

/// Find base64 runs in `data` that decode to mostly printable UTF-8 text.
pub fn decoded_views(data: &[u8]) -> Vec<DecodedView> {
    let mut out = Vec::new();
    let mut scratch = Vec::new();
    let n = data.len();
    // Runs are maximal and no run holds both bytes `i - 1` and `i`. A run long enough to decode
    // (MIN_B64 base64 bytes or more) that starts at or after `i` holds the byte at `probe`, or
    // starts after it: runs are found by probing every MIN_B64-th byte, not by reading each one.
    let mut i = 0;
    while i + MIN_B64 <= n {
        let probe = i + MIN_B64 - 1;
        if !is_b64(data[probe]) {
            i = probe + 1;
            continue;
        }
        let start = data[i..probe]
            .iter()
            .rposition(|&b| !is_b64(b))
            .map_or(i, |p| i + p + 1);
        i = probe
            + data[probe..]
                .iter()
                .position(|&b| !is_b64(b))
                .unwrap_or(n - probe);
        // too short even with `==`, or after a `.` (a host name, a JWT segment)
        if i - start < MIN_B64 || (start > 0 && data[start - 1] == b'.') {
            continue;
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
        // a run of only letters, or only hex, is an identifier or a digest, not base64 text
        if run
            .iter()
            .all(|b| b.is_ascii_alphabetic() || *b == b'_' || *b == b'-')
            || run.iter().all(|b| b.is_ascii_hexdigit())
        {
            continue;
        }
        // cheap, allocation-free pre-check: most runs (identifiers, binary) decode to bytes
        // that are not text, and are rejected here without building the exact decoding
        if !decodes_to_text(run, &mut scratch) {
            continue;
        }
        let Ok(s) = std::str::from_utf8(run) else {
            continue;
        };
        let Some(decoded) = b64_decode(s) else {
            continue;
        };
        if decoded.len() < 6 || !mostly_text(&decoded) {
            continue;
        }
        let key = preceding_key(data, start);
        let mut text = Vec::with_capacity(decoded.len() + 32);
        if let Some(k) = key {
            text.extend_from_slice(k);
            text.extend_from_slice(b": ");
        }
        let value_offset = text.len();
        text.extend_from_slice(&decoded);
        out.push(DecodedView {
            encoded: start..end,
            text,
            value_offset,
            encoding: Encoding::Base64,
            map: Vec::new(),
        });
    }
    out
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
fn preceding_key(data: &[u8], pos: usize) -> Option<&[u8]> {
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

#[cfg(test)]
mod tests {
    use super::*;

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
    fn decodes_keyed_base64() {
        let d = b"data:\n  password: cGFzc3dvcmQxMjM0NQ==\n";
        let v = decoded_views(d);
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].text, b"password: password12345");
        assert_eq!(&d[v[0].encoded.clone()], b"cGFzc3dvcmQxMjM0NQ==");
    }

    #[test]
    fn pre_check_agrees_with_exact_decoding() {
        use crate::validate::b64_decode;
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
                .and_then(crate::validate::b64_decode);
            if decoded.is_some_and(|d| d.len() >= 6 && mostly_text(&d)) {
                out.push(start..end);
            }
        }
        out
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
        ];
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut found = 0;
        for _ in 0..5000 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let mut data = Vec::new();
            for _ in 0..(seed % 12) {
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
