"""What Cooper's insights read, for superusers: Appliances (Helix auto updates, protected assets,
adding an appliance the Unitrends account reports), Jobs (Recovery Assurance DCA jobs and
backup copy jobs), Conditional alarms (backups, replication) and the PSA integration (Close
Ticket Status, organizations mapped to PSA companies). Pages where the insights' actions lead
("Resolving insights") and a JSON API, both calling `facts`; `api/telemetry` shows what UniView
reports to KaseyaOne."""

from __future__ import annotations

from flask import g, redirect, render_template, request, url_for

from sim_common.control import json_body
from sim_common.db import db
from sim_common.errors import InvalidRequest, SimError
from sim_common.web import rollback_request

from . import facts, groups, telemetry
from .web import require_superuser, tenant_blueprint

bp = tenant_blueprint("uv_facts", __name__)
bp.fault_kind = "facts"


def _appliance(asset_tag: str):
    return facts.get_appliance(db(), g.tenant, asset_tag)


def _appliance_json(appliance) -> dict:
    counts = facts.protected_asset_counts(db(), g.tenant)
    return facts.appliance_json(appliance, counts.get(appliance.id, 0))


def _jobs() -> list[dict]:
    return [facts.job_json(job, tag) for job, tag in facts.list_jobs(db(), g.tenant)]


def _job_json(job) -> dict:
    return next(j for j in _jobs() if j["id"] == job.id)


@bp.before_request
def superusers_only():
    require_superuser()


# Appliances and protected assets (`/v1/appliances`, `/v1/assets` in UniView's public API).


@bp.get("/api/appliances")
def list_appliances():
    return {"appliances": facts.appliances_listing(db(), g.tenant)}


@bp.post("/api/appliances")
def add_appliance():
    body = json_body()
    appliance = facts.add_appliance(
        db(),
        g.tenant,
        asset_tag=body.get("asset_tag"),
        name=body.get("name"),
        helix_status=body.get("helix_status", "None"),
        added_to_uniview=body.get("added_to_uniview", True),
    )
    return _appliance_json(appliance), 201


@bp.get("/api/appliances/<asset_tag>")
def show_appliance(asset_tag):
    return _appliance_json(_appliance(asset_tag))


@bp.patch("/api/appliances/<asset_tag>")
def change_appliance(asset_tag):
    """`name`, `helix_status` (None, Agent, AutoUpdate, Unknown), `added_to_uniview` true."""
    appliance = _appliance(asset_tag)
    facts.change_appliance(db(), g.tenant, appliance, json_body())
    return _appliance_json(appliance)


@bp.delete("/api/appliances/<asset_tag>")
def remove_appliance(asset_tag):
    facts.remove_appliance(db(), g.tenant, _appliance(asset_tag))
    return "", 204


@bp.get("/api/assets")
def list_assets():
    return {
        "assets": [facts.asset_json(asset, tag) for asset, tag in facts.list_assets(db(), g.tenant)]
    }


@bp.post("/api/assets")
def add_asset():
    body = json_body()
    appliance = _appliance(body.get("asset_tag"))
    asset = facts.add_protected_asset(
        db(), g.tenant, appliance, name=body.get("name"), type=body.get("type")
    )
    return facts.asset_json(asset, appliance.asset_tag), 201


@bp.delete("/api/assets/<key>")
def remove_asset(key):
    facts.remove_protected_asset(db(), g.tenant, key)
    return "", 204


# DCA and backup copy jobs.


@bp.get("/api/jobs")
def list_jobs():
    return {"jobs": _jobs()}


@bp.post("/api/jobs")
def add_job():
    """`type` dca or backup_copy, `asset_tag`, `name`, `schedule` (null: on demand only),
    `target` (a backup copy job's)."""
    body = json_body()
    job = facts.add_job(
        db(),
        g.tenant,
        _appliance(body.get("asset_tag")),
        type=body.get("type"),
        name=body.get("name"),
        schedule=body.get("schedule"),
        target=body.get("target"),
    )
    return _job_json(job), 201


