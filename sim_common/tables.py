"""The tables every simulator keeps beside its own — the journal, secrets, faults, the outbox,
leases, idempotent requests and the password throttle's counts — declared on a simulator's
declarative base in one call, so that a new simulator does not copy them."""

from __future__ import annotations

from .faults import FaultMixin
from .idempotency import IdempotentRequestMixin
from .leases import LeaseMixin
from .models import JournalEntryMixin, SecretMixin
from .outbox import OutboxMixin
from .throttle import LoginFailureMixin, LoginThrottleMixin
from .web import SimModels


def simulator_tables(base, tenant) -> SimModels:
    """The common tables on `base` (the simulator's own `Tenant` is `tenant`), as the
    SimModels the simulator's application is made with."""

    def table(name: str, mixin: type) -> type:
        return type(name, (mixin, base), {"__module__": base.__module__})

    return SimModels(
        Tenant=tenant,
        JournalEntry=table("JournalEntry", JournalEntryMixin),
        Secret=table("Secret", SecretMixin),
        Fault=table("Fault", FaultMixin),
        Outbox=table("Outbox", OutboxMixin),
        Lease=table("Lease", LeaseMixin),
        LoginThrottle=table("LoginThrottle", LoginThrottleMixin),
        LoginFailure=table("LoginFailure", LoginFailureMixin),
        IdempotentRequest=table("IdempotentRequest", IdempotentRequestMixin),
    )
