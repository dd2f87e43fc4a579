"""Autotask's KaseyaOne integration as an administrator, a user and KaseyaOne notice it: Admin >
Extensions & Integrations > Kaseya Integrations > KaseyaOne for the Admin security level only
(AT-SEC-1), its settings under the contract's rules with each refusal a clear 4xx, User
Exceptions and the Bypass URL, Require Login and LiveMobile, KaseyaOne's settings pushes; then,
with KaseyaOne served beside it on loopback, adding the integration, provisioning pushes, linking
by email address, the launcher and logout."""

from __future__ import annotations

import pytest
from autotask_support import add_autotask_integration, log_in, make_app, post_form, seed, sign_in

from k1harness.drivers import AutotaskDriver, Browser, KaseyaOneDriver
from k1harness.embedded import start_embedded

API = "/t/acme/api/integrations/kaseyaone"
PAGE = "/t/acme/admin/integrations/kaseyaone"
PUSH = "/t/acme/api/kaseyaone/settings"
TOKEN = "tok"


@pytest.fixture
def app():
    app = make_app()
    seed(app.test_client())
    return app


@pytest.fixture
def admin(app):
    client = app.test_client()
    sign_in(client, "acme", "ada")
    return client


@pytest.fixture
def defaults(app):
    return add_autotask_integration(app, scim_token=TOKEN)


def outbox(client) -> list[dict]:
    """The settings pushes on their way to KaseyaOne (not the telemetry reports)."""
    entries = client.get("/_sim/tenants/acme/outbox").get_json()["entries"]
    return [entry for entry in entries if entry["kind"] == "settings.push"]


def clear_4xx(response, error: str | None = None) -> dict:
    assert 400 <= response.status_code < 500, (response.status_code, response.data[:300])
    body = response.get_json()
    assert set(body) >= {"error", "message"}, body
    if error:
        assert body["error"] == error, body
    return body


# Admin > Extensions & Integrations > Kaseya Integrations > KaseyaOne: Admin only (AT-SEC-1).

CALLS = [
    ("get", API, None),
    ("post", API, {"master_email": "m@x.test", "master_password": "pw"}),
    ("patch", API, {"require_login": True}),
    ("put", f"{API}/exceptions", {"users": ["bob"]}),
    ("delete", f"{API}/exceptions/bob", None),
    ("get", f"{API}/groups", None),
]


@pytest.mark.parametrize("method, path, body", CALLS)
def test_only_a_security_level_with_admin_permission_configures_the_integration(
    app, defaults, method, path, body
):
    anonymous = app.test_client()
    clear_4xx(getattr(anonymous, method)(path, json=body), "unauthorized")
    bob = app.test_client()
    sign_in(bob, "acme", "bob")  # Team Member
    refused = clear_4xx(getattr(bob, method)(path, json=body), "admin_required")
    assert "Admin permission" in refused["message"]
    page = bob.get(PAGE)
    assert page.status_code == 403 and "Admin permission" in page.get_data(as_text=True)


def test_before_it_is_added_the_page_offers_to_add_it_and_the_api_says_so(admin):
    page = admin.get(PAGE).get_data(as_text=True)
    assert 'id="add-integration"' in page and 'name="master_email"' in page
    clear_4xx(admin.get(API), "integration_not_added")
    clear_4xx(admin.patch(API, json={"require_login": True}), "integration_not_added")


@pytest.mark.parametrize(
    "body", [{}, {"master_email": "m@x.test"}, {"master_email": 5, "master_password": "pw"}]
)
def test_adding_it_needs_a_master_users_credentials(admin, body):
    clear_4xx(admin.post(API, json=body), "invalid_request")


def test_kaseyaone_not_answering_is_said_and_nothing_is_added(admin):
    response = admin.post(API, json={"master_email": "m@x.test", "master_password": "pw"})
    assert response.status_code == 502 and response.get_json()["error"] == "kaseyaone_unavailable"
    clear_4xx(admin.get(API), "integration_not_added")


def test_it_is_added_once(admin, defaults):
    body = {"master_email": "m@x.test", "master_password": "pw"}
    clear_4xx(admin.post(API, json=body), "integration_already_added")


# Its settings: the contract's rules, each refusal clear, nothing half-applied.


def test_provisioning_names_each_missing_default(admin, defaults):
    refused = clear_4xx(
        admin.patch(API, json={"automatic_user_provisioning": True}), "required_settings_missing"
    )
    assert refused["fields"] == [
        "default_security_level",
        "default_timesheet_approver",
        "default_department",
        "default_expense_report_approver",
        "default_role",
    ]
    settings = {"automatic_user_provisioning": True, **defaults}
    del settings["default_role"]
    refused = clear_4xx(admin.patch(API, json=settings), "required_settings_missing")
    assert refused["fields"] == ["default_role"] and "Default Role" in refused["message"]
    assert admin.get(API).get_json()["settings"]["automatic_user_provisioning"] is False


