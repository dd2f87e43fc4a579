"""What a module instance itself calls on KaseyaOne, authenticated as its OAuth client (HTTP
Basic with its client_id and client_secret): pushing its integration settings document."""

from __future__ import annotations

from flask import Blueprint, g, request

from sim_common.control import json_body
from sim_common.db import db
from sim_common.faults import injected_failure
from sim_common.idempotency import apply_once

from . import domain
from .models import IdempotentRequest

bp = Blueprint("module_api", __name__, url_prefix="/api/v1/module")
bp.fault_kind = "module"


@bp.before_request
def authenticate_module():
    auth = request.authorization
    g.instance = domain.authenticate_module_instance(
        db(), auth and auth.username, auth and auth.password
    )
    g.tenant_id = g.instance.tenant_id
    return injected_failure()


# The module's pushes carry an Idempotency-Key: one sent again after a crash is applied once.
apply_once(bp, IdempotentRequest, lambda: g.instance.tenant)


@bp.delete("/instance")
def remove_instance():
    """The module resets its integration: KaseyaOne forgets the module instance, its OIDC
    client, module access and pending pushes (UV-RESET-1)."""
    removed = domain.remove_module_instance(db(), g.instance)
    return {"removed": removed}


@bp.put("/settings")
def push_settings():
    body = json_body()
    applied = domain.apply_module_settings(
        g.instance, body.get("version"), body.get("settings"), body.get("options")
    )
    return {
        "applied": applied,
        "version": g.instance.settings_version,
        "settings": g.instance.settings,
    }
