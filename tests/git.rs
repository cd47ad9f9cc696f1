//! Git modes end to end, on repositories built in code with the git CLI (fixed authors and
//! timestamps): staged changes, commit ranges, full history with the introducing commit.

mod common;

use std::path::{Path, PathBuf};

use common::{Gen, gzip, run, stderr, stdout, tar_of, zip_of};
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
    common::git_at(dir, args, time)
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
}

fn only(v: &Value) -> &Value {
    let f = findings(v);
    assert_eq!(f.len(), 1, "{v:#}");
    &f[0]
}

#[test]
fn history_finds_a_secret_added_then_removed_with_its_commit() {
    let mut g = Gen::new(41);
    let t = g.ghp();
    let r = Repo::new();
    r.write("README", "hello\n");
    r.commit("init");
    r.write("app/settings.py", &format!("X = 1\nTOKEN = \"{t}\"\n"));
    let c = r.commit("add settings");
    r.write("app/settings.py", "X = 1\nTOKEN = os.environ['TOKEN']\n");
    r.commit("remove the token");
    // a working-tree scan sees nothing
    let p = r.path.to_str().unwrap();
    let tree: Value =
        serde_json::from_str(&stdout(&run(&r.path, &["scan", "--format", "json", p]))).unwrap();
    assert!(findings(&tree).is_empty());
    let v = r.scan(&["--history"]);
    let f = only(&v);
    assert_eq!(f["commit"], c);
    assert_eq!(f["path"], "app/settings.py");
    assert_eq!(f["start_line"], 2);
    assert_eq!(f["author"], "Alice Example <alice@example.com>");
    assert_eq!(f["date"], "2023-11-14T22:15:20Z");
    assert_eq!(f["commits_containing"], 1);
    assert!(f["refs_containing"].as_array().unwrap().is_empty());
}

/// A binary PKCS#12 key store committed and later deleted is found in history, packed or not,
/// with the commit that added it.
#[test]
fn history_finds_a_deleted_binary_key_store() {
    let mut g = Gen::new(43);
    let r = Repo::new();
    r.write("README", "hello\n");
    r.commit("init");
    std::fs::create_dir_all(r.path.join("certs")).unwrap();
    std::fs::write(r.path.join("certs/client.pfx"), g.pkcs12(1200)).unwrap();
    let c = r.commit("add the client certificate");
    std::fs::remove_file(r.path.join("certs/client.pfx")).unwrap();
    r.commit("remove it");
    for packed in [false, true] {
        if packed {
            r.git(&["gc", "-q"]);
        }
        let v = r.scan(&["--history"]);
        let f = only(&v);
        assert_eq!(f["rule_id"], "pkcs12.keystore");
        assert_eq!(f["path"], "certs/client.pfx");
        assert_eq!(f["commit"], c, "packed: {packed}");
        assert_eq!((&f["start_line"], &f["end_column"]), (&1.into(), &1.into()));
    }
}

#[test]
fn history_and_tree_scans_share_fingerprints() {
    let mut g = Gen::new(42);
    let t = g.ghp();
    let r = Repo::new();
    r.write("a/.env", &format!("T={t}\n"));
    let c = r.commit("add");
    r.write("a/other.txt", "x\n");
    r.commit("more");
    let p = r.path.to_str().unwrap();
    let tree: Value =
        serde_json::from_str(&stdout(&run(&r.path, &["scan", "--format", "json", p]))).unwrap();
    let hist = r.scan(&["--history"]);
    assert_eq!(fingerprints(&tree), fingerprints(&hist));
    let f = only(&hist);
    assert_eq!(f["commit"], c);
    assert_eq!(f["commits_containing"], 2);
    assert_eq!(f["refs_containing"], serde_json::json!(["refs/heads/main"]));
}

#[test]
fn history_finds_a_secret_only_in_a_deleted_file() {
    let mut g = Gen::new(43);
    let t = g.ghp();
    let r = Repo::new();
    r.write("keep.txt", "k\n");
    r.commit("init");
    r.write("scripts/debug.sh", &format!("#!/bin/sh\nexport GH={t}\n"));
    let c = r.commit("debug script");
    std::fs::remove_file(r.path.join("scripts/debug.sh")).unwrap();
    r.commit("drop debug script");
    let v = r.scan(&["--history"]);
    let f = only(&v);
    assert_eq!(
        (f["path"].as_str().unwrap(), f["commit"].as_str().unwrap()),
        ("scripts/debug.sh", c.as_str())
    );
}

#[test]
fn history_attributes_a_renamed_file_to_the_original_commit_and_path() {
    let mut g = Gen::new(44);
    let t = g.ghp();
    let r = Repo::new();
    r.write("config/dev.yaml", &format!("token: {t}\n"));
    let c = r.commit("dev config");
    std::fs::create_dir_all(r.path.join("config/env")).unwrap();
    r.git(&["mv", "config/dev.yaml", "config/env/dev.yaml"]);
    r.commit("move");
    // edit the file after the move: the secret stays one finding, still the original commit
    r.write("config/env/dev.yaml", &format!("token: {t}\nother: 1\n"));
    r.commit("edit");
    let v = r.scan(&["--history"]);
    let f = only(&v);
    assert_eq!(f["commit"], c);
    assert_eq!(f["path"], "config/dev.yaml");
}

