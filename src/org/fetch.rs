//! Bringing a listed repository onto this machine: local paths are used where they are; git URLs
//! are cloned by the system `git` into a cache folder (the only network access of an organisation
//! scan, and only because the user listed URLs), or updated there when a previous run left them.
//! A clone is made in a temporary folder and renamed into place, so a worker killed mid-clone
//! leaves nothing half-made behind.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context as _, Result, bail};
use sha2::{Digest, Sha256};

use super::{Mode, RepoEntry, RepoSource};

/// A folder name for repository `id`: its safe characters plus a short hash (two ids that differ
/// only in unsafe characters still get different folders).
pub fn cache_name(id: &str) -> String {
    let safe: String = id
        .trim_matches('/')
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let h = crate::finding::hex(&Sha256::digest(id.as_bytes())[..4]);
    // never a hidden name (`../x` → `x-…`, not `.._x-…`)
    let safe: String = safe
        .trim_start_matches(['.', '_'])
        .chars()
        .take(80)
        .collect();
    if safe.is_empty() {
        format!("repo-{h}")
    } else {
        format!("{safe}-{h}")
    }
}

/// The default cache folder: `$TOKENHOUND_CACHE`, else `$XDG_CACHE_HOME/tokenhound/repos`, else
/// `~/.cache/tokenhound/repos`, else `.tokenhound-cache` in the current folder.
pub fn default_cache() -> PathBuf {
    if let Some(p) = std::env::var_os("TOKENHOUND_CACHE") {
        return PathBuf::from(p);
    }
    if let Some(p) = std::env::var_os("XDG_CACHE_HOME") {
        return Path::new(&p).join("tokenhound/repos");
    }
    if let Some(p) = std::env::var_os("HOME") {
        return Path::new(&p).join(".cache/tokenhound/repos");
    }
    PathBuf::from(".tokenhound-cache")
}

/// The local path to scan for `entry` in `mode`, cloning or updating a URL in `cache` first.
pub fn materialize(entry: &RepoEntry, cache: &Path, mode: Mode) -> Result<PathBuf> {
    match &entry.source {
        RepoSource::Local(p) => {
            if !p.exists() {
                bail!("{}: no such repository", p.display());
            }
            Ok(p.clone())
        }
        RepoSource::Remote(url) => {
            std::fs::create_dir_all(cache)
                .with_context(|| format!("cannot create the cache folder {}", cache.display()))?;
            let name = cache_name(&entry.id);
            match mode {
                Mode::History => mirror(url, &cache.join(format!("{name}.git"))),
                Mode::Tree => checkout(url, &cache.join(name)),
            }
        }
    }
}

/// Run `git args` (never prompting for credentials); an error message shows no credentials of a
/// URL (the caller names the repository by its id).
fn git(cwd: Option<&Path>, args: &[&str]) -> Result<()> {
    let mut c = Command::new("git");
    c.args(args)
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("GIT_ASKPASS", "true")
        .stdin(std::process::Stdio::null());
    if let Some(d) = cwd {
        c.current_dir(d);
    }
    let out = c
        .output()
        .with_context(|| "cannot run git (is it installed?)".to_string())?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        let last = err
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("");
        bail!(
            "git {} failed: {}",
            args.first().copied().unwrap_or(""),
            redact_urls(last.trim())
        );
    }
    Ok(())
}

/// `scheme://user:secret@host` → `scheme://***@host` in a message.
fn redact_urls(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find("://") {
        let (head, tail) = rest.split_at(i + 3);
        out.push_str(head);
        let end = tail
            .find(|c: char| c == '/' || c.is_whitespace() || c == '\'')
            .unwrap_or(tail.len());
        match tail[..end].rfind('@') {
            Some(at) => {
                out.push_str("***");
                out.push_str(&tail[at..end]);
            }
            None => out.push_str(&tail[..end]),
        }
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

/// A fresh temporary folder name beside `dest`.
fn temp_beside(dest: &Path) -> PathBuf {
    let name = dest
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    dest.with_file_name(format!(".{name}.tmp-{}", std::process::id()))
}

/// Clone into `dest` through a temporary folder renamed into place.
fn clone_into(url: &str, dest: &Path, extra: &[&str]) -> Result<()> {
    let tmp = temp_beside(dest);
    let _ = std::fs::remove_dir_all(&tmp);
    let tmp_s = tmp.to_string_lossy().into_owned();
    let mut args = vec!["clone", "--quiet"];
    args.extend_from_slice(extra);
    args.extend_from_slice(&["--", url, &tmp_s]);
    if let Err(e) = git(None, &args) {
        let _ = std::fs::remove_dir_all(&tmp);
        return Err(e);
    }
    std::fs::rename(&tmp, dest).with_context(|| "cannot move the clone into place".to_string())
}

/// A mirror (every ref) for history scans: cloned once, then fetched with `--prune`.
fn mirror(url: &str, dest: &Path) -> Result<PathBuf> {
    if dest.join("HEAD").is_file() {
        git(Some(dest), &["remote", "set-url", "origin", "--", url])?;
        git(Some(dest), &["fetch", "--quiet", "--prune", "origin"])?;
    } else {
        clone_into(url, dest, &["--mirror"])?;
    }
    Ok(dest.to_path_buf())
}

/// A shallow checkout of the default branch for tree scans: cloned once, then fetched and reset.
fn checkout(url: &str, dest: &Path) -> Result<PathBuf> {
    if dest.join(".git").is_dir() {
        git(Some(dest), &["remote", "set-url", "origin", "--", url])?;
        git(
            Some(dest),
            &["fetch", "--quiet", "--depth", "1", "origin", "HEAD"],
        )?;
        git(Some(dest), &["reset", "--quiet", "--hard", "FETCH_HEAD"])?;
        git(Some(dest), &["clean", "--quiet", "-ffdx"])?;
    } else {
        clone_into(url, dest, &["--depth", "1", "--no-tags"])?;
    }
    Ok(dest.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cache_names_are_safe_and_distinct() {
        let a = cache_name("github.com/org/repo");
        assert!(a.starts_with("github.com_org_repo-"), "{a}");
        assert_ne!(cache_name("a/b_c"), cache_name("a_b/c"));
        assert!(!cache_name("/x/../y").contains('/'));
        assert!(cache_name("../src/app.git").starts_with("src_app.git-"));
        assert!(
            cache_name("..").starts_with("repo-"),
            "{}",
            cache_name("..")
        );
    }

    #[test]
    fn urls_in_git_messages_lose_their_credentials() {
        assert_eq!(
            redact_urls("fatal: unable to access 'https://user:tok@host/x/': 403"),
            "fatal: unable to access 'https://***@host/x/': 403"
        );
        assert_eq!(redact_urls("no url here"), "no url here");
    }
}
