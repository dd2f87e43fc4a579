"""Signing in to the simulated Autotask — the login page and LiveMobile — and Admin > Resources,
as a person or a program would notice them: wrong passwords and inactive resources refused in
words, inactive resources signed out at once and never deleted, Admin for the Admin security
level only."""

from __future__ import annotations

import pytest
from autotask_support import log_in, make_app, post_form, seed, sign_in

import mock_autotask.sign_in


@pytest.fixture
def app():
    app = make_app()
    app.seeded = seed(app.test_client())
    return app


@pytest.fixture
def client(app):
    client = app.test_client()
    client.seeded = app.seeded
    client.ids = {r["userName"]: r["id"] for r in client.seeded["resources"]}
    return client


def test_the_login_page_asks_for_autotask_credentials(client):
    page = client.get("/t/acme/login").get_data(as_text=True)
    assert 'name="username"' in page and 'name="password"' in page


def test_autotask_credentials_sign_a_resource_in(client):
    response = sign_in(client, "acme", "ADA")  # the username in any case
    assert response.headers["Location"] == "/t/acme/"
    home = client.get("/t/acme/").get_data(as_text=True)
    assert 'data-username="ada"' in home and "System Administrator" in home
    assert client.get("/t/acme/api/session").get_json()["resource"]["userName"] == "ada"


@pytest.mark.parametrize("user_name, password", [("ada", "wrong"), ("nobody", "pw"), ("ada", "")])
def test_wrong_credentials_are_refused_with_the_same_readable_message(client, user_name, password):
    page = log_in(client, "acme", user_name, password)
    assert page.status_code == 401
    assert "The username or password is wrong." in page.get_data(as_text=True)
    assert client.get_cookie("at_session", path="/t/acme/") is None


def test_an_inactive_resource_is_refused_and_told_why(client):
    page = log_in(client, "acme", "cy", "pw")
    assert page.status_code == 403
    assert "Your Autotask account is inactive" in page.get_data(as_text=True)
    program = log_in(client, "acme", "cy", headers={"Accept": "application/json"})
    assert program.get_json()["error"] == "resource_inactive"


def test_the_inactive_message_needs_the_right_password(client):
    page = log_in(client, "acme", "cy", "wrong")
    assert page.status_code == 401 and "account is inactive" not in page.get_data(as_text=True)


def test_failed_passwords_are_throttled_on_the_login_page_and_in_livemobile(real_time_held):
    app = make_app(LOGIN_THROTTLE={"max_failures": 2, "lockout_seconds": 60})
    client = app.test_client()
    seed(client)
    assert log_in(client, "acme", "ada", "wrong").status_code == 401
    phone = client.post("/t/acme/livemobile/login", json={"username": "ada", "password": "no"})
    assert phone.status_code == 401
    locked = log_in(client, "acme", "ada", "pw")
    assert locked.status_code == 429 and locked.headers["Retry-After"] == "60"
    assert "Try again in 1 minute" in locked.get_data(as_text=True)
    phone = client.post("/t/acme/livemobile/login", json={"username": "ada", "password": "pw"})
    assert phone.status_code == 429 and phone.get_json()["error"] == "too_many_attempts"
    client.post("/_sim/tenants/acme/clock/advance", json={"seconds": 61})
    sign_in(client, "acme", "ada")


def admin(app):
    admin = app.test_client()
    sign_in(admin, "acme", "ada")
    return admin


def test_making_a_resource_inactive_signs_it_out_everywhere_and_keeps_it(app, client):
    sign_in(client, "acme", "bob")
    phone = client.post("/t/acme/livemobile/login", json={"username": "bob", "password": "pw"})
    token = phone.get_json()["token"]
    bearer = {"Authorization": f"Bearer {token}"}
    assert client.get("/t/acme/livemobile/me", headers=bearer).status_code == 200
    changed = admin(app).patch(
        f"/t/acme/api/resources/{client.ids['bob']}", json={"isActive": False}
    )
    assert changed.get_json()["isActive"] is False
    assert client.get("/t/acme/api/session").status_code == 401
    assert client.get("/t/acme/livemobile/me", headers=bearer).status_code == 401
    again = log_in(client, "acme", "bob", "pw")
    assert again.status_code == 403
    listed = admin(app).get("/t/acme/api/resources").get_json()["resources"]
    assert [r["isActive"] for r in listed if r["userName"] == "bob"] == [False]
    admin(app).patch(f"/t/acme/api/resources/{client.ids['bob']}", json={"isActive": True})
    sign_in(client, "acme", "bob")


