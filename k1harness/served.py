"""The simulators (KaseyaOne, UniView, Autotask) as separate server processes (gunicorn), on
free loopback ports, addressed only by URL: the remote path without a remote machine. Their
state is in SQLite files in a temporary folder, or in fresh databases on a PostgreSQL server,
dropped when they stop."""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

SIMULATORS = ("kaseyaone", "uniview", "autotask")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def create_databases(server_url: str, names) -> dict[str, str]:
    """A fresh, empty database for each name on the PostgreSQL server `server_url` reaches
    (through the database it names, e.g. postgres), as SQLAlchemy URLs."""
    server = make_url(server_url)
    if server.get_backend_name() != "postgresql":
        raise ValueError(
            f"Give a PostgreSQL URL (postgresql+psycopg://user:password@host:port/postgres), "
            f"not {server.render_as_string(hide_password=True)}: each simulator gets a fresh "
            "database on that server."
        )
    urls = {}
    engine = create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            for name in names:
                database = f"k1_{name}_{secrets.token_hex(4)}"
                connection.execute(text(f'CREATE DATABASE "{database}"'))
                urls[name] = server.set(database=database).render_as_string(hide_password=False)
    finally:
        engine.dispose()
    return urls


def drop_databases(server_url: str, urls) -> None:
    engine = create_engine(make_url(server_url), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            for url in urls:
                database = make_url(url).database
                connection.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
    finally:
        engine.dispose()


@dataclass
class ServedSimulators:
    urls: dict[str, str]
    tokens: dict[str, str]
    processes: list[subprocess.Popen] = field(default_factory=list)
    workdir: tempfile.TemporaryDirectory | None = None
    database_server: str | None = None
    databases: dict[str, str] = field(default_factory=dict)

    def stop(self, grace: float = 0.5) -> None:
        """Every process each server started, gone: gunicorn's quick shutdown (SIGINT) first,
        then, after `grace` seconds, SIGKILL to its whole process group (its workers). Then
        the state. Safe to call again."""
        for process in self.processes:
            _signal_group(process, signal.SIGINT)
        deadline = time.monotonic() + grace
        for process in self.processes:
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=max(deadline - time.monotonic(), 0.01))
            _signal_group(process, signal.SIGKILL)  # workers that outlived their master too
            process.wait()
        self.processes.clear()
        if self.databases:
            drop_databases(self.database_server, self.databases.values())
            self.databases = {}
        if self.workdir is not None:
            self.workdir.cleanup()
            self.workdir = None


def _signal_group(process: subprocess.Popen, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signum)  # each server leads a process group of its own


def _command(name: str) -> list[str]:
    module = {
        "kaseyaone": "mock_kaseyaone.cli",
        "uniview": "mock_uniview.cli",
        "autotask": "mock_autotask.cli",
    }[name]
    return [sys.executable, "-m", module, "serve"]


def start_served(
    *,
    workers: int = 2,
    ports: dict | None = None,
    timeout: float = 30.0,
    database_url: str | None = None,
    seed_files: dict[str, str] | None = None,
    simulators: tuple[str, ...] = SIMULATORS,
) -> ServedSimulators:
    """`database_url`: a PostgreSQL server to keep the state on (a database each), rather than
    SQLite files. `seed_files`: a seed file for a simulator, by name. `simulators`: which to
    serve (KaseyaOne always: the modules are pointed at it)."""
    workdir = tempfile.TemporaryDirectory(prefix="k1-served-")
    wanted = {"kaseyaone", *simulators}
    ports = ports or {name: free_port() for name in SIMULATORS if name in wanted}
    urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    tokens = {name: secrets.token_urlsafe(16) for name in ports}
    served = ServedSimulators(urls, tokens, workdir=workdir, database_server=database_url)
    try:
        _start(served, workers, ports, timeout, database_url, seed_files)
    except BaseException:  # an interrupted start leaves nothing running either
        served.stop()
        raise
    return served


def _start(served, workers, ports, timeout, database_url, seed_files) -> None:
    workdir, urls, tokens = served.workdir, served.urls, served.tokens
    if database_url:
        served.databases = create_databases(database_url, ports)
    for name in (name for name in SIMULATORS if name in ports):
        database = served.databases.get(name) or (
            f"sqlite:///{Path(workdir.name) / (name + '.sqlite3')}"
        )
        # "--option=value" throughout: a generated token may begin with a dash.
        args = _command(name) + [
            f"--bind=127.0.0.1:{ports[name]}",
            f"--control-token={tokens[name]}",
            f"--workers={workers}",
            "--password-hash=fast",
            f"--database-url={database}",
        ]
        if name != "kaseyaone":
            args.append(f"--kaseyaone-url={urls['kaseyaone']}")
        if (seed_files or {}).get(name):
            args.append(f"--seed-file={seed_files[name]}")
        with open(Path(workdir.name) / f"{name}.log", "w") as log:  # the child keeps its copy
            served.processes.append(
                subprocess.Popen(
                    args,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    env={**os.environ, "PYTHONUNBUFFERED": "1"},
                    # Its own process group: a Ctrl-C meant for us reaches it only through
                    # stop(), which also removes the state once every process has gone.
                    start_new_session=True,
                )
            )
    deadline = time.monotonic() + timeout
    for name, url in urls.items():
        while True:
            try:
                if requests.get(url + "/_sim/health", timeout=1).ok:
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline or any(p.poll() is not None for p in served.processes):
                logs = "\n".join(p.read_text() for p in Path(workdir.name).glob("*.log"))
                raise RuntimeError(f"The {name} simulator did not become ready:\n{logs}")
            time.sleep(0.05)  # polling a starting process, not a test waiting on simulated time
