//! Members of tar archives (plain or gzip-compressed), zip archives and gzip-compressed files,
//! in a scanned tree, staged change, commit range or history: test fixtures ship TLS keys,
//! configs and test vectors packed this way (Helm packages `.tgz`, test vectors `.json.gz`,
//! zipped docs, `application.properties` in a `.jar`), and a user wants them read. An archive is told by its content, not its name, so that a history scan, which
//! reads a blob before it knows its paths, opens what a tree scan opens. Each regular member is
//! scanned as its own file, reported as `ARCHIVE!MEMBER` (the notation other scanners use); a
//! gzip-compressed file's one member is its name without `.gz`. Nested archives are not opened.

use std::io::Read;

use crate::scan::{Collector, SkipReason};

/// One regular file of an archive.
pub struct Member {
    /// Path inside the archive.
    pub name: String,
    /// Its content, or why it was not read: larger than the size limit, encrypted, or stored
    /// with a compression method tokenhound does not read.
    pub data: Result<Vec<u8>, SkipReason>,
}

/// What was read of an archive.
pub struct Archive {
    /// Its regular members, in order.
    pub members: Vec<Member>,
    /// The archive was not read to its end: the decompressed size limit was reached, or the
    /// data is cut short or corrupt after the last member listed.
    pub cut: bool,
}

/// The archive `data` is, told by its content (not its name, so that a history scan, which reads
/// a blob before it knows its paths, opens what a tree scan opens): a tar archive, compressed
/// with gzip or not, a zip archive (`.zip`, `.jar`, `.docx`, …: stored and deflated members),
/// or a gzip-compressed file, whose one member has an empty name (see [`member_path`]). At most `4 * limit` decompressed bytes are read (the archive is then
/// marked cut); a member larger than `limit` is listed without its content. `None` for
/// anything else.
pub fn open(data: &[u8], limit: u64) -> Option<Archive> {
    if data.starts_with(&ZIP_MAGIC) {
        return parse_zip(data, limit);
    }
    if !data.starts_with(&GZIP_MAGIC) {
        return parse_tar(data, limit);
    }
    let (out, cut) = gunzip(data, limit);
    if let Some(mut tar) = parse_tar(&out, limit) {
        tar.cut |= cut;
        return Some(tar);
    }
    let data = if out.len() as u64 <= limit {
        Ok(out)
    } else {
        Err(SkipReason::TooLarge)
    };
    Some(Archive {
        members: vec![Member {
            name: String::new(),
            data,
        }],
        cut,
    })
}

/// How member `member` of the archive at `path` is named in reports: `ARCHIVE!MEMBER`; the one
/// member of a gzip-compressed file (empty name) is the file's name without `.gz`.
pub fn member_path(path: &str, member: &str) -> String {
    if !member.is_empty() {
        return format!("{path}!{member}");
    }
    let file = path.rsplit(['/', '\\']).next().unwrap_or(path);
    let name = file
        .len()
        .checked_sub(3)
        .filter(|&n| n > 0 && file.is_char_boundary(n) && file[n..].eq_ignore_ascii_case(".gz"))
        .map_or(file, |n| &file[..n]);
    format!("{path}!{name}")
}

/// Hands each member of `archive` (the content named `path` in reports) with its content to
/// `each`, under its reported name ([`member_path`]); members not read (over the size limit,
/// encrypted, compressed in a way not read), and the rest of an archive read only in part, are
/// recorded in `collector` as skipped.
pub fn each_member(
    archive: Archive,
    path: &str,
    collector: &Collector,
    mut each: impl FnMut(String, Vec<u8>),
) {
    for m in archive.members {
        let name = member_path(path, &m.name);
        match m.data {
            Ok(data) => each(name, data),
            Err(reason) => collector.skip(name, reason),
        }
    }
    if archive.cut {
        skip_rest(collector, path);
    }
}

