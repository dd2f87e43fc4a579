"""KaseyaOne's own session at the authorization endpoint (OIDC Core §3.1.2: `prompt`,
`max_age`, `login_hint`, `auth_time`) and in its own pages (the tiles), how it ends, the app
launcher's list for modules, and the client metadata a module registers. Over real HTTP on
loopback; ID tokens checked with jwcrypto."""

from __future__ import annotations

from urllib.parse import urlencode

import requests
from test_oidc_provider import (
    PASSWORD,
    REDIRECT_URI,
    TIMEOUT,
    PageParser,
    Tenant,
    assert_invalid_token,
    authorization_request,
    call_userinfo,
    exchange_code,
    redirect_to_client,
    submit_form,
    submit_login,
    tokens_for,
    verified_id_token,
)

HUB_SESSION_LIFETIME = 8 * 3600  # mock_kaseyaone.DEFAULTS


def master(tenant: Tenant) -> requests.Session:
    session = requests.Session()
    session.auth = (tenant.email("master"), PASSWORD)
    return session


def sign_in_on_portal(tenant: Tenant, browser, role: str = "alice", password=PASSWORD):
    """KaseyaOne's own sign-in page, filled in and submitted as a browser does (its hidden
    fields, the CSRF token among them)."""
    return submit_form(
        browser, f"{tenant.url}/login", "login", email=tenant.email(role), password=password
    )


def signed_in(tenant: Tenant, browser) -> bool:
    """Whether KaseyaOne's home page shows the tiles (and not its sign-in page)."""
    return browser.get(f"{tenant.url}/", allow_redirects=False, timeout=TIMEOUT).status_code == 200


def answered_without_form(tenant: Tenant, browser, **params) -> dict:
    auth = authorization_request(tenant, **params)
    answer = browser.get(auth.url, allow_redirects=False, timeout=TIMEOUT)
    callback = redirect_to_client(answer)
    assert callback["state"] == auth.state
    return {**callback, "verifier": auth.code_verifier}


def shows_the_form(tenant: Tenant, browser, **params) -> str:
    """The email address KaseyaOne's login form shows, asserting that it shows the form."""
    answer = browser.get(
        authorization_request(tenant, **params).url, allow_redirects=False, timeout=TIMEOUT
    )
    assert answer.status_code == 200, (answer.status_code, answer.headers.get("Location"))
    return PageParser(answer.text).forms["login"]["fields"]["email"]


# --------------------------------------------------------------------------------------------
# The authorization endpoint answered from KaseyaOne's session
# --------------------------------------------------------------------------------------------


def test_after_one_sign_in_the_session_answers_and_the_id_token_says_when_she_signed_in(
    tenant, browser
):
    clock_at_sign_in = tenant.clock()
    first = tokens_for(tenant, browser)
    _header, first_claims = verified_id_token(tenant, first["id_token"])
    tenant.advance_clock(1800)

    callback = answered_without_form(tenant, browser)
    response = exchange_code(tenant, callback["code"], callback["verifier"])
    assert response.status_code == 200, response.text
    _header, claims = verified_id_token(tenant, response.json()["id_token"])
    assert claims["sub"] == tenant.users["alice"]["id"]
    assert claims["auth_time"] == first_claims["auth_time"]  # the sign-in, not this request
    assert clock_at_sign_in <= claims["auth_time"] <= clock_at_sign_in + 60
    assert claims["iat"] >= claims["auth_time"] + 1800


def test_the_session_cookie_is_http_only_and_same_site(tenant, browser):
    answer = sign_in_on_portal(tenant, browser)
    assert answer.status_code == 302, answer.text
    cookie = answer.headers["Set-Cookie"]
    assert cookie.startswith("k1_session=") and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_prompt_login_shows_the_form_although_she_is_signed_in(tenant, browser):
    sign_in_on_portal(tenant, browser)
    assert shows_the_form(tenant, browser, prompt="login") == tenant.email("alice")
    # Signing in again there makes a new sign-in time.
    tenant.advance_clock(300)
    auth = authorization_request(tenant, prompt="login")
    callback = redirect_to_client(submit_login(browser, auth.url, tenant.email("alice")))
    response = exchange_code(tenant, callback["code"], auth.code_verifier)
    _header, claims = verified_id_token(tenant, response.json()["id_token"])
    assert claims["auth_time"] >= tenant.clock() - 5


def test_prompt_none_without_a_session_is_login_required(tenant, browser):
    auth = authorization_request(tenant, prompt="none")
    callback = redirect_to_client(browser.get(auth.url, allow_redirects=False, timeout=TIMEOUT))
    assert callback["error"] == "login_required" and callback["state"] == auth.state
    assert "code" not in callback


def test_prompt_none_with_a_session_answers_with_a_code(tenant, browser):
    sign_in_on_portal(tenant, browser)
    assert answered_without_form(tenant, browser, prompt="none")["code"]


