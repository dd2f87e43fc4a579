"""KaseyaOne's Module Management as a person uses it: sign in as a master user, open the UniView
instance, Edit, Review, confirm where needed, Confirm (UV-SYNC-2/3/4)."""

import re

import pytest
from support import post_form

import mock_kaseyaone
from sim_common.passwords import FAST


@pytest.fixture
def hub():
    app = mock_kaseyaone.create_app({"PASSWORD_HASH_METHOD": FAST})
    client = app.test_client()
    client.post(
        "/_sim/tenants",
        json={
            "users": [
                {"email": "m@acme.test", "name": "Mia", "password": "pw", "master": True},
                {"email": "u@acme.test", "name": "Uli", "password": "pw"},
            ]
        },
    )
    instance = client.post(
        "/api/v1/module-instances",
        auth=("m@acme.test", "pw"),
        json={"module": "uniview", "name": "UniView Acme", "redirect_uris": ["http://uv/cb"]},
    ).get_json()
    return client, instance["id"]


def sign_in(client, email):
    return post_form(client, "/admin/login", {"email": email, "password": "pw"})


def submit(client, instance, step, form):
    """Review or Confirm, with the CSRF token of the module's Edit page."""
    page = f"/admin/modules/{instance}?edit=1"
    return post_form(client, page, form, action=f"/admin/modules/{instance}/{step}")


def settings(client, instance):
    return client.get(
        f"/api/v1/module-instances/{instance}/settings", auth=("m@acme.test", "pw")
    ).get_json()["settings"]


def test_a_master_user_edits_reviews_confirms_and_the_change_is_made(hub):
    client, instance = hub
    assert sign_in(client, "m@acme.test").status_code == 302
    listing = client.get("/admin/modules").get_data(as_text=True)
    assert "UniView Acme" in listing and "in sync" in listing
    edit = client.get(f"/admin/modules/{instance}?edit=1").get_data(as_text=True)
    assert 'id="edit"' in edit
    form = {
        "login_with_kaseyaone": "on",
        "automatic_user_creation": "on",
        "default_role": "administrator",
    }
    review = submit(client, instance, "review", form).get_data(as_text=True)
    assert "Automatic User Creation: on" in review and 'id="confirmed"' not in review
    confirmed = submit(client, instance, "confirm", form)
    assert confirmed.status_code == 302
    after = settings(client, instance)
    assert after["automatic_user_creation"] is True and after["default_role"] == "administrator"


def test_turning_require_login_on_needs_the_extra_confirmation(hub):
    client, instance = hub
    sign_in(client, "m@acme.test")
    form = {"login_with_kaseyaone": "on", "require_login": "on", "default_role": "monitor"}
    review = submit(client, instance, "review", form).get_data(as_text=True)
    assert 'id="confirmed"' in review
    refused = submit(client, instance, "confirm", form)
    assert refused.status_code == 409
    page = refused.get_data(as_text=True)
    assert re.search(r'data-error="confirmation_required"', page)
    # Words for the person at the page, not for a program sending JSON.
    assert "tick “I understand” below, then click Confirm" in page and "confirmed true" not in page
    assert settings(client, instance)["require_login"] is False
    done = submit(client, instance, "confirm", {**form, "confirmed": "on"})
    assert done.status_code == 302 and settings(client, instance)["require_login"] is True


def test_only_a_master_user_gets_into_module_management(hub):
    client, instance = hub
    refused = sign_in(client, "u@acme.test")
    assert refused.status_code == 403 and b'data-error="master_user_required"' in refused.data
    assert client.get("/admin/modules").headers["Location"].endswith("/admin/login")
    # A form a master could confirm, from someone who is not signed in as one:
    form = {"login_with_kaseyaone": "on", "require_login": "on", "confirmed": "on"}
    page = "/admin/login"  # the only form they are shown
    attempt = post_form(client, page, form, action=f"/admin/modules/{instance}/confirm")
    assert attempt.status_code == 302 and attempt.headers["Location"].endswith("/admin/login")
    assert settings(client, instance)["require_login"] is False


