#!/usr/bin/env python3
"""Generic findings on the five benchmark trees (issue 11: "generic findings on the five
benchmark trees before/after, each remaining one labeled").

The trees are the working trees `../shared/bench/corpus.sh` builds (CORPUS/tree/<name>, pinned
commits in CORPUS/MANIFEST.tsv). A finding is in scope when its rule id starts with `generic.` or
its rule has `precision = 'low'` (today all low-precision rules are generic.*).

  bench_generic.py scan BIN NAME [--min-confidence low]
      scans each tree with BIN (`scan TREE --format json --show-secrets`, the values only to hash
      them) into OUT/NAME-<tree>.json (OUT is outside the repository: reports hold secrets)
  bench_generic.py pending NAME...
      lists in-scope findings of those runs at (tree, path, line, value) nobody labeled: an id, the
      rule and confidence, and the file's line (UNREDACTED, on the terminal only)
  bench_generic.py apply DECISIONS
      DECISIONS: lines `ID LABEL REASON…` (credential, placeholder, not-secret); # comments
  bench_generic.py count NAME...
      per tree and run: in-scope findings reported, by confidence, and by label (unlabeled counted)

labels.jsonl holds one entry per (tree, path, line, value_hash): the SHA-256 of the matched value,
never the value; the same value on the same line found by another build keeps its label.
"""
import argparse
import collections
import glob
import hashlib
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
LABELS = os.path.join(HERE, "labels.jsonl")
TREES = ("git", "terraform", "moby", "babel", "aws-sdk-go")
KINDS = ("credential", "placeholder", "not-secret")


def low_precision_rules(binary=None):
    """Rule ids with precision 'low', read from the repository's rules/*.toml."""
    import tomllib

    ids = set()
    for p in glob.glob(os.path.join(HERE, "..", "..", "rules", "*.toml")):
        with open(p, "rb") as f:
            d = tomllib.load(f)
        for r in d.get("rules", []):
            if r.get("precision") == "low":
                ids.add(r["id"])
    return ids


LOW = low_precision_rules()


def in_scope(f):
    return f["rule_id"].startswith("generic.") or f["rule_id"] in LOW


def vhash(s):
    return hashlib.sha256(s.encode()).hexdigest()


def key_id(tree, path, line, h):
    return hashlib.sha256(f"{tree}\0{path}\0{line}\0{h}".encode()).hexdigest()[:10]


def manifest(corpus):
    m = {}
    try:
        with open(os.path.join(corpus, "MANIFEST.tsv")) as f:
            for ln in f:
                p = ln.rstrip("\n").split("\t")
                if len(p) >= 4 and p[0] == "tree":
                    m[p[2]] = (p[1], p[3])
    except OSError:
        pass
    return m


def load_run(out, name, tree):
    p = os.path.join(out, f"{name}-{tree}.json")
    if not os.path.exists(p):
        return None
    with open(p) as f:
        return json.load(f)


def rows(args, name):
    for tree in TREES:
        d = load_run(args.out, name, tree)
        if d is None:
            continue
        for f in d["findings"]:
            if in_scope(f):
                yield tree, f


def load_labels():
    if not os.path.exists(LABELS):
        return {}
    with open(LABELS) as f:
        ls = [json.loads(x) for x in f if x.strip()]
    return {(l["tree"], l["path"], l["line"], l["value_hash"]): l for l in ls}


def scan(args):
    os.makedirs(args.out, exist_ok=True)
    for tree in TREES:
        cmd = [args.binary, "scan", os.path.join(args.corpus, "tree", tree), "--format", "json", "--show-secrets"]
        if args.min_confidence:
            cmd += ["--min-confidence", args.min_confidence]
        with open(os.path.join(args.out, f"{args.name}-{tree}.json"), "w") as fo:
            rc = subprocess.run(cmd, stdout=fo, stderr=subprocess.DEVNULL).returncode
        print(f"{args.name} {tree} rc={rc}", file=sys.stderr)


