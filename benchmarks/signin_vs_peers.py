"""The time of ONE OpenID Connect sign-in against our simulated KaseyaOne and against two peers
from PyPI, oidc-provider-mock and pytest-iam (Canaille), in the same run.

One sign-in, by a fresh `requests` session: authorize (GET, following the provider's own
redirects to its login page), login (POST the form(s), following the provider's redirects until
one goes to the client's redirect_uri), callback (parse that Location header: code and state;
the redirect itself is not followed), token (client_secret_basic with the PKCE code_verifier),
userinfo. Every provider gets PKCE S256, state and nonce (oidc-provider-mock ignores PKCE; it
also takes no password). The median over --rounds sign-ins after --warmup, per step and in all.

Targets: our KaseyaOne in this process (werkzeug threaded server on 127.0.0.1, as the embedded
suite runs it), the same with 10,000 more users in the tenant, each with module access and a
code issued for them (a sign-in must cost the same), our KaseyaOne served (`mock-kaseyaone
serve`, gunicorn, 1 worker x 8 threads), the full UniView sign-in through both simulators in
this process (UniView login page -> Log In with KaseyaOne -> KaseyaOne's form -> callback into
UniView -> UniView session, by the harness's drivers), the same into Autotask, and each peer in a
subprocess of the peers' python (see peers.py; a peer that is not installed there is skipped
with a message).

Run with the project's python, from the repository root:

    python3 -m venv /tmp/peers-venv
    /tmp/peers-venv/bin/pip install oidc-provider-mock pytest-iam requests
    .venv/bin/python benchmarks/signin_vs_peers.py --peers-python /tmp/peers-venv/bin/python

It prints a Markdown table (milliseconds) and, with --json FILE, writes the raw summaries.
"""

from __future__ import annotations

import argparse
import json
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_common import (
    REDIRECT_URI,
    STEPS,
    Provider,
    bench_sign_in,
    free_port,
    ms,
    stop_process,
    summary,
    wait_for,
)
from sqlalchemy import select

HERE = Path(__file__).resolve().parent
TENANT = {
    "name": "Bench",
    "users": [
        {"email": "m@bench.test", "name": "M", "password": "pw", "master": True},
        {"email": "u@bench.test", "name": "U", "password": "pw"},
    ],
}
MASTER = ("m@bench.test", "pw")
CROWD = 10_000


def seed_kaseyaone(url: str, control_token: str | None = None) -> Provider:
    """A tenant with a master and a user, a module instance (the OIDC client), access granted."""
    import requests

    headers = {"Authorization": f"Bearer {control_token}"} if control_token else {}
    tenant = requests.post(url + "/_sim/tenants", json=TENANT, headers=headers, timeout=30)
    tenant.raise_for_status()
    user_id = tenant.json()["users"][1]["id"]
    instance = requests.post(
        url + "/api/v1/module-instances",
        auth=MASTER,
        json={"module": "uniview", "name": "Bench", "redirect_uris": [REDIRECT_URI]},
        timeout=30,
    )
    instance.raise_for_status()
    body = instance.json()
    access = f"{url}/api/v1/module-instances/{body['id']}/users/{user_id}"
    requests.put(access, auth=MASTER, timeout=30).raise_for_status()
    form = {"email": "u@bench.test", "password": "pw"}
    return Provider("kaseyaone", url, body["client_id"], body["client_secret"], [form], user_id)


def ours_in_process(rounds: int, warmup: int, crowd: int = 0) -> dict:
    """`crowd`: as many more users in the tenant, each with access to the module and a code
    the client was given for them (history a sign-in must not read through)."""
    import mock_kaseyaone
    from k1harness.embedded import serve

    with tempfile.TemporaryDirectory() as tmpdir:
        server = serve(
            "kaseyaone",
            lambda url: mock_kaseyaone.create_app(
                {
                    "DATABASE_URL": f"sqlite:///{tmpdir}/k1.sqlite3",
                    "PUBLIC_URL": url,
                    "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1",
                }
            ),
        )
        try:
            provider = seed_kaseyaone(server.url)
            if crowd:
                add_crowd(server.server.app, provider.client_id, crowd)
            return bench_sign_in(provider, rounds, warmup)
        finally:
            server.stop()


def add_crowd(app, client_id: str, size: int) -> None:
    """Users inserted straight into the database (seeding is not what is measured)."""
    from datetime import timedelta

    from sqlalchemy import insert

    from mock_kaseyaone.models import AuthorizationCode, ModuleAccess, OAuthClient, User
    from sim_common.clock import real_now

    with app.app_context(), app.extensions["sim_store"].transaction() as session:
        client = session.get(OAuthClient, client_id)
        now, tenant = real_now(), client.tenant_id
        password = session.scalars(select(User.password_hash).limit(1)).one()
        users = [
            {
                "id": f"crowd{i:06d}",
                "tenant_id": tenant,
                "email": f"crowd{i}@bench.example",
                "name": f"Crowd {i}",
                "password_hash": password,
                "status": "active",
                "is_master": False,
                "created_at": now + timedelta(microseconds=i),
            }
            for i in range(size)
        ]
        session.execute(insert(User), users)
        access = [{"instance_id": client.instance_id, "user_id": u["id"]} for u in users]
        session.execute(insert(ModuleAccess), access)
        codes = [
            {
                "code": f"crowd-code-{i}",
                "tenant_id": tenant,
                "client_id": client_id,
                "user_id": f"crowd{i:06d}",
                "redirect_uri": REDIRECT_URI,
                "scope": "openid",
                "nonce": f"crowd-nonce-{i}",
                "code_challenge": "-",
                "code_challenge_method": "S256",
                "auth_time": 0,
                "expires_at": now,
                "used_at": now,
            }
            for i in range(size)
        ]
        session.execute(insert(AuthorizationCode), codes)


