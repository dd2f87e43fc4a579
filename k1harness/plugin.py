"""The pytest plugin: `--target` and friends, the systems under test as drivers, a seeded faker
per scenario, provisioned accounts where a target cannot seed, a browser per person,
behaviour-ID markers, baselines of known differences, and the reports (k1harness.reports)."""

from __future__ import annotations

import os
import random
import zlib

import pytest

from . import exchanges
from .behaviours import BEHAVIOURS, tag_of
from .drivers.contract import DriverLoadError, load_driver
from .targets import ACCOUNT_PARTS, SIMULATOR_CAPABILITIES, SYSTEMS, TargetError, load_target

# Tags that are not behaviour IDs; every tag a feature file uses must be one of these or an ID.
EXTRA_MARKERS = {
    "uniview": "scenarios about the UniView Portal module",
    "autotask": "scenarios about the Autotask module",
    "kaseyaone": "scenarios about the KaseyaOne hub itself",
    "harness": "scenarios about the harness itself (H-*): they run the suite in a subprocess",
    "negative": "what a QA engineer adds: refusals the documents imply",
    "interpretation": "checks a reading of the documents that they do not state outright",
    "destructive": "destroys configuration; kept off real deployments unless allowed",
    "needs_seeding": "needs fresh tenants and users made through the control plane, or the "
    "provisioned accounts its account_* tags name",
    "needs_clock": "needs a settable simulated clock",
    "needs_journal": "needs the control plane's journal of requests",
    "needs_faults": "needs fault injection",
    **{
        f"account_{part}": f"can run on a provisioned {text}"
        for part, text in ACCOUNT_PARTS.items()
    },
}
# A scenario's `needs_*` tag -> the capability every system of the target must offer.
NEEDS = {f"needs_{c}": c for c in sorted(SIMULATOR_CAPABILITIES)}
ACCOUNT_TAG = "account_"
BROWSERS = ("requests", "chromium")

# The harness's own options, shown first by `k1-suite --help` (k1harness.cli): (flags, settings).
OPTIONS = [
    (
        ("--target",),
        dict(
            default=os.environ.get("K1_TARGET"),
            metavar="FILE",
            help="TOML target file naming each system's URL, capabilities, accounts, driver and "
            "baseline (default: the embedded simulators; env K1_TARGET)",
        ),
    ),
    *(
        (
            (f"--{name}-url",),
            dict(metavar="URL", help=f"{kind.title}'s base URL (overrides the file)"),
        )
        for name, kind in SYSTEMS.items()
    ),
    (
        ("--allow-destructive",),
        dict(
            action="store_true",
            help="run scenarios that change configuration on a target that is not all "
            "embedded (on provisioned accounts, what they change is put back afterwards)",
        ),
    ),
    (
        ("--browser",),
        dict(
            choices=BROWSERS,
            default="requests",
            help="who plays the people: requests (default, nothing to install) or chromium "
            "(headless, through Playwright)",
        ),
    ),
    (
        ("--baseline",),
        dict(
            metavar="FILE",
            help="TOML file of known differences on this target (overrides the file's baseline)",
        ),
    ),
    (
        ("--seed",),
        dict(type=int, help="seed for generated names, to reproduce a run (default: random)"),
    ),
    (
        ("--report-dir", "--coverage-dir"),
        dict(
            dest="report_dir",
            metavar="DIR",
            help="write the coverage matrix (coverage.json, coverage.md), report.html and "
            "screenshots here",
        ),
    ),
]


def pytest_addoption(parser):
    group = parser.getgroup("k1harness", "KaseyaOne conformance harness")
    for flags, settings in OPTIONS:
        group.addoption(*flags, **settings)


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
    if not hasattr(config, "workerinput") and not config.option.help:
        _refuse_parallel_changes(config)
    from .baseline import BaselinePlugin
    from .reports import RunRecorder

    config.pluginmanager.register(RunRecorder(config), "k1harness-reports")
    config.pluginmanager.register(BaselinePlugin(config), "k1harness-baseline")


