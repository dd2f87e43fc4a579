"""Autotask's SCIM 2.0 service provider (RFC 7643, RFC 7644), as KaseyaOne provisions resources
through it and makes them inactive or active again: first judged by scim2-tester over real HTTP,
then behaviour by behaviour with Flask's test client. Request bodies are built, and answers read,
with scim2-models."""

from __future__ import annotations

import uuid

import pytest
from autotask_support import add_autotask_integration, make_app, seed, sign_in
from scim2_models import Context, ListResponse, Role, User
from scim2_tester import Status
from support import (
    assert_scim2_tester_passed,
    email_user_name,
    find_scim_users,
    read_scim_error,
    read_scim_user,
    scim2_tester_results,
    scim_call,
    scim_user_creation,
    scim_user_patch,
    teach_scim2_tester,
)

from k1harness.embedded import serve

TOKEN = "T0KEN"
TENANT = "acme"
SCIM = f"/t/{TENANT}/scim/v2"
MEDIA_TYPE = "application/scim+json"


@pytest.fixture
def app():
    app = make_app()
    seed(app.test_client())
    return app


@pytest.fixture
def defaults(app):
    return add_autotask_integration(app, scim_token=TOKEN, provisioning=True)


@pytest.fixture
def client(app, defaults):
    return app.test_client()


def call(client, method, path, body=None, *, token=TOKEN, query=None, headers=None):
    """One SCIM request to the instance's service provider (support.scim_call)."""
    authorization = f"Bearer {token}" if token else None
    return scim_call(
        client, method, SCIM + path, body, authorization=authorization, query=query, headers=headers
    )


read_user, read_error = read_scim_user, read_scim_error
creation, patch = scim_user_creation, scim_user_patch


def find(client, filter_: str) -> ListResponse[User]:
    return find_scim_users(call, client, filter_)


def resource(app, ref) -> dict:
    """A resource as Autotask's own API shows it, to an administrator."""
    admin = app.test_client()
    sign_in(admin, TENANT, "ada")
    answer = admin.get(f"/t/{TENANT}/api/resources/{ref}")
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()


def level_id(app, name: str) -> int:
    admin = app.test_client()
    sign_in(admin, TENANT, "ada")
    levels = admin.get(f"/t/{TENANT}/api/security-levels").get_json()["security_levels"]
    return next(level["id"] for level in levels if level["name"] == name)


# 1. scim2-tester, over real HTTP.

# Checks that may legitimately end other than SUCCESS, by (check title, status), with the reason.
DOCUMENTED_EXCEPTIONS: dict[tuple[str, Status], str] = {
    ("object_deletion", Status.ERROR): "Autotask never deletes a resource: DELETE is a 409 "
    "saying to make it inactive (KaseyaOne's contract for Autotask never asks for a delete)",
    ("check_remove_attribute", Status.ERROR): "a resource always has a Security Level: removing "
    "roles is refused (mutability); the tester removes each removable attribute in turn",
}


@pytest.fixture
def autotask_on_loopback(tmp_path):
    holder = {}

    def factory(url):
        holder["app"] = make_app(
            DATABASE_URL=f"sqlite:///{tmp_path / 'autotask.sqlite3'}", PUBLIC_URL=url
        )
        return holder["app"]

    server = serve("autotask", factory)
    try:
        seed(holder["app"].test_client())
        add_autotask_integration(holder["app"], scim_token=TOKEN, provisioning=True)
        yield server, holder["app"]
    finally:
        server.stop()


@pytest.fixture
def kaseyaone_like_values(monkeypatch, autotask_on_loopback):
    """scim2-tester fills every writable attribute with random values. Two of Autotask's take
    only some: a userName KaseyaOne sends is its username, an email address (which a resource
    created over SCIM takes as its email), and a role is one of the instance's Security Levels.
    The tester is taught those two rules and generates every other value itself."""
    _, app = autotask_on_loopback
    levels = [str(level_id(app, name)) for name in ("Team Member", "Manager", "Full Access")]

    def kaseyaone_like(path, value):
        binding = path.resolve()
        model = binding.target_model if binding else path.model
        field = binding.target_field_name if binding else None
        if field == "value" and "role" in model.__name__.lower():
            return levels[uuid.uuid4().int % len(levels)]
        return email_user_name(path, value)

    teach_scim2_tester(monkeypatch, kaseyaone_like)


