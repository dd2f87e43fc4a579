"""UniView's SCIM 2.0 service provider, per tenant at /t/<tenant>/scim/v2 (RFC 7644 §3.2's
endpoints and §4's discovery endpoints): thin routes that parse, call `scim` and serialize with
the context of each operation. Every request needs the tenant's SCIM token, the discovery
endpoints' included; every answer is application/scim+json; every error a SCIM Error (RFC 7644
§3.12), 404 and 405 included."""

from __future__ import annotations

import json

from flask import Response, current_app, g, request
from werkzeug.exceptions import HTTPException

from sim_common.db import db
from sim_common.errors import SimError
from sim_common.lazy import LazyModule
from sim_common.web import rollback_request

from .web import public_url_for, tenant_blueprint

# scim2-models costs about 0.3 s to import: loaded on the first SCIM request, not at start-up,
# which every served start, xdist worker and embedded run would otherwise pay.
scim = LazyModule("mock_uniview.scim")
scim_discovery = LazyModule("mock_uniview.scim_discovery")
models = LazyModule("scim2_models")

bp = tenant_blueprint("uv_scim", __name__)
bp.fault_kind = "scim"
ROOT = "/scim/v2"
METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]


@bp.before_request
def authenticate():
    scim.authenticate(g.tenant.integration, request.headers.get("Authorization"))


def _base_url() -> str:
    # The SCIM base URL UniView gave KaseyaOne when the integration was added.
    return public_url_for("uv_login.home") + "scim/v2"


def _respond(body: dict | None, status: int = 200, headers: dict | None = None) -> Response:
    text = json.dumps(body) if body is not None else ""
    return Response(text, status=status, headers=headers, mimetype=scim.MEDIA_TYPE)


def _resource(
    resource: models.Resource,
    scim_ctx: models.Context,
    response_parameters=None,
    status: int = 200,
    headers: dict | None = None,
) -> Response:
    """A single resource, with its location as Content-Location (RFC 7643 §3.1)."""
    body = resource.model_dump(scim_ctx=scim_ctx, response_parameters=response_parameters)
    return _respond(body, status, {"Content-Location": resource.meta.location, **(headers or {})})


# Discovery (RFC 7644 §4).


@bp.get(f"{ROOT}/ServiceProviderConfig")
def service_provider_config():
    scim_discovery.refuse_discovery_filter(request.args)
    return _resource(
        scim_discovery.service_provider_config(_base_url()), models.Context.RESOURCE_QUERY_RESPONSE
    )


@bp.get(f"{ROOT}/ResourceTypes")
def resource_types():
    scim_discovery.refuse_discovery_filter(request.args)
    listing = scim_discovery.resource_types(_base_url())
    return _respond(listing.model_dump(scim_ctx=models.Context.RESOURCE_QUERY_RESPONSE))


@bp.get(f"{ROOT}/ResourceTypes/<type_id>")
def resource_type(type_id: str):
    scim_discovery.refuse_discovery_filter(request.args)
    found = scim_discovery.get_resource_type(_base_url(), type_id)
    return _resource(found, models.Context.RESOURCE_QUERY_RESPONSE)


@bp.get(f"{ROOT}/Schemas")
def schemas():
    scim_discovery.refuse_discovery_filter(request.args)
    listing = scim_discovery.schemas(_base_url())
    return _respond(listing.model_dump(scim_ctx=models.Context.RESOURCE_QUERY_RESPONSE))


@bp.get(f"{ROOT}/Schemas/<schema_id>")
def schema(schema_id: str):
    scim_discovery.refuse_discovery_filter(request.args)
    return _resource(
        scim_discovery.get_schema(_base_url(), schema_id), models.Context.RESOURCE_QUERY_RESPONSE
    )


# Users (RFC 7644 §3.3 to §3.6).


@bp.get(f"{ROOT}/Users")
def list_users():
    search = scim.parse_search_query(request.args)
    listing = scim.search_users(db(), g.tenant, search, _base_url())
    body = listing.model_dump(
        scim_ctx=models.Context.RESOURCE_QUERY_RESPONSE, response_parameters=search
    )
    return _respond(body)


@bp.post(f"{ROOT}/Users/.search")
@bp.post(f"{ROOT}/.search")  # at the root too: User is the only resource type
def search_users():
    search = scim.parse_search_body(request.get_data())
    listing = scim.search_users(db(), g.tenant, search, _base_url())
    body = listing.model_dump(scim_ctx=models.Context.SEARCH_RESPONSE, response_parameters=search)
    return _respond(body)