#[test]
fn history_reports_a_copied_file_at_both_paths() {
    let mut g = Gen::new(47);
    let t = g.ghp();
    let r = Repo::new();
    r.write("deploy/prod.env", &format!("TOKEN={t}\n"));
    let c1 = r.commit("prod env");
    r.write("deploy/staging.env", &format!("TOKEN={t}\n"));
    let c2 = r.commit("copy for staging");
    // a later rename of the copy is not a third place
    r.git(&["mv", "deploy/staging.env", "deploy/stage.env"]);
    r.commit("rename");
    let v = r.scan(&["--history"]);
    let got: Vec<(String, String)> = findings(&v)
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_string(),
                f["commit"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("deploy/prod.env".to_string(), c1),
            ("deploy/staging.env".to_string(), c2)
        ],
        "{v:#}"
    );
    assert_eq!(findings(&v)[1]["properties"]["copyOf"], "deploy/prod.env");
}

#[test]
fn history_sees_unmerged_branches_and_merge_introductions() {
    let mut g = Gen::new(45);
    let (on_branch, by_merge, shared) = (g.ghp(), g.ghp(), g.ghp());
    let r = Repo::new();
    r.write("base.txt", "b\n");
    r.commit("init");
    // the same file on many branches and a tag: reported once
    r.write("shared.env", &format!("S={shared}\n"));
    let c_shared = r.commit("shared");
    for b in ["one", "two", "three"] {
        r.git(&["branch", b]);
    }
    r.git(&["tag", "v1"]);
    // unmerged branch
    r.git(&["checkout", "-q", "-b", "experiment"]);
    r.write("vault/kube.yaml", &format!("token: {on_branch}\n"));
    let c_branch = r.commit("vault");
    r.git(&["checkout", "-q", "main"]);
    // a side branch whose merge commit adds content neither parent has
    r.git(&["checkout", "-q", "-b", "side"]);
    r.write("side.txt", "side\n");
    r.commit("side work");
    r.git(&["checkout", "-q", "main"]);
    r.write("main.txt", "main\n");
    r.commit("main work");
    r.tick.set(r.tick.get() + 60);
    r.git(&["merge", "-q", "--no-ff", "--no-commit", "side"]);
    r.write("merge.env", &format!("M={by_merge}\n"));
    r.git(&["add", "merge.env"]);
    r.git(&["commit", "-q", "-m", "merge side"]);
    let c_merge = r.git(&["rev-parse", "HEAD"]);
    assert_eq!(
        r.git(&["rev-list", "--parents", "-n1", "HEAD"])
            .split(' ')
            .count(),
        3
    );
    let v = r.scan(&["--history"]);
    assert_eq!(
        commits_of(&v),
        vec![
            ("merge.env".to_string(), c_merge),
            ("shared.env".to_string(), c_shared),
            ("vault/kube.yaml".to_string(), c_branch),
        ],
        "{v:#}"
    );
    let shared_f = findings(&v)
        .iter()
        .find(|f| f["path"] == "shared.env")
        .unwrap();
    let refs = shared_f["refs_containing"].as_array().unwrap();
    for want in [
        "refs/heads/one",
        "refs/heads/two",
        "refs/heads/three",
        "refs/tags/v1",
        "refs/heads/main",
    ] {
        assert!(refs.iter().any(|r| r == want), "{want} in {refs:?}");
    }
    // the unmerged branch is reachable only from its own ref
    let vf = findings(&v)
        .iter()
        .find(|f| f["path"] == "vault/kube.yaml")
        .unwrap();
    assert_eq!(
        vf["refs_containing"],
        serde_json::json!(["refs/heads/experiment"])
    );
}

#[test]
fn history_works_on_bare_and_shallow_clones() {
    let mut g = Gen::new(46);
    let (old, new) = (g.ghp(), g.ghp());
    let r = Repo::new();
    r.write("old.env", &format!("O={old}\n"));
    r.commit("old");
    r.write("new.env", &format!("N={new}\n"));
    let c_new = r.commit("new");
    let dir = r.path.parent().unwrap();
    let url = format!("file://{}", r.path.display());
    git_in(
        dir,
        &["clone", "-q", "--bare", &url, "bare.git"],
        1_700_000_000,
    );
    git_in(
        dir,
        &["clone", "-q", "--depth", "1", &url, "shallow"],
        1_700_000_000,
    );
    let bare = dir.join("bare.git");
    let out = run(
        dir,
        &[
            "scan",
            "--history",
            "--format",
            "json",
            bare.to_str().unwrap(),
        ],
    );
    let v: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(findings(&v).len(), 2, "{v:#}");
    let shallow = dir.join("shallow");
    let out = run(
        dir,
        &[
            "scan",
            "--history",
            "--format",
            "json",
            shallow.to_str().unwrap(),
        ],
    );
    let v: Value = serde_json::from_str(&stdout(&out)).unwrap();
    // both blobs are in the one commit that exists; the note says the history is truncated
    assert_eq!(findings(&v).len(), 2, "{v:#}");
    assert!(findings(&v).iter().all(|f| f["commit"] == c_new.as_str()));
    let notes = v["notes"].as_array().unwrap();
    assert!(
        notes
            .iter()
            .any(|n| n.as_str().unwrap().contains("shallow")),
        "{notes:?}"
    );
}

