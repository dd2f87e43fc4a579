"""The KaseyaOne app launcher on a module's pages ("About KaseyaOne" in the Autotask document;
K1-HUB-2), for every simulated module: a user signed in through KaseyaOne sees the waffle ("My
KaseyaOne") listing their other module instances as KaseyaOne lists them for the access token
the module holds for the session (refreshed, RFC 6749 §6, once it has expired); a user signed in
with the module's own credentials sees the Kaseya icon, which leads to KaseyaOne's login. Pages
render it with the shared template `k1_launcher.html`. Logging out of a session opened through
KaseyaOne signs the user out of KaseyaOne too (RP-Initiated Logout 1.0).

A module keeps what KaseyaOne issued at each sign-in in a table of its own made from
`KaseyaOneTokensMixin`, beside its `sessions` table; a session opened through KaseyaOne has the
method "kaseyaone". No Flask here."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import DateTime, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, declared_attr, mapped_column
from sqlalchemy.orm import Session as DbSession

from . import kaseyaone_rp
from .clock import tenant_now
from .kaseyaone_rp import KaseyaOneRefused, KaseyaOneUnavailable

SIGN_IN_AGAIN = "Sign in with KaseyaOne again to see your modules."
METHOD = "kaseyaone"  # the method of a module session opened through KaseyaOne


class KaseyaOneTokensMixin:
    """What KaseyaOne issued for a session opened through it: the ID token (the hint of an
    RP-initiated logout) and the access and refresh tokens the app launcher is read with."""

    __tablename__ = "kaseyaone_tokens"

    @declared_attr
    def session_id(cls) -> Mapped[str]:
        return mapped_column(
            String(64), ForeignKey("sessions.id", ondelete="CASCADE"), primary_key=True
        )

    id_token: Mapped[str] = mapped_column(Text)
    access_token: Mapped[str] = mapped_column(Text)
    refresh_token: Mapped[str | None] = mapped_column(Text, nullable=True)
    expires_at: Mapped[datetime] = mapped_column(DateTime)  # the tenant's clock


def remember_tokens(session: DbSession, model, tenant, row, token: dict) -> None:
    """What KaseyaOne issued at a sign-in, kept with the session `row` it opened."""
    session.flush()  # the session row first: nothing else orders the two inserts
    session.add(
        model(
            session_id=row.id,
            id_token=token["id_token"],
            access_token=token["access_token"],
            refresh_token=token.get("refresh_token"),
            expires_at=_expiry(tenant, token),
        )
    )


def _expiry(tenant, token: dict):
    return tenant_now(tenant) + timedelta(seconds=int(token.get("expires_in") or 0))


def _refresh(integration, tokens, tenant) -> None:
    if not tokens.refresh_token:
        raise KaseyaOneRefused("KaseyaOne issued no refresh token.")
    token = kaseyaone_rp.refresh_tokens(integration, tokens.refresh_token)
    tokens.access_token = token["access_token"]
    tokens.refresh_token = token.get("refresh_token") or tokens.refresh_token
    tokens.expires_at = _expiry(tenant, token)


def _read_list(integration, tokens, tenant) -> dict:
    if tenant_now(tenant) >= tokens.expires_at:
        _refresh(integration, tokens, tenant)
    try:
        return kaseyaone_rp.read_launcher(integration, tokens.access_token)
    except KaseyaOneRefused as exc:
        if exc.details.get("kaseyaone_status") != 401:
            raise
    _refresh(integration, tokens, tenant)  # revoked or expired on KaseyaOne's clock
    return kaseyaone_rp.read_launcher(integration, tokens.access_token)


def launcher_for(session: DbSession, model, tenant, integration, row) -> dict | None:
    """What the page header shows for the session `row`: the waffle, the Kaseya icon, or
    nothing (no KaseyaOne integration). KaseyaOne that does not answer, or no longer answers for
    the user, leaves the waffle with My KaseyaOne only, and the page still shows."""
    if integration is None:
        return None
    hub = integration.issuer.rstrip("/")
    if row.method != METHOD:
        return {"kind": "icon", "login_url": hub + "/login"}
    waffle = {"kind": "waffle", "home_url": hub + "/", "modules": []}
    tokens = session.get(model, row.id)
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
    session: DbSession, model, integration, row, post_logout_redirect_uri: str
) -> str | None:
    """Where to send the browser after ending a session opened through KaseyaOne, so that
    KaseyaOne's session ends too; None for other sessions, or if KaseyaOne cannot say."""
    tokens = session.get(model, row.id) if row.method == METHOD else None
    if tokens is None or integration is None:
        return None
    try:
        return kaseyaone_rp.logout_url(
            integration,
            id_token=tokens.id_token,
            post_logout_redirect_uri=post_logout_redirect_uri,
            state=secrets.token_urlsafe(16),
        )
    except (KaseyaOneRefused, KaseyaOneUnavailable):
        return None  # signed out of the module all the same
