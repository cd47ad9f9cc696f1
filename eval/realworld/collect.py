#!/usr/bin/env python3
"""Run tokenhound and the peer scanners on the real-world trees and normalise their findings.

Steps (run and normalise by default):

  trees      checks each repository out at its recorded commit into TREES/<owner>+<name>
             (from the bare mirrors the `fetch` tool brings; see checkout())
  run        runs every tool on every tree listed in repos.json, writing the tools' own reports
             (which hold secret values: keep them OUTSIDE the repository) to OUT/raw/<tool>/<repo>.json
  normalise  turns the raw reports into OUT/findings/<tool>.jsonl, one finding a line:
             repo, commit, split, path, line, tool, rule, generic, value_hash (sha256 of the matched
             secret value), shape (length + character classes + entropy), context (the file's line,
             the value replaced by «VALUE», cut to 240 characters).

The normalised files still hold context lines from public repositories (redacted of the matched
value only): they stay outside the repository too. Only labels (value hashes, never values) and
these scripts are committed.

Trees are expected at TREES/<owner>+<name> (a checkout of the commit recorded in repos.json).

Examples:
  collect.py --trees /work/realworld --out /work/realworld-out
  collect.py --tools tokenhound --tool-name tokenhound-new --tokenhound target/release/tokenhound
  collect.py --tools kingfisher --tool-name kingfisher-nodedup --extra-args --no-dedup
  collect.py --step normalise
"""

import argparse
import hashlib
import json
import math
import os
import re
import subprocess
import sys
import time
from collections import Counter

HERE = os.path.dirname(os.path.abspath(__file__))
PEERS_BIN = "/work/bench/peers/bin"
MARK = "\u00abVALUE\u00bb"


def load_repos(path):
    with open(path) as f:
        return json.load(f)


def tree_dir(trees, repo, sub=""):
    """TREES/<owner>+<name>, or TREES/<owner>+<name>/SUB with --tree-subdir (eval/realworld2)."""
    d = os.path.join(trees, repo.replace("/", "+"))
    return os.path.join(d, sub) if sub else d


# ---------------------------------------------------------------- trees

def checkout(args, repos):
    """Write each repository's tree at its recorded commit to TREES/<owner>+<name> from a bare
    mirror (`fetch` puts one at MIRRORS/<owner>+<name>/repo), then make it a one-commit git
    repository holding every file (so git-aware scanners see a working tree whose files are all
    tracked). Blobs missing from a snapshot (files of 4 MiB and more) are skipped and listed in
    TREES/<owner>+<name>.missing."""
    for r in repos:
        dest = tree_dir(args.trees, r["repo"], args.tree_subdir)
        if os.path.exists(dest):
            print(f"{r['repo']}: {dest} exists, left alone", file=sys.stderr)
            continue
        m = os.path.join(args.mirrors, r["repo"].replace("/", "+"), "repo")
        ls = subprocess.run(["git", "--git-dir", m, "ls-tree", "-r", "-z", "--full-tree", r["commit"]],
                            capture_output=True, check=True).stdout.split(b"\0")
        entries = []
        for e in ls:
            if e:
                meta, path = e.split(b"\t", 1)
                mode, typ, sha = meta.split()
                if typ == b"blob":
                    entries.append((mode, sha.decode(), path.decode("utf-8", "surrogateescape")))
        p = subprocess.Popen(["git", "--git-dir", m, "cat-file", "--batch"], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE)
        missing = []
        for mode, sha, path in entries:
            p.stdin.write((sha + "\n").encode())
            p.stdin.flush()
            hdr = p.stdout.readline().split()
            if hdr[-1] == b"missing":
                missing.append(path)
                continue
            data = p.stdout.read(int(hdr[2]))
            p.stdout.read(1)
            fp = os.path.join(dest, path)
            os.makedirs(os.path.dirname(fp), exist_ok=True)
            if mode == b"120000":
                os.symlink(data.decode("utf-8", "surrogateescape"), fp)
            else:
                with open(fp, "wb") as f:
                    f.write(data)
                if mode == b"100755":
                    os.chmod(fp, 0o755)
        p.stdin.close()
        p.wait()
        with open(dest + ".missing", "w") as f:
            f.write("\n".join(missing))
        g = ["git", "-C", dest, "-c", "user.name=snapshot", "-c", "user.email=snapshot@localhost"]
        subprocess.run(g[:3] + ["init", "-q"], check=True)
        subprocess.run(g + ["add", "-A", "-f"], check=True)
        subprocess.run(g + ["commit", "-q", "-m", f"snapshot of {r['repo']} {r['commit']}"], check=True)
        print(f"{r['repo']}: {len(entries)} files, {len(missing)} missing", file=sys.stderr)


# ---------------------------------------------------------------- running

