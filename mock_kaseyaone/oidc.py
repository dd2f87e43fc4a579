"""KaseyaOne as an OpenID Connect provider, wired onto authlib.

OIDC Core §3.1 (authorization-code flow) with PKCE S256 (RFC 7636) required for every client,
confidential ones included; client_secret_basic and client_secret_post (RFC 6749 §2.3.1);
single-use, short-lived codes whose lifetime follows the tenant's simulated clock; ID tokens
signed RS256 with a `kid` from the JWKS (`keys`). Refresh tokens (RFC 6749 §6) for every client
— every client is confidential — rotated at each use, a replayed one revoking its whole family
(OAuth 2.0 Security BCP §4.14.2), and a refreshed ID token as OIDC Core §12.2 says; revocation
(RFC 7009); RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0). The classes below
override authlib's storage hooks, and, where authlib answered malformed input with a 500, the
check it tripped on; `init_oidc` registers them.
"""

from __future__ import annotations

import contextlib
import re
from datetime import timedelta

from authlib.integrations.flask_oauth2 import AuthorizationServer, ResourceProtector
from authlib.oauth2.rfc6749 import InvalidGrantError, InvalidRequestError, grants
from authlib.oauth2.rfc6749.authenticate_client import authenticate_client_secret_basic
from authlib.oauth2.rfc6750 import BearerTokenValidator, InvalidTokenError
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oidc.core import OpenIDCode, OpenIDToken
from authlib.oidc.discovery import OpenIDProviderMetadata
from authlib.oidc.rpinitiated import EndSessionEndpoint
from authlib.oidc.rpinitiated import OpenIDProviderMetadata as RPInitiatedMetadata
from flask import current_app, g, request
from joserfc.jwk import RSAKey
from sqlalchemy import bindparam, or_, select, update

from module_contracts import ClaimSource
from sim_common.clock import epoch_seconds, tenant_now
from sim_common.db import db

from . import keys
from .domain import has_module_access, module_settings, record_module_user
from .models import AuthorizationCode, OAuthClient, Token
from .modules import contract_for
from .sessions import HUB_COOKIE, end_hub_session

SCOPES = ["openid", "profile", "email", "groups"]


def issuer() -> str:
    """The public URL, which may differ from the address the server is bound to."""
    return (current_app.config.get("PUBLIC_URL") or request.url_root).rstrip("/")


def signing_key() -> RSAKey:
    """The key this request signs with: read once, so that a rotation at the same moment cannot
    give a token the header of one key and the signature of another."""
    if "k1_signing_key" not in g:
        g.k1_signing_key = keys.current_key(db())
    return g.k1_signing_key


def public_jwks() -> dict:
    return keys.published_keys(db()).as_dict(private=False)


def user_claims(user, client: OAuthClient, scope: str) -> dict:
    """What the ID token and userinfo say of a user to a module instance's client: what its
    module kind's contract gives (UniView: email, name, groups, module access; Autotask: the
    username and access level only, AT-DATA-1), and the subject."""
    instance = client.instance
    source = ClaimSource(
        email=user.email,
        name=user.name,
        tenant=user.tenant_id,
        groups=tuple((g.id, g.name) for g in user.groups),
        module_access=has_module_access(db(), client.instance_id, user),
        settings=module_settings(instance),
        scopes=frozenset((scope or "").split()),
    )
    return {"sub": user.id, **contract_for(instance.module).claims(source)}


AUTH_METHODS = ["client_secret_basic", "client_secret_post"]


# RFC 6749 Appendix A: response-name *( SP response-name ), response-char "_" / DIGIT / ALPHA.
RESPONSE_TYPE = re.compile(r"[A-Za-z0-9_]+( [A-Za-z0-9_]+)*")


