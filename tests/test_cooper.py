"""Cooper in KaseyaOne (mock_kaseyaone.insights): the telemetry API as a module instance (HTTP
Basic with its OIDC client), what it refuses and why (never a 500), insights raised, snoozed,
completed and raised again, the daily evaluation on the tenant's clock, the lists and the
module filter for master users as JSON and as pages, the control plane's account of every
rule, and tenants that never see each other's insights."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from support import post_form
from test_insight_rules import SET_UP

import mock_kaseyaone
from module_contracts.autotask import CONTRACT as AUTOTASK
from module_contracts.insights import Action, Clause, InsightRule, Insights
from sim_common.passwords import FAST

TELEMETRY = "/api/v1/module/telemetry"
MODULE_NOW = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)
LINKS = {"recovery_assurance": "http://uv.test/t/acme/settings/jobs#dca"}


class Hub:
    def __init__(self, client, name: str, module: str = "uniview") -> None:
        self.client = client
        seeded = client.post(
            "/_sim/tenants",
            json={
                "name": name,
                "users": [
                    {"email": f"m@{name}.test", "name": "M", "password": "pw", "master": True}
                ],
            },
        ).get_json()
        self.tenant = seeded["tenant"]["id"]
        self.master = (f"m@{name}.test", "pw")
        self.instance = self.add_instance(module)
        self.credentials = (self.instance["client_id"], self.instance["client_secret"])
        self.sequence = 0

    def add_instance(self, module: str) -> dict:
        return self.client.post(
            "/api/v1/module-instances",
            auth=self.master,
            json={"module": module, "name": f"{module} 1", "redirect_uris": ["http://m.test/cb"]},
        ).get_json()

    def report(self, facts=None, *, observed_at=MODULE_NOW, auth=None, **overrides):
        self.sequence += 1
        body = {
            "sequence": self.sequence,
            "observed_at": observed_at.isoformat(),
            "facts": {**SET_UP, **(facts or {})},
            "links": LINKS,
            **overrides,
        }
        return self.client.put(TELEMETRY, json=body, auth=auth or self.credentials)

    def insights(self, which="todo", **params):
        answer = self.client.get(
            "/api/v1/cooper/insights", query_string={"list": which, **params}, auth=self.master
        )
        assert answer.status_code == 200, answer.get_json()
        return answer.get_json()["insights"]

    def names(self, which="todo", **params) -> list[str]:
        return sorted(i["rule"] for i in self.insights(which, **params))

    def advance(self, seconds: float) -> dict:
        return self.client.post(
            f"/_sim/tenants/{self.tenant}/clock/advance", json={"seconds": seconds}
        ).get_json()

    def evaluations(self) -> list[dict]:
        return self.client.get(f"/_sim/tenants/{self.tenant}/insights").get_json()[
            "module_instances"
        ]


@pytest.fixture
def client():
    return mock_kaseyaone.create_app({"PASSWORD_HASH_METHOD": FAST}).test_client()


@pytest.fixture
def hub(client):
    return Hub(client, "acme")


def test_a_report_raises_what_its_facts_say_with_the_modules_link_for_the_action(hub):
    answer = hub.report({"scheduled_dca_jobs": 0})
    assert answer.status_code == 200
    assert answer.get_json() == {
        "accepted": True,
        "sequence": 1,
        "raised": ["automated_backup_testing"],
    }
    (insight,) = hub.insights()
    assert insight["name"] == "Automated backup testing" and insight["source"] == "Unitrends Module"
    assert insight["action"]["label"] == "Setup Recovery Assurance"
    assert insight["action"]["url"] == LINKS["recovery_assurance"]
    assert insight["module_instance"]["id"] == hub.instance["id"]


def test_an_insight_snoozed_then_resolved_moves_to_completed_and_comes_back_if_its_condition_does(
    hub,
):
    hub.report({"backup_alarms": 0})
    (insight,) = hub.insights()
    snoozed = hub.client.post(f"/api/v1/cooper/insights/{insight['id']}/snooze", auth=hub.master)
    assert snoozed.get_json()["list"] == "snoozed"
    assert hub.insights() == [] and hub.names("snoozed") == ["backup_alerting"]
    again = hub.client.post(f"/api/v1/cooper/insights/{insight['id']}/snooze", auth=hub.master)
    assert again.status_code == 409 and again.get_json()["error"] == "insight_not_in_to_do"
    hub.report()  # the superuser set a backup alarm up
    assert hub.names("snoozed") == []
    (completed,) = hub.insights("completed")
    assert completed["id"] == insight["id"]
    assert completed["completed_because"] == "Resolved: the trigger no longer holds."
    hub.report({"backup_alarms": 0})  # and removed it again
    (raised_again,) = hub.insights()
    assert raised_again["id"] != insight["id"] and hub.names("completed") == ["backup_alerting"]


def test_a_snoozed_insight_goes_back_to_to_do(hub):
    hub.report({"replication_alarms": 0})
    (insight,) = hub.insights()
    path = f"/api/v1/cooper/insights/{insight['id']}"
    hub.client.post(path + "/snooze", auth=hub.master)
    assert hub.client.post(path + "/unsnooze", auth=hub.master).get_json()["list"] == "todo"
    assert hub.client.post(path + "/unsnooze", auth=hub.master).status_code == 409


def test_the_daily_evaluation_on_the_tenants_clock_raises_what_time_alone_makes_true(hub):
    """A module added 6 days before its report: nothing yet. Without another report, the
    evaluation a day later (the module's now moved on as the hub's clock did) raises it."""
    added = (MODULE_NOW - timedelta(days=6, seconds=30)).isoformat()
    hub.report({"tenant_added_at": added, "backup_alarms": 0})
    assert hub.insights() == []
    (instance,) = hub.evaluations()
    (alerting,) = [r for r in instance["rules"] if r["rule"] == "backup_alerting"]
    assert alerting["excluded_by"] == ["Tenant was added < 7 days ago."]
    assert hub.advance(86000)["offset_seconds"] == 86000  # not due yet: a day after the report
    assert hub.insights() == []
    hub.advance(400)
    assert hub.names() == ["backup_alerting"]
    (instance,) = hub.evaluations()
    (alerting,) = [r for r in instance["rules"] if r["rule"] == "backup_alerting"]
    assert alerting["raised"] and alerting["why"] == "The trigger holds and no exclusion does."


def test_an_evaluation_at_the_same_moment_as_another_leaves_one_open_insight_a_rule(
    hub, monkeypatch
):
    """An evaluation that read before another one committed (the daily one and a report, in
    two workers) does not see what that one wrote: it writes no second open insight for a rule,
    and does not fail on the rule evaluations already there."""
    hub.report({"backup_alarms": 0})
    monkeypatch.setattr("mock_kaseyaone.insights.open_of", lambda session, instance: {})
    monkeypatch.setattr(
        "mock_kaseyaone.insights.recorded_evaluations", lambda session, instance: {}
    )
    answer = hub.report({"backup_alarms": 0, "replication_alarms": 0})
    assert answer.status_code == 200, answer.get_json()
    monkeypatch.undo()
    assert hub.names() == ["backup_alerting", "replication_alerting"]


def test_a_report_without_an_actions_link_keeps_the_one_held(hub):
    hub.report({"scheduled_dca_jobs": 0})
    hub.report({"scheduled_dca_jobs": 0}, links={})  # a module that knows no URL of its own
    (insight,) = hub.insights()
    assert insight["action"]["url"] == LINKS["recovery_assurance"]


def test_a_report_older_than_the_one_held_changes_nothing(hub):
    hub.report({"backup_alarms": 0})
    late = hub.client.put(
        TELEMETRY,
        json={"sequence": 1, "observed_at": MODULE_NOW.isoformat(), "facts": SET_UP},
        auth=hub.credentials,
    )
    assert late.get_json() == {"accepted": False, "sequence": 1}
    assert hub.names() == ["backup_alerting"]


def test_a_report_sent_again_with_its_idempotency_key_is_applied_once(hub):
    body = {"sequence": 5, "observed_at": MODULE_NOW.isoformat(), "facts": SET_UP}
    headers = {"Idempotency-Key": "report-5"}
    first = hub.client.put(TELEMETRY, json=body, auth=hub.credentials, headers=headers)
    again = hub.client.put(TELEMETRY, json=body, auth=hub.credentials, headers=headers)
    assert first.get_json()["accepted"] is True
    assert again.get_json() == first.get_json()  # the kept answer, not "a later one is held"


@pytest.mark.parametrize(
    "auth",
    [None, ("k1c_nobody", "x"), ("client", "wrong"), ("m@acme.test", "pw")],
)
def test_only_a_module_instance_reports_telemetry(hub, auth):
    if auth == ("client", "wrong"):
        auth = (hub.credentials[0], "wrong")
    body = {"sequence": 1, "observed_at": MODULE_NOW.isoformat(), "facts": SET_UP}
    answer = hub.client.put(TELEMETRY, json=body, **({"auth": auth} if auth else {}))
    assert answer.status_code == 401
    assert answer.get_json()["error"] == "invalid_credentials"
    assert hub.evaluations()[0]["telemetry"] is None


def bad(**changes) -> dict:
    body = {"sequence": 1, "observed_at": MODULE_NOW.isoformat(), "facts": dict(SET_UP)}
    body.update(changes)
    return body


@pytest.mark.parametrize(
    "body, field",
    [
        (bad(sequence=0), "sequence"),
        (bad(sequence="1"), "sequence"),
        (bad(sequence=True), "sequence"),
        (bad(sequence=2**31), "sequence"),
        (bad(observed_at="2026-03-01T12:00:00"), "observed_at"),
        (bad(observed_at=None), "observed_at"),
        (bad(facts=None), "facts"),
        (bad(facts=[]), "facts"),
        (bad(facts={**SET_UP, "appliance_names": ["dr-1"]}), "facts"),
        (bad(facts={k: v for k, v in SET_UP.items() if k != "backup_alarms"}), "facts"),
        (bad(facts={**SET_UP, "backup_alarms": "none"}), "facts.backup_alarms"),
        (bad(facts={**SET_UP, "psa_added_at": "soon"}), "facts.psa_added_at"),
        (bad(links=["http://x"]), "links"),
        (bad(links={"made_up_action": "http://x.test"}), "links"),
        (bad(links={"backup_copy": "javascript:alert(1)"}), "links.backup_copy"),
        (bad(links={"backup_copy": "http://x.test/" + "a" * 3000}), "links.backup_copy"),
        (bad(extra=1), None),
    ],
)
def test_a_report_that_is_not_what_the_contract_says_is_refused_whole(hub, body, field):
    answer = hub.client.put(TELEMETRY, json=body, auth=hub.credentials)
    assert answer.status_code == 400, answer.get_data(as_text=True)
    refusal = answer.get_json()
    assert refusal["error"] == "invalid_request" and refusal["message"]
    assert refusal.get("field") == field
    assert hub.evaluations()[0]["telemetry"] is None


@pytest.mark.parametrize("body", [b"not json", b"[1, 2]", b'{"sequence": 1e999}', b"\xff"])
def test_a_report_that_is_not_a_json_object_is_refused(hub, body):
    answer = hub.client.put(
        TELEMETRY, data=body, content_type="application/json", auth=hub.credentials
    )
    assert answer.status_code == 400 and answer.get_json()["error"] == "invalid_request"


def test_a_module_kind_whose_contract_has_no_insights_reports_nothing():
    from dataclasses import replace

    without = replace(AUTOTASK, insights=None)
    config = {"PASSWORD_HASH_METHOD": FAST, "MODULE_CONTRACTS": [without]}
    autotask = Hub(mock_kaseyaone.create_app(config).test_client(), "globex", module="autotask")
    answer = autotask.report()
    assert answer.status_code == 400 and answer.get_json()["error"] == "no_insights"


def test_no_tenant_sees_or_touches_another_tenants_insights(client):
    acme, globex = Hub(client, "acme"), Hub(client, "globex")
    acme.report({"backup_alarms": 0})
    globex.report({"replication_alarms": 0})
    assert acme.names() == ["backup_alerting"] and globex.names() == ["replication_alerting"]
    (theirs,) = globex.insights()
    for method, path in [
        ("get", ""),
        ("post", "/snooze"),
        ("post", "/unsnooze"),
    ]:
        answer = getattr(client, method)(
            f"/api/v1/cooper/insights/{theirs['id']}{path}", auth=acme.master
        )
        assert answer.status_code == 404 and answer.get_json()["error"] == "insight_not_found"
    post_form(client, "/admin/login", {"email": acme.master[0], "password": "pw"})
    assert client.get(f"/cooper/insights/{theirs['id']}").status_code == 404
    assert "replication" not in client.get("/cooper").get_data(as_text=True)
    assert globex.names() == ["replication_alerting"]
    assert [i["module_instance"]["id"] for i in acme.insights()] == [acme.instance["id"]]


def test_removing_the_module_instance_takes_its_insights_with_it(hub):
    hub.report({"backup_alarms": 0})
    hub.client.delete("/api/v1/module/instance", auth=hub.credentials)
    assert hub.insights() == [] and hub.evaluations() == []


MADE_UP = Insights(
    source="Autotask Module",
    facts={"resources_without_security_level": "count"},
    rules=(
        InsightRule(
            key="resources_without_security_level",
            component="Resources",
            name="Some resources have no security level",
            summary="Give every resource a security level.",
            trigger=Clause(
                "Send if a resource has no security level.",
                {"fact": "resources_without_security_level", "op": "gt", "value": 0},
            ),
            exclusions=(),
            action=Action("resources", "Review resources", "Set each resource's level."),
        ),
    ),
)


def test_another_kinds_table_plugs_in_and_the_filter_keeps_to_one_module():
    """Autotask's rules are one more table in its contract, its telemetry one more sender."""
    from dataclasses import replace

    with_insights = replace(AUTOTASK, insights=MADE_UP)
    config = {"PASSWORD_HASH_METHOD": FAST, "MODULE_CONTRACTS": [with_insights]}
    client = mock_kaseyaone.create_app(config).test_client()
    hub = Hub(client, "acme")
    hub.report({"backup_alarms": 0})
    autotask = hub.add_instance("autotask")
    answer = client.put(
        TELEMETRY,
        json={
            "sequence": 1,
            "observed_at": MODULE_NOW.isoformat(),
            "facts": {"resources_without_security_level": 3},
            "links": {"resources": "http://at.test/resources"},
        },
        auth=(autotask["client_id"], autotask["client_secret"]),
    )
    assert answer.get_json()["raised"] == ["resources_without_security_level"]
    assert hub.names() == ["backup_alerting", "resources_without_security_level"]
    assert hub.names(module="uniview") == ["backup_alerting"]
    assert hub.names(module="autotask") == ["resources_without_security_level"]
    listing = client.get(
        "/api/v1/cooper/insights", query_string={"module": "uniview"}, auth=hub.master
    ).get_json()
    assert listing["counts"] == {"todo": 1, "snoozed": 0, "completed": 0}
    assert {m["source"]: m["selected"] for m in listing["modules"]} == {
        "Unitrends Module": True,
        "Autotask Module": False,
    }


