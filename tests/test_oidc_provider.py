"""The simulated KaseyaOne as an OpenID Connect provider, spoken to over real HTTP on loopback.

The happy path is driven and checked by `oic` (pyoidc), an OIDC client library independent of the
authlib the provider is built on; the ID token is checked a second time with `jwcrypto`. Every
refusal is checked for the exact RFC 6749 / RFC 7636 / RFC 6750 error a client would receive.
Each test gets its own tenant, so tests never share users, codes, tokens or the simulated clock.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

import pytest
import requests
from jwcrypto import jwk, jws
from jwkest import BadSignature  # oic's JOSE library
from oic.oic import Client
from oic.oic.message import AccessTokenResponse, AuthorizationResponse, RegistrationResponse
from oic.utils.authn.client import CLIENT_AUTHN_METHOD

import mock_kaseyaone
from k1harness.embedded import serve

REDIRECT_URI = "http://127.0.0.1:9/cb"  # nothing listens there: redirects are read, not followed
OTHER_REDIRECT_URI = "http://127.0.0.1:9/other-cb"  # also registered for the same client
PASSWORD = "correct horse battery staple"
SCOPE = "openid email profile groups"
TIMEOUT = 10

# The provider's configured lifetimes (mock_kaseyaone.DEFAULTS), all on the tenant's clock.
CODE_LIFETIME = 60
ACCESS_TOKEN_LIFETIME = 3600
ID_TOKEN_LIFETIME = 3600


# --------------------------------------------------------------------------------------------
# The provider and a fresh tenant per test
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def provider_url(tmp_path_factory) -> str:
    directory = tmp_path_factory.mktemp("kaseyaone")
    server = serve(
        "kaseyaone",
        lambda url: mock_kaseyaone.create_app(
            {
                "DATABASE_URL": f"sqlite:///{directory}/k1.sqlite3",
                "PUBLIC_URL": url,
                "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1",
            }
        ),
    )
    yield server.url
    server.stop()


@dataclass
class Tenant:
    url: str
    id: str
    users: dict[str, dict]  # role -> the user as the control plane returned it
    client_id: str
    client_secret: str
    instance_id: str

    def clock(self) -> int:
        """The tenant's simulated time, as epoch seconds."""
        response = requests.get(f"{self.url}/_sim/tenants/{self.id}/clock", timeout=TIMEOUT)
        response.raise_for_status()
        return response.json()["epoch"]

    def advance_clock(self, seconds: int) -> None:
        response = requests.post(
            f"{self.url}/_sim/tenants/{self.id}/clock/advance",
            json={"seconds": seconds},
            timeout=TIMEOUT,
        )
        response.raise_for_status()

    def email(self, role: str) -> str:
        return self.users[role]["email"]


@pytest.fixture
def tenant(provider_url) -> Tenant:
    """A tenant with a master user (administration only), Alice (granted the module), a user who
    was granted the module and then deactivated, and an outsider without module access."""
    tag = secrets.token_hex(4)
    specs = {
        "master": {"name": "Mona Master", "master": True},
        "alice": {"name": "Alice Example", "groups": ["Ops", "Support"]},
        "deactivated": {"name": "Dan Deactivated"},
        "outsider": {"name": "Olga Outsider"},
    }
    body = {
        "name": f"OIDC tests {tag}",
        "users": [
            {"email": f"{role}-{tag}@example.test", "password": PASSWORD, **spec}
            for role, spec in specs.items()
        ],
    }
    created = requests.post(f"{provider_url}/_sim/tenants", json=body, timeout=TIMEOUT)
    assert created.status_code == 201, created.text
    users = {user["email"].split("-")[0]: user for user in created.json()["users"]}
    with requests.Session() as admin:
        admin.auth = (users["master"]["email"], PASSWORD)
        instance = admin.post(
            f"{provider_url}/api/v1/module-instances",
            json={
                "module": "uniview",
                "name": "UV",
                "redirect_uris": [REDIRECT_URI, OTHER_REDIRECT_URI],
            },
            timeout=TIMEOUT,
        )
        assert instance.status_code == 201, instance.text
        instance = instance.json()
        for role in ("alice", "deactivated"):
            granted = admin.put(
                f"{provider_url}/api/v1/module-instances/{instance['id']}/users/"
                f"{users[role]['id']}",
                timeout=TIMEOUT,
            )
            assert granted.status_code == 200, granted.text
        deactivated = admin.post(
            f"{provider_url}/api/v1/users/{users['deactivated']['id']}/deactivate", timeout=TIMEOUT
        )
        assert deactivated.status_code == 200, deactivated.text
    return Tenant(
        url=provider_url,
        id=created.json()["tenant"]["id"],
        users=users,
        client_id=instance["client_id"],
        client_secret=instance["client_secret"],
        instance_id=instance["id"],
    )


