"""The simulation control plane shared by both simulators (`/_sim/`): tenants, the per-tenant
clock, the journal, and the bearer token that guards it when served."""

import pytest
from support import post_form

import mock_kaseyaone
import mock_uniview
from sim_common.passwords import FAST

FACTORIES = {"kaseyaone": mock_kaseyaone.create_app, "uniview": mock_uniview.create_app}


@pytest.fixture(params=sorted(FACTORIES))
def app(request):
    return FACTORIES[request.param]({"PASSWORD_HASH_METHOD": FAST})


def test_health_answers_without_a_token_even_when_guarded():
    app = mock_kaseyaone.create_app({"SIM_CONTROL_TOKEN": "t0ken"})
    assert app.test_client().get("/_sim/health").get_json()["status"] == "ok"


@pytest.mark.parametrize("factory", sorted(FACTORIES))
@pytest.mark.parametrize("header", [None, "Bearer wrong", "t0ken"])
def test_a_guarded_control_plane_refuses_calls_without_the_token(factory, header):
    client = FACTORIES[factory]({"SIM_CONTROL_TOKEN": "t0ken"}).test_client()
    headers = {"Authorization": header} if header else {}
    response = client.post("/_sim/tenants", json={"name": "X"}, headers=headers)
    assert response.status_code == 401 and response.get_json()["error"] == "unauthorized"
    ok = client.post("/_sim/tenants", json={"name": "X"}, headers={"Authorization": "Bearer t0ken"})
    assert ok.status_code == 201


def test_tenants_are_fresh_and_separate(app):
    client = app.test_client()
    first = client.post("/_sim/tenants", json={"name": "Acme"}).get_json()["tenant"]["id"]
    second = client.post("/_sim/tenants", json={"name": "Acme"}).get_json()["tenant"]["id"]
    assert first != second and first.startswith("acme-")
    client.post(f"/_sim/tenants/{first}/clock/advance", json={"seconds": 3600})
    assert client.get(f"/_sim/tenants/{first}/clock").get_json()["offset_seconds"] == 3600
    assert client.get(f"/_sim/tenants/{second}/clock").get_json()["offset_seconds"] == 0


def test_the_clock_only_moves_forward_and_needs_a_number(app):
    client = app.test_client()
    tenant = client.post("/_sim/tenants", json={}).get_json()["tenant"]["id"]
    before = client.get(f"/_sim/tenants/{tenant}/clock").get_json()["epoch"]
    after = client.post(f"/_sim/tenants/{tenant}/clock/advance", json={"seconds": 86400})
    assert after.get_json()["epoch"] - before >= 86400
    for body in ({"seconds": -5}, {"seconds": "soon"}, {"seconds": True}, {}):
        response = client.post(f"/_sim/tenants/{tenant}/clock/advance", json=body)
        assert response.status_code == 400, body
        assert set(response.get_json()) >= {"error", "message"}


def test_deleting_a_tenant_removes_it_and_its_journal(app):
    client = app.test_client()
    tenant = client.post("/_sim/tenants", json={}).get_json()["tenant"]["id"]
    assert client.delete(f"/_sim/tenants/{tenant}").status_code == 204
    response = client.get(f"/_sim/tenants/{tenant}/journal")
    assert response.status_code == 404 and response.get_json()["error"] == "not_found"


@pytest.mark.parametrize("body", [b"not json", b"[1, 2]"])
def test_a_body_that_is_not_a_json_object_is_a_clear_400(app, body):
    response = app.test_client().post("/_sim/tenants", data=body, content_type="application/json")
    assert response.status_code == 400 and response.get_json()["error"] == "invalid_request"


