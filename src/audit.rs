//! Opt-in step beside detection (`--audit-manifests`): configuration findings in Kubernetes
//! manifests and scripts (tokens.md §10) — committed `kubernetes.io/service-account-token`
//! Secrets, projected `serviceAccountToken` volumes and `TokenRequest`s that live longer than the
//! policy or carry no audience, `kubectl create token --duration` above the policy, and workloads
//! that leave `automountServiceAccountToken` on. These are not leaked secrets: they are off by
//! default so they never count against secret-scan precision.

use crate::chunk::{Chunk, LineIndex, Provenance};
use crate::decode::kubeadm::parse_go_duration;
use crate::decode::{human_duration, yaml_document};
use crate::finding::{Finding, Level, Location, fingerprint};
use crate::hygiene::Policy;

/// Family key of every audit finding.
pub const FAMILY: &str = "kubernetes-manifest";

/// Description of one audit check, for report rule tables (SARIF `tool.driver.rules`).
#[derive(Debug, Clone, Copy)]
pub struct AuditRule {
    /// Rule id (`k8s-audit.*`), as on the findings.
    pub id: &'static str,
    /// Human name.
    pub name: &'static str,
    /// What the check reports.
    pub description: &'static str,
    /// What to do about it.
    pub remediation: &'static str,
    /// Default level.
    pub level: Level,
}

/// Every audit check.
pub const RULES: &[AuditRule] = &[
    AuditRule {
        id: "k8s-audit.legacy-token-secret",
        name: "Legacy service-account token Secret",
        description: "A committed Secret of type kubernetes.io/service-account-token: applying it makes the control plane mint a token that never expires.",
        remediation: "Delete the Secret manifest; mint short-lived tokens with the TokenRequest API or projected serviceAccountToken volumes.",
        level: Level::Warning,
    },
    AuditRule {
        id: "k8s-audit.projected-token",
        name: "Projected service-account token above policy",
        description: "A projected serviceAccountToken volume whose expirationSeconds is above the policy or that names no audience.",
        remediation: "Set expirationSeconds within the policy and an audience naming the one service that accepts the token.",
        level: Level::Warning,
    },
    AuditRule {
        id: "k8s-audit.token-request",
        name: "TokenRequest above policy",
        description: "A TokenRequest whose expirationSeconds is above the policy or that names no audiences.",
        remediation: "Request the shortest lifetime that works and name the audiences that will accept the token.",
        level: Level::Warning,
    },
    AuditRule {
        id: "k8s-audit.automount-token",
        name: "Service-account token automounted",
        description: "A workload that leaves automountServiceAccountToken on, so every container gets an API token it may not need.",
        remediation: "Set automountServiceAccountToken: false on the pod spec or service account unless the workload calls the API.",
        level: Level::Note,
    },
    AuditRule {
        id: "k8s-audit.create-token-duration",
        name: "kubectl create token duration above policy",
        description: "A script runs kubectl create token with a --duration above the policy.",
        remediation: "Lower --duration to the policy's maximum or less, and mint the token where it is used.",
        level: Level::Warning,
    },
];

/// Default `expirationSeconds` of projected tokens and TokenRequests.
const DEFAULT_EXPIRATION: i64 = 3600;

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

/// One audit result before it becomes a [`Finding`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    /// Rule id (`k8s-audit.*`).
    pub rule_id: &'static str,
    /// Level.
    pub level: Level,
    /// Byte offset of the offending line in the chunk.
    pub offset: usize,
    /// The offending line, trimmed (configuration, not a secret).
    pub line: String,
    /// Hygiene flags.
    pub flags: Vec<String>,
    /// What is wrong, in words.
    pub message: String,
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

