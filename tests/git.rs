//! Git modes end to end, on repositories built in code with the git CLI (fixed authors and
//! timestamps): staged changes, commit ranges, full history with the introducing commit.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{Gen, run, stderr, stdout};
use serde_json::Value;

/// A repository in a temporary directory, committed to with fixed identities and times.
struct Repo {
    _dir: tempfile::TempDir,
    path: PathBuf,
    tick: std::cell::Cell<i64>,
}

impl Repo {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r");
        std::fs::create_dir(&path).unwrap();
        let r = Repo {
            _dir: dir,
            path,
            tick: std::cell::Cell::new(1_700_000_000),
        };
        r.git(&["init", "-q", "-b", "main"]);
        r
    }

    fn git(&self, args: &[&str]) -> String {
        git_in(&self.path, args, self.tick.get())
    }

    fn write(&self, rel: &str, content: &str) {
        let p = self.path.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, content).unwrap();
    }

    /// Stage everything and commit; returns the commit id.
    fn commit(&self, msg: &str) -> String {
        self.tick.set(self.tick.get() + 60);
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "--allow-empty", "-m", msg]);
        self.git(&["rev-parse", "HEAD"])
    }

    fn scan(&self, extra: &[&str]) -> Value {
        let p = self.path.to_str().unwrap().to_string();
        let mut args = vec!["scan", "--format", "json"];
        args.extend_from_slice(extra);
        args.push(&p);
        let o = run(&self.path, &args);
        assert!(
            matches!(o.status.code(), Some(0 | 1)),
            "scan failed: {}",
            stderr(&o)
        );
        serde_json::from_str(&stdout(&o)).unwrap()
    }
}

fn git_in(dir: &Path, args: &[&str], time: i64) -> String {
    let date = format!("{time} +0000");
    let o = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "Alice Example")
        .env("GIT_AUTHOR_EMAIL", "alice@example.com")
        .env("GIT_COMMITTER_NAME", "Alice Example")
        .env("GIT_COMMITTER_EMAIL", "alice@example.com")
        .env("GIT_AUTHOR_DATE", &date)
        .env("GIT_COMMITTER_DATE", &date)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", dir)
        .env_remove("GIT_DIR")
        .env_remove("GIT_INDEX_FILE")
        .output()
        .expect("git");
    assert!(
        o.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).trim().to_string()
}

fn findings(v: &Value) -> &Vec<Value> {
    v["findings"].as_array().unwrap()
}

fn fingerprints(v: &Value) -> Vec<String> {
    let mut f: Vec<String> = findings(v)
        .iter()
        .map(|f| f["fingerprint"].as_str().unwrap().to_string())
        .collect();
    f.sort();
    f
}

fn commits_of(v: &Value) -> Vec<(String, String)> {
    let mut c: Vec<(String, String)> = findings(v)
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_string(),
                f["commit"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    c.sort();
    c
}

#[test]
fn staged_reports_only_added_lines_and_not_unstaged_changes() {
    let mut g = Gen::new(31);
    let (old, new, unstaged) = (g.ghp(), g.ghp(), g.ghp());
    let r = Repo::new();
    r.write("app.env", &format!("OLD_TOKEN={old}\n"));
    r.commit("first");
    r.write("app.env", &format!("OLD_TOKEN={old}\nNEW_TOKEN={new}\n"));
    r.git(&["add", "app.env"]);
    // a change that is not staged must not be reported
    r.write("other.env", &format!("T={unstaged}\n"));
    let v = r.scan(&["--staged"]);
    let f = findings(&v);
    assert_eq!(f.len(), 1, "{v:#}");
    assert_eq!(f[0]["path"], "app.env");
    assert_eq!(f[0]["start_line"], 2);
    assert!(f[0].get("commit").is_none());
}

#[test]
fn staged_works_without_commits() {
    let mut g = Gen::new(32);
    let t = g.ghp();
    let r = Repo::new();
    r.write("conf/.env", &format!("GITHUB_TOKEN={t}\n"));
    r.git(&["add", "-A"]);
    let v = r.scan(&["--staged"]);
    assert_eq!(findings(&v).len(), 1, "{v:#}");
    assert_eq!(findings(&v)[0]["path"], "conf/.env");
    // nothing staged: clean
    r.commit("c");
    let v = r.scan(&["--staged"]);
    assert!(findings(&v).is_empty(), "{v:#}");
}

#[test]
fn range_limits_to_the_commits_of_the_range() {
    let mut g = Gen::new(33);
    let (before, inside, later_edit) = (g.ghp(), g.ghp(), g.ghp());
    let r = Repo::new();
    r.write("a.env", &format!("A={before}\n"));
    let base = r.commit("base");
    r.write("a.env", &format!("A={before}\nB={inside}\n"));
    let c1 = r.commit("adds inside");
    r.write("README", "docs\n");
    let head = r.commit("docs");
    r.write("b.env", &format!("C={later_edit}\n"));
    r.commit("after head");
    let v = r.scan(&["--range", &format!("{base}..{head}")]);
    let f = findings(&v);
    assert_eq!(f.len(), 1, "{v:#}");
    assert_eq!(f[0]["commit"], c1);
    assert_eq!(f[0]["start_line"], 2);
    assert_eq!(f[0]["author"], "Alice Example <alice@example.com>");
    // --since REF is REF..HEAD: now the last commit is in too
    let v = r.scan(&["--since", &base]);
    assert_eq!(findings(&v).len(), 2, "{v:#}");
    // an empty range finds nothing
    let v = r.scan(&["--range", &format!("{head}..{head}")]);
    assert!(findings(&v).is_empty());
}

#[test]
fn range_ignores_a_pure_rename_of_old_content() {
    let mut g = Gen::new(34);
    let t = g.ghp();
    let r = Repo::new();
    r.write("config/dev.env", &format!("T={t}\nx=1\ny=2\n"));
    let base = r.commit("base");
    std::fs::create_dir_all(r.path.join("config/env")).unwrap();
    r.git(&["mv", "config/dev.env", "config/env/dev.env"]);
    r.commit("rename");
    let v = r.scan(&["--since", &base]);
    assert!(findings(&v).is_empty(), "{v:#}");
}

#[test]
fn bad_range_is_a_clear_error() {
    let r = Repo::new();
    r.write("a", "a\n");
    r.commit("a");
    let p = r.path.to_str().unwrap();
    let o = run(&r.path, &["scan", "--range", "nope..HEAD", p]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("nope"), "{}", stderr(&o));
    let _ = commits_of;
    let _ = fingerprints;
}
