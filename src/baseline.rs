//! Baselines: a record of known, accepted findings, applied after detection so that only new
//! secrets are reported. Entries are keyed by value, not by position — an HMAC-SHA-256 of the rule
//! id and the secret under a random per-file salt — so moving code does not resurface a finding,
//! a new secret on a known line is still reported, and the file never holds the secret or an
//! unsalted hash of it. The rule id and first location are kept for humans (format in
//! `docs/baseline.md`).

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use anyhow::{Context, Result, bail};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::finding::{Finding, hex};

/// The format version written in `version`.
pub const VERSION: u32 = 1;

/// One accepted finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// Hex HMAC-SHA-256 (key: the salt) of `rule_id`, a NUL byte and the secret.
    pub hash: String,
    /// Rule that reported it (for humans; matching uses `hash`).
    pub rule_id: String,
    /// Where it was first seen when recorded (for humans).
    pub path: String,
    /// Line of that location.
    pub line: usize,
    /// Commit of that location, for history scans.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
}

/// A baseline file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    /// Format version ([`VERSION`]).
    pub version: u32,
    /// `hmac-sha256`.
    pub algorithm: String,
    /// Hex salt (HMAC key), random per baseline.
    pub salt: String,
    /// Accepted findings, sorted by path, line and rule.
    pub entries: Vec<Entry>,
}

/// What [`Baseline::update`] changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UpdateStats {
    /// Entries still found and kept.
    pub kept: usize,
    /// Entries no longer found, removed.
    pub pruned: usize,
    /// New findings added.
    pub added: usize,
}

impl Baseline {
    /// An empty baseline with a fresh random salt.
    pub fn new() -> Self {
        Baseline {
            version: VERSION,
            algorithm: "hmac-sha256".into(),
            salt: hex(&random_salt()),
            entries: Vec::new(),
        }
    }

    /// A baseline accepting every finding in `findings`.
    pub fn from_findings(findings: &[Finding]) -> Self {
        let mut b = Baseline::new();
        b.add_new(findings);
        b
    }

