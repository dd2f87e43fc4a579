"""KaseyaOne's lifecycle pushes through the outbox, against a module played by `responses`:
ordering, retries with backoff on the simulated clock, idempotence, and final refusals."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses
from support import post_form

import mock_kaseyaone
from mock_kaseyaone.domain import record_module_user
from mock_kaseyaone.models import User
from sim_common.passwords import FAST

SCIM = "http://uv.test/t/acme/scim/v2"
SEARCH = f"{SCIM}/Users"
ALICE_SCIM_ID = "uv-alice"


def listing(*ids):
    return {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
        "totalResults": len(ids),
        "itemsPerPage": len(ids),
        "startIndex": 1,
        "Resources": [
            {
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                "id": i,
                "userName": f"{i}@acme.test",
                "active": True,
            }
            for i in ids
        ],
    }


def user_body(active):
    return {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "id": ALICE_SCIM_ID,
        "userName": "alice@acme.test",
        "active": active,
    }


@pytest.fixture
def hub():
    return make_hub()


def make_hub(config=None):
    app = mock_kaseyaone.create_app({"PASSWORD_HASH_METHOD": FAST, **(config or {})})
    client = app.test_client()
    seeded = client.post(
        "/_sim/tenants",
        json={
            "name": "Acme",
            "users": [
                {"email": "m@acme.test", "name": "M", "password": "pw", "master": True},
                {"email": "alice@acme.test", "name": "Alice", "password": "pw"},
            ],
        },
    ).get_json()
    master = ("m@acme.test", "pw")
    alice = seeded["users"][1]["id"]
    instance = module_where_alice_has_an_account(client, master, alice, SCIM, "T0KEN")

    class Hub:
        pass

    hub = Hub()
    hub.client, hub.master, hub.alice = client, master, alice
    hub.tenant, hub.instance = seeded["tenant"]["id"], instance["id"]
    hub.client_credentials = (instance["client_id"], instance["client_secret"])
    hub.outbox = lambda: client.get(f"/_sim/tenants/{hub.tenant}/outbox").get_json()["entries"]
    hub.advance = lambda s: client.post(
        f"/_sim/tenants/{hub.tenant}/clock/advance", json={"seconds": s}
    )
    return hub


def module_where_alice_has_an_account(client, master, alice, scim_base_url, token) -> dict:
    """A module instance with a SCIM service provider and Automatic User Deprovisioning on,
    where Alice has access and an account: KaseyaOne pushes her lifecycle changes there."""
    instance = client.post(
        "/api/v1/module-instances",
        auth=master,
        json={
            "module": "uniview",
            "redirect_uris": [scim_base_url.split("/t/")[0] + "/cb"],
            "scim": {"base_url": scim_base_url, "token": token},
        },
    ).get_json()
    client.put(
        "/api/v1/module/settings",
        auth=(instance["client_id"], instance["client_secret"]),
        json={"version": 2, "settings": {"automatic_user_deprovisioning": True}},
    )
    client.put(f"/api/v1/module-instances/{instance['id']}/users/{alice}", auth=master)
    app = client.application
    with app.app_context(), app.extensions["sim_store"].transaction() as session:
        record_module_user(session, instance["id"], session.get(User, alice))
    return instance


def module_applies_patches(mock) -> None:
    """Alice's PATCHes answered as a SCIM service provider does (RFC 7644 §3.5.2): 200 with the
    user as the patch left her."""

    def apply(request):
        (operation,) = json.loads(request.body)["Operations"]
        return 200, {}, json.dumps(user_body(operation["value"]))

    mock.add_callback(responses.PATCH, f"{SCIM}/Users/{ALICE_SCIM_ID}", apply)


def patches(mock):
    return [json.loads(c.request.body) for c in mock.calls if c.request.method == "PATCH"]


def test_a_deactivation_is_pushed_once_as_active_false(hub):
    with responses.RequestsMock() as mock:
        mock.get(SEARCH, json=listing(ALICE_SCIM_ID))
        module_applies_patches(mock)
        answer = hub.client.post(f"/api/v1/users/{hub.alice}/deactivate", auth=hub.master)
        assert answer.get_json()["pushes"] == 1
        assert patches(mock) == [
            {
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [{"op": "replace", "path": "active", "value": False}],
            }
        ]
        search = mock.calls[0].request
        assert parse_qs(urlsplit(search.url).query)["filter"] == [f'externalId eq "{hub.alice}"']
        assert search.headers["Authorization"] == "Bearer T0KEN"
        hub.client.post(f"/_sim/tenants/{hub.tenant}/jobs/run")  # nothing left to send
        assert len(patches(mock)) == 1
    (row,) = hub.outbox()
    assert (row["state"], row["attempts"], row["last_result"]) == ("delivered", 1, "disabled")


def first_time_only(answers: list, action) -> None:
    """Do `action` (another request, made while a delivery waits on the module) the first time
    only: the overlapping deliverer's own calls come back here too. Keep its answer."""
    if not answers:
        answers.append("running")
        answers[0] = action()


