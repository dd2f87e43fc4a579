"""Twelve identical requests at the same moment, as a retrying client or a double-clicking person
sends them, to both simulators served over real HTTP (a threaded server on an SQLite file, and on
PostgreSQL when K1_TEST_POSTGRES_URL names a server): one is done, each other gets the 409 a
duplicate gets, with its error body, and nothing is left twice (issue 11: they answered 500, or
made duplicates, or on PostgreSQL twelve module instances)."""

from __future__ import annotations

import re
import secrets
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pytest
import requests
from support import DATABASES, add_uniview_integration, fresh_databases

import mock_kaseyaone
import mock_uniview
from k1harness.drivers.browser import Page
from k1harness.embedded import serve
from sim_common.passwords import FAST

AT_ONCE = 12
USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"


@pytest.fixture(scope="module", params=DATABASES)
def served(request, tmp_path_factory):
    folder = tmp_path_factory.mktemp("races")
    with fresh_databases(request.param, ["kaseyaone", "uniview"], folder) as databases:
        config = {"PASSWORD_HASH_METHOD": FAST}
        hub = serve(
            "kaseyaone",
            lambda url: mock_kaseyaone.create_app(
                {**config, "DATABASE_URL": databases["kaseyaone"], "PUBLIC_URL": url}
            ),
        )
        module = serve(
            "uniview",
            lambda url: mock_uniview.create_app(
                {
                    **config,
                    "DATABASE_URL": databases["uniview"],
                    "PUBLIC_URL": url,
                    "KASEYAONE_URL": hub.url,
                }
            ),
        )
        yield hub.url, module.url, module.server.app
        for server in (module, hub):
            server.stop()
            server.server.app.extensions["sim_store"].engine.dispose()


@dataclass
class Acme:
    """A tenant of each simulator: a KaseyaOne master user, a UniView superuser signed in."""

    id: str
    hub: str
    uniview: str
    master: tuple[str, str]
    browser: requests.Session  # the superuser's cookies: their session, and the CSRF one
    uniview_app: object

    def kaseyaone(self, method: str, path: str, **kwargs) -> requests.Response:
        return requests.request(method, f"{self.hub}/api/v1{path}", auth=self.master, **kwargs)

    def superuser(self, method: str, path: str, **kwargs) -> requests.Response:
        url = f"{self.uniview}/t/{self.id}{path}"
        return self.browser.request(method, url, **kwargs)


@pytest.fixture
def acme(served) -> Acme:
    hub, uniview, uniview_app = served
    tenant = f"acme-{secrets.token_hex(4)}"
    master = {"email": f"m@{tenant}.test", "name": "M", "password": "pw", "master": True}
    superuser = {"username": f"su@{tenant}.test", "password": "pw", "role": "superuser"}
    for url, user in ((hub, master), (uniview, superuser)):
        created = requests.post(
            f"{url}/_sim/tenants", json={"id": tenant, "name": "Acme", "users": [user]}
        )
        assert created.status_code == 201, created.text
    page, browser = f"{uniview}/t/{tenant}/login", requests.Session()
    token = re.search(r'name="csrf_token" value="([^"]+)"', browser.get(page).text).group(1)
    login = browser.post(
        page,
        data={"username": superuser["username"], "password": "pw", "csrf_token": token},
        allow_redirects=False,
    )
    assert login.status_code == 302, login.text
    return Acme(tenant, hub, uniview, (master["email"], "pw"), browser, uniview_app)


def at_once(send) -> list[requests.Response]:
    """`send()` from AT_ONCE threads released together."""
    start = threading.Barrier(AT_ONCE)

    def one(_):
        start.wait()
        return send()

    with ThreadPoolExecutor(AT_ONCE) as pool:
        return list(pool.map(one, range(AT_ONCE)))


def one_done_the_rest_refused(answers, done: int, error: str) -> None:
    seen = [(a.status_code, a.text[:300]) for a in answers]
    assert sorted(a.status_code for a in answers) == [done] + [409] * (AT_ONCE - 1), seen
    refused = [a.json() for a in answers if a.status_code == 409]
    assert {body["error"] for body in refused} == {error}, seen
    assert all(body["message"] for body in refused), seen


def count(listing: list[dict], field: str, value: str) -> int:
    return sum(1 for item in listing if item[field] == value)


@pytest.mark.parametrize(
    ("system", "path", "body", "error", "field"),
    [
        ("kaseyaone", "/users", {"email": "x@{t}.test", "name": "X", "password": "pw"},
         "email_taken", "email"),
        ("kaseyaone", "/groups", {"name": "Support"}, "group_name_taken", "name"),
        ("uniview", "/api/users", {"username": "x@{t}.test", "role": "monitor", "password": "p"},
         "username_taken", "username"),
        ("uniview", "/api/groups", {"name": "Support"}, "group_name_taken", "name"),
        ("uniview", "/api/organizations", {"name": "Contoso"}, "organization_name_taken", "name"),
    ],
)  # fmt: skip
def test_one_of_twelve_identical_creates_is_made(acme, system, path, body, error, field):
    body = {key: value.format(t=acme.id) for key, value in body.items()}
    call = acme.kaseyaone if system == "kaseyaone" else acme.superuser
    answers = at_once(lambda: call("POST", path, json=body))
    one_done_the_rest_refused(answers, 201, error)
    listing = call("GET", path).json()[path.rpartition("/")[2]]
    assert count(listing, field, body[field]) == 1