/// Audit one text chunk.
pub fn audit(text: &str, policy: &Policy) -> Vec<Issue> {
    let mut out = Vec::new();
    let max = policy.max_k8s_token_lifetime;
    if text.contains("kind:") && text.contains("apiVersion") {
        let bytes = text.as_bytes();
        let mut at = 0;
        while at <= bytes.len() {
            let (start, doc) = yaml_document(bytes, at);
            let doc_s = std::str::from_utf8(doc).unwrap_or("");
            audit_doc(doc_s, start, max, &mut out);
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
        audit_commands(text, max, &mut out);
    }
    out
}

fn audit_doc(doc: &str, base: usize, max: i64, out: &mut Vec<Issue>) {
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

    if kind == "Secret"
        && let Some(t) = top("type")
        && value_of(t.text, "type") == Some("kubernetes.io/service-account-token")
    {
        let has_token = ls
            .iter()
            .any(|l| l.indent > 0 && value_of(l.text, "token").is_some_and(|v| !v.is_empty()));
        let (level, message) = if has_token {
            (
                Level::Error,
                format!(
                    "Secret {name}: a committed legacy service-account token (never expires, valid until the Secret is deleted)"
                ),
            )
        } else {
            (
                Level::Warning,
                format!(
                    "Secret {name}: applying it mints a legacy service-account token that never expires; use TokenRequest or projected tokens"
                ),
            )
        };
        out.push(Issue {
            rule_id: "k8s-audit.legacy-token-secret",
            level,
            offset: t.offset,
            line: t.text.to_string(),
            flags: vec!["non-expiring".into(), "legacy-service-account-token".into()],
            message,
        });
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
            .find_map(|b| value_of(b.text, "expirationSeconds"))
            .and_then(|v| v.parse::<i64>().ok());
        let aud = block
            .iter()
            .find_map(|b| value_of(b.text, "audience"))
            .filter(|v| !v.is_empty());
        token_issue(
            "k8s-audit.projected-token",
            &format!("{kind} {name}: projected serviceAccountToken"),
            exp,
            aud.is_some(),
            max,
            l,
            out,
        );
    }

    if kind == "TokenRequest" {
        let exp = ls
            .iter()
            .find_map(|b| value_of(b.text, "expirationSeconds"))
            .and_then(|v| v.parse::<i64>().ok());
        let has_aud = ls.iter().enumerate().any(|(i, b)| {
            value_of(b.text, "audiences").is_some_and(|v| {
                (!v.is_empty() && v != "[]")
                    || ls
                        .get(i + 1)
                        .is_some_and(|n| n.indent >= b.indent && n.text.starts_with("- "))
            })
        });
        token_issue(
            "k8s-audit.token-request",
            &format!("TokenRequest {name}"),
            exp,
            has_aud,
            max,
            kind_line,
            out,
        );
    }

    if WORKLOADS.contains(&kind) {
        let disabled = ls
            .iter()
            .any(|l| value_of(l.text, "automountServiceAccountToken") == Some("false"));
        if !disabled {
            out.push(Issue {
                rule_id: "k8s-audit.automount-token",
                level: Level::Note,
                offset: kind_line.offset,
                line: kind_line.text.to_string(),
                flags: vec!["automount-service-account-token".into()],
                message: format!(
                    "{kind} {name}: automountServiceAccountToken is not false, so its pods get an API token; disable it unless they call the API"
                ),
            });
        }
    }
}

fn token_issue(
    rule_id: &'static str,
    what: &str,
    exp: Option<i64>,
    has_aud: bool,
    max: i64,
    at: &Line<'_>,
    out: &mut Vec<Issue>,
) {
    let life = exp.unwrap_or(DEFAULT_EXPIRATION);
    let mut flags = Vec::new();
    let mut words = Vec::new();
    if life > max {
        flags.push("long-lived".to_string());
        words.push(format!(
            "expirationSeconds {life} ({}) is above the policy's {}",
            human_duration(life),
            human_duration(max)
        ));
    }
    if !has_aud {
        flags.push("no-audience".to_string());
        words.push("no audience (the token is accepted by the API server and anything trusting its issuer)".to_string());
    }
    if flags.is_empty() {
        return;
    }
    out.push(Issue {
        rule_id,
        level: Level::Warning,
        offset: at.offset,
        line: at.text.to_string(),
        flags,
        message: format!("{what}: {}", words.join("; ")),
    });
}

/// `kubectl create token SA --duration=…` above the policy, in scripts and CI files.
fn audit_commands(text: &str, max: i64, out: &mut Vec<Issue>) {
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
            if let Some(secs) = dur.and_then(|d| parse_go_duration(&clean(d)))
                && secs > max
            {
                out.push(Issue {
                    rule_id: "k8s-audit.create-token-duration",
                    level: Level::Warning,
                    offset: off + (raw.len() - raw.trim_start().len()),
                    line: line.to_string(),
                    flags: vec!["long-lived".into()],
                    message: format!(
                        "kubectl create token with --duration {} (above the policy's {})",
                        human_duration(secs),
                        human_duration(max)
                    ),
                });
            }
        }
        off += raw.len() + 1;
    }
}

