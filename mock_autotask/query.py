"""Autotask REST's query grammar, for Resources ("Making basic query calls to the REST API" and
"Advanced query features of the REST API", autotask.net/help/developerhelp): a query is
`{"filter": [...], "IncludeFields": [...], "MaxRecords": n}`; the conditions of the top-level
list must all hold; a condition is `{"op", "field", "value"}` with the operators eq, noteq, gt,
gte, lt, lte, beginsWith, endsWith, contains, exist, notExist, in, notIn, or a group `{"op": "and"
| "or", "items": [...]}`. Field names, key names and operators are not case sensitive (apigrate's
connector notes so for field names). Strings compare ignoring case. At most 500 records a page.

Where Autotask is lenient this simulator is strict, so that a client's mistake shows: an unknown
operator (Autotask drops it and answers everything: WYRE-AI/autotask-mcp#282), an unknown field
(Autotask: HTTP 500), a value of the wrong type or a string no field can hold are each a 400 with
`{"errors": [...]}`."""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session as DbSession

from .errors import InvalidFilter
from .fields import MAX_INTEGER, storable
from .models import Resource, SecurityLevel, Tenant
from .resources import entity_fields

PAGE_SIZE = 500
MAX_DEPTH = 8
MAX_CONDITIONS = 500
MAX_LIST = 500


@dataclass(frozen=True)
class Field:
    name: str
    kind: str  # integer | string | boolean
    column: object
    length: int | None = None
    queryable: bool = True
    read_only: bool = False
    picklist: dict | None = None


def _license_type():
    return (
        select(SecurityLevel.license_type)
        .where(SecurityLevel.id == Resource.security_level_id)
        .scalar_subquery()
    )


def resource_fields() -> dict[str, Field]:
    """The Resource entity's fields the simulator keeps, by their REST names (the Autotask REST
    Resources entity, and Datto's published swagger ResourceModel); by lower-case name."""
    from .organization import LICENSE_TYPES

    fields = (
        Field("id", "integer", Resource.id, read_only=True),
        Field("userName", "string", Resource.user_name, 254, read_only=True),
        Field("email", "string", Resource.email, 254),
        Field("firstName", "string", Resource.first_name, 50),
        Field("lastName", "string", Resource.last_name, 50),
        Field("title", "string", Resource.title, 50),
        Field("isActive", "boolean", Resource.is_active),
        # A resource's license type is its security level's.
        Field("licenseType", "integer", _license_type(), read_only=True, picklist=LICENSE_TYPES),
        # "This field cannot be queried" (the Resources entity).
        Field(
            "defaultServiceDeskRoleID", "integer", Resource.role_id, queryable=False, read_only=True
        ),
    )
    return {field.name.lower(): field for field in fields}


FIELDS = resource_fields()
OPERATORS = {
    op.lower(): op
    for op in (
        "eq",
        "noteq",
        "gt",
        "gte",
        "lt",
        "lte",
        "beginsWith",
        "endsWith",
        "contains",
        "exist",
        "notExist",
        "in",
        "notIn",
        "and",
        "or",
    )
}


def rest_item(resource: Resource, include: tuple[str, ...] | None = None) -> dict:
    """A resource as Autotask's REST API answers it; with IncludeFields, only those (and id)."""
    values = entity_fields(resource)
    if include is not None:
        values = {name: value for name, value in values.items() if name in include or name == "id"}
    return {**values, "userDefinedFields": []}


@dataclass(frozen=True)
class Query:
    condition: object  # an SQLAlchemy clause
    include: tuple[str, ...] | None
    max_records: int


def _key(body: dict, name: str):
    """A top-level key of the query, in any case (the query model's keys are case-insensitive)."""
    found = [value for key, value in body.items() if isinstance(key, str) and key.lower() == name]
    return found[0] if found else None


def parse_search(raw: str | None) -> dict:
    """The `search` parameter of a GET query: the query as JSON."""
    if raw is None or not raw.strip():
        raise InvalidFilter("The query needs a 'search' parameter: the query as JSON.")
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError):
        raise InvalidFilter("The 'search' parameter is not valid JSON.") from None
    if not isinstance(body, dict):
        raise InvalidFilter("The 'search' parameter must be a JSON object.")
    return body


def parse_query(body: dict) -> Query:
    conditions = _key(body, "filter")
    if not isinstance(conditions, list) or not conditions:
        raise InvalidFilter(
            "A query needs a 'filter': a list of at least one condition, such as "
            '{"op": "gte", "field": "id", "value": 0}.'
        )
    counter = [0]
    condition = and_(*(_condition(item, 1, counter) for item in conditions))
    include = _key(body, "includefields")
    if include is not None:
        if not isinstance(include, list) or not all(isinstance(n, str) for n in include):
            raise InvalidFilter("'IncludeFields' must be a list of field names.")
        include = tuple(field_named(name).name for name in include)
    max_records = _key(body, "maxrecords")
    if max_records is None:
        max_records = PAGE_SIZE
    elif (
        isinstance(max_records, bool)
        or not isinstance(max_records, int)
        or not 1 <= max_records <= PAGE_SIZE
    ):
        raise InvalidFilter(f"'MaxRecords' must be a whole number from 1 to {PAGE_SIZE}.")
    return Query(condition, include, max_records)


