//! A small, approximate keyword automaton that finds the lines which may hold a keyword, so
//! that the exact automaton only runs over those lines.
//!
//! The exact keyword DFA over ~2,000 case-insensitive keywords is several megabytes: walking it
//! byte by byte misses the cache. This filter keeps its table small by reading bytes through a
//! coarser alphabet (letters apart, case folded; all digits alike; the punctuation common in code
//! — `- . _ / : =` and blank — apart; every other keyword byte alike; bytes in no keyword alike)
//! and by keeping only each keyword's first [`MAX_DEPTH`] classes. A line that holds a keyword
//! holds its coarse, truncated form, so the lines found are a superset of the lines with a
//! keyword; the few extra ones cost the exact pass a little. Transitions are premultiplied `u32`, and match
//! states have no row: a line search stops at the first match.

use std::ops::Range;

/// Keyword classes kept: longer keywords are cut (the line is then a candidate whenever the
/// first `MAX_DEPTH` classes occur).
const MAX_DEPTH: usize = 16;

/// Larger keyword sets (a user's, tens of thousands of keywords) go without a filter: a table
/// of more than ~9 MB would miss the cache as the exact DFA does.
const MAX_STATES: usize = 1 << 16;

/// How many parts of a chunk are walked in step.
const LANES: usize = 4;

/// A lane that has finished its part takes half of the longest part left when that part has at
/// least this many bytes left; shorter ones are finished one lane at a time.
const STEAL_MIN: usize = 512;

/// The coarse keyword automaton: a dense table of transitions over byte classes.
pub(super) struct LineFilter {
    /// byte -> class (0: a byte that occurs in no keyword)
    class: [u8; 256],
    /// `table[state + class]`: the next state, premultiplied (a state is its row's offset, the
    /// row holding one entry per class); rows only for the non-match states
    table: Vec<u32>,
    /// the one match state (no row: a line search stops there)
    matching: u32,
    /// the longest keyword's length in bytes
    longest: usize,
}

impl LineFilter {
    /// The filter for `keywords` (ASCII case-insensitive); `None` when a keyword is empty or
    /// holds a newline (lines would not bound matches), or the automaton needs more than
    /// [`MAX_STATES`] states.
    pub(super) fn build(keywords: &[String]) -> Option<LineFilter> {
        if keywords.is_empty()
            || keywords
                .iter()
                .any(|k| k.is_empty() || k.bytes().any(|b| b == b'\n'))
        {
            return None;
        }
        let (class, classes) = byte_classes(keywords);
        let mut coarse: Vec<Vec<u8>> = keywords
            .iter()
            .map(|k| {
                k.bytes()
                    .take(MAX_DEPTH)
                    .map(|b| class[b as usize])
                    .collect()
            })
            .collect();
        coarse.sort_by_key(Vec::len);
        coarse.dedup();

        // the trie; a keyword that extends a shorter one is left out (its line already matches)
        let mut goto: Vec<Vec<u32>> = vec![vec![0; classes]];
        let mut terminal = vec![false];
        'keywords: for k in &coarse {
            let mut s = 0usize;
            for &c in k {
                if terminal[s] {
                    continue 'keywords;
                }
                let next = goto[s][c as usize];
                s = if next != 0 {
                    next as usize
                } else {
                    goto.push(vec![0; classes]);
                    terminal.push(false);
                    let n = goto.len() - 1;
                    goto[s][c as usize] = n as u32;
                    n
                };
            }
            terminal[s] = true;
        }

        // Aho-Corasick: failure links in breadth-first order, then every transition resolved
        let n = goto.len();
        let mut delta = vec![0u32; n * classes];
        let mut fail = vec![0u32; n];
        let mut is_match = terminal.clone();
        let mut queue = std::collections::VecDeque::new();
        for c in 0..classes {
            let v = goto[0][c];
            delta[c] = v;
            if v != 0 {
                queue.push_back(v as usize);
            }
        }
        while let Some(u) = queue.pop_front() {
            let f = fail[u] as usize;
            is_match[u] |= is_match[f];
            for c in 0..classes {
                let v = goto[u][c];
                if v != 0 {
                    fail[v as usize] = delta[f * classes + c];
                    delta[u * classes + c] = v;
                    queue.push_back(v as usize);
                } else {
                    delta[u * classes + c] = delta[f * classes + c];
                }
            }
        }