@pytest.fixture
def browser():
    """What the person signing in uses: a plain HTTP session that never follows redirects."""
    with requests.Session() as session:
        yield session


# --------------------------------------------------------------------------------------------
# Helpers: PKCE, the login page, "authorize and get a code", the token and userinfo endpoints
# --------------------------------------------------------------------------------------------


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def pkce_pair() -> tuple[str, str]:
    """A code_verifier (RFC 7636 §4.1: 43-128 unreserved characters) and its S256 challenge."""
    verifier = secrets.token_urlsafe(48)  # 64 characters of [A-Za-z0-9_-]
    return verifier, b64url(hashlib.sha256(verifier.encode("ascii")).digest())


class PageParser(HTMLParser):
    """The forms (their action and input values) and the links of a page, by element id."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.forms: dict[str, dict] = {}
        self.links: dict[str, str] = {}
        self.data: dict[str, dict[str, str]] = {}
        self._form: dict | None = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attributes = {name: value or "" for name, value in attrs}
        if tag == "form":
            self._form = {"action": attributes.get("action", ""), "fields": {}}
            self.forms[attributes.get("id", "")] = self._form
        elif tag == "input" and self._form is not None and "name" in attributes:
            self._form["fields"][attributes["name"]] = attributes.get("value", "")
        elif tag == "a" and "id" in attributes:
            self.links[attributes["id"]] = attributes.get("href", "")
        if "id" in attributes:
            self.data[attributes["id"]] = {
                k[5:]: v for k, v in attributes.items() if k.startswith("data-")
            }

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None


def query_of(url: str) -> dict[str, str]:
    pairs = parse_qs(urlsplit(url).query, keep_blank_values=True)
    assert all(len(values) == 1 for values in pairs.values()), url
    return {name: values[0] for name, values in pairs.items()}


@dataclass
class AuthRequest:
    url: str
    state: str
    nonce: str
    code_verifier: str


def authorization_request(tenant: Tenant, **overrides) -> AuthRequest:
    """An authorization request URL with state, nonce and PKCE S256; an override of None leaves
    that parameter out."""
    verifier, challenge = pkce_pair()
    params = {
        "response_type": "code",
        "client_id": tenant.client_id,
        "redirect_uri": REDIRECT_URI,
        "scope": SCOPE,
        "state": secrets.token_urlsafe(16),
        "nonce": secrets.token_urlsafe(16),
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        **overrides,
    }
    params = {name: value for name, value in params.items() if value is not None}
    url = f"{tenant.url}/oauth/authorize?{urlencode(params)}"
    return AuthRequest(url, params.get("state", ""), params.get("nonce", ""), verifier)


def submit_form(browser, url: str, form_id: str, **values) -> requests.Response:
    """Open a page and submit one of its forms as a browser would: its fields (hidden ones, the
    CSRF token among them) with `values` typed in, and the page's origin."""
    page = browser.get(url, allow_redirects=False, timeout=TIMEOUT)
    assert page.status_code == 200, page.text
    form = PageParser(page.text).forms[form_id]
    parts = urlsplit(page.url)
    return browser.post(
        urljoin(page.url, form["action"]),
        data={**form["fields"], **values},
        headers={"Origin": f"{parts.scheme}://{parts.netloc}"},
        allow_redirects=False,
        timeout=TIMEOUT,
    )


def submit_login(browser, url: str, email: str, password: str = PASSWORD) -> requests.Response:
    """Open the authorization URL and submit KaseyaOne's login form as a browser would."""
    return submit_form(browser, url, "login", email=email, password=password)


def client_callback_params(url: str) -> dict:
    """The parameters of a URL that must lead to the client's (registered) redirect_uri."""
    assert url.split("?", 1)[0] == REDIRECT_URI, url
    return query_of(url)


