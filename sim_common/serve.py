"""Serving a simulator as a service: `mock-kaseyaone serve`, `mock-uniview serve`,
`mock-autotask serve`. gunicorn
(threaded workers); options fall back to environment variables; state in an SQLite file by
default or any SQLAlchemy URL. The control plane is behind a bearer token: given, or generated
and printed at start."""

from __future__ import annotations

import argparse
import json
import os
import secrets
import sys
from collections.abc import Callable

from .errors import InvalidRequest
from .passwords import FAST, STRONG
from .throttle import parse_option


def base_parser(
    prog: str, description: str, env_prefix: str, default_port: int
) -> tuple[argparse.ArgumentParser, argparse.ArgumentParser]:
    def env(name: str, default=None):
        return os.environ.get(f"{env_prefix}_{name}", default)

    parser = argparse.ArgumentParser(prog=prog, description=description)
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve the simulator with gunicorn")
    serve.add_argument(
        "--bind",
        default=env("BIND", f"127.0.0.1:{default_port}"),
        help=f"address:port to listen on (env {env_prefix}_BIND)",
    )
    serve.add_argument(
        "--public-url",
        default=env("PUBLIC_URL"),
        help="the URL browsers and other systems use, if not the bind address "
        f"(env {env_prefix}_PUBLIC_URL)",
    )
    serve.add_argument(
        "--database-url",
        default=env("DATABASE_URL"),
        help="SQLAlchemy URL of the state (default: an SQLite file in the "
        f"current directory; env {env_prefix}_DATABASE_URL)",
    )
    serve.add_argument(
        "--control-token",
        default=env("CONTROL_TOKEN"),
        help="bearer token for /_sim/ (default: generated and printed; env "
        f"{env_prefix}_CONTROL_TOKEN)",
    )
    serve.add_argument(
        "--workers",
        type=int,
        default=int(env("WORKERS", "1")),
        help="gunicorn worker processes (they share the database)",
    )
    serve.add_argument(
        "--threads", type=int, default=int(env("THREADS", "8")), help="threads per worker"
    )
    serve.add_argument(
        "--seed-file",
        default=env("SEED_FILE"),
        help="JSON file of tenants, users and groups to create at start if absent "
        f"(see fixtures/seed/; env {env_prefix}_SEED_FILE)",
    )
    serve.add_argument(
        "--password-hash",
        choices=("strong", "fast"),
        default=env("PASSWORD_HASH", "strong"),
        help="strong (scrypt) by default; fast only for throwaway test data",
    )
    serve.add_argument(
        "--scheduler-interval",
        type=float,
        default=float(env("SCHEDULER_INTERVAL", "1")),
        help="seconds between runs of the due jobs (outbox retries, syncs) as real time "
        "passes; 0 runs them only when the control plane moves a clock "
        f"(env {env_prefix}_SCHEDULER_INTERVAL)",
    )
    serve.add_argument(
        "--outbox-first-retry",
        type=float,
        default=float(env("OUTBOX_FIRST_RETRY", "30")),
        help="seconds before a failed push is first retried (doubling, capped at an hour; "
        f"env {env_prefix}_OUTBOX_FIRST_RETRY)",
    )
    serve.add_argument(
        "--login-throttle",
        type=_login_throttle,
        default=env("LOGIN_THROTTLE", "on"),
        help="failed passwords refused with 429 for a while: on (5 per account, 50 per client "
        "address, in 900 s, locked out 900 s), off, or some changed, e.g. "
        f"max_failures=3,lockout_seconds=60 (env {env_prefix}_LOGIN_THROTTLE; a tenant's own "
        "through the control plane)",
    )
    serve.add_argument(
        "--trusted-proxies",
        type=int,
        default=int(env("TRUSTED_PROXIES", "0")),
        help="reverse proxies in front of the simulator whose X-Forwarded-For is believed: the "
        "client address the throttle counts is the one they forwarded (default 0: the "
        f"connection's; env {env_prefix}_TRUSTED_PROXIES)",
    )
    return parser, serve


def add_kaseyaone_url(serve: argparse.ArgumentParser, env_prefix: str, module: str) -> None:
    """A module's `--kaseyaone-url`: where it reaches KaseyaOne (`KASEYAONE_URL`), which may
    differ from KaseyaOne's public URL."""
    serve.add_argument(
        "--kaseyaone-url",
        default=os.environ.get(f"{env_prefix}_KASEYAONE_URL", "http://127.0.0.1:8001"),
        help=f"where this {module} reaches KaseyaOne (env {env_prefix}_KASEYAONE_URL)",
    )


