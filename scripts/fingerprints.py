#!/usr/bin/env python3
"""fingerprints.py: the finding identities of tokenhound reports, for before/after comparisons.

    fingerprints.py REPORT...            print one sorted line per finding of every REPORT
    fingerprints.py --diff A B           exit 1 and print the differences when A and B differ

A REPORT is tokenhound SARIF 2.1.0 (`runs[].results[]`) or tokenhound JSON (`findings[]`, see
docs/json-output.md). Each finding becomes the tuple

    (ruleId, uri, startLine, startColumn, partialFingerprints, commit)

with partialFingerprints written as sorted `key=value` pairs and commit taken from
`partialFingerprints.commitSha` / `properties.commit` (SARIF) or `commit` (JSON), empty for
tree scans. Findings are a multiset: a finding reported twice counts twice. `--extra hygiene,level`
appends those fields (SARIF `properties.hygiene` / `level`) to every tuple.

Exit codes: 0 same (or listing done), 1 differences, 2 usage or unreadable report.
"""

import argparse
import collections
import json
import sys


def _sarif_rows(doc, extra):
    for run in doc.get("runs", []):
        for res in run.get("results", []):
            locs = res.get("locations") or [{}]
            phys = locs[0].get("physicalLocation", {})
            uri = phys.get("artifactLocation", {}).get("uri", "")
            region = phys.get("region", {})
            pfp = res.get("partialFingerprints", {}) or {}
            props = res.get("properties", {}) or {}
            commit = pfp.get("commitSha") or props.get("commit") or ""
            row = [
                res.get("ruleId", ""),
                uri,
                region.get("startLine", 0),
                region.get("startColumn", 0),
                " ".join(f"{k}={v}" for k, v in sorted(pfp.items())),
                commit,
            ]
            for e in extra:
                if e == "level":
                    row.append(res.get("level", ""))
                else:
                    row.append(_flat(props.get(e)))
            yield tuple(row)


def _json_rows(doc, extra):
    for f in doc.get("findings", []):
        pfp = {"fingerprint": f.get("fingerprint", "")}
        row = [
            f.get("rule_id", ""),
            f.get("path", ""),
            f.get("start_line", 0),
            f.get("start_column", 0),
            " ".join(f"{k}={v}" for k, v in sorted(pfp.items())),
            f.get("commit", "") or "",
        ]
        for e in extra:
            row.append(_flat(f.get(e)))
        yield tuple(row)


def _flat(v):
    if v is None:
        return ""
    if isinstance(v, list):
        return ",".join(str(x) for x in v)
    if isinstance(v, dict):
        return json.dumps(v, sort_keys=True)
    return str(v)


def load(path, extra=()):
    """The multiset (Counter) of finding tuples of one report."""
    try:
        with open(path, encoding="utf-8") as fh:
            doc = json.load(fh)
    except (OSError, ValueError) as e:
        print(f"fingerprints.py: {path}: {e}", file=sys.stderr)
        sys.exit(2)
    if isinstance(doc, dict) and "runs" in doc:
        rows = _sarif_rows(doc, extra)
    elif isinstance(doc, dict) and "findings" in doc:
        rows = _json_rows(doc, extra)
    else:
        print(f"fingerprints.py: {path}: neither SARIF nor tokenhound JSON", file=sys.stderr)
        sys.exit(2)
    return collections.Counter(rows)


def fmt(row):
    return "\t".join(str(x) for x in row)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--diff", nargs=2, metavar=("A", "B"), help="compare two reports")
    ap.add_argument("--extra", default="", help="comma-separated extra fields (hygiene, level)")
    ap.add_argument("--max", type=int, default=200, help="most differences printed per side")
    ap.add_argument("reports", nargs="*")
    args = ap.parse_args(argv)
    extra = [e for e in args.extra.split(",") if e]
    if args.diff:
        a, b = (load(p, extra) for p in args.diff)
        only_a = sorted((a - b).elements())
        only_b = sorted((b - a).elements())
        if not only_a and not only_b:
            print(f"same: {sum(a.values())} findings")
            return 0
        print(
            f"DIFFERENT: {sum(a.values())} vs {sum(b.values())} findings; "
            f"{len(only_a)} only in {args.diff[0]}, {len(only_b)} only in {args.diff[1]}"
        )
        for tag, rows in (("-", only_a), ("+", only_b)):
            for row in rows[: args.max]:
                print(f"{tag} {fmt(row)}")
            if len(rows) > args.max:
                print(f"{tag} ... {len(rows) - args.max} more")
        return 1
    if not args.reports:
        ap.error("give REPORT... or --diff A B")
    total = collections.Counter()
    for p in args.reports:
        total += load(p, extra)
    for row in sorted(total.elements()):
        print(fmt(row))
    return 0


if __name__ == "__main__":
    sys.exit(main())
