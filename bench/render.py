#!/usr/bin/env python3
"""Writes BENCHMARKS.md from bench/results/INPUT/TOOL.json (see bench/compare.sh).
Standard library only: python3 bench/render.py bench/results BENCHMARKS.md"""

import glob
import json
import os
import re
import sys

PEERS = ["tekton-lint", "checkov", "yamllint"]
ORDER = ["cutoff"] + PEERS
INPUT_TITLES = {
    "corpus": "Real-world corpus",
}


def load(results):
    data = {}
    for path in sorted(glob.glob(os.path.join(results, "*", "*.json"))):
        with open(path) as f:
            r = json.load(f)
        data.setdefault(r["input"], {})[r["tool"]] = r
    return data


def input_order(name):
    if name == "corpus":
        return (0, 0)
    if not name.startswith("gen-"):
        return (2, 0)
    try:
        return (1, int(name.split("-", 1)[1]))
    except (ValueError, IndexError):
        return (2, 0)


def secs(s):
    if s is None:
        return "–"
    if s >= 100:
        return f"{s:.0f} s"
    if s >= 10:
        return f"{s:.1f} s"
    if s >= 1:
        return f"{s:.2f} s"
    return f"{s * 1000:.0f} ms"


def num(x):
    if x >= 100:
        return f"{x:,.0f}"
    if x >= 10:
        return f"{x:.1f}"
    return f"{x:.2f}"


def mb(kb):
    return "–" if not kb else f"{kb / 1024:,.0f} MB"


def title(name, r):
    if name in INPUT_TITLES:
        t = INPUT_TITLES[name]
    elif not name.startswith("gen-"):
        t = name
    else:
        t = f"Generated repository, {int(name.split('-', 1)[1]):,} files"
    return f"{t} ({r['files']:,} YAML files, {r['bytes'] / 1e6:.1f} MB" + (
        f", {r['repositories']} repositories linted one by one)" if r["repositories"] > 1 else ")"
    )


def ratio(a, b):
    if not a or not b:
        return "–"
    x = a / b
    return f"{x:,.0f}×" if x >= 10 else f"{x:.1f}×"


def load_str(r):
    la = r["timing"].get("load_at_start") or r.get("check_load_at_start")
    return f"{la[0]:.2f}" if la else "–"


def table(name, tools):
    cut = tools.get("cutoff")
    cut_med = cut["timing"]["median_s"] if cut else None
    rows = [
        "| tool | median wall time | runs | files/s | MB/s | peak RSS | crashes | time ÷ cutoff | load at start |",
        "|---|---:|---:|---:|---:|---:|---|---:|---:|",
    ]
    for tool in ORDER:
        r = tools.get(tool)
        if not r:
            continue
        t = r["timing"]
        med = t["median_s"]
        out = r.get("timed_out") or []
        if out:
            wall = f"> {secs(r['cap_s'])} (timed out)"
            fps = f"< {num(r['files'] / r['cap_s'])}"
            mbs = f"< {num(r['bytes'] / 1e6 / r['cap_s'])}"
            rel = f"> {ratio(r['cap_s'], cut_med)}" if cut_med else "–"
            if r["repositories"] > 1:
                wall = f"{secs(med)} ({len(out)} timed out)"
        else:
            wall = secs(med)
            fps = num(r["files"] / med)
            mbs = num(r["bytes"] / 1e6 / med)
            rel = "1×" if tool == "cutoff" else ratio(med, cut_med)
        crashed = crashes(r)
        if r["repositories"] > 1:
            crash = f"{len(crashed)} of {r['repositories']} repositories" if crashed else "none"
        else:
            crash = "crashed" if crashed else "none"
        rows.append(
            f"| {tool} | {wall} | {t['runs']} | {fps} | {mbs} | {mb(r.get('peak_rss_kb'))} | {crash} | {rel} | {load_str(r)} |"
        )
    return "\n".join(rows)


