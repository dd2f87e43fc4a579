"""The provider's endpoints: discovery, JWKS, the authorization endpoint with KaseyaOne's login
form and its session (OIDC Core §3.1.2: `prompt`, `max_age`, `login_hint`), the token endpoint
(§3.1.3, and refreshes, §12), userinfo (§5.3), revocation (RFC 7009) and the end-session
endpoint (OpenID Connect RP-Initiated Logout 1.0)."""

from __future__ import annotations

from authlib.common.urls import add_params_to_uri
from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749 import AccessDeniedError, InvalidRequestError
from authlib.oidc.core.errors import LoginRequiredError
from flask import Blueprint, current_app, g, jsonify, render_template, request

from sim_common.db import db
from sim_common.faults import injected_failure
from sim_common.passwords import check_user_password
from sim_common.throttle import TooManyAttempts

from .domain import find_user_by_any_tenant, has_module_access
from .models import OAuthClient
from .oidc import find_client, provider_metadata, public_jwks, user_claims
from .routes_portal import (
    clear_hub_cookie,
    current_hub_session,
    open_browser_session,
    set_hub_cookie,
)
from .sessions import auth_time, older_than

bp = Blueprint("oidc", __name__)
bp.fault_kind = "oidc"


def _server():
    return current_app.extensions["k1_oauth_server"]


@bp.get("/.well-known/openid-configuration")
def discovery():
    return provider_metadata()


@bp.get("/oauth/jwks")
def jwks():
    return public_jwks()


def _refusal_page(grant, message: str, status: int = 403, headers=None):
    """A person is told why, and the client gets `access_denied` (RFC 6749 §4.1.2.1) when they
    go back."""
    payload = grant.request.payload
    params = [("error", "access_denied"), ("error_description", message)]
    if payload.state:
        params.append(("state", payload.state))
    link = add_params_to_uri(payload.redirect_uri, params)
    page = render_template(
        "sim_error.html",
        status=status,
        error="access_denied",
        title="You cannot sign in to this module",
        message=message,
        link=link,
        link_text="Return to the module",
    )
    return page, status, headers


def _max_age() -> int | None:
    """The request's `max_age` (OIDC Core §3.1.2.1), None if absent; -1 if it is not a
    number of seconds."""
    value = request.values.get("max_age")
    if value is None:
        return None
    return int(value) if value.isdigit() else -1


def _session_user():
    """The user KaseyaOne's session can answer for, if any: none when the session is older than
    `max_age` allows, or when `login_hint` names someone else (the module asks for them)."""
    row = current_hub_session()
    if row is None:
        return None
    max_age = _max_age()
    if max_age is not None and (max_age < 0 or older_than(row, max_age)):
        return None
    hint = request.values.get("login_hint", "").strip().lower()
    if hint and hint != row.user.email:
        return None
    return row.user


def _invalid_page(error: OAuth2Error):
    """No trustworthy redirect_uri: tell the person, never redirect (RFC 6749 §4.1.2.1)."""
    return render_template(
        "sim_error.html",
        status=400,
        error=error.error,
        title="This sign-in link is not valid",
        message=error.description or error.error,
    ), 400


def _send_back(grant, error: OAuth2Error):
    error.redirect_uri, error.state = grant.redirect_uri, grant.request.payload.state
    return _server().handle_error_response(None, error)


@bp.route("/oauth/authorize", methods=["GET", "POST"])
def authorize():
    server = _server()
    session_user = _session_user()
    try:
        grant = server.get_consent_grant(end_user=session_user)
    except OAuth2Error as error:
        if error.redirect_uri:
            return server.handle_error_response(None, error)
        return _invalid_page(error)
    client: OAuthClient = grant.request.client
    g.tenant_id = client.tenant_id
    if failure := injected_failure():
        return failure
    if _max_age() == -1:
        return _send_back(grant, InvalidRequestError("'max_age' must be a number of seconds."))
    module_name = client.instance.name
    if request.method == "POST":
        return _sign_in_with_form(grant, client)
    prompts = request.values.get("prompt", "").split()
    if session_user is None or "login" in prompts:
        if "none" in prompts:  # OIDC Core §3.1.2.6: no form may be shown
            return _send_back(grant, LoginRequiredError())
        row = current_hub_session()  # too old for max_age, say: the person is still known
        hint = request.args.get("login_hint") or (row.user.email if row else "")
        return render_template("login.html", email=hint, module_name=module_name, error=None)
    # KaseyaOne's session answers: the person signed in before (K1-HUB-1).
    if not has_module_access(db(), client.instance_id, session_user):
        return _no_access(grant, client, silent="none" in prompts)
    grant.request.k1_auth_time = auth_time(current_hub_session())
    return server.create_authorization_response(grant=grant, grant_user=session_user)


