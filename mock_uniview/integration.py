"""The KaseyaOne integration in UniView (Settings > Integrations > KaseyaOne): adding it, and
the centralized-user-management settings with their dependency rules (UV-SSO-1..4), login
exceptions and the bypass log-in link (UV-REQ-2, UV-REQ-3)."""

from __future__ import annotations

import secrets

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session as DbSession

from sim_common.clock import tenant_now
from sim_common.db import add_once, delete_if_present
from sim_common.errors import InvalidRequest

from .errors import IntegrationAlreadyAdded, IntegrationNotAdded, SettingLocked
from .models import ROLES, Integration, LoginException, Tenant, User

LOGIN = "login_with_kaseyaone"
# The centralized-user-management settings that need Log In with KaseyaOne (UV-SSO-3/4).
DEPENDENT_SETTINGS = (
    "require_login",
    "automatic_user_creation",
    "automatic_user_deprovisioning",
    "access_groups",
)
SETTINGS = (LOGIN, *DEPENDENT_SETTINGS, "default_role")


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
    integration = Integration(
        tenant_id=tenant.id,
        instance_id=registration["id"],
        hub_tenant=registration["tenant"],
        issuer=registration["issuer"],
        client_id=registration["client_id"],
        client_secret=registration["client_secret"],
        login_with_kaseyaone=True,
        bypass_token=secrets.token_urlsafe(24),
        scim_token=scim_token,
        added_at=tenant_now(tenant),
    )
    session.add(integration)
    tenant.integration = integration
    try:
        session.flush()
    except IntegrityError:  # another request added it at the same moment
        raise IntegrationAlreadyAdded() from None
    return integration


def change_settings(integration: Integration, changes: dict) -> list[str]:
    """Apply a settings change as a whole or not at all. Turning Log In with KaseyaOne off
    turns every dependent setting off; while it is off, none of them may change."""
    if not isinstance(changes, dict) or not changes:
        raise InvalidRequest(f"Send the settings to change: any of {', '.join(SETTINGS)}.")
    unknown = sorted(set(changes) - set(SETTINGS))
    if unknown:
        raise InvalidRequest(
            f"Unknown setting(s): {', '.join(unknown)}. The settings are {', '.join(SETTINGS)}.",
            fields=unknown,
        )
    for key, value in changes.items():
        if key == "default_role":
            if value not in ROLES:
                raise InvalidRequest(
                    f"'default_role' must be one of {', '.join(ROLES)}.", field=key
                )
        elif not isinstance(value, bool):
            raise InvalidRequest(f"'{key}' must be true or false.", field=key)

    login_after = changes.get(LOGIN, integration.login_with_kaseyaone)
    if not login_after:
        locked = [
            k
            for k in (*DEPENDENT_SETTINGS, "default_role")
            if k in changes
            and changes[k] != (False if k != "default_role" else integration.default_role)
        ]
        if locked:
            raise SettingLocked(fields=locked)
        changes = {**changes, **dict.fromkeys(DEPENDENT_SETTINGS, False)}

    changed = [k for k in SETTINGS if k in changes and getattr(integration, k) != changes[k]]
    for key in changed:
        setattr(integration, key, changes[key])
    if changed:
        integration.version += 1
    return changed


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
        "kaseyaone": {
            "issuer": integration.issuer,
            "module_instance": integration.instance_id,
            "tenant": integration.hub_tenant,
            "client_id": integration.client_id,
        },
        "settings": {key: getattr(integration, key) for key in SETTINGS},
        "version": integration.version,
        "exceptions": excepted_usernames(session, integration),
        "bypass_login_link": bypass_link,
    }
