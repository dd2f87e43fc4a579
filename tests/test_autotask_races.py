"""The simulated Autotask served over real HTTP (a threaded server on an SQLite file, and on
PostgreSQL when K1_TEST_POSTGRES_URL names a server): twelve identical creations at the same
moment make one, each other gets the 409 a duplicate gets; and the REST API's queries, paging
and refusals behave alike on both databases."""

from __future__ import annotations

import secrets

import pytest
import requests
from autotask_support import api_headers, form_token
from support import DATABASES, fresh_databases
from test_races import AT_ONCE, at_once, one_done_the_rest_refused

import mock_autotask
from k1harness.embedded import serve
from sim_common.passwords import FAST


@pytest.fixture(scope="module", params=DATABASES)
def served(request, tmp_path_factory):
    folder = tmp_path_factory.mktemp("autotask-races")
    with fresh_databases(request.param, ["autotask"], folder) as databases:
        server = serve(
            "autotask",
            lambda url: mock_autotask.create_app(
                {
                    "PASSWORD_HASH_METHOD": FAST,
                    "DATABASE_URL": databases["autotask"],
                    "PUBLIC_URL": url,
                }
            ),
        )
        yield server.url
        server.stop()
        server.server.app.extensions["sim_store"].engine.dispose()


@pytest.fixture
def acme(served):
    """A fresh tenant: its API user's headers, and its System Administrator signed in."""
    tenant = f"acme-{secrets.token_hex(4)}"
    admin = {
        "userName": "ada",
        "email": f"ada@{tenant}.test",
        "firstName": "Ada",
        "lastName": "Lovelace",
        "password": "pw",
        "securityLevel": "System Administrator",
    }
    created = requests.post(
        f"{served}/_sim/tenants",
        json={"id": tenant, "api_user": {"userName": f"api@{tenant}.test"}, "resources": [admin]},
    )
    assert created.status_code == 201, created.text
    browser = requests.Session()
    page = f"{served}/t/{tenant}/login"
    form = {"username": "ada", "password": "pw", **form_token(browser.get(page).text)}
    assert browser.post(page, data=form, allow_redirects=False).status_code == 302
    browser.api = f"{served}/t/{tenant}/api"
    browser.rest = f"{served}/ATServicesRest/V1.0"
    browser.headers_for_rest = api_headers(created.json()["api_user"])
    return browser


@pytest.mark.parametrize(
    "path, body",
    [
        ("departments", {"name": "Support"}),
        ("roles", {"name": "Technician"}),
        ("security-levels", {"name": "Dispatcher"}),
        (
            "resources",
            {
                "userName": "bob",
                "email": "bob@acme.test",
                "firstName": "Bob",
                "lastName": "Builder",
                "securityLevel": "Team Member",
            },
        ),
    ],
)
def test_one_of_twelve_identical_creations_is_made(acme, path, body):
    answers = at_once(lambda: acme.post(f"{acme.api}/{path}", json=body))
    one_done_the_rest_refused(answers, 201, "name_taken")
    listing = acme.get(f"{acme.api}/{path}").json()[path.replace("-", "_")]
    key = "userName" if path == "resources" else "name"
    assert sum(1 for row in listing if row[key] == body[key]) == 1


def test_rest_queries_and_refusals_are_alike_on_each_database(acme):
    for n in range(AT_ONCE):
        acme.post(
            f"{acme.api}/resources",
            json={
                "userName": f"user{n:02}",
                "email": f"user{n:02}@acme.test",
                "firstName": "User",
                "lastName": f"100%_{n:02}",
                "securityLevel": "Team Member",
            },
        )
    query = {
        "filter": [{"op": "contains", "field": "lastName", "value": "%_0"}],
        "MaxRecords": 5,
    }
    page = requests.post(
        f"{acme.rest}/Resources/query", headers=acme.headers_for_rest, json=query
    ).json()
    names = [item["userName"] for item in page["items"]]
    while page["pageDetails"]["nextPageUrl"]:
        page = requests.post(
            page["pageDetails"]["nextPageUrl"], headers=acme.headers_for_rest, json=query
        ).json()
        names += [item["userName"] for item in page["items"]]
    assert names == [f"user{n:02}" for n in range(10)]
    too_big = {"filter": [{"op": "eq", "field": "id", "value": 2**31}]}
    refused = requests.post(
        f"{acme.rest}/Resources/query", headers=acme.headers_for_rest, json=too_big
    )
    assert refused.status_code == 400 and list(refused.json()) == ["errors"]
