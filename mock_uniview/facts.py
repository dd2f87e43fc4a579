"""What Cooper's Unitrends insights read in UniView (uniview-kaseyaone-integration.txt, "Insight
details" and "Resolving insights"): appliances with Helix auto updates on or off, their
protected assets, and whether each is added to UniView (one the tenant's Unitrends account
reports with no UniView record yet is not); Data Copy Access (DCA, Recovery Assurance) jobs and
backup copy jobs, scheduled or not; conditional alarms for backups and for replication; the PSA
integration (ConnectWise Manage, Autotask, BMS or Vorex) with when it was added and its Close
Ticket Status, and organizations mapped to PSA companies or accounts.

Every change is reported to KaseyaOne in the same transaction (mock_uniview.telemetry), as the
facts the contract names (module_contracts.uniview.FACTS). No Flask here."""

from __future__ import annotations

import uuid

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session as DbSession

from sim_common.clock import iso, parse_iso, tenant_now
from sim_common.errors import InvalidRequest
from sim_common.validation import integer, text
from sim_common.web import new_id

from . import telemetry
from .errors import (
    AlarmNotFound,
    ApplianceNotAdded,
    ApplianceNotFound,
    AssetNotFound,
    JobNotFound,
    PsaAlreadyIntegrated,
    PsaNotIntegrated,
)
from .groups import list_organizations
from .models import (
    Appliance,
    ApplianceJob,
    ConditionalAlarm,
    Organization,
    ProtectedAsset,
    PsaCompanyMapping,
    PsaIntegration,
    Tenant,
)

# The public API's HelixStatus; "AutoUpdate" is Helix auto updates on.
HELIX_STATUSES = ("None", "Agent", "AutoUpdate", "Unknown")
AUTO_UPDATE = "AutoUpdate"
JOB_TYPES = {"dca": "Data Copy Access (Recovery Assurance)", "backup_copy": "Backup copy"}
ALARM_TYPES = {"backup": "Backups", "replication": "Off-site replication"}
PSAS = {
    "connectwise_manage": "ConnectWise Manage",
    "autotask": "Autotask",
    "bms": "BMS",
    "vorex": "Vorex",
}
MAX_THRESHOLD_HOURS = 24 * 366


def _one_of(value, choices, field: str) -> str:
    if not isinstance(value, str) or value not in choices:
        raise InvalidRequest(f"'{field}' must be one of {', '.join(choices)}.", field=field)
    return value


def _flag(value, field: str) -> bool:
    if not isinstance(value, bool):
        raise InvalidRequest(f"'{field}' must be true or false.", field=field)
    return value


