"""A module's side of talking to KaseyaOne, for every simulated module (UniView, Autotask):
registering itself as a module instance when its integration is added, signing users in as an
OpenID Connect relying party (OIDC Core §3.1) through authlib's client, validating every ID
token claim (§3.1.3.7), refreshing tokens (§12), reading the app launcher's list, RP-initiated
logout (OpenID Connect RP-Initiated Logout 1.0), pushing its settings document, and reading the
tenant's groups from KaseyaOne's SCIM service provider (RFC 7644 §3.4.2) as its OIDC client.

An integration is any object with `issuer`, `client_id`, `client_secret` and `tenant_id`.
KaseyaOne's public URL (the issuer, what browsers see) may differ from the URL the module
reaches it on (`KASEYAONE_URL`): back-channel endpoints are rewritten onto the latter. Every
call is journalled in the tenant's journal.

requests, authlib's client and joserfc (about 70 ms to import) are loaded by the first call to
KaseyaOne, not with the module: a module simulator imports this one to start.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import TYPE_CHECKING

from authlib.common.urls import add_params_to_uri
from flask import current_app, g

from .db import db
from .errors import Forbidden, SimError, UpstreamError
from .journal import journalled_session
from .lazy import LazyModule
from .outbox import IDEMPOTENCY_HEADER, json_delivery

if TYPE_CHECKING:
    from authlib.integrations.requests_client import OAuth2Session
    from joserfc.jwk import KeySet

requests = LazyModule("requests")


class KaseyaOneRefused(Forbidden):
    error = "kaseyaone_refused"
    message = "KaseyaOne did not sign you in."


class KaseyaOneUnavailable(UpstreamError):
    error = "kaseyaone_unavailable"
    message = "KaseyaOne did not answer. Try again later."


class InvalidLoginAttempt(SimError):
    error = "invalid_login_attempt"
    message = "This sign-in attempt is not valid or has expired. Start again."


def _hub_url() -> str:
    return current_app.config["KASEYAONE_URL"].rstrip("/")


def _timeout() -> float:
    return current_app.config["KASEYAONE_TIMEOUT"]


def _journal_model():
    return current_app.extensions["sim_models"].JournalEntry


def _session(cls=None, **kwargs):
    cls = cls or requests.Session
    return journalled_session(db, _journal_model(), g.get("tenant_id"), cls, **kwargs)


def _call_json(method: str, url: str, **kwargs) -> dict:
    """One back-channel call to KaseyaOne, journalled; its JSON answer, or a clear error."""
    try:
        with _session() as http:
            response = http.request(method, url, timeout=_timeout(), **kwargs)
    except requests.RequestException as exc:
        raise KaseyaOneUnavailable(f"KaseyaOne did not answer: {type(exc).__name__}.") from exc
    try:
        body = response.json()
    except ValueError:
        raise KaseyaOneUnavailable(
            f"KaseyaOne answered {response.status_code} without JSON."
        ) from None
    if response.status_code >= 500 or not isinstance(body, dict):
        raise KaseyaOneUnavailable(f"KaseyaOne answered {response.status_code}.")
    if response.status_code >= 400:
        message = (
            body.get("message")
            or body.get("detail")  # a SCIM Error (RFC 7644 §3.12)
            or body.get("error_description")
            or body.get("error")
        )
        raise KaseyaOneRefused(
            f"KaseyaOne refused: {message}",
            kaseyaone_error=body.get("error"),
            kaseyaone_status=response.status_code,
        )
    return body


def register_module_instance(
    module: str,
    master_email: str,
    master_password: str,
    *,
    name: str,
    redirect_uri: str,
    post_logout_redirect_uri: str,
    initiate_login_uri: str,
    scim_base_url: str,
    scim_token: str,
    settings_url: str,
) -> dict:
    """KaseyaOne's admin API, as the master user the module's administrator named: a module
    instance of the kind `module` (its contract's name), with the OIDC redirect URI,
    where KaseyaOne may send a browser after logout and where its tiles start a sign-in (the
    client metadata of OpenID Connect Dynamic Client Registration), and where and how KaseyaOne
    pushes lifecycle changes to this tenant over SCIM 2.0."""
    return _call_json(
        "POST",
        f"{_hub_url()}/api/v1/module-instances",
        auth=(master_email.encode(), master_password.encode()),  # UTF-8, RFC 7617 §2.1
        json={
            "module": module,
            "name": name,
            "redirect_uris": [redirect_uri],
            "post_logout_redirect_uris": [post_logout_redirect_uri],
            "initiate_login_uri": initiate_login_uri,
            "scim": {"base_url": scim_base_url, "token": scim_token, "settings_url": settings_url},
        },
    )


def _backchannel(url: str, issuer: str) -> str:
    return _hub_url() + url[len(issuer.rstrip("/")) :] if url.startswith(issuer) else url


def provider_metadata(issuer: str) -> dict:
    cache = current_app.extensions.setdefault("k1_rp_metadata", {})
    if issuer not in cache:
        metadata = _call_json("GET", f"{_hub_url()}/.well-known/openid-configuration")
        if metadata.get("issuer") != issuer:
            raise KaseyaOneRefused(
                f"KaseyaOne's discovery names issuer {metadata.get('issuer')!r}, not {issuer!r}."
            )
        cache[issuer] = metadata
    return cache[issuer]


def _jwks(issuer: str, *, refresh: bool = False) -> KeySet:
    from joserfc.jwk import KeySet

    cache = current_app.extensions.setdefault("k1_rp_jwks", {})
    if refresh or issuer not in cache:
        uri = _backchannel(provider_metadata(issuer)["jwks_uri"], issuer)
        cache[issuer] = KeySet.import_key_set(_call_json("GET", uri))
    return cache[issuer]


def _oauth_session(integration, redirect_uri: str | None) -> OAuth2Session:
    from authlib.integrations.requests_client import OAuth2Session

    return _session(
        OAuth2Session,
        client_id=integration.client_id,
        client_secret=integration.client_secret,
        # What the module asks KaseyaOne for (its contract decides what the claims carry).
        scope=current_app.config["KASEYAONE_SCOPE"],
        redirect_uri=redirect_uri,
        code_challenge_method="S256",
        token_endpoint_auth_method="client_secret_basic",
    )


def authorization_url(
    integration,
    redirect_uri: str,
    *,
    state: str,
    nonce: str,
    code_verifier: str,
    login_hint: str | None = None,
) -> str:
    endpoint = provider_metadata(integration.issuer)["authorization_endpoint"]
    extra = {"login_hint": login_hint} if login_hint else {}
    with _oauth_session(integration, redirect_uri) as client:
        url, _ = client.create_authorization_url(
            endpoint, state=state, nonce=nonce, code_verifier=code_verifier, **extra
        )
    return url


def _token_endpoint(integration) -> str:
    return _backchannel(provider_metadata(integration.issuer)["token_endpoint"], integration.issuer)


@contextmanager
def _token_call(what: str):
    """A call to the token endpoint: KaseyaOne's OAuth error (RFC 6749 §5.2) is
    KaseyaOneRefused, no answer KaseyaOneUnavailable."""
    from authlib.integrations.base_client.errors import OAuthError
    from authlib.oauth2.rfc6749.errors import OAuth2Error

    try:
        yield
    except (OAuthError, OAuth2Error) as exc:
        raise KaseyaOneRefused(
            f"KaseyaOne refused {what}: {exc.error}"
            f"{': ' + exc.description if exc.description else ''}.",
            kaseyaone_error=exc.error,
        ) from exc
    except requests.RequestException as exc:
        raise KaseyaOneUnavailable(f"KaseyaOne did not answer: {type(exc).__name__}.") from exc


def exchange_code(integration, redirect_uri: str, *, code: str, code_verifier: str) -> dict:
    with _token_call("the sign-in"), _oauth_session(integration, redirect_uri) as client:
        return client.fetch_token(
            _token_endpoint(integration),
            grant_type="authorization_code",
            code=code,
            code_verifier=code_verifier,
            timeout=_timeout(),
        )


def refresh_tokens(integration, refresh_token: str) -> dict:
    """New tokens for an expired access token (RFC 6749 §6); KaseyaOne rotates the refresh
    token, so the answer's replaces it."""
    with _token_call("to refresh the tokens"), _oauth_session(integration, None) as client:
        return client.refresh_token(
            _token_endpoint(integration), refresh_token=refresh_token, timeout=_timeout()
        )


def read_launcher(integration, access_token: str) -> dict:
    """The app launcher's list KaseyaOne keeps for the user this access token is for."""
    return _call_json(
        "GET",
        f"{_hub_url()}/api/v1/launcher",
        headers={"Authorization": f"Bearer {access_token}"},
    )


def logout_url(
    integration, *, id_token: str, post_logout_redirect_uri: str, state: str
) -> str | None:
    """Where to send the browser so that KaseyaOne ends its session too (RP-Initiated Logout
    §2), or None if KaseyaOne offers no end-session endpoint."""
    endpoint = provider_metadata(integration.issuer).get("end_session_endpoint")
    if not endpoint:
        return None
    return add_params_to_uri(
        endpoint,
        [
            ("id_token_hint", id_token),
            ("post_logout_redirect_uri", post_logout_redirect_uri),
            ("state", state),
        ],
    )


def validate_id_token(integration, token: dict, *, nonce: str, now: int) -> dict:
    """Signature (by `kid`, RS256 only), iss, aud, azp, exp, iat, nonce and at_hash, against the
    tenant's simulated clock."""
    from authlib.oidc.core import CodeIDToken
    from joserfc import jwt
    from joserfc.errors import JoseError
    from joserfc.jws import JWSRegistry

    if not isinstance(token, dict) or not isinstance(token.get("id_token"), str):
        raise KaseyaOneRefused("KaseyaOne sent no ID token.")
    registry = JWSRegistry(algorithms=["RS256"])
    try:
        try:
            decoded = jwt.decode(token["id_token"], _jwks(integration.issuer), registry=registry)
        except JoseError:
            # An unknown kid: KaseyaOne may have rotated its keys since they were cached.
            decoded = jwt.decode(
                token["id_token"], _jwks(integration.issuer, refresh=True), registry=registry
            )
        claims = CodeIDToken(
            decoded.claims,
            decoded.header,
            {"iss": {"essential": True, "value": integration.issuer}},
            {
                "nonce": nonce,
                "client_id": integration.client_id,
                "access_token": token.get("access_token"),
            },
        )
        claims.validate(now=now, leeway=current_app.config["ID_TOKEN_LEEWAY"])
    except JoseError as exc:
        raise KaseyaOneRefused(
            f"KaseyaOne's ID token is not valid: {exc.error}"
            f"{' (' + exc.description + ')' if exc.description else ''}."
        ) from exc
    return dict(claims)


def remove_module_instance(client_id: str, client_secret: str) -> dict:
    """KaseyaOne removes the module instance whose OIDC client this is: resetting the integration
    (UV-RESET-1), or taking back a registration that lost a race to add the integration."""
    return _call_json(
        "DELETE", f"{_hub_url()}/api/v1/module/instance", auth=(client_id, client_secret)
    )


def send_settings(session, integration, document: dict, key: str) -> dict:
    """PUT the settings document to KaseyaOne as this module instance's OIDC client: KaseyaOne's
    answer, or Retry (sim_common.outbox) for anything but one that proves it took the document."""
    return _push(session, integration, "settings", document, key)


def send_telemetry(session, integration, report: dict, key: str) -> dict:
    """PUT a telemetry report to KaseyaOne, as send_settings does the settings document."""
    return _push(session, integration, "telemetry", report, key)


def _push(session, integration, what: str, document: dict, key: str) -> dict:
    _status, body = json_delivery(
        journalled_session(lambda: session, _journal_model(), integration.tenant_id),
        "PUT",
        f"{_hub_url()}/api/v1/module/{what}",
        other_side="KaseyaOne",
        json=document,
        auth=(integration.client_id, integration.client_secret),
        headers={IDEMPOTENCY_HEADER: key},
        timeout=_timeout(),
    )
    return body


GROUPS_PAGE = 1000  # the most KaseyaOne's SCIM service provider answers at once


def _scim_answer(model, body, what: str):
    from pydantic import ValidationError
    from scim2_models import Context

    try:
        return model.model_validate(body, scim_ctx=Context.RESOURCE_QUERY_RESPONSE)
    except ValidationError as exc:
        raise KaseyaOneUnavailable(f"KaseyaOne's SCIM answer is not {what}.") from exc


def _scim_get(integration, path: str, **params) -> dict:
    return _call_json(
        "GET",
        f"{_hub_url()}/scim/v2/{path}",
        params={**params, "excludedAttributes": "members"},
        headers={"Accept": "application/scim+json"},
        auth=(integration.client_id, integration.client_secret),
    )


def read_groups(integration) -> list[tuple[str, str]]:
    """Every group of the tenant in KaseyaOne (id, name), read from KaseyaOne's SCIM service
    provider (RFC 7644 §3.4.2) as this module instance, page by page, without their members.
    Pages are read with scim2-models; an answer that is not a SCIM ListResponse of Groups is
    KaseyaOneUnavailable. A listing that changes while it is read may skip a group (pages are
    by position): the caller confirms a group gone before removing it (`group_name`)."""
    from scim2_models import Group, ListResponse

    groups: list[tuple[str, str]] = []
    start = 1
    while True:
        page = _scim_answer(
            ListResponse[Group],
            _scim_get(integration, "Groups", startIndex=start, count=GROUPS_PAGE),
            "a list of groups",
        )
        resources = page.resources or []
        groups += [(group.id, group.display_name) for group in resources]
        start += len(resources)
        if not resources or start > (page.total_results or 0):
            return groups


def group_name(integration, group_id: str) -> str | None:
    """The name of one KaseyaOne group, or None if KaseyaOne says there is no such group."""
    from urllib.parse import quote

    from scim2_models import Group

    try:
        body = _scim_get(integration, f"Groups/{quote(group_id, safe='')}")
    except KaseyaOneRefused as exc:
        if exc.details.get("kaseyaone_status") == 404:
            return None
        raise
    return _scim_answer(Group, body, "a group").display_name