class KaseyaOneAuthorizationServer(AuthorizationServer):
    def get_authorization_grant(self, request):
        """authlib's, except for a response_type that is not one by RFC 6749's syntax: authlib
        puts the value in its error's description, whose characters it checks (RFC 6749
        §4.1.2.1), and so raises ValueError on its own error for a NUL, a quote or a non-ASCII
        letter. Such a request is refused as invalid, back to the client where that is safe."""
        payload = request.payload
        if payload.response_type is None or RESPONSE_TYPE.fullmatch(payload.response_type):
            return super().get_authorization_grant(request)
        client = self.query_client(payload.client_id) if payload.client_id else None
        redirect_uri = None
        # Not to a redirect_uri the client has not registered: then the person is told.
        with contextlib.suppress(InvalidRequestError):
            if client is not None:
                redirect_uri = AuthorizationCodeGrant.validate_authorization_redirect_uri(
                    request, client
                )
        raise InvalidRequestError(
            "'response_type' must be letters, digits and '_' (RFC 6749 Appendix A); this "
            "server supports 'code'.",
            state=payload.state,
            redirect_uri=redirect_uri,
        )


def _client_secret_basic(query_client, request):
    """RFC 6749 §2.3.1 as authlib does it, except that credentials that are not UTF-8 are no
    credentials (authlib decodes them without catching the error: a 500)."""
    try:
        return authenticate_client_secret_basic(query_client, request)
    except UnicodeDecodeError:
        return None


class AuthorizationCodeGrant(grants.AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = AUTH_METHODS

    @staticmethod
    def validate_authorization_redirect_uri(request, client):
        """authlib's, without quoting an unregistered redirect_uri in the error's description,
        where a NUL or a quote in it made authlib raise ValueError on its own error."""
        redirect_uri = request.payload.redirect_uri
        if redirect_uri and not client.check_redirect_uri(redirect_uri):
            raise InvalidRequestError("The redirect_uri is not one registered for this client.")
        return grants.AuthorizationCodeGrant.validate_authorization_redirect_uri(request, client)

    def save_authorization_code(self, code, request):
        client = request.client
        now = tenant_now(client.tenant)
        data = request.payload.data
        # Answered from KaseyaOne's session, the sign-in happened then (routes_oidc sets it).
        auth_time = getattr(request, "k1_auth_time", None) or epoch_seconds(now)
        db().add(
            AuthorizationCode(
                code=code,
                tenant_id=client.tenant_id,
                client_id=client.client_id,
                user_id=request.user.id,
                redirect_uri=request.payload.redirect_uri,
                scope=request.scope,
                nonce=data.get("nonce"),
                code_challenge=data["code_challenge"],
                code_challenge_method=data.get("code_challenge_method", "S256"),
                auth_time=auth_time,
                expires_at=now
                + timedelta(seconds=current_app.config["AUTHORIZATION_CODE_LIFETIME"]),
            )
        )

    def query_authorization_code(self, code, client):
        row = db().get(AuthorizationCode, code)
        if row is None or row.client_id != client.client_id or row.is_expired():
            return None
        # Claimed with one conditional write, so that two requests racing with the same code
        # cannot both have it (RFC 6749 §4.1.2: a code is used once).
        claimed = db().execute(
            update(AuthorizationCode)
            .where(AuthorizationCode.code == code, AuthorizationCode.used_at.is_(None))
            .values(used_at=tenant_now(row.tenant))
        )
        if claimed.rowcount == 0:
            # Used before: what it was exchanged for is revoked.
            db().execute(update(Token).where(Token.code == code).values(revoked=True))
            return None
        return row

    def delete_authorization_code(self, authorization_code):
        pass  # spent when claimed in query_authorization_code

    def authenticate_user(self, authorization_code):
        user = authorization_code.user
        return user if user.is_active else None


class S256Required(CodeChallenge):
    """PKCE with S256 for every client: authlib's default only requires it of public ones."""

    DEFAULT_CODE_CHALLENGE_METHOD = "S256"
    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]

    def validate_code_challenge(self, grant, redirect_uri):
        data = grant.request.payload.data
        if not data.get("code_challenge"):
            raise InvalidRequestError(
                "PKCE is required: send 'code_challenge' with 'code_challenge_method=S256'."
            )
        if data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("Only 'code_challenge_method=S256' is accepted.")
        if not grant.request.payload.redirect_uri:
            raise InvalidRequestError("Missing 'redirect_uri' (OIDC Core section 3.1.2.1).")
        super().validate_code_challenge(grant, redirect_uri)

    def get_authorization_code_challenge(self, authorization_code):
        return authorization_code.code_challenge

    def get_authorization_code_challenge_method(self, authorization_code):
        return authorization_code.code_challenge_method


