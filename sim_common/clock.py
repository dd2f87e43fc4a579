"""The per-tenant simulated clock.

A tenant's time is real time plus the tenant's offset. Advancing it (through the control plane)
moves every lifetime the simulator checks for that tenant — codes, tokens, sessions — so no
test ever sleeps.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


def real_now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def tenant_now(tenant) -> datetime:
    return real_now() + timedelta(seconds=tenant.clock_offset_seconds)


def epoch_seconds(moment: datetime) -> int:
    return int(moment.replace(tzinfo=UTC).timestamp())


def advance_clock(tenant, seconds: float) -> datetime:
    if seconds < 0:
        from .errors import InvalidRequest

        raise InvalidRequest("The simulated clock only moves forward.")
    tenant.clock_offset_seconds += seconds
    return tenant_now(tenant)


def iso(moment: datetime | None) -> str | None:
    """A naive UTC moment as the simulators' JSON writes it (ISO 8601, `Z`)."""
    return None if moment is None else moment.isoformat() + "Z"


def parse_iso(text) -> datetime | None:
    """An ISO 8601 date and time with an offset (or `Z`), as a naive UTC moment; None for
    anything else (a moment without an offset is ambiguous)."""
    if not isinstance(text, str) or len(text) > 64:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        return None
    return moment.astimezone(UTC).replace(tzinfo=None)
