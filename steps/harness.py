"""The harness checking itself (H-*): the suite run in a separate pytest process against a
chosen target, and its outcomes read back from the JUnit XML it wrote."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import pytest
from pytest_bdd import given, parsers, then, when

from k1harness.served import start_served

ROOT = Path(__file__).resolve().parents[1]
# Nested runs name their feature modules, so that they never collect this feature again.
CREDENTIALS = "features/test_require_login.py", "-k", "every_active_user"  # two scenarios
LOGIN_OFF = "features/test_log_in_with_kaseyaone.py", "-m", "uv_sso_2"
PROVIDER_CHECKS = "features/test_provider_conformance.py"


@dataclass
class Run:
    returncode: int
    outcomes: dict[str, str]  # test name -> passed | failed | skipped: reason
    reports: Path
    output: str


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    """The harness's scenarios first: they are the longest, and each waits on processes of its
    own. Under xdist's work stealing (conftest.py) the first worker takes them all, with one
    start of the served simulators, while the other worker starts on the rest; last in the
    queue, one of them would leave a worker idle at the end."""
    items.sort(key=lambda item: item.get_closest_marker("harness") is None)  # a stable sort


@pytest.fixture(scope="module")  # the harness's feature: stopped once its scenarios have run
def served_simulators():
    # The target files below name these two; an Autotask served too would go unused.
    served = start_served(workers=2, simulators=("kaseyaone", "uniview"))
    yield served
    served.stop()


@pytest.fixture(scope="module")
def nested_runs() -> dict:
    """The feature's runs so far, by what they ran: a scenario that runs the very selection,
    target and environment an earlier one ran reads that run's outcomes and reports."""
    return {}


@pytest.fixture
def run_suite(tmp_path, served_simulators, nested_runs):
    counter = iter(range(100))

    def run(*args: str, target: str | None = None, env: dict | None = None) -> Run:
        key = (args, target, tuple(sorted((env or {}).items())))
        if key in nested_runs:
            return nested_runs[key]
        reports = tmp_path / f"run{next(counter)}"
        reports.mkdir()
        command = [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            # What these runs are checked on is their outcomes and reports, not the wording of
            # a failed assertion: without pytest's assertion rewriting, a run no longer parses
            # and rewrites every module of the project (pytest marks the whole installed
            # distribution for rewriting, since it holds a pytest plugin), about a third of a
            # nested run's CPU. A failure still shows its assertion's message in the output.
            "--assert=plain",
            f"--junitxml={reports / 'junit.xml'}",
            f"--cucumber-json={reports / 'cucumber.json'}",
            f"--coverage-dir={reports}",
            *args,
        ]
        if target:
            path = reports / "target.toml"
            path.write_text(target)
            command += ["--target", str(path)]
        environment = {**os.environ, **(env or {})}
        for name in ("K1_TARGET", "K1_KASEYAONE_URL", "K1_UNIVIEW_URL", "K1_AUTOTASK_URL"):
            environment.pop(name, None)
        done = subprocess.run(
            command, cwd=ROOT, capture_output=True, text=True, env=environment, timeout=60
        )
        nested_runs[key] = Run(
            done.returncode, outcomes_of(reports / "junit.xml"), reports, done.stdout + done.stderr
        )
        return nested_runs[key]

    return run


def outcomes_of(junit: Path) -> dict[str, str]:
    outcomes = {}
    for case in ET.parse(junit).getroot().iter("testcase"):
        skipped = case.find("skipped")
        if case.find("failure") is not None or case.find("error") is not None:
            outcomes[case.get("name")] = "failed"
        elif skipped is not None:
            outcomes[case.get("name")] = "skipped: " + skipped.get("message", "")
        else:
            outcomes[case.get("name")] = "passed"
    return outcomes


def served_target(
    served, name="served", uniview_capabilities=None, kaseyaone_capabilities=None
) -> tuple[str, dict]:
    def capabilities(given):
        return f"capabilities = {json.dumps(given)}\n" if given is not None else ""

    text = (
        f'name = "{name}"\n[kaseyaone]\nurl = "{served.urls["kaseyaone"]}"\n'
        'control_token_env = "SERVED_K1_TOKEN"\n'
        + capabilities(kaseyaone_capabilities)
        + f'[uniview]\nurl = "{served.urls["uniview"]}"\ncontrol_token_env = "SERVED_UV_TOKEN"\n'
        + capabilities(uniview_capabilities)
    )
    env = {
        "SERVED_K1_TOKEN": served.tokens["kaseyaone"],
        "SERVED_UV_TOKEN": served.tokens["uniview"],
    }
    return text, env


