"""Resetting the KaseyaOne integration."""

from __future__ import annotations

import csv
import io

from pytest_bdd import parsers, then, when

from .tenants import _check


@when("the superuser copies the list of the integration's users", target_fixture="lists")
def copy_users(cast):
    browser = cast.superuser.browser
    as_json = cast.uniview.integration_users(browser, cast.uv_tenant)
    as_csv = cast.uniview.integration_users(browser, cast.uv_tenant, fmt="csv")
    assert as_json.status_code == 200 and as_csv.status_code == 200
    return {"json": as_json.json()["users"], "csv": list(csv.DictReader(io.StringIO(as_csv.text)))}


@then(parsers.parse('the list names "{alias}" with her KaseyaOne user, as JSON and as CSV'))
def list_names(cast, lists, alias):
    person = cast.person(alias)
    for kind, rows in lists.items():
        mapped = {row["username"]: row["kaseyaone_subject"] for row in rows}
        assert mapped == {person.email: person.kaseyaone_id}, (kind, rows)


@when("the superuser resets the integration")
def reset(cast):
    _check(cast.uniview.reset_integration(cast.superuser.browser, cast.uv_tenant), "Resetting")


@when("the superuser tries to reset the integration", target_fixture="change")
def try_reset(cast):
    return cast.uniview.reset_integration(cast.superuser.browser, cast.uv_tenant)


@then(parsers.parse('the UniView account of "{alias}" is mapped to no KaseyaOne user'))
def unmapped(cast, alias):
    users = _check(cast.uniview.users(cast.superuser.browser, cast.uv_tenant), "Listing users")
    (account,) = [u for u in users["users"] if u["username"] == cast.person(alias).email]
    assert account["kaseyaone_subject"] is None


@when(parsers.parse('the master user grants "{alias}" access to the new UniView module instance'))
def grant_new_instance(cast, alias):
    _check(
        cast.admin().grant_module_access(cast.instance_id, cast.person(alias).kaseyaone_id),
        "Granting access",
    )
