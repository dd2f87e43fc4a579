"""Autotask's REST API, as far as a KaseyaOne integration and its tests need it, under
`/ATServicesRest/V1.0/` (Datto's published swagger "Datto|Autotask PSA Rest API" v1, and the
Autotask developer help "Making basic query calls to the REST API", "Advanced query features"):

- `ZoneInformation?user=` answers `{"zoneName", "url", "webUrl", "ci"}`: the zone is this
  simulator.
- `Resources/query` (GET with `search=<query JSON>`, or POST with it as the body) answers
  `{"items": [...], "pageDetails": {"count", "requestCount", "prevPageUrl", "nextPageUrl"}}`, at
  most 500 items a page. `nextPageUrl` is `Resources/query/next?paging=...`, with `&search=...`
  after a GET; after a POST the next page is POSTed with the same body, as Autotask wants
  (`{"pageSize", "previousIds", "nextIds"}`, the shape Autotask's own paging parameter has).
- `Resources/query/count` answers `{"queryCount"}`; `Resources/{id}` answers `{"item"}`;
  `PATCH Resources` with the id in the body changes a resource and answers `{"itemId"}`;
  `Resources/entityInformation` and `.../fields` describe the entity. Resources cannot be created
  or deleted through the API (the entity's "Can Create", "Can Delete": false): 405 with `Allow`.
- Every request but ZoneInformation names the API user in the `ApiIntegrationCode`, `UserName`
  and `Secret` headers; the tenant is the API user's. Errors are `{"errors": ["..."]}` (apigrate
  autotask-restapi#19 shows the shape). Where Autotask answers a wrong user name or integration
  code with 500 (ibid.), this simulator answers 401, and every bad query is a 400.

Paths are matched without regard to case, as Autotask's are (`/atservicesrest/v1.0/resources`
reaches the same place)."""

from __future__ import annotations

import json
import re
import zlib
from urllib.parse import urlencode

from flask import Blueprint, current_app, g, make_response, request
from sqlalchemy import select
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from sim_common.control import json_body
from sim_common.db import db
from sim_common.errors import InvalidRequest, NotFound, SimError, Unauthorized
from sim_common.web import rollback_request

from . import query as queries
from . import resources
from .errors import NeverDeleted
from .fields import integer, text
from .models import ApiUser, Resource, Tenant
from .web import public_base

PREFIX = "/ATServicesRest/V1.0"
LIVEMOBILE = re.compile(r"/t/[^/]+/livemobile/")
AUTH_HEADERS = ("ApiIntegrationCode", "UserName", "Secret")
# What PATCH may change; other fields are read-only through the API.
PATCHABLE = ("email", "firstName", "lastName", "title", "isActive")

bp = Blueprint("at_rest", __name__, url_prefix=PREFIX)
bp.fault_kind = "rest"


def errors_response(status: int, message: str, headers: dict | None = None):
    return {"errors": [message]}, status, headers or {}


@bp.errorhandler(SimError)
def sim_error(exc: SimError):
    rollback_request()
    return errors_response(exc.status_code, exc.message, exc.headers)


def allow_header(exc: HTTPException) -> dict:
    """The `Allow` header a 405 owes (RFC 9110 §15.5.6)."""
    if isinstance(exc, MethodNotAllowed) and exc.valid_methods:
        return {"Allow": ", ".join(sorted(exc.valid_methods))}
    return {}


@bp.errorhandler(HTTPException)
def http_error(exc: HTTPException):
    rollback_request()
    return errors_response(exc.code or 500, exc.description or exc.name, allow_header(exc))