def _no_access(grant, client: OAuthClient, silent: bool = False):
    if silent:
        return _send_back(grant, AccessDeniedError())
    return _refusal_page(
        grant,
        f"You do not have access to {client.instance.name}. Ask your "
        "KaseyaOne administrator to grant it.",
    )


def _sign_in_with_form(grant, client: OAuthClient):
    email = request.form.get("email", "")
    password = request.form.get("password", "")
    # An email address names one user across the hub: a user of another tenant who gives the
    # right password is told they have no access to this module, not that the password is wrong.
    user = find_user_by_any_tenant(db(), email)
    tenant = user.tenant if user is not None else client.tenant
    try:
        right = check_user_password(user, password, tenant=tenant, account=email)
    except TooManyAttempts as locked:
        return _refusal_page(grant, locked.message, locked.status_code, locked.headers)
    if not right:
        return render_template(
            "login.html",
            email=email,
            module_name=client.instance.name,
            error="The email address or password is wrong.",
        ), 401
    if not user.is_active:
        return _refusal_page(
            grant,
            "Your KaseyaOne account is deactivated. Ask your KaseyaOne "
            "administrator to reactivate it.",
        )
    # Signed in to KaseyaOne, whether or not this module may be used: the session opens.
    row = open_browser_session(user)
    # Of another tenant, or without access: refused alike (no password oracle across tenants).
    if user.tenant_id != client.tenant_id or not has_module_access(db(), client.instance_id, user):
        response = current_app.make_response(_no_access(grant, client))
    else:
        grant.request.k1_auth_time = auth_time(row)
        response = _server().create_authorization_response(grant=grant, grant_user=user)
    set_hub_cookie(response, row)
    return response


def _calling_client_fault():
    """At an endpoint a client calls with its credentials (HTTP Basic, or client_id in the
    form): the client's tenant, for the journal, and a fault due for it."""
    auth = request.authorization
    client_id = auth.username if auth and auth.username else request.form.get("client_id")
    client = find_client(client_id) if client_id else None
    if client is None:
        return None
    g.tenant_id = client.tenant_id
    return injected_failure()


@bp.post("/oauth/token")
def issue_token():
    return _calling_client_fault() or _server().create_token_response()


@bp.post("/oauth/revoke")
def revoke_token():
    """RFC 7009 §2: the client authenticates as it does at the token endpoint."""
    return _calling_client_fault() or _server().create_endpoint_response("revocation")


@bp.route("/oauth/logout", methods=["GET", "POST"])
def end_session():
    """RP-Initiated Logout 1.0: with a valid `id_token_hint` for the person signed in, the
    KaseyaOne session ends at once; otherwise the person confirms first (§2, §6). The browser
    goes back only to a post_logout_redirect_uri the client registered, with `state` (§3)."""
    server = _server()
    try:
        logout = server.validate_endpoint_request("end_session")
    except OAuth2Error as error:
        return render_template(
            "sim_error.html",
            status=400,
            error=error.error,
            title="This sign-out link is not valid",
            message=error.description or error.error,
        ), 400
    if logout.client is not None:
        g.tenant_id = logout.client.tenant_id
        if failure := injected_failure():
            return failure
    row = current_hub_session()
    hinted = (logout.id_token_claims or {}).get("sub")
    confirmed = request.method == "POST" and request.form.get("confirm") == "yes"
    if row is not None and hinted != row.user_id and not confirmed:
        fields = [(k, v) for k, v in request.values.items(multi=True) if k != "confirm"]
        return render_template("logout.html", user=row.user, fields=fields, signed_out=False)
    response = server.create_endpoint_response("end_session", logout)
    if response is None:
        asked = request.values.get("post_logout_redirect_uri")
        response = current_app.make_response(
            render_template("logout.html", signed_out=True, refused_return=bool(asked))
        )
    clear_hub_cookie(response)
    return response


@bp.route("/oauth/userinfo", methods=["GET", "POST"])
def userinfo():
    protector = current_app.extensions["k1_resource_protector"]
    with protector.acquire("openid") as token:
        g.tenant_id = token.tenant_id
        return jsonify(user_claims(token.user, token.client, token.scope))