#[test]
fn history_reports_corrupt_objects_and_continues() {
    let mut g = Gen::new(47);
    let (t1, t2) = (g.ghp(), g.ghp());
    let r = Repo::new();
    r.write("a.env", &format!("A={t1}\n"));
    r.write("b.txt", "bbbbbbbbbbbbbbbbbbbbbbbbbbbb bbbbbbbbbbbbbbbbbb\n");
    r.write("c.env", &format!("C={t2}\n"));
    r.commit("three files");
    // corrupt the loose object of b.txt
    let id = r.git(&["rev-parse", "HEAD:b.txt"]);
    let obj = r.path.join(".git/objects").join(&id[..2]).join(&id[2..]);
    overwrite_object_file(&obj, b"this is not zlib data at all");
    let v = r.scan(&["--history"]);
    assert_eq!(findings(&v).len(), 2, "{v:#}");
    assert_skipped_unreadable(&v, &id);
}

/// Replace a (read-only) file of the object store with `bytes`.
fn overwrite_object_file(path: &Path, bytes: &[u8]) {
    let mut perms = std::fs::metadata(path).unwrap().permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    perms.set_readonly(false);
    std::fs::set_permissions(path, perms).unwrap();
    std::fs::write(path, bytes).unwrap();
}

/// The scan lists object `id` among the inputs skipped as unreadable.
fn assert_skipped_unreadable(v: &Value, id: &str) {
    let skipped = v["skipped"].as_array().unwrap();
    assert!(
        skipped
            .iter()
            .any(|s| s["input"].as_str().unwrap().contains(&id[..12])
                && s["reason"].as_str().unwrap().starts_with("unreadable")),
        "{skipped:?}"
    );
}

#[test]
fn history_skips_lfs_pointers_large_blobs_and_submodules() {
    let mut g = Gen::new(48);
    let t = g.ghp();
    let r = Repo::new();
    r.write(
        "assets/model.bin",
        &format!(
            "version https://git-lfs.github.com/spec/v1\noid sha256:{}\nsize 123\n# {t}\n",
            "a".repeat(64)
        ),
    );
    r.write("big.txt", &format!("{}\nT={}\n", "x".repeat(4000), g.ghp()));
    r.commit("lfs and big");
    let sub = r.git(&["rev-parse", "HEAD"]);
    r.git(&[
        "update-index",
        "--add",
        "--cacheinfo",
        &format!("160000,{sub},vendor/lib"),
    ]);
    r.tick.set(r.tick.get() + 60);
    r.git(&["commit", "-q", "-m", "submodule"]);
    let v = r.scan(&["--history", "--max-file-size", "2K"]);
    assert!(findings(&v).is_empty(), "{v:#}");
    let skipped = v["skipped"].as_array().unwrap();
    let reasons: Vec<&str> = skipped
        .iter()
        .map(|s| s["reason"].as_str().unwrap())
        .collect();
    assert!(reasons.contains(&"lfs-pointer"), "{reasons:?}");
    assert!(reasons.contains(&"too-large"), "{reasons:?}");
    assert!(
        skipped
            .iter()
            .any(|s| s["input"] == "vendor/lib" && s["reason"] == "submodule"),
        "{skipped:?}"
    );
}

/// A packed blob over the size limit is skipped once, by either reader (the delta reader finds
/// it while walking the pack, beside the listing of the object store).
#[test]
fn history_skips_a_packed_blob_over_the_size_limit_once() {
    let mut g = Gen::new(50);
    let r = Repo::new();
    r.write("big.txt", &format!("{}\nT={}\n", "x".repeat(4000), g.ghp()));
    r.write("small.txt", &format!("T={}\n", g.ghp()));
    r.commit("big and small");
    r.write("big.txt", &format!("{}\nT={}\n", "y".repeat(4000), g.ghp()));
    r.commit("big again");
    r.git(&["repack", "-adq"]);
    let mut reports = Vec::new();
    for reader in ["delta", "plain"] {
        let v = r.scan(&[
            "--history",
            "--max-file-size",
            "2K",
            "--history-reader",
            reader,
        ]);
        let too_large: Vec<&Value> = v["skipped"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s["reason"] == "too-large")
            .collect();
        assert_eq!(too_large.len(), 2, "{reader}: {v:#}");
        assert_eq!(findings(&v).len(), 1, "{reader}: {v:#}");
        reports.push((v["skipped"].clone(), findings(&v).clone()));
    }
    assert_eq!(reports[0], reports[1]);
}