def test_prompt_none_for_a_user_without_access_is_access_denied_without_a_page(tenant, browser):
    sign_in_on_portal(tenant, browser, "outsider")
    auth = authorization_request(tenant, prompt="none")
    callback = redirect_to_client(browser.get(auth.url, allow_redirects=False, timeout=TIMEOUT))
    assert callback["error"] == "access_denied" and "code" not in callback


def test_a_signed_in_user_without_access_gets_the_refusal_page_without_the_form(tenant, browser):
    sign_in_on_portal(tenant, browser, "outsider")
    answer = browser.get(authorization_request(tenant).url, allow_redirects=False, timeout=TIMEOUT)
    assert answer.status_code == 403 and 'data-error="access_denied"' in answer.text
    assert 'id="login"' not in answer.text


def test_max_age_asks_again_once_the_sign_in_is_older(tenant, browser):
    sign_in_on_portal(tenant, browser)
    tenant.advance_clock(120)
    assert answered_without_form(tenant, browser, max_age="600")["code"]
    assert shows_the_form(tenant, browser, max_age="60") == tenant.email("alice")
    auth = authorization_request(tenant, max_age="60", prompt="none")
    callback = redirect_to_client(browser.get(auth.url, allow_redirects=False, timeout=TIMEOUT))
    assert callback["error"] == "login_required"


def test_a_max_age_that_is_not_a_number_of_seconds_is_invalid_request(tenant, browser):
    sign_in_on_portal(tenant, browser)
    auth = authorization_request(tenant, max_age="soon")
    callback = redirect_to_client(browser.get(auth.url, allow_redirects=False, timeout=TIMEOUT))
    assert callback["error"] == "invalid_request" and "code" not in callback


def test_a_login_hint_naming_someone_else_shows_the_form_for_them(tenant, browser):
    sign_in_on_portal(tenant, browser)
    assert answered_without_form(tenant, browser, login_hint=tenant.email("alice"))["code"]
    hint = tenant.email("outsider")
    assert shows_the_form(tenant, browser, login_hint=hint) == hint


def test_the_session_ends_after_its_lifetime_on_the_tenant_clock(tenant, browser):
    sign_in_on_portal(tenant, browser)
    tenant.advance_clock(HUB_SESSION_LIFETIME - 60)
    assert signed_in(tenant, browser)
    tenant.advance_clock(61)
    assert not signed_in(tenant, browser)
    shows_the_form(tenant, browser)


# --------------------------------------------------------------------------------------------
# How a session ends
# --------------------------------------------------------------------------------------------


def test_deactivating_the_user_ends_her_session_and_activating_her_does_not_bring_it_back(
    tenant, browser
):
    sign_in_on_portal(tenant, browser)
    alice = tenant.users["alice"]["id"]
    with master(tenant) as http:
        http.post(f"{tenant.url}/api/v1/users/{alice}/deactivate", timeout=TIMEOUT)
        assert not signed_in(tenant, browser)
        http.post(f"{tenant.url}/api/v1/users/{alice}/activate", timeout=TIMEOUT)
    assert not signed_in(tenant, browser)


def test_signing_out_everywhere_ends_every_session_and_revokes_her_tokens(tenant, browser):
    tokens = tokens_for(tenant, browser)  # signed in through the form: a session too
    with requests.Session() as other_browser:
        sign_in_on_portal(tenant, other_browser)
        with master(tenant) as http:
            answer = http.delete(
                f"{tenant.url}/api/v1/users/{tenant.users['alice']['id']}/sessions",
                timeout=TIMEOUT,
            )
        assert answer.status_code == 200 and answer.json() == {"sessions_ended": 2}
        assert not signed_in(tenant, browser) and not signed_in(tenant, other_browser)
    assert_invalid_token(call_userinfo(tenant, tokens["access_token"]))
    refreshed = requests.post(
        f"{tenant.url}/oauth/token",
        data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
        auth=(tenant.client_id, tenant.client_secret),
        timeout=TIMEOUT,
    )
    assert refreshed.status_code == 400 and refreshed.json()["error"] == "invalid_grant"


def test_signing_out_everywhere_an_unknown_user_is_404(tenant):
    with master(tenant) as http:
        answer = http.delete(f"{tenant.url}/api/v1/users/nobody/sessions", timeout=TIMEOUT)
    assert answer.status_code == 404 and answer.json()["error"] == "user_not_found"


def test_signing_out_of_kaseyaone_ends_the_session(tenant, browser):
    sign_in_on_portal(tenant, browser)
    answer = submit_form(browser, f"{tenant.url}/", "sign-out")
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/login")
    assert not signed_in(tenant, browser)
    shows_the_form(tenant, browser)


# --------------------------------------------------------------------------------------------
# KaseyaOne's pages: sign-in and tiles
# --------------------------------------------------------------------------------------------


def test_a_wrong_password_or_a_deactivated_user_is_refused_on_the_sign_in_page(tenant, browser):
    for role, password in (("alice", "wrong"), ("deactivated", PASSWORD)):
        answer = sign_in_on_portal(tenant, browser, role, password)
        assert answer.status_code == 401 and 'id="error"' in answer.text
        assert not signed_in(tenant, browser)