@pytest.mark.parametrize(
    "body, field",
    [
        ({"default_security_level": 999}, "default_security_level"),
        ({"default_timesheet_approver": "bob"}, "default_timesheet_approver"),
        ({"require_login": "yes"}, "require_login"),
        ({"access_group_mappings": [{"key": "g1", "value": 999}]}, "access_group_mappings"),
        ({"access_group_mappings": [{"key": "g1"}]}, "access_group_mappings"),
        ({"access_group_mappings": "g1"}, "access_group_mappings"),
    ],
)
def test_a_value_autotask_does_not_offer_is_refused_naming_the_setting(
    admin, defaults, body, field
):
    refused = clear_4xx(admin.patch(API, json=body))
    assert refused.get("field") == field or field in refused.get("fields", []), refused


@pytest.mark.parametrize(
    "kwargs",
    [
        {"json": {"salary": 5}},
        {"json": ["require_login"]},
        {"json": {}},
        {"data": "[" * 100_000, "content_type": "application/json"},
    ],
)
def test_bad_bodies_are_refused_clearly(admin, defaults, kwargs):
    clear_4xx(admin.patch(API, **kwargs))
    assert admin.post(API, data="x", content_type="text/plain").status_code == 415


def test_turning_unified_login_off_turns_the_rest_off_and_locks_it(admin, defaults):
    on = {"automatic_user_provisioning": True, "require_login": True, **defaults}
    assert admin.patch(API, json=on).status_code == 200
    settings = admin.patch(API, json={"unified_login": False}).get_json()["settings"]
    assert not any(settings[k] for k in ("require_login", "automatic_user_provisioning"))
    clear_4xx(admin.patch(API, json={"require_login": True}), "kaseyaone_login_disabled")


def test_each_change_is_a_new_version_pushed_with_autotasks_options(admin, defaults):
    before = admin.get(API).get_json()["version"]
    admin.patch(API, json={"require_login": True})
    after = admin.get(API).get_json()
    assert after["version"] == before + 1 and after["syncing"] is True  # KaseyaOne is nowhere
    (push,) = [e for e in outbox(admin) if e["payload"]["version"] == after["version"]]
    assert push["kind"] == "settings.push" and push["payload"]["settings"]["require_login"]
    levels = {o["label"] for o in push["payload"]["options"]["default_security_level"]}
    assert {"System Administrator", "Team Member", "Manager"} <= levels
    approvers = push["payload"]["options"]["default_timesheet_approver"]
    assert [o["label"] for o in approvers] == ["Ada Lovelace (ada)"]


def test_a_new_security_level_is_offered_to_kaseyaone_at_once(admin, defaults):
    version = admin.get(API).get_json()["version"]
    added = admin.post("/t/acme/api/security-levels", json={"name": "Dispatcher"})
    assert added.status_code == 201
    config = admin.get(API).get_json()
    assert config["version"] == version + 1
    assert "Dispatcher" in {o["label"] for o in config["options"]["default_security_level"]}
    assert outbox(admin)[-1]["payload"]["options"] == config["options"]


# User Exceptions: several at once, all or nothing (AT-REQ-2).


def test_several_exceptions_are_granted_at_once_and_withdrawn_one_by_one(admin, defaults):
    granted = admin.put(f"{API}/exceptions", json={"users": ["bob", "dee"]})
    assert granted.get_json()["exceptions"] == ["bob", "dee"]
    withdrawn = admin.delete(f"{API}/exceptions/bob")
    assert withdrawn.get_json()["exceptions"] == ["dee"]


@pytest.mark.parametrize(
    "body, error",
    [
        ({"users": ["bob", "nobody"]}, "resource_not_found"),
        ({"users": "bob"}, "invalid_request"),
        ({"users": []}, "invalid_request"),
        ({}, "invalid_request"),
    ],
)
def test_a_bad_pick_grants_nobody(admin, defaults, body, error):
    clear_4xx(admin.put(f"{API}/exceptions", json=body), error)
    assert admin.get(API).get_json()["exceptions"] == []


# The page.


