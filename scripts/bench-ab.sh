#!/usr/bin/env bash
# bench-ab.sh CORPUS_DIR OUT_DIR NAME=BIN [NAME=BIN ...]
#
# Same-run A/B timing of tokenhound builds (manual; never run in CI): for example the final code
# with the current rule set against the same code built with an older rules/ directory (issue 12:
# "new rule set against the old one, same run"), or a branch against main (issue 13).
# CORPUS_DIR is what ../shared/bench/corpus.sh builds (tree/ and history.git).
#
# Rounds are interleaved (floor, then each build, ROUNDS times) so that load drifts hit every
# build alike; each run is timed with /usr/bin/time (wall, user, sys, peak RSS). Floors are
# run.sh's: `rg -c -i -F` with gitleaks' keywords on the tree, every blob through
# `git cat-file --batch` for the history.
# Env: ROUNDS (3), WORKLOADS ("tree history"), KEYWORDS_FILE (default: OUT_DIR/keywords.txt
# made from gitleaks' embedded rules, as run.sh does; gitleaks from PEERS_BIN or PATH),
# PEERS_BIN (/work/bench/peers/bin).
# Output: OUT_DIR/times.tsv (workload, round, name, wall, user, sys, maxrss_kb, exit code) and
# OUT_DIR/summary.md (medians and ratios to the floor); each build's JSON report of the last
# round in OUT_DIR/<workload>-<name>.json, to compare fingerprints (scripts/fingerprints.py).
set -euo pipefail
[[ $# -ge 3 ]] || { sed -n '2,18p' "$0" >&2; exit 2; }
CORPUS=$(cd "$1" && pwd)
OUT=$2
shift 2
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
ROUNDS=${ROUNDS:-3}
WORKLOADS=${WORKLOADS:-tree history}
PATH=${PEERS_BIN:-/work/bench/peers/bin}:$PATH
KW=${KEYWORDS_FILE:-$OUT/keywords.txt}
if [[ ! -s $KW ]]; then
  python3 - "$(command -v gitleaks)" "$KW" <<'EOF'
import re, sys
data = open(sys.argv[1], 'rb').read()
kws = set()
for m in re.finditer(rb'\nkeywords\s*=\s*\[((?:\s*(?:"[^"\n]*"|\'[^\'\n]*\')\s*,?)*)\s*\]', data):
    for a, b in re.findall(rb'"([^"\n]*)"|\'([^\'\n]*)\'', m.group(1)):
        if a or b:
            kws.add((a or b).decode().lower())
open(sys.argv[2], 'w').write('\n'.join(sorted(kws)) + '\n')
EOF
fi
TSV=$OUT/times.tsv
: >"$TSV"
timed() { # workload round name command...
  local w=$1 r=$2 n=$3
  shift 3
  local rc=0
  /usr/bin/time -o "$OUT/.time" -f '%e\t%U\t%S\t%M' "$@" >/dev/null 2>"$OUT/.err" || rc=$?
  printf '%s\t%s\t%s\t%s\t%s\n' "$w" "$r" "$n" "$(tail -1 "$OUT/.time")" "$rc" >>"$TSV"
  echo "$w round $r $n: $(tail -1 "$OUT/.time") rc=$rc" >&2
}
for w in $WORKLOADS; do
  for r in $(seq 1 "$ROUNDS"); do
    if [[ $w == tree ]]; then
      timed tree "$r" floor-rg sh -c "rg -c -i -F -f '$KW' --no-ignore --hidden --no-messages '$CORPUS/tree' >/dev/null || true"
    else
      timed history "$r" floor-catfile sh -c "git -C '$CORPUS/history.git' cat-file --batch-all-objects --unordered --batch-check='%(objecttype) %(objectname)' | awk '\$1==\"blob\"{print \$2}' | git -C '$CORPUS/history.git' cat-file --batch >/dev/null"
    fi
    for nb in "$@"; do
      n=${nb%%=*} b=${nb#*=}
      if [[ $w == tree ]]; then
        timed tree "$r" "$n" "$b" scan "$CORPUS/tree" --format json --output "$OUT/tree-$n.json"
      else
        timed history "$r" "$n" "$b" scan --history "$CORPUS/history.git" --format json --output "$OUT/history-$n.json"
      fi
    done
  done
done
python3 - "$TSV" >"$OUT/summary.md" <<'EOF'
import collections, statistics, sys
rows = collections.defaultdict(list)
for line in open(sys.argv[1]):
    w, r, n, wall, user, sys_, rss, rc = line.rstrip("\n").split("\t")
    rows[(w, n)].append((float(wall), float(user), float(sys_), int(rss), rc))
print("| workload | run | wall s (median) | user s | sys s | peak RSS MB | wall / floor | exit codes |")
print("|---|---|---:|---:|---:|---:|---:|---|")
for w in dict.fromkeys(k[0] for k in rows):
    floor = [v for (ww, n), v in rows.items() if ww == w and n.startswith("floor")]
    fw = statistics.median(x[0] for x in floor[0]) if floor else None
    for (ww, n), v in rows.items():
        if ww != w:
            continue
        med = lambda i: statistics.median(x[i] for x in v)
        ratio = f"{med(0) / fw:.2f}" if fw else "-"
        print(f"| {w} | {n} | {med(0):.2f} | {med(1):.2f} | {med(2):.2f} | {max(x[3] for x in v) / 1024:.0f} | {ratio} | {' '.join(sorted(set(x[4] for x in v)))} |")
EOF
cat "$OUT/summary.md"
