#!/usr/bin/env python3
"""Pooled precision and recall over several labeled real-world sets.

  pool.py [--sets 237 238 …] [--tools T …] [--exclude 163 …]

For each set N, runs score.py on OUT=/work/realworldN-out with eval/realworldN/labels.jsonl and
sums TP, FP and FN per tool and part (rules "all"); precision = TP / (TP + FP), recall over the
credentials each set's part holds (found + missed). A tool may be given as NAME,FALLBACK,…:
sets without NAME's findings use the first fallback that has some (a build that was not re-run
on a set, or each set's first-contact build). Sets whose output folder is missing are listed and skipped.
"""
import argparse
import json
import os
import subprocess
import sys
from collections import defaultdict

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def score(n):
    out = f"/work/realworld{n}-out"
    labels = os.path.join(ROOT, "eval", f"realworld{n}", "labels.jsonl")
    if not os.path.isdir(out) or not os.path.exists(labels):
        return None
    r = subprocess.run([sys.executable, os.path.join(HERE, "score.py"), "--out", out,
                        "--labels", labels, "--json"], capture_output=True, text=True, check=True)
    return [x for x in json.loads(r.stdout) if x["rules"] == "all"]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sets", nargs="+", required=True)
    ap.add_argument("--tools", nargs="+", default=["gitleaks", "betterleaks", "kingfisher"])
    ap.add_argument("--exclude", nargs="*", default=[])
    a = ap.parse_args()
    tot = defaultdict(lambda: [0, 0, 0, 0])  # tp, fp, fn, credentials
    skipped = []
    for n in a.sets:
        if n in a.exclude:
            continue
        rows = score(n)
        if rows is None:
            skipped.append(n)
            continue
        have = {x["tool"] for x in rows}
        for spec in a.tools:
            names = spec.split(",")
            name = names[0]
            use = next((n for n in names if n in have), None)
            for x in rows:
                if x["tool"] == use:
                    t = tot[(name, x["part"])]
                    t[0] += x["tp"]
                    t[1] += x["fp"]
                    t[2] += x["fn"]
                    t[3] += x["credentials"]
    for part in ("dev", "held-aside"):
        for spec in a.tools:
            name = spec.partition(",")[0]
            tp, fp, fn, cr = tot[(name, part)]
            p = tp / (tp + fp) if tp + fp else float("nan")
            r = (cr - fn) / cr if cr else float("nan")
            print(f"{part:10} {name:28} P {p:.3f} R {r:.3f}  TP {tp} FP {fp} FN {fn} creds {cr}")
    if skipped:
        print("skipped (no output):", " ".join(skipped))


if __name__ == "__main__":
    main()