/// Audit findings of a chunk.
pub fn findings(chunk: &Chunk<'_>, policy: &Policy) -> Vec<Finding> {
    let text = String::from_utf8_lossy(&chunk.data);
    let issues = audit(&text, policy);
    if issues.is_empty() {
        return Vec::new();
    }
    let data: &[u8] = &chunk.data;
    let index = LineIndex::new(data);
    let path = chunk.provenance.path().to_string();
    let (blob, git) = match &chunk.provenance {
        Provenance::GitBlob { blob, origin, .. } => (Some(blob.clone()), origin.clone()),
        _ => (None, None),
    };
    issues
        .into_iter()
        .map(|i| {
            let location =
                Location::of_range(&path, &index, data, i.offset..i.offset + i.line.len());
            let mut properties = std::collections::BTreeMap::new();
            properties.insert("audit".into(), true.into());
            Finding {
                rule_id: i.rule_id.to_string(),
                family: FAMILY.to_string(),
                level: crate::hygiene::level_for(i.level, &[]),
                // a configuration fact read from the manifest, not a guess
                confidence: crate::finding::Confidence::High,
                location,
                fingerprint: fingerprint(i.rule_id, &format!("{}\n{}", i.message, i.line)),
                secret: i.line,
                message: i.message,
                hygiene: i.flags,
                properties,
                git: git.clone(),
                blob: blob.clone(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_793_491_200;

    /// The audit of `text`, checking that every issue's rule is described in [`RULES`].
    fn audit(text: &str, policy: &Policy) -> Vec<Issue> {
        let issues = super::audit(text, policy);
        for i in &issues {
            let rule = RULES.iter().find(|r| r.id == i.rule_id);
            assert!(rule.is_some(), "{} is not in RULES", i.rule_id);
        }
        issues
    }

    fn ids(text: &str) -> Vec<(&'static str, Vec<String>)> {
        audit(text, &Policy::new(NOW))
            .into_iter()
            .map(|i| (i.rule_id, i.flags))
            .collect()
    }

    #[test]
    fn legacy_token_secrets() {
        let with = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: deployer-token\n  annotations:\n    kubernetes.io/service-account.name: deployer\ntype: kubernetes.io/service-account-token\ndata:\n  token: ZXlKaGJHY2lPaUpTVXpJMU5pSjkuZXlKcGMzTWlPaUpyZFdKbGNtNWxkR1Z6TDNObGNuWnBZMlZoWTJOdmRXNTBJbjAueA==\n";
        let i = audit(with, &Policy::new(NOW));
        assert_eq!(i.len(), 1);
        assert_eq!(i[0].level, Level::Error);
        assert!(i[0].message.contains("deployer-token"));
        let without = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: deployer-token\ntype: kubernetes.io/service-account-token\n";
        let i = audit(without, &Policy::new(NOW));
        assert_eq!(i[0].level, Level::Warning);
        let opaque = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: x\ntype: Opaque\ndata:\n  token: eA==\n";
        assert!(audit(opaque, &Policy::new(NOW)).is_empty());
    }

    fn pod(sa_token: &str, automount: bool) -> String {
        format!(
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n{}  containers:\n  - name: app\n    image: nginx\n  volumes:\n  - name: tok\n    projected:\n      sources:\n      - serviceAccountToken:\n{sa_token}          path: token\n",
            if automount {
                ""
            } else {
                "  automountServiceAccountToken: false\n"
            }
        )
    }

    #[test]
    fn projected_tokens() {
        let ok = pod(
            "          audience: vault\n          expirationSeconds: 3600\n",
            false,
        );
        assert!(ids(&ok).is_empty(), "{:?}", ids(&ok));
        let long = pod(
            "          audience: vault\n          expirationSeconds: 604800\n",
            false,
        );
        assert_eq!(
            ids(&long),
            [("k8s-audit.projected-token", vec!["long-lived".to_string()])]
        );
        let noaud = pod("          expirationSeconds: 600\n", true);
        assert_eq!(
            ids(&noaud),
            [
                ("k8s-audit.projected-token", vec!["no-audience".to_string()]),
                (
                    "k8s-audit.automount-token",
                    vec!["automount-service-account-token".to_string()]
                )
            ]
        );
    }

    #[test]
    fn token_requests_and_multi_documents() {
        let t = "apiVersion: authentication.k8s.io/v1\nkind: TokenRequest\nmetadata:\n  name: ci\nspec:\n  audiences:\n  - https://ci.example\n  expirationSeconds: 31536000\n---\napiVersion: authentication.k8s.io/v1\nkind: TokenRequest\nmetadata:\n  name: ci2\nspec:\n  expirationSeconds: 600\n";
        let i = audit(t, &Policy::new(NOW));
        assert_eq!(i.len(), 2, "{i:?}");
        assert_eq!(i[0].flags, ["long-lived"]);
        assert_eq!(i[1].flags, ["no-audience"]);
        assert!(i[1].message.contains("ci2"));
        assert!(t[i[1].offset..].starts_with("kind: TokenRequest"));
    }

    #[test]
    fn kubectl_create_token_durations() {
        let s = "#!/bin/sh\nTOKEN=$(kubectl create token deployer --duration=8760h)\nkubectl -n ci create token bot --duration 1h\nkubectl create token x\n";
        let i = audit(s, &Policy::new(NOW));
        assert_eq!(i.len(), 1);
        assert_eq!(i[0].flags, ["long-lived"]);
        assert!(i[0].message.contains("365d") || i[0].message.contains("1 year"));
    }

    #[test]
    fn odd_text_never_panics() {
        for t in [
            "",
            "---",
            "kind:",
            "apiVersion\nkind: Pod\n---\n---\n",
            "kubectl create token --duration=",
            "kind: TokenRequest\napiVersion: x\n  audiences:",
        ] {
            let _ = audit(t, &Policy::new(NOW));
        }
    }
}
