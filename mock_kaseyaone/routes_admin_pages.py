"""KaseyaOne's Admin Settings as pages a person can use: Module Management (UV-SYNC-2/3/4) —
a master user signs in, opens the module instance, clicks Edit, changes settings, Review,
confirms where a change needs it, and Confirm — and Groups, where the groups modules import
with Access Groups are added, renamed, deleted and given members. The same operations as the
JSON API."""

from __future__ import annotations

from flask import Blueprint, g, redirect, render_template, request, url_for

from module_contracts.settings import ConfirmationRequired
from sim_common.db import db
from sim_common.errors import SimError
from sim_common.web import rollback_request

from . import domain
from .errors import InvalidRequest
from .lifecycle import delivery_state
from .modules import contract_for
from .routes_portal import (
    clear_hub_cookie,
    current_hub_session,
    open_browser_session,
    set_hub_cookie,
)
from .sessions import HUB_COOKIE, end_hub_session

bp = Blueprint("admin_pages", __name__, url_prefix="/admin")


@bp.before_request
def load_master():
    """Admin Settings is part of KaseyaOne: a master user's KaseyaOne session opens it (signed
    in on its own sign-in page, the portal's, or an authorization request's form)."""
    row = current_hub_session()
    g.master = row.user if row is not None and row.user.is_master else None
    if g.master is not None:
        g.tenant, g.tenant_id = g.master.tenant, g.master.tenant_id
    if g.master is None and request.endpoint not in ("admin_pages.login", "admin_pages.sign_in"):
        return redirect(url_for("admin_pages.login"))
    return None


@bp.get("/login")
def login():
    return render_template("admin_login.html", error=None, email="")


@bp.post("/login")
def sign_in():
    email, password = request.form.get("email", ""), request.form.get("password", "")
    try:
        user = domain.authenticate_master_user(db(), email, password)
    except SimError as exc:
        rollback_request()
        page = render_template("admin_login.html", error=exc, email=email)
        return page, exc.status_code, exc.headers
    response = redirect(url_for("admin_pages.modules"))
    set_hub_cookie(response, open_browser_session(user))
    return response


@bp.post("/logout")
def logout():
    """Signing out of Admin Settings is signing out of KaseyaOne: the session ends on the
    server, so a copy of its cookie is worth nothing afterwards."""
    end_hub_session(db(), request.cookies.get(HUB_COOKIE))
    response = redirect(url_for("admin_pages.login"))
    clear_hub_cookie(response)
    return response


@bp.get("/modules")
def modules():
    instances = domain.list_module_instances(db(), g.tenant)
    return render_template(
        "admin_modules.html",
        instances=instances,
        users={i.id: domain.instance_json(db(), i)["users"] for i in instances},
        contracts={i.id: contract_for(i.module) for i in instances},
        delivery={i.id: delivery_state(db(), i) for i in instances},
    )


def _groups_page(error: SimError | None = None, status: int = 200):
    return render_template(
        "admin_groups.html",
        groups=domain.list_groups(db(), g.tenant),
        users=domain.list_users(db(), g.tenant),
        error=error,
    ), status


@bp.get("/groups")
def groups():
    return _groups_page()


@bp.post("/groups")
def groups_form():
    """Admin Settings > Groups: add, rename, delete a group, add or remove a member."""
    form = request.form
    try:
        action = form.get("action")
        if action == "create":
            domain.create_group(db(), g.tenant, form.get("name"))
        elif action in ("rename", "delete", "add_member", "remove_member"):
            group = domain.get_group(db(), g.tenant, form.get("group", ""))
            if action == "rename":
                domain.rename_group(db(), group, form.get("name"))
            elif action == "delete":
                domain.delete_group(db(), group)
            elif action == "add_member":
                domain.add_group_member(
                    db(), group, domain.get_user(db(), g.tenant, form.get("user", ""))
                )
            else:
                user = domain.get_user(db(), g.tenant, form.get("user", ""))
                domain.remove_group_member(db(), group, user)
        else:
            raise InvalidRequest("Unknown action.")
    except SimError as exc:
        rollback_request()
        return _groups_page(error=exc, status=exc.status_code)
    return redirect(url_for("admin_pages.groups"))


def _page(instance, *, editing=False, review=None, needs=(), error=None, status=200):
    """A module instance's details, Edit, or Review: what its contract's settings are, shown by
    kind (a toggle, a choice among the module's values, an ordered mapping)."""
    return render_template(
        "admin_module.html",
        instance=instance,
        contract=contract_for(instance.module),
        settings=domain.module_settings(instance),
        options=instance.setting_options or {},
        groups=domain.list_groups(db(), g.tenant),
        delivery=delivery_state(db(), instance),
        editing=editing,
        review=review,
        needs=needs,
        error=error,
    ), status


def _form_changes(instance) -> dict:
    return contract_for(instance.module).rules.from_form(request.form, instance.setting_options)


@bp.get("/modules/<instance_id>")
def module(instance_id):
    instance = domain.get_module_instance(db(), g.tenant, instance_id)
    return _page(instance, editing=request.args.get("edit") == "1")


@bp.post("/modules/<instance_id>/review")
def review(instance_id):
    instance = domain.get_module_instance(db(), g.tenant, instance_id)
    rules = contract_for(instance.module).rules
    try:
        changed = rules.changed(
            domain.module_settings(instance), _form_changes(instance), instance.setting_options
        )
    except SimError as exc:
        return _page(instance, editing=True, error=exc, status=exc.status_code)
    return _page(instance, review=changed, needs=rules.needing_confirmation(changed))


@bp.post("/modules/<instance_id>/confirm")
def confirm(instance_id):
    instance = domain.get_module_instance(db(), g.tenant, instance_id)
    rules = contract_for(instance.module).rules
    try:
        changes = _form_changes(instance)
        domain.change_module_settings(instance, changes, "confirmed" in request.form)
    except ConfirmationRequired as exc:
        rollback_request()
        changed = rules.changed(domain.module_settings(instance), changes, instance.setting_options)
        return _page(
            instance,
            review=changed,
            error=ConfirmationRequired(
                "This change needs your extra confirmation: tick “I understand” below, then "
                "click Confirm."
            ),
            status=exc.status_code,
            needs=rules.needing_confirmation(changed),
        )
    except SimError as exc:
        rollback_request()
        return _page(instance, editing=True, error=exc, status=exc.status_code)
    return redirect(url_for("admin_pages.module", instance_id=instance.id))