def install(app) -> None:
    """The REST API on `app`: the blueprint, paths in any case, and Autotask's error body for
    requests no REST route matched (404, 405), which no blueprint handler sees. LiveMobile, an
    app too, gets the simulator's JSON error there, as from its routes. A 405 elsewhere keeps
    the simulator's usual body and gains the `Allow` header it lacked."""
    app.register_blueprint(bp)
    app.wsgi_app = _canonical_paths(app.wsgi_app)
    default = app.error_handler_spec[None][None][HTTPException]

    def routing_error(exc: HTTPException):
        if request.path.startswith(PREFIX + "/"):
            return http_error(exc)
        if LIVEMOBILE.match(request.path):
            name = (exc.name or "error").lower().replace(" ", "_")
            return (
                {"error": name, "message": exc.description or exc.name},
                exc.code,
                allow_header(exc),
            )
        response = make_response(default(exc))
        response.headers.update(allow_header(exc))
        return response

    app.register_error_handler(404, routing_error)
    app.register_error_handler(405, routing_error)


_WORDS = {
    word.lower(): word
    for word in (
        "ATServicesRest",
        "V1.0",
        "ZoneInformation",
        "Resources",
        "query",
        "next",
        "count",
        "entityInformation",
        "fields",
    )
}


def _canonical_paths(wsgi_app):
    def app(environ, start_response):
        parts = environ.get("PATH_INFO", "").split("/")
        if len(parts) > 1 and parts[1].lower() == "atservicesrest":
            environ["PATH_INFO"] = "/".join(_WORDS.get(part.lower(), part) for part in parts)
        return wsgi_app(environ, start_response)

    return app


@bp.url_value_preprocessor
def authenticate(endpoint, values):
    """Before the per-request fault check, which needs the tenant (hence not before_request)."""
    if endpoint == "at_rest.zone_information":
        return
    given = [request.headers.get(name) for name in AUTH_HEADERS]
    if not all(given):
        raise Unauthorized(
            "Every request needs the ApiIntegrationCode, UserName and Secret headers of an "
            "Autotask API user."
        )
    api_user = resources.authenticate_api_user(db(), *given)
    g.tenant = db().get(Tenant, api_user.tenant_id)
    g.tenant_id = api_user.tenant_id


@bp.get("/ZoneInformation")
def zone_information():
    user = text(request.args.get("user"), "user", 254).lower()
    tenant_id = db().scalar(select(ApiUser.tenant_id).where(ApiUser.user_name == user))
    if tenant_id is None:
        tenant_id = db().scalar(select(Resource.tenant_id).where(Resource.user_name == user))
    if tenant_id is None:
        raise NotFound(f"There is no Autotask user '{user}'.")
    g.tenant_id = tenant_id
    base = public_base()
    return {
        "zoneName": current_app.config["ZONE_NAME"],
        "url": f"{base}/ATServicesRest/",
        "webUrl": f"{base}/t/{tenant_id}/",
        "ci": zlib.crc32(tenant_id.encode()) & 0x7FFFFFFF,
    }


@bp.get("/Resources/<resource_id>")
def get_resource(resource_id: str):
    if not resource_id.isdigit():
        raise InvalidRequest(f"'{resource_id[:64]}' is not a resource id: ids are whole numbers.")
    return {"item": queries.rest_item(resources.get_resource(db(), g.tenant, resource_id))}


@bp.delete("/Resources/<resource_id>")
def delete_resource(resource_id: str):
    raise NeverDeleted("GET")


def _query_body() -> dict:
    if request.method == "GET":
        return queries.parse_search(request.args.get("search"))
    return json_body()


def _page(query: queries.Query, start: int, previous: list[int], page_size: int) -> dict:
    rows, following = queries.run_query(db(), g.tenant, query, start, page_size)

    def url(earlier: list[int], first: int) -> str:
        paging = {"pageSize": page_size, "previousIds": earlier, "nextIds": [first]}
        params = {"paging": json.dumps(paging, separators=(",", ":"))}
        if request.method == "GET":
            params["search"] = request.args["search"]
        return f"{public_base()}{PREFIX}/Resources/query/next?{urlencode(params)}"

    return {
        "items": [queries.rest_item(row, query.include) for row in rows],
        "pageDetails": {
            "count": len(rows),
            "requestCount": page_size,
            "prevPageUrl": url(previous[:-1], previous[-1]) if previous else None,
            "nextPageUrl": url([*previous, start], following) if following is not None else None,
        },
    }


