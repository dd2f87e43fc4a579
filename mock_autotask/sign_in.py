"""Signing in to Autotask with Autotask credentials: the login page, the Bypass URL, and
LiveMobile, Autotask's mobile app, which signs in with the same credentials (BEHAVIOURS.md,
Autotask preamble). An inactive resource cannot sign in by any path, and loses its sessions when
made inactive. The KaseyaOne integration decides who may use which: with Unified Login on,
LiveMobile users are not allowed to sign in (AT-SSO-2); with Require Login with KaseyaOne on,
only resources granted an exception sign in with Autotask credentials (AT-REQ-1); the Bypass
URL is for them only, whatever Require Login says (AT-REQ-2). Otherwise Autotask credentials keep
working beside Log In with KaseyaOne (AT-SSO-3)."""

from __future__ import annotations

from sqlalchemy.orm import Session as DbSession

from sim_common import sessions
from sim_common.passwords import check_user_password

from . import integration
from .errors import (
    BadCredentials,
    KaseyaOneLoginRequired,
    LiveMobileNotAllowed,
    NoUserException,
    ResourceInactive,
)
from .fields import storable
from .models import Resource, Session, Tenant
from .resources import find_resource

# How a session was opened: the login page, the Bypass URL and KaseyaOne give a browser its
# cookie; LiveMobile, a bearer token.
BROWSER_METHODS = ("autotask", "bypass", "kaseyaone")
LIVEMOBILE = ("livemobile",)


def livemobile_allowed(tenant: Tenant) -> bool:
    """Whether LiveMobile may sign anyone in. AT-SSO-2: with Unified Login on, LiveMobile users
    are not allowed to sign in."""
    return not integration.unified_login_on(tenant)


def sign_in_with_credentials(
    session: DbSession, tenant: Tenant, user_name, password, *, via_bypass: bool = False
) -> Resource:
    """The resource these Autotask credentials are for. The password is checked before anything
    else is told (an inactive account, or one without an exception, is named only to someone who
    knows its password), and failed passwords are throttled (sim_common.throttle)."""
    resource = find_resource(session, tenant, user_name)
    # A password or name no one can have set (not text, or not Unicode) is simply wrong.
    given = password if isinstance(password, str) and storable(password) else ""
    account = user_name if isinstance(user_name, str) and storable(user_name) else ""
    if not check_user_password(resource, given, tenant=tenant, account=account):
        raise BadCredentials()
    if not resource.is_active:
        raise ResourceInactive()
    excepted = tenant.integration is not None and integration.has_exception(session, resource)
    if via_bypass and not excepted:
        raise NoUserException()
    if integration.setting(tenant, "require_login") and not excepted:
        raise KaseyaOneLoginRequired()
    return resource


def sign_in_livemobile(session: DbSession, tenant: Tenant, user_name, password) -> Resource:
    if not livemobile_allowed(tenant):
        raise LiveMobileNotAllowed()
    return sign_in_with_credentials(session, tenant, user_name, password)


def start_session(
    session: DbSession, resource: Resource, method: str, lifetime_seconds: int
) -> Session:
    if not resource.is_active:
        raise ResourceInactive()
    tenant = session.get(Tenant, resource.tenant_id)
    return sessions.open_session(
        session, Session, tenant, method, lifetime_seconds, resource_id=resource.id
    )


def find_session(
    session: DbSession, tenant: Tenant, token: str | None, methods: tuple[str, ...]
) -> Session | None:
    """The live session behind a cookie (the methods of BROWSER_METHODS) or a LiveMobile token:
    expired sessions, inactive resources' sessions, another tenant's and other methods' count
    as none."""
    if not token or len(token) > 64 or not storable(token):
        return None
    row = session.get(Session, token)
    if (
        row is None
        or row.tenant_id != tenant.id
        or row.method not in methods
        or row.is_expired()
        or not row.resource.is_active
    ):
        return None
    return row