    /// Read and check a baseline file.
    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read baseline {}", path.display()))?;
        let b: Baseline = serde_json::from_str(&text)
            .with_context(|| format!("{}: not a tokenhound baseline", path.display()))?;
        if b.version != VERSION || b.algorithm != "hmac-sha256" {
            bail!(
                "{}: unsupported baseline version {} / algorithm `{}` (this build reads version {VERSION}, hmac-sha256)",
                path.display(),
                b.version,
                b.algorithm
            );
        }
        if b.salt.len() < 32 || !b.salt.bytes().all(|c| c.is_ascii_hexdigit()) {
            bail!(
                "{}: baseline salt must be at least 16 hex-encoded bytes",
                path.display()
            );
        }
        Ok(b)
    }

    /// Serialize as pretty JSON with a trailing newline.
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).unwrap_or_default();
        s.push('\n');
        s
    }

    /// The keyed hash of a finding under this baseline's salt.
    pub fn hash(&self, rule_id: &str, secret: &str) -> String {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(self.salt.as_bytes())
            .expect("HMAC accepts any key length");
        mac.update(rule_id.as_bytes());
        mac.update(&[0]);
        mac.update(secret.as_bytes());
        hex(&mac.finalize().into_bytes())
    }

    /// The keyed hash of a finding: of its rule and secret, and for a secret in a commit or tag
    /// message, of the kind of message too — a message finding is its own entry, distinct from
    /// the same secret in a file (and, like the file entry, independent of where it is).
    pub fn key(&self, f: &Finding) -> String {
        match f.message() {
            Some(m) => self.hash(
                &f.rule_id,
                &format!("{}\0{}-message", f.secret, m.kind.as_str()),
            ),
            None => self.hash(&f.rule_id, &f.secret),
        }
    }

    fn known(&self) -> HashSet<&str> {
        self.entries.iter().map(|e| e.hash.as_str()).collect()
    }

    /// Is this finding recorded?
    pub fn contains(&self, f: &Finding) -> bool {
        let h = self.key(f);
        self.entries.iter().any(|e| e.hash == h)
    }

    /// Split `findings` into (new, known) and return the new ones.
    pub fn filter(&self, findings: Vec<Finding>) -> (Vec<Finding>, usize) {
        let known = self.known();
        let before = findings.len();
        let new: Vec<Finding> = findings
            .into_iter()
            .filter(|f| !known.contains(self.key(f).as_str()))
            .collect();
        let n = before - new.len();
        (new, n)
    }

    /// Record findings not yet in the baseline (first location wins); returns how many.
    pub fn add_new(&mut self, findings: &[Finding]) -> usize {
        let mut by_hash: BTreeMap<String, &Finding> = BTreeMap::new();
        for f in findings {
            let h = self.key(f);
            by_hash.entry(h).or_insert(f);
        }
        let known: HashSet<String> = self.entries.iter().map(|e| e.hash.clone()).collect();
        let mut added = 0;
        for (hash, f) in by_hash {
            if known.contains(&hash) {
                continue;
            }
            self.entries.push(Entry {
                hash,
                rule_id: f.rule_id.clone(),
                path: f.location.path.clone(),
                line: f.location.start_line,
                commit: f.git.as_ref().map(|g| g.commit.clone()),
            });
            added += 1;
        }
        self.sort();
        added
    }

    /// Drop entries that `findings` (a fresh scan) no longer contains; with `add`, also record
    /// the new findings. Kept entries are left as they were, so an update does not churn.
    pub fn update(&mut self, findings: &[Finding], add: bool) -> UpdateStats {
        let present: HashSet<String> = findings.iter().map(|f| self.key(f)).collect();
        let before = self.entries.len();
        self.entries.retain(|e| present.contains(&e.hash));
        let kept = self.entries.len();
        let added = if add { self.add_new(findings) } else { 0 };
        UpdateStats {
            kept,
            pruned: before - kept,
            added,
        }
    }

    fn sort(&mut self) {
        self.entries.sort_by(|a, b| {
            (&a.path, a.line, &a.rule_id, &a.hash).cmp(&(&b.path, b.line, &b.rule_id, &b.hash))
        });
    }
}

impl Default for Baseline {
    fn default() -> Self {
        Baseline::new()
    }
}

