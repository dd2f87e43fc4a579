"""UniView's login page (UniView credentials, and Log In with KaseyaOne), the bypass log-in
link, the OpenID Connect callback (UV-SSO-1/2, UV-REQ-1..4), the login URL KaseyaOne's tiles
and app launcher open (OIDC Core §4, K1-HUB-1/2), the launcher in every page's header, and
logout, which signs a user who came through KaseyaOne out of KaseyaOne too. Pages for a person;
every refusal is a readable page with the reason, and the same as JSON for a program that
asks."""

from __future__ import annotations

from flask import g, redirect, render_template, url_for

from sim_common import kaseyaone_login as login_flow
from sim_common.db import db

from . import groups, users
from .errors import KaseyaOneLoginOff, KaseyaOneRefused, LoginRefused
from .models import KaseyaOneTokens, Session
from .web import SESSION_COOKIE, current_session, require_user, tenant_blueprint

bp = tenant_blueprint("uv_login", __name__)
bp.fault_kind = "login"


def _kaseyaone_login_on() -> bool:
    integration = g.tenant.integration
    return integration is not None and integration.login_with_kaseyaone


def _finish_kaseyaone_login(attempt: dict, claims: dict):
    """Who a KaseyaOne sign-in is in UniView (UV-SSO-1, UV-JIT-1..3), and their groups
    (UV-GRP-5)."""
    if not claims.get("module_access"):
        raise KaseyaOneRefused("Your KaseyaOne account has no access to the UniView Portal.")
    user = users.user_for_kaseyaone_login(db(), g.tenant, claims)
    if g.tenant.integration.access_groups:
        groups.refresh_user_groups(db(), g.tenant, user, claims.get("kaseyaone_groups"))
    return user


# The login page with UniView credentials (`login_page`, `login`), the bypass log-in link
# (`bypass_login`), Log In with KaseyaOne (`kaseyaone_login`), UniView's initiate_login_uri
# (OIDC Core §4: `kaseyaone_initiate`, for KaseyaOne's tiles and app launcher; a
# `target_link_uri` is followed only within this tenant's pages), the callback
# (`kaseyaone_callback`), the launcher in every page's header, and logout: the same in every
# module (sim_common.kaseyaone_login).
login_flow.init_login_routes(
    bp,
    template="uv_login.html",
    refusal=LoginRefused,
    sign_in_with_credentials=users.sign_in_with_credentials,
    start_session=users.start_session,
    session_model=Session,
    cookie=SESSION_COOKIE,
    local_method="uniview",
    bypass_not_valid="This log-in link is not valid.",
    finish=_finish_kaseyaone_login,
    module_name="UniView Portal",
    login_on=_kaseyaone_login_on,
    login_off=KaseyaOneLoginOff,
    tokens_model=KaseyaOneTokens,
    current_session=current_session,
)


@bp.get("/")
def home():
    row = current_session()
    if row is None:
        return redirect(url_for("uv_login.login_page"))
    return render_template("uv_home.html", tenant=g.tenant, session=row, user=row.user)


@bp.get("/api/session")
def session_info():
    user = require_user()
    return {"user": users.user_json(user), "method": current_session().method}
