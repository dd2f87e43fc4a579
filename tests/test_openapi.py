"""The OpenAPI documents of the simulators' JSON APIs — the control plane, KaseyaOne's admin and
module APIs, UniView's and Autotask's JSON APIs — are served, and say what the code does: every
documented operation exists, and every JSON route is documented (pages, OpenID Connect and SCIM
have standards of their own and are not; nor is Autotask's REST API, whose shape is Autotask's
own: its paths, under /ATServicesRest/, are not JSON routes by `json_routes`). An operation that
needs credentials documents the 401 it answers without them."""

import re

import pytest
import yaml
from openapi_spec_validator import validate

import mock_autotask
import mock_kaseyaone
import mock_uniview

DOCUMENTS = {
    "control": ("/_sim/openapi.yaml", "sim_common/openapi/control.yaml"),
    "kaseyaone": ("/api/v1/openapi.yaml", "mock_kaseyaone/openapi.yaml"),
    "uniview": ("/api/openapi.yaml", "mock_uniview/openapi.yaml"),
    "autotask": ("/api/openapi.yaml", "mock_autotask/openapi.yaml"),
}
APPS = {"kaseyaone": mock_kaseyaone, "uniview": mock_uniview, "autotask": mock_autotask}
METHODS = {"get", "put", "post", "delete", "patch"}


@pytest.fixture(scope="module", params=sorted(APPS))
def served(request):
    """A simulator's app, with the documents it serves, as served."""
    client = APPS[request.param].create_app().test_client()
    documents = {}
    for name in ("control", request.param):
        response = client.get(DOCUMENTS[name][0])
        assert response.status_code == 200 and response.mimetype == "application/yaml"
        with open(DOCUMENTS[name][1]) as file:
            assert response.get_data(as_text=True) == file.read()
        documents[name] = yaml.safe_load(response.get_data(as_text=True))
    return client.application, documents, request.param


def shape(path: str) -> str:
    """A path with its parameters unnamed: /t/{}/api/users/{} for werkzeug's and OpenAPI's."""
    return re.sub(r"<[^>]+>|\{[^}]+\}", "{}", path)


def documented(document: dict, simulator: str) -> dict[tuple[str, str], dict]:
    """The operations a document gives `simulator` (`x-simulators` names the only ones that
    serve an operation, where not every simulator does: KaseyaOne's keys, say)."""
    return {
        (method.upper(), shape(path)): operation
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in METHODS and simulator in operation.get("x-simulators", [simulator])
    }


def json_routes(app) -> set[tuple[str, str]]:
    """The control plane (/_sim/), KaseyaOne's /api/, UniView's and Autotask's /t/<tenant>/api/,
    and the API Autotask's LiveMobile app signs in with (not Autotask's REST API:
    /ATServicesRest/ has neither in it)."""
    return {
        (method, shape(rule.rule))
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith(("/_sim/", "/api/"))
        or "/api/" in rule.rule
        or "/livemobile/" in rule.rule
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }


def test_every_documented_operation_exists(served):
    app, documents, simulator = served
    routes = json_routes(app)
    for name, document in documents.items():
        missing = set(documented(document, simulator)) - routes
        assert not missing, f"{name} documents what {app.name} does not serve: {sorted(missing)}"


def test_every_json_route_is_documented(served):
    app, documents, simulator = served
    described = set().union(*(documented(d, simulator) for d in documents.values()))
    undocumented = json_routes(app) - described
    assert not undocumented, f"{app.name} serves undocumented: {sorted(undocumented)}"


def test_what_needs_credentials_documents_the_401(served):
    _, documents, simulator = served
    for name, document in documents.items():
        for key, operation in documented(document, simulator).items():
            if operation.get("security", document.get("security")):
                assert "401" in operation["responses"], f"{name}: {key} lacks its 401"


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_each_document_is_valid_openapi(name):
    with open(DOCUMENTS[name][1]) as file:
        validate(yaml.safe_load(file))
