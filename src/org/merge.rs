//! Organisation reports: the findings of many repositories, each naming its repository, with a
//! summary per repository. Built by an organisation scan ([`crate::org`]) or read back from its
//! JSON or SARIF output, and merged: merging is a set union keyed by repository, fingerprint and
//! location, so merging the same shard twice, a re-run shard, or an already merged report changes
//! nothing. Written as JSON (every finding with its `repository`, plus each secret once with all
//! its locations), as SARIF (one run listing every repository in `versionControlProvenance`), as
//! one SARIF file per repository ready for a code-scanning upload, or as a human summary.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, bail};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::finding::{Finding, Level, Location};
use crate::report::{self, ReportOptions};
use crate::rules::Rule;
use crate::scan::ScanReport;

/// One repository of an organisation report.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RepoSummary {
    /// The repository id (see [`crate::org::RepoEntry::id`]).
    pub id: String,
    /// Remote URL (without credentials) or `file://` path; absent when it could not be read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uri: Option<String>,
    /// HEAD commit scanned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revision: Option<String>,
    /// HEAD branch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub branch: Option<String>,
    /// `history` or `tree`.
    pub mode: String,
    /// Files or blobs scanned.
    pub scanned: u64,
    /// Bytes scanned.
    pub bytes: u64,
    /// Findings in this repository (recomputed from the findings when written).
    #[serde(default)]
    pub findings: usize,
    /// Skipped inputs per reason category.
    #[serde(default)]
    pub skipped: BTreeMap<String, usize>,
    /// Notes about the scan (shallow clone, suppressions…).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// Why the repository could not be fetched or scanned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// What makes two findings the same: repository, secret (fingerprint), rule and place.
type Key = (String, String, String, String, u64, u64, String);

/// Findings of many repositories, each a JSON object of the one-repository JSON report's shape
/// (`docs/json-output.md`) plus `repository`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OrgReport {
    /// Per repository, by id.
    pub repositories: BTreeMap<String, RepoSummary>,
    findings: BTreeMap<Key, Map<String, Value>>,
}

fn key_of(f: &Map<String, Value>) -> Key {
    let s = |k: &str| f.get(k).and_then(Value::as_str).unwrap_or("").to_string();
    let n = |k: &str| f.get(k).and_then(Value::as_u64).unwrap_or(0);
    (
        s("repository"),
        s("fingerprint"),
        s("rule_id"),
        s("path"),
        n("start_line"),
        n("start_column"),
        s("commit"),
    )
}

/// Of two versions of the same record, the one a merge keeps whatever the input order.
fn pick<T: Serialize>(a: T, b: T) -> T {
    let sa = serde_json::to_string(&a).unwrap_or_default();
    let sb = serde_json::to_string(&b).unwrap_or_default();
    if sb > sa { b } else { a }
}

impl OrgReport {
    /// Add the report of one repository scan; returns its summary.
    pub fn add_scan(
        &mut self,
        id: &str,
        mode: crate::org::Mode,
        report: &ScanReport,
        opts: &ReportOptions,
    ) -> RepoSummary {
        let info = report.repository.as_ref();
        let summary = RepoSummary {
            id: id.to_string(),
            uri: info.map(|i| i.uri.clone()),
            revision: info.and_then(|i| i.revision.clone()),
            branch: info.and_then(|i| i.branch.clone()),
            mode: mode.as_str().to_string(),
            scanned: report.stats.scanned,
            bytes: report.stats.bytes,
            findings: report.findings.len(),
            skipped: report::skip_counts(report).into_iter().collect(),
            notes: report.stats.notes.clone(),
            error: None,
        };
        for f in &report.findings {
            let Value::Object(mut o) = report::json::finding_json(f, opts) else {
                continue;
            };
            o.insert("repository".into(), json!(id));
            self.insert_finding(o);
        }
        self.insert_summary(summary.clone());
        summary
    }

    /// Record a repository that could not be fetched or scanned.
    pub fn add_failure(&mut self, id: &str, mode: crate::org::Mode, error: &str) -> RepoSummary {
        let summary = RepoSummary {
            id: id.to_string(),
            mode: mode.as_str().to_string(),
            error: Some(error.to_string()),
            ..Default::default()
        };
        self.insert_summary(summary.clone());
        summary
    }

    fn insert_summary(&mut self, s: RepoSummary) {
        let id = s.id.clone();
        let kept = match self.repositories.remove(&id) {
            None => s,
            // a successful scan beats a failed one; otherwise a stable choice
            Some(old) => match (old.error.is_some(), s.error.is_some()) {
                (true, false) => s,
                (false, true) => old,
                _ => pick(old, s),
            },
        };
        self.repositories.insert(id, kept);
    }

