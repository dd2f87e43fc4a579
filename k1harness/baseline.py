"""Baselines: the differences known on a target, so that a run against it says what is new.
A TOML file (named by the target file's `baseline`, or `--baseline`) lists them:

    [[known]]
    scenario = "A wrong KaseyaOne password is refused by KaseyaOne"  # or behaviour = "UV-SSO-1"
    feature = "Log In with KaseyaOne"   # only where two features have a scenario of that name
    outcome = "failed"                  # what is expected of it; the only one so far
    message = "invalid_credentials"     # optional: it must fail with this in its message
    reason = "staging answers with its own error page"
    link = "https://tracker.example/QA-123"

A known failure is reported as expected (pytest's xfail), not as a failure. A run fails on any
other failure, and on an entry whose scenarios ran and none failed: it is stale, and must go."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest

from .behaviours import BEHAVIOURS
from .targets import read_toml

ENTRY_KEYS = {"scenario", "behaviour", "feature", "outcome", "message", "reason", "link"}
OUTCOMES = ("failed",)


class BaselineError(Exception):
    pass


@dataclass
class Known:
    reason: str
    scenario: str | None = None
    behaviour: str | None = None
    feature: str | None = None
    message: str | None = None
    link: str | None = None
    outcome: str = "failed"
    failed: list[str] = field(default_factory=list)
    passed: list[str] = field(default_factory=list)

    @property
    def key(self) -> str:
        if self.behaviour:
            return f"behaviour {self.behaviour}"
        return f'scenario "{self.scenario}"' + (f' of "{self.feature}"' if self.feature else "")

    def matches(self, scenario: dict | None, behaviours) -> bool:
        if self.behaviour:
            return self.behaviour in behaviours
        if scenario is None or scenario["name"] != self.scenario:
            return False
        return self.feature in (None, scenario["feature"], scenario["file"])


def load_baseline(path: Path) -> list[Known]:
    data = read_toml(path, "baseline file", BaselineError)
    if set(data) - {"known"}:
        raise BaselineError(
            f"{path}: unknown key(s) {', '.join(sorted(set(data) - {'known'}))}; a baseline "
            "is a list of [[known]] entries."
        )
    entries = []
    for number, spec in enumerate(data.get("known", []), start=1):
        where = f"{path}: entry {number}"
        unknown = sorted(set(spec) - ENTRY_KEYS)
        if unknown:
            raise BaselineError(
                f"{where}: unknown key(s) {', '.join(unknown)}; the keys are "
                f"{', '.join(sorted(ENTRY_KEYS))}."
            )
        if ("scenario" in spec) == ("behaviour" in spec):
            raise BaselineError(f"{where}: name a scenario or a behaviour (one of them).")
        if spec.get("behaviour") and spec["behaviour"] not in BEHAVIOURS:
            raise BaselineError(
                f"{where}: {spec['behaviour']} is no behaviour ID of the catalogue."
            )
        if spec.get("outcome", "failed") not in OUTCOMES:
            raise BaselineError(f"{where}: outcome may be {', '.join(OUTCOMES)}.")
        if not spec.get("reason"):
            raise BaselineError(f"{where}: say why (reason), so that the next person knows.")
        entries.append(Known(**spec))
    return entries


class BaselinePlugin:
    def __init__(self, config) -> None:
        from .plugin import target_of
        from .targets import invoked_path

        self.config = config
        given = config.getoption("baseline")
        self.path = invoked_path(given) if given else target_of(config).baseline
        self.entries: list[Known] = []
        if self.path is not None:
            try:
                self.entries = load_baseline(self.path)
            except BaselineError as exc:
                raise pytest.UsageError(str(exc)) from exc

    def entry_for(self, item) -> Known | None:
        behaviours = next((v for k, v in item.user_properties if k == "behaviours"), [])
        scenario = getattr(item, "_k1_scenario", None)
        return next((e for e in self.entries if e.matches(scenario, behaviours)), None)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item, call):
        report = yield
        if report.when != "call" or not self.entries or report.skipped:
            return report
        entry = self.entry_for(item)
        if entry is None:
            return report
        report.k1_baseline = entry.key
        if report.failed and (not entry.message or entry.message in report.longreprtext):
            report.k1_failure = report.longreprtext
            report.outcome = "skipped"
            report.wasxfail = entry.reason + (f" ({entry.link})" if entry.link else "")
        return report

    @pytest.hookimpl
    def pytest_runtest_logreport(self, report):
        key = getattr(report, "k1_baseline", None)
        entry = next((e for e in self.entries if e.key == key), None)
        if entry is None:
            return
        (entry.failed if getattr(report, "wasxfail", None) else entry.passed).append(report.nodeid)

    def stale(self) -> list[Known]:
        return [e for e in self.entries if e.passed and not e.failed]

    def summary(self) -> dict:
        def rows(entries):
            return [
                {
                    "entry": e.key,
                    "scenarios": e.failed or e.passed,
                    "reason": e.reason,
                    "link": e.link,
                }
                for e in entries
            ]

        return {
            "file": str(self.path) if self.path else None,
            "expected": rows([e for e in self.entries if e.failed]),
            "stale": rows(self.stale()),
        }

    @pytest.hookimpl
    def pytest_terminal_summary(self, terminalreporter):
        stale = self.stale()
        expected = [e for e in self.entries if e.failed]
        if expected:
            terminalreporter.write_line(
                f"{sum(len(e.failed) for e in expected)} scenario(s) failed as the baseline "
                f"{self.path} expects ({len(expected)} entries)."
            )
        if stale:
            terminalreporter.write_line(
                f"Baseline entries that no longer fail: remove them from {self.path}:", red=True
            )
            for entry in stale:
                terminalreporter.write_line(
                    f"  {entry.key} ({entry.reason}): passed in {', '.join(entry.passed)}",
                    red=True,
                )

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session):
        if self.stale() and not hasattr(self.config, "workerinput"):
            session.exitstatus = pytest.ExitCode.TESTS_FAILED
