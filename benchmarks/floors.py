"""The floors under issue 16's goals: what the project's own stack costs before any simulator
code runs, measured beside the peer in the same run, so that a goal can be told apart from
what the stack allows.

- Start: a fresh interpreter importing what every simulator must (Flask, SQLAlchemy's ORM,
  authlib's Flask integration, joserfc), against oidc-provider-mock's CLI from process start
  to its discovery document answering, and `mock-kaseyaone serve` to its health check.
- A request over loopback HTTP (`requests`, werkzeug's threaded server in this process, as the
  in-process sign-in and the embedded lookup are measured): a bare Flask route; and one that
  does the least a simulator's request does (an ORM session reading one row by its key,
  inserting a journal row, committing, SQLite file in WAL mode as the simulators use it).
- The peer's provider-only sign-in (4 requests), for the sign-in goal's budget.

Run with the project's python, from the repository root:

    .venv/bin/python benchmarks/floors.py --peers-python /tmp/peers-venv/bin/python [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests
from bench_common import compile_project, ms, summary
from ready_time import _peer_cli, serve_ours, timed_start

STACK = "import flask, sqlalchemy.orm, authlib.integrations.flask_oauth2, joserfc.jwk"
# The rows the goals' budgets are set against (report).
STACK_ROW = "the stack (flask, sqlalchemy.orm, authlib's Flask integration, joserfc)"
PEER_CLI_ROW = "oidc-provider-mock CLI, to its discovery document"
JOURNALED_ROW = "a Flask route reading a row, journaling, committing (ORM, SQLite file)"
IMPORTS = {
    "the interpreter alone": "pass",
    "flask": "import flask",
    "sqlalchemy.orm": "import sqlalchemy.orm",
    "flask, sqlalchemy.orm": "import flask, sqlalchemy.orm",
    STACK_ROW: STACK,
    "mock_kaseyaone (the stack and the simulator's code)": "import mock_kaseyaone",
}


def fresh_import(statement: str, python: str = sys.executable) -> float:
    """From starting the interpreter to the end of `statement`: it exits there at once
    (os._exit), so that the interpreter's shutdown is not counted, as a server's is not."""
    started = time.perf_counter()
    command = [python, "-W", "ignore", "-c", f"{statement}; import os; os._exit(0)"]
    subprocess.run(command, check=True)
    return time.perf_counter() - started


def start_floors(runs: int, peers_python: str | None) -> dict:
    """Median seconds of each import in a fresh interpreter, ours and the peer's starts; the
    targets take turns, so that the machine's noise spreads evenly."""
    targets = {name: (lambda s=statement: fresh_import(s)) for name, statement in IMPORTS.items()}
    targets["mock-kaseyaone serve, to its health check"] = lambda: serve_ours("kaseyaone")
    if peers_python:
        targets["oidc-provider-mock, import"] = lambda: fresh_import(
            "import oidc_provider_mock", peers_python
        )
        targets[PEER_CLI_ROW] = lambda: timed_start(
            *_peer_cli(peers_python), ["/.well-known/openid-configuration"]
        )
    samples: dict[str, list[float]] = {name: [] for name in targets}
    for _ in range(runs):
        for name, measure in targets.items():
            samples[name].append(measure())
    return {name: summary(values) for name, values in samples.items()}


def _bare_app():
    from flask import Flask

    app = Flask("bare")
    app.add_url_rule("/ok", "ok", lambda: "ok")
    return app


def _journaled_app(directory: str):
    """One route doing the least a simulator's request does: read a row by its key (the
    tenant), insert a journal row, commit; one ORM session per request, as sim_common.db, and
    the journal's INSERT built once and run on the session's connection, as sim_common.web."""
    from datetime import UTC, datetime

    from flask import Flask, g
    from sqlalchemy import DateTime, Integer, String, create_engine, event, insert
    from sqlalchemy.orm import DeclarativeBase, mapped_column, sessionmaker

    class Base(DeclarativeBase):
        pass

    class Tenant(Base):
        __tablename__ = "tenants"
        id = mapped_column(String(64), primary_key=True)
        name = mapped_column(String(200))

    class Journal(Base):
        __tablename__ = "journal"
        id = mapped_column(Integer, primary_key=True)
        tenant_id = mapped_column(String(64))
        at = mapped_column(DateTime)
        url = mapped_column(String(2000))

    engine = create_engine(f"sqlite:///{directory}/floor.sqlite3")

    @event.listens_for(engine, "connect")
    def _wal(connection, _record):
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=NORMAL")

    Base.metadata.create_all(engine)
    sessions = sessionmaker(engine, expire_on_commit=False)
    with sessions.begin() as session:
        session.add(Tenant(id="t", name="Tenant"))
    journal_insert = insert(Journal)  # built once, and run without the unit of work, as ours
    app = Flask("journaled")

    @app.get("/t/<tenant>/ok")
    def ok(tenant):
        g.session = sessions()
        found = g.session.get(Tenant, tenant)
        return found.name

    @app.after_request
    def journal(response):
        row = {"tenant_id": "t", "at": datetime.now(UTC), "url": "/t/t/ok"}
        g.session.connection().execute(journal_insert, row)
        g.session.commit()
        g.session.close()
        return response

    return app


