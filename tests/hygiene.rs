//! End-to-end hygiene: `tokenhound decode` (stdin only, redacted, human and JSON) and hygiene
//! verdicts carried through a scan into JSON, SARIF and the human report.

mod common;

use std::io::Write;
use std::process::{Command, Stdio};

use common::{Fixture, Gen, run, stdout};

fn decode(input: &str, args: &[&str]) -> (Option<i32>, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_tokenhound"))
        .arg("decode")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let o = child.wait_with_output().unwrap();
    (
        o.status.code(),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

fn legacy_sa(g: &mut Gen) -> String {
    g.jwt(
        r#"{"alg":"RS256","kid":"k"}"#,
        r#"{"iss":"kubernetes/serviceaccount","kubernetes.io/serviceaccount/namespace":"kube-system","kubernetes.io/serviceaccount/secret.name":"deployer-token-abcde","kubernetes.io/serviceaccount/service-account.name":"deployer","kubernetes.io/serviceaccount/service-account.uid":"0","sub":"system:serviceaccount:kube-system:deployer"}"#,
    )
}

#[test]
fn decode_reads_stdin_and_redacts() {
    let tok = legacy_sa(&mut Gen::new(1));
    let (code, out, _) = decode(&format!("{tok}\n"), &["--now", "2026-11-01T00:00:00Z"]);
    assert_eq!(code, Some(0));
    assert!(out.contains(
        "Kubernetes service-account token for kube-system/deployer: legacy secret-based token, never expires"
    ));
    assert!(out.contains("legacy-service-account-token"));
    assert!(!out.contains(&tok));
    assert!(
        !out.contains(tok.rsplit('.').next().unwrap()),
        "signature printed"
    );

    let (code, out, _) = decode(&tok, &["--format", "json"]);
    assert_eq!(code, Some(0));
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["family"], "jwt");
    assert_eq!(v["level"], "error");
    assert_eq!(v["properties"]["namespace"], "kube-system");
    assert!(
        v["hygiene"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f == "non-expiring")
    );
    assert!(!out.contains(&tok));
}

#[test]
fn decode_rejects_argv_and_unknown_input() {
    // there is no positional token argument: the token must never land in shell history
    let o = run(
        std::path::Path::new("."),
        &["decode", "ghp_notreallyatoken"],
    );
    assert_eq!(o.status.code(), Some(2));
    let (code, _, err) = decode("just some words\n", &[]);
    assert_eq!(code, Some(2));
    assert!(err.contains("not a token shape"));
    let (code, _, err) = decode("", &[]);
    assert_eq!(code, Some(2));
    assert!(err.contains("no token"));
    let (code, out, _) = decode("pypi-AgEI!!!\n", &[]);
    assert_eq!(code, Some(1));
    assert!(out.contains("not decodable"));
}

const RULES: &str = r#"
[[rule]]
id = "test.jwt"
family = "jwt"
name = "JWT"
description = "JWT"
remediation = "revoke"
keywords = ["eyJ"]
regex = '''\b(?P<secret>eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]*)'''
validators = ["jwt"]
level = "note"
examples = ["x"]
"#;

#[test]
fn scan_carries_hygiene_into_every_format() {
    let mut g = Gen::new(2);
    let legacy = legacy_sa(&mut g);
    let f = Fixture::new();
    f.write("rules.toml", RULES);
    f.write(
        "kubeconfig.yaml",
        format!("users:\n- name: ci\n  user:\n    token: {legacy}\n"),
    );
    let args = [
        "scan",
        "kubeconfig.yaml",
        "--rules",
        "rules.toml",
        "--now",
        "2026-11-01T00:00:00Z",
    ];
    let o = run(f.path(), &[&args[..], &["--format", "json"]].concat());
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let fd = &v["findings"][0];
    assert_eq!(
        fd["level"], "error",
        "rule level note raised by non-expiring"
    );
    assert_eq!(
        fd["hygiene"],
        serde_json::json!([
            "non-expiring",
            "over-scoped",
            "legacy-service-account-token",
            "no-audience",
            "privileged-service-account"
        ])
    );
    assert_eq!(fd["properties"]["service_account"], "deployer");
    assert!(
        fd["message"]
            .as_str()
            .unwrap()
            .starts_with("Kubernetes service-account token for kube-system/deployer")
    );
    assert_eq!(v["summary"]["by_flag"]["non-expiring"], 1);

    let o = run(f.path(), &[&args[..], &["--format", "sarif"]].concat());
    let s: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let r = &s["runs"][0]["results"][0];
    assert!(
        r["properties"]["hygiene"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x == "legacy-service-account-token")
    );
    assert!(!String::from_utf8_lossy(&o.stdout).contains(&legacy));

    let o = run(f.path(), &[&args[..], &["--format", "human"]].concat());
    let h = stdout(&o);
    assert!(
        h.contains("[non-expiring, over-scoped, legacy-service-account-token"),
        "{h}"
    );
    assert!(
        h.contains(
            "hygiene: non-expiring 1, over-scoped 1, legacy-service-account-token 1, no-audience 1"
        ),
        "{h}"
    );
}

#[test]
fn manifest_audit_is_opt_in() {
    let f = Fixture::new();
    f.write(
        "deploy/token.yaml",
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: deployer-token\ntype: kubernetes.io/service-account-token\n---\napiVersion: authentication.k8s.io/v1\nkind: TokenRequest\nmetadata:\n  name: ci\nspec:\n  expirationSeconds: 31536000\n",
    );
    f.write(
        "ci/mint.sh",
        "kubectl create token deployer --duration=720h\n",
    );
    let base = [
        "scan",
        ".",
        "--format",
        "json",
        "--now",
        "2026-11-01T00:00:00Z",
    ];
    let o = run(f.path(), &base);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        v["findings"].as_array().unwrap().len(),
        0,
        "audit findings without the flag"
    );
    assert_eq!(o.status.code(), Some(0));
    let o = run(f.path(), &[&base[..], &["--audit-manifests"]].concat());
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let rules: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["rule_id"].as_str().unwrap())
        .collect();
    assert_eq!(
        rules,
        [
            "k8s-audit.create-token-duration",
            "k8s-audit.legacy-token-secret",
            "k8s-audit.token-request"
        ]
    );
    let tr = &v["findings"][2];
    assert_eq!(
        tr["hygiene"],
        serde_json::json!(["long-lived", "no-audience"])
    );
    assert_eq!(tr["start_line"], 8);

    // regression: audit results once named rule ids missing from SARIF `tool.driver.rules`
    let sarif_args = [
        "scan",
        ".",
        "--format",
        "sarif",
        "--audit-manifests",
        "--now",
        "2026-11-01T00:00:00Z",
    ];
    let o = run(f.path(), &sarif_args);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let run0 = &v["runs"][0];
    let descriptors = run0["tool"]["driver"]["rules"].as_array().unwrap();
    let results = run0["results"].as_array().unwrap();
    assert_eq!(results.len(), 3);
    for r in results {
        let i = r["ruleIndex"].as_u64().expect("ruleIndex") as usize;
        assert_eq!(descriptors[i]["id"], r["ruleId"], "{r}");
        assert!(descriptors[i]["help"]["text"].as_str().is_some());
    }
}

