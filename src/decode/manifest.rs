//! Decoder for Kubernetes manifests and scripts (tokens.md §10), used by `--audit-manifests`:
//! the facts about service-account tokens a manifest or script states — committed
//! `kubernetes.io/service-account-token` Secrets, projected `serviceAccountToken` volumes and
//! `TokenRequest`s (lifetime, audience), `kubectl create token --duration`, and workloads that
//! leave `automountServiceAccountToken` on. [`crate::hygiene::manifest`] judges them.

use super::kubeadm::parse_go_duration;
use super::yaml_document;

/// Default `expirationSeconds` of projected tokens and TokenRequests.
pub const DEFAULT_EXPIRATION: i64 = 3600;

/// Workload kinds whose pods mount a service-account token unless told not to.
const WORKLOADS: &[&str] = &[
    "Pod",
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "ReplicaSet",
    "Job",
    "CronJob",
    "ReplicationController",
];

/// A lifetime as a manifest or command line writes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lifetime {
    /// Not stated: the server default applies.
    Default,
    /// Seconds.
    Seconds(i64),
    /// Stated but not a number or duration (the text as written).
    Unparseable(String),
}

/// What one manifest document or script line says about service-account tokens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ManifestFact {
    /// A Secret of type `kubernetes.io/service-account-token`.
    LegacyTokenSecret {
        /// `metadata.name`.
        name: String,
        /// It carries a token value.
        has_token: bool,
    },
    /// A projected `serviceAccountToken` volume source.
    ProjectedToken {
        /// The holding object's kind.
        kind: String,
        /// The holding object's name.
        name: String,
        /// `expirationSeconds`.
        expiration: Lifetime,
        /// `audience` is set.
        has_audience: bool,
    },
    /// An `authentication.k8s.io` `TokenRequest`.
    TokenRequest {
        /// `metadata.name`.
        name: String,
        /// `spec.expirationSeconds`.
        expiration: Lifetime,
        /// `spec.audiences` is non-empty.
        has_audience: bool,
    },
    /// A workload that does not set `automountServiceAccountToken: false`.
    AutomountToken {
        /// The workload kind.
        kind: String,
        /// Its name.
        name: String,
    },
    /// `kubectl create token … --duration …`.
    CreateToken {
        /// The `--duration` value.
        duration: Lifetime,
    },
}

/// A fact and where it was stated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located {
    /// The fact.
    pub fact: ManifestFact,
    /// Byte offset of the stating line in the chunk.
    pub offset: usize,
    /// The stating line, trimmed (configuration, not a secret).
    pub line: String,
}

struct Line<'a> {
    offset: usize,
    indent: usize,
    text: &'a str,
}

fn lines(doc: &str, base: usize) -> Vec<Line<'_>> {
    let mut out = Vec::new();
    let mut off = base;
    for raw in doc.split('\n') {
        let t = raw.strip_suffix('\r').unwrap_or(raw);
        let trimmed = t.trim_start();
        if !trimmed.is_empty() && !trimmed.starts_with('#') {
            out.push(Line {
                offset: off,
                indent: t.len() - trimmed.len(),
                text: trimmed,
            });
        }
        off += raw.len() + 1;
    }
    out
}

/// `key: value` → value (unquoted, comment stripped); `- key: value` too.
fn value_of<'a>(l: &'a str, key: &str) -> Option<&'a str> {
    let l = l.strip_prefix("- ").unwrap_or(l).trim_start();
    let rest = l.strip_prefix(key)?.trim_start().strip_prefix(':')?;
    let v = rest.split(" #").next().unwrap_or(rest).trim();
    Some(v.trim_matches(|c| c == '"' || c == '\''))
}

fn seconds(v: Option<&str>) -> Lifetime {
    match v {
        None => Lifetime::Default,
        Some(v) => match v.parse::<i64>() {
            Ok(n) => Lifetime::Seconds(n),
            Err(_) => Lifetime::Default,
        },
    }
}

/// Every fact about service-account tokens in one text chunk.
pub fn facts(text: &str) -> Vec<Located> {
    let mut out = Vec::new();
    if text.contains("kind:") && text.contains("apiVersion") {
        let bytes = text.as_bytes();
        let mut at = 0;
        while at <= bytes.len() {
            let (start, doc) = yaml_document(bytes, at);
            let doc_s = std::str::from_utf8(doc).unwrap_or("");
            doc_facts(doc_s, start, &mut out);
            let next = start + doc.len();
            // skip past the separator line
            match bytes[next.min(bytes.len())..]
                .iter()
                .position(|&b| b == b'\n')
            {
                Some(i) if next < bytes.len() => at = next + i + 1,
                _ => break,
            }
        }
    }
    if text.contains("create token") {
        command_facts(text, &mut out);
    }
    out
}