/// Records the rest of the archive `path`, read only in part, as skipped.
pub fn skip_rest(collector: &Collector, path: &str) {
    collector.skip(
        format!("{path}!…"),
        SkipReason::Unreadable(
            "the rest of the archive: cut short, corrupt, or over 4x the size limit decompressed"
                .into(),
        ),
    );
}

/// The first bytes of a gzip stream.
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// The decompressed content of the gzip stream `data`, at most `4 * limit` bytes, and whether
/// it was cut there or by a truncated or corrupt stream (what was read until then is kept).
fn gunzip(data: &[u8], limit: u64) -> (Vec<u8>, bool) {
    let mut out = Vec::new();
    let cap = limit.saturating_mul(4);
    let mut z = flate2::read::MultiGzDecoder::new(data).take(cap);
    let cut = z.read_to_end(&mut out).is_err() || out.len() as u64 >= cap;
    (out, cut)
}

/// The first bytes of a zip archive (its first local file header).
const ZIP_MAGIC: [u8; 4] = *b"PK\x03\x04";

fn u16_at(b: &[u8], at: usize) -> Option<usize> {
    b.get(at..at + 2)
        .map(|s| usize::from(u16::from_le_bytes([s[0], s[1]])))
}

fn u32_at(b: &[u8], at: usize) -> Option<usize> {
    b.get(at..at + 4)
        .and_then(|s| usize::try_from(u32::from_le_bytes([s[0], s[1], s[2], s[3]])).ok())
}

/// The members of the zip archive `z` (PKWARE's APPNOTE: the end-of-central-directory record,
/// the central directory's file headers, each member's local header and data), read through
/// the central directory. Stored and deflated members are read, up to `4 * limit` bytes in all;
/// encrypted members, other compression methods and zip64 sizes are listed with why they were
/// not. `None` when no central directory is found (not a zip, or cut short before it).
fn parse_zip(z: &[u8], limit: u64) -> Option<Archive> {
    const EOCD: &[u8] = b"PK\x05\x06";
    const CENTRAL: &[u8] = b"PK\x01\x02";
    // the end record is the last 22 bytes but for a comment of at most 64 KiB
    let lowest = z.len().saturating_sub(22 + 0xFFFF);
    let eocd = (lowest..=z.len().checked_sub(22)?)
        .rev()
        .find(|&i| z[i..].starts_with(EOCD))?;
    let entries = u16_at(z, eocd + 10)?;
    let mut at = u32_at(z, eocd + 16)?;
    let mut members = Vec::new();
    let mut cut = false;
    let mut budget = limit.saturating_mul(4);
    for _ in 0..entries {
        if !z.get(at..)?.starts_with(CENTRAL) {
            cut = true;
            break;
        }
        let (flags, method) = (u16_at(z, at + 8)?, u16_at(z, at + 10)?);
        let (packed, size) = (u32_at(z, at + 20)?, u32_at(z, at + 24)?);
        let (n, extra, comment) = (
            u16_at(z, at + 28)?,
            u16_at(z, at + 30)?,
            u16_at(z, at + 32)?,
        );
        let local = u32_at(z, at + 42)?;
        let name = String::from_utf8_lossy(z.get(at + 46..at + 46 + n)?).into_owned();
        at += 46 + n + extra + comment;
        if name.ends_with('/') {
            continue;
        }
        let unreadable = |why: String| Member {
            name: name.clone(),
            data: Err(SkipReason::Unreadable(why)),
        };
        if flags & 1 != 0 {
            members.push(unreadable("encrypted archive member".into()));
            continue;
        }
        if packed == 0xFFFF_FFFF || size == 0xFFFF_FFFF {
            members.push(unreadable("zip64 archive member".into()));
            continue;
        }
        if size as u64 > limit {
            members.push(Member {
                name,
                data: Err(SkipReason::TooLarge),
            });
            continue;
        }
        if size as u64 > budget {
            cut = true;
            break;
        }
        // the data starts after the local header's own name and extra field
        let body = z
            .get(local..local + 30)
            .filter(|h| h.starts_with(&ZIP_MAGIC))
            .and_then(|_| Some(local + 30 + u16_at(z, local + 26)? + u16_at(z, local + 28)?))
            .and_then(|start| z.get(start..start + packed));
        let Some(body) = body else {
            members.push(unreadable("cut short or corrupt archive member".into()));
            continue;
        };
        let data = match method {
            0 => body.to_vec(),
            8 => {
                let mut out = Vec::with_capacity(size);
                let mut d = flate2::read::DeflateDecoder::new(body).take(size as u64);
                if d.read_to_end(&mut out).is_err() {
                    members.push(unreadable("corrupt deflated archive member".into()));
                    continue;
                }
                out
            }
            m => {
                members.push(unreadable(format!(
                    "archive member compressed with method {m}"
                )));
                continue;
            }
        };
        budget -= data.len() as u64;
        if !data.is_empty() {
            members.push(Member {
                name,
                data: Ok(data),
            });
        }
    }
    Some(Archive { members, cut })
}

