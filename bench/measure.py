#!/usr/bin/env python3
"""One tool on one input, for bench/compare.sh: writes bench/results/INPUT/TOOL.json.

An input is a directory of repositories (the corpus: each sub-directory is linted on its
own, from inside it, as its owner would) or a single repository (a generated one). The
tool runs once per repository first (exit code, wall time, peak RSS, stack traces: the
"check" pass, which also warms the page cache), then the whole input is timed again with
hyperfine (or a plain loop if hyperfine is missing) for the median. Slow tools get fewer
runs: never more than --budget seconds of timed runs; none if the check pass alone took
longer (then the check pass is the one sample), and the check pass counts as a sample
whenever fewer than three timed runs fit.
Standard library only.
"""

import argparse
import datetime
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

NO_TEKTON = "No tekton definitions can be found"
HERE = os.path.dirname(os.path.abspath(__file__))
TOOLS = os.path.join(HERE, ".tools")

# Stack traces and fatal errors, whatever the exit code: Python, Node, Rust.
CRASH_PATTERNS = [
    re.compile(r"Traceback \(most recent call last\)"),
    re.compile(r"^\s+at .+:\d+:\d+\)?$", re.M),  # a Node stack frame
    re.compile(r"FATAL ERROR|JavaScript heap out of memory"),
    re.compile(r"panicked at"),
    re.compile(r"Segmentation fault|core dumped"),
]


def tool_spec(name, args):
    """(argv run inside a repository, exit codes that only mean "findings", extra check)."""
    venv = os.path.join(TOOLS, "venv", "bin")
    if name == "cutoff":
        return [args.cutoff, "lint", "--root", ".", "--no-cache", "."], {0, 1}
    if name == "parse-only":
        return [args.parse_only, "."], {0}
    if name == "tekton-lint":
        tl = os.path.join(TOOLS, "npm", "node_modules", ".bin", "tekton-lint")
        # fast-glob skips dot-files and dot-folders (.tekton/, .gitlab-ci.yml) unless named.
        return [tl, "**/*.{yaml,yml}", "**/.*/**/*.{yaml,yml}", "**/.*.{yaml,yml}"], {0, 1}
    if name == "checkov":
        return [
            os.path.join(venv, "checkov"),
            "--framework", "kubernetes", "-d", ".", "--quiet", "--compact", "--skip-download",
        ], {0, 1}
    if name == "yamllint":
        return [os.path.join(venv, "yamllint"), "-d", "relaxed", "."], {0, 1}
    raise SystemExit(f"unknown tool {name}")


def tool_version(name, args):
    argv = {
        "cutoff": [args.cutoff, "--version"],
        "parse-only": [args.cutoff, "--version"],
        "tekton-lint": [os.path.join(TOOLS, "npm", "node_modules", ".bin", "tekton-lint"), "--version"],
        "checkov": [os.path.join(TOOLS, "venv", "bin", "checkov"), "--version"],
        "yamllint": [os.path.join(TOOLS, "venv", "bin", "yamllint"), "--version"],
    }[name]
    try:
        out = subprocess.run(argv, capture_output=True, text=True, timeout=120)
        v = (out.stdout.strip() or out.stderr.strip()).splitlines()[-1]
    except Exception as e:  # noqa: BLE001 - recorded, not fatal
        v = f"unknown ({e})"
    for prefix in ("cutoff ", "yamllint "):
        if v.startswith(prefix):
            v = v[len(prefix):]
    if name in ("cutoff", "parse-only"):
        try:
            rev = subprocess.run(
                ["git", "-C", HERE, "rev-parse", "--short=12", "HEAD"],
                capture_output=True, text=True, check=True,
            ).stdout.strip()
            dirty = subprocess.run(
                ["git", "-C", HERE, "status", "--porcelain", "--untracked-files=no", "--", "crates", "Cargo.toml", "Cargo.lock"],
                capture_output=True, text=True,
            ).stdout.strip()
            v += f" (commit {rev}{', modified' if dirty else ''})"
        except Exception:  # noqa: BLE001
            pass
    return v


def repositories(root, kind):
    if kind == "single":
        return [root]
    return sorted(
        os.path.join(root, d)
        for d in os.listdir(root)
        if os.path.isdir(os.path.join(root, d)) and not d.startswith(".")
    )