def _login_throttle(text: str):
    try:
        return parse_option(text)
    except InvalidRequest as exc:
        raise argparse.ArgumentTypeError(exc.message) from None


def app_config(args, name: str) -> dict:
    token = args.control_token
    if not token:
        token = secrets.token_urlsafe(24)
        print(f"{name}: control-plane token (generated): {token}", file=sys.stderr, flush=True)
    host, _, port = args.bind.rpartition(":")
    return {
        "DATABASE_URL": args.database_url or f"sqlite:///{os.path.abspath(name + '.sqlite3')}",
        "PUBLIC_URL": args.public_url or f"http://{host or '127.0.0.1'}:{port}",
        "SIM_CONTROL_TOKEN": token,
        "PASSWORD_HASH_METHOD": FAST if args.password_hash == "fast" else STRONG,
        "SCHEDULER_INTERVAL": args.scheduler_interval,
        "OUTBOX_FIRST_RETRY_SECONDS": args.outbox_first_retry,
        "LOGIN_THROTTLE": args.login_throttle,
        "THREADS": args.threads,
        "TRUSTED_PROXIES": args.trusted_proxies,
    }


def _json_error(sock, status_int: int, reason: str, mesg: str) -> None:
    """gunicorn's `util.write_error` (its HTML page), as the simulators answer every error."""
    from gunicorn.util import write_nonblock

    error = reason.lower().replace(" ", "_")
    body = json.dumps({"error": error, "message": mesg or reason}).encode()
    head = (
        f"HTTP/1.1 {status_int} {reason}\r\nConnection: close\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    write_nonblock(sock, head.encode("latin-1") + body)


def run_gunicorn(make_app: Callable[[], object], args) -> None:
    from gunicorn import util
    from gunicorn.app.base import BaseApplication
    from gunicorn.workers.gthread import ThreadWorker
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError

    from .db import SchemaOutOfDate
    from .scheduler import start_scheduler

    def database() -> str:
        if not args.database_url:
            return "(the default SQLite file)"
        try:
            return make_url(args.database_url).render_as_string(hide_password=True)
        except ArgumentError:
            return "(an unreadable URL)"

    try:
        app = make_app()  # in the master: tables, keys and secrets exist before any worker forks
    except SchemaOutOfDate as exc:
        raise SystemExit(str(exc)) from None
    except OperationalError as exc:
        raise SystemExit(
            f"Cannot open the database {database()}: {exc.orig}. For a SQLite file, its folder "
            "must exist and be writable."
        ) from None
    except (ArgumentError, NoSuchModuleError, ModuleNotFoundError) as exc:
        raise SystemExit(
            f"Cannot use the database {database()}: {exc}. Give an SQLAlchemy URL such as "
            "sqlite:////path/to/file.sqlite3 or postgresql+psycopg://user@host/db (PostgreSQL "
            "needs the driver: pip install -e '.[postgres]')."
        ) from None
    if args.seed_file:
        from .control import seed_from_file

        created = seed_from_file(app, args.seed_file)
        print(f"seeded tenants: {', '.join(created) or 'none new'}", file=sys.stderr, flush=True)

    def post_fork(server, worker):
        # Connections opened before the fork belong to the master; each worker opens its own.
        app.extensions["sim_store"].engine.dispose(close=False)
        start_scheduler(app)  # in each worker: one of them leads at a time

    class Worker(ThreadWorker):
        """gunicorn's threaded worker, except that what gunicorn refuses itself before the
        application runs (a request line over `limit_request_line`: 414; headers over
        `limit_request_fields` or `limit_request_field_size`: 431; a request it cannot parse:
        400) is answered as JSON. Its Worker.handle_error decides the status and writes with
        util.write_error, which has no other hook: replaced in this worker process only."""

        def init_process(self):
            util.write_error = _json_error
            super().init_process()

    class Server(BaseApplication):
        def load_config(self):
            for key, value in {
                "bind": args.bind,
                "workers": args.workers,
                "threads": args.threads,
                "worker_class": Worker,
                "post_fork": post_fork,
                "accesslog": None,
                "timeout": 60,
                # gunicorn's control socket (25.1+) is one path per user by default: a second
                # simulator served by the same user would take over the first one's. No
                # simulator needs it.
                "control_socket_disable": True,
            }.items():
                if key in self.cfg.settings:
                    self.cfg.set(key, value)

        def load(self):
            return app

    Server().run()
