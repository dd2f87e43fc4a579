"""UniView's half of the settings document (DESIGN: "Settings, both ways"): every change to the
integration's settings queues the new version for KaseyaOne in the same transaction, delivered
after the commit and retried on the tenant's clock until KaseyaOne has it. "Syncing" is exactly
"an undelivered version exists". KaseyaOne applies only versions newer than the one it holds."""

from __future__ import annotations

from sqlalchemy import exists, select
from sqlalchemy.orm import Session as DbSession

from sim_common.outbox import Deliveries, Outcome, enqueue
from sim_common.uniview_settings import SETTINGS

from . import kaseyaone_client
from .errors import KaseyaOneRefused
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


def syncing(session: DbSession, tenant: Tenant) -> bool:
    return session.scalar(
        select(
            exists().where(
                Outbox.tenant_id == tenant.id, Outbox.kind == KIND, Outbox.state == "pending"
            )
        )
    )


def _deliver(session: DbSession, payload: dict) -> Outcome:
    tenant = session.get(Tenant, payload["tenant"])
    if tenant is None or tenant.integration is None:
        return Outcome(False, "the integration is gone")
    document = {"version": payload["version"], "settings": payload["settings"]}
    try:
        body = kaseyaone_client.send_settings(session, tenant.integration, document)
    except KaseyaOneRefused as exc:
        return Outcome(False, exc.message)
    return Outcome(True, "applied" if body.get("applied") else "KaseyaOne holds a newer version")


HANDLERS = {KIND: _deliver}

DELIVERIES = Deliveries(Outbox, HANDLERS)