def pending(args):
    labels = load_labels()
    seen = set()
    n = 0
    for name in args.names:
        for tree, f in rows(args, name):
            h = vhash(f["secret"])
            k = (tree, f["path"], f["start_line"], h)
            if k in labels or k in seen:
                continue
            seen.add(k)
            n += 1
            try:
                with open(os.path.join(args.corpus, "tree", tree, f["path"]), "rb") as fi:
                    text = fi.read().decode("utf-8", "replace").split("\n")[f["start_line"] - 1].strip()
            except (OSError, IndexError):
                text = "<unreadable>"
            print(f"{key_id(*k)} {tree} {f['path']}:{f['start_line']} {f['rule_id']} {f.get('confidence')} [{name}]\n    | {text[:args.width]}")
    print(f"{n} pending", file=sys.stderr)


def apply(args):
    labels = load_labels()
    m = manifest(args.corpus)
    cands = {}
    for name in args.names:
        for tree, f in rows(args, name):
            k = (tree, f["path"], f["start_line"], vhash(f["secret"]))
            cands[key_id(*k)] = (k, f)
    n = 0
    with open(args.decisions) as fd:
        for ln in fd:
            ln = ln.strip()
            if not ln or ln.startswith("#"):
                continue
            i, lab, reason = ln.split(None, 2)
            if lab not in KINDS:
                sys.exit(f"bad label in: {ln}")
            if i not in cands:
                sys.exit(f"unknown id {i} (give the run names that reported it)")
            (tree, path, line, h), f = cands[i]
            repo, commit = m.get(tree, (tree, ""))
            labels[(tree, path, line, h)] = {
                "tree": tree, "repo": repo, "commit": commit, "path": path, "line": line,
                "rule": f["rule_id"], "value_hash": h, "label": lab, "reason": reason,
            }
            n += 1
    with open(LABELS, "w") as fo:
        for k in sorted(labels):
            fo.write(json.dumps(labels[k], ensure_ascii=False) + "\n")
    print(f"{n} decisions applied, {len(labels)} labels", file=sys.stderr)


def count(args):
    labels = load_labels()
    print("| tree | run | in-scope findings | high | medium | low | credential | placeholder | not-secret | unlabeled |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    tot = collections.defaultdict(collections.Counter)
    for tree in TREES:
        for name in args.names:
            d = load_run(args.out, name, tree)
            if d is None:
                continue
            c = collections.Counter()
            for f in d["findings"]:
                if not in_scope(f):
                    continue
                c["n"] += 1
                c[f.get("confidence", "?")] += 1
                l = labels.get((tree, f["path"], f["start_line"], vhash(f["secret"])))
                c[l["label"] if l else "unlabeled"] += 1
            tot[name].update(c)
            print(f"| {tree} | {name} | {c['n']} | {c['high']} | {c['medium']} | {c['low']} | {c['credential']} | {c['placeholder']} | {c['not-secret']} | {c['unlabeled']} |")
    for name, c in tot.items():
        print(f"| **all** | {name} | {c['n']} | {c['high']} | {c['medium']} | {c['low']} | {c['credential']} | {c['placeholder']} | {c['not-secret']} | {c['unlabeled']} |")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", default="/work/bench/corpus")
    ap.add_argument("--out", default="/work/realworld-out/bench")
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("scan")
    s.add_argument("binary")
    s.add_argument("name")
    s.add_argument("--min-confidence")
    s.set_defaults(fn=scan)
    s = sub.add_parser("pending")
    s.add_argument("names", nargs="+")
    s.add_argument("--width", type=int, default=200)
    s.set_defaults(fn=pending)
    s = sub.add_parser("apply")
    s.add_argument("decisions")
    s.add_argument("--names", nargs="+", default=["base", "now", "now-low"])
    s.set_defaults(fn=apply)
    s = sub.add_parser("count")
    s.add_argument("names", nargs="+")
    s.set_defaults(fn=count)
    args = ap.parse_args()
    args.fn(args)


if __name__ == "__main__":
    main()
