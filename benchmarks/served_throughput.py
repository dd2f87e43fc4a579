"""Throughput of full sign-ins against the served simulators: UniView login page -> Log In with
KaseyaOne -> KaseyaOne's form -> callback into UniView -> UniView session, both simulators
served by gunicorn with two workers each, from a pool of client threads.

    .venv/bin/python benchmarks/served_throughput.py [--signins 300] [--threads 1 4 8]

Prints sign-ins per second and the median latency for each thread count. The client runs on the
same two cores as the four server processes, so the figure is what this machine can do as a
whole, not the servers' ceiling.
"""

from __future__ import annotations

import argparse
import statistics
import time
from concurrent.futures import ThreadPoolExecutor

from k1harness.drivers import Browser, KaseyaOneDriver, UniViewDriver
from k1harness.served import start_served


def setup(served, people: int):
    hub = KaseyaOneDriver(served.urls["kaseyaone"], served.tokens["kaseyaone"])
    uv = UniViewDriver(served.urls["uniview"], served.tokens["uniview"])
    master = ("master@bench.example", "pw")
    hub.create_tenant(
        "Bench",
        users=[{"email": master[0], "name": "Master", "password": master[1], "master": True}],
    )
    users = [
        {"username": f"u{i}@bench.example", "password": "pw", "role": "monitor"}
        for i in range(people)
    ]
    tenant = uv.create_tenant(
        "Bench",
        users=[{"username": "su@bench.example", "password": "pw", "role": "superuser"}, *users],
    )
    tenant_id = tenant["tenant"]["id"]
    su = Browser()
    uv.log_in_with_credentials(su, tenant_id, "su@bench.example", "pw")
    instance = uv.add_kaseyaone_integration(su, tenant_id, *master).body["kaseyaone"][
        "module_instance"
    ]
    admin = hub.admin(*master)
    for i in range(people):
        user = admin.create_user(f"u{i}@bench.example", f"U {i}", "pw").body
        admin.grant_module_access(instance, user["id"])
    return hub, uv, tenant_id


def sign_in(hub, uv, tenant_id, i: int) -> float:
    started = time.perf_counter()
    browser = Browser()
    attempt = uv.log_in_with_kaseyaone(browser, tenant_id, hub, f"u{i}@bench.example", "pw")
    elapsed = time.perf_counter() - started
    assert attempt.page.status == 200 and "signed-in-as" in attempt.page.text, attempt.page.url
    browser.close()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--signins", type=int, default=300)
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 4, 8])
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    served = start_served(workers=args.workers)
    try:
        people = 50
        hub, uv, tenant_id = setup(served, people)
        for i in range(10):  # warm-up: every worker has its caches
            sign_in(hub, uv, tenant_id, i % people)
        print("| client threads | sign-ins | sign-ins/s | median latency (ms) |")
        print("|---:|---:|---:|---:|")
        for threads in args.threads:
            started = time.perf_counter()
            with ThreadPoolExecutor(threads) as pool:
                latencies = list(
                    pool.map(lambda i: sign_in(hub, uv, tenant_id, i % people), range(args.signins))
                )
            wall = time.perf_counter() - started
            print(
                f"| {threads} | {args.signins} | {args.signins / wall:.1f} | "
                f"{statistics.median(latencies) * 1000:.1f} |",
                flush=True,
            )
    finally:
        served.stop()


if __name__ == "__main__":
    main()
