"""UniView's SCIM 2.0 service provider, per tenant at /t/<tenant>/scim/v2 (RFC 7644 §3.2's
endpoints): thin routes that parse, call `scim` and serialize with the context of each
operation. Every request needs the tenant's SCIM token, the discovery endpoints' included. What
every module's service provider has — the SCIM token, pushes applied once, discovery (§4), the
Users endpoint, 404 and 405, errors as SCIM Errors (§3.12) — comes from
`sim_common.kaseyaone_module.init_scim_service_provider`."""

from __future__ import annotations

from flask import g

from sim_common.db import db
from sim_common.kaseyaone_module import init_scim_service_provider
from sim_common.lazy import LazyModule
from sim_common.scim_routes import respond

from .models import IdempotentRequest
from .web import tenant_blueprint

# scim2-models costs about 0.3 s to import: loaded on the first SCIM request (see
# sim_common.scim_routes).
scim = LazyModule("mock_uniview.scim")
scim_discovery = LazyModule("mock_uniview.scim_discovery")

bp = tenant_blueprint("uv_scim", __name__)
bp.fault_kind = "scim"
ROOT = "/scim/v2"

# KaseyaOne's pushes carry an Idempotency-Key: one sent again after a crash is applied once.
init_scim_service_provider(
    bp,
    ROOT,
    domain=scim,
    description=scim_discovery,
    idempotent_model=IdempotentRequest,
    module_name="UniView Portal",
    realm="UniView Portal SCIM",
    login_bp="uv_login",
)


@bp.delete(f"{ROOT}/Users/<user_id>")
def delete_user(user_id: str):
    scim.delete_user(db(), g.tenant, scim.get_user(db(), g.tenant, user_id))
    return respond(None, 204)
