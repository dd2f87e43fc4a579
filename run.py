#!/usr/bin/env python3
"""The project's two commands, on a fresh machine with nothing but Python 3.11+:

    python3 run.py suite   # the Gherkin suite against the embedded simulators, with a summary
    python3 run.py test    # every test: the simulators' own tests and the suite

Both create `.venv` and install the project into it when needed (again whenever pyproject.toml
changes). Extra arguments go to pytest (`python3 run.py suite -m uv_req_3`), or to `k1-suite`
(`python3 run.py suite --served`, `python3 run.py suite --target fixtures/targets/x.toml`).
`python3 run.py serve` serves the simulators on ports 8001, 8002 and 8003;
`python3 run.py lint` runs ruff.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")

COMMANDS = {
    "suite": "the Gherkin suite, with reports in reports/ (python3 run.py suite --help)",
    "test": "every test: the simulators' and the harness's own, then the suite",
    "serve": "the simulators on 127.0.0.1:8001, :8002, :8003 until Ctrl-C (serve --help)",
    "lint": "ruff",
}


def ensure_environment() -> None:
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()[:16]
    stamp = VENV / f".installed-{digest}"
    if stamp.exists():
        return
    if not (BIN / "python").exists():
        print(f"Creating {VENV} ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    print("Installing the project and its dependencies ...", flush=True)
    subprocess.run(
        [
            str(BIN / "python"),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "-e",
            f"{ROOT}[dev]",
        ],
        check=True,
    )
    for old in VENV.glob(".installed-*"):
        old.unlink()
    stamp.touch()


def main(argv: list[str]) -> int:
    if sys.version_info < (3, 11):
        sys.exit("Python 3.11 or newer is needed.")
    commands = {
        "suite": [str(BIN / "k1-suite")],
        "test": [str(BIN / "python"), "-m", "pytest"],
        "serve": [str(BIN / "python"), "-m", "k1harness.cli", "serve"],
        "lint": [str(BIN / "ruff"), "check", "."],
    }
    if not argv or argv[0] not in commands:
        said = f"Unknown command {argv[0]!r}. " if argv else ""
        listed = "\n".join(f"  python3 run.py {name:6} {text}" for name, text in COMMANDS.items())
        print(f"{said}The commands:\n{listed}", file=sys.stderr)
        return 2
    ensure_environment()
    # Paths given on the command line (--target, --baseline) are read from where it was run.
    os.environ["K1_INVOKED_FROM"] = os.getcwd()
    os.chdir(ROOT)
    command = commands[argv[0]] + argv[1:]
    if os.name == "posix":
        # The command becomes this process: a signal sent to it reaches the command itself.
        os.execv(command[0], command)
    try:
        return subprocess.run(command).returncode
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
