"""What the Autotask simulator's tests share: an application, a tenant seeded through the
control plane with its API user and a few resources (one of them inactive), and forms submitted
as a browser submits them."""

from __future__ import annotations

import re

import mock_autotask
from sim_common.passwords import FAST


def make_app(**config):
    """An Autotask whose KaseyaOne is nowhere (port 9, discard): an integration written into
    its store pushes into the void, and its outbox keeps trying."""
    return mock_autotask.create_app(
        {"PASSWORD_HASH_METHOD": FAST, "KASEYAONE_URL": "http://127.0.0.1:9", **config}
    )


def api_headers(api_user: dict) -> dict:
    return {
        "ApiIntegrationCode": api_user["integrationCode"],
        "UserName": api_user["userName"],
        "Secret": api_user["secret"],
    }


def seed(client, tenant_id: str = "acme", **extra) -> dict:
    """Tenant `tenant_id` with: ada (System Administrator, approves timesheets and expense
    reports), bob (Team Member, approved by ada), cy (inactive), dee (Service Desk User, a last
    name with an underscore); all with password "pw". Answers the control plane's answer."""
    body = {
        "id": tenant_id,
        "name": tenant_id.title(),
        "api_user": {
            "userName": f"api@{tenant_id}.test",
            "secret": f"secret-{tenant_id}",
            "integrationCode": f"CODE-{tenant_id.upper()}",
        },
        "departments": ["Support", {"name": "Projects", "description": "Project delivery"}],
        "roles": ["Technician"],
        "resources": [
            {
                "userName": "ada",
                "email": f"ada@{tenant_id}.test",
                "firstName": "Ada",
                "lastName": "Lovelace",
                "title": "CTO",
                "password": "pw",
                "securityLevel": "System Administrator",
                "approvesTimesheets": True,
                "approvesExpenses": True,
            },
            {
                "userName": "bob",
                "email": f"bob@{tenant_id}.test",
                "firstName": "Bob",
                "lastName": "Builder",
                "password": "pw",
                "securityLevel": "Team Member",
                "department": "Support",
                "role": "Technician",
                "timesheetApprover": "ada",
                "expenseApprover": "ada",
            },
            {
                "userName": "cy",
                "email": "cy@example.org",
                "firstName": "Cy",
                "lastName": "Young",
                "title": "Tech",
                "password": "pw",
                "securityLevel": "Team Member",
                "isActive": False,
            },
            {
                "userName": "dee",
                "email": f"dee@{tenant_id}.test",
                "firstName": "Dee",
                "lastName": "O_Brien",
                "password": "pw",
                "securityLevel": "Service Desk User",
            },
        ],
        **extra,
    }
    response = client.post("/_sim/tenants", json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def form_token(html: str) -> dict:
    """The hidden CSRF field of a page's forms, where it has one."""
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    return {"csrf_token": match.group(1)} if match else {}


def post_form(client, page: str, data: dict, **kwargs):
    """Submit a form shown on `page` back to it, with what the page's form carries."""
    token = form_token(client.get(page).get_data(as_text=True))
    return client.post(page, data={**data, **token}, **kwargs)


def log_in(client, tenant_id: str, user_name: str, password: str = "pw", **kwargs):
    """The login form, submitted: the answer, whatever it is."""
    form = {"username": user_name, "password": password}
    return post_form(client, f"/t/{tenant_id}/login", form, **kwargs)


def sign_in(client, tenant_id: str, user_name: str, password: str = "pw"):
    response = log_in(client, tenant_id, user_name, password)
    assert response.status_code == 302, response.get_data(as_text=True)
    return response


def add_autotask_integration(
    app, tenant_id: str = "acme", *, scim_token: str = "tok", provisioning: bool = False, **settings
):
    """The KaseyaOne integration of `tenant_id` as KaseyaOne would have registered it, written
    straight into the store (no KaseyaOne needed), with its SCIM token; `provisioning` turns
    Automatic User Provisioning on with the seed's defaults (Team Member; ada approves; Support;
    Technician); `settings` changed as an administrator would (the rules hold). Answers the
    defaults' ids."""
    from mock_autotask import integration, organization, resources
    from mock_autotask.models import Tenant

    registration = {
        "id": "inst",
        "tenant": "hub",
        "issuer": "http://hub",
        "client_id": "c",
        "client_secret": "s",
    }
    with app.app_context(), app.extensions["sim_store"].transaction() as session:
        tenant = session.get(Tenant, tenant_id)
        added = integration.add_integration(session, tenant, registration, scim_token)
        ada = resources.get_resource(session, tenant, "ada").id
        defaults = {
            "default_security_level": organization.get_security_level(
                session, tenant, "Team Member"
            ).id,
            "default_timesheet_approver": ada,
            "default_department": organization.get_department(session, tenant, "Support").id,
            "default_expense_report_approver": ada,
            "default_role": organization.get_role(session, tenant, "Technician").id,
        }
        if provisioning:
            settings = {"automatic_user_provisioning": True, **defaults, **settings}
        if settings:
            integration.change_settings(session, added, settings)
        return defaults
