"""The settings document between UniView and KaseyaOne's Module Management."""

from __future__ import annotations

from pytest_bdd import given, parsers, then, when

from .configuration import before_settings_change
from .tenants import _check

STATES = {"on": True, "off": False}


def module_settings(cast) -> dict:
    return _check(cast.admin().module_settings(cast.instance_id), "Reading Module Management")


def change_in_module_management(cast, setting, state, *, confirmed, person=None):
    """As a person would: in Module Management's pages, in their browser."""
    before_settings_change(cast, {setting: STATES[state]})
    person = person or cast.master
    return cast.kaseyaone.change_in_module_management(
        person.browser,
        person.email,
        person.password,
        cast.instance_id,
        confirmed=confirmed,
        **{setting: STATES[state]},
    )


@given(parsers.parse("KaseyaOne fails its next {count:d} calls from modules"))
def kaseyaone_fails(cast, count):
    cast.kaseyaone.inject_fault(cast.hub_tenant, "module", count)


@given(parsers.parse("UniView fails its next {count:d} calls from KaseyaOne"))
def uniview_fails_kaseyaone(cast, count):
    cast.uniview.inject_fault(cast.uv_tenant, "pushed_settings", count)


@when("half an hour passes, ten minutes at a time")
def half_an_hour_passes(cast):
    cast.let_time_pass(1800)


@when(parsers.parse('the master user turns "{setting}" {state:w} in Module Management'))
def master_turns(cast, setting, state):
    _check(
        change_in_module_management(cast, setting, state, confirmed=False),
        "Changing the settings in Module Management",
    )


@when(
    parsers.parse('the master user tries to turn "{setting}" {state:w} in Module Management'),
    target_fixture="change",
)
def master_tries(cast, setting, state):
    return change_in_module_management(cast, setting, state, confirmed=False)


@when(
    parsers.parse('the master user confirms turning "{setting}" {state:w} in Module Management'),
    target_fixture="change",
)
def master_confirms(cast, setting, state):
    return change_in_module_management(cast, setting, state, confirmed=True)


@when(
    parsers.parse('"{alias}" tries to turn "{setting}" {state:w} in Module Management'),
    target_fixture="change",
)
def someone_tries(cast, alias, setting, state):
    return change_in_module_management(
        cast, setting, state, confirmed=True, person=cast.person(alias)
    )


@then(parsers.parse('KaseyaOne refuses the change with "{error}"'))
def kaseyaone_refuses_change(change, error):
    assert not change.ok and change.error == error, (change.status, change.body)


@then(parsers.parse('KaseyaOne\'s Module Management shows "{setting}" {state:w}'))
def module_management_shows(cast, setting, state):
    assert module_settings(cast)["settings"][setting] is STATES[state]


@then("KaseyaOne shows the UniView module instance in sync")
def kaseyaone_in_sync(cast):
    assert module_settings(cast)["syncing"] is False


@then("KaseyaOne shows the UniView module instance syncing")
def kaseyaone_syncing(cast):
    assert module_settings(cast)["syncing"] is True


def uniview_syncing(cast) -> bool:
    return _check(
        cast.uniview.integration(cast.superuser.browser, cast.uv_tenant),
        "Reading the integration configuration",
    )["syncing"]


@then("UniView shows the configuration in sync")
def uniview_in_sync(cast):
    assert uniview_syncing(cast) is False


@then("UniView shows the configuration syncing")
def uniview_shows_syncing(cast):
    assert uniview_syncing(cast) is True
