//! SARIF 2.1.0 report, built with `serde-sarif`, accepted by GitHub code scanning: every rule in
//! `tool.driver.rules` with descriptions, help (and `helpUri`: the rule reference), tags, precision and `security-severity`; every
//! result with a `%SRCROOT%`-relative location, a value-based `partialFingerprints` entry and
//! `properties.hygiene`. Never the raw secret unless `show_secrets` is set.

use std::collections::BTreeMap;
use std::io::Write;

use serde_json::{Value, json};
use serde_sarif::sarif;

use super::ReportOptions;
use crate::audit;
use crate::chunk::GitMessage;
use crate::finding::{Finding, Level};
use crate::rules::Rule;
use crate::scan::ScanReport;

/// RFC 3339 text of Unix seconds (UTC).
pub fn rfc3339(t: i64) -> String {
    chrono::DateTime::from_timestamp(t, 0)
        .map(|d| d.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_default()
}

fn security_severity(level: Level) -> &'static str {
    match level {
        Level::Error => "8.5",
        Level::Warning => "6.0",
        Level::Note => "3.0",
    }
}

fn result_level(level: Level) -> sarif::ResultLevel {
    match level {
        Level::Error => sarif::ResultLevel::Error,
        Level::Warning => sarif::ResultLevel::Warning,
        Level::Note => sarif::ResultLevel::Note,
    }
}

fn bag(tags: Option<Vec<String>>, props: BTreeMap<String, Value>) -> sarif::PropertyBag {
    let mut b = sarif::PropertyBag::builder()
        .additional_properties(props)
        .build();
    b.tags = tags;
    b
}

/// What a SARIF rule descriptor says, from a detection rule or an audit check.
struct Descriptor<'a> {
    id: &'a str,
    name: &'a str,
    description: &'a str,
    remediation: &'a str,
    tags: &'a [String],
    precision: &'a str,
    level: Level,
    family: &'a str,
}

impl<'a> Descriptor<'a> {
    fn of_rule(rule: &'a Rule) -> Self {
        let s = &rule.spec;
        Descriptor {
            id: &s.id,
            name: &s.name,
            description: &s.description,
            remediation: &s.remediation,
            tags: &s.tags,
            precision: s.precision.as_str(),
            level: s.level,
            family: rule.family(),
        }
    }

    fn of_audit(a: &'a audit::AuditRule) -> Self {
        Descriptor {
            id: a.id,
            name: a.name,
            description: a.description,
            remediation: a.remediation,
            tags: &[],
            precision: "high",
            level: a.level,
            family: audit::FAMILY,
        }
    }
}

fn descriptor(s: Descriptor<'_>) -> sarif::ReportingDescriptor {
    // SARIF requires unique tags; a rule may list `security` itself
    let mut tags = vec!["security".to_string(), "secret".to_string()];
    for t in s.tags {
        if !tags.contains(t) {
            tags.push(t.clone());
        }
    }
    let mut props = BTreeMap::new();
    props.insert("precision".into(), json!(s.precision));
    props.insert(
        "security-severity".into(),
        json!(security_severity(s.level)),
    );
    props.insert("family".into(), json!(s.family));
    let help_md = format!(
        "**{}**\n\n{}\n\n**Remediation:** {}",
        s.name, s.description, s.remediation
    );
    let mut d = sarif::ReportingDescriptor::builder()
        .id(s.id)
        .name(pascal(s.id))
        .short_description(
            sarif::MultiformatMessageString::builder()
                .text(s.name)
                .build(),
        )
        .full_description(
            sarif::MultiformatMessageString::builder()
                .text(s.description)
                .build(),
        )
        .help(
            sarif::MultiformatMessageString::builder()
                .text(format!("{} Remediation: {}", s.description, s.remediation))
                .markdown(help_md)
                .build(),
        )
        .default_configuration(
            sarif::ReportingConfiguration::builder()
                .level(json!(s.level.as_str()))
                .build(),
        )
        .properties(bag(Some(tags), props))
        .build();
    // the rule reference (docs/rules.md), for built-in rules and audit checks
    d.help_uri = crate::rules_doc::help_uri(s.id);
    d
}

