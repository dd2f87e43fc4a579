"""Autotask's login page (username and password, and Log In with KaseyaOne while Unified Login is
on: AT-SSO-1, AT-SSO-3), the Bypass URL (AT-REQ-2), the OpenID Connect callback, the login URL
KaseyaOne's tiles and app launcher open (OIDC Core §4, K1-HUB-1/2), the launcher in every page's
header, the home page, logout (through KaseyaOne for a session opened there), and LiveMobile's
sign-in as an API: `POST /t/{tenant}/livemobile/login` with `{"username", "password"}` answers a
session token, which `GET /t/{tenant}/livemobile/me` takes as a bearer token (refused while
Unified Login is on, AT-SSO-2). Every refusal is said plainly: a page for a person, JSON for a
program."""

from __future__ import annotations

from functools import partial

from flask import current_app, g, redirect, render_template, request, url_for

from sim_common import kaseyaone_launcher as launcher
from sim_common import kaseyaone_login as login_flow
from sim_common.control import json_body
from sim_common.db import db
from sim_common.errors import NotFound, SimError, Unauthorized
from sim_common.kaseyaone_module import bypass_token_is
from sim_common.kaseyaone_rp import InvalidLoginAttempt, KaseyaOneRefused
from sim_common.throttle import TooManyAttempts
from sim_common.web import rollback_request, wants_json

from . import provisioning, sign_in
from .errors import SignInRefused, UnifiedLoginOff
from .integration import unified_login_on
from .models import KaseyaOneTokens
from .resources import resource_json
from .web import (
    clear_session_cookie,
    current_session,
    require_resource,
    set_session_cookie,
    tenant_blueprint,
)

bp = tenant_blueprint("at_login", __name__)
bp.fault_kind = "login"
livemobile = tenant_blueprint("at_livemobile", __name__)
livemobile.fault_kind = "livemobile"


@bp.errorhandler(SignInRefused)
@bp.errorhandler(KaseyaOneRefused)
@bp.errorhandler(InvalidLoginAttempt)
@bp.errorhandler(TooManyAttempts)
def refused(exc: SignInRefused | KaseyaOneRefused | InvalidLoginAttempt | TooManyAttempts):
    rollback_request()
    if wants_json():
        return exc.to_json(), exc.status_code, exc.headers
    page, status = _login_page(error=exc, status=exc.status_code)
    return page, status, exc.headers


def _login_page(*, error=None, status=200, bypass_token=None):
    action = (
        url_for("at_login.bypass_login", token=bypass_token)
        if bypass_token
        else url_for("at_login.login")
    )
    return render_template(
        "at_login.html",
        tenant=g.tenant,
        error=error,
        action=action,
        bypass=bool(bypass_token),
        kaseyaone=unified_login_on(g.tenant),
        username=request.form.get("username", "")[:254],
    ), status


def _signed_in(resource, method: str, *, kaseyaone_tokens=None, target=None):
    row = sign_in.start_session(db(), resource, method, current_app.config["SESSION_LIFETIME"])
    if kaseyaone_tokens is not None:
        launcher.remember_tokens(db(), KaseyaOneTokens, g.tenant, row, kaseyaone_tokens)
    response = redirect(target or url_for("at_login.home"))
    set_session_cookie(response, row.id)
    return response


@bp.get("/login")
def login_page():
    return _login_page()


@bp.post("/login")
def login():
    resource = sign_in.sign_in_with_credentials(
        db(), g.tenant, request.form.get("username", ""), request.form.get("password", "")
    )
    return _signed_in(resource, "autotask")


def _bypass_token_or_404(token: str) -> None:
    if not bypass_token_is(g.tenant.integration, token):
        raise NotFound("This Bypass URL is not valid.")


@bp.route("/login/bypass/<token>", methods=["GET", "POST"])
def bypass_login(token: str):
    """The Bypass URL (AT-REQ-2): Autotask credentials, for resources granted an exception
    only."""
    _bypass_token_or_404(token)
    if request.method == "GET":
        return _login_page(bypass_token=token)
    resource = sign_in.sign_in_with_credentials(
        db(),
        g.tenant,
        request.form.get("username", ""),
        request.form.get("password", ""),
        via_bypass_url=True,
    )
    return _signed_in(resource, "bypass")


def _finish_kaseyaone_login(attempt: dict, claims: dict, token: dict):
    """The end of Log In with KaseyaOne (AT-SSO-1): the resource found, linked or provisioned
    (mock_autotask.provisioning). What KaseyaOne told Autotask of the user goes into the
    journal (AT-DATA-1): the names of the ID token's claims."""
    g.journal_detail = {"id_token_claims": sorted(claims)}
    resource = provisioning.resource_for_kaseyaone_login(db(), g.tenant, claims)
    return _signed_in(resource, "kaseyaone", kaseyaone_tokens=token, target=attempt.get("target"))


# Log In with KaseyaOne (`kaseyaone_login`), Autotask's initiate_login_uri (OIDC Core §4:
# `kaseyaone_initiate`, for KaseyaOne's tiles and app launcher; a `target_link_uri` is followed
# only within this instance's pages), the callback (`kaseyaone_callback`), and the launcher in
# every page's header.
login_flow.init_kaseyaone_routes(
    bp,
    module_name="Autotask instance",
    login_on=lambda: unified_login_on(g.tenant),
    login_off=UnifiedLoginOff,
    finish=_finish_kaseyaone_login,
    tokens_model=KaseyaOneTokens,
    current_session=current_session,
)


@bp.get("/")
def home():
    row = current_session()
    if row is None:
        return redirect(url_for("at_login.login_page"))
    return render_template("at_home.html", tenant=g.tenant, resource=row.resource)


@bp.get("/api/session")
def session_info():
    resource = require_resource()
    return {"resource": resource_json(resource), "method": current_session().method}


@bp.post("/logout")
def logout():
    """Came through KaseyaOne: KaseyaOne's session ends too (interpretation, K1-HUB-1)."""
    response = login_flow.logout_response(
        current_session(),
        KaseyaOneTokens,
        "at_login.login_page",
        partial(sign_in.end_session, db()),
    )
    clear_session_cookie(response)
    return response


# LiveMobile: a program, so always JSON.


@livemobile.errorhandler(SimError)
def livemobile_error(exc: SimError):
    rollback_request()
    return exc.to_json(), exc.status_code, exc.headers


@livemobile.post("/livemobile/login")
def livemobile_login():
    body = json_body()
    resource = sign_in.sign_in_livemobile(
        db(), g.tenant, body.get("username"), body.get("password")
    )
    lifetime = current_app.config["SESSION_LIFETIME"]
    row = sign_in.start_session(db(), resource, "livemobile", lifetime)
    return {
        "token": row.id,
        "token_type": "Bearer",
        "expires_in": lifetime,
        "resource": {"id": resource.id, "userName": resource.user_name},
    }, 201


@livemobile.get("/livemobile/me")
def livemobile_me():
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    row = sign_in.find_session(db(), g.tenant, token.strip(), sign_in.LIVEMOBILE)
    if scheme.lower() != "bearer" or row is None:
        raise Unauthorized("Sign in to LiveMobile first: 'Authorization: Bearer <token>'.")
    return {"resource": resource_json(row.resource)}
