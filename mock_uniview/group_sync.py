"""The Access Groups sync as a job on the tenant's clock (UV-GRP-1, UV-GRP-4): when it falls due
(the first import, then every four hours), UniView reads the tenant's groups from KaseyaOne's
SCIM service provider and mirrors them. A sync that cannot read them records the failure, leaves
the groups as they were, and runs again at the next slot."""

from __future__ import annotations

from sim_common.clock import tenant_now
from sim_common.db import db

from . import groups, kaseyaone_client
from .errors import KaseyaOneRefused, KaseyaOneUnavailable


def run(session, tenant) -> dict:
    """One sync, now."""
    integration = tenant.integration
    now = tenant_now(tenant)
    try:
        with session.no_autoflush:  # no write lock held while KaseyaOne answers
            kaseyaone = kaseyaone_client.read_groups(integration)
    except (KaseyaOneUnavailable, KaseyaOneRefused) as exc:
        result = f"failed: {exc.message}"
        groups.record_sync(integration, now, result, ok=False)
        return {"ok": False, "result": result}
    plan = groups.apply_sync(session, tenant, kaseyaone)
    result = (
        f"ok: {len(kaseyaone)} groups in KaseyaOne; {len(plan.add)} added, "
        f"{len(plan.rename)} renamed, {len(plan.remove)} removed"
    )
    groups.record_sync(integration, now, result, ok=True)
    return {"ok": True, "result": result}


def job(tenant, force: bool):
    """The `groups` job: runs the sync if it is due (or, forced, whenever Access Groups is on)."""
    integration = tenant.integration
    if integration is None or not integration.access_groups:
        return None
    if not force and not groups.sync_due(integration, tenant_now(tenant)):
        return None
    return run(db(), tenant)