    fn insert_finding(&mut self, f: Map<String, Value>) {
        let k = key_of(&f);
        let kept = match self.findings.remove(&k) {
            None => f,
            Some(old) => pick(old, f),
        };
        self.findings.insert(k, kept);
    }

    /// Merge `other` into this report (a set union; see the module documentation).
    pub fn merge(&mut self, other: OrgReport) {
        for s in other.repositories.into_values() {
            self.insert_summary(s);
        }
        for f in other.findings.into_values() {
            self.insert_finding(f);
        }
    }

    /// Every finding (JSON objects with `repository`), in repository, fingerprint, place order.
    pub fn findings(&self) -> impl Iterator<Item = &Map<String, Value>> {
        self.findings.values()
    }

    /// Drop the secrets themselves (kept only when the scan and the merge both show secrets).
    pub fn strip_secrets(&mut self) {
        for f in self.findings.values_mut() {
            f.remove("secret");
        }
    }

    /// Repositories with their finding counts recomputed.
    fn summaries(&self) -> Vec<RepoSummary> {
        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        for f in self.findings.values() {
            *counts.entry(str_of(f, "repository")).or_default() += 1;
        }
        self.repositories
            .values()
            .map(|s| RepoSummary {
                findings: counts.get(s.id.as_str()).copied().unwrap_or(0),
                ..s.clone()
            })
            .collect()
    }

    /// Findings grouped by secret (fingerprint): each secret once.
    fn secrets(&self) -> Vec<Secret<'_>> {
        let mut by_fp: BTreeMap<&str, Vec<&Map<String, Value>>> = BTreeMap::new();
        for f in self.findings.values() {
            by_fp.entry(str_of(f, "fingerprint")).or_default().push(f);
        }
        let mut out: Vec<Secret<'_>> = by_fp
            .into_iter()
            .map(|(fp, places)| Secret {
                fingerprint: fp,
                places,
            })
            .collect();
        out.sort_by(|a, b| {
            (
                b.level(),
                b.repositories().len(),
                b.places.len(),
                a.fingerprint,
            )
                .cmp(&(
                    a.level(),
                    a.repositories().len(),
                    a.places.len(),
                    b.fingerprint,
                ))
        });
        out
    }
}

fn str_of<'a>(f: &'a Map<String, Value>, k: &str) -> &'a str {
    f.get(k).and_then(Value::as_str).unwrap_or("")
}

fn level_of(f: &Map<String, Value>) -> Level {
    match str_of(f, "level") {
        "error" => Level::Error,
        "warning" => Level::Warning,
        _ => Level::Note,
    }
}

/// One secret and every place it was found.
struct Secret<'a> {
    fingerprint: &'a str,
    places: Vec<&'a Map<String, Value>>,
}

impl Secret<'_> {
    fn first(&self) -> &Map<String, Value> {
        self.places[0]
    }

    fn level(&self) -> Level {
        self.places
            .iter()
            .map(|f| level_of(f))
            .max()
            .unwrap_or(Level::Note)
    }

    fn repositories(&self) -> BTreeSet<&str> {
        self.places
            .iter()
            .map(|f| str_of(f, "repository"))
            .collect()
    }

    fn hygiene(&self) -> BTreeSet<&str> {
        self.places
            .iter()
            .filter_map(|f| f.get("hygiene").and_then(Value::as_array))
            .flatten()
            .filter_map(Value::as_str)
            .collect()
    }

    fn json(&self) -> Value {
        let f = self.first();
        let locations: Vec<Value> = self
            .places
            .iter()
            .map(|p| {
                let mut l = Map::new();
                for k in [
                    "repository",
                    "path",
                    "start_line",
                    "start_column",
                    "end_line",
                    "end_column",
                    "commit",
                    "date",
                    "message_of",
                ] {
                    if let Some(v) = p.get(k) {
                        l.insert(k.into(), v.clone());
                    }
                }
                Value::Object(l)
            })
            .collect();
        let mut o = json!({
            "fingerprint": self.fingerprint,
            "rule_id": f.get("rule_id"),
            "family": f.get("family"),
            "level": self.level().as_str(),
            "redacted": f.get("redacted"),
            "message": f.get("message"),
            "hygiene": self.hygiene(),
            "repositories": self.repositories(),
            "locations": locations,
        });
        if let Some(s) = f.get("secret") {
            o["secret"] = s.clone();
        }
        o
    }
}

// ---------------------------------------------------------------- reading reports

/// Read an organisation report (JSON or SARIF, as `scan --repos` or `merge` write it; a
/// one-repository SARIF log with `versionControlProvenance` is accepted too). Also returns the
/// SARIF rule descriptors it holds, by rule id.
pub fn parse(text: &str) -> Result<(OrgReport, BTreeMap<String, Value>)> {
    let doc: Value = serde_json::from_str(text).context("not JSON")?;
    if doc.get("runs").is_some() {
        parse_sarif(&doc)
    } else if doc.get("repositories").is_some() && doc.get("findings").is_some() {
        Ok((parse_json(&doc)?, BTreeMap::new()))
    } else {
        bail!(
            "not an organisation report: expected the JSON or SARIF output of `tokenhound scan --repos` or `tokenhound merge`"
        )
    }
}

