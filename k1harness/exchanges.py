"""The HTTP exchanges of the scenario that is running, kept so that a failing scenario's report
can show them, with secrets redacted: passwords, codes, tokens and bypass links. Headers are
left out, since cookies and credentials travel there."""

from __future__ import annotations

import re
from contextvars import ContextVar
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import requests

SECRET_NAMES = {
    "password",
    "master_password",
    "client_secret",
    "code",
    "code_verifier",
    "state",
    "nonce",
    "access_token",
    "id_token",
    "refresh_token",
    "token",
}
_current: ContextVar[list[str] | None] = ContextVar("k1_exchanges", default=None)


def start() -> list[str]:
    exchanges: list[str] = []
    _current.set(exchanges)
    return exchanges


def current() -> list[str] | None:
    return _current.get()


def stop() -> None:
    _current.set(None)


def redact_pairs(text: str) -> str:
    pairs = parse_qsl(text, keep_blank_values=True)
    return urlencode([(k, "***" if k in SECRET_NAMES else v) for k, v in pairs])


def _redact_links(text: str) -> str:
    return re.sub(r"/login/bypass/[^/?\"\s]+", "/login/bypass/***", text)


def redact_url(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(
        parts._replace(path=_redact_links(parts.path), query=redact_pairs(parts.query))
    )


def redact_body(body, content_type: str) -> str:
    if body is None:
        return ""
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body)
    if "x-www-form-urlencoded" in content_type:
        return redact_pairs(text)
    names = "|".join(sorted(SECRET_NAMES))
    return _redact_links(re.sub(rf'"({names})"\s*:\s*"[^"]*"', r'"\1": "***"', text))[:2000]


def record(response: requests.Response, *args, **kwargs) -> None:
    exchanges = _current.get()
    if exchanges is None:
        return
    for hop in [*response.history, response]:
        request = hop.request
        exchanges.append(
            f"> {request.method} {redact_url(request.url)}\n"
            + (
                f"  {redact_body(request.body, request.headers.get('Content-Type', ''))}\n"
                if request.body
                else ""
            )
            + f"< {hop.status_code} {hop.headers.get('Content-Type', '')}"
            + (f" -> {redact_url(hop.headers['Location'])}" if "Location" in hop.headers else "")
            + "\n"
            + (
                f"  {redact_body(hop.text, 'json')[:500]}\n"
                if "json" in hop.headers.get("Content-Type", "")
                else ""
            )
        )


def recorded_session() -> requests.Session:
    session = requests.Session()
    session.hooks["response"].append(record)
    return session
