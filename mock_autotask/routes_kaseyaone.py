"""Admin > Extensions & Integrations > Kaseya Integrations > KaseyaOne, for resources whose
security level has Admin permission only (AT-SEC-1): a page for a person and a JSON API for
programs, both calling the same operations in `integration`. And what KaseyaOne calls on
Autotask apart from SCIM: its pushes of the settings a master user changed in Module Management.

JSON, with the session cookie, under `/t/{tenant}/api/integrations/kaseyaone`: GET (the
integration, its settings, options, exceptions, Bypass URL and syncing state), POST
`{"master_email", "master_password"}` (add it), PATCH `{<setting>: value, ...}` (change
settings), PUT `exceptions` `{"users": [ids or user names]}` (grant several at once), DELETE
`exceptions/{id or user name}`, GET `groups` (KaseyaOne's groups, read from its SCIM service
provider as the integration's OIDC client, to map to Security Levels)."""

from __future__ import annotations

from flask import g, redirect, render_template, request, url_for

from module_contracts.autotask import RULES
from sim_common import kaseyaone_module, kaseyaone_rp
from sim_common.control import json_body
from sim_common.db import db
from sim_common.errors import InvalidRequest, SimError
from sim_common.settings_sync import delivery_state
from sim_common.web import rollback_request

from . import integration as k1
from . import resources
from .errors import IntegrationAlreadyAdded
from .models import IdempotentRequest, Outbox
from .web import require_admin, tenant_blueprint

bp = tenant_blueprint("at_kaseyaone", __name__)
bp.fault_kind = "admin"
# What KaseyaOne calls on Autotask, apart from SCIM: its own fault kind, so that a test can make
# these fail without failing an administrator's own calls.
push_bp = tenant_blueprint("at_from_kaseyaone", __name__)
push_bp.fault_kind = "pushed_settings"
API = "/api/integrations/kaseyaone"


def _config_json() -> dict:
    integration = k1.get_integration(g.tenant)
    return {
        **k1.integration_json(db(), integration, kaseyaone_module.bypass_url("at_login")),
        **delivery_state(db(), Outbox, g.tenant),
    }


def add_kaseyaone_integration(master_email, master_password) -> None:
    kaseyaone_module.add_integration(
        "autotask",
        master_email,
        master_password,
        name=f"Autotask ({g.tenant.name})",
        login_bp="at_login",
        push_bp=push_bp.name,
        record=lambda registration, token: k1.add_integration(db(), g.tenant, registration, token),
        already_added=IntegrationAlreadyAdded,
    )


def kaseyaone_groups() -> list[dict]:
    """The tenant's groups in KaseyaOne, by name: what Access Groups maps."""
    found = kaseyaone_rp.read_groups(k1.get_integration(g.tenant))
    return [{"id": id_, "name": name} for id_, name in sorted(found, key=lambda pair: pair[1])]


@bp.get(API)
def show_integration():
    require_admin()
    return _config_json()


@bp.post(API)
def add_integration():
    require_admin()
    body = json_body()
    add_kaseyaone_integration(body.get("master_email"), body.get("master_password"))
    return _config_json(), 201


@bp.patch(API)
def change_settings():
    """Settings by the contract's names, e.g. `{"automatic_user_provisioning": true,
    "default_security_level": 7, ...}` or `{"access_group_mappings": [{"key": <KaseyaOne group
    id>, "value": <Security Level id>}, ...]}` in the order that decides (AT-GRP-2)."""
    require_admin()
    k1.change_settings(db(), k1.get_integration(g.tenant), json_body())
    return _config_json()


@bp.put(f"{API}/exceptions")
def grant_exceptions():
    require_admin()
    k1.grant_exceptions(db(), k1.get_integration(g.tenant), json_body().get("users"))
    return _config_json()


@bp.delete(f"{API}/exceptions/<ref>")
def withdraw_exception(ref: str):
    require_admin()
    integration = k1.get_integration(g.tenant)
    k1.withdraw_exception(db(), integration, resources.get_resource(db(), g.tenant, ref))
    return _config_json()


@bp.get(f"{API}/groups")
def list_kaseyaone_groups():
    require_admin()
    return {"groups": kaseyaone_groups()}


# The same as a page.


def _integration_page(error: SimError | None = None, status: int = 200):
    integration = g.tenant.integration
    groups, groups_error = [], None
    if integration is not None and integration.settings.get("unified_login"):
        try:
            groups = kaseyaone_groups()
        except SimError as exc:  # the page still shows, and says why the groups are missing
            groups_error = exc.message
    return render_template(
        "at_kaseyaone.html",
        tenant=g.tenant,
        integration=integration,
        error=error,
        config=_config_json() if integration else None,
        rules=RULES,
        groups=groups,
        groups_error=groups_error,
        resources=resources.list_resources(db(), g.tenant),
    ), status


@bp.get("/admin/integrations/kaseyaone")
def integration_page():
    require_admin()
    return _integration_page()


@bp.post("/admin/integrations/kaseyaone")
def integration_form():
    require_admin()
    form = request.form
    try:
        action = form.get("action")
        if action == "add":
            add_kaseyaone_integration(form.get("master_email"), form.get("master_password"))
        elif action == "settings":
            integration = k1.get_integration(g.tenant)
            changes = RULES.from_form(form, k1.offered_options(db(), g.tenant))
            # Settings the page shows locked (Unified Login off) are not an attempt to change
            # them.
            changes = {
                name: value
                for name, value in changes.items()
                if name == RULES.login or value != integration.settings.get(name)
            }
            k1.change_settings(db(), integration, changes)
        elif action == "grant_exceptions":
            k1.grant_exceptions(db(), k1.get_integration(g.tenant), form.getlist("users"))
        elif action == "withdraw_exception":
            integration = k1.get_integration(g.tenant)
            resource = resources.get_resource(db(), g.tenant, form.get("resource", ""))
            k1.withdraw_exception(db(), integration, resource)
        else:
            raise InvalidRequest("Unknown action.")
    except SimError as exc:
        rollback_request()
        return _integration_page(error=exc, status=exc.status_code)
    return redirect(url_for("at_kaseyaone.integration_page"))


# KaseyaOne sends the settings a master user changed in Module Management, with the token it
# holds for this Autotask (the SCIM token).
kaseyaone_module.init_pushed_settings(
    push_bp,
    IdempotentRequest,
    module_name="Autotask instance",
    integration_of=lambda: k1.get_integration(g.tenant),
    apply=lambda integration, version, settings: k1.apply_pushed_settings(
        db(), integration, version, settings
    ),
    settings_of=lambda integration: dict(integration.settings),
)
