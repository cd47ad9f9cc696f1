//! Verdicts on manifest facts (`--audit-manifests`, tokens.md §10): which committed Secrets,
//! projected tokens, TokenRequests, `kubectl create token` calls and workloads break the policy,
//! at which level, in which words.

use super::{Flag, Policy};
use crate::decode::human_duration;
use crate::decode::manifest::{DEFAULT_EXPIRATION, Lifetime, Located, ManifestFact};
use crate::finding::Level;

/// One audit result before it becomes a [`crate::finding::Finding`].
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

/// Audit one text chunk: decode its manifest facts and judge each.
pub fn audit(text: &str, policy: &Policy) -> Vec<Issue> {
    crate::decode::manifest::facts(text)
        .iter()
        .filter_map(|f| judge(f, policy))
        .collect()
}

/// Judge one manifest fact (`None`: within the policy).
pub fn judge(f: &Located, policy: &Policy) -> Option<Issue> {
    let max = policy.max_k8s_token_lifetime;
    let issue = |rule_id, level, flags: Vec<Flag>, message| Issue {
        rule_id,
        level,
        offset: f.offset,
        line: f.line.clone(),
        flags: flags.into_iter().map(|x| x.as_str().to_string()).collect(),
        message,
    };
    match &f.fact {
        ManifestFact::LegacyTokenSecret { name, has_token } => {
            let (level, message) = if *has_token {
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
            Some(issue(
                "k8s-audit.legacy-token-secret",
                level,
                vec![Flag::NonExpiring, Flag::LegacyServiceAccountToken],
                message,
            ))
        }
        ManifestFact::ProjectedToken {
            kind,
            name,
            expiration,
            has_audience,
        } => token_issue(
            "k8s-audit.projected-token",
            &format!("{kind} {name}: projected serviceAccountToken"),
            expiration,
            *has_audience,
            max,
        )
        .map(|(flags, message)| issue("k8s-audit.projected-token", Level::Warning, flags, message)),
        ManifestFact::TokenRequest {
            name,
            expiration,
            has_audience,
        } => token_issue(
            "k8s-audit.token-request",
            &format!("TokenRequest {name}"),
            expiration,
            *has_audience,
            max,
        )
        .map(|(flags, message)| issue("k8s-audit.token-request", Level::Warning, flags, message)),
        ManifestFact::AutomountToken { kind, name } => Some(issue(
            "k8s-audit.automount-token",
            Level::Note,
            vec![Flag::AutomountServiceAccountToken],
            format!(
                "{kind} {name}: automountServiceAccountToken is not false, so its pods get an API token; disable it unless they call the API"
            ),
        )),
        ManifestFact::CreateToken { duration } => match duration {
            Lifetime::Seconds(secs) if *secs > max => Some(issue(
                "k8s-audit.create-token-duration",
                Level::Warning,
                vec![Flag::LongLived],
                format!(
                    "kubectl create token with --duration {} (above the policy's {})",
                    human_duration(*secs),
                    human_duration(max)
                ),
            )),
            _ => None,
        },
    }
}

/// Flags and message for a projected token or TokenRequest (`None`: within the policy).
fn token_issue(
    _rule_id: &'static str,
    what: &str,
    expiration: &Lifetime,
    has_aud: bool,
    max: i64,
) -> Option<(Vec<Flag>, String)> {
    let life = match expiration {
        Lifetime::Seconds(s) => *s,
        _ => DEFAULT_EXPIRATION,
    };
    let mut flags = Vec::new();
    let mut words = Vec::new();
    if life > max {
        flags.push(Flag::LongLived);
        words.push(format!(
            "expirationSeconds {life} ({}) is above the policy's {}",
            human_duration(life),
            human_duration(max)
        ));
    }
    if !has_aud {
        flags.push(Flag::NoAudience);
        words.push("no audience (the token is accepted by the API server and anything trusting its issuer)".to_string());
    }
    if flags.is_empty() {
        return None;
    }
    Some((flags, format!("{what}: {}", words.join("; "))))
}
