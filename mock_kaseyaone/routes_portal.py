"""KaseyaOne's own pages ("About KaseyaOne" in the Autotask document): signing in to KaseyaOne,
its home page with a tile for each module instance the user has access to (K1-HUB-1, 3), and
signing out; and, for a module's pages, the app launcher's list as JSON (K1-HUB-2), read with
the access token the module holds for the user. The browser's KaseyaOne session (a cookie
naming a server-side session, `sessions`) is opened and read here for the authorization
endpoint too."""

from __future__ import annotations

from flask import Blueprint, current_app, g, jsonify, redirect, render_template, request, url_for

from sim_common.db import db
from sim_common.errors import SimError
from sim_common.faults import injected_failure
from sim_common.web import rollback_request

from .domain import authenticate_user
from .models import HubSession, User
from .oidc import issuer
from .portal import launcher_json, tiles
from .sessions import HUB_COOKIE, end_hub_session, find_hub_session, open_hub_session

bp = Blueprint("portal", __name__)
bp.fault_kind = "portal"


def current_hub_session() -> HubSession | None:
    if "k1_hub_session" not in g:
        g.k1_hub_session = find_hub_session(db(), request.cookies.get(HUB_COOKIE))
    return g.k1_hub_session


def open_browser_session(user: User) -> HubSession:
    """A new session for a person who just signed in; whatever session the browser had ends
    (a fresh id at each sign-in: nobody can plant one)."""
    end_hub_session(db(), request.cookies.get(HUB_COOKIE))
    g.k1_hub_session = open_hub_session(db(), user, current_app.config["HUB_SESSION_LIFETIME"])
    return g.k1_hub_session


def set_hub_cookie(response, row: HubSession) -> None:
    response.set_cookie(
        HUB_COOKIE,
        row.id,
        path="/",
        httponly=True,
        samesite="Lax",
        secure=current_app.config.get("SESSION_COOKIE_SECURE", False),
    )


def clear_hub_cookie(response) -> None:
    response.delete_cookie(HUB_COOKIE, path="/")


@bp.before_request
def load_hub_session():
    row = current_hub_session()
    if row is not None:
        g.tenant_id = row.tenant_id
        return injected_failure()
    return None


def _login_page(*, email: str = "", error: str | None = None, status: int = 200):
    return render_template("login.html", email=email, module_name=None, error=error), status


@bp.get("/")
def home():
    row = current_hub_session()
    if row is None:
        return redirect(url_for("portal.login_page"))
    return render_template("home.html", user=row.user, tiles=tiles(db(), row.user, issuer()))


@bp.get("/login")
def login_page():
    if current_hub_session() is not None:
        return redirect(url_for("portal.home"))
    return _login_page(email=request.args.get("login_hint", ""))


@bp.post("/login")
def sign_in():
    email, password = request.form.get("email", ""), request.form.get("password", "")
    try:
        user = authenticate_user(db(), email, password)
    except SimError as exc:
        rollback_request()
        page, status = _login_page(email=email, error=exc.message, status=exc.status_code)
        return page, status, exc.headers
    g.tenant_id = user.tenant_id
    response = redirect(url_for("portal.home"))
    set_hub_cookie(response, open_browser_session(user))
    return response


@bp.post("/logout")
def sign_out():
    end_hub_session(db(), request.cookies.get(HUB_COOKIE))
    response = redirect(url_for("portal.login_page"))
    clear_hub_cookie(response)
    return response


@bp.get("/api/v1/launcher")
def launcher():
    """The app launcher's list for the user a module signed in (its bearer access token): every
    module instance they have access to, the asking one marked `current`."""
    protector = current_app.extensions["k1_resource_protector"]
    with protector.acquire("openid") as token:
        g.tenant_id = token.tenant_id
        if failure := injected_failure():
            return failure
        return jsonify(launcher_json(db(), token.user, issuer(), token.client.instance_id))
