"""Leases: who may do a piece of work, for how long, across every process that shares a database
(gunicorn workers, and several hosts on one PostgreSQL). A lease is a row — a name, its holder and
when it runs out, in real time — taken or renewed by one conditional write, so two processes never
both hold it. What a process holds it must renew; what a dead process held runs out by itself.

Two uses: each process's heartbeat (`process:<token>`, renewed every few seconds by a live
process: the outbox takes over the claims of a process whose heartbeat has run out), and the
scheduler's leadership (one process at a time runs the due jobs)."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from sqlalchemy import DateTime, String, delete, or_, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column
from sqlalchemy.pool import StaticPool

from .clock import real_now
from .errors import Conflict

# How long a process's heartbeat lasts unless renewed: a process that has not beaten for this
# long is taken for dead, and the outbox rows it was delivering are taken over.
HEARTBEAT_SECONDS = 5.0


class LeaseMixin:
    __tablename__ = "leases"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(32))
    expires_at: Mapped[datetime] = mapped_column(DateTime, index=True)


_PROCESS: dict[int, str] = {}


def process_token() -> str:
    """This process's name in leases and claims: new in every process, a forked worker included
    (a token made before the fork would be shared by every worker)."""
    return _PROCESS.setdefault(os.getpid(), secrets.token_hex(8))


def heartbeat_name(token: str) -> str:
    return f"process:{token}"


@contextmanager
def own_transaction(session: Session) -> Iterator[Session]:
    """A transaction of its own, committed at once so that other processes see it — except on
    one shared connection (an in-memory database), where there is no other process and a second
    transaction would commit the caller's."""
    engine = session.get_bind()
    if isinstance(engine.pool, StaticPool):
        yield session
        return
    with Session(engine) as own, own.begin():
        yield own


def take(session: Session, model, name: str, holder: str, seconds: float) -> bool:
    """Take the lease `name` for `seconds` from now, or renew it: only if nobody else holds it
    or their hold has run out. Whether `holder` now holds it."""
    now = real_now()
    until = now + timedelta(seconds=seconds)
    with own_transaction(session) as own:
        renewed = own.execute(
            update(model)
            .where(model.name == name, or_(model.holder == holder, model.expires_at < now))
            .values(holder=holder, expires_at=until)
            .execution_options(synchronize_session=False)
        )
        if renewed.rowcount == 1:
            return True
        if own.scalar(select(model.name).where(model.name == name)) is not None:
            return False
    try:
        with own_transaction(session) as own:
            own.add(model(name=name, holder=holder, expires_at=until))
    except Conflict:  # the database's refusal of a second row (sim_common.db)
        return False  # another process took it at the same moment
    return True


def beat(session: Session, model) -> str:
    """Say that this process is alive for HEARTBEAT_SECONDS more. Returns its token."""
    token = process_token()
    take(session, model, heartbeat_name(token), token, HEARTBEAT_SECONDS)
    return token


def live_processes(model):
    """The tokens of processes whose heartbeat has not run out (a subquery)."""
    return select(model.holder).where(
        model.name.startswith("process:"), model.expires_at >= real_now()
    )


def forget_run_out(session: Session, model, older_than_seconds: float = 3600) -> None:
    """Leases that ran out long ago (the heartbeats of processes that are gone)."""
    with own_transaction(session) as own:
        own.execute(
            delete(model).where(
                model.expires_at < real_now() - timedelta(seconds=older_than_seconds)
            )
        )
