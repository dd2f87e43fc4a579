"""The dependency rules of the KaseyaOne integration's settings (UV-SSO-3/4), on the domain
operation itself: a change applies whole or not at all."""

import pytest
from sqlalchemy.orm import Session

from mock_uniview.integration import change_settings
from mock_uniview.models import Integration, Tenant
from module_contracts.settings import SettingLocked
from module_contracts.uniview import DEPENDENT_SETTINGS
from sim_common.errors import InvalidRequest


@pytest.fixture
def session():
    """Where the change's consequences go (its push to KaseyaOne): nothing is written."""
    return Session()


def integration(**settings) -> Integration:
    values = {
        "login_with_kaseyaone": True,
        "default_role": "monitor",
        "version": 1,
        **dict.fromkeys(DEPENDENT_SETTINGS, False),
        **settings,
    }
    return Integration(tenant=Tenant(id="t", name="T", clock_offset_seconds=0.0), **values)


def test_turning_login_off_turns_every_dependent_setting_off(session):
    current = integration(**dict.fromkeys(DEPENDENT_SETTINGS, True))
    changed = change_settings(session, current, {"login_with_kaseyaone": False})
    assert set(changed) == {"login_with_kaseyaone", *DEPENDENT_SETTINGS}
    assert not any(getattr(current, key) for key in DEPENDENT_SETTINGS)
    assert current.version == 2


@pytest.mark.parametrize("setting", DEPENDENT_SETTINGS)
def test_a_dependent_setting_cannot_be_turned_on_while_login_is_off(session, setting):
    current = integration(login_with_kaseyaone=False)
    with pytest.raises(SettingLocked) as refused:
        change_settings(session, current, {setting: True})
    assert refused.value.details["fields"] == [setting]
    assert getattr(current, setting) is False and current.version == 1


def test_turning_login_off_and_another_setting_on_together_changes_nothing(session):
    current = integration()
    with pytest.raises(SettingLocked):
        change_settings(session, current, {"login_with_kaseyaone": False, "require_login": True})
    assert current.login_with_kaseyaone is True and current.version == 1


def test_the_default_role_is_locked_while_login_is_off(session):
    current = integration(login_with_kaseyaone=False)
    with pytest.raises(SettingLocked):
        change_settings(session, current, {"default_role": "administrator"})
    assert current.default_role == "monitor"


def test_login_and_a_dependent_setting_can_be_turned_on_together(session):
    current = integration(login_with_kaseyaone=False)
    change_settings(session, current, {"login_with_kaseyaone": True, "access_groups": True})
    assert current.login_with_kaseyaone and current.access_groups


def test_turning_access_groups_on_schedules_the_first_import_and_off_stops_the_sync(session):
    current = integration()
    change_settings(session, current, {"access_groups": True})
    assert current.groups_next_sync_at is not None
    change_settings(session, current, {"access_groups": False})
    assert current.groups_next_sync_at is None


def test_repeating_the_current_values_is_no_change(session):
    current = integration()
    assert change_settings(session, current, {"require_login": False}) == []
    assert current.version == 1


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"require_login": "yes"}, "require_login"),
        ({"default_role": "owner"}, "default_role"),
    ],
)
def test_bad_values_are_refused_field_by_field(session, changes, field):
    with pytest.raises(InvalidRequest) as refused:
        change_settings(session, integration(), changes)
    assert refused.value.details["field"] == field


def test_unknown_settings_are_named_in_the_refusal(session):
    with pytest.raises(InvalidRequest) as refused:
        change_settings(session, integration(), {"require_login": True, "single_sign_out": True})
    assert refused.value.details["fields"] == ["single_sign_out"]
