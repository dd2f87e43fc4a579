"""The receiving end of pushes: a request carrying an `Idempotency-Key` (the IETF httpapi draft
"The Idempotency-Key HTTP Header Field") is applied once. The first request with a key is
applied and its answer kept with it, in the same transaction as the change; the same request
sent again with that key — a push the sender could not know had landed, sent again after a
crash or a lost answer — gets the kept answer without being applied again. The key reused for
a different request is refused (422), and while the first is still being applied, so is a
second (409), as the draft says.

Keys are kept for KEEP_DAYS of the tenant's clock, longer than any sender retries a push."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from flask import Blueprint, Response, g, request
from sqlalchemy import (
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    delete,
    select,
    update,
)
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from .clock import tenant_now
from .db import db, insert_new
from .errors import Conflict, SimError
from .outbox import IDEMPOTENCY_HEADER

KEEP_DAYS = 7
MAX_KEY_LENGTH = 64


class IdempotentRequestMixin:
    __tablename__ = "idempotent_requests"

    @declared_attr.directive
    def __table_args__(cls):
        return (UniqueConstraint("tenant_id", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(MAX_KEY_LENGTH))
    # The method, path and body the key was first used with (a hash of them).
    fingerprint: Mapped[str] = mapped_column(String(64))
    status: Mapped[int | None] = mapped_column(Integer, nullable=True)  # None: being applied
    content_type: Mapped[str | None] = mapped_column(String(128), nullable=True)
    body: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class KeyReused(SimError):
    status_code = 422
    error = "idempotency_key_reused"
    message = "This Idempotency-Key was used for a different request."


class KeyInUse(Conflict):
    error = "idempotency_key_in_use"
    message = "A request with this Idempotency-Key is being applied; send it again later."


def _fingerprint() -> str:
    digest = hashlib.sha256(f"{request.method} {request.path}\n".encode())
    digest.update(request.get_data())
    return digest.hexdigest()


def apply_once(bp: Blueprint, model, tenant_of) -> None:
    """Make the state-changing requests of `bp` that carry an Idempotency-Key apply once.
    `tenant_of()` is the tenant the request is for, once the blueprint's own checks (who is
    calling) have run: register this after them."""

    @bp.before_request
    def replay_or_hold():
        key = request.headers.get(IDEMPOTENCY_HEADER)
        if key is None or request.method in ("GET", "HEAD", "OPTIONS"):
            return None
        if not 0 < len(key) <= MAX_KEY_LENGTH or not key.isascii() or not key.isprintable():
            raise SimError(f"The {IDEMPOTENCY_HEADER} must be 1 to 64 printable characters.")
        tenant, session = tenant_of(), db()
        kept = session.scalar(select(model).where(model.tenant_id == tenant.id, model.key == key))
        if kept is None:
            now = tenant_now(tenant)
            session.execute(
                delete(model).where(
                    model.tenant_id == tenant.id, model.created_at < now - timedelta(KEEP_DAYS)
                )
            )
            held = {"tenant_id": tenant.id, "key": key, "created_at": now}
            if not insert_new(session, model, [{**held, "fingerprint": _fingerprint()}]):
                raise KeyInUse()  # another request took the key at the same moment
            g.idempotent_request = (tenant.id, key)
            return None
        if kept.fingerprint != _fingerprint():
            raise KeyReused()
        if kept.status is None:
            raise KeyInUse()
        g.journal_detail = {"idempotent_replay": True}
        return Response(kept.body, kept.status, content_type=kept.content_type)

    @bp.after_request
    def keep_the_answer(response: Response):
        held = g.pop("idempotent_request", None)
        if held is None:
            return response
        this = (model.tenant_id == held[0], model.key == held[1])
        if 200 <= response.status_code < 300:
            db().execute(
                update(model)
                .where(*this)
                .values(
                    status=response.status_code,
                    content_type=response.content_type,
                    body=response.get_data(as_text=True),
                )
            )
        else:  # not applied (and perhaps rolled back): it may be sent again, and applied then
            db().execute(delete(model).where(*this))
        return response
