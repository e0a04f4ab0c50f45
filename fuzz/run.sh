#!/usr/bin/env bash
# Runs fuzz targets for a fixed time each (default 60 s), seeded with the repository's
# fixtures. Needs a nightly toolchain and cargo-fuzz
# (`rustup toolchain install nightly`, `cargo install cargo-fuzz`).
#
# Usage: fuzz/run.sh [SECONDS] [TARGET...]     (targets: yaml duration cron lint_fix cache)
#
# The corpus grows in fuzz/corpus/TARGET/ (ignored by git) and is reused by the next run;
# crashes are written to fuzz/artifacts/TARGET/. Each one found becomes a regression test
# in the ordinary `cargo test` (see fuzz/README.md).
set -euo pipefail
cd "$(dirname "$0")"
secs=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(yaml duration cron lint_fix cache)
target_dir=${CARGO_TARGET_DIR:-$PWD/target}

# Seeds: every fixture for the YAML and lint targets (for lint_fix the first line names
# the file, so that path-dependent rules see a realistic path), a few values for the
# parsers. Rewritten on every run; the names are stable, so nothing piles up.
seed() {
  local dir=corpus/$1
  mkdir -p "$dir"
  case $1 in
  yaml | lint_fix)
    local i=0 f
    while IFS= read -r -d '' f; do
      i=$((i + 1))
      if [ "$1" = yaml ]; then
        cp "$f" "$dir/seed-$i.yaml"
      else
        { echo "${f#../}"; cat "$f"; } >"$dir/seed-$i"
      fi
    done < <(find ../fixtures -name '*.yaml' -print0 | sort -z)
    ;;
  duration)
    local d
    for d in 1h30m 0 -0 +1.5h -1.5h 300ms 1h1m1s1ms1us1ns 1µs 1μs .5s 5.s \
      9223372036854775807ns 2562047h47m16.854775807s -2562047h47m16.854775808s \
      0.000000000000000000001h 1e3s 2d 1w 90 '1 hour' '1h 30m' ' 2 hrs ' 30M 1H; do
      printf '%s' "$d" >"$dir/seed-$(printf '%s' "$d" | od -An -tx1 | tr -d ' \n')"
    done
    ;;
  cron)
    local c
    for c in '*/15 * * * *' '@hourly' '@every 1h30m' '0 0 31 2 *' '0 0 29 2 *' \
      'TZ=UTC 0 */2 * * 1-5' 'CRON_TZ=Europe/Berlin 30 4 * * *' \
      '5-59/10 1,2 * JAN-MAR MON' '0 0 1 * ?' '59 23 31 12 SUN-SAT' '* * * * * *'; do
      printf '%s' "$c" >"$dir/seed-$(printf '%s' "$c" | od -An -tx1 | tr -d ' \n')"
    done
    ;;
  cache)
    # A real cache file's parts would need this build; a few shapes do: offsets, then bytes.
    printf '\x10\x00\x08\x00%s' "$(head -c 40 /dev/zero | tr '\0' 'a')" >"$dir/seed-a"
    printf '\x00\x00\x00\x00' >"$dir/seed-empty"
    ;;
  *)
    echo "unknown target $1 (targets: yaml duration cron lint_fix cache)" >&2
    exit 2
    ;;
  esac
}

status=0
for t in "${targets[@]}"; do
  seed "$t"
  echo "== $t: ${secs}s"
  if ! cargo +nightly fuzz run --target-dir "$target_dir" "$t" "corpus/$t" -- \
    -max_total_time="$secs" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1; then
    echo "== $t: a crash; see fuzz/artifacts/$t/" >&2
    status=1
  fi
done
exit $status
