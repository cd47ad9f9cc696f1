//! Runs `action.yml` the way a GitHub runner runs a composite action: parse the YAML, run each
//! `run:` step in order with `bash --noprofile --norc -eo pipefail`, the runner's `GITHUB_*` /
//! `RUNNER_*` variables, `${{ inputs.* }}` and `${{ steps.*.outputs.* }}` substituted, a fresh
//! `$GITHUB_OUTPUT` per step and `$GITHUB_STEP_SUMMARY`; `uses:` steps (cache, SARIF upload) are
//! checked for being declared but not run (they need GitHub). The event is a `pull_request`
//! (and a `push`) on a temporary repository whose base branch already holds an old secret.
//!
//! The build step is given `TOKENHOUND_BIN` (the binary under test) so that it does not run a
//! release build inside the test; everything else is the action's own code.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::{Gen, stderr, stdout};
use yaml_rust2::{Yaml, YamlLoader};

const ACTION_DIR: &str = env!("CARGO_MANIFEST_DIR");

fn load_action() -> Yaml {
    let text = std::fs::read_to_string(Path::new(ACTION_DIR).join("action.yml")).unwrap();
    YamlLoader::load_from_str(&text)
        .expect("action.yml is valid YAML")
        .remove(0)
}

fn s(y: &Yaml) -> Option<String> {
    match y {
        Yaml::String(s) => Some(s.clone()),
        Yaml::Integer(i) => Some(i.to_string()),
        Yaml::Boolean(b) => Some(b.to_string()),
        _ => None,
    }
}

/// What a run of the action produced.
#[derive(Debug)]
struct Outcome {
    /// Exit code of the first failing step, or 0.
    code: i32,
    /// Name of the failing step.
    failed_step: Option<String>,
    /// The action's outputs (its `outputs:` evaluated).
    outputs: BTreeMap<String, String>,
    /// The job summary.
    summary: String,
    /// `uses:` steps seen (not run).
    uses: Vec<String>,
    /// Log of all steps.
    log: String,
}

struct Runner {
    action: Yaml,
    inputs: BTreeMap<String, String>,
    env: BTreeMap<String, String>,
    workspace: PathBuf,
    temp: tempfile::TempDir,
}

impl Runner {
    /// Substitute `${{ … }}` expressions of a `run:` step or its `env:`.
    fn expand(&self, text: &str, steps: &BTreeMap<String, BTreeMap<String, String>>) -> String {
        let re = regex::Regex::new(r"\$\{\{\s*([^}]*?)\s*\}\}").unwrap();
        re.replace_all(text, |c: &regex::Captures| {
            let expr = &c[1];
            if let Some(name) = expr.strip_prefix("inputs.") {
                return self.input(name);
            }
            if expr == "github.action_path" {
                return ACTION_DIR.to_string();
            }
            if let Some(rest) = expr.strip_prefix("steps.") {
                let (id, out) = rest.split_once(".outputs.").expect("steps.ID.outputs.NAME");
                return steps
                    .get(id)
                    .and_then(|o| o.get(out))
                    .cloned()
                    .unwrap_or_default();
            }
            panic!("action.yml uses an expression this test does not model: {expr}");
        })
        .into_owned()
    }

    fn input(&self, name: &str) -> String {
        let decl = &self.action["inputs"][name];
        assert!(!decl.is_badvalue(), "input `{name}` is not declared");
        self.inputs
            .get(name)
            .cloned()
            .or_else(|| s(&decl["default"]))
            .unwrap_or_default()
    }

