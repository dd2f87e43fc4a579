"""The outbox: changes one simulator must push to another are written as rows in the same
transaction as the change, then delivered — at once after the commit, and again at each due
retry on the tenant's simulated clock (backoff 30 s, 60 s, 120 s, ... capped at an hour), in
order, one destination at a time. A destination that is down gets every change when it comes
back, once: a row is delivered until it succeeds or its handler calls the answer final."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import JSON, DateTime, Integer, String, Text, or_, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column
from sqlalchemy.orm.attributes import flag_modified
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
    """Attempt every due row of the tenant (every pending one, with `force`), oldest first. A
    destination whose earlier row is still pending is skipped, so that its changes arrive in
    the order they were made. Returns how many rows were attempted.

    Nothing is written until every attempt is over (no autoflush): while a destination answers,
    the database is not locked for anyone else — with SQLite, a slow module would otherwise
    stall every write of every tenant."""
    with session.no_autoflush:
        return _deliver_due(session, model, tenant, handlers, force)


def _deliver_due(session: Session, model, tenant, handlers, force: bool) -> int:
    now = tenant_now(tenant)
    rows = session.scalars(
        select(model)
        .where(model.tenant_id == tenant.id, model.state == "pending")
        .order_by(model.id)
    ).all()
    blocked: set[str] = set()
    attempted = 0
    for row in rows:
        if row.destination in blocked:
            continue
        if row.next_attempt_at > now and not force:
            blocked.add(row.destination)
            continue
        if not _claim(session, model, row):
            blocked.add(row.destination)  # another deliverer is sending it right now
            continue
        attempted += 1
        row.claimed_until = None
        flag_modified(row, "claimed_until")  # the claim was written elsewhere: undo it here
        try:
            outcome = handlers[row.kind](session, row.payload)
        except Exception as exc:  # Retry, or anything unforeseen: never lose the change
            row.attempts += 1
            row.last_result = str(exc) if isinstance(exc, Retry) else f"{type(exc).__name__}: {exc}"
            row.next_attempt_at = now + backoff(row.attempts)
            blocked.add(row.destination)
            continue
        row.attempts += 1
        row.state = "delivered" if outcome.done else "failed"
        row.last_result = outcome.result
        row.delivered_at = real_now()
    return attempted


def _claim(session: Session, model, row) -> bool:
    """Take the row for this attempt, in a transaction of its own (committed at once, so that a
    deliverer running at the same moment in another request or process sees it): only a row
    still pending and not claimed by a live deliverer can be taken. Two deliverers overlapping —
    the one after a commit and the one the clock runs — so never send one change twice."""
    engine = session.get_bind()
    if isinstance(engine.pool, StaticPool):
        return True  # one shared connection (an in-memory database): no other deliverer
    now = real_now()
    with Session(engine) as claiming, claiming.begin():
        taken = claiming.execute(
            update(model)
            .where(
                model.id == row.id,
                model.state == "pending",
                or_(model.claimed_until.is_(None), model.claimed_until < now),
            )
            .values(claimed_until=now + timedelta(seconds=CLAIM_SECONDS))
        )
    return taken.rowcount == 1


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