def test_scim2_tester_finds_no_error(autotask_on_loopback, kaseyaone_like_values):
    server, _ = autotask_on_loopback
    results = scim2_tester_results(f"{server.url}{SCIM}", TOKEN)
    counts, summary = assert_scim2_tester_passed(results, DOCUMENTED_EXCEPTIONS)
    # The whole battery ran: discovery, CRUD, PATCH.
    assert sum(counts.values()) >= 40 and counts["SUCCESS"] >= 38, summary


# 2. Behaviour by behaviour.


@pytest.mark.parametrize("token", [None, "wrong"])
def test_requests_without_the_scim_token_are_refused(client, token):
    response = call(client, "GET", "/Users", token=token)
    assert response.status_code == 401 and read_error(response).status == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_an_instance_without_the_integration_has_no_scim_token_to_accept(app):
    response = call(app.test_client(), "GET", "/Users")
    assert response.status_code == 401
    assert "integration" in read_error(response).detail


def test_kaseyaones_filters_are_answered(client):
    """userName and emails.value ignore case, externalId is exact: how KaseyaOne finds the
    resource it provisioned, or the one with the user's email address (AT-PROV-3)."""
    (bob,) = find(client, 'userName eq "BOB"').resources
    assert bob.user_name == "bob"
    (cy,) = find(client, 'emails.value eq "CY@Example.org"').resources
    assert (cy.user_name, cy.active, cy.emails[0].value) == ("cy", False, "cy@example.org")
    # An address on a reserved domain (RFC 6761), which seeds use, is looked up all the same.
    for filter_ in ('emails.value eq "DEE@acme.test"', 'emails[value eq "dee@ACME.test"]'):
        response = call(client, "GET", "/Users", query={"filter": filter_})
        assert [user["userName"] for user in response.get_json()["Resources"]] == ["dee"]
    call(client, "PATCH", f"/Users/{bob.id}", patch(("replace", "externalId", "k1-Sub-42")))
    assert [u.id for u in find(client, 'externalId eq "k1-Sub-42"').resources] == [bob.id]
    assert find(client, 'externalId eq "k1-sub-42"').total_results == 0


def test_a_created_resource_gets_the_defaults_and_no_password(app, client, defaults):
    """AT-PROV-1: the resource KaseyaOne's push creates has Automatic User Provisioning's
    defaults; its email address is its username; it signs in through KaseyaOne only."""
    response = call(
        client, "POST", "/Users", creation("ann.lee@acme.example", external_id="k1-ann")
    )
    assert response.status_code == 201, response.get_json()
    created = read_user(response, Context.RESOURCE_CREATION_RESPONSE)
    assert response.headers["Location"] == created.meta.location
    assert (created.active, created.external_id) == (True, "k1-ann")
    assert created.roles[0].value == str(defaults["default_security_level"])
    shown = resource(app, created.id)
    assert (shown["firstName"], shown["lastName"], shown["email"]) == (
        "Ann",
        "Lee",
        "ann.lee@acme.example",
    )
    assert shown["securityLevel"] == "Team Member" and not shown["hasPassword"]
    assert (shown["department"], shown["role"]) == ("Support", "Technician")
    assert shown["timesheetApprover"] == shown["expenseApprover"] == "ada"
    assert shown["kaseyaoneSubject"] == "k1-ann"


def test_a_created_resource_gets_the_security_level_its_role_names(app, client):
    manager = level_id(app, "Manager")
    user = creation("max@acme.example", roles=[Role(value=str(manager))])
    created = read_user(call(client, "POST", "/Users", user), Context.RESOURCE_CREATION_RESPONSE)
    assert [role.value for role in created.roles] == [str(manager)]
    assert resource(app, created.id)["securityLevel"] == "Manager"
    # A resource has one Security Level: of several roles, the last one given (by id or name).
    several = [Role(value=str(manager)), Role(value="Full Access")]
    user = creation("mia@acme.example", roles=several)
    created = read_user(call(client, "POST", "/Users", user), Context.RESOURCE_CREATION_RESPONSE)
    assert [role.value for role in created.roles] == [str(level_id(app, "Full Access"))]


