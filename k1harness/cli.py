"""`k1-suite`: the Gherkin suite with reports. Against the embedded simulators by default;
`--served` first starts the simulators (KaseyaOne, UniView, Autotask) as separate server
processes and points the suite at their URLs (their state in SQLite files, or with
`--served-database-url`, in fresh databases on a PostgreSQL server); any other argument goes to
pytest (`--target FILE`, `-m uv_req_3`, `-n 2`, ...). Reports are written to a folder of their
own and put in reports/ only once the run has run: a run that could not start leaves the
previous reports as they were.

`python -m k1harness.cli serve` serves the simulators on ports 8001, 8002 and 8003 until stopped
(SIGINT, SIGTERM or Ctrl-C), and then leaves nothing running and nothing behind."""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path

import pytest

from .targets import invoked_path

# The reports a run writes (the folder: the screenshots of failing steps).
REPORT_FILES = ("cucumber.json", "junit.xml", "coverage.json", "coverage.md", "report.html")
# pytest's exit codes for a run that ran (passed, failed, nothing collected); the others
# (interrupted, internal error, usage error or a start that failed) leave no reports.
RAN = (0, 1, 5)


def _own_options() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="k1-suite", add_help=False)
    parser.add_argument(
        "--served",
        action="store_true",
        help="start the simulators as separate gunicorn processes first, and run against "
        "their URLs (destructive scenarios allowed: they are throwaway)",
    )
    parser.add_argument(
        "--served-workers", type=int, default=2, metavar="N", help="gunicorn workers each (2)"
    )
    parser.add_argument(
        "--served-database-url",
        metavar="URL",
        help="with --served: a PostgreSQL server where each simulator gets a fresh database",
    )
    parser.add_argument(
        "--reports", default="reports", metavar="DIR", help="where the reports go (reports)"
    )
    parser.add_argument("-h", "--help", action="store_true", help="show this help")
    parser.add_argument("--pytest-help", action="store_true", help="show pytest's own options")
    return parser


def suite_help() -> str:
    """The harness's own options first and briefly: k1-suite's, then the plugin's."""
    from .plugin import OPTIONS

    shown = argparse.ArgumentParser(
        prog="python3 run.py suite",
        usage="%(prog)s [options] [pytest options and paths]",
        description="The Gherkin suite against the embedded simulators, a target, or "
        "simulators it serves itself; reports in reports/ (cucumber.json, junit.xml, "
        "coverage.json, coverage.md, report.html).",
        epilog="Every other argument goes to pytest, e.g. -m 'uv_sso_1 or uv_req_1' (scenarios "
        "of some behaviours), -k text, -n 2 (two processes), -x. pytest's own options: "
        "python3 run.py suite --pytest-help",
        add_help=False,
    )
    group = shown.add_argument_group("the harness")
    for action in _own_options()._actions:
        group._add_action(action)
    for flags, settings in OPTIONS:
        group.add_argument(*flags, **{k: v for k, v in settings.items() if k != "default"})
    return shown.format_help()


def _publish(incoming: Path, reports: Path) -> None:
    for name in REPORT_FILES:
        (reports / name).unlink(missing_ok=True)
    shutil.rmtree(reports / "screenshots", ignore_errors=True)
    for path in incoming.iterdir():
        path.replace(reports / path.name)


def _test_path(arg: str) -> bool:
    path = Path(arg.split("::")[0])
    return path.suffix == ".py" and path.is_file() or path.is_dir() and path.name == "features"


def suite(argv: list[str]) -> int:
    parser = _own_options()
    own, rest = parser.parse_known_args(argv)
    if own.help:
        print(suite_help())
        return 0
    if own.pytest_help:
        return int(pytest.main(["--help"]))
    if own.served_database_url and not own.served:
        parser.error("--served-database-url is where --served keeps the simulators' state")
    reports = invoked_path(own.reports)
    reports.mkdir(parents=True, exist_ok=True)
    incoming = Path(tempfile.mkdtemp(prefix=".incoming-", dir=reports))
    # The whole suite, unless the arguments name some of it (a feature's test module).
    named = any(_test_path(arg) for arg in rest)
    args = [
        *([] if named else ["features"]),
        f"--cucumber-json={incoming / 'cucumber.json'}",
        f"--junitxml={incoming / 'junit.xml'}",
        f"--report-dir={incoming}",
        "-rs",  # every skipped scenario with its reason
        *rest,
    ]
    try:
        code = _run(own, args)
        if code in RAN:
            _publish(incoming, reports)
            print(
                f"Reports in {own.reports}: report.html (open it), {', '.join(REPORT_FILES[:-1])}"
            )
        else:
            print(
                f"The run did not run to its end (pytest exit code {code}): no reports "
                f"written; {own.reports} keeps those of the run before.",
                file=sys.stderr,
            )
        return code
    finally:
        shutil.rmtree(incoming, ignore_errors=True)


