"""The outbox: changes one simulator must push to another are written as rows in the same
transaction as the change, then delivered — at once after the commit, and again at each due
retry on the tenant's simulated clock (backoff 30 s, 60 s, 120 s, ... capped at an hour), in
order, one destination at a time.

What it promises: a change counts as delivered only when the other side's answer proves it (the
status and body the protocol promises); anything else — no answer, a 5xx, a 4xx, a body that is
not what was promised — is retried with backoff, for as long as the destination exists, and the
row shows why (`last_result`; `failing` once an attempt has failed). A row is given up only when
its destination is gone (`cancelled`: the module instance removed, the integration reset). Each
attempt carries the row's idempotency key (`Idempotency-Key`, as in the IETF httpapi draft), so
a change sent again after a crash is applied once at the receiving end. Served simulators run
their due rows by themselves as real time passes (sim_common.scheduler); a process that died
while delivering loses its claims within seconds (sim_common.leases)."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app, has_app_context, has_request_context
from sqlalchemy import JSON, DateTime, Integer, String, Text, event, func, or_, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from .clock import real_now, tenant_now
from .leases import beat, live_processes, own_transaction

FIRST_RETRY_SECONDS = 30
MAX_RETRY_SECONDS = 3600
# The longest a claim lasts, even for a live deliverer (one stuck in an attempt this long has
# lost it); a deliverer that dies loses its claims sooner, when its heartbeat runs out.
CLAIM_SECONDS = 120
# A row not attempted yet belongs this long (on its tenant's clock) to the request that wrote
# it, whose first attempt follows its commit: the served scheduler leaves it alone meanwhile, so
# that the request answers once its change has been pushed, not while another process pushes it.
FIRST_ATTEMPT_SECONDS = 2
IDEMPOTENCY_HEADER = "Idempotency-Key"


class OutboxMixin:
    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(String(64), index=True)
    destination: Mapped[str] = mapped_column(Text)  # deliveries to one destination keep order
    kind: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict] = mapped_column(JSON)
    # Sent with every attempt of this row: the receiving end applies the change once.
    key: Mapped[str] = mapped_column(String(32))
    state: Mapped[str] = mapped_column(String(16), default="pending")  # pending|delivered|cancelled
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime)
    last_result: Mapped[str | None] = mapped_column(Text, nullable=True)
    last_attempt_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    # While one deliverer is attempting the row (real time, not the tenant's clock): no other
    # deliverer sends it meanwhile, unless the claiming process has stopped beating.
    claimed_until: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    claimed_by: Mapped[str | None] = mapped_column(String(32), nullable=True)
    claimed_process: Mapped[str | None] = mapped_column(String(32), nullable=True)

    @property
    def failing(self) -> bool:
        """Not delivered yet, and at least one attempt failed: what a person is shown."""
        return self.state == "pending" and self.attempts > 0

    def to_json(self) -> dict:
        return {
            "id": self.id,
            "kind": self.kind,
            "destination": self.destination,
            "payload": self.payload,
            "state": self.state,
            "failing": self.failing,
            "attempts": self.attempts,
            "next_attempt_at": self.next_attempt_at.isoformat() + "Z",
            "last_result": self.last_result,
        }


@dataclass
class Outcome:
    """What an attempt that needs no retry came to: `done` (delivered, proven by the answer)
    or not (cancelled: the destination is gone, nothing will ever take it), with a description
    for the journal and the row. Everything else raises Retry."""

    done: bool
    result: str


class Retry(Exception):
    """The destination did not take the change this time (down, 5xx, 4xx, garbage): try again."""


@dataclass(frozen=True)
class Backoff:
    first_seconds: float = FIRST_RETRY_SECONDS
    max_seconds: float = MAX_RETRY_SECONDS

    def after(self, attempts: int) -> timedelta:
        return timedelta(
            seconds=min(self.first_seconds * 2 ** max(attempts - 1, 0), self.max_seconds)
        )


# Tenants whose outbox a session has written to: delivered once that session commits.
TO_DELIVER = "sim_outbox_to_deliver"


def enqueue(session: Session, model, tenant, *, destination: str, kind: str, payload: dict) -> None:
    """Write the push in the transaction that makes the change; once that transaction commits,
    the simulator delivers it (within the request that committed it, or the job)."""
    session.info.setdefault(TO_DELIVER, set()).add(tenant.id)
    now = tenant_now(tenant)
    session.add(
        model(
            tenant_id=tenant.id,
            destination=destination,
            kind=kind,
            payload=payload,
            key=secrets.token_hex(16),
            created_at=now,
            next_attempt_at=now,
            state="pending",
            attempts=0,
        )
    )


@event.listens_for(Session, "after_commit")
def _deliver_once_committed(session: Session) -> None:
    tenants = session.info.pop(TO_DELIVER, None)
    if not tenants or not has_app_context():
        return  # outside a simulator's request or job: the scheduler or a clock finds them
    from .web import after_commit

    deliveries = current_app.extensions["sim_deliveries"]
    for tenant_id in sorted(tenants):
        after_commit(lambda tenant_id=tenant_id: deliveries.now(tenant_id))


@event.listens_for(Session, "after_rollback")
def _nothing_to_deliver(session: Session) -> None:
    session.info.pop(TO_DELIVER, None)


def cancel_pending(session: Session, model, reason: str, *conditions) -> None:
    """Give up the pending rows `conditions` select: their destination is gone. They stay in the
    outbox, with the reason, rather than vanish."""
    session.execute(
        update(model)
        .where(model.state == "pending", *conditions)
        .values(state="cancelled", last_result=reason)
        .execution_options(synchronize_session=False)
    )


def pending_of(session: Session, model, *conditions) -> list:
    """The pending rows `conditions` select, oldest first: what is still on its way."""
    return list(
        session.scalars(
            select(model).where(model.state == "pending", *conditions).order_by(model.id)
        )
    )


def deliver_due(
    session: Session,
    model,
    lease_model,
    tenant,
    handlers: dict[str, Callable],
    *,
    force: bool = False,
    backoff: Backoff = Backoff(),
    leave_fresh: bool = False,
) -> int:
    """Attempt every due row of the tenant (every pending one, with `force`), oldest first, one
    at a time: the oldest pending row of each destination only, so that its changes arrive in
    the order they were made. Returns how many rows were attempted.

    Each attempt is claimed, made and settled on its own: the claim and the outcome are written
    in short transactions of their own, and nothing is held while the destination answers (with
    SQLite, a slow module would otherwise stall every write of every tenant). Deliverers running
    at the same moment — the one after a commit, the one the clock runs, another worker's — so
    never send one change twice, never out of order, and never leave a change behind: each reads
    the outbox afresh after every attempt. With `leave_fresh`, rows not attempted yet and
    written less than FIRST_ATTEMPT_SECONDS ago are left to their request's first attempt."""
    blocked: set[str] = set()
    attempted = 0
    with session.no_autoflush:
        while True:
            now = tenant_now(tenant)  # afresh: a change made meanwhile is due now too
            row = _next_row(session, model, tenant, blocked, now, force, leave_fresh)
            if row is None:
                break
            token = _claim(session, model, lease_model, row)
            if token is None:  # another deliverer has it, or has just settled it
                blocked.add(row.destination)
                continue
            attempted += 1
            try:
                outcome = handlers[row.kind](session, row.payload, row.key)
                settled = {
                    "state": "delivered" if outcome.done else "cancelled",
                    "last_result": outcome.result,
                    "delivered_at": real_now() if outcome.done else None,
                }
            except Exception as exc:  # Retry, or anything unforeseen: never lose the change
                result = str(exc) if isinstance(exc, Retry) else f"{type(exc).__name__}: {exc}"
                _settle(
                    session,
                    model,
                    row,
                    token,
                    now,
                    last_result=result,
                    next_attempt_at=now + backoff.after(row.attempts + 1),
                )
                blocked.add(row.destination)
                continue
            _settle(session, model, row, token, now, **settled)
    return attempted