@pytest.mark.parametrize(
    ("user", "status", "scim_type"),
    [
        (User(user_name="BOB"), 409, "uniqueness"),
        (User(user_name="x@acme.example", external_id="taken"), 409, "uniqueness"),
        (User(user_name="no-email"), 400, "invalidValue"),
        (User(user_name="x@acme.example", roles=[Role(value="999")]), 400, "invalidValue"),
        (User(user_name="x@acme.example", external_id="k" * 65), 400, "invalidValue"),
    ],
)
def test_a_creation_autotask_cannot_take_is_refused_clearly(client, user, status, scim_type):
    (dee,) = find(client, 'userName eq "dee"').resources
    call(client, "PATCH", f"/Users/{dee.id}", patch(("replace", "externalId", "taken")))
    body = user.model_dump(scim_ctx=Context.RESOURCE_CREATION_REQUEST)
    response = call(client, "POST", "/Users", body)
    assert response.status_code == status, response.get_json()
    assert read_error(response).scim_type == scim_type


def test_without_a_default_security_level_a_creation_says_why(app):
    add_autotask_integration(app, scim_token=TOKEN)  # provisioning off, no defaults
    response = call(app.test_client(), "POST", "/Users", creation("x@acme.example"))
    assert response.status_code == 409
    assert "Default Security Level" in read_error(response).detail


def test_inactive_and_active_again_ending_sessions_at_once(app, client):
    browser = app.test_client()
    sign_in(browser, TENANT, "bob")
    (bob,) = find(client, 'userName eq "bob"').resources
    gone = call(client, "PATCH", f"/Users/{bob.id}", patch(("replace", "active", False)))
    assert read_user(gone, Context.RESOURCE_PATCH_RESPONSE).active is False
    assert browser.get(f"/t/{TENANT}/api/session").status_code == 401
    back = call(client, "PATCH", f"/Users/{bob.id}", patch(("replace", "active", True)))
    assert read_user(back, Context.RESOURCE_PATCH_RESPONSE).active is True
    assert resource(app, bob.id)["isActive"] is True


def test_a_patch_of_roles_sets_the_security_level(app, client):
    (bob,) = find(client, 'userName eq "bob"').resources
    manager = level_id(app, "Manager")
    body = patch(("replace", "roles", [Role(value=str(manager))]))
    patched = read_user(call(client, "PATCH", f"/Users/{bob.id}", body), Context.DEFAULT)
    assert [role.value for role in patched.roles] == [str(manager)]
    assert resource(app, bob.id)["securityLevel"] == "Manager"


@pytest.mark.parametrize(
    "operation",
    [
        ("replace", "name.givenName", "Robert"),
        ("replace", "emails", [{"value": "other@acme.example", "primary": True}]),
        ("remove", "roles", None),
        ("remove", "active", None),
    ],
)
def test_what_autotask_keeps_or_cannot_do_without_is_not_patched(app, client, operation):
    (bob,) = find(client, 'userName eq "bob"').resources
    response = call(client, "PATCH", f"/Users/{bob.id}", patch(operation))
    assert response.status_code == 400
    assert read_error(response).scim_type == "mutability"
    assert resource(app, bob.id)["firstName"] == "Bob"


def test_a_replacement_keeps_the_status_and_level_it_does_not_mention(app, client):
    (bob,) = find(client, 'userName eq "bob"').resources
    call(client, "PATCH", f"/Users/{bob.id}", patch(("replace", "active", False)))
    body = User(user_name="bob", external_id="k1-bob").model_dump(
        scim_ctx=Context.RESOURCE_REPLACEMENT_REQUEST
    )
    replaced = read_user(call(client, "PUT", f"/Users/{bob.id}", body))
    assert (replaced.active, replaced.external_id) == (False, "k1-bob")
    assert resource(app, bob.id)["securityLevel"] == "Team Member"


