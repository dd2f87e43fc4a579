"""UniView's telemetry to KaseyaOne (sim_common.telemetry): the facts Cooper's insights read
(mock_uniview.facts, named by the contract), with the link to the UniView page where each
insight's action is taken. A report is queued in the same transaction as each change of a fact
(mock_uniview.facts), when the integration is added, and once a day on the tenant's clock."""

from __future__ import annotations

from sqlalchemy.orm import Session as DbSession

from sim_common.telemetry import KIND, Telemetry

from .models import Outbox, TelemetryState, Tenant

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


def _facts(session: DbSession, tenant: Tenant) -> dict:
    from .facts import insight_facts  # the facts report every change through this module

    return insight_facts(session, tenant)


TELEMETRY = Telemetry(Tenant, Outbox, TelemetryState, _facts, ACTION_PAGES)
links = TELEMETRY.links
report = TELEMETRY.report
delivery_state = TELEMETRY.delivery_state
due = TELEMETRY.due
job = TELEMETRY.job

__all__ = ["ACTION_PAGES", "KIND", "TELEMETRY", "delivery_state", "due", "job", "links", "report"]
