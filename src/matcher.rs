//! Pipeline step 3: one Aho-Corasick automaton over every rule's keywords decides which rules run
//! on a chunk; each candidate rule's regex then runs only on the lines around its keyword hits
//! (or the whole chunk for multi-line rules), and yields the secret's byte range.

use std::collections::HashMap;
use std::ops::Range;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering as AtomicOrdering};

use aho_corasick::{
    AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, Input, Match, MatchKind, StartKind,
};

use crate::rules::Rule;

mod line_filter;
use line_filter::LineFilter;

/// A regex match of one rule, before validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawMatch {
    /// Index of the rule in the matcher's rule list.
    pub rule: usize,
    /// Byte range of the secret in the chunk.
    pub secret: Range<usize>,
    /// Byte range of the whole regex match.
    pub whole: Range<usize>,
    /// Byte range of the `key` group (the name a generic value is assigned to), when the rule
    /// has one.
    pub key: Option<Range<usize>>,
}

/// Bytes a matcher searches with its cheap-to-build keyword automaton before it builds the fast
/// one (a DFA takes ~20 ms to build for 2,000 keywords and saves ~1.5 ms per MB searched).
const SMALL_SCAN: usize = 16 << 20;

/// Bytes of whole lines whose keyword hits are gathered at a time (see [`Matcher::find_noting`]).
const HIT_SEGMENT: usize = 4 << 20;

/// The longest stretch of a line, on each side of a keyword hit, that a regex sees.
const WINDOW_CAP: usize = 4096;

/// One of a rule's `[rule.pair]`s, resolved: the partner rule's index and how a value is found.
#[derive(Debug, Clone)]
pub struct Pairing {
    /// Index of the partner rule in the matcher.
    pub partner: usize,
    /// Lines searched before and after the match.
    pub lines: usize,
    /// The shape of a partner value found without the partner rule's regex (the finding's range
    /// then covers both parts); `None`: a partner is a match of the partner rule's regex.
    pub shape: Option<ValueShape>,
    /// A line other than the match's own must hold this word (any case).
    pub line_word: Option<String>,
}

/// A partner value's shape: a maximal run of `alphabet` bytes of exactly `length`.
#[derive(Debug, Clone)]
pub struct ValueShape {
    /// Bytes a partner value consists of.
    pub alphabet: [bool; 256],
    /// Exact length of a partner value.
    pub length: usize,
}

/// A rule that lists a keyword, with the keyword as written when the rule counts it only in
/// that case (`exact_case_keywords`).
type KeywordRule = (usize, Option<Box<[u8]>>);

/// Compiled keyword prefilter plus the rules it guards.
pub struct Matcher {
    rules: Vec<Rule>,
    /// rule index -> its resolved pairings
    pairings: Vec<Vec<Pairing>>,
    /// every distinct keyword, lower case (pattern id = index)
    keywords: Vec<String>,
    /// automata over `keywords`, each built on first use: a contiguous NFA (cheap to build) for
    /// the first [`SMALL_SCAN`] bytes a matcher searches, then a DFA (faster per byte, several
    /// times dearer to build); `None`: no keywords. Both find the same occurrences. A scan of
    /// nothing, or `rules list`, builds neither; a pre-commit scan of a few files, only the NFA.
    nfa: OnceLock<Option<KeywordAutomaton>>,
    dfa: OnceLock<Option<KeywordAutomaton>>,
    /// bytes searched with the automaton so far (all threads)
    searched: AtomicUsize,
    /// [`SMALL_SCAN`] (other values in tests)
    small_scan: usize,
    /// [`HIT_SEGMENT`] (other values in tests)
    hit_segment: usize,
    /// keyword pattern id -> rules that list it, each with the keyword as written when the
    /// rule counts it only in that case (`exact_case_keywords`)
    keyword_rules: Vec<Vec<KeywordRule>>,
    /// rules without keywords: run on every chunk
    always: Vec<usize>,
    /// no keyword holds a newline, so every keyword occurrence lies within one line
    line_keywords: bool,
    /// rules not run on their keyword hits (see [`Matcher::skip_rules_below`]); a paired
    /// rule's partner search still runs them
    skipped: Vec<bool>,
}