def ours_served(rounds: int, warmup: int) -> dict:
    port, token = free_port(), secrets.token_hex(16)
    with tempfile.TemporaryDirectory() as tmpdir:
        command = [
            str(Path(sys.executable).parent / "mock-kaseyaone"),
            "serve",
            "--bind",
            f"127.0.0.1:{port}",
            "--control-token",
            token,
            "--password-hash",
            "fast",
            "--database-url",
            f"sqlite:///{tmpdir}/k1.sqlite3",
        ]
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            url = f"http://127.0.0.1:{port}"
            wait_for(url + "/_sim/health", process)
            return bench_sign_in(seed_kaseyaone(url, token), rounds, warmup)
        finally:
            stop_process(process)


def uniview_full(rounds: int, warmup: int) -> dict:
    """UniView login page -> Log In with KaseyaOne -> KaseyaOne form -> UniView session."""
    from k1harness.drivers import Browser, KaseyaOneDriver, UniViewDriver
    from k1harness.embedded import start_embedded

    sims = start_embedded()
    try:
        k1, uv = KaseyaOneDriver(sims.kaseyaone.url), UniViewDriver(sims.uniview.url)
        user_id = k1.create_tenant("Bench", users=TENANT["users"])["users"][1]["id"]
        people = [
            {"username": "s@bench.test", "name": "S", "password": "pw", "role": "superuser"},
            {"username": "u@bench.test", "name": "U", "password": "pw", "role": "monitor"},
        ]
        tenant = uv.create_tenant("Bench", users=people)["tenant"]["id"]
        superuser = Browser()
        uv.log_in_with_credentials(superuser, tenant, "s@bench.test", "pw")
        added = uv.add_kaseyaone_integration(superuser, tenant, *MASTER)
        instance = added.body["kaseyaone"]["module_instance"]
        k1.admin(*MASTER).grant_module_access(instance, user_id)
        samples = []
        for i in range(warmup + rounds):
            browser = Browser()
            started = time.perf_counter()
            uv.log_in_with_kaseyaone(browser, tenant, k1, "u@bench.test", "pw")
            elapsed = time.perf_counter() - started
            session = uv.current_session(browser, tenant)
            if not session or session["method"] != "kaseyaone":
                raise RuntimeError(f"UniView sign-in through KaseyaOne failed: {session}")
            browser.close()
            if i >= warmup:
                samples.append(elapsed)
        return {"total": summary(samples)}
    finally:
        sims.stop()


def autotask_full(rounds: int, warmup: int) -> dict:
    """Autotask's login page -> Log In with KaseyaOne -> KaseyaOne form -> Autotask session
    (benchmarks/autotask_integration.py, which also measures UniView's beside it)."""
    from autotask_integration import Bench, signins

    bench = Bench()
    try:
        return {"total": signins(bench, "autotask", rounds, warmup)}
    finally:
        bench.stop()


def peer(peers_python: str | None, name: str, rounds: int, warmup: int) -> dict | None:
    if not peers_python:
        print(f"skipped {name}: no --peers-python given", file=sys.stderr)
        return None
    command = [peers_python, str(HERE / "peers.py"), "signin", name]
    command += ["--rounds", str(rounds), "--warmup", str(warmup)]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode == 3:
        print(f"skipped {name}: {done.stderr.strip().splitlines()[-1]}", file=sys.stderr)
        return None
    if done.returncode != 0:
        raise RuntimeError(f"{name} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])["signin"]


def table(results: dict) -> str:
    base = results["KaseyaOne sim, in-process"]["total"]["median"]
    lines = [
        "| target | one sign-in, median ms (min-max) | vs ours in-process | HTTP requests | "
        + " | ".join(STEPS)
        + " |",
        "|---" * (4 + len(STEPS)) + "|",
    ]
    for name, result in results.items():
        total = result["total"]
        steps = [ms(result[s]["median"]) if s in result else "" for s in STEPS]
        lines.append(
            f"| {name} | {ms(total['median'])} ({ms(total['min'])}-{ms(total['max'])}) "
            f"| {total['median'] / base:.2f}x | {result.get('requests', '')} | "
            + " | ".join(steps)
            + " |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--peers-python", help="python of the venv holding the peers")
    parser.add_argument("--json", help="write the raw summaries (seconds) here")
    args = parser.parse_args()
    runs = {
        "KaseyaOne sim, in-process": ours_in_process,
        f"KaseyaOne sim, in-process, {CROWD:,} more users in the tenant": lambda r, w: (
            ours_in_process(r, w, CROWD)
        ),
        "KaseyaOne sim, served (gunicorn)": ours_served,
        "UniView -> KaseyaOne, full sign-in, in-process": uniview_full,
        "Autotask -> KaseyaOne, full sign-in, in-process": autotask_full,
        "oidc-provider-mock, in-process": lambda r, w: peer(
            args.peers_python, "oidc-provider-mock", r, w
        ),
        "pytest-iam (Canaille), in-process": lambda r, w: peer(
            args.peers_python, "pytest-iam", r, w
        ),
    }
    results = {}
    for name, run in runs.items():
        print(f"{name} ...", file=sys.stderr, flush=True)
        result = run(args.rounds, args.warmup)
        if result is not None:
            results[name] = result
    print(table(results))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
