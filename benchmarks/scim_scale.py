"""SCIM at scale on the simulated UniView, beside scim2-server, and a deprovisioning push end to
end.

    .venv/bin/python benchmarks/scim_scale.py [--sizes 1000 10000] [--lookups 200] [--pushes 30] \
        [--peers-python /tmp/peers-venv/bin/python] [--json FILE]

For each tenant size and target: the time to read every user through SCIM (`GET /Users`, pages
of 100, as a SCIM client walks a listing), the first time and once more, and the median time
of one filtered lookup (`userName eq`, and `externalId eq` as KaseyaOne's pushes do), by one
`requests` session. The targets: UniView embedded in this process (werkzeug's threaded server,
as the suite runs it), UniView served by `mock-uniview serve` (gunicorn, one worker) in a
process of its own, and, with --peers-python, scim2-server (its own command, in memory) in a
process of its own. Users are inserted straight into UniView's database, and into scim2-server
by bulk requests: seeding is not what is measured. Each target answers one SCIM request before
the timing starts (UniView loads scim2-models on its first SCIM request). Then, with both
simulators embedded and Automatic User Deprovisioning on: the median time of one deactivation
in KaseyaOne's admin API, which returns after the push (SCIM lookup + PATCH) has landed in
UniView. Real HTTP on loopback throughout.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import requests
from bench_common import free_port, serve_uniview, stop_process

import mock_uniview
from k1harness.drivers import Browser, KaseyaOneDriver, UniViewDriver
from k1harness.embedded import serve, start_embedded
from mock_uniview.integration import add_integration
from mock_uniview.models import Tenant, User
from sim_common.clock import real_now
from sim_common.passwords import FAST

TOKEN = "bench-token"


def seed_uniview(size: int, directory: Path, name: str = "uv"):
    server = serve(
        "uniview",
        lambda url: mock_uniview.create_app(
            {
                "DATABASE_URL": f"sqlite:///{directory}/{name}-{size}.sqlite3",
                "PUBLIC_URL": url,
                "PASSWORD_HASH_METHOD": FAST,
            }
        ),
    )
    tenant = requests.post(f"{server.url}/_sim/tenants", json={"name": "Bench"}).json()
    tenant_id = tenant["tenant"]["id"]
    store = server.server.app.extensions["sim_store"]
    now = real_now()
    with server.server.app.app_context(), store.transaction() as session:
        add_integration(
            session,
            session.get(Tenant, tenant_id),
            {
                "id": "i",
                "tenant": "t",
                "issuer": "http://hub",
                "client_id": "c",
                "client_secret": "s",
            },
            TOKEN,
        )
        session.add_all(
            User(
                id=f"u{i:06d}",
                tenant_id=tenant_id,
                username=f"user{i}@bench.example",
                name=f"User {i}",
                role="monitor",
                status="active",
                k1_subject=f"k1-{i}",
                created_at=now + timedelta(microseconds=i),
            )
            for i in range(size)
        )
    return server, tenant_id


def listing_and_lookups(base: str, size: int, lookups: int) -> dict:
    """Every user, a page of 100 at a time, then `lookups` lookups by userName and by externalId
    of users picked at random (the same for every target of this size)."""
    http = requests.Session()
    http.headers["Authorization"] = f"Bearer {TOKEN}"
    http.get(base.rsplit("/", 1)[0] + "/ServiceProviderConfig").raise_for_status()
    figures = {"size": size}
    for run in ("listing_s", "listing_again_s"):  # the first, then one more as a sync would
        started, seen, index = time.perf_counter(), 0, 1
        while True:
            page = http.get(base, params={"startIndex": index, "count": 100}).json()
            seen += len(page.get("Resources", []))
            index += 100
            if index > page["totalResults"]:
                break
        figures[run] = time.perf_counter() - started
        assert seen == size, (seen, size)
    for attribute, value in (("userName", "user{}@bench.example"), ("externalId", "k1-{}")):
        times = []
        for i in random.Random(size).sample(range(size), lookups):
            started = time.perf_counter()
            found = http.get(base, params={"filter": f'{attribute} eq "{value.format(i)}"'})
            times.append(time.perf_counter() - started)
            assert found.json()["totalResults"] == 1
        figures[f"{attribute}_ms"] = statistics.median(times) * 1000
    http.close()
    return figures


def embedded_figures(size: int, lookups: int, directory: Path) -> dict:
    server, tenant_id = seed_uniview(size, directory)
    try:
        return listing_and_lookups(f"{server.url}/t/{tenant_id}/scim/v2/Users", size, lookups)
    finally:
        server.stop()


def served_figures(size: int, lookups: int, directory: Path, on_done=None) -> dict:
    """The database seeded as for the embedded target, then served by `mock-uniview serve`.
    `on_done(process)`: called after the listing and lookups, while it still runs."""
    server, tenant_id = seed_uniview(size, directory, name="served")
    server.stop()
    database = f"sqlite:///{directory}/served-{size}.sqlite3"
    process, url = serve_uniview(database, sys.executable)
    try:
        figures = listing_and_lookups(f"{url}/t/{tenant_id}/scim/v2/Users", size, lookups)
        if on_done is not None:
            on_done(process)
        return figures
    finally:
        stop_process(process)


def peer_figures(python: str, size: int, lookups: int, on_done=None) -> dict | None:
    """scim2-server's own command, the same users created by bulk requests. `on_done` as for
    served_figures."""
    scim2_server = Path(python).with_name("scim2-server")
    if not scim2_server.exists():
        print(f"skipped scim2-server: not installed beside {python}", file=sys.stderr)
        return None
    port = free_port()
    command = [str(scim2_server), "--port", str(port), "--hostname", "127.0.0.1"]
    process = subprocess.Popen(
        [*command, "--bearer-token", TOKEN], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        base = f"http://127.0.0.1:{port}"
        http = requests.Session()
        http.headers["Authorization"] = f"Bearer {TOKEN}"
        deadline = time.monotonic() + 30
        while not _answers(http, base + "/ServiceProviderConfig"):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("scim2-server did not start")
            time.sleep(0.005)
        for start in range(0, size, 1000):  # its bulk limit: 1,000 operations a request
            operations = [
                {
                    "method": "POST",
                    "path": "/Users",
                    "bulkId": str(i),
                    "data": {
                        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                        "userName": f"user{i}@bench.example",
                        "externalId": f"k1-{i}",
                        "displayName": f"User {i}",
                        "active": True,
                    },
                }
                for i in range(start, min(start + 1000, size))
            ]
            bulk = {"schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"]}
            answer = http.post(base + "/Bulk", json={**bulk, "Operations": operations})
            answer.raise_for_status()
        http.close()
        figures = listing_and_lookups(base + "/Users", size, lookups)
        if on_done is not None:
            on_done(process)
        return figures
    finally:
        stop_process(process)


def _answers(http: requests.Session, url: str) -> bool:
    try:
        return http.get(url, timeout=2).ok
    except requests.RequestException:
        return False


def push_figures(pushes: int) -> dict:
    sims = start_embedded()
    try:
        hub, uv = KaseyaOneDriver(sims.kaseyaone.url), UniViewDriver(sims.uniview.url)
        master = ("master@bench.example", "pw")
        hub_tenant = hub.create_tenant(
            "Bench",
            users=[{"email": master[0], "name": "Master", "password": master[1], "master": True}],
        )
        uv_tenant = uv.create_tenant(
            "Bench", users=[{"username": "su@bench.example", "password": "pw", "role": "superuser"}]
        )
        tenant = uv_tenant["tenant"]["id"]
        su = Browser()
        uv.log_in_with_credentials(su, tenant, "su@bench.example", "pw")
        instance = uv.add_kaseyaone_integration(su, tenant, *master).body["kaseyaone"][
            "module_instance"
        ]
        uv.change_integration_settings(
            su, tenant, automatic_user_creation=True, automatic_user_deprovisioning=True
        )
        admin = hub.admin(*master)
        ids = []
        for i in range(pushes):
            user = admin.create_user(f"p{i}@bench.example", f"P {i}", "pw").body
            admin.grant_module_access(instance, user["id"])
            uv.log_in_with_kaseyaone(Browser(), tenant, hub, f"p{i}@bench.example", "pw")
            ids.append(user["id"])
        times = []
        for user_id in ids:
            started = time.perf_counter()
            assert admin.deactivate_user(user_id).body["pushes"] == 1
            times.append(time.perf_counter() - started)
        states = {
            u["status"] for u in uv.users(su, tenant).body["users"] if u["username"].startswith("p")
        }
        assert states == {"disabled"}, states
        outbox = hub.outbox(hub_tenant["tenant"]["id"])
        assert all(row["state"] == "delivered" and row["attempts"] == 1 for row in outbox)
        return {
            "pushes": pushes,
            "deactivation_with_push_ms": statistics.median(times) * 1000,
            "min_ms": min(times) * 1000,
            "max_ms": max(times) * 1000,
        }
    finally:
        sims.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--lookups", type=int, default=200)
    parser.add_argument("--pushes", type=int, default=30)
    parser.add_argument("--peers-python", help="python of the venv holding scim2-server")
    parser.add_argument("--json", help="write the raw results here")
    args = parser.parse_args()
    results: dict = {"scim": {}}
    targets = {
        "UniView, embedded": embedded_figures,
        "UniView, served (gunicorn)": served_figures,
    }
    if args.peers_python:
        targets["scim2-server"] = lambda size, lookups, _: peer_figures(
            args.peers_python, size, lookups
        )
    else:
        print("skipped scim2-server: no --peers-python given", file=sys.stderr)
    print(
        "| target | users | full listing (s) | again (s) | userName eq (ms, median) | "
        "externalId eq (ms, median) |"
    )
    print("|---|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as directory:
        for size in args.sizes:
            for name, measure in targets.items():
                f = measure(size, args.lookups, Path(directory))
                if f is None:
                    continue
                results["scim"].setdefault(name, []).append(f)
                print(
                    f"| {name} | {size} | {f['listing_s']:.2f} | {f['listing_again_s']:.2f} | "
                    f"{f['userName_ms']:.2f} | "
                    f"{f['externalId_ms']:.2f} |",
                    flush=True,
                )
    if args.pushes:
        p = push_figures(args.pushes)
        results["push"] = p
        print(
            f"\nDeactivation in KaseyaOne, returning after the SCIM push landed in UniView: "
            f"median {p['deactivation_with_push_ms']:.1f} ms (min {p['min_ms']:.1f}, "
            f"max {p['max_ms']:.1f}) over {p['pushes']} users"
        )
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