/// Read report files and merge them; also returns the SARIF rule descriptors they hold.
pub fn read_and_merge(paths: &[PathBuf]) -> Result<(OrgReport, BTreeMap<String, Value>)> {
    let mut all = OrgReport::default();
    let mut descriptors = BTreeMap::new();
    for p in paths {
        let text =
            std::fs::read_to_string(p).with_context(|| format!("cannot read {}", p.display()))?;
        let (r, d) = parse(&text).with_context(|| p.display().to_string())?;
        all.merge(r);
        for (id, v) in d {
            descriptors.entry(id).or_insert(v);
        }
    }
    Ok((all, descriptors))
}

fn parse_json(doc: &Value) -> Result<OrgReport> {
    let mut r = OrgReport::default();
    let repos = doc["repositories"]
        .as_array()
        .context("`repositories` is not a list")?;
    for s in repos {
        let s: RepoSummary = serde_json::from_value(s.clone()).context("a `repositories` entry")?;
        r.insert_summary(s);
    }
    for f in doc["findings"]
        .as_array()
        .context("`findings` is not a list")?
    {
        let Value::Object(o) = f else {
            bail!("a finding is not an object");
        };
        if !r.repositories.contains_key(str_of(o, "repository")) {
            bail!("a finding names no listed repository");
        }
        r.insert_finding(o.clone());
    }
    Ok(r)
}

fn parse_sarif(doc: &Value) -> Result<(OrgReport, BTreeMap<String, Value>)> {
    let mut r = OrgReport::default();
    let mut descriptors = BTreeMap::new();
    for run in doc["runs"].as_array().context("`runs` is not a list")? {
        for d in run["tool"]["driver"]["rules"]
            .as_array()
            .into_iter()
            .flatten()
        {
            if let Some(id) = d["id"].as_str() {
                descriptors.entry(id.to_string()).or_insert(d.clone());
            }
        }
        if let Some(list) = run["properties"].get("repositories") {
            // the organisation form: every repository in one run
            let list: Vec<RepoSummary> = serde_json::from_value(list.clone())
                .context("a run's `properties.repositories`")?;
            for s in list {
                r.insert_summary(s);
            }
            for res in run["results"].as_array().into_iter().flatten() {
                let repo = res["properties"]["repository"]
                    .as_str()
                    .context("a result without properties.repository")?;
                if !r.repositories.contains_key(repo) {
                    bail!("a result names no listed repository");
                }
                r.insert_finding(finding_of_result(res, repo)?);
            }
            continue;
        }
        let vcs = &run["versionControlProvenance"][0];
        let summary = match run["properties"].get("summary") {
            Some(s) => serde_json::from_value::<RepoSummary>(s.clone())
                .context("a run's `properties.summary`")?,
            None => {
                let Some(uri) = vcs["repositoryUri"].as_str() else {
                    bail!(
                        "a run names no repository (no properties.summary nor versionControlProvenance)"
                    );
                };
                RepoSummary {
                    id: crate::org::url_id(uri),
                    uri: Some(uri.to_string()),
                    revision: vcs["revisionId"].as_str().map(str::to_string),
                    branch: vcs["branch"].as_str().map(str::to_string),
                    mode: "history".into(),
                    ..Default::default()
                }
            }
        };
        let id = summary.id.clone();
        r.insert_summary(summary);
        for res in run["results"].as_array().into_iter().flatten() {
            r.insert_finding(finding_of_result(res, &id)?);
        }
    }
    Ok((r, descriptors))
}

/// Git attribution fields: their JSON finding key and their SARIF result property.
const GIT_FIELDS: &[(&str, &str)] = &[
    ("blob", "blob"),
    ("commit", "commit"),
    ("author", "author"),
    ("date", "date"),
    ("commits_containing", "commitsContaining"),
    ("refs_containing", "refsContaining"),
    ("message_of", "messageOf"),
];

