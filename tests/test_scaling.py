"""The work of a sign-in and of UniView's SCIM lookups does not grow with the tenant: every
row a sign-in (authorize, the form, token, userinfo, the app launcher) or a SCIM page or lookup
reads is found by an index, so a tenant of 10,000 users (and a client given 10,000 codes)
answers as fast as one of 10. Checked without timing anything: SQLite's plan for every
statement such a request runs (EXPLAIN QUERY PLAN) neither reads a table whole nor sorts a
tenant's rows."""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from contextlib import contextmanager
from urllib.parse import parse_qs, urlencode, urlsplit

from sqlalchemy import event
from support import add_uniview_integration, post_form, uniview_app

import mock_kaseyaone
from sim_common.passwords import FAST

REDIRECT_URI = "http://127.0.0.1:9/cb"
# Read whole by design: the hub's signing keys (a handful, newest first); sorted: the groups of
# one user, by name for the ID token and userinfo, and a tenant's module instances (a handful)
# for the app launcher.
BOUNDED = {
    "scan signing_keys",
    "sort groups.name",
    "sort module_instances.created_at, module_instances.id",
}


@contextmanager
def statements(app):
    """Every statement the application's database runs meanwhile, with its parameters."""
    ran: list[tuple[str, tuple]] = []
    engine = app.extensions["sim_store"].engine

    def record(conn, cursor, statement, parameters, context, executemany):
        if not executemany:
            ran.append((statement, tuple(parameters)))

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield ran
    finally:
        event.remove(engine, "before_cursor_execute", record)


def read_whole(app, ran) -> set[str]:
    """The tables some statement reads from end to end ("scan t": SQLite's "SCAN t", not "SCAN t
    USING INDEX"), and the orders some statement sorts its rows in rather than reading them in
    order from an index ("sort a, b")."""
    whole = set()
    with app.extensions["sim_store"].engine.connect() as connection:
        for statement, parameters in ran:
            if not statement.lstrip().upper().startswith(("SELECT", "UPDATE", "DELETE")):
                continue
            plan = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
            for *_, detail in plan:
                words = detail.split()
                if words[0] == "SCAN" and "INDEX" not in words and words[1] != "CONSTANT":
                    whole.add(f"scan {words[1]}")
                if "TEMP B-TREE FOR ORDER BY" in detail:
                    order = re.search(r"ORDER BY (.+?)(?: LIMIT|$)", " ".join(statement.split()))
                    whole.add(f"sort {order.group(1) if order else statement}")
    return whole - BOUNDED


def test_a_sign_in_reads_every_row_by_index(tmp_path):
    app = mock_kaseyaone.create_app(
        {"DATABASE_URL": f"sqlite:///{tmp_path}/k1.sqlite3", "PASSWORD_HASH_METHOD": FAST}
    )
    http = app.test_client()
    users = [
        {"email": "m@acme.example", "name": "M", "password": "pw", "master": True},
        {"email": "u@acme.example", "name": "U", "password": "pw", "groups": ["Support"]},
    ]
    tenant = http.post("/_sim/tenants", json={"name": "Acme", "users": users}).get_json()
    basic = {"Authorization": "Basic " + base64.b64encode(b"m@acme.example:pw").decode()}
    instance = http.post(
        "/api/v1/module-instances",
        json={"module": "uniview", "name": "UV", "redirect_uris": [REDIRECT_URI]},
        headers=basic,
    ).get_json()
    user_id = tenant["users"][1]["id"]
    granted = http.put(f"/api/v1/module-instances/{instance['id']}/users/{user_id}", headers=basic)
    assert granted.status_code in (200, 201, 204)
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    query = urlencode(
        {
            "response_type": "code",
            "client_id": instance["client_id"],
            "redirect_uri": REDIRECT_URI,
            "scope": "openid profile email groups",
            "state": "s",
            "nonce": secrets.token_urlsafe(8),
            "code_challenge": challenge.rstrip(b"=").decode(),
            "code_challenge_method": "S256",
        }
    )
    browser = app.test_client()
    with statements(app) as ran:
        signed_in = post_form(
            browser, f"/oauth/authorize?{query}", {"email": "u@acme.example", "password": "pw"}
        )
        assert signed_in.status_code == 302, signed_in.data
        code = parse_qs(urlsplit(signed_in.headers["Location"]).query)["code"][0]
        client = f"{instance['client_id']}:{instance['client_secret']}".encode()
        token = http.post(
            "/oauth/token",
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": REDIRECT_URI,
                "code_verifier": verifier,
            },
            headers={"Authorization": "Basic " + base64.b64encode(client).decode()},
        )
        assert token.status_code == 200, token.get_json()
        bearer = {"Authorization": f"Bearer {token.get_json()['access_token']}"}
        assert http.get("/oauth/userinfo", headers=bearer).get_json()["sub"] == user_id
        launcher = http.get("/api/v1/launcher", headers=bearer)  # the module's app launcher
        assert [m["current"] for m in launcher.get_json()["modules"]] == [True]
    assert read_whole(app, ran) == set()


def test_uniview_scim_pages_and_lookups_read_by_index(tmp_path):
    app = uniview_app(DATABASE_URL=f"sqlite:///{tmp_path}/uv.sqlite3")
    add_uniview_integration(app, "acme", scim_token="tok")
    http = app.test_client()
    bearer = {"Authorization": "Bearer tok"}
    with statements(app) as ran:
        for query in (
            {"startIndex": 2, "count": 1},
            {"filter": 'userName eq "MO@acme.test"'},
            {"filter": 'externalId eq "k1-1"'},
        ):
            answer = http.get("/t/acme/scim/v2/Users", query_string=query, headers=bearer)
            assert answer.status_code == 200, answer.get_json()
    assert read_whole(app, ran) == set()
