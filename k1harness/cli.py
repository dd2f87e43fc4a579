"""`k1-suite`: the Gherkin suite with reports. Against the embedded simulators by default;
`--served` first starts both simulators as separate server processes and points the suite at
their URLs (their state in SQLite files, or with `--served-database-url`, in fresh databases on a
PostgreSQL server); any other argument goes to pytest (`--target FILE`, `-m uv_req_3`, `-n 2`, ...).

`python -m k1harness.cli serve` serves both simulators on ports 8001 and 8002 until stopped."""

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
        os.environ["K1_KASEYAONE_CONTROL_TOKEN"] = served.tokens["kaseyaone"]
        os.environ["K1_UNIVIEW_CONTROL_TOKEN"] = served.tokens["uniview"]
        print(f"Served simulators: {served.urls}", flush=True)
        return int(
            pytest.main(
                [
                    *args,
                    "--allow-destructive",  # throwaway simulators of our own
                    "--kaseyaone-url",
                    served.urls["kaseyaone"],
                    "--uniview-url",
                    served.urls["uniview"],
                ]
            )
        )
    finally:
        served.stop()


def serve_both(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="run.py serve",
        description="Serve both simulators (gunicorn, two workers each) on 127.0.0.1 until "
        "Ctrl-C, with a fast password hash and their state in a temporary folder that goes "
        "when they stop. For lasting state or other options, run mock-kaseyaone serve and "
        "mock-uniview serve yourself.",
    )
    parser.add_argument("--kaseyaone-port", type=int, default=8001)
    parser.add_argument("--uniview-port", type=int, default=8002)
    args = parser.parse_args(argv)
    from .served import start_served

    served = start_served(
        workers=2, ports={"kaseyaone": args.kaseyaone_port, "uniview": args.uniview_port}
    )
    print(f"KaseyaOne: {served.urls['kaseyaone']}  control token: {served.tokens['kaseyaone']}")
    print(f"UniView:   {served.urls['uniview']}  control token: {served.tokens['uniview']}")
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
