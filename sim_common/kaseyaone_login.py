"""Log In with KaseyaOne in a module's pages, for every simulated module (OpenID Connect
authorization-code flow with PKCE S256, state and nonce: OIDC Core §3.1): starting a sign-in,
the login URL KaseyaOne's tiles and app launcher open (`initiate_login_uri`, OIDC Core §4), the
callback's checks before the module decides who the user is, the app launcher in every page's
header, and logout through KaseyaOne (RP-Initiated Logout 1.0); and around it, the login page
every module has (its own credentials, and its bypass address under Require Login), its
refusals, and the session cookie a sign-in ends with (`init_login_routes`). What is pending
between the start and the callback is kept in Flask's signed session cookie, per `state`."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from authlib.common.security import generate_token
from flask import (
    Blueprint,
    Response,
    current_app,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from . import kaseyaone_rp, sessions
from .clock import epoch_seconds, tenant_now
from .db import db
from .errors import NotFound, SimError
from .kaseyaone_launcher import METHOD, kaseyaone_logout_url, launcher_for, remember_tokens
from .kaseyaone_module import bypass_token_is
from .kaseyaone_rp import InvalidLoginAttempt, KaseyaOneRefused
from .pages import clear_tenant_cookie, set_tenant_cookie
from .tenant_routes import public_url_for
from .throttle import TooManyAttempts
from .web import rollback_request, wants_json

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


# The routes every module's login blueprint has for KaseyaOne, and its logout.


def init_kaseyaone_routes(
    bp: Blueprint,
    *,
    module_name: str,
    login_on: Callable[[], bool],
    login_off: type[SimError],
    finish: Callable[[dict, dict, dict], Response],
    tokens_model,
    current_session: Callable[[], object],
) -> None:
    """On a module's login blueprint (under /t/<tenant>, with a `home` endpoint): Log In with
    KaseyaOne (`/login/kaseyaone`, `login_hint` passed on), the module's initiate_login_uri
    (`/login/kaseyaone/initiate`), the callback (`/oidc/callback`), each refused with
    `login_off` while `login_on()` says no; and `k1_launcher_for_page()` for every page's
    header (KaseyaOne's app launcher, sim_common.kaseyaone_launcher). The callback validates
    the ID token and hands the module `finish(attempt, claims, token)`: who the user is there,
    and the answer."""

    def redirect_uri() -> str:
        return public_url_for(f"{bp.name}.kaseyaone_callback")

    def start(login_hint: str | None, target: str | None = None):
        if not login_on():
            raise login_off()
        url = start_login(
            g.tenant.integration, g.tenant.id, redirect_uri(), login_hint=login_hint, target=target
        )
        return redirect(url)

    @bp.get("/login/kaseyaone")
    def kaseyaone_login():
        return start(request.args.get("login_hint"))

    @bp.get("/login/kaseyaone/initiate")
    def kaseyaone_initiate():
        """KaseyaOne's tile or app launcher sends the browser here, with KaseyaOne as `iss`,
        and the module starts the sign-in as Log In with KaseyaOne does."""
        home = public_url_for(f"{bp.name}.home")
        target = initiated_target(g.tenant.integration, request.args, home, module_name)
        return start(request.args.get("login_hint"), target)

    @bp.get("/oidc/callback")
    def kaseyaone_callback():
        attempt = pending_attempt(g.tenant.id, request.args)
        if not login_on():
            raise login_off()
        claims, token = signed_in(
            g.tenant.integration,
            redirect_uri(),
            attempt,
            request.args.get("code", ""),
            epoch_seconds(tenant_now(g.tenant)),
        )
        return finish(attempt, claims, token)

    @bp.app_context_processor
    def kaseyaone_app_launcher():
        def for_page():
            row = current_session() if "tenant" in g else None
            if row is None:
                return None
            integration = g.tenant.integration
            return launcher_for(db(), tokens_model, g.tenant, integration, row)

        return {"k1_launcher_for_page": for_page}


def logout_response(row, tokens_model, login_endpoint: str, end_session: Callable[[str], None]):
    """Where logging out of the session `row` (perhaps None) sends the browser: back to the
    module's login page, or — for a session opened through KaseyaOne — to KaseyaOne's
    end-session endpoint first, so that KaseyaOne's session ends too (interpretation,
    K1-HUB-1), and back to the login page from there. The session ends either way; the caller
    clears its cookie."""
    hub_logout = None
    if row is not None:
        hub_logout = kaseyaone_logout_url(
            db(), tokens_model, g.tenant.integration, row, public_url_for(login_endpoint)
        )
        end_session(row.id)
    return redirect(hub_logout or url_for(login_endpoint))


# A module's whole login blueprint: its own login page and bypass address around KaseyaOne's.


def init_login_routes(
    bp: Blueprint,
    *,
    template: str,
    refusal: type[SimError],
    sign_in_with_credentials: Callable[..., object],
    start_session: Callable[..., object],
    session_model,
    cookie: str,
    local_method: str,
    bypass_not_valid: str,
    finish: Callable[[dict, dict], object],
    module_name: str,
    login_on: Callable[[], bool],
    login_off: type[SimError],
    tokens_model,
    current_session: Callable[[], object],
    username_shown: int | None = None,
) -> None:
    """On a module's login blueprint (under /t/<tenant>, with a `home` endpoint): the login page
    (`template`, given `error`, the form's `action`, `bypass`, `kaseyaone`: whether Log In with
    KaseyaOne is on, and the `username` typed, at most `username_shown` characters of it), the
    module's credentials posted to it, the bypass address (its token checked, else a 404 saying
    `bypass_not_valid`), Log In with KaseyaOne (`init_kaseyaone_routes`, given `module_name`,
    `login_on`, `login_off`, `tokens_model` and `current_session`), and logout.

    The module's domain says who signs in: `sign_in_with_credentials(session, tenant, username,
    password, via_bypass=...)`, and `finish(attempt, claims)` after KaseyaOne's callback.
    `start_session(session, account, method, lifetime)` opens a row of `session_model`, whose id
    the `cookie` carries; the sign-in ends at home (from KaseyaOne, at the page it was asked
    for). Each refusal (`refusal` and its subclasses, KaseyaOne's, a spent attempt, too many
    failed passwords) is the login page saying why, or JSON for a program that asks."""

    @bp.errorhandler(refusal)
    @bp.errorhandler(KaseyaOneRefused)
    @bp.errorhandler(InvalidLoginAttempt)
    @bp.errorhandler(TooManyAttempts)
    def refused(exc: SimError):
        rollback_request()
        if wants_json():
            return exc.to_json(), exc.status_code, exc.headers
        page, status = login_page_with(error=exc, status=exc.status_code)
        return page, status, exc.headers

    def login_page_with(*, error=None, status=200, bypass_token=None):
        action = (
            url_for(f"{bp.name}.bypass_login", token=bypass_token)
            if bypass_token
            else url_for(f"{bp.name}.login_page")
        )
        return render_template(
            template,
            tenant=g.tenant,
            error=error,
            action=action,
            bypass=bool(bypass_token),
            kaseyaone=login_on(),
            username=request.form.get("username", "")[:username_shown],
        ), status

    def signed_in(account, method: str, *, kaseyaone_tokens=None, target=None):
        row = start_session(db(), account, method, current_app.config["SESSION_LIFETIME"])
        if kaseyaone_tokens is not None:
            remember_tokens(db(), tokens_model, g.tenant, row, kaseyaone_tokens)
        response = redirect(target or url_for(f"{bp.name}.home"))
        set_tenant_cookie(response, cookie, row.id)
        return response

    def with_credentials(*, via_bypass: bool = False):
        form = request.form
        return sign_in_with_credentials(
            db(),
            g.tenant,
            form.get("username", ""),
            form.get("password", ""),
            via_bypass=via_bypass,
        )

    @bp.get("/login")
    def login_page():
        return login_page_with()

    @bp.post("/login")
    def login():
        return signed_in(with_credentials(), local_method)

    @bp.route("/login/bypass/<token>", methods=["GET", "POST"])
    def bypass_login(token: str):
        if not bypass_token_is(g.tenant.integration, token):
            raise NotFound(bypass_not_valid)
        if request.method == "GET":
            return login_page_with(bypass_token=token)
        return signed_in(with_credentials(via_bypass=True), "bypass")

    def finish_kaseyaone_login(attempt: dict, claims: dict, token: dict):
        account = finish(attempt, claims)
        return signed_in(account, METHOD, kaseyaone_tokens=token, target=attempt.get("target"))

    init_kaseyaone_routes(
        bp,
        module_name=module_name,
        login_on=login_on,
        login_off=login_off,
        finish=finish_kaseyaone_login,
        tokens_model=tokens_model,
        current_session=current_session,
    )

    @bp.post("/logout")
    def logout():
        """Came through KaseyaOne: KaseyaOne's session ends too (interpretation, K1-HUB-1)."""
        response = logout_response(
            current_session(),
            tokens_model,
            f"{bp.name}.login_page",
            partial(sessions.end_session, db(), session_model),
        )
        clear_tenant_cookie(response, cookie)
        return response
