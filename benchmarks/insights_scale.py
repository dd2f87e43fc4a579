"""Cooper at scale: KaseyaOne evaluating the insights of many tenants when a day passes.

    .venv/bin/python benchmarks/insights_scale.py [--sizes 100 300 1000] [--repeat 3]

For each size N: a fresh KaseyaOne (embedded, a SQLite file, as served) with N tenants, each
with one UniView module instance and its latest telemetry report (UniView's eleven facts, a
tenant added 30 days before; six of the eight insights hold), inserted straight into the database:
seeding is not what is measured. Then, timed:
- day 1: every tenant's clock moves on a day (one UPDATE, as real time passing would) and the
  served scheduler's pass runs what is due (`Scheduler.run_due()`): for each tenant, its jobs
  in their own transactions — the outbox (empty) and Cooper's evaluation of 8 rules, which
  raises 6 insights per tenant;
- day 2: the same again, nothing changes (each rule's evaluation is recorded anew);
- the control plane's `POST /_sim/tenants/{t}/clock/advance` of a day, over HTTP, for each
  tenant in turn (the embedded run's way: each call runs that tenant's due jobs).
The median of `--repeat` runs, each on a fresh KaseyaOne. The figure to look at is the time
per tenant: flat means the evaluation grows linearly with tenants.
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import timedelta

from sqlalchemy import func, insert, select, update

from k1harness.drivers import KaseyaOneDriver
from k1harness.embedded import start_embedded
from mock_kaseyaone.models import (
    Insight,
    ModuleInstance,
    OAuthClient,
    RuleEvaluation,
    TelemetrySnapshot,
    Tenant,
)
from sim_common.clock import iso, real_now
from sim_common.scheduler import Scheduler

DAY = 86400


def facts(now) -> dict:
    return {
        "tenant_added_at": iso(now - timedelta(days=30)),
        "helix_auto_update_appliances": 0,
        "unadded_appliances_with_protected_assets": 0,
        "scheduled_dca_jobs": 0,
        "scheduled_backup_copy_jobs": 0,
        "backup_alarms": 0,
        "replication_alarms": 0,
        "psa_integrated": True,
        "psa_added_at": iso(now - timedelta(days=30)),
        "psa_closes_tickets_by_status": False,
        "organizations_mapped_to_psa": 1,
    }


def seed(app, size: int) -> list[str]:
    now = real_now()
    tenants = [f"bench-{i:05d}" for i in range(size)]
    with app.app_context(), app.extensions["sim_store"].transaction() as session:
        session.execute(
            insert(Tenant),
            [{"id": t, "name": t, "created_at": now, "clock_offset_seconds": 0.0} for t in tenants],
        )
        session.execute(
            insert(ModuleInstance),
            [
                {
                    "id": f"i-{t}",
                    "tenant_id": t,
                    "module": "uniview",
                    "name": "UniView Portal",
                    "created_at": now,
                    "settings": {},
                    "settings_version": 1,
                }
                for t in tenants
            ],
        )
        session.execute(
            insert(OAuthClient),
            [
                {
                    "client_id": f"c-{t}",
                    "client_secret": "s",
                    "tenant_id": t,
                    "instance_id": f"i-{t}",
                    "redirect_uris": ["http://uv.test/cb"],
                }
                for t in tenants
            ],
        )
        session.execute(
            insert(TelemetrySnapshot),
            [
                {
                    "instance_id": f"i-{t}",
                    "tenant_id": t,
                    "sequence": 1,
                    "observed_at": now,
                    "received_at": now,
                    "facts": facts(now),
                    "links": {},
                    "next_evaluation_at": now + timedelta(days=1),
                }
                for t in tenants
            ],
        )
    return tenants


def a_day_passes(app, scheduler: Scheduler, size: int) -> float:
    with app.extensions["sim_store"].transaction() as session:
        session.execute(
            update(Tenant).values(clock_offset_seconds=Tenant.clock_offset_seconds + DAY)
        )
    started = time.perf_counter()
    ran = scheduler.run_due()
    elapsed = time.perf_counter() - started
    assert len(ran) == size and all(r["insights"] == 1 for r in ran.values()), len(ran)
    return elapsed


def counts(app) -> tuple[int, int]:
    with app.extensions["sim_store"].transaction() as session:
        insights = session.scalar(select(func.count()).select_from(Insight))
        evaluations = session.scalar(select(func.count()).select_from(RuleEvaluation))
    return insights, evaluations


def one_run(size: int) -> dict:
    sims = start_embedded(uniview=False)
    try:
        app = sims.kaseyaone.server.app
        tenants = seed(app, size)
        scheduler = Scheduler(app, interval=1)
        first = a_day_passes(app, scheduler, size)
        assert counts(app) == (6 * size, 8 * size), counts(app)
        second = a_day_passes(app, scheduler, size)
        assert counts(app) == (6 * size, 8 * size), counts(app)
        hub = KaseyaOneDriver(sims.kaseyaone.url)
        started = time.perf_counter()
        for tenant in tenants:
            assert hub.advance_clock(tenant, DAY)["offset_seconds"] == 3 * DAY
        control = time.perf_counter() - started
        return {"first": first, "second": second, "control": control}
    finally:
        sims.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 300, 1000])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(
        "| tenants | day 1: pass (s) | per tenant (ms) | day 2: pass (s) | per tenant (ms) "
        "| control-plane advances (s) | per tenant (ms) |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for size in args.sizes:
        runs = [one_run(size) for _ in range(args.repeat)]
        f = {key: statistics.median(run[key] for run in runs) for key in runs[0]}
        print(
            f"| {size:,} | {f['first']:.2f} | {f['first'] / size * 1e3:.1f} | "
            f"{f['second']:.2f} | {f['second'] / size * 1e3:.1f} | "
            f"{f['control']:.2f} | {f['control'] / size * 1e3:.1f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
