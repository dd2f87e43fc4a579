"""Jobs, and the scheduler that runs them by itself in a served simulator as real time passes.

A job (the outbox's retries, UniView's Access Groups sync, ...) runs for one tenant when it falls
due on that tenant's clock. In the embedded run nothing runs by itself: tests move a tenant's
clock (or call `jobs/run`) and the due jobs run then, so no test waits on real time. Served
(`SCHEDULER_INTERVAL` > 0), every worker process starts two threads:
- a heartbeat, every second: the process says it is alive (sim_common.leases), so that the
  outbox rows it is delivering stay its own, and tries to be (or stay) the scheduler's leader;
- the runner: while its process leads, every `SCHEDULER_INTERVAL` seconds it asks each job which
  tenants it is due for and runs those tenants' jobs, each in its own transaction.
One leader at a time across every process on the database (several workers, several hosts on
one PostgreSQL); a leader that dies is replaced once its lease runs out (LEADER_SECONDS)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from flask import Flask

from .leases import beat, forget_run_out, process_token, take

LEADER = "scheduler"
LEADER_SECONDS = 5.0
HEARTBEAT_INTERVAL = 1.0


@dataclass(frozen=True)
class Job:
    """`run(tenant, force)` does the job for a tenant now if it is due (anyway, with `force`);
    `due(session)` names the tenants it is due for now."""

    run: Callable
    due: Callable[..., Iterable[str]]


class Scheduler:
    def __init__(self, app: Flask, interval: float) -> None:
        self.app, self.interval = app, interval
        self.leading = False
        self.stopped = threading.Event()
        self.threads: list[threading.Thread] = []

    def start(self) -> None:
        for name, loop in (("heartbeat", self._heartbeat), ("scheduler", self._runner)):
            thread = threading.Thread(target=loop, name=f"{self.app.name}-{name}", daemon=True)
            thread.start()
            self.threads.append(thread)

    def stop(self) -> None:
        self.stopped.set()
        for thread in self.threads:
            thread.join(timeout=5)

    def _models(self):
        return self.app.extensions["sim_models"]

    def _heartbeat(self) -> None:
        beats = 0
        while not self.stopped.is_set():
            try:
                self.beat_once(forget=beats % 3600 == 0)
                beats += 1
            except Exception:  # the database is away for a moment: try again at the next beat
                self.leading = False
                self.app.logger.exception("the scheduler's heartbeat failed")
            self.stopped.wait(HEARTBEAT_INTERVAL)

    def beat_once(self, forget: bool = False) -> bool:
        """Say this process is alive, and lead if nobody else does. Whether it leads."""
        lease = self._models().Lease
        with self.app.extensions["sim_store"].sessionmaker() as session:
            beat(session, lease)
            self.leading = take(session, lease, LEADER, process_token(), LEADER_SECONDS)
            if self.leading and forget:
                forget_run_out(session, lease)
        return self.leading

    def _runner(self) -> None:
        while not self.stopped.wait(self.interval):
            if self.leading:
                try:
                    self.run_due()
                except Exception:
                    self.app.logger.exception("the scheduler failed to run the due jobs")

    def run_due(self) -> dict[str, dict]:
        """Run, for each tenant something is due for, the tenant's due jobs. What ran, by tenant."""
        from .control import run_jobs_of

        jobs: dict[str, Job] = self.app.extensions.get("sim_jobs", {})
        with self.app.app_context():
            store = self.app.extensions["sim_store"]
            with store.sessionmaker() as session:
                tenants = sorted({t for job in jobs.values() for t in job.due(session)})
        return {tenant_id: run_jobs_of(self.app, tenant_id) for tenant_id in tenants}


def start_scheduler(app: Flask) -> Scheduler | None:
    """The served process's scheduler, if its configuration asks for one."""
    interval = float(app.config.get("SCHEDULER_INTERVAL") or 0)
    if interval <= 0:
        return None
    scheduler = Scheduler(app, interval)
    app.extensions["sim_scheduler"] = scheduler
    scheduler.start()
    return scheduler