/// A SARIF result back into the JSON finding shape (the inverse of [`result_of_finding`]).
fn finding_of_result(res: &Value, repo: &str) -> Result<Map<String, Value>> {
    let props = &res["properties"];
    let loc = &res["locations"][0]["physicalLocation"];
    let region = &loc["region"];
    let path = match props["path"].as_str() {
        Some(p) => p.to_string(),
        None => crate::codec::percent_decode(
            loc["artifactLocation"]["uri"]
                .as_str()
                .context("a result without a location")?,
        ),
    };
    let fingerprint = props["fingerprint"]
        .as_str()
        .or_else(|| res["partialFingerprints"]["secretFingerprint/v1"].as_str())
        .context("a result without a fingerprint")?;
    let mut o = Map::new();
    o.insert("rule_id".into(), res["ruleId"].clone());
    o.insert("family".into(), props["family"].clone());
    o.insert(
        "level".into(),
        json!(res["level"].as_str().unwrap_or("warning")),
    );
    o.insert("path".into(), json!(path));
    for (k, s) in [
        ("start_line", "startLine"),
        ("start_column", "startColumn"),
        ("end_line", "endLine"),
        ("end_column", "endColumn"),
    ] {
        o.insert(k.into(), region[s].clone());
    }
    o.insert("fingerprint".into(), json!(fingerprint));
    o.insert("redacted".into(), props["redacted"].clone());
    if let Some(c) = props.get("confidence").filter(|c| !c.is_null()) {
        o.insert("confidence".into(), c.clone());
    }
    o.insert("message".into(), res["message"]["text"].clone());
    o.insert(
        "hygiene".into(),
        props.get("hygiene").cloned().unwrap_or(json!([])),
    );
    o.insert(
        "properties".into(),
        props.get("decoded").cloned().unwrap_or(json!({})),
    );
    if let Some(s) = region["snippet"]["text"].as_str() {
        o.insert("secret".into(), json!(s));
    }
    for &(k, s) in GIT_FIELDS {
        if let Some(v) = props.get(s) {
            o.insert(k.into(), v.clone());
        }
    }
    o.insert("repository".into(), json!(repo));
    Ok(o)
}

// ---------------------------------------------------------------- JSON

/// Counts of the findings per level, family and hygiene flag.
fn counts(r: &OrgReport) -> (Value, Value, Value) {
    let mut by_level: BTreeMap<&str, usize> = BTreeMap::new();
    let mut by_family: BTreeMap<&str, usize> = BTreeMap::new();
    let mut by_flag: BTreeMap<&str, usize> = BTreeMap::new();
    for f in r.findings.values() {
        *by_level.entry(str_of(f, "level")).or_default() += 1;
        *by_family.entry(str_of(f, "family")).or_default() += 1;
        for h in f
            .get("hygiene")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            *by_flag.entry(h.as_str().unwrap_or("")).or_default() += 1;
        }
    }
    (json!(by_level), json!(by_family), json!(by_flag))
}

/// Write the JSON organisation report: `repositories`, `findings` (each with `repository`),
/// `secrets` (each secret once with all its locations) and `summary`.
pub fn write_json(out: &mut dyn Write, r: &OrgReport) -> std::io::Result<()> {
    let summaries = r.summaries();
    let secrets: Vec<Value> = r.secrets().iter().map(Secret::json).collect();
    let shared = r
        .secrets()
        .iter()
        .filter(|s| s.repositories().len() > 1)
        .count();
    let (by_level, by_family, by_flag) = counts(r);
    let doc = json!({
        "version": 1,
        "kind": "organisation",
        "tool": {"name": "tokenhound", "version": env!("CARGO_PKG_VERSION")},
        "repositories": summaries,
        "findings": r.findings.values().collect::<Vec<_>>(),
        "secrets": secrets,
        "summary": {
            "repositories": summaries.len(),
            "failed": summaries.iter().filter(|s| s.error.is_some()).count(),
            "scanned": summaries.iter().map(|s| s.scanned).sum::<u64>(),
            "bytes": summaries.iter().map(|s| s.bytes).sum::<u64>(),
            "findings": r.findings.len(),
            "secrets": secrets.len(),
            "secrets_in_several_repositories": shared,
            "by_level": by_level,
            "by_family": by_family,
            "by_flag": by_flag,
        },
    });
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}

// ---------------------------------------------------------------- SARIF

/// SARIF rule descriptors and the driver's fixed facts, for writing SARIF.
#[derive(Debug, Clone)]
pub struct Descriptors {
    driver: Map<String, Value>,
    rules: BTreeMap<String, Value>,
}

