"""UniView's settings document reaches KaseyaOne through the outbox: KaseyaOne down for a while
loses nothing, the versions arrive in order, each once, and "syncing" shows in between."""

import json

import pytest
import responses
from support import post_form

import mock_uniview
from sim_common.passwords import FAST

HUB = "http://hub.test"
SETTINGS_URL = f"{HUB}/api/v1/module/settings"


@pytest.fixture
def uniview():
    app = mock_uniview.create_app({"KASEYAONE_URL": HUB, "PASSWORD_HASH_METHOD": FAST})
    client = app.test_client()
    tenant = client.post(
        "/_sim/tenants",
        json={"users": [{"username": "su@acme.test", "password": "pw", "role": "superuser"}]},
    ).get_json()
    tenant_id = tenant["tenant"]["id"]
    post_form(client, f"/t/{tenant_id}/login", {"username": "su@acme.test", "password": "pw"})
    return client, tenant_id


def answer_registration(mock):
    """KaseyaOne takes UniView's registration when the integration is added."""
    mock.post(
        f"{HUB}/api/v1/module-instances",
        status=201,
        json={"id": "i", "tenant": "t", "issuer": HUB, "client_id": "c", "client_secret": "s"},
    )


def pushed_versions(mock):
    return [
        json.loads(c.request.body)["version"]
        for c in mock.calls
        if c.request.url == SETTINGS_URL
        and c.response is not None
        and c.response.status_code == 200
    ]


def test_settings_pushed_while_kaseyaone_is_down_arrive_in_order_once(uniview):
    client, tenant = uniview
    api = f"/t/{tenant}/api/integrations/kaseyaone"
    with responses.RequestsMock() as mock:
        answer_registration(mock)
        mock.put(SETTINGS_URL, status=503)
        added = client.post(api, json={"master_email": "m@x.test", "master_password": "pw"})
        assert added.status_code == 201
        changed = client.patch(api, json={"automatic_user_deprovisioning": True})
        assert changed.get_json()["syncing"] is True
        assert changed.get_json()["version"] == 2
        mock.replace(responses.PUT, SETTINGS_URL, json={"applied": True})
        client.post(f"/_sim/tenants/{tenant}/clock/advance", json={"seconds": 30})
        assert pushed_versions(mock) == [1, 2]
        assert client.get(api).get_json()["syncing"] is False
        client.post(f"/_sim/tenants/{tenant}/jobs/run")
        assert pushed_versions(mock) == [1, 2], "nothing delivered twice"
    outbox = client.get(f"/_sim/tenants/{tenant}/outbox").get_json()["entries"]
    assert [(r["state"], r["payload"]["version"]) for r in outbox] == [
        ("delivered", 1),
        ("delivered", 2),
    ]
    assert outbox[1]["payload"]["settings"]["automatic_user_deprovisioning"] is True


def test_a_refused_settings_push_is_retried_and_shown_to_the_superuser(uniview):
    """KaseyaOne refuses the document (a 401: say its client was rotated): UniView keeps the
    version, says on its configuration page why it has not arrived, and delivers it once
    KaseyaOne takes it."""
    client, tenant = uniview
    api = f"/t/{tenant}/api/integrations/kaseyaone"
    with responses.RequestsMock() as mock:
        answer_registration(mock)
        mock.put(
            SETTINGS_URL,
            status=401,
            json={"error": "invalid_credentials", "message": "Unknown client."},
        )
        client.post(api, json={"master_email": "m@x.test", "master_password": "pw"})
        shown = client.get(api).get_json()
        assert shown["syncing"] is True
        assert [f["last_result"] for f in shown["failing"]] == [
            "KaseyaOne answered 401: Unknown client."
        ]
        page = client.get(f"/t/{tenant}/settings/integrations").get_data(as_text=True)
        assert "KaseyaOne has not taken the change yet: KaseyaOne answered 401" in page
        mock.replace(responses.PUT, SETTINGS_URL, json={"applied": True})
        client.post(f"/_sim/tenants/{tenant}/clock/advance", json={"seconds": 30})
        assert pushed_versions(mock) == [1]
        keys = {c.request.headers["Idempotency-Key"] for c in mock.calls[1:]}
        assert len(keys) == 1, "every attempt of the version carries one key"
    shown = client.get(api).get_json()
    assert (shown["syncing"], shown["failing"]) == (False, [])


