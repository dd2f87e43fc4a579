"""Access Groups: KaseyaOne's groups imported into UniView, the four-hourly sync, the groups set
at each KaseyaOne sign-in, and the organizations a user sees (UV-GRP-1..7)."""

from __future__ import annotations

from pytest_bdd import given, parsers, then, when

from .tenants import _check


def names(text: str) -> list[str]:
    return [name.strip() for name in text.split(",") if name.strip()]


# KaseyaOne's side: the master user's Admin Settings > Groups.


def kaseyaone_group_id(cast, name: str) -> str:
    groups = _check(cast.admin().groups(), "Listing KaseyaOne's groups")["groups"]
    for group in groups:
        if group["name"] == name:
            return group["id"]
    raise AssertionError(f"KaseyaOne has no group {name!r}: {[g['name'] for g in groups]}")


@given(parsers.parse('KaseyaOne has the groups "{groups}"'))
@given(parsers.parse('the master user adds the group "{groups}" in KaseyaOne'))
@when(parsers.parse('the master user adds the group "{groups}" in KaseyaOne'))
def kaseyaone_groups(cast, groups):
    for name in names(groups):
        _check(cast.admin().create_group(name), f"Creating the KaseyaOne group {name}")


@when(parsers.parse('the master user deletes the group "{name}" in KaseyaOne'))
def delete_kaseyaone_group(cast, name):
    _check(
        cast.admin().delete_group(kaseyaone_group_id(cast, name)),
        f"Deleting the KaseyaOne group {name}",
    )


@when(parsers.parse('the master user renames the group "{name}" to "{new_name}" in KaseyaOne'))
def rename_kaseyaone_group(cast, name, new_name):
    _check(
        cast.admin().rename_group(kaseyaone_group_id(cast, name), new_name),
        f"Renaming the KaseyaOne group {name}",
    )


@given(parsers.parse('the master user has put "{alias}" in the groups "{groups}" in KaseyaOne'))
def put_in_kaseyaone_groups(cast, alias, groups):
    for name in names(groups):
        _check(
            cast.admin().add_group_member(
                kaseyaone_group_id(cast, name), cast.person(alias).kaseyaone_id
            ),
            f"Putting {alias} in the KaseyaOne group {name}",
        )


@when(parsers.parse('the master user removes "{alias}" from the group "{name}" in KaseyaOne'))
def remove_from_kaseyaone_group(cast, alias, name):
    _check(
        cast.admin().remove_group_member(
            kaseyaone_group_id(cast, name), cast.person(alias).kaseyaone_id
        ),
        f"Removing {alias} from the KaseyaOne group {name}",
    )


@given(parsers.parse("KaseyaOne fails its next {count:d} calls for groups"))
def kaseyaone_fails_groups(cast, count):
    cast.kaseyaone.inject_fault(cast.hub_tenant, "scim", count)


# UniView's side: the superuser's Settings > Groups and Organizations.


def uniview_groups(cast) -> dict:
    return _check(
        cast.uniview.groups(cast.superuser.browser, cast.uv_tenant), "Reading UniView's groups"
    )


def uniview_group(cast, name: str) -> dict:
    listing = uniview_groups(cast)["groups"]
    for group in listing:
        if group["name"] == name:
            return group
    raise AssertionError(f"UniView has no group {name!r}: {[g['name'] for g in listing]}")


def set_access_groups(cast, on: bool) -> None:
    _check(
        cast.uniview.change_integration_settings(
            cast.superuser.browser, cast.uv_tenant, access_groups=on
        ),
        "Changing Access Groups",
    )


@when("the superuser turns Access Groups on")
def turn_access_groups_on(cast):
    set_access_groups(cast, True)


@when("the superuser turns Access Groups off")
def turn_access_groups_off(cast):
    set_access_groups(cast, False)


HOUR = 3600  # a step of the clock: every sync slot on the way still runs


@when("four hours pass")
def four_hours_pass(cast):
    cast.let_time_pass(4 * HOUR, step=HOUR)


