"""Refresh tokens (RFC 6749 §6, OIDC Core §12), revocation (RFC 7009), RP-initiated logout
(OpenID Connect RP-Initiated Logout 1.0) and signing-key rotation (OIDC Core §10.1.1), checked
over real HTTP by `oic` (pyoidc) and `jwcrypto`, clients independent of the authlib the provider
is built on; and the attacks: a refresh token replayed after rotation, used by another client,
used after revocation, or for a user who may no longer sign in."""

from __future__ import annotations

import secrets
from urllib.parse import urlencode

import pytest
import requests
from oic.oic.message import AccessTokenResponse, AuthorizationResponse, RegistrationResponse
from oic.utils.authn.client import CLIENT_AUTHN_METHOD
from test_oidc_provider import (
    PASSWORD,
    REDIRECT_URI,
    SCOPE,
    TIMEOUT,
    Tenant,
    assert_invalid_token,
    assert_oauth_error,
    call_userinfo,
    jwks,
    oic_client,
    submit_form,
    submit_login,
    verified_id_token,
)

LOGGED_OUT_URI = "http://127.0.0.1:9/logged-out"


def admin(tenant: Tenant) -> requests.Session:
    session = requests.Session()
    session.auth = (tenant.email("master"), PASSWORD)
    return session


def other_client(tenant: Tenant, **metadata) -> dict:
    """Another module instance in the tenant, that Alice may use too."""
    with admin(tenant) as http:
        instance = http.post(
            f"{tenant.url}/api/v1/module-instances",
            json={"module": "autotask", "redirect_uris": [REDIRECT_URI], **metadata},
            timeout=TIMEOUT,
        )
        assert instance.status_code == 201, instance.text
        alice = tenant.users["alice"]["id"]
        http.put(
            f"{tenant.url}/api/v1/module-instances/{instance.json()['id']}/users/{alice}",
            timeout=TIMEOUT,
        ).raise_for_status()
    return instance.json()


def oic_for(tenant: Tenant, instance: dict | None = None):
    """An `oic` client of the tenant's module instance (or of `instance`)."""
    if instance is None:
        return oic_client(tenant)
    from oic.oic import Client

    client = Client(client_authn_method=CLIENT_AUTHN_METHOD)
    client.provider_config(tenant.url)
    client.store_registration_info(
        RegistrationResponse(
            client_id=instance["client_id"],
            client_secret=instance["client_secret"],
            redirect_uris=[REDIRECT_URI],
            post_logout_redirect_uris=instance.get("post_logout_redirect_uris", []),
            token_endpoint_auth_method="client_secret_basic",
        )
    )
    return client


def oic_authorization(client) -> tuple[str, str, str]:
    """An authorization request oic builds, with its own PKCE S256 pair: the URL, the state oic
    keeps the grant under, and the code verifier."""
    pkce_args, code_verifier = client.add_code_challenge()
    state = secrets.token_urlsafe(16)
    url, _body, _headers, _request = client.authorization_request_info(
        request_args={
            "response_type": "code",
            "scope": SCOPE,
            "state": state,
            "nonce": secrets.token_urlsafe(16),
            "redirect_uri": REDIRECT_URI,
            **pkce_args,
        }
    )
    return url, state, code_verifier


def oic_sign_in(client, browser, email: str) -> tuple[str, AccessTokenResponse]:
    """Alice signs in through `client`: oic builds the request, parses the answer and verifies
    the ID token. Returns the state oic keeps the grant under, and the tokens."""
    url, state, code_verifier = oic_authorization(client)
    answer = browser.get(url, allow_redirects=False, timeout=TIMEOUT)
    if answer.status_code == 200:  # KaseyaOne's form: no session yet
        answer = submit_login(browser, url, email)
    assert answer.status_code == 302, answer.text
    client.parse_response(
        AuthorizationResponse, info=answer.headers["Location"], sformat="urlencoded"
    )
    tokens = client.do_access_token_request(
        state=state,
        request_args={
            "code": client.grant[state].code,
            "redirect_uri": REDIRECT_URI,
            "code_verifier": code_verifier,
        },
        authn_method="client_secret_basic",
    )
    assert isinstance(tokens, AccessTokenResponse), tokens.to_dict()
    return state, tokens


def refresh(tenant: Tenant, refresh_token: str, client_id=None, secret=None) -> requests.Response:
    return requests.post(
        f"{tenant.url}/oauth/token",
        data={"grant_type": "refresh_token", "refresh_token": refresh_token},
        auth=(client_id or tenant.client_id, secret or tenant.client_secret),
        timeout=TIMEOUT,
    )


