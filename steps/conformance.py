"""KaseyaOne's OpenID Connect provider seen from the outside, by any client: steps that need no
control plane, no seeding and no account, so that they run against a real deployment too."""

from __future__ import annotations

from pytest_bdd import parsers, then, when

PRIVATE_PARTS = ("d", "p", "q", "dp", "dq", "qi", "oth")
UNKNOWN_CLIENT = "k1-suite-unknown-client"


@when("the suite reads KaseyaOne's OpenID Connect discovery document", target_fixture="document")
def read_discovery(kaseyaone):
    return kaseyaone.discovery()


@then("the document's issuer is KaseyaOne's URL")
def issuer_is_url(kaseyaone, document):
    assert document["issuer"].rstrip("/") == kaseyaone.base_url, document["issuer"]


@then("it names the authorization, token, userinfo and JWKS endpoints")
def names_endpoints(document):
    for endpoint in ("authorization_endpoint", "token_endpoint", "userinfo_endpoint", "jwks_uri"):
        assert str(document.get(endpoint, "")).startswith(("https://", "http://")), endpoint


@then("it offers the authorization-code flow with PKCE S256 and RS256 ID tokens")
def offers_code_flow(document):
    assert "code" in document["response_types_supported"]
    assert "S256" in document.get("code_challenge_methods_supported", [])
    assert "RS256" in document["id_token_signing_alg_values_supported"]
    assert "openid" in document.get("scopes_supported", ["openid"])


@when("the suite reads KaseyaOne's JWKS", target_fixture="jwks")
def read_jwks(kaseyaone):
    return kaseyaone.jwks()


@then("every key is a public RSA signing key with a key ID")
def rsa_signing_keys(jwks):
    keys = jwks["keys"]
    assert keys, "the JWKS has no key"
    for key in keys:
        assert key["kty"] == "RSA" and key.get("kid"), key.get("kid")
        assert key.get("use", "sig") == "sig" and key.get("alg", "RS256") == "RS256"
    assert len({key["kid"] for key in keys}) == len(keys), "two keys share a key ID"


@then("no key carries private parts")
def no_private_parts(jwks):
    for key in jwks["keys"]:
        assert not set(PRIVATE_PARTS) & set(key), key.get("kid")


@when(
    "a client KaseyaOne does not know asks its token endpoint for a token", target_fixture="answer"
)
def unknown_client_token(kaseyaone):
    return kaseyaone.token_request(UNKNOWN_CLIENT, "not-a-secret")


@then(parsers.parse('KaseyaOne answers 401 with the OAuth error "{error}"'))
def oauth_error(answer, error):
    # RFC 6749 §5.2: a client that authenticated with the Authorization header gets 401.
    assert answer.status_code == 401, answer.status_code
    assert answer.json()["error"] == error, answer.text


@when("a browser asks KaseyaOne to sign in for a client it does not know", target_fixture="answer")
def unknown_client_authorize(kaseyaone):
    return kaseyaone.authorization_request(UNKNOWN_CLIENT, "https://attacker.invalid/callback")


@then("KaseyaOne shows an error page and does not redirect the browser")
def error_page_no_redirect(answer):
    # RFC 6749 §4.1.2.1: with an unknown client the redirect URI cannot be trusted.
    assert answer.status_code >= 400, answer.status_code
    assert "attacker.invalid" not in answer.headers.get("Location", "")


@when(
    "the suite asks KaseyaOne's userinfo endpoint without an access token",
    target_fixture="answer",
)
def userinfo_without_token(kaseyaone):
    return kaseyaone.userinfo_request()


@then("KaseyaOne answers 401 asking for a bearer token")
def asks_for_bearer(answer):
    # RFC 6750 §3.
    assert answer.status_code == 401, answer.status_code
    assert answer.headers.get("WWW-Authenticate", "").lower().startswith("bearer")