def _optional_text(value, field: str, column) -> str | None:
    """A text that may be absent: None, or blank, for none."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return text(value, field, column)


def _only(changes, allowed: tuple[str, ...], what: str) -> dict:
    if not isinstance(changes, dict) or not changes:
        raise InvalidRequest(f"Send the changes to {what}: any of {', '.join(allowed)}.")
    unknown = sorted(set(changes) - set(allowed))
    if unknown:
        raise InvalidRequest(
            f"Only {', '.join(allowed)} of {what} can change, not {', '.join(unknown)}."
        )
    return changes


def _changed(session: DbSession, tenant: Tenant, added=None):
    """A fact changed (a row `added`, or changed or deleted already): written, and reported to
    KaseyaOne in the same transaction."""
    if added is not None:
        session.add(added)
    session.flush()
    telemetry.report(session, tenant)
    return added


def _removed(session: DbSession, tenant: Tenant, row) -> None:
    session.delete(row)
    _changed(session, tenant)


def _of_tenant(session: DbSession, tenant: Tenant, model, key, not_found: type[Exception]):
    row = session.get(model, key) if isinstance(key, str) else None
    if row is None or row.tenant_id != tenant.id:
        raise not_found()
    return row


# Appliances and their protected assets.


def list_appliances(session: DbSession, tenant: Tenant) -> list[Appliance]:
    return list(
        session.scalars(
            select(Appliance).where(Appliance.tenant_id == tenant.id).order_by(Appliance.asset_tag)
        )
    )


def get_appliance(session: DbSession, tenant: Tenant, asset_tag) -> Appliance:
    asset_tag = text(asset_tag, "asset_tag", Appliance.asset_tag)
    appliance = session.scalar(
        select(Appliance).where(Appliance.tenant_id == tenant.id, Appliance.asset_tag == asset_tag)
    )
    if appliance is None:
        raise ApplianceNotFound(f"There is no appliance '{asset_tag}'.")
    return appliance


def add_appliance(
    session: DbSession,
    tenant: Tenant,
    *,
    asset_tag,
    name=None,
    helix_status="None",
    added_to_uniview=True,
) -> Appliance:
    """An appliance added to UniView, or (`added_to_uniview` false) one the tenant's Unitrends
    account reports that has no UniView record yet."""
    asset_tag = text(asset_tag, "asset_tag", Appliance.asset_tag)
    if session.scalar(
        select(Appliance.id).where(
            Appliance.tenant_id == tenant.id, Appliance.asset_tag == asset_tag
        )
    ):
        raise InvalidRequest(f"An appliance '{asset_tag}' exists already.", field="asset_tag")
    appliance = Appliance(
        id=new_id(),
        tenant_id=tenant.id,
        asset_tag=asset_tag,
        name=text(name or asset_tag, "name", Appliance.name),
        helix_status=_one_of(helix_status, HELIX_STATUSES, "helix_status"),
        added_to_uniview=_flag(added_to_uniview, "added_to_uniview"),
        created_at=tenant_now(tenant),
    )
    return _changed(session, tenant, appliance)


def _in_uniview(appliance: Appliance) -> Appliance:
    if not appliance.added_to_uniview:
        raise ApplianceNotAdded(
            f"The appliance '{appliance.asset_tag}' is not added to the UniView Portal yet: "
            "add it first."
        )
    return appliance


def change_appliance(session: DbSession, tenant: Tenant, appliance: Appliance, changes) -> None:
    """Rename it, set its Helix status ("Modifying Helix Auto Update settings"), or add it to
    UniView (`added_to_uniview` true; an appliance is not taken out of UniView, but removed)."""
    changes = _only(changes, ("name", "helix_status", "added_to_uniview"), "an appliance")
    if "added_to_uniview" in changes:
        if changes["added_to_uniview"] is not True:
            raise InvalidRequest(
                "'added_to_uniview' can only become true: remove the appliance instead.",
                field="added_to_uniview",
            )
        appliance.added_to_uniview = True
    if "name" in changes:
        appliance.name = text(changes["name"], "name", Appliance.name)
    if "helix_status" in changes:
        status = _one_of(changes["helix_status"], HELIX_STATUSES, "helix_status")
        _in_uniview(appliance).helix_status = status
    _changed(session, tenant)


def set_helix_auto_updates(
    session: DbSession, tenant: Tenant, appliance: Appliance, on: bool
) -> None:
    """The page's toggle: on is AutoUpdate; off leaves the Helix agent without auto updates."""
    change_appliance(session, tenant, appliance, {"helix_status": AUTO_UPDATE if on else "Agent"})


def remove_appliance(session: DbSession, tenant: Tenant, appliance: Appliance) -> None:
    _removed(session, tenant, appliance)


def protected_asset_counts(session: DbSession, tenant: Tenant) -> dict[str, int]:
    rows = session.execute(
        select(ProtectedAsset.appliance_id, func.count())
        .where(ProtectedAsset.tenant_id == tenant.id)
        .group_by(ProtectedAsset.appliance_id)
    )
    return dict(rows.all())


def appliance_json(appliance: Appliance, protected_assets: int) -> dict:
    return {
        "asset_tag": appliance.asset_tag,
        "name": appliance.name,
        "helix_status": appliance.helix_status,
        "helix_auto_updates": appliance.helix_status == AUTO_UPDATE,
        "added_to_uniview": appliance.added_to_uniview,
        "protected_assets": protected_assets,
    }


def appliances_listing(session: DbSession, tenant: Tenant) -> list[dict]:
    counts = protected_asset_counts(session, tenant)
    return [appliance_json(a, counts.get(a.id, 0)) for a in list_appliances(session, tenant)]


def _with_asset_tags(session: DbSession, tenant: Tenant, model, *order) -> list[tuple]:
    """Every row of `model` (assets, jobs) of the tenant, with its appliance's asset tag."""
    return list(
        session.execute(
            select(model, Appliance.asset_tag)
            .join(Appliance, Appliance.id == model.appliance_id)
            .where(model.tenant_id == tenant.id)
            .order_by(*order)
        ).all()
    )


def list_assets(session: DbSession, tenant: Tenant) -> list[tuple[ProtectedAsset, str]]:
    return _with_asset_tags(
        session, tenant, ProtectedAsset, Appliance.asset_tag, ProtectedAsset.name
    )


