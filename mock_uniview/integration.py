"""The KaseyaOne integration in UniView (Settings > Integrations > KaseyaOne): adding it, and
the centralized-user-management settings with their dependency rules (UV-SSO-1..4), login
exceptions and the bypass log-in link (UV-REQ-2, UV-REQ-3)."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session as DbSession

from module_contracts.settings import check_version, next_version
from module_contracts.uniview import RULES, SETTINGS
from sim_common.db import add_once, delete_if_present
from sim_common.kaseyaone_module import kaseyaone_json, record_integration
from sim_common.outbox import cancel_pending
from sim_common.settings_sync import queue_settings_push

from . import groups, telemetry
from .errors import IntegrationAlreadyAdded, IntegrationNotAdded
from .models import Integration, LoginException, Outbox, Tenant, User


def get_integration(tenant: Tenant) -> Integration:
    if tenant.integration is None:
        raise IntegrationNotAdded()
    return tenant.integration


def add_integration(
    session: DbSession, tenant: Tenant, registration: dict, scim_token: str
) -> Integration:
    """Record what KaseyaOne issued when this UniView registered itself as a module instance;
    adding the integration turns Log In with KaseyaOne on (UV-SSO-1)."""
    if tenant.integration is not None:
        raise IntegrationAlreadyAdded()
    record_integration(
        session,
        Integration,
        tenant,
        registration,
        scim_token,
        IntegrationAlreadyAdded,
        login_with_kaseyaone=True,
    )
    _queue_settings_push(session, tenant)  # KaseyaOne learns the first version
    telemetry.report(session, tenant)  # and Cooper what this tenant has
    return tenant.integration


def current_settings(integration: Integration) -> dict:
    return {key: getattr(integration, key) for key in SETTINGS}


def _queue_settings_push(session: DbSession, tenant: Tenant) -> None:
    """The settings document's new version, on its way to KaseyaOne (sim_common.settings_sync)."""
    document = {
        "version": tenant.integration.version,
        "settings": current_settings(tenant.integration),
    }
    queue_settings_push(session, Outbox, tenant, document)


def change_settings(session: DbSession, integration: Integration, changes: dict) -> list[str]:
    """Apply a settings change made in UniView, as a whole or not at all (the rules are
    UniView's contract's, module_contracts.uniview); each change is a new version of the
    settings document."""
    changed = RULES.changed(current_settings(integration), changes)
    if changed:
        integration.version = next_version(integration.version)
    for key, value in changed.items():
        setattr(integration, key, value)
    if changed:
        _queue_settings_push(session, integration.tenant)
    if "access_groups" in changed:
        groups.access_groups_changed(integration)
    return list(changed)


def apply_pushed_settings(integration: Integration, version, settings) -> bool:
    """A settings document pushed by KaseyaOne: applied if it is newer than UniView's, or as new
    (KaseyaOne wins a tie: both sides changed at once); the rules hold here too."""
    check_version(version, settings)
    document = RULES.whole_document(current_settings(integration), settings)
    if version < integration.version:
        return False
    access_groups_before = integration.access_groups
    for key, value in document.items():
        setattr(integration, key, value)
    integration.version = version
    if integration.access_groups != access_groups_before:
        groups.access_groups_changed(integration)
    return True


def integration_users(session: DbSession, tenant: Tenant) -> list[User]:
    """The users the integration maps to KaseyaOne users (what a reset removes)."""
    return list(
        session.scalars(
            select(User)
            .where(User.tenant_id == tenant.id, User.k1_subject.is_not(None))
            .order_by(User.username)
        )
    )


def reset_integration(session: DbSession, tenant: Tenant) -> int:
    """Remove the integration and every user mapping from UniView (UV-RESET-1): KaseyaOne
    sign-in stops, sessions opened through it end, UniView credentials keep working, and the
    integration can be added again from scratch. Returns how many mappings were removed."""
    from .models import Session

    integration = get_integration(tenant)
    mapped = integration_users(session, tenant)
    for user in mapped:
        user.k1_subject = None
    session.execute(delete(LoginException).where(LoginException.tenant_id == tenant.id))
    session.execute(
        delete(Session).where(Session.tenant_id == tenant.id, Session.method == "kaseyaone")
    )
    cancel_pending(session, Outbox, "the integration was reset", Outbox.tenant_id == tenant.id)
    session.delete(integration)
    tenant.integration = None
    session.flush()
    return len(mapped)


def grant_login_exception(session: DbSession, integration: Integration, user: User) -> None:
    add_once(session, LoginException, tenant_id=integration.tenant_id, user_id=user.id)


def withdraw_login_exception(session: DbSession, integration: Integration, user: User) -> None:
    delete_if_present(session, LoginException, tenant_id=integration.tenant_id, user_id=user.id)


def excepted_usernames(session: DbSession, integration: Integration) -> list[str]:
    return list(
        session.scalars(
            select(User.username)
            .join(LoginException, LoginException.user_id == User.id)
            .where(LoginException.tenant_id == integration.tenant_id)
            .order_by(User.username)
        )
    )


def integration_json(session: DbSession, integration: Integration, bypass_link: str) -> dict:
    return {
        "kaseyaone": kaseyaone_json(integration),
        "settings": {key: getattr(integration, key) for key in SETTINGS},
        "version": integration.version,
        "exceptions": excepted_usernames(session, integration),
        "bypass_login_link": bypass_link,
        "access_groups": groups.sync_json(integration),
    }
