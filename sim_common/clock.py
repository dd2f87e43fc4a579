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
