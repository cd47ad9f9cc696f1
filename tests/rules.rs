//! Every rule's positive and negative examples through the whole pipeline (prefilter, regex,
//! validation, decoded views, de-duplication), as `tokenhound rules check` does.

use tokenhound::matcher::Matcher;
use tokenhound::rules::builtin_rules;
use tokenhound::selfcheck::check_examples;

#[test]
fn every_rule_example_behaves() {
    let rules = builtin_rules().expect("built-in rules parse");
    assert!(!rules.is_empty());
    for r in &rules {
        assert!(!r.spec.examples.is_empty(), "{} has no example", r.id());
        assert!(
            !r.spec.keywords.is_empty() || r.spec.precision <= tokenhound::rules::Precision::Medium,
            "{} has no keywords",
            r.id()
        );
    }
    let matcher = Matcher::new(rules).unwrap();
    let (failures, n) = check_examples(&matcher);
    assert!(failures.is_empty(), "{n} examples, failures: {failures:#?}");
}

#[test]
fn broken_rule_files_are_reported_with_their_name() {
    let e = tokenhound::rules::parse_rules("[[rule]]\nid = \"x\"\nbogus = 1\n", "user.toml")
        .unwrap_err()
        .to_string();
    assert!(e.contains("user.toml") && e.contains("bogus"), "{e}");
    let text = r#"[[rule]]
id = "x.y"
name = "n"
description = "d"
remediation = "r"
keywords = ["k"]
regex = '''(unclosed'''
examples = ["k"]
"#;
    let e = format!(
        "{:#}",
        tokenhound::rules::parse_rules(text, "user.toml").unwrap_err()
    );
    assert!(
        e.contains("user.toml") && e.contains("x.y") && e.contains("regex"),
        "{e}"
    );
}

#[test]
fn unknown_decoders_fail_rule_loading() {
    let rule = |decoder: &str| {
        format!(
            "[[rule]]\nid = \"x.y\"\nname = \"n\"\ndescription = \"d\"\nremediation = \"r\"\ndecoder = \"{decoder}\"\nkeywords = [\"k\"]\nregex = '''k(x+)'''\nexamples = [\"kxx\"]\n"
        )
    };
    let e = tokenhound::rules::parse_rules(&rule("jwt-typo"), "user.toml")
        .unwrap_err()
        .to_string();
    assert!(e.contains("user.toml") && e.contains("jwt-typo"), "{e}");
    let ok = tokenhound::rules::parse_rules(&rule("jwt"), "user.toml").unwrap();
    assert_eq!(ok[0].spec.decoder, Some(tokenhound::decode::Decoder::Jwt));
}

#[test]
fn every_rule_whose_family_has_a_decoder_names_it() {
    // decoding is chosen by the typed `decoder`; a family that implies one but lacks the line
    // would silently lose its hygiene verdicts
    for r in builtin_rules().unwrap() {
        let f = r.family();
        let implied = f == "jwt"
            || f == "pypi-token"
            || f == "flyio-token"
            || f == "azure-sas"
            || f == "aws-access-key"
            || f == "gcp-service-account-key"
            || f.starts_with("github-")
            || f == "kubeadm-bootstrap-token"
            || f == "kubeconfig-static-token"
            || f == "private-key"
            || f.ends_with("-refresh-token");
        assert_eq!(
            implied,
            r.spec.decoder.is_some(),
            "{}: family {f} vs decoder {:?}",
            r.id(),
            r.spec.decoder
        );
    }
}
