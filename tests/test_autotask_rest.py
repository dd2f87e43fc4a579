"""The simulated Autotask's REST API, as a client of the real one would notice it: the shapes of
its answers, its query grammar and paging, its authentication headers, its errors, and that an
API user sees its own tenant's resources only."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import pytest
from autotask_support import api_headers, make_app, seed

REST = "/ATServicesRest/V1.0"


@pytest.fixture
def client():
    client = make_app().test_client()
    client.seeded = seed(client)
    client.api = api_headers(client.seeded["api_user"])
    client.ids = {r["userName"]: r["id"] for r in client.seeded["resources"]}
    return client


def query(client, conditions, **extra):
    response = client.post(
        f"{REST}/Resources/query", headers=client.api, json={"filter": conditions, **extra}
    )
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def names(client, conditions) -> list[str]:
    return [item["userName"] for item in query(client, conditions)["items"]]


def refused(response, status=400) -> str:
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True))
    body = response.get_json()
    assert set(body) == {"errors"} and body["errors"] and isinstance(body["errors"][0], str), body
    return body["errors"][0]


def test_zone_information_names_this_simulator_as_the_zone(client):
    body = client.get(f"{REST}/ZoneInformation?user=api@acme.test").get_json()
    assert body["url"] == "http://localhost/ATServicesRest/"
    assert body["webUrl"] == "http://localhost/t/acme/"
    assert set(body) == {"zoneName", "url", "webUrl", "ci"} and isinstance(body["ci"], int)
    assert client.get(f"{REST}/ZoneInformation?user=ada").get_json()["url"] == body["url"]
    assert "nobody" in refused(client.get(f"{REST}/ZoneInformation?user=nobody@x.test"), 404)
    refused(client.get(f"{REST}/ZoneInformation"))


def test_a_resource_by_id_is_an_item_with_autotasks_field_names(client):
    response = client.get(f"{REST}/Resources/{client.ids['bob']}", headers=client.api)
    item = response.get_json()["item"]
    assert item == {
        "id": client.ids["bob"],
        "userName": "bob",
        "email": "bob@acme.test",
        "firstName": "Bob",
        "lastName": "Builder",
        "title": None,
        "isActive": True,
        "licenseType": 3,  # Team Member's license type, in the entity's picklist
        "defaultServiceDeskRoleID": client.seeded["roles"][0]["id"],
        "userDefinedFields": [],
    }
    assert response.headers["Content-Type"].startswith("application/json")


def test_an_unknown_or_malformed_resource_id_is_refused_with_errors(client):
    assert "99999" in refused(client.get(f"{REST}/Resources/99999", headers=client.api), 404)
    refused(client.get(f"{REST}/Resources/99999999999999999999999999", headers=client.api), 404)
    refused(client.get(f"{REST}/Resources/abc", headers=client.api))


@pytest.mark.parametrize("missing", ["ApiIntegrationCode", "UserName", "Secret"])
def test_each_authentication_header_is_required(client, missing):
    headers = {k: v for k, v in client.api.items() if k != missing}
    message = refused(client.get(f"{REST}/Resources/{client.ids['ada']}", headers=headers), 401)
    assert "ApiIntegrationCode, UserName and Secret" in message


@pytest.mark.parametrize(
    "wrong", [{"Secret": "nope"}, {"ApiIntegrationCode": "NOPE"}, {"UserName": "who@acme.test"}]
)
def test_a_wrong_credential_is_refused_alike_whichever_it_is(client, wrong):
    response = client.post(
        f"{REST}/Resources/query",
        headers={**client.api, **wrong},
        json={"filter": [{"op": "exist", "field": "id"}]},
    )
    assert refused(response, 401) == "The ApiIntegrationCode, UserName or Secret is not valid."


def test_paths_are_matched_without_regard_to_case(client):
    response = client.get(f"/atservicesrest/v1.0/resources/{client.ids['ada']}", headers=client.api)
    assert response.get_json()["item"]["userName"] == "ada"


@pytest.mark.parametrize(
    "condition, expected",
    [
        ({"op": "eq", "field": "email", "value": "ADA@acme.test"}, ["ada"]),
        ({"op": "noteq", "field": "isActive", "value": True}, ["cy"]),
        ({"op": "contains", "field": "email", "value": "acme"}, ["ada", "bob", "dee"]),
        ({"op": "contains", "field": "lastName", "value": "_"}, ["dee"]),  # no LIKE wildcard
        ({"op": "beginsWith", "field": "firstName", "value": "b"}, ["bob"]),
        ({"op": "endsWith", "field": "email", "value": "example.org"}, ["cy"]),
        ({"op": "exist", "field": "title"}, ["ada", "cy"]),
        ({"op": "notExist", "field": "title"}, ["bob", "dee"]),
        ({"op": "in", "field": "userName", "value": ["ADA", "cy"]}, ["ada", "cy"]),
        ({"op": "notIn", "field": "userName", "value": ["ada", "cy"]}, ["bob", "dee"]),
        ({"op": "eq", "field": "licenseType", "value": 1}, ["ada"]),
        ({"op": "eq", "field": "IsActive", "value": False}, ["cy"]),  # field names in any case
        ({"OP": "BeginsWith", "Field": "userName", "Value": "d"}, ["dee"]),  # keys and ops too
    ],
)
def test_each_operator_selects_what_it_says(client, condition, expected):
    assert names(client, [condition]) == expected


def test_comparisons_order_by_value(client):
    bob = client.ids["bob"]
    assert names(client, [{"op": "gt", "field": "id", "value": bob}]) == ["cy", "dee"]
    assert names(client, [{"op": "gte", "field": "id", "value": bob}]) == ["bob", "cy", "dee"]
    assert names(client, [{"op": "lt", "field": "id", "value": bob}]) == ["ada"]
    assert names(client, [{"op": "lte", "field": "id", "value": str(bob)}]) == ["ada", "bob"]


def test_conditions_combine_and_nest(client):
    top_level_and = [
        {"op": "eq", "field": "isActive", "value": True},
        {"op": "endsWith", "field": "email", "value": "@acme.test"},
        {"op": "noteq", "field": "userName", "value": "dee"},
    ]
    assert names(client, top_level_and) == ["ada", "bob"]
    nested = [
        {
            "op": "or",
            "items": [
                {
                    "op": "and",
                    "items": [
                        {"op": "eq", "field": "isActive", "value": True},
                        {"op": "beginsWith", "field": "lastName", "value": "B"},
                    ],
                },
                {"op": "eq", "field": "userName", "value": "cy"},
            ],
        }
    ]
    assert names(client, nested) == ["bob", "cy"]


def test_a_get_query_takes_the_same_query_as_json_in_search(client):
    search = json.dumps({"filter": [{"op": "contains", "field": "email", "value": "acme"}]})
    response = client.get(
        f"{REST}/Resources/query", headers=client.api, query_string={"search": search}
    )
    assert [i["userName"] for i in response.get_json()["items"]] == ["ada", "bob", "dee"]


def test_include_fields_limits_each_item_to_those_and_its_id(client):
    body = query(
        client,
        [{"op": "eq", "field": "userName", "value": "ada"}],
        IncludeFields=["email", "FirstName"],
    )
    assert body["items"] == [
        {
            "id": client.ids["ada"],
            "email": "ada@acme.test",
            "firstName": "Ada",
            "userDefinedFields": [],
        }
    ]


def test_count_answers_how_many_match(client):
    response = client.post(
        f"{REST}/Resources/query/count",
        headers=client.api,
        json={"filter": [{"op": "eq", "field": "isActive", "value": True}]},
    )
    assert response.get_json() == {"queryCount": 3}


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"filter": []},
        {"filter": {"op": "eq", "field": "id", "value": 1}},
        {"filter": [{"op": "ne", "field": "id", "value": 1}]},  # Autotask's is noteq
        {"filter": [{"field": "id", "value": 1}]},
        {"filter": [{"op": "eq", "field": "password", "value": "pw"}]},
        {"filter": [{"op": "eq", "field": "id"}]},
        {"filter": [{"op": "eq", "field": "id", "value": "one"}]},
        {"filter": [{"op": "eq", "field": "id", "value": 10**30}]},
        {"filter": [{"op": "eq", "field": "id", "value": 1.5}]},
        {"filter": [{"op": "eq", "field": "email", "value": 5}]},
        {"filter": [{"op": "eq", "field": "isActive", "value": "true"}]},
        {"filter": [{"op": "gt", "field": "isActive", "value": True}]},
        {"filter": [{"op": "contains", "field": "id", "value": "1"}]},
        {"filter": [{"op": "in", "field": "id", "value": 1}]},
        {"filter": [{"op": "in", "field": "id", "value": []}]},
        {"filter": [{"op": "or"}]},
        {"filter": [{"op": "and", "items": []}]},
        {"filter": ["id eq 1"]},
        {"filter": [{"op": "eq", "field": "userName", "value": "x", "udf": True}]},
        {"filter": [{"op": "eq", "field": "defaultServiceDeskRoleID", "value": 1}]},
        {"filter": [{"op": "eq", "field": "email", "value": "a\x00b"}]},
        {"filter": [{"op": "eq", "field": "email", "value": "a" * 255}]},
        {"filter": [{"op": "exist", "field": "id"}], "MaxRecords": 0},
        {"filter": [{"op": "exist", "field": "id"}], "MaxRecords": 501},
        {"filter": [{"op": "exist", "field": "id"}], "MaxRecords": "5"},
        {"filter": [{"op": "exist", "field": "id"}], "IncludeFields": ["salary"]},
        {"filter": [{"op": "exist", "field": "id"}], "IncludeFields": "email"},
    ],
)
def test_a_bad_query_is_a_400_with_errors(client, body):
    refused(client.post(f"{REST}/Resources/query", headers=client.api, json=body))


def test_groups_nested_too_deep_are_refused(client):
    condition = {"op": "exist", "field": "id"}
    for _ in range(9):
        condition = {"op": "and", "items": [condition]}
    assert "deep" in refused(
        client.post(f"{REST}/Resources/query", headers=client.api, json={"filter": [condition]})
    )


@pytest.mark.parametrize("search", [None, "", "{not json", "[1, 2]", "[" * 50_000])
def test_a_bad_search_parameter_is_a_400_with_errors(client, search):
    params = {} if search is None else {"search": search}
    refused(client.get(f"{REST}/Resources/query", headers=client.api, query_string=params))


def follow(client, url: str, method: str, body=None) -> dict:
    """Follow a pageDetails URL as a client would: the same host, the path and query given."""
    parts = urlsplit(url)
    assert parts.netloc == "localhost"
    response = client.open(
        parts.path + "?" + parts.query, method=method, headers=client.api, json=body
    )
    assert response.status_code == 200, response.get_json()
    return response.get_json()


@pytest.fixture(scope="module")
def many():
    """A client whose API user's tenant has 1,201 resources (read only: shared by the module)."""
    client = make_app().test_client()
    specs = [
        {
            "userName": f"user{n:04}",
            "email": f"user{n:04}@big.test",
            "firstName": "User",
            "lastName": f"{n:04}",
            "securityLevel": "Team Member",
        }
        for n in range(1201)
    ]
    seeded = client.post(
        "/_sim/tenants",
        json={"id": "big", "api_user": {"userName": "api@big.test"}, "resources": specs},
    ).get_json()
    client.api = api_headers(seeded["api_user"])
    return client


