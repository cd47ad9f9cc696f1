//! Pipeline step 6: a finding is a validated, decoded match with its location, a value-based
//! fingerprint, a redacted preview, hygiene flags and decoded (non-secret) properties.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::chunk::GitOrigin;

/// Severity, ordered `Note < Warning < Error`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Worth a look.
    Note,
    /// Should be fixed.
    Warning,
    /// Must be fixed.
    Error,
}

impl Level {
    /// The SARIF spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Note => "note",
            Level::Warning => "warning",
            Level::Error => "error",
        }
    }
}

/// How likely a finding is a live credential, ordered `Low < Medium < High`: distinctive
/// formats are `High`, context-keyed ones `Medium`, generic matches whatever their classifier
/// ([`crate::validate::classify`]) scores. `--min-confidence` chooses what is reported.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default,
)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    /// Plausible but often a sample, test value or code: shown only when asked for.
    Low,
    /// Probably a credential.
    #[default]
    Medium,
    /// Almost certainly a credential.
    High,
}

impl Confidence {
    /// The lowest confidence reported by default (chosen by measurement, see README).
    pub const DEFAULT_MIN: Confidence = Confidence::Medium;

    /// The JSON / SARIF spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Confidence::Low => "low",
            Confidence::Medium => "medium",
            Confidence::High => "high",
        }
    }
}

/// Where a finding is: path and 1-based line/column range (end column exclusive).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Location {
    /// Path relative to the scanned root (or inside the repository).
    pub path: String,
    /// First line.
    pub start_line: usize,
    /// Column of the first character.
    pub start_column: usize,
    /// Last line.
    pub end_line: usize,
    /// Column after the last character.
    pub end_column: usize,
}

impl Location {
    /// The location of bytes `range` of `data` (whose line index is `index`) in `path`.
    pub fn of_range(
        path: &str,
        index: &crate::chunk::LineIndex,
        data: &[u8],
        range: std::ops::Range<usize>,
    ) -> Self {
        let (start_line, start_column) = index.position(data, range.start);
        let (end_line, end_column) = index.position(data, range.end.min(data.len()));
        Location {
            path: path.to_string(),
            start_line,
            start_column,
            end_line,
            end_column,
        }
    }
}

/// One reported secret.
#[derive(Debug, Clone)]
pub struct Finding {
    /// The rule that matched.
    pub rule_id: String,
    /// Token family key.
    pub family: String,
    /// Final level (rule level raised by hygiene flags).
    pub level: Level,
    /// How likely the finding is a live credential.
    pub confidence: Confidence,
    /// Where it is.
    pub location: Location,
    /// The secret itself: never printed unless the user asks.
    pub secret: String,
    /// Value-based fingerprint (hex SHA-256 of rule id and secret).
    pub fingerprint: String,
    /// One-line message, free of the secret.
    pub message: String,
    /// Hygiene verdicts (tokens.md section 13 names, plus richer strings).
    pub hygiene: Vec<String>,
    /// Decoded non-secret facts.
    pub properties: BTreeMap<String, serde_json::Value>,
    /// Git provenance, for history scans.
    pub git: Option<Arc<GitOrigin>>,
    /// Blob id, for history scans.
    pub blob: Option<String>,
}

impl Finding {
    /// The commit or tag message this finding is in, if it is in one.
    pub fn message(&self) -> Option<&crate::chunk::GitMessage> {
        self.git.as_ref().and_then(|g| g.message.as_ref())
    }

    /// Redacted preview of the secret.
    pub fn redacted(&self) -> String {
        redact(&self.secret)
    }
}

/// Fingerprint of a secret for a rule: stable across line moves and scan modes.
pub fn fingerprint(rule_id: &str, secret: &str) -> String {
    let mut h = Sha256::new();
    h.update(rule_id.as_bytes());
    h.update([0]);
    h.update(secret.as_bytes());
    hex(&h.finalize())
}

/// Fingerprint of a secret found in a commit or tag message (`kind` is `commit` or `tag`):
/// stable (the value and the kind of message, not the commit id, so a rebased copy of the
/// message keeps it) and distinct from the fingerprint of the same secret in a file, so a
/// message finding is its own alert and its own baseline entry.
pub fn message_fingerprint(rule_id: &str, secret: &str, kind: &str) -> String {
    fingerprint(rule_id, &format!("{secret}\0{kind}-message"))
}

/// Lower-case hex of bytes.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A preview that shows a few leading characters and the length, never the whole secret.
pub fn redact(secret: &str) -> String {
    let n = secret.chars().count();
    let keep = match n {
        0..=11 => 0,
        12..=23 => 2,
        _ => 4,
    };
    let head: String = secret
        .chars()
        .take(keep)
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    format!("{head}…({n} chars)")
}

/// A finding with only path, line, rule and secret set, for unit tests of later steps.
#[cfg(test)]
pub(crate) fn test_finding(path: &str, line: usize, rule: &str, secret: &str) -> Finding {
    Finding {
        rule_id: rule.into(),
        family: rule.into(),
        level: Level::Error,
        confidence: Confidence::High,
        location: Location {
            path: path.into(),
            start_line: line,
            start_column: 1,
            end_line: line,
            end_column: 2,
        },
        secret: secret.into(),
        fingerprint: String::new(),
        message: String::new(),
        hygiene: Vec::new(),
        properties: Default::default(),
        git: None,
        blob: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redaction_hides_most_of_the_secret() {
        assert_eq!(
            redact("ghp_abcdefghijklmnopqrstuvwxyz0123456789"),
            "ghp_…(40 chars)"
        );
        assert_eq!(redact("short"), "…(5 chars)");
    }

    #[test]
    fn fingerprint_depends_on_value_and_rule() {
        assert_eq!(fingerprint("a", "x"), fingerprint("a", "x"));
        assert_ne!(fingerprint("a", "x"), fingerprint("a", "y"));
        assert_ne!(fingerprint("a", "x"), fingerprint("b", "x"));
    }
}