/// `github.classic-pat` → `GithubClassicPat` (SARIF rule names are identifiers).
fn pascal(id: &str) -> String {
    id.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|p| !p.is_empty())
        .map(|p| {
            let mut c = p.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// The logical location of a commit or tag message: kind `commit` or `tag`, named by the
/// object id, fully qualified as the reported path (`commit <id> message`).
fn message_location(m: &GitMessage) -> sarif::LogicalLocation {
    let mut l = sarif::LogicalLocation::builder()
        .name(m.object.clone())
        .fully_qualified_name(GitMessage::location(m.kind, &m.object))
        .kind(m.kind.as_str())
        .build();
    if let Some(t) = &m.tag {
        l.decorated_name = Some(t.clone());
    }
    l
}

fn result(f: &Finding, index: Option<usize>, opts: &ReportOptions) -> sarif::Result {
    let mut region = sarif::Region::builder()
        .start_line(f.location.start_line as i64)
        .start_column(f.location.start_column as i64)
        .end_line(f.location.end_line as i64)
        .end_column(f.location.end_column as i64)
        .build();
    if opts.show_secrets {
        region.snippet = Some(
            sarif::ArtifactContent::builder()
                .text(f.secret.clone())
                .build(),
        );
    }
    let mut location = sarif::Location::builder()
        .physical_location(physical_location(&f.location.path, region))
        .build();
    if let Some(m) = f.message() {
        // a commit or tag message: the artifact is the object, named as a logical location too
        location.logical_locations = Some(vec![message_location(m)]);
    }
    let mut fps = BTreeMap::new();
    fps.insert("secretFingerprint/v1".to_string(), f.fingerprint.clone());
    let mut props: BTreeMap<String, Value> = BTreeMap::new();
    props.insert("hygiene".into(), json!(f.hygiene));
    props.insert("family".into(), json!(f.family));
    props.insert("confidence".into(), json!(f.confidence.as_str()));
    props.insert("redacted".into(), json!(f.redacted()));
    props.insert("fingerprint".into(), json!(f.fingerprint));
    if !f.properties.is_empty() {
        props.insert("decoded".into(), json!(f.properties));
    }
    if let Some(b) = &f.blob {
        props.insert("blob".into(), json!(b));
    }
    if let Some(g) = &f.git {
        if !g.commit.is_empty() {
            fps.insert("commitSha".to_string(), g.commit.clone());
        }
        props.insert("commit".into(), json!(g.commit));
        props.insert(
            "author".into(),
            json!(format!("{} <{}>", g.author_name, g.author_email)),
        );
        props.insert("date".into(), json!(rfc3339(g.time)));
        props.insert("path".into(), json!(f.location.path));
        props.insert("commitsContaining".into(), json!(g.commits_containing));
        props.insert("refsContaining".into(), json!(g.refs_containing));
        if let Some(m) = &g.message {
            props.insert("messageOf".into(), super::json::message_of(m));
        }
    }
    let related = related_locations(f);
    let mut r = sarif::Result::builder()
        .rule_id(f.rule_id.clone())
        .level(result_level(f.level))
        .message(sarif::Message::builder().text(f.message.clone()).build())
        .locations(vec![location])
        .partial_fingerprints(fps)
        .properties(bag(None, props))
        .build();
    r.rule_index = index.map(|i| i as i64);
    if !related.is_empty() {
        r.related_locations = Some(related);
    }
    r
}

/// `region` of the file at `path`, relative to `%SRCROOT%`.
fn physical_location(path: &str, region: sarif::Region) -> sarif::PhysicalLocation {
    sarif::PhysicalLocation::builder()
        .artifact_location(
            sarif::ArtifactLocation::builder()
                .uri(crate::codec::percent_encode_path(path))
                .uri_base_id("%SRCROOT%")
                .build(),
        )
        .region(region)
        .build()
}

/// The other parts of a multi-part credential (the finding's `parts` property, after its own)
/// as SARIF `relatedLocations` in the finding's file, each with its role and rule as message.
fn related_locations(f: &Finding) -> Vec<sarif::Location> {
    let Some(Value::Array(parts)) = f.properties.get("parts") else {
        return Vec::new();
    };
    let num = |p: &Value, k: &str| p.get(k).and_then(Value::as_i64);
    parts
        .iter()
        .skip(1)
        .filter_map(|p| {
            let region = sarif::Region::builder()
                .start_line(num(p, "line")?)
                .start_column(num(p, "column")?)
                .end_line(num(p, "end_line")?)
                .end_column(num(p, "end_column")?)
                .build();
            let text = format!(
                "{} ({})",
                p.get("role")?.as_str()?,
                p.get("rule")?.as_str()?
            );
            Some((region, text))
        })
        .enumerate()
        .map(|(i, (region, text))| {
            let mut l = sarif::Location::builder()
                .physical_location(physical_location(&f.location.path, region))
                .message(sarif::Message::builder().text(text).build())
                .build();
            l.id = Some(i as i64 + 1);
            l
        })
        .collect()
}

/// The invocation of a scan whose history could not be read whole: one warning notification
/// per object that history references and the store lacks (the scan itself succeeded).
fn incomplete_invocation(report: &ScanReport) -> sarif::Invocation {
    let partial = report
        .stats
        .partial_clone
        .as_ref()
        .map(|r| format!(" (partial clone; promisor remote {r})"))
        .unwrap_or_default();
    let notes: Vec<sarif::Notification> = report
        .stats
        .missing
        .iter()
        .map(|m| {
            let mut text = format!(
                "History references {} {} but the object store lacks it{partial}; it was not scanned",
                m.kind, m.id
            );
            if let Some(p) = &m.path {
                text.push_str(&format!(" (path {p}"));
                if let Some(c) = &m.commit {
                    text.push_str(&format!(" in commit {c}"));
                }
                text.push(')');
            }
            let mut props = BTreeMap::new();
            props.insert("objectId".into(), json!(m.id));
            props.insert("objectType".into(), json!(m.kind));
            if let Some(p) = &m.path {
                props.insert("path".into(), json!(p));
            }
            if let Some(c) = &m.commit {
                props.insert("commit".into(), json!(c));
            }
            let mut n = sarif::Notification::builder()
                .message(sarif::Message::builder().text(text).build())
                .level(json!("warning"))
                .build();
            n.properties = Some(bag(None, props));
            n
        })
        .collect();
    let mut inv = sarif::Invocation::builder()
        .execution_successful(true)
        .build();
    inv.tool_execution_notifications = Some(notes);
    inv
}

/// Write the SARIF log.
pub fn write(
    out: &mut dyn Write,
    report: &ScanReport,
    rules: &[Rule],
    opts: &ReportOptions,
) -> std::io::Result<()> {
    // detection rules, then the audit checks that results refer to (`--audit-manifests`)
    let mut sorted: Vec<Descriptor<'_>> = rules.iter().map(Descriptor::of_rule).collect();
    sorted.extend(
        audit::RULES
            .iter()
            .filter(|a| report.findings.iter().any(|f| f.rule_id == a.id))
            .filter(|a| !rules.iter().any(|r| r.id() == a.id))
            .map(Descriptor::of_audit),
    );
    sorted.sort_by(|a, b| a.id.cmp(b.id));
    let index: BTreeMap<String, usize> = sorted
        .iter()
        .enumerate()
        .map(|(i, d)| (d.id.to_string(), i))
        .collect();
    let descriptors: Vec<sarif::ReportingDescriptor> = sorted.into_iter().map(descriptor).collect();
    let mut driver = sarif::ToolComponent::builder()
        .name("tokenhound")
        .semantic_version(env!("CARGO_PKG_VERSION"))
        .rules(descriptors)
        .build();
    // `informationUri` (SARIF2005): fixed at build time by build.rs
    driver.information_uri = Some(env!("TOKENHOUND_INFORMATION_URI").to_string());
    let results: Vec<sarif::Result> = report
        .findings
        .iter()
        .map(|f| result(f, index.get(f.rule_id.as_str()).copied(), opts))
        .collect();
    let mut run = sarif::Run::builder()
        .tool(sarif::Tool::builder().driver(driver).build())
        .results(results)
        .build();
    run.column_kind = Some(json!("unicodeCodePoints"));
    if let Some(root) = report.roots.first() {
        let abs = std::fs::canonicalize(root)
            .map(|p| p.to_string_lossy().into_owned())
            .unwrap_or_else(|_| root.clone());
        let is_dir = std::path::Path::new(root).is_dir();
        if is_dir {
            let mut uri = format!("file://{}", crate::codec::percent_encode_path(&abs));
            if !uri.ends_with('/') {
                uri.push('/');
            }
            let mut bases = BTreeMap::new();
            bases.insert(
                "%SRCROOT%".to_string(),
                sarif::ArtifactLocation::builder().uri(uri).build(),
            );
            run.original_uri_base_ids = Some(bases);
        }
    }
    if let Some(repo) = &report.repository {
        let mut vcs = sarif::VersionControlDetails::builder()
            .repository_uri(repo.uri.clone())
            .build();
        vcs.revision_id = repo.revision.clone();
        vcs.branch = repo.branch.clone();
        vcs.mapped_to = Some(
            sarif::ArtifactLocation::builder()
                .uri_base_id("%SRCROOT%")
                .build(),
        );
        run.version_control_provenance = Some(vec![vcs]);
    }
    if !report.stats.missing.is_empty() {
        run.invocations = Some(vec![incomplete_invocation(report)]);
    }
    let log = sarif::Sarif::builder()
        .schema("https://json.schemastore.org/sarif-2.1.0.json")
        .version(json!("2.1.0"))
        .runs(vec![run])
        .build();
    serde_json::to_writer_pretty(&mut *out, &log)?;
    writeln!(out)
}
