//! No module cycle: reads `src/**/*.rs`, collects each top-level module's `crate::…` (and, in the
//! binary, `tokenhound::…`) edges outside comments and `#[cfg(test)]` modules, and checks them
//! against the target layering of ARCHITECTURE.md: a module imports only modules of lower layers,
//! and the library never imports the CLI (`main`, `cli`, `integrate`). Today's violations are
//! listed in `EXEMPT`, each with the issue that removes it; an exemption that is no longer needed
//! fails the test, so the list only shrinks. `cargo test --test layering -- --nocapture` prints
//! the edges.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The target layering, lowest first: a module may import only modules of strictly lower layers
/// (so no cycle is possible). The pipeline is source → chunk → matcher → validate → decode →
/// hygiene → finding → report; a step imports the vocabulary below it (chunks, findings' levels
/// and locations) and the parsers it shares (codecs, decoders), never a later step; `scan`
/// drives the steps on a chunk and `session` runs a whole scan.
const LAYERS: &[(&str, &[&str])] = &[
    ("test support (compiled for tests only)", &["testutil"]),
    ("chunk: content and provenance", &["chunk"]),
    ("finding: levels, locations, findings", &["finding"]),
    ("codecs; sources (yield chunks)", &["codec", "source"]),
    ("decode: parsers and facts", &["decode"]),
    (
        "validation (format checks use the decoders' parsers); hygiene: verdicts from facts",
        &["validate", "hygiene"],
    ),
    ("rules (typed validators and families)", &["rules"]),
    ("matcher; decoded views", &["matcher", "expand"]),
    (
        "detection of one chunk; manifest audit",
        &["detect", "audit"],
    ),
    ("suppression: allowlist, baseline", &["allow", "baseline"]),
    ("configuration", &["config"]),
    (
        "drivers: chunk scanner, rule self-check, rule reference",
        &["scan", "selfcheck", "rules_doc"],
    ),
    (
        "library scan: configuration, sources, suppression",
        &["session"],
    ),
    ("outputs and integrations", &["report", "github", "hook"]),
    (
        "organisation scans: repository lists, shards, merged reports",
        &["org"],
    ),
    (
        "CLI (binary only)",
        &["main", "cli", "integrate", "org_cli"],
    ),
];

/// The binary's modules: the library never imports them.
const CLI: &[&str] = &["main", "cli", "integrate", "org_cli"];

/// Edges that break the target layering today, each with the issue whose work removes it.
const EXEMPT: &[(&str, &str, &str)] = &[(
    "source",
    "scan",
    "issue 10: a library scan; sources only yield chunks with provenance",
)];