/// Scan `name` holding `text` with the built-in rules, as JSON.
fn scan_json(name: &str, text: &str, extra: &[&str]) -> serde_json::Value {
    let f = Fixture::new();
    f.write(name, text);
    let args = [
        &[
            "scan",
            name,
            "--now",
            "2026-11-01T00:00:00Z",
            "--format",
            "json",
        ][..],
        extra,
    ]
    .concat();
    let o = run(f.path(), &args);
    serde_json::from_slice(&o.stdout).unwrap()
}

#[test]
fn sas_in_a_connection_string_is_matched_from_its_first_parameter() {
    use base64::Engine;
    let mut g = Gen::new(7);
    let key: Vec<u8> = (0..32).map(|_| g.next() as u8).collect();
    let sig = base64::engine::general_purpose::STANDARD
        .encode(key)
        .replace('+', "%2B")
        .replace('/', "%2F")
        .replace('=', "%3D");
    let sas = format!(
        "sv=2019-10-10&ss=bfqt&srt=sco&sp=rwdlacupx&se=2022-07-16T07:57:54Z&st=2020-07-15T23:57:54Z&spr=https&sig={sig}"
    );
    let line = format!(
        "CONN = \"BlobEndpoint=https://acct.blob.core.windows.net/;SharedAccessSignature={sas}\"\n"
    );
    let v = scan_json("conn.py", &line, &[]);
    let fd = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule_id"] == "azure.sas-token")
        .expect("SAS found");
    assert_eq!(fd["start_column"], line.find("sv=").unwrap() + 1, "{fd}");
    assert_eq!(fd["properties"]["version"], "2019-10-10");
    assert_eq!(
        fd["hygiene"],
        serde_json::json!(["expired", "over-scoped", "multi-service"])
    );
    assert!(fd["redacted"].as_str().unwrap().starts_with("sv=2"), "{fd}");
}