        // renumber: the non-match states reachable without passing a match, breadth first
        // (the start state first, shallow states together), then one match state
        let mut id = vec![u32::MAX; n];
        let mut order = vec![0usize];
        id[0] = 0;
        let mut i = 0;
        while i < order.len() {
            let u = order[i];
            i += 1;
            for c in 0..classes {
                let v = delta[u * classes + c] as usize;
                if !is_match[v] && id[v] == u32::MAX {
                    id[v] = order.len() as u32;
                    order.push(v);
                }
            }
        }
        if order.len() > MAX_STATES {
            return None;
        }
        let matching = (order.len() * classes) as u32;
        let mut table = Vec::with_capacity(order.len() * classes);
        for &u in &order {
            for c in 0..classes {
                let v = delta[u * classes + c] as usize;
                table.push(if is_match[v] {
                    matching
                } else {
                    id[v] * classes as u32
                });
            }
        }
        Some(LineFilter {
            longest: keywords.iter().map(String::len).max().unwrap_or(0),
            class,
            table,
            matching,
        })
    }

    /// The table's size in bytes.
    #[cfg(test)]
    pub(super) fn table_bytes(&self) -> usize {
        self.table.len() * 4
    }

    #[inline(always)]
    fn next(&self, state: u32, byte: u8) -> u32 {
        self.table[state as usize + self.class[byte as usize] as usize]
    }

    /// Whether `data` may hold a keyword: false only when none occurs in it (a keyword's coarse
    /// form never spans a byte that is in no keyword, such as a newline, so `data` may hold
    /// several lines). One walk over a table small enough for the cache, where the exact DFA's
    /// misses it.
    pub(super) fn may_hold(&self, data: &[u8]) -> bool {
        let mut state = 0u32;
        for &b in data {
            state = self.next(state, b);
            if state == self.matching {
                return true;
            }
        }
        false
    }

    /// The lines of `data` that may hold a keyword — every line that holds one, and a few that
    /// only hold its coarse form — in order, into `lines`, each as the part of the line where
    /// its keyword occurrences lie: from the longest keyword's length before the end of the
    /// first coarse match to the end of the line (without its newline). No keyword occurrence
    /// ends before the first coarse match does, since its coarse form ends no later.
    ///
    /// One walk is bound by the latency of its table reads (each byte's read waits for the
    /// previous byte's); [`LANES`] walks over consecutive parts of `data`, split at line starts,
    /// advance in step so that their reads overlap. A lane that reaches a match skips the rest
    /// of that line. A lane that has finished its part takes over the second half of the
    /// longest part left; returns whether one did (the lines are then sorted at the end).
    pub(super) fn lines(&self, data: &[u8], lines: &mut Vec<Range<usize>>) -> bool {
        let n = data.len();
        // each lane's part starts at a line start
        let mut part = [(0usize, n); LANES];
        for k in 1..LANES {
            let at = (n * k / LANES).max(part[k - 1].0);
            let s = if at == 0 {
                0
            } else {
                memchr::memchr(b'\n', &data[at - 1..]).map_or(n, |p| at + p)
            };
            part[k - 1].1 = s;
            part[k].0 = s;
        }
        let mut pos: [usize; LANES] = std::array::from_fn(|k| part[k].0);
        let mut state = [0u32; LANES];
        let mut found: [Vec<Range<usize>>; LANES] = Default::default();
        let mut stolen = false;
        // the line of lane k's last byte may hold a keyword: record it, go on after it
        let longest = self.longest;
        let hit = |k: usize,
                   part: &[(usize, usize); LANES],
                   pos: &mut [usize; LANES],
                   found: &mut [Vec<Range<usize>>; LANES]| {
            let (lo, hi) = part[k];
            let at = pos[k] - 1;
            let from = (at + 1).saturating_sub(longest).max(lo);
            let line_start = memchr::memrchr(b'\n', &data[from..at]).map_or(from, |p| from + p + 1);
            let line_end = memchr::memchr(b'\n', &data[at..hi]).map_or(hi, |p| at + p);
            found[k].push(line_start..line_end);
            pos[k] = (line_end + 1).min(hi);
        };
        loop {
            // a lane done with its part takes the second half of the longest part left (split
            // at a line start), so that the lanes stay in step to the end
            for k in 0..LANES {
                if pos[k] < part[k].1 {
                    continue;
                }
                let j = (0..LANES)
                    .max_by_key(|&j| part[j].1 - pos[j])
                    .expect("lanes");
                let left = part[j].1 - pos[j];
                if left < STEAL_MIN {
                    break;
                }
                let Some(nl) = memchr::memchr(b'\n', &data[pos[j] + left / 2..part[j].1]) else {
                    continue;
                };
                let at = pos[j] + left / 2 + nl + 1;
                if at >= part[j].1 {
                    continue;
                }
                part[k] = (at, part[j].1);
                part[j].1 = at;
                pos[k] = at;
                state[k] = 0;
                stolen = true;
            }
            let steps = (0..LANES).map(|k| part[k].1 - pos[k]).min().unwrap_or(0);
            if steps == 0 {
                break;
            }
            let bytes: [&[u8]; LANES] = std::array::from_fn(|k| &data[pos[k]..pos[k] + steps]);
            let mut i = 0;
            while i < steps {
                let mut any = false;
                for k in 0..LANES {
                    state[k] = self.next(state[k], bytes[k][i]);
                    any |= state[k] == self.matching;
                }
                i += 1;
                if any {
                    break;
                }
            }
            for k in 0..LANES {
                pos[k] += i;
                if state[k] == self.matching {
                    hit(k, &part, &mut pos, &mut found);
                    state[k] = 0;
                }
            }
        }
        // the lanes left with bytes, one at a time
        for k in 0..LANES {
            while pos[k] < part[k].1 {
                state[k] = self.next(state[k], data[pos[k]]);
                pos[k] += 1;
                if state[k] == self.matching {
                    hit(k, &part, &mut pos, &mut found);
                    state[k] = 0;
                }
            }
        }
        let from = lines.len();
        for f in found {
            lines.extend(f);
        }
        if stolen {
            // a lane's lines are in order, but a lane's later part may lie before another's
            lines[from..].sort_unstable_by_key(|r| r.start);
        }
        stolen
    }
}

