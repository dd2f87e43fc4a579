"""The KaseyaOne integration's settings in Autotask and in KaseyaOne's Module Management:
Automatic User Provisioning and its five required defaults (AT-PROV-1..3), Access Groups mapped
to Security Levels in an order (AT-GRP-1/2), the settings document synced both ways, what
KaseyaOne sends Autotask of a user (AT-DATA-1), and one KaseyaOne tenant with two modules."""

from __future__ import annotations

import html

from pytest_bdd import given, parsers, then, when

from k1harness.drivers.module import ModuleDriver
from k1harness.drivers.oidc import CALLBACK, SuiteClient
from module_contracts.autotask import RULES

from .access_groups import kaseyaone_group_id, names
from .autotask import admin_browser, change_settings, integration, set_setting
from .tenants import _check

STATES = {"on": True, "off": False}
DEFAULTS = (
    "default_security_level",
    "default_timesheet_approver",
    "default_department",
    "default_expense_report_approver",
    "default_role",
)
# What an OpenID Connect ID token carries for the protocol, not about the user (OIDC Core §2).
PROTOCOL_CLAIMS = {
    *("iss", "sub", "aud", "exp", "iat", "auth_time", "nonce", "at_hash", "c_hash"),
    *("azp", "amr", "acr", "sid"),
}
USER_CLAIMS = {"preferred_username", "access_level"}
# What a SCIM push may set of a resource: the username and access level (roles), KaseyaOne's
# link (externalId) and whether it is active.
PUSHED_ATTRIBUTES = {"userName", "roles", "externalId", "active"}


def setting_named(label: str) -> str:
    """A setting of Autotask's contract by the label the document gives it."""
    for setting in RULES.settings:
        if setting.label.lower() == label.lower():
            return setting.name
    raise AssertionError(f"Autotask has no setting {label!r}")


def option_value(config: dict, setting: str, label: str | None = None):
    """The value of an option Autotask offers for a setting: the one labelled `label` (the start
    of its label), or the first."""
    offered = config["options"][setting]
    for option in offered:
        if label is None or option["label"].startswith(label):
            return option["value"]
    raise AssertionError(f"Autotask offers no {label!r} for {setting}: {offered}")


def every_default(config: dict, level: str = "Team Member") -> dict:
    values = {name: option_value(config, name) for name in DEFAULTS}
    values["default_security_level"] = option_value(config, "default_security_level", level)
    return values


# --- Automatic User Provisioning (AT-PROV-1..3)


@given(
    parsers.parse(
        'the administrator has turned Automatic User Provisioning on with "{level}" as the '
        "default Security Level"
    )
)
def provisioning_on(cast, autotask, autotask_scene, level):
    config = integration(cast, autotask, autotask_scene)
    set_setting(
        cast,
        autotask,
        autotask_scene,
        automatic_user_provisioning=True,
        **every_default(config, level),
    )


@when(
    "the administrator turns Automatic User Provisioning on with every default",
    target_fixture="change",
)
def provisioning_on_with_every_default(cast, autotask, autotask_scene):
    config = integration(cast, autotask, autotask_scene)
    return change_settings(
        cast, autotask, autotask_scene, automatic_user_provisioning=True, **every_default(config)
    )


@when(
    parsers.parse('the administrator turns Automatic User Provisioning on without the "{label}"'),
    target_fixture="change",
)
def provisioning_on_without(cast, autotask, autotask_scene, label):
    values = every_default(integration(cast, autotask, autotask_scene))
    del values[setting_named(label)]
    return change_settings(
        cast, autotask, autotask_scene, automatic_user_provisioning=True, **values
    )


@then(parsers.parse('the refusal names the "{label}" and no other setting'))
def refusal_names(change, label):
    assert change.status == 400 and change.error == "required_settings_missing", change.body
    assert change.body["fields"] == [setting_named(label)], change.body
    assert label in change.body["message"], change.body["message"]


def resources_with_email(autotask, scene, email: str) -> list[dict]:
    """The resources with this email address, read through Autotask's REST API."""
    return autotask.rest(scene.api_user).resources_with("email", email)


