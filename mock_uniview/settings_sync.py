"""UniView's half of the settings document (DESIGN: "Settings, both ways"): every change to the
integration's settings queues the new version for KaseyaOne in the same transaction, delivered
after the commit and retried on the tenant's clock until KaseyaOne has it. "Syncing" is exactly
"an undelivered version exists". KaseyaOne applies only versions newer than the one it holds."""

from __future__ import annotations

from sqlalchemy.orm import Session as DbSession

from module_contracts.uniview import SETTINGS
from sim_common.outbox import Deliveries, Outcome, document_outcome, enqueue, pending_of

from . import kaseyaone_client
from .models import Integration, Outbox, Tenant

KIND = "settings.push"


def settings_document(integration: Integration) -> dict:
    return {
        "version": integration.version,
        "settings": {key: getattr(integration, key) for key in SETTINGS},
    }


def queue_settings_push(session: DbSession, tenant: Tenant) -> None:
    enqueue(
        session,
        Outbox,
        tenant,
        destination="kaseyaone",
        kind=KIND,
        payload={"tenant": tenant.id, **settings_document(tenant.integration)},
    )


def delivery_state(session: DbSession, tenant: Tenant) -> dict:
    """`syncing`: an undelivered version exists (KaseyaOne's orange clock, seen from UniView);
    `failing`: each undelivered push whose last attempt failed, with why."""
    rows = pending_of(session, Outbox, Outbox.tenant_id == tenant.id, Outbox.kind == KIND)
    return {"syncing": bool(rows), "failing": [row.to_json() for row in rows if row.failing]}


def _deliver(session: DbSession, payload: dict, key: str) -> Outcome:
    tenant = session.get(Tenant, payload["tenant"])
    if tenant is None or tenant.integration is None:
        return Outcome(False, "the integration is gone")
    document = {"version": payload["version"], "settings": payload["settings"]}
    body = kaseyaone_client.send_settings(session, tenant.integration, document, key)
    return document_outcome(body, "KaseyaOne")


HANDLERS = {KIND: _deliver}

DELIVERIES = Deliveries(Outbox, HANDLERS)
