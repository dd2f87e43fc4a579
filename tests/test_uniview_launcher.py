"""UniView as a module of the KaseyaOne portal, against the simulated KaseyaOne over real HTTP:
the login URL KaseyaOne's tiles open (OIDC Core §4), KaseyaOne's app launcher in UniView's
pages (K1-HUB-2) when KaseyaOne's answer is late, refused or gone, and the Kaseya icon."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

import pytest

from k1harness.drivers import Browser, KaseyaOneDriver, UniViewDriver
from k1harness.embedded import start_embedded

PASSWORD = "pw-" + secrets.token_hex(4)


@pytest.fixture(scope="module")
def systems():
    embedded = start_embedded()
    yield KaseyaOneDriver(embedded.kaseyaone.url), UniViewDriver(embedded.uniview.url)
    embedded.stop()


@dataclass
class Setup:
    k1: KaseyaOneDriver
    uv: UniViewDriver
    hub: str
    tenant: str
    instance: str
    alice: str  # her KaseyaOne id
    email: str
    master: str

    def admin(self):
        return self.k1.admin(self.master, PASSWORD)

    def sign_in(self, browser: Browser):
        attempt = self.uv.log_in_with_kaseyaone(browser, self.tenant, self.k1, self.email, PASSWORD)
        assert self.uv.current_session(browser, self.tenant), attempt.page.text
        return attempt

    def launcher(self, browser: Browser) -> dict:
        page = self.uv.home(browser, self.tenant)
        assert page.status == 200, page.text
        return self.uv.launcher(page)

    def sent_to_kaseyaone(self, path: str) -> list[dict]:
        return [
            e
            for e in self.uv.journal(self.tenant)
            if e["direction"] == "sent" and e["url"].endswith(path)
        ]


@pytest.fixture
def setup(systems):
    """A KaseyaOne tenant with a master user and Alice; a UniView tenant that added the
    integration, where Alice has an account and may sign in through KaseyaOne."""
    k1, uv = systems
    tag = secrets.token_hex(3)
    master = f"m@hub-{tag}.test"
    hub = k1.create_tenant(
        f"Hub {tag}",
        users=[{"email": master, "name": "M", "password": PASSWORD, "master": True}],
    )["tenant"]["id"]
    email = f"alice@hub-{tag}.test"
    tenant = uv.create_tenant(
        f"UV {tag}",
        users=[
            {"username": f"su@uv-{tag}.test", "password": PASSWORD, "role": "superuser"},
            {"username": email, "password": PASSWORD, "role": "monitor"},
        ],
    )["tenant"]["id"]
    superuser = Browser()
    uv.log_in_with_credentials(superuser, tenant, f"su@uv-{tag}.test", PASSWORD)
    added = uv.add_kaseyaone_integration(superuser, tenant, master, PASSWORD)
    assert added.ok, added.body
    instance = added.body["kaseyaone"]["module_instance"]
    admin = k1.admin(master, PASSWORD)
    alice = admin.create_user(email, "Alice", PASSWORD).body["id"]
    assert admin.grant_module_access(instance, alice).ok
    yield Setup(k1, uv, hub, tenant, instance, alice, email, master)
    superuser.close()
    uv.delete_tenant(tenant)
    k1.delete_tenant(hub)


def test_the_login_url_refuses_a_sign_in_another_hub_started(setup):
    browser = Browser()
    page = browser.open(
        setup.uv.tenant_url(setup.tenant, "login/kaseyaone/initiate"),
        iss="https://another-hub.example",
        login_hint=setup.email,
    )
    assert page.status == 400 and page.error == "invalid_login_attempt"
    assert not setup.k1.passed_through(page)


@pytest.mark.parametrize("inside", [True, False], ids=["its-own-page", "elsewhere"])
def test_the_login_url_follows_a_target_only_within_the_tenants_pages(setup, inside):
    target = (
        setup.uv.tenant_url(setup.tenant, "organizations")
        if inside
        else "https://elsewhere.example/"
    )
    browser = Browser()
    start = browser.open(
        setup.uv.tenant_url(setup.tenant, "login/kaseyaone/initiate"),
        iss=setup.k1.discovery()["issuer"],
        login_hint=setup.email,
        target_link_uri=target,
    )
    attempt = setup.uv.through_kaseyaone(browser, start, setup.k1, setup.email, PASSWORD)
    expected = target if inside else setup.uv.tenant_url(setup.tenant)
    assert attempt.page.url == expected and attempt.page.status == 200


def test_the_launcher_refreshes_the_tokens_when_kaseyaone_says_the_access_token_expired(setup):
    browser = Browser()
    setup.sign_in(browser)
    setup.k1.advance_clock(setup.hub, 3601)  # expired on KaseyaOne's clock, not on UniView's
    launcher = setup.launcher(browser)
    assert launcher["kind"] == "waffle" and launcher["unavailable"] is None
    # The dashboard after the sign-in; then, refused, the refresh (the second token call).
    assert [e["status"] for e in setup.sent_to_kaseyaone("/api/v1/launcher")] == [200, 401, 200]
    assert [e["status"] for e in setup.sent_to_kaseyaone("/oauth/token")] == [200, 200]


def test_the_launcher_says_so_when_kaseyaone_does_not_answer_and_the_page_still_shows(setup):
    browser = Browser()
    setup.sign_in(browser)
    setup.k1.inject_fault(setup.hub, "portal", 1)
    launcher = setup.launcher(browser)
    assert launcher["kind"] == "waffle" and launcher["home"].startswith(setup.k1.base_url)
    assert "did not answer" in launcher["unavailable"]
    assert setup.launcher(browser)["unavailable"] is None  # and next time, it lists again


def test_once_kaseyaone_no_longer_answers_for_the_user_the_launcher_asks_for_a_new_sign_in(
    setup,
):
    browser = Browser()
    setup.sign_in(browser)
    assert setup.admin().sign_out_everywhere(setup.alice).ok  # her tokens are revoked
    assert "Sign in with KaseyaOne again" in setup.launcher(browser)["unavailable"]
    calls = len(setup.sent_to_kaseyaone("/api/v1/launcher"))
    assert "Sign in with KaseyaOne again" in setup.launcher(browser)["unavailable"]
    assert len(setup.sent_to_kaseyaone("/api/v1/launcher")) == calls  # it stopped asking


def test_a_session_with_uniview_credentials_shows_the_kaseya_icon_leading_to_kaseyaones_login(
    setup,
):
    browser = Browser()
    setup.uv.log_in_with_credentials(browser, setup.tenant, setup.email, PASSWORD)
    launcher = setup.launcher(browser)
    assert launcher == {"kind": "icon", "login": f"{setup.k1.discovery()['issuer']}/login"}
    assert setup.k1.is_login_page(browser.open(launcher["login"]))


def test_logging_out_of_a_session_opened_through_kaseyaone_ends_kaseyaones_session(setup):
    browser = Browser()
    setup.sign_in(browser)
    assert setup.k1.signed_in_as(setup.k1.home(browser)) == setup.email
    page = setup.uv.log_out(browser, setup.tenant)
    assert page.url.split("?")[0] == setup.uv.tenant_url(setup.tenant, "login")
    assert setup.k1.passed_through(page)
    assert setup.k1.signed_in_as(setup.k1.home(browser)) is None
