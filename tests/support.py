"""What several test modules need: a UniView tenant's KaseyaOne integration as KaseyaOne would
have registered it, written straight into the store, so that no KaseyaOne is needed; forms
submitted as a browser submits them; fresh databases of each kind the simulators are checked on;
SCIM requests, bodies and answers, and scim2-tester's battery, for the SCIM service providers'
tests."""

from __future__ import annotations

import os
import re
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
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


def scim_call(
    client, method, url, body=None, *, authorization=None, query=None, headers=None, auth=None
):
    """One SCIM request (`body`: bytes, or JSON data; `auth`: HTTP Basic credentials); every
    answer, whatever its status, must be application/scim+json."""
    import json

    headers = dict(headers or {})
    if authorization:
        headers["Authorization"] = authorization
    data = body if isinstance(body, bytes) or body is None else json.dumps(body)
    response = client.open(
        url,
        method=method,
        headers=headers,
        auth=auth,
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


def read_scim_users(response, scim_ctx=None):
    from scim2_models import Context, ListResponse, User

    return ListResponse[User].model_validate(
        response.get_json(), scim_ctx=scim_ctx or Context.RESOURCE_QUERY_RESPONSE
    )


def scim_user_creation(user_name, **attributes) -> dict:
    """A POST /Users body, as scim2-models writes one."""
    from scim2_models import Context, User

    return User(user_name=user_name, **attributes).model_dump(
        scim_ctx=Context.RESOURCE_CREATION_REQUEST
    )


def scim_user_patch(*operations: tuple) -> dict:
    """A PATCH body of operations given as (op, path, value); path None for a path-less
    operation."""
    from scim2_models import Context, PatchOp, PatchOperation, User

    built = [
        PatchOperation[User](op=op, path=path, value=value)
        if op != "remove"
        else PatchOperation[User](op=op, path=path)
        for op, path, value in operations
    ]
    return PatchOp[User](operations=built).model_dump(scim_ctx=Context.RESOURCE_PATCH_REQUEST)


def find_scim_users(call, client, filter_: str):
    """The users `GET /Users?filter=...` answers, asked with a test module's `call(client,
    method, path, query=...)`."""
    from scim2_models import Context, SearchRequest, User

    query = SearchRequest[User](filter=filter_).model_dump(
        scim_ctx=Context.SEARCH_REQUEST, exclude={"schemas"}
    )
    response = call(client, "GET", "/Users", query=query)
    assert response.status_code == 200, response.get_json()
    return read_scim_users(response)


# scim2-tester (its whole battery of checks, over real HTTP) against a module's service provider.

# Seconds its client waits for an answer (httpx waits 5 unless told): the service provider runs
# in the test's own process, whose full garbage collection, late in a run on a loaded machine,
# stops every thread for seconds (up to 3 s seen with -n 2 on a busy 2-core machine).
SCIM_TESTER_TIMEOUT = 30


def scim2_tester_results(base_url: str, token: str) -> list:
    import httpx2
    from scim2_client.engines.httpx2 import SyncSCIMClient
    from scim2_tester import check_server

    with httpx2.Client(
        base_url=base_url,
        headers={"Authorization": f"Bearer {token}"},
        timeout=SCIM_TESTER_TIMEOUT,
    ) as http:
        return check_server(SyncSCIMClient(http))


def assert_scim2_tester_passed(results, documented_exceptions: dict) -> tuple[Counter, str]:
    """Every check succeeded but those `documented_exceptions` excuses, by (check title,
    status), each of which still occurs. Answers the count of each status, and a summary."""
    from scim2_tester import Status

    counts = Counter(result.status.name for result in results)
    summary = ", ".join(f"{status}: {count}" for status, count in sorted(counts.items()))
    unexcused = [
        f"{r.status.name} {r.title} ({r.resource_type or '-'}): {r.reason}"
        for r in results
        if r.status != Status.SUCCESS and (r.title, r.status) not in documented_exceptions
    ]
    assert not unexcused, f"{summary}\n" + "\n".join(unexcused)
    seen = {(r.title, r.status) for r in results}
    stale = [key for key in documented_exceptions if key not in seen]
    assert not stale, f"{summary}\ndocumented exceptions that no longer occur: {stale}"
    return counts, summary


def teach_scim2_tester(monkeypatch, rule: Callable) -> None:
    """scim2-tester fills every writable attribute with random values; `rule(path, value)` says
    what it sends instead where a module takes only some values (or `value` itself)."""
    import scim2_tester.filling
    from scim2_tester.checkers import patch_add, patch_replace

    generate = scim2_tester.filling.generate_random_value

    def generate_taught(context, path, *args, **kwargs):
        value = generate(context, path, *args, **kwargs)
        return value if value is None else rule(path, value)

    for module in (scim2_tester.filling, patch_add, patch_replace):
        monkeypatch.setattr(module, "generate_random_value", generate_taught)


def email_user_name(path, value):
    """A module whose userName is an email address (which no SCIM schema can say) is sent one
    where scim2-tester would send a random UUID."""
    if str(path).rsplit(":", 1)[-1] == "userName":
        return f"{uuid.uuid4().hex}@scim-tester.example"
    return value
