#!/usr/bin/env python3
"""Score one tokenhound run at each --min-confidence on the real-world development set.

Run the build once with `--min-confidence low` through eval/realworld/collect.py (tool name
TOOL, e.g. tokenhound-all); this script writes the reports filtered at `low`, `medium` and `high`
as tools TOOL-low, TOOL-medium, TOOL-high, normalises them with collect.py and prints score.py's
table for the dev part (the held-aside part is for reporting only, never for tuning).

  scripts/confidence-sweep.py --out /tmp/gen-out --tool tokenhound-all \
      --realworld /work/wt/label/eval/realworld --only minio/minio ...
"""
import argparse
import json
import os
import subprocess
import sys

ORDER = {"low": 0, "medium": 1, "high": 2}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True)
    ap.add_argument("--tool", default="tokenhound-all")
    ap.add_argument("--realworld", required=True, help="eval/realworld directory (collect.py, score.py)")
    ap.add_argument("--only", nargs="*", default=[])
    ap.add_argument("--compare", nargs="*", default=["tokenhound-base", "gitleaks", "betterleaks"])
    args = ap.parse_args()
    src = os.path.join(args.out, "raw", args.tool)
    names = []
    for level in ORDER:
        name = f"{args.tool}-{level}"
        names.append(name)
        d = os.path.join(args.out, "raw", name)
        os.makedirs(d, exist_ok=True)
        for fn in os.listdir(src):
            if not fn.endswith(".json"):
                continue
            with open(os.path.join(src, fn)) as f:
                data = json.load(f)
            data["findings"] = [x for x in data.get("findings", [])
                                if ORDER[x.get("confidence", "high")] >= ORDER[level]]
            with open(os.path.join(d, fn), "w") as f:
                json.dump(data, f)
        only = ["--only", *args.only] if args.only else []
        subprocess.run([sys.executable, os.path.join(args.realworld, "collect.py"), "--out", args.out,
                        "--step", "normalise", "--tool-name", name, *only], check=True,
                       stderr=subprocess.DEVNULL)
    r = subprocess.run([sys.executable, os.path.join(args.realworld, "score.py"), "--out", args.out,
                        "--tools", *names, *args.compare], check=True, capture_output=True, text=True)
    # the dev part only
    print(r.stdout.split("## held-aside")[0])


if __name__ == "__main__":
    main()