def revoke(tenant: Tenant, token: str, hint: str | None = None, client=None) -> requests.Response:
    data = {"token": token, **({"token_type_hint": hint} if hint else {})}
    client_id, secret = client or (tenant.client_id, tenant.client_secret)
    return requests.post(
        f"{tenant.url}/oauth/revoke", data=data, auth=(client_id, secret), timeout=TIMEOUT
    )


# --------------------------------------------------------------------------------------------
# Refresh tokens
# --------------------------------------------------------------------------------------------


def test_discovery_advertises_refresh_revocation_and_logout(tenant):
    metadata = requests.get(f"{tenant.url}/.well-known/openid-configuration", timeout=10).json()
    assert "refresh_token" in metadata["grant_types_supported"]
    assert metadata["revocation_endpoint"] == f"{tenant.url}/oauth/revoke"
    assert metadata["end_session_endpoint"] == f"{tenant.url}/oauth/logout"
    client = oic_client(tenant)  # oic reads the same document
    assert client.provider_info["end_session_endpoint"] == f"{tenant.url}/oauth/logout"


def test_oic_refreshes_and_the_new_id_token_keeps_the_subject_and_sign_in_time(tenant, browser):
    client = oic_client(tenant)
    state, first = oic_sign_in(client, browser, tenant.email("alice"))
    assert first["refresh_token"]

    # oic refreshes, and verifies the refreshed ID token (signature, iss, aud, exp, iat).
    refreshed = client.do_access_token_refresh(state=state, authn_method="client_secret_basic")
    assert isinstance(refreshed, AccessTokenResponse), refreshed.to_dict()
    assert refreshed["access_token"] != first["access_token"]
    assert refreshed["refresh_token"] != first["refresh_token"]  # rotated
    assert call_userinfo(tenant, refreshed["access_token"]).status_code == 200

    # Ten minutes later on the tenant's clock, once more; jwcrypto checks what OIDC Core §12.2
    # says of the refreshed ID token against the first one.
    tenant.advance_clock(600)
    again = refresh(tenant, refreshed["refresh_token"])
    assert again.status_code == 200, again.text
    _header, before = verified_id_token(tenant, first["id_token_jwt"])
    _header, after = verified_id_token(tenant, again.json()["id_token"])
    assert after["sub"] == before["sub"] == tenant.users["alice"]["id"]
    assert (after["iss"], after["aud"], after["azp"]) == (
        before["iss"],
        before["aud"],
        before["azp"],
    )
    assert after["auth_time"] == before["auth_time"]
    assert after["iat"] >= before["iat"] + 600
    assert "nonce" not in after and "nonce" in before


def test_a_refresh_token_replayed_after_rotation_is_refused_and_revokes_its_successor(
    tenant, browser
):
    _state, tokens = oic_sign_in(oic_client(tenant), browser, tenant.email("alice"))
    rotated = refresh(tenant, tokens["refresh_token"])
    assert rotated.status_code == 200, rotated.text

    assert_oauth_error(refresh(tenant, tokens["refresh_token"]), 400, "invalid_grant")
    # The replay shows the family is in two hands: the legitimate successor is revoked too.
    assert_oauth_error(refresh(tenant, rotated.json()["refresh_token"]), 400, "invalid_grant")
    assert_invalid_token(call_userinfo(tenant, rotated.json()["access_token"]))


def test_another_clients_refresh_token_is_refused_and_stays_good_for_its_own(tenant, browser):
    _state, tokens = oic_sign_in(oic_client(tenant), browser, tenant.email("alice"))
    other = other_client(tenant)
    stolen = refresh(tenant, tokens["refresh_token"], other["client_id"], other["client_secret"])
    assert_oauth_error(stolen, 400, "invalid_grant")
    assert refresh(tenant, tokens["refresh_token"]).status_code == 200


@pytest.mark.parametrize("change", ["deactivate", "withdraw_access"])
def test_a_refresh_for_a_user_who_may_no_longer_sign_in_is_invalid_grant(tenant, browser, change):
    _state, tokens = oic_sign_in(oic_client(tenant), browser, tenant.email("alice"))
    alice = tenant.users["alice"]["id"]
    with admin(tenant) as http:
        if change == "deactivate":
            url = f"{tenant.url}/api/v1/users/{alice}/deactivate"
            http.post(url, timeout=TIMEOUT).raise_for_status()
        else:
            url = f"{tenant.url}/api/v1/module-instances/{tenant.instance_id}/users/{alice}"
            http.delete(url, timeout=TIMEOUT).raise_for_status()
    assert_oauth_error(refresh(tenant, tokens["refresh_token"]), 400, "invalid_grant")


def test_a_refresh_token_expires_on_the_tenant_clock(tenant, browser):
    _state, tokens = oic_sign_in(oic_client(tenant), browser, tenant.email("alice"))
    tenant.advance_clock(30 * 86400 + 1)
    assert_oauth_error(refresh(tenant, tokens["refresh_token"]), 400, "invalid_grant")