class _KaseyaOneIDToken:
    """What every ID token KaseyaOne issues has: the code flow's (§3.1.3.6) and a refresh's
    (§12.2: the same iss, sub, aud and azp, the original auth_time, a new iat, no nonce)."""

    def resolve_client_private_key(self, client):
        return signing_key()

    def get_client_algorithm(self, client):
        return "RS256"

    def get_encode_header(self, client):
        return {"alg": "RS256", "kid": signing_key().kid}

    def get_compatible_claims(self, request):
        client = request.client
        now = epoch_seconds(tenant_now(client.tenant))
        original = request.authorization_code or request.refresh_token
        return {
            "iss": issuer(),
            "aud": [client.client_id],
            "azp": client.client_id,
            "iat": now,
            "exp": now + current_app.config["ID_TOKEN_LIFETIME"],
            "auth_time": original.auth_time or now,
            **user_claims(request.user, client, request.payload.scope or original.scope),
        }

    def generate_user_info(self, user, scope):
        return {}  # the claims are in get_compatible_claims, which knows the client


class KaseyaOneOpenIDCode(_KaseyaOneIDToken, OpenIDCode):
    def exists_nonce(self, nonce, request):
        """Whether the client used this nonce before. authlib asks up to three times in one
        request (validating it, then creating the answer): the first answer stands for the
        request, which saves its own code only after the last."""
        key = (request.payload.client_id, nonce)
        seen = g.setdefault("k1_nonces_seen", {})
        if key not in seen:
            found = db().scalar(NONCE_USED, {"client_id": key[0], "nonce": nonce})
            seen[key] = found is not None
        return seen[key]


# Built once: building a statement costs more than SQLite's answer to it.
NONCE_USED = select(AuthorizationCode.code).where(
    AuthorizationCode.client_id == bindparam("client_id"),
    AuthorizationCode.nonce == bindparam("nonce"),
)


class RefreshedIDToken(_KaseyaOneIDToken, OpenIDToken):
    """An ID token with each refresh whose scope has `openid` (OIDC Core §12.2)."""


def revoke_family(code: str | None, client_id: str) -> None:
    """Revoke every token descending from one authorization code: a replayed code (RFC 6749
    §4.1.2) or refresh token (Security BCP §4.14.2) shows the family is in other hands."""
    if code is not None:
        db().execute(
            update(Token)
            .where(Token.code == code, Token.client_id == client_id)
            .values(revoked=True)
        )