def test_two_deliverers_at_the_same_moment_send_a_change_once(tmp_path):
    """The delivery after the commit is still waiting on the module when the clock's job runs
    the outbox too (on a database file, as served: each deliverer has its own connection)."""
    hub = make_hub({"DATABASE_URL": f"sqlite:///{tmp_path / 'k1.sqlite3'}"})
    overlapping = []

    def search_while_the_clock_runs_the_outbox(request):
        first_time_only(
            overlapping,
            lambda: hub.client.post(f"/_sim/tenants/{hub.tenant}/jobs/run").get_json(),
        )
        return 200, {}, json.dumps(listing(ALICE_SCIM_ID))

    with responses.RequestsMock() as mock:
        mock.add_callback(responses.GET, SEARCH, search_while_the_clock_runs_the_outbox)
        module_applies_patches(mock)
        hub.client.post(f"/api/v1/users/{hub.alice}/deactivate", auth=hub.master)
        # it found the row taken, and left it
        assert [ran["ran"]["outbox"] for ran in overlapping] == [0]
        assert len(patches(mock)) == 1
    (row,) = hub.outbox()
    assert (row["state"], row["attempts"]) == ("delivered", 1)


def test_a_change_made_while_the_one_before_is_at_the_module_follows_it_in_order(tmp_path):
    """Alice is re-activated while her deactivation is at the module: the re-activation's own
    delivery finds the deactivation taken and waits; the deliverer sending the deactivation
    sends the re-activation after it. The module ends as KaseyaOne is: active."""
    hub = make_hub({"DATABASE_URL": f"sqlite:///{tmp_path / 'k1.sqlite3'}"})
    activated = []

    def search_while_alice_is_reactivated(request):
        first_time_only(
            activated,
            lambda: (
                hub.client.post(f"/api/v1/users/{hub.alice}/activate", auth=hub.master).status_code
            ),
        )
        return 200, {}, json.dumps(listing(ALICE_SCIM_ID))

    with responses.RequestsMock() as mock:
        mock.add_callback(responses.GET, SEARCH, search_while_alice_is_reactivated)
        module_applies_patches(mock)
        hub.client.post(f"/api/v1/users/{hub.alice}/deactivate", auth=hub.master)
        assert activated == [200]
        assert [p["Operations"][0]["value"] for p in patches(mock)] == [False, True]
    assert [(r["state"], r["attempts"]) for r in hub.outbox()] == [("delivered", 1)] * 2


def test_a_row_another_deliverer_has_just_tried_is_not_tried_again_at_once(tmp_path):
    """Two modules; while the first answers, the clock's job tries the second (down). The
    deliverer that started first must not try the second again before its retry is due."""
    hub = make_hub({"DATABASE_URL": f"sqlite:///{tmp_path / 'k1.sqlite3'}"})
    second = "http://uv2.test/t/b/scim/v2"
    instance = module_where_alice_has_an_account(hub.client, hub.master, hub.alice, second, "T2")
    clock_ran = []

    def first_module_search(request):
        first_time_only(
            clock_ran,
            lambda: hub.client.post(f"/_sim/tenants/{hub.tenant}/jobs/run").get_json(),
        )
        return 200, {}, json.dumps(listing(ALICE_SCIM_ID))

    with responses.RequestsMock() as mock:
        mock.add_callback(responses.GET, SEARCH, first_module_search)
        module_applies_patches(mock)
        down = mock.get(f"{second}/Users", status=503)
        hub.client.post(f"/api/v1/users/{hub.alice}/deactivate", auth=hub.master)
        assert [ran["ran"]["outbox"] for ran in clock_ran] == [1]
        assert down.call_count == 1
    states = {r["destination"]: (r["state"], r["attempts"]) for r in hub.outbox()}
    assert states == {hub.instance: ("delivered", 1), instance["id"]: ("pending", 1)}