def add_protected_asset(
    session: DbSession, tenant: Tenant, appliance: Appliance, *, name, type=None
) -> ProtectedAsset:
    """An asset the appliance protects (the Unitrends account reports them, added to UniView or
    not)."""
    asset = ProtectedAsset(
        key=str(uuid.uuid4()),
        tenant_id=tenant.id,
        appliance_id=appliance.id,
        name=text(name, "name", ProtectedAsset.name),
        type=text(type or "Image Level Instance", "type", ProtectedAsset.type),
    )
    return _changed(session, tenant, asset)


def remove_protected_asset(session: DbSession, tenant: Tenant, key) -> None:
    _removed(session, tenant, _of_tenant(session, tenant, ProtectedAsset, key, AssetNotFound))


def asset_json(asset: ProtectedAsset, asset_tag: str) -> dict:
    return {"key": asset.key, "asset_tag": asset_tag, "name": asset.name, "type": asset.type}


# DCA and backup copy jobs.


def list_jobs(session: DbSession, tenant: Tenant) -> list[tuple[ApplianceJob, str]]:
    order = (ApplianceJob.type, ApplianceJob.name, ApplianceJob.id)
    return _with_asset_tags(session, tenant, ApplianceJob, *order)


def get_job(session: DbSession, tenant: Tenant, job_id) -> ApplianceJob:
    return _of_tenant(session, tenant, ApplianceJob, job_id, JobNotFound)


def _check_job(job: ApplianceJob) -> None:
    if job.type == "backup_copy" and job.target is None:
        raise InvalidRequest(
            "A backup copy job copies backups to a target: give its 'target' (Unitrends "
            "Cloud, a secondary appliance, cloud storage, a disk, a NAS...).",
            field="target",
        )


def add_job(
    session: DbSession,
    tenant: Tenant,
    appliance: Appliance,
    *,
    type,
    name,
    schedule=None,
    target=None,
) -> ApplianceJob:
    """A DCA job (Recovery Assurance) or a backup copy job to a target, on an appliance added to
    UniView; `schedule` None (or blank): run on demand only."""
    job = ApplianceJob(
        id=new_id(),
        tenant_id=tenant.id,
        appliance_id=_in_uniview(appliance).id,
        type=_one_of(type, JOB_TYPES, "type"),
        name=text(name, "name", ApplianceJob.name),
        schedule=_optional_text(schedule, "schedule", ApplianceJob.schedule),
        target=_optional_text(target, "target", ApplianceJob.target),
        created_at=tenant_now(tenant),
    )
    _check_job(job)
    return _changed(session, tenant, job)


def change_job(session: DbSession, tenant: Tenant, job: ApplianceJob, changes) -> None:
    """Rename it, schedule it (or `schedule` null: on demand only), change its target."""
    changes = _only(changes, ("name", "schedule", "target"), "a job")
    if "name" in changes:
        job.name = text(changes["name"], "name", ApplianceJob.name)
    if "schedule" in changes:
        job.schedule = _optional_text(changes["schedule"], "schedule", ApplianceJob.schedule)
    if "target" in changes:
        job.target = _optional_text(changes["target"], "target", ApplianceJob.target)
    _check_job(job)
    _changed(session, tenant)


def remove_job(session: DbSession, tenant: Tenant, job: ApplianceJob) -> None:
    _removed(session, tenant, job)


def job_json(job: ApplianceJob, asset_tag: str) -> dict:
    return {
        "id": job.id,
        "type": job.type,
        "asset_tag": asset_tag,
        "name": job.name,
        "schedule": job.schedule,
        "scheduled": job.schedule is not None,
        "target": job.target,
    }


# Conditional alarms.


def list_alarms(session: DbSession, tenant: Tenant) -> list[ConditionalAlarm]:
    return list(
        session.scalars(
            select(ConditionalAlarm)
            .where(ConditionalAlarm.tenant_id == tenant.id)
            .order_by(ConditionalAlarm.type, ConditionalAlarm.threshold_hours)
        )
    )


def add_alarm(session: DbSession, tenant: Tenant, *, type, threshold_hours) -> ConditionalAlarm:
    """A conditional alarm: alert when machines go longer than `threshold_hours` without a good
    backup (`backup`) or off-site replication (`replication`)."""
    threshold_hours = integer(
        threshold_hours, "threshold_hours", minimum=1, maximum=MAX_THRESHOLD_HOURS
    )
    alarm = ConditionalAlarm(
        id=new_id(),
        tenant_id=tenant.id,
        type=_one_of(type, ALARM_TYPES, "type"),
        threshold_hours=threshold_hours,
        created_at=tenant_now(tenant),
    )
    return _changed(session, tenant, alarm)