/// 16 random bytes from the operating system (`getrandom`), or (where it has none) a hash of
/// the time, the process id and the standard library's randomly seeded hasher. A salt needs to be
/// unique, not secret.
fn random_salt() -> [u8; 16] {
    let mut buf = [0u8; 16];
    if getrandom::fill(&mut buf).is_ok() {
        return buf;
    }
    use sha2::Digest;
    use std::hash::{BuildHasher, Hasher};
    let mut h = Sha256::new();
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    h.update(t.to_le_bytes());
    h.update(std::process::id().to_le_bytes());
    let mut sh = std::collections::hash_map::RandomState::new().build_hasher();
    sh.write_u128(t);
    h.update(sh.finish().to_le_bytes());
    let d = h.finalize();
    buf.copy_from_slice(&d[..16]);
    buf
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::finding::test_finding as finding;

    #[test]
    fn value_keyed_salted_and_secret_free() {
        let f = vec![
            finding("a.env", 3, "r1", "s3cr3t-value-one"),
            finding("b.env", 9, "r1", "s3cr3t-value-one"),
            finding("a.env", 4, "r2", "s3cr3t-value-two"),
        ];
        let b = Baseline::from_findings(&f);
        assert_eq!(b.entries.len(), 2, "one entry per value");
        assert_eq!(
            (b.entries[0].path.as_str(), b.entries[0].line),
            ("a.env", 3)
        );
        let json = b.to_json();
        assert!(!json.contains("s3cr3t"));
        assert!(!json.contains(&crate::finding::fingerprint("r1", "s3cr3t-value-one")));
        let other = Baseline::from_findings(&f);
        assert_ne!(b.salt, other.salt);
        assert_ne!(b.entries[0].hash, other.entries[0].hash);
        let back: Baseline = serde_json::from_str(&json).unwrap();
        assert_eq!(back, b);
    }

    #[test]
    fn moved_secrets_stay_known_and_new_ones_are_reported() {
        let b = Baseline::from_findings(&[finding("a.py", 10, "r", "old-secret-value")]);
        let after = vec![
            finding("moved/a.py", 42, "r", "old-secret-value"),
            finding("a.py", 10, "r", "new-secret-value"),
            finding("a.py", 10, "other-rule", "old-secret-value"),
        ];
        let (new, known) = b.filter(after);
        assert_eq!(known, 1);
        assert_eq!(new.len(), 2);
        assert!(
            new.iter()
                .all(|f| f.secret != "old-secret-value" || f.rule_id != "r")
        );
    }

    #[test]
    fn message_secrets_have_their_own_stable_entries() {
        use crate::chunk::{GitMessage, GitOrigin, MessageKind};
        let in_message = |commit: &str, kind: MessageKind| {
            let mut f = finding(&GitMessage::location(kind, commit), 3, "r", "pasted-value");
            f.git = Some(std::sync::Arc::new(GitOrigin {
                commit: commit.into(),
                author_name: String::new(),
                author_email: String::new(),
                time: 0,
                commits_containing: 1,
                refs_containing: Vec::new(),
                message: Some(GitMessage {
                    kind,
                    object: commit.into(),
                    tag: None,
                }),
            }));
            f
        };
        let in_file = finding("a.env", 1, "r", "pasted-value");
        let b = Baseline::from_findings(std::slice::from_ref(&in_file));
        // a secret known in a file is new in a commit message, and the reverse
        assert!(!b.contains(&in_message("c0ffee", MessageKind::Commit)));
        let m = Baseline::from_findings(&[in_message("c0ffee", MessageKind::Commit)]);
        assert!(!m.contains(&in_file));
        assert!(!m.contains(&in_message("c0ffee", MessageKind::Tag)));
        // stable: the same message rebased (another commit id, another line) stays known
        assert!(m.contains(&in_message("decade", MessageKind::Commit)));
        assert_eq!(m.entries[0].path, "commit c0ffee message");
        assert_eq!(m.entries[0].commit.as_deref(), Some("c0ffee"));
    }

    #[test]
    fn update_prunes_fixed_entries() {
        let mut b = Baseline::from_findings(&[
            finding("a", 1, "r", "gone-value"),
            finding("a", 2, "r", "kept-value"),
        ]);
        let kept_entry = b.entries[1].clone();
        let now = vec![
            finding("z", 7, "r", "kept-value"),
            finding("a", 3, "r", "brand-new"),
        ];
        let s = b.update(&now, false);
        assert_eq!(
            s,
            UpdateStats {
                kept: 1,
                pruned: 1,
                added: 0
            }
        );
        assert_eq!(b.entries, vec![kept_entry]);
        let s = b.update(&now, true);
        assert_eq!(
            s,
            UpdateStats {
                kept: 1,
                pruned: 0,
                added: 1
            }
        );
    }

    #[test]
    fn load_rejects_other_files() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("b.json");
        std::fs::write(&p, "{\"version\": 1}").unwrap();
        let e = format!("{:#}", Baseline::load(&p).unwrap_err());
        assert!(
            e.contains("b.json") && e.contains("not a tokenhound baseline"),
            "{e}"
        );
        let mut b = Baseline::new();
        b.version = 9;
        std::fs::write(&p, b.to_json()).unwrap();
        let e = format!("{:#}", Baseline::load(&p).unwrap_err());
        assert!(e.contains("unsupported baseline version 9"), "{e}");
        b.version = VERSION;
        std::fs::write(&p, b.to_json()).unwrap();
        assert_eq!(Baseline::load(&p).unwrap(), b);
    }
}
