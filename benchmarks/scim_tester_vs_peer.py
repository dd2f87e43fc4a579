"""scim2-tester's whole battery against UniView's SCIM service provider and against scim2-server.

    .venv/bin/python benchmarks/scim_tester_vs_peer.py [--runs 5] \
        [--peers-python /tmp/peers-venv/bin/python]

Each run serves a fresh provider on loopback and times `check_server` (scim2-tester, over a
scim2-client `SyncSCIMClient` on `httpx2`, real HTTP) from the first request to the last: the
checks it ran, how they came out, and the wall time; median of `--runs`. scim2-server (an
in-memory SCIM server, every feature on) runs in the peers' virtualenv as its own process, as
`peers.py` does for the sign-in peers; UniView runs embedded in this process (one thread
serving, as scim2-server's development server does). UniView's userName must be an email
address, which no SCIM schema can say: the tester is taught that one rule for UniView, as in
`tests/test_uniview_scim.py`. Without `--peers-python`, only UniView is measured.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path

import httpx2
import scim2_tester.filling
from bench_common import free_port, wait_for
from scim2_client.engines.httpx2 import SyncSCIMClient
from scim2_tester import check_server
from scim2_tester.checkers import patch_add, patch_replace

TOKEN = "bench-token"


def run_checks(base_url: str) -> tuple[float, Counter]:
    with httpx2.Client(base_url=base_url, headers={"Authorization": f"Bearer {TOKEN}"}) as http:
        started = time.perf_counter()
        results = check_server(SyncSCIMClient(http))
        elapsed = time.perf_counter() - started
    return elapsed, Counter(result.status.name for result in results)


def uniview_run(directory: Path) -> tuple[float, Counter]:
    import mock_uniview
    from k1harness.embedded import serve
    from mock_uniview import integration
    from mock_uniview.models import Tenant
    from sim_common.passwords import FAST

    holder = {}

    def factory(url):
        holder["app"] = mock_uniview.create_app(
            {
                "PASSWORD_HASH_METHOD": FAST,
                "DATABASE_URL": f"sqlite:///{directory / f'{uuid.uuid4().hex}.sqlite3'}",
                "PUBLIC_URL": url,
            }
        )
        return holder["app"]

    server = serve("uniview", factory)
    try:
        app = holder["app"]
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
        process.terminate()
        process.wait(timeout=10)


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


def summary(label: str, runs: list[tuple[float, Counter]]) -> str:
    times = [t for t, _ in runs]
    counts = runs[-1][1]
    tally = ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
    total = sum(counts.values())
    return (
        f"| {label} | {total} | {tally} | {statistics.median(times):.2f} | "
        f"{statistics.median(times) / total * 1000:.1f} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--peers-python", default=None)
    args = parser.parse_args()
    print("| provider | checks | outcomes | median s | ms per check |")
    print("|---|---:|---|---:|---:|")
    if args.peers_python:
        peer = [peer_run(args.peers_python) for _ in range(args.runs)]
        print(summary("scim2-server 0.8 (in memory)", peer), flush=True)
    else:
        print("(scim2-server skipped: no --peers-python given)")
    email_user_names()
    with tempfile.TemporaryDirectory() as directory:
        ours = [uniview_run(Path(directory)) for _ in range(args.runs)]
    print(summary("UniView (SQLite file)", ours))


if __name__ == "__main__":
    main()
