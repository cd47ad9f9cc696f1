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

/// Lines a region reaches past the changed lines on each side, before it is widened to edge
/// lines. One is enough: a keyword window touching a changed line `c` comes from a run of
/// hits on consecutive lines that includes `c - 1` or `c`, and stops before a line without a
/// keyword, so a region whose first line, before `c`, and last line, after the changed lines,
/// hold no keyword holds every such window whole (`Matcher::find`'s windows span a hit's line
/// and the next; a hit on the line before the first reaches only into the first). Folded
/// values cannot go on through the edge lines either. (Two lines were used at first, 30 % more
/// bytes matched on git/git.)
pub const WIDEN_LINES: usize = 1;

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
///
/// Each changed range's lines, [`WIDEN_LINES`] more lines each way, then line by line until an
/// edge line; regions that touch are merged. A delta has many changed ranges (12 million for
/// git/git's 1.4 million regions), mostly close together: a range whose lines and the line after
/// lie in the region before gets that region's end (the walk from there stops at the same edge), and a
/// start that reaches the region before is that region's start, so neither walk is repeated.
pub fn regions(matcher: &Matcher, data: &[u8], changed: &[Range<usize>]) -> Vec<Range<usize>> {
    let n = data.len();
    let mut out: Vec<Range<usize>> = Vec::new();
    if n == 0 {
        return out;
    }
    // edges without keywords, where folded values cannot go on: every keyword window and
    // folded value reaching into the region is inside it (the keyword search is the dearer
    // test: it runs only on lines that pass the other)
    let edge = |line: Range<usize>| {
        let prev = (line.start > 0).then(|| &data[line_before(data, line.start)]);
        folded_sync_line(prev, &data[line.clone()]) && !matcher.has_keyword(&data[line])
    };
    // a changed range whose last byte lies before this offset is covered by the last region
    // with its WIDEN_LINES lines after: passed over without looking for its lines (most ranges
    // are, and each look is a few memchr calls)
    let mut covered_below = 0usize;
    for c in changed {
        // the lines of the bytes before and after a join, and of every inserted byte
        let lo = c.start.saturating_sub(1);
        let hi = (c.end + 1).min(n);
        if hi - 1 < covered_below {
            continue;
        }
        let mut start = line_at(data, lo.min(n - 1)).start;
        let mut end = line_at(data, (hi - 1).min(n - 1)).end;
        for _ in 0..WIDEN_LINES {
            if end < n {
                end = line_at(data, end).end;
            }
        }
        let last_end = out.last().map(|l| l.end);
        if last_end.is_some_and(|e| end <= e) {
            continue;
        }
        // a start at or before the last region's end merges into it
        let merges = |s: usize| last_end.is_some_and(|e| s <= e);
        for _ in 0..WIDEN_LINES {
            if start > 0 && !merges(start) {
                start = line_before(data, start).start;
            }
        }
        while start > 0 && !merges(start) && !edge(line_at(data, start)) {
            start = line_before(data, start).start;
        }
        while end < n && !edge(line_before(data, end)) {
            end = line_at(data, end).end;
        }
        match out.last_mut() {
            Some(last) if start <= last.end => last.end = last.end.max(end),
            _ => out.push(start..end),
        }
        // a range ending on a line with WIDEN_LINES lines after it in the region is covered:
        // one ending before the start of the line WIDEN_LINES - 1 lines before the last one
        // (on long lines, where a delta has many changes, every look walks the whole line)
        let region_end = out.last().map_or(end, |l| l.end);
        let mut line = line_at(data, region_end - 1);
        let mut back = WIDEN_LINES - 1;
        while back > 0 && line.start > 0 {
            line = line_before(data, line.start);
            back -= 1;
        }
        covered_below = line.start;
    }
    out
}

/// Whether a delta of a quiet base (`whole`: the rules run over all of the base) is quiet:
/// nothing admitted near what it changed. Returns the bytes matched and the multi-line rules
/// whose keyword the changes brought in (the whole-chunk rules of the delta are `whole` and
/// these), or None when it is not quiet or cannot be shown to be. It is
/// [`quiet_near_changes`] then [`whole_rules_quiet`].
pub fn quiet_delta(
    matcher: &Matcher,
    data: &[u8],
    changed: &[Range<usize>],
    whole: &[usize],
    bounds: &Bounds,
) -> Option<(u64, Vec<usize>)> {
    let (near, added) = quiet_near_changes(matcher, data, changed)?;
    let far = whole_rules_quiet(matcher, data, changed, whole, bounds)?;
    Some((near + far, added))
}