def test_a_session_ends_when_its_time_is_up_on_the_tenants_clock(client):
    sign_in(client, "acme", "bob")
    client.post("/_sim/tenants/acme/clock/advance", json={"seconds": 8 * 3600 - 60})
    assert client.get("/t/acme/api/session").status_code == 200
    client.post("/_sim/tenants/acme/clock/advance", json={"seconds": 120})
    assert client.get("/t/acme/api/session").status_code == 401


def test_livemobile_signs_in_with_autotask_credentials(client):
    response = client.post("/t/acme/livemobile/login", json={"username": "dee", "password": "pw"})
    assert response.status_code == 201
    body = response.get_json()
    assert body["token_type"] == "Bearer" and body["resource"]["userName"] == "dee"
    me = client.get("/t/acme/livemobile/me", headers={"Authorization": f"Bearer {body['token']}"})
    assert me.get_json()["resource"]["email"] == "dee@acme.test"


@pytest.mark.parametrize(
    "credentials, status, error",
    [
        ({"username": "dee", "password": "wrong"}, 401, "invalid_credentials"),
        ({"username": "cy", "password": "pw"}, 403, "resource_inactive"),
        ({"username": ["dee"], "password": "pw"}, 401, "invalid_credentials"),
        ({}, 401, "invalid_credentials"),
    ],
)
def test_livemobile_refuses_in_json(client, credentials, status, error):
    response = client.post("/t/acme/livemobile/login", json=credentials)
    assert response.status_code == status
    assert response.get_json()["error"] == error


def test_a_livemobile_token_is_needed_and_only_livemobiles(client):
    assert client.get("/t/acme/livemobile/me").status_code == 401
    sign_in(client, "acme", "ada")
    cookie = client.get_cookie("at_session", path="/t/acme/").value
    other = client.get("/t/acme/livemobile/me", headers={"Authorization": f"Bearer {cookie}"})
    assert other.status_code == 401


def test_livemobile_is_refused_whenever_the_hook_says_so(client, monkeypatch):
    """LiveMobile asks livemobile_allowed first (AT-SSO-2: False while Unified Login is on;
    test_autotask_integration checks that), before any password is checked."""
    monkeypatch.setattr(mock_autotask.sign_in, "livemobile_allowed", lambda tenant: False)
    response = client.post("/t/acme/livemobile/login", json={"username": "dee", "password": "pw"})
    assert response.status_code == 403
    assert response.get_json()["error"] == "livemobile_not_allowed"
    assert log_in(client, "acme", "dee", "pw").status_code == 302


def test_admin_pages_list_every_resource_inactive_ones_included(app, client):
    page = admin(app).get("/t/acme/admin/resources").get_data(as_text=True)
    for user_name in ("ada", "bob", "cy", "dee"):
        assert f"<td>{user_name}</td>" in page
    assert f'data-resource="{client.ids["cy"]}" data-active="false"' in page


def test_admin_needs_a_security_level_with_admin_permission(client):
    assert client.get("/t/acme/admin/resources").status_code == 401
    assert client.get("/t/acme/api/resources").status_code == 401
    sign_in(client, "acme", "bob")  # Team Member
    page = client.get("/t/acme/admin/resources")
    assert page.status_code == 403 and "Admin permission" in page.get_data(as_text=True)
    assert client.get("/t/acme/api/resources").get_json()["error"] == "admin_required"


def test_an_admin_adds_a_resource_and_makes_it_inactive_and_active_again_on_the_page(app):
    browser = admin(app)
    levels = browser.get("/t/acme/api/security-levels").get_json()["security_levels"]
    team_member = next(level["id"] for level in levels if level["name"] == "Team Member")
    added = post_form(
        browser,
        "/t/acme/admin/resources",
        {
            "action": "add",
            "userName": "eve",
            "email": "eve@acme.test",
            "firstName": "Eve",
            "lastName": "Adams",
            "password": "pw",
            "securityLevel": str(team_member),
        },
    )
    assert added.status_code == 302
    eve = browser.get("/t/acme/api/resources/eve").get_json()
    assert eve["securityLevel"] == "Team Member" and eve["hasPassword"]
    post_form(browser, "/t/acme/admin/resources", {"action": "inactivate", "resource": eve["id"]})
    refused = log_in(app.test_client(), "acme", "eve", "pw")
    assert refused.status_code == 403
    post_form(browser, "/t/acme/admin/resources", {"action": "activate", "resource": eve["id"]})
    sign_in(app.test_client(), "acme", "eve")