def test_a_module_that_is_down_gets_the_change_when_it_is_back_with_backoff(hub, real_time_held):
    with responses.RequestsMock() as mock:
        mock.get(SEARCH, status=503)
        hub.client.post(f"/api/v1/users/{hub.alice}/deactivate", auth=hub.master)
        (row,) = hub.outbox()
        assert (row["state"], row["attempts"]) == ("pending", 1)
        hub.advance(29)  # the first retry is due after 30 s
        assert hub.outbox()[0]["attempts"] == 1
        hub.advance(1)
        assert hub.outbox()[0]["attempts"] == 2
        hub.advance(59)  # then after 60 s more
        assert hub.outbox()[0]["attempts"] == 2
        mock.replace(responses.GET, SEARCH, json=listing(ALICE_SCIM_ID))
        module_applies_patches(mock)
        hub.advance(1)
        assert len(patches(mock)) == 1
    assert hub.outbox()[0]["state"] == "delivered" and hub.outbox()[0]["attempts"] == 3


@pytest.mark.parametrize(
    "failure",
    [
        {"status": 502},
        {"body": requests.ConnectionError("refused")},
        {"status": 200, "body": "<html>maintenance</html>"},
    ],
)
def test_every_kind_of_failure_is_retried(hub, failure):
    with responses.RequestsMock() as mock:
        mock.get(SEARCH, **failure)
        hub.client.post(f"/api/v1/users/{hub.alice}/deactivate", auth=hub.master)
    (row,) = hub.outbox()
    assert row["state"] == "pending" and row["last_result"].startswith("the module")


def test_changes_to_one_module_arrive_in_the_order_they_were_made(hub):
    with responses.RequestsMock() as mock:
        mock.get(SEARCH, status=503)
        hub.client.post(f"/api/v1/users/{hub.alice}/deactivate", auth=hub.master)
        hub.client.post(f"/api/v1/users/{hub.alice}/activate", auth=hub.master)
        first, second = hub.outbox()
        assert second["attempts"] == 0, "the later change waited for the earlier one"
        mock.replace(responses.GET, SEARCH, json=listing(ALICE_SCIM_ID))
        module_applies_patches(mock)
        hub.client.post(f"/_sim/tenants/{hub.tenant}/jobs/run")
        values = [p["Operations"][0]["value"] for p in patches(mock)]
    assert values == [False, True]
    assert [r["state"] for r in hub.outbox()] == ["delivered", "delivered"]


def test_where_the_module_cannot_delete_it_disables_instead(hub):
    with responses.RequestsMock() as mock:
        mock.get(SEARCH, json=listing(ALICE_SCIM_ID))
        mock.delete(
            f"{SCIM}/Users/{ALICE_SCIM_ID}",
            status=409,
            json={
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
                "status": "409",
                "detail": "Deleting the last active superuser is not an option.",
            },
        )
        module_applies_patches(mock)
        hub.client.delete(f"/api/v1/users/{hub.alice}", auth=hub.master)
        assert patches(mock)[0]["Operations"][0]["value"] is False
    (row,) = hub.outbox()
    assert row["state"] == "delivered"
    assert row["last_result"] == (
        "disabled instead of deleted: Deleting the last active superuser is not an option."
    )


SCIM_ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"


def test_a_refusal_is_retried_and_shown_where_a_master_user_looks_until_it_lands(hub):
    """One 401 (a token the module lost, say) does not lose the deactivation: it is retried with
    backoff, and Module Management says why it has not landed, until the module takes it."""
    with responses.RequestsMock() as mock:
        refusal = {"schemas": [SCIM_ERROR], "status": "401", "detail": "Bad token."}
        mock.get(SEARCH, status=401, json=refusal)
        hub.client.post(f"/api/v1/users/{hub.alice}/deactivate", auth=hub.master)
        (row,) = hub.outbox()
        assert (row["state"], row["failing"]) == ("pending", True)
        assert row["last_result"] == "the module answered 401: Bad token."
        settings = hub.client.get(
            f"/api/v1/module-instances/{hub.instance}/settings", auth=hub.master
        ).get_json()
        assert [f["last_result"] for f in settings["failing"]] == [row["last_result"]]
        post_form(hub.client, "/admin/login", {"email": "m@acme.test", "password": "pw"})
        page = hub.client.get(f"/admin/modules/{hub.instance}").get_data(as_text=True)
        assert "not delivered to the module yet" in page and "Bad token." in page
        listing_page = hub.client.get("/admin/modules").get_data(as_text=True)
        assert "failing: the module answered 401: Bad token." in listing_page

        mock.replace(responses.GET, SEARCH, json=listing(ALICE_SCIM_ID))
        module_applies_patches(mock)
        hub.advance(30)
        assert [p["Operations"][0]["value"] for p in patches(mock)] == [False]
    (row,) = hub.outbox()
    assert (row["state"], row["failing"], row["attempts"]) == ("delivered", False, 2)
    settings = hub.client.get(
        f"/api/v1/module-instances/{hub.instance}/settings", auth=hub.master
    ).get_json()
    assert settings["failing"] == []


