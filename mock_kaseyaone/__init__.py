"""A simulated KaseyaOne: the hub that signs users in to Kaseya's modules (a real OpenID Connect
provider with its own session), with users, master users, groups, module instances and module
access, a home page with the tiles of a user's modules, and serves its groups and users to
modules as a read-only SCIM service provider."""

from __future__ import annotations

from collections.abc import Mapping

from flask import Flask

from sim_common.db import db
from sim_common.pages import header_authenticated
from sim_common.passwords import STRONG
from sim_common.scheduler import Job
from sim_common.web import init_sim_app, openapi_document

from .domain import seed_tenant
from .models import TABLES, Base

DEFAULTS = {
    "DATABASE_URL": "sqlite://",
    "PUBLIC_URL": None,  # the issuer; by default, the URL the request came in on
    "SIM_CONTROL_TOKEN": None,  # None: the control plane is open (the embedded default)
    "PASSWORD_HASH_METHOD": STRONG,
    "LOGIN_THROTTLE": None,  # failed passwords (sim_common.throttle): off embedded, on when served
    "AUTHORIZATION_CODE_LIFETIME": 60,
    "ACCESS_TOKEN_LIFETIME": 3600,
    "ID_TOKEN_LIFETIME": 3600,
    "REFRESH_TOKEN_LIFETIME": 30 * 86400,
    # KaseyaOne's own session (its pages, Admin Settings, answering authorization requests).
    "HUB_SESSION_LIFETIME": 8 * 3600,
    "PUSH_TIMEOUT": 10.0,  # seconds KaseyaOne waits for a module to take a pushed change
}


def create_app(config: Mapping | None = None) -> Flask:
    app = Flask("mock_kaseyaone")
    app.config.update(DEFAULTS)
    app.config.update(config or {})
    init_sim_app(app, Base.metadata, TABLES)
    app.extensions["sim_seed_tenant"] = lambda tenant, body: seed_tenant(db(), tenant, body)

    from . import insights, routes_cooper
    from .lifecycle import DELIVERIES
    from .oidc import init_oidc
    from .routes_admin_pages import bp as admin_pages_bp
    from .routes_api import bp as api_bp
    from .routes_control import bp as control_bp
    from .routes_module import bp as module_bp
    from .routes_oidc import bp as oidc_bp
    from .routes_portal import bp as portal_bp
    from .routes_scim import bp as scim_bp

    app.extensions["sim_deliveries"] = DELIVERIES
    app.extensions["sim_jobs"] = {
        "outbox": Job(DELIVERIES.job, DELIVERIES.due),
        "insights": Job(insights.job, insights.due),
    }
    init_oidc(app)
    app.register_blueprint(oidc_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(module_bp)
    app.register_blueprint(admin_pages_bp)
    app.register_blueprint(scim_bp)
    app.register_blueprint(portal_bp)
    app.register_blueprint(control_bp)
    for cooper_bp in routes_cooper.blueprints():
        app.register_blueprint(cooper_bp)
    # Callers authenticate with HTTP Basic (master users, OAuth clients) or a bearer token.
    header_authenticated(
        app,
        api_bp.name,
        module_bp.name,
        scim_bp.name,
        control_bp.name,
        "oidc.issue_token",
        "oidc.revoke_token",
        "oidc.userinfo",
        "portal.launcher",
    )
    header_authenticated(app, *routes_cooper.HEADER_AUTHENTICATED)

    @app.get("/api/v1/openapi.yaml")
    def openapi():
        return openapi_document("mock_kaseyaone", "openapi.yaml")

    return app
