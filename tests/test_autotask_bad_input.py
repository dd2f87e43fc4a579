"""Bad input to the simulated Autotask gets a clear 4xx — Autotask's `{"errors": [...]}` from the
REST API, `{"error", "message"}` from the own API, LiveMobile and the control plane, a readable
page for a person — never a 500, and never a half-applied change: JSON nested deep, wrong types,
numbers no column holds, NUL bytes, strings longer than their field."""

from __future__ import annotations

import pytest
from autotask_support import api_headers, make_app, post_form, seed, sign_in

REST = "/ATServicesRest/V1.0"
DEEP = "[" * 100_000
HUGE = 10**30
LONG = "x" * 10_000


@pytest.fixture
def app():
    app = make_app()
    app.seeded = seed(app.test_client())
    app.api = api_headers(app.seeded["api_user"])
    return app


@pytest.fixture
def admin(app):
    client = app.test_client()
    sign_in(client, "acme", "ada")
    return client


def clear_4xx(response, shape: str):
    assert 400 <= response.status_code < 500, (
        response.status_code,
        response.get_data(as_text=True)[:300],
    )
    if shape == "errors":
        body = response.get_json()
        assert list(body) == ["errors"] and isinstance(body["errors"][0], str), body
    elif shape == "json":
        assert set(response.get_json()) >= {"error", "message"}
    else:
        assert "<h1>" in response.get_data(as_text=True)


def resource(**fields):
    return {
        "userName": "new",
        "email": "new@acme.test",
        "firstName": "New",
        "lastName": "One",
        "securityLevel": "Team Member",
        **fields,
    }


REST_CASES = [
    ("post", "/Resources/query", {"data": DEEP, "content_type": "application/json"}),
    ("post", "/Resources/query", {"data": "{", "content_type": "application/json"}),
    ("post", "/Resources/query", {"json": [1, 2]}),
    (
        "post",
        "/Resources/query",
        {"json": {"filter": [{"op": "eq", "field": "id", "value": HUGE}]}},
    ),
    ("post", "/Resources/query", {"json": {"filter": [{"op": {"eq": 1}, "field": "id"}]}}),
    ("post", "/Resources/query", {"json": {"filter": [{"op": "eq", "field": ["id"], "value": 1}]}}),
    ("post", "/Resources/query", {"json": {"filter": [{"op": "eq", "field": LONG, "value": 1}]}}),
    (
        "post",
        "/Resources/query",
        {"json": {"filter": [{"op": "exist", "field": "id"}], "MaxRecords": HUGE}},
    ),
    (
        "post",
        "/Resources/query",
        {"json": {"filter": [{"op": "in", "field": "id", "value": list(range(501))}]}},
    ),
    ("post", "/Resources/query", {"json": {"filter": [{"op": "exist", "field": "id"}] * 501}}),
    ("get", "/Resources/query", {"query_string": {"search": DEEP}}),
    (
        "get",
        "/Resources/query",
        {
            "query_string": {
                "search": '{"filter": [{"op": "eq", "field": "email", "value": "\\u0000"}]}'
            }
        },
    ),
    ("post", "/Resources/query/count", {"json": {"filter": "all"}}),
    ("post", "/Resources/query/next", {"query_string": {"paging": DEEP}, "json": {}}),
    (
        "post",
        "/Resources/query/next",
        {
            "query_string": {"paging": '{"pageSize": 5, "previousIds": [], "nextIds": [1e400]}'},
            "json": {},
        },
    ),
    ("get", f"/Resources/{'9' * 5000}", {}),
    ("get", "/Resources/-1", {}),
    ("patch", "/Resources", {"json": {"id": HUGE, "firstName": "X"}}),
    ("patch", "/Resources", {"json": {"id": "1" * 5000, "firstName": "X"}}),
    ("patch", "/Resources", {"json": [{"id": 1}]}),
    ("patch", "/Resources", {"data": DEEP, "content_type": "application/json"}),
    (
        "post",
        "/Resources/query",
        {"json": {"filter": [{"op": "eq", "field": "email", "value": "\ud800"}]}},
    ),
    ("get", "/ZoneInformation", {"query_string": {"user": "a\x00b"}}),
    ("get", "/ZoneInformation", {"query_string": {"user": LONG}}),
]


@pytest.mark.parametrize("method, path, kwargs", REST_CASES)
def test_the_rest_api_refuses_bad_input_clearly(app, method, path, kwargs):
    response = getattr(app.test_client(), method)(REST + path, headers=app.api, **kwargs)
    clear_4xx(response, "errors")


@pytest.mark.parametrize(
    "changes",
    [
        {"firstName": "A" * 51},
        {"firstName": "A\x00"},
        {"email": "not-an-email"},
        {"email": ["a@b.test"]},
        {"title": 5},
        {"isActive": "false"},
    ],
)
def test_a_bad_rest_patch_changes_nothing(app, changes):
    client = app.test_client()
    ada = next(r["id"] for r in app.seeded["resources"] if r["userName"] == "ada")
    before = client.get(f"{REST}/Resources/{ada}", headers=app.api).get_json()
    clear_4xx(
        client.patch(f"{REST}/Resources", headers=app.api, json={"id": ada, **changes}), "errors"
    )
    assert client.get(f"{REST}/Resources/{ada}", headers=app.api).get_json() == before