def remove_alarm(session: DbSession, tenant: Tenant, alarm_id) -> None:
    _removed(
        session, tenant, _of_tenant(session, tenant, ConditionalAlarm, alarm_id, AlarmNotFound)
    )


def alarm_json(alarm: ConditionalAlarm) -> dict:
    return {"id": alarm.id, "type": alarm.type, "threshold_hours": alarm.threshold_hours}


# The PSA integration, and organizations mapped to PSA companies or accounts.


def get_psa_integration(session: DbSession, tenant: Tenant) -> PsaIntegration:
    psa = session.get(PsaIntegration, tenant.id)
    if psa is None:
        raise PsaNotIntegrated()
    return psa


def add_psa_integration(
    session: DbSession, tenant: Tenant, *, psa, close_ticket_status=None, added_at=None
) -> PsaIntegration:
    """Integrate a PSA, added now on the tenant's clock (a seed may say when, in the past)."""
    if session.get(PsaIntegration, tenant.id) is not None:
        raise PsaAlreadyIntegrated()
    integration = PsaIntegration(
        tenant_id=tenant.id,
        psa=_one_of(psa, PSAS, "psa"),
        added_at=added_at or tenant_now(tenant),
        close_ticket_status=_optional_text(
            close_ticket_status, "close_ticket_status", PsaIntegration.close_ticket_status
        ),
    )
    return _changed(session, tenant, integration)


def change_psa_integration(session: DbSession, tenant: Tenant, changes) -> PsaIntegration:
    """The integration's settings: its Close Ticket Status (null: tickets are not closed by
    status)."""
    changes = _only(changes, ("close_ticket_status",), "the PSA integration")
    integration = get_psa_integration(session, tenant)
    integration.close_ticket_status = _optional_text(
        changes["close_ticket_status"], "close_ticket_status", PsaIntegration.close_ticket_status
    )
    _changed(session, tenant)
    return integration


def remove_psa_integration(session: DbSession, tenant: Tenant) -> None:
    """The PSA goes, and every organization's mapping to its companies with it."""
    integration = get_psa_integration(session, tenant)
    session.execute(delete(PsaCompanyMapping).where(PsaCompanyMapping.tenant_id == tenant.id))
    _removed(session, tenant, integration)


def map_organization(
    session: DbSession, tenant: Tenant, organization: Organization, company
) -> None:
    """Map an organization to a company or account of the integrated PSA (replacing any)."""
    get_psa_integration(session, tenant)
    company = text(company, "company", PsaCompanyMapping.company)
    mapping = session.get(PsaCompanyMapping, organization.id)
    if mapping is None:
        session.add(
            PsaCompanyMapping(organization_id=organization.id, tenant_id=tenant.id, company=company)
        )
    else:
        mapping.company = company
    _changed(session, tenant)


def unmap_organization(session: DbSession, tenant: Tenant, organization: Organization) -> None:
    session.execute(
        delete(PsaCompanyMapping).where(PsaCompanyMapping.organization_id == organization.id)
    )
    _changed(session, tenant)


def psa_json(session: DbSession, tenant: Tenant) -> dict:
    """The PSA integration (or `psa` null), and every organization with its PSA company."""
    integration = session.get(PsaIntegration, tenant.id)
    mapped = dict(
        session.execute(
            select(PsaCompanyMapping.organization_id, PsaCompanyMapping.company).where(
                PsaCompanyMapping.tenant_id == tenant.id
            )
        ).all()
    )
    return {
        "psa": integration.psa if integration else None,
        "psa_name": PSAS[integration.psa] if integration else None,
        "added_at": iso(integration.added_at) if integration else None,
        "close_ticket_status": integration.close_ticket_status if integration else None,
        "organizations": [
            {"id": o.id, "name": o.name, "company": mapped.get(o.id)}
            for o in list_organizations(session, tenant)
        ],
    }


# What KaseyaOne is told.


def _count(session: DbSession, query) -> int:
    return session.scalar(select(func.count()).select_from(query.subquery())) or 0


def _scheduled_jobs(tenant: Tenant, type_: str):
    return (
        select(ApplianceJob.id)
        .join(Appliance, Appliance.id == ApplianceJob.appliance_id)
        .where(
            ApplianceJob.tenant_id == tenant.id,
            ApplianceJob.type == type_,
            ApplianceJob.schedule.is_not(None),
            Appliance.added_to_uniview.is_(True),
        )
    )


def _alarms(tenant: Tenant, type_: str):
    return select(ConditionalAlarm.id).where(
        ConditionalAlarm.tenant_id == tenant.id, ConditionalAlarm.type == type_
    )


