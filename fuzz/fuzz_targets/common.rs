//! Shared by the fuzz targets: turn fuzz bytes into a secret, its surrounding text and a commit
//! time, then run one decoder and judge its facts. Any panic is a bug.

use tokenhound::decode::{Context, Decoder};
use tokenhound::hygiene::Policy;

/// 2026-11-01T00:00:00Z
const NOW: i64 = 1_793_491_200;

fn boundary(s: &str, mut i: usize) -> usize {
    i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

pub fn run(decoder: Decoder, data: &[u8]) {
    let (head, body) = match data {
        [a, b, c, rest @ ..] => ([*a, *b, *c], rest),
        _ => ([0, 255, 0], data),
    };
    let text = String::from_utf8_lossy(body);
    let n = text.len();
    // the secret is a slice of the text chosen by the first two bytes (the whole text at 0/255)
    let start = boundary(&text, n * usize::from(head[0]) / 256);
    let end = boundary(&text, start + (n - start) * usize::from(head[1]) / 255).max(start);
    let range = start..end;
    let commit_time = (head[2] & 1 == 1).then(|| NOW - i64::from(head[2]) * 86_400 * 30);
    let ctx = Context {
        text: text.as_bytes(),
        range: &range,
        path: "fuzz",
        commit_time,
        chunk: text.as_bytes(),
        chunk_range: &range,
    };
    let policy = Policy::new(NOW);
    let secret = &text[range.clone()];
    let _ = tokenhound::hygiene::assess(Some(decoder), secret, &ctx, &policy);
    // the whole input as the token, too
    let whole = 0..n;
    let ctx = Context { range: &whole, chunk_range: &whole, ..ctx };
    let _ = tokenhound::hygiene::assess(Some(decoder), &text, &ctx, &policy);
}
