"""SCIM at scale on the simulated UniView, and a deprovisioning push end to end.

    .venv/bin/python benchmarks/scim_scale.py [--sizes 1000 10000] [--lookups 200] [--pushes 30]

For each tenant size: the time to read every user through SCIM (`GET /Users`, pages of 100, as a
SCIM client walks a listing) and the median time of one filtered lookup (`userName eq`, and
`externalId eq` as KaseyaOne's pushes do). Then, with both simulators embedded and Automatic
User Deprovisioning on: the median time of one deactivation in KaseyaOne's admin API, which
returns after the push (SCIM lookup + PATCH) has landed in UniView. Real HTTP on loopback
throughout; users are inserted straight into the database (seeding is not what is measured).
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import requests

import mock_uniview
from k1harness.drivers import Browser, KaseyaOneDriver, UniViewDriver
from k1harness.embedded import serve, start_embedded
from mock_uniview.integration import add_integration
from mock_uniview.models import Tenant, User
from sim_common.clock import real_now
from sim_common.passwords import FAST

TOKEN = "bench-token"


def seed_uniview(size: int, directory: Path):
    server = serve(
        "uniview",
        lambda url: mock_uniview.create_app(
            {
                "DATABASE_URL": f"sqlite:///{directory}/uv-{size}.sqlite3",
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


def scim_figures(size: int, lookups: int, directory: Path) -> dict:
    server, tenant_id = seed_uniview(size, directory)
    try:
        http = requests.Session()
        http.headers["Authorization"] = f"Bearer {TOKEN}"
        base = f"{server.url}/t/{tenant_id}/scim/v2/Users"
        started, seen, index = time.perf_counter(), 0, 1
        while True:
            page = http.get(base, params={"startIndex": index, "count": 100}).json()
            seen += len(page.get("Resources", []))
            index += 100
            if index > page["totalResults"]:
                break
        listing = time.perf_counter() - started
        assert seen == size, (seen, size)
        figures = {"size": size, "listing_s": listing}
        for attribute, value in (("userName", "user{}@bench.example"), ("externalId", "k1-{}")):
            times = []
            for i in random.Random(size).sample(range(size), lookups):
                started = time.perf_counter()
                found = http.get(base, params={"filter": f'{attribute} eq "{value.format(i)}"'})
                times.append(time.perf_counter() - started)
                assert found.json()["totalResults"] == 1
            figures[f"{attribute}_ms"] = statistics.median(times) * 1000
        return figures
    finally:
        server.stop()


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
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        print(
            "| users | full listing (s) | userName eq (ms, median) | externalId eq (ms, median) |"
        )
        print("|---:|---:|---:|---:|")
        for size in args.sizes:
            f = scim_figures(size, args.lookups, Path(directory))
            print(
                f"| {size} | {f['listing_s']:.2f} | {f['userName_ms']:.2f} | "
                f"{f['externalId_ms']:.2f} |",
                flush=True,
            )
    p = push_figures(args.pushes)
    print(
        f"\nDeactivation in KaseyaOne, returning after the SCIM push landed in UniView: "
        f"median {p['deactivation_with_push_ms']:.1f} ms (min {p['min_ms']:.1f}, "
        f"max {p['max_ms']:.1f}) over {p['pushes']} users"
    )


if __name__ == "__main__":
    main()
