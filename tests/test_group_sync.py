"""The Access Groups sync's parts, apart from HTTP: the diff between UniView's imported groups
and KaseyaOne's, its application to the store, the four-hourly schedule, and the groups set at
sign-in (UV-GRP-1, UV-GRP-4, UV-GRP-5). What crosses the wire is in the feature files."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
import responses
from support import add_uniview_integration

import mock_uniview
from mock_uniview import group_sync, groups
from mock_uniview.models import Group, Tenant, User
from sim_common.passwords import FAST

HOUR = timedelta(hours=1)


# The diff.


def test_new_groups_are_added_and_gone_ones_removed():
    plan = groups.plan_sync({"a": "Ops", "b": "Sales"}, {"a": "Ops", "c": "Finance"})
    assert plan.add == {"c": "Finance"}
    assert plan.remove == ["b"]
    assert plan.rename == {}


def test_a_renamed_group_is_renamed_not_replaced():
    plan = groups.plan_sync({"a": "Support"}, {"a": "Customer Support"})
    assert plan.rename == {"a": "Customer Support"}
    assert plan.add == {} and plan.remove == []


def test_the_same_groups_change_nothing():
    plan = groups.plan_sync({"a": "Ops"}, {"a": "Ops"})
    assert plan.changes == 0


def test_an_empty_kaseyaone_removes_every_imported_group():
    assert sorted(groups.plan_sync({"a": "Ops", "b": "Sales"}, {}).remove) == ["a", "b"]


def test_two_groups_of_the_same_name_are_two_groups():
    plan = groups.plan_sync({}, {"a": "Ops", "b": "Ops"})
    assert plan.add == {"a": "Ops", "b": "Ops"}


# The schedule.

T0 = datetime(2026, 1, 1, 12, 0)


def test_the_next_sync_is_the_next_four_hour_slot_after_now():
    assert groups.next_sync_after(T0, T0) == T0 + 4 * HOUR
    assert groups.next_sync_after(T0, T0 + 3 * HOUR) == T0 + 4 * HOUR
    # A clock moved a day on runs the sync once and keeps the slots.
    assert groups.next_sync_after(T0, T0 + 25 * HOUR) == T0 + 28 * HOUR


def test_a_slot_still_ahead_stays():
    assert groups.next_sync_after(T0 + HOUR, T0) == T0 + HOUR


def test_the_first_import_falls_within_four_hours():
    assert timedelta(0) < groups.FIRST_IMPORT_DELAY <= 4 * HOUR
    assert groups.SYNC_INTERVAL == 4 * HOUR


# Against the store: the imported groups, the hand-added ones, and the user's groups.

HUB = "http://hub.invalid"


@pytest.fixture
def app(tmp_path):
    app = mock_uniview.create_app(
        {
            "PASSWORD_HASH_METHOD": FAST,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'uv.sqlite3'}",
            "KASEYAONE_URL": HUB,
        }
    )
    created = app.test_client().post(
        "/_sim/tenants",
        json={
            "id": "acme",
            "name": "Acme",
            "users": [{"username": "ann@acme.example", "role": "monitor", "groups": ["Nights"]}],
            "groups": ["Nights"],
            "organizations": [{"name": "Contoso", "groups": ["Nights"]}],
        },
    )
    assert created.status_code == 201, created.get_json()
    add_uniview_integration(app, "acme", issuer=HUB)
    return app


def in_store(app, work):
    with app.test_request_context(), app.extensions["sim_store"].transaction() as session:
        return work(session, session.get(Tenant, "acme"))


def names_by_source(session, tenant) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for group in groups.list_groups(session, tenant):
        found.setdefault(group.source, []).append(group.name)
    return found


def test_a_sync_mirrors_kaseyaone_and_leaves_hand_added_groups(app):
    def first(session, tenant):
        groups.apply_sync(session, tenant, {"k1": "Support", "k2": "Sales"}, set())

    def second(session, tenant):
        plan = groups.apply_sync(
            session, tenant, {"k1": "Customer Support", "k3": "Finance"}, gone={"k2"}
        )
        assert (len(plan.add), len(plan.rename), len(plan.remove)) == (1, 1, 1)
        return names_by_source(session, tenant)

    in_store(app, first)
    assert in_store(app, second) == {
        "kaseyaone": ["Customer Support", "Finance"],
        "uniview": ["Nights"],
    }


def test_a_removed_group_takes_its_mappings_and_memberships_with_it(app):
    def setup(session, tenant):
        groups.apply_sync(session, tenant, {"k1": "Support"}, set())
        support = groups.imported_groups(session, tenant)["k1"]
        contoso = groups.list_organizations(session, tenant)[0]
        mapped = [g.id for g in groups.organization_groups(session, contoso)]
        groups.map_groups(session, tenant, contoso, [*mapped, support.id])
        ann = session.query(User).one()
        groups.refresh_user_groups(session, tenant, ann, [{"id": "k1", "name": "Support"}])
        assert [o.name for o in groups.visible_organizations(session, ann)] == ["Contoso"]

    def remove(session, tenant):
        groups.apply_sync(session, tenant, {}, gone={"k1"})
        ann = session.query(User).one()
        contoso = groups.list_organizations(session, tenant)[0]
        return (
            [g.name for g in groups.groups_of(session, ann)],
            [g.name for g in groups.organization_groups(session, contoso)],
            groups.visible_organizations(session, ann),
        )

    in_store(app, setup)
    user_groups, mapped, visible = in_store(app, remove)
    assert user_groups == ["Nights"] and mapped == ["Nights"]
    assert [o.name for o in visible] == ["Contoso"]  # still through the hand-added group


def test_sign_in_sets_the_imported_groups_and_keeps_hand_added_ones(app):
    def sign_in(claim):
        def work(session, tenant):
            ann = session.query(User).one()
            groups.refresh_user_groups(session, tenant, ann, claim)
            return sorted(g.name for g in groups.groups_of(session, ann))

        return work

    both = [{"id": "k1", "name": "Support"}, {"id": "k2", "name": "Sales"}]
    assert in_store(app, sign_in(both)) == ["Nights", "Sales", "Support"]
    assert in_store(app, sign_in([{"id": "k2", "name": "Sales EMEA"}])) == ["Nights", "Sales EMEA"]
    assert in_store(app, sign_in([])) == ["Nights"]
    # A token without the claim says nothing about groups: nothing changes.
    assert in_store(app, sign_in(None)) == ["Nights"]
    # Groups met at sign-in are imported groups, kept by id.
    kept = in_store(app, lambda s, t: sorted(groups.imported_groups(s, t)))
    assert kept == ["k1", "k2"]


@responses.activate
def test_a_failing_kaseyaone_leaves_the_groups_and_the_next_run_catches_up(app):
    in_store(app, lambda s, t: groups.apply_sync(s, t, {"k1": "Support"}, set()))
    responses.get(f"{HUB}/scim/v2/Groups", status=503, json={"detail": "down"})

    def run(session, tenant):
        tenant.integration.access_groups = True
        tenant.integration.groups_next_sync_at = T0
        return group_sync.run(session, tenant), tenant.integration.groups_next_sync_at

    outcome, next_at = in_store(app, run)
    assert outcome["ok"] is False and "503" in outcome["result"]
    assert next_at > T0
    assert in_store(app, names_by_source)["kaseyaone"] == ["Support"]

    responses.replace(
        responses.GET,
        f"{HUB}/scim/v2/Groups",
        json={
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
            "totalResults": 1,
            "startIndex": 1,
            "itemsPerPage": 1,
            "Resources": [
                {
                    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                    "id": "k9",
                    "displayName": "Finance",
                }
            ],
        },
    )
    responses.get(f"{HUB}/scim/v2/Groups/k1", status=404, json={"detail": "no such group"})
    outcome, _ = in_store(app, run)
    assert outcome["ok"] is True
    assert in_store(app, names_by_source)["kaseyaone"] == ["Finance"]


@responses.activate
def test_an_answer_that_is_not_a_list_of_groups_is_a_failed_sync(app):
    responses.get(f"{HUB}/scim/v2/Groups", json={"Resources": "nope", "totalResults": "x"})

    def run(session, tenant):
        tenant.integration.access_groups = True
        return group_sync.run(session, tenant)

    outcome = in_store(app, run)
    assert outcome["ok"] is False and "not a list of groups" in outcome["result"]


def test_one_kaseyaone_group_is_imported_into_each_tenant_that_reads_it(app):
    created = app.test_client().post("/_sim/tenants", json={"id": "beta", "name": "Beta"})
    assert created.status_code == 201

    def sync(tenant_id):
        def work(session, _):
            groups.apply_sync(session, session.get(Tenant, tenant_id), {"k1": "Support"}, set())
            return session.query(Group).filter_by(kaseyaone_id="k1").count()

        return work

    assert in_store(app, sync("acme")) == 1
    assert in_store(app, sync("beta")) == 2
    assert in_store(app, sync("beta")) == 2  # and once per tenant


def listing(*groups_):
    return {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
        "totalResults": len(groups_),
        "startIndex": 1,
        "itemsPerPage": len(groups_),
        "Resources": [
            {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "id": i, "displayName": n}
            for i, n in groups_
        ],
    }


def access_groups_on(app):
    def work(session, tenant):
        tenant.integration.access_groups = True

    in_store(app, work)


@responses.activate
def test_a_group_missing_from_a_shifted_listing_is_kept_unless_kaseyaone_says_it_is_gone(app):
    in_store(app, lambda s, t: groups.apply_sync(s, t, {"k1": "Support", "k2": "Sales"}, set()))
    access_groups_on(app)
    responses.get(f"{HUB}/scim/v2/Groups", json=listing(("k9", "Finance")))
    responses.get(
        f"{HUB}/scim/v2/Groups/k1",
        json={
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
            "id": "k1",
            "displayName": "Customer Support",
        },
    )
    responses.get(f"{HUB}/scim/v2/Groups/k2", status=404, json={"detail": "no such group"})
    outcome = in_store(app, lambda s, t: group_sync.run(s, t))
    assert outcome["ok"], outcome
    assert in_store(app, names_by_source)["kaseyaone"] == ["Customer Support", "Finance"]


@responses.activate
def test_a_sync_that_finds_access_groups_turned_off_meanwhile_changes_nothing(app):
    access_groups_on(app)
    store = app.extensions["sim_store"]

    def turned_off_while_reading(request):
        with app.app_context(), store.transaction() as other:
            other.get(Tenant, "acme").integration.access_groups = False
        return 200, {}, json.dumps(listing(("k1", "Support")))

    responses.add_callback(responses.GET, f"{HUB}/scim/v2/Groups", turned_off_while_reading)
    outcome = in_store(app, lambda s, t: group_sync.run(s, t))
    assert not outcome["ok"] and "turned off" in outcome["result"]
    assert "kaseyaone" not in in_store(app, names_by_source)
    assert in_store(app, lambda s, t: t.integration.groups_next_sync_at) is None


def test_what_uniview_cannot_keep_is_left_out_of_a_claim(app):
    def sign_in(session, tenant):
        ann = session.query(User).one()
        claim = [
            {"id": "k1", "name": "  "},
            {"id": "k" * 65, "name": "Long id"},
            {"id": "k2", "name": "x" * 201},
            {"id": "k3", "name": " Support "},
            {"id": 4, "name": "Number"},
            "not an object",
        ]
        groups.refresh_user_groups(session, tenant, ann, claim)
        return sorted(g.name for g in groups.groups_of(session, ann))

    assert in_store(app, sign_in) == ["Nights", "Support"]
