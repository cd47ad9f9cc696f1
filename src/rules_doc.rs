//! Rule reference: `tokenhound rules doc` renders `docs/rules.md` from the built-in rules
//! (`rules/*.toml`) and the manifest-audit checks, one anchor per rule id; SARIF rule descriptors
//! link to it through `helpUri` ([`help_uri`]). The text depends on the rules only, so CI can
//! regenerate it and fail when the committed file is stale.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::sync::OnceLock;

use serde::Deserialize;

use crate::chunk::{Chunk, Provenance};
use crate::hygiene::Policy;
use crate::matcher::Matcher;
use crate::rules::{BUILTIN_RULE_FILES, BUILTIN_RULE_JSON, Rule};

/// Absolute URI of `docs/rules.md` for this build, fixed by build.rs: `TOKENHOUND_RULES_DOC_URI`
/// at build time, else derived from the SARIF `informationUri` (a repository's
/// `blob/HEAD/docs/rules.md`, or the `file:` URI of the source tree's docs/rules.md).
pub const DOC_URI: &str = env!("TOKENHOUND_RULES_DOC_URI");

/// The command that regenerates the reference (written at its top).
pub const REGENERATE: &str = "cargo run --release -- rules doc > docs/rules.md";

/// The anchor of rule `id` in the reference: the id itself (ids are ASCII letters, digits and
/// `.`, `-`, `_`; anything else is percent-encoded).
pub fn anchor(id: &str) -> String {
    let mut s = String::with_capacity(id.len());
    for b in id.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            s.push(b as char);
        } else {
            let _ = write!(s, "%{b:02X}");
        }
    }
    s
}

/// Where rule `id` is described: [`DOC_URI`] with the rule's anchor, when the reference
/// documents it (a built-in rule or a manifest-audit check; not a user's own rule).
pub fn help_uri(id: &str) -> Option<String> {
    documented_ids()
        .contains(id)
        .then(|| format!("{DOC_URI}#{}", anchor(id)))
}

/// Ids of the built-in rules (read from the embedded files without compiling them) and of the
/// audit checks.
fn documented_ids() -> &'static BTreeSet<String> {
    #[derive(Deserialize)]
    struct File {
        #[serde(default)]
        rule: Vec<Id>,
    }
    #[derive(Deserialize)]
    struct Id {
        id: String,
    }
    static IDS: OnceLock<BTreeSet<String>> = OnceLock::new();
    IDS.get_or_init(|| {
        let mut ids: BTreeSet<String> = BUILTIN_RULE_FILES
            .iter()
            .zip(BUILTIN_RULE_JSON)
            .filter_map(|((_, text), json)| match *json {
                "" => toml::from_str::<File>(text).ok(),
                json => serde_json::from_str::<File>(json).ok(),
            })
            .flat_map(|f| f.rule.into_iter().map(|r| r.id))
            .collect();
        ids.extend(crate::audit::RULES.iter().map(|a| a.id.to_string()));
        ids
    })
}

/// Markdown text on one line: no raw HTML, no table-cell breaks.
fn text(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('|', "\\|")
        .replace('\n', " ")
}

/// `value` as an inline code span.
fn code(value: &str) -> String {
    let fence = if value.contains('`') { "`` " } else { "`" };
    let close = if value.contains('`') { " ``" } else { "`" };
    format!("{fence}{value}{close}")
}

fn code_list(values: impl IntoIterator<Item = impl AsRef<str>>) -> String {
    let v: Vec<String> = values.into_iter().map(|s| code(s.as_ref())).collect();
    if v.is_empty() {
        "none".into()
    } else {
        v.join(", ")
    }
}

/// Property keys of `rule`'s findings on its own examples, through the whole pipeline: what
/// tokenhound reads from such a token offline (decoded facts such as expiry, scopes, account).
fn facts(matcher: &Matcher, rule: &Rule) -> BTreeSet<String> {
    let policy = Policy::new(0);
    let mut keys = BTreeSet::new();
    for ex in &rule.spec.examples {
        let chunk = Chunk {
            data: ex.as_bytes().into(),
            provenance: Provenance::File {
                path: "example".into(),
            },
        };
        for f in crate::detect::findings(matcher, &chunk, &policy, None) {
            if f.rule_id == rule.id() {
                // what the rule says about the finding, not what is read from the token
                keys.extend(
                    f.properties
                        .into_keys()
                        .filter(|k| k != "parts" && k != "public_by_design"),
                );
            }
        }
    }
    keys
}

