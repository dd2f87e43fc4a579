"""What every SCIM 2.0 service provider of the simulators shares (RFC 7643, RFC 7644), without
Flask: reading requests into scim2-models in the context of their operation (RFC 7644 §3.2),
one page of a query or search (§3.4.2, §3.4.3), the description of the service (§4), and the
answers scim2-models has no class for. UniView serves its Users through it, KaseyaOne its Groups
and Users.

scim2-models costs about 0.3 s to import, so nothing imports this module at start-up:
`sim_common.scim_routes` loads it on the first SCIM request.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, TypeVar

from pydantic import ValidationError
from pydantic_core import to_json
from scim2_models import (
    Attribute,
    AuthenticationScheme,
    BaseModel,
    Bulk,
    ChangePassword,
    Context,
    Email,
    Error,
    ETag,
    Filter,
    ForbiddenException,
    ListResponse,
    Meta,
    Mutability,
    NotFoundException,
    NotImplementedException,
    Pagination,
    Patch,
    Resource,
    ResourceType,
    ResponseParameters,
    Schema,
    SCIMException,
    SearchRequest,
    ServiceProviderConfig,
    Sort,
    UnauthorizedException,
    User,
)
from scim2_models.path.expressions import (
    CompareOperator,
    Comparison,
    FilterNode,
    LogicalExpr,
    Not,
    Present,
    ValuePath,
)
from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.orm import Session

MEDIA_TYPE = "application/scim+json"  # RFC 7644 §3.1


def json_body(body: dict) -> bytes:
    """An answer's JSON, in UTF-8 (RFC 7644 §3.8): pydantic-core's encoder, which scim2-models
    brings, writes a page of a hundred users in a sixth of the standard library's time."""
    return to_json(body)


ModelT = TypeVar("ModelT", bound=BaseModel)


class MethodNotAllowedException(SCIMException):
    """An endpoint that exists, asked with a method it does not serve (RFC 9110 §15.5.6)."""

    status = 405
    _default_detail = "This endpoint does not support that method"

    def __init__(self, *, allowed: list[str], **kw: Any) -> None:
        self.allowed = allowed
        super().__init__(**kw)


# Authentication (RFC 7644 §2) of a module's service provider, whose only client is KaseyaOne.


def authenticate_kaseyaone(integration, authorization: str | None, module_name: str) -> None:
    """Every request carries the tenant's SCIM token, which KaseyaOne received when the
    integration was added, as a bearer token (RFC 6750 §2.1)."""
    if integration is None:
        raise UnauthorizedException(
            detail=f"The KaseyaOne integration has not been added to this {module_name}, so it "
            "has no SCIM token to accept."
        )
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise UnauthorizedException(detail="Send 'Authorization: Bearer <the SCIM token>'.")
    if not secrets.compare_digest(token.strip().encode(), integration.scim_token.encode()):
        raise UnauthorizedException(detail="The bearer token is not this tenant's SCIM token.")


# Reading requests, each in the context of its operation (RFC 7644 §3.2).

SEARCH_PARAMETERS = ("filter", "startIndex", "count", "attributes", "excludedAttributes")
SORT_PARAMETERS = ("sortBy", "sortOrder")
RESPONSE_PARAMETERS = ("attributes", "excludedAttributes")


def parse(model: type[ModelT], payload: bytes | Mapping, scim_ctx: Context) -> ModelT:
    """A request body (JSON bytes) or query (a mapping) read as `model`; whatever does not fit is
    the SCIM error scim2-models gives it (invalidSyntax, invalidValue, invalidFilter, …)."""
    try:
        if isinstance(payload, bytes):
            return model.model_validate_json(payload, scim_ctx=scim_ctx)
        return model.model_validate(dict(payload), scim_ctx=scim_ctx)
    except ValidationError as exc:
        raise SCIMException.from_error(Error.from_validation_errors(exc)[0]) from exc


class _GivenAddress(Email):
    value: str | None = None