impl Matcher {
    /// Build the prefilter for `rules`.
    pub fn new(rules: Vec<Rule>) -> anyhow::Result<Self> {
        let mut keywords: Vec<String> = Vec::new();
        let mut keyword_rules: Vec<Vec<KeywordRule>> = Vec::new();
        let mut index: HashMap<String, usize> = HashMap::new();
        let mut always = Vec::new();
        for (i, r) in rules.iter().enumerate() {
            if r.spec.keywords.is_empty() {
                always.push(i);
            }
            for written in &r.spec.keywords {
                let exact = r
                    .spec
                    .exact_case_keywords
                    .then(|| written.as_bytes().into());
                let k = written.to_ascii_lowercase();
                match index.get(&k) {
                    Some(&p) => keyword_rules[p].push((i, exact)),
                    None => {
                        index.insert(k.clone(), keywords.len());
                        keywords.push(k);
                        keyword_rules.push(vec![(i, exact)]);
                    }
                }
            }
        }
        let line_keywords = keywords.iter().all(|k| !k.contains('\n'));
        let pairings = rules
            .iter()
            .map(|r| {
                r.spec
                    .pair
                    .iter()
                    .map(|p| {
                        let partner = rules
                            .iter()
                            .position(|o| o.id() == p.with && o.id() != r.id())
                            .ok_or_else(|| {
                                anyhow::anyhow!(
                                    "{}: rule `{}` pairs with `{}`, which is not another loaded rule",
                                    r.source,
                                    r.id(),
                                    p.with
                                )
                            })?;
                        let shape = p.byte_set()?.map(|alphabet| ValueShape {
                            alphabet,
                            length: p.length.unwrap_or(0),
                        });
                        Ok(Pairing {
                            partner,
                            lines: p.lines,
                            shape,
                            line_word: p.line_word.clone(),
                        })
                    })
                    .collect::<anyhow::Result<Vec<_>>>()
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        Ok(Matcher {
            rules,
            pairings,
            keywords,
            nfa: OnceLock::new(),
            dfa: OnceLock::new(),
            searched: AtomicUsize::new(0),
            small_scan: SMALL_SCAN,
            hit_segment: HIT_SEGMENT,
            keyword_rules,
            always,
            line_keywords,
            skipped: Vec::new(),
        })
    }

    /// The keyword automaton to search `data` with (the `nfa` field says which), built now if this
    /// is its first use; `None` when there are no keywords or `data` is empty.
    fn automaton(&self, data: &[u8]) -> Option<&KeywordAutomaton> {
        if self.keywords.is_empty() || data.is_empty() {
            return None;
        }
        // once built, the DFA serves every search (without counting: the shared counter's
        // cache line would bounce between the threads on every line a delta scan checks)
        if let Some(dfa) = self.dfa.get() {
            return dfa.as_ref();
        }
        let before = self.searched.fetch_add(data.len(), AtomicOrdering::Relaxed);
        let (cell, small) = if before.saturating_add(data.len()) <= self.small_scan {
            (&self.nfa, true)
        } else {
            (&self.dfa, false)
        };
        cell.get_or_init(|| Some(KeywordAutomaton::build(&self.keywords, small)))
            .as_ref()
    }

    /// Do not run, on their own keyword hits, the rules whose every finding has a confidence
    /// below `min` (rules of `low` precision outside the generic classifier: password hashes,
    /// identifiers that are only reported alone at low confidence). Their findings would be
    /// dropped from the report anyway; as parts of a paired credential they are still found.
    /// Returns how many rules are skipped.
    pub fn skip_rules_below(&mut self, min: crate::finding::Confidence) -> usize {
        use crate::finding::Confidence;
        let low_only =
            |r: &Rule| r.spec.precision == crate::rules::Precision::Low && !r.is_generic();
        self.skipped = self
            .rules
            .iter()
            .map(|r| min > Confidence::Low && low_only(r))
            .collect();
        self.skipped.iter().filter(|s| **s).count()
    }

    /// The resolved `[rule.pair]`s of rule `i`.
    pub fn pairings(&self, i: usize) -> &[Pairing] {
        self.pairings.get(i).map_or(&[], Vec::as_slice)
    }

    /// The rules, in matcher order.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// All regex matches of candidate rules in `data`, sorted by position.
    pub fn find(&self, data: &[u8]) -> Vec<RawMatch> {
        self.find_noting(data, None)
    }

    /// [`Matcher::find`], also adding to `whole` the rules that ran over all of `data` (rules
    /// without keywords, and multi-line rules whose keyword occurs).
    pub fn find_noting(&self, data: &[u8], mut whole: Option<&mut Vec<usize>>) -> Vec<RawMatch> {
        let mut out = Vec::new();
        let mut multiline = Vec::new();
        if let Some(ac) = self.automaton(data) {
            // keyword hits are gathered a segment of whole lines at a time, so that a large
            // chunk dense with keywords holds the (rule, offset) pairs of one segment, not of
            // the whole chunk; each rule's last window stays open into the next segment
            let mut open = Vec::new();
            let mut start = 0;
            while start < data.len() {
                let end = if self.line_keywords {
                    segment_end(data, start, self.hit_segment)
                } else {
                    data.len()
                };
                // (rule, keyword hit offset) pairs: sparse, since most chunks hit few rules
                let mut hits: Vec<(usize, usize)> = Vec::new();
                self.keyword_hits(ac, &data[start..end], &mut hits);
                for hit in &mut hits {
                    hit.1 += start;
                }
                let last = end == data.len();
                self.run_line_windows(data, hits, &mut out, &mut multiline, &mut open, last);
                start = end;
            }
        }
        for &r in &self.always {
            if self.required_found(r, data) {
                self.run_rule(r, data, 0..data.len(), &mut out);
            }
            if let Some(w) = whole.as_deref_mut() {
                w.push(r);
            }
        }
        multiline.sort_unstable();
        multiline.dedup();
        for r in multiline {
            if self.required_found(r, data) {
                self.run_rule(r, data, 0..data.len(), &mut out);
            }
            if let Some(w) = whole.as_deref_mut() {
                w.push(r);
            }
        }
        finish(out)
    }

    /// Whether rule `r`'s `requires` regex, if it has one, matches in `data` (else its own
    /// regex cannot: every match of it holds one).
    fn required_found(&self, r: usize, data: &[u8]) -> bool {
        self.rules[r]
            .requires
            .as_ref()
            .is_none_or(|q| q.get().is_match(data))
    }

    /// Every occurrence of every keyword in `data`, as (rule, offset) for each rule that lists it
    /// (in the case it is written in, for `exact_case_keywords` rules).
    ///
    /// Most lines hold no keyword: one plain (non-overlapping) search finds the next line that
    /// does, and only that line is searched again for all overlapping occurrences (`apikey` and
    /// `key`, say). Since no keyword holds a newline, the plain search reports the first line
    /// with any occurrence, so the result is that of one overlapping pass over all of `data`.
    fn keyword_hits(&self, ac: &KeywordAutomaton, data: &[u8], hits: &mut Vec<(usize, usize)>) {
        let record = |m: Match| {
            for (r, exact) in &self.keyword_rules[m.pattern().as_usize()] {
                if exact.as_deref().is_none_or(|k| &data[m.range()] == k) {
                    hits.push((*r, m.start()));
                }
            }
        };
        if !self.line_keywords {
            return ac.overlapping(data, 0..data.len(), record);
        }
        ac.overlapping_lines(data, &ac.lines(data), record);
    }

    /// Whether any rule could match in `data`: a rule without keywords exists, or some keyword
    /// occurs. When this is false, [`Matcher::find`] returns nothing.
    pub fn may_match(&self, data: &[u8]) -> bool {
        !self.always.is_empty() || self.automaton(data).is_some_and(|ac| ac.is_match(data))
    }

    /// Whether every keyword occurrence lies within one line (no keyword holds a newline).
    pub fn line_keywords(&self) -> bool {
        self.line_keywords
    }

    /// Run each line-window rule of the keyword `hits` (rule, offset) in `data` over the merged
    /// line windows around its hits, into `out`, and add the multi-line rules hit to
    /// `multiline` (not run: the caller decides). Rules skipped by
    /// [`Matcher::skip_rules_below`] do not run.
    ///
    /// The hits may be one segment's of `data` (whole lines, in order): `open` then carries each
    /// rule's last window from the previous segment (sorted by rule), merged with the rule's
    /// first window here when they touch, else run; unless this is the `last` segment, each
    /// rule's last window here is left open for the next one. The windows run are those of one
    /// call over all the hits (a window reaches at most into the line after its hit's).
    fn run_line_windows(
        &self,
        data: &[u8],
        mut hits: Vec<(usize, usize)>,
        out: &mut Vec<RawMatch>,
        multiline: &mut Vec<usize>,
        open: &mut Vec<(usize, Range<usize>)>,
        last: bool,
    ) {
        if !self.skipped.is_empty() {
            hits.retain(|(r, _)| !self.skipped[*r]);
        }
        hits.sort_unstable();
        hits.dedup();
        let mut carried = std::mem::take(open).into_iter().peekable();
        let mut windows: Vec<Range<usize>> = Vec::new();
        for group in hits.chunk_by(|a, b| a.0 == b.0) {
            let r = group[0].0;
            if self.rules[r].spec.multiline {
                multiline.push(r);
                continue;
            }
            windows.clear();
            // earlier rules' open windows touch nothing here: run them
            while let Some((c, w)) = carried.next_if(|(c, _)| *c < r) {
                self.run_rule(c, data, w, out);
            }
            if let Some((_, w)) = carried.next_if(|(c, _)| *c == r) {
                windows.push(w);
            }
            for &(_, off) in group {
                let w = line_window(data, off);
                match windows.last_mut() {
                    Some(last) if w.start <= last.end => last.end = last.end.max(w.end),
                    _ => windows.push(w),
                }
            }
            let keep = if last { None } else { windows.pop() };
            for w in &windows {
                self.run_rule(r, data, w.clone(), out);
            }
            open.extend(keep.map(|w| (r, w)));
        }
        for (c, w) in carried {
            self.run_rule(c, data, w, out);
        }
    }

    /// Whether `line` holds any keyword.
    pub fn has_keyword(&self, line: &[u8]) -> bool {
        self.automaton(line).is_some_and(|ac| ac.is_match(line))
    }

    /// Whether rule `r` runs over whole chunks (it has no keywords, or is multi-line).
    pub fn runs_whole(&self, r: usize) -> bool {
        self.rules[r].spec.multiline || self.rules[r].spec.keywords.is_empty()
    }

    /// The matches of the line-window rules in the whole lines `region` of `data`, searched in
    /// the windows [`Matcher::find`] searches around the keyword hits, computed on the region
    /// alone (offsets in the region), and the multi-line rules whose keyword occurs there (not
    /// run). When the region's first and last lines hold no keyword, these are the windows
    /// `find` searches on all of `data` for the hits in the region. Rules run over whole chunks
    /// are not run (see [`Matcher::whole_rule_matches`]).
    pub fn region_matches(&self, data: &[u8], region: Range<usize>) -> (Vec<RawMatch>, Vec<usize>) {
        let mut out = Vec::new();
        let s = &data[region];
        let Some(ac) = self.automaton(s) else {
            return (out, Vec::new());
        };
        let mut hits: Vec<(usize, usize)> = Vec::new();
        self.keyword_hits(ac, s, &mut hits);
        let mut multiline = Vec::new();
        self.run_line_windows(s, hits, &mut out, &mut multiline, &mut Vec::new(), true);
        (out, multiline)
    }

    /// Whether rule `r`'s regex matches anywhere in `data[range]`.
    pub fn whole_rule_matches(&self, r: usize, data: &[u8], range: Range<usize>) -> bool {
        let hay = &data[range];
        self.required_found(r, hay) && self.rules[r].regex.get().is_match(hay)
    }

    /// Every match of rule `r`'s regex in `data[window]`, into `out`. A value that runs on into
    /// another form field (`password=swordfish&client_secret=…`: a value's alphabet may hold
    /// `&` and `=`) does not hide the fields after it: the search goes on from that `&`.
    fn run_rule(&self, r: usize, data: &[u8], window: Range<usize>, out: &mut Vec<RawMatch>) {
        let rule = &self.rules[r];
        let re = rule.regex.get();
        let base = window.start;
        let hay = &data[window];
        let mut at = 0;
        while at <= hay.len() {
            let Some(caps) = re.captures_at(hay, at) else {
                break;
            };
            let whole = caps.get(0).expect("group 0 always participates");
            // a regex with two orders of the same members names the secret `secret` in one
            // branch and `secret_alt` in the other (group names cannot repeat)
            let secret = caps
                .get(rule.secret_group())
                .or_else(|| caps.name("secret_alt"))
                .unwrap_or(whole);
            at = match next_form_field(&hay[secret.range()]) {
                Some(amp) => secret.start() + amp + 1,
                // an empty match: step past it, as an iterator of matches does
                None if whole.is_empty() => whole.end() + 1,
                None => whole.end(),
            };
            if secret.is_empty() {
                continue;
            }
            out.push(RawMatch {
                rule: r,
                secret: base + secret.start()..base + secret.end(),
                whole: base + whole.start()..base + whole.end(),
                key: caps.name("key").map(|k| base + k.start()..base + k.end()),
            });
        }
    }
}

/// Where, in a value, another form field begins: the `&` of the first `&name=` (a name of
/// letters, digits, `_`, `.`, `-` and `[]`, starting with a letter or `_`).
fn next_form_field(value: &[u8]) -> Option<usize> {
    memchr::memchr_iter(b'&', value).find(|&amp| {
        let name = &value[amp + 1..];
        let len = name
            .iter()
            .take_while(|b| {
                b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-' | b'[' | b']')
            })
            .count();
        len > 0
            && (name[0].is_ascii_alphabetic() || name[0] == b'_')
            && name.get(len) == Some(&b'=')
    })
}

/// Matches sorted by position, duplicates removed.
fn finish(mut out: Vec<RawMatch>) -> Vec<RawMatch> {
    out.sort_by_key(|m| (m.secret.start, m.rule));
    out.dedup();
    out
}

/// Where a segment of `data` that starts at `start` (a line's start) ends: after the newline
/// that ends the line holding byte `start + size`, or at the end of `data`.
fn segment_end(data: &[u8], start: usize, size: usize) -> usize {
    let at = start.saturating_add(size);
    if at >= data.len() {
        return data.len();
    }
    memchr::memchr(b'\n', &data[at..]).map_or(data.len(), |p| at + p + 1)
}

/// The line around `off`, capped at [`WINDOW_CAP`] bytes on each side, extended to the next line
/// so that key/value pairs split over two lines still match.
fn line_window(data: &[u8], off: usize) -> Range<usize> {
    let lo = off.saturating_sub(WINDOW_CAP);
    let start = memchr::memrchr(b'\n', &data[lo..off]).map_or(lo, |p| lo + p + 1);
    let hi = (off + WINDOW_CAP).min(data.len());
    let end = memchr::memchr(b'\n', &data[off..hi]).map_or(hi, |p| off + p + 1);
    // include the following line too (bounded)
    let hi2 = (end + WINDOW_CAP).min(data.len());
    let end2 = memchr::memchr(b'\n', &data[end..hi2]).map_or(hi2, |p| end + p);
    start..end2
}

/// A keyword automaton: the crate's DFA with a [`LineFilter`] that finds the candidate lines
/// for it, or (small scans, or a keyword set too large for a DFA) whatever [`AhoCorasick`]
/// builds. Both are case-insensitive over ASCII, with standard (every occurrence) semantics.
enum KeywordAutomaton {
    Dfa {
        dfa: Box<aho_corasick::dfa::DFA>,
        /// `None` when the keywords need more states than the filter allows
        filter: Option<Box<LineFilter>>,
    },
    Other(AhoCorasick),
}

impl KeywordAutomaton {
    /// The automaton of `keywords`: a contiguous NFA (cheap to build) when `small`, else a DFA.
    fn build(keywords: &[String], small: bool) -> KeywordAutomaton {
        let other = |kind| {
            AhoCorasickBuilder::new()
                .ascii_case_insensitive(true)
                .match_kind(MatchKind::Standard)
                .kind(kind)
                .start_kind(StartKind::Unanchored)
                .build(keywords)
        };
        if !small {
            let dfa = aho_corasick::dfa::DFA::builder()
                .ascii_case_insensitive(true)
                .match_kind(MatchKind::Standard)
                .start_kind(StartKind::Unanchored)
                .prefilter(false)
                .build(keywords);
            if let Ok(dfa) = dfa {
                return KeywordAutomaton::Dfa {
                    dfa: Box::new(dfa),
                    filter: LineFilter::build(keywords).map(Box::new),
                };
            }
        }
        // should a huge user keyword set exceed the DFA's limits: whatever the crate picks
        KeywordAutomaton::Other(
            other(small.then_some(AhoCorasickKind::ContiguousNFA))
                .or_else(|_| other(None))
                .expect("an automaton of a few thousand literals builds"),
        )
    }

    /// Whether a keyword occurs in `data`.
    fn is_match(&self, data: &[u8]) -> bool {
        use aho_corasick::automaton::Automaton;
        match self {
            KeywordAutomaton::Dfa { dfa, filter } => {
                filter.as_ref().is_none_or(|f| f.may_hold(data))
                    && dfa
                        .try_find(&Input::new(data))
                        .expect("an unanchored search of an unanchored DFA")
                        .is_some()
            }
            KeywordAutomaton::Other(ac) => ac.is_match(data),
        }
    }

    /// Every occurrence of every keyword in `data[span]`, overlapping ones included.
    fn overlapping(&self, data: &[u8], span: Range<usize>, mut each: impl FnMut(Match)) {
        use aho_corasick::automaton::{Automaton, OverlappingState};
        let input = Input::new(data).span(span);
        match self {
            KeywordAutomaton::Dfa { dfa, .. } => {
                let mut state = OverlappingState::start();
                loop {
                    dfa.try_find_overlapping(&input, &mut state)
                        .expect("an unanchored search of an unanchored DFA");
                    let Some(m) = state.get_match() else { break };
                    each(m);
                }
            }
            KeywordAutomaton::Other(ac) => ac.find_overlapping_iter(input).for_each(each),
        }
    }

    /// Every occurrence of every keyword in each of `lines` (ranges of `data`), overlapping ones
    /// included: what [`KeywordAutomaton::overlapping`] finds in each line, in no set order.
    ///
    /// One walk through the DFA is bound by the latency of its table reads (each byte's read
    /// waits for the previous byte's, and the table is larger than the cache); four walks, each
    /// over its own lines, advance in step so that their reads overlap (tree scan: the exact
    /// pass over 84 MB of candidate lines took 0.50 s of CPU in one walk, 0.37 s in four).
    fn overlapping_lines(&self, data: &[u8], lines: &[Range<usize>], mut each: impl FnMut(Match)) {
        use aho_corasick::Anchored;
        use aho_corasick::automaton::Automaton;
        let KeywordAutomaton::Dfa { dfa, .. } = self else {
            for line in lines {
                self.overlapping(data, line.clone(), &mut each);
            }
            return;
        };
        let start = dfa
            .start_state(Anchored::No)
            .expect("an unanchored DFA has an unanchored start state");
        if dfa.is_match(start) {
            // an empty keyword matches everywhere: the plain walk reports it
            for line in lines {
                self.overlapping(data, line.clone(), &mut each);
            }
            return;
        }
        // each lane: (next byte, end of its line, state); idle when the two offsets meet
        let mut lanes = [(0usize, 0usize, start); 4];
        let mut next = lines.iter().filter(|l| !l.is_empty());
        let mut report = |sid, at: usize| {
            for i in 0..dfa.match_len(sid) {
                let pattern = dfa.match_pattern(sid, i);
                each(Match::new(pattern, at - dfa.pattern_len(pattern)..at));
            }
        };
        loop {
            for lane in &mut lanes {
                if lane.0 == lane.1
                    && let Some(line) = next.next()
                {
                    *lane = (line.start, line.end, start);
                }
            }
            let steps = lanes.iter().map(|l| l.1 - l.0).min().unwrap_or(0);
            if steps == 0 {
                // fewer lines left than lanes: the busy ones finish one by one
                let Some(lane) = lanes.iter_mut().find(|l| l.0 < l.1) else {
                    return;
                };
                let (at, end, mut sid) = *lane;
                for (i, &b) in data[at..end].iter().enumerate() {
                    sid = dfa.next_state(Anchored::No, sid, b);
                    if dfa.is_special(sid) && dfa.is_match(sid) {
                        report(sid, at + i + 1);
                    }
                }
                *lane = (end, end, sid);
                continue;
            }
            // four walks held in locals: a state kept in memory between bytes would add a
            // store and a load to each walk's chain of reads
            let [
                (mut a0, _, mut s0),
                (mut a1, _, mut s1),
                (mut a2, _, mut s2),
                (mut a3, _, mut s3),
            ] = lanes;
            for _ in 0..steps {
                s0 = dfa.next_state(Anchored::No, s0, data[a0]);
                s1 = dfa.next_state(Anchored::No, s1, data[a1]);
                s2 = dfa.next_state(Anchored::No, s2, data[a2]);
                s3 = dfa.next_state(Anchored::No, s3, data[a3]);
                a0 += 1;
                a1 += 1;
                a2 += 1;
                a3 += 1;
                if dfa.is_special(s0) && dfa.is_match(s0) {
                    report(s0, a0);
                }
                if dfa.is_special(s1) && dfa.is_match(s1) {
                    report(s1, a1);
                }
                if dfa.is_special(s2) && dfa.is_match(s2) {
                    report(s2, a2);
                }
                if dfa.is_special(s3) && dfa.is_match(s3) {
                    report(s3, a3);
                }
            }
            lanes[0] = (a0, lanes[0].1, s0);
            lanes[1] = (a1, lanes[1].1, s1);
            lanes[2] = (a2, lanes[2].1, s2);
            lanes[3] = (a3, lanes[3].1, s3);
        }
    }

    /// When no keyword holds a newline: the lines of `data` (ranges without their newline) that
    /// may hold a keyword, in order — every line that holds one; with the DFA's [`LineFilter`],
    /// also a few lines that only hold a keyword's coarse form (the caller's exact pass over
    /// the lines finds nothing there), each cut to the part that can hold a keyword (see
    /// [`LineFilter::lines`]).
    fn lines(&self, data: &[u8]) -> Vec<Range<usize>> {
        use aho_corasick::automaton::Automaton;
        let mut lines = Vec::new();
        match self {
            KeywordAutomaton::Dfa {
                filter: Some(filter),
                ..
            } => {
                filter.lines(data, &mut lines);
            }
            KeywordAutomaton::Dfa { dfa, filter: None } => plain_lines(data, &mut lines, |i| {
                dfa.try_find(&i)
                    .expect("an unanchored search of an unanchored DFA")
            }),
            KeywordAutomaton::Other(ac) => plain_lines(data, &mut lines, |i| ac.find(i)),
        }
        lines
    }
}

/// The lines of `data` that hold a match of `find` (which finds the first match in its input,
/// never across a newline), in order, as ranges without their newline, into `lines`.
fn plain_lines(
    data: &[u8],
    lines: &mut Vec<Range<usize>>,
    find: impl Fn(Input<'_>) -> Option<Match>,
) {
    // one plain search finds the next line with a keyword: `pos` starts a line, and no line
    // between it and the hit holds one
    let mut pos = 0;
    while pos < data.len() {
        let Some(m) = find(Input::new(data).span(pos..data.len())) else {
            break;
        };
        let line_start = memchr::memrchr(b'\n', &data[pos..m.start()]).map_or(pos, |p| pos + p + 1);
        let line_end = memchr::memchr(b'\n', &data[m.end()..]).map_or(data.len(), |p| m.end() + p);
        lines.push(line_start..line_end);
        pos = line_end + 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::parse_rules;

    /// A rule run over whole chunks with a `requires` regex runs only where that regex matches
    /// (in a chunk, and in the parts of one the delta reader checks); `requires` is refused on
    /// a rule that runs on keyword lines.
    #[test]
    fn a_whole_chunk_rule_runs_only_where_its_requires_regex_matches() {
        let rule = |requires: &str, multiline: bool| {
            format!(
                r#"
[[rule]]
id = 't.block'
family = 'test-block'
name = 'block'
description = 'd'
remediation = 'r'
keywords = ['begin']
regex = '''begin\s+(?P<secret>[a-z]{{8}})\s+end'''
requires = '''{requires}'''
multiline = {multiline}
examples = ['begin abcdefgh end']
"#
            )
        };
        let text = b"begin\nabcdefgh\nend\n";
        let found = |requires: &str| {
            let m = Matcher::new(parse_rules(&rule(requires, true), "test").unwrap()).unwrap();
            let n = m.find(text).len();
            assert_eq!(m.whole_rule_matches(0, text, 0..text.len()), n > 0);
            n
        };
        // a `requires` every match holds: the same finding as without one
        assert_eq!(found("[a-z]{8}\\s+end"), 1);
        // one that does not occur: the rule's regex does not run
        assert_eq!(found("never-here"), 0);
        let err = parse_rules(&rule("end", false), "test").unwrap_err();
        assert!(format!("{err:#}").contains("`requires`"), "{err:#}");
    }

    /// Rules that can only report at low confidence do not run when the report hides it; a
    /// generic rule of low precision (judged by the classifier) still does.
    #[test]
    fn low_only_rules_are_skipped_above_low_confidence() {
        let rules = parse_rules(
            r#"
[[rule]]
id = 't.hash'
family = 'test-hash'
name = 'hash'
description = 'd'
remediation = 'r'
keywords = ['$9$']
regex = '''(?P<secret>\$9\$[a-z]{8})'''
precision = 'low'
examples = ['$9$abcdefgh']
negative_examples = ['$8$abcdefgh']

[[rule]]
id = 't.generic'
family = 'test-generic'
name = 'generic'
description = 'd'
remediation = 'r'
keywords = ['pw=']
regex = '''pw=(?P<secret>[a-z]{8})'''
precision = 'low'
tags = ['generic']
examples = ['pw=abcdefgh']
negative_examples = ['pw=abc']
"#,
            "test",
        )
        .unwrap();
        let text = b"h = $9$abcdefgh\npw=qwertyui\n";
        let ids = |m: &Matcher| -> Vec<String> {
            m.find(text)
                .iter()
                .map(|x| m.rules()[x.rule].id().to_string())
                .collect()
        };
        let mut m = Matcher::new(rules).unwrap();
        assert_eq!(ids(&m), vec!["t.hash", "t.generic"]);
        assert_eq!(m.skip_rules_below(crate::finding::Confidence::Medium), 1);
        assert_eq!(ids(&m), vec!["t.generic"]);
        assert_eq!(m.skip_rules_below(crate::finding::Confidence::Low), 0);
        assert_eq!(ids(&m), vec!["t.hash", "t.generic"]);
    }

    /// A rule with `exact_case_keywords` runs only on its keywords in the case written; another
    /// rule listing the same keyword (any case) still runs on every occurrence.
    #[test]
    fn exact_case_keywords_select_their_rule_only_in_that_case() {
        let re = "(?i)(?P<secret>yc[0-9]{4})";
        let exact = rule("t.exact", "YC", re, "YC1234") + "exact_case_keywords = true\n";
        let rules = parse_rules(&(exact + &rule("t.any", "yc", re, "yc1234")), "test").unwrap();
        let m = Matcher::new(rules).unwrap();
        // keywords pick lines (with the next one): the exact rule's only line is the second
        let text = b"async yc1111\nYC2222\n\nYc3333\n";
        let found: Vec<(String, String)> = m
            .find(text)
            .iter()
            .map(|x| {
                let id = m.rules()[x.rule].id().to_string();
                (
                    id,
                    String::from_utf8_lossy(&text[x.secret.clone()]).into_owned(),
                )
            })
            .collect();
        let of = |id: &str| -> Vec<&str> {
            found
                .iter()
                .filter(|(i, _)| i == id)
                .map(|(_, s)| s.as_str())
                .collect()
        };
        // the regex alone would match all three; the keyword is what holds the exact rule back
        assert_eq!(of("t.exact"), vec!["YC2222"]);
        assert_eq!(of("t.any"), vec!["yc1111", "YC2222", "Yc3333"]);
    }

    #[test]
    fn keywords_that_are_substrings_of_each_other_select_every_rule() {
        let rules = parse_rules(
            r#"
[[rule]]
id = 't.short'
family = 'test-short'
name = 'short'
description = 'd'
remediation = 'r'
keywords = ['abc']
regex = '''(?P<secret>abcd?[0-9]{4})'''
examples = ['abc1234']
negative_examples = ['abd1234']

[[rule]]
id = 't.long'
family = 'test-long'
name = 'long'
description = 'd'
remediation = 'r'
keywords = ['xabcd']
regex = '''(?P<secret>xabcd[0-9]{4})'''
examples = ['xabcd1234']
negative_examples = ['xabce1234']

[[rule]]
id = 't.inner'
family = 'test-inner'
name = 'inner'
description = 'd'
remediation = 'r'
keywords = ['BC']
regex = '''b(?P<secret>cd?[0-9]{4})'''
examples = ['bc1234']
negative_examples = ['bd1234']
"#,
            "test",
        )
        .unwrap();
        let m = Matcher::new(rules).unwrap();
        let data = b"one XABCD1234 two\nxabcd5678\n";
        let found: Vec<(usize, &[u8])> = m
            .find(data)
            .iter()
            .map(|r| (r.rule, &data[r.secret.clone()]))
            .collect();
        // regexes are case-sensitive, keywords are not: only the lower-case line matches all
        assert!(found.contains(&(0, &b"abcd5678"[..])));
        assert!(found.contains(&(1, &b"xabcd5678"[..])));
        assert!(found.contains(&(2, &b"cd5678"[..])));
        assert!(!m.may_match(b"nothing here"));
        assert!(m.may_match(b"..Bc.."));
        assert!(m.find(b"nothing here").is_empty());
    }

    fn rule(id: &str, keyword: &str, regex: &str, example: &str) -> String {
        format!(
            "[[rule]]\nid = '{id}'\nname = 'n'\ndescription = 'd'\nremediation = 'r'\n\
             keywords = ['{keyword}']\nregex = '''{regex}'''\nexamples = ['{example}']\n"
        )
    }

    #[test]
    fn line_by_line_keyword_search_finds_what_one_overlapping_pass_finds() {
        let mut text = String::new();
        for (i, (kw, re)) in [
            ("key", "key[0-9]"),
            ("apikey", "apikey[0-9]"),
            ("ikey9", "(?P<secret>ikey9)"),
            ("k=", "k=[0-9]+"),
            ("y", "y[0-9]"),
            ("=7", "(?s)=7.{0,3}"),
        ]
        .iter()
        .enumerate()
        {
            text += &rule(&format!("t.r{i}"), kw, re, kw);
        }
        let rules = parse_rules(&text, "test").unwrap();
        let lines = Matcher::new(rules.clone()).unwrap();
        // the DFA with its coarse line filter (digits alike: `ikey7` is a candidate, not a hit)
        let mut filtered = Matcher::new(rules.clone()).unwrap();
        filtered.small_scan = 0;
        let mut whole = Matcher::new(rules.clone()).unwrap();
        assert!(lines.line_keywords);
        whole.line_keywords = false;
        // hits gathered a few lines at a time, windows left open across segments
        let segmented = [0, 1, 5].map(|size| {
            let mut m = Matcher::new(rules.clone()).unwrap();
            m.hit_segment = size;
            m
        });
        let pieces: [&[u8]; 9] = [
            b"key", b"apikey", b"Ikey9", b"=", b"\n", b"k", b"y", b"7", b"x",
        ];
        let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
        let mut hits = 0;
        for _ in 0..3000 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let mut data = Vec::new();
            for _ in 0..(seed % 40) {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                data.extend_from_slice(pieces[(seed % 9) as usize]);
            }
            let want = whole.find(&data);
            hits += want.len();
            assert_eq!(
                lines.find(&data),
                want,
                "{:?}",
                String::from_utf8_lossy(&data)
            );
            assert_eq!(
                filtered.find(&data),
                want,
                "{:?}",
                String::from_utf8_lossy(&data)
            );
            for m in &segmented {
                assert_eq!(m.find(&data), want, "{:?}", String::from_utf8_lossy(&data));
            }
        }
        assert!(hits > 3000, "{hits}");
        assert!(matches!(
            filtered.dfa.get(),
            Some(Some(KeywordAutomaton::Dfa {
                filter: Some(_),
                ..
            }))
        ));
    }

    fn keyword_list(keywords: &[&str]) -> Vec<String> {
        keywords.iter().map(|k| k.to_string()).collect()
    }

    /// The exact pass's four walks in step report what one walk over each line reports: lines
    /// of every length (empty ones, lines longer than the others), keywords inside keywords,
    /// and a keyword at a line's last byte.
    #[test]
    fn the_four_lane_walk_finds_what_a_walk_per_line_finds() {
        let keywords = keyword_list(&["key", "apikey", "ikey9", "k=", "y", "=7", "token_"]);
        let ac = KeywordAutomaton::build(&keywords, false);
        assert!(matches!(ac, KeywordAutomaton::Dfa { .. }));
        let pieces: [&[u8]; 10] = [
            b"key", b"apiKEY", b"ikey9", b"=", b"\n", b"k", b"y", b"7", b"x", b"token_",
        ];
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let mut total = 0;
        for _ in 0..500 {
            let mut data = Vec::new();
            for _ in 0..(next() % 200) {
                data.extend_from_slice(pieces[(next() % 10) as usize]);
            }
            let mut lines = Vec::new();
            let mut start = 0;
            for (i, &b) in data.iter().enumerate() {
                if b == b'\n' {
                    lines.push(start..i);
                    start = i + 1;
                }
            }
            lines.push(start..data.len());
            let mut want = Vec::new();
            for l in &lines {
                ac.overlapping(&data, l.clone(), |m| want.push((m.pattern(), m.range())));
            }
            let mut got = Vec::new();
            ac.overlapping_lines(&data, &lines, |m| got.push((m.pattern(), m.range())));
            want.sort_unstable_by_key(|(p, r)| (r.start, r.end, p.as_usize()));
            got.sort_unstable_by_key(|(p, r)| (r.start, r.end, p.as_usize()));
            total += want.len();
            assert_eq!(got, want, "{:?}", String::from_utf8_lossy(&data));
        }
        assert!(total > 10_000, "{total}");
    }

    #[test]
    fn the_cheap_and_the_fast_automaton_find_the_same() {
        let rules = crate::rules::builtin_rules().unwrap();
        let mut nfa = Matcher::new(rules.clone()).unwrap();
        nfa.small_scan = usize::MAX;
        let mut dfa = Matcher::new(rules.clone()).unwrap();
        dfa.small_scan = 0;
        let texts = [
            "password = \"hunter2hunter2\"\nAPI_KEY=abcd1234efgh5678ijkl\n",
            "url: https://user:s3cretpass@example.com/path\n",
            "token: ghp_0123456789abcdefghijABCDEFGHIJ012345 and Bearer xyz\n",
            "nothing to see here\n",
            "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n",
        ];
        // switches to the DFA after the first text
        let mut both = Matcher::new(rules).unwrap();
        both.small_scan = texts[0].len();
        let mut total = 0;
        for t in texts {
            let want = nfa.find(t.as_bytes());
            total += want.len();
            assert_eq!(dfa.find(t.as_bytes()), want, "{t}");
            assert_eq!(both.find(t.as_bytes()), want, "{t}");
            assert_eq!(dfa.may_match(t.as_bytes()), nfa.may_match(t.as_bytes()));
        }
        assert!(total >= 4, "{total}");
        assert!(nfa.dfa.get().is_none() && dfa.nfa.get().is_none());
        assert!(both.nfa.get().is_some() && both.dfa.get().is_some());
        assert!(matches!(
            dfa.dfa.get(),
            Some(Some(KeywordAutomaton::Dfa { .. }))
        ));
    }

    /// The DFA's line finder, walking four parts of a chunk in step, finds exactly the lines a
    /// plain search for any keyword finds: lines split across part boundaries, a chunk without
    /// a final newline, empty lines, keywords in any case, chunks shorter than four lines.
    #[test]
    fn the_lane_walk_finds_every_line_with_a_keyword() {
        let keywords = keyword_list(&["key", "apikey", "sendgrid", "ghp_", "://", "pass", "x"]);
        let large = KeywordAutomaton::build(&keywords, false);
        let small = KeywordAutomaton::build(&keywords, true);
        assert!(matches!(large, KeywordAutomaton::Dfa { .. }));
        assert!(matches!(small, KeywordAutomaton::Other(_)));
        let pieces = [
            "", "a", "KEY", "Api", "kEy", "send", "GRID", "ghp", "_", ":/", "/", "pas", "s", " ",
            "\n", "\n\n", "\r\n", "zzz", "X", "word", "=",
        ];
        let mut rng = crate::decode::testutil::Rng(0x2545_f491_4f6c_dd1d);
        let mut next = |n: usize| (rng.next() % n as u64) as usize;
        let mut lines_seen = 0;
        for round in 0..3000 {
            let len = [0, 1, 3, 8, 40, 200][round % 6];
            let text: String = (0..len).map(|_| pieces[next(pieces.len())]).collect();
            let data = text.as_bytes();
            let want = line_filter::tests::exact_lines(&keywords, data);
            lines_seen += want.len();
            // the DFA's filter gives the part of each line from shortly before its first keyword
            let spans = large.lines(data);
            assert_eq!(spans.len(), want.len(), "{text:?}");
            for (s, w) in spans.iter().zip(&want) {
                assert!(s.end == w.end && s.start >= w.start, "{text:?}");
            }
            assert_eq!(small.lines(data), want, "{text:?}");
            assert_eq!(large.is_match(data), !want.is_empty(), "{text:?}");
        }
        assert!(lines_seen > 5_000, "{lines_seen}");
    }

    #[test]
    fn regexes_compile_only_when_their_keyword_hits() {
        let text = rule("t.a", "alpha", "alpha[0-9]", "alpha1")
            + &rule("t.b", "beta", "beta[0-9]", "beta1");
        let mut rules = crate::rules::builtin_rules().unwrap();
        rules.extend(
            parse_rules(&text, "test")
                .unwrap()
                .into_iter()
                .map(|mut r| {
                    // as a built-in rule is loaded: parsed, not compiled yet
                    r.regex = crate::rules::LazyRegex::parse(&r.spec.regex).unwrap().0;
                    r
                }),
        );
        assert!(rules.iter().all(|r| !r.regex.is_compiled()));
        let m = Matcher::new(rules).unwrap();
        assert_eq!(m.find(b"alpha1 alpha2").len(), 2);
        let compiled: Vec<&str> = m
            .rules()
            .iter()
            .filter(|r| r.regex.is_compiled())
            .map(|r| r.id())
            .collect();
        assert_eq!(compiled, ["t.a"]);
    }
}
