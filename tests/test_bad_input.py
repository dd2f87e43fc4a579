"""Bad input gets a clear refusal — `{"error", "message"}` or a readable page — never a 500 and
never a half-applied change. Each case here once answered 500."""

import pytest
from support import add_uniview_integration, post_form

import mock_kaseyaone
import mock_uniview
from sim_common.passwords import FAST


@pytest.fixture
def hub():
    client = mock_kaseyaone.create_app({"PASSWORD_HASH_METHOD": FAST}).test_client()
    tenant = client.post(
        "/_sim/tenants",
        json={
            "name": "Acme",
            "users": [{"email": "m@acme.test", "name": "M", "password": "pw", "master": True}],
        },
    ).get_json()
    instance = client.post(
        "/api/v1/module-instances",
        auth=("m@acme.test", "pw"),
        json={"module": "uniview", "redirect_uris": ["http://uv.test/cb"]},
    ).get_json()
    return client, tenant["tenant"]["id"], instance


@pytest.fixture
def uniview():
    app = mock_uniview.create_app({"PASSWORD_HASH_METHOD": FAST})
    client = app.test_client()
    tenant = client.post(
        "/_sim/tenants",
        json={
            "name": "Acme",
            "users": [
                {"username": "su@acme.test", "password": "pw", "role": "superuser"},
                {"username": "ann@acme.test", "password": "pw", "role": "monitor"},
            ],
        },
    ).get_json()
    tenant_id = tenant["tenant"]["id"]
    post_form(client, f"/t/{tenant_id}/login", {"username": "su@acme.test", "password": "pw"})
    add_uniview_integration(app, tenant_id, scim_token="T0KEN")
    return client, tenant_id


def refused(response, status=400):
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True))
    body = response.get_json()
    assert set(body) >= {"error", "message"}, body
    return body


@pytest.mark.parametrize("seconds", [float("inf"), float("nan"), 1e300, 3e11])
def test_the_clock_refuses_absurd_jumps(hub, seconds):
    client, tenant, _ = hub
    response = client.post(
        f"/_sim/tenants/{tenant}/clock/advance",
        data=f'{{"seconds": {seconds!r}}}'.replace("inf", "Infinity").replace("nan", "NaN"),
        content_type="application/json",
    )
    refused(response)


def test_a_tenant_name_must_be_a_string(hub):
    refused(hub[0].post("/_sim/tenants", json={"name": 5}))


@pytest.mark.parametrize(
    "body, field",
    [
        ({"groups": 5}, "groups"),
        ({"groups": [{}]}, "groups"),
        ({"groups": "ab"}, "groups"),
        ({"master": "no"}, "master"),
    ],
)
def test_kaseyaone_user_fields_are_checked(hub, body, field):
    client, _, _ = hub
    payload = {"email": "x@acme.test", "name": "X", "password": "pw", **body}
    assert (
        refused(client.post("/api/v1/users", auth=("m@acme.test", "pw"), json=payload))["field"]
        == field
    )
    assert (
        client.get("/api/v1/users", auth=("m@acme.test", "pw")).get_json()["users"][-1]["email"]
        == "m@acme.test"
    ), "nothing half-created"


@pytest.mark.parametrize("body", [{"module": ["uniview"], "redirect_uris": ["http://a/cb"]}])
def test_a_module_name_must_be_a_string(hub, body):
    refused(hub[0].post("/api/v1/module-instances", auth=("m@acme.test", "pw"), json=body))


@pytest.mark.parametrize("version", [10**20, -1, "2", True])
def test_a_settings_version_must_be_a_sane_integer(hub, version):
    client, _, instance = hub
    response = client.put(
        "/api/v1/module/settings",
        auth=(instance["client_id"], instance["client_secret"]),
        json={"version": version, "settings": {}},
    )
    refused(response)


@pytest.mark.parametrize("changes", [{"name": None}, {"name": ["x"]}, {"name": 123}])
def test_uniview_user_names_are_checked(uniview, changes):
    client, tenant = uniview
    refused(client.patch(f"/t/{tenant}/api/users/ann@acme.test", json=changes))


def test_a_uniview_password_must_be_a_string(uniview):
    client, tenant = uniview
    refused(
        client.post(
            f"/t/{tenant}/api/users",
            json={"username": "bob@acme.test", "role": "monitor", "password": 5},
        )
    )


def test_a_bypass_link_with_any_characters_is_simply_not_found(uniview):
    client, tenant = uniview
    page = client.get(f"/t/{tenant}/login/bypass/%C3%A9t%C3%A9", headers={"Accept": "text/html"})
    assert page.status_code == 404 and b"<h1>" in page.data


@pytest.mark.parametrize("version", [10**30, 2**63, -1])
def test_a_pushed_settings_version_must_be_a_sane_integer(uniview, version):
    client, tenant = uniview
    response = client.put(
        f"/t/{tenant}/api/kaseyaone/settings",
        headers={"Authorization": "Bearer T0KEN"},
        json={"version": version, "settings": {}},
    )
    refused(response)