def test_resources_are_never_deleted(app, client):
    (bob,) = find(client, 'userName eq "bob"').resources
    response = call(client, "DELETE", f"/Users/{bob.id}")
    assert response.status_code == 409
    assert "inactive" in read_error(response).detail
    assert resource(app, bob.id)["isActive"] is True
    assert call(client, "DELETE", "/Users/999999").status_code == 404


def test_a_push_sent_again_with_its_idempotency_key_is_applied_once(app, client):
    (bob,) = find(client, 'userName eq "bob"').resources
    once = {"Idempotency-Key": "push-1"}
    body = patch(("replace", "active", False))
    first = call(client, "PATCH", f"/Users/{bob.id}", body, headers=once)
    call(client, "PATCH", f"/Users/{bob.id}", patch(("replace", "active", True)))  # by hand
    again = call(client, "PATCH", f"/Users/{bob.id}", body, headers=once)
    assert (again.status_code, again.get_json()) == (200, first.get_json())
    assert resource(app, bob.id)["isActive"] is True
    journal = client.get(f"/_sim/tenants/{TENANT}/journal").get_json()["entries"]
    patched = [e["detail"] for e in journal if e["method"] == "PATCH"]
    assert patched[-1] == {"idempotent_replay": True}


def test_the_journal_says_which_attributes_each_push_carried(client):
    """What AT-DATA-1's scenario reads: the attributes of a push's body, not their values."""
    call(client, "POST", "/Users", creation("ann@acme.example", external_id="k1-ann"))
    (ann,) = find(client, 'userName eq "ann@acme.example"').resources
    call(client, "PATCH", f"/Users/{ann.id}", patch(("replace", "active", False)))
    call(client, "PATCH", f"/Users/{ann.id}", patch(("replace", None, {"externalId": "k1-x"})))
    journal = client.get(f"/_sim/tenants/{TENANT}/journal").get_json()["entries"]
    carried = [e["detail"] for e in journal if e["method"] in ("POST", "PATCH")]
    assert carried == [
        {"attributes": ["externalId", "userName"]},
        {"attributes": ["active"]},
        {"attributes": ["externalId"]},
    ]


@pytest.mark.parametrize(
    ("method", "body", "scim_type"),
    [
        ("POST", b'{"userName": ', "invalidSyntax"),
        ("POST", b"[]", "invalidSyntax"),
        ("POST", b"", "invalidSyntax"),
        ("POST", b'{"userName": 42}', "invalidValue"),
        ("PATCH", b'{"Operations": [{"op": "replace", "path": "active"', "invalidSyntax"),
        (
            "PATCH",
            b'{"Operations": [{"op": "replace", "path": "active", "value": "maybe"}]}',
            "invalidValue",
        ),
        ("PUT", b'{"displayName": "no userName"}', "invalidValue"),
    ],
)
def test_a_malformed_body_is_a_400(client, method, body, scim_type):
    (bob,) = find(client, 'userName eq "bob"').resources
    path = "/Users" if method == "POST" else f"/Users/{bob.id}"
    response = call(client, method, path, body)
    assert response.status_code == 400, response.get_json()
    assert read_error(response).scim_type == scim_type


@pytest.mark.parametrize("method", ["GET", "PUT", "PATCH", "DELETE"])
@pytest.mark.parametrize("user_id", ["no-such-id", "0", "99999999999999999999", "-1"])
def test_an_unknown_id_is_a_scim_404(client, method, user_id):
    body = {
        "PUT": User(user_name="x@acme.example").model_dump(
            scim_ctx=Context.RESOURCE_REPLACEMENT_REQUEST
        ),
        "PATCH": patch(("replace", "active", False)),
    }.get(method)
    response = call(client, method, f"/Users/{user_id}", body)
    assert response.status_code == 404
    assert read_error(response).status == 404


def test_another_instances_resource_is_not_found(app, client):
    other = seed(app.test_client(), "other")
    (elsewhere,) = [r for r in other["resources"] if r["userName"] == "bob"]
    assert call(client, "GET", f"/Users/{elsewhere['id']}").status_code == 404
