"""What never leaves a simulator or the harness in clear — in journals, reports or error bodies:
passwords, OAuth codes, states, nonces, verifiers, tokens and client secrets, and the secret
part of a bypass log-in link. One place, for both."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

SECRET_NAMES = frozenset(
    {
        "password",
        "master_password",
        "client_secret",
        "code",
        "code_verifier",
        "state",
        "nonce",
        "access_token",
        "id_token",
        "id_token_hint",
        "refresh_token",
        "token",
        "scim_token",
    }
)
_BYPASS = re.compile(r"/login/bypass/[^/?\"\s]+")


def redact_query(query: str) -> str:
    pairs = parse_qsl(query, keep_blank_values=True)
    return urlencode([(k, "***" if k in SECRET_NAMES else v) for k, v in pairs])


def redact_path(path: str) -> str:
    return _BYPASS.sub("/login/bypass/***", path)


def redact_url(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=redact_path(parts.path), query=redact_query(parts.query)))


# OAuth's `state` travels in query strings and forms only; in a JSON body `state` is an outbox
# row's or an insight's ("delivered", "todo"), which a failure report must show.
_JSON_SECRET = re.compile(rf'"({"|".join(sorted(SECRET_NAMES - {"state"}))})"\s*:\s*"[^"]*"')


def redact_text(text: str) -> str:
    """JSON-ish text: values of secret names, and bypass links anywhere in it."""
    return redact_path(_JSON_SECRET.sub(r'"\1": "***"', text))
