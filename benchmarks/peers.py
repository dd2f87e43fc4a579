"""The peers the sign-in benchmark compares with, as their own docs and sources show them used:
oidc-provider-mock and pytest-iam (Canaille). Run it with the peers' python, never the project's
(they are no dependency of the project):

    python3 -m venv /tmp/peers-venv
    /tmp/peers-venv/bin/pip install oidc-provider-mock pytest-iam requests
    /tmp/peers-venv/bin/python benchmarks/peers.py signin pytest-iam --rounds 200 --warmup 20
    /tmp/peers-venv/bin/python benchmarks/peers.py serve pytest-iam --port 8123

`signin` prints the JSON result of `bench_common.bench_sign_in` (used by signin_vs_peers.py);
`serve` serves the peer until killed, after printing its client and user as one JSON line (used
by ready_time.py and served_throughput.py). A peer that is not installed exits
with status 3 and says so. Each peer is served in this process by werkzeug's threaded server on
127.0.0.1 with request logging off, as `k1harness.embedded.serve` serves our simulators, so that
the servers are alike and the applications are what differs.

oidc-provider-mock: clients register at POST /oauth2/clients, users are PUT at /users/<sub>; its
login form asks for a subject only (no password) and it does not check PKCE. Installed on
Python 3.11 it is 0.3.x (0.4 needs Python 3.12). It wraps itself in werkzeug's debugger.
pytest-iam: the `iam_server` fixture's configuration (Canaille, in-memory backend, plain-text
password comparison); the user is given consent to the client beforehand, as pytest-iam's
`Server.consent` does, so no consent page; Canaille's login is two pages (login, then password).
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import importlib.util
import json
import os
import sys
import threading
import time
import uuid

try:
    import requests
    from bench_common import REDIRECT_URI, Provider, bench_sign_in
except ImportError as error:  # a bare python: say so, as for a missing peer
    print(f"{error.name} is not installed for {sys.executable}", file=sys.stderr)
    sys.exit(3)

PACKAGES = {"oidc-provider-mock": "oidc_provider_mock", "pytest-iam": "pytest_iam"}


def _serve(make_app, port: int = 0):
    """Bind 127.0.0.1 first (so the app may learn its URL), then serve on a daemon thread."""
    from werkzeug.serving import WSGIRequestHandler, make_server

    class Quiet(WSGIRequestHandler):
        def log_request(self, *args, **kwargs):
            pass

    server = make_server("127.0.0.1", port, None, threaded=True, request_handler=Quiet)
    url = f"http://127.0.0.1:{server.server_port}"
    server.app = make_app(url)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return url, server


def _oidc_provider_mock_app(url: str):
    import oidc_provider_mock

    return oidc_provider_mock.app(require_client_registration=True)


def _oidc_provider_mock_seed(url: str) -> Provider:
    client = requests.post(url + "/oauth2/clients", json={"redirect_uris": [REDIRECT_URI]})
    client.raise_for_status()
    sub = "u@bench.test"
    requests.put(f"{url}/users/{sub}", json={"email": sub, "name": "U"}).raise_for_status()
    body = client.json()
    return Provider(
        "oidc-provider-mock", url, body["client_id"], body["client_secret"], [{"sub": sub}], sub
    )


def _pytest_iam_app(url: str):
    """The `iam_server` fixture's configuration (pytest_iam/__init__.py), on this URL."""
    os.environ["AUTHLIB_INSECURE_TRANSPORT"] = "1"
    from canaille import create_app
    from joserfc.jwk import JWKRegistry

    jwk = JWKRegistry.generate_key("RSA", 2048)
    jwk.ensure_kid()
    quiet = {"class": "logging.NullHandler"}
    config = {
        "TESTING": True,
        "ENV_FILE": None,
        "SECRET_KEY": str(uuid.uuid4()),
        "WTF_CSRF_ENABLED": False,
        "PREFERRED_URL_SCHEME": "http",
        "SERVER_NAME": url.removeprefix("http://"),
        "CANAILLE": {
            "DATABASE": "memory",
            "ENABLE_REGISTRATION": True,
            "JAVASCRIPT": False,
            "ACL": {"DEFAULT": {"PERMISSIONS": ["use_oidc", "manage_oidc"]}},
            "LOGGING": {
                "version": 1,
                "disable_existing_loggers": False,
                "handlers": {"canaille": quiet},
                "loggers": {"canaille": {"level": "DEBUG", "handlers": ["canaille"]}},
            },
        },
        "CANAILLE_OIDC": {
            "DYNAMIC_CLIENT_REGISTRATION_OPEN": True,
            "ACTIVE_JWKS": [jwk.as_dict(private=True)],
        },
    }
    return create_app(config=config, env_file=".pytest-iam.env", env_prefix="PYTEST_IAM_")


def _pytest_iam_seed(url: str, app) -> Provider:
    from canaille.app import models
    from canaille.backends import Backend

    backend = Backend.instance
    with app.app_context():
        user = models.User(user_name="u", emails=["u@bench.test"], password="pw", family_name="U")
        backend.save(user)
        client = models.Client(
            client_id="bench",
            client_secret=uuid.uuid4().hex,
            client_name="Bench",
            client_uri="http://127.0.0.1:9",
            redirect_uris=[REDIRECT_URI],
            grant_types=["authorization_code"],
            response_types=["code"],
            token_endpoint_auth_method="client_secret_basic",
            scope=["openid", "profile", "email"],
        )
        backend.save(client)
        backend.save(
            models.Consent(
                consent_id=str(uuid.uuid4()),
                client=client,
                subject=user,
                scope=client.scope,
                issue_date=datetime.datetime.now(datetime.UTC),
            )
        )
        secret = client.client_secret
    forms = [{"login": "u"}, {"password": "pw"}]
    return Provider("pytest-iam", url, "bench", secret, forms, "u")


def start(name: str, port: int = 0):
    """Start the peer; returns (its Provider with a client and user, the server)."""
    if name == "oidc-provider-mock":
        url, server = _serve(_oidc_provider_mock_app, port)
        return _oidc_provider_mock_seed(url), server
    url, server = _serve(_pytest_iam_app, port)
    return _pytest_iam_seed(url, server.app), server


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=("signin", "serve"))
    parser.add_argument("peer", choices=sorted(PACKAGES))
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    if importlib.util.find_spec(PACKAGES[args.peer]) is None:
        print(f"{args.peer} is not installed for {sys.executable}", file=sys.stderr)
        sys.exit(3)
    started = time.perf_counter()
    provider, server = start(args.peer, args.port)
    try:
        if args.command == "serve":
            print(json.dumps(dataclasses.asdict(provider)), flush=True)
            threading.Event().wait()  # until killed
        ready = time.perf_counter() - started
        result = bench_sign_in(provider, args.rounds, args.warmup)
        print(json.dumps({"peer": args.peer, "ready_in_process": ready, "signin": result}))
    finally:
        server.shutdown()
        server.server_close()


if __name__ == "__main__":
    main()