def own_view(cast, autotask, scene, resource_id: int) -> dict:
    return _check(
        autotask.api(admin_browser(cast), scene.tenant, "GET", f"resources/{resource_id}"),
        "Reading a resource",
    )


def the_account(cast, autotask, scene, alias: str) -> dict:
    (found,) = resources_with_email(autotask, scene, cast.person(alias).email)
    return own_view(cast, autotask, scene, found["id"])


@then(parsers.parse('Autotask has an account for "{alias}" with the default settings'))
def account_with_defaults(cast, autotask, autotask_scene, alias):
    account = the_account(cast, autotask, autotask_scene, alias)
    settings = integration(cast, autotask, autotask_scene)["settings"]
    assert account["isActive"] and account["userName"] == cast.person(alias).email, account
    assert account["kaseyaoneSubject"] == cast.person(alias).kaseyaone_id, account
    assert account["securityLevelID"] == settings["default_security_level"], account
    assert account["departmentID"] == settings["default_department"], account
    assert account["defaultServiceDeskRoleID"] == settings["default_role"], account
    for field, setting in (
        ("timesheetApprover", "default_timesheet_approver"),
        ("expenseApprover", "default_expense_report_approver"),
    ):
        approver = own_view(cast, autotask, autotask_scene, settings[setting])
        assert account[field] == approver["userName"], (field, account)


@then(parsers.parse('Autotask has no account for "{alias}"'))
def no_account(cast, autotask, autotask_scene, alias):
    assert resources_with_email(autotask, autotask_scene, cast.person(alias).email) == []


@then(parsers.parse('Autotask has exactly one account for "{alias}", linked to her KaseyaOne user'))
def one_linked_account(cast, autotask, autotask_scene, alias):
    found = resources_with_email(autotask, autotask_scene, cast.person(alias).email)
    assert len(found) == 1, found
    account = own_view(cast, autotask, autotask_scene, found[0]["id"])
    assert account["userName"] == autotask_scene.user_names[alias], account
    assert account["kaseyaoneSubject"] == cast.person(alias).kaseyaone_id, account


@then(parsers.parse('the Autotask account of "{alias}" is {state:w}'))
def account_state(cast, autotask, autotask_scene, alias, state):
    (found,) = resources_with_email(autotask, autotask_scene, cast.person(alias).email)
    assert found["isActive"] is {"active": True, "inactive": False}[state], found


@then(parsers.parse('"{alias}" has the Security Level "{level}" in Autotask'))
def has_level(cast, autotask, autotask_scene, alias, level):
    assert the_account(cast, autotask, autotask_scene, alias)["securityLevel"] == level


@then("KaseyaOne pushed no deletion to Autotask, only making the resource inactive")
def no_deletion(cast, autotask, autotask_scene):
    pushes = [e for e in autotask.journal(autotask_scene.tenant) if "/scim/v2/Users" in e["url"]]
    assert not [e for e in pushes if e["method"] == "DELETE"], pushes
    assert any(e["method"] == "PATCH" and e["status"] == 200 for e in pushes), pushes


# --- Access Groups (AT-GRP-1/2)


def mapping_of(cast, config: dict, text: str) -> list[dict]:
    """'Sales to Manager, Admins to Full Access': KaseyaOne groups to Security Levels, in order."""
    pairs = []
    for entry in names(text):
        group, _, level = entry.partition(" to ")
        pairs.append(
            {
                "key": kaseyaone_group_id(cast, group.strip()),
                "value": option_value(config, "default_security_level", level.strip()),
            }
        )
    return pairs


@given(parsers.parse('the administrator has turned Access Groups on, mapping "{mapping}"'))
def access_groups_on(cast, autotask, autotask_scene, mapping):
    config = integration(cast, autotask, autotask_scene)
    set_setting(
        cast,
        autotask,
        autotask_scene,
        access_groups=True,
        access_group_mappings=mapping_of(cast, config, mapping),
    )


@when(parsers.parse('the administrator reorders the Access Groups to "{mapping}"'))
def reorder_access_groups(cast, autotask, autotask_scene, mapping):
    config = integration(cast, autotask, autotask_scene)
    set_setting(
        cast, autotask, autotask_scene, access_group_mappings=mapping_of(cast, config, mapping)
    )