/// The part of [`quiet_delta`] that needs nothing of the base: no admitted match in the
/// regions around the changes or their decoded views, and no match of a multi-line rule whose
/// keyword the changes bring in (run over the whole blob). Returns the bytes matched and those
/// multi-line rules, or None. The delta reader runs it before it waits for the base's state,
/// which another worker may still be computing.
pub fn quiet_near_changes(
    matcher: &Matcher,
    data: &[u8],
    changed: &[Range<usize>],
) -> Option<(u64, Vec<usize>)> {
    let mut matched = 0u64;
    let mut added: Vec<usize> = Vec::new();
    for r in regions(matcher, data, changed) {
        matched += r.len() as u64;
        let s = &data[r.clone()];
        let (found, multiline) = matcher.region_matches(data, r);
        if found.iter().any(|m| admits(matcher, s, m, 0)) {
            return None;
        }
        // a multi-line rule's keyword: the whole blob's matcher runs it over all of the blob.
        // Even a rule of the base's whole-chunk rules (which may name rules that did not run on
        // the base, whose keyword it lacked: the base may hold a match of it that now counts)
        for rule in multiline {
            if added.contains(&rule) {
                continue;
            }
            matched += data.len() as u64;
            if matcher.whole_rule_matches(rule, data, 0..data.len()) {
                return None;
            }
            added.push(rule);
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
    Some((matched, added))
}

/// The part of [`quiet_delta`] that needs the base's state: no match, near a change, of the
/// rules run over the whole base (`whole`). Returns the bytes matched, or None.
pub fn whole_rules_quiet(
    matcher: &Matcher,
    data: &[u8],
    changed: &[Range<usize>],
    whole: &[usize],
    bounds: &Bounds,
) -> Option<u64> {
    let mut matched = 0u64;
    for &rule in whole {
        let Some(reach) = bounds.0.get(&rule).copied().flatten() else {
            // no bound on its matches: the rule's regex (only it) over the whole blob
            matched += data.len() as u64;
            if matcher.whole_rule_matches(rule, data, 0..data.len()) {
                return None;
            }
            continue;
        };
        // around each change as far as a match reaches, windows that overlap merged (a delta
        // has many changes close together)
        let reach = reach.saturating_add(16);
        let mut window: Option<Range<usize>> = None;
        let windows = changed
            .iter()
            .map(|c| c.start.saturating_sub(reach)..c.end.saturating_add(reach).min(data.len()))
            .chain(std::iter::once(usize::MAX..usize::MAX));
        for w in windows {
            match &mut window {
                Some(last) if w.start <= last.end => last.end = last.end.max(w.end),
                _ => {
                    if let Some(last) = window.replace(w) {
                        matched += last.len() as u64;
                        if matcher.whole_rule_matches(rule, data, last) {
                            return None;
                        }
                    }
                }
            }
        }
    }
    Some(matched)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::builtin_rules;

    /// [`regions`] as first written: every changed range widened on its own, then merged.
    fn regions_one_by_one(m: &Matcher, data: &[u8], changed: &[Range<usize>]) -> Vec<Range<usize>> {
        let n = data.len();
        let mut out: Vec<Range<usize>> = Vec::new();
        if n == 0 {
            return out;
        }
        for c in changed {
            let lo = c.start.saturating_sub(1);
            let hi = (c.end + 1).min(n);
            let mut r = line_at(data, lo.min(n - 1)).start..line_at(data, (hi - 1).min(n - 1)).end;
            if let Some(last) = out.last()
                && r.start < last.end
            {
                r.start = last.start;
            }
            for _ in 0..WIDEN_LINES {
                if r.start > 0 {
                    r.start = line_before(data, r.start).start;
                }
                if r.end < n {
                    r.end = line_at(data, r.end).end;
                }
            }
            let edge = |line: Range<usize>| {
                let prev = (line.start > 0).then(|| &data[line_before(data, line.start)]);
                !m.has_keyword(&data[line.clone()]) && folded_sync_line(prev, &data[line])
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

    #[test]
    fn regions_are_those_of_widening_every_changed_range_on_its_own() {
        let m = Matcher::new(builtin_rules().unwrap()).unwrap();
        // lines with keywords, one-token lines, quoted lines, continued lines, blank lines
        let kinds = [
            "let token = lookup(x);\n",
            "plain words here\n",
            "fi\n",
            "\"a quoted line\"\n",
            "  continued \\\n",
            "\n",
            "password: hunter\n",
            "x = 1 + 2\n",
            "no newline at the end",
        ];
        let mut next = crate::testutil::rng(7);
        for _ in 0..300 {
            let mut text = String::new();
            for _ in 0..next(60) {
                text += kinds[next(kinds.len() as u64 - 1) as usize];
            }
            if next(4) == 0 {
                text += kinds[kinds.len() - 1];
            }
            let data = text.as_bytes();
            let mut changed: Vec<Range<usize>> = Vec::new();
            let mut at = 0;
            while at < data.len() && changed.len() < 12 {
                at += next(40) as usize;
                let len = next(4) as usize;
                if at + len > data.len() {
                    break;
                }
                changed.push(at..at + len);
                at += len + 1;
            }
            assert_eq!(
                regions(&m, data, &changed),
                regions_one_by_one(&m, data, &changed),
                "{text:?} {changed:?}"
            );
        }
    }

    /// The built-in rules' matcher, the index of rule `id` in it, and the matcher's bounds.
    fn builtin_rule(id: &str) -> (Matcher, usize, Bounds) {
        let m = Matcher::new(builtin_rules().unwrap()).unwrap();
        let rule = m.rules().iter().position(|r| r.id() == id).unwrap();
        let bounds = Bounds::new(&m);
        (m, rule, bounds)
    }

    #[test]
    fn a_multi_line_rule_whose_keyword_a_delta_brings_in_runs_over_the_whole_blob() {
        let (m, rule, bounds) = builtin_rule("kubernetes.kubeadm-bootstrap-token");
        // a bounded rule: around a change it looks only as far as its longest match
        assert!(bounds.0[&rule].is_some_and(|n| n < 100));
        let mut base = String::from("join:\n  id: abcdef.0123456789abcdef\n");
        for i in 0..200 {
            base += &format!("line number {i}\n");
        }
        let at = base.len();
        for (line, quiet) in [("run kubeadm join\n", false), ("nothing here\n", true)] {
            let data = base.clone() + line;
            let changed: Vec<Range<usize>> = std::iter::once(at..data.len()).collect();
            // whether or not the base's whole-chunk rules are said to include it (they may
            // name rules that did not run on the base, which then may hold a match)
            for whole in [vec![], vec![rule]] {
                let got = quiet_delta(&m, data.as_bytes(), &changed, &whole, &bounds);
                assert_eq!(got.is_some(), quiet, "{line:?} {whole:?}");
            }
        }
    }

    /// A bounded whole-chunk rule runs once over the merged stretches around a delta's changes
    /// (not once per change), and still sees a match that the changes complete.
    #[test]
    fn a_bounded_whole_chunk_rule_runs_over_merged_windows_around_the_changes() {
        let (m, rule, bounds) = builtin_rule("generic.netrc-password");
        // regression: its regex was unbounded, so every delta of a file saying `machine` ran
        // it over the whole blob
        let reach = bounds.0[&rule].expect("bounded") + 16;
        let mut next = crate::testutil::rng(11);
        let secret: String = (0..20)
            .map(|_| {
                char::from(
                    b"abcdefghkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"[next(53) as usize],
                )
            })
            .collect();
        let mut base = String::from("the machine room\n");
        for i in 0..400 {
            base += &format!("row {i:04} of the table\n");
        }
        // fifty one-byte changes, 40 bytes apart (`row` -> `Row`)
        let changed: Vec<Range<usize>> = (0..50).map(|k| 17 + 40 * k..18 + 40 * k).collect();
        let mut data = base.clone().into_bytes();
        for c in &changed {
            data[c.start] = b'R';
        }
        let (matched, _) = quiet_delta(&m, &data, &changed, &[rule], &bounds).expect("quiet");
        assert!(
            (matched as usize) < 10 * reach,
            "{matched} bytes matched for 50 changes within {reach} bytes of each other"
        );
        // two changes (rows 1 and 2 replaced) that together make a .netrc entry
        let (host, entry) = (
            "machine host.example.org",
            format!("login ci password {secret}"),
        );
        let at = 17 + 22;
        let text = format!("{}{host}\n{entry}\n{}", &base[..at], &base[at + 44..]);
        let changed = vec![
            at..at + host.len(),
            at + host.len() + 1..at + host.len() + 1 + entry.len(),
        ];
        assert!(
            m.find(text.as_bytes()).iter().any(|x| x.rule == rule),
            "{text:.120}"
        );
        assert!(quiet_delta(&m, text.as_bytes(), &changed, &[rule], &bounds).is_none());
    }
}