class SearchableUser(User):
    """User, for reading filters only: an email address a filter compares is the one the client
    has, whatever its domain. scim2-models' Email takes no address on a reserved domain (RFC
    6761's .test, say, which seeds use), and KaseyaOne looks resources up by the username it
    holds (`emails.value eq`, module_contracts: link_by)."""

    emails: list[_GivenAddress] | None = None


@lru_cache
def parametrized(generic: Any, served: Any) -> Any:
    """`generic[served]` (SearchRequest[User], say): pydantic looks its parametrizations up in
    a cache of its own, at about 0.3 ms a lookup, once per request otherwise."""
    return generic[served]


def parse_search_query(served: Any, query: Mapping[str, str]) -> SearchRequest:
    """The query parameters of GET on a resource endpoint (RFC 7644 §3.4.2); `served` is the
    resource model the endpoint serves."""
    if any(key in query for key in SORT_PARAMETERS):
        raise _sorting_not_supported()
    return parse(
        parametrized(SearchRequest, served),
        {key: query[key] for key in SEARCH_PARAMETERS if key in query},
        Context.SEARCH_REQUEST,
    )


def parse_search_body(served: Any, body: bytes) -> SearchRequest:
    """The body of POST /.search (RFC 7644 §3.4.3)."""
    search = parse(parametrized(SearchRequest, served), body, Context.SEARCH_REQUEST)
    if search.sort_by is not None or search.sort_order is not None:
        raise _sorting_not_supported()
    return search


def _sorting_not_supported() -> NotImplementedException:
    return NotImplementedException(
        detail="Sorting is not supported (ServiceProviderConfig: sort.supported is false)."
    )


def parse_response_parameters(served: Any, query: Mapping[str, str]) -> ResponseParameters:
    """`attributes` or `excludedAttributes`, on any request that answers a resource (RFC 7644
    §3.9)."""
    wanted = {key: query[key] for key in RESPONSE_PARAMETERS if key in query}
    return parse(parametrized(ResponseParameters, served), wanted, Context.RESOURCE_QUERY_REQUEST)


def requested(parameters: ResponseParameters | None, field_name: str) -> bool:
    """Whether an answer shaped by these `attributes`/`excludedAttributes` holds the top-level
    attribute `field_name` (its model field name) — so that what it would not hold is not even
    loaded."""
    if parameters is None:
        return True

    def bindings(paths):
        return [b for b in (path.resolve() for path in paths or ()) if b is not None]

    if parameters.attributes:
        return any(b.field_name == field_name for b in bindings(parameters.attributes))
    return not any(
        b.field_name == field_name and b.sub_field_name is None
        for b in bindings(parameters.excluded_attributes)
    )


def filter_mentions(search: SearchRequest, attribute: str) -> bool:
    """Whether the search's filter tests the top-level attribute named `attribute`."""

    def mentions(node: FilterNode) -> bool:
        if isinstance(node, Comparison | Present | ValuePath):
            return node.attr_path.attr.lower() == attribute.lower()
        if isinstance(node, Not):
            return mentions(node.expr)
        if isinstance(node, LogicalExpr):
            return any(mentions(term) for term in node.terms)
        return False

    return search.filter is not None and mentions(search.filter.ast)


def refuse_discovery_filter(query: Mapping[str, str]) -> None:
    """RFC 7644 §4: the discovery endpoints ignore query parameters, and answer a filter with 403
    so that no client believes its conditions were applied."""
    if "filter" in query:
        raise ForbiddenException(detail="The discovery endpoints cannot be filtered.")


# Building resources.


def dumped(values: list[BaseModel] | BaseModel | None) -> list[dict]:
    """A complex or multi-valued attribute's values as plain data, to compare before and after a
    PATCH."""
    if isinstance(values, BaseModel):
        values = [values]
    return [value.model_dump() for value in values or []]


def utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC)  # the tenant clock's datetimes are naive UTC


