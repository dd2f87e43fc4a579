"""Settings > Integrations > KaseyaOne, for superusers only (UV-SEC-1): a page for a person and
a JSON API for programs, both calling the same operations in `integration`."""

from __future__ import annotations

import csv
import io

from flask import Response, g, redirect, render_template, request, url_for

from module_contracts.uniview import DEPENDENT_SETTINGS, LOGIN, SETTINGS
from sim_common import kaseyaone_module
from sim_common.control import json_body
from sim_common.db import db
from sim_common.errors import InvalidRequest, SimError
from sim_common.kaseyaone_rp import remove_module_instance
from sim_common.settings_sync import delivery_state
from sim_common.web import rollback_request

from . import integration as k1
from . import users
from .errors import IntegrationAlreadyAdded, KaseyaOneRefused, KaseyaOneUnavailable
from .models import IdempotentRequest, Outbox
from .web import require_superuser, tenant_blueprint

bp = tenant_blueprint("uv_settings", __name__)
bp.fault_kind = "settings"
# What KaseyaOne calls on UniView, apart from SCIM: its own fault kind, so that a test can make
# these fail without failing a superuser's own settings calls.
push_bp = tenant_blueprint("uv_from_kaseyaone", __name__)
push_bp.fault_kind = "pushed_settings"
FORMULA = ("=", "+", "-", "@", "\t", "\r")  # how a spreadsheet cell's formula can begin


def _config_json() -> dict:
    integration = k1.get_integration(g.tenant)
    return {
        **k1.integration_json(db(), integration, kaseyaone_module.bypass_url("uv_login")),
        **delivery_state(db(), Outbox, g.tenant),
    }


def add_kaseyaone_integration(master_email, master_password) -> None:
    kaseyaone_module.add_integration(
        "uniview",
        master_email,
        master_password,
        name=f"UniView Portal ({g.tenant.name})",
        login_bp="uv_login",
        push_bp=push_bp.name,
        record=lambda registration, token: k1.add_integration(db(), g.tenant, registration, token),
        already_added=IntegrationAlreadyAdded,
    )


@bp.get("/api/integrations/kaseyaone")
def show_integration():
    require_superuser()
    return _config_json()


@bp.post("/api/integrations/kaseyaone")
def add_integration():
    require_superuser()
    body = json_body()
    add_kaseyaone_integration(body.get("master_email"), body.get("master_password"))
    return _config_json(), 201


@bp.patch("/api/integrations/kaseyaone")
def change_settings():
    require_superuser()
    k1.change_settings(db(), k1.get_integration(g.tenant), json_body())
    return _config_json()


@bp.get("/api/integrations/kaseyaone/users")
def integration_users():
    """The list to keep before a reset (UV-RESET-2): JSON, or CSV with ?format=csv."""
    require_superuser()
    k1.get_integration(g.tenant)
    rows = [users.user_json(u) for u in k1.integration_users(db(), g.tenant)]
    if request.args.get("format") == "csv":
        return Response(
            _users_csv(rows),
            mimetype="text/csv",
            headers={"Content-Disposition": "attachment; filename=kaseyaone-users.csv"},
        )
    return {"users": rows}


def _users_csv(rows: list[dict]) -> str:
    """The integration's users as CSV. A value a spreadsheet would take for a formula (a name
    such as =HYPERLINK(...)) is written with a leading apostrophe, so that it stays text (OWASP,
    CSV injection)."""
    out = io.StringIO()
    writer = csv.DictWriter(
        out, fieldnames=["username", "name", "role", "status", "kaseyaone_subject"]
    )
    writer.writeheader()
    for row in rows:
        writer.writerow(
            {
                key: "'" + value if isinstance(value, str) and value.startswith(FORMULA) else value
                for key, value in row.items()
            }
        )
    return out.getvalue()


def _reset() -> int:
    """KaseyaOne removes the module instance first; one it no longer knows (removed already,
    say by an earlier reset whose answer was lost) counts as removed. Otherwise nothing is
    removed here either, and the answer says so."""
    integration = k1.get_integration(g.tenant)
    try:
        remove_module_instance(integration.client_id, integration.client_secret)
    except (KaseyaOneRefused, KaseyaOneUnavailable) as exc:
        if exc.details.get("kaseyaone_status") not in (401, 404):
            raise type(exc)(
                f"{exc.message} Nothing was removed: the integration and its user mappings are "
                "as they were. Try the reset again later.",
                **exc.details,
            ) from exc
    return k1.reset_integration(db(), g.tenant)