#[test]
fn history_sarif_carries_commit_author_date_and_provenance() {
    let mut g = Gen::new(49);
    let t = g.ghp();
    let r = Repo::new();
    r.write("x.env", &format!("T={t}\n"));
    let c = r.commit("x");
    let p = r.path.to_str().unwrap();
    let o = run(&r.path, &["scan", "--history", "--format", "sarif", p]);
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let run0 = &v["runs"][0];
    let res = &run0["results"][0];
    assert_eq!(res["partialFingerprints"]["commitSha"], c.as_str());
    assert_eq!(res["properties"]["commit"], c.as_str());
    assert_eq!(
        res["properties"]["author"],
        "Alice Example <alice@example.com>"
    );
    assert_eq!(res["properties"]["path"], "x.env");
    assert!(
        res["properties"]["date"]
            .as_str()
            .unwrap()
            .starts_with("2023-")
    );
    let vcs = &run0["versionControlProvenance"][0];
    assert_eq!(vcs["revisionId"], c.as_str());
    assert!(
        vcs["repositoryUri"]
            .as_str()
            .unwrap()
            .starts_with("file:///")
    );
    assert!(!stdout(&o).contains(&t), "secret leaked into SARIF");
    // the human report names the short commit, date and author
    let o = run(&r.path, &["scan", "--history", p]);
    let h = stdout(&o);
    assert!(h.contains(&c[..10]) && h.contains("Alice Example"), "{h}");
}

#[test]
fn unreachable_blobs_need_all_objects() {
    let mut g = Gen::new(50);
    let t = g.ghp();
    let r = Repo::new();
    r.write("a.txt", "a\n");
    r.commit("a");
    r.write("dangling.env", &format!("T={t}\n"));
    r.git(&["add", "dangling.env"]);
    r.git(&["reset", "-q"]);
    let v = r.scan(&["--history"]);
    assert!(findings(&v).is_empty(), "{v:#}");
    let v = r.scan(&["--history", "--all-objects"]);
    assert_eq!(findings(&v).len(), 1, "{v:#}");
}

#[test]
fn history_continues_past_a_corrupt_object_inside_a_pack() {
    let mut g = Gen::new(51);
    let (t1, t2) = (g.ghp(), g.ghp());
    let r = Repo::new();
    r.write("a.env", &format!("A={t1}\n"));
    let filler: String = (0..400)
        .map(|i| format!("line {i} of some text\n"))
        .collect();
    r.write("middle.txt", &filler);
    r.write("z.env", &format!("Z={t2}\n"));
    r.commit("three files");
    r.git(&["repack", "-a", "-d", "-q"]);
    let id = r.git(&["rev-parse", "HEAD:middle.txt"]);
    let pack_dir = r.path.join(".git/objects/pack");
    let idx = std::fs::read_dir(&pack_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "idx"))
        .unwrap();
    let verify = r.git(&["verify-pack", "-v", idx.to_str().unwrap()]);
    let offset: usize = verify
        .lines()
        .find(|l| l.starts_with(&id))
        .and_then(|l| l.split_whitespace().nth(4))
        .and_then(|o| o.parse().ok())
        .expect("offset of middle.txt in the pack");
    let pack = idx.with_extension("pack");
    let mut bytes = std::fs::read(&pack).unwrap();
    for b in &mut bytes[offset + 8..offset + 40] {
        *b ^= 0x5a;
    }
    overwrite_object_file(&pack, &bytes);
    let v = r.scan(&["--history"]);
    assert_eq!(findings(&v).len(), 2, "{v:#}");
    assert_skipped_unreadable(&v, &id);
}

#[test]
fn history_counts_each_suppressed_finding_once() {
    // regression: a blob with findings was matched twice (path-less, then with its path), so an
    // inline-allowed secret beside a reported one was counted as suppressed twice
    let mut g = Gen::new(51);
    let t: Vec<String> = (0..4).map(|_| g.ghp()).collect();
    let r = Repo::new();
    r.write(".tokenhound.toml", "[allowlist]\npaths = [\"fixtures/\"]\n");
    r.write(
        "settings.py",
        &format!(
            "A = \"{}\"  # tokenhound:allow (test fixture)\nB = \"{}\"\n",
            t[0], t[1]
        ),
    );
    r.write(
        "only_allowed.py",
        &format!("C = \"{}\"  # tokenhound:allow\n", t[2]),
    );
    r.write("fixtures/x.env", &format!("D={}\n", t[3]));
    let c = r.commit("settings");
    let v = r.scan(&["--history"]);
    let f = only(&v);
    assert_eq!(f["path"], "settings.py");
    assert_eq!(f["start_line"], 2);
    assert_eq!(f["commit"], c);
    assert_eq!(
        v["notes"],
        serde_json::json!([
            "3 findings suppressed: 2 inline allow comment, 1 allowlisted path",
            "rules that only report at low confidence (password hashes, identifiers alone) did \
             not run (--min-confidence low runs them)"
        ]),
        "{v:#}"
    );
    // the same counts as a scan of the tree
    let tree = r.scan(&[]);
    assert_eq!(tree["notes"], v["notes"], "{tree:#}");
}

/// The findings of `v` whose path is `commit <id> message` or `tag <id> message`.
fn message_findings(v: &Value) -> Vec<&Value> {
    findings(v)
        .iter()
        .filter(|f| f.get("message_of").is_some())
        .collect()
}