def _next_row(
    session: Session, model, tenant, blocked: set, now: datetime, force: bool, leave_fresh: bool
):
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
        if row is None or force:
            return row
        young = now - row.created_at < timedelta(seconds=FIRST_ATTEMPT_SECONDS)
        if row.next_attempt_at <= now and not (leave_fresh and row.attempts == 0 and young):
            return row
        blocked.add(row.destination)


def _claim(session: Session, model, lease_model, row) -> str | None:
    """Take the row for one attempt: only if it is still pending, as this deliverer read it (no
    attempt settled since), and not claimed by a live deliverer — one whose claim has not run
    out (CLAIM_SECONDS) and whose process still beats (sim_common.leases)."""
    process = beat(session, lease_model)
    token, now = secrets.token_hex(8), real_now()
    with own_transaction(session) as own:
        taken = own.execute(
            update(model)
            .where(
                model.id == row.id,
                model.state == "pending",
                model.attempts == row.attempts,
                or_(
                    model.claimed_until.is_(None),
                    model.claimed_until < now,
                    model.claimed_process.not_in(live_processes(lease_model)),
                ),
            )
            .values(
                claimed_by=token,
                claimed_process=process,
                claimed_until=now + timedelta(seconds=CLAIM_SECONDS),
            )
            .execution_options(synchronize_session=False)
        )
    return token if taken.rowcount == 1 else None


