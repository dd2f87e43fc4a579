"""Target files, option and environment overrides (H-TGT-1)."""

import re

import pytest

from k1harness.targets import ACCOUNT_PARTS, TargetError, load_target


def write(tmp_path, text):
    path = tmp_path / "target.toml"
    path.write_text(text)
    return path


def test_no_file_means_everything_embedded():
    target = load_target(None, environ={})
    assert target.embedded and all(s.embedded for s in target.systems.values())


def test_a_file_names_urls_and_the_environment_holds_the_tokens(tmp_path):
    path = write(
        tmp_path,
        """
name = "staging"
[kaseyaone]
url = "https://k1.example/"
control_token_env = "STAGING_K1_TOKEN"
[uniview]
url = "https://uv.example"
capabilities = []
[autotask]
url = "https://at.example"
capabilities = []
""",
    )
    target = load_target(path, environ={"STAGING_K1_TOKEN": "s3cret"})
    assert target.name == "staging" and not target.embedded
    assert target.systems["kaseyaone"].url == "https://k1.example"
    assert target.systems["kaseyaone"].control_token == "s3cret"
    assert target.systems["uniview"].capabilities == frozenset()
    assert target.systems["autotask"].url == "https://at.example"


def test_a_system_the_file_does_not_name_is_embedded(tmp_path):
    path = write(tmp_path, '[kaseyaone]\nurl = "http://k1:1"\n[uniview]\nurl = "http://uv:1"\n')
    target = load_target(path, environ={})
    assert target.systems["autotask"].embedded and target.remote


def test_a_mix_keeps_the_module_remote_and_the_hub_embedded(tmp_path):
    path = write(tmp_path, '[kaseyaone]\nmode = "embedded"\n[uniview]\nurl = "http://uv:1"\n')
    target = load_target(path, environ={})
    assert target.systems["kaseyaone"].embedded and not target.systems["uniview"].embedded


def test_options_override_the_environment_which_overrides_the_file(tmp_path):
    path = write(tmp_path, '[kaseyaone]\nurl = "http://file"\n[uniview]\nurl = "http://file"\n')
    target = load_target(
        path,
        urls={"uniview": "http://option"},
        environ={"K1_KASEYAONE_URL": "http://env", "K1_UNIVIEW_URL": "http://env"},
    )
    assert target.systems["kaseyaone"].url == "http://env"
    assert target.systems["uniview"].url == "http://option"


@pytest.mark.parametrize(
    "text, message",
    [
        ('[kaseyaone]\ncontrol_token = "oops"\n', "must not be written in the target file"),
        ("[unview]\n", "unknown key unview"),
        ("[kaseyaone\n", "not valid TOML"),
    ],
)
def test_bad_target_files_are_refused_clearly(tmp_path, text, message):
    with pytest.raises(TargetError, match=message):
        load_target(write(tmp_path, text), environ={})


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(TargetError, match="no target file"):
        load_target(tmp_path / "nope.toml", environ={})


def test_every_example_target_file_loads():
    from pathlib import Path

    files = sorted((Path(__file__).resolve().parents[1] / "fixtures" / "targets").glob("*.toml"))
    assert len(files) >= 5
    targets = {f.stem: load_target(f, environ={"K1_ACCOUNTS_PASSWORD": "pw"}) for f in files}
    mixed = targets["real-uniview-simulated-kaseyaone"]
    assert mixed.systems["kaseyaone"].embedded and mixed.systems["kaseyaone"].port == 8001
    assert mixed.systems["uniview"].capabilities == frozenset()
    provisioned = targets["provisioned-local"]
    assert set(provisioned.accounts) == set(ACCOUNT_PARTS)


@pytest.mark.parametrize(
    "text, refused, listed",
    [
        ('[uniview]\nurll = "https://uv.example"\n', "unknown key urll", "url: "),
        ('[uniview]\ncapabilities = ["seedng"]\n', "unknown capability seedng", "seeding"),
        ('[uniview]\nmode = "embeded"\n', "mode may only be", "embedded"),
        ('nmae = "x"\n', "unknown key nmae", "kaseyaone: "),
        ('[accounts.super_user]\nusername = "a"\n', "unknown key super_user", "superuser: "),
        (
            '[accounts.superuser]\nusername = "a"\npassword_env = "P"\npasword = "x"\n',
            "unknown key pasword",
            "password_env: ",
        ),
    ],
)
def test_a_typo_in_a_target_file_is_refused_with_the_valid_keys_listed(
    tmp_path, text, refused, listed
):
    with pytest.raises(TargetError) as refusal:
        load_target(write(tmp_path, text), environ={"P": "pw"})
    assert refused in str(refusal.value) and listed in str(refusal.value)


def test_a_typo_would_otherwise_make_a_system_embedded(tmp_path):
    """What the refusal prevents: a misspelt url leaves the system without one."""
    with pytest.raises(TargetError, match="urll"):
        load_target(write(tmp_path, '[uniview]\nurll = "https://uv.example"\n'), environ={})


STAGING = """
name = "staging"
[kaseyaone]
url = "https://k1.example"
capabilities = []
[uniview]
url = "https://uv.example"
capabilities = []
tenant = "acme"
[accounts.superuser]
username = "qa-super@acme.example"
password_env = "STAGING_SUPER"
[accounts.user_with_access]
username = "qa-alice@acme.example"
password_env = "STAGING_ALICE"
"""


def test_provisioned_accounts_take_their_passwords_from_the_environment(tmp_path):
    target = load_target(
        write(tmp_path, STAGING), environ={"STAGING_SUPER": "s", "STAGING_ALICE": "a"}
    )
    assert {p: (a.username, a.password) for p, a in target.accounts.items()} == {
        "superuser": ("qa-super@acme.example", "s"),
        "user_with_access": ("qa-alice@acme.example", "a"),
    }
    assert target.systems["uniview"].tenant == "acme"


BOTH = {"STAGING_SUPER": "s", "STAGING_ALICE": "a"}


@pytest.mark.parametrize(
    "change, environ, message",
    [
        (("", ""), {"STAGING_SUPER": "s"}, "STAGING_ALICE (the password of user_with_access)"),
        (('password_env = "STAGING_SUPER"', 'password = "hunter2"'), BOTH, "must not be written"),
        (('tenant = "acme"', ""), BOTH, "tenant must name the tenant"),
    ],
)
def test_provisioned_accounts_are_refused_without_what_they_need(
    tmp_path, change, environ, message
):
    text = STAGING.replace(*change) if change[0] else STAGING
    with pytest.raises(TargetError, match=re.escape(message)):
        load_target(write(tmp_path, text), environ=environ)


def test_a_relative_target_path_is_read_from_where_the_command_was_run(tmp_path):
    (tmp_path / "mine.toml").write_text('name = "mine"\n')
    target = load_target("mine.toml", environ={"K1_INVOKED_FROM": str(tmp_path)})
    assert target.name == "mine" and target.file == tmp_path / "mine.toml"


def test_a_baseline_is_read_beside_its_target_file(tmp_path):
    target = load_target(write(tmp_path, 'baseline = "known.toml"\n'), environ={})
    assert target.baseline == tmp_path / "known.toml"