def _run(own, args: list[str]) -> int:
    if not own.served:
        return int(pytest.main(args))
    from .served import start_served

    served = start_served(workers=own.served_workers, database_url=own.served_database_url)
    try:
        urls = []
        for name, url in served.urls.items():
            os.environ[f"K1_{name.upper()}_CONTROL_TOKEN"] = served.tokens[name]
            urls += [f"--{name}-url", url]
        print(f"Served simulators: {served.urls}", flush=True)
        # --allow-destructive: throwaway simulators of our own.
        return int(pytest.main([*args, "--allow-destructive", *urls]))
    finally:
        served.stop()


def _raise_interrupt(signum, frame):
    raise KeyboardInterrupt


DEFAULT_PORTS = {"kaseyaone": 8001, "uniview": 8002, "autotask": 8003}


def serve_all(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="run.py serve",
        description="Serve the simulators (gunicorn, two workers each) on 127.0.0.1 until "
        "stopped (Ctrl-C, SIGINT or SIGTERM), with a fast password hash and their state in a "
        "temporary folder that goes when they stop. For lasting state or other options, run "
        "mock-kaseyaone serve, mock-uniview serve and mock-autotask serve yourself.",
    )
    for name, port in DEFAULT_PORTS.items():
        parser.add_argument(f"--{name}-port", type=int, default=port)
    parser.add_argument(
        "--accounts",
        action="store_true",
        help="as a staging deployment: seed the accounts fixtures/targets/provisioned-local.toml "
        "names, add UniView's KaseyaOne integration and grant access through their own APIs",
    )
    args = parser.parse_args(argv)
    from .served import start_served

    # SIGINT and SIGTERM stop as Ctrl-C does (SIGINT too: a shell starts a background job with
    # it ignored); the servers, in process groups of their own, hear of them through stop().
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, _raise_interrupt)
    served = None
    try:
        seeds = None
        if args.accounts:
            from .staging import SEED_FILES

            seeds = {name: str(path) for name, path in SEED_FILES.items()}
        served = start_served(
            workers=2,
            ports={name: getattr(args, f"{name}_port") for name in DEFAULT_PORTS},
            seed_files=seeds,
        )
        k1, uv = served.urls["kaseyaone"], served.urls["uniview"]
        for name, label in (
            ("kaseyaone", "KaseyaOne"),
            ("uniview", "UniView"),
            ("autotask", "Autotask"),
        ):
            print(f"{label + ':':10} {served.urls[name]}   control token: {served.tokens[name]}")
        if args.accounts:
            from .staging import PASSWORD, PASSWORD_ENV, TARGET_FILE, set_up

            target = set_up(served.urls)
            tenant = target.systems["uniview"].tenant
            print(f"Open {uv}/t/{tenant}/login (Log In with KaseyaOne, or UniView credentials)")
            print(f"and {k1}/admin/login (Module Management, as the master user).")
            file = os.path.relpath(TARGET_FILE)
            # The target file names the default ports: other ports are given as options.
            urls = "".join(
                f" --{name}-url {url}"
                for name, url in served.urls.items()
                if url != f"http://127.0.0.1:{DEFAULT_PORTS[name]}"
            )
            print(
                f"Accounts: {file}, passwords {PASSWORD}. The suite against them, without a "
                f"control plane:\n  {PASSWORD_ENV}={PASSWORD} python3 run.py suite --target "
                f"{file}{urls} --allow-destructive"
            )
        else:
            print(f"Open {uv}/t/<tenant id>/login once a tenant exists (README: the control API).")
        print(
            "Use 127.0.0.1, not localhost: each simulator's cookies and the OpenID Connect "
            "issuer are those of its URL, and a sign-in started on another name comes back "
            "without its cookie."
        )
        print("Ctrl-C to stop.", flush=True)
        while all(process.poll() is None for process in served.processes):
            time.sleep(0.2)  # waiting for a signal, or for a server to fail
        print("A simulator stopped by itself; stopping the others.", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM):  # a second Ctrl-C must not cut it short
            signal.signal(signum, signal.SIG_IGN)
        if served is not None:
            served.stop()


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["serve"]:
        return serve_all(argv[1:])
    return suite(argv)


if __name__ == "__main__":
    sys.exit(main())
