"""Access Groups at scale: UniView importing and syncing a KaseyaOne tenant's groups.

    .venv/bin/python benchmarks/group_sync_scale.py [--sizes 1000 2500 5000 10000] [--repeat 3]

For each size N: a KaseyaOne tenant with N groups, N users and 5N memberships (each user in five
groups), and a UniView tenant with the integration added and Access Groups on. Measured, with
both simulators embedded and real HTTP on loopback between them:
- the first import: UniView reads every group from KaseyaOne's SCIM service provider (pages of
  1,000, without members) and adds them;
- a sync with 1% of the groups changed in KaseyaOne (half renamed, a quarter deleted, a quarter
  new);
- a sync with nothing changed.
Each sync is the control plane's "run the tenant's jobs now" (`POST /_sim/tenants/{t}/jobs/run`),
timed from the outside; the median of `--repeat` runs (each on fresh tenants). Groups, users and
memberships are inserted straight into KaseyaOne's database: seeding is not what is measured.
The figure to look at is the time per group: flat means the sync grows linearly.
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import timedelta

from sqlalchemy import delete, insert, update

from k1harness.drivers import Browser, KaseyaOneDriver, UniViewDriver
from k1harness.embedded import start_embedded
from mock_kaseyaone.models import Group, GroupMember, User
from sim_common.clock import real_now
from sim_common.passwords import hash_password

MASTER = ("master@bench.example", "pw")


def setup(sims, hub: KaseyaOneDriver, uv: UniViewDriver, size: int, run: int):
    hub_tenant = hub.create_tenant(
        f"Bench {size} {run}",
        users=[{"email": MASTER[0], "name": "Master", "password": MASTER[1], "master": True}],
    )["tenant"]["id"]
    uv_tenant = uv.create_tenant(
        f"Bench {size} {run}",
        users=[{"username": "su@bench.example", "password": "pw", "role": "superuser"}],
    )["tenant"]["id"]
    su = Browser()
    uv.log_in_with_credentials(su, uv_tenant, "su@bench.example", "pw")
    assert uv.add_kaseyaone_integration(su, uv_tenant, *MASTER).ok
    assert uv.change_integration_settings(su, uv_tenant, access_groups=True).ok

    app = sims.kaseyaone.server.app
    now = real_now()
    with app.app_context():
        password = hash_password("pw")  # the embedded simulators' fast hash
    with app.app_context(), app.extensions["sim_store"].transaction() as session:
        session.execute(
            insert(Group),
            [
                {
                    "id": f"g{run}-{i:06d}",
                    "tenant_id": hub_tenant,
                    "name": f"Group {i}",
                    "created_at": now + timedelta(microseconds=i),
                }
                for i in range(size)
            ],
        )
        session.execute(
            insert(User),
            [
                {
                    "id": f"u{run}-{i:06d}",
                    "tenant_id": hub_tenant,
                    "email": f"user{i}.{hub_tenant}@bench.example",
                    "name": f"User {i}",
                    "password_hash": password,
                    "status": "active",
                    "is_master": False,
                    "created_at": now + timedelta(microseconds=i),
                }
                for i in range(size)
            ],
        )
        session.execute(
            insert(GroupMember),
            [
                {"group_id": f"g{run}-{(i + k * 7) % size:06d}", "user_id": f"u{run}-{i:06d}"}
                for i in range(size)
                for k in range(5)
            ],
        )
    return hub_tenant, uv_tenant, su


def change_one_percent(sims, hub_tenant: str, size: int, run: int) -> None:
    changed = max(4, size // 100)
    app = sims.kaseyaone.server.app
    now = real_now()
    with app.app_context(), app.extensions["sim_store"].transaction() as session:
        for i in range(changed // 2):
            session.execute(
                update(Group)
                .where(Group.id == f"g{run}-{i:06d}")
                .values(name=f"Group {i} renamed", modified_at=now)
            )
        gone = [f"g{run}-{size - 1 - i:06d}" for i in range(changed // 4)]
        session.execute(delete(Group).where(Group.id.in_(gone)))
        session.execute(
            insert(Group),
            [
                {
                    "id": f"n{run}-{i:06d}",
                    "tenant_id": hub_tenant,
                    "name": f"New {i}",
                    "created_at": now,
                }
                for i in range(changed // 4)
            ],
        )


def timed_sync(uv: UniViewDriver, uv_tenant: str, expect: str) -> float:
    started = time.perf_counter()
    ran = uv.run_jobs(uv_tenant)["ran"]["groups"]
    elapsed = time.perf_counter() - started
    assert ran["ok"] and expect in ran["result"], ran
    return elapsed


def figures(sims, size: int, repeat: int) -> dict:
    hub = KaseyaOneDriver(sims.kaseyaone.url)
    uv = UniViewDriver(sims.uniview.url)
    first, changed, same = [], [], []
    for run in range(repeat):
        hub_tenant, uv_tenant, su = setup(sims, hub, uv, size, run)
        first.append(timed_sync(uv, uv_tenant, f"{size} added"))
        change_one_percent(sims, hub_tenant, size, run)
        n = max(4, size // 100)
        changed.append(
            timed_sync(uv, uv_tenant, f"{n // 4} added, {n // 2} renamed, {n // 4} removed")
        )
        same.append(timed_sync(uv, uv_tenant, "0 added, 0 renamed, 0 removed"))
        groups = uv.groups(su, uv_tenant).body["groups"]
        assert len(groups) == size, len(groups)
        su.close()
        uv.delete_tenant(uv_tenant)
        hub.delete_tenant(hub_tenant)
    return {
        "size": size,
        "first": statistics.median(first),
        "changed": statistics.median(changed),
        "same": statistics.median(same),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 2500, 5000, 10000])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    sims = start_embedded()
    try:
        print(
            "| groups | memberships | first import (s) | per group (µs) | 1% changed (s) "
            "| per group (µs) | unchanged (s) |"
        )
        print("|---:|---:|---:|---:|---:|---:|---:|")
        for size in args.sizes:
            f = figures(sims, size, args.repeat)
            print(
                f"| {size} | {5 * size} | {f['first']:.3f} | {f['first'] / size * 1e6:.0f} | "
                f"{f['changed']:.3f} | {f['changed'] / size * 1e6:.0f} | {f['same']:.3f} |",
                flush=True,
            )
    finally:
        sims.stop()


if __name__ == "__main__":
    main()
