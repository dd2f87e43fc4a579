"""The KaseyaOne integration in Autotask (Admin > Extensions & Integrations > Kaseya Integrations
> KaseyaOne): adding it, its settings under the rules of Autotask's contract with KaseyaOne
(module_contracts.autotask: Unified Login, Require Login with KaseyaOne, Automatic User
Provisioning with its five required defaults, AT-PROV-2, and Access Groups in an order,
AT-GRP-1/2), User Exceptions (AT-REQ-2), and the settings document both sides keep: every change
is a new version pushed to KaseyaOne with the options Autotask offers for the values it owns (its
security levels, departments, roles, and the resources who approve timesheets and expense
reports), and a version KaseyaOne pushes is applied if it is not older. No Flask here."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session as DbSession

from module_contracts.autotask import LOGIN, RULES
from module_contracts.settings import MAX_OPTIONS, check_version, next_version
from sim_common.db import add_once, delete_if_present
from sim_common.errors import InvalidRequest
from sim_common.kaseyaone_module import kaseyaone_json, record_integration
from sim_common.settings_sync import queue_settings_push

from . import organization, resources, telemetry
from .errors import IntegrationAlreadyAdded, IntegrationNotAdded
from .models import Integration, Outbox, Resource, Tenant, UserException

LABEL_LENGTH = 200  # the longest label KaseyaOne keeps for an option
MAX_EXCEPTIONS_AT_ONCE = 500


def get_integration(tenant: Tenant) -> Integration:
    if tenant.integration is None:
        raise IntegrationNotAdded()
    return tenant.integration


def add_integration(
    session: DbSession, tenant: Tenant, registration: dict, scim_token: str
) -> Integration:
    """Record what KaseyaOne issued when this Autotask registered itself as a module instance:
    Unified Login is on from then on (the contract's default), the rest off; KaseyaOne learns
    the first version of the settings document, with Autotask's options."""
    if tenant.integration is not None:
        raise IntegrationAlreadyAdded()
    integration = record_integration(
        session,
        Integration,
        tenant,
        registration,
        scim_token,
        IntegrationAlreadyAdded,
        settings=RULES.defaults,
        options=offered_options(session, tenant),
    )
    _queue_push(session, integration)
    telemetry.TELEMETRY.report(session, tenant)  # and Cooper what this instance has
    return integration


def _label(text: str) -> str:
    return text if len(text) <= LABEL_LENGTH else text[: LABEL_LENGTH - 1] + "…"


def approver_options(session: DbSession, tenant: Tenant, approves) -> list[dict]:
    """The active resources for whom `approves` holds (who approve timesheets, or expense
    reports), as options: `{"value": id, "label"}`."""
    found = session.scalars(
        select(Resource)
        .where(Resource.tenant_id == tenant.id, approves, Resource.is_active)
        .order_by(Resource.last_name, Resource.first_name, Resource.id)
        .limit(MAX_OPTIONS)
    )
    return [
        {"value": r.id, "label": _label(f"{r.first_name} {r.last_name} ({r.user_name})")}
        for r in found
    ]


def offered_options(session: DbSession, tenant: Tenant) -> dict:
    """What each setting whose values Autotask owns may take (module_contracts.settings:
    `{"setting": [{"value", "label"}]}`): security levels, departments and roles by id, and the
    active resources who approve timesheets, or expense reports."""

    def named(rows) -> list[dict]:
        return [{"value": row.id, "label": _label(row.name)} for row in rows[:MAX_OPTIONS]]

    return {
        "default_security_level": named(organization.list_security_levels(session, tenant)),
        "default_timesheet_approver": approver_options(
            session, tenant, Resource.approves_timesheets
        ),
        "default_department": named(organization.list_departments(session, tenant)),
        "default_expense_report_approver": approver_options(
            session, tenant, Resource.approves_expenses
        ),
        "default_role": named(organization.list_roles(session, tenant)),
    }


def settings_document(integration: Integration) -> dict:
    return {
        "version": integration.version,
        "settings": dict(integration.settings),
        "options": integration.options,
    }


def _queue_push(session: DbSession, integration: Integration) -> None:
    queue_settings_push(session, Outbox, integration.tenant, settings_document(integration))


def change_settings(session: DbSession, integration: Integration, changes) -> list[str]:
    """A change made in Autotask, as a whole or not at all, under the contract's rules; each
    change is a new version of the settings document, on its way to KaseyaOne."""
    options = offered_options(session, integration.tenant)
    changed = RULES.changed(integration.settings, changes, options)
    if changed or options != integration.options:
        integration.version = next_version(integration.version)
        integration.settings = {**integration.settings, **changed}
        integration.options = options
        _queue_push(session, integration)
    telemetry.facts_may_have_changed(session, integration.tenant)
    return list(changed)


def offer_current_options(session: DbSession, tenant: Tenant) -> None:
    """After a change to what the settings may name (a security level, department or role
    added; a resource who approves made inactive, say): if Autotask's options differ from those
    KaseyaOne has, a new version of the document takes them there."""
    integration = tenant.integration
    if integration is None:
        return
    session.flush()
    options = offered_options(session, tenant)
    if options != integration.options:
        integration.version = next_version(integration.version)
        integration.options = options
        _queue_push(session, integration)


def apply_pushed_settings(session: DbSession, integration: Integration, version, settings) -> bool:
    """A settings document KaseyaOne pushes (a master user's change in Module Management):
    applied if it is not older than Autotask's version (KaseyaOne wins a tie: both sides changed
    at once), taken whole under the rules and Autotask's options as they are now."""
    check_version(version, settings)
    options = offered_options(session, integration.tenant)
    document = RULES.whole_document(integration.settings, settings, options)
    if version < integration.version:
        return False
    integration.settings, integration.version = document, version
    telemetry.facts_may_have_changed(session, integration.tenant)
    return True


def unified_login_on(tenant: Tenant) -> bool:
    integration = tenant.integration
    return integration is not None and bool(integration.settings.get(LOGIN))


def setting(tenant: Tenant, name: str):
    """A setting of the tenant's integration; None without one."""
    integration = tenant.integration
    return None if integration is None else integration.settings.get(name)


# User Exceptions (AT-REQ-2).


def grant_exceptions(session: DbSession, integration: Integration, refs) -> list[Resource]:
    """Exceptions for several resources at once (the data selector), named by id or user name:
    all of them, or none if one is not a resource of this Autotask instance."""
    if not isinstance(refs, list) or not refs or len(refs) > MAX_EXCEPTIONS_AT_ONCE:
        raise InvalidRequest(
            f"'users' must be a list of 1 to {MAX_EXCEPTIONS_AT_ONCE} resources (ids or user "
            "names).",
            field="users",
        )
    tenant = integration.tenant
    picked = [resources.get_resource(session, tenant, ref) for ref in refs]
    for resource in picked:
        add_once(session, UserException, tenant_id=tenant.id, resource_id=resource.id)
    return picked


def withdraw_exception(session: DbSession, integration: Integration, resource: Resource) -> None:
    delete_if_present(
        session, UserException, tenant_id=integration.tenant_id, resource_id=resource.id
    )


def has_exception(session: DbSession, resource: Resource) -> bool:
    return session.get(UserException, (resource.tenant_id, resource.id)) is not None


def excepted_resources(session: DbSession, integration: Integration) -> list[Resource]:
    return list(
        session.scalars(
            select(Resource)
            .join(UserException, UserException.resource_id == Resource.id)
            .where(UserException.tenant_id == integration.tenant_id)
            .order_by(Resource.user_name)
        )
    )


def integration_json(session: DbSession, integration: Integration, bypass_url: str) -> dict:
    return {
        "kaseyaone": kaseyaone_json(integration),
        "settings": dict(integration.settings),
        "options": integration.options,
        "version": integration.version,
        "exceptions": [r.user_name for r in excepted_resources(session, integration)],
        "bypass_url": bypass_url,
    }
