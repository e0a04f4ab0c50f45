#!/usr/bin/env bash
# cutoff side by side with the tools users would otherwise run on the same YAML:
# tekton-lint (npm), checkov and yamllint (PyPI), on a corpus of real repositories (each
# linted on its own) and on generated repositories. Raw results go to bench/results/ as
# JSON; bench/render.py turns them into BENCHMARKS.md.
#
#   bench/compare.sh all     [options]   everything (the peers take a long while)
#   bench/compare.sh peers   [options]   only the other tools
#   bench/compare.sh cutoff  [options]   only cutoff's rows; the peers' stored results stay
#   bench/compare.sh render              only rewrite BENCHMARKS.md from bench/results/
#
# Options:
#   --corpus DIR     the corpus (one folder per repository; default: $CUTOFF_CORPUS;
#                    without one, the corpus rows are skipped)
#   --sizes "N ..."  generated repositories to measure (default: "10000 100000")
#   --tools "T ..."  peers to run (default: "tekton-lint checkov yamllint")
#   --cap SECONDS    timeout of one run of one tool on one repository (default: 900)
#   --lock FILE      a file that exists while we measure, so that other jobs on a shared
#                    machine can pause (default: $CUTOFF_BENCH_LOCK, else
#                    /work/locks/bench.lock when /work/locks exists; "" for none)
#
# Needs: cargo, python3 (with venv), node and npm, /usr/bin/time, timeout; installs the
# peers into bench/.tools and hyperfine with apt-get (without it: a plain timing loop).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
mode=${1:-all}
shift || true
corpus=${CUTOFF_CORPUS:-}
sizes="10000 100000"
peers="tekton-lint checkov yamllint"
cap=900
if [ -n "${CUTOFF_BENCH_LOCK+set}" ]; then
  lock=$CUTOFF_BENCH_LOCK
elif [ -d /work/locks ]; then
  lock=/work/locks/bench.lock
else
  lock=
fi
while [ $# -gt 0 ]; do
  case $1 in
  --corpus) corpus=$2; shift 2 ;;
  --sizes) sizes=$2; shift 2 ;;
  --tools) peers=$2; shift 2 ;;
  --cap) cap=$2; shift 2 ;;
  --lock) lock=$2; shift 2 ;;
  *) echo "unknown option: $1" >&2; exit 2 ;;
  esac
done
case $mode in all | peers | cutoff | render) ;; *) echo "usage: $0 all|peers|cutoff|render [options]" >&2; exit 2 ;; esac

tools=$here/.tools
scratch=$here/.scratch
results=$here/results
mkdir -p "$tools" "$scratch" "$results"
target=${CARGO_TARGET_DIR:-$repo/target}
cutoff=$target/release/cutoff
parse_only=$target/release/examples/parse-only
gen=$target/release/examples/gen-repo

# --- The lock: held only while measuring, dropped on any exit. -------------------------
locked=0
drop_lock() {
  if [ "$locked" = 1 ] && [ -n "$lock" ]; then rm -f "$lock"; fi
  locked=0
}
trap drop_lock EXIT
trap 'exit 130' INT TERM HUP
load1() { cut -d' ' -f1 /proc/loadavg; }
# Takes the lock, then waits (at most 5 minutes) for the 1-minute load average to fall
# under 0.7; sets $wait_json to what happened, for the results.
take_lock() {
  if [ -n "$lock" ]; then
    mkdir -p "$(dirname "$lock")"
    echo "bench/compare.sh $$ $(date -u +%FT%TZ)" >"$lock"
    locked=1
  fi
  local start=$SECONDS before gave_up=false
  before=$(load1)
  until awk -v l="$(load1)" 'BEGIN { exit !(l < 0.7) }'; do
    if [ $((SECONDS - start)) -ge 300 ]; then gave_up=true; break; fi
    sleep 10
  done
  wait_json=$(printf '{"load_before_wait": %s, "waited_s": %d, "load_after_wait": %s, "gave_up": %s}' \
    "$before" $((SECONDS - start)) "$(load1)" "$gave_up")
  echo "load $(load1) after waiting $((SECONDS - start)) s (gave up: $gave_up)" >&2
}

