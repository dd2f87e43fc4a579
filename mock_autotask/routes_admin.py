"""Admin > Resources/Users (HR), for resources whose security level has Admin permission: the
Resources page (list, add, make inactive or active again, and the Approvers table: who approves
each active resource's timesheets and expense reports, those waiting on an inactive approver
marked, where Cooper's approver insights lead) and the simulator's own JSON API for
what Autotask's REST API lacks or the pages need, under `/t/{tenant}/api/` with the session
cookie: `GET/POST api/security-levels`, `api/departments`, `api/roles`; `GET/POST api/resources`,
`GET/PATCH api/resources/{id or userName}`. Resources are never deleted: DELETE is 405."""

from __future__ import annotations

from flask import g, redirect, render_template, request, url_for

from sim_common.control import json_body
from sim_common.db import db
from sim_common.errors import InvalidRequest, SimError
from sim_common.web import rollback_request

from . import organization, resources
from .errors import NeverDeleted
from .integration import approver_options
from .models import Resource
from .web import require_admin, tenant_blueprint

bp = tenant_blueprint("at_admin", __name__)
bp.fault_kind = "admin"

LISTS = {
    "security-levels": (
        organization.list_security_levels,
        organization.add_security_level,
        organization.security_level_json,
    ),
    "departments": (
        organization.list_departments,
        organization.add_department,
        organization.named_json,
    ),
    "roles": (organization.list_roles, organization.add_role, organization.named_json),
}


def list_kind(kind: str):
    require_admin()
    listing, _, to_json = LISTS[kind]
    return {kind.replace("-", "_"): [to_json(row) for row in listing(db(), g.tenant)]}


def add_kind(kind: str):
    require_admin()
    _, add, to_json = LISTS[kind]
    return to_json(add(db(), g.tenant, json_body())), 201


# A path of its own for each (its OpenAPI operations differ: a security level is not a role).
for _kind in LISTS:
    bp.add_url_rule(f"/api/{_kind}", f"list_{_kind}", list_kind, defaults={"kind": _kind})
    bp.add_url_rule(
        f"/api/{_kind}", f"add_{_kind}", add_kind, methods=["POST"], defaults={"kind": _kind}
    )


@bp.get("/api/resources")
def list_resources():
    require_admin()
    return {
        "resources": [resources.resource_json(r) for r in resources.list_resources(db(), g.tenant)]
    }


@bp.post("/api/resources")
def add_resource():
    require_admin()
    return resources.resource_json(resources.create_resource(db(), g.tenant, json_body())), 201


@bp.get("/api/resources/<ref>")
def get_resource(ref: str):
    require_admin()
    return resources.resource_json(resources.get_resource(db(), g.tenant, ref))


@bp.patch("/api/resources/<ref>")
def change_resource(ref: str):
    """Changes, e.g. `{"isActive": false}` (made inactive: its sessions end at once)."""
    require_admin()
    resource = resources.get_resource(db(), g.tenant, ref)
    return resources.resource_json(resources.change_resource(db(), resource, json_body()))


@bp.delete("/api/resources/<ref>")
def delete_resource(ref: str):
    raise NeverDeleted("GET, PATCH")


# The same as a page.


def _resources_page(error: SimError | None = None, status: int = 200):
    listed = resources.list_resources(db(), g.tenant)
    return render_template(
        "at_resources.html",
        tenant=g.tenant,
        error=error,
        resources=[resources.resource_json(r) for r in listed],
        active=[r for r in listed if r.is_active],
        approvers={
            "timesheetApprover": approver_options(db(), g.tenant, Resource.approves_timesheets),
            "expenseApprover": approver_options(db(), g.tenant, Resource.approves_expenses),
        },
        security_levels=organization.list_security_levels(db(), g.tenant),
        departments=organization.list_departments(db(), g.tenant),
        roles=organization.list_roles(db(), g.tenant),
        form=request.form,
    ), status


def _approver_changes(resource: Resource, form) -> dict:
    """The approvers a row of the Approvers table changes ("" for none); one left as it was is
    no change, even where that approver is inactive now."""
    current = {
        "timesheetApprover": resource.timesheet_approver_id,
        "expenseApprover": resource.expense_approver_id,
    }
    changes = {}
    for key, approver_id in current.items():
        if key in form and form[key] != ("" if approver_id is None else str(approver_id)):
            changes[key] = form[key] or None
    return changes


@bp.get("/admin/resources")
def resources_page():
    require_admin()
    return _resources_page()


@bp.post("/admin/resources")
def resources_form():
    require_admin()
    form = request.form
    try:
        action = form.get("action")
        if action == "add":
            spec = {
                key: form.get(key)
                for key in ("userName", "email", "firstName", "lastName", "title", "password")
                if form.get(key)
            }
            for key in ("securityLevel", "department", "role"):
                if form.get(key):
                    spec[key] = form.get(key)
            resources.create_resource(db(), g.tenant, spec)
        elif action in ("inactivate", "activate"):
            resource = resources.get_resource(db(), g.tenant, form.get("resource", ""))
            resources.change_resource(db(), resource, {"isActive": action == "activate"})
        elif action == "approvers":
            resource = resources.get_resource(db(), g.tenant, form.get("resource", ""))
            changes = _approver_changes(resource, form)
            if changes:
                resources.change_resource(db(), resource, changes)
        else:
            raise InvalidRequest("Unknown action.")
    except SimError as exc:
        rollback_request()
        return _resources_page(error=exc, status=exc.status_code)
    return redirect(url_for("at_admin.resources_page"))
