//! Rule self-check (`tokenhound rules check` and the test suite): every rule's positive examples
//! must be reported by that rule, and its negative examples must not, through the whole pipeline
//! (prefilter, regex, validation, decoded views, de-duplication) with all rules loaded.

use crate::chunk::{Chunk, Provenance};
use crate::detect;
use crate::finding::Confidence;
use crate::hygiene::Policy;
use crate::matcher::Matcher;

/// One failed example.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExampleFailure {
    /// The rule whose example failed.
    pub rule_id: String,
    /// `missed positive` or `matched negative`.
    pub kind: &'static str,
    /// The example text.
    pub example: String,
}

/// Rule ids reported for `text` by the full pipeline at the default confidence
/// ([`Confidence::DEFAULT_MIN`]): an example is what a user sees on a first run.
pub fn reporting_rules(matcher: &Matcher, text: &str) -> Vec<String> {
    reporting_rules_at(matcher, text, Confidence::DEFAULT_MIN)
}

/// Rule ids reported for `text` at confidence `min` and above.
pub fn reporting_rules_at(matcher: &Matcher, text: &str, min: Confidence) -> Vec<String> {
    let chunk = Chunk {
        data: text.as_bytes().into(),
        provenance: Provenance::File {
            path: "example".into(),
        },
    };
    detect::findings(matcher, &chunk, &Policy::new(0), None)
        .into_iter()
        .filter(|f| f.confidence >= min)
        .map(|f| f.rule_id)
        .collect()
}

/// Run every rule's examples; returns the failures (empty = all good) and the number of examples.
pub fn check_examples(matcher: &Matcher) -> (Vec<ExampleFailure>, usize) {
    let mut failures = Vec::new();
    let mut n = 0;
    for rule in matcher.rules() {
        // a rule of low precision outside the generic classifier (password hashes) is only
        // shown with `--min-confidence low`: its examples are checked there
        let shown_at = if rule.spec.precision == crate::rules::Precision::Low
            && !rule.spec.tags.iter().any(|t| t == "generic")
        {
            Confidence::Low
        } else {
            Confidence::DEFAULT_MIN
        };
        for ex in &rule.spec.examples {
            n += 1;
            if !reporting_rules_at(matcher, ex, shown_at)
                .iter()
                .any(|r| r == rule.id())
            {
                failures.push(ExampleFailure {
                    rule_id: rule.id().to_string(),
                    kind: "missed positive",
                    example: ex.clone(),
                });
            }
        }
        for ex in &rule.spec.negative_examples {
            n += 1;
            if reporting_rules(matcher, ex).iter().any(|r| r == rule.id()) {
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