# --- Installing: what users would run, in throwaway directories. ------------------------
install_peers() {
  if ! command -v hyperfine >/dev/null; then
    if command -v apt-get >/dev/null; then
      apt-get install -y -q hyperfine >/dev/null 2>&1 || sudo apt-get install -y -q hyperfine >/dev/null 2>&1 ||
        echo "hyperfine: not installable, timing with a plain loop" >&2
    else
      echo "hyperfine: no apt-get, timing with a plain loop" >&2
    fi
  fi
  if [ ! -x "$tools/npm/node_modules/.bin/tekton-lint" ]; then
    npm install --prefix "$tools/npm" --no-audit --no-fund --silent @ibm/tekton-lint
  fi
  if [ ! -x "$tools/venv/bin/checkov" ] || [ ! -x "$tools/venv/bin/yamllint" ]; then
    python3 -m venv "$tools/venv"
    "$tools/venv/bin/pip" install -q checkov yamllint
  fi
}

build_cutoff() {
  (cd "$repo" && cargo build --release --quiet --bin cutoff &&
    cargo build --release --quiet -p cutoff-core --example gen-repo --example parse-only)
}

# Generated repositories are deterministic for a given N: made once, kept in .scratch.
generate() {
  local n=$1 dir=$scratch/gen-$1
  if [ ! -f "$dir/.complete" ]; then
    rm -rf "$dir"
    "$gen" "$dir" "$n" >/dev/null 2>&1
    touch "$dir/.complete"
  fi
}

inputs=()
if [ -n "$corpus" ] && [ -d "$corpus" ]; then
  inputs+=("corpus")
elif [ "$mode" != render ]; then
  echo "no corpus (--corpus or CUTOFF_CORPUS): the corpus rows are not measured" >&2
fi
for n in $sizes; do inputs+=("gen-$n"); done

root_of() { if [ "$1" = corpus ]; then echo "$corpus"; else echo "$scratch/$1"; fi; }
kind_of() { if [ "$1" = corpus ]; then echo corpus; else echo single; fi; }

# One tool on one input, under the lock.
measure() { # tool input runs [extra args...]
  local tool=$1 input=$2 runs=$3
  shift 3
  take_lock
  python3 "$here/measure.py" --tool "$tool" --input "$input" --root "$(root_of "$input")" \
    --kind "$(kind_of "$input")" --out "$results/$input/$tool.json" --runs "$runs" \
    --cap "$cap" --cutoff "$cutoff" --parse-only "$parse_only" --lock-wait "$wait_json" "$@" ||
    echo "measure.py failed for $tool on $input" >&2
  drop_lock
}

if [ "$mode" != render ]; then
  build_cutoff
  for i in "${inputs[@]}"; do [ "$i" = corpus ] || generate "${i#gen-}"; done
fi

if [ "$mode" = all ] || [ "$mode" = peers ]; then
  install_peers
  # Peers: a few runs where they are quick, one capped run on the big repository.
  for tool in $peers; do
    for i in "${inputs[@]}"; do
      case $i in
      corpus) measure "$tool" "$i" 3 --budget 400 ;;
      gen-100000) measure "$tool" "$i" 1 --budget 0 ;;
      *) measure "$tool" "$i" 3 --budget 300 ;;
      esac
    done
  done
fi

if [ "$mode" = all ] || [ "$mode" = cutoff ]; then
  for i in "${inputs[@]}"; do
    measure cutoff "$i" 10 --budget 120 --extras
  done
fi

python3 "$here/render.py" "$results" "$repo/BENCHMARKS.md"
echo "wrote $repo/BENCHMARKS.md" >&2
