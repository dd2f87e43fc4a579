"""Reports a person reads (H-REP-1): the behaviour coverage matrix (behaviour -> scenarios ->
outcome) printed at the end and written as coverage.json and coverage.md, one self-contained
report.html (the matrix, each failure with its HTTP exchanges and screenshots, expected failures
and stale baseline entries, skips grouped by reason), and the run's target, seed, time and
versions in every report: JUnit XML properties, each Cucumber JSON feature's `metadata`.

Under pytest-xdist, what a worker knows of a scenario travels on its reports (attributes named
k1_*), so that the controller writes complete reports, Cucumber JSON included (pytest-bdd keeps
a scenario's steps beside the report, where xdist does not carry them)."""

from __future__ import annotations

import base64
import html
import json
import os
import platform
import tempfile
from collections import defaultdict
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

import pytest

from .behaviours import BEHAVIOURS, id_of

EXCHANGES = "HTTP exchanges (last 40, secrets redacted)"


def scenario_info(item) -> dict | None:
    """The scenario a pytest-bdd item runs: its name, feature, file (from the project's root)
    and line."""
    try:
        from pytest_bdd.scenario import scenario_wrapper_template_registry
    except ImportError:  # a pytest-bdd without it: reports name tests instead
        return None
    template = scenario_wrapper_template_registry.get(getattr(item, "obj", None))
    if template is None:
        return None
    feature = template.feature
    return {
        "name": template.name,
        "feature": feature.name,
        "uri": feature.rel_filename,
        "file": os.path.relpath(feature.filename, item.config.rootpath),
        "line": template.line_number,
    }


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def run_metadata(config) -> dict:
    from .plugin import target_of

    target = target_of(config)
    versions = {
        "python": platform.python_version(),
        **{
            name: _version(name)
            for name in ("kaseyaone-sim", "pytest", "pytest-bdd", "pytest-xdist", "playwright")
        },
    }
    return {
        "target": target.name,
        "systems": target.describe(),
        "provisioned_accounts": sorted(target.accounts),
        "seed": config.getoption("seed"),
        "browser": config.getoption("browser"),
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "versions": {k: v for k, v in versions.items() if v},
    }


def screenshot_dir(config) -> Path:
    directory = config.getoption("report_dir")
    path = Path(directory) / "screenshots" if directory else Path(tempfile.gettempdir())
    path.mkdir(parents=True, exist_ok=True)
    return path


