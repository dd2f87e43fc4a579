"""Autotask's SCIM 2.0 service provider, per Autotask instance at /t/<tenant>/scim/v2 (RFC 7644
§3.2's endpoints), for KaseyaOne's pushes: thin routes that parse, call `scim` and serialize
with the context of each operation. Every request needs the instance's SCIM token, the discovery
endpoints' included; a push carrying an Idempotency-Key is applied once. What every module's
service provider has — the SCIM token, pushes applied once, discovery (§4), the Users endpoint,
404 and 405, errors as SCIM Errors (§3.12) — comes from
`sim_common.kaseyaone_module.init_scim_service_provider`."""

from __future__ import annotations

import re

from flask import g, request

from sim_common.db import db
from sim_common.kaseyaone_module import init_scim_service_provider
from sim_common.lazy import LazyModule

from .models import IdempotentRequest
from .web import tenant_blueprint

# scim2-models costs about 0.3 s to import: loaded on the first SCIM request (see
# sim_common.scim_routes).
scim = LazyModule("mock_autotask.scim")
scim_discovery = LazyModule("mock_autotask.scim_discovery")

bp = tenant_blueprint("at_scim", __name__)
bp.fault_kind = "scim"
ROOT = "/scim/v2"
PUSHES = {f"{bp.name}.{view}" for view in ("create_user", "replace_user", "patch_user")}

init_scim_service_provider(
    bp,
    ROOT,
    domain=scim,
    description=scim_discovery,
    idempotent_model=IdempotentRequest,
    module_name="Autotask instance",
    realm="Autotask SCIM",
    login_bp="at_login",
)


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


@bp.delete(f"{ROOT}/Users/<user_id>")
def delete_user(user_id: str):
    """Autotask never deletes a resource: 409, to make it inactive instead (an unknown one is a
    404)."""
    scim.get_user(db(), g.tenant, user_id)
    raise scim.DeletionRefused()
