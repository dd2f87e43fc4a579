"""What every tenant-scoped UniView route needs: the tenant from the URL, the signed-in user
from the session cookie, and the role checks (UV-SEC-1)."""

from __future__ import annotations

from flask import Blueprint, g, request, url_for

from sim_common import tenant_routes
from sim_common.db import db
from sim_common.errors import Unauthorized
from sim_common.tenant_routes import public_url_for as public_url_for

from . import users
from .errors import SuperuserRequired

SESSION_COOKIE = "uv_session"


def tenant_blueprint(name: str, import_name: str) -> Blueprint:
    return tenant_routes.tenant_blueprint(
        name, import_name, "There is no such UniView Portal tenant."
    )


def current_session():
    if "uv_session" not in g:
        g.uv_session = users.find_session(db(), g.tenant, request.cookies.get(SESSION_COOKIE))
    return g.uv_session


def require_user():
    row = current_session()
    if row is None:
        raise Unauthorized(
            "Sign in to the UniView Portal first.", login_url=url_for("uv_login.login_page")
        )
    return row.user


def require_superuser():
    user = require_user()
    if user.role != "superuser":
        raise SuperuserRequired()
    return user
