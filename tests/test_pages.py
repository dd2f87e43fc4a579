"""Pages a person can trust, on both simulators: a form posted from another site changes nothing
(CSRF token and Origin check), UniView's cookie-authenticated JSON API takes no form posts, no
page can be framed, cookies are Secure behind an https public URL, signing out ends the
session on the server, and the reset asks for a confirmation first."""

from __future__ import annotations

import csv
import io
import re

import pytest
import responses
from support import add_uniview_integration, csrf_token, post_form, uniview_app

import mock_kaseyaone
from mock_uniview import users
from mock_uniview.models import Tenant
from sim_common.passwords import FAST

HUB = "http://hub.test"
EVIL = "https://evil.example"


def kaseyaone_app(**config):
    app = mock_kaseyaone.create_app({"PASSWORD_HASH_METHOD": FAST, **config})
    app.test_client().post(
        "/_sim/tenants",
        json={
            "id": "acme",
            "users": [{"email": "m@acme.test", "name": "Mia", "password": "pw", "master": True}],
        },
    )
    return app


def signed_in(app, username="su@acme.test"):
    client = app.test_client()
    answer = post_form(client, "/t/acme/login", {"username": username, "password": "pw"})
    assert answer.status_code == 302
    return client


def group_names(client) -> list[str]:
    return [g["name"] for g in client.get("/t/acme/api/groups").get_json()["groups"]]


def refused_page(answer) -> str:
    page = answer.get_data(as_text=True)
    assert answer.status_code == 403 and answer.mimetype == "text/html"
    assert 'data-error="cross_site_request"' in page
    return page


@pytest.fixture
def uniview():
    return uniview_app(KASEYAONE_URL=HUB)


@pytest.fixture
def su(uniview):
    return signed_in(uniview)


def test_a_form_without_the_pages_token_changes_nothing(su):
    """What a page of another site can make a signed-in superuser's browser send."""
    answer = su.post("/t/acme/settings/groups", data={"action": "add_group", "name": "Evil"})
    assert "Reload the page" in refused_page(answer)
    forged = {"action": "add_group", "name": "Evil", "csrf_token": "made-up"}
    refused_page(su.post("/t/acme/settings/groups", data=forged))
    assert group_names(su) == []
    page = "/t/acme/settings/groups"
    assert post_form(su, page, {"action": "add_group", "name": "Night"}).status_code == 302
    assert group_names(su) == ["Night"]


def test_a_form_from_another_origin_is_refused_even_with_a_token(su):
    form = {"action": "add_group", "name": "Evil", "csrf_token": csrf_token(su, "/t/acme/login")}
    for origin in (EVIL, "null", "http://localhost:8080"):
        refused_page(su.post("/t/acme/settings/groups", data=form, headers={"Origin": origin}))
    assert group_names(su) == []
    ours = su.post("/t/acme/settings/groups", data=form, headers={"Origin": "http://localhost"})
    assert ours.status_code == 302 and group_names(su) == ["Evil"]


def test_the_public_url_is_an_origin_of_its_own():
    su = signed_in(uniview_app(PUBLIC_URL="https://uv.example"))
    form = {"action": "add_group", "name": "Day", "csrf_token": csrf_token(su, "/t/acme/login")}
    headers = {"Origin": "https://uv.example"}
    assert su.post("/t/acme/settings/groups", data=form, headers=headers).status_code == 302


def test_the_cookie_authenticated_api_takes_json_from_its_own_origin_only(su):
    forms = (
        {"data": {"name": "Evil"}},  # a form's body
        {"data": '{"name": "Evil"}', "content_type": "text/plain"},  # a form can send this too
    )
    for body in forms:
        answer = su.post("/t/acme/api/groups", **body)
        assert answer.status_code == 415 and answer.get_json()["error"] == "json_required"
    foreign = su.post("/t/acme/api/groups", json={"name": "Evil"}, headers={"Origin": EVIL})
    assert foreign.status_code == 403 and foreign.get_json()["error"] == "cross_site_request"
    assert group_names(su) == []
    assert su.post("/t/acme/api/groups", json={"name": "Day"}).status_code == 201
    assert su.patch("/t/acme/api/groups/nope", json={"name": "x"}).status_code == 404


def test_kaseyaone_pages_need_the_token_and_its_apis_do_not():
    app = kaseyaone_app()
    master = app.test_client()
    no_token = master.post("/admin/login", data={"email": "m@acme.test", "password": "pw"})
    refused_page(no_token)
    assert (
        post_form(master, "/admin/login", {"email": "m@acme.test", "password": "pw"}).status_code
        == 302
    )
    refused_page(master.post("/admin/groups", data={"action": "create", "name": "Evil"}))
    # The admin API is HTTP Basic: a browser never adds that to another site's request.
    api = app.test_client().post("/api/v1/groups", auth=("m@acme.test", "pw"), json={"name": "G"})
    assert api.status_code == 201
    groups = master.get("/api/v1/groups", auth=("m@acme.test", "pw")).get_json()["groups"]
    assert [g["name"] for g in groups] == ["G"]
    foreign = app.test_client().post(
        "/api/v1/groups", auth=("m@acme.test", "pw"), json={"name": "H"}, headers={"Origin": EVIL}
    )
    assert foreign.status_code == 403


@pytest.mark.parametrize("path", ["/t/acme/login", "/t/acme/api/session", "/"])
def test_no_uniview_page_can_be_framed(uniview, path):
    headers = uniview.test_client().get(path).headers
    assert headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]


