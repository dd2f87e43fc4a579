"""A simulated Autotask (Datto's PSA), as far as its KaseyaOne integration needs it
(autotask-kaseyaone-integration.txt): resources (Autotask's users) with their security levels,
departments, roles and approvers; the login page and LiveMobile's sign-in; Admin > Resources; an
Autotask-shaped REST API for what the real one has (`rest`), and the simulator's own JSON API for
what it lacks. The KaseyaOne integration (Log In with KaseyaOne, Admin > Extensions &
Integrations > Kaseya Integrations > KaseyaOne, provisioning) is to come as its own module; the
places it will decide are marked in `sign_in`."""

from __future__ import annotations

from collections.abc import Mapping

from flask import Flask, render_template

from sim_common.db import db
from sim_common.pages import header_authenticated
from sim_common.passwords import STRONG
from sim_common.web import SimModels, init_sim_app

from .models import (
    Base,
    Fault,
    JournalEntry,
    Lease,
    LoginFailure,
    LoginThrottle,
    Outbox,
    Secret,
    Tenant,
)
from .resources import seed_tenant

DEFAULTS = {
    "DATABASE_URL": "sqlite://",
    "PUBLIC_URL": None,  # what browsers and API clients use; default: the request's URL
    "SIM_CONTROL_TOKEN": None,
    "PASSWORD_HASH_METHOD": STRONG,
    "LOGIN_THROTTLE": None,  # failed passwords (sim_common.throttle): off embedded, on when served
    "SESSION_LIFETIME": 8 * 3600,
    "SESSION_COOKIE_NAME": "at_flow",  # Flask's signed cookie, unused until the integration
    "ZONE_NAME": "Simulated",  # what ZoneInformation calls this simulator's zone
}


def create_app(config: Mapping | None = None) -> Flask:
    app = Flask("mock_autotask")
    app.config.update(DEFAULTS)
    app.config.update(config or {})
    models = SimModels(
        Tenant,
        JournalEntry,
        Secret,
        Fault,
        Outbox,
        Lease=Lease,
        LoginThrottle=LoginThrottle,
        LoginFailure=LoginFailure,
    )
    init_sim_app(app, Base.metadata, models)
    app.extensions["sim_seed_tenant"] = lambda tenant, body: seed_tenant(db(), tenant, body)

    from . import rest
    from .routes_admin import bp as admin_bp
    from .routes_login import bp as login_bp
    from .routes_login import livemobile as livemobile_bp

    rest.install(app)
    app.register_blueprint(login_bp)
    app.register_blueprint(livemobile_bp)
    app.register_blueprint(admin_bp)
    # Callers that send no cookie need no CSRF token: the REST API's (its headers name the API
    # user) and LiveMobile's (credentials in the body, then a bearer token).
    header_authenticated(app, rest.bp.name, livemobile_bp.name)

    @app.get("/")
    def home():
        return render_template("at_index.html")

    return app
