#!/usr/bin/env bash
# Benchmark: lint vs parse-only over a synthetic GitOps repository; files/s, MB/s, peak RSS.
# Usage: scripts/bench.sh [N files, default 20000] [runs, default 3]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-20000}
runs=${2:-3}
cargo build --release --quiet --bin cutoff && cargo build --release --quiet -p cutoff-core --example gen-repo --example parse-only --example prefilter-bench
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
./target/release/examples/gen-repo "$dir/repo" "$n" 2>/dev/null
bytes=$(find "$dir/repo" -name '*.yaml' -printf '%s\n' | awk '{s+=$1} END {print s}')
echo "repository: $n files, $bytes bytes ($(nproc) cores)"

measure() { # label, command...
  local label=$1; shift
  local best=999999 rss=0
  for _ in $(seq "$runs"); do
    /usr/bin/time -f "%e %M" -o "$dir/t" "$@" >/dev/null 2>&1 || true
    read -r secs kb <"$dir/t"
    best=$(awk -v a="$best" -v b="$secs" 'BEGIN {print (b < a) ? b : a}')
    rss=$kb
  done
  awk -v l="$label" -v s="$best" -v n="$n" -v b="$bytes" -v r="$rss" \
    'BEGIN {printf "%-28s %7.2f s  %9.0f files/s  %6.1f MB/s  peak RSS %4.0f MB\n", l, s, n/s, b/s/1e6, r/1024}'
}

measure "parse-only, 2 threads" ./target/release/examples/parse-only "$dir/repo"
measure "lint, 2 threads" ./target/release/cutoff lint "$dir/repo" --no-config --format json --fail-on never
RAYON_NUM_THREADS=1 measure "parse-only, 1 thread" ./target/release/examples/parse-only "$dir/repo"
RAYON_NUM_THREADS=1 measure "lint, 1 thread" ./target/release/cutoff lint "$dir/repo" --no-config --format json --fail-on never
./target/release/examples/prefilter-bench "$dir/repo"
