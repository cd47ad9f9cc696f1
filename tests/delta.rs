//! The delta-aware history reader against the plain one: generated repositories whose secrets
//! are inserted, edited, moved within and between files, split across commits and removed,
//! repacked with aggressive deltas, give the same findings (rule, path, line, column,
//! fingerprint, introducing commit) and the same counts either way.

mod common;

use std::path::{Path, PathBuf};

use base64::Engine as _;
use common::{Gen, run, stderr, stdout};
use serde_json::Value;

fn git(dir: &Path, args: &[&str], time: i64) -> String {
    common::git_at(dir, args, time)
}

/// A random line of ordinary text, sometimes with a keyword that secrets are also found by.
fn filler(g: &mut Gen) -> String {
    let n = g.next() % 1000;
    match g.next() % 12 {
        0 => format!("let key_{n} = lookup(table, {n});"),
        1 => format!("# token count {n}, see https://example.com/docs/{n}"),
        2 => format!("    secret_name: app-{n}"),
        3 => format!("fn compute_{n}(x: u32) -> u32 {{ x + {n} }}"),
        4 => format!("password_hint = \"{}\"", g.alnum(6)),
        5 => String::new(),
        6 => format!("  value: {}", g.alnum(20)),
        7 => format!("curl -s https://example.com/api/{n} -o out.json"),
        8 => format!("data = \"{}\"", g.pick(24, b"ABCDEFabcdef0123456789+/")),
        _ => format!("// note {n}: {}", g.alnum(12)),
    }
}

