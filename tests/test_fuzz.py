"""schemathesis against the simulators, served on loopback ports as the harness serves them,
through their OpenAPI documents: the control plane (on each), KaseyaOne's admin and module APIs,
UniView's and Autotask's JSON APIs. Each operation gets valid and invalid requests (bodies,
parameters, methods it does not serve), with credentials, in tenants of its own seeded for it;
path parameters name what exists there, so that requests get past "not found". Whatever is
asked, no answer is a 5xx, and every 4xx is an error that explains itself (`error` and
`message`).

A bounded number of examples per operation, derandomized: the same requests every run."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings

from k1harness.drivers.browser import Browser
from k1harness.embedded import start_embedded
from mock_autotask.models import Integration as AutotaskIntegration
from mock_uniview.models import Integration

CONTROL = schemathesis.openapi.from_path("sim_common/openapi/control.yaml")
KASEYAONE = schemathesis.openapi.from_path("mock_kaseyaone/openapi.yaml")
UNIVIEW = schemathesis.openapi.from_path("mock_uniview/openapi.yaml")
AUTOTASK = schemathesis.openapi.from_path("mock_autotask/openapi.yaml")

fuzz = settings(
    max_examples=8,
    derandomize=True,
    database=None,
    deadline=None,
    # Tenants made for an operation are shared by its examples: a function-scoped fixture is meant.
    suppress_health_check=list(HealthCheck),
)
PASSWORD = "pw"
NUMBERS = itertools.count(1)


# A parameter, so that each test's id names its operation: with pytest 9, schemathesis puts the
# operation in the id only of tests that have one.
@pytest.fixture(scope="module", params=["embedded"])
def simulators():
    running = start_embedded()
    yield running
    running.stop()


@dataclass
class Setup:
    """What one operation's requests name (path parameters) and authenticate with."""

    path: dict[str, str]
    auth: tuple[str, str] | None = None
    cookies: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    # The headers of each caller that is not the signed-in person (KaseyaOne, an app), by name.
    callers: dict[str, dict[str, str]] = field(default_factory=dict)


def call(method: str, url: str, **kwargs) -> dict:
    response = requests.request(method, url, timeout=10, **kwargs)
    assert response.status_code in (200, 201), (method, url, response.text)
    return response.json()


def kaseyaone_tenant(url: str) -> tuple[str, dict]:
    """A KaseyaOne tenant: a master user, Ann in a group, a module instance (names are unique
    across the hub: each tenant has its own)."""
    number = next(NUMBERS)
    master = (f"m{number}@fuzz.test", PASSWORD)
    seeded = call(
        "POST",
        f"{url}/_sim/tenants",
        json={
            "name": f"Fuzz {number}",
            "groups": ["Support"],
            "users": [
                {"email": master[0], "name": "M", "password": PASSWORD, "master": True},
                {"email": f"ann{number}@fuzz.test", "name": "Ann", "password": PASSWORD},
            ],
        },
    )
    instance = call(
        "POST",
        f"{url}/api/v1/module-instances",
        auth=master,
        json={"module": "uniview", "redirect_uris": ["http://uv.test/cb"]},
    )
    group = call("GET", f"{url}/api/v1/groups", auth=master)["groups"][0]
    return seeded["tenant"]["id"], {
        "master": master,
        "module": (instance["client_id"], instance["client_secret"]),
        "instance_id": instance["id"],
        "user_id": seeded["users"][1]["id"],
        "group_id": group["id"],
    }