@then(parsers.parse("Autotask's Access Groups offer KaseyaOne's groups \"{groups}\""))
def access_groups_offer(cast, autotask, autotask_scene, groups):
    offered = _check(
        autotask.kaseyaone_groups(admin_browser(cast), autotask_scene.tenant),
        "Reading KaseyaOne's groups in Autotask",
    )["groups"]
    assert sorted(g["name"] for g in offered) == sorted(names(groups)), offered
    page = autotask.integration_page(admin_browser(cast), autotask_scene.tenant)
    section = page.element_text("access_group_mappings")
    assert all(name in section for name in names(groups)), section


# --- Module Management (the settings document, both ways)


def module_settings(cast, scene) -> dict:
    return _check(cast.admin().module_settings(scene.instance_id), "Reading Module Management")


@then(parsers.parse("KaseyaOne's Module Management shows Autotask's \"{label}\" {state:w}"))
def module_management_shows(cast, autotask_scene, label, state):
    assert module_settings(cast, autotask_scene)["settings"][setting_named(label)] is STATES[state]


@then("KaseyaOne shows the Autotask module instance in sync")
def autotask_in_sync(cast, autotask_scene):
    assert module_settings(cast, autotask_scene)["syncing"] is False


@then("KaseyaOne shows the Autotask module instance syncing")
def autotask_syncing(cast, autotask_scene):
    assert module_settings(cast, autotask_scene)["syncing"] is True


@then("Autotask shows its KaseyaOne configuration syncing")
def autotask_shows_syncing(cast, autotask, autotask_scene):
    assert integration(cast, autotask, autotask_scene)["syncing"] is True


@then("Autotask shows its KaseyaOne configuration in sync")
def autotask_shows_in_sync(cast, autotask, autotask_scene):
    assert integration(cast, autotask, autotask_scene)["syncing"] is False


@then(parsers.parse('Autotask shows "{label}" {state:w}'))
def autotask_shows(cast, autotask, autotask_scene, label, state):
    settings = integration(cast, autotask, autotask_scene)["settings"]
    assert settings[setting_named(label)] is STATES[state], settings


@then("Module Management offers Autotask's own Security Levels, approvers, departments and roles")
def module_management_offers(cast, autotask, autotask_scene):
    master = cast.master
    cast.kaseyaone.module_management(master.browser, master.email, master.password)
    page = cast.kaseyaone.module_details(master.browser, autotask_scene.instance_id, edit=True)
    shown = html.unescape(page.text)
    config = integration(cast, autotask, autotask_scene)
    for setting in DEFAULTS:
        labels = [option["label"] for option in config["options"][setting]]
        assert labels, setting
        assert all(f">{label}</option>" in shown for label in labels), (setting, labels)


def change_in_module_management(cast, scene, confirmed: bool, **changes):
    return cast.admin().change_module_settings(scene.instance_id, confirmed=confirmed, **changes)


@when(
    parsers.parse('the master user turns Autotask\'s "{label}" {state:w} in Module Management'),
    target_fixture="change",
)
def master_turns(cast, autotask_scene, label, state):
    return _check(
        change_in_module_management(
            cast, autotask_scene, True, **{setting_named(label): STATES[state]}
        ),
        "Changing Autotask's settings in Module Management",
    )


@when(
    parsers.parse(
        'the master user tries to turn Autotask\'s "{label}" {state:w} in Module Management'
    ),
    target_fixture="change",
)
def master_tries(cast, autotask_scene, label, state):
    return change_in_module_management(
        cast, autotask_scene, False, **{setting_named(label): STATES[state]}
    )


@when(
    parsers.parse('"{alias}" tries to change Autotask\'s settings in Module Management'),
    target_fixture="change",
)
def someone_tries(cast, autotask_scene, alias):
    person = cast.person(alias)
    admin = cast.kaseyaone.admin(person.email, person.password)
    return admin.change_module_settings(autotask_scene.instance_id, True, require_login=True)


