"""Autotask and its KaseyaOne integration, in the words of the Autotask document: an Autotask
instance and its administrator, resources (Autotask's users), Log In with KaseyaOne beside
Autotask credentials (AT-SSO-1..3), LiveMobile (AT-SSO-2), Require Login with KaseyaOne, User
Exceptions and the Bypass URL (AT-REQ-1/2), and who may configure the integration (AT-SEC-1).
The scenario's Autotask instance is `autotask_scene`, beside the people of `cast`."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from pytest_bdd import given, parsers, then, when

from k1harness.drivers.module import KaseyaOneSignIn, final_page

from .access_groups import names
from .tenants import _check, create_kaseyaone_user

ADMIN = "administrator"


@dataclass
class AutotaskScene:
    """One scenario's Autotask instance: its id, API user, the administrator who configures the
    KaseyaOne integration, its module instance in KaseyaOne, and the ids of what it has."""

    tenant: str | None = None
    api_user: dict = field(default_factory=dict)
    instance_id: str | None = None
    security_levels: dict[str, int] = field(default_factory=dict)
    user_names: dict[str, str] = field(default_factory=dict)  # alias -> Autotask user name


@pytest.fixture
def autotask_scene(cast, autotask):
    scene = AutotaskScene()
    yield scene
    if scene.tenant:
        autotask.delete_tenant(scene.tenant)


def admin_browser(cast):
    return cast.person(ADMIN).browser


def integration(cast, autotask, scene) -> dict:
    return _check(
        autotask.integration(admin_browser(cast), scene.tenant), "Reading the KaseyaOne integration"
    )


def change_settings(cast, autotask, scene, **changes):
    return autotask.change_integration_settings(admin_browser(cast), scene.tenant, **changes)


def user_name_of(cast, alias: str) -> str:
    """The Autotask user name of a person: the local part of her email address."""
    return cast.person(alias).email.split("@", 1)[0]


# --- the Autotask instance and its people


@given("an Autotask instance with an administrator")
def autotask_instance(cast, autotask, autotask_scene):
    admin = cast.person(ADMIN)
    seeded = autotask.create_tenant(
        cast.faker.company(),
        departments=["Service Desk", "Projects"],
        roles=["Technician", "Dispatcher"],
        resources=[
            {
                "userName": user_name_of(cast, ADMIN),
                "email": admin.email,
                "firstName": admin.name.split()[0],
                "lastName": admin.name.split()[-1],
                "password": admin.password,
                "securityLevel": "System Administrator",
                "department": "Service Desk",
                "role": "Technician",
                "approvesTimesheets": True,
                "approvesExpenses": True,
            }
        ],
    )
    autotask_scene.tenant = seeded["tenant"]["id"]
    autotask_scene.api_user = seeded["api_user"]
    autotask_scene.security_levels = {lv["name"]: lv["id"] for lv in seeded["security_levels"]}
    autotask_scene.user_names[ADMIN] = user_name_of(cast, ADMIN)
    page = autotask.log_in_with_credentials(
        admin.browser, autotask_scene.tenant, user_name_of(cast, ADMIN), admin.password
    )
    assert autotask.current_session(admin.browser, autotask_scene.tenant), page.text


def add_resource(cast, autotask, scene, alias: str, *, level="Team Member", user_name=None):
    person = cast.person(alias)
    user_name = user_name or user_name_of(cast, alias)
    _check(
        autotask.add_resource(
            admin_browser(cast),
            scene.tenant,
            userName=user_name,
            email=person.email,
            firstName=person.name.split()[0],
            lastName=person.name.split()[-1],
            password=person.password,
            securityLevel=level,
        ),
        f"Adding the Autotask resource {alias}",
    )
    scene.user_names[alias] = user_name
    return person


@given(parsers.parse('"{alias}" has an Autotask account'))
@given(parsers.parse('an Autotask resource "{alias}" with Autotask credentials'))
def autotask_account(cast, autotask, autotask_scene, alias):
    add_resource(cast, autotask, autotask_scene, alias)


@given(parsers.parse('"{alias}" has an Autotask account under the user name "{user_name}"'))
def autotask_account_named(cast, autotask, autotask_scene, alias, user_name):
    add_resource(cast, autotask, autotask_scene, alias, user_name=user_name)


@given(parsers.parse('an Autotask resource "{alias}" with the security level "{level}"'))
def autotask_resource_at_level(cast, autotask, autotask_scene, alias, level):
    add_resource(cast, autotask, autotask_scene, alias, level=level)


@given(parsers.parse('the administrator has made "{alias}" inactive in Autotask'))
def make_inactive(cast, autotask, autotask_scene, alias):
    _check(
        autotask.change_resource(
            admin_browser(cast),
            autotask_scene.tenant,
            autotask_scene.user_names[alias],
            isActive=False,
        ),
        f"Making {alias} inactive",
    )


# --- the integration


def add_integration(cast, autotask, scene, email: str, password: str):
    result = autotask.add_kaseyaone_integration(admin_browser(cast), scene.tenant, email, password)
    if result.ok:
        scene.instance_id = result.body["kaseyaone"]["module_instance"]
    return result


@given("the administrator has added the KaseyaOne integration to Autotask")
def integration_added(cast, autotask, autotask_scene):
    _check(
        add_integration(cast, autotask, autotask_scene, cast.master.email, cast.master.password),
        "Adding the KaseyaOne integration to Autotask",
    )


@when(
    "the administrator adds the KaseyaOne integration to Autotask as the master user",
    target_fixture="change",
)
def add_integration_as_master(cast, autotask, autotask_scene):
    return add_integration(cast, autotask, autotask_scene, cast.master.email, cast.master.password)


@when(
    parsers.parse(
        'the administrator tries to add the KaseyaOne integration to Autotask as "{alias}"'
    ),
    target_fixture="change",
)
def add_integration_as(cast, autotask, autotask_scene, alias):
    person = cast.person(alias)
    return add_integration(cast, autotask, autotask_scene, person.email, person.password)


@given(parsers.parse('a KaseyaOne user "{alias}" with access to Autotask'))
def kaseyaone_user_with_access(cast, autotask_scene, alias):
    person = create_kaseyaone_user(cast, alias)
    _check(
        cast.admin().grant_module_access(autotask_scene.instance_id, person.kaseyaone_id),
        f"Granting {alias} access to Autotask",
    )


@given(parsers.parse('a KaseyaOne user "{alias}" without access to Autotask'))
def kaseyaone_user_without_access(cast, alias):
    create_kaseyaone_user(cast, alias)


@given(parsers.parse('the master user grants "{alias}" access to Autotask'))
@when(parsers.parse('the master user grants "{alias}" access to Autotask'))
def grant_access(cast, autotask_scene, alias):
    _check(
        cast.admin().grant_module_access(
            autotask_scene.instance_id, cast.person(alias).kaseyaone_id
        ),
        f"Granting {alias} access to Autotask",
    )


@when(parsers.parse('the master user withdraws the Autotask access of "{alias}"'))
def withdraw_access(cast, autotask_scene, alias):
    _check(
        cast.admin().withdraw_module_access(
            autotask_scene.instance_id, cast.person(alias).kaseyaone_id
        ),
        f"Withdrawing the Autotask access of {alias}",
    )


# --- signing in


def log_in_with_kaseyaone(cast, autotask, scene, alias: str) -> KaseyaOneSignIn:
    person = cast.person(alias)
    return autotask.log_in_with_kaseyaone(
        person.browser, scene.tenant, cast.kaseyaone, person.email, person.password
    )


@given(parsers.parse('"{alias}" has logged in to Autotask with KaseyaOne'))
@when(parsers.parse('"{alias}" logs in to Autotask with KaseyaOne'), target_fixture="attempt")
def when_log_in_with_kaseyaone(cast, autotask, autotask_scene, alias):
    return log_in_with_kaseyaone(cast, autotask, autotask_scene, alias)


@given(parsers.parse('"{alias}" has signed in to Autotask with Autotask credentials'))
@when(
    parsers.parse('"{alias}" logs in to Autotask with Autotask credentials'),
    target_fixture="attempt",
)
def log_in_with_credentials(cast, autotask, autotask_scene, alias):
    person = cast.person(alias)
    return autotask.log_in_with_credentials(
        person.browser, autotask_scene.tenant, autotask_scene.user_names[alias], person.password
    )


@when(
    parsers.parse('"{alias}" logs in to Autotask with a wrong password'), target_fixture="attempt"
)
def log_in_with_wrong_password(cast, autotask, autotask_scene, alias):
    person = cast.person(alias)
    return autotask.log_in_with_credentials(
        person.browser,
        autotask_scene.tenant,
        autotask_scene.user_names[alias],
        "not-" + person.password,
    )


def bypass_url(cast, autotask, scene) -> str:
    return integration(cast, autotask, scene)["bypass_url"]


@when(
    parsers.parse('"{alias}" uses the Bypass URL with Autotask credentials'),
    target_fixture="attempt",
)
def use_bypass_url(cast, autotask, autotask_scene, alias):
    person = cast.person(alias)
    return autotask.log_in_through_bypass_url(
        person.browser,
        bypass_url(cast, autotask, autotask_scene),
        autotask_scene.user_names[alias],
        person.password,
    )


@when(
    parsers.parse('"{alias}" uses the Bypass URL with a wrong password'), target_fixture="attempt"
)
def use_bypass_url_wrong_password(cast, autotask, autotask_scene, alias):
    person = cast.person(alias)
    return autotask.log_in_through_bypass_url(
        person.browser,
        bypass_url(cast, autotask, autotask_scene),
        autotask_scene.user_names[alias],
        "not-" + person.password,
    )


@when(parsers.parse('"{alias}" opens a made-up Bypass URL'), target_fixture="attempt")
def made_up_bypass_url(cast, autotask, autotask_scene, alias):
    real = bypass_url(cast, autotask, autotask_scene)
    made_up = real[: real.rindex("/") + 1] + cast.faker.hexify("^" * 32)
    return cast.person(alias).browser.open(made_up)


@then("the Bypass URL is not found")
def bypass_url_not_found(attempt):
    assert attempt.status == 404 and not attempt.has_form("login"), attempt.status


def session_of(cast, autotask, scene, alias: str) -> dict | None:
    return autotask.current_session(cast.person(alias).browser, scene.tenant)


def assert_signed_in(cast, autotask, scene, alias: str, method: str) -> dict:
    session = session_of(cast, autotask, scene, alias)
    assert session is not None, f"{alias} is not signed in to Autotask"
    assert session["method"] == method, session
    assert session["resource"]["email"] == cast.person(alias).email, session
    return session


@then(parsers.parse('"{alias}" is signed in to Autotask through KaseyaOne'))
def signed_in_through_kaseyaone(cast, autotask, autotask_scene, alias):
    assert_signed_in(cast, autotask, autotask_scene, alias, "kaseyaone")


@then(parsers.parse('"{alias}" is signed in to Autotask with Autotask credentials'))
def signed_in_with_credentials(cast, autotask, autotask_scene, alias):
    assert_signed_in(cast, autotask, autotask_scene, alias, "autotask")


@then(parsers.parse('"{alias}" is signed in to Autotask through the Bypass URL'))
def signed_in_through_bypass(cast, autotask, autotask_scene, alias):
    assert_signed_in(cast, autotask, autotask_scene, alias, "bypass")


@then(parsers.parse('"{alias}" is not signed in to Autotask'))
def not_signed_in(cast, autotask, autotask_scene, alias):
    assert session_of(cast, autotask, autotask_scene, alias) is None


@then(parsers.parse('Autotask refuses the login with "{error}"'))
def autotask_refuses(attempt, error):
    page = final_page(attempt)
    assert page.status >= 400, f"{page.status} {page.url}"
    assert page.error == error, page.text


@then(parsers.parse('the refusal tells "{alias}" to ask the Autotask administrator'))
def told_to_ask(attempt, alias):
    text = final_page(attempt).element_text("error").lower()
    assert "ask your autotask administrator" in text, text


def login_page(cast, autotask, scene):
    return autotask.login_page(cast.person("visitor").browser, scene.tenant)


@then("the Autotask login page offers Log In with KaseyaOne")
def login_page_offers_kaseyaone(cast, autotask, autotask_scene):
    assert login_page(cast, autotask, autotask_scene).has_link("kaseyaone-login")


@then("the Autotask login page does not offer Log In with KaseyaOne")
def login_page_without_kaseyaone(cast, autotask, autotask_scene):
    page = login_page(cast, autotask, autotask_scene)
    assert page.status == 200 and page.has_form("login")
    assert not page.has_link("kaseyaone-login")


# --- LiveMobile


@when(parsers.parse('"{alias}" signs in to LiveMobile'), target_fixture="livemobile")
def sign_in_to_livemobile(cast, autotask, autotask_scene, alias):
    return autotask.livemobile_login(
        autotask_scene.tenant, autotask_scene.user_names[alias], cast.person(alias).password
    )


@then(parsers.parse('LiveMobile refuses "{alias}" with "{error}"'))
def livemobile_refuses(livemobile, alias, error):
    assert livemobile.status == 403 and livemobile.error == error, livemobile.body


@then(parsers.parse('"{alias}" is signed in to LiveMobile'))
def signed_in_to_livemobile(autotask_scene, livemobile, alias):
    assert livemobile.status == 201, livemobile.body
    assert livemobile.body["resource"]["userName"] == autotask_scene.user_names[alias]


# --- Unified Login and Require Login with KaseyaOne, in Autotask


def set_setting(cast, autotask, scene, **changes) -> None:
    _check(change_settings(cast, autotask, scene, **changes), f"Changing {changes}")


@given("the administrator has turned Unified Login off")
@when("the administrator turns Unified Login off")
def unified_login_off(cast, autotask, autotask_scene):
    set_setting(cast, autotask, autotask_scene, unified_login=False)


@when("the administrator turns Unified Login on")
def unified_login_on(cast, autotask, autotask_scene):
    set_setting(cast, autotask, autotask_scene, unified_login=True)


@given("the administrator has turned Require Login with KaseyaOne on")
@when("the administrator turns Require Login with KaseyaOne on")
def require_login_on(cast, autotask, autotask_scene):
    set_setting(cast, autotask, autotask_scene, require_login=True)


@when("the administrator turns Require Login with KaseyaOne off")
def require_login_off(cast, autotask, autotask_scene):
    set_setting(cast, autotask, autotask_scene, require_login=False)


# --- User Exceptions


def grant_exceptions(cast, autotask, scene, aliases: list[str]):
    users = [scene.user_names[alias] for alias in aliases]
    return autotask.grant_exceptions(admin_browser(cast), scene.tenant, users)


@given(parsers.parse('the administrator has granted "{aliases}" exceptions at once'))
@when(parsers.parse('the administrator grants "{aliases}" exceptions at once'))
@given(parsers.parse('the administrator has granted "{aliases}" an exception'))
def grant_several(cast, autotask, autotask_scene, aliases):
    _check(
        grant_exceptions(cast, autotask, autotask_scene, names(aliases)),
        f"Granting {aliases} exceptions",
    )


@when(parsers.parse('the administrator withdraws the exception of "{alias}"'))
def withdraw_exception(cast, autotask, autotask_scene, alias):
    _check(
        autotask.withdraw_exception(
            admin_browser(cast), autotask_scene.tenant, autotask_scene.user_names[alias]
        ),
        f"Withdrawing the exception of {alias}",
    )


@then(parsers.parse('the User Exceptions are "{aliases}"'))
def exceptions_are(cast, autotask, autotask_scene, aliases):
    listed = integration(cast, autotask, autotask_scene)["exceptions"]
    assert listed == sorted(autotask_scene.user_names[alias] for alias in names(aliases))
    page = autotask.integration_page(admin_browser(cast), autotask_scene.tenant)
    shown = page.element_text("exceptions")
    assert all(autotask_scene.user_names[a] in shown for a in names(aliases)), shown


# --- who may configure the integration (AT-SEC-1)


@given(parsers.parse('"{alias}" is signed in to Autotask with the security level "{level}"'))
def signed_in_at_level(cast, autotask, autotask_scene, alias, level):
    person = add_resource(cast, autotask, autotask_scene, alias, level=level)
    autotask.log_in_with_credentials(
        person.browser, autotask_scene.tenant, autotask_scene.user_names[alias], person.password
    )
    assert session_of(cast, autotask, autotask_scene, alias), f"{alias} could not sign in"


@when(
    parsers.parse('"{alias}" opens Admin > Extensions & Integrations > KaseyaOne'),
    target_fixture="page",
)
def open_integration_page(cast, autotask, autotask_scene, alias):
    return autotask.integration_page(cast.person(alias).browser, autotask_scene.tenant)


@then("the page shows the KaseyaOne integration with its Bypass URL")
def page_shows_integration(cast, autotask, autotask_scene, page):
    assert page.status == 200 and page.has_form("settings"), page.status
    assert page.data("bypass-url")["url"] == bypass_url(cast, autotask, autotask_scene)


@then(parsers.parse('Autotask refuses "{alias}" the page with "{error}"'))
def page_refused(page, alias, error):
    assert page.status == 403 and page.error == error, (page.status, page.text[:500])


@when(
    parsers.parse('"{alias}" tries to turn Require Login with KaseyaOne on in Autotask'),
    target_fixture="change",
)
def someone_tries_require_login(cast, autotask, autotask_scene, alias):
    return autotask.change_integration_settings(
        cast.person(alias).browser, autotask_scene.tenant, require_login=True
    )


@then(parsers.parse('Autotask refuses the change with "{error}"'))
def autotask_refuses_change(change, error):
    assert not change.ok and change.error == error, (change.status, change.body)
