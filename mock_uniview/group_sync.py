"""The Access Groups sync as a job on the tenant's clock (UV-GRP-1, UV-GRP-4): when it falls due
(the first import, then every four hours), UniView reads the tenant's groups from KaseyaOne's
SCIM service provider and mirrors them. A sync that cannot read them records the failure, leaves
the groups as they were, and runs again at the next slot."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from sim_common import kaseyaone_rp
from sim_common.clock import tenant_now
from sim_common.db import db

from . import groups
from .errors import KaseyaOneRefused, KaseyaOneUnavailable
from .models import Integration


def run(session, tenant) -> dict:
    """One sync, now: read KaseyaOne's groups (holding no write lock while it answers), confirm
    each group that seems gone, then apply — unless Access Groups was turned off, or the
    integration reset, in the meantime."""
    integration = tenant.integration
    credentials = integration.client_id
    imported = groups.imported_ids(session, tenant)
    now = tenant_now(tenant)
    try:
        kaseyaone = groups.kaseyaone_groups(kaseyaone_rp.read_groups(integration))
        gone = set()
        for k1_id in sorted(imported - set(kaseyaone)):
            name = kaseyaone_rp.group_name(integration, k1_id)
            if name is None:
                gone.add(k1_id)
            else:  # skipped by a listing that shifted while it was read
                kaseyaone.update(groups.kaseyaone_groups([(k1_id, name)]))
    except (KaseyaOneUnavailable, KaseyaOneRefused) as exc:
        outcome = {"ok": False, "result": f"failed: {exc.message}"}
    else:
        outcome = None
    integration = session.scalar(  # as it is now, not as it was before KaseyaOne answered
        select(Integration)
        .where(Integration.tenant_id == tenant.id)
        .execution_options(populate_existing=True)
    )
    if integration is None or not integration.access_groups or integration.client_id != credentials:
        return {"ok": False, "result": "not applied: Access Groups was turned off meanwhile"}
    if outcome is None:
        plan = groups.apply_sync(session, tenant, kaseyaone, gone)
        outcome = {
            "ok": True,
            "result": f"ok: {len(kaseyaone)} groups in KaseyaOne; {len(plan.add)} added, "
            f"{len(plan.rename)} renamed, {len(plan.remove)} removed",
        }
    groups.record_sync(integration, now, outcome["result"], ok=outcome["ok"])
    return outcome


def job(tenant, force: bool):
    """The `groups` job: runs the sync if it is due (or, forced, whenever Access Groups is on)."""
    integration = tenant.integration
    if integration is None or not integration.access_groups:
        return None
    if not force and not groups.sync_due(integration, tenant_now(tenant)):
        return None
    return run(db(), tenant)


def due(session) -> list[str]:
    """The tenants whose sync has fallen due on their clock (what the served scheduler runs)."""
    integrations = session.scalars(
        select(Integration)
        .where(Integration.access_groups, Integration.groups_next_sync_at.is_not(None))
        .options(joinedload(Integration.tenant))
    )
    return [i.tenant_id for i in integrations if groups.sync_due(i, tenant_now(i.tenant))]
