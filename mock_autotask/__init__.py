"""A simulated Autotask (Datto's PSA), as far as its KaseyaOne integration needs it
(autotask-kaseyaone-integration.txt): resources (Autotask's users) with their security levels,
departments, roles and approvers; the login page and LiveMobile's sign-in; Admin > Resources; an
Autotask-shaped REST API for what the real one has (`rest`), and the simulator's own JSON API for
what it lacks; and the KaseyaOne integration: Admin > Extensions & Integrations > Kaseya
Integrations > KaseyaOne (`routes_kaseyaone`), Log In with KaseyaOne and the Bypass URL
(`routes_login`), provisioning (`provisioning`), and the SCIM service provider KaseyaOne pushes
to (`routes_scim`)."""

from __future__ import annotations

from collections.abc import Mapping

from flask import Flask, render_template

from sim_common.db import db
from sim_common.pages import header_authenticated
from sim_common.passwords import STRONG
from sim_common.scheduler import Job
from sim_common.web import init_sim_app, openapi_document

from .models import TABLES, Base
from .resources import seed_tenant

DEFAULTS = {
    "DATABASE_URL": "sqlite://",
    "PUBLIC_URL": None,  # what browsers and API clients use; default: the request's URL
    "SIM_CONTROL_TOKEN": None,
    "PASSWORD_HASH_METHOD": STRONG,
    "LOGIN_THROTTLE": None,  # failed passwords (sim_common.throttle): off embedded, on when served
    "SESSION_LIFETIME": 8 * 3600,
    "SESSION_COOKIE_NAME": "at_flow",  # Flask's signed cookie, for pending KaseyaOne logins
    "KASEYAONE_URL": "http://127.0.0.1:8001",  # where this Autotask reaches KaseyaOne
    "KASEYAONE_TIMEOUT": 10.0,
    # What Autotask asks KaseyaOne for: its contract gives its client the username and access
    # level only, whatever the scope (AT-DATA-1).
    "KASEYAONE_SCOPE": "openid",
    "ID_TOKEN_LEEWAY": 60,
    "ZONE_NAME": "Simulated",  # what ZoneInformation calls this simulator's zone
}


def create_app(config: Mapping | None = None) -> Flask:
    app = Flask("mock_autotask")
    app.config.update(DEFAULTS)
    app.config.update(config or {})
    init_sim_app(app, Base.metadata, TABLES)
    app.extensions["sim_seed_tenant"] = lambda tenant, body: seed_tenant(db(), tenant, body)

    from sim_common.settings_sync import deliveries

    from . import rest, telemetry
    from .routes_admin import bp as admin_bp
    from .routes_kaseyaone import bp as kaseyaone_bp
    from .routes_kaseyaone import push_bp
    from .routes_login import bp as login_bp
    from .routes_login import livemobile as livemobile_bp
    from .routes_scim import bp as scim_bp

    outbox = deliveries(TABLES.Outbox, TABLES.Tenant, telemetry.TELEMETRY.handlers)
    app.extensions["sim_deliveries"] = outbox
    app.extensions["sim_jobs"] = {
        "outbox": Job(outbox.job, outbox.due),
        "telemetry": Job(telemetry.TELEMETRY.job, telemetry.TELEMETRY.due),
    }
    rest.install(app)
    app.register_blueprint(login_bp)
    app.register_blueprint(livemobile_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(kaseyaone_bp)
    app.register_blueprint(push_bp)
    app.register_blueprint(scim_bp)
    # Callers that send no cookie need no CSRF token: the REST API's (its headers name the API
    # user), LiveMobile's (credentials in the body, then a bearer token), and KaseyaOne's (the
    # bearer token it holds for this Autotask).
    header_authenticated(app, rest.bp.name, livemobile_bp.name, scim_bp.name, push_bp.name)

    @app.get("/")
    def home():
        return render_template("at_index.html")

    @app.get("/api/openapi.yaml")
    def openapi():
        return openapi_document("mock_autotask", "openapi.yaml")

    return app
