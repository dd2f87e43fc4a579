"""What Cooper reads in UniView (mock_uniview.facts) and UniView's telemetry to KaseyaOne
(mock_uniview.telemetry): the superuser's pages and JSON API, what they refuse (never a 500),
seeding through the control plane, and the reports — queued with each change only once the
integration exists, daily on the tenant's clock, counts rather than names, and delivered only
when KaseyaOne's answer says it took them."""

from __future__ import annotations

import json

import pytest
import responses
from support import add_uniview_integration, post_form

import mock_uniview
from mock_uniview.telemetry import ACTION_PAGES
from module_contracts.uniview import INSIGHTS
from sim_common.passwords import FAST
from sim_common.scheduler import Scheduler

HUB = "http://hub.test"
TELEMETRY = f"{HUB}/api/v1/module/telemetry"
USERS = [
    {"username": "su@acme.test", "password": "pw", "role": "superuser"},
    {"username": "mo@acme.test", "password": "pw", "role": "monitor"},
]


def make_uniview(tmp_path=None, **seed):
    config = {"KASEYAONE_URL": HUB, "PASSWORD_HASH_METHOD": FAST, "PUBLIC_URL": "http://uv.test"}
    if tmp_path is not None:
        config["DATABASE_URL"] = f"sqlite:///{tmp_path / 'uv.sqlite3'}"
    app = mock_uniview.create_app(config)
    client = app.test_client()
    answer = client.post("/_sim/tenants", json={"id": "acme", "users": USERS, **seed})
    assert answer.status_code == 201, answer.get_json()
    post_form(client, "/t/acme/login", {"username": "su@acme.test", "password": "pw"})
    return client


@pytest.fixture
def uv():
    return make_uniview(appliances=[{"asset_tag": "dr-1", "helix_status": "Agent"}])


def api(client, method, path, body=None):
    return getattr(client, method)(f"/t/acme/api/{path}", json=body)


def sent_reports(mock) -> list[dict]:
    """The reports UniView sent KaseyaOne (of all its calls, the settings push included)."""
    return [json.loads(call.request.body) for call in mock.calls if call.request.url == TELEMETRY]


def reports(client) -> list[dict]:
    rows = client.get("/_sim/tenants/acme/outbox").get_json()["entries"]
    return [row for row in rows if row["kind"] == "telemetry.report"]


def test_the_contracts_actions_each_have_a_uniview_page():
    assert set(ACTION_PAGES) == INSIGHTS.action_keys


def test_only_a_superuser_sees_and_changes_what_cooper_reads(uv):
    anonymous = mock_uniview.create_app({"PASSWORD_HASH_METHOD": FAST}).test_client()
    anonymous.post("/_sim/tenants", json={"id": "acme", "users": USERS})
    assert api(anonymous, "get", "appliances").status_code == 401
    post_form(anonymous, "/t/acme/login", {"username": "mo@acme.test", "password": "pw"})
    for path in ("appliances", "jobs", "conditional-alarms", "psa-integration", "telemetry"):
        answer = api(anonymous, "get", path)
        assert answer.status_code == 403 and answer.get_json()["error"] == "superuser_required"
    assert anonymous.get("/t/acme/settings/jobs").status_code == 403


def test_an_appliance_is_added_to_uniview_helix_turned_on_and_assets_counted(uv):
    created = api(uv, "post", "appliances", {"asset_tag": "dr-2", "added_to_uniview": False})
    assert created.status_code == 201 and created.get_json()["added_to_uniview"] is False
    api(uv, "post", "assets", {"asset_tag": "dr-2", "name": "fileserver"})
    refused = api(uv, "patch", "appliances/dr-2", {"helix_status": "AutoUpdate"})
    assert refused.status_code == 409 and refused.get_json()["error"] == "appliance_not_added"
    facts = api(uv, "get", "telemetry").get_json()["facts"]
    assert facts["unadded_appliances_with_protected_assets"] == 1
    api(uv, "patch", "appliances/dr-2", {"added_to_uniview": True})
    turned_on = api(uv, "patch", "appliances/dr-2", {"helix_status": "AutoUpdate"}).get_json()
    assert turned_on == {
        "asset_tag": "dr-2",
        "name": "dr-2",
        "helix_status": "AutoUpdate",
        "helix_auto_updates": True,
        "added_to_uniview": True,
        "protected_assets": 1,
    }
    facts = api(uv, "get", "telemetry").get_json()["facts"]
    assert facts["unadded_appliances_with_protected_assets"] == 0
    assert facts["helix_auto_update_appliances"] == 1