def test_1201_resources_come_in_three_pages_through_next_page_urls(many):
    client = many
    body = {"filter": [{"op": "beginsWith", "field": "userName", "value": "user"}]}
    first = client.post(f"{REST}/Resources/query", headers=client.api, json=body).get_json()
    second = follow(client, first["pageDetails"]["nextPageUrl"], "POST", body)
    third = follow(client, second["pageDetails"]["nextPageUrl"], "POST", body)
    pages = [first, second, third]
    assert [p["pageDetails"]["count"] for p in pages] == [500, 500, 201]
    assert [len(p["items"]) for p in pages] == [500, 500, 201]
    assert all(p["pageDetails"]["requestCount"] == 500 for p in pages)
    assert third["pageDetails"]["nextPageUrl"] is None
    assert first["pageDetails"]["prevPageUrl"] is None
    seen = [item["userName"] for page in pages for item in page["items"]]
    assert seen == [f"user{n:04}" for n in range(1201)]
    back = follow(client, second["pageDetails"]["prevPageUrl"], "POST", body)
    assert back["items"] == first["items"]


def test_pages_of_a_get_query_carry_the_search_in_their_urls(many):
    client = many
    search = json.dumps(
        {"filter": [{"op": "contains", "field": "email", "value": "big"}], "MaxRecords": 400}
    )
    page = client.get(
        f"{REST}/Resources/query", headers=client.api, query_string={"search": search}
    ).get_json()
    counts = [page["pageDetails"]["count"]]
    while page["pageDetails"]["nextPageUrl"]:
        page = follow(client, page["pageDetails"]["nextPageUrl"], "GET")
        counts.append(page["pageDetails"]["count"])
    assert counts == [400, 400, 400, 1]


