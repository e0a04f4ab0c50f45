"""The parts of the cutoff GitHub Action that read JSON or write Markdown, called by
scripts/action.sh (tested by tests/action.rs). Standard library only; Python 3.8+.

    action.py event                 what the event payload says, as `key=value` lines
    action.py version CARGO_TOML    the workspace version of the action's own source
    action.py report ...            the annotations (up to GitHub's limit) on stdout, the
                                    job summary, the number of findings
"""

import argparse
import json
import os
import re
import sys

# The runner keeps this many annotations of each kind per step; the steps of a composite
# action share one budget (actions/runner: ExecutionContext, _maxIssueCount).
LIMIT = {"error": 10, "warning": 10, "notice": 10}
# Rows of the findings table in the job summary (which holds at most 1 MiB).
MAX_ROWS = 500
# Charts of runs in the job summary.
MAX_CHARTS = 20


def event():
    path = os.environ.get("GITHUB_EVENT_PATH", "")
    name = os.environ.get("GITHUB_EVENT_NAME", "")
    payload = {}
    if path and os.path.isfile(path):
        with open(path, encoding="utf-8") as f:
            payload = json.load(f)
    base = ""
    fork = False
    if name in ("pull_request", "pull_request_target"):
        pr = payload.get("pull_request") or {}
        base = (pr.get("base") or {}).get("sha") or ""
        head_repo = (pr.get("head") or {}).get("repo")
        base_repo = (pr.get("base") or {}).get("repo") or {}
        # A deleted fork has no head repository at all.
        fork = head_repo is None or bool(head_repo.get("fork")) or (
            head_repo.get("full_name") != base_repo.get("full_name")
        )
    elif name == "merge_group":
        base = (payload.get("merge_group") or {}).get("base_sha") or ""
    actor = os.environ.get("GITHUB_TRIGGERING_ACTOR") or os.environ.get("GITHUB_ACTOR", "")
    # pull_request_target runs with the base repository's token, which can write.
    read_only = name != "pull_request_target" and (fork or actor == "dependabot[bot]")
    why = ""
    if read_only:
        why = "a pull request from a fork" if fork else "a Dependabot run"
    for k, v in (("base", base), ("read_only", "true" if read_only else "false"), ("why", why)):
        print(f"{k}={v}")


def version(cargo_toml):
    """`version` of `[workspace.package]` (else `[package]`) of a Cargo.toml."""
    section = None
    found = {}
    with open(cargo_toml, encoding="utf-8") as f:
        for line in f:
            s = line.strip()
            m = re.match(r"^\[([^\]]+)\]$", s)
            if m:
                section = m.group(1).strip()
                continue
            m = re.match(r'^(version|rust-version)\s*=\s*"([^"]+)"', s)
            if m and section in ("workspace.package", "package"):
                found.setdefault((section, m.group(1)), m.group(2))
    for key in ("version", "rust-version"):
        v = found.get(("workspace.package", key)) or found.get(("package", key)) or ""
        print(f"{key}={v}")


def cell(s):
    """One table cell: one line, `|` escaped (GitHub needs it also inside code spans)."""
    return " ".join(str(s).split()).replace("|", "\\|")


def files(n):
    return f"{n} file" if n == 1 else f"{n} files"


