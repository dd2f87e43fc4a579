"""Automatic User Creation (just-in-time provisioning) and what each side counts."""

from __future__ import annotations

from pytest_bdd import given, parsers, then, when

from .configuration import change_settings
from .tenants import _check


@given("the superuser has turned Automatic User Creation on")
def automatic_user_creation_on(cast):
    _check(
        change_settings(cast, automatic_user_creation=True), "Turning Automatic User Creation on"
    )


@given(parsers.parse('Automatic User Creation is on with the default role "{role}"'))
def automatic_user_creation_with_role(cast, role):
    _check(
        change_settings(cast, automatic_user_creation=True, default_role=role),
        "Turning Automatic User Creation on",
    )


@when(parsers.parse('the superuser changes the default role to "{role}"'))
def change_default_role(cast, role):
    _check(change_settings(cast, default_role=role), "Changing the default role")


def accounts_for(cast, alias: str) -> list[dict]:
    users = _check(cast.uniview.users(cast.superuser.browser, cast.uv_tenant), "Listing users")
    return [u for u in users["users"] if u["username"] == cast.person(alias).email]


@then(parsers.parse('UniView has no account for "{alias}"'))
def no_account(cast, alias):
    assert accounts_for(cast, alias) == []


@then(parsers.parse('UniView has exactly one account for "{alias}"'))
def exactly_one_account(cast, alias):
    assert len(accounts_for(cast, alias)) == 1


@then(parsers.parse("KaseyaOne counts {count:d} users for the UniView module instance"))
def kaseyaone_counts(cast, count):
    instances = _check(cast.admin().module_instances(), "Listing module instances")
    (instance,) = [i for i in instances["module_instances"] if i["id"] == cast.instance_id]
    assert instance["users"] == count, instance
