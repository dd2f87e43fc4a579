"""Baselines of known differences per target: a known failure is reported as expected, any
other failure still fails the run, and an entry that no longer fails fails the run, naming it.
The difference used here is a real one: KaseyaOne addressed as localhost, while its issuer says
127.0.0.1, fails the provider check that the issuer is its URL."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from k1harness.baseline import BaselineError, load_baseline
from k1harness.served import start_served

ROOT = Path(__file__).resolve().parents[1]
SUITE = [str(Path(sys.executable).parent / "k1-suite")]
ISSUER = "KaseyaOne publishes its OpenID Connect configuration at its URL"
KEYS = "KaseyaOne's signing keys are public RS256 keys with key IDs"


@pytest.fixture(scope="module")
def hub():
    served = start_served(workers=1)
    yield served.urls["kaseyaone"]
    served.stop()


def run(tmp_path, url: str, baseline: str):
    (tmp_path / "known.toml").write_text(baseline)
    (tmp_path / "target.toml").write_text(
        f'name = "staging"\nbaseline = "known.toml"\n[kaseyaone]\nurl = "{url}"\n'
        # UniView's scenarios are skipped here; any system answering at its URL will do.
        f'capabilities = []\n[uniview]\nurl = "{url}"\ncapabilities = []\n'
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("K1_")}
    done = subprocess.run(
        [
            *SUITE,
            "--reports",
            str(tmp_path / "reports"),
            "--target",
            str(tmp_path / "target.toml"),
            "features/test_provider_conformance.py",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    coverage = json.loads((tmp_path / "reports" / "coverage.json").read_text())
    return done, coverage


def entry(scenario: str, reason: str = "staging's issuer is its public name", **more) -> str:
    extra = "".join(f'{key} = "{value}"\n' for key, value in more.items())
    return f'[[known]]\nscenario = "{scenario}"\nreason = "{reason}"\n{extra}'


def test_without_a_baseline_the_difference_fails_the_run(tmp_path, hub):
    done, coverage = run(tmp_path, hub.replace("127.0.0.1", "localhost"), "")
    assert done.returncode == 1
    assert "failed" in coverage["behaviours"]["H-TGT-1"]["scenarios"].values()


def test_a_known_failure_is_reported_as_expected_and_the_run_passes(tmp_path, hub):
    link = "https://tracker.example/QA-1"
    done, coverage = run(tmp_path, hub.replace("127.0.0.1", "localhost"), entry(ISSUER, link=link))
    assert done.returncode == 0, done.stdout[-3000:]
    outcomes = coverage["behaviours"]["H-TGT-1"]["scenarios"].values()
    assert "expected failure: staging's issuer is its public name (" + link + ")" in outcomes
    assert coverage["baseline"]["expected"][0]["entry"] == f'scenario "{ISSUER}"'
    page = (tmp_path / "reports" / "report.html").read_text()
    assert "Expected failures" in page and link in page


def test_a_known_failure_that_fails_for_another_reason_still_fails(tmp_path, hub):
    known = entry(ISSUER, message="a message it does not show")
    done, _ = run(tmp_path, hub.replace("127.0.0.1", "localhost"), known)
    assert done.returncode == 1


def test_an_entry_that_no_longer_fails_makes_the_run_fail_naming_it(tmp_path, hub):
    done, coverage = run(tmp_path, hub, entry(ISSUER) + entry(KEYS, reason="keys were private"))
    assert done.returncode == 1, done.stdout[-3000:]
    assert "Baseline entries that no longer fail" in done.stdout
    assert f'scenario "{ISSUER}"' in done.stdout and f'scenario "{KEYS}"' in done.stdout
    assert [row["entry"] for row in coverage["baseline"]["stale"]] == [
        f'scenario "{ISSUER}"',
        f'scenario "{KEYS}"',
    ]
    assert "Entries that no longer fail" in (tmp_path / "reports" / "report.html").read_text()


@pytest.mark.parametrize(
    "text, message",
    [
        ('[[known]]\nscenario = "x"\n', "say why"),
        ('[[known]]\nbehaviour = "UV-XYZ-1"\nreason = "r"\n', "no behaviour ID"),
        ('[[known]]\nscenario = "x"\nbehaviour = "UV-SSO-1"\nreason = "r"\n', "one of them"),
        ('[[known]]\nscenario = "x"\nreason = "r"\nresaon = "r"\n', "unknown key"),
        ('[[known]]\nscenario = "x"\nreason = "r"\noutcome = "passed"\n', "outcome may be"),
    ],
)
def test_a_baseline_that_cannot_be_read_is_refused_saying_why(tmp_path, text, message):
    path = tmp_path / "known.toml"
    path.write_text(text)
    with pytest.raises(BaselineError, match=message):
        load_baseline(path)
