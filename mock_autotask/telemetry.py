"""Autotask's telemetry to KaseyaOne (sim_common.telemetry; AT-INS-1): the facts Autotask's
Cooper insights read (module_contracts.autotask.FACTS) — flags and counts, nothing that names a
resource, a level or a group — with the link to the Autotask page where each insight's action
is taken. A report is queued when the integration is added, after a change that may move a fact
(the integration's settings, changed in Autotask or pushed from KaseyaOne's Module Management;
a resource added or changed, by a person, the REST API or KaseyaOne's SCIM pushes) where the
facts differ from the last report's, and once a day on the tenant's clock."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session as DbSession
from sqlalchemy.orm import aliased

from module_contracts.autotask import MAPPINGS, PROVISIONING
from sim_common.telemetry import Telemetry

from .models import Outbox, Resource, TelemetryState, Tenant
from .provisioning import default_security_level

# Where each insight's action is taken in Autotask: the contract's action keys, this module's
# pages (module_contracts.autotask.INSIGHTS).
ACTION_PAGES = {
    "default_security_level": ("at_kaseyaone.integration_page", "default_security_level"),
    "access_group_mappings": ("at_kaseyaone.integration_page", "access_group_mappings"),
    "timesheet_approvers": ("at_admin.resources_page", "approvers"),
    "expense_approvers": ("at_admin.resources_page", "approvers"),
}


def _waiting_on_inactive(session: DbSession, tenant: Tenant, approver_of) -> int:
    """Active resources whose approver (`approver_of`: the resource's approver id column) is
    inactive."""
    approver = aliased(Resource)
    return session.scalar(
        select(func.count())
        .select_from(Resource)
        .join(approver, approver.id == approver_of)
        .where(
            Resource.tenant_id == tenant.id,
            Resource.is_active.is_(True),
            approver.is_active.is_(False),
        )
    )


def insight_facts(session: DbSession, tenant: Tenant) -> dict:
    """The facts the contract's insights read, now."""
    settings = tenant.integration.settings if tenant.integration is not None else {}
    level = default_security_level(session, tenant)
    return {
        "automatic_user_provisioning": bool(settings.get(PROVISIONING)),
        "default_security_level_has_admin_permission": bool(level is not None and level.admin),
        "access_groups": bool(settings.get("access_groups")),
        "access_group_mappings": len(settings.get(MAPPINGS) or []),
        "active_resources_with_inactive_timesheet_approver": _waiting_on_inactive(
            session, tenant, Resource.timesheet_approver_id
        ),
        "active_resources_with_inactive_expense_approver": _waiting_on_inactive(
            session, tenant, Resource.expense_approver_id
        ),
    }


TELEMETRY = Telemetry(Tenant, Outbox, TelemetryState, insight_facts, ACTION_PAGES)


def facts_may_have_changed(session: DbSession, tenant: Tenant) -> None:
    """After a change that may move a fact: KaseyaOne is told, if the integration is added and
    the facts differ from those it was last sent."""
    TELEMETRY.report_if_changed(session, tenant)