@bp.patch("/api/jobs/<job_id>")
def change_job(job_id):
    job = facts.get_job(db(), g.tenant, job_id)
    facts.change_job(db(), g.tenant, job, json_body())
    return _job_json(job)


@bp.delete("/api/jobs/<job_id>")
def remove_job(job_id):
    facts.remove_job(db(), g.tenant, facts.get_job(db(), g.tenant, job_id))
    return "", 204


# Conditional alarms.


@bp.get("/api/conditional-alarms")
def list_alarms():
    return {"conditional_alarms": [facts.alarm_json(a) for a in facts.list_alarms(db(), g.tenant)]}


@bp.post("/api/conditional-alarms")
def add_alarm():
    body = json_body()
    alarm = facts.add_alarm(
        db(), g.tenant, type=body.get("type"), threshold_hours=body.get("threshold_hours")
    )
    return facts.alarm_json(alarm), 201


@bp.delete("/api/conditional-alarms/<alarm_id>")
def remove_alarm(alarm_id):
    facts.remove_alarm(db(), g.tenant, alarm_id)
    return "", 204


# The PSA integration and the organizations' PSA companies.


def _psa_json() -> dict:
    return facts.psa_json(db(), g.tenant)


@bp.get("/api/psa-integration")
def show_psa():
    return _psa_json()


@bp.post("/api/psa-integration")
def add_psa():
    body = json_body()
    facts.add_psa_integration(
        db(), g.tenant, psa=body.get("psa"), close_ticket_status=body.get("close_ticket_status")
    )
    return _psa_json(), 201


@bp.patch("/api/psa-integration")
def change_psa():
    facts.change_psa_integration(db(), g.tenant, json_body())
    return _psa_json()


@bp.delete("/api/psa-integration")
def remove_psa():
    facts.remove_psa_integration(db(), g.tenant)
    return "", 204


@bp.put("/api/organizations/<organization_id>/psa-company")
def map_organization(organization_id):
    organization = groups.get_organization(db(), g.tenant, organization_id)
    facts.map_organization(db(), g.tenant, organization, json_body().get("company"))
    return _psa_json()


@bp.delete("/api/organizations/<organization_id>/psa-company")
def unmap_organization(organization_id):
    organization = groups.get_organization(db(), g.tenant, organization_id)
    facts.unmap_organization(db(), g.tenant, organization)
    return _psa_json()


@bp.get("/api/telemetry")
def show_telemetry():
    """What UniView reports to KaseyaOne for Cooper, and the reports still on their way."""
    return {
        "reporting": g.tenant.integration is not None,
        "facts": facts.insight_facts(db(), g.tenant),
        "links": telemetry.links(g.tenant),
        **telemetry.delivery_state(db(), g.tenant),
    }


# The same as pages. Each page's form says what to do in `action`.


def _hours(value) -> int:
    if not isinstance(value, str) or not value.strip().isdigit():
        raise InvalidRequest("The threshold must be a whole number of hours.")
    return int(value)


def _appliances_actions(form) -> None:
    action = form.get("action")
    if action == "add_appliance":
        facts.add_appliance(db(), g.tenant, asset_tag=form.get("asset_tag"), name=form.get("name"))
        return
    appliance = _appliance(form.get("asset_tag", ""))
    if action == "add_to_uniview":
        facts.change_appliance(db(), g.tenant, appliance, {"added_to_uniview": True})
    elif action == "helix":
        facts.set_helix_auto_updates(db(), g.tenant, appliance, "auto_updates" in form)
    elif action == "add_asset":
        facts.add_protected_asset(db(), g.tenant, appliance, name=form.get("name"))
    elif action == "remove_appliance":
        facts.remove_appliance(db(), g.tenant, appliance)
    else:
        raise InvalidRequest("Unknown action.")


