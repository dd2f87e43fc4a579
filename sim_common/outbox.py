"""The outbox: changes one simulator must push to another are written as rows in the same
transaction as the change, then delivered — at once after the commit, and again at each due
retry on the tenant's simulated clock (backoff 30 s, 60 s, 120 s, ... capped at an hour), in
order, one destination at a time. A destination that is down gets every change when it comes
back, once: a row is delivered until it succeeds or its handler calls the answer final."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import JSON, DateTime, Integer, String, Text, or_, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column
from sqlalchemy.pool import StaticPool

from .clock import real_now, tenant_now

FIRST_RETRY_SECONDS = 30
MAX_RETRY_SECONDS = 3600
# How long a claim on a row lasts: a deliverer that died mid-attempt holds it no longer.
CLAIM_SECONDS = 120


class OutboxMixin:
    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(String(64), index=True)
    destination: Mapped[str] = mapped_column(Text)  # deliveries to one destination keep order
    kind: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(16), default="pending")  # pending|delivered|failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime)
    last_result: Mapped[str | None] = mapped_column(Text, nullable=True)
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    # While one deliverer is attempting the row (real time, not the tenant's clock): no other
    # deliverer sends it meanwhile.
    claimed_until: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    claimed_by: Mapped[str | None] = mapped_column(String(32), nullable=True)

    def to_json(self) -> dict:
        return {
            "id": self.id,
            "kind": self.kind,
            "destination": self.destination,
            "payload": self.payload,
            "state": self.state,
            "attempts": self.attempts,
            "next_attempt_at": self.next_attempt_at.isoformat() + "Z",
            "last_result": self.last_result,
        }


@dataclass
class Outcome:
    """What one delivery attempt came to: `done` (delivered, or final: never retried) with a
    description for the journal and the row."""

    done: bool
    result: str


class Retry(Exception):
    """The destination did not take the change this time (down, 5xx, garbage): try again."""


def backoff(attempts: int) -> timedelta:
    return timedelta(
        seconds=min(FIRST_RETRY_SECONDS * 2 ** max(attempts - 1, 0), MAX_RETRY_SECONDS)
    )


def enqueue(session: Session, model, tenant, *, destination: str, kind: str, payload: dict) -> None:
    now = tenant_now(tenant)
    session.add(
        model(
            tenant_id=tenant.id,
            destination=destination,
            kind=kind,
            payload=payload,
            created_at=now,
            next_attempt_at=now,
            state="pending",
            attempts=0,
        )
    )


def deliver_due(
    session: Session, model, tenant, handlers: dict[str, Callable], *, force: bool = False
) -> int:
    """Attempt every due row of the tenant (every pending one, with `force`), oldest first, one
    at a time: the oldest pending row of each destination only, so that its changes arrive in
    the order they were made. Returns how many rows were attempted.

    Each attempt is claimed, made and settled on its own: the claim and the outcome are written
    in short transactions of their own, and nothing is held while the destination answers (with
    SQLite, a slow module would otherwise stall every write of every tenant). Deliverers running
    at the same moment — the one after a commit, the one the clock runs, another worker's — so
    never send one change twice, never out of order, and never leave a change behind: each reads
    the outbox afresh after every attempt."""
    blocked: set[str] = set()
    attempted = 0
    with session.no_autoflush:
        while True:
            now = tenant_now(tenant)  # afresh: a change made meanwhile is due now too
            row = _next_row(session, model, tenant, blocked, now, force)
            if row is None:
                break
            token = _claim(session, model, row)
            if token is None:  # another deliverer has it, or has just settled it
                blocked.add(row.destination)
                continue
            attempted += 1
            try:
                outcome = handlers[row.kind](session, row.payload)
                settled = {
                    "state": "delivered" if outcome.done else "failed",
                    "last_result": outcome.result,
                    "delivered_at": real_now(),
                }
            except Exception as exc:  # Retry, or anything unforeseen: never lose the change
                result = str(exc) if isinstance(exc, Retry) else f"{type(exc).__name__}: {exc}"
                _settle(
                    session,
                    model,
                    row,
                    token,
                    last_result=result,
                    next_attempt_at=now + backoff(row.attempts + 1),
                )
                blocked.add(row.destination)
                continue
            _settle(session, model, row, token, **settled)
    return attempted


def _next_row(session: Session, model, tenant, blocked: set, now: datetime, force: bool):
    """The oldest pending row of the first destination not blocked, as the database has it now
    (one row read at a time, not the whole backlog after every attempt); a destination whose
    oldest pending row is not due yet is blocked."""
    while True:
        row = session.scalar(
            select(model)
            .where(
                model.tenant_id == tenant.id,
                model.state == "pending",
                model.destination.not_in(blocked),
            )
            .order_by(model.id)
            .limit(1)
            .execution_options(populate_existing=True)
        )
        if row is None or force or row.next_attempt_at <= now:
            return row
        blocked.add(row.destination)


@contextmanager
def _own_transaction(session: Session) -> Iterator[Session]:
    """A transaction of its own, committed at once so that other deliverers see it — except on
    one shared connection (an in-memory database), where there is no other deliverer and a
    second transaction would commit the caller's."""
    engine = session.get_bind()
    if isinstance(engine.pool, StaticPool):
        yield session
        return
    with Session(engine) as own, own.begin():
        yield own


