"""Log In with KaseyaOne in a module's pages, for every simulated module (OpenID Connect
authorization-code flow with PKCE S256, state and nonce: OIDC Core §3.1): starting a sign-in,
the login URL KaseyaOne's tiles and app launcher open (`initiate_login_uri`, OIDC Core §4), and
the callback's checks before the module decides who the user is. What is pending between the
start and the callback is kept in Flask's signed session cookie, per `state`."""

from __future__ import annotations

from authlib.common.security import generate_token
from flask import session

from . import kaseyaone_rp
from .kaseyaone_rp import InvalidLoginAttempt, KaseyaOneRefused

PENDING = "kaseyaone_logins"  # Flask session key: state -> tenant, nonce, code_verifier, target


def start_login(
    integration,
    tenant_id: str,
    redirect_uri: str,
    *,
    login_hint: str | None = None,
    target: str | None = None,
) -> str:
    """Where to send the browser to sign in at KaseyaOne (its authorization endpoint)."""
    state, nonce, verifier = generate_token(32), generate_token(32), generate_token(64)
    pending = session.get(PENDING, {})
    pending = dict(list(pending.items())[-4:])  # a few tabs at once, not an unbounded cookie
    pending[state] = {"tenant": tenant_id, "nonce": nonce, "verifier": verifier}
    if target:
        pending[state]["target"] = target
    session[PENDING] = pending
    return kaseyaone_rp.authorization_url(
        integration,
        redirect_uri,
        state=state,
        nonce=nonce,
        code_verifier=verifier,
        login_hint=login_hint,
    )


def initiated_target(integration, args, home_url: str, module_name: str) -> str | None:
    """A sign-in KaseyaOne's tile or launcher starts at the module's initiate_login_uri: it must
    name the module's KaseyaOne as `iss`; its `target_link_uri` is where the sign-in ends, if it
    is one of the tenant's pages (`home_url` and below), else ignored."""
    if integration is not None and args.get("iss") != integration.issuer:
        raise InvalidLoginAttempt(
            f"This sign-in did not come from the KaseyaOne this {module_name} is integrated with."
        )
    target = args.get("target_link_uri")
    return target if target and target.startswith(home_url) else None


def pending_attempt(tenant_id: str, args) -> dict:
    """The sign-in this callback answers (by its `state`, once), or a refusal: no such attempt,
    another tenant's, or KaseyaOne's own refusal (`error`, RFC 6749 §4.1.2.1)."""
    pending = dict(session.get(PENDING, {}))
    attempt = pending.pop(args.get("state", ""), None)
    session[PENDING] = pending
    if attempt is None or attempt["tenant"] != tenant_id:
        raise InvalidLoginAttempt()
    if "error" in args:
        raise KaseyaOneRefused(
            args.get("error_description") or f"KaseyaOne did not sign you in ({args['error']}).",
            kaseyaone_error=args["error"],
        )
    return attempt


def signed_in(integration, redirect_uri: str, attempt: dict, code: str, now: int):
    """The code exchanged for tokens, and the ID token's claims, every one validated against
    the attempt (nonce) and the tenant's clock (`now`, epoch seconds): (claims, token)."""
    token = kaseyaone_rp.exchange_code(
        integration, redirect_uri, code=code, code_verifier=attempt["verifier"]
    )
    claims = kaseyaone_rp.validate_id_token(integration, token, nonce=attempt["nonce"], now=now)
    return claims, token