/// A secret in one of the forms the rules look for, as one or more lines.
fn secret(g: &mut Gen) -> Vec<String> {
    let b64 = base64::engine::general_purpose::STANDARD;
    match g.next() % 9 {
        0 => vec![format!("GITHUB_TOKEN={}", g.ghp())],
        1 => vec![
            format!(
                "aws_access_key_id = AKIA{}",
                g.pick(16, b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
            ),
            format!(
                "aws_secret_access_key = {}",
                g.pick(
                    40,
                    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
                )
            ),
        ],
        2 => vec![format!(
            "  auth: {}",
            b64.encode(format!("deploy:{}", g.ghp()))
        )],
        3 => vec![format!(
            "db_password = \"{}{}!{}\"",
            g.alnum(8),
            g.next() % 100,
            g.alnum(6)
        )],
        4 => vec![format!("  \"npmToken\": \"{}\",", g.npm())],
        5 => {
            let mut v = vec!["-----BEGIN RSA PRIVATE KEY-----".to_string()];
            for _ in 0..8 {
                v.push(g.pick(
                    64,
                    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
                ));
            }
            v.push("-----END RSA PRIVATE KEY-----".to_string());
            v
        }
        6 => vec![format!(
            "  \"remote\": \"https:\\/\\/x-access-token:{}@github.com\\/o\\/r\"",
            g.ghp()
        )],
        7 => {
            // a base64 block folded at 64 columns
            let text = format!("user=admin\npassword={}{}\n", g.alnum(12), g.next() % 97);
            let enc = b64.encode(format!("{text}{text}{text}"));
            let mut v = vec!["config: |".to_string()];
            for c in enc.as_bytes().chunks(64) {
                v.push(format!("  {}", String::from_utf8_lossy(c)));
            }
            v
        }
        _ => vec![format!(
            "Authorization: Bearer {}",
            g.jwt(
                r#"{"alg":"HS256","typ":"JWT"}"#,
                r#"{"sub":"svc","exp":1999999999}"#
            )
        )],
    }
}

struct Gen2 {
    g: Gen,
    files: Vec<(String, Vec<String>)>,
    /// A secret line written in two commits: (file, partial line, whole line).
    pending: Option<(usize, String, String)>,
}

impl Gen2 {
    fn pos(&mut self, f: usize) -> usize {
        let n = self.files[f].1.len();
        (self.g.next() as usize) % (n + 1)
    }

    fn file(&mut self) -> usize {
        (self.g.next() as usize) % self.files.len()
    }

    fn step(&mut self) {
        if let Some((f, part, whole)) = self.pending.take()
            && let Some(l) = self
                .files
                .get_mut(f)
                .and_then(|(_, ls)| ls.iter_mut().find(|l| **l == part))
        {
            *l = whole;
        }
        let ops = 1 + self.g.next() % 4;
        for _ in 0..ops {
            let f = self.file();
            match self.g.next() % 10 {
                0..=2 => {
                    let at = self.pos(f);
                    let k = 1 + self.g.next() % 4;
                    for _ in 0..k {
                        let l = filler(&mut self.g);
                        self.files[f].1.insert(at, l);
                    }
                }
                3 | 4 => {
                    let at = self.pos(f);
                    let s = secret(&mut self.g);
                    for (i, l) in s.into_iter().enumerate() {
                        self.files[f].1.insert(at + i, l);
                    }
                }
                5 => {
                    // delete 1-3 lines (a secret among them is removed)
                    let n = self.files[f].1.len();
                    if n > 3 {
                        let at = (self.g.next() as usize) % (n - 3);
                        let k = 1 + (self.g.next() as usize) % 3;
                        self.files[f].1.drain(at..at + k);
                    }
                }
                6 => {
                    // edit one character of a line (a secret edited)
                    let n = self.files[f].1.len();
                    if n > 0 {
                        let at = (self.g.next() as usize) % n;
                        let c = self.g.alnum(1);
                        let r = self.g.next() as usize;
                        let l = &mut self.files[f].1[at];
                        if !l.is_empty() {
                            let i = r % l.len();
                            if l.is_char_boundary(i) && l.is_char_boundary(i + 1) {
                                l.replace_range(i..i + 1, &c);
                            }
                        }
                    }
                }
                7 => {
                    // move a block within the file or to another file
                    let n = self.files[f].1.len();
                    if n > 6 {
                        let at = (self.g.next() as usize) % (n - 6);
                        let k = 1 + (self.g.next() as usize) % 6;
                        let block: Vec<String> = self.files[f].1.drain(at..at + k).collect();
                        let to = self.file();
                        let p = self.pos(to);
                        for (i, l) in block.into_iter().enumerate() {
                            self.files[to].1.insert(p + i, l);
                        }
                    }
                }
                8 => {
                    // a secret line written in two commits
                    let whole = secret(&mut self.g).remove(0);
                    let part = whole[..whole.len() / 2].to_string();
                    let at = self.pos(f);
                    self.files[f].1.insert(at, part.clone());
                    self.pending = Some((f, part, whole));
                }
                _ => {
                    if self.g.next() % 3 == 0 && self.files.len() > 2 {
                        self.files.remove(f);
                        self.pending = None;
                    } else {
                        let name =
                            format!("dir{}/new{}.txt", self.g.next() % 3, self.g.next() % 1000);
                        let lines = (0..20).map(|_| filler(&mut self.g)).collect();
                        self.files.push((name, lines));
                    }
                }
            }
        }
    }
}

/// A repository generated from `seed`: `commits` commits of random edits, repacked with deep
/// deltas, then `loose` more commits left as loose objects.
fn generate(dir: &Path, seed: u64, commits: usize, loose: usize) -> PathBuf {
    let path = dir.join("r");
    std::fs::create_dir(&path).unwrap();
    let mut t = 1_700_000_000;
    git(&path, &["init", "-q", "-b", "main"], t);
    let mut g = Gen2 {
        g: Gen::new(seed),
        files: Vec::new(),
        pending: None,
    };
    for i in 0..6 {
        let lines = (0..80).map(|_| filler(&mut g.g)).collect();
        g.files.push((format!("src/file{i}.txt"), lines));
    }
    let write = |g: &Gen2| {
        for e in std::fs::read_dir(&path).unwrap().flatten() {
            if e.file_name() != ".git" {
                let p = e.path();
                if p.is_dir() {
                    std::fs::remove_dir_all(p).unwrap();
                } else {
                    std::fs::remove_file(p).unwrap();
                }
            }
        }
        for (name, lines) in &g.files {
            let p = path.join(name);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            let mut text = lines.join("\n");
            text.push('\n');
            std::fs::write(p, text).unwrap();
        }
    };
    for i in 0..commits + loose {
        if i == commits {
            git(
                &path,
                &["repack", "-adfq", "--depth=250", "--window=250"],
                t,
            );
        }
        g.step();
        write(&g);
        t += 60;
        git(&path, &["add", "-A"], t);
        git(
            &path,
            &["commit", "-q", "--allow-empty", "-m", &format!("c{i}")],
            t,
        );
        // a side branch now and then, merged back
        if i % 17 == 5 {
            git(&path, &["checkout", "-q", "-b", &format!("side{i}")], t);
            g.step();
            write(&g);
            t += 60;
            git(&path, &["add", "-A"], t);
            git(&path, &["commit", "-q", "-m", &format!("side {i}")], t);
            git(&path, &["checkout", "-q", "main"], t);
            git(
                &path,
                &[
                    "merge",
                    "-q",
                    "--no-ff",
                    "-X",
                    "theirs",
                    &format!("side{i}"),
                ],
                t,
            );
            // the work tree now holds the side branch's files
        }
    }
    path
}

fn scan(repo: &Path, reader: &str) -> Value {
    let p = repo.to_str().unwrap();
    let o = run(
        repo,
        &[
            "scan",
            "--format",
            "json",
            "-v",
            "--history",
            "--min-confidence",
            "low",
            "--history-reader",
            reader,
            p,
        ],
    );
    assert!(
        matches!(o.status.code(), Some(0 | 1)),
        "scan failed: {}",
        stderr(&o)
    );
    serde_json::from_str(&stdout(&o)).unwrap()
}

/// The number before `what` in the delta reader's note.
fn count_in_note(v: &Value, what: &str) -> usize {
    let note = v["notes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|n| n.as_str())
        .find(|n| n.starts_with("delta reader: ") && n.contains(what))
        .unwrap_or_else(|| panic!("no delta reader note: {v:#}"));
    let before = &note[..note.find(what).unwrap()];
    before
        .trim_end()
        .rsplit(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

/// The seeds of the generated repositories: 1, 2 and 3, or `DELTA_SEEDS=FIRST..END` for a
/// longer run after a change to the delta reader (`DELTA_SEEDS=1..60 cargo test --release
/// --test delta`).
fn seeds() -> std::ops::Range<u64> {
    let Ok(v) = std::env::var("DELTA_SEEDS") else {
        return 1..4;
    };
    let parsed = v
        .split_once("..")
        .and_then(|(a, b)| Some(a.trim().parse().ok()?..b.trim().parse().ok()?));
    parsed.unwrap_or_else(|| panic!("DELTA_SEEDS={v}: expected FIRST..END, such as 1..60"))
}

#[test]
fn delta_reader_finds_what_the_plain_reader_finds() {
    let mut quiet = 0;
    let mut rescanned = 0;
    let mut total = 0;
    for seed in seeds() {
        let dir = tempfile::tempdir().unwrap();
        let repo = generate(dir.path(), seed, 90, 4);
        let plain = scan(&repo, "plain");
        let delta = scan(&repo, "delta");
        let f = plain["findings"].as_array().unwrap();
        assert!(f.len() >= 15, "seed {seed}: too few findings: {}", f.len());
        assert!(f.iter().all(|f| f["commit"].is_string()));
        assert_eq!(plain["findings"], delta["findings"], "seed {seed}");
        assert_eq!(plain["summary"], delta["summary"], "seed {seed}");
        assert_eq!(plain["skipped"], delta["skipped"], "seed {seed}");
        quiet += count_in_note(&delta, "deltas matched only");
        rescanned += count_in_note(&delta, "deltas scanned whole");
        // the commits after the repack are loose objects: read by the plain reader
        assert!(count_in_note(&delta, "read by git cat-file") > 0);
        total += f.len();
    }
    // the delta path did the work, and the whole-blob path too
    assert!(quiet > 50, "{quiet}");
    assert!(rescanned > 10, "{rescanned}");
    assert!(total > 60);
}

#[test]
fn plain_reader_notes_nothing_about_deltas() {
    let dir = tempfile::tempdir().unwrap();
    let repo = generate(dir.path(), 9, 12, 0);
    let v = scan(&repo, "plain");
    assert!(
        !v["notes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n.as_str().unwrap().starts_with("delta reader"))
    );
}

fn pack_of(repo: &Path) -> PathBuf {
    std::fs::read_dir(repo.join(".git/objects/pack"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "pack"))
        .unwrap()
}

fn same_report(repo: &Path) -> Value {
    let plain = scan(repo, "plain");
    let delta = scan(repo, "delta");
    assert_eq!(plain["findings"], delta["findings"]);
    assert_eq!(plain["summary"], delta["summary"]);
    assert_eq!(plain["skipped"], delta["skipped"]);
    delta
}

#[test]
fn what_the_pack_reader_cannot_read_goes_to_the_plain_reader() {
    let dir = tempfile::tempdir().unwrap();
    let repo = generate(dir.path(), 5, 40, 0);
    git(
        &repo,
        &["repack", "-adfq", "--depth=250", "--window=250"],
        1_800_000_000,
    );
    let pack = pack_of(&repo);
    // a promisor pack is left to git
    let promisor = pack.with_extension("promisor");
    std::fs::write(&promisor, "").unwrap();
    let v = same_report(&repo);
    assert!(
        v["notes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n.as_str().unwrap().contains("promisor pack"))
    );
    assert_eq!(count_in_note(&v, "deltas matched only"), 0);
    std::fs::remove_file(&promisor).unwrap();
    let v = same_report(&repo);
    assert_eq!(count_in_note(&v, "read by git cat-file"), 0);
    // damaged entries: the blobs they hold (and their deltas) are read by git, which reports
    // what it cannot read the same way with both readers
    let mut bytes = std::fs::read(&pack).unwrap();
    let n = bytes.len();
    for k in [n / 3, n / 2, 2 * n / 3] {
        bytes[k] ^= 0x55;
    }
    let mut perm = std::fs::metadata(&pack).unwrap().permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    perm.set_readonly(false);
    std::fs::set_permissions(&pack, perm).unwrap();
    std::fs::write(&pack, bytes).unwrap();
    let plain = scan(&repo, "plain");
    let delta = scan(&repo, "delta");
    assert_eq!(plain["findings"], delta["findings"]);
    assert_eq!(plain["skipped"], delta["skipped"]);
    assert!(
        count_in_note(&delta, "read by git cat-file") > 0,
        "{delta:#}"
    );
}