@bp.delete("/api/integrations/kaseyaone")
def reset_integration():
    """Reset (UV-RESET-1): KaseyaOne removes the module instance first; if it cannot be reached,
    nothing is removed here either and the superuser is told to try again."""
    require_superuser()
    removed = _reset()
    return {"reset": True, "mappings_removed": removed}


@bp.put("/api/integrations/kaseyaone/exceptions/<username>")
def grant_exception(username):
    require_superuser()
    k1.grant_login_exception(
        db(), k1.get_integration(g.tenant), users.get_user(db(), g.tenant, username)
    )
    return _config_json()


@bp.delete("/api/integrations/kaseyaone/exceptions/<username>")
def withdraw_exception(username):
    require_superuser()
    k1.withdraw_login_exception(
        db(), k1.get_integration(g.tenant), users.get_user(db(), g.tenant, username)
    )
    return _config_json()


# The same operations as a page a superuser can use in a browser.


def _settings_page(error: SimError | None = None, status: int = 200):
    integration = g.tenant.integration
    return render_template(
        "uv_integrations.html",
        tenant=g.tenant,
        integration=integration,
        error=error,
        config=_config_json() if integration else None,
        settings=SETTINGS,
        dependent=DEPENDENT_SETTINGS,
        roles=users.ROLES,
        users=users.list_users(db(), g.tenant),
    ), status


@bp.get("/settings/integrations")
def integrations_page():
    require_superuser()
    return _settings_page()


def _reset_dialog():
    """Reset KaseyaOne Integration: the integration's users to copy, and Reset to confirm."""
    k1.get_integration(g.tenant)
    rows = [users.user_json(u) for u in k1.integration_users(db(), g.tenant)]
    return render_template("uv_reset.html", tenant=g.tenant, users=rows, users_csv=_users_csv(rows))


@bp.get("/settings/integrations/reset")
def reset_page():
    require_superuser()
    return _reset_dialog()


@bp.post("/settings/integrations")
def integrations_form():
    require_superuser()
    form = request.form
    try:
        if form.get("action") == "add":
            add_kaseyaone_integration(form.get("master_email"), form.get("master_password"))
        elif form.get("action") == "settings":
            changes = {key: key in form for key in (LOGIN, *DEPENDENT_SETTINGS)}
            if "default_role" in form:
                changes["default_role"] = form["default_role"]
            current = k1.get_integration(g.tenant)
            if not changes[LOGIN]:
                # Unticked boxes of locked settings are not an attempt to change them.
                changes = {
                    k: v for k, v in changes.items() if k == LOGIN or v != getattr(current, k)
                }
            k1.change_settings(db(), current, changes)
        elif form.get("action") == "reset":
            if form.get("confirmed") != "yes":
                return _reset_dialog()
            _reset()
        elif form.get("action") in ("grant_exception", "withdraw_exception"):
            operation = (
                k1.grant_login_exception
                if form["action"] == "grant_exception"
                else k1.withdraw_login_exception
            )
            operation(
                db(),
                k1.get_integration(g.tenant),
                users.get_user(db(), g.tenant, form.get("username", "")),
            )
        else:
            raise InvalidRequest("Unknown action.")
    except SimError as exc:
        rollback_request()
        return _settings_page(error=exc, status=exc.status_code)
    return redirect(url_for("uv_settings.integrations_page"))


# Users, for superusers: enough to see mappings and to disable or re-enable an account.


@bp.get("/api/users")
def list_users():
    require_superuser()
    return {"users": [users.user_json(u) for u in users.list_users(db(), g.tenant)]}


@bp.post("/api/users")
def create_user():
    require_superuser()
    body = json_body()
    user = users.create_user(
        db(),
        g.tenant,
        username=body.get("username"),
        name=body.get("name"),
        role=body.get("role"),
        password=body.get("password"),
    )
    return users.user_json(user), 201


@bp.patch("/api/users/<username>")
def change_user(username):
    require_superuser()
    user = users.change_user(db(), users.get_user(db(), g.tenant, username), json_body())
    return users.user_json(user)


# KaseyaOne sends the settings a master user changed in Module Management (UV-SYNC-2), with the
# token it holds for this UniView (the SCIM token).
kaseyaone_module.init_pushed_settings(
    push_bp,
    IdempotentRequest,
    module_name="UniView",
    integration_of=lambda: k1.get_integration(g.tenant),
    apply=k1.apply_pushed_settings,
    settings_of=k1.current_settings,
)