def commands(tool_kind, args, tree, out):
    """The command line that runs one tool on one tree, writing its JSON report to `out`.

    `--show-secrets` (tokenhound) and the peers' unredacted reports are needed only to hash the
    matched value; the raw reports never enter the repository."""
    if tool_kind == "tokenhound":
        return [args.tokenhound, "scan", tree, "--format", "json", "--show-secrets"] + args.extra_args, out
    if tool_kind == "gitleaks":
        return [args.gitleaks, "dir", tree, "--report-format", "json", "--report-path", out,
                "--no-banner", "--log-level", "error", "--exit-code", "0"] + args.extra_args, None
    if tool_kind == "betterleaks":
        return [args.betterleaks, "fs", tree, "--output", out, "--no-banner", "--log-level", "error",
                "--exit-code", "0"] + args.extra_args, None
    if tool_kind == "kingfisher":
        # --git-history none: the working tree only (the trees are one-commit checkouts, so full
        # history would report every working-tree finding twice).
        return [args.kingfisher, "scan", tree, "--no-validate", "--git-history", "none",
                "--format", "json", "--output", out] + args.extra_args, None
    raise SystemExit(f"unknown tool kind {tool_kind}")


def kind_of(tool_name):
    for k in ("tokenhound", "gitleaks", "betterleaks", "kingfisher"):
        if tool_name.startswith(k):
            return k
    raise SystemExit(f"tool name {tool_name!r} must start with tokenhound/gitleaks/betterleaks/kingfisher")


def run(args, repos):
    timings = {}
    for tool in args.tools:
        name = args.tool_name if (args.tool_name and len(args.tools) == 1) else tool
        kind = kind_of(name)
        d = os.path.join(args.out, "raw", name)
        os.makedirs(d, exist_ok=True)
        for r in repos:
            tree = tree_dir(args.trees, r["repo"], args.tree_subdir)
            out = os.path.join(d, r["repo"].replace("/", "+") + ".json")
            cmd, stdout_to = commands(kind, args, tree, out)
            t0 = time.time()
            with open(stdout_to or os.devnull, "w") as so:
                p = subprocess.run(cmd, stdout=so, stderr=subprocess.PIPE)
            dt = time.time() - t0
            timings[f"{name} {r['repo']}"] = round(dt, 2)
            ok = os.path.exists(out) and os.path.getsize(out) > 0
            print(f"{name:18} {r['repo']:42} rc={p.returncode} {dt:6.1f}s {'ok' if ok else 'NO REPORT'}",
                  file=sys.stderr)
            if not ok:
                sys.stderr.write(p.stderr.decode(errors="replace")[-2000:])
    with open(os.path.join(args.out, "raw", "timings.json"), "a") as f:
        f.write(json.dumps(timings) + "\n")


# ---------------------------------------------------------------- normalising

def shape(v):
    classes = []
    if re.search(r"[a-z]", v):
        classes.append("lower")
    if re.search(r"[A-Z]", v):
        classes.append("upper")
    if re.search(r"[0-9]", v):
        classes.append("digit")
    if re.search(r"[^A-Za-z0-9]", v):
        classes.append("symbol")
    hexish = bool(re.fullmatch(r"[0-9a-fA-F]+", v))
    n = len(v)
    ent = 0.0
    if n:
        for c in Counter(v).values():
            p = c / n
            ent -= p * math.log2(p)
    return {"len": n, "classes": "+".join(classes), "hex": hexish, "entropy": round(ent, 2),
            "multiline": "\n" in v}


def vhash(v):
    return hashlib.sha256(v.encode("utf-8", "surrogatepass")).hexdigest()


def relpath(p, tree):
    if os.path.isabs(p):
        p = os.path.relpath(p, tree)
    return p.replace(os.sep, "/")


def context(tree, path, line, value):
    """The finding's line with the value (or its first line) replaced by a marker."""
    fp = os.path.join(tree, path)
    try:
        with open(fp, "rb") as f:
            lines = f.read().decode("utf-8", errors="replace").split("\n")
    except OSError:
        return None
    if not (1 <= line <= len(lines)):
        return None
    text = lines[line - 1].rstrip("\r")
    first = value.split("\n")[0].rstrip("\r") if value else ""
    if first and first in text:
        text = text.replace(first, MARK)
        found = True
    else:
        found = False
    text = text.strip()
    if len(text) > 240:
        i = text.find(MARK)
        start = max(0, i - 120) if i >= 0 else 0
        text = ("…" if start else "") + text[start:start + 240] + "…"
    return text if found else "[value not on line] " + text


def generic_rule(kind, rule):
    r = rule.lower()
    return "generic" in r


