"""Both simulators as separate server processes (gunicorn), on free loopback ports, addressed
only by URL: the remote path without a remote machine."""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class ServedSimulators:
    urls: dict[str, str]
    tokens: dict[str, str]
    processes: list[subprocess.Popen] = field(default_factory=list)
    workdir: tempfile.TemporaryDirectory | None = None

    def stop(self) -> None:
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
        if self.workdir is not None:
            self.workdir.cleanup()


def _command(name: str) -> list[str]:
    module = {"kaseyaone": "mock_kaseyaone.cli", "uniview": "mock_uniview.cli"}[name]
    return [sys.executable, "-m", module, "serve"]


def start_served(
    *, workers: int = 2, ports: dict | None = None, timeout: float = 30.0
) -> ServedSimulators:
    workdir = tempfile.TemporaryDirectory(prefix="k1-served-")
    ports = ports or {"kaseyaone": free_port(), "uniview": free_port()}
    urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    tokens = {name: secrets.token_urlsafe(16) for name in ports}
    served = ServedSimulators(urls, tokens, workdir=workdir)
    for name in ("kaseyaone", "uniview"):
        # "--option=value" throughout: a generated token may begin with a dash.
        args = _command(name) + [
            f"--bind=127.0.0.1:{ports[name]}",
            f"--control-token={tokens[name]}",
            f"--workers={workers}",
            "--password-hash=fast",
            f"--database-url=sqlite:///{Path(workdir.name) / (name + '.sqlite3')}",
        ]
        if name == "uniview":
            args.append(f"--kaseyaone-url={urls['kaseyaone']}")
        with open(Path(workdir.name) / f"{name}.log", "w") as log:  # the child keeps its copy
            served.processes.append(
                subprocess.Popen(
                    args,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    env={**os.environ, "PYTHONUNBUFFERED": "1"},
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
                served.stop()
                raise RuntimeError(f"The {name} simulator did not become ready:\n{logs}")
            time.sleep(0.05)  # polling a starting process, not a test waiting on simulated time
    return served
