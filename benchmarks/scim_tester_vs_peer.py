"""scim2-tester's whole battery against UniView's SCIM service provider and against scim2-server.

    .venv/bin/python benchmarks/scim_tester_vs_peer.py [--runs 5] \
        [--peers-python /tmp/peers-venv/bin/python] [--json FILE]

Each run serves a fresh provider on loopback and times `check_server` (scim2-tester, over a
scim2-client `SyncSCIMClient` on `httpx2`, real HTTP) from the first request to the last: the
checks it ran, how they came out, and the wall time; median of `--runs`. Each provider answers
one request before the timing starts. Both providers run in a
process of their own, so that neither shares the tester's interpreter: scim2-server (in memory,
every feature on) by its own command in the peers' virtualenv, UniView by `mock-uniview serve`
(gunicorn, one worker) on a database seeded beforehand with the tenant and its SCIM token. With
`--embedded`, UniView runs in this process instead, as the tests run it. UniView's userName must
be an email address, which no SCIM schema can say: the tester is taught that one rule for
UniView, as in `tests/test_uniview_scim.py`. Without `--peers-python`, only UniView is
measured.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path

import httpx2
import scim2_tester.filling
from bench_common import free_port, serve_uniview, stop_process, wait_for
from scim2_client.engines.httpx2 import SyncSCIMClient
from scim2_tester import check_server
from scim2_tester.checkers import patch_add, patch_replace

TOKEN = "bench-token"


def run_checks(base_url: str) -> tuple[float, Counter]:
    with httpx2.Client(base_url=base_url, headers={"Authorization": f"Bearer {TOKEN}"}) as http:
        # Answered before the timing starts: UniView loads scim2-models on its first SCIM request.
        http.get("/ServiceProviderConfig").raise_for_status()
        started = time.perf_counter()
        results = check_server(SyncSCIMClient(http))
        elapsed = time.perf_counter() - started
    return elapsed, Counter(result.status.name for result in results)


def seed_uniview(app) -> None:
    """A tenant `acme` whose KaseyaOne integration holds the SCIM token."""
    from mock_uniview import integration
    from mock_uniview.models import Tenant

    app.test_client().post("/_sim/tenants", json={"id": "acme", "name": "Acme"})
    with app.app_context(), app.extensions["sim_store"].transaction() as session:
        registration = {
            "id": "i",
            "tenant": "t",
            "issuer": "http://hub",
            "client_id": "c",
            "client_secret": "s",
        }
        integration.add_integration(session, session.get(Tenant, "acme"), registration, TOKEN)


def uniview_app(database: str, url: str | None = None):
    import mock_uniview
    from sim_common.passwords import FAST

    config = {"PASSWORD_HASH_METHOD": FAST, "DATABASE_URL": database, "PUBLIC_URL": url}
    return mock_uniview.create_app(config)


def uniview_run(directory: Path) -> tuple[float, Counter]:
    database = f"sqlite:///{directory / f'{uuid.uuid4().hex}.sqlite3'}"
    seed_uniview(uniview_app(database))
    process, url = serve_uniview(database, sys.executable)
    try:
        return run_checks(f"{url}/t/acme/scim/v2")
    finally:
        stop_process(process)


def uniview_embedded_run(directory: Path) -> tuple[float, Counter]:
    from k1harness.embedded import serve

    holder = {}

    def factory(url):
        database = f"sqlite:///{directory / f'{uuid.uuid4().hex}.sqlite3'}"
        holder["app"] = uniview_app(database, url)
        return holder["app"]

    server = serve("uniview", factory)
    try:
        seed_uniview(holder["app"])
        return run_checks(f"{server.url}/t/acme/scim/v2")
    finally:
        server.stop()


def email_user_names() -> None:
    generate = scim2_tester.filling.generate_random_value

    def generate_with_email_user_names(context, path, *args, **kwargs):
        value = generate(context, path, *args, **kwargs)
        if value is not None and str(path).rsplit(":", 1)[-1] == "userName":
            return f"{uuid.uuid4().hex}@scim-tester.example"
        return value

    for module in (scim2_tester.filling, patch_add, patch_replace):
        module.generate_random_value = generate_with_email_user_names


def peer_run(python: str) -> tuple[float, Counter]:
    port = free_port()
    scim2_server = str(Path(python).with_name("scim2-server"))
    process = subprocess.Popen(
        [scim2_server, "--port", str(port), "--hostname", "127.0.0.1", "--bearer-token", TOKEN],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for_authorized(f"{base}/ServiceProviderConfig", process)
        return run_checks(base)
    finally:
        stop_process(process)


def wait_for_authorized(url: str, process) -> None:
    import requests

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if requests.get(url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=2).ok:
                return
        except requests.RequestException:
            pass
        if process.poll() is not None:
            raise RuntimeError("scim2-server exited")
        time.sleep(0.005)
    wait_for(url, process, timeout=1)  # raises with the reason


def summary(runs: list[tuple[float, Counter]]) -> dict:
    times = [t for t, _ in runs]
    counts = runs[-1][1]
    median = statistics.median(times)
    return {
        "checks": sum(counts.values()),
        "outcomes": dict(sorted(counts.items())),
        "median_s": median,
        "per_check_ms": median / sum(counts.values()) * 1000,
        "runs": times,
    }


def row(label: str, result: dict) -> str:
    tally = ", ".join(f"{k} {v}" for k, v in result["outcomes"].items())
    return (
        f"| {label} | {result['checks']} | {tally} | {result['median_s']:.2f} | "
        f"{result['per_check_ms']:.1f} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--peers-python", default=None)
    parser.add_argument("--embedded", action="store_true", help="UniView in this process")
    parser.add_argument("--json", help="write the raw results here")
    args = parser.parse_args()
    results = {}
    print("| provider | checks | outcomes | median s | ms per check |")
    print("|---|---:|---|---:|---:|")
    email_user_names()
    ours = uniview_embedded_run if args.embedded else uniview_run
    label = "UniView (SQLite file, " + ("embedded)" if args.embedded else "mock-uniview serve)")
    with tempfile.TemporaryDirectory() as directory:
        runs: dict[str, list] = {"scim2-server": [], label: []}
        for _ in range(args.runs):  # taking turns, so that the machine's noise spreads evenly
            if args.peers_python:
                runs["scim2-server"].append(peer_run(args.peers_python))
            runs[label].append(ours(Path(directory)))
    for name, measured in runs.items():
        if measured:
            results[name] = summary(measured)
            print(row(name, results[name]), flush=True)
    if not args.peers_python:
        print("(scim2-server skipped: no --peers-python given)")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
