"""The store on each database the simulators run on (an SQLite file, and PostgreSQL when
K1_TEST_POSTGRES_URL names a server): inserts "if absent" count what they inserted, what the
database refuses is the request's error (a 4xx) and never a 500, no log line carries a
statement's values, and no value the simulators accept is one a column cannot hold (issue 11:
each answered 500 on PostgreSQL, or leaked parameters, or was stored silently)."""

from __future__ import annotations

import logging

import pytest
import requests
from sqlalchemy import inspect, select
from support import DATABASES, add_uniview_integration, fresh_databases, post_form

import mock_kaseyaone
import mock_uniview
from mock_kaseyaone import domain
from mock_kaseyaone.models import Base, JournalEntry, Secret
from module_contracts.settings import MAX_VERSION
from sim_common.db import SchemaOutOfDate, Store, insert_new
from sim_common.passwords import FAST

MASTER = {"email": "m@acme.test", "name": "M", "password": "pw", "master": True}


@pytest.fixture(params=DATABASES)
def database(request, tmp_path):
    """The URL of a fresh database."""
    with fresh_databases(request.param, ["store"], tmp_path) as urls:
        yield urls["store"]


@pytest.fixture
def hub(database):
    app = mock_kaseyaone.create_app({"PASSWORD_HASH_METHOD": FAST, "DATABASE_URL": database})
    client = app.test_client()
    created = client.post("/_sim/tenants", json={"id": "acme", "name": "A", "users": [MASTER]})
    assert created.status_code == 201, created.get_json()
    yield app, client
    app.extensions["sim_store"].engine.dispose()


def test_insert_new_counts_the_rows_it_inserted(database):
    store = Store(database, Base.metadata)
    rows = [{"name": name, "value": "v"} for name in ("a", "b")]
    with store.transaction() as session:
        assert insert_new(session, Secret, rows) == 2
    with store.transaction() as session:
        # PostgreSQL's rowcount for INSERT ... ON CONFLICT DO NOTHING is -1 whatever happened.
        assert insert_new(session, Secret, rows) == 0
        assert insert_new(session, Secret, [*rows, {"name": "c", "value": "v"}]) == 1
    with store.transaction() as session:
        assert sorted(session.scalars(select(Secret.name))) == ["a", "b", "c"]
    store.engine.dispose()


def test_a_failing_statement_is_logged_without_its_values(hub, monkeypatch, caplog):
    """A bug that makes the database refuse a row (here: no creation time) is a 500 whose log
    line names the statement but none of its values, not the password hash."""
    app, client = hub
    monkeypatch.setattr(domain, "hash_password", lambda password: "scrypt$HASH-OF-PW")
    monkeypatch.setattr(domain, "tenant_now", lambda tenant: None)
    with caplog.at_level(logging.ERROR):
        answer = client.post(
            "/api/v1/users",
            auth=(MASTER["email"], "pw"),
            json={"email": "newcomer@acme.test", "name": "N", "password": "pw"},
        )
    assert answer.status_code == 500 and answer.get_json()["error"] == "internal_error"
    assert "INSERT INTO users" in caplog.text
    assert "HASH-OF-PW" not in caplog.text and "newcomer@acme.test" not in caplog.text


@pytest.mark.parametrize("name", ["x" * 201, "nul\x00name", "lone \ud800 surrogate"])
def test_what_the_database_cannot_keep_is_refused_not_a_500(hub, database, name):
    """A String(200) column; PostgreSQL's text has no NUL; neither database stores a lone
    surrogate. Whatever the checks before it miss, the store refuses with a 400."""
    app, client = hub
    if database.startswith("sqlite") and "\ud800" not in name:
        pytest.skip("SQLite keeps these: only PostgreSQL refuses them")
    answer = client.post(
        "/api/v1/users",
        auth=(MASTER["email"], "pw"),
        json={"email": "n@acme.test", "name": name, "password": "pw"},
    )
    assert answer.status_code == 400, answer.get_json()
    assert answer.get_json()["message"]
    users = client.get("/api/v1/users", auth=(MASTER["email"], "pw")).get_json()["users"]
    assert [u["email"] for u in users] == [MASTER["email"]]