def yaml_size(dirs):
    files = size = 0
    for d in dirs:
        for base, subdirs, names in os.walk(d):
            subdirs[:] = [s for s in subdirs if s != ".git"]
            for n in names:
                if n.endswith((".yaml", ".yml")):
                    p = os.path.join(base, n)
                    if os.path.isfile(p) and not os.path.islink(p):
                        files += 1
                        size += os.path.getsize(p)
    return files, size


def loadavg():
    with open("/proc/loadavg") as f:
        return [float(x) for x in f.read().split()[:3]]


def run_once(argv, cwd, cap, env, scratch):
    """Runs argv in cwd under `timeout` and /usr/bin/time: a dict of what happened."""
    tfile = os.path.join(scratch, "time.txt")
    out = os.path.join(scratch, "stdout.txt")
    err = os.path.join(scratch, "stderr.txt")
    cmd = ["/usr/bin/time", "-f", "%e %M", "-o", tfile, "timeout", "-k", "10", str(cap)] + argv
    t0 = time.monotonic()
    with open(out, "wb") as o, open(err, "wb") as e:
        rc = subprocess.run(cmd, cwd=cwd, stdout=o, stderr=e, env=env).returncode
    wall = time.monotonic() - t0
    rss_kb = None
    try:
        with open(tfile) as f:
            last = f.read().strip().splitlines()[-1].split()
            rss_kb = int(last[1])
    except Exception:  # noqa: BLE001 - time's own output is missing when it was killed
        pass
    with open(out, "rb") as f:
        stdout = f.read().decode("utf-8", "replace")
    with open(err, "rb") as f:
        stderr = f.read().decode("utf-8", "replace")
    return {"rc": rc, "wall_s": round(wall, 4), "rss_kb": rss_kb, "stdout": stdout, "stderr": stderr}


def classify(name, r, ok_codes):
    """None if the run is fine (findings or not), else why it is a crash / error."""
    rc = r["rc"]
    if rc == 124 or rc == 137:
        return "timed out"
    text = r["stderr"] + "\n" + r["stdout"][-20000:]
    for p in CRASH_PATTERNS:
        m = p.search(text)
        if m:
            # Python: the exception is the traceback's last line; say it first.
            last = re.findall(r"^(\w+(?:Error|Exception): .*)$", text[m.start():], re.M)
            head = (last[-1][:200] + " | ") if last and "Traceback" in m.group(0) else ""
            return "stack trace: " + head + excerpt(text, m.start())
    if rc > 128:
        return f"killed by signal {rc - 128}"
    if rc not in ok_codes:
        return f"exit {rc}: " + excerpt(r["stderr"] or r["stdout"], None)
    if name == "tekton-lint" and rc == 1 and NO_TEKTON in text:
        return None  # a repository without Tekton files: said so, not a failure
    if name == "tekton-lint" and rc == 1 and "problem" not in r["stdout"]:
        # tekton-lint catches its own exceptions, logs the message (on standard output) and
        # exits 1, as it does for findings.
        m = re.search(r"^.*\bERROR\b.*$", text, re.M)
        return "error exit 1 without a report: " + excerpt(m.group(0) if m else text, None)
    return None


def excerpt(text, at):
    text = text.strip()
    if at is None:
        lines = [l for l in text.splitlines() if l.strip()]
        s = " | ".join(lines[-3:])
    else:
        s = text[max(0, at - 200): at + 200]
    s = re.sub(r"\s+", " ", s).strip()
    s = s.replace(TOOLS, "bench/.tools")
    return s[:400]


def loop_script(argv, dirs, cap, scratch, extra=""):
    """A script running argv in every directory, output discarded, failures ignored."""
    q = " ".join(shlex_quote(a) for a in argv)
    path = os.path.join(scratch, f"loop-{abs(hash((q, tuple(dirs), extra))) % 10**8}.sh")
    with open(path, "w") as f:
        f.write("#!/usr/bin/env bash\n")
        f.write(extra)
        for d in dirs:
            f.write(f"cd {shlex_quote(d)} && timeout -k 10 {cap} {q} >/dev/null 2>&1\n")
        f.write("exit 0\n")
    return path


def shlex_quote(s):
    import shlex

    return shlex.quote(s)