    fn run(&self) -> Outcome {
        assert_eq!(
            s(&self.action["runs"]["using"]).as_deref(),
            Some("composite")
        );
        let steps_yaml = self.action["runs"]["steps"].as_vec().expect("runs.steps");
        let summary_path = self.temp.path().join("step_summary.md");
        std::fs::write(&summary_path, "").unwrap();
        let mut steps: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
        let mut out = Outcome {
            code: 0,
            failed_step: None,
            outputs: BTreeMap::new(),
            summary: String::new(),
            uses: Vec::new(),
            log: String::new(),
        };
        for (i, step) in steps_yaml.iter().enumerate() {
            let name = s(&step["name"]).unwrap_or_else(|| format!("step {i}"));
            if let Some(uses) = s(&step["uses"]) {
                out.uses.push(uses);
                continue;
            }
            if out.failed_step.is_some() {
                // no run step asks for always(); after a failure the runner skips them
                assert!(step["if"].is_badvalue(), "{name}: `if:` not modelled");
                continue;
            }
            assert!(step["if"].is_badvalue(), "{name}: `if:` not modelled");
            assert_eq!(s(&step["shell"]).as_deref(), Some("bash"), "{name}: shell");
            let script = self.expand(&s(&step["run"]).expect("run"), &steps);
            let script_path = self.temp.path().join(format!("step{i}.sh"));
            std::fs::write(&script_path, script).unwrap();
            let output_path = self.temp.path().join(format!("output{i}"));
            std::fs::write(&output_path, "").unwrap();
            let mut cmd = Command::new("bash");
            cmd.args(["--noprofile", "--norc", "-eo", "pipefail"])
                .arg(&script_path)
                .current_dir(&self.workspace)
                .env_clear()
                .env("PATH", std::env::var("PATH").unwrap_or_default())
                .env("HOME", self.temp.path())
                .env("CI", "true")
                .env("GITHUB_ACTIONS", "true")
                .env("GITHUB_WORKSPACE", &self.workspace)
                .env("GITHUB_ACTION_PATH", ACTION_DIR)
                .env("GITHUB_OUTPUT", &output_path)
                .env("GITHUB_STEP_SUMMARY", &summary_path)
                .env("RUNNER_OS", "Linux")
                .env("RUNNER_TEMP", self.temp.path());
            for (k, v) in &self.env {
                cmd.env(k, v);
            }
            if let Some(env) = step["env"].as_hash() {
                for (k, v) in env {
                    let k = s(k).unwrap();
                    cmd.env(&k, self.expand(&s(v).unwrap_or_default(), &steps));
                }
            }
            let o = cmd.output().unwrap();
            out.log
                .push_str(&format!("== {name}\n{}{}", stdout(&o), stderr(&o)));
            let text = std::fs::read_to_string(&output_path).unwrap();
            let mut outputs = BTreeMap::new();
            for line in text.lines() {
                let (k, v) = line.split_once('=').expect("name=value output lines");
                outputs.insert(k.to_string(), v.to_string());
            }
            if let Some(id) = s(&step["id"]) {
                steps.insert(id, outputs);
            }
            if !o.status.success() {
                out.code = o.status.code().unwrap_or(-1);
                out.failed_step = Some(name);
            }
        }
        for (k, v) in self.action["outputs"].as_hash().expect("outputs") {
            let value = s(&v["value"]).expect("output value");
            out.outputs
                .insert(s(k).unwrap(), self.expand(&value, &steps));
        }
        out.summary = std::fs::read_to_string(&summary_path).unwrap();
        out
    }
}

fn git(dir: &Path, args: &[&str]) -> String {
    let o = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "Dev")
        .env("GIT_AUTHOR_EMAIL", "dev@example.invalid")
        .env("GIT_COMMITTER_NAME", "Dev")
        .env("GIT_COMMITTER_EMAIL", "dev@example.invalid")
        .output()
        .unwrap();
    assert!(o.status.success(), "git {args:?}: {}", stderr(&o));
    stdout(&o).trim().to_string()
}

fn commit(dir: &Path, msg: &str) -> String {
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-q", "-m", msg]);
    git(dir, &["rev-parse", "HEAD"])
}

/// A repository with an old secret on `main` and a PR branch that adds one new secret, one
/// allowed on purpose, and clean code. Returns (dir, base, head, old secret, new secret).
fn pr_repo(seed: u64) -> (tempfile::TempDir, String, String, String, String) {
    let mut g = Gen::new(seed);
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path();
    git(ws, &["init", "-q", "-b", "main"]);
    let old = g.ghp();
    std::fs::write(ws.join("legacy.env"), format!("OLD_TOKEN={old}\n")).unwrap();
    std::fs::write(ws.join("README.md"), "# app\n").unwrap();
    let base = commit(ws, "main with an old secret");
    git(ws, &["checkout", "-q", "-b", "feature"]);
    std::fs::create_dir_all(ws.join("src")).unwrap();
    std::fs::write(ws.join("src/app.py"), "print('hi')\n").unwrap();
    commit(ws, "clean change");
    let new = g.ghp();
    let allowed = g.ghp();
    std::fs::write(
        ws.join("src/settings.py"),
        format!(
            "DEBUG = True\nAPI_TOKEN = \"{new}\"\nFIXTURE = \"{allowed}\"  # tokenhound:allow\n"
        ),
    )
    .unwrap();
    let head = commit(ws, "add settings");
    (dir, base, head, old, new)
}

