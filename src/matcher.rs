//! Pipeline step 3: one Aho-Corasick automaton over every rule's keywords decides which rules run
//! on a chunk; each candidate rule's regex then runs only on the lines around its keyword hits
//! (or the whole chunk for multi-line rules), and yields the secret's byte range.

use std::ops::Range;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};

use crate::rules::Rule;

/// A regex match of one rule, before validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawMatch {
    /// Index of the rule in the matcher's rule list.
    pub rule: usize,
    /// Byte range of the secret in the chunk.
    pub secret: Range<usize>,
    /// Byte range of the whole regex match.
    pub whole: Range<usize>,
}

/// The longest stretch of a line, on each side of a keyword hit, that a regex sees.
const WINDOW_CAP: usize = 4096;

/// Compiled keyword prefilter plus the rules it guards.
pub struct Matcher {
    rules: Vec<Rule>,
    automaton: Option<AhoCorasick>,
    /// keyword pattern id -> rules that list it
    keyword_rules: Vec<Vec<usize>>,
    /// rules without keywords: run on every chunk
    always: Vec<usize>,
}

impl Matcher {
    /// Build the prefilter for `rules`.
    pub fn new(rules: Vec<Rule>) -> anyhow::Result<Self> {
        let mut keywords: Vec<String> = Vec::new();
        let mut keyword_rules: Vec<Vec<usize>> = Vec::new();
        let mut always = Vec::new();
        for (i, r) in rules.iter().enumerate() {
            if r.spec.keywords.is_empty() {
                always.push(i);
            }
            for k in &r.spec.keywords {
                let k = k.to_ascii_lowercase();
                match keywords.iter().position(|x| *x == k) {
                    Some(p) => keyword_rules[p].push(i),
                    None => {
                        keywords.push(k);
                        keyword_rules.push(vec![i]);
                    }
                }
            }
        }
        let automaton = if keywords.is_empty() {
            None
        } else {
            Some(
                AhoCorasickBuilder::new()
                    .ascii_case_insensitive(true)
                    .match_kind(MatchKind::Standard)
                    .build(&keywords)?,
            )
        };
        Ok(Matcher {
            rules,
            automaton,
            keyword_rules,
            always,
        })
    }

    /// The rules, in matcher order.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// All regex matches of candidate rules in `data`, sorted by position.
    pub fn find(&self, data: &[u8]) -> Vec<RawMatch> {
        // per rule: the keyword hit offsets
        let mut hits: Vec<Vec<usize>> = vec![Vec::new(); self.rules.len()];
        if let Some(ac) = &self.automaton {
            for m in ac.find_overlapping_iter(data) {
                for &r in &self.keyword_rules[m.pattern().as_usize()] {
                    let h = &mut hits[r];
                    if h.last() != Some(&m.start()) {
                        h.push(m.start());
                    }
                }
            }
        }
        let mut out = Vec::new();
        for &r in &self.always {
            self.run_rule(r, data, 0..data.len(), &mut out);
        }
        for (r, offsets) in hits.iter().enumerate() {
            if offsets.is_empty() {
                continue;
            }
            if self.rules[r].spec.multiline {
                self.run_rule(r, data, 0..data.len(), &mut out);
                continue;
            }
            let mut windows: Vec<Range<usize>> = Vec::new();
            for &off in offsets {
                let w = line_window(data, off);
                match windows.last_mut() {
                    Some(last) if w.start <= last.end => last.end = last.end.max(w.end),
                    _ => windows.push(w),
                }
            }
            for w in windows {
                self.run_rule(r, data, w, &mut out);
            }
        }
        out.sort_by_key(|m| (m.secret.start, m.rule));
        out.dedup();
        out
    }

    fn run_rule(&self, r: usize, data: &[u8], window: Range<usize>, out: &mut Vec<RawMatch>) {
        let rule = &self.rules[r];
        let base = window.start;
        let hay = &data[window];
        for caps in rule.regex.captures_iter(hay) {
            let whole = caps.get(0).expect("group 0 always participates");
            let secret = caps.get(rule.secret_group).unwrap_or(whole);
            if secret.is_empty() {
                continue;
            }
            out.push(RawMatch {
                rule: r,
                secret: base + secret.start()..base + secret.end(),
                whole: base + whole.start()..base + whole.end(),
            });
        }
    }
}

/// The line around `off`, capped at [`WINDOW_CAP`] bytes on each side, extended to the next line
/// so that key/value pairs split over two lines still match.
fn line_window(data: &[u8], off: usize) -> Range<usize> {
    let lo = off.saturating_sub(WINDOW_CAP);
    let start = data[lo..off]
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(lo, |p| lo + p + 1);
    let hi = (off + WINDOW_CAP).min(data.len());
    let end = data[off..hi]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(hi, |p| off + p + 1);
    // include the following line too (bounded)
    let hi2 = (end + WINDOW_CAP).min(data.len());
    let end2 = data[end..hi2]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(hi2, |p| end + p);
    start..end2
}