class RefreshTokenGrant(grants.RefreshTokenGrant):
    """RFC 6749 §6 with rotation: each refresh issues a new refresh token and revokes the pair
    it was given. A used, revoked, expired or other client's refresh token, or one whose user
    is deactivated or has lost access to the client's module instance, is `invalid_grant`."""

    TOKEN_ENDPOINT_AUTH_METHODS = AUTH_METHODS
    INCLUDE_NEW_REFRESH_TOKEN = True

    def authenticate_refresh_token(self, refresh_token):
        row = db().scalar(select(Token).where(Token.refresh_token == refresh_token))
        if row is None or row.client_id != self.request.client.client_id:
            return None
        if row.revoked:
            revoke_family(row.code, row.client_id)  # replayed after rotation, or revoked
            return None
        if row.refresh_expires_at is None or tenant_now(row.tenant) >= row.refresh_expires_at:
            return None
        return row

    def validate_token_request(self):
        super().validate_token_request()
        credential = self.request.refresh_token
        user = credential.user
        if not user.is_active:
            raise InvalidGrantError("The user is deactivated in KaseyaOne.")
        if not has_module_access(db(), credential.client.instance_id, user):
            raise InvalidGrantError("The user no longer has access to this module instance.")
        # Claimed with one conditional write, as codes are: of two requests racing with the
        # same refresh token, one gets new tokens and the other is a replay.
        claimed = db().execute(
            update(Token)
            .where(Token.access_token == credential.access_token, Token.revoked.is_(False))
            .values(revoked=True)
        )
        if claimed.rowcount == 0:
            revoke_family(credential.code, credential.client_id)
            raise InvalidGrantError()

    def authenticate_user(self, refresh_token):
        return refresh_token.user

    def revoke_old_credential(self, refresh_token):
        pass  # revoked when claimed in validate_token_request


class BearerProtector(ResourceProtector):
    def parse_request_authorization(self, request):
        """authlib's, saying what is wrong with an Authorization header that is not `Bearer`
        and a token: authlib answers `unsupported_token_type` with no description."""
        scheme, _, token = (request.headers.get("Authorization") or "").partition(" ")
        if scheme and (scheme.lower() != "bearer" or not token.strip()):
            raise InvalidRequestError(
                "Send the access token as 'Authorization: Bearer <access token>' "
                "(RFC 6750 section 2.1)."
            )
        return super().parse_request_authorization(request)


class TokenValidator(BearerTokenValidator):
    def authenticate_token(self, token_string):
        return db().get(Token, token_string)

    def validate_token(self, token, scopes, request):
        super().validate_token(token, scopes, request)
        if not token.user.is_active:
            raise InvalidTokenError(realm=self.realm)


def _query_client(client_id):
    return find_client(client_id)


def find_client(client_id) -> OAuthClient | None:
    """The client, read once per request (the token endpoint's fault check and authlib both
    ask; the session keeps only weak references to what it loaded)."""
    known = g.setdefault("k1_clients", {})
    if client_id not in known:
        known[client_id] = db().get(OAuthClient, client_id)
    return known[client_id]


def _save_token(token, request):
    client = request.client
    record_module_user(db(), client.instance_id, request.user)
    now = tenant_now(client.tenant)
    original = request.authorization_code or request.refresh_token
    refresh_lifetime = timedelta(seconds=current_app.config["REFRESH_TOKEN_LIFETIME"])
    db().add(
        Token(
            access_token=token["access_token"],
            tenant_id=client.tenant_id,
            client_id=client.client_id,
            user_id=request.user.id,
            code=original.code,
            scope=token.get("scope", ""),
            issued_at=now,
            expires_at=now + timedelta(seconds=token["expires_in"]),
            refresh_token=token.get("refresh_token"),
            refresh_expires_at=now + refresh_lifetime if token.get("refresh_token") else None,
            auth_time=original.auth_time,
        )
    )


class KaseyaOneRevocationEndpoint(RevocationEndpoint):
    """RFC 7009. Revoking a refresh token revokes every token of its family (§2.1: the access
    tokens of the same grant too); revoking an access token revokes it and the refresh token
    issued with it. A token KaseyaOne does not know is answered 200 all the same (§2.2)."""

    CLIENT_AUTH_METHODS = AUTH_METHODS

    def query_token(self, token_string, token_type_hint):
        if token_type_hint == "access_token":
            condition = Token.access_token == token_string
        elif token_type_hint == "refresh_token":
            condition = Token.refresh_token == token_string
        else:
            condition = or_(Token.access_token == token_string, Token.refresh_token == token_string)
        return db().scalar(select(Token).where(condition))

    def revoke_token(self, token, request):
        token.revoked = True
        if request.form.get("token") == token.refresh_token:
            revoke_family(token.code, token.client_id)


