"""The routes every SCIM 2.0 service provider of the simulators has, on its blueprint: the
discovery endpoints (RFC 7644 §4), /Bulk and /Me (not supported), 404 and 405 for whatever else
is asked under the base URL, and every error as a SCIM Error (RFC 7644 §3.12); and a module's
Users endpoint, which KaseyaOne provisions through. Every answer is application/scim+json.

scim2-models costs about 0.3 s to import: it is loaded on the first SCIM request, not at
start-up, which every served start, xdist worker and embedded run would otherwise pay.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, Response, current_app, g, request
from werkzeug.exceptions import HTTPException

from .db import db
from .errors import Conflict, SimError
from .lazy import LazyModule
from .web import rollback_request

scim = LazyModule("sim_common.scim")
models = LazyModule("scim2_models")

METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]


def respond(body: dict | None, status: int = 200, headers: dict | None = None) -> Response:
    text = scim.json_body(body) if body is not None else b""
    return Response(text, status=status, headers=headers, mimetype=scim.MEDIA_TYPE)


def resource_response(
    resource,
    scim_ctx,
    response_parameters=None,
    status: int = 200,
    headers: dict | None = None,
) -> Response:
    """A single resource, with its location as Content-Location (RFC 7643 §3.1)."""
    body = resource.model_dump(scim_ctx=scim_ctx, response_parameters=response_parameters)
    return respond(body, status, {"Content-Location": resource.meta.location, **(headers or {})})


def listing_response(listing, search, scim_ctx=None) -> Response:
    """A ListResponse, shaped by the search's `attributes`/`excludedAttributes`; or one dumped
    already (`sim_common.scim.list_body`)."""
    if isinstance(listing, dict):
        return respond(listing)
    scim_ctx = scim_ctx or models.Context.RESOURCE_QUERY_RESPONSE
    return respond(listing.model_dump(scim_ctx=scim_ctx, response_parameters=search))


def init_user_routes(bp: Blueprint, root: str, domain, base_url: Callable[[], str]) -> None:
    """A module's Users endpoint (RFC 7644 §3.3 to §3.5) on `bp`, for `g.tenant`: query and
    search, create, read, replace and patch, each calling the module's `domain` (its
    search_users, create_user, get_user, replace_user, patch_user and to_scim). DELETE is the
    module's own to answer."""

    @bp.get(f"{root}/Users")
    def list_users():
        search = scim.parse_search_query(scim.SearchableUser, request.args)
        return listing_response(domain.search_users(db(), g.tenant, search, base_url()), search)

    @bp.post(f"{root}/Users/.search")
    @bp.post(f"{root}/.search")  # at the root too: User is the only resource type
    def search_users():
        search = scim.parse_search_body(scim.SearchableUser, request.get_data())
        listing = domain.search_users(db(), g.tenant, search, base_url())
        return listing_response(listing, search, models.Context.SEARCH_RESPONSE)

    @bp.post(f"{root}/Users")
    def create_user():
        wanted = scim.parse_response_parameters(models.User, request.args)
        user = scim.parse(models.User, request.get_data(), models.Context.RESOURCE_CREATION_REQUEST)
        created = domain.to_scim(domain.create_user(db(), g.tenant, user), base_url())
        headers = {"Location": created.meta.location}
        return resource_response(
            created, models.Context.RESOURCE_CREATION_RESPONSE, wanted, 201, headers
        )

    @bp.get(f"{root}/Users/<user_id>")
    def get_user(user_id: str):
        wanted = scim.parse_response_parameters(models.User, request.args)
        found = domain.get_user(db(), g.tenant, user_id)
        return resource_response(
            domain.to_scim(found, base_url()), models.Context.RESOURCE_QUERY_RESPONSE, wanted
        )

    @bp.put(f"{root}/Users/<user_id>")
    def replace_user(user_id: str):
        wanted = scim.parse_response_parameters(models.User, request.args)
        found = domain.get_user(db(), g.tenant, user_id)
        replacement = scim.parse(
            models.User, request.get_data(), models.Context.RESOURCE_REPLACEMENT_REQUEST
        )
        domain.replace_user(db(), g.tenant, found, replacement, base_url())
        return resource_response(
            domain.to_scim(found, base_url()),
            models.Context.RESOURCE_REPLACEMENT_RESPONSE,
            wanted,
        )

    @bp.patch(f"{root}/Users/<user_id>")
    def patch_user(user_id: str):
        wanted = scim.parse_response_parameters(models.User, request.args)
        found = domain.get_user(db(), g.tenant, user_id)
        patch = scim.parse(
            models.PatchOp[models.User], request.get_data(), models.Context.RESOURCE_PATCH_REQUEST
        )
        domain.patch_user(db(), g.tenant, found, patch, base_url())
        return resource_response(
            domain.to_scim(found, base_url()), models.Context.RESOURCE_PATCH_RESPONSE, wanted
        )


