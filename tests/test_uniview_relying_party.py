"""UniView as a relying party of KaseyaOne, against a KaseyaOne that misbehaves. KaseyaOne is
played by `responses`: it answers 503, times out, answers garbage, or signs ID tokens that a
careful client must refuse (OIDC Core §3.1.3.7)."""

from __future__ import annotations

import base64
import hashlib
import time
from urllib.parse import parse_qs, urlparse

import pytest
import requests
import responses
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey
from support import post_form

import mock_uniview
from sim_common.passwords import FAST

HUB = "http://hub.test"
ISSUER = "https://k1.public.test"  # the public URL differs from the back-channel one
CLIENT_ID, SECRET = "k1c_test", "s3cret"


@pytest.fixture(scope="module")
def hub_key():
    return RSAKey.generate_key(2048, parameters={"kid": "k1", "use": "sig"}, private=True)


@pytest.fixture
def hub(hub_key):
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add(
            responses.GET,
            f"{HUB}/.well-known/openid-configuration",
            json={
                "issuer": ISSUER,
                "authorization_endpoint": f"{ISSUER}/oauth/authorize",
                "token_endpoint": f"{ISSUER}/oauth/token",
                "jwks_uri": f"{ISSUER}/oauth/jwks",
                "userinfo_endpoint": f"{ISSUER}/oauth/userinfo",
            },
        )
        mock.add(responses.GET, f"{HUB}/oauth/jwks", json=KeySet([hub_key]).as_dict(private=False))
        mock.add(
            responses.POST,
            f"{HUB}/api/v1/module-instances",
            status=201,
            json={
                "id": "inst1",
                "tenant": "hubtenant",
                "issuer": ISSUER,
                "client_id": CLIENT_ID,
                "client_secret": SECRET,
            },
        )
        yield mock


@pytest.fixture
def app():
    return mock_uniview.create_app(
        {"KASEYAONE_URL": HUB, "PASSWORD_HASH_METHOD": FAST, "PUBLIC_URL": "http://uv.test"}
    )


@pytest.fixture
def tenant(app):
    client = app.test_client()
    body = client.post(
        "/_sim/tenants",
        json={
            "name": "Acme",
            "users": [
                {"username": "su@acme.test", "password": "pw", "role": "superuser"},
                {"username": "ann@acme.test", "password": "pw", "role": "monitor"},
            ],
        },
    ).get_json()
    return body["tenant"]["id"]


def superuser(app, tenant):
    client = app.test_client()
    post_form(client, f"/t/{tenant}/login", {"username": "su@acme.test", "password": "pw"})
    return client


@pytest.fixture
def integrated(app, tenant, hub):
    response = superuser(app, tenant).post(
        f"/t/{tenant}/api/integrations/kaseyaone",
        json={"master_email": "m@acme.test", "master_password": "pw"},
    )
    assert response.status_code == 201, response.get_json()
    return tenant


