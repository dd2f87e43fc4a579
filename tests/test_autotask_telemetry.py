"""Autotask's telemetry to KaseyaOne (mock_autotask.telemetry, AT-INS-1): what its Cooper insights
read, reported only once the integration is added, again when a change moves a fact (the
integration's settings, in Autotask or pushed from KaseyaOne; resources and their approvers)
and not when it does not, daily on the tenant's clock, flags and counts rather than names, with
a link to the Autotask page where each action is taken; and that page, the Approvers table of
Admin > Resources, where a person resolves the approver insights (never a 500)."""

from __future__ import annotations

import json

import pytest
import responses
from autotask_support import add_autotask_integration, make_app, post_form, seed, sign_in

from mock_autotask.telemetry import ACTION_PAGES
from module_contracts.autotask import INSIGHTS

HUB = "http://hub.test"
TELEMETRY = f"{HUB}/api/v1/module/telemetry"
PUBLIC = "http://at.test"
RESOURCES_PAGE = "/t/acme/admin/resources"
INTEGRATION_API = "/t/acme/api/integrations/kaseyaone"


@pytest.fixture
def app():
    app = make_app(PUBLIC_URL=PUBLIC, KASEYAONE_URL=HUB)
    seed(app.test_client())
    return app


@pytest.fixture
def admin(app):
    """Signed in as root, a second System Administrator: ada, who approves, may be made
    inactive."""
    client = app.test_client()
    sign_in(client, "acme", "ada")
    root = {
        "userName": "root",
        "email": "root@acme.test",
        "firstName": "Root",
        "lastName": "Admin",
        "password": "pw",
        "securityLevel": "System Administrator",
    }
    assert client.post("/t/acme/api/resources", json=root).status_code == 201
    client = app.test_client()
    sign_in(client, "acme", "root")
    return client


def reports(client) -> list[dict]:
    entries = client.get("/_sim/tenants/acme/outbox").get_json()["entries"]
    return [entry["payload"] for entry in entries if entry["kind"] == "telemetry.report"]


def last_facts(client) -> dict:
    return reports(client)[-1]["facts"]


def resource_id(client, user_name: str) -> int:
    return client.get(f"/t/acme/api/resources/{user_name}").get_json()["id"]


def test_the_contracts_actions_each_have_an_autotask_page():
    assert set(ACTION_PAGES) == INSIGHTS.action_keys


NOTHING_WRONG = {
    "automatic_user_provisioning": True,
    "default_security_level_has_admin_permission": False,
    "access_groups": True,
    "access_group_mappings": 1,
    "active_resources_with_inactive_timesheet_approver": 0,
    "active_resources_with_inactive_expense_approver": 0,
}


@pytest.mark.parametrize(
    "facts, raised",
    [
        ({}, []),
        ({"default_security_level_has_admin_permission": True}, ["admin_default_security_level"]),
        (
            {
                "default_security_level_has_admin_permission": True,
                "automatic_user_provisioning": False,
            },
            [],
        ),
        ({"access_group_mappings": 0}, ["access_groups_unmapped"]),
        ({"access_group_mappings": 0, "access_groups": False}, []),
        ({"active_resources_with_inactive_timesheet_approver": 2}, ["inactive_timesheet_approver"]),
        ({"active_resources_with_inactive_expense_approver": 1}, ["inactive_expense_approver"]),
    ],
)
def test_each_insight_is_raised_exactly_when_its_condition_holds(facts, raised):
    from datetime import datetime

    checked = INSIGHTS.check_facts({**NOTHING_WRONG, **facts})
    verdicts = INSIGHTS.evaluate(checked, datetime(2026, 3, 1))
    assert [verdict.rule.key for verdict in verdicts if verdict.raised] == raised