def request_floors(rounds: int) -> dict:
    import mock_kaseyaone
    from k1harness.embedded import serve
    from sim_common.passwords import FAST

    with tempfile.TemporaryDirectory(prefix="bench-floors-") as directory:
        servers = {
            "a bare Flask route": (serve("bare", lambda url: _bare_app()), "/ok"),
            JOURNALED_ROW: (
                serve("journaled", lambda url: _journaled_app(directory)),
                "/t/t/ok",
            ),
            "our KaseyaOne's /_sim/health (no tenant, no journal; a database check)": (
                serve(
                    "kaseyaone",
                    lambda url: mock_kaseyaone.create_app(
                        {
                            "DATABASE_URL": f"sqlite:///{directory}/k1.sqlite3",
                            "PUBLIC_URL": url,
                            "PASSWORD_HASH_METHOD": FAST,
                        }
                    ),
                ),
                "/_sim/health",
            ),
        }
        samples: dict[str, list[float]] = {name: [] for name in servers}
        try:
            with requests.Session() as http:
                for _ in range(20):  # warm-up
                    for server, path in servers.values():
                        http.get(server.url + path, timeout=30).raise_for_status()
                for _ in range(rounds):
                    for name, (server, path) in servers.items():
                        started = time.perf_counter()
                        http.get(server.url + path, timeout=30).raise_for_status()
                        samples[name].append(time.perf_counter() - started)
        finally:
            for server, _ in servers.values():
                server.stop()
    return {name: summary(values) for name, values in samples.items()}


def peer_signin(peers_python: str | None, rounds: int) -> dict | None:
    from signin_vs_peers import peer

    found = peer(peers_python, "oidc-provider-mock", rounds, 10)
    return found["total"] if found else None


def _timings(title: str, figures: dict) -> list[str]:
    lines = [f"| {title} | median ms (min-max) | n |", "|---|---|---|"]
    for name, s in figures.items():
        lines.append(f"| {name} | {ms(s['median'])} ({ms(s['min'])}-{ms(s['max'])}) | {s['n']} |")
    return lines + [""]


def report(figures: dict) -> str:
    start, request = figures["start"], figures["request"]
    stack, journaled = start[STACK_ROW]["median"], request[JOURNALED_ROW]["median"]
    budgets = [("`userName eq` lookup <= 2 ms", 0.002, "1 journaled request", journaled)]
    cli = start.get(PEER_CLI_ROW)
    if cli:
        budgets.append(
            (
                "ready to serve <= 0.65 of the peer's CLI",
                0.65 * cli["median"],
                "importing the stack",
                stack,
            )
        )
    if figures.get("peer_signin"):
        budget = 0.25 * figures["peer_signin"]["median"]
        budgets.append(
            (
                "provider sign-in <= 0.25 of the peer's",
                budget,
                "4 journaled requests",
                4 * journaled,
            )
        )
    lines = _timings("start, fresh interpreter", start)
    lines += _timings("one GET over loopback HTTP", request)
    lines += ["| goal | its budget here | the stack's floor under it | floor / budget |"]
    lines.append("|---|---|---|---|")
    for goal, budget, what, floor in budgets:
        lines.append(
            f"| {goal} | {ms(budget)} ms | {what}, {ms(floor)} ms | {floor / budget:.2f} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--starts", type=int, default=10)
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--peers-python", help="python of the venv holding the peers")
    parser.add_argument("--json", type=Path, help="write the raw summaries here")
    args = parser.parse_args()
    if not args.peers_python:
        print("skipped the peers: no --peers-python given", file=sys.stderr)
    compile_project()
    figures = {
        "start": start_floors(args.starts, args.peers_python),
        "request": request_floors(args.requests),
        "peer_signin": peer_signin(args.peers_python, 100) if args.peers_python else None,
    }
    print(report(figures))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
