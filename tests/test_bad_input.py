"""Bad input gets a clear refusal — `{"error", "message"}` or a readable page — never a 500 and
never a half-applied change. Each case here once answered 500."""

import base64
from urllib.parse import parse_qsl, urlsplit

import pytest
import responses
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


def signed_in_superuser(**config):
    """A UniView tenant with a superuser (signed in) and a monitor, Ann."""
    app = mock_uniview.create_app({"PASSWORD_HASH_METHOD": FAST, **config})
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
    return app, client, tenant_id


@pytest.fixture
def uniview():
    app, client, tenant_id = signed_in_superuser()
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


# Malformed input that once answered 500 (issue 11, "Malformed input"): each is refused with a
# 4xx and a body that says why, and nothing of it is stored.

ADMIN = ("m@acme.test", "pw")
DEEP = b"[" * 50_000 + b"]" * 50_000


def test_json_nested_without_end_is_refused(hub, uniview):
    refused(hub[0].post("/api/v1/groups", auth=ADMIN, data=DEEP, content_type="application/json"))
    client, tenant = uniview
    refused(client.post(f"/t/{tenant}/api/groups", data=DEEP, content_type="application/json"))


def test_a_lone_surrogate_is_refused_with_what_is_wrong(hub, uniview):
    body = b'{"name": "Ops \\ud800"}'
    response = hub[0].post("/api/v1/groups", auth=ADMIN, data=body, content_type="application/json")
    assert "not JSON" in refused(response)["message"]
    client, tenant = uniview
    refused(
        client.post(f"/t/{tenant}/api/organizations", data=body, content_type="application/json")
    )


def kaseyaone_user(**fields):
    return {"email": "x@acme.test", "name": "X", "password": "pw", **fields}


@pytest.mark.parametrize(
    "path, body, field",
    [
        ("/api/v1/users", kaseyaone_user(name="n" * 201), "name"),
        ("/api/v1/users", kaseyaone_user(email="e" * 320 + "@acme.test"), "email"),
        ("/api/v1/users", kaseyaone_user(name="Nul\x00"), "name"),
        ("/api/v1/users", kaseyaone_user(email="nul\x00@acme.test"), "email"),
        ("/api/v1/groups", {"name": "Ops\x00"}, "name"),
        (
            "/api/v1/module-instances",
            {"module": "uniview", "name": "u" * 201, "redirect_uris": ["http://uv.test/cb"]},
            "name",
        ),
    ],
)
def test_kaseyaone_keeps_no_text_its_columns_cannot_hold(hub, path, body, field):
    client, _, _ = hub
    before = client.get(path, auth=ADMIN).get_json()
    assert refused(client.post(path, auth=ADMIN, json=body))["field"] == field
    assert client.get(path, auth=ADMIN).get_json() == before


@pytest.mark.parametrize(
    "path, body, field",
    [
        ("api/users", {"username": "u" * 320 + "@acme.test", "role": "monitor"}, "username"),
        ("api/users", {"username": "bob@acme.test", "name": "b" * 201, "role": "monitor"}, "name"),
        ("api/users", {"username": "b\x00b@acme.test", "role": "monitor"}, "username"),
        ("api/groups", {"name": "g" * 201}, "name"),
        ("api/groups", {"name": "G\x00"}, "name"),
        ("api/organizations", {"name": "O\x00"}, "name"),
        ("api/organizations", {"name": "Org", "appliances": ["a\x00"]}, "appliances"),
    ],
)
def test_uniview_keeps_no_text_its_columns_cannot_hold(uniview, path, body, field):
    client, tenant = uniview
    before = client.get(f"/t/{tenant}/{path}").get_json()
    assert refused(client.post(f"/t/{tenant}/{path}", json=body))["field"] == field
    assert client.get(f"/t/{tenant}/{path}").get_json() == before


def test_a_uniview_rename_to_text_it_cannot_hold_is_refused(uniview):
    client, tenant = uniview
    changed = client.patch(f"/t/{tenant}/api/users/ann@acme.test", json={"name": "A\x00"})
    assert refused(changed)["field"] == "name"


@pytest.mark.parametrize(
    "body, field",
    [({"name": "t" * 201}, "name"), ({"name": "Nul\x00"}, "name")],
)
def test_a_tenant_name_must_fit(hub, body, field):
    assert refused(hub[0].post("/_sim/tenants", json=body))["field"] == field


def test_a_fault_count_past_what_is_stored_is_refused(hub):
    client, tenant, _ = hub
    response = client.post(f"/_sim/tenants/{tenant}/faults", json={"kind": "admin", "count": 2**64})
    assert refused(response)["field"] == "count"


@pytest.mark.parametrize("since", ["9223372036854775808", "-1", "soon"])
def test_the_journal_refuses_a_since_it_cannot_compare(hub, since):
    client, tenant, _ = hub
    assert refused(client.get(f"/_sim/tenants/{tenant}/journal?since={since}"))["field"] == "since"


