"""Pages a person can trust, on both simulators: cross-site request forgery refused (Flask-WTF's
CSRFProtect for every form, and an Origin check on every state-changing request), cookies
`Secure` when the public URL is https, and no page shown inside another site's frame (RFC 7034
X-Frame-Options, CSP Level 2 `frame-ancestors`).

Three kinds of state-changing request:
- a form a person submits (cookie-authenticated): it must carry the CSRF token of the page it
  came from, and no Origin other than the simulator's own;
- a JSON API authenticated by the browser's cookie (UniView's `/t/{tenant}/api/`): no token, but
  no foreign Origin, and a POST must be `application/json` (a page of another site can send
  PUT, PATCH, DELETE or a JSON body only after a CORS preflight, which the simulators never
  grant; a form can POST only form data or text);
- an API whose callers authenticate in headers (HTTP Basic, bearer tokens; declared by the
  application with `header_authenticated`): no foreign Origin, nothing else.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, current_app, g, request
from flask_wtf.csrf import CSRFError, CSRFProtect

from .errors import Forbidden, SimError

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
FRAMING = {"X-Frame-Options": "DENY", "Content-Security-Policy": "frame-ancestors 'none'"}


class CrossSiteRequestRefused(Forbidden):
    error = "cross_site_request"
    message = (
        "This request came from another site, or from a page that is out of date. Reload the "
        "page you came from and try again."
    )


class JsonRequired(SimError):
    status_code = 415
    error = "json_required"
    message = "Send the body as JSON, with 'Content-Type: application/json'."


def init_page_protection(app: Flask) -> None:
    public_url = app.config.get("PUBLIC_URL") or ""
    if public_url.startswith("https:"):
        app.config["SESSION_COOKIE_SECURE"] = True  # Flask's session cookie, and `secure_cookie`'s
    app.config.setdefault("WTF_CSRF_CHECK_DEFAULT", False)  # checked below, with the Origin
    # The token's lifetime is the session's: a login page left open for an afternoon still works.
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)
    csrf = CSRFProtect(app)
    header_authenticated(app, "sim_control")

    @app.before_request
    def refuse_cross_site_requests():
        if request.method in SAFE_METHODS or request.routing_exception is not None:
            return  # nothing changes: read only, or no route (the router answers 404 or 405)
        origin = request.headers.get("Origin")
        if origin is not None and origin not in _own_origins():
            raise CrossSiteRequestRefused()
        declared = app.extensions["sim_header_authenticated"]
        if request.blueprint in declared or request.endpoint in declared:
            return
        if "/api/" in request.path:
            if request.method == "POST" and not request.is_json:
                raise JsonRequired()
            return
        try:
            csrf.protect()
        except CSRFError:
            raise CrossSiteRequestRefused() from None

    @app.after_request
    def refuse_framing(response):
        for header, value in FRAMING.items():
            response.headers.setdefault(header, value)
        return response


def header_authenticated(app: Flask, *names: str) -> None:
    """Blueprints or endpoints whose callers authenticate in headers (HTTP Basic, a bearer
    token), which a browser never adds to a request on its own: they need no CSRF token."""
    app.extensions.setdefault("sim_header_authenticated", set()).update(names)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _own_origins() -> set[str]:
    """The public URL's origin, and the one the request was addressed to (a browser sets Host;
    a page elsewhere cannot)."""
    origins = {_origin(request.host_url)}
    if current_app.config.get("PUBLIC_URL"):
        origins.add(_origin(current_app.config["PUBLIC_URL"]))
    return origins


def secure_cookie() -> bool:
    """Whether the cookies the simulator sets are `Secure` (its public URL is https)."""
    return bool(current_app.config.get("SESSION_COOKIE_SECURE"))


def set_tenant_cookie(response, name: str, value: str) -> None:
    """A cookie of the tenant's pages (a module's session cookie): sent only under /t/{tenant}/,
    hidden from scripts, and with other sites' requests only when a person follows a link
    (SameSite=Lax)."""
    response.set_cookie(name, value, **_tenant_cookie())


def clear_tenant_cookie(response, name: str) -> None:
    response.delete_cookie(name, **_tenant_cookie())


def _tenant_cookie() -> dict:
    return {
        "path": f"/t/{g.tenant.id}/",
        "httponly": True,
        "samesite": "Lax",
        "secure": secure_cookie(),
    }