impl Descriptors {
    /// The descriptors of `rules` and of every manifest-audit check (as the one-repository SARIF
    /// report writes them), then those of `extra` (read from input reports) for other rule ids.
    pub fn new(rules: &[Rule], extra: BTreeMap<String, Value>) -> Self {
        // one placeholder finding per audit check, so that the writer describes them all
        let findings: Vec<Finding> = crate::audit::RULES
            .iter()
            .map(|a| Finding {
                rule_id: a.id.to_string(),
                family: String::new(),
                level: a.level,
                confidence: crate::finding::Confidence::High,
                location: Location {
                    path: String::new(),
                    start_line: 1,
                    start_column: 1,
                    end_line: 1,
                    end_column: 1,
                },
                secret: String::new(),
                fingerprint: String::new(),
                message: String::new(),
                hygiene: Vec::new(),
                properties: BTreeMap::new(),
                git: None,
                blob: None,
            })
            .collect();
        let report = ScanReport {
            findings,
            stats: Default::default(),
            roots: Vec::new(),
            repository: None,
        };
        let mut buf = Vec::new();
        let _ = report::sarif::write(&mut buf, &report, rules, &ReportOptions::default());
        let doc: Value = serde_json::from_slice(&buf).unwrap_or(Value::Null);
        let mut driver = doc["runs"][0]["tool"]["driver"]
            .as_object()
            .cloned()
            .unwrap_or_default();
        let mut by_id = BTreeMap::new();
        if let Some(Value::Array(rs)) = driver.remove("rules") {
            for d in rs {
                if let Some(id) = d["id"].as_str() {
                    by_id.insert(id.to_string(), d.clone());
                }
            }
        }
        for (id, d) in extra {
            by_id.entry(id).or_insert(d);
        }
        Descriptors {
            driver,
            rules: by_id,
        }
    }

    fn get(&self, id: &str) -> Value {
        self.rules.get(id).cloned().unwrap_or_else(|| {
            json!({
                "id": id,
                "shortDescription": {"text": id},
                "fullDescription": {"text": format!("Findings of the rule {id}.")},
                "help": {"text": format!("Findings of the rule {id}.")},
                "properties": {"tags": ["security", "secret"]},
            })
        })
    }
}

/// One finding as a SARIF result (rule index filled in by the caller).
fn result_of_finding(f: &Map<String, Value>, also_in: &[&str]) -> Value {
    let get = |k: &str| f.get(k).cloned().unwrap_or(Value::Null);
    let mut region = json!({
        "startLine": get("start_line"),
        "startColumn": get("start_column"),
        "endLine": get("end_line"),
        "endColumn": get("end_column"),
    });
    if let Some(s) = f.get("secret") {
        region["snippet"] = json!({"text": s});
    }
    let mut fps = json!({"secretFingerprint/v1": get("fingerprint")});
    let mut props = json!({
        "repository": get("repository"),
        "path": get("path"),
        "family": get("family"),
        "redacted": get("redacted"),
        "fingerprint": get("fingerprint"),
        "hygiene": f.get("hygiene").cloned().unwrap_or(json!([])),
    });
    if let Some(c) = f.get("confidence") {
        props["confidence"] = c.clone();
    }
    if let Some(d) = f
        .get("properties")
        .filter(|d| d.as_object().is_some_and(|o| !o.is_empty()))
    {
        props["decoded"] = d.clone();
    }
    for &(k, s) in GIT_FIELDS {
        if let Some(v) = f.get(k) {
            props[s] = v.clone();
        }
    }
    if let Some(c) = f.get("commit") {
        fps["commitSha"] = c.clone();
    }
    if !also_in.is_empty() {
        props["alsoFoundIn"] = json!(also_in);
    }
    json!({
        "ruleId": get("rule_id"),
        "level": get("level"),
        "message": {"text": get("message")},
        "locations": [{
            "physicalLocation": {
                "artifactLocation": {"uri": crate::codec::percent_encode_path(str_of(f, "path")), "uriBaseId": "%SRCROOT%"},
                "region": region,
            }
        }],
        "partialFingerprints": fps,
        "properties": props,
    })
}

/// The SARIF run of one repository.
fn run_of(r: &OrgReport, s: &RepoSummary, d: &Descriptors, repos_of: &RepoIndex) -> Value {
    let findings: Vec<&Map<String, Value>> = r
        .findings
        .range(
            (
                s.id.clone(),
                String::new(),
                String::new(),
                String::new(),
                0,
                0,
                String::new(),
            )..,
        )
        .take_while(|(k, _)| k.0 == s.id)
        .map(|(_, f)| f)
        .collect();
    let ids: BTreeSet<&str> = findings.iter().map(|f| str_of(f, "rule_id")).collect();
    let index: BTreeMap<&str, usize> = ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
    let results: Vec<Value> = findings
        .iter()
        .map(|f| {
            let also: Vec<&str> = repos_of
                .get(str_of(f, "fingerprint"))
                .into_iter()
                .flatten()
                .copied()
                .filter(|id| *id != s.id)
                .collect();
            let mut res = result_of_finding(f, &also);
            res["ruleIndex"] = json!(index[str_of(f, "rule_id")]);
            res
        })
        .collect();
    let mut driver = d.driver.clone();
    driver.insert(
        "rules".into(),
        Value::Array(ids.iter().map(|id| d.get(id)).collect()),
    );
    let mut invocation = json!({"executionSuccessful": s.error.is_none()});
    if let Some(e) = &s.error {
        invocation["toolExecutionNotifications"] =
            json!([{"level": "error", "message": {"text": e}}]);
    }
    let mut run = json!({
        "tool": {"driver": driver},
        "automationDetails": {"id": format!("tokenhound/{}/", s.id.trim_matches('/'))},
        "invocations": [invocation],
        "columnKind": "unicodeCodePoints",
        "results": results,
        "properties": {"repository": s.id, "summary": s},
    });
    if let Some(uri) = &s.uri {
        let mut vcs = json!({"repositoryUri": uri, "mappedTo": {"uriBaseId": "%SRCROOT%"}});
        if let Some(rev) = &s.revision {
            vcs["revisionId"] = json!(rev);
        }
        if let Some(b) = &s.branch {
            vcs["branch"] = json!(b);
        }
        run["versionControlProvenance"] = json!([vcs]);
    }
    run
}

