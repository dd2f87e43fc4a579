"""A simulated UniView Portal: local users and roles, the login page with Log In with KaseyaOne,
and the KaseyaOne integration's configuration, integrated with KaseyaOne as the UniView document
describes."""

from __future__ import annotations

from collections.abc import Mapping

from flask import Flask, render_template

from sim_common.db import db
from sim_common.pages import header_authenticated
from sim_common.passwords import STRONG
from sim_common.scheduler import Job
from sim_common.web import init_sim_app, openapi_document

from .models import TABLES, Base
from .users import seed_tenant

DEFAULTS = {
    "DATABASE_URL": "sqlite://",
    "PUBLIC_URL": None,  # what browsers and KaseyaOne's redirects use; default: the request's URL
    "KASEYAONE_URL": "http://127.0.0.1:8001",  # where this UniView reaches KaseyaOne
    "KASEYAONE_TIMEOUT": 10.0,
    "KASEYAONE_SCOPE": "openid email profile groups",  # what UniView's claims need
    "SIM_CONTROL_TOKEN": None,
    "PASSWORD_HASH_METHOD": STRONG,
    "LOGIN_THROTTLE": None,  # failed passwords (sim_common.throttle): off embedded, on when served
    "SESSION_LIFETIME": 8 * 3600,
    "ID_TOKEN_LEEWAY": 60,
    "SESSION_COOKIE_NAME": "uv_flow",  # Flask's signed cookie, for pending KaseyaOne logins
}


def create_app(config: Mapping | None = None) -> Flask:
    app = Flask("mock_uniview")
    app.config.update(DEFAULTS)
    app.config.update(config or {})
    init_sim_app(app, Base.metadata, TABLES)
    app.extensions["sim_seed_tenant"] = lambda tenant, body: seed_tenant(db(), tenant, body)

    from sim_common.settings_sync import deliveries

    from . import group_sync, telemetry
    from .routes_facts import bp as facts_bp
    from .routes_groups import bp as groups_bp
    from .routes_login import bp as login_bp
    from .routes_scim import bp as scim_bp
    from .routes_settings import bp as settings_bp
    from .routes_settings import push_bp

    DELIVERIES = deliveries(TABLES.Outbox, TABLES.Tenant, telemetry.TELEMETRY.handlers)
    app.extensions["sim_deliveries"] = DELIVERIES
    app.extensions["sim_jobs"] = {
        "outbox": Job(DELIVERIES.job, DELIVERIES.due),
        "groups": Job(group_sync.job, group_sync.due),
        "telemetry": Job(telemetry.job, telemetry.due),
    }
    app.register_blueprint(login_bp)
    app.register_blueprint(settings_bp)
    app.register_blueprint(push_bp)
    app.register_blueprint(scim_bp)
    app.register_blueprint(groups_bp)
    app.register_blueprint(facts_bp)
    # KaseyaOne's calls, with the bearer token it holds for this UniView.
    header_authenticated(app, scim_bp.name, push_bp.name)

    @app.get("/")
    def home():
        return render_template("uv_index.html")

    @app.get("/api/openapi.yaml")
    def openapi():
        return openapi_document("mock_uniview", "openapi.yaml")

    return app
