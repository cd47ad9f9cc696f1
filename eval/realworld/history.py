#!/usr/bin/env python3
"""tokenhound over the full git history of a set's dev repositories, and labels for what history adds.

A set is a folder (eval/realworld2, eval/realworld3, …) holding repos.json and history-labels.jsonl;
each has a `history.py` that runs this script with `--set` that folder. The working-tree part
(repos.json, labels.jsonl) is scored with eval/realworld/score.py; this script covers
`tokenhound scan --history` (default --min-confidence) on full clones of the DEV part only.
--out and --trees default to /work/<set>-out and /work/<set>.

  history.py clone                       git clone --no-checkout MIRRORS/<o>+<n>/repo TREES/<o>+<n>/full
  history.py run --tokenhound BIN --name NAME
                                         scan each dev clone's history, write OUT/hist/NAME.jsonl
                                         (one finding a line: repo, commit, path, line, rule,
                                         confidence, value_hash, in_tree = the value is also among
                                         the working-tree labels; never the value itself)
  history.py pending NAME                unlabeled findings with an id and the line (UNREDACTED, on
                                         the terminal only)
  history.py apply DECISIONS             lines `ID LABEL REASON` (credential, placeholder,
                                         not-secret) into history-labels.jsonl
  history.py score NAME...               findings, how many history adds beyond the working tree,
                                         and precision over all history findings and over the added

A history finding is keyed by (repo, commit, path, line); labels carry the value's SHA-256 only.
"""

import argparse
import hashlib
import json
import os
import subprocess
import sys

# the set's folder and its labels (set from --set in main)
HERE = ""
LABELS = ""
KINDS = ("credential", "placeholder", "not-secret")


def repos(args):
    with open(os.path.join(HERE, "repos.json")) as f:
        return [r for r in json.load(f) if r["split"] == "dev"]


def clone_dir(args, repo):
    return os.path.join(args.trees, repo.replace("/", "+"), "full")


def vhash(v):
    return hashlib.sha256(v.encode("utf-8", "surrogatepass")).hexdigest()


def key_id(repo, commit, path, line):
    return hashlib.sha256(f"{repo}\0{commit}\0{path}\0{line}".encode()).hexdigest()[:10]


def load_jsonl(fp):
    if not os.path.exists(fp):
        return []
    with open(fp) as f:
        return [json.loads(x) for x in f if x.strip()]


def clone(args):
    for r in repos(args):
        d = clone_dir(args, r["repo"])
        if os.path.exists(d):
            continue
        m = os.path.join(args.mirrors, r["repo"].replace("/", "+"), "repo")
        subprocess.run(["git", "clone", "-q", "--no-checkout", m, d], check=True)


def run(args):
    tree_hashes = {h for l in load_jsonl(os.path.join(HERE, "labels.jsonl")) for h in l["value_hashes"]}
    rows = []
    for r in repos(args):
        d = clone_dir(args, r["repo"])
        out = os.path.join(args.out, "hist", f"{args.name}-{r['repo'].replace('/', '+')}.json")
        os.makedirs(os.path.dirname(out), exist_ok=True)
        subprocess.run([args.tokenhound, "scan", "--history", d, "--format", "json", "--show-secrets",
                        "-o", out] + args.extra_args, check=False)
        with open(out) as f:
            data = json.load(f)
        for x in data.get("findings", []):
            h = vhash(x.get("secret") or "")
            rows.append({"repo": r["repo"], "commit": x.get("commit"), "path": x["path"],
                         "line": x["start_line"], "rule": x["rule_id"], "confidence": x.get("confidence"),
                         "value_hash": h, "in_tree": h in tree_hashes})
    with open(os.path.join(args.out, "hist", args.name + ".jsonl"), "w") as f:
        for x in rows:
            f.write(json.dumps(x) + "\n")
    print(f"{args.name}: {len(rows)} history findings", file=sys.stderr)


def line_of(args, x):
    if x["path"].startswith("commit ") and " message" in x["path"]:
        text = subprocess.run(["git", "-C", clone_dir(args, x["repo"]), "show", "-s", "--format=%B",
                               x["commit"]], capture_output=True).stdout
    else:
        text = subprocess.run(["git", "-C", clone_dir(args, x["repo"]), "show", f"{x['commit']}:{x['path']}"],
                              capture_output=True).stdout
    lines = text.decode("utf-8", errors="replace").split("\n")
    return lines[x["line"] - 1].strip() if 0 < x["line"] <= len(lines) else "<unreadable>"