@given("both simulators are served as separate processes")
def both_served(served_simulators):
    assert {"kaseyaone", "uniview"} <= set(served_simulators.urls)


@when(
    "the Require Login scenarios for UniView credentials run against the embedded simulators",
    target_fixture="run",
)
def run_embedded(run_suite):
    return run_suite(*CREDENTIALS)


@when(
    "the same scenarios run against a target file naming the served simulators",
    target_fixture="run",
)
def run_served(run_suite, served_simulators):
    target, env = served_target(served_simulators)
    return run_suite(*CREDENTIALS, target=target, env=env)


@when(
    "the same scenarios run against the served KaseyaOne with UniView embedded",
    target_fixture="run",
)
def run_mixed(run_suite, served_simulators):
    return run_suite(
        *CREDENTIALS,
        "--kaseyaone-url",
        served_simulators.urls["kaseyaone"],
        env={"K1_KASEYAONE_CONTROL_TOKEN": served_simulators.tokens["kaseyaone"]},
    )


@when(
    "the Require Login scenarios for UniView credentials run against a UniView target "
    "without a control plane",
    target_fixture="run",
)
def run_without_control_plane(run_suite, served_simulators):
    target, env = served_target(served_simulators, "no-control-plane", uniview_capabilities=[])
    return run_suite(*CREDENTIALS, target=target, env=env)


@when(
    "the provider checks and the Require Login scenarios for UniView credentials run against "
    "a target without any control plane",
    target_fixture="run",
)
def run_without_any_control_plane(run_suite, served_simulators):
    target, _ = served_target(
        served_simulators, "real", uniview_capabilities=[], kaseyaone_capabilities=[]
    )
    return run_suite(
        PROVIDER_CHECKS,
        CREDENTIALS[0],
        "-k",
        f"{CREDENTIALS[2]} or provider_conformance",
        target=target,
    )


@then(parsers.parse('the provider checks pass and the others are skipped because "{reason}"'))
def provider_checks_pass(run, reason):
    checks = {n: o for n, o in run.outcomes.items() if "kaseyaone" in n.lower()}
    others = {n: o for n, o in run.outcomes.items() if n not in checks}
    assert len(checks) >= 5 and set(checks.values()) == {"passed"}, run.output[-3000:]
    assert others and all(o.startswith("skipped") and reason in o for o in others.values()), others
    assert run.returncode == 0


@when(
    "the scenarios turning Log In with KaseyaOne off run against a target file naming the "
    "served simulators",
    target_fixture="run",
)
def run_destructive(run_suite, served_simulators):
    target, env = served_target(served_simulators)
    return run_suite(*LOGIN_OFF, target=target, env=env)


@when("they run there again with destructive scenarios allowed", target_fixture="run")
def run_destructive_allowed(run_suite, served_simulators):
    target, env = served_target(served_simulators)
    return run_suite(*LOGIN_OFF, "--allow-destructive", target=target, env=env)


@when(
    "the Require Login feature runs on two processes against the served simulators",
    target_fixture="run",
)
def run_parallel(run_suite, served_simulators):
    target, env = served_target(served_simulators)
    return run_suite("features/test_require_login.py", "-n", "2", target=target, env=env)


@then("every one of them passes")
def all_passed(run):
    assert run.outcomes and set(run.outcomes.values()) == {"passed"}, run.output[-3000:]
    assert run.returncode == 0


@then(parsers.parse('every one of them is skipped because "{reason}"'))
def all_skipped(run, reason):
    assert run.outcomes, run.output[-3000:]
    for name, outcome in run.outcomes.items():
        assert outcome.startswith("skipped") and reason in outcome, (name, outcome)


@then("the run left a Cucumber JSON report, a JUnit XML report and a coverage matrix")
def reports_left(run):
    cucumber = json.loads((run.reports / "cucumber.json").read_text())
    assert cucumber and cucumber[0]["elements"], "no scenario in the Cucumber JSON"
    assert run.outcomes
    assert "| behaviour | title | scenario | outcome |" in (run.reports / "coverage.md").read_text()
    assert "Behaviour coverage" in (run.reports / "report.html").read_text()


@then(parsers.parse('the coverage matrix lists "{behaviour}" with a passing scenario'))
def matrix_lists(run, behaviour):
    matrix = json.loads((run.reports / "coverage.json").read_text())["behaviours"]
    assert "passed" in matrix[behaviour]["scenarios"].values(), matrix[behaviour]