def uniview_tenant(simulators, integrated: bool) -> Setup:
    """A UniView tenant with its KaseyaOne integration added (by a master user of a KaseyaOne
    tenant of its own) unless not `integrated`, a group and an organization, its superuser
    signed in."""
    _, hub = kaseyaone_tenant(simulators.kaseyaone.url)
    url = simulators.uniview.url
    tenant = call(
        "POST",
        f"{url}/_sim/tenants",
        json={
            "name": "Fuzz",
            "groups": ["Support"],
            "organizations": [{"name": "Acme", "groups": ["Support"]}],
            "appliances": [{"asset_tag": "dr-1", "protected_assets": [{"name": "fileserver"}]}],
            "users": [
                {"username": "su@fuzz.test", "password": PASSWORD, "role": "superuser"},
                {"username": "ann@fuzz.test", "password": PASSWORD, "role": "monitor"},
            ],
        },
    )["tenant"]["id"]
    person = Browser()  # signs in on the login page, its CSRF token and all
    login = person.open(f"{url}/t/{tenant}/login")
    home = person.submit(login, "login", username="su@fuzz.test", password=PASSWORD)
    assert home.url == f"{url}/t/{tenant}/", home.text
    browser = person.http
    api = f"{url}/t/{tenant}/api"
    master_email, master_password = hub["master"]
    browser.post(
        f"{api}/integrations/kaseyaone",
        json={"master_email": master_email, "master_password": master_password},
        timeout=10,
    ).raise_for_status()
    if not integrated:  # added and reset: KaseyaOne's token for this UniView is still known
        browser.delete(f"{api}/integrations/kaseyaone", timeout=10).raise_for_status()
    group = browser.get(f"{api}/groups", timeout=10).json()["groups"][0]
    organization = browser.get(f"{api}/organizations", timeout=10).json()["organizations"][0]
    store = simulators.uniview.server.app.extensions["sim_store"]
    with store.transaction() as session:  # the token UniView handed KaseyaOne
        integration = session.get(Integration, tenant)
        token = integration.scim_token if integration else "reset"
    return Setup(
        path={
            "tenant": tenant,
            "username": "ann@fuzz.test",
            "group_id": group["id"],
            "organization_id": organization["id"],
            "asset_tag": "dr-1",
        },
        cookies=browser.cookies.get_dict(),
        headers={"Authorization": f"Bearer {token}"},
    )


def explains_itself(case, response) -> None:
    request = f"{case.method} {case.formatted_path} {case.query or ''} {case.body!r}"[:500]
    assert response.status_code < 500, f"{request} -> {response.status_code} {response.text}"
    if 400 <= response.status_code < 500 and case.method != "HEAD":
        try:
            body = response.json()
        except ValueError:
            body = None
        assert isinstance(body, dict), f"{request} -> {response.status_code} {response.text}"
        # `message` in the simulators' own errors; `error_description` where an access token is
        # refused (RFC 6750 §3, KaseyaOne's launcher).
        explanation = body.get("message") or body.get("error_description")
        assert isinstance(body.get("error"), str) and body["error"], f"{request} -> {body}"
        assert isinstance(explanation, str) and explanation, f"{request} -> {body}"


def send(case, base_url: str, setup: Setup, **kwargs):
    case.path_parameters.update(
        {name: setup.path[name] for name in case.path_parameters if name in setup.path}
    )
    response = case.call(base_url=base_url, cookies=setup.cookies, **kwargs)
    explains_itself(case, response)