fn doc_facts(doc: &str, base: usize, out: &mut Vec<Located>) {
    let ls = lines(doc, base);
    let top = |key: &str| {
        ls.iter()
            .find(|l| l.indent == 0 && value_of(l.text, key).is_some())
    };
    let Some(kind_line) = top("kind") else { return };
    let kind = value_of(kind_line.text, "kind").unwrap_or("");
    let name = ls
        .iter()
        .find(|l| l.indent > 0 && value_of(l.text, "name").is_some())
        .and_then(|l| value_of(l.text, "name"))
        .unwrap_or("?");
    let at = |fact: ManifestFact, l: &Line<'_>| Located {
        fact,
        offset: l.offset,
        line: l.text.to_string(),
    };

    if kind == "Secret"
        && let Some(t) = top("type")
        && value_of(t.text, "type") == Some("kubernetes.io/service-account-token")
    {
        let has_token = ls
            .iter()
            .any(|l| l.indent > 0 && value_of(l.text, "token").is_some_and(|v| !v.is_empty()));
        out.push(at(
            ManifestFact::LegacyTokenSecret {
                name: name.to_string(),
                has_token,
            },
            t,
        ));
    }

    // projected serviceAccountToken volumes
    for (i, l) in ls.iter().enumerate() {
        if !matches!(
            l.text.strip_prefix("- ").unwrap_or(l.text).trim(),
            "serviceAccountToken:"
        ) {
            continue;
        }
        let block: Vec<&Line> = ls[i + 1..]
            .iter()
            .take_while(|b| b.indent > l.indent)
            .collect();
        let exp = block
            .iter()
            .find_map(|b| value_of(b.text, "expirationSeconds"));
        let aud = block
            .iter()
            .find_map(|b| value_of(b.text, "audience"))
            .filter(|v| !v.is_empty());
        out.push(at(
            ManifestFact::ProjectedToken {
                kind: kind.to_string(),
                name: name.to_string(),
                expiration: seconds(exp),
                has_audience: aud.is_some(),
            },
            l,
        ));
    }

    // only the Kubernetes API's TokenRequest: a custom resource of another group may share the name
    let api_version = top("apiVersion").and_then(|l| value_of(l.text, "apiVersion"));
    if kind == "TokenRequest"
        && api_version.is_some_and(|v| v.starts_with("authentication.k8s.io/"))
    {
        let exp = ls
            .iter()
            .find_map(|b| value_of(b.text, "expirationSeconds"));
        let has_aud = ls.iter().enumerate().any(|(i, b)| {
            value_of(b.text, "audiences").is_some_and(|v| {
                (!v.is_empty() && v != "[]")
                    || ls
                        .get(i + 1)
                        .is_some_and(|n| n.indent >= b.indent && n.text.starts_with("- "))
            })
        });
        out.push(at(
            ManifestFact::TokenRequest {
                name: name.to_string(),
                expiration: seconds(exp),
                has_audience: has_aud,
            },
            kind_line,
        ));
    }

    if WORKLOADS.contains(&kind) {
        let disabled = ls
            .iter()
            .any(|l| value_of(l.text, "automountServiceAccountToken") == Some("false"));
        if !disabled {
            out.push(at(
                ManifestFact::AutomountToken {
                    kind: kind.to_string(),
                    name: name.to_string(),
                },
                kind_line,
            ));
        }
    }
}

/// `kubectl create token SA --duration=…` in scripts and CI files.
fn command_facts(text: &str, out: &mut Vec<Located>) {
    let mut off = 0;
    for raw in text.split('\n') {
        let line = raw.trim();
        if line.contains("kubectl") && line.contains("create token") {
            let words: Vec<&str> = line.split_whitespace().collect();
            let dur = words.iter().enumerate().find_map(|(i, w)| {
                let v = w.strip_prefix("--duration")?;
                match v.strip_prefix('=') {
                    Some(v) => Some(v),
                    None if v.is_empty() => words.get(i + 1).copied(),
                    None => None,
                }
            });
            let clean = |d: &str| {
                d.trim_matches(|c: char| !c.is_ascii_alphanumeric() && c != '.')
                    .to_string()
            };
            if let Some(secs) = dur.and_then(|d| parse_go_duration(&clean(d))) {
                out.push(Located {
                    fact: ManifestFact::CreateToken {
                        duration: Lifetime::Seconds(secs),
                    },
                    offset: off + (raw.len() - raw.trim_start().len()),
                    line: line.to_string(),
                });
            }
        }
        off += raw.len() + 1;
    }
}
