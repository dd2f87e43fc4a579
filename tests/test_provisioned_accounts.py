"""Provisioned accounts: against a deployment the harness cannot seed (served simulators set up
as staging is, with no control plane for the harness), scenarios run on the accounts a target
names; read-only unless --allow-destructive, and what they change is put back."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from k1harness.drivers import Browser, UniViewDriver
from k1harness.served import start_served
from k1harness.staging import PASSWORD, PASSWORD_ENV, SEED_FILES, TARGET_FILE, set_up

ROOT = Path(__file__).resolve().parents[1]
SUITE = [str(Path(sys.executable).parent / "k1-suite")]
FEATURES = ["features/test_require_login.py", "features/test_log_in_with_kaseyaone.py"]


@pytest.fixture(scope="module")
def staging():
    served = start_served(workers=1, seed_files={k: str(v) for k, v in SEED_FILES.items()})
    try:
        target = set_up(served.urls)
        yield served, target
    finally:
        served.stop()


def configuration(served, target) -> dict:
    """What a scenario could change: the settings, exceptions and users' statuses."""
    superuser, tenant = target.accounts["superuser"], target.systems["uniview"].tenant
    module, browser = UniViewDriver(served.urls["uniview"]), Browser()
    try:
        module.log_in_with_credentials(browser, tenant, superuser.username, superuser.password)
        integration = module.integration(browser, tenant).body
        users = module.users(browser, tenant).body["users"]
    finally:
        browser.close()
    return {
        "settings": integration["settings"],
        "exceptions": sorted(integration["exceptions"]),
        "statuses": {u["username"]: u["status"] for u in users},
    }


def run(served, tmp_path, *args):
    env = {k: v for k, v in os.environ.items() if not k.startswith("K1_")}
    env |= {
        PASSWORD_ENV: PASSWORD,
        "K1_KASEYAONE_URL": served.urls["kaseyaone"],
        "K1_UNIVIEW_URL": served.urls["uniview"],
    }
    reports = tmp_path / "reports"
    done = subprocess.run(
        [*SUITE, "--reports", str(reports), "--target", str(TARGET_FILE), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    coverage = reports / "coverage.json"
    results = json.loads(coverage.read_text()) if coverage.exists() else {}
    return done, results


def outcomes(results) -> list[str]:
    seen = {}
    for entry in results["behaviours"].values():
        seen.update(entry["scenarios"])
    return list(seen.values())


def test_read_only_unless_allowed_to_change_the_deployment(staging, tmp_path):
    served, target = staging
    before = configuration(served, target)
    done, results = run(served, tmp_path, *FEATURES)
    assert done.returncode == 0, done.stdout[-3000:]
    found = outcomes(results)
    assert found.count("passed") >= 8, found
    changes = [o for o in found if "in the provisioned tenant" in o]
    assert changes and all("pass --allow-destructive" in o for o in changes)
    assert configuration(served, target) == before


def test_allowed_changes_are_put_back_and_the_scenarios_pass(staging, tmp_path):
    served, target = staging
    before = configuration(served, target)
    done, results = run(served, tmp_path, *FEATURES, "--allow-destructive")
    assert done.returncode == 0, done.stdout[-3000:]
    found = outcomes(results)
    assert found.count("passed") >= 18, found
    assert all(o == "passed" or o.startswith("skipped: needs seeding") for o in found), found
    assert configuration(served, target) == before


def test_changes_to_shared_accounts_do_not_run_in_parallel(staging, tmp_path):
    served, _ = staging
    done, _ = run(served, tmp_path, *FEATURES, "--allow-destructive", "-n", "2")
    assert done.returncode == 4 and "Leave out -n" in done.stderr + done.stdout