@pytest.mark.parametrize(
    "paging",
    [
        None,
        "nope",
        "[]",
        '{"pageSize": 0, "previousIds": [], "nextIds": [1]}',
        '{"pageSize": 5, "previousIds": [], "nextIds": []}',
        '{"pageSize": 5, "previousIds": [1e999], "nextIds": [1]}',
    ],
)
def test_a_forged_paging_parameter_is_a_400_with_errors(client, paging):
    params = {"paging": paging} if paging is not None else {}
    response = client.post(
        f"{REST}/Resources/query/next",
        headers=client.api,
        query_string=params,
        json={"filter": [{"op": "exist", "field": "id"}]},
    )
    refused(response)


def test_patch_changes_the_fields_given_and_answers_the_item_id(client):
    bob = client.ids["bob"]
    response = client.patch(
        f"{REST}/Resources", headers=client.api, json={"id": bob, "firstName": "Robert"}
    )
    assert response.get_json() == {"itemId": bob}
    item = client.get(f"{REST}/Resources/{bob}", headers=client.api).get_json()["item"]
    assert (item["firstName"], item["lastName"]) == ("Robert", "Builder")


def test_patch_takes_back_an_item_read_with_get_unchanged_but_for_what_changed(client):
    ada = client.ids["ada"]
    item = client.get(f"{REST}/Resources/{ada}", headers=client.api).get_json()["item"]
    response = client.patch(f"{REST}/Resources", headers=client.api, json={**item, "title": "CEO"})
    assert response.status_code == 200, response.get_json()
    after = client.get(f"{REST}/Resources/{ada}", headers=client.api).get_json()["item"]
    assert after == {**item, "title": "CEO"}


