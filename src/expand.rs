//! Between steps 2 and 3: decoded views of a chunk. Base64 values (Kubernetes Secret `data:`,
//! Docker `auth`, kubeconfig `*-data`, environment variables) are decoded when they hold text, and
//! the text is scanned with the key it was assigned to, so `password: <base64>` is judged like
//! `password: <plain>`. Findings in a view are reported at the encoded value's location.

use std::ops::Range;

use crate::validate::b64_decode;

/// Shortest base64 run worth decoding.
const MIN_RUN: usize = 12;
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
}

fn is_b64(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'-' | b'_')
}

/// Find base64 runs in `data` that decode to mostly printable UTF-8 text.
pub fn decoded_views(data: &[u8]) -> Vec<DecodedView> {
    let mut out = Vec::new();
    let mut i = 0;
    let n = data.len();
    while i < n {
        if !is_b64(data[i]) || (i > 0 && (is_b64(data[i - 1]) || data[i - 1] == b'.')) {
            i += 1;
            continue;
        }
        let start = i;
        while i < n && is_b64(data[i]) {
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
        // a run of only letters, or only hex, is an identifier or a digest, not base64 text
        if run
            .iter()
            .all(|b| b.is_ascii_alphabetic() || *b == b'_' || *b == b'-')
            || run.iter().all(|b| b.is_ascii_hexdigit())
        {
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
        });
    }
    out
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
    fn decodes_keyed_base64() {
        let d = b"data:\n  password: cGFzc3dvcmQxMjM0NQ==\n";
        let v = decoded_views(d);
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].text, b"password: password12345");
        assert_eq!(&d[v[0].encoded.clone()], b"cGFzc3dvcmQxMjM0NQ==");
    }

    #[test]
    fn skips_binary_and_hex() {
        assert!(decoded_views(b"x = 3efffaad777f5bcd489f4af676e26d87821eb7e4").is_empty());
        assert!(decoded_views(b"img: iVBORw0KGgoAAAANSUhEUgAAAA0AAAAQCAIAAABCwWJu").is_empty());
    }
}
