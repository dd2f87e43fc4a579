"""The pytest plugin: `--target` and friends, the systems under test as drivers, a seeded faker
per scenario, behaviour-ID markers, and the coverage summary (behaviour -> scenarios ->
outcome) at the end of a run."""

from __future__ import annotations

import json
import os
import random
import zlib
from collections import defaultdict
from pathlib import Path

import pytest
from faker import Faker

from . import exchanges
from .behaviours import BEHAVIOURS, id_of, tag_of
from .drivers import AutotaskDriver, KaseyaOneDriver, UniViewDriver
from .targets import TargetError, load_target

# Tags that are not behaviour IDs; every tag a feature file uses must be one of these or an ID.
EXTRA_MARKERS = {
    "uniview": "scenarios about the UniView Portal module",
    "autotask": "scenarios about the Autotask module",
    "kaseyaone": "scenarios about the KaseyaOne hub itself",
    "harness": "scenarios about the harness itself (H-*): they run the suite in a subprocess",
    "negative": "what a QA engineer adds: refusals the documents imply",
    "interpretation": "checks a reading of the documents that they do not state outright",
    "destructive": "destroys configuration; kept off real deployments unless allowed",
    "needs_seeding": "needs fresh tenants and users made through the control plane",
    "needs_clock": "needs a settable simulated clock",
    "needs_journal": "needs the control plane's journal of requests",
    "needs_faults": "needs fault injection",
}
# A scenario's `needs_*` tag -> the capability every system of the target must offer.
NEEDS = {f"needs_{c}": c for c in ("seeding", "clock", "journal", "faults")}


def pytest_addoption(parser):
    group = parser.getgroup("k1harness", "KaseyaOne conformance harness")
    group.addoption(
        "--target",
        default=os.environ.get("K1_TARGET"),
        help="TOML target file naming each system's URL (default: the embedded simulators)",
    )
    group.addoption(
        "--kaseyaone-url", default=None, help="KaseyaOne's base URL (overrides the target file)"
    )
    group.addoption(
        "--uniview-url", default=None, help="UniView Portal's base URL (overrides the target file)"
    )
    group.addoption(
        "--autotask-url", default=None, help="Autotask's base URL (overrides the target file)"
    )
    group.addoption(
        "--seed",
        type=int,
        default=None,
        help="seed for generated names, to reproduce a run (default: random)",
    )
    group.addoption(
        "--allow-destructive",
        action="store_true",
        help="run scenarios tagged destructive against a target that is not all embedded",
    )
    group.addoption(
        "--coverage-dir",
        default=None,
        help="write the behaviour coverage matrix here as coverage.json and coverage.md",
    )


def pytest_configure(config):
    for behaviour_id, title in BEHAVIOURS.items():
        config.addinivalue_line("markers", f"{tag_of(behaviour_id)}: {behaviour_id} {title}")
    for name, text in EXTRA_MARKERS.items():
        config.addinivalue_line("markers", f"{name}: {text}")
    if hasattr(config, "workerinput"):  # an xdist worker uses the controller's seed
        config.option.seed = config.workerinput["k1_seed"]
    elif config.getoption("seed") is None:
        config.option.seed = random.SystemRandom().randrange(1, 2**31)
    if config.pluginmanager.hasplugin("xdist"):
        config.pluginmanager.register(_XdistSeed(), "k1harness-xdist-seed")
    config.pluginmanager.register(CoverageRecorder(config), "k1harness-coverage")


class _XdistSeed:
    def pytest_configure_node(self, node):
        node.workerinput["k1_seed"] = node.config.getoption("seed")


def _target(config):
    if not hasattr(config, "_k1_target"):
        try:
            config._k1_target = load_target(
                config.getoption("target"),
                urls={
                    "kaseyaone": config.getoption("kaseyaone_url"),
                    "uniview": config.getoption("uniview_url"),
                    "autotask": config.getoption("autotask_url"),
                },
            )
        except TargetError as exc:
            raise pytest.UsageError(str(exc)) from exc
    return config._k1_target