def raw_findings(kind, data, tree):
    """Yield (path, line, rule, value) from one tool's report."""
    if kind == "tokenhound":
        for f in data.get("findings", []):
            path = f["path"]
            # a gzip-compressed file's content (`x.json.gz!x.json`) is located as betterleaks
            # locates it: the .gz file's path, the line in its decompressed content (members
            # of tar archives keep their `ARCHIVE!MEMBER` paths, as earlier sets labeled them)
            archive, _, member = path.partition("!")
            lower = archive.lower()
            if member and lower.endswith(".gz") and not lower.endswith((".tar.gz", ".tgz")):
                path = archive
            yield path, f["start_line"], f["rule_id"], f.get("secret") or ""
    elif kind == "gitleaks":
        for f in data or []:
            yield relpath(f["File"], tree), f["StartLine"], f["RuleID"], f.get("Secret") or ""
    elif kind == "betterleaks":
        for f in data.get("findings") or []:
            loc = f["location"]
            # file-level findings (e.g. pkcs12-file) carry no line: the file's first line
            yield (relpath(loc["path"], tree), loc.get("start_line", 1), f["rule_id"],
                   (f.get("match") or {}).get("value") or "")
    elif kind == "kingfisher":
        for f in data.get("findings") or []:
            fi = f["finding"]
            yield relpath(fi["path"], tree), fi["line"], f["rule"]["id"], fi.get("snippet") or ""


def normalise(args, repos):
    raw = os.path.join(args.out, "raw")
    outd = os.path.join(args.out, "findings")
    os.makedirs(outd, exist_ok=True)
    tools = [t for t in sorted(os.listdir(raw)) if os.path.isdir(os.path.join(raw, t))]
    if args.tool_name:
        tools = [args.tool_name]
    for name in tools:
        kind = kind_of(name)
        rows = []
        for r in repos:
            tree = tree_dir(args.trees, r["repo"], args.tree_subdir)
            fp = os.path.join(raw, name, r["repo"].replace("/", "+") + ".json")
            if not os.path.exists(fp):
                print(f"missing report {fp}", file=sys.stderr)
                continue
            with open(fp) as f:
                txt = f.read()
            data = json.loads(txt) if txt.strip() else {}
            for path, line, rule, value in raw_findings(kind, data, tree):
                rows.append({
                    "repo": r["repo"], "commit": r["commit"], "split": r["split"],
                    "path": path, "line": line, "tool": name, "rule": rule,
                    "generic": generic_rule(kind, rule),
                    "value_hash": vhash(value), "shape": shape(value),
                    "context": context(tree, path, line, value),
                })
        # one row per (location, rule, value): tools sometimes report a match twice
        seen, uniq = set(), []
        for x in rows:
            k = (x["repo"], x["path"], x["line"], x["rule"], x["value_hash"])
            if k not in seen:
                seen.add(k)
                uniq.append(x)
        with open(os.path.join(outd, name + ".jsonl"), "w") as f:
            for x in uniq:
                f.write(json.dumps(x, ensure_ascii=False) + "\n")
        print(f"{name}: {len(uniq)} findings ({len(rows) - len(uniq)} duplicates dropped)", file=sys.stderr)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repos", default=os.path.join(HERE, "repos.json"))
    ap.add_argument("--trees", default="/work/realworld")
    ap.add_argument("--out", default="/work/realworld-out")
    ap.add_argument("--step", choices=["trees", "run", "normalise", "all"], default="all",
                    help="trees: check the trees out from the mirrors (not part of all)")
    ap.add_argument("--mirrors", default="/work/.mirror")
    ap.add_argument("--tree-subdir", default="",
                    help="trees live at TREES/<owner>+<name>/SUBDIR (eval/realworld2 uses `repo`)")
    ap.add_argument("--tools", nargs="+", default=["tokenhound-base", "gitleaks", "betterleaks", "kingfisher"],
                    help="tool names; each starts with its kind (tokenhound*, gitleaks*, betterleaks*, kingfisher*)")
    ap.add_argument("--tool-name", help="report name for a single tool (e.g. tokenhound-new)")
    ap.add_argument("--only", nargs="*", help="only these repos (owner/name)")
    ap.add_argument("--tokenhound", default="/work/coord/bin/tokenhound-base")
    ap.add_argument("--extra-args", nargs=argparse.REMAINDER, default=[],
                    help="extra arguments for the tool(s) being run (must come last), "
                         "e.g. --tools kingfisher --tool-name kingfisher-nodedup --extra-args --no-dedup")
    ap.add_argument("--gitleaks", default=os.path.join(PEERS_BIN, "gitleaks"))
    ap.add_argument("--betterleaks", default=os.path.join(PEERS_BIN, "betterleaks"))
    ap.add_argument("--kingfisher", default=os.path.join(PEERS_BIN, "kingfisher"))
    args = ap.parse_args()
    repos = load_repos(args.repos)
    if args.only:
        repos = [r for r in repos if r["repo"] in args.only]
    if args.step == "trees":
        checkout(args, repos)
        return
    if args.step in ("run", "all"):
        run(args, repos)
    if args.step in ("normalise", "all"):
        if args.only:
            repos = load_repos(args.repos)
        normalise(args, repos)


if __name__ == "__main__":
    main()
