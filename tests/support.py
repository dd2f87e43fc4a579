"""What several test modules need: a UniView tenant's KaseyaOne integration as KaseyaOne would
have registered it, written straight into the store, so that no KaseyaOne is needed; forms
submitted as a browser submits them; fresh databases of each kind the simulators are checked on."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

import mock_uniview
from k1harness.served import create_databases, drop_databases
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


# The store the simulators keep their state in: an SQLite file always, and PostgreSQL when a
# server is given (CI gives one; `.ci/with-postgres` starts one).
POSTGRES_URL = os.environ.get("K1_TEST_POSTGRES_URL")
DATABASES = [
    "sqlite",
    pytest.param(
        "postgresql",
        marks=pytest.mark.skipif(
            not POSTGRES_URL,
            reason="K1_TEST_POSTGRES_URL names no PostgreSQL server (.ci/run gives one)",
        ),
    ),
]


@contextmanager
def fresh_databases(kind: str, names, folder) -> Iterator[dict[str, str]]:
    """An empty database for each name, as SQLAlchemy URLs: SQLite files in `folder`, or
    databases on the PostgreSQL server of K1_TEST_POSTGRES_URL, dropped afterwards."""
    if kind == "sqlite":
        yield {name: f"sqlite:///{folder / (name + '.sqlite3')}" for name in names}
        return
    urls = create_databases(POSTGRES_URL, names)
    try:
        yield urls
    finally:
        drop_databases(POSTGRES_URL, urls.values())


# SCIM requests to a module's service provider, as KaseyaOne makes them.

SCIM_MEDIA_TYPE = "application/scim+json"


def scim_call(client, method, url, body=None, *, authorization=None, query=None, headers=None):
    """One SCIM request (`body`: bytes, or JSON data); every answer, whatever its status, must
    be application/scim+json."""
    import json

    headers = dict(headers or {})
    if authorization:
        headers["Authorization"] = authorization
    data = body if isinstance(body, bytes) or body is None else json.dumps(body)
    response = client.open(
        url,
        method=method,
        headers=headers,
        data=data,
        content_type=SCIM_MEDIA_TYPE if data is not None else None,
        query_string=query,
    )
    assert response.mimetype == SCIM_MEDIA_TYPE, (method, url, response.status, response.data)
    return response


def read_scim_user(response, scim_ctx=None):
    from scim2_models import Context, User

    return User.model_validate(
        response.get_json(), scim_ctx=scim_ctx or Context.RESOURCE_QUERY_RESPONSE
    )


def read_scim_error(response):
    from scim2_models import Error

    return Error.model_validate(response.get_json())
