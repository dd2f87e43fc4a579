"""The module contracts' rules as data (module_contracts): Autotask's required defaults and
ordered Access Groups, options a module sends for the values it owns, and the claims each module
kind's client receives. UniView's rules are checked through UniView itself
(test_integration_settings.py) and the hub's Module Management."""

from __future__ import annotations

import json

import pytest
from support import post_form

from module_contracts import ClaimSource, ModuleContract, Push, contracts
from module_contracts.autotask import CONTRACT as AUTOTASK
from module_contracts.settings import (
    Choice,
    MissingRequired,
    OrderedMapping,
    SettingLocked,
    SettingsRules,
    Toggle,
    check_options,
)
from module_contracts.uniview import CONTRACT as UNIVIEW
from sim_common.errors import InvalidRequest

RULES = AUTOTASK.rules
OPTIONS = {
    "default_security_level": [
        {"value": 1, "label": "Administrator"},
        {"value": 4, "label": "Dispatcher"},
        {"value": 7, "label": "Co-Managed Help Desk"},
    ],
    "default_department": [{"value": 10, "label": "Service"}],
}
DEFAULTS = {
    "default_security_level": 7,
    "default_timesheet_approver": 29682885,
    "default_department": 10,
    "default_expense_report_approver": 29682885,
    "default_role": 29683354,
}


def test_both_module_kinds_are_declared_through_entry_points():
    assert {"uniview", "autotask"} <= set(contracts())
    assert contracts()["uniview"] is UNIVIEW


def test_provisioning_needs_each_of_its_five_defaults_each_missing_one_named():
    current = RULES.defaults
    with pytest.raises(MissingRequired) as refused:
        RULES.changed(current, {"automatic_user_provisioning": True, "default_department": 10})
    assert refused.value.details["fields"] == [
        "default_security_level",
        "default_timesheet_approver",
        "default_expense_report_approver",
        "default_role",
    ]
    assert "Default Security Level" in refused.value.message
    changed = RULES.changed(current, {"automatic_user_provisioning": True, **DEFAULTS})
    assert changed["automatic_user_provisioning"] is True


def test_a_default_cannot_be_cleared_while_provisioning_is_on():
    current = {**RULES.defaults, "automatic_user_provisioning": True, **DEFAULTS}
    with pytest.raises(MissingRequired) as refused:
        RULES.changed(current, {"default_role": None})
    assert refused.value.details["fields"] == ["default_role"]


def test_values_autotask_owns_must_be_among_the_options_it_sent():
    with pytest.raises(InvalidRequest) as refused:
        RULES.changed(RULES.defaults, {"default_security_level": 99}, OPTIONS)
    assert refused.value.details["field"] == "default_security_level"
    assert RULES.changed(RULES.defaults, {"default_security_level": 4}, OPTIONS) == {
        "default_security_level": 4
    }


def test_the_access_groups_mapping_keeps_its_order_and_names_each_group_once():
    mapping = [{"key": "g-sales", "value": 4}, {"key": "g-admins", "value": 1}]
    changed = RULES.changed(RULES.defaults, {"access_group_mappings": mapping}, OPTIONS)
    assert changed["access_group_mappings"] == mapping
    twice = [{"key": "g-sales", "value": 4}, {"key": "g-sales", "value": 1}]
    with pytest.raises(InvalidRequest):
        RULES.changed(RULES.defaults, {"access_group_mappings": twice}, OPTIONS)
    with pytest.raises(InvalidRequest):
        RULES.changed(
            RULES.defaults, {"access_group_mappings": [{"key": "g", "value": 99}]}, OPTIONS
        )


@pytest.mark.parametrize("value", [[], {}, True, None], ids=["list", "object", "true", "null"])
def test_a_mapped_value_that_is_not_one_value_is_refused_not_a_500(value):
    """Found by schemathesis: a list as a mapping's value made the check of it a TypeError."""
    mapping = [{"key": "g", "value": value}]
    with pytest.raises(InvalidRequest) as refused:
        RULES.changed(RULES.defaults, {"access_group_mappings": mapping}, OPTIONS)
    assert refused.value.details["field"] == "access_group_mappings"