/// For each fingerprint, the repositories holding it.
type RepoIndex<'a> = BTreeMap<&'a str, BTreeSet<&'a str>>;

fn repo_index(r: &OrgReport) -> RepoIndex<'_> {
    let mut m: RepoIndex<'_> = BTreeMap::new();
    for f in r.findings.values() {
        m.entry(str_of(f, "fingerprint"))
            .or_default()
            .insert(str_of(f, "repository"));
    }
    m
}

fn sarif_log(runs: Vec<Value>) -> Value {
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": runs,
    })
}

/// Write the SARIF organisation report: ONE run (GitHub accepts at most 20 runs per file) whose
/// `versionControlProvenance` lists every repository, each mapped to its own `uriBaseId`
/// (`REPO0001`…, described by the repository id) that its results' locations use; every result
/// carries `properties.repository` and, when other repositories hold the same secret,
/// `alsoFoundIn`; the repository summaries are in `properties.repositories` and a repository
/// that could not be scanned is a tool execution notification.
pub fn write_sarif(out: &mut dyn Write, r: &OrgReport, d: &Descriptors) -> std::io::Result<()> {
    let idx = repo_index(r);
    let summaries = r.summaries();
    let base_of: BTreeMap<&str, String> = summaries
        .iter()
        .enumerate()
        .map(|(i, s)| (s.id.as_str(), format!("REPO{:04}", i + 1)))
        .collect();
    let ids: BTreeSet<&str> = r.findings.values().map(|f| str_of(f, "rule_id")).collect();
    let index: BTreeMap<&str, usize> = ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
    let results: Vec<Value> = r
        .findings
        .values()
        .map(|f| {
            let repo = str_of(f, "repository");
            let also: Vec<&str> = idx
                .get(str_of(f, "fingerprint"))
                .into_iter()
                .flatten()
                .copied()
                .filter(|id| *id != repo)
                .collect();
            let mut res = result_of_finding(f, &also);
            res["ruleIndex"] = json!(index[str_of(f, "rule_id")]);
            res["locations"][0]["physicalLocation"]["artifactLocation"]["uriBaseId"] =
                json!(base_of.get(repo).cloned().unwrap_or_default());
            res
        })
        .collect();
    let mut driver = d.driver.clone();
    driver.insert(
        "rules".into(),
        Value::Array(ids.iter().map(|id| d.get(id)).collect()),
    );
    let bases: Map<String, Value> = summaries
        .iter()
        .map(|s| {
            (
                base_of[s.id.as_str()].clone(),
                json!({"description": {"text": format!("repository {}", s.id)}}),
            )
        })
        .collect();
    let vcs: Vec<Value> = summaries
        .iter()
        .filter_map(|s| {
            let uri = s.uri.as_ref()?;
            let mut v =
                json!({"repositoryUri": uri, "mappedTo": {"uriBaseId": base_of[s.id.as_str()]}});
            if let Some(rev) = &s.revision {
                v["revisionId"] = json!(rev);
            }
            if let Some(b) = &s.branch {
                v["branch"] = json!(b);
            }
            Some(v)
        })
        .collect();
    let failures: Vec<Value> = summaries
        .iter()
        .filter_map(|s| {
            let e = s.error.as_ref()?;
            Some(json!({"level": "error", "message": {"text": format!("{}: {e}", s.id)}}))
        })
        .collect();
    let mut invocation = json!({"executionSuccessful": failures.is_empty()});
    if !failures.is_empty() {
        invocation["toolExecutionNotifications"] = json!(failures);
    }
    let mut run = json!({
        "tool": {"driver": driver},
        "automationDetails": {"id": "tokenhound/organisation/"},
        "invocations": [invocation],
        "originalUriBaseIds": bases,
        "columnKind": "unicodeCodePoints",
        "results": results,
        "properties": {"repositories": summaries},
    });
    if !vcs.is_empty() {
        run["versionControlProvenance"] = json!(vcs);
    }
    serde_json::to_writer_pretty(&mut *out, &sarif_log(vec![run]))?;
    writeln!(out)
}

