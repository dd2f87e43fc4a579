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


def note(
    method: str,
    url: str,
    status: int,
    *,
    body=None,
    body_type: str = "",
    answer_type: str = "",
    location: str | None = None,
    answer_text: str = "",
) -> None:
    """One request and its answer, as whichever client made it saw them."""
    exchanges = _current.get()
    if exchanges is None:
        return
    exchanges.append(
        f"> {method} {redact_url(url)}\n"
        + (f"  {redact_body(body, body_type)}\n" if body else "")
        + f"< {status} {answer_type}"
        + (f" -> {redact_url(location)}" if location else "")
        + "\n"
        + (f"  {redact_body(answer_text, 'json')[:500]}\n" if "json" in answer_type else "")
    )


def record(response: requests.Response, *args, **kwargs) -> None:
    if _current.get() is None:
        return
    for hop in [*response.history, response]:
        request = hop.request
        answer_type = hop.headers.get("Content-Type", "")
        note(
            request.method,
            request.url,
            hop.status_code,
            body=request.body,
            body_type=request.headers.get("Content-Type", ""),
            answer_type=answer_type,
            location=hop.headers.get("Location"),
            answer_text=hop.text if "json" in answer_type else "",
        )


def recorded_session() -> requests.Session:
    session = requests.Session()
    session.hooks["response"].append(record)
    return session
