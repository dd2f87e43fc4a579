"""Tenants and people on both systems: made for the scenario, or where the target cannot seed,
the provisioned accounts playing the same parts (each step says which)."""

from __future__ import annotations

import pytest
from pytest_bdd import given, parsers, when

from k1harness.drivers.base import DriverError


def _check(result, what: str):
    if not result.ok:
        raise DriverError(f"{what} failed: {result.status} {result.body}")
    return result.body


@given("a KaseyaOne tenant with a master user")
def kaseyaone_tenant(cast):
    if cast.provisioned:
        if "master_user" in cast.accounts:
            cast.master = cast.account("master", "master_user")
        return
    cast.master = cast.new_person("master")
    seeded = cast.kaseyaone.create_tenant(
        cast.faker.company(),
        users=[
            {
                "email": cast.master.email,
                "name": cast.master.name,
                "password": cast.master.password,
                "master": True,
            }
        ],
    )
    cast.hub_tenant = seeded["tenant"]["id"]
    cast.master.kaseyaone_id = seeded["users"][0]["id"]


@given("a UniView tenant with a superuser")
def uniview_tenant(cast, k1_systems):
    if cast.provisioned:
        cast.superuser = cast.account("superuser", "superuser")
        cast.uv_tenant = k1_systems.target.systems["uniview"].tenant
    else:
        cast.superuser = cast.new_person("superuser")
        seeded = cast.uniview.create_tenant(
            cast.faker.company(),
            users=[
                {
                    "username": cast.superuser.email,
                    "name": cast.superuser.name,
                    "password": cast.superuser.password,
                    "role": "superuser",
                }
            ],
        )
        cast.uv_tenant = seeded["tenant"]["id"]
    page = cast.uniview.log_in_with_credentials(
        cast.superuser.browser, cast.uv_tenant, cast.superuser.email, cast.superuser.password
    )
    assert cast.uniview.current_session(cast.superuser.browser, cast.uv_tenant), page.text


def add_integration(cast, email: str, password: str):
    result = cast.uniview.add_kaseyaone_integration(
        cast.superuser.browser, cast.uv_tenant, email, password
    )
    if result.ok:
        cast.instance_id = result.body["kaseyaone"]["module_instance"]
    return result


@given("the superuser has added the KaseyaOne integration")
def integration_added(cast):
    if cast.provisioned:
        body = _check(
            cast.uniview.integration(cast.superuser.browser, cast.uv_tenant),
            f"Reading the KaseyaOne integration the provisioned tenant {cast.uv_tenant} must have",
        )
        cast.instance_id = body["kaseyaone"]["module_instance"]
        return
    _check(
        add_integration(cast, cast.master.email, cast.master.password),
        "Adding the KaseyaOne integration",
    )


@when("the superuser adds the KaseyaOne integration as the master user", target_fixture="change")
def add_integration_as_master(cast):
    return add_integration(cast, cast.master.email, cast.master.password)


def create_kaseyaone_user(cast, alias: str):
    person = cast.person(alias)
    body = _check(
        cast.admin().create_user(person.email, person.name, person.password),
        f"Creating KaseyaOne user {alias}",
    )
    person.kaseyaone_id = body["id"]
    return person


def kaseyaone_user(cast, alias: str, part: str, access: bool):
    if cast.provisioned:
        return cast.account(alias, part)
    person = create_kaseyaone_user(cast, alias)
    if access:
        _check(
            cast.admin().grant_module_access(cast.instance_id, person.kaseyaone_id),
            f"Granting {alias} access to UniView",
        )
    return person


@given(parsers.parse('a KaseyaOne user "{alias}" with access to the UniView module'))
def kaseyaone_user_with_access(cast, alias):
    kaseyaone_user(cast, alias, "user_with_access", access=True)


@given(
    parsers.parse(
        'a KaseyaOne user "{alias}" with access to the UniView module and no UniView account'
    )
)
def kaseyaone_user_without_account(cast, alias):
    kaseyaone_user(cast, alias, "user_without_account", access=True)


@given(parsers.parse('a KaseyaOne user "{alias}" without access to the UniView module'))
def kaseyaone_user_without_access(cast, alias):
    kaseyaone_user(cast, alias, "user_without_access", access=False)


@given(parsers.parse('a deactivated KaseyaOne user "{alias}" with access to the UniView module'))
def deactivated_kaseyaone_user(cast, alias):
    person = kaseyaone_user(cast, alias, "deactivated_user", access=True)
    if not cast.provisioned:
        deactivate_in_kaseyaone(cast, alias)
    return person


@given(parsers.parse('the master user deactivates "{alias}" in KaseyaOne'))
@when(parsers.parse('the master user deactivates "{alias}" in KaseyaOne'))
def deactivate_in_kaseyaone(cast, alias):
    _check(
        cast.admin().deactivate_user(cast.person(alias).kaseyaone_id),
        f"Deactivating {alias} in KaseyaOne",
    )


def create_uniview_user(cast, alias: str, role: str):
    """A UniView user signing in with UniView credentials; provisioned: the account of that
    role (uniview_administrator, uniview_monitor)."""
    if cast.provisioned:
        return cast.account(alias, f"uniview_{role}")
    person = cast.person(alias)
    _check(
        cast.uniview.create_user(
            cast.superuser.browser, cast.uv_tenant, person.email, person.name, role, person.password
        ),
        f"Creating UniView user {alias}",
    )
    return person


def uniview_account_of(cast, alias: str) -> dict | None:
    users = _check(cast.uniview.users(cast.superuser.browser, cast.uv_tenant), "Listing users")
    email = cast.person(alias).email.lower()
    return next((u for u in users["users"] if u["username"].lower() == email), None)


@given(parsers.parse('"{alias}" has a UniView account with the role "{role}"'))
def uniview_account(cast, alias, role):
    if not cast.provisioned:
        create_uniview_user(cast, alias, role)
        return
    part = cast.person(alias).part
    account = uniview_account_of(cast, alias)
    if account is None or account["role"] != role:
        has = f"the role {account['role']}" if account else "no UniView account"
        pytest.skip(
            f"needs the provisioned account {part} with a UniView account of the role {role}; "
            f"on this target it has {has}"
        )


@given(parsers.parse('a UniView user "{alias}" with the role "{role}"'))
def uniview_user(cast, alias, role):
    create_uniview_user(cast, alias, role)


@given(parsers.parse('"{alias}" is signed in with UniView credentials as a UniView "{role}"'))
def signed_in_uniview_user(cast, alias, role):
    person = create_uniview_user(cast, alias, role)
    cast.uniview.log_in_with_credentials(
        person.browser, cast.uv_tenant, person.email, person.password
    )
    assert cast.uniview.current_session(person.browser, cast.uv_tenant) is not None


def set_uniview_status(cast, alias: str, status: str):
    return _check(
        cast.uniview.change_user(
            cast.superuser.browser, cast.uv_tenant, cast.person(alias).email, status=status
        ),
        f"Setting the status of {alias} to {status}",
    )


@given(parsers.parse('the superuser has disabled "{alias}"'))
def disable_uniview_user(cast, alias):
    cast.will_change(f"the status of {alias}", lambda: set_uniview_status(cast, alias, "active"))
    set_uniview_status(cast, alias, "disabled")