class _XdistSeed:
    def pytest_configure_node(self, node):
        node.workerinput["k1_seed"] = node.config.getoption("seed")


def target_of(config):
    if not hasattr(config, "_k1_target"):
        try:
            config._k1_target = load_target(
                config.getoption("target"),
                urls={name: config.getoption(f"{name}_url") for name in SYSTEMS},
            )
        except TargetError as exc:
            raise pytest.UsageError(str(exc)) from exc
    return config._k1_target


def provisioned(target) -> bool:
    """Whether scenarios use the target's provisioned accounts rather than seeding."""
    return bool(target.lacking("seeding"))


def skip_reason(target, marker_names: set[str], allow_destructive: bool) -> str | None:
    """Why a scenario with these tags cannot run on this target (H-TGT-2, H-TGT-3), if so."""
    parts = sorted(m[len(ACCOUNT_TAG) :] for m in marker_names if m.startswith(ACCOUNT_TAG))
    for marker, capability in NEEDS.items():
        if marker not in marker_names:
            continue
        lacking = target.lacking(capability)
        if not lacking:
            continue
        reason = (
            f"needs {capability}, which {' and '.join(lacking)} on target "
            f"'{target.name}' does not offer"
        )
        if capability == "seeding" and parts:
            missing = [part for part in parts if part not in target.accounts]
            if not missing:
                continue  # it runs on the provisioned accounts
            reason += (
                f", or the provisioned account{'s' if len(missing) > 1 else ''} "
                f"{', '.join(missing)}, which it does not name"
            )
        return reason
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
    target = target_of(config)
    allow = config.getoption("allow_destructive")
    for item in items:
        item._k1_skip = skip_reason(target, {m.name for m in item.iter_markers()}, allow)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    # Skipped here rather than by a mark, so that the report can point at the scenario's line
    # (k1harness.reports) and the skip is counted per scenario.
    if getattr(item, "_k1_skip", None):
        pytest.skip(item._k1_skip)


def _refuse_parallel_changes(config) -> None:
    target = target_of(config)
    parallel = getattr(config.option, "numprocesses", None) not in (None, 0)
    if parallel and provisioned(target) and config.getoption("allow_destructive"):
        raise pytest.UsageError(
            f"Target '{target.name}' uses provisioned accounts, which every scenario shares: "
            "with --allow-destructive, scenarios change their configuration and put it back, "
            "so they must run one at a time. Leave out -n."
        )


def pytest_report_header(config):
    target = target_of(config)
    accounts = f"; provisioned accounts: {', '.join(target.accounts)}" if target.accounts else ""
    return (
        f"k1harness: target {target.name} ({target.describe()}){accounts}; "
        f"seed {config.getoption('seed')} (rerun with --seed to reproduce); "
        f"browser {config.getoption('browser')}"
    )


class Systems:
    """The drivers for one run, and the embedded simulators if the harness started any. An
    embedded simulator starts when a scenario first asks for its driver (the hub first, for a
    module that needs it): a run that never uses one of them (a nested run of the harness's own
    scenarios, a selection of one feature) does not pay for its start."""

    def __init__(self, config) -> None:
        self.target = target_of(config)
        self.embedded = []  # the EmbeddedSimulators started so far
        self.classes = {}
        for name, system in self.target.systems.items():
            try:
                self.classes[name] = load_driver(system.driver or SYSTEMS[name].driver, name)
            except DriverLoadError as exc:
                pytest.exit(str(exc), returncode=4)
        self.drivers = {}
        for name, system in self.target.systems.items():
            if not system.embedded:
                self._open(name, system.url)  # one clear stop now, if it does not answer

    def _open(self, name: str, url: str):
        system = self.target.systems[name]
        driver = self.drivers[name] = self.classes[name](url, system.control_token)
        # One clear stop, rather than every scenario failing on the same cause.
        control_plane = bool(system.capabilities)
        if not driver.ready(control_plane=control_plane):
            self.stop()
            pytest.exit(f"{name} does not answer at {driver.base_url}.", returncode=4)
        if control_plane and not driver.control_authorized():
            self.stop()
            pytest.exit(
                f"{name}'s control plane at {driver.base_url}/_sim refused the token: set "
                f"K1_{name.upper()}_CONTROL_TOKEN (or the variable the target file names in "
                "control_token_env) to the token the simulator printed at start.",
                returncode=4,
            )
        return driver

    def driver(self, name: str):
        if name not in self.drivers:
            from .embedded import start_embedded

            hub = self.driver("kaseyaone").base_url if name != "kaseyaone" else None
            ports = {n: s.port for n, s in self.target.systems.items()}
            started = start_embedded(
                kaseyaone_url=hub,
                uniview=name == "uniview",
                autotask=name == "autotask",
                ports=ports,
            )
            self.embedded.append(started)
            self._open(name, getattr(started, name).url)
        return self.drivers[name]

    def __getattr__(self, name):
        if name in SYSTEMS and name in self.__dict__.get("classes", {}):
            return self.driver(name)
        raise AttributeError(name)

    def stop(self) -> None:
        for started in reversed(self.embedded):
            started.stop()
        self.embedded.clear()


