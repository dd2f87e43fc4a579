"""`k1-suite`: the Gherkin suite with reports. Against the embedded simulators by default;
`--served` first starts the simulators (KaseyaOne, UniView, Autotask) as separate server
processes and points the suite at their URLs (their state in SQLite files, or with
`--served-database-url`, in fresh databases on a PostgreSQL server); any other argument goes to
pytest (`--target FILE`, `-m uv_req_3`, `-n 2`, ...).

`python -m k1harness.cli serve` serves the simulators on ports 8001, 8002 and 8003 until
stopped."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import pytest

REPORTS = Path("reports")


def suite(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="k1-suite", add_help=False)
    parser.add_argument("--served", action="store_true")
    parser.add_argument("--served-workers", type=int, default=2)
    parser.add_argument("--served-database-url")
    own, rest = parser.parse_known_args(argv)
    if own.served_database_url and not own.served:
        parser.error("--served-database-url is where --served keeps the simulators' state")
    REPORTS.mkdir(exist_ok=True)
    args = [
        "features",
        f"--cucumber-json={REPORTS / 'cucumber.json'}",
        f"--junitxml={REPORTS / 'junit.xml'}",
        f"--coverage-dir={REPORTS}",
        "-rs",  # every skipped scenario with its reason
        *rest,
    ]
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


def serve_both(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="run.py serve",
        description="Serve the simulators (gunicorn, two workers each) on 127.0.0.1 until "
        "Ctrl-C, with a fast password hash and their state in a temporary folder that goes "
        "when they stop. For lasting state or other options, run mock-kaseyaone serve, "
        "mock-uniview serve and mock-autotask serve yourself.",
    )
    parser.add_argument("--kaseyaone-port", type=int, default=8001)
    parser.add_argument("--uniview-port", type=int, default=8002)
    parser.add_argument("--autotask-port", type=int, default=8003)
    args = parser.parse_args(argv)
    from .served import start_served

    ports = {
        "kaseyaone": args.kaseyaone_port,
        "uniview": args.uniview_port,
        "autotask": args.autotask_port,
    }
    served = start_served(workers=2, ports=ports)
    for name, label in (
        ("kaseyaone", "KaseyaOne"),
        ("uniview", "UniView"),
        ("autotask", "Autotask"),
    ):
        print(f"{label + ':':10} {served.urls[name]}  control token: {served.tokens[name]}")
    print("Ctrl-C to stop.", flush=True)
    try:
        for process in served.processes:
            process.wait()
    except KeyboardInterrupt:
        pass
    finally:
        served.stop()
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["serve"]:
        return serve_both(argv[1:])
    return suite(argv)


if __name__ == "__main__":
    sys.exit(main())
