"""Autotask's login page (username and password), the home page, and LiveMobile's sign-in as an
API: `POST /t/{tenant}/livemobile/login` with `{"username", "password"}` answers a session token,
which `GET /t/{tenant}/livemobile/me` takes as a bearer token. Every refusal is said plainly: a
page for a person, JSON for a program. The KaseyaOne integration will add Log In with KaseyaOne
and the Bypass URL here."""

from __future__ import annotations

from flask import current_app, g, redirect, render_template, request, url_for

from sim_common.control import json_body
from sim_common.db import db
from sim_common.errors import SimError, Unauthorized
from sim_common.throttle import TooManyAttempts
from sim_common.web import rollback_request, wants_json

from . import sign_in
from .errors import SignInRefused
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
@bp.errorhandler(TooManyAttempts)
def refused(exc: SignInRefused | TooManyAttempts):
    rollback_request()
    if wants_json():
        return exc.to_json(), exc.status_code, exc.headers
    page, status = _login_page(error=exc, status=exc.status_code)
    return page, status, exc.headers


def _login_page(*, error=None, status=200):
    return render_template(
        "at_login.html",
        tenant=g.tenant,
        error=error,
        username=request.form.get("username", "")[:254],
    ), status


@bp.get("/login")
def login_page():
    return _login_page()


@bp.post("/login")
def login():
    resource = sign_in.sign_in_with_credentials(
        db(), g.tenant, request.form.get("username", ""), request.form.get("password", "")
    )
    row = sign_in.start_session(db(), resource, "autotask", current_app.config["SESSION_LIFETIME"])
    response = redirect(url_for("at_login.home"))
    set_session_cookie(response, row.id)
    return response


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
    row = current_session()
    if row is not None:
        sign_in.end_session(db(), row.id)
    response = redirect(url_for("at_login.login_page"))
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
    row = sign_in.find_session(db(), g.tenant, token.strip(), "livemobile")
    if scheme.lower() != "bearer" or row is None:
        raise Unauthorized("Sign in to LiveMobile first: 'Authorization: Bearer <token>'.")
    return {"resource": resource_json(row.resource)}