/// The rule file a built-in rule came from, as a repository path.
fn defined_in(rule: &Rule) -> String {
    if BUILTIN_RULE_FILES.iter().any(|(n, _)| *n == rule.source) {
        format!("rules/{}", rule.source)
    } else {
        rule.source.clone()
    }
}

/// Render the reference for the rules of `matcher` (the built-in rules) and the audit checks.
pub fn render(matcher: &Matcher) -> String {
    let mut rules: Vec<&Rule> = matcher.rules().iter().collect();
    rules.sort_by(|a, b| a.id().cmp(b.id()));
    let audits = crate::audit::RULES;
    let mut o = String::new();
    let _ = writeln!(o, "# Rule reference\n");
    let _ = writeln!(
        o,
        "Generated from `rules/*.toml` and the manifest-audit checks by `tokenhound rules doc`; \
         do not edit by hand. Regenerate with `{REGENERATE}` (CI fails when this file is stale). \
         {} rules and {} audit checks. SARIF reports link each rule here (`helpUri`).\n",
        rules.len(),
        audits.len()
    );
    let _ = writeln!(
        o,
        "Each rule says what a leaked token grants, what to do about it, how it is found \
         (keywords that must occur, offline validators the match must pass) and what tokenhound \
         reads from it offline (the facts its findings carry, shown for the rule's own examples; \
         the family selects the decoder).\n"
    );

    let _ = writeln!(o, "## Index\n");
    let _ = writeln!(o, "| Rule | Name | Level | Precision |");
    let _ = writeln!(o, "|---|---|---|---|");
    for r in &rules {
        let _ = writeln!(
            o,
            "| [{}](#{}) | {} | {} | {} |",
            code(r.id()),
            anchor(r.id()),
            text(&r.spec.name),
            r.spec.level.as_str(),
            r.spec.precision.as_str()
        );
    }
    for a in audits {
        let _ = writeln!(
            o,
            "| [{}](#{}) | {} | {} | high |",
            code(a.id),
            anchor(a.id),
            text(a.name),
            a.level.as_str()
        );
    }

    let _ = writeln!(o, "\n## Rules");
    let by_family: BTreeMap<&str, usize> = rules.iter().fold(BTreeMap::new(), |mut m, r| {
        *m.entry(r.family()).or_default() += 1;
        m
    });
    for r in &rules {
        let s = &r.spec;
        let _ = writeln!(o, "\n<a id=\"{}\"></a>\n", anchor(r.id()));
        let _ = writeln!(o, "### {} — {}\n", code(r.id()), text(&s.name));
        let _ = writeln!(o, "{}\n", text(&s.description));
        let _ = writeln!(o, "- **Remediation:** {}", text(&s.remediation));
        let _ = writeln!(
            o,
            "- **Level:** {} · **Precision:** {}",
            s.level.as_str(),
            s.precision.as_str()
        );
        let case = if s.exact_case_keywords {
            " (exact case)"
        } else {
            ""
        };
        let _ = writeln!(o, "- **Keywords{case}:** {}", code_list(&s.keywords));
        let _ = writeln!(
            o,
            "- **Validators:** {}",
            code_list(s.validators.iter().map(|v| v.name()))
        );
        let shared = by_family.get(r.family()).copied().unwrap_or(0);
        let _ = writeln!(
            o,
            "- **Family:** {}{}",
            code(r.family()),
            if shared > 1 {
                format!(" (shared by {shared} rules)")
            } else {
                String::new()
            }
        );
        let _ = writeln!(
            o,
            "- **Facts read offline:** {}",
            code_list(facts(matcher, r))
        );
        if !s.pair.is_empty() {
            let _ = writeln!(
                o,
                "- **Multi-part credential:** role {}; reported once with {}",
                code(r.role()),
                s.pair
                    .iter()
                    .map(|p| format!(
                        "{} within {} line{}",
                        code(&p.with),
                        p.lines,
                        if p.lines == 1 { "" } else { "s" }
                    ))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        if s.identifier {
            let _ = writeln!(
                o,
                "- **Identifier:** role {}; grants nothing alone, so next to its secret it is \
                 reported only as a part of the secret's finding",
                code(r.role())
            );
        }
        if let Some(why) = &s.public_by_design {
            let _ = writeln!(
                o,
                "- **Public by design:** {} Reported at `note`, low confidence (shown with `--min-confidence low`), with `public_by_design: true`.",
                text(why)
            );
        }
        if s.free_form {
            let _ = writeln!(
                o,
                "- **Free-form value:** found by the syntax around it; a value holding a \
                 counting run (`123456789`, `abcdefg`) is a placeholder here."
            );
        }
        if !s.tags.is_empty() {
            let _ = writeln!(o, "- **Tags:** {}", code_list(&s.tags));
        }
        let _ = writeln!(o, "- **Defined in:** {}", code(&defined_in(r)));
    }

    let _ = writeln!(o, "\n## Manifest audit checks (`--audit-manifests`)");
    for a in audits {
        let _ = writeln!(o, "\n<a id=\"{}\"></a>\n", anchor(a.id));
        let _ = writeln!(o, "### {} — {}\n", code(a.id), text(a.name));
        let _ = writeln!(o, "{}\n", text(a.description));
        let _ = writeln!(o, "- **Remediation:** {}", text(a.remediation));
        let _ = writeln!(o, "- **Level:** {}", a.level.as_str());
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::builtin_rules;

    #[test]
    fn anchors_and_help_uris() {
        assert_eq!(anchor("github.classic-pat"), "github.classic-pat");
        assert_eq!(anchor("a b#c"), "a%20b%23c");
        let uri = help_uri("github.classic-pat").unwrap();
        assert_eq!(uri, format!("{DOC_URI}#github.classic-pat"));
        assert!(DOC_URI.ends_with("docs/rules.md"), "{DOC_URI}");
        assert!(help_uri("k8s-audit.legacy-token-secret").is_some());
        assert_eq!(help_uri("acme.user-rule"), None);
    }

    #[test]
    fn every_rule_and_check_has_one_anchor_and_index_link() {
        let matcher = Matcher::new(builtin_rules().unwrap()).unwrap();
        let doc = render(&matcher);
        let ids: Vec<String> = (matcher.rules().iter().map(|r| r.id().to_string()))
            .chain(crate::audit::RULES.iter().map(|a| a.id.to_string()))
            .collect();
        assert_eq!(ids.len(), documented_ids().len());
        for id in &ids {
            let a = anchor(id);
            assert_eq!(
                doc.matches(&format!("<a id=\"{a}\"></a>")).count(),
                1,
                "{id}"
            );
            assert_eq!(doc.matches(&format!("](#{a})")).count(), 1, "{id}");
            assert!(documented_ids().contains(id));
        }
        // facts come from the pipeline: AWS key ids carry the account, Azure SAS its expiry
        let section = |id: &str| {
            let start = doc.find(&format!("<a id=\"{id}\">")).unwrap();
            let rest = &doc[start + 1..];
            rest[..rest.find("<a id=").unwrap_or(rest.len())].to_string()
        };
        assert!(section("aws.access-key-id").contains("`account_id`"));
        assert!(section("azure.sas-token").contains("`expires_at`"));
        assert!(section("github.classic-pat").contains("**Keywords:** `ghp_`"));
        assert_eq!(render(&matcher), doc, "deterministic");
    }

    #[test]
    fn markdown_is_escaped() {
        assert_eq!(text("a | b <c>\nd"), "a \\| b &lt;c&gt; d");
        assert_eq!(code("x`y"), "`` x`y ``");
        assert_eq!(code_list(Vec::<String>::new()), "none");
    }
}