def labels_by_key():
    return {(l["repo"], l["commit"], l["path"], l["line"]): l for l in load_jsonl(LABELS)}


def pending(args):
    lab = labels_by_key()
    n = 0
    for x in load_jsonl(os.path.join(args.out, "hist", args.name + ".jsonl")):
        k = (x["repo"], x["commit"], x["path"], x["line"])
        if k in lab:
            continue
        n += 1
        print(f"{key_id(*k)} {x['repo']} {x['commit'][:10]} {x['path']}:{x['line']} {x['rule']} "
              f"{x['confidence']} {'in-tree' if x['in_tree'] else 'ADDED'}\n    | {line_of(args, x)[:220]}")
    print(f"{n} pending", file=sys.stderr)


def apply(args):
    found = {}
    for fp in sorted(os.listdir(os.path.join(args.out, "hist"))):
        if fp.endswith(".jsonl"):
            for x in load_jsonl(os.path.join(args.out, "hist", fp)):
                found[key_id(x["repo"], x["commit"], x["path"], x["line"])] = x
    lab = labels_by_key()
    with open(args.decisions) as f:
        for ln in f:
            ln = ln.strip()
            if not ln or ln.startswith("#"):
                continue
            i, kind, reason = ln.split(None, 2)
            if kind not in KINDS or i not in found:
                sys.exit(f"bad decision: {ln}")
            x = found[i]
            lab[(x["repo"], x["commit"], x["path"], x["line"])] = {
                "repo": x["repo"], "commit": x["commit"], "path": x["path"], "line": x["line"],
                "value_hash": x["value_hash"], "in_tree": x["in_tree"], "label": kind, "reason": reason}
    with open(LABELS, "w") as f:
        for k in sorted(lab):
            f.write(json.dumps(lab[k], ensure_ascii=False) + "\n")
    print(f"{len(lab)} history labels", file=sys.stderr)


def score(args):
    lab = labels_by_key()
    print(f"{'tool':22} {'findings':>8} {'added':>6} {'unlab':>6} {'prec':>6} {'added TP':>8} {'added FP':>8}")
    for name in args.names:
        rows = load_jsonl(os.path.join(args.out, "hist", name + ".jsonl"))
        ls = [lab.get((x["repo"], x["commit"], x["path"], x["line"])) for x in rows]
        tp = sum(1 for l in ls if l and l["label"] == "credential")
        labeled = sum(1 for l in ls if l)
        added = [(x, l) for x, l in zip(rows, ls) if not x["in_tree"]]
        atp = sum(1 for _, l in added if l and l["label"] == "credential")
        afp = sum(1 for _, l in added if l and l["label"] != "credential")
        prec = f"{tp / labeled:.2f}" if labeled else "  -"
        print(f"{name:22} {len(rows):8} {len(added):6} {len(rows) - labeled:6} {prec:>6} {atp:8} {afp:8}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--set", required=True, help="the set's folder (repos.json, history-labels.jsonl)")
    ap.add_argument("--out", help="default /work/<set>-out")
    ap.add_argument("--trees", help="default /work/<set>")
    ap.add_argument("--mirrors", default="/work/.mirror")
    sub = ap.add_subparsers(dest="cmd", required=True)
    sub.add_parser("clone")
    p = sub.add_parser("run")
    p.add_argument("--tokenhound", required=True)
    p.add_argument("--name", required=True)
    p.add_argument("--extra-args", nargs=argparse.REMAINDER, default=[])
    p = sub.add_parser("pending")
    p.add_argument("name")
    p = sub.add_parser("apply")
    p.add_argument("decisions")
    p = sub.add_parser("score")
    p.add_argument("names", nargs="+")
    args = ap.parse_args()
    global HERE, LABELS
    HERE = os.path.abspath(args.set)
    LABELS = os.path.join(HERE, "history-labels.jsonl")
    name = os.path.basename(HERE)
    args.out = args.out or f"/work/{name}-out"
    args.trees = args.trees or f"/work/{name}"
    {"clone": clone, "run": run, "pending": pending, "apply": apply, "score": score}[args.cmd](args)


if __name__ == "__main__":
    main()