def test_a_body_larger_than_a_simulator_takes_is_413(hub):
    huge = {"name": "Ops", "padding": "x" * (17 * 1024 * 1024)}
    refused(hub[0].post("/api/v1/groups", auth=ADMIN, json=huge), status=413)


def test_a_method_a_route_does_not_serve_is_405_with_allow(hub, uniview):
    response = hub[0].put("/api/v1/groups", auth=ADMIN, json={})
    refused(response, status=405)
    assert set(response.headers["Allow"].split(", ")) >= {"GET", "POST"}
    client, tenant = uniview
    response = client.open(f"/t/{tenant}/api/groups", method="PROPFIND")
    refused(response, status=405)
    assert "POST" in response.headers["Allow"]


def authorize_query(instance, **params):
    query = {
        "response_type": "code",
        "client_id": instance["client_id"],
        "redirect_uri": "http://uv.test/cb",
        "scope": "openid",
        "code_challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
        "code_challenge_method": "S256",
        **params,
    }
    return "&".join(f"{k}={v}" for k, v in query.items())


@pytest.mark.parametrize("redirect_uri", ["%00", "%22", "http://uv.test/cb%00"])
def test_a_redirect_uri_authlib_cannot_quote_is_a_page_not_a_500(hub, redirect_uri):
    client, _, instance = hub
    page = client.get(f"/oauth/authorize?{authorize_query(instance, redirect_uri=redirect_uri)}")
    assert page.status_code == 400 and b"This sign-in link is not valid" in page.data


@pytest.mark.parametrize("response_type", ["%00", "%22", "c%C3%B6de"])
def test_a_malformed_response_type_goes_back_to_the_client_as_invalid(hub, response_type):
    client, _, instance = hub
    query = authorize_query(instance, response_type=response_type, state="s1")
    answer = client.get(f"/oauth/authorize?{query}")
    assert answer.status_code == 302, answer.get_data(as_text=True)
    back = dict(parse_qsl(urlsplit(answer.headers["Location"]).query))
    assert answer.headers["Location"].startswith("http://uv.test/cb?")
    assert back["error"] == "invalid_request" and back["state"] == "s1"


@pytest.mark.parametrize("credentials", ["/w==", "gA=="])
def test_basic_credentials_that_are_not_utf8_are_invalid_client(hub, credentials):
    response = hub[0].post(
        "/oauth/token",
        headers={"Authorization": f"Basic {credentials}"},
        data={"grant_type": "authorization_code", "code": "c", "redirect_uri": "http://uv.test/cb"},
    )
    assert response.status_code == 401, response.get_data(as_text=True)
    assert response.get_json()["error"] == "invalid_client"


def test_userinfo_says_what_is_wrong_with_a_bearer_header_without_a_token(hub):
    response = hub[0].get("/oauth/userinfo", headers={"Authorization": "Bearer"})
    assert response.status_code in (400, 401)
    body = response.get_json()
    assert body["error"] == "invalid_request" and body["error_description"]


@pytest.fixture
def uniview_without_integration():
    _, client, tenant = signed_in_superuser(KASEYAONE_URL="http://hub.test")
    return client, f"/t/{tenant}/api/integrations/kaseyaone"


@pytest.mark.parametrize(
    "credentials, field",
    [
        ({"master_email": "m@acme.test", "master_password": ["pw"]}, "master_password"),
        ({"master_email": 5, "master_password": "pw"}, "master_email"),
        ({"master_email": "m@acme.test", "master_password": "p" * 1025}, "master_password"),
    ],
)
def test_master_credentials_must_be_text_to_be_sent(
    uniview_without_integration, credentials, field
):
    client, path = uniview_without_integration
    with responses.RequestsMock():  # nothing may be sent
        assert refused(client.post(path, json=credentials))["field"] == field


def test_master_credentials_go_to_kaseyaone_as_utf8(uniview_without_integration):
    """RFC 7617 §2.1: UTF-8, as KaseyaOne reads them (requests alone would send Latin-1, and
    fail on what Latin-1 lacks)."""
    client, path = uniview_without_integration
    with responses.RequestsMock() as mock:
        mock.add(
            responses.POST,
            "http://hub.test/api/v1/module-instances",
            status=401,
            json={"error": "invalid_credentials", "message": "The password is wrong."},
        )
        answer = client.post(path, json={"master_email": "m@acme.test", "master_password": "pä✓"})
        sent = mock.calls[0].request.headers["Authorization"]
    assert answer.status_code == 403 and "password is wrong" in answer.get_json()["message"]
    assert base64.b64decode(sent.removeprefix("Basic ")).decode() == "m@acme.test:pä✓"
