"""Settings > Groups and Organizations in UniView, as its API and pages answer them: who may,
what bad input gets, the view-only refusal, and tenant isolation (UV-GRP-2, -3, -6, -7)."""

from __future__ import annotations

import pytest
from support import add_uniview_integration, post_form

import mock_uniview
from mock_uniview.models import Tenant
from sim_common.passwords import FAST

USERS = [
    {"username": "su@acme.example", "password": "pw", "role": "superuser"},
    {"username": "mo@acme.example", "password": "pw", "role": "monitor", "groups": ["Ops"]},
]


@pytest.fixture
def app(tmp_path):
    app = mock_uniview.create_app(
        {"PASSWORD_HASH_METHOD": FAST, "DATABASE_URL": f"sqlite:///{tmp_path / 'uv.sqlite3'}"}
    )
    for tenant in ("acme", "other"):
        created = app.test_client().post(
            "/_sim/tenants",
            json={
                "id": tenant,
                "name": tenant.title(),
                "users": [{**u, "username": u["username"].replace("acme", tenant)} for u in USERS],
                "groups": ["Ops", "Sales"],
                "organizations": [
                    {"name": "Contoso", "groups": ["Ops"], "appliances": ["contoso-1"]},
                    {"name": "Fabrikam", "appliances": ["fabrikam-1"]},
                ],
            },
        )
        assert created.status_code == 201, created.get_json()
    return app


def signed_in(app, username, tenant="acme"):
    client = app.test_client()
    answer = post_form(client, f"/t/{tenant}/login", {"username": username, "password": "pw"})
    assert answer.status_code == 302
    return client


@pytest.fixture
def su(app):
    return signed_in(app, "su@acme.example")


def group_id(client, name, tenant="acme"):
    return next(
        g["id"]
        for g in client.get(f"/t/{tenant}/api/groups").get_json()["groups"]
        if g["name"] == name
    )


def turn_access_groups_on(app):
    add_uniview_integration(app, "acme", access_groups=True)


def test_a_user_sees_exactly_their_groups_organizations(app):
    monitor = signed_in(app, "mo@acme.example")
    seen = monitor.get("/t/acme/api/my/organizations").get_json()
    assert [o["name"] for o in seen["organizations"]] == ["Contoso"]
    assert seen["organizations"][0]["appliances"] == ["contoso-1"]
    page = monitor.get("/t/acme/organizations").get_data(as_text=True)
    assert "contoso-1" in page and "fabrikam-1" not in page


def test_only_a_superuser_sees_and_changes_groups_and_organizations(app):
    monitor = signed_in(app, "mo@acme.example")
    for method, path in [
        ("GET", "/t/acme/api/groups"),
        ("POST", "/t/acme/api/groups"),
        ("GET", "/t/acme/api/organizations"),
        ("GET", "/t/acme/settings/groups"),
    ]:
        answer = monitor.open(path, method=method, json={"name": "X"})
        assert answer.status_code == 403, (method, path)
    assert app.test_client().get("/t/acme/api/my/organizations").status_code == 401


def test_groups_are_editable_while_access_groups_is_off(su):
    added = su.post("/t/acme/api/groups", json={"name": "Weekend"})
    assert added.status_code == 201 and added.get_json()["source"] == "uniview"
    renamed = su.patch(f"/t/acme/api/groups/{added.get_json()['id']}", json={"name": "Weekends"})
    assert renamed.get_json()["name"] == "Weekends"
    assert su.delete(f"/t/acme/api/groups/{added.get_json()['id']}").status_code == 204
    names = [g["name"] for g in su.get("/t/acme/api/groups").get_json()["groups"]]
    assert names == ["Ops", "Sales"]
    ops = su.patch(f"/t/acme/api/groups/{group_id(su, 'Ops')}", json={"name": "Operations"})
    assert ops.get_json() | {"id": None} == {
        "id": None,
        "name": "Operations",
        "source": "uniview",
        "kaseyaone_id": None,
        "organizations": ["Contoso"],
        "members": 1,
    }