def register(tenant: Tenant, **body) -> requests.Response:
    with master(tenant) as http:
        return http.post(
            f"{tenant.url}/api/v1/module-instances",
            json={"module": "autotask", "redirect_uris": [REDIRECT_URI], **body},
            timeout=TIMEOUT,
        )


def tiles_of(tenant: Tenant, browser) -> tuple[set[str], dict[str, str]]:
    """The module instances KaseyaOne's home page shows a tile for, and where those with a
    login URL lead."""
    page = browser.get(f"{tenant.url}/", timeout=TIMEOUT)
    assert page.status_code == 200
    parsed = PageParser(page.text)
    shown = {k[5:] for k in parsed.data if k.startswith("tile-")}
    return shown, {k[5:]: v for k, v in parsed.links.items() if k.startswith("tile-")}


def test_tiles_lead_to_each_module_instance_the_user_has_access_to_and_no_other(tenant, browser):
    with_url = register(tenant, name="AT one", initiate_login_uri="https://at.test/sso/start")
    without_access = register(tenant, name="AT two", initiate_login_uri="https://at2.test/start")
    with master(tenant) as http:
        url = f"{tenant.url}/api/v1/module-instances/{with_url.json()['id']}/users"
        http.put(f"{url}/{tenant.users['alice']['id']}", timeout=TIMEOUT).raise_for_status()
    sign_in_on_portal(tenant, browser)
    shown, links = tiles_of(tenant, browser)
    assert without_access.json()["id"] not in shown
    assert shown == {tenant.instance_id, with_url.json()["id"]}
    # The UniView instance of the fixture registered no initiate_login_uri: no link to follow.
    expected = "https://at.test/sso/start?" + urlencode(
        {"iss": tenant.url, "login_hint": tenant.email("alice")}
    )
    assert links == {with_url.json()["id"]: expected}


def test_a_user_with_no_module_sees_no_tile(tenant, browser):
    sign_in_on_portal(tenant, browser, "outsider")
    assert tiles_of(tenant, browser) == (set(), {})


# --------------------------------------------------------------------------------------------
# The app launcher's list, for a module's pages
# --------------------------------------------------------------------------------------------


def launcher(tenant: Tenant, access_token: str | None) -> requests.Response:
    headers = {"Authorization": f"Bearer {access_token}"} if access_token else {}
    return requests.get(f"{tenant.url}/api/v1/launcher", headers=headers, timeout=TIMEOUT)


def test_the_launcher_lists_every_module_instance_of_the_user_marking_the_asking_one(
    tenant, browser
):
    other = register(tenant, name="Autotask", initiate_login_uri="https://at.test/start").json()
    with master(tenant) as http:
        http.put(
            f"{tenant.url}/api/v1/module-instances/{other['id']}/users/{tenant.users['alice']['id']}",
            timeout=TIMEOUT,
        ).raise_for_status()
    answer = launcher(tenant, tokens_for(tenant, browser)["access_token"])
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["home_url"] == f"{tenant.url}/" and body["login_url"] == f"{tenant.url}/login"
    assert body["user"]["email"] == tenant.email("alice")
    modules = {m["instance_id"]: m for m in body["modules"]}
    assert set(modules) == {tenant.instance_id, other["id"]}
    assert modules[tenant.instance_id]["current"] is True
    assert modules[other["id"]]["current"] is False
    assert modules[other["id"]]["module"] == "autotask"
    assert modules[other["id"]]["launch_url"].startswith("https://at.test/start?iss=")


def test_the_launcher_needs_a_live_access_token(tenant, browser):
    assert_invalid_token(launcher(tenant, "made-up"))
    assert launcher(tenant, None).status_code == 401
    tokens = tokens_for(tenant, browser)
    tenant.advance_clock(3601)
    assert_invalid_token(launcher(tenant, tokens["access_token"]))


# --------------------------------------------------------------------------------------------
# Client metadata
# --------------------------------------------------------------------------------------------


def test_registration_keeps_the_logout_and_login_uris_and_shows_them(tenant):
    body = register(
        tenant,
        post_logout_redirect_uris=["https://at.test/bye"],
        initiate_login_uri="https://at.test/start",
    ).json()
    assert body["post_logout_redirect_uris"] == ["https://at.test/bye"]
    assert body["initiate_login_uri"] == "https://at.test/start"
    with master(tenant) as http:
        shown = http.get(f"{tenant.url}/api/v1/module-instances/{body['id']}", timeout=TIMEOUT)
    assert shown.json()["post_logout_redirect_uris"] == ["https://at.test/bye"]


def test_registration_refuses_client_metadata_that_is_not_urls(tenant):
    for field, value in (
        ("post_logout_redirect_uris", "https://at.test/bye"),
        ("post_logout_redirect_uris", ["not a url"]),
        ("initiate_login_uri", "javascript:alert(1)"),
        ("initiate_login_uri", ["https://at.test/start"]),
    ):
        answer = register(tenant, **{field: value})
        assert answer.status_code == 400, (field, value, answer.text)
        assert answer.json()["field"] == field
