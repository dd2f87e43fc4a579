"""Tenants and people on both systems."""

from __future__ import annotations

from pytest_bdd import given, parsers, when

from k1harness.drivers.base import DriverError


def _check(result, what: str):
    if not result.ok:
        raise DriverError(f"{what} failed: {result.status} {result.body}")
    return result.body


@given("a KaseyaOne tenant with a master user")
def kaseyaone_tenant(cast):
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
def uniview_tenant(cast):
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


@given(parsers.parse('a KaseyaOne user "{alias}" with access to the UniView module'))
def kaseyaone_user_with_access(cast, alias):
    person = create_kaseyaone_user(cast, alias)
    _check(
        cast.admin().grant_module_access(cast.instance_id, person.kaseyaone_id),
        f"Granting {alias} access to UniView",
    )


@given(parsers.parse('a KaseyaOne user "{alias}" without access to the UniView module'))
def kaseyaone_user_without_access(cast, alias):
    create_kaseyaone_user(cast, alias)


@given(parsers.parse('the master user deactivates "{alias}" in KaseyaOne'))
@when(parsers.parse('the master user deactivates "{alias}" in KaseyaOne'))
def deactivate_in_kaseyaone(cast, alias):
    _check(
        cast.admin().deactivate_user(cast.person(alias).kaseyaone_id),
        f"Deactivating {alias} in KaseyaOne",
    )


def create_uniview_user(cast, alias: str, role: str):
    person = cast.person(alias)
    _check(
        cast.uniview.api(
            cast.superuser.browser,
            cast.uv_tenant,
            "POST",
            "users",
            {
                "username": person.email,
                "name": person.name,
                "role": role,
                "password": person.password,
            },
        ),
        f"Creating UniView user {alias}",
    )
    return person


@given(parsers.parse('"{alias}" has a UniView account with the role "{role}"'))
def uniview_account(cast, alias, role):
    create_uniview_user(cast, alias, role)


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


@given(parsers.parse('the superuser has disabled "{alias}"'))
def disable_uniview_user(cast, alias):
    _check(
        cast.uniview.change_user(
            cast.superuser.browser, cast.uv_tenant, cast.person(alias).email, status="disabled"
        ),
        f"Disabling {alias}",
    )
