#!/usr/bin/env bash
# The logic of the cutoff GitHub Action (action.yml at the repository root), kept out of the
# YAML so that tests/action.rs can run it with a fake GITHUB_* environment.
#
#   action.sh locate    find cutoff: a `cutoff` on PATH of the wanted version, else the
#                       release binary for this runner (SHA-256 checked), else ask for a
#                       build (outputs: bin, or need-build with cargo-home, target-dir,
#                       cache-key; annotations: the file that counts annotations)
#   action.sh install   build this action's own source with an explicit toolchain, in the
#                       action's directory (output: bin)
#   action.sh run       lint; annotations up to GitHub's limit; outputs findings,
#                       sarif-file, category, upload-sarif, checkout-path, exit-code; the
#                       job summary (findings, charts of the runs a change touches)
#
# Inputs arrive as environment variables (INPUT_PATHS, INPUT_FAIL_ON, ...), never spliced
# into a command line by the workflow engine. Needs bash, git, curl and python3 (GitHub's
# runners have them). scripts/action.py does the JSON and Markdown.
set -euo pipefail

# The action's own checkout (this script's parent directory unless told otherwise).
ACTION_PATH=${GITHUB_ACTION_PATH:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
# Where release binaries are downloaded from: https://github.com/cutoff-dev/cutoff/releases
# (a mirror can be named with CUTOFF_RELEASE_URL, e.g. on GitHub Enterprise Server).
RELEASE_URL=${CUTOFF_RELEASE_URL:-https://github.com/cutoff-dev/cutoff/releases/download}

python() {
  if command -v python3 >/dev/null 2>&1; then
    python3 "$@"
  else
    command python "$@"
  fi
}

helper() { python "$ACTION_PATH/scripts/action.py" "$@"; }

# An annotation (counted: the steps of this action share GitHub's limit of 10 per kind),
# on stderr so that it also surfaces from inside $(...). annotate KIND TITLE MESSAGE
annotate() {
  local msg=${3//'%'/'%25'}
  msg=${msg//$'\n'/'%0A'}
  echo "::$1 title=${2//:/%3A}::$msg" >&2
  if [ -n "${CUTOFF_ANNOTATIONS:-}" ]; then echo "$1" >>"$CUTOFF_ANNOTATIONS"; fi
}

# A line of the job summary (under a `## cutoff` heading written once per step).
summary_line() {
  [ -n "${GITHUB_STEP_SUMMARY:-}" ] || return 0
  if [ ! -s "$GITHUB_STEP_SUMMARY" ] || ! grep -q '^## cutoff' "$GITHUB_STEP_SUMMARY"; then
    printf '## cutoff\n\n' >>"$GITHUB_STEP_SUMMARY"
  fi
  printf '%s\n\n' "$1" >>"$GITHUB_STEP_SUMMARY"
}

# An error annotation and summary line, then exit 2.
die() {
  annotate error "cutoff action" "$*"
  summary_line "cutoff action: $*"
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

# The version and minimum Rust version of the action's own source.
source_field() {
  helper version "$ACTION_PATH/Cargo.toml" | sed -n "s/^$1=//p"
}

sha256() {
  if command -v sha256sum >/dev/null 2>&1; then
    sha256sum "$1" | awk '{print $1}'
  else
    shasum -a 256 "$1" | awk '{print $1}'
  fi
}

# The release target of this runner (RUNNER_OS and RUNNER_ARCH, else uname).
runner_target() {
  local os=${RUNNER_OS:-} arch=${RUNNER_ARCH:-}
  if [ -z "$os" ]; then
    case "$(uname -s)" in
      Linux) os=Linux ;;
      Darwin) os=macOS ;;
      MINGW* | MSYS* | CYGWIN*) os=Windows ;;
    esac
  fi
  if [ -z "$arch" ]; then
    case "$(uname -m)" in
      x86_64 | amd64) arch=X64 ;;
      aarch64 | arm64) arch=ARM64 ;;
    esac
  fi
  case "$os/$arch" in
    Linux/X64) echo x86_64-unknown-linux-musl ;;
    Linux/ARM64) echo aarch64-unknown-linux-musl ;;
    macOS/X64) echo x86_64-apple-darwin ;;
    macOS/ARM64) echo aarch64-apple-darwin ;;
    Windows/X64) echo x86_64-pc-windows-msvc ;;
    Windows/ARM64) echo aarch64-pc-windows-msvc ;;
    *) return 1 ;;
  esac
}