@bp.route("/Resources/query", methods=["GET", "POST"])
def query_resources():
    query = queries.parse_query(_query_body())
    return _page(query, -1, [], query.max_records)


@bp.route("/Resources/query/next", methods=["GET", "POST"])
def next_page():
    """A page after the first: where `paging` says it starts; the query is given again."""
    try:
        paging = json.loads(request.args.get("paging") or "")
    except (ValueError, RecursionError):
        paging = None
    if not isinstance(paging, dict):
        raise InvalidRequest("'paging' must be the JSON object a pageDetails URL carries.")
    size = paging.get("pageSize")
    earlier, first = paging.get("previousIds"), paging.get("nextIds")
    if (
        isinstance(size, bool)
        or not isinstance(size, int)
        or not 1 <= size <= queries.PAGE_SIZE
        or not isinstance(earlier, list)
        or len(earlier) > 100_000
        or not isinstance(first, list)
        or len(first) != 1
    ):
        raise InvalidRequest("'paging' is not one a pageDetails URL carries.")
    earlier = [integer(i, "previousIds") for i in earlier]
    query = queries.parse_query(_query_body())
    return _page(query, integer(first[0], "nextIds"), earlier, size)


@bp.route("/Resources/query/count", methods=["GET", "POST"])
def count_resources():
    return {"queryCount": queries.count(db(), g.tenant, queries.parse_query(_query_body()))}


@bp.patch("/Resources")
def patch_resource():
    """Autotask's PATCH: on the collection, the id in the body, only the fields to change.
    Read-only fields may be sent back unchanged (a GET's item, edited, PATCHed back)."""
    body = json_body()
    given = {}
    for key, value in body.items():
        if key.lower() == "userdefinedfields":
            if value not in ([], None):
                raise InvalidRequest("The Resource entity has no user-defined fields.")
            continue
        given[queries.field_named(key).name] = value
    if "id" not in given:
        raise InvalidRequest("PATCH needs the resource's 'id' in the body.")
    resource = resources.get_resource(db(), g.tenant, integer(given.pop("id"), "id"))
    current = resources.entity_fields(resource)
    changes = {}
    for name, value in given.items():
        if name in PATCHABLE:
            changes[name] = value
        elif value != current[name]:
            raise InvalidRequest(f"'{name}' is read-only.")
    resources.change_resource(db(), resource, changes, allowed=PATCHABLE)
    return {"itemId": resource.id}


@bp.get("/Resources/entityInformation")
def entity_information():
    return {
        "info": {
            "name": "Resource",
            "canCreate": False,
            "canDelete": False,
            "canQuery": True,
            "canUpdate": True,
            "hasUserDefinedFields": False,
            "supportsWebhookCallouts": False,
        }
    }


@bp.get("/Resources/entityInformation/fields")
def entity_fields():
    return {
        "fields": [
            {
                "name": field.name,
                "dataType": field.kind,
                "length": field.length or 0,
                "isRequired": field.name in ("id", "userName", "email", "firstName", "lastName"),
                "isReadOnly": field.read_only,
                "isQueryable": field.queryable,
                "isReference": field.name == "defaultServiceDeskRoleID",
                "referenceEntityType": "Role" if field.name == "defaultServiceDeskRoleID" else "",
                "isPickList": field.picklist is not None,
                "picklistValues": [
                    {"value": str(value), "label": label, "isActive": True, "isSystem": True}
                    for value, label in (field.picklist or {}).items()
                ]
                or None,
                "picklistParentValueField": "",
                "isSupportedWebhookField": False,
            }
            for field in queries.FIELDS.values()
        ]
    }