def test_a_made_up_refresh_token_is_invalid_grant(tenant):
    assert_oauth_error(refresh(tenant, "made-up"), 400, "invalid_grant")


# --------------------------------------------------------------------------------------------
# Revocation (RFC 7009)
# --------------------------------------------------------------------------------------------


def test_a_revoked_access_token_makes_userinfo_answer_401(tenant, browser):
    client = oic_client(tenant)
    state, tokens = oic_sign_in(client, browser, tenant.email("alice"))
    userinfo = client.do_user_info_request(state=state, method="GET")
    assert userinfo["sub"] == tenant.users["alice"]["id"]

    answer = revoke(tenant, tokens["access_token"], "access_token")
    assert answer.status_code == 200, answer.text
    assert_invalid_token(call_userinfo(tenant, tokens["access_token"]))


@pytest.mark.parametrize("hint", ["refresh_token", None])
def test_a_revoked_refresh_token_can_no_longer_be_used(tenant, browser, hint):
    _state, tokens = oic_sign_in(oic_client(tenant), browser, tenant.email("alice"))
    assert revoke(tenant, tokens["refresh_token"], hint).status_code == 200
    assert_oauth_error(refresh(tenant, tokens["refresh_token"]), 400, "invalid_grant")
    # RFC 7009 §2.1: the access token of the same grant goes with it.
    assert_invalid_token(call_userinfo(tenant, tokens["access_token"]))


def test_revoking_a_refresh_token_ends_the_grant_it_belongs_to(tenant, browser):
    """RFC 7009 §2.1: the tokens of the same grant go too, the ones refreshed since included."""
    _state, tokens = oic_sign_in(oic_client(tenant), browser, tenant.email("alice"))
    successor = refresh(tenant, tokens["refresh_token"]).json()
    assert revoke(tenant, tokens["refresh_token"], "refresh_token").status_code == 200
    assert_oauth_error(refresh(tenant, successor["refresh_token"]), 400, "invalid_grant")
    assert_invalid_token(call_userinfo(tenant, successor["access_token"]))


def test_a_made_up_token_is_answered_200(tenant):
    answer = revoke(tenant, "made-up-" + secrets.token_urlsafe(8))
    assert answer.status_code == 200, answer.text


def test_revocation_needs_the_clients_credentials_and_its_own_token(tenant, browser):
    _state, tokens = oic_sign_in(oic_client(tenant), browser, tenant.email("alice"))
    wrong = revoke(tenant, tokens["access_token"], client=(tenant.client_id, "not-the-secret"))
    assert_oauth_error(wrong, 401, "invalid_client")
    other = other_client(tenant)
    foreign = revoke(
        tenant, tokens["access_token"], client=(other["client_id"], other["client_secret"])
    )
    assert foreign.status_code == 400 and foreign.json()["error"] == "invalid_grant"
    assert call_userinfo(tenant, tokens["access_token"]).status_code == 200  # not revoked


# --------------------------------------------------------------------------------------------
# RP-initiated logout
# --------------------------------------------------------------------------------------------


def logout_client(tenant: Tenant) -> tuple[dict, object]:
    instance = other_client(tenant, post_logout_redirect_uris=[LOGGED_OUT_URI])
    return instance, oic_for(tenant, instance)


def signed_in_to_kaseyaone(tenant: Tenant, browser) -> bool:
    return browser.get(f"{tenant.url}/", allow_redirects=False, timeout=TIMEOUT).status_code == 200


def test_oic_logs_out_with_an_id_token_hint_and_comes_back_with_its_state(tenant, browser):
    instance, client = logout_client(tenant)
    state, _tokens = oic_sign_in(client, browser, tenant.email("alice"))
    assert signed_in_to_kaseyaone(tenant, browser)

    logout_state = secrets.token_urlsafe(8)
    url, _body, _headers, _request = client.request_info(
        client.message_factory.get_request_type("endsession_endpoint"),
        method="GET",
        request_args={"post_logout_redirect_uri": LOGGED_OUT_URI, "state": logout_state},
        state=state,
        prop="id_token_hint",
    )
    assert url.startswith(f"{tenant.url}/oauth/logout?") and "id_token_hint=" in url
    answer = browser.get(url, allow_redirects=False, timeout=TIMEOUT)
    assert answer.status_code == 302, answer.text
    assert answer.headers["Location"] == f"{LOGGED_OUT_URI}?{urlencode({'state': logout_state})}"
    assert not signed_in_to_kaseyaone(tenant, browser)
    # The next sign-in asks for the password again.
    again = browser.get(oic_authorization(client)[0], allow_redirects=False, timeout=TIMEOUT)
    assert again.status_code == 200 and 'id="login"' in again.text