def test_no_report_without_the_integration_then_one_when_it_is_added(app, admin):
    admin.patch("/t/acme/api/resources/bob", json={"title": "Engineer"})
    assert reports(admin) == []
    add_autotask_integration(app)
    (report,) = reports(admin)
    assert report["sequence"] == 1 and set(report["facts"]) == set(INSIGHTS.facts)
    assert report["facts"] == {
        "automatic_user_provisioning": False,
        "default_security_level_has_admin_permission": False,
        "access_groups": False,
        "access_group_mappings": 0,
        "active_resources_with_inactive_timesheet_approver": 0,
        "active_resources_with_inactive_expense_approver": 0,
    }
    assert report["links"] == {
        "default_security_level": f"{PUBLIC}/t/acme/admin/integrations/kaseyaone"
        "#default_security_level",
        "access_group_mappings": f"{PUBLIC}/t/acme/admin/integrations/kaseyaone"
        "#access_group_mappings",
        "timesheet_approvers": f"{PUBLIC}/t/acme/admin/resources#approvers",
        "expense_approvers": f"{PUBLIC}/t/acme/admin/resources#approvers",
    }


def test_each_link_opens_a_page_with_its_anchor(app, admin):
    add_autotask_integration(app)
    for link in reports(admin)[0]["links"].values():
        path, anchor = link.removeprefix(PUBLIC).split("#")
        page = admin.get(path)
        assert page.status_code == 200 and f'id="{anchor}"' in page.get_data(as_text=True)


def test_an_admin_default_security_level_is_reported_and_nothing_that_names_it(app, admin):
    add_autotask_integration(app, provisioning=True)
    assert last_facts(admin)["automatic_user_provisioning"] is True
    assert last_facts(admin)["default_security_level_has_admin_permission"] is False
    levels = admin.get("/t/acme/api/security-levels").get_json()["security_levels"]
    full_access = next(level["id"] for level in levels if level["name"] == "Full Access")
    answer = admin.patch(INTEGRATION_API, json={"default_security_level": full_access})
    assert answer.status_code == 200, answer.get_json()
    assert last_facts(admin)["default_security_level_has_admin_permission"] is True
    sent = json.dumps(reports(admin))
    assert "Full Access" not in sent and "ada" not in sent and "@acme.test" not in sent


def test_access_groups_and_their_mapping_are_counted(app, admin):
    add_autotask_integration(app)
    admin.patch(INTEGRATION_API, json={"access_groups": True})
    assert last_facts(admin)["access_groups"] is True
    assert last_facts(admin)["access_group_mappings"] == 0
    mapping = [{"key": "k1-group-1", "value": 5}, {"key": "k1-group-2", "value": 3}]
    assert admin.patch(INTEGRATION_API, json={"access_group_mappings": mapping}).status_code == 200
    assert last_facts(admin)["access_group_mappings"] == 2
    assert "k1-group" not in json.dumps(reports(admin))


def test_a_change_that_moves_no_fact_sends_no_report(app, admin):
    add_autotask_integration(app)
    before = len(reports(admin))
    admin.patch("/t/acme/api/resources/bob", json={"title": "Engineer"})
    admin.post("/t/acme/api/departments", json={"name": "Sales"})
    admin.patch(INTEGRATION_API, json={"require_login": True})
    assert len(reports(admin)) == before


def test_an_inactive_approver_is_reported_until_it_is_active_again(app, admin):
    add_autotask_integration(app)
    admin.patch("/t/acme/api/resources/ada", json={"isActive": False})
    facts = last_facts(admin)
    # bob, active, has ada for both; cy, inactive, is not counted.
    assert facts["active_resources_with_inactive_timesheet_approver"] == 1
    assert facts["active_resources_with_inactive_expense_approver"] == 1
    admin.patch("/t/acme/api/resources/ada", json={"isActive": True})
    facts = last_facts(admin)
    assert facts["active_resources_with_inactive_timesheet_approver"] == 0
    assert facts["active_resources_with_inactive_expense_approver"] == 0


def test_kaseyaone_pushing_settings_that_move_a_fact_sends_a_report(app, admin):
    add_autotask_integration(app, scim_token="tok")
    settings = admin.get(INTEGRATION_API).get_json()
    pushed = {**settings["settings"], "access_groups": True}
    answer = app.test_client().put(
        "/t/acme/api/kaseyaone/settings",
        json={"version": settings["version"] + 1, "settings": pushed},
        headers={"Authorization": "Bearer tok"},
    )
    assert answer.status_code == 200, answer.get_json()
    assert last_facts(admin)["access_groups"] is True


