"""UniView's login page (UniView credentials, and Log In with KaseyaOne), the bypass log-in
link, the OpenID Connect callback (UV-SSO-1/2, UV-REQ-1..4), the login URL KaseyaOne's tiles
and app launcher open (OIDC Core §4, K1-HUB-1/2), the launcher in every page's header, and
logout, which signs a user who came through KaseyaOne out of KaseyaOne too. Pages for a person;
every refusal is a readable page with the reason, and the same as JSON for a program that
asks."""

from __future__ import annotations

import secrets

from flask import current_app, g, redirect, render_template, request, url_for

from sim_common import kaseyaone_launcher as launcher
from sim_common import kaseyaone_login as login_flow
from sim_common.clock import epoch_seconds, tenant_now
from sim_common.db import db
from sim_common.errors import NotFound
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
    public_url_for,
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


@bp.app_context_processor
def kaseyaone_launcher():
    """Pages call `k1_launcher_for_page()` where their header shows KaseyaOne's launcher."""

    def for_page():
        row = current_session() if "tenant" in g else None
        if row is None:
            return None
        return launcher.launcher_for(db(), KaseyaOneTokens, g.tenant, g.tenant.integration, row)

    return {"k1_launcher_for_page": for_page}


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
    integration = g.tenant.integration
    if integration is None or not secrets.compare_digest(
        integration.bypass_token.encode(), token.encode()
    ):
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


def _redirect_uri() -> str:
    return public_url_for("uv_login.kaseyaone_callback")


def _start_kaseyaone_login(login_hint: str | None, target: str | None = None):
    if not _kaseyaone_login_on():
        raise KaseyaOneLoginOff()
    url = login_flow.start_login(
        g.tenant.integration, g.tenant.id, _redirect_uri(), login_hint=login_hint, target=target
    )
    return redirect(url)


@bp.get("/login/kaseyaone")
def kaseyaone_login():
    return _start_kaseyaone_login(request.args.get("login_hint"))


@bp.get("/login/kaseyaone/initiate")
def kaseyaone_initiate():
    """UniView's initiate_login_uri (OIDC Core §4): KaseyaOne's tile or app launcher sends the
    browser here, with KaseyaOne as `iss`, and UniView starts the sign-in as Log In with
    KaseyaOne does. A `target_link_uri` is followed only within this tenant's pages."""
    target = login_flow.initiated_target(
        g.tenant.integration, request.args, public_url_for("uv_login.home"), "UniView Portal"
    )
    return _start_kaseyaone_login(request.args.get("login_hint"), target)


@bp.get("/oidc/callback")
def kaseyaone_callback():
    attempt = login_flow.pending_attempt(g.tenant.id, request.args)
    if not _kaseyaone_login_on():
        raise KaseyaOneLoginOff()
    integration = g.tenant.integration
    claims, token = login_flow.signed_in(
        integration,
        _redirect_uri(),
        attempt,
        request.args.get("code", ""),
        epoch_seconds(tenant_now(g.tenant)),
    )
    if not claims.get("module_access"):
        raise KaseyaOneRefused("Your KaseyaOne account has no access to the UniView Portal.")
    user = users.user_for_kaseyaone_login(db(), g.tenant, claims)
    if integration.access_groups:
        groups.refresh_user_groups(db(), g.tenant, user, claims.get("kaseyaone_groups"))
    return _signed_in(user, "kaseyaone", kaseyaone_tokens=token, target=attempt.get("target"))


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
    row = current_session()
    response = redirect(url_for("uv_login.login_page"))
    if row is not None:
        # Came through KaseyaOne: KaseyaOne's session ends too (interpretation, K1-HUB-1).
        hub_logout = launcher.kaseyaone_logout_url(
            db(), KaseyaOneTokens, g.tenant.integration, row, public_url_for("uv_login.login_page")
        )
        users.end_session(db(), row.id)
        if hub_logout:
            response = redirect(hub_logout)
    clear_session_cookie(response)
    return response