def test_bad_seed_data_creates_nothing():
    client = mock_kaseyaone.create_app({"PASSWORD_HASH_METHOD": FAST}).test_client()
    response = client.post(
        "/_sim/tenants",
        json={
            "name": "Half",
            "users": [
                {"email": "ok@half.test", "name": "Ok", "password": "pw"},
                {"email": "not-an-email", "name": "Bad", "password": "pw"},
            ],
        },
    )
    assert response.status_code == 400 and response.get_json()["field"] == "email"
    # The first user was not left behind: the same address can be seeded again.
    again = client.post(
        "/_sim/tenants", json={"users": [{"email": "ok@half.test", "name": "Ok", "password": "pw"}]}
    )
    assert again.status_code == 201


def test_the_journal_lists_a_tenants_requests_in_order_and_since_an_id():
    app = mock_uniview.create_app({"PASSWORD_HASH_METHOD": FAST})
    client = app.test_client()
    tenant = client.post(
        "/_sim/tenants",
        json={"users": [{"username": "a@x.test", "password": "pw", "role": "monitor"}]},
    ).get_json()["tenant"]["id"]
    post_form(client, f"/t/{tenant}/login", {"username": "a@x.test", "password": "wrong"})
    entries = client.get(f"/_sim/tenants/{tenant}/journal").get_json()["entries"]
    assert [(e["method"], e["url"], e["status"]) for e in entries] == [
        ("GET", f"/t/{tenant}/login", 200),
        ("POST", f"/t/{tenant}/login", 401),
    ]
    later = client.get(f"/_sim/tenants/{tenant}/journal?since={entries[0]['id']}").get_json()
    assert [e["id"] for e in later["entries"]] == [entries[1]["id"]]


def test_unknown_pages_are_readable_for_people_and_json_for_programs():
    client = mock_uniview.create_app({"PASSWORD_HASH_METHOD": FAST}).test_client()
    page = client.get("/t/nope/login", headers={"Accept": "text/html"})
    assert page.status_code == 404 and b"<h1>" in page.data
    api = client.get("/t/nope/api/session")
    assert api.status_code == 404 and api.get_json()["error"] == "not_found"


def test_the_openapi_document_describes_every_control_route():
    """One document for both simulators: every route of either is in it, and nothing else (a
    simulator's own routes, such as KaseyaOne's keys, say whose they are)."""
    import re

    routes = set()
    for app in (mock_uniview.create_app(), mock_kaseyaone.create_app()):
        document = app.test_client().get("/_sim/openapi.yaml").get_data(as_text=True)
        routes |= {
            re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule).replace("{tenant_id}", "{tenant}")
            for rule in app.url_map.iter_rules()
            if rule.rule.startswith("/_sim/")
        }
    documented = set(re.findall(r"^  (/_sim/\S+):$", document, re.M))
    assert documented == routes


def test_a_seed_file_creates_its_tenants_once(tmp_path):
    from pathlib import Path

    from sim_common.control import seed_from_file

    seed = Path(__file__).resolve().parents[1] / "fixtures" / "seed" / "kaseyaone-demo.json"
    app = mock_kaseyaone.create_app(
        {"PASSWORD_HASH_METHOD": FAST, "DATABASE_URL": f"sqlite:///{tmp_path}/k1.sqlite3"}
    )
    assert seed_from_file(app, seed) == ["demo"]
    assert seed_from_file(app, seed) == []  # a restart keeps what is there
    users = (
        app.test_client()
        .get("/api/v1/users", auth=("master@demo.example", "demo-master-pw"))
        .get_json()["users"]
    )
    assert {u["email"] for u in users} == {
        "master@demo.example",
        "tess@demo.example",
        "max@demo.example",
    }


def test_a_tenant_id_can_be_chosen_once():
    client = mock_uniview.create_app({"PASSWORD_HASH_METHOD": FAST}).test_client()
    assert client.post("/_sim/tenants", json={"id": "acme"}).status_code == 201
    again = client.post("/_sim/tenants", json={"id": "acme"})
    assert again.status_code == 409 and again.get_json()["field"] == "id"
    bad = client.post("/_sim/tenants", json={"id": "Not OK!"})
    assert bad.status_code == 400 and bad.get_json()["field"] == "id"