def test_a_report_is_delivered_to_kaseyaone_and_again_daily(app, admin):
    with responses.RequestsMock() as mock:
        mock.put(f"{HUB}/api/v1/module/settings", json={"applied": True})
        mock.put(TELEMETRY, json={"accepted": True})
        add_autotask_integration(app, scim_token="tok")
        admin.post("/_sim/tenants/acme/clock/advance", json={"seconds": 86400})
        sent = [json.loads(c.request.body) for c in mock.calls if c.request.url == TELEMETRY]
    assert [report["sequence"] for report in sent] == [1, 2]
    assert sent[0]["facts"] == sent[1]["facts"]  # the daily one: nothing changed
    assert all(
        not entry["failing"] for entry in admin.get("/_sim/tenants/acme/outbox").json["entries"]
    )


# The Approvers table, where the approver insights lead.


def approvers_row(page: str, resource: int) -> str:
    start = page.index(f'id="approvers-of-{resource}"')
    return page[start : page.index("</tr>", start)]


def test_the_approvers_table_marks_who_waits_and_takes_an_active_approver(app, admin):
    add_autotask_integration(app)
    bob, dee, ada = (resource_id(admin, name) for name in ("bob", "dee", "ada"))
    admin.patch("/t/acme/api/resources/dee", json={"approvesTimesheets": True})
    admin.patch("/t/acme/api/resources/ada", json={"isActive": False})
    page = admin.get(RESOURCES_PAGE).get_data(as_text=True)
    row = approvers_row(page, bob)
    assert 'data-waiting="timesheets expense-reports"' in row and "inactive" in row
    assert 'data-waiting=""' in approvers_row(page, dee)
    assert f'id="approvers-of-{ada}"' not in page, "only active resources are listed"
    # Bob gets dee for his timesheets; his expense approver, still ada, is left as it is.
    answer = post_form(
        admin,
        RESOURCES_PAGE,
        {"action": "approvers", "resource": bob, "timesheetApprover": dee, "expenseApprover": ada},
    )
    assert answer.status_code == 302, answer.get_data(as_text=True)
    shown = admin.get("/t/acme/api/resources/bob").get_json()
    assert (shown["timesheetApprover"], shown["expenseApprover"]) == ("dee", "ada")
    facts = last_facts(admin)
    assert facts["active_resources_with_inactive_timesheet_approver"] == 0
    assert facts["active_resources_with_inactive_expense_approver"] == 1
    row = approvers_row(admin.get(RESOURCES_PAGE).get_data(as_text=True), bob)
    assert 'data-waiting="expense-reports"' in row
    # No approver at all is a choice too.
    post_form(
        admin, RESOURCES_PAGE, {"action": "approvers", "resource": bob, "expenseApprover": ""}
    )
    assert admin.get("/t/acme/api/resources/bob").get_json()["expenseApprover"] is None
    assert last_facts(admin)["active_resources_with_inactive_expense_approver"] == 0


@pytest.mark.parametrize(
    "values, status, says",
    [
        ({"timesheetApprover": "cy"}, 400, "does not approve timesheets"),
        ({"timesheetApprover": "999999"}, 404, "no resource"),
        ({"timesheetApprover": "x" * 300}, 404, "no resource"),
        ({"resource": "nobody", "timesheetApprover": ""}, 404, "no resource"),
    ],
)
def test_a_wrong_approver_is_refused_on_the_page(app, admin, values, status, says):
    bob = resource_id(admin, "bob")
    answer = post_form(admin, RESOURCES_PAGE, {"action": "approvers", "resource": bob, **values})
    assert answer.status_code == status
    page = answer.get_data(as_text=True)
    assert 'id="error"' in page and says in page.lower(), page[:2000]
    assert admin.get("/t/acme/api/resources/bob").get_json()["timesheetApprover"] == "ada"


def test_an_inactive_resource_cannot_be_made_an_approver_on_the_page(app, admin):
    cy = resource_id(admin, "cy")
    admin.patch("/t/acme/api/resources/cy", json={"isActive": True, "approvesTimesheets": True})
    admin.patch("/t/acme/api/resources/cy", json={"isActive": False})
    bob = resource_id(admin, "bob")
    answer = post_form(
        admin, RESOURCES_PAGE, {"action": "approvers", "resource": bob, "timesheetApprover": cy}
    )
    assert answer.status_code == 400 and "inactive" in answer.get_data(as_text=True)
