"""Routes under `/t/<tenant>/`, a simulator's per-tenant pages and APIs: the tenant is read from
the URL once, before any view, and put where the journal and the fault check look for it
(`g.tenant`, `g.tenant_id`); `url_for` fills it in from the current request."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, g, has_request_context, url_for

from .db import db
from .errors import NotFound


def tenant_blueprint(name: str, import_name: str, missing: str) -> Blueprint:
    """A blueprint under `/t/<tenant>`; `missing` is what an unknown tenant is told (404)."""
    bp = Blueprint(name, import_name, url_prefix="/t/<tenant>")

    @bp.url_value_preprocessor
    def load_tenant(endpoint, values):
        tenant = db().get(current_app.extensions["sim_models"].Tenant, values.pop("tenant"))
        if tenant is None:
            raise NotFound(missing)
        g.tenant = tenant
        g.tenant_id = tenant.id

    @bp.url_defaults
    def add_tenant(endpoint, values):
        if "tenant" not in values and "tenant" in g:
            values["tenant"] = g.tenant.id

    return bp


def public_url_for(endpoint: str, **values) -> str:
    """An absolute URL for browsers and other systems (KaseyaOne's redirects and pushes): on the
    public URL when one is configured (also outside any request: a job the served scheduler
    runs), else on the address the request came in on."""
    base = current_app.config.get("PUBLIC_URL")
    if base and not has_request_context():
        parts = urlsplit(base)
        adapter = current_app.url_map.bind(
            parts.netloc, script_name=parts.path or "/", url_scheme=parts.scheme
        )
        return adapter.build(endpoint, values, force_external=True)
    if base:
        return base.rstrip("/") + url_for(endpoint, **values)
    return url_for(endpoint, _external=True, **values)