def id_token_of(tenant: Tenant, browser, instance: dict) -> str:
    _state, tokens = oic_sign_in(oic_for(tenant, instance), browser, tenant.email("alice"))
    return tokens["id_token_jwt"]


@pytest.mark.parametrize(
    "return_to",
    ["https://attacker.example/", f"{LOGGED_OUT_URI}/deeper", REDIRECT_URI],
    ids=["foreign", "longer-path", "the-login-redirect-uri"],
)
def test_logout_never_redirects_to_a_uri_the_client_did_not_register_for_it(
    tenant, browser, return_to
):
    instance, _client = logout_client(tenant)
    hint = id_token_of(tenant, browser, instance)
    answer = browser.get(
        f"{tenant.url}/oauth/logout",
        params={"id_token_hint": hint, "post_logout_redirect_uri": return_to, "state": "s"},
        allow_redirects=False,
        timeout=TIMEOUT,
    )
    assert answer.status_code == 200 and "Location" not in answer.headers
    assert 'id="no-return"' in answer.text
    assert not signed_in_to_kaseyaone(tenant, browser)  # signed out all the same


def test_logout_without_an_id_token_hint_asks_the_person_first(tenant, browser):
    instance, _client = logout_client(tenant)
    id_token_of(tenant, browser, instance)
    params = {
        "client_id": instance["client_id"],
        "post_logout_redirect_uri": LOGGED_OUT_URI,
        "state": "s1",
    }
    page = browser.get(
        f"{tenant.url}/oauth/logout", params=params, allow_redirects=False, timeout=TIMEOUT
    )
    assert page.status_code == 200 and 'id="logout"' in page.text
    assert signed_in_to_kaseyaone(tenant, browser)  # nothing ended yet
    confirmed = submit_form(browser, f"{tenant.url}/oauth/logout?{urlencode(params)}", "logout")
    assert confirmed.status_code == 302
    assert confirmed.headers["Location"] == f"{LOGGED_OUT_URI}?state=s1"
    assert not signed_in_to_kaseyaone(tenant, browser)


@pytest.mark.parametrize("tamper", ["forged", "other-client-id"])
def test_a_bad_logout_request_is_a_page_and_no_redirect(tenant, browser, tamper):
    instance, _client = logout_client(tenant)
    hint = id_token_of(tenant, browser, instance)
    params = {"id_token_hint": hint, "post_logout_redirect_uri": LOGGED_OUT_URI}
    if tamper == "forged":
        head, payload, signature = hint.split(".")
        params["id_token_hint"] = f"{head}.{payload[:-4]}AAAA.{signature}"
    else:
        params["client_id"] = tenant.client_id  # not the ID token's audience
    answer = browser.get(
        f"{tenant.url}/oauth/logout", params=params, allow_redirects=False, timeout=TIMEOUT
    )
    assert answer.status_code == 400 and "Location" not in answer.headers
    assert 'data-error="invalid_request"' in answer.text
    assert signed_in_to_kaseyaone(tenant, browser)


# --------------------------------------------------------------------------------------------
# Signing-key rotation
# --------------------------------------------------------------------------------------------


def rotate(tenant: Tenant, overlap) -> requests.Response:
    return requests.post(
        f"{tenant.url}/_sim/keys/rotate", json={"overlap_seconds": overlap}, timeout=TIMEOUT
    )


def test_a_rotation_signs_with_a_new_key_and_keeps_the_old_one_for_the_overlap(tenant, browser):
    before = id_token_of(tenant, browser, other_client(tenant))
    rotated = rotate(tenant, 3600)
    assert rotated.status_code == 201, rotated.text
    new_kid = rotated.json()["signing_kid"]
    assert {key["kid"] for key in rotated.json()["keys"]} >= {new_kid}

    # The token signed before still verifies with the published keys (jwcrypto) ...
    header, claims = verified_id_token(tenant, before)
    assert header["kid"] != new_kid and claims["sub"] == tenant.users["alice"]["id"]
    # ... and a new one is signed with the new key, which oic, too, finds and verifies.
    client = oic_client(tenant)
    _state, tokens = oic_sign_in(client, browser, tenant.email("alice"))
    assert tokens["id_token"].jws_header["kid"] == new_kid
    assert {key.kid for key in jwks(tenant)["keys"]} >= {new_kid, header["kid"]}

    # Ending the overlap retires the old key: what it signed no longer verifies.
    retired = requests.post(f"{tenant.url}/_sim/keys/retire", timeout=TIMEOUT)
    assert [key["kid"] for key in retired.json()["keys"]] == [new_kid]
    assert jwks(tenant).get_key(header["kid"]) is None
    assert verified_id_token(tenant, tokens["id_token_jwt"])[0]["kid"] == new_kid
    with pytest.raises(AssertionError, match="no key with kid"):
        verified_id_token(tenant, before)