/// Module name of a file under `src/`: its first path component (`src/decode/jwt.rs` → `decode`).
fn module_of(src: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(src).unwrap();
    let first = rel
        .components()
        .next()
        .unwrap()
        .as_os_str()
        .to_string_lossy();
    first.trim_end_matches(".rs").to_string()
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// Source text with comments, string and character literals blanked (same length, newlines
/// kept), so that `crate::` in a doc comment or a string is not an edge and braces balance.
fn code_only(src: &str) -> String {
    let b = src.as_bytes();
    let mut out = b.to_vec();
    let blank = |out: &mut Vec<u8>, from: usize, to: usize| {
        for c in &mut out[from..to] {
            if *c != b'\n' {
                *c = b' ';
            }
        }
    };
    let mut i = 0;
    while i < b.len() {
        let rest = &b[i..];
        if rest.starts_with(b"//") {
            let end = rest
                .iter()
                .position(|&c| c == b'\n')
                .map_or(b.len(), |n| i + n);
            blank(&mut out, i, end);
            i = end;
        } else if rest.starts_with(b"/*") {
            let (mut depth, mut j) = (0usize, i);
            while j < b.len() {
                if b[j..].starts_with(b"/*") {
                    depth += 1;
                    j += 2;
                } else if b[j..].starts_with(b"*/") {
                    depth -= 1;
                    j += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    j += 1;
                }
            }
            blank(&mut out, i, j);
            i = j;
        } else if (rest.starts_with(b"r#") || rest.starts_with(b"r\"") || rest.starts_with(b"br"))
            && (i == 0 || !(b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_'))
            && raw_string_end(b, i).is_some()
        {
            let end = raw_string_end(b, i).unwrap();
            blank(&mut out, i, end);
            i = end;
        } else if rest[0] == b'"' {
            let mut j = i + 1;
            while j < b.len() && b[j] != b'"' {
                j += if b[j] == b'\\' { 2 } else { 1 };
            }
            blank(&mut out, i, (j + 1).min(b.len()));
            i = j + 1;
        } else if rest[0] == b'\'' {
            // a character literal ('x', '\n', '\u{7f}'), else a lifetime
            let end = if rest.get(1) == Some(&b'\\') {
                // an escape is two or more bytes: the closing quote is at 3 or later
                (rest.get(3..).unwrap_or_default().iter())
                    .position(|&c| c == b'\'')
                    .map(|n| i + 3 + n + 1)
            } else {
                let ch = std::str::from_utf8(&rest[1..])
                    .ok()
                    .or_else(|| (2..=5).find_map(|n| std::str::from_utf8(rest.get(1..n)?).ok()));
                ch.and_then(|s| s.chars().next())
                    .map(|c| i + 1 + c.len_utf8())
                    .filter(|&j| b.get(j) == Some(&b'\''))
                    .map(|j| j + 1)
            };
            match end {
                Some(e) => {
                    blank(&mut out, i, e);
                    i = e;
                }
                None => i += 1,
            }
        } else {
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// End (exclusive) of the raw string literal starting at `i` (`r"…"`, `r#"…"#`, `br#"…"#`).
fn raw_string_end(b: &[u8], i: usize) -> Option<usize> {
    let mut j = i + if b[i] == b'b' { 2 } else { 1 };
    let hashes = b[j..].iter().take_while(|&&c| c == b'#').count();
    j += hashes;
    if b.get(j) != Some(&b'"') {
        return None;
    }
    let close: Vec<u8> = std::iter::once(b'"')
        .chain(std::iter::repeat_n(b'#', hashes))
        .collect();
    let from = j + 1;
    (from..=b.len().saturating_sub(close.len()))
        .find(|&k| b[k..].starts_with(&close))
        .map(|k| k + close.len())
}

/// Split code into what is compiled in every build and what only under `#[cfg(test)]`
/// (a `#[cfg(test)]` module or item, up to its closing brace or semicolon).
fn split_tests(code: &str) -> (String, String) {
    let b = code.as_bytes();
    let mut main = b.to_vec();
    let mut tests = vec![b' '; b.len()];
    let mut from = 0;
    while let Some(n) = code[from..].find("#[cfg(test)]") {
        let start = from + n;
        let mut depth = 0usize;
        let mut end = b.len();
        for (k, &c) in b.iter().enumerate().skip(start) {
            match c {
                b'{' => depth += 1,
                b'}' => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        end = k + 1;
                        break;
                    }
                }
                b';' if depth == 0 => {
                    end = k + 1;
                    break;
                }
                _ => {}
            }
        }
        tests[start..end].copy_from_slice(&b[start..end]);
        for c in &mut main[start..end] {
            if *c != b'\n' {
                *c = b' ';
            }
        }
        from = end;
    }
    (
        String::from_utf8_lossy(&main).into_owned(),
        String::from_utf8_lossy(&tests).into_owned(),
    )
}

/// Top-level modules named after `prefix` (`crate::`, `tokenhound::`), including grouped imports
/// (`use crate::{a::X, b};`).
fn targets(code: &str, prefix: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let ident = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect()
    };
    for (at, _) in code.match_indices(prefix) {
        if at > 0 {
            let prev = code.as_bytes()[at - 1];
            if prev.is_ascii_alphanumeric() || b"_:$".contains(&prev) {
                continue; // `$crate::`, `foo_crate::`, `a::crate::`
            }
        }
        let rest = &code[at + prefix.len()..];
        if let Some(group) = rest.strip_prefix('{') {
            // top-level names of the group: split on commas outside nested braces
            let mut depth = 0;
            let mut item = String::new();
            for c in group.chars() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        out.insert(ident(item.trim()));
                        item.clear();
                        continue;
                    }
                    _ => {}
                }
                if depth == 0 {
                    item.push(c);
                }
            }
            out.insert(ident(item.trim()));
        } else {
            out.insert(ident(rest));
        }
    }
    out.retain(|m| !m.is_empty() && m != "self");
    out
}

struct Edges {
    /// module → modules it imports, in code built in every configuration.
    main: BTreeMap<String, BTreeSet<String>>,
    /// module → modules only its `#[cfg(test)]` code imports.
    tests: BTreeMap<String, BTreeSet<String>>,
}

