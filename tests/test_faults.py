"""Faults like WireMock's (sim_common.faults): besides a status and a garbage body, a delay and
a dropped connection, per tenant and kind, on both servers the simulators run on (werkzeug
embedded, gunicorn served); and KaseyaOne's outbox treating each as it would a real one: a
module that answers too late or drops the connection gets the change on a retry, once."""

from __future__ import annotations

import socket
import threading

import pytest
import requests
from support import add_uniview_integration
from test_outbox import module_where_alice_has_an_account

import mock_kaseyaone
import mock_uniview
from k1harness.embedded import serve
from k1harness.served import start_served
from mock_uniview.models import User as UniViewUser
from sim_common.passwords import FAST

TOKEN = "T0KEN"


@pytest.fixture
def uniview(tmp_path):
    """A UniView served by werkzeug on loopback, with a tenant whose integration is added."""
    holder = {}

    def factory(url):
        holder["app"] = mock_uniview.create_app(
            {
                "PASSWORD_HASH_METHOD": FAST,
                "DATABASE_URL": f"sqlite:///{tmp_path / 'uniview.sqlite3'}",
                "PUBLIC_URL": url,
            }
        )
        return holder["app"]

    server = serve("uniview", factory)
    server.app = holder["app"]
    seeded = requests.post(
        f"{server.url}/_sim/tenants",
        json={"id": "acme", "users": [{"username": "alice@acme.test", "role": "monitor"}]},
        timeout=10,
    )
    assert seeded.status_code == 201, seeded.text
    add_uniview_integration(
        server.app, "acme", scim_token=TOKEN, automatic_user_deprovisioning=True
    )
    yield server
    server.stop()


def add_fault(base_url: str, tenant: str, headers=None, **fault) -> requests.Response:
    return requests.post(
        f"{base_url}/_sim/tenants/{tenant}/faults", json=fault, headers=headers, timeout=10
    )


@pytest.mark.parametrize(
    "fault, field",
    [
        ({"mode": "delay"}, "delay_seconds"),
        ({"mode": "delay", "delay_seconds": 0}, "delay_seconds"),
        ({"mode": "delay", "delay_seconds": 30.5}, "delay_seconds"),
        ({"mode": "delay", "delay_seconds": True}, "delay_seconds"),
        ({"mode": "delay", "delay_seconds": "1"}, "delay_seconds"),
        ({"mode": "drop", "delay_seconds": 1}, "delay_seconds"),
        ({"mode": "reset"}, "mode"),
    ],
)
def test_a_fault_that_cannot_be_is_refused_clearly(fault, field):
    client = mock_uniview.create_app({"PASSWORD_HASH_METHOD": FAST}).test_client()
    client.post("/_sim/tenants", json={"id": "acme"})
    answer = client.post("/_sim/tenants/acme/faults", json={"kind": "login", **fault})
    assert answer.status_code == 400, answer.get_json()
    assert answer.get_json()["field"] == field


def test_a_dropped_connection_gets_no_answer_and_is_journalled_as_dropped(uniview, monkeypatch):
    """The dropped request is in the journal before its caller sees the connection close, ahead
    of what the caller sends next, however long the server takes to finish with it (here it is
    held once the socket is shut, as a loaded machine may hold it)."""
    looked = threading.Event()
    shutdown = socket.socket.shutdown

    def shutdown_then_wait(sock, how):
        shutdown(sock, how)
        if how == socket.SHUT_RDWR:  # the drop (a request's ordinary end shuts its writes only)
            looked.wait(10)

    monkeypatch.setattr(socket.socket, "shutdown", shutdown_then_wait)
    assert add_fault(uniview.url, "acme", kind="login", mode="drop").status_code == 201
    try:
        with requests.Session() as browser:
            with pytest.raises(requests.ConnectionError):
                browser.get(f"{uniview.url}/t/acme/login", timeout=10)
            assert browser.get(f"{uniview.url}/t/acme/login", timeout=10).status_code == 200
        journal = requests.get(f"{uniview.url}/_sim/tenants/acme/journal", timeout=10).json()
    finally:
        looked.set()
    assert [(e["status"], e["detail"]) for e in journal["entries"]] == [
        (None, {"injected_fault": "drop"}),
        (200, None),
    ]


def test_a_delay_longer_than_the_callers_timeout_is_a_timeout_for_it(uniview):
    added = add_fault(uniview.url, "acme", kind="login", mode="delay", delay_seconds=1)
    assert added.status_code == 201 and added.json()["delay_seconds"] == 1.0
    with pytest.raises(requests.Timeout):
        requests.get(f"{uniview.url}/t/acme/login", timeout=0.2)


