//! Organisation scans end to end: 40 generated repositories (some sharing a secret), scanned by 4
//! shard processes exactly as a Kubernetes Indexed Job runs them (`--shards 4` with
//! `JOB_COMPLETION_INDEX=0..3`), merged, and compared with one process over the whole list.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::{Gen, stderr};
use serde_json::Value;

const REPOS: usize = 40;

fn git(dir: &Path, args: &[&str], time: i64) {
    common::git_at(dir, args, time);
}

/// The generated organisation: the list file and, per repository id, the secrets planted in it.
struct Org {
    _dir: tempfile::TempDir,
    root: PathBuf,
    list: PathBuf,
    planted: BTreeMap<String, BTreeSet<String>>,
    shared: String,
}

/// 40 repositories; a secret shared by 5 of them, another by 2, one secret per repository in
/// most of the others (in the last commit, or added then removed: found only in history), a few
/// clean. Two are listed as `file://` URLs, so they are cloned into the cache like remote ones.
fn make_org(n: usize) -> Org {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_path_buf();
    let mut g = Gen::new(15);
    let shared = g.ghp();
    let pair = g.ghp();
    let mut planted: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut lines = vec!["# generated organisation".to_string(), String::new()];
    for i in 0..n {
        let path = root.join(format!("repos/svc-{i:02}"));
        std::fs::create_dir_all(&path).unwrap();
        let t = 1_700_000_000 + i as i64 * 1000;
        git(&path, &["init", "-q", "-b", "main"], t);
        std::fs::write(path.join("README.md"), format!("service {i}\n")).unwrap();
        git(&path, &["add", "-A"], t);
        git(&path, &["commit", "-q", "-m", "init"], t);
        let mut secrets = BTreeSet::new();
        if i % 8 == 0 {
            secrets.insert(shared.clone());
        }
        if i == 3 || i == 38 {
            secrets.insert(pair.clone());
        }
        if i % 5 != 4 {
            secrets.insert(g.ghp());
        }
        let mut env = String::new();
        for (n, s) in secrets.iter().enumerate() {
            env.push_str(&format!("GITHUB_TOKEN_{n}={s}\n"));
        }
        std::fs::create_dir_all(path.join("config")).unwrap();
        std::fs::write(path.join("config/app.env"), env).unwrap();
        git(&path, &["add", "-A"], t + 60);
        git(&path, &["commit", "-q", "-m", "config"], t + 60);
        if i % 3 == 0 {
            // removed again: only a history scan sees it
            std::fs::write(path.join("config/app.env"), "# moved to the vault\n").unwrap();
            git(&path, &["add", "-A"], t + 120);
            git(&path, &["commit", "-q", "-m", "remove config"], t + 120);
        }
        let (line, id) = if i == 11 || i == 27 {
            let url = format!("file://{}", path.display());
            (url.clone(), path.display().to_string())
        } else if i % 2 == 0 {
            // relative to the list file's folder
            (format!("./repos/svc-{i:02}/"), path.display().to_string())
        } else {
            (path.display().to_string(), path.display().to_string())
        };
        lines.push(line);
        planted.insert(id, secrets);
    }
    let list = root.join("repos.txt");
    std::fs::write(&list, lines.join("\n") + "\n").unwrap();
    Org {
        _dir: dir,
        root,
        list,
        planted,
        shared,
    }
}

