"""Autotask accounts for KaseyaOne users: the resource a KaseyaOne user is, found by the KaseyaOne
subject it is linked to, else by email address (an existing resource with the same email is
linked, not duplicated: AT-PROV-3), else created with Automatic User Provisioning's defaults
(AT-PROV-1) — when KaseyaOne pushes the grant (over SCIM, mock_autotask.scim) and at the latest
at the user's first sign-in through KaseyaOne. Its Security Level is the access level KaseyaOne
sends (the first mapped Access Group in the mapping's order, AT-GRP-1/2), else the default.

KaseyaOne sends the username and the access level and nothing else of the user (AT-DATA-1), so
a resource made here is named after its username (interpretation: Autotask requires a first and
last name). No Flask here."""

from __future__ import annotations

import re

from sqlalchemy import func, select
from sqlalchemy.orm import Session as DbSession

from module_contracts.autotask import PROVISIONING, SECURITY_LEVEL
from sim_common.errors import InvalidRequest, NotFound
from sim_common.kaseyaone_rp import KaseyaOneRefused

from . import organization, resources
from .errors import NameTaken, NoAutotaskAccount, ProvisioningFailed, ResourceInactive
from .fields import storable
from .models import Resource, SecurityLevel, Tenant

SUBJECT_LENGTH = 64
# The defaults a provisioned resource gets, by the resource field each sets.
DEFAULTS = {
    "department": "default_department",
    "role": "default_role",
    "timesheetApprover": "default_timesheet_approver",
    "expenseApprover": "default_expense_report_approver",
}


def linked_resource(session: DbSession, tenant: Tenant, subject) -> Resource | None:
    if not isinstance(subject, str) or not subject or len(subject) > SUBJECT_LENGTH:
        return None
    return session.scalar(
        select(Resource).where(Resource.tenant_id == tenant.id, Resource.k1_subject == subject)
    )


def resource_by_email(session: DbSession, tenant: Tenant, email) -> Resource | None:
    """The oldest resource with this email address (ignoring case) not linked to a KaseyaOne
    user yet: the one KaseyaOne links (AT-PROV-3)."""
    if not isinstance(email, str) or not email.strip() or not storable(email):
        return None
    return session.scalar(
        select(Resource)
        .where(
            Resource.tenant_id == tenant.id,
            func.lower(Resource.email) == email.strip().lower(),
            Resource.k1_subject.is_(None),
        )
        .order_by(Resource.id)
        .limit(1)
    )


def security_level_for(session: DbSession, tenant: Tenant, access_level) -> SecurityLevel | None:
    """The Security Level an access level names (its id, or its name), or None where it names
    none of this Autotask instance's."""
    if access_level is None or isinstance(access_level, bool):
        return None
    try:
        return organization.get_security_level(session, tenant, access_level)
    except (InvalidRequest, NotFound):
        return None


def default_security_level(session: DbSession, tenant: Tenant) -> SecurityLevel | None:
    integration = tenant.integration
    default = integration.settings.get(SECURITY_LEVEL) if integration is not None else None
    return security_level_for(session, tenant, default)


def _names(user_name: str) -> tuple[str, str]:
    """A first and last name from a username such as ada.lovelace@example.com: Ada Lovelace;
    ada@example.com: Ada Ada."""
    local = user_name.partition("@")[0]
    parts = [part for part in re.split(r"[._\-+\s]+", local) if part]
    first = (parts[0] if parts else local or user_name)[:50].title()
    last = (" ".join(parts[1:]) if len(parts) > 1 else first)[:50].title()
    return first, last


def provision(
    session: DbSession,
    tenant: Tenant,
    *,
    user_name,
    subject: str | None,
    access_level=None,
    active: bool = True,
    email: str | None = None,
    first_name: str | None = None,
    last_name: str | None = None,
) -> Resource:
    """A new resource for a KaseyaOne user, with Automatic User Provisioning's defaults: the
    Security Level the access level names, else the default one; the default department,
    role and approvers."""
    integration = tenant.integration
    settings = integration.settings if integration is not None else {}
    level = security_level_for(session, tenant, access_level) or default_security_level(
        session, tenant
    )
    if level is None:
        raise ProvisioningFailed(
            "Autotask cannot create an account: Automatic User Provisioning's Default Security "
            "Level is not set. Ask your Autotask administrator."
        )
    if not isinstance(user_name, str) or not user_name.strip():
        raise ProvisioningFailed("Autotask cannot create an account without a username.")
    named = _names(user_name.strip())
    spec = {
        "userName": user_name,
        "email": email or user_name,
        "firstName": first_name or named[0],
        "lastName": last_name or named[1],
        "securityLevel": level.id,
        "isActive": active,
        **{field: settings.get(name) for field, name in DEFAULTS.items()},
    }
    try:
        resource = resources.create_resource(session, tenant, spec)
    except (InvalidRequest, NotFound, NameTaken) as exc:
        # A value Autotask cannot take is still a 400, a default gone or a name taken a 409.
        refusal = InvalidRequest if type(exc) is InvalidRequest else ProvisioningFailed
        raise refusal(
            f"Autotask could not create an account for {user_name.strip()[:254]}: {exc.message}",
            field=exc.details.get("field"),
        ) from exc
    resource.k1_subject = subject
    session.flush()
    return resource


def set_security_level(session: DbSession, resource: Resource, level: SecurityLevel) -> None:
    if resource.security_level_id != level.id:
        resource.security_level = level
        session.flush()


def resource_for_kaseyaone_login(session: DbSession, tenant: Tenant, claims: dict) -> Resource:
    """The resource a KaseyaOne sign-in is for: linked to the KaseyaOne subject, else the one
    with the username's email address (linked now), else — with Automatic User Provisioning on
    — a new one; an inactive resource is refused. With Access Groups on, its Security Level is
    set from the access level at each sign-in, or to the default for a user in no mapped group
    (interpretation: with Access Groups off, a resource keeps the level Autotask gave it)."""
    subject, user_name = claims.get("sub"), claims.get("preferred_username")
    if not isinstance(subject, str) or not 0 < len(subject) <= SUBJECT_LENGTH:
        raise KaseyaOneRefused("KaseyaOne's ID token names no subject Autotask can keep.")
    integration = tenant.integration
    resource = linked_resource(session, tenant, subject)
    if resource is None:
        resource = resource_by_email(session, tenant, user_name)
        if resource is not None:
            resource.k1_subject = subject
    if resource is None:
        if not integration.settings.get(PROVISIONING):
            raise NoAutotaskAccount()
        resource = provision(
            session,
            tenant,
            user_name=user_name,
            subject=subject,
            access_level=claims.get("access_level"),
        )
    if not resource.is_active:
        raise ResourceInactive()
    if integration.settings.get("access_groups"):
        level = security_level_for(session, tenant, claims.get("access_level"))
        level = level or default_security_level(session, tenant)
        if level is not None:
            set_security_level(session, resource, level)
    return resource