def test_one_of_twelve_groups_renamed_to_the_same_name_takes_it(acme):
    names = iter([f"Team {n}" for n in range(AT_ONCE)])
    ids = iter([acme.kaseyaone("POST", "/groups", json={"name": n}).json()["id"] for n in names])
    lock = threading.Lock()

    def rename():
        with lock:
            group = next(ids)
        return acme.kaseyaone("PATCH", f"/groups/{group}", json={"name": "Support"})

    one_done_the_rest_refused(at_once(rename), 200, "group_name_taken")
    assert count(acme.kaseyaone("GET", "/groups").json()["groups"], "name", "Support") == 1


def test_the_integration_added_twelve_times_at_once_is_one_module_instance(acme):
    answers = at_once(
        lambda: acme.superuser(
            "POST",
            "/api/integrations/kaseyaone",
            json={"master_email": acme.master[0], "master_password": "pw"},
        )
    )
    one_done_the_rest_refused(answers, 201, "integration_already_added")
    added = next(a.json() for a in answers if a.status_code == 201)
    instances = acme.kaseyaone("GET", "/module-instances").json()["module_instances"]
    # The losers' registrations are taken back: no orphan with a working OAuth client.
    assert [i["id"] for i in instances] == [added["kaseyaone"]["module_instance"]]


def test_a_membership_given_twelve_times_at_once_is_given_once(acme):
    user = acme.kaseyaone(
        "POST", "/users", json={"email": f"x@{acme.id}.test", "name": "X", "password": "pw"}
    ).json()
    group = acme.kaseyaone("POST", "/groups", json={"name": "Support"}).json()
    answers = at_once(lambda: acme.kaseyaone("PUT", f"/groups/{group['id']}/members/{user['id']}"))
    assert [a.status_code for a in answers] == [200] * AT_ONCE, [a.text for a in answers]
    assert acme.kaseyaone("GET", f"/groups/{group['id']}").json()["members"] == [user["id"]]

    acme.superuser("POST", "/api/users", json={"username": f"x@{acme.id}.test", "role": "monitor"})
    mine = acme.superuser("POST", "/api/groups", json={"name": "Support"}).json()
    answers = at_once(
        lambda: acme.superuser(
            "PUT", f"/api/users/x@{acme.id}.test/groups", json={"groups": [mine["id"]]}
        )
    )
    assert [a.status_code for a in answers] == [200] * AT_ONCE, [a.text for a in answers]
    listing = acme.superuser("GET", "/api/groups").json()["groups"]
    assert [(g["name"], g["members"]) for g in listing] == [("Support", 1)]


def test_one_of_twelve_identical_scim_creates_is_made(acme):
    """KaseyaOne (or a module's own provisioning) creating a UniView account twice at once."""
    add_uniview_integration(acme.uniview_app, acme.id, scim_token="T0KEN")
    answers = at_once(
        lambda: requests.post(
            f"{acme.uniview}/t/{acme.id}/scim/v2/Users",
            headers={"Authorization": "Bearer T0KEN", "Content-Type": "application/scim+json"},
            json={"schemas": [USER_SCHEMA], "userName": f"x@{acme.id}.test"},
        )
    )
    seen = [(a.status_code, a.text[:300]) for a in answers]
    assert sorted(a.status_code for a in answers) == [201] + [409] * (AT_ONCE - 1), seen
    assert {a.json().get("scimType") for a in answers if a.status_code == 409} == {"uniqueness"}
    users = acme.superuser("GET", "/api/users").json()["users"]
    assert count(users, "username", f"x@{acme.id}.test") == 1


def test_a_person_losing_the_race_on_a_page_sees_the_pages_own_error(acme):
    page = Page(acme.superuser("GET", "/settings/groups"))
    fields = {**page.form("add-group").fields, "name": "Support"}
    answers = at_once(
        lambda: acme.superuser(
            "POST",
            "/settings/groups",
            data=fields,
            headers={"Origin": acme.uniview},
            allow_redirects=False,
        )
    )
    assert sorted(a.status_code for a in answers) == [302] + [409] * (AT_ONCE - 1)
    refused = [Page(a) for a in answers if a.status_code == 409]
    assert {p.error for p in refused} == {"group_name_taken"}
    assert all(p.has_form("add-group") and p.element_text("error") for p in refused)
    listing = acme.superuser("GET", "/api/groups").json()["groups"]
    assert count(listing, "name", "Support") == 1