def test_making_a_resource_inactive_through_patch_keeps_it(client):
    bob = client.ids["bob"]
    client.patch(f"{REST}/Resources", headers=client.api, json={"id": bob, "isActive": False})
    assert names(client, [{"op": "eq", "field": "isActive", "value": False}]) == ["bob", "cy"]


@pytest.mark.parametrize(
    "body",
    [
        {"firstName": "No id"},
        {"id": 1, "licenseType": 2},  # ada's is 1
        {"id": "x", "firstName": "X"},
        {"id": 1, "userName": "renamed"},
        {"id": 1, "salary": 1},
        {"id": 1, "firstName": ""},
        {"id": 1, "isActive": "no"},
        {"id": 1, "userDefinedFields": [{"name": "x", "value": "y"}]},
    ],
)
def test_a_bad_patch_is_a_400_and_changes_nothing(client, body):
    body = {**body, "id": client.ids["ada"]} if body.get("id") == 1 else body
    before = client.get(f"{REST}/Resources/{client.ids['ada']}", headers=client.api).get_json()
    refused(client.patch(f"{REST}/Resources", headers=client.api, json=body))
    after = client.get(f"{REST}/Resources/{client.ids['ada']}", headers=client.api).get_json()
    assert after == before


def test_resources_are_never_deleted_nor_created_through_the_api(client):
    ada = client.ids["ada"]
    response = client.delete(f"{REST}/Resources/{ada}", headers=client.api)
    assert "inactive" in refused(response, 405)
    assert response.headers["Allow"] == "GET"
    assert client.get(f"{REST}/Resources/{ada}", headers=client.api).status_code == 200
    created = client.post(f"{REST}/Resources", headers=client.api, json={"userName": "new"})
    refused(created, 405)
    assert "PATCH" in created.headers["Allow"]


