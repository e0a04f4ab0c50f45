#!/usr/bin/env bash
# The logic of the cutoff GitHub Action (action.yml at the repository root), kept out of the
# YAML so that tests/action.rs can run it with a fake GITHUB_* environment.
#
#   action.sh locate    find a usable `cutoff` (outputs: need-build; bin when one is found,
#                       else cargo-home, target-dir and cache-key for the cache step)
#   action.sh install   cargo install --locked --path "$GITHUB_ACTION_PATH" (output: bin)
#   action.sh run       lint; annotations on stdout; outputs findings, sarif-file, exit-code;
#                       a Markdown table of the findings in $GITHUB_STEP_SUMMARY
#
# Inputs arrive as environment variables (INPUT_PATHS, INPUT_FAIL_ON, ...), never spliced
# into a command line by the workflow engine. Needs bash, git and python3 (GitHub's runners
# have them).
set -euo pipefail

# The action's own checkout (this script's parent directory unless told otherwise).
ACTION_PATH=${GITHUB_ACTION_PATH:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}

# An annotation, on stderr so that it also surfaces from inside $(...).
die() {
  echo "::error title=cutoff action::$*" >&2
  exit 2
}

# `name=value` to $GITHUB_OUTPUT (and to stderr when there is none, e.g. run by hand).
output() {
  if [ -n "${GITHUB_OUTPUT:-}" ]; then
    printf '%s=%s\n' "$1" "$2" >>"$GITHUB_OUTPUT"
  else
    printf 'output %s=%s\n' "$1" "$2" >&2
  fi
}

python() {
  if command -v python3 >/dev/null 2>&1; then
    python3 "$@"
  else
    command python "$@"
  fi
}

# "1", "yes", "on", "true" (any case) are true.
truthy() {
  case "$(printf '%s' "${1:-}" | tr '[:upper:]' '[:lower:]')" in
    1 | true | yes | on) return 0 ;;
    *) return 1 ;;
  esac
}

# The version a `cutoff` binary reports ("cutoff 0.1.0" -> "0.1.0").
binary_version() {
  "$1" --version 2>/dev/null | awk '{print $2; exit}'
}

sha256() {
  if command -v sha256sum >/dev/null 2>&1; then
    sha256sum | awk '{print $1}'
  else
    shasum -a 256 | awk '{print $1}'
  fi
}

cmd_locate() {
  local install=${INPUT_INSTALL:-auto} want=${INPUT_VERSION:-} found="" have=""
  want=${want#v}
  case "$install" in
    auto | source | path) ;;
    *) die "install: expected auto, source or path, got '$install'" ;;
  esac
  if [ "$install" != source ] && found=$(command -v cutoff 2>/dev/null); then
    have=$(binary_version "$found")
    if [ -n "$want" ] && [ "$have" != "$want" ]; then
      [ "$install" = path ] && die "the cutoff on PATH ($found) is version $have, not $want"
      echo "cutoff on PATH ($found) is version $have, not $want: building from source"
      found=""
    fi
  else
    found=""
  fi
  if [ -n "$found" ]; then
    echo "using $found (cutoff $have)"
    output bin "$found"
    output need-build false
    return
  fi
  [ "$install" = path ] && die "install: path, but there is no cutoff on PATH"
  [ -f "$ACTION_PATH/Cargo.lock" ] || die "no Cargo.lock in $ACTION_PATH: cannot build cutoff from source"
  command -v cargo >/dev/null 2>&1 || die "building cutoff needs cargo (e.g. the runner's preinstalled Rust, or dtolnay/rust-toolchain)"
  local key
  key=$({ cat "$ACTION_PATH/Cargo.lock" "$ACTION_PATH/Cargo.toml"; rustc -V 2>/dev/null || true; } | sha256)
  output need-build true
  output cargo-home "${CARGO_HOME:-$HOME/.cargo}"
  output target-dir "${XDG_CACHE_HOME:-$HOME/.cache}/cutoff-action/target"
  output cache-key "$key"
}