@bp.post(f"{ROOT}/Users")
def create_user():
    wanted = scim.parse_response_parameters(request.args)
    resource = scim.parse(models.User, request.get_data(), models.Context.RESOURCE_CREATION_REQUEST)
    created = scim.to_scim(scim.create_user(db(), g.tenant, resource), _base_url())
    headers = {"Location": created.meta.location}
    return _resource(created, models.Context.RESOURCE_CREATION_RESPONSE, wanted, 201, headers)


@bp.get(f"{ROOT}/Users/<user_id>")
def get_user(user_id: str):
    wanted = scim.parse_response_parameters(request.args)
    user = scim.get_user(db(), g.tenant, user_id)
    return _resource(
        scim.to_scim(user, _base_url()), models.Context.RESOURCE_QUERY_RESPONSE, wanted
    )


@bp.put(f"{ROOT}/Users/<user_id>")
def replace_user(user_id: str):
    wanted = scim.parse_response_parameters(request.args)
    user = scim.get_user(db(), g.tenant, user_id)
    replacement = scim.parse(
        models.User, request.get_data(), models.Context.RESOURCE_REPLACEMENT_REQUEST
    )
    scim.replace_user(db(), g.tenant, user, replacement, _base_url())
    return _resource(
        scim.to_scim(user, _base_url()), models.Context.RESOURCE_REPLACEMENT_RESPONSE, wanted
    )


@bp.patch(f"{ROOT}/Users/<user_id>")
def patch_user(user_id: str):
    wanted = scim.parse_response_parameters(request.args)
    user = scim.get_user(db(), g.tenant, user_id)
    patch = scim.parse(
        models.PatchOp[models.User], request.get_data(), models.Context.RESOURCE_PATCH_REQUEST
    )
    scim.patch_user(db(), g.tenant, user, patch, _base_url())
    return _resource(
        scim.to_scim(user, _base_url()), models.Context.RESOURCE_PATCH_RESPONSE, wanted
    )


@bp.delete(f"{ROOT}/Users/<user_id>")
def delete_user(user_id: str):
    scim.delete_user(db(), g.tenant, scim.get_user(db(), g.tenant, user_id))
    return _respond(None, 204)


# What is not served.


@bp.route(f"{ROOT}/Bulk", methods=METHODS)
def bulk():
    raise models.NotImplementedException(
        detail="Bulk operations are not supported (ServiceProviderConfig: bulk.supported is false)."
    )


@bp.route(f"{ROOT}/Me", methods=METHODS)
def me():
    raise models.NotImplementedException(
        detail="/Me is not supported: this service provider's only client is KaseyaOne."
    )


@bp.route(f"{ROOT}/", defaults={"rest": ""}, methods=METHODS, strict_slashes=False)
@bp.route(f"{ROOT}/<path:rest>", methods=METHODS)
def no_such_endpoint(rest: str):
    """Anything else under the SCIM base URL: 405 where the path is an endpoint that does not
    serve the method, 404 where it is none, both as SCIM Errors."""
    adapter = current_app.create_url_adapter(request)
    allowed = []
    for method in METHODS:
        try:
            endpoint, _ = adapter.match(method=method)
        except HTTPException:
            continue
        if endpoint != request.endpoint:
            allowed.append(method)
    if allowed:
        raise scim.MethodNotAllowedException(
            allowed=allowed,
            detail=f"This endpoint does not serve {request.method}, only {', '.join(allowed)}.",
        )
    raise models.NotFoundException(detail=f"There is no SCIM endpoint '/{rest}' here.")


# Errors, all as SCIM Errors (RFC 7644 §3.12). An Error is a message, not a resource: no
# attribute of it is subject to a context, so it is dumped as it stands.


def _error(error: models.Error, headers: dict | None = None) -> Response:
    rollback_request()
    return _respond(error.model_dump(scim_ctx=models.Context.DEFAULT), error.status or 500, headers)


def scim_error(exc: models.SCIMException):
    headers = {}
    if exc.status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="UniView Portal SCIM"'  # RFC 6750 §3
    if isinstance(exc, scim.MethodNotAllowedException):
        headers["Allow"] = ", ".join(exc.allowed)
    return _error(exc.to_error(), headers)


@bp.errorhandler(SimError)
def sim_error(exc: SimError):
    # The tenant of the URL does not exist (tenant_blueprint), or a UniView rule refused.
    return _error(models.Error(status=exc.status_code, detail=exc.message))


@bp.errorhandler(HTTPException)
def http_error(exc: HTTPException):
    return _error(models.Error(status=exc.code or 500, detail=exc.description or exc.name))


@bp.errorhandler(Exception)
def unexpected(exc: Exception):
    # SCIM's own errors come here too: registering a handler for their class would import
    # scim2-models at start-up.
    if isinstance(exc, models.SCIMException):
        return scim_error(exc)
    current_app.logger.exception("unexpected error in the SCIM service provider")
    return _error(models.Error(status=500, detail=f"Internal error: {type(exc).__name__}"))
