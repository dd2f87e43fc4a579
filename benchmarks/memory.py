"""Memory of the served simulators beside the peers: at rest, while signing people in (and
whether it keeps growing), and holding 10,000 SCIM users.

Memory is each server's proportional set size (PSS, from /proc/<pid>/smaps_rollup) summed over
its process and every process descending from it: gunicorn's master and its workers share the
pages they had when forked, and PSS counts a shared page once across them (RSS would count it in
every worker).

- Sign-ins: `mock-kaseyaone serve` and `mock-uniview serve` (gunicorn, 2 workers each), at
  rest, after seeding (one tenant each, 50 people with access), after N full sign-ins (UniView
  through KaseyaOne) and after N more: the growth per 1,000 sign-ins is what a long-lived
  deployment (QA's staging, a CI service) accumulates. Beside it, with --peers-python,
  oidc-provider-mock (werkzeug, one process) through the same N + N provider-only sign-ins
  (its "at rest" is after the 10 sign-ins that warm it up).
- SCIM: `mock-uniview serve` (one worker) on a database of 10,000 users, after listing them all
  (pages of 100) and 50 lookups of each kind; beside it scim2-server holding the same 10,000
  users (in memory, as it keeps them), after the same listing and lookups.

Run with the project's python, from the repository root:

    .venv/bin/python benchmarks/memory.py [--signins 500] \\
        [--peers-python /tmp/peers-venv/bin/python] [--json FILE]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import tempfile
from pathlib import Path

from scim_scale import peer_figures, served_figures
from served_throughput import full_sign_in, provider_sign_in, served_peer, setup, under_load

from k1harness.served import start_served

THREADS = 4


def _tree(pid: int) -> list[int]:
    """`pid` and every process descending from it (gunicorn's master and its workers)."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").glob("*/children"):
            with contextlib.suppress(FileNotFoundError, ProcessLookupError):  # gone meanwhile
                todo += [int(child) for child in task.read_text().split()]
    return found


def pss_mib(pid: int) -> float:
    """PSS of `pid` and every process descending from it, in MiB."""
    kib = 0
    for member in _tree(pid):
        for line in Path(f"/proc/{member}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                kib += int(line.split()[1])
    return kib / 1024


def ours_signing_in(signins: int) -> dict:
    served = start_served(workers=2, simulators=("uniview",))
    leaders = {"kaseyaone": served.processes[0].pid, "uniview": served.processes[1].pid}

    def snapshot() -> dict:
        return {name: pss_mib(pid) for name, pid in leaders.items()}

    try:
        marks = {"at rest": snapshot()}
        people = 50
        hub, uv, tenant_id = setup(served, people)
        marks["seeded"] = snapshot()
        for round_name in ("after N sign-ins", "after 2N sign-ins"):
            under_load(lambda i: full_sign_in(hub, uv, tenant_id, i % people), signins, THREADS)
            marks[round_name] = snapshot()
        return marks
    finally:
        served.stop()


def peer_signing_in(python: str, signins: int) -> dict | None:
    with served_peer(python, "oidc-provider-mock") as started:
        if started is None:
            return None
        process, provider = started
        marks = {"at rest": {"oidc-provider-mock": pss_mib(process.pid)}}
        for round_name in ("after N sign-ins", "after 2N sign-ins"):
            under_load(lambda i: provider_sign_in(provider), signins, THREADS)
            marks[round_name] = {"oidc-provider-mock": pss_mib(process.pid)}
        return marks


def scim_holding(size: int, peers_python: str | None) -> dict:
    held = {}
    with tempfile.TemporaryDirectory(prefix="bench-memory-") as directory:
        served_figures(
            size, 50, Path(directory), on_done=lambda p: held.update(uniview=pss_mib(p.pid))
        )
    if peers_python:
        peer_figures(
            peers_python, size, 50, on_done=lambda p: held.update({"scim2-server": pss_mib(p.pid)})
        )
    return held


def growth_per_thousand(marks: dict, name: str, signins: int) -> float:
    return (marks["after 2N sign-ins"][name] - marks["after N sign-ins"][name]) * 1000 / signins


def report(figures: dict, signins: int, size: int) -> str:
    lines = [
        f"| server (PSS, MiB) | at rest | seeded | after {signins} sign-ins | after {2 * signins} "
        "| growth per 1,000 sign-ins |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for marks in filter(None, (figures["ours"], figures.get("peer"))):
        for name in marks["at rest"]:
            cells = [
                f"{marks[m][name]:.1f}" if m in marks else ""
                for m in ("at rest", "seeded", "after N sign-ins", "after 2N sign-ins")
            ]
            growth = growth_per_thousand(marks, name, signins)
            lines.append(f"| {name} | {' | '.join(cells)} | {growth:+.1f} |")
    lines += ["", f"| holding {size:,} SCIM users, after listing them (PSS, MiB) | MiB |"]
    lines.append("|---|---:|")
    lines += [f"| {name} | {mib:.1f} |" for name, mib in figures["scim"].items()]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--signins", type=int, default=500, help="N: sign-ins per round")
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--peers-python", help="python of the venv holding the peers")
    parser.add_argument("--json", help="write the raw figures here")
    args = parser.parse_args()
    if not args.peers_python:
        print("skipped the peers: no --peers-python given", file=sys.stderr)
    figures = {
        "ours": ours_signing_in(args.signins),
        "peer": peer_signing_in(args.peers_python, args.signins) if args.peers_python else None,
        "scim": scim_holding(args.users, args.peers_python),
    }
    print(report(figures, args.signins, args.users))
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=1))


if __name__ == "__main__":
    main()