def short_reason(problem):
    """The kind of failure and its message, without log prefixes and stack frames."""
    kind = "stack trace" if problem.startswith("stack trace") else (
        "failed without a report" if problem.startswith("error exit") else problem.split(":", 1)[0])
    m = re.search(r"\b(\w*Error): (.+?)(?:\s+at\s|\",|$)", problem)
    if m:
        msg = f"{m.group(1)}: {m.group(2)}"
    else:
        m = re.search(r"ERROR \(\d+\): (.+)$", problem)
        msg = m.group(1) if m else problem.split(":", 1)[-1].strip()
    msg = msg.replace("|", "\\|").strip()
    if len(msg) > 160:
        msg = msg[:160] + "…"
    return kind, msg


def silent(p):
    return p["problem"] and p["problem"].rstrip().endswith("without a report:")


def crashes(r):
    return [p for p in r["per_repository"]
            if p["problem"] and p["problem"] != "timed out" and not silent(p)]


def crash_details(data):
    lines = []
    for name in sorted(data, key=input_order):
        for tool in ORDER:
            r = data[name].get(tool)
            if not r:
                continue
            quiet = [p["repository"] for p in r["per_repository"] if silent(p)]
            if quiet:
                lines.append(f"- **{tool}** on {'the corpus' if name == 'corpus' else name}: exited 1 "
                             f"and printed nothing at all (neither findings nor an error) on "
                             f"{len(quiet)} {'repository' if len(quiet) == 1 else 'repositories'}: "
                             + ", ".join(f"`{q}`" for q in quiet) + "; not counted as crashes (in our other runs over the same repositories "
                             "tekton-lint printed \"No tekton definitions can be found\" there and "
                             "exited 1; here even that line was missing).")
            bad = crashes(r)
            if not bad:
                continue
            kinds = {}
            for p in bad:
                k, _ = short_reason(p["problem"])
                kinds[k] = kinds.get(k, 0) + 1
            where = "the corpus" if name == "corpus" else name
            of = f" of {r['repositories']}" if r["repositories"] > 1 else ""
            noun = "repository" if len(bad) == 1 and not of else "repositories"
            lines.append(f"- **{tool}** on {where}: {len(bad)}{of} {noun} ("
                         + ", ".join(f"{n} {k}" for k, n in sorted(kinds.items())) + ")")
            for p in bad:
                k, msg = short_reason(p["problem"])
                lines.append(f"  - `{p['repository']}` (exit {p['exit']}, {k}): {msg}")
    return "\n".join(lines) if lines else "No tool crashed or printed a stack trace on any input."


