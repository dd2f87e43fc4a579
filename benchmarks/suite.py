"""The Gherkin suite's wall time, scenario count and scenarios per second: runs

    <python> -m pytest features -q -p no:randomly            (one process)
    <python> -m pytest features -q -p no:randomly -n 2       (pytest-xdist, 2 workers)

as subprocesses from the repository root, --runs times each, taking turns; the wall time is
measured around the subprocess (interpreter start and collection included) and the scenario
count is read from pytest's closing "N passed[, N failed, N skipped]" line; scenarios per second
count every outcome. A run with failures or errors is reported (the FAILED lines), not hidden.

With --select EXPR, `-m EXPR` is added to every run (e.g. --select "not harness" leaves out
scenarios that run the suite itself). The 1-minute load average is printed before and after
each run: on a shared machine it says whether other work was competing.

Run with the project's python, from the repository root:

    .venv/bin/python benchmarks/suite.py --runs 3
    .venv/bin/python benchmarks/suite.py --runs 3 --select "not harness"
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import time
from pathlib import Path

from bench_common import summary

ROOT = Path(__file__).resolve().parent.parent
BASE = ["-m", "pytest", "features", "-q", "-p", "no:randomly"]
VARIANTS = {"1 process": [], "-n 2 (xdist)": ["-n", "2"]}


def load() -> str:
    return Path("/proc/loadavg").read_text().split()[0] if Path("/proc/loadavg").exists() else "?"


def run_once(extra: list[str]) -> tuple[float, dict]:
    before = load()
    started = time.perf_counter()
    done = subprocess.run([sys.executable, *BASE, *extra], cwd=ROOT, capture_output=True, text=True)
    wall = time.perf_counter() - started
    closing = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""
    counts = {
        word: int(n) for n, word in re.findall(r"(\d+) (passed|failed|errors?|skipped)", closing)
    }
    print(
        f"pytest {' '.join(extra)}: {wall:.1f} s, {closing!r}, load {before} -> {load()}",
        file=sys.stderr,
        flush=True,
    )
    if done.returncode != 0 or not counts.get("passed"):
        failed = [line for line in done.stdout.splitlines() if line.startswith(("FAILED", "ERROR"))]
        print(f"  exited {done.returncode}; " + "\n  ".join(failed[:10]), file=sys.stderr)
    return wall, counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--select", help="a marker expression, passed to pytest as -m")
    parser.add_argument("--json", help="write the raw results here")
    args = parser.parse_args()
    select = ["-m", args.select] if args.select else []
    walls: dict[str, list[float]] = {name: [] for name in VARIANTS}
    counts: dict[str, list[dict]] = {name: [] for name in VARIANTS}
    for _ in range(args.runs):
        for name, extra in VARIANTS.items():
            wall, count = run_once(extra + select)
            walls[name].append(wall)
            counts[name].append(count)
    print("| run | outcomes (each run) | wall s, median (min-max) | scenarios/s |")
    print("|---|---|---|---|")
    results = {}
    for name in VARIANTS:
        s = summary(walls[name])
        outcomes = sorted({", ".join(f"{n} {w}" for w, n in c.items()) for c in counts[name]})
        scenarios = sum(counts[name][0].values())  # every outcome: passed, failed, skipped...
        results[name] = {"wall": s, "counts": counts[name]}
        print(
            f"| {name} | {'; '.join(outcomes)} | {s['median']:.2f} "
            f"({s['min']:.2f}-{s['max']:.2f}) | {scenarios / s['median']:.1f} |"
        )
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
