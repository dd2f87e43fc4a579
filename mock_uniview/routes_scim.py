"""UniView's SCIM 2.0 service provider, per tenant at /t/<tenant>/scim/v2 (RFC 7644 §3.2's
endpoints): thin routes that parse, call `scim` and serialize with the context of each
operation. Every request needs the tenant's SCIM token, the discovery endpoints' included. What
every service provider has — discovery (§4), 404 and 405, errors as SCIM Errors (§3.12) — comes
from `sim_common.scim_routes`."""

from __future__ import annotations

from flask import g, request

from sim_common.db import db
from sim_common.idempotency import apply_once
from sim_common.kaseyaone_module import scim_base_url
from sim_common.lazy import LazyModule
from sim_common.scim_routes import init_scim_blueprint, init_user_routes, respond

from .models import IdempotentRequest
from .web import tenant_blueprint

# scim2-models costs about 0.3 s to import: loaded on the first SCIM request (see
# sim_common.scim_routes).
scim = LazyModule("mock_uniview.scim")
scim_discovery = LazyModule("mock_uniview.scim_discovery")

bp = tenant_blueprint("uv_scim", __name__)
bp.fault_kind = "scim"
ROOT = "/scim/v2"


@bp.before_request
def authenticate():
    scim.authenticate(g.tenant.integration, request.headers.get("Authorization"))


def _base_url() -> str:
    # The SCIM base URL UniView gave KaseyaOne when the integration was added.
    return scim_base_url("uv_login")


# KaseyaOne's pushes carry an Idempotency-Key: one sent again after a crash is applied once.
apply_once(bp, IdempotentRequest, lambda: g.tenant)

init_scim_blueprint(
    bp,
    ROOT,
    base_url=_base_url,
    description=lambda: scim_discovery.DESCRIPTION,
    www_authenticate='Bearer realm="UniView Portal SCIM"',  # RFC 6750 §3
    me_detail="/Me is not supported: this service provider's only client is KaseyaOne.",
)


# Users (RFC 7644 §3.3 to §3.6).

init_user_routes(bp, ROOT, scim, _base_url)


@bp.delete(f"{ROOT}/Users/<user_id>")
def delete_user(user_id: str):
    scim.delete_user(db(), g.tenant, scim.get_user(db(), g.tenant, user_id))
    return respond(None, 204)