# download VERSION: the release binary for this runner, checked against the release's
# SHA256SUMS. Prints its path. Returns 10 when there is none to have (no release, no binary
# for this platform, the release cannot be reached): build instead; exits on a binary that
# does not match its checksum or version: never run that.
download() {
  local version=$1 target asset dir url sums expected actual bin
  if ! target=$(runner_target); then
    echo "no release binary for ${RUNNER_OS:-$(uname -s)}/${RUNNER_ARCH:-$(uname -m)}" >&2
    return 10
  fi
  asset=cutoff-$target
  case "$target" in *windows*) asset=$asset.exe ;; esac
  dir=${RUNNER_TEMP:-${TMPDIR:-/tmp}}/cutoff-action/v$version/$target
  mkdir -p "$dir/bin"
  url=$RELEASE_URL/v$version
  sums=$dir/SHA256SUMS
  if ! curl -fsSL --retry 2 --connect-timeout 10 -o "$sums" "$url/SHA256SUMS" 2>"$dir/curl.log"; then
    echo "no release v$version at $url ($(tr '\n' ' ' <"$dir/curl.log"))" >&2
    return 10
  fi
  expected=$(awk -v a="$asset" '$2 == a || $2 == "*" a { print $1; exit }' "$sums")
  if [ -z "$expected" ]; then
    echo "release v$version has no binary for $target" >&2
    return 10
  fi
  if ! curl -fsSL --retry 2 --connect-timeout 10 -o "$dir/$asset" "$url/$asset" 2>"$dir/curl.log"; then
    echo "cannot download $url/$asset ($(tr '\n' ' ' <"$dir/curl.log"))" >&2
    return 10
  fi
  actual=$(sha256 "$dir/$asset")
  if [ "$actual" != "$expected" ]; then
    rm -f "$dir/$asset"
    die "the downloaded $asset of v$version does not match its checksum (SHA-256 $actual, SHA256SUMS says $expected): refusing to run it"
  fi
  bin=$dir/bin/cutoff
  case "$target" in *windows*) bin=$bin.exe ;; esac
  mv "$dir/$asset" "$bin"
  chmod +x "$bin"
  local have
  have=$(binary_version "$bin")
  [ "$have" = "$version" ] || die "the release binary $asset of v$version reports version '$have': refusing to run it"
  echo "$bin"
}

# The toolchain every build uses, whatever the caller's rust-toolchain.toml says.
toolchain() { echo "${CUTOFF_RUST_TOOLCHAIN:-stable}"; }

# Runs a Rust tool in the action's directory with the explicit toolchain: a
# rust-toolchain.toml of the repository being linted (which a pull request controls) is
# never in effect.
in_action_dir() {
  (cd "$ACTION_PATH" && RUSTUP_TOOLCHAIN=$(toolchain) "$@")
}

cmd_locate() {
  local install=${INPUT_INSTALL:-auto} own want found="" have=""
  CUTOFF_ANNOTATIONS=$(mktemp "${RUNNER_TEMP:-${TMPDIR:-/tmp}}/cutoff-annotations.XXXXXX")
  output annotations "$CUTOFF_ANNOTATIONS"
  case "$install" in
    auto | binary | source | path) ;;
    *) die "install: expected auto, binary, source or path, got '$install'" ;;
  esac
  own=$(source_field version)
  want=${INPUT_VERSION:-$own}
  want=${want#v}
  if [ "$install" = auto ] || [ "$install" = path ]; then
    if found=$(command -v cutoff 2>/dev/null); then
      have=$(binary_version "$found")
      if [ "$have" != "$want" ]; then
        [ "$install" = path ] && die "the cutoff on PATH ($found) is version $have, not $want"
        echo "not using the cutoff on PATH ($found): it is version $have, this action runs $want"
        found=""
      fi
    fi
  fi
  if [ -z "$found" ] && { [ "$install" = auto ] || [ "$install" = binary ]; }; then
    local rc=0
    found=$(download "$want") || rc=$?
    if [ "$rc" -eq 10 ]; then
      found=""
      [ "$install" = binary ] && die "install: binary, but there is no release binary of cutoff $want for this runner"
    elif [ "$rc" -ne 0 ]; then
      exit "$rc" # refused (annotated by download)
    else
      echo "downloaded the cutoff $want release binary (SHA-256 checked): $found"
      [ -n "${GITHUB_PATH:-}" ] && dirname "$found" >>"$GITHUB_PATH"
    fi
  fi
  if [ -n "$found" ]; then
    echo "using $found (cutoff $(binary_version "$found"))"
    output bin "$found"
    output need-build false
    return
  fi
  [ "$install" = path ] && die "install: path, but there is no cutoff on PATH"
  [ "$want" = "$own" ] || die "no cutoff $want binary for this runner, and this action's source is cutoff $own: use the action at v$want"
  [ -f "$ACTION_PATH/Cargo.lock" ] || die "no Cargo.lock in $ACTION_PATH: cannot build cutoff from source"
  command -v cargo >/dev/null 2>&1 || die "no release binary of cutoff $want for this runner, and building it needs cargo (e.g. dtolnay/rust-toolchain in an earlier step)"
  if [ "$install" = auto ]; then
    annotate notice "cutoff action" "No release binary of cutoff $want for this runner: building it from source with the $(toolchain) toolchain (a few minutes; cached for later runs)."
  fi
  echo "building cutoff $want from source in $ACTION_PATH with the $(toolchain) toolchain"
  local key
  key=$({
    cat "$ACTION_PATH/Cargo.lock" "$ACTION_PATH/Cargo.toml"
    in_action_dir rustc -V 2>/dev/null || true
  } | (if command -v sha256sum >/dev/null 2>&1; then sha256sum; else shasum -a 256; fi) | awk '{print $1}')
  output need-build true
  output cargo-home "${CARGO_HOME:-$HOME/.cargo}"
  output target-dir "${XDG_CACHE_HOME:-$HOME/.cache}/cutoff-action/target"
  output cache-key "$key"
}

