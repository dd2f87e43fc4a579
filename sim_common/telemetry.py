"""A module's telemetry to KaseyaOne (DESIGN: "Telemetry, module to hub"), for every simulated
module: the facts Cooper's insights read (named by the module kind's contract,
module_contracts.insights), with the link to the module page where each insight's action is
taken.

The module pushes, through its outbox: a report is queued in the same transaction as a change,
and once a day on the tenant's clock (a day after the last report), and delivered with the
outbox's promises (after the commit, retried with backoff, an Idempotency-Key applied once).
KaseyaOne evaluates the insights when a report arrives. A push rather than a pull: the module
knows when its facts change, so KaseyaOne's Cooper follows a change at once instead of at its
next poll, and KaseyaOne needs no way in to every module instance. Only a tenant with the
KaseyaOne integration reports (UV-INS-9): the report is made as the module instance's OIDC
client, `PUT /api/v1/module/telemetry` `{"sequence", "observed_at", "facts", "links"}`;
KaseyaOne keeps the report with the highest sequence."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app, has_request_context
from sqlalchemy import DateTime, ForeignKey, Integer, String, select
from sqlalchemy.orm import Mapped, declared_attr, mapped_column
from sqlalchemy.orm import Session as DbSession

from .clock import iso, tenant_now
from .outbox import Outcome, Retry, enqueue, pending_of
from .tenant_routes import public_url_for

KIND = "telemetry.report"
DESTINATION = "kaseyaone.telemetry"  # apart from the settings document: neither waits for the other
REPORT_INTERVAL = timedelta(days=1)
REPORT_KEYS = ("sequence", "observed_at", "facts", "links")


class TelemetryStateMixin:
    """A tenant's reports to KaseyaOne: the last report's number, and when the daily one is due
    (None: no integration, no reports)."""

    __tablename__ = "telemetry_state"

    @declared_attr
    def tenant_id(cls) -> Mapped[str]:
        return mapped_column(
            String(64), ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True
        )

    sequence: Mapped[int] = mapped_column(Integer, default=0)
    next_report_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


@dataclass(frozen=True)
class Telemetry:
    """One module's telemetry. `facts(session, tenant)` answers the facts its contract names,
    now; `action_pages` maps each of the contract's action keys to the module page where it is
    taken (`(endpoint, anchor)`); the models are the module's own (its tenant, with
    `integration`, its outbox and its TelemetryStateMixin)."""

    tenant_model: type
    outbox_model: type
    state_model: type
    facts: Callable[[DbSession, object], dict]
    action_pages: Mapping[str, tuple[str, str]]

    @property
    def handlers(self) -> dict:
        """The outbox handler of the reports (sim_common.settings_sync.deliveries' `others`)."""
        return {KIND: self.deliver}

    def links(self, tenant) -> dict[str, str]:
        """The page of each action, absolute; none when the module knows no URL of its own (no
        public URL configured, and no request to take it from): KaseyaOne keeps the links it
        has."""
        if not has_request_context() and not current_app.config.get("PUBLIC_URL"):
            return {}
        return {
            action: f"{public_url_for(endpoint, tenant=tenant.id)}#{anchor}"
            for action, (endpoint, anchor) in self.action_pages.items()
        }

    def report(self, session: DbSession, tenant) -> bool:
        """Queue a report of the tenant's facts as they are now, if it has the KaseyaOne
        integration; the next daily report falls due a day later. Whether one was queued."""
        state = session.get(self.state_model, tenant.id)
        if tenant.integration is None:
            if state is not None:
                state.next_report_at = None  # reset: no more daily reports
            return False
        if state is None:
            state = self.state_model(tenant_id=tenant.id, sequence=0)
            session.add(state)
        state.sequence += 1
        state.next_report_at = tenant_now(tenant) + REPORT_INTERVAL
        document = {
            "sequence": state.sequence,
            "observed_at": iso(tenant_now(tenant)),
            "facts": self.facts(session, tenant),
            "links": self.links(tenant),
        }
        enqueue(
            session,
            self.outbox_model,
            tenant,
            destination=DESTINATION,
            kind=KIND,
            payload={"tenant": tenant.id, **document},
        )
        return True

    def report_if_changed(self, session: DbSession, tenant) -> bool:
        """For a module that cannot tell which of its changes move a fact: a report only where
        the facts differ from those of the last report queued (nothing to tell KaseyaOne
        otherwise; the daily report still goes). Whether one was queued."""
        if tenant.integration is None:
            return False
        session.flush()
        last = session.scalar(
            select(self.outbox_model.payload)
            .where(
                self.outbox_model.tenant_id == tenant.id,
                self.outbox_model.kind == KIND,
                self.outbox_model.state != "cancelled",
            )
            .order_by(self.outbox_model.id.desc())
            .limit(1)
        )
        if last is not None and last.get("facts") == self.facts(session, tenant):
            return False
        return self.report(session, tenant)

    def delivery_state(self, session: DbSession, tenant) -> dict:
        """Reports on their way to KaseyaOne, and the failing ones with why."""
        outbox = self.outbox_model
        rows = pending_of(session, outbox, outbox.tenant_id == tenant.id, outbox.kind == KIND)
        return {"pending": len(rows), "failing": [row.to_json() for row in rows if row.failing]}

    def deliver(self, session: DbSession, payload: dict, key: str) -> Outcome:
        from . import kaseyaone_rp

        tenant = session.get(self.tenant_model, payload["tenant"])
        if tenant is None or tenant.integration is None:
            return Outcome(False, "the integration is gone")
        document = {name: payload[name] for name in REPORT_KEYS}
        body = kaseyaone_rp.send_telemetry(session, tenant.integration, document, key)
        if not isinstance(body.get("accepted"), bool):
            raise Retry("KaseyaOne answered without saying whether it accepted the report")
        return Outcome(True, "accepted" if body["accepted"] else "KaseyaOne holds a later report")

    def due(self, session: DbSession) -> list[str]:
        """The tenants whose daily report is due on their own clock."""
        state = self.state_model
        rows = session.execute(
            select(self.tenant_model, state.next_report_at)
            .join(state, state.tenant_id == self.tenant_model.id)
            .where(state.next_report_at.is_not(None))
        )
        return [tenant.id for tenant, next_at in rows if next_at <= tenant_now(tenant)]

    def job(self, tenant, force: bool) -> str:
        """The daily report, if due (now, with `force`)."""
        from .db import db

        session = db()
        state = session.get(self.state_model, tenant.id)
        next_at = state.next_report_at if state is not None else None
        if not force and (next_at is None or next_at > tenant_now(tenant)):
            return "not due"
        return "reported" if self.report(session, tenant) else "no integration: nothing to report"
