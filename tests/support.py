"""What several test modules need: a UniView tenant's KaseyaOne integration as KaseyaOne would
have registered it, written straight into the store, so that no KaseyaOne is needed."""

from __future__ import annotations

from mock_uniview import integration
from mock_uniview.models import Tenant


def add_uniview_integration(
    app, tenant_id: str, *, scim_token: str = "tok", issuer: str = "http://hub", **settings
):
    """The integration of `tenant_id`, with its SCIM token; `settings` changed as a superuser
    would change them (the rules hold)."""
    registration = {
        "id": "inst",
        "tenant": "hub",
        "issuer": issuer,
        "client_id": "c",
        "client_secret": "s",
    }
    with app.app_context(), app.extensions["sim_store"].transaction() as session:
        added = integration.add_integration(
            session, session.get(Tenant, tenant_id), registration, scim_token
        )
        if settings:
            integration.change_settings(session, added, settings)