fn edges() -> Edges {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    let mut e = Edges {
        main: BTreeMap::new(),
        tests: BTreeMap::new(),
    };
    for f in files {
        let module = module_of(&src, &f);
        if module == "lib" {
            continue; // declares the modules
        }
        let code = code_only(&std::fs::read_to_string(&f).unwrap());
        let (main, tests) = split_tests(&code);
        // the binary's `crate::` is the binary; it reaches the library as `tokenhound::`
        let prefixes: &[&str] = if CLI.contains(&module.as_str()) {
            &["crate::", "tokenhound::"]
        } else {
            &["crate::"]
        };
        for (text, map) in [(&main, &mut e.main), (&tests, &mut e.tests)] {
            let set = map.entry(module.clone()).or_default();
            for p in prefixes {
                set.extend(targets(text, p));
            }
            set.remove(&module);
        }
    }
    for (m, t) in &mut e.tests {
        if let Some(main) = e.main.get(m) {
            t.retain(|x| !main.contains(x));
        }
    }
    e
}

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|(_, ms)| ms.contains(&module))
}

#[test]
fn modules_follow_the_layering() {
    let e = edges();
    println!(
        "use crate:: edges (module -> modules it imports; [test] = only in #[cfg(test)] code):"
    );
    for (m, to) in &e.main {
        let t = &e.tests[m];
        let tests = if t.is_empty() {
            String::new()
        } else {
            format!(
                "  [test: {}]",
                t.iter().cloned().collect::<Vec<_>>().join(", ")
            )
        };
        println!(
            "  {m:<10} -> {}{tests}",
            to.iter().cloned().collect::<Vec<_>>().join(", ")
        );
    }

    let mut problems = Vec::new();
    for m in e.main.keys() {
        if layer_of(m).is_none() {
            problems.push(format!(
                "module `{m}` has no layer: add it to LAYERS (and ARCHITECTURE.md)"
            ));
        }
    }
    let mut used = BTreeSet::new();
    for (m, to) in &e.main {
        for t in to {
            let (Some(lm), Some(lt)) = (layer_of(m), layer_of(t)) else {
                continue;
            };
            // the binary's own modules may import each other
            if lt < lm || (lt == lm && CLI.contains(&m.as_str())) {
                continue;
            }
            if let Some(x) = EXEMPT.iter().find(|(a, b, _)| a == m && b == t) {
                println!("  exempt: {m} -> {t} ({})", x.2);
                used.insert((x.0, x.1));
                continue;
            }
            problems.push(format!(
                "`{m}` ({}) imports `{t}` ({}): a module imports only lower layers",
                LAYERS[lm].0, LAYERS[lt].0
            ));
        }
    }
    for (a, b, why) in EXEMPT {
        if !used.contains(&(*a, *b)) {
            problems.push(format!(
                "exemption {a} -> {b} ({why}) is no longer needed: remove it from EXEMPT"
            ));
        }
    }
    // test code may reach across layers, never into the binary
    for (m, to) in e.main.iter().chain(&e.tests) {
        if !CLI.contains(&m.as_str()) {
            for t in to.iter().filter(|t| CLI.contains(&t.as_str())) {
                problems.push(format!("library module `{m}` imports CLI module `{t}`"));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_library_does_not_declare_cli_modules() {
    let lib = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/src/lib.rs")).unwrap();
    for m in CLI {
        assert!(!lib.contains(&format!("mod {m};")), "lib.rs declares {m}");
    }
}

#[test]
fn the_edge_reader_sees_what_the_compiler_sees() {
    let code = code_only(
        "//! see [`crate::doc_only`]\nuse crate::{a::X, b::{c, d}, e};\nuse crate::f::G;\n\
         let s = \"crate::in_string\"; let r = r#\"crate::raw\"#; let c = '{';\n\
         /* crate::block /* nested */ */ x = crate::g::h(); $crate::mac!();\n\
         fn l<'a>(x: &'a str) -> char { '\\'' }\n\
         #[cfg(test)]\nmod tests { use crate::only_tests; fn f() { let _ = \"}\"; } }\n\
         use crate::after_tests;\n",
    );
    let (main, tests) = split_tests(&code);
    let set = |s: &[&str]| s.iter().map(|x| x.to_string()).collect::<BTreeSet<_>>();
    assert_eq!(
        targets(&main, "crate::"),
        set(&["a", "after_tests", "b", "e", "f", "g"])
    );
    assert_eq!(targets(&tests, "crate::"), set(&["only_tests"]));
}