def test_the_page_shows_every_section_and_the_bypass_url(admin, defaults):
    page = admin.get(PAGE).get_data(as_text=True)
    for section in (
        "Unified Login",
        "Require Login with KaseyaOne",
        "User Exceptions",
        "Automatic User Provisioning",
        "Access Groups",
        "Bypass URL",
    ):
        assert section in page, section
    bypass = admin.get(API).get_json()["bypass_url"]
    assert f'data-url="{bypass}"' in page
    assert "could not be read" in page  # KaseyaOne is nowhere: the groups are missing, and why


def test_the_page_saves_settings_and_grants_several_exceptions(admin, defaults):
    form = {"action": "settings", "unified_login": "on", "require_login": "on"}
    assert post_form(admin, PAGE, form).status_code == 302
    assert admin.get(API).get_json()["settings"]["require_login"] is True
    picked = post_form(admin, PAGE, {"action": "grant_exceptions", "users": ["bob", "dee"]})
    assert picked.status_code == 302
    assert admin.get(API).get_json()["exceptions"] == ["bob", "dee"]


@pytest.mark.parametrize(
    "form",
    [
        {"action": "explode"},
        {
            "action": "settings",
            "unified_login": "on",
            "access_group_mappings.shown": "1",
            "access_group_mappings.key": "g1",
            "access_group_mappings.value": "1",
            "access_group_mappings.position": "first",
        },
        {"action": "settings", "unified_login": "on", "automatic_user_provisioning": "on"},
        {"action": "grant_exceptions", "users": ["nobody"]},
        {"action": "withdraw_exception", "resource": "9" * 5000},
    ],
)
def test_the_page_refuses_bad_input_readably(admin, defaults, form):
    response = post_form(admin, PAGE, form)
    assert 400 <= response.status_code < 500
    assert 'id="error"' in response.get_data(as_text=True)


def test_the_mapping_is_kept_in_the_order_of_its_positions(admin, defaults):
    levels = admin.get(API).get_json()["options"]["default_security_level"]
    manager = next(o["value"] for o in levels if o["label"] == "Manager")
    full = next(o["value"] for o in levels if o["label"] == "Full Access")
    form = {
        "action": "settings",
        "unified_login": "on",
        "access_groups": "on",
        "access_group_mappings.shown": "1",
        "access_group_mappings.key": ["g-sales", "g-admins", ""],
        "access_group_mappings.value": [str(manager), str(full), ""],
        "access_group_mappings.position": ["2", "1", "3"],
    }
    assert post_form(admin, PAGE, form).status_code == 302
    mapping = admin.get(API).get_json()["settings"]["access_group_mappings"]
    assert mapping == [{"key": "g-admins", "value": full}, {"key": "g-sales", "value": manager}]


# KaseyaOne's settings pushes (Module Management's changes).


def push(client, body, token=TOKEN, **headers):
    return client.put(PUSH, json=body, headers={"Authorization": f"Bearer {token}", **headers})


@pytest.mark.parametrize("token", ["", "wrong"])
def test_only_kaseyaone_pushes_settings(app, defaults, token):
    response = push(app.test_client(), {"version": 9, "settings": {}}, token=token)
    clear_4xx(response, "unauthorized")


def test_a_newer_version_is_applied_and_an_older_one_not(app, admin, defaults):
    client = app.test_client()
    current = admin.get(API).get_json()["version"]
    applied = push(client, {"version": current + 1, "settings": {"require_login": True}})
    assert applied.get_json()["applied"] is True
    assert admin.get(API).get_json()["settings"]["require_login"] is True
    stale = push(client, {"version": current, "settings": {"require_login": False}})
    assert stale.get_json() | {"settings": None} == {
        "applied": False,
        "version": current + 1,
        "settings": None,
    }


@pytest.mark.parametrize(
    "body, error",
    [
        ({"version": "2", "settings": {}}, "invalid_request"),
        ({"version": 2**31, "settings": {}}, "invalid_request"),
        ({"version": 5, "settings": {"salary": 1}}, "invalid_request"),
        ({"version": 5, "settings": {"automatic_user_provisioning": True}}, None),
        (
            {"version": 5, "settings": {"unified_login": False, "require_login": True}},
            "kaseyaone_login_disabled",
        ),
    ],
)
def test_a_document_autotask_cannot_take_is_refused_and_changes_nothing(
    app, admin, defaults, body, error
):
    clear_4xx(push(app.test_client(), body), error)
    assert admin.get(API).get_json()["settings"]["unified_login"] is True


def test_a_push_sent_again_is_applied_once(app, admin, defaults):
    client, key = app.test_client(), {"Idempotency-Key": "k-1"}
    body = {"version": 10, "settings": {"require_login": True}}
    first = push(client, body, **key)
    admin.patch(API, json={"require_login": False})  # version 11, by hand
    again = push(client, body, **key)
    assert again.get_json() == first.get_json()
    assert admin.get(API).get_json()["settings"]["require_login"] is False


