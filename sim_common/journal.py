"""The journal's record of what a simulator sent: every outbound HTTP call, with its answer,
written to the tenant's journal in the session the caller is working in."""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import lru_cache
from urllib.parse import urlsplit

from sqlalchemy import event
from sqlalchemy.orm import Session

from .clock import real_now
from .lazy import LazyModule
from .redact import redact_query

# About 30 ms to import: on the first call a simulator sends, not at every start.
requests = LazyModule("requests")

SENT = "sim_sent_journal"


@event.listens_for(Session, "after_commit")
def _committed(session) -> None:
    """What was sent is in the journal for good once committed: nothing to keep any more."""
    session.info.pop(SENT, None)


def journalled_session(
    session_of: Callable, model, tenant_id: str | None, cls=None, **kwargs
) -> requests.Session:
    """A `requests` session (or subclass `cls`) whose every answer is journalled as "sent"."""

    def record(response, *args, **_kwargs):
        request = response.request
        url, _, query = request.url.partition("?")
        entry = model(
            tenant_id=tenant_id,
            at=real_now(),
            direction="sent",
            method=request.method,
            url=url + ("?" + redact_query(query) if query else ""),
            status=response.status_code,
        )
        session = session_of()
        session.add(entry)
        # Held here too: once flushed, the session keeps only a weak reference, and a rollback
        # must still find what was sent (sim_common.web.rollback_keeping_sent).
        session.info.setdefault(SENT, []).append(entry)

    http = (cls or requests.Session)(**kwargs)
    http.hooks["response"].append(record)
    # What requests reads from the environment on every call (proxies, a CA bundle; about
    # 0.13 ms a call on this machine) is read once per origin.
    http.trust_env = False
    merge_session_settings = http.merge_environment_settings

    def merge_environment_settings(url, proxies, stream, verify, cert):
        # As requests does when it trusts the environment, from what was read for the origin.
        parts = urlsplit(url)
        environment_proxies, bundle = _environment(f"{parts.scheme}://{parts.netloc}")
        proxies = {**environment_proxies, **(proxies or {})}
        if verify is True or verify is None:
            verify = bundle or verify
        return merge_session_settings(url, proxies, stream, verify, cert)

    http.merge_environment_settings = merge_environment_settings
    return http


@lru_cache(maxsize=256)
def _environment(origin: str) -> tuple[dict, str | None]:
    """The proxies the environment names for `origin` (no_proxy applied) and its CA bundle."""
    bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
    return requests.utils.get_environ_proxies(origin + "/"), bundle
