"""One tenant's credentials reach nothing of another tenant's (H-ISO-1 at the simulators'
level): sessions, SCIM tokens, admin calls, sign-in attempts, OIDC clients."""

from urllib.parse import urlencode

import pytest
from support import add_uniview_integration, post_form

import mock_kaseyaone
import mock_uniview
from sim_common.passwords import FAST


@pytest.fixture
def uniview():
    app = mock_uniview.create_app({"PASSWORD_HASH_METHOD": FAST})
    client = app.test_client()
    tenants = {}
    for name in ("a", "b"):
        body = client.post(
            "/_sim/tenants",
            json={
                "id": name,
                "users": [{"username": f"su@{name}.test", "password": "pw", "role": "superuser"}],
            },
        ).get_json()
        add_uniview_integration(app, name, scim_token=f"token-{name}")
        tenants[name] = body
    return app


def test_a_session_cookie_of_one_tenant_is_nobody_in_another(uniview):
    browser = uniview.test_client()
    post_form(browser, "/t/a/login", {"username": "su@a.test", "password": "pw"})
    cookie = browser.get_cookie("uv_session", path="/t/a/")
    assert browser.get("/t/a/api/session").status_code == 200
    other = uniview.test_client()
    other.set_cookie("uv_session", cookie.value, path="/t/b/")
    assert other.get("/t/b/api/session").status_code == 401
    assert other.get("/t/b/api/integrations/kaseyaone").status_code == 401


def test_a_user_of_one_tenant_cannot_log_in_at_another(uniview):
    page = post_form(
        uniview.test_client(), "/t/b/login", {"username": "su@a.test", "password": "pw"}
    )
    assert page.status_code == 401


def test_a_scim_token_of_one_tenant_opens_nothing_in_another(uniview):
    client = uniview.test_client()
    assert (
        client.get("/t/a/scim/v2/Users", headers={"Authorization": "Bearer token-a"}).status_code
        == 200
    )
    response = client.get("/t/b/scim/v2/Users", headers={"Authorization": "Bearer token-a"})
    assert response.status_code == 401


def test_a_scim_id_of_one_tenant_is_not_found_in_another(uniview):
    client = uniview.test_client()
    users = client.get("/t/a/scim/v2/Users", headers={"Authorization": "Bearer token-a"})
    user_id = users.get_json()["Resources"][0]["id"]
    response = client.get(
        f"/t/b/scim/v2/Users/{user_id}", headers={"Authorization": "Bearer token-b"}
    )
    assert response.status_code == 404


def test_a_master_user_reaches_only_their_own_tenant():
    client = mock_kaseyaone.create_app({"PASSWORD_HASH_METHOD": FAST}).test_client()
    ids = {}
    for name in ("a", "b"):
        body = client.post(
            "/_sim/tenants",
            json={
                "users": [
                    {"email": f"m@{name}.test", "name": "M", "password": "pw", "master": True},
                    {"email": f"u@{name}.test", "name": "U", "password": "pw"},
                ]
            },
        ).get_json()
        ids[name] = body["users"][1]["id"]
    a_master = ("m@a.test", "pw")
    for method, path in (
        ("GET", f"/api/v1/users/{ids['b']}"),
        ("POST", f"/api/v1/users/{ids['b']}/deactivate"),
        ("DELETE", f"/api/v1/users/{ids['b']}"),
    ):
        response = client.open(path, method=method, auth=a_master)
        assert response.status_code == 404, (method, path)
    b_user = client.get(f"/api/v1/users/{ids['b']}", auth=("m@b.test", "pw")).get_json()
    assert b_user["status"] == "active"


def test_kaseyaone_signs_in_only_users_of_the_clients_tenant():
    client = mock_kaseyaone.create_app({"PASSWORD_HASH_METHOD": FAST}).test_client()
    for name in ("a", "b"):
        client.post(
            "/_sim/tenants",
            json={
                "users": [
                    {"email": f"m@{name}.test", "name": "M", "password": "pw", "master": True}
                ]
            },
        )
    instance = client.post(
        "/api/v1/module-instances",
        auth=("m@a.test", "pw"),
        json={"module": "uniview", "redirect_uris": ["http://uv.test/cb"]},
    ).get_json()
    query = {
        "response_type": "code",
        "client_id": instance["client_id"],
        "redirect_uri": "http://uv.test/cb",
        "scope": "openid",
        "state": "s",
        "code_challenge": "A" * 43,
        "code_challenge_method": "S256",
    }
    page = "/oauth/authorize?" + urlencode(query)
    response = post_form(client, page, {"email": "m@b.test", "password": "pw"})
    # Told, as a user without access is, and sent back to the module with access_denied.
    assert response.status_code == 403 and "Location" not in response.headers
    refusal = response.get_data(as_text=True)
    assert 'data-error="access_denied"' in refusal and "error=access_denied" in refusal