class RunRecorder:
    def __init__(self, config) -> None:
        self.config = config
        self.results: dict[str, dict] = {}
        self.run: dict = {}

    # --- in every process: what a report carries

    @pytest.hookimpl
    def pytest_itemcollected(self, item):
        # Markers, not keywords: a parametrized test named after a tag is not a scenario of it.
        ids = sorted({b for b in (id_of(m.name) for m in item.iter_markers()) if b})
        if ids:
            item.user_properties.append(("behaviours", ids))
        item._k1_scenario = scenario_info(item)

    def pytest_bdd_before_step(self, request, feature, scenario, step, step_func):
        request.node._k1_step_line = step.line_number

    @pytest.hookimpl(wrapper=True, tryfirst=True)  # outermost: after pytest-bdd's and baselines
    def pytest_runtest_makereport(self, item, call):
        report = yield
        scenario = getattr(item, "_k1_scenario", None)
        report.k1_scenario = scenario
        report.k1_name = item.name
        if report.skipped and isinstance(report.longrepr, tuple) and scenario:
            # Point at the scenario (or the step that skipped), not into pytest-bdd.
            line = getattr(item, "_k1_step_line", None) if report.when == "call" else None
            reason = report.longrepr[2]
            report.longrepr = (scenario["file"], line or scenario["line"], reason)
        recorded = getattr(item, "_k1_exchanges", None)
        if report.when == "call" and report.failed and recorded:
            text = "\n".join(recorded[-40:])
            report.sections.append((EXCHANGES, text))
            item.user_properties.append(("http_exchanges", text))  # into the JUnit XML
        shots = getattr(item, "_k1_screenshots", None)
        if report.when == "call" and shots:
            report.k1_screenshots = shots
            report.sections.append(("Screenshots", "\n".join(shots)))
        try:
            from pytest_bdd.reporting import test_report_context_registry
        except ImportError:
            return report
        context = test_report_context_registry.get(report)
        if context is not None:
            report.k1_bdd = {"scenario": context.scenario, "name": context.name}
        return report

    # --- in the controller: the whole run

    @pytest.hookimpl(trylast=True)
    def pytest_sessionstart(self, session):
        if hasattr(self.config, "workerinput"):
            return
        self.run = run_metadata(self.config)
        try:
            from _pytest.junitxml import xml_key

            xml = self.config.stash.get(xml_key, None)
        except ImportError:
            xml = None
        if xml is not None:
            for key, value in _flat(self.run).items():
                xml.add_global_property(key, value)

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_logreport(self, report):
        bdd = getattr(report, "k1_bdd", None)
        if bdd is not None:
            try:
                from pytest_bdd.reporting import ReportContext, test_report_context_registry

                test_report_context_registry.setdefault(report, ReportContext(**bdd))
            except ImportError:
                pass
        self._record(report)

    def _record(self, report) -> None:
        if report.when == "teardown" and report.passed:
            return
        if report.when == "setup" and report.passed:
            return
        entry = self.results.setdefault(report.nodeid, {"nodeid": report.nodeid})
        if entry.get("outcome") == "failed":
            return  # a failure stays the outcome, whatever its teardown does
        scenario = getattr(report, "k1_scenario", None) or {}
        entry.update(
            name=scenario.get("name") or report.nodeid,
            test=getattr(report, "k1_name", ""),
            feature=scenario.get("feature", ""),
            uri=scenario.get("uri"),
            location=f"{scenario['file']}:{scenario['line']}" if scenario else report.nodeid,
            behaviours=next((v for k, v in report.user_properties if k == "behaviours"), []),
        )
        if getattr(report, "wasxfail", None) and report.skipped:
            entry["outcome"] = "expected failure"
            entry["reason"] = report.wasxfail
            entry["details"] = getattr(report, "k1_failure", "")
        elif report.skipped:
            entry["outcome"] = "skipped"
            longrepr = report.longrepr
            entry["reason"] = (
                longrepr[2].removeprefix("Skipped: ") if isinstance(longrepr, tuple) else ""
            )
        elif report.failed:
            entry["outcome"] = "failed"
            entry["when"] = report.when
            entry["details"] = report.longreprtext
            entry["exchanges"] = dict(report.sections).get(EXCHANGES, "")
            entry["screenshots"] = getattr(report, "k1_screenshots", [])
        else:
            entry["outcome"] = "passed"

    def outcome_text(self, entry: dict) -> str:
        if entry["outcome"] in ("skipped", "expected failure"):
            return f"{entry['outcome']}: {entry.get('reason', '')}"
        return entry["outcome"]

    def matrix(self) -> dict:
        scenarios: dict[str, dict[str, str]] = defaultdict(dict)
        for entry in self.results.values():
            for behaviour in entry.get("behaviours", []):
                scenarios[behaviour][entry["nodeid"]] = self.outcome_text(entry)
        return {b: {"title": BEHAVIOURS[b], "scenarios": scenarios.get(b, {})} for b in BEHAVIOURS}

    def skipped_by_reason(self) -> dict[str, list[str]]:
        grouped: dict[str, list[str]] = defaultdict(list)
        for entry in self.results.values():
            if entry.get("outcome") == "skipped":
                grouped[entry["reason"]].append(f"{entry['location']} {entry['name']}")
        return dict(sorted(grouped.items(), key=lambda kv: -len(kv[1])))

    def baseline(self):
        plugin = self.config.pluginmanager.get_plugin("k1harness-baseline")
        return plugin.summary() if plugin is not None else {}

    @pytest.hookimpl
    def pytest_terminal_summary(self, terminalreporter):
        if not self.results or hasattr(self.config, "workerinput"):
            return
        matrix = self.matrix()
        tested = [b for b, m in matrix.items() if m["scenarios"]]
        if not tested:
            return
        covered = [b for b in tested if "passed" in matrix[b]["scenarios"].values()]
        failing = [b for b in tested if "failed" in matrix[b]["scenarios"].values()]
        tr = terminalreporter
        tr.section("behaviour coverage")
        for behaviour in tested:
            outcomes = [o.split(":")[0] for o in matrix[behaviour]["scenarios"].values()]
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
        skipped = self.skipped_by_reason()
        if skipped:
            tr.write_line("Skipped, by reason:")
            for reason, scenarios in skipped.items():
                tr.write_line(f"  {len(scenarios):3} {reason}")

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session):
        if hasattr(self.config, "workerinput"):
            return
        self.run["finished"] = datetime.now(UTC).isoformat(timespec="seconds")
        cucumber = getattr(self.config.option, "cucumber_json_path", None)
        if cucumber and Path(cucumber).is_file():
            self._complete_cucumber(Path(cucumber))
        directory = self.config.getoption("report_dir")
        if directory:
            write_reports(Path(directory), self)

    def _complete_cucumber(self, path: Path) -> None:
        """The run's metadata on every feature, and the screenshots of a failing scenario on
        its failing step."""
        features = json.loads(path.read_text())
        shots = {
            (e.get("uri"), e.get("test")): e.get("screenshots")
            for e in self.results.values()
            if e.get("screenshots")
        }
        for feature in features:
            feature["metadata"] = self.run
            for element in feature.get("elements", []):
                images = shots.get((feature.get("uri"), element.get("id")))
                failed = [s for s in element.get("steps", []) if s["result"]["status"] == "failed"]
                if images and failed:
                    failed[0]["embeddings"] = [
                        {"mime_type": "image/png", "data": _png(image)} for image in images
                    ]
        path.write_text(json.dumps(features))


