//! Hostile input through the whole pipeline: random bytes, invalid UTF-8, giant lines, truncated
//! tokens and odd encodings must never panic, and must still find a secret hidden among them.

mod common;

use common::Gen;
use tokenhound::chunk::{Chunk, Provenance};
use tokenhound::hygiene::Policy;
use tokenhound::matcher::Matcher;
use tokenhound::rules::builtin_rules;
use tokenhound::scan::{ScanOptions, Scanner};

fn scanner() -> Scanner {
    Scanner::new(
        Matcher::new(builtin_rules().unwrap()).unwrap(),
        Policy::new(1_800_000_000),
        ScanOptions::default(),
    )
}

fn scan(s: &Scanner, data: Vec<u8>) -> usize {
    let chunk = Chunk {
        data: data.into(),
        provenance: Provenance::File { path: "x".into() },
    };
    s.scan_chunk(chunk, None).map(|f| f.len()).unwrap_or(0)
}

#[test]
fn random_and_mutated_input_never_panics() {
    let s = scanner();
    let mut g = Gen::new(99);
    let seeds: Vec<String> = vec![
        g.ghp(),
        g.npm(),
        "glpat-QFX4MW442SqBCBK8qzjEyW86MQp1OjJpeGg0Cw.01.121mf76tf".into(),
        g.jwt(r#"{"alg":"none"}"#, r#"{"sub":"x"}"#),
        "password: cGFzc3dvcmQxMjM0NQ==".into(),
        "-----BEGIN RSA PRIVATE KEY-----\nMIIB\n".into(),
        "https://user:pa55w0rd!@example.org/x?sig=abc&se=2099-01-01".into(),
        "\u{FEFF}tok\u{00e9}n = \"\u{1F600}abc\"".into(),
        r#"{"u": "https:\/\/bot:Pw%2Fx\u0026y@mq\/", "e": "\\\u00"}"#.into(),
        "%%2%2F%zz\\u12\\u00e9%3D\\".into(),
    ];
    for round in 0..3000 {
        let mut data: Vec<u8> = seeds[round % seeds.len()].clone().into_bytes();
        let edits = 1 + (g.next() % 8) as usize;
        for _ in 0..edits {
            let pos = (g.next() as usize) % (data.len() + 1);
            match g.next() % 4 {
                0 if !data.is_empty() => {
                    data.remove(pos.min(data.len() - 1));
                }
                1 => data.insert(pos, g.next() as u8),
                2 => data.truncate(pos),
                _ => {
                    let extra = seeds[(g.next() as usize) % seeds.len()].clone();
                    data.splice(pos..pos, extra.into_bytes());
                }
            }
        }
        if round % 7 == 0 {
            let mut u16 = vec![0xFF, 0xFE];
            u16.extend(data.iter().flat_map(|b| [*b, 0]));
            data = u16;
        }
        scan(&s, data);
    }
    for _ in 0..200 {
        let n = (g.next() % 4096) as usize;
        let data: Vec<u8> = (0..n).map(|_| (g.next() % 255 + 1) as u8).collect();
        scan(&s, data);
    }
}

#[test]
fn a_secret_on_a_giant_line_is_found() {
    let s = scanner();
    let mut g = Gen::new(7);
    let token = g.ghp();
    let mut line = "var a=\"xyz\";".repeat(400_000);
    line.push_str(&format!("var t=\"{token}\";"));
    line.push_str(&"q=1;".repeat(100_000));
    assert_eq!(scan(&s, line.into_bytes()), 1);
}

#[test]
fn escaped_lines_of_any_size_are_handled() {
    let s = scanner();
    let token = Gen::new(9).ghp();
    // a long minified JSON line full of escapes, with the token written with escaped slashes
    // around it: found once, at its place
    let mut line = r#"{"a":"x\/y\"z\u0026"},"#.repeat(20_000);
    line.push_str(&format!(r#"{{"t":"{token}","u":"https:\/\/h\/p"}}"#));
    assert_eq!(scan(&s, line.into_bytes()), 1);
    // a line longer than the unescaping limit is still scanned as written
    let mut long = "\\/".repeat(600_000);
    long.push_str(&format!(" token={token}\n"));
    assert_eq!(scan(&s, long.into_bytes()), 1);
    // escapes at the very end of the input
    for tail in ["\\", "\\u", "\\u00", "%", "%2", "\\/"] {
        scan(&s, format!("token={token}{tail}").into_bytes());
    }
}

#[test]
fn invalid_utf8_around_a_secret_is_tolerated() {
    let s = scanner();
    let token = Gen::new(8).ghp();
    let mut data = vec![0xC3, 0x28, 0xA0, 0xA1, b'\n'];
    data.extend(format!("token={token}\n").into_bytes());
    data.extend([0xF0, 0x28, 0x8C, 0xBC]);
    assert_eq!(scan(&s, data), 1);
}

/// Text written with a C string's terminator (a PEM file ending in one NUL byte:
/// eval/realworld226 dev) is text, and its secret is found; a NUL with text after it still makes
/// the content binary (skipped and counted, not matched).
#[test]
fn a_secret_in_text_ending_in_nul_bytes_is_found() {
    let s = scanner();
    let mut g = Gen::new(11);
    let token = g.ghp();
    let text = format!("GITHUB_TOKEN={token}\n");
    assert_eq!(scan(&s, format!("{text}\0").into_bytes()), 1);
    assert_eq!(scan(&s, format!("{text}\0\0\0\0").into_bytes()), 1);
    let chunk = Chunk {
        data: format!("\0{text}").into_bytes().into(),
        provenance: Provenance::File { path: "x".into() },
    };
    assert!(s.scan_chunk(chunk, None).is_err());
}