def start_login(app, tenant):
    browser = app.test_client()
    response = browser.get(f"/t/{tenant}/login/kaseyaone")
    assert response.status_code == 302
    location = urlparse(response.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == f"{ISSUER}/oauth/authorize"
    return browser, {k: v[0] for k, v in parse_qs(location.query).items()}


def at_hash(access_token: str) -> str:
    digest = hashlib.sha256(access_token.encode()).digest()
    return base64.urlsafe_b64encode(digest[:16]).rstrip(b"=").decode()


def id_token(key, expected_nonce, access_token="at-1", **overrides):
    now = int(time.time())
    claims = {
        "iss": ISSUER,
        "sub": "k1-ann",
        "aud": [CLIENT_ID],
        "iat": now,
        "exp": now + 600,
        "nonce": expected_nonce,
        "at_hash": at_hash(access_token),
        "email": "ann@acme.test",
        "module_access": True,
    }
    claims.update(overrides)
    claims = {k: v for k, v in claims.items() if v is not None}
    return jwt.encode({"alg": "RS256", "kid": key.kid}, claims, key)


def answer_token(hub, token: str, access_token="at-1"):
    hub.add(
        responses.POST,
        f"{HUB}/oauth/token",
        json={
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": 3600,
            "id_token": token,
            "scope": "openid email profile groups",
        },
    )


def finish(browser, tenant, params, code="c0de"):
    return browser.get(
        f"/t/{tenant}/oidc/callback",
        query_string={"code": code, "state": params["state"]},
        headers={"Accept": "application/json"},
    )


def test_the_authorization_request_carries_pkce_s256_state_nonce_and_the_exact_redirect(
    app, integrated
):
    _, params = start_login(app, integrated)
    assert params["code_challenge_method"] == "S256" and len(params["code_challenge"]) == 43
    assert params["client_id"] == CLIENT_ID and params["response_type"] == "code"
    assert params["redirect_uri"] == f"http://uv.test/t/{integrated}/oidc/callback"
    assert set(params["scope"].split()) >= {"openid", "email"}
    assert params["state"] and params["nonce"]


def test_a_valid_id_token_signs_the_mapped_user_in(app, integrated, hub, hub_key):
    browser, params = start_login(app, integrated)
    answer_token(hub, id_token(hub_key, params["nonce"]))
    response = finish(browser, integrated, params)
    assert response.status_code == 302
    token_call = next(c for c in hub.calls if c.request.url.endswith("/oauth/token"))
    assert token_call.request.url == f"{HUB}/oauth/token"  # the back channel, not the public URL
    assert token_call.request.headers["Authorization"].startswith("Basic ")
    assert "code_verifier=" in token_call.request.body
    session = browser.get(f"/t/{integrated}/api/session").get_json()
    assert session["method"] == "kaseyaone" and session["user"]["username"] == "ann@acme.test"


@pytest.mark.parametrize(
    "overrides, why",
    [
        ({"iss": "https://evil.test"}, "iss"),
        ({"aud": ["someone-else"]}, "aud"),
        ({"exp": int(time.time()) - 3600, "iat": int(time.time()) - 7200}, "exp"),
        ({"nonce": "replayed"}, "nonce"),
        ({"at_hash": "AAAAAAAAAAAAAAAAAAAAAA"}, "at_hash"),
        ({"sub": None}, "sub"),
        ({"module_access": False}, "module_access"),
    ],
)
def test_an_id_token_a_careful_client_must_refuse_is_refused(
    app, integrated, hub, hub_key, overrides, why
):
    browser, params = start_login(app, integrated)
    answer_token(hub, id_token(hub_key, params["nonce"], **overrides))
    response = finish(browser, integrated, params)
    assert response.status_code == 403, why
    assert response.get_json()["error"] == "kaseyaone_refused", why
    assert browser.get(f"/t/{integrated}/api/session").status_code == 401


def test_an_id_token_signed_by_another_key_is_refused(app, integrated, hub):
    stranger = RSAKey.generate_key(2048, parameters={"kid": "k1"}, private=True)
    browser, params = start_login(app, integrated)
    answer_token(hub, id_token(stranger, params["nonce"]))
    response = finish(browser, integrated, params)
    assert response.status_code == 403 and response.get_json()["error"] == "kaseyaone_refused"


def test_a_callback_with_an_unknown_state_is_refused_without_calling_kaseyaone(
    app, integrated, hub
):
    browser, params = start_login(app, integrated)
    response = finish(browser, integrated, {"state": "forged"})
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_login_attempt"
    assert not any(c.request.url.endswith("/oauth/token") for c in hub.calls)


def test_a_state_is_single_use(app, integrated, hub, hub_key):
    browser, params = start_login(app, integrated)
    answer_token(hub, id_token(hub_key, params["nonce"]))
    assert finish(browser, integrated, params).status_code == 302
    assert finish(browser, integrated, params).status_code == 400


def test_an_error_from_kaseyaone_is_shown_to_the_person(app, integrated):
    browser, params = start_login(app, integrated)
    page = browser.get(
        f"/t/{integrated}/oidc/callback",
        query_string={
            "error": "access_denied",
            "error_description": "No access to UniView.",
            "state": params["state"],
        },
    )
    assert page.status_code == 403
    assert b"No access to UniView." in page.data and b"<form" in page.data


def test_kaseyaone_refusing_the_code_is_a_clear_refusal(app, integrated, hub):
    browser, params = start_login(app, integrated)
    hub.add(
        responses.POST,
        f"{HUB}/oauth/token",
        status=400,
        json={"error": "invalid_grant", "error_description": "Invalid 'code' in request."},
    )
    response = finish(browser, integrated, params)
    assert response.status_code == 403
    assert response.get_json()["kaseyaone_error"] == "invalid_grant"
    # What UniView sent stays in the journal though the request failed and was rolled back.
    entries = app.test_client().get(f"/_sim/tenants/{integrated}/journal").get_json()["entries"]
    assert ("sent", "POST", f"{HUB}/oauth/token", 400) in [
        (e["direction"], e["method"], e["url"], e["status"]) for e in entries
    ]


@pytest.mark.parametrize(
    "failure",
    [
        {"status": 503, "body": "Service Unavailable"},
        {"body": requests.ConnectTimeout("timed out")},
        {"status": 200, "body": "<html>not json</html>"},
    ],
)
def test_adding_the_integration_while_kaseyaone_fails_adds_nothing(app, tenant, failure):
    with responses.RequestsMock() as mock:
        mock.add(responses.POST, f"{HUB}/api/v1/module-instances", **failure)
        client = superuser(app, tenant)
        response = client.post(
            f"/t/{tenant}/api/integrations/kaseyaone",
            json={"master_email": "m@acme.test", "master_password": "pw"},
        )
    assert response.status_code == 502
    assert response.get_json()["error"] == "kaseyaone_unavailable"
    assert client.get(f"/t/{tenant}/api/integrations/kaseyaone").status_code == 404


def test_the_journal_records_what_uniview_sent_to_kaseyaone_without_secrets(
    app, integrated, hub, hub_key
):
    browser, params = start_login(app, integrated)
    answer_token(hub, id_token(hub_key, params["nonce"]))
    finish(browser, integrated, params)
    entries = app.test_client().get(f"/_sim/tenants/{integrated}/journal").get_json()["entries"]
    sent = [(e["method"], e["url"]) for e in entries if e["direction"] == "sent"]
    assert ("POST", f"{HUB}/oauth/token") in sent
    received = [e["url"] for e in entries if e["direction"] == "received"]
    callback = next(u for u in received if "/oidc/callback" in u)
    assert "c0de" not in callback and params["state"] not in callback
