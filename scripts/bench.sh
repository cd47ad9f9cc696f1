#!/usr/bin/env bash
# bench.sh CORPUS_DIR [OUT_DIR]
#
# Speed benchmark of tokenhound beside the peer scanners (manual; never run in CI).
# CORPUS_DIR is what ../shared/bench/corpus.sh builds; peers come from ../shared/bench/peers.sh.
#
#  1. ../shared/bench/run.sh on the tree and history workloads with tokenhound as the extra
#     scanner (floors: raw reads, the `rg -i -F` keyword search, `git log -p`; peers gitleaks,
#     betterleaks, kingfisher).
#  2. hyperfine on a staged scan of git/git (one staged one-line change in a local clone of
#     CORPUS_DIR/clones/git, made once under OUT_DIR/../staged-git): tokenhound --staged,
#     gitleaks git --pre-commit --staged, betterleaks git --staged, kingfisher --staged.
#  3. hyperfine on start-up: `tokenhound rules list` and an empty `tokenhound scan -`.
# Every part records `uptime` before and after (the machine is shared; read the load next to
# each figure and re-run noisy items with ONLY=...).
#
# Env: BIN (default: cargo build --release, target/release/tokenhound), BENCH_DIR (default
# ../shared/bench beside the checkout, or beside its parent for a worktree in /work/wt/), PEERS_BIN (default /work/bench/peers/bin), PARTS
# (default "run staged startup"), plus run.sh's own (ONLY, SKIP, WORKLOADS, RUNS, WARMUP, ...).
# Results: OUT_DIR/summary.md (everything), OUT_DIR/run/results.md (run.sh's table).
set -euo pipefail

[[ $# -ge 1 ]] || { sed -n '2,21p' "$0" >&2; exit 2; }
HERE=$(cd "$(dirname "$0")/.." && pwd)
CORPUS=$(cd "$1" && pwd)
OUT=${2:-$HERE/target/bench-$(date -u +%Y%m%dT%H%M%S)}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
if [[ -z ${BENCH_DIR:-} ]]; then # ../shared beside the main checkout, or beside /work/wt/
  BENCH_DIR=$HERE/../shared/bench
  [[ -d $BENCH_DIR ]] || BENCH_DIR=$HERE/../../shared/bench
fi
PEERS_BIN=${PEERS_BIN:-/work/bench/peers/bin}
PARTS=${PARTS:-run staged startup}
export PATH=$PEERS_BIN:$PATH
if [[ -z ${BIN:-} ]]; then
  (cd "$HERE" && cargo build --release --bin tokenhound)
  BIN=$HERE/target/release/tokenhound
fi
BIN=$(realpath "$BIN")
S=$OUT/summary.md
load() { echo "load $(cut -d' ' -f1-3 /proc/loadavg), steal $(awk '/^cpu /{print $9}' /proc/stat) ticks"; }

{
  echo "# tokenhound speed benchmark $(date -u +%FT%TZ)"
  echo
  echo "- binary: $BIN ($("$BIN" --version), sha256 $(sha256sum "$BIN" | cut -c1-16))"
  echo "- checkout: $(git -C "$HERE" rev-parse --short HEAD) ($(git -C "$HERE" branch --show-current))"
  echo "- machine: $(nproc) CPUs, $(lscpu | sed -n 's/^Model name: *//p' | sed -n 1p), $(awk '/MemTotal/{printf "%.1f GiB", $2/1048576}' /proc/meminfo), $(uname -r)"
  echo "- start: $(load)"
} | tee "$S"

if [[ " $PARTS " == *" run "* ]]; then
  echo "- run.sh start: $(load)" | tee -a "$S"
  OUT_DIR=$OUT/run PEERS_BIN=$PEERS_BIN EXTRA_NAME=tokenhound \
    EXTRA_TREE_CMD="$BIN scan {target} --format sarif --output {report}.sarif" \
    EXTRA_HIST_CMD="$BIN scan --history {target} --format sarif --output {report}.sarif" \
    bash "$BENCH_DIR/run.sh" "$CORPUS"
  echo "- run.sh end: $(load)" | tee -a "$S"
  { echo; cat "$OUT/run/results.md"; echo; } >>"$S"
fi

if [[ " $PARTS " == *" staged "* ]]; then
  REPO=$OUT/../staged-git
  if [[ ! -d $REPO/.git ]]; then
    git clone -q "$CORPUS/clones/git" "$REPO"
    git -C "$REPO" checkout -q "$(git -C "$CORPUS/clones/git" rev-parse HEAD)"
    echo "a one-line staged change for the benchmark" >>"$REPO/README.md"
    git -C "$REPO" add README.md
  fi
  REPO=$(cd "$REPO" && pwd)
  echo "- staged start ($(git -C "$REPO" diff --cached --shortstat | sed 's/^ //')): $(load)" | tee -a "$S"
  hyperfine -N -i --style basic --warmup 2 --runs 10 --export-markdown "$OUT/staged.md" \
    -n tokenhound "$BIN scan --staged $REPO --format sarif --output /dev/null" \
    -n gitleaks "gitleaks git --pre-commit --staged --no-banner --exit-code 0 $REPO" \
    -n betterleaks "betterleaks git --staged --no-banner --silent --exit-code 0 $REPO" \
    -n kingfisher "kingfisher scan $REPO --staged --git-history full --no-validate --no-update-check -q" \
    >"$OUT/staged.log" 2>&1 || true
  echo "- staged end: $(load)" | tee -a "$S"
  for t in tokenhound gitleaks betterleaks; do
    case $t in
    tokenhound) c="$BIN scan --staged $REPO --format sarif --output /dev/null" ;;
    gitleaks) c="gitleaks git --pre-commit --staged --no-banner --exit-code 0 $REPO" ;;
    betterleaks) c="betterleaks git --staged --no-banner --silent --exit-code 0 $REPO" ;;
    esac
    # shellcheck disable=SC2086
    /usr/bin/time -f "$t staged peak RSS %M KB" $c >/dev/null 2>>"$OUT/staged-rss.txt" || true
  done
  { echo; echo "## staged scan, git/git"; echo; cat "$OUT/staged.md"; echo; grep 'peak RSS' "$OUT/staged-rss.txt" | sed 's/^/- /'; } >>"$S"
fi

if [[ " $PARTS " == *" startup "* ]]; then
  echo "- startup start: $(load)" | tee -a "$S"
  hyperfine --shell=bash -i --style basic --warmup 3 --runs 20 --export-markdown "$OUT/startup.md" \
    -n "rules list" "$BIN rules list > /dev/null" \
    -n "empty scan -" "$BIN scan - < /dev/null" \
    >"$OUT/startup.log" 2>&1 || true
  echo "- startup end: $(load)" | tee -a "$S"
  /usr/bin/time -f "rules list peak RSS %M KB" "$BIN" rules list >/dev/null 2>>"$OUT/startup-rss.txt" || true
  /usr/bin/time -f "empty scan - peak RSS %M KB" "$BIN" scan - </dev/null >/dev/null 2>>"$OUT/startup-rss.txt" || true
  { echo; echo "## start-up ($("$BIN" rules list | wc -l) lines of rules list)"; echo; cat "$OUT/startup.md"; echo; grep 'peak RSS' "$OUT/startup-rss.txt" | sed 's/^/- /'; } >>"$S"
fi
echo "- end: $(load)" | tee -a "$S"
echo "results: $S"