/// Write one SARIF file per repository into `dir` (named after the repository id), each a single
/// run ready for a code-scanning upload to that repository. Returns the files written.
pub fn write_sarif_dir(dir: &Path, r: &OrgReport, d: &Descriptors) -> Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let idx = repo_index(r);
    let mut written = Vec::new();
    for s in r.summaries() {
        let p = dir.join(format!("{}.sarif", crate::org::fetch::cache_name(&s.id)));
        let mut w = std::io::BufWriter::new(
            std::fs::File::create(&p).with_context(|| format!("cannot write {}", p.display()))?,
        );
        serde_json::to_writer_pretty(&mut w, &sarif_log(vec![run_of(r, &s, d, &idx)]))?;
        writeln!(w)?;
        w.flush()?;
        written.push(p);
    }
    Ok(written)
}

// ---------------------------------------------------------------- human

/// Write the human summary: per repository, per family, per hygiene flag, then each secret once
/// with every place it was found (redacted unless the findings carry the secret).
pub fn write_human(
    out: &mut dyn Write,
    r: &OrgReport,
    opts: &ReportOptions,
) -> std::io::Result<()> {
    let summaries = r.summaries();
    let secrets = r.secrets();
    let failed = summaries.iter().filter(|s| s.error.is_some()).count();
    let (b, e) = if opts.color {
        ("\x1b[1m", "\x1b[0m")
    } else {
        ("", "")
    };
    writeln!(
        out,
        "{b}tokenhound organisation report{e}: {} repositories ({failed} failed), {} scanned, {} — {} secret{} in {} place{}",
        summaries.len(),
        summaries.iter().map(|s| s.scanned).sum::<u64>(),
        report::human_bytes(summaries.iter().map(|s| s.bytes).sum()),
        secrets.len(),
        if secrets.len() == 1 { "" } else { "s" },
        r.findings.len(),
        if r.findings.len() == 1 { "" } else { "s" },
    )?;
    let mut per_level: BTreeMap<&str, BTreeMap<Level, usize>> = BTreeMap::new();
    for f in r.findings.values() {
        *per_level
            .entry(str_of(f, "repository"))
            .or_default()
            .entry(level_of(f))
            .or_default() += 1;
    }
    writeln!(out, "\n{b}Repositories{e}")?;
    let width = summaries
        .iter()
        .map(|s| s.id.len())
        .max()
        .unwrap_or(10)
        .clamp(10, 60);
    writeln!(
        out,
        "  {:<width$}  {:>8} {:>6} {:>7} {:>5} {:>9} {:>10}",
        "repository", "findings", "error", "warning", "note", "scanned", "bytes"
    )?;
    let clean = summaries
        .iter()
        .filter(|s| s.findings == 0 && s.error.is_none())
        .count();
    let list_clean = summaries.len() <= 50;
    for s in &summaries {
        if let Some(err) = &s.error {
            writeln!(out, "  {:<width$}  FAILED: {err}", s.id)?;
            continue;
        }
        if s.findings == 0 && !list_clean {
            continue;
        }
        let l = per_level.get(s.id.as_str());
        let n = |lv| l.and_then(|m| m.get(&lv)).copied().unwrap_or(0);
        writeln!(
            out,
            "  {:<width$}  {:>8} {:>6} {:>7} {:>5} {:>9} {:>10}",
            s.id,
            s.findings,
            n(Level::Error),
            n(Level::Warning),
            n(Level::Note),
            s.scanned,
            report::human_bytes(s.bytes)
        )?;
    }
    if !list_clean && clean > 0 {
        writeln!(out, "  … and {clean} repositories without findings")?;
    }
    let (_, by_family, by_flag) = counts(r);
    for (title, m) in [("Families", by_family), ("Hygiene flags", by_flag)] {
        let Value::Object(m) = m else { continue };
        if m.is_empty() {
            continue;
        }
        writeln!(out, "\n{b}{title}{e} (findings)")?;
        let mut rows: Vec<(&String, u64)> = m
            .iter()
            .map(|(k, v)| (k, v.as_u64().unwrap_or(0)))
            .collect();
        rows.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        for (k, n) in rows {
            writeln!(out, "  {k:<40} {n:>6}")?;
        }
    }
    if !secrets.is_empty() {
        writeln!(
            out,
            "\n{b}Secrets{e} (each once, with every place it was found)"
        )?;
    }
    for s in &secrets {
        let f = s.first();
        let shown = if opts.show_secrets {
            f.get("secret")
                .and_then(Value::as_str)
                .unwrap_or(str_of(f, "redacted"))
        } else {
            str_of(f, "redacted")
        };
        let flags: Vec<&str> = s.hygiene().into_iter().collect();
        writeln!(
            out,
            "  {:<7} {}  {}  {} repositor{}{}",
            s.level().as_str(),
            str_of(f, "rule_id"),
            shown,
            s.repositories().len(),
            if s.repositories().len() == 1 {
                "y"
            } else {
                "ies"
            },
            if flags.is_empty() {
                String::new()
            } else {
                format!("  [{}]", flags.join(", "))
            }
        )?;
        for p in &s.places {
            let commit = p
                .get("commit")
                .and_then(Value::as_str)
                .map(|c| format!("  commit {}", &c[..c.len().min(12)]))
                .unwrap_or_default();
            writeln!(
                out,
                "      {}: {}:{}:{}{commit}",
                str_of(p, "repository"),
                str_of(p, "path"),
                p.get("start_line").and_then(Value::as_u64).unwrap_or(0),
                p.get("start_column").and_then(Value::as_u64).unwrap_or(0),
            )?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(repo: &str, fp: &str, path: &str, line: u64) -> Map<String, Value> {
        let v = json!({
            "rule_id": "github.classic-pat", "family": "github", "level": "error",
            "path": path, "start_line": line, "start_column": 1, "end_line": line,
            "end_column": 41, "fingerprint": fp, "redacted": "ghp_…(40 chars)",
            "message": "GitHub token", "hygiene": ["committed"], "properties": {},
            "repository": repo,
        });
        v.as_object().unwrap().clone()
    }

    fn report(repos: &[&str], findings: &[(&str, &str, &str, u64)]) -> OrgReport {
        let mut r = OrgReport::default();
        for id in repos {
            r.insert_summary(RepoSummary {
                id: id.to_string(),
                uri: Some(format!("https://example.com/{id}")),
                mode: "tree".into(),
                scanned: 3,
                bytes: 100,
                ..Default::default()
            });
        }
        for (repo, fp, path, line) in findings {
            r.insert_finding(finding(repo, fp, path, *line));
        }
        r
    }

    #[test]
    fn merging_is_idempotent_and_order_free() {
        let a = report(&["a"], &[("a", "f1", "x", 1), ("a", "f2", "y", 2)]);
        let b = report(&["b"], &[("b", "f1", "z", 3)]);
        let mut ab = a.clone();
        ab.merge(b.clone());
        let mut ba = b.clone();
        ba.merge(a.clone());
        assert_eq!(ab, ba);
        let mut again = ab.clone();
        again.merge(b.clone());
        again.merge(ab.clone());
        assert_eq!(again, ab);
        assert_eq!(ab.findings().count(), 3);
        let secrets = ab.secrets();
        assert_eq!(secrets.len(), 2);
        let shared = secrets.iter().find(|s| s.fingerprint == "f1").unwrap();
        assert_eq!(
            shared.repositories().into_iter().collect::<Vec<_>>(),
            ["a", "b"]
        );
    }

    #[test]
    fn a_successful_scan_replaces_a_failed_one() {
        let mut r = OrgReport::default();
        r.add_failure("a", crate::org::Mode::History, "clone failed");
        r.merge(report(&["a"], &[]));
        assert_eq!(r.repositories["a"].error, None);
        r.add_failure("a", crate::org::Mode::History, "clone failed");
        assert_eq!(r.repositories["a"].error, None);
    }

    #[test]
    fn json_and_sarif_read_back_to_the_same_report() {
        let mut r = report(
            &["a", "b/c d"],
            &[("a", "f1", "dir/x y.env", 1), ("b/c d", "f1", "z%", 3)],
        );
        r.add_failure("e", crate::org::Mode::History, "git clone failed");
        let mut j = Vec::new();
        write_json(&mut j, &r).unwrap();
        let (from_json, _) = parse(std::str::from_utf8(&j).unwrap()).unwrap();
        let d = Descriptors::new(&[], BTreeMap::new());
        let mut s = Vec::new();
        write_sarif(&mut s, &r, &d).unwrap();
        let (from_sarif, rules) = parse(std::str::from_utf8(&s).unwrap()).unwrap();
        let mut expect = r.clone();
        for s in expect.repositories.values_mut() {
            s.findings = r
                .findings()
                .filter(|f| str_of(f, "repository") == s.id)
                .count();
        }
        assert_eq!(from_json, expect);
        assert_eq!(from_sarif, expect);
        assert!(rules.contains_key("github.classic-pat"));
        let doc: Value = serde_json::from_slice(&s).unwrap();
        let also = &doc["runs"][0]["results"][0]["properties"]["alsoFoundIn"];
        assert_eq!(also, &json!(["b/c d"]));
    }

    #[test]
    fn percent_decoding_inverts_the_encoding() {
        for p in ["a b/c%d.txt", "ü/x", "plain/path.rs"] {
            assert_eq!(
                crate::codec::percent_decode(&crate::codec::percent_encode_path(p)),
                p
            );
        }
    }
}