def test_only_scheduled_jobs_count_and_a_backup_copy_job_needs_a_target(uv):
    dca = api(uv, "post", "jobs", {"type": "dca", "asset_tag": "dr-1", "name": "Weekly DCA"})
    assert dca.status_code == 201 and dca.get_json()["scheduled"] is False
    assert api(uv, "get", "telemetry").get_json()["facts"]["scheduled_dca_jobs"] == 0
    api(uv, "patch", f"jobs/{dca.get_json()['id']}", {"schedule": "Sundays at 03:00"})
    assert api(uv, "get", "telemetry").get_json()["facts"]["scheduled_dca_jobs"] == 1
    no_target = api(
        uv, "post", "jobs", {"type": "backup_copy", "asset_tag": "dr-1", "name": "Off-site"}
    )
    assert no_target.status_code == 400 and no_target.get_json()["field"] == "target"


def test_the_psa_integration_its_close_ticket_status_and_organizations_mapped(uv):
    api(uv, "post", "organizations", {"name": "Contoso"})
    (org,) = api(uv, "get", "organizations").get_json()["organizations"]
    unmappable = api(uv, "put", f"organizations/{org['id']}/psa-company", {"company": "C"})
    assert unmappable.status_code == 409 and unmappable.get_json()["error"] == "psa_not_integrated"
    added = api(uv, "post", "psa-integration", {"psa": "connectwise_manage"})
    assert added.status_code == 201 and added.get_json()["psa_name"] == "ConnectWise Manage"
    api(uv, "put", f"organizations/{org['id']}/psa-company", {"company": "Contoso Ltd"})
    api(uv, "patch", "psa-integration", {"close_ticket_status": "Closed"})
    facts = api(uv, "get", "telemetry").get_json()["facts"]
    assert facts["psa_integrated"] and facts["psa_closes_tickets_by_status"]
    assert facts["organizations_mapped_to_psa"] == 1 and facts["psa_added_at"]
    assert api(uv, "delete", "psa-integration").status_code == 204
    facts = api(uv, "get", "telemetry").get_json()["facts"]
    assert (facts["psa_integrated"], facts["organizations_mapped_to_psa"]) == (False, 0)
    assert api(uv, "get", "psa-integration").get_json()["organizations"][0]["company"] is None


@pytest.mark.parametrize(
    "method, path, body, status",
    [
        ("post", "appliances", {"asset_tag": ""}, 400),
        ("post", "appliances", {"asset_tag": "dr-1"}, 400),  # exists already
        ("post", "appliances", {"asset_tag": "x" * 65}, 400),
        ("post", "appliances", {"asset_tag": "dr-9", "helix_status": "On"}, 400),
        ("post", "appliances", {"asset_tag": "dr-9", "added_to_uniview": "yes"}, 400),
        ("patch", "appliances/dr-1", {}, 400),
        ("patch", "appliances/dr-1", {"asset_tag": "x"}, 400),
        ("patch", "appliances/dr-1", {"added_to_uniview": False}, 400),
        ("patch", "appliances/nope", {"name": "x"}, 404),
        ("post", "assets", {"asset_tag": "nope", "name": "fs"}, 404),
        ("post", "assets", {"asset_tag": "dr-1", "name": ["fs"]}, 400),
        ("post", "assets", {"asset_tag": ["dr-1"], "name": "fs"}, 400),
        ("post", "jobs", {"type": "dca", "name": "j"}, 400),
        ("delete", "assets/nope", None, 404),
        ("post", "jobs", {"type": "copy", "asset_tag": "dr-1", "name": "j"}, 400),
        ("post", "jobs", {"type": "dca", "asset_tag": "dr-1", "name": "j", "schedule": 3}, 400),
        ("patch", "jobs/nope", {"schedule": None}, 404),
        ("post", "conditional-alarms", {"type": "backup", "threshold_hours": 0}, 400),
        ("post", "conditional-alarms", {"type": "backup", "threshold_hours": "24"}, 400),
        ("post", "conditional-alarms", {"type": "backup", "threshold_hours": 10**9}, 400),
        ("post", "conditional-alarms", {"type": "restore", "threshold_hours": 24}, 400),
        ("post", "conditional-alarms", {"type": {}, "threshold_hours": 24}, 400),
        ("post", "psa-integration", {"psa": ["bms"]}, 400),
        ("delete", "conditional-alarms/nope", None, 404),
        ("post", "psa-integration", {"psa": "halo"}, 400),
        ("patch", "psa-integration", {"close_ticket_status": "Closed"}, 409),
        ("patch", "psa-integration", {"psa": "bms"}, 400),
        ("delete", "psa-integration", None, 409),
        ("put", "organizations/nope/psa-company", {"company": "C"}, 404),
    ],
)
def test_bad_input_is_refused_clearly_and_changes_nothing(uv, method, path, body, status):
    before = api(uv, "get", "telemetry").get_json()["facts"]
    answer = api(uv, method, path, body)
    assert answer.status_code == status, answer.get_json()
    assert answer.get_json()["error"] and answer.get_json()["message"]
    assert api(uv, "get", "telemetry").get_json()["facts"] == before


