"""A module's sign-in sessions (UniView's, Autotask's): one row per signed-in browser or app,
opened for a lifetime on the tenant's clock, ended by logging out (and, through the foreign
keys, with the account). Each module keeps them in a `sessions` table made from
`ModuleSessionMixin`, with a column naming its own kind of account; whether the account may
open one, and which rows count as live, are the module's to say. No Flask here."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import DateTime, String, delete
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship
from sqlalchemy.orm import Session as DbSession

from .clock import tenant_now
from .models import tenant_fk


class ModuleSessionMixin:
    __tablename__ = "sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)

    @declared_attr
    def tenant_id(cls) -> Mapped[str]:
        return mapped_column(tenant_fk(), index=True)

    method: Mapped[str] = mapped_column(String(16))  # how it was opened: the module's names
    created_at: Mapped[datetime] = mapped_column(DateTime)
    expires_at: Mapped[datetime] = mapped_column(DateTime)

    @declared_attr
    def tenant(cls):
        return relationship("Tenant")

    def is_expired(self) -> bool:
        return tenant_now(self.tenant) >= self.expires_at


def open_session(
    session: DbSession, model, tenant, method: str, lifetime_seconds: int, **account
) -> ModuleSessionMixin:
    """A new session of `model` for the account `account` names (its column and id), opened
    now on the tenant's clock; its id, unguessable, is what the cookie or bearer token carries."""
    now = tenant_now(tenant)
    row = model(
        id=secrets.token_urlsafe(32),
        tenant_id=tenant.id,
        method=method,
        created_at=now,
        expires_at=now + timedelta(seconds=lifetime_seconds),
        **account,
    )
    session.add(row)
    return row


def end_session(session: DbSession, model, session_id: str) -> None:
    session.execute(delete(model).where(model.id == session_id))