def test_faults_of_one_tenant_leave_another_alone(uniview):
    requests.post(f"{uniview.url}/_sim/tenants", json={"id": "other"}, timeout=10)
    add_fault(uniview.url, "acme", kind="login", mode="drop")
    assert requests.get(f"{uniview.url}/t/other/login", timeout=10).status_code == 200


@pytest.mark.parametrize(
    "fault, seen",
    [
        ({"mode": "delay", "delay_seconds": 1}, "the module did not answer: ReadTimeout"),
        ({"mode": "drop"}, "the module did not answer: ConnectionError"),
    ],
    ids=["delay", "drop"],
)
def test_the_outbox_retries_a_push_the_module_answered_late_or_not_at_all(uniview, fault, seen):
    """UniView answers the first SCIM call (a read) 1 s late, after KaseyaOne has given up
    waiting (0.2 s), or drops the connection. The deactivation lands on the retry, once. Only
    the late answer's wait is short: a loaded machine may take longer than 0.2 s to drop a
    connection (a ReadTimeout, not the drop) or for a first PATCH (the retry)."""
    late = {"PUSH_TIMEOUT": 0.2} if fault["mode"] == "delay" else {}
    hub = mock_kaseyaone.create_app({"PASSWORD_HASH_METHOD": FAST, **late})
    client = hub.test_client()
    seeded = client.post(
        "/_sim/tenants",
        json={
            "users": [
                {"email": "m@acme.test", "name": "M", "password": "pw", "master": True},
                {"email": "alice@acme.test", "name": "Alice", "password": "pw"},
            ]
        },
    ).get_json()
    tenant, alice, master = seeded["tenant"]["id"], seeded["users"][1]["id"], ("m@acme.test", "pw")
    module_where_alice_has_an_account(client, master, alice, f"{uniview.url}/t/acme/scim/v2", TOKEN)
    with uniview.app.app_context(), uniview.app.extensions["sim_store"].transaction() as s:
        s.query(UniViewUser).filter_by(username="alice@acme.test").one().k1_subject = alice
    # A first SCIM answer builds scim2-models' classes, which makes pydantic parse source with
    # `ast`: here, not in the delayed request, which outlives the test (Python 3.11's `ast` is
    # not safe in two threads at once, and the next test builds an app).
    search = requests.get(
        f"{uniview.url}/t/acme/scim/v2/Users",
        params={"filter": f'externalId eq "{alice}"'},
        headers={"Authorization": f"Bearer {TOKEN}"},
        timeout=10,
    )
    assert search.status_code == 200 and search.json()["totalResults"] == 1
    assert add_fault(uniview.url, "acme", kind="scim", **fault).status_code == 201

    client.post(f"/api/v1/users/{alice}/deactivate", auth=master)
    (row,) = client.get(f"/_sim/tenants/{tenant}/outbox").get_json()["entries"]
    assert (row["state"], row["attempts"], row["last_result"]) == ("pending", 1, seen)

    hub.config["PUSH_TIMEOUT"] = mock_kaseyaone.DEFAULTS["PUSH_TIMEOUT"]
    client.post(f"/_sim/tenants/{tenant}/clock/advance", json={"seconds": 30})
    (row,) = client.get(f"/_sim/tenants/{tenant}/outbox").get_json()["entries"]
    assert (row["state"], row["attempts"], row["last_result"]) == ("delivered", 2, "disabled")
    with uniview.app.app_context(), uniview.app.extensions["sim_store"].transaction() as s:
        assert s.query(UniViewUser).filter_by(username="alice@acme.test").one().status == "disabled"


def test_gunicorn_drops_the_connection_and_delays_too():
    """The same faults on the served simulators (gunicorn's threaded workers)."""
    served = start_served(workers=1)
    try:
        url = served.urls["uniview"]
        guard = {"Authorization": f"Bearer {served.tokens['uniview']}"}
        requests.post(f"{url}/_sim/tenants", json={"id": "acme"}, headers=guard, timeout=10)
        add_fault(url, "acme", guard, kind="login", mode="drop")
        add_fault(url, "acme", guard, kind="login", mode="delay", delay_seconds=1)
        with requests.Session() as browser:
            with pytest.raises(requests.ConnectionError):
                browser.get(f"{url}/t/acme/login", timeout=10)
            with pytest.raises(requests.Timeout):
                browser.get(f"{url}/t/acme/login", timeout=0.2)
            assert browser.get(f"{url}/t/acme/login", timeout=10).status_code == 200
    finally:
        served.stop()