#[test]
fn jwts_whose_payload_is_not_eyj_are_found_and_decoded() {
    // a payload written `{\n "iss": …` (OpenID Connect Core's example ID token) encodes as
    // `ewog…`: the scan found only `eyJ….eyJ…` and `decode` refused it
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
    let mut g = Gen::new(11);
    let tok = format!(
        "{}.{}.{}",
        B64.encode(r#"{"alg":"RS256","kid":"1e9gdk7"}"#),
        B64.encode(
            "{\n \"iss\": \"http://server.example.com\",\n \"sub\": \"248289761001\",\n \"aud\": \"s6BhdRkqt3\",\n \"nonce\": \"n-0S6_WzA2Mj\",\n \"exp\": 1311281970,\n \"iat\": 1311280970\n}"
        ),
        g.pick(342, b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    );
    let v = scan_json(
        "idtoken_test.go",
        &format!("const idToken = \"{tok}\"\n"),
        &[],
    );
    let fd = &v["findings"][0];
    assert_eq!(fd["rule_id"], "jwt.token", "{v}");
    assert_eq!(
        fd["hygiene"],
        serde_json::json!(["expired", "id-token-exposed"])
    );
    let (code, out, _) = decode(&tok, &["--format", "json"]);
    assert_eq!(code, Some(0), "{out}");
    let d: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(d["properties"]["token_kind"], "oidc-id-token");
}

#[test]
fn human_report_and_decode_show_the_facts_behind_the_verdict() {
    let mut g = Gen::new(12);
    let tok = g.jwt(
        r#"{"alg":"RS256","kid":"k"}"#,
        r#"{"iss":"https://issuer.example","aud":"api://orders","scope":"orders.read orders.write","iat":1793404800,"exp":1888099200}"#,
    );
    let f = Fixture::new();
    f.write("app.env", format!("TOKEN={tok}\n"));
    let o = run(
        f.path(),
        &["scan", "app.env", "--now", "2026-11-01T00:00:00Z"],
    );
    let h = stdout(&o);
    assert!(
        h.contains("kind oauth-access-token · issuer https://issuer.example · audience api://orders · expires 2029-10-31 (in 3 years) · scopes orders.read orders.write"),
        "{h}"
    );
    assert!(!h.contains(&tok));
    let (code, out, _) = decode(&tok, &["--now", "2026-11-01T00:00:00Z"]);
    assert_eq!(code, Some(0));
    assert!(
        out.contains("  issuer    https://issuer.example\n"),
        "{out}"
    );
    assert!(
        out.contains("  expires   2029-10-31 (in 3 years)\n"),
        "{out}"
    );
}

/// Regression (eval/realworld141 dev, Dendrite's config test): a Matrix homeserver signing key
/// (`MATRIX PRIVATE KEY`, a `Key-ID` header, a 32-byte seed) and a Nebula host key are found
/// by `private-key.pem-labeled`, their kind read from the label, and flagged unencrypted; the
/// DER rule does not report them twice.
#[test]
fn labeled_pem_keys_are_found_with_their_kind() {
    let mut g = Gen::new(141);
    let b64 = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let seed = format!("{}=", g.pick(43, b64));
    let f = Fixture::new();
    f.write(
        "config_test.go",
        format!(
            "const testKey = `\n-----BEGIN MATRIX PRIVATE KEY-----\nKey-ID: ` + testKeyID + `\n{seed}\n-----END MATRIX PRIVATE KEY-----\n`\n"
        ),
    );
    let host = format!("{}==", g.pick(86, b64));
    f.write(
        "host.key",
        format!(
            "-----BEGIN NEBULA ED25519 PRIVATE KEY-----\n{}\n{}\n-----END NEBULA ED25519 PRIVATE KEY-----\n",
            &host[..64],
            &host[64..]
        ),
    );
    let o = run(f.path(), &["scan", ".", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let findings = v["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 2, "{findings:#?}");
    for (path, kind) in [("config_test.go", "Matrix"), ("host.key", "Nebula")] {
        let x = findings
            .iter()
            .find(|x| x["path"].as_str().unwrap().ends_with(path))
            .unwrap();
        assert_eq!(x["rule_id"], "private-key.pem-labeled");
        assert_eq!(x["properties"]["key_type"], kind);
        assert_eq!(x["level"], "error");
        assert!(
            x["hygiene"]
                .as_array()
                .unwrap()
                .iter()
                .any(|h| h.to_string().contains("unencrypted-private-key")),
            "{x:#?}"
        );
    }
    assert!(!stdout(&o).contains(&seed));
}