def test_while_access_groups_is_on_the_groups_page_is_view_only(app, su):
    turn_access_groups_on(app)
    ops = group_id(su, "Ops")
    for answer in (
        su.post("/t/acme/api/groups", json={"name": "Weekend"}),
        su.patch(f"/t/acme/api/groups/{ops}", json={"name": "Ops 2"}),
        su.delete(f"/t/acme/api/groups/{ops}"),
    ):
        assert answer.status_code == 409
        assert answer.get_json()["error"] == "groups_managed_by_kaseyaone"
    page = post_form(su, "/t/acme/settings/groups", {"action": "add_group", "name": "Weekend"})
    assert page.status_code == 409 and b"view-only" in page.data
    assert [g["name"] for g in su.get("/t/acme/api/groups").get_json()["groups"]] == [
        "Ops",
        "Sales",
    ]
    # Mapping groups to organizations is still the superuser's job (UV-GRP-2).
    fabrikam = next(
        o["id"]
        for o in su.get("/t/acme/api/organizations").get_json()["organizations"]
        if o["name"] == "Fabrikam"
    )
    mapped = su.patch(f"/t/acme/api/organizations/{fabrikam}", json={"groups": [ops]})
    assert [g["name"] for g in mapped.get_json()["groups"]] == ["Ops"]


def test_the_pages_add_rename_and_map(su):
    assert (
        post_form(
            su, "/t/acme/settings/groups", {"action": "add_group", "name": "Nights"}
        ).status_code
        == 302
    )
    nights = group_id(su, "Nights")
    post_form(
        su,
        "/t/acme/settings/groups",
        {"action": "add_organization", "name": "Northwind", "groups": [nights]},
    )
    listing = {g["name"]: g for g in su.get("/t/acme/api/groups").get_json()["groups"]}
    assert listing["Nights"]["organizations"] == ["Northwind"]
    page = su.get("/t/acme/settings/groups").get_data(as_text=True)
    assert "Northwind" in page and 'id="add-group"' in page


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("POST", "groups", {"name": ""}, 400),
        ("POST", "groups", {"name": 5}, 400),
        ("POST", "groups", {"name": "Ops"}, 409),  # a hand-added group of that name exists
        ("POST", "groups", {"name": "x" * 201}, 400),
        ("PATCH", "groups/nope", {"name": "X"}, 404),
        ("DELETE", "groups/nope", None, 404),
        ("POST", "organizations", {"name": "Contoso"}, 409),
        ("POST", "organizations", {"name": "N", "groups": "Ops"}, 400),
        ("POST", "organizations", {"name": "N", "groups": ["nope"]}, 404),
        ("POST", "organizations", {"name": "N", "appliances": "a"}, 400),
        ("POST", "organizations", {"name": "N", "appliances": [1]}, 400),
        ("PATCH", "organizations/nope", {"name": "X"}, 404),
        ("PUT", "users/mo@acme.example/groups", {"groups": "Ops"}, 400),
        ("PUT", "users/mo@acme.example/groups", {"groups": ["nope"]}, 404),
        ("PUT", "users/nobody@acme.example/groups", {"groups": []}, 404),
    ],
)
def test_bad_input_gets_a_clear_error(su, method, path, body, status):
    answer = su.open(f"/t/acme/api/{path}", method=method, json=body)
    assert answer.status_code == status, answer.get_json()
    assert answer.get_json()["error"] and answer.get_json()["message"]


def test_an_organization_change_with_an_unknown_field_changes_nothing(su):
    contoso = su.get("/t/acme/api/organizations").get_json()["organizations"][0]
    answer = su.patch(
        f"/t/acme/api/organizations/{contoso['id']}", json={"name": "Renamed", "owner": "x"}
    )
    assert answer.status_code == 400
    assert su.get("/t/acme/api/organizations").get_json()["organizations"][0]["name"] == "Contoso"


def test_another_tenants_groups_cannot_be_used(app, su):
    theirs = group_id(signed_in(app, "su@other.example", "other"), "Ops", "other")
    assert su.patch(f"/t/acme/api/groups/{theirs}", json={"name": "Mine"}).status_code == 404
    answer = su.put("/t/acme/api/users/mo@acme.example/groups", json={"groups": [theirs]})
    assert answer.status_code == 404


def test_a_superuser_gives_groups_by_hand_but_not_imported_ones_while_on(app, su):
    sales = group_id(su, "Sales")
    given = su.put("/t/acme/api/users/mo@acme.example/groups", json={"groups": [sales]})
    assert [g["name"] for g in given.get_json()["groups"]] == ["Sales"]
    turn_access_groups_on(app)
    from mock_uniview import groups as domain

    with app.test_request_context(), app.extensions["sim_store"].transaction() as session:
        domain.apply_sync(session, session.get(Tenant, "acme"), {"k1": "Support"}, set())
    support = group_id(su, "Support")
    refused = su.put("/t/acme/api/users/mo@acme.example/groups", json={"groups": [sales, support]})
    assert refused.status_code == 409
    kept = su.put("/t/acme/api/users/mo@acme.example/groups", json={"groups": []})
    assert kept.status_code == 200 and kept.get_json()["groups"] == []