@when(
    parsers.parse(
        'the master user reorders Autotask\'s Access Groups in Module Management to "{mapping}"'
    )
)
def master_reorders(cast, autotask, autotask_scene, mapping):
    config = integration(cast, autotask, autotask_scene)
    _check(
        change_in_module_management(
            cast, autotask_scene, True, access_group_mappings=mapping_of(cast, config, mapping)
        ),
        "Reordering Autotask's Access Groups in Module Management",
    )


@then(parsers.parse('KaseyaOne refuses the change naming "{label}"'))
def kaseyaone_refuses_naming(change, label):
    assert not change.ok and change.error == "required_settings_missing", change.body
    assert setting_named(label) in change.body["fields"], change.body


# --- what KaseyaOne sends Autotask of a user (AT-DATA-1)


@then("every push Autotask received from KaseyaOne carried only the username and access level")
def pushes_carry_username_and_level(autotask, autotask_scene):
    entries = [e for e in autotask.journal(autotask_scene.tenant) if "/scim/v2/" in e["url"]]
    writes = [e for e in entries if e["method"] in ("POST", "PUT", "PATCH")]
    assert writes, entries
    carried = set().union(*(set(e["detail"]["attributes"]) for e in writes))
    assert {"userName", "roles"} <= carried <= PUSHED_ATTRIBUTES, carried
    lookups = [e["url"] for e in entries if e["method"] == "GET"]
    for url in lookups:  # each lookup names the user by KaseyaOne's link or the username
        assert any(f"filter={name}+eq" in url for name in ("externalId", "emails.value")), url


@then(
    parsers.parse(
        'the ID token Autotask received for "{alias}" carried only her username and access level'
    )
)
def id_token_carries_username_and_level(cast, autotask, autotask_scene, alias):
    callbacks = [e for e in autotask.journal(autotask_scene.tenant) if "/oidc/callback" in e["url"]]
    assert callbacks and callbacks[-1]["detail"], callbacks
    claims = set(callbacks[-1]["detail"]["id_token_claims"])
    assert USER_CLAIMS <= claims <= PROTOCOL_CLAIMS | USER_CLAIMS, claims


@then(
    parsers.parse(
        "KaseyaOne's ID token and userinfo for an Autotask client tell only the username and "
        'access level of "{alias}"'
    )
)
def userinfo_for_autotask(cast, alias):
    person = cast.person(alias)
    body = _check(
        cast.admin().register_module_instance(
            "autotask", "The conformance suite's Autotask client", redirect_uris=[CALLBACK]
        ),
        "Registering the suite's Autotask module instance",
    )
    _check(
        cast.admin().grant_module_access(body["id"], person.kaseyaone_id),
        f"Granting {alias} access to the suite's Autotask client",
    )
    client = SuiteClient(cast.kaseyaone, body["client_id"], body["client_secret"])
    tokens = client.sign_in(person.browser, person.email, person.password)
    id_token = client.verified_claims(tokens["id_token"])
    info = cast.kaseyaone.userinfo_request(tokens["access_token"]).json()
    assert set(info) == {"sub"} | USER_CLAIMS, info
    assert info["preferred_username"] == person.email and info["sub"] == person.kaseyaone_id
    assert USER_CLAIMS <= set(id_token) - {"kid"} <= PROTOCOL_CLAIMS | USER_CLAIMS, id_token
    for claim in ("email", "name", "groups", "kaseyaone_groups", "module_access"):
        assert claim not in id_token and claim not in info, claim


# --- one KaseyaOne tenant, two modules


@given(parsers.parse("Autotask fails its next {count:d} calls from KaseyaOne"))
def autotask_fails_kaseyaone(autotask, autotask_scene, count):
    autotask.inject_fault(autotask_scene.tenant, "pushed_settings", count)


@when("half an hour passes for KaseyaOne and Autotask")
def half_an_hour_passes(cast, autotask, autotask_scene):
    for _ in range(3):  # ten minutes at a time: every retry falling due on the way runs
        cast.kaseyaone.advance_clock(cast.hub_tenant, 600)
        autotask.advance_clock(autotask_scene.tenant, 600)


def tiles(cast, alias: str) -> dict[str, str]:
    page = cast.kaseyaone.home(cast.person(alias).browser)
    assert cast.kaseyaone.signed_in_as(page) == cast.person(alias).email, page.url
    return cast.kaseyaone.tiles(page)


