"""The simulators served as services (gunicorn), as `mock-kaseyaone serve` and `mock-uniview
serve` start them: they leave no gunicorn control socket where another served simulator would
take it over, and throttle failed passwords by default."""

from __future__ import annotations

import time

import pytest
import requests

from k1harness.served import start_served
from sim_common.serve import base_parser
from sim_common.throttle import ThrottleSettings


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """Both simulators, served as the harness serves them, by a user whose home and runtime
    folders are empty."""
    home = tmp_path_factory.mktemp("home")
    runtime = tmp_path_factory.mktemp("runtime")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("HOME", str(home))
        env.setenv("XDG_RUNTIME_DIR", str(runtime))
        simulators = start_served(workers=1)
    try:
        yield simulators, home, runtime
    finally:
        simulators.stop()


def test_served_simulators_leave_no_gunicorn_control_socket(served):
    _, home, runtime = served
    sockets = [p for folder in (home, runtime) for p in folder.rglob("*") if p.is_socket()]
    assert sockets == []


def test_failed_passwords_are_throttled_by_default_when_served(served):
    simulators = served[0]
    url = simulators.urls["kaseyaone"]
    control = {"Authorization": f"Bearer {simulators.tokens['kaseyaone']}"}
    requests.post(
        f"{url}/_sim/tenants",
        headers=control,
        json={
            "id": "served",
            "users": [{"email": "m@served.test", "name": "M", "password": "pw", "master": True}],
        },
        timeout=10,
    )
    setting = requests.get(f"{url}/_sim/tenants/served/throttling", headers=control, timeout=10)
    assert setting.json()["enabled"] is True and setting.json()["max_failures"] == 5
    started = time.monotonic()
    answers = [
        requests.get(f"{url}/api/v1/users", auth=("m@served.test", "wrong"), timeout=10)
        for _ in range(6)
    ]
    took = time.monotonic() - started
    assert [a.status_code for a in answers] == [401] * 5 + [429]
    # 900 s from the fifth failure, on the tenant's clock, which follows real time (a loaded
    # machine may pause this test for seconds between two requests): less what they took.
    assert 900 - took <= int(answers[-1].headers["Retry-After"]) <= 900


@pytest.mark.parametrize(
    "given, expected",
    [
        (None, ThrottleSettings()),
        ("off", None),
        (
            "max_failures=3, lockout_seconds=60",
            ThrottleSettings(max_failures=3, lockout_seconds=60),
        ),
    ],
)
def test_the_login_throttle_option(given, expected):
    parser, _ = base_parser("mock-x", "", "X", 8009)
    args = ["serve"] + ([f"--login-throttle={given}"] if given else [])
    assert parser.parse_args(args).login_throttle == expected


@pytest.mark.parametrize("given", ["lockout=5", "max_failures=-1", "sometimes"])
def test_a_login_throttle_option_that_cannot_be_read_stops_the_start(given, capsys):
    parser, _ = base_parser("mock-x", "", "X", 8009)
    with pytest.raises(SystemExit):
        parser.parse_args(["serve", f"--login-throttle={given}"])
    assert "--login-throttle" in capsys.readouterr().err