def skip_reason(target, marker_names: set[str], allow_destructive: bool) -> str | None:
    """Why a scenario with these tags cannot run on this target (H-TGT-2, H-TGT-3), if so."""
    for marker, capability in NEEDS.items():
        if marker in marker_names:
            lacking = [s.name for s in target.systems.values() if capability not in s.capabilities]
            if lacking:
                return (
                    f"needs {capability}, which {' and '.join(lacking)} on target "
                    f"'{target.name}' does not offer"
                )
    if "harness" in marker_names and target.remote:
        return (
            "the harness checks itself once, against simulators it starts itself; it does not "
            "run again for each target"
        )
    if "destructive" in marker_names and target.remote and not allow_destructive:
        return (
            f"destructive: it changes configuration, and target '{target.name}' is not all "
            "embedded; pass --allow-destructive to run it there"
        )
    return None


def pytest_collection_modifyitems(config, items):
    target = _target(config)
    allow = config.getoption("allow_destructive")
    for item in items:
        reason = skip_reason(target, {m.name for m in item.iter_markers()}, allow)
        if reason:
            item.add_marker(pytest.mark.skip(reason=reason))


def pytest_report_header(config):
    return (
        f"k1harness: target {_target(config).name} ({_target(config).describe()}); "
        f"seed {config.getoption('seed')} (rerun with --seed to reproduce)"
    )


class Systems:
    """The drivers for one run, and the embedded simulators if the harness started any."""

    def __init__(self, config) -> None:
        self.target = _target(config)
        self.embedded = None
        urls = {name: system.url for name, system in self.target.systems.items()}
        if self.target.embedded:
            from .embedded import start_embedded

            self.embedded = start_embedded(
                kaseyaone_url=urls["kaseyaone"],
                uniview=urls["uniview"] is None,
                autotask=urls["autotask"] is None,
                ports={n: s.port for n, s in self.target.systems.items()},
            )
            for name in urls:
                urls[name] = urls[name] or getattr(self.embedded, name).url
        systems = self.target.systems
        self.kaseyaone = KaseyaOneDriver(urls["kaseyaone"], systems["kaseyaone"].control_token)
        self.uniview = UniViewDriver(urls["uniview"], systems["uniview"].control_token)
        self.autotask = AutotaskDriver(urls["autotask"], systems["autotask"].control_token)
        drivers = {"kaseyaone": self.kaseyaone, "uniview": self.uniview, "autotask": self.autotask}
        for name, driver in drivers.items():
            # One clear stop, rather than every scenario failing on the same cause.
            control_plane = bool(systems[name].capabilities)
            if not driver.ready(control_plane=control_plane):
                self.stop()
                pytest.exit(f"{name} does not answer at {driver.base_url}.", returncode=4)
            if control_plane and not driver.control_authorized():
                self.stop()
                pytest.exit(
                    f"{name}'s control plane at {driver.base_url}/_sim refused the token: set "
                    f"K1_{name.upper()}_CONTROL_TOKEN (or the variable the target file names "
                    "in control_token_env) to the token the simulator printed at start.",
                    returncode=4,
                )

    def stop(self) -> None:
        if self.embedded is not None:
            self.embedded.stop()


@pytest.fixture(scope="session")
def k1_systems(pytestconfig):
    systems = Systems(pytestconfig)
    yield systems
    systems.stop()


@pytest.fixture
def kaseyaone(k1_systems) -> KaseyaOneDriver:
    return k1_systems.kaseyaone


@pytest.fixture
def uniview(k1_systems) -> UniViewDriver:
    return k1_systems.uniview


@pytest.fixture
def autotask(k1_systems) -> AutotaskDriver:
    return k1_systems.autotask