# "1.85" <= "1.95.0"?
version_at_least() {
  local have=$1 need=$2
  [ "$(printf '%s\n%s\n' "$need" "$have" | sort -t. -k1,1n -k2,2n -k3,3n | head -n1)" = "$need" ]
}

cmd_install() {
  local root=${RUNNER_TEMP:-${TMPDIR:-/tmp}}/cutoff-action
  local target=${CUTOFF_TARGET_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/cutoff-action/target}
  local want=${INPUT_VERSION:-} tc need rustc_v rc=0
  want=${want#v}
  tc=$(toolchain)
  need=$(source_field rust-version)
  if command -v rustup >/dev/null 2>&1 && ! in_action_dir rustup run "$tc" rustc --version >/dev/null 2>&1; then
    in_action_dir rustup toolchain install "$tc" --profile minimal --no-self-update >&2 ||
      echo "rustup could not install the $tc toolchain" >&2
  fi
  rustc_v=$(in_action_dir rustc --version 2>/dev/null | awk '{print $2}') || true
  if [ -z "$rustc_v" ]; then
    die "building cutoff needs rustc (toolchain $tc); none found"
  fi
  if [ -n "$need" ] && ! version_at_least "${rustc_v%%-*}" "$need"; then
    die "building cutoff needs Rust $need or newer; the $tc toolchain is $rustc_v (set CUTOFF_RUST_TOOLCHAIN)"
  fi
  echo "building cutoff from $ACTION_PATH with rustc $rustc_v ($tc), cargo install --locked" >&2
  CARGO_TARGET_DIR=$target in_action_dir cargo install --locked --force --root "$root" --path . || rc=$?
  if [ "$rc" -ne 0 ]; then
    die "building cutoff from source failed (cargo install exited $rc; rustc $rustc_v): see the log of this step"
  fi
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

# Makes sure `base` is in the clone and prints the commit to diff against: the merge base
# with HEAD, deepening a shallow clone until it has one. Returns 1, saying why on stderr,
# when there is none to have.
resolve_base() {
  local base=$1 mb depth
  if ! git cat-file -e "$base^{commit}" 2>/dev/null; then
    echo "fetching the base commit $base" >&2
    if ! git fetch --no-tags --quiet --depth=1 origin "$base" >&2; then
      echo "the base commit $base cannot be fetched from origin" >&2
      return 1
    fi
  fi
  if mb=$(git merge-base "$base" HEAD 2>/dev/null); then
    echo "$mb"
    return 0
  fi
  if [ "$(git rev-parse --is-shallow-repository 2>/dev/null)" = true ]; then
    for depth in 50 1000; do
      echo "shallow clone: fetching $depth more commits to find the merge base" >&2
      git fetch --no-tags --quiet --deepen="$depth" origin "$base" "$(git rev-parse HEAD)" >&2 || break
      if mb=$(git merge-base "$base" HEAD 2>/dev/null); then
        echo "$mb"
        return 0
      fi
    done
    echo "shallow clone: fetching the whole history to find the merge base" >&2
    if git fetch --no-tags --quiet --unshallow origin "$base" "$(git rev-parse HEAD)" >&2 &&
      mb=$(git merge-base "$base" HEAD 2>/dev/null); then
      echo "$mb"
      return 0
    fi
  fi
  echo "no merge base of $base and HEAD in this clone" >&2
  return 1
}

# The flags of `cutoff lint` that `cutoff timeouts` shares, from the `args` input.
timeouts_args() {
  local keep=""
  for a in "$@"; do
    if [ -n "$keep" ]; then
      printf '%s\n' "$a"
      keep=""
      continue
    fi
    case "$a" in
      --tekton-version | --pac-version | --default-timeout-minutes | --root)
        printf '%s\n' "$a"
        keep=1
        ;;
      --tekton-version=* | --pac-version=* | --default-timeout-minutes=* | --root=* | --no-config)
        printf '%s\n' "$a"
        ;;
    esac
  done
}