@when("eight hours pass")
def eight_hours_pass(cast):
    cast.let_time_pass(8 * HOUR, step=HOUR)


@given("Access Groups is on and KaseyaOne's groups have been imported")
def access_groups_imported(cast):
    set_access_groups(cast, True)
    cast.let_time_pass(4 * HOUR, step=HOUR)
    assert uniview_groups(cast)["access_groups"]["first_import_done"], uniview_groups(cast)


@given(parsers.parse('a UniView group "{name}" added by hand'))
def uniview_group_by_hand(cast, name):
    _check(
        cast.uniview.add_group(cast.superuser.browser, cast.uv_tenant, name),
        f"Adding the UniView group {name}",
    )


@given(parsers.parse('a UniView organization "{name}" with the appliance "{appliance}"'))
def uniview_organization(cast, name, appliance):
    _check(
        cast.uniview.add_organization(
            cast.superuser.browser,
            cast.uv_tenant,
            name,
            appliances=[appliance],
            backups=[f"{appliance} nightly"],
        ),
        f"Adding the organization {name}",
    )


def organization_id(cast, name: str) -> str:
    listing = _check(
        cast.uniview.organizations(cast.superuser.browser, cast.uv_tenant),
        "Reading UniView's organizations",
    )["organizations"]
    for organization in listing:
        if organization["name"] == name:
            return organization["id"]
    raise AssertionError(f"UniView has no organization {name!r}")


MAPS = 'the group "{group}" to the organization "{organization}"'


@given(parsers.parse("the superuser has mapped " + MAPS))
@when(parsers.parse("the superuser maps " + MAPS))
def map_group(cast, group, organization):
    _check(
        cast.uniview.edit_organization(
            cast.superuser.browser,
            cast.uv_tenant,
            organization_id(cast, organization),
            groups=[uniview_group(cast, group)["id"]],
        ),
        f"Mapping {group} to {organization}",
    )


@when(parsers.parse('the superuser adds the organization "{organization}" mapped to "{group}"'))
def add_mapped_organization(cast, organization, group):
    _check(
        cast.uniview.add_organization(
            cast.superuser.browser,
            cast.uv_tenant,
            organization,
            groups=[uniview_group(cast, group)["id"]],
        ),
        f"Adding the organization {organization}",
    )


@given(parsers.parse('the superuser has put "{alias}" in the UniView group "{group}"'))
def put_in_uniview_group(cast, alias, group):
    _check(
        cast.uniview.set_user_groups(
            cast.superuser.browser,
            cast.uv_tenant,
            cast.person(alias).email,
            [uniview_group(cast, group)["id"]],
        ),
        f"Putting {alias} in {group}",
    )


@when(parsers.parse('the superuser tries to add the group "{name}"'), target_fixture="change")
def try_add_group(cast, name):
    return cast.uniview.add_group(cast.superuser.browser, cast.uv_tenant, name)


@when(
    parsers.parse('the superuser tries to rename the group "{name}" to "{new_name}"'),
    target_fixture="change",
)
def try_rename_group(cast, name, new_name):
    group = uniview_group(cast, name)
    return cast.uniview.rename_group(cast.superuser.browser, cast.uv_tenant, group["id"], new_name)


@when(parsers.parse('the superuser tries to remove the group "{name}"'), target_fixture="change")
def try_remove_group(cast, name):
    group = uniview_group(cast, name)
    return cast.uniview.remove_group(cast.superuser.browser, cast.uv_tenant, group["id"])


@then(parsers.parse('UniView refuses the change with "{error}"'))
def uniview_refuses_change(change, error):
    assert not change.ok and change.error == error, (change.status, change.body)


@then(parsers.parse('the superuser can add the group "{name}"'))
def can_add_group(cast, name):
    _check(try_add_group(cast, name), f"Adding the group {name}")
    assert uniview_group(cast, name)["source"] == "uniview"


@then(parsers.parse('the superuser can rename the group "{name}" to "{new_name}"'))
def can_rename_group(cast, name, new_name):
    _check(try_rename_group(cast, name, new_name), f"Renaming the group {name}")
    uniview_group(cast, new_name)