@pytest.fixture
def k1_faker(request, pytestconfig) -> Faker:
    """Names for this scenario: different in every scenario, the same again with --seed."""
    fake = Faker()
    fake.seed_instance(pytestconfig.getoption("seed") + zlib.crc32(request.node.nodeid.encode()))
    return fake


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    exchanges.start()
    try:
        return (yield)
    finally:
        item._k1_exchanges = exchanges.current()
        exchanges.stop()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    recorded = getattr(item, "_k1_exchanges", None)
    if report.when == "call" and report.failed and recorded:
        text = "\n".join(recorded[-40:])
        report.sections.append(("HTTP exchanges (last 40, secrets redacted)", text))
        item.user_properties.append(("http_exchanges", text))  # into the JUnit XML
    return report


class CoverageRecorder:
    """Behaviour ID -> scenarios -> outcome, printed at the end and optionally written out."""

    def __init__(self, config) -> None:
        self.config = config
        self.outcomes: dict[str, dict[str, str]] = defaultdict(dict)

    @pytest.hookimpl
    def pytest_itemcollected(self, item):
        # Markers, not keywords: a parametrized test named after a tag is not a scenario of it.
        ids = sorted({b for b in (id_of(m.name) for m in item.iter_markers()) if b})
        if ids:
            item.user_properties.append(("behaviours", ids))

    @pytest.hookimpl
    def pytest_runtest_logreport(self, report):
        if report.when != "call" and not (report.when == "setup" and not report.passed):
            return
        ids = next((value for key, value in report.user_properties if key == "behaviours"), [])
        outcome = report.outcome
        if outcome == "skipped" and isinstance(report.longrepr, tuple):
            outcome = f"skipped: {report.longrepr[2].removeprefix('Skipped: ')}"
        for behaviour in ids:
            self.outcomes[behaviour][report.nodeid] = outcome

    def matrix(self) -> dict:
        return {
            b: {"title": BEHAVIOURS[b], "scenarios": self.outcomes.get(b, {})} for b in BEHAVIOURS
        }

    @pytest.hookimpl
    def pytest_terminal_summary(self, terminalreporter):
        if not self.outcomes:
            return
        matrix = self.matrix()
        covered = [
            b for b, m in matrix.items() if any(o == "passed" for o in m["scenarios"].values())
        ]
        failing = [
            b for b, m in matrix.items() if any(o == "failed" for o in m["scenarios"].values())
        ]
        tested = [b for b, m in matrix.items() if m["scenarios"]]
        tr = terminalreporter
        tr.section("behaviour coverage")
        for behaviour in tested:
            outcomes = list(matrix[behaviour]["scenarios"].values())
            counts = ", ".join(f"{outcomes.count(o)} {o}" for o in sorted(set(outcomes)))
            tr.write_line(f"{behaviour:10} {counts:28} {BEHAVIOURS[behaviour]}")
        tr.write_line(
            f"{len(covered)} of {len(tested)} behaviours with scenarios in this run are "
            f"covered by a passing scenario; {len(failing)} have a failing one; "
            f"{len(BEHAVIOURS) - len(tested)} of the catalogue's {len(BEHAVIOURS)} "
            f"were not exercised."
        )
        if failing:
            tr.write_line("Failing behaviours: " + ", ".join(failing), red=True)
        directory = self.config.getoption("coverage_dir")
        if directory:
            write_matrix(Path(directory), matrix)
            tr.write_line(f"Coverage matrix written to {directory}/coverage.json and coverage.md")


def write_matrix(directory: Path, matrix: dict) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "coverage.json").write_text(json.dumps(matrix, indent=2, sort_keys=True))
    lines = ["| behaviour | title | scenario | outcome |", "|---|---|---|---|"]
    for behaviour, entry in matrix.items():
        scenarios = entry["scenarios"] or {"(no scenario)": "not exercised"}
        for nodeid, outcome in scenarios.items():
            lines.append(f"| {behaviour} | {entry['title']} | `{nodeid}` | {outcome} |")
    (directory / "coverage.md").write_text("\n".join(lines) + "\n")
