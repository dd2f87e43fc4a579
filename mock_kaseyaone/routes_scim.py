"""KaseyaOne's SCIM 2.0 service provider of its groups and users, at /scim/v2 (RFC 7644 §3.4's
queries), for module instances: each authenticates with its OAuth client_id and client_secret
(HTTP Basic), which also say whose groups it reads — no tenant in the URL. Read-only: any write
is answered 405 with the methods allowed. Discovery (§4), 404 and 405, errors as SCIM Errors
(§3.12) come from `sim_common.scim_routes`."""

from __future__ import annotations

from flask import Blueprint, g, request

from sim_common.db import db
from sim_common.faults import injected_failure
from sim_common.lazy import LazyModule
from sim_common.scim_routes import init_scim_blueprint, listing_response, resource_response

from . import domain
from .oidc import issuer

# scim2-models costs about 0.3 s to import: loaded on the first SCIM request (see
# sim_common.scim_routes).
scim = LazyModule("mock_kaseyaone.scim")
scim_discovery = LazyModule("mock_kaseyaone.scim_discovery")
shared = LazyModule("sim_common.scim")
models = LazyModule("scim2_models")

bp = Blueprint("k1_scim", __name__)
bp.fault_kind = "scim"
ROOT = "/scim/v2"


@bp.before_request
def authenticate_module():
    auth = request.authorization
    instance = domain.authenticate_module_instance(
        db(), auth and auth.username, auth and auth.password
    )
    g.tenant = instance.tenant
    g.tenant_id = instance.tenant_id
    return injected_failure()


def _base_url() -> str:
    return f"{issuer()}{ROOT}"


init_scim_blueprint(
    bp,
    ROOT,
    base_url=_base_url,
    description=lambda: scim_discovery.DESCRIPTION,
    www_authenticate='Basic realm="KaseyaOne SCIM", charset="UTF-8"',  # RFC 7617 §2
    me_detail="/Me is not supported: the clients of this service provider are module "
    "instances, not users.",
    method_note="KaseyaOne's groups and users are read-only over SCIM: they are managed in "
    "KaseyaOne itself (here, its admin API).",
)


# Groups and Users (RFC 7644 §3.4): both are read the same way.

SERVED = f"{ROOT}/<any(Groups, Users):endpoint>"


@bp.get(SERVED)
def list_resources(endpoint: str):
    search = shared.parse_search_query(scim.SERVED[endpoint].model, request.args)
    listing = scim.list_resources(db(), g.tenant, endpoint, search, _base_url())
    return listing_response(listing, search)


@bp.post(f"{SERVED}/.search")
def search_resources(endpoint: str):
    search = shared.parse_search_body(scim.SERVED[endpoint].model, request.get_data())
    listing = scim.list_resources(db(), g.tenant, endpoint, search, _base_url())
    return listing_response(listing, search, models.Context.SEARCH_RESPONSE)


@bp.get(f"{SERVED}/<resource_id>")
def get_resource(endpoint: str, resource_id: str):
    wanted = shared.parse_response_parameters(scim.SERVED[endpoint].model, request.args)
    found = scim.get_resource(db(), g.tenant, endpoint, resource_id, _base_url(), wanted)
    return resource_response(found, models.Context.RESOURCE_QUERY_RESPONSE, wanted)


@bp.post(f"{ROOT}/.search")
def search_everything():
    search = shared.parse_search_body(models.Group | models.User, request.get_data())
    listing = scim.search_everything(db(), g.tenant, search, _base_url())
    return listing_response(listing, search, models.Context.SEARCH_RESPONSE)
