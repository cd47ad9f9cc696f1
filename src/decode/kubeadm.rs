//! Decoder (step 5) for kubeadm bootstrap tokens (tokens.md §11) with their context: the
//! bootstrap-token Secret around them (`expiration`, `usage-*`, `auth-extra-groups`, plain
//! `stringData` or base64 `data`), the kubeadm config entry (`bootstrapTokens[].ttl`) or the
//! command line (`--ttl`, `--token-ttl`). Only the public token id is reported.

use super::{Context, parse_time, yaml_document};
use crate::codec::b64_decode;

/// The group every kubeadm node-join token carries.
pub const DEFAULT_GROUP: &str = "system:bootstrappers:kubeadm:default-node-token";
/// kubeadm's default ttl.
const DEFAULT_TTL: i64 = 24 * 3600;

/// Split `abcdef.0123456789abcdef` into (id, secret).
pub fn split_token(s: &str) -> Option<(&str, &str)> {
    let (id, secret) = s.split_once('.')?;
    let ok = |p: &str, n: usize| {
        p.len() == n
            && p.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    };
    (ok(id, 6) && ok(secret, 16)).then_some((id, secret))
}

/// Parse a Go duration (`24h0m0s`, `0`, `90m`, `1.5h`) into seconds.
pub fn parse_go_duration(s: &str) -> Option<i64> {
    let s = s.trim().trim_matches(|c| c == '"' || c == '\'');
    if s == "0" {
        return Some(0);
    }
    let mut total = 0f64;
    let mut rest = s;
    if rest.is_empty() {
        return None;
    }
    while !rest.is_empty() {
        let n = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        if n == 0 {
            return None;
        }
        let v: f64 = rest[..n].parse().ok()?;
        rest = &rest[n..];
        let u = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let mul = match &rest[..u] {
            "h" => 3600.0,
            "m" => 60.0,
            "s" => 1.0,
            "ms" => 1e-3,
            "us" | "µs" => 1e-6,
            "ns" => 1e-9,
            _ => return None,
        };
        total += v * mul;
        rest = &rest[u..];
    }
    (total.is_finite() && total < 1e15).then_some(total as i64)
}

fn yaml_value(line: &str) -> &str {
    let v = line.split_once(':').map_or("", |(_, v)| v).trim();
    let v = v.split(" #").next().unwrap_or(v).trim();
    v.trim_matches(|c| c == '"' || c == '\'')
}

fn decoded_value(raw: &str) -> String {
    if let Some(b) = b64_decode(raw)
        && let Ok(s) = String::from_utf8(b)
        && !s.is_empty()
        && s.chars().all(|c| !c.is_control())
    {
        return s;
    }
    raw.to_string()
}

/// What a bootstrap-token Secret says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BootstrapSecret {
    /// `expiration` (Unix seconds).
    pub expiration: Option<i64>,
    /// `expiration` is present but not a time.
    pub expiration_unreadable: bool,
    /// `usage-bootstrap-*` set to true (without the prefix).
    pub usages: Vec<String>,
    /// `auth-extra-groups`.
    pub groups: Vec<String>,
}

impl BootstrapSecret {
    /// Groups beyond the default node-join group.
    pub fn extra_groups(&self) -> bool {
        self.groups.iter().any(|g| g != DEFAULT_GROUP)
    }
}

/// Where a bootstrap token's lifetime was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TtlSource {
    /// A kubeadm config (`bootstrapTokens[].ttl`).
    Config,
    /// A `kubeadm` command line (`--ttl`, `--token-ttl`).
    CommandLine,
    /// Nothing around the token states it: kubeadm's default applies.
    Default,
}

impl TtlSource {
    /// Property spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            TtlSource::Config => "kubeadm-config",
            TtlSource::CommandLine => "command-line",
            TtlSource::Default => "default",
        }
    }
}

/// What a bootstrap token and its context say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KubeadmFacts {
    /// The public token id.
    pub token_id: Option<String>,
    /// Found as a kubeconfig `token:`.
    pub in_kubeconfig: bool,
    /// The bootstrap-token Secret holding the token, if it is in one.
    pub secret: Option<BootstrapSecret>,
    /// Where the ttl was read (outside Secrets).
    pub ttl_source: TtlSource,
    /// The ttl in seconds (`None`: unreadable, or not stated when the source is the default).
    pub ttl: Option<i64>,
    /// The ttl as written, when it is present but unparseable.
    pub ttl_unparsed: Option<String>,
}

/// kubeadm's default ttl.
pub const DEFAULT_TTL_SECONDS: i64 = DEFAULT_TTL;

