"""Password guessing throttled per account and per client address (OWASP ASVS 4.0 §2.2.1):
after `max_failures` wrong passwords for one account name, or `max_client_failures` from one
address, within `window_seconds`, every attempt is refused for `lockout_seconds` — before any
password is hashed — with 429 and Retry-After (RFC 6585 §4). Counted on the tenant's simulated
clock, so that a test advances the clock rather than waiting.

The settings are the simulator's (`LOGIN_THROTTLE`: on when served, off when embedded) unless
the tenant has its own, set through the control plane. An attempt counts before its password
is checked and is given back if the password was right: concurrent guesses cannot all pass the
check before the first of them is counted, so a burst of them costs at most the allowance in
hashing. Account names are counted whether or not such an account exists (the answer must not
tell which exist), and stored as digests: people type passwords into the name field.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timedelta
from functools import lru_cache

from flask import current_app, has_request_context, request
from sqlalchemy import DateTime, Integer, String, and_, bindparam, delete, or_, select, tuple_
from sqlalchemy.orm import Mapped, mapped_column

from .clock import real_now, tenant_now
from .db import db, insert_if_absent, insert_new
from .errors import InvalidRequest, SimError

NO_TENANT = ""  # an account no tenant owns (KaseyaOne's admin sign-in with an unknown email)


@dataclass(frozen=True)
class ThrottleSettings:
    max_failures: int = 5  # per account name; 0: not counted
    max_client_failures: int = 50  # per client address; 0: not counted
    window_seconds: int = 900
    lockout_seconds: int = 900

    def to_json(self) -> dict:
        return asdict(self)


RECOMMENDED = ThrottleSettings()
MAX_SECONDS = 366 * 86400


def parse_settings(values: dict, base: ThrottleSettings = RECOMMENDED) -> ThrottleSettings:
    """Settings from a mapping (the control plane's body, the serve option): the keys given,
    the others from `base`."""
    fields = ThrottleSettings.__dataclass_fields__
    unknown = sorted(set(values) - set(fields))
    if unknown:
        raise InvalidRequest(
            f"Unknown throttling setting {', '.join(unknown)}; the settings are "
            f"{', '.join(fields)}.",
            field=unknown[0],
        )
    for name, value in values.items():
        low = 1 if name.endswith("_seconds") else 0
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= MAX_SECONDS:
            raise InvalidRequest(
                f"'{name}' must be a whole number from {low} to {MAX_SECONDS}.", field=name
            )
    return replace(base, **values)


class LoginThrottleMixin:
    """A tenant's own throttling settings."""

    __tablename__ = "login_throttles"

    tenant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    max_failures: Mapped[int] = mapped_column(Integer)
    max_client_failures: Mapped[int] = mapped_column(Integer)
    window_seconds: Mapped[int] = mapped_column(Integer)
    lockout_seconds: Mapped[int] = mapped_column(Integer)


class LoginFailureMixin:
    """Failed attempts of one account name or one client address, in one tenant."""

    __tablename__ = "login_failures"

    tenant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    scope: Mapped[str] = mapped_column(String(8), primary_key=True)  # "account" or "client"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)  # a SHA-256 digest, hex
    failures: Mapped[int] = mapped_column(Integer, default=0)
    window_started_at: Mapped[datetime] = mapped_column(DateTime)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class TooManyAttempts(SimError):
    status_code = 429
    error = "too_many_attempts"
    message = "Too many failed sign-ins."

    def __init__(self, retry_after: int) -> None:
        minutes = max(1, math.ceil(retry_after / 60))
        super().__init__(
            f"Too many failed sign-ins. Try again in {minutes} minute{'s' * (minutes > 1)}.",
            retry_after=retry_after,
        )
        self.headers = {"Retry-After": str(retry_after)}


def _models():
    return current_app.extensions["sim_models"]


def tenant_settings(session, tenant) -> ThrottleSettings | None:
    """What holds for the tenant (None: no throttling)."""
    if tenant is not None:
        own = session.get(_models().LoginThrottle, tenant.id)
        if own is not None:
            return ThrottleSettings(
                **{name: getattr(own, name) for name in ThrottleSettings.__dataclass_fields__}
            )
    configured = current_app.config.get("LOGIN_THROTTLE")  # settings, a mapping, or None
    return parse_settings(configured) if isinstance(configured, dict) else configured


def set_tenant_settings(session, tenant, values: dict) -> ThrottleSettings:
    settings = parse_settings(values)
    model = _models().LoginThrottle
    row = session.get(model, tenant.id) or model(tenant_id=tenant.id)
    for name, value in settings.to_json().items():
        setattr(row, name, value)
    session.add(row)
    session.flush()
    return settings


def forget_tenant_settings(session, tenant) -> None:
    row = session.get(_models().LoginThrottle, tenant.id)
    if row is not None:
        session.delete(row)
        session.flush()


def settings_json(session, tenant) -> dict:
    own = session.get(_models().LoginThrottle, tenant.id) is not None
    settings = tenant_settings(session, tenant)
    return {
        "enabled": settings is not None,
        "source": "tenant" if own else "simulator",
        **(settings.to_json() if settings is not None else {}),
    }


def parse_option(text: str) -> ThrottleSettings | None:
    """The serve option: `off`, `on` (the recommended settings), or some of them changed, as
    `max_failures=3,lockout_seconds=60`."""
    text = text.strip().lower()
    if text in ("off", "on"):
        return None if text == "off" else RECOMMENDED
    values = {}
    for item in text.split(","):
        name, _, value = item.partition("=")
        if not value.strip().isdigit():
            raise InvalidRequest(f"'{item}' is not name=whole number.")
        values[name.strip()] = int(value)
    return parse_settings(values)


def _digest(text: str) -> str:
    return hashlib.sha256(text.strip().lower().encode("utf-8", "surrogatepass")).hexdigest()


def throttled_check(tenant, account: str, check: Callable[[], bool]) -> bool:
    """Run `check` (whether a password is right) for `account` of `tenant` (None: no tenant's),
    unless the account or the client is locked out: then TooManyAttempts, and no check."""
    settings = tenant_settings(db(), tenant)
    if settings is None:
        return check()
    client = request.remote_addr if has_request_context() else None
    limits = {
        ("account", _digest(account or "")): settings.max_failures,
        ("client", _digest(client or "")): settings.max_client_failures,
    }
    limits = {key: limit for key, limit in limits.items() if limit > 0}
    tenant_id = tenant.id if tenant is not None else NO_TENANT

    def now() -> datetime:
        return tenant_now(tenant) if tenant is not None else real_now()

    store = current_app.extensions["sim_store"]
    with store.transaction() as session:  # committed at once: concurrent attempts see it
        _count_attempt(session, tenant_id, limits, settings, now())
    right = False
    try:
        right = check()
    finally:
        with store.transaction() as session:
            _settle_attempt(session, tenant_id, limits, settings, now(), right)
    return right


@lru_cache
def _statements(model, dialect: str) -> dict:
    """The statements every counted attempt runs, built once per table and database kind with
    bound parameters: building one cost SQLAlchemy more than running it (a served sign-in ran
    five of them)."""
    cutoff, window_start = bindparam("cutoff"), bindparam("window_start")
    return {
        # None where the database has no ON CONFLICT: sim_common.db.insert_new
        "insert": insert_if_absent(model, dialect),
        "rows": select(model)
        .where(
            model.tenant_id == bindparam("tenant_id"),
            tuple_(model.scope, model.key).in_(bindparam("keys", expanding=True)),
        )
        .with_for_update(),
        # What no longer counts, so that names tried once do not pile up.
        "forget": delete(model)
        .where(
            model.tenant_id == bindparam("tenant_id"),
            or_(
                model.locked_until <= cutoff,
                and_(
                    model.locked_until.is_(None),
                    or_(model.failures == 0, model.window_started_at <= window_start),
                ),
            ),
        )
        .execution_options(synchronize_session=False),
    }


def _rows(session, tenant_id: str, limits: dict, moment: datetime) -> list:
    if not limits:  # neither the account nor the address is counted
        return []
    model = _models().LoginFailure
    statements = _statements(model, session.get_bind().dialect.name)
    # The insert first: with SQLite it takes the write lock, so the rows read next are current.
    new = [
        {
            "tenant_id": tenant_id,
            "scope": scope,
            "key": key,
            "failures": 0,
            "window_started_at": moment,
        }
        for scope, key in limits
    ]
    if statements["insert"] is not None:
        session.execute(statements["insert"], new)
    else:
        insert_new(session, model, new)
    found = session.scalars(statements["rows"], {"tenant_id": tenant_id, "keys": list(limits)})
    rows = {(row.scope, row.key): row for row in found}  # one query for the account and client
    return [rows[scope_and_key] for scope_and_key in limits]


def _count_attempt(session, tenant_id, limits, settings: ThrottleSettings, moment) -> None:
    rows = _rows(session, tenant_id, limits, moment)
    window = timedelta(seconds=settings.window_seconds)
    waits = []
    for row, limit in zip(rows, limits.values(), strict=True):
        if row.locked_until is not None and moment < row.locked_until:
            waits.append((row.locked_until - moment).total_seconds())
            continue
        if row.locked_until is not None or moment >= row.window_started_at + window:
            row.failures, row.window_started_at, row.locked_until = 0, moment, None
        if row.failures >= limit:  # the allowance is taken by attempts still being checked
            waits.append(settings.lockout_seconds)
    if waits:
        raise TooManyAttempts(math.ceil(max(waits)))
    for row in rows:
        row.failures += 1


def _settle_attempt(session, tenant_id, limits, settings: ThrottleSettings, moment, right):
    lockout = timedelta(seconds=settings.lockout_seconds)
    for row, limit in zip(_rows(session, tenant_id, limits, moment), limits.values(), strict=True):
        if right:
            # The account starts afresh; the address keeps its failures, less this attempt.
            row.failures = 0 if row.scope == "account" else max(row.failures - 1, 0)
        elif row.failures >= limit and row.locked_until is None:
            row.locked_until = moment + lockout
    session.flush()
    session.execute(
        _statements(_models().LoginFailure, session.get_bind().dialect.name)["forget"],
        {
            "tenant_id": tenant_id,
            "cutoff": moment,
            "window_start": moment - timedelta(seconds=settings.window_seconds),
        },
    )