@pytest.mark.parametrize(
    "kind, call",
    [
        ("admin", lambda c, inst: c.get("/api/v1/users", auth=("m@f.test", "pw"))),
        (
            "module",
            lambda c, inst: c.put(
                "/api/v1/module/settings",
                auth=(inst["client_id"], inst["client_secret"]),
                json={"version": 1, "settings": {}},
            ),
        ),
        (
            "oidc",
            lambda c, inst: c.post(
                "/oauth/token",
                auth=(inst["client_id"], inst["client_secret"]),
                data={"grant_type": "authorization_code", "code": "x"},
            ),
        ),
        (
            "scim",
            lambda c, inst: c.get(
                "/scim/v2/Groups", auth=(inst["client_id"], inst["client_secret"])
            ),
        ),
    ],
)
def test_every_kaseyaone_fault_kind_fails_the_next_calls_then_recovers(kind, call):
    client = mock_kaseyaone.create_app({"PASSWORD_HASH_METHOD": FAST}).test_client()
    tenant = client.post(
        "/_sim/tenants",
        json={"users": [{"email": "m@f.test", "name": "M", "password": "pw", "master": True}]},
    ).get_json()
    tenant_id = tenant["tenant"]["id"]
    instance = client.post(
        "/api/v1/module-instances",
        auth=("m@f.test", "pw"),
        json={"module": "uniview", "redirect_uris": ["http://uv/cb"]},
    ).get_json()
    added = client.post(
        f"/_sim/tenants/{tenant_id}/faults", json={"kind": kind, "count": 2, "status": 502}
    )
    assert added.status_code == 201
    assert [call(client, instance).status_code for _ in range(3)][:2] == [502, 502]
    assert call(client, instance).status_code != 502


def test_the_journal_never_holds_a_bypass_token():
    app = mock_uniview.create_app({"PASSWORD_HASH_METHOD": FAST})
    client = app.test_client()
    tenant = client.post("/_sim/tenants", json={}).get_json()["tenant"]["id"]
    client.get(f"/t/{tenant}/login/bypass/S3CR3T-TOKEN")
    entries = client.get(f"/_sim/tenants/{tenant}/journal").get_json()["entries"]
    assert entries and all("S3CR3T" not in e["url"] for e in entries)


def test_a_database_made_by_an_older_version_stops_the_start_with_what_to_do(tmp_path):
    import sqlite3

    from sim_common.db import SchemaOutOfDate

    path = tmp_path / "old.sqlite3"
    mock_uniview.create_app({"DATABASE_URL": f"sqlite:///{path}"})
    with sqlite3.connect(path) as old:  # as an older version made it: one column fewer
        old.execute("ALTER TABLE users DROP COLUMN modified_at")
    with pytest.raises(SchemaOutOfDate, match="users.modified_at.*move the file away"):
        mock_uniview.create_app({"DATABASE_URL": f"sqlite:///{path}"})