def redirect_to_client(response: requests.Response) -> dict:
    """The parameters the provider redirects back to the client with."""
    assert response.status_code in (302, 303), (response.status_code, response.text)
    return client_callback_params(response.headers["Location"])


def authorize_and_get_code(
    tenant: Tenant, browser, role: str = "alice", **overrides
) -> tuple[AuthRequest, str]:
    auth = authorization_request(tenant, **overrides)
    params = redirect_to_client(submit_login(browser, auth.url, tenant.email(role)))
    assert params["state"] == auth.state
    assert "error" not in params, params
    return auth, params["code"]


def exchange_code(
    tenant: Tenant,
    code: str,
    code_verifier: str | None,
    *,
    redirect_uri: str | None = REDIRECT_URI,
    auth_method: str = "client_secret_basic",
    client_secret: str | None = None,
) -> requests.Response:
    """A token request; `None` leaves a parameter out."""
    secret = tenant.client_secret if client_secret is None else client_secret
    data = {"grant_type": "authorization_code", "code": code}
    if redirect_uri is not None:
        data["redirect_uri"] = redirect_uri
    if code_verifier is not None:
        data["code_verifier"] = code_verifier
    basic = None
    if auth_method == "client_secret_basic":
        basic = (tenant.client_id, secret)
    else:
        data.update(client_id=tenant.client_id, client_secret=secret)
    return requests.post(f"{tenant.url}/oauth/token", data=data, auth=basic, timeout=TIMEOUT)


def tokens_for(tenant: Tenant, browser, role: str = "alice") -> dict:
    auth, code = authorize_and_get_code(tenant, browser, role)
    response = exchange_code(tenant, code, auth.code_verifier)
    assert_token_response(response)
    return response.json()


def call_userinfo(tenant: Tenant, access_token: str) -> requests.Response:
    return requests.get(
        f"{tenant.url}/oauth/userinfo",
        headers={"Authorization": f"Bearer {access_token}"},
        timeout=TIMEOUT,
    )


def assert_token_response(response: requests.Response) -> None:
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.headers.get("Cache-Control") == "no-store"  # RFC 6749 §5.1
    body = response.json()
    assert body["token_type"].lower() == "bearer"
    assert body["access_token"] and body["id_token"]
    assert body["expires_in"] == ACCESS_TOKEN_LIFETIME