def cutoff_table(data):
    rows = [
        "| input | lint | parse-only | lint ÷ parse-only | RAYON_NUM_THREADS=1 | =2 | 1 ÷ 2 | one CPU (`taskset -c 0`) | cache: 1st run | 2nd run | 2nd ÷ 1st |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    any_row = False
    for name in sorted(data, key=input_order):
        r = data[name].get("cutoff")
        if not r or "extras" not in r:
            continue
        any_row = True
        e = r["extras"]
        lint = r["timing"]["median_s"]
        po = e["parse_only"]["median_s"]
        t1 = e["rayon_threads_1"]["median_s"]
        t2 = e["rayon_threads_2"]["median_s"]
        one = e["one_cpu_taskset"]["median_s"]
        c1 = e["cache_first"]["median_s"]
        c2 = e["cache_second"]["median_s"]
        label = f"{int(name[4:]):,} files" if name.startswith("gen-") else name
        rows.append(
            f"| {label} | {secs(lint)} | {secs(po)} | {lint / po:.2f} | {secs(t1)} | {secs(t2)} | {t1 / t2:.2f} | "
            f"{secs(one)} | {secs(c1)} | {secs(c2)} | {100 * c2 / c1:.1f} % |"
        )
    return "\n".join(rows) if any_row else "_(not measured yet)_"


def cache_note(data):
    bad = []
    for name in sorted(data, key=input_order):
        r = data[name].get("cutoff")
        if r and "extras" in r and not r["extras"].get("cache_output_identical", True):
            bad.append(f"{name} ({', '.join(r['extras'].get('cache_output_differs', [])[:5])})")
    if bad:
        return "The cached second run's output differed from an uncached run on: " + "; ".join(bad) + "."
    return "On every input the cached run printed exactly what the uncached run printed."


def main():
    results, out = sys.argv[1], sys.argv[2]
    data = load(results)
    if not data:
        raise SystemExit("no results")
    every = [r for tools in data.values() for r in tools.values()]
    newest = max(every, key=lambda r: r["date"])
    m = newest["machine"]
    versions = {}
    for r in every:
        versions.setdefault(r["tool"], r["version"])
        if r["date"] >= [x for x in every if x["tool"] == r["tool"]][0]["date"]:
            versions[r["tool"]] = r["version"]
    dates = sorted(r["date"][:10] for r in every)
    cpus = sorted({r["machine"]["cpu"] for r in every})

    o = []
    w = o.append
    w("# Benchmarks: cutoff side by side\n")
    w("This file is generated by `bench/render.py` from the raw results in `bench/results/` "
      "(JSON, one file per tool and input, committed as the evidence). Do not edit it by hand; "
      "re-measure and re-render instead (see [Reproducing](#reproducing)).\n")
    w("## What is compared\n")
    w("The four tools do not check the same things, so these numbers compare the cost of "
      "running each tool over the same YAML, not the value of what each one finds. "
      "**cutoff** parses every file and checks timeouts across files (a Pipeline's tasks "
      "against its PipelineRuns, Jobs against their CronJobs, CI jobs against their "
      "stages and so on). **tekton-lint** (`@ibm/tekton-lint`) loads the Tekton resources "
      "of the files it is given and checks references between them (tasks, params, "
      "workspaces) and a set of style rules. **checkov** is a security and misconfiguration "
      "scanner; with `--framework kubernetes` it runs its Kubernetes policies on every "
      "manifest. **yamllint** checks YAML syntax and style, file by file, with its "
      "`relaxed` preset.\n")
    w("Each tool is run as a user would run it in a repository, from the repository's "
      "root, with its output discarded:\n")
    cmds = {}
    for r in every:
        cmds.setdefault(r["tool"], r["command"])
    for tool in ORDER:
        if tool in cmds:
            c = cmds[tool]
            c = c.replace(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), ".")
            c = "cutoff " + c.split(" ", 1)[1] if tool == "cutoff" else tool + " " + c.split(" ", 1)[1]
            w(f"- {tool}: `{c}`")
    w("")
    w("tekton-lint is given three glob patterns because the glob library it uses skips "
      "dot-folders (`.tekton/`) and dot-files (`.gitlab-ci.yml`) unless a pattern names them. "
      "checkov runs with `--skip-download` so that the timings do not include a download "
      "from its vendor's servers.\n")

    w("## Machine\n")
    w(f"- CPU: {', '.join(cpus)}; {m['cores']} cores visible")
    w(f"- RAM: {m['mem_kb'] / 1024 / 1024:.1f} GiB")
    w(f"- OS: {m['os']} (Linux {m['kernel']})")
    w(f"- Measured: {dates[0]}" + (f" to {dates[-1]}" if dates[-1] != dates[0] else ""))
    w(f"- Timing: {newest['timing'].get('method', '?')}; node {m.get('node')}, Python {m.get('python')}, "
      f"{m.get('rustc')}")
    w("- cutoff: built by the script with `cargo build --release --bin cutoff` (the "
      "workspace's release profile), at the commit named below")
    w("- Versions: " + "; ".join(f"{t} {versions[t]}" for t in ORDER if t in versions))
    w("")
    w("This is a shared virtual machine with 2 cores; other jobs were asked to pause while "
      "measurements ran (a lock file), and each measurement waited for the 1-minute load "
      "average to fall under 0.7 (at most 5 minutes). The load average at the start of each "
      "timed series is in the tables; anything well above 0.7 means the numbers are noisier.\n")

    w("## Results\n")
    for name in sorted(data, key=input_order):
        tools = data[name]
        any_r = next(iter(tools.values()))
        w(f"### {title(name, any_r)}\n")
        w(table(name, tools))
        w("")
        empty = [p for p in tools.get("tekton-lint", {}).get("per_repository", []) if p.get("note")]
        if empty:
            w(f"tekton-lint found no Tekton definitions in {len(empty)} of "
              f"{tools['tekton-lint']['repositories']} repositories (it says so and exits 1; not counted as a crash).\n")
        slow = [t for t in PEERS if t in tools and tools[t]["timing"]["runs"] == 1]
        if slow:
            w(f"One run each, capped at {secs(tools[slow[0]]['cap_s'])}: {', '.join(slow)}.\n")
        for t in ORDER:
            lw = tools.get(t, {}).get("load_wait") or {}
            if lw.get("gave_up"):
                w(f"{t}: the machine did not quieten down within 5 minutes (1-minute load "
                  f"{lw['load_after_wait']:.2f} when measuring started): other jobs were running, "
                  "so this row is noisier than the rest.\n")

    w("### cutoff alone\n")
    w(cutoff_table(data))
    w("")
    w("- **lint ÷ parse-only**: `cutoff lint` against the `parse-only` example "
      "(`crates/cutoff-core/examples/parse-only.rs`), which walks, reads and parses the "
      "same files with the same code and runs no rules: how far linting is from the parser's "
      "limit.")
    w("- **Threads**: `RAYON_NUM_THREADS` sizes the pool that reads, parses and checks files; "
      "the directory walker sizes its own from the CPUs the process may use, so `taskset -c 0` "
      "(one CPU for everything) is the true single-core figure.")
    w("- **Cache**: `cutoff lint --root . --cache-dir CACHE .`, the first run with an empty "
      "cache directory, the second with the one the first left. " + cache_note(data))
    w("")

    w("## Crashes\n")
    w("A crash is a run that printed a stack trace or a fatal error, was killed by a signal, "
      "or exited with a code that does not mean \"findings\" (cutoff: 0 or 1; tekton-lint, "
      "checkov, yamllint: 0 or 1; tekton-lint also exits 1 when it fails, so an exit 1 "
      "without a report counts). Timeouts are listed in the tables, not here.\n")
    w(crash_details(data))
    w("")

    w("## How to read the numbers\n")
    w("- **Median wall time** is over the runs shown (hyperfine, output discarded). On the "
      "corpus one run is all 54 repositories one after the other, each linted on its own from "
      "its own root, so it includes each tool's start-up 54 times, as in 54 CI jobs.")
    w("- **files/s** and **MB/s** divide the YAML files (`*.yaml`, `*.yml`) and their bytes "
      "by the median; a tool that skips files it does not understand still gets credit for "
      "them.")
    w("- **Peak RSS** is `/usr/bin/time -f %M` of the largest single run (one repository), "
      "from a separate pass that runs each repository once and also looks for crashes.")
    w("- **time ÷ cutoff** is the tool's median over cutoff's on the same input: how many "
      "times longer it takes. A timed-out run gives a lower bound (`>`).")
    w("- Slow tools get fewer runs (a budget of a few minutes of timed runs per tool and "
      "input) and, on the largest repository, one run with a cap; their numbers are "
      "single samples, good to a few percent here, not to the last digit.")
    w("- **load at start** is the 1-minute load average when the timed series began. It "
      "includes the tool's own check pass just before it, so a single-threaded tool leaves "
      "about 1 there and a two-threaded one about 2; the load before each measurement "
      "(after waiting for a quiet machine) is `load_wait` in the JSON.")
    w("- Caveats: a shared 2-core VM; figures from another machine will differ, ratios less "
      "so. The peers are measured less often than cutoff (whose rows can be refreshed on "
      "their own), so check the dates in `bench/results/` before quoting a ratio.")
    w("")

    w("## Reproducing\n")
    w("```sh\n"
      "CUTOFF_CORPUS=/path/to/corpus bench/compare.sh all      # everything: an hour or more\n"
      "CUTOFF_CORPUS=/path/to/corpus bench/compare.sh cutoff   # only cutoff's rows, peers kept\n"
      "bench/compare.sh render                                  # only rewrite this file\n"
      "```\n")
    w("The corpus is a folder with one sub-folder per repository (real Tekton, Kubernetes, "
      "Argo, GitHub Actions and GitLab CI files from public repositories); it is not part of "
      "this repository. Without it the corpus rows are skipped. The generated repositories "
      "come from `crates/cutoff-core/examples/gen-repo.rs` (deterministic for a given size). "
      "`bench/compare.sh` installs tekton-lint with npm and checkov and yamllint with pip "
      "into `bench/.tools/`, and hyperfine with apt-get; `--help`-style options are at the top "
      "of the script (`--corpus`, `--sizes`, `--tools`, `--cap`, `--lock`).")
    w("")
    with open(out, "w") as f:
        f.write("\n".join(o))


if __name__ == "__main__":
    main()
