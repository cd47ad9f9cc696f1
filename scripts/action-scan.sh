#!/usr/bin/env bash
# The steps of action.yml (GitHub Action), one subcommand each, so that they can be tested by
# running them the way a runner does (tests/action.rs):
#   key     cache key for the build (outputs: key, restore-key)
#   build   build tokenhound from the action's checkout, or use $TOKENHOUND_BIN (outputs: bin)
#   scan    scan per the INPUT_* variables, write SARIF, outputs and the job summary
#           (outputs: findings, sarif-file, exit-code)
#   finish  fail the job when the scan found something at or above fail-on
# No network is used except by cargo while building.
set -euo pipefail

action_dir="${GITHUB_ACTION_PATH:-$(cd "$(dirname "$0")/.." && pwd)}"

out() { # name value: append a step output
  if [ -n "${GITHUB_OUTPUT:-}" ]; then printf '%s=%s\n' "$1" "$2" >>"$GITHUB_OUTPUT"; fi
}

case "${1:-}" in
key)
  # Dependencies change with Cargo.lock; the tool with its sources and rules.
  deps=$(sha256sum "$action_dir/Cargo.lock" | cut -c1-16)
  src=$(cd "$action_dir" && find Cargo.toml build.rs src rules -type f 2>/dev/null | LC_ALL=C sort |
    xargs sha256sum | sha256sum | cut -c1-16)
  out key "tokenhound-${RUNNER_OS:-unknown}-$deps-$src"
  out restore-key "tokenhound-${RUNNER_OS:-unknown}-$deps-"
  ;;

build)
  if [ -n "${TOKENHOUND_BIN:-}" ]; then
    if [ ! -x "$TOKENHOUND_BIN" ]; then
      echo "::error::TOKENHOUND_BIN=$TOKENHOUND_BIN is not an executable"
      exit 2
    fi
    echo "using the prebuilt $TOKENHOUND_BIN"
    out bin "$TOKENHOUND_BIN"
    exit 0
  fi
  if ! command -v cargo >/dev/null 2>&1; then
    echo "::error::cargo is not installed on this runner (use a runner image with Rust, or set TOKENHOUND_BIN)"
    exit 2
  fi
  # SARIF tool.driver.informationUri: the repository this action was taken from, when known
  if [ -z "${TOKENHOUND_INFORMATION_URI:-}" ] && [ -n "${GITHUB_ACTION_REPOSITORY:-}" ]; then
    export TOKENHOUND_INFORMATION_URI="${GITHUB_SERVER_URL:-https://github.com}/$GITHUB_ACTION_REPOSITORY"
  fi
  # and each rule's helpUri: the rule reference at the action's own ref
  if [ -z "${TOKENHOUND_RULES_DOC_URI:-}" ] && [ -n "${GITHUB_ACTION_REPOSITORY:-}" ]; then
    export TOKENHOUND_RULES_DOC_URI="${GITHUB_SERVER_URL:-https://github.com}/$GITHUB_ACTION_REPOSITORY/blob/${GITHUB_ACTION_REF:-HEAD}/docs/rules.md"
  fi
  cargo build --release --locked --manifest-path "$action_dir/Cargo.toml"
  bin="$action_dir/target/release/tokenhound"
  "$bin" --version
  out bin "$bin"
  ;;

scan)
  bin="${TOKENHOUND_BIN:?the build step did not say where tokenhound is}"
  path="${INPUT_PATH:-.}"
  mode="${INPUT_MODE:-diff}"
  fail_on="${INPUT_FAIL_ON:-note}"
  sarif="${INPUT_SARIF_FILE:-tokenhound.sarif}"
  args=(scan --format sarif --output "$sarif" --fail-on "$fail_on")
  if [ -n "${INPUT_CONFIG:-}" ]; then args+=(--config "$INPUT_CONFIG"); fi
  if [ -n "${INPUT_BASELINE:-}" ]; then args+=(--baseline "$INPUT_BASELINE"); fi
  if [ "$mode" = diff ]; then
    range=$("$bin" action range --event-name "${GITHUB_EVENT_NAME:-}" --event-path "${GITHUB_EVENT_PATH:-/dev/null}")
    if [ -z "$range" ]; then
      echo "::notice::tokenhound: the ${GITHUB_EVENT_NAME:-unknown} event has no commit range; scanning the tree"
      mode=tree
    fi
  fi
  case "$mode" in
  tree)
    scanned="the files under \`$path\`"
    args+=("$path")
    ;;
  history)
    scanned="every commit of \`$path\`"
    args+=(--history "$path")
    ;;
  diff)
    base="${range%%..*}"
    head="${range##*..}"
    for c in "$base" "$head"; do
      if ! git -C "$path" rev-parse --quiet --verify "$c^{commit}" >/dev/null; then
        echo "::error::tokenhound: commit $c is not in the checkout; use actions/checkout with fetch-depth: 0"
        exit 2
      fi
    done
    scanned="the commits $(git -C "$path" rev-parse --short "$base")..$(git -C "$path" rev-parse --short "$head")"
    args+=(--range "$range" "$path")
    ;;
  *)
    echo "::error::tokenhound: mode must be tree, history or diff (got \`$mode\`)"
    exit 2
    ;;
  esac
  echo "tokenhound ${args[*]}"
  rc=0
  "$bin" "${args[@]}" || rc=$?
  if [ "$rc" -ge 2 ]; then
    echo "::error::tokenhound failed (exit code $rc); see the log above"
    exit "$rc"
  fi
  count=$("$bin" action count "$sarif")
  out findings "$count"
  out sarif-file "$sarif"
  out exit-code "$rc"
  if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
    "$bin" action summary "$sarif" --scanned "$scanned" >>"$GITHUB_STEP_SUMMARY"
  fi
  echo "tokenhound: $count finding(s); SARIF in $sarif"
  ;;

finish)
  rc="${TOKENHOUND_EXIT:-0}"
  if [ -z "$rc" ]; then
    echo "::error::tokenhound: the scan step produced no result"
    exit 2
  fi
  if [ "$rc" != 0 ]; then
    echo "::error::tokenhound: ${TOKENHOUND_FINDINGS:-some} finding(s) at or above \`${INPUT_FAIL_ON:-note}\`; see the job summary or code scanning"
  fi
  exit "$rc"
  ;;

*)
  echo "usage: $0 key|build|scan|finish" >&2
  exit 2
  ;;
esac
