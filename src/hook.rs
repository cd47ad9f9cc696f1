//! `tokenhound install-hook`: writes a git `pre-commit` hook that runs `tokenhound scan --staged`,
//! for users without the pre-commit framework. A hook that tokenhound did not write is never
//! replaced unless the caller forces it (and then it is kept as `pre-commit.orig`).

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

/// The line that marks a hook as written by tokenhound.
pub const MARKER: &str = "# installed by `tokenhound install-hook`";

/// What [`install`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Installed {
    /// A new hook was written.
    New(PathBuf),
    /// A hook written by tokenhound was replaced.
    Updated(PathBuf),
    /// A foreign hook was moved to the given backup and replaced.
    Replaced {
        /// The new hook.
        hook: PathBuf,
        /// Where the previous hook went.
        backup: PathBuf,
    },
}

/// The hook script. `fallback` is the absolute path of the tokenhound binary to use when
/// `tokenhound` is not on the `PATH` at commit time.
pub fn script(fallback: &Path) -> String {
    let fb = fallback.display().to_string().replace('\'', r"'\''");
    format!(
        "#!/bin/sh\n{MARKER}\n\
         # Blocks commits that add secrets. Re-run `tokenhound install-hook` to update it.\n\
         if command -v tokenhound >/dev/null 2>&1; then\n\
         \x20 exec tokenhound scan --staged\n\
         fi\n\
         exec '{fb}' scan --staged\n"
    )
}

/// The hooks directory of the repository containing `start` (honours `core.hooksPath`).
pub fn hooks_dir(start: &Path) -> Result<PathBuf> {
    let repo = git2::Repository::discover(start)
        .with_context(|| format!("{}: not inside a git repository", start.display()))?;
    let configured = repo
        .config()
        .ok()
        .and_then(|c| c.get_path("core.hooksPath").ok());
    Ok(match configured {
        Some(p) if p.is_absolute() => p,
        Some(p) => repo.workdir().unwrap_or_else(|| repo.commondir()).join(p),
        None => repo.commondir().join("hooks"),
    })
}

/// Install the pre-commit hook for the repository containing `start`.
pub fn install(start: &Path, binary: &Path, force: bool) -> Result<Installed> {
    let dir = hooks_dir(start)?;
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let hook = dir.join("pre-commit");
    let mut result = Installed::New(hook.clone());
    if hook.exists() || hook.is_symlink() {
        let existing =
            String::from_utf8_lossy(&std::fs::read(&hook).unwrap_or_default()).into_owned();
        if existing.contains(MARKER) {
            result = Installed::Updated(hook.clone());
        } else if !force {
            bail!(
                "{} already exists and was not written by tokenhound; not replacing it \
                 (run with --force to move it to pre-commit.orig and install tokenhound's hook, \
                 or call `tokenhound scan --staged` from your own hook)",
                hook.display()
            );
        } else {
            let backup = dir.join("pre-commit.orig");
            std::fs::rename(&hook, &backup)
                .with_context(|| format!("cannot move {} aside", hook.display()))?;
            result = Installed::Replaced {
                hook: hook.clone(),
                backup,
            };
        }
    }
    std::fs::write(&hook, script(binary))
        .with_context(|| format!("cannot write {}", hook.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755))
            .with_context(|| format!("cannot make {} executable", hook.display()))?;
    }
    Ok(result)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_foreign_hooks_unless_forced() {
        let dir = tempfile::tempdir().unwrap();
        git2::Repository::init(dir.path()).unwrap();
        let bin = Path::new("/opt/th/tokenhound");
        let hook = dir.path().join(".git/hooks/pre-commit");
        assert_eq!(
            install(dir.path(), bin, false).unwrap(),
            Installed::New(hook.clone())
        );
        let text = std::fs::read_to_string(&hook).unwrap();
        assert!(text.contains("scan --staged") && text.contains("'/opt/th/tokenhound'"));
        assert_eq!(
            install(dir.path(), bin, false).unwrap(),
            Installed::Updated(hook.clone())
        );
        std::fs::write(&hook, "#!/bin/sh\nmy-linter\n").unwrap();
        let e = format!("{:#}", install(dir.path(), bin, false).unwrap_err());
        assert!(
            e.contains("not written by tokenhound") && e.contains("--force"),
            "{e}"
        );
        assert_eq!(
            std::fs::read_to_string(&hook).unwrap(),
            "#!/bin/sh\nmy-linter\n"
        );
        let r = install(dir.path(), bin, true).unwrap();
        let backup = dir.path().join(".git/hooks/pre-commit.orig");
        assert_eq!(
            r,
            Installed::Replaced {
                hook: hook.clone(),
                backup: backup.clone()
            }
        );
        assert_eq!(
            std::fs::read_to_string(backup).unwrap(),
            "#!/bin/sh\nmy-linter\n"
        );
    }

    #[test]
    fn honours_core_hooks_path() {
        let dir = tempfile::tempdir().unwrap();
        let repo = git2::Repository::init(dir.path()).unwrap();
        repo.config()
            .unwrap()
            .set_str("core.hooksPath", ".githooks")
            .unwrap();
        let sub = dir.path().join("src");
        std::fs::create_dir_all(&sub).unwrap();
        let r = install(&sub, Path::new("/x/tokenhound"), false).unwrap();
        let expect = dir.path().join(".githooks/pre-commit");
        assert_eq!(
            std::fs::canonicalize(match r {
                Installed::New(p) => p,
                other => panic!("{other:?}"),
            })
            .unwrap(),
            std::fs::canonicalize(expect).unwrap()
        );
    }

    #[test]
    fn outside_a_repository_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let e = format!(
            "{:#}",
            install(dir.path(), Path::new("t"), false).unwrap_err()
        );
        assert!(e.contains("not inside a git repository"), "{e}");
    }
}
