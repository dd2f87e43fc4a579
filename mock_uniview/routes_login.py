"""UniView's login page (UniView credentials, and Log In with KaseyaOne), the bypass log-in
link, the OpenID Connect callback (UV-SSO-1/2, UV-REQ-1..4), the login URL KaseyaOne's tiles
and app launcher open (OIDC Core §4, K1-HUB-1/2), the launcher in every page's header, and
logout, which signs a user who came through KaseyaOne out of KaseyaOne too. Pages for a person;
every refusal is a readable page with the reason, and the same as JSON for a program that
asks."""

from __future__ import annotations

from functools import partial

from flask import current_app, g, redirect, render_template, request, url_for

from sim_common import kaseyaone_launcher as launcher
from sim_common import kaseyaone_login as login_flow
from sim_common.db import db
from sim_common.errors import NotFound
from sim_common.kaseyaone_module import bypass_token_is
from sim_common.throttle import TooManyAttempts
from sim_common.web import rollback_request, wants_json

from . import groups, users
from .errors import (
    InvalidLoginAttempt,
    KaseyaOneLoginOff,
    KaseyaOneRefused,
    LoginRefused,
)
from .models import KaseyaOneTokens
from .web import (
    clear_session_cookie,
    current_session,
    require_user,
    set_session_cookie,
    tenant_blueprint,
)

bp = tenant_blueprint("uv_login", __name__)
bp.fault_kind = "login"


@bp.errorhandler(LoginRefused)
@bp.errorhandler(KaseyaOneRefused)
@bp.errorhandler(InvalidLoginAttempt)
@bp.errorhandler(TooManyAttempts)
def refused(exc: LoginRefused | KaseyaOneRefused | InvalidLoginAttempt | TooManyAttempts):
    rollback_request()
    if wants_json():
        return exc.to_json(), exc.status_code, exc.headers
    page, status = _login_page(error=exc, status=exc.status_code)
    return page, status, exc.headers


def _kaseyaone_login_on() -> bool:
    integration = g.tenant.integration
    return integration is not None and integration.login_with_kaseyaone


def _login_page(*, error=None, status=200, bypass_token=None):
    action = (
        url_for("uv_login.bypass_login", token=bypass_token)
        if bypass_token
        else url_for("uv_login.login_page")
    )
    return render_template(
        "uv_login.html",
        tenant=g.tenant,
        error=error,
        action=action,
        bypass=bool(bypass_token),
        kaseyaone=_kaseyaone_login_on(),
        username=request.form.get("username", ""),
    ), status


def _signed_in(user, method: str, *, kaseyaone_tokens=None, target=None):
    row = users.start_session(db(), user, method, current_app.config["SESSION_LIFETIME"])
    if kaseyaone_tokens is not None:
        launcher.remember_tokens(db(), KaseyaOneTokens, g.tenant, row, kaseyaone_tokens)
    response = redirect(target or url_for("uv_login.home"))
    set_session_cookie(response, row.id)
    return response


@bp.get("/login")
def login_page():
    return _login_page()


@bp.post("/login")
def login():
    user = users.sign_in_with_credentials(
        db(), g.tenant, request.form.get("username", ""), request.form.get("password", "")
    )
    return _signed_in(user, "uniview")


def _bypass_token_or_404(token: str) -> None:
    if not bypass_token_is(g.tenant.integration, token):
        raise NotFound("This log-in link is not valid.")


@bp.route("/login/bypass/<token>", methods=["GET", "POST"])
def bypass_login(token: str):
    _bypass_token_or_404(token)
    if request.method == "GET":
        return _login_page(bypass_token=token)
    user = users.sign_in_with_credentials(
        db(),
        g.tenant,
        request.form.get("username", ""),
        request.form.get("password", ""),
        via_bypass_link=True,
    )
    return _signed_in(user, "bypass")


def _finish_kaseyaone_login(attempt: dict, claims: dict, token: dict):
    """Who a KaseyaOne sign-in is in UniView (UV-SSO-1, UV-JIT-1..3), and their groups
    (UV-GRP-5)."""
    if not claims.get("module_access"):
        raise KaseyaOneRefused("Your KaseyaOne account has no access to the UniView Portal.")
    user = users.user_for_kaseyaone_login(db(), g.tenant, claims)
    if g.tenant.integration.access_groups:
        groups.refresh_user_groups(db(), g.tenant, user, claims.get("kaseyaone_groups"))
    return _signed_in(user, "kaseyaone", kaseyaone_tokens=token, target=attempt.get("target"))


# Log In with KaseyaOne (`kaseyaone_login`), UniView's initiate_login_uri (OIDC Core §4:
# `kaseyaone_initiate`, for KaseyaOne's tiles and app launcher; a `target_link_uri` is followed
# only within this tenant's pages), the callback (`kaseyaone_callback`), and the launcher in
# every page's header.
login_flow.init_kaseyaone_routes(
    bp,
    module_name="UniView Portal",
    login_on=_kaseyaone_login_on,
    login_off=KaseyaOneLoginOff,
    finish=_finish_kaseyaone_login,
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


@bp.post("/logout")
def logout():
    """Came through KaseyaOne: KaseyaOne's session ends too (interpretation, K1-HUB-1)."""
    response = login_flow.logout_response(
        current_session(), KaseyaOneTokens, "uv_login.login_page", partial(users.end_session, db())
    )
    clear_session_cookie(response)
    return response