fn tokenhound(cwd: &Path, args: &[&str], env: &[(&str, String)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_tokenhound"));
    c.args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .env_remove("JOB_COMPLETION_INDEX");
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("run tokenhound")
}

/// `scan --repos` as one worker; returns the report path.
fn scan(org: &Org, name: &str, extra: &[&str], env: &[(&str, String)]) -> PathBuf {
    let out = org.root.join(format!("{name}.json"));
    let cache = org.root.join(format!("cache-{name}"));
    let mut args = vec![
        "scan",
        "--repos",
        org.list.to_str().unwrap(),
        "--format",
        "json",
        "--fail-on",
        "never",
        "--now",
        "2026-01-01T00:00:00Z",
        "--cache",
        cache.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let o = tokenhound(&org.root, &args, env);
    assert_eq!(o.status.code(), Some(0), "scan {name}: {}", stderr(&o));
    out
}

fn merge(org: &Org, inputs: &[&Path], extra: &[&str]) -> Output {
    let mut args = vec!["merge".to_string()];
    args.extend(inputs.iter().map(|p| p.display().to_string()));
    args.extend(extra.iter().map(|s| s.to_string()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    tokenhound(&org.root, &args, &[])
}

fn merged_json(org: &Org, inputs: &[&Path]) -> String {
    let o = merge(org, inputs, &["--format", "json", "--fail-on", "never"]);
    assert_eq!(o.status.code(), Some(0), "merge: {}", stderr(&o));
    String::from_utf8(o.stdout).unwrap()
}

fn read(p: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

/// (repository, fingerprint, path, line, commit) of every finding.
fn places(doc: &Value) -> BTreeSet<(String, String, String, u64, String)> {
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["repository"].as_str().unwrap().to_string(),
                f["fingerprint"].as_str().unwrap().to_string(),
                f["path"].as_str().unwrap().to_string(),
                f["start_line"].as_u64().unwrap(),
                f["commit"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

fn repo_ids(doc: &Value) -> Vec<String> {
    doc["repositories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn four_indexed_job_shards_merge_to_the_single_process_report() {
    let org = make_org(REPOS);

    // one process over the whole list
    let whole = scan(&org, "whole", &[], &[]);
    let whole_doc = read(&whole);
    assert_eq!(whole_doc["summary"]["failed"], 0, "{whole_doc:#}");

    // four workers that know only their index, as pods of an Indexed Job
    let shards: Vec<PathBuf> = (0..4)
        .map(|i| {
            scan(
                &org,
                &format!("shard-{i}"),
                &["--shards", "4"],
                &[("JOB_COMPLETION_INDEX", i.to_string())],
            )
        })
        .collect();

    // the shards partition the list, evenly
    let mut seen = BTreeSet::new();
    for s in &shards {
        let ids = repo_ids(&read(s));
        assert_eq!(ids.len(), REPOS / 4, "{ids:?}");
        for id in ids {
            assert!(seen.insert(id.clone()), "{id} in two shards");
        }
    }
    assert_eq!(seen.len(), REPOS);

    let refs: Vec<&Path> = shards.iter().map(PathBuf::as_path).collect();
    let merged = merged_json(&org, &refs);
    let merged_doc: Value = serde_json::from_str(&merged).unwrap();

    // the same findings and fingerprints as the single process: byte for byte
    assert_eq!(places(&merged_doc), places(&whole_doc));
    assert_eq!(merged, merged_json(&org, &[whole.as_path()]));

    // ... and they are exactly the planted secrets, each in its repository
    let mut expected = BTreeSet::new();
    for (repo, secrets) in &org.planted {
        for s in secrets {
            expected.insert((
                repo.clone(),
                tokenhound::finding::fingerprint("github.classic-pat", s),
            ));
        }
    }
    let found: BTreeSet<(String, String)> = places(&merged_doc)
        .into_iter()
        .map(|(r, fp, ..)| (r, fp))
        .collect();
    assert_eq!(found, expected);
    assert!(expected.len() > 35, "{}", expected.len());

    // the secret shared by five repositories is listed once, with its five locations
    let fp = tokenhound::finding::fingerprint("github.classic-pat", &org.shared);
    let secrets = merged_doc["secrets"].as_array().unwrap();
    let shared: Vec<&Value> = secrets.iter().filter(|s| s["fingerprint"] == fp).collect();
    assert_eq!(shared.len(), 1);
    assert_eq!(shared[0]["repositories"].as_array().unwrap().len(), 5);
    assert_eq!(shared[0]["locations"].as_array().unwrap().len(), 5);
    assert_eq!(merged_doc["summary"]["secrets_in_several_repositories"], 2);

    // a worker that is run again changes nothing
    let again = scan(
        &org,
        "shard-2-again",
        &["--shards", "4"],
        &[("JOB_COMPLETION_INDEX", "2".to_string())],
    );
    assert_eq!(
        std::fs::read(&again).unwrap(),
        std::fs::read(&shards[2]).unwrap()
    );
    let mut with_rerun = refs.clone();
    with_rerun.push(&again);
    assert_eq!(merged, merged_json(&org, &with_rerun));
    // merging a merged report with its parts changes nothing either
    let merged_path = org.root.join("merged.json");
    std::fs::write(&merged_path, &merged).unwrap();
    let mut with_merged = refs.clone();
    with_merged.insert(0, &merged_path);
    assert_eq!(merged, merged_json(&org, &with_merged));

    // SARIF: one run per repository with its provenance; per-repository files; and the SARIF
    // reads back to the same report
    let sarif = org.root.join("merged.sarif");
    let dir = org.root.join("sarif");
    let o = merge(
        &org,
        &refs,
        &[
            "--format",
            "sarif",
            "-o",
            sarif.to_str().unwrap(),
            "--sarif-dir",
            dir.to_str().unwrap(),
        ],
    );
    assert_eq!(o.status.code(), Some(1), "findings make merge exit 1");
    if let Some(keep) = std::env::var_os("TOKENHOUND_KEEP_ORG_SARIF") {
        // for validating by hand: ../shared/tools/sarif-validate "$TOKENHOUND_KEEP_ORG_SARIF"
        std::fs::copy(&sarif, keep).unwrap();
    }
    let doc = read(&sarif);
    let runs = doc["runs"].as_array().unwrap();
    assert_eq!(
        runs.len(),
        1,
        "one run: GitHub takes at most 20 runs per file"
    );
    let run = &runs[0];
    let vcs = run["versionControlProvenance"].as_array().unwrap();
    assert_eq!(vcs.len(), REPOS);
    let mut base_of_uri = BTreeMap::new();
    for v in vcs {
        let uri = v["repositoryUri"].as_str().unwrap();
        assert!(uri.starts_with("file://"), "{uri}");
        assert_eq!(v["branch"], "main");
        assert_eq!(v["revisionId"].as_str().unwrap().len(), 40);
        base_of_uri.insert(
            uri.trim_start_matches("file://")
                .trim_end_matches('/')
                .to_string(),
            v["mappedTo"]["uriBaseId"].as_str().unwrap().to_string(),
        );
    }
    let results = run["results"].as_array().unwrap();
    assert_eq!(
        results.len(),
        merged_doc["findings"].as_array().unwrap().len()
    );
    for r in results {
        // each result names its repository, and its location uses that repository's base
        let repo = r["properties"]["repository"].as_str().unwrap();
        assert_eq!(
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uriBaseId"].as_str(),
            base_of_uri.get(repo).map(String::as_str),
            "{repo}"
        );
    }
    // one single-run file per repository, with that repository's provenance
    for f in std::fs::read_dir(&dir).unwrap() {
        let one = read(&f.unwrap().path());
        assert_eq!(one["runs"].as_array().unwrap().len(), 1);
        let run = &one["runs"][0];
        let repo = run["properties"]["repository"].as_str().unwrap();
        let uri = run["versionControlProvenance"][0]["repositoryUri"]
            .as_str()
            .unwrap();
        assert_eq!(
            uri.trim_start_matches("file://").trim_end_matches('/'),
            repo
        );
        for r in run["results"].as_array().unwrap() {
            assert_eq!(r["properties"]["repository"], repo);
        }
    }
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), REPOS);
    assert_eq!(merged, merged_json(&org, &[sarif.as_path()]));

    // the human summary names repositories, families and the shared secret once
    let o = merge(&org, &refs, &["--fail-on", "never"]);
    let text = String::from_utf8(o.stdout).unwrap();
    assert!(text.contains("40 repositories (0 failed)"), "{text}");
    assert!(text.contains("Families"), "{text}");
    assert!(text.contains("5 repositories"), "{text}");
    assert!(!text.contains(&org.shared), "secrets are redacted");
}

#[test]
fn a_repository_that_cannot_be_fetched_is_reported_and_the_others_scanned() {
    let org = make_org(12);
    let mut list = std::fs::read_to_string(&org.list).unwrap();
    list.push_str("file:///nonexistent/tokenhound-test/gone.git\n");
    std::fs::write(&org.list, list).unwrap();
    let out = org.root.join("r.json");
    let o = tokenhound(
        &org.root,
        &[
            "scan",
            "--repos",
            org.list.to_str().unwrap(),
            "--tree",
            "--format",
            "json",
            "--cache",
            org.root.join("cache").to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("/nonexistent/tokenhound-test/gone: FAILED: git clone failed"));
    let doc = read(&out);
    assert_eq!(doc["summary"]["repositories"], 13);
    assert_eq!(doc["summary"]["failed"], 1);
    // tree mode: only the secrets still in the files (not those of repositories 0, 3, 6, 9)
    let repos: BTreeSet<&str> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["repository"].as_str().unwrap())
        .collect();
    let expected: BTreeSet<&str> = org
        .planted
        .iter()
        .enumerate()
        .filter(|(i, (_, s))| i % 3 != 0 && !s.is_empty())
        .map(|(_, (r, _))| r.as_str())
        .collect();
    assert_eq!(repos, expected);
    assert!(
        doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f.get("commit").is_none())
    );
}

#[test]
fn shard_flags_are_checked() {
    let org = make_org(2);
    let l = org.list.to_str().unwrap();
    let o = tokenhound(&org.root, &["scan", "--repos", l, "--shards", "4"], &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("JOB_COMPLETION_INDEX"),
        "{}",
        stderr(&o)
    );
    let o = tokenhound(&org.root, &["scan", "--repos", l, "--shard", "4/4"], &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("out of range"), "{}", stderr(&o));
    let o = tokenhound(&org.root, &["merge", l], &[]);
    assert_eq!(o.status.code(), Some(2));
}

/// Regression: `merge` kept a commit-message finding but dropped which commit's message held it
/// (`message_of`), from JSON and SARIF inputs alike, and from the per-secret locations.
#[test]
fn merge_keeps_which_message_holds_a_finding() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let repo = root.join("repos/msg");
    std::fs::create_dir_all(&repo).unwrap();
    let t = 1_700_000_000;
    git(&repo, &["init", "-q", "-b", "main"], t);
    std::fs::write(repo.join("README.md"), "docs\n").unwrap();
    git(&repo, &["add", "-A"], t);
    let token = Gen::new(77).ghp();
    let msg = format!("ci: rotate the deploy token\n\nold one was {token}\n");
    git(&repo, &["commit", "-q", "-m", &msg], t);
    let list = root.join("repos.txt");
    std::fs::write(&list, format!("{}\n", repo.display())).unwrap();
    for format in ["json", "sarif"] {
        let out = root.join(format!("scan.{format}"));
        let o = tokenhound(
            root,
            &[
                "scan",
                "--repos",
                list.to_str().unwrap(),
                "--format",
                format,
                "--fail-on",
                "never",
                "--cache",
                root.join("cache").to_str().unwrap(),
                "-o",
                out.to_str().unwrap(),
            ],
            &[],
        );
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        let o = tokenhound(
            root,
            &[
                "merge",
                out.to_str().unwrap(),
                "--format",
                "json",
                "--fail-on",
                "never",
            ],
            &[],
        );
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        let doc: Value = serde_json::from_slice(&o.stdout).unwrap();
        let findings = doc["findings"].as_array().unwrap();
        assert_eq!(findings.len(), 1, "{format}: {doc:#}");
        let f = &findings[0];
        assert!(f["path"].as_str().unwrap().ends_with(" message"), "{f:#}");
        assert_eq!(f["message_of"]["kind"], "commit", "{format}: {f:#}");
        assert_eq!(f["message_of"]["object"], f["commit"], "{format}: {f:#}");
        let loc = &doc["secrets"][0]["locations"][0];
        assert_eq!(loc["message_of"], f["message_of"], "{format}: {doc:#}");
    }
}
