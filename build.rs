//! Embeds every `rules/*.toml` file in the binary, sorted by name, and fixes the SARIF
//! `tool.driver.informationUri` (see `information_uri`) and the rule reference's URI, the base of
//! every rule's `helpUri` (see `rules_doc_uri`).
use std::{env, fs, path::Path};

/// Where information about this build of tokenhound is: `TOKENHOUND_INFORMATION_URI` at build
/// time (the GitHub Action sets it to the action's repository), else Cargo.toml's `homepage` or
/// `repository`, else a `file:` URI of the README in the source tree the binary was built from.
fn information_uri(manifest_dir: &Path) -> String {
    println!("cargo:rerun-if-env-changed=TOKENHOUND_INFORMATION_URI");
    let set = |k: &str| env::var(k).ok().filter(|v| !v.trim().is_empty());
    if let Some(u) = set("TOKENHOUND_INFORMATION_URI")
        .or_else(|| set("CARGO_PKG_HOMEPAGE"))
        .or_else(|| set("CARGO_PKG_REPOSITORY"))
    {
        return u.trim().to_string();
    }
    file_uri(&manifest_dir.join("README.md"))
}

/// Where `docs/rules.md` is, derived like `information_uri`: `TOKENHOUND_RULES_DOC_URI` at build
/// time; else, when the information URI is a repository (`https://HOST/OWNER/REPO`, as the GitHub
/// Action and Cargo.toml's `repository` give), the file on its default branch
/// (`…/blob/HEAD/docs/rules.md`); else the `file:` URI of docs/rules.md in this source tree.
fn rules_doc_uri(info: &str, manifest_dir: &Path) -> String {
    println!("cargo:rerun-if-env-changed=TOKENHOUND_RULES_DOC_URI");
    if let Some(u) = env::var("TOKENHOUND_RULES_DOC_URI")
        .ok()
        .filter(|v| !v.trim().is_empty())
    {
        return u.trim().to_string();
    }
    if let Some(rest) = info.strip_prefix("https://") {
        let rest = rest.trim_end_matches('/').trim_end_matches(".git");
        let parts: Vec<&str> = rest.split('/').collect();
        if parts.len() == 3 && parts.iter().all(|p| !p.is_empty()) {
            return format!("https://{rest}/blob/HEAD/docs/rules.md");
        }
    }
    file_uri(&manifest_dir.join("docs").join("rules.md"))
}

/// The `file:` URI of `path`, percent-encoded.
fn file_uri(path: &Path) -> String {
    let path = path.to_string_lossy().replace('\\', "/");
    let mut uri = String::from(if path.starts_with('/') {
        "file://"
    } else {
        "file:///"
    });
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"/-._~:".contains(&b) {
            uri.push(b as char);
        } else {
            uri.push_str(&format!("%{b:02X}"));
        }
    }
    uri
}

fn main() {
    let manifest_dir = env::var("CARGO_MANIFEST_DIR").unwrap();
    let info = information_uri(Path::new(&manifest_dir));
    println!("cargo:rustc-env=TOKENHOUND_INFORMATION_URI={info}");
    println!(
        "cargo:rustc-env=TOKENHOUND_RULES_DOC_URI={}",
        rules_doc_uri(&info, Path::new(&manifest_dir))
    );
    let dir = Path::new(&manifest_dir).join("rules");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut files: Vec<_> = fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    let mut out = String::from(
        "/// Built-in rule files: (file name, TOML text).\npub static BUILTIN_RULE_FILES: &[(&str, &str)] = &[\n",
    );
    for f in &files {
        println!("cargo:rerun-if-changed={}", f.display());
        out.push_str(&format!(
            "    ({:?}, include_str!({:?})),\n",
            f.file_name().unwrap().to_string_lossy(),
            f.display().to_string()
        ));
    }
    out.push_str("];\n");
    // the same files as JSON (parsing 1.5 MB of TOML was most of the start-up left): empty when
    // a file does not convert, and the TOML is parsed instead (reporting its error)
    out.push_str(
        "/// The built-in rule files as JSON, in the order of `BUILTIN_RULE_FILES` (empty: use the \
         TOML).\npub static BUILTIN_RULE_JSON: &[&str] = &[\n",
    );
    for f in &files {
        let json = fs::read_to_string(f)
            .ok()
            .and_then(|t| t.parse::<toml::Table>().ok())
            .and_then(|t| serde_json::to_string(&t).ok())
            .unwrap_or_default();
        out.push_str(&format!("    {json:?},\n"));
    }
    out.push_str("];\n");
    fs::write(
        Path::new(&env::var("OUT_DIR").unwrap()).join("builtin_rules.rs"),
        out,
    )
    .unwrap();
}
