"""The provider's endpoints: discovery, JWKS, the authorization endpoint with KaseyaOne's login
form (OIDC Core §3.1.2), the token endpoint (§3.1.3) and userinfo (§5.3)."""

from __future__ import annotations

from authlib.common.urls import add_params_to_uri
from authlib.oauth2 import OAuth2Error
from flask import Blueprint, current_app, g, jsonify, render_template, request

from sim_common.db import db
from sim_common.faults import injected_failure
from sim_common.passwords import check_user_password
from sim_common.throttle import TooManyAttempts

from .domain import find_user_by_any_tenant, has_module_access
from .models import OAuthClient
from .oidc import provider_metadata, public_jwks, user_claims

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


@bp.route("/oauth/authorize", methods=["GET", "POST"])
def authorize():
    server = _server()
    try:
        grant = server.get_consent_grant(end_user=None)
    except OAuth2Error as error:
        if error.redirect_uri:
            return server.handle_error_response(None, error)
        # No trustworthy redirect_uri: tell the person, never redirect (RFC 6749 §4.1.2.1).
        return render_template(
            "sim_error.html",
            status=400,
            error=error.error,
            title="This sign-in link is not valid",
            message=error.description or error.error,
        ), 400
    client: OAuthClient = grant.request.client
    g.tenant_id = client.tenant_id
    if failure := injected_failure():
        return failure
    module_name = client.instance.name
    if request.method == "GET":
        return render_template(
            "login.html",
            email=request.args.get("login_hint", ""),
            module_name=module_name,
            error=None,
        )

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
            module_name=module_name,
            error="The email address or password is wrong.",
        ), 401
    if not user.is_active:
        return _refusal_page(
            grant,
            "Your KaseyaOne account is deactivated. Ask your KaseyaOne "
            "administrator to reactivate it.",
        )
    if user.tenant_id != client.tenant_id or not has_module_access(db(), client.instance_id, user):
        return _refusal_page(
            grant,
            f"You do not have access to {module_name}. Ask your "
            "KaseyaOne administrator to grant it.",
        )
    return server.create_authorization_response(grant=grant, grant_user=user)


@bp.post("/oauth/token")
def issue_token():
    auth = request.authorization
    client_id = auth.username if auth and auth.username else request.form.get("client_id")
    client = db().get(OAuthClient, client_id) if client_id else None
    if client is not None:
        g.tenant_id = client.tenant_id
        if failure := injected_failure():
            return failure
    return _server().create_token_response()


@bp.route("/oauth/userinfo", methods=["GET", "POST"])
def userinfo():
    protector = current_app.extensions["k1_resource_protector"]
    with protector.acquire("openid") as token:
        g.tenant_id = token.tenant_id
        return jsonify(user_claims(token.user, token.client, token.scope))
