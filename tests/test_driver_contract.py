"""The drivers' contract (k1harness.drivers.contract): what every driver must do for the steps,
checked against ours, the simulators' drivers with each browser (requests, and Chromium through
Playwright where a Chromium is installed); a driver that does not keep it is refused at start,
naming what it lacks; a target file's `driver` is the one the suite uses."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from k1harness.drivers import Browser, KaseyaOneDriver, UniViewDriver, contract
from k1harness.drivers.contract import DriverLoadError, contract_problems, load_driver
from k1harness.embedded import start_embedded
from k1harness.targets import SYSTEMS

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "contract-pw-1"


class ForgetsTheTenant(UniViewDriver):
    def login_page(self, browser):  # the contract passes the tenant too
        return super().login_page(browser, "")


def test_every_system_has_a_contract_its_driver_keeps():
    assert set(contract.CONTRACTS) == set(SYSTEMS)
    for name, kind in SYSTEMS.items():
        assert contract_problems(load_driver(kind.driver, name), contract.CONTRACTS[name]) == []
    assert contract_problems(Browser, contract.Browser) == []
    playwright = pytest.importorskip("k1harness.drivers.playwright")
    assert contract_problems(playwright.PlaywrightBrowser, contract.Browser) == []


@pytest.mark.parametrize(
    "spec, lacking",
    [
        ("k1harness.drivers.base:SystemDriver", "log_in_with_credentials is missing"),
        (f"{__name__}:ForgetsTheTenant", "login_page has no parameter tenant"),
        ("k1harness.drivers.nowhere:Driver", "cannot import k1harness.drivers.nowhere"),
        ("k1harness.drivers.uniview", 'must be "package.module:Class"'),
    ],
)
def test_a_driver_that_does_not_keep_the_contract_is_refused_naming_what_it_lacks(spec, lacking):
    with pytest.raises(DriverLoadError, match=lacking):
        load_driver(spec, "uniview")


def test_a_target_files_driver_is_the_one_the_suite_uses(tmp_path):
    (tmp_path / "team_driver.py").write_text(
        "from k1harness.drivers.kaseyaone import KaseyaOneDriver\n"
        "class TeamKaseyaOne(KaseyaOneDriver):\n"
        "    def discovery(self):\n"
        "        print('the team driver read discovery')\n"
        "        return super().discovery()\n"
        "class Broken:\n"
        "    pass\n"
    )
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("K1_")},
        "PYTHONPATH": str(tmp_path),
    }
    for driver, expected in (("TeamKaseyaOne", 0), ("Broken", 4)):
        (tmp_path / "t.toml").write_text(f'[kaseyaone]\ndriver = "team_driver:{driver}"\n')
        done = subprocess.run(
            [sys.executable, "-m", "pytest", "-s", "-q", "-p", "no:cacheprovider"]
            + ["features/test_provider_conformance.py", "-k", "configuration"]
            + ["--target", str(tmp_path / "t.toml")],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == expected, done.stdout[-2000:]
        if expected == 0:
            assert "the team driver read discovery" in done.stdout
    assert "does not keep the kaseyaone contract" in done.stdout
    assert "admin is missing" in done.stdout


# --- behaviours, against the embedded simulators, with each browser


@pytest.fixture(scope="module")
def systems():
    sims = start_embedded()
    hub, module = KaseyaOneDriver(sims.kaseyaone.url), UniViewDriver(sims.uniview.url)
    yield hub, module
    sims.stop()


@pytest.fixture(scope="module")
def chromium():
    from k1harness.drivers.playwright import launch_chromium

    try:
        browser = launch_chromium()
    except RuntimeError as exc:
        pytest.skip(str(exc))
    yield browser
    browser.close()


@pytest.fixture(params=["requests", "chromium"])
def new_browser(request):
    opened = []

    def make():
        if request.param == "chromium":
            browser = request.getfixturevalue("chromium").new_browser()
        else:
            browser = Browser()
        opened.append(browser)
        return browser

    yield make
    for browser in opened:
        browser.close()


@pytest.fixture
def tenants(systems, new_browser):
    """A KaseyaOne tenant with a master user and a user with access; a UniView tenant whose
    superuser (signed in) has added the integration, and where the user has an account."""
    hub, module = systems
    people = {"master": "m@contract.test", "alice": "alice@contract.test"}
    k1 = hub.create_tenant(
        "Contract",
        users=[
            {"email": people["master"], "name": "M", "password": PASSWORD, "master": True},
            {"email": people["alice"], "name": "Alice", "password": PASSWORD},
        ],
    )
    uv = module.create_tenant(
        "Contract",
        users=[
            {"username": "su@contract.test", "password": PASSWORD, "role": "superuser"},
            {"username": people["alice"], "password": PASSWORD, "role": "monitor"},
        ],
    )
    tenant = uv["tenant"]["id"]
    superuser = new_browser()
    module.log_in_with_credentials(superuser, tenant, "su@contract.test", PASSWORD)
    added = module.add_kaseyaone_integration(superuser, tenant, people["master"], PASSWORD)
    assert added.ok, added.body
    instance = added.body["kaseyaone"]["module_instance"]
    admin = hub.admin(people["master"], PASSWORD)
    assert admin.grant_module_access(instance, k1["users"][1]["id"]).ok
    yield {"tenant": tenant, "instance": instance, "superuser": superuser, **people}
    module.delete_tenant(tenant)
    hub.delete_tenant(k1["tenant"]["id"])


def test_drivers_browsers_and_pages_are_what_the_contract_declares(systems, new_browser):
    hub, module = systems
    browser = new_browser()
    assert isinstance(hub, contract.KaseyaOne) and isinstance(module, contract.UniView)
    assert isinstance(browser, contract.Browser)
    page = browser.open(hub.url("/admin/login"))
    assert isinstance(page, contract.Page) and isinstance(page.form("admin-login"), contract.Form)
    assert page.status == 200 and page.url == hub.url("/admin/login")
    assert page.form("admin-login").fields["csrf_token"]  # hidden fields, as sent


def test_a_module_signs_a_person_in_with_its_own_credentials_or_says_why_not(
    systems, tenants, new_browser
):
    _, module = systems
    tenant, browser = tenants["tenant"], new_browser()
    refused = module.log_in_with_credentials(browser, tenant, tenants["alice"], "wrong")
    assert refused.status == 401 and refused.error == "invalid_credentials"
    assert module.current_session(browser, tenant) is None
    module.log_in_with_credentials(browser, tenant, tenants["alice"], PASSWORD)
    session = module.current_session(browser, tenant)
    assert session["method"] == "uniview" and session["user"]["username"] == tenants["alice"]


def test_log_in_with_kaseyaone_goes_through_kaseyaones_form_and_back(systems, tenants, new_browser):
    hub, module = systems
    tenant, browser = tenants["tenant"], new_browser()
    form = module.open_kaseyaone_login(browser, tenant, login_hint=tenants["alice"])
    assert hub.is_login_page(form) and form.form("login").fields["email"] == tenants["alice"]
    wrong = hub.submit_login(browser, form, tenants["alice"], "wrong")
    assert wrong.error == "invalid_credentials"
    attempt = module.log_in_with_kaseyaone(browser, tenant, hub, tenants["alice"], PASSWORD)
    assert attempt.reached_kaseyaone
    assert module.current_session(browser, tenant)["method"] == "kaseyaone"
    assert hub.discovery()["issuer"] == hub.base_url


def test_settings_change_in_the_module_and_in_module_management(systems, tenants, new_browser):
    hub, module = systems
    tenant, superuser = tenants["tenant"], tenants["superuser"]
    assert module.integrations_page(superuser, tenant).has_form("settings")
    changed = module.change_integration_settings(superuser, tenant, automatic_user_creation=True)
    assert changed.ok and changed.body["settings"]["automatic_user_creation"] is True
    master = new_browser()
    needs = hub.change_in_module_management(
        master, tenants["master"], PASSWORD, tenants["instance"], require_login=True
    )
    assert needs.error == "confirmation_required"
    done = hub.change_in_module_management(
        master,
        tenants["master"],
        PASSWORD,
        tenants["instance"],
        confirmed=True,
        require_login=True,
        automatic_user_creation=False,  # a box left unticked
    )
    assert done.ok, done.body
    settings = module.integration(superuser, tenant).body["settings"]
    assert settings["require_login"] is True and settings["automatic_user_creation"] is False
    not_master = new_browser()
    refused = hub.change_in_module_management(
        not_master, tenants["alice"], PASSWORD, tenants["instance"], require_login=False
    )
    assert refused.error == "master_user_required"