def test_a_job_that_fails_is_reported_and_the_clock_still_moves_once(tmp_path):
    import responses

    from mock_uniview.models import JournalEntry
    from sim_common.db import db
    from sim_common.journal import journalled_session
    from sim_common.scheduler import Job

    app = mock_uniview.create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'uv.sqlite3'}"})

    def sends(tenant, force):
        journalled_session(db, JournalEntry, tenant.id).get("http://other.test/ok")

    def broken(tenant, force):
        journalled_session(db, JournalEntry, tenant.id).get("http://other.test/down")
        raise RuntimeError("the job broke")

    app.extensions["sim_jobs"] = {
        **app.extensions["sim_jobs"],
        "sends": Job(sends, due=lambda session: []),
        "broken": Job(broken, due=lambda session: []),
    }
    client = app.test_client()
    tenant = client.post("/_sim/tenants", json={"id": "acme"}).get_json()["tenant"]["id"]
    with responses.RequestsMock() as mock:
        mock.get("http://other.test/ok")
        mock.get("http://other.test/down", status=503)
        answer = client.post(f"/_sim/tenants/{tenant}/clock/advance", json={"seconds": 30})
        assert answer.status_code == 200 and answer.get_json()["offset_seconds"] == 30
        ran = client.post(f"/_sim/tenants/{tenant}/jobs/run").get_json()["ran"]
    assert ran["broken"] == {"error": "RuntimeError: the job broke"}
    assert ran["outbox"] == 0
    assert client.get(f"/_sim/tenants/{tenant}/clock").get_json()["offset_seconds"] == 30
    # What the jobs sent is in the journal once a run, the failed job's call included.
    sent = client.get(f"/_sim/tenants/{tenant}/journal").get_json()["entries"]
    assert [e["url"] for e in sent if e["direction"] == "sent"] == [
        "http://other.test/ok",
        "http://other.test/down",
    ] * 2


# KaseyaOne's signing keys: the hub's, not a tenant's (mock_kaseyaone.keys).


def published_kids(client) -> list[str]:
    return [key["kid"] for key in client.get("/oauth/jwks").get_json()["keys"]]


def test_a_rotation_publishes_a_new_signing_key_beside_the_old_until_the_overlap_ends():
    client = mock_kaseyaone.create_app({"PASSWORD_HASH_METHOD": FAST}).test_client()
    (first,) = published_kids(client)
    rotated = client.post("/_sim/keys/rotate", json={"overlap_seconds": 3600})
    assert rotated.status_code == 201
    new = rotated.get_json()["signing_kid"]
    assert new != first and published_kids(client) == [new, first]
    old = next(key for key in rotated.get_json()["keys"] if key["kid"] == first)
    assert old["retires_at"] and not old["signing"]
    # A second rotation without overlap leaves the newest key alone in the JWKS.
    newest = client.post("/_sim/keys/rotate", json={"overlap_seconds": 0}).get_json()
    assert published_kids(client) == [newest["signing_kid"]]
    assert client.get("/_sim/keys").get_json()["keys"] == newest["keys"]


def test_retiring_ends_the_overlap_at_once():
    client = mock_kaseyaone.create_app({"PASSWORD_HASH_METHOD": FAST}).test_client()
    client.post("/_sim/keys/rotate", json={"overlap_seconds": 3600})
    retired = client.post("/_sim/keys/retire").get_json()
    assert published_kids(client) == [retired["signing_kid"]]


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"overlap_seconds": -1},
        {"overlap_seconds": True},
        {"overlap_seconds": "60"},
        {"overlap_seconds": 31 * 86400},
    ],
)
def test_a_rotation_needs_an_overlap_in_seconds(body):
    client = mock_kaseyaone.create_app({"PASSWORD_HASH_METHOD": FAST}).test_client()
    before = published_kids(client)
    answer = client.post("/_sim/keys/rotate", json=body)
    assert answer.status_code == 400 and answer.get_json()["field"] == "overlap_seconds"
    assert published_kids(client) == before


def test_the_keys_are_behind_the_control_token_and_kaseyaones_only():
    guarded = mock_kaseyaone.create_app({"SIM_CONTROL_TOKEN": "t0ken"}).test_client()
    assert guarded.post("/_sim/keys/rotate", json={"overlap_seconds": 0}).status_code == 401
    assert guarded.get("/_sim/keys").status_code == 401
    ok = guarded.get("/_sim/keys", headers={"Authorization": "Bearer t0ken"})
    assert ok.status_code == 200
    uniview = mock_uniview.create_app({"PASSWORD_HASH_METHOD": FAST}).test_client()
    assert uniview.post("/_sim/keys/rotate", json={"overlap_seconds": 0}).status_code == 404