def emails(address: str) -> list[Email] | None:
    """An account's email address as SCIM `emails`."""
    try:
        return [Email(value=address, primary=True)]
    except ValidationError:
        # Not an address scim2-models' Email accepts, such as one on the reserved .test domain
        # (RFC 6761): no email to show, and a peer could not read the user with one.
        return None


@lru_cache(maxsize=65536)
def email_value(address: str) -> str | None:
    """The address as scim2-models' Email keeps it (`emails`), or None where it refuses it.
    The check (email-validator) costs about 40 µs, more than everything else a listed user
    costs: a plain address (a dot-atom of letters, digits and `_+-` before the @-sign, 64
    characters at most, and 254 in all) is decided by its domain, checked once per domain with
    the same check; any other address is checked whole. Both are remembered."""
    local, _, domain = address.rpartition("@")
    if (
        len(local) <= 64
        and len(address) <= 254
        and _PLAIN_LOCAL_PART.fullmatch(local)
        and _domain_value(domain) == domain
    ):
        return address
    found = emails(address)
    return found[0].value if found else None


# email-validator's rules for the part before the @-sign (dot-atom text of RFC 5322 §3.2.3,
# at most 64 characters) hold for every address this matches; the rest of its rules are about
# the domain, or the length of the whole.
_PLAIN_LOCAL_PART = re.compile(r"[A-Za-z0-9_+-]+(?:\.[A-Za-z0-9_+-]+)*")


@lru_cache(maxsize=1024)
def _domain_value(domain: str) -> str | None:
    """The domain as the email check keeps it after a plain local part, or None where it
    refuses the domain."""
    found = emails(f"a@{domain}")
    return found[0].value.partition("@")[2] if found else None


def timestamp(moment: datetime) -> str:
    """A tenant clock's datetime as scim2-models dumps it (RFC 7643 §2.3.5): `utc(moment)`'s
    ISO form, its offset written Z; a listing writes two a user."""
    return (moment if moment.tzinfo is None else moment.replace(tzinfo=None)).isoformat() + "Z"


def meta(resource_type: str, location: str, created: datetime, modified: datetime | None) -> Meta:
    return Meta(
        resource_type=resource_type,
        created=utc(created),
        last_modified=utc(modified or created),
        location=location,
    )


# Queries and searches (RFC 7644 §3.4.2).

# Given the attribute of an `attr eq "value"` filter (lower case, with its sub-attribute as in
# "members.value") and the value: the SQL condition that selects exactly the resources it
# matches, or None to match the filter in Python.
IndexedCondition = Callable[[str, str], Any]


def equality_filter(search: SearchRequest) -> tuple[str, str] | None:
    ast = getattr(search.filter, "ast", None)
    parent = None
    if isinstance(ast, ValuePath) and ast.sub_attr is None:  # emails[value eq "..."]
        parent, ast = ast.attr_path.attr, ast.val_filter
    if not (
        isinstance(ast, Comparison) and ast.op == CompareOperator.eq and isinstance(ast.value, str)
    ):
        return None
    path = ast.attr_path
    attribute = path.attr if path.sub_attr is None else f"{path.attr}.{path.sub_attr}"
    if parent is not None:
        attribute = f"{parent}.{attribute}"
    return attribute.lower(), ast.value


def answered_whole_from_rows(search: SearchRequest, indexed: IndexedCondition) -> bool:
    """Whether a query's answer can be built straight from the rows the simulator wrote (see
    `list_body`): it asks for whole resources (no `attributes` or `excludedAttributes`), and
    the database answers its filter, if any, by itself."""
    if search.attributes or search.excluded_attributes:
        return False
    if search.filter is None:
        return True
    equality = equality_filter(search)
    return equality is not None and indexed(*equality) is not None


def page_bounds(search: SearchRequest, max_results: int) -> tuple[int, int]:
    """Where the page starts (0-based) and how many it holds at most: `count`, and never more
    than max_results (RFC 7644 §3.4.2.4)."""
    count = max_results if search.count is None else min(search.count, max_results)
    # A start past any table is an empty page, not an OFFSET the database cannot take.
    return min(search.start_index_0 or 0, 2**62), count