def insight_facts(session: DbSession, tenant: Tenant) -> dict:
    """The facts the contract's insights read (module_contracts.uniview.FACTS), now: counts and
    flags, no names — the telemetry carries no more than the insights need."""
    psa = session.get(PsaIntegration, tenant.id)
    appliances = select(Appliance.id).where(Appliance.tenant_id == tenant.id)
    with_assets = select(ProtectedAsset.appliance_id).where(ProtectedAsset.tenant_id == tenant.id)
    return {
        "tenant_added_at": iso(tenant.created_at),
        "helix_auto_update_appliances": _count(
            session,
            appliances.where(
                Appliance.added_to_uniview.is_(True), Appliance.helix_status == AUTO_UPDATE
            ),
        ),
        "unadded_appliances_with_protected_assets": _count(
            session,
            appliances.where(Appliance.added_to_uniview.is_(False), Appliance.id.in_(with_assets)),
        ),
        "scheduled_dca_jobs": _count(session, _scheduled_jobs(tenant, "dca")),
        "scheduled_backup_copy_jobs": _count(session, _scheduled_jobs(tenant, "backup_copy")),
        "backup_alarms": _count(session, _alarms(tenant, "backup")),
        "replication_alarms": _count(session, _alarms(tenant, "replication")),
        "psa_integrated": psa is not None,
        "psa_added_at": iso(psa.added_at) if psa else None,
        "psa_closes_tickets_by_status": bool(psa and psa.close_ticket_status),
        "organizations_mapped_to_psa": _count(
            session,
            select(PsaCompanyMapping.organization_id).where(
                PsaCompanyMapping.tenant_id == tenant.id
            ),
        ),
    }


# Seeding, through the control plane.


def _seed_moment(value, tenant: Tenant, field: str):
    moment = parse_iso(value)
    if moment is None or moment > tenant_now(tenant):
        raise InvalidRequest(
            f"'{field}' must be an ISO 8601 date and time with an offset, not in the future.",
            field=field,
        )
    return moment


def _seed_list(seed: dict, key: str) -> list[dict]:
    items = seed.get(key, [])
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise InvalidRequest(f"'{key}' must be a list of objects.", field=key)
    return items


def seed_facts(session: DbSession, tenant: Tenant, seed: dict) -> None:
    """A seeded tenant's facts: `created_at` (when the tenant was added, in the past),
    `appliances` (asset_tag, name, helix_status, added_to_uniview, protected_assets [{name,
    type}], jobs [{type, name, schedule, target}]), `conditional_alarms` [{type,
    threshold_hours}], `psa_integration` {psa, close_ticket_status, added_at, organizations
    {organization name: company}} (after the seeded organizations)."""
    if "created_at" in seed:
        tenant.created_at = _seed_moment(seed["created_at"], tenant, "created_at")
    for spec in _seed_list(seed, "appliances"):
        appliance = add_appliance(
            session,
            tenant,
            asset_tag=spec.get("asset_tag"),
            name=spec.get("name"),
            helix_status=spec.get("helix_status", "None"),
            added_to_uniview=spec.get("added_to_uniview", True),
        )
        for asset in _seed_list(spec, "protected_assets"):
            add_protected_asset(
                session, tenant, appliance, name=asset.get("name"), type=asset.get("type")
            )
        for job in _seed_list(spec, "jobs"):
            add_job(
                session,
                tenant,
                appliance,
                type=job.get("type"),
                name=job.get("name"),
                schedule=job.get("schedule"),
                target=job.get("target"),
            )
    for alarm in _seed_list(seed, "conditional_alarms"):
        add_alarm(
            session, tenant, type=alarm.get("type"), threshold_hours=alarm.get("threshold_hours")
        )
    psa = seed.get("psa_integration")
    if psa is None:
        return
    if not isinstance(psa, dict):
        raise InvalidRequest("'psa_integration' must be an object.", field="psa_integration")
    added_at = psa.get("added_at")
    add_psa_integration(
        session,
        tenant,
        psa=psa.get("psa"),
        close_ticket_status=psa.get("close_ticket_status"),
        added_at=_seed_moment(added_at, tenant, "psa_integration.added_at") if added_at else None,
    )
    mappings = psa.get("organizations", {})
    if not isinstance(mappings, dict):
        raise InvalidRequest(
            "'psa_integration.organizations' must map organization names to companies."
        )
    by_name = {o.name: o for o in list_organizations(session, tenant)}
    for name, company in mappings.items():
        if name not in by_name:
            raise InvalidRequest(f"The seed maps an unknown organization '{name}' to a company.")
        map_organization(session, tenant, by_name[name], company)
