//! The delta-aware history scan's check, at the scan layer (it drives the matcher, the decoded
//! views and validation on parts of a chunk): whether a blob stored as a delta of a *quiet*
//! base — no candidate, no match of a whole-chunk rule — is quiet too, by matching only around
//! what the delta changed. [`crate::source::delta`] explains why this gives the whole-blob
//! result.

use std::collections::HashMap;
use std::ops::Range;

use crate::detect::admits;
use crate::expand::{decoded_views, folded_sync_line, folded_views, unescaped_views};
use crate::matcher::Matcher;

/// Longest match, per rule, of the rules run over whole chunks (None: unbounded).
pub struct Bounds(HashMap<usize, Option<usize>>);

impl Bounds {
    /// The bounds of `matcher`'s whole-chunk rules.
    pub fn new(matcher: &Matcher) -> Self {
        let mut m = HashMap::new();
        for (i, r) in matcher.rules().iter().enumerate() {
            if r.spec.multiline || r.spec.keywords.is_empty() {
                m.insert(i, r.regex.max_len());
            }
        }
        Bounds(m)
    }
}

/// The line holding byte `i` of `data`: its start, and its end after the newline.
fn line_at(data: &[u8], i: usize) -> Range<usize> {
    let start = memchr::memrchr(b'\n', &data[..i]).map_or(0, |p| p + 1);
    let end = memchr::memchr(b'\n', &data[i..]).map_or(data.len(), |p| i + p + 1);
    start..end
}

/// The line before the one starting at `start` (which is > 0).
fn line_before(data: &[u8], start: usize) -> Range<usize> {
    line_at(data, start - 1)
}

/// The regions of whole lines to match around the `changed` ranges (see the module comment).
pub fn regions(matcher: &Matcher, data: &[u8], changed: &[Range<usize>]) -> Vec<Range<usize>> {
    let n = data.len();
    let mut out: Vec<Range<usize>> = Vec::new();
    if n == 0 {
        return out;
    }
    for c in changed {
        // the lines of the bytes before and after a join, and of every inserted byte
        let lo = c.start.saturating_sub(1);
        let hi = (c.end + 1).min(n);
        let mut r = line_at(data, lo.min(n - 1)).start..line_at(data, (hi - 1).min(n - 1)).end;
        if let Some(last) = out.last()
            && r.start < last.end
        {
            r.start = last.start;
        }
        for _ in 0..2 {
            if r.start > 0 {
                r.start = line_before(data, r.start).start;
            }
            if r.end < n {
                r.end = line_at(data, r.end).end;
            }
        }
        // edges without keywords, where folded values cannot go on: every keyword window and
        // folded value reaching into the region is inside it
        let edge = |line: Range<usize>| {
            let prev = (line.start > 0).then(|| &data[line_before(data, line.start)]);
            !matcher.has_keyword(&data[line.clone()]) && folded_sync_line(prev, &data[line])
        };
        while r.start > 0 && !edge(line_at(data, r.start)) {
            r.start = line_before(data, r.start).start;
        }
        while r.end < n && !edge(line_before(data, r.end)) {
            r.end = line_at(data, r.end).end;
        }
        match out.last_mut() {
            Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
            _ => out.push(r),
        }
    }
    out
}

/// Whether a delta of a quiet base (`whole`: the rules run over all of the base) is quiet:
/// nothing admitted near what it changed. Returns the bytes matched, or None when it is not quiet or
/// cannot be shown to be.
pub fn quiet_delta(
    matcher: &Matcher,
    data: &[u8],
    changed: &[Range<usize>],
    whole: &[usize],
    bounds: &Bounds,
) -> Option<u64> {
    let mut matched = 0u64;
    for r in regions(matcher, data, changed) {
        matched += r.len() as u64;
        let s = &data[r.clone()];
        let found = matcher.region_matches(data, r)?;
        if found.iter().any(|m| admits(matcher, s, m, 0)) {
            return None;
        }
        let views = decoded_views(s)
            .into_iter()
            .chain(unescaped_views(s))
            .chain(folded_views(s));
        for v in views {
            let found = matcher.find(&v.text);
            if found
                .iter()
                .any(|m| admits(matcher, &v.text, m, v.value_offset))
            {
                return None;
            }
        }
    }
    for &rule in whole {
        let Some(reach) = bounds.0.get(&rule).copied().flatten() else {
            // no bound on its matches: the rule's regex (only it) over the whole blob
            matched += data.len() as u64;
            if matcher.whole_rule_matches(rule, data, 0..data.len()) {
                return None;
            }
            continue;
        };
        let reach = reach.saturating_add(16);
        for c in changed {
            let lo = c.start.saturating_sub(reach);
            let hi = c.end.saturating_add(reach).min(data.len());
            matched += (hi - lo) as u64;
            if matcher.whole_rule_matches(rule, data, lo..hi) {
                return None;
            }
        }
    }
    Some(matched)
}