/// The coarse alphabet of `keywords`: a class per letter (either case), one for all digits, one
/// per code punctuation byte (`- . _ / : =`, blank), one for the other bytes keywords hold;
/// class 0 for every other byte. Returns the byte map and the number of classes.
fn byte_classes(keywords: &[String]) -> ([u8; 256], usize) {
    let mut held = [false; 256];
    for b in keywords.iter().flat_map(|k| k.bytes()) {
        held[b.to_ascii_lowercase() as usize] = true;
    }
    // bytes of a group share a class; `None`: the byte is in no keyword (a newline never is)
    let group = |b: u8| -> Option<u16> {
        let l = b.to_ascii_lowercase();
        match l {
            b'a'..=b'z' if held[l as usize] => Some(l as u16),
            b'0'..=b'9' if held[b'0' as usize..=b'9' as usize].contains(&true) => Some(256),
            b'-' | b'.' | b'_' | b'/' | b':' | b'=' | b' ' if held[l as usize] => Some(l as u16),
            b'\n' => None,
            _ if held[l as usize] => Some(257),
            _ => None,
        }
    };
    let mut class_of_group = std::collections::HashMap::new();
    let mut class = [0u8; 256];
    for b in 0..=255u8 {
        if let Some(g) = group(b) {
            let next = class_of_group.len() + 1;
            class[b as usize] = *class_of_group.entry(g).or_insert(next) as u8;
        }
    }
    // at most 26 letters + digits + 7 punctuation + other, and class 0
    (class, class_of_group.len() + 1)
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    /// The lines holding a keyword (ASCII case-insensitive), as a plain search finds them.
    pub(in crate::matcher) fn exact_lines(keywords: &[String], data: &[u8]) -> Vec<Range<usize>> {
        let mut v = Vec::new();
        let mut start = 0;
        for line in data.split(|&b| b == b'\n') {
            let lower = line.to_ascii_lowercase();
            if keywords
                .iter()
                .any(|k| lower.windows(k.len()).any(|w| w == k.as_bytes()))
            {
                v.push(start..start + line.len());
            }
            start += line.len() + 1;
        }
        v
    }

    /// Every line with a keyword is a candidate, whatever the coarse alphabet merges: digits,
    /// rare punctuation, non-ASCII bytes, keywords longer than [`MAX_DEPTH`], keywords inside
    /// others; and a line the filter selects holds a keyword's coarse form at least.
    #[test]
    fn the_filter_selects_every_line_with_a_keyword() {
        let keywords: Vec<String> = [
            "$1$",
            "b2_",
            "key",
            "apikey",
            "-h \"",
            "x{}",
            "sk_live_",
            "caf\u{e9}",
            "0x",
            "a_very_long_keyword_past_the_cut",
            "a_very_long_keyword_past_the_cap",
            "://",
            "1000.",
        ]
        .iter()
        .map(|k| k.to_string())
        .collect();
        let filter = LineFilter::build(&keywords).expect("a small keyword set");
        let pieces = [
            "",
            "a",
            "KEY",
            "Api",
            "$",
            "1",
            "7",
            "B2",
            "_",
            "-h",
            " ",
            "\"",
            "'",
            "x",
            "{",
            "}",
            "(",
            "SK_",
            "LIVE",
            "caf",
            "\u{e9}",
            "\u{e8}",
            "0X",
            "a_very_long_keyword_past_the_c",
            "ut",
            "ap",
            "cop",
            ":/",
            "/",
            "\n",
            "\r\n",
            "=",
            ".",
            "1000",
            "#",
            "\t",
        ];
        let mut rng = crate::decode::testutil::Rng(0x9e37_79b9_7f4a_7c15);
        let mut next = |n: usize| (rng.next() % n as u64) as usize;
        let (mut exact_seen, mut extra_seen, mut steals) = (0, 0, 0);
        for round in 0..4200 {
            // long texts let the lanes drift apart, so that one takes over another's part
            let len = [0, 1, 3, 8, 40, 200, 5000][round % 7];
            let text: String = (0..len).map(|_| pieces[next(pieces.len())]).collect();
            let data = text.as_bytes();
            let want = exact_lines(&keywords, data);
            let mut got = Vec::new();
            steals += usize::from(filter.lines(data, &mut got));
            for w in &want {
                // the span of line `w` ends with it and holds every keyword occurrence in it
                let r = got
                    .iter()
                    .find(|r| r.end == w.end && r.start >= w.start)
                    .unwrap_or_else(|| panic!("{text:?}: line {w:?} missed"));
                let lower = data[w.clone()].to_ascii_lowercase();
                for k in &keywords {
                    for (i, win) in lower.windows(k.len()).enumerate() {
                        if win == k.as_bytes() {
                            assert!(w.start + i >= r.start, "{text:?}: {k} before {r:?}");
                        }
                    }
                }
            }
            assert!(got.windows(2).all(|p| p[0].end < p[1].start), "{got:?}");
            // over the whole text (several lines) and over each line, as the lines say
            assert_eq!(filter.may_hold(data), !got.is_empty(), "{text:?}");
            for line in data.split(|&b| b == b'\n') {
                if !exact_lines(&keywords, line).is_empty() {
                    assert!(filter.may_hold(line), "{line:?}");
                }
            }
            exact_seen += want.len();
            extra_seen += got.len() - want.len();
        }
        assert!(exact_seen > 5_000, "{exact_seen}");
        assert!(steals > 100, "{steals}");
        // the coarse alphabet does select lines without a keyword (`$7$`, `b7_`, the cut keyword)
        assert!(extra_seen > 100, "{extra_seen}");
    }

    /// Keywords with a newline, or none, build no filter; the built-in keywords build one whose
    /// table is far smaller than the crate DFA's.
    #[test]
    fn filters_are_built_for_line_keywords_and_stay_small() {
        assert!(LineFilter::build(&[]).is_none());
        assert!(LineFilter::build(&["a\nb".to_string()]).is_none());
        let rules = crate::rules::builtin_rules().unwrap();
        let mut keywords: Vec<String> = rules
            .iter()
            .flat_map(|r| r.spec.keywords.iter().map(|k| k.to_ascii_lowercase()))
            .collect();
        keywords.sort();
        keywords.dedup();
        let filter = LineFilter::build(&keywords).expect("the built-in keywords");
        assert!(filter.table_bytes() < 2 << 20, "{}", filter.table_bytes());
    }
}
