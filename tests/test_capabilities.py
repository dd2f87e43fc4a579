"""Which scenarios a target can serve (H-TGT-2), and the destructive guard (H-TGT-3)."""

import pytest

from k1harness.plugin import skip_reason
from k1harness.targets import load_target


def target(tmp_path, text=""):
    path = tmp_path / "t.toml"
    path.write_text(text)
    return load_target(path, environ={})


def test_the_embedded_target_serves_every_need(tmp_path):
    embedded = load_target(None, environ={})
    tags = {"needs_seeding", "needs_clock", "needs_journal", "destructive"}
    assert skip_reason(embedded, tags, allow_destructive=False) is None


def test_a_need_the_target_lacks_skips_with_the_system_and_target_named(tmp_path):
    real = target(tmp_path, 'name = "staging"\n[uniview]\nurl = "https://uv"\ncapabilities = []\n')
    reason = skip_reason(real, {"needs_clock"}, allow_destructive=False)
    assert reason == "needs clock, which uniview on target 'staging' does not offer"
    assert skip_reason(real, {"uv_sso_1"}, allow_destructive=False) is None


@pytest.mark.parametrize("allow, skipped", [(False, True), (True, False)])
def test_destructive_scenarios_need_permission_on_a_remote_target(tmp_path, allow, skipped):
    served = target(tmp_path, 'name = "served"\n[kaseyaone]\nurl = "http://k1"\n')
    reason = skip_reason(served, {"destructive"}, allow_destructive=allow)
    assert (reason is not None) is skipped
    if skipped:
        assert "--allow-destructive" in reason and "served" in reason


PROVISIONED = """
name = "staging"
[kaseyaone]
url = "https://k1"
capabilities = []
[uniview]
url = "https://uv"
capabilities = []
tenant = "acme"
[accounts.superuser]
username = "s@acme.example"
password_env = "PW"
"""


def test_a_scenario_naming_accounts_the_target_provides_runs_on_them(tmp_path):
    path = tmp_path / "t.toml"
    path.write_text(PROVISIONED)
    staging = load_target(path, environ={"PW": "pw"})
    assert skip_reason(staging, {"needs_seeding", "account_superuser"}, False) is None


def test_a_scenario_whose_accounts_are_missing_is_skipped_naming_them(tmp_path):
    path = tmp_path / "t.toml"
    path.write_text(PROVISIONED)
    staging = load_target(path, environ={"PW": "pw"})
    tags = {"needs_seeding", "account_superuser", "account_user_with_access"}
    assert skip_reason(staging, tags, False) == (
        "needs seeding, which kaseyaone and uniview on target 'staging' does not offer, or "
        "the provisioned account user_with_access, which it does not name"
    )
    # A scenario naming no accounts cannot use them.
    assert skip_reason(staging, {"needs_seeding"}, False).startswith("needs seeding")
    # What the accounts cannot give is still needed.
    assert "needs clock" in skip_reason(staging, {"needs_clock", "account_superuser"}, False)