fn runner(ws: &Path, event_name: &str, payload: &str, inputs: &[(&str, &str)]) -> Runner {
    let temp = tempfile::tempdir().unwrap();
    let event = temp.path().join("event.json");
    std::fs::write(&event, payload).unwrap();
    let mut env = BTreeMap::new();
    env.insert("GITHUB_EVENT_NAME".to_string(), event_name.to_string());
    env.insert("GITHUB_EVENT_PATH".to_string(), event.display().to_string());
    env.insert(
        "TOKENHOUND_BIN".to_string(),
        env!("CARGO_BIN_EXE_tokenhound").to_string(),
    );
    Runner {
        action: load_action(),
        inputs: inputs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        env,
        workspace: ws.to_path_buf(),
        temp,
    }
}

fn pr_payload(base: &str, head: &str) -> String {
    serde_json::json!({
        "action": "synchronize",
        "number": 7,
        "pull_request": {
            "number": 7,
            "base": { "ref": "main", "sha": base },
            "head": { "ref": "feature", "sha": head }
        }
    })
    .to_string()
}

#[test]
fn declares_the_inputs_outputs_and_steps_users_rely_on() {
    let a = load_action();
    for i in [
        "path",
        "mode",
        "fail-on",
        "config",
        "baseline",
        "sarif-file",
        "upload-sarif",
    ] {
        assert!(!a["inputs"][i].is_badvalue(), "input {i}");
    }
    assert_eq!(
        s(&a["inputs"]["sarif-file"]["default"]).unwrap(),
        "tokenhound.sarif"
    );
    assert_eq!(s(&a["inputs"]["upload-sarif"]["default"]).unwrap(), "true");
    assert_eq!(s(&a["inputs"]["mode"]["default"]).unwrap(), "diff");
    for o in ["findings", "sarif-file"] {
        assert!(!a["outputs"][o]["value"].is_badvalue(), "output {o}");
    }
    let steps = a["runs"]["steps"].as_vec().unwrap();
    let uses: Vec<String> = steps
        .iter()
        .filter_map(|s| s["uses"].as_str().map(str::to_string))
        .collect();
    assert!(
        uses.iter().any(|u| u.starts_with("actions/cache@")),
        "{uses:?}"
    );
    let upload = steps
        .iter()
        .find(|st| {
            st["uses"]
                .as_str()
                .is_some_and(|u| u.starts_with("github/codeql-action/upload-sarif@"))
        })
        .expect("an upload-sarif step");
    let cond = s(&upload["if"]).unwrap();
    assert!(
        cond.contains("always()") && cond.contains("inputs.upload-sarif == 'true'"),
        "{cond}"
    );
    assert_eq!(
        s(&upload["with"]["sarif_file"]).unwrap(),
        "${{ steps.scan.outputs.sarif-file }}"
    );
    let cache = steps
        .iter()
        .find(|st| {
            st["uses"]
                .as_str()
                .is_some_and(|u| u.starts_with("actions/cache@"))
        })
        .unwrap();
    let paths = s(&cache["with"]["path"]).unwrap();
    assert!(
        paths.contains("~/.cargo") && paths.contains("/target"),
        "{paths}"
    );
    // no licence key, no token input
    let text = std::fs::read_to_string(Path::new(ACTION_DIR).join("action.yml")).unwrap();
    assert!(!text.to_lowercase().contains("license") && !text.contains("secrets."));
}

#[test]
fn pull_request_diff_scans_only_the_prs_commits() {
    let (dir, base, head, old, new) = pr_repo(71);
    let ws = dir.path();
    let r = runner(ws, "pull_request", &pr_payload(&base, &head), &[]);
    let out = r.run();
    let log = &out.log;
    // failed by the last step, after the outputs and SARIF were written
    assert_eq!(out.code, 1, "{log}");
    assert_eq!(
        out.failed_step.as_deref(),
        Some("Fail on findings"),
        "{log}"
    );
    assert!(
        log.contains("::error::tokenhound: 1 finding(s) at or above `note`"),
        "{log}"
    );
    assert_eq!(out.outputs["findings"], "1", "{log}");
    assert_eq!(out.outputs["sarif-file"], "tokenhound.sarif");
    assert_eq!(
        out.uses
            .iter()
            .map(|u| u.split('@').next().unwrap())
            .collect::<Vec<_>>(),
        ["actions/cache", "github/codeql-action/upload-sarif"]
    );
    // the SARIF report: the PR's new secret only (not main's old one, not the allowed one)
    let sarif_text = std::fs::read_to_string(ws.join("tokenhound.sarif")).unwrap();
    assert!(!sarif_text.contains(&new) && !sarif_text.contains(&old));
    let sarif: serde_json::Value = serde_json::from_str(&sarif_text).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 1, "{sarif_text}");
    let loc = &results[0]["locations"][0]["physicalLocation"];
    assert_eq!(loc["artifactLocation"]["uri"], "src/settings.py");
    assert_eq!(loc["region"]["startLine"], 2);
    assert_eq!(results[0]["ruleId"], "github.classic-pat");
    assert_eq!(
        results[0]["partialFingerprints"]["commitSha"],
        head.as_str()
    );
    // the job summary: a redacted table
    let md = &out.summary;
    assert!(md.starts_with("### tokenhound: 1 finding\n"), "{md}");
    assert!(
        md.contains(&format!(
            "Scanned the commits {}..{}",
            &base[..7],
            &head[..7]
        )),
        "{md}"
    );
    assert!(
        md.contains("| Level | Rule | Location | Preview | Hygiene | Commit |"),
        "{md}"
    );
    assert!(
        md.contains("| `github.classic-pat` | `src/settings.py:2` | `ghp_…(40 chars)` |"),
        "{md}"
    );
    assert!(
        !md.contains(&new) && !md.contains(&new[4..16]),
        "summary leaks the secret"
    );
    assert!(!md.contains("legacy.env"));
}

