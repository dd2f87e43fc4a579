"""`mock-autotask serve` as a user starts it: a gunicorn process that answers its health check,
keeps its control plane behind the token, seeds the demo tenant from the seed file, and answers
the REST API over real HTTP with the demo API user."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from autotask_support import form_token

from k1harness.served import free_port

ROOT = Path(__file__).resolve().parents[1]
DEMO = {
    "ApiIntegrationCode": "DEMOINTEGRATIONCODE",
    "UserName": "api@demo.example",
    "Secret": "demo-api-secret",
}


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("served-autotask")
    port = free_port()
    with open(workdir / "autotask.log", "w") as log:  # the child keeps its copy
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "mock_autotask.cli",
                "serve",
                f"--bind=127.0.0.1:{port}",
                "--control-token=at-token",
                f"--database-url=sqlite:///{workdir / 'autotask.sqlite3'}",
                "--password-hash=fast",
                "--workers=2",
                f"--seed-file={ROOT / 'fixtures/seed/autotask-demo.json'}",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stopped with every worker at once
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:  # polling a starting process, not waiting on simulated time
        assert process.poll() is None, (workdir / "autotask.log").read_text()
        try:
            if requests.get(url + "/_sim/health", timeout=1).ok:
                break
        except requests.RequestException:
            pass
        assert time.monotonic() < deadline, (workdir / "autotask.log").read_text()
        time.sleep(0.1)
    yield url
    os.killpg(process.pid, signal.SIGTERM)
    process.wait(timeout=10)


def test_the_served_simulator_answers_its_health_check(served):
    assert requests.get(served + "/_sim/health", timeout=5).json() == {
        "status": "ok",
        "simulator": "mock_autotask",
    }


def test_its_control_plane_needs_the_token(served):
    assert requests.get(served + "/_sim/tenants/demo/clock", timeout=5).status_code == 401
    response = requests.get(
        served + "/_sim/tenants/demo/clock",
        headers={"Authorization": "Bearer at-token"},
        timeout=5,
    )
    assert response.status_code == 200


def test_the_demo_seed_is_there_and_the_rest_api_answers_over_http(served):
    zone = requests.get(
        served + "/atservicesrest/v1.0/zoneInformation",
        params={"user": "api@demo.example"},
        timeout=5,
    ).json()
    assert zone["url"] == served + "/ATServicesRest/"
    response = requests.post(
        zone["url"] + "V1.0/Resources/query",
        headers=DEMO,
        json={"filter": [{"op": "eq", "field": "isActive", "value": False}]},
        timeout=5,
    )
    assert [item["userName"] for item in response.json()["items"]] == ["olga@demo.example"]
    browser = requests.Session()
    page = browser.get(served + "/t/demo/login", timeout=5).text
    login = browser.post(
        served + "/t/demo/login",
        data={"username": "olga@demo.example", "password": "demo-pw", **form_token(page)},
        timeout=5,
    )
    assert login.status_code == 403 and "inactive" in login.text