@pytest.mark.parametrize("status", [400, 401, 403, 409, 422])
def test_every_refusal_of_a_patch_is_retried(hub, status):
    with responses.RequestsMock() as mock:
        mock.get(SEARCH, json=listing(ALICE_SCIM_ID))
        mock.patch(
            f"{SCIM}/Users/{ALICE_SCIM_ID}",
            status=status,
            json={"schemas": [SCIM_ERROR], "status": str(status), "detail": "No."},
        )
        hub.client.post(f"/api/v1/users/{hub.alice}/deactivate", auth=hub.master)
    (row,) = hub.outbox()
    assert (row["state"], row["last_result"]) == ("pending", f"the module answered {status}: No.")


@pytest.mark.parametrize(
    "answer",
    [
        {"status": 200, "body": "<html>surprise</html>", "content_type": "text/html"},
        {"status": 200, "json": {"schemas": [SCIM_ERROR], "status": "200"}},
        {"status": 200, "json": user_body(True)},  # the user is still active there
        {"status": 201, "json": user_body(False)},  # not what a PATCH answers
    ],
)
def test_a_patch_counts_as_delivered_only_when_the_answer_proves_it(hub, answer):
    """The module's own "garbage" fault answers 200 with HTML: that is not a SCIM User saying
    the user is now inactive, so it is not a delivery."""
    with responses.RequestsMock() as mock:
        mock.get(SEARCH, json=listing(ALICE_SCIM_ID))
        mock.patch(f"{SCIM}/Users/{ALICE_SCIM_ID}", **answer)
        hub.client.post(f"/api/v1/users/{hub.alice}/deactivate", auth=hub.master)
    (row,) = hub.outbox()
    assert row["state"] == "pending" and row["failing"], row


def test_a_204_to_a_patch_is_a_delivery(hub):
    with responses.RequestsMock() as mock:
        mock.get(SEARCH, json=listing(ALICE_SCIM_ID))
        mock.patch(f"{SCIM}/Users/{ALICE_SCIM_ID}", status=204)
        hub.client.post(f"/api/v1/users/{hub.alice}/deactivate", auth=hub.master)
    (row,) = hub.outbox()
    assert (row["state"], row["last_result"]) == ("delivered", "disabled")


@pytest.mark.parametrize(
    ("method", "action"),
    [("PATCH", "deactivate"), ("DELETE", "delete")],
)
def test_a_404_for_the_user_means_there_is_nothing_left_to_change(hub, method, action):
    with responses.RequestsMock() as mock:
        mock.get(SEARCH, json=listing(ALICE_SCIM_ID))
        mock.add(
            method,
            f"{SCIM}/Users/{ALICE_SCIM_ID}",
            status=404,
            json={"schemas": [SCIM_ERROR], "status": "404", "detail": "No such user."},
        )
        if action == "delete":
            hub.client.delete(f"/api/v1/users/{hub.alice}", auth=hub.master)
        else:
            hub.client.post(f"/api/v1/users/{hub.alice}/{action}", auth=hub.master)
    (row,) = hub.outbox()
    assert row["state"] == "delivered"
    assert row["last_result"] == "the module no longer has this user: nothing left to change"


def test_every_attempt_of_a_push_carries_its_own_idempotency_key(hub):
    """The same key on each attempt of one change (so the module applies it once), another key
    for another change."""
    with responses.RequestsMock() as mock:
        mock.get(SEARCH, status=503)
        hub.client.post(f"/api/v1/users/{hub.alice}/deactivate", auth=hub.master)
        hub.advance(30)
        mock.replace(responses.GET, SEARCH, json=listing(ALICE_SCIM_ID))
        module_applies_patches(mock)
        hub.advance(60)
        hub.client.post(f"/api/v1/users/{hub.alice}/activate", auth=hub.master)
        keys = [(c.request.method, c.request.headers["Idempotency-Key"]) for c in mock.calls]
    first = keys[0][1]
    assert keys[:4] == [("GET", first)] * 3 + [("PATCH", first)]
    assert {key for _, key in keys[4:]} != {first} and len({key for _, key in keys[4:]}) == 1