# What UniView shows.


def imported_names(cast) -> list[str]:
    return sorted(g["name"] for g in uniview_groups(cast)["groups"] if g["source"] == "kaseyaone")


@then("UniView has no groups imported from KaseyaOne yet")
def nothing_imported_yet(cast):
    assert imported_names(cast) == []


@then(parsers.parse('UniView\'s groups imported from KaseyaOne are "{groups}"'))
def imported_groups_are(cast, groups):
    assert imported_names(cast) == sorted(names(groups))


@then(parsers.parse('UniView still has the group "{name}" added by hand'))
def still_has_manual_group(cast, name):
    assert uniview_group(cast, name)["source"] == "uniview"


@then(parsers.parse('UniView has the group "{name}"'))
def has_group(cast, name):
    uniview_group(cast, name)


@then(parsers.parse('UniView has no group "{name}"'))
def has_no_group(cast, name):
    assert name not in [g["name"] for g in uniview_groups(cast)["groups"]]


@then(parsers.parse('the group "{name}" is mapped to no organization'))
def mapped_to_nothing(cast, name):
    assert uniview_group(cast, name)["organizations"] == []


@then(parsers.parse('the group "{name}" is mapped to "{organization}"'))
def mapped_to(cast, name, organization):
    assert uniview_group(cast, name)["organizations"] == [organization]


@then("the Groups page says the first import is scheduled")
def page_says_scheduled(cast):
    page = cast.uniview.groups_page(cast.superuser.browser, cast.uv_tenant)
    assert "first import from KaseyaOne is scheduled" in page.element_text(
        "managed-by-kaseyaone"
    ), page.text


@then("the Groups page says the last sync failed")
def page_says_failed(cast):
    page = cast.uniview.groups_page(cast.superuser.browser, cast.uv_tenant)
    assert page.data("last-sync").get("ok") == "false", page.text
    assert uniview_groups(cast)["access_groups"]["last_sync_result"].startswith("failed")


@then("the Groups page says the last sync worked")
def page_says_worked(cast):
    page = cast.uniview.groups_page(cast.superuser.browser, cast.uv_tenant)
    assert page.data("last-sync").get("ok") == "true", page.text


@then(parsers.parse('the Groups page is view-only and lists "{name}" as added in UniView'))
def page_view_only(cast, name):
    page = cast.uniview.groups_page(cast.superuser.browser, cast.uv_tenant)
    assert page.status == 200, page.status
    assert page.element_text("managed-by-kaseyaone"), page.text
    assert not page.has_form("add-group"), "the page still offers to add a group"
    assert f"{name} Added in UniView" in page.element_text("groups"), page.element_text("groups")


@then(parsers.parse('"{alias}" is in the UniView groups "{groups}"'))
def in_uniview_groups(cast, alias, groups):
    body = _check(
        cast.uniview.user_groups(cast.superuser.browser, cast.uv_tenant, cast.person(alias).email),
        f"Reading the groups of {alias}",
    )
    assert sorted(g["name"] for g in body["groups"]) == sorted(names(groups))


def visible(cast, alias) -> dict:
    return _check(
        cast.uniview.visible_organizations(cast.person(alias).browser, cast.uv_tenant),
        f"Reading what {alias} sees",
    )


@then(parsers.parse('"{alias}" sees the data of exactly the organizations "{organizations}"'))
def sees_exactly(cast, alias, organizations):
    seen = sorted(o["name"] for o in visible(cast, alias)["organizations"])
    assert seen == sorted(names(organizations))


@then(parsers.parse('"{alias}" sees the appliance "{appliance}"'))
def sees_appliance(cast, alias, appliance):
    seen = [a for o in visible(cast, alias)["organizations"] for a in o["appliances"]]
    assert appliance in seen, seen


@then(parsers.parse('"{alias}" sees no organization\'s data'))
def sees_nothing(cast, alias):
    assert visible(cast, alias)["organizations"] == []
    page = cast.uniview.organizations_page(cast.person(alias).browser, cast.uv_tenant)
    assert page.element_text("no-organizations"), page.text