def autotask_tenant(simulators, integrated: bool) -> Setup:
    """An Autotask instance with its KaseyaOne integration added (by a master user of a
    KaseyaOne tenant of its own) unless not `integrated` (then LiveMobile signs in: Unified
    Login is off), ada its administrator signed in, bob approved by her, carl on LiveMobile."""
    _, hub = kaseyaone_tenant(simulators.kaseyaone.url)
    url = simulators.autotask.url

    def resource(name: str, level: str, **more) -> dict:
        return {
            "userName": name,
            "email": f"{name}@fuzz.test",
            "firstName": name.title(),
            "lastName": "Fuzz",
            "password": PASSWORD,
            "securityLevel": level,
            **more,
        }

    tenant = call(
        "POST",
        f"{url}/_sim/tenants",
        json={
            "name": "Fuzz",
            "departments": ["Support"],
            "roles": ["Technician"],
            "resources": [
                resource("ada", "System Administrator", approvesTimesheets=True),
                resource("bob", "Team Member", timesheetApprover="ada"),
                resource("carl", "Team Member"),
            ],
        },
    )["tenant"]["id"]
    person = Browser()
    login = person.open(f"{url}/t/{tenant}/login")
    home = person.submit(login, "login", username="ada", password=PASSWORD)
    assert home.url == f"{url}/t/{tenant}/", home.text
    headers = {}
    if integrated:
        master_email, master_password = hub["master"]
        person.http.post(
            f"{url}/t/{tenant}/api/integrations/kaseyaone",
            json={"master_email": master_email, "master_password": master_password},
            timeout=10,
        ).raise_for_status()
        store = simulators.autotask.server.app.extensions["sim_store"]
        with store.transaction() as session:  # the token Autotask handed KaseyaOne
            headers["kaseyaone"] = session.get(AutotaskIntegration, tenant).scim_token
    else:
        signed_in = call(
            "POST",
            f"{url}/t/{tenant}/livemobile/login",
            json={"username": "carl", "password": PASSWORD},
        )
        headers["livemobile"] = signed_in["token"]
    return Setup(
        path={"tenant": tenant, "ref": "bob"},
        cookies=person.http.cookies.get_dict(),
        callers={name: {"Authorization": f"Bearer {token}"} for name, token in headers.items()},
    )


@pytest.fixture(params=["kaseyaone", "uniview", "autotask"])
def control_plane(request, simulators):
    """The control plane of each simulator, on a tenant of its own."""
    url = getattr(simulators, request.param).url
    tenant = call("POST", f"{url}/_sim/tenants", json={"name": "Fuzz"})["tenant"]["id"]
    return url, Setup(path={"tenant": tenant})


@CONTROL.parametrize()
@fuzz
def test_control_plane(case, control_plane):
    url, setup = control_plane
    send(case, url, setup)


@pytest.fixture
def kaseyaone(simulators):
    tenant, made = kaseyaone_tenant(simulators.kaseyaone.url)
    return made


@KASEYAONE.parametrize()
@fuzz
def test_kaseyaone_api(case, simulators, kaseyaone):
    module_call = case.path.startswith("/api/v1/module/")
    setup = Setup(
        path={k: kaseyaone[k] for k in ("instance_id", "user_id", "group_id")},
        auth=kaseyaone["module" if module_call else "master"],
    )
    send(case, simulators.kaseyaone.url, setup, auth=setup.auth)


@pytest.fixture
def uniview(request, simulators):
    # Adding the integration is tried where it has not been added: else every attempt is 409.
    adding = "[POST /t/{tenant}/api/integrations/kaseyaone]" in request.node.name
    return uniview_tenant(simulators, integrated=not adding)


@UNIVIEW.parametrize()
@fuzz
def test_uniview_api(case, simulators, uniview):
    from_kaseyaone = case.path.endswith("/api/kaseyaone/settings")
    send(case, simulators.uniview.url, uniview, headers=uniview.headers if from_kaseyaone else None)


@pytest.fixture
def autotask(request, simulators):
    # Adding the integration, and LiveMobile, are tried where it has not been added: else every
    # attempt to add it is 409, and LiveMobile refuses everyone.
    name = request.node.name
    adding = "[POST /t/{tenant}/api/integrations/kaseyaone]" in name or "/livemobile/" in name
    return autotask_tenant(simulators, integrated=not adding)


@AUTOTASK.parametrize()
@fuzz
def test_autotask_api(case, simulators, autotask):
    caller = (
        "kaseyaone"
        if case.path.endswith("/api/kaseyaone/settings")
        else "livemobile"
        if case.path.endswith("/livemobile/me")
        else None
    )
    send(case, simulators.autotask.url, autotask, headers=autotask.callers.get(caller))
