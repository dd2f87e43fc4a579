"""The KaseyaOne app launcher on UniView's pages ("About KaseyaOne" in the Autotask document;
K1-HUB-2): a user signed in through KaseyaOne sees the waffle ("My KaseyaOne") listing their
other module instances as KaseyaOne lists them for the access token UniView holds for the
session (refreshed, RFC 6749 §6, once it has expired); a user signed in with UniView credentials
sees the Kaseya icon, which leads to KaseyaOne's login. Pages render it with the shared template
`k1_launcher.html`. Logging out of a session opened through KaseyaOne signs the user out of
KaseyaOne too (RP-Initiated Logout 1.0). No Flask here."""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy.orm import Session as DbSession

from sim_common.clock import tenant_now

from . import kaseyaone_client
from .errors import KaseyaOneRefused, KaseyaOneUnavailable
from .models import KaseyaOneTokens, Session, Tenant

SIGN_IN_AGAIN = "Sign in with KaseyaOne again to see your modules."


def remember_tokens(session: DbSession, tenant: Tenant, row: Session, token: dict) -> None:
    """What KaseyaOne issued at a sign-in, kept with the session it opened."""
    session.flush()  # the session row first: nothing else orders the two inserts
    session.add(
        KaseyaOneTokens(
            session_id=row.id,
            id_token=token["id_token"],
            access_token=token["access_token"],
            refresh_token=token.get("refresh_token"),
            expires_at=_expiry(tenant, token),
        )
    )


def _expiry(tenant: Tenant, token: dict):
    return tenant_now(tenant) + timedelta(seconds=int(token.get("expires_in") or 0))


def _refresh(integration, tokens: KaseyaOneTokens, tenant: Tenant) -> None:
    if not tokens.refresh_token:
        raise KaseyaOneRefused("KaseyaOne issued no refresh token.")
    token = kaseyaone_client.refresh_tokens(integration, tokens.refresh_token)
    tokens.access_token = token["access_token"]
    tokens.refresh_token = token.get("refresh_token") or tokens.refresh_token
    tokens.expires_at = _expiry(tenant, token)


def _read_list(integration, tokens: KaseyaOneTokens, tenant: Tenant) -> dict:
    if tenant_now(tenant) >= tokens.expires_at:
        _refresh(integration, tokens, tenant)
    try:
        return kaseyaone_client.read_launcher(integration, tokens.access_token)
    except KaseyaOneRefused as exc:
        if exc.details.get("kaseyaone_status") != 401:
            raise
    _refresh(integration, tokens, tenant)  # revoked or expired on KaseyaOne's clock
    return kaseyaone_client.read_launcher(integration, tokens.access_token)


def launcher_for(session: DbSession, tenant: Tenant, row: Session) -> dict | None:
    """What the page header shows for this session: the waffle, the Kaseya icon, or nothing
    (no KaseyaOne integration). KaseyaOne that does not answer, or no longer answers for the
    user, leaves the waffle with My KaseyaOne only, and the page still shows."""
    integration = tenant.integration
    if integration is None:
        return None
    hub = integration.issuer.rstrip("/")
    if row.method != "kaseyaone":
        return {"kind": "icon", "login_url": hub + "/login"}
    waffle = {"kind": "waffle", "home_url": hub + "/", "modules": []}
    tokens = session.get(KaseyaOneTokens, row.id)
    if tokens is None:
        return {**waffle, "unavailable": SIGN_IN_AGAIN}
    try:
        return {**waffle, **_read_list(integration, tokens, tenant)}
    except KaseyaOneRefused:
        session.delete(tokens)  # KaseyaOne no longer answers for this sign-in
        return {**waffle, "unavailable": SIGN_IN_AGAIN}
    except KaseyaOneUnavailable:
        return {**waffle, "unavailable": "KaseyaOne did not answer: your modules are not listed."}


def kaseyaone_logout_url(
    session: DbSession, tenant: Tenant, row: Session, post_logout_redirect_uri: str
) -> str | None:
    """Where to send the browser after ending a session opened through KaseyaOne, so that
    KaseyaOne's session ends too; None for other sessions, or if KaseyaOne cannot say."""
    tokens = session.get(KaseyaOneTokens, row.id) if row.method == "kaseyaone" else None
    if tokens is None or tenant.integration is None:
        return None
    try:
        return kaseyaone_client.logout_url(
            tenant.integration,
            id_token=tokens.id_token,
            post_logout_redirect_uri=post_logout_redirect_uri,
            state=secrets.token_urlsafe(16),
        )
    except (KaseyaOneRefused, KaseyaOneUnavailable):
        return None  # signed out of UniView all the same
