//! Opt-in step beside detection (`--audit-manifests`): configuration findings in Kubernetes
//! manifests and scripts (tokens.md §10) — committed `kubernetes.io/service-account-token`
//! Secrets, projected `serviceAccountToken` volumes and `TokenRequest`s that live longer than the
//! policy or carry no audience, `kubectl create token --duration` above the policy, and workloads
//! that leave `automountServiceAccountToken` on. These are not leaked secrets: they are off by
//! default so they never count against secret-scan precision.

use crate::chunk::{Chunk, LineIndex};
use crate::finding::Level;
use crate::finding::{Finding, Location, fingerprint};
pub use crate::hygiene::manifest::{Issue, audit};
use crate::hygiene::{Policy, props};

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
    let (blob, git) = chunk.provenance.git_facts();
    issues
        .into_iter()
        .map(|i| {
            let location =
                Location::of_range(&path, &index, data, i.offset..i.offset + i.line.len());
            let mut properties = std::collections::BTreeMap::new();
            properties.insert(props::AUDIT.into(), true.into());
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
        // the token it would mint is not in the file: legacy, but not "non-expiring" here
        assert_eq!(i[0].flags, ["legacy-service-account-token"]);
        assert_eq!(
            audit(with, &Policy::new(NOW))[0].flags,
            ["non-expiring", "legacy-service-account-token"]
        );
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
    fn token_requests_of_other_api_groups_are_not_audited() {
        let crd = "apiVersion: llm.example.com/v1alpha1\nkind: TokenRequest\nmetadata:\n  name: demo\nspec:\n  expirationSeconds: 31536000\n";
        assert!(ids(crd).is_empty(), "{:?}", ids(crd));
        let k8s = crd.replace("llm.example.com/v1alpha1", "authentication.k8s.io/v1");
        assert_eq!(
            ids(&k8s),
            [(
                "k8s-audit.token-request",
                vec!["long-lived".to_string(), "no-audience".to_string()]
            )]
        );
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
    fn unparseable_lifetimes_are_reported() {
        let s = "kubectl create token deployer --duration=forever\n";
        assert_eq!(
            ids(s),
            [(
                "k8s-audit.create-token-duration",
                vec!["expiry-unparseable".to_string()]
            )]
        );
        let t = "apiVersion: authentication.k8s.io/v1\nkind: TokenRequest\nmetadata:\n  name: ci\nspec:\n  audiences:\n  - https://ci.example\n  expirationSeconds: 1y\n";
        let i = audit(t, &Policy::new(NOW));
        assert_eq!(i.len(), 1, "{i:?}");
        assert_eq!(i[0].flags, ["expiry-unparseable"]);
        assert!(i[0].message.contains("\"1y\""), "{}", i[0].message);
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
