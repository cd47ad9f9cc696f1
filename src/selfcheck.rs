//! Rule self-check (`tokenhound rules check` and the test suite): every rule's positive examples
//! must be reported by that rule, its note examples by that rule at level `note` and no higher,
//! and its negative examples must not be reported, through the whole pipeline
//! (prefilter, regex, validation, decoded views, de-duplication) with all rules loaded.

use crate::chunk::{Chunk, Provenance};
use crate::detect;
use crate::finding::{Confidence, Finding};
use crate::hygiene::Policy;
use crate::matcher::Matcher;

/// One failed example.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExampleFailure {
    /// The rule whose example failed.
    pub rule_id: String,
    /// `missed positive`, `matched negative`, `note example not reported as a note` or `no
    /// example with every paired part`.
    pub kind: &'static str,
    /// The example text.
    pub example: String,
}

/// Rule ids reported for `text` by the full pipeline at the default confidence
/// ([`Confidence::DEFAULT_MIN`]): an example is what a user sees on a first run. The rules of a
/// paired finding's other parts count as reported too (an identifier is reported as a part).
pub fn reporting_rules(matcher: &Matcher, text: &str) -> Vec<String> {
    let mut ids = Vec::new();
    for f in reported(matcher, text, Confidence::DEFAULT_MIN) {
        ids.extend(part_rules(&f));
        ids.push(f.rule_id);
    }
    ids
}

/// The findings of `text` at confidence `min` and above.
fn reported(matcher: &Matcher, text: &str, min: Confidence) -> Vec<Finding> {
    let chunk = Chunk {
        data: text.as_bytes().into(),
        provenance: Provenance::File {
            path: "example".into(),
        },
    };
    detect::findings(matcher, &chunk, &Policy::new(0), None)
        .into_iter()
        .filter(|f| f.confidence >= min)
        .collect()
}

/// The rule ids of a finding's `parts` (its own first), empty when it was not paired.
fn part_rules(f: &Finding) -> Vec<String> {
    match f.properties.get("parts") {
        Some(serde_json::Value::Array(parts)) => parts
            .iter()
            .filter_map(|p| p.get("rule")?.as_str().map(str::to_string))
            .collect(),
        _ => Vec::new(),
    }
}

/// Run every rule's examples; returns the failures (empty = all good) and the number of examples.
/// A rule with `[rule.pair]`s must also have a positive example reported as one finding of the
/// rule holding every partner as a part.
pub fn check_examples(matcher: &Matcher) -> (Vec<ExampleFailure>, usize) {
    let mut failures = Vec::new();
    let mut n = 0;
    for rule in matcher.rules() {
        // a rule of low precision outside the generic classifier (password hashes, identifiers
        // alone) and a key public by design are only shown with `--min-confidence low`: their
        // examples are checked there
        let shown_at = if (rule.spec.precision == crate::rules::Precision::Low
            && !rule.is_generic())
            || rule.spec.public_by_design.is_some()
        {
            Confidence::Low
        } else {
            Confidence::DEFAULT_MIN
        };
        let partners: Vec<&str> = rule.spec.pair.iter().map(|p| p.with.as_str()).collect();
        let mut paired = partners.is_empty();
        for ex in &rule.spec.examples {
            n += 1;
            let found = reported(matcher, ex, shown_at);
            let mut hit = false;
            for f in &found {
                let parts = part_rules(f);
                hit |= f.rule_id == rule.id() || parts.iter().any(|p| p == rule.id());
                paired |=
                    f.rule_id == rule.id() && partners.iter().all(|w| parts.iter().any(|p| p == w));
            }
            if !hit {
                failures.push(ExampleFailure {
                    rule_id: rule.id().to_string(),
                    kind: "missed positive",
                    example: ex.clone(),
                });
            }
        }
        if !paired {
            failures.push(ExampleFailure {
                rule_id: rule.id().to_string(),
                kind: "no example with every paired part",
                example: partners.join(", "),
            });
        }
        for ex in &rule.spec.note_examples {
            n += 1;
            let found = reported(matcher, ex, Confidence::Low);
            let mine: Vec<&Finding> = found.iter().filter(|f| f.rule_id == rule.id()).collect();
            if mine.is_empty() || mine.iter().any(|f| f.level != crate::finding::Level::Note) {
                failures.push(ExampleFailure {
                    rule_id: rule.id().to_string(),
                    kind: "note example not reported as a note",
                    example: ex.clone(),
                });
            }
        }
        for ex in &rule.spec.negative_examples {
            n += 1;
            // a public key's negatives are checked where its positives are shown
            let negative_at = if rule.spec.public_by_design.is_some() {
                Confidence::Low
            } else {
                Confidence::DEFAULT_MIN
            };
            let reporting = reported(matcher, ex, negative_at)
                .into_iter()
                .flat_map(|f| {
                    let mut ids = part_rules(&f);
                    ids.push(f.rule_id);
                    ids
                })
                .collect::<Vec<_>>();
            if reporting.iter().any(|r| r == rule.id()) {
                failures.push(ExampleFailure {
                    rule_id: rule.id().to_string(),
                    kind: "matched negative",
                    example: ex.clone(),
                });
            }
        }
    }
    (failures, n)
}