def _flat(run: dict) -> dict[str, str]:
    flat = {}
    for key, value in run.items():
        if isinstance(value, dict):
            flat.update({f"{key}.{k}": str(v) for k, v in value.items()})
        elif isinstance(value, list):
            flat[key] = ", ".join(map(str, value))
        else:
            flat[key] = str(value)
    return flat


def _png(path: str) -> str:
    try:
        return base64.b64encode(Path(path).read_bytes()).decode()
    except OSError:
        return ""


def write_reports(directory: Path, recorder: RunRecorder) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    matrix = recorder.matrix()
    coverage = {
        "run": recorder.run,
        "behaviours": matrix,
        "baseline": recorder.baseline(),
        "skipped": recorder.skipped_by_reason(),
    }
    (directory / "coverage.json").write_text(json.dumps(coverage, indent=2, sort_keys=True))
    lines = [
        f"Target {recorder.run.get('target')} ({recorder.run.get('systems')}), seed "
        f"{recorder.run.get('seed')}, {recorder.run.get('started')}, "
        + ", ".join(f"{k} {v}" for k, v in recorder.run.get("versions", {}).items()),
        "",
        "| behaviour | title | scenario | outcome |",
        "|---|---|---|---|",
    ]
    for behaviour, entry in matrix.items():
        scenarios = entry["scenarios"] or {"(no scenario)": "not exercised"}
        for nodeid, outcome in scenarios.items():
            lines.append(f"| {behaviour} | {entry['title']} | `{nodeid}` | {outcome} |")
    stale = coverage["baseline"].get("stale", [])
    if stale:
        lines += ["", "Baseline entries that no longer fail (remove them):", ""]
        lines += [f"- {entry['entry']}: {entry['reason']}" for entry in stale]
    (directory / "coverage.md").write_text("\n".join(lines) + "\n")
    (directory / "report.html").write_text(html_report(recorder, coverage))


STYLE = """
body{font:14px/1.45 system-ui,sans-serif;margin:2em;color:#222;max-width:80em}
h1{font-size:1.5em}h2{margin-top:2em;border-bottom:1px solid #ccc}
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ddd;padding:.25em .5em;
text-align:left;vertical-align:top}th{background:#f4f4f4}
.passed{color:#176f2c}.failed{color:#b00020;font-weight:bold}.skipped{color:#8a6d00}
.expected{color:#5a3e99}.none{color:#999}pre{background:#f7f7f7;padding:.75em;overflow:auto;
max-height:30em;font-size:12px}img{max-width:100%;border:1px solid #ccc;margin:.5em 0}
.card{border:1px solid #ddd;border-radius:4px;padding:.5em 1em;margin:1em 0}
"""