#[test]
fn commit_and_tag_messages_are_scanned_once_each_in_history_and_range() {
    let mut g = Gen::new(61);
    let (in_commit, in_tag, in_file) = (g.ghp(), g.npm(), g.ghp());
    let r = Repo::new();
    r.write("README", "hello\n");
    let base = r.commit("init");
    r.write("app.py", "print('hi')\n");
    let c = r.commit(&format!(
        "Add the app\n\nDeploy with GITHUB_TOKEN={in_commit} for now"
    ));
    // the commit is reached from three refs: scanned once
    r.git(&["branch", "release"]);
    r.git(&["tag", "light"]);
    r.git(&[
        "tag",
        "-a",
        "v1.0",
        "-m",
        &format!("Release 1.0\npublish: {in_tag}"),
    ]);
    let tag_obj = r.git(&["rev-parse", "v1.0"]);
    // the same token as the commit message, later in a file: its own finding
    r.write("later.env", &format!("T={in_commit}\nU={in_file}\n"));
    let later = r.commit("later");
    for args in [vec!["--history"], vec!["--range", &format!("{base}..HEAD")]] {
        let v = r.scan(&args);
        let m = message_findings(&v);
        assert_eq!(m.len(), 2, "{args:?} {v:#}");
        let commit_msg = m
            .iter()
            .find(|f| f["message_of"]["kind"] == "commit")
            .unwrap();
        assert_eq!(commit_msg["path"], format!("commit {c} message"));
        assert_eq!(commit_msg["message_of"]["object"], c.as_str());
        assert_eq!(commit_msg["commit"], c.as_str());
        assert_eq!(commit_msg["start_line"], 3);
        assert_eq!(commit_msg["start_column"], 26);
        assert_eq!(commit_msg["rule_id"], "github.classic-pat");
        assert_eq!(commit_msg["author"], "Alice Example <alice@example.com>");
        assert_eq!(commit_msg["date"], "2023-11-14T22:15:20Z");
        assert_eq!(
            commit_msg["refs_containing"],
            serde_json::json!([
                "refs/heads/main",
                "refs/heads/release",
                "refs/tags/light",
                "refs/tags/v1.0"
            ])
        );
        let tag_msg = m.iter().find(|f| f["message_of"]["kind"] == "tag").unwrap();
        assert_eq!(tag_msg["path"], format!("tag {tag_obj} message"));
        assert_eq!(tag_msg["message_of"]["object"], tag_obj.as_str());
        assert_eq!(tag_msg["message_of"]["tag"], "v1.0");
        // a tag names the commit it points to; the author is the tagger
        assert_eq!(tag_msg["commit"], c.as_str());
        assert_eq!(tag_msg["author"], "Alice Example <alice@example.com>");
        assert_eq!(tag_msg["start_line"], 2);
        assert_eq!(
            tag_msg["refs_containing"],
            serde_json::json!(["refs/tags/v1.0"])
        );
        assert_eq!(tag_msg["rule_id"], "npm.access-token");
        assert!(!v.to_string().contains(&in_commit) && !v.to_string().contains(&in_tag));
        // the file holding the commit message's token is reported apart, with its own
        // (value-based) fingerprint
        let files: Vec<&Value> = findings(&v)
            .iter()
            .filter(|f| f["path"] == "later.env")
            .collect();
        assert_eq!(files.len(), 2, "{v:#}");
        assert!(files.iter().all(|f| f["commit"] == later.as_str()));
        let fps: std::collections::HashSet<&str> = findings(&v)
            .iter()
            .map(|f| f["fingerprint"].as_str().unwrap())
            .collect();
        assert_eq!(fps.len(), 4, "{v:#}");
        // three commits and the tag; the range has two of the commits
        let messages = if args.len() == 1 { 4 } else { 3 };
        assert_eq!(v["summary"]["messages"], messages);
    }
    // the messages are scanned beside the blobs, on a thread of their own, or after them with
    // one thread: the same report
    let one = r.scan(&["--history", "--threads", "1"]);
    let three = r.scan(&["--history", "--threads", "3"]);
    assert_eq!(message_findings(&one).len(), 2, "{one:#}");
    assert_eq!(one["findings"], three["findings"]);
    assert_eq!(one["summary"], three["summary"]);
    // the human report names the commit and the tag
    let p = r.path.to_str().unwrap();
    let h = stdout(&run(&r.path, &["scan", "--history", p]));
    assert!(h.contains(&format!("commit {c} message")), "{h}");
    assert!(h.contains("tag v1.0 2023-"), "{h}");
}

#[test]
fn a_message_secret_is_reported_once_at_its_earliest_commit() {
    // a cherry-picked commit copies its message: one finding, at the original, counting both
    let mut g = Gen::new(62);
    let t = g.ghp();
    let r = Repo::new();
    r.write("README", "hello\n");
    r.commit("init");
    r.git(&["checkout", "-q", "-b", "topic"]);
    r.write("a.txt", "a\n");
    let original = r.commit(&format!("Use {t}"));
    r.git(&["checkout", "-q", "main"]);
    r.tick.set(r.tick.get() + 60);
    r.git(&["cherry-pick", &original]);
    let v = r.scan(&["--history"]);
    let m = message_findings(&v);
    assert_eq!(m.len(), 1, "{v:#}");
    assert_eq!(m[0]["commit"], original.as_str());
    assert_eq!(m[0]["commits_containing"], 2);
    // an inline allow comment in a message works as in a file
    r.write("b.txt", "b\n");
    r.commit(&format!("Example {}  # tokenhound:allow", g.ghp()));
    let v = r.scan(&["--history"]);
    assert_eq!(message_findings(&v).len(), 1, "{v:#}");
}

