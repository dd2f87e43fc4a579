"""Settings > Groups and Settings > Organizations for superusers, and the organizations a
signed-in user sees (UV-GRP-1..7): pages for a person and a JSON API for programs, both calling
`groups`. While Access Groups is on, the Groups page and its API are view-only."""

from __future__ import annotations

from flask import g, redirect, render_template, request, url_for

from sim_common.control import json_body
from sim_common.db import db
from sim_common.errors import InvalidRequest, SimError
from sim_common.web import rollback_request

from . import groups, users
from .web import require_superuser, require_user, tenant_blueprint

bp = tenant_blueprint("uv_groups", __name__)
bp.fault_kind = "groups"


def _groups_json() -> dict:
    return {
        "groups": groups.groups_listing(db(), g.tenant),
        "access_groups": groups.sync_json(g.tenant.integration),
    }


def _group_json(group) -> dict:
    return groups.groups_listing(db(), g.tenant, only=group)[0]


@bp.get("/api/groups")
def list_groups():
    require_superuser()
    return _groups_json()


@bp.post("/api/groups")
def add_group():
    require_superuser()
    return _group_json(groups.add_group(db(), g.tenant, json_body().get("name"))), 201


@bp.patch("/api/groups/<group_id>")
def rename_group(group_id):
    require_superuser()
    group = groups.get_group(db(), g.tenant, group_id)
    groups.rename_group(db(), g.tenant, group, json_body().get("name"))
    return _group_json(group)


@bp.delete("/api/groups/<group_id>")
def remove_group(group_id):
    require_superuser()
    groups.remove_group(db(), g.tenant, groups.get_group(db(), g.tenant, group_id))
    return "", 204


def _user_groups_json(user) -> dict:
    return {
        "username": user.username,
        "groups": [
            {"id": grp.id, "name": grp.name, "source": grp.source}
            for grp in groups.groups_of(db(), user)
        ],
    }


@bp.get("/api/users/<username>/groups")
def user_groups(username):
    require_superuser()
    return _user_groups_json(users.get_user(db(), g.tenant, username))


@bp.put("/api/users/<username>/groups")
def set_user_groups(username):
    """The Edit User dialog's groups, as a whole: `{"groups": [group ids]}`."""
    require_superuser()
    user = users.get_user(db(), g.tenant, username)
    groups.set_user_groups(db(), g.tenant, user, json_body().get("groups"))
    return _user_groups_json(user)


@bp.get("/api/organizations")
def list_organizations():
    require_superuser()
    return {
        "organizations": [
            groups.organization_json(db(), o) for o in groups.list_organizations(db(), g.tenant)
        ]
    }


@bp.post("/api/organizations")
def add_organization():
    """Adding an organization, mapped to groups (ids) from the start if wanted (UV-GRP-2)."""
    require_superuser()
    body = json_body()
    organization = groups.add_organization(
        db(),
        g.tenant,
        body.get("name"),
        groups=body.get("groups"),
        appliances=body.get("appliances"),
        backups=body.get("backups"),
    )
    return groups.organization_json(db(), organization), 201


@bp.patch("/api/organizations/<organization_id>")
def edit_organization(organization_id):
    """Editing an organization: name, appliances, backups, and `groups` mapped (ids)."""
    require_superuser()
    organization = groups.get_organization(db(), g.tenant, organization_id)
    groups.edit_organization(db(), g.tenant, organization, json_body())
    return groups.organization_json(db(), organization)


@bp.get("/api/my/organizations")
def my_organizations():
    """What the signed-in user sees: the data of exactly the organizations their groups are
    mapped to (UV-GRP-6)."""
    user = require_user()
    return {
        "username": user.username,
        "groups": [grp.name for grp in groups.groups_of(db(), user)],
        "organizations": [
            {"name": o.name, "appliances": o.appliances, "backups": o.backups}
            for o in groups.visible_organizations(db(), user)
        ],
    }


# The same as pages.


def _groups_page(error: SimError | None = None, status: int = 200):
    return render_template(
        "uv_groups.html",
        tenant=g.tenant,
        error=error,
        listing=_groups_json(),
        organizations=[
            groups.organization_json(db(), o) for o in groups.list_organizations(db(), g.tenant)
        ],
    ), status


@bp.get("/settings/groups")
def groups_page():
    require_superuser()
    return _groups_page()


@bp.post("/settings/groups")
def groups_form():
    require_superuser()
    form = request.form
    try:
        action = form.get("action")
        if action == "add_group":
            groups.add_group(db(), g.tenant, form.get("name"))
        elif action == "rename_group":
            group = groups.get_group(db(), g.tenant, form.get("group", ""))
            groups.rename_group(db(), g.tenant, group, form.get("name"))
        elif action == "remove_group":
            group = groups.get_group(db(), g.tenant, form.get("group", ""))
            groups.remove_group(db(), g.tenant, group)
        elif action == "add_organization":
            groups.add_organization(db(), g.tenant, form.get("name"), groups=form.getlist("groups"))
        elif action == "map_organization":
            organization = groups.get_organization(db(), g.tenant, form.get("organization", ""))
            groups.edit_organization(
                db(), g.tenant, organization, {"groups": form.getlist("groups")}
            )
        else:
            raise InvalidRequest("Unknown action.")
    except SimError as exc:
        rollback_request()
        return _groups_page(error=exc, status=exc.status_code)
    return redirect(url_for("uv_groups.groups_page"))


@bp.get("/organizations")
def organizations_page():
    user = require_user()
    return render_template(
        "uv_organizations.html",
        tenant=g.tenant,
        user=user,
        organizations=groups.visible_organizations(db(), user),
    )