fn field_str(b: &[u8]) -> String {
    let end = b.iter().position(|&c| c == 0).unwrap_or(b.len());
    String::from_utf8_lossy(&b[..end]).into_owned()
}

fn octal(b: &[u8]) -> Option<u64> {
    let s = field_str(b);
    let s = s.trim_matches(|c: char| c == ' ' || c == '\0');
    if s.is_empty() {
        return Some(0);
    }
    u64::from_str_radix(s, 8).ok()
}

fn checksum_ok(h: &[u8]) -> bool {
    let Some(want) = octal(&h[148..156]) else {
        return false;
    };
    let sum: u64 = h
        .iter()
        .enumerate()
        .map(|(i, &b)| {
            if (148..156).contains(&i) {
                32
            } else {
                u64::from(b)
            }
        })
        .sum();
    sum == want
}

/// The `path` record of a pax extended header, if any.
fn pax_path(data: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(data);
    text.lines().find_map(|rec| {
        let (_, kv) = rec.split_once(' ')?;
        kv.strip_prefix("path=").map(str::to_string)
    })
}

fn parse_tar(t: &[u8], limit: u64) -> Option<Archive> {
    let mut members = Vec::new();
    let mut cut = false;
    let mut ended = false;
    let mut at = 0usize;
    let mut long_name: Option<String> = None;
    let mut first = true;
    while at + 512 <= t.len() {
        let h = &t[at..at + 512];
        if h.iter().all(|&b| b == 0) {
            ended = true;
            break;
        }
        if !checksum_ok(h) {
            if first {
                return None;
            }
            cut = true;
            break;
        }
        first = false;
        let size = octal(&h[124..136])?;
        let start = at + 512;
        let end = start.checked_add(usize::try_from(size).ok()?)?;
        let body = &t[start..end.min(t.len())];
        let mut name = field_str(&h[0..100]);
        if &h[257..262] == b"ustar" {
            let prefix = field_str(&h[345..500]);
            if !prefix.is_empty() {
                name = format!("{prefix}/{name}");
            }
        }
        match h[156] {
            b'L' => long_name = Some(field_str(body)),
            b'x' => long_name = pax_path(body).or(long_name),
            b'0' | 0 | b'7' => {
                let name = long_name.take().unwrap_or(name);
                let name = name.strip_prefix("./").unwrap_or(&name).to_string();
                if end > t.len() {
                    cut = true;
                    break;
                }
                if size > limit {
                    members.push(Member {
                        name,
                        data: Err(SkipReason::TooLarge),
                    });
                } else if !body.is_empty() {
                    members.push(Member {
                        name,
                        data: Ok(body.to_vec()),
                    });
                }
            }
            _ => long_name = None,
        }
        // the data, rounded up to whole blocks
        at = start.saturating_add(usize::try_from(size.div_ceil(512) * 512).ok()?);
    }
    // bytes left that hold no whole header: a member's header was cut
    cut |= !ended && at < t.len();
    // no header read: short or empty content is not an archive
    (!first).then_some(Archive { members, cut })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn header(name: &str, size: usize, kind: u8) -> Vec<u8> {
        let mut h = vec![0u8; 512];
        h[..name.len()].copy_from_slice(name.as_bytes());
        h[100..108].copy_from_slice(b"0000644\0");
        h[124..136].copy_from_slice(format!("{size:011o}\0").as_bytes());
        h[156] = kind;
        h[257..263].copy_from_slice(b"ustar\0");
        h[263..265].copy_from_slice(b"00");
        h[148..156].copy_from_slice(b"        ");
        let sum: u32 = h.iter().map(|&b| u32::from(b)).sum();
        h[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
        h
    }

    pub(crate) fn tar(files: &[(&str, &[u8])]) -> Vec<u8> {
        let mut t = Vec::new();
        for (name, data) in files {
            t.extend(header(name, data.len(), b'0'));
            t.extend_from_slice(data);
            t.resize(t.len().div_ceil(512) * 512, 0);
        }
        t.extend(vec![0u8; 1024]);
        t
    }

    #[test]
    fn reads_plain_and_gzipped_members() {
        let t = tar(&[("./a.txt", b"hello\n"), ("dir/b.key", &[b'x'; 700])]);
        let a = open(&t, 1 << 20).unwrap();
        let m = &a.members;
        assert!(!a.cut);
        assert_eq!(m.len(), 2);
        assert_eq!(m[0].name, "a.txt");
        assert_eq!(m[0].data.as_deref().ok(), Some(&b"hello\n"[..]));
        assert_eq!(m[1].name, "dir/b.key");
        assert_eq!(m[1].data.as_ref().map(Vec::len).ok(), Some(700));
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(&t).unwrap();
        let gz = gz.finish().unwrap();
        let a = open(&gz, 1 << 20).unwrap();
        assert_eq!(a.members.len(), 2);
        assert!(!a.cut);
        // members over the limit are listed without their content
        let a = open(&t, 100).unwrap();
        assert_eq!(a.members.len(), 2);
        assert!(a.members[0].data.is_ok() && a.members[1].data.is_err());
        // an archive cut short, or decompressed past the limit, says so
        let a = open(&t[..1500], 1 << 20).unwrap();
        assert!(a.cut && a.members.len() == 1, "{}", a.members.len());
        let a = open(&gz, 200).unwrap();
        assert!(a.cut);
    }

    #[test]
    fn not_a_tar() {
        assert!(open(b"just some text, not an archive at all", 1 << 20).is_none());
        assert!(open(&[7u8; 2048], 1 << 20).is_none());
        assert!(open(&[0u8; 1024], 1 << 20).is_none());
        // gzip of anything else is one member, named after the file without `.gz`
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(b"token=abc\n").unwrap();
        let a = open(&gz.finish().unwrap(), 1 << 20).unwrap();
        assert_eq!(a.members.len(), 1);
        assert_eq!(a.members[0].name, "");
        assert_eq!(a.members[0].data.as_deref().ok(), Some(&b"token=abc\n"[..]));
    }

    #[test]
    fn member_names() {
        assert_eq!(member_path("a/b.tgz", "pkg/ci.yml"), "a/b.tgz!pkg/ci.yml");
        assert_eq!(
            member_path("t/accounts.json.gz", ""),
            "t/accounts.json.gz!accounts.json"
        );
        assert_eq!(member_path("t/X.GZ", ""), "t/X.GZ!X");
        // a gzip-compressed file under another name keeps its name
        assert_eq!(
            member_path("icons/logo.svgz", ""),
            "icons/logo.svgz!logo.svgz"
        );
        assert_eq!(member_path(".gz", ""), ".gz!.gz");
    }
}