def test_the_journal_keeps_any_method_and_path_a_client_sends(hub):
    app, client = hub
    assert client.open("/api/v1/users", method="VERSION-CONTROL").status_code == 405
    assert client.get("/api/v1/users%00admin").status_code == 404
    with app.extensions["sim_store"].transaction() as session:
        journal = session.scalars(select(JournalEntry).order_by(JournalEntry.id)).all()
    assert [(e.method, e.url, e.status) for e in journal[-2:]] == [
        ("VERSION-CO", "/api/v1/users", 405),  # cut to its column, which no method outgrows
        ("GET", "/api/v1/users%00admin", 404),
    ]


def test_no_settings_version_past_the_highest_either_side_keeps(hub):
    """A module pushed the highest version there is: a Module Management change is refused
    rather than made at a version the module would refuse (and PostgreSQL cannot store)."""
    app, client = hub
    master = (MASTER["email"], "pw")
    instance = client.post(
        "/api/v1/module-instances",
        auth=master,
        json={"module": "uniview", "redirect_uris": ["http://uv.test/cb"]},
    ).get_json()
    pushed = client.put(
        "/api/v1/module/settings",
        auth=(instance["client_id"], instance["client_secret"]),
        json={"version": MAX_VERSION, "settings": {"require_login": False}},
    )
    assert pushed.get_json()["applied"] is True
    url = f"/api/v1/module-instances/{instance['id']}/settings"
    answer = client.patch(url, auth=master, json={"changes": {"automatic_user_creation": True}})
    assert answer.status_code == 409
    assert answer.get_json()["error"] == "settings_version_exhausted"
    now = client.get(url, auth=master).get_json()
    assert (now["version"], now["settings"]["automatic_user_creation"]) == (MAX_VERSION, False)
    assert now["syncing"] is False


def test_uniview_makes_no_settings_version_past_the_highest_either_side_keeps(database):
    app = mock_uniview.create_app({"PASSWORD_HASH_METHOD": FAST, "DATABASE_URL": database})
    client = app.test_client()
    superuser = {"username": "su@acme.test", "password": "pw", "role": "superuser"}
    client.post("/_sim/tenants", json={"id": "acme", "name": "A", "users": [superuser]})
    post_form(client, "/t/acme/login", {"username": "su@acme.test", "password": "pw"})
    add_uniview_integration(app, "acme", scim_token="T0KEN")
    pushed = client.put(
        "/t/acme/api/kaseyaone/settings",
        headers={"Authorization": "Bearer T0KEN"},
        json={"version": MAX_VERSION, "settings": {"login_with_kaseyaone": True}},
    )
    assert pushed.get_json()["applied"] is True
    answer = client.patch("/t/acme/api/integrations/kaseyaone", json={"require_login": True})
    assert answer.status_code == 409
    assert answer.get_json()["error"] == "settings_version_exhausted"
    shown = client.get("/t/acme/api/integrations/kaseyaone").get_json()
    assert (shown["version"], shown["settings"]["require_login"]) == (MAX_VERSION, False)
    app.extensions["sim_store"].engine.dispose()


def test_a_database_without_a_unique_rule_this_version_needs_is_refused(tmp_path):
    """No migrations: a database from before a unique rule existed would keep duplicates."""
    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    store = Store(url, mock_uniview.models.Base.metadata)
    with store.engine.begin() as connection:
        connection.exec_driver_sql("DROP INDEX uq_groups_manual_name")
    assert "uq_groups_manual_name" not in {
        i["name"] for i in inspect(store.engine).get_indexes("groups")
    }
    store.engine.dispose()
    with pytest.raises(SchemaOutOfDate, match=r"a unique rule on groups \(tenant_id, name\)"):
        Store(url, mock_uniview.models.Base.metadata)


