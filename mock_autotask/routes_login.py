"""Autotask's login page (username and password, and Log In with KaseyaOne while Unified Login is
on: AT-SSO-1, AT-SSO-3), the Bypass URL (AT-REQ-2), the OpenID Connect callback, the login URL
KaseyaOne's tiles and app launcher open (OIDC Core §4, K1-HUB-1/2), the launcher in every page's
header, the home page, logout (through KaseyaOne for a session opened there), and LiveMobile's
sign-in as an API: `POST /t/{tenant}/livemobile/login` with `{"username", "password"}` answers a
session token, which `GET /t/{tenant}/livemobile/me` takes as a bearer token (refused while
Unified Login is on, AT-SSO-2). Every refusal is said plainly: a page for a person, JSON for a
program."""

from __future__ import annotations

from flask import current_app, g, redirect, render_template, request, url_for

from sim_common import kaseyaone_login as login_flow
from sim_common.control import json_body
from sim_common.db import db
from sim_common.errors import SimError, Unauthorized
from sim_common.web import rollback_request

from . import provisioning, sign_in
from .errors import SignInRefused, UnifiedLoginOff
from .integration import unified_login_on
from .models import KaseyaOneTokens, Session
from .resources import resource_json
from .web import SESSION_COOKIE, current_session, require_resource, tenant_blueprint

bp = tenant_blueprint("at_login", __name__)
bp.fault_kind = "login"
livemobile = tenant_blueprint("at_livemobile", __name__)
livemobile.fault_kind = "livemobile"


def _finish_kaseyaone_login(attempt: dict, claims: dict):
    """The end of Log In with KaseyaOne (AT-SSO-1): the resource found, linked or provisioned
    (mock_autotask.provisioning). What KaseyaOne told Autotask of the user goes into the
    journal (AT-DATA-1): the names of the ID token's claims."""
    g.journal_detail = {"id_token_claims": sorted(claims)}
    return provisioning.resource_for_kaseyaone_login(db(), g.tenant, claims)


# The login page with Autotask credentials (`login_page`, `login`), the Bypass URL (AT-REQ-2:
# Autotask credentials, for resources granted an exception only; `bypass_login`), Log In with
# KaseyaOne (`kaseyaone_login`), Autotask's initiate_login_uri (OIDC Core §4:
# `kaseyaone_initiate`, for KaseyaOne's tiles and app launcher; a `target_link_uri` is followed
# only within this instance's pages), the callback (`kaseyaone_callback`), the launcher in every
# page's header, and logout: the same in every module (sim_common.kaseyaone_login).
login_flow.init_login_routes(
    bp,
    template="at_login.html",
    refusal=SignInRefused,
    sign_in_with_credentials=sign_in.sign_in_with_credentials,
    start_session=sign_in.start_session,
    session_model=Session,
    cookie=SESSION_COOKIE,
    local_method="autotask",
    bypass_not_valid="This Bypass URL is not valid.",
    finish=_finish_kaseyaone_login,
    module_name="Autotask instance",
    login_on=lambda: unified_login_on(g.tenant),
    login_off=UnifiedLoginOff,
    tokens_model=KaseyaOneTokens,
    current_session=current_session,
    username_shown=254,  # the longest Autotask username
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