def test_the_claim_of_a_process_that_stopped_beating_is_taken_over(tmp_path):
    """A hub killed while it delivers leaves its rows claimed: the next deliverer takes them over
    once that process's heartbeat has run out, not after the claim's two minutes."""
    from datetime import timedelta

    from mock_kaseyaone.models import Lease, Outbox
    from sim_common.clock import real_now
    from sim_common.leases import heartbeat_name

    hub = make_hub({"DATABASE_URL": f"sqlite:///{tmp_path / 'k1.sqlite3'}"})
    with responses.RequestsMock() as mock:
        mock.get(SEARCH, status=503)
        hub.client.post(f"/api/v1/users/{hub.alice}/deactivate", auth=hub.master)
    store = hub.client.application.extensions["sim_store"]

    def claimed_by(process, heartbeat_left):
        with store.transaction() as session:
            row = session.query(Outbox).one()
            row.claimed_by, row.claimed_process = "attempt", process
            row.claimed_until = real_now() + timedelta(seconds=100)
            if heartbeat_left is not None:
                session.merge(
                    Lease(
                        name=heartbeat_name(process),
                        holder=process,
                        expires_at=real_now() + timedelta(seconds=heartbeat_left),
                    )
                )

    with responses.RequestsMock() as mock:
        mock.get(SEARCH, json=listing(ALICE_SCIM_ID))
        module_applies_patches(mock)
        claimed_by("alive", heartbeat_left=60)  # in real time: past any pause of the test's
        hub.client.post(f"/_sim/tenants/{hub.tenant}/jobs/run")
        assert patches(mock) == [], "a live process's claim holds"
        claimed_by("dead", heartbeat_left=-1)
        hub.client.post(f"/_sim/tenants/{hub.tenant}/jobs/run")
        assert len(patches(mock)) == 1
    assert hub.outbox()[0]["state"] == "delivered"


def test_nothing_is_pushed_with_deprovisioning_off_and_only_newer_settings_count(hub):
    def push(version, on):
        return hub.client.put(
            "/api/v1/module/settings",
            auth=hub.client_credentials,
            json={"version": version, "settings": {"automatic_user_deprovisioning": on}},
        ).get_json()

    assert push(3, False)["applied"] is True
    assert push(1, True)["applied"] is False  # an older document never overwrites a newer one
    with responses.RequestsMock():  # no call is registered: any push would fail the test
        answer = hub.client.post(f"/api/v1/users/{hub.alice}/deactivate", auth=hub.master)
    assert answer.get_json()["pushes"] == 0 and hub.outbox() == []


def test_a_module_authenticates_with_its_own_client_credentials(hub):
    refused = hub.client.put(
        "/api/v1/module/settings",
        auth=(hub.client_credentials[0], "wrong"),
        json={"version": 9, "settings": {}},
    )
    assert refused.status_code == 401 and refused.get_json()["error"] == "invalid_credentials"


def test_re_activation_enables_only_where_the_user_still_has_access(hub):
    with responses.RequestsMock() as mock:
        mock.get(SEARCH, json=listing(ALICE_SCIM_ID))
        module_applies_patches(mock)
        hub.client.delete(
            f"/api/v1/module-instances/{hub.instance}/users/{hub.alice}", auth=hub.master
        )
        assert len(patches(mock)) == 1  # access withdrawn: disabled
        activated = hub.client.post(f"/api/v1/users/{hub.alice}/activate", auth=hub.master)
        assert activated.get_json()["pushes"] == 0, "she was never deactivated, and has no access"
        hub.client.post(f"/api/v1/users/{hub.alice}/deactivate", auth=hub.master)
        hub.client.post(f"/api/v1/users/{hub.alice}/activate", auth=hub.master)
        assert [p["Operations"][0]["value"] for p in patches(mock)] == [False, False]


def test_deactivating_twice_pushes_once(hub):
    with responses.RequestsMock() as mock:
        mock.get(SEARCH, json=listing(ALICE_SCIM_ID))
        module_applies_patches(mock)
        first = hub.client.post(f"/api/v1/users/{hub.alice}/deactivate", auth=hub.master)
        second = hub.client.post(f"/api/v1/users/{hub.alice}/deactivate", auth=hub.master)
        assert (first.get_json()["pushes"], second.get_json()["pushes"]) == (1, 0)
        assert len(patches(mock)) == 1
