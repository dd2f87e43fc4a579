"""A module's half of the settings document (DESIGN: "Settings, both ways"), for every simulated
module: every change to the integration's settings queues the new version of the document for
KaseyaOne in the same transaction, delivered after the commit and retried on the tenant's clock
until KaseyaOne has it. "Syncing" is exactly "an undelivered version exists". KaseyaOne applies
only versions newer than the one it holds. The document is the module's own to make
(`{"version", "settings"}`, and `options` where it owns values: module_contracts.settings)."""

from __future__ import annotations

from sqlalchemy.orm import Session as DbSession

from . import kaseyaone_rp
from .outbox import Deliveries, Outcome, document_outcome, enqueue, pending_of

KIND = "settings.push"


def queue_settings_push(session: DbSession, outbox_model, tenant, document: dict) -> None:
    enqueue(
        session,
        outbox_model,
        tenant,
        destination="kaseyaone",
        kind=KIND,
        payload={"tenant": tenant.id, **document},
    )


def delivery_state(session: DbSession, outbox_model, tenant) -> dict:
    """`syncing`: an undelivered version exists (KaseyaOne's orange clock, seen from the
    module); `failing`: each undelivered push whose last attempt failed, with why."""
    rows = pending_of(
        session, outbox_model, outbox_model.tenant_id == tenant.id, outbox_model.kind == KIND
    )
    return {"syncing": bool(rows), "failing": [row.to_json() for row in rows if row.failing]}


def deliveries(outbox_model, tenant_model, others: dict | None = None) -> Deliveries:
    """The module's outbox work (its `sim_deliveries`): each queued document, PUT to KaseyaOne
    as the module instance's OIDC client (`tenant.integration`'s credentials), and the module's
    `others` (kind: handler), its telemetry say."""

    def deliver(session: DbSession, payload: dict, key: str) -> Outcome:
        tenant = session.get(tenant_model, payload["tenant"])
        if tenant is None or tenant.integration is None:
            return Outcome(False, "the integration is gone")
        document = {name: value for name, value in payload.items() if name != "tenant"}
        body = kaseyaone_rp.send_settings(session, tenant.integration, document, key)
        return document_outcome(body, "KaseyaOne")

    return Deliveries(outbox_model, {KIND: deliver, **(others or {})})