cmd_install() {
  local root=${RUNNER_TEMP:-${TMPDIR:-/tmp}}/cutoff-action
  local target=${CUTOFF_TARGET_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/cutoff-action/target}
  local want=${INPUT_VERSION:-}
  want=${want#v}
  echo "building cutoff from $ACTION_PATH (cargo install --locked)"
  CARGO_TARGET_DIR=$target cargo install --locked --force --root "$root" --path "$ACTION_PATH"
  local bin="$root/bin/cutoff"
  [ -x "$bin" ] || bin="$root/bin/cutoff.exe"
  [ -x "$bin" ] || die "cargo install did not produce $root/bin/cutoff"
  local have
  have=$(binary_version "$bin")
  if [ -n "$want" ] && [ "$have" != "$want" ]; then
    die "this action's source builds cutoff $have, not $want: use the action at the matching tag"
  fi
  if [ -n "${GITHUB_PATH:-}" ]; then
    dirname "$bin" >>"$GITHUB_PATH"
  fi
  output bin "$bin"
}

# The commit a pull request is compared against, from the event payload; empty if none.
pr_base() {
  [ -n "${GITHUB_EVENT_PATH:-}" ] && [ -f "$GITHUB_EVENT_PATH" ] || return 0
  python - "$GITHUB_EVENT_PATH" <<'EOF'
import json, sys
with open(sys.argv[1], encoding="utf-8") as f:
    event = json.load(f)
pr = event.get("pull_request") or {}
print((pr.get("base") or {}).get("sha") or "")
EOF
}

# Makes sure `base` is in the clone (actions/checkout fetches one commit by default) and
# prints the commit to diff against: the merge base with HEAD when history allows.
resolve_base() {
  local base=$1
  if ! git cat-file -e "$base^{commit}" 2>/dev/null; then
    echo "fetching the pull request base $base" >&2
    git fetch --no-tags --quiet --depth=1 origin "$base" >&2 ||
      die "cannot fetch the pull request base $base; use actions/checkout with fetch-depth: 0"
  fi
  git merge-base "$base" HEAD 2>/dev/null || echo "$base"
}

# Writes the step summary and prints the number of findings, from cutoff's JSON report.
summarize() {
  python - "$1" "$2" "$3" <<'EOF'
import json, os, sys

report_path, exit_code, scope = sys.argv[1], int(sys.argv[2]), sys.argv[3]
try:
    with open(report_path, encoding="utf-8") as f:
        report = json.load(f)
except (OSError, ValueError):
    report = None
diags = report["diagnostics"] if report else []
print(len(diags))

summary = os.environ.get("GITHUB_STEP_SUMMARY")
if not summary:
    sys.exit(0)

def cell(s):
    # One line; `|` escaped (GitHub's tables need it also inside code spans).
    return " ".join(str(s).split()).replace("|", "\\|")

def files(n):
    return f"{n} file" if n == 1 else f"{n} files"

MAX_ROWS = 500
lines = ["## cutoff", ""]
if report is None:
    lines.append(f"cutoff failed (exit code {exit_code}) before it could report; see the log.")
elif not diags:
    lines.append(f"No findings in {files(report.get('files_scanned', 0))}{scope}.")
else:
    counts = {}
    for d in diags:
        counts[d["severity"]] = counts.get(d["severity"], 0) + 1
    parts = [f"{counts[s]} {s}" for s in ("error", "warning", "info") if s in counts]
    n = len(diags)
    lines.append(f"{n} finding{'s' if n != 1 else ''} ({', '.join(parts)}) "
                 f"in {files(report.get('files_scanned', 0))}{scope}.")
    lines += ["", "| Severity | Rule | File:Line | Message |", "| --- | --- | --- | --- |"]
    for d in diags[:MAX_ROWS]:
        rule = f"`{d['code']}` {d.get('name', '')}".strip()
        where = f"`{d['path']}:{d['line']}`"
        lines.append(f"| {d['severity']} | {cell(rule)} | {cell(where)} | {cell(d['message'])} |")
    if n > MAX_ROWS:
        lines += ["", f"… and {n - MAX_ROWS} more: see the annotations or the SARIF report."]
if exit_code == 2 and report is not None:
    lines += ["", "cutoff also reported errors (exit code 2); see the log."]
with open(summary, "a", encoding="utf-8") as f:
    f.write("\n".join(lines) + "\n\n")
EOF
}

cmd_run() {
  local cutoff=${CUTOFF_BIN:-}
  [ -n "$cutoff" ] || cutoff=$(command -v cutoff) || die "no cutoff binary (CUTOFF_BIN unset, none on PATH)"

  local format=${INPUT_FORMAT:-github} fail_on=${INPUT_FAIL_ON:-warning}
  case "$fail_on" in
    error | warning | info | never) ;;
    *) die "fail-on: expected error, warning, info or never, got '$fail_on'" ;;
  esac

  local tmp
  tmp=$(mktemp -d "${RUNNER_TEMP:-${TMPDIR:-/tmp}}/cutoff.XXXXXX")
  # shellcheck disable=SC2064
  trap "rm -rf '$tmp'" EXIT

  local -a args=(lint --format "$format" --fail-on "$fail_on" --output "json=$tmp/report.json")
  [ -n "${INPUT_CONFIG:-}" ] && args+=(--config "$INPUT_CONFIG")

  local sarif=""
  if truthy "${INPUT_SARIF:-false}"; then
    sarif=cutoff.sarif
    rm -f "$sarif" # never upload a stale one
    args+=(--output "sarif=$sarif")
  fi

  local scope=""
  if truthy "${INPUT_CHANGED_ONLY:-true}"; then
    local base
    base=$(pr_base)
    if [ -n "$base" ]; then
      base=$(resolve_base "$base")
      echo "linting only files changed since $base (the pull request base)" >&2
      args+=(--changed-since "$base")
      scope=" changed since \`${base:0:12}\`"
    fi
  fi

  local -a extra=() paths=()
  read -r -d '' -a extra <<<"${INPUT_ARGS:-}" || true
  read -r -d '' -a paths <<<"${INPUT_PATHS:-.}" || true
  [ ${#paths[@]} -gt 0 ] || paths=(.)

  local rc=0
  # (`${a[@]+"${a[@]}"}`: an empty array under `set -u` in bash 3, as on macOS.)
  "$cutoff" "${args[@]}" ${extra[@]+"${extra[@]}"} -- "${paths[@]}" || rc=$?

  local findings
  findings=$(summarize "$tmp/report.json" "$rc" "$scope")
  output findings "$findings"
  if [ -n "$sarif" ] && [ -f "$sarif" ]; then
    output sarif-file "$sarif"
  else
    output sarif-file ""
  fi
  output exit-code "$rc"
  echo "cutoff: $findings finding(s), exit code $rc" >&2
  return "$rc"
}

case "${1:-run}" in
  locate) cmd_locate ;;
  install) cmd_install ;;
  run) cmd_run ;;
  *)
    echo "usage: $0 locate|install|run" >&2
    exit 2
    ;;
esac