#[test]
fn inputs_change_the_outcome() {
    let (dir, base, head, old, _) = pr_repo(72);
    let ws = dir.path();
    // fail-on never: the job passes and still reports
    let r = runner(
        ws,
        "pull_request",
        &pr_payload(&base, &head),
        &[("fail-on", "never"), ("sarif-file", "out/th.sarif")],
    );
    std::fs::create_dir_all(ws.join("out")).unwrap();
    let out = r.run();
    assert_eq!(out.code, 0, "{}", out.log);
    assert_eq!(out.outputs["findings"], "1");
    assert_eq!(out.outputs["sarif-file"], "out/th.sarif");
    assert!(ws.join("out/th.sarif").is_file());
    // tree mode sees main's old secret too
    let r = runner(
        ws,
        "pull_request",
        &pr_payload(&base, &head),
        &[("mode", "tree"), ("fail-on", "never")],
    );
    let out = r.run();
    assert_eq!(out.outputs["findings"], "2", "{}", out.log);
    assert!(out.summary.contains("`legacy.env:1`"), "{}", out.summary);
    assert!(!out.summary.contains(&old));
    // a baseline accepting both makes the tree clean
    let b = Command::new(env!("CARGO_BIN_EXE_tokenhound"))
        .args(["baseline", "create", "."])
        .current_dir(ws)
        .output()
        .unwrap();
    std::fs::write(ws.join("known.json"), &b.stdout).unwrap();
    let r = runner(
        ws,
        "pull_request",
        &pr_payload(&base, &head),
        &[("mode", "tree"), ("baseline", "known.json")],
    );
    let out = r.run();
    assert_eq!(out.code, 0, "{}", out.log);
    assert_eq!(out.outputs["findings"], "0");
    assert!(out.summary.contains("no secrets found"), "{}", out.summary);
    // a bad mode fails the scan step itself
    let r = runner(
        ws,
        "pull_request",
        &pr_payload(&base, &head),
        &[("mode", "everything")],
    );
    let out = r.run();
    assert_eq!(out.code, 2);
    assert_eq!(out.failed_step.as_deref(), Some("Scan"));
    assert!(
        out.log.contains("mode must be tree, history or diff"),
        "{}",
        out.log
    );
    // a PR whose base commit is not in the checkout says how to fix it
    let r = runner(ws, "pull_request", &pr_payload(&"1".repeat(40), &head), &[]);
    let out = r.run();
    assert_eq!(out.code, 2, "{}", out.log);
    assert!(out.log.contains("fetch-depth: 0"), "{}", out.log);
}

#[test]
fn push_diff_scans_the_pushed_range() {
    let (dir, base, head, _, _) = pr_repo(73);
    let ws = dir.path();
    let payload = serde_json::json!({ "before": base, "after": head, "commits": [] }).to_string();
    let out = runner(ws, "push", &payload, &[("fail-on", "never")]).run();
    assert_eq!(out.code, 0, "{}", out.log);
    assert_eq!(out.outputs["findings"], "1", "{}", out.log);
    // other events have no range: the tree is scanned (and says so)
    let out = runner(ws, "workflow_dispatch", "{}", &[("fail-on", "never")]).run();
    assert_eq!(out.outputs["findings"], "2", "{}", out.log);
    assert!(
        out.log.contains("has no commit range; scanning the tree"),
        "{}",
        out.log
    );
}