def test_the_first_mapped_group_in_order_gives_the_access_level():
    settings = {
        "access_groups": True,
        "access_group_mappings": [{"key": "g-sales", "value": 4}, {"key": "g-admins", "value": 1}],
    }
    both = (("g-admins", "Admins"), ("g-sales", "Sales"))
    assert AUTOTASK.access_level(settings, both) == "4"
    reordered = {**settings, "access_group_mappings": settings["access_group_mappings"][::-1]}
    assert AUTOTASK.access_level(reordered, both) == "1"
    assert AUTOTASK.access_level(settings, (("g-other", "Other"),)) is None
    assert AUTOTASK.access_level({**settings, "access_groups": False}, both) is None


def source(**overrides) -> ClaimSource:
    values = {
        "email": "ann@acme.test",
        "name": "Ann",
        "tenant": "acme",
        "groups": (("g1", "Sales"),),
        "module_access": True,
        "settings": {"access_groups": True, "access_group_mappings": [{"key": "g1", "value": 4}]},
        "scopes": frozenset({"openid", "email", "profile", "groups"}),
    }
    return ClaimSource(**{**values, **overrides})


def test_autotask_learns_the_username_and_access_level_and_nothing_else():
    assert AUTOTASK.claims(source()) == {"preferred_username": "ann@acme.test", "access_level": "4"}


def test_uniview_learns_email_name_groups_and_access_as_its_scopes_allow():
    assert UNIVIEW.claims(source()) == {
        "kaseyaone_tenant": "acme",
        "module_access": True,
        "email": "ann@acme.test",
        "email_verified": True,
        "name": "Ann",
        "groups": ["Sales"],
        "kaseyaone_groups": [{"id": "g1", "name": "Sales"}],
    }
    assert set(UNIVIEW.claims(source(scopes=frozenset({"openid"})))) == {
        "kaseyaone_tenant",
        "module_access",
    }


def test_unified_login_off_turns_the_toggles_off_and_locks_the_rest():
    current = {**RULES.defaults, "automatic_user_provisioning": True, **DEFAULTS}
    changed = RULES.changed(current, {"unified_login": False})
    assert changed == {"unified_login": False, "automatic_user_provisioning": False}
    off = {**current, **changed}
    with pytest.raises(SettingLocked) as refused:
        RULES.changed(off, {"default_role": 1})
    assert refused.value.message.startswith("Unified Login is off")
    assert RULES.needing_confirmation(changed) == ["unified_login"]
    assert RULES.needing_confirmation({"require_login": True}) == ["require_login"]


@pytest.mark.parametrize(
    "options",
    [
        [],
        {"nope": []},
        {"default_role": "x"},
        {"default_role": [{"value": True, "label": "x"}]},
        {"default_role": [{"value": 1}]},
        {"default_role": [{"value": 1, "label": "x" * 201}]},
    ],
)
def test_options_a_module_sends_are_checked(options):
    with pytest.raises(InvalidRequest):
        check_options(RULES, options)


# A module kind the hub has never heard of plugs in through its contract alone.

FLEET = ModuleContract(
    kind="fleet",
    name="Fleet Manager",
    rules=SettingsRules(
        (
            Toggle("fleet_login", "Fleet Login", default=True, needs_login=False, confirm=False),
            Toggle("sync_users", "Sync Users"),
            Choice("default_garage", "Default Garage", required_when=("sync_users", True)),
            OrderedMapping("garage_groups", "Garage groups", value_options="default_garage"),
        ),
        login="fleet_login",
    ),
    lifecycle={
        "access_granted": Push("provision", "sync_users"),
        "deactivated": Push("disable", "sync_users"),
    },
    claims=lambda user: {"fleet_driver": user.email},
    access_level=lambda settings, groups: "driver",
)
FLEET_SCIM = "http://fleet.test/scim/v2"