def test_a_master_user_deactivated_after_signing_in_loses_module_management(hub):
    client, instance = hub
    sign_in(client, "m@acme.test")
    assert client.get("/admin/modules").status_code == 200
    client.post(
        "/api/v1/users",
        auth=("m@acme.test", "pw"),
        json={"email": "m2@acme.test", "name": "M2", "password": "pw", "master": True},
    )
    users = client.get("/api/v1/users", auth=("m2@acme.test", "pw")).get_json()["users"]
    mia = next(u for u in users if u["email"] == "m@acme.test")
    client.post(f"/api/v1/users/{mia['id']}/deactivate", auth=("m2@acme.test", "pw"))
    assert client.get("/admin/modules").headers["Location"].endswith("/admin/login")


def test_a_refused_confirm_shows_the_module_page_with_the_reason(hub):
    client, instance = hub
    sign_in(client, "m@acme.test")
    page = submit(
        client, instance, "confirm", {"login_with_kaseyaone": "on", "default_role": "bogus"}
    )
    assert page.status_code == 400 and b'id="edit"' in page.data


# Admin Settings > Groups, where the groups modules import with Access Groups are kept.


def groups(client):
    return {
        group["name"]: group
        for group in client.get("/api/v1/groups", auth=("m@acme.test", "pw")).get_json()["groups"]
    }


def user_id(client, email):
    users = client.get("/api/v1/users", auth=("m@acme.test", "pw")).get_json()["users"]
    return next(u["id"] for u in users if u["email"] == email)


def test_a_master_user_keeps_the_groups_on_the_groups_page(hub):
    client, _ = hub
    sign_in(client, "m@acme.test")
    page = client.get("/admin/groups").get_data(as_text=True)
    assert "No groups yet." in page and 'id="create-group"' in page
    assert (
        post_form(client, "/admin/groups", {"action": "create", "name": "Support"}).status_code
        == 302
    )
    support = groups(client)["Support"]["id"]
    uli = user_id(client, "u@acme.test")
    post_form(client, "/admin/groups", {"action": "add_member", "group": support, "user": uli})
    assert groups(client)["Support"]["members"] == [uli]
    post_form(client, "/admin/groups", {"action": "rename", "group": support, "name": "Helpdesk"})
    assert "u@acme.test" in client.get("/admin/groups").get_data(as_text=True)
    post_form(client, "/admin/groups", {"action": "remove_member", "group": support, "user": uli})
    assert groups(client)["Helpdesk"]["members"] == []
    post_form(client, "/admin/groups", {"action": "delete", "group": support})
    assert groups(client) == {}


@pytest.mark.parametrize(
    "form, status",
    [
        ({"action": "create", "name": ""}, 400),
        ({"action": "rename", "group": "nope", "name": "X"}, 404),
        ({"action": "add_member", "group": "GROUP"}, 404),  # no user chosen
        ({"action": "explode"}, 400),
    ],
)
def test_bad_forms_on_the_groups_page_get_a_readable_refusal(hub, form, status):
    client, _ = hub
    sign_in(client, "m@acme.test")
    post_form(client, "/admin/groups", {"action": "create", "name": "Support"})
    form = {k: (groups(client)["Support"]["id"] if v == "GROUP" else v) for k, v in form.items()}
    answer = post_form(client, "/admin/groups", form)
    assert answer.status_code == status
    assert re.search(r'id="error"[^>]*data-error="\w+"', answer.get_data(as_text=True))
    assert list(groups(client)) == ["Support"]  # nothing half-done


def test_the_groups_page_needs_a_master_user(hub):
    client, _ = hub
    assert client.get("/admin/groups").status_code == 302  # to the sign-in page
    sign_in(client, "u@acme.test")
    assert client.get("/admin/groups").status_code == 302
    form = {"action": "create", "name": "X"}
    assert post_form(client, "/admin/login", form, action="/admin/groups").status_code == 302
    assert groups(client) == {}
