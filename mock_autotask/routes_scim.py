"""Autotask's SCIM 2.0 service provider, per Autotask instance at /t/<tenant>/scim/v2 (RFC 7644
§3.2's endpoints), for KaseyaOne's pushes: thin routes that parse, call `scim` and serialize
with the context of each operation. Every request needs the instance's SCIM token, the discovery
endpoints' included; a push carrying an Idempotency-Key is applied once. What every service
provider has — discovery (§4), 404 and 405, errors as SCIM Errors (§3.12) — comes from
`sim_common.scim_routes`."""

from __future__ import annotations

import re

from flask import g, request

from sim_common.db import db
from sim_common.idempotency import apply_once
from sim_common.kaseyaone_module import scim_base_url
from sim_common.lazy import LazyModule
from sim_common.scim_routes import init_scim_blueprint, init_user_routes

from .models import IdempotentRequest
from .web import tenant_blueprint

# scim2-models costs about 0.3 s to import: loaded on the first SCIM request (see
# sim_common.scim_routes).
scim = LazyModule("mock_autotask.scim")
scim_discovery = LazyModule("mock_autotask.scim_discovery")
shared = LazyModule("sim_common.scim")

bp = tenant_blueprint("at_scim", __name__)
bp.fault_kind = "scim"
ROOT = "/scim/v2"
PUSHES = {f"{bp.name}.{view}" for view in ("create_user", "replace_user", "patch_user")}


@bp.before_request
def authenticate():
    shared.authenticate_kaseyaone(
        g.tenant.integration, request.headers.get("Authorization"), "Autotask instance"
    )


def base_url() -> str:
    """The SCIM base URL Autotask gives KaseyaOne when the integration is added."""
    return scim_base_url("at_login")


apply_once(bp, IdempotentRequest, lambda: g.tenant)


@bp.before_request
def journal_what_was_pushed():
    """What a push carried of the user, in the journal entry of the request (AT-DATA-1: the
    username and the access level, besides KaseyaOne's own link and the resource's status)."""
    if request.endpoint in PUSHES:
        g.journal_detail = {"attributes": carried(request.get_json(force=True, silent=True))}


def carried(body) -> list[str]:
    """The top-level attributes a SCIM body sets: a resource's, or a PatchOp's operations'."""
    if not isinstance(body, dict):
        return []
    if "Operations" not in body:
        return sorted(str(name) for name in body if name not in ("schemas", "id", "meta"))
    names: set[str] = set()
    for operation in body["Operations"] if isinstance(body["Operations"], list) else []:
        if not isinstance(operation, dict):
            continue
        path, value = operation.get("path"), operation.get("value")
        if isinstance(path, str) and path:
            names.add(re.split(r"[.\[]", path, maxsplit=1)[0])
        elif isinstance(value, dict):
            names.update(str(name) for name in value)
    return sorted(names)


init_scim_blueprint(
    bp,
    ROOT,
    base_url=base_url,
    description=lambda: scim_discovery.DESCRIPTION,
    www_authenticate='Bearer realm="Autotask SCIM"',  # RFC 6750 §3
    me_detail="/Me is not supported: this service provider's only client is KaseyaOne.",
)


# Users (RFC 7644 §3.3 to §3.6).

init_user_routes(bp, ROOT, scim, base_url)


@bp.delete(f"{ROOT}/Users/<user_id>")
def delete_user(user_id: str):
    """Autotask never deletes a resource: 409, to make it inactive instead (an unknown one is a
    404)."""
    scim.get_user(db(), g.tenant, user_id)
    raise scim.DeletionRefused()
