"""The outbox as served, end to end: both simulators as gunicorn processes, UniView reached
through a proxy this test controls. With UniView answering garbage, refusing, or not answering
at all for a while, and with KaseyaOne killed (SIGKILL) and restarted in the middle of a
delivery, a deactivation reaches UniView, and is applied there once — without any call that makes
jobs run: the served scheduler retries by itself as real time passes.

These tests wait on real time (that is what they test), polling with a deadline; every other
test moves the simulated clock instead."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from k1harness.drivers import Browser, KaseyaOneDriver, UniViewDriver
from k1harness.served import free_port
from sim_common.outbox import CLAIM_SECONDS

DEADLINE = 30.0  # seconds: far more than the few a retry or a takeover takes
FIRST_RETRY = 0.2  # seconds (--outbox-first-retry), doubling at each attempt


def wait_until(condition, what: str, deadline: float = DEADLINE):
    """Poll a served process until `condition()` is true; its value."""
    end = time.monotonic() + deadline
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > end:
            raise AssertionError(f"not within {deadline} s: {what}")
        time.sleep(0.1)


class Proxy:
    """UniView's public address: forwards everything to UniView, except that it can hold the
    answer to a SCIM PATCH (UniView has applied it; the sender waits) or be down altogether."""

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream
        self.hold = threading.Event()  # set: hold PATCH answers until `release` is set
        self.release = threading.Event()
        self.held = threading.Event()  # a PATCH answer is being held
        self.patch_keys: list[str] = []
        self.port = free_port()
        self.server = None
        self.start()

    def start(self) -> None:
        self.server = make_server("127.0.0.1", self.port, self.app, threaded=True)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @Request.application
    def app(self, request: Request) -> Response:
        upstream = requests.request(
            request.method,
            self.upstream + request.full_path.rstrip("?"),
            headers={k: v for k, v in request.headers if k.lower() != "host"},
            data=request.get_data(),
            allow_redirects=False,
            timeout=30,
        )
        if request.method == "PATCH" and "/scim/v2/Users/" in request.path:
            self.patch_keys.append(request.headers.get("Idempotency-Key"))
            if self.hold.is_set():
                self.held.set()
                self.release.wait(DEADLINE)
        headers = [
            (k, v)
            for k, v in upstream.raw.headers.items()
            if k.lower() not in ("content-length", "transfer-encoding", "connection")
        ]
        return Response(upstream.content, upstream.status_code, headers)


def serve(name: str, port: int, workdir: Path, token: str, *extra: str) -> subprocess.Popen:
    module = {"kaseyaone": "mock_kaseyaone.cli", "uniview": "mock_uniview.cli"}[name]
    with open(workdir / f"{name}.log", "a") as log:  # the child keeps its copy
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                module,
                "serve",
                f"--bind=127.0.0.1:{port}",
                f"--control-token={token}",
                f"--database-url=sqlite:///{workdir / (name + '.sqlite3')}",
                "--password-hash=fast",
                "--workers=2",
                "--scheduler-interval=0.2",
                f"--outbox-first-retry={FIRST_RETRY}",
                *extra,
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: killed with every worker at once
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
    url = f"http://127.0.0.1:{port}"

    def ready():
        assert process.poll() is None, (workdir / f"{name}.log").read_text()
        try:
            return requests.get(url + "/_sim/health", timeout=1).ok
        except requests.RequestException:
            return False

    wait_until(ready, f"{name} ready")
    return process


def kill(process: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)


class Served:
    """Both simulators served, UniView behind the proxy, and a KaseyaOne user Alice who has an
    account in UniView with Automatic User Deprovisioning on."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.hub_port, uv_port = free_port(), free_port()
        self.proxy = Proxy(f"http://127.0.0.1:{uv_port}")
        self.hub_url = f"http://127.0.0.1:{self.hub_port}"
        self.processes = {}
        self.start_hub()
        self.processes["uniview"] = serve(
            "uniview",
            uv_port,
            workdir,
            "uv-token",
            f"--public-url={self.proxy.url}",
            f"--kaseyaone-url={self.hub_url}",
        )
        self.hub = KaseyaOneDriver(self.hub_url, control_token="k1-token")
        self.uv = UniViewDriver(self.proxy.url, control_token="uv-token")

    def start_hub(self) -> None:
        self.processes["kaseyaone"] = serve("kaseyaone", self.hub_port, self.workdir, "k1-token")

    def stop(self) -> None:
        for process in self.processes.values():
            kill(process)
        self.proxy.release.set()
        self.proxy.stop()

    def alice_with_an_account(self, name: str) -> tuple[str, str, str]:
        """A fresh pair of tenants; Alice's KaseyaOne id, the hub tenant and the UniView one."""
        hub_tenant = self.hub.create_tenant(
            name,
            users=[
                {"email": f"m@{name}.test", "name": "M", "password": "pw", "master": True},
                {"email": f"alice@{name}.test", "name": "Alice", "password": "pw"},
            ],
        )
        alice = hub_tenant["users"][1]["id"]
        uv_tenant = self.uv.create_tenant(
            name, users=[{"username": f"su@{name}.test", "password": "pw", "role": "superuser"}]
        )["tenant"]["id"]
        su = Browser()
        self.uv.log_in_with_credentials(su, uv_tenant, f"su@{name}.test", "pw")
        added = self.uv.add_kaseyaone_integration(su, uv_tenant, f"m@{name}.test", "pw")
        assert added.ok, added.body
        changed = self.uv.change_integration_settings(
            su, uv_tenant, automatic_user_creation=True, automatic_user_deprovisioning=True
        )
        assert changed.ok, changed.body
        admin = self.hub.admin(f"m@{name}.test", "pw")
        instance = added.body["kaseyaone"]["module_instance"]
        wait_until(lambda: admin.module_settings(instance).body["syncing"] is False, "in sync")
        assert admin.grant_module_access(instance, alice).ok
        self.uv.log_in_with_kaseyaone(Browser(), uv_tenant, self.hub, f"alice@{name}.test", "pw")
        self.su = su
        assert self.alice_status(uv_tenant, name) == "active"
        return alice, hub_tenant["tenant"]["id"], uv_tenant

    def alice_status(self, uv_tenant: str, name: str) -> str:
        users = self.uv.users(self.su, uv_tenant).body["users"]
        return next(u["status"] for u in users if u["username"] == f"alice@{name}.test")

    def admin_of(self, name: str):
        return self.hub.admin(f"m@{name}.test", "pw")


