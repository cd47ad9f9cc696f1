//! The pipeline's one-way layering: decoders produce facts and never import the hygiene policy
//! or the manifest audit (facts, then verdicts).

use std::path::Path;

#[test]
fn decoders_do_not_import_hygiene_or_audit() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/decode");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        seen += 1;
        let text = std::fs::read_to_string(&path).unwrap();
        for (n, line) in text.lines().enumerate() {
            let code = line.trim_start();
            if code.starts_with("//") {
                continue;
            }
            for forbidden in ["crate::hygiene", "crate::audit"] {
                assert!(
                    !code.contains(forbidden),
                    "{}:{}: decoders must not use {forbidden}: {line}",
                    path.display(),
                    n + 1
                );
            }
        }
    }
    assert!(seen >= 9, "only {seen} decoder files found");
}