def timed(script, runs, env, scratch, prepare=None, warmup=0):
    """Median etc. of `bash script` over runs: hyperfine if present, else a loop."""
    hf = shutil.which("hyperfine")
    if hf:
        out = os.path.join(scratch, "hyperfine.json")
        cmd = [hf, "-N", "-i", "--style", "basic", "--runs", str(runs), "--warmup", str(warmup),
               "--export-json", out]
        if prepare:
            cmd += ["--prepare", prepare]
        cmd += [f"bash {script}"]
        subprocess.run(cmd, env=env, check=True, stdout=sys.stderr)
        with open(out) as f:
            r = json.load(f)["results"][0]
        times = r["times"]
        method = "hyperfine " + subprocess.run([hf, "--version"], capture_output=True, text=True).stdout.split()[-1]
    else:
        for _ in range(warmup):
            subprocess.run(["bash", script], env=env)
        times = []
        for _ in range(runs):
            if prepare:
                subprocess.run(["bash", "-c", prepare], env=env)
            t0 = time.monotonic()
            subprocess.run(["bash", script], env=env)
            times.append(time.monotonic() - t0)
        method = "loop (hyperfine not found)"
    return {
        "method": method,
        "runs": len(times),
        "median_s": round(statistics.median(times), 4),
        "min_s": round(min(times), 4),
        "max_s": round(max(times), 4),
        "stddev_s": round(statistics.stdev(times), 4) if len(times) > 1 else 0.0,
        "times_s": [round(t, 4) for t in times],
        "load_at_start": loadavg(),
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tool", required=True)
    ap.add_argument("--input", required=True, help="name of the input (corpus, gen-10000, ...)")
    ap.add_argument("--root", required=True)
    ap.add_argument("--kind", choices=["corpus", "single"], required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--budget", type=float, default=300, help="seconds of timed runs at most")
    ap.add_argument("--cap", type=int, default=900, help="timeout per run of one repository")
    ap.add_argument("--cutoff")
    ap.add_argument("--parse-only")
    ap.add_argument("--extras", action="store_true", help="cutoff only: parse-only, threads, cache")
    ap.add_argument("--lock-wait", default="{}", help="JSON: how the load wait went")
    args = ap.parse_args()

    scratch = tempfile.mkdtemp(prefix=f"bench-{args.tool}-")
    env = dict(os.environ)
    env["TL_CACHE_DIR"] = os.path.join(scratch, "tekton-lint-cache")  # not ~/.tekton-lint
    dirs = repositories(os.path.abspath(args.root), args.kind)
    files, size = yaml_size(dirs)
    argv, ok = tool_spec(args.tool, args)

    res = {
        "tool": args.tool,
        "version": tool_version(args.tool, args),
        "input": args.input,
        "repositories": len(dirs),
        "files": files,
        "bytes": size,
        "command": " ".join(shlex_quote(a) for a in argv),
        "cap_s": args.cap,
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "machine": machine(),
        "load_wait": json.loads(args.lock_wait),
    }

    # The check pass: each repository once.
    print(f"[{args.tool} on {args.input}] check pass over {len(dirs)} repositories", file=sys.stderr)
    res["check_load_at_start"] = loadavg()
    per_repo = []
    for d in dirs:
        r = run_once(argv, d, args.cap, env, scratch)
        why = classify(args.tool, r, ok)
        entry = {
            "repository": os.path.basename(d) if args.kind == "corpus" else args.input,
            "exit": r["rc"],
            "wall_s": r["wall_s"],
            "peak_rss_kb": r["rss_kb"],
            "problem": why,
        }
        if args.tool == "tekton-lint" and NO_TEKTON in r["stdout"] + r["stderr"]:
            entry["note"] = "no Tekton definitions found"
        per_repo.append(entry)
        if why:
            print(f"  {os.path.basename(d)}: {why[:160]}", file=sys.stderr)
    res["per_repository"] = per_repo
    check_total = sum(p["wall_s"] for p in per_repo)
    res["check_total_s"] = round(check_total, 4)
    rss = [p["peak_rss_kb"] for p in per_repo if p["peak_rss_kb"]]
    res["peak_rss_kb"] = max(rss) if rss else None
    timed_out = [p["repository"] for p in per_repo if p["problem"] == "timed out"]
    crashes = [p for p in per_repo if p["problem"] and p["problem"] != "timed out"]
    res["timed_out"] = timed_out
    res["crashed_repositories"] = [p["repository"] for p in crashes]

    # The timed runs.
    if timed_out:
        res["timing"] = {
            "method": "single run (check pass), timed out",
            "runs": 1,
            "median_s": round(check_total, 4),
            "times_s": [round(check_total, 4)],
            "load_at_start": res["check_load_at_start"],
        }
    else:
        runs = max(1, min(args.runs, int(args.budget // max(check_total, 0.001))))
        if check_total > args.budget:
            res["timing"] = {
                "method": "single run (check pass)",
                "runs": 1,
                "median_s": round(check_total, 4),
                "times_s": [round(check_total, 4)],
                "load_at_start": res["check_load_at_start"],
            }
        else:
            script = loop_script(argv, dirs, args.cap, scratch)
            t = timed(script, runs, env, scratch, warmup=1 if check_total < 30 else 0)
            if runs < 3:
                # Few timed runs: the check pass (the same runs, one by one) is a sample too.
                t["times_s"] = [round(check_total, 4)] + t["times_s"]
                t["runs"] = len(t["times_s"])
                t["median_s"] = round(statistics.median(t["times_s"]), 4)
                t["min_s"] = min(t["times_s"])
                t["max_s"] = max(t["times_s"])
                t["stddev_s"] = round(statistics.stdev(t["times_s"]), 4)
                t["method"] += " + the check pass as one more sample"
            res["timing"] = t

    if args.extras:
        res["extras"] = extras(args, dirs, env, scratch, res["timing"]["runs"])

    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w") as f:
        json.dump(res, f, indent=1)
        f.write("\n")
    shutil.rmtree(scratch, ignore_errors=True)
    print(f"[{args.tool} on {args.input}] median {res['timing']['median_s']} s -> {args.out}", file=sys.stderr)


def extras(args, dirs, env, scratch, runs):
    """cutoff only: the parser's share, one thread against two, the cache's second run."""
    out = {}
    lint_argv, _ = tool_spec("cutoff", args)
    po_argv, _ = tool_spec("parse-only", args)
    warm = 1
    print("  parse-only", file=sys.stderr)
    out["parse_only"] = timed(loop_script(po_argv, dirs, args.cap, scratch), runs, env, scratch, warmup=warm)
    for n in ("1", "2"):
        print(f"  RAYON_NUM_THREADS={n}", file=sys.stderr)
        e = dict(env, RAYON_NUM_THREADS=n)
        out[f"rayon_threads_{n}"] = timed(loop_script(lint_argv, dirs, args.cap, scratch), runs, e, scratch, warmup=warm)
    # RAYON_NUM_THREADS sizes rayon's pool; the directory walker sizes its own from the
    # CPUs the process may use, so pinning to one CPU is the true single-core figure.
    print("  taskset -c 0", file=sys.stderr)
    out["one_cpu_taskset"] = timed(
        loop_script(["taskset", "-c", "0"] + lint_argv, dirs, args.cap, scratch), runs, env, scratch, warmup=warm
    )
    cache = os.path.join(scratch, "cache")
    cached_argv = [args.cutoff, "lint", "--root", ".", "--cache-dir", cache, "."]
    script = loop_script(cached_argv, dirs, args.cap, scratch)
    print("  cache: first run (fresh --cache-dir)", file=sys.stderr)
    out["cache_first"] = timed(script, runs, env, scratch, prepare=f"rm -rf {shlex_quote(cache)}")
    subprocess.run(["bash", script], env=env)  # fill it
    print("  cache: second run (same --cache-dir)", file=sys.stderr)
    out["cache_second"] = timed(script, runs, env, scratch, warmup=0)
    out["cache_command"] = " ".join(shlex_quote(a) for a in cached_argv).replace(shlex_quote(cache), "CACHE")
    # A cached run must report what an uncached one does: compare the standard output.
    same = True
    for d in dirs:
        a = subprocess.run(lint_argv, cwd=d, capture_output=True, env=env).stdout
        b = subprocess.run(cached_argv, cwd=d, capture_output=True, env=env).stdout
        if a != b:
            same = False
            out.setdefault("cache_output_differs", []).append(os.path.basename(d))
    out["cache_output_identical"] = same
    return out


def machine():
    cpu = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = None
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal"):
                    mem = int(line.split()[1])
    except OSError:
        pass
    osname = platform.system()
    try:
        with open("/etc/os-release") as f:
            for line in f:
                if line.startswith("PRETTY_NAME="):
                    osname = line.split("=", 1)[1].strip().strip('"')
    except OSError:
        pass
    def ver(argv):
        try:
            return subprocess.run(argv, capture_output=True, text=True, timeout=30).stdout.strip().splitlines()[0]
        except Exception:  # noqa: BLE001
            return None
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "mem_kb": mem,
        "os": osname,
        "kernel": platform.release(),
        "node": ver(["node", "--version"]),
        "python": platform.python_version(),
        "hyperfine": ver(["hyperfine", "--version"]),
        "rustc": ver(["rustc", "--version"]),
    }


if __name__ == "__main__":
    main()
