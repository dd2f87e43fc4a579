"""Every row of issue 16's table in one run, ours beside the peers: the benchmark command.

    python3 benchmarks/run_all.py --peers-python /tmp/peers-venv/bin/python [--json FILE]

It runs, one after the other and each in a process of its own, the scripts beside it that
measure a row (`signin_vs_peers.py`, `ready_time.py`, `served_throughput.py`,
`scim_tester_vs_peer.py`, `scim_scale.py`, `suite.py`; then `floors.py`, what the stack costs
under the goals, and `memory.py`, the servers' memory beside the peers'), reads their raw
results, and prints one Markdown table: each row's figure for ours and for the peer measured
in the same run, the ratio (ours / peer), the issue's goal and whether this run meets it; then
the machine, the commit and the 1-minute load average before and after each script, and each
script's own table. Figures are medians (of sign-ins, starts, runs or lookups, as each script
says). Speed is never asserted: a goal missed is printed, not failed.

The peers live in their own virtualenv, never the project's:

    python3 -m venv /tmp/peers-venv
    /tmp/peers-venv/bin/pip install oidc-provider-mock pytest-iam scim2-server requests

Without --peers-python the peers are skipped and their columns stay empty. Run from anywhere
with any python3: it re-runs itself with the project's `.venv/bin/python` (made by
`python3 run.py test`). `--quick` takes fewer samples (for trying the command out; its figures
are not the ones to record). A full run takes 10 minutes on two quiet cores, up to 18 on busy ones.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PROJECT_PYTHON = ROOT / ".venv" / "bin" / "python"

# (samples for a recorded run, for --quick)
SAMPLES = {
    "signin_rounds": (200, 40),
    "ready_starts": (10, 3),
    "throughput_signins": (300, 80),
    "tester_runs": (5, 2),
    "scim_lookups": (200, 50),
    "suite_runs": (3, 1),
    "floor_starts": (10, 3),
    "floor_requests": (500, 100),
    "memory_signins": (500, 100),
}


def load() -> str:
    return Path("/proc/loadavg").read_text().split()[0] if Path("/proc/loadavg").exists() else "?"


def run_script(name: str, args: list[str], log: list[dict]) -> dict:
    """Run benchmarks/<name> with --json; keep its printed table and the load around it."""
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as out:
        raw = Path(out.name)
    command = [sys.executable, str(HERE / name), *args, "--json", str(raw)]
    before, started = load(), time.perf_counter()
    print(f"{name} {' '.join(args)} ... (load {before})", file=sys.stderr, flush=True)
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    entry = {
        "script": name,
        "args": args,
        "load_before": before,
        "load_after": load(),
        "seconds": time.perf_counter() - started,
        "table": done.stdout.strip(),
        "notes": [line for line in done.stderr.splitlines() if line.startswith("skipped")],
    }
    log.append(entry)
    if done.returncode != 0:
        entry["error"] = done.stderr.strip()[-3000:]
        print(f"{name} failed:\n{entry['error']}", file=sys.stderr)
        return {}
    result = json.loads(raw.read_text())
    raw.unlink()
    return result


def median(result: dict, *path: str) -> float | None:
    """result[path...]["median"], or None where a target was skipped or failed."""
    for key in path:
        if not isinstance(result, dict) or key not in result:
            return None
        result = result[key]
    return result.get("median") if isinstance(result, dict) else result


def ratio(ours: float | None, peer: float | None) -> float | None:
    return ours / peer if ours is not None and peer else None


def fmt(value: float | None, unit: str = "", digits: int = 1) -> str:
    return "" if value is None else f"{value:.{digits}f}{unit}"


def measure(peers: list[str], quick: bool, select: str | None) -> tuple[list[dict], list[dict]]:
    n = {key: values[1 if quick else 0] for key, values in SAMPLES.items()}
    log: list[dict] = []
    rows: list[dict] = []

    signin = run_script("signin_vs_peers.py", ["--rounds", str(n["signin_rounds"]), *peers], log)
    ms = {name: median(signin, name, "total") for name in signin}
    for name in list(ms):
        ms[name] = ms[name] * 1000 if ms[name] is not None else None
    in_process = ms.get("KaseyaOne sim, in-process")
    served = ms.get("KaseyaOne sim, served (gunicorn)")
    mock = ms.get("oidc-provider-mock, in-process")
    canaille = ms.get("pytest-iam (Canaille), in-process")
    faster_peer = min((v for v in (mock, canaille) if v is not None), default=None)
    rows.append(
        {
            "what": "one provider sign-in (authorize, form, callback, token, userinfo), ms",
            "ours": f"{fmt(in_process)} in-process, {fmt(served)} served",
            "peer": f"oidc-provider-mock {fmt(mock)}, Canaille {fmt(canaille)}",
            "ratios": [ratio(in_process, faster_peer), ratio(served, faster_peer)],
            "goal": "<= 0.25",
            "met": _all_at_most([ratio(in_process, faster_peer), ratio(served, faster_peer)], 0.25),
        }
    )
    crowded = next((v for k, v in ms.items() if "more users in the tenant" in k), None)
    rows.append(
        {
            "what": "one provider sign-in, in-process, a tenant of 10,000 more users "
            "(with access, and a code each) against one of 2, ms",
            "ours": f"{fmt(crowded)} against {fmt(in_process)}",
            "peer": "",
            "ratios": [ratio(crowded, in_process)],
            "goal": "equally fast (within 15 %)",
            "met": _all_at_most([ratio(crowded, in_process)], 1.15),
        }
    )
    full = ms.get("UniView -> KaseyaOne, full sign-in, in-process")
    rows.append(
        {
            "what": "a whole UniView sign-in through both simulators, ms",
            "ours": fmt(full),
            "peer": f"the faster peer's provider-only sign-in, {fmt(faster_peer)}",
            "ratios": [ratio(full, faster_peer)],
            "goal": "<= 0.5",
            "met": _all_at_most([ratio(full, faster_peer)], 0.5),
        }
    )

    ready = run_script("ready_time.py", ["--starts", str(n["ready_starts"]), *peers], log)
    k1 = median(ready, "mock-kaseyaone serve (gunicorn)")
    uv = median(ready, "mock-uniview serve (gunicorn)")
    cli = median(ready, "oidc-provider-mock, its CLI (uvicorn)")
    k1, uv, cli = (v * 1000 if v is not None else None for v in (k1, uv, cli))
    rows.append(
        {
            "what": "ready to serve from process start (fresh database), ms",
            "ours": f"mock-kaseyaone serve {fmt(k1, digits=0)}, mock-uniview serve "
            f"{fmt(uv, digits=0)}",
            "peer": f"oidc-provider-mock CLI {fmt(cli, digits=0)}",
            "ratios": [ratio(k1, cli), ratio(uv, cli)],
            "goal": "<= 0.65",
            "met": _all_at_most([ratio(k1, cli), ratio(uv, cli)], 0.65),
        }
    )

    throughput = run_script(
        "served_throughput.py",
        ["--signins", str(n["throughput_signins"]), "--threads", "8", *peers],
        log,
    )
    per_second = (throughput.get("full") or [{}])[-1].get("per_second")
    provider_only = throughput.get("provider_only", {})
    peer_rates = {
        name: found.get("per_second")
        for name, found in provider_only.items()
        if name != "kaseyaone" and found.get("per_second")
    }
    best_peer = max(peer_rates.values(), default=None)
    rows.append(
        {
            "what": "served full sign-ins per second (2 workers each, 8 client threads)",
            "ours": fmt(per_second),
            "peer": ", ".join(f"{k} {fmt(v)} (provider only)" for k, v in peer_rates.items())
            + "".join(
                f"; {k} failed under the load" for k, v in provider_only.items() if "error" in v
            ),
            "ratios": [ratio(per_second, best_peer)],
            "goal": ">= 150 per second, and more than the peer",
            "met": per_second is not None
            and per_second >= 150
            and (best_peer is None or per_second > best_peer),
        }
    )

    tester = run_script("scim_tester_vs_peer.py", ["--runs", str(n["tester_runs"]), *peers], log)
    ours_tester = next((v for k, v in tester.items() if k.startswith("UniView")), {})
    peer_tester = tester.get("scim2-server", {})
    per_check = ours_tester.get("per_check_ms")
    peer_check = peer_tester.get("per_check_ms")
    rows.append(
        {
            "what": "scim2-tester's battery, per check, ms (both served in their own process)",
            "ours": f"UniView {fmt(per_check)} ({ours_tester.get('checks', '?')} checks)",
            "peer": f"scim2-server {fmt(peer_check)} ({peer_tester.get('checks', '?')} checks)",
            "ratios": [ratio(per_check, peer_check)],
            "goal": "<= 1.0",
            "met": _all_at_most([ratio(per_check, peer_check)], 1.0),
        }
    )

    scale = run_script(
        "scim_scale.py",
        ["--sizes", "10000", "--lookups", str(n["scim_lookups"]), "--pushes", "0", *peers],
        log,
    )
    found = {name: figures[-1] for name, figures in scale.get("scim", {}).items()}
    embedded = found.get("UniView, embedded", {})
    served_uv = found.get("UniView, served (gunicorn)", {})
    peer_scim = found.get("scim2-server", {})
    listing = [embedded.get("listing_s"), served_uv.get("listing_s")]
    again = [embedded.get("listing_again_s"), served_uv.get("listing_again_s")]
    rows.append(
        {
            "what": "listing 10,000 users over SCIM (pages of 100), s: the first listing "
            "(and a second)",
            "ours": f"{fmt(listing[0], digits=2)} ({fmt(again[0], digits=2)}) embedded, "
            f"{fmt(listing[1], digits=2)} ({fmt(again[1], digits=2)}) served",
            "peer": f"scim2-server {fmt(peer_scim.get('listing_s'), digits=2)} "
            f"({fmt(peer_scim.get('listing_again_s'), digits=2)})",
            "ratios": [ratio(v, peer_scim.get("listing_s")) for v in listing],
            "goal": "<= 0.1 (under 0.6 s)",
            "met": _all_at_most([ratio(v, peer_scim.get("listing_s")) for v in listing], 0.1),
        }
    )
    lookups = [embedded.get("userName_ms"), served_uv.get("userName_ms")]
    rows.append(
        {
            "what": "`userName eq` lookup among 10,000, ms",
            "ours": f"{fmt(lookups[0], digits=2)} embedded, {fmt(lookups[1], digits=2)} served",
            "peer": f"scim2-server {fmt(peer_scim.get('userName_ms'), digits=2)}",
            "ratios": [ratio(v, peer_scim.get("userName_ms")) for v in lookups],
            "goal": "<= 2 ms",
            "met": all(v is not None and v <= 2 for v in lookups),
        }
    )

    suite_args = ["--runs", str(n["suite_runs"])] + (["--select", select] if select else [])
    suite = run_script("suite.py", suite_args, log)
    one, two = suite.get("1 process", {}), suite.get("-n 2 (xdist)", {})
    scenarios = sum((one.get("counts") or [{}])[0].values()) if one else 0
    one_s, two_s = median(one, "wall"), median(two, "wall")
    speed = scenarios / one_s if one_s else None
    rows.append(
        {
            "what": "the feature suite",
            "ours": f"{scenarios} scenarios in {fmt(one_s)} s in one process "
            f"({fmt(speed)} per second), {fmt(two_s)} s with -n 2",
            "peer": "",
            "ratios": [ratio(one_s, two_s)],
            "goal": ">= 10 scenarios/s in one process, -n 2 >= 1.5x faster",
            "met": speed is not None and speed >= 10 and (ratio(one_s, two_s) or 0) >= 1.5,
        }
    )
    # Not a row: what the stack itself costs under the goals, printed with the scripts' tables.
    floor_args = ["--starts", str(n["floor_starts"]), "--requests", str(n["floor_requests"])]
    run_script("floors.py", [*floor_args, *peers], log)
    run_script("memory.py", ["--signins", str(n["memory_signins"]), *peers], log)
    return rows, log


def _all_at_most(values: list[float | None], bound: float) -> bool:
    return bool(values) and all(v is not None and v <= bound for v in values)


def machine() -> dict:
    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)
        return done.stdout.strip()

    cpu = "?"
    if Path("/proc/cpuinfo").exists():
        names = [
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ]
        cpu = names[0] if names else cpu
    dirty = " (with uncommitted changes)" if git("status", "--porcelain", "--untracked=no") else ""
    return {
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": git("rev-parse", "--short", "HEAD") + dirty,
        "cores": os.cpu_count(),
        "cpu": cpu,
        "machine": f"{platform.machine()}, Linux {platform.release()}",
        "python": platform.python_version(),
    }


def report(rows: list[dict], log: list[dict], info: dict, started_load: str) -> str:
    lines = [
        f"Run on {info['date']}, commit `{info['commit']}`: {info['cores']} cores ({info['cpu']}), "
        f"{info['machine']}, Python {info['python']}. Load average (1 min) {started_load} at the "
        f"start, {load()} at the end.",
        "",
        "| what | ours | peer | ratio (ours / peer) | goal | met |",
        "|---|---|---|---|---|---|",
    ]
    for row in rows:
        ratios = ", ".join(fmt(r, digits=2) for r in row["ratios"] if r is not None)
        met = "yes" if row["met"] else "no"
        lines.append(
            f"| {row['what']} | {row['ours']} | {row['peer']} | {ratios} | {row['goal']} | {met} |"
        )
    lines += ["", "| script | load before | load after | seconds |", "|---|---|---|---:|"]
    lines += [
        f"| `{e['script']} {' '.join(e['args'])}` | {e['load_before']} | {e['load_after']} | "
        f"{e['seconds']:.0f} |"
        for e in log
    ]
    for entry in log:
        lines += ["", f"`{entry['script']}`:", "", entry["table"]]
        lines += [f"- {note}" for note in entry["notes"]]
        if "error" in entry:
            lines += ["", "failed:", "```", entry["error"], "```"]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--peers-python", help="python of the venv holding the peers")
    parser.add_argument("--quick", action="store_true", help="fewer samples, to try it out")
    parser.add_argument("--suite-select", help="a marker expression for the suite's runs")
    parser.add_argument("--json", help="write the rows and each script's log here")
    args = parser.parse_args()
    try:
        import mock_kaseyaone  # noqa: F401
    except ImportError:
        if not PROJECT_PYTHON.exists():
            sys.exit("The project's .venv is missing: run `python3 run.py test` once first.")
        os.execv(PROJECT_PYTHON, [str(PROJECT_PYTHON), __file__, *sys.argv[1:]])
    peers = ["--peers-python", args.peers_python] if args.peers_python else []
    if not peers:
        print("skipped the peers: no --peers-python given", file=sys.stderr)
    sys.path.insert(0, str(HERE))
    from bench_common import compile_project

    compile_project()  # every script starts simulators: each would compile the sources again
    info, started_load = machine(), load()
    rows, log = measure(peers, args.quick, args.suite_select)
    print(report(rows, log, info, started_load))
    if args.json:
        Path(args.json).write_text(
            json.dumps({"machine": info, "rows": rows, "log": log}, indent=1)
        )


if __name__ == "__main__":
    main()
