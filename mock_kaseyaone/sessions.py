"""KaseyaOne's own session ("About KaseyaOne" in the Autotask document; K1-HUB-1): a person who
signed in to KaseyaOne once is signed in to every module instance they have access to without
the form again (OIDC Core §3.1.2.3: the provider may use the session it has). Sessions live on
the server, so that ending one — the person signs out, a module's logout asks for it (OpenID
Connect RP-Initiated Logout 1.0), the user is deactivated, an administrator signs them out —
takes effect at once. Times are on the user's tenant clock. No Flask here."""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import delete, update
from sqlalchemy.orm import Session

from sim_common.clock import epoch_seconds, tenant_now

from .models import HubSession, Token, User

HUB_COOKIE = "k1_session"  # the browser's KaseyaOne session id


def open_hub_session(session: Session, user: User, lifetime_seconds: int) -> HubSession:
    """The person just proved who they are on KaseyaOne's form."""
    now = tenant_now(user.tenant)
    row = HubSession(
        id=secrets.token_urlsafe(32),
        tenant_id=user.tenant_id,
        user_id=user.id,
        authenticated_at=now,
        expires_at=now + timedelta(seconds=lifetime_seconds),
    )
    session.add(row)
    session.flush()
    return row


def find_hub_session(session: Session, session_id: str | None) -> HubSession | None:
    """The live session behind a cookie: an expired one, or a deactivated user's, is none."""
    if not session_id:
        return None
    row = session.get(HubSession, session_id)
    if row is None or not row.user.is_active or tenant_now(row.tenant) >= row.expires_at:
        return None
    return row


def auth_time(row: HubSession) -> int:
    """When the person signed in (OIDC Core §2 `auth_time`), as epoch seconds."""
    return epoch_seconds(row.authenticated_at)


def older_than(row: HubSession, max_age_seconds: int) -> bool:
    """Whether the sign-in is older than an authorization request's `max_age` allows (§3.1.2.1)."""
    return (tenant_now(row.tenant) - row.authenticated_at).total_seconds() > max_age_seconds


def end_hub_session(session: Session, session_id: str | None) -> None:
    if session_id:
        session.execute(delete(HubSession).where(HubSession.id == session_id))


def sign_out_everywhere(session: Session, user: User) -> int:
    """End every KaseyaOne session of the user and revoke every token issued for them, refresh
    tokens included: modules can no longer act for the user without a new sign-in. Returns
    how many sessions ended."""
    ended = session.execute(delete(HubSession).where(HubSession.user_id == user.id)).rowcount
    session.execute(
        update(Token).where(Token.user_id == user.id, Token.revoked.is_(False)).values(revoked=True)
    )
    return ended