@pytest.mark.parametrize(
    "uniview_change, kaseyaone_change, expected",
    [
        (
            {"automatic_user_creation": True},
            {"access_groups": True},
            {"access_groups": True, "automatic_user_creation": False},
        ),
        # KaseyaOne turns login off while UniView changes the default role: a document is
        # taken whole, not as a change UniView's own rules would refuse.
        (
            {"default_role": "administrator"},
            {"login_with_kaseyaone": False},
            {"login_with_kaseyaone": False, "default_role": "monitor"},
        ),
    ],
)
def test_changes_made_on_both_sides_at_once_end_equal_and_kaseyaone_wins(
    uniview_change, kaseyaone_change, expected
):
    """Both sides change the settings while the other is unreachable; when both are back, each
    side holds KaseyaOne's version (the documented tie rule: KaseyaOne wins)."""
    from k1harness.drivers import Browser, KaseyaOneDriver, UniViewDriver
    from k1harness.embedded import start_embedded

    sims = start_embedded()
    try:
        hub, uv = KaseyaOneDriver(sims.kaseyaone.url), UniViewDriver(sims.uniview.url)
        hub_tenant = hub.create_tenant(
            "Both", users=[{"email": "m@both.test", "name": "M", "password": "pw", "master": True}]
        )
        tenant = uv.create_tenant(
            "Both", users=[{"username": "su@both.test", "password": "pw", "role": "superuser"}]
        )
        hub_id, uv_id = hub_tenant["tenant"]["id"], tenant["tenant"]["id"]
        su = Browser()
        uv.log_in_with_credentials(su, uv_id, "su@both.test", "pw")
        added = uv.add_kaseyaone_integration(su, uv_id, "m@both.test", "pw").body
        instance = added["kaseyaone"]["module_instance"]
        admin = hub.admin("m@both.test", "pw")
        hub.inject_fault(hub_id, "module", 5)
        uv.inject_fault(uv_id, "pushed_settings", 5)
        uv.change_integration_settings(su, uv_id, **uniview_change)
        admin.change_module_settings(instance, confirmed=True, **kaseyaone_change)
        for _ in range(8):  # long enough for both backoffs to pass the faults
            hub.advance_clock(hub_id, 600)
            uv.advance_clock(uv_id, 600)
        at_hub = admin.module_settings(instance).body
        at_uv = uv.integration(su, uv_id).body
        assert at_hub["syncing"] is False and at_uv["syncing"] is False
        assert at_uv["settings"] == at_hub["settings"]
        for key, value in expected.items():  # KaseyaOne's change kept, UniView's lost the tie
            assert at_hub["settings"][key] == value, key
        outbox = hub.outbox(hub_id)
        assert all(row["state"] == "delivered" for row in outbox), outbox
    finally:
        sims.stop()


def test_a_hundred_changes_while_kaseyaone_fails_a_third_of_its_calls_arrive_in_order_once(
    uniview,
):
    client, tenant = uniview
    api = f"/t/{tenant}/api/integrations/kaseyaone"
    received = []
    calls = iter(range(10_000))

    def kaseyaone(request):
        if next(calls) % 3 == 2:  # every third call fails
            return (503, {}, '{"error": "unavailable"}')
        received.append(json.loads(request.body)["version"])
        return (200, {}, json.dumps({"applied": True}))

    with responses.RequestsMock() as mock:
        answer_registration(mock)
        mock.add_callback(responses.PUT, SETTINGS_URL, callback=kaseyaone)
        assert (
            client.post(api, json={"master_email": "m@x.test", "master_password": "pw"}).status_code
            == 201
        )
        roles = ["administrator", "monitor"]
        for i in range(100):
            answer = client.patch(api, json={"default_role": roles[i % 2]})
            assert answer.status_code == 200
            # A minute: any retry is due (30 s after a first failure), and the superuser's
            # session (eight hours) outlives the hundred minutes.
            client.post(f"/_sim/tenants/{tenant}/clock/advance", json={"seconds": 60})
        for _ in range(5):  # let the last retries fall due
            client.post(f"/_sim/tenants/{tenant}/clock/advance", json={"seconds": 60})
    assert received == list(range(1, 102)), "every version, in order, each once"
    assert client.get(api).get_json()["syncing"] is False


