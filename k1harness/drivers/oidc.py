"""The suite's own relying party of KaseyaOne, to check its OpenID Connect provider as any client
would, from outside: a module instance registered for the suite signs a person in with the
authorization-code flow and PKCE S256 in the person's browser (OIDC Core §3.1, RFC 7636),
refreshes (RFC 6749 §6) and revokes (RFC 7009) tokens, and verifies ID tokens against the JWKS
(joserfc). The redirect back to the suite's callback is read, not followed: nothing listens
there."""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit

import requests
from joserfc import jwt
from joserfc.jwk import KeySet
from joserfc.jws import JWSRegistry

from .base import ApiResult, result_of
from .browser import Browser, Page
from .kaseyaone import KaseyaOneDriver

CALLBACK = "http://127.0.0.1:9/suite-callback"  # port 9 (discard): never followed


@dataclass
class Authorization:
    """How an authorization request went: the page KaseyaOne answered with last, whether it
    showed its login form, and the parameters it sent the browser back to the client with."""

    page: Page
    asked_for_credentials: bool
    callback: dict | None  # None: KaseyaOne did not send the browser back
    code_verifier: str

    @property
    def code(self) -> str | None:
        return (self.callback or {}).get("code")


class SuiteClient:
    def __init__(self, kaseyaone: KaseyaOneDriver, client_id: str, client_secret: str) -> None:
        self.kaseyaone = kaseyaone
        self.client_id, self.client_secret = client_id, client_secret

    def _callback_params(self, page: Page) -> dict | None:
        location = page.response.headers.get("Location", "")
        if page.status in (302, 303) and location.split("?", 1)[0] == CALLBACK:
            return dict(parse_qsl(urlsplit(location).query))
        return None

    def authorize(
        self, browser: Browser, email: str, password: str, *, fill_in: bool = True, **extra
    ) -> Authorization:
        """An authorization request (`extra`: prompt, max_age, login_hint...) in the person's
        browser; KaseyaOne's login form is filled in if it shows it and `fill_in` says so."""
        verifier = secrets.token_urlsafe(48)
        challenge = hashlib.sha256(verifier.encode("ascii")).digest()
        params = {
            "response_type": "code",
            "client_id": self.client_id,
            "redirect_uri": CALLBACK,
            "scope": "openid email profile groups",
            "state": secrets.token_urlsafe(16),
            "nonce": secrets.token_urlsafe(16),
            "code_challenge": base64.urlsafe_b64encode(challenge).rstrip(b"=").decode(),
            "code_challenge_method": "S256",
            **extra,
        }
        endpoint = self.kaseyaone.discovery()["authorization_endpoint"]
        page = browser.open(f"{endpoint}?{urlencode(params)}", follow_redirects=False)
        asked = self.kaseyaone.is_login_page(page)
        if asked and fill_in:
            page = self.kaseyaone.submit_login(
                browser, page, email, password, follow_redirects=False
            )
        return Authorization(page, asked, self._callback_params(page), verifier)

    def _token_request(self, data: dict) -> ApiResult:
        return result_of(
            self.kaseyaone.http.post(
                self.kaseyaone.discovery()["token_endpoint"],
                data=data,
                auth=(self.client_id, self.client_secret),
                timeout=self.kaseyaone.timeout,
            )
        )

    def exchange(self, authorization: Authorization) -> ApiResult:
        return self._token_request(
            {
                "grant_type": "authorization_code",
                "code": authorization.code or "",
                "redirect_uri": CALLBACK,
                "code_verifier": authorization.code_verifier,
            }
        )

    def sign_in(self, browser: Browser, email: str, password: str) -> dict:
        """Tokens for the person, or an AssertionError saying where it stopped."""
        authorization = self.authorize(browser, email, password)
        assert authorization.code, f"no code: {authorization.page.status} {authorization.page.url}"
        result = self.exchange(authorization)
        assert result.ok, result.body
        return result.body

    def refresh(self, refresh_token: str) -> ApiResult:
        return self._token_request({"grant_type": "refresh_token", "refresh_token": refresh_token})

    def revoke(self, token: str) -> requests.Response:
        return self.kaseyaone.http.post(
            self.kaseyaone.discovery()["revocation_endpoint"],
            data={"token": token},
            auth=(self.client_id, self.client_secret),
            timeout=self.kaseyaone.timeout,
        )

    def verified_claims(self, id_token: str) -> dict:
        """The claims of an ID token whose RS256 signature a key of KaseyaOne's JWKS (as
        published now) verifies; joserfc's error if none does."""
        keys = KeySet.import_key_set(self.kaseyaone.jwks())
        decoded = jwt.decode(id_token, keys, registry=JWSRegistry(algorithms=["RS256"]))
        assert decoded.claims["aud"] in (self.client_id, [self.client_id]), decoded.claims
        return {**decoded.claims, "kid": decoded.header.get("kid")}