cmd_run() {
  local cutoff=${CUTOFF_BIN:-}
  [ -n "$cutoff" ] || cutoff=$(command -v cutoff) || die "no cutoff binary (CUTOFF_BIN unset, none on PATH)"
  case "$cutoff" in /*) ;; *) cutoff=$(cd "$(dirname "$cutoff")" && pwd)/$(basename "$cutoff") ;; esac
  # A runner's checkout is fresh: a cache of results would be written and never read. A job
  # that saves and restores .cutoff_cache/ itself sets CUTOFF_NO_CACHE=0.
  export CUTOFF_NO_CACHE=${CUTOFF_NO_CACHE:-1}

  local format=${INPUT_FORMAT:-github} fail_on=${INPUT_FAIL_ON:-warning} category=${INPUT_CATEGORY:-cutoff}
  case "$fail_on" in
    error | warning | info | never) ;;
    *) die "fail-on: expected error, warning, info or never, got '$fail_on'" ;;
  esac
  [ -n "$category" ] || category=cutoff
  output category "$category"

  local tmp state
  state=${RUNNER_TEMP:-${TMPDIR:-/tmp}}/cutoff-action
  mkdir -p "$state"
  tmp=$(mktemp -d "$state/run.XXXXXX")
  # shellcheck disable=SC2064
  trap "rm -rf '$tmp'" EXIT
  : >"$tmp/notes"

  local -a extra=() paths=()
  read -r -d '' -a extra <<<"${INPUT_ARGS:-}" || true
  read -r -d '' -a paths <<<"${INPUT_PATHS:-.}" || true
  [ ${#paths[@]} -gt 0 ] || paths=(.)
  local config=${INPUT_CONFIG:-}

  # Run from the root of the repository the paths are in, so that every path cutoff prints
  # (annotations, SARIF, summary) is relative to it, also when actions/checkout put the
  # repository in a subfolder (`path:`) or the paths are in one.
  local first=${paths[0]} top="" here
  here=$(pwd)
  [ -d "$first" ] || first=$(dirname "$first")
  if [ -d "$first" ] && top=$(git -C "$first" rev-parse --show-toplevel 2>/dev/null); then
    top=$(cd "$top" && pwd)
    if [ "$top" != "$here" ]; then
      local -a moved=()
      local p
      for p in "${paths[@]}"; do
        moved+=("$(python -c 'import os,sys; print(os.path.relpath(os.path.abspath(sys.argv[1]), sys.argv[2]))' "$p" "$top")")
      done
      paths=("${moved[@]}")
      if [ -n "$config" ]; then
        config=$(python -c 'import os,sys; print(os.path.relpath(os.path.abspath(sys.argv[1]), sys.argv[2]))' "$config" "$top")
      fi
      echo "running in the repository $top (paths: ${paths[*]})" >&2
      cd "$top"
    fi
  else
    top=""
  fi
  output checkout-path "${top:-$here}"

  local -a common=()
  [ -n "$config" ] && common+=(--config "$config")

  # changed-only: on pull requests and in the merge queue, report only on the files the
  # change touches, against the same commit: the pull request's merge base, or the commit
  # the merge-queue entry is built on.
  local base="" scope="" read_only=false why=""
  local k v
  while IFS='=' read -r k v; do
    case "$k" in
      base) base=$v ;;
      read_only) read_only=$v ;;
      why) why=$v ;;
    esac
  done < <(helper event)
  if truthy "${INPUT_CHANGED_ONLY:-true}" && [ -n "$base" ]; then
    local resolved
    if [ -z "$top" ]; then
      local msg="changed-only: ${paths[0]} is not in a git repository, so the changed files are unknown; linted every file instead. If actions/checkout checked the repository out into a folder (its path: input), set this action's paths to that folder."
      annotate warning "cutoff: changed-only" "$msg"
      echo "$msg" >>"$tmp/notes"
    elif resolved=$(resolve_base "$base" 2>"$tmp/base.log"); then
      cat "$tmp/base.log" >&2
      echo "linting only files changed since $resolved" >&2
      base=$resolved
      scope=" changed since \`${base:0:12}\`"
    else
      cat "$tmp/base.log" >&2
      local msg
      msg="changed-only: no merge base of the base commit ${base:0:12} and HEAD in this clone ($(tail -n1 "$tmp/base.log")); linted every file instead. actions/checkout with fetch-depth: 0 gives the whole history."
      annotate warning "cutoff: changed-only" "$msg"
      echo "$msg" >>"$tmp/notes"
      base=""
    fi
  else
    base=""
  fi

  # SARIF describes the whole tree, always: code scanning compares it with the full run on
  # the default branch, and a partial one would close every alert in an untouched file.
  local sarif="" uploading=false
  if truthy "${INPUT_SARIF:-false}"; then
    sarif=$(mktemp "$state/cutoff-XXXXXX")
    mv "$sarif" "$sarif.sarif"
    sarif=$sarif.sarif
    uploading=true
    if [ "$read_only" = true ]; then
      uploading=false
      local msg="SARIF not uploaded to code scanning: $why gets a read-only token. The annotations and the job summary show the findings."
      annotate notice "cutoff: SARIF" "$msg"
      echo "$msg" >>"$tmp/notes"
    fi
  fi

  local -a args=(lint --fail-on "$fail_on" --output "json=$tmp/report.json" --output "github=$tmp/annotations")
  if [ "$format" = github ]; then
    # The log lists every finding; the annotations are printed below, up to the limit.
    args+=(--format concise)
  else
    args+=(--format "$format")
  fi
  [ -n "$base" ] && args+=(--changed-since "$base")
  [ -n "$sarif" ] && [ -z "$base" ] && args+=(--output "sarif=$sarif")

  local rc=0
  # (`${a[@]+"${a[@]}"}`: an empty array under `set -u` in bash 3, as on macOS.)
  "$cutoff" "${args[@]}" ${common[@]+"${common[@]}"} ${extra[@]+"${extra[@]}"} -- "${paths[@]}" 2>"$tmp/stderr" || rc=$?
  cat "$tmp/stderr" >&2
  # Errors cutoff reports (configuration, unreadable files) as annotations, at the file
  # and line when it names them.
  local line msg file ln col
  while IFS= read -r line; do
    msg=${line#cutoff: error: }
    if [[ $msg =~ ^([^:]+):([0-9]+):([0-9]+):\ (.*)$ ]] && [ -f "${BASH_REMATCH[1]}" ]; then
      file=${BASH_REMATCH[1]} ln=${BASH_REMATCH[2]} col=${BASH_REMATCH[3]}
      file=${file#"$PWD"/}
      echo "::error file=$file,line=$ln,col=$col,title=cutoff%3A configuration::${BASH_REMATCH[4]}" >&2
      [ -n "${CUTOFF_ANNOTATIONS:-}" ] && echo error >>"$CUTOFF_ANNOTATIONS"
    else
      annotate error "cutoff" "$msg"
    fi
  done < <(grep '^cutoff: error: ' "$tmp/stderr" | head -n 5 || true)

  if [ -n "$sarif" ] && [ -n "$base" ]; then
    # changed-only narrowed the run above; the SARIF comes from the whole tree.
    "$cutoff" lint --format sarif --fail-on never ${common[@]+"${common[@]}"} ${extra[@]+"${extra[@]}"} -- "${paths[@]}" >"$sarif" 2>/dev/null || true
  fi

  local charts="" charts_args=""
  if [ -n "$base" ]; then
    local -a targs=()
    while IFS= read -r line; do targs+=("$line"); done < <(timeouts_args ${extra[@]+"${extra[@]}"})
    charts=$tmp/charts.md
    "$cutoff" timeouts --format mermaid --changed-since "$base" ${common[@]+"${common[@]}"} ${targs[@]+"${targs[@]}"} -- "${paths[@]}" >"$charts" 2>/dev/null || : >"$charts"
    charts_args=" --changed-since ${base:0:12}"
  fi

  helper report --json "$tmp/report.json" --annotations "$tmp/annotations" --used "${CUTOFF_ANNOTATIONS:-}" \
    --format "$format" --exit-code "$rc" --scope "$scope" --category "$category" --uploading "$uploading" \
    --notes "$tmp/notes" --stderr "$tmp/stderr" --charts "$charts" --charts-args "$charts_args" \
    --count-file "$tmp/count"
  local findings
  findings=$(cat "$tmp/count")
  output findings "$findings"
  if [ -n "$sarif" ] && [ -s "$sarif" ]; then
    output sarif-file "$sarif"
  else
    output sarif-file ""
    uploading=false
  fi
  output upload-sarif "$uploading"
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