def search_resources(
    session: Session,
    query: Select,
    search: SearchRequest,
    *,
    to_scim: Callable[[list], list[Resource]],
    indexed: IndexedCondition,
    max_results: int,
    bounds: tuple[int, int] | None = None,
) -> tuple[int, list[Resource]]:
    """The total number of rows of `query` (ordered, stable) whose SCIM view matches the
    search's filter, and one page of them as resources (`to_scim` maps a list of rows at once,
    so that it can load what they refer to in a query or two). Without a filter, or with one the
    database answers exactly (`indexed`), only the page is read and mapped; any other filter is
    matched against every row's SCIM view."""
    start, count = bounds or page_bounds(search, max_results)
    if search.filter is not None:
        equality = equality_filter(search)
        condition = indexed(*equality) if equality else None
        if condition is None:
            found = [r for r in to_scim(list(session.scalars(query))) if search.filter.match(r)]
            return len(found), found[start : start + count]
        query = query.where(condition)
    page = _rows(session, query.offset(start).limit(count)) if count else []
    total = _total(start, count, page, lambda: _count(session, query))
    return total, to_scim(page)


def _total(start: int, count: int, page: list, counted: Callable[[], int]) -> int:
    if page and len(page) < count:
        return start + len(page)  # the page holds the last of them: nothing left to count
    return counted()


def _counting(query: Select) -> Select:
    """How many rows `query` selects."""
    return select(func.count()).select_from(query.order_by(None).subquery())


def _count(session: Session, query: Select) -> int:
    return session.scalar(_counting(query)) or 0


class RowSearch:
    """The statements of one shape of search answered from plain rows (`answered_whole_from_rows`:
    a listing, or one `attr eq "value"` filter the database answers), built once with bound
    parameters: SQLAlchemy takes longer to build a statement than SQLite to run it. `query`
    selects the rows, in a stable order, of the tenant `:tenant_id` (and, for a filter, whose
    value is `:value`)."""

    def __init__(self, query: Select) -> None:
        self.page = query.offset(bindparam("start")).limit(bindparam("count"))
        self.count = _counting(query)

    def run(self, session: Session, search: SearchRequest, params: dict, max_results: int):
        """As `search_resources`: the number of matching rows, and one page of them."""
        start, count = page_bounds(search, max_results)
        bound = {**params, "start": start, "count": count}
        page = session.execute(self.page, bound).all() if count else []
        return _total(start, count, page, lambda: session.scalar(self.count, params) or 0), page


def _rows(session: Session, query: Select) -> list:
    """The objects of a query of one entity; the rows of a query of columns."""
    result = session.execute(query)
    return result.scalars().all() if len(query.column_descriptions) == 1 else result.all()


def list_response(
    served: Any, search: SearchRequest, total: int, page: list[Resource]
) -> ListResponse:
    return parametrized(ListResponse, served)(
        total_results=total,
        start_index=(search.start_index_0 or 0) + 1,
        items_per_page=len(page),
        resources=page,
    )


def list_body(search: SearchRequest, total: int, page: list[dict]) -> dict:
    """A ListResponse as `list_response(...).model_dump()` answers it, of resources the
    simulator dumped from its own rows: what it wrote was validated when it came in, and
    validating and dumping every resource of a listing again through scim2-models costs about
    0.3 ms each (tests/test_uniview_scim.py holds the two to the same answer)."""
    return {
        "schemas": [LIST_RESPONSE_SCHEMA],
        "totalResults": total,
        "startIndex": (search.start_index_0 or 0) + 1,
        "itemsPerPage": len(page),
        "Resources": page,
    }


LIST_RESPONSE_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:ListResponse"


# The service's description (RFC 7644 §4).


