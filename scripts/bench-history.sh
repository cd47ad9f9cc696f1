#!/usr/bin/env bash
# bench-history.sh CORPUS_DIR [OUT_DIR]
#
# History-scan benchmark (manual; never run in CI). CORPUS_DIR is what
# ../shared/bench/corpus.sh builds (CORPUS_DIR/history.git: bare git/git, ~85k commits,
# 165k blobs, 5.6 GB of blob content). Two parts, both in one run so the figures are comparable:
#
#  1. Raw blob-read floors of tokenhound's history source, no matching
#     (examples/blob_read.rs): `git cat-file --batch` fed in pack order vs libgit2 `odb.read`
#     in pack order on 1 and 2 threads. This is the measurement that chose the reader.
#  2. ../shared/bench/run.sh on the history workload with tokenhound as the extra scanner,
#     next to the peers (PEERS_BIN, from ../shared/bench/peers.sh) and git's own read floors.
#
# Env: BENCH_DIR (default: ../shared/bench beside the checkout), PEERS_BIN, RUNS/WARMUP
# (default 1/0: the peers take minutes per run), ONLY (run.sh ids; default the floors,
# kingfisher, gitleaks, betterleaks and tokenhound), SKIP_FLOORS=1 skips part 1.
# The machine is shared: compare tools within one run (ratios), and read `steal %`/`disk MB`.
set -euo pipefail

[[ $# -ge 1 ]] || { sed -n '2,18p' "$0" >&2; exit 2; }
HERE=$(cd "$(dirname "$0")/.." && pwd)
CORPUS=$(cd "$1" && pwd)
OUT=${2:-$HERE/target/bench-history-$(date -u +%Y%m%dT%H%M%S)}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
BENCH_DIR=${BENCH_DIR:-$HERE/../shared/bench}
REPO=$CORPUS/history.git
[[ -d $REPO ]] || { echo "no $REPO (run corpus.sh first)" >&2; exit 1; }

(cd "$HERE" && cargo build --release --bin tokenhound --example blob_read)
BIN=$HERE/target/release/tokenhound

{
  echo "# tokenhound history benchmark $(date -u +%FT%TZ)"
  echo "commit: $(git -C "$HERE" rev-parse --short HEAD)  nproc: $(nproc)  load: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "repo: $REPO  commits: $(git -C "$REPO" rev-list --all --count)  refs: $(git -C "$REPO" for-each-ref | wc -l)"
} | tee "$OUT/summary.txt"

if [[ -z ${SKIP_FLOORS:-} ]]; then
  echo "## blob-read floors (no matching): wall s, user s, sys s, max RSS KB" | tee -a "$OUT/summary.txt"
  for mode in "catfile 1" "libgit2 1" "libgit2 2"; do
    # shellcheck disable=SC2086
    /usr/bin/time -f "  time: %e s wall, %U user, %S sys, %M KB" -a -o "$OUT/summary.txt" \
      "$HERE/target/release/examples/blob_read" "$REPO" $mode | tee -a "$OUT/summary.txt"
    tail -1 "$OUT/summary.txt"
  done
fi

ONLY=${ONLY:-"floor-blobs-unordered kingfisher gitleaks betterleaks tokenhound"} \
  WORKLOADS=history RUNS=${RUNS:-1} WARMUP=${WARMUP:-0} OUT_DIR=$OUT/run \
  EXTRA_NAME=tokenhound EXTRA_TREE_CMD=- \
  EXTRA_HIST_CMD="$BIN scan --history {target} --format sarif --output {report}.sarif" \
  bash "$BENCH_DIR/run.sh" "$CORPUS"
cat "$OUT/run/results.md" | tee -a "$OUT/summary.txt"
echo "results: $OUT/summary.txt"