@pytest.fixture(scope="session")
def k1_systems(pytestconfig):
    systems = Systems(pytestconfig)
    yield systems
    systems.stop()


@pytest.fixture
def kaseyaone(k1_systems):
    return k1_systems.kaseyaone


@pytest.fixture
def uniview(k1_systems):
    return k1_systems.uniview


@pytest.fixture
def autotask(k1_systems):
    return k1_systems.autotask


@pytest.fixture
def k1_accounts(pytestconfig):
    """The target's provisioned accounts where it cannot seed (the scenario uses them), else
    None (the scenario seeds its own tenants)."""
    target = target_of(pytestconfig)
    return target.accounts if provisioned(target) else None


@pytest.fixture
def k1_faker(request, pytestconfig):
    """Names for this scenario: different in every scenario, the same again with --seed."""
    # Loaded by the first scenario: pytest rewrites faker's modules on import (its
    # distribution holds a pytest plugin), about 0.4 s that a process running no scenario (an
    # xdist controller, a run whose scenarios are all skipped) need not pay.
    from faker import Faker

    fake = Faker()
    fake.seed_instance(pytestconfig.getoption("seed") + zlib.crc32(request.node.nodeid.encode()))
    return fake


@pytest.fixture(scope="session")
def k1_chromium(pytestconfig):
    """One headless Chromium per process, for --browser chromium."""
    if pytestconfig.getoption("browser") != "chromium":
        yield None
        return
    from .drivers.playwright import launch_chromium

    try:
        chromium = launch_chromium()
    except RuntimeError as exc:
        pytest.exit(str(exc), returncode=4)
    yield chromium
    chromium.close()


@pytest.fixture
def new_browser(request, k1_chromium):
    """Makes a browser for one person of the scenario: a requests session, or a fresh context
    of the process's Chromium; all closed when the scenario ends."""
    from .drivers import Browser

    opened = request.node._k1_browsers = []

    def make():
        browser = k1_chromium.new_browser() if k1_chromium is not None else Browser()
        opened.append(browser)
        return browser

    yield make
    for browser in opened:
        browser.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    exchanges.start()
    try:
        return (yield)
    finally:
        item._k1_exchanges = exchanges.current()
        exchanges.stop()


def pytest_bdd_step_error(request, feature, scenario, step, step_func, step_func_args, exception):
    """A screenshot of every real browser of the scenario, for the failing step's report."""
    from .reports import screenshot_dir

    shots = []
    for number, browser in enumerate(getattr(request.node, "_k1_browsers", [])):
        if hasattr(browser, "screenshot"):
            name = f"{zlib.crc32(request.node.nodeid.encode()):08x}-{number}.png"
            path = browser.screenshot(screenshot_dir(request.config) / name)
            if path is not None:
                shots.append(str(path))
    request.node._k1_screenshots = shots