class ServiceDescription:
    """ServiceProviderConfig, ResourceTypes and Schemas of a service provider that supports
    filtering (at most `max_results` resources an answer) and index pagination, and neither bulk,
    sorting, ETags nor password changes."""

    def __init__(
        self,
        *,
        authentication_scheme: AuthenticationScheme,
        max_results: int,
        patch: bool,
        resources: Sequence[tuple[ResourceType, Schema]],
    ) -> None:
        self.max_results = max_results
        self.config = ServiceProviderConfig(
            patch=Patch(supported=patch),
            bulk=Bulk(supported=False, max_operations=0, max_payload_size=0),
            filter=Filter(supported=True, max_results=max_results),
            change_password=ChangePassword(supported=False),
            sort=Sort(supported=False),
            etag=ETag(supported=False),
            authentication_schemes=[authentication_scheme],
            pagination=Pagination(
                cursor=False,
                index=True,
                default_pagination_method=Pagination.DefaultPaginationMethod.index,
                default_page_size=max_results,
                max_page_size=max_results,
            ),
        )
        # The discovery endpoints that list resources (RFC 7644 §4): their model, and what they
        # list by id.
        self._listed = {
            "ResourceTypes": (ResourceType, {found.id: found for found, _ in resources}),
            "Schemas": (Schema, {found.id: found for _, found in resources}),
        }

    def service_provider_config(self, base_url: str) -> ServiceProviderConfig:
        location = f"{base_url}/ServiceProviderConfig"
        return self.config.model_copy(
            update={"meta": Meta(resource_type="ServiceProviderConfig", location=location)}
        )

    @staticmethod
    def _located(endpoint: str, found: ModelT, base_url: str) -> ModelT:
        located = Meta(
            resource_type=type(found).__name__, location=f"{base_url}/{endpoint}/{found.id}"
        )
        return found.model_copy(update={"meta": located})

    def listing(self, endpoint: str, base_url: str) -> ListResponse:
        """/ResourceTypes or /Schemas: every resource type, or every schema, of the service."""
        model, listed = self._listed[endpoint]
        located = [self._located(endpoint, found, base_url) for found in listed.values()]
        count = len(located)
        return ListResponse[model](
            total_results=count, start_index=1, items_per_page=count, resources=located
        )

    def get(self, endpoint: str, base_url: str, found_id: str) -> ResourceType | Schema:
        """/ResourceTypes/{id} or /Schemas/{id}."""
        model, listed = self._listed[endpoint]
        if found_id not in listed:
            raise NotFoundException(
                detail=f"There is no {model.__name__} '{found_id}' here: only {', '.join(listed)}."
            )
        return self._located(endpoint, listed[found_id], base_url)


def module_service_description(
    token_holder: str, resource_type: ResourceType, schema: Schema, max_results: int
) -> ServiceDescription:
    """A module's service provider, whose only client is KaseyaOne: `token_holder`'s SCIM token
    as a bearer token (`authenticate_kaseyaone`), PATCH supported, one resource type."""
    return ServiceDescription(
        authentication_scheme=AuthenticationScheme(
            type=AuthenticationScheme.Type.oauthbearertoken,
            name="OAuth Bearer Token",
            description=f"{token_holder} SCIM token, which KaseyaOne received when the "
            "KaseyaOne integration was added, as 'Authorization: Bearer <token>'.",
            spec_uri="https://www.rfc-editor.org/rfc/rfc6750",
            primary=True,
        ),
        max_results=max_results,
        patch=True,
        resources=[(resource_type, schema)],
    )


def published_attribute(parent: Schema | Attribute, name: str, **changes: Any) -> Attribute:
    """The attribute `name` of a core schema (or of a complex attribute) as a service provider
    publishes it: its description, mutability or sub-attributes changed to what it does."""
    return parent[name].model_copy(update=changes)


def read_only_attribute(parent: Schema | Attribute, name: str, description: str) -> Attribute:
    return published_attribute(
        parent, name, mutability=Mutability.read_only, description=description
    )
