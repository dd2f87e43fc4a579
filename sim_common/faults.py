"""Fault injection, as WireMock offers it: make the next N requests of a kind that a simulator
receives for a tenant fail — with an HTTP status, with a body that is not what the protocol
promises, late (a delay, after which the request is answered as usual: a caller whose timeout
is shorter sees a timeout), or not at all (the connection is closed without an answer) — so
that tests see retries and recovery without stopping a server. Counted down atomically, so
several workers share one budget."""

from __future__ import annotations

import contextlib
import socket
import time
from functools import lru_cache

from flask import Response, current_app, g, request
from sqlalchemy import Float, Integer, String, bindparam, exists, select, update
from sqlalchemy.orm import Mapped, mapped_column

from .db import db
from .errors import InvalidRequest
from .validation import integer

MODES = ("status", "garbage", "delay", "drop")
MAX_DELAY_SECONDS = 30  # a served worker's request timeout is 60 s


class FaultMixin:
    __tablename__ = "faults"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    remaining: Mapped[int] = mapped_column(Integer)
    mode: Mapped[str] = mapped_column(String(16), default="status")
    status: Mapped[int] = mapped_column(Integer, default=503)
    delay_seconds: Mapped[float] = mapped_column(Float, default=0.0)


def fault_kind() -> str | None:
    blueprint = current_app.blueprints.get(request.blueprint or "")
    return getattr(blueprint, "fault_kind", None)


def add_fault(session, model, tenant, body: dict) -> dict:
    kinds = sorted(
        {getattr(b, "fault_kind", None) for b in current_app.blueprints.values()} - {None}
    )
    kind, count = body.get("kind"), body.get("count", 1)
    mode, status = body.get("mode", "status"), body.get("status", 503)
    if kind not in kinds:
        raise InvalidRequest(f"'kind' must be one of {', '.join(kinds)}.", field="kind")
    integer(count, "count", minimum=1)
    if mode not in MODES:
        raise InvalidRequest(f"'mode' must be one of {', '.join(MODES)}.", field="mode")
    integer(status, "status", minimum=400, maximum=599)
    delay = body.get("delay_seconds")
    if mode != "delay" and delay is not None:
        raise InvalidRequest("'delay_seconds' goes with 'mode': 'delay'.", field="delay_seconds")
    if mode == "delay" and (
        isinstance(delay, bool)
        or not isinstance(delay, int | float)
        or not 0 < delay <= MAX_DELAY_SECONDS  # NaN fails this too
    ):
        raise InvalidRequest(
            f"'delay_seconds' must be a number of seconds, more than 0 and at most "
            f"{MAX_DELAY_SECONDS}.",
            field="delay_seconds",
        )
    fault = model(
        tenant_id=tenant.id,
        kind=kind,
        remaining=count,
        mode=mode,
        status=status,
        delay_seconds=float(delay or 0),
    )
    session.add(fault)
    session.flush()
    answer = {"id": fault.id, "kind": kind, "remaining": count, "mode": mode, "status": status}
    if mode == "delay":
        answer["delay_seconds"] = float(delay)
    return answer


def _drop_connection() -> Response:
    """Close the connection without an answer (WireMock's EMPTY_RESPONSE): the client sees the
    connection end before any status line. The WSGI servers the simulators run on hand the
    socket over (werkzeug as `werkzeug.socket`, gunicorn as `gunicorn.socket`); shut down, it
    makes the server's own write of the response fail, which both take for a client that went
    away. It is shut once the request's journal entry is committed (close_dropped_connection):
    a client that sees the drop finds it in the journal, before whatever it sends next."""
    sock = request.environ.get("werkzeug.socket") or request.environ.get("gunicorn.socket")
    if sock is None:
        return Response(
            '{"error": "injected_fault", "message": "A dropped connection was injected, but '
            'this server gives no socket to close."}',
            503,
            mimetype="application/json",
        )
    g.sim_connection_dropped = sock
    return Response(status=502)


def close_dropped_connection() -> None:
    """Shut the connection of a request a fault drops (after its journal entry is committed)."""
    sock = g.pop("sim_connection_dropped", None)
    if sock is not None:
        with contextlib.suppress(OSError):  # the client may have gone already
            sock.shutdown(socket.SHUT_RDWR)


@lru_cache
def _any_pending(model):
    """Whether a tenant has a fault of a kind left: built once, as every request asks it (building
    the statement cost four times what running it does)."""
    pending = (
        model.tenant_id == bindparam("tenant_id"),
        model.kind == bindparam("kind"),
        model.remaining > 0,
    )
    return select(exists().where(*pending))


def injected_failure() -> Response | None:
    """Before a request of a faultable kind: the failure to answer instead, if one is due."""
    kind, tenant_id = fault_kind(), g.get("tenant_id")
    if kind is None or tenant_id is None:
        return None
    model = current_app.extensions["sim_models"].Fault
    with db().no_autoflush:  # a read only: nothing of the request is written by it
        if not db().scalar(_any_pending(model), {"tenant_id": tenant_id, "kind": kind}):
            return None  # the usual case: one cheap read, no transaction of its own
    store = current_app.extensions["sim_store"]
    taken_fault = None
    with store.transaction() as session:  # its own transaction: spent even if the request fails
        for fault in session.scalars(
            select(model)
            .where(model.tenant_id == tenant_id, model.kind == kind, model.remaining > 0)
            .order_by(model.id)
        ):
            taken = session.execute(
                update(model)
                .where(model.id == fault.id, model.remaining > 0)
                .values(remaining=model.remaining - 1)
            )
            if taken.rowcount:
                taken_fault = (fault.mode, fault.status, fault.delay_seconds)
                break
    if taken_fault is None:
        return None
    mode, status, delay = taken_fault
    g.journal_detail = {"injected_fault": mode}  # what the journal shows of the request
    if mode == "delay":
        time.sleep(delay)  # the simulated slowness itself; the request then goes on as usual
        return None
    if mode == "drop":
        return _drop_connection()
    if mode == "garbage":
        return Response("<html>surprise</html>", 200, mimetype="text/html")
    return Response(
        '{"error": "injected_fault", "message": "A fault injected through the control plane."}',
        status,
        mimetype="application/json",
    )
