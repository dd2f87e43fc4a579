"""The HTTP exchanges of the scenario that is running, kept so that a failing scenario's report
can show them, with secrets redacted: passwords, codes, tokens and bypass links. Headers are
left out, since cookies and credentials travel there."""

from __future__ import annotations

from contextvars import ContextVar

import requests

from sim_common.redact import redact_query, redact_text, redact_url

_current: ContextVar[list[str] | None] = ContextVar("k1_exchanges", default=None)


def start() -> list[str]:
    exchanges: list[str] = []
    _current.set(exchanges)
    return exchanges


def current() -> list[str] | None:
    return _current.get()


def stop() -> None:
    _current.set(None)


def redact_body(body, content_type: str) -> str:
    if body is None:
        return ""
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body)
    if "x-www-form-urlencoded" in content_type:
        return redact_query(text)
    return redact_text(text)[:2000]


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