/// Read a bootstrap token and its context.
pub fn facts(secret: &str, ctx: &Context<'_>) -> KubeadmFacts {
    let mut f = KubeadmFacts {
        token_id: split_token(secret.trim()).map(|(id, _)| id.to_string()),
        in_kubeconfig: false,
        secret: None,
        ttl_source: TtlSource::Default,
        ttl: None,
        ttl_unparsed: None,
    };
    let (_, doc) = yaml_document(ctx.chunk, ctx.chunk_range.start);
    let doc_s = String::from_utf8_lossy(doc);
    let is_secret = doc_s.lines().any(|l| {
        let l = l.trim();
        l.starts_with("type:") && yaml_value(l) == "bootstrap.kubernetes.io/token"
    });
    if is_secret {
        let mut s = BootstrapSecret::default();
        for l in doc_s.lines() {
            let t = l.trim();
            let Some((k, _)) = t.split_once(':') else {
                continue;
            };
            let raw = yaml_value(t);
            match k.trim().trim_matches('"') {
                "expiration" => {
                    s.expiration = parse_time(raw).or_else(|| parse_time(&decoded_value(raw)));
                    s.expiration_unreadable = s.expiration.is_none();
                }
                "token-id" => {
                    let v = decoded_value(raw);
                    if v.len() == 6 {
                        f.token_id = Some(v);
                    }
                }
                k if k.starts_with("usage-bootstrap-") && decoded_value(raw) == "true" => {
                    s.usages
                        .push(k.trim_start_matches("usage-bootstrap-").to_string());
                }
                "auth-extra-groups" => {
                    s.groups = decoded_value(raw)
                        .split(',')
                        .map(|g| g.trim().to_string())
                        .filter(|g| !g.is_empty())
                        .collect();
                }
                _ => {}
            }
        }
        f.secret = Some(s);
    } else if let Some((src, t)) = config_ttl(ctx).or_else(|| command_ttl(ctx)) {
        f.ttl_source = src;
        f.ttl = t;
    }
    f
}

/// `bootstrapTokens[].ttl` of the list item holding the token, in a kubeadm YAML config.
fn config_ttl(ctx: &Context<'_>) -> Option<(TtlSource, Option<i64>)> {
    let (start, doc) = yaml_document(ctx.chunk, ctx.chunk_range.start);
    let doc_s = String::from_utf8_lossy(doc);
    if !doc_s.contains("bootstrapTokens") && !doc_s.contains("kubeadm.k8s.io") {
        return None;
    }
    let at = ctx.chunk_range.start.saturating_sub(start);
    let lines: Vec<&str> = doc_s.split('\n').collect();
    let mut pos = 0;
    let mut idx = 0;
    for (i, l) in lines.iter().enumerate() {
        if pos + l.len() >= at {
            idx = i;
            break;
        }
        pos += l.len() + 1;
    }
    let lead = |l: &str| l.len() - l.trim_start().len();
    let key_col = |l: &str| {
        let t = l.trim_start();
        lead(l) + if t.starts_with("- ") { 2 } else { 0 }
    };
    let tok_col = key_col(lines[idx]);
    let Some(item_start) = (0..=idx)
        .rev()
        .find(|&i| lines[i].trim_start().starts_with("- ") && lead(lines[i]) < tok_col)
    else {
        return json_ttl(&doc_s, at).map(|t| (TtlSource::Config, t));
    };
    let item_indent = lead(lines[item_start]);
    let mut ttl_line = None;
    for (i, l) in lines.iter().enumerate().skip(item_start) {
        if i > item_start && !l.trim().is_empty() && lead(l) <= item_indent {
            break;
        }
        let body = l.trim_start_matches([' ', '-']).trim_end();
        if body.starts_with("ttl:") && key_col(l) == item_indent + 2 {
            ttl_line = Some(body);
        }
    }
    match ttl_line {
        Some(l) => Some((TtlSource::Config, parse_go_duration(yaml_value(l)))),
        None => Some((TtlSource::Config, Some(DEFAULT_TTL))),
    }
}

/// `"ttl"` of the JSON object holding the token (kubeadm configs written as JSON).
fn json_ttl(doc: &str, at: usize) -> Option<Option<i64>> {
    let at = (0..=at.min(doc.len()))
        .rev()
        .find(|&i| doc.is_char_boundary(i))?;
    let open = doc[..at].rfind('{')?;
    let close = doc[at..].find('}').map_or(doc.len(), |i| at + i);
    let obj = &doc[open..close];
    let i = obj.find("\"ttl\"")?;
    let rest = obj[i + 5..].trim_start().strip_prefix(':')?.trim_start();
    let v = rest.strip_prefix('"')?;
    let v = &v[..v.find('"')?];
    Some(parse_go_duration(v))
}

/// `--ttl` / `--token-ttl` on the (backslash-continued) command line holding the token.
fn command_ttl(ctx: &Context<'_>) -> Option<(TtlSource, Option<i64>)> {
    let t = ctx.chunk;
    let at = ctx.chunk_range.start.min(t.len());
    // widen to continued lines on both sides
    let mut s = at;
    loop {
        let ls = t[..s]
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1);
        if ls >= 2 && t[..ls - 1].ends_with(b"\\") {
            s = ls - 1;
        } else {
            s = ls;
            break;
        }
    }
    let mut e = at;
    loop {
        let le = t[e..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(t.len(), |i| e + i);
        let line = &t[..le];
        if le < t.len() && (line.ends_with(b"\\") || line.ends_with(b"\\\r")) {
            e = le + 1;
        } else {
            e = le;
            break;
        }
    }
    let cmd = String::from_utf8_lossy(&t[s..e]).replace("\\\n", " ");
    if !cmd.contains("kubeadm") {
        return None;
    }
    let words: Vec<&str> = cmd.split_whitespace().collect();
    for (i, w) in words.iter().enumerate() {
        for flag in ["--ttl", "--token-ttl"] {
            if let Some(v) = w.strip_prefix(flag) {
                let val = match v.strip_prefix('=') {
                    Some(v) => Some(v),
                    None if v.is_empty() => words.get(i + 1).copied(),
                    None => continue,
                };
                return Some((TtlSource::CommandLine, val.and_then(parse_go_duration)));
            }
        }
    }
    if cmd.contains("token create") || cmd.contains("kubeadm init") {
        return Some((TtlSource::CommandLine, Some(DEFAULT_TTL)));
    }
    None
}
