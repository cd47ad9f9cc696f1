//! Shared test helpers: a seeded generator of format-valid, never-issued tokens, temporary
//! fixture trees, and a runner for the tokenhound binary.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

mod der;
use der::der;

/// Small deterministic PRNG (xorshift64*), so snapshot tests are stable.
pub struct Gen(u64);

const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

impl Gen {
    pub fn new(seed: u64) -> Self {
        Gen(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub fn pick(&mut self, n: usize, alphabet: &[u8]) -> String {
        (0..n)
            .map(|_| alphabet[(self.next() % alphabet.len() as u64) as usize] as char)
            .collect()
    }

    pub fn alnum(&mut self, n: usize) -> String {
        self.pick(n, ALNUM)
    }

    /// GitHub/npm style token: prefix + n random chars + base62 CRC-32 of them.
    pub fn crc_token(&mut self, prefix: &str, n: usize) -> String {
        let body = self.alnum(n);
        let crc = tokenhound::codec::base62(crc32fast::hash(body.as_bytes()) as u64, 6);
        format!("{prefix}{body}{crc}")
    }

    pub fn ghp(&mut self) -> String {
        self.crc_token("ghp_", 30)
    }

    pub fn npm(&mut self) -> String {
        self.crc_token("npm_", 30)
    }

    /// A GitHub token with a deliberately wrong checksum.
    pub fn ghp_bad_checksum(&mut self) -> String {
        let t = self.ghp();
        let last = t.chars().last().unwrap();
        let swapped = if last == 'a' { 'b' } else { 'a' };
        format!("{}{}", &t[..t.len() - 1], swapped)
    }

    /// An unsigned-looking JWT with the given JSON header and claims and a random signature.
    pub fn jwt(&mut self, header: &str, claims: &str) -> String {
        use base64::Engine as _;
        let e = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let sig: Vec<u8> = (0..64).map(|_| self.next() as u8).collect();
        format!(
            "{}.{}.{}",
            e.encode(header),
            e.encode(claims),
            e.encode(sig)
        )
    }

    /// The DER skeleton of a PKCS#8 RSA private key (`PrivateKeyInfo`: version 0, the
    /// rsaEncryption algorithm, an OCTET STRING of `n` random bytes, 256 ≤ `n` < 65,000) — the
    /// structure a scanner recognises, nothing any tool could load.
    pub fn pkcs8_rsa_key(&mut self, n: usize) -> Vec<u8> {
        const ALG: [u8; 15] = [
            0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05,
            0x00,
        ];
        let key: Vec<u8> = (0..n).map(|_| self.next() as u8).collect();
        let body = [
            &[0x02, 0x01, 0x00][..],
            &ALG,
            &[0x04, 0x82],
            &(n as u16).to_be_bytes(),
            &key,
        ]
        .concat();
        [&[0x30, 0x82][..], &(body.len() as u16).to_be_bytes(), &body].concat()
    }

    /// The DER skeleton of a PKCS#12 archive (RFC 7292 PFX: version 3, a PKCS#7 `data` content
    /// holding a pkcs8ShroudedKeyBag of `n` random bytes, random MAC bytes) — the header and
    /// bag type a scanner recognises, nothing any tool could open.
    pub fn pkcs12(&mut self, n: usize) -> Vec<u8> {
        self.pkcs12_with_bag(n, 2)
    }

    /// A Java key store (OpenJDK's JKS layout, version 2) with one entry of random bytes: a
    /// private-key entry (`key`) or a trusted certificate (a trust store).
    pub fn java_keystore(&mut self, key: bool) -> Vec<u8> {
        let mut random = |n: usize| (0..n).map(|_| self.next() as u8).collect::<Vec<u8>>();
        let utf = |t: &[u8]| [&(t.len() as u16).to_be_bytes()[..], t].concat();
        let date = 1_700_000_000_000u64.to_be_bytes();
        let cert = [utf(b"X.509"), 300u32.to_be_bytes().to_vec(), random(300)].concat();
        let entry = if key {
            let k = random(600);
            [
                &1u32.to_be_bytes()[..],
                &utf(b"server"),
                &date,
                &600u32.to_be_bytes(),
                &k,
                &1u32.to_be_bytes(),
                &cert,
            ]
            .concat()
        } else {
            [&2u32.to_be_bytes()[..], &utf(b"rootca"), &date, &cert].concat()
        };
        [
            &[0xfe, 0xed, 0xfe, 0xed, 0, 0, 0, 2, 0, 0, 0, 1][..],
            &entry,
            &random(20),
        ]
        .concat()
    }

    /// [`Gen::pkcs12`] with the bag type `1.2.840.113549.1.12.10.1.<bag>` (3: a certificate
    /// bag, as a trust store holds).
    pub fn pkcs12_with_bag(&mut self, n: usize, bag: u8) -> Vec<u8> {
        // random bytes, with NULs as real key stores have
        let random: Vec<u8> = (0..n)
            .map(|i| if i % 97 == 0 { 0 } else { self.next() as u8 })
            .collect();
        let mac: Vec<u8> = (0..49).map(|_| self.next() as u8).collect();
        let oid = [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01];
        let bag_oid = [
            0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x0c, 0x0a, 0x01, bag,
        ];
        let safe = der(
            0x30,
            &der(0x30, &[der(0x06, &bag_oid), der(0xa0, &random)].concat()),
        );
        let content = der(0xa0, &der(0x04, &safe));
        let info = der(0x30, &[der(0x06, &oid), content].concat());
        der(0x30, &[der(0x02, &[3]), info, der(0x30, &mac)].concat())
    }
}

/// A temporary directory with files.
pub struct Fixture {
    pub dir: tempfile::TempDir,
}

impl Fixture {
    pub fn new() -> Self {
        Fixture {
            dir: tempfile::tempdir().expect("tempdir"),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn write(&self, rel: &str, content: impl AsRef<[u8]>) -> PathBuf {
        let p = self.dir.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, content).unwrap();
        p
    }
}

/// Run the tokenhound binary with `args` in `cwd`.
pub fn run(cwd: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tokenhound"))
        .args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .output()
        .expect("run tokenhound")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The shared corpus beside the checkout, if present.
pub fn shared_dir() -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared");
    p.is_dir().then_some(p)
}

/// Run `git args` in `dir` as a fixed author at Unix time `time`, isolated from the user's and
/// the system's git configuration; panics with git's message on failure, returns its stdout.
pub fn git_at(dir: &Path, args: &[&str], time: i64) -> String {
    let date = format!("{time} +0000");
    let o = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "Alice Example")
        .env("GIT_AUTHOR_EMAIL", "alice@example.com")
        .env("GIT_COMMITTER_NAME", "Alice Example")
        .env("GIT_COMMITTER_EMAIL", "alice@example.com")
        .env("GIT_AUTHOR_DATE", &date)
        .env("GIT_COMMITTER_DATE", &date)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", dir)
        .env_remove("GIT_DIR")
        .env_remove("GIT_INDEX_FILE")
        .output()
        .expect("git");
    assert!(
        o.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).trim().to_string()
}

/// A minimal ustar archive of `files` (what `tar cf` writes for regular files).
pub fn tar_of(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut t = Vec::new();
    for (name, data) in files {
        let mut h = vec![0u8; 512];
        h[..name.len()].copy_from_slice(name.as_bytes());
        h[100..108].copy_from_slice(b"0000644\0");
        h[124..136].copy_from_slice(format!("{:011o}\0", data.len()).as_bytes());
        h[156] = b'0';
        h[257..263].copy_from_slice(b"ustar\0");
        h[263..265].copy_from_slice(b"00");
        h[148..156].copy_from_slice(b"        ");
        let sum: u32 = h.iter().map(|&b| u32::from(b)).sum();
        h[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
        t.extend(h);
        t.extend_from_slice(data);
        t.resize(t.len().div_ceil(512) * 512, 0);
    }
    t.extend(vec![0u8; 1024]);
    t
}

/// `data` compressed with gzip.
pub fn gzip(data: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(data).unwrap();
    gz.finish().unwrap()
}

/// A zip archive of `files` (PKWARE APPNOTE: local headers, central directory, end record),
/// each member deflated when `deflate` is set, else stored. CRC-32s are written; tokenhound does
/// not check them.
pub fn zip_of(files: &[(&str, &[u8])], deflate: bool) -> Vec<u8> {
    use std::io::Write;
    let (mut z, mut central) = (Vec::new(), Vec::new());
    for (name, data) in files {
        let body = if deflate {
            let mut e =
                flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
            e.write_all(data).unwrap();
            e.finish().unwrap()
        } else {
            data.to_vec()
        };
        let method: u16 = if deflate { 8 } else { 0 };
        let crc = crc32fast::hash(data);
        let offset = z.len() as u32;
        let common = |h: &mut Vec<u8>| {
            h.extend(20u16.to_le_bytes()); // version needed
            h.extend(0u16.to_le_bytes()); // flags
            h.extend(method.to_le_bytes());
            h.extend([0u8; 4]); // time, date
            h.extend(crc.to_le_bytes());
            h.extend((body.len() as u32).to_le_bytes());
            h.extend((data.len() as u32).to_le_bytes());
            h.extend((name.len() as u16).to_le_bytes());
            h.extend(0u16.to_le_bytes()); // extra
        };
        z.extend(b"PK\x03\x04");
        common(&mut z);
        z.extend(name.as_bytes());
        z.extend(&body);
        central.extend(b"PK\x01\x02");
        central.extend(20u16.to_le_bytes()); // version made by
        common(&mut central);
        central.extend([0u8; 8]); // comment length, disk, internal and external attributes
        central.extend([0u8; 2]);
        central.extend(offset.to_le_bytes());
        central.extend(name.as_bytes());
    }
    let (cd_offset, cd_len) = (z.len() as u32, central.len() as u32);
    z.extend(central);
    z.extend(b"PK\x05\x06");
    z.extend([0u8; 4]);
    z.extend((files.len() as u16).to_le_bytes());
    z.extend((files.len() as u16).to_le_bytes());
    z.extend(cd_len.to_le_bytes());
    z.extend(cd_offset.to_le_bytes());
    z.extend(0u16.to_le_bytes());
    z
}