@pytest.mark.parametrize("path", ["/admin/login", "/", "/.well-known/openid-configuration"])
def test_no_kaseyaone_page_can_be_framed(path):
    headers = kaseyaone_app().test_client().get(path).headers
    assert headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]


def set_cookies(answer) -> dict[str, str]:
    return {h.split("=", 1)[0]: h for h in answer.headers.getlist("Set-Cookie")}


@pytest.mark.parametrize("public_url, secure", [("https://uv.example", True), (None, False)])
def test_uniview_cookies_are_secure_behind_an_https_public_url(public_url, secure):
    app = uniview_app(PUBLIC_URL=public_url)
    client = app.test_client()
    shown = client.get("/t/acme/login")  # the form's token goes into Flask's session cookie
    answer = post_form(client, "/t/acme/login", {"username": "su@acme.test", "password": "pw"})
    cookies = {**set_cookies(shown), **set_cookies(answer)}
    assert {"uv_flow", "uv_session"} <= set(cookies)
    for header in cookies.values():
        assert ("; Secure" in header) is secure, header
    logout = post_form(client, "/t/acme/", {}, action="/t/acme/logout")
    assert ("; Secure" in set_cookies(logout)["uv_session"]) is secure


@pytest.mark.parametrize("public_url, secure", [("https://k1.example", True), (None, False)])
def test_kaseyaone_cookies_are_secure_behind_an_https_public_url(public_url, secure):
    client = kaseyaone_app(PUBLIC_URL=public_url).test_client()
    answer = post_form(client, "/admin/login", {"email": "m@acme.test", "password": "pw"})
    assert ("; Secure" in set_cookies(answer)["k1_session"]) is secure  # KaseyaOne's session


def test_a_copied_admin_cookie_is_worthless_after_signing_out():
    app = kaseyaone_app()
    master = app.test_client()
    post_form(master, "/admin/login", {"email": "m@acme.test", "password": "pw"})
    copied = master.get_cookie("k1_session").value
    thief = app.test_client()
    thief.set_cookie("k1_session", copied)
    assert thief.get("/admin/modules").status_code == 200
    signed_out = post_form(master, "/admin/modules", {}, action="/admin/logout")
    assert signed_out.headers["Location"].endswith("/admin/login")
    assert thief.get("/admin/modules").headers["Location"].endswith("/admin/login")


def test_admin_settings_sessions_end_when_their_time_is_up():
    app = kaseyaone_app()
    master = app.test_client()
    post_form(master, "/admin/login", {"email": "m@acme.test", "password": "pw"})
    assert master.get("/admin/modules").status_code == 200
    app.test_client().post("/_sim/tenants/acme/clock/advance", json={"seconds": 8 * 3600})
    assert master.get("/admin/modules").headers["Location"].endswith("/admin/login")


def test_a_copied_uniview_cookie_is_worthless_after_logging_out(uniview, su):
    copied = su.get_cookie("uv_session", path="/t/acme/").value
    post_form(su, "/t/acme/", {}, action="/t/acme/logout")
    thief = uniview.test_client()
    thief.set_cookie("uv_session", copied, path="/t/acme/")
    assert thief.get("/t/acme/api/session").status_code == 401


# The reset (UV-RESET-1/2): a confirmation step with the list of the integration's users.


def integrated_with_mapped_user(app, name: str):
    add_uniview_integration(app, "acme", issuer=HUB)
    with app.app_context(), app.extensions["sim_store"].transaction() as session:
        tenant = session.get(Tenant, "acme")
        users.create_user(
            session, tenant, username="ann@acme.test", name=name, role="monitor", k1_subject="s1"
        )


def test_the_reset_asks_for_a_confirmation_with_the_users_to_copy(uniview, su):
    integrated_with_mapped_user(uniview, "Ann Example")
    settings = su.get("/t/acme/settings/integrations").get_data(as_text=True)
    assert 'id="reset"' in settings
    with responses.RequestsMock() as hub:  # KaseyaOne is asked nothing before the confirmation
        dialog = su.get("/t/acme/settings/integrations/reset").get_data(as_text=True)
        unconfirmed = post_form(su, "/t/acme/settings/integrations", {"action": "reset"})
        assert not hub.calls
    for page in (dialog, unconfirmed.get_data(as_text=True)):
        assert (
            "Click Reset to confirm that this will remove the integration and all of its user "
            in page
        )
        assert 'id="copy-users"' in page and "Copy list to clipboard" in page
        assert "ann@acme.test" in re.search(r'<textarea id="users-list"[^>]*>([^<]*)<', page)[1]
        assert 'id="confirm-reset"' in page
    assert su.get("/t/acme/api/integrations/kaseyaone").status_code == 200
    with responses.RequestsMock() as hub:
        hub.delete(f"{HUB}/api/v1/module/instance", json={"removed": "inst"})
        confirmed = post_form(
            su, "/t/acme/settings/integrations", {"action": "reset", "confirmed": "yes"}
        )
    assert confirmed.status_code == 302
    assert su.get("/t/acme/api/integrations/kaseyaone").status_code == 404


def test_the_users_csv_keeps_formulas_as_text(uniview, su):
    integrated_with_mapped_user(uniview, '=HYPERLINK("https://evil.example","Click")')
    answer = su.get("/t/acme/api/integrations/kaseyaone/users?format=csv")
    rows = list(csv.DictReader(io.StringIO(answer.get_data(as_text=True))))
    assert rows[0]["name"] == '\'=HYPERLINK("https://evil.example","Click")'
    assert rows[0]["username"] == "ann@acme.test"