def plural(n, word):
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def report(a):
    try:
        with open(a.json, encoding="utf-8") as f:
            rep = json.load(f)
    except (OSError, ValueError):
        rep = None
    diags = rep["diagnostics"] if rep else []
    n = len(diags)
    with open(a.count_file, "w", encoding="utf-8") as f:
        f.write(str(n))

    # Annotations: the action's own come first (already printed, counted in a.used); then
    # errors, warnings and notices up to what is left, and one notice for the rest.
    used = {k: 0 for k in LIMIT}
    if a.used and os.path.isfile(a.used):
        with open(a.used, encoding="utf-8") as f:
            for line in f:
                k = line.strip()
                if k in used:
                    used[k] += 1
    annotations = {k: [] for k in LIMIT}
    if a.annotations and os.path.isfile(a.annotations):
        with open(a.annotations, encoding="utf-8") as f:
            for line in f:
                kind = line[2:].split(" ", 1)[0] if line.startswith("::") else ""
                if kind in annotations:
                    annotations[kind].append(line.rstrip("\n"))
    annotated = a.format == "github"
    room = {k: max(0, LIMIT[k] - used[k]) for k in LIMIT}
    if annotated and any(len(annotations[k]) > room[k] for k in LIMIT):
        room["notice"] = max(0, room["notice"] - 1)  # for the notice that says so
    shown = 0
    if annotated:
        for k in ("error", "warning", "notice"):
            for line in annotations[k][: room[k]]:
                print(line)
                shown += 1
    hidden = n - shown if annotated else 0

    uploading = a.uploading == "true"
    where = []
    if n <= MAX_ROWS:
        where.append("the job summary")
    else:
        where.append(f"the job summary (the first {MAX_ROWS})")
    where.append("the log of this step")
    if uploading:
        where.append(f"code scanning (category `{a.category}`)")
    if hidden > 0:
        msg = (
            f"{plural(hidden, 'more finding')} of {n} without an annotation: GitHub shows at most "
            f"10 errors, 10 warnings and 10 notices per step. All {n} are in "
            + ", ".join(where[:-1]) + " and " + where[-1] + "."
        )
        print(f"::notice title=cutoff%3A {hidden} more findings::{msg}")

    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if not summary:
        return
    lines = ["## cutoff", ""]
    notes = []
    if a.notes and os.path.isfile(a.notes):
        with open(a.notes, encoding="utf-8") as f:
            notes = [l.rstrip("\n") for l in f if l.strip()]
    for note in notes:
        lines += [f"> {note}", ""]
    if rep is None:
        lines.append(f"cutoff stopped (exit code {a.exit_code}) before it could report; see the log of this step.")
        errors = []
        if a.stderr and os.path.isfile(a.stderr):
            with open(a.stderr, encoding="utf-8", errors="replace") as f:
                errors = [l.strip()[len("cutoff: error: "):] for l in f if l.startswith("cutoff: error: ")]
        for e in errors[:10]:
            lines.append(f"- {cell(e)}")
    elif not diags:
        lines.append(f"No findings in {files(rep.get('files_scanned', 0))}{a.scope}.")
    else:
        counts = {}
        for d in diags:
            counts[d["severity"]] = counts.get(d["severity"], 0) + 1
        parts = [
            f"{counts[s]} info" if s == "info" else plural(counts[s], s)
            for s in ("error", "warning", "info")
            if s in counts
        ]
        lines.append(
            f"{plural(n, 'finding')} ({', '.join(parts)}) in {files(rep.get('files_scanned', 0))}{a.scope}."
        )
        lines += ["", "| Severity | Rule | File:Line | Message |", "| --- | --- | --- | --- |"]
        for d in diags[:MAX_ROWS]:
            rule = f"`{d['code']}` {d.get('name', '')}".strip()
            place = f"`{d['path']}:{d['line']}`"
            lines.append(f"| {d['severity']} | {cell(rule)} | {cell(place)} | {cell(d['message'])} |")
        if n > MAX_ROWS:
            rest = ["the log of this step"]
            if uploading:
                rest.append(f"code scanning (category `{a.category}`)")
            lines += ["", f"… and {n - MAX_ROWS} more, not listed here: all {n} are in " + " and ".join(rest) + "."]
        if hidden > 0:
            lines += [
                "",
                f"GitHub shows at most 10 errors, 10 warnings and 10 notices per step as annotations: "
                f"{plural(hidden, 'finding')} of {n} {'has' if hidden == 1 else 'have'} none.",
            ]
    if a.exit_code == 2 and rep is not None:
        lines += ["", "cutoff also reported errors (exit code 2); see the log of this step."]
    if a.charts and os.path.isfile(a.charts):
        with open(a.charts, encoding="utf-8") as f:
            charts = f.read()
        blocks = re.split(r"(?m)^(?=#### )", charts)
        blocks = [b for b in blocks if b.startswith("#### ")]
        if blocks:
            lines += ["", "### Timeouts of the runs this change touches", ""]
            lines.append("".join(blocks[:MAX_CHARTS]).rstrip("\n"))
            if len(blocks) > MAX_CHARTS:
                lines += [
                    "",
                    f"… and {plural(len(blocks) - MAX_CHARTS, 'more run')}: "
                    f"`cutoff timeouts --format mermaid{a.charts_args}` shows them all.",
                ]
    with open(summary, "a", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n\n")


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    sub.add_parser("event")
    v = sub.add_parser("version")
    v.add_argument("cargo_toml")
    r = sub.add_parser("report")
    r.add_argument("--json", required=True)
    r.add_argument("--annotations", default="")
    r.add_argument("--used", default="")
    r.add_argument("--format", default="github")
    r.add_argument("--exit-code", type=int, default=0)
    r.add_argument("--scope", default="")
    r.add_argument("--category", default="cutoff")
    r.add_argument("--uploading", default="false")
    r.add_argument("--notes", default="")
    r.add_argument("--stderr", default="")
    r.add_argument("--charts", default="")
    r.add_argument("--charts-args", default="")
    r.add_argument("--count-file", required=True)
    a = p.parse_args()
    if a.cmd == "event":
        event()
    elif a.cmd == "version":
        version(a.cargo_toml)
    else:
        report(a)


if __name__ == "__main__":
    sys.exit(main())