@pytest.fixture
def fleet_hub():
    import mock_kaseyaone
    from sim_common.passwords import FAST

    app = mock_kaseyaone.create_app({"PASSWORD_HASH_METHOD": FAST, "MODULE_CONTRACTS": [FLEET]})
    client = app.test_client()
    seeded = client.post(
        "/_sim/tenants",
        json={
            "users": [
                {"email": "m@fleet.test", "name": "M", "password": "pw", "master": True},
                {"email": "dan@fleet.test", "name": "Dan", "password": "pw", "groups": ["Vans"]},
            ]
        },
    ).get_json()
    master = ("m@fleet.test", "pw")
    instance = client.post(
        "/api/v1/module-instances",
        auth=master,
        json={
            "module": "fleet",
            "redirect_uris": ["http://fleet.test/cb"],
            "scim": {"base_url": FLEET_SCIM, "token": "FT"},
        },
    ).get_json()
    return client, master, instance, seeded["users"][1]["id"]


def test_a_made_up_module_kind_plugs_in_without_touching_the_hub(fleet_hub):
    client, master, instance, dan = fleet_hub
    assert instance["module_name"] == "Fleet Manager"
    pushed = client.put(
        "/api/v1/module/settings",
        auth=(instance["client_id"], instance["client_secret"]),
        json={
            "version": 1,
            "settings": {"fleet_login": True},
            "options": {"default_garage": [{"value": 3, "label": "North"}]},
        },
    )
    assert pushed.get_json()["applied"] is True
    url = f"/api/v1/module-instances/{instance['id']}/settings"
    refused = client.patch(url, auth=master, json={"changes": {"sync_users": True}})
    assert refused.status_code == 400 and refused.get_json()["fields"] == ["default_garage"]
    wrong = client.patch(
        url, auth=master, json={"changes": {"sync_users": True, "default_garage": 9}}
    )
    assert wrong.status_code == 400 and wrong.get_json()["field"] == "default_garage"
    changed = client.patch(
        url, auth=master, json={"changes": {"sync_users": True, "default_garage": 3}}
    )
    assert changed.get_json()["settings"]["default_garage"] == 3
    off = client.patch(url, auth=master, json={"changes": {"fleet_login": False}})
    assert (off.status_code, off.get_json()["error"]) == (409, "confirmation_required")

    post_form(client, "/admin/login", {"email": "m@fleet.test", "password": "pw"})
    page = client.get(f"/admin/modules/{instance['id']}").get_data(as_text=True)
    assert "Fleet Manager" in page and "Default Garage</td><td>North" in page
    edit = client.get(f"/admin/modules/{instance['id']}?edit=1").get_data(as_text=True)
    assert 'name="garage_groups.key"' in edit and ">North</option>" in edit


def test_a_grant_provisions_where_the_contract_says_so_linking_an_existing_account(fleet_hub):
    import responses

    client, master, instance, dan = fleet_hub
    client.put(
        "/api/v1/module/settings",
        auth=(instance["client_id"], instance["client_secret"]),
        json={
            "version": 1,
            "settings": {"sync_users": True, "default_garage": 3},
            "options": {"default_garage": [{"value": 3, "label": "North"}]},
        },
    )
    existing = {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "id": "f-7",
        "userName": "dan@fleet.test",
        "active": True,
    }

    def found(*resources):
        return {
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
            "totalResults": len(resources),
            "Resources": list(resources),
        }

    with responses.RequestsMock() as mock:
        by_subject = mock.get(
            f"{FLEET_SCIM}/Users",
            json=found(),
            match=[responses.matchers.query_param_matcher({"filter": f'externalId eq "{dan}"'})],
        )
        by_name = mock.get(
            f"{FLEET_SCIM}/Users",
            json=found(existing),
            match=[
                responses.matchers.query_param_matcher({"filter": 'userName eq "dan@fleet.test"'})
            ],
        )
        linked = mock.patch(f"{FLEET_SCIM}/Users/f-7", json={**existing, "externalId": dan})
        granted = client.put(f"/api/v1/module-instances/{instance['id']}/users/{dan}", auth=master)
        assert granted.get_json()["pushes"] == 1
        assert (by_subject.call_count, by_name.call_count, linked.call_count) == (1, 1, 1)
        operations = json.loads(linked.calls[0].request.body)["Operations"]
    assert {op["path"]: op["value"] for op in operations} == {
        "externalId": dan,
        "active": True,
        "roles": [{"value": "driver", "primary": True}],
    }
    listed = client.get("/api/v1/module-instances", auth=master).get_json()["module_instances"]
    assert listed[0]["users"] == 1
