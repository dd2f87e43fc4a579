"""Settings > Integrations > KaseyaOne in UniView: adding the integration, the settings and
their dependency rules, who may see and change them."""

from __future__ import annotations

from pytest_bdd import given, parsers, then, when

from .tenants import _check, add_integration

DEPENDENT = (
    "require_login",
    "automatic_user_creation",
    "automatic_user_deprovisioning",
    "access_groups",
)


SETTINGS_CHANGE = "the integration's settings"


def before_settings_change(cast, changes: dict) -> None:
    """In a provisioned tenant, a change of the settings (from either side) is put back
    afterwards, and needs permission; asking for what already holds changes nothing."""
    if cast.provisioned and not cast.changing(SETTINGS_CHANGE):
        before = settings(cast)
        if any(before.get(key) != value for key, value in changes.items()):
            cast.will_change(SETTINGS_CHANGE, lambda: put_settings_back(cast, before))


def change_settings(cast, **changes):
    before_settings_change(cast, changes)
    return cast.uniview.change_integration_settings(
        cast.superuser.browser, cast.uv_tenant, **changes
    )


def put_settings_back(cast, before: dict) -> None:
    _check(
        cast.uniview.change_integration_settings(cast.superuser.browser, cast.uv_tenant, **before),
        "Putting the integration's settings back",
    )


def settings(cast) -> dict:
    return _check(
        cast.uniview.integration(cast.superuser.browser, cast.uv_tenant),
        "Reading the integration configuration",
    )["settings"]


@given(
    "the superuser has turned on Require Login, Automatic User Creation, Automatic User "
    "Deprovisioning and Access Groups"
)
def all_settings_on(cast):
    _check(change_settings(cast, **dict.fromkeys(DEPENDENT, True)), "Turning settings on")
    assert all(settings(cast)[key] for key in DEPENDENT)


@given("Log In with KaseyaOne is off")
def login_off(cast):
    _check(change_settings(cast, login_with_kaseyaone=False), "Turning Log In with KaseyaOne off")


@given("the superuser has turned Require Login on")
def require_login_on(cast):
    _check(change_settings(cast, require_login=True), "Turning Require Login on")


@when("the superuser turns Log In with KaseyaOne off", target_fixture="change")
def turn_login_off(cast):
    return _check(
        change_settings(cast, login_with_kaseyaone=False), "Turning Log In with KaseyaOne off"
    )


@when("the superuser turns Log In with KaseyaOne on", target_fixture="change")
def turn_login_on(cast):
    return _check(
        change_settings(cast, login_with_kaseyaone=True), "Turning Log In with KaseyaOne on"
    )


@when("the superuser turns Require Login off", target_fixture="change")
def turn_require_login_off(cast):
    return _check(change_settings(cast, require_login=False), "Turning Require Login off")


@when(parsers.parse('the superuser tries to turn "{setting}" on'), target_fixture="change")
def try_turn_on(cast, setting):
    return change_settings(cast, **{setting: True})


@when(
    "the superuser turns Log In with KaseyaOne and Require Login on in one change",
    target_fixture="change",
)
def turn_both_on(cast):
    return change_settings(cast, login_with_kaseyaone=True, require_login=True)


@when(
    parsers.parse('the superuser adds the KaseyaOne integration as "{alias}"'),
    target_fixture="change",
)
def add_integration_as(cast, alias):
    person = cast.person(alias)
    return add_integration(cast, person.email, person.password)


@when(
    "the superuser adds the KaseyaOne integration with a wrong master user password",
    target_fixture="change",
)
def add_integration_wrong_password(cast):
    return add_integration(cast, cast.master.email, "not-" + cast.master.password)


@then("the integration configuration shows Log In with KaseyaOne on")
def shows_login_on(cast):
    assert settings(cast)["login_with_kaseyaone"] is True


@then(parsers.parse('the integration configuration shows "{setting}" {state}'))
def shows_setting(cast, setting, state):
    assert state in ("on", "off")
    assert settings(cast)[setting] is (state == "on")


@then("the integration configuration shows these settings off:")
def shows_settings_off(cast, datatable):
    current = settings(cast)
    names = [row[0] for row in datatable[1:]]
    assert {name: current[name] for name in names} == dict.fromkeys(names, False)


@then(parsers.parse('the change is refused with "{error}"'))
def change_refused(change, error):
    assert not change.ok and change.error == error, (change.status, change.body)


@then("the KaseyaOne integration is not added")
def integration_not_added(cast):
    result = cast.uniview.integration(cast.superuser.browser, cast.uv_tenant)
    assert result.status == 404 and result.error == "integration_not_added", result.body
    instances = _check(cast.admin().module_instances(), "Listing module instances")
    assert instances["module_instances"] == []


@then("KaseyaOne lists the UniView module instance")
def kaseyaone_lists_instance(cast):
    instances = _check(cast.admin().module_instances(), "Listing module instances")
    assert [(i["id"], i["module"]) for i in instances["module_instances"]] == [
        (cast.instance_id, "uniview")
    ]


@when("the superuser opens Settings > Integrations", target_fixture="page")
def superuser_opens_settings(cast):
    return cast.uniview.integrations_page(cast.superuser.browser, cast.uv_tenant)


@when(parsers.parse('"{alias}" opens Settings > Integrations'), target_fixture="page")
def user_opens_settings(cast, alias):
    return cast.uniview.integrations_page(cast.person(alias).browser, cast.uv_tenant)


@then("the other centralized user management settings cannot be ticked")
def settings_locked(page):
    form = page.form("settings")
    # Disabled inputs are not submitted by a browser, so they are absent from the form's fields.
    assert not any(key in form.fields for key in DEPENDENT)
    assert "login_with_kaseyaone" not in form.fields  # shown, unticked


@then("the page shows the KaseyaOne configuration with a log-in link")
def page_shows_configuration(cast, page):
    assert page.status == 200
    assert page.has_form("settings")
    assert "/login/bypass/" in page.element_text("bypass-link")


@then(parsers.parse('"{alias}" is refused with "{error}"'))
def refused_page(page, alias, error):
    assert page.status == 403 and page.error == error, (page.status, page.text)


@then(parsers.parse('"{alias}" cannot change the integration configuration'))
def cannot_change(cast, alias):
    browser = cast.person(alias).browser
    for result in (
        cast.uniview.integration(browser, cast.uv_tenant),
        cast.uniview.change_integration_settings(browser, cast.uv_tenant, require_login=True),
    ):
        assert result.status == 403 and result.error == "superuser_required", result.body
    assert settings(cast)["require_login"] is False