def init_scim_blueprint(
    bp: Blueprint,
    root: str,
    *,
    base_url: Callable[[], str],
    description: Callable[[], object],
    www_authenticate: str,
    me_detail: str,
    method_note: str = "",
) -> None:
    """Give `bp`, whose SCIM base URL is at `root`, the routes and error handlers every service
    provider has. `description` answers the `sim_common.scim.ServiceDescription`; a 401 carries
    `www_authenticate`; a 405 says `method_note` after the methods it allows."""

    def discovery_base_url() -> str:
        scim.refuse_discovery_filter(request.args)  # before anything is answered
        return base_url()

    @bp.get(f"{root}/ServiceProviderConfig")
    def service_provider_config():
        config = description().service_provider_config(discovery_base_url())
        return resource_response(config, models.Context.RESOURCE_QUERY_RESPONSE)

    listed = f"{root}/<any(ResourceTypes, Schemas):endpoint>"

    @bp.get(listed)
    def discovery_listing(endpoint: str):
        listing = description().listing(endpoint, discovery_base_url())
        return respond(listing.model_dump(scim_ctx=models.Context.RESOURCE_QUERY_RESPONSE))

    @bp.get(f"{listed}/<found_id>")
    def discovery_resource(endpoint: str, found_id: str):
        found = description().get(endpoint, discovery_base_url(), found_id)
        return resource_response(found, models.Context.RESOURCE_QUERY_RESPONSE)

    @bp.route(f"{root}/Bulk", methods=METHODS)
    def bulk():
        raise models.NotImplementedException(
            detail="Bulk operations are not supported "
            "(ServiceProviderConfig: bulk.supported is false)."
        )

    @bp.route(f"{root}/Me", methods=METHODS)
    def me():
        raise models.NotImplementedException(detail=me_detail)

    @bp.route(f"{root}/", defaults={"rest": ""}, methods=METHODS, strict_slashes=False)
    @bp.route(f"{root}/<path:rest>", methods=METHODS)
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
                detail=f"This endpoint does not serve {request.method}, only "
                f"{', '.join(allowed)}.{' ' + method_note if method_note else ''}",
            )
        raise models.NotFoundException(detail=f"There is no SCIM endpoint '/{rest}' here.")

    # Errors, all as SCIM Errors. An Error is a message, not a resource: no attribute of it is
    # subject to a context, so it is dumped as it stands.

    def error_response(error, headers: dict | None = None) -> Response:
        rollback_request()
        headers = dict(headers or {})
        if error.status == 401:
            headers["WWW-Authenticate"] = www_authenticate
        body = error.model_dump(scim_ctx=models.Context.DEFAULT)
        return respond(body, error.status or 500, headers)

    def scim_error(exc) -> Response:
        headers = {}
        if isinstance(exc, scim.MethodNotAllowedException):
            headers["Allow"] = ", ".join(exc.allowed)
        return error_response(exc.to_error(), headers)

    @bp.errorhandler(SimError)
    def sim_error(exc: SimError):
        # A simulator's own refusal (an unknown tenant, a record not found, bad credentials). A
        # conflict is a value another request took at the same moment (the checks before are
        # SCIM's own UniquenessException): uniqueness, as theirs (RFC 7644 §3.12).
        scim_type = "uniqueness" if isinstance(exc, Conflict) else None
        return error_response(
            models.Error(status=exc.status_code, scim_type=scim_type, detail=exc.message)
        )

    @bp.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        detail = exc.description or exc.name
        return error_response(models.Error(status=exc.code or 500, detail=detail))

    @bp.errorhandler(Exception)
    def unexpected(exc: Exception):
        # SCIM's own errors come here too: registering a handler for their class would import
        # scim2-models at start-up.
        if isinstance(exc, models.SCIMException):
            return scim_error(exc)
        current_app.logger.exception("unexpected error in a SCIM service provider")
        return error_response(
            models.Error(status=500, detail=f"Internal error: {type(exc).__name__}")
        )