def _jobs_actions(form) -> None:
    action = form.get("action")
    if action == "add_job":
        facts.add_job(
            db(),
            g.tenant,
            _appliance(form.get("asset_tag", "")),
            type=form.get("type"),
            name=form.get("name"),
            schedule=form.get("schedule"),
            target=form.get("target"),
        )
        return
    job = facts.get_job(db(), g.tenant, form.get("job", ""))
    if action == "schedule_job":
        facts.change_job(db(), g.tenant, job, {"schedule": form.get("schedule")})
    elif action == "remove_job":
        facts.remove_job(db(), g.tenant, job)
    else:
        raise InvalidRequest("Unknown action.")


def _alarms_actions(form) -> None:
    action = form.get("action")
    if action == "add_alarm":
        hours = _hours(form.get("threshold_hours"))
        facts.add_alarm(db(), g.tenant, type=form.get("type"), threshold_hours=hours)
    elif action == "remove_alarm":
        facts.remove_alarm(db(), g.tenant, form.get("alarm", ""))
    else:
        raise InvalidRequest("Unknown action.")


def _psa_actions(form) -> None:
    action = form.get("action")
    if action == "add_psa":
        facts.add_psa_integration(
            db(),
            g.tenant,
            psa=form.get("psa"),
            close_ticket_status=form.get("close_ticket_status"),
        )
    elif action == "psa_settings":
        changes = {"close_ticket_status": form.get("close_ticket_status")}
        facts.change_psa_integration(db(), g.tenant, changes)
    elif action == "remove_psa":
        facts.remove_psa_integration(db(), g.tenant)
    elif action == "map_organization":
        organization = groups.get_organization(db(), g.tenant, form.get("organization", ""))
        if (form.get("company") or "").strip():
            facts.map_organization(db(), g.tenant, organization, form.get("company"))
        else:
            facts.unmap_organization(db(), g.tenant, organization)
    else:
        raise InvalidRequest("Unknown action.")


def _context(page: str) -> dict:
    if page == "appliances":
        return {
            "appliances": facts.appliances_listing(db(), g.tenant),
            "assets": [facts.asset_json(a, t) for a, t in facts.list_assets(db(), g.tenant)],
        }
    if page == "jobs":
        return {"jobs": _jobs(), "appliances": facts.appliances_listing(db(), g.tenant)}
    if page == "alarms":
        return {"alarms": [facts.alarm_json(a) for a in facts.list_alarms(db(), g.tenant)]}
    return {"psa": _psa_json()}


PAGES = {
    "appliances": ("uv_appliances.html", _appliances_actions),
    "jobs": ("uv_jobs.html", _jobs_actions),
    "alarms": ("uv_alarms.html", _alarms_actions),
    "psa": ("uv_psa.html", _psa_actions),
}


def _page(page: str, error: SimError | None = None, status: int = 200):
    return render_template(
        PAGES[page][0],
        tenant=g.tenant,
        page=page,
        error=error,
        labels={
            "jobs": facts.JOB_TYPES,
            "alarms": facts.ALARM_TYPES,
            "psas": facts.PSAS,
        },
        **_context(page),
    ), status


def _form(page: str):
    try:
        PAGES[page][1](request.form)
    except SimError as exc:
        rollback_request()
        return _page(page, error=exc, status=exc.status_code)
    return redirect(url_for(f"uv_facts.{page}_page"))


@bp.get("/settings/appliances")
def appliances_page():
    return _page("appliances")


@bp.post("/settings/appliances")
def appliances_form():
    return _form("appliances")


@bp.get("/settings/jobs")
def jobs_page():
    return _page("jobs")


@bp.post("/settings/jobs")
def jobs_form():
    return _form("jobs")


@bp.get("/settings/alarms")
def alarms_page():
    return _page("alarms")


@bp.post("/settings/alarms")
def alarms_form():
    return _form("alarms")


@bp.get("/settings/psa")
def psa_page():
    return _page("psa")


@bp.post("/settings/psa")
def psa_form():
    return _form("psa")
