"""What every tenant-scoped Autotask route needs: the tenant from the URL, the signed-in resource
from the session cookie, and the Admin check (a security level with Admin permission)."""

from __future__ import annotations

from flask import Blueprint, current_app, g, request, url_for

from sim_common import tenant_routes
from sim_common.db import db
from sim_common.errors import Unauthorized

from . import sign_in
from .errors import AdminRequired
from .models import Resource

SESSION_COOKIE = "at_session"


def tenant_blueprint(name: str, import_name: str) -> Blueprint:
    return tenant_routes.tenant_blueprint(name, import_name, "There is no such Autotask instance.")


def public_base() -> str:
    """This simulator's address for browsers and API clients: the public URL when one is
    configured, else the one the request came in on."""
    return (current_app.config.get("PUBLIC_URL") or request.host_url).rstrip("/")


def current_session():
    if "at_session" not in g:
        g.at_session = sign_in.find_session(
            db(), g.tenant, request.cookies.get(SESSION_COOKIE), sign_in.BROWSER_METHODS
        )
    return g.at_session


def require_resource() -> Resource:
    row = current_session()
    if row is None:
        raise Unauthorized("Sign in to Autotask first.", login_url=url_for("at_login.login_page"))
    return row.resource


def require_admin() -> Resource:
    resource = require_resource()
    if not resource.security_level.admin:
        raise AdminRequired()
    return resource
