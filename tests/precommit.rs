//! The pre-commit framework integration, for real: installs `pre-commit` from PyPI into a
//! temporary virtualenv, makes a temporary repository whose git `pre-commit` hook runs this
//! repository's hook through `pre-commit try-repo <this repo> tokenhound` (so the framework reads
//! `.pre-commit-hooks.yaml` and builds the hook with `cargo install`, as `language: rust` does),
//! and shows that a commit adding a generated token is blocked, a clean commit passes, and a
//! line with an allow comment passes.
//!
//! Needs `python3 -m venv` and PyPI: without them the test fails (it never passes silently).
//! To keep CI short, the hook's `cargo install` shares a target directory under
//! `CARGO_TARGET_TMPDIR` between runs and builds with `opt-level = 0` and no LTO
//! (`CARGO_PROFILE_RELEASE_*` variables); it still compiles the clone pre-commit makes.

mod common;

use std::path::Path;
use std::process::{Command, Output};
use std::time::Instant;

use common::{Gen, stderr, stdout};

fn check(o: &Output, what: &str) {
    assert!(
        o.status.success(),
        "{what} failed ({}):\n{}\n{}",
        o.status,
        stdout(o),
        stderr(o)
    );
}

/// git with a fixed identity and no user or system configuration.
fn git(dir: &Path) -> Command {
    let mut c = Command::new("git");
    c.current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "Dev")
        .env("GIT_AUTHOR_EMAIL", "dev@example.invalid")
        .env("GIT_COMMITTER_NAME", "Dev")
        .env("GIT_COMMITTER_EMAIL", "dev@example.invalid");
    c
}

fn git_ok(dir: &Path, args: &[&str]) -> String {
    let o = git(dir).args(args).output().expect("run git");
    check(&o, &format!("git {args:?}"));
    stdout(&o).trim().to_string()
}

#[test]
fn pre_commit_framework_blocks_secrets_and_passes_clean_and_allowed_commits() {
    let this_repo = env!("CARGO_MANIFEST_DIR");
    assert!(
        Path::new(this_repo)
            .join(".pre-commit-hooks.yaml")
            .is_file(),
        "the hook manifest is missing"
    );
    let tmp = tempfile::tempdir().unwrap();
    let t0 = Instant::now();

    // 1. the framework, from PyPI, in a throw-away virtualenv
    let venv = tmp.path().join("venv");
    let o = Command::new("python3")
        .args(["-m", "venv"])
        .arg(&venv)
        .output()
        .expect("this test needs python3 (with the venv module) on PATH");
    check(&o, "python3 -m venv (install python3-venv)");
    let o = Command::new(venv.join("bin/pip"))
        .args([
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "pre-commit",
        ])
        .output()
        .expect("run pip");
    check(&o, "pip install pre-commit (needs PyPI)");
    let pre_commit = venv.join("bin/pre-commit");
    let o = Command::new(&pre_commit).arg("--version").output().unwrap();
    check(&o, "pre-commit --version");
    eprintln!(
        "[precommit] {} installed in {:.1}s",
        stdout(&o).trim(),
        t0.elapsed().as_secs_f64()
    );

    // 2. a repository whose pre-commit hook is this repository's hook, via try-repo
    let repo = tmp.path().join("project");
    std::fs::create_dir(&repo).unwrap();
    git_ok(&repo, &["init", "-q", "-b", "main"]);
    std::fs::write(repo.join("README.md"), "# project\n").unwrap();
    git_ok(&repo, &["add", "-A"]);
    git_ok(&repo, &["commit", "-q", "--no-verify", "-m", "init"]);
    let hook = repo.join(".git/hooks/pre-commit");
    std::fs::write(
        &hook,
        format!(
            "#!/bin/sh\nexec '{}' try-repo '{}' tokenhound\n",
            pre_commit.display(),
            this_repo
        ),
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let target = Path::new(env!("CARGO_TARGET_TMPDIR")).join("pre-commit-target");
    let commit = |msg: &str| -> (Output, f64) {
        let t = Instant::now();
        let o = git(&repo)
            .args(["commit", "-m", msg])
            .env("PRE_COMMIT_HOME", tmp.path().join("pre-commit-home"))
            .env("CARGO_TARGET_DIR", &target)
            .env("CARGO_PROFILE_RELEASE_OPT_LEVEL", "0")
            .env("CARGO_PROFILE_RELEASE_LTO", "false")
            .env("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "16")
            .env("CARGO_PROFILE_RELEASE_DEBUG", "false")
            .env("CARGO_TERM_COLOR", "never")
            .env("NO_COLOR", "1")
            .output()
            .expect("git commit");
        (o, t.elapsed().as_secs_f64())
    };
    let head = || git_ok(&repo, &["rev-parse", "HEAD"]);
    let mut g = Gen::new(91);

    // 3a. a commit adding a generated token is blocked
    let token = g.ghp();
    std::fs::create_dir_all(repo.join("config")).unwrap();
    std::fs::write(
        repo.join("config/deploy.env"),
        format!("REGION=eu\nGITHUB_TOKEN={token}\n"),
    )
    .unwrap();
    git_ok(&repo, &["add", "-A"]);
    let before = head();
    let (o, secs) = commit("add deploy settings");
    let all = format!("{}{}", stdout(&o), stderr(&o));
    eprintln!("[precommit] blocked commit: {secs:.1}s; what the user sees:\n{all}");
    assert!(!o.status.success(), "the commit went through:\n{all}");
    assert_eq!(head(), before, "HEAD moved");
    assert!(
        all.contains("Using config:") && all.contains("id: tokenhound"),
        "{all}"
    );
    assert!(
        all.contains("tokenhound (secrets in staged changes)") && all.contains("Failed"),
        "{all}"
    );
    for want in [
        "config/deploy.env",
        "github.classic-pat",
        "commit blocked",
        "tokenhound:allow",
        "baseline",
    ] {
        assert!(all.contains(want), "missing {want:?} in:\n{all}");
    }
    assert!(!all.contains(&token), "the hook printed the secret");
    git_ok(&repo, &["rm", "-q", "--cached", "config/deploy.env"]);
    std::fs::remove_file(repo.join("config/deploy.env")).unwrap();

    // 3b. a clean commit passes
    std::fs::write(
        repo.join("config/deploy.env"),
        "REGION=eu\nGITHUB_TOKEN=${GITHUB_TOKEN}\n",
    )
    .unwrap();
    git_ok(&repo, &["add", "-A"]);
    let (o, secs) = commit("deploy settings from the environment");
    eprintln!("[precommit] clean commit: {secs:.1}s");
    let all = format!("{}{}", stdout(&o), stderr(&o));
    check(&o, "clean commit");
    assert!(all.contains("Passed"), "{all}");
    assert_ne!(head(), before);

    // 3c. a line with an allow comment passes
    let fixture = g.ghp();
    std::fs::write(
        repo.join("config/test_fixture.py"),
        format!("FAKE = \"{fixture}\"  # tokenhound:allow (revoked, used by tests)\n"),
    )
    .unwrap();
    git_ok(&repo, &["add", "-A"]);
    let before = head();
    let (o, secs) = commit("test fixture");
    eprintln!("[precommit] allow-commented commit: {secs:.1}s");
    let all = format!("{}{}", stdout(&o), stderr(&o));
    check(&o, "allow-commented commit");
    assert!(all.contains("Passed"), "{all}");
    assert_ne!(head(), before);
    eprintln!("[precommit] total {:.1}s", t0.elapsed().as_secs_f64());
}