def _settle(session: Session, model, row, token: str, now: datetime, **values) -> None:
    """Write the attempt's outcome and let go of the claim, if this deliverer still holds it."""
    with own_transaction(session) as own:
        own.execute(
            update(model)
            .where(model.id == row.id, model.claimed_by == token)
            .values(
                attempts=model.attempts + 1,
                last_attempt_at=now,
                claimed_by=None,
                claimed_until=None,
                claimed_process=None,
                **values,
            )
            .execution_options(synchronize_session=False)
        )


def json_delivery(http, method: str, url: str, *, other_side: str, **kwargs) -> tuple[int, object]:
    """One delivery attempt over HTTP that expects a JSON object back with a 2xx: the status and
    body, or Retry for anything else (no answer, an error status, an answer that is not JSON),
    with what the other side said."""
    import requests

    try:
        response = http.request(method, url, **kwargs)
    except requests.RequestException as exc:
        raise Retry(f"{other_side} did not answer: {type(exc).__name__}") from exc
    try:
        body = response.json()
    except ValueError:
        body = None
    if not 200 <= response.status_code < 300:
        raise Retry(f"{other_side} answered {response.status_code}{said(body)}")
    if not isinstance(body, dict):
        raise Retry(f"{other_side} answered {response.status_code} without a JSON object")
    return response.status_code, body


def said(body) -> str:
    """What an error body says, briefly: `message` (JSON errors), `detail` (SCIM's), or an OAuth
    `error`; empty if it says nothing readable."""
    if isinstance(body, dict):
        said = body.get("message") or body.get("detail") or body.get("error")
        if isinstance(said, str) and said:
            return f": {said[:200]}"
    return ""


def document_outcome(body: dict, other_side: str) -> Outcome:
    """A pushed settings document is delivered when the answer says whether it was applied (the
    other side applies only a version newer than its own)."""
    if not isinstance(body.get("applied"), bool):
        raise Retry(f"{other_side} answered without saying whether it applied the settings")
    return Outcome(True, "applied" if body["applied"] else f"{other_side} holds a newer version")


def due_tenants(session: Session, model, tenant_model) -> list[str]:
    """The tenants with a pending row due on their own clock (what the scheduler runs)."""
    earliest = (
        select(model.tenant_id, func.min(model.next_attempt_at).label("due"))
        .where(model.state == "pending")
        .group_by(model.tenant_id)
        .subquery()
    )
    rows = session.execute(
        select(tenant_model, earliest.c.due).join(earliest, earliest.c.tenant_id == tenant_model.id)
    )
    return [tenant.id for tenant, due in rows if due <= tenant_now(tenant)]


class Deliveries:
    """How one simulator works its outbox (registered as `sim_deliveries`): right after the
    commit that wrote a row, and as the `outbox` job when the tenant's clock moves, the control
    plane runs jobs, or (served) the scheduler finds rows due."""

    def __init__(self, model, handlers: dict[str, Callable]) -> None:
        self.model, self.handlers = model, handlers

    def _deliver(self, session: Session, tenant, force: bool, leave_fresh: bool = False) -> int:
        return deliver_due(
            session,
            self.model,
            current_app.extensions["sim_models"].Lease,
            tenant,
            self.handlers,
            force=force,
            backoff=Backoff(
                current_app.config.get("OUTBOX_FIRST_RETRY_SECONDS", FIRST_RETRY_SECONDS),
                current_app.config.get("OUTBOX_MAX_RETRY_SECONDS", MAX_RETRY_SECONDS),
            ),
            leave_fresh=leave_fresh,
        )

    def now(self, tenant_id: str) -> None:
        from .db import get_store

        tenant_model = current_app.extensions["sim_models"].Tenant
        with get_store().transaction() as session:
            tenant = session.get(tenant_model, tenant_id)
            if tenant is not None:
                self._deliver(session, tenant, force=False)

    def job(self, tenant, force: bool) -> int:
        """The `outbox` job. Outside any request (the served scheduler), a row its request has
        not attempted yet is left to it for FIRST_ATTEMPT_SECONDS."""
        from .db import db

        return self._deliver(db(), tenant, force, leave_fresh=not has_request_context())

    def due(self, session: Session) -> list[str]:
        return due_tenants(session, self.model, current_app.extensions["sim_models"].Tenant)