#[test]
fn history_sarif_names_a_message_finding_by_its_commit() {
    // the SARIF form of a commit-message finding is part of the interface (README): a
    // %SRCROOT%-relative artifact naming the message and a logical location naming the commit
    let mut g = Gen::new(63);
    let t = g.ghp();
    let r = Repo::new();
    r.write("README", "hello\n");
    let c = r.commit(&format!("Init\n\ntoken {t}\n"));
    let p = r.path.to_str().unwrap();
    let o = run(&r.path, &["scan", "--history", "--format", "sarif", p]);
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let res = &v["runs"][0]["results"][0];
    assert_eq!(
        res["locations"],
        serde_json::json!([{
            "physicalLocation": {
                "artifactLocation": {
                    "uri": format!("commit%20{c}%20message"),
                    "uriBaseId": "%SRCROOT%"
                },
                "region": {"startLine": 3, "startColumn": 7, "endLine": 3, "endColumn": 47}
            },
            "logicalLocations": [{
                "name": c,
                "fullyQualifiedName": format!("commit {c} message"),
                "kind": "commit"
            }]
        }])
    );
    assert_eq!(res["partialFingerprints"]["commitSha"], c.as_str());
    let fp = res["partialFingerprints"]["secretFingerprint/v1"]
        .as_str()
        .unwrap();
    assert_eq!(res["properties"]["fingerprint"], fp);
    assert_eq!(
        res["properties"]["messageOf"],
        serde_json::json!({"kind": "commit", "object": c})
    );
    assert_eq!(res["properties"]["path"], format!("commit {c} message"));
    // the same token in a file has another fingerprint (its own alert)
    r.write("x.env", &format!("T={t}\n"));
    r.commit("file");
    let tree = r.scan(&[]);
    assert_ne!(findings(&tree)[0]["fingerprint"], fp);
    assert!(!stdout(&o).contains(&t), "secret leaked into SARIF");
}

/// Run `scan --history` (plus `extra`) on `path`; (exit code, JSON report).
fn scan_history_code(r: &Repo, path: &Path, extra: &[&str]) -> (i32, Value) {
    let mut args = vec!["scan", "--history", "--format", "json"];
    args.extend_from_slice(extra);
    args.push(path.to_str().unwrap());
    let o = run(&r.path, &args);
    let v = serde_json::from_str(&stdout(&o)).unwrap_or(Value::Null);
    (o.status.code().unwrap(), v)
}

#[test]
fn history_names_a_blob_missing_from_the_object_store() {
    let mut g = Gen::new(64);
    let (t1, t2, t3) = (g.ghp(), g.ghp(), g.ghp());
    let r = Repo::new();
    r.write("a.env", &format!("A={t1}\n"));
    r.write("lost/b.env", &format!("B={t2}\n"));
    r.write("sub/c.env", &format!("C={t3}\n"));
    let c = r.commit("three files");
    r.write("d.txt", "clean\n");
    r.commit("more");
    // a damaged clone: one referenced blob's loose object file is gone
    let id = r.git(&["rev-parse", "HEAD:lost/b.env"]);
    std::fs::remove_file(r.path.join(".git/objects").join(&id[..2]).join(&id[2..])).unwrap();
    let (code, v) = scan_history_code(&r, &r.path, &[]);
    assert_eq!(code, 1, "{v:#}");
    // every other blob is scanned and its finding present
    let paths: Vec<&str> = findings(&v)
        .iter()
        .filter(|f| f.get("message_of").is_none())
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, ["a.env", "sub/c.env"], "{v:#}");
    assert_eq!(v["summary"]["scanned"], 3);
    // the missing one is counted and named, with where history references it
    assert_eq!(v["summary"]["missing_objects"], 1);
    assert_eq!(
        v["missing_objects"],
        serde_json::json!([{"id": id, "type": "blob", "path": "lost/b.env", "commit": c}])
    );
    assert_eq!(v["partial_clone"], Value::Null);
    // --fail-on-incomplete turns it into exit 2; without findings the usual code is 0
    let (code, _) = scan_history_code(&r, &r.path, &["--fail-on-incomplete"]);
    assert_eq!(code, 2);
    let (code, _) = scan_history_code(&r, &r.path, &["--fail-on", "never"]);
    assert_eq!(code, 0);
    // the human summary and SARIF say so
    let p = r.path.to_str().unwrap();
    let h = stdout(&run(&r.path, &["scan", "--history", p]));
    assert!(
        h.contains("incomplete history: 1 object(s)")
            && h.contains(&format!("missing blob {id} lost/b.env")),
        "{h}"
    );
    let o = run(&r.path, &["scan", "--history", "--format", "sarif", p]);
    let s: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let inv = &s["runs"][0]["invocations"][0];
    assert_eq!(inv["executionSuccessful"], true);
    let n = &inv["toolExecutionNotifications"];
    assert_eq!(n.as_array().unwrap().len(), 1, "{inv:#}");
    assert_eq!(n[0]["level"], "warning");
    assert_eq!(n[0]["properties"]["objectId"], id.as_str());
    assert!(
        n[0]["message"]["text"]
            .as_str()
            .unwrap()
            .contains("lost/b.env")
    );
    // a complete clone has none of it
    let clean = Repo::new();
    clean.write("x.txt", "x\n");
    clean.commit("x");
    let (code, v) = scan_history_code(&clean, &clean.path, &["--fail-on-incomplete"]);
    assert_eq!(code, 0);
    assert_eq!(v["summary"]["missing_objects"], 0);
    assert_eq!(v["missing_objects"], serde_json::json!([]));
    // a missing tree: nothing below it is reachable, the tree is named
    let r = Repo::new();
    r.write("keep.txt", "k\n");
    r.write("dir/x.txt", "x\n");
    let c = r.commit("tree");
    let tree = r.git(&["rev-parse", "HEAD:dir"]);
    std::fs::remove_file(
        r.path
            .join(".git/objects")
            .join(&tree[..2])
            .join(&tree[2..]),
    )
    .unwrap();
    let (code, v) = scan_history_code(&r, &r.path, &["--fail-on-incomplete"]);
    assert_eq!(code, 2);
    assert_eq!(
        v["missing_objects"],
        serde_json::json!([{"id": tree, "type": "tree", "path": "dir", "commit": c}])
    );
}

