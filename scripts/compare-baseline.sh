#!/usr/bin/env bash
# compare-baseline.sh NEWBIN            re-run every baseline scan with NEWBIN into a temp dir and
#                                       diff each report against $BASELINE (exit 1 on any difference)
# compare-baseline.sh --record BIN      write the baseline reports into $BASELINE instead
#
# The scans (SARIF, --now fixed so hygiene never depends on the clock):
#   tree-<name>.sarif      scan $CORPUS/tree/<name>   for each of the five bench trees
#   tree-all.sarif         scan $CORPUS/tree          (the whole tree workload)
#   public-tree.sarif      scan $PUBLIC/tree
#   public-history.sarif   scan --history $PUBLIC_MIRROR  (git clone --mirror of history.bundle)
#   git-history.sarif      scan --history $CORPUS/history.git
# Each report is compared with scripts/fingerprints.py --diff (ruleId, uri, line, column,
# partialFingerprints, commit; a multiset).
#
# Env: BASELINE (default /work/coord/baseline), CORPUS (default /work/bench/corpus, built by
# ../shared/bench/corpus.sh), PUBLIC (default /work/shared/corpus/public), PUBLIC_MIRROR
# (default /work/bench/public/history.git, created when missing), ONLY="tree-git public-tree ..."
# (report names without .sarif) narrows the set, KEEP=1 keeps the temp dir.
set -euo pipefail

usage() { sed -n '2,19p' "$0" >&2; exit 2; }
[[ $# -ge 1 ]] || usage
record=
if [[ $1 == --record ]]; then record=1; shift; fi
[[ $# -eq 1 ]] || usage
BIN=$(realpath "$1")
[[ -x $BIN ]] || { echo "compare-baseline: $BIN is not executable" >&2; exit 2; }

HERE=$(cd "$(dirname "$0")" && pwd)
BASELINE=${BASELINE:-/work/coord/baseline}
CORPUS=${CORPUS:-/work/bench/corpus}
PUBLIC=${PUBLIC:-/work/shared/corpus/public}
PUBLIC_MIRROR=${PUBLIC_MIRROR:-/work/bench/public/history.git}
NOW=2026-11-01T00:00:00Z
TREES="git terraform moby babel aws-sdk-go"

if [[ ! -d $PUBLIC_MIRROR ]]; then
  mkdir -p "$(dirname "$PUBLIC_MIRROR")"
  git clone -q --mirror "$PUBLIC/history.bundle" "$PUBLIC_MIRROR"
fi

if [[ -n $record ]]; then
  OUT=$BASELINE
  mkdir -p "$OUT"
else
  OUT=$(mktemp -d "${TMPDIR:-/tmp}/compare-baseline.XXXXXX")
  [[ -n ${KEEP:-} ]] || trap 'rm -rf "$OUT"' EXIT
fi

# name, then the scan arguments
jobs=()
for t in $TREES; do jobs+=("tree-$t|$CORPUS/tree/$t"); done
jobs+=("tree-all|$CORPUS/tree")
jobs+=("public-tree|$PUBLIC/tree")
jobs+=("public-history|--history $PUBLIC_MIRROR")
jobs+=("git-history|--history $CORPUS/history.git")

status=0
for j in "${jobs[@]}"; do
  name=${j%%|*} target=${j#*|}
  if [[ -n ${ONLY:-} && " $ONLY " != *" $name "* ]]; then continue; fi
  start=$(date +%s%N)
  rc=0
  # shellcheck disable=SC2086
  "$BIN" scan $target --now "$NOW" --format sarif --output "$OUT/$name.sarif" 2>"$OUT/$name.stderr" || rc=$?
  ms=$((($(date +%s%N) - start) / 1000000)); secs=$((ms / 1000)).$(printf %03d $((ms % 1000)))
  if [[ $rc -ne 0 && $rc -ne 1 ]]; then
    echo "$name: scan failed (exit $rc): $(tail -3 "$OUT/$name.stderr")"
    status=1
    continue
  fi
  rm -f "$OUT/$name.stderr"
  if [[ -n $record ]]; then
    python3 "$HERE/fingerprints.py" "$OUT/$name.sarif" >"$OUT/$name.fp.txt"
    printf '%-16s recorded %5d findings in %6.1f s\n' "$name" "$(wc -l <"$OUT/$name.fp.txt")" "$secs"
  else
    printf '%-16s %6.1f s  ' "$name" "$secs"
    if ! python3 "$HERE/fingerprints.py" --diff "$BASELINE/$name.sarif" "$OUT/$name.sarif"; then
      status=1
    fi
  fi
done
[[ -n $record || -z ${KEEP:-} ]] || echo "reports kept in $OUT"
exit $status
