"""Throughput of full sign-ins against the served simulators: UniView login page -> Log In with
KaseyaOne -> KaseyaOne's form -> callback into UniView -> UniView session, both simulators
served by gunicorn with two workers each, from a pool of client threads.

    .venv/bin/python benchmarks/served_throughput.py [--signins 300] [--threads 1 4 8] \
        [--peers-python /tmp/peers-venv/bin/python] [--json FILE]

Prints sign-ins per second and the median latency for each thread count. The client runs on the
same two cores as the four server processes, so the figure is what this machine can do as a
whole, not the servers' ceiling. Beside them, under the same load (the largest thread count):
provider-only sign-ins (authorize, form, token, userinfo; `bench_common.sign_in`) against our
KaseyaOne as served here, and, with --peers-python, against each peer served in a process of its
own by `peers.py serve` (werkzeug's threaded server, as the sign-in benchmark serves them).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench_common import Provider, free_port, sign_in, stop_process, wait_for
from signin_vs_peers import seed_kaseyaone

from k1harness.drivers import Browser, KaseyaOneDriver, UniViewDriver
from k1harness.served import start_served

HERE = Path(__file__).resolve().parent
PEERS = ("oidc-provider-mock", "pytest-iam")


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


def full_sign_in(hub, uv, tenant_id, i: int) -> float:
    started = time.perf_counter()
    browser = Browser()
    attempt = uv.log_in_with_kaseyaone(browser, tenant_id, hub, f"u{i}@bench.example", "pw")
    elapsed = time.perf_counter() - started
    assert attempt.page.status == 200 and "signed-in-as" in attempt.page.text, attempt.page.url
    browser.close()
    return elapsed


def provider_sign_in(provider: Provider) -> float:
    times, claims = sign_in(provider)
    if provider.expect_sub is not None and claims.get("sub") != provider.expect_sub:
        raise RuntimeError(f"{provider.name}: userinfo names {claims.get('sub')}")
    return times["total"]


def under_load(one, signins: int, threads: int) -> dict:
    """`signins` calls of one(i) from `threads` client threads: per second, median latency."""
    started = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        latencies = list(pool.map(one, range(signins)))
    wall = time.perf_counter() - started
    return {
        "threads": threads,
        "signins": signins,
        "per_second": signins / wall,
        "median_latency": statistics.median(latencies),
    }


@contextlib.contextmanager
def served_peer(python: str, peer: str):
    """The peer served by `peers.py serve` in a process of its own, warmed up by 10 sign-ins:
    (its process, the provider as a client knows it); None where it is not installed."""
    port = free_port()
    command = [python, str(HERE / "peers.py"), "serve", peer, "--port", str(port)]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    try:
        line = process.stdout.readline()
        if not line:
            print(f"skipped {peer}: not installed for {python}", file=sys.stderr)
            yield None
            return
        provider = Provider(**json.loads(line)).discover()
        wait_for(provider.issuer + "/.well-known/openid-configuration", process)
        for _ in range(10):
            provider_sign_in(provider)
        yield process, provider
    finally:
        stop_process(process)


def peer_under_load(python: str, peer: str, signins: int, threads: int) -> dict | None:
    try:
        with served_peer(python, peer) as started:
            if started is None:
                return None
            _, provider = started
            return under_load(lambda i: provider_sign_in(provider), signins, threads)
    except Exception as error:  # a peer that fails under the load is reported, not counted
        print(f"{peer} failed under {threads} client threads: {error}", file=sys.stderr)
        return {"threads": threads, "error": str(error)}


def row(name: str, result: dict) -> str:
    return (
        f"| {name} | {result['threads']} | {result['signins']} | {result['per_second']:.1f} | "
        f"{result['median_latency'] * 1000:.1f} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--signins", type=int, default=300)
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 4, 8])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--peers-python", help="python of the venv holding the peers")
    parser.add_argument("--json", help="write the raw results here")
    args = parser.parse_args()
    results: dict[str, list[dict]] = {"full": [], "provider_only": {}}
    load_threads = max(args.threads)
    print("| what | client threads | sign-ins | sign-ins/s | median latency (ms) |")
    print("|---|---:|---:|---:|---:|")
    served = start_served(workers=args.workers)
    try:
        people = 50
        hub, uv, tenant_id = setup(served, people)
        for i in range(10):  # warm-up: every worker has its caches
            full_sign_in(hub, uv, tenant_id, i % people)
        for threads in args.threads:
            result = under_load(
                lambda i: full_sign_in(hub, uv, tenant_id, i % people), args.signins, threads
            )
            results["full"].append(result)
            print(row("full sign-in, UniView through KaseyaOne", result), flush=True)
        provider = seed_kaseyaone(served.urls["kaseyaone"], served.tokens["kaseyaone"]).discover()
        for _ in range(10):
            provider_sign_in(provider)
        result = under_load(lambda i: provider_sign_in(provider), args.signins, load_threads)
        results["provider_only"]["kaseyaone"] = result
        print(row("provider-only sign-in, our KaseyaOne", result), flush=True)
    finally:
        served.stop()
    for peer in PEERS if args.peers_python else ():
        result = peer_under_load(args.peers_python, peer, args.signins, load_threads)
        if result is not None:
            results["provider_only"][peer] = result
            if "error" not in result:
                print(row(f"provider-only sign-in, {peer}", result), flush=True)
    if not args.peers_python:
        print("skipped the peers: no --peers-python given", file=sys.stderr)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
