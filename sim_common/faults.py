"""Fault injection: make the next N requests of a kind that a simulator receives for a tenant
fail — with an HTTP status, or with a body that is not what the protocol promises — so that
tests see retries and recovery without stopping a server. Counted down atomically, so several
workers share one budget."""

from __future__ import annotations

from flask import Response, current_app, g, request
from sqlalchemy import Integer, String, exists, select, update
from sqlalchemy.orm import Mapped, mapped_column

from .db import db
from .errors import InvalidRequest
from .validation import integer

MODES = ("status", "garbage")


class FaultMixin:
    __tablename__ = "faults"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    remaining: Mapped[int] = mapped_column(Integer)
    mode: Mapped[str] = mapped_column(String(16), default="status")
    status: Mapped[int] = mapped_column(Integer, default=503)


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
    fault = model(tenant_id=tenant.id, kind=kind, remaining=count, mode=mode, status=status)
    session.add(fault)
    session.flush()
    return {"id": fault.id, "kind": kind, "remaining": count, "mode": mode, "status": status}


def injected_failure() -> Response | None:
    """Before a request of a faultable kind: the failure to answer instead, if one is due."""
    kind, tenant_id = fault_kind(), g.get("tenant_id")
    if kind is None or tenant_id is None:
        return None
    model = current_app.extensions["sim_models"].Fault
    pending = (model.tenant_id == tenant_id, model.kind == kind, model.remaining > 0)
    with db().no_autoflush:  # a read only: nothing of the request is written by it
        if not db().scalar(select(exists().where(*pending))):
            return None  # the usual case: one cheap read, no transaction of its own
    store = current_app.extensions["sim_store"]
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
                g.journal_detail = {"injected_fault": fault.mode}  # what the journal shows
                if fault.mode == "garbage":
                    return Response("<html>surprise</html>", 200, mimetype="text/html")
                return Response(
                    '{"error": "injected_fault", "message": "A fault injected '
                    'through the control plane."}',
                    fault.status,
                    mimetype="application/json",
                )
    return None