# Signing in with Autotask credentials under the integration.


def test_require_login_refuses_credentials_but_for_users_with_an_exception(app, admin, defaults):
    admin.patch(API, json={"require_login": True})
    admin.put(f"{API}/exceptions", json={"users": ["ada"]})
    refused = log_in(app.test_client(), "acme", "bob")
    assert refused.status_code == 403
    assert "Log In with KaseyaOne" in refused.get_data(as_text=True)
    assert log_in(app.test_client(), "acme", "ada").status_code == 302


def bypass(admin) -> str:
    return admin.get(API).get_json()["bypass_url"].removeprefix("http://localhost")


def test_the_bypass_url_is_for_users_with_an_exception_only(app, admin, defaults):
    admin.put(f"{API}/exceptions", json={"users": ["dee"]})
    url = bypass(admin)
    refused = post_form(app.test_client(), url, {"username": "bob", "password": "pw"})
    assert refused.status_code == 403 and "no_user_exception" in refused.get_data(as_text=True)
    wrong = post_form(app.test_client(), url, {"username": "dee", "password": "nope"})
    assert wrong.status_code == 401
    browser = app.test_client()
    assert post_form(browser, url, {"username": "dee", "password": "pw"}).status_code == 302
    assert browser.get("/t/acme/api/session").get_json()["method"] == "bypass"


@pytest.mark.parametrize("token", ["made-up", "x" * 5000])
def test_a_made_up_bypass_url_is_not_found(app, defaults, token):
    assert app.test_client().get(f"/t/acme/login/bypass/{token}").status_code == 404


def test_livemobile_is_refused_while_unified_login_is_on(app, admin):
    body = {"username": "bob", "password": "pw"}
    livemobile = app.test_client()
    assert livemobile.post("/t/acme/livemobile/login", json=body).status_code == 201
    add_autotask_integration(app, scim_token=TOKEN)
    refused = livemobile.post("/t/acme/livemobile/login", json=body)
    assert (refused.status_code, refused.get_json()["error"]) == (403, "livemobile_not_allowed")
    admin.patch(API, json={"unified_login": False})
    assert livemobile.post("/t/acme/livemobile/login", json=body).status_code == 201


def test_log_in_with_kaseyaone_refusals_are_readable_pages(app, admin, defaults):
    browser = app.test_client()
    stray = browser.get("/t/acme/oidc/callback?state=made-up&code=x")
    assert stray.status_code == 400 and "not valid or has expired" in stray.get_data(as_text=True)
    other_hub = browser.get("/t/acme/login/kaseyaone/initiate?iss=https://evil.example")
    assert other_hub.status_code == 400
    admin.patch(API, json={"unified_login": False})
    off = browser.get("/t/acme/login/kaseyaone")
    assert off.status_code == 403 and "Unified Login is off" in off.get_data(as_text=True)
    assert 'id="kaseyaone-login"' not in browser.get("/t/acme/login").get_data(as_text=True)


# With KaseyaOne served beside it.


@pytest.fixture(scope="module")
def simulators():
    embedded = start_embedded(uniview=False)
    yield KaseyaOneDriver(embedded.kaseyaone.url), AutotaskDriver(embedded.autotask.url)
    embedded.stop()


@pytest.fixture
def hub_and_autotask(simulators, request):
    """A KaseyaOne tenant (master m@, users ann@ and ben@) and an Autotask instance with the
    integration added by its administrator, Automatic User Provisioning on."""
    k1, at = simulators
    suffix = request.node.name[-20:].lower().replace("[", "-").replace("]", "")
    domain = f"{abs(hash(request.node.nodeid)) % 10**8}.example"
    hub = k1.create_tenant(
        "Hub " + suffix,
        users=[
            {"email": f"m@{domain}", "name": "M", "password": "pw", "master": True},
            {"email": f"ann@{domain}", "name": "Ann", "password": "pw"},
            {"email": f"ben@{domain}", "name": "Ben", "password": "pw"},
        ],
    )
    tenant = at.create_tenant(
        "Autotask " + suffix,
        departments=["Support"],
        roles=["Technician"],
        resources=[
            {
                "userName": "ada",
                "email": f"ada@{domain}",
                "firstName": "Ada",
                "lastName": "L",
                "password": "pw",
                "securityLevel": "System Administrator",
                "approvesTimesheets": True,
                "approvesExpenses": True,
            },
            # Ben has an Autotask account already, under another user name.
            {
                "userName": "benjamin",
                "email": f"BEN@{domain}",
                "firstName": "Ben",
                "lastName": "B",
                "securityLevel": "Team Member",
            },
        ],
    )["tenant"]["id"]
    admin = Browser(timeout=10)
    at.log_in_with_credentials(admin, tenant, "ada", "pw")
    added = at.add_kaseyaone_integration(admin, tenant, f"m@{domain}", "pw")
    assert added.status == 201, added.body
    options = added.body["options"]
    defaults = {name: options[name][0]["value"] for name in options}
    changed = at.change_integration_settings(
        admin, tenant, automatic_user_provisioning=True, **defaults
    )
    assert changed.ok, changed.body
    users = {u["email"].split("@")[0]: u["id"] for u in hub["users"]}
    master = k1.admin(f"m@{domain}", "pw")
    yield k1, at, hub["tenant"]["id"], tenant, master, users, added.body, admin
    at.delete_tenant(tenant)
    k1.delete_tenant(hub["tenant"]["id"])