def test_cooper_as_a_page_lists_filters_shows_details_and_snoozes(hub):
    hub.report({"scheduled_dca_jobs": 0})
    client = hub.client
    assert client.get("/cooper").status_code == 302  # sign in first
    signed_in = post_form(client, "/admin/login", {"email": hub.master[0], "password": "pw"})
    landing = client.get(signed_in.headers["Location"]).get_data(as_text=True)
    assert 'id="cooper-link" href="/cooper"' in landing  # a master user selects Cooper
    page = client.get("/cooper?list=todo&module=uniview").get_data(as_text=True)
    assert 'id="list-todo" data-count="1"' in page and "Automated backup testing" in page
    assert 'value="uniview" checked' in page and "Unitrends Module" in page
    (insight,) = hub.insights()
    details = client.get(f"/cooper/insights/{insight['id']}").get_data(as_text=True)
    assert f'href="{LINKS["recovery_assurance"]}"' in details
    assert "Setup Recovery Assurance" in details and 'id="snooze"' in details
    page, snooze = f"/cooper/insights/{insight['id']}", f"/cooper/insights/{insight['id']}/snooze"
    assert client.post(snooze).status_code == 403, "a form without the page's token"
    assert post_form(client, page, {}, action=snooze).status_code == 302
    assert hub.names("snoozed") == ["automated_backup_testing"]
    refused = post_form(client, "/cooper", {}, action=snooze)
    assert refused.status_code == 409 and "To Do" in refused.get_data(as_text=True)


def test_the_control_plane_account_of_rules_needs_the_control_token():
    app = mock_kaseyaone.create_app({"PASSWORD_HASH_METHOD": FAST, "SIM_CONTROL_TOKEN": "t0k"})
    client = app.test_client()
    headers = {"Authorization": "Bearer t0k"}
    tenant = client.post("/_sim/tenants", json={}, headers=headers).get_json()["tenant"]["id"]
    assert client.get(f"/_sim/tenants/{tenant}/insights").status_code == 401
    answer = client.get(f"/_sim/tenants/{tenant}/insights", headers=headers)
    assert answer.status_code == 200 and answer.get_json() == {"module_instances": []}
    assert client.get("/_sim/tenants/nope/insights", headers=headers).status_code == 404