def _claim(session: Session, model, row) -> str | None:
    """Take the row for one attempt: only if it is still pending, as this deliverer read it (no
    attempt settled since), and not claimed by a live deliverer. A claim lasts CLAIM_SECONDS of
    real time, so that a deliverer that died mid-attempt does not hold the row for ever."""
    token, now = secrets.token_hex(8), real_now()
    with _own_transaction(session) as own:
        taken = own.execute(
            update(model)
            .where(
                model.id == row.id,
                model.state == "pending",
                model.attempts == row.attempts,
                or_(model.claimed_until.is_(None), model.claimed_until < now),
            )
            .values(claimed_by=token, claimed_until=now + timedelta(seconds=CLAIM_SECONDS))
            .execution_options(synchronize_session=False)
        )
    return token if taken.rowcount == 1 else None


def _settle(session: Session, model, row, token: str, **values) -> None:
    """Write the attempt's outcome and let go of the claim, if this deliverer still holds it."""
    with _own_transaction(session) as own:
        own.execute(
            update(model)
            .where(model.id == row.id, model.claimed_by == token)
            .values(attempts=model.attempts + 1, claimed_by=None, claimed_until=None, **values)
            .execution_options(synchronize_session=False)
        )


def json_delivery(http, method: str, url: str, *, other_side: str, **kwargs) -> tuple[int, object]:
    """One delivery attempt over HTTP that expects JSON back: the status and body, or Retry where
    the other side did not take it (no answer, 5xx, 429, an answer that is not JSON)."""
    import requests

    try:
        response = http.request(method, url, **kwargs)
    except requests.RequestException as exc:
        raise Retry(f"{other_side} did not answer: {type(exc).__name__}") from exc
    if response.status_code >= 500 or response.status_code == 429:
        raise Retry(f"{other_side} answered {response.status_code}")
    try:
        return response.status_code, response.json()
    except ValueError:
        raise Retry(f"{other_side} answered {response.status_code} without JSON") from None


class Deliveries:
    """How one simulator works its outbox: right after the commit that wrote a row, and as the
    `outbox` job when the tenant's clock moves (or the control plane runs jobs)."""

    def __init__(self, model, handlers: dict[str, Callable]) -> None:
        self.model, self.handlers = model, handlers

    def after_commit(self, tenant_id: str) -> None:
        from .web import after_commit

        after_commit(lambda: self.now(tenant_id))

    def now(self, tenant_id: str) -> None:
        from flask import current_app

        from .db import get_store

        tenant_model = current_app.extensions["sim_models"].Tenant
        with get_store().transaction() as session:
            tenant = session.get(tenant_model, tenant_id)
            if tenant is not None:
                deliver_due(session, self.model, tenant, self.handlers)

    def job(self, tenant, force: bool) -> int:
        from .db import db

        return deliver_due(db(), self.model, tenant, self.handlers, force=force)