class KaseyaOneEndSession(EndSessionEndpoint):
    """RP-Initiated Logout 1.0 §2-3: the ID token hint is checked against every published key
    (not its expiry); the browser goes back only to a registered post_logout_redirect_uri, with
    the state. The browser's KaseyaOne session ends."""

    def get_server_jwks(self):
        return keys.published_keys(db())

    def get_algorithms(self):
        return ["RS256"]

    def resolve_client_from_id_token_claims(self, id_token_claims):
        audience = id_token_claims.get("aud")
        if isinstance(audience, list) and len(audience) == 1:
            audience = audience[0]
        if not isinstance(audience, str) or id_token_claims.get("iss") != issuer():
            return None
        return self.server.query_client(audience)

    def is_post_logout_redirect_uri_legitimate(self, request, uri, client, logout_hint):
        # Without an ID token hint, the person confirmed on KaseyaOne's page, and the URI is
        # one the client registered: that is confirmation enough (§3).
        return request.payload.data.get("confirm") == "yes"

    def end_session(self, end_session_request):
        end_hub_session(db(), request.cookies.get(HUB_COOKIE))


def init_oidc(app) -> tuple[AuthorizationServer, ResourceProtector]:
    lifetime = app.config["ACCESS_TOKEN_LIFETIME"]
    app.config.setdefault(
        "OAUTH2_TOKEN_EXPIRES_IN", {"authorization_code": lifetime, "refresh_token": lifetime}
    )
    app.config.setdefault("OAUTH2_REFRESH_TOKEN_GENERATOR", True)
    server = KaseyaOneAuthorizationServer(app, query_client=_query_client, save_token=_save_token)
    server.register_client_auth_method("client_secret_basic", _client_secret_basic)
    server.register_grant(
        AuthorizationCodeGrant,
        [KaseyaOneOpenIDCode(require_nonce=False), S256Required(required=True)],
    )
    server.register_grant(RefreshTokenGrant, [RefreshedIDToken()])
    server.register_endpoint(KaseyaOneRevocationEndpoint)
    server.register_endpoint(KaseyaOneEndSession)
    protector = BearerProtector()
    protector.register_token_validator(TokenValidator())
    app.extensions["k1_oauth_server"] = server
    app.extensions["k1_resource_protector"] = protector
    return server, protector


def provider_metadata() -> dict:
    base = issuer()
    metadata = OpenIDProviderMetadata(
        issuer=base,
        authorization_endpoint=f"{base}/oauth/authorize",
        token_endpoint=f"{base}/oauth/token",
        userinfo_endpoint=f"{base}/oauth/userinfo",
        jwks_uri=f"{base}/oauth/jwks",
        revocation_endpoint=f"{base}/oauth/revoke",
        revocation_endpoint_auth_methods_supported=AUTH_METHODS,
        end_session_endpoint=f"{base}/oauth/logout",
        scopes_supported=SCOPES,
        response_types_supported=["code"],
        response_modes_supported=["query"],
        grant_types_supported=["authorization_code", "refresh_token"],
        subject_types_supported=["public"],
        id_token_signing_alg_values_supported=["RS256"],
        token_endpoint_auth_methods_supported=["client_secret_basic", "client_secret_post"],
        code_challenge_methods_supported=["S256"],
        claims_supported=[
            "sub",
            "iss",
            "aud",
            "exp",
            "iat",
            "auth_time",
            "nonce",
            "at_hash",
            "azp",
            "email",
            "email_verified",
            "name",
            "groups",
            "kaseyaone_groups",
            "module_access",
            "kaseyaone_tenant",
        ],
    )
    metadata.validate(metadata_classes=[RPInitiatedMetadata])
    return dict(metadata)
