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