def _badge(outcome: str) -> str:
    kind = outcome.split(":")[0]
    css = {"expected failure": "expected", "not exercised": "none"}.get(kind, kind)
    return f'<span class="{css}">{html.escape(outcome)}</span>'


def html_report(recorder: RunRecorder, coverage: dict) -> str:
    """One self-contained page: styles inline, screenshots as data URIs."""
    e = html.escape
    run, results = coverage["run"], list(recorder.results.values())
    counts = defaultdict(int)
    for entry in results:
        counts[entry.get("outcome", "?")] += 1
    out = [
        "<!doctype html><html lang=en><meta charset=utf-8>",
        f"<title>Conformance run on {e(str(run.get('target')))}</title><style>{STYLE}</style>",
        f"<h1>Conformance run on target {e(str(run.get('target')))}</h1>",
        "<table>",
    ]
    for key, value in _flat(run).items():
        out.append(f"<tr><th>{e(key)}</th><td>{e(value)}</td></tr>")
    out.append("</table><p>")
    out.append(", ".join(f"{n} {_badge(o)}" for o, n in sorted(counts.items())) + "</p>")

    out.append(
        "<h2 id=matrix>Behaviour coverage</h2><table><tr><th>behaviour</th>"
        "<th>title</th><th>scenarios and outcomes</th></tr>"
    )
    by_nodeid = {entry["nodeid"]: entry for entry in results}
    for behaviour, entry in coverage["behaviours"].items():
        cells = [
            f"{e(by_nodeid.get(n, {}).get('name', n))}: {_badge(o)}"
            for n, o in entry["scenarios"].items()
        ] or [_badge("not exercised")]
        out.append(
            f"<tr><td>{e(behaviour)}</td><td>{e(entry['title'])}</td>"
            f"<td>{'<br>'.join(cells)}</td></tr>"
        )
    out.append("</table>")

    failures = [entry for entry in results if entry.get("outcome") == "failed"]
    out.append(f"<h2 id=failures>Failures ({len(failures)})</h2>")
    for entry in failures:
        out.append(
            f"<div class=card><h3 class=failed>{e(entry['name'])}</h3>"
            f"<p>{e(entry['feature'])} — <code>{e(entry['location'])}</code> "
            f"(failed in {e(entry.get('when', 'call'))})</p>"
            f"<pre>{e(entry.get('details', ''))}</pre>"
        )
        if entry.get("exchanges"):
            out.append(f"<h4>{EXCHANGES}</h4><pre>{e(entry['exchanges'])}</pre>")
        for shot in entry.get("screenshots", []):
            out.append(
                f'<h4>Screenshot</h4><img alt="screenshot" src="data:image/png;base64,'
                f'{_png(shot)}">'
            )
        out.append("</div>")

    baseline = coverage["baseline"]
    if baseline.get("expected") or baseline.get("stale"):
        out.append("<h2 id=baseline>Baseline of known differences</h2>")
        if baseline.get("file"):
            out.append(f"<p>From <code>{e(baseline['file'])}</code>.</p>")
        for title, rows in (
            ("Expected failures", baseline.get("expected", [])),
            ("Entries that no longer fail: remove them", baseline.get("stale", [])),
        ):
            if not rows:
                continue
            out.append(
                f"<h3>{title}</h3><table><tr><th>entry</th><th>scenarios</th><th>reason</th></tr>"
            )
            for row in rows:
                link = (
                    f' <a href="{e(row["link"])}">{e(row["link"])}</a>' if row.get("link") else ""
                )
                out.append(
                    f"<tr><td>{e(row['entry'])}</td><td>{e(', '.join(row['scenarios']))}</td>"
                    f"<td>{e(row['reason'])}{link}</td></tr>"
                )
            out.append("</table>")

    skipped = coverage["skipped"]
    out.append(f"<h2 id=skipped>Skipped, by reason ({sum(map(len, skipped.values()))})</h2>")
    for reason, scenarios in skipped.items():
        out.append(f"<h3 class=skipped>{e(reason)} ({len(scenarios)})</h3><ul>")
        out += [f"<li><code>{e(s)}</code></li>" for s in scenarios]
        out.append("</ul>")
    out.append("</html>")
    return "\n".join(out)