def test_an_unknown_rest_path_is_a_404_with_errors(client):
    refused(client.get(f"{REST}/Tickets/1", headers=client.api), 404)


def test_entity_information_describes_the_resource_entity(client):
    info = client.get(f"{REST}/Resources/entityInformation", headers=client.api).get_json()
    assert info["info"]["name"] == "Resource"
    assert (info["info"]["canCreate"], info["info"]["canDelete"]) == (False, False)
    fields = client.get(
        f"{REST}/Resources/entityInformation/fields", headers=client.api
    ).get_json()["fields"]
    by_name = {field["name"]: field for field in fields}
    assert {"id", "userName", "email", "firstName", "lastName", "isActive"} <= set(by_name)
    license_types = {v["label"]: v["value"] for v in by_name["licenseType"]["picklistValues"]}
    assert license_types["Team Member"] == "3"
    assert by_name["defaultServiceDeskRoleID"]["isQueryable"] is False


def test_an_api_user_sees_and_changes_its_own_tenants_resources_only(client):
    other = seed(client, "globex")
    globex = api_headers(other["api_user"])
    everything = {"filter": [{"op": "exist", "field": "id"}]}
    acme_ids = {i["id"] for i in query(client, everything["filter"])["items"]}
    globex_items = client.post(f"{REST}/Resources/query", headers=globex, json=everything)
    globex_ids = {i["id"] for i in globex_items.get_json()["items"]}
    assert acme_ids and globex_ids and not acme_ids & globex_ids
    foreign = next(iter(globex_ids))
    refused(client.get(f"{REST}/Resources/{foreign}", headers=client.api), 404)
    response = client.patch(
        f"{REST}/Resources", headers=client.api, json={"id": foreign, "isActive": False}
    )
    refused(response, 404)
    crossed = {**client.api, "Secret": "secret-globex"}
    refused(client.post(f"{REST}/Resources/query", headers=crossed, json=everything), 401)


def test_rest_requests_are_journalled_and_can_be_made_to_fail(client):
    client.post("/_sim/tenants/acme/faults", json={"kind": "rest", "count": 1, "status": 503})
    assert (
        client.get(f"{REST}/Resources/{client.ids['ada']}", headers=client.api).status_code == 503
    )
    assert (
        client.get(f"{REST}/Resources/{client.ids['ada']}", headers=client.api).status_code == 200
    )
    entries = client.get("/_sim/tenants/acme/journal").get_json()["entries"]
    assert [e["status"] for e in entries if "/Resources/" in e["url"]] == [503, 200]
