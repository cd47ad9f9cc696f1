#!/usr/bin/env python3
"""Score tools' normalised findings (collect.py) against the hand labels (labels.jsonl).

For each tool and each part (dev, held-aside) it prints:
  findings    the tool's findings (after collect.py's de-duplication of identical rule+value+line)
  locs        distinct (path, line) locations among them
  unlab       findings at locations nobody has labeled yet (label them: --unlabeled TOOL)
  prec        precision: share of labeled findings whose location is labeled `credential`
  prec@loc    the same over distinct locations (one noisy line with 1,000 matches counts once)
  recall      share of the union of labeled credentials (every credential any tool found,
              tokenhound included) that the tool reported; two locations marked `same_as`
              (e.g. a Kubernetes Secret's header and its data line) are one credential
  TP/FP/FN    credential findings, non-credential findings, credentials missed (by location)
and the same split by rule class: `generic` rules (rule id contains "generic") and `provider`
rules (everything else: provider formats, private keys, JWTs...). A credential's class for recall
is `provider` when any tool reported it with a provider rule, else `generic`; recall per class uses
all of a tool's findings. Placeholder and not-secret both count as false positives.

  score.py                               all tools in OUT/findings
  score.py --tools tokenhound-base gitleaks
  score.py --unlabeled tokenhound-new    list that tool's unlabeled findings (redacted context)
  score.py --errors tokenhound-new       its false positives and missed credentials (dev part;
                                         --part held-aside only to report, never to tune)
  score.py --json                        machine-readable figures
"""

import argparse
import glob
import json
import os
import sys
from collections import defaultdict

HERE = os.path.dirname(os.path.abspath(__file__))
PARTS = ("dev", "held-aside")


def load_jsonl(path):
    with open(path) as f:
        return [json.loads(x) for x in f if x.strip()]


def load_tools(out, names):
    tools = {}
    for fp in sorted(glob.glob(os.path.join(out, "findings", "*.jsonl"))):
        name = os.path.basename(fp)[:-6]
        if names and name not in names:
            continue
        tools[name] = load_jsonl(fp)
    missing = set(names or []) - set(tools)
    if missing:
        sys.exit(f"no normalised findings for {sorted(missing)} in {out}/findings")
    return tools


class Labels:
    def __init__(self, rows):
        self.by_loc = defaultdict(list)
        for l in rows:
            self.by_loc[(l["repo"], l["path"], l["line"])].append(l)

    def lookup(self, f):
        """The label entry for a finding, or None when its location is unlabeled."""
        cands = self.by_loc.get((f["repo"], f["path"], f["line"]))
        if not cands:
            return None
        if len(cands) == 1:
            return cands[0]
        for l in cands:
            if f["value_hash"] in l.get("value_hashes", [l["value_hash"]]):
                return l
        return None

    @staticmethod
    def cred_id(l):
        s = l.get("same_as")
        if s:
            return (l["repo"], s["path"], s["line"])
        return (l["repo"], l["path"], l["line"])

    def credentials(self):
        return {self.cred_id(l): l for ls in self.by_loc.values() for l in ls if l["label"] == "credential"}


def ratio(a, b):
    return a / b if b else float("nan")


def score(tools, labels):
    creds = labels.credentials()
    # a credential is of class `provider` when any tool reported it with a non-generic rule
    cred_class = {c: "generic" for c in creds}
    for rows in tools.values():
        for f in rows:
            l = labels.lookup(f)
            if l and l["label"] == "credential" and not f["generic"]:
                cred_class[Labels.cred_id(l)] = "provider"
    split_of = {c: l["split"] for c, l in creds.items()}
    res = {}
    for name, rows in tools.items():
        for part in PARTS:
            for cls in ("all", "generic", "provider"):
                fs = [f for f in rows if f["split"] == part and (cls == "all" or f["generic"] == (cls == "generic"))]
                labeled = [(f, labels.lookup(f)) for f in fs]
                lab = [(f, l) for f, l in labeled if l]
                tp = sum(1 for _, l in lab if l["label"] == "credential")
                locs = {(f["repo"], f["path"], f["line"]) for f in fs}
                lab_locs = {}
                for f, l in lab:
                    lab_locs[(f["repo"], f["path"], f["line"])] = l["label"]
                tp_locs = sum(1 for v in lab_locs.values() if v == "credential")
                # recall: over every finding of the tool in this part, against this class's credentials
                found = {Labels.cred_id(l) for f in rows if f["split"] == part
                         for l in [labels.lookup(f)] if l and l["label"] == "credential"}
                universe = {c for c in creds if split_of[c] == part and (cls == "all" or cred_class[c] == cls)}
                hit = found & universe
                res[(name, part, cls)] = {
                    "findings": len(fs), "locs": len(locs), "unlabeled": len(fs) - len(lab),
                    "tp": tp, "fp": len(lab) - tp, "precision": ratio(tp, len(lab)),
                    "precision_loc": ratio(tp_locs, len(lab_locs)),
                    "recall": ratio(len(hit), len(universe)), "found": len(hit),
                    "credentials": len(universe), "fn": len(universe) - len(hit),
                }
    return res