@pytest.mark.parametrize("status", [401, 404])
def test_a_reset_completes_when_kaseyaone_no_longer_knows_the_instance(uniview, status):
    client, tenant = uniview
    api = f"/t/{tenant}/api/integrations/kaseyaone"
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        answer_registration(mock)
        mock.put(SETTINGS_URL, json={"applied": True})
        client.post(api, json={"master_email": "m@x.test", "master_password": "pw"})
        mock.delete(
            f"{HUB}/api/v1/module/instance",
            status=status,
            json={"error": "invalid_credentials", "message": "No such client."},
        )
        assert client.delete(api).status_code == 200
        assert client.get(api).status_code == 404


@pytest.mark.parametrize(
    "answer, status",
    [
        ({"status": 403, "json": {"error": "forbidden", "message": "No."}}, 403),
        ({"status": 503, "body": "Service Unavailable"}, 502),
    ],
)
def test_a_reset_kaseyaone_does_not_take_removes_nothing_and_says_so(uniview, answer, status):
    client, tenant = uniview
    api = f"/t/{tenant}/api/integrations/kaseyaone"
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        answer_registration(mock)
        mock.put(SETTINGS_URL, json={"applied": True})
        client.post(api, json={"master_email": "m@x.test", "master_password": "pw"})
        mock.delete(f"{HUB}/api/v1/module/instance", **answer)
        refused = client.delete(api)
        assert refused.status_code == status
        assert "Nothing was removed" in refused.get_json()["message"]
        assert client.get(api).status_code == 200


def test_a_registration_that_loses_the_race_to_add_the_integration_is_taken_back(uniview):
    """Two superusers add the integration at the same moment: the second registration is
    removed from KaseyaOne again, so KaseyaOne keeps no module instance nobody uses."""
    client, tenant = uniview
    app = client.application

    def register_while_another_request_adds_it(request):
        from support import add_uniview_integration

        add_uniview_integration(app, tenant)  # the other request, committed first
        body = {"id": "i2", "tenant": "t", "issuer": HUB, "client_id": "c2", "client_secret": "s2"}
        return 201, {}, json.dumps(body)

    with responses.RequestsMock() as mock:
        mock.add_callback(
            responses.POST, f"{HUB}/api/v1/module-instances", register_while_another_request_adds_it
        )
        removal = mock.delete(f"{HUB}/api/v1/module/instance", json={"removed": "i2"})
        added = client.post(
            f"/t/{tenant}/api/integrations/kaseyaone",
            json={"master_email": "m@x.test", "master_password": "pw"},
        )
        assert added.status_code == 409, added.get_json()
        assert added.get_json()["error"] == "integration_already_added"
        assert removal.call_count == 1
        assert removal.calls[0].request.headers["Authorization"] == "Basic YzI6czI="  # c2:s2
    shown = client.get(f"/t/{tenant}/api/integrations/kaseyaone").get_json()
    assert shown["kaseyaone"]["client_id"] == "c"  # the one that won
    journal = client.get(f"/_sim/tenants/{tenant}/journal").get_json()["entries"]
    sent = [(e["method"], e["url"]) for e in journal if e["direction"] == "sent"]
    assert sent == [
        ("POST", f"{HUB}/api/v1/module-instances"),
        ("DELETE", f"{HUB}/api/v1/module/instance"),
    ]