def assert_oauth_error(response: requests.Response, status: int, error: str) -> None:
    """An RFC 6749 §5.2 error response: JSON with the exact `error` code."""
    assert response.status_code == status, (response.status_code, response.text)
    assert response.headers["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["error"] == error, body
    assert "access_token" not in body and "id_token" not in body


def assert_invalid_token(response: requests.Response) -> None:
    """RFC 6750 §3.1: 401 with a Bearer challenge naming `invalid_token`."""
    assert response.status_code == 401, response.text
    challenge = response.headers["WWW-Authenticate"]
    assert challenge.lower().startswith("bearer "), challenge
    assert 'error="invalid_token"' in challenge, challenge


def jwks(tenant: Tenant) -> jwk.JWKSet:
    response = requests.get(f"{tenant.url}/oauth/jwks", timeout=TIMEOUT)
    assert response.status_code == 200
    return jwk.JWKSet.from_json(response.text)


def verified_id_token(tenant: Tenant, id_token: str) -> tuple[dict, dict]:
    """The header and claims of an ID token whose RS256 signature jwcrypto verified with the
    JWKS key its `kid` names."""
    token = jws.JWS()
    token.deserialize(id_token)
    header = token.jose_header
    assert header["alg"] == "RS256"
    key = jwks(tenant).get_key(header["kid"])
    assert key is not None, f"no key with kid {header['kid']!r} in the JWKS"
    token.verify(key, alg="RS256")
    return header, json.loads(token.payload)


def at_hash(access_token: str) -> str:
    """OIDC Core §3.1.3.6: the left half of SHA-256 of the access token, base64url."""
    digest = hashlib.sha256(access_token.encode("ascii")).digest()
    return b64url(digest[: len(digest) // 2])


def oic_client(tenant: Tenant) -> Client:
    """An `oic` client that discovered the provider and is registered statically."""
    client = Client(client_authn_method=CLIENT_AUTHN_METHOD)
    client.provider_config(tenant.url)
    client.store_registration_info(
        RegistrationResponse(
            client_id=tenant.client_id,
            client_secret=tenant.client_secret,
            redirect_uris=[REDIRECT_URI],
            token_endpoint_auth_method="client_secret_basic",
        )
    )
    return client


# --------------------------------------------------------------------------------------------
# Discovery and a full sign-in
# --------------------------------------------------------------------------------------------


def test_discovery_document_advertises_what_the_provider_does(tenant):
    response = requests.get(f"{tenant.url}/.well-known/openid-configuration", timeout=TIMEOUT)
    assert response.status_code == 200
    metadata = response.json()
    assert metadata["issuer"] == tenant.url
    assert metadata["authorization_endpoint"] == f"{tenant.url}/oauth/authorize"
    assert metadata["token_endpoint"] == f"{tenant.url}/oauth/token"
    assert metadata["userinfo_endpoint"] == f"{tenant.url}/oauth/userinfo"
    assert metadata["jwks_uri"] == f"{tenant.url}/oauth/jwks"
    assert metadata["response_types_supported"] == ["code"]
    assert metadata["code_challenge_methods_supported"] == ["S256"]
    assert metadata["id_token_signing_alg_values_supported"] == ["RS256"]
    assert set(metadata["token_endpoint_auth_methods_supported"]) == {
        "client_secret_basic",
        "client_secret_post",
    }
    assert set(SCOPE.split()) <= set(metadata["scopes_supported"])


def test_full_sign_in_checked_by_the_oic_client_library(tenant, browser):
    client = oic_client(tenant)
    assert client.provider_info["issuer"] == tenant.url
    assert client.keyjar.get_verify_key(owner=tenant.url), "oic loaded no key from the JWKS"

    # The authorization request, built by oic with its own PKCE S256 pair.
    pkce_args, code_verifier = client.add_code_challenge()
    assert pkce_args["code_challenge_method"] == "S256"
    state, nonce = secrets.token_urlsafe(16), secrets.token_urlsafe(16)
    url, _body, _headers, _request = client.authorization_request_info(
        request_args={
            "response_type": "code",
            "scope": SCOPE,
            "state": state,
            "nonce": nonce,
            "redirect_uri": REDIRECT_URI,
            **pkce_args,
        }
    )
    assert url.startswith(f"{tenant.url}/oauth/authorize?")

    # The person signs in; oic parses what comes back to the redirect_uri.
    clock_at_login = tenant.clock()
    login = submit_login(browser, url, tenant.email("alice"))
    assert login.status_code == 302, login.text
    authorization = client.parse_response(
        AuthorizationResponse, info=login.headers["Location"], sformat="urlencoded"
    )
    assert isinstance(authorization, AuthorizationResponse)
    assert authorization["state"] == state
    assert "error" not in authorization

    # oic exchanges the code (client_secret_basic) and verifies the ID token: the RS256
    # signature with the JWKS key named by `kid`, iss, aud, azp, nonce, exp and iat.
    clock_before = tenant.clock()
    tokens = client.do_access_token_request(
        state=state,
        request_args={
            "code": authorization["code"],
            "redirect_uri": REDIRECT_URI,
            "code_verifier": code_verifier,
        },
        authn_method="client_secret_basic",
    )
    clock_after = tenant.clock()
    assert isinstance(tokens, AccessTokenResponse), tokens.to_dict()
    assert tokens["token_type"].lower() == "bearer"
    id_token = tokens["id_token"]  # the IdToken oic verified
    assert id_token.jws_header["alg"] == "RS256"
    assert id_token.jws_header["kid"] in {key.kid for key in jwks(tenant)["keys"]}
    assert id_token["iss"] == tenant.url
    assert id_token["aud"] == [tenant.client_id]
    assert id_token["nonce"] == nonce

    # What oic does not check for the code flow: at_hash, and times on the tenant's clock.
    assert id_token["at_hash"] == at_hash(tokens["access_token"])
    assert clock_before <= id_token["iat"] <= clock_after
    assert id_token["exp"] == id_token["iat"] + ID_TOKEN_LIFETIME
    assert clock_at_login <= id_token["auth_time"] <= clock_before

    # The claims about Alice.
    alice = tenant.users["alice"]
    assert id_token["sub"] == alice["id"]
    assert id_token["email"] == alice["email"]
    assert id_token["email_verified"] is True
    assert id_token["name"] == "Alice Example"
    assert sorted(id_token["groups"]) == ["Ops", "Support"]
    assert sorted(g["name"] for g in id_token["kaseyaone_groups"]) == ["Ops", "Support"]
    assert len({g["id"] for g in id_token["kaseyaone_groups"]}) == 2
    assert id_token["module_access"] is True
    assert id_token["kaseyaone_tenant"] == tenant.id

    # Userinfo through oic (which also checks that its `sub` is the ID token's).
    userinfo = client.do_user_info_request(state=state, method="GET")
    assert "error" not in userinfo, userinfo.to_dict()
    assert userinfo["sub"] == id_token["sub"]
    for claim in ("email", "email_verified", "name", "module_access", "kaseyaone_tenant"):
        assert userinfo[claim] == id_token[claim], claim
    assert sorted(userinfo["groups"]) == ["Ops", "Support"]

    # oic's verification is real: the same response with a forged ID token is refused.
    forged = tokens["id_token_jwt"].split(".")
    claims = json.loads(base64.urlsafe_b64decode(forged[1] + "=" * (-len(forged[1]) % 4)))
    forged[1] = b64url(json.dumps({**claims, "sub": tenant.users["outsider"]["id"]}).encode())
    forged_response = {
        "access_token": tokens["access_token"],
        "token_type": "Bearer",
        "id_token": ".".join(forged),
    }
    with pytest.raises(BadSignature):
        client.parse_response(AccessTokenResponse, info=json.dumps(forged_response))


def test_id_token_signature_verifies_with_jwcrypto_against_the_jwks(tenant, browser):
    tokens = tokens_for(tenant, browser)
    keys = jwks(tenant)
    for key in keys["keys"]:
        assert not key.has_private, "the JWKS publishes a private key"
        assert key.get("use", "sig") == "sig"

    header, claims = verified_id_token(tenant, tokens["id_token"])
    assert header["alg"] == "RS256"
    assert keys.get_key(header["kid"])["kty"] == "RSA"
    assert claims["iss"] == tenant.url
    assert claims["aud"] in (tenant.client_id, [tenant.client_id])
    assert claims["sub"] == tenant.users["alice"]["id"]

    # The verification can fail: a changed payload, or a key that is not the provider's.
    signed = jws.JWS()
    head, payload, signature = tokens["id_token"].split(".")
    changed = b64url(json.dumps({**claims, "module_access": False}).encode())
    signed.deserialize(f"{head}.{changed}.{signature}")
    with pytest.raises(jws.InvalidJWSSignature):
        signed.verify(keys.get_key(header["kid"]), alg="RS256")
    genuine = jws.JWS()
    genuine.deserialize(tokens["id_token"])
    with pytest.raises(jws.InvalidJWSSignature):
        genuine.verify(jwk.JWK.generate(kty="RSA", size=2048), alg="RS256")


def test_token_times_follow_the_tenant_clock(tenant, browser):
    clock_at_login = tenant.clock()
    auth, code = authorize_and_get_code(tenant, browser)
    login_done = tenant.clock()
    tenant.advance_clock(CODE_LIFETIME - 15)  # still within the code's lifetime
    issued_from = tenant.clock()
    response = exchange_code(tenant, code, auth.code_verifier)
    assert_token_response(response)
    _header, claims = verified_id_token(tenant, response.json()["id_token"])
    assert issued_from <= claims["iat"] <= tenant.clock()
    assert claims["iat"] >= login_done + CODE_LIFETIME - 15
    assert claims["exp"] == claims["iat"] + ID_TOKEN_LIFETIME
    assert clock_at_login <= claims["auth_time"] <= login_done  # when Alice signed in
    assert claims["nonce"] == auth.nonce
    assert claims["at_hash"] == at_hash(response.json()["access_token"])


def test_client_secret_post_works_too(tenant, browser):
    auth, code = authorize_and_get_code(tenant, browser)
    response = exchange_code(tenant, code, auth.code_verifier, auth_method="client_secret_post")
    assert_token_response(response)
    _header, claims = verified_id_token(tenant, response.json()["id_token"])
    assert claims["aud"] in (tenant.client_id, [tenant.client_id])
    assert claims["nonce"] == auth.nonce
    userinfo = call_userinfo(tenant, response.json()["access_token"])
    assert userinfo.status_code == 200
    assert userinfo.json()["sub"] == claims["sub"] == tenant.users["alice"]["id"]
    assert userinfo.json()["module_access"] is True


# --------------------------------------------------------------------------------------------
# Refusals at the token and userinfo endpoints
# --------------------------------------------------------------------------------------------


def test_reused_code_is_invalid_grant_and_revokes_the_first_access_token(tenant, browser):
    auth, code = authorize_and_get_code(tenant, browser)
    first = exchange_code(tenant, code, auth.code_verifier)
    assert_token_response(first)
    access_token = first.json()["access_token"]
    assert call_userinfo(tenant, access_token).status_code == 200

    assert_oauth_error(exchange_code(tenant, code, auth.code_verifier), 400, "invalid_grant")
    # RFC 6749 §4.1.2: the tokens issued for a code used twice are revoked.
    assert_invalid_token(call_userinfo(tenant, access_token))


@pytest.mark.parametrize(
    "redirect_uri",
    [OTHER_REDIRECT_URI, "http://127.0.0.1:9/unregistered", None],
    ids=["another-registered-uri", "unregistered-uri", "missing"],
)
def test_token_request_redirect_uri_must_match_the_authorization_request(
    tenant, browser, redirect_uri
):
    auth, code = authorize_and_get_code(tenant, browser)
    response = exchange_code(tenant, code, auth.code_verifier, redirect_uri=redirect_uri)
    assert_oauth_error(response, 400, "invalid_grant")  # RFC 6749 §4.1.3


def test_missing_code_verifier_is_invalid_request(tenant, browser):
    _auth, code = authorize_and_get_code(tenant, browser)
    assert_oauth_error(exchange_code(tenant, code, None), 400, "invalid_request")  # RFC 7636 §4.6


def test_wrong_code_verifier_is_invalid_grant(tenant, browser):
    _auth, code = authorize_and_get_code(tenant, browser)
    other_verifier, _challenge = pkce_pair()
    response = exchange_code(tenant, code, other_verifier)
    assert_oauth_error(response, 400, "invalid_grant")  # RFC 7636 §4.6


@pytest.mark.parametrize("auth_method", ["client_secret_basic", "client_secret_post"])
def test_bad_client_secret_is_invalid_client(tenant, browser, auth_method):
    auth, code = authorize_and_get_code(tenant, browser)
    response = exchange_code(
        tenant, code, auth.code_verifier, auth_method=auth_method, client_secret="not-the-secret"
    )
    assert_oauth_error(response, 401, "invalid_client")
    if auth_method == "client_secret_basic":  # RFC 6749 §5.2: a challenge for the scheme used
        assert response.headers["WWW-Authenticate"].lower().startswith("basic")


@pytest.mark.parametrize(
    ("advance", "expired"),
    [(CODE_LIFETIME - 5, False), (CODE_LIFETIME + 1, True)],
    ids=["within-lifetime", "expired"],
)
def test_authorization_code_expires_on_the_tenant_clock(tenant, browser, advance, expired):
    auth, code = authorize_and_get_code(tenant, browser)
    tenant.advance_clock(advance)
    response = exchange_code(tenant, code, auth.code_verifier)
    if expired:
        assert_oauth_error(response, 400, "invalid_grant")
    else:
        assert_token_response(response)


def test_expired_access_token_is_refused_by_userinfo(tenant, browser):
    access_token = tokens_for(tenant, browser)["access_token"]
    tenant.advance_clock(ACCESS_TOKEN_LIFETIME - 100)
    assert call_userinfo(tenant, access_token).status_code == 200
    tenant.advance_clock(101)  # one second past the lifetime
    assert_invalid_token(call_userinfo(tenant, access_token))


# --------------------------------------------------------------------------------------------
# Refusals at the authorization endpoint
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "redirect_uri",
    ["https://attacker.example/cb", f"{REDIRECT_URI}/deeper", f"{REDIRECT_URI}?next=1"],
    ids=["foreign", "longer-path", "extra-query"],
)
def test_unregistered_redirect_uri_gets_an_error_page_and_no_redirect(
    tenant, browser, redirect_uri
):
    auth = authorization_request(tenant, redirect_uri=redirect_uri)
    shown = browser.get(auth.url, allow_redirects=False, timeout=TIMEOUT)
    # The form's fields (its CSRF token) from a valid request's login page, posted to this one.
    valid = browser.get(authorization_request(tenant).url, timeout=TIMEOUT)
    fields = PageParser(valid.text).forms["login"]["fields"]
    submitted = browser.post(
        auth.url,
        data={**fields, "email": tenant.email("alice"), "password": PASSWORD},
        allow_redirects=False,
        timeout=TIMEOUT,
    )
    for response in (shown, submitted):
        assert response.status_code == 400, response.text
        assert "Location" not in response.headers
        assert response.headers["Content-Type"].startswith("text/html")
        page = PageParser(response.text)
        assert "login" not in page.forms
        assert page.data["error"]["error"] == "invalid_request"
        assert not any(href.startswith(redirect_uri) for href in page.links.values())


def test_missing_code_challenge_is_sent_back_as_invalid_request(tenant, browser):
    auth = authorization_request(tenant, code_challenge=None, code_challenge_method=None)
    params = redirect_to_client(browser.get(auth.url, allow_redirects=False, timeout=TIMEOUT))
    assert params["error"] == "invalid_request"
    assert params["state"] == auth.state
    assert "code" not in params


@pytest.mark.parametrize("method", ["plain", None], ids=["plain", "omitted-means-plain"])
def test_plain_code_challenge_method_is_refused(tenant, browser, method):
    verifier, _challenge = pkce_pair()
    auth = authorization_request(tenant, code_challenge=verifier, code_challenge_method=method)
    params = redirect_to_client(browser.get(auth.url, allow_redirects=False, timeout=TIMEOUT))
    assert params["error"] == "invalid_request"
    assert params["state"] == auth.state
    assert "code" not in params


def test_missing_redirect_uri_is_refused_without_a_code(tenant, browser):
    """OIDC Core §3.1.2.1 makes redirect_uri REQUIRED. (This once answered 500: authlib refused
    the '§' in the provider's error_description.)"""
    auth = authorization_request(tenant, redirect_uri=None)
    response = browser.get(auth.url, allow_redirects=False, timeout=TIMEOUT)
    assert response.status_code != 500, response.text
    # The only place it may go is the client's registered redirect_uri, and with no code.
    params = redirect_to_client(response)
    assert params["error"] == "invalid_request"
    assert params["state"] == auth.state
    assert "code" not in params


@pytest.mark.parametrize("role", ["deactivated", "outsider"])
def test_user_who_may_not_use_the_module_gets_a_403_page_leading_to_access_denied(
    tenant, browser, role
):
    auth = authorization_request(tenant)
    response = submit_login(browser, auth.url, tenant.email(role))
    assert response.status_code == 403, response.text
    assert "Location" not in response.headers
    page = PageParser(response.text)
    assert page.data["error"]["error"] == "access_denied"
    params = client_callback_params(page.links["continue"])
    assert params["error"] == "access_denied"
    assert params["state"] == auth.state
    assert "code" not in params


def test_wrong_password_shows_the_form_again_and_issues_no_code(tenant, browser):
    auth = authorization_request(tenant)
    response = submit_login(browser, auth.url, tenant.email("alice"), "wrong password")
    assert response.status_code == 401
    assert "Location" not in response.headers
    form = PageParser(response.text).forms["login"]
    assert form["fields"]["email"] == tenant.email("alice")
    assert form["fields"]["password"] == ""
    # The same request still works once the password is right.
    params = redirect_to_client(submit_login(browser, auth.url, tenant.email("alice")))
    assert params["state"] == auth.state
    assert params["code"]


def test_login_hint_prefills_the_email_field(tenant, browser):
    auth = authorization_request(tenant, login_hint=tenant.email("alice"))
    response = browser.get(auth.url, allow_redirects=False, timeout=TIMEOUT)
    assert response.status_code == 200
    form = PageParser(response.text).forms["login"]
    assert form["fields"]["email"] == tenant.email("alice")
    assert form["fields"]["password"] == ""
    # The form posts back to the authorization endpoint with the same query string.
    action = urljoin(response.url, form["action"])
    assert action.split("?", 1)[0] == f"{tenant.url}/oauth/authorize"
    assert query_of(action) == query_of(auth.url)