def field_named(name) -> Field:
    if not isinstance(name, str) or name.lower() not in FIELDS:
        shown = name[:64] if isinstance(name, str) else json.dumps(name)[:64]
        raise InvalidFilter(
            f"Unable to find {shown} in the Resource entity; its fields are "
            f"{', '.join(f.name for f in FIELDS.values())}."
        )
    return FIELDS[name.lower()]


def _value(field: Field, value, op: str):
    where = f"The value of '{field.name}' ({op})"
    if field.kind == "boolean":
        if not isinstance(value, bool):
            raise InvalidFilter(f"{where} must be true or false.")
        return value
    if field.kind == "integer":
        if isinstance(value, str) and value.strip().lstrip("-").isdigit() and len(value) < 30:
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            raise InvalidFilter(f"{where} must be a whole number.")
        if not -MAX_INTEGER <= value <= MAX_INTEGER:
            raise InvalidFilter(f"{where} is out of range.")
        return value
    if not isinstance(value, str):
        raise InvalidFilter(f"{where} must be a string.")
    if not storable(value):
        raise InvalidFilter(f"{where} must not contain a NUL character or an unpaired surrogate.")
    if len(value) > field.length:
        raise InvalidFilter(f"{where} is longer than the field's {field.length} characters.")
    return value


def _like(value: str) -> str:
    return value.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _compare(field: Field, op: str, value):
    column = field.column
    if field.kind == "string" and op in ("eq", "noteq", "in", "notIn"):
        column = func.lower(column)
        value = [v.lower() for v in value] if isinstance(value, list) else value.lower()
    if op == "eq":
        return column == value
    if op == "noteq":
        return column != value
    if op == "in":
        return column.in_(value)
    if op == "notIn":
        return column.not_in(value)
    if op in ("beginsWith", "endsWith", "contains"):
        pattern = {
            "beginsWith": "{}%",
            "endsWith": "%{}",
            "contains": "%{}%",
        }[op].format(_like(value))
        return func.lower(column).like(pattern, escape="\\")
    return {
        "gt": column > value,
        "gte": column >= value,
        "lt": column < value,
        "lte": column <= value,
    }[op]


def _condition(item, depth: int, counter: list[int]):
    if depth > MAX_DEPTH:
        raise InvalidFilter(f"The filter nests groups more than {MAX_DEPTH} deep.")
    counter[0] += 1
    if counter[0] > MAX_CONDITIONS:
        raise InvalidFilter(f"The filter has more than {MAX_CONDITIONS} conditions.")
    if not isinstance(item, dict):
        raise InvalidFilter('Each condition must be an object such as {"op", "field", "value"}.')
    given = {k.lower(): v for k, v in item.items() if isinstance(k, str)}
    op = OPERATORS.get(given.get("op").lower()) if isinstance(given.get("op"), str) else None
    if op is None:
        raise InvalidFilter(
            f"'op' must be one of {', '.join(OPERATORS.values())}; "
            f"{json.dumps(given.get('op'))[:64]} is not."
        )
    if op in ("and", "or"):
        items = given.get("items")
        if not isinstance(items, list) or not items:
            raise InvalidFilter(f"An '{op}' group needs 'items': a list of conditions.")
        parts = [_condition(child, depth + 1, counter) for child in items]
        return and_(*parts) if op == "and" else or_(*parts)
    if given.get("udf"):
        raise InvalidFilter("The Resource entity has no user-defined fields.")
    field = field_named(given.get("field"))
    if not field.queryable:
        raise InvalidFilter(f"'{field.name}' cannot be queried.")
    if op in ("exist", "notExist"):
        return field.column.is_not(None) if op == "exist" else field.column.is_(None)
    if field.kind == "boolean" and op not in ("eq", "noteq"):
        raise InvalidFilter(f"'{field.name}' is true or false: compare it with eq or noteq.")
    if field.kind != "string" and op in ("beginsWith", "endsWith", "contains"):
        raise InvalidFilter(f"'{op}' applies to text fields; '{field.name}' is not one.")
    if "value" not in given:
        raise InvalidFilter(f"The condition on '{field.name}' ({op}) needs a 'value'.")
    value = given["value"]
    if op in ("in", "notIn"):
        if not isinstance(value, list) or not 1 <= len(value) <= MAX_LIST:
            raise InvalidFilter(f"'{op}' needs a list of 1 to {MAX_LIST} values.")
        value = [_value(field, v, op) for v in value]
    else:
        value = _value(field, value, op)
    return _compare(field, op, value)


def _matching(tenant: Tenant, query: Query):
    return select(Resource).where(Resource.tenant_id == tenant.id, query.condition)


def run_query(
    session: DbSession, tenant: Tenant, query: Query, start_id: int, page_size: int
) -> tuple[list[Resource], int | None]:
    """One page, in id order from `start_id`, and the id the next page starts at (None: last)."""
    rows = list(
        session.scalars(
            _matching(tenant, query)
            .where(Resource.id >= start_id)
            .order_by(Resource.id)
            .limit(page_size + 1)
        )
    )
    following = rows[page_size].id if len(rows) > page_size else None
    return rows[:page_size], following


def count(session: DbSession, tenant: Tenant, query: Query) -> int:
    return session.scalar(select(func.count()).select_from(_matching(tenant, query).subquery()))