#[test]
fn history_names_a_partial_clone_and_fetches_nothing() {
    let mut g = Gen::new(65);
    let t = g.ghp();
    let src = Repo::new();
    src.write("a.txt", "one\n");
    src.commit("one");
    src.write("b.txt", "two\n");
    let c = src.commit(&format!("two\n\nwith {t}"));
    src.git(&["config", "uploadpack.allowFilter", "true"]);
    let dir = src.path.parent().unwrap();
    let url = format!("file://{}", src.path.display());
    git_in(
        dir,
        &[
            "clone",
            "-q",
            "--no-checkout",
            "--filter=blob:none",
            &url,
            "partial",
        ],
        1_700_000_000,
    );
    let partial = dir.join("partial");
    let before = git_in(&partial, &["count-objects", "-v"], 1_700_000_000);
    let (code, v) = scan_history_code(&src, &partial, &[]);
    // the commit message is still scanned; both blobs are named as not present
    assert_eq!(code, 1, "{v:#}");
    assert_eq!(only(&v)["path"], format!("commit {c} message"));
    assert_eq!(v["summary"]["missing_objects"], 2, "{v:#}");
    assert_eq!(v["partial_clone"], "origin (filter blob:none)");
    assert!(
        v["notes"][0].as_str().unwrap().starts_with("partial clone"),
        "{v:#}"
    );
    // nothing was fetched from the promisor remote
    let after = git_in(&partial, &["count-objects", "-v"], 1_700_000_000);
    assert_eq!(before, after);
    assert!(after.contains("in-pack: 4"), "{after}");
    let (code, _) = scan_history_code(&src, &partial, &["--fail-on-incomplete"]);
    assert_eq!(code, 2);
}

#[test]
fn range_attributes_renamed_and_edited_files_to_their_new_lines_only() {
    // rename detection in --range is exact-only, and the source of a renamed and edited file is
    // looked for only when it has findings: attribution must be what full rename detection gave
    let mut g = Gen::new(66);
    let (old, new, unrelated) = (g.ghp(), g.ghp(), g.ghp());
    let filler: String = (0..20).map(|i| format!("setting_{i} = {i}\n")).collect();
    let r = Repo::new();
    r.write("config/dev.env", &format!("T={old}\n{filler}"));
    r.write("notes.txt", "some notes\nabout nothing\n");
    let base = r.commit("base");
    // a pure rename
    std::fs::create_dir_all(r.path.join("config/env")).unwrap();
    r.git(&["mv", "config/dev.env", "config/env/dev.env"]);
    r.commit("move");
    // a rename with an edit that adds a token; an unrelated file deleted beside a new one
    r.git(&["mv", "config/env/dev.env", "config/env/prod.env"]);
    r.write(
        "config/env/prod.env",
        &format!("T={old}\n{filler}N={new}\n"),
    );
    r.git(&["rm", "-q", "notes.txt"]);
    r.write("fresh.env", &format!("U={unrelated}\n"));
    let c = r.commit("rename, edit, replace");
    let v = r.scan(&["--since", &base]);
    let mut got: Vec<(String, u64, String)> = findings(&v)
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_string(),
                f["start_line"].as_u64().unwrap(),
                f["commit"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    got.sort();
    assert_eq!(
        got,
        [
            ("config/env/prod.env".to_string(), 22, c.clone()),
            ("fresh.env".to_string(), 1, c.clone()),
        ],
        "{v:#}"
    );
}

/// `--range` over a damaged clone: a blob the range adds is missing from the object store; every
/// other blob of the range is scanned, the missing one is counted and named, and
/// `--fail-on-incomplete` exits 2.
#[test]
fn range_names_a_blob_missing_from_the_object_store() {
    let mut g = Gen::new(66);
    let (t1, t2) = (g.ghp(), g.ghp());
    let r = Repo::new();
    r.write("README", "docs\n");
    let base = r.commit("base");
    r.write("kept.env", &format!("A={t1}\n"));
    r.write("lost.env", &format!("B={t2}\n"));
    let c = r.commit("two files");
    let id = r.git(&["rev-parse", "HEAD:lost.env"]);
    std::fs::remove_file(r.path.join(".git/objects").join(&id[..2]).join(&id[2..])).unwrap();
    let p = r.path.to_str().unwrap();
    let range = format!("{base}..{c}");
    let o = run(&r.path, &["scan", "--range", &range, "--format", "json", p]);
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(o.status.code(), Some(1), "{v:#}");
    let paths: Vec<&str> = findings(&v)
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, ["kept.env"], "{v:#}");
    assert_eq!(v["summary"]["missing_objects"], 1, "{v:#}");
    assert_eq!(v["missing_objects"][0]["id"], id.as_str(), "{v:#}");
    assert_eq!(v["missing_objects"][0]["path"], "lost.env", "{v:#}");
    let o = run(
        &r.path,
        &[
            "scan",
            "--range",
            &range,
            "--fail-on-incomplete",
            "--format",
            "json",
            p,
        ],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));
}

