#!/usr/bin/env bash
# run-sets.sh BIN NAME SET... — run one tokenhound build over labeled sets' trees, as
# collect.py does (default settings; findings in /work/realworldN-out/findings/NAME.jsonl), one
# set after another. Trees are expected at /work/realworldN/<owner>+<name>/repo (HELPER.md).
set -euo pipefail
[[ $# -ge 3 ]] || { sed -n '2,4p' "$0" >&2; exit 2; }
bin=$1 name=$2
shift 2
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
for n in "$@"; do
  if [[ ! -d /work/realworld$n ]]; then
    echo "set $n: no trees at /work/realworld$n, skipped" >&2
    continue
  fi
  python3 "$here/collect.py" --repos "$root/eval/realworld$n/repos.json" --trees "/work/realworld$n" \
    --tree-subdir repo --out "/work/realworld$n-out" --step all --tools tokenhound \
    --tool-name "$name" --tokenhound "$bin" > /dev/null
done
