"""UniView's telemetry to KaseyaOne (DESIGN: "Telemetry, module to hub"): the facts Cooper's
insights read (mock_uniview.facts, named by the contract), with the link to the UniView page
where each insight's action is taken.

UniView pushes, through its outbox: a report is queued in the same transaction as the change of
a fact, when the integration is added, and once a day on the tenant's clock (a day after the
last report), and delivered with the outbox's promises (after the commit, retried with backoff,
an Idempotency-Key applied once). KaseyaOne evaluates the insights when a report arrives. A push
rather than a pull: UniView knows when its facts change, so KaseyaOne's Cooper follows a change
at once instead of at its next poll, and KaseyaOne needs no way in to every module instance.
Only a tenant with the KaseyaOne integration reports (UV-INS-9): the report is made as the
module instance's OIDC client, `PUT /api/v1/module/telemetry` `{"sequence", "observed_at",
"facts", "links"}`; KaseyaOne keeps the report with the highest sequence."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session as DbSession

from sim_common.clock import iso, tenant_now
from sim_common.outbox import Outcome, Retry, enqueue, pending_of

from .models import Outbox, TelemetryState, Tenant

KIND = "telemetry.report"
DESTINATION = "kaseyaone.telemetry"  # apart from the settings document: neither waits for the other
REPORT_INTERVAL = timedelta(days=1)
# Where each insight's action is taken in UniView: the contract's action keys, this module's
# pages (module_contracts.uniview.INSIGHTS).
ACTION_PAGES = {
    "helix_auto_updates": ("uv_facts.appliances_page", "appliances"),
    "recovery_assurance": ("uv_facts.jobs_page", "dca"),
    "backup_alarms": ("uv_facts.alarms_page", "backup"),
    "backup_copy": ("uv_facts.jobs_page", "backup_copy"),
    "replication_alarms": ("uv_facts.alarms_page", "replication"),
    "psa_integration": ("uv_facts.psa_page", "psa"),
    "psa_mapping": ("uv_facts.psa_page", "mapping"),
    "psa_close_ticket_status": ("uv_facts.psa_page", "psa"),
}


def links(tenant: Tenant) -> dict[str, str]:
    """The page of each action, absolute; none when UniView knows no URL of its own (no public
    URL configured, and no request to take it from): KaseyaOne keeps the links it has."""
    from flask import current_app, has_request_context

    from sim_common.tenant_routes import public_url_for

    if not has_request_context() and not current_app.config.get("PUBLIC_URL"):
        return {}
    return {
        action: f"{public_url_for(endpoint, tenant=tenant.id)}#{anchor}"
        for action, (endpoint, anchor) in ACTION_PAGES.items()
    }


def report_document(session: DbSession, tenant: Tenant, sequence: int) -> dict:
    from .facts import insight_facts

    return {
        "sequence": sequence,
        "observed_at": iso(tenant_now(tenant)),
        "facts": insight_facts(session, tenant),
        "links": links(tenant),
    }


def report(session: DbSession, tenant: Tenant) -> bool:
    """Queue a report of the tenant's facts as they are now, if it has the KaseyaOne integration;
    the next daily report falls due a day later. Whether one was queued."""
    state = session.get(TelemetryState, tenant.id)
    if tenant.integration is None:
        if state is not None:
            state.next_report_at = None  # reset: no more daily reports
        return False
    if state is None:
        state = TelemetryState(tenant_id=tenant.id, sequence=0)
        session.add(state)
    state.sequence += 1
    state.next_report_at = tenant_now(tenant) + REPORT_INTERVAL
    enqueue(
        session,
        Outbox,
        tenant,
        destination=DESTINATION,
        kind=KIND,
        payload={"tenant": tenant.id, **report_document(session, tenant, state.sequence)},
    )
    return True


def delivery_state(session: DbSession, tenant: Tenant) -> dict:
    """Reports on their way to KaseyaOne, and the failing ones with why."""
    rows = pending_of(session, Outbox, Outbox.tenant_id == tenant.id, Outbox.kind == KIND)
    return {"pending": len(rows), "failing": [row.to_json() for row in rows if row.failing]}


def deliver(session: DbSession, payload: dict, key: str) -> Outcome:
    from sim_common import kaseyaone_rp

    tenant = session.get(Tenant, payload["tenant"])
    if tenant is None or tenant.integration is None:
        return Outcome(False, "the integration is gone")
    document = {k: payload[k] for k in ("sequence", "observed_at", "facts", "links")}
    body = kaseyaone_rp.send_telemetry(session, tenant.integration, document, key)
    if not isinstance(body.get("accepted"), bool):
        raise Retry("KaseyaOne answered without saying whether it accepted the report")
    return Outcome(True, "accepted" if body["accepted"] else "KaseyaOne holds a later report")


def due(session: DbSession) -> list[str]:
    """The tenants whose daily report is due on their own clock."""
    rows = session.execute(
        select(Tenant, TelemetryState.next_report_at)
        .join(TelemetryState, TelemetryState.tenant_id == Tenant.id)
        .where(TelemetryState.next_report_at.is_not(None))
    )
    return [tenant.id for tenant, next_at in rows if next_at <= tenant_now(tenant)]


def job(tenant: Tenant, force: bool) -> str:
    """The daily report, if due (now, with `force`)."""
    from sim_common.db import db

    session = db()
    state = session.get(TelemetryState, tenant.id)
    next_at = state.next_report_at if state is not None else None
    if not force and (next_at is None or next_at > tenant_now(tenant)):
        return "not due"
    return "reported" if report(session, tenant) else "no integration: nothing to report"