def test_an_index_a_database_lacks_is_added_at_the_next_start(tmp_path):
    """A file made before an index existed (SCIM's listing order, say) gets it: without it the
    listings of a large tenant would sort every row again for every page."""
    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    store = Store(url, mock_uniview.models.Base.metadata)
    with store.engine.begin() as connection:
        connection.exec_driver_sql("DROP INDEX ix_users_tenant_created")
    store.engine.dispose()
    store = Store(url, mock_uniview.models.Base.metadata)
    assert "ix_users_tenant_created" in {
        i["name"] for i in inspect(store.engine).get_indexes("users")
    }
    store.engine.dispose()


def test_a_database_busy_past_its_timeout_answers_503_and_changes_nothing(tmp_path):
    """Another writer holding an SQLite file past the wait a request allows is a 503 with
    Retry-After (a machine far busier than the simulator is sized for), never a 500."""
    import sqlite3

    from sqlalchemy import event

    path = tmp_path / "hub.sqlite3"
    app = mock_kaseyaone.create_app(
        {"PASSWORD_HASH_METHOD": FAST, "DATABASE_URL": f"sqlite:///{path}"}
    )
    store = app.extensions["sim_store"]
    event.listen(
        store.engine, "connect", lambda connection, _: connection.execute("PRAGMA busy_timeout=50")
    )
    store.engine.dispose()  # the connections made from now on wait 50 ms, not 30 s
    client = app.test_client()
    other_writer = sqlite3.connect(path)
    other_writer.execute("BEGIN EXCLUSIVE")
    try:
        answer = client.post("/_sim/tenants", json={"id": "acme", "name": "A", "users": [MASTER]})
    finally:
        other_writer.rollback()
        other_writer.close()
    assert answer.status_code == 503, answer.get_json()
    assert answer.get_json()["error"] == "busy" and answer.headers["Retry-After"] == "1"
    again = client.post("/_sim/tenants", json={"id": "acme", "name": "A", "users": [MASTER]})
    assert again.status_code == 201, again.get_json()  # the first left no tenant behind
    store.engine.dispose()


def test_a_partial_unique_rule_binds_only_the_rows_it_names(database):
    """UniView's names are unique among groups added by hand; groups imported from KaseyaOne
    may share one (sim_common.db.partial_unique_index, on SQLite and on PostgreSQL)."""
    from datetime import datetime

    from mock_uniview.errors import GroupNameTaken
    from mock_uniview.models import Group, Tenant

    store = Store(database, mock_uniview.models.Base.metadata)
    now = datetime(2026, 1, 1)
    with store.transaction() as session:
        session.add(Tenant(id="t", name="T", created_at=now))
        session.flush()
        for number, source in enumerate(["kaseyaone", "kaseyaone", "uniview"]):
            session.add(
                Group(id=f"g{number}", tenant_id="t", name="Ops", source=source, created_at=now)
            )
    with pytest.raises(GroupNameTaken), store.transaction() as session:
        session.add(Group(id="g9", tenant_id="t", name="Ops", source="uniview", created_at=now))
    store.engine.dispose()


def test_the_simulators_embedded_and_stopped_leave_no_database_connection_behind():
    """A process that starts and stops the embedded simulators again and again (a test suite
    embedding them, as this one does) keeps none of their databases: once the simulators are
    stopped and collected, their engines, pools and SQLite connections (open files) are gone.
    The engine's error listener used to be a method of its store, kept by SQLAlchemy's mappers'
    statement caches through the dialect: every store a process made stayed, with its pool."""
    import gc
    import weakref

    from k1harness.embedded import start_embedded

    def started_and_stopped():
        sims = start_embedded()
        kept = []
        for server in (sims.kaseyaone, sims.uniview, sims.autotask):
            assert requests.get(server.url + "/_sim/health", timeout=10).ok
            store = server.server.app.extensions["sim_store"]
            kept += [weakref.ref(o) for o in (store, store.engine, store.engine.pool)]
        sims.stop()
        return kept

    kept = started_and_stopped() + started_and_stopped()
    gc.collect()
    assert [ref() for ref in kept] == [None] * 18