def test_the_pages_change_what_cooper_reads_and_show_what_they_refuse(uv):
    added = post_form(
        uv,
        "/t/acme/settings/jobs",
        {
            "action": "add_job",
            "type": "dca",
            "asset_tag": "dr-1",
            "name": "Nightly DCA",
            "schedule": "Daily at 02:00",
        },
    )
    assert added.status_code == 302
    page = uv.get("/t/acme/settings/jobs").get_data(as_text=True)
    assert "Nightly DCA" in page and 'data-scheduled="true"' in page
    refused = post_form(
        uv,
        "/t/acme/settings/alarms",
        {"action": "add_alarm", "type": "backup", "threshold_hours": "a day"},
    )
    assert refused.status_code == 400 and 'id="error"' in refused.get_data(as_text=True)
    post_form(
        uv,
        "/t/acme/settings/appliances",
        {"action": "helix", "asset_tag": "dr-1", "auto_updates": "on"},
    )
    assert api(uv, "get", "appliances/dr-1").get_json()["helix_status"] == "AutoUpdate"
    post_form(uv, "/t/acme/settings/psa", {"action": "add_psa", "psa": "autotask"})
    assert 'data-psa="autotask"' in uv.get("/t/acme/settings/psa").get_data(as_text=True)
    forged = uv.post(
        "/t/acme/settings/alarms",
        data={"action": "add_alarm", "type": "backup", "threshold_hours": "24"},
    )
    assert forged.status_code == 403 and api(uv, "get", "conditional-alarms").get_json() == {
        "conditional_alarms": []
    }


def test_no_report_without_the_integration_then_one_per_change_as_counts(uv):
    api(uv, "post", "conditional-alarms", {"type": "backup", "threshold_hours": 24})
    assert reports(uv) == []
    add_uniview_integration(uv.application, "acme")  # queues the first report
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.put(TELEMETRY, json={"accepted": True})
        mock.put(f"{HUB}/api/v1/module/settings", json={"applied": True})
        api(uv, "post", "conditional-alarms", {"type": "replication", "threshold_hours": 48})
        first, sent = sent_reports(mock)
    assert (first["sequence"], first["facts"]["replication_alarms"]) == (1, 0)
    assert sent["sequence"] == 2 and set(sent) == {"sequence", "observed_at", "facts", "links"}
    assert sent["facts"]["backup_alarms"] == 1 and sent["facts"]["replication_alarms"] == 1
    assert set(sent["facts"]) == set(INSIGHTS.facts)
    assert sent["links"]["backup_alarms"] == "http://uv.test/t/acme/settings/alarms#backup"
    assert "dr-1" not in json.dumps(sent)  # counts, no names
    assert [(r["state"], r["last_result"]) for r in reports(uv)] == [("delivered", "accepted")] * 2


def kaseyaone_takes_settings(mock) -> None:
    mock.put(f"{HUB}/api/v1/module/settings", json={"applied": True})


def test_a_report_is_delivered_only_when_kaseyaone_says_it_took_it(uv):
    add_uniview_integration(uv.application, "acme")
    with responses.RequestsMock() as mock:
        kaseyaone_takes_settings(mock)
        mock.put(TELEMETRY, json={"ok": True})
        api(uv, "patch", "appliances/dr-1", {"helix_status": "AutoUpdate"})
        first, change = reports(uv)  # the one from adding the integration, then the change
        assert first["failing"] and "without saying whether it accepted" in first["last_result"]
        assert change["state"] == "pending" and change["attempts"] == 0, "waits in order"
        shown = api(uv, "get", "telemetry").get_json()
        assert shown["pending"] == 2 and [f["id"] for f in shown["failing"]] == [first["id"]]
        mock.replace(responses.PUT, TELEMETRY, json={"accepted": False})
        uv.post("/_sim/tenants/acme/clock/advance", json={"seconds": 30})
    assert [(r["state"], r["last_result"]) for r in reports(uv)] == [
        ("delivered", "KaseyaOne holds a later report")
    ] * 2