def test_a_refused_form_shows_why_and_keeps_what_was_typed(app):
    page = post_form(
        admin(app),
        "/t/acme/admin/resources",
        {
            "action": "add",
            "userName": "ada",
            "email": "ada2@acme.test",
            "firstName": "Ada",
            "lastName": "Again",
            "securityLevel": "1",
        },
    )
    assert page.status_code == 409
    text = page.get_data(as_text=True)
    assert "already exists" in text and 'value="ada2@acme.test"' in text


def test_security_levels_start_with_autotasks_system_levels(app):
    levels = admin(app).get("/t/acme/api/security-levels").get_json()["security_levels"]
    by_name = {level["name"]: level for level in levels}
    assert by_name["System Administrator"]["admin"] is True
    lower = [level for level in levels if not level["admin"]]
    assert {"Team Member", "Service Desk User", "Co-managed Help Desk"} <= {
        level["name"] for level in lower
    }


@pytest.mark.parametrize(
    "kind, body, key",
    [
        (
            "security-levels",
            {"name": "Dispatcher", "licenseType": "Team Member"},
            "security_levels",
        ),
        ("departments", {"name": "Sales", "description": "Selling"}, "departments"),
        ("roles", {"name": "Engineer"}, "roles"),
    ],
)
def test_an_admin_adds_security_levels_departments_and_roles(app, kind, body, key):
    browser = admin(app)
    added = browser.post(f"/t/acme/api/{kind}", json=body)
    assert added.status_code == 201
    listed = browser.get(f"/t/acme/api/{kind}").get_json()[key]
    assert added.get_json() in listed
    again = browser.post(f"/t/acme/api/{kind}", json={**body, "name": body["name"].upper()})
    assert again.status_code == 409


def test_a_resource_gets_its_department_role_and_approvers(app, client):
    browser = admin(app)
    added = browser.post(
        "/t/acme/api/resources",
        json={
            "userName": "fay",
            "email": "fay@acme.test",
            "firstName": "Fay",
            "lastName": "Ng",
            "securityLevel": "Service Desk User",
            "department": "projects",
            "role": client.seeded["roles"][0]["id"],
            "timesheetApprover": "ada",
            "expenseApprover": client.ids["ada"],
        },
    )
    assert added.status_code == 201, added.get_json()
    fay = added.get_json()
    assert (fay["department"], fay["role"]) == ("Projects", "Technician")
    assert (fay["timesheetApprover"], fay["expenseApprover"]) == ("ada", "ada")
    assert fay["hasPassword"] is False
    not_an_approver = browser.patch("/t/acme/api/resources/fay", json={"timesheetApprover": "bob"})
    assert not_an_approver.status_code == 400
    busy = browser.patch("/t/acme/api/resources/ada", json={"approvesTimesheets": False})
    assert busy.status_code == 409
    assert browser.get("/t/acme/api/resources/ada").get_json()["approvesTimesheets"] is True


def test_the_top_approver_approves_its_own_timesheets_and_expense_reports(app):
    top = {"timesheetApprover": "ada", "expenseApprover": "ada"}
    changed = admin(app).patch("/t/acme/api/resources/ada", json=top)
    assert changed.status_code == 200, changed.get_json()
    assert (changed.get_json()["timesheetApprover"], changed.get_json()["expenseApprover"]) == (
        "ada",
        "ada",
    )


def test_resources_are_never_deleted(app, client):
    browser = admin(app)
    response = browser.delete(f"/t/acme/api/resources/{client.ids['bob']}")
    assert response.status_code == 405
    assert response.headers["Allow"] == "GET, PATCH"
    assert response.get_json()["error"] == "resources_are_never_deleted"
    assert browser.get(f"/t/acme/api/resources/{client.ids['bob']}").status_code == 200