def fmt(x):
    return "  -  " if x != x else f"{x:.2f}"


def print_table(res, tools):
    for part in PARTS:
        for cls in ("all", "generic", "provider"):
            any_row = next(iter(res.values()))
            n = res[(next(iter(tools)), part, cls)]["credentials"] if tools else 0
            title = {"all": "all rules", "generic": "generic rules", "provider": "provider rules"}[cls]
            print(f"\n## {part}: {title} (credentials in the union: {n})")
            print(f"{'tool':18} {'findings':>8} {'locs':>6} {'unlab':>6} {'prec':>6} {'prec@loc':>8} "
                  f"{'recall':>6} {'TP':>5} {'FP':>6} {'FN':>4}")
            for name in tools:
                r = res[(name, part, cls)]
                print(f"{name:18} {r['findings']:8} {r['locs']:6} {r['unlabeled']:6} {fmt(r['precision']):>6} "
                      f"{fmt(r['precision_loc']):>8} {fmt(r['recall']):>6} {r['tp']:5} {r['fp']:6} {r['fn']:4}")
            del any_row


def unlabeled(tools, labels, name):
    rows = [f for f in tools[name] if labels.lookup(f) is None]
    for f in sorted(rows, key=lambda f: (f["repo"], f["path"], f["line"])):
        s = f["shape"]
        print(f"{f['repo']} {f['path']}:{f['line']} {f['rule']} [{s['len']}/{s['classes']}/{s['entropy']}] "
              f"| {f['context']}")
    print(f"{len(rows)} unlabeled findings of {name}", file=sys.stderr)


def errors(tools, labels, name, part):
    """TOOL's false positives and missed credentials in one part, with redacted context."""
    if part != "dev":
        print(f"note: listing the {part} part; do not tune on it", file=sys.stderr)
    rows = [f for f in tools[name] if f["split"] == part]
    print(f"# false positives of {name} ({part})")
    for f in sorted(rows, key=lambda f: (f["repo"], f["path"], f["line"])):
        l = labels.lookup(f)
        if l and l["label"] != "credential":
            s = f["shape"]
            print(f"FP {l['label']:11} {f['rule']:32} [{s['len']}/{s['classes']}/{s['entropy']}] "
                  f"{f['repo']} {f['path']}:{f['line']} | {f['context']}  # {l['reason']}")
    found = {Labels.cred_id(l) for f in rows for l in [labels.lookup(f)] if l and l["label"] == "credential"}
    by_cred = defaultdict(list)
    for t, fs in tools.items():
        for f in fs:
            l = labels.lookup(f)
            if f["split"] == part and l and l["label"] == "credential":
                by_cred[Labels.cred_id(l)].append((f, l))
    print(f"# credentials {name} missed ({part})")
    for c in sorted(set(by_cred) - found):
        fs = by_cred[c]
        f, l = fs[0]
        rules = sorted({f"{g['tool']}:{g['rule']}" for g, _ in fs})
        s = f["shape"]
        print(f"FN [{s['len']}/{s['classes']}/{s['entropy']}] {f['repo']} {f['path']}:{f['line']} "
              f"{' '.join(rules)} | {f['context']}  # {l['reason']}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default="/work/realworld-out", help="collect.py's output directory")
    ap.add_argument("--labels", default=os.path.join(HERE, "labels.jsonl"))
    ap.add_argument("--tools", nargs="*", help="tool names (files OUT/findings/NAME.jsonl); default all")
    ap.add_argument("--unlabeled", metavar="TOOL", help="list TOOL's findings at unlabeled locations")
    ap.add_argument("--errors", metavar="TOOL", help="list TOOL's false positives and missed credentials")
    ap.add_argument("--part", choices=PARTS, default="dev", help="part for --errors (default dev)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    tools = load_tools(args.out, args.tools)
    labels = Labels(load_jsonl(args.labels))
    if args.unlabeled:
        if args.unlabeled not in tools:
            tools.update(load_tools(args.out, [args.unlabeled]))
        unlabeled(tools, labels, args.unlabeled)
        return
    if args.errors:
        if args.errors not in tools:
            tools.update(load_tools(args.out, [args.errors]))
        errors(tools, labels, args.errors, args.part)
        return
    res = score(tools, labels)
    if args.json:
        print(json.dumps([{"tool": k[0], "part": k[1], "rules": k[2], **v} for k, v in res.items()], indent=1))
    else:
        print_table(res, tools)


if __name__ == "__main__":
    main()
