//! End-to-end tests of the integrations through the binary: `.tokenhound.toml` (errors with
//! file, line and key; allowlists; rule and hygiene settings), inline allow comments, baselines
//! across line moves and with a new secret on a known line, `install-hook`, and the hint a
//! failing scan prints.

mod common;

use common::{Fixture, Gen, run, stderr, stdout};

fn json(o: &std::process::Output) -> serde_json::Value {
    serde_json::from_str(&stdout(o)).unwrap_or_else(|e| panic!("{e}: {}", stdout(o)))
}

fn findings(o: &std::process::Output) -> Vec<(String, u64)> {
    json(o)["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_string(),
                f["start_line"].as_u64().unwrap(),
            )
        })
        .collect()
}

fn notes(o: &std::process::Output) -> Vec<String> {
    json(o)["notes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap().to_string())
        .collect()
}

#[test]
fn config_errors_name_file_line_and_key() {
    let cases: &[(&str, &str)] = &[
        (
            "[allowlist]\npaths = [\"a/\"]\nregexs = [\"x\"]\n",
            ".tokenhound.toml:3:1: unknown field `regexs`, expected one of `paths`, `regexes`, `line_regexes`, `stopwords`",
        ),
        (
            "[allowlist]\nregexes = [\"ok\", \"(unclosed\"]\n",
            ".tokenhound.toml:2:18: allowlist.regexes: invalid regex `(unclosed`",
        ),
        (
            "[allowlist]\nline_regexes = [\"a{2,1}\"]\n",
            ".tokenhound.toml:2:17: allowlist.line_regexes: invalid regex `a{2,1}`",
        ),
        (
            "[hygiene]\nmax_jwt_lifetime = \"a while\"\n",
            ".tokenhound.toml:2:20: hygiene.max_jwt_lifetime: expected a duration",
        ),
        (
            "[hygiene]\nmax_token_life = \"1h\"\n",
            ".tokenhound.toml:2:1: unknown field `max_token_life`",
        ),
        (
            "[rules]\ndisable = [\"github.classic-pta\"]\n",
            ".tokenhound.toml:2:12: rules.disable: no rule matches `github.classic-pta`",
        ),
        (
            "[rules.level]\n\"github.*\" = \"fatal\"\n",
            ".tokenhound.toml:2:14: unknown variant `fatal`, expected one of `note`, `warning`, `error`",
        ),
        (
            "[rules]\npaths = [\"missing-rules.toml\"]\n",
            ".tokenhound.toml:2:10: rules.paths: cannot read rules file",
        ),
        (
            "[scan]\nthreads = 2\n",
            ".tokenhound.toml:1:2: unknown field `scan`",
        ),
        (
            "[[rule]]\nid = \"my.token\"\nname = \"n\"\ndescription = \"d\"\nremediation = \"r\"\nkeywords = [\"myt_\"]\nregex = \"myt_[a-z\"\nexamples = [\"myt_abc\"]\n",
            ".tokenhound.toml:1:1: [[rule]]: rule `my.token`: invalid regex",
        ),
        (
            "[allowlist]\npaths = [\"a/\"]\n[allowlist]\n",
            ".tokenhound.toml:3:2: duplicate key",
        ),
    ];
    for (text, expect) in cases {
        let f = Fixture::new();
        f.write(".tokenhound.toml", text);
        f.write("a.txt", "nothing\n");
        let o = run(f.path(), &["scan", "."]);
        assert_eq!(o.status.code(), Some(2), "{text}");
        let e = stderr(&o);
        let want = format!("tokenhound: error: ./{expect}");
        assert!(
            e.starts_with(&want),
            "config:\n{text}\nwant: {want}\ngot:  {e}"
        );
    }
    // --config names its own file in errors; a missing file is an error too
    let f = Fixture::new();
    f.write("conf/th.toml", "[allowlist]\nstopwords = [1]\n");
    let o = run(f.path(), &["scan", ".", "--config", "conf/th.toml"]);
    assert!(
        stderr(&o).starts_with("tokenhound: error: conf/th.toml:2:14:"),
        "{}",
        stderr(&o)
    );
    let o = run(f.path(), &["scan", ".", "--config", "nope.toml"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("cannot read configuration nope.toml"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn allowlist_paths_regexes_and_stopwords() {
    let mut g = Gen::new(51);
    let f = Fixture::new();
    let toks: Vec<String> = (0..5).map(|_| g.ghp()).collect();
    let body = format!("QAteam{}", g.alnum(24));
    let crc = tokenhound::codec::base62(crc32fast::hash(body.as_bytes()) as u64, 6);
    let dummy = format!("ghp_{body}{crc}");
    f.write("tests/fixtures/creds.env", format!("T={}\n", toks[0]));
    f.write("src/keep.env", format!("T={}\n", toks[1]));
    f.write("src/line.env", format!("T={}  # rotated-2024\n", toks[2]));
    f.write("src/re.env", format!("T={}\n", toks[3]));
    f.write("src/stop.env", format!("T={dummy}\n"));
    let all = run(f.path(), &["scan", ".", "--format", "json", "--no-config"]);
    let before = findings(&all).len();
    assert_eq!(before, 5, "{}", stdout(&all));
    f.write(
        ".tokenhound.toml",
        format!(
            "[allowlist]\npaths = [\"tests/fixtures/\"]\nregexes = [\"^{}$\"]\nline_regexes = [\"# rotated-\\\\d{{4}}$\"]\nstopwords = [\"qateam\"]\n",
            toks[3]
        ),
    );
    let o = run(f.path(), &["scan", ".", "--format", "json"]);
    assert_eq!(
        findings(&o),
        vec![("src/keep.env".to_string(), 1)],
        "{}",
        stdout(&o)
    );
    let n = notes(&o);
    assert!(
        n.iter().any(|s| s.contains("suppressed")
            && s.contains("1 allowlisted path")
            // the token in the configuration's own regex is found and allowed by it too
            && s.contains("2 allowlist regex")
            && s.contains("1 allowlist line regex")
            && s.contains("1 stop-word")),
        "{n:?}"
    );
    // the same allowlist through --config from elsewhere
    let other = Fixture::new();
    std::fs::copy(
        f.path().join(".tokenhound.toml"),
        other.path().join("c.toml"),
    )
    .unwrap();
    let root = f.path().to_str().unwrap();
    let o = run(
        other.path(),
        &["scan", root, "--format", "json", "--config", "c.toml"],
    );
    assert_eq!(findings(&o).len(), 1, "{}", stdout(&o));
}

#[test]
fn inline_allow_comments_suppress_their_line_only() {
    let mut g = Gen::new(52);
    let f = Fixture::new();
    let t: Vec<String> = (0..4).map(|_| g.ghp()).collect();
    f.write(
        "settings.py",
        format!(
            "A = \"{}\"  # tokenhound:allow (test fixture)\nB = \"{}\"\nC = \"{}\"  # gitleaks:allow\nD = \"{}\"  # pragma: allowlist secret\n",
            t[0], t[1], t[2], t[3]
        ),
    );
    let o = run(f.path(), &["scan", ".", "--format", "json"]);
    assert_eq!(findings(&o), vec![("settings.py".to_string(), 2)]);
    assert!(
        notes(&o).contains(&"3 findings suppressed: 3 inline allow comment".to_string()),
        "{:?}",
        notes(&o)
    );
    assert_eq!(o.status.code(), Some(1));
    let human = run(f.path(), &["scan", "."]);
    assert!(stdout(&human).contains("note: 3 findings suppressed"));
}

#[test]
fn rule_levels_and_disable_apply_to_the_scan() {
    let mut g = Gen::new(53);
    let f = Fixture::new();
    f.write(
        "a.env",
        format!("T={}\nO={}\n", g.ghp(), g.crc_token("gho_", 30)),
    );
    let o = run(f.path(), &["scan", ".", "--format", "json"]);
    let n = findings(&o).len();
    assert_eq!(n, 2, "{}", stdout(&o));
    f.write(
        ".tokenhound.toml",
        "[rules]\ndisable = [\"github.oauth*\"]\n[rules.level]\n\"github.classic-pat\" = \"error\"\n",
    );
    let o = run(f.path(), &["scan", ".", "--format", "json"]);
    let v = json(&o);
    let fs = v["findings"].as_array().unwrap();
    assert_eq!(fs.len(), 1, "{v}");
    assert_eq!(fs[0]["rule_id"], "github.classic-pat");
    assert_eq!(fs[0]["level"], "error");
    // a classic PAT is a warning by default; raised to error it now fails --fail-on error
    assert_eq!(
        run(f.path(), &["scan", ".", "--fail-on", "error"])
            .status
            .code(),
        Some(1)
    );
    assert_eq!(
        run(
            f.path(),
            &["scan", ".", "--fail-on", "error", "--no-config"]
        )
        .status
        .code(),
        Some(0)
    );
}

#[test]
fn inline_extra_rules_run() {
    let f = Fixture::new();
    let mut g = Gen::new(54);
    let body = g.alnum(32);
    f.write(
        ".tokenhound.toml",
        "[[rule]]\nid = \"acme.key\"\nname = \"ACME key\"\ndescription = \"d\"\nremediation = \"r\"\nkeywords = [\"acme_\"]\nregex = '''\\b(acme_[A-Za-z0-9]{32})\\b'''\nexamples = [\"k = acme_Q2x8mT4pL9vR3sW7yB1nC6dF0gH5jK2z\"]\n",
    );
    f.write("x.cfg", format!("key = acme_{body}\n"));
    let o = run(f.path(), &["scan", ".", "--format", "json"]);
    let v = json(&o);
    assert_eq!(
        v["findings"][0]["rule_id"],
        "acme.key",
        "{v} {}",
        stderr(&o)
    );
}

fn baseline_entries(path: &std::path::Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn baselines_survive_line_moves_but_not_new_secrets() {
    let mut g = Gen::new(55);
    let f = Fixture::new();
    let old = g.ghp();
    let old2 = g.crc_token("gho_", 30);
    f.write(
        "app/config.py",
        format!("# settings\nTOKEN = \"{old}\"\nNPM = \"{old2}\"\n"),
    );
    let o = run(f.path(), &["baseline", "create", "."]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(
        !text.contains(&old) && !text.contains(&old[4..20]),
        "baseline holds the secret"
    );
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["version"], 1);
    assert_eq!(v["algorithm"], "hmac-sha256");
    let entries = v["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[0]["path"], "app/config.py");
    assert_eq!(entries[0]["line"], 2);
    assert_eq!(entries[0]["rule_id"], "github.classic-pat");
    f.write(".tokenhound-baseline.json", &text);
    let scan = |extra: &[&str]| {
        let mut args = vec![
            "scan",
            ".",
            "--format",
            "json",
            "--baseline",
            ".tokenhound-baseline.json",
        ];
        args.extend_from_slice(extra);
        run(f.path(), &args)
    };
    let o = scan(&[]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(findings(&o).is_empty());
    assert!(notes(&o).contains(&"2 findings suppressed: 2 baseline".to_string()));

    // move the code: other lines above, another file
    std::fs::remove_file(f.path().join("app/config.py")).unwrap();
    f.write(
        "app/settings/base.py",
        format!("import os\n\n\nclass Settings:\n    TOKEN = \"{old}\"\n    NPM = \"{old2}\"\n"),
    );
    let o = scan(&[]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(findings(&o).is_empty());

    // a new secret on a known line is reported; the known one on that line is not
    let new = g.ghp();
    f.write(
        "app/settings/base.py",
        format!("import os\n\n\nclass Settings:\n    TOKEN = \"{old}\"; BACKUP = \"{new}\"\n    NPM = \"{old2}\"\n"),
    );
    let o = scan(&["--show-secrets"]);
    assert_eq!(o.status.code(), Some(1));
    let v = json(&o);
    let fs = v["findings"].as_array().unwrap();
    assert_eq!(fs.len(), 1, "{v}");
    assert_eq!(fs[0]["secret"], new.as_str());
    assert_eq!(fs[0]["start_line"], 5);

    // the configuration can name the baseline
    f.write(
        ".tokenhound.toml",
        "baseline = \".tokenhound-baseline.json\"\n",
    );
    let o = run(f.path(), &["scan", ".", "--format", "json"]);
    assert_eq!(findings(&o).len(), 1);

    // update prunes fixed entries (and with --add records the new one)
    f.write(
        "app/settings/base.py",
        format!("class Settings:\n    BACKUP = \"{new}\"\n    NPM = \"{old2}\"\n"),
    );
    let o = run(f.path(), &["baseline", "update", "."]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stderr(&o).contains("kept 1, pruned 1"), "{}", stderr(&o));
    let b = baseline_entries(&f.path().join(".tokenhound-baseline.json"));
    assert_eq!(b["entries"].as_array().unwrap().len(), 1);
    assert_eq!(b["salt"], v_salt(&text));
    assert_ne!(
        b["entries"][0]["rule_id"], "github.classic-pat",
        "the fixed one is pruned"
    );
    let o = run(f.path(), &["baseline", "update", ".", "--add"]);
    assert!(
        stderr(&o).contains("kept 1, pruned 0 no longer found, added 1"),
        "{}",
        stderr(&o)
    );
    let o = run(f.path(), &["scan", "."]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
}

fn v_salt(text: &str) -> serde_json::Value {
    serde_json::from_str::<serde_json::Value>(text).unwrap()["salt"].clone()
}

#[test]
fn a_broken_baseline_is_a_fatal_error() {
    let f = Fixture::new();
    f.write("a.txt", "x\n");
    f.write("b.json", "{\"entries\": []}");
    let o = run(f.path(), &["scan", ".", "--baseline", "b.json"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("b.json: not a tokenhound baseline"),
        "{}",
        stderr(&o)
    );
    let o = run(f.path(), &["scan", ".", "--baseline", "missing.json"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("cannot read baseline missing.json"));
}

/// Run git in `dir` with a fixed identity and no user or system configuration.
fn git(dir: &std::path::Path, args: &[&str]) -> String {
    let o = std::process::Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "T")
        .env("GIT_AUTHOR_EMAIL", "t@example.invalid")
        .env("GIT_COMMITTER_NAME", "T")
        .env("GIT_COMMITTER_EMAIL", "t@example.invalid")
        .output()
        .expect("git");
    assert!(o.status.success(), "git {args:?}: {}", stderr(&o));
    stdout(&o).trim().to_string()
}

#[test]
fn a_blocked_commit_says_what_where_and_how_to_allow_it() {
    let mut g = Gen::new(56);
    let f = Fixture::new();
    git(f.path(), &["init", "-q", "-b", "main"]);
    f.write("README", "hello\n");
    git(f.path(), &["add", "-A"]);
    git(f.path(), &["commit", "-q", "-m", "init"]);
    f.write("deploy/ci.env", format!("# ci\nGH_TOKEN={}\n", g.ghp()));
    git(f.path(), &["add", "-A"]);
    let o = run(f.path(), &["scan", "--staged"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("deploy/ci.env") && out.contains("2:10") && out.contains("github.classic-pat"),
        "{out}"
    );
    let e = stderr(&o);
    for want in [
        "commit blocked: 1 finding at or above `note`",
        "tokenhound:allow",
        "tokenhound baseline create --staged > .tokenhound-baseline.json",
        ".tokenhound.toml",
    ] {
        assert!(e.contains(want), "missing {want:?} in\n{e}");
    }
    // the same finding, allowed inline, passes
    f.write(
        "deploy/ci.env",
        format!("# ci\nGH_TOKEN={}  # tokenhound:allow\n", g.ghp()),
    );
    git(f.path(), &["add", "-A"]);
    let o = run(f.path(), &["scan", "--staged"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    // tree scans that fail do not print the commit hint
    f.write("other.env", format!("T={}\n", g.ghp()));
    let o = run(f.path(), &["scan", "."]);
    assert_eq!(o.status.code(), Some(1));
    assert!(!stderr(&o).contains("commit blocked"));
}

#[test]
fn install_hook_writes_and_guards_the_pre_commit_hook() {
    let f = Fixture::new();
    git2::Repository::init(f.path()).unwrap();
    let o = run(f.path(), &["install-hook"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let hook = f.path().join(".git/hooks/pre-commit");
    let text = std::fs::read_to_string(&hook).unwrap();
    assert!(text.contains("tokenhound scan --staged"), "{text}");
    std::fs::write(&hook, "#!/bin/sh\nexec husky\n").unwrap();
    let o = run(f.path(), &["install-hook"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--force"), "{}", stderr(&o));
    assert_eq!(
        std::fs::read_to_string(&hook).unwrap(),
        "#!/bin/sh\nexec husky\n"
    );
    let o = run(f.path(), &["install-hook", "--force"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).contains("pre-commit.orig"));
    let plain = Fixture::new();
    let o = run(plain.path(), &["install-hook"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn the_readme_configuration_example_is_valid() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let start = readme
        .find("```toml\n# Baseline applied by every scan")
        .expect("README has the configuration example");
    let body = &readme[start + "```toml\n".len()..];
    let body = &body[..body.find("```").unwrap()];
    let f = Fixture::new();
    f.write(".tokenhound.toml", body);
    std::fs::create_dir_all(f.path().join("security/rules")).unwrap();
    f.write(
        ".tokenhound-baseline.json",
        tokenhound::baseline::Baseline::new().to_json(),
    );
    let mut g = Gen::new(57);
    f.write("docs/guide.md", format!("T={}\n", g.ghp()));
    f.write("src/a.env", format!("T={}\n", g.ghp()));
    let o = run(f.path(), &["scan", ".", "--format", "json"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert_eq!(findings(&o), vec![("src/a.env".to_string(), 1)]);
    assert_eq!(
        json(&o)["findings"][0]["level"],
        "error",
        "level override applies"
    );
}