def test_a_report_goes_daily_on_the_tenants_clock_also_from_the_served_scheduler(
    tmp_path, real_time_held
):
    client = make_uniview(tmp_path)
    add_uniview_integration(client.application, "acme")
    app = client.application
    scheduler = Scheduler(app, interval=1)
    assert scheduler.beat_once()
    with responses.RequestsMock() as mock:
        kaseyaone_takes_settings(mock)
        mock.put(TELEMETRY, json={"accepted": True})
        api(client, "post", "psa-integration", {"psa": "vorex"})
        assert scheduler.run_due() == {}
        client.post("/_sim/tenants/acme/clock/advance", json={"seconds": 86399})
        assert [r["sequence"] for r in sent_reports(mock)] == [1, 2]
        with app.extensions["sim_store"].transaction() as session:
            from mock_uniview.models import Tenant

            session.get(Tenant, "acme").clock_offset_seconds += 1
        assert scheduler.run_due()["acme"]["telemetry"] == "reported"
        daily = sent_reports(mock)[-1]
    assert daily["sequence"] == 3 and daily["facts"]["psa_integrated"] is True
    assert daily["links"]["psa_mapping"] == "http://uv.test/t/acme/settings/psa#mapping"


def test_a_reset_stops_the_daily_reports(tmp_path):
    client = make_uniview(tmp_path)
    add_uniview_integration(client.application, "acme")
    scheduler = Scheduler(client.application, interval=1)
    assert scheduler.beat_once()
    with responses.RequestsMock() as mock:
        kaseyaone_takes_settings(mock)
        mock.put(TELEMETRY, json={"accepted": True})
        removed = mock.delete(f"{HUB}/api/v1/module/instance", json={"removed": "inst"})
        api(client, "post", "conditional-alarms", {"type": "backup", "threshold_hours": 24})
        assert api(client, "delete", "integrations/kaseyaone").status_code == 200
        client.post("/_sim/tenants/acme/clock/advance", json={"seconds": 2 * 86400})
        assert scheduler.run_due() == {}, "nothing is due for the tenant any more"
        assert [r["sequence"] for r in sent_reports(mock)] == [1, 2] and removed.call_count == 1
    ran = client.post("/_sim/tenants/acme/jobs/run").get_json()["ran"]
    assert ran["telemetry"] == "no integration: nothing to report"


def seed_refused(**seed):
    app = mock_uniview.create_app({"PASSWORD_HASH_METHOD": FAST})
    client = app.test_client()
    answer = client.post("/_sim/tenants", json={"id": "acme", "users": USERS, **seed})
    assert client.get("/_sim/tenants/acme/clock").status_code == 404, "nothing is created"
    return answer


@pytest.mark.parametrize(
    "seed",
    [
        {"created_at": "2999-01-01T00:00:00Z"},
        {"created_at": "2026-01-01"},
        {"appliances": [{"asset_tag": "dr-1", "helix_status": "on"}]},
        {"appliances": [{"asset_tag": "dr-1", "jobs": [{"type": "backup_copy", "name": "x"}]}]},
        {"appliances": "dr-1"},
        {"conditional_alarms": [{"type": "backup"}]},
        {"psa_integration": {"psa": "autotask", "organizations": {"Nobody": "Co"}}},
        {"psa_integration": {"psa": "autotask", "added_at": "tomorrow"}},
        {"psa_integration": ["autotask"]},
    ],
)
def test_a_seed_that_cannot_be_kept_creates_nothing(seed):
    answer = seed_refused(**seed)
    assert answer.status_code == 400 and answer.get_json()["error"] == "invalid_request"


def test_a_seeded_tenant_says_when_it_was_added_and_what_it_has():
    client = make_uniview(
        created_at="2026-01-01T00:00:00+01:00",
        organizations=[{"name": "Contoso"}],
        appliances=[
            {
                "asset_tag": "dr-1",
                "helix_status": "AutoUpdate",
                "protected_assets": [{"name": "fs"}],
                "jobs": [
                    {
                        "type": "backup_copy",
                        "name": "Off-site",
                        "schedule": "Daily",
                        "target": "Unitrends Cloud",
                    }
                ],
            }
        ],
        conditional_alarms=[{"type": "replication", "threshold_hours": 48}],
        psa_integration={
            "psa": "bms",
            "added_at": "2026-01-02T00:00:00Z",
            "close_ticket_status": "Complete",
            "organizations": {"Contoso": "C"},
        },
    )
    facts = api(client, "get", "telemetry").get_json()["facts"]
    assert facts == {
        "tenant_added_at": "2025-12-31T23:00:00Z",
        "helix_auto_update_appliances": 1,
        "unadded_appliances_with_protected_assets": 0,
        "scheduled_dca_jobs": 0,
        "scheduled_backup_copy_jobs": 1,
        "backup_alarms": 0,
        "replication_alarms": 1,
        "psa_integrated": True,
        "psa_added_at": "2026-01-02T00:00:00Z",
        "psa_closes_tickets_by_status": True,
        "organizations_mapped_to_psa": 1,
    }
