"""Columns every simulator's state has: tenants with their own simulated clock, the journal of
what a simulator received and sent, and secrets kept across workers. Each simulator mixes
these into its own declarative base."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, declared_attr, mapped_column


class TenantMixin:
    __tablename__ = "tenants"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    # Simulated time is real time plus this offset: advancing a tenant's clock never touches
    # another tenant's.
    clock_offset_seconds: Mapped[float] = mapped_column(Float, default=0.0)


def tenant_fk() -> ForeignKey:
    """A row's tenant: deleting the tenant deletes the row."""
    return ForeignKey("tenants.id", ondelete="CASCADE")


class JournalEntryMixin:
    __tablename__ = "journal"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    # No foreign key: a request naming a tenant that does not exist is journalled too.
    tenant_id: Mapped[str | None] = mapped_column(String(64), index=True, nullable=True)
    at: Mapped[datetime] = mapped_column(DateTime)
    direction: Mapped[str] = mapped_column(String(8))  # "received" or "sent"
    method: Mapped[str] = mapped_column(String(10))
    url: Mapped[str] = mapped_column(Text)
    status: Mapped[int | None] = mapped_column(Integer, nullable=True)
    detail: Mapped[dict | None] = mapped_column(JSON, nullable=True)

    def to_json(self) -> dict:
        return {
            "id": self.id,
            "at": self.at.isoformat() + "Z",
            "direction": self.direction,
            "method": self.method,
            "url": self.url,
            "status": self.status,
            "detail": self.detail,
        }


class SecretMixin:
    __tablename__ = "secrets"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


__all__ = ["TenantMixin", "tenant_fk", "JournalEntryMixin", "SecretMixin", "declared_attr"]