@then(parsers.parse('KaseyaOne shows "{alias}" the UniView tile only'))
def uniview_tile_only(cast, alias):
    assert set(tiles(cast, alias)) == {cast.instance_id}


@then(parsers.parse('KaseyaOne shows "{alias}" the tiles of UniView and Autotask'))
def both_tiles(cast, autotask_scene, alias):
    assert set(tiles(cast, alias)) == {cast.instance_id, autotask_scene.instance_id}


@when(parsers.parse('"{alias}" opens the Autotask tile'), target_fixture="attempt")
def open_autotask_tile(cast, autotask_scene, alias):
    person = cast.person(alias)
    page = person.browser.open(tiles(cast, alias)[autotask_scene.instance_id])
    return ModuleDriver.through_kaseyaone(
        person.browser, page, cast.kaseyaone, person.email, person.password
    )


@then(parsers.parse('Autotask shows "{alias}" the app launcher listing UniView only'))
def autotask_launcher(cast, autotask, autotask_scene, alias):
    launcher = autotask.launcher(autotask.home(cast.person(alias).browser, autotask_scene.tenant))
    assert launcher["kind"] == "waffle" and not launcher["unavailable"], launcher
    assert set(launcher["modules"]) == {cast.instance_id}, launcher


@when(
    parsers.parse('"{alias}" opens UniView from Autotask\'s app launcher'), target_fixture="attempt"
)
def open_uniview_from_launcher(cast, autotask, autotask_scene, alias):
    person = cast.person(alias)
    launcher = autotask.launcher(autotask.home(person.browser, autotask_scene.tenant))
    page = person.browser.open(launcher["modules"][cast.instance_id])
    return ModuleDriver.through_kaseyaone(
        person.browser, page, cast.kaseyaone, person.email, person.password
    )


@then(parsers.parse('Autotask shows "{alias}" the Kaseya icon, which leads to KaseyaOne\'s login'))
def autotask_icon(cast, autotask, autotask_scene, alias):
    launcher = autotask.launcher(autotask.home(cast.person(alias).browser, autotask_scene.tenant))
    assert launcher["kind"] == "icon", launcher
    assert launcher["login"] == cast.kaseyaone.url("/login"), launcher


@then("KaseyaOne's Module Management lists UniView and Autotask, each with its own settings")
def lists_both(cast, autotask_scene):
    listed = _check(cast.admin().module_instances(), "Listing module instances")
    kinds = {i["id"]: i["module"] for i in listed["module_instances"]}
    assert kinds == {cast.instance_id: "uniview", autotask_scene.instance_id: "autotask"}, kinds
    uniview = _check(cast.admin().module_settings(cast.instance_id), "UniView's settings")
    autotask = module_settings(cast, autotask_scene)
    assert "login_with_kaseyaone" in uniview["settings"], uniview
    assert "unified_login" in autotask["settings"], autotask
    assert not set(uniview["settings"]) & {"unified_login", "access_group_mappings"}, uniview


def sync_states(cast) -> dict[str, str]:
    """Module Management's list page: each module instance's name -> its Sync column."""
    master = cast.master
    page = cast.kaseyaone.module_management(master.browser, master.email, master.password)
    rows = page.text.split("<tr>")[2:]
    return {
        ("Autotask" if "Autotask" in row else "UniView"): (
            "failing" if "failing" in row else "syncing" if "syncing" in row else "in sync"
        )
        for row in rows
    }


@then("Module Management shows Autotask syncing and UniView in sync")
def autotask_syncing_uniview_not(cast, autotask_scene):
    assert module_settings(cast, autotask_scene)["syncing"] is True
    assert _check(cast.admin().module_settings(cast.instance_id), "UniView")["syncing"] is False
    states = sync_states(cast)
    assert states["UniView"] == "in sync" and states["Autotask"] != "in sync", states


@then("Module Management shows both modules in sync")
def both_in_sync(cast, autotask_scene):
    assert module_settings(cast, autotask_scene)["syncing"] is False
    assert sync_states(cast) == {"UniView": "in sync", "Autotask": "in sync"}