def test_adding_it_registers_autotask_with_kaseyaone(hub_and_autotask):
    k1, at, hub, tenant, master, _, added, _ = hub_and_autotask
    (instance,) = master.module_instances().body["module_instances"]
    assert (
        instance["module"] == "autotask" and instance["id"] == added["kaseyaone"]["module_instance"]
    )
    assert instance["redirect_uris"] == [at.tenant_url(tenant, "oidc/callback")]
    assert instance["initiate_login_uri"] == at.tenant_url(tenant, "login/kaseyaone/initiate")
    settings = master.module_settings(instance["id"]).body
    assert settings["settings"]["automatic_user_provisioning"] is True
    assert settings["syncing"] is False


def test_a_grant_provisions_within_the_admin_call(hub_and_autotask):
    """KaseyaOne's provisioning push lands before its admin API answers the grant, with both on
    SQLite files (the push's deliverer once waited on its own write lock there, for the
    database's 30-second timeout)."""
    k1, at, hub, tenant, master, users, added, admin = hub_and_autotask
    k1.timeout = 10
    instance = added["kaseyaone"]["module_instance"]
    granted = master.grant_module_access(instance, users["ann"])
    assert granted.ok and granted.body["pushes"] == 1, granted.body
    (row,) = k1.outbox(hub)
    assert (row["state"], row["attempts"], row["kind"]) == ("delivered", 1, "scim.provision")
    resources = at.resources(admin, tenant).body["resources"]
    (ann,) = [r for r in resources if r["userName"].startswith("ann@")]
    assert (
        ann["kaseyaoneSubject"] == users["ann"] and ann["securityLevel"] == "System Administrator"
    )


def test_a_grant_links_the_resource_with_the_same_email_address(hub_and_autotask):
    k1, at, hub, tenant, master, users, added, admin = hub_and_autotask
    master.grant_module_access(added["kaseyaone"]["module_instance"], users["ben"])
    (row,) = k1.outbox(hub)
    assert row["last_result"] == "linked to the existing account", row
    bens = [
        r
        for r in at.resources(admin, tenant).body["resources"]
        if r["email"].lower().startswith("ben@")
    ]
    assert [(r["userName"], r["kaseyaoneSubject"]) for r in bens] == [("benjamin", users["ben"])]
    pushed = [(e["method"], e["url"]) for e in at.journal(tenant) if "/scim/v2/" in e["url"]]
    assert [method for method, _ in pushed] == ["GET", "GET", "PATCH"]
    assert "filter=emails.value+eq" in pushed[1][1]


def test_signed_in_through_kaseyaone_the_launcher_shows_and_logout_ends_kaseyaones_session(
    hub_and_autotask,
):
    k1, at, hub, tenant, master, users, added, _ = hub_and_autotask
    master.grant_module_access(added["kaseyaone"]["module_instance"], users["ann"])
    email = next(u for u in master.call("GET", "/users").body["users"] if u["id"] == users["ann"])
    browser = Browser(timeout=10)
    signed = at.log_in_with_kaseyaone(browser, tenant, k1, email["email"], "pw")
    assert at.current_session(browser, tenant)["method"] == "kaseyaone", signed.page.text
    launcher = at.launcher(at.home(browser, tenant))
    assert launcher["kind"] == "waffle" and launcher["home"] == k1.url("/")
    assert k1.signed_in_as(k1.home(browser)) == email["email"]
    at.log_out(browser, tenant)
    assert at.current_session(browser, tenant) is None
    assert k1.signed_in_as(k1.home(browser)) is None
