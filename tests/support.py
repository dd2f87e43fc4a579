"""What several test modules need: a UniView tenant's KaseyaOne integration as KaseyaOne would
have registered it, written straight into the store, so that no KaseyaOne is needed; and forms
submitted as a browser submits them."""

from __future__ import annotations

import re

import mock_uniview
from mock_uniview import integration
from mock_uniview.models import Tenant
from sim_common.passwords import FAST


def uniview_app(**config):
    """A UniView with the tenant `acme`: a superuser and a monitor, both with the password pw."""
    app = mock_uniview.create_app({"PASSWORD_HASH_METHOD": FAST, **config})
    app.test_client().post(
        "/_sim/tenants",
        json={
            "id": "acme",
            "users": [
                {"username": "su@acme.test", "password": "pw", "role": "superuser"},
                {"username": "mo@acme.test", "password": "pw", "role": "monitor"},
            ],
        },
    )
    return app


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


def csrf_token(client, page: str) -> str:
    """The CSRF token a browser would send with a form shown on `page`: its hidden field."""
    html = client.get(page).get_data(as_text=True)
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, f"{page} shows no form with a CSRF token"
    return match.group(1)


def post_form(client, page: str, data: dict, action: str | None = None, **kwargs):
    """Submit a form shown on `page` as a browser would, with the page's CSRF token: to
    `action`, or back to the page."""
    token = csrf_token(client, page)
    return client.post(action or page, data={**data, "csrf_token": token}, **kwargs)
