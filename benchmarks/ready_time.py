"""How long each simulator takes to be ready to serve: from starting its process to the first
successful `GET /_sim/health` (ours) or discovery document (the peers), polled every 5 ms; the
process is stopped after each start. Each start gets a fresh database (a fresh signing key),
except the "existing database" row. Targets take turns, so machine noise spreads evenly. The
project's packages are byte-compiled first, as pip compiles an installed package (the peers'
are): under PYTHONDONTWRITEBYTECODE an editable install would compile them at every start.

Ours: `mock-kaseyaone serve` and `mock-uniview serve` (gunicorn, 1 worker), and the embedded
pair (`k1harness.embedded.start_embedded()`, both simulators in one process) in a fresh
interpreter and warm in this process (imports done; to both health checks answered; its own
`ready_seconds` is reported too). Peers, with --peers-python: oidc-provider-mock's own CLI
(uvicorn), and oidc-provider-mock and pytest-iam (Canaille) served by `peers.py serve`
(werkzeug in a fresh interpreter; pytest-iam has no CLI of its own).

Run with the project's python, from the repository root:

    .venv/bin/python benchmarks/ready_time.py --starts 10 --peers-python /tmp/peers-venv/bin/python
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_common import compile_project, free_port, ms, stop_process, summary, wait_for

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
# Stopped by SIGTERM (bench_common.stop_process): the pair stops and removes its state folder.
EMBEDDED = (
    "from k1harness.embedded import start_embedded; import signal, sys, threading; "
    "s = start_embedded(); signal.signal(signal.SIGTERM, lambda *_: (s.stop(), sys.exit(0))); "
    "print(s.kaseyaone.url, s.uniview.url, flush=True); threading.Event().wait()"
)


def timed_start(command: list[str], port: int | None, health_paths: list[str]) -> float:
    """Seconds from Popen to every health URL answering; the URLs come from the port, or from
    the first line the process prints (the embedded pair picks its own ports)."""
    pipe = subprocess.PIPE if port is None else subprocess.DEVNULL
    with tempfile.TemporaryFile("w+") as log:
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=pipe, stderr=log, text=True)
        try:
            bases = [f"http://127.0.0.1:{port}"] if port else process.stdout.readline().split()
            for base, path in zip(bases, health_paths, strict=True):
                wait_for(base + path, process)
            return time.perf_counter() - started
        except RuntimeError:
            log.seek(0)
            raise RuntimeError(f"{' '.join(command)}:\n{log.read()[-3000:]}") from None
        finally:
            stop_process(process)


def serve_ours(name: str, database: Path | None = None) -> float:
    with tempfile.TemporaryDirectory(prefix="bench-ready-") as workdir:
        port = free_port()
        database = database or Path(workdir) / f"{name}.sqlite3"
        command = [str(BIN / f"mock-{name}"), "serve", "--bind", f"127.0.0.1:{port}"]
        command += ["--control-token", secrets.token_hex(16), "--password-hash", "fast"]
        command += ["--database-url", f"sqlite:///{database}"]
        if name == "uniview":
            command += ["--kaseyaone-url", "http://127.0.0.1:9"]
        return timed_start(command, port, ["/_sim/health"])


def embedded_warm(times: list[float]) -> float:
    from k1harness.embedded import start_embedded

    started = time.perf_counter()
    sims = start_embedded()
    try:
        wait_for(sims.kaseyaone.url + "/_sim/health")
        wait_for(sims.uniview.url + "/_sim/health")
        times.append(sims.ready_seconds)
        return time.perf_counter() - started
    finally:
        sims.stop()


def targets(peers_python: str | None, existing_db: Path) -> dict:
    found = {
        "mock-kaseyaone serve (gunicorn)": lambda: serve_ours("kaseyaone"),
        "mock-kaseyaone serve, existing database": lambda: serve_ours("kaseyaone", existing_db),
        "mock-uniview serve (gunicorn)": lambda: serve_ours("uniview"),
        "start_embedded(), fresh interpreter": lambda: timed_start(
            [sys.executable, "-c", EMBEDDED], None, ["/_sim/health", "/_sim/health"]
        ),
    }
    if not peers_python:
        print("skipped the peers: no --peers-python given", file=sys.stderr)
        return found
    discovery = ["/.well-known/openid-configuration"]
    for peer, module in (("oidc-provider-mock", "oidc_provider_mock"), ("pytest-iam", "canaille")):
        check = [
            peers_python,
            "-c",
            f"import importlib.util as u; exit(not u.find_spec('{module}'))",
        ]
        if subprocess.run(check).returncode != 0:
            print(f"skipped {peer}: not installed for {peers_python}", file=sys.stderr)
            continue
        if peer == "oidc-provider-mock":
            found["oidc-provider-mock, its CLI (uvicorn)"] = lambda: timed_start(
                *_peer_cli(peers_python), discovery
            )
        found[f"{peer}, peers.py serve (werkzeug)"] = lambda peer=peer: timed_start(
            *_peers_py(peers_python, peer), discovery
        )
    return found


def _peer_cli(python: str):
    port = free_port()
    command = [python, "-m", "oidc_provider_mock", "--host", "127.0.0.1", "--port", str(port)]
    return command, port


def _peers_py(python: str, peer: str):
    port = free_port()
    return [python, str(HERE / "peers.py"), "serve", peer, "--port", str(port)], port


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--starts", type=int, default=10)
    parser.add_argument("--peers-python", help="python of the venv holding the peers")
    parser.add_argument("--json", help="write the raw summaries (seconds) here")
    args = parser.parse_args()
    if importlib.util.find_spec("mock_kaseyaone") is None:
        sys.exit("run this with the project's python (.venv/bin/python)")
    compile_project()
    with tempfile.TemporaryDirectory() as workdir:
        existing_db = Path(workdir) / "kaseyaone.sqlite3"
        serve_ours("kaseyaone", existing_db)  # creates the database, tables and key once
        runs = targets(args.peers_python, existing_db)
        own_ready: list[float] = []
        runs["start_embedded(), warm, in this process"] = lambda: embedded_warm(own_ready)
        embedded_warm([])  # imports, untimed
        samples: dict[str, list[float]] = {name: [] for name in runs}
        for _ in range(args.starts):
            for name, run in runs.items():
                samples[name].append(run())
    results = {name: summary(values) for name, values in samples.items()}
    results["start_embedded().ready_seconds, warm"] = summary(own_ready)
    print("| target | ready, median ms | min | max | n |\n|---|---|---|---|---|")
    for name, s in results.items():
        print(f"| {name} | {ms(s['median'])} | {ms(s['min'])} | {ms(s['max'])} | {s['n']} |")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
