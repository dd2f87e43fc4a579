"""Target files, option and environment overrides (H-TGT-1)."""

import pytest

from k1harness.targets import TargetError, load_target


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
        ("[cooper]\n", "Unknown target section"),
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
    assert len(files) >= 4
    targets = {f.stem: load_target(f, environ={}) for f in files}
    mixed = targets["real-uniview-simulated-kaseyaone"]
    assert mixed.systems["kaseyaone"].embedded and mixed.systems["kaseyaone"].port == 8001
    assert mixed.systems["uniview"].capabilities == frozenset()
