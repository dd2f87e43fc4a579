"""What every simulator application does around its own routes: one database session per
request (committed on success, rolled back on any error), the request journal, and errors
turned into JSON for programs or a readable page for a person."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from importlib import resources

from flask import Flask, Response, current_app, g, render_template, request
from flask.json.provider import DefaultJSONProvider
from jinja2 import ChoiceLoader, PackageLoader
from sqlalchemy import insert
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from .clock import real_now
from .db import Store, db, finish_request_session, persistent_secret
from .errors import Busy, SimError
from .faults import close_dropped_connection, injected_failure
from .lazy import LazilyBuiltRule
from .pages import init_page_protection
from .redact import redact_path, redact_query


@dataclass
class SimModels:
    Tenant: type
    JournalEntry: type
    Secret: type
    Fault: type | None = None
    Outbox: type | None = None
    Lease: type | None = None
    LoginThrottle: type | None = None
    LoginFailure: type | None = None
    IdempotentRequest: type | None = None


# Larger request bodies are refused with 413 (Flask's MAX_CONTENT_LENGTH, overridable).
MAX_BODY_BYTES = 16 * 1024 * 1024


class JSONProvider(DefaultJSONProvider):
    """Request bodies parsed by pydantic-core's JSON parser, not the standard library's, which
    recurses until the interpreter's limit (RecursionError: a 500) and takes `"\\ud800"`, an
    unpaired surrogate no database here can store, and NaN, which is not JSON. This one refuses
    all three, with the place: nesting beyond 200 levels, unpaired surrogates, NaN/Infinity."""

    def loads(self, s, **kwargs):
        from pydantic_core import from_json  # 20 ms to import: on the first JSON body

        return from_json(s, allow_inf_nan=False)


def wants_json() -> bool:
    if request.path.startswith(("/_sim/", "/api/", "/oauth/token", "/oauth/userinfo")) or (
        "/api/" in request.path
    ):
        return True
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "application/json" and not request.accept_mimetypes.accept_html


def error_response(status: int, error: str, message: str, headers=None):
    if wants_json():
        return {"error": error, "message": message}, status, headers
    page = render_template("sim_error.html", status=status, error=error, message=message)
    return page, status, headers


def init_sim_app(app: Flask, metadata, models: SimModels) -> Store:
    """Attach the store, the journal and the error handlers to a simulator application."""
    app.url_rule_class = LazilyBuiltRule  # before any of its routes is added
    app.config.setdefault("DATABASE_URL", "sqlite://")
    app.config.setdefault("SIM_CONTROL_TOKEN", None)
    app.config["MAX_CONTENT_LENGTH"] = app.config.get("MAX_CONTENT_LENGTH") or MAX_BODY_BYTES
    app.json = JSONProvider(app)
    # Served, the due jobs run by themselves (sim_common.scheduler); embedded, when a clock moves.
    app.config.setdefault("SCHEDULER_INTERVAL", 0)
    # Cookie-authenticated forms (UniView's settings, KaseyaOne's Admin Settings): a cross-site
    # POST carries no session cookie.
    app.config["SESSION_COOKIE_SAMESITE"] = app.config.get("SESSION_COOKIE_SAMESITE") or "Lax"
    app.jinja_loader = ChoiceLoader([app.jinja_loader, PackageLoader("sim_common")])
    store = Store(app.config["DATABASE_URL"], metadata, threads=app.config.get("THREADS"))
    if app.config.get("TRUSTED_PROXIES"):
        # Behind a reverse proxy, every request comes from its address: the client's is the one
        # it forwarded (what the login throttle counts per client).
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["TRUSTED_PROXIES"])
    app.extensions["sim_store"] = store
    app.extensions["sim_models"] = models
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = persistent_secret(store, models.Secret, "flask-secret-key")
    init_page_protection(app)

    journal_insert = insert(models.JournalEntry)  # built once: every request runs it

    @app.after_request
    def journal_and_commit(response):
        try:
            # What a rule of the database refuses (a name another request took meanwhile) shows
            # here at the latest, while the request can still be answered with it.
            if "sim_db" in g:
                g.sim_db.flush()
        except SimError as exc:
            response = app.make_response(handle_sim_error(exc))
        if not request.path.startswith("/_sim/") and request.endpoint != "static":
            # As any database keeps it: a NUL (PostgreSQL's text cannot hold one) as the client
            # wrote it, and a method, which HTTP does not bound, cut to the column's width.
            path = redact_path(request.path).replace("\0", "%00")
            if request.query_string:
                path += "?" + redact_query(request.query_string.decode("latin-1"))
            dropped = "sim_connection_dropped" in g  # nothing was answered
            # One INSERT on the request's connection, in its transaction, without the ORM
            # (its unit of work, or its bulk insert through Session.execute): nothing reads the
            # entry back before the commit.
            db().connection().execute(
                journal_insert,
                {
                    "tenant_id": g.get("tenant_id"),
                    "at": real_now(),
                    "direction": "received",
                    "method": request.method[: models.JournalEntry.method.type.length],
                    "url": path,
                    "status": None if dropped else response.status_code,
                    "detail": g.get("journal_detail"),
                },
            )
        finish_request_session(commit=True)
        run_after_commit()
        return response

    @app.teardown_request
    def drop_the_connection(_exc):
        # After journal_and_commit, and before the server writes any answer: a client that sees
        # the connection close finds the request in the journal, whatever the request did.
        close_dropped_connection()

    @app.before_request
    def inject_faults():
        if models.Fault is not None:
            return injected_failure()
        return None

    @app.teardown_request
    def rollback_on_failure(exc):
        finish_request_session(commit=False)

    @app.errorhandler(SimError)
    def handle_sim_error(exc: SimError):
        rollback_request()
        if wants_json():
            return exc.to_json(), exc.status_code, exc.headers
        return error_response(exc.status_code, exc.error, exc.message, exc.headers)

    @app.errorhandler(HTTPException)
    def handle_http_error(exc: HTTPException):
        rollback_request()
        if type(exc).get_body is not HTTPException.get_body:
            return exc.get_response()  # a protocol library's own error body (RFC 6750 §3)
        name = (exc.name or "error").lower().replace(" ", "_")
        message = exc.description or exc.name
        if isinstance(exc, MethodNotAllowed) and exc.valid_methods:
            message += f" It allows {', '.join(sorted(exc.valid_methods))}."
        # werkzeug's own headers (Allow on a 405, RFC 9110 §15.5.6), not its HTML body's type.
        headers = [(k, v) for k, v in exc.get_headers() if k.lower() != "content-type"]
        return error_response(exc.code or 500, name, message, headers)

    @app.errorhandler(PoolTimeout)
    def handle_pool_timeout(_exc):  # waited past the pool's timeout for a connection
        return handle_sim_error(Busy())

    @app.errorhandler(Exception)
    def handle_unexpected(exc: Exception):  # a bug, still answered clearly
        # The details are logged here, never sent (a database error's carry the statement, not
        # its values: sim_common.db).
        reference = secrets.token_hex(4)
        app.logger.exception("unexpected error %s", reference)
        rollback_request()
        return error_response(
            500,
            "internal_error",
            f"An internal error ({type(exc).__name__}), logged as {reference}.",
        )

    from .control import control_blueprint

    app.register_blueprint(control_blueprint)
    return store


def openapi_document(package: str, name: str) -> Response:
    """An OpenAPI document shipped in `package`, as a simulator serves it."""
    document = resources.files(package).joinpath(name).read_text()
    return Response(document, mimetype="application/yaml")


def after_commit(callback) -> None:
    """Run `callback` once the current request's changes are committed (never if they are
    rolled back): how outbox rows are first attempted."""
    g.setdefault("sim_after_commit", []).append(callback)


def run_after_commit() -> None:
    """What the committed changes asked to run once committed (sim_common.web.after_commit)."""
    for callback in g.pop("sim_after_commit", []):
        try:
            callback()
        except Exception:  # the change is committed; what the callback was for is retried
            current_app.logger.exception("an after-commit step failed")


def rollback_request() -> None:
    """Undo whatever the failed request changed, except the journal: what the simulator sent
    while trying is kept, and the request's own entry is written after."""
    g.pop("sim_after_commit", None)  # nothing was committed for them to follow
    session = g.get("sim_db")
    if session is not None:
        rollback_keeping_sent(session)


def rollback_keeping_sent(session) -> None:
    """Roll the session back, except the journal entries of what was sent meanwhile (pending,
    or flushed already): the other side received those calls whatever happens here."""
    from .journal import SENT

    journal = current_app.extensions["sim_models"].JournalEntry
    entries = {id(e): e for e in [*session.info.get(SENT, []), *session.new]}
    sent = [
        {
            column: getattr(entry, column)
            for column in ("tenant_id", "at", "direction", "method", "url", "status", "detail")
        }
        for entry in entries.values()
        if isinstance(entry, journal) and entry.direction == "sent"
    ]
    session.rollback()
    kept = [journal(**values) for values in sent]
    session.add_all(kept)
    session.info[SENT] = kept


def new_id(prefix: str = "") -> str:
    return prefix + secrets.token_hex(8)