/// A token in a git note (`git notes add`) is found by a history scan: notes are blobs of the
/// `refs/notes/commits` history, reached like any other ref's.
#[test]
fn history_finds_a_token_in_a_git_note() {
    let mut g = Gen::new(67);
    let t = g.ghp();
    let r = Repo::new();
    r.write("README", "docs\n");
    let c = r.commit("base");
    r.git(&["notes", "add", "-m", &format!("deployed with {t}"), &c]);
    let v = r.scan(&["--history"]);
    let f = findings(&v);
    assert_eq!(f.len(), 1, "{v:#}");
    // the note's path in the notes tree is the annotated commit's id
    assert!(f[0]["path"].as_str().unwrap().contains(&c[..2]), "{v:#}");
    assert_eq!(f[0]["start_line"], 1);
}

/// eval/realworld156 dev, and the tree scan's reading of archives (eval/realworld4, 140): an
/// archive committed to a repository is opened in every git mode as the tree scan opens it —
/// by its content, each member reported as `ARCHIVE!MEMBER` — staged, in a commit range and
/// in history (with the commit that added it, after it was deleted, packed or not), with the
/// tree scan's fingerprints.
#[test]
fn archives_are_opened_in_staged_range_and_history_scans() {
    let mut g = Gen::new(156);
    let (t1, t2, t3, t4) = (g.ghp(), g.ghp(), g.ghp(), g.ghp());
    let r = Repo::new();
    r.write("README", "hello\n");
    let base = r.commit("init");
    let put = |rel: &str, data: Vec<u8>| {
        let p = r.path.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, data).unwrap();
    };
    put(
        "testcases/accounts.json.gz",
        gzip(format!("[{{\"token\": \"{t1}\"}}]\n").as_bytes()),
    );
    put(
        "charts/app-1.0.tgz",
        gzip(&tar_of(&[(
            "app/values.yaml",
            format!("github:\n  token: {t2}\n").as_bytes(),
        )])),
    );
    put(
        "vendor/docs.bin",
        tar_of(&[("docs/setup.md", format!("GITHUB_TOKEN={t3}\n").as_bytes())]),
    );
    put(
        "libs/app.jar",
        zip_of(
            &[(
                "config/app.properties",
                format!("gh.token={t4}\n").as_bytes(),
            )],
            true,
        ),
    );
    let paths = |v: &Value| {
        let mut p: Vec<String> = findings(v)
            .iter()
            .map(|f| f["path"].as_str().unwrap().to_string())
            .collect();
        p.sort();
        p
    };
    let want = vec![
        "charts/app-1.0.tgz!app/values.yaml",
        "libs/app.jar!config/app.properties",
        "testcases/accounts.json.gz!accounts.json",
        "vendor/docs.bin!docs/setup.md",
    ];
    r.git(&["add", "-A"]);
    assert_eq!(paths(&r.scan(&["--staged"])), want);
    let c = r.commit("add fixtures");
    let p = r.path.to_str().unwrap();
    let tree: Value =
        serde_json::from_str(&stdout(&run(&r.path, &["scan", "--format", "json", p]))).unwrap();
    assert_eq!(paths(&tree), want);
    let v = r.scan(&["--range", &format!("{base}..{c}")]);
    assert_eq!(paths(&v), want);
    assert!(findings(&v).iter().all(|f| f["commit"] == c), "{v:#}");
    for f in [
        "testcases/accounts.json.gz",
        "charts/app-1.0.tgz",
        "vendor/docs.bin",
    ] {
        std::fs::remove_file(r.path.join(f)).unwrap();
    }
    r.commit("remove fixtures");
    for packed in [false, true] {
        if packed {
            r.git(&["gc", "-q"]);
        }
        let v = r.scan(&["--history"]);
        assert_eq!(paths(&v), want, "packed: {packed}");
        assert!(findings(&v).iter().all(|f| f["commit"] == c), "{v:#}");
        assert_eq!(fingerprints(&v), fingerprints(&tree));
    }
}
