//! The repository scans clean: `tokenhound scan .` over a copy of this checkout (tracked and
//! untracked, not ignored files) reports nothing, every `.tokenhound.toml` allowlist entry
//! suppresses something and says why, and a generated token added anywhere outside the
//! allowlisted fixtures is reported.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{Gen, run, stdout};

/// A copy of the files `git` sees in this checkout (what a clean clone plus local edits holds),
/// or None when this is not a git checkout.
fn copy_of_checkout() -> Option<tempfile::TempDir> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = Command::new("git")
        .args([
            "ls-files",
            "-z",
            "--cached",
            "--others",
            "--exclude-standard",
        ])
        .current_dir(root)
        .output()
        .ok()
        .filter(|o| o.status.success())?;
    let dir = tempfile::tempdir().unwrap();
    let mut n = 0;
    for rel in out.stdout.split(|b| *b == 0).filter(|p| !p.is_empty()) {
        let rel = PathBuf::from(String::from_utf8(rel.to_vec()).unwrap());
        let from = root.join(&rel);
        if !from.is_file() {
            continue; // deleted in the work tree, or a submodule
        }
        let to = dir.path().join(&rel);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(&from, &to).unwrap();
        n += 1;
    }
    assert!(n > 50, "only {n} files listed by git");
    Some(dir)
}

/// Paths of the findings of `tokenhound scan .` in `dir`, and the exit code.
fn scan_paths(dir: &Path) -> (Vec<String>, i32) {
    let o = run(dir, &["scan", ".", "--format", "json"]);
    let doc: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("json report");
    let paths = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap().to_string())
        .collect();
    (paths, o.status.code().unwrap())
}

#[test]
fn the_repository_scans_clean_and_still_finds_a_new_token() {
    let Some(copy) = copy_of_checkout() else {
        eprintln!("skipped: not a git checkout");
        return;
    };
    let dir = copy.path();
    assert!(dir.join(".tokenhound.toml").is_file());

    // the tree: nothing reported, exit 0; -v shows each allowlist entry, its count and reason
    let o = run(dir, &["scan", ".", "-v"]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(out.contains("\n0 findings in "), "{out}");
    let entries: Vec<&str> = out
        .lines()
        .filter(|l| l.starts_with("note: allowlist"))
        .collect();
    assert!(entries.len() >= 2, "{out}");
    for e in &entries {
        assert!(
            !e.contains("no reason given"),
            "entry without a reason: {e}"
        );
        assert!(!e.contains("` suppressed 0:"), "stale entry: {e}");
    }

    // a generated token in a new file anywhere outside the fixtures, or added to a test source
    // that holds allowlisted literals, is reported (one scan for all: debug builds are slow)
    let mut g = Gen::new(10);
    let mut added = Vec::new();
    for (rel, append) in [
        ("src/new_module.rs", false),
        ("tests/new_test.rs", false),
        ("docs/new-page.md", false),
        ("notes.txt", false),
        ("tests/robustness.rs", true),
        ("src/detect.rs", true),
    ] {
        let path = dir.join(rel);
        let before = std::fs::read(&path).ok();
        assert_eq!(before.is_some(), append, "{rel}");
        let mut text = before.clone().unwrap_or_default();
        text.extend(format!("\nconst TOKEN: &str = \"{}\";\n", g.ghp()).bytes());
        std::fs::write(&path, text).unwrap();
        added.push((path, before));
    }
    let (mut found, code) = scan_paths(dir);
    found.sort();
    let want = [
        "docs/new-page.md",
        "notes.txt",
        "src/detect.rs",
        "src/new_module.rs",
        "tests/new_test.rs",
        "tests/robustness.rs",
    ];
    assert_eq!((found, code), (want.map(String::from).to_vec(), 1));
    for (path, before) in added {
        match before {
            Some(b) => std::fs::write(&path, b).unwrap(),
            None => std::fs::remove_file(&path).unwrap(),
        }
    }

    // the fixtures themselves are allowed by path: a rule file's example is not reported
    let rule_file = dir.join("rules/github.toml");
    let mut text = std::fs::read_to_string(&rule_file).unwrap();
    text.push_str(&format!("# {}\n", g.ghp()));
    std::fs::write(&rule_file, text).unwrap();
    assert_eq!(scan_paths(dir), (vec![], 0));
}