OWN_API_CASES = [
    ("post", "/api/resources", {"data": DEEP, "content_type": "application/json"}),
    ("post", "/api/resources", {"json": ["ada"]}),
    ("post", "/api/resources", {"json": resource(userName="has space")}),
    ("post", "/api/resources", {"json": resource(userName="a\x00b")}),
    ("post", "/api/resources", {"json": resource(firstName="F" * 51)}),
    ("post", "/api/resources", {"json": resource(email="e" * 250 + "@a.test")}),
    ("post", "/api/resources", {"json": resource(password="p" * 129)}),
    ("post", "/api/resources", {"json": resource(password=5)}),
    ("post", "/api/resources", {"json": resource(securityLevel=HUGE)}),
    ("post", "/api/resources", {"json": resource(securityLevel=1.5)}),
    ("post", "/api/resources", {"json": resource(securityLevel="No Such Level")}),
    ("post", "/api/resources", {"json": resource(securityLevel=None)}),
    ("post", "/api/resources", {"json": resource(department=["Support"])}),
    ("post", "/api/resources", {"json": resource(isActive="yes")}),
    ("post", "/api/resources", {"json": resource(timesheetApprover=HUGE)}),
    ("post", "/api/resources", {"json": resource(salary=100)}),
    ("get", f"/api/resources/{'9' * 5000}", {}),
    ("get", f"/api/resources/{LONG}", {}),
    ("patch", "/api/resources/ada", {"json": {"userName": "renamed"}}),
    ("patch", "/api/resources/ada", {"json": {"securityLevel": {"id": 1}}}),
    ("post", "/api/departments", {"json": {"name": "D" * 101}}),
    ("post", "/api/departments", {"json": {"name": "a\x00"}}),
    ("post", "/api/departments", {"json": {"name": "\udfff"}}),
    ("post", "/api/resources", {"json": resource(lastName="Sm\ud800th")}),
    ("post", "/api/departments", {"json": {"name": ""}}),
    ("post", "/api/roles", {"json": {"name": "R", "description": 5}}),
    ("post", "/api/security-levels", {"json": {"name": "L", "admin": "yes"}}),
    ("post", "/api/security-levels", {"json": {"name": "L", "licenseType": "Emperor"}}),
]


@pytest.mark.parametrize("method, path, kwargs", OWN_API_CASES)
def test_the_own_api_refuses_bad_input_clearly(admin, method, path, kwargs):
    clear_4xx(getattr(admin, method)("/t/acme" + path, **kwargs), "json")
    listed = admin.get("/t/acme/api/resources").get_json()["resources"]
    assert [r["userName"] for r in listed] == ["ada", "bob", "cy", "dee"], "nothing half-made"


@pytest.mark.parametrize(
    "kwargs",
    [
        {"data": DEEP, "content_type": "application/json"},
        {"json": ["dee", "pw"]},
        {"json": {"username": LONG, "password": LONG}},
        {"json": {"username": "dee\x00", "password": "pw"}},
        {"json": {"username": "dee\ud800", "password": "pw\ud800"}},
        {"json": {"username": "dee", "password": {"$ne": ""}}},
    ],
)
def test_livemobile_refuses_bad_input_clearly(app, kwargs):
    clear_4xx(app.test_client().post("/t/acme/livemobile/login", **kwargs), "json")


@pytest.mark.parametrize(
    "method, path, allowed",
    [("TRACE", "login", "OPTIONS, POST"), ("PUT", "me", "GET, HEAD, OPTIONS")],
)
def test_livemobile_answers_a_method_it_does_not_serve_in_json(app, method, path, allowed):
    """LiveMobile is an app: a method no route serves is a JSON refusal, not a page."""
    response = app.test_client().open(f"/t/acme/livemobile/{path}", method=method)
    assert response.status_code == 405 and response.headers["Allow"] == allowed
    clear_4xx(response, "json")


@pytest.mark.parametrize(
    "form",
    [{"username": LONG, "password": LONG}, {"username": "ada\x00", "password": "pw"}, {}],
)
def test_the_login_page_refuses_bad_input_readably(app, form):
    clear_4xx(post_form(app.test_client(), "/t/acme/login", form), "page")


@pytest.mark.parametrize(
    "form",
    [
        {"action": "add", "userName": "x"},
        {"action": "inactivate", "resource": "9" * 5000},
        {"action": "explode"},
    ],
)
def test_the_resources_page_refuses_bad_input_readably(admin, form):
    clear_4xx(post_form(admin, "/t/acme/admin/resources", form), "page")


@pytest.mark.parametrize(
    "seed_body",
    [
        {"data": DEEP, "content_type": "application/json"},
        {"json": {"resources": "ada"}},
        {"json": {"resources": ["ada"]}},
        {"json": {"resources": [resource(firstName=None)]}},
        {"json": {"departments": [{"name": "D", "budget": 1}]}},
        {"json": {"security_levels": ["Dispatcher"]}},
        {"json": {"api_user": "api@x.test"}},
        {"json": {"api_user": {"userName": "api@acme.test"}}},  # taken by acme's API user
        {"json": {"users": []}},
        {"json": {"resources": [resource(), resource()]}},
        {"json": {"resources": [resource(timesheetApprover="nobody")]}},
    ],
)
def test_a_bad_seed_is_refused_and_creates_no_tenant(app, seed_body):
    client = app.test_client()
    body = seed_body.get("json")
    kwargs = {**seed_body, "json": {"id": "other", **body}} if body is not None else seed_body
    clear_4xx(client.post("/_sim/tenants", **kwargs), "json")
    assert client.get("/_sim/tenants/other/clock").status_code == 404