def scim_patches(served: Served, uv_tenant: str) -> list[dict]:
    """The SCIM PATCHes UniView received, as its journal has them."""
    journal = served.uv.journal(uv_tenant)
    return [e for e in journal if e["method"] == "PATCH" and "/scim/v2/Users/" in e["url"]]


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    served = Served(tmp_path_factory.mktemp("served-outbox"))
    yield served
    served.stop()


def test_a_deactivation_gets_through_garbage_refusals_and_silence_by_itself(served):
    alice, hub_tenant, uv_tenant = served.alice_with_an_account("acme")
    served.uv.inject_fault(uv_tenant, "scim", 1, mode="garbage")
    served.uv.inject_fault(uv_tenant, "scim", 1, status=401)
    served.proxy.stop()  # and then nothing answers at all
    assert served.admin_of("acme").deactivate_user(alice).ok
    wait_until(
        lambda: served.hub.outbox(hub_tenant)[0]["attempts"] >= 2,
        "two attempts while UniView is away",
    )
    served.proxy.start()
    # Three more attempts (garbage, 401, applied), each waiting twice as long as the one before:
    # the longer this test took to see two attempts, the more were made, and the longer the
    # three still to come wait (a loaded machine may see four or five).
    made = served.hub.outbox(hub_tenant)[0]["attempts"]
    backoff = sum(FIRST_RETRY * 2 ** (n - 1) for n in range(made, made + 3))
    # KaseyaOne settles the row once UniView's answer is back: after Alice is disabled there.
    (row,) = wait_until(
        lambda: [r for r in served.hub.outbox(hub_tenant) if r["state"] == "delivered"],
        f"delivered (after {made} attempts while UniView was away)",
        DEADLINE + backoff,
    )
    assert row["attempts"] >= 4, row
    assert served.alice_status(uv_tenant, "acme") == "disabled"
    patches = scim_patches(served, uv_tenant)
    applied = [e for e in patches if not (e["detail"] or {}).get("injected_fault")]
    assert [e["status"] for e in applied] == [200], "applied once"


def test_a_hub_killed_in_the_middle_of_a_delivery_delivers_it_once_after_a_restart(served):
    alice, hub_tenant, uv_tenant = served.alice_with_an_account("globex")
    served.proxy.hold.set()

    def deactivate():
        with contextlib.suppress(requests.RequestException):  # killed before it answers
            served.admin_of("globex").deactivate_user(alice)

    deactivating = threading.Thread(target=deactivate, daemon=True)
    deactivating.start()
    assert served.proxy.held.wait(DEADLINE), "the PATCH reached UniView"
    kill(served.processes["kaseyaone"])  # UniView applied it; KaseyaOne never heard back
    served.proxy.hold.clear()
    served.proxy.release.set()
    assert served.alice_status(uv_tenant, "globex") == "disabled"
    served.start_hub()
    # Claimed within DEADLINE before the kill (held.wait above), ready within DEADLINE, delivered
    # within DEADLINE more: before the dead process's claim ran out (CLAIM_SECONDS), so taken
    # over once its heartbeat had; however slow the restart was.
    assert 3 * DEADLINE < CLAIM_SECONDS
    row = wait_until(
        lambda: next((r for r in served.hub.outbox(hub_tenant) if r["state"] == "delivered"), None),
        "delivered after the restart, the dead process's claim taken over",
    )
    assert row["attempts"] == 1 and row["last_result"] == "disabled"
    first, again = served.proxy.patch_keys[-2:]
    assert first == again, "sent again with its idempotency key"
    patches = scim_patches(served, uv_tenant)
    assert [e["detail"] for e in patches] == [None, {"idempotent_replay": True}]
