#!/usr/bin/env python3
"""Labeling helper for the real-world set: lists unlabeled locations and records decisions.

A location is (repo, path, line); every tool's findings there are labeled once.

  label.py pending [--repo R] [--split dev|held-aside] [--blind]
      prints every unlabeled location: an id, the tools and rules that reported it, the value
      shapes, and the file's actual line (UNREDACTED, on the terminal only: never paste it into
      a committed file). --blind leaves out tools, rules and shapes: the held-aside part is
      labeled from that listing.
  label.py apply DECISIONS
      DECISIONS is a text file of lines `ID LABEL REASON…` (LABEL: credential, placeholder,
      not-secret); each becomes a labels.jsonl entry keyed by (repo, commit, path, line,
      value_hash) with every value hash the tools matched there. Lines starting with # are
      ignored. A later decision for the same id replaces an earlier one.

Findings come from OUT/findings/*.jsonl (collect.py).
"""

import argparse
import glob
import hashlib
import json
import os
import sys
from collections import defaultdict

HERE = os.path.dirname(os.path.abspath(__file__))
LABELS = os.path.join(HERE, "labels.jsonl")
KINDS = ("credential", "placeholder", "not-secret")


def loc_id(repo, path, line):
    return hashlib.sha256(f"{repo}\0{path}\0{line}".encode()).hexdigest()[:10]


def load_findings(out, tools=None):
    rows = []
    for fp in sorted(glob.glob(os.path.join(out, "findings", "*.jsonl"))):
        tool = os.path.basename(fp)[:-6]
        if tools and tool not in tools:
            continue
        with open(fp) as f:
            rows += [json.loads(x) for x in f if x.strip()]
    return rows


def load_labels(path=None):
    path = path or LABELS
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [json.loads(x) for x in f if x.strip()]


def group(rows):
    g = defaultdict(list)
    for x in rows:
        g[(x["repo"], x["path"], x["line"])].append(x)
    return g


def pending(args):
    rows = load_findings(args.out, args.tools)
    labeled = {(l["repo"], l["path"], l["line"]) for l in load_labels(args.labels)}
    g = group(rows)
    n = 0
    for key in sorted(g):
        repo, path, line = key
        fs = g[key]
        if key in labeled:
            continue
        if args.repo and repo != args.repo:
            continue
        if args.split and fs[0]["split"] != args.split:
            continue
        n += 1
        tree = os.path.join(args.trees, repo.replace("/", "+"), *([args.tree_subdir] if args.tree_subdir else []))
        try:
            with open(os.path.join(tree, path), "rb") as f:
                text = f.read().decode("utf-8", errors="replace").split("\n")[line - 1].strip()
        except (OSError, IndexError):
            text = "<unreadable>"
        if len(text) > args.width:
            text = text[:args.width] + "…"
        if args.blind:
            # the held-aside part is labeled from this alone: no tool, rule or value shape
            print(f"{loc_id(*key)} {repo} {path}:{line}\n    | {text}")
            continue
        tools = sorted({f"{x['tool']}:{x['rule']}" for x in fs})
        shapes = sorted({f"{x['shape']['len']}/{x['shape']['classes']}/{x['shape']['entropy']}" for x in fs})
        print(f"{loc_id(*key)} {repo} {path}:{line}\n    {' '.join(tools)}  [{' '.join(shapes)}]\n    | {text}")
    print(f"{n} pending", file=sys.stderr)


def apply(args):
    rows = load_findings(args.out)
    g = group(rows)
    by_id = {loc_id(*k): k for k in g}
    labels = {(l["repo"], l["path"], l["line"]): l for l in load_labels(args.labels)}
    n = 0
    with open(args.decisions) as f:
        for ln in f:
            ln = ln.strip()
            if not ln or ln.startswith("#"):
                continue
            parts = ln.split(None, 2)
            if len(parts) < 3:
                sys.exit(f"bad decision line: {ln}")
            i, lab, reason = parts
            if lab not in KINDS:
                sys.exit(f"bad label {lab!r} in: {ln}")
            if i not in by_id:
                sys.exit(f"unknown id {i}")
            key = by_id[i]
            fs = g[key]
            alias = None
            if reason.startswith("="):
                a, _, reason = reason.partition(" ")
                if a[1:] not in by_id:
                    sys.exit(f"unknown alias id {a}")
                alias = by_id[a[1:]]
            # the primary value: tokenhound's if it reported the location, else the longest match
            th = [x for x in fs if x["tool"].startswith("tokenhound")]
            prim = (th or sorted(fs, key=lambda x: -x["shape"]["len"]))[0]
            labels[key] = {
                "repo": key[0], "commit": fs[0]["commit"], "split": fs[0]["split"],
                "path": key[1], "line": key[2], "value_hash": prim["value_hash"],
                "value_hashes": sorted({x["value_hash"] for x in fs}),
                "label": lab, "reason": reason,
            }
            if alias:
                # the same secret as at another location (e.g. a rule that reports a Kubernetes
                # Secret at its `kind: Secret` line): scoring counts the two as one credential
                labels[key]["same_as"] = {"path": alias[1], "line": alias[2]}
            n += 1
    with open(args.labels or LABELS, "w") as f:
        for k in sorted(labels):
            f.write(json.dumps(labels[k], ensure_ascii=False) + "\n")
    print(f"{n} decisions applied, {len(labels)} labels", file=sys.stderr)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default="/work/realworld-out")
    ap.add_argument("--trees", default="/work/realworld")
    ap.add_argument("--tree-subdir", default="", help="trees at TREES/<owner>+<name>/SUBDIR")
    ap.add_argument("--labels", help="labels file (default labels.jsonl next to this script)")
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("pending")
    p.add_argument("--repo")
    p.add_argument("--split", choices=["dev", "held-aside"])
    p.add_argument("--tools", nargs="*")
    p.add_argument("--width", type=int, default=220)
    p.add_argument("--blind", action="store_true",
                   help="id, repository, path, line and the file's line only (for the held-aside part)")
    p = sub.add_parser("apply")
    p.add_argument("decisions")
    args = ap.parse_args()
    {"pending": pending, "apply": apply}[args.cmd](args)


if __name__ == "__main__":
    main()
