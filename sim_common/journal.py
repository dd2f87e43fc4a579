"""The journal's record of what a simulator sent: every outbound HTTP call, with its answer,
written to the tenant's journal in the session the caller is working in."""

from __future__ import annotations

from collections.abc import Callable

import requests

from .clock import real_now
from .redact import redact_query


def journalled_session(
    session_of: Callable, model, tenant_id: str | None, cls=requests.Session, **kwargs
) -> requests.Session:
    """A `requests` session (or subclass) whose every answer is journalled as "sent"."""

    def record(response, *args, **_kwargs):
        request = response.request
        url, _, query = request.url.partition("?")
        session_of().add(
            model(
                tenant_id=tenant_id,
                at=real_now(),
                direction="sent",
                method=request.method,
                url=url + ("?" + redact_query(query) if query else ""),
                status=response.status_code,
            )
        )

    http = cls(**kwargs)
    http.hooks["response"].append(record)
    return http
